package ui

import (
	"bytes"
	"image/png"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
	"github.com/xuri/excelize/v2"

	"dutyroom/app"
	"dutyroom/app/incident"
)

// seed files an incident straight through the service, received at the
// given time of the demo's clock.
func seed(t *testing.T, d *incidentDemo, at string, place app.ID, text string, c incident.Category, dead int) incident.Incident {
	t.Helper()
	when, err := time.ParseInLocation("2006-01-02 15:04", at, shanghai(t))
	if err != nil {
		t.Fatal(err)
	}
	inc := incident.Incident{Station: d.jishou.ID, ReceivedAt: when, Channel: incident.ChannelPhone, Category: c,
		Place: incident.Place{Station: place, Text: text}, Counts: incident.Counts{Dead: dead}}
	if _, _, err := d.svc.CreateIncident(app.WithAuthor(t.Context(), "值班员甲"), &inc); err != nil {
		t.Fatal(err)
	}
	return inc
}

// sendOnTime writes, signs and sends the initial report of inc at the
// given time, then puts the clock back.
func sendOnTime(t *testing.T, d *incidentDemo, inc incident.Incident, at string) {
	t.Helper()
	was := d.now
	d.setClock(t, at)
	defer func() { d.now = was }()
	ctx := app.WithAuthor(t.Context(), "值班员甲")
	r := incident.Report{Incident: inc.ID, Station: d.jishou.ID, Kind: incident.KindInitial, Text: "初报"}
	if _, err := d.svc.AddReport(ctx, &r); err != nil {
		t.Fatal(err)
	}
	signed, err := d.svc.SignReport(ctx, r.ID, "张三")
	if err != nil || len(signed) == 0 {
		t.Fatalf("signed %d tasks: %v", len(signed), err)
	}
	for _, tk := range signed {
		if err := d.svc.SendTask(ctx, tk.ID); err != nil {
			t.Fatal(err)
		}
	}
}

// registerRows returns the summary column of the register as shown.
func registerRows(u *UI) []string {
	r := u.incidents.register
	var out []string
	for i := range r.rows {
		text, _ := registerCell(&r.rows[i], 1, u.incidents.base, u.now())
		out = append(out, text)
	}
	return out
}

func openRegister(t *testing.T, d *incidentDemo) *UI {
	t.Helper()
	u := openIncidents(t, d)
	u.incidents.tabs.SelectIndex(1)
	return u
}

func TestRegisterFiltersAndSearches(t *testing.T) {
	d := newIncidentDemo(t, "2026-10-03 09:00")
	seed(t, d, "2026-10-03 08:00", d.qianzhou.ID, "G65 K1234 追尾", incident.RoadTraffic, 3)
	sendOnTime(t, d, seed(t, d, "2026-10-02 22:00", d.village.ID, "山体滑坡", incident.Geological, 0), "2026-10-02 22:30")
	sendOnTime(t, d, seed(t, d, "2026-09-01 10:00", app.NilID, "民房火灾", incident.Fire, 1), "2026-09-01 10:30")
	u := openRegister(t, d)
	r := u.incidents.register

	if got := registerRows(u); len(got) != 3 || r.count.Text != "共 3 起" {
		t.Fatalf("unfiltered: %q, %q", got, r.count.Text)
	}
	if got := registerRows(u)[0]; got != "乾州街道 G65 K1234 追尾 道路交通" {
		t.Errorf("newest first, summarised as %q", got)
	}

	test.Type(r.search, "g65")
	if got := registerRows(u); len(got) != 1 || !strings.Contains(got[0], "G65") {
		t.Errorf("search g65 (any case): %q", got)
	}
	r.search.SetText("")

	r.category.SetSelected("地质灾害")
	if got := registerRows(u); len(got) != 1 || !strings.Contains(got[0], "山体滑坡") {
		t.Errorf("category 地质灾害: %q", got)
	}
	r.category.SetSelectedIndex(0)

	r.grade.SetSelected("较大")
	if got := registerRows(u); len(got) != 1 || !strings.Contains(got[0], "追尾") {
		t.Errorf("grade 较大: %q", got)
	}
	r.grade.SetSelectedIndex(0)

	r.period.SetSelected("近 7 天")
	if got := registerRows(u); len(got) != 2 || r.count.Text != "共 2 起" {
		t.Errorf("last 7 days: %q, %q", got, r.count.Text)
	}
	r.period.SetSelectedIndex(0)

	// The road accident's report to the prefecture was due at 10:00: a
	// county that takes the call has two hours (Decree 493 art. 11).
	d.setClock(t, "2026-10-03 10:30")
	r.overdue.SetChecked(true)
	if got := registerRows(u); len(got) != 1 || !strings.Contains(got[0], "追尾") {
		t.Errorf("overdue only: %q", got)
	}
	text, importance := registerCell(&r.rows[0], 6, u.incidents.base, u.now())
	if text != "超时 10-03 10:00" || importance != widget.DangerImportance {
		t.Errorf("the deadline column reads %q (importance %v)", text, importance)
	}
	r.overdue.SetChecked(false)

	r.station = d.village.ID
	r.load()
	if got := registerRows(u); len(got) != 1 || !strings.Contains(got[0], "山体滑坡") {
		t.Errorf("village only: %q", got)
	}
	r.onAllStations()
	test.Type(r.search, "没有这样的事")
	if len(r.rows) != 0 || !r.empty.Visible() || r.export.Disabled() == false {
		t.Errorf("no match: %d rows, empty note %v, export enabled %v", len(r.rows), r.empty.Visible(), !r.export.Disabled())
	}
}

func TestRegisterExportsEveryMatchNotOnlyTheRowsShown(t *testing.T) {
	d := newIncidentDemo(t, "2026-10-03 09:00")
	seed(t, d, "2026-10-03 08:00", d.qianzhou.ID, "G65 追尾", incident.RoadTraffic, 3)
	seed(t, d, "2026-10-02 08:00", d.village.ID, "G65 滑坡", incident.Geological, 0)
	seed(t, d, "2026-10-01 08:00", d.village.ID, "民房火灾", incident.Fire, 0)
	u := openRegister(t, d)
	r := u.incidents.register
	test.Type(r.search, "G65")
	f := r.filter(u.now(), u.incidents.base.location())
	f.Limit = 1 // as if the table held fewer than match
	var buf bytes.Buffer
	n, err := exportRegister(u.ctx, d.svc, f, u.incidents.base, u.now(), &buf)
	if err != nil || n != 2 {
		t.Fatalf("exported %d, %v; want the 2 matching G65", n, err)
	}
	x, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := x.GetRows("台账")
	if len(rows) != 4 || rows[0][0] != "吉首市 事件台账" || rows[2][5] != "G65 追尾" || rows[3][5] != "G65 滑坡" {
		t.Errorf("workbook rows: %q", rows)
	}
}

func TestRegisterRowOpensTheIncident(t *testing.T) {
	d := newIncidentDemo(t, "2026-10-03 09:00")
	inc := seed(t, d, "2026-10-03 08:00", d.qianzhou.ID, "G65 追尾", incident.RoadTraffic, 1)
	u := openRegister(t, d)
	u.incidents.register.table.Select(widget.TableCellID{Row: 0, Col: 1})
	if u.incidents.view.id != inc.ID || u.incidents.body.Objects[0] != u.incidents.view.content {
		t.Fatal("choosing a row did not open its incident")
	}
	test.Tap(u.incidents.view.back)
	if u.incidents.body.Objects[0] != u.incidents.tabs || u.incidents.tabs.SelectedIndex() != 1 {
		t.Error("back does not return to the register")
	}
}

func TestStatisticsChartTheFiguresAndExportAsPNG(t *testing.T) {
	d := newIncidentDemo(t, "2026-10-03 09:00")
	seed(t, d, "2026-10-03 08:00", d.qianzhou.ID, "追尾", incident.RoadTraffic, 3)
	sendOnTime(t, d, seed(t, d, "2026-10-02 08:00", d.qianzhou.ID, "滑坡", incident.Geological, 0), "2026-10-02 08:30")
	sendOnTime(t, d, seed(t, d, "2026-08-15 08:00", d.village.ID, "火灾", incident.Fire, 0), "2026-08-15 08:30")
	u := openIncidents(t, d)
	u.incidents.tabs.SelectIndex(2)
	p := u.incidents.stats

	month := p.charts[0].chart.data
	if len(month.bars) != 12 || month.bars[11].label != "10月" || month.bars[0].label != "25年11月" {
		t.Fatalf("months: %d bars, first %q, last %q", len(month.bars), month.bars[0].label, month.bars[11].label)
	}
	if got := month.bars[11].values; got[0] != 1 || got[1] != 1 || got[2] != 0 {
		t.Errorf("October by group (safety, disaster, other) = %v, want 1, 1, 0", got)
	}
	county := p.charts[1].chart.data
	if len(county.bars) != 2 || county.bars[0].label != "吉首市" || county.bars[0].values[0] != 3 || county.bars[1].values[0] != 0 {
		t.Errorf("counties: %+v", county.bars)
	}
	grades := p.charts[2].chart.data
	if len(grades.bars) != 4 || grades.bars[0].values[0] != 2 || grades.bars[1].values[0] != 1 || *grades.bars[1].color != gradeColor(incident.GradeLarge) {
		t.Errorf("grades: %+v", grades.bars)
	}
	if !strings.Contains(p.status.Text, "共 3 起") {
		t.Errorf("status %q", p.status.Text)
	}

	// The 08:00 road accident's report to the prefecture fell due at 10:00
	// (a county taking the call has two hours).
	d.setClock(t, "2026-10-03 10:30")
	p.load()
	rank := p.charts[3].chart.data
	if len(rank.bars) != 1 || rank.bars[0].label != "吉首市" || rank.bars[0].note != "67%（2/3）" || *rank.bars[0].color != ratePoor {
		t.Errorf("timeliness ranking: %+v", rank.bars)
	}

	var buf bytes.Buffer
	d2 := month
	d2.title = "每月事件数（按类别）"
	if err := writeChartPNG(&buf, d2); err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != 960 || b.Dy() != 540 {
		t.Errorf("exported %v, want 960×540", b)
	}
	colours := map[[3]uint32]int{}
	dark := 0
	for y := 0; y < img.Bounds().Dy(); y++ {
		for x := 0; x < img.Bounds().Dx(); x++ {
			r, g, b, _ := img.At(x, y).RGBA()
			colours[[3]uint32{r >> 8, g >> 8, b >> 8}]++
			if r>>8 < 0x40 && g>>8 < 0x40 && b>>8 < 0x40 {
				dark++
			}
		}
	}
	for _, grp := range chartGroups[:2] {
		c := groupColors[grp]
		if colours[[3]uint32{uint32(c.R), uint32(c.G), uint32(c.B)}] < 100 {
			t.Errorf("the PNG has no %s bar", grp)
		}
	}
	if dark < 500 {
		t.Errorf("the PNG has %d dark pixels; the title and labels are missing", dark)
	}
}
