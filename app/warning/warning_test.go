package warning_test

import (
	"strings"
	"testing"
	"time"

	"dutyroom/app"
	"dutyroom/app/warning"
)

// The test tree:
//
//	P 湘西州
//	├── C1 吉首市
//	│   ├── T1 乾州街道
//	│   │   ├── V1 乾元村
//	│   │   └── V2 和平村
//	│   └── T2 峒河街道
//	└── C2 泸溪县
//	    └── T3 白沙镇
type stations struct {
	P, C1, C2, T1, T2, T3, V1, V2 app.Station
	tree                          *app.Tree
}

func testTree() stations {
	var s stations
	s.P = app.Station{ID: app.NewID(), Code: "433100", Name: "湘西州", Tier: app.TierPrefecture}
	s.C1 = app.Station{ID: app.NewID(), Code: "433101", Name: "吉首市", Tier: app.TierCounty, Parent: s.P.ID}
	s.C2 = app.Station{ID: app.NewID(), Code: "433122", Name: "泸溪县", Tier: app.TierCounty, Parent: s.P.ID}
	s.T1 = app.Station{ID: app.NewID(), Code: "433101001", Name: "乾州街道", Tier: app.TierTownship, Parent: s.C1.ID}
	s.T2 = app.Station{ID: app.NewID(), Code: "433101002", Name: "峒河街道", Tier: app.TierTownship, Parent: s.C1.ID}
	s.T3 = app.Station{ID: app.NewID(), Code: "433122100", Name: "白沙镇", Tier: app.TierTownship, Parent: s.C2.ID}
	s.V1 = app.Station{ID: app.NewID(), Code: "433101001201", Name: "乾元村", Tier: app.TierVillage, Parent: s.T1.ID}
	s.V2 = app.Station{ID: app.NewID(), Code: "433101001202", Name: "和平村", Tier: app.TierVillage, Parent: s.T1.ID}
	s.tree = app.NewTree([]app.Station{s.P, s.C1, s.C2, s.T1, s.T2, s.T3, s.V1, s.V2})
	return s
}

var t0 = time.Date(2026, 7, 14, 2, 0, 0, 0, time.UTC)

func redWarning(issuer app.ID) warning.Warning {
	return warning.Warning{
		ID: app.NewID(), Issuer: issuer, Level: warning.Red, Type: warning.Rainstorm,
		Area: "吉首市、泸溪县", ValidFrom: t0, ValidUntil: t0.Add(24 * time.Hour),
		Text: "预计未来24小时内吉首市、泸溪县将出现大暴雨，请做好防范。", IssuedBy: "张局长", IssuedAt: t0,
	}
}

func TestValidateNamesTheBadField(t *testing.T) {
	s := testTree()
	cases := []struct {
		field string
		edit  func(w *warning.Warning)
	}{
		{"level", func(w *warning.Warning) { w.Level = "purple" }},
		{"type", func(w *warning.Warning) { w.Type = "tsunami" }},
		{"text", func(w *warning.Warning) { w.Text = "  \n " }},
		{"text", func(w *warning.Warning) { w.Text = strings.Repeat("雨", warning.MaxText+1) }},
		{"area", func(w *warning.Warning) { w.Area = strings.Repeat("县", warning.MaxArea+1) }},
		{"valid_until", func(w *warning.Warning) { w.ValidUntil = w.ValidFrom }},
		{"valid_until", func(w *warning.Warning) { w.ValidUntil = w.ValidFrom.Add(-time.Hour) }},
		{"valid_until", func(w *warning.Warning) { w.ValidUntil = time.Time{} }},
		{"valid_until", func(w *warning.Warning) { w.ValidUntil = w.ValidFrom.Add(40 * 24 * time.Hour) }},
		{"valid_until", func(w *warning.Warning) { w.ValidFrom, w.ValidUntil = t0.Add(-48*time.Hour), t0.Add(-time.Hour) }},
		{"issued_by", func(w *warning.Warning) { w.IssuedBy = "" }},
		{"issuer", func(w *warning.Warning) { w.Issuer = app.NilID }},
	}
	for _, c := range cases {
		w := redWarning(s.P.ID)
		c.edit(&w)
		err := w.Validate()
		if app.ErrorCode(err) != app.EINVALID || app.ErrorField(err) != c.field {
			t.Errorf("want an error about %s, got %v (field %q)", c.field, err, app.ErrorField(err))
		}
	}
	w := redWarning(s.P.ID)
	w.Text = "  大暴雨  "
	if err := w.Validate(); err != nil || w.Text != "大暴雨" {
		t.Fatalf("a good warning: %v, text %q", err, w.Text)
	}
}

func TestOnlyAnUpperStationWithStationsBelowIssues(t *testing.T) {
	s := testTree()
	for _, st := range []app.Station{s.P, s.C1, s.T1} {
		if err := warning.CanIssue(s.tree, st.ID); err != nil {
			t.Errorf("%s cannot issue: %v", st.Name, err)
		}
	}
	if err := warning.CanIssue(s.tree, s.T2.ID); app.ErrorCode(err) != app.EFORBIDDEN || !strings.Contains(err.Error(), "峒河街道 has no stations below") {
		t.Errorf("a township without villages: %v", err)
	}
	if err := warning.CanIssue(s.tree, s.V1.ID); app.ErrorCode(err) != app.EFORBIDDEN || !strings.Contains(err.Error(), "village") {
		t.Errorf("a village: %v", err)
	}
	if err := warning.CanIssue(s.tree, app.NewID()); app.ErrorCode(err) != app.ENOTFOUND {
		t.Errorf("an unknown station: %v", err)
	}
}

func TestSoundForOrangeAndRedUntilAcknowledged(t *testing.T) {
	want := map[warning.Level]bool{warning.Blue: false, warning.Yellow: false, warning.Orange: true, warning.Red: true}
	for l, sound := range want {
		if warning.NeedsSound(l) != sound {
			t.Errorf("NeedsSound(%s) = %v", l, !sound)
		}
	}
	w := redWarning(app.NewID())
	if !w.Alarming(false, t0.Add(time.Hour)) {
		t.Error("an unacknowledged red warning is silent")
	}
	if w.Alarming(true, t0.Add(time.Hour)) {
		t.Error("an acknowledged red warning still alarms")
	}
	if w.Alarming(false, w.ValidUntil) {
		t.Error("an expired warning still alarms")
	}
	w.Level = warning.Yellow
	if w.Alarming(false, t0.Add(time.Hour)) {
		t.Error("a yellow warning alarms")
	}
}

func TestWhoMayAcknowledgeForWhom(t *testing.T) {
	s := testTree()
	w := redWarning(s.P.ID)
	countyW := redWarning(s.C1.ID)
	ack := func(w *warning.Warning, station, recorder app.Station) error {
		a := warning.Ack{Warning: w.ID, Station: station.ID, RecordedBy: recorder.ID, Person: "李四", At: t0}
		if err := a.Validate(); err != nil {
			return err
		}
		return warning.CheckAck(s.tree, w, &a)
	}
	for _, c := range []struct {
		what              string
		w                 *warning.Warning
		station, recorder app.Station
		code              string
	}{
		{"a township for itself", &w, s.T1, s.T1, ""},
		{"a village for itself", &w, s.V1, s.V1, ""},
		{"the township for its village", &w, s.V1, s.T1, ""},
		{"the county for a village below it", &w, s.V2, s.C1, ""},
		{"a township for another township's village", &w, s.V1, s.T2, app.EFORBIDDEN},
		{"the county for a township, which has a duty room", &w, s.T1, s.C1, app.EFORBIDDEN},
		{"the issuer for itself", &w, s.P, s.P, app.EFORBIDDEN},
		{"a county for the county's warning above it", &countyW, s.P, s.P, app.EFORBIDDEN},
		{"another county's township on the county's warning", &countyW, s.T3, s.T3, app.EFORBIDDEN},
	} {
		err := ack(c.w, c.station, c.recorder)
		if app.ErrorCode(err) != c.code {
			t.Errorf("%s: %v", c.what, err)
		}
	}
	a := warning.Ack{Warning: w.ID, Station: s.T1.ID, RecordedBy: s.T1.ID, Person: " ", At: t0}
	if err := a.Validate(); app.ErrorField(err) != "person" {
		t.Errorf("an ack without a name: %v", err)
	}

	// Acknowledgements the hub records itself (no recording station).
	byHub := func(station app.Station, via warning.Via) error {
		a := warning.Ack{Warning: w.ID, Station: station.ID, Person: "李四", At: t0, Via: via}
		if err := a.Validate(); err != nil {
			return err
		}
		return warning.CheckAck(s.tree, &w, &a)
	}
	for _, c := range []struct {
		what    string
		station app.Station
		via     warning.Via
		code    string
	}{
		{"an SMS reply for a township", s.T1, warning.ViaSMS, ""},
		{"an SMS reply for a village", s.V1, warning.ViaSMS, ""},
		{"the officer's page for a village", s.V1, warning.ViaPage, ""},
		{"the officer's page for a township", s.T1, warning.ViaPage, app.EFORBIDDEN},
		{"no way and no recording station", s.T1, "", app.EINVALID},
		{"an SMS reply for the issuer", s.P, warning.ViaSMS, app.EFORBIDDEN},
	} {
		if err := byHub(c.station, c.via); app.ErrorCode(err) != c.code {
			t.Errorf("%s: %v", c.what, err)
		}
	}
	a = warning.Ack{Warning: w.ID, Station: s.T1.ID, RecordedBy: s.T1.ID, Person: "李四", At: t0, Via: warning.ViaSMS}
	if err := a.Validate(); app.ErrorField(err) != "via" {
		t.Errorf("a station's own ack claiming to come by SMS: %v", err)
	}
}

func TestProgressPerStationAndSubtree(t *testing.T) {
	s := testTree()
	w := redWarning(s.P.ID)
	at := func(m int) time.Time { return t0.Add(time.Duration(m) * time.Minute) }
	acks := []warning.Ack{
		{Warning: w.ID, Station: s.C1.ID, RecordedBy: s.C1.ID, Person: "王五", At: at(2)},
		{Warning: w.ID, Station: s.T1.ID, RecordedBy: s.T1.ID, Person: "赵六", At: at(3)},
		{Warning: w.ID, Station: s.V1.ID, RecordedBy: s.T1.ID, Person: "村信息员甲", At: at(9)},
		{Warning: w.ID, Station: s.V1.ID, RecordedBy: s.V1.ID, Person: "村信息员甲", At: at(5)}, // the same village, earlier, from its own client
		{Warning: app.NewID(), Station: s.T2.ID, RecordedBy: s.T2.ID, Person: "别的预警", At: at(1)},
		{Warning: w.ID, Station: s.P.ID, RecordedBy: s.P.ID, Person: "发布方自己", At: at(1)},
	}
	r := warning.Progress(&w, s.tree, acks)
	if r.All != (warning.Count{Total: 7, Acked: 3}) || r.DutyRooms != (warning.Count{Total: 5, Acked: 2}) || r.Villages != (warning.Count{Total: 2, Acked: 1}) {
		t.Fatalf("counts: all %+v, duty rooms %+v, villages %+v", r.All, r.DutyRooms, r.Villages)
	}
	if r.Complete() || !r.Latest.Equal(at(5)) {
		t.Errorf("complete %v, latest %v", r.Complete(), r.Latest)
	}
	type row struct {
		name         string
		depth        int
		acked        bool
		total, doneN int
	}
	want := []row{
		{"吉首市", 1, true, 5, 3},
		{"乾州街道", 2, true, 3, 2},
		{"乾元村", 3, true, 1, 1},
		{"和平村", 3, false, 1, 0},
		{"峒河街道", 2, false, 1, 0},
		{"泸溪县", 1, false, 2, 0},
		{"白沙镇", 2, false, 1, 0},
	}
	if len(r.Stations) != len(want) {
		t.Fatalf("%d rows, want %d", len(r.Stations), len(want))
	}
	for i, w := range want {
		got := r.Stations[i]
		if got.Name != w.name || got.Depth != w.depth || got.Acked() != w.acked || got.SubtreeTotal != w.total || got.SubtreeAcked != w.doneN {
			t.Errorf("row %d = %s depth %d acked %v %d/%d, want %+v", i, got.Name, got.Depth, got.Acked(), got.SubtreeAcked, got.SubtreeTotal, w)
		}
	}
	if v1 := r.Stations[2].Ack; v1.RecordedBy != s.V1.ID || !v1.At.Equal(at(5)) {
		t.Errorf("of two acks by one village the earlier counts: %+v", v1)
	}
	var waiting []string
	for _, st := range r.Waiting() {
		waiting = append(waiting, st.Name)
	}
	if strings.Join(waiting, ",") != "和平村,峒河街道,泸溪县,白沙镇" {
		t.Errorf("waiting: %v", waiting)
	}

	// A county's own warning reaches only its part of the tree.
	cw := redWarning(s.C1.ID)
	if r := warning.Progress(&cw, s.tree, nil); r.All.Total != 4 || r.Stations[0].Name != "乾州街道" {
		t.Errorf("the county's warning: %+v", r.All)
	}
}
