package hub_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"dutyroom/app"
	"dutyroom/app/incident"
	"dutyroom/app/message"
	"dutyroom/app/syncer"
	"dutyroom/app/wire"
	"dutyroom/hub"
	"dutyroom/store"
	"dutyroom/wsdial"
)

// garbling is a line to the hub that spoils the first part of each of the
// first two files it carries, as a faulty relay would, each time dropping
// right after: the first part comes cut short, which the client refuses
// at once; the second comes with its bytes changed, which only the check
// of the whole file finds. The real parts are read again after the drop.
type garbling struct {
	syncer.Transport
	mu      sync.Mutex
	dials   int
	garbled []string // the files spoiled, by SHA-256
}

func (g *garbling) Dial(ctx context.Context) (syncer.Conn, error) {
	c, err := g.Transport.Dial(ctx)
	if err != nil {
		return nil, err
	}
	g.mu.Lock()
	g.dials++
	g.mu.Unlock()
	return &garbledConn{Conn: c, g: g}, nil
}

type garbledConn struct {
	syncer.Conn
	g       *garbling
	lastPos uint64
	queue   [][]byte // frames to hand out before reading on
	dropped bool
}

func (c *garbledConn) ReadFrame() ([]byte, error) {
	if len(c.queue) > 0 {
		f := c.queue[0]
		c.queue = c.queue[1:]
		return f, nil
	}
	if c.dropped {
		c.Conn.Close()
		return nil, errors.New("the line dropped")
	}
	frame, err := c.Conn.ReadFrame()
	if err != nil {
		return nil, err
	}
	env, err := wire.DecodeEnvelope(frame)
	if err != nil || env.Type != wire.TypeOps {
		return frame, nil
	}
	o, err := wire.DecodeOps(env)
	if err != nil {
		return frame, nil
	}
	c.g.mu.Lock()
	spoiled := slices.Clone(c.g.garbled)
	c.g.mu.Unlock()
	first := -1
	var part incident.Chunk
	for i, d := range o.Ops {
		if d.Op.Kind != incident.OpChunk || len(spoiled) >= 2 {
			continue
		}
		if err := json.Unmarshal(d.Op.Payload, &part); err != nil {
			return nil, err
		}
		if !slices.Contains(spoiled, part.SHA256) {
			first = i
			break
		}
	}
	if first < 0 {
		c.lastPos = o.Ops[len(o.Ops)-1].Pos
		return frame, nil
	}
	// What came before the part, then the short copy (under a new id, at
	// a position already read, so the real part is read again after the
	// drop), then the drop.
	if first > 0 {
		before := wire.Ops{Epoch: o.Epoch, Ops: o.Ops[:first]}
		f, _ := wire.Encode(wire.TypeOps, "", before)
		c.queue = append(c.queue, f)
		c.lastPos = o.Ops[first-1].Pos
	}
	if len(spoiled) == 0 {
		part.Data = part.Data[:100]
	} else {
		part.Data = bytes.Repeat([]byte{'z'}, len(part.Data))
	}
	short := o.Ops[first].Op
	short.ID = app.NewID()
	short.Payload, _ = json.Marshal(part)
	f, _ := wire.Encode(wire.TypeOps, "", wire.Ops{Epoch: o.Epoch, Ops: []wire.Delivery{{Pos: c.lastPos, Op: short}}})
	c.queue = append(c.queue, f)
	c.dropped = true
	c.g.mu.Lock()
	c.g.garbled = append(c.g.garbled, part.SHA256)
	c.g.mu.Unlock()
	return c.ReadFrame()
}

func noise(n int, seed uint64) []byte {
	rnd := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	out := make([]byte, n)
	for i := range out {
		out[i] = byte(rnd.UintN(256))
	}
	return out
}

func hexSHA(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func (c *incClient) content(sha string) ([]byte, incident.ContentState) {
	c.t.Helper()
	st, err := c.svc.AttachmentState(dutyCtx, sha)
	if err != nil {
		c.t.Fatalf("%s: %v", c.name, err)
	}
	data, _ := c.svc.Attachment(dutyCtx, sha)
	return data, st
}

// Through a real hub over loopback: a township files an incident with a
// photo and a follow-up with a document; the prefecture, online, gets the
// exact bytes; the county, offline meanwhile, catches up on a line that
// spoils a part of each file and drops: it refuses the short part with
// the reason, finds the changed one when the document fails its check and
// asks the township for it again, and ends with both files exact.
func TestIncidentContentsThroughTheHub(t *testing.T) {
	h := startHub(t, hub.Config{})
	tr := h.tree
	clk := &alertClock{t: time.Date(2026, 7, 14, 2, 0, 0, 0, time.UTC)}
	p := startIncClient(t, h, "p", tr.P, clk)
	c1 := startIncClient(t, h, "c1", tr.C1, clk)
	t1 := startIncClient(t, h, "t1", tr.T1, clk)
	c1.stop()

	photo := noise(3*message.ChunkSize+4321, 1)
	inc := incident.Incident{Station: tr.T1.ID, ReceivedAt: clk.Now().Add(-10 * time.Minute), OccurredAt: clk.Now().Add(-20 * time.Minute),
		Channel: incident.ChannelPhone, Place: incident.Place{Station: tr.T1.ID, Text: "G209 国道 K1203"},
		Category: incident.RoadTraffic, Title: "货车侧翻", Counts: incident.Counts{Injured: 1}}
	_, _, err := t1.svc.CreateIncidentWithFiles(dutyCtx, &inc, []store.File{{Name: "现场.jpg", MIME: "image/jpeg", Size: int64(len(photo)), Content: bytes.NewReader(photo)}})
	t1.do(err)
	r := incident.Report{Incident: inc.ID, Station: tr.T1.ID, Kind: incident.KindInitial, Text: "初报：货车侧翻，1人受伤。"}
	_, err = t1.svc.AddReport(dutyCtx, &r)
	t1.do(err)
	doc := noise(40000, 2)
	fu := incident.Report{Incident: inc.ID, Station: tr.T1.ID, Kind: incident.KindFollowUp, Text: "续报：伤者已送医，附勘查记录。"}
	_, err = t1.svc.AddReportWithFiles(dutyCtx, &fu, []store.File{{Name: "勘查记录.pdf", MIME: "application/pdf", Size: int64(len(doc)), Content: bytes.NewReader(doc)}})
	t1.do(err)

	waitFor(t, "the photo and the document at the prefecture", func() bool {
		_, a := p.content(hexSHA(photo))
		_, b := p.content(hexSHA(doc))
		return a.Complete && b.Complete
	})
	for sha, want := range map[string][]byte{hexSHA(photo): photo, hexSHA(doc): doc} {
		if got, _ := p.content(sha); !bytes.Equal(got, want) {
			t.Fatalf("the prefecture's copy of %s differs", sha)
		}
	}

	line := &garbling{Transport: &wsdial.Dialer{Addr: h.addr}}
	c1.startWith(line, syncer.Config{Login: &wire.Login{User: "c1", Password: password}})
	c1.caughtUp()
	waitFor(t, "the photo and the document at the county", func() bool {
		_, a := c1.content(hexSHA(photo))
		_, b := c1.content(hexSHA(doc))
		return a.Complete && b.Complete
	})
	got, st := c1.content(hexSHA(photo))
	if !st.Complete || !bytes.Equal(got, photo) {
		t.Fatalf("the county's photo after catching up: %+v", st)
	}
	if got, _ := c1.content(hexSHA(doc)); !bytes.Equal(got, doc) {
		t.Fatal("the county's document differs")
	}
	line.mu.Lock()
	garbled, dials := slices.Clone(line.garbled), line.dials
	line.mu.Unlock()
	if !slices.Equal(garbled, []string{hexSHA(photo), hexSHA(doc)}) || dials < 3 {
		t.Fatalf("the line spoiled %v and was dialled %d times", garbled, dials)
	}
	k := c1.kept()
	if len(k) != 1 || !strings.Contains(k[0].Reason, "incident.chunk: part 0 of attachment "+hexSHA(photo)+" has 100 bytes, not 131072") {
		t.Fatalf("the county kept %+v", k)
	}
	// The changed bytes failed the check of the whole document: the county
	// asked the township for it again, once, and has it now.
	resent := 0
	for _, d := range h.logOps() {
		if d.Op.Kind == incident.OpResend && d.Op.Origin == tr.C1.ID {
			resent++
		}
	}
	if resent != 1 {
		t.Errorf("the county asked %d times for the document again", resent)
	}
	for _, c := range []*incClient{p, t1} {
		if k := c.kept(); len(k) != 0 {
			t.Errorf("%s kept %+v", c.name, k)
		}
	}
}
