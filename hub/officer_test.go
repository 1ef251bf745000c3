package hub_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"dutyroom/app"
	"dutyroom/app/syncer"
	"dutyroom/app/villagereport"
	"dutyroom/app/warning"
	"dutyroom/app/wire"
	"dutyroom/hub"
	"dutyroom/store"
)

// The officers' world: the test tree with a village under T1 (V1) and one
// under T2 (V2), an information officer of each, known to the hub from the
// townships' own person operations.
type officerWorld struct {
	h       *testHub
	V1, V2  app.Station
	t1, t2  *client
	p1, p2  app.Person
	handler atomic.Pointer[http.Handler]
	base    string // https://127.0.0.1:port
	pool    *x509.CertPool
}

func startOfficerWorld(t *testing.T, cfg hub.Config) *officerWorld {
	t.Helper()
	h := startHub(t, cfg)
	w := &officerWorld{h: h}
	w.V1 = app.Station{ID: app.NewID(), Code: "433101001001", Name: "乾州村", Tier: app.TierVillage, Parent: h.tree.T1.ID}
	w.V2 = app.Station{ID: app.NewID(), Code: "433101002001", Name: "峒河村", Tier: app.TierVillage, Parent: h.tree.T2.ID}
	if err := h.srv.ImportStations([]app.Station{w.V1, w.V2}); err != nil {
		t.Fatal(err)
	}
	w.t1, w.t2 = newClient(t, "t1"), newClient(t, "t2")
	w.t1.start(h.addr, "t1")
	w.t2.start(h.addr, "t2")
	w.t1.caughtUp()
	w.t2.caughtUp()
	w.t1.setIdentity(h.tree.T1)
	w.t2.setIdentity(h.tree.T2)
	w.p1 = w.addOfficer(w.t1, w.V1, "张信息")
	w.p2 = w.addOfficer(w.t2, w.V2, "李信息")

	// The page over TLS, as phones reach it.
	cert, _, err := hub.LoadOrCreateCertificate(h.dir, "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(cert.Certificate[0])
	if err != nil {
		t.Fatal(err)
	}
	w.pool = x509.NewCertPool()
	w.pool.AddCert(leaf)
	w.setHandler()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		(*w.handler.Load()).ServeHTTP(rw, r)
	})}
	go hs.Serve(tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS13}))
	t.Cleanup(func() { hs.Close() })
	w.base = "https://" + ln.Addr().String()
	return w
}

// setHandler points the TLS listener at the hub's current server.
func (w *officerWorld) setHandler() {
	hd := w.h.srv.Handler()
	w.handler.Store(&hd)
}

func (w *officerWorld) addOfficer(c *client, v app.Station, name string) app.Person {
	c.t.Helper()
	p := app.Person{Station: v.ID, Name: name, Mobile: "13900000000", Roles: []app.Role{app.RoleInfoOfficer}}
	if err := c.dir.CreatePerson(context.Background(), &p); err != nil {
		c.t.Fatal(err)
	}
	c.eng.Kick()
	c.caughtUp()
	return p
}

// account asks the hub, as c's station, to set up or change an officer's
// account.
func (w *officerWorld) account(c *client, req wire.OfficerAccount) (wire.OfficerAccountState, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	// Just after a hub restart the engine may not have noticed its old
	// connection is gone: ask again once it has reconnected.
	env, err := c.eng.Request(ctx, wire.TypeOfficerAccount, req)
	for errors.Is(err, syncer.ErrOffline) && ctx.Err() == nil {
		time.Sleep(50 * time.Millisecond)
		env, err = c.eng.Request(ctx, wire.TypeOfficerAccount, req)
	}
	if err != nil {
		return wire.OfficerAccountState{}, err
	}
	var st wire.OfficerAccountState
	if err := json.Unmarshal(env.Data, &st); err != nil {
		c.t.Fatal(err)
	}
	return st, nil
}

// phone is one officer's phone: its own cookie jar.
type phone struct {
	t    *testing.T
	w    *officerWorld
	http *http.Client
}

func (w *officerWorld) phone(t *testing.T) *phone {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &phone{t: t, w: w, http: &http.Client{Jar: jar, Timeout: 30 * time.Second,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: w.pool}}}}
}

type answer struct {
	status int
	body   []byte
	header http.Header
}

func (a answer) code() string {
	var e struct {
		Code string `json:"code"`
	}
	_ = json.Unmarshal(a.body, &e)
	return e.Code
}

func (a answer) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(a.body, v); err != nil {
		t.Fatalf("answer %d %s: %v", a.status, a.body, err)
	}
}

func (p *phone) do(method, path string, body []byte, header map[string]string) answer {
	p.t.Helper()
	req, err := http.NewRequest(method, p.w.base+path, bytes.NewReader(body))
	if err != nil {
		p.t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := p.http.Do(req)
	if err != nil {
		p.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		p.t.Fatal(err)
	}
	return answer{resp.StatusCode, data, resp.Header}
}

func (p *phone) json(method, path string, in any) answer {
	p.t.Helper()
	var body []byte
	if in != nil {
		var err error
		if body, err = json.Marshal(in); err != nil {
			p.t.Fatal(err)
		}
	}
	return p.do(method, path, body, map[string]string{"Content-Type": "application/json"})
}

func (p *phone) login(login, pw string) answer {
	p.t.Helper()
	return p.json("POST", "/report/api/login", map[string]string{"login": login, "password": pw})
}

func (p *phone) putPart(report app.ID, photo []byte, offset int, part []byte, partSHA string) answer {
	p.t.Helper()
	if partSHA == "" {
		partSHA = sum(part)
	}
	return p.do("PUT", fmt.Sprintf("/report/api/reports/%s/photos/%s?offset=%d", report, sum(photo), offset), part,
		map[string]string{"X-Part-SHA256": partSHA, "Content-Type": "application/octet-stream"})
}

// cutPart starts a part and drops the connection a thousand bytes in.
func (p *phone) cutPart(report app.ID, photo []byte, offset int, part []byte) {
	p.t.Helper()
	u, _ := url.Parse(p.w.base)
	conn, err := tls.Dial("tcp", u.Host, &tls.Config{RootCAs: p.w.pool})
	if err != nil {
		p.t.Fatal(err)
	}
	var cookie string
	for _, c := range p.http.Jar.Cookies(&url.URL{Scheme: "https", Host: u.Host, Path: "/report/api"}) {
		cookie = c.Name + "=" + c.Value
	}
	fmt.Fprintf(conn, "PUT /report/api/reports/%s/photos/%s?offset=%d HTTP/1.1\r\nHost: %s\r\nCookie: %s\r\nX-Part-SHA256: %s\r\nContent-Length: %d\r\n\r\n",
		report, sum(photo), offset, u.Host, cookie, sum(part), len(part))
	_, _ = conn.Write(part[:1000])
	conn.Close()
}

// sendPhoto sends the photo from what the hub holds, in parts.
func (p *phone) sendPhoto(report app.ID, photo []byte) answer {
	p.t.Helper()
	var st struct {
		Received int `json:"received"`
	}
	p.json("GET", fmt.Sprintf("/report/api/reports/%s/photos/%s", report, sum(photo)), nil).decode(p.t, &st)
	var a answer
	for off := st.Received; off < len(photo); off += hub.MaxOfficerPart {
		a = p.putPart(report, photo, off, photo[off:min(off+hub.MaxOfficerPart, len(photo))], "")
		if a.status != http.StatusOK {
			return a
		}
	}
	return a
}

func sum(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// noisePNG is a photo that does not compress: bigger than one part.
func noisePNG(t *testing.T, side int, seed uint64) []byte {
	img := image.NewNRGBA(image.Rect(0, 0, side, side))
	r := rand.New(rand.NewPCG(seed, seed))
	for i := range img.Pix {
		img.Pix[i] = byte(r.UintN(256))
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func smallJPEG(t *testing.T) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 64, 48))
	for x := range 64 {
		img.Set(x, x%48, color.RGBA{200, 30, 30, 255})
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, nil); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func reportBody(id app.ID, photos ...[]byte) map[string]any {
	var list []map[string]any
	for i, ph := range photos {
		mime := "image/jpeg"
		if bytes.HasPrefix(ph, []byte("\x89PNG")) {
			mime = "image/png"
		}
		list = append(list, map[string]any{"name": "IMG_" + strconv.Itoa(i) + ".jpg", "size": len(ph), "sha256": sum(ph), "mime": mime,
			"taken_at": time.Now().Add(-time.Minute).UTC(), "lat": 28.31, "lon": 109.73})
	}
	return map[string]any{"id": id, "category": "geological", "place": "村口后山", "lat": 28.31, "lon": 109.73,
		"occurred_at": time.Now().Add(-10 * time.Minute).UTC(), "written_at": time.Now().Add(-5 * time.Minute).UTC(),
		"counts":      map[string]any{"dead": 0, "missing": 1, "injured": 2, "trapped": 0, "evacuated": 30, "houses_damaged": 3},
		"description": "后山滑坡，冲毁两间房屋", "photos": list}
}

// signedIn sets up the officer of V1 (by T1's client) and signs in a phone.
func (w *officerWorld) signedIn(t *testing.T, c *client, p app.Person, login string) *phone {
	t.Helper()
	if _, err := w.account(c, wire.OfficerAccount{Person: p.ID, Login: login, Password: password}); err != nil {
		t.Fatalf("setting up %s: %v", login, err)
	}
	ph := w.phone(t)
	if a := ph.login(login, password); a.status != http.StatusOK {
		t.Fatalf("sign-in of %s: %d %s", login, a.status, a.body)
	}
	return ph
}

func countKind(list []wire.Delivery, kind string, entity app.ID) int {
	n := 0
	for _, d := range list {
		if d.Op.Kind == kind && (entity == app.NilID || d.Op.Entity == entity) {
			n++
		}
	}
	return n
}

// pulled is what a station's own connection receives from the start of
// the log: a raw pull, read to its caught_up.
func pulled(t *testing.T, h *testHub, user string) []wire.Delivery {
	t.Helper()
	r := dialRaw(t, h.addr)
	w := r.login(user)
	r.send(wire.TypePull, "pull", wire.Pull{Cursor: wire.Cursor{Epoch: w.Epoch}})
	var out []wire.Delivery
	for {
		env, err := r.next()
		if err != nil {
			t.Fatalf("pulling as %s: %v", user, err)
		}
		switch env.Type {
		case wire.TypeOps:
			var ops wire.Ops
			if err := json.Unmarshal(env.Data, &ops); err != nil {
				t.Fatal(err)
			}
			out = append(out, ops.Ops...)
		case wire.TypeCaughtUp:
			r.ws.Close()
			return out
		}
	}
}

func TestOfficerAccountSignsInAtThePageAndNotOnTheSyncSocket(t *testing.T) {
	w := startOfficerWorld(t, hub.Config{})
	// A sibling township may not set up another's village officer.
	if _, err := w.account(w.t2, wire.OfficerAccount{Person: w.p1.ID, Login: "13900000001", Password: password}); !isCode(err, wire.CodeForbidden) {
		t.Fatalf("T2 setting up V1's officer: %v, want forbidden", err)
	}
	// Nor may anyone make a duty officer an information officer.
	duty := w.t1.addPerson(w.h.tree.T1, "王值班")
	w.t1.caughtUp()
	if _, err := w.account(w.t1, wire.OfficerAccount{Person: duty.ID, Login: "wang", Password: password}); !isCode(err, wire.CodeForbidden) {
		t.Fatalf("an account for a township's duty officer: %v, want forbidden", err)
	}
	st, err := w.account(w.t1, wire.OfficerAccount{Person: w.p1.ID, Login: "13900000001", Password: password})
	if err != nil {
		t.Fatal(err)
	}
	if st.Station != w.V1.ID || st.Login != "13900000001" || st.Disabled {
		t.Fatalf("account state %+v", st)
	}

	ph := w.phone(t)
	if a := ph.login("13900000001", "not the password"); a.status != http.StatusUnauthorized || a.code() != "bad_login" {
		t.Fatalf("a wrong password: %d %s", a.status, a.body)
	}
	if a := ph.json("GET", "/report/api/me", nil); a.status != http.StatusUnauthorized || a.code() != "signed_out" {
		t.Fatalf("me before signing in: %d %s", a.status, a.body)
	}
	if n := w.h.srv.Limited()["officer_bad_login"]; n != 1 {
		t.Fatalf("officer_bad_login counted %d times, want 1", n)
	}
	a := ph.login("13900000001", password)
	if a.status != http.StatusOK {
		t.Fatalf("sign-in: %d %s", a.status, a.body)
	}
	var me hub.OfficerMe
	a.decode(t, &me)
	if me.Officer.ID != w.p1.ID || me.Officer.Name != "张信息" || me.Village.ID != w.V1.ID || me.Village.Name != "乾州村" || len(me.Categories) == 0 {
		t.Fatalf("sign-in answer %+v", me)
	}
	ck := strings.Join(a.header.Values("Set-Cookie"), "\n")
	for _, want := range []string{"dr_officer=", "Path=/report", "Max-Age=2592000", "HttpOnly", "Secure", "SameSite=Strict"} {
		if !strings.Contains(ck, want) {
			t.Errorf("the session cookie %q lacks %s", ck, want)
		}
	}
	if a := ph.json("GET", "/report/api/me", nil); a.status != http.StatusOK {
		t.Fatalf("me with the cookie: %d %s", a.status, a.body)
	}

	// The same account and password on the sync socket: refused.
	r := dialRaw(t, w.h.addr)
	r.send(wire.TypeHello, "h", wire.Hello{Version: wire.Version, Login: &wire.Login{User: "13900000001", Password: password}})
	if e := r.expectError(); e.Code != wire.CodeForbidden || !strings.Contains(e.Message, "/report") {
		t.Fatalf("a sync login with an officer's account: %+v", e)
	}
	// And a station's account does not sign in at the page.
	if a := w.phone(t).login("t1", password); a.status != http.StatusUnauthorized {
		t.Fatalf("a station's account at the page: %d %s", a.status, a.body)
	}

	// The township lists its officers.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	env, err := w.t1.eng.Request(ctx, wire.TypeOfficerAccounts, struct{}{})
	if err != nil {
		t.Fatal(err)
	}
	list, err := wire.DecodeOfficerAccounts(env)
	if err != nil || len(list.Accounts) != 1 || list.Accounts[0].Person != w.p1.ID {
		t.Fatalf("T1's officers: %+v, %v", list, err)
	}
	env, err = w.t2.eng.Request(ctx, wire.TypeOfficerAccounts, struct{}{})
	if list, _ := wire.DecodeOfficerAccounts(env); err != nil || len(list.Accounts) != 0 {
		t.Fatalf("T2 sees T1's officers: %+v, %v", list, err)
	}
}

func isCode(err error, code string) bool {
	var we *wire.Error
	return errors.As(err, &we) && we.Code == code
}

func TestOfficerLoginIsThrottledAfterFailures(t *testing.T) {
	w := startOfficerWorld(t, hub.Config{})
	if _, err := w.account(w.t1, wire.OfficerAccount{Person: w.p1.ID, Login: "zhang", Password: password}); err != nil {
		t.Fatal(err)
	}
	ph := w.phone(t)
	var last answer
	for range hub.FreeFailures + 1 {
		last = ph.login("zhang", "wrong password")
	}
	if last.status != http.StatusTooManyRequests || last.code() != "locked" || last.header.Get("Retry-After") == "" {
		t.Fatalf("after %d failures: %d %s", hub.FreeFailures+1, last.status, last.body)
	}
	// Even the right password waits now.
	if a := ph.login("zhang", password); a.status != http.StatusTooManyRequests {
		t.Fatalf("the right password while locked: %d %s", a.status, a.body)
	}
}

func TestDisabledOfficerIsSignedOutAtOnceAndSessionsSurviveARestart(t *testing.T) {
	w := startOfficerWorld(t, hub.Config{})
	ph := w.signedIn(t, w.t1, w.p1, "zhang")

	// A hub restart keeps the session: the phone stays signed in.
	w.h.restart(nil)
	w.setHandler()
	w.t1.caughtUp()
	if a := ph.json("GET", "/report/api/me", nil); a.status != http.StatusOK {
		t.Fatalf("me after a hub restart: %d %s", a.status, a.body)
	}

	if _, err := w.account(w.t1, wire.OfficerAccount{Person: w.p1.ID, Login: "zhang", Disabled: true}); err != nil {
		t.Fatal(err)
	}
	if a := ph.json("GET", "/report/api/reports", nil); a.status != http.StatusUnauthorized || a.code() != "signed_out" {
		t.Fatalf("a revoked phone's next request: %d %s", a.status, a.body)
	}
	if a := w.phone(t).login("zhang", password); a.status != http.StatusForbidden || a.code() != "disabled" {
		t.Fatalf("signing in to a disabled account: %d %s", a.status, a.body)
	}
}

// A report with two photos sent in parts: a wrong part refused and nothing
// of it kept, a resume at the offset the hub holds, the report stored once
// in one piece when the last byte arrives, and sent again stored once.
func TestVillageReportWithTwoPhotosInPartsIsStoredOnceWhole(t *testing.T) {
	w := startOfficerWorld(t, hub.Config{})
	ph := w.signedIn(t, w.t1, w.p1, "zhang")
	other := w.signedIn(t, w.t2, w.p2, "li")
	// The townships' clients go: the test reads as those stations itself.
	w.t1.stop()
	w.t2.stop()
	big, small := noisePNG(t, 320, 1), smallJPEG(t)
	if len(big) <= hub.MaxOfficerPart {
		t.Fatalf("the big photo is %d bytes, one part", len(big))
	}
	id := app.NewID()
	body := reportBody(id, big, small)
	body["village"] = w.V2.ID // the body cannot name another village
	var st hub.PageReportState
	a := ph.json("PUT", "/report/api/reports/"+id.String(), body)
	a.decode(t, &st)
	if a.status != http.StatusOK || st.State != "waiting_photos" || len(st.Missing) != 2 {
		t.Fatalf("the report: %d %s", a.status, a.body)
	}

	// A part that does not match its hash: refused, nothing kept.
	part := big[:hub.MaxOfficerPart]
	bad := append([]byte(nil), part...)
	bad[100] ^= 0xff
	if a := ph.putPart(id, big, 0, bad, sum(part)); a.status != http.StatusUnprocessableEntity || a.code() != "part_hash" {
		t.Fatalf("a damaged part: %d %s", a.status, a.body)
	}
	var held hub.PhotoState
	ph.json("GET", fmt.Sprintf("/report/api/reports/%s/photos/%s", id, sum(big)), nil).decode(t, &held)
	if held.Received != 0 {
		t.Fatalf("after a damaged part the hub holds %d bytes", held.Received)
	}
	if a := ph.putPart(id, big, 0, part, ""); a.status != http.StatusOK {
		t.Fatalf("the first part: %d %s", a.status, a.body)
	}
	// The link breaks in the middle of the second part: nothing of it is kept.
	ph.cutPart(id, big, hub.MaxOfficerPart, big[hub.MaxOfficerPart:])
	ph.json("GET", fmt.Sprintf("/report/api/reports/%s/photos/%s", id, sum(big)), nil).decode(t, &held)
	if held.Received != hub.MaxOfficerPart {
		t.Fatalf("after a part cut short the hub holds %d bytes, want %d", held.Received, hub.MaxOfficerPart)
	}
	// The phone, unsure, resends from 0 and is told where to go on.
	a = ph.putPart(id, big, 0, part, "")
	if a.status != http.StatusConflict || a.code() != "offset" || !strings.Contains(string(a.body), `"received":262144`) {
		t.Fatalf("a part at the wrong offset: %d %s", a.status, a.body)
	}
	if a := ph.sendPhoto(id, big); a.status != http.StatusOK {
		t.Fatalf("the rest of the big photo: %d %s", a.status, a.body)
	}
	if n := countKind(w.h.logOps(), villagereport.OpCreate, id); n != 0 {
		t.Fatalf("the report is in the log with a photo missing (%d creates)", n)
	}
	if a := ph.sendPhoto(id, small); a.status != http.StatusOK {
		t.Fatalf("the small photo: %d %s", a.status, a.body)
	}

	// Sent again (the phone never saw the answer): stored once.
	a = ph.json("PUT", "/report/api/reports/"+id.String(), body)
	a.decode(t, &st)
	if a.status != http.StatusOK || st.State != "received" || st.ReceivedAt.IsZero() {
		t.Fatalf("the report sent again: %d %s", a.status, a.body)
	}
	body["place"] = "另一个地方"
	if a := ph.json("PUT", "/report/api/reports/"+id.String(), body); a.status != http.StatusConflict || a.code() != "conflict" {
		t.Fatalf("another body under the same id: %d %s", a.status, a.body)
	}
	ops := w.h.logOps()
	if n := countKind(ops, villagereport.OpCreate, id); n != 1 {
		t.Fatalf("%d creates of the report in the log, want 1", n)
	}
	wantChunks := (len(big)+128<<10-1)/(128<<10) + 1
	if n := countKind(ops, villagereport.OpChunk, id); n != wantChunks {
		t.Fatalf("%d chunks in the log, want %d", n, wantChunks)
	}
	var stored villagereport.Report
	for _, d := range ops {
		if d.Op.Kind == villagereport.OpCreate {
			if err := json.Unmarshal(d.Op.Payload, &stored); err != nil {
				t.Fatal(err)
			}
		}
	}
	if stored.Village != w.V1.ID || stored.Officer != w.p1.ID || stored.OfficerName != "张信息" || len(stored.Photos) != 2 || stored.Counts.Evacuated != 30 {
		t.Fatalf("stored report %+v", stored)
	}

	// It reaches the township and the county above the village, not the
	// sibling township.
	for user, want := range map[string]int{"t1": 1, "c1": 1, "p": 1, "t2": 0, "c2": 0} {
		if n := countKind(pulled(t, w.h, user), villagereport.OpCreate, id); n != want {
			t.Errorf("%s received the report %d times, want %d", user, n, want)
		}
	}

	// The officer's list shows it, received; a 核实 by the township makes it merged.
	var list []hub.OfficerReport
	ph.json("GET", "/report/api/reports", nil).decode(t, &list)
	if len(list) != 1 || list[0].ID != id || list[0].State != "received" || list[0].Photos != 2 {
		t.Fatalf("the officer's reports: %+v", list)
	}
	v := villagereport.Verification{Report: id, Outcome: villagereport.Merged, Incident: app.NewID(), Station: w.h.tree.T1.ID, By: "王值班", At: time.Now().UTC()}
	r := dialRaw(t, w.h.addr)
	welcome := r.login("t1")
	vop := op(w.h.tree.T1.ID, welcome.LastSeq+1, villagereport.OpVerify)
	vop.Entity, vop.Scope = id, app.ScopeUp
	vop.Payload, _ = json.Marshal(v)
	r.send(wire.TypePush, "push", wire.Push{Ops: []app.Operation{vop}})
	r.expect(wire.TypeAck)
	waitFor(t, "the report to show merged", func() bool {
		ph.json("GET", "/report/api/reports", nil).decode(t, &list)
		return len(list) == 1 && list[0].State == "merged"
	})
	// The other village's officer sees none of it.
	other.json("GET", "/report/api/reports", nil).decode(t, &list)
	if len(list) != 0 {
		t.Fatalf("V2's officer sees %+v", list)
	}
	if a := other.do("GET", fmt.Sprintf("/report/api/reports/%s/photos/%s", id, sum(big)), nil, nil); a.status != http.StatusNotFound {
		t.Fatalf("V2's officer reads V1's photo state: %d %s", a.status, a.body)
	}
}

func TestNonImageAndBadReportsAreRefusedNamingTheField(t *testing.T) {
	w := startOfficerWorld(t, hub.Config{OfficerReportsPerHour: 2})
	ph := w.signedIn(t, w.t1, w.p1, "zhang")

	text := []byte("这不是照片，只是一段文字。" + strings.Repeat("x", 500))
	id := app.NewID()
	if a := ph.json("PUT", "/report/api/reports/"+id.String(), reportBody(id, text)); a.status != http.StatusOK {
		t.Fatalf("a report announcing a text as a JPEG: %d %s", a.status, a.body)
	}
	a := ph.sendPhoto(id, text)
	if a.status != http.StatusUnprocessableEntity || a.code() != "not_image" {
		t.Fatalf("a text as a photo: %d %s", a.status, a.body)
	}
	var held hub.PhotoState
	ph.json("GET", fmt.Sprintf("/report/api/reports/%s/photos/%s", id, sum(text)), nil).decode(t, &held)
	if held.Received != 0 || countKind(w.h.logOps(), villagereport.OpCreate, id) != 0 {
		t.Fatalf("after a non-image the hub holds %d bytes", held.Received)
	}

	for _, c := range []struct {
		change func(map[string]any)
		field  string
	}{
		{func(b map[string]any) { delete(b, "category") }, "category"},
		{func(b map[string]any) { b["place"] = "  " }, "place"},
		{func(b map[string]any) { b["counts"] = map[string]any{"dead": 1.5} }, "counts.dead"},
		{func(b map[string]any) { b["counts"] = map[string]any{"injured": -2} }, "counts.injured"},
		{func(b map[string]any) { b["occurred_at"] = time.Now().Add(time.Hour).UTC() }, "occurred_at"},
	} {
		rid := app.NewID()
		body := reportBody(rid)
		c.change(body)
		a := ph.json("PUT", "/report/api/reports/"+rid.String(), body)
		var e struct{ Code, Field, Message string }
		a.decode(t, &e)
		if a.status != http.StatusUnprocessableEntity || e.Field != c.field || e.Message == "" {
			t.Errorf("want field %s refused: %d %s", c.field, a.status, a.body)
		}
	}

	// The hourly limit: the report above and one more; the third waits.
	rid := app.NewID()
	if a := ph.json("PUT", "/report/api/reports/"+rid.String(), reportBody(rid)); a.status != http.StatusOK {
		t.Fatalf("the second report: %d %s", a.status, a.body)
	}
	rid = app.NewID()
	a = ph.json("PUT", "/report/api/reports/"+rid.String(), reportBody(rid))
	if a.status != http.StatusTooManyRequests || a.code() != "quota" || !strings.Contains(string(a.body), "retry_after") {
		t.Fatalf("a third report in the hour with a limit of 2: %d %s", a.status, a.body)
	}
}

func TestOfficerSeesAndSignsTheirVillagesWarningsOnly(t *testing.T) {
	w := startOfficerWorld(t, hub.Config{})
	ph := w.signedIn(t, w.t1, w.p1, "zhang")
	other := w.signedIn(t, w.t2, w.p2, "li")

	now := time.Now().UTC()
	wn := warning.Warning{Issuer: w.h.tree.T1.ID, Level: warning.Orange, Type: warning.Rainstorm, Area: "乾州街道",
		ValidFrom: now, ValidUntil: now.Add(12 * time.Hour), Text: "未来 6 小时有大暴雨，请做好转移准备。", IssuedBy: "王值班", IssuedAt: now}
	if err := store.NewWarnings(w.t1.db).Issue(context.Background(), &wn); err != nil {
		t.Fatal(err)
	}
	w.t1.eng.Kick()
	w.t1.caughtUp()
	var list []hub.OfficerWarning
	waitFor(t, "the warning on V1's page", func() bool {
		ph.json("GET", "/report/api/warnings", nil).decode(t, &list)
		return len(list) == 1
	})
	if list[0].ID != wn.ID || list[0].Issuer != "乾州街道" || list[0].Acked != nil {
		t.Fatalf("V1's warnings: %+v", list)
	}
	other.json("GET", "/report/api/warnings", nil).decode(t, &list)
	if len(list) != 0 {
		t.Fatalf("V2's officer sees T1's warning: %+v", list)
	}
	if a := other.json("POST", "/report/api/warnings/"+wn.ID.String()+"/ack", nil); a.status != http.StatusNotFound {
		t.Fatalf("V2's officer signs T1's warning: %d %s", a.status, a.body)
	}

	var first, second struct {
		At time.Time `json:"at"`
	}
	a := ph.json("POST", "/report/api/warnings/"+wn.ID.String()+"/ack", nil)
	a.decode(t, &first)
	if a.status != http.StatusOK || first.At.IsZero() {
		t.Fatalf("签收: %d %s", a.status, a.body)
	}
	ph.json("POST", "/report/api/warnings/"+wn.ID.String()+"/ack", nil).decode(t, &second)
	if !second.At.Equal(first.At) {
		t.Fatalf("a second 签收 answered %s, the first %s", second.At, first.At)
	}
	acks := 0
	for _, d := range w.h.logOps() {
		if d.Op.Kind != warning.OpAck {
			continue
		}
		var ack warning.Ack
		if err := json.Unmarshal(d.Op.Payload, &ack); err != nil {
			t.Fatal(err)
		}
		if ack.Via != warning.ViaPage || ack.Station != w.V1.ID || ack.Person != "张信息" || ack.RecordedBy != app.NilID || d.Op.Origin != app.NilID {
			t.Fatalf("the page's ack: %+v from %s", ack, d.Op.Origin)
		}
		acks++
	}
	if acks != 1 {
		t.Fatalf("%d acks in the log, want 1", acks)
	}
	ph.json("GET", "/report/api/warnings", nil).decode(t, &list)
	if len(list) != 1 || list[0].Acked == nil || list[0].Acked.Via != warning.ViaPage {
		t.Fatalf("V1's warnings after 签收: %+v", list)
	}
	// The issuing township receives it.
	w.t1.stop()
	w.t2.stop()
	if n := countKind(pulled(t, w.h, "t1"), warning.OpAck, wn.ID); n != 1 {
		t.Fatalf("T1 received %d acks", n)
	}
}

func TestReportPageIsServedCompressedAndRevalidated(t *testing.T) {
	w := startOfficerWorld(t, hub.Config{})
	ph := w.phone(t)
	a := ph.do("GET", "/report", nil, map[string]string{"Accept-Encoding": "gzip"})
	if a.status != http.StatusOK || a.header.Get("Content-Encoding") != "gzip" || a.header.Get("Cache-Control") != "no-cache" || a.header.Get("ETag") == "" {
		t.Fatalf("the page: %d %v", a.status, a.header)
	}
	again := ph.do("GET", "/report", nil, map[string]string{"If-None-Match": a.header.Get("ETag")})
	if again.status != http.StatusNotModified {
		t.Fatalf("the page revalidated: %d", again.status)
	}
	if a := ph.do("GET", "/report/nothing.js", nil, nil); a.status != http.StatusNotFound {
		t.Fatalf("a file the page has not: %d", a.status)
	}
}
