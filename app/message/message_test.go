package message_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"dutyroom/app"
	"dutyroom/app/message"
)

// The test prefecture:
//
//	P 湘西州
//	├── C1 吉首市
//	│   ├── T1 乾州街道
//	│   │   └── V1 乾州村
//	│   └── T2 峒河街道
//	└── C2 泸溪县
//	    └── T3 白沙镇
type stations struct {
	P, C1, C2, T1, T2, T3, V1 app.Station
	tree                      *app.Tree
}

func newStations() stations {
	var s stations
	s.P = app.Station{ID: app.NewID(), Code: "433100", Name: "湘西州", Tier: app.TierPrefecture}
	s.C1 = app.Station{ID: app.NewID(), Code: "433101", Name: "吉首市", Tier: app.TierCounty, Parent: s.P.ID}
	s.C2 = app.Station{ID: app.NewID(), Code: "433122", Name: "泸溪县", Tier: app.TierCounty, Parent: s.P.ID}
	s.T1 = app.Station{ID: app.NewID(), Code: "433101001", Name: "乾州街道", Tier: app.TierTownship, Parent: s.C1.ID}
	s.T2 = app.Station{ID: app.NewID(), Code: "433101002", Name: "峒河街道", Tier: app.TierTownship, Parent: s.C1.ID}
	s.T3 = app.Station{ID: app.NewID(), Code: "433122100", Name: "白沙镇", Tier: app.TierTownship, Parent: s.C2.ID}
	s.V1 = app.Station{ID: app.NewID(), Code: "433101001201", Name: "乾州村", Tier: app.TierVillage, Parent: s.T1.ID}
	s.tree = app.NewTree([]app.Station{s.P, s.C1, s.C2, s.T1, s.T2, s.T3, s.V1})
	return s
}

var sent = time.Date(2026, 6, 20, 2, 0, 0, 0, time.UTC)

func (s stations) msg(kind message.Kind, from app.Station, to ...app.Station) message.Message {
	m := message.Message{ID: app.NewID(), From: from.ID, Kind: kind, Subject: "汛情", Text: "  白沙镇汛情初报：沅水水位上涨。 ", SentAt: sent}
	for _, t := range to {
		m.To = append(m.To, t.ID)
	}
	return m
}

func TestAddressHelpers(t *testing.T) {
	s := newStations()
	a, err := message.ToStation(s.tree, s.T1.ID, s.P.ID)
	if err != nil || !slices.Equal(a.To, []app.ID{s.P.ID}) || a.CC != nil {
		t.Fatalf("township to prefecture: %+v, %v", a, err)
	}
	if a, err = message.ToStation(s.tree, s.P.ID, s.V1.ID); err != nil || a.To[0] != s.V1.ID {
		t.Fatalf("prefecture to a village: %+v, %v", a, err)
	}
	a, err = message.ToSubordinates(s.tree, s.C1.ID)
	if err != nil || !slices.Equal(a.To, []app.ID{s.T1.ID, s.T2.ID}) {
		t.Fatalf("county to its townships: %+v, %v", a, err)
	}
	if a, err = message.ToSubordinates(s.tree, s.P.ID); err != nil || !slices.Equal(a.To, []app.ID{s.C1.ID, s.C2.ID}) {
		t.Fatalf("prefecture to its counties (not the townships): %+v, %v", a, err)
	}
	if _, err := message.ToSubordinates(s.tree, s.V1.ID); err == nil || !strings.Contains(err.Error(), "乾州村 has no stations below it") {
		t.Fatalf("a village has no one below: %v", err)
	}
}

// 越级直报: a township reporting to the prefecture copies its county; a
// village reporting to the prefecture copies its township and its county,
// nearest first; reporting to the parent copies no one.
func TestDirectReportCopiesEverySkippedLevel(t *testing.T) {
	s := newStations()
	a, err := message.DirectReport(s.tree, s.T1.ID, s.P.ID)
	if err != nil || !slices.Equal(a.To, []app.ID{s.P.ID}) || !slices.Equal(a.CC, []app.ID{s.C1.ID}) {
		t.Fatalf("township → prefecture: %+v, %v", a, err)
	}
	a, err = message.DirectReport(s.tree, s.V1.ID, s.P.ID)
	if err != nil || !slices.Equal(a.CC, []app.ID{s.T1.ID, s.C1.ID}) {
		t.Fatalf("village → prefecture: %+v, %v", a, err)
	}
	a, err = message.DirectReport(s.tree, s.T1.ID, s.C1.ID)
	if err != nil || len(a.CC) != 0 {
		t.Fatalf("township → its county: %+v, %v", a, err)
	}
	for _, c := range []struct {
		from, to app.Station
		want     string
	}{
		{s.P, s.C1, "吉首市 is not above 湘西州"},
		{s.T1, s.T2, "峒河街道 is not above 乾州街道"},
		{s.T1, s.C2, "泸溪县 is not above 乾州街道"},
	} {
		if _, err := message.DirectReport(s.tree, c.from.ID, c.to.ID); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s → %s: %v, want %q", c.from.Name, c.to.Name, err, c.want)
		}
	}

	// Validate adds a forgotten copy, so the county always hears of it.
	m := s.msg(message.KindDirectReport, s.T1, s.P)
	if err := m.Validate(s.tree, message.Limits{}); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(m.CC, []app.ID{s.C1.ID}) || m.Text != "白沙镇汛情初报：沅水水位上涨。" {
		t.Fatalf("after Validate: cc %v, text %q", m.CC, m.Text)
	}
}

func TestMayAddressFollowsTheTree(t *testing.T) {
	s := newStations()
	for _, c := range []struct {
		from, to app.Station
		want     string // "" for allowed
	}{
		{s.T1, s.C1, ""},
		{s.T1, s.P, ""},
		{s.P, s.T3, ""},
		{s.C1, s.V1, ""},
		{s.T1, s.T2, "乾州街道 and 峒河街道 are both under 吉首市: write to 吉首市"},
		{s.C1, s.C2, "both under 湘西州"},
		{s.T1, s.T3, "白沙镇 is neither above nor below 乾州街道"},
		{s.T1, s.C2, "泸溪县 is neither above nor below 乾州街道"},
		{s.T1, s.T1, "cannot write to itself"},
	} {
		err := message.MayAddress(s.tree, c.from.ID, c.to.ID)
		if c.want == "" && err != nil || c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)) {
			t.Errorf("%s → %s: %v, want %q", c.from.Name, c.to.Name, err, c.want)
		}
	}
}

func TestValidateRefusesBadMessages(t *testing.T) {
	s := newStations()
	tomorrow := sent.Add(24 * time.Hour)
	yesterday := sent.Add(-time.Hour)
	unknown := app.NewID()
	cases := []struct {
		name  string
		edit  func(m *message.Message)
		field string
		want  string
	}{
		{"empty text", func(m *message.Message) { m.Text = " \n\t " }, "text", "no text"},
		{"no recipient", func(m *message.Message) { m.To = nil }, "to", "no recipient"},
		{"unknown recipient", func(m *message.Message) { m.To = []app.ID{unknown} }, "to", unknown.String() + " is not in the station tree"},
		{"sibling", func(m *message.Message) { m.To = []app.ID{s.T2.ID} }, "to", "write to 吉首市"},
		{"other branch in cc", func(m *message.Message) { m.CC = []app.ID{s.T3.ID} }, "cc", "白沙镇 is neither above nor below"},
		{"twice", func(m *message.Message) { m.To = []app.ID{s.C1.ID, s.C1.ID} }, "to", "吉首市 is addressed twice"},
		{"to and cc", func(m *message.Message) { m.CC = []app.ID{s.C1.ID} }, "cc", "addressed twice"},
		{"itself", func(m *message.Message) { m.To = []app.ID{s.T1.ID} }, "to", "cannot write to itself"},
		{"unknown sender", func(m *message.Message) { m.From = unknown }, "from", "is not in the station tree"},
		{"kind", func(m *message.Message) { m.Kind = "memo" }, "kind", `unknown message kind "memo"`},
		{"no time", func(m *message.Message) { m.SentAt = time.Time{} }, "sent_at", "no sending time"},
		{"long text", func(m *message.Message) { m.Text = strings.Repeat("汛", message.MaxTextRunes+1) }, "text", "the limit is 20000"},
		{"two-line subject", func(m *message.Message) { m.Subject = "汛情\n续报" }, "subject", "one line"},
		{"deadline on a message", func(m *message.Message) { m.AckBy = &tomorrow }, "ack_by", "only a notice"},
		{"big file", func(m *message.Message) {
			m.Attachments = []message.Attachment{{Name: "录像.mp4", Size: 21 << 20, SHA256: strings.Repeat("a", 64)}}
		}, "attachments", "录像.mp4 is 21.0 MB; the limit is 20.0 MB"},
		{"path in name", func(m *message.Message) {
			m.Attachments = []message.Attachment{{Name: "../x.pdf", Size: 1, SHA256: strings.Repeat("a", 64)}}
		}, "attachments", "not a plain file name"},
		{"no digest", func(m *message.Message) { m.Attachments = []message.Attachment{{Name: "x.pdf", Size: 1}} }, "attachments", "64 hex digits"},
	}
	for _, c := range cases {
		m := s.msg(message.KindMessage, s.T1, s.C1)
		c.edit(&m)
		err := m.Validate(s.tree, message.Limits{})
		if err == nil || app.ErrorCode(err) != app.EINVALID || app.ErrorField(err) != c.field || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want field %s and %q", c.name, err, c.field, c.want)
		}
	}

	notice := func(edit func(m *message.Message)) error {
		m := s.msg(message.KindNotice, s.P, s.C1, s.C2)
		edit(&m)
		return m.Validate(s.tree, message.Limits{})
	}
	if err := notice(func(m *message.Message) { m.AckBy = &tomorrow }); err != nil {
		t.Fatalf("a notice with a deadline: %v", err)
	}
	if err := notice(func(m *message.Message) { m.AckBy = &yesterday }); app.ErrorField(err) != "ack_by" || !strings.Contains(err.Error(), "not after the sending time") {
		t.Errorf("a deadline before sending: %v", err)
	}
	if err := notice(func(m *message.Message) { m.Subject = "" }); app.ErrorField(err) != "subject" {
		t.Errorf("a notice without subject: %v", err)
	}
	up := s.msg(message.KindNotice, s.T1, s.C1)
	if err := up.Validate(s.tree, message.Limits{}); err == nil || !strings.Contains(err.Error(), "a notice goes to stations below 乾州街道") {
		t.Errorf("a notice upward: %v", err)
	}
	two := s.msg(message.KindDirectReport, s.T1, s.P, s.C1)
	if err := two.Validate(s.tree, message.Limits{}); err == nil || !strings.Contains(err.Error(), "one station above") {
		t.Errorf("a direct report to two: %v", err)
	}
	down := s.msg(message.KindDirectReport, s.C1, s.T1)
	if err := down.Validate(s.tree, message.Limits{}); err == nil || !strings.Contains(err.Error(), "not above 吉首市") {
		t.Errorf("a direct report downward: %v", err)
	}

	// The limit is configurable.
	m := s.msg(message.KindMessage, s.T1, s.C1)
	m.Attachments = []message.Attachment{{Name: "照片.jpg", Size: 3 << 20, SHA256: strings.Repeat("b", 64)}}
	if err := m.Validate(s.tree, message.Limits{MaxAttachment: 2 << 20}); err == nil || !strings.Contains(err.Error(), "the limit is 2.0 MB") {
		t.Errorf("a 2 MB limit: %v", err)
	}
	if err := m.Validate(s.tree, message.Limits{}); err != nil {
		t.Errorf("3 MB under the default limit: %v", err)
	}
}

func TestConversationIsTheSetOfParticipants(t *testing.T) {
	s := newStations()
	up := s.msg(message.KindDirectReport, s.T1, s.P)
	up.CC = []app.ID{s.C1.ID}
	reply := s.msg(message.KindMessage, s.P, s.T1, s.C1)
	other := s.msg(message.KindMessage, s.P, s.T1)
	if up.Conversation() != reply.Conversation() {
		t.Error("a reply to all is not in the thread of the report")
	}
	if up.Conversation() == other.Conversation() {
		t.Error("a message to the township alone shares the thread of the three")
	}
	a, err := message.Reply(s.tree, s.P.ID, &up)
	if err != nil || !slices.Equal(a.To, []app.ID{s.T1.ID}) || !slices.Equal(a.CC, []app.ID{s.C1.ID}) {
		t.Fatalf("the prefecture's reply: %+v, %v", a, err)
	}
	notice := s.msg(message.KindNotice, s.C1, s.T1, s.T2)
	a, err = message.Reply(s.tree, s.T1.ID, &notice)
	if err != nil || !slices.Equal(a.To, []app.ID{s.C1.ID}) || len(a.CC) != 0 {
		t.Fatalf("a township answers a notice to its county, not its sibling: %+v, %v", a, err)
	}
}

func TestReceiptMergeKeepsFirstTimes(t *testing.T) {
	t0 := sent
	r := message.Receipt{Delivered: t0}
	if !r.Merge(message.Receipt{Read: t0.Add(time.Minute), By: "李"}) || r.Read != t0.Add(time.Minute) || r.By != "李" {
		t.Fatalf("read: %+v", r)
	}
	if r.Merge(message.Receipt{Read: t0.Add(time.Hour), Delivered: t0.Add(time.Hour)}) {
		t.Fatalf("a later copy of the same states changed the receipt: %+v", r)
	}
	if !r.Merge(message.Receipt{Acked: t0.Add(2 * time.Minute), By: "王"}) || r.By != "王" {
		t.Fatalf("the one who acknowledges answers for it: %+v", r)
	}
	var fresh message.Receipt
	fresh.Merge(message.Receipt{Acked: t0})
	if fresh.Delivered != t0 || fresh.Read != t0 {
		t.Fatalf("an acknowledgement implies delivery and reading: %+v", fresh)
	}
}

func TestAckStatusSortsAddressees(t *testing.T) {
	s := newStations()
	deadline := sent.Add(time.Hour)
	m := s.msg(message.KindNotice, s.P, s.C1, s.C2)
	m.AckBy = &deadline
	m.CC = []app.ID{s.T1.ID}
	st := message.NewAckStatus(&m, []message.Receipt{
		{Message: m.ID, Station: s.C2.ID, Delivered: sent, Read: sent, Acked: sent.Add(2 * time.Hour), By: "泸溪值班员"},
		{Message: m.ID, Station: s.T1.ID, Acked: sent},
	})
	if len(st.Acked) != 1 || st.Acked[0].Station != s.C2.ID || len(st.Pending) != 1 || st.Pending[0].Station != s.C1.ID {
		t.Fatalf("status: %+v", st)
	}
	if !st.Acked[0].Late(m.AckBy, sent) {
		t.Error("an acknowledgement after the deadline is not late")
	}
	if len(st.Overdue(sent.Add(30*time.Minute))) != 0 || len(st.Overdue(sent.Add(61*time.Minute))) != 1 {
		t.Error("overdue before and after the deadline")
	}
}

func TestParts(t *testing.T) {
	for _, c := range []struct {
		size  int64
		parts int
		last  int
	}{{0, 0, 0}, {1, 1, 1}, {message.ChunkSize, 1, message.ChunkSize}, {message.ChunkSize + 1, 2, 1}, {20 << 20, 160, message.ChunkSize}} {
		n := message.Parts(c.size, message.ChunkSize)
		if n != c.parts || (n > 0 && message.PartLen(c.size, message.ChunkSize, n-1) != c.last) {
			t.Errorf("size %d: %d parts, last %d", c.size, n, message.PartLen(c.size, message.ChunkSize, n-1))
		}
	}
}
