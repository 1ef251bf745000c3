package main

import (
	"context"
	"slices"
	"testing"
	"time"

	"dutyroom/app"
	"dutyroom/app/consult"
	"dutyroom/store"
)

// answerRings plays the duty officer of s until ctx ends: each
// consultation that rings is accepted and joined through the window's
// media engine, and left once the host ends it.
func answerRings(ctx context.Context, t *testing.T, s *videoStation) {
	svc := store.NewConsultations(s.db)
	var in app.ID
	for ctx.Err() == nil {
		time.Sleep(50 * time.Millisecond)
		if in != app.NilID {
			if r, err := svc.Record(ctx, in); err == nil && r.Consultation.State == consult.Ended {
				_ = s.media.Leave()
				_ = svc.Left(ctx, in)
				in = app.NilID
			}
			continue
		}
		ring, err := svc.Ringing(ctx)
		if err != nil || len(ring) == 0 {
			continue
		}
		id := ring[0].ID
		if err := svc.Reply(ctx, id, true); err != nil {
			t.Errorf("%s accepting: %v", s.name, err)
			return
		}
		s.sync.Kick()
		if err := s.media.Join(ctx, id, consult.Sink{}); err != nil {
			t.Errorf("%s joining: %v", s.name, err)
			return
		}
		_ = svc.Joined(ctx, id)
		s.sync.Kick()
		in = id
	}
}

// The routine test caller end to end: a real hub with its SFU on
// loopback, the prefecture's caller on the window's own media engine, and
// 吉首市 answering with its own. When the schedule falls due the caller
// calls 吉首市, whose picture reaches it, and records the call connected;
// then it calls 泸溪县, whose client is not running, and records no answer
// once the answer limit passes. Nothing is due after that.
func TestRoutineTestCallsThroughHub(t *testing.T) {
	h := startVideoHub(t)
	upper := h.station(t, "xiangxi")
	lower := h.station(t, "jishou")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	answered := make(chan struct{})
	go func() {
		defer close(answered)
		answerRings(ctx, t, lower)
	}()
	defer func() { cancel(); <-answered }()

	// The clock of the caller reads 08:31 on a Tuesday and runs on: the
	// schedule's 08:30 slot is due.
	zone := time.FixedZone("CST", 8*3600)
	offset := time.Until(time.Date(2026, 7, 14, 8, 31, 0, 0, zone))
	now := func() time.Time { return time.Now().Add(offset).In(zone) }
	calls := store.NewTestCalls(upper.db)
	sched := consult.TestSchedule{Enabled: true, Minute: 8*60 + 30, Stations: []app.ID{h.stations["jishou"].ID, h.stations["luxi"].ID}}
	if err := calls.SetTestSchedule(ctx, sched); err != nil {
		t.Fatal(err)
	}
	if due, err := calls.DueTestCalls(ctx, now()); err != nil || len(due) != 2 {
		t.Fatalf("due at 08:31: %v, %v", due, err)
	}
	caller := &consult.TestCaller{
		Calls: calls, Consult: store.NewConsultations(upper.db), Media: upper.media,
		Kick: upper.sync.Kick, Now: now, Poll: 100 * time.Millisecond,
		AnswerLimit: 4 * time.Second, MediaLimit: 15 * time.Second,
	}

	first, err := caller.Once(ctx)
	if err != nil || first == nil {
		t.Fatalf("the first call: %+v, %v", first, err)
	}
	if first.Station != h.stations["jishou"].ID || first.Outcome != consult.Connected {
		t.Fatalf("the call to 吉首市: %+v", first)
	}
	second, err := caller.Once(ctx)
	if err != nil || second == nil {
		t.Fatalf("the second call: %+v, %v", second, err)
	}
	if second.Station != h.stations["luxi"].ID || second.Outcome != consult.NoAnswer {
		t.Fatalf("the call to 泸溪县, not running: %+v", second)
	}
	if d := second.Ended.Sub(second.Started); d < 4*time.Second {
		t.Errorf("no answer judged after %s, before the answer limit", d)
	}

	// Both are recorded at the caller, in its own file, for the slot;
	// nothing more is due; each call's consultation ended.
	slot := time.Date(2026, 7, 14, 8, 30, 0, 0, zone)
	got, err := calls.TestCallsSince(ctx, slot)
	if err != nil || len(got) != 2 {
		t.Fatalf("records: %+v, %v", got, err)
	}
	for _, c := range got {
		if !c.Slot.Equal(slot) {
			t.Errorf("record of %s answers slot %s, want %s", c.Station, c.Slot, slot)
		}
		r, err := store.NewConsultations(upper.db).Record(ctx, c.Consultation)
		if err != nil || r.Consultation.State != consult.Ended || !slices.Equal(r.Consultation.Invited, []app.ID{c.Station}) {
			t.Errorf("the consultation of the call to %s: %+v, %v", c.Station, r, err)
		}
	}
	if due, err := calls.DueTestCalls(ctx, now()); err != nil || len(due) != 0 {
		t.Errorf("due after both calls: %v, %v", due, err)
	}
	// The window's engine is free again for a consultation of its own.
	if seat, ok := upper.media.ClaimForTest(consult.Sink{}); !ok {
		t.Error("the engine is still held after the calls")
	} else {
		seat.Release()
	}
}
