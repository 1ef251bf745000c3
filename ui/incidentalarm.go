package ui

import (
	"bytes"
	"context"
	"encoding/binary"
	"log"
	"math"
	"os"
	"os/exec"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"dutyroom/app"
	"dutyroom/app/incident"
)

// Alarm is the audible alarm for incidents from stations below. Sound
// starts it, or changes its level while it runs; it repeats until Silence.
// Neither call may block: they are made from the UI goroutine.
type Alarm interface {
	Sound(g incident.Grade)
	Silence()
}

// alarmEvery is how often the alarm repeats: often enough to be heard
// across a duty room, not so often that a phone call cannot be held over it.
const alarmEvery = 5 * time.Second

// repeatingAlarm plays a sound now and every interval after it until
// silenced. Playing runs on its own goroutine, so a slow or missing player
// never holds up the window.
type repeatingAlarm struct {
	every time.Duration
	play  func(incident.Grade)
	// newTicker is time.NewTicker in the program; tests drive the repeats
	// by hand.
	newTicker func(time.Duration) (<-chan time.Time, func())

	mu    sync.Mutex
	level incident.Grade
	stop  chan struct{}
}

func newRepeatingAlarm(every time.Duration, play func(incident.Grade)) *repeatingAlarm {
	return &repeatingAlarm{every: every, play: play, newTicker: func(d time.Duration) (<-chan time.Time, func()) {
		t := time.NewTicker(d)
		return t.C, t.Stop
	}}
}

func (a *repeatingAlarm) Sound(g incident.Grade) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.level = g
	if a.stop != nil {
		return
	}
	a.stop = make(chan struct{})
	go a.run(a.stop)
}

func (a *repeatingAlarm) Silence() {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.stop != nil {
		close(a.stop)
		a.stop = nil
	}
}

func (a *repeatingAlarm) current() incident.Grade {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.level
}

func (a *repeatingAlarm) run(stop <-chan struct{}) {
	ticks, halt := a.newTicker(a.every)
	defer halt()
	a.play(a.current())
	for {
		select {
		case <-stop:
			return
		case <-ticks:
			// A tick and the silencing may arrive together; silence wins.
			select {
			case <-stop:
				return
			default:
			}
			a.play(a.current())
		}
	}
}

// newSoundAlarm is the default alarm: a beep through paplay (PulseAudio
// and PipeWire) or aplay (ALSA), whichever is installed, looked for when
// the alarm first sounds. Without either it stays silent and the banner
// and the notification carry the alarm.
func newSoundAlarm() Alarm {
	var (
		mu     sync.Mutex // a silenced alarm may still be playing as the next one starts
		once   sync.Once
		player string
		files  = map[incident.Grade]string{}
	)
	return newRepeatingAlarm(alarmEvery, func(g incident.Grade) {
		mu.Lock()
		defer mu.Unlock()
		once.Do(func() {
			for _, name := range []string{"paplay", "aplay"} {
				if path, err := exec.LookPath(name); err == nil {
					player = path
					return
				}
			}
			log.Printf("no paplay or aplay: the incident alarm is visual only")
		})
		if player == "" {
			return
		}
		path, ok := files[g]
		if !ok {
			var err error
			if path, err = writeBeep(g); err != nil {
				log.Printf("alarm sound: %v", err)
				return
			}
			files[g] = path
		}
		ctx, cancel := context.WithTimeout(context.Background(), alarmEvery)
		defer cancel()
		if err := exec.CommandContext(ctx, player, path).Run(); err != nil {
			log.Printf("alarm sound: %s: %v", player, err)
		}
	})
}

// writeBeep writes the alarm sound of a grade to a temporary file, which
// is what the players read.
func writeBeep(g incident.Grade) (string, error) {
	f, err := os.CreateTemp("", "dutyroom-alarm-*.wav")
	if err != nil {
		return "", err
	}
	defer f.Close()
	if _, err := f.Write(beepWAV(g)); err != nil {
		return "", err
	}
	return f.Name(), nil
}

// beepWAV makes a short alarm as a WAV file: one beep per grade, so a
// major incident is heard as more urgent than a general one without
// looking.
func beepWAV(g incident.Grade) []byte {
	const rate = 16000
	beeps := max(int(g), 1)
	beep, gap := rate*15/100, rate*10/100
	samples := make([]int16, 0, beeps*(beep+gap))
	for b := 0; b < beeps; b++ {
		for i := 0; i < beep; i++ {
			// A short fade at both ends keeps the speaker from clicking.
			env := math.Min(1, math.Min(float64(i), float64(beep-i))/float64(rate/200))
			samples = append(samples, int16(env*0.6*math.MaxInt16*math.Sin(2*math.Pi*880*float64(i)/rate)))
		}
		samples = append(samples, make([]int16, gap)...)
	}
	var buf bytes.Buffer
	dataLen := uint32(len(samples) * 2)
	buf.WriteString("RIFF")
	binary.Write(&buf, binary.LittleEndian, 36+dataLen)
	buf.WriteString("WAVEfmt ")
	// PCM, mono, 16-bit.
	for _, v := range []any{uint32(16), uint16(1), uint16(1), uint32(rate), uint32(rate * 2), uint16(2), uint16(16)} {
		binary.Write(&buf, binary.LittleEndian, v)
	}
	buf.WriteString("data")
	binary.Write(&buf, binary.LittleEndian, dataLen)
	binary.Write(&buf, binary.LittleEndian, samples)
	return buf.Bytes()
}

// alarmBanner runs across the top of the window while incidents from
// stations below wait to be acknowledged, in the colour of the gravest.
// It stays until someone acknowledges each one in the program.
type alarmBanner struct {
	u       *UI
	alarm   Alarm
	waiting []incident.Incident // oldest first
	tree    *app.Tree
	// rung holds the arrivals raised from Services.IncidentAlarms, by the
	// time each rang: one that rings again (its grade rose) has a later
	// time and is raised again.
	rung    map[app.ID]time.Time
	acking  bool   // an acknowledgement is being saved
	loadErr string // the last failure to read the arrivals, shown once

	bg      *canvas.Rectangle
	text    *canvas.Text
	more    *canvas.Text
	view    *widget.Button
	ack     *widget.Button
	content *fyne.Container
}

func newAlarmBanner(u *UI) *alarmBanner {
	b := &alarmBanner{u: u, alarm: u.alarms.source()}
	b.bg = canvas.NewRectangle(gradeColor(0))
	b.text = canvas.NewText("", gradeTextColor(0))
	b.text.TextStyle.Bold = true
	b.more = canvas.NewText("", gradeTextColor(0))
	b.view = widget.NewButtonWithIcon(lang.L("incident.alarm_view"), theme.VisibilityIcon(), b.onView)
	b.ack = widget.NewButtonWithIcon(lang.L("incident.alarm_ack"), theme.ConfirmIcon(), b.onAcknowledge)
	b.ack.Importance = widget.HighImportance
	row := container.NewBorder(nil, nil,
		container.NewHBox(widget.NewIcon(theme.WarningIcon()), container.NewCenter(b.text)),
		container.NewHBox(container.NewCenter(b.more), b.view, b.ack))
	b.content = container.NewStack(b.bg, container.NewPadded(row))
	b.content.Hide()
	return b
}

// IncidentArrived raises the alarm for an incident reported by a station
// below: the banner, a desktop notification, the count on the navigation
// and in the tray, and the sound, until it is acknowledged here. The sync
// layer calls it from any goroutine.
func (u *UI) IncidentArrived(inc incident.Incident) {
	fyne.Do(func() { u.alarm.arrived(inc) })
}

func (b *alarmBanner) arrived(inc incident.Incident) {
	if b.tree == nil || b.tree.Station(inc.Station) == nil {
		// Read the station names first, so the banner and the
		// notification can say who reported.
		ctx, svc := b.u.ctx, b.u.svc.Stations
		runAsync(func() ([]app.Station, error) { return svc.Stations(ctx) }, func(stations []app.Station, err error) {
			if err == nil {
				b.tree = app.NewTree(stations)
			} else {
				b.tree = app.NewTree(nil)
			}
			b.add(inc)
		})
		return
	}
	b.add(inc)
}

func (b *alarmBanner) add(inc incident.Incident) {
	for i := range b.waiting {
		if b.waiting[i].ID == inc.ID {
			raised := inc.EffectiveGrade() > b.waiting[i].EffectiveGrade()
			b.waiting[i] = inc // newer figures of the same incident
			b.show()
			if raised {
				b.notify(inc)
			}
			return
		}
	}
	b.waiting = append(b.waiting, inc)
	b.show()
	b.notify(inc)
}

// notify sends a desktop notification. Without a notification daemon Fyne
// logs and carries on; it runs in the background, since reaching D-Bus
// can take a while on a machine without one.
func (b *alarmBanner) notify(inc incident.Incident) {
	n := fyne.NewNotification(lang.L("incident.alarm_notification_title", map[string]any{"Grade": gradeLabel(inc.EffectiveGrade())}),
		b.line(&inc))
	a := b.u.app
	background(func() { a.SendNotification(n) })
}

func (b *alarmBanner) line(inc *incident.Incident) string {
	return lang.L("incident.alarm_line", map[string]any{
		"Station": stationName(b.tree, inc.Station), "Summary": shorten(incidentSummary(inc, b.tree), 28),
		"Grade": gradeLabel(inc.EffectiveGrade()), "Counts": countsText(inc.Counts)})
}

// shorten cuts a text to n characters: the banner must fit the narrowest
// window whatever was typed.
func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// gravest returns the highest grade among the waiting incidents.
func (b *alarmBanner) gravest() incident.Grade {
	var g incident.Grade
	for i := range b.waiting {
		g = max(g, b.waiting[i].EffectiveGrade())
	}
	return g
}

func (b *alarmBanner) show() {
	n := len(b.waiting)
	b.u.nav.setBadge("incidents", n)
	b.u.tray.set(trayIncidents, n)
	if n == 0 {
		b.content.Hide()
		b.alarm.Silence()
		b.u.win.SetTitle(lang.L("app.title"))
		b.u.win.Content().Refresh()
		return
	}
	g := b.gravest()
	first := &b.waiting[0]
	b.bg.FillColor = gradeColor(g)
	b.bg.Refresh()
	b.text.Text = b.line(first)
	b.text.Color = gradeTextColor(g)
	b.text.Refresh()
	b.more.Text = ""
	if n > 1 {
		b.more.Text = lang.L("incident.alarm_more", map[string]any{"Count": n - 1})
	}
	b.more.Color = gradeTextColor(g)
	b.more.Refresh()
	b.content.Show()
	b.u.win.SetTitle(lang.L("incident.alarm_window_title", map[string]any{"Title": lang.L("app.title"), "Count": n}))
	b.alarm.Sound(g)
	b.u.win.Content().Refresh()
}

// onAcknowledge acknowledges the oldest incident; it leaves the banner
// once the acknowledgement is kept, and the alarm stops when none is left.
func (b *alarmBanner) onAcknowledge() {
	if len(b.waiting) == 0 || b.acking {
		return
	}
	b.acknowledge(b.waiting[0].ID)
}

// onView acknowledges the oldest incident and opens it.
func (b *alarmBanner) onView() {
	if len(b.waiting) == 0 || b.acking {
		return
	}
	id := b.waiting[0].ID
	b.acknowledge(id)
	if b.u.incidents != nil {
		b.u.incidents.openIncident(id)
	}
}
