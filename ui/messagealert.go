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
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/lang"
	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"

	"dutyroom/app"
	"dutyroom/app/message"
	"dutyroom/assets"
)

// New messages are noticed two ways. The window reads the unread count
// when the sync engine reports operations taken in (dataArrived), which
// is at once; and it reads it every unreadPollInterval while it runs, for
// messages that reach the data file by any other way. A reading is one
// short cursor walk over this station's unread marks.
const unreadPollInterval = 5 * time.Second

// unreadNotifyLimit is how many of the newest unread messages a reading
// looks at to find the ones not yet announced; more arriving between two
// readings than this are counted in the badge but not each announced.
const unreadNotifyLimit = 20

// messageAlerts tells the person on duty that messages wait: a desktop
// notification for each new one, and the unread count beside 消息 in the
// navigation and on the tray icon, cleared as they are read. A desktop
// without a notification daemon or a tray loses those two silently; the
// navigation's count is always there.
type messageAlerts struct {
	s       *messageScreen
	seq     int
	started bool            // the first reading is the baseline, announced as one summary
	known   map[app.ID]bool // unread messages already announced
	count   int

	tray       desktop.App // nil when the driver has no tray
	trayMenu   *fyne.Menu
	trayUnread *fyne.MenuItem
	trayShown  string // the badge the tray icon shows, "" for none
}

type unreadReading struct {
	list  []message.Message // newest first
	total int
}

func newMessageAlerts(s *messageScreen) *messageAlerts {
	a := &messageAlerts{s: s, known: map[app.ID]bool{}}
	if tray, ok := s.u.app.(desktop.App); ok && trayUsable(runtime.GOOS, os.Getenv) {
		a.tray = tray
		open := fyne.NewMenuItem(lang.L("message.tray_open"), a.onTrayOpen)
		a.trayUnread = fyne.NewMenuItem(lang.L("message.tray_none"), a.onTrayOpen)
		a.trayMenu = fyne.NewMenu(lang.L("app.title"), open, a.trayUnread)
		tray.SetSystemTrayMenu(a.trayMenu)
		tray.SetSystemTrayIcon(assets.Icon)
	}
	return a
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

// check reads the unread count and announces what is new.
func (a *messageAlerts) check() { a.read(false) }

// poll is check for the timer, which is the first to see a message that
// reached the data file some other way than through the sync engine: the
// screen is reloaded when something new is seen.
func (a *messageAlerts) poll() { a.read(true) }

func (a *messageAlerts) read(reload bool) {
	a.seq++
	seq, ctx, svc := a.seq, a.s.u.ctx, a.s.u.svc.Messages
	runAsync(func() (unreadReading, error) {
		list, total, err := svc.Unread(ctx, unreadNotifyLimit)
		return unreadReading{list: list, total: total}, err
	}, func(r unreadReading, err error) {
		if seq == a.seq {
			a.onUnread(r, err, reload)
		}
	})
}

func (a *messageAlerts) onUnread(r unreadReading, err error, reload bool) {
	switch {
	case app.ErrorCode(err) == app.ENOTFOUND:
		// No station chosen yet: nothing can be addressed here.
		r = unreadReading{}
	case err != nil:
		// The count stays as last read; the next reading tries again.
		return
	}
	a.show(r.total)
	var fresh []message.Message
	for _, m := range r.list {
		if !a.known[m.ID] {
			fresh = append(fresh, m)
		}
	}
	if len(a.known) > 10*unreadNotifyLimit {
		clear(a.known)
	}
	for _, m := range r.list {
		a.known[m.ID] = true
	}
	if !a.started {
		// What waited while the program was closed is one notification,
		// not a burst of them.
		a.started = true
		if r.total > 0 {
			a.notify(lang.L("message.notify_summary_title"), lang.L("message.notify_summary", map[string]any{"Count": r.total}))
		}
		return
	}
	if len(fresh) == 0 {
		return
	}
	for i := len(fresh) - 1; i >= 0; i-- {
		m := &fresh[i]
		if a.s.visible && a.s.view.conv == m.Conversation() {
			continue // on the screen already, and read as it is reloaded
		}
		b := a.s.base
		a.notify(lang.L("message.notify_title", map[string]any{"Station": b.stationName(m.From), "Kind": messageKindLabel(m.Kind)}),
			messageSnippet(m))
	}
	if reload && a.s.loaded {
		a.s.loadConversations()
		if a.s.view.conv != app.NilID {
			a.s.view.reload()
		}
	}
}

func (a *messageAlerts) notify(title, content string) {
	a.s.u.app.SendNotification(fyne.NewNotification(title, content))
}

// show puts the unread count beside 消息 and on the tray icon.
func (a *messageAlerts) show(total int) {
	a.count = total
	a.s.u.nav.setBadge("messages", total)
	if a.tray == nil {
		return
	}
	badge := ""
	if total > 0 {
		badge = badgeText(total)
		a.trayUnread.Label = lang.L("message.tray_unread", map[string]any{"Count": total})
	} else {
		a.trayUnread.Label = lang.L("message.tray_none")
	}
	a.trayMenu.Refresh()
	if badge == a.trayShown {
		return
	}
	a.trayShown = badge
	a.tray.SetSystemTrayIcon(trayIcon(badge))
}

func (a *messageAlerts) onTrayOpen() {
	a.s.u.win.Show()
	a.s.u.win.RequestFocus()
	a.s.u.nav.open("messages")
}

// pollMessages reads the unread count every unreadPollInterval until stop
// is closed.
func (u *UI) pollMessages(stop <-chan struct{}) {
	if u.messages == nil {
		return
	}
	t := time.NewTicker(unreadPollInterval)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			fyne.Do(u.messages.alerts.poll)
		}
	}
}

// trayIcon is the program's icon with the unread count in a red disc at
// its top right; badge "" is the plain icon. A tray draws its icons a few
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
