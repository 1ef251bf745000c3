package ui

import (
	"context"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"dutyroom/app"
	"dutyroom/app/incident"
)

// pendingTask is a report this station still has to send, with the
// incident it is about.
type pendingTask struct {
	task incident.ReportTask
	inc  incident.Incident
}

// pendingTasks holds every report this station still has to send, earliest
// deadline first. It is read from the service after changes and once a
// minute; the countdowns shown from it move once a second without reading
// anything.
type pendingTasks struct {
	u      *UI
	tasks  []pendingTask
	tree   *app.Tree
	loc    *time.Location
	err    error
	seq    int
	strips []*pendingStrip
}

func newPendingTasks(u *UI) *pendingTasks {
	return &pendingTasks{u: u, loc: (&app.Station{}).Location()}
}

type pendingData struct {
	tasks []pendingTask
	tree  *app.Tree
	loc   *time.Location
}

func loadPending(ctx context.Context, svc Services) (pendingData, error) {
	var d pendingData
	me, err := svc.Identity.Identity(ctx)
	if app.ErrorCode(err) == app.ENOTFOUND {
		return d, nil
	} else if err != nil {
		return d, err
	}
	stations, err := svc.Stations.Stations(ctx)
	if err != nil {
		return d, err
	}
	d.tree, d.loc = app.NewTree(stations), me.Location()
	open := true
	tasks, err := svc.Incidents.Tasks(ctx, incident.TaskFilter{From: &me.ID, Open: &open})
	if err != nil {
		return d, err
	}
	incs := map[app.ID]*incident.Incident{}
	for _, t := range tasks {
		inc, ok := incs[t.Incident]
		if !ok {
			if inc, err = svc.Incidents.FindIncidentByID(ctx, t.Incident); err != nil {
				return d, err
			}
			incs[t.Incident] = inc
		}
		d.tasks = append(d.tasks, pendingTask{task: t, inc: *inc})
	}
	return d, nil
}

// load reads the tasks again. A slow read overtaken by a later one is
// dropped, so the list never goes back in time.
func (p *pendingTasks) load() {
	p.seq++
	seq := p.seq
	ctx, svc := p.u.ctx, p.u.svc
	runAsync(func() (pendingData, error) { return loadPending(ctx, svc) }, func(d pendingData, err error) {
		if seq != p.seq {
			return
		}
		p.err = err
		if err == nil {
			p.tasks, p.tree, p.loc = d.tasks, d.tree, d.loc
		}
		p.show()
	})
}

// counts returns how many reports wait and how many of them are overdue.
func (p *pendingTasks) counts(now time.Time) (waiting, overdue int) {
	for _, t := range p.tasks {
		waiting++
		if t.task.Overdue(now) {
			overdue++
		}
	}
	return waiting, overdue
}

func (p *pendingTasks) show() {
	for _, s := range p.strips {
		s.show()
	}
	p.u.status.showTasks(p.counts(p.u.now()))
}

// tick moves the countdowns.
func (p *pendingTasks) tick() {
	for _, s := range p.strips {
		s.tick()
	}
}

// pendingStrip is the compact list of reports waiting to be sent, with a
// countdown each, overdue ones in red. The incident screen shows one; any
// other screen can show another with newStrip.
type pendingStrip struct {
	p       *pendingTasks
	onOpen  func(app.ID)
	heading *widget.Label
	empty   *widget.Label
	list    *widget.List
	content fyne.CanvasObject
}

// stripRows is how many tasks show at once, the most urgent; more scroll.
// Two keep the form below in view on the smallest window.
const stripRows = 2

// newStrip makes a strip that follows these tasks; onOpen is called with
// the incident of a row chosen.
func (p *pendingTasks) newStrip(onOpen func(app.ID)) *pendingStrip {
	s := &pendingStrip{p: p, onOpen: onOpen}
	s.heading = widget.NewLabel(lang.L("incident.pending_heading"))
	s.heading.TextStyle.Bold = true
	s.empty = hintLabel(lang.L("incident.pending_none"))
	s.list = widget.NewList(s.length, s.create, s.update)
	s.list.OnSelected = s.onSelected
	rowHeight := s.create().MinSize().Height + theme.Padding()
	listBox := container.New(fixedHeight{height: rowHeight * stripRows}, s.list)
	s.content = container.NewVBox(
		container.NewBorder(nil, nil, container.NewHBox(widget.NewIcon(theme.HistoryIcon()), s.heading), nil, s.empty),
		listBox, widget.NewSeparator())
	p.strips = append(p.strips, s)
	s.show()
	return s
}

func (s *pendingStrip) show() {
	p := s.p
	waiting, overdue := p.counts(p.u.now())
	switch {
	case p.err != nil:
		s.heading.SetText(lang.L("incident.pending_heading"))
		s.empty.SetText(errorText(p.err))
		s.empty.Show()
	case waiting == 0:
		s.heading.SetText(lang.L("incident.pending_heading"))
		s.empty.SetText(lang.L("incident.pending_none"))
		s.empty.Show()
	default:
		s.heading.SetText(lang.L("incident.pending_heading_count", map[string]any{"Count": waiting, "Overdue": overdue}))
		s.empty.Hide()
	}
	if waiting == 0 {
		s.list.Hide()
	} else {
		s.list.Show()
	}
	s.list.Refresh()
	s.content.Refresh()
}

func (s *pendingStrip) tick() {
	waiting, overdue := s.p.counts(s.p.u.now())
	if waiting > 0 {
		setText(s.heading, lang.L("incident.pending_heading_count", map[string]any{"Count": waiting, "Overdue": overdue}))
	}
	s.list.Refresh()
}

func (s *pendingStrip) length() int { return len(s.p.tasks) }

func (s *pendingStrip) create() fyne.CanvasObject {
	countdown := widget.NewLabel(lang.L("incident.overdue_by", map[string]any{"Time": "00:00:00"}))
	countdown.TextStyle.Bold = true
	what := widget.NewLabel("")
	what.Truncation = fyne.TextTruncateEllipsis
	where := widget.NewLabel("")
	return container.NewBorder(nil, nil, countdown, where, what)
}

func (s *pendingStrip) update(id widget.ListItemID, o fyne.CanvasObject) {
	if id >= len(s.p.tasks) {
		return
	}
	t := s.p.tasks[id]
	now := s.p.u.now()
	row := o.(*fyne.Container)
	what, countdown, where := row.Objects[0].(*widget.Label), row.Objects[1].(*widget.Label), row.Objects[2].(*widget.Label)
	importance := widget.WarningImportance
	if t.task.Overdue(now) {
		importance = widget.DangerImportance
	}
	if countdown.Importance != importance {
		countdown.Importance = importance
		countdown.Refresh()
	}
	setText(countdown, dueText(t.task, now))
	setText(what, incidentSummary(&t.inc, s.p.tree))
	setText(where, lang.L("incident.task_line", map[string]any{
		"Kind": reportKindLabel(t.task.Kind), "Mode": modeLabel(t.task.Mode),
		"To": recipientLabel(t.task.To, s.p.tree), "Due": dateTime(t.task.Due, s.p.loc)}))
	row.Refresh()
}

func (s *pendingStrip) onSelected(id widget.ListItemID) {
	s.list.Unselect(id)
	if id < len(s.p.tasks) && s.onOpen != nil {
		s.onOpen(s.p.tasks[id].inc.ID)
	}
}
