package store

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"dutyroom/app"
	"dutyroom/app/incident"
	"dutyroom/app/roster"
	"dutyroom/app/spotcheck"
)

// damageFixture is a data folder with some of everything: stations,
// people, a generated roster, incidents with their tasks, messages.
type damageFixture struct {
	dir   string
	data  []byte // the sound file
	tree  benchTree
	month roster.Month
	now   time.Time
}

func newDamageFixture(t *testing.T) *damageFixture {
	t.Helper()
	f := &damageFixture{dir: t.TempDir(), now: time.Date(2026, 3, 15, 10, 0, 0, 0, time.UTC)}
	db, err := Open(f.dir)
	if err != nil {
		t.Fatal(err)
	}
	f.tree = newBenchTree(t, db)
	if err := NewIdentity(db).SetIdentity(context.Background(), f.tree.prefecture.ID); err != nil {
		t.Fatal(err)
	}
	dirsvc := NewDirectory(db)
	ctx := app.WithAuthor(context.Background(), "fixture")
	for i := 0; i < 24; i++ {
		role := app.RoleOfficer
		if i%4 == 0 {
			role = app.RoleLeader
		}
		p := app.Person{Station: f.tree.jishou.ID, Name: fmt.Sprintf("值班员%02d", i), Mobile: fmt.Sprintf("139%08d", i), Roles: []app.Role{role}}
		if err := dirsvc.CreatePerson(ctx, &p); err != nil {
			t.Fatal(err)
		}
	}
	f.month = roster.MonthOf(roster.DateOf(f.now))
	if _, _, err := NewRosters(db).Generate(ctx, f.tree.jishou.ID, f.month.First(), f.month.Last()); err != nil {
		t.Fatal(err)
	}
	fillIncidents(t, db, f.tree, 300, f.now)
	fillMessages(t, db, 400)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	f.data, err = os.ReadFile(filepath.Join(f.dir, FileName))
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// readAll opens the folder and goes through every list and read the
// command line and the main screens offer, returning what each gave (or
// its error), one line each, and whether any call failed. A panic is the
// test's failure, not a result.
func (f *damageFixture) readAll(t *testing.T, dir string) (lines []string, failed bool) {
	t.Helper()
	db, err := Open(dir)
	if err != nil {
		return []string{"open: " + err.Error()}, true
	}
	defer db.Close()
	db.Now = func() time.Time { return f.now }
	ctx := app.WithAuthor(context.Background(), "test")
	record := func(name string, v any, err error) {
		if err != nil {
			failed = true
			lines = append(lines, name+": error "+app.ErrorCode(err)+": "+err.Error())
			return
		}
		// JSON, not %v: pointers inside would print as addresses.
		raw, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		lines = append(lines, name+": "+string(raw))
	}
	d, r, inc, msg := NewDirectory(db), NewRosters(db), NewIncidents(db), NewMessages(db)
	stations, err := d.Stations(ctx)
	record("stations", stations, err)
	persons, err := d.Persons(ctx, app.PersonFilter{})
	record("persons", persons, err)
	me, err := NewIdentity(db).Identity(ctx)
	record("identity", me, err)
	incs, total, err := inc.Incidents(ctx, incident.Filter{})
	record("incidents", fmt.Sprint(total, incs), err)
	for i, one := range incs {
		if i%50 != 0 {
			continue
		}
		full, err := inc.FindIncidentByID(ctx, one.ID)
		record("incident", full, err)
		tl, err := inc.Timeline(ctx, one.ID)
		record("timeline", tl, err)
		reps, err := inc.Reports(ctx, one.ID)
		record("reports", reps, err)
	}
	rost, err := r.Roster(ctx, f.tree.jishou.ID, f.month)
	record("roster", rost, err)
	as, err := r.Assignments(ctx, f.tree.jishou.ID, f.month.First(), f.month.Last())
	record("assignments", as, err)
	hist, err := r.History(ctx, f.tree.jishou.ID, f.month.First())
	record("history", hist, err)
	log, err := r.LogEntries(ctx, f.tree.jishou.ID, f.month.First())
	record("duty log", log, err)
	cal, err := r.Calendar(ctx)
	record("calendar", cal != nil, err)
	for _, st := range stations {
		conv, err := msg.Conversations(ctx, st.ID)
		record("conversations", conv, err)
		for _, c := range conv {
			m, err := msg.Messages(ctx, c.ID, app.NilID, 100)
			record("messages", m, err)
		}
	}
	unread, n, err := msg.Unread(ctx, 100)
	record("unread", fmt.Sprint(n, unread), err)
	found, err := msg.Search(ctx, "水位", 100)
	record("search", found, err)
	warn, err := NewWarnings(db).Warnings(ctx, time.Time{})
	record("warnings", warn, err)
	checks, err := NewSpotChecks(db).Records(ctx, spotcheck.Filter{})
	record("spot checks", checks, err)
	ops, err := db.Outbox(ctx, 0, 1<<20)
	record("outbox", len(ops), err)
	return lines, failed
}

// corrupt overwrites 1 to 3 regions of 64 bytes of data with random
// bytes, page-aligned or not, and says where.
func corrupt(rng *rand.Rand, data []byte) string {
	pages := len(data) / PageSize
	var where []string
	for n := 1 + rng.IntN(3); n > 0; n-- {
		var off int
		if rng.IntN(2) == 0 {
			off = rng.IntN(pages) * PageSize
		} else {
			off = rng.IntN(len(data) - 64)
		}
		for i := off; i < off+64; i++ {
			data[i] = byte(rng.UintN(256))
		}
		where = append(where, fmt.Sprintf("page %d +%d", off/PageSize, off%PageSize))
	}
	return strings.Join(where, ", ")
}

// A damaged data file is reported, never a crash: for each of 100 seeded
// random corruptions, opening it and every list and read either report
// the damage or give exactly what the sound file gives (the bytes hit
// were unused), the consistency check finds what the reads missed where
// it can, and nothing of the damaged file is written over.
func TestRandomCorruptionIsReportedNeverACrash(t *testing.T) {
	f := newDamageFixture(t)
	// Each damage logs its stack; a hundred of them would bury the result.
	defer slog.SetDefault(slog.Default())
	slog.SetDefault(slog.New(slog.NewTextHandler(io.Discard, nil)))
	sound, failed := f.readAll(t, f.dir)
	if failed {
		t.Fatalf("the sound fixture does not read: %s", strings.Join(sound, "\n"))
	}
	if problems, err := CheckDatabase(filepath.Join(f.dir, FileName)); err != nil || len(problems) > 0 {
		t.Fatalf("the sound fixture fails the check: %v %v", err, problems)
	}
	rng := rand.New(rand.NewPCG(16, 2026))
	var reported, checked, harmless int
	for i := 0; i < 100; i++ {
		data := bytes.Clone(f.data)
		where := corrupt(rng, data)
		dir := t.TempDir()
		path := filepath.Join(dir, FileName)
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		var lines []string
		func() {
			defer func() {
				if r := recover(); r != nil {
					t.Fatalf("corruption %d (%s): a read panicked: %v", i, where, r)
				}
			}()
			lines, failed = f.readAll(t, dir)
		}()
		problems, err := CheckDatabase(path)
		if err != nil {
			problems = append(problems, err.Error())
		}
		switch {
		case failed:
			reported++
		case len(problems) > 0:
			checked++
		case strings.Join(lines, "\n") == strings.Join(sound, "\n"):
			harmless++
		default:
			t.Errorf("corruption %d (%s): the reads give other results than the sound file and nothing reports damage", i, where)
		}
		after, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(after, data) {
			t.Errorf("corruption %d (%s): the damaged file was written over", i, where)
		}
		if leftovers, _ := filepath.Glob(filepath.Join(dir, "*")); len(leftovers) > 2 { // the file and backups/ at most
			t.Errorf("corruption %d: files appeared beside the damaged one: %v", i, leftovers)
		}
	}
	t.Logf("100 corruptions: %d reported by a read, %d by the check alone, %d hit bytes no read and no check depends on", reported, checked, harmless)
}
