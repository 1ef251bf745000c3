package ui

import (
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"

	"dutyroom/app"
	"dutyroom/app/consult"
)

// scheduleInterval is how often the window looks at the scheduled
// consultations: a start a few seconds after its minute is on time. The
// look reads only those scheduled around now, from their index.
const scheduleInterval = 10 * time.Second

// consultPlan watches the scheduled consultations this station takes
// part in: in the ten minutes before one, a notice on 会商 (and its badge,
// and one desktop notification); at its time, in the host's window, it
// starts the consultation and opens its room, so the invitations ring at
// the invited stations. A host window that was not running then leaves it
// 未按时开始 on the screen, with the start button.
type consultPlan struct {
	u        *UI
	seq      int
	last     time.Time // wall clock of the last look
	started  map[app.ID]bool
	notified map[app.ID]bool
	upcoming []consult.Consultation
}

func newConsultPlan(u *UI) *consultPlan {
	return &consultPlan{u: u, started: map[app.ID]bool{}, notified: map[app.ID]bool{}}
}

// poll looks at the schedule unless it did a moment ago.
func (s *consultPlan) poll() {
	if time.Since(s.last) < scheduleInterval {
		return
	}
	s.check()
}

// check reads the consultations scheduled around now and acts on them.
// Only those within reach of a reminder or a start are read: the index
// of scheduled ones answers that without the history.
func (s *consultPlan) check() {
	s.last = time.Now()
	s.seq++
	seq := s.seq
	ctx, svc := s.u.ctx, s.u.svc
	now := s.u.now()
	from, to := now.Add(-consult.StartWindow), now.Add(consult.RemindBefore)
	runAsync(func() (consultData, error) {
		var d consultData
		var err error
		if d.base, err = loadAlertBase(ctx, svc); err != nil || d.base.home == nil {
			return d, err
		}
		d.records, err = svc.Consultations.Scheduled(ctx, from, to)
		return d, err
	}, func(d consultData, err error) {
		if seq == s.seq && err == nil {
			s.update(d)
		}
	})
}

func (s *consultPlan) update(d consultData) {
	now, self := s.u.now(), d.base.homeID()
	var upcoming []consult.Consultation
	for _, r := range d.records {
		c := r.Consultation
		if self == app.NilID || !c.Takes(self) {
			continue
		}
		if c.Upcoming(now) {
			upcoming = append(upcoming, c)
			if !s.notified[c.ID] {
				s.notified[c.ID] = true
				n := fyne.NewNotification(lang.L("consult.upcoming_heading"), upcomingLine(c, d.base, now))
				a := s.u.app
				background(func() { a.SendNotification(n) })
			}
		}
		if c.Host == self && c.DueToStart(now) && !s.started[c.ID] {
			s.started[c.ID] = true
			s.start(c.ID, d.base)
		}
	}
	// Soonest first.
	for i := 1; i < len(upcoming); i++ {
		for j := i; j > 0 && upcoming[j].Scheduled.Before(*upcoming[j-1].Scheduled); j-- {
			upcoming[j], upcoming[j-1] = upcoming[j-1], upcoming[j]
		}
	}
	s.upcoming = upcoming
	s.u.nav.setBadge("consultation", len(upcoming))
	if s.u.consults != nil {
		s.u.consults.showUpcoming(upcoming, d.base, now)
	}
}

// start puts a consultation hosted here live at its time and opens its
// room, unless the window is in another one already.
func (s *consultPlan) start(id app.ID, base alertBase) {
	ctx, svc := s.u.ctx, s.u.svc.Consultations
	runAsync(func() (*consult.Record, error) {
		if err := svc.Start(ctx, id); err != nil {
			return nil, err
		}
		return svc.Record(ctx, id)
	}, func(rec *consult.Record, err error) {
		if err != nil {
			s.u.showError(err)
			return
		}
		s.u.kickHub()
		if s.u.consults != nil {
			s.u.consults.sel = id
			s.u.consults.refresh()
		}
		if s.u.room == nil {
			s.u.openRoom(*rec, base)
		}
	})
}

// upcomingLine says when a scheduled consultation starts and who hosts it.
func upcomingLine(c consult.Consultation, b alertBase, now time.Time) string {
	minutes := int((c.Scheduled.Sub(now) + time.Minute - 1) / time.Minute)
	return lang.L("consult.upcoming_line", map[string]any{"Title": c.Title, "At": c.Scheduled.In(b.loc).Format("15:04"),
		"Host": stationName(b.tree, c.Host), "Minutes": minutes})
}

// upcomingText is the notice on 会商: one line per consultation about to
// start.
func upcomingText(list []consult.Consultation, b alertBase, now time.Time) string {
	var lines []string
	for _, c := range list {
		lines = append(lines, upcomingLine(c, b, now))
	}
	return strings.Join(lines, "\n")
}

// consultStateLabel names where a consultation is, saying 未按时开始 of one
// still scheduled past its start window.
func consultStateLabel(c *consult.Consultation, now time.Time) string {
	if c.Missed(now) {
		return lang.L("consult.state_missed")
	}
	return stateLabel(c.State)
}
