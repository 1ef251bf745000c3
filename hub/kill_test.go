package hub_test

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"dutyroom/app"
	"dutyroom/hub"
)

var (
	kills   = flag.Int("kills", 3, "how many times TestHubKilledMidStream kills the hub; -kills=100 for the long run")
	killOps = flag.Int("kill-ops", 3000, "operations streamed through the kills")
)

var (
	buildOnce sync.Once
	hubBinary string
	buildErr  error
)

// buildHub builds cmd/dutyhub once per test binary.
func buildHub(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "dutyhub-bin")
		if err != nil {
			buildErr = err
			return
		}
		hubBinary = filepath.Join(dir, "dutyhub")
		out, err := exec.Command("go", "build", "-o", hubBinary, "dutyroom/cmd/dutyhub").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return hubBinary
}

// process is a dutyhub running as its own process, so it can be killed
// the hard way.
type process struct {
	t    *testing.T
	bin  string
	dir  string
	addr string
	cmd  *exec.Cmd
	log  *os.File
}

// runHubProcess runs cmd/dutyhub on dir as its own process, its log in
// a file of the test's, and waits until it serves.
func runHubProcess(t *testing.T, dir string) *process {
	t.Helper()
	logFile, err := os.Create(filepath.Join(t.TempDir(), "hub.log"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { logFile.Close() })
	p := &process{t: t, bin: buildHub(t), dir: dir, addr: freeAddr(t), log: logFile}
	p.start()
	return p
}

func (p *process) start() {
	p.t.Helper()
	p.cmd = exec.Command(p.bin, "-data", p.dir, "-listen", p.addr, "-plain-loopback")
	p.cmd.Stdout, p.cmd.Stderr = p.log, p.log
	if err := p.cmd.Start(); err != nil {
		p.t.Fatal(err)
	}
	waitFor(p.t, "the hub process to serve", func() bool {
		resp, err := http.Get("http://" + p.addr + "/healthz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
}

func (p *process) kill() {
	p.t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		p.t.Fatal(err)
	}
	_ = p.cmd.Wait()
}

func (p *process) stop() {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	_ = p.cmd.Wait()
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// The hub process is killed with SIGKILL in the middle of a stream of
// operations and restarted, again and again. After each kill, every
// operation the client holds as acknowledged is in the hub's file exactly
// once; at the end every operation is there exactly once and the county
// has each of them once.
func TestHubKilledMidStream(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills a hub process")
	}
	tr := testTree()
	dir := t.TempDir()
	db, err := hub.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.ImportStations(tr.list()); err != nil {
		t.Fatal(err)
	}
	for user, st := range map[string]app.Station{"c1": tr.C1, "t1": tr.T1} {
		if err := db.AddUser(user, st.Code, password); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	p := runHubProcess(t, dir)
	addr := "ws://" + p.addr

	t1, c1 := newClient(t, "t1"), newClient(t, "c1")
	t1.start(addr, "t1")
	c1.start(addr, "c1")
	t1.caughtUp()
	c1.caughtUp()
	t1.setIdentity(tr.T1)

	// Queue the stream in small batches, paced to last through the kills
	// (a restart takes about 100 ms), so that each kill lands while
	// operations flow.
	total := *killOps
	pace := time.Duration(*kills) * 150 * time.Millisecond / time.Duration(max(total/10, 1))
	var want []app.ID
	queued := make(chan struct{})
	justQueued := make(chan struct{}, 1)
	go func() {
		defer close(queued)
		for len(want) < total {
			batch := make([]app.Person, min(10, total-len(want)))
			for i := range batch {
				batch[i] = app.Person{Station: tr.T1.ID, Name: fmt.Sprintf("队员%05d", len(want)+i), Mobile: "13800000000"}
			}
			if err := t1.dir.ImportPersons(context.Background(), batch); err != nil {
				t.Error(err)
				return
			}
			for _, person := range batch {
				want = append(want, person.ID)
			}
			t1.eng.Kick()
			select {
			case justQueued <- struct{}{}:
			default:
			}
			time.Sleep(pace)
		}
	}()

	ctx := context.Background()
	acked := func() int {
		last, _ := t1.db.LastSeq(ctx)
		queued, _ := t1.db.OutboxLen(ctx)
		return int(last) - queued
	}
	step := max(total/(*kills+1), 2)
	midStream := 0
	for k := range *kills {
		// Kill after a random share of the stream has been acknowledged,
		// so every kill lands while operations flow.
		target := acked() + step/2 + rand.IntN(step/2+1)
		waitFor(t, "the stream to flow", func() bool { return acked() >= min(target, total) })
		// Strike just after a batch was queued: its push is on the wire
		// or in the hub's commit.
		select {
		case <-justQueued:
		default:
		}
		select {
		case <-justQueued:
		case <-queued:
		}
		if q, _ := t1.db.OutboxLen(ctx); q > 0 {
			midStream++
		}
		p.kill()
		// Nothing can be acknowledged now: what the client holds as
		// acknowledged was fsynced by the hub before it died.
		sent, err := t1.db.Sent(ctx, 0, 1<<30)
		if err != nil {
			t.Fatal(err)
		}
		checkHubHolds(t, dir, tr.T1.ID, sent, fmt.Sprintf("after kill %d", k+1))
		p.start()
	}
	<-queued
	t1.caughtUp()
	waitFor(t, "every person at the county", func() bool {
		n, _ := c1.db.AppliedCount(ctx)
		return n >= 6+total
	})
	c1.caughtUp()
	p.stop()

	sent, err := t1.db.Sent(ctx, 0, 1<<30)
	if err != nil {
		t.Fatal(err)
	}
	if len(sent) != total {
		t.Fatalf("the client holds %d acknowledged operations, want %d", len(sent), total)
	}
	checkHubHolds(t, dir, tr.T1.ID, sent, "at the end")
	// Checkpoints go out only after the commit, so no kill leaves a client
	// holding one the restarted file lacks: the epoch never changes.
	if out, _ := os.ReadFile(p.log.Name()); bytes.Contains(out, []byte("rolled back")) {
		t.Fatal("a client's checkpoint proved a rollback after a mere kill")
	}
	people, err := c1.dir.Persons(ctx, app.PersonFilter{Station: &tr.T1.ID})
	if err != nil {
		t.Fatal(err)
	}
	if len(people) != total {
		t.Fatalf("the county has %d of T1's %d people", len(people), total)
	}
	seen := make(map[app.ID]bool, total)
	for _, person := range people {
		seen[person.ID] = true
	}
	for _, id := range want {
		if !seen[id] {
			t.Fatalf("the county lacks person %s", id)
		}
	}
	if *kills > 0 && midStream == 0 {
		t.Fatal("no kill came while operations were queued: the test proved nothing")
	}
	t.Logf("%d kills (%d with operations queued), %d operations, each stored and delivered once", *kills, midStream, total)
}

// checkHubHolds opens the stopped hub's file and checks that each
// acknowledged operation is in its log exactly once.
func checkHubHolds(t *testing.T, dir string, origin app.ID, acked []app.Operation, when string) {
	t.Helper()
	db, err := hub.Open(dir)
	if err != nil {
		t.Fatalf("%s: %v", when, err)
	}
	defer db.Close()
	if err := db.Check(); err != nil {
		t.Fatalf("%s: %v", when, err)
	}
	log, err := db.Log(0, 1<<30)
	if err != nil {
		t.Fatal(err)
	}
	count := make(map[app.ID]int, len(log))
	for _, d := range log {
		count[d.Op.ID]++
	}
	for _, o := range acked {
		if count[o.ID] != 1 {
			t.Fatalf("%s: acknowledged operation seq %d is in the hub's log %d times", when, o.Seq, count[o.ID])
		}
	}
	last, _ := db.LastSeq(origin)
	if n := len(acked); n > 0 && last < acked[n-1].Seq {
		t.Fatalf("%s: the hub's last seq is %d, but the client holds %d as acknowledged", when, last, acked[n-1].Seq)
	}
}
