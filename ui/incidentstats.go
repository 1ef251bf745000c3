package ui

import (
	"fmt"
	"image/color"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"dutyroom/app"
	"dutyroom/app/incident"
)

// statsPeriod is the span the statistics cover.
type statsPeriod int

const (
	stats12Months statsPeriod = iota
	statsThisYear
	statsLastYear
)

func statsPeriodLabel(p statsPeriod) string {
	switch p {
	case statsThisYear:
		return lang.L("incident.stats_this_year")
	case statsLastYear:
		return lang.L("incident.stats_last_year")
	}
	return lang.L("incident.stats_12_months")
}

// span returns the first instant of the period and the first after it.
func (p statsPeriod) span(now time.Time, loc *time.Location) (time.Time, time.Time) {
	y, m, _ := now.In(loc).Date()
	switch p {
	case statsThisYear:
		return time.Date(y, 1, 1, 0, 0, 0, 0, loc), time.Date(y+1, 1, 1, 0, 0, 0, 0, loc)
	case statsLastYear:
		return time.Date(y-1, 1, 1, 0, 0, 0, 0, loc), time.Date(y, 1, 1, 0, 0, 0, 0, loc)
	}
	return time.Date(y, m-11, 1, 0, 0, 0, 0, loc), time.Date(y, m+1, 1, 0, 0, 0, 0, loc)
}

// Colours of the groups of categories in the monthly chart.
var groupColors = map[incident.Group]color.NRGBA{
	incident.GroupProductionSafety: {0x54, 0x70, 0xc6, 0xff},
	incident.GroupNaturalDisaster:  {0x3b, 0xa2, 0x72, 0xff},
	incident.GroupOther:            {0x9a, 0x60, 0xb4, 0xff},
}

var chartGroups = []incident.Group{incident.GroupProductionSafety, incident.GroupNaturalDisaster, incident.GroupOther}

// statsPanel is 统计: incidents per month by kind, per county and by grade,
// and each station's record of reporting on time, each chart exportable.
type statsPanel struct {
	s      *incidentScreen
	seq    int
	period *widget.Select
	status *widget.Label
	notice *notice
	charts []*statsChart
	// periods maps the choices of the period select.
	periods map[string]statsPeriod
	content fyne.CanvasObject
}

// statsChart is one chart with its title and export button.
type statsChart struct {
	chart  *barChart
	title  *widget.Label
	export *widget.Button
	file   string
	box    fyne.CanvasObject
}

func newStatsPanel(s *incidentScreen) *statsPanel {
	p := &statsPanel{s: s, notice: newNotice(), periods: map[string]statsPeriod{}}
	var options []string
	for _, sp := range []statsPeriod{stats12Months, statsThisYear, statsLastYear} {
		options = append(options, statsPeriodLabel(sp))
		p.periods[statsPeriodLabel(sp)] = sp
	}
	p.period = widget.NewSelect(options, func(string) { p.load() })
	p.period.SetSelectedIndex(0)
	p.status = widget.NewLabel("")
	p.status.Truncation = fyne.TextTruncateEllipsis
	grid := container.NewGridWithColumns(2)
	for _, file := range []string{"incidents-by-month", "incidents-by-county", "incidents-by-grade", "on-time-reporting"} {
		c := &statsChart{chart: newBarChart(chartData{}), title: sectionTitle(""), file: file}
		c.export = widget.NewButtonWithIcon(lang.L("incident.export_png"), theme.DownloadIcon(), func() { p.onExport(c) })
		c.export.Importance = widget.LowImportance
		c.box = container.NewBorder(container.NewBorder(nil, nil, nil, c.export, c.title), nil, nil, nil, c.chart)
		p.charts = append(p.charts, c)
		grid.Add(c.box)
	}
	toolbar := container.NewBorder(nil, nil, p.period, p.notice.label, p.status)
	p.notice.parent = toolbar
	p.content = container.NewBorder(toolbar, nil, nil, nil, container.NewVScroll(grid))
	return p
}

func (p *statsPanel) load() {
	if !p.s.loaded || p.s.base.home == nil {
		return
	}
	p.seq++
	seq := p.seq
	b := p.s.base
	loc := b.location()
	from, to := p.periods[p.period.Selected].span(p.s.u.now(), loc)
	home := b.home.ID
	f := incident.Filter{From: &from, To: &to, Station: &home}
	ctx, svc := p.s.u.ctx, p.s.u.svc.Incidents
	p.status.SetText(lang.L("incident.stats_loading"))
	runAsync(func() (*incident.Stats, error) { return svc.Stats(ctx, f, loc) }, func(st *incident.Stats, err error) {
		if seq != p.seq {
			return
		}
		if err != nil {
			p.status.SetText(errorText(err))
			return
		}
		p.show(st, from, to, b)
	})
}

func (p *statsPanel) show(st *incident.Stats, from, to time.Time, b incidentBase) {
	n := 0
	for _, g := range st.ByGrade {
		n += g.Count
	}
	p.status.SetText(lang.L("incident.stats_total", map[string]any{
		"Count": n, "From": from.Format("2006-01-02"), "To": to.Add(-time.Nanosecond).Format("2006-01-02")}))
	data := []chartData{
		monthChart(st.ByMonth, from, to, b.location()),
		countyChart(st.ByCounty, b.tree),
		gradeChart(st.ByGrade),
		timelinessChart(st.Timeliness, b.tree),
	}
	for i, d := range data {
		c := p.charts[i]
		c.title.SetText(d.title)
		d.title = "" // the card says it above the chart
		c.chart.set(d)
		enable(c.export, len(d.bars) > 0)
	}
	p.content.Refresh()
}

// monthChart stacks each month's incidents by group of category. Every
// month of the period has its bar, quiet ones too.
func monthChart(counts []incident.MonthCount, from, to time.Time, loc *time.Location) chartData {
	d := chartData{title: lang.L("incident.chart_by_month"), empty: lang.L("incident.chart_empty")}
	for _, g := range chartGroups {
		d.series = append(d.series, chartSeries{name: groupLabel(g), color: groupColors[g]})
	}
	index := map[incident.Month]int{}
	for t := from; t.Before(to); t = t.AddDate(0, 1, 0) {
		m := incident.MonthOf(t, loc)
		index[m] = len(d.bars)
		d.bars = append(d.bars, chartBar{label: monthLabel(m, from, loc), values: make([]float64, len(chartGroups))})
	}
	some := false
	for _, c := range counts {
		i, ok := index[c.Month]
		if !ok {
			continue
		}
		for gi, g := range chartGroups {
			if c.Category.Group() == g {
				d.bars[i].values[gi] += float64(c.Count)
				some = true
			}
		}
	}
	if !some {
		d.bars = nil
	}
	return d
}

// monthLabel names a month on the axis; the year shows where it starts
// and where the period crosses into a new one.
func monthLabel(m incident.Month, from time.Time, loc *time.Location) string {
	if m.Month == time.January || m == incident.MonthOf(from, loc) {
		return lang.L("incident.month_year", map[string]any{"Year": m.Year % 100, "Month": int(m.Month), "MonthName": m.Month.String()[:3]})
	}
	return lang.L("incident.month_short", map[string]any{"Month": int(m.Month), "MonthName": m.Month.String()[:3]})
}

func countyChart(counts []incident.AreaCount, tree *app.Tree) chartData {
	d := chartData{title: lang.L("incident.chart_by_county"), horizontal: true, empty: lang.L("incident.chart_empty"),
		series: []chartSeries{{name: lang.L("incident.chart_incidents"), color: groupColors[incident.GroupProductionSafety]}}}
	some := false
	for _, c := range counts {
		name := lang.L("incident.unknown_station")
		if c.Station != app.NilID {
			name = stationName(tree, c.Station)
		}
		d.bars = append(d.bars, chartBar{label: name, values: []float64{float64(c.Count)}})
		some = some || c.Count > 0
	}
	if !some {
		d.bars = nil
	}
	return d
}

func gradeChart(counts []incident.GradeCount) chartData {
	d := chartData{title: lang.L("incident.chart_by_grade"), empty: lang.L("incident.chart_empty"),
		series: []chartSeries{{name: lang.L("incident.chart_incidents"), color: gradeColor(0)}}}
	some := false
	for _, c := range counts {
		col := gradeColor(c.Grade)
		d.bars = append(d.bars, chartBar{label: gradeLabel(c.Grade), values: []float64{float64(c.Count)}, color: &col})
		some = some || c.Count > 0
	}
	if !some {
		d.bars = nil
	}
	return d
}

// Colours of the on-time ranking: green from 90 %, amber from 70 %, red below.
var (
	rateGood = color.NRGBA{0x3b, 0xa2, 0x72, 0xff}
	rateFair = color.NRGBA{0xf9, 0xa8, 0x25, 0xff}
	ratePoor = color.NRGBA{0xc6, 0x28, 0x28, 0xff}
)

func timelinessChart(rates []incident.Timeliness, tree *app.Tree) chartData {
	d := chartData{title: lang.L("incident.chart_on_time"), horizontal: true, max: 100, percent: true,
		empty: lang.L("incident.chart_on_time_empty")}
	for _, r := range rates {
		col := ratePoor
		switch {
		case r.Rate >= 0.9:
			col = rateGood
		case r.Rate >= 0.7:
			col = rateFair
		}
		d.bars = append(d.bars, chartBar{label: stationName(tree, r.Station), values: []float64{r.Rate * 100}, color: &col,
			note: lang.L("incident.chart_rate", map[string]any{"Rate": fmt.Sprintf("%.0f", r.Rate*100), "OnTime": r.OnTime, "Due": r.Due})})
	}
	return d
}

// onExport writes the chart as a PNG the officer names. The picture is
// drawn from the same figures, not captured from the window.
func (p *statsPanel) onExport(c *statsChart) {
	d := c.chart.data
	d.title = c.title.Text
	dlg := dialog.NewFileSave(func(w fyne.URIWriteCloser, err error) {
		if err != nil {
			p.s.u.showError(err)
			return
		}
		if w == nil {
			return
		}
		runAsync(func() (struct{}, error) {
			defer w.Close()
			return struct{}{}, writeChartPNG(w, d)
		}, func(_ struct{}, err error) {
			if err != nil {
				p.s.u.showError(app.Errorf(app.EINTERNAL, "cannot write the chart: %v", err))
				return
			}
			p.notice.show(lang.L("incident.chart_exported", map[string]any{"Name": w.URI().Name()}))
		})
	}, p.s.u.win)
	dlg.SetFileName(c.file + ".png")
	dlg.Resize(fyne.NewSize(760, 520))
	showFileDialog(dlg, p.s.u.win)
}
