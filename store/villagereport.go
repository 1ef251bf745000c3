package store

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"time"

	bolt "go.etcd.io/bbolt"

	"dutyroom/app"
	"dutyroom/app/incident"
	"dutyroom/app/message"
	"dutyroom/app/roster"
	"dutyroom/app/villagereport"
)

// Village reports (村报) arrive from the hub, which writes them for the
// village's information officer: the report, then its photos in parts.
// The photos' bytes are kept in the attachment store by SHA-256
// (messageblob.go), the way incidents' attachments arriving from another
// station are, so a photo that is later filed with an incident is stored
// once and checked the same way.
//
//	village_reports
//	└── <report id> → JSON villageReportRecord
//	village_reports_pending
//	└── <report id> → nil   reports not yet verified: the badge and the alarm count them without decoding the rest
var (
	bucketVillageReports        = []byte("village_reports")
	bucketVillageReportsPending = []byte("village_reports_pending")
)

func createVillageReportsV17(tx *bolt.Tx) error {
	root := tx.Bucket(bucketV1)
	if root == nil {
		return fmt.Errorf("no v1 bucket to add the village report buckets to")
	}
	for _, name := range [][]byte{bucketVillageReports, bucketVillageReportsPending} {
		if _, err := root.CreateBucketIfNotExists(name); err != nil {
			return fmt.Errorf("create v1/%s: %w", name, err)
		}
	}
	return nil
}

// villageReportRecord is one report as held here, with the verification
// that won (the first, villagereport.Earlier).
type villageReportRecord struct {
	Report       villagereport.Report        `json:"report"`
	Verification *villagereport.Verification `json:"verification,omitempty"`
}

// decodeVillageReport reads a villagereport.create payload from the hub:
// one JSON object, no unknown fields, nothing after it, and valid at now.
func decodeVillageReport(payload []byte, now time.Time) (villagereport.Report, error) {
	var r villagereport.Report
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		return villagereport.Report{}, app.Errorf(app.EINVALID, "the village report is not readable: %v", err)
	}
	if dec.More() {
		return villagereport.Report{}, app.Errorf(app.EINVALID, "the village report has data after it")
	}
	if err := r.Validate(now); err != nil {
		return villagereport.Report{}, err
	}
	return r, nil
}

// decodeVerification reads a villagereport.verify payload.
func decodeVerification(payload []byte) (villagereport.Verification, error) {
	var v villagereport.Verification
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&v); err != nil {
		return villagereport.Verification{}, app.Errorf(app.EINVALID, "the verification is not readable: %v", err)
	}
	if dec.More() {
		return villagereport.Verification{}, app.Errorf(app.EINVALID, "the verification has data after it")
	}
	if err := v.Validate(); err != nil {
		return villagereport.Verification{}, err
	}
	return v, nil
}

func getVillageReport(tx *txn, id app.ID) (villageReportRecord, error) {
	b, err := mustBucket(tx.Tx, bucketVillageReports)
	if err != nil {
		return villageReportRecord{}, err
	}
	raw := b.Get(idKey(id))
	if raw == nil {
		return villageReportRecord{}, app.Errorf(app.ENOTFOUND, "village report %s is not here", id)
	}
	var rec villageReportRecord
	if err := json.Unmarshal(raw, &rec); err != nil {
		return villageReportRecord{}, app.Errorf(app.ECORRUPT, "village report %s is damaged: %v; restore a backup", id, err)
	}
	return rec, nil
}

func putVillageReport(tx *txn, rec *villageReportRecord) error {
	b, err := mustBucket(tx.Tx, bucketVillageReports)
	if err != nil {
		return err
	}
	pending, err := mustBucket(tx.Tx, bucketVillageReportsPending)
	if err != nil {
		return err
	}
	raw, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	key := idKey(rec.Report.ID)
	if err := b.Put(key, raw); err != nil {
		return err
	}
	if rec.Verification == nil {
		return pending.Put(key, nil)
	}
	return pending.Delete(key)
}

// applyVillageReportOp applies the three kinds. The rule table has judged
// who wrote it (receipt.check); what is checked here is that the report
// fits this station: its village is in the tree at or below this station.
func applyVillageReportOp(tx *txn, op *app.Operation) (string, error) {
	switch op.Kind {
	case villagereport.OpCreate:
		return applyVillageReportCreate(tx, op)
	case villagereport.OpChunk:
		return applyVillageReportChunk(tx, op)
	case villagereport.OpVerify:
		return applyVillageReportVerify(tx, op)
	}
	return "", nil
}

func applyVillageReportCreate(tx *txn, op *app.Operation) (string, error) {
	// Times are checked against the latest clock at hand: this one may lag
	// the hub's, and an operation applied late is not from the future.
	now := tx.now
	if op.At.After(now) {
		now = op.At
	}
	r, err := decodeVillageReport(op.Payload, now)
	if err != nil {
		return op.Kind + ": " + app.ErrorMessage(err), nil
	}
	if r.ID != op.Entity {
		return fmt.Sprintf("%s: the report is %s but the operation names %s", op.Kind, r.ID, op.Entity), nil
	}
	village, err := findStationByID(tx, r.Village)
	if app.ErrorCode(err) == app.ENOTFOUND {
		return fmt.Sprintf("%s: village %s is not in the tree here", op.Kind, r.Village), nil
	} else if err != nil {
		return "", err
	}
	self, err := identityID(tx.Tx)
	if err != nil {
		return "", err
	}
	if self != app.NilID {
		tree, err := lineage(tx, r.Village, self)
		if err != nil {
			return "", err
		}
		if !tree.IsWithin(r.Village, self) {
			return fmt.Sprintf("%s: %s is not at or below this station", op.Kind, tree.Path(village.ID)), nil
		}
	}
	switch _, err := getVillageReport(tx, r.ID); {
	case err == nil:
		// The same report again (another path, a replay): the first stays,
		// with whatever verification it has.
		return "", nil
	case app.ErrorCode(err) != app.ENOTFOUND:
		return "", err
	}
	for _, p := range r.Photos {
		if err := expectBlob(tx, message.Attachment{SHA256: p.SHA256, Size: p.Size}, message.ChunkSize); err != nil {
			return "", err
		}
	}
	if err := putVillageReport(tx, &villageReportRecord{Report: r}); err != nil {
		return "", err
	}
	if self == app.NilID {
		return "", nil
	}
	return "", logVillageReport(tx, self, &r, "villagereport.received", string(r.Category), "", r.OfficerName)
}

// logVillageReport writes the shift log's entry of a report received or
// verified here: the village, the officer and the place, and for a
// verification not adopted its reason.
func logVillageReport(tx *txn, self app.ID, r *villagereport.Report, event, detail, more, author string) error {
	name := r.Village.String()
	if v, err := findStationByID(tx, r.Village); err == nil {
		name = v.Name
	}
	text := name + " · " + r.OfficerName + " · " + r.Place
	if more != "" {
		text += " · " + more
	}
	return putAutoEntry(tx, self, autoEntry{
		record: roster.LogRecord{Kind: roster.RecordVillageReport, ID: r.ID, Event: event, Detail: detail},
		at:     tx.now, author: author, text: text,
	})
}

func applyVillageReportChunk(tx *txn, op *app.Operation) (string, error) {
	c, err := incident.DecodeChunk(op.Payload)
	if err != nil {
		return op.Kind + ": " + app.ErrorMessage(err), nil
	}
	if c.Incident != op.Entity {
		return fmt.Sprintf("%s: the part is of report %s but the operation names %s", op.Kind, c.Incident, op.Entity), nil
	}
	rec, err := getVillageReport(tx, op.Entity)
	if app.ErrorCode(err) == app.ENOTFOUND {
		return fmt.Sprintf("%s: village report %s is not here", op.Kind, op.Entity), nil
	} else if err != nil {
		return "", err
	}
	i := slices.IndexFunc(rec.Report.Photos, func(p villagereport.Photo) bool { return p.SHA256 == c.SHA256 })
	if i < 0 {
		return fmt.Sprintf("%s: village report %s has no photo %s", op.Kind, op.Entity, c.SHA256), nil
	}
	digest, err := digestKey(c.SHA256)
	if err != nil {
		return "", err
	}
	// The hub sends parts of message.ChunkSize; a record made with
	// another size (the same photo arriving first with a message) is
	// what the parts are checked against.
	if err := expectBlob(tx, message.Attachment{SHA256: c.SHA256, Size: rec.Report.Photos[i].Size}, c.ChunkSize); err != nil {
		return "", err
	}
	before, _, err := getBlob(tx, digest)
	if err != nil || before.Complete {
		return "", err
	}
	reason, err := applyChunk(tx, op.Kind, &message.Chunk{SHA256: c.SHA256, ChunkSize: c.ChunkSize, Index: c.Index, Data: c.Data})
	if err != nil || reason != "" {
		return reason, err
	}
	after, _, err := getBlob(tx, digest)
	if err != nil {
		return "", err
	}
	if after.Damaged != "" && after.Have == 0 && before.Have+1 == message.Parts(before.Size, before.ChunkSize) {
		// This part completed a photo whose whole did not match: its
		// parts were dropped, and the operation is kept to say why.
		return fmt.Sprintf("%s: photo %s of village report %s: %s", op.Kind, rec.Report.Photos[i].Name, op.Entity, after.Damaged), nil
	}
	return "", nil
}

func applyVillageReportVerify(tx *txn, op *app.Operation) (string, error) {
	v, err := decodeVerification(op.Payload)
	if err != nil {
		return op.Kind + ": " + app.ErrorMessage(err), nil
	}
	if v.Report != op.Entity {
		return fmt.Sprintf("%s: the verification is of report %s but the operation names %s", op.Kind, v.Report, op.Entity), nil
	}
	if v.Station != op.Origin {
		return fmt.Sprintf("%s: the verification says station %s made it, but it came from %s", op.Kind, v.Station, op.Origin), nil
	}
	rec, err := getVillageReport(tx, v.Report)
	if app.ErrorCode(err) == app.ENOTFOUND {
		return fmt.Sprintf("%s: village report %s is not here", op.Kind, v.Report), nil
	} else if err != nil {
		return "", err
	}
	if rec.Verification != nil && !villagereport.Earlier(&v, rec.Verification) {
		return "", nil // the first one stands here as everywhere
	}
	rec.Verification = &v
	return "", putVillageReport(tx, &rec)
}

// VillageReports is the store's villagereport.Service.
type VillageReports struct {
	db        *DB
	incidents *Incidents
}

var _ villagereport.Service = (*VillageReports)(nil)

// NewVillageReports returns the village reports of db; verifying a report
// files through incidents, so the incident rules apply.
func NewVillageReports(db *DB, incidents *Incidents) *VillageReports {
	return &VillageReports{db: db, incidents: incidents}
}

// entryOf adds the photos' states to a record.
func entryOf(tx *txn, rec villageReportRecord) (villagereport.Entry, error) {
	e := villagereport.Entry{Report: rec.Report, Verification: rec.Verification}
	for _, p := range rec.Report.Photos {
		ps := villagereport.PhotoState{Photo: p}
		digest, err := digestKey(p.SHA256)
		if err != nil {
			return e, err
		}
		own, err := mustBucket(tx.Tx, bucketIncidentBlobs)
		if err != nil {
			return e, err
		}
		if own.Get(digest) != nil {
			ps.Complete = true
		} else if b, _, err := getBlob(tx, digest); err != nil {
			return e, err
		} else if b != nil {
			ps.Have, ps.Parts, ps.Complete, ps.Damaged = b.Have, message.Parts(b.Size, b.ChunkSize), b.Complete, b.Damaged
		}
		e.Photos = append(e.Photos, ps)
	}
	return e, nil
}

// List implements villagereport.Service.
func (s *VillageReports) List(ctx context.Context) ([]villagereport.Entry, error) {
	var out []villagereport.Entry
	err := s.db.view(ctx, func(tx *txn) error {
		out = nil
		b, err := mustBucket(tx.Tx, bucketVillageReports)
		if err != nil {
			return err
		}
		return b.ForEach(func(k, raw []byte) error {
			var rec villageReportRecord
			if err := json.Unmarshal(raw, &rec); err != nil {
				return app.Errorf(app.ECORRUPT, "village report %x is damaged: %v; restore a backup", k, err)
			}
			e, err := entryOf(tx, rec)
			if err != nil {
				return err
			}
			out = append(out, e)
			return nil
		})
	})
	sort.SliceStable(out, func(i, j int) bool {
		pi, pj := out[i].Verification == nil, out[j].Verification == nil
		if pi != pj {
			return pi
		}
		return out[i].Report.ReceivedAt.After(out[j].Report.ReceivedAt)
	})
	return out, err
}

// Get implements villagereport.Service.
func (s *VillageReports) Get(ctx context.Context, id app.ID) (villagereport.Entry, error) {
	var e villagereport.Entry
	err := s.db.view(ctx, func(tx *txn) error {
		rec, err := getVillageReport(tx, id)
		if err != nil {
			return err
		}
		e, err = entryOf(tx, rec)
		return err
	})
	return e, err
}

// Pending implements villagereport.Service.
func (s *VillageReports) Pending(ctx context.Context) (int, error) {
	n := 0
	err := s.db.view(ctx, func(tx *txn) error {
		b, err := mustBucket(tx.Tx, bucketVillageReportsPending)
		if err != nil {
			return err
		}
		n = b.Stats().KeyN
		return nil
	})
	return n, err
}

// Photo implements villagereport.Service.
func (s *VillageReports) Photo(ctx context.Context, report app.ID, sha string) ([]byte, error) {
	var out []byte
	err := s.db.view(ctx, func(tx *txn) error {
		rec, err := getVillageReport(tx, report)
		if err != nil {
			return err
		}
		if !slices.ContainsFunc(rec.Report.Photos, func(p villagereport.Photo) bool { return p.SHA256 == sha }) {
			return app.Errorf(app.ENOTFOUND, "village report %s has no photo %s", report, sha)
		}
		data, err := contentHere(tx, sha)
		if err != nil {
			return err
		}
		if data != nil {
			out = bytes.Clone(data)
			return nil
		}
		out, err = readBlob(tx, sha)
		return err
	})
	return out, err
}
