package store_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"dutyroom/app"
	"dutyroom/store"
	"dutyroom/store/storetest"
)

func TestPersonCRUD(t *testing.T) {
	tr := newTree(t)
	at := time.Date(2026, 1, 4, 0, 30, 0, 0, time.UTC)
	clockAt(tr.db, at)
	p := app.Person{Station: tr.county.ID, Name: " 彭局长 ", Title: "副局长", Mobile: "139 0000 0001", Roles: []app.Role{app.RoleLeader}}
	mustCreatePerson(t, tr.dir, &p)
	if p.ID == app.NilID || p.Name != "彭局长" || p.Mobile != "13900000001" || !p.CreatedAt.Equal(at) {
		t.Errorf("created %+v", p)
	}
	got, err := tr.dir.FindPersonByID(ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(*got) != fmt.Sprint(p) {
		t.Errorf("stored %+v, want %+v", *got, p)
	}

	later := at.Add(time.Hour)
	clockAt(tr.db, later)
	p.Station = tr.township.ID
	p.Office = "0743-8221234"
	p.Roles = []app.Role{app.RoleLeader, app.RoleCadre}
	if err := tr.dir.UpdatePerson(ctx, &p); err != nil {
		t.Fatal(err)
	}
	if !p.CreatedAt.Equal(at) || !p.UpdatedAt.Equal(later) {
		t.Errorf("times %v %v", p.CreatedAt, p.UpdatedAt)
	}
	// The station index follows the move.
	inCounty, _ := tr.dir.Persons(ctx, app.PersonFilter{Station: &tr.county.ID})
	inTown, _ := tr.dir.Persons(ctx, app.PersonFilter{Station: &tr.township.ID})
	if len(inCounty) != 0 || len(inTown) != 1 || !inTown[0].Has(app.RoleCadre) {
		t.Errorf("after move: county %v, township %v", inCounty, inTown)
	}

	if err := tr.dir.DeletePerson(ctx, p.ID); err != nil {
		t.Fatal(err)
	}
	_, err = tr.dir.FindPersonByID(ctx, p.ID)
	wantCode(t, err, app.ENOTFOUND)
	wantCode(t, tr.dir.DeletePerson(ctx, p.ID), app.ENOTFOUND)
	inTown, _ = tr.dir.Persons(ctx, app.PersonFilter{Station: &tr.township.ID})
	if len(inTown) != 0 {
		t.Errorf("deleted person still indexed: %v", inTown)
	}

	var kinds []string
	for _, op := range allOps(t, tr.db)[4:] {
		kinds = append(kinds, op.Kind)
	}
	if want := "person.create,person.update,person.delete"; strings.Join(kinds, ",") != want {
		t.Errorf("operations %v, want %s", kinds, want)
	}
}

func TestCreatePersonRejectsBadInput(t *testing.T) {
	tr := newTree(t)
	cases := []struct {
		name  string
		p     app.Person
		code  string
		field string
	}{
		{"empty name", app.Person{Station: tr.county.ID, Name: " ", Mobile: "13900000001"}, app.EINVALID, "name"},
		{"malformed mobile", app.Person{Station: tr.county.ID, Name: "张三", Mobile: "1390000"}, app.EINVALID, "mobile"},
		{"malformed office", app.Person{Station: tr.county.ID, Name: "张三", Office: "8221"}, app.EINVALID, "office"},
		{"no phone", app.Person{Station: tr.county.ID, Name: "张三"}, app.EINVALID, "mobile"},
		{"unknown role", app.Person{Station: tr.county.ID, Name: "张三", Mobile: "13900000001", Roles: []app.Role{"boss"}}, app.EINVALID, "roles"},
		{"no station", app.Person{Name: "张三", Mobile: "13900000001"}, app.EINVALID, "station"},
		{"missing station", app.Person{Station: app.NewID(), Name: "张三", Mobile: "13900000001"}, app.ENOTFOUND, "station"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := outboxLen(t, tr.db)
			p := c.p
			err := tr.dir.CreatePerson(ctx, &p)
			wantCode(t, err, c.code)
			if f := app.ErrorField(err); f != c.field {
				t.Errorf("field %q, want %q", f, c.field)
			}
			if p.ID != app.NilID {
				t.Error("a refused person got an id")
			}
			all, _ := tr.dir.Persons(ctx, app.PersonFilter{})
			if len(all) != 0 || outboxLen(t, tr.db) != before {
				t.Errorf("a refused person left %d people, %d operations", len(all), outboxLen(t, tr.db)-before)
			}
		})
	}
}

func TestUpdatePersonRefusals(t *testing.T) {
	tr := newTree(t)
	p := app.Person{Station: tr.county.ID, Name: "张三", Mobile: "13900000001"}
	mustCreatePerson(t, tr.dir, &p)
	before := outboxLen(t, tr.db)

	q := p
	q.Mobile = "12345"
	wantCode(t, tr.dir.UpdatePerson(ctx, &q), app.EINVALID)
	q = p
	q.Station = app.NewID()
	wantCode(t, tr.dir.UpdatePerson(ctx, &q), app.ENOTFOUND)
	q = p
	q.ID = app.NewID()
	wantCode(t, tr.dir.UpdatePerson(ctx, &q), app.ENOTFOUND)

	got, _ := tr.dir.FindPersonByID(ctx, p.ID)
	if got.Mobile != p.Mobile || got.Station != p.Station || outboxLen(t, tr.db) != before {
		t.Errorf("refused updates changed something: %+v", got)
	}
}

func TestPersonsFilterAndOrder(t *testing.T) {
	tr := newTree(t)
	people := []app.Person{
		{Station: tr.village.ID, Name: "田信息", Mobile: "13900000005", Roles: []app.Role{app.RoleInfoOfficer}},
		{Station: tr.county.ID, Name: "王值班", Mobile: "13900000003", Roles: []app.Role{app.RoleOfficer}},
		{Station: tr.county.ID, Name: "李局长", Mobile: "13900000002", Roles: []app.Role{app.RoleLeader}},
		{Station: tr.prefecture.ID, Name: "向局长", Mobile: "13900000001", Roles: []app.Role{app.RoleLeader, app.RoleCadre}},
		{Station: tr.township.ID, Name: "彭值班", Mobile: "13900000004", Roles: []app.Role{app.RoleOfficer}},
	}
	for i := range people {
		mustCreatePerson(t, tr.dir, &people[i])
	}
	names := func(list []app.Person) string {
		var s []string
		for _, p := range list {
			s = append(s, p.Name)
		}
		return strings.Join(s, ",")
	}

	all, err := tr.dir.Persons(ctx, app.PersonFilter{})
	if err != nil {
		t.Fatal(err)
	}
	// Station order as in Stations, then name by code point.
	if got, want := names(all), "向局长,李局长,王值班,彭值班,田信息"; got != want {
		t.Errorf("all: %s, want %s", got, want)
	}
	county, _ := tr.dir.Persons(ctx, app.PersonFilter{Station: &tr.county.ID})
	if got, want := names(county), "李局长,王值班"; got != want {
		t.Errorf("county: %s, want %s", got, want)
	}
	leader := app.RoleLeader
	leaders, _ := tr.dir.Persons(ctx, app.PersonFilter{Role: &leader})
	if got, want := names(leaders), "向局长,李局长"; got != want {
		t.Errorf("leaders: %s, want %s", got, want)
	}
	officer := app.RoleOfficer
	both, _ := tr.dir.Persons(ctx, app.PersonFilter{Station: &tr.county.ID, Role: &officer})
	if got, want := names(both), "王值班"; got != want {
		t.Errorf("county officers: %s, want %s", got, want)
	}

	// Returned values are copies.
	all[0].Roles[0] = app.RoleStandby
	again, _ := tr.dir.FindPersonByID(ctx, all[0].ID)
	if again.Roles[0] != app.RoleLeader {
		t.Error("changing a returned person changed the stored one")
	}
}

func TestImportPersonsAllOrNothing(t *testing.T) {
	tr := newTree(t)
	before := outboxLen(t, tr.db)
	batch := []app.Person{
		{Station: tr.county.ID, Name: "甲", Mobile: "13900000001"},
		{Station: tr.county.ID, Name: "乙", Mobile: "13900000002"},
		{Station: app.NewID(), Name: "丙", Mobile: "13900000003"},
	}
	err := tr.dir.ImportPersons(ctx, batch)
	wantCode(t, err, app.ENOTFOUND)
	if !strings.Contains(err.Error(), "entry 3 (丙)") {
		t.Errorf("message %q does not name the entry", err)
	}
	all, _ := tr.dir.Persons(ctx, app.PersonFilter{})
	if len(all) != 0 || outboxLen(t, tr.db) != before {
		t.Fatalf("a refused import left %d people and %d operations", len(all), outboxLen(t, tr.db)-before)
	}

	batch[2] = app.Person{Station: tr.county.ID, Name: "丙", Mobile: "1390000"}
	err = tr.dir.ImportPersons(ctx, batch)
	wantCode(t, err, app.EINVALID)
	if app.ErrorField(err) != "mobile" {
		t.Errorf("field %q", app.ErrorField(err))
	}

	batch[2].Mobile = "13900000003"
	if err := tr.dir.ImportPersons(ctx, batch); err != nil {
		t.Fatal(err)
	}
	all, _ = tr.dir.Persons(ctx, app.PersonFilter{})
	if len(all) != 3 || outboxLen(t, tr.db) != before+3 {
		t.Errorf("import stored %d people and %d operations", len(all), outboxLen(t, tr.db)-before)
	}
	if batch[0].ID == app.NilID {
		t.Error("import did not fill in ids")
	}
	wantCode(t, tr.dir.ImportPersons(ctx, batch[:1]), app.ECONFLICT)
	twice := app.Person{ID: app.NewID(), Station: tr.county.ID, Name: "丁", Mobile: "13900000004"}
	wantCode(t, tr.dir.ImportPersons(ctx, []app.Person{twice, twice}), app.ECONFLICT)
}

func TestImportPersonsSeedSize(t *testing.T) {
	tr := newTree(t)
	batch := make([]app.Person, 700)
	for i := range batch {
		batch[i] = app.Person{Station: tr.village.ID, Name: fmt.Sprintf("信息员%03d", i), Mobile: fmt.Sprintf("139%08d", i), Roles: []app.Role{app.RoleInfoOfficer}}
	}
	if err := tr.dir.ImportPersons(ctx, batch); err != nil {
		t.Fatal(err)
	}
	got, _ := tr.dir.Persons(ctx, app.PersonFilter{Station: &tr.village.ID})
	if len(got) != 700 || got[0].Name != "信息员000" || got[699].Name != "信息员699" {
		t.Errorf("got %d people", len(got))
	}
}

func TestPersonsOnEmptyDatabase(t *testing.T) {
	d := store.NewDirectory(storetest.Open(t))
	list, err := d.Persons(ctx, app.PersonFilter{})
	if err != nil || len(list) != 0 {
		t.Errorf("Persons = %v, %v", list, err)
	}
}
