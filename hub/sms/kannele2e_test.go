package sms

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"dutyroom/app"
	"dutyroom/app/warning"
	"dutyroom/app/wire"
)

// kannelRig is bearerbox and smsbox on loopback ports, the hub's callback
// listener, and fakesmsc as the operator's centre and the phones.
type kannelRig struct {
	t      *testing.T
	dir    string
	conf   string
	k      *Kannel
	ln     net.Listener
	smsc   int
	send   int
	smsbox *exec.Cmd
	phone  []*lines // what each receiving fakesmsc took
	stopPh func()   // ends the receiving fakesmsc
}

func newKannelRig(t *testing.T) *kannelRig {
	t.Helper()
	r := &kannelRig{t: t, dir: t.TempDir()}
	admin, boxes := freePort(t), freePort(t)
	r.smsc, r.send = freePort(t), freePort(t)
	var err error
	if r.ln, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	r.k = &Kannel{SendURL: fmt.Sprintf("http://127.0.0.1:%d/cgi-bin/sendsms", r.send), User: "dutyhub", Password: "pw",
		From: "10086", CallbackURL: "http://" + r.ln.Addr().String(), Key: "k3y"}
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
`, admin, boxes, r.smsc, boxes, r.send, r.ln.Addr().String())
	r.conf = filepath.Join(r.dir, "kannel.conf")
	if err := os.WriteFile(r.conf, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	startProc(t, r.dir, "bearerbox", nil, bearerboxBin, r.conf)
	waitFor(t, "bearerbox", listening(boxes))
	r.startSMSBox()
	return r
}

// serve answers smsbox's callbacks into q.
func (r *kannelRig) serve(q *Queue) {
	hs := &http.Server{Handler: r.k.Handler(q), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = hs.Serve(r.ln) }()
	r.t.Cleanup(func() { _ = hs.Close() })
}

func (r *kannelRig) startSMSBox() {
	r.t.Helper()
	r.smsbox, _ = startProc(r.t, r.dir, "smsbox", nil, smsboxBin, r.conf)
	waitFor(r.t, "smsbox", listening(r.send))
}

func (r *kannelRig) stopSMSBox() {
	r.t.Helper()
	_ = r.smsbox.Process.Kill()
	_ = r.smsbox.Wait()
	waitFor(r.t, "smsbox to be gone", func() bool { return !listening(r.send)() })
}

// phones runs fakesmsc receiving: it prints each message the operator's
// centre takes. The fake centre serves one fakesmsc at a time, so a
// phone's reply waits for stopPhones.
func (r *kannelRig) phones() {
	r.t.Helper()
	pr, pw, err := os.Pipe()
	if err != nil {
		r.t.Fatal(err)
	}
	r.t.Cleanup(func() { pw.Close() })
	cmd, out := startProc(r.t, r.dir, "fakesmsc (receiving)", pr, fakesmscBin, "-H", "127.0.0.1", "-r", fmt.Sprint(r.smsc), "-m", "0")
	r.phone = append(r.phone, out)
	r.stopPh = func() {
		pw.Close()
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	}
}

// received counts the messages fakesmsc took for number with text. It
// prints each as "Got message N: <from to ucs-2 TEXT>", the text's UCS-2
// bytes URL-encoded.
func (r *kannelRig) received(number, text string) int {
	n := 0
	head := "10086 " + number + " ucs-2 "
	var all strings.Builder
	for _, p := range r.phone {
		all.WriteString(p.String())
	}
	for _, l := range strings.Split(all.String(), "\n") {
		i := strings.Index(l, head)
		if !strings.Contains(l, "Got message") || i < 0 {
			continue
		}
		raw, err := url.QueryUnescape(strings.TrimSuffix(strings.TrimSpace(l[i+len(head):]), ">"))
		if err != nil {
			continue
		}
		if in, err := ParseKannelInbound(url.Values{"from": {number}, "coding": {"2"}, "text": {raw}}); err == nil && in.Text == text {
			n++
		}
	}
	return n
}

// reply sends one message from number as a phone would, through a second
// fakesmsc; the receiving one must be stopped first (stopPh).
func (r *kannelRig) reply(number, text string) {
	r.t.Helper()
	cmd, out := startProc(r.t, r.dir, "fakesmsc (replying)", nil, fakesmscBin, "-H", "127.0.0.1", "-r", fmt.Sprint(r.smsc), "-m", "1", "-i", "0.1",
		fmt.Sprintf("%s 10086 ucs2 %s", number, ucs2URL(text)))
	// It stays connected after sending, and would take the centre's next
	// messages: once its one is sent, it goes.
	waitFor(r.t, "the phone's reply sent", func() bool { return strings.Contains(out.String(), "sent message 1") })
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
}

// TestKannelCarriesARedWarningToAVillageOfficerAndTheAnswerSigns runs
// bearerbox, smsbox and fakesmsc with a real hub: a red warning from the
// prefecture's client reaches the village officer's number at the
// operator's centre, is reported delivered, and the officer's reply
// shows as the village's 短信签收 in the prefecture's progress. Then
// smsbox stops: the next warning's message is retried quietly, every
// station's status says the gateway is down, and when smsbox is back the
// message goes once and the gateway is up again.
func TestKannelCarriesARedWarningToAVillageOfficerAndTheAnswerSigns(t *testing.T) {
	rig := newKannelRig(t)
	rig.phones()
	h := startE2EHub(t, rig.k)
	rig.serve(h.queue)
	tr := h.tree
	town := h.client("t", tr.T)
	officer := town.addOfficer(tr.V, "向信息员", "13800001111")
	pref := h.client("p", tr.P)
	pref.caughtUp()

	w := pref.issueRed("乾州街道一带地质灾害风险极高，请立即组织巡查和转移。")
	m := h.messageOf(w, officer)
	waitFor(t, "the message at the operator's centre", func() bool { return rig.received("13800001111", m.Text) == 1 })
	waitFor(t, "the delivery report", func() bool {
		got, _ := h.queue.Message(m.ID)
		return got.State == Delivered
	})
	rig.stopPh()
	rig.reply("13800001111", "收到"+m.Code)
	ack := pref.smsAck(w, tr.V.ID)
	if ack.Via != warning.ViaSMS || ack.Person != "向信息员" || ack.Number != "138****1111" || ack.RecordedBy != app.NilID {
		t.Fatalf("the village's acknowledgement: %+v, want 短信签收 by 向信息员 from 138****1111", ack)
	}

	gatewayAt := func(c *e2eClient) wire.SMSGateway {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		env, err := c.eng.Request(ctx, wire.TypeSMSGateway, nil)
		if err != nil {
			t.Fatal(err)
		}
		g, err := wire.DecodeSMSGateway(env)
		if err != nil {
			t.Fatal(err)
		}
		return g
	}
	if g := gatewayAt(town); !g.On || g.Down {
		t.Fatalf("the gateway with smsbox up: %+v", g)
	}

	rig.phones()
	rig.stopSMSBox()
	w2 := pref.issueRed("乾州街道一带降雨持续，地质灾害风险仍然极高。")
	var down wire.SMSGateway
	waitFor(t, "the township told the gateway is down", func() bool {
		down = gatewayAt(town)
		return down.Down
	})
	if down.DownSince.IsZero() || down.LastError == "" || strings.Contains(down.LastError, "13800001111") {
		t.Fatalf("the outage as the township sees it: %+v", down)
	}
	var m2 Message
	waitFor(t, "the second message retried while smsbox is down", func() bool {
		ms, _ := h.queue.Messages()
		for _, x := range ms {
			if x.Event == WarningEvent(w2.ID) && x.Attempts >= 2 && x.State == Queued {
				m2 = x
				return true
			}
		}
		return false
	})
	rig.startSMSBox()
	waitFor(t, "the waiting message at the operator's centre once smsbox is back", func() bool {
		return rig.received("13800001111", m2.Text) >= 1
	})
	waitFor(t, "the gateway up again", func() bool { return !gatewayAt(town).Down })
	time.Sleep(time.Second) // a few more of the queue's rounds: nothing goes twice
	if a, b := rig.received("13800001111", m.Text), rig.received("13800001111", m2.Text); a != 1 || b != 1 {
		t.Fatalf("the centre took the messages %d and %d times, want once each", a, b)
	}
}
