package hub_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"dutyroom/app"
	"dutyroom/app/warning"
	"dutyroom/hub"
	"dutyroom/hub/sms"
	"dutyroom/store"
)

// A red warning the prefecture's client pushes reaches the hub's SMS
// notifier through Observe: the county's officer, whom the county's
// client put in its directory, gets a coded message in gammu-smsd's
// outbox, and a reply with the code dropped into gammu's inbox (as the
// daemon writes it; no modem here) answers it. The hub's file stays
// sound with the queue's bucket beside its own.
func TestRedWarningReachesAnOfficersPhoneThroughTheHub(t *testing.T) {
	spool := t.TempDir()
	g := &sms.Gammu{Outbox: filepath.Join(spool, "outbox"), Inbox: filepath.Join(spool, "inbox"),
		Sent: filepath.Join(spool, "sent"), Error: filepath.Join(spool, "error")}
	for _, d := range []string{g.Outbox, g.Inbox, g.Sent, g.Error} {
		if err := os.Mkdir(d, 0o750); err != nil {
			t.Fatal(err)
		}
	}
	notifier := sms.NewNotifier(nil, nil, nil)
	h := startHub(t, hub.Config{Observe: notifier.Observe, Replay: sms.ObservedKinds})
	q, err := sms.Open(h.db.Bolt(), g, sms.Config{PollInterval: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	notifier.Queue = q
	notifier.Tree = func() *app.Tree {
		tree, err := h.db.Tree()
		if err != nil {
			t.Error(err)
		}
		return tree
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go q.Run(ctx)
	go notifier.Run(ctx)

	actx := app.WithAuthor(context.Background(), "测试值班员")
	p, c1 := newClient(t, "p"), newClient(t, "c1")
	for c, st := range map[*client]app.Station{p: h.tree.P, c1: h.tree.C1} {
		c.start(h.addr, map[*client]string{p: "p", c1: "c1"}[c])
		c.caughtUp()
		c.setIdentity(st)
	}
	officer := c1.addPerson(h.tree.C1, "王值班")
	waitFor(t, "the officer at the prefecture", func() bool { return p.hasPerson(officer.ID) })

	w := warning.Warning{Level: warning.Red, Type: warning.Rainstorm, Area: "吉首市", ValidUntil: time.Now().Add(24 * time.Hour),
		Text: "吉首市未来6小时将出现100毫米以上降雨。", IssuedBy: "州应急局 张局长"}
	if err := store.NewWarnings(p.db).Issue(actx, &w); err != nil {
		t.Fatal(err)
	}
	p.eng.Kick()
	var m sms.Message
	waitFor(t, "the officer's message handed to gammu", func() bool {
		ms, _ := q.Messages()
		for _, x := range ms {
			if x.Event == sms.WarningEvent(w.ID) && x.Person == officer.ID.String() && x.State == sms.Sent {
				m = x
				return true
			}
		}
		return false
	})
	if m.To != officer.Mobile || m.Station != h.tree.C1.ID.String() || m.Code == "" {
		t.Fatalf("message %+v", m)
	}
	if _, err := os.Stat(filepath.Join(g.Outbox, m.Gateway)); err != nil {
		t.Fatalf("the outbox file: %v", err)
	}
	in := "IN" + time.Now().Format("20060102_150405") + "_00_+86" + officer.Mobile + "_00.txt"
	if err := os.WriteFile(filepath.Join(g.Inbox, in), []byte("收到"+m.Code), 0o640); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the reply answering the message", func() bool {
		got, _ := q.Message(m.ID)
		return got.State == sms.Answered
	})
}
