package e2e

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"dutyroom/app"
	"dutyroom/app/demo"
	"dutyroom/app/incident"
	"dutyroom/app/syncer"
	"dutyroom/app/villagereport"
	"dutyroom/app/warning"
	"dutyroom/app/wire"
	"dutyroom/hub"
	"dutyroom/store"
	"dutyroom/store/storetest"
	"dutyroom/wsdial"
)

// A village information officer reports from a phone on a weak link, to a
// real hub with the demo prefecture: headless Chromium as a 360×640 touch
// phone signs in with the account the hub set up for the village's
// officer, writes a report with two camera photos and a position while the
// signal is gone, reopens the page with no signal (the service worker
// serves it; the report is still 待发送), and when a 250 kbit/s, 300 ms link
// comes back the report reaches the village's township exactly once with
// both photos whole. The township merges it into an incident and the phone
// says 已并入; the township's warning reaches the page and the officer's
// 签收 reaches the township as the village's page ack.
func TestVillageOfficerReportsFromAPhoneOnAWeakLink(t *testing.T) {
	chromium := findChromium(t)
	side := startVillageHub(t)
	phoneReports(t, chromium, side, side.gate)
	if n, _, _ := side.arrived(t, time.Second); n != 1 {
		t.Errorf("at the end the township holds %d villagereport.create operations, want exactly 1", n)
	}
}

// The township gives the officer a new password while the phone holds a
// report it could not send: the phone's session ends, the page asks for
// the sign-in again and says a report is waiting, and once the officer
// signs in with the new password the report goes, once.
func TestVillageOfficerSignedOutKeepsTheUnsentReport(t *testing.T) {
	chromium := findChromium(t)
	side := startVillageHub(t)
	b := launchPhone(t, chromium, side.origin(), phoneLat, phoneLon)
	b.open(t, side.origin()+"/report")
	b.waitJS(t, 20*time.Second, "the sign-in screen", `!document.querySelector('#signin').hidden`)
	b.typeInto(t, "#login", side.login)
	b.typeInto(t, "#password", side.password)
	b.tap(t, "#signin-go")
	b.waitJS(t, 20*time.Second, "the report form", `!document.querySelector('#report').hidden && document.querySelectorAll('#categories input').length > 5`)

	side.gate.down.Store(true)
	b.link(t, false, 0, 0)
	b.waitJS(t, 10*time.Second, "the page saying there is no network", `document.querySelector('#net').textContent === '无网络'`)
	b.tap(t, `#categories input[value="flood"] + span`)
	b.typeInto(t, "#place", "河边2组")
	b.typeInto(t, "input[name=evacuated]", "30")
	b.tap(t, "#submit")
	b.waitJS(t, 10*time.Second, "the report 待发送", `document.querySelector('#mine-list li[data-state="pending"]')`)

	side.password = "乡镇重设的密码2026"
	if _, err := side.db.SetOfficer(app.NilID, wire.OfficerAccount{Person: side.person, Login: side.login, Password: side.password}); err != nil {
		t.Fatal(err)
	}
	side.gate.down.Store(false)
	b.link(t, true, 0, 0)
	b.waitJS(t, 30*time.Second, "the sign-in screen saying a report waits", `!document.querySelector('#signin').hidden && document.querySelector('#signin-queue').textContent.includes('1 份报告没有发出') && document.querySelector('#signin-error').textContent.includes('登录已失效')`)
	b.shoot(t, "village-9-signed-out.png")
	if early := len(side.store.ops()); early != 0 {
		t.Errorf("the township got %d report operations from a phone whose session had ended", early)
	}

	b.typeInto(t, "#login", side.login)
	b.typeInto(t, "#password", side.password)
	b.tap(t, "#signin-go")
	b.waitJS(t, 20*time.Second, "the form after signing in again", `!document.querySelector('#report').hidden`)
	creates, r, _ := side.arrived(t, 60*time.Second)
	if creates != 1 || r.Place != "河边2组" || r.Counts.Evacuated != 30 || r.Category != "flood" {
		t.Errorf("the township got %d creates of %+v, want the one report written before the sign-out", creates, r)
	}
	b.tap(t, `#tabs button[data-tab="mine"]`)
	b.waitJS(t, 30*time.Second, "the report 已收到", `document.querySelector('#mine-list li[data-id="`+r.ID.String()+`"] .state').textContent === '已收到'`)
}

// A photo crosses a bad link: one part arrives spoiled (the hub refuses it
// by its SHA-256 and the phone sends it again) and the hub's answer to
// another is lost (the phone, when its signal returns, asks the hub what it
// holds and goes on from there). The township gets the report once, with
// the photo whole.
func TestVillagePhoneResendsASpoiledPartAndResumesAfterALostAnswer(t *testing.T) {
	chromium := findChromium(t)
	side := startVillageHub(t)
	b := launchPhone(t, chromium, side.origin(), phoneLat, phoneLon)
	b.open(t, side.origin()+"/report")
	b.waitJS(t, 20*time.Second, "the sign-in screen", `!document.querySelector('#signin').hidden`)
	b.typeInto(t, "#login", side.login)
	b.typeInto(t, "#password", side.password)
	b.tap(t, "#signin-go")
	b.waitJS(t, 20*time.Second, "the report form", `!document.querySelector('#report').hidden && document.querySelectorAll('#categories input').length > 5`)

	b.tap(t, `#categories input[value="geological"] + span`)
	b.typeInto(t, "#place", "村小学后坡")
	b.setFiles(t, "#camera", cameraPhotoNoise(t, t.TempDir(), 3, 3000, 2000, 90))
	b.waitJS(t, 30*time.Second, "the photo shrunk and shown", `document.querySelectorAll('#photos .photo').length === 1`)
	var size int
	b.evalSafe(t, "ui.photos[0].size", &size)
	if size <= 256<<10 {
		t.Fatalf("the phone made a photo of %d bytes, one part: the test needs two", size)
	}
	side.gate.spoilPart.Store(true)
	side.gate.loseAnswer.Store(true)
	b.tap(t, "#submit")
	// The lost answer leaves the phone waiting for its next try; the
	// signal coming back is one.
	b.waitJS(t, 60*time.Second, "the part whose answer was lost", `!document.querySelector('#mine').hidden && !sending`)
	b.link(t, false, 0, 0)
	b.link(t, true, 0, 0)
	creates, r, photos := side.arrived(t, 60*time.Second)
	if creates != 1 || len(r.Photos) != 1 {
		t.Fatalf("the township got %d creates of a report with %d photos, want one with one", creates, len(r.Photos))
	}
	sum := sha256.Sum256(photos[r.Photos[0].SHA256])
	if hex.EncodeToString(sum[:]) != r.Photos[0].SHA256 || int64(len(photos[r.Photos[0].SHA256])) != r.Photos[0].Size || r.Photos[0].Size != int64(size) {
		t.Errorf("the photo reached the township as %d bytes with SHA-256 %x, want the phone's %d bytes, %s", len(photos[r.Photos[0].SHA256]), sum, size, r.Photos[0].SHA256)
	}
	if side.gate.spoilPart.Load() || side.gate.loseAnswer.Load() {
		t.Error("the photo went without meeting both faults of the link")
	}
	for _, line := range strings.Split(side.hubLog.String(), "\n") {
		if strings.Contains(line, "officer page refused") {
			t.Logf("hub: %s", line[strings.Index(line, "msg="):])
		}
	}
	if log := side.hubLog.String(); !strings.Contains(log, "code=part_hash") {
		t.Errorf("the hub did not refuse the spoiled part by its hash; its log:\n%s", lastChars(log, 5000))
	}
	b.tap(t, `#tabs button[data-tab="mine"]`)
	b.waitJS(t, 30*time.Second, "the report 已收到", `document.querySelector('#mine-list li[data-id="`+r.ID.String()+`"] .state').textContent === '已收到'`)
}

// villageHub is a real hub on the demo prefecture, and the township above
// the test's village as a client: the sync engine on a bbolt store of its
// own, logged in with the township's account.
type villageHub struct {
	gate     *linkGate
	base     string
	hubLog   *lockedBuffer
	vil      app.Station
	town     app.Station
	townName string // a person of the township, who signs its operations
	login    string
	password string
	db       *hub.DB
	person   app.ID // the officer

	store *townStore
	eng   *syncer.Engine
}

// townStore is the township's store as its sync engine sees it, noting the
// village reports and acks delivered to it.
type townStore struct {
	*store.DB

	mu        sync.Mutex
	delivered []app.Operation
}

func (s *townStore) note(ops []app.Operation) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, op := range ops {
		if strings.HasPrefix(op.Kind, "villagereport.") || op.Kind == warning.OpAck {
			s.delivered = append(s.delivered, op)
		}
	}
}

func (s *townStore) ApplyIncoming(ctx context.Context, epoch string, position uint64, ops []app.Operation) (syncer.Applied, error) {
	a, err := s.DB.ApplyIncoming(ctx, epoch, position, ops)
	if err == nil {
		s.note(ops)
	}
	return a, err
}

func (s *townStore) ApplyCheckpointed(ctx context.Context, epoch string, cp wire.Checkpoint, ops []app.Operation) (syncer.Applied, error) {
	a, err := s.DB.ApplyCheckpointed(ctx, epoch, cp, ops)
	if err == nil {
		s.note(ops)
	}
	return a, err
}

func (s *townStore) ops() []app.Operation {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]app.Operation(nil), s.delivered...)
}

func startVillageHub(t *testing.T) *villageHub {
	t.Helper()
	db, err := hub.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	stations, people := demo.Prefecture()
	if err := db.ImportDirectory(hub.Directory{Stations: stations, People: people}); err != nil {
		t.Fatal(err)
	}
	v := &villageHub{hubLog: &lockedBuffer{}, password: "村里的密码2026"}
	for _, s := range stations {
		if s.Tier == app.TierVillage {
			v.vil = s
			break
		}
	}
	var officer app.Person
	for _, s := range stations {
		if s.ID == v.vil.Parent {
			v.town = s
		}
	}
	for _, p := range people {
		if p.Station == v.vil.ID && p.Has(app.RoleInfoOfficer) && officer.ID == app.NilID {
			officer = p
		}
		if p.Station == v.town.ID && v.townName == "" {
			v.townName = p.Name
		}
	}
	v.login, v.db, v.person = officer.Mobile, db, officer.ID
	if _, err := db.SetOfficer(app.NilID, wire.OfficerAccount{Person: officer.ID, Login: v.login, Password: v.password}); err != nil {
		t.Fatalf("setting up the officer's account: %v", err)
	}
	if err := db.AddUser("township", v.town.Code, "correct horse battery"); err != nil {
		t.Fatal(err)
	}
	logger := slog.New(slog.NewTextHandler(v.hubLog, &slog.HandlerOptions{Level: slog.LevelDebug}))
	srv, err := hub.NewServer(db, hub.Config{Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	v.gate, v.base = serveGated(t, srv.Handler())
	t.Cleanup(func() {
		srv.Close()
		db.Close()
		if t.Failed() {
			t.Logf("hub log:\n%s", lastChars(v.hubLog.String(), 20000))
		}
	})

	// The township's client: it learns the tree from the hub, then knows
	// itself as the township.
	v.store = &townStore{DB: storetest.Open(t)}
	v.eng = syncer.New(syncer.Config{
		Store: v.store, Transport: &wsdial.Dialer{Addr: "ws://" + strings.TrimPrefix(v.base, "http://")},
		Login: &wire.Login{User: "township", Password: "correct horse battery"}, Client: "test township",
		MinBackoff: 20 * time.Millisecond, MaxBackoff: 200 * time.Millisecond, Poll: 50 * time.Millisecond,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		v.eng.Run(ctx)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	for end := time.Now().Add(20 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if st := v.eng.State(); st.Online && st.CaughtUp {
			break
		}
		if time.Now().After(end) {
			t.Fatalf("the township's client did not catch up with the hub: %+v", v.eng.State())
		}
	}
	if err := store.NewIdentity(v.store.DB).SetIdentity(context.Background(), v.town.ID); err != nil {
		t.Fatal(err)
	}
	return v
}

func (v *villageHub) origin() string            { return v.base }
func (v *villageHub) officer() (string, string) { return v.login, v.password }
func (v *villageHub) village() (app.ID, string) { return v.vil.ID, v.vil.Name }

// sent waits until the township's outbox is empty: the hub has everything.
func (v *villageHub) sent(t *testing.T, what string) {
	t.Helper()
	v.eng.Kick()
	for end := time.Now().Add(15 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if n, err := v.store.OutboxLen(context.Background()); err == nil && n == 0 {
			return
		}
		if time.Now().After(end) {
			t.Fatalf("the township's %s did not reach the hub: %+v", what, v.eng.State())
		}
	}
}

func (v *villageHub) arrived(t *testing.T, within time.Duration) (int, villagereport.Report, map[string][]byte) {
	t.Helper()
	for end := time.Now().Add(within); ; time.Sleep(100 * time.Millisecond) {
		ops := v.store.ops()
		creates := 0
		var r villagereport.Report
		parts := map[string][]incident.Chunk{}
		for _, op := range ops {
			switch op.Kind {
			case villagereport.OpCreate:
				creates++
				if err := json.Unmarshal(op.Payload, &r); err != nil {
					t.Fatalf("the township got an unreadable report: %v", err)
				}
			case villagereport.OpChunk:
				var c incident.Chunk
				if err := json.Unmarshal(op.Payload, &c); err != nil {
					t.Fatalf("the township got an unreadable photo part: %v", err)
				}
				parts[c.SHA256] = append(parts[c.SHA256], c)
			}
		}
		photos := map[string][]byte{}
		whole := creates > 0
		for _, p := range r.Photos {
			cs := parts[p.SHA256]
			sort.Slice(cs, func(i, j int) bool { return cs[i].Index < cs[j].Index })
			var data []byte
			for i, c := range cs {
				if c.Index != i {
					t.Fatalf("photo %s: part %d came where part %d belongs (or twice)", p.SHA256, c.Index, i)
				}
				data = append(data, c.Data...)
			}
			photos[p.SHA256] = data
			whole = whole && int64(len(data)) == p.Size
		}
		if whole {
			return creates, r, photos
		}
		if time.Now().After(end) {
			t.Fatalf("no whole report at the township within %s: %d creates, parts of %d photos", within, creates, len(parts))
		}
	}
}

// merge is the township's duty officer at work: the landslide was phoned
// in already, and the officer merges the village's report into that
// incident through the duty room's own 核实 (the store's service), which
// sends the verification up with the incident's change.
func (v *villageHub) merge(t *testing.T, report app.ID) {
	t.Helper()
	ctx := app.WithAuthor(context.Background(), v.townName)
	incidents := store.NewIncidents(v.store.DB)
	reports := store.NewVillageReports(v.store.DB, incidents)
	r, err := reports.Get(ctx, report)
	if err != nil {
		t.Fatalf("the report at the township: %v", err)
	}
	for _, p := range r.Photos {
		if !p.Complete {
			t.Fatalf("photo %s is not whole in the township's file", p.SHA256)
		}
		if _, err := reports.Photo(ctx, report, p.SHA256); err != nil {
			t.Fatalf("photo %s in the township's file: %v", p.SHA256, err)
		}
	}
	now := time.Now().UTC()
	inc := incident.Incident{Station: v.town.ID, ReceivedAt: now, OccurredAt: r.Report.OccurredAt, Channel: incident.ChannelPhone,
		Place: incident.Place{Station: v.vil.ID, Text: "后山"}, Category: r.Report.Category}
	if _, _, err := incidents.CreateIncident(ctx, &inc); err != nil {
		t.Fatalf("the township's incident: %v", err)
	}
	if err := reports.Merge(ctx, report, inc.ID); err != nil {
		t.Fatalf("the township merging the report: %v", err)
	}
	e, err := reports.Get(ctx, report)
	if err != nil || e.State() != villagereport.StateMerged || e.Verification.Incident != inc.ID {
		t.Fatalf("the report after the merge at the township: %+v, %v", e, err)
	}
	v.sent(t, "merge")
}

func (v *villageHub) issueWarning(t *testing.T) app.ID {
	t.Helper()
	now := time.Now().UTC()
	w := warning.Warning{Level: warning.Orange, Type: warning.Geological, Area: v.town.Name + "各村",
		ValidFrom: now, ValidUntil: now.Add(24 * time.Hour),
		Text: "预计未来24小时" + v.town.Name + "发生地质灾害的可能性大，请各村加强巡查，危险区群众做好转移准备。"}
	if err := store.NewWarnings(v.store.DB).Issue(app.WithAuthor(context.Background(), v.townName), &w); err != nil {
		t.Fatalf("the township issuing a warning: %v", err)
	}
	v.sent(t, "warning")
	return w.ID
}

func (v *villageHub) pageAck(t *testing.T, w app.ID) {
	t.Helper()
	for end := time.Now().Add(15 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		for _, op := range v.store.ops() {
			if op.Kind != warning.OpAck {
				continue
			}
			var a warning.Ack
			if json.Unmarshal(op.Payload, &a) == nil && a.Warning == w {
				if a.Station != v.vil.ID || a.Via != warning.ViaPage || a.Person == "" {
					t.Errorf("the township got the ack %+v, want the village's, via page, with the officer's name", a)
				}
				return
			}
		}
		if time.Now().After(end) {
			t.Fatal("the officer's 签收 did not reach the township")
		}
	}
}
