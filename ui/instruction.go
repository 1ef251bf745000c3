package ui

import (
	"context"
	"fmt"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"dutyroom/app"
	"dutyroom/app/incident"
	"dutyroom/app/instruction"
	"dutyroom/instructionfile"
)

// The 批示 screen sits beside 接报 in the navigation: an instruction
// usually follows an incident within minutes, and a duty officer chasing
// one must reach it in a keystroke (Ctrl+3). One screen serves both ends:
// the issuing station records instructions, chases the answers and
// replies to the leader; a station a task names sees the same register
// with its own tasks and answers them in the detail view.

// instructionRegisterLimit bounds the register's list; the filters narrow
// what is beyond it, and the total is shown.
const instructionRegisterLimit = 500

type instructionScreen struct {
	u   *UI
	svc instruction.Service
	// chooseSave and chooseOpen are the file dialogs; tests put their own.
	chooseSave chooseSaveFunc
	chooseOpen chooseOpenFunc

	self *app.Station
	tree *app.Tree

	newBtn      *widget.Button
	exportBtn   *widget.Button
	stateSel    *widget.Select
	states      map[string]instruction.State
	stationSel  *widget.Select
	stations    map[string]app.ID
	incidentSel *widget.Select
	incidents   map[string]app.ID
	from, to    *widget.Entry
	search      *widget.Entry
	filterErr   *widget.Label
	total       *widget.Label
	list        *widget.List
	entries     []instruction.Entry

	detail  *instructionDetail
	content fyne.CanvasObject
	loaded  bool

	// reminded holds the reminders already announced, so each fires once
	// before its deadline and once when it passes.
	reminded map[string]bool
	seq      int
}

func newInstructionScreen(u *UI) *instructionScreen {
	s := &instructionScreen{u: u, svc: u.svc.Instructions, chooseSave: fileSaveDialog(u.win), chooseOpen: fileOpenDialog(u.win),
		states: map[string]instruction.State{}, stations: map[string]app.ID{}, incidents: map[string]app.ID{}, reminded: map[string]bool{}}
	s.detail = newInstructionDetail(s)
	return s
}

// instructionsEntry is the 批示 screen, or a note that it is not available.
func (u *UI) instructionsEntry() screen {
	s := screen{id: "instructions", label: lang.L("nav.instructions"), icon: theme.DocumentCreateIcon()}
	if u.instructions == nil {
		s.build = func() fyne.CanvasObject {
			return newPlaceholder(theme.DocumentCreateIcon(), lang.L("nav.instructions"), lang.L("placeholder.instructions"))
		}
		return s
	}
	s.build, s.shown = u.instructions.build, u.instructions.reload
	return s
}

func instructionStateLabel(st instruction.State) string {
	switch st {
	case instruction.StateOpen:
		return lang.L("instruction.state_open")
	case instruction.StateOverdue:
		return lang.L("instruction.state_overdue")
	case instruction.StateAnswered:
		return lang.L("instruction.state_answered")
	case instruction.StateFedBack:
		return lang.L("instruction.state_fed_back")
	}
	return string(st)
}

func instructionSourceLabel(src instruction.Source) string {
	switch src {
	case instruction.SourcePhone:
		return lang.L("instruction.source_phone")
	case instruction.SourcePaper:
		return lang.L("instruction.source_paper")
	case instruction.SourceMessage:
		return lang.L("instruction.source_message")
	}
	return string(src)
}

func (s *instructionScreen) build() fyne.CanvasObject {
	if s.content != nil {
		return s.content
	}
	s.newBtn = widget.NewButtonWithIcon(lang.L("instruction.new"), theme.ContentAddIcon(), s.onNew)
	s.newBtn.Importance = widget.HighImportance
	s.exportBtn = widget.NewButtonWithIcon(lang.L("instruction.export"), theme.DocumentSaveIcon(), s.onExport)
	all := lang.L("instruction.state_all")
	options := []string{all}
	for _, st := range instruction.States {
		options = append(options, instructionStateLabel(st))
		s.states[instructionStateLabel(st)] = st
	}
	s.stateSel = widget.NewSelect(options, func(string) { s.reload() })
	s.stateSel.SetSelectedIndex(0)
	s.stationSel = widget.NewSelect([]string{lang.L("instruction.station_all")}, func(string) { s.reload() })
	s.stationSel.SetSelectedIndex(0)
	s.incidentSel = widget.NewSelect([]string{lang.L("instruction.incident_all")}, func(string) { s.reload() })
	s.incidentSel.SetSelectedIndex(0)
	s.from = widget.NewEntry()
	s.from.SetPlaceHolder(lang.L("instruction.from_placeholder"))
	s.from.OnSubmitted = func(string) { s.reload() }
	s.to = widget.NewEntry()
	s.to.SetPlaceHolder(lang.L("instruction.to_placeholder"))
	s.to.OnSubmitted = func(string) { s.reload() }
	s.search = widget.NewEntry()
	s.search.SetPlaceHolder(lang.L("instruction.search_placeholder"))
	s.search.OnChanged = func(string) { s.reload() }
	s.filterErr = errorLabel()
	s.total = widget.NewLabel("")
	s.list = widget.NewList(func() int { return len(s.entries) }, s.createRow, s.updateRow)
	s.list.OnSelected = func(id widget.ListItemID) {
		if id < len(s.entries) {
			s.detail.open(s.entries[id].ID)
		}
	}
	// Two filters a row, the buttons above: the register stays narrow
	// enough for the detail beside it in a 1024-pixel window.
	filters := container.NewVBox(
		container.NewHBox(s.newBtn, layout.NewSpacer(), s.exportBtn),
		s.search,
		container.NewGridWithColumns(2, s.stateSel, s.stationSel),
		container.NewGridWithColumns(2, s.from, s.to),
		s.incidentSel,
		s.filterErr,
	)
	left := container.NewBorder(filters, s.total, nil, nil, s.list)
	split := container.NewHSplit(left, s.detail.content)
	split.Offset = 0.45
	s.content = split
	s.loaded = true
	s.loadIncidents()
	s.reload()
	return s.content
}

// loadIncidents offers the incidents of the last month as a filter, the
// most recent first.
func (s *instructionScreen) loadIncidents() {
	svc := s.u.svc.Incidents
	if svc == nil {
		s.incidentSel.Hide()
		return
	}
	ctx, loc := s.u.ctx, s.loc()
	from := s.u.now().AddDate(0, -1, 0)
	runAsync(func() ([]incident.Incident, error) {
		list, _, err := svc.Incidents(ctx, incident.Filter{From: &from, Limit: 100})
		return list, err
	}, func(list []incident.Incident, err error) {
		if err != nil {
			return
		}
		options := []string{lang.L("instruction.incident_all")}
		for _, inc := range list {
			label := inc.ReceivedAt.In(loc).Format("01-02 15:04") + " " + inc.Title
			options = append(options, label)
			s.incidents[label] = inc.ID
		}
		s.incidentSel.Options = options
		s.incidentSel.Refresh()
	})
}

func (s *instructionScreen) createRow() fyne.CanvasObject {
	when := widget.NewLabel("2026-07-14 10:00")
	state := widget.NewLabel(lang.L("instruction.state_overdue"))
	state.TextStyle.Bold = true
	title := widget.NewLabel("")
	title.Truncation = fyne.TextTruncateEllipsis
	title.TextStyle.Bold = true
	words := widget.NewLabel("")
	words.Truncation = fyne.TextTruncateEllipsis
	top := container.NewBorder(nil, nil, when, state, title)
	return container.NewVBox(top, words)
}

func (s *instructionScreen) updateRow(id widget.ListItemID, o fyne.CanvasObject) {
	if id >= len(s.entries) {
		return
	}
	e := s.entries[id]
	box := o.(*fyne.Container)
	top := box.Objects[0].(*fyne.Container)
	title, when, state := top.Objects[0].(*widget.Label), top.Objects[1].(*widget.Label), top.Objects[2].(*widget.Label)
	words := box.Objects[1].(*widget.Label)
	when.SetText(e.GivenAt.In(s.loc()).Format("2006-01-02 15:04"))
	title.SetText(strings.TrimSpace(e.Post + " " + e.Leader))
	text := lang.L("instruction.row_state", map[string]any{"State": instructionStateLabel(e.State), "Done": e.Assigned - len(e.Pending), "All": e.Assigned})
	switch {
	case e.Overdue > 0:
		state.Importance = widget.DangerImportance
		text = lang.L("instruction.row_overdue", map[string]any{"Count": e.Overdue})
	case e.State == instruction.StateOpen:
		state.Importance = widget.WarningImportance
	default:
		state.Importance = widget.SuccessImportance
	}
	state.SetText(text)
	words.SetText(e.Words)
}

func (s *instructionScreen) loc() *time.Location {
	if s.self != nil {
		return s.self.Location()
	}
	return time.Local
}

// filter reads the register's filters; the text is the error to show.
func (s *instructionScreen) filter() (instruction.Filter, string) {
	f := instruction.Filter{State: s.states[s.stateSel.Selected], Query: s.search.Text}
	if id, ok := s.stations[s.stationSel.Selected]; ok {
		f.Station = id
	}
	if id, ok := s.incidents[s.incidentSel.Selected]; ok {
		f.Incident = id
	}
	for _, p := range []struct {
		e  *widget.Entry
		to *time.Time
	}{{s.from, &f.From}, {s.to, &f.To}} {
		if strings.TrimSpace(p.e.Text) == "" {
			continue
		}
		t, err := parseFormTime(p.e.Text, s.loc())
		if err != nil {
			return f, lang.L("instruction.error_date", map[string]any{"Text": p.e.Text})
		}
		*p.to = t
	}
	if err := f.Validate(); err != nil {
		return f, lang.L("instruction.error_range")
	}
	return f, ""
}

// parseFormTime reads "2026-07-14 10:00" or "2026-07-14" in loc.
func parseFormTime(text string, loc *time.Location) (time.Time, error) {
	text = strings.TrimSpace(text)
	for _, layout := range []string{"2006-01-02 15:04", "2006-01-02T15:04", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, text, loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("not a time")
}

type instructionReading struct {
	self    *app.Station
	tree    *app.Tree
	entries []instruction.Entry
	total   int
}

// reload reads the station, the tree and the register again.
func (s *instructionScreen) reload() {
	if !s.loaded {
		return
	}
	f, bad := s.filter()
	if bad != "" {
		s.filterErr.SetText(bad)
		s.filterErr.Show()
		return
	}
	s.filterErr.Hide()
	s.seq++
	seq, ctx, u, now := s.seq, s.u.ctx, s.u, s.u.now()
	runAsync(func() (instructionReading, error) {
		var r instructionReading
		self, err := u.svc.Identity.Identity(ctx)
		if err != nil && app.ErrorCode(err) != app.ENOTFOUND {
			return r, err
		}
		r.self = self
		stations, err := u.svc.Stations.Stations(ctx)
		if err != nil {
			return r, err
		}
		r.tree = app.NewTree(stations)
		r.entries, r.total, err = s.svc.Register(ctx, f, now, instructionRegisterLimit)
		return r, err
	}, func(r instructionReading, err error) {
		if seq != s.seq {
			return
		}
		if err != nil {
			s.total.SetText(errorText(err))
			return
		}
		s.self, s.tree = r.self, r.tree
		s.fillStations()
		s.entries = r.entries
		s.total.SetText(lang.L("instruction.total", map[string]any{"Shown": len(r.entries), "Total": r.total}))
		s.newBtn.Enable()
		if s.self == nil || len(s.tree.Children(s.self.ID)) == 0 {
			// Only a station with stations below it tasks anyone.
			s.newBtn.Disable()
		}
		s.list.UnselectAll()
		s.list.Refresh()
		if s.detail.id != app.NilID {
			s.detail.open(s.detail.id)
		}
	})
}

// fillStations offers the stations below this one as a filter.
func (s *instructionScreen) fillStations() {
	if s.self == nil || len(s.stations) > 0 {
		return
	}
	options := []string{lang.L("instruction.station_all")}
	var walk func(id app.ID, depth int)
	walk = func(id app.ID, depth int) {
		for _, c := range s.tree.Children(id) {
			if !c.Tier.HasDutyRoom() {
				continue
			}
			label := strings.Repeat("  ", depth) + c.Name
			options = append(options, label)
			s.stations[label] = c.ID
			walk(c.ID, depth+1)
		}
	}
	walk(s.self.ID, 0)
	sel := s.stationSel.Selected
	s.stationSel.Options = options
	s.stationSel.Selected = sel
	s.stationSel.Refresh()
}

func (s *instructionScreen) stationName(id app.ID) string {
	if s.tree != nil {
		if st := s.tree.Station(id); st != nil {
			return st.Name
		}
	}
	return id.String()
}

func (s *instructionScreen) assigneeName(a instruction.Assignee) string {
	if a.Unit != "" {
		return a.Unit
	}
	return s.stationName(a.Station)
}

func (s *instructionScreen) onNew() {
	if s.self == nil {
		return
	}
	newInstructionForm(s).show()
}

// created is called once an instruction is saved: the register shows it.
func (s *instructionScreen) created(in *instruction.Instruction) {
	s.u.changed()
	s.detail.id = in.ID
	s.reload()
}

func (s *instructionScreen) onExport() {
	f, bad := s.filter()
	if bad != "" {
		return
	}
	name := "批示台账-" + s.u.now().In(s.loc()).Format("20060102") + ".xlsx"
	s.chooseSave(name, []string{".xlsx"}, func(w fyne.URIWriteCloser, err error) {
		if err != nil {
			s.u.showError(err)
			return
		}
		if w == nil {
			return
		}
		ctx, now, tree, loc := s.u.ctx, s.u.now(), s.tree, s.loc()
		title := lang.L("instruction.register_title")
		if s.self != nil {
			title = s.self.Name + " " + title
		}
		runAsync(func() (int, error) {
			defer w.Close()
			recs, err := s.matching(ctx, f, now)
			if err != nil {
				return 0, err
			}
			return len(recs), instructionfile.WriteXLSX(w, instructionfile.Register{Title: title, Records: recs, Tree: tree, Location: loc, Now: now})
		}, func(n int, err error) {
			if err != nil {
				s.u.showError(err)
				return
			}
			s.u.showMessage(lang.L("instruction.export"), lang.L("instruction.exported", map[string]any{"Count": n}))
		})
	})
}

// matching returns the whole records of the filter: a service that
// offers Matching (the store) reads them in one pass, any other one by one.
func (s *instructionScreen) matching(ctx context.Context, f instruction.Filter, now time.Time) ([]instruction.Record, error) {
	if m, ok := s.svc.(interface {
		Matching(context.Context, instruction.Filter, time.Time, int) ([]instruction.Record, error)
	}); ok {
		return m.Matching(ctx, f, now, 0)
	}
	entries, _, err := s.svc.Register(ctx, f, now, 0)
	if err != nil {
		return nil, err
	}
	var out []instruction.Record
	for _, e := range entries {
		r, err := s.svc.Find(ctx, e.ID)
		if err != nil {
			return nil, err
		}
		out = append(out, *r)
	}
	return out, nil
}

// Reminders and the status bar.

// checkDeadlines counts the overdue tasks for the status bar and the
// navigation, and announces each reminder once: before the deadline
// (instruction.DefaultRemindBefore) and when it passes.
func (s *instructionScreen) checkDeadlines() {
	ctx, now, svc := s.u.ctx, s.u.now(), s.svc
	type reading struct {
		overdue   int
		reminders []instruction.Reminder
		names     map[app.ID]string
	}
	runAsync(func() (reading, error) {
		var r reading
		var err error
		if r.overdue, err = svc.Overdue(ctx, now); err != nil {
			return r, err
		}
		r.reminders, err = svc.Reminders(ctx, now, instruction.DefaultRemindBefore)
		return r, err
	}, func(r reading, err error) {
		if err != nil {
			return
		}
		s.u.status.showInstructions(r.overdue)
		s.u.nav.setBadge("instructions", r.overdue)
		for _, m := range r.reminders {
			key := m.Key()
			if s.reminded[key] {
				continue
			}
			s.reminded[key] = true
			s.remind(m)
		}
	})
}

func (s *instructionScreen) remind(m instruction.Reminder) {
	who := s.assigneeName(m.For)
	when := m.Deadline.In(s.loc()).Format("15:04")
	title := lang.L("instruction.remind_title")
	text := lang.L("instruction.remind_before", map[string]any{"Who": who, "Due": when})
	if m.Overdue {
		title = lang.L("instruction.overdue_title")
		text = lang.L("instruction.remind_overdue", map[string]any{"Who": who, "Due": when})
	}
	// The SMS to the station's people comes from the hub's gateway, which
	// sees the same tasks pass (hub/sms); the window notifies whoever sits
	// at it.
	s.u.app.SendNotification(fyne.NewNotification(title, text))
}

// headerLabel is a bold label for a section of the detail view.
func headerLabel(text string) *widget.Label {
	l := widget.NewLabel(text)
	l.TextStyle.Bold = true
	return l
}
