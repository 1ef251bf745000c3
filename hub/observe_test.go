package hub_test

import (
	"slices"
	"sync"
	"testing"

	"dutyroom/app"
	"dutyroom/app/wire"
	"dutyroom/hub"
)

type observed struct {
	mu    sync.Mutex
	kinds []string
}

func (o *observed) add(op app.Operation) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.kinds = append(o.kinds, op.Kind)
}

func (o *observed) list() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return slices.Clone(o.kinds)
}

// The observer sees each operation once it is stored, in log order; after
// a restart it is given again the stored operations of the kinds it asks
// to replay, oldest first, and no others.
func TestObserverSeesStoredOpsAndReplaysAtStart(t *testing.T) {
	live := &observed{}
	h := startHub(t, hub.Config{Observe: live.add})
	r := dialRaw(t, h.addr)
	r.login("t1")
	room := app.NewID()
	r.send(wire.TypePush, "1", wire.Push{Ops: []app.Operation{
		hostOp(h.tree.T1.ID, 1, "consult.start", room), op(h.tree.T1.ID, 2, "roster.log"), hostOp(h.tree.T1.ID, 3, "consult.end", room),
	}})
	if a, _ := wire.DecodeAck(r.expect(wire.TypeAck)); a.Through != 3 {
		t.Fatalf("ack: %+v", a)
	}
	if got := live.list(); !slices.Equal(got, []string{"consult.start", "roster.log", "consult.end"}) {
		t.Fatalf("observed live: %v", got)
	}

	h.stop()
	if err := h.db.Close(); err != nil {
		t.Fatal(err)
	}
	db, err := hub.Open(h.dir)
	if err != nil {
		t.Fatal(err)
	}
	h.db = db
	again := &observed{}
	h.serve(hub.Config{Observe: again.add, Replay: []string{"consult.start", "consult.end"}})
	if got := again.list(); !slices.Equal(got, []string{"consult.start", "consult.end"}) {
		t.Fatalf("replayed at start: %v", got)
	}
	healthy(t, h)
}
