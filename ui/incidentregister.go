package ui

import (
	"bytes"
	"context"
	"io"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"dutyroom/app"
	"dutyroom/app/incident"
	"dutyroom/incidentfile"
)

// registerShown is how many incidents the table holds at once. More are
// counted and exported; the screen asks to narrow the search instead of
// scrolling through a year.
const registerShown = 1000

// period is a span of the register's filter, counted back from now in the
// station's zone.
type period int

const (
	periodAll period = iota
	periodToday
	period7Days
	period30Days
	periodThisYear
)

var periods = []period{periodAll, periodToday, period7Days, period30Days, periodThisYear}

func periodLabel(p period) string {
	switch p {
	case periodToday:
		return lang.L("incident.period_today")
	case period7Days:
		return lang.L("incident.period_7_days")
	case period30Days:
		return lang.L("incident.period_30_days")
	case periodThisYear:
		return lang.L("incident.period_this_year")
	}
	return lang.L("incident.period_all")
}

// from is where the period starts, nil for all time.
func (p period) from(now time.Time, loc *time.Location) *time.Time {
	y, m, d := now.In(loc).Date()
	midnight := time.Date(y, m, d, 0, 0, 0, 0, loc)
	var t time.Time
	switch p {
	case periodToday:
		t = midnight
	case period7Days:
		t = midnight.AddDate(0, 0, -6)
	case period30Days:
		t = midnight.AddDate(0, 0, -29)
	case periodThisYear:
		t = time.Date(y, 1, 1, 0, 0, 0, 0, loc)
	default:
		return nil
	}
	return &t
}

// registerPanel is 台账: every incident received here and below, filtered
// and searched, exported as a workbook.
type registerPanel struct {
	s     *incidentScreen
	rows  []incident.Incident
	total int
	seq   int

	search    *shortcutEntry
	period    *widget.Select
	category  *widget.Select
	grade     *widget.Select
	status    *widget.Select
	overdue   *widget.Check
	station   app.ID
	stationBt *widget.Button
	allBelow  *widget.Button
	count     *widget.Label
	export    *widget.Button
	notice    *notice
	table     *widget.Table
	empty     *widget.Label
	content   fyne.CanvasObject

	categories map[string]incident.Category
	grades     map[string]incident.Grade
	statuses   map[string]incident.Status
	periods    map[string]period
}

// registerWidths are the least widths of the register's columns, in order:
// received, summary, category, grade, casualties, status, next deadline.
// registerWeights give the width left over to the summary, which a duty
// officer reads first; the other columns' least widths fit what they show.
var (
	registerWidths  = []float32{105, 220, 95, 105, 130, 70, 135}
	registerWeights = []float32{0, 1, 0, 0, 0, 0, 0}
)

// registerLeast is registerWidths widened where the category or grade
// names of the window's language need more, as English ones do.
func registerLeast() []float32 {
	least := append([]float32(nil), registerWidths...)
	var categories, grades []string
	for _, c := range incident.Categories {
		categories = append(categories, categoryLabel(c))
	}
	for _, g := range incident.Grades {
		grades = append(grades, lang.L("incident.grade_provisional_short", map[string]any{"Grade": gradeLabel(g)}))
	}
	// Capped: a rare long name (Low temperature, snow and ice) may be cut
	// rather than take the summary's width in every row.
	least[2] = fyne.Max(least[2], labelWidth(160, categories...))
	least[3] = fyne.Max(least[3], labelWidth(180, grades...))
	overdue := lang.L("incident.register_overdue", map[string]any{"Due": "10-03 08:40"})
	least[6] = fyne.Max(least[6], labelWidth(200, overdue))
	return least
}

func registerHeader(col int) string {
	switch col {
	case 0:
		return lang.L("incident.col_received")
	case 1:
		return lang.L("incident.col_summary")
	case 2:
		return lang.L("incident.col_category")
	case 3:
		return lang.L("incident.col_grade")
	case 4:
		return lang.L("incident.col_casualties")
	case 5:
		return lang.L("incident.col_status")
	}
	return lang.L("incident.col_due")
}

func newRegisterPanel(s *incidentScreen) *registerPanel {
	r := &registerPanel{s: s, notice: newNotice(), categories: map[string]incident.Category{},
		grades: map[string]incident.Grade{}, statuses: map[string]incident.Status{}, periods: map[string]period{}}
	r.search = newShortcutEntry()
	r.search.SetPlaceHolder(lang.L("incident.search_placeholder"))
	r.search.OnChanged = func(string) { r.load() }

	var periodOptions []string
	for _, p := range periods {
		periodOptions = append(periodOptions, periodLabel(p))
		r.periods[periodLabel(p)] = p
	}
	r.period = widget.NewSelect(periodOptions, func(string) { r.load() })
	r.period.SetSelectedIndex(0)
	categoryOptions := []string{lang.L("incident.filter_any_category")}
	for _, c := range incident.Categories {
		categoryOptions = append(categoryOptions, categoryLabel(c))
		r.categories[categoryLabel(c)] = c
	}
	r.category = widget.NewSelect(categoryOptions, func(string) { r.load() })
	r.category.SetSelectedIndex(0)
	gradeOptions := []string{lang.L("incident.filter_any_grade")}
	for _, g := range incident.Grades {
		gradeOptions = append(gradeOptions, gradeLabel(g))
		r.grades[gradeLabel(g)] = g
	}
	r.grade = widget.NewSelect(gradeOptions, func(string) { r.load() })
	r.grade.SetSelectedIndex(0)
	statusOptions := []string{lang.L("incident.filter_any_status")}
	for _, st := range []incident.Status{incident.StatusOpen, incident.StatusClosed} {
		statusOptions = append(statusOptions, statusLabel(st))
		r.statuses[statusLabel(st)] = st
	}
	r.status = widget.NewSelect(statusOptions, func(string) { r.load() })
	r.status.SetSelectedIndex(0)
	r.overdue = widget.NewCheck(lang.L("incident.filter_overdue"), func(bool) { r.load() })
	r.stationBt = widget.NewButtonWithIcon(lang.L("incident.filter_station_all"), theme.HomeIcon(), r.onChooseStation)
	r.allBelow = widget.NewButtonWithIcon("", theme.ContentClearIcon(), r.onAllStations)
	r.allBelow.Hide()
	r.count = widget.NewLabel("")
	r.export = widget.NewButtonWithIcon(lang.L("incident.export_xlsx"), theme.DocumentSaveIcon(), r.onExport)

	r.table = widget.NewTableWithHeaders(r.size, r.create, r.update)
	r.table.ShowHeaderColumn = false
	r.table.CreateHeader = func() fyne.CanvasObject {
		l := widget.NewLabel("")
		l.TextStyle.Bold = true
		return l
	}
	r.table.UpdateHeader = r.updateHeader
	table := newFillTable(r.table, registerLeast(), registerWeights)
	r.table.OnSelected = r.onSelected
	r.empty = hintLabel("")

	// The selects share a row evenly, so the longest type name in any
	// language cannot push the window wider.
	filters := container.NewVBox(
		container.NewBorder(nil, nil, nil, container.NewHBox(r.stationBt, r.allBelow, r.export), r.search),
		container.NewBorder(nil, nil, nil, r.overdue, container.NewGridWithColumns(4, r.period, r.category, r.grade, r.status)),
	)
	footer := container.NewBorder(nil, nil, nil, r.notice.label, r.count)
	r.notice.parent = footer
	r.content = container.NewBorder(filters, footer, nil, nil, container.NewStack(table, container.NewCenter(r.empty)))
	return r
}

// filter is the register's filter as the controls stand.
func (r *registerPanel) filter(now time.Time, loc *time.Location) incident.Filter {
	f := incident.Filter{Text: r.search.Text, From: r.periods[r.period.Selected].from(now, loc)}
	if c, ok := r.categories[r.category.Selected]; ok {
		f.Category = &c
	}
	if g, ok := r.grades[r.grade.Selected]; ok {
		f.Grade = &g
	}
	if st, ok := r.statuses[r.status.Selected]; ok {
		f.Status = &st
	}
	if r.overdue.Checked {
		yes := true
		f.Overdue = &yes
	}
	station := r.station
	if station == app.NilID && r.s.base.home != nil {
		station = r.s.base.home.ID
	}
	if station != app.NilID {
		f.Station = &station
	}
	return f
}

type registerPage struct {
	rows  []incident.Incident
	total int
}

// load reads the register again; a slow answer overtaken by a later
// keystroke is dropped.
func (r *registerPanel) load() {
	if !r.s.loaded {
		return
	}
	r.seq++
	seq := r.seq
	f := r.filter(r.s.u.now(), r.s.base.location())
	f.Limit = registerShown
	ctx, svc := r.s.u.ctx, r.s.u.svc.Incidents
	runAsync(func() (registerPage, error) {
		rows, total, err := svc.Incidents(ctx, f)
		return registerPage{rows, total}, err
	}, func(p registerPage, err error) {
		if seq != r.seq {
			return
		}
		if err != nil {
			r.rows, r.total = nil, 0
			r.count.SetText(errorText(err))
		} else {
			r.rows, r.total = p.rows, p.total
			r.showCount()
		}
		r.table.Refresh()
	})
}

func (r *registerPanel) showCount() {
	switch {
	case r.total > len(r.rows):
		r.count.SetText(lang.L("incident.register_count_limited", map[string]any{"Count": r.total, "Shown": len(r.rows)}))
	default:
		r.count.SetText(lang.L("incident.register_count", map[string]any{"Count": r.total}))
	}
	if r.total == 0 {
		r.empty.SetText(lang.L("incident.register_empty"))
		r.empty.Show()
	} else {
		r.empty.Hide()
	}
	enable(r.export, r.total > 0)
}

func (r *registerPanel) size() (int, int) { return len(r.rows), len(registerWidths) }

func (r *registerPanel) create() fyne.CanvasObject {
	l := widget.NewLabel("")
	l.Truncation = fyne.TextTruncateEllipsis
	return l
}

func (r *registerPanel) updateHeader(id widget.TableCellID, o fyne.CanvasObject) {
	if id.Col >= 0 && id.Col < len(registerWidths) {
		o.(*widget.Label).SetText(registerHeader(id.Col))
	}
}

func (r *registerPanel) update(id widget.TableCellID, o fyne.CanvasObject) {
	l := o.(*widget.Label)
	if id.Row >= len(r.rows) {
		setText(l, "")
		return
	}
	text, importance := registerCell(&r.rows[id.Row], id.Col, r.s.base, r.s.u.now())
	setText(l, text)
	if l.Importance != importance {
		l.Importance = importance
		l.Refresh()
	}
}

// registerCell is the text of one cell of the register.
func registerCell(inc *incident.Incident, col int, b incidentBase, now time.Time) (string, widget.Importance) {
	loc := b.location()
	switch col {
	case 0:
		return dateTime(inc.ReceivedAt, loc), widget.MediumImportance
	case 1:
		return incidentSummary(inc, b.tree), widget.MediumImportance
	case 2:
		return categoryLabel(inc.Category), widget.MediumImportance
	case 3:
		g := inc.EffectiveGrade()
		if inc.Grade == 0 && g.Valid() {
			return lang.L("incident.grade_provisional_short", map[string]any{"Grade": gradeLabel(g)}), widget.MediumImportance
		}
		return gradeLabel(g), widget.MediumImportance
	case 4:
		return countsText(inc.Counts), widget.MediumImportance
	case 5:
		return statusLabel(inc.Status), widget.MediumImportance
	}
	switch {
	case inc.NextDue.IsZero():
		return "—", widget.LowImportance
	case inc.Overdue(now):
		return lang.L("incident.register_overdue", map[string]any{"Due": dateTime(inc.NextDue, loc)}), widget.DangerImportance
	}
	return dateTime(inc.NextDue, loc), widget.MediumImportance
}

func (r *registerPanel) onSelected(id widget.TableCellID) {
	r.table.UnselectAll()
	if id.Row >= 0 && id.Row < len(r.rows) {
		r.s.openIncident(r.rows[id.Row].ID)
	}
}

func (r *registerPanel) onChooseStation() {
	b := r.s.base
	if b.area == nil {
		return
	}
	current := r.station
	if current == app.NilID {
		current = b.home.ID
	}
	newStationPicker(r.s.u.win, b.area, lang.L("incident.filter_station_title"), current, func(st *app.Station) {
		r.station = st.ID
		r.stationBt.SetText(st.Name)
		if st.ID == b.home.ID {
			r.onAllStations()
			return
		}
		r.allBelow.Show()
		r.load()
	}).show()
}

func (r *registerPanel) onAllStations() {
	r.station = app.NilID
	r.stationBt.SetText(lang.L("incident.filter_station_all"))
	r.allBelow.Hide()
	r.load()
}

// onExport writes every incident the filter matches, not only the rows
// shown, to a workbook the officer names.
func (r *registerPanel) onExport() {
	f := r.filter(r.s.u.now(), r.s.base.location())
	b := r.s.base
	now := r.s.u.now()
	d := dialog.NewFileSave(func(w fyne.URIWriteCloser, err error) {
		if err != nil {
			r.s.u.showError(err)
			return
		}
		if w == nil {
			return
		}
		ctx, svc := r.s.u.ctx, r.s.u.svc.Incidents
		runAsync(func() (int, error) {
			defer w.Close()
			return exportRegister(ctx, svc, f, b, now, w)
		}, func(n int, err error) {
			if err != nil {
				r.s.u.showError(err)
				return
			}
			r.notice.show(lang.L("incident.exported", map[string]any{"Count": n}))
		})
	}, r.s.u.win)
	d.SetFileName(lang.L("incident.export_file_name", map[string]any{"Date": now.In(b.location()).Format("20060102")}) + ".xlsx")
	d.Resize(fyne.NewSize(760, 520))
	showFileDialog(d, r.s.u.win)
}

// exportRegister writes the incidents matching f to w as a workbook. It
// is built in memory first, so a failure never leaves half a file.
func exportRegister(ctx context.Context, svc incident.Service, f incident.Filter, b incidentBase, now time.Time, w io.Writer) (int, error) {
	f.Limit, f.Offset = 0, 0
	incs, _, err := svc.Incidents(ctx, f)
	if err != nil {
		return 0, err
	}
	title := lang.L("incident.export_title")
	if b.home != nil {
		title = lang.L("incident.export_title_station", map[string]any{"Station": b.home.Name})
	}
	var buf bytes.Buffer
	if err := incidentfile.WriteXLSX(&buf, incidentfile.Register{
		Title: title, Incidents: incs, Tree: b.tree, Location: b.location(), Now: now}); err != nil {
		return 0, err
	}
	if _, err := w.Write(buf.Bytes()); err != nil {
		return 0, app.Errorf(app.EINTERNAL, "cannot write the register: %v", err)
	}
	return len(incs), nil
}
