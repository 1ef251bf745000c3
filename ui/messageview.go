package ui

import (
	"context"
	"slices"
	"strings"
	"time"
	"unicode"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"dutyroom/app"
	"dutyroom/app/attachment"
	"dutyroom/app/message"
)

// messageData is one message with what hangs on it here: the receipts
// this station knows of, who has acknowledged a notice it sent, and how
// much of each attachment has arrived.
type messageData struct {
	m        message.Message
	receipts []message.Receipt
	ack      *message.AckStatus
	files    []attachmentInfo // in the order of m.Attachments
}

type attachmentInfo struct {
	state message.AttachmentState
	known bool // false while not one part has arrived
}

// receipt returns the receipt of one station, zero when it has none.
func (d *messageData) receipt(station app.ID) message.Receipt {
	for _, r := range d.receipts {
		if r.Station == station {
			return r
		}
	}
	return message.Receipt{Message: d.m.ID, Station: station}
}

// awaitsAck reports whether this station still owes an acknowledgement.
func (d *messageData) awaitsAck(self app.ID) bool {
	return d.m.Kind == message.KindNotice && slices.Contains(d.m.To, self) && d.receipt(self).Acked.IsZero()
}

// loadMessageData reads what hangs on each message of list, newest first
// as the service pages them, and returns them oldest first, as a thread
// is read.
func loadMessageData(ctx context.Context, svc message.Service, self app.ID, list []message.Message) ([]messageData, error) {
	out := make([]messageData, len(list))
	for i, m := range list {
		d := messageData{m: m}
		mine := m.From == self
		if mine || (m.Kind == message.KindNotice && slices.Contains(m.To, self)) {
			r, err := svc.Receipts(ctx, m.ID)
			if err != nil {
				return nil, err
			}
			d.receipts = r
		}
		if mine && m.Kind == message.KindNotice {
			st, err := svc.AckStatus(ctx, m.ID)
			if err != nil {
				return nil, err
			}
			d.ack = &st
		}
		for _, a := range m.Attachments {
			st, err := svc.AttachmentState(ctx, a.SHA256)
			switch {
			case app.ErrorCode(err) == app.ENOTFOUND:
				d.files = append(d.files, attachmentInfo{})
			case err != nil:
				return nil, err
			default:
				d.files = append(d.files, attachmentInfo{state: st, known: true})
			}
		}
		out[len(list)-1-i] = d
	}
	return out, nil
}

// conversationPage is a reading of the newest messages of a thread.
type conversationPage struct {
	msgs   []messageData // oldest first
	more   bool          // older messages remain
	target int           // index of the message asked for, -1 if none
	marked int           // messages marked read on the way
}

// maxTargetPages bounds the paging back to a message a search found: far
// enough for years of a thread, not the whole file.
const maxTargetPages = 100

// readConversation reads the newest count messages of a thread, and pages
// further back until target is among them.
func readConversation(ctx context.Context, svc message.Service, self, conv app.ID, count int, target app.ID) (conversationPage, error) {
	p := conversationPage{target: -1}
	var list []message.Message
	before := app.NilID
	for page := 0; page < maxTargetPages; page++ {
		limit := messagePageSize
		if page == 0 {
			limit = max(count, messagePageSize)
		}
		got, err := svc.Messages(ctx, conv, before, limit)
		if err != nil {
			return p, err
		}
		list = append(list, got...)
		p.more = len(got) == limit
		found := target == app.NilID || slices.ContainsFunc(list, func(m message.Message) bool { return m.ID == target })
		if found || !p.more {
			break
		}
		before = got[len(got)-1].ID
	}
	msgs, err := loadMessageData(ctx, svc, self, list)
	if err != nil {
		return p, err
	}
	p.msgs = msgs
	for i := range msgs {
		if msgs[i].m.ID == target {
			p.target = i
		}
	}
	return p, nil
}

// conversationView is one thread, oldest at the top and newest at the
// bottom, read a page at a time backwards, with a line to reply at the
// foot.
type conversationView struct {
	s            *messageScreen
	conv         app.ID
	participants []app.ID
	msgs         []messageData
	more         bool
	seq          int
	width        float32 // the width the rows were measured at

	sms noticeSMS // the SMS about the notices shown (messagesms.go)

	header    *fyne.Container
	title     *widget.Label
	count     *widget.Label
	notice    *notice
	list      *widget.List
	measurer  *messageRow
	hint      *widget.Label
	reply     *shortcutEntry
	replySend *widget.Button
	replyErr  *widget.Label
	body      *fyne.Container
	content   fyne.CanvasObject
}

func newConversationView(s *messageScreen) *conversationView {
	v := &conversationView{s: s, notice: newNotice()}
	v.title = widget.NewLabel("")
	v.title.TextStyle.Bold = true
	v.title.SizeName = theme.SizeNameSubHeadingText
	v.title.Truncation = fyne.TextTruncateEllipsis
	v.count = widget.NewLabel("")
	v.count.Importance = widget.LowImportance
	v.list = widget.NewList(v.length, v.createRow, v.updateRow)
	v.list.HideSeparators = true
	v.measurer = newMessageRow(v)
	v.hint = hintLabel(lang.L("message.open_hint"))
	v.hint.Alignment = fyne.TextAlignCenter
	v.reply = newShortcutEntry()
	v.reply.SetPlaceHolder(lang.L("message.reply_placeholder"))
	v.reply.OnSubmitted = func(string) { v.onReply() }
	v.reply.OnChanged = func(string) { v.replyErr.Hide() }
	v.replySend = widget.NewButtonWithIcon(lang.L("message.send"), theme.MailSendIcon(), v.onReply)
	v.replyErr = errorLabel()

	header := container.NewBorder(nil, nil, nil, container.NewHBox(v.notice.label, v.count), v.title)
	v.notice.parent = header
	v.header = header
	replyBar := container.NewVBox(widget.NewSeparator(),
		container.NewBorder(nil, nil, nil, v.replySend, v.reply), v.replyErr)
	v.body = container.NewBorder(container.NewVBox(header, widget.NewSeparator()), replyBar, nil, nil,
		container.New(&widthWatch{onWidth: v.onWidth}, v.list))
	// The hint takes the full width: centred at its own size, a wrapping
	// label would be one word wide and as tall as the screen.
	v.content = container.NewStack(v.body, container.NewVBox(layout.NewSpacer(), v.hint, layout.NewSpacer()))
	v.body.Hide()
	return v
}

// open shows a thread: its newest page, or back as far as target, which
// is then scrolled into view. Opening marks the thread read when the
// screen is in view.
func (v *conversationView) open(conv app.ID, participants []app.ID, target app.ID) {
	v.conv, v.participants = conv, participants
	v.msgs, v.more = nil, false
	v.list.Refresh()
	v.title.SetText(v.s.base.conversationTitle(participants))
	v.count.SetText("")
	v.reply.SetText("")
	v.replyErr.Hide()
	v.hint.Hide()
	v.body.Show()
	v.load(messagePageSize, target, true)
}

// reload reads the thread again, as many messages as are shown, after
// something arrived or was sent.
func (v *conversationView) reload() {
	v.load(len(v.msgs), app.NilID, false)
}

func (v *conversationView) load(count int, target app.ID, opening bool) {
	v.seq++
	seq, ctx, svc, self, conv := v.seq, v.s.u.ctx, v.s.u.svc.Messages, v.s.base.self(), v.conv
	read := v.s.visible
	before := v.newestID()
	runAsync(func() (conversationPage, error) {
		marked := 0
		if read {
			n, err := svc.MarkConversationRead(ctx, conv)
			if err != nil {
				return conversationPage{}, err
			}
			marked = n
		}
		p, err := readConversation(ctx, svc, self, conv, count, target)
		p.marked = marked
		return p, err
	}, func(p conversationPage, err error) {
		if seq != v.seq {
			return
		}
		if err != nil {
			v.s.u.showError(err)
			return
		}
		v.msgs, v.more = p.msgs, p.more
		v.show()
		v.loadSMS()
		switch {
		case p.target >= 0:
			v.list.ScrollTo(p.target)
		case opening || v.newestID() != before:
			v.list.ScrollToBottom()
		}
		if p.marked > 0 {
			v.s.alerts.check()
			v.s.loadConversations()
		}
	})
}

func (v *conversationView) newestID() app.ID {
	if len(v.msgs) == 0 {
		return app.NilID
	}
	return v.msgs[len(v.msgs)-1].m.ID
}

// onEarlier reads the page before the oldest message shown and keeps the
// reader where they were.
func (v *conversationView) onEarlier() {
	if len(v.msgs) == 0 || !v.more {
		return
	}
	v.seq++
	seq, ctx, svc, self, conv, before := v.seq, v.s.u.ctx, v.s.u.svc.Messages, v.s.base.self(), v.conv, v.msgs[0].m.ID
	runAsync(func() (conversationPage, error) {
		got, err := svc.Messages(ctx, conv, before, messagePageSize)
		if err != nil {
			return conversationPage{}, err
		}
		msgs, err := loadMessageData(ctx, svc, self, got)
		return conversationPage{msgs: msgs, more: len(got) == messagePageSize}, err
	}, func(p conversationPage, err error) {
		if seq != v.seq {
			return
		}
		if err != nil {
			v.s.u.showError(err)
			return
		}
		v.msgs, v.more = append(p.msgs, v.msgs...), p.more
		v.show()
		v.list.ScrollTo(len(p.msgs))
	})
}

func (v *conversationView) show() {
	v.count.SetText(lang.L("message.count", map[string]any{"Count": len(v.msgs)}))
	v.header.Refresh()
	v.measure(v.width)
	v.list.Refresh()
}

// onWidth measures the rows again when the thread is laid out at a new
// width: wrapped text changes height with it.
func (v *conversationView) onWidth(w float32) {
	if w != v.width {
		v.measure(w)
	}
}

// measure works out the height of every row at width w. A list lays rows
// out by the heights it is told, so they are set before it draws; a row
// measured as it is drawn would overlap the next until the list is laid
// out again.
func (v *conversationView) measure(w float32) {
	v.width = w
	if w <= 0 {
		return
	}
	for i := range v.msgs {
		v.measurer.show(&v.msgs[i], i == 0 && v.more)
		v.list.SetItemHeight(i, v.measurer.heightAt(w))
	}
}

func (v *conversationView) length() int { return len(v.msgs) }

func (v *conversationView) createRow() fyne.CanvasObject { return newMessageRow(v) }

func (v *conversationView) updateRow(id widget.ListItemID, o fyne.CanvasObject) {
	if id < len(v.msgs) {
		o.(*messageRow).show(&v.msgs[id], id == 0 && v.more)
	}
}

// Reply.

// onReply answers the newest message of the thread: to its sender, with
// copies to the others this station may write to.
func (v *conversationView) onReply() {
	text := strings.TrimSpace(v.reply.Text)
	if text == "" || len(v.msgs) == 0 {
		if text == "" {
			v.showReplyError(lang.L("message.error_text_required"))
		}
		return
	}
	b := v.s.base
	addr, err := message.Reply(b.tree, b.self(), &v.msgs[len(v.msgs)-1].m)
	if err != nil {
		v.showReplyError(addressErrorText(err))
		return
	}
	m := &message.Message{From: b.self(), To: addr.To, CC: addr.CC, Kind: message.KindMessage, Text: text}
	ctx, svc := v.s.u.ctx, v.s.u.svc.Messages
	v.replySend.Disable()
	runAsync(func() (*message.Message, error) { return m, svc.Send(ctx, m, nil) }, v.onReplied)
}

func (v *conversationView) onReplied(m *message.Message, err error) {
	v.replySend.Enable()
	if err != nil {
		v.showReplyError(messageErrorText(v.s.base, err, m))
		return
	}
	v.reply.SetText("")
	if m.Conversation() != v.conv {
		// The reply left out someone this station may not write to, so it
		// belongs to a thread of its own.
		v.s.sent(m)
		return
	}
	v.s.u.changed()
	v.reload()
	v.s.loadConversations()
}

func (v *conversationView) showReplyError(text string) {
	v.replyErr.SetText(text)
	v.replyErr.Show()
}

// Acknowledging a notice.

func (v *conversationView) onAcknowledge(d *messageData) {
	newAckDialog(v, d.m.ID).show()
}

// ackDialog asks who acknowledges a notice for the station: the name goes
// back to the sender with the time.
type ackDialog struct {
	v    *conversationView
	id   app.ID
	name *widget.Entry
	err  *widget.Label
	ok   *widget.Button
	dlg  *dialog.CustomDialog
}

func newAckDialog(v *conversationView, id app.ID) *ackDialog {
	a := &ackDialog{v: v, id: id, name: widget.NewEntry(), err: errorLabel()}
	a.name.SetPlaceHolder(lang.L("message.ack_name_placeholder"))
	a.name.SetText(v.s.base.officer)
	if v.s.u.desk.current() != nil || a.name.Text == "" {
		a.name.SetText(v.s.u.author())
	}
	a.name.OnSubmitted = func(string) { a.onOK() }
	a.name.OnChanged = func(string) { a.err.Hide() }
	a.ok = widget.NewButton(lang.L("message.ack"), a.onOK)
	a.ok.Importance = widget.HighImportance
	cancel := widget.NewButton(lang.L("action.cancel"), func() { a.dlg.Hide() })
	form := widget.NewForm(widget.NewFormItem(lang.L("message.ack_name"), container.NewVBox(a.name, a.err)))
	a.dlg = dialog.NewCustomWithoutButtons(lang.L("message.ack_title"), form, v.s.u.win)
	a.dlg.SetButtons([]fyne.CanvasObject{cancel, a.ok})
	a.dlg.Resize(fyne.NewSize(420, 0))
	return a
}

func (a *ackDialog) show() {
	a.dlg.Show()
	a.v.s.u.win.Canvas().Focus(a.name)
}

func (a *ackDialog) onOK() {
	name := strings.TrimSpace(a.name.Text)
	if name == "" {
		a.showError(lang.L("message.error_ack_name_required"))
		return
	}
	ctx, svc, id := a.v.s.u.ctx, a.v.s.u.svc.Messages, a.id
	a.ok.Disable()
	runAsync(func() (struct{}, error) { return struct{}{}, svc.Acknowledge(ctx, id, name) }, a.onDone)
}

func (a *ackDialog) onDone(_ struct{}, err error) {
	a.ok.Enable()
	switch {
	case err == nil, app.ErrorCode(err) == app.ECONFLICT:
		// Acknowledged, here or a moment ago from another desk: either way
		// the sender has it, and the reloaded thread says by whom.
		a.dlg.Hide()
		a.v.s.u.changed()
		a.v.reload()
	case app.ErrorField(err) == "by":
		a.showError(lang.L("message.error_ack_name_long"))
	default:
		a.showError(errorText(err))
	}
}

func (a *ackDialog) showError(text string) {
	a.err.SetText(text)
	a.err.Show()
}

// Saving an attachment.

func (v *conversationView) onSaveAttachment(att message.Attachment) {
	att.Name = attachment.CleanName(att.Name)
	ext := strings.ToLower(fileExt(att.Name))
	var exts []string
	if ext != "" {
		exts = []string{ext}
	}
	v.s.chooseSave(att.Name, exts, func(w fyne.URIWriteCloser, err error) {
		if err != nil {
			v.s.u.showError(err)
			return
		}
		if w == nil {
			return
		}
		ctx, svc := v.s.u.ctx, v.s.u.svc.Messages
		runAsync(func() (string, error) {
			defer w.Close()
			data, err := svc.Attachment(ctx, att.SHA256)
			if err != nil {
				return "", err
			}
			if _, err := w.Write(data); err != nil {
				return "", app.Errorf(app.EINVALID, "%v", err)
			}
			return w.URI().Name(), nil
		}, v.onSaved)
	})
}

func (v *conversationView) onSaved(name string, err error) {
	if err != nil {
		v.s.u.showMessage(lang.L("error.title"), lang.L("message.error_save", map[string]any{"Error": errorText(err)}))
		return
	}
	v.notice.show(lang.L("message.saved", map[string]any{"Name": name}))
}

func fileExt(name string) string {
	if i := strings.LastIndexByte(name, '.'); i > 0 {
		return name[i:]
	}
	return ""
}

// widthWatch lays out its one object at full size and says when the
// width changes, before the object is laid out at it.
type widthWatch struct {
	onWidth func(float32)
}

func (l *widthWatch) MinSize(objects []fyne.CanvasObject) fyne.Size { return objects[0].MinSize() }

func (l *widthWatch) Layout(objects []fyne.CanvasObject, size fyne.Size) {
	l.onWidth(size.Width)
	objects[0].Move(fyne.NewPos(0, 0))
	objects[0].Resize(size)
}

// messageRow shows one message: who sent it and when, what kind, the
// text, the copies, the attachments with how much of each is here, and
// where it stands: delivered and read at each recipient for one this
// station sent, who has acknowledged a notice and who has not, or the
// button to acknowledge one addressed here.
type messageRow struct {
	widget.BaseWidget
	v *conversationView
	d *messageData

	earlier  *widget.Button
	bg       *canvas.Rectangle
	from     *widget.Label
	kind     *widget.Label
	when     *widget.Label
	subject  *widget.Label
	text     *widget.Label
	cc       *widget.Label
	files    *fyne.Container
	receipts *widget.Label
	deadline *widget.Label
	acked    *widget.Label
	pending  *widget.Label
	sms      *widget.Label // the SMS the hub sent about a notice sent here
	ack      *widget.Button
	ackRow   *fyne.Container
	frame    *fyne.Container
}

func newMessageRow(v *conversationView) *messageRow {
	r := &messageRow{v: v}
	r.earlier = widget.NewButtonWithIcon(lang.L("message.earlier"), theme.MoveUpIcon(), v.onEarlier)
	r.bg = canvas.NewRectangle(theme.Color(theme.ColorNameInputBackground))
	r.bg.CornerRadius = theme.InputRadiusSize()
	r.from = widget.NewLabel("")
	r.from.TextStyle.Bold = true
	r.from.Truncation = fyne.TextTruncateEllipsis
	r.kind = widget.NewLabel("")
	r.kind.TextStyle.Bold = true
	r.when = widget.NewLabel("")
	r.when.Importance = widget.LowImportance
	r.subject = widget.NewLabel("")
	r.subject.TextStyle.Bold = true
	r.subject.Wrapping = fyne.TextWrapWord
	r.text = widget.NewLabel("")
	r.text.Wrapping = fyne.TextWrapWord
	r.cc = widget.NewLabel("")
	r.cc.Wrapping = fyne.TextWrapWord
	r.files = container.NewVBox()
	r.receipts = widget.NewLabel("")
	r.receipts.Wrapping = fyne.TextWrapWord
	r.deadline = widget.NewLabel("")
	r.deadline.Wrapping = fyne.TextWrapWord
	r.acked = widget.NewLabel("")
	r.acked.Wrapping = fyne.TextWrapWord
	r.pending = widget.NewLabel("")
	r.pending.Wrapping = fyne.TextWrapWord
	r.sms = widget.NewLabel("")
	r.sms.Wrapping = fyne.TextWrapWord
	r.sms.Hide()
	r.ack = widget.NewButtonWithIcon(lang.L("message.ack"), theme.ConfirmIcon(), r.onAck)
	r.ack.Importance = widget.HighImportance
	r.ackRow = container.NewHBox(r.ack)
	header := container.NewBorder(nil, nil, nil, r.when, container.NewBorder(nil, nil, nil, r.kind, r.from))
	body := container.New(wrapColumn{}, header, r.subject, r.text, r.cc, r.files, r.receipts, r.deadline, r.acked, r.pending, r.sms, r.ackRow)
	r.frame = container.New(messageRowLayout{}, container.NewCenter(r.earlier), r.bg, body)
	r.ExtendBaseWidget(r)
	return r
}

func (r *messageRow) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(r.frame)
}

// relayout lays out o's containers again, top down: a row reused for
// another message shows and hides parts and changes texts, which a
// container does not notice by itself.
func relayout(o fyne.CanvasObject) {
	c, ok := o.(*fyne.Container)
	if !ok {
		return
	}
	if c.Layout != nil {
		c.Layout.Layout(c.Objects, c.Size())
	}
	for _, child := range c.Objects {
		relayout(child)
	}
}

// heightAt is the height the row needs at width w.
func (r *messageRow) heightAt(w float32) float32 {
	r.Resize(fyne.NewSize(w, r.Size().Height))
	return r.MinSize().Height
}

// wrapColumn stacks objects at full width like a VBox, but gives each its
// width before asking its height: a wrapping label's height depends on
// its width, and a VBox asks first, so a label that wraps to one more line
// at the new width would be drawn over the next object.
type wrapColumn struct{}

func (wrapColumn) MinSize(objects []fyne.CanvasObject) fyne.Size {
	var size fyne.Size
	n := 0
	for _, o := range objects {
		if !o.Visible() {
			continue
		}
		m := o.MinSize()
		size.Width = max(size.Width, m.Width)
		size.Height += m.Height
		n++
	}
	if n > 1 {
		size.Height += theme.Padding() * float32(n-1)
	}
	return size
}

func (wrapColumn) Layout(objects []fyne.CanvasObject, size fyne.Size) {
	y := float32(0)
	for _, o := range objects {
		if !o.Visible() {
			continue
		}
		o.Resize(fyne.NewSize(size.Width, o.Size().Height))
		h := o.MinSize().Height
		o.Move(fyne.NewPos(0, y))
		o.Resize(fyne.NewSize(size.Width, h))
		y += h + theme.Padding()
	}
}

// messageRowLayout puts the 更早 button (when shown) above the message,
// and the message on its background with a margin inside. The body is
// given its width before its height is asked, as in wrapColumn.
type messageRowLayout struct{}

func (messageRowLayout) MinSize(objects []fyne.CanvasObject) fyne.Size {
	earlier, body := objects[0], objects[2]
	p := theme.InnerPadding()
	m := body.MinSize()
	size := fyne.NewSize(m.Width+2*p, m.Height+2*p)
	if earlier.Visible() {
		e := earlier.MinSize()
		size.Width = max(size.Width, e.Width)
		size.Height += e.Height + theme.Padding()
	}
	return size.AddWidthHeight(0, theme.Padding())
}

func (messageRowLayout) Layout(objects []fyne.CanvasObject, size fyne.Size) {
	earlier, bg, body := objects[0], objects[1], objects[2]
	p := theme.InnerPadding()
	y := float32(0)
	if earlier.Visible() {
		h := earlier.MinSize().Height
		earlier.Move(fyne.NewPos(0, 0))
		earlier.Resize(fyne.NewSize(size.Width, h))
		y = h + theme.Padding()
	}
	w := size.Width - 2*p
	body.Resize(fyne.NewSize(w, body.Size().Height))
	h := body.MinSize().Height
	body.Move(fyne.NewPos(p, y+p))
	body.Resize(fyne.NewSize(w, h))
	bg.Move(fyne.NewPos(0, y))
	bg.Resize(fyne.NewSize(size.Width, h+2*p))
}

func (r *messageRow) show(d *messageData, earlier bool) {
	r.d = d
	v := r.v
	b, now := v.s.base, v.s.u.now()
	self, m := b.self(), &d.m
	showIf(r.earlier, earlier)

	if m.From == self {
		r.bg.FillColor = theme.Color(theme.ColorNameSelection)
	} else {
		r.bg.FillColor = theme.Color(theme.ColorNameInputBackground)
	}
	r.bg.Refresh()
	from := b.stationName(m.From)
	if m.Author != "" {
		from = lang.L("message.from_author", map[string]any{"Station": from, "Author": m.Author})
	}
	r.from.SetText(from)
	r.kind.SetText(messageKindLabel(m.Kind))
	r.kind.Importance = messageKindImportance(m.Kind)
	r.kind.Refresh()
	r.when.SetText(messageWhen(m.SentAt, now, b.location()))
	r.text.Wrapping = textWrapping(m.Text)
	r.text.SetText(m.Text)
	r.subject.Wrapping = textWrapping(m.Subject)
	setLabel(r.subject, m.Subject)

	to := lang.L("message.to_line", map[string]any{"List": b.stationNames(m.To)})
	if len(m.CC) > 0 {
		to += lang.L("message.receipt_separator") + lang.L("message.cc_line", map[string]any{"List": b.stationNames(m.CC)})
	}
	setLabel(r.cc, to)
	r.showFiles(d)

	r.receipts.Hide()
	if m.From == self && len(d.receipts) > 0 {
		setLabel(r.receipts, b.receiptsText(m, d.receipts, now))
	}
	r.showAck(d, now)
	r.showSMS(d)
	relayout(r.frame)
	r.frame.Refresh()
}

func (r *messageRow) showFiles(d *messageData) {
	r.files.Objects = nil
	for i, a := range d.m.Attachments {
		var info attachmentInfo
		if i < len(d.files) {
			info = d.files[i]
		}
		state, importance := attachmentStateText(info.state, info.known)
		stateLabel := widget.NewLabel(state)
		stateLabel.Importance = importance
		name := widget.NewLabelWithStyle(lang.L("message.attachment_line", map[string]any{"Name": attachment.CleanName(a.Name), "Size": formatSize(a.Size)}),
			fyne.TextAlignLeading, fyne.TextStyle{})
		name.Truncation = fyne.TextTruncateEllipsis
		save := widget.NewButtonWithIcon(lang.L("message.save"), theme.DownloadIcon(), func() { r.v.onSaveAttachment(a) })
		// Only a content whole and matching its digest can be opened; a
		// part of a file is worse than none to the one reading it.
		enable(save, info.known && info.state.Complete)
		r.files.Add(container.NewBorder(nil, nil, widget.NewIcon(theme.FileIcon()), container.NewHBox(stateLabel, save), name))
	}
	r.files.Hidden = len(r.files.Objects) == 0
	r.files.Refresh()
}

func (r *messageRow) showAck(d *messageData, now time.Time) {
	b, self, m := r.v.s.base, r.v.s.base.self(), &d.m
	r.deadline.Hide()
	r.acked.Hide()
	r.pending.Hide()
	r.ackRow.Hide()
	if m.Kind != message.KindNotice {
		return
	}
	loc := b.location()
	switch {
	case d.ack != nil:
		deadline, acked, pending, overdue := b.ackTexts(*d.ack, now)
		setLabel(r.deadline, deadline)
		r.deadline.Importance = widget.MediumImportance
		if overdue {
			r.deadline.Importance = widget.DangerImportance
		}
		setLabel(r.acked, acked)
		r.acked.Importance = widget.SuccessImportance
		setLabel(r.pending, pending)
		r.pending.Importance = widget.MediumImportance
		if overdue {
			r.pending.Importance = widget.DangerImportance
		}
	case slices.Contains(m.To, self):
		mine := d.receipt(self)
		if !mine.Acked.IsZero() {
			done := map[string]any{"At": messageWhen(mine.Acked, now, loc), "By": mine.By}
			if mine.Late(m.AckBy, now) {
				setLabel(r.acked, lang.L("message.acked_self_late", done))
			} else {
				setLabel(r.acked, lang.L("message.acked_self", done))
			}
			r.acked.Importance = widget.SuccessImportance
			break
		}
		text, importance := lang.L("message.ack_asked"), widget.WarningImportance
		if m.AckBy != nil {
			text = lang.L("message.ack_asked_by", map[string]any{"At": messageWhen(*m.AckBy, now, loc)})
			if now.After(*m.AckBy) {
				text = lang.L("message.ack_asked_overdue", map[string]any{"At": messageWhen(*m.AckBy, now, loc)})
				importance = widget.DangerImportance
			}
		}
		setLabel(r.deadline, text)
		r.deadline.Importance = importance
		r.ackRow.Show()
	}
	r.deadline.Refresh()
	r.acked.Refresh()
	r.pending.Refresh()
}

func (r *messageRow) onAck() {
	if r.d != nil {
		r.v.onAcknowledge(r.d)
	}
}

// setLabel shows text, and hides the label when there is none so that it
// takes no room.
func setLabel(l *widget.Label, text string) {
	l.SetText(text)
	showIf(l, text != "")
}

// textWrapping wraps Chinese anywhere, as it is written, and other text
// at spaces: word wrapping would break 未来 24 小时 at its spaces only and
// leave ragged lines, character wrapping would cut English words in two.
func textWrapping(text string) fyne.TextWrap {
	for _, r := range text {
		if unicode.Is(unicode.Han, r) {
			return fyne.TextWrapBreak
		}
	}
	return fyne.TextWrapWord
}
