package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"

	bolt "go.etcd.io/bbolt"

	"dutyroom/app"
	"dutyroom/app/incident"
	"dutyroom/app/message"
)

// The contents of incidents' attachments travel to the stations holding
// the incident through the message attachment transfer (messageblob.go):
// the same parts, the same store of parts by SHA-256, the same check of
// the whole. Only the operation that carries a part differs
// (incident.OpChunk), because the receiver checks it against an incident
// instead of a message.
//
// What a duty room owes is written down before it is sent: an intake
// writes one small key per content and station in its own transaction,
// and the parts (up to 160 operations for a 20 MB photo) are queued after
// the intake has committed, so filing an incident never waits on its
// files. A content this duty room does not hold in full yet (it is
// still arriving from below) stays owed and goes on when its last part
// arrives.

var bucketIncidentContentsOwed = []byte("incident_contents_owed")

func createIncidentContentsV12(tx *bolt.Tx) error {
	root := tx.Bucket(bucketV1)
	if root == nil {
		return fmt.Errorf("no v1 bucket to add the owed contents bucket to")
	}
	if _, err := root.CreateBucketIfNotExists(bucketIncidentContentsOwed); err != nil {
		return fmt.Errorf("create v1/%s: %w", bucketIncidentContentsOwed, err)
	}
	return nil
}

// owedKey is <sha256 digest><station id>: the contents owed per digest
// are one Seek when a content completes here.
func owedKey(digest []byte, station app.ID) []byte {
	k := make([]byte, 0, len(digest)+len(station))
	k = append(k, digest...)
	return append(k, station[:]...)
}

// oweContents records that the contents of atts, attachments of incident
// inc, are to be sent to the stations to. Contents already owed to a
// station stay owed once.
func oweContents(tx *txn, inc app.ID, atts []incident.Attachment, to []app.ID) error {
	if len(atts) == 0 || len(to) == 0 {
		return nil
	}
	b, err := mustBucket(tx.Tx, bucketIncidentContentsOwed)
	if err != nil {
		return err
	}
	for _, a := range atts {
		if a.SHA256 == "" || a.Size == 0 {
			continue // an empty file needs no parts
		}
		digest, err := digestKey(a.SHA256)
		if err != nil {
			return err
		}
		for _, st := range to {
			if err := b.Put(owedKey(digest, st), idKey(inc)); err != nil {
				return err
			}
		}
	}
	return nil
}

// incidentAttachments returns the attachments of an incident and of its
// reports, each content once.
func incidentAttachments(tx *txn, inc *incident.Incident) ([]incident.Attachment, error) {
	reports, err := reportsOf(tx, inc.ID)
	if err != nil {
		return nil, err
	}
	out := slices.Clone(inc.Attachments)
	for _, r := range reports {
		out = append(out, r.Attachments...)
	}
	seen := map[string]bool{}
	return slices.DeleteFunc(out, func(a incident.Attachment) bool {
		dup := seen[a.SHA256]
		seen[a.SHA256] = true
		return dup || a.SHA256 == ""
	}), nil
}

// contentHere returns a content this duty room holds in full: filed here
// (incident_blobs) or received complete in parts. nil when it is not
// complete here.
func contentHere(tx *txn, sha string) ([]byte, error) {
	digest, err := digestKey(sha)
	if err != nil {
		return nil, err
	}
	own, err := mustBucket(tx.Tx, bucketIncidentBlobs)
	if err != nil {
		return nil, err
	}
	if v := own.Get(digest); v != nil {
		return v, nil
	}
	rec, _, err := getBlob(tx, digest)
	if err != nil || rec == nil || !rec.Complete {
		return nil, err
	}
	return readBlob(tx, sha)
}

// sendOwed queues the parts of every owed content this duty room holds
// in full, each to the station it is owed to, and forgets those debts.
// Contents still arriving stay owed.
func sendOwed(tx *txn) (int, error) {
	b, err := mustBucket(tx.Tx, bucketIncidentContentsOwed)
	if err != nil {
		return 0, err
	}
	type debt struct {
		key      []byte
		incident app.ID
		station  app.ID
	}
	byDigest := map[string][]debt{}
	var order []string
	err = b.ForEach(func(k, v []byte) error {
		if len(k) != sha256.Size+len(app.NilID) {
			return app.Errorf(app.ECORRUPT, "an owed content has a key of %d bytes; restore a backup", len(k))
		}
		inc, ok := idFromBytes(v)
		if !ok {
			return app.Errorf(app.ECORRUPT, "an owed content names no incident; restore a backup")
		}
		st, _ := idFromBytes(k[sha256.Size:])
		sha := hex.EncodeToString(k[:sha256.Size])
		if _, ok := byDigest[sha]; !ok {
			order = append(order, sha)
		}
		byDigest[sha] = append(byDigest[sha], debt{bytes.Clone(k), inc, st})
		return nil
	})
	if err != nil {
		return 0, err
	}
	sent := 0
	for _, sha := range order {
		data, err := contentHere(tx, sha)
		if err != nil {
			return sent, err
		}
		if data == nil {
			continue
		}
		// One set of parts per incident, addressed to every station owed.
		byIncident := map[app.ID][]app.ID{}
		var incs []app.ID
		for _, d := range byDigest[sha] {
			if _, ok := byIncident[d.incident]; !ok {
				incs = append(incs, d.incident)
			}
			byIncident[d.incident] = append(byIncident[d.incident], d.station)
		}
		for _, inc := range incs {
			if err := appendIncidentChunks(tx, inc, sha, data, byIncident[inc]); err != nil {
				return sent, err
			}
		}
		for _, d := range byDigest[sha] {
			if err := b.Delete(d.key); err != nil {
				return sent, err
			}
		}
		sent++
	}
	return sent, nil
}

func appendIncidentChunks(tx *txn, inc app.ID, sha string, data []byte, to []app.ID) error {
	size := int64(len(data))
	for i := range message.Parts(size, message.ChunkSize) {
		start := i * message.ChunkSize
		part := data[start : start+message.PartLen(size, message.ChunkSize, i)]
		payload, err := json.Marshal(incident.Chunk{Incident: inc, SHA256: sha, ChunkSize: message.ChunkSize, Index: i, Data: part})
		if err != nil {
			return err
		}
		if err := appendAddressedOp(tx, incident.OpChunk, inc, payload, to); err != nil {
			return err
		}
	}
	return nil
}

// SendContents queues the parts of the attachment contents this duty
// room owes other stations and holds in full. Intakes call it once they
// are on disk; the program calls it at start, for debts a crash left.
func (s *Incidents) SendContents(ctx context.Context) (int, error) {
	var n int
	err := s.db.update(ctx, func(tx *txn) (err error) {
		n, err = sendOwed(tx)
		return err
	})
	return n, err
}

// applyIncidentChunk stores one part of an incident's attachment from
// another station. It must come from a station on the incident's chain
// and belong to an attachment of the incident or of its reports; the part
// itself is checked by applyChunk. When it completes the content, what
// this duty room owes of it goes on.
func applyIncidentChunk(tx *txn, op *app.Operation) (string, error) {
	c, err := incident.DecodeChunk(op.Payload)
	if err != nil {
		return op.Kind + ": " + app.ErrorMessage(err), nil
	}
	if c.Incident != op.Entity {
		return fmt.Sprintf("%s: the part is of incident %s but the operation names %s", op.Kind, c.Incident, op.Entity), nil
	}
	inc, atts, i, reason, err := heldAttachment(tx, op, c.Incident, c.SHA256)
	if reason != "" || err != nil {
		return reason, err
	}
	digest, err := digestKey(c.SHA256)
	if err != nil {
		return "", err
	}
	own, err := mustBucket(tx.Tx, bucketIncidentBlobs)
	if err != nil {
		return "", err
	}
	if own.Get(digest) != nil {
		return "", nil // filed here: nothing to receive
	}
	// The first part to arrive announces the part size; the incident
	// record, which came first, gives the size and the digest.
	if err := expectBlob(tx, message.Attachment{SHA256: c.SHA256, Size: atts[i].Size}, c.ChunkSize); err != nil {
		return "", err
	}
	before, _, err := getBlob(tx, digest)
	if err != nil || before.Complete {
		return "", err
	}
	reason, err = applyChunk(tx, op.Kind, &message.Chunk{SHA256: c.SHA256, ChunkSize: c.ChunkSize, Index: c.Index, Data: c.Data})
	if err != nil || reason != "" {
		return reason, err
	}
	after, blobs, err := getBlob(tx, digest)
	if err != nil {
		return "", err
	}
	if !after.Complete {
		last := before.Have+1 == message.Parts(before.Size, before.ChunkSize)
		if last && after.Have == 0 && after.Damaged != "" {
			// This part completed a file that failed the check, and its
			// parts were dropped: ask the station that sent them again.
			return "", askAgain(tx, blobs, digest, after, inc.ID, c.SHA256, op.Origin)
		}
		return "", nil
	}
	_, err = sendOwed(tx)
	return "", err
}

// askAgain asks station to send a content's parts again, at most
// incident.MaxResends times for one content.
func askAgain(tx *txn, blobs *bolt.Bucket, digest []byte, rec *blobRecord, inc app.ID, sha string, station app.ID) error {
	if rec.Asked >= incident.MaxResends {
		return nil
	}
	rec.Asked++
	if err := putBlobRecord(blobs, digest, rec); err != nil {
		return err
	}
	payload, err := json.Marshal(incident.Resend{Incident: inc, SHA256: sha})
	if err != nil {
		return err
	}
	return appendAddressedOp(tx, incident.OpResend, inc, payload, []app.ID{station})
}

// applyIncidentResend takes in another station's request for the parts of
// a content again: it is owed to that station and goes once held here in
// full.
func applyIncidentResend(tx *txn, op *app.Operation) (string, error) {
	var r incident.Resend
	if err := unmarshalRecord(op.Payload, &r); err != nil {
		return op.Kind + ": " + app.ErrorMessage(err), nil
	}
	if r.Incident != op.Entity {
		return fmt.Sprintf("%s: the request is about incident %s but the operation names %s", op.Kind, r.Incident, op.Entity), nil
	}
	if _, err := digestKey(r.SHA256); err != nil {
		return op.Kind + ": " + app.ErrorMessage(err), nil
	}
	inc, atts, i, reason, err := heldAttachment(tx, op, r.Incident, r.SHA256)
	if reason != "" || err != nil {
		return reason, err
	}
	if err := oweContents(tx, inc.ID, atts[i:i+1], []app.ID{op.Origin}); err != nil {
		return "", err
	}
	_, err = sendOwed(tx)
	return "", err
}

// AttachmentState implements incident.Contents.
func (s *Incidents) AttachmentState(ctx context.Context, sha string) (incident.ContentState, error) {
	var st incident.ContentState
	err := s.db.view(ctx, func(tx *txn) error {
		digest, err := digestKey(sha)
		if err != nil {
			return err
		}
		st.SHA256 = hex.EncodeToString(digest)
		own, err := mustBucket(tx.Tx, bucketIncidentBlobs)
		if err != nil {
			return err
		}
		if v := own.Get(digest); v != nil {
			st.Size, st.Complete = int64(len(v)), true
			return nil
		}
		rec, _, err := getBlob(tx, digest)
		if err != nil {
			return err
		}
		if rec == nil {
			// No part has arrived yet; an empty file needs none.
			st.Complete = st.SHA256 == message.EmptySHA256
			return nil
		}
		st.Size, st.Parts, st.Have = rec.Size, message.Parts(rec.Size, rec.ChunkSize), rec.Have
		st.Complete, st.Damaged = rec.Complete, rec.Damaged
		return nil
	})
	return st, err
}

// heldAttachment finds attachment sha of incident id for an operation from
// a station that holds the incident: the incident, its attachments and the
// index of that one, or the reason the operation is refused.
func heldAttachment(tx *txn, op *app.Operation, id app.ID, sha string) (incident.Incident, []incident.Attachment, int, string, error) {
	inc, err := findIncident(tx, id)
	if app.ErrorCode(err) == app.ENOTFOUND {
		return inc, nil, -1, fmt.Sprintf("%s: incident %s is not here", op.Kind, id), nil
	} else if err != nil {
		return inc, nil, -1, "", err
	}
	tree, err := lineage(tx, inc.Station, op.Origin)
	if err != nil {
		return inc, nil, -1, "", err
	}
	if tree.Station(op.Origin) == nil || !tree.IsWithin(inc.Station, op.Origin) {
		return inc, nil, -1, fmt.Sprintf("%s: station %s does not hold incident %s of %s", op.Kind, op.Origin, inc.ID, tree.Path(inc.Station)), nil
	}
	atts, err := incidentAttachments(tx, &inc)
	if err != nil {
		return inc, nil, -1, "", err
	}
	i := slices.IndexFunc(atts, func(a incident.Attachment) bool { return a.SHA256 == sha })
	if i < 0 {
		return inc, nil, -1, fmt.Sprintf("%s: incident %s has no attachment %s", op.Kind, inc.ID, sha), nil
	}
	return inc, atts, i, "", nil
}
