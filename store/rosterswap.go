package store

import (
	"context"
	"fmt"
	"time"

	"dutyroom/app"
	"dutyroom/app/roster"
)

// RequestSwap files a pending request, authored by the context's author.
// EINVALID (bad request, a role not held: roster.CheckSwap), ENOTFOUND for
// an unknown station or person, ECONFLICT when a slot is not held as stated
// or the swap would put someone on two posts of a day or in their absence,
// EFORBIDDEN.
func (r *Rosters) RequestSwap(ctx context.Context, s *roster.SwapRequest) error {
	n := *s
	n.ID = app.NewID()
	n.State = roster.SwapPending
	n.DecidedBy, n.DecidedAt, n.Note = app.NilID, time.Time{}, ""
	if err := n.Validate(); err != nil {
		return err
	}
	err := r.db.update(ctx, func(tx *txn) error {
		if _, err := dutyRoomStation(tx, n.Station); err != nil {
			return err
		}
		if err := checkSwap(tx, &n); err != nil {
			return err
		}
		n.RequestedBy, n.RequestedAt = app.AuthorFrom(tx.ctx), tx.now
		return putSwap(tx, &n, roster.OpSwapRequest, nil)
	})
	if err == nil {
		*s = n
	}
	return err
}

// checkSwap checks that both slots are held as the request says, that each
// person may take the other's post, and that neither ends up on two posts
// of a day or on duty while away.
func checkSwap(tx *txn, s *roster.SwapRequest) error {
	for _, slot := range []roster.Slot{s.First, s.Second} {
		a, found, err := getAssignment(tx, s.Station, slot.Day, slot.Post)
		if err != nil {
			return err
		}
		if !found || a.Person != slot.Person {
			return app.Errorf(app.ECONFLICT, "the %s post on %s is no longer held as the swap states; look at the roster again", slot.Post, slot.Day)
		}
	}
	people := personCache{tx: tx}
	first, err := people.find(s.First.Person)
	if err != nil {
		return err
	}
	second, err := people.find(s.Second.Person)
	if err != nil {
		return err
	}
	if err := roster.CheckSwap(s, first, second); err != nil {
		return err
	}
	settings, err := settingsOf(tx, s.Station)
	if err != nil {
		return err
	}
	for _, side := range []struct {
		p           *app.Person
		gives, gets roster.Slot
	}{{first, s.First, s.Second}, {second, s.Second, s.First}} {
		rest := settings.MinRestDays
		duties, err := personDuties(tx, side.p.ID, side.gets.Day.AddDays(-rest), side.gets.Day.AddDays(rest))
		if err != nil {
			return err
		}
		// The duty they give up no longer counts against them.
		kept := duties[:0]
		for _, d := range duties {
			if d.Station != s.Station || d.Day != side.gives.Day || d.Post != side.gives.Post {
				kept = append(kept, d)
			}
		}
		away, err := absences(tx, roster.AbsenceFilter{Person: &side.p.ID, From: &side.gets.Day, To: &side.gets.Day})
		if err != nil {
			return err
		}
		a := roster.Assignment{Station: s.Station, Day: side.gets.Day, Post: side.gets.Post, Person: side.p.ID, Manual: true}
		if _, err := roster.CheckAssignment(a, side.p, kept, away, rest); err != nil {
			return err
		}
	}
	return nil
}

// swapPayload is the operation of a swap's decision: the request as it now
// stands and, when approved, the two changes that carry it out.
type swapPayload struct {
	Swap    swapRecord     `json:"swap"`
	Changes []changeRecord `json:"changes,omitempty"`
}

func putSwap(tx *txn, s *roster.SwapRequest, kind string, changes []roster.Change) error {
	bs, err := buckets(tx, bucketRosterSwaps, bucketRosterSwapsByStation)
	if err != nil {
		return err
	}
	rec := toSwapRecord(s)
	buf, err := putJSON(bs[0], idKey(s.ID), rec)
	if err != nil {
		return err
	}
	if err := bs[1].Put(pairKey(s.Station, s.ID), nil); err != nil {
		return err
	}
	if kind != roster.OpSwapRequest {
		payload := swapPayload{Swap: rec}
		for i := range changes {
			payload.Changes = append(payload.Changes, toChangeRecord(&changes[i]))
		}
		if buf, err = marshalPayload(payload); err != nil {
			return err
		}
	}
	_, err = appendOp(tx, kind, s.ID, buf)
	return err
}

func findSwap(tx *txn, id app.ID) (roster.SwapRequest, error) {
	b, err := mustBucket(tx.Tx, bucketRosterSwaps)
	if err != nil {
		return roster.SwapRequest{}, err
	}
	var rec swapRecord
	found, err := getJSON(b, idKey(id), &rec, "swap request "+id.String())
	if err != nil {
		return roster.SwapRequest{}, err
	}
	if !found {
		return roster.SwapRequest{}, app.Errorf(app.ENOTFOUND, "swap request %s not found", id)
	}
	return rec.swap(), nil
}

// SwapRequests returns the station's requests in a state ("" for all),
// newest first. ENOTFOUND for an unknown station.
func (r *Rosters) SwapRequests(ctx context.Context, station app.ID, state roster.SwapState) ([]roster.SwapRequest, error) {
	var out []roster.SwapRequest
	err := r.db.view(ctx, func(tx *txn) error {
		if _, err := findStationByID(tx, station); err != nil {
			return err
		}
		bs, err := buckets(tx, bucketRosterSwaps, bucketRosterSwapsByStation)
		if err != nil {
			return err
		}
		ids := idsUnder(bs[1], station)
		for i := len(ids) - 1; i >= 0; i-- { // ids are uuid v7: newest last
			s, err := findSwap(tx, ids[i])
			if err != nil {
				return err
			}
			if state == "" || s.State == state {
				out = append(out, s)
			}
		}
		return nil
	})
	return out, err
}

// decide loads a pending swap and checks that leader may decide it.
func decide(tx *txn, id, leader app.ID) (roster.SwapRequest, app.Station, error) {
	s, err := findSwap(tx, id)
	if err != nil {
		return s, app.Station{}, err
	}
	st, err := dutyRoomStation(tx, s.Station)
	if err != nil {
		return s, st, err
	}
	var decider *app.Person
	if p, err := findPersonByID(tx, leader); err == nil {
		decider = &p
	} else if app.ErrorCode(err) != app.ENOTFOUND {
		return s, st, err
	}
	if err := roster.CanDecide(&s, decider); err != nil {
		return s, st, err
	}
	if s.State != roster.SwapPending {
		return s, st, app.Errorf(app.ECONFLICT, "the swap request was %s already", s.State)
	}
	return s, st, nil
}

// ApproveSwap carries out a pending swap: both posts change in one
// transaction, each with its Change, and the two people get a notice.
// EFORBIDDEN unless leader is a leader of the station (roster.CanDecide),
// ENOTFOUND, ECONFLICT when it is no longer pending or a slot changed
// meanwhile, EINVALID when a person no longer holds the role. Returns the
// two people to notify.
func (r *Rosters) ApproveSwap(ctx context.Context, id app.ID, leader app.ID, note string) (notify []app.ID, err error) {
	err = r.db.update(ctx, func(tx *txn) error {
		s, st, err := decide(tx, id, leader)
		if err != nil {
			return err
		}
		if err := checkSwap(tx, &s); err != nil {
			return err
		}
		changes := s.Changes(app.AuthorFrom(tx.ctx), tx.now)
		for _, c := range changes {
			if err := putAssignment(tx, roster.Assignment{Station: s.Station, Day: c.Day, Post: c.Post, Person: c.After, Manual: true}); err != nil {
				return err
			}
		}
		if err := recordChanges(tx, changes); err != nil {
			return err
		}
		s.State, s.DecidedBy, s.DecidedAt, s.Note = roster.SwapApproved, leader, tx.now, note
		if err := putSwap(tx, &s, roster.OpSwapApprove, changes); err != nil {
			return err
		}
		notify = roster.Affected(changes)
		return putNotices(tx, swapNotices(tx, st, &s))
	})
	return notify, err
}

// RejectSwap closes a pending swap and leaves both posts as they are.
// EFORBIDDEN, ENOTFOUND, ECONFLICT when it is no longer pending.
func (r *Rosters) RejectSwap(ctx context.Context, id app.ID, leader app.ID, note string) error {
	return r.db.update(ctx, func(tx *txn) error {
		s, st, err := decide(tx, id, leader)
		if err != nil {
			return err
		}
		s.State, s.DecidedBy, s.DecidedAt, s.Note = roster.SwapRejected, leader, tx.now, note
		if err := putSwap(tx, &s, roster.OpSwapReject, nil); err != nil {
			return err
		}
		return putNotices(tx, swapNotices(tx, st, &s))
	})
}

func swapNotices(tx *txn, st app.Station, s *roster.SwapRequest) []roster.Notice {
	people := personCache{tx: tx}
	kind, verb := roster.NoticeSwapApproved, "approved"
	if s.State == roster.SwapRejected {
		kind, verb = roster.NoticeSwapRejected, "rejected"
	}
	msg := fmt.Sprintf("%s: the swap of %s (%s %s) with %s (%s %s) was %s by %s",
		st.Name, people.name(s.First.Person), s.First.Day, s.First.Post,
		people.name(s.Second.Person), s.Second.Day, s.Second.Post, verb, people.name(s.DecidedBy))
	if s.Note != "" {
		msg += ": " + s.Note
	}
	facts := roster.NoticeFacts{DecidedBy: people.holder(s.DecidedBy), Note: s.Note, Swap: []roster.NamedSlot{
		{Name: people.holder(s.First.Person), Day: s.First.Day, Post: s.First.Post},
		{Name: people.holder(s.Second.Person), Day: s.Second.Day, Post: s.Second.Post},
	}}
	var out []roster.Notice
	for _, slot := range []roster.Slot{s.First, s.Second} {
		out = append(out, roster.Notice{Person: slot.Person, Station: st.ID, Kind: kind, Month: roster.MonthOf(slot.Day),
			Day: slot.Day, Post: slot.Post, Message: msg, Facts: facts})
	}
	return out
}
