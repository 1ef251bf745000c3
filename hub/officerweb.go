package hub

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"dutyroom/app"
	"dutyroom/app/incident"
	"dutyroom/app/wire"
)

// The village officers' phone page (/report): its static files, its
// sign-in with a cookie session, and the JSON errors of its API. The
// reports, photos and warnings are in officerreports.go.
//
// A page session is not a sync token: it lives in its own bucket, is sent
// only as the HttpOnly cookie dr_officer (never in a URL), and lets its
// holder do nothing but the page's few requests for their own village.
//
//	hub1/officer_sessions: <sha256(token)> → JSON officerSession

var bucketOfficerSessions = []byte("officer_sessions")

const (
	officerCookie = "dr_officer"
	// OfficerSessionTTL is how long a page session lasts: 30 days, so an
	// officer signs in once and the page still works after the phone
	// restarts, until the township disables the account.
	OfficerSessionTTL = 30 * 24 * time.Hour
	// officerSeenEvery bounds how often a session's last use is written:
	// a flood of photo parts must not be a flood of writes.
	officerSeenEvery = time.Hour
	// maxOfficerJSON bounds a JSON body of the page (a report is far less).
	maxOfficerJSON = 64 << 10
)

//go:embed all:web/report
var reportFiles embed.FS

type officerSession struct {
	Login   string    `json:"login"`
	Person  app.ID    `json:"person"`
	Village app.ID    `json:"village"`
	Created time.Time `json:"created"`
	Expires time.Time `json:"expires"`
	Seen    time.Time `json:"seen"`
}

// officer is who a page request comes from.
type officer struct {
	Login   string
	Person  app.ID
	Name    string
	Village app.ID
	token   string
}

func officerBucket(tx *bolt.Tx, name []byte) *bolt.Bucket { return bucket(tx, name) }

func officerBucketRW(tx *bolt.Tx, name []byte) (*bolt.Bucket, error) {
	root := tx.Bucket(bucketRoot)
	if root == nil {
		return nil, app.Errorf(app.ECORRUPT, "the hub's database has no root bucket")
	}
	return root.CreateBucketIfNotExists(name)
}

func revokeOfficerSessions(tx *bolt.Tx, login string) error {
	b := officerBucket(tx, bucketOfficerSessions)
	if b == nil {
		return nil
	}
	var keys [][]byte
	err := b.ForEach(func(k, v []byte) error {
		var s officerSession
		if json.Unmarshal(v, &s) != nil || s.Login == login {
			keys = append(keys, append([]byte(nil), k...))
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, k := range keys {
		if err := b.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

// pageError is an answer of the page's API other than 200.
type pageError struct {
	status     int
	Code       string `json:"code"`
	Field      string `json:"field,omitempty"`
	Message    string `json:"message"`
	Received   *int64 `json:"received,omitempty"`
	RetryAfter int    `json:"retry_after,omitempty"`
}

func perr(status int, code, msg string) *pageError {
	return &pageError{status: status, Code: code, Message: msg}
}

// refusePage answers an error, logs it naming the officer and the reason
// (limited per second as other refusals) and counts it.
func (s *Server) refusePage(w http.ResponseWriter, r *http.Request, o *officer, e *pageError, detail error) {
	reason := "officer_" + e.Code
	s.metrics.limited(reason)
	if ok, left := s.logLimit.allow(reason, time.Now()); ok {
		attrs := []any{"code", e.Code, "field", e.Field, "addr", clientAddr(r), "path", r.URL.Path, "status", e.status, "unlogged", left}
		if o != nil {
			attrs = append(attrs, "login", o.Login, "village", o.Village)
		}
		if detail != nil {
			attrs = append(attrs, "err", detail)
		}
		s.log.Warn("officer page refused", attrs...)
	}
	if e.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(e.RetryAfter))
	}
	writeJSON(w, e.status, e)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (s *Server) officerRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /report", s.serveReportFile)
	mux.HandleFunc("GET /report/{$}", s.serveReportFile)
	mux.HandleFunc("GET /report/{file}", s.serveReportFile)
	mux.HandleFunc("POST /report/api/login", s.serveOfficerLogin)
	mux.HandleFunc("POST /report/api/logout", s.serveOfficerLogout)
	mux.HandleFunc("GET /report/api/me", s.serveOfficerMe)
	mux.HandleFunc("GET /report/api/reports", s.serveOfficerReports)
	mux.HandleFunc("PUT /report/api/reports/{id}", s.servePutReport)
	mux.HandleFunc("GET /report/api/reports/{id}/photos/{sha}", s.servePhotoState)
	mux.HandleFunc("PUT /report/api/reports/{id}/photos/{sha}", s.servePutPhotoPart)
	mux.HandleFunc("GET /report/api/warnings", s.serveOfficerWarnings)
	mux.HandleFunc("POST /report/api/warnings/{id}/ack", s.serveOfficerAck)
}

// Static files: read once, gzipped once, served with an ETag so a phone
// revalidates cheaply. Every file is no-cache (revalidated), not
// immutable: the service worker keeps the page offline, and a new hub
// version must reach it; sw.js above all, which browsers must never keep
// stale.
type staticFile struct {
	body, gz    []byte
	contentType string
	etag        string
}

var reportStatic = func() map[string]*staticFile {
	out := map[string]*staticFile{}
	_ = fs.WalkDir(reportFiles, "web/report", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := reportFiles.ReadFile(p)
		if err != nil {
			return err
		}
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		_, _ = zw.Write(body)
		_ = zw.Close()
		sum := sha256.Sum256(body)
		ct := mime.TypeByExtension(path.Ext(p))
		switch path.Ext(p) {
		case ".webmanifest":
			ct = "application/manifest+json"
		case ".js":
			ct = "text/javascript; charset=utf-8"
		case "":
			ct = "application/octet-stream"
		}
		out[path.Base(p)] = &staticFile{body: body, gz: buf.Bytes(), contentType: ct, etag: `"` + hex.EncodeToString(sum[:8]) + `"`}
		return nil
	})
	return out
}()

func (s *Server) serveReportFile(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("file")
	if name == "" {
		name = "index.html"
	}
	f := reportStatic[name]
	if f == nil {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	h.Set("Content-Type", f.contentType)
	h.Set("Cache-Control", "no-cache")
	h.Set("ETag", f.etag)
	h.Set("Vary", "Accept-Encoding")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' blob: data:; style-src 'self' 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
	if name == "sw.js" {
		h.Set("Service-Worker-Allowed", "/report")
	}
	if r.Header.Get("If-None-Match") == f.etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	body := f.body
	if acceptsGzip(r) {
		h.Set("Content-Encoding", "gzip")
		body = f.gz
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	_, _ = w.Write(body)
}

func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		enc, q, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.TrimSpace(enc) == "gzip" && strings.ReplaceAll(q, " ", "") != "q=0" {
			return true
		}
	}
	return false
}

// samePageOrigin refuses a state-changing request another site's page
// sent: the cookie is SameSite=Strict already; this is the second lock.
func samePageOrigin(r *http.Request) bool {
	o := r.Header.Get("Origin")
	return o == "" || sameOrigin(r)
}

// Categories the page offers, in the intake form's order, named as the
// duty rooms name them.
var categoryNames = map[incident.Category]string{
	incident.RoadTraffic: "道路交通", incident.WaterwayTraffic: "水上交通", incident.NonCoalMine: "非煤矿山",
	incident.HazardousChemicals: "危险化学品", incident.Fireworks: "烟花爆竹", incident.Fire: "火灾",
	incident.Construction: "建筑施工", incident.TownGas: "城镇燃气", incident.SpecialEquipment: "特种设备",
	incident.IndustryTrade: "工贸", incident.Tourism: "旅游", incident.Flood: "洪涝", incident.Drought: "干旱",
	incident.Geological: "地质灾害", incident.Earthquake: "地震", incident.ForestFire: "森林火灾",
	incident.LowTempIce: "低温雨雪冰冻", incident.OtherIncident: "其他",
}

type idName struct {
	ID   app.ID `json:"id"`
	Name string `json:"name"`
}

type codeName struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

// OfficerMe answers a login and /report/api/me.
type OfficerMe struct {
	Officer    idName     `json:"officer"`
	Village    idName     `json:"village"`
	Categories []codeName `json:"categories"`
}

func (s *Server) me(o *officer) OfficerMe {
	m := OfficerMe{Officer: idName{o.Person, o.Name}, Village: idName{ID: o.Village}}
	if st := s.writer.tree.Load().Station(o.Village); st != nil {
		m.Village.Name = st.Name
	}
	for _, c := range incident.Categories {
		m.Categories = append(m.Categories, codeName{string(c), categoryNames[c]})
	}
	return m
}

// OfficerLogin is the body of POST /report/api/login.
type OfficerLogin struct {
	Login    string `json:"login"`
	Password string `json:"password"`
}

// DecodeOfficerLogin reads a login body. EINVALID names the field.
func DecodeOfficerLogin(body []byte) (OfficerLogin, error) {
	var l OfficerLogin
	if err := json.Unmarshal(body, &l); err != nil {
		return l, app.FieldErrorf("login", "the sign-in is not readable")
	}
	switch {
	case l.Login == "" || len(l.Login) > wire.MaxUserLen:
		return l, app.FieldErrorf("login", "enter the login")
	case l.Password == "" || len(l.Password) > wire.MaxPassword:
		return l, app.FieldErrorf("password", "enter the password")
	}
	return l, nil
}

func readBody(w http.ResponseWriter, r *http.Request, max int64) ([]byte, *pageError) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, max))
	if err != nil {
		var mb *http.MaxBytesError
		if errors.As(err, &mb) {
			return nil, perr(http.StatusRequestEntityTooLarge, "too_large", "内容过大。")
		}
		return nil, perr(http.StatusBadRequest, "bad_request", "网络中断，请重试。")
	}
	return body, nil
}

func (s *Server) serveOfficerLogin(w http.ResponseWriter, r *http.Request) {
	if !samePageOrigin(r) {
		s.refusePage(w, r, nil, perr(http.StatusForbidden, "origin", "请从值班中心的填报页面登录。"), nil)
		return
	}
	body, pe := readBody(w, r, 4096)
	if pe != nil {
		s.refusePage(w, r, nil, pe, nil)
		return
	}
	l, err := DecodeOfficerLogin(body)
	if err != nil {
		e := perr(http.StatusBadRequest, "invalid", "请输入账号和密码。")
		e.Field = app.ErrorField(err)
		s.refusePage(w, r, nil, e, err)
		return
	}
	addr := clientAddr(r)
	at, no := s.throttle.begin(time.Now(), l.Login, addr)
	if no != nil {
		s.metrics.limited(no.reason)
		code := "busy"
		if no.err.Code == wire.CodeThrottled {
			code = "locked"
		}
		e := perr(http.StatusTooManyRequests, code, "登录尝试过多，请 "+strconv.Itoa(max(no.err.RetryAfter, 1))+" 秒后再试。")
		e.RetryAfter = max(no.err.RetryAfter, 1)
		s.refusePage(w, r, nil, e, errors.New(no.err.Message))
		return
	}
	if werr := s.acquireHash(); werr != nil {
		s.throttle.finish(time.Now(), at, loginUnchecked)
		e := perr(http.StatusTooManyRequests, "busy", "值班中心正忙，请稍后再试。")
		e.RetryAfter = max(werr.RetryAfter, 1)
		s.refusePage(w, r, nil, e, werr)
		return
	}
	var a Account
	err = s.db.bolt.View(func(tx *bolt.Tx) (err error) {
		a, err = findAccount(tx, l.Login)
		return err
	})
	hash := a.Hash
	if err != nil || a.Person == app.NilID {
		hash = dummyHash()
	}
	ok := checkPassword(hash, l.Password) && err == nil && a.Person != app.NilID
	<-s.hashing
	if !ok {
		s.throttle.finish(time.Now(), at, loginFailed)
		s.refusePage(w, r, nil, perr(http.StatusUnauthorized, "bad_login", "账号或密码不对。"), nil)
		return
	}
	s.throttle.finish(time.Now(), at, loginSucceeded)
	if a.Disabled {
		s.refusePage(w, r, &officer{Login: a.Name, Village: a.Station}, perr(http.StatusForbidden, "disabled", "这个账号已停用。请与乡镇（街道）值班室联系。"), nil)
		return
	}
	token, err := newSecret()
	if err != nil {
		s.failPage(w, r, nil, err)
		return
	}
	now := s.db.Now().UTC()
	sess := officerSession{Login: a.Name, Person: a.Person, Village: a.Station, Created: now, Expires: now.Add(OfficerSessionTTL), Seen: now}
	err = s.db.bolt.Update(func(tx *bolt.Tx) error {
		b, err := officerBucketRW(tx, bucketOfficerSessions)
		if err != nil {
			return err
		}
		buf, err := json.Marshal(sess)
		if err != nil {
			return err
		}
		return b.Put(tokenKey(token), buf)
	})
	if err != nil {
		s.failPage(w, r, nil, err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: officerCookie, Value: token, Path: "/report", MaxAge: int(OfficerSessionTTL / time.Second),
		HttpOnly: true, Secure: true, SameSite: http.SameSiteStrictMode})
	o := &officer{Login: a.Name, Person: a.Person, Name: a.PersonName, Village: a.Station}
	s.metrics.logins.Add(1)
	s.log.Info("officer signed in", "login", a.Name, "village", a.Station, "addr", addr)
	writeJSON(w, http.StatusOK, s.me(o))
}

// failPage answers a fault of the hub's own.
func (s *Server) failPage(w http.ResponseWriter, r *http.Request, o *officer, err error) {
	s.metrics.refusal(wire.CodeInternal)
	attrs := []any{"path", r.URL.Path, "err", err}
	if o != nil {
		attrs = append(attrs, "login", o.Login)
	}
	s.log.Error("officer page failed", attrs...)
	writeJSON(w, http.StatusInternalServerError, perr(http.StatusInternalServerError, "internal", "值班中心出错了，请稍后再试。"))
}

// officerOfRequest checks the request's cookie session; it answers the
// refusal itself. Any change to the account since the session began
// (disabled, a new password, another login) ends the session.
// officerChanging is officerOfRequest for a request that changes something
// (verb: what the page does, for the refusal): it must also come from the
// page itself, not from another site the phone's browser visits with the
// officer's cookie.
func (s *Server) officerChanging(w http.ResponseWriter, r *http.Request, verb string) (*officer, bool) {
	o, ok := s.officerOfRequest(w, r)
	if !ok {
		return nil, false
	}
	if !samePageOrigin(r) {
		s.refusePage(w, r, o, perr(http.StatusForbidden, "origin", "请从值班中心的填报页面"+verb+"。"), nil)
		return nil, false
	}
	return o, true
}

func (s *Server) officerOfRequest(w http.ResponseWriter, r *http.Request) (*officer, bool) {
	ck, err := r.Cookie(officerCookie)
	if err != nil || ck.Value == "" || len(ck.Value) > maxWebSecret {
		s.refusePage(w, r, nil, perr(http.StatusUnauthorized, "signed_out", "请先登录。"), nil)
		return nil, false
	}
	var sess officerSession
	var a Account
	now := s.db.Now()
	err = s.db.bolt.View(func(tx *bolt.Tx) error {
		b := officerBucket(tx, bucketOfficerSessions)
		if b == nil {
			return errors.New("no session")
		}
		raw := b.Get(tokenKey(ck.Value))
		if raw == nil || json.Unmarshal(raw, &sess) != nil {
			return errors.New("unknown or revoked session")
		}
		if !now.Before(sess.Expires) {
			return errors.New("session expired")
		}
		a, err = findAccount(tx, sess.Login)
		switch {
		case err != nil:
			return err
		case a.Disabled:
			return errors.New("account disabled")
		case a.Person != sess.Person || a.Station != sess.Village || a.ChangedAt.After(sess.Created):
			return errors.New("account changed since the sign-in")
		}
		return nil
	})
	if err != nil {
		s.refusePage(w, r, nil, perr(http.StatusUnauthorized, "signed_out", "登录已失效，请重新登录。"), err)
		return nil, false
	}
	if now.Sub(sess.Seen) > officerSeenEvery {
		sess.Seen = now.UTC()
		_ = s.db.bolt.Update(func(tx *bolt.Tx) error {
			b, err := officerBucketRW(tx, bucketOfficerSessions)
			if err != nil {
				return err
			}
			buf, _ := json.Marshal(sess)
			return b.Put(tokenKey(ck.Value), buf)
		})
	}
	return &officer{Login: a.Name, Person: a.Person, Name: a.PersonName, Village: a.Station, token: ck.Value}, true
}

func (s *Server) serveOfficerLogout(w http.ResponseWriter, r *http.Request) {
	if ck, err := r.Cookie(officerCookie); err == nil && len(ck.Value) <= maxWebSecret {
		_ = s.db.bolt.Update(func(tx *bolt.Tx) error {
			if b := officerBucket(tx, bucketOfficerSessions); b != nil {
				return b.Delete(tokenKey(ck.Value))
			}
			return nil
		})
	}
	http.SetCookie(w, &http.Cookie{Name: officerCookie, Value: "", Path: "/report", MaxAge: -1, HttpOnly: true, Secure: true, SameSite: http.SameSiteStrictMode})
	writeJSON(w, http.StatusOK, map[string]bool{"ok": true})
}

func (s *Server) serveOfficerMe(w http.ResponseWriter, r *http.Request) {
	o, ok := s.officerOfRequest(w, r)
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, s.me(o))
}
