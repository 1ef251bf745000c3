package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"dutyroom/app"
	"dutyroom/hub"
	"dutyroom/hub/sms"
)

func TestSMSReachFlagsRefuseAnUnknownChainStepAndABadEveningTime(t *testing.T) {
	for _, bad := range [][]string{
		{"-sms-escalate-chain", "leader,mayor"},
		{"-sms-evening-at", "25:00"},
		{"-sms-escalate-after", "0s"},
	} {
		args := append([]string{"-data", t.TempDir(), "-sms", "gammu", "-sms-gammu-dir", t.TempDir()}, bad...)
		code, _, errOut := runCLI(t, "", args...)
		if code != 2 || !strings.Contains(errOut, bad[0]) {
			t.Fatalf("%v: exit %d, %q; want 2 naming the flag", bad, code, errOut)
		}
	}
}

func TestStationImportKeepsItsPeopleForTheSMSDirectory(t *testing.T) {
	dir := t.TempDir()
	pref := app.Station{ID: app.NewID(), Code: "433100", Name: "湘西州", Tier: app.TierPrefecture}
	county := app.Station{ID: app.NewID(), Code: "433101", Name: "吉首市", Tier: app.TierCounty, Parent: pref.ID}
	town := app.Station{ID: app.NewID(), Code: "433101001", Name: "乾州街道", Tier: app.TierTownship, Parent: county.ID}
	village := app.Station{ID: app.NewID(), Code: "433101001001", Name: "乾州村", Tier: app.TierVillage, Parent: town.ID}
	officer := app.Person{ID: app.NewID(), Station: village.ID, Name: "符信息员", Mobile: "13900000099", Roles: []app.Role{app.RoleInfoOfficer}}
	data, err := json.Marshal(map[string]any{"stations": []app.Station{pref, county, town, village}, "people": []app.Person{officer}})
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "stations.json")
	if err := os.WriteFile(file, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if code, out, errOut := runCLI(t, "", "-data", dir, "station", "import", file); code != 0 {
		t.Fatalf("station import: %d %s %s", code, out, errOut)
	}
	db, err := hub.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	people, err := sms.FiledPeople(db.Bolt())
	if err != nil || len(people) != 1 || people[0].Mobile != "13900000099" || people[0].Station != village.ID {
		t.Fatalf("the SMS directory holds %+v (%v), want the village officer of the file", people, err)
	}
}
