package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"slices"
	"strings"
	"time"

	"dutyroom/app"
	"dutyroom/app/message"
)

// Messages keeps the messages this duty room sent and received, their
// receipts, and the contents of their attachments. It implements
// message.Service. The rules (who may write to whom, what a message must
// hold) are the message package's; this file stores what they allow and
// queues the operations that carry it.
type Messages struct {
	db *DB
	// Limits apply to what this duty room sends. What arrives is held to
	// the structural rules only: the sending station's limit is its own.
	Limits message.Limits
}

var _ message.Service = (*Messages)(nil)

// NewMessages returns the messaging service of db with the default limits.
func NewMessages(db *DB) *Messages { return &Messages{db: db} }

// convRecord is what the conversation list shows without reading the
// thread.
type convRecord struct {
	Participants []app.ID  `json:"participants"`
	Count        int       `json:"count"`
	Last         app.ID    `json:"last"`
	LastAt       time.Time `json:"last_at"`
}

// preparedFile is an attachment read and hashed before the transaction,
// so no writer waits on a disk read.
type preparedFile struct {
	att  message.Attachment
	data []byte
}

func readMessageFiles(files []message.File, limit int64) ([]preparedFile, error) {
	out := make([]preparedFile, 0, len(files))
	for _, f := range files {
		p := preparedFile{att: message.Attachment{ID: app.NewID(), Name: f.Name, Size: f.Size, MIME: f.MIME}}
		// A file over the limit is not read: validation refuses it by its size.
		if f.Size >= 0 && f.Size <= limit {
			if f.Content == nil {
				return nil, app.FieldErrorf("attachments", "%s has no content to read", f.Name)
			}
			data, err := io.ReadAll(io.LimitReader(f.Content, f.Size+1))
			if err != nil {
				return nil, app.FieldErrorf("attachments", "cannot read %s: %v", f.Name, err)
			}
			if int64(len(data)) != f.Size {
				return nil, app.FieldErrorf("attachments", "%s changed while it was read (%d bytes, expected %d); attach it again", f.Name, len(data), f.Size)
			}
			sum := sha256.Sum256(data)
			p.att.SHA256 = hex.EncodeToString(sum[:])
			p.data = data
		}
		out = append(out, p)
	}
	return out, nil
}

// Send implements message.Service.
func (s *Messages) Send(ctx context.Context, m *message.Message, files []message.File) error {
	prepared, err := readMessageFiles(files, s.Limits.MaxAttachmentBytes())
	if err != nil {
		return err
	}
	var saved message.Message
	err = s.db.update(ctx, func(tx *txn) error {
		self, err := selfForMessages(tx)
		if err != nil {
			return err
		}
		if m.From != app.NilID && m.From != self {
			return app.Errorf(app.EFORBIDDEN, "this duty room is station %s; it cannot send as station %s", self, m.From)
		}
		n := *m
		n.ID, n.From, n.Author, n.SentAt = app.NewID(), self, app.AuthorFrom(ctx), tx.now
		n.AuthorID = app.ActorFrom(ctx).ID
		n.To, n.CC = slices.Clone(m.To), slices.Clone(m.CC)
		n.Attachments = slices.Clone(m.Attachments)
		contents := map[string][]byte{}
		for _, p := range prepared {
			n.Attachments = append(n.Attachments, p.att)
			if p.data != nil {
				contents[p.att.SHA256] = p.data
			}
		}
		tree, err := lineage(tx, append([]app.ID{self}, append(slices.Clone(n.To), n.CC...)...)...)
		if err != nil {
			return err
		}
		if err := n.Validate(tree, s.Limits); err != nil {
			return err
		}
		for _, a := range n.Attachments {
			if _, ok := contents[a.SHA256]; ok {
				continue
			}
			// Named, not given: a content already here, sent on.
			data, err := forwardedContent(tx, a)
			if err != nil {
				return err
			}
			contents[a.SHA256] = data
		}
		if _, err := putMessage(tx, &n, self); err != nil {
			return err
		}
		sent := message.Sent{Message: n}
		if len(n.Attachments) > 0 {
			sent.ChunkSize = message.ChunkSize
		}
		payload, err := json.Marshal(sent)
		if err != nil {
			return err
		}
		to := n.Recipients()
		if err := appendAddressedOp(tx, message.OpSend, n.ID, payload, to); err != nil {
			return err
		}
		done := map[string]bool{}
		for _, a := range n.Attachments {
			if done[a.SHA256] {
				continue
			}
			done[a.SHA256] = true
			data := contents[a.SHA256]
			if err := putWholeBlob(tx, a.SHA256, data); err != nil {
				return err
			}
			if err := appendChunkOps(tx, &n, a, data, to); err != nil {
				return err
			}
		}
		saved = n
		return nil
	})
	if err != nil {
		return err
	}
	*m = saved
	return nil
}

// selfForMessages returns this duty room's station, which every message
// is sent, read and acknowledged as.
func selfForMessages(tx *txn) (app.ID, error) {
	self, err := identityID(tx.Tx)
	if err != nil {
		return app.NilID, err
	}
	if self == app.NilID {
		return app.NilID, app.Errorf(app.ENOTFOUND, "this duty room has not chosen its station yet; choose it before sending or reading messages")
	}
	return self, nil
}

// appendAddressedOp queues an operation for the named stations only.
func appendAddressedOp(tx *txn, kind string, entity app.ID, payload []byte, to []app.ID) error {
	op, err := appendOp(tx, kind, entity, payload)
	if err != nil {
		return err
	}
	op.To, op.Scope = to, app.ScopeNone
	outbox, err := mustBucket(tx.Tx, bucketOutbox)
	if err != nil {
		return err
	}
	return putOp(outbox, &op)
}

func appendChunkOps(tx *txn, m *message.Message, a message.Attachment, data []byte, to []app.ID) error {
	for i := range message.Parts(int64(len(data)), message.ChunkSize) {
		start := i * message.ChunkSize
		part := data[start : start+message.PartLen(int64(len(data)), message.ChunkSize, i)]
		payload, err := json.Marshal(message.Chunk{Message: m.ID, SHA256: a.SHA256, ChunkSize: message.ChunkSize, Index: i, Data: part})
		if err != nil {
			return err
		}
		if err := appendAddressedOp(tx, message.OpChunk, a.ID, payload, to); err != nil {
			return err
		}
	}
	return nil
}

func appendReceiptOp(tx *txn, m *message.Message, r message.Receipt) error {
	payload, err := json.Marshal(r)
	if err != nil {
		return err
	}
	return appendAddressedOp(tx, message.OpReceipt, m.ID, payload, []app.ID{m.From})
}

// putMessage stores a message with its thread, search text and unread
// marks, and reports false for one already stored: messages never change.
// Unread marks are kept for the stations whose reading this duty room
// learns of: itself as a recipient, and every recipient of what it sent.
func putMessage(tx *txn, m *message.Message, self app.ID) (bool, error) {
	msgs, err := mustBucket(tx.Tx, bucketMessages)
	if err != nil {
		return false, err
	}
	if msgs.Get(idKey(m.ID)) != nil {
		return false, nil
	}
	buf, err := json.Marshal(m)
	if err != nil {
		return false, err
	}
	if err := msgs.Put(idKey(m.ID), buf); err != nil {
		return false, err
	}
	conv := m.Conversation()
	byConv, err := mustBucket(tx.Tx, bucketMessagesByConv)
	if err != nil {
		return false, err
	}
	if err := byConv.Put(pairKey(conv, m.ID), nil); err != nil {
		return false, err
	}
	convs, err := mustBucket(tx.Tx, bucketMessageConvs)
	if err != nil {
		return false, err
	}
	rec := convRecord{Participants: m.Participants()}
	if raw := convs.Get(idKey(conv)); raw != nil {
		if err := unmarshalRecord(raw, &rec); err != nil {
			return false, app.Errorf(app.ECORRUPT, "conversation %s is damaged: %s", conv, app.ErrorMessage(err))
		}
	}
	rec.Count++
	if bytes.Compare(m.ID[:], rec.Last[:]) > 0 {
		rec.Last, rec.LastAt = m.ID, m.SentAt
	}
	if buf, err = json.Marshal(rec); err != nil {
		return false, err
	}
	if err := convs.Put(idKey(conv), buf); err != nil {
		return false, err
	}
	text, err := mustBucket(tx.Tx, bucketMessageText)
	if err != nil {
		return false, err
	}
	if err := text.Put(idKey(m.ID), []byte(searchText(m))); err != nil {
		return false, err
	}
	unread, err := mustBucket(tx.Tx, bucketMessageUnread)
	if err != nil {
		return false, err
	}
	for _, r := range m.Recipients() {
		if r == self || m.From == self {
			if err := unread.Put(unreadKey(r, conv, m.ID), nil); err != nil {
				return false, err
			}
		}
	}
	return true, nil
}

func unreadKey(station, conv, msg app.ID) []byte {
	k := make([]byte, 48)
	copy(k, station[:])
	copy(k[16:], conv[:])
	copy(k[32:], msg[:])
	return k
}

func findMessage(tx *txn, id app.ID) (message.Message, error) {
	var m message.Message
	msgs, err := mustBucket(tx.Tx, bucketMessages)
	if err != nil {
		return m, err
	}
	raw := msgs.Get(idKey(id))
	if raw == nil {
		return m, app.Errorf(app.ENOTFOUND, "message %s not found", id)
	}
	if err := unmarshalRecord(raw, &m); err != nil {
		return m, app.Errorf(app.ECORRUPT, "message %s is damaged: %s", id, app.ErrorMessage(err))
	}
	return m, nil
}

// recordReceipt merges r into the stored receipt of its station and
// reports whether anything was new. Reading clears the unread mark.
func recordReceipt(tx *txn, m *message.Message, r message.Receipt) (bool, error) {
	b, err := mustBucket(tx.Tx, bucketMessageReceipts)
	if err != nil {
		return false, err
	}
	key := pairKey(m.ID, r.Station)
	cur := message.Receipt{Message: m.ID, Station: r.Station}
	if raw := b.Get(key); raw != nil {
		if err := unmarshalRecord(raw, &cur); err != nil {
			return false, app.Errorf(app.ECORRUPT, "a receipt of message %s is damaged: %s", m.ID, app.ErrorMessage(err))
		}
	}
	if !cur.Merge(r) {
		return false, nil
	}
	buf, err := json.Marshal(cur)
	if err != nil {
		return false, err
	}
	if err := b.Put(key, buf); err != nil {
		return false, err
	}
	if !cur.Read.IsZero() {
		unread, err := mustBucket(tx.Tx, bucketMessageUnread)
		if err != nil {
			return false, err
		}
		if err := unread.Delete(unreadKey(r.Station, m.Conversation(), m.ID)); err != nil {
			return false, err
		}
	}
	return true, nil
}

func findReceipt(tx *txn, msg, station app.ID) (message.Receipt, error) {
	r := message.Receipt{Message: msg, Station: station}
	b, err := mustBucket(tx.Tx, bucketMessageReceipts)
	if err != nil {
		return r, err
	}
	if raw := b.Get(pairKey(msg, station)); raw != nil {
		if err := unmarshalRecord(raw, &r); err != nil {
			return r, app.Errorf(app.ECORRUPT, "a receipt of message %s is damaged: %s", msg, app.ErrorMessage(err))
		}
	}
	return r, nil
}

// FindMessage implements message.Service.
func (s *Messages) FindMessage(ctx context.Context, id app.ID) (*message.Message, error) {
	var m message.Message
	err := s.db.view(ctx, func(tx *txn) (err error) {
		m, err = findMessage(tx, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &m, nil
}

// Conversations implements message.Service.
func (s *Messages) Conversations(ctx context.Context, station app.ID) ([]message.Conversation, error) {
	var list []message.Conversation
	err := s.db.view(ctx, func(tx *txn) error {
		convs, err := mustBucket(tx.Tx, bucketMessageConvs)
		if err != nil {
			return err
		}
		unread, err := mustBucket(tx.Tx, bucketMessageUnread)
		if err != nil {
			return err
		}
		return convs.ForEach(func(k, v []byte) error {
			id, _ := idFromBytes(k)
			var rec convRecord
			if err := unmarshalRecord(v, &rec); err != nil {
				return app.Errorf(app.ECORRUPT, "conversation %s is damaged: %s", id, app.ErrorMessage(err))
			}
			if !slices.Contains(rec.Participants, station) {
				return nil
			}
			c := message.Conversation{ID: id, Participants: rec.Participants, Count: rec.Count, LastAt: rec.LastAt}
			prefix := pairKey(station, id)
			uc := unread.Cursor()
			for uk, _ := uc.Seek(prefix); uk != nil && bytes.HasPrefix(uk, prefix); uk, _ = uc.Next() {
				c.Unread++
			}
			last, err := findMessage(tx, rec.Last)
			if err != nil {
				return err
			}
			c.Last = last
			list = append(list, c)
			return nil
		})
	})
	slices.SortStableFunc(list, func(a, b message.Conversation) int { return b.LastAt.Compare(a.LastAt) })
	return list, err
}

// Messages implements message.Service.
func (s *Messages) Messages(ctx context.Context, conversation app.ID, before app.ID, limit int) ([]message.Message, error) {
	if limit < 1 {
		return nil, app.Errorf(app.EINVALID, "limit must be at least 1, not %d", limit)
	}
	var list []message.Message
	err := s.db.view(ctx, func(tx *txn) error {
		byConv, err := mustBucket(tx.Tx, bucketMessagesByConv)
		if err != nil {
			return err
		}
		start := pairKey(conversation, before)
		if before == app.NilID {
			copy(start[16:], bytes.Repeat([]byte{0xff}, 16))
		}
		c := byConv.Cursor()
		k, _ := c.Seek(start)
		if k == nil {
			k, _ = c.Last()
		} else {
			k, _ = c.Prev()
		}
		for ; k != nil && bytes.HasPrefix(k, conversation[:]) && len(list) < limit; k, _ = c.Prev() {
			id, _ := idFromBytes(k[16:])
			m, err := findMessage(tx, id)
			if err != nil {
				return err
			}
			list = append(list, m)
		}
		return nil
	})
	return list, err
}

// Unread implements message.Service.
func (s *Messages) Unread(ctx context.Context, limit int) ([]message.Message, int, error) {
	if limit < 0 {
		return nil, 0, app.Errorf(app.EINVALID, "limit must not be negative, not %d", limit)
	}
	var (
		list  []message.Message
		total int
	)
	err := s.db.view(ctx, func(tx *txn) error {
		self, err := selfForMessages(tx)
		if err != nil {
			return err
		}
		unread, err := mustBucket(tx.Tx, bucketMessageUnread)
		if err != nil {
			return err
		}
		var ids []app.ID
		c := unread.Cursor()
		for k, _ := c.Seek(self[:]); k != nil && bytes.HasPrefix(k, self[:]); k, _ = c.Next() {
			id, _ := idFromBytes(k[32:])
			ids = append(ids, id)
		}
		total = len(ids)
		slices.SortFunc(ids, func(a, b app.ID) int { return bytes.Compare(b[:], a[:]) })
		for _, id := range ids[:min(limit, len(ids))] {
			m, err := findMessage(tx, id)
			if err != nil {
				return err
			}
			list = append(list, m)
		}
		return nil
	})
	return list, total, err
}

// MarkRead implements message.Service.
func (s *Messages) MarkRead(ctx context.Context, id app.ID) error {
	return s.db.update(ctx, func(tx *txn) error {
		self, err := selfForMessages(tx)
		if err != nil {
			return err
		}
		m, err := findMessage(tx, id)
		if err != nil {
			return err
		}
		if !m.IsRecipient(self) {
			return app.FieldErrorf("to", "message %s is not addressed to this duty room, so it has nothing to mark read", id)
		}
		return markRead(tx, &m, self)
	})
}

func markRead(tx *txn, m *message.Message, self app.ID) error {
	r := message.Receipt{Message: m.ID, Station: self, Read: tx.now, By: app.AuthorFrom(tx.ctx)}
	changed, err := recordReceipt(tx, m, r)
	if err != nil || !changed {
		return err
	}
	cur, err := findReceipt(tx, m.ID, self)
	if err != nil {
		return err
	}
	return appendReceiptOp(tx, m, cur)
}

// MarkConversationRead implements message.Service.
func (s *Messages) MarkConversationRead(ctx context.Context, conversation app.ID) (int, error) {
	var n int
	err := s.db.update(ctx, func(tx *txn) error {
		n = 0
		self, err := selfForMessages(tx)
		if err != nil {
			return err
		}
		unread, err := mustBucket(tx.Tx, bucketMessageUnread)
		if err != nil {
			return err
		}
		prefix := pairKey(self, conversation)
		var ids []app.ID
		c := unread.Cursor()
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			id, _ := idFromBytes(k[32:])
			ids = append(ids, id)
		}
		for _, id := range ids {
			m, err := findMessage(tx, id)
			if err != nil {
				return err
			}
			if err := markRead(tx, &m, self); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	return n, err
}

// Acknowledge implements message.Service.
func (s *Messages) Acknowledge(ctx context.Context, id app.ID, by string) error {
	by = strings.TrimSpace(by)
	switch {
	case by == "":
		return app.FieldErrorf("by", "name the person acknowledging the notice")
	case len([]rune(by)) > message.MaxAuthorRunes:
		return app.FieldErrorf("by", "the name is longer than %d characters", message.MaxAuthorRunes)
	}
	return s.db.update(ctx, func(tx *txn) error {
		self, err := selfForMessages(tx)
		if err != nil {
			return err
		}
		m, err := findMessage(tx, id)
		if err != nil {
			return err
		}
		switch {
		case m.Kind != message.KindNotice:
			return app.FieldErrorf("kind", "only notices are acknowledged; this is a %s", m.Kind)
		case slices.Contains(m.CC, self):
			return app.FieldErrorf("to", "this duty room has a copy of the notice; only its addressees acknowledge it")
		case !slices.Contains(m.To, self):
			return app.FieldErrorf("to", "notice %s is not addressed to this duty room", id)
		}
		cur, err := findReceipt(tx, id, self)
		if err != nil {
			return err
		}
		if !cur.Acked.IsZero() {
			return app.Errorf(app.ECONFLICT, "%s already acknowledged this notice at %s", cur.By, cur.Acked.Format(time.RFC3339))
		}
		if _, err := recordReceipt(tx, &m, message.Receipt{Message: id, Station: self, Acked: tx.now, By: by}); err != nil {
			return err
		}
		if cur, err = findReceipt(tx, id, self); err != nil {
			return err
		}
		return appendReceiptOp(tx, &m, cur)
	})
}

// Receipts implements message.Service.
func (s *Messages) Receipts(ctx context.Context, id app.ID) ([]message.Receipt, error) {
	var list []message.Receipt
	err := s.db.view(ctx, func(tx *txn) error {
		m, err := findMessage(tx, id)
		if err != nil {
			return err
		}
		for _, st := range m.Recipients() {
			r, err := findReceipt(tx, id, st)
			if err != nil {
				return err
			}
			list = append(list, r)
		}
		return nil
	})
	return list, err
}

// AckStatus implements message.Service.
func (s *Messages) AckStatus(ctx context.Context, id app.ID) (message.AckStatus, error) {
	var st message.AckStatus
	err := s.db.view(ctx, func(tx *txn) error {
		m, err := findMessage(tx, id)
		if err != nil {
			return err
		}
		if m.Kind != message.KindNotice {
			return app.FieldErrorf("kind", "only notices are acknowledged; this is a %s", m.Kind)
		}
		var list []message.Receipt
		for _, to := range m.To {
			r, err := findReceipt(tx, id, to)
			if err != nil {
				return err
			}
			list = append(list, r)
		}
		st = message.NewAckStatus(&m, list)
		return nil
	})
	return st, err
}
