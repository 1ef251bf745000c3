package ui

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"dutyroom/app"
	"dutyroom/app/attachment"
	"dutyroom/app/instruction"
)

// fakeInstructions is instruction.Service in memory, over the fake
// store's stations and identity, with the domain's own validation.
type fakeInstructions struct {
	f    *fakeStore
	now  func() time.Time
	mu   sync.Mutex
	recs []*instruction.Record // in the order recorded
}

var _ instruction.Service = (*fakeInstructions)(nil)

func (x *fakeInstructions) tree() (*app.Tree, app.ID) {
	x.f.mu.Lock()
	defer x.f.mu.Unlock()
	var list []app.Station
	for _, s := range x.f.stations {
		list = append(list, s)
	}
	return app.NewTree(list), x.f.identity
}

func (x *fakeInstructions) find(id app.ID) (*instruction.Record, error) {
	for _, r := range x.recs {
		if r.Instruction.ID == id {
			return r, nil
		}
	}
	return nil, app.Errorf(app.ENOTFOUND, "no instruction %s", id)
}

func (x *fakeInstructions) Create(ctx context.Context, in *instruction.Instruction, files []instruction.File) error {
	tree, self := x.tree()
	x.mu.Lock()
	defer x.mu.Unlock()
	n := *in
	n.ID, n.Station, n.Author, n.RecordedAt = app.NewID(), self, app.AuthorFrom(ctx), x.now()
	n.Tasks = slices.Clone(in.Tasks)
	for i := range n.Tasks {
		n.Tasks[i].ID = app.NewID()
	}
	for _, f := range files {
		n.Attachments = append(n.Attachments, attachment.Attachment{ID: app.NewID(), Name: f.Name, Size: f.Size, SHA256: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"})
	}
	if err := n.Validate(tree, x.now()); err != nil {
		return err
	}
	x.recs = append(x.recs, &instruction.Record{Instruction: n})
	*in = n
	return nil
}

func (x *fakeInstructions) Find(_ context.Context, id app.ID) (*instruction.Record, error) {
	x.mu.Lock()
	defer x.mu.Unlock()
	r, err := x.find(id)
	if err != nil {
		return nil, err
	}
	c := *r
	return &c, nil
}

func (x *fakeInstructions) Answer(ctx context.Context, a *instruction.Answer, _ []instruction.File) error {
	_, self := x.tree()
	x.mu.Lock()
	defer x.mu.Unlock()
	r, err := x.find(a.Instruction)
	if err != nil {
		return err
	}
	n := *a
	n.ID, n.From, n.At, n.By = app.NewID(), self, x.now(), app.AuthorFrom(ctx)
	if n.For == (instruction.Assignee{}) {
		n.For.Station = self
	}
	if err := n.Validate(&r.Instruction); err != nil {
		return err
	}
	r.Answers = append(r.Answers, n)
	*a = n
	return nil
}

func (x *fakeInstructions) MarkDone(ctx context.Context, d *instruction.Done) error {
	return app.Errorf(app.ENOTIMPLEMENTED, "the window marks done with an answer")
}

func (x *fakeInstructions) Feedback(ctx context.Context, f *instruction.Feedback) error {
	_, self := x.tree()
	x.mu.Lock()
	defer x.mu.Unlock()
	r, err := x.find(f.Instruction)
	if err != nil {
		return err
	}
	n := *f
	n.ID, n.From, n.At, n.By = app.NewID(), self, x.now(), app.AuthorFrom(ctx)
	if err := n.Validate(&r.Instruction); err != nil {
		return err
	}
	r.Feedback = append(r.Feedback, n)
	*f = n
	return nil
}

func (x *fakeInstructions) Register(_ context.Context, f instruction.Filter, now time.Time, limit int) ([]instruction.Entry, int, error) {
	if err := f.Validate(); err != nil {
		return nil, 0, err
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	var out []instruction.Entry
	total := 0
	for i := len(x.recs) - 1; i >= 0; i-- {
		s := x.recs[i].Summary()
		if !f.Match(&s, now, instruction.Words(f.Query)) {
			continue
		}
		total++
		if limit <= 0 || len(out) < limit {
			out = append(out, instruction.Entry{Summary: s, State: s.State(now), Overdue: s.OverdueCount(now)})
		}
	}
	return out, total, nil
}

func (x *fakeInstructions) Overdue(_ context.Context, now time.Time) (int, error) {
	_, self := x.tree()
	x.mu.Lock()
	defer x.mu.Unlock()
	n := 0
	for _, r := range x.recs {
		for _, p := range r.Progress() {
			if p.Overdue(now) && (r.Instruction.Station == self || p.For.Station == self) {
				n++
			}
		}
	}
	return n, nil
}

func (x *fakeInstructions) Reminders(_ context.Context, now time.Time, before time.Duration) ([]instruction.Reminder, error) {
	_, self := x.tree()
	x.mu.Lock()
	defer x.mu.Unlock()
	var out []instruction.Reminder
	for _, r := range x.recs {
		out = append(out, r.Reminders(self, now, before)...)
	}
	return out, nil
}

func (x *fakeInstructions) Attachment(context.Context, string) ([]byte, error) {
	return []byte("photo"), nil
}

// instructionDemo is the demo prefecture at a fixed clock, with the
// fake instruction service.
type instructionDemo struct {
	*demo
	svc *fakeInstructions
	now time.Time
}

func newInstructionDemo(t *testing.T, clock string) *instructionDemo {
	t.Helper()
	d := &instructionDemo{demo: newDemo()}
	d.store.author = "值班员甲"
	at, err := time.ParseInLocation("2006-01-02 15:04", clock, shanghai(t))
	if err != nil {
		t.Fatal(err)
	}
	d.now = at
	d.store.clock = func() time.Time { return d.now }
	d.svc = &fakeInstructions{f: d.store, now: func() time.Time { return d.now }}
	d.store.identity = d.xiangxi.ID
	return d
}

func (d *instructionDemo) open(t *testing.T) *UI {
	t.Helper()
	s := d.store.services()
	s.Instructions = d.svc
	u := New(test.NewTempApp(t), s)
	t.Cleanup(u.win.Close)
	u.win.Resize(fyne.NewSize(1366, 768))
	u.nav.open("instructions")
	return u
}

// issue records an instruction of the prefecture with one task for the
// stations, due in the given time.
func (d *instructionDemo) issue(t *testing.T, due time.Duration, units []string, stations ...app.Station) *instruction.Instruction {
	t.Helper()
	in := &instruction.Instruction{Leader: "张明", LeaderPost: "州长", GivenAt: d.now.Add(-5 * time.Minute), Source: instruction.SourcePaper,
		Words: "请吉首市、泸溪县立即核查白沙镇山体滑坡灾情，2小时内报告处置情况。",
		Tasks: []instruction.Task{{Text: "核查灾情并报告处置情况", Units: units, Deadline: d.now.Add(due)}}}
	for _, s := range stations {
		in.Tasks[0].Stations = append(in.Tasks[0].Stations, s.ID)
	}
	self := d.store.identity
	d.store.identity = d.xiangxi.ID
	defer func() { d.store.identity = self }()
	if err := d.svc.Create(app.WithAuthor(context.Background(), "州值班员"), in, nil); err != nil {
		t.Fatal(err)
	}
	return in
}

// answerAs records an answer of station st, as it would arrive.
func (d *instructionDemo) answerAs(t *testing.T, st app.Station, in *instruction.Instruction, text string, done bool) {
	t.Helper()
	self := d.store.identity
	d.store.identity = st.ID
	defer func() { d.store.identity = self }()
	a := instruction.Answer{Instruction: in.ID, Task: in.Tasks[0].ID, Text: text, Done: done}
	if err := d.svc.Answer(app.WithAuthor(context.Background(), st.Name+"值班员"), &a, nil); err != nil {
		t.Fatal(err)
	}
}
