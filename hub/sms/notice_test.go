package sms

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"dutyroom/app"
	"dutyroom/app/message"
)

func TestNoticeNearItsDeadlineReachesOnlyTheStationsWithoutAReceipt(t *testing.T) {
	g := newReachRig(t)
	g.kannel()
	g.onDutyToday()
	g.n.Live()
	t0 := g.clock.Now()
	ackBy := t0.Add(time.Hour)
	m := message.Message{ID: app.NewID(), From: g.county.ID, To: []app.ID{g.town.ID, g.town2.ID}, CC: []app.ID{g.village.ID},
		Kind: message.KindNotice, Subject: "关于做好强降雨防范工作的通知", Text: "各乡镇……", AckBy: &ackBy, SentAt: t0}
	data, _ := json.Marshal(message.Sent{Message: m})
	g.n.Observe(app.Operation{ID: app.NewID(), Kind: message.OpSend, Entity: m.ID, At: t0, Payload: data})
	// 镇溪街道 acknowledges; 乾州街道 has only read it.
	for _, r := range []message.Receipt{
		{Message: m.ID, Station: g.town2.ID, Delivered: t0, Read: t0, Acked: t0.Add(time.Minute), By: "李值班"},
		{Message: m.ID, Station: g.town.ID, Delivered: t0, Read: t0.Add(time.Minute), By: "龙值班"},
	} {
		data, _ := json.Marshal(r)
		g.n.Observe(app.Operation{ID: app.NewID(), Kind: message.OpReceipt, Entity: m.ID, At: t0, Payload: data})
	}

	if n := g.n.RemindNotices(ackBy.Add(-31 * time.Minute)); n != 0 {
		t.Fatalf("%d reminders 31 minutes before the deadline", n)
	}
	if n := g.n.RemindNotices(ackBy.Add(-30 * time.Minute)); n != 2 {
		t.Fatalf("%d reminders 30 minutes before, want the leader and officer on duty of 乾州街道", n)
	}
	if n := g.n.RemindNotices(ackBy.Add(-10 * time.Minute)); n != 0 {
		t.Fatalf("the reminder was queued again: %d", n)
	}
	got := g.messages("notice:")
	if strings.Join(names(got), ",") != "向值班,石镇长" {
		t.Fatalf("reminded %v, want the people on duty of the station without a receipt", names(got))
	}
	g.send()
	texts := g.waitReceived(g.people["向值班"].Mobile, 1)
	if !strings.Contains(texts[0], "尚未签收") || !strings.Contains(texts[0], "乾州街道") || !strings.Contains(texts[0], "关于做好强降雨") {
		t.Fatalf("the officer on duty received %q", texts[0])
	}
	if len(g.received(g.people["李值班"].Mobile)) != 0 {
		t.Fatal("the station that acknowledged was reminded")
	}
}
