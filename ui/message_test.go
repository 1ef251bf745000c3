package ui

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"dutyroom/app"
	"dutyroom/app/message"
	"dutyroom/assets"
)

// messageDemo is the demo prefecture with messaging, seen from one of its
// stations, at a fixed clock.
type messageDemo struct {
	*demo
	svc *fakeMessages
	now time.Time
}

func newMessageDemo(t *testing.T, clock string) *messageDemo {
	t.Helper()
	d := &messageDemo{demo: newDemo()}
	d.store.author = "值班员甲"
	d.svc = newFakeMessages(d.store)
	d.setClock(t, clock)
	d.store.clock = func() time.Time { return d.now }
	return d
}

func (d *messageDemo) setClock(t *testing.T, clock string) {
	t.Helper()
	at, err := time.ParseInLocation("2006-01-02 15:04", clock, shanghai(t))
	if err != nil {
		t.Fatal(err)
	}
	d.now = at
}

// as makes this duty room the given station.
func (d *messageDemo) as(st app.Station) *messageDemo {
	d.store.identity = st.ID
	return d
}

func (d *messageDemo) services() Services {
	s := d.store.services()
	s.Messages = d.svc
	s.MessageLimits = d.svc.limits
	return s
}

// openMessages opens the window on the 消息 screen.
func openMessages(t *testing.T, d *messageDemo) *UI {
	t.Helper()
	return openMessagesIn(t, d, test.NewTempApp(t))
}

func openMessagesIn(t *testing.T, d *messageDemo, a fyne.App) *UI {
	t.Helper()
	u := New(a, d.services())
	t.Cleanup(u.win.Close)
	u.win.Resize(fyne.NewSize(1280, 800))
	u.nav.open("messages")
	return u
}

// from builds a message another station sends here.
func (d *messageDemo) from(st app.Station, kind message.Kind, to []app.Station, text string) message.Message {
	m := message.Message{From: st.ID, Author: "对方值班员", Kind: kind, Text: text, SentAt: d.now.UTC()}
	for _, r := range to {
		m.To = append(m.To, r.ID)
	}
	if kind == message.KindNotice {
		m.Subject = "通知"
	}
	return m
}

// messageRows returns the rows of the open conversation on screen.
func messageRows(u *UI) []*messageRow {
	var out []*messageRow
	walk(u.messages.view.list, func(o fyne.CanvasObject) {
		if r, ok := o.(*messageRow); ok {
			out = append(out, r)
		}
	})
	return out
}

func messageRowWith(t *testing.T, u *UI, text string) *messageRow {
	t.Helper()
	for _, r := range messageRows(u) {
		if strings.Contains(r.text.Text, text) {
			return r
		}
	}
	var shown []string
	for _, r := range messageRows(u) {
		shown = append(shown, r.text.Text)
	}
	t.Fatalf("no message %q on screen among %q", text, shown)
	return nil
}

// composeForm opens 写消息 and returns the dialog.
func composeForm(t *testing.T, u *UI) *composeDialog {
	t.Helper()
	test.Tap(u.messages.compose)
	c := u.messages.composing
	if c == nil {
		t.Fatal("写消息 opened no form")
	}
	return c
}

// pickStation chooses a station in the picker the way a person does: by
// selecting it in the tree and pressing 选择.
func pickStation(t *testing.T, u *UI, c *composeDialog, st app.Station) {
	t.Helper()
	test.Tap(c.choose)
	picker := overlay(t, u)
	var tree *widget.Tree
	walk(picker, func(o fyne.CanvasObject) {
		if tr, ok := o.(*widget.Tree); ok {
			tree = tr
		}
	})
	if tree == nil {
		t.Fatal("the picker has no tree")
	}
	tree.Select(st.ID.String())
	test.Tap(findButton(t, picker, lang.L("action.choose")))
}

func TestComposeToOneStationOpensItsConversation(t *testing.T) {
	d := newMessageDemo(t, "2026-10-03 09:00")
	d.as(d.jishou)
	u := openMessages(t, d)
	if !hasText(u.messages.content, lang.L("message.conversations_none")) {
		t.Errorf("an empty screen does not say how to begin: %v", texts(u.messages.content))
	}
	c := composeForm(t, u)
	pickStation(t, u, c, d.qianzhou)
	if got := c.stationAt.Text; got != "湘西州 / 吉首市 / 乾州街道" {
		t.Errorf("the chosen station reads %q", got)
	}
	test.Type(c.subject, "防汛检查")
	test.Type(c.text, "请于今晚 20:00 前报告各村巡查情况。")
	test.Tap(c.send)

	sent := d.svc.sentBy(d.jishou.ID)
	if len(sent) != 1 {
		t.Fatalf("sent %d messages", len(sent))
	}
	m := sent[0]
	if !slices.Equal(m.To, []app.ID{d.qianzhou.ID}) || len(m.CC) != 0 || m.Kind != message.KindMessage || m.Author != "值班员甲" {
		t.Errorf("sent %+v", m)
	}
	if overlay := u.win.Canvas().Overlays().Top(); overlay != nil {
		t.Error("the form stayed open after sending")
	}
	if u.messages.view.conv != m.Conversation() {
		t.Error("the conversation of the message sent is not open")
	}
	r := messageRowWith(t, u, "请于今晚 20:00 前报告")
	if r.from.Text != "吉首市 · 值班员甲" || r.kind.Text != "消息" || r.cc.Text != "发往：乾州街道" {
		t.Errorf("row shows %q %q %q", r.from.Text, r.kind.Text, r.cc.Text)
	}
	if r.receipts.Text != "回执：乾州街道 未送达" {
		t.Errorf("receipts %q", r.receipts.Text)
	}
	if len(u.messages.convs) != 1 || u.messages.base.conversationTitle(u.messages.convs[0].Participants) != "乾州街道" {
		t.Errorf("conversations %+v", u.messages.convs)
	}

	// The township reads it: the sender sees when and by whom.
	d.svc.receiptFrom(message.Receipt{Message: m.ID, Station: d.qianzhou.ID, Delivered: d.now.Add(time.Minute), Read: d.now.Add(5 * time.Minute), By: "王五"})
	u.dataArrived()
	if r := messageRowWith(t, u, "请于今晚 20:00 前报告"); r.receipts.Text != "回执：乾州街道 已读 09:05（王五）" {
		t.Errorf("after reading, receipts %q", r.receipts.Text)
	}
}

func TestComposeRefusesWhatTheTreeForbidsBesideTheField(t *testing.T) {
	d := newMessageDemo(t, "2026-10-03 09:00")
	d.as(d.jishou)
	u := openMessages(t, d)
	c := composeForm(t, u)
	test.Tap(c.send)
	if got := besideField(t, c.content, c.toArea); !slices.Contains(got, lang.L("message.error_to_required")) {
		t.Errorf("no station chosen: beside the field %v", got)
	}
	if got := besideField(t, c.content, c.text); !slices.Contains(got, lang.L("message.error_text_required")) {
		t.Errorf("no text: beside the field %v", got)
	}
	// The picker offers only the stations above and below; 泸溪县, a
	// sibling, is not in it, and choosing the station itself is refused.
	test.Tap(c.choose)
	var tree *widget.Tree
	walk(overlay(t, u), func(o fyne.CanvasObject) {
		if tr, ok := o.(*widget.Tree); ok {
			tree = tr
		}
	})
	if tree == nil {
		t.Fatal("no picker")
	}
	test.Tap(findButton(t, overlay(t, u), lang.L("action.cancel")))
	c.onStationChosen(&d.jishou)
	if got := besideField(t, c.content, c.toArea); !slices.Contains(got, lang.L("message.error_to_self")) {
		t.Errorf("itself: beside the field %v", got)
	}
	c.onStationChosen(&d.luxi)
	want := lang.L("message.error_to_sibling", map[string]any{"Station": "泸溪县", "Parent": "湘西州"})
	if got := besideField(t, c.content, c.toArea); !slices.Contains(got, want) {
		t.Errorf("a sibling: beside the field %v, want %q", got, want)
	}
	// A notice goes down only.
	c.kind.SetSelected(lang.L("message.kind_notice"))
	c.onStationChosen(&d.xiangxi)
	want = lang.L("message.error_notice_down", map[string]any{"Station": "湘西州"})
	if got := besideField(t, c.content, c.toArea); !slices.Contains(got, want) {
		t.Errorf("a notice upward: beside the field %v", got)
	}
	if len(d.svc.sentBy(d.jishou.ID)) != 0 {
		t.Error("something was sent")
	}
}

func TestPickerOffersOnlyStationsAboveAndBelow(t *testing.T) {
	d := newMessageDemo(t, "2026-10-03 09:00")
	d.as(d.jishou)
	u := openMessages(t, d)
	c := composeForm(t, u)
	test.Tap(c.choose)
	var tree *widget.Tree
	walk(overlay(t, u), func(o fyne.CanvasObject) {
		if tr, ok := o.(*widget.Tree); ok {
			tree = tr
		}
	})
	var offered []string
	var visit func(uid string)
	visit = func(uid string) {
		for _, child := range tree.ChildUIDs(uid) {
			id, _ := app.ParseID(child)
			st, _ := d.store.FindStationByID(setupContext(t), id)
			offered = append(offered, st.Name)
			visit(child)
		}
	}
	visit("")
	if want := []string{"湘西州", "吉首市", "乾州街道", "乾元村"}; !slices.Equal(offered, want) {
		t.Errorf("the picker offers %v, want %v", offered, want)
	}
}

func TestComposeToAllSubordinates(t *testing.T) {
	d := newMessageDemo(t, "2026-10-03 09:00")
	d.as(d.xiangxi)
	u := openMessages(t, d)
	c := composeForm(t, u)
	c.mode.SetSelected(lang.L("message.to_subordinates"))
	if got := c.subs.Text; got != "吉首市、泸溪县（共 2 个）" {
		t.Errorf("the subordinates read %q", got)
	}
	c.kind.SetSelected(lang.L("message.kind_notice"))
	test.Type(c.text, "明日起进入主汛期，各县市区落实24小时值班。")
	test.Tap(c.send)
	if got := besideField(t, c.content, c.subject); !slices.Contains(got, lang.L("message.error_subject_required")) {
		t.Errorf("a notice without subject: beside the field %v", got)
	}
	test.Type(c.subject, "关于进入主汛期的通知")
	test.Type(c.ackBy, "2026-10-03 08:00")
	test.Tap(c.send)
	if got := besideField(t, c.content, c.ackBy); !slices.Contains(got, lang.L("message.error_ack_by_past")) {
		t.Errorf("a deadline in the past: beside the field %v", got)
	}
	c.ackBy.SetText("2026-10-03 12:00")
	test.Tap(c.send)
	sent := d.svc.sentBy(d.xiangxi.ID)
	if len(sent) != 1 {
		t.Fatalf("sent %d", len(sent))
	}
	m := sent[0]
	wantBy := time.Date(2026, 10, 3, 4, 0, 0, 0, time.UTC)
	if !slices.Equal(m.To, []app.ID{d.jishou.ID, d.luxi.ID}) || m.Kind != message.KindNotice || m.AckBy == nil || !m.AckBy.Equal(wantBy) {
		t.Errorf("sent %+v", m)
	}
	r := messageRowWith(t, u, "明日起进入主汛期")
	if r.pending.Text != "未确认（2）：吉首市、泸溪县" || r.deadline.Text != "确认期限 12:00" {
		t.Errorf("a fresh notice: %q / %q", r.deadline.Text, r.pending.Text)
	}
}

func TestDirectReportUpwardShowsAndCarriesTheSkippedLevels(t *testing.T) {
	d := newMessageDemo(t, "2026-10-03 09:00")
	d.as(d.village)
	u := openMessages(t, d)
	c := composeForm(t, u)
	c.kind.SetSelected(lang.L("message.kind_direct_report"))
	if got := c.reportTo.Options; !slices.Equal(got, []string{"乾州街道（直属上级）", "吉首市", "湘西州"}) {
		t.Errorf("report to %v", got)
	}
	c.reportTo.SetSelected("湘西州")
	if got := c.autoCC.Text; got != "自动抄送跳过的层级：乾州街道、吉首市" {
		t.Errorf("the copies read %q", got)
	}
	c.reportTo.SetSelectedIndex(0)
	if got := c.autoCC.Text; got != lang.L("message.auto_cc_none") {
		t.Errorf("to the parent: %q", got)
	}
	c.reportTo.SetSelected("湘西州")
	test.Type(c.subject, "乾元村山体滑坡")
	test.Type(c.text, "10:40 乾元村后山滑坡，2 户房屋受损，12 人失联，请求支援。")
	test.Tap(c.send)

	sent := d.svc.sentBy(d.village.ID)
	if len(sent) != 1 {
		t.Fatalf("sent %d", len(sent))
	}
	m := sent[0]
	if m.Kind != message.KindDirectReport || !slices.Equal(m.To, []app.ID{d.xiangxi.ID}) ||
		!slices.Equal(m.CC, []app.ID{d.qianzhou.ID, d.jishou.ID}) {
		t.Errorf("sent %+v", m)
	}
	r := messageRowWith(t, u, "乾元村后山滑坡")
	if r.kind.Text != "信息直报" || r.cc.Text != "发往：湘西州；抄送：乾州街道、吉首市" {
		t.Errorf("row: %q %q", r.kind.Text, r.cc.Text)
	}
	if want := "回执：湘西州 未送达；乾州街道（抄送） 未送达；吉首市（抄送） 未送达"; r.receipts.Text != want {
		t.Errorf("receipts %q", r.receipts.Text)
	}
	if got := u.messages.base.conversationTitle(u.messages.convs[0].Participants); got != "湘西州、吉首市、乾州街道" {
		t.Errorf("the thread is named %q", got)
	}
}

func TestNoticeShowsWhoHasAcknowledgedAndOverdueInRed(t *testing.T) {
	d := newMessageDemo(t, "2026-10-03 10:00")
	d.as(d.xiangxi)
	svc := d.services()
	deadline := time.Date(2026, 10, 3, 4, 0, 0, 0, time.UTC) // 12:00 in Shanghai
	m := &message.Message{To: []app.ID{d.jishou.ID, d.luxi.ID}, Kind: message.KindNotice, Subject: "防汛", Text: "请确认收到并落实。", AckBy: &deadline}
	if err := svc.Messages.Send(setupContext(t), m, nil); err != nil {
		t.Fatal(err)
	}
	d.svc.receiptFrom(message.Receipt{Message: m.ID, Station: d.jishou.ID, Acked: d.now.Add(30 * time.Minute), By: "张三"})
	d.svc.receiptFrom(message.Receipt{Message: m.ID, Station: d.luxi.ID, Delivered: d.now.Add(time.Minute)})

	d.setClock(t, "2026-10-03 11:00")
	u := openMessages(t, d)
	u.messages.convList.Select(0)
	r := messageRowWith(t, u, "请确认收到并落实")
	if r.acked.Text != "已确认（1）：吉首市 10:30 张三" || r.pending.Text != "未确认（1）：泸溪县" {
		t.Errorf("before the deadline: %q / %q", r.acked.Text, r.pending.Text)
	}
	if r.pending.Importance == widget.DangerImportance || r.deadline.Importance == widget.DangerImportance {
		t.Error("red before the deadline")
	}
	if r.receipts.Text != "回执：吉首市 已读 10:30（张三）；泸溪县 已送达 10:01" {
		t.Errorf("receipts %q", r.receipts.Text)
	}

	d.setClock(t, "2026-10-03 12:30")
	u.messages.view.reload()
	r = messageRowWith(t, u, "请确认收到并落实")
	if r.pending.Importance != widget.DangerImportance || r.deadline.Importance != widget.DangerImportance {
		t.Error("those still owing are not red after the deadline")
	}
	if r.deadline.Text != "确认期限 12:00（已过）" {
		t.Errorf("deadline %q", r.deadline.Text)
	}

	// 泸溪县 acknowledges late: marked so, and nobody is owing any more.
	d.svc.receiptFrom(message.Receipt{Message: m.ID, Station: d.luxi.ID, Acked: d.now, By: "李四"})
	u.dataArrived()
	r = messageRowWith(t, u, "请确认收到并落实")
	if r.acked.Text != "已确认（2）：吉首市 10:30 张三、泸溪县 12:30 李四（逾期）" || r.pending.Text != "全部已确认" {
		t.Errorf("after the late one: %q / %q", r.acked.Text, r.pending.Text)
	}
	if r.pending.Importance == widget.DangerImportance {
		t.Error("red with nobody owing")
	}
}

func TestRecipientAcknowledgesANotice(t *testing.T) {
	d := newMessageDemo(t, "2026-10-03 10:00")
	d.as(d.jishou)
	deadline := d.now.Add(2 * time.Hour).UTC()
	n := d.from(d.xiangxi, message.KindNotice, []app.Station{d.jishou, d.luxi}, "请于中午前确认。")
	n.AckBy = &deadline
	n = d.svc.receive(n)
	copyOnly := d.from(d.xiangxi, message.KindNotice, []app.Station{d.qianzhou}, "抄送给县里的通知。")
	copyOnly.CC = []app.ID{d.jishou.ID}
	d.svc.receive(copyOnly)
	u := openMessages(t, d)
	u.SetOnDuty(func(context.Context) (OnDuty, error) { return OnDuty{Officer: "刘值班"}, nil })
	u.messages.reload()
	for i, c := range u.messages.convs {
		if slices.Contains(c.Participants, d.luxi.ID) {
			u.messages.convList.Select(i)
		}
	}
	r := messageRowWith(t, u, "请于中午前确认")
	if !r.ackRow.Visible() || r.deadline.Text != "请于 12:00 前确认收到" {
		t.Fatalf("an addressee is not asked: %q, button shown %v", r.deadline.Text, r.ackRow.Visible())
	}
	test.Tap(r.ack)
	dlg := overlay(t, u)
	name := entries(dlg)[0]
	if name.Text != "刘值班" {
		t.Errorf("the name offered is %q, want the officer on duty", name.Text)
	}
	name.SetText("")
	test.Tap(findButton(t, dlg, lang.L("message.ack")))
	if !hasText(dlg, lang.L("message.error_ack_name_required")) {
		t.Error("acknowledging without a name is not refused beside the field")
	}
	test.Type(name, "张三")
	test.Tap(findButton(t, dlg, lang.L("message.ack")))
	rec, _ := d.svc.Receipts(setupContext(t), n.ID)
	if rec[0].Acked.IsZero() || rec[0].By != "张三" {
		t.Fatalf("not acknowledged: %+v", rec[0])
	}
	r = messageRowWith(t, u, "请于中午前确认")
	if r.ackRow.Visible() || r.acked.Text != "本站已于 10:00 确认收到（张三）" {
		t.Errorf("after acknowledging: %q, button shown %v", r.acked.Text, r.ackRow.Visible())
	}

	// A copy is for information: nothing to acknowledge.
	for i, c := range u.messages.convs {
		if slices.Contains(c.Participants, d.qianzhou.ID) {
			u.messages.convList.Select(i)
		}
	}
	if r := messageRowWith(t, u, "抄送给县里的通知"); r.ackRow.Visible() || r.deadline.Visible() {
		t.Error("a copy asks to be acknowledged")
	}
}

func TestAttachmentOverTheLimitIsRefusedBesideTheField(t *testing.T) {
	d := newMessageDemo(t, "2026-10-03 09:00")
	d.as(d.jishou)
	u := openMessages(t, d)
	files := answerMessageFiles(t, u)
	c := composeForm(t, u)
	if want := "图片、PDF、Word、Excel，每个不超过 20 MB"; c.fileHint.Text != want {
		t.Errorf("hint %q", c.fileHint.Text)
	}
	big := files.sparse(t, "现场录像.mp4", 21<<20)
	files.openPath = big
	test.Tap(c.addFile)
	want := "现场录像.mp4 有 21 MB，超过 20 MB 的上限，请压缩或分成几个文件。"
	if got := besideField(t, c.content, c.attachArea); !slices.Contains(got, want) {
		t.Errorf("beside the field %v, want %q", got, want)
	}
	if len(c.files) != 0 {
		t.Error("the file was listed")
	}
	if !slices.Contains(files.exts[0], ".docx") || !slices.Contains(files.exts[0], ".pdf") || !slices.Contains(files.exts[0], ".jpg") {
		t.Errorf("the dialog offers %v", files.exts[0])
	}

	files.openPath = files.write(t, "现场照片.jpg", "JPEG")
	test.Tap(c.addFile)
	if got := besideField(t, c.content, c.attachArea); slices.Contains(got, want) {
		t.Error("the refusal stays after a good file")
	}
	pickStation(t, u, c, d.xiangxi)
	test.Type(c.text, "现场照片见附件。")
	test.Tap(c.send)
	sent := d.svc.sentBy(d.jishou.ID)
	if len(sent) != 1 || len(sent[0].Attachments) != 1 || sent[0].Attachments[0].Name != "现场照片.jpg" || sent[0].Attachments[0].MIME != "image/jpeg" {
		t.Fatalf("sent %+v", sent)
	}
}

func TestLimitComesFromTheServices(t *testing.T) {
	d := newMessageDemo(t, "2026-10-03 09:00")
	d.as(d.jishou)
	d.svc.limits = message.Limits{MaxAttachment: 5 << 20}
	u := openMessages(t, d)
	c := composeForm(t, u)
	if want := "图片、PDF、Word、Excel，每个不超过 5 MB"; c.fileHint.Text != want {
		t.Errorf("hint %q", c.fileHint.Text)
	}
}

func TestIncompleteAttachmentShowsItsPartsAndCannotBeSaved(t *testing.T) {
	d := newMessageDemo(t, "2026-10-03 09:00")
	d.as(d.jishou)
	m := d.from(d.xiangxi, message.KindMessage, []app.Station{d.jishou}, "附件是灾情统计表和现场照片。")
	m.Attachments = []message.Attachment{{ID: app.NewID(), Name: "灾情统计.xlsx"}, {ID: app.NewID(), Name: "现场.jpg"}, {ID: app.NewID(), Name: "坏文件.pdf"}}
	photo := make([]byte, 20*message.ChunkSize)
	m = d.svc.receive(m, []byte("统计表内容"), photo, []byte("PDF"))
	d.svc.partial(m.Attachments[1].SHA256, 3)
	d.svc.blobs[m.Attachments[2].SHA256].damaged = "the content does not match its digest"
	d.svc.blobs[m.Attachments[2].SHA256].complete = false
	u := openMessages(t, d)
	files := answerMessageFiles(t, u)
	u.messages.convList.Select(0)
	r := messageRowWith(t, u, "附件是灾情统计表")
	states := texts(r.files)
	for _, want := range []string{"灾情统计.xlsx（15 B）", "完整", "现场.jpg（2.5 MB）", "3/20 部分", "坏文件.pdf（3 B）", "损坏"} {
		if !slices.Contains(states, want) {
			t.Errorf("attachments show %v, lacking %q", states, want)
		}
	}
	var saves []*widget.Button
	walk(r.files, func(o fyne.CanvasObject) {
		if b, ok := o.(*widget.Button); ok && b.Text == lang.L("message.save") {
			saves = append(saves, b)
		}
	})
	if len(saves) != 3 || saves[0].Disabled() || !saves[1].Disabled() || !saves[2].Disabled() {
		t.Fatalf("save buttons: %d, enabled %v", len(saves), []bool{!saves[0].Disabled(), !saves[1].Disabled(), !saves[2].Disabled()})
	}
	test.Tap(saves[1])
	if len(files.saved) != 0 {
		t.Error("an incomplete attachment was offered for saving")
	}
	test.Tap(saves[0])
	got, err := os.ReadFile(filepath.Join(files.dir, "灾情统计.xlsx"))
	if err != nil || string(got) != "统计表内容" {
		t.Errorf("saved %q, %v", got, err)
	}
	if !hasText(u.messages.view.content, "已保存 灾情统计.xlsx") {
		t.Error("saving is not confirmed")
	}

	// The rest arrives: the photo can be saved.
	d.svc.partial(m.Attachments[1].SHA256, 20)
	d.svc.blobs[m.Attachments[1].SHA256].complete = true
	u.dataArrived()
	r = messageRowWith(t, u, "附件是灾情统计表")
	if !slices.Contains(texts(r.files), "完整") || slices.Contains(texts(r.files), "3/20 部分") {
		t.Errorf("after the rest arrived: %v", texts(r.files))
	}
}

func TestSearchFindsAMessageAndOpensItsConversation(t *testing.T) {
	d := newMessageDemo(t, "2026-10-03 09:00")
	d.as(d.jishou)
	target := d.svc.receive(d.from(d.qianzhou, message.KindMessage, []app.Station{d.jishou}, "乾元村后山发现滑坡隐患，已撤离 5 户。"))
	// Forty later messages in the same thread push it off the first page.
	for i := range 40 {
		d.svc.receive(d.from(d.qianzhou, message.KindMessage, []app.Station{d.jishou}, fmt.Sprintf("例行报告 %02d", i)))
	}
	d.svc.receive(d.from(d.xiangxi, message.KindMessage, []app.Station{d.jishou}, "州局：明天例会改到下午。"))
	u := openMessages(t, d)
	s := u.messages
	test.Type(s.search, "滑坡")
	if len(s.results) != 1 || s.results[0].ID != target.ID || !s.resultList.Visible() || s.convList.Visible() {
		t.Fatalf("search found %d, results shown %v", len(s.results), s.resultList.Visible())
	}
	s.resultList.Select(0)
	if s.view.conv != target.Conversation() {
		t.Fatal("the result did not open its conversation")
	}
	if len(s.view.msgs) < 41 || s.view.msgs[0].m.ID != target.ID {
		t.Errorf("the thread was not read back to the message found: %d messages", len(s.view.msgs))
	}
	messageRowWith(t, u, "乾元村后山发现滑坡隐患")

	s.search.SetText("没有这个词")
	if len(s.results) != 0 || !hasText(s.content, "没有找到含“没有这个词”的消息") {
		t.Errorf("no result: %v", texts(s.content))
	}
	s.search.SetText("")
	if !s.convList.Visible() || s.resultList.Visible() {
		t.Error("clearing the search does not bring the conversations back")
	}
}

func TestConversationPagesBackwards(t *testing.T) {
	d := newMessageDemo(t, "2026-10-03 09:00")
	d.as(d.jishou)
	for i := range 70 {
		d.svc.receive(d.from(d.qianzhou, message.KindMessage, []app.Station{d.jishou}, fmt.Sprintf("第 %02d 条", i)))
	}
	u := openMessages(t, d)
	v := u.messages.view
	u.messages.convList.Select(0)
	if len(v.msgs) != messagePageSize || !v.more || v.msgs[len(v.msgs)-1].m.Text != "第 69 条" {
		t.Fatalf("first page: %d, more %v", len(v.msgs), v.more)
	}
	messageRowWith(t, u, "第 69 条") // the newest is in view, at the bottom
	v.list.ScrollToTop()
	top := messageRowWith(t, u, "第 40 条")
	if !top.earlier.Visible() {
		t.Fatal("no 更早的消息 at the top")
	}
	test.Tap(top.earlier)
	if len(v.msgs) != 60 || v.msgs[0].m.Text != "第 10 条" {
		t.Errorf("after one page back: %d from %q", len(v.msgs), v.msgs[0].m.Text)
	}
	v.onEarlier()
	if len(v.msgs) != 70 || v.more {
		t.Errorf("after two pages back: %d, more %v", len(v.msgs), v.more)
	}
	v.list.ScrollToTop()
	if messageRowWith(t, u, "第 00 条").earlier.Visible() {
		t.Error("更早的消息 offered with nothing earlier")
	}
}

func TestReplyAnswersTheThread(t *testing.T) {
	d := newMessageDemo(t, "2026-10-03 09:00")
	d.as(d.xiangxi)
	up := d.from(d.village, message.KindDirectReport, []app.Station{d.xiangxi}, "乾元村滑坡，请求支援。")
	d.svc.receive(up)
	u := openMessages(t, d)
	u.messages.convList.Select(0)
	v := u.messages.view
	test.Type(v.reply, "已派出救援队，预计 11:00 到达。")
	v.reply.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	sent := d.svc.sentBy(d.xiangxi.ID)
	if len(sent) != 1 {
		t.Fatalf("sent %d", len(sent))
	}
	if !slices.Equal(sent[0].To, []app.ID{d.village.ID}) || !slices.Equal(sent[0].CC, []app.ID{d.qianzhou.ID, d.jishou.ID}) {
		t.Errorf("the reply goes to %v, cc %v", sent[0].To, sent[0].CC)
	}
	if v.reply.Text != "" || len(v.msgs) != 2 {
		t.Errorf("after replying: %q, %d messages", v.reply.Text, len(v.msgs))
	}
	test.Tap(v.replySend)
	if !v.replyErr.Visible() || v.replyErr.Text != lang.L("message.error_text_required") {
		t.Error("an empty reply is not refused beside the field")
	}
}

func TestUnreadBadgeCountsNotifiesAndClears(t *testing.T) {
	// The fake tray needs no bus, but the window only uses a tray where a
	// session bus is announced.
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent")
	d := newMessageDemo(t, "2026-10-03 09:00")
	d.as(d.jishou)
	d.svc.receive(d.from(d.xiangxi, message.KindMessage, []app.Station{d.jishou}, "收到请回复。"))
	tray := &trayApp{App: test.NewTempApp(t)}
	u := New(tray, d.services())
	t.Cleanup(u.win.Close)
	u.win.Resize(fyne.NewSize(1280, 800))
	if u.nav.badges["messages"] != 1 {
		t.Errorf("badge %d at start", u.nav.badges["messages"])
	}
	if tray.icon == nil || tray.icon.Name() != "dutyroom-unread-1.png" || tray.menu.Items[1].Label != "未读消息 1 条" {
		t.Errorf("tray icon %v, menu %q", tray.icon, tray.menu.Items[1].Label)
	}

	// Two arrive: a notification each, in the order they came.
	first := d.from(d.qianzhou, message.KindDirectReport, []app.Station{d.jishou}, "乾州街道：河水上涨。")
	d.svc.receive(first)
	notice := d.from(d.xiangxi, message.KindNotice, []app.Station{d.jishou, d.luxi}, "请立即启动四级响应。")
	notice.Subject = "启动四级响应"
	test.AssertNotificationSent(t, fyne.NewNotification("湘西州 · 通知", "[通知] 启动四级响应 — 请立即启动四级响应。"), func() {
		d.svc.receive(notice)
		u.dataArrived()
	})
	if u.nav.badges["messages"] != 3 || tray.icon.Name() != "dutyroom-unread-3.png" {
		t.Errorf("badge %d, tray %s", u.nav.badges["messages"], tray.icon.Name())
	}
	// Nothing new: no second notification.
	test.AssertNotificationSent(t, nil, u.messages.alerts.check)

	u.nav.open("messages")
	for i, c := range u.messages.convs {
		if slices.Contains(c.Participants, d.luxi.ID) {
			u.messages.convList.Select(i)
		}
	}
	if u.nav.badges["messages"] != 2 {
		t.Errorf("after reading one thread, badge %d", u.nav.badges["messages"])
	}
	// A message into the thread on screen is read at once, not announced.
	more := d.from(d.xiangxi, message.KindNotice, []app.Station{d.jishou, d.luxi}, "补充：注意山洪。")
	more.Subject = "补充"
	test.AssertNotificationSent(t, nil, func() {
		d.svc.receive(more)
		u.dataArrived()
	})
	if u.nav.badges["messages"] != 2 {
		t.Errorf("a message on screen counted unread: %d", u.nav.badges["messages"])
	}
	for i := range u.messages.convs {
		u.messages.convList.Select(i)
	}
	if u.nav.badges["messages"] != 0 || tray.icon != assets.Icon || tray.menu.Items[1].Label != "没有未读消息" {
		t.Errorf("after reading all: badge %d, tray %v %q", u.nav.badges["messages"], tray.icon.Name(), tray.menu.Items[1].Label)
	}
}

func TestPollSeesWhatTheEngineDidNotReport(t *testing.T) {
	d := newMessageDemo(t, "2026-10-03 09:00")
	d.as(d.jishou)
	u := openMessages(t, d)
	d.svc.receive(d.from(d.qianzhou, message.KindMessage, []app.Station{d.jishou}, "街道：已完成转移。"))
	test.AssertNotificationSent(t, fyne.NewNotification("乾州街道 · 消息", "街道：已完成转移。"), u.messages.alerts.poll)
	if u.nav.badges["messages"] != 1 || len(u.messages.convs) != 1 || u.messages.convs[0].Unread != 1 {
		t.Errorf("after the poll: badge %d, conversations %+v", u.nav.badges["messages"], u.messages.convs)
	}
}

func TestMessagesFollowTheStationChosenLater(t *testing.T) {
	d := newMessageDemo(t, "2026-10-03 09:00")
	u := openMessages(t, d)
	u.nav.open("duty")
	d.as(d.jishou)
	u.nav.open("messages")
	if u.messages.compose.Disabled() {
		t.Error("写消息 stays disabled after the station was chosen")
	}
}

func TestUnreadAtStartIsOneNotification(t *testing.T) {
	d := newMessageDemo(t, "2026-10-03 09:00")
	d.as(d.jishou)
	for range 5 {
		d.svc.receive(d.from(d.xiangxi, message.KindMessage, []app.Station{d.jishou}, "夜间消息"))
	}
	a := test.NewTempApp(t)
	test.AssertNotificationSent(t, fyne.NewNotification("有未读消息", "共 5 条未读消息，请到“消息”查看。"), func() {
		u := New(a, d.services())
		t.Cleanup(u.win.Close)
	})
}

func TestMessagesWithoutStationSaySo(t *testing.T) {
	d := newMessageDemo(t, "2026-10-03 09:00")
	u := openMessages(t, d)
	if !u.messages.compose.Disabled() || !hasText(u.messages.content, noHomeText()) {
		t.Errorf("without a station: compose enabled %v, %v", !u.messages.compose.Disabled(), texts(u.messages.content))
	}
	if u.nav.badges["messages"] != 0 {
		t.Error("a badge without a station")
	}
}

func TestMessageScreensFitSmallestWindow(t *testing.T) {
	for _, language := range []string{assets.Chinese, assets.English} {
		t.Run(language, func(t *testing.T) {
			inLanguage(t, language)
			d := busyMessageDemo(t)
			u := openMessages(t, d)
			u.win.Resize(smallest)
			fits(t, "messages", u.win.Content().MinSize())
			u.messages.convList.Select(0)
			fits(t, "conversation", u.win.Content().MinSize())
			test.Tap(u.messages.view.replySend)
			fits(t, "conversation with a reply error", u.win.Content().MinSize())
			u.messages.search.SetText("滑坡")
			fits(t, "search results", u.win.Content().MinSize())

			c := composeForm(t, u)
			c.kind.SetSelected(lang.L("message.kind_notice"))
			c.mode.SetSelected(lang.L("message.to_subordinates"))
			test.Type(c.ackBy, "later")
			test.Tap(c.send)
			fits(t, "compose with errors", overlay(t, u).MinSize())
			c.kind.SetSelected(lang.L("message.kind_direct_report"))
			fits(t, "compose a direct report", overlay(t, u).MinSize())
			test.Tap(findButton(t, overlay(t, u), lang.L("action.cancel")))

			for i, cv := range u.messages.convs {
				if slices.Contains(cv.Participants, d.luxi.ID) {
					u.messages.convList.Select(i)
				}
			}
			r := messageRowWith(t, u, "主汛期")
			test.Tap(r.ack)
			entries(overlay(t, u))[0].SetText("")
			test.Tap(findButton(t, overlay(t, u), lang.L("message.ack")))
			fits(t, "acknowledge", overlay(t, u).MinSize())
		})
	}
}

// busyMessageDemo is 吉首市's duty room in the middle of a flood morning:
// a notice from the prefecture to acknowledge, a direct report from a
// village with attachments still arriving, and its own notice to the
// townships with acknowledgements coming back.
func busyMessageDemo(t *testing.T) *messageDemo {
	t.Helper()
	d := newMessageDemo(t, "2026-10-03 08:00")
	d.as(d.jishou)
	ctx := setupContext(t)
	deadline := d.now.Add(2 * time.Hour).UTC()
	n := d.from(d.xiangxi, message.KindNotice, []app.Station{d.jishou, d.luxi}, "据气象部门预报，未来 24 小时我州有大到暴雨，局部大暴雨。即日起进入主汛期，请各县市区落实 24 小时值班和领导带班制度，加强地质灾害隐患点巡查。")
	n.Subject = "关于进入主汛期的紧急通知"
	n.AckBy = &deadline
	d.svc.receive(n)

	d.setClock(t, "2026-10-03 09:10")
	up := d.from(d.village, message.KindDirectReport, []app.Station{d.xiangxi}, "09:05 乾元村后山发生山体滑坡，2 户房屋受损，初步核实 3 人失联，已组织群众撤离，请求派出救援力量。")
	up.Subject = "乾元村山体滑坡初报"
	up.CC = nil
	up.Attachments = []message.Attachment{{ID: app.NewID(), Name: "滑坡现场照片1.jpg"}, {ID: app.NewID(), Name: "受灾情况统计表.xlsx"}}
	up = d.svc.receive(up, make([]byte, 18*message.ChunkSize+100), []byte("统计"))
	d.svc.partial(up.Attachments[0].SHA256, 7)

	d.setClock(t, "2026-10-03 09:20")
	own := &message.Message{To: []app.ID{d.qianzhou.ID}, Kind: message.KindNotice, Subject: "转发：关于进入主汛期的紧急通知",
		Text: "请乾州街道立即组织对辖区隐患点开展拉网式排查，10:00 前报告结果。", AckBy: &deadline}
	if err := d.svc.Send(ctx, own, nil); err != nil {
		t.Fatal(err)
	}
	d.svc.receiptFrom(message.Receipt{Message: own.ID, Station: d.qianzhou.ID, Delivered: d.now.Add(time.Minute), Read: d.now.Add(3 * time.Minute), By: "王五"})
	d.setClock(t, "2026-10-03 10:20")
	return d
}

// messageFiles stands in for the file dialogs of the messages screen.
type messageFiles struct {
	dir      string
	saved    []string
	exts     [][]string
	openPath string
}

func answerMessageFiles(t *testing.T, u *UI) *messageFiles {
	t.Helper()
	f := &messageFiles{dir: t.TempDir()}
	u.messages.chooseOpen = func(exts []string, done func(fyne.URIReadCloser, error)) {
		f.exts = append(f.exts, exts)
		done(storage.Reader(storage.NewFileURI(f.openPath)))
	}
	u.messages.chooseSave = func(name string, exts []string, done func(fyne.URIWriteCloser, error)) {
		f.saved = append(f.saved, name)
		done(storage.Writer(storage.NewFileURI(filepath.Join(f.dir, name))))
	}
	return f
}

func (f *messageFiles) write(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(f.dir, name)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// sparse makes a file of size bytes without writing them.
func (f *messageFiles) sparse(t *testing.T, name string, size int64) string {
	t.Helper()
	path := f.write(t, name, "")
	if err := os.Truncate(path, size); err != nil {
		t.Fatal(err)
	}
	return path
}
