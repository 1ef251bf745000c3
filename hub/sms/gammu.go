package sms

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
	"unicode/utf16"
	"unicode/utf8"
)

// Gammu talks to gammu-smsd through its files back-end (gammu-smsdrc:
// Service = files), in the file formats of Gammu's SMSD "Files backend"
// documentation:
//
//	outbox  OUT<priority><date>_<time>_<serial>_<phone number>_<anything>.<ext>
//	        e.g. OUTA20261207_171500_00_13800000000_5f3a….txt
//	        priority A is sent first; <anything> carries our message id.
//	        A .txt file holds the text; we write UCS-2 (UTF-16LE with a
//	        byte order mark), which gammu-smsd reads as Unicode, so
//	        Chinese needs no locale. gammu-smsd splits a long text into
//	        concatenated parts by itself.
//	sent    the outbox file, moved there under the same name once sent
//	        (SentSMSPath)
//	error   the same, when sending failed (ErrorSMSPath)
//	inbox   IN<date>_<time>_<serial>_<sender>_<sequence>.txt
//	        e.g. IN20261207_172001_00_+8613800000000_00.txt, the text in
//	        UCS-2 with a byte order mark (InboxFormat = unicode) or in
//	        UTF-8 (standard, with a UTF-8 locale).
//
// Inbox files we have read are moved to inbox/read, so each is taken
// once and nothing is deleted.
type Gammu struct {
	Outbox, Sent, Error, Inbox string
	Now                        func() time.Time // time.Now by default
}

// Name implements Gateway.
func (g *Gammu) Name() string { return "gammu" }

func (g *Gammu) now() time.Time {
	if g.Now != nil {
		return g.Now()
	}
	return time.Now()
}

// OutboxName is the outbox file name of message id to number at t.
func OutboxName(t time.Time, number, id string) string {
	return "OUTA" + t.Format("20060102_150405") + "_00_" + number + "_" + id + ".txt"
}

// Send implements Gateway: it writes the outbox file under a name
// gammu-smsd skips, then renames it, so the daemon never reads half a
// file. Any failure to write is the gateway down (a full disk, a missing
// folder) and is retried.
func (g *Gammu) Send(ctx context.Context, m Outgoing) (Result, error) {
	if strings.ContainsAny(m.ID, "_/.") || strings.ContainsAny(m.To, "_/.") {
		return Result{}, fmt.Errorf("message id %q or number cannot be written in a gammu file name", m.ID)
	}
	name := OutboxName(g.now(), m.To, m.ID)
	tmp := filepath.Join(g.Outbox, ".writing-"+m.ID)
	if err := os.WriteFile(tmp, encodeUCS2(m.Text), 0o640); err != nil {
		return Result{}, &TemporaryError{fmt.Errorf("gammu outbox %s: %v", g.Outbox, err)}
	}
	if err := os.Rename(tmp, filepath.Join(g.Outbox, name)); err != nil {
		_ = os.Remove(tmp)
		return Result{}, &TemporaryError{fmt.Errorf("gammu outbox %s: %v", g.Outbox, err)}
	}
	return Result{GatewayID: name, State: Sent}, nil
}

// encodeUCS2 is UTF-16LE with a byte order mark.
func encodeUCS2(s string) []byte {
	u := utf16.Encode([]rune(s))
	b := make([]byte, 2+2*len(u))
	b[0], b[1] = 0xFF, 0xFE
	for i, c := range u {
		b[2+2*i], b[3+2*i] = byte(c), byte(c>>8)
	}
	return b
}

// Poll implements Poller: outcomes from the sent and error folders, then
// replies from the inbox.
func (g *Gammu) Poll(ctx context.Context, sink Sink) error {
	for _, f := range []struct {
		dir   string
		state State
	}{{g.Sent, Sent}, {g.Error, Failed}} {
		if f.dir == "" {
			continue
		}
		entries, err := os.ReadDir(f.dir)
		if err != nil {
			return fmt.Errorf("gammu folder %s: %v", f.dir, err)
		}
		for _, e := range entries {
			_, id, ok := ParseOutboxName(e.Name())
			if !ok {
				continue
			}
			r := Report{ID: id, State: f.state, At: g.now()}
			if f.state == Failed {
				r.Reason = "gammu-smsd could not send it (moved to its error folder)"
			}
			sink.Report(r)
		}
	}
	entries, err := os.ReadDir(g.Inbox)
	if err != nil {
		return fmt.Errorf("gammu inbox %s: %v", g.Inbox, err)
	}
	read := filepath.Join(g.Inbox, "read")
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		from, at, ok := ParseInboxName(e.Name())
		if !ok {
			continue
		}
		path := filepath.Join(g.Inbox, e.Name())
		data, err := readSmall(path, 64<<10)
		if err != nil {
			return fmt.Errorf("gammu inbox file %s: %v", e.Name(), err)
		}
		text, err := DecodeGammuText(data)
		if err != nil {
			// Kept as received, so that the reply is listed, not lost.
			text = fmt.Sprintf("(undecodable text: %v)", err)
		}
		sink.Reply(Inbound{From: from, Text: text, At: at})
		if err := os.MkdirAll(read, 0o750); err != nil {
			return err
		}
		if err := os.Rename(path, filepath.Join(read, e.Name())); err != nil {
			return fmt.Errorf("gammu inbox: cannot move %s out of the way: %v", e.Name(), err)
		}
	}
	return nil
}

func readSmall(path string, limit int64) ([]byte, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if st.Size() > limit {
		return nil, fmt.Errorf("%d bytes, more than %d", st.Size(), limit)
	}
	return os.ReadFile(path)
}

// ParseOutboxName reads the number and our id back from an outbox name
// (as found in the sent and error folders).
func ParseOutboxName(name string) (number, id string, ok bool) {
	rest, found := strings.CutPrefix(name, "OUT")
	if !found || len(rest) < 1 {
		return "", "", false
	}
	rest = rest[1:] // priority letter
	rest, found = strings.CutSuffix(rest, ".txt")
	if !found {
		return "", "", false
	}
	f := strings.Split(rest, "_")
	// date, time, serial, number, anything
	if len(f) != 5 || !digits(f[0], 8) || !digits(f[1], 6) || f[3] == "" || f[4] == "" {
		return "", "", false
	}
	return NormaliseNumber(f[3]), f[4], true
}

// ParseInboxName reads the sender and the time from an inbox file name,
// IN<date>_<time>_<serial>_<sender>_<sequence>.txt. The time is the
// phone's local time as gammu-smsd wrote it, read in the hub's zone.
func ParseInboxName(name string) (from string, at time.Time, ok bool) {
	rest, found := strings.CutPrefix(name, "IN")
	if !found {
		return "", time.Time{}, false
	}
	rest, found = strings.CutSuffix(rest, ".txt")
	if !found {
		return "", time.Time{}, false
	}
	f := strings.Split(rest, "_")
	if len(f) != 5 || !digits(f[0], 8) || !digits(f[1], 6) || f[3] == "" || len(f[3]) > 32 {
		return "", time.Time{}, false
	}
	at, err := time.ParseInLocation("20060102150405", f[0]+f[1], time.Local)
	if err != nil {
		return "", time.Time{}, false
	}
	from = NormaliseNumber(f[3])
	if from == "" {
		return "", time.Time{}, false
	}
	return from, at, true
}

func digits(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// DecodeGammuText reads an inbox .txt: UCS-2 after a byte order mark
// (either order), else UTF-8.
func DecodeGammuText(data []byte) (string, error) {
	var le bool
	switch {
	case bytes.HasPrefix(data, []byte{0xFF, 0xFE}):
		le = true
	case bytes.HasPrefix(data, []byte{0xFE, 0xFF}):
	default:
		if !utf8.Valid(data) {
			return "", fmt.Errorf("neither UCS-2 with a byte order mark nor UTF-8")
		}
		return strings.TrimSpace(string(data)), nil
	}
	data = data[2:]
	if len(data)%2 != 0 {
		return "", fmt.Errorf("UCS-2 text of an odd length (%d bytes)", len(data))
	}
	u := make([]uint16, len(data)/2)
	for i := range u {
		if le {
			u[i] = uint16(data[2*i]) | uint16(data[2*i+1])<<8
		} else {
			u[i] = uint16(data[2*i])<<8 | uint16(data[2*i+1])
		}
	}
	// The real gammu-smsd pads its inbox files with UCS-2 NULs after the
	// text.
	return strings.TrimSpace(strings.TrimRight(string(utf16.Decode(u)), "\x00")), nil
}
