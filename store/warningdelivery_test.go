package store_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"dutyroom/app"
	"dutyroom/app/warning"
	"dutyroom/store"
)

func reachOf(t *testing.T, ws *store.Warnings, id app.ID) map[string]warning.Reach {
	t.Helper()
	r, err := ws.Progress(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]warning.Reach{}
	for i := range r.Stations {
		out[r.Stations[i].Name] = r.Stations[i].Reach(r.Tracked)
	}
	return out
}

// The prefecture's warning reaches the township, whose client reports the
// delivery up at once; the prefecture's progress shows the township (and
// its village, relayed by it) 已送达 and the county, whose client has not
// stored it, 未送达; an acknowledgement makes the township 已签收. A
// delivery from a station in another's name is kept unapplied.
func TestWarningDeliveryPerStation(t *testing.T) {
	tr := newTree(t)
	township := stationsAt(t, tr, tr.township)
	if err := store.NewIdentity(tr.db).SetIdentity(ctx, tr.prefecture.ID); err != nil {
		t.Fatal(err)
	}
	clockAt(tr.db, wt0)
	pref := store.NewWarnings(tr.db)
	w := warning.Warning{Level: warning.Orange, Type: warning.Geological, ValidUntil: wt0.Add(24 * time.Hour), Text: "地质灾害橙色预警"}
	if err := pref.Issue(ctx, &w); err != nil {
		t.Fatal(err)
	}
	if !w.Tracked {
		t.Fatal("a warning issued now does not ask for deliveries")
	}
	if got := reachOf(t, pref, w.ID); got["乾州街道"] != warning.NotDelivered || got["吉首市"] != warning.NotDelivered {
		t.Fatalf("before anything reached anyone: %v", got)
	}

	clockAt(township, wt0.Add(time.Minute))
	ship(t, tr.db, township, warning.OpIssue)
	op := lastOp(t, township)
	if op.Kind != warning.OpDeliver || op.Scope != app.ScopeUp || op.Entity != w.ID {
		t.Fatalf("the township's delivery operation: %+v", op)
	}
	ship(t, township, tr.db, warning.OpDeliver)
	got := reachOf(t, pref, w.ID)
	if got["乾州街道"] != warning.Delivered || got[tr.village.Name] != warning.Delivered || got["吉首市"] != warning.NotDelivered {
		t.Fatalf("after the township's delivery: %v", got)
	}
	r, _ := pref.Progress(ctx, w.ID)
	if u := r.Undelivered(); len(u) != 1 || u[0].Station != tr.county.ID {
		t.Fatalf("undelivered: %+v", u)
	}

	if err := store.NewWarnings(township).Acknowledge(ctx, &warning.Ack{Warning: w.ID, Person: "赵值班"}); err != nil {
		t.Fatal(err)
	}
	ship(t, township, tr.db, warning.OpAck)
	if got := reachOf(t, pref, w.ID); got["乾州街道"] != warning.Acknowledged {
		t.Fatalf("after the ack: %v", got)
	}

	forged := incoming(warning.OpDeliver, w.ID, warning.Delivery{Warning: w.ID, Station: tr.county.ID, At: wt0})
	forged.Origin = tr.township.ID
	res, err := tr.db.ApplyIncoming(ctx, "e", 1, []app.Operation{forged})
	if err != nil || res.Kept != 1 {
		t.Fatalf("a delivery in the county's name from the township: %+v, %v", res, err)
	}
	if got := reachOf(t, pref, w.ID); got["吉首市"] != warning.NotDelivered {
		t.Fatalf("the forged delivery counted: %v", got)
	}

	// A warning from before deliveries were asked for: unknown, not 未送达.
	old := w
	old.Tracked = false
	r2 := warning.Progress(&old, app.NewTree([]app.Station{tr.prefecture, tr.county, tr.township}), nil)
	if reach := r2.Stations[0].Reach(r2.Tracked); reach != warning.ReachUnknown {
		t.Fatalf("an untracked warning's station: %v", reach)
	}
}

// A delivery's payload comes from another station's client: whatever it
// holds, applying it never fails the file, and a delivery is counted only
// for the station that sent it.
func FuzzWarningDeliveryPayload(f *testing.F) {
	f.Add([]byte(`{"warning":"WARN","station":"TOWN","at":"2026-07-14T02:01:00Z"}`))
	f.Add([]byte(`{"warning":"WARN","station":"COUNTY","at":"2026-07-14T02:01:00Z"}`))
	f.Add([]byte(`{"warning":"WARN"}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		if !json.Valid(raw) {
			return // an operation's payload arrives as JSON or not at all
		}
		tr := newTree(t)
		if err := store.NewIdentity(tr.db).SetIdentity(ctx, tr.prefecture.ID); err != nil {
			t.Fatal(err)
		}
		clockAt(tr.db, wt0)
		pref := store.NewWarnings(tr.db)
		w := warning.Warning{Level: warning.Blue, Type: warning.Other, ValidUntil: wt0.Add(time.Hour), Text: "测试"}
		if err := pref.Issue(ctx, &w); err != nil {
			t.Fatal(err)
		}
		payload := strings.NewReplacer("WARN", w.ID.String(), "TOWN", tr.township.ID.String(), "COUNTY", tr.county.ID.String()).Replace(string(raw))
		if !json.Valid([]byte(payload)) {
			return
		}
		op := incoming(warning.OpDeliver, w.ID, nil)
		op.Payload, op.Origin = []byte(payload), tr.township.ID
		if _, err := tr.db.ApplyIncoming(ctx, "e", 1, []app.Operation{op}); err != nil {
			t.Fatalf("applying %q: %v", payload, err)
		}
		got := reachOf(t, pref, w.ID)
		if got["吉首市"] != warning.NotDelivered {
			t.Fatalf("%q: a delivery from the township counted for the county", payload)
		}
	})
}
