package main

import (
	"context"
	"sort"
	"strings"
	"testing"

	"dutyroom/app"
	"dutyroom/store"
)

// peopleOf returns the people of the station with code, by name, and the
// operations queued so far, reading the closed data folder.
func peopleOf(t *testing.T, dir, code string) ([]app.Person, []app.Operation) {
	t.Helper()
	db, err := store.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	d := store.NewDirectory(db)
	stations, err := d.Stations(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var people []app.Person
	for _, s := range stations {
		if s.Code == code {
			if people, err = d.Persons(ctx, app.PersonFilter{Station: &s.ID}); err != nil {
				t.Fatal(err)
			}
		}
	}
	sort.SliceStable(people, func(i, j int) bool { return people[i].Name < people[j].Name })
	ops, err := db.Outbox(ctx, 0, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	return people, ops
}

// --as signs a command's changes with a person of this station, id and
// name; an unknown or ambiguous name is refused on stderr naming the
// candidates and stores nothing; without --as and with no roster today the
// station's principal signs, and stderr says so.
func TestAsNamesWhoSignsACommandsChanges(t *testing.T) {
	dir := t.TempDir()
	if code, _, stderr := run(t, dir, "init", "--demo"); code != 0 {
		t.Fatalf("init --demo: %s", stderr)
	}
	people, ops := peopleOf(t, dir, "433100")
	var leader app.Person
	for _, p := range people {
		if p.Has(app.RoleLeader) {
			leader = p
			break
		}
	}
	officer := people[len(people)-1]

	code, _, stderr := run(t, dir, "-as", "不存在的人", "person", "add", "--station", "433100", "--name", "新来的", "--mobile", "13907439999")
	if code == 0 || !strings.Contains(stderr, "no person of 湘西州") || !strings.Contains(stderr, leader.Name) {
		t.Fatalf("unknown --as: exit %d, stderr %q", code, stderr)
	}
	if _, after := peopleOf(t, dir, "433100"); len(after) != len(ops) {
		t.Fatalf("an unknown --as stored %d operations", len(after)-len(ops))
	}

	code, _, stderr = run(t, dir, "-as", officer.Name, "person", "add", "--station", "433100", "--name", "新来的", "--mobile", "13907439999")
	if code != 0 {
		t.Fatalf("--as %s: exit %d, %s", officer.Name, code, stderr)
	}
	_, ops = peopleOf(t, dir, "433100")
	if last := ops[len(ops)-1]; last.AuthorID != officer.ID || last.Author != officer.Name {
		t.Fatalf("signed by %s (%s), want %s (%s)", last.Author, last.AuthorID, officer.Name, officer.ID)
	}

	code, _, stderr = run(t, dir, "person", "add", "--station", "433100", "--name", "又来的", "--mobile", "13907439998")
	if code != 0 || !strings.Contains(stderr, "principal") || !strings.Contains(stderr, leader.Name) {
		t.Fatalf("no --as and no roster: exit %d, stderr %q", code, stderr)
	}
	_, ops = peopleOf(t, dir, "433100")
	if last := ops[len(ops)-1]; last.AuthorID != leader.ID {
		t.Fatalf("without --as signed by %s, want the principal %s", last.Author, leader.Name)
	}

	// Two people of one name: the name is ambiguous, the id is not.
	if code, _, stderr := run(t, dir, "-as", officer.Name, "person", "add", "--station", "433100", "--name", officer.Name, "--mobile", "13907439997"); code != 0 {
		t.Fatal(stderr)
	}
	code, _, stderr = run(t, dir, "-as", officer.Name, "person", "list")
	if code == 0 || !strings.Contains(stderr, "2 people of 湘西州") || !strings.Contains(stderr, officer.ID.String()) {
		t.Fatalf("ambiguous --as: exit %d, stderr %q", code, stderr)
	}
	if code, _, stderr := run(t, dir, "-as", officer.ID.String(), "person", "list"); code != 0 {
		t.Fatalf("--as by id: %s", stderr)
	}
}

// desk signin puts an officer at the desk as the window's 到岗签到 does:
// the duty log says so, and later commands sign as them without --as.
func TestDeskSigninSignsLaterCommands(t *testing.T) {
	dir := t.TempDir()
	if code, _, stderr := run(t, dir, "init", "--demo"); code != 0 {
		t.Fatalf("init --demo: %s", stderr)
	}
	people, _ := peopleOf(t, dir, "433100")
	officer := people[len(people)-1]
	if code, _, stderr := run(t, dir, "desk", "signin", "不存在的人"); code == 0 || !strings.Contains(stderr, "no person of 湘西州") {
		t.Fatalf("desk signin of nobody: exit %d, %q", code, stderr)
	}
	if code, stdout, _ := run(t, dir, "desk", "show"); code != 0 || !strings.Contains(stdout, "nobody is signed in") {
		t.Fatalf("desk show before: %q", stdout)
	}
	if code, _, stderr := run(t, dir, "desk", "signin", officer.Name); code != 0 {
		t.Fatalf("desk signin: %s", stderr)
	}
	_, ops := peopleOf(t, dir, "433100")
	if last := ops[len(ops)-1]; last.Kind != "roster.log" || last.AuthorID != officer.ID {
		t.Fatalf("the sign-in's log entry: %+v", last)
	}
	code, _, stderr := run(t, dir, "person", "add", "--station", "433100", "--name", "新来的", "--mobile", "13907439999")
	if code != 0 || stderr != "" {
		t.Fatalf("person add after the sign-in: exit %d, %q", code, stderr)
	}
	_, ops = peopleOf(t, dir, "433100")
	if last := ops[len(ops)-1]; last.AuthorID != officer.ID {
		t.Fatalf("signed by %s, want the officer at the desk %s", last.Author, officer.Name)
	}
	if code, stdout, _ := run(t, dir, "desk", "show"); code != 0 || !strings.Contains(stdout, officer.Name) {
		t.Fatalf("desk show after: %q", stdout)
	}
}
