package rtc_test

import (
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"dutyroom/app"
	"dutyroom/app/consult"
	"dutyroom/hub/sfu"
	"dutyroom/store"
)

var hostCtx = app.WithAuthor(context.Background(), "张值班")

// A consultation as records between three stations through a real hub:
// the host's start operation makes the hub open the room to the invited
// stations only, the invitation rings at each of them until answered,
// stays in the room, the roll call and the end reach every station, and
// the end closes the room.
func TestConsultationThroughHub(t *testing.T) {
	h := startHub(t, sfu.Config{})
	patterns := map[app.ID]uint8{h.stations["p"].ID: 1, h.stations["c1"].ID: 2, h.stations["t1"].ID: 3}
	p := newStation(t, h, "p", 1, patterns)
	c1 := newStation(t, h, "c1", 2, patterns)
	t1 := newStation(t, h, "t1", 3, patterns)
	c2 := newStation(t, h, "c2", 4, patterns)
	for _, s := range []*station{p, c1, t1, c2} {
		waitFor(t, s.name+" to hold the tree", func() bool {
			return store.NewIdentity(s.db).SetIdentity(context.Background(), stationID(s)) == nil
		})
	}
	svc := func(s *station) *store.Consultations { return store.NewConsultations(s.db) }
	kick := func(ss ...*station) {
		for _, s := range ss {
			s.sync.Kick()
		}
	}

	// The host knows the tree once the hub's stations have arrived.
	c := &consult.Consultation{Title: "暴雨防御视频会商", Invited: []app.ID{h.stations["c1"].ID, h.stations["t1"].ID}}
	if err := svc(p).Schedule(hostCtx, c); err != nil {
		t.Fatal(err)
	}
	kick(p)
	if c.State != consult.Live || c.Host != h.stations["p"].ID {
		t.Fatalf("started consultation: %+v", c)
	}

	// It rings at both invited stations, not at the one left out.
	for _, s := range []*station{c1, t1} {
		waitFor(t, s.name+" to ring", func() bool {
			list, _ := svc(s).Ringing(hostCtx)
			return len(list) == 1 && list[0].ID == c.ID
		})
	}
	if _, err := svc(c2).Record(hostCtx, c.ID); app.ErrorCode(err) != app.ENOTFOUND {
		t.Fatalf("c2 holds a consultation it was not invited to: %v", err)
	}
	if err := svc(c1).Reply(hostCtx, c.ID, true); err != nil {
		t.Fatal(err)
	}
	if list, _ := svc(c1).Ringing(hostCtx); len(list) != 0 {
		t.Fatalf("c1 still rings after accepting: %v", list)
	}

	// The hub opened the room on the start: the invited join and see one
	// another; a station left out is refused.
	for _, s := range []*station{p, c1, t1} {
		s.join(t, c.ID)
		if err := svc(s).Joined(hostCtx, c.ID); err != nil {
			t.Fatal(err)
		}
		kick(s)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	if err := c2.media.Join(ctx, c.ID); err == nil {
		t.Fatal("c2 joined a room it was not invited to")
	}
	cancel()
	p.sees(t, 5, c1, t1)
	c1.sees(t, 5, p, t1)
	t1.sees(t, 5, p, c1)

	// Roll call of all at once: c1 answers, t1 does not.
	call, err := svc(p).CallRoll(hostCtx, c.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	kick(p)
	waitFor(t, "the call to reach c1", func() bool {
		r, err := svc(c1).Record(hostCtx, c.ID)
		return err == nil && r.OpenCall(h.stations["c1"].ID) != nil
	})
	st, err := svc(c1).AnswerRoll(app.WithAuthor(context.Background(), "李值班"), c.ID)
	if err != nil || st != consult.Present {
		t.Fatalf("c1 answering: %s, %v", st, err)
	}
	kick(c1)
	waitFor(t, "c1's answer and every stay to reach the host", func() bool {
		r, err := svc(p).Record(hostCtx, c.ID)
		return err == nil && len(r.Answers) == 1 && len(r.Participations) == 3 && len(r.Replies) == 1
	})
	r, _ := svc(p).Record(hostCtx, c.ID)
	res := r.Results(call.At.Add(consult.DefaultGrace + time.Second))
	if len(res) != 2 || res[0].Status != consult.Present || res[0].Person != "李值班" || res[1].Status != consult.Absent {
		t.Fatalf("roll call at the host: %+v", res)
	}

	// t1 leaves; the host ends: the room closes for everyone and the end
	// reaches the invited stations.
	t1.media.Leave()
	if err := svc(t1).Left(hostCtx, c.ID); err != nil {
		t.Fatal(err)
	}
	kick(t1)
	if err := svc(p).End(hostCtx, c.ID); err != nil {
		t.Fatal(err)
	}
	kick(p)
	waitFor(t, "the hub to close the room", func() bool { return len(h.sfu.Room(c.ID)) == 0 })
	for _, s := range []*station{c1, t1} {
		waitFor(t, s.name+" to hold the end", func() bool {
			r, err := svc(s).Record(hostCtx, c.ID)
			return err == nil && r.Consultation.State == consult.Ended
		})
	}
	waitFor(t, "t1's leave at the host", func() bool {
		r, _ := svc(p).Record(hostCtx, c.ID)
		return slices.ContainsFunc(r.Participations, func(x consult.Participation) bool {
			return x.Station == h.stations["t1"].ID && !x.Left.IsZero()
		})
	})
	ctx, cancel = context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c1.media.Join(ctx, c.ID); err == nil {
		t.Fatal("c1 joined an ended consultation")
	}
	h.healthy(t)
}

// A station that does not host a consultation cannot open its room by
// sending a start in the host's name of the consultation.
func TestConsultationStartOnlyByHost(t *testing.T) {
	h := startHub(t, sfu.Config{})
	c1 := newStation(t, h, "c1", 2, nil)
	forged := consult.Consultation{ID: app.NewID(), Host: h.stations["p"].ID, Title: "伪造", Invited: []app.ID{h.stations["c1"].ID},
		State: consult.Live, CreatedAt: time.Now()}
	payload, err := json.Marshal(forged)
	if err != nil {
		t.Fatal(err)
	}
	h.sfu.Observe(app.Operation{ID: app.NewID(), Origin: h.stations["c1"].ID, Kind: consult.OpStart, Entity: forged.ID, Payload: payload})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c1.media.Join(ctx, forged.ID); err == nil {
		t.Fatal("a start from a station other than the host opened the room")
	}
}
