package sms

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"dutyroom/app"
	"dutyroom/app/warning"
)

func personOp(t *testing.T, p app.Person) app.Operation {
	t.Helper()
	data, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	return app.Operation{ID: app.NewID(), Kind: app.OpPersonCreate, Entity: p.ID, Payload: data}
}

func TestOrangeAndRedWarningsQueueOneCodedSMSPerPersonWhoAnswers(t *testing.T) {
	pref := app.Station{ID: app.NewID(), Code: "433100", Name: "湘西州", Tier: app.TierPrefecture}
	county := app.Station{ID: app.NewID(), Code: "433101", Name: "吉首市", Tier: app.TierCounty, Parent: pref.ID}
	town := app.Station{ID: app.NewID(), Code: "433101001", Name: "乾州街道", Tier: app.TierTownship, Parent: county.ID}
	village := app.Station{ID: app.NewID(), Code: "433101001001", Name: "乾州村", Tier: app.TierVillage, Parent: town.ID}
	tree := app.NewTree([]app.Station{pref, county, town, village})
	q, _ := newTestQueue(t, &recorder{}, Config{})
	n := NewNotifier(q, func() *app.Tree { return tree }, nil)
	people := []app.Person{
		{ID: app.NewID(), Station: county.ID, Name: "县领导", Mobile: "13800000001", Roles: []app.Role{app.RoleLeader}},
		{ID: app.NewID(), Station: county.ID, Name: "县值班员", Mobile: "13800000002", Roles: []app.Role{app.RoleOfficer}},
		{ID: app.NewID(), Station: county.ID, Name: "县处置人员", Mobile: "13800000003", Roles: []app.Role{app.RoleStandby}},
		{ID: app.NewID(), Station: town.ID, Name: "镇值班员", Mobile: "0743-8221234", Roles: []app.Role{app.RoleOfficer}},
		{ID: app.NewID(), Station: village.ID, Name: "信息员", Mobile: "13800000005", Roles: []app.Role{app.RoleInfoOfficer}},
		{ID: app.NewID(), Station: pref.ID, Name: "州领导", Mobile: "13800000006", Roles: []app.Role{app.RoleLeader}},
	}
	for _, p := range people {
		n.Observe(personOp(t, p))
	}
	now := time.Now()
	for _, level := range []warning.Level{warning.Yellow, warning.Red} {
		w := warning.Warning{ID: app.NewID(), Issuer: pref.ID, Level: level, Type: warning.Rainstorm,
			Area:      "吉首市、泸溪县、凤凰县、花垣县、保靖县、古丈县、永顺县、龙山县全境及周边山区",
			ValidFrom: now, ValidUntil: now.Add(12 * time.Hour), Text: "t", IssuedBy: "甲", IssuedAt: now}
		data, _ := json.Marshal(w)
		n.Observe(app.Operation{ID: app.NewID(), Kind: warning.OpIssue, Entity: w.ID, Payload: data})
		n.mu.Lock()
		pending := n.pending
		n.pending = nil
		n.mu.Unlock()
		for i := range pending {
			n.Warn(&pending[i])
			n.Warn(&pending[i]) // again: no second message
		}
	}
	ms, _ := q.Messages()
	got := map[string]string{}
	for _, m := range ms {
		got[m.Name] = string(m.State)
		if m.State == Queued && (m.Parts != 1 || m.Code == "" || !strings.Contains(m.Text, "回复"+m.Code+"签收") || !strings.Contains(m.Text, "暴雨红色预警")) {
			t.Fatalf("message %q takes %d parts", m.Text, m.Parts)
		}
	}
	want := map[string]string{"县领导": "queued", "县值班员": "queued", "镇值班员": "failed", "信息员": "queued"}
	if len(got) != len(want) {
		t.Fatalf("messages %v, want %v (one red warning; yellow sends none)", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Fatalf("messages %v, want %v", got, want)
		}
	}
}
