package store

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
	"time"

	"dutyroom/app"
	"dutyroom/app/message"
)

// fillMessages stores n messages of duty-room Chinese, 40 to 300
// characters each, among a few conversations, in large transactions.
func fillMessages(tb testing.TB, db *DB, n int) {
	tb.Helper()
	phrases := []string{
		"沅水水位持续上涨，", "已转移群众", "人，", "国道", "处发生塌方，交通中断。", "森林火险等级为四级，",
		"请各乡镇加强巡查，", "值班人员已到岗到位，", "带班领导已在岗，", "暂无人员伤亡报告。", "现场指挥部已成立，",
		"救援队伍正在赶赴现场，", "气象台发布暴雨橙色预警，", "请做好防范应对工作，", "按要求报送续报。",
		"雨量站监测到累计降雨", "毫米，", "地质灾害隐患点", "处已落实监测责任人。", "请于今日17时前反馈。",
	}
	stations := make([]app.ID, 6)
	for i := range stations {
		stations[i] = app.NewID()
	}
	rnd := rand.New(rand.NewPCG(7, 11))
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	const batch = 5000
	for done := 0; done < n; done += batch {
		err := db.update(context.Background(), func(tx *txn) error {
			for i := done; i < min(done+batch, n); i++ {
				var b strings.Builder
				for b.Len() < 120+rnd.IntN(780) {
					b.WriteString(phrases[rnd.IntN(len(phrases))])
					if rnd.IntN(3) == 0 {
						fmt.Fprintf(&b, "%d", rnd.IntN(500))
					}
				}
				from, to := stations[rnd.IntN(3)], stations[3+rnd.IntN(3)]
				m := message.Message{
					ID: app.NewID(), From: from, To: []app.ID{to}, Kind: message.KindMessage,
					Subject: fmt.Sprintf("第%d期值班信息", i), Text: b.String(), SentAt: start.Add(time.Duration(i) * time.Minute),
				}
				if _, err := putMessage(tx, &m, app.NilID); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			tb.Fatal(err)
		}
	}
}

// BenchmarkMessageSearch scans 100,000 messages: a word found in one
// message in a thousand (the whole bucket is read), a word found nowhere,
// and a common word whose first page of 50 is found at once.
func BenchmarkMessageSearch(b *testing.B) {
	db, err := Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	const n = 100_000
	t0 := time.Now()
	fillMessages(b, db, n)
	fill := time.Since(t0)
	info, _ := os.Stat(db.Path())
	b.Logf("%d messages stored in %v; file %.0f MB", n, fill.Round(time.Millisecond), float64(info.Size())/(1<<20))
	s := NewMessages(db)
	for _, c := range []struct {
		name, query string
		want        int
	}{
		{"rare", "第4242", 11},      // 第4242期 and 第42420期 to 第42429期: the whole bucket is scanned
		{"none", "台风", 0},          // not in any message
		{"common", "沅水水位", 50},     // found at once
		{"two words", "塌方 橙色", 50}, // both words, in any order
	} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				got, err := s.Search(context.Background(), c.query, 50)
				if err != nil || len(got) != c.want {
					b.Fatalf("%q: %d found, want %d (%v)", c.query, len(got), c.want, err)
				}
			}
		})
	}
}

// BenchmarkMessageAttachment20MB sends a message with a 20 MB file (160
// parts) and takes it in at a second duty room four parts per delivery, as
// the hub's frames carry them, each delivery its own transaction.
func BenchmarkMessageAttachment20MB(b *testing.B) {
	ctx := app.WithAuthor(context.Background(), "fixture")
	p := app.Station{ID: app.NewID(), Code: "433100", Name: "湘西州", Tier: app.TierPrefecture}
	c := app.Station{ID: app.NewID(), Code: "433101", Name: "吉首市", Tier: app.TierCounty, Parent: p.ID}
	open := func(self app.ID) *DB {
		db, err := Open(b.TempDir())
		if err != nil {
			b.Fatal(err)
		}
		if err := NewDirectory(db).ImportStations(ctx, []app.Station{p, c}); err != nil {
			b.Fatal(err)
		}
		if err := NewIdentity(db).SetIdentity(ctx, self); err != nil {
			b.Fatal(err)
		}
		return db
	}
	content := make([]byte, 20<<20)
	rnd := rand.New(rand.NewPCG(3, 5))
	for i := range content {
		content[i] = byte(rnd.UintN(256))
	}
	var send, receive time.Duration
	for b.Loop() {
		b.StopTimer()
		from, to := open(c.ID), open(p.ID)
		queued, _ := from.OutboxLen(ctx)
		b.StartTimer()
		t0 := time.Now()
		m := message.Message{Kind: message.KindMessage, To: []app.ID{p.ID}, Text: "现场录像"}
		err := NewMessages(from).Send(ctx, &m, []message.File{{Name: "现场.mp4", Size: int64(len(content)), Content: strings.NewReader(string(content))}})
		if err != nil {
			b.Fatal(err)
		}
		send += time.Since(t0)
		ops, err := from.Outbox(ctx, uint64(queued), 1000)
		if err != nil || len(ops) != 161 {
			b.Fatalf("%d operations queued, %v", len(ops), err)
		}
		t0 = time.Now()
		for i := 0; i < len(ops); i += 4 {
			if _, err := to.ApplyIncoming(ctx, "e", uint64(i+1), ops[i:min(i+4, len(ops))]); err != nil {
				b.Fatal(err)
			}
		}
		receive += time.Since(t0)
		b.StopTimer()
		st, err := NewMessages(to).AttachmentState(ctx, m.Attachments[0].SHA256)
		if err != nil || !st.Complete {
			b.Fatalf("not complete at the receiver: %+v, %v", st, err)
		}
		from.Close()
		to.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(send.Milliseconds())/float64(b.N), "send-ms/op")
	b.ReportMetric(float64(receive.Milliseconds())/float64(b.N), "receive-ms/op")
}
