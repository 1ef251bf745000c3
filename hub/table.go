package hub

import (
	"context"
	"encoding/json"
	"strconv"
	"time"

	"dutyroom/app"
	"dutyroom/app/wire"
)

// table is the connection table. Only its goroutine touches it: it
// registers and drops connections, hands each committed batch to the live
// connections that read it, and switches a connection from catching up to
// live without a gap.
type table struct {
	s          *Server
	head       uint64 // the last position handed out
	gen        uint64 // counts dispatches, to tell a connection's share of this batch from a stale one
	conns      map[*conn]struct{}
	byStation  map[app.ID]*conn
	byAudience map[[17]byte]map[*conn]struct{}

	checkpointed time.Time // when a live batch last carried a checkpoint
}

// goLiveReq asks to switch a connection to live delivery: its feeder has
// sent everything up to head. The table accepts when it has handed out
// nothing beyond head, and otherwise the feeder reads on.
type goLiveReq struct {
	c          *conn
	head       uint64
	checkpoint *wire.Checkpoint // at head, for the caught_up
	reply      chan bool
}

func newTable(s *Server, head uint64) *table {
	return &table{
		s:          s,
		head:       head,
		conns:      make(map[*conn]struct{}),
		byStation:  make(map[app.ID]*conn),
		byAudience: make(map[[17]byte]map[*conn]struct{}),
	}
}

func (t *table) run(ctx context.Context) {
	ping := time.NewTicker(t.s.cfg.PingInterval)
	defer ping.Stop()
	defer func() {
		for c := range t.conns {
			c.close(websocketGoingAway, "the hub is stopping")
		}
	}()
	for {
		select {
		case <-ctx.Done():
			return
		case c := <-t.s.register:
			// A browser on a join link is a person in one room, not the
			// station's duty room: it neither replaces the station's
			// client (a leader of the host station would put the host
			// out of its own consultation) nor is replaced by it.
			if old := t.byStation[c.station]; old != nil && !c.browser {
				old.close(websocketPolicy, "replaced by a newer connection of the same station")
				t.remove(old)
			}
			t.conns[c] = struct{}{}
			if !c.browser {
				t.byStation[c.station] = c
			}
			for _, a := range c.feeds {
				k := a.key()
				if t.byAudience[k] == nil {
					t.byAudience[k] = make(map[*conn]struct{})
				}
				t.byAudience[k][c] = struct{}{}
			}
			t.s.metrics.connections.Store(int64(len(t.conns)))
		case c := <-t.s.unregister:
			t.remove(c)
		case req := <-t.s.goLive:
			req.reply <- t.tryLive(req)
		case batch := <-t.s.committed:
			t.dispatch(batch)
		case q := <-t.s.queries:
			q(t)
		case <-ping.C:
			t.ping()
		}
	}
}

// ping asks every connection's write pump for a ping. A connection whose
// queue is full gets none: it is busy, and is dropped as slow if it stays so.
//
// It is also the watchdog of hanging writes: a connection whose write has
// taken longer than the write wait reads nothing, and is closed hard (its
// socket, so the write ends whatever deadline it has) and dropped; it
// resyncs from its cursor if it comes back.
func (t *table) ping() {
	now := time.Now()
	for c := range t.conns {
		if c.writeStuck(now) {
			t.s.metrics.slowDrops.Add(1)
			t.s.log.Warn("dropping a client whose write hangs; it will resync from its cursor", "station", c.station, "user", c.user, "addr", c.addr, "wait", t.s.cfg.WriteWait)
			c.close(websocketPolicy, "too slow: a write hung")
			_ = c.ws.NetConn().Close()
			t.remove(c)
			continue
		}
		select {
		case c.send <- outFrame{ping: true}:
		default:
		}
	}
}

func (t *table) remove(c *conn) {
	if _, ok := t.conns[c]; !ok {
		return
	}
	delete(t.conns, c)
	if t.byStation[c.station] == c {
		delete(t.byStation, c.station)
	}
	for _, a := range c.feeds {
		k := a.key()
		delete(t.byAudience[k], c)
		if len(t.byAudience[k]) == 0 {
			delete(t.byAudience, k)
		}
	}
	t.s.metrics.connections.Store(int64(len(t.conns)))
}

func (t *table) tryLive(req goLiveReq) bool {
	c := req.c
	if _, ok := t.conns[c]; !ok || t.head > req.head {
		return false
	}
	c.live = true
	c.liveFrom = req.head
	frame, _ := wire.Encode(wire.TypeCaughtUp, "", wire.CaughtUp{Epoch: t.s.db.Epoch(), Position: req.head, Checkpoint: req.checkpoint})
	t.offer(c, frame)
	return true
}

// dispatch hands a committed batch to the live connections that read it,
// one frame per connection. Connections with the same share of the batch
// (a broadcast) share one encoded frame. The per-connection share lives on
// the connection (only this goroutine touches it), so a broadcast to
// thousands allocates per distinct share, not per connection.
//
// The last frame of each share carries one checkpoint at the batch's last
// position, signed once per batch: a live connection has everything for
// it up to there, whether or not the batch's last operation is its own.
// Live batches carry one at most once every liveCheckpointEvery: a client
// whose checkpoint lags its cursor is read from the checkpoint when it
// comes back (a second of deliveries again, each applied once), while the
// checkpoint's 175 bytes on every frame of a broadcast to thousands made
// the frames half as big again.
func (t *table) dispatch(batch []logged) {
	if len(batch) == 0 {
		return
	}
	last := &batch[len(batch)-1]
	t.head = last.pos
	t.gen++
	var touched []*conn
	for i := range batch {
		l := &batch[i]
		for _, a := range l.audiences {
			for c := range t.byAudience[a.key()] {
				if !c.live || c.station == l.origin || l.pos <= c.liveFrom {
					continue
				}
				if c.shareGen != t.gen {
					c.shareGen, c.share = t.gen, c.share[:0]
					touched = append(touched, c)
				} else if c.share[len(c.share)-1] == i {
					continue // reached through a second audience
				}
				c.share = append(c.share, i)
			}
		}
	}
	if len(touched) == 0 {
		return
	}
	epoch := t.s.db.Epoch()
	enc := frameEncoder{epoch: epoch}
	if now := time.Now(); now.Sub(t.checkpointed) >= liveCheckpointEvery {
		t.checkpointed = now
		enc.checkpoint, _ = json.Marshal(t.s.db.checkpoint(epoch, last.pos, last.chain))
	}
	single := make([][][]byte, len(batch)) // frames of one-operation shares, by operation
	var multi map[string][][]byte
	for _, c := range touched {
		var f [][]byte
		if len(c.share) == 1 {
			i := c.share[0]
			if single[i] == nil {
				single[i] = enc.encode(batch, c.share)
			}
			f = single[i]
		} else {
			if multi == nil {
				multi = make(map[string][][]byte)
			}
			key := shareKey(c.share)
			if f = multi[key]; f == nil {
				f = enc.encode(batch, c.share)
				multi[key] = f
			}
		}
		t.s.metrics.opsOut.Add(int64(len(c.share)))
		for _, frame := range f {
			if !t.offer(c, frame) {
				break
			}
		}
	}
}

func shareKey(idx []int) string {
	b := make([]byte, 0, len(idx)*4)
	for _, i := range idx {
		b = strconv.AppendInt(b, int64(i), 36)
		b = append(b, ',')
	}
	return string(b)
}

// liveCheckpointEvery is how often live deliveries carry a checkpoint.
const liveCheckpointEvery = time.Second

// frameEncoder builds the ops frames of one dispatch.
type frameEncoder struct {
	epoch      string
	checkpoint []byte // JSON, for the last frame of each share only
}

// encode builds ops frames holding the chosen items, split so none passes
// the frame limit. Only the last carries the checkpoint: a client that
// drops between two frames has not everything up to it.
func (e frameEncoder) encode(batch []logged, idx []int) [][]byte {
	head := `{"type":"ops","data":{"epoch":"` + e.epoch + `","ops":[`
	const tail = `]}}`
	lastTail := tail
	if e.checkpoint != nil {
		lastTail = `],"checkpoint":` + string(e.checkpoint) + `}}`
	}
	var frames [][]byte
	var cur []byte
	for _, i := range idx {
		item := batch[i].item
		if cur != nil && len(cur)+len(item)+len(lastTail)+1 > wire.MaxFrame {
			frames = append(frames, append(cur, tail...))
			cur = nil
		}
		if cur == nil {
			cur = append(make([]byte, 0, len(head)+len(item)+len(lastTail)), head...)
		} else {
			cur = append(cur, ',')
		}
		cur = append(cur, item...)
	}
	return append(frames, append(cur, lastTail...))
}

// offer queues a frame without waiting. A full queue (in frames or in
// bytes) means the client reads slower than the hub produces: it is
// dropped, and resyncs from its cursor when it comes back. Returns false
// when the connection was dropped.
func (t *table) offer(c *conn, frame []byte) bool {
	select {
	case <-c.done:
		return false
	default:
	}
	if c.offer(frame) {
		return true
	}
	t.s.metrics.slowDrops.Add(1)
	t.s.metrics.limited("slow_reader")
	t.s.log.Warn("dropping a slow client; it will resync from its cursor", "station", c.station, "user", c.user, "addr", c.addr, "queued", len(c.send), "queuedBytes", c.queued.Load())
	c.close(websocketPolicy, "too slow: the send queue is full; reconnect and resync")
	t.remove(c)
	return false
}
