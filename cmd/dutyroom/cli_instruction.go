package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strconv"
	"time"

	"dutyroom/app"
	"dutyroom/app/instruction"
	"dutyroom/instructionfile"
	"dutyroom/store"
)

const instructionUsage = `  instruction add --leader NAME --post POST --source phone|paper|message --words TEXT
               [--given TIME] [--read-back-by NAME [--read-back-at TIME]] [--incident ID] [--attach FILE]...
               --task TEXT [--to CODE]... [--unit NAME]... --due TIME   (repeat --task for more tasks)
                                record a leader's instruction (批示); a phone one needs --read-back-by
  instruction list [--json] [--state open|overdue|answered|fed_back] [--from T] [--to T]
               [--incident ID] [--station CODE] [--q WORDS] [--limit N] [--xlsx FILE]
  instruction show ID [--json]  the instruction, who has and has not answered, the reply
  instruction answer ID --task N --text T [--done] [--unit NAME] [--attach FILE]...
                                report on task N for this station (or, at the issuer, for a unit)
  instruction feedback ID (--text T | --draft | --from-draft) [--by NAME]
                                print the reply assembled from the answers, or record the reply
`

func (m *Main) runInstruction(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return errUsage{"instruction needs a subcommand: add, list, show, answer or feedback"}
	}
	db, err := m.open()
	if err != nil {
		return err
	}
	env := instructionEnv{incidentEnv: incidentEnv{dir: store.NewDirectory(db), svc: store.NewIncidents(db), ident: store.NewIdentity(db)}, svc: store.NewInstructions(db)}
	var run func(context.Context, instructionEnv, []string) error
	switch args[0] {
	case "add":
		run = m.instructionAdd
	case "list":
		run = m.instructionList
	case "show":
		run = m.instructionShow
	case "answer":
		run = m.instructionAnswer
	case "feedback":
		run = m.instructionFeedback
	default:
		return errUsage{fmt.Sprintf("unknown instruction subcommand %q (want add, list, show, answer or feedback)", args[0])}
	}
	return instructionFlagNames(run(ctx, env, args[1:]))
}

type instructionEnv struct {
	incidentEnv
	svc *store.Instructions
}

// self is this duty room's station; instructions are recorded as it.
func (e instructionEnv) self(ctx context.Context) (*app.Station, error) {
	s, err := e.ident.Identity(ctx)
	if app.ErrorCode(err) == app.ENOTFOUND {
		return nil, app.Errorf(app.ENOTFOUND, "this data folder has no station of its own yet (see init --station)")
	}
	return s, err
}

var instructionFlagOf = map[string]string{
	"leader": "--leader", "leader_post": "--post", "given_at": "--given", "source": "--source", "words": "--words",
	"read_back": "--read-back-by", "incident": "--incident", "attachments": "--attach", "tasks": "--task",
	"stations": "--to", "units": "--unit", "deadline": "--due", "text": "--text", "task": "--task", "for": "--unit",
	"state": "--state", "to": "--to", "query": "--q", "by": "--by",
}

func instructionFlagNames(err error) error {
	var e *app.Error
	if errors.As(err, &e) && e.Code == app.EINVALID {
		if f, ok := instructionFlagOf[e.Field]; ok {
			return &app.Error{Code: e.Code, Field: e.Field + " (" + f + ")", Message: e.Message}
		}
	}
	return err
}

// taskFlags collect tasks in the order given: --task starts one, and the
// --to, --unit and --due after it belong to it.
type taskFlags struct {
	env   instructionEnv
	ctx   context.Context
	loc   *time.Location
	tasks []instruction.Task
	err   error
}

func (t *taskFlags) last(flagName string) (*instruction.Task, error) {
	if len(t.tasks) == 0 {
		return nil, errUsage{flagName + " belongs to a task: give --task TEXT first"}
	}
	return &t.tasks[len(t.tasks)-1], nil
}

type taskFlag struct {
	t    *taskFlags
	name string
	set  func(task *instruction.Task, v string) error
}

func (f taskFlag) String() string { return "" }
func (f taskFlag) Set(v string) error {
	if f.name == "task" {
		f.t.tasks = append(f.t.tasks, instruction.Task{Text: v})
		return nil
	}
	task, err := f.t.last("--" + f.name)
	if err != nil {
		f.t.err = err
		return err
	}
	if err := f.set(task, v); err != nil {
		// flag would print only the message; keep the error whole.
		f.t.err = err
		return err
	}
	return nil
}

func (m *Main) instructionAdd(ctx context.Context, env instructionEnv, args []string) error {
	self, err := env.self(ctx)
	if err != nil {
		return err
	}
	loc := self.Location()
	fs := m.flags("instruction add")
	leader := fs.String("leader", "", "who gave the instruction")
	post := fs.String("post", "", "the leader's post (职务)")
	given := fs.String("given", "", "when it was given (default: now)")
	source := fs.String("source", "", "phone, paper or message")
	words := fs.String("words", "", "the instruction's exact words")
	readBy := fs.String("read-back-by", "", "who read a phone instruction back to the leader (复述确认)")
	readAt := fs.String("read-back-at", "", "when it was read back (default: now)")
	incidentID := fs.String("incident", "", "the incident it concerns")
	asJSON := fs.Bool("json", false, "print JSON")
	var attach stringList
	fs.Var(&attach, "attach", "file to attach, e.g. a photo of the paper (repeat for more)")
	tf := &taskFlags{env: env, ctx: ctx, loc: loc}
	fs.Var(taskFlag{t: tf, name: "task"}, "task", "what the task asks (starts a task)")
	fs.Var(taskFlag{t: tf, name: "to", set: func(task *instruction.Task, v string) error {
		s, err := env.station(ctx, "stations", v)
		if err != nil {
			return err
		}
		task.Stations = append(task.Stations, s.ID)
		return nil
	}}, "to", "code of a station the task is for (repeat for more)")
	fs.Var(taskFlag{t: tf, name: "unit", set: func(task *instruction.Task, v string) error {
		task.Units = append(task.Units, v)
		return nil
	}}, "unit", "a unit outside the system the task is for (repeat for more)")
	fs.Var(taskFlag{t: tf, name: "due", set: func(task *instruction.Task, v string) error {
		d, err := parseTime("deadline", v, loc)
		task.Deadline = d
		return err
	}}, "due", "the task's deadline")
	if err := fs.Parse(args); err != nil {
		if tf.err != nil {
			return tf.err
		}
		return err
	}
	if fs.NArg() > 0 {
		return errUsage{fmt.Sprintf("unexpected %q: instruction add takes flags only", fs.Arg(0))}
	}
	now := time.Now()
	in := instruction.Instruction{Leader: *leader, LeaderPost: *post, Source: instruction.Source(*source), Words: *words, GivenAt: now, Tasks: tf.tasks}
	if *given != "" {
		if in.GivenAt, err = parseTime("given_at", *given, loc); err != nil {
			return err
		}
	}
	if *readBy != "" {
		rb := instruction.ReadBack{By: *readBy, At: now}
		if *readAt != "" {
			if rb.At, err = parseTime("read_back", *readAt, loc); err != nil {
				return err
			}
		}
		in.ReadBack = &rb
	}
	if *incidentID != "" {
		if in.Incident, err = app.ParseID(*incidentID); err != nil {
			return app.FieldErrorf("incident", "%q is not an incident id (see incident list)", *incidentID)
		}
	}
	files, closeFiles, err := openAttachments(attach)
	if err != nil {
		return err
	}
	defer closeFiles()
	var inFiles []instruction.File
	for _, f := range files {
		inFiles = append(inFiles, instruction.File{Name: f.Name, MIME: f.MIME, Size: f.Size, Content: f.Content})
	}
	if err := env.svc.Create(ctx, &in, inFiles); err != nil {
		return err
	}
	if *asJSON {
		rec := instruction.Record{Instruction: in}
		tree, err := env.tree(ctx)
		if err != nil {
			return err
		}
		return m.printJSON(instructionJSON(&rec, tree, now))
	}
	fmt.Fprintf(m.Stdout, "saved %s with %d task(s)\n", in.ID, len(in.Tasks))
	return nil
}

// instructionOut is an instruction as scripts read it: stations by code.
type instructionOut struct {
	ID         string       `json:"id"`
	Station    string       `json:"station"`
	State      string       `json:"state"`
	Leader     string       `json:"leader"`
	Post       string       `json:"post"`
	GivenAt    time.Time    `json:"given_at"`
	Source     string       `json:"source"`
	Words      string       `json:"words"`
	ReadBackBy string       `json:"read_back_by,omitempty"`
	Incident   string       `json:"incident,omitempty"`
	Files      []string     `json:"files,omitempty"`
	Tasks      []taskOut    `json:"tasks"`
	Feedback   *feedbackOut `json:"feedback,omitempty"`
}

type taskOut struct {
	N        int               `json:"n"`
	ID       string            `json:"id"`
	Text     string            `json:"text"`
	Deadline time.Time         `json:"deadline"`
	For      []taskProgressOut `json:"for"`
}

type taskProgressOut struct {
	Station  string     `json:"station,omitempty"`
	Unit     string     `json:"unit,omitempty"`
	Answered bool       `json:"answered"`
	Done     *time.Time `json:"done,omitempty"`
	Overdue  bool       `json:"overdue"`
	Last     string     `json:"last,omitempty"`
}

type feedbackOut struct {
	Text string    `json:"text"`
	By   string    `json:"by"`
	At   time.Time `json:"at"`
}

func stationCode(tree *app.Tree, id app.ID) string {
	if s := tree.Station(id); s != nil {
		return s.Code
	}
	return id.String()
}

func instructionJSON(rec *instruction.Record, tree *app.Tree, now time.Time) instructionOut {
	in := &rec.Instruction
	out := instructionOut{ID: in.ID.String(), Station: stationCode(tree, in.Station), State: string(rec.State(now)), Leader: in.Leader,
		Post: in.LeaderPost, GivenAt: in.GivenAt, Source: string(in.Source), Words: in.Words, Tasks: []taskOut{}}
	if in.ReadBack != nil {
		out.ReadBackBy = in.ReadBack.By
	}
	if in.Incident != app.NilID {
		out.Incident = in.Incident.String()
	}
	for _, a := range in.Attachments {
		out.Files = append(out.Files, a.Name)
	}
	progress := rec.Progress()
	for i, t := range in.Tasks {
		to := taskOut{N: i + 1, ID: t.ID.String(), Text: t.Text, Deadline: t.Deadline, For: []taskProgressOut{}}
		for _, p := range progress {
			if p.Task != t.ID {
				continue
			}
			po := taskProgressOut{Unit: p.For.Unit, Answered: p.Last != nil, Done: p.DoneAt, Overdue: p.Overdue(now)}
			if p.For.Station != app.NilID {
				po.Station = stationCode(tree, p.For.Station)
			}
			if p.Last != nil {
				po.Last = p.Last.Text
			}
			to.For = append(to.For, po)
		}
		out.Tasks = append(out.Tasks, to)
	}
	if fb := rec.LastFeedback(); fb != nil {
		out.Feedback = &feedbackOut{Text: fb.Text, By: fb.By, At: fb.At}
	}
	return out
}

func (m *Main) instructionList(ctx context.Context, env instructionEnv, args []string) error {
	fs := m.flags("instruction list")
	asJSON := fs.Bool("json", false, "print JSON")
	state := fs.String("state", "", "open, overdue, answered or fed_back")
	from := fs.String("from", "", "given at or after")
	to := fs.String("to", "", "given before")
	incidentID := fs.String("incident", "", "the incident they concern")
	station := fs.String("station", "", "code of a station they task or that issued them")
	q := fs.String("q", "", "words to search for")
	limit := fs.Int("limit", 200, "at most this many")
	xlsx := fs.String("xlsx", "", "write the register to FILE.xlsx")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return errUsage{fmt.Sprintf("unexpected %q: instruction list takes flags only", fs.Arg(0))}
	}
	loc := time.Local
	if self, err := env.ident.Identity(ctx); err == nil {
		loc = self.Location()
	}
	f := instruction.Filter{State: instruction.State(*state), Query: *q}
	var err error
	if *from != "" {
		if f.From, err = parseTime("from", *from, loc); err != nil {
			return err
		}
	}
	if *to != "" {
		if f.To, err = parseTime("to", *to, loc); err != nil {
			return err
		}
	}
	if *incidentID != "" {
		if f.Incident, err = app.ParseID(*incidentID); err != nil {
			return app.FieldErrorf("incident", "%q is not an incident id", *incidentID)
		}
	}
	if *station != "" {
		s, err := env.station(ctx, "station", *station)
		if err != nil {
			return err
		}
		f.Station = s.ID
	}
	now := time.Now()
	tree, err := env.tree(ctx)
	if err != nil {
		return err
	}
	if *xlsx != "" {
		recs, err := env.svc.Matching(ctx, f, now, 0)
		if err != nil {
			return err
		}
		out, err := os.Create(*xlsx)
		if err != nil {
			return err
		}
		title := "批示台账"
		if self, err := env.ident.Identity(ctx); err == nil {
			title = self.Name + " " + title
		}
		if err := instructionfile.WriteXLSX(out, instructionfile.Register{Title: title, Records: recs, Tree: tree, Location: loc, Now: now}); err != nil {
			out.Close()
			os.Remove(*xlsx)
			return err
		}
		if err := out.Close(); err != nil {
			return err
		}
		fmt.Fprintf(m.Stdout, "wrote %d instruction(s) to %s\n", len(recs), *xlsx)
		return nil
	}
	entries, total, err := env.svc.Register(ctx, f, now, *limit)
	if err != nil {
		return err
	}
	if *asJSON {
		type entryOut struct {
			ID       string    `json:"id"`
			GivenAt  time.Time `json:"given_at"`
			Leader   string    `json:"leader"`
			Post     string    `json:"post"`
			Words    string    `json:"words"`
			State    string    `json:"state"`
			Overdue  int       `json:"overdue"`
			Pending  int       `json:"pending"`
			Assigned int       `json:"assigned"`
		}
		out := struct {
			Total   int        `json:"total"`
			Entries []entryOut `json:"entries"`
		}{Total: total, Entries: []entryOut{}}
		for _, e := range entries {
			out.Entries = append(out.Entries, entryOut{ID: e.ID.String(), GivenAt: e.GivenAt, Leader: e.Leader, Post: e.Post, Words: e.Words,
				State: string(e.State), Overdue: e.Overdue, Pending: len(e.Pending), Assigned: e.Assigned})
		}
		return m.printJSON(out)
	}
	tw := newTable(m.Stdout)
	for _, e := range entries {
		state := string(e.State)
		if e.Overdue > 0 {
			state = fmt.Sprintf("OVERDUE (%d)", e.Overdue)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s %s\t%d/%d answered\t%s\t%s\n", e.ID, e.GivenAt.In(loc).Format("2006-01-02 15:04"), e.Post, e.Leader,
			e.Assigned-len(e.Pending), e.Assigned, state, e.Words)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "%d of %d\n", len(entries), total)
	return nil
}

func (m *Main) instructionShow(ctx context.Context, env instructionEnv, args []string) error {
	fs := m.flags("instruction show")
	asJSON := fs.Bool("json", false, "print JSON")
	id, err := parseWithID(fs, args, "instruction")
	if err != nil {
		return err
	}
	rec, err := env.svc.Find(ctx, id)
	if err != nil {
		return err
	}
	tree, err := env.tree(ctx)
	if err != nil {
		return err
	}
	now := time.Now()
	if *asJSON {
		return m.printJSON(instructionJSON(rec, tree, now))
	}
	in := &rec.Instruction
	loc := time.Local
	if s := tree.Station(in.Station); s != nil {
		loc = s.Location()
	}
	fmt.Fprintf(m.Stdout, "%s  %s %s, %s by %s (%s)\n", in.ID, in.LeaderPost, in.Leader, in.GivenAt.In(loc).Format("2006-01-02 15:04"), in.Source, rec.State(now))
	fmt.Fprintf(m.Stdout, "  %s\n", in.Words)
	if in.ReadBack != nil {
		fmt.Fprintf(m.Stdout, "  read back by %s at %s\n", in.ReadBack.By, in.ReadBack.At.In(loc).Format("15:04"))
	}
	for _, a := range in.Attachments {
		fmt.Fprintf(m.Stdout, "  file %s (%d bytes)\n", a.Name, a.Size)
	}
	progress := rec.Progress()
	for i, t := range in.Tasks {
		fmt.Fprintf(m.Stdout, "task %d: %s (due %s)\n", i+1, t.Text, t.Deadline.In(loc).Format("2006-01-02 15:04"))
		tw := newTable(m.Stdout)
		for _, p := range progress {
			if p.Task != t.ID {
				continue
			}
			who := p.For.Unit
			if p.For.Station != app.NilID {
				who = stationName(tree, p.For.Station)
			}
			state := "not answered"
			switch {
			case p.DoneAt != nil:
				state = "done " + p.DoneAt.In(loc).Format("01-02 15:04")
			case p.Last != nil:
				state = "answered"
			}
			if p.Overdue(now) {
				state += ", OVERDUE"
			}
			last := ""
			if p.Last != nil {
				last = p.Last.Text
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s\n", who, state, last)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	if fb := rec.LastFeedback(); fb != nil {
		fmt.Fprintf(m.Stdout, "reply to the leader (%s, %s):\n%s\n", fb.By, fb.At.In(loc).Format("2006-01-02 15:04"), fb.Text)
	}
	return nil
}

func (m *Main) instructionAnswer(ctx context.Context, env instructionEnv, args []string) error {
	fs := m.flags("instruction answer")
	taskN := fs.String("task", "1", "the task's number (as instruction show prints it) or id")
	text := fs.String("text", "", "what has been done (办理情况)")
	done := fs.Bool("done", false, "the task is finished")
	unit := fs.String("unit", "", "answer for this unit outside the system (at the issuing station)")
	asJSON := fs.Bool("json", false, "print JSON")
	var attach stringList
	fs.Var(&attach, "attach", "file to attach (repeat for more)")
	id, err := parseWithID(fs, args, "instruction")
	if err != nil {
		return err
	}
	rec, err := env.svc.Find(ctx, id)
	if err != nil {
		return err
	}
	task, err := pickTask(rec, *taskN)
	if err != nil {
		return err
	}
	a := instruction.Answer{Instruction: id, Task: task, Text: *text, Done: *done}
	if *unit != "" {
		a.For = instruction.Assignee{Unit: *unit}
	}
	files, closeFiles, err := openAttachments(attach)
	if err != nil {
		return err
	}
	defer closeFiles()
	var inFiles []instruction.File
	for _, f := range files {
		inFiles = append(inFiles, instruction.File{Name: f.Name, MIME: f.MIME, Size: f.Size, Content: f.Content})
	}
	if err := env.svc.Answer(ctx, &a, inFiles); err != nil {
		return err
	}
	if *asJSON {
		return m.printJSON(map[string]any{"id": a.ID.String(), "instruction": id.String(), "task": a.Task.String(), "done": a.Done, "at": a.At})
	}
	fmt.Fprintf(m.Stdout, "answered %s\n", a.ID)
	return nil
}

func pickTask(rec *instruction.Record, s string) (app.ID, error) {
	if n, err := strconv.Atoi(s); err == nil {
		if n < 1 || n > len(rec.Instruction.Tasks) {
			return app.NilID, app.FieldErrorf("task", "the instruction has tasks 1 to %d, not %d", len(rec.Instruction.Tasks), n)
		}
		return rec.Instruction.Tasks[n-1].ID, nil
	}
	id, err := app.ParseID(s)
	if err != nil || rec.Instruction.Task(id) == nil {
		return app.NilID, app.FieldErrorf("task", "%q is not a task of the instruction (give its number)", s)
	}
	return id, nil
}

func (m *Main) instructionFeedback(ctx context.Context, env instructionEnv, args []string) error {
	fs := m.flags("instruction feedback")
	text := fs.String("text", "", "the reply to the leader")
	draft := fs.Bool("draft", false, "print the reply assembled from the answers and record nothing")
	fromDraft := fs.Bool("from-draft", false, "record the assembled reply as it is")
	by := fs.String("by", "", "who sends the reply (default: the signed-in officer)")
	asJSON := fs.Bool("json", false, "print JSON")
	id, err := parseWithID(fs, args, "instruction")
	if err != nil {
		return err
	}
	rec, err := env.svc.Find(ctx, id)
	if err != nil {
		return err
	}
	tree, err := env.tree(ctx)
	if err != nil {
		return err
	}
	loc := time.Local
	if s := tree.Station(rec.Instruction.Station); s != nil {
		loc = s.Location()
	}
	assembled := rec.AssembleFeedback(func(id app.ID) string { return stationName(tree, id) }, loc)
	if *draft {
		if *asJSON {
			return m.printJSON(map[string]string{"draft": assembled})
		}
		fmt.Fprintln(m.Stdout, assembled)
		return nil
	}
	switch {
	case *fromDraft && *text != "":
		return errUsage{"give --text or --from-draft, not both"}
	case *fromDraft:
		*text = assembled
	}
	fb := instruction.Feedback{Instruction: id, Text: *text, By: *by}
	if err := env.svc.Feedback(ctx, &fb); err != nil {
		return err
	}
	if *asJSON {
		return m.printJSON(feedbackOut{Text: fb.Text, By: fb.By, At: fb.At})
	}
	fmt.Fprintf(m.Stdout, "reply recorded %s\n", fb.ID)
	return nil
}

var _ flag.Value = taskFlag{}
