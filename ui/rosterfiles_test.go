package ui

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/test"

	"dutyroom/app"
	"dutyroom/app/roster"
	"dutyroom/rosterfile"
)

// fileAnswers stands in for the file dialogs: saves go into a folder of the
// test, opens read the file the test names.
type fileAnswers struct {
	dir      string
	saved    []string // file names suggested, in order
	exts     [][]string
	openPath string
}

func answerFiles(t *testing.T, u *UI) *fileAnswers {
	t.Helper()
	a := &fileAnswers{dir: t.TempDir()}
	u.duty.chooseSave = func(name string, exts []string, done func(fyne.URIWriteCloser, error)) {
		a.saved = append(a.saved, name)
		a.exts = append(a.exts, exts)
		done(storage.Writer(storage.NewFileURI(filepath.Join(a.dir, name))))
	}
	u.duty.chooseOpen = func(exts []string, done func(fyne.URIReadCloser, error)) {
		a.exts = append(a.exts, exts)
		done(storage.Reader(storage.NewFileURI(a.openPath)))
	}
	return a
}

// file writes a file for the test to open.
func (a *fileAnswers) file(t *testing.T, name, content string) {
	t.Helper()
	a.openPath = filepath.Join(a.dir, name)
	if err := os.WriteFile(a.openPath, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// tapMenuItem taps the item of the open pop-up menu that reads label.
func tapMenuItem(t *testing.T, u *UI, label string) {
	t.Helper()
	var found fyne.Tappable
	var search func(o fyne.CanvasObject, under fyne.Tappable)
	search = func(o fyne.CanvasObject, under fyne.Tappable) {
		if o == nil || !o.Visible() || found != nil {
			return
		}
		if tp, ok := o.(fyne.Tappable); ok {
			under = tp
		}
		if txt, ok := o.(*canvas.Text); ok && txt.Text == label && under != nil {
			found = under
			return
		}
		switch c := o.(type) {
		case *fyne.Container:
			for _, child := range c.Objects {
				search(child, under)
			}
		case fyne.Widget:
			for _, child := range test.WidgetRenderer(c).Objects() {
				search(child, under)
			}
		}
	}
	search(overlay(t, u), nil)
	if found == nil {
		t.Fatalf("no menu item %q", label)
	}
	test.Tap(found)
}

// slots reduces assignments to who holds which post when, the part a file
// carries.
func slots(as []roster.Assignment) []string {
	var out []string
	for _, a := range as {
		out = append(out, a.Station.String()+" "+a.Day.String()+" "+a.Post.String()+" "+a.Person.String())
	}
	slices.Sort(out)
	return out
}

func (d *dutyDemo) october(t *testing.T) []roster.Assignment {
	t.Helper()
	as, err := d.store.rosters.Assignments(t.Context(), d.jishou.ID, date(t, "2026-10-01"), date(t, "2026-10-31"))
	if err != nil {
		t.Fatal(err)
	}
	return as
}

func (d *dutyDemo) people() []app.Person {
	var out []app.Person
	for _, p := range d.store.persons {
		out = append(out, p)
	}
	return out
}

func TestExportWritesTheShownMonthAsAWallSheetThatReadsBack(t *testing.T) {
	d := newDutyDemo(t, "2026-10-03 09:00")
	d.put("2026-10-01", leader0, d.zhang)
	d.put("2026-10-01", officer0, d.liu)
	d.put("2026-10-01", standby0, d.zheng)
	d.put("2026-10-01", roster.Post{Role: app.RoleStandby, Index: 1}, d.feng)
	d.put("2026-10-12", leader0, d.sun)
	d.put("2026-10-12", officer0, d.chen)
	d.put("2026-10-31", officer0, d.wu)
	u := openDuty(t, d, 1)
	files := answerFiles(t, u)
	m := u.duty.month

	test.Tap(m.export)
	tapMenuItem(t, u, "值班表 Excel (.xlsx)，可打印上墙")
	if want := "吉首市-2026-10-值班表.xlsx"; len(files.saved) != 1 || files.saved[0] != want {
		t.Fatalf("suggested names %v, want %q", files.saved, want)
	}
	if !slices.Equal(files.exts[0], []string{".xlsx"}) {
		t.Errorf("save dialog filters %v", files.exts[0])
	}
	f, err := os.Open(filepath.Join(files.dir, files.saved[0]))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	back, err := rosterfile.Read(f, d.jishou, d.people())
	if err != nil {
		t.Fatalf("the exported sheet does not read back: %v", err)
	}
	if got, want := slots(back), slots(d.october(t)); !slices.Equal(got, want) {
		t.Errorf("read back\n%v\nwant\n%v", got, want)
	}
	if !strings.Contains(m.notice.label.Text, "吉首市-2026-10-值班表.xlsx") {
		t.Errorf("notice %q does not name the file", m.notice.label.Text)
	}

	test.Tap(m.export)
	tapMenuItem(t, u, "手机日历 (.ics)")
	ics, err := os.ReadFile(filepath.Join(files.dir, "吉首市-2026-10-值班表.ics"))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Count(string(ics), "BEGIN:VEVENT"); got != 7 {
		t.Errorf("calendar holds %d events, want one per duty (7)", got)
	}
}

func TestExportOfAStationBelowNeedsItsPublishedMonth(t *testing.T) {
	d := newDutyDemo(t, "2026-10-03 09:00")
	d.store.rosters.put(d.qianzhou.ID, "2026-10-05", leader0, d.huang.ID)
	u := openDuty(t, d, 1)
	m := u.duty.month
	m.stationSel.SetSelected("乾州街道")
	if !m.export.Disabled() || m.importBtn.Visible() {
		t.Errorf("an unpublished month below: export disabled %v, import shown %v", m.export.Disabled(), m.importBtn.Visible())
	}
	d.store.identity = d.qianzhou.ID
	if _, err := d.store.rosters.Publish(t.Context(), d.qianzhou.ID, roster.Month{Y: 2026, M: 10}, true); err != nil {
		t.Fatal(err)
	}
	d.store.identity = d.jishou.ID
	m.load()
	if m.export.Disabled() {
		t.Error("a published month below cannot be exported")
	}
}

// A file with a wrong date and an unknown person is refused with both
// lines named, and the roster stays as it was.
func TestImportOfABadFileShowsEachLineAndChangesNothing(t *testing.T) {
	d := newDutyDemo(t, "2026-10-03 09:00")
	d.put("2026-10-12", leader0, d.zhang)
	d.put("2026-10-12", officer0, d.liu)
	u := openDuty(t, d, 1)
	files := answerFiles(t, u)
	before := slots(d.october(t))
	files.file(t, "十月.csv", "日期,岗位,姓名,手机\n"+
		"2026-10-12,带班领导,孙局长,\n"+
		"2026-10-32,值班员,陈值班,\n"+
		"2026-10-13,值班员,王小二,\n")

	test.Tap(u.duty.month.importBtn)
	if !slices.Equal(files.exts[0], []string{".xlsx", ".csv"}) {
		t.Errorf("open dialog filters %v", files.exts[0])
	}
	dlg := overlay(t, u)
	for _, want := range []string{"十月.csv 有错误，未导入任何内容", "第 3 行：", "第 4 行：", "王小二"} {
		if !hasText(dlg, want) {
			t.Errorf("refusal lacks %q: %v", want, texts(dlg))
		}
	}
	if hasText(dlg, "第 2 行") {
		t.Errorf("the good line is reported: %v", texts(dlg))
	}
	if got := slots(d.october(t)); !slices.Equal(got, before) {
		t.Errorf("a refused file changed the roster:\n%v\nwas\n%v", got, before)
	}
	if h, _ := d.store.rosters.History(t.Context(), d.jishou.ID, date(t, "2026-10-12")); len(h) != 0 {
		t.Errorf("a refused file left history: %+v", h)
	}
}

// A file that reads well but breaks a rule of the stored roster (someone on
// leave) is refused by the service as a whole, the day named.
func TestImportRefusedByTheServiceChangesNothing(t *testing.T) {
	d := newDutyDemo(t, "2026-10-03 09:00")
	d.put("2026-10-12", officer0, d.liu)
	if err := d.store.rosters.CreateAbsence(setupContext(t), &roster.Absence{Station: d.jishou.ID, Person: d.chen.ID,
		From: date(t, "2026-10-13"), To: date(t, "2026-10-13"), Reason: roster.ReasonLeave}); err != nil {
		t.Fatal(err)
	}
	u := openDuty(t, d, 1)
	files := answerFiles(t, u)
	before := slots(d.october(t))
	files.file(t, "十月.csv", "日期,岗位,姓名\n2026-10-12,值班员,吴值班\n2026-10-13,值班员,陈值班\n")

	test.Tap(u.duty.month.importBtn)
	test.Tap(findButton(t, overlay(t, u), "导入"))
	dlg := overlay(t, u)
	if !hasText(dlg, "未导入任何内容") || !hasText(dlg, "2026-10-13") {
		t.Errorf("refusal: %v", texts(dlg))
	}
	if got := slots(d.october(t)); !slices.Equal(got, before) {
		t.Errorf("a refused import changed the roster:\n%v\nwas\n%v", got, before)
	}
}

// A good file makes its days what it says, the people of a published month
// are told, and warnings are shown.
func TestImportReplacesTheDaysAndTellsWhoWasNotified(t *testing.T) {
	d := newDutyDemo(t, "2026-10-03 09:00")
	d.put("2026-10-12", leader0, d.zhang)
	d.put("2026-10-12", officer0, d.liu)
	d.put("2026-10-14", officer0, d.wu)
	if _, err := d.store.rosters.Publish(setupContext(t), d.jishou.ID, roster.Month{Y: 2026, M: 10}, true); err != nil {
		t.Fatal(err)
	}
	u := openDuty(t, d, 1)
	files := answerFiles(t, u)
	// 陈值班 on two days running: imported, with a warning about rest.
	files.file(t, "2026-10.csv", "日期,岗位,姓名\n"+
		"2026-10-12,带班领导,张三\n"+
		"2026-10-12,值班员,陈值班\n"+
		"2026-10-13,值班员,陈值班\n")

	test.Tap(u.duty.month.importBtn)
	confirm := overlay(t, u)
	if !hasText(confirm, "2026-10-12 至 2026-10-13") || !hasText(confirm, "会被清空") {
		t.Errorf("the confirmation does not say what is replaced: %v", texts(confirm))
	}
	test.Tap(findButton(t, confirm, "导入"))
	dlg := overlay(t, u)
	for _, want := range []string{"已从 2026-10.csv 导入 3 个值班", "已通知 2 人", "提醒（"} {
		if !hasText(dlg, want) {
			t.Errorf("result lacks %q: %v", want, texts(dlg))
		}
	}
	r := d.store.rosters
	if r.holder(d.jishou.ID, "2026-10-12", officer0) != d.chen.ID || r.holder(d.jishou.ID, "2026-10-13", officer0) != d.chen.ID {
		t.Error("the file's officers are not stored")
	}
	if r.holder(d.jishou.ID, "2026-10-14", officer0) != d.wu.ID {
		t.Error("a day outside the file changed")
	}
	if got := cellText(cellOf(t, u, date(t, "2026-10-13"))); !strings.Contains(got, "值 陈值班") {
		t.Errorf("grid shows %q after the import", got)
	}
	if !strings.Contains(u.duty.month.notice.label.Text, "已导入 3 个值班") {
		t.Errorf("notice %q", u.duty.month.notice.label.Text)
	}
	test.Tap(findButton(t, dlg, "关闭"))
	test.Tap(cellOf(t, u, date(t, "2026-10-12")))
	tab(t, overlay(t, u), "修改记录")
	if !hasText(overlay(t, u), "从 2026-10.csv 导入") {
		t.Errorf("history does not say where the change came from: %v", texts(overlay(t, u)))
	}
}

func TestImportErrorLinesNameRowsAndLines(t *testing.T) {
	err := &rosterfile.ImportError{Unit: "row", Errors: []rosterfile.RowError{{Row: 5, Message: "bad date"}, {Message: "whole file"}}, Omitted: 3}
	got := importErrorLines(err)
	want := []string{"第 5 行：bad date", "whole file", "另有 3 处错误未列出。"}
	if !slices.Equal(got, want) {
		t.Errorf("lines %q, want %q", got, want)
	}
	if got := importErrorLines(app.Errorf(app.EINVALID, "line 7: 2027-02-30 does not exist")); !slices.Equal(got, []string{"第 7 行：2027-02-30 does not exist"}) {
		t.Errorf("calendar line error reads %q", got)
	}
}

func TestCalendarImportInTheRulesDialog(t *testing.T) {
	d := newDutyDemo(t, "2026-10-03 09:00")
	u := openDuty(t, d, 1)
	files := answerFiles(t, u)
	test.Tap(u.duty.month.rules)
	dlg := overlay(t, u)
	tab(t, dlg, "节假日安排")
	if !hasText(dlg, "已有节假日安排的年份：2026") {
		t.Errorf("years held: %v", texts(dlg))
	}

	files.file(t, "2027.txt", "# 2027\n2027-02-06..2027-02-14 holiday 春节\n2027-02-10 holiday 重复\n")
	test.Tap(findButton(t, dlg, "导入节假日安排…"))
	if !hasText(dlg, "未导入：第 3 行：") {
		t.Errorf("a bad calendar is not refused by line: %v", texts(dlg))
	}
	if cal, _ := d.store.rosters.Calendar(t.Context()); cal.Covers(2027) {
		t.Fatal("a refused calendar was merged")
	}

	files.file(t, "2027.txt", "2027-02-06..2027-02-14 holiday 春节\n2027-02-20 workday 春节调休\n")
	test.Tap(findButton(t, dlg, "导入节假日安排…"))
	if !hasText(dlg, "已导入 2027 年的节假日安排") || !hasText(dlg, "2026、2027") {
		t.Errorf("after a good import: %v", texts(dlg))
	}
	cal, _ := d.store.rosters.Calendar(t.Context())
	if info := cal.Day(date(t, "2027-02-10")); info.Kind != roster.Holiday || info.Name != "春节" {
		t.Errorf("2027-02-10 is %+v after the import", info)
	}
}
