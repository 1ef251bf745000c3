package store_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"dutyroom/app"
	"dutyroom/app/roster"
)

// Each change of the roster service queues exactly one operation, in the
// transaction that stores it: the operation carries that transaction's
// instant, this duty room as origin and the author of the change.
func TestEveryRosterChangeQueuesOneOperation(t *testing.T) {
	d := newDemoRosters(t)
	at := time.Date(2026, 9, 1, 2, 0, 0, 0, time.UTC)
	clockAt(d.db, at)
	c := d.county.ID
	oct, _ := roster.ParseMonth("2026-10")
	officers := d.staffWith(app.RoleOfficer)
	var leader app.Person
	for _, p := range d.staffWith(app.RoleLeader) {
		if !p.Has(app.RoleCadre) {
			leader = p
			break
		}
	}
	period := roster.SpecialPeriod{Station: c, Name: "森林防火期", From: day(t, "2026-03-01"), To: day(t, "2026-04-30")}
	absence := roster.Absence{Station: c, Person: officers[3].ID, From: day(t, "2026-12-01"), To: day(t, "2026-12-05"), Reason: roster.ReasonLeave}
	var swap, swap2 roster.SwapRequest
	entry := roster.LogEntry{Station: c, Day: day(t, "2026-10-13"), At: at, Kind: roster.LogCall, Text: "来电"}

	steps := []struct {
		kind string
		do   func() error
	}{
		{roster.OpSettings, func() error { return d.r.SetSettings(ctx, c, roster.DefaultSettings()) }},
		{roster.OpSpecialCreate, func() error { return d.r.CreateSpecialPeriod(ctx, &period) }},
		{roster.OpSpecialUpdate, func() error { period.To = day(t, "2026-05-15"); return d.r.UpdateSpecialPeriod(ctx, &period) }},
		{roster.OpSpecialDelete, func() error { return d.r.DeleteSpecialPeriod(ctx, period.ID) }},
		{roster.OpAbsenceCreate, func() error { return d.r.CreateAbsence(ctx, &absence) }},
		{roster.OpAbsenceUpdate, func() error { absence.Note = "年假"; return d.r.UpdateAbsence(ctx, &absence) }},
		{roster.OpAbsenceDelete, func() error { return d.r.DeleteAbsence(ctx, absence.ID) }},
		{roster.OpGenerate, func() error { _, _, err := d.r.Generate(ctx, c, oct.First(), oct.Last()); return err }},
		{roster.OpAssign, func() error {
			_, _, err := d.r.SetAssignment(ctx, roster.Assignment{Station: c, Day: day(t, "2026-11-02"), Post: officerPost, Person: officers[0].ID}, "")
			return err
		}},
		{roster.OpUnassign, func() error { _, err := d.r.ClearAssignment(ctx, c, day(t, "2026-11-02"), officerPost, ""); return err }},
		{roster.OpPublish, func() error { _, err := d.r.Publish(ctx, c, oct, false); return err }},
		{roster.OpSwapRequest, func() error {
			first, second := findSwappable(t, d)
			swap = roster.SwapRequest{Station: c, First: first, Second: second}
			return d.r.RequestSwap(ctx, &swap)
		}},
		{roster.OpSwapApprove, func() error {
			approver := leader
			if approver.ID == swap.First.Person || approver.ID == swap.Second.Person {
				for _, p := range d.staffWith(app.RoleLeader) {
					if p.ID != swap.First.Person && p.ID != swap.Second.Person && p.Station == c {
						approver = p
					}
				}
			}
			_, err := d.r.ApproveSwap(ctx, swap.ID, approver.ID, "")
			return err
		}},
		{roster.OpSwapRequest, func() error {
			swap2 = roster.SwapRequest{Station: c,
				First:  roster.Slot{Day: swap.First.Day, Post: swap.First.Post, Person: swap.Second.Person},
				Second: roster.Slot{Day: swap.Second.Day, Post: swap.Second.Post, Person: swap.First.Person}}
			return d.r.RequestSwap(ctx, &swap2)
		}},
		{roster.OpSwapReject, func() error {
			for _, p := range d.staffWith(app.RoleLeader) {
				if p.Station == c {
					return d.r.RejectSwap(ctx, swap2.ID, p.ID, "")
				}
			}
			return nil
		}},
		{roster.OpLog, func() error { return d.r.AddLogEntry(ctx, &entry) }},
		{roster.OpCheckIn, func() error {
			return d.r.CheckIn(ctx, &roster.CheckIn{Station: c, Day: entry.Day, Person: d.holder(t, "2026-10-13", officerPost), At: at})
		}},
		{roster.OpHandover, func() error {
			return d.r.HandOver(ctx, &roster.Handover{Station: c, Day: entry.Day, Outgoing: d.holder(t, "2026-10-13", officerPost), OutAt: at})
		}},
		{roster.OpHandoverConfirm, func() error {
			return d.r.ConfirmHandover(ctx, c, entry.Day, d.holder(t, "2026-10-14", officerPost), at.Add(time.Minute))
		}},
		{roster.OpCalendarImport, func() error {
			_, err := d.r.ImportCalendar(ctx, strings.NewReader(calendar2027))
			return err
		}},
		{roster.OpCalendarDay, func() error { return d.r.SetCalendarDay(ctx, day(t, "2027-05-03"), roster.Holiday, "劳动节") }},
	}
	for i, s := range steps {
		n := outboxLen(t, d.db)
		if err := s.do(); err != nil {
			t.Fatalf("step %d (%s): %v", i, s.kind, err)
		}
		ops := allOps(t, d.db)[n:]
		if len(ops) != 1 || ops[0].Kind != s.kind {
			var kinds []string
			for _, op := range ops {
				kinds = append(kinds, op.Kind)
			}
			t.Errorf("step %d: operations %v, want one %s", i, kinds, s.kind)
			continue
		}
		op := ops[0]
		if op.Origin != d.stations[0].ID || op.Author != "张值班" || !op.At.Equal(at) || op.Entity == app.NilID || !json.Valid(op.Payload) {
			t.Errorf("step %d: operation %+v", i, op)
		}
	}
}

func TestSaveGeneratedIsAllOrNothing(t *testing.T) {
	d := newDemoRosters(t)
	from, to := day(t, "2026-10-01"), day(t, "2026-10-31")
	res := d.generate(t, "2026-10-01", "2026-10-31")
	stored := d.month(t, "2026-10")
	n := outboxLen(t, d.db)

	// Leave the officer posts empty, a valid batch that changes many posts,
	// then spoil its last assignment: nothing of the batch may be stored.
	var changed []roster.Assignment
	for _, a := range res.Assignments {
		if a.Post != officerPost {
			changed = append(changed, a)
		}
	}
	spoilt := slices.Clone(changed)
	spoilt[len(spoilt)-1].Station = d.station(t, "433122").ID
	outside := slices.Clone(changed)
	outside[len(outside)-1].Day = day(t, "2026-11-01")
	twice := append(slices.Clone(changed), changed[0])
	for field, batch := range map[string][]roster.Assignment{"station": spoilt, "day": outside, "post": twice} {
		_, err := d.r.SaveGenerated(ctx, d.county.ID, from, to, batch)
		wantCode(t, err, app.EINVALID)
		if got := app.ErrorField(err); got != field {
			t.Errorf("refusal about %q (%v), want %q", got, err, field)
		}
	}
	if !slices.Equal(d.month(t, "2026-10"), stored) || outboxLen(t, d.db) != n {
		t.Fatal("a refused batch changed the roster or queued operations")
	}

	if _, err := d.r.SaveGenerated(ctx, d.county.ID, from, to, changed); err != nil {
		t.Fatal(err)
	}
	if got := d.month(t, "2026-10"); !slices.Equal(got, changed) {
		t.Errorf("stored %d assignments, saved %d", len(got), len(changed))
	}
	if kinds := opsSince(t, d.db, n); !slices.Equal(kinds, []string{roster.OpGenerate}) {
		t.Errorf("operations %v", kinds)
	}

	// A post set by hand after generating makes the generated batch stale.
	if _, _, err := d.r.SetAssignment(ctx, roster.Assignment{Station: d.county.ID, Day: day(t, "2026-10-20"), Post: leaderPost,
		Person: d.holder(t, "2026-10-20", leaderPost)}, "定了"); err != nil {
		t.Fatal(err)
	}
	_, err := d.r.SaveGenerated(ctx, d.county.ID, from, to, res.Assignments)
	wantCode(t, err, app.ECONFLICT)
}

func TestImportAssignmentsReplacesTheRangeAllOrNothing(t *testing.T) {
	d := newDemoRosters(t)
	from, to := day(t, "2026-10-01"), day(t, "2026-10-31")
	res := d.generate(t, "2026-10-01", "2026-10-31")
	on := day(t, "2026-10-13")
	var free app.Person
	for _, p := range d.staffWith(app.RoleOfficer) {
		if duties, _ := d.r.PersonDuties(ctx, p.ID, on.AddDays(-1), on.AddDays(1)); len(duties) == 0 {
			free = p
			break
		}
	}
	// The file: the generated month with another officer on 2026-10-13
	// and the standby posts of 2026-10-01 left out.
	var file []roster.Assignment
	was := app.NilID
	for _, a := range res.Assignments {
		switch {
		case a.Day == on && a.Post == officerPost:
			was = a.Person
			a.Person = free.ID
		case a.Day == from && a.Post.Role == app.RoleStandby:
			continue
		}
		file = append(file, a)
	}

	bad := func(edit func([]roster.Assignment) []roster.Assignment) []roster.Assignment {
		return edit(slices.Clone(file))
	}
	leader := d.staffWith(app.RoleLeader)[0]
	n := outboxLen(t, d.db)
	for name, c := range map[string]struct {
		batch []roster.Assignment
		code  string
	}{
		"role not held": {bad(func(b []roster.Assignment) []roster.Assignment {
			// On a day the leader is not on duty at all, so that the only
			// fault is the role: a day with the leader already on a post
			// would be refused as two posts a day instead.
			onDuty := map[roster.Date]bool{}
			for _, a := range b {
				if a.Person == leader.ID {
					onDuty[a.Day] = true
				}
			}
			for i := range b {
				if b[i].Post == officerPost && !onDuty[b[i].Day] {
					b[i].Person = leader.ID
					break
				}
			}
			return b
		}), app.EINVALID},
		"two posts a day": {bad(func(b []roster.Assignment) []roster.Assignment {
			b[1].Person, b[1].Post = b[0].Person, roster.Post{Role: app.RoleStandby, Index: 5}
			return b
		}), app.ECONFLICT},
		"unknown person": {bad(func(b []roster.Assignment) []roster.Assignment { b[3].Person = app.NewID(); return b }), app.ENOTFOUND},
		"outside range":  {bad(func(b []roster.Assignment) []roster.Assignment { b[3].Day = day(t, "2026-11-02"); return b }), app.EINVALID},
	} {
		_, _, err := d.r.ImportAssignments(ctx, d.county.ID, from, to, c.batch, "imported")
		if app.ErrorCode(err) != c.code {
			t.Errorf("%s: %v, want %s", name, err, c.code)
		}
	}
	if !slices.Equal(d.month(t, "2026-10"), res.Assignments) || outboxLen(t, d.db) != n {
		t.Fatal("a refused import changed the roster or queued operations")
	}

	_, _, err := d.r.ImportAssignments(ctx, d.county.ID, from, to, file, "imported from 十月值班表.xlsx")
	if err != nil {
		t.Fatal(err)
	}
	got := d.month(t, "2026-10")
	if len(got) != len(file) {
		t.Errorf("%d posts after the import, the file has %d", len(got), len(file))
	}
	for _, a := range got {
		if !a.Manual {
			t.Errorf("imported %s %s is not marked as set by hand", a.Day, a.Post)
		}
	}
	if d.holder(t, on.String(), officerPost) != free.ID {
		t.Error("the imported officer of 2026-10-13 is not in force")
	}
	hist, _ := d.r.History(ctx, d.county.ID, on)
	if last := hist[len(hist)-1]; last.Before != was || last.After != free.ID || last.Reason != "imported from 十月值班表.xlsx" {
		t.Errorf("history of 2026-10-13 ends with %+v", last)
	}
	if kinds := opsSince(t, d.db, n); !slices.Equal(kinds, []string{roster.OpImport}) {
		t.Errorf("operations %v", kinds)
	}
	// Generating again keeps every imported post.
	again := d.generate(t, "2026-10-01", "2026-10-31")
	for _, a := range again.Assignments {
		if a.Day == on && a.Post == officerPost && a.Person != free.ID {
			t.Error("regenerating replaced an imported post")
		}
	}
}
