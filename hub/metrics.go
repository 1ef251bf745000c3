package hub

import (
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
)

// metrics are the hub's counters, written out in the Prometheus text
// format by hand: a handful of lines does not need a client library.
type metrics struct {
	connections atomic.Int64
	logins      atomic.Int64
	opsIn       atomic.Int64
	opsDup      atomic.Int64
	opsRefused  atomic.Int64
	opsOut      atomic.Int64
	slowDrops   atomic.Int64

	refusals labelled // by error code
	limits   labelled // refusals at a limit (limits.go, throttle.go, quota.go, slow readers), by reason
}

// labelled is a counter per label value.
type labelled struct {
	mu sync.Mutex
	m  map[string]int64
}

func (l *labelled) add(label string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.m == nil {
		l.m = make(map[string]int64)
	}
	l.m[label]++
}

// snapshot returns a copy of the counts.
func (l *labelled) snapshot() map[string]int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make(map[string]int64, len(l.m))
	for k, v := range l.m {
		out[k] = v
	}
	return out
}

// write writes the counter family in label order.
func (l *labelled) write(b *strings.Builder, name, label, help string) {
	fmt.Fprintf(b, "# HELP %s %s\n# TYPE %s counter\n", name, help, name)
	counts := l.snapshot()
	keys := make([]string, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(b, "%s{%s=%q} %d\n", name, label, k, counts[k])
	}
}

func (m *metrics) limited(reason string) { m.limits.add(reason) }

// Limited returns the refusals at limits counted so far by reason.
func (s *Server) Limited() map[string]int64 { return s.metrics.limits.snapshot() }

func (m *metrics) refusal(code string) { m.refusals.add(code) }

// Refusals returns the refusals counted so far by code.
func (s *Server) Refusals() map[string]int64 { return s.metrics.refusals.snapshot() }

// queueDepths asks the table for the frames waiting across connections
// and the longest single queue.
func (s *Server) queueDepths() (total, longest int, bytes int64, ok bool) {
	done := make(chan struct{})
	q := func(t *table) {
		for c := range t.conns {
			n := len(c.send)
			total += n
			longest = max(longest, n)
			bytes += c.queued.Load()
		}
		close(done)
	}
	select {
	case s.queries <- q:
		<-done
		return total, longest, bytes, true
	case <-s.ctx.Done():
		return 0, 0, 0, false
	}
}

func (s *Server) serveMetrics(w http.ResponseWriter, r *http.Request) {
	var b strings.Builder
	metric := func(name, typ, help string, value int64) {
		fmt.Fprintf(&b, "# HELP %s %s\n# TYPE %s %s\n%s %d\n", name, help, name, typ, name, value)
	}
	m := &s.metrics
	metric("dutyhub_connections", "gauge", "Clients connected and past the handshake.", m.connections.Load())
	metric("dutyhub_logins_total", "counter", "Successful password logins.", m.logins.Load())
	metric("dutyhub_operations_in_total", "counter", "Operations stored from pushes.", m.opsIn.Load())
	metric("dutyhub_operations_duplicate_total", "counter", "Pushed operations already stored, skipped.", m.opsDup.Load())
	metric("dutyhub_operations_refused_total", "counter", "Pushed operations refused (forbidden or invalid).", m.opsRefused.Load())
	metric("dutyhub_operations_out_total", "counter", "Operations delivered to clients, counted per recipient.", m.opsOut.Load())
	metric("dutyhub_slow_client_drops_total", "counter", "Connections dropped because their send queue was full.", m.slowDrops.Load())
	metric("dutyhub_commits_total", "counter", "Group commits of the log writer.", s.writer.commits.Load())
	metric("dutyhub_writer_queue", "gauge", "Writes waiting for the log writer.", int64(len(s.writer.jobs)))
	if total, longest, bytes, ok := s.queueDepths(); ok {
		metric("dutyhub_send_queue_frames", "gauge", "Frames waiting to be written, over all connections.", int64(total))
		metric("dutyhub_send_queue_longest", "gauge", "Frames waiting on the busiest connection.", int64(longest))
		metric("dutyhub_send_queue_bytes", "gauge", "Bytes waiting to be written, over all connections.", bytes)
	}
	open, pre := s.gate.counts()
	metric("dutyhub_sockets", "gauge", "Websockets open, logged in or not.", int64(open))
	metric("dutyhub_prelogin_connections", "gauge", "Websockets that have not yet logged in.", int64(pre))
	metric("dutyhub_login_waiting", "gauge", "Logins waiting for a password check.", s.hashWaiters.Load())
	metric("dutyhub_throttle_keys", "gauge", "Addresses and accounts the login throttle holds.", int64(s.throttle.size()))
	s.metrics.refusals.write(&b, "dutyhub_refusals_total", "code", "Requests refused, by error code; each is also logged.")
	s.metrics.limits.write(&b, "dutyhub_limit_refusals_total", "reason", "Requests refused at a limit (connections, logins, quotas, slow readers), by reason; each is also logged.")
	if s.cfg.ExtraMetrics != nil {
		s.cfg.ExtraMetrics(&b)
	}
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	_, _ = w.Write([]byte(b.String()))
}
