package ui

import (
	"os"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"dutyroom/app"
	"dutyroom/assets"
)

func TestMain(m *testing.M) {
	// The screens are checked in Chinese, the language duty rooms use.
	assets.ChooseLanguage(assets.Chinese)
	if err := assets.LoadTranslations(); err != nil {
		panic(err)
	}
	// Service calls finish before the tap that started them returns, so each
	// check sees the result.
	background = func(work func()) { work() }
	noticeDuration = time.Hour
	os.Exit(m.Run())
}

// demo is a small prefecture: 湘西州 with two counties, a township and a
// village, and three people.
type demo struct {
	store                 *fakeStore
	xiangxi, jishou, luxi app.Station
	qianzhou, village     app.Station
	zhang, li, wang       app.Person
}

func newDemo() *demo {
	f := newFakeStore()
	d := &demo{store: f}
	d.xiangxi = f.addStation("湘西州", "433100", app.TierPrefecture, app.NilID)
	d.jishou = f.addStation("吉首市", "433101", app.TierCounty, d.xiangxi.ID)
	d.luxi = f.addStation("泸溪县", "433122", app.TierCounty, d.xiangxi.ID)
	d.qianzhou = f.addStation("乾州街道", "433101001", app.TierTownship, d.jishou.ID)
	d.village = f.addStation("乾元村", "433101001001", app.TierVillage, d.qianzhou.ID)
	d.zhang = f.addPerson(d.jishou.ID, "张三", "副局长", "13812345678", "0743-8221234", app.RoleLeader)
	d.li = f.addPerson(d.luxi.ID, "李四", "值班员", "13998765432", "", app.RoleOfficer, app.RoleStandby)
	d.wang = f.addPerson(d.qianzhou.ID, "王五", "灾害信息员", "15011112222", "", app.RoleInfoOfficer)
	return d
}

func newTestUI(t *testing.T, f *fakeStore) *UI {
	t.Helper()
	a := test.NewTempApp(t)
	u := New(a, f.services())
	t.Cleanup(u.win.Close)
	return u
}

// walk visits o and every visible object inside it, through the renderers
// the canvas actually uses.
func walk(o fyne.CanvasObject, visit func(fyne.CanvasObject)) {
	if o == nil || !o.Visible() {
		return
	}
	visit(o)
	switch c := o.(type) {
	case *fyne.Container:
		for _, child := range c.Objects {
			walk(child, visit)
		}
	case fyne.Widget:
		for _, child := range test.WidgetRenderer(c).Objects() {
			walk(child, visit)
		}
	}
}

// overlay returns the top popup (a dialog), failing the test when none is
// open.
func overlay(t *testing.T, u *UI) fyne.CanvasObject {
	t.Helper()
	top := u.win.Canvas().Overlays().Top()
	if top == nil {
		t.Fatal("no dialog is open")
	}
	return top
}

func findButton(t *testing.T, root fyne.CanvasObject, text string) *widget.Button {
	t.Helper()
	var found *widget.Button
	walk(root, func(o fyne.CanvasObject) {
		if b, ok := o.(*widget.Button); ok && b.Text == text && found == nil {
			found = b
		}
	})
	if found == nil {
		t.Fatalf("no button %q", text)
	}
	return found
}

// texts returns the text of every visible label under root.
func texts(root fyne.CanvasObject) []string {
	var out []string
	walk(root, func(o fyne.CanvasObject) {
		if l, ok := o.(*widget.Label); ok && l.Text != "" {
			out = append(out, l.Text)
		}
	})
	return out
}

func hasText(root fyne.CanvasObject, want string) bool {
	for _, s := range texts(root) {
		if strings.Contains(s, want) {
			return true
		}
	}
	return false
}

// rows returns the names on the visible rows of the directory list.
func rows(u *UI) []string {
	var out []string
	walk(u.directory.list, func(o fyne.CanvasObject) {
		if r, ok := o.(*personRow); ok {
			out = append(out, r.name.Text)
		}
	})
	return out
}

func row(t *testing.T, u *UI, name string) *personRow {
	t.Helper()
	var found *personRow
	walk(u.directory.list, func(o fyne.CanvasObject) {
		if r, ok := o.(*personRow); ok && r.name.Text == name {
			found = r
		}
	})
	if found == nil {
		t.Fatalf("no row for %s among %v", name, rows(u))
	}
	return found
}

// entryWithPlaceholder finds a form entry by its placeholder.
func entryWithPlaceholder(t *testing.T, root fyne.CanvasObject, placeholder string) *widget.Entry {
	t.Helper()
	var found *widget.Entry
	walk(root, func(o fyne.CanvasObject) {
		if e, ok := o.(*widget.Entry); ok && e.PlaceHolder == placeholder {
			found = e
		}
	})
	if found == nil {
		t.Fatalf("no entry with placeholder %q", placeholder)
	}
	return found
}

// entries returns the visible entries under root in layout order.
func entries(root fyne.CanvasObject) []*widget.Entry {
	var out []*widget.Entry
	walk(root, func(o fyne.CanvasObject) {
		if e, ok := o.(*widget.Entry); ok {
			out = append(out, e)
		}
	})
	return out
}

// besideField returns the texts shown in the container that holds field,
// which is where a form puts the field's error.
func besideField(t *testing.T, root, field fyne.CanvasObject) []string {
	t.Helper()
	var holder *fyne.Container
	walk(root, func(o fyne.CanvasObject) {
		if c, ok := o.(*fyne.Container); ok {
			for _, child := range c.Objects {
				if child == field {
					holder = c
				}
			}
		}
	})
	if holder == nil {
		t.Fatal("field is not in the form")
	}
	return texts(holder)
}

func findCheck(t *testing.T, root fyne.CanvasObject, text string) *widget.Check {
	t.Helper()
	var found *widget.Check
	walk(root, func(o fyne.CanvasObject) {
		if c, ok := o.(*widget.Check); ok && c.Text == text && found == nil {
			found = c
		}
	})
	if found == nil {
		t.Fatalf("no check box %q", text)
	}
	return found
}
