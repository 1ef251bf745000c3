package incident

import (
	"bytes"
	"context"
	"encoding/json"

	"dutyroom/app"
	"dutyroom/app/attachment"
	"dutyroom/app/message"
)

// The contents of attachments follow an incident to every station that
// holds it. They travel the way a message's attachments do (app/message,
// chunk.go): in parts of message.ChunkSize, each part one operation
// addressed to the stations named, stored as it comes, and complete only
// once every part is in and the whole matches the SHA-256 the incident
// names. The incident's own operation goes first, so a station holds and
// works on the record while the files are still arriving; a station that
// forwards the incident upward forwards the contents once it holds them.

// OpChunk carries one part of the content of an attachment of an incident
// or of one of its reports; the entity is the incident.
const OpChunk = "incident.chunk"

// OpResend asks the station that sent an attachment's parts to send them
// again: every part arrived and the whole did not match its SHA-256, so
// the parts were dropped. The payload is a Resend; the entity is the
// incident; it goes to that station only.
const OpResend = "incident.resend"

// Resend is the payload of OpResend.
type Resend struct {
	Incident app.ID `json:"incident"`
	SHA256   string `json:"sha256"`
}

// MaxResends is how often a duty room asks for one content again: enough
// for a fault on the way, not an endless exchange with a station whose
// copy is bad.
const MaxResends = 3

// Chunk is the payload of OpChunk. Parts are numbered from 0; all but the
// last are ChunkSize bytes long.
type Chunk struct {
	Incident  app.ID `json:"incident"`
	SHA256    string `json:"sha256"`
	ChunkSize int    `json:"chunk_size"`
	Index     int    `json:"index"`
	Data      []byte `json:"data"`
}

// DecodeChunk reads a part as it arrives from another station and checks
// it on its own; whether it fits the attachment announced is the
// receiver's to check against what it stored. EINVALID names the field.
func DecodeChunk(payload []byte) (Chunk, error) {
	var c Chunk
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return Chunk{}, app.Errorf(app.EINVALID, "a part of an attachment is not readable: %v", err)
	}
	if dec.More() {
		return Chunk{}, app.Errorf(app.EINVALID, "a part of an attachment has data after it")
	}
	switch {
	case c.Incident == app.NilID:
		return Chunk{}, app.FieldErrorf("incident", "the part names no incident")
	case !attachment.IsDigest(c.SHA256):
		return Chunk{}, app.FieldErrorf("sha256", "%q is not a SHA-256 digest in lowercase hex", c.SHA256)
	case c.ChunkSize < 1 || c.ChunkSize > message.MaxChunkSize:
		return Chunk{}, app.FieldErrorf("chunk_size", "parts are 1 to %d bytes; this one says %d", message.MaxChunkSize, c.ChunkSize)
	case c.Index < 0 || c.Index >= maxIncomingParts(c.ChunkSize):
		return Chunk{}, app.FieldErrorf("index", "part %d is beyond any attachment in parts of %d bytes", c.Index, c.ChunkSize)
	case len(c.Data) == 0 || len(c.Data) > c.ChunkSize:
		return Chunk{}, app.FieldErrorf("data", "part %d has %d bytes; parts have 1 to %d", c.Index, len(c.Data), c.ChunkSize)
	}
	return c, nil
}

// MaxIncomingAttachment bounds the content another station may send,
// whatever its own limit, as for messages.
const MaxIncomingAttachment = 1 << 30

func maxIncomingParts(chunkSize int) int {
	return message.Parts(MaxIncomingAttachment, chunkSize)
}

// ContentState is how much of an attachment's content this duty room
// holds. Only a complete content, whose whole matched its SHA-256, can be
// opened or saved.
type ContentState struct {
	SHA256   string
	Size     int64
	Parts    int    // parts expected; 0 for a content filed here or empty
	Have     int    // parts stored
	Complete bool   // every part stored and the whole matches SHA256
	Damaged  string // why a fully received content was refused, "" if it was not
}

// Percent is how much has arrived, 0 to 100.
func (s ContentState) Percent() int {
	if s.Complete {
		return 100
	}
	if s.Parts == 0 {
		return 0
	}
	return s.Have * 100 / s.Parts
}

// Contents reads the contents of incidents' attachments as this duty room
// holds them.
type Contents interface {
	// AttachmentState says how much of a content is here: nothing yet
	// when no part has arrived (or no incident here names it).
	AttachmentState(ctx context.Context, sha string) (ContentState, error)
	// Attachment returns a complete content, checked against its digest.
	// ENOTFOUND when it is not here, ECONFLICT while incomplete or when it
	// was refused.
	Attachment(ctx context.Context, sha string) ([]byte, error)
}

// ValidateAttachments checks attachment records against a size limit
// (Field "attachments").
func ValidateAttachments(as []Attachment, max int64) error {
	return validateAttachments(as, max)
}
