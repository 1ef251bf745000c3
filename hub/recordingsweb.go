package hub

import (
	_ "embed"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"os"
	"time"

	"dutyroom/app"
	"dutyroom/app/wire"
)

//go:embed web/recordings.html
var recordingsHTML string

var recordingsPages = template.Must(template.New("recordings").Parse(recordingsHTML))

// recordingRoutes serves the recordings pages, when the hub keeps
// recordings.
func (s *Server) recordingRoutes(mux *http.ServeMux) {
	if s.rec == nil {
		return
	}
	mux.HandleFunc("GET /recordings/open", s.serveRecordingOpen)
	mux.HandleFunc("GET /recordings/font.otf", serveFont)
	mux.HandleFunc("GET /recordings/{room}/{$}", s.serveRecordingList)
	mux.HandleFunc("GET /recordings/{room}/{file}", s.serveRecordingFile)
}

// pageHeaders are those of every recordings page: nothing but this hub,
// no scripts at all.
func pageHeaders(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; font-src 'self'; media-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
}

// recordingError is a refusal or a failure, said in Chinese and English.
type recordingError struct {
	status           int
	reason           string // the metric's and the log's
	heading          string
	chinese, english string
}

var (
	recNoSession = recordingError{http.StatusUnauthorized, "no_session", "链接已失效",
		"这个录像链接已用过、已过期或无效。请在值班室客户端的 会商记录 中再点一次 观看。",
		"This recordings link was used already, has expired or is unknown. Press 观看 (Watch) again in the DutyRoom client's consultation record."}
	recNotInvited = recordingError{http.StatusForbidden, "not_invited", "无权观看",
		"本站点不是这次会商的主持方，未受邀参加，也不是主持方的上级，不能观看它的录像。",
		"Your station neither hosted this consultation, nor was invited to it, nor is above its host: its recordings are not yours to watch."}
	recGone = recordingError{http.StatusNotFound, "gone", "录像不存在",
		"值班中心上没有这段录像：它可能已被删除或移走。",
		"The hub holds no such recording: it may have been deleted or moved."}
	recTooMany = recordingError{http.StatusTooManyRequests, "streams", "同时播放的录像过多",
		"这个账号同时播放的录像已达上限。请先停止其他正在播放的录像，再刷新本页。",
		"This account plays as many recordings at once as the hub allows. Stop another one, then reload this page."}
	recDamaged = recordingError{http.StatusInternalServerError, "damaged", "录像无法读取",
		"这段录像的文件已损坏，无法播放。文件仍在值班中心的录像文件夹中。",
		"The files of this recording are damaged and cannot be played. They are still in the hub's recordings folder."}
)

// refuseRecording answers with the error's page, logs who was refused
// and why, and counts it.
func (s *Server) refuseRecording(w http.ResponseWriter, r *http.Request, e recordingError, g *JoinGrant, detail error) {
	reason := "recordings_" + e.reason
	s.metrics.limited(reason)
	// A flood of requests without a session must not flood the log: as
	// for the other refusals, a burst a second per reason, the rest
	// counted.
	if ok, left := s.logLimit.allow(reason, time.Now()); ok {
		attrs := []any{"reason", e.reason, "addr", clientAddr(r), "path", r.URL.Path, "status", e.status, "unlogged", left}
		if g != nil {
			attrs = append(attrs, "user", g.User, "station", g.Station)
		}
		if detail != nil {
			attrs = append(attrs, "err", detail)
		}
		s.log.Warn("recordings page refused", attrs...)
	}
	pageHeaders(w)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(e.status)
	_ = recordingsPages.ExecuteTemplate(w, "error", map[string]string{
		"Title": e.heading, "Heading": e.heading + " · " + http.StatusText(e.status), "Chinese": e.chinese, "English": e.english})
}

// serveRecordingOpen trades a one-time code for a session cookie and sends
// the browser on to the consultation's page.
func (s *Server) serveRecordingOpen(w http.ResponseWriter, r *http.Request) {
	addrKey := "rec:" + clientAddr(r)
	now := time.Now()
	if wait := s.throttle.wait(now, addrKey); wait > 0 {
		s.throttle.fail(now, addrKey)
		s.refuseRecording(w, r, recNoSession, nil, fmt.Errorf("throttled for %s", wait.Round(time.Second)))
		return
	}
	token, g, err := s.db.redeemRecordingCode(r.URL.Query().Get("code"))
	if err != nil {
		var we *wire.Error
		if errors.As(err, &we) && we.Code == wire.CodeUnauthorized {
			s.throttle.fail(now, addrKey)
		}
		s.refuseRecording(w, r, recNoSession, nil, err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: recordingCookie, Value: token, Path: "/recordings/", Expires: g.Expires,
		HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteLaxMode})
	s.log.Info("recordings link used", "user", g.User, "station", g.Station, "room", g.Room, "addr", clientAddr(r))
	pageHeaders(w)
	http.Redirect(w, r, "/recordings/"+g.Room.String()+"/", http.StatusSeeOther)
}

// recordingAccess checks the browser's session and that its station may
// watch the room of the path; it answers the refusal itself.
func (s *Server) recordingAccess(w http.ResponseWriter, r *http.Request) (JoinGrant, app.ID, consultSeen, bool) {
	var g JoinGrant
	ck, err := r.Cookie(recordingCookie)
	if err != nil {
		s.refuseRecording(w, r, recNoSession, nil, errors.New("no session cookie"))
		return g, app.NilID, consultSeen{}, false
	}
	if g, err = s.db.authenticateRecording(ck.Value); err != nil {
		s.refuseRecording(w, r, recNoSession, nil, err)
		return g, app.NilID, consultSeen{}, false
	}
	room, err := app.ParseID(r.PathValue("room"))
	if err != nil {
		s.refuseRecording(w, r, recGone, &g, err)
		return g, app.NilID, consultSeen{}, false
	}
	seen, ok := s.rec.consultation(room)
	if !ok || !mayWatch(s.writer.tree.Load(), seen, g.Station) {
		s.refuseRecording(w, r, recNotInvited, &g, fmt.Errorf("room %s", room))
		return g, app.NilID, consultSeen{}, false
	}
	return g, room, seen, true
}

// recordingRow is one entry as the page shows it.
type recordingRow struct {
	Name, User, Station, Start, Length, Kind, Error string
	Dropped                                         int64
	HasVideo                                        bool
}

func (s *Server) serveRecordingList(w http.ResponseWriter, r *http.Request) {
	g, room, seen, ok := s.recordingAccess(w, r)
	if !ok {
		return
	}
	_, list, err := s.rec.listRecordings(room)
	if err != nil && !errors.Is(err, errNoRecordings) {
		s.refuseRecording(w, r, recDamaged, &g, err)
		return
	}
	tree := s.writer.tree.Load()
	loc := time.Local
	if st := tree.Station(g.Station); st != nil {
		loc = st.Location()
	}
	name := func(id app.ID) string {
		if st := tree.Station(id); st != nil {
			return st.Name
		}
		return id.String()
	}
	rows := make([]recordingRow, 0, len(list))
	for _, rec := range list {
		kind := "画面和声音 · picture and sound"
		switch {
		case !rec.HasVideo:
			kind = "仅声音 · sound only"
		case rec.Audio == "":
			kind = "仅画面 · picture only"
		}
		rows = append(rows, recordingRow{Name: rec.Name, User: rec.User, Station: name(rec.Station),
			Start: rec.Start.In(loc).Format("2006-01-02 15:04:05"), Length: clockLength(rec.End.Sub(rec.Start)),
			Kind: kind, Error: rec.Error, Dropped: rec.Dropped, HasVideo: rec.HasVideo})
	}
	title := seen.Title
	if title == "" {
		title = room.String()
	}
	pageHeaders(w)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_ = recordingsPages.ExecuteTemplate(w, "list", map[string]any{
		"Title": title, "Viewer": g.User + "（" + name(g.Station) + "）", "Recordings": rows})
}

// clockLength says a length as h:mm:ss or m:ss.
func clockLength(d time.Duration) string {
	d = d.Round(time.Second)
	h, m, sec := int(d/time.Hour), int(d/time.Minute)%60, int(d/time.Second)%60
	if h > 0 {
		return fmt.Sprintf("%d:%02d:%02d", h, m, sec)
	}
	return fmt.Sprintf("%d:%02d", m, sec)
}

// serveRecordingFile plays one recording: its WebM, made on first asking,
// served with byte ranges so the browser seeks.
func (s *Server) serveRecordingFile(w http.ResponseWriter, r *http.Request) {
	g, room, _, ok := s.recordingAccess(w, r)
	if !ok {
		return
	}
	folder, list, err := s.rec.listRecordings(room)
	if err != nil && !errors.Is(err, errNoRecordings) {
		s.refuseRecording(w, r, recDamaged, &g, err)
		return
	}
	want := r.PathValue("file")
	var rec *recording
	for i := range list {
		if list[i].Name == want {
			rec = &list[i]
		}
	}
	if rec == nil {
		s.refuseRecording(w, r, recGone, &g, fmt.Errorf("no recording %q in room %s", want, room))
		return
	}
	if !s.rec.takeStream(g.User) {
		s.refuseRecording(w, r, recTooMany, &g, nil)
		return
	}
	defer s.rec.releaseStream(g.User)
	path, err := s.rec.webm(folder, *rec)
	switch {
	case errors.Is(err, os.ErrNotExist):
		s.refuseRecording(w, r, recGone, &g, err)
		return
	case err != nil:
		s.refuseRecording(w, r, recDamaged, &g, err)
		return
	}
	f, err := os.Open(path)
	if err != nil {
		s.refuseRecording(w, r, recGone, &g, err)
		return
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		s.refuseRecording(w, r, recGone, &g, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "video/webm")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "private, no-cache")
	http.ServeContent(w, r, rec.Name, st.ModTime(), f)
}
