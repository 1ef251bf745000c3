package sms

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"
	"unicode/utf16"
)

// The names below are those of Gammu's SMSD files back-end documentation
// (OUT<priority><date>_<time>_<serial>_<number>_<anything>.<ext>, and
// IN<date>_<time>_<serial>_<sender>_<sequence>.<ext>). No modem exists
// here, so the daemon's part (moving an outbox file to sent or error,
// writing an inbox file) is done by the test as the daemon does it.
var outboxName = regexp.MustCompile(`^OUT[A-Z][0-9]{8}_[0-9]{6}_[0-9]{2}_[0-9+]+_[^_.]+\.txt$`)

func gammuDirs(t *testing.T) *Gammu {
	t.Helper()
	root := t.TempDir()
	g := &Gammu{Outbox: filepath.Join(root, "outbox"), Sent: filepath.Join(root, "sent"),
		Error: filepath.Join(root, "error"), Inbox: filepath.Join(root, "inbox")}
	for _, d := range []string{g.Outbox, g.Sent, g.Error, g.Inbox} {
		if err := os.Mkdir(d, 0o750); err != nil {
			t.Fatal(err)
		}
	}
	return g
}

func ucs2LE(s string) []byte {
	u := utf16.Encode([]rune(s))
	b := []byte{0xFF, 0xFE}
	for _, c := range u {
		b = append(b, byte(c), byte(c>>8))
	}
	return b
}

func TestGammuOutboxFileHasTheDocumentedNameAndUnicodeText(t *testing.T) {
	g := gammuDirs(t)
	q, _ := newTestQueue(t, g, Config{})
	m, err := q.Enqueue(Request{Event: "warning:1", To: "13800000001", Text: "红色暴雨预警，回复{code}签收", WantReply: true})
	if err != nil {
		t.Fatal(err)
	}
	q.SendDue(context.Background())
	entries, _ := os.ReadDir(g.Outbox)
	if len(entries) != 1 || !outboxName.MatchString(entries[0].Name()) {
		t.Fatalf("outbox holds %v, want one file named as gammu-smsd reads", entries)
	}
	data, _ := os.ReadFile(filepath.Join(g.Outbox, entries[0].Name()))
	if text, err := DecodeGammuText(data); err != nil || text != m.Text || data[0] != 0xFF || data[1] != 0xFE {
		t.Fatalf("outbox text %q (%v), want %q in UCS-2 with a byte order mark", text, err, m.Text)
	}
	number, id, ok := ParseOutboxName(entries[0].Name())
	if !ok || number != "13800000001" || id != m.ID {
		t.Fatalf("outbox name read back as %q %q %v", number, id, ok)
	}
}

func TestGammuSentErrorAndInboxFoldersUpdateTheQueue(t *testing.T) {
	g := gammuDirs(t)
	q, _ := newTestQueue(t, g, Config{})
	ok, _ := q.Enqueue(Request{Event: "a", To: "13800000001", Text: "回复{code}签收", WantReply: true})
	bad, _ := q.Enqueue(Request{Event: "b", To: "13800000002", Text: "测试"})
	q.SendDue(context.Background())
	okm, _ := q.Message(ok.ID)
	badm, _ := q.Message(bad.ID)
	// As gammu-smsd does: the sent message to SentSMSPath, the failed one
	// to ErrorSMSPath, under their outbox names; a reply into the inbox.
	mustRename(t, filepath.Join(g.Outbox, okm.Gateway), filepath.Join(g.Sent, okm.Gateway))
	mustRename(t, filepath.Join(g.Outbox, badm.Gateway), filepath.Join(g.Error, badm.Gateway))
	at := time.Now()
	in := "IN" + at.Format("20060102_150405") + "_00_+8613800000001_00.txt"
	if err := os.WriteFile(filepath.Join(g.Inbox, in), ucs2LE("收到 "+ok.Code), 0o640); err != nil {
		t.Fatal(err)
	}
	stranger := "IN" + at.Format("20060102_150405") + "_01_+8613900000009_00.txt"
	if err := os.WriteFile(filepath.Join(g.Inbox, stranger), []byte("谁？"), 0o640); err != nil {
		t.Fatal(err)
	}
	if err := g.Poll(context.Background(), q); err != nil {
		t.Fatal(err)
	}
	okm, _ = q.Message(ok.ID)
	badm, _ = q.Message(bad.ID)
	if okm.State != Answered || !okm.Confirmed || badm.State != Failed {
		t.Fatalf("after the poll: %s (confirmed %v), %s", okm.State, okm.Confirmed, badm.State)
	}
	un, _ := q.Unmatched()
	if len(un) != 1 || un[0].From != "13900000009" || un[0].Text != "谁？" {
		t.Fatalf("unmatched %+v", un)
	}
	// Read inbox files move aside: a second poll answers nothing twice.
	if err := g.Poll(context.Background(), q); err != nil {
		t.Fatal(err)
	}
	if un, _ = q.Unmatched(); len(un) != 1 {
		t.Fatalf("a second poll kept %d unmatched", len(un))
	}
}

func mustRename(t *testing.T, from, to string) {
	t.Helper()
	if err := os.Rename(from, to); err != nil {
		t.Fatal(err)
	}
}
