package roster_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"dutyroom/app"
	"dutyroom/app/roster"
)

// calendar2026 reads the shipped 2026 schedule from the assets folder, so the
// tests check the very file the program embeds.
func calendar2026(tb testing.TB) *roster.Calendar {
	tb.Helper()
	f, err := os.Open(filepath.Join("..", "..", "assets", "calendar", "2026.txt"))
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	cal, err := roster.ParseCalendar(f)
	if err != nil {
		tb.Fatal(err)
	}
	return cal
}

func date(tb testing.TB, s string) roster.Date {
	tb.Helper()
	d, err := roster.ParseDate(s)
	if err != nil {
		tb.Fatal(err)
	}
	return d
}

// testID makes readable, stable ids: station n or person n of station s.
func testID(station, n int) app.ID {
	var id app.ID
	id[0], id[1] = byte(station>>8), byte(station)
	id[6] = 0x70 // version 7, so the ids look like the real ones
	id[14], id[15] = byte(n>>8), byte(n)
	return id
}

type staffing struct {
	leaders, cadres, officers, standby int
}

// staff returns a station's people holding one role each, named L01, C01,
// O01 and S01 upwards.
func staff(station int, s staffing) []app.Person {
	var out []app.Person
	for _, g := range []struct {
		prefix string
		n      int
		role   app.Role
	}{{"L", s.leaders, app.RoleLeader}, {"C", s.cadres, app.RoleCadre}, {"O", s.officers, app.RoleOfficer}, {"S", s.standby, app.RoleStandby}} {
		for i := 1; i <= g.n; i++ {
			out = append(out, person(station, len(out)+1, nameOf(g.prefix, i), g.role))
		}
	}
	return out
}

func person(station, n int, name string, roles ...app.Role) app.Person {
	return app.Person{ID: testID(station, n), Station: testID(station, 0), Name: name, Mobile: "13800000000", Roles: roles}
}

// prefectureStaff is the 16-person station of the tests: 4 leaders,
// 4 cadres, 5 officers and 6 standby, with three people holding two roles:
// a leader who also serves as officer, a cadre and an officer who also
// stand by.
func prefectureStaff(station int) []app.Person {
	L, C, O, S := app.RoleLeader, app.RoleCadre, app.RoleOfficer, app.RoleStandby
	roles := [][]app.Role{
		{L}, {L}, {L}, {L, O},
		{C}, {C}, {C}, {C, S},
		{O}, {O}, {O}, {O, S},
		{S}, {S}, {S}, {S},
	}
	names := []string{"L01", "L02", "L03", "L04", "C01", "C02", "C03", "C04", "O01", "O02", "O03", "O04", "S01", "S02", "S03", "S04"}
	out := make([]app.Person, len(roles))
	for i := range roles {
		out[i] = person(station, i+1, names[i], roles[i]...)
	}
	return out
}

func nameOf(prefix string, i int) string {
	return prefix + string(rune('0'+i/10)) + string(rune('0'+i%10))
}

func yearInput(tb testing.TB, station int, people []app.Person) roster.GenerateInput {
	return roster.GenerateInput{
		Station:  testID(station, 0),
		From:     date(tb, "2026-01-01"),
		To:       date(tb, "2026-12-31"),
		Calendar: calendar2026(tb),
		Settings: roster.DefaultSettings(),
		People:   people,
		Location: shanghai(tb),
	}
}

func shanghai(tb testing.TB) *time.Location {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		tb.Fatal(err)
	}
	return loc
}

func generate(tb testing.TB, in roster.GenerateInput) roster.GenerateResult {
	tb.Helper()
	res, err := roster.Generate(in)
	if err != nil {
		tb.Fatal(err)
	}
	return res
}

// byDay groups assignments by day.
func byDay(as []roster.Assignment) map[roster.Date][]roster.Assignment {
	out := map[roster.Date][]roster.Assignment{}
	for _, a := range as {
		out[a.Day] = append(out[a.Day], a)
	}
	return out
}
