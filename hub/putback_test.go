package hub_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"dutyroom/app"
	"dutyroom/app/incident"
	"dutyroom/app/message"
	"dutyroom/hub"
	"dutyroom/store"
)

// copyFolder copies every file of a hub's data folder, as an administrator
// taking or putting back a file-level backup would.
func copyFolder(t *testing.T, from, to string) {
	t.Helper()
	entries, err := os.ReadDir(from)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.Type().IsRegular() {
			copyFile(t, filepath.Join(from, e.Name()), filepath.Join(to, e.Name()))
		}
	}
}

// The whole data folder of a running hub is copied, operations flow on and
// are read, and the copy is put back by hand: the file and its boot marker
// agree, so the hub keeps its epoch at start. The township reconnects
// first and pushes an incident into positions the county and the
// prefecture had already read; then they reconnect. The prefecture must
// receive the township's incident, and the hub must hold every operation
// exactly once.
func TestFolderPutBackByHandLosesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: builds cmd/dutyhub and runs it as its own process; make test runs it")
	}
	tr := testTree()
	dir := t.TempDir()
	db, err := hub.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.ImportStations(tr.list()); err != nil {
		t.Fatal(err)
	}
	for user, st := range map[string]app.Station{"p": tr.P, "c1": tr.C1, "t1": tr.T1} {
		if err := db.AddUser(user, st.Code, password); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	hp := runHubProcess(t, dir)
	addr := "ws://" + hp.addr

	clk := &alertClock{t: time.Date(2026, 7, 14, 2, 0, 0, 0, time.UTC)}
	duty := func(name string, st app.Station) *incClient {
		c := newClient(t, name)
		c.db.Now = clk.Now
		c.start(addr, name)
		c.caughtUp()
		c.setIdentity(st)
		return &incClient{client: c, svc: store.NewIncidents(c.db), st: st}
	}
	p, c1, t1 := duty("p", tr.P), duty("c1", tr.C1), duty("t1", tr.T1)
	before := t1.addPerson(tr.T1, "复制前")
	waitFor(t, "the first person at the prefecture", func() bool { return p.hasPerson(before.ID) })
	for _, c := range []*incClient{p, c1, t1} {
		c.caughtUp()
	}

	// 1. The folder is copied while the hub runs, all quiet.
	saved := t.TempDir()
	copyFolder(t, dir, saved)

	// 2. More operations flow and are read: the township's people reach
	// the county and the prefecture, the county's messages the
	// prefecture. The township reads nothing new.
	afterCopy := []app.Person{t1.addPerson(tr.T1, "复制后甲"), t1.addPerson(tr.T1, "复制后乙")}
	waitFor(t, "the township's people at the county and the prefecture", func() bool {
		return c1.hasPerson(afterCopy[1].ID) && p.hasPerson(afterCopy[1].ID)
	})
	var msgs []app.ID
	for _, text := range []string{"雨情通报", "请报告水位"} {
		m := message.Message{Kind: message.KindMessage, To: []app.ID{tr.P.ID}, Text: text}
		if err := store.NewMessages(c1.db).Send(dutyCtx, &m, nil); err != nil {
			t.Fatal(err)
		}
		c1.eng.Kick()
		msgs = append(msgs, m.ID)
	}
	waitFor(t, "the county's messages at the prefecture", func() bool {
		for _, id := range msgs {
			if _, err := store.NewMessages(p.db).FindMessage(dutyCtx, id); err != nil {
				return false
			}
		}
		return true
	})
	for _, c := range []*incClient{p, c1, t1} {
		c.caughtUp()
		c.stop()
	}

	// 3. The hub stops, the copy is put back, the hub starts again.
	hp.stop()
	copyFolder(t, saved, dir)
	hp.start()

	// 4. The township, first back, files an incident.
	inc := incident.Incident{Station: tr.T1.ID, ReceivedAt: clk.Now().Add(-10 * time.Minute), Channel: incident.ChannelPhone,
		Place: incident.Place{Station: tr.T1.ID, Text: "G209 国道 K1203"}, Category: incident.RoadTraffic,
		Title: "货车侧翻", Counts: incident.Counts{Injured: 1}}
	if _, _, err := t1.svc.CreateIncident(dutyCtx, &inc); err != nil {
		t.Fatal(err)
	}
	var late []app.Person
	for _, name := range []string{"恢复后甲", "恢复后乙", "恢复后丙"} {
		p := app.Person{Station: tr.T1.ID, Name: name, Mobile: "13800000000", Roles: []app.Role{app.RoleOfficer}}
		if err := t1.dir.CreatePerson(context.Background(), &p); err != nil {
			t.Fatal(err)
		}
		late = append(late, p)
	}
	t1.start(addr, "t1")
	t1.caughtUp()

	// 5. The county and the prefecture come back.
	c1.start(addr, "c1")
	p.start(addr, "p")
	waitFor(t, "the township's incident at the prefecture", func() bool { return p.has(inc.ID) })
	waitFor(t, "the township's incident at the county", func() bool { return c1.has(inc.ID) })
	for _, person := range append(afterCopy, late...) {
		waitFor(t, "every township person at the prefecture", func() bool { return p.hasPerson(person.ID) })
	}
	for _, c := range []*incClient{p, c1, t1} {
		c.caughtUp()
	}
	ctx := context.Background()
	for _, c := range []*incClient{t1, c1} {
		sent, err := c.db.Sent(ctx, 0, 1<<30)
		if err != nil {
			t.Fatal(err)
		}
		for _, op := range sent {
			if ok, _ := p.db.HasApplied(ctx, op.ID); !ok {
				t.Errorf("the prefecture lacks %s's operation %s (seq %d)", c.name, op.Kind, op.Seq)
			}
		}
	}
	hp.stop()
	for _, c := range []*incClient{t1, c1} {
		sent, err := c.db.Sent(ctx, 0, 1<<30)
		if err != nil {
			t.Fatal(err)
		}
		checkHubHolds(t, dir, c.st.ID, sent, "after the folder was put back")
	}
}
