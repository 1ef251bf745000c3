package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"dutyroom/app"
	"dutyroom/app/message"
)

// Attachment contents are stored once per SHA-256, in the parts they
// travel in, so a content that arrives over several deliveries (the
// connection drops, the program is closed) resumes where it stopped: each
// part is kept as it comes, and the hub's cursor brings the rest. A
// content counts as complete only once every part is here and the whole
// matches its digest; until then it is reported as incomplete and cannot
// be opened.

// blobRecord is the state of one content.
type blobRecord struct {
	Size      int64  `json:"size"`
	ChunkSize int    `json:"chunk_size"`
	Have      int    `json:"have"`
	Complete  bool   `json:"complete,omitempty"`
	Damaged   string `json:"damaged,omitempty"`
	// Asked counts the times this duty room asked for the parts again
	// after they failed the check (incident.OpResend).
	Asked int `json:"asked,omitempty"`
}

// maxIncomingAttachment bounds what another station may send, whatever its
// own limit: enough for any document, and few enough parts to count.
const maxIncomingAttachment = 1 << 30

func digestKey(sha string) ([]byte, error) {
	k, err := hex.DecodeString(sha)
	if err != nil || len(k) != sha256.Size {
		return nil, app.FieldErrorf("sha256", "%q is not a SHA-256 digest (64 hex digits)", sha)
	}
	return k, nil
}

func chunkKey(digest []byte, index int) []byte {
	k := make([]byte, len(digest)+4)
	copy(k, digest)
	binary.BigEndian.PutUint32(k[len(digest):], uint32(index))
	return k
}

func getBlob(tx *txn, digest []byte) (*blobRecord, *bolt.Bucket, error) {
	b, err := mustBucket(tx.Tx, bucketMessageBlobs)
	if err != nil {
		return nil, nil, err
	}
	raw := b.Get(digest)
	if raw == nil {
		return nil, b, nil
	}
	var rec blobRecord
	if err := unmarshalRecord(raw, &rec); err != nil {
		return nil, nil, app.Errorf(app.ECORRUPT, "the record of attachment %x is damaged: %s", digest, app.ErrorMessage(err))
	}
	return &rec, b, nil
}

func putBlobRecord(b *bolt.Bucket, digest []byte, rec *blobRecord) error {
	buf, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	return b.Put(digest, buf)
}

// putWholeBlob stores a content this duty room has in full (it sends it),
// completing one that was partly received.
func putWholeBlob(tx *txn, sha string, data []byte) error {
	digest, err := digestKey(sha)
	if err != nil {
		return err
	}
	rec, blobs, err := getBlob(tx, digest)
	if err != nil || (rec != nil && rec.Complete) {
		return err
	}
	chunks, err := mustBucket(tx.Tx, bucketMessageBlobChunks)
	if err != nil {
		return err
	}
	if err := deleteChunks(chunks, digest); err != nil {
		return err
	}
	size := int64(len(data))
	n := message.Parts(size, message.ChunkSize)
	for i := range n {
		start := i * message.ChunkSize
		if err := chunks.Put(chunkKey(digest, i), data[start:start+message.PartLen(size, message.ChunkSize, i)]); err != nil {
			return err
		}
	}
	return putBlobRecord(blobs, digest, &blobRecord{Size: size, ChunkSize: message.ChunkSize, Have: n, Complete: true})
}

func deleteChunks(chunks *bolt.Bucket, digest []byte) error {
	c := chunks.Cursor()
	for k, _ := c.Seek(digest); k != nil && bytes.HasPrefix(k, digest); k, _ = c.Seek(digest) {
		if err := c.Delete(); err != nil {
			return err
		}
	}
	return nil
}

// expectBlob notes a content announced by an arriving message, so its
// parts can be checked as they come. A content already known keeps its
// record: the parts are the same whichever message brought them.
func expectBlob(tx *txn, a message.Attachment, chunkSize int) error {
	digest, err := digestKey(a.SHA256)
	if err != nil {
		return err
	}
	rec, blobs, err := getBlob(tx, digest)
	if err != nil || rec != nil {
		return err
	}
	rec = &blobRecord{Size: a.Size, ChunkSize: chunkSize}
	if a.Size == 0 {
		rec.Complete = a.SHA256 == message.EmptySHA256
		if !rec.Complete {
			rec.Damaged = "an empty file cannot have this SHA-256"
		}
	}
	return putBlobRecord(blobs, digest, rec)
}

// readBlob returns a complete content, checked against its digest.
func readBlob(tx *txn, sha string) ([]byte, error) {
	digest, err := digestKey(sha)
	if err != nil {
		return nil, err
	}
	rec, _, err := getBlob(tx, digest)
	if err != nil {
		return nil, err
	}
	switch {
	case rec == nil:
		return nil, app.Errorf(app.ENOTFOUND, "no message here has an attachment with SHA-256 %s", sha)
	case rec.Damaged != "":
		return nil, app.Errorf(app.ECONFLICT, "the attachment was refused: %s", rec.Damaged)
	case !rec.Complete:
		return nil, app.Errorf(app.ECONFLICT, "the attachment is incomplete: %d of %d parts have arrived", rec.Have, message.Parts(rec.Size, rec.ChunkSize))
	}
	chunks, err := mustBucket(tx.Tx, bucketMessageBlobChunks)
	if err != nil {
		return nil, err
	}
	data, err := assemble(chunks, digest, rec)
	if err != nil {
		return nil, err
	}
	if sum := sha256.Sum256(data); !bytes.Equal(sum[:], digest) {
		return nil, app.Errorf(app.ECORRUPT, "the stored attachment %s no longer matches its SHA-256; restore a backup", sha)
	}
	return data, nil
}

// assemble joins the parts in order; a missing part means the record lies.
func assemble(chunks *bolt.Bucket, digest []byte, rec *blobRecord) ([]byte, error) {
	data := make([]byte, 0, rec.Size)
	for i := range message.Parts(rec.Size, rec.ChunkSize) {
		part := chunks.Get(chunkKey(digest, i))
		if part == nil {
			return nil, app.Errorf(app.ECORRUPT, "attachment %x has lost part %d; restore a backup", digest, i)
		}
		data = append(data, part...)
	}
	return data, nil
}

// forwardedContent returns the content of an attachment named by a
// message being sent, which must be complete here.
func forwardedContent(tx *txn, a message.Attachment) ([]byte, error) {
	data, err := readBlob(tx, a.SHA256)
	if err != nil {
		return nil, app.FieldErrorf("attachments", "%s cannot be sent on: %s", a.Name, app.ErrorMessage(err))
	}
	if int64(len(data)) != a.Size {
		return nil, app.FieldErrorf("attachments", "%s is %d bytes here, not %d", a.Name, len(data), a.Size)
	}
	return data, nil
}

// applyChunk stores one arriving part. A part that does not fit what the
// message (or incident) announced is refused with the reason, which
// starts with kind, the operation's; the content stays incomplete.
func applyChunk(tx *txn, kind string, c *message.Chunk) (string, error) {
	digest, err := digestKey(c.SHA256)
	if err != nil {
		return kind + ": " + app.ErrorMessage(err), nil
	}
	rec, blobs, err := getBlob(tx, digest)
	if err != nil {
		return "", err
	}
	if rec == nil {
		return fmt.Sprintf("%s: attachment %s was announced by nothing here", kind, c.SHA256), nil
	}
	if rec.Complete {
		return "", nil
	}
	parts := message.Parts(rec.Size, rec.ChunkSize)
	switch {
	case c.ChunkSize != rec.ChunkSize:
		return fmt.Sprintf("%s: attachment %s travels in parts of %d bytes; this part says %d", kind, c.SHA256, rec.ChunkSize, c.ChunkSize), nil
	case c.Index < 0 || c.Index >= parts:
		return fmt.Sprintf("%s: attachment %s has parts 0 to %d; this is part %d", kind, c.SHA256, parts-1, c.Index), nil
	case len(c.Data) != message.PartLen(rec.Size, rec.ChunkSize, c.Index):
		return fmt.Sprintf("%s: part %d of attachment %s has %d bytes, not %d", kind, c.Index, c.SHA256, len(c.Data), message.PartLen(rec.Size, rec.ChunkSize, c.Index)), nil
	}
	chunks, err := mustBucket(tx.Tx, bucketMessageBlobChunks)
	if err != nil {
		return "", err
	}
	key := chunkKey(digest, c.Index)
	if chunks.Get(key) != nil {
		return "", nil
	}
	if err := chunks.Put(key, c.Data); err != nil {
		return "", err
	}
	rec.Have++
	if rec.Have == parts {
		data, err := assemble(chunks, digest, rec)
		if err != nil {
			return "", err
		}
		if sum := sha256.Sum256(data); bytes.Equal(sum[:], digest) {
			rec.Complete, rec.Damaged = true, ""
		} else {
			// The parts do not make the file announced. Dropping them lets a
			// later sending of the same file fill it again.
			rec.Damaged = fmt.Sprintf("the %d parts received do not make the file sent (its SHA-256 differs)", parts)
			rec.Have = 0
			if err := deleteChunks(chunks, digest); err != nil {
				return "", err
			}
		}
	}
	return "", putBlobRecord(blobs, digest, rec)
}

// AttachmentState implements message.Service.
func (s *Messages) AttachmentState(ctx context.Context, sha string) (message.AttachmentState, error) {
	var st message.AttachmentState
	err := s.db.view(ctx, func(tx *txn) error {
		digest, err := digestKey(sha)
		if err != nil {
			return err
		}
		rec, _, err := getBlob(tx, digest)
		if err != nil {
			return err
		}
		if rec == nil {
			return app.Errorf(app.ENOTFOUND, "no message here has an attachment with SHA-256 %s", sha)
		}
		st = message.AttachmentState{
			SHA256: hex.EncodeToString(digest), Size: rec.Size, Parts: message.Parts(rec.Size, rec.ChunkSize),
			Have: rec.Have, Complete: rec.Complete, Damaged: rec.Damaged,
		}
		return nil
	})
	return st, err
}

// Attachment implements message.Service.
func (s *Messages) Attachment(ctx context.Context, sha string) ([]byte, error) {
	var data []byte
	err := s.db.view(ctx, func(tx *txn) (err error) {
		data, err = readBlob(tx, sha)
		return err
	})
	return data, err
}
