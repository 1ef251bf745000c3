package sms

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"dutyroom/app"
	"dutyroom/app/warning"
)

// Gammu's programs, from the Debian packages gammu-smsd and gammu (make
// deps-test installs them).
const (
	gammuSMSDBin = "/usr/bin/gammu-smsd"
	gammuBin     = "/usr/bin/gammu"
)

// gammuPhone is gammu-smsd with the files service, on Gammu's dummy phone
// driver: the "phone" is a folder, whose sms/1 is its inbox. The dummy
// driver keeps no copy of what it sends (sending is only logged), so what
// was sent is read where the daemon puts it: its log ("Transmitted FILE
// to NUMBER") and the files service's sent folder.
type gammuPhone struct {
	t                              *testing.T
	dir, phone, conf, log          string
	outbox, inbox, sent, errorsDir string
	cmd                            *exec.Cmd
}

func newGammuPhone(t *testing.T) *gammuPhone {
	t.Helper()
	for _, bin := range []string{gammuSMSDBin, gammuBin} {
		if _, err := os.Stat(bin); err != nil {
			t.Fatalf("%s is not installed (Debian packages gammu-smsd and gammu: make deps-test): %v", bin, err)
		}
	}
	dir := t.TempDir()
	g := &gammuPhone{t: t, dir: dir, phone: filepath.Join(dir, "phone"), conf: filepath.Join(dir, "smsdrc"), log: filepath.Join(dir, "smsd.log")}
	spool := filepath.Join(dir, "spool")
	g.outbox, g.inbox, g.sent, g.errorsDir = filepath.Join(spool, "outbox"), filepath.Join(spool, "inbox"), filepath.Join(spool, "sent"), filepath.Join(spool, "error")
	for _, d := range []string{g.phone, g.outbox, g.inbox, g.sent, g.errorsDir} {
		if err := os.MkdirAll(d, 0o750); err != nil {
			t.Fatal(err)
		}
	}
	conf := fmt.Sprintf(`[gammu]
device = %s/
connection = none
model = dummy

[smsd]
service = files
logfile = %s
debuglevel = 1
inboxpath = %s/
outboxpath = %s/
sentsmspath = %s/
errorsmspath = %s/
inboxformat = unicode
outboxformat = unicode
transmitformat = auto
commtimeout = 1
sendtimeout = 5
receivefrequency = 1
statusfrequency = 0
loopsleep = 1
checksecurity = 0
checkbattery = 0
checksignal = 0
hangupcalls = 0
`, g.phone, g.log, g.inbox, g.outbox, g.sent, g.errorsDir)
	if err := os.WriteFile(g.conf, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	return g
}

func (g *gammuPhone) gateway() *Gammu {
	return &Gammu{Outbox: g.outbox, Inbox: g.inbox, Sent: g.sent, Error: g.errorsDir}
}

// start runs gammu-smsd until stop or the test's end.
func (g *gammuPhone) start() {
	g.t.Helper()
	g.cmd, _ = startProc(g.t, g.dir, "gammu-smsd", nil, gammuSMSDBin, "-c", g.conf)
	waitFor(g.t, "gammu-smsd to talk to the dummy phone", fileContains(g.log, "Starting phone communication"))
}

// stop kills gammu-smsd: the gateway is down.
func (g *gammuPhone) stop() {
	g.t.Helper()
	_ = g.cmd.Process.Kill()
	_ = g.cmd.Wait()
}

// transmitted counts the daemon's log lines saying it sent message id.
func (g *gammuPhone) transmitted(id string) int {
	data, _ := os.ReadFile(g.log)
	n := 0
	for _, l := range strings.Split(string(data), "\n") {
		if strings.Contains(l, "Transmitted OUT") && strings.Contains(l, "_"+id+".txt") {
			n++
		}
	}
	return n
}

// reply puts a message from number into the dummy phone's inbox, as the
// network would deliver it: gammu writes it in its own backup format into
// a second dummy phone, and the file is moved into this one's sms/1 whole,
// so the daemon never reads half of it.
func (g *gammuPhone) reply(from, text string) {
	g.t.Helper()
	drafts := filepath.Join(g.dir, "drafts")
	_ = os.RemoveAll(drafts)
	conf := filepath.Join(g.dir, "draftsrc")
	if err := os.WriteFile(conf, []byte("[gammu]\ndevice = "+drafts+"/\nconnection = none\nmodel = dummy\n"), 0o600); err != nil {
		g.t.Fatal(err)
	}
	if err := os.MkdirAll(drafts, 0o750); err != nil {
		g.t.Fatal(err)
	}
	out, err := exec.Command(gammuBin, "-c", conf, "savesms", "TEXT", "-folder", "1", "-sender", from, "-unread", "-unicode", "-text", text).CombinedOutput()
	if err != nil {
		g.t.Fatalf("gammu savesms: %v\n%s", err, out)
	}
	saved := filepath.Join(drafts, "sms", "1", "1")
	for loc := 1; ; loc++ {
		to := filepath.Join(g.phone, "sms", "1", fmt.Sprint(loc))
		if _, err := os.Stat(to); err == nil {
			continue
		}
		if err := os.Rename(saved, to); err != nil {
			g.t.Fatal(err)
		}
		return
	}
}

// TestGammuSMSDCarriesARedWarningToAVillageOfficerAndTheAnswerSigns runs
// the real gammu-smsd on Gammu's dummy phone: a red warning the
// prefecture's client issues reaches the village officer's number through
// the daemon; the officer's reply, dropped into the phone's inbox, comes
// back through the daemon's inbox folder and shows as the village's
// 短信签收 in the prefecture's progress. With the daemon stopped the next
// warning's message waits in the outbox and goes once, when it is back.
func TestGammuSMSDCarriesARedWarningToAVillageOfficerAndTheAnswerSigns(t *testing.T) {
	phone := newGammuPhone(t)
	phone.start()
	h := startE2EHub(t, phone.gateway())
	tr := h.tree
	town := h.client("t", tr.T)
	officer := town.addOfficer(tr.V, "向信息员", "13800001111")
	pref := h.client("p", tr.P)
	pref.caughtUp()

	w := pref.issueRed("乾州街道一带地质灾害风险极高，请立即组织巡查和转移。")
	m := h.messageOf(w, officer)
	if m.State != Sent || m.Code == "" || !strings.Contains(m.Text, "回复"+m.Code+"签收") {
		t.Fatalf("the village officer's message: %+v", m)
	}
	waitFor(t, "gammu-smsd to transmit it to the officer's number", func() bool { return phone.transmitted(m.ID) == 1 })
	sentFile := filepath.Join(phone.sent, m.Gateway)
	data, err := os.ReadFile(sentFile)
	if err != nil {
		t.Fatalf("the daemon's sent folder: %v", err)
	}
	if text, err := DecodeGammuText(data); err != nil || text != m.Text {
		t.Fatalf("sent %q (%v), want %q", text, err, m.Text)
	}
	if !strings.Contains(m.Gateway, "_13800001111_") {
		t.Fatalf("sent as %s, not to the officer's number", m.Gateway)
	}
	waitFor(t, "the hub to see the daemon sent it", func() bool {
		got, _ := h.queue.Message(m.ID)
		return got.Confirmed
	})

	replied := time.Now()
	phone.reply("+8613800001111", "收到"+m.Code)
	ack := pref.smsAck(w, tr.V.ID)
	if ack.Via != warning.ViaSMS || ack.Person != "向信息员" || ack.Number != "138****1111" || ack.RecordedBy != app.NilID {
		t.Fatalf("the village's acknowledgement: %+v, want 短信签收 by 向信息员 from 138****1111", ack)
	}
	if ack.At.Before(replied.Add(-2*time.Minute)) || ack.At.After(time.Now().Add(time.Minute)) {
		t.Errorf("acknowledged at %s; the reply came at %s", ack.At, replied)
	}
	if got, _ := h.queue.Message(m.ID); got.State != Answered || got.Reply != "收到"+m.Code {
		t.Fatalf("the message after the reply: %+v", got)
	}

	// The daemon stops: the next warning's message waits in its outbox.
	phone.stop()
	w2 := pref.issueRed("乾州街道一带降雨持续，地质灾害风险仍然极高。")
	m2 := h.messageOf(w2, officer)
	if _, err := os.Stat(filepath.Join(phone.outbox, m2.Gateway)); err != nil {
		t.Fatalf("the message while the daemon is down is not waiting in its outbox: %v", err)
	}
	phone.start()
	waitFor(t, "the waiting message to go once the daemon is back", func() bool { return phone.transmitted(m2.ID) == 1 })
	time.Sleep(2 * time.Second) // a few more of the daemon's loops: nothing goes twice
	if a, b := phone.transmitted(m.ID), phone.transmitted(m2.ID); a != 1 || b != 1 {
		t.Fatalf("transmitted %d and %d times, want once each", a, b)
	}
}
