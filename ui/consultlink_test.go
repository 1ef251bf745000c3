package ui

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"dutyroom/app"
	"dutyroom/app/consult"
)

// fakeLinks is the hub's room.link as the window sees it.
type fakeLinks struct {
	mu    sync.Mutex
	asked []string
	err   error
	now   func() time.Time
}

func (f *fakeLinks) JoinLink(ctx context.Context, id app.ID, user string) (consult.JoinLink, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.asked = append(f.asked, user)
	if f.err != nil {
		return consult.JoinLink{}, f.err
	}
	return consult.JoinLink{Room: id, User: user, URL: "https://10.0.0.5:7443/join#code=abc123", Expires: f.now().Add(15 * time.Minute)}, nil
}

// hostRoom is 吉首市 hosting a live consultation with 湘西州, its window
// open, links and messages at hand.
func hostRoom(t *testing.T, links *fakeLinks) (*consultDemo, *UI, *consultRoom, *fakeMessages) {
	t.Helper()
	d := newConsultDemo(t)
	links.now = func() time.Time { return d.now }
	c := consult.Consultation{Title: "防汛调度", Invited: []app.ID{d.xiangxi.ID}}
	if err := d.consults.Schedule(t.Context(), &c); err != nil {
		t.Fatal(err)
	}
	msgs := newFakeMessages(d.store)
	s := d.services()
	s.Consultations, s.Media, s.JoinLinks, s.Messages = d.consults, d.media, links, msgs
	s.Author = "刘值班"
	u := New(test.NewTempApp(t), s)
	t.Cleanup(u.win.Close)
	u.nav.open("consultation")
	return d, u, roomOf(t, u), msgs
}

// The host makes a link for a leader of the directory: an unknown leader
// and a missing account are said beside their fields and ask the hub
// nothing; the link is shown with its expiry, copied, and sent as a
// message to the leader's duty room.
func TestBrowserLinkForALeader(t *testing.T) {
	links := &fakeLinks{}
	d, u, r, msgs := hostRoom(t, links)
	if !r.link.Visible() {
		t.Fatal("the host has no 浏览器入会链接 button")
	}
	dl := r.openLinkDialog()
	if !(len(dl.options) > 0) {
		t.Fatalf("no the leaders")
	}
	if n := len(dl.options); n < 3 || dl.options[n-1] != "黄镇长（乾州街道）" || !strings.Contains(strings.Join(dl.options, " "), "张三（吉首市）") {
		t.Errorf("leaders offered: %v, want those of the consultation's stations first", dl.options)
	}

	dl.person.SetText("赵六")
	test.Tap(dl.ask)
	if !dl.personErr.Visible() || !strings.Contains(dl.personErr.Text, "通讯录中没有") {
		t.Errorf("an unknown leader: %q", dl.personErr.Text)
	}
	dl.person.SetText("张三")
	test.Tap(dl.ask)
	if dl.personErr.Visible() || !dl.accountErr.Visible() || !strings.Contains(dl.accountErr.Text, "联网账号") {
		t.Errorf("no account: person %q, account %q", dl.personErr.Text, dl.accountErr.Text)
	}
	if len(links.asked) != 0 {
		t.Fatalf("the hub was asked with bad input: %v", links.asked)
	}

	dl.account.SetText("jishou-leader")
	test.Tap(dl.ask)
	if !(dl.result.Visible()) {
		t.Fatalf("no the link")
	}
	if dl.url.Text != "https://10.0.0.5:7443/join#code=abc123" || !strings.Contains(dl.expires.Text, "10:15") || !strings.Contains(dl.expires.Text, "张三") {
		t.Errorf("shown: %q / %q", dl.url.Text, dl.expires.Text)
	}
	test.Tap(dl.copy)
	if got := u.app.Clipboard().Content(); got != dl.url.Text {
		t.Errorf("clipboard %q", got)
	}

	// 张三 sits at the host station itself: no duty room is chosen for
	// him, and sending without one is said beside the button.
	test.Tap(dl.send)
	if !dl.sendErr.Visible() {
		t.Error("sending to nobody says nothing")
	}
	dl.to.SetSelected("湘西州")
	test.Tap(dl.send)
	if !(dl.sent.Visible() && strings.Contains(dl.sent.Text, "湘西州")) {
		t.Fatalf("no the message")
	}
	msgs.mu.Lock()
	defer msgs.mu.Unlock()
	if len(msgs.msgs) != 1 {
		t.Fatalf("%d messages sent", len(msgs.msgs))
	}
	for _, m := range msgs.msgs {
		if len(m.To) != 1 || m.To[0] != d.xiangxi.ID || !strings.Contains(m.Text, "https://10.0.0.5:7443/join#code=abc123") || !strings.Contains(m.Text, "jishou-leader") {
			t.Errorf("message: %+v", m)
		}
	}
}

// The hub's refusals are said plainly: offline under the button, an
// unknown account beside the account.
func TestBrowserLinkRefusals(t *testing.T) {
	links := &fakeLinks{err: &app.Error{Code: app.EINTERNAL, Field: consult.LinkOffline, Message: "offline"}}
	_, _, r, _ := hostRoom(t, links)
	dl := r.openLinkDialog()
	dl.account.SetText("xiangxi-leader")
	test.Tap(dl.ask)
	if !(dl.askErr.Visible()) {
		t.Fatalf("no the refusal")
	}
	if !strings.Contains(dl.askErr.Text, "未连接联网中心") || dl.result.Visible() {
		t.Errorf("offline: %q", dl.askErr.Text)
	}
	links.mu.Lock()
	links.err = &app.Error{Code: app.EINVALID, Field: consult.LinkAccount, Message: "no account"}
	links.mu.Unlock()
	test.Tap(dl.ask)
	if !(dl.accountErr.Visible()) {
		t.Fatalf("no the refusal")
	}
	if !strings.Contains(dl.accountErr.Text, "没有这个账号") {
		t.Errorf("unknown account: %q", dl.accountErr.Text)
	}
}

// An invited station's window offers no link: only the host gives them.
func TestBrowserLinkOnlyForTheHost(t *testing.T) {
	d := newConsultDemo(t)
	d.fromPrefecture()
	s := d.services()
	s.Consultations, s.Media, s.JoinLinks = d.consults, d.media, &fakeLinks{now: time.Now}
	u := New(test.NewTempApp(t), s)
	t.Cleanup(u.win.Close)
	u.nav.open("consultation")
	test.Tap(u.consultRing.accept)
	if u.room == nil || u.room.link.Visible() {
		t.Fatal("an invited station is offered a browser link")
	}
}
