package store_test

import (
	"context"
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

// demoRosters is the demo prefecture in a fresh store, run as the
// prefecture's duty room, with the county of 吉首市 at hand.
type demoRosters struct {
	db       *store.DB
	dir      *store.Directory
	r        *store.Rosters
	stations []app.Station
	people   []app.Person
	county   app.Station  // 吉首市
	staff    []app.Person // its people
	byID     map[app.ID]app.Person
}

func newDemoRosters(t testing.TB) *demoRosters {
	t.Helper()
	db := storetest.Open(t)
	d := &demoRosters{db: db, dir: store.NewDirectory(db), r: store.NewRosters(db), byID: map[app.ID]app.Person{}}
	d.stations, d.people = demo.Prefecture()
	if err := d.dir.ImportStations(ctx, d.stations); err != nil {
		t.Fatal(err)
	}
	if err := d.dir.ImportPersons(ctx, d.people); err != nil {
		t.Fatal(err)
	}
	if err := store.NewIdentity(db).SetIdentity(ctx, d.stations[0].ID); err != nil {
		t.Fatal(err)
	}
	d.county = d.station(t, "433101")
	for _, p := range d.people {
		d.byID[p.ID] = p
		if p.Station == d.county.ID {
			d.staff = append(d.staff, p)
		}
	}
	return d
}

func (d *demoRosters) station(t testing.TB, code string) app.Station {
	t.Helper()
	for _, s := range d.stations {
		if s.Code == code {
			return s
		}
	}
	t.Fatalf("no demo station %s", code)
	return app.Station{}
}

// staffWith returns the county's people holding role, in directory order.
func (d *demoRosters) staffWith(role app.Role) []app.Person {
	var out []app.Person
	for _, p := range d.staff {
		if p.Has(role) {
			out = append(out, p)
		}
	}
	return out
}

func (d *demoRosters) generate(t testing.TB, from, to string) roster.GenerateResult {
	t.Helper()
	res, _, err := d.r.Generate(ctx, d.county.ID, day(t, from), day(t, to))
	if err != nil {
		t.Fatalf("generate %s..%s: %v", from, to, err)
	}
	return res
}

func (d *demoRosters) month(t testing.TB, m string) []roster.Assignment {
	t.Helper()
	mm, err := roster.ParseMonth(m)
	if err != nil {
		t.Fatal(err)
	}
	as, err := d.r.Assignments(ctx, d.county.ID, mm.First(), mm.Last())
	if err != nil {
		t.Fatal(err)
	}
	return as
}

// holder returns who holds a post, NilID when nobody does.
func (d *demoRosters) holder(t testing.TB, on string, post roster.Post) app.ID {
	t.Helper()
	as, err := d.r.Assignments(ctx, d.county.ID, day(t, on), day(t, on))
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range as {
		if a.Post == post {
			return a.Person
		}
	}
	return app.NilID
}

func day(t testing.TB, s string) roster.Date {
	t.Helper()
	d, err := roster.ParseDate(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

var (
	leaderPost  = roster.Post{Role: app.RoleLeader}
	officerPost = roster.Post{Role: app.RoleOfficer}
	cadrePost   = roster.Post{Role: app.RoleCadre}
)

// opsSince returns the kinds of the operations queued after the first n.
func opsSince(t testing.TB, db *store.DB, n int) []string {
	t.Helper()
	ops, err := db.Outbox(ctx, 0, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, op := range ops[n:] {
		kinds = append(kinds, op.Kind)
	}
	return kinds
}

func TestGenerateDemoCountyMonth(t *testing.T) {
	d := newDemoRosters(t)
	at := time.Date(2026, 9, 20, 2, 0, 0, 0, time.UTC)
	clockAt(d.db, at)
	before := outboxLen(t, d.db)
	res := d.generate(t, "2026-10-01", "2026-10-31")
	if len(res.Gaps) != 0 {
		t.Fatalf("gaps in a staffed county: %v", res.Gaps)
	}
	if len(res.Fairness) != len(d.staff) {
		t.Errorf("fairness for %d people, the county has %d", len(res.Fairness), len(d.staff))
	}
	stored := d.month(t, "2026-10")
	if !slices.Equal(stored, res.Assignments) {
		t.Fatalf("stored %d assignments differ from the %d generated", len(stored), len(res.Assignments))
	}
	perDay := map[roster.Date]int{}
	onDay := map[app.ID]map[roster.Date]bool{}
	for _, a := range stored {
		perDay[a.Day]++
		if onDay[a.Person] == nil {
			onDay[a.Person] = map[roster.Date]bool{}
		}
		if onDay[a.Person][a.Day] {
			t.Errorf("%s holds two posts on %s", d.byID[a.Person].Name, a.Day)
		}
		onDay[a.Person][a.Day] = true
		if p := d.byID[a.Person]; !p.Has(a.Post.Role) {
			t.Errorf("%s is %s on %s without the role", d.byID[a.Person].Name, a.Post, a.Day)
		}
		if a.Manual {
			t.Errorf("generated assignment on %s is marked manual", a.Day)
		}
	}
	for _, a := range stored {
		if onDay[a.Person][a.Day.AddDays(1)] {
			t.Errorf("%s is on duty on %s and the next day: no rest", d.byID[a.Person].Name, a.Day)
		}
	}
	// National Day week staffs 1+1+1+2; an ordinary Tuesday a leader and an officer.
	if n := perDay[day(t, "2026-10-03")]; n != 5 {
		t.Errorf("2026-10-03 has %d posts, want 5 (1+1+1+2)", n)
	}
	if n := perDay[day(t, "2026-10-13")]; n != 2 {
		t.Errorf("2026-10-13 has %d posts, want 2", n)
	}
	// One operation for the month, and the audit trail says who and when.
	if kinds := opsSince(t, d.db, before); !slices.Equal(kinds, []string{roster.OpGenerate}) {
		t.Errorf("operations %v, want one %s", kinds, roster.OpGenerate)
	}
	hist, err := d.r.History(ctx, d.county.ID, day(t, "2026-10-03"))
	if err != nil {
		t.Fatal(err)
	}
	if len(hist) != 5 || hist[0].Author != "张值班" || !hist[0].At.Equal(at) || hist[0].Before != app.NilID || hist[0].Reason != "generated" {
		t.Errorf("history of 2026-10-03 = %+v", hist)
	}

	// The same input gives the same roster: regenerating changes nothing
	// and queues nothing.
	n := outboxLen(t, d.db)
	again := d.generate(t, "2026-10-01", "2026-10-31")
	if !slices.Equal(again.Assignments, stored) {
		t.Error("regenerating the same month gave a different roster")
	}
	if outboxLen(t, d.db) != n {
		t.Error("regenerating an unchanged month queued operations")
	}
}

func TestGenerateKeepsManualAssignmentsAndSpansMonths(t *testing.T) {
	d := newDemoRosters(t)
	officer := d.staffWith(app.RoleOfficer)[2]
	if _, _, err := d.r.SetAssignment(ctx, roster.Assignment{Station: d.county.ID, Day: day(t, "2026-11-11"), Post: officerPost, Person: officer.ID}, "asked for it"); err != nil {
		t.Fatal(err)
	}
	before := outboxLen(t, d.db)
	res := d.generate(t, "2026-11-01", "2026-12-31")
	if got := d.holder(t, "2026-11-11", officerPost); got != officer.ID {
		t.Errorf("manual officer of 2026-11-11 replaced by %s", d.byID[got].Name)
	}
	for _, a := range res.Assignments {
		if a.Person == officer.ID && (a.Day == day(t, "2026-11-10") || a.Day == day(t, "2026-11-12")) {
			t.Errorf("%s generated on %s, next to the manual duty", officer.Name, a.Day)
		}
	}
	// Two months, two operations.
	if kinds := opsSince(t, d.db, before); !slices.Equal(kinds, []string{roster.OpGenerate, roster.OpGenerate}) {
		t.Errorf("operations %v, want one per month", kinds)
	}
}

func TestGenerateRespectsAbsencesAndOtherStations(t *testing.T) {
	d := newDemoRosters(t)
	leaders := d.staffWith(app.RoleLeader)
	away := leaders[0]
	ab := roster.Absence{Station: d.county.ID, Person: away.ID, From: day(t, "2026-10-10"), To: day(t, "2026-10-20"), Reason: roster.ReasonTrip, Note: "省厅培训"}
	if err := d.r.CreateAbsence(ctx, &ab); err != nil {
		t.Fatal(err)
	}
	// A county officer lent to a township for one day is busy there.
	lent := d.staffWith(app.RoleOfficer)[0]
	township := d.station(t, "433101001")
	if _, _, err := d.r.SetAssignment(ctx, roster.Assignment{Station: township.ID, Day: day(t, "2026-10-15"), Post: officerPost, Person: lent.ID}, "支援"); err != nil {
		t.Fatal(err)
	}
	res := d.generate(t, "2026-10-01", "2026-10-31")
	for _, a := range res.Assignments {
		if a.Person == away.ID && a.Day.Within(ab.From, ab.To) {
			t.Errorf("%s rostered on %s during the trip", away.Name, a.Day)
		}
		if a.Person == lent.ID && a.Day.Within(day(t, "2026-10-14"), day(t, "2026-10-16")) {
			t.Errorf("%s rostered at the county on %s, around the township duty", lent.Name, a.Day)
		}
	}
	// An absence over a held duty is refused, and nothing is stored.
	duty := res.Assignments[0]
	if duty.Person == away.ID {
		duty = res.Assignments[1]
	}
	n := outboxLen(t, d.db)
	err := d.r.CreateAbsence(ctx, &roster.Absence{Station: d.county.ID, Person: duty.Person, From: duty.Day, To: duty.Day, Reason: roster.ReasonLeave})
	wantCode(t, err, app.ECONFLICT)
	if outboxLen(t, d.db) != n {
		t.Error("a refused absence queued an operation")
	}
	list, err := d.r.Absences(ctx, roster.AbsenceFilter{Person: &duty.Person})
	if err != nil || len(list) != 0 {
		t.Errorf("absences of %s after the refusal: %v, %v", d.byID[duty.Person].Name, list, err)
	}
}

func TestSpecialPeriodUsesHolidayTemplate(t *testing.T) {
	d := newDemoRosters(t)
	flood := roster.SpecialPeriod{Station: d.county.ID, Name: "主汛期", From: day(t, "2026-06-01"), To: day(t, "2026-08-31")}
	if err := d.r.CreateSpecialPeriod(ctx, &flood); err != nil {
		t.Fatal(err)
	}
	overlap := roster.SpecialPeriod{Station: d.county.ID, Name: "森林防火期", From: day(t, "2026-08-15"), To: day(t, "2026-09-15")}
	wantCode(t, d.r.CreateSpecialPeriod(ctx, &overlap), app.ECONFLICT)
	d.generate(t, "2026-07-01", "2026-07-31")
	if n := len(d.month(t, "2026-07")); n != 31*5 {
		t.Errorf("flood-season July has %d posts, want 31×5", n)
	}
	got, err := d.r.SpecialPeriods(ctx, d.county.ID, day(t, "2026-07-01"), day(t, "2026-07-01"))
	if err != nil || len(got) != 1 || got[0].Name != "主汛期" {
		t.Errorf("periods in force on 2026-07-01: %v, %v", got, err)
	}
}

func TestSetAndClearAssignment(t *testing.T) {
	d := newDemoRosters(t)
	clockAt(d.db, time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC))
	d.generate(t, "2026-10-01", "2026-10-31")
	on := day(t, "2026-10-13")
	was := d.holder(t, "2026-10-13", officerPost)
	var free app.Person // an officer with no duty that day or around it
	for _, p := range d.staffWith(app.RoleOfficer) {
		duties, _ := d.r.PersonDuties(ctx, p.ID, on.AddDays(-1), on.AddDays(1))
		if len(duties) == 0 {
			free = p
			break
		}
	}
	if free.ID == app.NilID {
		t.Fatal("no free officer around 2026-10-13")
	}
	at := time.Date(2026, 10, 12, 7, 15, 0, 0, time.UTC)
	clockAt(d.db, at)
	n := outboxLen(t, d.db)
	warnings, notify, err := d.r.SetAssignment(app.WithAuthor(context.Background(), "王主任"),
		roster.Assignment{Station: d.county.ID, Day: on, Post: officerPost, Person: free.ID}, "病假替班")
	if err != nil {
		t.Fatal(err)
	}
	if len(warnings) != 0 || notify != nil {
		t.Errorf("warnings %v, notify %v on a rested officer in a draft month", warnings, notify)
	}
	if got := d.holder(t, "2026-10-13", officerPost); got != free.ID {
		t.Errorf("officer of 2026-10-13 is %s, want %s", d.byID[got].Name, free.Name)
	}
	hist, _ := d.r.History(ctx, d.county.ID, on)
	last := hist[len(hist)-1]
	if last.Before != was || last.After != free.ID || last.Author != "王主任" || !last.At.Equal(at) || last.Reason != "病假替班" {
		t.Errorf("last change %+v", last)
	}
	if kinds := opsSince(t, d.db, n); !slices.Equal(kinds, []string{roster.OpAssign}) {
		t.Errorf("operations %v", kinds)
	}

	// Refusals change nothing.
	n = outboxLen(t, d.db)
	leader := d.staffWith(app.RoleLeader)[0]
	_, _, err = d.r.SetAssignment(ctx, roster.Assignment{Station: d.county.ID, Day: on, Post: officerPost, Person: leader.ID}, "")
	wantCode(t, err, app.EINVALID) // not an officer
	otherPost := roster.Post{Role: app.RoleStandby, Index: 0}
	_, _, err = d.r.SetAssignment(ctx, roster.Assignment{Station: d.county.ID, Day: on, Post: otherPost, Person: free.ID}, "")
	wantCode(t, err, app.ECONFLICT) // already the officer that day
	_, _, err = d.r.SetAssignment(ctx, roster.Assignment{Station: d.county.ID, Day: on, Post: officerPost, Person: app.NewID()}, "")
	wantCode(t, err, app.ENOTFOUND)
	if outboxLen(t, d.db) != n || d.holder(t, "2026-10-13", officerPost) != free.ID {
		t.Error("a refused assignment changed something")
	}

	if _, err := d.r.ClearAssignment(ctx, d.county.ID, on, officerPost, "调整"); err != nil {
		t.Fatal(err)
	}
	if got := d.holder(t, "2026-10-13", officerPost); got != app.NilID {
		t.Errorf("cleared post still held by %s", d.byID[got].Name)
	}
	if duties, _ := d.r.PersonDuties(ctx, free.ID, on, on); len(duties) != 0 {
		t.Errorf("the person index still lists the cleared duty: %v", duties)
	}
	_, err = d.r.ClearAssignment(ctx, d.county.ID, on, officerPost, "")
	wantCode(t, err, app.ENOTFOUND)
}

func TestHistoryRecordsWhoWhenBeforeAfter(t *testing.T) {
	d := newDemoRosters(t)
	on := day(t, "2026-12-02")
	officers := d.staffWith(app.RoleOfficer)
	steps := []struct {
		author string
		at     time.Time
		person app.ID // NilID clears
	}{
		{"李科长", time.Date(2026, 11, 20, 1, 0, 0, 0, time.UTC), officers[0].ID},
		{"王主任", time.Date(2026, 11, 21, 2, 0, 0, 0, time.UTC), officers[1].ID},
		{"李科长", time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC), app.NilID},
	}
	for _, s := range steps {
		clockAt(d.db, s.at)
		c := app.WithAuthor(context.Background(), s.author)
		var err error
		if s.person == app.NilID {
			_, err = d.r.ClearAssignment(c, d.county.ID, on, officerPost, "")
		} else {
			_, _, err = d.r.SetAssignment(c, roster.Assignment{Station: d.county.ID, Day: on, Post: officerPost, Person: s.person}, "")
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	hist, err := d.r.History(ctx, d.county.ID, on)
	if err != nil {
		t.Fatal(err)
	}
	if len(hist) != 3 {
		t.Fatalf("%d changes, want 3", len(hist))
	}
	prev := app.NilID
	for i, s := range steps {
		c := hist[i]
		if c.Author != s.author || !c.At.Equal(s.at) || c.Before != prev || c.After != s.person || c.Post != officerPost || c.Day != on {
			t.Errorf("change %d = %+v, want %s at %v, %v → %v", i, c, s.author, s.at, prev, s.person)
		}
		prev = s.person
	}
	// Another day's trail is its own.
	if other, _ := d.r.History(ctx, d.county.ID, on.AddDays(1)); len(other) != 0 {
		t.Errorf("2026-12-03 has %d changes", len(other))
	}
}

// findSwappable returns two leader duties of October held by different
// people, each free on the other's day and the days around it.
func findSwappable(t *testing.T, d *demoRosters) (roster.Slot, roster.Slot) {
	t.Helper()
	var leaders []roster.Assignment
	for _, a := range d.month(t, "2026-10") {
		if a.Post == leaderPost && a.Day.After(day(t, "2026-10-09")) {
			leaders = append(leaders, a)
		}
	}
	free := func(p app.ID, on roster.Date, except roster.Date) bool {
		duties, _ := d.r.PersonDuties(ctx, p, on.AddDays(-1), on.AddDays(1))
		for _, x := range duties {
			if x.Day != except {
				return false
			}
		}
		return true
	}
	for _, a := range leaders {
		for _, b := range leaders {
			if a.Person != b.Person && b.Day.Sub(a.Day) > 3 && free(a.Person, b.Day, a.Day) && free(b.Person, a.Day, b.Day) {
				return roster.Slot{Day: a.Day, Post: a.Post, Person: a.Person}, roster.Slot{Day: b.Day, Post: b.Post, Person: b.Person}
			}
		}
	}
	t.Fatal("no two leader duties can be swapped")
	return roster.Slot{}, roster.Slot{}
}

func TestSwapNeedsALeadersApproval(t *testing.T) {
	d := newDemoRosters(t)
	d.generate(t, "2026-10-01", "2026-10-31")
	first, second := findSwappable(t, d)
	n := outboxLen(t, d.db)
	req := roster.SwapRequest{Station: d.county.ID, First: first, Second: second, Reason: "家中有事"}
	if err := d.r.RequestSwap(ctx, &req); err != nil {
		t.Fatal(err)
	}
	if req.State != roster.SwapPending || req.RequestedBy != "张值班" {
		t.Errorf("filed %+v", req)
	}
	pending, _ := d.r.SwapRequests(ctx, d.county.ID, roster.SwapPending)
	if len(pending) != 1 || pending[0].ID != req.ID {
		t.Errorf("pending requests %v", pending)
	}

	// Someone who is not a leader of the county may not decide it: an
	// officer of the county, or a leader of another station.
	officer := d.staffWith(app.RoleOfficer)[0]
	_, err := d.r.ApproveSwap(ctx, req.ID, officer.ID, "")
	wantCode(t, err, app.EFORBIDDEN)
	var outsider app.Person
	for _, p := range d.people {
		if p.Station != d.county.ID && p.Has(app.RoleLeader) {
			outsider = p
			break
		}
	}
	_, err = d.r.ApproveSwap(ctx, req.ID, outsider.ID, "")
	wantCode(t, err, app.EFORBIDDEN)
	wantCode(t, d.r.RejectSwap(ctx, req.ID, officer.ID, ""), app.EFORBIDDEN)
	if d.holder(t, first.Day.String(), first.Post) != first.Person || d.holder(t, second.Day.String(), second.Post) != second.Person {
		t.Fatal("a refused approval changed the roster")
	}

	// A leader who is not part of the swap approves it: both posts change.
	var approver app.Person
	for _, p := range d.staffWith(app.RoleLeader) {
		if p.ID != first.Person && p.ID != second.Person {
			approver = p
			break
		}
	}
	notify, err := d.r.ApproveSwap(ctx, req.ID, approver.ID, "同意")
	if err != nil {
		t.Fatal(err)
	}
	if d.holder(t, first.Day.String(), first.Post) != second.Person || d.holder(t, second.Day.String(), second.Post) != first.Person {
		t.Error("the approved swap did not exchange the two posts")
	}
	if want := roster.Affected([]roster.Change{{Before: first.Person, After: second.Person}}); !slices.Equal(notify, want) {
		t.Errorf("notify %v, want %v", notify, want)
	}
	for _, s := range []roster.Slot{first, second} {
		hist, _ := d.r.History(ctx, d.county.ID, s.Day)
		if last := hist[len(hist)-1]; last.Swap != req.ID || last.Before != s.Person {
			t.Errorf("history of %s ends with %+v, want the swap", s.Day, last)
		}
		notices, _ := d.r.Notices(ctx, s.Person, true)
		if len(notices) != 1 || notices[0].Kind != roster.NoticeSwapApproved {
			t.Errorf("notices of %s: %+v", d.byID[s.Person].Name, notices)
		} else if f := notices[0].Facts; len(f.Swap) != 2 || f.Swap[0].Name != d.byID[first.Person].Name ||
			f.Swap[1].Day != second.Day || f.DecidedBy != approver.Name || f.Note != "同意" {
			t.Errorf("the swap notice's facts %+v, want both sides, the approver and the note", f)
		}
	}
	done, _ := d.r.SwapRequests(ctx, d.county.ID, "")
	if len(done) != 1 || done[0].State != roster.SwapApproved || done[0].DecidedBy != approver.ID || done[0].Note != "同意" {
		t.Errorf("requests after approval %+v", done)
	}
	_, err = d.r.ApproveSwap(ctx, req.ID, approver.ID, "")
	wantCode(t, err, app.ECONFLICT)
	if kinds := opsSince(t, d.db, n); !slices.Equal(kinds, []string{roster.OpSwapRequest, roster.OpSwapApprove}) {
		t.Errorf("operations %v", kinds)
	}

	// Swapping back, rejected: the posts stay as they are.
	back := roster.SwapRequest{Station: d.county.ID,
		First:  roster.Slot{Day: first.Day, Post: first.Post, Person: second.Person},
		Second: roster.Slot{Day: second.Day, Post: second.Post, Person: first.Person}}
	if err := d.r.RequestSwap(ctx, &back); err != nil {
		t.Fatal(err)
	}
	if err := d.r.RejectSwap(ctx, back.ID, approver.ID, "已换过一次"); err != nil {
		t.Fatal(err)
	}
	if d.holder(t, first.Day.String(), first.Post) != second.Person {
		t.Error("a rejected swap changed the roster")
	}
	// A request naming a slot that is not held as stated is refused.
	stale := roster.SwapRequest{Station: d.county.ID, First: first, Second: second}
	wantCode(t, d.r.RequestSwap(ctx, &stale), app.ECONFLICT)
}

func TestPublishThenChangeNotifiesTheAffected(t *testing.T) {
	d := newDemoRosters(t)
	oct, _ := roster.ParseMonth("2026-10")

	// Empty posts stop publication unless gaps are allowed.
	_, err := d.r.Publish(ctx, d.county.ID, oct, false)
	wantCode(t, err, app.EINVALID)
	if r, _ := d.r.Roster(ctx, d.county.ID, oct); r.State != roster.StateDraft {
		t.Errorf("refused publication left the month %s", r.State)
	}

	d.generate(t, "2026-10-01", "2026-10-31")
	at := time.Date(2026, 9, 25, 1, 0, 0, 0, time.UTC)
	clockAt(d.db, at)
	notify, err := d.r.Publish(ctx, d.county.ID, oct, false)
	if err != nil {
		t.Fatal(err)
	}
	onDuty := map[app.ID]bool{}
	for _, a := range d.month(t, "2026-10") {
		onDuty[a.Person] = true
	}
	if len(notify) != len(onDuty) {
		t.Errorf("publication notifies %d people, %d have duties", len(notify), len(onDuty))
	}
	r, _ := d.r.Roster(ctx, d.county.ID, oct)
	if r.State != roster.StatePublished || !r.PublishedAt.Equal(at) || r.PublishedBy != "张值班" {
		t.Errorf("roster after publication %+v", r)
	}
	someone := notify[0]
	if ns, _ := d.r.Notices(ctx, someone, true); len(ns) != 1 || ns[0].Kind != roster.NoticePublished || !strings.Contains(ns[0].Message, "2026-10") {
		t.Errorf("publication notices %+v", ns)
	} else if duties, _ := d.r.PersonDuties(ctx, someone, oct.First(), oct.Last()); len(ns[0].Facts.Duties) != len(duties) || len(duties) == 0 {
		t.Errorf("the publication notice lists %d duties, the person holds %d", len(ns[0].Facts.Duties), len(duties))
	}

	// Changing a published post names the one who lost it and the one who
	// got it, and both find a notice.
	on := day(t, "2026-10-20")
	was := d.holder(t, "2026-10-20", officerPost)
	var repl app.Person
	for _, p := range d.staffWith(app.RoleOfficer) {
		if duties, _ := d.r.PersonDuties(ctx, p.ID, on, on); len(duties) == 0 && p.ID != was {
			repl = p
			break
		}
	}
	_, notify, err = d.r.SetAssignment(ctx, roster.Assignment{Station: d.county.ID, Day: on, Post: officerPost, Person: repl.ID}, "临时调整")
	if err != nil {
		t.Fatal(err)
	}
	want := roster.Affected([]roster.Change{{Before: was, After: repl.ID}})
	if !slices.Equal(notify, want) || len(notify) != 2 {
		t.Errorf("notify %v, want %v", notify, want)
	}
	for _, id := range []app.ID{was, repl.ID} {
		ns, _ := d.r.Notices(ctx, id, true)
		if len(ns) == 0 || ns[0].Kind != roster.NoticeChanged || ns[0].Day != on || !strings.Contains(ns[0].Message, repl.Name) {
			t.Errorf("newest notice of %s: %+v", d.byID[id].Name, ns)
			continue
		}
		if f := ns[0].Facts; f.Before != d.byID[was].Name || f.After != repl.Name || f.Reason != "临时调整" {
			t.Errorf("the change notice's facts %+v, want %s → %s because 临时调整", f, d.byID[was].Name, repl.Name)
		}
		if err := d.r.MarkNoticeRead(ctx, id, ns[0].ID); err != nil {
			t.Fatal(err)
		}
		if unread, _ := d.r.Notices(ctx, id, true); len(unread) != len(ns)-1 {
			t.Errorf("after reading one, %d of %d unread", len(unread), len(ns))
		}
	}

	// A change to a draft month notifies no one.
	_, notify, err = d.r.SetAssignment(ctx, roster.Assignment{Station: d.county.ID, Day: day(t, "2026-11-20"), Post: officerPost, Person: repl.ID}, "")
	if err != nil || notify != nil {
		t.Errorf("draft change: notify %v, %v", notify, err)
	}
}

func TestRostersBelongToTheirStationAndAncestors(t *testing.T) {
	d := newDemoRosters(t)
	// Run as the county of 吉首市 instead of the prefecture.
	db := storetest.Open(t)
	dir := store.NewDirectory(db)
	if err := dir.ImportStations(ctx, d.stations); err != nil {
		t.Fatal(err)
	}
	if err := dir.ImportPersons(ctx, d.people); err != nil {
		t.Fatal(err)
	}
	if err := store.NewIdentity(db).SetIdentity(ctx, d.county.ID); err != nil {
		t.Fatal(err)
	}
	r := store.NewRosters(db)
	from, to := day(t, "2026-10-01"), day(t, "2026-10-07")
	if _, _, err := r.Generate(ctx, d.county.ID, from, to); err != nil {
		t.Errorf("own station: %v", err)
	}
	if _, _, err := r.Generate(ctx, d.station(t, "433101001").ID, from, to); err != nil {
		t.Errorf("a township below: %v", err)
	}
	for _, code := range []string{"433100", "433122", "433122001"} {
		_, _, err := r.Generate(ctx, d.station(t, code).ID, from, to)
		wantCode(t, err, app.EFORBIDDEN)
	}
	// Villages keep no roster.
	_, _, err := r.Generate(ctx, d.station(t, "433101001001").ID, from, to)
	wantCode(t, err, app.EINVALID)
}

func TestSettingsAndTheirDefault(t *testing.T) {
	d := newDemoRosters(t)
	s, err := d.r.Settings(ctx, d.county.ID)
	if err != nil || s != roster.DefaultSettings() {
		t.Fatalf("settings before any are set: %+v, %v", s, err)
	}
	s.Holiday.Standby = 1
	s.Handover = 9 * 60
	if err := d.r.SetSettings(ctx, d.county.ID, s); err != nil {
		t.Fatal(err)
	}
	if got, _ := d.r.Settings(ctx, d.county.ID); got != s {
		t.Errorf("stored %+v, want %+v", got, s)
	}
	bad := s
	bad.MinRestDays = 30
	wantCode(t, d.r.SetSettings(ctx, d.county.ID, bad), app.EINVALID)
	if got, _ := d.r.Settings(ctx, d.county.ID); got != s {
		t.Errorf("refused settings were stored: %+v", got)
	}
	_, err = d.r.Settings(ctx, app.NewID())
	wantCode(t, err, app.ENOTFOUND)
	d.generate(t, "2026-10-01", "2026-10-01")
	if n := len(d.month(t, "2026-10")); n != 4 {
		t.Errorf("National Day with 1+1+1+1 has %d posts", n)
	}
}
