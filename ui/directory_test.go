package ui

import (
	"fmt"
	"slices"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"dutyroom/app"
)

func openDirectory(t *testing.T, d *demo) *UI {
	t.Helper()
	u := newTestUI(t, d.store)
	u.nav.open("directory")
	return u
}

func TestDirectoryStartsAtPrefectureWithEverybody(t *testing.T) {
	u := openDirectory(t, newDemo())
	got := rows(u)
	slices.Sort(got)
	if want := []string{"张三", "李四", "王五"}; !slices.Equal(got, want) {
		t.Errorf("rows = %v, want %v", got, want)
	}
}

func TestDirectoryStationShowsItsSubtree(t *testing.T) {
	d := newDemo()
	u := openDirectory(t, d)
	u.directory.stationTree.Select(d.jishou.ID.String())
	got := rows(u)
	slices.Sort(got)
	// 王五 works in 乾州街道, which is under 吉首市.
	if want := []string{"张三", "王五"}; !slices.Equal(got, want) {
		t.Errorf("rows under 吉首市 = %v, want %v", got, want)
	}
	if !hasText(u.directory.content, "湘西州 / 吉首市") {
		t.Errorf("heading does not name the station: %v", texts(u.directory.content))
	}
}

func TestDirectoryStartsAtThisStation(t *testing.T) {
	d := newDemo()
	d.store.identity = d.luxi.ID
	u := openDirectory(t, d)
	if got := rows(u); !slices.Equal(got, []string{"李四"}) {
		t.Errorf("rows = %v, want this station's 李四", got)
	}
}

func TestDirectorySearchPinyinInitials(t *testing.T) {
	d := newDemo()
	u := openDirectory(t, d)
	u.directory.stationTree.Select(d.luxi.ID.String()) // search looks beyond it
	test.Type(u.directory.search, "zs")
	if got := rows(u); !slices.Equal(got, []string{"张三"}) {
		t.Errorf("rows for zs = %v, want [张三]", got)
	}
}

func TestDirectorySearchPhonePart(t *testing.T) {
	u := openDirectory(t, newDemo())
	test.Type(u.directory.search, "98765")
	if got := rows(u); !slices.Equal(got, []string{"李四"}) {
		t.Errorf("rows for 98765 = %v, want [李四]", got)
	}
	u.directory.search.SetText("")
	test.Type(u.directory.search, "8221")
	if got := rows(u); !slices.Equal(got, []string{"张三"}) {
		t.Errorf("rows for office part 8221 = %v, want [张三]", got)
	}
}

func TestDirectorySearchNoMatchSaysSo(t *testing.T) {
	u := openDirectory(t, newDemo())
	test.Type(u.directory.search, "赵")
	if got := rows(u); len(got) != 0 {
		t.Errorf("rows = %v, want none", got)
	}
	if !hasText(u.directory.content, lang.L("directory.no_match")) {
		t.Errorf("no 'nobody matches' message: %v", texts(u.directory.content))
	}
}

func TestDirectoryChoosingStationClearsSearch(t *testing.T) {
	d := newDemo()
	u := openDirectory(t, d)
	test.Type(u.directory.search, "zs")
	u.directory.stationTree.Select(d.luxi.ID.String())
	if u.directory.search.Text != "" {
		t.Errorf("search still %q", u.directory.search.Text)
	}
	if got := rows(u); !slices.Equal(got, []string{"李四"}) {
		t.Errorf("rows = %v, want 泸溪县's [李四]", got)
	}
}

func TestRowShowsContactAndRoles(t *testing.T) {
	d := newDemo()
	u := openDirectory(t, d)
	r := row(t, u, "李四")
	for _, want := range []string{"值班员", "13998765432", "值班员、应急处置人员", "泸溪县"} {
		if !hasText(r, want) {
			t.Errorf("row lacks %q: %v", want, texts(r))
		}
	}
	// 李四 has no office phone: neither its label nor its copy button shows.
	if r.office.Visible() || r.copyOffice.Visible() {
		t.Error("an empty office phone is shown")
	}
}

func TestCopyPhone(t *testing.T) {
	d := newDemo()
	u := openDirectory(t, d)
	r := row(t, u, "张三")
	test.Tap(r.copyMobile)
	if got := u.app.Clipboard().Content(); got != "13812345678" {
		t.Errorf("clipboard = %q after copying the mobile", got)
	}
	if !hasText(u.directory.content, "已复制 13812345678") {
		t.Errorf("no copy confirmation: %v", texts(u.directory.content))
	}
	test.Tap(r.copyOffice)
	if got := u.app.Clipboard().Content(); got != "0743-8221234" {
		t.Errorf("clipboard = %q after copying the office phone", got)
	}
}

func TestAddPerson(t *testing.T) {
	d := newDemo()
	u := openDirectory(t, d)
	u.directory.stationTree.Select(d.luxi.ID.String())
	test.Tap(u.directory.addPerson)
	form := overlay(t, u)
	test.Type(entries(form)[0], "赵六")
	test.Type(entryWithPlaceholder(t, form, "13800000000"), "13700001111")
	test.Tap(findCheck(t, form, "值班员"))
	test.Tap(findButton(t, form, "保存"))

	if u.win.Canvas().Overlays().Top() != nil {
		t.Error("the form stayed open after a good save")
	}
	if got := rows(u); !slices.Contains(got, "赵六") {
		t.Fatalf("rows = %v, want 赵六 added", got)
	}
	ps, _ := d.store.Persons(u.ctx, app.PersonFilter{Station: &d.luxi.ID})
	var found *app.Person
	for i := range ps {
		if ps[i].Name == "赵六" {
			found = &ps[i]
		}
	}
	if found == nil || found.Mobile != "13700001111" || !slices.Equal(found.Roles, []app.Role{app.RoleOfficer}) {
		t.Errorf("stored %+v, want 赵六 in 泸溪县 with mobile 13700001111 and role officer", found)
	}
}

func TestChangesCarryTheAuthor(t *testing.T) {
	d := newDemo()
	svc := d.store.services()
	svc.Author = "值班员 李四"
	u := New(test.NewTempApp(t), svc)
	t.Cleanup(u.win.Close)
	u.nav.open("directory")
	test.Tap(u.directory.addPerson)
	form := overlay(t, u)
	test.Type(entries(form)[0], "赵六")
	test.Type(entryWithPlaceholder(t, form, "13800000000"), "13700001111")
	test.Tap(findButton(t, form, "保存"))
	if len(d.store.authors) != 1 || d.store.authors[0] != "值班员 李四" {
		t.Errorf("authors = %q, want the one given in Services", d.store.authors)
	}
}

func TestAddPersonBadMobileShowsErrorBesideFieldAndSavesNothing(t *testing.T) {
	d := newDemo()
	u := openDirectory(t, d)
	queued := d.store.queued
	test.Tap(u.directory.addPerson)
	form := overlay(t, u)
	test.Type(entries(form)[0], "赵六")
	mobile := entryWithPlaceholder(t, form, "13800000000")
	test.Type(mobile, "12345")
	test.Tap(findButton(t, form, "保存"))

	if u.win.Canvas().Overlays().Top() != form {
		t.Fatal("the form closed although the save failed")
	}
	want := lang.L("error.person.mobile_invalid")
	if got := besideField(t, form, mobile); !slices.Contains(got, want) {
		t.Errorf("beside the mobile field: %v, want %q", got, want)
	}
	office := entryWithPlaceholder(t, form, "0743-8221234")
	if got := besideField(t, form, office); len(got) != 0 {
		t.Errorf("beside the office field: %v, want nothing", got)
	}
	if n := d.store.personCount(); n != 3 {
		t.Errorf("%d people stored, want the 3 there were", n)
	}
	if d.store.queued != queued {
		t.Errorf("queued %d operations, want %d", d.store.queued, queued)
	}

	// Editing the field clears its error.
	test.Type(mobile, "6")
	if got := besideField(t, form, mobile); slices.Contains(got, want) {
		t.Errorf("error still shown after editing: %v", got)
	}
}

func TestAddPersonWithoutAnyPhoneAsksForOne(t *testing.T) {
	d := newDemo()
	u := openDirectory(t, d)
	test.Tap(u.directory.addPerson)
	form := overlay(t, u)
	test.Type(entries(form)[0], "赵六")
	test.Tap(findButton(t, form, "保存"))
	mobile := entryWithPlaceholder(t, form, "13800000000")
	if got, want := besideField(t, form, mobile), lang.L("error.person.phone_required"); !slices.Contains(got, want) {
		t.Errorf("beside the mobile field: %v, want %q", got, want)
	}
}

func TestAddPersonMissingNameShowsErrorBesideName(t *testing.T) {
	d := newDemo()
	u := openDirectory(t, d)
	test.Tap(u.directory.addPerson)
	form := overlay(t, u)
	name := entries(form)[0]
	test.Type(entryWithPlaceholder(t, form, "13800000000"), "13700001111")
	test.Tap(findButton(t, form, "保存"))
	if got, want := besideField(t, form, name), lang.L("error.person.name_required"); !slices.Contains(got, want) {
		t.Errorf("beside the name field: %v, want %q", got, want)
	}
	if n := d.store.personCount(); n != 3 {
		t.Errorf("%d people stored, want 3", n)
	}
}

func TestEditPersonChangesRow(t *testing.T) {
	d := newDemo()
	u := openDirectory(t, d)
	test.Tap(row(t, u, "张三").edit)
	form := overlay(t, u)
	name := entries(form)[0]
	if name.Text != "张三" {
		t.Fatalf("name field = %q, want 张三", name.Text)
	}
	name.SetText("张三峰")
	office := entryWithPlaceholder(t, form, "0743-8221234")
	office.SetText("")
	test.Tap(findButton(t, form, "保存"))

	if got := rows(u); !slices.Contains(got, "张三峰") || slices.Contains(got, "张三") {
		t.Errorf("rows = %v, want 张三 renamed to 张三峰", got)
	}
	if r := row(t, u, "张三峰"); r.office.Visible() {
		t.Errorf("the removed office phone still shows: %q", r.office.Text)
	}
	p, _ := d.store.person(d.zhang.ID)
	if p.Name != "张三峰" || p.Office != "" || p.Mobile != "13812345678" {
		t.Errorf("stored %+v", p)
	}
}

func TestEditPersonBadOfficeKeepsStoredPerson(t *testing.T) {
	d := newDemo()
	u := openDirectory(t, d)
	test.Tap(row(t, u, "张三").edit)
	form := overlay(t, u)
	office := entryWithPlaceholder(t, form, "0743-8221234")
	office.SetText("12")
	test.Tap(findButton(t, form, "保存"))
	if got, want := besideField(t, form, office), lang.L("error.person.office_invalid"); !slices.Contains(got, want) {
		t.Errorf("beside the office field: %v, want %q", got, want)
	}
	if p, _ := d.store.person(d.zhang.ID); p.Office != "0743-8221234" {
		t.Errorf("stored office changed to %q", p.Office)
	}
}

func TestRemovePersonAsksFirst(t *testing.T) {
	d := newDemo()
	u := openDirectory(t, d)
	test.Tap(row(t, u, "李四").remove)
	confirm := overlay(t, u)
	if !hasText(confirm, "李四") {
		t.Errorf("the question does not name the person: %v", texts(confirm))
	}
	if _, ok := d.store.person(d.li.ID); !ok {
		t.Fatal("removed before the answer")
	}
	test.Tap(findButton(t, confirm, "取消"))
	if _, ok := d.store.person(d.li.ID); !ok {
		t.Fatal("removed although cancelled")
	}
	if got := rows(u); !slices.Contains(got, "李四") {
		t.Errorf("rows = %v after cancel", got)
	}

	test.Tap(row(t, u, "李四").remove)
	test.Tap(findButton(t, overlay(t, u), "删除"))
	if _, ok := d.store.person(d.li.ID); ok {
		t.Error("still stored after confirming")
	}
	if got := rows(u); slices.Contains(got, "李四") {
		t.Errorf("rows = %v, want 李四 gone", got)
	}
}

func TestAddStationUnderSelected(t *testing.T) {
	d := newDemo()
	u := openDirectory(t, d)
	u.directory.stationTree.Select(d.luxi.ID.String())
	test.Tap(u.directory.addStation)
	form := overlay(t, u)
	if !hasText(form, "泸溪县") || !hasText(form, "乡镇/街道") {
		t.Errorf("form does not show parent and tier: %v", texts(form))
	}
	test.Type(entries(form)[0], "白沙镇")
	test.Type(entryWithPlaceholder(t, form, "433101"), "433122100")
	test.Tap(findButton(t, form, "保存"))

	s, err := d.store.FindStationByCode(u.ctx, "433122100")
	if err != nil {
		t.Fatalf("not stored: %v", err)
	}
	if s.Parent != d.luxi.ID || s.Tier != app.TierTownship || s.Name != "白沙镇" {
		t.Errorf("stored %+v", s)
	}
	if u.directory.selected != s.ID {
		t.Error("the new station is not selected")
	}
}

func TestAddStationDuplicateCodeShowsErrorBesideCode(t *testing.T) {
	d := newDemo()
	u := openDirectory(t, d)
	u.directory.stationTree.Select(d.luxi.ID.String())
	test.Tap(u.directory.addStation)
	form := overlay(t, u)
	test.Type(entries(form)[0], "白沙镇")
	code := entryWithPlaceholder(t, form, "433101")
	test.Type(code, d.qianzhou.Code)
	test.Tap(findButton(t, form, "保存"))
	if got, want := besideField(t, form, code), lang.L("error.station.code_taken"); !slices.Contains(got, want) {
		t.Errorf("beside the code field: %v, want %q", got, want)
	}
	code.SetText("4")
	test.Tap(findButton(t, form, "保存"))
	if got, want := besideField(t, form, code), lang.L("error.station.code_invalid"); !slices.Contains(got, want) {
		t.Errorf("beside the code field: %v, want %q", got, want)
	}
	if n := len(d.store.stations); n != 5 {
		t.Errorf("%d stations stored, want the 5 there were", n)
	}
}

func TestEditStationRenamesTreeNode(t *testing.T) {
	d := newDemo()
	u := openDirectory(t, d)
	u.directory.stationTree.Select(d.luxi.ID.String())
	test.Tap(u.directory.editStation)
	form := overlay(t, u)
	name := entries(form)[0]
	name.SetText("泸溪县应急管理局")
	test.Tap(findButton(t, form, "保存"))
	if s, _ := d.store.FindStationByID(u.ctx, d.luxi.ID); s.Name != "泸溪县应急管理局" {
		t.Errorf("stored name %q", s.Name)
	}
	if !hasText(u.directory.stationTree, "泸溪县应急管理局") {
		t.Errorf("tree shows %v", texts(u.directory.stationTree))
	}
}

func TestRemoveStationWithPeopleIsRefused(t *testing.T) {
	d := newDemo()
	u := openDirectory(t, d)
	u.directory.stationTree.Select(d.luxi.ID.String())
	test.Tap(u.directory.removeStation)
	test.Tap(findButton(t, overlay(t, u), "删除"))
	if _, err := d.store.FindStationByID(u.ctx, d.luxi.ID); err != nil {
		t.Fatal("a station with people was removed")
	}
	if msg := overlay(t, u); !hasText(msg, "泸溪县") {
		t.Errorf("refusal does not explain: %v", texts(msg))
	}
}

func TestRemoveStationAsksThenRemoves(t *testing.T) {
	d := newDemo()
	u := openDirectory(t, d)
	u.directory.stationTree.Select(d.village.ID.String())
	test.Tap(u.directory.removeStation)
	if _, err := d.store.FindStationByID(u.ctx, d.village.ID); err != nil {
		t.Fatal("removed before the answer")
	}
	test.Tap(findButton(t, overlay(t, u), "删除"))
	if _, err := d.store.FindStationByID(u.ctx, d.village.ID); err == nil {
		t.Fatal("not removed after confirming")
	}
	if u.directory.selected != d.qianzhou.ID {
		t.Error("the parent is not selected after removal")
	}
}

func TestEmptyDirectoryInvitesFirstStation(t *testing.T) {
	f := newFakeStore()
	u := newTestUI(t, f)
	u.nav.open("directory")
	if !hasText(u.directory.content, lang.L("directory.empty_tree")) {
		t.Errorf("no guidance on an empty directory: %v", texts(u.directory.content))
	}
	if !u.directory.addPerson.Disabled() {
		t.Error("adding a person is possible before any station exists")
	}
	test.Tap(u.directory.addStation)
	form := overlay(t, u)
	if !hasText(form, lang.L("station.no_parent")) || !hasText(form, "州/市") {
		t.Errorf("first station is not a prefecture at the top: %v", texts(form))
	}
	test.Type(entries(form)[0], "湘西州")
	test.Type(entryWithPlaceholder(t, form, "433101"), "433100")
	test.Tap(findButton(t, form, "保存"))
	if _, err := f.FindStationByCode(u.ctx, "433100"); err != nil {
		t.Fatalf("prefecture not stored: %v", err)
	}
}

func TestDirectoryLoadFailureIsShown(t *testing.T) {
	d := newDemo()
	u := newTestUI(t, d.store)
	// After the window opened: the duty screen it opens on reads stations too.
	d.store.failNext = app.Errorf(app.EINTERNAL, "disk on fire")
	u.nav.open("directory")
	if !hasText(u.directory.content, "disk on fire") {
		t.Errorf("load failure not shown: %v", texts(u.directory.content))
	}
}

// bigDirectory opens the directory on a prefecture of eight counties and n
// people.
func bigDirectory(b *testing.B, n int) (*directoryScreen, []app.Station) {
	f := newFakeStore()
	root := f.addStation("湘西州", "433100", app.TierPrefecture, app.NilID)
	var counties []app.Station
	for i := range 8 {
		counties = append(counties, f.addStation(fmt.Sprintf("县%d", i), fmt.Sprintf("4331%02d", i+1), app.TierCounty, root.ID))
	}
	surnames := []rune("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗")
	given := []rune("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平")
	for i := range n {
		name := string(surnames[i%len(surnames)]) + string(given[(i/len(surnames))%len(given)]) + string(given[i%7])
		f.addPerson(counties[i%len(counties)].ID, name, "值班员", fmt.Sprintf("138%08d", i), "", app.RoleOfficer)
	}
	u := New(test.NewTempApp(b), f.services())
	b.Cleanup(u.win.Close)
	u.nav.open("directory")
	return u.directory, counties
}

// Choosing a county: filter its subtree and refresh the list once.
func benchmarkSelectStation(b *testing.B, n int) {
	d, counties := bigDirectory(b, n)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		d.stationTree.Select(counties[i%len(counties)].ID.String())
	}
}

// Typing one more letter of a search: search everybody, refresh the list.
func benchmarkSearchKeystroke(b *testing.B, n int) {
	d, _ := bigDirectory(b, n)
	queries := []string{"z", "zs", "13800", "1380000"}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		d.search.SetText(queries[i%len(queries)])
	}
}

func BenchmarkDirectorySelectStation700(b *testing.B)   { benchmarkSelectStation(b, 700) }
func BenchmarkDirectorySelectStation10k(b *testing.B)   { benchmarkSelectStation(b, 10000) }
func BenchmarkDirectorySearchKeystroke700(b *testing.B) { benchmarkSearchKeystroke(b, 700) }
func BenchmarkDirectorySearchKeystroke10k(b *testing.B) { benchmarkSearchKeystroke(b, 10000) }

func TestEditPersonMovesToChosenStation(t *testing.T) {
	d := newDemo()
	u := openDirectory(t, d)
	test.Tap(row(t, u, "张三").edit)
	form := overlay(t, u)
	test.Tap(findButton(t, form, lang.L("action.choose")))
	picker := overlay(t, u)
	if picker == form {
		t.Fatal("no station picker opened")
	}
	var tree *widget.Tree
	walk(picker, func(o fyne.CanvasObject) {
		if tr, ok := o.(*widget.Tree); ok {
			tree = tr
		}
	})
	tree.Select(d.luxi.ID.String())
	test.Tap(findButton(t, picker, lang.L("action.choose")))
	if !hasText(form, "湘西州 / 泸溪县") {
		t.Errorf("form does not show the chosen station: %v", texts(form))
	}
	test.Tap(findButton(t, form, "保存"))
	if p, _ := d.store.person(d.zhang.ID); p.Station != d.luxi.ID {
		t.Errorf("stored station %v, want 泸溪县", p.Station)
	}
	if got := row(t, u, "张三").place.Text; got != "泸溪县" {
		t.Errorf("row place = %q, want 泸溪县", got)
	}
}

func TestEnterInFormSaves(t *testing.T) {
	d := newDemo()
	u := openDirectory(t, d)
	test.Tap(u.directory.addPerson)
	form := overlay(t, u)
	test.Type(entries(form)[0], "赵六")
	mobile := entryWithPlaceholder(t, form, "13800000000")
	test.Type(mobile, "13700001111")
	mobile.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	if n := d.store.personCount(); n != 4 {
		t.Errorf("%d people stored after Enter, want 4", n)
	}
}
