package hub_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"dutyroom/app"
	"dutyroom/app/instruction"
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

// A 批示 task near its deadline that the county has not answered reaches
// the county's officer as an SMS reminder through the hub; a task the
// county answered reminds nobody, and a restart of the notifier (the
// hub's replay) sends no second reminder.
func TestInstructionTaskNearItsDeadlineRemindsTheStationBySMS(t *testing.T) {
	spool := t.TempDir()
	g := &sms.Gammu{Outbox: filepath.Join(spool, "outbox"), Inbox: filepath.Join(spool, "inbox"),
		Sent: filepath.Join(spool, "sent"), Error: filepath.Join(spool, "error")}
	for _, d := range []string{g.Outbox, g.Inbox, g.Sent, g.Error} {
		if err := os.Mkdir(d, 0o750); err != nil {
			t.Fatal(err)
		}
	}
	notifier := sms.NewNotifier(nil, nil, nil)
	notifier.Tick = 50 * time.Millisecond
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

	actx := app.WithAuthor(context.Background(), "测试值班员")
	p, c1, c2 := newClient(t, "p"), newClient(t, "c1"), newClient(t, "c2")
	for c, st := range map[*client]app.Station{p: h.tree.P, c1: h.tree.C1, c2: h.tree.C2} {
		c.start(h.addr, map[*client]string{p: "p", c1: "c1", c2: "c2"}[c])
		c.caughtUp()
		c.setIdentity(st)
	}
	officer := c1.addPerson(h.tree.C1, "王值班")
	other := c2.addPerson(h.tree.C2, "李值班")
	waitFor(t, "the officers at the prefecture", func() bool { return p.hasPerson(officer.ID) && p.hasPerson(other.ID) })

	now := time.Now()
	in := instruction.Instruction{
		Leader: "张明", LeaderPost: "州长", GivenAt: now.Add(-5 * time.Minute), Source: instruction.SourcePaper,
		Words: "请两县立即核查灾情，20分钟内报告。",
		Tasks: []instruction.Task{{Text: "核查灾情并报告", Stations: []app.ID{h.tree.C1.ID, h.tree.C2.ID}, Deadline: now.Add(20 * time.Minute)}},
	}
	if err := store.NewInstructions(p.db).Create(actx, &in, nil); err != nil {
		t.Fatal(err)
	}
	p.eng.Kick()
	task := in.Tasks[0].ID
	// The second county answers before the notifier looks.
	waitFor(t, "the instruction at the second county", func() bool {
		_, err := store.NewInstructions(c2.db).Find(context.Background(), in.ID)
		return err == nil
	})
	a := instruction.Answer{Instruction: in.ID, Task: task, For: instruction.Assignee{Station: h.tree.C2.ID}, Text: "已核查，无险情", Done: true}
	if err := store.NewInstructions(c2.db).Answer(actx, &a, nil); err != nil {
		t.Fatal(err)
	}
	c2.eng.Kick()
	waitFor(t, "the answer at the hub", func() bool {
		for _, d := range h.logOps() {
			if d.Op.Kind == instruction.OpAnswer {
				return true
			}
		}
		return false
	})
	go notifier.Run(ctx)

	var m sms.Message
	waitFor(t, "the reminder handed to gammu", func() bool {
		ms, _ := q.Messages()
		for _, x := range ms {
			if x.Event == sms.InstructionEvent(in.ID, task, h.tree.C1.ID) && x.Person == officer.ID.String() && x.State == sms.Sent {
				m = x
				return true
			}
		}
		return false
	})
	if m.To != officer.Mobile || !strings.Contains(m.Text, "张明州长批示任务") || !strings.Contains(m.Text, "请吉首市尽快") {
		t.Fatalf("reminder %+v", m)
	}
	time.Sleep(300 * time.Millisecond) // several ticks more
	ms, _ := q.Messages()
	reminders := 0
	for _, x := range ms {
		if strings.HasPrefix(x.Event, "instruction:") {
			reminders++
			if x.Person == other.ID.String() {
				t.Errorf("the county that answered was reminded: %+v", x)
			}
		}
	}
	if reminders != 1 {
		t.Errorf("%d reminders queued, want 1", reminders)
	}
	// A second notifier fed by the hub's replay (as at a restart) finds the
	// task open again and queues nothing new.
	again := sms.NewNotifier(q, notifier.Tree, nil)
	for _, d := range h.logOps() {
		again.Observe(d.Op)
	}
	again.RemindInstructions(time.Now())
	ms, _ = q.Messages()
	count := 0
	for _, x := range ms {
		if strings.HasPrefix(x.Event, "instruction:") {
			count++
		}
	}
	if count != 1 {
		t.Errorf("after the replay, %d reminders in the queue, want still 1", count)
	}
}
