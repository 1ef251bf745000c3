package hub_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"dutyroom/app"
	"dutyroom/app/instruction"
	"dutyroom/app/wire"
	"dutyroom/hub"
	"dutyroom/store"
)

// The prefecture records a leader's instruction with tasks for a county
// and a township of another county; each receives it over a real hub and
// answers, and the prefecture sees both answers. A second one, to two
// counties, is answered by one; the other goes overdue in the
// prefecture's register and count. A third station, not
// named, pushes an answer: the hub refuses it and stores nothing; handed
// to the prefecture directly, as by a hub that let it through, it is kept
// unapplied with the reason.
func TestInstructionTasksAnsweredThroughTheHub(t *testing.T) {
	h := startHub(t, hub.Config{})
	tr := h.tree
	p, c1, t3 := newClient(t, "p"), newClient(t, "c1"), newClient(t, "t3")
	for _, c := range []struct {
		cl   *client
		user string
		st   app.Station
	}{{p, "p", tr.P}, {c1, "c1", tr.C1}, {t3, "t3", tr.T3}} {
		c.cl.start(h.addr, c.user)
		c.cl.caughtUp()
		c.cl.setIdentity(c.st)
	}
	ctx := app.WithAuthor(context.Background(), "州值班员")
	ps := store.NewInstructions(p.db)
	now := time.Now().UTC()
	in := instruction.Instruction{
		Leader: "张明", LeaderPost: "州长", GivenAt: now.Add(-5 * time.Minute), Source: instruction.SourcePaper,
		Words: "请吉首市、白沙镇立即核查灾情，1小时内报告。",
		Tasks: []instruction.Task{{Text: "核查灾情并报告", Stations: []app.ID{tr.C1.ID, tr.T3.ID}, Deadline: now.Add(time.Hour)}},
	}
	photo := []byte("a photo of the paper")
	if err := ps.Create(ctx, &in, []instruction.File{{Name: "批示件.jpg", Size: int64(len(photo)), Content: strings.NewReader(string(photo))}}); err != nil {
		t.Fatal(err)
	}
	p.eng.Kick()
	task := in.Tasks[0].ID
	for _, c := range []*client{c1, t3} {
		is := store.NewInstructions(c.db)
		waitFor(t, c.name+" to receive the instruction and its photo", func() bool {
			_, err := is.Attachment(context.Background(), in.Attachments[0].SHA256)
			return err == nil
		})
		a := instruction.Answer{Instruction: in.ID, Task: task, Text: c.name + "已核查，无人员伤亡", Done: true}
		if err := is.Answer(app.WithAuthor(context.Background(), c.name+"值班员"), &a, nil); err != nil {
			t.Fatal(err)
		}
		c.eng.Kick()
	}
	waitFor(t, "both answers at the prefecture", func() bool {
		rec, err := ps.Find(context.Background(), in.ID)
		return err == nil && len(rec.Answers) == 2
	})
	rec, _ := ps.Find(context.Background(), in.ID)
	if st := rec.State(time.Now()); st != instruction.StateAnswered {
		t.Fatalf("state at the prefecture: %s", st)
	}

	// A second instruction to both counties: 吉首市 answers, 泸溪县 (whose
	// duty room is not running) does not, and goes overdue.
	second := instruction.Instruction{
		Leader: "李强", LeaderPost: "州委书记", GivenAt: time.Now().UTC().Add(-time.Minute), Source: instruction.SourceMessage,
		Words: "各县市立即排查在建工地防汛隐患，1小时内报告。",
		Tasks: []instruction.Task{{Text: "排查在建工地并报告", Stations: []app.ID{tr.C1.ID, tr.C2.ID}, Deadline: time.Now().UTC().Add(time.Hour)}},
	}
	if err := ps.Create(ctx, &second, nil); err != nil {
		t.Fatal(err)
	}
	p.eng.Kick()
	cs := store.NewInstructions(c1.db)
	waitFor(t, "the second instruction at 吉首市", func() bool {
		_, err := cs.Find(context.Background(), second.ID)
		return err == nil
	})
	a := instruction.Answer{Instruction: second.ID, Task: second.Tasks[0].ID, Text: "已排查12处工地，无隐患", Done: true}
	if err := cs.Answer(app.WithAuthor(context.Background(), "吉首值班员"), &a, nil); err != nil {
		t.Fatal(err)
	}
	c1.eng.Kick()
	waitFor(t, "吉首市's answer at the prefecture", func() bool {
		rec, err := ps.Find(context.Background(), second.ID)
		return err == nil && len(rec.Answers) == 1
	})
	later := time.Now().Add(2 * time.Hour)
	overdue, _, err := ps.Register(context.Background(), instruction.Filter{State: instruction.StateOverdue}, later, 10)
	if err != nil || len(overdue) != 1 || overdue[0].ID != second.ID || overdue[0].Overdue != 1 {
		t.Fatalf("the prefecture's overdue register: %+v, %v", overdue, err)
	}
	if n, err := ps.Overdue(context.Background(), later); err != nil || n != 1 {
		t.Fatalf("the prefecture's status-bar count: %d, %v", n, err)
	}
	if n, _ := cs.Overdue(context.Background(), later); n != 0 {
		t.Fatalf("吉首市 counts %d overdue, having answered", n)
	}

	// T2 (not named) pushes an answer in its own name.
	forged := instruction.AnswerSent{Answer: instruction.Answer{ID: app.NewID(), Instruction: in.ID, Task: task,
		For: instruction.Assignee{Station: tr.T2.ID}, From: tr.T2.ID, Text: "冒名反馈", Done: true, At: time.Now().UTC()}}
	o := op(tr.T2.ID, 1, instruction.OpAnswer)
	o.Entity, o.To, o.Scope = in.ID, []app.ID{tr.P.ID}, app.ScopeNone
	o.Payload, _ = json.Marshal(forged)
	r := dialRaw(t, h.addr)
	r.login("t2")
	refused := pushExpect(t, r, "forged", []app.Operation{o})
	if len(refused) != 1 || refused[0].Code != wire.CodeForbidden {
		t.Fatalf("the hub's answer to the forged answer: %+v", refused)
	}
	if inLog(h, o.ID) {
		t.Fatal("the hub stored the forged answer")
	}
	if !strings.Contains(h.log.String(), "instruction.task.answer") {
		t.Fatalf("the hub did not log the refusal:\n%s", h.log.String())
	}

	_, pos, _ := p.db.SyncCursor(context.Background())
	p.stop()
	res, err := p.db.ApplyIncoming(context.Background(), h.srv.Epoch(), pos, []app.Operation{o})
	if err != nil || res.Kept != 1 {
		t.Fatalf("the forged answer handed to the prefecture: %+v, %v", res, err)
	}
	kept, _ := p.db.KeptOps(context.Background(), 10)
	if len(kept) != 1 || !strings.Contains(kept[0].Reason, "forbidden") {
		t.Fatalf("kept: %+v", kept)
	}
	rec, _ = ps.Find(context.Background(), in.ID)
	if len(rec.Answers) != 2 {
		t.Fatalf("the forged answer was applied: %+v", rec.Answers)
	}
}
