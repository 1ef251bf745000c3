package ui

import (
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"dutyroom/app"
	"dutyroom/app/syncer"
	"dutyroom/app/wire"
)

// fakeHub stands in for the sync client: it records what the window asks
// and lets the test play the engine's news.
type fakeHub struct {
	mu       sync.Mutex
	status   syncer.Status
	watchers map[int]func(syncer.Status)
	next     int

	connects    [][4]string
	confirmed   []string
	disconnects int
	kicks       int
	connectErr  error
}

func newFakeHub(s syncer.Status) *fakeHub {
	return &fakeHub{status: s, watchers: map[int]func(syncer.Status){}}
}

func (h *fakeHub) Status() syncer.Status {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.status
}

func (h *fakeHub) Watch(fn func(syncer.Status)) func() {
	h.mu.Lock()
	defer h.mu.Unlock()
	id := h.next
	h.next++
	h.watchers[id] = fn
	return func() {
		h.mu.Lock()
		defer h.mu.Unlock()
		delete(h.watchers, id)
	}
}

// set plays a status change from the engine.
func (h *fakeHub) set(s syncer.Status) {
	h.mu.Lock()
	h.status = s
	var fns []func(syncer.Status)
	for _, fn := range h.watchers {
		fns = append(fns, fn)
	}
	h.mu.Unlock()
	for _, fn := range fns {
		fn(s)
	}
}

func (h *fakeHub) Connect(addr, pin, user, password string) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.connects = append(h.connects, [4]string{addr, pin, user, password})
	return h.connectErr
}

func (h *fakeHub) ConfirmPin(pin string) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.confirmed = append(h.confirmed, pin)
	return nil
}

func (h *fakeHub) Disconnect() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.disconnects++
	return nil
}

func (h *fakeHub) Kick() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.kicks++
}

func newHubUI(t *testing.T, f *fakeStore, h *fakeHub) *UI {
	t.Helper()
	a := test.NewTempApp(t)
	svc := f.services()
	svc.Hub = h
	u := New(a, svc)
	t.Cleanup(u.win.Close)
	return u
}

var testPin = strings.Repeat("3f9a", 16)

// The status bar gives one word for the connection, and the engine's
// count of queued changes while it runs.
func TestStatusBarSaysWhyItIsOffline(t *testing.T) {
	h := newFakeHub(syncer.Status{})
	u := newHubUI(t, newDemo().store, h)
	for _, tc := range []struct {
		status syncer.Status
		word   string
	}{
		{syncer.Status{}, "未连接"},
		{syncer.Status{Addr: "wss://10.0.0.5:7443", Running: true, State: syncer.State{NextTry: time.Now().Add(time.Second), Err: "connection refused"}}, "正在重连"},
		{syncer.Status{Addr: "wss://10.0.0.5:7443", Running: true, State: syncer.State{NeedLogin: true, ErrCode: wire.CodeUnauthorized, Err: "wrong password"}}, "需要登录"},
		{syncer.Status{Addr: "wss://10.0.0.5:7443", Running: true, State: syncer.State{PinToConfirm: testPin, ErrCode: "pin", Err: "confirm"}}, "证书待确认"},
		{syncer.Status{Addr: "wss://10.0.0.5:7443", Running: true, State: syncer.State{Online: true, Queued: 3}}, "在线"},
		{syncer.Status{Addr: "wss://10.0.0.5:7443", Pin: testPin, LoggedIn: true}, "未连接"},
	} {
		h.set(tc.status)
		if got := u.status.online.Text; got != tc.word {
			t.Errorf("status %+v: the bar says %q, want %q", tc.status, got, tc.word)
		}
	}
	h.set(syncer.Status{Running: true, State: syncer.State{Online: true, Queued: 3}})
	if got := u.status.queued.Text; got != "待同步 3 条" {
		t.Errorf("queued = %q, want the engine's 3", got)
	}
	if u.status.online.Importance != widget.SuccessImportance {
		t.Error("online is not shown as good news")
	}
}

// Without a hub the bar keeps saying offline, as before sync existed.
func TestStatusBarWithoutHubSaysOffline(t *testing.T) {
	u := newTestUI(t, newDemo().store)
	if got := u.status.online.Text; got != lang.L("status.offline") {
		t.Errorf("online = %q", got)
	}
	if !u.settings.hub.connect.Disabled() {
		t.Error("the connect button works without a sync client")
	}
}

// A change made in the window is sent at once, not at the next poll.
func TestChangesKickTheHub(t *testing.T) {
	d := newDemo()
	h := newFakeHub(syncer.Status{Running: true})
	u := newHubUI(t, d.store, h)
	u.nav.open("directory")
	test.Tap(row(t, u, "李四").remove)
	test.Tap(findButton(t, overlay(t, u), "删除"))
	if h.kicks == 0 {
		t.Error("a change did not kick the engine")
	}
}

// Operations arriving from the hub show in the open directory without
// anyone touching the window.
func TestArrivalsReloadTheDirectory(t *testing.T) {
	d := newDemo()
	d.store.identity = d.xiangxi.ID
	h := newFakeHub(syncer.Status{Running: true, State: syncer.State{Online: true}})
	u := newHubUI(t, d.store, h)
	u.nav.open("directory")
	revealStation(u.directory.stationTree, u.directory.data.tree, d.jishou.ID)
	if hasText(u.directory.content, "赵六") {
		t.Fatal("the newcomer is there before arriving")
	}
	d.store.mu.Lock()
	d.store.addPerson(d.jishou.ID, "赵六", "值班员", "13700001111", "", app.RoleOfficer)
	d.store.mu.Unlock()
	h.set(syncer.Status{Running: true, State: syncer.State{Online: true, Received: 1}})
	if !hasText(u.directory.content, "赵六") {
		t.Errorf("the person who arrived from the hub is not shown: %v", texts(u.directory.content))
	}
}

// The settings flow of a first connection: address, user and password;
// the hub's pin shown for confirmation; confirming passes exactly that pin
// on; the password leaves the screen once sent.
func TestHubSettingsFirstConnection(t *testing.T) {
	h := newFakeHub(syncer.Status{})
	u := newHubUI(t, newDemo().store, h)
	u.nav.open("settings")
	s := u.settings.hub
	if got := s.state.Text; got != "未连接：尚未设置中心。" {
		t.Errorf("state before anything is set: %q", got)
	}
	test.Type(s.addr, "wss://10.0.0.5:7443")
	test.Type(s.user, "jishou")
	test.Type(s.password, "demo-password")
	test.Tap(s.connect)
	if len(h.connects) != 1 || h.connects[0] != [4]string{"wss://10.0.0.5:7443", "", "jishou", "demo-password"} {
		t.Fatalf("connect calls %q", h.connects)
	}
	if s.password.Text != "" {
		t.Error("the password stays in the form after connecting")
	}
	if s.pinBox.Visible() {
		t.Error("a pin is offered before the hub presented one")
	}

	h.set(syncer.Status{Addr: "wss://10.0.0.5:7443", Account: "jishou", Running: true,
		State: syncer.State{PinToConfirm: testPin, ErrCode: "pin", Err: "the hub presents a certificate with pin ..."}})
	if !s.pinBox.Visible() {
		t.Fatal("the presented pin is not shown for confirmation")
	}
	if got := s.pinShown.Text; got != wire.FormatPin(testPin) {
		t.Errorf("pin shown as %q, want it grouped in fours like dutyhub pin", got)
	}
	if got := s.state.Text; got != "证书待确认：请核对下方的证书指纹。" {
		t.Errorf("state = %q", got)
	}
	if got := s.err.Text; got != "第一次连接这个中心，需要先核对它的证书指纹。" {
		t.Errorf("error = %q", got)
	}
	test.Tap(s.confirmPin)
	if len(h.confirmed) != 1 || h.confirmed[0] != testPin {
		t.Fatalf("confirmed %q, want the presented pin", h.confirmed)
	}

	h.set(syncer.Status{Addr: "wss://10.0.0.5:7443", Pin: testPin, Account: "jishou", LoggedIn: true, Running: true,
		State: syncer.State{Online: true, User: "jishou"}})
	if s.pinBox.Visible() || s.err.Visible() {
		t.Error("the pin box or an error stays after going online")
	}
	if got := s.state.Text; got != "在线：以 jishou 登录，修改即时同步。" {
		t.Errorf("state = %q", got)
	}
	if s.disconnect.Disabled() {
		t.Fatal("cannot disconnect while online")
	}
	test.Tap(s.disconnect)
	if h.disconnects != 1 {
		t.Error("disconnect did not reach the client")
	}
}

// The kept settings fill the form; a changed pin is a warning, not a
// question; a refused login asks for the password again.
func TestHubSettingsShowsProblemsInPlainWords(t *testing.T) {
	h := newFakeHub(syncer.Status{Addr: "wss://10.0.0.5:7443", Pin: testPin, Account: "jishou", LoggedIn: true})
	u := newHubUI(t, newDemo().store, h)
	u.nav.open("settings")
	s := u.settings.hub
	if s.addr.Text != "wss://10.0.0.5:7443" || s.user.Text != "jishou" || s.pin.Text != wire.FormatPin(testPin) {
		t.Errorf("form not filled from the kept settings: %q %q %q", s.addr.Text, s.user.Text, s.pin.Text)
	}
	if got := s.state.Text; got != "未连接：已手动断开。修改会先保存在本机，连接后再发送。" {
		t.Errorf("state = %q", got)
	}

	other := strings.Repeat("0c", 32)
	h.set(syncer.Status{Addr: "wss://10.0.0.5:7443", Pin: testPin, Account: "jishou", Running: true,
		State: syncer.State{PinToConfirm: other, ErrCode: "pin", Err: "the hub's certificate has pin 0c0c..., not the expected 3f9a..."}})
	if !strings.Contains(s.err.Text, "可能不是本单位的中心") {
		t.Errorf("a changed pin reads %q", s.err.Text)
	}
	if !s.detail.Visible() || !strings.Contains(s.detail.Text, "not the expected") {
		t.Errorf("the hub's own words are not shown as detail: %q", s.detail.Text)
	}

	h.set(syncer.Status{Addr: "wss://10.0.0.5:7443", Pin: testPin, Account: "jishou", Running: true,
		State: syncer.State{NeedLogin: true, ErrCode: wire.CodeUnauthorized, Err: "wrong user name or password"}})
	if got := u.status.online.Text; got != "需要登录" {
		t.Errorf("status bar = %q", got)
	}
	if !strings.Contains(s.err.Text, "用户名或密码不对") {
		t.Errorf("a refused login reads %q", s.err.Text)
	}

	h.set(syncer.Status{Addr: "wss://10.0.0.5:7443", Pin: testPin, Account: "jishou", Running: true,
		State: syncer.State{NextTry: time.Date(2026, 7, 1, 8, 30, 5, 0, time.Local), Err: "cannot reach the hub at 10.0.0.5:7443: connection refused"}})
	if got := s.state.Text; got != "正在重连：下次尝试 08:30:05。修改会先保存在本机。" {
		t.Errorf("state = %q", got)
	}
	if !strings.Contains(s.err.Text, "连不上中心") {
		t.Errorf("an unreachable hub reads %q", s.err.Text)
	}
	// News from the engine never overwrites what someone is typing.
	s.addr.SetText("wss://10.0.0.9:7443")
	h.set(h.Status())
	if s.addr.Text != "wss://10.0.0.9:7443" {
		t.Error("the engine's news overwrote the address being typed")
	}
}

// What the client refuses is shown in the words of the field it is about.
func TestHubSettingsFormErrors(t *testing.T) {
	h := newFakeHub(syncer.Status{})
	u := newHubUI(t, newDemo().store, h)
	u.nav.open("settings")
	s := u.settings.hub
	for field, want := range map[string]string{
		"addr":     "中心地址应为 wss://主机:端口",
		"pin":      "64 位十六进制数字",
		"user":     "请填写中心管理员给本值班室的用户名",
		"password": "请输入密码登录",
	} {
		h.connectErr = app.FieldErrorf(field, "refused")
		test.Type(s.password, "x")
		test.Tap(s.connect)
		if !s.formError.Visible() || !strings.Contains(s.formError.Text, want) {
			t.Errorf("error about %s reads %q, want %q", field, s.formError.Text, want)
		}
		if s.password.Text == "" {
			t.Errorf("a refused connect (%s) threw the typed password away", field)
		}
		s.password.SetText("")
	}
}

// English too: every word of the card is translated.
func TestHubWordsInEnglish(t *testing.T) {
	inLanguage(t, "en")
	h := newFakeHub(syncer.Status{})
	u := newHubUI(t, newDemo().store, h)
	h.set(syncer.Status{Running: true, State: syncer.State{PinToConfirm: testPin}})
	if got := u.status.online.Text; got != "Certificate to confirm" {
		t.Errorf("status bar = %q", got)
	}
}
