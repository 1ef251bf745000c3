package message

import (
	"dutyroom/app"
)

// ChunkSize is how much of a file one chunk operation carries. The hub
// takes operations of at most app.MaxOpPayload (256 KiB) in frames of
// 1 MiB, and a chunk travels as base64 (4 bytes for every 3): 128 KiB
// becomes about 175 KB, which leaves room for the envelope and lets a
// push carry several chunks. A 20 MB file is 160 chunks.
const ChunkSize = 128 << 10

// MaxChunkSize bounds the chunk size a peer may announce, so that a chunk
// always fits an operation.
const MaxChunkSize = 190 << 10

// Sent is the payload of OpSend: the message, and the chunk size its
// attachments are cut into, so the receiver knows how many parts to wait
// for and the size each must have.
type Sent struct {
	Message   Message `json:"message"`
	ChunkSize int     `json:"chunk_size,omitempty"` // 0 when there are no attachments
}

// Chunk is the payload of OpChunk: one part of an attachment's content.
// Parts are numbered from 0; all but the last are ChunkSize bytes long.
type Chunk struct {
	Message   app.ID `json:"message"`
	SHA256    string `json:"sha256"`
	ChunkSize int    `json:"chunk_size"`
	Index     int    `json:"index"`
	Data      []byte `json:"data"`
}

// Parts returns how many chunks of chunkSize a file of size bytes needs.
func Parts(size int64, chunkSize int) int {
	if size <= 0 || chunkSize <= 0 {
		return 0
	}
	return int((size + int64(chunkSize) - 1) / int64(chunkSize))
}

// PartLen returns the length part index must have.
func PartLen(size int64, chunkSize, index int) int {
	start := int64(index) * int64(chunkSize)
	if start >= size || index < 0 {
		return 0
	}
	return int(min(int64(chunkSize), size-start))
}

// AttachmentState is how much of an attachment's content this duty room
// holds. Only a complete attachment, whose whole content matched its
// SHA-256, can be opened; anything less is shown as incomplete.
type AttachmentState struct {
	SHA256   string
	Size     int64
	Parts    int    // chunks expected
	Have     int    // chunks stored
	Complete bool   // every chunk stored and the whole matches SHA256
	Damaged  string // why a fully received content was refused, "" if it was not
}
