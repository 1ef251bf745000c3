package ui

import (
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"dutyroom/app"
	"dutyroom/app/incident"
	"dutyroom/app/warning"
	"dutyroom/assets"
)

// trayApp is a desktop with a system tray, as the glfw driver is.
type trayApp struct {
	fyne.App
	icon fyne.Resource
	menu *fyne.Menu
}

func (a *trayApp) SetSystemTrayMenu(m *fyne.Menu)    { a.menu = m }
func (a *trayApp) SetSystemTrayIcon(r fyne.Resource) { a.icon = r }
func (a *trayApp) SetSystemTrayWindow(fyne.Window)   {}

func TestTrayCountsIncidentsAndWarningsUntilAcknowledged(t *testing.T) {
	// The fake tray needs no bus, but the window only uses a tray where a
	// session bus is announced.
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent")
	d := newAlertDemo(t, "2026-07-14 10:00:00")
	tray := &trayApp{App: test.NewTempApp(t)}
	u := New(tray, d.services())
	t.Cleanup(u.win.Close)
	u.win.Resize(fyne.NewSize(1280, 800))
	u.nav.open("duty")
	line := func(kind string) string {
		for i, l := range u.tray.lines {
			if l.kind == kind {
				return tray.menu.Items[i+1].Label
			}
		}
		t.Fatalf("no tray line for %s", kind)
		return ""
	}
	if tray.icon != assets.Icon || line(trayIncidents) != "没有待确认接报" || line(trayWarnings) != "没有待签收预警" {
		t.Errorf("nothing waits: tray %s, %q, %q", tray.icon.Name(), line(trayIncidents), line(trayWarnings))
	}

	u.alarm.arrived(incident.Incident{ID: app.NewID(), Station: d.qianzhou.ID, Grade: incident.GradeGeneral})
	if tray.icon.Name() != "dutyroom-unread-1.png" || line(trayIncidents) != "待确认接报 1 起" {
		t.Errorf("an incident arrived: tray %s, %q", tray.icon.Name(), line(trayIncidents))
	}
	w := d.fromPrefecture(warning.Blue)
	u.pollAlerts()
	if tray.icon.Name() != "dutyroom-unread-2.png" || line(trayWarnings) != "待签收预警 1 条" {
		t.Errorf("a warning arrived too: tray %s, %q", tray.icon.Name(), line(trayWarnings))
	}

	// Each line opens the screen for its kind.
	for i, l := range u.tray.lines {
		tray.menu.Items[i+1].Action()
		if u.nav.current != l.kind {
			t.Errorf("the %s line opened %q", l.kind, u.nav.current)
		}
	}

	test.Tap(u.alarm.ack)
	if tray.icon.Name() != "dutyroom-unread-1.png" || line(trayIncidents) != "没有待确认接报" {
		t.Errorf("the incident acknowledged: tray %s, %q", tray.icon.Name(), line(trayIncidents))
	}
	if err := d.warnings.Acknowledge(u.ctx, &warning.Ack{Warning: w.ID, Person: "刘值班"}); err != nil {
		t.Fatal(err)
	}
	u.pollAlerts()
	if tray.icon != assets.Icon || line(trayWarnings) != "没有待签收预警" {
		t.Errorf("the warning acknowledged too: tray %s, %q", tray.icon.Name(), line(trayWarnings))
	}
}

func TestTrayIconDrawsTheCount(t *testing.T) {
	for _, badge := range []string{"1", "12", "99+"} {
		r := trayIcon(badge)
		if r == assets.Icon || len(r.Content()) == 0 {
			t.Errorf("%s: no icon drawn", badge)
		}
	}
	if trayIcon("") != assets.Icon {
		t.Error("no unread should be the plain icon")
	}
}

func TestTrayOnlyWithADesktopSessionBus(t *testing.T) {
	env := func(v string) func(string) string {
		return func(string) string { return v }
	}
	cases := []struct {
		goos, bus string
		want      bool
	}{
		{"linux", "", false},
		{"linux", "unix:path=/run/user/1000/bus", true},
		{"freebsd", "", false},
		{"windows", "", true},
		{"darwin", "", true},
	}
	for _, c := range cases {
		if got := trayUsable(c.goos, env(c.bus)); got != c.want {
			t.Errorf("trayUsable(%s, bus %q) = %v, want %v", c.goos, c.bus, got, c.want)
		}
	}
}
