// Package wire is the sync protocol between a DutyRoom client and a hub: the
// messages, their limits, and the checks every decoder runs. It is pure Go so
// the client engine, the hub and the tests share one definition; the
// transport (websocket) lives elsewhere. docs/protocol.md describes it for
// people.
//
// Every frame is one JSON envelope {"type", "id", "data"}. The client's
// first frame is a hello naming the protocol version and carrying either a
// session token or a login; nothing else is accepted before the hub has
// answered with a welcome.
package wire

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"dutyroom/app"
)

// Version is the protocol this program speaks. A peer with another major
// version is refused in the handshake; minor versions only add optional
// fields and message types, which older peers ignore or answer with
// CodeUnknownType.
const (
	Version = "1.1" // 1.1 adds consultation signalling (room.go)
	Major   = 1
)

// Limits. MaxFrame is the read limit of both ends: a larger frame closes the
// connection after an error message. An operation is at most
// app.MaxOpPayload, so a push of one operation always fits.
const (
	MaxFrame      = 1 << 20
	MaxPushOps    = 256
	MaxTypeLen    = 32
	MaxIDLen      = 64
	MaxTokenLen   = 128
	MaxUserLen    = 64
	MaxPassword   = 256
	MaxClientName = 128
	MaxEpochLen   = 64
)

// Message types. Client to hub: hello, push, pull, logout. Hub to client:
// welcome, ack, ops, caught_up, error.
const (
	TypeHello    = "hello"
	TypeWelcome  = "welcome"
	TypePush     = "push"
	TypeAck      = "ack"
	TypePull     = "pull"
	TypeOps      = "ops"
	TypeCaughtUp = "caught_up"
	TypeLogout   = "logout"
	TypeError    = "error"
)

// Error codes carried in an error message. Clients branch on them; the
// message is for people and the log.
const (
	CodeBadMessage   = "bad_message"  // not JSON, not an envelope, or a body that breaks the rules
	CodeUnknownType  = "unknown_type" // a message type this peer does not know
	CodeTooLarge     = "too_large"    // a frame over MaxFrame, or a push over MaxPushOps
	CodeVersion      = "version"      // the peer speaks another major version
	CodeUnauthorized = "unauthorized" // no session: wrong password, unknown, expired or revoked token
	CodeThrottled    = "throttled"    // too many failed logins from this account or address
	CodeForbidden    = "forbidden"    // the session may not do this (push as another station, change another's record)
	CodeInvalid      = "invalid"      // an operation breaks a rule; it is refused and skipped
	CodeConflict     = "conflict"     // an origin seq already holds another operation
	CodeOutOfOrder   = "out_of_order" // a push that leaves a gap in the origin's seqs
	CodeUnavailable  = "unavailable"  // the hub is shutting down or overloaded; retry later
	CodeInternal     = "internal"     // a fault in the hub; details are in its log
	CodeBusy         = "busy"         // the hub is at a limit (password checks, connections); retry after RetryAfter
	CodeOverQuota    = "over_quota"   // the station used up a quota; nothing of the push is stored; retry after RetryAfter
)

// Envelope is one frame.
type Envelope struct {
	Type string          `json:"type"`
	ID   string          `json:"id,omitempty"` // chosen by the sender of a request, echoed by its answers
	Data json.RawMessage `json:"data,omitempty"`
}

// Hello is the client's first message.
type Hello struct {
	Version string `json:"version"`
	Client  string `json:"client,omitempty"` // program and version, for the hub's log
	Token   string `json:"token,omitempty"`
	Login   *Login `json:"login,omitempty"`
}

// Login exchanges a password for a session token.
type Login struct {
	User     string `json:"user"`
	Password string `json:"password"`
}

// Welcome answers a hello that passed.
type Welcome struct {
	Version    string    `json:"version"`
	Epoch      string    `json:"epoch"`
	Station    app.ID    `json:"station"`
	User       string    `json:"user"`
	Token      string    `json:"token,omitempty"` // only in answer to a login
	Expires    time.Time `json:"expires"`
	Head       uint64    `json:"head"`    // the last position of the hub's log
	LastSeq    uint64    `json:"lastSeq"` // the highest seq of this station the hub has stored
	MaxFrame   int       `json:"maxFrame"`
	MaxPushOps int       `json:"maxPushOps"`
}

// Push sends operations of the session's own station, in seq order.
type Push struct {
	Ops []app.Operation `json:"ops"`
}

// Ack says that every operation of the session's station up to Through is
// stored durably (fsynced) or was refused; the client may forget them.
type Ack struct {
	Through uint64 `json:"through"`
}

// Cursor is how far a client has read the hub's log, and the latest
// checkpoint the hub gave it (none from clients before checkpoints, and
// none before the first delivery of an epoch).
type Cursor struct {
	Epoch      string      `json:"epoch"`
	Position   uint64      `json:"position"`
	Checkpoint *Checkpoint `json:"checkpoint,omitempty"`
}

// Pull asks for the operations after the cursor, then for new ones as they
// come. A cursor of another epoch is read from the start.
type Pull struct {
	Cursor Cursor `json:"cursor"`
}

// Delivery is one operation at its position in the hub's log.
type Delivery struct {
	Pos uint64        `json:"pos"`
	Op  app.Operation `json:"op"`
}

// Ops delivers operations in log order. The last frame of a delivery
// carries a checkpoint at or after its last position: the client has
// everything for it up to the checkpoint and moves its cursor there.
type Ops struct {
	Epoch      string      `json:"epoch"`
	Ops        []Delivery  `json:"ops"`
	Checkpoint *Checkpoint `json:"checkpoint,omitempty"`
}

// CaughtUp says the client has everything for it up to Position; new
// operations follow as they are stored.
type CaughtUp struct {
	Epoch      string      `json:"epoch"`
	Position   uint64      `json:"position"`
	Checkpoint *Checkpoint `json:"checkpoint,omitempty"` // at Position
}

// Error reports a refusal. Op and Seq name the operation concerned, when one is.
type Error struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Op      app.ID `json:"op,omitzero"`
	Seq     uint64 `json:"seq,omitempty"`
	// RetryAfter is how many seconds to wait before trying again, for
	// busy and over_quota (1.1; older peers ignore it).
	RetryAfter int `json:"retryAfter,omitempty"`
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// Errorf returns a protocol error.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// DecodeEnvelope reads one frame. It checks the size, that the frame is one
// JSON object in UTF-8, and that type and id are short and present; the body
// is checked by the decoder of its type.
func DecodeEnvelope(frame []byte) (Envelope, error) {
	var env Envelope
	if len(frame) > MaxFrame {
		return env, Errorf(CodeTooLarge, "frame of %d bytes; the limit is %d", len(frame), MaxFrame)
	}
	frame = bytes.TrimSpace(frame)
	if len(frame) == 0 || frame[0] != '{' {
		return env, Errorf(CodeBadMessage, "a frame must be one JSON object")
	}
	if !utf8.Valid(frame) {
		return env, Errorf(CodeBadMessage, "the frame is not valid UTF-8")
	}
	if err := json.Unmarshal(frame, &env); err != nil {
		return Envelope{}, Errorf(CodeBadMessage, "malformed JSON: %v", err)
	}
	switch {
	case env.Type == "":
		return Envelope{}, Errorf(CodeBadMessage, "the envelope has no type")
	case len(env.Type) > MaxTypeLen || !printable(env.Type):
		return Envelope{}, Errorf(CodeBadMessage, "the envelope's type is not a short printable name")
	case len(env.ID) > MaxIDLen || !printable(env.ID):
		return Envelope{}, Errorf(CodeBadMessage, "the envelope's id is longer than %d bytes or not printable", MaxIDLen)
	}
	if d := bytes.TrimSpace(env.Data); len(d) == 0 || string(d) == "null" {
		env.Data = nil
	} else if d[0] != '{' {
		return Envelope{}, Errorf(CodeBadMessage, "the data of a %s message must be a JSON object", env.Type)
	}
	return env, nil
}

func printable(s string) bool {
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return false
		}
	}
	return true
}

// Encode builds one frame. data may be nil for messages without a body.
func Encode(typ, id string, data any) ([]byte, error) {
	env := Envelope{Type: typ, ID: id}
	if data != nil {
		raw, err := json.Marshal(data)
		if err != nil {
			return nil, err
		}
		env.Data = raw
	}
	return json.Marshal(env)
}

// EncodeError builds an error frame answering the request id.
func EncodeError(id string, e *Error) []byte {
	b, err := Encode(TypeError, id, e)
	if err != nil {
		// An Error is strings and numbers: marshalling cannot fail.
		panic(err)
	}
	return b
}

// body unmarshals env.Data into v, naming the message type in errors.
func body(env Envelope, v any) error {
	if env.Data == nil {
		return Errorf(CodeBadMessage, "a %s message needs data", env.Type)
	}
	if err := json.Unmarshal(env.Data, v); err != nil {
		return Errorf(CodeBadMessage, "%s: malformed data: %v", env.Type, err)
	}
	return nil
}

// CheckVersion accepts "M.m" with M equal to Major.
func CheckVersion(v string) error {
	majorText, _, ok := strings.Cut(v, ".")
	major, err := strconv.Atoi(majorText)
	if !ok || err != nil || major < 0 {
		return Errorf(CodeVersion, "protocol version %q is not of the form major.minor; this side speaks %s", v, Version)
	}
	if major != Major {
		return Errorf(CodeVersion, "the peer speaks protocol %s and this side speaks %s; update the older program", v, Version)
	}
	return nil
}

// DecodeHello reads and checks a hello. A version mismatch is CodeVersion,
// so the hub can answer it before anything else.
func DecodeHello(env Envelope) (Hello, error) {
	var h Hello
	if err := body(env, &h); err != nil {
		return Hello{}, err
	}
	if err := CheckVersion(h.Version); err != nil {
		return Hello{}, err
	}
	switch {
	case len(h.Client) > MaxClientName:
		return Hello{}, Errorf(CodeBadMessage, "hello: the client name is longer than %d bytes", MaxClientName)
	case h.Token == "" && h.Login == nil:
		return Hello{}, Errorf(CodeUnauthorized, "hello: give a session token or a login")
	case h.Token != "" && h.Login != nil:
		return Hello{}, Errorf(CodeBadMessage, "hello: give a session token or a login, not both")
	case len(h.Token) > MaxTokenLen:
		return Hello{}, Errorf(CodeUnauthorized, "hello: the token is not one this hub issues")
	}
	if h.Login != nil {
		switch {
		case h.Login.User == "" || len(h.Login.User) > MaxUserLen:
			return Hello{}, Errorf(CodeBadMessage, "hello: the user name must be 1 to %d bytes", MaxUserLen)
		case h.Login.Password == "" || len(h.Login.Password) > MaxPassword:
			return Hello{}, Errorf(CodeBadMessage, "hello: the password must be 1 to %d bytes", MaxPassword)
		}
	}
	return h, nil
}

// DecodeWelcome reads a welcome.
func DecodeWelcome(env Envelope) (Welcome, error) {
	var w Welcome
	if err := body(env, &w); err != nil {
		return Welcome{}, err
	}
	if err := CheckVersion(w.Version); err != nil {
		return Welcome{}, err
	}
	switch {
	case w.Epoch == "" || len(w.Epoch) > MaxEpochLen:
		return Welcome{}, Errorf(CodeBadMessage, "welcome: missing or overlong epoch")
	case w.Station == app.NilID:
		return Welcome{}, Errorf(CodeBadMessage, "welcome: no station")
	case w.MaxFrame <= 0 || w.MaxPushOps <= 0:
		return Welcome{}, Errorf(CodeBadMessage, "welcome: limits must be positive")
	}
	return w, nil
}

// DecodePush reads a push and checks every operation in it: at most
// MaxPushOps, each valid, seqs strictly rising.
func DecodePush(env Envelope) (Push, error) {
	var p Push
	if err := body(env, &p); err != nil {
		return Push{}, err
	}
	if len(p.Ops) == 0 {
		return Push{}, Errorf(CodeBadMessage, "push: no operations")
	}
	if len(p.Ops) > MaxPushOps {
		return Push{}, Errorf(CodeTooLarge, "push of %d operations; the limit is %d", len(p.Ops), MaxPushOps)
	}
	for i := range p.Ops {
		op := &p.Ops[i]
		normalise(op)
		if err := op.Validate(); err != nil {
			return Push{}, &Error{Code: CodeInvalid, Message: "push: " + err.Error(), Op: op.ID, Seq: op.Seq}
		}
		if i > 0 && op.Seq <= p.Ops[i-1].Seq {
			return Push{}, &Error{Code: CodeOutOfOrder, Message: fmt.Sprintf("push: seq %d follows %d; operations go in rising seq order", op.Seq, p.Ops[i-1].Seq), Op: op.ID, Seq: op.Seq}
		}
	}
	return p, nil
}

// normalise makes a "null" payload absent, as the store keeps it.
func normalise(op *app.Operation) {
	if string(bytes.TrimSpace(op.Payload)) == "null" {
		op.Payload = nil
	}
}

// DecodeAck reads an ack.
func DecodeAck(env Envelope) (Ack, error) {
	var a Ack
	err := body(env, &a)
	return a, err
}

// DecodePull reads a pull.
func DecodePull(env Envelope) (Pull, error) {
	var p Pull
	if err := body(env, &p); err != nil {
		return Pull{}, err
	}
	if len(p.Cursor.Epoch) > MaxEpochLen {
		return Pull{}, Errorf(CodeBadMessage, "pull: the epoch is longer than %d bytes", MaxEpochLen)
	}
	// A malformed checkpoint is not refused here: the hub judges it with
	// the rest of the cursor (Checkpoint.Bytes), refuses it as bad_cursor
	// and reads the connection from 0, as for any checkpoint it did not
	// sign.
	return p, nil
}

// DecodeOps reads a delivery and checks each operation; positions must
// rise, since the client's cursor follows them.
func DecodeOps(env Envelope) (Ops, error) {
	var o Ops
	if err := body(env, &o); err != nil {
		return Ops{}, err
	}
	if o.Epoch == "" || len(o.Epoch) > MaxEpochLen {
		return Ops{}, Errorf(CodeBadMessage, "ops: missing or overlong epoch")
	}
	for i := range o.Ops {
		d := &o.Ops[i]
		normalise(&d.Op)
		if d.Pos == 0 {
			return Ops{}, Errorf(CodeBadMessage, "ops: position 0 is never used")
		}
		if i > 0 && d.Pos <= o.Ops[i-1].Pos {
			return Ops{}, Errorf(CodeBadMessage, "ops: position %d follows %d", d.Pos, o.Ops[i-1].Pos)
		}
		if err := d.Op.Validate(); err != nil {
			return Ops{}, Errorf(CodeInvalid, "ops: at position %d: %v", d.Pos, err)
		}
	}
	var last uint64
	if n := len(o.Ops); n > 0 {
		last = o.Ops[n-1].Pos
	}
	if err := checkDelivered("ops", o.Checkpoint, last); err != nil {
		return Ops{}, err
	}
	return o, nil
}

// DecodeCaughtUp reads a caught_up.
func DecodeCaughtUp(env Envelope) (CaughtUp, error) {
	var c CaughtUp
	if err := body(env, &c); err != nil {
		return CaughtUp{}, err
	}
	if c.Epoch == "" || len(c.Epoch) > MaxEpochLen {
		return CaughtUp{}, Errorf(CodeBadMessage, "caught_up: missing or overlong epoch")
	}
	if err := checkDelivered("caught_up", c.Checkpoint, c.Position); err != nil {
		return CaughtUp{}, err
	}
	if c.Checkpoint != nil && c.Checkpoint.Position != c.Position {
		return CaughtUp{}, Errorf(CodeBadMessage, "caught_up: the checkpoint is at position %d, not %d", c.Checkpoint.Position, c.Position)
	}
	return c, nil
}

// DecodeError reads an error message; one without a code is still an
// error, reported as bad_message.
func DecodeError(env Envelope) *Error {
	var e Error
	if err := body(env, &e); err != nil || e.Code == "" {
		return Errorf(CodeBadMessage, "an error message without a code")
	}
	return &e
}

// Pin is the SHA-256 of a certificate (its DER bytes) in lowercase hex: how
// a client recognises its hub's self-signed certificate.
func Pin(certDER []byte) string {
	sum := sha256.Sum256(certDER)
	return hex.EncodeToString(sum[:])
}

// NormalisePin accepts a pin as people copy it (upper or lower case, with
// colons, spaces or a "sha256:" prefix) and returns Pin's form, or "" when
// it is not 64 hex digits.
func NormalisePin(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	s = strings.TrimPrefix(s, "sha256:")
	s = strings.TrimPrefix(s, "sha256/")
	s = strings.NewReplacer(":", "", " ", "", "-", "").Replace(s)
	if len(s) != 64 {
		return ""
	}
	if _, err := hex.DecodeString(s); err != nil {
		return ""
	}
	return s
}

// FormatPin groups a pin in fours for reading aloud over the phone.
func FormatPin(pin string) string {
	var b strings.Builder
	for i := 0; i < len(pin); i += 4 {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(pin[i:min(i+4, len(pin))])
	}
	return b.String()
}
