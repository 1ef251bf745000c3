package ui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"dutyroom/app"
	"dutyroom/app/incident"
)

func init() {
	// Countdowns move when a test moves the clock, not on a timer that
	// would touch widgets from another goroutine.
	everySecond = func(<-chan struct{}, func()) {}
}

// incidentDemo is the small prefecture of newDemo seen from 吉首市, with
// incidents kept by fakeIncidents and the clock fixed.
type incidentDemo struct {
	*demo
	svc   *fakeIncidents
	alarm *fakeAlarm
	now   time.Time
}

func newIncidentDemo(t *testing.T, clock string) *incidentDemo {
	t.Helper()
	d := &incidentDemo{demo: newDemo(), alarm: &fakeAlarm{}}
	d.store.identity = d.jishou.ID
	d.store.author = "值班员甲"
	d.svc = newFakeIncidents(d.store)
	d.setClock(t, clock)
	d.store.clock = func() time.Time { return d.now }
	return d
}

func (d *incidentDemo) setClock(t *testing.T, clock string) {
	t.Helper()
	at, err := time.ParseInLocation("2006-01-02 15:04:05", clock, shanghai(t))
	if err != nil {
		at, err = time.ParseInLocation("2006-01-02 15:04", clock, shanghai(t))
	}
	if err != nil {
		t.Fatal(err)
	}
	d.now = at
}

func (d *incidentDemo) services() Services {
	s := d.store.services()
	s.Incidents = d.svc
	s.IncidentFiles = d.svc.createWithFiles
	s.Alarm = d.alarm
	return s
}

// openIncidents opens the window on the 接报 screen.
func openIncidents(t *testing.T, d *incidentDemo) *UI {
	t.Helper()
	u := New(test.NewTempApp(t), d.services())
	t.Cleanup(u.win.Close)
	u.win.Resize(fyne.NewSize(1280, 800))
	u.nav.open("incidents")
	return u
}

// fill types the fields every incident needs: the place and the type.
func fill(t *testing.T, f *intakeForm, category incident.Category) {
	t.Helper()
	test.Type(f.placeText, "G65 吉首段 K1234")
	f.category.SetSelected(categoryChoice(category))
}

// typeInto replaces an entry's text as a person would: select all, type.
func typeInto(e *formEntry, text string) {
	e.SetText("")
	test.Type(e, text)
}

// pressShortcut delivers a shortcut the way the desktop driver does: to
// the focused widget when it takes shortcuts, else to the window.
func pressShortcut(c fyne.Canvas, s fyne.Shortcut) {
	if f, ok := c.Focused().(fyne.Shortcutable); ok {
		f.TypedShortcut(s)
		return
	}
	c.(fyne.Shortcutable).TypedShortcut(s)
}

var ctrlS = &desktop.CustomShortcut{KeyName: fyne.KeyS, Modifier: fyne.KeyModifierShortcutDefault}

func TestIntakeGradeFollowsTheCountsAsTheyAreTyped(t *testing.T) {
	d := newIncidentDemo(t, "2026-10-03 03:00")
	u := openIncidents(t, d)
	f := u.incidents.form
	f.category.SetSelected(categoryChoice(incident.RoadTraffic))

	if f.gradeName.Text != "一般" || f.gradeFigure.Text != "一般：死亡 0 人（<3）" {
		t.Fatalf("with no figures the grade reads %q, %q", f.gradeName.Text, f.gradeFigure.Text)
	}
	test.Type(f.counts["counts.dead"], "2")
	if f.gradeName.Text != "一般" || !f.focusFlag.Visible() || f.focusFlag.Text != "重点关注：亡 2 人一般事故" {
		t.Errorf("2 dead in a road accident: grade %q, focus flag shown %v", f.gradeName.Text, f.focusFlag.Visible())
	}
	typeInto(f.counts["counts.dead"], "3")
	if f.gradeName.Text != "较大" || f.gradeFigure.Text != "较大：死亡 3 人（≥3）" {
		t.Errorf("3 dead: grade %q, deciding figure %q; want 较大 decided by 死亡 3 人（≥3）", f.gradeName.Text, f.gradeFigure.Text)
	}
	if f.focusFlag.Visible() {
		t.Error("the focus flag stays on a large accident")
	}
	if f.gradeBox.FillColor != gradeColor(incident.GradeLarge) {
		t.Errorf("the grade is shown in %v, want the colour of 较大", f.gradeBox.FillColor)
	}
	if !strings.Contains(f.missingNote.Text, "失踪不计入死亡") {
		t.Errorf("the rule on the missing is stated as %q", f.missingNote.Text)
	}

	test.Type(f.counts["counts.missing"], "9")
	if f.gradeName.Text != "较大" || !f.directFlag.Visible() {
		t.Errorf("3 dead and 9 missing in an accident: grade %q (the missing do not count), direct report shown %v",
			f.gradeName.Text, f.directFlag.Visible())
	}
	f.category.SetSelected(categoryChoice(incident.Flood))
	if f.gradeName.Text != "重大" || f.gradeFigure.Text != "重大：死亡和失踪 12 人（≥10）" {
		t.Errorf("a flood with 3 dead and 9 missing: grade %q, %q; want 重大 on 12 dead and missing", f.gradeName.Text, f.gradeFigure.Text)
	}
	if !strings.Contains(f.missingNote.Text, "失踪计入死亡") {
		t.Errorf("after switching to a flood the rule reads %q", f.missingNote.Text)
	}

	typeInto(f.counts["counts.dead"], "0")
	typeInto(f.counts["counts.missing"], "0")
	typeInto(f.loss, "999.9999")
	if f.gradeName.Text != "一般" {
		t.Errorf("a loss of one yuan under 1000 万元 grades %q", f.gradeName.Text)
	}
	typeInto(f.loss, "1000")
	if f.gradeName.Text != "较大" || f.gradeFigure.Text != "较大：直接经济损失 1000 万元（≥1000 万元）" {
		t.Errorf("a loss of 1000 万元: grade %q, %q", f.gradeName.Text, f.gradeFigure.Text)
	}
}

func TestIntakeSavesDurablyThenOpensTheIncidentAndEmptiesTheForm(t *testing.T) {
	d := newIncidentDemo(t, "2026-10-03 03:00")
	u := openIncidents(t, d)
	f := u.incidents.form
	if f.received.Text != "2026-10-03 03:00" {
		t.Fatalf("time received defaults to %q, want now", f.received.Text)
	}
	test.Type(f.reporterName, "王五")
	test.Type(f.reporterPhone, "13800000000")
	fill(t, f, incident.RoadTraffic)
	test.Type(f.counts["counts.dead"], "3")
	test.Type(f.counts["counts.serious_injured"], "2")
	test.Type(f.loss, "12.5")
	test.Type(f.description, "两车追尾")
	test.Tap(f.save)

	inc := d.svc.only()
	if inc == nil {
		t.Fatal("nothing was saved")
	}
	if inc.Counts.Dead != 3 || inc.Counts.SeriousInjured != 2 || inc.Loss != 125000 || inc.Reporter.Name != "王五" ||
		inc.Station != d.jishou.ID || inc.Provisional != incident.GradeLarge || inc.CreatedBy != "值班员甲" {
		t.Errorf("saved %+v", inc)
	}
	if !inc.ReceivedAt.Equal(d.now) {
		t.Errorf("received at %v, want %v", inc.ReceivedAt, d.now)
	}
	if u.incidents.body.Objects[0] != u.incidents.view.content || u.incidents.view.id != inc.ID {
		t.Error("the saved incident is not shown")
	}
	if f.placeText.Text != "" || f.counts["counts.dead"].Text != "" || f.description.Text != "" {
		t.Error("the form keeps the saved incident's text; the next call would start from it")
	}
}

func TestTimeReceivedFollowsTheClockUntilTheFormIsTouched(t *testing.T) {
	d := newIncidentDemo(t, "2026-10-03 03:00")
	u := openIncidents(t, d)
	f := u.incidents.form
	d.setClock(t, "2026-10-03 03:41")
	u.incidents.onSecond()
	if f.received.Text != "2026-10-03 03:41" {
		t.Errorf("an untouched form says received at %q, want now", f.received.Text)
	}
	test.Type(f.reporterName, "王")
	d.setClock(t, "2026-10-03 03:44")
	u.incidents.onSecond()
	if f.received.Text != "2026-10-03 03:41" {
		t.Errorf("once typing started the time received moved to %q", f.received.Text)
	}
	fill(t, f, incident.Fire)
	test.Tap(f.save)
	d.setClock(t, "2026-10-03 03:50")
	u.incidents.onSecond()
	if f.received.Text != "2026-10-03 03:50" {
		t.Errorf("after saving, the fresh form says %q", f.received.Text)
	}
}

func TestIntakeRefusalKeepsEverythingTyped(t *testing.T) {
	d := newIncidentDemo(t, "2026-10-03 03:00")
	u := openIncidents(t, d)
	f := u.incidents.form
	fill(t, f, incident.Fire)
	test.Type(f.counts["counts.dead"], "1")
	test.Type(f.description, "仓库起火")
	d.svc.failNext = app.Errorf(app.EINTERNAL, "disk full")
	test.Tap(f.save)

	if d.svc.count() != 0 {
		t.Fatal("an incident was stored despite the failure")
	}
	if f.placeText.Text != "G65 吉首段 K1234" || f.counts["counts.dead"].Text != "1" || f.description.Text != "仓库起火" {
		t.Error("the form lost what was typed")
	}
	if !f.errs[""].Visible() || !strings.Contains(f.errs[""].Text, "disk full") {
		t.Errorf("the failure is not said: %q", f.errs[""].Text)
	}
	test.Tap(f.save)
	if d.svc.count() != 1 {
		t.Error("saving again after the failure stored nothing")
	}
}

func TestIntakeErrorsShowBesideTheirFields(t *testing.T) {
	d := newIncidentDemo(t, "2026-10-03 03:00")
	u := openIncidents(t, d)
	f := u.incidents.form
	form := f.content

	cases := []struct {
		name  string
		setup func()
		field fyne.CanvasObject
		want  string
	}{
		{"negative count", func() {
			fill(t, f, incident.RoadTraffic)
			test.Type(f.counts["counts.injured"], "-1")
		}, f.counts["counts.injured"], "轻伤：不能为负数，没有请填 0"},
		{"count that is not a number", func() {
			fill(t, f, incident.RoadTraffic)
			test.Type(f.counts["counts.trapped"], "三")
		}, f.counts["counts.trapped"], "被困：请填写整数，没有填 0"},
		{"future time", func() {
			fill(t, f, incident.RoadTraffic)
			typeInto(f.received, "2026-10-03 05:00")
		}, f.received, "接报时间晚于现在，请核对日期和电脑时钟"},
		{"missing place", func() {
			f.category.SetSelected(categoryChoice(incident.RoadTraffic))
		}, f.placeText, "请选择发生地点（乡镇、村）或填写具体位置"},
		{"place outside the area", func() {
			fill(t, f, incident.RoadTraffic)
			f.onPlaceChosen(&d.luxi)
		}, f.placeText, "所选地点不在本站辖区内"},
		{"missing category", func() {
			test.Type(f.placeText, "吉首大学")
		}, f.category, "请选择事件类别"},
		{"loss that is not an amount", func() {
			fill(t, f, incident.RoadTraffic)
			test.Type(f.loss, "12万")
		}, f.loss, "请填写金额（万元），如 12.5"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f.reset()
			c.setup()
			test.Tap(f.save)
			if d.svc.count() != 0 {
				t.Fatal("saved despite the error")
			}
			if got := errorNear(t, form, c.field); !slicesContain(got, c.want) {
				t.Errorf("beside the field: %q, want %q", got, c.want)
			}
			if u.win.Canvas().Focused() != c.field.(fyne.Focusable) {
				t.Errorf("the cursor is in %T, not the field at fault", u.win.Canvas().Focused())
			}
		})
	}
}

// errorNear returns the error messages shown beside a field: those of the
// innermost container holding both the field and an error label of its own.
func errorNear(t *testing.T, root, field fyne.CanvasObject) []string {
	t.Helper()
	var best []string
	bestSize := -1
	walk(root, func(o fyne.CanvasObject) {
		c, ok := o.(*fyne.Container)
		if !ok {
			return
		}
		var errs []string
		var children []fyne.CanvasObject
		for _, child := range c.Objects {
			// An error in the room kept for it counts as beside the field.
			if r, ok := child.(*fyne.Container); ok {
				if _, reserved := r.Layout.(*reservedHeight); reserved {
					children = append(children, r.Objects...)
					continue
				}
			}
			children = append(children, child)
		}
		for _, child := range children {
			if l, ok := child.(*widget.Label); ok && l.Visible() && l.Importance == widget.DangerImportance && l.Text != "" {
				errs = append(errs, l.Text)
			}
		}
		if len(errs) == 0 {
			return
		}
		holds, size := false, 0
		walk(c, func(x fyne.CanvasObject) {
			size++
			holds = holds || x == field
		})
		if holds && (bestSize < 0 || size < bestSize) {
			best, bestSize = errs, size
		}
	})
	return best
}

func slicesContain(texts []string, want string) bool {
	for _, s := range texts {
		if s == want {
			return true
		}
	}
	return false
}

func TestIntakeTabOrderFollowsTheFormTopToBottom(t *testing.T) {
	d := newIncidentDemo(t, "2026-10-03 03:00")
	u := openIncidents(t, d)
	f := u.incidents.form
	want := []fyne.Focusable{
		f.received, f.occurred, f.channel, f.reporterName, f.reporterUnit, f.reporterPhone,
		f.placeChoose, f.placeText, f.lat, f.lon, f.category, f.description, f.addFile,
	}
	for _, field := range countFields {
		want = append(want, f.counts[field])
	}
	want = append(want, f.loss, f.clear, f.save)

	c := u.win.Canvas()
	c.Focus(f.received)
	for i := 1; i < len(want); i++ {
		c.FocusNext()
		if c.Focused() != want[i] {
			t.Fatalf("Tab %d goes to %T %v, want %T %v", i, c.Focused(), describe(c.Focused()), want[i], describe(want[i]))
		}
	}
	if f.description.AcceptsTab() {
		t.Error("Tab in the description would type a tab instead of moving on")
	}
}

// inView reports whether o shows inside the form's scroll area.
func inView(f *intakeForm, o fyne.CanvasObject) bool {
	d := fyne.CurrentApp().Driver()
	top := d.AbsolutePositionForObject(o).Y - d.AbsolutePositionForObject(f.formArea).Y
	return top >= 0 && top+o.Size().Height <= f.formArea.Size().Height
}

func describe(o fyne.Focusable) string {
	switch w := o.(type) {
	case *formEntry:
		return w.PlaceHolder
	case *widget.Button:
		return w.Text
	case *widget.Select:
		return w.PlaceHolder
	}
	return ""
}

func TestTabScrollsTheFieldIntoView(t *testing.T) {
	d := newIncidentDemo(t, "2026-10-03 03:00")
	u := openIncidents(t, d)
	f := u.incidents.form
	// A window shorter than any supported, with the alarm banner up, so
	// the figures lie below the fold.
	u.win.Resize(fyne.NewSize(1024, 560))
	u.IncidentArrived(arrivedIncident(d, incident.GradeLarge, 3))
	if inView(f, f.loss) {
		t.Fatal("the loss is in view from the start; the test shows nothing")
	}
	c := u.win.Canvas()
	c.Focus(f.counts["counts.evacuated"])
	c.FocusNext()
	if c.Focused() != f.loss || !inView(f, f.loss) {
		t.Errorf("Tab reached %T, in view %v", c.Focused(), inView(f, f.loss))
	}
	c.Focus(f.received)
	if !inView(f, f.received) {
		t.Error("going back to the top does not scroll back")
	}
}

func TestIntakeCtrlSSavesFromAnyFieldAndEnterFromTheLast(t *testing.T) {
	d := newIncidentDemo(t, "2026-10-03 03:00")
	u := openIncidents(t, d)
	f := u.incidents.form
	c := u.win.Canvas()

	fill(t, f, incident.RoadTraffic)
	test.Type(f.description, "第一起")
	c.Focus(f.description)
	pressShortcut(c, ctrlS)
	if d.svc.count() != 1 {
		t.Fatalf("Ctrl+S in the description saved %d incidents", d.svc.count())
	}

	u.incidents.closeIncident()
	u.incidents.tabs.SelectIndex(0)
	fill(t, f, incident.Fire)
	c.Focus(f.category)
	pressShortcut(c, ctrlS)
	if d.svc.count() != 2 {
		t.Fatalf("Ctrl+S on the category list saved %d incidents in all, want 2", d.svc.count())
	}

	u.incidents.closeIncident()
	fill(t, f, incident.Flood)
	test.Type(f.loss, "3")
	c.Focus(f.loss)
	f.loss.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	if d.svc.count() != 3 {
		t.Fatalf("Enter in the loss, the last field, saved %d in all, want 3", d.svc.count())
	}

	u.incidents.closeIncident()
	fill(t, f, incident.Fire)
	f.description.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	if d.svc.count() != 3 {
		t.Error("Enter in the description saved; it should start a new line")
	}
}

func TestIntakeAttachesFilesAndRefusesOversizedOnes(t *testing.T) {
	d := newIncidentDemo(t, "2026-10-03 03:00")
	u := openIncidents(t, d)
	f := u.incidents.form
	dir := t.TempDir()
	photo := filepath.Join(dir, "现场.jpg")
	if err := os.WriteFile(photo, []byte("jpeg bytes"), 0o600); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(f.fileHint.Text, "20 MB") {
		t.Errorf("the size limit is not shown: %q", f.fileHint.Text)
	}

	st := incident.DefaultSettings()
	st.Limits.MaxAttachment = 5
	d.svc.settings[d.jishou.ID] = st
	u.incidents.reload()
	f.addChosenFile(photo)
	if got := errorNear(t, f.content, f.addFile); len(f.files) != 0 || !slicesContain(got, "现场.jpg 大小 10 B，超过单个附件上限 5 B") {
		t.Fatalf("a file over the limit: listed %v, beside the button %q", f.files, got)
	}

	delete(d.svc.settings, d.jishou.ID)
	u.incidents.reload()
	f.addChosenFile(photo)
	fill(t, f, incident.Fire)
	test.Tap(f.save)
	inc := d.svc.only()
	if inc == nil || len(inc.Attachments) != 1 || inc.Attachments[0].Name != "现场.jpg" || string(d.svc.files[inc.Attachments[0].SHA256]) != "jpeg bytes" {
		t.Fatalf("saved %+v", inc)
	}
}

func TestParseWanIsExactToTheYuan(t *testing.T) {
	for _, c := range []struct {
		in   string
		want int64
	}{{"", 0}, {"0", 0}, {"12.5", 125000}, {"0.3", 3000}, {"1,000", 10_000_000}, {"0.0001", 1}, {"-2", -20000}, {".5", 5000}} {
		got, err := parseWan(c.in)
		if err != nil || got != c.want {
			t.Errorf("parseWan(%q) = %d, %v; want %d", c.in, got, err, c.want)
		}
	}
	for _, bad := range []string{"12万", "1.23456", "abc", ".", "1e5"} {
		if _, err := parseWan(bad); err == nil {
			t.Errorf("parseWan(%q) accepted", bad)
		}
	}
	for yuan, want := range map[int64]string{125000: "12.5", 10_000_000: "1000", 1: "0.0001", 0: "0"} {
		if got := formatWan(yuan); got != want {
			t.Errorf("formatWan(%d) = %q, want %q", yuan, got, want)
		}
	}
}
