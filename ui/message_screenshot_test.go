package ui

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/test"

	"dutyroom/app"
	"dutyroom/assets"
)

// TestMessageScreenshots renders the messages screen and its forms to PNG
// files in the folder named by DUTYROOM_SCREENSHOTS, for a person to look
// at: a thread is only readable if someone reads it.
func TestMessageScreenshots(t *testing.T) {
	dir := os.Getenv("DUTYROOM_SCREENSHOTS")
	if dir == "" {
		t.Skip("set DUTYROOM_SCREENSHOTS to a folder to render the messages screen")
	}
	for _, language := range []string{assets.Chinese, assets.English} {
		for _, size := range []fyne.Size{smallest, defaultWindowSize} {
			t.Run(language, func(t *testing.T) {
				inLanguage(t, language)
				d := busyMessageDemo(t)
				u := openMessages(t, d)
				u.win.Resize(size)
				name := func(what string) string {
					return filepath.Join(dir, "messages-"+language+"-"+what+"-"+itoaSize(size)+".png")
				}
				captureLaidOut(t, u, name("list"))
				open := func(with string) {
					for i, c := range u.messages.convs {
						if slices.Contains(c.Participants, stationNamed(t, d, with).ID) {
							u.messages.convList.Select(i)
							return
						}
					}
				}
				open("泸溪县")
				captureLaidOut(t, u, name("notice-received"))
				open("乾元村")
				captureLaidOut(t, u, name("direct-report"))
				open("乾州街道")
				captureLaidOut(t, u, name("notice-sent"))

				files := answerMessageFiles(t, u)
				c := composeForm(t, u)
				pickStation(t, u, c, d.qianzhou)
				test.Type(c.subject, "防汛检查")
				test.Type(c.text, "请于今晚 20:00 前报告各村巡查情况。")
				files.openPath = files.sparse(t, "现场录像.mp4", 21<<20)
				test.Tap(c.addFile)
				files.openPath = files.write(t, "巡查记录表.xlsx", "x")
				c.onAddFile()
				files.openPath = files.sparse(t, "现场录像-2.mp4", 25<<20)
				c.onAddFile()
				captureLaidOut(t, u, name("compose-refused"))
				c.kind.SetSelected(lang.L("message.kind_direct_report"))
				c.reportTo.SetSelectedIndex(1)
				captureLaidOut(t, u, name("compose-direct-report"))
				test.Tap(findButton(t, overlay(t, u), lang.L("action.cancel")))

				u.messages.search.SetText("滑坡")
				u.messages.resultList.Select(0)
				captureLaidOut(t, u, name("search"))
			})
		}
	}
}

func stationNamed(t *testing.T, d *messageDemo, name string) app.Station {
	t.Helper()
	for _, s := range d.store.stations {
		if s.Name == name {
			return s
		}
	}
	t.Fatalf("no station %s", name)
	return app.Station{}
}

// captureLaidOut lays everything out again before capturing, as the
// desktop driver does before each frame when a minimum size changed; the
// test driver does not, and would draw forms as they were before their
// last change.
func captureLaidOut(t *testing.T, u *UI, path string) {
	t.Helper()
	layoutAll(u.win.Canvas().Content())
	for _, o := range u.win.Canvas().Overlays().List() {
		layoutAll(o)
	}
	capture(t, u, path)
}

func layoutAll(o fyne.CanvasObject) {
	switch c := o.(type) {
	case *fyne.Container:
		if c.Layout != nil {
			c.Layout.Layout(c.Objects, c.Size())
		}
		for _, child := range c.Objects {
			layoutAll(child)
		}
	case fyne.Widget:
		r := test.WidgetRenderer(c)
		r.Layout(c.Size())
		for _, child := range r.Objects() {
			layoutAll(child)
		}
	}
}
