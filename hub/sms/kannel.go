package sms

import (
	"context"
	"crypto/subtle"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"
	"unicode/utf8"
)

// Kannel sends through smsbox's HTTP sendsms interface and receives
// through two callbacks smsbox makes to the hub's SMS listener (Handler):
//
//	sms-service get-url = "http://HUB/sms/in?key=KEY&from=%p&to=%P&coding=%c&text=%b"
//	dlr-url (set per message)  "http://HUB/sms/dlr?key=KEY&id=ID&type=%d&answer=%A"
//
// The listener is on a loopback address by default: smsbox runs beside
// the hub, and the callbacks carry only the shared key.
type Kannel struct {
	SendURL  string // smsbox's sendsms, e.g. http://127.0.0.1:13013/cgi-bin/sendsms
	User     string // sendsms-user's username
	Password string // and its password
	From     string // the duty room's sender number
	// CallbackURL is the base smsbox calls for delivery reports, e.g.
	// http://127.0.0.1:7480; empty asks for no reports.
	CallbackURL string
	Key         string // shared with smsbox's URLs; empty accepts any caller of the listener
	Client      *http.Client
}

// Name implements Gateway.
func (k *Kannel) Name() string { return "kannel" }

// kannelClient keeps a connection to smsbox open for each of the queue's
// workers between sends, instead of the default transport's two.
var kannelClient = &http.Client{Timeout: 15 * time.Second,
	Transport: &http.Transport{MaxIdleConnsPerHost: 16, IdleConnTimeout: 90 * time.Second}}

// Send implements Gateway: one GET to sendsms. smsbox answers 202 with
// "0: Accepted for delivery" or "3: Queued for later delivery"; a 4xx is
// a refusal (wrong user, bad number) and fails the message, a 5xx or no
// answer is the gateway down and is retried.
func (k *Kannel) Send(ctx context.Context, m Outgoing) (Result, error) {
	q := url.Values{}
	q.Set("username", k.User)
	q.Set("password", k.Password)
	if k.From != "" {
		q.Set("from", k.From)
	}
	q.Set("to", m.To)
	q.Set("text", m.Text)
	q.Set("charset", "UTF-8")
	if _, gsm := gsmUnits(m.Text); !gsm {
		q.Set("coding", "2") // UCS-2: Chinese
	}
	// A text of several parts is split and concatenated by smsbox, up to
	// its sendsms-user's max-messages (docs/sms.md: 4, as MaxParts).
	if k.CallbackURL != "" {
		dlr := strings.TrimRight(k.CallbackURL, "/") + "/sms/dlr?key=" + url.QueryEscape(k.Key) +
			"&id=" + url.QueryEscape(m.ID) + "&type=%d&answer=%A"
		q.Set("dlr-mask", "31") // delivered, failed, buffered, submitted, rejected
		q.Set("dlr-url", dlr)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, k.SendURL+"?"+q.Encode(), nil)
	if err != nil {
		return Result{}, fmt.Errorf("kannel sendsms URL %q: %v", k.SendURL, err)
	}
	client := k.Client
	if client == nil {
		client = kannelClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return Result{}, &TemporaryError{fmt.Errorf("kannel smsbox unreachable: %v", err)}
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	answer := strings.TrimSpace(string(body))
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		return Result{State: Sent}, nil
	case resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests:
		return Result{}, &TemporaryError{fmt.Errorf("kannel smsbox answered %d: %s", resp.StatusCode, answer)}
	default:
		return Result{}, fmt.Errorf("kannel smsbox refused the message (%d): %s", resp.StatusCode, answer)
	}
}

// Handler serves smsbox's callbacks: /sms/in (a reply) and /sms/dlr (a
// delivery report). It answers 200 with an empty body, so that smsbox
// sends no SMS back (the sms-service sets max-messages = 0 as well).
func (k *Kannel) Handler(sink Sink) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/sms/in", func(w http.ResponseWriter, r *http.Request) {
		if !k.keyOK(r) {
			http.Error(w, "wrong key", http.StatusForbidden)
			return
		}
		in, err := ParseKannelInbound(r.URL.Query())
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		in.At = time.Now()
		sink.Reply(in)
	})
	mux.HandleFunc("/sms/dlr", func(w http.ResponseWriter, r *http.Request) {
		if !k.keyOK(r) {
			http.Error(w, "wrong key", http.StatusForbidden)
			return
		}
		rep, ok, err := ParseKannelDLR(r.URL.Query())
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if ok {
			rep.At = time.Now()
			sink.Report(rep)
		}
	})
	return mux
}

func (k *Kannel) keyOK(r *http.Request) bool {
	if k.Key == "" {
		return true
	}
	return subtle.ConstantTimeCompare([]byte(r.URL.Query().Get("key")), []byte(k.Key)) == 1
}

// MaxInboundText bounds a received text we keep (runes): a concatenated
// reply of a few parts at most.
const MaxInboundText = 1000

// ParseKannelInbound reads get-url's parameters: from (%p), text (%b, the
// message's bytes) and coding (%c: 0 7-bit, 1 8-bit, 2 UCS-2). smsbox
// gives UCS-2 texts as UTF-16BE bytes; others as they came, which we
// take as UTF-8 and else as Latin-1, so no reply is lost to its
// encoding.
func ParseKannelInbound(q url.Values) (Inbound, error) {
	from := NormaliseNumber(q.Get("from"))
	if from == "" {
		return Inbound{}, fmt.Errorf("the reply names no sender (from)")
	}
	if len(from) > 32 {
		return Inbound{}, fmt.Errorf("the sender %q is longer than 32 characters", from[:32])
	}
	raw := q.Get("text")
	var text string
	switch q.Get("coding") {
	case "2":
		if len(raw)%2 != 0 {
			return Inbound{}, fmt.Errorf("a UCS-2 text of %d bytes (odd)", len(raw))
		}
		u := make([]uint16, len(raw)/2)
		for i := range u {
			u[i] = uint16(raw[2*i])<<8 | uint16(raw[2*i+1])
		}
		text = string(utf16.Decode(u))
	case "", "0", "1":
		text = decodeBytes(raw)
	default:
		return Inbound{}, fmt.Errorf("unknown coding %q (want 0, 1 or 2)", q.Get("coding"))
	}
	text = strings.TrimSpace(text)
	if utf8.RuneCountInString(text) > MaxInboundText {
		return Inbound{}, fmt.Errorf("the reply is longer than %d characters", MaxInboundText)
	}
	return Inbound{From: from, Text: text}, nil
}

// decodeBytes takes UTF-8 as is and anything else as Latin-1.
func decodeBytes(raw string) string {
	if utf8.ValidString(raw) {
		return raw
	}
	r := make([]rune, len(raw))
	for i := 0; i < len(raw); i++ {
		r[i] = rune(raw[i])
	}
	return string(r)
}

// ParseKannelDLR reads a dlr-url call: id (ours), type (%d) and answer
// (%A, the SMSC's words). Type 1 is delivered, 2 and 16 failed; 4
// (buffered) and 8 (submitted to the SMSC) change nothing, so ok is
// false.
func ParseKannelDLR(q url.Values) (Report, bool, error) {
	id := q.Get("id")
	if id == "" || len(id) > 64 {
		return Report{}, false, fmt.Errorf("the delivery report names no message id")
	}
	typ, err := strconv.Atoi(q.Get("type"))
	if err != nil {
		return Report{}, false, fmt.Errorf("delivery report type %q is not a number", q.Get("type"))
	}
	answer := q.Get("answer")
	if utf8.RuneCountInString(answer) > 200 {
		answer = string([]rune(answer)[:200])
	}
	switch typ {
	case 1:
		return Report{ID: id, State: Delivered}, true, nil
	case 2, 16:
		reason := "the operator reports it undelivered"
		if answer != "" {
			reason += ": " + decodeBytes(answer)
		}
		return Report{ID: id, State: Failed, Reason: reason}, true, nil
	case 4, 8:
		return Report{}, false, nil
	}
	return Report{}, false, fmt.Errorf("unknown delivery report type %d", typ)
}
