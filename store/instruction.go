package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"dutyroom/app"
	"dutyroom/app/attachment"
	"dutyroom/app/instruction"
	"dutyroom/app/message"
)

// Instructions (批示) are stored whole, one record per instruction with
// the answers, done marks and replies recorded against it, and beside it
// a small summary in the register, keyed by the time the instruction was
// given, which the register filters, the status bar counts and the
// reminders read without decoding any answer. Attachment contents live
// with the messages' (message_blobs), addressed by SHA-256.

// The instruction buckets (migration 15); buckets.go draws their keys.
var (
	bucketInstructions        = []byte("instructions")
	bucketInstructionRegister = []byte("instruction_register")
)

// createInstructionsV15 adds the instruction buckets.
func createInstructionsV15(tx *bolt.Tx) error {
	root := tx.Bucket(bucketV1)
	if root == nil {
		return fmt.Errorf("no v1 bucket to add the instruction buckets to")
	}
	for _, name := range [][]byte{bucketInstructions, bucketInstructionRegister} {
		if _, err := root.CreateBucketIfNotExists(name); err != nil {
			return fmt.Errorf("create v1/%s: %w", name, err)
		}
	}
	return nil
}

// Instructions implements instruction.Service.
type Instructions struct {
	db *DB
}

var _ instruction.Service = (*Instructions)(nil)

// NewInstructions returns the instruction service of db.
func NewInstructions(db *DB) *Instructions { return &Instructions{db: db} }

func instructionRegisterKey(in *instruction.Instruction) []byte {
	k := timeKey(in.GivenAt)
	return append(k[:], in.ID[:]...)
}

func getInstruction(tx *txn, id app.ID) (instruction.Record, error) {
	b, err := mustBucket(tx.Tx, bucketInstructions)
	if err != nil {
		return instruction.Record{}, err
	}
	raw := b.Get(idKey(id))
	if raw == nil {
		return instruction.Record{}, app.Errorf(app.ENOTFOUND, "no instruction %s here", id)
	}
	var r instruction.Record
	if err := unmarshalRecord(raw, &r); err != nil {
		return r, app.Errorf(app.ECORRUPT, "instruction %s is damaged: %s; restore a backup", id, app.ErrorMessage(err))
	}
	return r, nil
}

// putInstruction writes the record and its register summary.
func putInstruction(tx *txn, r *instruction.Record) error {
	b, err := mustBucket(tx.Tx, bucketInstructions)
	if err != nil {
		return err
	}
	reg, err := mustBucket(tx.Tx, bucketInstructionRegister)
	if err != nil {
		return err
	}
	buf, err := json.Marshal(r)
	if err != nil {
		return err
	}
	if err := b.Put(idKey(r.Instruction.ID), buf); err != nil {
		return err
	}
	return reg.Put(instructionRegisterKey(&r.Instruction), encodeSummary(r.Summary()))
}

// A register entry is a short binary head, which the state filter, the
// status bar's count and the reminders read without decoding anything,
// then the summary as JSON:
//
//	flags byte (bit 0: replied to the leader), count uint16, count × deadline
//	(Unix nanoseconds, int64) of the assignees not done, earliest first; JSON
type summaryHead struct {
	fedBack bool
	pending []int64
}

func encodeSummary(s instruction.Summary) []byte {
	js, _ := json.Marshal(s) // a Summary always marshals
	buf := make([]byte, 0, 3+8*len(s.Pending)+len(js))
	var flags byte
	if s.FedBack {
		flags = 1
	}
	buf = append(buf, flags)
	buf = binary.BigEndian.AppendUint16(buf, uint16(len(s.Pending)))
	for _, d := range s.Pending {
		buf = binary.BigEndian.AppendUint64(buf, uint64(d.UnixNano()))
	}
	return append(buf, js...)
}

// splitSummary returns the head and the JSON of an entry; ok is false for
// damaged bytes.
func splitSummary(v []byte) (summaryHead, []byte, bool) {
	if len(v) < 3 {
		return summaryHead{}, nil, false
	}
	h := summaryHead{fedBack: v[0]&1 != 0}
	n := int(binary.BigEndian.Uint16(v[1:3]))
	if len(v) < 3+8*n {
		return summaryHead{}, nil, false
	}
	h.pending = make([]int64, n)
	for i := range n {
		h.pending[i] = int64(binary.BigEndian.Uint64(v[3+8*i:]))
	}
	return h, v[3+8*n:], true
}

// state is Summary.State read from the head.
func (h summaryHead) state(now time.Time) instruction.State {
	switch {
	case h.fedBack:
		return instruction.StateFedBack
	case len(h.pending) == 0:
		return instruction.StateAnswered
	case now.UnixNano() > h.pending[0]:
		return instruction.StateOverdue
	}
	return instruction.StateOpen
}

// overdue reports whether any assignee is past its deadline at now.
func (h summaryHead) overdue(now time.Time) bool {
	return len(h.pending) > 0 && now.UnixNano() > h.pending[0]
}

// storeFiles keeps the files' contents and returns their attachments.
func storeFiles(tx *txn, prepared []preparedFile) ([]attachment.Attachment, map[string][]byte, error) {
	var out []attachment.Attachment
	contents := map[string][]byte{}
	for _, p := range prepared {
		out = append(out, p.att)
		if p.data != nil {
			contents[p.att.SHA256] = p.data
		}
	}
	return out, contents, nil
}

// sendContents stores each content whole and queues it in chunks for to.
func sendContents(tx *txn, owner app.ID, atts []attachment.Attachment, contents map[string][]byte, to []app.ID) error {
	done := map[string]bool{}
	for _, a := range atts {
		if done[a.SHA256] {
			continue
		}
		done[a.SHA256] = true
		data, ok := contents[a.SHA256]
		if !ok {
			return app.FieldErrorf("attachments", "%s has no content here", a.Name)
		}
		if err := putWholeBlob(tx, a.SHA256, data); err != nil {
			return err
		}
		for i := range message.Parts(int64(len(data)), message.ChunkSize) {
			start := i * message.ChunkSize
			part := data[start : start+message.PartLen(int64(len(data)), message.ChunkSize, i)]
			payload, err := json.Marshal(message.Chunk{Message: owner, SHA256: a.SHA256, ChunkSize: message.ChunkSize, Index: i, Data: part})
			if err != nil {
				return err
			}
			if err := appendAddressedOp(tx, instruction.OpChunk, owner, payload, to); err != nil {
				return err
			}
		}
	}
	return nil
}

// Create implements instruction.Service.
func (s *Instructions) Create(ctx context.Context, in *instruction.Instruction, files []instruction.File) error {
	prepared, err := readMessageFiles(toMessageFiles(files), instruction.MaxAttachmentBytes)
	if err != nil {
		return err
	}
	var saved instruction.Instruction
	err = s.db.update(ctx, func(tx *txn) error {
		self, tree, err := selfAndTree(tx)
		if err != nil {
			return err
		}
		if in.Station != app.NilID && in.Station != self {
			return app.Errorf(app.EFORBIDDEN, "this duty room is %s; it records instructions as itself only", stationName(tree, self))
		}
		n := *in
		n.ID, n.Station, n.Author, n.RecordedAt = app.NewID(), self, app.AuthorFrom(ctx), tx.now
		n.Tasks = slices.Clone(in.Tasks)
		for i := range n.Tasks {
			n.Tasks[i].ID = app.NewID()
			n.Tasks[i].Stations = slices.Clone(n.Tasks[i].Stations)
			n.Tasks[i].Units = slices.Clone(n.Tasks[i].Units)
		}
		if in.ReadBack != nil {
			rb := *in.ReadBack
			n.ReadBack = &rb
		}
		atts, contents, err := storeFiles(tx, prepared)
		if err != nil {
			return err
		}
		n.Attachments = append(slices.Clone(in.Attachments), atts...)
		if err := n.Validate(tree, tx.now); err != nil {
			return err
		}
		if n.Incident != app.NilID {
			if _, err := findIncident(tx, n.Incident); app.ErrorCode(err) == app.ENOTFOUND {
				return app.FieldErrorf("incident", "no incident %s here", n.Incident)
			} else if err != nil {
				return err
			}
		}
		for _, a := range n.Attachments {
			if _, ok := contents[a.SHA256]; ok {
				continue
			}
			data, err := readBlob(tx, a.SHA256)
			if err != nil {
				return app.FieldErrorf("attachments", "%s: %s", a.Name, app.ErrorMessage(err))
			}
			contents[a.SHA256] = data
		}
		rec := instruction.Record{Instruction: n}
		if err := putInstruction(tx, &rec); err != nil {
			return err
		}
		c := instruction.Created{Instruction: n}
		if len(n.Attachments) > 0 {
			c.ChunkSize = message.ChunkSize
		}
		payload, err := json.Marshal(c)
		if err != nil {
			return err
		}
		to := n.Stations()
		if err := appendAddressedOp(tx, instruction.OpCreate, n.ID, payload, to); err != nil {
			return err
		}
		if err := sendContents(tx, n.ID, n.Attachments, contents, to); err != nil {
			return err
		}
		saved = n
		return nil
	})
	if err != nil {
		return err
	}
	*in = saved
	return nil
}

func toMessageFiles(files []instruction.File) []message.File {
	out := make([]message.File, len(files))
	for i, f := range files {
		out[i] = message.File{Name: f.Name, MIME: f.MIME, Size: f.Size, Content: f.Content}
	}
	return out
}

// Find implements instruction.Service.
func (s *Instructions) Find(ctx context.Context, id app.ID) (*instruction.Record, error) {
	var r instruction.Record
	err := s.db.view(ctx, func(tx *txn) (err error) {
		r, err = getInstruction(tx, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &r, nil
}

// Answer implements instruction.Service.
func (s *Instructions) Answer(ctx context.Context, a *instruction.Answer, files []instruction.File) error {
	prepared, err := readMessageFiles(toMessageFiles(files), instruction.MaxAttachmentBytes)
	if err != nil {
		return err
	}
	var saved instruction.Answer
	err = s.db.update(ctx, func(tx *txn) error {
		self, tree, err := selfAndTree(tx)
		if err != nil {
			return err
		}
		rec, err := getInstruction(tx, a.Instruction)
		if err != nil {
			return err
		}
		n := *a
		n.ID, n.From, n.At = app.NewID(), self, tx.now
		if n.By == "" {
			n.By = app.AuthorFrom(ctx)
		}
		if n.For == (instruction.Assignee{}) {
			n.For = instruction.Assignee{Station: self}
		}
		atts, contents, err := storeFiles(tx, prepared)
		if err != nil {
			return err
		}
		n.Attachments = append(slices.Clone(a.Attachments), atts...)
		if err := notForSelf(tree, &rec, n.Task, n.For, self); err != nil {
			return err
		}
		if err := n.Validate(&rec.Instruction); err != nil {
			return err
		}
		if len(rec.Answers) >= instruction.MaxAnswers {
			return app.Errorf(app.ECONFLICT, "instruction %s has %d answers already, the most one keeps", rec.Instruction.ID, instruction.MaxAnswers)
		}
		rec.Answers = append(rec.Answers, n)
		if err := putInstruction(tx, &rec); err != nil {
			return err
		}
		sent := instruction.AnswerSent{Answer: n}
		if len(n.Attachments) > 0 {
			sent.ChunkSize = message.ChunkSize
		}
		payload, err := json.Marshal(sent)
		if err != nil {
			return err
		}
		to := answerTo(&rec, self)
		if err := appendAddressedOp(tx, instruction.OpAnswer, rec.Instruction.ID, payload, to); err != nil {
			return err
		}
		if err := sendContents(tx, rec.Instruction.ID, n.Attachments, contents, to); err != nil {
			return err
		}
		saved = n
		return nil
	})
	if err != nil {
		return err
	}
	*a = saved
	return nil
}

// notForSelf words the commonest slip in the station's own terms: this
// station answering a task that does not name it.
func notForSelf(tree *app.Tree, rec *instruction.Record, task app.ID, who instruction.Assignee, self app.ID) error {
	t := rec.Instruction.Task(task)
	if t == nil || who.Station != self || t.Has(who) {
		return nil
	}
	if self == rec.Instruction.Station {
		return app.FieldErrorf("for", "the task is not for %s, which issued the instruction; record what a unit outside the system says under the unit's name", stationName(tree, self))
	}
	return app.FieldErrorf("for", "the task is not for %s", stationName(tree, self))
}

// answerTo is where an answer or mark goes: to the issuing station; the
// issuer's own records of units outside the system go nowhere but its
// own log at the hub.
func answerTo(rec *instruction.Record, self app.ID) []app.ID {
	if self == rec.Instruction.Station {
		return nil
	}
	return []app.ID{rec.Instruction.Station}
}

// MarkDone implements instruction.Service.
func (s *Instructions) MarkDone(ctx context.Context, d *instruction.Done) error {
	var saved instruction.Done
	err := s.db.update(ctx, func(tx *txn) error {
		self, tree, err := selfAndTree(tx)
		if err != nil {
			return err
		}
		rec, err := getInstruction(tx, d.Instruction)
		if err != nil {
			return err
		}
		n := *d
		n.From, n.At = self, tx.now
		if n.By == "" {
			n.By = app.AuthorFrom(ctx)
		}
		if n.For == (instruction.Assignee{}) {
			n.For = instruction.Assignee{Station: self}
		}
		if err := notForSelf(tree, &rec, n.Task, n.For, self); err != nil {
			return err
		}
		if err := n.Validate(&rec.Instruction); err != nil {
			return err
		}
		for _, p := range rec.Progress() {
			if p.Task == n.Task && p.For == n.For && p.DoneAt != nil {
				saved = n
				return nil // marked already: nothing changes
			}
		}
		rec.Done = append(rec.Done, n)
		if err := putInstruction(tx, &rec); err != nil {
			return err
		}
		payload, err := json.Marshal(n)
		if err != nil {
			return err
		}
		saved = n
		return appendAddressedOp(tx, instruction.OpDone, rec.Instruction.ID, payload, answerTo(&rec, self))
	})
	if err != nil {
		return err
	}
	*d = saved
	return nil
}

// Feedback implements instruction.Service.
func (s *Instructions) Feedback(ctx context.Context, f *instruction.Feedback) error {
	var saved instruction.Feedback
	err := s.db.update(ctx, func(tx *txn) error {
		self, _, err := selfAndTree(tx)
		if err != nil {
			return err
		}
		rec, err := getInstruction(tx, f.Instruction)
		if err != nil {
			return err
		}
		n := *f
		n.ID, n.From, n.At = app.NewID(), self, tx.now
		if n.By == "" {
			n.By = app.AuthorFrom(ctx)
		}
		if err := n.Validate(&rec.Instruction); err != nil {
			return err
		}
		if len(rec.Feedback) >= instruction.MaxFeedbacks {
			return app.Errorf(app.ECONFLICT, "instruction %s has been replied to %d times, the most one keeps", rec.Instruction.ID, instruction.MaxFeedbacks)
		}
		rec.Feedback = append(rec.Feedback, n)
		if err := putInstruction(tx, &rec); err != nil {
			return err
		}
		payload, err := json.Marshal(n)
		if err != nil {
			return err
		}
		saved = n
		return appendAddressedOp(tx, instruction.OpFeedback, rec.Instruction.ID, payload, rec.Instruction.Stations())
	})
	if err != nil {
		return err
	}
	*f = saved
	return nil
}

// eachSummary calls fn with every register summary, the most recently
// given first, until fn returns false.
func eachSummary(tx *txn, fn func(s *instruction.Summary) bool) error {
	return eachSummaryWhere(tx, nil, fn)
}

// eachSummaryWhere is eachSummary over the entries whose head and stored
// JSON pass keep: a quick test that spares decoding what cannot match.
func eachSummaryWhere(tx *txn, keep func(h summaryHead, js []byte) bool, fn func(s *instruction.Summary) bool) error {
	reg, err := mustBucket(tx.Tx, bucketInstructionRegister)
	if err != nil {
		return err
	}
	c := reg.Cursor()
	for k, v := c.Last(); k != nil; k, v = c.Prev() {
		h, js, ok := splitSummary(v)
		if ok && keep != nil && !keep(h, js) {
			continue
		}
		s, err := decodeSummary(k, js, ok)
		if err != nil {
			return err
		}
		if !fn(&s) {
			return nil
		}
	}
	return nil
}

func decodeSummary(k, js []byte, ok bool) (instruction.Summary, error) {
	var s instruction.Summary
	if !ok {
		id, _ := idFromBytes(k[len(k)-16:])
		return s, app.Errorf(app.ECORRUPT, "the register entry of instruction %s is damaged; restore a backup", id)
	}
	if err := json.Unmarshal(js, &s); err != nil {
		id, _ := idFromBytes(k[len(k)-16:])
		return s, app.Errorf(app.ECORRUPT, "the register entry of instruction %s is damaged: %v; restore a backup", id, err)
	}
	return s, nil
}

// Register implements instruction.Service. The date range is read from
// the keys and the state from the heads; an entry is decoded only when
// the station, incident or words must be checked, or it is listed.
func (s *Instructions) Register(ctx context.Context, f instruction.Filter, now time.Time, limit int) ([]instruction.Entry, int, error) {
	if err := f.Validate(); err != nil {
		return nil, 0, err
	}
	words := instruction.Words(f.Query)
	keep := quickFilter(f, words)
	check := f.Station != app.NilID || f.Incident != app.NilID || len(words) > 0
	var out []instruction.Entry
	total := 0
	err := s.db.view(ctx, func(tx *txn) error {
		out, total = nil, 0
		reg, err := mustBucket(tx.Tx, bucketInstructionRegister)
		if err != nil {
			return err
		}
		c := reg.Cursor()
		for k, v := c.Last(); k != nil; k, v = c.Prev() {
			if len(k) != timeKeyLen+16 {
				continue
			}
			given := timeFromKey(k)
			if !f.From.IsZero() && given.Before(f.From) {
				break // older still from here on
			}
			if !f.To.IsZero() && !given.Before(f.To) {
				continue
			}
			h, js, ok := splitSummary(v)
			if ok && f.State != "" && h.state(now) != f.State {
				continue
			}
			if ok && keep != nil && !keep(h, js) {
				continue
			}
			list := limit <= 0 || len(out) < limit
			if check || list || !ok {
				sum, err := decodeSummary(k, js, ok)
				if err != nil {
					return err
				}
				if !f.Match(&sum, now, words) {
					continue
				}
				if list {
					out = append(out, instruction.Entry{Summary: sum, State: sum.State(now), Overdue: sum.OverdueCount(now)})
				}
			}
			total++
		}
		return nil
	})
	return out, total, err
}

// quickFilter rejects, on the stored bytes, summaries that cannot pass f:
// those without a word searched for, the station or the incident asked
// for. The summary is JSON, which keeps Chinese as UTF-8 and ids as their
// text, so a word or an id that matches is in the bytes; Match then
// decides on the decoded summary. With neither, every entry is decoded.
func quickFilter(f instruction.Filter, words []string) func(summaryHead, []byte) bool {
	var needles [][]byte
	for _, w := range words {
		// A word JSON would escape cannot be looked for in the bytes.
		if !strings.ContainsAny(w, "\"<>&\u2028\u2029") {
			needles = append(needles, []byte(w))
		}
	}
	if f.Station != app.NilID {
		needles = append(needles, []byte(f.Station.String()))
	}
	if f.Incident != app.NilID {
		needles = append(needles, []byte(f.Incident.String()))
	}
	if len(needles) == 0 {
		return nil
	}
	return func(_ summaryHead, raw []byte) bool {
		for _, n := range needles {
			if !bytes.Contains(raw, n) {
				return false
			}
		}
		return true
	}
}

// Matching returns the whole records passing the filter, the most recently
// given first, up to limit (0: all): what the export writes.
func (s *Instructions) Matching(ctx context.Context, f instruction.Filter, now time.Time, limit int) ([]instruction.Record, error) {
	if err := f.Validate(); err != nil {
		return nil, err
	}
	words := instruction.Words(f.Query)
	var out []instruction.Record
	err := s.db.view(ctx, func(tx *txn) error {
		out = nil
		var ferr error
		err := eachSummary(tx, func(sum *instruction.Summary) bool {
			if !f.Match(sum, now, words) {
				return true
			}
			r, err := getInstruction(tx, sum.ID)
			if err != nil {
				ferr = err
				return false
			}
			out = append(out, r)
			return limit <= 0 || len(out) < limit
		})
		if ferr != nil {
			return ferr
		}
		return err
	})
	return out, err
}

// Overdue implements instruction.Service. Every instruction here concerns
// this station: it issued it or a task names it.
func (s *Instructions) Overdue(ctx context.Context, now time.Time) (int, error) {
	n := 0
	err := s.db.view(ctx, func(tx *txn) error {
		self, err := identityID(tx.Tx)
		if err != nil {
			return err
		}
		n = 0
		overdue := func(h summaryHead, _ []byte) bool { return h.overdue(now) }
		return eachSummaryWhere(tx, overdue, func(sum *instruction.Summary) bool {
			if len(sum.Pending) == 0 || !now.After(sum.Pending[0]) {
				return true
			}
			if sum.Station == self || self == app.NilID {
				n += sum.OverdueCount(now)
				return true
			}
			// A station named counts its own tasks only.
			r, err := getInstruction(tx, sum.ID)
			if err != nil {
				return true
			}
			for _, p := range r.Progress() {
				if p.For.Station == self && p.Overdue(now) {
					n++
				}
			}
			return true
		})
	})
	return n, err
}

// Reminders implements instruction.Service.
func (s *Instructions) Reminders(ctx context.Context, now time.Time, before time.Duration) ([]instruction.Reminder, error) {
	var out []instruction.Reminder
	err := s.db.view(ctx, func(tx *txn) error {
		self, err := identityID(tx.Tx)
		if err != nil {
			return err
		}
		out = nil
		var ferr error
		due := func(h summaryHead, _ []byte) bool {
			return len(h.pending) > 0 && now.UnixNano() >= h.pending[0]-before.Nanoseconds()
		}
		err = eachSummaryWhere(tx, due, func(sum *instruction.Summary) bool {
			if len(sum.Pending) == 0 || now.Before(sum.Pending[0].Add(-before)) {
				return true
			}
			r, err := getInstruction(tx, sum.ID)
			if err != nil {
				ferr = err
				return false
			}
			out = append(out, r.Reminders(self, now, before)...)
			return true
		})
		if ferr != nil {
			return ferr
		}
		return err
	})
	return out, err
}

// Attachment implements instruction.Service.
func (s *Instructions) Attachment(ctx context.Context, sha string) ([]byte, error) {
	var data []byte
	err := s.db.view(ctx, func(tx *txn) (err error) {
		data, err = readBlob(tx, sha)
		return err
	})
	return data, err
}

// The kinds applyOne hands to applyInstructionOp.
const (
	opInstructionCreate   = instruction.OpCreate
	opInstructionChunk    = instruction.OpChunk
	opInstructionAnswer   = instruction.OpAnswer
	opInstructionDone     = instruction.OpDone
	opInstructionFeedback = instruction.OpFeedback
)

// applyInstructionOp takes in an instruction operation from another
// station. A reason is returned for an operation that breaks the rules;
// err is only for the file.
func applyInstructionOp(tx *txn, op *app.Operation) (string, error) {
	self, err := identityID(tx.Tx)
	if err != nil {
		return "", err
	}
	if op.Kind == instruction.OpCreate {
		return applyInstructionCreate(tx, op, self)
	}
	rec, err := getInstruction(tx, op.Entity)
	if app.ErrorCode(err) == app.ENOTFOUND {
		return fmt.Sprintf("%s: instruction %s is not here", op.Kind, op.Entity), nil
	} else if err != nil {
		return "", err
	}
	in := &rec.Instruction
	switch op.Kind {
	case instruction.OpChunk:
		var c message.Chunk
		if err := unmarshalRecord(op.Payload, &c); err != nil {
			return op.Kind + ": " + app.ErrorMessage(err), nil
		}
		if c.Message != in.ID {
			return fmt.Sprintf("%s: the part is of %s but the operation names instruction %s", op.Kind, c.Message, in.ID), nil
		}
		for _, a := range recordAttachments(&rec, op.Origin) {
			if a.SHA256 == c.SHA256 {
				return applyChunk(tx, op.Kind, &c)
			}
		}
		return fmt.Sprintf("%s: station %s announced no file %s of instruction %s", op.Kind, op.Origin, c.SHA256, in.ID), nil
	case instruction.OpAnswer:
		p, err := instruction.DecodeAnswer(op.Payload)
		if err != nil {
			return app.ErrorMessage(err), nil
		}
		a := p.Answer
		if reason := checkFrom(op, a.From, a.Instruction); reason != "" {
			return reason, nil
		}
		if err := a.Validate(in); err != nil {
			return op.Kind + ": " + err.Error(), nil
		}
		if len(a.Attachments) > 0 && (p.ChunkSize <= 0 || p.ChunkSize > message.MaxChunkSize) {
			return fmt.Sprintf("%s: attachments in parts of %d bytes; parts are 1 to %d bytes", op.Kind, p.ChunkSize, message.MaxChunkSize), nil
		}
		for _, old := range rec.Answers {
			if old.ID == a.ID {
				return "", nil
			}
		}
		if len(rec.Answers) >= instruction.MaxAnswers {
			return fmt.Sprintf("%s: instruction %s has %d answers already", op.Kind, in.ID, instruction.MaxAnswers), nil
		}
		for _, att := range a.Attachments {
			if err := expectBlob(tx, att, p.ChunkSize); err != nil {
				return "", err
			}
		}
		rec.Answers = append(rec.Answers, a)
	case instruction.OpDone:
		d, err := instruction.DecodeDone(op.Payload)
		if err != nil {
			return app.ErrorMessage(err), nil
		}
		if reason := checkFrom(op, d.From, d.Instruction); reason != "" {
			return reason, nil
		}
		if err := d.Validate(in); err != nil {
			return op.Kind + ": " + err.Error(), nil
		}
		rec.Done = append(rec.Done, d)
	case instruction.OpFeedback:
		f, err := instruction.DecodeFeedback(op.Payload)
		if err != nil {
			return app.ErrorMessage(err), nil
		}
		if reason := checkFrom(op, f.From, f.Instruction); reason != "" {
			return reason, nil
		}
		if err := f.Validate(in); err != nil {
			return op.Kind + ": " + err.Error(), nil
		}
		for _, old := range rec.Feedback {
			if old.ID == f.ID {
				return "", nil
			}
		}
		if len(rec.Feedback) >= instruction.MaxFeedbacks {
			return fmt.Sprintf("%s: instruction %s has %d replies already", op.Kind, in.ID, instruction.MaxFeedbacks), nil
		}
		rec.Feedback = append(rec.Feedback, f)
	default:
		return fmt.Sprintf("%s is not an instruction operation", op.Kind), nil
	}
	return "", putInstruction(tx, &rec)
}

func checkFrom(op *app.Operation, from, inst app.ID) string {
	switch {
	case from != op.Origin:
		return fmt.Sprintf("%s: station %s sent a record in the name of station %s", op.Kind, op.Origin, from)
	case inst != op.Entity:
		return fmt.Sprintf("%s: the payload is about instruction %s but the operation names %s", op.Kind, inst, op.Entity)
	}
	return ""
}

// recordAttachments are the files station announced for the record: the
// instruction's own when it is the issuer, and those of its answers.
func recordAttachments(rec *instruction.Record, station app.ID) []attachment.Attachment {
	var out []attachment.Attachment
	if station == rec.Instruction.Station {
		out = append(out, rec.Instruction.Attachments...)
	}
	for _, a := range rec.Answers {
		if a.From == station {
			out = append(out, a.Attachments...)
		}
	}
	return out
}

func applyInstructionCreate(tx *txn, op *app.Operation, self app.ID) (string, error) {
	c, err := instruction.DecodeCreated(op.Payload)
	if err != nil {
		return app.ErrorMessage(err), nil
	}
	in := c.Instruction
	switch {
	case in.ID != op.Entity:
		return fmt.Sprintf("%s: the payload is instruction %s but the operation names %s", op.Kind, in.ID, op.Entity), nil
	case in.Station != op.Origin:
		return fmt.Sprintf("%s: station %s sent an instruction of station %s", op.Kind, op.Origin, in.Station), nil
	case len(in.Attachments) > 0 && (c.ChunkSize <= 0 || c.ChunkSize > message.MaxChunkSize):
		return fmt.Sprintf("%s: attachments in parts of %d bytes; parts are 1 to %d bytes", op.Kind, c.ChunkSize, message.MaxChunkSize), nil
	}
	if _, err := getInstruction(tx, in.ID); err == nil {
		return "", nil
	} else if app.ErrorCode(err) != app.ENOTFOUND {
		return "", err
	}
	tree, err := lineage(tx, append([]app.ID{in.Station}, in.Stations()...)...)
	if err != nil {
		return "", err
	}
	// The deadlines were in the future when it was recorded; judged
	// against then, so one delivered late is still taken in.
	if err := in.Validate(tree, in.RecordedAt); err != nil {
		return op.Kind + ": " + err.Error(), nil
	}
	if self != app.NilID && !slices.Contains(in.Stations(), self) {
		return fmt.Sprintf("%s: instruction %s names no task for this station", op.Kind, in.ID), nil
	}
	for _, a := range in.Attachments {
		if err := expectBlob(tx, a, c.ChunkSize); err != nil {
			return "", err
		}
	}
	rec := instruction.Record{Instruction: in}
	return "", putInstruction(tx, &rec)
}
