package store_test

import (
	"strings"
	"testing"
	"time"

	"dutyroom/app"
	"dutyroom/store"
	"dutyroom/store/storetest"
)

func TestCreateStationAssignsIDAndTimes(t *testing.T) {
	db := storetest.Open(t)
	at := time.Date(2026, 3, 1, 1, 0, 0, 0, time.UTC)
	clockAt(db, at)
	d := store.NewDirectory(db)
	s := app.Station{Code: " 433100 ", Name: " 湘西州 ", Tier: app.TierPrefecture}
	mustCreateStation(t, d, &s)
	if s.ID == app.NilID {
		t.Error("no id assigned")
	}
	if !s.CreatedAt.Equal(at) || !s.UpdatedAt.Equal(at) {
		t.Errorf("times %v %v, want %v", s.CreatedAt, s.UpdatedAt, at)
	}
	if s.Code != "433100" || s.Name != "湘西州" || s.Zone != app.DefaultZone {
		t.Errorf("not normalised: %+v", s)
	}
	got, err := d.FindStationByID(ctx, s.ID)
	if err != nil {
		t.Fatal(err)
	}
	if *got != s {
		t.Errorf("stored %+v, want %+v", *got, s)
	}
	byCode, err := d.FindStationByCode(ctx, "433100")
	if err != nil || byCode.ID != s.ID {
		t.Errorf("FindStationByCode = %v, %v", byCode, err)
	}
}

func TestFindStationMissing(t *testing.T) {
	d := store.NewDirectory(storetest.Open(t))
	_, err := d.FindStationByID(ctx, app.NewID())
	wantCode(t, err, app.ENOTFOUND)
	_, err = d.FindStationByCode(ctx, "999999")
	wantCode(t, err, app.ENOTFOUND)
}

func TestCreateStationRejectsBadInput(t *testing.T) {
	tr := newTree(t)
	cases := []struct {
		name  string
		s     app.Station
		code  string
		field string
		text  string
	}{
		{"empty name", app.Station{Code: "433102", Name: "  ", Tier: app.TierCounty, Parent: tr.prefecture.ID}, app.EINVALID, "name", "name is required"},
		{"bad code", app.Station{Code: "43-31", Name: "泸溪县", Tier: app.TierCounty, Parent: tr.prefecture.ID}, app.EINVALID, "code", "letters or digits"},
		{"bad phone", app.Station{Code: "433122", Name: "泸溪县", Tier: app.TierCounty, Parent: tr.prefecture.ID, Phone: "12"}, app.EINVALID, "phone", "not a phone number"},
		{"unknown tier", app.Station{Code: "433122", Name: "泸溪县", Tier: 9, Parent: tr.prefecture.ID}, app.EINVALID, "tier", "unknown tier"},
		{"village under prefecture", app.Station{Code: "433100999", Name: "某村", Tier: app.TierVillage, Parent: tr.prefecture.ID}, app.EINVALID, "parent", "a village cannot sit directly under a prefecture (湘西州)"},
		{"missing parent", app.Station{Code: "433122", Name: "泸溪县", Tier: app.TierCounty, Parent: app.NewID()}, app.EINVALID, "parent", "parent station not found"},
		{"no parent", app.Station{Code: "433122", Name: "泸溪县", Tier: app.TierCounty}, app.EINVALID, "parent", "needs a parent"},
		{"duplicate code", app.Station{Code: "433101", Name: "泸溪县", Tier: app.TierCounty, Parent: tr.prefecture.ID}, app.ECONFLICT, "code", "station code 433101 is already used by 吉首市"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := outboxLen(t, tr.db)
			s := c.s
			err := tr.dir.CreateStation(ctx, &s)
			wantCode(t, err, c.code)
			if f := app.ErrorField(err); f != c.field {
				t.Errorf("field = %q, want %q", f, c.field)
			}
			if !strings.Contains(err.Error(), c.text) {
				t.Errorf("message %q lacks %q", err, c.text)
			}
			if s.ID != app.NilID {
				t.Error("a refused station got an id")
			}
			if outboxLen(t, tr.db) != before {
				t.Error("a refused station left an operation")
			}
			list, _ := tr.dir.Stations(ctx)
			if len(list) != 4 {
				t.Errorf("%d stations stored, want the 4 of the tree", len(list))
			}
		})
	}
}

func TestStationsParentsBeforeChildren(t *testing.T) {
	tr := newTree(t)
	// Created out of order on purpose: a second county and township after
	// the village.
	c2 := app.Station{Code: "433100A", Name: "泸溪县", Tier: app.TierCounty, Parent: tr.prefecture.ID}
	mustCreateStation(t, tr.dir, &c2)
	t2 := app.Station{Code: "4331000", Name: "武溪镇", Tier: app.TierTownship, Parent: c2.ID}
	mustCreateStation(t, tr.dir, &t2)

	list, err := tr.dir.Stations(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range list {
		got = append(got, s.Code)
	}
	want := []string{"433100", "433100A", "433101", "4331000", "433101001", "433101001001"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("order %v, want %v", got, want)
	}
	seen := map[app.ID]bool{}
	for _, s := range list {
		if s.Parent != app.NilID && !seen[s.Parent] {
			t.Errorf("%s comes before its parent", s.Name)
		}
		seen[s.ID] = true
	}
}

func TestStationsReturnsCopies(t *testing.T) {
	tr := newTree(t)
	list, _ := tr.dir.Stations(ctx)
	list[0].Name = "changed"
	again, _ := tr.dir.Stations(ctx)
	if again[0].Name != "湘西州" {
		t.Error("changing a returned station changed the stored one")
	}
}

func TestUpdateStation(t *testing.T) {
	tr := newTree(t)
	created := tr.county.CreatedAt
	later := created.Add(time.Hour)
	clockAt(tr.db, later)

	s := tr.county
	s.Name = "吉首市应急管理局"
	s.Code = "433101X"
	s.Phone = "0743-8512345"
	if err := tr.dir.UpdateStation(ctx, &s); err != nil {
		t.Fatal(err)
	}
	if !s.CreatedAt.Equal(created) || !s.UpdatedAt.Equal(later) {
		t.Errorf("times %v %v", s.CreatedAt, s.UpdatedAt)
	}
	got, err := tr.dir.FindStationByCode(ctx, "433101X")
	if err != nil || got.Name != "吉首市应急管理局" || got.Phone != "0743-8512345" {
		t.Errorf("by new code: %+v %v", got, err)
	}
	_, err = tr.dir.FindStationByCode(ctx, "433101")
	wantCode(t, err, app.ENOTFOUND)

	// The old code is free again.
	c2 := app.Station{Code: "433101", Name: "泸溪县", Tier: app.TierCounty, Parent: tr.prefecture.ID}
	mustCreateStation(t, tr.dir, &c2)
	ops := allOps(t, tr.db)
	if last := ops[len(ops)-2]; last.Kind != app.OpStationUpdate || last.Entity != s.ID {
		t.Errorf("update operation %+v", last)
	}
}

func TestUpdateStationRefusals(t *testing.T) {
	tr := newTree(t)
	before := outboxLen(t, tr.db)

	s := tr.township
	s.Code = tr.county.Code
	wantCode(t, tr.dir.UpdateStation(ctx, &s), app.ECONFLICT)

	s = tr.township
	s.Parent = tr.prefecture.ID
	err := tr.dir.UpdateStation(ctx, &s)
	wantCode(t, err, app.EINVALID)
	if app.ErrorField(err) != "parent" {
		t.Errorf("field %q", app.ErrorField(err))
	}

	s = tr.township
	s.Tier = app.TierCounty
	wantCode(t, tr.dir.UpdateStation(ctx, &s), app.EINVALID)

	s = tr.township
	s.Name = ""
	wantCode(t, tr.dir.UpdateStation(ctx, &s), app.EINVALID)

	s = app.Station{ID: app.NewID(), Code: "1234", Name: "x"}
	wantCode(t, tr.dir.UpdateStation(ctx, &s), app.ENOTFOUND)

	got, _ := tr.dir.FindStationByID(ctx, tr.township.ID)
	if *got != tr.township {
		t.Errorf("refused updates changed the station: %+v", got)
	}
	if outboxLen(t, tr.db) != before {
		t.Error("refused updates left operations")
	}
}

// Tier and parent may be left zero: they keep their stored values.
func TestUpdateStationZeroTierAndParentKeepStored(t *testing.T) {
	tr := newTree(t)
	s := app.Station{ID: tr.township.ID, Code: tr.township.Code, Name: "乾州街道办事处"}
	if err := tr.dir.UpdateStation(ctx, &s); err != nil {
		t.Fatal(err)
	}
	if s.Tier != app.TierTownship || s.Parent != tr.county.ID {
		t.Errorf("tier %v parent %v", s.Tier, s.Parent)
	}
}

func TestDeleteStation(t *testing.T) {
	tr := newTree(t)
	before := outboxLen(t, tr.db)

	err := tr.dir.DeleteStation(ctx, tr.township.ID)
	wantCode(t, err, app.ECONFLICT)
	if !strings.Contains(err.Error(), "1 stations under it") {
		t.Errorf("message %q", err)
	}
	p := app.Person{Station: tr.village.ID, Name: "田大明", Mobile: "13900000001", Roles: []app.Role{app.RoleInfoOfficer}}
	mustCreatePerson(t, tr.dir, &p)
	err = tr.dir.DeleteStation(ctx, tr.village.ID)
	wantCode(t, err, app.ECONFLICT)
	if !strings.Contains(err.Error(), "1 people") {
		t.Errorf("message %q", err)
	}
	if outboxLen(t, tr.db) != before+1 {
		t.Error("refused deletes left operations")
	}

	if err := tr.dir.DeletePerson(ctx, p.ID); err != nil {
		t.Fatal(err)
	}
	if err := tr.dir.DeleteStation(ctx, tr.village.ID); err != nil {
		t.Fatal(err)
	}
	_, err = tr.dir.FindStationByID(ctx, tr.village.ID)
	wantCode(t, err, app.ENOTFOUND)
	// Its code is free and its parent has no children left.
	_, err = tr.dir.FindStationByCode(ctx, tr.village.Code)
	wantCode(t, err, app.ENOTFOUND)
	if err := tr.dir.DeleteStation(ctx, tr.township.ID); err != nil {
		t.Errorf("township with no children left: %v", err)
	}
	wantCode(t, tr.dir.DeleteStation(ctx, tr.village.ID), app.ENOTFOUND)

	ops := allOps(t, tr.db)
	last := ops[len(ops)-1]
	if last.Kind != app.OpStationDelete || last.Entity != tr.township.ID || string(last.Payload) != `"`+tr.township.ID.String()+`"` {
		t.Errorf("delete operation %+v payload %s", last, last.Payload)
	}
}

func TestDeleteOwnStationRefused(t *testing.T) {
	tr := newTree(t)
	if err := store.NewIdentity(tr.db).SetIdentity(ctx, tr.village.ID); err != nil {
		t.Fatal(err)
	}
	err := tr.dir.DeleteStation(ctx, tr.village.ID)
	wantCode(t, err, app.ECONFLICT)
	if !strings.Contains(err.Error(), "own station") {
		t.Errorf("message %q", err)
	}
}

func TestImportStationsAllOrNothing(t *testing.T) {
	tr := newTree(t)
	county := app.Station{ID: app.NewID(), Code: "433122", Name: "泸溪县", Tier: app.TierCounty, Parent: tr.prefecture.ID}
	town := app.Station{ID: app.NewID(), Code: "433122100", Name: "武溪镇", Tier: app.TierTownship, Parent: county.ID}
	village := app.Station{Code: "433122100001", Name: "浦市村", Tier: app.TierVillage, Parent: town.ID}
	before := outboxLen(t, tr.db)

	bad := []app.Station{village, town, county, {Code: "433101", Name: "重复", Tier: app.TierTownship, Parent: county.ID}}
	err := tr.dir.ImportStations(ctx, bad)
	wantCode(t, err, app.ECONFLICT)
	if !strings.Contains(err.Error(), "station code 433101 is already used by 吉首市") {
		t.Errorf("message %q does not name the duplicate code", err)
	}
	twice := []app.Station{county, {Code: county.Code, Name: "重复", Tier: app.TierCounty, Parent: tr.prefecture.ID}}
	err = tr.dir.ImportStations(ctx, twice)
	wantCode(t, err, app.EINVALID)
	if !strings.Contains(err.Error(), "433122 is used by both") {
		t.Errorf("message %q does not name the code given twice", err)
	}
	list, _ := tr.dir.Stations(ctx)
	if len(list) != 4 || outboxLen(t, tr.db) != before {
		t.Fatalf("a refused import left %d stations and %d operations", len(list), outboxLen(t, tr.db)-before)
	}
	if bad[0].ID != app.NilID {
		t.Error("a refused import changed its input")
	}

	// A village straight under the prefecture spoils the batch too.
	wrong := []app.Station{county, {Code: "433100777", Name: "某村", Tier: app.TierVillage, Parent: tr.prefecture.ID}}
	wantCode(t, tr.dir.ImportStations(ctx, wrong), app.EINVALID)

	// Children before parents in the input is fine.
	good := []app.Station{village, town, county}
	if err := tr.dir.ImportStations(ctx, good); err != nil {
		t.Fatal(err)
	}
	if good[0].ID == app.NilID || good[0].CreatedAt.IsZero() {
		t.Errorf("imported entry not filled in: %+v", good[0])
	}
	list, _ = tr.dir.Stations(ctx)
	if len(list) != 7 {
		t.Errorf("%d stations after import, want 7", len(list))
	}
	ops := allOps(t, tr.db)[before:]
	if len(ops) != 3 {
		t.Fatalf("%d operations for 3 imported stations", len(ops))
	}
	for i, want := range []app.ID{county.ID, town.ID, good[0].ID} {
		if ops[i].Kind != app.OpStationCreate || ops[i].Entity != want {
			t.Errorf("operation %d = %s %s, want parents first", i, ops[i].Kind, ops[i].Entity)
		}
	}

	// The same ids again are a conflict, not a second copy.
	wantCode(t, tr.dir.ImportStations(ctx, []app.Station{county}), app.ECONFLICT)
}
