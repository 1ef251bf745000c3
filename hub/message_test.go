package hub_test

import (
	"bytes"
	"context"
	"slices"
	"testing"
	"time"

	"dutyroom/app"
	"dutyroom/app/message"
	"dutyroom/app/wire"
	"dutyroom/hub"
	"dutyroom/store"
)

// msgClient is a duty room with its messaging service, logged in and
// caught up, with its station chosen.
type msgClient struct {
	*client
	msgs *store.Messages
	st   app.Station
}

func startMsgClient(t *testing.T, h *testHub, user string, st app.Station) *msgClient {
	t.Helper()
	c := newClient(t, user)
	c.start(h.addr, user)
	c.caughtUp()
	c.setIdentity(st)
	return &msgClient{client: c, msgs: store.NewMessages(c.db), st: st}
}

func (c *msgClient) send(m message.Message, files ...message.File) message.Message {
	c.t.Helper()
	if err := c.msgs.Send(context.Background(), &m, files); err != nil {
		c.t.Fatalf("%s sends: %v", c.name, err)
	}
	c.eng.Kick()
	return m
}

func (c *msgClient) has(id app.ID) bool {
	_, err := c.msgs.FindMessage(context.Background(), id)
	return err == nil
}

func (c *msgClient) receipt(msg, station app.ID) message.Receipt {
	c.t.Helper()
	list, err := c.msgs.Receipts(context.Background(), msg)
	if err != nil {
		c.t.Fatal(err)
	}
	for _, r := range list {
		if r.Station == station {
			return r
		}
	}
	c.t.Fatalf("message %s has no receipt for station %s", msg, station)
	return message.Receipt{}
}

// waitMarker sends a message from the county to a station and waits until
// it has arrived there. The hub delivers in log order, so once the marker
// is in, anything pushed before it that was meant for that station is in
// too: what is missing then was never routed there.
func waitMarker(t *testing.T, from *msgClient, to *msgClient) {
	t.Helper()
	marker := from.send(message.Message{Kind: message.KindMessage, To: []app.ID{to.st.ID}, Text: "标记"})
	waitFor(t, "the marker at "+to.name, func() bool { return to.has(marker.ID) })
}

// 越级直报 end to end: a township's report to the prefecture, with a
// photo, reaches the prefecture whole and the county as a copy, never the
// sibling township; delivered and read receipts come back to the township;
// the same operation pushed again is stored and applied once.
func TestMessageDirectReportThroughTheHub(t *testing.T) {
	h := startHub(t, hub.Config{})
	tr := h.tree
	p := startMsgClient(t, h, "p", tr.P)
	c1 := startMsgClient(t, h, "c1", tr.C1)
	t1 := startMsgClient(t, h, "t1", tr.T1)
	t2 := startMsgClient(t, h, "t2", tr.T2)

	photo := bytes.Repeat([]byte("现场照片"), 100_000) // 1.2 MB: ten parts
	a, err := message.DirectReport(app.NewTree(tr.list()), tr.T1.ID, tr.P.ID)
	if err != nil {
		t.Fatal(err)
	}
	report := t1.send(message.Message{Kind: message.KindDirectReport, To: a.To, CC: a.CC, Subject: "乾州街道山体滑坡信息直报",
		Text: "今日9时许，乾州街道某村发生山体滑坡，初步核实2人失联，现场照片见附件。"},
		message.File{Name: "现场.jpg", MIME: "image/jpeg", Size: int64(len(photo)), Content: bytes.NewReader(photo)})
	sha := report.Attachments[0].SHA256

	waitFor(t, "the report and its photo at the prefecture", func() bool {
		st, err := p.msgs.AttachmentState(context.Background(), sha)
		return p.has(report.ID) && err == nil && st.Complete
	})
	if data, err := p.msgs.Attachment(context.Background(), sha); err != nil || !bytes.Equal(data, photo) {
		t.Fatalf("the photo at the prefecture: %v", err)
	}
	waitFor(t, "the copy at the county", func() bool { return c1.has(report.ID) })
	waitMarker(t, c1, t2)
	if t2.has(report.ID) {
		t.Fatal("the sibling township received the direct report")
	}
	if _, err := t2.msgs.AttachmentState(context.Background(), sha); app.ErrorCode(err) != app.ENOTFOUND {
		t.Fatalf("the sibling township holds the photo: %v", err)
	}

	waitFor(t, "delivered receipts at the township", func() bool {
		return !t1.receipt(report.ID, tr.P.ID).Delivered.IsZero() && !t1.receipt(report.ID, tr.C1.ID).Delivered.IsZero()
	})
	if err := p.msgs.MarkRead(app.WithAuthor(context.Background(), "州值班员"), report.ID); err != nil {
		t.Fatal(err)
	}
	p.eng.Kick()
	waitFor(t, "the read receipt at the township", func() bool { return !t1.receipt(report.ID, tr.P.ID).Read.IsZero() })
	if r := t1.receipt(report.ID, tr.P.ID); r.By != "州值班员" {
		t.Fatalf("read by %q", r.By)
	}
	if r := t1.receipt(report.ID, tr.C1.ID); !r.Read.IsZero() {
		t.Fatal("the county is shown as having read it")
	}

	// The same operation again, on a second connection: the hub keeps it
	// once, and delivering it again to the prefecture changes nothing.
	p.caughtUp()
	t1.caughtUp()
	sent, err := t1.db.Sent(context.Background(), 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(sent, func(op app.Operation) bool { return op.Kind == message.OpSend && op.Entity == report.ID })
	if i < 0 {
		t.Fatal("the report is not in the township's sent journal")
	}
	// The township's duty room stops first: the hub keeps one connection
	// per station, and the engine reconnecting would put this one out
	// before its ack arrived.
	t1.stop()
	r := dialRaw(t, h.addr)
	r.login("t1")
	r.send(wire.TypePush, "again", wire.Push{Ops: []app.Operation{sent[i]}})
	r.expect(wire.TypeAck)
	n := 0
	for _, d := range h.logOps() {
		if d.Op.ID == sent[i].ID {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("the hub's log holds the report %d times", n)
	}
	queued, _ := p.db.OutboxLen(context.Background())
	if _, err := p.db.ApplyIncoming(context.Background(), h.srv.Epoch(), 1, []app.Operation{sent[i]}); err != nil {
		t.Fatal(err)
	}
	list, err := p.msgs.Messages(context.Background(), report.Conversation(), app.NilID, 10)
	if err != nil || len(list) != 1 {
		t.Fatalf("the prefecture's thread after a repeated delivery: %d messages, %v", len(list), err)
	}
	if n, _ = p.db.OutboxLen(context.Background()); n != queued {
		t.Fatal("a repeated delivery queued another receipt")
	}
}

// A notice from the prefecture to every county shows who has acknowledged;
// a county that was offline for the whole exchange gets the notice and the
// messages sent meanwhile when it connects, and its acknowledgement
// completes the list.
func TestMessageNoticeAcknowledgedThroughTheHub(t *testing.T) {
	h := startHub(t, hub.Config{})
	tr := h.tree
	p := startMsgClient(t, h, "p", tr.P)
	c1 := startMsgClient(t, h, "c1", tr.C1)
	c2 := startMsgClient(t, h, "c2", tr.C2)
	c2.stop()

	addr, err := message.ToSubordinates(app.NewTree(tr.list()), tr.P.ID)
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(time.Hour).UTC()
	notice := p.send(message.Message{Kind: message.KindNotice, To: addr.To, Subject: "关于加强汛期值班值守的通知",
		Text: "各县市区：请于今日12时前报送汛期值班表。", AckBy: &deadline})
	var meanwhile []message.Message
	for _, text := range []string{"请核实泸溪县雨情", "泸溪县值班电话是否畅通？", "请回复"} {
		meanwhile = append(meanwhile, p.send(message.Message{Kind: message.KindMessage, To: []app.ID{tr.C2.ID}, Text: text}))
	}

	waitFor(t, "the notice at the county online", func() bool { return c1.has(notice.ID) })
	if err := c1.msgs.Acknowledge(context.Background(), notice.ID, "吉首市带班领导"); err != nil {
		t.Fatal(err)
	}
	c1.eng.Kick()
	waitFor(t, "the acknowledgement at the prefecture", func() bool {
		st, err := p.msgs.AckStatus(context.Background(), notice.ID)
		return err == nil && len(st.Acked) == 1
	})
	st, _ := p.msgs.AckStatus(context.Background(), notice.ID)
	if st.Acked[0].Station != tr.C1.ID || st.Acked[0].By != "吉首市带班领导" || len(st.Pending) != 1 || st.Pending[0].Station != tr.C2.ID || !st.Pending[0].Delivered.IsZero() {
		t.Fatalf("while 泸溪县 is offline: %+v", st)
	}

	c2.start(h.addr, "c2")
	c2.caughtUp()
	for _, m := range append([]message.Message{notice}, meanwhile...) {
		if !c2.has(m.ID) {
			t.Fatalf("after reconnecting, %q is missing", m.Text)
		}
	}
	if _, n, _ := c2.msgs.Unread(context.Background(), 0); n != 4 {
		t.Fatalf("%d unread after reconnecting, want 4", n)
	}
	if err := c2.msgs.Acknowledge(context.Background(), notice.ID, "泸溪县值班员"); err != nil {
		t.Fatal(err)
	}
	c2.eng.Kick()
	waitFor(t, "both acknowledgements at the prefecture", func() bool {
		st, err := p.msgs.AckStatus(context.Background(), notice.ID)
		return err == nil && len(st.Acked) == 2 && len(st.Pending) == 0
	})
	for _, m := range meanwhile {
		if p.receipt(m.ID, tr.C2.ID).Delivered.IsZero() {
			t.Fatalf("no delivered receipt for %q", m.Text)
		}
	}
}
