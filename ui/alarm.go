package ui

import (
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"

	"dutyroom/app/incident"
)

// sharedAlarm is the window's one sound, raised by several sources:
// incidents from below, orange and red warnings not yet acknowledged, a
// spot check waiting for its answer. Each source sounds and silences its
// own part; the sound follows the gravest part still raised and stops when
// none is, so acknowledging a warning never silences an incident. Two
// alarms playing over each other would be heard as neither.
type sharedAlarm struct {
	out Alarm

	mu     sync.Mutex
	raised map[*alarmSource]incident.Grade
}

// newSharedAlarm shares out, or the default sound when out is nil.
func newSharedAlarm(out Alarm) *sharedAlarm {
	if out == nil {
		out = newSoundAlarm()
	}
	return &sharedAlarm{out: out, raised: make(map[*alarmSource]incident.Grade)}
}

// source returns an Alarm for one source of the window.
func (s *sharedAlarm) source() Alarm { return &alarmSource{shared: s} }

// silenceAll stops the sound whoever raised it, as the window closes.
func (s *sharedAlarm) silenceAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.raised)
	s.out.Silence()
}

func (s *sharedAlarm) sound(src *alarmSource, g incident.Grade) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.raised[src] = g
	s.out.Sound(s.gravest())
}

func (s *sharedAlarm) silence(src *alarmSource) {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, was := s.raised[src]
	delete(s.raised, src)
	switch {
	case len(s.raised) == 0:
		s.out.Silence()
	case was:
		s.out.Sound(s.gravest())
	}
}

func (s *sharedAlarm) gravest() incident.Grade {
	var g incident.Grade
	for _, l := range s.raised {
		g = max(g, l)
	}
	return g
}

// alarmSource is one source's handle on the shared alarm.
type alarmSource struct{ shared *sharedAlarm }

func (a *alarmSource) Sound(g incident.Grade) { a.shared.sound(a, g) }
func (a *alarmSource) Silence()               { a.shared.silence(a) }

// alertInterval is how often the window asks the store for warnings not
// yet acknowledged and spot checks not yet answered. Operations from the
// hub land in the store without telling the window which kind they were;
// a read of two small indexes every few seconds is cheaper than plumbing
// that through, and a spot check's three minutes lose at most this much.
const alertInterval = 3 * time.Second

// pollAlerts looks for warnings, spot checks and consultations that want
// attention, in one read of the store, hands the reading to the banner,
// the prompt, the ring and the schedule, and reloads the live views in
// sight.
func (u *UI) pollAlerts() {
	if u.warnBanner == nil && u.spotPrompt == nil && u.consultRing == nil {
		return
	}
	p := &u.alertPoll
	p.seq++
	seq := p.seq
	ctx, svc, now := u.ctx, u.svc, u.now()
	var onDuty OnDutyFunc
	if u.status != nil {
		onDuty = u.status.onDuty
	}
	runAsync(func() (alertReading, error) { return readAlerts(ctx, svc, now, onDuty) }, func(d alertReading, err error) {
		if seq != p.seq || err != nil {
			// A failed read keeps everything as it was: better a banner
			// one poll late than a silenced alarm.
			return
		}
		u.takeAlerts(d)
	})
}

// alertsChanged reloads the warning and spot-check screens and looks
// again for what wants attention, after a change here or an arrival.
func (u *UI) alertsChanged() {
	if u.warnings != nil {
		u.warnings.refresh()
	}
	if u.spotChecks != nil {
		u.spotChecks.refresh()
	}
	if u.warnBanner != nil {
		u.warnBanner.poll()
	}
	if u.spotPrompt != nil {
		u.spotPrompt.poll()
	}
	if u.consultRing != nil {
		u.consultRing.poll()
	}
	if u.consults != nil {
		u.consults.refresh()
	}
}

// alertBanners are the bands across the top of the window: the incident
// alarm, an orange or red warning, spot checks left unanswered. Each takes
// no room while hidden.
func (u *UI) alertBanners() fyne.CanvasObject {
	top := container.NewVBox(u.alarm.content)
	if u.warnBanner != nil {
		top.Add(u.warnBanner.content)
	}
	if u.spotPrompt != nil {
		top.Add(u.spotPrompt.banner)
	}
	return top
}

// watchAlerts calls pollAlerts every alertInterval until stop is closed.
func (u *UI) watchAlerts(stop <-chan struct{}) {
	t := time.NewTicker(alertInterval)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			fyne.Do(u.pollAlerts)
		}
	}
}
