package hub

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"dutyroom/app"
	"dutyroom/app/attachment"
	"dutyroom/app/incident"
	"dutyroom/app/message"
	"dutyroom/app/villagereport"
	"dutyroom/app/warning"
	"dutyroom/app/wire"
)

// A village officer's report from the phone page. The phone puts the
// report (PUT /report/api/reports/{id}), then each photo in parts of at
// most MaxOfficerPart bytes, each checked by its SHA-256, resumable at the
// offset the hub holds. Until every photo is whole the report and its
// photos wait on disk, under the hub's folder:
//
//	officer-parts/<report id>/report.json         the report as accepted
//	officer-parts/<report id>/<sha256>.part       a photo being received
//	officer-parts/<report id>/<sha256>.photo      a photo whole and checked
//
// Once the last photo is whole the hub writes the report's create and
// every photo's chunks in ONE AppendOwn call, then deletes the folder. The
// create's id is fixed by the report's, so a report sent twice is stored
// once. A folder left unfinished for OfficerPartsTTL is deleted.
//
// What the page lists (the officer's reports and their states, the
// village's warnings and who signed them) the hub reads from the
// operations it stores: an observer of the writer keeps them in memory,
// filled again from the log at start.

const (
	// MaxOfficerPart bounds one part of a photo.
	MaxOfficerPart = 256 << 10
	// OfficerPartsTTL is how long an unfinished report waits on disk.
	OfficerPartsTTL = 7 * 24 * time.Hour
	// DefaultOfficerReportsPerHour and DefaultOfficerBytesPerDay are the
	// limits of one officer account (dutyhub -officer-reports-per-hour,
	// -officer-bytes-per-day): far above a real night's reports, far below
	// what would fill the hub's disk.
	DefaultOfficerReportsPerHour = 20
	DefaultOfficerBytesPerDay    = 200 << 20
	// warningsShownAfter is how long after its end a warning is still
	// listed on the page.
	warningsShownAfter = 7 * 24 * time.Hour
)

// officerKinds are the operations the page's lists are made of.
// The person kinds give the hub each person's name, village and roles,
// so that setting up an officer's account does not read the log.
var officerKinds = []string{villagereport.OpCreate, villagereport.OpVerify, warning.OpIssue, warning.OpAck,
	app.OpPersonCreate, app.OpPersonUpdate, app.OpPersonDelete}

type storedReport struct {
	report villagereport.Report
	verify *villagereport.Verification
}

type officerQuota struct {
	hour     []time.Time // new reports accepted in the last hour
	dayStart time.Time
	dayBytes int64
}

type officerReports struct {
	s     *Server
	dir   string
	locks [64]sync.Mutex // by report id: one report's files change one request at a time

	mu        sync.Mutex
	stored    map[app.ID]*storedReport
	byOfficer map[app.ID][]app.ID // person → report ids, in arrival order
	verifies  map[app.ID]*villagereport.Verification
	warnings  map[app.ID]*warning.Warning
	acks      map[app.ID]map[app.ID]warning.Ack // warning → station → the first ack
	quotas    map[string]*officerQuota
	people    map[app.ID]officerPerson // every person the log names: a few MB for a prefecture
}

func newOfficerReports(s *Server, dir string) *officerReports {
	return &officerReports{s: s, dir: dir,
		stored: map[app.ID]*storedReport{}, byOfficer: map[app.ID][]app.ID{}, verifies: map[app.ID]*villagereport.Verification{},
		warnings: map[app.ID]*warning.Warning{}, acks: map[app.ID]map[app.ID]warning.Ack{}, quotas: map[string]*officerQuota{}, people: map[app.ID]officerPerson{}}
}

// observeWith sees the page's kinds, then hands every operation on.
func (o *officerReports) observeWith(next func(app.Operation)) func(app.Operation) {
	return func(op app.Operation) {
		o.observe(op)
		if next != nil {
			next(op)
		}
	}
}

func (o *officerReports) observe(op app.Operation) {
	switch op.Kind {
	case app.OpPersonCreate, app.OpPersonUpdate:
		var p app.Person
		if json.Unmarshal(op.Payload, &p) != nil {
			return
		}
		o.mu.Lock()
		o.people[op.Entity] = officerPerson{ID: op.Entity, Name: p.Name, Station: p.Station, Roles: p.Roles}
		o.mu.Unlock()
	case app.OpPersonDelete:
		o.mu.Lock()
		o.people[op.Entity] = officerPerson{ID: op.Entity, Deleted: true}
		o.mu.Unlock()
	case villagereport.OpCreate:
		var r villagereport.Report
		if json.Unmarshal(op.Payload, &r) == nil && r.ID != app.NilID {
			o.addReport(r)
		}
	case villagereport.OpVerify:
		var v villagereport.Verification
		if json.Unmarshal(op.Payload, &v) != nil {
			return
		}
		v.Report = op.Entity
		o.mu.Lock()
		if old := o.verifies[op.Entity]; old == nil || villagereport.Earlier(&v, old) {
			o.verifies[op.Entity] = &v
		}
		o.mu.Unlock()
	case warning.OpIssue:
		var w warning.Warning
		if json.Unmarshal(op.Payload, &w) != nil || w.ID == app.NilID {
			return
		}
		o.mu.Lock()
		o.warnings[w.ID] = &w
		for id, old := range o.warnings {
			if time.Since(old.ValidUntil) > warningsShownAfter {
				delete(o.warnings, id)
				delete(o.acks, id)
			}
		}
		o.mu.Unlock()
	case warning.OpAck:
		var a warning.Ack
		if json.Unmarshal(op.Payload, &a) != nil || a.Station == app.NilID {
			return
		}
		o.mu.Lock()
		m := o.acks[op.Entity]
		if m == nil {
			m = map[app.ID]warning.Ack{}
			o.acks[op.Entity] = m
		}
		if old, ok := m[a.Station]; !ok || a.At.Before(old.At) {
			m[a.Station] = a
		}
		o.mu.Unlock()
	}
}

// person is what the log said last of a person, if it named them.
func (o *officerReports) person(id app.ID) (officerPerson, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	p, ok := o.people[id]
	return p, ok
}

func (o *officerReports) addReport(r villagereport.Report) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.stored[r.ID] != nil {
		return
	}
	o.stored[r.ID] = &storedReport{report: r}
	o.byOfficer[r.Officer] = append(o.byOfficer[r.Officer], r.ID)
}

func (o *officerReports) lock(id app.ID) *sync.Mutex {
	h := fnv.New32a()
	_, _ = h.Write(id[:])
	return &o.locks[h.Sum32()%uint32(len(o.locks))]
}

// PageReport is the body of PUT /report/api/reports/{id}. Counts are
// read as numbers first, so that 1.5 or "三" is refused naming its field.
type PageReport struct {
	ID          app.ID                 `json:"id"`
	Category    incident.Category      `json:"category"`
	Place       string                 `json:"place"`
	Lat         *float64               `json:"lat"`
	Lon         *float64               `json:"lon"`
	OccurredAt  time.Time              `json:"occurred_at"`
	Counts      map[string]json.Number `json:"counts"`
	Description string                 `json:"description"`
	WrittenAt   time.Time              `json:"written_at"`
	Photos      []PagePhoto            `json:"photos"`
}

// PagePhoto is one photo the report announces.
type PagePhoto struct {
	Name    string    `json:"name"`
	Size    int64     `json:"size"`
	SHA256  string    `json:"sha256"`
	MIME    string    `json:"mime"`
	TakenAt time.Time `json:"taken_at"`
	Lat     *float64  `json:"lat"`
	Lon     *float64  `json:"lon"`
}

var countFields = []string{"dead", "missing", "injured", "trapped", "evacuated", "houses_damaged"}

// DecodePageReport reads a report as the phone sends it, for the village,
// officer and time of receipt the hub fills in; Validate is still to run.
// EINVALID names the field.
func DecodePageReport(body []byte) (villagereport.Report, error) {
	var p PageReport
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&p); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			return villagereport.Report{}, app.FieldErrorf(te.Field, "%s is not of the right kind", te.Field)
		}
		return villagereport.Report{}, app.FieldErrorf("report", "the report is not readable JSON: %v", err)
	}
	if dec.More() {
		return villagereport.Report{}, app.FieldErrorf("report", "the report has data after it")
	}
	r := villagereport.Report{ID: p.ID, Category: p.Category, Place: p.Place, Lat: p.Lat, Lon: p.Lon,
		OccurredAt: p.OccurredAt.UTC(), Description: p.Description, WrittenAt: p.WrittenAt.UTC()}
	for k := range p.Counts {
		if !slices.Contains(countFields, k) {
			return r, app.FieldErrorf("counts."+k, "unknown figure %q", k)
		}
	}
	counts := make([]int, len(countFields))
	for i, k := range countFields {
		n, ok := p.Counts[k]
		if !ok || n == "" {
			continue
		}
		v, err := strconv.ParseInt(string(n), 10, 32)
		if err != nil {
			return r, app.FieldErrorf("counts."+k, "%s is not a whole number", n)
		}
		counts[i] = int(v)
	}
	r.Counts = villagereport.Counts{Dead: counts[0], Missing: counts[1], Injured: counts[2], Trapped: counts[3], Evacuated: counts[4], HousesDamaged: counts[5]}
	if len(p.Photos) > villagereport.MaxPhotos {
		return r, app.FieldErrorf("photos", "%d photos; at most %d", len(p.Photos), villagereport.MaxPhotos)
	}
	for _, ph := range p.Photos {
		r.Photos = append(r.Photos, villagereport.Photo{
			Attachment: attachment.Attachment{Name: ph.Name, Size: ph.Size, SHA256: strings.ToLower(ph.SHA256), MIME: ph.MIME},
			TakenAt:    ph.TakenAt.UTC(), Lat: ph.Lat, Lon: ph.Lon})
	}
	return r, nil
}

// fieldMessages say in Chinese what to fix, by the field Validate names.
var fieldMessages = map[string]string{
	"id":          "报告编号有误，请重新填写。",
	"category":    "请选择发生了什么。",
	"place":       "请填写地点（最多 200 字）。",
	"description": "情况描述过长（最多 2000 字）。",
	"occurred_at": "请填写发生时间，且不能晚于现在。",
	"written_at":  "填写时间有误。",
	"photos":      "照片有误：只能是图片，最多 6 张，每张不超过 2 MB。",
	"attachments": "照片有误：只能是图片，最多 6 张，每张不超过 2 MB。",
	"position":    "位置有误，请重新定位。",
	"report":      "报告无法读取，请重新填写。",
}

func fieldMessage(field string) string {
	if m, ok := fieldMessages[field]; ok {
		return m
	}
	if strings.HasPrefix(field, "counts.") {
		return "人数和房屋数须为 0 或正整数。"
	}
	if strings.HasPrefix(field, "photos") || strings.HasPrefix(field, "attachments") {
		return fieldMessages["photos"]
	}
	return "填写的内容有误，请检查。"
}

// canonical is a stored report's bytes without the time of receipt: the
// same body sent again must give the same bytes.
func canonical(r villagereport.Report) []byte {
	r.ReceivedAt = time.Time{}
	buf, _ := json.Marshal(r)
	return buf
}

func (o *officerReports) folder(id app.ID) string { return filepath.Join(o.dir, id.String()) }

// pending reads an unfinished report from disk; nil when there is none.
func (o *officerReports) pending(id app.ID) (*villagereport.Report, error) {
	buf, err := os.ReadFile(filepath.Join(o.folder(id), "report.json"))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var r villagereport.Report
	if err := json.Unmarshal(buf, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

// PageReportState answers a report's PUT.
type PageReportState struct {
	State      string    `json:"state"`
	Missing    []string  `json:"missing,omitempty"`
	ReceivedAt time.Time `json:"received_at,omitzero"`
}

func (o *officerReports) storedReport(id app.ID) *villagereport.Report {
	o.mu.Lock()
	defer o.mu.Unlock()
	if sr := o.stored[id]; sr != nil {
		r := sr.report
		return &r
	}
	return nil
}

// missing lists the photos not yet whole at the hub.
func (o *officerReports) missing(r *villagereport.Report) []string {
	var out []string
	for _, p := range r.Photos {
		if _, err := os.Stat(filepath.Join(o.folder(r.ID), p.SHA256+".photo")); err != nil {
			out = append(out, p.SHA256)
		}
	}
	return out
}

func (s *Server) servePutReport(w http.ResponseWriter, r *http.Request) {
	o, ok := s.officerChanging(w, r, "提交")
	if !ok {
		return
	}
	id, err := app.ParseID(r.PathValue("id"))
	if err != nil || id == app.NilID {
		s.refusePage(w, r, o, &pageError{status: http.StatusBadRequest, Code: "invalid", Field: "id", Message: fieldMessages["id"]}, err)
		return
	}
	body, pe := readBody(w, r, maxOfficerJSON)
	if pe != nil {
		s.refusePage(w, r, o, pe, nil)
		return
	}
	rep, err := DecodePageReport(body)
	if err == nil && rep.ID != id {
		err = app.FieldErrorf("id", "the body's id %s is not the path's %s", rep.ID, id)
	}
	now := s.db.Now().UTC()
	if err == nil {
		// The hub says whose and where: the body cannot name another village.
		rep.Village, rep.Officer, rep.OfficerName, rep.ReceivedAt = o.Village, o.Person, o.Name, now
		err = rep.Validate(now)
	}
	if err != nil {
		field := app.ErrorField(err)
		s.refusePage(w, r, o, &pageError{status: http.StatusUnprocessableEntity, Code: "invalid", Field: field, Message: fieldMessage(field)}, err)
		return
	}
	rs := s.reports
	mu := rs.lock(id)
	mu.Lock()
	defer mu.Unlock()
	if old := rs.storedReport(id); old != nil {
		if !bytes.Equal(canonical(*old), canonical(rep)) {
			s.refusePage(w, r, o, perr(http.StatusConflict, "conflict", "这个编号的报告已收到，内容不同。请新建一份报告。"), nil)
			return
		}
		writeJSON(w, http.StatusOK, PageReportState{State: "received", ReceivedAt: old.ReceivedAt})
		return
	}
	old, err := rs.pending(id)
	if err != nil {
		s.failPage(w, r, o, err)
		return
	}
	if old != nil {
		if !bytes.Equal(canonical(*old), canonical(rep)) {
			s.refusePage(w, r, o, perr(http.StatusConflict, "conflict", "这个编号的报告已在接收中，内容不同。请新建一份报告。"), nil)
			return
		}
		rs.answerPending(w, r, o, old)
		return
	}
	if wait := rs.takeReport(o.Login, time.Now()); wait > 0 {
		e := perr(http.StatusTooManyRequests, "quota", fmt.Sprintf("一小时内最多报送 %d 份，请 %d 分钟后再试。", s.cfg.OfficerReportsPerHour, (wait+59)/60))
		e.RetryAfter = wait
		s.refusePage(w, r, o, e, nil)
		return
	}
	buf, err := json.Marshal(rep)
	if err == nil {
		err = os.MkdirAll(rs.folder(id), 0o700)
	}
	if err == nil {
		err = writeFileAtomic(filepath.Join(rs.folder(id), "report.json"), buf)
	}
	if err != nil {
		s.failPage(w, r, o, err)
		return
	}
	s.log.Info("village report accepted", "report", id, "login", o.Login, "village", o.Village, "photos", len(rep.Photos))
	rs.answerPending(w, r, o, &rep)
}

// answerPending answers an unfinished report: the photos still missing,
// or, when there are none, stores it and says so.
func (rs *officerReports) answerPending(w http.ResponseWriter, r *http.Request, o *officer, rep *villagereport.Report) {
	if missing := rs.missing(rep); len(missing) > 0 {
		writeJSON(w, http.StatusOK, PageReportState{State: "waiting_photos", Missing: missing})
		return
	}
	at, err := rs.complete(r.Context(), rep)
	if err != nil {
		var we *wire.Error
		if errors.As(err, &we) && we.Code != wire.CodeUnavailable && we.Code != wire.CodeInternal {
			rs.s.refusePage(w, r, o, perr(http.StatusUnprocessableEntity, "refused", "值班中心不能接收这份报告："+we.Message), err)
			return
		}
		rs.s.failPage(w, r, o, err)
		return
	}
	writeJSON(w, http.StatusOK, PageReportState{State: "received", ReceivedAt: at})
}

// complete writes the report and all its photos' chunks in one AppendOwn
// call, then deletes its folder. The report's lock is held.
func (rs *officerReports) complete(ctx context.Context, rep *villagereport.Report) (time.Time, error) {
	final := *rep
	final.ReceivedAt = rs.s.db.Now().UTC()
	payload, err := json.Marshal(final)
	if err != nil {
		return time.Time{}, err
	}
	ops := []app.Operation{{ID: villagereport.OpID(rep.ID), Kind: villagereport.OpCreate, Entity: rep.ID, Payload: payload, Scope: app.ScopeUp, At: final.ReceivedAt}}
	for _, p := range rep.Photos {
		data, err := os.ReadFile(filepath.Join(rs.folder(rep.ID), p.SHA256+".photo"))
		if err != nil {
			return time.Time{}, err
		}
		for i := 0; i*message.ChunkSize < len(data); i++ {
			part := data[i*message.ChunkSize : min((i+1)*message.ChunkSize, len(data))]
			buf, err := json.Marshal(incident.Chunk{Incident: rep.ID, SHA256: p.SHA256, ChunkSize: message.ChunkSize, Index: i, Data: part})
			if err != nil {
				return time.Time{}, err
			}
			ops = append(ops, app.Operation{ID: app.DeriveID(rep.ID, "chunk "+p.SHA256+" "+strconv.Itoa(i)), Kind: villagereport.OpChunk,
				Entity: rep.ID, Payload: buf, Scope: app.ScopeUp, At: final.ReceivedAt})
		}
	}
	stored, err := rs.s.AppendOwn(ctx, ops)
	if err != nil {
		return time.Time{}, err
	}
	if stored[0] {
		rs.addReport(final)
	} else if old := rs.storedReport(rep.ID); old != nil {
		final = *old
	}
	rs.s.log.Info("village report stored", "report", rep.ID, "village", rep.Village, "officer", rep.OfficerName, "photos", len(rep.Photos), "ops", len(ops))
	if err := os.RemoveAll(rs.folder(rep.ID)); err != nil {
		rs.s.log.Warn("cannot delete a stored report's parts", "report", rep.ID, "err", err)
	}
	return final.ReceivedAt, nil
}

// takeReport counts a new report against the account's hourly limit, or
// returns the seconds to wait.
func (rs *officerReports) takeReport(login string, now time.Time) int {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	q := rs.quota(login)
	q.hour = slices.DeleteFunc(q.hour, func(t time.Time) bool { return now.Sub(t) >= time.Hour })
	if len(q.hour) >= rs.s.cfg.OfficerReportsPerHour {
		return max(1, int((time.Hour-now.Sub(q.hour[0])+time.Second-1)/time.Second))
	}
	q.hour = append(q.hour, now)
	return 0
}

// takeBytes counts photo bytes against the account's daily limit, or
// returns the seconds to wait.
func (rs *officerReports) takeBytes(login string, n int64, now time.Time) int {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	q := rs.quota(login)
	if now.Sub(q.dayStart) >= 24*time.Hour {
		q.dayStart, q.dayBytes = now, 0
	}
	if q.dayBytes+n > rs.s.cfg.OfficerBytesPerDay {
		return max(1, int((24*time.Hour-now.Sub(q.dayStart)+time.Second-1)/time.Second))
	}
	q.dayBytes += n
	return 0
}

func (rs *officerReports) quota(login string) *officerQuota {
	q := rs.quotas[login]
	if q == nil {
		q = &officerQuota{}
		rs.quotas[login] = q
	}
	return q
}

// photoOf finds the report (unfinished, the officer's) and its photo.
func (s *Server) photoOf(w http.ResponseWriter, r *http.Request, o *officer) (*villagereport.Report, *villagereport.Photo, bool) {
	id, err := app.ParseID(r.PathValue("id"))
	sha := strings.ToLower(r.PathValue("sha"))
	if err != nil || !attachment.IsDigest(sha) {
		s.refusePage(w, r, o, perr(http.StatusNotFound, "not_found", "没有这份报告或照片。"), err)
		return nil, nil, false
	}
	if old := s.reports.storedReport(id); old != nil && old.Officer == o.Person {
		for i := range old.Photos {
			if old.Photos[i].SHA256 == sha {
				return old, &old.Photos[i], true
			}
		}
	}
	rep, err := s.reports.pending(id)
	if err != nil {
		s.failPage(w, r, o, err)
		return nil, nil, false
	}
	if rep == nil || rep.Officer != o.Person {
		s.refusePage(w, r, o, perr(http.StatusNotFound, "not_found", "没有这份报告，请先提交报告。"), nil)
		return nil, nil, false
	}
	for i := range rep.Photos {
		if rep.Photos[i].SHA256 == sha {
			return rep, &rep.Photos[i], true
		}
	}
	s.refusePage(w, r, o, perr(http.StatusNotFound, "not_found", "这份报告没有这张照片。"), nil)
	return nil, nil, false
}

// PhotoState answers a photo's GET and PUT: the bytes the hub holds.
type PhotoState struct {
	Received int64 `json:"received"`
}

// held is how many bytes of a photo the hub has: all of them once whole
// (or once the report is stored).
func (rs *officerReports) held(rep *villagereport.Report, p *villagereport.Photo) int64 {
	if rs.storedReport(rep.ID) != nil {
		return p.Size
	}
	if _, err := os.Stat(filepath.Join(rs.folder(rep.ID), p.SHA256+".photo")); err == nil {
		return p.Size
	}
	fi, err := os.Stat(filepath.Join(rs.folder(rep.ID), p.SHA256+".part"))
	if err != nil {
		return 0
	}
	return fi.Size()
}

func (s *Server) servePhotoState(w http.ResponseWriter, r *http.Request) {
	o, ok := s.officerOfRequest(w, r)
	if !ok {
		return
	}
	rep, p, ok := s.photoOf(w, r, o)
	if !ok {
		return
	}
	mu := s.reports.lock(rep.ID)
	mu.Lock()
	defer mu.Unlock()
	writeJSON(w, http.StatusOK, PhotoState{Received: s.reports.held(rep, p)})
}

// ParsePartHeaders reads a part's offset (the query) and SHA-256 (the
// X-Part-SHA256 header). EINVALID names which.
func ParsePartHeaders(offset, partSHA string) (int64, string, error) {
	n, err := strconv.ParseInt(offset, 10, 64)
	if err != nil || n < 0 || n > villagereport.MaxPhotoSize {
		return 0, "", app.FieldErrorf("offset", "offset %q is not a byte position within a photo", offset)
	}
	partSHA = strings.ToLower(strings.TrimSpace(partSHA))
	if !attachment.IsDigest(partSHA) {
		return 0, "", app.FieldErrorf("part_sha256", "X-Part-SHA256 is not a SHA-256 in hex")
	}
	return n, partSHA, nil
}

// imageTypes are what http.DetectContentType must find in a photo.
var imageTypes = []string{"image/jpeg", "image/png", "image/webp"}

func (s *Server) servePutPhotoPart(w http.ResponseWriter, r *http.Request) {
	o, ok := s.officerChanging(w, r, "提交")
	if !ok {
		return
	}
	offset, partSHA, err := ParsePartHeaders(r.URL.Query().Get("offset"), r.Header.Get("X-Part-SHA256"))
	if err != nil {
		s.refusePage(w, r, o, &pageError{status: http.StatusBadRequest, Code: "invalid", Field: app.ErrorField(err), Message: "照片分段有误，请重试。"}, err)
		return
	}
	rep, p, ok := s.photoOf(w, r, o)
	if !ok {
		return
	}
	body, pe := readBody(w, r, MaxOfficerPart)
	if pe != nil {
		pe.Message = "照片分段过大。"
		s.refusePage(w, r, o, pe, nil)
		return
	}
	rs := s.reports
	mu := rs.lock(rep.ID)
	mu.Lock()
	defer mu.Unlock()
	held := rs.held(rep, p)
	if held == p.Size {
		writeJSON(w, http.StatusOK, PhotoState{Received: held})
		return
	}
	if offset != held {
		e := perr(http.StatusConflict, "offset", "续传位置不对，请从值班中心已收到的位置继续。")
		e.Received = &held
		s.refusePage(w, r, o, e, fmt.Errorf("offset %d, the hub holds %d", offset, held))
		return
	}
	sum := sha256.Sum256(body)
	if len(body) == 0 || hex.EncodeToString(sum[:]) != partSHA {
		e := perr(http.StatusUnprocessableEntity, "part_hash", "照片分段在传输中损坏，请重发这一段。")
		e.Received = &held
		s.refusePage(w, r, o, e, nil)
		return
	}
	if offset+int64(len(body)) > p.Size {
		e := perr(http.StatusRequestEntityTooLarge, "too_large", "照片比报告中说的大。")
		if p.Size >= villagereport.MaxPhotoSize {
			e.Message = "照片过大（每张不超过 2 MB）。"
		}
		s.refusePage(w, r, o, e, nil)
		return
	}
	if wait := rs.takeBytes(o.Login, int64(len(body)), time.Now()); wait > 0 {
		e := perr(http.StatusTooManyRequests, "quota", "今天上传的照片已达上限，请明天再试或与乡镇值班室联系。")
		e.RetryAfter = wait
		s.refusePage(w, r, o, e, nil)
		return
	}
	partPath := filepath.Join(rs.folder(rep.ID), p.SHA256+".part")
	if err := appendPart(partPath, offset, body); err != nil {
		s.failPage(w, r, o, err)
		return
	}
	held = offset + int64(len(body))
	if held < p.Size {
		writeJSON(w, http.StatusOK, PhotoState{Received: held})
		return
	}
	// The last byte: the whole photo must be what the report announced,
	// and an image.
	data, err := os.ReadFile(partPath)
	if err != nil {
		s.failPage(w, r, o, err)
		return
	}
	whole := sha256.Sum256(data)
	if hex.EncodeToString(whole[:]) != p.SHA256 {
		_ = os.Remove(partPath)
		zero := int64(0)
		e := perr(http.StatusUnprocessableEntity, "photo_hash", "照片在传输中损坏，将重新发送。")
		e.Received = &zero
		s.refusePage(w, r, o, e, nil)
		return
	}
	if kind := http.DetectContentType(data); !slices.Contains(imageTypes, kind) {
		_ = os.Remove(partPath)
		e := perr(http.StatusUnprocessableEntity, "not_image", "这个文件不是照片（只收 JPEG、PNG、WebP）。")
		e.Field = "photos"
		s.refusePage(w, r, o, e, fmt.Errorf("content %s", kind))
		return
	}
	if err := os.Rename(partPath, filepath.Join(rs.folder(rep.ID), p.SHA256+".photo")); err != nil {
		s.failPage(w, r, o, err)
		return
	}
	if len(rs.missing(rep)) == 0 {
		if _, err := rs.complete(r.Context(), rep); err != nil {
			var we *wire.Error
			if errors.As(err, &we) && we.Code != wire.CodeUnavailable && we.Code != wire.CodeInternal {
				s.refusePage(w, r, o, perr(http.StatusUnprocessableEntity, "refused", "值班中心不能接收这份报告："+we.Message), err)
				return
			}
			s.failPage(w, r, o, err)
			return
		}
	}
	writeJSON(w, http.StatusOK, PhotoState{Received: held})
}

// appendPart writes data at offset of the part file, and on any failure
// cuts the file back to offset: a part is stored whole or not at all.
func appendPart(path string, offset int64, data []byte) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	_, err = f.WriteAt(data, offset)
	if err == nil {
		err = f.Sync()
	}
	if err != nil {
		_ = f.Truncate(offset)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// sweep deletes unfinished reports older than OfficerPartsTTL.
func (rs *officerReports) sweep(now time.Time) {
	entries, err := os.ReadDir(rs.dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		fi, err := e.Info()
		if err != nil || now.Sub(fi.ModTime()) < OfficerPartsTTL {
			continue
		}
		// The folder's time moves with each file made in it; the newest
		// file decides.
		newest := fi.ModTime()
		files, _ := os.ReadDir(filepath.Join(rs.dir, e.Name()))
		for _, f := range files {
			if i, err := f.Info(); err == nil && i.ModTime().After(newest) {
				newest = i.ModTime()
			}
		}
		if now.Sub(newest) >= OfficerPartsTTL {
			rs.s.log.Info("unfinished village report expired", "report", e.Name(), "since", newest)
			_ = os.RemoveAll(filepath.Join(rs.dir, e.Name()))
		}
	}
}

func (rs *officerReports) sweepLoop(ctx context.Context) {
	rs.sweep(time.Now())
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			rs.sweep(now)
		}
	}
}

// OfficerReport is one line of the officer's list.
type OfficerReport struct {
	ID         app.ID            `json:"id"`
	Category   incident.Category `json:"category"`
	Place      string            `json:"place"`
	OccurredAt time.Time         `json:"occurred_at"`
	ReceivedAt time.Time         `json:"received_at"`
	Photos     int               `json:"photos"`
	State      string            `json:"state"` // received, verified, merged, unfounded
	Reason     string            `json:"reason,omitempty"`
	VerifiedAt time.Time         `json:"verified_at,omitzero"`
}

func (rs *officerReports) listFor(person app.ID) []OfficerReport {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	ids := rs.byOfficer[person]
	out := make([]OfficerReport, 0, len(ids))
	for i := len(ids) - 1; i >= 0; i-- {
		sr := rs.stored[ids[i]]
		rep := &sr.report
		line := OfficerReport{ID: rep.ID, Category: rep.Category, Place: rep.Place, OccurredAt: rep.OccurredAt,
			ReceivedAt: rep.ReceivedAt, Photos: len(rep.Photos), State: "received"}
		if v := rs.verifies[rep.ID]; v != nil {
			line.VerifiedAt = v.At
			switch v.Outcome {
			case villagereport.NewIncident:
				line.State = "verified"
			case villagereport.Merged:
				line.State = "merged"
			case villagereport.Unfounded:
				line.State, line.Reason = "unfounded", v.Reason
			}
		}
		out = append(out, line)
	}
	slices.SortStableFunc(out, func(a, b OfficerReport) int { return b.ReceivedAt.Compare(a.ReceivedAt) })
	return out
}

func (s *Server) serveOfficerReports(w http.ResponseWriter, r *http.Request) {
	o, ok := s.officerOfRequest(w, r)
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, s.reports.listFor(o.Person))
}

// OfficerWarning is one warning on the page.
type OfficerWarning struct {
	ID         app.ID        `json:"id"`
	Level      warning.Level `json:"level"`
	Type       warning.Type  `json:"type"`
	Area       string        `json:"area"`
	Text       string        `json:"text"`
	IssuedAt   time.Time     `json:"issued_at"`
	ValidUntil time.Time     `json:"valid_until"`
	Issuer     string        `json:"issuer"`
	Acked      *OfficerAck   `json:"acked"`
}

// OfficerAck is who signed for the village, and how.
type OfficerAck struct {
	Person string      `json:"person"`
	At     time.Time   `json:"at"`
	Via    warning.Via `json:"via"`
}

func (rs *officerReports) warningsFor(tree *app.Tree, village app.ID, now time.Time) []OfficerWarning {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	var out []OfficerWarning
	for _, w := range rs.warnings {
		if now.Sub(w.ValidUntil) > warningsShownAfter || !warning.Reaches(tree, w, village) {
			continue
		}
		line := OfficerWarning{ID: w.ID, Level: w.Level, Type: w.Type, Area: w.Area, Text: w.Text, IssuedAt: w.IssuedAt, ValidUntil: w.ValidUntil}
		if st := tree.Station(w.Issuer); st != nil {
			line.Issuer = st.Name
		}
		if a, ok := rs.acks[w.ID][village]; ok {
			line.Acked = &OfficerAck{Person: a.Person, At: a.At, Via: a.Via}
		}
		out = append(out, line)
	}
	slices.SortFunc(out, func(a, b OfficerWarning) int { return b.IssuedAt.Compare(a.IssuedAt) })
	return out
}

func (s *Server) serveOfficerWarnings(w http.ResponseWriter, r *http.Request) {
	o, ok := s.officerOfRequest(w, r)
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, s.reports.warningsFor(s.writer.tree.Load(), o.Village, s.db.Now()))
}

// serveOfficerAck records the officer's 签收 as the village's warning.ack,
// Via page; a second one answers the first.
func (s *Server) serveOfficerAck(w http.ResponseWriter, r *http.Request) {
	o, ok := s.officerChanging(w, r, "签收")
	if !ok {
		return
	}
	id, err := app.ParseID(r.PathValue("id"))
	rs := s.reports
	tree := s.writer.tree.Load()
	rs.mu.Lock()
	wn := rs.warnings[id]
	prev, acked := rs.acks[id][o.Village]
	rs.mu.Unlock()
	if err != nil || wn == nil || !warning.Reaches(tree, wn, o.Village) {
		s.refusePage(w, r, o, perr(http.StatusNotFound, "not_found", "没有发给本村的这条预警。"), err)
		return
	}
	if acked {
		writeJSON(w, http.StatusOK, map[string]time.Time{"at": prev.At})
		return
	}
	a := warning.Ack{Warning: id, Station: o.Village, Person: o.Name, At: s.db.Now().UTC(), Via: warning.ViaPage}
	payload, err := json.Marshal(a)
	if err != nil {
		s.failPage(w, r, o, err)
		return
	}
	to := []app.ID{o.Village}
	for _, anc := range tree.Ancestors(o.Village) {
		to = append(to, anc.ID)
	}
	op := app.Operation{ID: app.DeriveID(id, "page-ack "+o.Village.String()), Kind: warning.OpAck, Entity: id,
		Payload: payload, Scope: app.ScopeUp, To: to, At: a.At}
	stored, err := s.AppendOwn(r.Context(), []app.Operation{op})
	if err != nil {
		var we *wire.Error
		if errors.As(err, &we) && we.Code != wire.CodeUnavailable && we.Code != wire.CodeInternal {
			s.refusePage(w, r, o, perr(http.StatusUnprocessableEntity, "refused", "值班中心不能记录这次签收："+we.Message), err)
			return
		}
		s.failPage(w, r, o, err)
		return
	}
	if stored[0] {
		rs.observe(op)
		s.log.Info("warning signed on the officer's page", "warning", id, "village", o.Village, "login", o.Login)
	}
	rs.mu.Lock()
	first := rs.acks[id][o.Village]
	rs.mu.Unlock()
	if first.At.IsZero() {
		first = a
	}
	writeJSON(w, http.StatusOK, map[string]time.Time{"at": first.At})
}
