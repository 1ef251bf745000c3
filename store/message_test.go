package store_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"dutyroom/app"
	"dutyroom/app/message"
	"dutyroom/store"
	"dutyroom/store/storetest"
)

// msgWorld is one prefecture with a duty room per station, each with its
// own file, and a relay standing in for the hub: it hands every message
// operation in a duty room's outbox to the stations named in its To.
//
//	P 湘西州
//	├── C1 吉首市
//	│   ├── T1 乾州街道
//	│   └── T2 峒河街道
//	└── C2 泸溪县
type msgWorld struct {
	t                 *testing.T
	P, C1, C2, T1, T2 app.Station
	rooms             map[app.ID]*msgRoom
}

type msgRoom struct {
	st      app.Station
	db      *store.DB
	msgs    *store.Messages
	relayed uint64 // outbox seq handed on so far
	pos     uint64 // the cursor of what it took in
}

func newMsgWorld(t *testing.T) *msgWorld {
	t.Helper()
	w := &msgWorld{t: t, rooms: map[app.ID]*msgRoom{}}
	w.P = app.Station{ID: app.NewID(), Code: "433100", Name: "湘西州", Tier: app.TierPrefecture}
	w.C1 = app.Station{ID: app.NewID(), Code: "433101", Name: "吉首市", Tier: app.TierCounty, Parent: w.P.ID}
	w.C2 = app.Station{ID: app.NewID(), Code: "433122", Name: "泸溪县", Tier: app.TierCounty, Parent: w.P.ID}
	w.T1 = app.Station{ID: app.NewID(), Code: "433101001", Name: "乾州街道", Tier: app.TierTownship, Parent: w.C1.ID}
	w.T2 = app.Station{ID: app.NewID(), Code: "433101002", Name: "峒河街道", Tier: app.TierTownship, Parent: w.C1.ID}
	for _, st := range []app.Station{w.P, w.C1, w.C2, w.T1, w.T2} {
		db := storetest.Open(t)
		if err := store.NewDirectory(db).ImportStations(ctx, []app.Station{w.P, w.C1, w.C2, w.T1, w.T2}); err != nil {
			t.Fatal(err)
		}
		if err := store.NewIdentity(db).SetIdentity(ctx, st.ID); err != nil {
			t.Fatal(err)
		}
		// The directory was imported here, not made here: it does not travel.
		n := outboxLen(t, db)
		if _, err := db.AckOutbox(ctx, uint64(n)); err != nil {
			t.Fatal(err)
		}
		w.rooms[st.ID] = &msgRoom{st: st, db: db, msgs: store.NewMessages(db), relayed: uint64(n)}
	}
	return w
}

func (w *msgWorld) room(st app.Station) *msgRoom { return w.rooms[st.ID] }

// pending returns the message operations a room has queued and not relayed.
func (r *msgRoom) pending(t *testing.T) []app.Operation {
	t.Helper()
	ops, err := r.db.Outbox(ctx, r.relayed, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	return ops
}

// relay hands on everything queued in the rooms of from, as the hub would,
// and returns what went where.
func (w *msgWorld) relay(from ...app.Station) map[app.ID][]app.Operation {
	w.t.Helper()
	out := map[app.ID][]app.Operation{}
	for _, st := range from {
		r := w.room(st)
		for _, op := range r.pending(w.t) {
			if op.Scope != app.ScopeNone {
				w.t.Fatalf("%s queued %s with scope %q: messages go to the stations named only", st.Name, op.Kind, op.Scope)
			}
			for _, to := range op.To {
				out[to] = append(out[to], op)
			}
			r.relayed = op.Seq
		}
	}
	for to, ops := range out {
		w.deliver(w.rooms[to], ops...)
	}
	return out
}

func (w *msgWorld) deliver(r *msgRoom, ops ...app.Operation) {
	w.t.Helper()
	r.pos++
	if _, err := r.db.ApplyIncoming(ctx, "epoch", r.pos, ops); err != nil {
		w.t.Fatal(err)
	}
}

func (r *msgRoom) send(t *testing.T, m message.Message, files ...message.File) message.Message {
	t.Helper()
	if err := r.msgs.Send(ctx, &m, files); err != nil {
		t.Fatalf("%s sends: %v", r.st.Name, err)
	}
	return m
}

func (r *msgRoom) receipts(t *testing.T, id app.ID) map[app.ID]message.Receipt {
	t.Helper()
	list, err := r.msgs.Receipts(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	out := map[app.ID]message.Receipt{}
	for _, rc := range list {
		out[rc.Station] = rc
	}
	return out
}

func (r *msgRoom) unread(t *testing.T) int {
	t.Helper()
	_, n, err := r.msgs.Unread(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func (r *msgRoom) has(id app.ID) bool {
	_, err := r.msgs.FindMessage(ctx, id)
	return err == nil
}

func (w *msgWorld) directReport(text string) message.Message {
	a, err := message.DirectReport(app.NewTree([]app.Station{w.P, w.C1, w.C2, w.T1, w.T2}), w.T1.ID, w.P.ID)
	if err != nil {
		w.t.Fatal(err)
	}
	return message.Message{Kind: message.KindDirectReport, To: a.To, CC: a.CC, Subject: "信息直报", Text: text}
}

// A township's direct report to the prefecture is stored and queued with
// the county copied; the prefecture and the county get it, the sibling
// township does not; delivered and read receipts come back to the sender.
func TestMessageDirectReportWithReceipts(t *testing.T) {
	w := newMsgWorld(t)
	t1, p, c1 := w.room(w.T1), w.room(w.P), w.room(w.C1)
	sentAt := time.Date(2026, 6, 20, 2, 0, 0, 0, time.UTC)
	clockAt(t1.db, sentAt)
	m := t1.send(t, w.directReport("白沙镇汛情初报：沅水水位超警戒0.5米，转移群众120人。"))
	if m.From != w.T1.ID || m.Author != "张值班" || !m.SentAt.Equal(sentAt) || !slices.Equal(m.CC, []app.ID{w.C1.ID}) {
		t.Fatalf("sent: %+v", m)
	}
	ops := t1.pending(t)
	if len(ops) != 1 || ops[0].Kind != message.OpSend || !slices.Equal(ops[0].To, []app.ID{w.P.ID, w.C1.ID}) || ops[0].Origin != w.T1.ID {
		t.Fatalf("queued: %+v", ops)
	}

	got := w.relay(w.T1)
	if len(got) != 2 || got[w.T2.ID] != nil {
		t.Fatalf("relayed to %d stations", len(got))
	}
	if !p.has(m.ID) || !c1.has(m.ID) || w.room(w.T2).has(m.ID) {
		t.Fatal("the report is not where it belongs")
	}
	if p.unread(t) != 1 || c1.unread(t) != 1 {
		t.Fatal("the report is not unread at its recipients")
	}
	convs, err := p.msgs.Conversations(ctx, w.P.ID)
	if err != nil || len(convs) != 1 || convs[0].Unread != 1 || convs[0].Last.ID != m.ID || convs[0].ID != m.Conversation() {
		t.Fatalf("the prefecture's conversations: %+v, %v", convs, err)
	}

	// Each recipient confirmed delivery; the sender learns it.
	w.relay(w.P, w.C1)
	rc := t1.receipts(t, m.ID)
	if rc[w.P.ID].Delivered.IsZero() || rc[w.C1.ID].Delivered.IsZero() || !rc[w.P.ID].Read.IsZero() {
		t.Fatalf("receipts at the sender after delivery: %+v", rc)
	}
	convs, _ = t1.msgs.Conversations(ctx, w.T1.ID)
	if len(convs) != 1 || convs[0].Unread != 0 {
		t.Fatalf("the sender's own message is unread for it: %+v", convs)
	}

	readAt := sentAt.Add(3 * time.Minute)
	clockAt(p.db, readAt)
	if err := p.msgs.MarkRead(app.WithAuthor(ctx, "州值班员王"), m.ID); err != nil {
		t.Fatal(err)
	}
	if err := p.msgs.MarkRead(ctx, m.ID); err != nil {
		t.Fatal(err)
	}
	if p.unread(t) != 0 {
		t.Fatal("still unread after reading")
	}
	if n := len(p.pending(t)); n != 1 {
		t.Fatalf("reading twice queued %d receipts", n)
	}
	w.relay(w.P)
	rc = t1.receipts(t, m.ID)
	if !rc[w.P.ID].Read.Equal(readAt) || rc[w.P.ID].By != "州值班员王" || !rc[w.C1.ID].Read.IsZero() {
		t.Fatalf("read receipt at the sender: %+v", rc)
	}

	// The county was copied; marking the conversation read covers it.
	n, err := c1.msgs.MarkConversationRead(ctx, m.Conversation())
	if err != nil || n != 1 || c1.unread(t) != 0 {
		t.Fatalf("mark the conversation read: %d, %v", n, err)
	}
	// A message not addressed here cannot be marked read.
	if err := t1.msgs.MarkRead(ctx, m.ID); app.ErrorCode(err) != app.EINVALID || !strings.Contains(err.Error(), "not addressed to this duty room") {
		t.Fatalf("the sender marks its own message read: %v", err)
	}
}

// A notice to every county shows who has acknowledged by the deadline,
// who late, and who not yet.
func TestMessageNoticeAcknowledgements(t *testing.T) {
	w := newMsgWorld(t)
	p, c1, c2 := w.room(w.P), w.room(w.C1), w.room(w.C2)
	tree := app.NewTree([]app.Station{w.P, w.C1, w.C2, w.T1, w.T2})
	a, err := message.ToSubordinates(tree, w.P.ID)
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 6, 20, 1, 0, 0, 0, time.UTC)
	clockAt(p.db, t0)
	deadline := t0.Add(time.Hour)
	notice := p.send(t, message.Message{Kind: message.KindNotice, To: a.To, Subject: "关于做好强降雨防范工作的通知", Text: "各县市：请于10时前报告值班安排。", AckBy: &deadline})
	w.relay(w.P)
	w.relay(w.C1, w.C2)

	clockAt(c1.db, t0.Add(20*time.Minute))
	if err := c1.msgs.Acknowledge(ctx, notice.ID, " 吉首市带班领导李 "); err != nil {
		t.Fatal(err)
	}
	err = c1.msgs.Acknowledge(ctx, notice.ID, "李")
	if app.ErrorCode(err) != app.ECONFLICT || !strings.Contains(err.Error(), "吉首市带班领导李 already acknowledged") {
		t.Fatalf("acknowledging twice: %v", err)
	}
	if err := c2.msgs.Acknowledge(ctx, notice.ID, ""); app.ErrorField(err) != "by" {
		t.Fatalf("acknowledging without a name: %v", err)
	}
	w.relay(w.C1, w.C2)

	st, err := p.msgs.AckStatus(ctx, notice.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Acked) != 1 || st.Acked[0].Station != w.C1.ID || st.Acked[0].By != "吉首市带班领导李" || st.Acked[0].Late(st.AckBy, t0) {
		t.Fatalf("acknowledged: %+v", st.Acked)
	}
	if len(st.Pending) != 1 || st.Pending[0].Station != w.C2.ID || st.Pending[0].Delivered.IsZero() {
		t.Fatalf("pending: %+v", st.Pending)
	}
	if len(st.Overdue(t0.Add(30*time.Minute))) != 0 || len(st.Overdue(t0.Add(61*time.Minute))) != 1 {
		t.Fatal("overdue before and after the deadline")
	}
	// An acknowledgement implies reading: the county has nothing unread.
	if c1.unread(t) != 0 || c2.unread(t) != 1 {
		t.Fatalf("unread: 吉首市 %d, 泸溪县 %d", c1.unread(t), c2.unread(t))
	}

	clockAt(c2.db, t0.Add(2*time.Hour))
	if err := c2.msgs.Acknowledge(ctx, notice.ID, "泸溪值班员"); err != nil {
		t.Fatal(err)
	}
	w.relay(w.C2)
	st, _ = p.msgs.AckStatus(ctx, notice.ID)
	if len(st.Acked) != 2 || len(st.Pending) != 0 || !st.Acked[1].Late(st.AckBy, t0) {
		t.Fatalf("after the late acknowledgement: %+v", st)
	}

	// Only notices are acknowledged, and only by their addressees.
	plain := c1.send(t, message.Message{Kind: message.KindMessage, To: []app.ID{w.T1.ID}, Text: "收到"})
	w.relay(w.C1)
	if err := w.room(w.T1).msgs.Acknowledge(ctx, plain.ID, "乾州"); app.ErrorField(err) != "kind" {
		t.Fatalf("acknowledging a message: %v", err)
	}
	if _, err := c1.msgs.AckStatus(ctx, plain.ID); app.ErrorField(err) != "kind" {
		t.Fatalf("status of a message: %v", err)
	}
	cc := c1.send(t, message.Message{Kind: message.KindNotice, To: []app.ID{w.T1.ID}, CC: []app.ID{w.T2.ID}, Subject: "通知", Text: "抄送测试"})
	w.relay(w.C1)
	if err := w.room(w.T2).msgs.Acknowledge(ctx, cc.ID, "峒河"); app.ErrorField(err) != "to" || !strings.Contains(err.Error(), "has a copy") {
		t.Fatalf("a copied station acknowledges: %v", err)
	}
}

// Bad input gets a clear error and changes nothing stored.
func TestMessageSendRefusesBadInput(t *testing.T) {
	w := newMsgWorld(t)
	t1 := w.room(w.T1)
	t1.msgs.Limits.MaxAttachment = 1 << 20
	before := outboxLen(t, t1.db)
	big := bytes.Repeat([]byte("x"), 2<<20)
	for _, c := range []struct {
		name  string
		m     message.Message
		files []message.File
		code  string
		want  string
	}{
		{"empty text", message.Message{Kind: message.KindMessage, To: []app.ID{w.C1.ID}, Text: "  "}, nil, app.EINVALID, "no text"},
		{"sibling", message.Message{Kind: message.KindMessage, To: []app.ID{w.T2.ID}, Text: "你好"}, nil, app.EINVALID, "write to 吉首市"},
		{"other branch", message.Message{Kind: message.KindMessage, To: []app.ID{w.C2.ID}, Text: "你好"}, nil, app.EINVALID, "泸溪县 is neither above nor below 乾州街道"},
		{"unknown", message.Message{Kind: message.KindMessage, To: []app.ID{app.NewID()}, Text: "你好"}, nil, app.EINVALID, "is not in the station tree"},
		{"as another", message.Message{From: w.C1.ID, Kind: message.KindMessage, To: []app.ID{w.P.ID}, Text: "你好"}, nil, app.EFORBIDDEN, "cannot send as"},
		{"over the limit", message.Message{Kind: message.KindMessage, To: []app.ID{w.C1.ID}, Text: "附件"},
			[]message.File{{Name: "录像.mp4", Size: int64(len(big)), Content: bytes.NewReader(big)}}, app.EINVALID, "录像.mp4 is 2.0 MB; the limit is 1.0 MB"},
		{"short read", message.Message{Kind: message.KindMessage, To: []app.ID{w.C1.ID}, Text: "附件"},
			[]message.File{{Name: "a.pdf", Size: 10, Content: strings.NewReader("abc")}}, app.EINVALID, "changed while it was read"},
		{"forward unknown content", message.Message{Kind: message.KindMessage, To: []app.ID{w.C1.ID}, Text: "转发",
			Attachments: []message.Attachment{{Name: "a.pdf", Size: 3, SHA256: strings.Repeat("c", 64)}}}, nil, app.EINVALID, "a.pdf cannot be sent on"},
	} {
		err := t1.msgs.Send(ctx, &c.m, c.files)
		if app.ErrorCode(err) != c.code || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %s %q", c.name, err, c.code, c.want)
		}
	}
	if outboxLen(t, t1.db) != before {
		t.Fatal("a refused message reached the outbox")
	}
	if convs, _ := t1.msgs.Conversations(ctx, w.T1.ID); len(convs) != 0 {
		t.Fatalf("a refused message was stored: %+v", convs)
	}
	if _, err := t1.msgs.Search(ctx, "你好", 10); err != nil {
		t.Fatal(err)
	}
	if _, err := t1.msgs.Search(ctx, " \t", 10); app.ErrorField(err) != "query" {
		t.Fatalf("empty search: %v", err)
	}
	if _, err := t1.msgs.Messages(ctx, app.NewID(), app.NilID, 0); app.ErrorCode(err) != app.EINVALID {
		t.Fatalf("a page of 0: %v", err)
	}

	// A duty room that has not chosen its station cannot send.
	db := storetest.Open(t)
	if err := store.NewDirectory(db).ImportStations(ctx, []app.Station{w.P, w.C1}); err != nil {
		t.Fatal(err)
	}
	err := store.NewMessages(db).Send(ctx, &message.Message{Kind: message.KindMessage, To: []app.ID{w.P.ID}, Text: "你好"}, nil)
	if app.ErrorCode(err) != app.ENOTFOUND || !strings.Contains(err.Error(), "has not chosen its station") {
		t.Fatalf("sending before choosing the station: %v", err)
	}
}

func TestMessageSearchAndPages(t *testing.T) {
	w := newMsgWorld(t)
	t1, c1 := w.room(w.T1), w.room(w.C1)
	texts := []string{
		"白沙镇汛情初报：沅水水位上涨",
		"乾州街道森林火险等级 ＨＩＧＨ，已安排巡查",
		"关于G209国道塌方的续报",
		"值班人员已到岗",
	}
	var sent []message.Message
	for i := range 12 {
		sent = append(sent, t1.send(t, message.Message{Kind: message.KindMessage, To: []app.ID{w.C1.ID}, Subject: fmt.Sprintf("第%d号", i+1), Text: texts[i%len(texts)]}))
	}
	w.relay(w.T1)
	for _, c := range []struct {
		query string
		n     int
	}{
		{"汛情", 3}, {"沅水 上涨", 3}, {"水位 火险", 0}, {"high", 3}, {"ｇ209", 3}, {"塌", 3}, {"第12号", 1}, {"台风", 0},
	} {
		got, err := c1.msgs.Search(ctx, c.query, 50)
		if err != nil || len(got) != c.n {
			t.Errorf("search %q: %d found, want %d (%v)", c.query, len(got), c.n, err)
		}
	}
	got, _ := c1.msgs.Search(ctx, "值班", 2)
	if len(got) != 2 || got[0].ID != sent[11].ID || got[1].ID != sent[7].ID {
		t.Fatalf("search is newest first and stops at the limit: %v", got)
	}

	conv := sent[0].Conversation()
	var pages [][]message.Message
	for before := app.NilID; ; {
		page, err := c1.msgs.Messages(ctx, conv, before, 5)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		pages = append(pages, page)
		before = page[len(page)-1].ID
	}
	if len(pages) != 3 || len(pages[2]) != 2 || pages[0][0].ID != sent[11].ID || pages[2][1].ID != sent[0].ID {
		t.Fatalf("pages of 5 over 12 messages: %d pages", len(pages))
	}
	list, total, err := c1.msgs.Unread(ctx, 3)
	if err != nil || total != 12 || len(list) != 3 || list[0].ID != sent[11].ID {
		t.Fatalf("unread: %d of %d, %v", len(list), total, err)
	}
}

func sha(data []byte) string {
	s := sha256.Sum256(data)
	return hex.EncodeToString(s[:])
}

// An attachment travels in parts. A recipient that got some of them shows
// it as incomplete and will not open it; the rest, arriving later with
// parts repeated, complete it; parts that do not fit are refused.
func TestMessageAttachmentChunksResume(t *testing.T) {
	w := newMsgWorld(t)
	t1, c1, p := w.room(w.T1), w.room(w.C1), w.room(w.P)
	content := make([]byte, 2*message.ChunkSize+1000)
	rnd := rand.New(rand.NewPCG(1, 2))
	for i := range content {
		content[i] = byte(rnd.UintN(256))
	}
	photo := []byte("\xff\xd8\xff small photo")
	m := t1.send(t, w.directReport("现场照片和报告见附件"),
		message.File{Name: "现场报告.docx", MIME: "application/vnd.openxmlformats-officedocument.wordprocessingml.document", Size: int64(len(content)), Content: bytes.NewReader(content)},
		message.File{Name: "现场.jpg", MIME: "image/jpeg", Size: int64(len(photo)), Content: bytes.NewReader(photo)},
	)
	if len(m.Attachments) != 2 || m.Attachments[0].SHA256 != sha(content) {
		t.Fatalf("attachments: %+v", m.Attachments)
	}
	if data, err := t1.msgs.Attachment(ctx, sha(content)); err != nil || !bytes.Equal(data, content) {
		t.Fatalf("the sender's own copy: %v", err)
	}
	ops := t1.pending(t)
	if len(ops) != 1+3+1 || ops[0].Kind != message.OpSend {
		t.Fatalf("queued %d operations, want the message then 3 + 1 parts", len(ops))
	}
	for _, op := range ops {
		if len(op.Payload) > app.MaxOpPayload {
			t.Fatalf("a %s of %d bytes does not fit an operation", op.Kind, len(op.Payload))
		}
	}
	t1.relayed = ops[len(ops)-1].Seq

	// The county gets the message and the first part, then the line drops.
	w.deliver(c1, ops[0], ops[1])
	st, err := c1.msgs.AttachmentState(ctx, sha(content))
	if err != nil || st.Complete || st.Have != 1 || st.Parts != 3 {
		t.Fatalf("after one part: %+v, %v", st, err)
	}
	_, err = c1.msgs.Attachment(ctx, sha(content))
	if app.ErrorCode(err) != app.ECONFLICT || !strings.Contains(err.Error(), "incomplete: 1 of 3 parts") {
		t.Fatalf("opening a part-received attachment: %v", err)
	}

	// A part that does not fit is refused, with the reason kept.
	var c message.Chunk
	if err := json.Unmarshal(ops[2].Payload, &c); err != nil {
		t.Fatal(err)
	}
	bad := ops[2]
	bad.ID, c.Data = app.NewID(), c.Data[:100]
	bad.Payload, _ = json.Marshal(c)
	w.deliver(c1, bad)
	if st, _ := c1.msgs.AttachmentState(ctx, sha(content)); st.Have != 1 {
		t.Fatalf("a short part was stored: %+v", st)
	}
	kept, _ := c1.db.KeptOps(ctx, 10)
	if len(kept) != 1 || !strings.Contains(kept[0].Reason, "part 1 of attachment") || !strings.Contains(kept[0].Reason, "has 100 bytes, not 131072") {
		t.Fatalf("kept: %+v", kept)
	}

	// Reconnected: the rest arrives, with the first part again.
	w.deliver(c1, ops[1:]...)
	if data, err := c1.msgs.Attachment(ctx, sha(content)); err != nil || !bytes.Equal(data, content) {
		t.Fatalf("after resuming: %v", err)
	}
	if data, err := c1.msgs.Attachment(ctx, sha(photo)); err != nil || !bytes.Equal(data, photo) {
		t.Fatalf("the photo: %v", err)
	}

	// Parts of the right size that do not make the file are refused as a
	// whole, and the attachment never shows as complete.
	forged := slices.Clone(ops)
	for i := 1; i <= 3; i++ {
		var c message.Chunk
		json.Unmarshal(forged[i].Payload, &c)
		c.Data = bytes.Repeat([]byte{'z'}, len(c.Data))
		forged[i].Payload, _ = json.Marshal(c)
	}
	w.deliver(p, forged[:4]...)
	st, _ = p.msgs.AttachmentState(ctx, sha(content))
	_, err = p.msgs.Attachment(ctx, sha(content))
	if st.Complete || !strings.Contains(st.Damaged, "do not make the file sent") || app.ErrorCode(err) != app.ECONFLICT {
		t.Fatalf("forged parts: %+v, %v", st, err)
	}

	// The county forwards the complete report to the prefecture: the
	// content travels again and completes what the forged parts left.
	fwd := c1.send(t, message.Message{Kind: message.KindMessage, To: []app.ID{w.P.ID}, Text: "转报乾州街道现场报告", Attachments: m.Attachments[:1]})
	w.relay(w.C1)
	if data, err := p.msgs.Attachment(ctx, sha(content)); err != nil || !bytes.Equal(data, content) || !p.has(fwd.ID) {
		t.Fatalf("forwarded: %v", err)
	}
}

// The same operation delivered twice is applied once: one message, one
// delivered receipt. Operations that break the rules are kept, not applied.
func TestMessageOpsAppliedOnceAndForgeriesKept(t *testing.T) {
	w := newMsgWorld(t)
	t1, c1 := w.room(w.T1), w.room(w.C1)
	m := t1.send(t, message.Message{Kind: message.KindMessage, To: []app.ID{w.C1.ID}, Text: "测试"})
	ops := t1.pending(t)
	w.deliver(c1, ops...)
	w.deliver(c1, ops...)
	if n := len(c1.pending(t)); n != 1 {
		t.Fatalf("%d receipts queued for one message delivered twice", n)
	}
	if list, _ := c1.msgs.Messages(ctx, m.Conversation(), app.NilID, 10); len(list) != 1 {
		t.Fatalf("%d copies of the message", len(list))
	}

	// A receipt that speaks for another station, a message whose payload
	// names another sender, and one to a sibling are kept with the reason.
	r := message.Receipt{Message: m.ID, Station: w.C1.ID, Read: time.Now().UTC()}
	forgedReceipt := ops[0]
	forgedReceipt.ID, forgedReceipt.Kind, forgedReceipt.Origin = app.NewID(), message.OpReceipt, w.T2.ID
	forgedReceipt.Payload, _ = json.Marshal(r)
	w.deliver(t1, forgedReceipt)

	other := m
	other.ID, other.From = app.NewID(), w.P.ID
	forgedSend := ops[0]
	forgedSend.ID, forgedSend.Entity = app.NewID(), other.ID
	forgedSend.Payload, _ = json.Marshal(message.Sent{Message: other})

	sibling := m
	sibling.ID, sibling.From, sibling.To = app.NewID(), w.T2.ID, []app.ID{w.T1.ID}
	toSibling := ops[0]
	toSibling.ID, toSibling.Origin, toSibling.Entity = app.NewID(), w.T2.ID, sibling.ID
	toSibling.Payload, _ = json.Marshal(message.Sent{Message: sibling})
	w.deliver(t1, toSibling)
	w.deliver(c1, forgedSend)

	keptReasons := func(r *msgRoom) []string {
		kept, _ := r.db.KeptOps(ctx, 10)
		var reasons []string
		for _, k := range kept {
			reasons = append(reasons, k.Reason)
		}
		return reasons
	}
	for _, c := range []struct {
		room *msgRoom
		want []string
	}{
		{t1, []string{"only a station the record is addressed to", "峒河街道 and 乾州街道 are both under 吉首市"}},
		{c1, []string{"station " + w.T1.ID.String() + " sent a message from station " + w.P.ID.String()}},
	} {
		got := keptReasons(c.room)
		if len(got) != len(c.want) {
			t.Fatalf("kept at %s: %q", c.room.st.Name, got)
		}
		for i := range got {
			if !strings.Contains(got[i], c.want[i]) {
				t.Errorf("kept at %s: %q, want %q", c.room.st.Name, got[i], c.want[i])
			}
		}
	}
	if rc := t1.receipts(t, m.ID); !rc[w.C1.ID].Read.IsZero() {
		t.Fatal("a forged receipt was taken")
	}
	if c1.has(other.ID) || t1.has(sibling.ID) {
		t.Fatal("a forged message was stored")
	}
}

// Messages, receipts and contents are in the file: they survive closing it.
func TestMessageSurvivesReopen(t *testing.T) {
	dir := t.TempDir()
	db := storetest.OpenDir(t, dir)
	tr := []app.Station{
		{ID: app.NewID(), Code: "433100", Name: "湘西州", Tier: app.TierPrefecture},
	}
	tr = append(tr, app.Station{ID: app.NewID(), Code: "433101", Name: "吉首市", Tier: app.TierCounty, Parent: tr[0].ID})
	if err := store.NewDirectory(db).ImportStations(ctx, tr); err != nil {
		t.Fatal(err)
	}
	if err := store.NewIdentity(db).SetIdentity(ctx, tr[1].ID); err != nil {
		t.Fatal(err)
	}
	m := message.Message{Kind: message.KindMessage, To: []app.ID{tr[0].ID}, Text: "值班情况报告"}
	if err := store.NewMessages(db).Send(ctx, &m, []message.File{{Name: "a.txt", Size: 2, Content: strings.NewReader("ok")}}); err != nil {
		t.Fatal(err)
	}
	storetest.CloseAndCheck(t, db)
	db = storetest.OpenDir(t, dir)
	msgs := store.NewMessages(db)
	got, err := msgs.Search(ctx, "值班", 10)
	if err != nil || len(got) != 1 || got[0].ID != m.ID {
		t.Fatalf("after reopening: %v, %v", got, err)
	}
	if data, err := msgs.Attachment(ctx, m.Attachments[0].SHA256); err != nil || string(data) != "ok" {
		t.Fatalf("the attachment after reopening: %q, %v", data, err)
	}
}
