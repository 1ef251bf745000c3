package store_test

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"dutyroom/app"
	"dutyroom/app/demo"
	"dutyroom/app/roster"
	"dutyroom/store"
	"dutyroom/store/storetest"
)

// demoRostersAs is the same demo prefecture in a fresh store of each duty
// room named by code, so that operations of one apply at the others.
func demoRostersAs(t *testing.T, codes ...string) []*demoRosters {
	t.Helper()
	stations, people := demo.Prefecture()
	var out []*demoRosters
	for _, code := range codes {
		db := storetest.Open(t)
		d := &demoRosters{db: db, dir: store.NewDirectory(db), r: store.NewRosters(db), stations: stations, people: people, byID: map[app.ID]app.Person{}}
		if err := d.dir.ImportStations(ctx, stations); err != nil {
			t.Fatal(err)
		}
		if err := d.dir.ImportPersons(ctx, people); err != nil {
			t.Fatal(err)
		}
		if err := store.NewIdentity(db).SetIdentity(ctx, d.station(t, code).ID); err != nil {
			t.Fatal(err)
		}
		d.county = d.station(t, "433101")
		for _, p := range people {
			d.byID[p.ID] = p
			if p.Station == d.county.ID {
				d.staff = append(d.staff, p)
			}
		}
		out = append(out, d)
	}
	return out
}

func (d *demoRosters) leaderOf(t *testing.T, not ...app.ID) app.ID {
	t.Helper()
	for _, p := range d.staffWith(app.RoleLeader) {
		if !slices.Contains(not, p.ID) {
			return p.ID
		}
	}
	t.Fatal("no leader at the county")
	return app.NilID
}

// offDuty returns the first of the county's people holding role, in
// directory order, who holds no post on the day at any station, leaving out
// the people in not. Which of them are free depends on the generated roster,
// and that depends on the people's ids (the generator breaks ties by them),
// which are fresh in every run: a person picked by any other rule, such as
// another day's holder, may already hold a post that day, and the store
// rightly refuses to book anyone twice.
func (d *demoRosters) offDuty(t *testing.T, role app.Role, on string, not ...app.ID) app.ID {
	t.Helper()
	for _, p := range d.staffWith(role) {
		if slices.Contains(not, p.ID) {
			continue
		}
		duties, err := d.r.PersonDuties(ctx, p.ID, day(t, on), day(t, on))
		if err != nil {
			t.Fatal(err)
		}
		if len(duties) == 0 {
			return p.ID
		}
	}
	t.Fatalf("no %s of the county is off duty on %s", role, on)
	return app.NilID
}

// Every kind of roster change made at the county (its own duty room)
// reads the same at the prefecture once its operations are taken in:
// settings, special periods, posts and their history, the month's state,
// swaps and the duty log. Absences stay at the county. Taking them in
// queues nothing at the prefecture, and the same delivery again changes
// nothing. The sibling county and a township below the county keep every
// one of them with the reason.
func TestRosterSyncMirrorsTheCountyAbove(t *testing.T) {
	ds := demoRostersAs(t, "433101", "433100", "433122", "433101001")
	county, pref, sibling, township := ds[0], ds[1], ds[2], ds[3]
	at := time.Date(2026, 9, 1, 2, 0, 0, 0, time.UTC)
	clockAt(county.db, at)
	clockAt(pref.db, at.Add(time.Hour))
	c := county.county.ID
	oct, _ := roster.ParseMonth("2026-10")
	settings := roster.DefaultSettings()
	settings.Handover = 9 * 60
	period := roster.SpecialPeriod{Station: c, Name: "秋汛期", From: day(t, "2026-10-20"), To: day(t, "2026-10-25")}
	gone := roster.SpecialPeriod{Station: c, Name: "演练", From: day(t, "2026-12-01"), To: day(t, "2026-12-02")}
	officers := county.staffWith(app.RoleOfficer)
	absence := roster.Absence{Station: c, Person: officers[3].ID, From: day(t, "2026-12-01"), To: day(t, "2026-12-05"), Reason: roster.ReasonLeave}
	entry := roster.LogEntry{Station: c, Day: day(t, "2026-10-13"), At: at, Kind: roster.LogCall, Text: "州局来电"}

	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	n := outboxLen(t, county.db) // the directory as imported
	must(county.r.SetSettings(ctx, c, settings))
	must(county.r.CreateSpecialPeriod(ctx, &period))
	must(county.r.CreateSpecialPeriod(ctx, &gone))
	must(county.r.DeleteSpecialPeriod(ctx, gone.ID))
	must(county.r.CreateAbsence(ctx, &absence))
	county.generate(t, "2026-10-01", "2026-10-31")
	// Another officer covers 2026-10-02. Officers also stand by, and on this
	// holiday two of them may be on standby already.
	cleared := county.holder(t, "2026-10-02", officerPost)
	_, err := county.r.ClearAssignment(ctx, c, day(t, "2026-10-02"), officerPost, "调整")
	must(err)
	_, _, err = county.r.SetAssignment(ctx, roster.Assignment{Station: c, Day: day(t, "2026-10-02"), Post: officerPost,
		Person: county.offDuty(t, app.RoleOfficer, "2026-10-02", cleared)}, "顶班")
	must(err)
	_, err = county.r.Publish(ctx, c, oct, false)
	must(err)
	first, second := findSwappable(t, county)
	swap := roster.SwapRequest{Station: c, First: first, Second: second, Reason: "家中有事"}
	must(county.r.RequestSwap(ctx, &swap))
	_, err = county.r.ApproveSwap(ctx, swap.ID, county.leaderOf(t, first.Person, second.Person), "同意")
	must(err)
	back := roster.SwapRequest{Station: c, First: roster.Slot{Day: first.Day, Post: first.Post, Person: second.Person},
		Second: roster.Slot{Day: second.Day, Post: second.Post, Person: first.Person}}
	must(county.r.RequestSwap(ctx, &back))
	must(county.r.RejectSwap(ctx, back.ID, county.leaderOf(t, first.Person, second.Person), ""))
	must(county.r.AddLogEntry(ctx, &entry))
	must(county.r.CheckIn(ctx, &roster.CheckIn{Station: c, Day: entry.Day, Person: county.holder(t, "2026-10-13", officerPost), At: at}))
	must(county.r.HandOver(ctx, &roster.Handover{Station: c, Day: entry.Day, Outgoing: county.holder(t, "2026-10-13", officerPost),
		OpenMatters: []string{"州局来电待回复"}, OutAt: at}))
	must(county.r.ConfirmHandover(ctx, c, entry.Day, county.holder(t, "2026-10-14", officerPost), at.Add(time.Minute)))
	ops := allOps(t, county.db)[n:]

	queued := outboxLen(t, pref.db)
	res, err := pref.db.ApplyIncoming(ctx, "e1", uint64(len(ops)), ops)
	must(err)
	if res.Applied != len(ops)-1 || res.Kept != 1 {
		t.Fatalf("the prefecture took in %+v of %d operations", res, len(ops))
	}
	kept, err := pref.db.KeptOps(ctx, 100)
	must(err)
	if len(kept) != 1 || kept[0].Op.Kind != roster.OpAbsenceCreate || kept[0].Reason != "" {
		t.Fatalf("kept at the prefecture: %+v", kept)
	}
	if n := outboxLen(t, pref.db); n != queued {
		t.Fatalf("taking the county's roster in queued %d operations", n-queued)
	}

	same := func(what string, a, b any, errs ...error) {
		t.Helper()
		for _, err := range errs {
			if err != nil {
				t.Fatalf("%s: %v", what, err)
			}
		}
		if !reflect.DeepEqual(a, b) {
			t.Errorf("%s at the county:\n%+v\nat the prefecture:\n%+v", what, a, b)
		}
	}
	read := func(d *demoRosters) []any {
		s, err1 := d.r.Settings(ctx, c)
		sp, err2 := d.r.SpecialPeriods(ctx, c, day(t, "2026-01-01"), day(t, "2026-12-31"))
		as, err3 := d.r.Assignments(ctx, c, oct.First(), oct.Last())
		r, err4 := d.r.Roster(ctx, c, oct)
		var hist []roster.Change
		for _, on := range []roster.Date{day(t, "2026-10-02"), first.Day, second.Day, day(t, "2026-10-30")} {
			h, err := d.r.History(ctx, c, on)
			must(err)
			hist = append(hist, h...)
		}
		sw, err5 := d.r.SwapRequests(ctx, c, "")
		log, err6 := d.r.LogEntries(ctx, c, entry.Day)
		ci, err7 := d.r.CheckIns(ctx, c, entry.Day)
		ho, err8 := d.r.Handover(ctx, c, entry.Day)
		for _, err := range []error{err1, err2, err3, err4, err5, err6, err7, err8} {
			must(err)
		}
		return []any{s, sp, as, r.State, r.PublishedAt.UTC(), hist, sw, log, ci, ho}
	}
	names := []string{"settings", "special periods", "posts", "state", "published at", "history", "swaps", "duty log", "check-ins", "handover"}
	want, got := read(county), read(pref)
	for i := range names {
		same(names[i], want[i], got[i])
	}
	if st := got[3].(roster.State); st != roster.StatePublished {
		t.Errorf("October at the prefecture is %s", st)
	}
	if len(got[1].([]roster.SpecialPeriod)) != 1 || len(got[6].([]roster.SwapRequest)) != 2 || !got[9].(*roster.Handover).Confirmed() {
		t.Errorf("the prefecture holds %+v", got)
	}
	if away, _ := pref.r.Absences(ctx, roster.AbsenceFilter{Station: &c}); len(away) != 0 {
		t.Errorf("the county's absences reached the prefecture: %+v", away)
	}

	// The same delivery again, and the same changes under new ids: the
	// posts stay as they are.
	res, err = pref.db.ApplyIncoming(ctx, "e1", uint64(len(ops)), ops)
	if err != nil || res.Skipped != len(ops) {
		t.Fatalf("delivered again: %+v, %v", res, err)
	}
	renamed := slices.Clone(ops)
	for i := range renamed {
		renamed[i].ID = app.NewID()
	}
	_, err = pref.db.ApplyIncoming(ctx, "e2", uint64(len(ops)), renamed)
	must(err)
	again := read(pref)
	for i := range names {
		if names[i] != "duty log" { // an entry under a new id is a new entry
			same(names[i]+" taken in twice", got[i], again[i])
		}
	}

	// Not below: kept with the reason, nothing written.
	for _, d := range []*demoRosters{sibling, township} {
		res, err := d.db.ApplyIncoming(ctx, "e1", uint64(len(ops)), ops)
		must(err)
		// The deletion of a period never held here has nothing to undo.
		if res.Kept != len(ops)-1 || res.Applied != 1 {
			t.Fatalf("%s took in %+v", d.station(t, "433101").Name, res)
		}
		kept, err := d.db.KeptOps(ctx, 100)
		must(err)
		for _, k := range kept {
			if k.Op.Kind != roster.OpAbsenceCreate && k.Op.Kind != roster.OpSpecialDelete && !strings.Contains(k.Reason, "is not below") {
				t.Errorf("kept %s with %q", k.Op.Kind, k.Reason)
			}
		}
		if as, _ := d.r.Assignments(ctx, c, oct.First(), oct.Last()); len(as) != 0 {
			t.Errorf("a station not above the county holds %d of its posts", len(as))
		}
		if r, _ := d.r.Roster(ctx, c, oct); r.State != roster.StateDraft {
			t.Errorf("a station not above the county holds October %s", r.State)
		}
		if s, _ := d.r.Settings(ctx, c); s != roster.DefaultSettings() {
			t.Errorf("a station not above the county holds its settings %+v", s)
		}
	}
}

// An operation is refused, kept with the reason and without effect, when
// it comes from a station that may not change the roster, names another
// station than its payload, or carries a change of another station.
func TestRosterSyncRefusesForgedOperations(t *testing.T) {
	ds := demoRostersAs(t, "433100")
	pref := ds[0]
	c := pref.county.ID
	sib := pref.station(t, "433122").ID
	town := pref.station(t, "433101001").ID
	officers := pref.staffWith(app.RoleOfficer)
	on := day(t, "2026-10-02")
	assign := func(station, person app.ID) []byte {
		b, err := json.Marshal(map[string]any{"station": station, "day": on, "post": "officer", "person": person, "manual": true,
			"change": map[string]any{"id": app.NewID(), "station": station, "at": time.Now(), "day": on, "post": "officer", "after": person}})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	var seq uint64
	op := func(origin app.ID, kind string, entity app.ID, payload []byte) app.Operation {
		seq++
		return app.Operation{ID: app.NewID(), Origin: origin, Seq: seq, At: time.Now(), Kind: kind, Entity: entity, Payload: payload}
	}
	batch, err := json.Marshal(map[string]any{"station": c, "month": "2026-10", "changes": []any{
		map[string]any{"id": app.NewID(), "station": sib, "day": on, "post": "officer", "after": officers[0].ID}}})
	if err != nil {
		t.Fatal(err)
	}
	publish, _ := json.Marshal(map[string]any{"station": c, "month": "2026-10", "state": "published"})
	cases := []struct {
		op   app.Operation
		want string
	}{
		{op(sib, roster.OpAssign, c, assign(c, officers[0].ID)), "may be changed only by it or a station above it"},
		{op(town, roster.OpAssign, c, assign(c, officers[0].ID)), "may be changed only by it or a station above it"},
		{op(town, roster.OpPublish, c, publish), "may be changed only by it or a station above it"},
		{op(c, roster.OpAssign, sib, assign(c, officers[0].ID)), "may be changed only by it or a station above it"},
		{op(c, roster.OpGenerate, c, batch), "is of station"},
		{op(c, roster.OpAssign, pref.stations[0].ID, assign(pref.stations[0].ID, officers[0].ID)), "湘西州 (433100) may be changed only by it or a station above it"},
		{op(c, roster.OpAssign, c, []byte(`{"station":"x"}`)), "malformed"},
	}
	var ops []app.Operation
	for _, k := range cases {
		ops = append(ops, k.op)
	}
	res, err := pref.db.ApplyIncoming(ctx, "e", 1, ops)
	if err != nil || res.Kept != len(cases) {
		t.Fatalf("took in %+v, %v", res, err)
	}
	kept, err := pref.db.KeptOps(ctx, 100)
	if err != nil {
		t.Fatal(err)
	}
	reasons := map[app.ID]string{}
	for _, k := range kept {
		reasons[k.Op.ID] = k.Reason
	}
	for i, k := range cases {
		if !strings.Contains(reasons[k.op.ID], k.want) {
			t.Errorf("case %d (%s): kept with %q, want %q", i, k.op.Kind, reasons[k.op.ID], k.want)
		}
	}
	for _, st := range []app.ID{c, sib, pref.stations[0].ID} {
		if as, _ := pref.r.Assignments(ctx, st, on, on); len(as) != 0 {
			t.Errorf("a forged operation set %+v", as)
		}
	}
	if r, _ := pref.r.Roster(ctx, c, roster.MonthOf(on)); r.State != roster.StateDraft {
		t.Errorf("a forged publication: %+v", r)
	}
}
