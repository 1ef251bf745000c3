package ui

import (
	"strings"
	"time"
	"unicode/utf8"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"dutyroom/app"
	"dutyroom/app/warning"
)

// levelChip is one of the four colours to choose a warning's level by.
// The chosen one is filled with its colour; the others are outlined in
// theirs, so the choice reads at a glance.
type levelChip struct {
	widget.BaseWidget
	level    warning.Level
	selected bool
	disabled bool
	focused  bool
	onTap    func(warning.Level)
	rect     *canvas.Rectangle
	text     *canvas.Text
}

func newLevelChip(l warning.Level, onTap func(warning.Level)) *levelChip {
	c := &levelChip{level: l, onTap: onTap, rect: canvas.NewRectangle(warningColor(l)), text: canvas.NewText(warningLevelLabel(l), warningTextColor(l))}
	c.rect.CornerRadius = theme.InputRadiusSize()
	c.text.TextStyle.Bold = true
	c.text.Alignment = fyne.TextAlignCenter
	c.ExtendBaseWidget(c)
	c.look()
	return c
}

func (c *levelChip) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(container.NewStack(c.rect, container.NewPadded(container.NewPadded(c.text))))
}

func (c *levelChip) look() {
	col := warningColor(c.level)
	switch {
	case c.selected:
		c.rect.FillColor, c.rect.StrokeWidth = col, 0
		c.text.Color = warningTextColor(c.level)
	default:
		c.rect.FillColor, c.rect.StrokeColor, c.rect.StrokeWidth = theme.Color(theme.ColorNameInputBackground), col, 2
		c.text.Color = theme.Color(theme.ColorNameForeground)
	}
	if c.focused {
		c.rect.StrokeColor, c.rect.StrokeWidth = theme.Color(theme.ColorNameFocus), 3
	}
	if c.disabled {
		c.text.Color = theme.Color(theme.ColorNameDisabled)
	}
	c.rect.Refresh()
	c.text.Refresh()
}

func (c *levelChip) setSelected(on bool) {
	c.selected = on
	c.look()
}

func (c *levelChip) Tapped(*fyne.PointEvent) {
	if !c.disabled && c.onTap != nil {
		c.onTap(c.level)
	}
}

// The chips take the keyboard, so the form is filled without a mouse.
func (c *levelChip) FocusGained()     { c.focused = true; c.look() }
func (c *levelChip) FocusLost()       { c.focused = false; c.look() }
func (c *levelChip) TypedRune(r rune) {}
func (c *levelChip) TypedKey(k *fyne.KeyEvent) {
	if k.Name == fyne.KeySpace || k.Name == fyne.KeyReturn || k.Name == fyne.KeyEnter {
		c.Tapped(nil)
	}
}

// warningForm is 发布预警: what an upper station fills in to warn every
// station below it. A refusal shows beside the field at fault.
type warningForm struct {
	s    *warningScreen
	base alertBase

	level    warning.Level
	chips    []*levelChip
	levelBox *fyne.Container
	typ      *widget.Select
	types    map[string]warning.Type
	area     *shortcutEntry
	from     *shortcutEntry
	until    *shortcutEntry
	quick    []*widget.Button
	text     *shortcutEntry
	issuedBy *shortcutEntry
	issue    *widget.Button
	clear    *widget.Button
	errs     map[string]*widget.Label
	note     *widget.Label
	reach    *widget.Label // whether the hub is reachable, and what issuing offline means
	done     *notice
	content  fyne.CanvasObject

	canIssue  bool
	signTyped bool // the signer was typed, not filled in from the roster
	quiet     bool
}

// quickHours are the usual validities, offered as one tap each.
var quickHours = []int{12, 24, 72}

func newWarningForm(s *warningScreen) *warningForm {
	f := &warningForm{s: s, types: map[string]warning.Type{}, errs: map[string]*widget.Label{}}
	for _, field := range []string{"", "level", "type", "area", "valid_from", "valid_until", "text", "issued_by"} {
		f.errs[field] = errorLabel()
	}
	for _, l := range warning.Levels {
		f.chips = append(f.chips, newLevelChip(l, f.onLevel))
	}
	var typeOptions []string
	for _, t := range warning.Types {
		typeOptions = append(typeOptions, warningTypeLabel(t))
		f.types[warningTypeLabel(t)] = t
	}
	f.typ = widget.NewSelect(typeOptions, func(string) { f.clearError("type") })
	f.typ.PlaceHolder = lang.L("warning.type_placeholder")
	f.area = f.entry("area")
	f.area.SetPlaceHolder(lang.L("warning.area_placeholder"))
	f.from = f.entry("valid_from")
	f.from.SetPlaceHolder(lang.L("warning.valid_from_empty"))
	f.until = f.entry("valid_until")
	f.until.SetPlaceHolder("2026-07-15 18:00")
	for _, h := range quickHours {
		f.quick = append(f.quick, widget.NewButton(lang.L("warning.hours", map[string]any{"Hours": h}), func() { f.onQuick(h) }))
	}
	f.text = f.entry("text")
	f.text.MultiLine = true
	f.text.Wrapping = fyne.TextWrapWord
	f.text.SetMinRowsVisible(4)
	f.text.SetPlaceHolder(lang.L("warning.text_placeholder"))
	f.issuedBy = f.entry("issued_by")
	f.issuedBy.SetPlaceHolder(lang.L("warning.issued_by_placeholder"))
	f.issuedBy.OnChanged = func(string) {
		f.clearError("issued_by")
		if !f.quiet {
			f.signTyped = true
		}
	}
	f.issuedBy.OnSubmitted = func(string) { f.onIssue() }
	f.issue = widget.NewButtonWithIcon(lang.L("warning.issue"), theme.MailSendIcon(), f.onIssue)
	f.issue.Importance = widget.HighImportance
	f.clear = widget.NewButton(lang.L("warning.clear"), f.onClear)
	f.note = widget.NewLabel("")
	f.note.Wrapping = fyne.TextWrapWord
	f.done = newNotice()

	f.levelBox = container.NewHBox()
	for _, c := range f.chips {
		f.levelBox.Add(c)
	}
	quick := container.NewHBox()
	for _, b := range f.quick {
		quick.Add(b)
	}
	form := widget.NewForm(
		widget.NewFormItem(lang.L("warning.level"), f.withError("level", f.levelBox)),
		widget.NewFormItem(lang.L("warning.type"), f.withError("type", f.typ)),
		widget.NewFormItem(lang.L("warning.area"), f.withError("area", f.area)),
		widget.NewFormItem(lang.L("warning.valid_from"), f.withError("valid_from", f.from)),
		widget.NewFormItem(lang.L("warning.valid_until"),
			container.NewBorder(nil, nil, nil, quick, f.withError("valid_until", f.until))),
		widget.NewFormItem(lang.L("warning.text"), f.withError("text", f.text)),
		widget.NewFormItem(lang.L("warning.issued_by"), f.withError("issued_by", f.issuedBy)),
	)
	f.done.parent = form
	buttons := container.NewHBox(f.done.label, layout.NewSpacer(), f.clear, f.issue)
	f.reach = f.s.u.newReachNote(false)
	f.content = container.NewVScroll(container.NewPadded(container.NewVBox(f.note, f.reach, form, f.errs[""], buttons)))
	f.reset()
	f.enableAll(false)
	return f
}

func (f *warningForm) entry(field string) *shortcutEntry {
	e := newShortcutEntry()
	e.OnChanged = func(string) { f.clearError(field) }
	return e
}

func (f *warningForm) withError(field string, w fyne.CanvasObject) fyne.CanvasObject {
	return container.NewVBox(w, f.errs[field])
}

func (f *warningForm) clearError(field string) {
	if l := f.errs[field]; l.Visible() {
		l.Hide()
		f.content.Refresh()
	}
}

func (f *warningForm) showError(field, text string) {
	l, ok := f.errs[field]
	if !ok {
		l = f.errs[""]
	}
	l.SetText(text)
	l.Show()
	f.content.Refresh()
}

func (f *warningForm) clearErrors() {
	for _, l := range f.errs {
		l.Hide()
	}
}

func (f *warningForm) onLevel(l warning.Level) {
	f.level = l
	for _, c := range f.chips {
		c.setSelected(c.level == l)
	}
	f.clearError("level")
}

// setBase takes the station just read: only a duty room with stations
// below it issues warnings.
func (f *warningForm) setBase(b alertBase) {
	f.base = b
	switch {
	case b.home == nil:
		f.canIssue = false
		f.note.Importance = widget.WarningImportance
		f.note.SetText(noHomeText())
	case warning.CanIssue(b.tree, b.home.ID) != nil:
		f.canIssue = false
		f.note.Importance = widget.WarningImportance
		f.note.SetText(lang.L("warning.cannot_issue", map[string]any{"Station": b.home.Name}))
	default:
		f.canIssue = true
		f.note.Importance = widget.LowImportance
		f.note.SetText(lang.L("warning.issue_note", map[string]any{"Count": recipientsOf(b)}))
	}
	f.enableAll(f.canIssue)
	if f.canIssue {
		f.fillSigner()
	}
}

func (f *warningForm) enableAll(on bool) {
	for _, w := range []fyne.Disableable{f.typ, f.area, f.from, f.until, f.text, f.issuedBy, f.issue, f.clear} {
		enable(w, on)
	}
	for _, b := range f.quick {
		enable(b, on)
	}
	for _, c := range f.chips {
		c.disabled = !on
		c.look()
	}
}

// fillSigner puts the leader on duty in as the signer, unless a name was
// typed.
func (f *warningForm) fillSigner() {
	ctx, onDuty, author := f.s.u.ctx, f.s.u.status.onDuty, f.s.u.author()
	runAsync(func() (string, error) { return signingName(onDutyNow(ctx, onDuty), author), nil }, func(name string, _ error) {
		if !f.signTyped {
			f.quiet = true
			f.issuedBy.SetText(name)
			f.quiet = false
		}
	})
}

// reset empties the form for the next warning. The validity is left
// empty: it runs from when the warning is issued for a day, taken when
// 发布 is pressed, not when the window opened hours before.
func (f *warningForm) reset() {
	f.onLevel("")
	f.typ.ClearSelected()
	f.area.SetText("")
	f.from.SetText("")
	f.until.SetText("")
	f.until.SetPlaceHolder(lang.L("warning.valid_until_empty"))
	f.text.SetText("")
	f.clearErrors()
}

func (f *warningForm) loc() *time.Location {
	if f.base.loc == nil {
		return (&app.Station{}).Location()
	}
	return f.base.loc
}

func (f *warningForm) onClear() {
	f.reset()
	f.signTyped = false
	f.fillSigner()
}

// onQuick sets the end of validity so many hours after its start.
func (f *warningForm) onQuick(hours int) {
	from, err := parseEntryTime(f.from.Text, f.loc())
	if err != nil || from.IsZero() {
		from = f.s.u.now()
	}
	f.until.SetText(formatEntryTime(from.Add(time.Duration(hours)*time.Hour), f.loc()))
}

// read builds the warning from the form, or says which field cannot be read.
func (f *warningForm) read() (warning.Warning, string, string) {
	w := warning.Warning{Level: f.level, Type: f.types[f.typ.Selected], Area: f.area.Text, Text: f.text.Text, IssuedBy: f.issuedBy.Text}
	var err error
	if w.ValidFrom, err = parseEntryTime(f.from.Text, f.loc()); err != nil {
		return w, "valid_from", lang.L("warning.error_time_format", map[string]any{"Example": "2026-07-14 18:00"})
	}
	if w.ValidUntil, err = parseEntryTime(f.until.Text, f.loc()); err != nil {
		return w, "valid_until", lang.L("warning.error_time_format", map[string]any{"Example": "2026-07-15 18:00"})
	}
	if w.ValidUntil.IsZero() {
		from := w.ValidFrom
		if from.IsZero() {
			from = f.s.u.now()
		}
		w.ValidUntil = from.Add(24 * time.Hour)
	}
	return w, "", ""
}

// onIssue checks the form as the service will, asks before the warning
// goes to every station below, and issues it.
func (f *warningForm) onIssue() {
	if !f.canIssue || f.issue.Disabled() {
		return
	}
	f.clearErrors()
	w, field, text := f.read()
	if field != "" {
		f.showError(field, text)
		return
	}
	// Run the domain's checks now, so a mistake shows before the
	// question; the service runs them again on what it stores.
	check := w
	check.ID, check.Issuer, check.IssuedAt = app.NewID(), f.base.home.ID, f.s.u.now()
	if check.ValidFrom.IsZero() {
		check.ValidFrom = check.IssuedAt
	}
	if err := check.Validate(); err != nil {
		f.showError(app.ErrorField(err), warningErrorText(err, &check))
		return
	}
	reach, _ := reachText(f.s.u.hubStatusNow())
	msg := widget.NewLabel(lang.L("warning.confirm_text", map[string]any{"Title": warningTitle(&w), "Count": recipientsOf(f.base)}) + "\n" + reach)
	msg.Wrapping = fyne.TextWrapWord
	d := dialog.NewCustomConfirm(lang.L("warning.confirm_title"), lang.L("warning.issue"), lang.L("action.cancel"), msg,
		func(ok bool) {
			if ok {
				f.send(w)
			}
		}, f.s.u.win)
	d.Resize(fyne.NewSize(440, 0))
	d.Show()
}

func (f *warningForm) send(w warning.Warning) {
	f.issue.Disable()
	ctx, svc := f.s.u.ctx, f.s.u.svc
	runAsync(func() (warning.Warning, error) {
		err := svc.Warnings.Issue(ctx, &w)
		return w, err
	}, func(w warning.Warning, err error) {
		f.issue.Enable()
		if err != nil {
			f.showError(app.ErrorField(err), warningErrorText(err, &w))
			return
		}
		f.done.show(lang.L("warning.issued", map[string]any{"Title": warningTitle(&w)}) + f.s.u.sentNote())
		f.reset()
		f.s.issued.selected = w.ID
		f.s.tabs.SelectIndex(warningTabIssued)
		f.s.u.changed()
	})
}

// warningErrorText says what is wrong with the warning w as entered. The
// domain names the field; the values tell which of its rules was broken.
func warningErrorText(err error, w *warning.Warning) string {
	if app.ErrorCode(err) != app.EINVALID {
		return errorText(err)
	}
	switch app.ErrorField(err) {
	case "level":
		return lang.L("warning.error_level")
	case "type":
		return lang.L("warning.error_type")
	case "area":
		return lang.L("warning.error_area_long", map[string]any{"Max": warning.MaxArea})
	case "text":
		if strings.TrimSpace(w.Text) == "" {
			return lang.L("warning.error_text_required")
		}
		return lang.L("warning.error_text_long", map[string]any{"Max": warning.MaxText})
	case "issued_by":
		if utf8.RuneCountInString(strings.TrimSpace(w.IssuedBy)) > warning.MaxName {
			return lang.L("warning.error_name_long", map[string]any{"Max": warning.MaxName})
		}
		return lang.L("warning.error_issuer_required")
	case "valid_from":
		return lang.L("warning.error_from_required")
	case "valid_until":
		switch {
		case w.ValidUntil.IsZero():
			return lang.L("warning.error_until_required")
		case !w.ValidUntil.After(w.ValidFrom):
			return lang.L("warning.error_until_before_from")
		case !w.IssuedAt.IsZero() && !w.ValidUntil.After(w.IssuedAt):
			return lang.L("warning.error_until_passed")
		case w.ValidUntil.Sub(w.ValidFrom) > warning.MaxValidity:
			return lang.L("warning.error_until_too_long", map[string]any{"Days": int(warning.MaxValidity / (24 * time.Hour))})
		}
		return lang.L("warning.error_until_passed")
	}
	return app.ErrorMessage(err)
}
