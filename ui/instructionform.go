package ui

import (
	"os"
	"path/filepath"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"dutyroom/app"
	"dutyroom/app/incident"
	"dutyroom/app/instruction"
)

// instructionForm records a new instruction. A phone instruction cannot
// be saved until the officer has read it back to the leader and says so
// (复述确认): the check and the name of who read it back appear as soon as
// 电话 is chosen.
type instructionForm struct {
	s   *instructionScreen
	dlg *dialog.CustomDialog

	leader    *widget.Entry
	post      *widget.Entry
	given     *widget.Entry
	source    *widget.RadioGroup
	sources   map[string]instruction.Source
	words     *widget.Entry
	readBack  *widget.Check
	readBy    *widget.Entry
	readRow   *fyne.Container
	incident  *widget.Select
	incidents map[string]app.ID
	files     []chosenFile
	fileList  *widget.Label
	addFile   *widget.Button
	tasks     []*instructionTaskRow
	taskBox   *fyne.Container
	addTask   *widget.Button
	save      *widget.Button
	errs      map[string]*widget.Label
	content   fyne.CanvasObject
}

// instructionTaskRow is one task being written: what, for whom, by when.
type instructionTaskRow struct {
	f        *instructionForm
	text     *widget.Entry
	stations []app.ID
	pick     *widget.Button
	picked   *widget.Label
	units    *widget.Entry
	due      *widget.Entry
	remove   *widget.Button
	box      fyne.CanvasObject
}

// defaultTaskHours is the deadline a new task starts with: the national
// rule for a further report is two hours, and leaders mostly ask as much.
const defaultTaskHours = 2

func newInstructionForm(s *instructionScreen) *instructionForm {
	f := &instructionForm{s: s, sources: map[string]instruction.Source{}, incidents: map[string]app.ID{}, errs: map[string]*widget.Label{}}
	for _, field := range []string{"", "leader", "leader_post", "given_at", "source", "words", "read_back", "incident", "attachments", "tasks", "stations", "units", "deadline"} {
		f.errs[field] = errorLabel()
	}
	loc := s.loc()
	f.leader = f.entry("leader")
	f.leader.SetPlaceHolder(lang.L("instruction.leader_placeholder"))
	f.post = f.entry("leader_post")
	f.post.SetPlaceHolder(lang.L("instruction.post_placeholder"))
	f.given = f.entry("given_at")
	f.given.SetText(s.u.now().In(loc).Format("2006-01-02 15:04"))
	var options []string
	for _, src := range instruction.Sources {
		options = append(options, instructionSourceLabel(src))
		f.sources[instructionSourceLabel(src)] = src
	}
	f.source = widget.NewRadioGroup(options, func(string) { f.clearError("source"); f.showReadBack() })
	f.source.Horizontal = true
	f.words = f.entry("words")
	f.words.MultiLine = true
	f.words.Wrapping = fyne.TextWrapWord
	f.words.SetMinRowsVisible(4)
	f.words.SetPlaceHolder(lang.L("instruction.words_placeholder"))
	f.readBack = widget.NewCheck(lang.L("instruction.read_back_check"), func(bool) { f.clearError("read_back") })
	f.readBy = f.entry("read_back")
	f.readBy.SetText(s.u.svc.Author)
	f.readBy.SetPlaceHolder(lang.L("instruction.read_back_by"))
	f.readRow = container.NewBorder(nil, nil, f.readBack, nil, f.readBy)
	f.incident = widget.NewSelect([]string{lang.L("instruction.incident_none")}, nil)
	f.incident.SetSelectedIndex(0)
	f.fileList = widget.NewLabel("")
	f.fileList.Wrapping = fyne.TextWrapWord
	f.addFile = widget.NewButtonWithIcon(lang.L("instruction.attach_photo"), theme.ContentAddIcon(), f.onAddFile)
	f.taskBox = container.NewVBox()
	f.addTask = widget.NewButtonWithIcon(lang.L("instruction.add_task"), theme.ContentAddIcon(), func() { f.newTask() })
	f.newTask()
	f.save = widget.NewButtonWithIcon(lang.L("instruction.save"), theme.DocumentSaveIcon(), f.onSave)
	f.save.Importance = widget.HighImportance
	cancel := widget.NewButton(lang.L("action.cancel"), func() { f.dlg.Hide() })

	form := widget.NewForm(
		widget.NewFormItem(lang.L("instruction.leader"), f.withError("leader", container.NewGridWithColumns(2, f.leader, f.post), "leader_post")),
		widget.NewFormItem(lang.L("instruction.given_at"), f.withError("given_at", f.given)),
		widget.NewFormItem(lang.L("instruction.source"), f.withError("source", f.source)),
		widget.NewFormItem(lang.L("instruction.words"), f.withError("words", f.words)),
		widget.NewFormItem(lang.L("instruction.read_back"), f.withError("read_back", f.readRow)),
		widget.NewFormItem(lang.L("instruction.incident"), f.withError("incident", f.incident)),
		widget.NewFormItem(lang.L("instruction.attachments"), f.withError("attachments", container.NewBorder(nil, nil, f.addFile, nil, f.fileList))),
	)
	tasks := container.NewVBox(
		container.NewHBox(headerLabel(lang.L("instruction.tasks")), layout.NewSpacer(), f.addTask),
		f.taskBox, f.errs["tasks"], f.errs["stations"], f.errs["units"], f.errs["deadline"],
	)
	// Whether the tasks go out now or wait here for the link.
	body := container.NewVBox(s.u.reachNoteNow(), form, widget.NewSeparator(), tasks, f.errs[""])
	f.content = body
	scroll := container.NewVScroll(container.NewPadded(body))
	scroll.SetMinSize(fyne.NewSize(860, 460))
	buttons := container.NewHBox(layout.NewSpacer(), cancel, f.save)
	f.dlg = dialog.NewCustomWithoutButtons(lang.L("instruction.new_title"), container.NewBorder(nil, buttons, nil, nil, scroll), s.u.win)
	f.showReadBack()
	f.loadIncidents()
	return f
}

func (f *instructionForm) show() {
	f.dlg.Show()
	f.s.u.win.Canvas().Focus(f.leader)
}

func (f *instructionForm) entry(field string) *widget.Entry {
	e := widget.NewEntry()
	e.OnChanged = func(string) { f.clearError(field) }
	return e
}

func (f *instructionForm) withError(field string, w fyne.CanvasObject, more ...string) fyne.CanvasObject {
	box := container.NewVBox(w, f.errs[field])
	for _, m := range more {
		box.Add(f.errs[m])
	}
	return box
}

func (f *instructionForm) clearError(field string) {
	if l := f.errs[field]; l != nil && l.Visible() {
		l.Hide()
		f.content.Refresh()
	}
}

func (f *instructionForm) showError(field, text string) {
	l, ok := f.errs[field]
	if !ok {
		l = f.errs[""]
	}
	l.SetText(text)
	l.Show()
	f.content.Refresh()
}

// showReadBack offers the read-back only for a phone instruction.
func (f *instructionForm) showReadBack() {
	if f.sources[f.source.Selected] == instruction.SourcePhone {
		f.readRow.Show()
	} else {
		f.readRow.Hide()
		f.clearError("read_back")
	}
}

// loadIncidents offers the open incidents of the last days to link.
func (f *instructionForm) loadIncidents() {
	svc := f.s.u.svc.Incidents
	if svc == nil {
		f.incident.Disable()
		return
	}
	ctx, loc := f.s.u.ctx, f.s.loc()
	open := incident.StatusOpen
	runAsync(func() ([]incident.Incident, error) {
		list, _, err := svc.Incidents(ctx, incident.Filter{Status: &open, Limit: 50})
		return list, err
	}, func(list []incident.Incident, err error) {
		if err != nil {
			return
		}
		options := []string{lang.L("instruction.incident_none")}
		for _, inc := range list {
			label := inc.ReceivedAt.In(loc).Format("01-02 15:04") + " " + inc.Title
			options = append(options, label)
			f.incidents[label] = inc.ID
		}
		f.incident.Options = options
		f.incident.Refresh()
	})
}

func (f *instructionForm) newTask() *instructionTaskRow {
	r := &instructionTaskRow{f: f}
	r.text = f.entry("tasks")
	r.text.SetPlaceHolder(lang.L("instruction.task_placeholder"))
	r.picked = widget.NewLabel(lang.L("instruction.no_station"))
	r.picked.Wrapping = fyne.TextWrapWord
	r.pick = widget.NewButtonWithIcon(lang.L("instruction.pick_stations"), theme.ListIcon(), r.onPick)
	r.units = f.entry("units")
	r.units.SetPlaceHolder(lang.L("instruction.units_placeholder"))
	r.due = f.entry("deadline")
	r.due.SetText(f.s.u.now().Add(defaultTaskHours * time.Hour).In(f.s.loc()).Format("2006-01-02 15:04"))
	r.remove = widget.NewButtonWithIcon("", theme.DeleteIcon(), func() { f.removeTask(r) })
	n := widget.NewLabel("")
	n.TextStyle.Bold = true
	grid := container.NewVBox(
		container.NewBorder(nil, nil, n, r.remove, r.text),
		container.NewBorder(nil, nil, r.pick, nil, r.picked),
		container.NewGridWithColumns(2, r.units, container.NewBorder(nil, nil, widget.NewLabel(lang.L("instruction.due")), nil, r.due)),
	)
	r.box = widget.NewCard("", "", grid)
	f.tasks = append(f.tasks, r)
	f.taskBox.Add(r.box)
	f.numberTasks()
	return r
}

func (f *instructionForm) removeTask(r *instructionTaskRow) {
	if len(f.tasks) == 1 {
		return
	}
	for i, t := range f.tasks {
		if t == r {
			f.tasks = append(f.tasks[:i], f.tasks[i+1:]...)
			break
		}
	}
	f.taskBox.Remove(r.box)
	f.numberTasks()
}

func (f *instructionForm) numberTasks() {
	for i, t := range f.tasks {
		grid := t.box.(*widget.Card).Content.(*fyne.Container)
		top := grid.Objects[0].(*fyne.Container)
		for _, o := range top.Objects {
			if l, ok := o.(*widget.Label); ok {
				l.SetText(lang.L("instruction.task_n", map[string]any{"N": i + 1}))
			}
		}
	}
	f.taskBox.Refresh()
}

// onPick chooses the stations a task is for among those below this one.
func (r *instructionTaskRow) onPick() {
	s := r.f.s
	if s.self == nil {
		return
	}
	var checks []*widget.Check
	var ids []app.ID
	list := container.NewVBox()
	var walk func(id app.ID, depth int)
	walk = func(id app.ID, depth int) {
		for _, c := range s.tree.Children(id) {
			if !c.Tier.HasDutyRoom() {
				continue
			}
			check := widget.NewCheck(strings.Repeat("    ", depth)+c.Name, nil)
			check.Checked = containsID(r.stations, c.ID)
			checks = append(checks, check)
			ids = append(ids, c.ID)
			list.Add(check)
			walk(c.ID, depth+1)
		}
	}
	walk(s.self.ID, 0)
	scroll := container.NewVScroll(list)
	scroll.SetMinSize(fyne.NewSize(360, 400))
	dialog.ShowCustomConfirm(lang.L("instruction.pick_stations"), lang.L("action.choose"), lang.L("action.cancel"), scroll, func(ok bool) {
		if !ok {
			return
		}
		r.stations = nil
		for i, c := range checks {
			if c.Checked {
				r.stations = append(r.stations, ids[i])
			}
		}
		r.showPicked()
	}, s.u.win)
}

func (r *instructionTaskRow) showPicked() {
	if len(r.stations) == 0 {
		r.picked.SetText(lang.L("instruction.no_station"))
		return
	}
	var names []string
	for _, id := range r.stations {
		names = append(names, r.f.s.stationName(id))
	}
	r.picked.SetText(strings.Join(names, "、"))
	r.f.clearError("stations")
}

func containsID(ids []app.ID, id app.ID) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

func (f *instructionForm) onAddFile() {
	f.s.chooseOpen(attachmentExts, func(r fyne.URIReadCloser, err error) {
		if err != nil || r == nil {
			return
		}
		path := r.URI().Path()
		r.Close()
		info, err := os.Stat(path)
		switch {
		case err != nil:
			f.showError("attachments", lang.L("message.error_attachment_read", map[string]any{"Name": filepath.Base(path)}))
			return
		case info.Size() > instruction.MaxAttachmentBytes:
			f.showError("attachments", lang.L("message.error_attachment_size", map[string]any{"Name": info.Name(), "Size": formatSize(info.Size()), "Limit": formatSize(instruction.MaxAttachmentBytes)}))
			return
		}
		f.clearError("attachments")
		f.files = append(f.files, chosenFile{path: path, name: info.Name(), size: info.Size()})
		f.fileList.SetText(fileNames(f.files))
	})
}

// splitUnits reads the units typed, separated by 、，, or ;.
func splitUnits(text string) []string {
	fields := strings.FieldsFunc(text, func(r rune) bool {
		return r == '、' || r == '，' || r == ',' || r == ';' || r == '；'
	})
	var out []string
	for _, u := range fields {
		if u = strings.TrimSpace(u); u != "" {
			out = append(out, u)
		}
	}
	return out
}

// read returns the instruction as typed, or the field and text of what
// cannot even be read (a time that is not one).
func (f *instructionForm) read() (instruction.Instruction, string, string) {
	loc := f.s.loc()
	in := instruction.Instruction{Leader: f.leader.Text, LeaderPost: f.post.Text, Source: f.sources[f.source.Selected], Words: f.words.Text,
		Incident: f.incidents[f.incident.Selected]}
	t, err := parseFormTime(f.given.Text, loc)
	if err != nil {
		return in, "given_at", lang.L("instruction.error_time", map[string]any{"Text": f.given.Text})
	}
	in.GivenAt = t
	if in.Source == instruction.SourcePhone && f.readBack.Checked {
		in.ReadBack = &instruction.ReadBack{By: f.readBy.Text, At: f.s.u.now()}
	}
	for _, r := range f.tasks {
		due, err := parseFormTime(r.due.Text, loc)
		if err != nil {
			return in, "deadline", lang.L("instruction.error_time", map[string]any{"Text": r.due.Text})
		}
		in.Tasks = append(in.Tasks, instruction.Task{Text: r.text.Text, Stations: append([]app.ID(nil), r.stations...), Units: splitUnits(r.units.Text), Deadline: due})
	}
	return in, "", ""
}

func (f *instructionForm) onSave() {
	in, field, text := f.read()
	if field != "" {
		f.showError(field, text)
		return
	}
	files := f.files
	svc, ctx := f.s.svc, f.s.u.ctx
	f.save.Disable()
	runAsync(func() (instruction.Instruction, error) {
		opened, closeAll, err := openInstructionFiles(files)
		if err != nil {
			return in, err
		}
		defer closeAll()
		err = svc.Create(ctx, &in, opened)
		return in, err
	}, func(saved instruction.Instruction, err error) {
		f.save.Enable()
		if err != nil {
			f.showError(app.ErrorField(err), instructionErrorText(err))
			return
		}
		f.dlg.Hide()
		f.s.created(&saved)
	})
}

// instructionErrorText says in the window's language what is wrong with
// an instruction, an answer or a reply. The domain names the field; the
// sentence is the field's.
func instructionErrorText(err error) string {
	switch app.ErrorCode(err) {
	case app.EINVALID:
		if text, ok := instructionFieldError(app.ErrorField(err)); ok {
			return text
		}
		return app.ErrorMessage(err)
	case app.EFORBIDDEN:
		return lang.L("instruction.error_forbidden")
	}
	return errorText(err)
}

// instructionFieldError is the sentence for a field of an instruction,
// answer or reply.
func instructionFieldError(field string) (string, bool) {
	switch field {
	case "attachments":
		return lang.L("instruction.error.attachments"), true
	case "by":
		return lang.L("instruction.error.by"), true
	case "deadline":
		return lang.L("instruction.error.deadline"), true
	case "for":
		return lang.L("instruction.error.for"), true
	case "given_at":
		return lang.L("instruction.error.given_at"), true
	case "incident":
		return lang.L("instruction.error.incident"), true
	case "leader":
		return lang.L("instruction.error.leader"), true
	case "leader_post":
		return lang.L("instruction.error.leader_post"), true
	case "read_back":
		return lang.L("instruction.error.read_back"), true
	case "source":
		return lang.L("instruction.error.source"), true
	case "stations":
		return lang.L("instruction.error.stations"), true
	case "task":
		return lang.L("instruction.error.task"), true
	case "tasks":
		return lang.L("instruction.error.tasks"), true
	case "text":
		return lang.L("instruction.error.text"), true
	case "units":
		return lang.L("instruction.error.units"), true
	case "words":
		return lang.L("instruction.error.words"), true
	}
	return "", false
}
