package roster_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"dutyroom/app"
	"dutyroom/app/roster"
)

func TestPostStringRoundTrip(t *testing.T) {
	tmpl := roster.Template{Leader: 1, Cadre: 1, Officer: 2, Standby: 3}
	for _, p := range tmpl.Posts() {
		back, err := roster.ParsePost(p.String())
		if err != nil || back != p {
			t.Errorf("%v → %q → %v, %v", p, p.String(), back, err)
		}
	}
	if got := (roster.Post{Role: app.RoleStandby}).String(); got != "standby 1" {
		t.Errorf("first standby is %q", got)
	}
	for _, s := range []string{"info_officer", "boss", "standby 0", "standby x", "officer 21"} {
		if _, err := roster.ParsePost(s); app.ErrorCode(err) != app.EINVALID {
			t.Errorf("ParsePost(%q) = %v, want invalid", s, err)
		}
	}
}

func TestSettingsValidate(t *testing.T) {
	ok := roster.DefaultSettings()
	if err := ok.Validate(); err != nil {
		t.Fatalf("defaults invalid: %v", err)
	}
	if ok.Handover.String() != "08:30" || ok.Holiday.Leader+ok.Holiday.Cadre+ok.Holiday.Officer != 3 || ok.MinRestDays != 1 {
		t.Errorf("defaults %+v", ok)
	}
	for _, c := range []struct {
		edit  func(*roster.Settings)
		field string
	}{
		{func(s *roster.Settings) { s.Handover = -1 }, "handover"},
		{func(s *roster.Settings) { s.Normal.Officer = -1 }, "normal.officer"},
		{func(s *roster.Settings) { s.Holiday.Standby = 21 }, "holiday.standby"},
		{func(s *roster.Settings) { s.Holiday = roster.Template{} }, "holiday"},
		{func(s *roster.Settings) { s.MinRestDays = 8 }, "min_rest_days"},
	} {
		s := roster.DefaultSettings()
		c.edit(&s)
		if err := s.Validate(); app.ErrorField(err) != c.field {
			t.Errorf("want an error on %s, got %v", c.field, err)
		}
	}
}

func TestRecordsValidate(t *testing.T) {
	st, p := testID(1, 0), testID(1, 1)
	d := date(t, "2026-07-01")
	for _, c := range []struct {
		name  string
		err   error
		field string
	}{
		{"period without name", (&roster.SpecialPeriod{Station: st, Name: "  ", From: d, To: d}).Validate(), "name"},
		{"period reversed", (&roster.SpecialPeriod{Station: st, Name: "主汛期", From: d, To: d.AddDays(-1)}).Validate(), "to"},
		{"period of two years", (&roster.SpecialPeriod{Station: st, Name: "主汛期", From: d, To: d.AddDays(800)}).Validate(), "to"},
		{"absence without person", (&roster.Absence{Station: st, From: d, To: d, Reason: roster.ReasonLeave}).Validate(), "person"},
		{"absence bad reason", (&roster.Absence{Station: st, Person: p, From: d, To: d, Reason: "holiday"}).Validate(), "reason"},
		{"absence no end", (&roster.Absence{Station: st, Person: p, From: d, Reason: roster.ReasonTrip}).Validate(), "to"},
		{"assignment bad post", (&roster.Assignment{Station: st, Day: d, Person: p, Post: roster.Post{Role: app.RoleInfoOfficer}}).Validate(), "post"},
		{"assignment no day", (&roster.Assignment{Station: st, Person: p, Post: roster.Post{Role: app.RoleLeader}}).Validate(), "day"},
		{"log without text", (&roster.LogEntry{Station: st, Day: d, At: time.Now(), Kind: roster.LogCall}).Validate(), "text"},
		{"log bad kind", (&roster.LogEntry{Station: st, Day: d, At: time.Now(), Kind: "gossip", Text: "x"}).Validate(), "kind"},
		{"check-in without person", (&roster.CheckIn{Station: st, Day: d, At: time.Now()}).Validate(), "person"},
		{"handover to oneself", (&roster.Handover{Station: st, Day: d, Outgoing: p, OutAt: time.Now(), Incoming: p, InAt: time.Now().Add(time.Minute)}).Validate(), "incoming"},
		{"handover confirmed early", (&roster.Handover{Station: st, Day: d, Outgoing: p, OutAt: time.Now(), Incoming: testID(1, 2), InAt: time.Now().Add(-time.Hour)}).Validate(), "in_at"},
	} {
		if app.ErrorCode(c.err) != app.EINVALID || app.ErrorField(c.err) != c.field {
			t.Errorf("%s: %v (field %q), want invalid %s", c.name, c.err, app.ErrorField(c.err), c.field)
		}
	}
	h := roster.Handover{Station: st, Day: d, Outgoing: p, OutAt: time.Now(), OpenMatters: []string{" 待回复 ", "", "x"}}
	if err := h.Validate(); err != nil || !slices.Equal(h.OpenMatters, []string{"待回复", "x"}) || h.Confirmed() {
		t.Errorf("handover %v: %+v", err, h)
	}
}

func TestClassifyPrefersHolidayNameAndEarliestPeriod(t *testing.T) {
	cal := calendar2026(t)
	st := testID(1, 0)
	periods := []roster.SpecialPeriod{
		{Station: st, Name: "主汛期", From: date(t, "2026-06-01"), To: date(t, "2026-08-31")},
		{Station: st, Name: "防汛演练", From: date(t, "2026-06-20"), To: date(t, "2026-06-22")},
	}
	info := roster.Classify(cal, periods, date(t, "2026-06-20"))
	if info.Kind != roster.Holiday || info.Name != "端午节" || info.Special != "主汛期" {
		t.Errorf("%+v", info)
	}
	s := roster.DefaultSettings()
	if s.TemplateFor(roster.Classify(cal, periods, date(t, "2026-06-23"))) != s.Holiday {
		t.Error("a workday in a special period should use the holiday template")
	}
	if s.TemplateFor(roster.Classify(cal, periods, date(t, "2026-09-01"))) != s.Normal {
		t.Error("a workday outside periods should use the normal template")
	}
}

func TestDiffAndAffected(t *testing.T) {
	st := testID(1, 0)
	a, b, c := testID(1, 1), testID(1, 2), testID(1, 3)
	leader := roster.Post{Role: app.RoleLeader}
	officer := roster.Post{Role: app.RoleOfficer}
	d1, d2 := date(t, "2026-10-01"), date(t, "2026-10-02")
	before := []roster.Assignment{
		{Station: st, Day: d1, Post: leader, Person: a},
		{Station: st, Day: d1, Post: officer, Person: b},
		{Station: st, Day: d2, Post: leader, Person: c},
	}
	after := []roster.Assignment{
		{Station: st, Day: d1, Post: leader, Person: a}, // unchanged
		{Station: st, Day: d1, Post: officer, Person: c},
		{Station: st, Day: d2, Post: officer, Person: b}, // new post
		// d2 leader cleared
	}
	changes := roster.Diff(before, after)
	want := []roster.Change{
		{Station: st, Day: d1, Post: officer, Before: b, After: c},
		{Station: st, Day: d2, Post: leader, Before: c},
		{Station: st, Day: d2, Post: officer, After: b},
	}
	if !slices.Equal(changes, want) {
		t.Errorf("diff\n%+v\nwant\n%+v", changes, want)
	}
	if got := roster.Affected(changes); !slices.Equal(got, []app.ID{b, c}) {
		t.Errorf("affected %v, want b and c once each; a keeps the same duty", got)
	}
	if roster.Diff(before, before) != nil {
		t.Error("no change should give no entries")
	}
}

func TestSwap(t *testing.T) {
	people := prefectureStaff(1)
	st := testID(1, 0)
	l1, l2, c1, s1 := people[0], people[1], people[4], people[12]
	req := roster.SwapRequest{
		ID: testID(1, 700), Station: st, Reason: " 家中有事 ",
		First:  roster.Slot{Day: date(t, "2026-10-01"), Post: roster.Post{Role: app.RoleLeader}, Person: l1.ID},
		Second: roster.Slot{Day: date(t, "2026-10-05"), Post: roster.Post{Role: app.RoleLeader}, Person: l2.ID},
	}
	if err := req.Validate(); err != nil {
		t.Fatal(err)
	}
	if err := roster.CheckSwap(&req, &l1, &l2); err != nil {
		t.Errorf("two leaders swapping: %v", err)
	}
	at := time.Date(2026, 9, 28, 10, 0, 0, 0, time.UTC)
	ch := req.Changes("王局长", at)
	if len(ch) != 2 || ch[0].Before != l1.ID || ch[0].After != l2.ID || ch[1].Before != l2.ID || ch[1].After != l1.ID ||
		ch[0].Swap != req.ID || ch[0].Reason != "swap: 家中有事" || ch[1].Day != req.Second.Day {
		t.Errorf("changes %+v", ch)
	}
	if got := roster.Affected(ch); !slices.Equal(got, []app.ID{l1.ID, l2.ID}) {
		t.Errorf("affected %v", got)
	}

	bad := req
	bad.Second = roster.Slot{Day: date(t, "2026-10-05"), Post: roster.Post{Role: app.RoleStandby}, Person: s1.ID}
	if err := roster.CheckSwap(&bad, &l1, &s1); app.ErrorCode(err) != app.EINVALID || !strings.Contains(err.Error(), "S01 cannot take the leader post") {
		t.Errorf("standby taking a leader post: %v", err)
	}
	self := req
	self.Second.Person = l1.ID
	if err := self.Validate(); app.ErrorField(err) != "person" {
		t.Errorf("swapping with oneself: %v", err)
	}

	if err := roster.CanDecide(&req, &l1); err != nil {
		t.Errorf("a leader deciding: %v", err)
	}
	if err := roster.CanDecide(&req, &c1); app.ErrorCode(err) != app.EFORBIDDEN {
		t.Errorf("a cadre deciding: %v", err)
	}
	other := person(2, 1, "外站领导", app.RoleLeader)
	if err := roster.CanDecide(&req, &other); app.ErrorCode(err) != app.EFORBIDDEN {
		t.Errorf("another station's leader deciding: %v", err)
	}
}

func TestCheckAssignment(t *testing.T) {
	people := prefectureStaff(1)
	st := testID(1, 0)
	officer := people[8]
	d := date(t, "2026-10-03")
	as := roster.Assignment{Station: st, Day: d, Post: roster.Post{Role: app.RoleOfficer}, Person: officer.ID, Manual: true}
	duty := func(station app.ID, day string, role app.Role) roster.Assignment {
		return roster.Assignment{Station: station, Day: date(t, day), Post: roster.Post{Role: role}, Person: officer.ID}
	}
	if w, err := roster.CheckAssignment(as, &officer, nil, nil, 1); err != nil || w != nil {
		t.Errorf("a free officer: %v %v", w, err)
	}
	leaderPost := as
	leaderPost.Post = roster.Post{Role: app.RoleLeader}
	if _, err := roster.CheckAssignment(leaderPost, &officer, nil, nil, 1); app.ErrorCode(err) != app.EINVALID {
		t.Errorf("officer as leader: %v", err)
	}
	if _, err := roster.CheckAssignment(as, &officer, []roster.Assignment{duty(testID(2, 0), "2026-10-03", app.RoleLeader)}, nil, 1); app.ErrorCode(err) != app.ECONFLICT {
		t.Errorf("on duty at another station the same day: %v", err)
	}
	away := []roster.Absence{{Person: officer.ID, From: d, To: d, Reason: roster.ReasonTrip}}
	if _, err := roster.CheckAssignment(as, &officer, nil, away, 1); app.ErrorCode(err) != app.ECONFLICT || !strings.Contains(err.Error(), "on a trip") {
		t.Errorf("on a trip: %v", err)
	}
	w, err := roster.CheckAssignment(as, &officer, []roster.Assignment{duty(st, "2026-10-02", app.RoleOfficer), as}, nil, 1)
	if err != nil || len(w) != 1 || !strings.Contains(w[0], "2026-10-02") {
		t.Errorf("too little rest: warnings %v, error %v", w, err)
	}
}
