package hub_test

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"dutyroom/app"
	"dutyroom/hub"
)

// cutter is a TCP proxy that can cut every connection through it at once,
// mid-frame, the way a flaky line does.
type cutter struct {
	t      *testing.T
	ln     net.Listener
	target string
	mu     sync.Mutex
	conns  []net.Conn
}

func newCutter(t *testing.T, target string) *cutter {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c := &cutter{t: t, ln: ln, target: target}
	go c.accept()
	t.Cleanup(func() { ln.Close(); c.cut() })
	return c
}

func (c *cutter) addr() string { return "ws://" + c.ln.Addr().String() }

func (c *cutter) accept() {
	for {
		in, err := c.ln.Accept()
		if err != nil {
			return
		}
		out, err := net.Dial("tcp", c.target)
		if err != nil {
			in.Close()
			continue
		}
		c.mu.Lock()
		c.conns = append(c.conns, in, out)
		c.mu.Unlock()
		go func() { io.Copy(out, in); out.Close() }()
		go func() { io.Copy(in, out); in.Close() }()
	}
}

func (c *cutter) cut() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, conn := range c.conns {
		conn.Close()
	}
	c.conns = nil
}

// Connections are cut at random moments and the pushing client is
// restarted mid-push, while a stream of operations flows from a township
// to its county. Afterwards every operation is in the hub's log exactly
// once and the county has each once.
func TestCutConnectionsAndClientRestarts(t *testing.T) {
	h := startHub(t, hub.Config{})
	tr := h.tree
	proxy := newCutter(t, strings.TrimPrefix(h.addr, "ws://"))
	t1, c1 := newClient(t, "t1"), newClient(t, "c1")
	t1.start(proxy.addr(), "t1")
	c1.start(proxy.addr(), "c1")
	t1.caughtUp()
	c1.caughtUp()
	t1.setIdentity(tr.T1)

	const total, rounds = 2000, 12
	ctx := context.Background()
	var want []app.ID
	for r := range rounds {
		batch := make([]app.Person, total/rounds+1)
		for i := range batch {
			batch[i] = app.Person{Station: tr.T1.ID, Name: fmt.Sprintf("队员%d-%d", r, i), Mobile: "13800000000"}
		}
		if err := t1.dir.ImportPersons(ctx, batch); err != nil {
			t.Fatal(err)
		}
		for _, p := range batch {
			want = append(want, p.ID)
		}
		t1.eng.Kick()
		time.Sleep(time.Duration(rand.IntN(20)) * time.Millisecond)
		if r%3 == 2 {
			// Restart the client: a new engine on the same store.
			t1.stop()
			t1.start(proxy.addr(), "t1")
		} else {
			proxy.cut()
		}
	}
	t1.caughtUp()
	waitFor(t, "every person at the county", func() bool {
		people, _ := c1.dir.Persons(ctx, app.PersonFilter{Station: &tr.T1.ID})
		return len(people) == len(want)
	})
	count := map[app.ID]int{}
	for _, d := range h.logOps() {
		count[d.Op.Entity]++
	}
	for _, id := range want {
		if count[id] != 1 {
			t.Fatalf("person %s is in the hub's log %d times", id, count[id])
		}
	}
	if n, _ := c1.db.AppliedCount(ctx); n != 6+len(want) {
		t.Fatalf("the county took in %d operations, want %d", n, 6+len(want))
	}
}
