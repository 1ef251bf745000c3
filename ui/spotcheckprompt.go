package ui

import (
	"context"
	"image/color"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"dutyroom/app"
	"dutyroom/app/incident"
	"dutyroom/app/spotcheck"
)

// staleCheckAge is when an unanswered check stops covering the window: a
// check a day old says the room was not staffed then, and putting it in
// front of today's work would hide everything else. It stays answerable,
// late, from a banner.
const staleCheckAge = 24 * time.Hour

// spotCheckGrade is how urgently a waiting check sounds: two beeps, the
// sound of a large incident. The answer is owed within minutes and the
// person on duty may be across the room.
const spotCheckGrade = incident.GradeLarge

// countdownSize is the countdown's text size: read from across the room.
const countdownSize = 96

// promptCardWidth keeps the prompt's lines readable on a wide window.
const promptCardWidth = 560

// spotPrompt is what the checked station sees: while a check of it waits
// for an answer, a prompt covering the whole window with the time left,
// the name to answer in and one button; checks older than a day in a
// banner instead.
type spotPrompt struct {
	u     *UI
	alarm Alarm
	seq   int

	base     alertBase
	current  []spotcheck.Record // unanswered, started within a day, oldest first
	stale    []spotcheck.Record // unanswered and older
	known    map[app.ID]bool
	shown    *spotcheck.Check // the check on screen, its Deadline counted from arrival; nil while the prompt is closed
	limit    time.Duration    // the shown check's time to answer
	sounding bool
	stopTick chan struct{}

	nameTyped bool // the name was typed, not filled in from the roster
	quiet     bool

	heading    *canvas.Text
	from       *widget.Label
	promptText *widget.Label
	countdown  *canvas.Text
	deadline   *widget.Label
	lateNote   *widget.Label
	name       *widget.Entry
	answer     *widget.Button
	later      *widget.Button // only for a stale check, opened from the banner
	err        *widget.Label
	overlay    *fyne.Container

	bannerBg     *canvas.Rectangle
	bannerText   *canvas.Text
	bannerAnswer *widget.Button
	banner       *fyne.Container
}

// promptBackground is the colour around the prompt's card: the red of the
// alarm, darkened, so the window reads as interrupted from across a room.
var promptBackground = color.NRGBA{R: 0x5d, G: 0x10, B: 0x10, A: 0xff}

func newSpotPrompt(u *UI) *spotPrompt {
	p := &spotPrompt{u: u, alarm: u.alarms.source(), known: map[app.ID]bool{}}
	p.heading = canvas.NewText(lang.L("spotcheck.prompt_heading"), theme.Color(theme.ColorNameError))
	p.heading.TextStyle.Bold = true
	p.heading.TextSize = 40
	p.heading.Alignment = fyne.TextAlignCenter
	p.from = widget.NewLabel("")
	p.from.Alignment = fyne.TextAlignCenter
	p.from.Wrapping = fyne.TextWrapWord
	p.promptText = widget.NewLabel("")
	p.promptText.Alignment = fyne.TextAlignCenter
	p.promptText.Wrapping = fyne.TextWrapWord
	p.promptText.TextStyle.Bold = true
	p.countdown = canvas.NewText("00:00", theme.Color(theme.ColorNameForeground))
	p.countdown.TextSize = countdownSize
	p.countdown.TextStyle = fyne.TextStyle{Bold: true, Monospace: true}
	p.countdown.Alignment = fyne.TextAlignCenter
	p.deadline = widget.NewLabel("")
	p.deadline.Alignment = fyne.TextAlignCenter
	p.lateNote = widget.NewLabel(lang.L("spotcheck.prompt_late"))
	p.lateNote.Importance = widget.DangerImportance
	p.lateNote.Alignment = fyne.TextAlignCenter
	p.lateNote.Wrapping = fyne.TextWrapWord
	p.lateNote.Hide()
	p.name = widget.NewEntry()
	p.name.SetPlaceHolder(lang.L("spotcheck.prompt_name_placeholder"))
	p.name.OnChanged = func(string) {
		if !p.quiet {
			p.nameTyped = true
			p.err.Hide()
		}
	}
	p.name.OnSubmitted = func(string) { p.onAnswer() }
	p.answer = widget.NewButtonWithIcon(lang.L("spotcheck.prompt_answer"), theme.ConfirmIcon(), p.onAnswer)
	p.answer.Importance = widget.HighImportance
	p.later = widget.NewButton(lang.L("spotcheck.prompt_later"), p.close)
	p.later.Hide()
	p.err = errorLabel()

	card := container.NewVBox(
		p.heading, p.from, p.promptText,
		p.countdown, p.deadline, p.lateNote,
		widget.NewForm(widget.NewFormItem(lang.L("spotcheck.prompt_name"), container.NewVBox(p.name, p.err))),
		container.NewGridWithColumns(1, p.answer),
		container.NewCenter(p.later),
	)
	cardBg := canvas.NewRectangle(theme.Color(theme.ColorNameBackground))
	cardBg.CornerRadius = 2 * theme.InputRadiusSize()
	p.overlay = container.NewStack(canvas.NewRectangle(promptBackground),
		container.NewCenter(container.New(atLeastWidth{promptCardWidth},
			container.NewStack(cardBg, container.NewPadded(container.NewPadded(card))))))

	p.bannerBg = canvas.NewRectangle(gradeColor(spotCheckGrade))
	p.bannerText = canvas.NewText("", gradeTextColor(spotCheckGrade))
	p.bannerText.TextStyle.Bold = true
	p.bannerAnswer = widget.NewButtonWithIcon(lang.L("spotcheck.banner_answer"), theme.ConfirmIcon(), p.onBannerAnswer)
	row := container.NewBorder(nil, nil,
		container.NewHBox(widget.NewIcon(theme.HistoryIcon()), container.NewCenter(p.bannerText)), p.bannerAnswer)
	p.banner = container.NewStack(p.bannerBg, container.NewPadded(row))
	p.banner.Hide()
	return p
}

// atLeastWidth lays its objects out no narrower than a width, so wrapped
// lines have room; a window narrower still gets its own width.
type atLeastWidth struct{ width float32 }

func (l atLeastWidth) MinSize(objects []fyne.CanvasObject) fyne.Size {
	var s fyne.Size
	for _, o := range objects {
		s = s.Max(o.MinSize())
	}
	return fyne.NewSize(max(s.Width, l.width), s.Height)
}

func (l atLeastWidth) Layout(objects []fyne.CanvasObject, size fyne.Size) {
	for _, o := range objects {
		o.Move(fyne.NewPos(0, 0))
		o.Resize(size)
	}
}

type unansweredChecks struct {
	base    alertBase
	records []spotcheck.Record
	onDuty  OnDuty
}

func loadUnanswered(ctx context.Context, svc Services, onDuty OnDutyFunc) (unansweredChecks, error) {
	var d unansweredChecks
	var err error
	if d.base, err = loadAlertBase(ctx, svc); err != nil || d.base.home == nil {
		return d, err
	}
	if d.records, err = svc.SpotChecks.Unanswered(ctx, d.base.home.ID); err != nil || len(d.records) == 0 {
		return d, err
	}
	d.onDuty = onDutyNow(ctx, onDuty)
	return d, nil
}

// poll reads the checks of this station still unanswered.
func (p *spotPrompt) poll() {
	p.seq++
	seq := p.seq
	ctx, svc, onDuty := p.u.ctx, p.u.svc, p.u.status.onDuty
	runAsync(func() (unansweredChecks, error) { return loadUnanswered(ctx, svc, onDuty) }, func(d unansweredChecks, err error) {
		if seq == p.seq && err == nil {
			p.update(d)
		}
	})
}

func (p *spotPrompt) update(d unansweredChecks) {
	now := p.u.now()
	p.base, p.current, p.stale = d.base, nil, nil
	seen := make(map[app.ID]bool, len(d.records))
	for _, r := range d.records {
		seen[r.Check.ID] = true
		if now.Sub(r.Check.StartedAt) > staleCheckAge {
			p.stale = append(p.stale, r)
			continue
		}
		p.current = append(p.current, r)
		if !p.known[r.Check.ID] {
			a := arrivedCheck(&r)
			p.notify(&a.check)
		}
	}
	p.known = seen
	p.u.nav.setBadge("spotchecks", len(d.records))
	if !p.nameTyped {
		p.quiet = true
		p.name.SetText(answeringName(d.onDuty))
		p.quiet = false
	}

	switch {
	case p.shown != nil && !seen[p.shown.ID]:
		// Answered from another client of this station, or here.
		p.close()
		if len(p.current) > 0 {
			p.open(arrivedCheck(&p.current[0]), false)
		}
	case p.shown == nil && len(p.current) > 0:
		p.open(arrivedCheck(&p.current[0]), false)
	}
	p.showBanner()
	switch {
	case len(p.current) > 0 && !p.sounding:
		p.sounding = true
		p.alarm.Sound(spotCheckGrade)
	case len(p.current) == 0 && p.sounding:
		p.sounding = false
		p.alarm.Silence()
	}
}

// notify sends a desktop notification and asks for the window to come
// forward; either may do nothing on a desktop without the service, and the
// prompt is there regardless.
func (p *spotPrompt) notify(c *spotcheck.Check) {
	n := fyne.NewNotification(lang.L("spotcheck.notification_title"), lang.L("spotcheck.notification", map[string]any{
		"Station": stationName(p.base.tree, c.By), "Deadline": c.Deadline.In(p.base.loc).Format("15:04:05")}))
	a := p.u.app
	background(func() { a.SendNotification(n) })
	p.u.win.RequestFocus()
}

func (p *spotPrompt) showBanner() {
	if len(p.stale) == 0 {
		if p.banner.Visible() {
			p.banner.Hide()
			p.u.win.Content().Refresh()
		}
		return
	}
	first := &p.stale[0].Check
	p.bannerText.Text = lang.L("spotcheck.banner_line", map[string]any{
		"Count": len(p.stale), "At": dateTime(first.StartedAt, p.base.loc), "Station": stationName(p.base.tree, first.By)})
	p.bannerText.Refresh()
	if !p.banner.Visible() {
		p.banner.Show()
		p.u.win.Content().Refresh()
	}
}

// onBannerAnswer opens the oldest stale check to answer it, late.
func (p *spotPrompt) onBannerAnswer() {
	if len(p.stale) > 0 && p.shown == nil {
		p.open(arrivedCheck(&p.stale[0]), true)
	}
}

// open puts the prompt over the whole window. A stale check may be put
// away again; a current one only by answering it.
func (p *spotPrompt) open(r arrived, stale bool) {
	c := r.check
	p.shown, p.limit = &c, r.limit
	b := p.base
	// A stale check's day matters; today's is read by the clock alone.
	layout := "15:04:05"
	if stale {
		layout = "01-02 15:04:05"
	}
	p.from.SetText(lang.L("spotcheck.prompt_from", map[string]any{
		"Station": stationName(b.tree, c.By), "Person": c.StartedBy, "At": c.StartedAt.In(b.loc).Format(layout)}))
	if c.StartedBy == "" {
		p.from.SetText(lang.L("spotcheck.prompt_from_station", map[string]any{
			"Station": stationName(b.tree, c.By), "At": c.StartedAt.In(b.loc).Format(layout)}))
	}
	text := c.Prompt
	if text == "" {
		text = lang.L("spotcheck.default_prompt")
	}
	p.promptText.SetText(text)
	p.deadline.SetText(lang.L("spotcheck.prompt_deadline", map[string]any{
		"Deadline": c.Deadline.In(b.loc).Format(layout),
		"Limit":    limitText(p.limit)}))
	p.later.Hidden = !stale
	p.err.Hide()
	enable(p.answer, true)
	p.tick()

	cv := p.u.win.Canvas()
	if cv.Overlays().Top() != p.overlay {
		cv.Overlays().Add(p.overlay)
	}
	p.overlay.Resize(cv.Size())
	p.overlay.Refresh()
	cv.Focus(p.name)
	if p.stopTick == nil {
		p.stopTick = make(chan struct{})
		everySecond(p.stopTick, p.tick)
	}
}

// close takes the prompt away.
func (p *spotPrompt) close() {
	p.shown = nil
	p.u.win.Canvas().Overlays().Remove(p.overlay)
	if p.stopTick != nil {
		close(p.stopTick)
		p.stopTick = nil
	}
}

// tick moves the countdown: the time left, then how late an answer now is.
func (p *spotPrompt) tick() {
	if p.shown == nil {
		return
	}
	now := p.u.now()
	left := p.shown.Deadline.Sub(now)
	if left < 0 {
		left = 0
	}
	late := now.After(p.shown.Deadline)
	// A check answered a day late needs its lateness stated, not shouted
	// across a card it would not fit on.
	p.countdown.TextSize = countdownSize
	if late && now.Sub(p.shown.Deadline) >= time.Hour {
		p.countdown.TextSize = countdownSize / 2
	}
	switch {
	case late:
		p.countdown.Text = lang.L("spotcheck.prompt_overdue", map[string]any{"Time": countdownText(now.Sub(p.shown.Deadline))})
		p.countdown.Color = theme.Color(theme.ColorNameError)
	case left <= 30*time.Second:
		p.countdown.Text = countdownText(left)
		p.countdown.Color = theme.Color(theme.ColorNameError)
	default:
		p.countdown.Text = countdownText(left)
		p.countdown.Color = theme.Color(theme.ColorNameForeground)
	}
	p.countdown.Refresh()
	if p.lateNote.Visible() != late {
		p.lateNote.Hidden = !late
		p.overlay.Refresh()
	}
}

// onAnswer records the answer in the name given; its time decides on
// time or late, by this client's clock.
func (p *spotPrompt) onAnswer() {
	if p.shown == nil || p.answer.Disabled() {
		return
	}
	a := spotcheck.Answer{Check: p.shown.ID, Person: p.name.Text}
	check := spotcheck.Answer{Check: a.Check, Station: p.base.homeID(), Person: a.Person, At: p.u.now()}
	if err := check.Validate(); err != nil {
		p.showError(err)
		return
	}
	p.answer.Disable()
	ctx, svc := p.u.ctx, p.u.svc
	runAsync(func() (spotcheck.Outcome, error) { return svc.SpotChecks.Answer(ctx, &a) }, func(o spotcheck.Outcome, err error) {
		p.answer.Enable()
		switch {
		case app.ErrorCode(err) == app.ECONFLICT:
			p.close()
			p.u.showMessage(lang.L("spotcheck.answered_title"), lang.L("spotcheck.answered_already"))
		case err != nil:
			p.showError(err)
			return
		default:
			p.close()
			p.u.showMessage(lang.L("spotcheck.answered_title"), lang.L("spotcheck.answered", map[string]any{
				"Person": a.Person, "At": a.At.In(p.base.loc).Format("15:04:05"), "Outcome": outcomeLabel(o)}))
		}
		p.u.changed()
	})
}

func (p *spotPrompt) showError(err error) {
	text := errorText(err)
	if app.ErrorCode(err) == app.EINVALID && app.ErrorField(err) == "person" {
		if len([]rune(p.name.Text)) > spotcheck.MaxName {
			text = lang.L("warning.error_name_long", map[string]any{"Max": spotcheck.MaxName})
		} else {
			text = lang.L("spotcheck.error_name_required")
		}
	}
	p.err.SetText(text)
	p.err.Show()
	p.overlay.Refresh()
}

// arrived is a check as this station's prompt shows it: its deadline
// counted from the check's arrival here (the time to answer starts when
// the check reaches the desk, not when it was made), with its limit.
type arrived struct {
	check spotcheck.Check
	limit time.Duration
}

func arrivedCheck(r *spotcheck.Record) arrived {
	a := arrived{check: r.Check, limit: r.Check.Limit()}
	if due, ok := r.Due(); ok {
		a.check.Deadline = due
	}
	return a
}
