package sms

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf16"
)

// Kannel's programs, from the Debian packages kannel and kannel-extras
// (make deps-test installs them).
const (
	bearerboxBin = "/usr/sbin/bearerbox"
	smsboxBin    = "/usr/sbin/smsbox"
	fakesmscBin  = "/usr/lib/kannel/test/fakesmsc"
)

// freePort picks a free port below Linux's ephemeral range (32768 and
// up): Kannel binds it only later, and a port the kernel handed out once
// may be handed to another test's connection in between, which made
// bearerbox fail to bind when the whole tree's tests ran at once.
func freePort(t testing.TB) int {
	t.Helper()
	for range 200 {
		port := 20000 + rand.IntN(12000)
		ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err != nil {
			continue
		}
		ln.Close()
		return port
	}
	t.Fatal("no free port between 20000 and 32000")
	return 0
}

// startProc runs a Kannel program until the test ends, its output in
// the test's folder for a failure's post-mortem.
func startProc(t testing.TB, dir, name string, stdin *os.File, args ...string) (*exec.Cmd, *lines) {
	t.Helper()
	if _, err := os.Stat(args[0]); err != nil {
		t.Fatalf("%s is not installed (Debian packages kannel and kannel-extras: make deps-test): %v", args[0], err)
	}
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Dir = dir
	cmd.Stdin = stdin
	out := &lines{}
	cmd.Stdout, cmd.Stderr = out, out
	// Wait must not hang on a pipe still open after the kill.
	cmd.WaitDelay = 2 * time.Second
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	if stdin != nil {
		stdin.Close() // the child holds its own copy
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("%s output:\n%s", name, out.String())
		}
	})
	return cmd, out
}

// lines collects a process's output.
type lines struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lines) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lines) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func waitFor(t testing.TB, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("waited 30 s for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func listening(port int) func() bool {
	return func() bool {
		c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err == nil {
			c.Close()
		}
		return err == nil
	}
}

// ucs2URL is a text as fakesmsc's "ucs2" message type takes it: UTF-16BE
// bytes, URL-encoded.
func ucs2URL(s string) string {
	var b []byte
	for _, c := range utf16.Encode([]rune(s)) {
		b = append(b, byte(c>>8), byte(c))
	}
	return url.QueryEscape(string(b))
}

// TestKannelCarriesAWarningToThePhoneAndTheReplyBack runs bearerbox,
// smsbox and fakesmsc (Kannel's fake operator centre) on loopback ports:
// the queue sends a Chinese message with a reply code through smsbox's
// sendsms, fakesmsc receives it, its delivery report comes back through
// the dlr-url and marks the message delivered, then fakesmsc answers
// with the code as a phone
// would, and smsbox's get-url brings the reply to the hub's listener,
// where it answers the message.
func TestKannelCarriesAWarningToThePhoneAndTheReplyBack(t *testing.T) {
	dir := t.TempDir()
	answered := make(chan Message, 1)
	q, err := Open(openDB(t), nil, Config{Answered: func(m Message, in Inbound) { answered <- m }})
	if err != nil {
		t.Fatal(err)
	}
	k, smsc := startKannel(t, dir, q)
	q.gw = k
	// fakesmsc with no message of its own waits on its input and prints
	// what the operator's centre receives.
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pw.Close() })
	phone, phoneOut := startProc(t, dir, "fakesmsc (receiving)", pr, fakesmscBin, "-H", "127.0.0.1", "-r", fmt.Sprint(smsc), "-m", "0")

	text := "【湘西州应急局】暴雨红色预警：吉首市未来6小时降雨将达100毫米以上，请立即组织巡查。收到请回复{code}签收"
	m, err := q.Enqueue(Request{Event: "warning:e2e", Person: "p1", To: "13800000001", Text: text, WantReply: true})
	if err != nil {
		t.Fatal(err)
	}
	if m.Parts != 1 {
		t.Fatalf("the test text takes %d parts; keep it within one SMS", m.Parts)
	}
	long, err := q.Enqueue(Request{Event: "warning:e2e", Person: "p2", To: "13800000002", Text: strings.Repeat("暴雨红色预警。", 20)})
	if err != nil || long.Parts != 3 {
		t.Fatalf("a 140-character text: %d parts, %v", long.Parts, err)
	}
	q.SendDue(context.Background())
	if got, _ := q.Message(m.ID); got.State != Sent && got.State != Delivered {
		t.Fatalf("after sendsms: %s %q", got.State, got.Reason)
	}
	// fakesmsc prints "Got message N: <from to ucs-2 URL-encoded UTF-16BE>".
	want := "10086 13800000001 ucs-2 "
	var line string
	waitFor(t, "the message at fakesmsc", func() bool {
		sc := bufio.NewScanner(strings.NewReader(phoneOut.String()))
		for sc.Scan() {
			if i := strings.Index(sc.Text(), want); i >= 0 {
				line = strings.TrimSuffix(sc.Text()[i+len(want):], ">")
				return true
			}
		}
		return false
	})
	// The long text arrives as three concatenated parts.
	waitFor(t, "three parts of the long text at fakesmsc", func() bool {
		return strings.Count(phoneOut.String(), "10086 13800000002 ") == 3
	})
	raw, err := url.QueryUnescape(line)
	if err != nil {
		t.Fatal(err)
	}
	got, err := ParseKannelInbound(url.Values{"from": {"1"}, "coding": {"2"}, "text": {raw}})
	if err != nil || got.Text != m.Text {
		t.Fatalf("fakesmsc received %q (%v), want %q", got.Text, err, m.Text)
	}
	// The fake centre reports delivery; smsbox calls the dlr-url.
	waitFor(t, "the delivery report", func() bool {
		got, _ := q.Message(m.ID)
		return got.State == Delivered
	})
	pw.Close()
	_ = phone.Process.Kill()
	_ = phone.Wait()

	// The phone answers: a second fakesmsc sends one message and leaves.
	reply := fmt.Sprintf("13800000001 10086 ucs2 %s", ucs2URL("收到"+m.Code))
	startProc(t, dir, "fakesmsc (replying)", nil, fakesmscBin, "-H", "127.0.0.1", "-r", fmt.Sprint(smsc), "-m", "1", "-i", "0.1", reply)
	select {
	case a := <-answered:
		if a.ID != m.ID || a.Reply != "收到"+m.Code {
			t.Fatalf("answered %+v", a)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the reply did not reach the hub in 30 s")
	}
}

// startKannel runs bearerbox and smsbox on loopback ports, with the
// queue's callback listener, and returns the gateway and the port
// fakesmsc connects to.
func startKannel(t testing.TB, dir string, q *Queue) (*Kannel, int) {
	admin, boxes, smsc, sendsms := freePort(t), freePort(t), freePort(t), freePort(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	k := &Kannel{SendURL: fmt.Sprintf("http://127.0.0.1:%d/cgi-bin/sendsms", sendsms), User: "dutyhub", Password: "pw",
		From: "10086", CallbackURL: "http://" + ln.Addr().String(), Key: "k3y"}
	hs := &http.Server{Handler: k.Handler(q), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = hs.Serve(ln) }()
	t.Cleanup(func() { _ = hs.Close() })
	conf := fmt.Sprintf(`group = core
admin-port = %d
admin-password = secret
admin-interface = 127.0.0.1
smsbox-port = %d
box-allow-ip = 127.0.0.1
dlr-storage = internal
log-level = 1

group = smsc
smsc = fake
smsc-id = fake
port = %d
connect-allow-ip = 127.0.0.1

group = smsbox
bearerbox-host = 127.0.0.1
bearerbox-port = %d
sendsms-port = %d
sendsms-interface = 127.0.0.1

group = sendsms-user
username = dutyhub
password = pw
max-messages = 4
concatenation = true

group = sms-service
keyword = default
get-url = "http://%s/sms/in?key=k3y&from=%%p&to=%%P&coding=%%c&text=%%b"
max-messages = 0
`, admin, boxes, smsc, boxes, sendsms, ln.Addr().String())
	confPath := filepath.Join(dir, "kannel.conf")
	if err := os.WriteFile(confPath, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	startProc(t, dir, "bearerbox", nil, bearerboxBin, confPath)
	waitFor(t, "bearerbox", listening(boxes))
	startProc(t, dir, "smsbox", nil, smsboxBin, confPath)
	waitFor(t, "smsbox", listening(sendsms))
	return k, smsc
}
