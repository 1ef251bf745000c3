package ui

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"dutyroom/app"
	"dutyroom/app/attachment"
	"dutyroom/app/instruction"
)

// instructionDetail shows one instruction: what the leader said and how
// it came, each task with who has and has not answered (overdue in red),
// the 办理 form for the tasks this station may answer, and at the issuing
// station the reply to the leader.
type instructionDetail struct {
	s   *instructionScreen
	id  app.ID
	rec *instruction.Record

	empty *widget.Label
	body  *fyne.Container // what the record shows, rebuilt on each reading

	// The 办理 form: kept across readings of the same record, so what is
	// typed survives a refresh.
	answerBox   *fyne.Container
	answerHead  *widget.Label
	answerFor   *widget.Select
	answerText  *widget.Entry
	answerDone  *widget.Check
	answerFiles []chosenFile
	answerList  *widget.Label
	answerAdd   *widget.Button
	answerSend  *widget.Button
	answerErr   *widget.Label
	choices     map[string]answerChoice

	// The reply to the leader (反馈), at the issuing station only.
	feedbackBox   *fyne.Container
	feedbackText  *widget.Entry
	feedbackDraft *widget.Button
	feedbackSave  *widget.Button
	feedbackErr   *widget.Label

	done    *notice
	content fyne.CanvasObject
}

// answerChoice is one task and assignee this station may answer for.
type answerChoice struct {
	task app.ID
	who  instruction.Assignee
}

func newInstructionDetail(s *instructionScreen) *instructionDetail {
	d := &instructionDetail{s: s, choices: map[string]answerChoice{}}
	d.empty = widget.NewLabel(lang.L("instruction.pick"))
	d.body = container.NewVBox()
	d.answerFor = widget.NewSelect(nil, func(string) { d.answerErr.Hide() })
	d.answerText = widget.NewMultiLineEntry()
	d.answerText.Wrapping = fyne.TextWrapWord
	d.answerText.SetMinRowsVisible(3)
	d.answerText.SetPlaceHolder(lang.L("instruction.answer_placeholder"))
	d.answerDone = widget.NewCheck(lang.L("instruction.answer_done"), nil)
	d.answerList = widget.NewLabel("")
	d.answerList.Wrapping = fyne.TextWrapWord
	d.answerAdd = widget.NewButtonWithIcon(lang.L("instruction.attach"), theme.ContentAddIcon(), d.onAddFile)
	d.answerSend = widget.NewButtonWithIcon(lang.L("instruction.answer_send"), theme.MailSendIcon(), d.onAnswer)
	d.answerSend.Importance = widget.HighImportance
	d.answerErr = errorLabel()
	d.answerHead = headerLabel(lang.L("instruction.answer_title"))
	d.answerBox = container.NewVBox(
		widget.NewSeparator(),
		d.answerHead,
		s.u.newReachNote(false), // whether the answer goes out now or waits here
		d.answerFor, d.answerText, d.answerList,
		container.NewHBox(d.answerAdd, d.answerDone, layout.NewSpacer(), d.answerSend),
		d.answerErr,
	)
	d.feedbackText = widget.NewMultiLineEntry()
	d.feedbackText.Wrapping = fyne.TextWrapWord
	d.feedbackText.SetMinRowsVisible(6)
	d.feedbackText.SetPlaceHolder(lang.L("instruction.feedback_placeholder"))
	d.feedbackDraft = widget.NewButtonWithIcon(lang.L("instruction.feedback_draft"), theme.DocumentIcon(), d.onDraft)
	d.feedbackSave = widget.NewButtonWithIcon(lang.L("instruction.feedback_save"), theme.ConfirmIcon(), d.onFeedback)
	d.feedbackSave.Importance = widget.HighImportance
	d.feedbackErr = errorLabel()
	d.feedbackBox = container.NewVBox(
		widget.NewSeparator(),
		headerLabel(lang.L("instruction.feedback_title")),
		d.feedbackText,
		container.NewHBox(d.feedbackDraft, layout.NewSpacer(), d.feedbackSave),
		d.feedbackErr,
	)
	d.done = newNotice()
	d.answerBox.Hide()
	d.feedbackBox.Hide()
	inner := container.NewVBox(d.empty, d.body, d.answerBox, d.feedbackBox, d.done.label)
	d.done.parent = inner
	d.content = container.NewVScroll(container.NewPadded(inner))
	return d
}

// open reads the record and shows it.
func (d *instructionDetail) open(id app.ID) {
	if id != d.id {
		d.answerText.SetText("")
		d.answerDone.SetChecked(false)
		d.answerFiles = nil
		d.answerList.SetText("")
		d.feedbackText.SetText("")
		d.answerErr.Hide()
		d.feedbackErr.Hide()
	}
	d.id = id
	ctx, svc := d.s.u.ctx, d.s.svc
	runAsync(func() (*instruction.Record, error) {
		return svc.Find(ctx, id)
	}, func(rec *instruction.Record, err error) {
		if id != d.id {
			return
		}
		if err != nil {
			d.rec = nil
			d.empty.SetText(errorText(err))
			d.empty.Show()
			d.body.RemoveAll()
			d.answerBox.Hide()
			d.feedbackBox.Hide()
			return
		}
		d.show(rec)
	})
}

func (d *instructionDetail) show(rec *instruction.Record) {
	d.rec = rec
	s := d.s
	in := &rec.Instruction
	loc := s.loc()
	now := s.u.now()
	d.empty.Hide()
	d.body.RemoveAll()

	title := widget.NewLabel(lang.L("instruction.detail_title", map[string]any{"Post": in.LeaderPost, "Leader": in.Leader}))
	title.TextStyle.Bold = true
	title.Wrapping = fyne.TextWrapWord
	state := widget.NewLabel(instructionStateLabel(rec.State(now)))
	state.TextStyle.Bold = true
	if rec.State(now) == instruction.StateOverdue {
		state.Importance = widget.DangerImportance
	}
	d.body.Add(container.NewBorder(nil, nil, nil, state, title))
	meta := lang.L("instruction.detail_meta", map[string]any{
		"Given": in.GivenAt.In(loc).Format("2006-01-02 15:04"), "Source": instructionSourceLabel(in.Source),
		"Station": s.stationName(in.Station), "Author": orDash(in.Author)})
	if in.ReadBack != nil {
		meta += "\n" + lang.L("instruction.detail_read_back", map[string]any{"By": in.ReadBack.By, "At": in.ReadBack.At.In(loc).Format("15:04")})
	}
	metaLabel := widget.NewLabel(meta)
	metaLabel.Wrapping = fyne.TextWrapWord
	d.body.Add(metaLabel)
	words := widget.NewLabel(in.Words)
	words.Wrapping = fyne.TextWrapWord
	words.TextStyle.Italic = false
	d.body.Add(widget.NewCard("", lang.L("instruction.words"), words))
	if len(in.Attachments) > 0 {
		d.body.Add(d.filesRow(in.Attachments))
	}

	progress := rec.Progress()
	for i, t := range in.Tasks {
		head := widget.NewLabel(lang.L("instruction.detail_task", map[string]any{"N": i + 1, "Text": t.Text, "Due": t.Deadline.In(loc).Format("01-02 15:04")}))
		head.TextStyle.Bold = true
		head.Wrapping = fyne.TextWrapWord
		d.body.Add(head)
		for _, p := range progress {
			if p.Task != t.ID {
				continue
			}
			d.body.Add(d.progressRow(p, loc, now))
		}
	}
	if fb := rec.LastFeedback(); fb != nil {
		h := headerLabel(lang.L("instruction.feedback_recorded", map[string]any{"By": fb.By, "At": fb.At.In(loc).Format("2006-01-02 15:04")}))
		h.Importance = widget.SuccessImportance
		text := widget.NewLabel(fb.Text)
		text.Wrapping = fyne.TextWrapWord
		d.body.Add(widget.NewSeparator())
		if s.self != nil && in.Station == s.self.ID {
			in, fb := *in, *fb
			doc := widget.NewButtonWithIcon(lang.L("instruction.feedback_document"), theme.DocumentPrintIcon(),
				func() { d.onFeedbackDocument(in, fb) })
			d.body.Add(container.NewBorder(nil, nil, nil, doc, h))
		} else {
			d.body.Add(h)
		}
		d.body.Add(text)
	}
	d.fillChoices(rec)
	if s.self != nil && in.Station == s.self.ID {
		d.feedbackBox.Show()
	} else {
		d.feedbackBox.Hide()
	}
	d.body.Refresh()
	d.content.Refresh()
}

// progressRow is one assignee of a task: who, where they stand, what
// they last said. Not answered past the deadline is red.
func (d *instructionDetail) progressRow(p instruction.Progress, loc *time.Location, now time.Time) fyne.CanvasObject {
	who := widget.NewLabel(d.s.assigneeName(p.For))
	state := widget.NewLabel("")
	state.TextStyle.Bold = true
	switch {
	case p.DoneAt != nil:
		state.SetText(lang.L("instruction.progress_done", map[string]any{"At": p.DoneAt.In(loc).Format("01-02 15:04")}))
		state.Importance = widget.SuccessImportance
	case p.Overdue(now):
		state.SetText(lang.L("instruction.progress_overdue"))
		state.Importance = widget.DangerImportance
	case p.Last != nil:
		state.SetText(lang.L("instruction.progress_answered"))
		state.Importance = widget.WarningImportance
	default:
		state.SetText(lang.L("instruction.progress_waiting"))
	}
	if p.For.Unit != "" {
		who.SetText(lang.L("instruction.unit_outside", map[string]any{"Unit": p.For.Unit}))
	}
	row := container.NewHBox(widget.NewLabel("•"), who, state)
	if p.Last == nil {
		return row
	}
	last := widget.NewLabel(lang.L("instruction.progress_last", map[string]any{"At": p.Last.At.In(loc).Format("01-02 15:04"), "By": orDash(p.Last.By), "Text": p.Last.Text}))
	last.Wrapping = fyne.TextWrapWord
	parts := []fyne.CanvasObject{row, container.NewPadded(last)}
	if len(p.Last.Attachments) > 0 {
		parts = append(parts, d.filesRow(p.Last.Attachments))
	}
	return container.NewVBox(parts...)
}

// filesRow offers each file to save.
func (d *instructionDetail) filesRow(atts []attachment.Attachment) fyne.CanvasObject {
	box := container.NewHBox(widget.NewIcon(theme.FileIcon()))
	for _, a := range atts {
		box.Add(widget.NewButton(fmt.Sprintf("%s (%s)", a.Name, formatSize(a.Size)), func() { d.saveFile(a) }))
	}
	return container.NewHScroll(box)
}

func (d *instructionDetail) saveFile(a attachment.Attachment) {
	s := d.s
	s.chooseSave(a.Name, []string{filepath.Ext(a.Name)}, func(w fyne.URIWriteCloser, err error) {
		if err != nil || w == nil {
			return
		}
		ctx := s.u.ctx
		runAsync(func() (struct{}, error) {
			defer w.Close()
			data, err := s.svc.Attachment(ctx, a.SHA256)
			if err != nil {
				return struct{}{}, err
			}
			_, err = w.Write(data)
			return struct{}{}, err
		}, func(_ struct{}, err error) {
			if err != nil {
				s.u.showError(err)
			}
		})
	})
}

// fillChoices offers the tasks this station may answer: its own, and at
// the issuing station those of units outside the system, which it
// records from the phone.
func (d *instructionDetail) fillChoices(rec *instruction.Record) {
	s := d.s
	clear(d.choices)
	var options []string
	if s.self != nil {
		issuer := rec.Instruction.Station == s.self.ID
		for i, t := range rec.Instruction.Tasks {
			for _, a := range t.Assignees() {
				if (a.Station != app.NilID && a.Station == s.self.ID) || (issuer && a.Unit != "") {
					label := lang.L("instruction.answer_for", map[string]any{"N": i + 1, "Text": shorten(t.Text, 16), "Who": s.assigneeName(a)})
					options = append(options, label)
					d.choices[label] = answerChoice{task: t.ID, who: a}
				}
			}
		}
	}
	if len(options) == 0 {
		d.answerBox.Hide()
		return
	}
	if s.self != nil && rec.Instruction.Station == s.self.ID {
		// The issuer answers only for units outside the system, from
		// what they say on the phone.
		d.answerHead.SetText(lang.L("instruction.answer_units_title"))
	} else {
		d.answerHead.SetText(lang.L("instruction.answer_title"))
	}
	sel := d.answerFor.Selected
	d.answerFor.Options = options
	if !slices.Contains(options, sel) {
		sel = options[0]
	}
	d.answerFor.Selected = sel
	d.answerFor.Refresh()
	d.answerBox.Show()
}

func (d *instructionDetail) onAddFile() {
	d.s.chooseOpen(attachmentExts, func(r fyne.URIReadCloser, err error) {
		if err != nil || r == nil {
			return
		}
		path := r.URI().Path()
		r.Close()
		info, err := os.Stat(path)
		switch {
		case err != nil:
			d.showAnswerError(lang.L("message.error_attachment_read", map[string]any{"Name": filepath.Base(path)}))
			return
		case info.Size() > instruction.MaxAttachmentBytes:
			d.showAnswerError(lang.L("message.error_attachment_size", map[string]any{"Name": info.Name(), "Size": formatSize(info.Size()), "Limit": formatSize(instruction.MaxAttachmentBytes)}))
			return
		}
		d.answerFiles = append(d.answerFiles, chosenFile{path: path, name: info.Name(), size: info.Size()})
		d.answerList.SetText(fileNames(d.answerFiles))
	})
}

func fileNames(files []chosenFile) string {
	var out string
	for i, f := range files {
		if i > 0 {
			out += "、"
		}
		out += f.name
	}
	return out
}

func (d *instructionDetail) showAnswerError(text string) {
	d.answerErr.SetText(text)
	d.answerErr.Show()
	d.content.Refresh()
}

func (d *instructionDetail) onAnswer() {
	if d.rec == nil {
		return
	}
	c, ok := d.choices[d.answerFor.Selected]
	if !ok {
		d.showAnswerError(lang.L("instruction.error_task"))
		return
	}
	a := instruction.Answer{Instruction: d.rec.Instruction.ID, Task: c.task, For: c.who, Text: d.answerText.Text, Done: d.answerDone.Checked}
	files := d.answerFiles
	svc, ctx := d.s.svc, d.s.u.ctx
	runAsync(func() (instruction.Answer, error) {
		opened, closeAll, err := openInstructionFiles(files)
		if err != nil {
			return a, err
		}
		defer closeAll()
		err = svc.Answer(ctx, &a, opened)
		return a, err
	}, func(_ instruction.Answer, err error) {
		if err != nil {
			d.showAnswerError(instructionErrorText(err))
			return
		}
		d.answerErr.Hide()
		d.answerText.SetText("")
		d.answerDone.SetChecked(false)
		d.answerFiles = nil
		d.answerList.SetText("")
		d.done.show(lang.L("instruction.answered"))
		d.s.u.changed()
		d.s.reload()
	})
}

// openInstructionFiles opens the chosen files for the service to read.
func openInstructionFiles(files []chosenFile) ([]instruction.File, func(), error) {
	var opened []*os.File
	closeAll := func() {
		for _, f := range opened {
			f.Close()
		}
	}
	var out []instruction.File
	for _, c := range files {
		f, err := os.Open(c.path)
		if err != nil {
			closeAll()
			return nil, nil, app.FieldErrorf("attachments", "cannot read %s", c.name)
		}
		opened = append(opened, f)
		out = append(out, instruction.File{Name: c.name, Size: c.size, Content: f})
	}
	return out, closeAll, nil
}

func (d *instructionDetail) onDraft() {
	if d.rec == nil {
		return
	}
	d.feedbackText.SetText(d.rec.AssembleFeedback(d.s.stationName, d.s.loc()))
}

func (d *instructionDetail) onFeedback() {
	if d.rec == nil {
		return
	}
	f := instruction.Feedback{Instruction: d.rec.Instruction.ID, Text: d.feedbackText.Text}
	svc, ctx := d.s.svc, d.s.u.ctx
	runAsync(func() (instruction.Feedback, error) {
		err := svc.Feedback(ctx, &f)
		return f, err
	}, func(_ instruction.Feedback, err error) {
		if err != nil {
			d.feedbackErr.SetText(instructionErrorText(err))
			d.feedbackErr.Show()
			d.content.Refresh()
			return
		}
		d.feedbackErr.Hide()
		d.feedbackText.SetText("")
		d.done.show(lang.L("instruction.fed_back"))
		d.s.u.changed()
		d.s.reload()
	})
}
