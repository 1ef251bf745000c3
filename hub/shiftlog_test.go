package hub_test

import (
	"context"
	"testing"
	"time"

	"dutyroom/app"
	"dutyroom/app/roster"
	"dutyroom/app/warning"
	"dutyroom/hub"
	"dutyroom/store"
)

// A warning the prefecture issues reaches a township over a real hub and
// enters the township's duty log by itself, linked to the warning, with
// the issuing officer as author, once; the prefecture's log has it as
// issued.
func TestWarningReceivedOverTheHubEntersTheTownshipLog(t *testing.T) {
	h := startHub(t, hub.Config{})
	tr := h.tree
	clk := &alertClock{t: time.Date(2026, 7, 14, 2, 0, 0, 0, time.UTC)} // 10:00 in China
	clients := map[string]*client{}
	for name, st := range map[string]app.Station{"p": tr.P, "t1": tr.T1} {
		c := newClient(t, name)
		c.db.Now = clk.Now
		c.start(h.addr, name)
		c.caughtUp()
		c.setIdentity(st)
		clients[name] = c
	}
	p, t1 := clients["p"], clients["t1"]
	w := warning.Warning{Level: warning.Orange, Type: warning.Geological, Area: "乾州街道", ValidUntil: clk.Now().Add(24 * time.Hour),
		Text: "地质灾害橙色预警"}
	if err := store.NewWarnings(p.db).Issue(app.WithAuthor(context.Background(), "州应急局 张值班"), &w); err != nil {
		t.Fatal(err)
	}
	p.eng.Kick()
	day := roster.DutyDayAt(roster.DefaultSettings().Handover, (&app.Station{}).Location(), clk.Now())
	autoLog := func(c *client, st app.ID) []roster.LogEntry {
		entries, err := store.NewRosters(c.db).LogEntries(context.Background(), st, day)
		if err != nil {
			t.Fatal(err)
		}
		var out []roster.LogEntry
		for _, e := range entries {
			if e.Auto {
				out = append(out, e)
			}
		}
		return out
	}
	waitFor(t, "the warning in the township's log", func() bool { return len(autoLog(t1, tr.T1.ID)) > 0 })
	t1.eng.Kick() // a second round trip: nothing more arrives, nothing more is logged
	t1.caughtUp()
	got := autoLog(t1, tr.T1.ID)
	if len(got) != 1 {
		t.Fatalf("township log %+v, want one entry", got)
	}
	e := got[0]
	if e.Record != (roster.LogRecord{Kind: roster.RecordWarning, ID: w.ID, Event: "warning.received", Detail: string(warning.Orange)}) ||
		e.Author != "州应急局 张值班" || e.Station != tr.T1.ID {
		t.Errorf("township entry %+v", e)
	}
	issued := autoLog(p, tr.P.ID)
	if len(issued) != 1 || issued[0].Record.Event != "warning.issued" || issued[0].Record.ID != w.ID {
		t.Errorf("prefecture log %+v", issued)
	}
}
