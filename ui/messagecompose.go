package ui

import (
	"context"
	"mime"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"dutyroom/app"
	"dutyroom/app/message"
)

// attachmentExts are the files a duty room sends: photos of the scene,
// scanned documents, Word and Excel (and WPS, which many offices use).
var attachmentExts = []string{".jpg", ".jpeg", ".png", ".gif", ".bmp", ".pdf",
	".doc", ".docx", ".xls", ".xlsx", ".wps", ".et"}

// Ways a message or notice is addressed.
const (
	toOneStation = iota
	toSubordinates
)

// composeDialog writes a new message: to one station above or below, to
// every station directly below, or a direct report up to any station
// above, which copies the levels it skips. Errors show beside the field
// at fault; nothing typed is lost by a refusal.
type composeDialog struct {
	s    *messageScreen
	base messageBase

	kind       *widget.RadioGroup
	kinds      []message.Kind // in the order of kind's options
	mode       *widget.RadioGroup
	station    app.ID
	stationAt  *widget.Label
	choose     *widget.Button
	oneRow     *fyne.Container
	subs       *widget.Label
	reportTo   *widget.Select
	ancestors  []*app.Station // nearest first, as reportTo lists them
	autoCC     *widget.Label
	toArea     *fyne.Container
	ackBy      *shortcutEntry
	subject    *shortcutEntry
	text       *shortcutEntry
	files      []chosenFile
	fileList   *fyne.Container
	addFile    *widget.Button
	fileHint   *widget.Label
	attachArea *fyne.Container
	errs       map[string]*widget.Label
	send       *widget.Button
	content    fyne.CanvasObject
	dlg        *dialog.CustomDialog
}

func newComposeDialog(s *messageScreen) *composeDialog {
	c := &composeDialog{s: s, base: s.base, errs: map[string]*widget.Label{}}
	for _, field := range []string{"", "kind", "to", "ack_by", "subject", "text", "attachments"} {
		c.errs[field] = errorLabel()
	}
	c.kinds = []message.Kind{message.KindMessage, message.KindNotice, message.KindDirectReport}
	var kindOptions []string
	for _, k := range c.kinds {
		kindOptions = append(kindOptions, messageKindLabel(k))
	}
	c.kind = widget.NewRadioGroup(kindOptions, func(string) { c.onKindChanged() })
	c.kind.Horizontal = true
	c.kind.Required = true
	c.mode = widget.NewRadioGroup([]string{lang.L("message.to_station"), lang.L("message.to_subordinates")},
		func(string) { c.clearError("to"); c.showTo() })
	c.mode.Horizontal = true
	c.mode.Required = true

	c.stationAt = widget.NewLabel(lang.L("message.station_none"))
	c.stationAt.Truncation = fyne.TextTruncateEllipsis
	c.choose = widget.NewButton(lang.L("message.choose_station"), c.onChooseStation)
	c.oneRow = container.NewBorder(nil, nil, nil, c.choose, c.stationAt)
	c.subs = widget.NewLabel("")
	c.subs.Wrapping = fyne.TextWrapWord

	b := c.base
	c.ancestors = b.tree.Ancestors(b.self())
	var reportOptions []string
	for i, a := range c.ancestors {
		if i == 0 {
			reportOptions = append(reportOptions, lang.L("message.report_parent", map[string]any{"Station": a.Name}))
		} else {
			reportOptions = append(reportOptions, a.Name)
		}
	}
	c.reportTo = widget.NewSelect(reportOptions, func(string) { c.clearError("to"); c.showAutoCC() })
	c.reportTo.PlaceHolder = lang.L("message.report_placeholder")
	c.autoCC = widget.NewLabel("")
	c.autoCC.Wrapping = fyne.TextWrapWord
	c.autoCC.Importance = widget.WarningImportance
	c.toArea = container.NewVBox()

	c.ackBy = newShortcutEntry()
	c.ackBy.SetPlaceHolder(lang.L("message.ack_by_placeholder"))
	c.ackBy.OnChanged = func(string) { c.clearError("ack_by") }
	c.subject = newShortcutEntry()
	c.subject.SetPlaceHolder(lang.L("message.subject_placeholder"))
	c.subject.OnChanged = func(string) { c.clearError("subject") }
	c.text = newShortcutMultiLineEntry()
	c.text.Wrapping = fyne.TextWrapWord
	c.text.SetMinRowsVisible(5)
	c.text.SetPlaceHolder(lang.L("message.text_placeholder"))
	c.text.OnChanged = func(string) { c.clearError("text") }

	c.fileList = container.NewVBox()
	c.addFile = widget.NewButtonWithIcon(lang.L("message.attach"), theme.ContentAddIcon(), c.onAddFile)
	c.fileHint = hintLabel(lang.L("message.attach_hint", map[string]any{"Limit": formatSize(c.maxAttachment())}))
	c.attachArea = container.NewVBox(c.fileList, container.NewBorder(nil, nil, c.addFile, nil, c.fileHint))

	c.send = widget.NewButtonWithIcon(lang.L("message.send"), theme.MailSendIcon(), c.onSend)
	c.send.Importance = widget.HighImportance
	cancel := widget.NewButton(lang.L("action.cancel"), func() { c.dlg.Hide() })

	form := widget.NewForm(
		widget.NewFormItem(lang.L("message.kind"), c.withError("kind", c.kind)),
		widget.NewFormItem(lang.L("message.to"), c.withError("to", c.toArea)),
		widget.NewFormItem(lang.L("message.ack_by"), c.withError("ack_by", c.ackBy)),
		widget.NewFormItem(lang.L("message.subject"), c.withError("subject", c.subject)),
		widget.NewFormItem(lang.L("message.text"), c.withError("text", c.text)),
		widget.NewFormItem(lang.L("message.attachments"), c.withError("attachments", c.attachArea)),
	)
	// Whether the hub is reachable, and what sending offline means.
	c.content = container.NewBorder(s.u.reachNoteNow(), c.errs[""], nil, nil, container.NewVScroll(form))
	c.dlg = dialog.NewCustomWithoutButtons(lang.L("message.compose_title"), c.content, s.u.win)
	c.dlg.SetButtons([]fyne.CanvasObject{cancel, c.send})
	c.dlg.Resize(fyne.NewSize(720, 600))

	c.mode.SetSelected(c.mode.Options[toOneStation])
	c.kind.SetSelected(kindOptions[0])
	return c
}

func (c *composeDialog) show() {
	c.dlg.Show()
	c.s.u.win.Canvas().Focus(c.text)
}

func (c *composeDialog) withError(field string, w fyne.CanvasObject) fyne.CanvasObject {
	return container.NewVBox(w, c.errs[field])
}

func (c *composeDialog) showError(field, text string) {
	l, ok := c.errs[field]
	if !ok {
		l = c.errs[""]
	}
	l.SetText(text)
	l.Show()
}

func (c *composeDialog) clearError(field string) {
	if l, ok := c.errs[field]; ok {
		l.Hide()
	}
}

func (c *composeDialog) maxAttachment() int64 { return c.base.limits.MaxAttachmentBytes() }

func (c *composeDialog) selectedKind() message.Kind {
	for i, o := range c.kind.Options {
		if o == c.kind.Selected {
			return c.kinds[i]
		}
	}
	return message.KindMessage
}

func (c *composeDialog) onKindChanged() {
	c.clearError("to")
	c.clearError("ack_by")
	notice := c.selectedKind() == message.KindNotice
	enable(c.ackBy, notice)
	if !notice {
		c.ackBy.SetText("")
	}
	// A notice goes down only: a station chosen above no longer fits.
	if notice && c.station != app.NilID && !c.base.tree.IsWithin(c.station, c.base.self()) {
		c.station = app.NilID
		c.showStation()
	}
	c.showTo()
}

// showTo lays out the addressing that fits the kind: a direct report
// names a station above and shows the copies it will carry; a message or
// notice goes to one station or to every station directly below.
func (c *composeDialog) showTo() {
	if c.selectedKind() == message.KindDirectReport {
		c.toArea.Objects = []fyne.CanvasObject{c.reportTo, c.autoCC}
		c.showAutoCC()
	} else {
		c.toArea.Objects = []fyne.CanvasObject{c.mode}
		if c.mode.Selected == c.mode.Options[toSubordinates] {
			c.toArea.Add(c.subs)
			c.showSubordinates()
		} else {
			c.toArea.Add(c.oneRow)
		}
	}
	c.toArea.Refresh()
}

func (c *composeDialog) showSubordinates() {
	children := c.base.tree.Children(c.base.self())
	if len(children) == 0 {
		c.subs.SetText("")
		c.showError("to", lang.L("message.error_no_subordinates"))
		return
	}
	ids := make([]app.ID, len(children))
	for i, ch := range children {
		ids[i] = ch.ID
	}
	c.subs.SetText(lang.L("message.subordinates_list", map[string]any{"List": c.base.stationNames(ids), "Count": len(ids)}))
}

func (c *composeDialog) reportTarget() *app.Station {
	i := c.reportTo.SelectedIndex()
	if i < 0 || i >= len(c.ancestors) {
		return nil
	}
	return c.ancestors[i]
}

// showAutoCC says which levels a direct report will be copied to, before
// it is sent: the person reporting sees that the county is not bypassed.
func (c *composeDialog) showAutoCC() {
	if len(c.ancestors) == 0 {
		c.autoCC.SetText("")
		c.showError("to", lang.L("message.error_no_ancestors"))
		return
	}
	to := c.reportTarget()
	if to == nil {
		c.autoCC.SetText(lang.L("message.auto_cc_hint"))
		return
	}
	addr, err := message.DirectReport(c.base.tree, c.base.self(), to.ID)
	switch {
	case err != nil:
		c.autoCC.SetText("")
		c.showError("to", app.ErrorMessage(err))
	case len(addr.CC) == 0:
		c.autoCC.SetText(lang.L("message.auto_cc_none"))
	default:
		c.autoCC.SetText(lang.L("message.auto_cc", map[string]any{"List": c.base.stationNames(addr.CC)}))
	}
}

// The station picker offers the stations this one may write to: those
// above it and below it, or for a notice only those below.
func (c *composeDialog) onChooseStation() {
	b := c.base
	self := b.self()
	notice := c.selectedKind() == message.KindNotice
	var reachable []app.Station
	for _, id := range b.tree.Ancestors(self) {
		if !notice {
			reachable = append(reachable, *id)
		}
	}
	var below func(id app.ID)
	below = func(id app.ID) {
		for _, ch := range b.tree.Children(id) {
			reachable = append(reachable, *ch)
			below(ch.ID)
		}
	}
	reachable = append(reachable, *b.home)
	below(self)
	sortStations(reachable)
	newStationPicker(c.s.u.win, app.NewTree(reachable), lang.L("message.choose_station_title"), c.station, c.onStationChosen).show()
}

func (c *composeDialog) onStationChosen(st *app.Station) {
	if text := addressProblem(c.base, c.selectedKind(), st.ID); text != "" {
		c.showError("to", text)
		return
	}
	c.clearError("to")
	c.station = st.ID
	c.showStation()
}

func (c *composeDialog) showStation() {
	if c.station == app.NilID {
		c.stationAt.SetText(lang.L("message.station_none"))
		c.stationAt.Importance = widget.LowImportance
	} else {
		c.stationAt.SetText(c.base.tree.Path(c.station))
		c.stationAt.Importance = widget.MediumImportance
	}
	c.stationAt.Refresh()
}

// address works out the recipients as chosen, or says beside the field
// why they cannot be.
func (c *composeDialog) address() (message.Address, bool) {
	b, kind := c.base, c.selectedKind()
	self := b.self()
	var (
		addr message.Address
		err  error
	)
	switch {
	case kind == message.KindDirectReport:
		to := c.reportTarget()
		if to == nil {
			c.showError("to", lang.L("message.error_report_to_required"))
			return addr, false
		}
		addr, err = message.DirectReport(b.tree, self, to.ID)
	case c.mode.Selected == c.mode.Options[toSubordinates]:
		n := len(b.tree.Children(self))
		switch {
		case n == 0:
			c.showError("to", lang.L("message.error_no_subordinates"))
			return addr, false
		case n > message.MaxRecipients:
			c.showError("to", lang.L("message.error_too_many", map[string]any{"Count": n, "Max": message.MaxRecipients}))
			return addr, false
		}
		addr, err = message.ToSubordinates(b.tree, self)
	default:
		if c.station == app.NilID {
			c.showError("to", lang.L("message.error_to_required"))
			return addr, false
		}
		if text := addressProblem(b, kind, c.station); text != "" {
			c.showError("to", text)
			return addr, false
		}
		addr, err = message.ToStation(b.tree, self, c.station)
	}
	if err != nil {
		c.showError("to", app.ErrorMessage(err))
		return addr, false
	}
	return addr, true
}

func (c *composeDialog) onSend() {
	for field := range c.errs {
		c.clearError(field)
	}
	addr, ok := c.address()
	kind := c.selectedKind()
	m := &message.Message{From: c.base.self(), To: addr.To, CC: addr.CC, Kind: kind,
		Subject: c.subject.Text, Text: c.text.Text}
	switch {
	case strings.TrimSpace(m.Text) == "":
		c.showError("text", lang.L("message.error_text_required"))
		ok = false
	case kind == message.KindNotice && strings.TrimSpace(m.Subject) == "":
		c.showError("subject", lang.L("message.error_subject_required"))
		ok = false
	}
	if kind == message.KindNotice {
		at, err := parseEntryTime(c.ackBy.Text, c.base.location())
		switch {
		case err != nil:
			c.showError("ack_by", lang.L("message.error_ack_by_format"))
			ok = false
		case !at.IsZero() && !at.After(c.s.u.now()):
			c.showError("ack_by", lang.L("message.error_ack_by_past"))
			ok = false
		case !at.IsZero():
			m.AckBy = &at
		}
	}
	if !ok {
		return
	}
	ctx, svc, chosen := c.s.u.ctx, c.s.u.svc.Messages, c.files
	c.send.Disable()
	runAsync(func() (*message.Message, error) { return m, sendWithFiles(ctx, svc, m, chosen) }, c.onSent)
}

func (c *composeDialog) onSent(m *message.Message, err error) {
	c.send.Enable()
	if err != nil {
		field := app.ErrorField(err)
		switch field {
		case "cc":
			field = "to"
		case "from", "sent_at", "author":
			field = ""
		}
		if app.ErrorCode(err) != app.EINVALID {
			field = ""
		}
		c.showError(field, messageErrorText(c.base, err, m))
		return
	}
	c.dlg.Hide()
	c.s.sent(m)
}

// Attachments.

func (c *composeDialog) onAddFile() {
	c.s.chooseOpen(attachmentExts, func(r fyne.URIReadCloser, err error) {
		if err != nil {
			c.showError("attachments", errorText(err))
			return
		}
		if r == nil {
			return
		}
		path := r.URI().Path()
		r.Close()
		c.addChosenFile(path)
	})
}

// addChosenFile lists a file to send. One over the limit is refused at
// once, beside the field, before anything is read.
func (c *composeDialog) addChosenFile(path string) {
	info, err := os.Stat(path)
	if err != nil {
		c.showError("attachments", lang.L("message.error_attachment_read", map[string]any{"Name": filepath.Base(path)}))
		return
	}
	switch {
	case info.Size() > c.maxAttachment():
		c.showError("attachments", lang.L("message.error_attachment_size", map[string]any{
			"Name": info.Name(), "Size": formatSize(info.Size()), "Limit": formatSize(c.maxAttachment())}))
		return
	case len(c.files) >= message.MaxAttachments:
		c.showError("attachments", lang.L("message.error_attachment_count", map[string]any{"Max": message.MaxAttachments}))
		return
	}
	c.clearError("attachments")
	c.files = append(c.files, chosenFile{path: path, name: info.Name(), size: info.Size()})
	c.showFiles()
}

func (c *composeDialog) showFiles() {
	c.fileList.Objects = nil
	for i, f := range c.files {
		remove := widget.NewButtonWithIcon("", theme.DeleteIcon(), func() { c.removeFile(i) })
		remove.Importance = widget.LowImportance
		name := widget.NewLabel(lang.L("message.attachment_line", map[string]any{"Name": f.name, "Size": formatSize(f.size)}))
		name.Truncation = fyne.TextTruncateEllipsis
		c.fileList.Add(container.NewBorder(nil, nil, nil, remove, name))
	}
	c.fileList.Refresh()
}

func (c *composeDialog) removeFile(i int) {
	if i < len(c.files) {
		c.files = append(c.files[:i], c.files[i+1:]...)
		c.clearError("attachments")
		c.showFiles()
	}
}

// sendWithFiles opens the chosen files for the service to read as it
// stores them, and closes them afterwards.
func sendWithFiles(ctx context.Context, svc message.Service, m *message.Message, chosen []chosenFile) error {
	files := make([]message.File, 0, len(chosen))
	for _, f := range chosen {
		fh, err := os.Open(f.path)
		if err != nil {
			return app.FieldErrorf("attachments", "cannot open %s: %v", f.name, err)
		}
		defer fh.Close()
		files = append(files, message.File{Name: f.name, MIME: mime.TypeByExtension(strings.ToLower(filepath.Ext(f.name))),
			Size: f.size, Content: fh})
	}
	return svc.Send(ctx, m, files)
}

// addressProblem says why this station may not send a message of kind to
// a station, in the words of the screen; "" when it may.
func addressProblem(b messageBase, kind message.Kind, to app.ID) string {
	self := b.self()
	st := b.tree.Station(to)
	switch {
	case st == nil:
		return lang.L("message.error_to_required")
	case to == self:
		return lang.L("message.error_to_self")
	case kind == message.KindNotice && !b.tree.IsWithin(to, self):
		return lang.L("message.error_notice_down", map[string]any{"Station": st.Name})
	case message.MayAddress(b.tree, self, to) == nil:
		return ""
	case b.home != nil && st.Parent == b.home.Parent:
		return lang.L("message.error_to_sibling", map[string]any{"Station": st.Name, "Parent": b.stationName(st.Parent)})
	}
	return lang.L("message.error_to_other", map[string]any{"Station": st.Name})
}

// addressErrorText is the screen's sentence for an addressing refusal
// from the message package, whose own words name the rule.
func addressErrorText(err error) string {
	if app.ErrorCode(err) != app.EINVALID {
		return errorText(err)
	}
	return app.ErrorMessage(err)
}

// messageErrorText says what is wrong with m as entered. The domain names
// the field; the message as typed tells which of the field's rules it
// broke.
func messageErrorText(b messageBase, err error, m *message.Message) string {
	if app.ErrorCode(err) != app.EINVALID {
		return errorText(err)
	}
	switch app.ErrorField(err) {
	case "text":
		if strings.TrimSpace(m.Text) == "" {
			return lang.L("message.error_text_required")
		}
		if utf8.RuneCountInString(strings.TrimSpace(m.Text)) > message.MaxTextRunes {
			return lang.L("message.error_text_long", map[string]any{"Max": message.MaxTextRunes})
		}
	case "subject":
		switch {
		case strings.TrimSpace(m.Subject) == "":
			return lang.L("message.error_subject_required")
		case utf8.RuneCountInString(strings.TrimSpace(m.Subject)) > message.MaxSubjectRunes:
			return lang.L("message.error_subject_long", map[string]any{"Max": message.MaxSubjectRunes})
		}
	case "ack_by":
		return lang.L("message.error_ack_by_past")
	case "to", "cc":
		return addressErrorText(err)
	}
	return app.ErrorMessage(err)
}
