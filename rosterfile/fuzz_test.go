package rosterfile_test

import (
	"bytes"
	"errors"
	"testing"

	"dutyroom/app"
	"dutyroom/app/roster"
	"dutyroom/rosterfile"
)

// fuzzPeople is a small station with the cases lookups must get right:
// people holding several roles, namesakes, someone with only an office
// line, and someone from another station.
func fuzzPeople() (app.Station, []app.Person) {
	station := app.Station{ID: fuzzID(1), Name: "湘西州", Phone: "0743-8222110", Zone: app.DefaultZone}
	other := fuzzID(2)
	L, C, O, S := app.RoleLeader, app.RoleCadre, app.RoleOfficer, app.RoleStandby
	people := []app.Person{
		{ID: fuzzID(11), Station: station.ID, Name: "张三", Mobile: "13907430001", Roles: []app.Role{L}},
		{ID: fuzzID(12), Station: station.ID, Name: "李四", Mobile: "13907430002", Roles: []app.Role{C, L}},
		{ID: fuzzID(13), Station: station.ID, Name: "王五", Mobile: "13907430003", Roles: []app.Role{O, S}},
		{ID: fuzzID(14), Station: station.ID, Name: "赵六", Office: "0743-8221234", Roles: []app.Role{S}},
		{ID: fuzzID(15), Station: station.ID, Name: "张伟", Mobile: "13907430005", Roles: []app.Role{O}},
		{ID: fuzzID(16), Station: station.ID, Name: "张伟", Mobile: "13907430006", Roles: []app.Role{S}},
		{ID: fuzzID(17), Station: other, Name: "刘七", Mobile: "13907430007", Roles: []app.Role{O}},
	}
	return station, people
}

func fuzzID(n byte) app.ID {
	var id app.ID
	id[6], id[15] = 0x70, n
	return id
}

// FuzzReadCSV feeds ReadCSV arbitrary files. Whatever it gets, it must not
// panic; it must either refuse the file with an *ImportError and return
// nothing, or return assignments that break no rule; and what it accepts,
// written out again with WriteCSV, must read back the same.
func FuzzReadCSV(f *testing.F) {
	station, people := fuzzPeople()
	byID := map[app.ID]*app.Person{}
	for i := range people {
		byID[people[i].ID] = &people[i]
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		as, err := rosterfile.ReadCSV(bytes.NewReader(data), station, people)
		if err != nil {
			var ie *rosterfile.ImportError
			if as != nil || !errors.As(err, &ie) || app.ErrorCode(err) != app.EINVALID {
				t.Fatalf("a refused file must give an *ImportError and nothing else: %d assignments, %v", len(as), err)
			}
			if len(ie.Errors) == 0 || len(ie.Errors) > 50 {
				t.Fatalf("%d errors listed", len(ie.Errors))
			}
			return
		}
		if len(as) == 0 {
			t.Fatal("an accepted file gave no assignments")
		}
		type slot struct {
			day  roster.Date
			post roster.Post
		}
		type busy struct {
			day    roster.Date
			person app.ID
		}
		posts, days := map[slot]bool{}, map[busy]bool{}
		byMonth := map[roster.Month][]roster.Assignment{}
		for _, a := range as {
			if err := a.Validate(); err != nil {
				t.Fatalf("%+v: %v", a, err)
			}
			p := byID[a.Person]
			switch {
			case a.Station != station.ID || !a.Manual:
				t.Fatalf("%+v: not the station's manual assignment", a)
			case p == nil || !p.Has(a.Post.Role):
				t.Fatalf("%+v: the person may not take the post", a)
			case posts[slot{a.Day, a.Post}]:
				t.Fatalf("%s %s given twice", a.Day, a.Post)
			case days[busy{a.Day, a.Person}]:
				t.Fatalf("%s on two posts on %s", p.Name, a.Day)
			}
			posts[slot{a.Day, a.Post}] = true
			days[busy{a.Day, a.Person}] = true
			byMonth[roster.MonthOf(a.Day)] = append(byMonth[roster.MonthOf(a.Day)], a)
		}
		for m, mas := range byMonth {
			sheet, err := rosterfile.NewMonthSheet(rosterfile.MonthInput{
				Station: station, Month: m, Settings: roster.DefaultSettings(), People: people, Assignments: mas,
			})
			if err != nil {
				t.Fatalf("%s: %v", m, err)
			}
			var buf bytes.Buffer
			if err := rosterfile.WriteCSV(&buf, sheet); err != nil {
				t.Fatal(err)
			}
			again, err := rosterfile.ReadCSV(&buf, station, people)
			if err != nil {
				t.Fatalf("%s written out does not read back: %v\n%s", m, err, buf.Bytes())
			}
			sameAssignments(t, again, mas)
		}
	})
}
