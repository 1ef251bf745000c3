package roster_test

import (
	"fmt"
	"math/rand"
	"reflect"
	"slices"
	"strings"
	"testing"

	"dutyroom/app"
	"dutyroom/app/roster"
)

func TestGenerateYearFillsTemplates(t *testing.T) {
	in := yearInput(t, 1, prefectureStaff(1))
	res := generate(t, in)
	if len(res.Gaps) != 0 {
		t.Fatalf("gaps in a fully staffed year: %v", res.Gaps[:min(3, len(res.Gaps))])
	}
	days := byDay(res.Assignments)
	holidays, makeUps := 0, 0
	for d := in.From; !d.After(in.To); d = d.AddDays(1) {
		want := roster.DefaultNormal
		cd := in.Calendar.Day(d)
		if cd.Kind == roster.Holiday {
			want = roster.DefaultHoliday
			holidays++
		}
		if cd.Kind == roster.Workday && d.IsWeekend() {
			makeUps++
		}
		var posts []roster.Post
		for _, a := range days[d] {
			posts = append(posts, a.Post)
		}
		if !slices.Equal(posts, want.Posts()) {
			t.Errorf("%s (%s %s): posts %v, want %v", d, cd.Kind, cd.Name, posts, want.Posts())
		}
	}
	if holidays != 33 || makeUps != 6 {
		t.Errorf("2026 has %d holiday days and %d make-up days, want 33 and 6", holidays, makeUps)
	}
}

func TestGenerateMakeUpDaysAreWorkdays(t *testing.T) {
	in := yearInput(t, 1, prefectureStaff(1))
	res := generate(t, in)
	days := byDay(res.Assignments)
	for _, s := range []string{"2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10"} {
		d := date(t, s)
		if !d.IsWeekend() || in.Calendar.Kind(d) != roster.Workday {
			t.Errorf("%s: kind %s, want a weekend date that is a workday", d, in.Calendar.Kind(d))
		}
		if n := len(days[d]); n != roster.DefaultNormal.Size() {
			t.Errorf("%s: %d posts, want the normal template's %d", d, n, roster.DefaultNormal.Size())
		}
	}
	// A person's make-up day duty counts as a workday duty, not a weekend one.
	var weekend int
	for _, f := range res.Fairness {
		weekend += f.Weekend
	}
	if want := 2 * weekendDays(in); weekend != want {
		t.Errorf("weekend duties %d, want %d (2 posts × plain weekend days)", weekend, want)
	}
}

func weekendDays(in roster.GenerateInput) int {
	n := 0
	for d := in.From; !d.After(in.To); d = d.AddDays(1) {
		if in.Calendar.Kind(d) == roster.Weekend {
			n++
		}
	}
	return n
}

func TestGenerateSpecialPeriodUsesHolidayTemplate(t *testing.T) {
	in := yearInput(t, 1, prefectureStaff(1))
	in.From, in.To = date(t, "2026-06-01"), date(t, "2026-06-30")
	in.Specials = []roster.SpecialPeriod{
		{ID: testID(1, 900), Station: in.Station, Name: "主汛期", From: date(t, "2026-06-10"), To: date(t, "2026-06-12")},
		{ID: testID(2, 901), Station: testID(2, 0), Name: "another station's", From: date(t, "2026-06-20"), To: date(t, "2026-06-20")},
	}
	days := byDay(generate(t, in).Assignments)
	for _, c := range []struct {
		day  string
		want roster.Template
	}{
		{"2026-06-09", roster.DefaultNormal},
		{"2026-06-10", roster.DefaultHoliday},
		{"2026-06-12", roster.DefaultHoliday},
		{"2026-06-13", roster.DefaultNormal},
		{"2026-06-19", roster.DefaultHoliday}, // 端午
		{"2026-06-20", roster.DefaultHoliday},
		{"2026-06-22", roster.DefaultNormal},
	} {
		if n := len(days[date(t, c.day)]); n != c.want.Size() {
			t.Errorf("%s: %d posts, want %d", c.day, n, c.want.Size())
		}
	}
}

func TestGenerateNoDoubleBookingAndRest(t *testing.T) {
	for _, rest := range []int{0, 1, 2} {
		t.Run(fmt.Sprint("rest", rest), func(t *testing.T) {
			in := yearInput(t, 1, prefectureStaff(1))
			in.Settings.MinRestDays = rest
			res := generate(t, in)
			checkNoDoubleBooking(t, res.Assignments)
			checkRest(t, res.Assignments, rest)
		})
	}
}

func checkNoDoubleBooking(t *testing.T, as []roster.Assignment) {
	t.Helper()
	type key struct {
		person app.ID
		day    roster.Date
	}
	seen := map[key]roster.Assignment{}
	for _, a := range as {
		k := key{a.Person, a.Day}
		if b, dup := seen[k]; dup {
			t.Errorf("%s holds two posts on %s: %s at %s and %s at %s", a.Person, a.Day, b.Post, b.Station, a.Post, a.Station)
		}
		seen[k] = a
	}
}

func checkRest(t *testing.T, as []roster.Assignment, rest int) {
	t.Helper()
	last := map[app.ID]roster.Date{}
	sorted := slices.Clone(as)
	slices.SortFunc(sorted, func(a, b roster.Assignment) int { return a.Day.Compare(b.Day) })
	for _, a := range sorted {
		if prev, ok := last[a.Person]; ok && a.Day.Sub(prev) <= rest {
			t.Errorf("%s on duty on %s and again on %s, want more than %d days between", a.Person, prev, a.Day, rest)
		}
		last[a.Person] = a.Day
	}
}

// spreads returns, per role and day kind, the largest tally minus the
// smallest among the people holding the role.
func spreads(people []app.Person, fs []roster.Fairness) map[string]int {
	out := map[string]int{}
	for _, role := range roster.DutyRoles {
		for _, kind := range roster.DayKinds {
			lo, hi := 1<<30, -1
			for i, p := range people {
				if !p.Has(role) {
					continue
				}
				n := fs[i].ByRole[role].Of(kind)
				lo, hi = min(lo, n), max(hi, n)
			}
			if hi >= 0 {
				out[string(role)+" "+kind.String()] = hi - lo
			}
		}
	}
	return out
}

func TestGenerateFairnessSpreadYear(t *testing.T) {
	people := prefectureStaff(1)
	for _, c := range []struct{ rest, standby int }{{0, 2}, {0, 4}, {1, 1}, {1, 2}} {
		in := yearInput(t, 1, people)
		in.Settings.MinRestDays = c.rest
		in.Settings.Holiday.Standby = c.standby
		res := generate(t, in)
		if len(res.Gaps) != 0 {
			t.Errorf("%+v: %d gaps, first %s", c, len(res.Gaps), res.Gaps[0].Reason)
		}
		for k, s := range spreads(people, res.Fairness) {
			if s > 1 {
				t.Errorf("%+v: %s spread %d, want at most 1", c, k, s)
			}
		}
		for _, w := range res.Warnings {
			t.Errorf("%+v: unexpected warning %s: %s", c, w.Code, w.Message)
		}
	}
}

// Planned month by month, fairness carries over through History: the year
// ends as even as it can, and wherever a month cannot keep a tally within 1
// (earlier months are fixed by then) it says so.
func TestGenerateFairnessCarriesAcrossMonths(t *testing.T) {
	people := prefectureStaff(1)
	cal := calendar2026(t)
	loc := shanghai(t)
	settings := roster.DefaultSettings()
	var all []roster.Assignment
	var last roster.GenerateResult
	for m := (roster.Month{Y: 2026, M: 1}); m.Y == 2026; m = m.Next() {
		in := yearInput(t, 1, people)
		in.From, in.To = m.First(), m.Last()
		in.Existing = all
		in.History = roster.Summarize(all, cal, settings.Handover, loc)
		res := generate(t, in)
		if len(res.Gaps) != 0 {
			t.Fatalf("%s: gaps %v", m, res.Gaps)
		}
		all = append(all, res.Assignments...)
		warned := map[string]bool{}
		for _, w := range res.Warnings {
			if w.Code == roster.WarnUnfair {
				f := strings.Fields(w.Message)
				warned[f[0]+" "+f[1]] = true
			}
		}
		for k, s := range spreads(people, res.Fairness) {
			if s > 2 || s > 1 && !warned[k] {
				t.Errorf("after %s: %s spread %d counting earlier months (warned: %v)", m, k, s, warned[k])
			}
		}
		last = res
	}
	for k, s := range spreads(people, last.Fairness) {
		if !strings.HasSuffix(k, "holiday") && s > 1 {
			t.Errorf("year planned by month: %s spread %d, want at most 1", k, s)
		}
	}
	checkRest(t, all, settings.MinRestDays)
	checkNoDoubleBooking(t, all)
}

func TestGenerateHistoryEvensOut(t *testing.T) {
	people := staff(1, staffing{leaders: 3, officers: 4})
	in := yearInput(t, 1, people)
	in.From, in.To = date(t, "2026-03-02"), date(t, "2026-03-29") // four whole weeks
	// O01 carries four more workday duties than the other officers.
	for i, p := range people[3:] {
		n := 10
		if i == 0 {
			n = 14
		}
		in.History = append(in.History, roster.Fairness{Person: p.ID, Duties: n, Counts: roster.Counts{Workday: n},
			ByRole: map[app.Role]roster.Counts{app.RoleOfficer: {Workday: n}}})
	}
	res := generate(t, in)
	// 20 workdays among 4 officers: 44+20 = 64 in all, 16 each.
	for _, f := range res.Fairness[3:] {
		if f.Workday != 16 {
			t.Errorf("%s ends with %d workday duties, want 16", f.Name, f.Workday)
		}
	}
}

func TestGenerateRespectsAbsences(t *testing.T) {
	people := prefectureStaff(1)
	in := yearInput(t, 1, people)
	leader, officer := people[0], people[8]
	in.Absences = []roster.Absence{
		{ID: testID(1, 500), Station: in.Station, Person: leader.ID, From: date(t, "2026-09-28"), To: date(t, "2026-10-08"), Reason: roster.ReasonLeave},
		{ID: testID(1, 501), Station: in.Station, Person: officer.ID, From: date(t, "2026-03-02"), To: date(t, "2026-03-20"), Reason: roster.ReasonTrip},
	}
	res := generate(t, in)
	for _, a := range res.Assignments {
		for _, ab := range in.Absences {
			if a.Person == ab.Person && ab.Covers(a.Day) {
				t.Errorf("%s assigned %s on %s while %s", a.Person, a.Post, a.Day, ab.Reason)
			}
		}
	}
	if len(res.Gaps) != 0 {
		t.Errorf("gaps although others were free: %v", res.Gaps)
	}
}

func TestGenerateKeepsManualAssignments(t *testing.T) {
	people := prefectureStaff(1)
	in := yearInput(t, 1, people)
	in.From, in.To = date(t, "2026-10-01"), date(t, "2026-10-31")
	manual := []roster.Assignment{
		{Station: in.Station, Day: date(t, "2026-10-03"), Post: roster.Post{Role: app.RoleLeader}, Person: people[1].ID, Manual: true},
		{Station: in.Station, Day: date(t, "2026-10-20"), Post: roster.Post{Role: app.RoleOfficer}, Person: people[9].ID, Manual: true},
	}
	generated := roster.Assignment{Station: in.Station, Day: date(t, "2026-10-05"), Post: roster.Post{Role: app.RoleLeader}, Person: people[2].ID}
	in.Existing = append(slices.Clone(manual), generated)
	res := generate(t, in)
	for _, m := range manual {
		if !slices.Contains(res.Assignments, m) {
			t.Errorf("manual %s on %s by %s not kept", m.Post, m.Day, m.Person)
		}
	}
	checkNoDoubleBooking(t, res.Assignments)
	checkRest(t, res.Assignments, in.Settings.MinRestDays)
	if len(res.Warnings) != 0 {
		t.Errorf("warnings for rule-abiding manual assignments: %v", res.Warnings)
	}
	// The earlier generated assignment is replaced, not kept as a fixed point:
	// the day still has exactly one leader.
	leaders := 0
	for _, a := range byDay(res.Assignments)[generated.Day] {
		if a.Post.Role == app.RoleLeader {
			leaders++
		}
	}
	if leaders != 1 {
		t.Errorf("%s has %d leaders, want 1", generated.Day, leaders)
	}
}

func TestGenerateWarnsAboutBrokenManualAssignments(t *testing.T) {
	people := prefectureStaff(1)
	in := yearInput(t, 1, people)
	in.From, in.To = date(t, "2026-10-01"), date(t, "2026-10-10")
	officer := people[8]
	in.Existing = []roster.Assignment{
		// an officer put on the leader post, and again the next day
		{Station: in.Station, Day: date(t, "2026-10-04"), Post: roster.Post{Role: app.RoleLeader}, Person: officer.ID, Manual: true},
		{Station: in.Station, Day: date(t, "2026-10-05"), Post: roster.Post{Role: app.RoleOfficer}, Person: officer.ID, Manual: true},
	}
	res := generate(t, in)
	var msgs []string
	for _, w := range res.Warnings {
		if w.Code != roster.WarnManual || w.Person != officer.ID {
			t.Errorf("unexpected warning %+v", w)
		}
		msgs = append(msgs, w.Message)
	}
	joined := strings.Join(msgs, "\n")
	for _, want := range []string{"may not take that role", "less than 1 days of rest after the duty on 2026-10-04"} {
		if !strings.Contains(joined, want) {
			t.Errorf("warnings %q lack %q", joined, want)
		}
	}
	for _, m := range in.Existing {
		if !slices.Contains(res.Assignments, m) {
			t.Errorf("manual %s on %s not kept", m.Post, m.Day)
		}
	}
}

func TestGenerateTwoStationsShareAPerson(t *testing.T) {
	county := staff(2, staffing{leaders: 3, officers: 3})
	prefecture := prefectureStaff(1)
	// The county's first leader also serves as standby at the prefecture.
	shared := county[0]
	shared.Roles = []app.Role{app.RoleLeader, app.RoleStandby}
	county[0] = shared
	prefecture = append(prefecture, shared)

	in := yearInput(t, 2, county)
	countyRes := generate(t, in)
	in = yearInput(t, 1, prefecture)
	in.Existing = countyRes.Assignments
	prefRes := generate(t, in)

	all := append(slices.Clone(countyRes.Assignments), prefRes.Assignments...)
	checkNoDoubleBooking(t, all)
	checkRest(t, all, 1)
	n := 0
	for _, a := range prefRes.Assignments {
		if a.Person == shared.ID {
			n++
		}
	}
	if n == 0 {
		t.Errorf("the shared person never served at the prefecture; the test proves nothing")
	}
}

func TestGenerateExplainsGaps(t *testing.T) {
	people := staff(1, staffing{leaders: 1, officers: 3})
	in := yearInput(t, 1, people)
	in.From, in.To = date(t, "2026-10-01"), date(t, "2026-10-04")
	in.Settings.MinRestDays = 0
	in.Absences = []roster.Absence{{ID: testID(1, 500), Station: in.Station, Person: people[0].ID,
		From: date(t, "2026-10-03"), To: date(t, "2026-10-03"), Reason: roster.ReasonLeave},
		// no reason given: still away
		{ID: testID(1, 501), Station: in.Station, Person: people[1].ID, From: date(t, "2026-10-04"), To: date(t, "2026-10-04")}}
	res := generate(t, in)
	for _, a := range res.Assignments {
		if a.Person == people[1].ID && a.Day == date(t, "2026-10-04") {
			t.Errorf("%s assigned while away without a stated reason", people[1].Name)
		}
	}

	var free, none []roster.Gap
	for _, g := range res.Gaps {
		switch g.Code {
		case roster.GapNoEligibleFree:
			free = append(free, g)
		case roster.GapNoEligible:
			none = append(none, g)
		}
	}
	if len(free) != 1 || free[0].Day != date(t, "2026-10-03") || free[0].Post.Role != app.RoleLeader {
		t.Fatalf("gaps for a free leader %+v, want one on 2026-10-03", free)
	}
	if want := "no eligible leader free on 2026-10-03 (L01: on leave)"; free[0].Reason != want {
		t.Errorf("reason %q, want %q", free[0].Reason, want)
	}
	// National Day needs a cadre and standby; the station has none.
	if len(none) != 4*3 {
		t.Errorf("%d no-eligible gaps, want 12 (cadre and two standby on 4 days)", len(none))
	}
	if !strings.Contains(none[0].Reason, "no one at the station may take the cadre post, needed on 2026-10-01") {
		t.Errorf("reason %q", none[0].Reason)
	}
}

func TestGenerateGapNamesRestAndOtherPosts(t *testing.T) {
	people := staff(1, staffing{leaders: 2, officers: 1})
	in := yearInput(t, 1, people)
	in.From, in.To = date(t, "2026-03-02"), date(t, "2026-03-03")
	in.Existing = []roster.Assignment{{Station: testID(9, 0), Day: date(t, "2026-03-03"), Post: roster.Post{Role: app.RoleLeader}, Person: people[1].ID}}
	res := generate(t, in)
	want := []string{
		"no eligible officer free on 2026-03-03 (O01: resting after duty on 2026-03-02)",
		"no eligible leader free on 2026-03-03 (L01: resting after duty on 2026-03-02; L02: on duty at another station)",
	}
	var got []string
	for _, g := range res.Gaps {
		got = append(got, g.Reason)
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("gaps\n%q\nwant\n%q", got, want)
	}
}

func TestGenerateWarnsWhenRestMakesFairnessImpossible(t *testing.T) {
	// With two free days after each duty, L04 can serve one day in three:
	// not enough for a leader's share and an officer's share together.
	in := yearInput(t, 1, prefectureStaff(1))
	in.Settings.MinRestDays = 2
	in.Settings.Holiday.Standby = 1
	res := generate(t, in)
	found := false
	for _, w := range res.Warnings {
		if w.Code == roster.WarnUnfair && strings.HasPrefix(w.Message, "officer workday duties range from") && strings.Contains(w.Message, "(L04)") {
			found = true
		}
	}
	if !found {
		t.Errorf("no warning about L04's officer duties: %v", res.Warnings)
	}
}

func TestGenerateWarnsWhenFairnessImpossible(t *testing.T) {
	people := staff(1, staffing{leaders: 3, officers: 3})
	in := yearInput(t, 1, people)
	in.Absences = []roster.Absence{{ID: testID(1, 500), Station: in.Station, Person: people[3].ID,
		From: date(t, "2026-01-01"), To: date(t, "2026-06-30"), Reason: roster.ReasonOther}}
	res := generate(t, in)
	found := false
	for _, w := range res.Warnings {
		if w.Code == roster.WarnUnfair && strings.HasPrefix(w.Message, "officer workday duties range from") {
			found = true
		}
	}
	if !found {
		t.Errorf("no unfairness warning although one officer was away half the year: %v", res.Warnings)
	}
}

func TestGenerateWarnsAboutMissingCalendar(t *testing.T) {
	in := yearInput(t, 1, prefectureStaff(1))
	in.From, in.To = date(t, "2026-12-01"), date(t, "2027-01-31")
	res := generate(t, in)
	if len(res.Warnings) != 1 || res.Warnings[0].Code != roster.WarnNoCalendar || !strings.Contains(res.Warnings[0].Message, "2027") {
		t.Errorf("warnings %v, want one about 2027's calendar", res.Warnings)
	}
}

func TestGenerateIsDeterministic(t *testing.T) {
	people := prefectureStaff(1)
	in := yearInput(t, 1, people)
	in.Absences = []roster.Absence{{ID: testID(1, 500), Station: in.Station, Person: people[2].ID,
		From: date(t, "2026-05-01"), To: date(t, "2026-05-20"), Reason: roster.ReasonLeave}}
	first := generate(t, in)
	again := generate(t, in)
	if !reflect.DeepEqual(first, again) {
		t.Fatal("two runs on the same input differ")
	}
	shuffled := slices.Clone(people)
	rand.New(rand.NewSource(1)).Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	in.People = shuffled
	if other := generate(t, in); !reflect.DeepEqual(first.Assignments, other.Assignments) {
		t.Error("the order people are listed in changed the roster")
	}
}

func TestGenerateFairnessSummary(t *testing.T) {
	people := prefectureStaff(1)
	in := yearInput(t, 1, people)
	in.From, in.To = date(t, "2026-10-01"), date(t, "2026-10-31")
	in.History = []roster.Fairness{{Person: people[0].ID, Duties: 3, Counts: roster.Counts{Workday: 3}, Hours: 72,
		ByRole: map[app.Role]roster.Counts{app.RoleLeader: {Workday: 3}}}}
	res := generate(t, in)
	total := 0
	for i, f := range res.Fairness {
		if f.Person != people[i].ID || f.Name != people[i].Name {
			t.Fatalf("fairness %d is %s, want %s", i, f.Name, people[i].Name)
		}
		byRole := 0
		for _, c := range f.ByRole {
			byRole += c.Total()
		}
		if f.Duties != f.Total() || byRole != f.Duties || f.Hours != 24*float64(f.Duties) {
			t.Errorf("%s: duties %d, kinds %d, roles %d, hours %v do not agree", f.Name, f.Duties, f.Total(), byRole, f.Hours)
		}
		total += f.Duties
	}
	if want := len(res.Assignments) + 3; total != want {
		t.Errorf("summary counts %d duties, want %d (October plus 3 carried)", total, want)
	}
}

func TestGenerateRejectsBadInput(t *testing.T) {
	people := prefectureStaff(1)
	for _, c := range []struct {
		name  string
		edit  func(*roster.GenerateInput)
		field string
	}{
		{"no station", func(in *roster.GenerateInput) { in.Station = app.NilID }, "station"},
		{"reversed range", func(in *roster.GenerateInput) { in.From, in.To = in.To, in.From }, "to"},
		{"three years", func(in *roster.GenerateInput) { in.To = in.From.AddDays(3 * 365) }, "to"},
		{"bad handover", func(in *roster.GenerateInput) { in.Settings.Handover = 24 * 60 }, "handover"},
		{"empty template", func(in *roster.GenerateInput) { in.Settings.Normal = roster.Template{} }, "normal"},
		{"duplicate person", func(in *roster.GenerateInput) { in.People = append(in.People, in.People[0]) }, "people"},
		{"existing with a bad post", func(in *roster.GenerateInput) {
			in.Existing = []roster.Assignment{{Station: in.Station, Day: in.From, Post: roster.Post{Role: app.RoleInfoOfficer}, Person: in.People[0].ID, Manual: true}}
		}, "existing"},
	} {
		in := yearInput(t, 1, slices.Clone(people))
		c.edit(&in)
		_, err := roster.Generate(in)
		if app.ErrorCode(err) != app.EINVALID || app.ErrorField(err) != c.field {
			t.Errorf("%s: error %v (field %q), want invalid %s", c.name, err, app.ErrorField(err), c.field)
		}
	}
}
