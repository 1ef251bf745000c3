package ui

import (
	"bytes"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"os"
	"runtime"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/lang"
	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"

	"dutyroom/assets"
)

// The kinds of waiting work the tray counts, each with the screen that
// deals with it.
const (
	trayMessages  = "messages"  // unread messages
	trayIncidents = "incidents" // incidents from stations below not yet acknowledged
	trayWarnings  = "warnings"  // warnings this station has not yet acknowledged
)

// trayLine is one kind's line in the tray menu: its count, and the screen
// it opens.
type trayLine struct {
	kind  string
	label func(n int) string // the line's text with n waiting
	item  *fyne.MenuItem
}

// tray is the window's one system-tray icon. Each source of waiting work
// reports its count with set; the icon's badge is their sum, and the menu
// has a line per kind with its own count, opening the screen for it. A
// desktop without a tray (or, on Linux, without a session bus) has none:
// the counts on the navigation stand in, and set only keeps the numbers.
type tray struct {
	u      *UI
	app    desktop.App // nil when there is no tray to show
	menu   *fyne.Menu
	lines  []*trayLine
	counts map[string]int
	shown  string // the badge the icon shows, "" for none
}

// newTray sets up the tray with a line for each kind the window has a
// source for. Call it once the navigation is built.
func newTray(u *UI) *tray {
	t := &tray{u: u, counts: map[string]int{}}
	if u.messages != nil {
		t.lines = append(t.lines, &trayLine{kind: trayMessages, label: func(n int) string {
			if n == 0 {
				return lang.L("tray.messages_none")
			}
			return lang.L("tray.messages", map[string]any{"Count": n})
		}})
	}
	t.lines = append(t.lines, &trayLine{kind: trayIncidents, label: func(n int) string {
		if n == 0 {
			return lang.L("tray.incidents_none")
		}
		return lang.L("tray.incidents", map[string]any{"Count": n})
	}})
	if u.warnBanner != nil {
		t.lines = append(t.lines, &trayLine{kind: trayWarnings, label: func(n int) string {
			if n == 0 {
				return lang.L("tray.warnings_none")
			}
			return lang.L("tray.warnings", map[string]any{"Count": n})
		}})
	}
	d, ok := u.app.(desktop.App)
	if !ok || !trayUsable(runtime.GOOS, os.Getenv) {
		return t
	}
	t.app = d
	items := []*fyne.MenuItem{fyne.NewMenuItem(lang.L("tray.open"), func() { t.open("") })}
	for _, l := range t.lines {
		kind := l.kind
		l.item = fyne.NewMenuItem(l.label(0), func() { t.open(kind) })
		items = append(items, l.item)
	}
	t.menu = fyne.NewMenu(lang.L("app.title"), items...)
	d.SetSystemTrayMenu(t.menu)
	d.SetSystemTrayIcon(assets.Icon)
	return t
}

// set records how many of a kind wait and redraws the tray. A nil tray
// (the window still being built) ignores it.
func (t *tray) set(kind string, n int) {
	if t == nil {
		return
	}
	if old, ok := t.counts[kind]; ok && old == n {
		return
	}
	t.counts[kind] = n
	t.show()
}

// total is the sum of the waiting counts: the tray icon's badge.
func (t *tray) total() int {
	n := 0
	for _, c := range t.counts {
		n += c
	}
	return n
}

func (t *tray) show() {
	if t.app == nil {
		return
	}
	for _, l := range t.lines {
		l.item.Label = l.label(t.counts[l.kind])
	}
	t.menu.Refresh()
	badge := ""
	if n := t.total(); n > 0 {
		badge = badgeText(n)
	}
	if badge == t.shown {
		return
	}
	t.shown = badge
	t.app.SetSystemTrayIcon(trayIcon(badge))
}

// open brings the window forward, on the screen for kind if one is given.
func (t *tray) open(kind string) {
	t.u.win.Show()
	t.u.win.RequestFocus()
	if kind != "" {
		t.u.nav.open(kind)
	}
}

// trayUsable reports whether a tray icon may be set. On Linux and the BSDs
// the tray lives on the D-Bus session bus; without one, Fyne's tray logs an
// error at start and then dereferences its missing connection when the
// window quits, so a duty-room PC without a desktop session would crash on
// every close. Such a machine has no tray to show anyway: the badge on the
// navigation stands in.
func trayUsable(goos string, getenv func(string) string) bool {
	if goos == "linux" || strings.HasSuffix(goos, "bsd") {
		return getenv("DBUS_SESSION_BUS_ADDRESS") != ""
	}
	return true
}

// trayIcon is the program's icon with the count of what waits in a red
// disc at its top right; badge "" is the plain icon. A tray draws its icons a few
// dozen pixels across, so the disc takes half the width to stay legible.
func trayIcon(badge string) fyne.Resource {
	if badge == "" {
		return assets.Icon
	}
	src, err := png.Decode(bytes.NewReader(assets.Icon.Content()))
	if err != nil {
		return assets.Icon
	}
	bounds := src.Bounds()
	img := image.NewRGBA(bounds)
	draw.Draw(img, bounds, src, bounds.Min, draw.Src)
	size := bounds.Dx()
	r := size * 27 / 100
	if len(badge) > 1 {
		r = size * 31 / 100
	}
	cx, cy := bounds.Max.X-r-1, bounds.Min.Y+r+1
	red := color.RGBA{R: 0xd9, G: 0x1e, B: 0x18, A: 0xff}
	for y := cy - r; y <= cy+r; y++ {
		for x := cx - r; x <= cx+r; x++ {
			if dx, dy := x-cx, y-cy; dx*dx+dy*dy <= r*r {
				img.Set(x, y, red)
			}
		}
	}
	if fonts, err := chartFonts(); err == nil {
		pt := float64(r) * 1.3
		if len(badge) > 2 {
			pt = float64(r) * 0.8
		} else if len(badge) > 1 {
			pt = float64(r)
		}
		if face, err := opentype.NewFace(fonts[1], &opentype.FaceOptions{Size: pt, DPI: 72, Hinting: font.HintingFull}); err == nil {
			w := font.MeasureString(face, badge)
			m := face.Metrics()
			d := font.Drawer{Dst: img, Src: image.White, Face: face, Dot: fixed.Point26_6{
				X: fixed.I(cx) - w/2,
				Y: fixed.I(cy) + (m.Ascent-m.Descent)/2 - m.Descent/2,
			}}
			d.DrawString(badge)
			face.Close()
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return assets.Icon
	}
	return fyne.NewStaticResource("dutyroom-unread-"+badge+".png", buf.Bytes())
}
