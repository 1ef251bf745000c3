package ui

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"slices"
	"strings"
	"sync"
	"time"

	"dutyroom/app"
	"dutyroom/app/message"
)

// fakeMessages keeps messages in memory with the rules of the real store
// that the screens depend on: Validate against the station tree (which
// adds a direct report's copies), the sender fixed to this station, one
// thread per set of participants, pages by id, unread marks for this
// station cleared by reading, receipts merged with Receipt.Merge,
// acknowledgements only from addressees, and attachments that arrive in
// parts and open only when whole.
type fakeMessages struct {
	f      *fakeStore
	mu     sync.Mutex
	limits message.Limits

	msgs     map[app.ID]message.Message
	receipts map[[2]app.ID]message.Receipt
	unread   map[[2]app.ID]bool // station, message
	blobs    map[string]*fakeBlob
	failNext error
}

type fakeBlob struct {
	data     []byte
	parts    int
	have     int
	damaged  string
	complete bool
}

func newFakeMessages(f *fakeStore) *fakeMessages {
	return &fakeMessages{f: f, msgs: map[app.ID]message.Message{}, receipts: map[[2]app.ID]message.Receipt{},
		unread: map[[2]app.ID]bool{}, blobs: map[string]*fakeBlob{}}
}

func (s *fakeMessages) now() time.Time {
	if s.f.clock != nil {
		return s.f.clock().UTC()
	}
	return time.Now().UTC()
}

func (s *fakeMessages) tree() *app.Tree {
	s.f.mu.Lock()
	defer s.f.mu.Unlock()
	stations := make([]app.Station, 0, len(s.f.stations))
	for _, st := range s.f.stations {
		stations = append(stations, st)
	}
	sortStations(stations)
	return app.NewTree(stations)
}

func (s *fakeMessages) self() (app.ID, error) {
	s.f.mu.Lock()
	defer s.f.mu.Unlock()
	if s.f.identity == app.NilID {
		return app.NilID, app.Errorf(app.ENOTFOUND, "this duty room has not chosen its station yet")
	}
	return s.f.identity, nil
}

func (s *fakeMessages) takeFailure() error {
	err := s.failNext
	s.failNext = nil
	return err
}

func digestOf(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

func (s *fakeMessages) Send(ctx context.Context, m *message.Message, files []message.File) error {
	self, err := s.self()
	if err != nil {
		return err
	}
	tree := s.tree()
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.takeFailure(); err != nil {
		return err
	}
	if m.From != app.NilID && m.From != self {
		return app.Errorf(app.EFORBIDDEN, "this duty room cannot send as station %s", m.From)
	}
	n := *m
	n.ID, n.From, n.Author, n.SentAt = app.NewID(), self, app.AuthorFrom(ctx), s.now()
	n.To, n.CC, n.Attachments = slices.Clone(m.To), slices.Clone(m.CC), slices.Clone(m.Attachments)
	contents := map[string][]byte{}
	for _, f := range files {
		a := message.Attachment{ID: app.NewID(), Name: f.Name, Size: f.Size, MIME: f.MIME}
		// As the store: a file over the limit is not read, and validation
		// refuses it by its size.
		if f.Size <= s.limits.MaxAttachmentBytes() {
			data, err := io.ReadAll(f.Content)
			if err != nil {
				return app.FieldErrorf("attachments", "cannot read %s: %v", f.Name, err)
			}
			a.SHA256 = digestOf(data)
			contents[a.SHA256] = data
		}
		n.Attachments = append(n.Attachments, a)
	}
	if err := n.Validate(tree, s.limits); err != nil {
		return err
	}
	for sha, data := range contents {
		s.blobs[sha] = &fakeBlob{data: data, parts: message.Parts(int64(len(data)), message.ChunkSize),
			have: message.Parts(int64(len(data)), message.ChunkSize), complete: true}
	}
	s.put(n, self)
	*m = n
	return nil
}

// put stores a message with the unread marks the store keeps: this
// station's own, and every recipient's of what it sent.
func (s *fakeMessages) put(m message.Message, self app.ID) {
	s.msgs[m.ID] = m
	for _, r := range m.Recipients() {
		if r == self || m.From == self {
			s.unread[[2]app.ID{r, m.ID}] = true
		}
	}
}

// receive takes in a message another station sent, validated as that
// station's client did, and records its delivery here. contents are the
// attachments' bytes, all of which have arrived.
func (s *fakeMessages) receive(m message.Message, contents ...[]byte) message.Message {
	self, err := s.self()
	if err != nil {
		panic(err)
	}
	tree := s.tree()
	s.mu.Lock()
	defer s.mu.Unlock()
	if m.ID == app.NilID {
		m.ID = app.NewID()
	}
	if m.SentAt.IsZero() {
		m.SentAt = s.now()
	}
	for i, data := range contents {
		sha := digestOf(data)
		m.Attachments[i].SHA256, m.Attachments[i].Size = sha, int64(len(data))
		parts := message.Parts(int64(len(data)), message.ChunkSize)
		s.blobs[sha] = &fakeBlob{data: data, parts: parts, have: parts, complete: true}
	}
	if err := m.Validate(tree, message.Limits{}); err != nil {
		panic(err)
	}
	if !m.IsRecipient(self) {
		panic("the hub hands a station only what is addressed to it")
	}
	s.put(m, self)
	r := s.receipts[[2]app.ID{m.ID, self}]
	r.Message, r.Station = m.ID, self
	r.Merge(message.Receipt{Delivered: s.now()})
	s.receipts[[2]app.ID{m.ID, self}] = r
	return m
}

// receiptFrom records a receipt another station sent back.
func (s *fakeMessages) receiptFrom(r message.Receipt) {
	if err := r.Validate(); err != nil {
		panic(err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.mergeReceipt(r)
}

func (s *fakeMessages) mergeReceipt(r message.Receipt) {
	key := [2]app.ID{r.Message, r.Station}
	cur, ok := s.receipts[key]
	if !ok {
		cur = message.Receipt{Message: r.Message, Station: r.Station}
	}
	cur.Merge(r)
	s.receipts[key] = cur
	if !cur.Read.IsZero() {
		delete(s.unread, [2]app.ID{r.Station, r.Message})
	}
}

// partial makes an attachment's content one that has arrived in part.
func (s *fakeMessages) partial(sha string, have int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.blobs[sha]
	b.have, b.complete = have, false
}

func (s *fakeMessages) FindMessage(_ context.Context, id app.ID) (*message.Message, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.msgs[id]
	if !ok {
		return nil, app.Errorf(app.ENOTFOUND, "message %s not found", id)
	}
	return &m, nil
}

// byID sorts newest first, as uuid v7 ids are in time order.
func byIDNewestFirst(a, b message.Message) int { return -bytes.Compare(a.ID[:], b.ID[:]) }

func (s *fakeMessages) Conversations(_ context.Context, station app.ID) ([]message.Conversation, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.takeFailure(); err != nil {
		return nil, err
	}
	convs := map[app.ID]*message.Conversation{}
	for _, m := range s.msgs {
		if m.From != station && !m.IsRecipient(station) {
			continue
		}
		id := m.Conversation()
		c, ok := convs[id]
		if !ok {
			c = &message.Conversation{ID: id, Participants: m.Participants()}
			convs[id] = c
		}
		c.Count++
		if bytes.Compare(m.ID[:], c.Last.ID[:]) > 0 {
			c.Last, c.LastAt = m, m.SentAt
		}
		if s.unread[[2]app.ID{station, m.ID}] {
			c.Unread++
		}
	}
	var out []message.Conversation
	for _, c := range convs {
		out = append(out, *c)
	}
	slices.SortFunc(out, func(a, b message.Conversation) int {
		if c := b.LastAt.Compare(a.LastAt); c != 0 {
			return c
		}
		return bytes.Compare(b.Last.ID[:], a.Last.ID[:])
	})
	return out, nil
}

func (s *fakeMessages) Messages(_ context.Context, conv, before app.ID, limit int) ([]message.Message, error) {
	if limit < 1 {
		return nil, app.Errorf(app.EINVALID, "limit must be at least 1")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []message.Message
	for _, m := range s.msgs {
		if m.Conversation() == conv && (before == app.NilID || bytes.Compare(m.ID[:], before[:]) < 0) {
			out = append(out, m)
		}
	}
	slices.SortFunc(out, byIDNewestFirst)
	return out[:min(limit, len(out))], nil
}

func (s *fakeMessages) Unread(_ context.Context, limit int) ([]message.Message, int, error) {
	self, err := s.self()
	if err != nil {
		return nil, 0, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []message.Message
	for k := range s.unread {
		if k[0] == self {
			out = append(out, s.msgs[k[1]])
		}
	}
	slices.SortFunc(out, byIDNewestFirst)
	return out[:min(limit, len(out))], len(out), nil
}

func (s *fakeMessages) markRead(ctx context.Context, m message.Message, self app.ID) {
	s.mergeReceipt(message.Receipt{Message: m.ID, Station: self, Read: s.now(), By: app.AuthorFrom(ctx)})
}

func (s *fakeMessages) MarkRead(ctx context.Context, id app.ID) error {
	self, err := s.self()
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.msgs[id]
	switch {
	case !ok:
		return app.Errorf(app.ENOTFOUND, "message %s not found", id)
	case !m.IsRecipient(self):
		return app.FieldErrorf("to", "message %s is not addressed to this duty room", id)
	}
	s.markRead(ctx, m, self)
	return nil
}

func (s *fakeMessages) MarkConversationRead(ctx context.Context, conv app.ID) (int, error) {
	self, err := s.self()
	if err != nil {
		return 0, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for k := range s.unread {
		if m := s.msgs[k[1]]; k[0] == self && m.Conversation() == conv {
			s.markRead(ctx, m, self)
			n++
		}
	}
	return n, nil
}

func (s *fakeMessages) Acknowledge(_ context.Context, id app.ID, by string) error {
	by = strings.TrimSpace(by)
	if by == "" {
		return app.FieldErrorf("by", "name the person acknowledging the notice")
	}
	self, err := s.self()
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.msgs[id]
	switch {
	case !ok:
		return app.Errorf(app.ENOTFOUND, "message %s not found", id)
	case m.Kind != message.KindNotice:
		return app.FieldErrorf("kind", "only notices are acknowledged")
	case slices.Contains(m.CC, self):
		return app.FieldErrorf("to", "this duty room has a copy of the notice")
	case !slices.Contains(m.To, self):
		return app.FieldErrorf("to", "notice %s is not addressed to this duty room", id)
	}
	if cur := s.receipts[[2]app.ID{id, self}]; !cur.Acked.IsZero() {
		return app.Errorf(app.ECONFLICT, "%s already acknowledged this notice", cur.By)
	}
	s.mergeReceipt(message.Receipt{Message: id, Station: self, Acked: s.now(), By: by})
	return nil
}

func (s *fakeMessages) receiptsOf(m message.Message, stations []app.ID) []message.Receipt {
	var out []message.Receipt
	for _, st := range stations {
		r, ok := s.receipts[[2]app.ID{m.ID, st}]
		if !ok {
			r = message.Receipt{Message: m.ID, Station: st}
		}
		out = append(out, r)
	}
	return out
}

func (s *fakeMessages) Receipts(_ context.Context, id app.ID) ([]message.Receipt, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.msgs[id]
	if !ok {
		return nil, app.Errorf(app.ENOTFOUND, "message %s not found", id)
	}
	return s.receiptsOf(m, m.Recipients()), nil
}

func (s *fakeMessages) AckStatus(_ context.Context, id app.ID) (message.AckStatus, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.msgs[id]
	switch {
	case !ok:
		return message.AckStatus{}, app.Errorf(app.ENOTFOUND, "message %s not found", id)
	case m.Kind != message.KindNotice:
		return message.AckStatus{}, app.FieldErrorf("kind", "only notices are acknowledged")
	}
	return message.NewAckStatus(&m, s.receiptsOf(m, m.To)), nil
}

func (s *fakeMessages) Search(_ context.Context, query string, limit int) ([]message.Message, error) {
	words := strings.Fields(strings.ToLower(query))
	if len(words) == 0 {
		return nil, app.FieldErrorf("query", "type something to search for")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []message.Message
next:
	for _, m := range s.msgs {
		text := m.Subject + "\n" + m.Text
		for _, a := range m.Attachments {
			text += "\n" + a.Name
		}
		text = strings.ToLower(text)
		for _, w := range words {
			if !strings.Contains(text, w) {
				continue next
			}
		}
		out = append(out, m)
	}
	slices.SortFunc(out, byIDNewestFirst)
	return out[:min(limit, len(out))], nil
}

func (s *fakeMessages) AttachmentState(_ context.Context, sha string) (message.AttachmentState, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.blobs[sha]
	if !ok {
		return message.AttachmentState{}, app.Errorf(app.ENOTFOUND, "no message here has an attachment with SHA-256 %s", sha)
	}
	return message.AttachmentState{SHA256: sha, Size: int64(len(b.data)), Parts: b.parts, Have: b.have,
		Complete: b.complete, Damaged: b.damaged}, nil
}

func (s *fakeMessages) Attachment(_ context.Context, sha string) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.blobs[sha]
	switch {
	case !ok:
		return nil, app.Errorf(app.ENOTFOUND, "no attachment %s", sha)
	case !b.complete:
		return nil, app.Errorf(app.ECONFLICT, "%d of %d parts have arrived", b.have, b.parts)
	}
	return bytes.Clone(b.data), nil
}

// sentBy returns what a station sent, oldest first.
func (s *fakeMessages) sentBy(station app.ID) []message.Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []message.Message
	for _, m := range s.msgs {
		if m.From == station {
			out = append(out, m)
		}
	}
	slices.SortFunc(out, func(a, b message.Message) int { return -byIDNewestFirst(a, b) })
	return out
}
