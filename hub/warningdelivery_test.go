package hub_test

import (
	"context"
	"testing"
	"time"

	"dutyroom/app"
	"dutyroom/app/warning"
	"dutyroom/hub"
	"dutyroom/store"
)

// The prefecture's warning reaches the county and one township through a
// real hub; the other township's client is off. The prefecture's progress
// shows the two that stored it 已送达 and the one off 未送达, never merely
// 未签收; when that client comes back it is 已送达 too.
func TestWarningUndeliveredPerStationThroughAHub(t *testing.T) {
	h := startHub(t, hub.Config{})
	tr := h.tree
	clk := &alertClock{t: time.Date(2026, 7, 14, 10, 0, 0, 0, time.UTC)}
	ctx := app.WithAuthor(context.Background(), "测试值班员")
	clients := map[string]*client{}
	for name, st := range map[string]app.Station{"p": tr.P, "c1": tr.C1, "t1": tr.T1, "t2": tr.T2} {
		c := newClient(t, name)
		c.db.Now = clk.Now
		c.start(h.addr, name)
		c.caughtUp()
		c.setIdentity(st)
		clients[name] = c
	}
	p, t2 := clients["p"], clients["t2"]
	t2.stop()

	pw := store.NewWarnings(p.db)
	w := warning.Warning{Level: warning.Red, Type: warning.Rainstorm, Area: "吉首市", ValidUntil: clk.Now().Add(24 * time.Hour), Text: "大暴雨红色预警"}
	if err := pw.Issue(ctx, &w); err != nil {
		t.Fatal(err)
	}
	p.eng.Kick()
	reach := func() map[app.ID]warning.Reach {
		r, err := pw.Progress(ctx, w.ID)
		if err != nil {
			t.Fatal(err)
		}
		out := map[app.ID]warning.Reach{}
		for i := range r.Stations {
			out[r.Stations[i].Station] = r.Stations[i].Reach(r.Tracked)
		}
		return out
	}
	waitFor(t, "the county's and the township's deliveries at the prefecture", func() bool {
		r := reach()
		return r[tr.C1.ID] == warning.Delivered && r[tr.T1.ID] == warning.Delivered
	})
	if r := reach(); r[tr.T2.ID] != warning.NotDelivered {
		t.Fatalf("the township whose client is off reads %v, want 未送达", r[tr.T2.ID])
	}

	t2.start(h.addr, "t2")
	waitFor(t, "the returning township's delivery", func() bool { return reach()[tr.T2.ID] == warning.Delivered })
}
