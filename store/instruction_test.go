package store_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"dutyroom/app"
	"dutyroom/app/instruction"
	"dutyroom/instructionfile"
	"dutyroom/store"
)

// instEnv is the prefecture, the county and the township, each with its
// own file; the prefecture issues.
type instEnv struct {
	tr               *tree
	county, township *store.DB
	ps, cs, ts       *store.Instructions
}

func newInstEnv(t *testing.T) *instEnv {
	t.Helper()
	tr := newTree(t)
	e := &instEnv{tr: tr}
	e.county = stationsAt(t, tr, tr.county)
	e.township = stationsAt(t, tr, tr.township)
	if err := store.NewIdentity(tr.db).SetIdentity(ctx, tr.prefecture.ID); err != nil {
		t.Fatal(err)
	}
	for _, db := range []*store.DB{tr.db, e.county, e.township} {
		clockAt(db, wt0)
	}
	e.ps, e.cs, e.ts = store.NewInstructions(tr.db), store.NewInstructions(e.county), store.NewInstructions(e.township)
	return e
}

func (e *instEnv) sample() instruction.Instruction {
	return instruction.Instruction{
		Leader: "张明", LeaderPost: "州长", GivenAt: wt0.Add(-10 * time.Minute), Source: instruction.SourcePhone,
		Words:    "请州应急局牵头，2小时内报告白沙镇山体滑坡处置情况。",
		ReadBack: &instruction.ReadBack{By: "张值班", At: wt0.Add(-9 * time.Minute)},
		Tasks: []instruction.Task{
			{Text: "报告处置情况", Stations: []app.ID{e.tr.county.ID, e.tr.township.ID}, Units: []string{"州水文局"}, Deadline: wt0.Add(2 * time.Hour)},
		},
	}
}

func TestInstructionCreateStoresAndAddressesTheStationsNamed(t *testing.T) {
	e := newInstEnv(t)
	in := e.sample()
	photo := []byte("paper photo bytes")
	if err := e.ps.Create(ctx, &in, []instruction.File{{Name: "批示.jpg", MIME: "image/jpeg", Size: int64(len(photo)), Content: bytes.NewReader(photo)}}); err != nil {
		t.Fatal(err)
	}
	if in.Station != e.tr.prefecture.ID || in.Author != "张值班" || !in.RecordedAt.Equal(wt0) || in.Tasks[0].ID == app.NilID || len(in.Attachments) != 1 {
		t.Fatalf("created: %+v", in)
	}
	var create app.Operation
	chunks := 0
	for _, op := range allOps(t, e.tr.db) {
		switch op.Kind {
		case instruction.OpCreate:
			create = op
		case instruction.OpChunk:
			chunks++
		}
	}
	if create.Entity != in.ID || create.Scope != app.ScopeNone || len(create.To) != 2 || chunks != 1 {
		t.Fatalf("queued: %+v, %d chunks", create, chunks)
	}
	ship(t, e.tr.db, e.township, instruction.OpCreate, instruction.OpChunk)
	got, err := e.ts.Find(ctx, in.ID)
	if err != nil || got.Instruction.Words != in.Words {
		t.Fatalf("at the township: %+v, %v", got, err)
	}
	data, err := e.ts.Attachment(ctx, in.Attachments[0].SHA256)
	if err != nil || !bytes.Equal(data, photo) {
		t.Fatalf("the photo at the township: %q, %v", data, err)
	}
}

func TestBadInstructionChangesNothing(t *testing.T) {
	e := newInstEnv(t)
	before := outboxLen(t, e.tr.db)
	cases := map[string]func(in *instruction.Instruction){
		"words":     func(in *instruction.Instruction) { in.Words = "" },
		"source":    func(in *instruction.Instruction) { in.Source = "" },
		"read_back": func(in *instruction.Instruction) { in.ReadBack = nil },
		"deadline":  func(in *instruction.Instruction) { in.Tasks[0].Deadline = wt0.Add(-time.Minute) },
		"incident":  func(in *instruction.Instruction) { in.Incident = app.NewID() },
	}
	for field, change := range cases {
		in := e.sample()
		change(&in)
		err := e.ps.Create(ctx, &in, nil)
		if app.ErrorCode(err) != app.EINVALID || app.ErrorField(err) != field {
			t.Errorf("%s: %v (field %q)", field, err, app.ErrorField(err))
		}
	}
	// The county cannot task its prefecture.
	up := e.sample()
	up.Tasks[0].Stations = []app.ID{e.tr.prefecture.ID}
	before2 := outboxLen(t, e.county)
	if err := e.cs.Create(ctx, &up, nil); app.ErrorField(err) != "stations" {
		t.Errorf("a task for the station above: %v", err)
	}
	entries, total, err := e.ps.Register(ctx, instruction.Filter{}, wt0, 10)
	if err != nil || total != 0 || len(entries) != 0 || outboxLen(t, e.tr.db) != before || outboxLen(t, e.county) != before2 {
		t.Fatalf("something was stored: %d entries, %v", total, err)
	}
}

func TestInstructionAnsweredMarkedDoneAndFedBack(t *testing.T) {
	e := newInstEnv(t)
	in := e.sample()
	if err := e.ps.Create(ctx, &in, nil); err != nil {
		t.Fatal(err)
	}
	ship(t, e.tr.db, e.county, instruction.OpCreate)
	ship(t, e.tr.db, e.township, instruction.OpCreate)
	task := in.Tasks[0].ID

	clockAt(e.county, wt0.Add(30*time.Minute))
	a := instruction.Answer{Instruction: in.ID, Task: task, Text: "已组织转移群众120人", Done: true}
	if err := e.cs.Answer(ctx, &a, nil); err != nil {
		t.Fatal(err)
	}
	if a.From != e.tr.county.ID || a.For.Station != e.tr.county.ID || a.By != "张值班" {
		t.Fatalf("answer: %+v", a)
	}
	// The township may not answer in the county's name.
	forged := instruction.Answer{Instruction: in.ID, Task: task, For: instruction.Assignee{Station: e.tr.county.ID}, Text: "代答"}
	wantCode(t, e.ts.Answer(ctx, &forged, nil), app.EFORBIDDEN)
	ship(t, e.county, e.tr.db, instruction.OpAnswer)

	// The prefecture records what the unit said by phone.
	unit := instruction.Answer{Instruction: in.ID, Task: task, For: instruction.Assignee{Unit: "州水文局"}, Text: "水位回落", Done: true}
	if err := e.ps.Answer(ctx, &unit, nil); err != nil {
		t.Fatal(err)
	}
	late := wt0.Add(3 * time.Hour)
	entries, _, err := e.ps.Register(ctx, instruction.Filter{State: instruction.StateOverdue}, late, 10)
	if err != nil || len(entries) != 1 || entries[0].Overdue != 1 {
		t.Fatalf("overdue at the prefecture (the township has not answered): %+v, %v", entries, err)
	}
	if n, _ := e.ps.Overdue(ctx, late); n != 1 {
		t.Fatalf("the prefecture's overdue count: %d", n)
	}
	if n, _ := e.cs.Overdue(ctx, late); n != 0 {
		t.Fatalf("the county's overdue count: %d", n)
	}
	if n, _ := e.ts.Overdue(ctx, late); n != 1 {
		t.Fatalf("the township's overdue count: %d", n)
	}
	rems, err := e.ts.Reminders(ctx, wt0.Add(100*time.Minute), instruction.DefaultRemindBefore)
	if err != nil || len(rems) != 1 || rems[0].For.Station != e.tr.township.ID || rems[0].Overdue {
		t.Fatalf("the township's reminder: %+v, %v", rems, err)
	}

	d := instruction.Done{Instruction: in.ID, Task: task}
	if err := e.ts.MarkDone(ctx, &d); err != nil {
		t.Fatal(err)
	}
	ship(t, e.township, e.tr.db, instruction.OpDone)
	rec, err := e.ps.Find(ctx, in.ID)
	if err != nil || rec.State(late) != instruction.StateAnswered {
		t.Fatalf("after every answer: %v, %v", rec.State(late), err)
	}
	draft := rec.AssembleFeedback(func(id app.ID) string {
		return map[app.ID]string{e.tr.county.ID: "吉首市", e.tr.township.ID: "乾州街道"}[id]
	}, time.UTC)
	if !strings.Contains(draft, "转移群众120人") || !strings.Contains(draft, "水位回落") {
		t.Fatalf("draft: %s", draft)
	}
	wantCode(t, e.cs.Feedback(ctx, &instruction.Feedback{Instruction: in.ID, Text: "x"}), app.EFORBIDDEN)
	fb := instruction.Feedback{Instruction: in.ID, Text: draft}
	if err := e.ps.Feedback(ctx, &fb); err != nil {
		t.Fatal(err)
	}
	if fb.By != "张值班" || fb.From != e.tr.prefecture.ID {
		t.Fatalf("feedback: %+v", fb)
	}
	ship(t, e.tr.db, e.county, instruction.OpFeedback)
	if rec, _ := e.cs.Find(ctx, in.ID); rec.LastFeedback() == nil {
		t.Fatal("the county does not see the reply")
	}
	entries, _, _ = e.ps.Register(ctx, instruction.Filter{State: instruction.StateFedBack}, late, 10)
	if len(entries) != 1 {
		t.Fatalf("fed back: %+v", entries)
	}
}

func TestInstructionRegisterFiltersAndExportReadsBack(t *testing.T) {
	e := newInstEnv(t)
	inc := e.sample()
	other := e.sample()
	other.Words, other.GivenAt, other.Source, other.ReadBack = "请泸溪县做好防汛准备", wt0.Add(-48*time.Hour), instruction.SourcePaper, nil
	other.Tasks = []instruction.Task{{Text: "防汛准备", Stations: []app.ID{e.tr.county.ID}, Deadline: wt0.Add(time.Hour)}}
	for _, in := range []*instruction.Instruction{&inc, &other} {
		if err := e.ps.Create(ctx, in, nil); err != nil {
			t.Fatal(err)
		}
	}
	check := func(what string, f instruction.Filter, now time.Time, want ...app.ID) {
		t.Helper()
		got, total, err := e.ps.Register(ctx, f, now, 10)
		if err != nil || total != len(want) {
			t.Fatalf("%s: %d, %v", what, total, err)
		}
		for i := range want {
			if got[i].ID != want[i] {
				t.Fatalf("%s: entry %d is %s", what, i, got[i].Words)
			}
		}
	}
	check("all, newest given first", instruction.Filter{}, wt0, inc.ID, other.ID)
	check("the township", instruction.Filter{Station: e.tr.township.ID}, wt0, inc.ID)
	check("search", instruction.Filter{Query: "防汛"}, wt0, other.ID)
	check("date range", instruction.Filter{From: wt0.Add(-24 * time.Hour), To: wt0}, wt0, inc.ID)
	check("overdue after an hour and a half", instruction.Filter{State: instruction.StateOverdue}, wt0.Add(90*time.Minute), other.ID)
	check("open", instruction.Filter{State: instruction.StateOpen}, wt0, inc.ID, other.ID)
	if _, _, err := e.ps.Register(ctx, instruction.Filter{State: "lost"}, wt0, 10); app.ErrorField(err) != "state" {
		t.Fatalf("a bad state: %v", err)
	}

	recs, err := e.ps.Matching(ctx, instruction.Filter{}, wt0.Add(90*time.Minute), 0)
	if err != nil || len(recs) != 2 {
		t.Fatalf("matching: %d, %v", len(recs), err)
	}
	var buf bytes.Buffer
	if err := instructionfile.WriteXLSX(&buf, instructionfile.Register{Title: "湘西州 批示台账", Records: recs, Now: wt0.Add(90 * time.Minute)}); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := f.GetRows("批示台账")
	if err != nil || len(rows) != 4 {
		t.Fatalf("rows: %d, %v", len(rows), err)
	}
	if rows[1][0] != "序号" || rows[2][2] != "张明" || !strings.Contains(rows[2][5], "白沙镇山体滑坡") || !strings.Contains(rows[2][6], "州水文局") || rows[3][9] != "已超时" || rows[3][4] != "纸质" {
		t.Fatalf("read back: %q", rows)
	}
}

func TestIncomingInstructionOpsAreChecked(t *testing.T) {
	e := newInstEnv(t)
	in := e.sample()
	if err := e.ps.Create(ctx, &in, nil); err != nil {
		t.Fatal(err)
	}
	ship(t, e.tr.db, e.county, instruction.OpCreate)
	ship(t, e.tr.db, e.township, instruction.OpCreate)
	task := in.Tasks[0].ID
	// The township sends an answer claiming to be the county's, as a
	// hostile client would, past a hub that let it through.
	a := instruction.Answer{Instruction: in.ID, Task: task, Text: "已办结", Done: true}
	if err := e.ts.Answer(ctx, &a, nil); err != nil {
		t.Fatal(err)
	}
	ops := ship(t, e.township, e.tr.db, instruction.OpAnswer)
	forged := ops[0]
	forged.ID, forged.Seq = app.NewID(), forged.Seq+100
	forged.Payload = bytes.Replace(forged.Payload, []byte(e.tr.township.ID.String()), []byte(e.tr.county.ID.String()), -1)
	if _, err := e.tr.db.ApplyIncoming(ctx, "e", 100, []app.Operation{forged}); err != nil {
		t.Fatal(err)
	}
	if r := keptReasons(t, e.tr.db)[forged.ID]; !strings.Contains(r, "in the name of") {
		t.Fatalf("the forged answer: kept %q", r)
	}
	rec, _ := e.ps.Find(ctx, in.ID)
	if len(rec.Answers) != 1 || rec.Answers[0].For.Station != e.tr.township.ID {
		t.Fatalf("answers at the prefecture: %+v", rec.Answers)
	}
}
