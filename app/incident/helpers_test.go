package incident_test

import (
	"testing"
	"time"

	"dutyroom/app"
	"dutyroom/app/incident"
)

// The test tree has fixed ids so the fuzz seed files can name its stations:
//
//	湘西州 (prefecture)
//	├── 吉首市 (county)
//	│   └── 矮寨镇 (township)
//	│       └── 德夯村 (village)
//	└── 泸溪县 (county)
//	    └── 白沙镇 (township)
var (
	prefecture = station("01900000-0000-7000-8000-000000000001", "433100", "湘西州", app.TierPrefecture, app.NilID)
	jishou     = station("01900000-0000-7000-8000-000000000002", "433101", "吉首市", app.TierCounty, prefecture.ID)
	aizhai     = station("01900000-0000-7000-8000-000000000003", "433101002", "矮寨镇", app.TierTownship, jishou.ID)
	dehang     = station("01900000-0000-7000-8000-000000000004", "433101002001", "德夯村", app.TierVillage, aizhai.ID)
	luxi       = station("01900000-0000-7000-8000-000000000005", "433122", "泸溪县", app.TierCounty, prefecture.ID)
	baisha     = station("01900000-0000-7000-8000-000000000006", "433122001", "白沙镇", app.TierTownship, luxi.ID)
)

func station(id, code, name string, tier app.Tier, parent app.ID) app.Station {
	sid, err := app.ParseID(id)
	if err != nil {
		panic(err)
	}
	return app.Station{ID: sid, Code: code, Name: name, Tier: tier, Parent: parent, Zone: app.DefaultZone}
}

func testTree() *app.Tree {
	return app.NewTree([]app.Station{prefecture, jishou, aizhai, dehang, luxi, baisha})
}

var cst = time.FixedZone("CST", 8*3600)

// received is when the sample incident reached the duty room.
var received = time.Date(2026, 3, 1, 10, 0, 0, 0, cst)

// sample is a valid incident received by the township of 矮寨镇.
func sample() *incident.Incident {
	return &incident.Incident{
		ID:          app.NewID(),
		Station:     aizhai.ID,
		ReceivedAt:  received,
		OccurredAt:  received.Add(-20 * time.Minute),
		Channel:     incident.ChannelPhone,
		Reporter:    incident.Reporter{Name: "龙建国", Unit: "德夯村委会", Phone: "13812345678"},
		Place:       incident.Place{Station: dehang.ID, Text: "G209 国道德夯段 K1203"},
		Category:    incident.RoadTraffic,
		Title:       "货车侧翻",
		Counts:      incident.Counts{Injured: 1},
		Description: "一辆湘U12345货车侧翻，驾驶员轻伤。",
	}
}

func mustValid(t *testing.T, inc *incident.Incident) {
	t.Helper()
	if err := inc.Validate(received.Add(time.Minute), testTree(), incident.Limits{}); err != nil {
		t.Fatalf("sample incident invalid: %v", err)
	}
}

func assertField(t *testing.T, err error, field string) {
	t.Helper()
	if err == nil {
		t.Fatalf("want an error about %q, got nil", field)
	}
	if app.ErrorCode(err) != app.EINVALID || app.ErrorField(err) != field {
		t.Fatalf("want EINVALID about %q, got %s about %q: %v", field, app.ErrorCode(err), app.ErrorField(err), err)
	}
}

func assertCode(t *testing.T, err error, code string) {
	t.Helper()
	if app.ErrorCode(err) != code {
		t.Fatalf("want %s, got %q: %v", code, app.ErrorCode(err), err)
	}
}
