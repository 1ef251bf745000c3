package sms

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

const benchText = "【湘西州应急局】暴雨红色预警，有效至12月8日08时。请吉首市立即落实，回复{code}签收"

// enqueueN queues n messages to distinct people, as one warning does.
func enqueueN(b *testing.B, q *Queue, n int) {
	b.Helper()
	for i := range n {
		if _, err := q.Enqueue(Request{Event: "warning:bench", Person: fmt.Sprint(i), To: fmt.Sprintf("139%08d", i),
			Text: benchText, WantReply: true}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkKannelSend hands messages to a real smsbox (bearerbox, smsbox,
// fakesmsc on loopback): messages per second from queued to accepted.
func BenchmarkKannelSend(b *testing.B) {
	dir := b.TempDir()
	q, err := Open(openDB(b), nil, Config{DailyCap: 1 << 30, PersonCap: 1 << 30})
	if err != nil {
		b.Fatal(err)
	}
	k, smsc := startKannel(b, dir, q)
	q.gw = k
	pr, pw, err := os.Pipe()
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { pw.Close() })
	startProc(b, dir, "fakesmsc", pr, fakesmscBin, "-H", "127.0.0.1", "-r", fmt.Sprint(smsc), "-m", "0")
	enqueueN(b, q, b.N)
	b.ResetTimer()
	start := time.Now()
	q.SendDue(context.Background())
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "msgs/s")
	if q.sent.Load() != int64(b.N) {
		b.Fatalf("sent %d of %d", q.sent.Load(), b.N)
	}
}

// BenchmarkGammuSend writes gammu-smsd outbox files: messages per second
// from queued to handed to the daemon.
func BenchmarkGammuSend(b *testing.B) {
	root := b.TempDir()
	g := &Gammu{Outbox: filepath.Join(root, "outbox")}
	if err := os.Mkdir(g.Outbox, 0o750); err != nil {
		b.Fatal(err)
	}
	q, err := Open(openDB(b), g, Config{DailyCap: 1 << 30, PersonCap: 1 << 30})
	if err != nil {
		b.Fatal(err)
	}
	enqueueN(b, q, b.N)
	b.ResetTimer()
	start := time.Now()
	q.SendDue(context.Background())
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "msgs/s")
}
