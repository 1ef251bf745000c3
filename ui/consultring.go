package ui

import (
	"context"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"dutyroom/app/consult"
	"dutyroom/app/incident"
)

// ringGrade is how the invitation sounds: the repeating alarm of a
// large incident, as a telephone rings until it is answered.
const ringGrade = incident.GradeLarge

// consultRing is an incoming consultation: while one this station is
// invited to is live and unanswered, a prompt over the window with accept
// and decline, and the alarm sounding.
type consultRing struct {
	u        *UI
	alarm    Alarm
	seq      int
	base     alertBase
	shown    *consult.Consultation
	sounding bool

	heading *canvas.Text
	from    *widget.Label
	title   *widget.Label
	note    *widget.Label
	accept  *widget.Button
	decline *widget.Button
	overlay *fyne.Container
}

func newConsultRing(u *UI) *consultRing {
	r := &consultRing{u: u, alarm: u.alarms.source()}
	r.heading = canvas.NewText(lang.L("consult.ring_heading"), theme.Color(theme.ColorNamePrimary))
	r.heading.TextStyle.Bold = true
	r.heading.TextSize = 36
	r.heading.Alignment = fyne.TextAlignCenter
	r.from = widget.NewLabel("")
	r.from.Alignment = fyne.TextAlignCenter
	r.from.Wrapping = fyne.TextWrapWord
	r.title = widget.NewLabel("")
	r.title.Alignment = fyne.TextAlignCenter
	r.title.Wrapping = fyne.TextWrapWord
	r.title.TextStyle.Bold = true
	r.note = widget.NewLabel("")
	r.note.Alignment = fyne.TextAlignCenter
	r.note.Wrapping = fyne.TextWrapWord
	r.note.Importance = widget.DangerImportance
	r.accept = widget.NewButtonWithIcon(lang.L("consult.accept"), theme.MediaVideoIcon(), func() { r.answer(true) })
	r.accept.Importance = widget.SuccessImportance
	r.decline = widget.NewButtonWithIcon(lang.L("consult.decline"), theme.CancelIcon(), func() { r.answer(false) })
	r.decline.Importance = widget.DangerImportance
	card := container.NewVBox(r.heading, r.from, r.title, r.note, container.NewGridWithColumns(2, r.decline, r.accept))
	cardBg := canvas.NewRectangle(theme.Color(theme.ColorNameBackground))
	cardBg.CornerRadius = 2 * theme.InputRadiusSize()
	shade := canvas.NewRectangle(theme.Color(theme.ColorNameShadow))
	r.overlay = container.NewStack(shade, container.NewCenter(container.New(atLeastWidth{promptCardWidth},
		container.NewStack(cardBg, container.NewPadded(container.NewPadded(card))))))
	return r
}

type ringing struct {
	base alertBase
	list []consult.Consultation
}

// poll reads the invitations waiting for an answer.
func (r *consultRing) poll() {
	r.seq++
	seq := r.seq
	ctx, svc := r.u.ctx, r.u.svc
	runAsync(func() (ringing, error) {
		var d ringing
		var err error
		if d.base, err = loadAlertBase(ctx, svc); err != nil || d.base.home == nil {
			return d, err
		}
		d.list, err = svc.Consultations.Ringing(ctx)
		return d, err
	}, func(d ringing, err error) {
		if seq == r.seq && err == nil {
			r.update(d)
		}
	})
}

func (r *consultRing) update(d ringing) {
	r.base = d.base
	switch {
	case len(d.list) == 0:
		r.close()
	case r.shown == nil || r.shown.ID != d.list[0].ID:
		r.open(d.list[0])
	}
}

func (r *consultRing) open(c consult.Consultation) {
	r.shown = &c
	b := r.base
	r.from.SetText(lang.L("consult.ring_from", map[string]any{"Station": stationName(b.tree, c.Host), "Person": c.CreatedBy}))
	r.title.SetText(c.Title)
	r.note.SetText("")
	if c.Recording {
		r.note.SetText(lang.L("consult.recording_notice"))
	}
	enable(r.accept, true)
	enable(r.decline, true)
	cv := r.u.win.Canvas()
	if cv.Overlays().Top() != r.overlay {
		cv.Overlays().Add(r.overlay)
	}
	r.overlay.Resize(cv.Size())
	r.overlay.Refresh()
	if !r.sounding {
		r.sounding = true
		r.alarm.Sound(ringGrade)
	}
	n := fyne.NewNotification(lang.L("consult.ring_heading"), lang.L("consult.ring_from", map[string]any{
		"Station": stationName(b.tree, c.Host), "Person": c.CreatedBy}))
	a := r.u.app
	background(func() { a.SendNotification(n) })
	r.u.win.RequestFocus()
}

func (r *consultRing) close() {
	if r.sounding {
		r.sounding = false
		r.alarm.Silence()
	}
	if r.shown != nil {
		r.shown = nil
		r.u.win.Canvas().Overlays().Remove(r.overlay)
	}
}

// answer records the reply; accepting opens the consultation window.
func (r *consultRing) answer(accept bool) {
	if r.shown == nil {
		return
	}
	c := *r.shown
	if msg := r.u.consultOffline(); accept && msg != "" {
		// Accepting promises to be in the room; offline that cannot be
		// kept, so nothing is recorded and the ring says what to do.
		r.note.SetText(msg)
		r.overlay.Refresh()
		return
	}
	enable(r.accept, false)
	enable(r.decline, false)
	ctx, svc := r.u.ctx, r.u.svc.Consultations
	runAsync(func() (*consult.Record, error) {
		if err := svc.Reply(ctx, c.ID, accept); err != nil {
			return nil, err
		}
		return svc.Record(context.WithoutCancel(ctx), c.ID)
	}, func(rec *consult.Record, err error) {
		if err != nil {
			enable(r.accept, true)
			enable(r.decline, true)
			r.u.showError(err)
			return
		}
		r.close()
		r.u.kickHub()
		if accept {
			r.u.openRoom(*rec, r.base)
		}
		if r.u.consults != nil {
			r.u.consults.refresh()
		}
		r.poll()
	})
}
