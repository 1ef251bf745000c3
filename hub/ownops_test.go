package hub_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"dutyroom/app"
	"dutyroom/app/warning"
	"dutyroom/app/wire"
	"dutyroom/hub"
	"dutyroom/store"
)

// The hub records an SMS reply as the township's acknowledgement: the
// operation, written by the hub itself, reaches the issuing prefecture's
// client, which applies it (its own rule check passes) and shows the
// township acknowledged by SMS with the masked number. Written twice under
// one id it is stored once; for a station the warning does not reach it is
// refused and nothing is stored.
func TestHubRecordsAnAcknowledgementOnAStationsBehalf(t *testing.T) {
	h := startHub(t, hub.Config{})
	tr := h.tree
	ctx := app.WithAuthor(context.Background(), "测试值班员")
	p := newClient(t, "p")
	p.start(h.addr, "p")
	p.caughtUp()
	p.setIdentity(tr.P)

	pw := store.NewWarnings(p.db)
	w := warning.Warning{Level: warning.Red, Type: warning.Rainstorm, Area: "吉首市", ValidUntil: time.Now().Add(24 * time.Hour), Text: "大暴雨红色预警"}
	if err := pw.Issue(ctx, &w); err != nil {
		t.Fatal(err)
	}
	p.eng.Kick()
	waitFor(t, "the warning at the hub", func() bool {
		for _, d := range h.logOps() {
			if d.Op.Kind == warning.OpIssue && d.Op.Entity == w.ID {
				return true
			}
		}
		return false
	})

	ackOp := func(station app.ID) app.Operation {
		a := warning.Ack{Warning: w.ID, Station: station, Person: "张三", At: time.Now().UTC(), Via: warning.ViaSMS, Number: "138****1234"}
		raw, _ := json.Marshal(a)
		return app.Operation{ID: app.DeriveID(w.ID, "sms-ack "+station.String()), Kind: warning.OpAck, Entity: w.ID, Payload: raw, To: []app.ID{tr.P.ID}, Scope: app.ScopeUp}
	}
	stored, err := h.srv.AppendOwn(context.Background(), []app.Operation{ackOp(tr.T2.ID)})
	if err != nil || !stored[0] {
		t.Fatalf("the hub's acknowledgement: stored %v, %v", stored, err)
	}
	stored, err = h.srv.AppendOwn(context.Background(), []app.Operation{ackOp(tr.T2.ID)})
	if err != nil || stored[0] {
		t.Fatalf("the same acknowledgement again: stored %v, %v; want skipped", stored, err)
	}
	before := len(h.logOps())
	_, err = h.srv.AppendOwn(context.Background(), []app.Operation{ackOp(tr.P.ID)})
	var we *wire.Error
	if !errors.As(err, &we) || we.Code != wire.CodeForbidden {
		t.Fatalf("an acknowledgement for the issuer itself: %v, want forbidden", err)
	}
	if n := len(h.logOps()); n != before {
		t.Fatalf("a refused acknowledgement grew the log from %d to %d", before, n)
	}

	waitFor(t, "the township's SMS acknowledgement at the prefecture", func() bool {
		r, err := pw.Progress(ctx, w.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range r.Stations {
			if s.Station == tr.T2.ID && s.Ack != nil {
				return s.Ack.Via == warning.ViaSMS && s.Ack.Number == "138****1234" && s.Ack.RecordedBy == app.NilID
			}
		}
		return false
	})
}
