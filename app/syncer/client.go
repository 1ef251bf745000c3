package syncer

import (
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"dutyroom/app"
	"dutyroom/app/wire"
)

// HubFileName is the file in a client's data folder that says which hub it
// syncs with. It is a file of its own, not a record in the data file,
// because it holds a session token: backups copy the data file whole and
// travel on USB sticks, and a restored backup must not bring back an old
// hub or session. It is written with permissions 0600.
const HubFileName = "hub.json"

// HubConfig is what a client keeps of its hub. The password is never kept:
// it is held in memory until the hub answers the login, and the session
// token the hub returns is kept instead.
type HubConfig struct {
	Addr    string    `json:"addr,omitempty"` // wss://host:port, or host:port
	Pin     string    `json:"pin,omitempty"`  // SHA-256 of the hub's certificate, confirmed by someone
	User    string    `json:"user,omitempty"`
	Token   string    `json:"token,omitempty"`
	Expires time.Time `json:"expires,omitzero"`
	// Off is set when someone disconnected by hand: the client does not
	// connect at the next start until someone connects again.
	Off bool `json:"off,omitempty"`
}

// LoadHubConfig reads the file; a missing file is an empty config.
func LoadHubConfig(path string) (HubConfig, error) {
	var c HubConfig
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return c, nil
	}
	if err != nil {
		return c, app.Errorf(app.EINTERNAL, "cannot read the hub settings %s: %v", path, err)
	}
	if err := json.Unmarshal(data, &c); err != nil {
		return c, app.Errorf(app.ECORRUPT, "the hub settings %s are damaged (%v); remove the file and connect again", path, err)
	}
	return c, nil
}

// SaveHubConfig writes the file beside itself and renames it into place,
// so a crash leaves the old settings or the new, never half of them.
func SaveHubConfig(path string, c HubConfig) error {
	data, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return err
	}
	tmp := path + ".partial"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return app.Errorf(app.EINTERNAL, "cannot write the hub settings: %v", err)
	}
	_, err = f.Write(append(data, '\n'))
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return app.Errorf(app.EINTERNAL, "cannot write the hub settings: %v", err)
	}
	return nil
}

// Reason is the one word the status bar gives for the connection.
type Reason int

const (
	ReasonNotConnected Reason = iota // no hub set, or disconnected by hand
	ReasonOnline
	ReasonReconnecting // trying, and will try again
	ReasonNeedLogin    // waiting for a password
	ReasonConfirmPin   // waiting for someone to confirm the certificate's pin
	ReasonSecondFolder // another data folder syncs as this station; this one stopped sending
)

// Status is the engine's State with what the client knows of its hub.
type Status struct {
	State
	Addr     string // the hub's address, "" when none is set
	Pin      string // the confirmed pin, "" until one is
	Account  string // the user name logged in with
	LoggedIn bool   // a session token is kept
	Running  bool   // an engine is trying to sync
}

// Reason says why the client is offline, or that it is online.
func (s Status) Reason() Reason {
	switch {
	case s.Online:
		return ReasonOnline
	case !s.Running:
		return ReasonNotConnected
	case s.PinToConfirm != "":
		return ReasonConfirmPin
	case s.NeedLogin:
		return ReasonNeedLogin
	case s.ErrCode == CodeSecondFolder:
		return ReasonSecondFolder
	}
	return ReasonReconnecting
}

// Hub is the connection to the hub as the window sees it: what to show,
// and the few things a person does with it. Client implements it.
type Hub interface {
	Status() Status
	// Watch calls fn with the status after every change, from any
	// goroutine, until stop is called; stop waits for a call in progress.
	Watch(fn func(Status)) (stop func())
	// Connect sets the hub and logs in. With a password it opens a new
	// session; without one it reuses the kept session of the same user
	// on the same hub. A pin given here is trusted without asking; ""
	// keeps the confirmed one for the same hub, or asks on first use.
	// EINVALID with the field ("addr", "pin", "user", "password").
	Connect(addr, pin, user, password string) error
	// ConfirmPin trusts the pin the hub presented and connects again.
	ConfirmPin(pin string) error
	// Disconnect stops syncing until Connect; changes keep queueing.
	Disconnect() error
	// Kick says the outbox has something new, to send it now.
	Kick()
}

// ClientConfig sets up a Client.
type ClientConfig struct {
	File  string // the hub settings file, normally DIR/hub.json
	Store Store
	// Dial checks an address and returns the transport to it with the
	// pin; the engine's Transport comes from here.
	Dial   func(addr, pin string) (Transport, error)
	Client string // program and version, for the hub's log
	Logger *slog.Logger
	// Tuning for the engines; Store, Transport, Token, Login and the
	// callbacks are set by the Client.
	Engine Config
}

// Client runs the sync engine for one data folder: it keeps the hub
// settings file, starts and stops engines as the settings change, and
// tells watchers the status. It implements Hub.
type Client struct {
	cfg ClientConfig
	log *slog.Logger

	// life serialises starting and stopping: an engine being replaced
	// calls back into mu, so waiting for it must not hold mu.
	life sync.Mutex

	mu      sync.Mutex
	conf    HubConfig
	status  Status
	gen     int // which engine's callbacks count; older ones are ignored
	eng     *Engine
	cancel  context.CancelFunc
	done    chan struct{}
	pending *wire.Login // a login the hub has not answered yet; memory only

	watchMu  sync.Mutex // held while watchers are called, so stop waits
	watchers map[int]func(Status)
	nextW    int
}

var _ Hub = (*Client)(nil)

// NewClient reads the settings file. Start begins syncing.
func NewClient(cfg ClientConfig) (*Client, error) {
	if cfg.Store == nil || cfg.Dial == nil || cfg.File == "" {
		return nil, errors.New("syncer.NewClient needs a store, a dial function and a settings file")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	conf, err := LoadHubConfig(cfg.File)
	if err != nil {
		return nil, err
	}
	c := &Client{cfg: cfg, log: cfg.Logger, conf: conf, watchers: map[int]func(Status){}}
	c.status = c.statusFrom(State{})
	if n, err := cfg.Store.OutboxLen(context.Background()); err == nil {
		c.status.Queued = n
	}
	return c, nil
}

// DefaultHubFile is the settings file of a data folder.
func DefaultHubFile(dataDir string) string { return filepath.Join(dataDir, HubFileName) }

// Config returns the settings as kept.
func (c *Client) Config() HubConfig {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.conf
}

// Start begins syncing when a hub is set and nobody disconnected by hand.
// It reports whether an engine runs.
func (c *Client) Start() bool {
	c.life.Lock()
	defer c.life.Unlock()
	c.mu.Lock()
	conf := c.conf
	c.mu.Unlock()
	if conf.Addr == "" || conf.Off {
		return false
	}
	if err := c.start(nil); err != nil {
		c.log.Warn("cannot start syncing", "err", err)
		return false
	}
	return true
}

// Close stops the engine and waits for it. The settings stay as they are,
// so the next start connects again.
func (c *Client) Close() {
	c.life.Lock()
	defer c.life.Unlock()
	c.stop()
}

func (c *Client) Status() Status {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.status
}

func (c *Client) Watch(fn func(Status)) (stop func()) {
	c.watchMu.Lock()
	id := c.nextW
	c.nextW++
	c.watchers[id] = fn
	c.watchMu.Unlock()
	return func() {
		c.watchMu.Lock()
		delete(c.watchers, id)
		c.watchMu.Unlock()
	}
}

// notify hands the latest status to every watcher. It reads the status
// under watchMu, so watchers see changes in order even when two
// goroutines notify at once.
func (c *Client) notify() {
	c.watchMu.Lock()
	defer c.watchMu.Unlock()
	s := c.Status()
	for _, fn := range c.watchers {
		fn(s)
	}
}

func (c *Client) Kick() {
	c.mu.Lock()
	eng := c.eng
	c.mu.Unlock()
	if eng != nil {
		eng.Kick()
	}
}

func (c *Client) Connect(addr, pin, user, password string) error {
	addr, user = strings.TrimSpace(addr), strings.TrimSpace(user)
	if addr == "" {
		return app.FieldErrorf("addr", "enter the hub's address, e.g. wss://10.0.0.5:7443")
	}
	if _, err := c.cfg.Dial(addr, ""); err != nil {
		return asField("addr", err)
	}
	if pin = strings.TrimSpace(pin); pin != "" {
		if pin = wire.NormalisePin(pin); pin == "" {
			return app.FieldErrorf("pin", "a pin is the SHA-256 of the hub's certificate: 64 hexadecimal digits, as dutyhub pin prints them")
		}
	}
	if user == "" {
		return app.FieldErrorf("user", "enter the user name the hub's administrator gave this duty room")
	}

	c.life.Lock()
	defer c.life.Unlock()
	c.mu.Lock()
	conf := c.conf
	c.mu.Unlock()
	if !sameAddr(conf.Addr, addr) {
		// Another hub: its certificate and sessions are its own.
		conf.Pin, conf.Token, conf.Expires = "", "", time.Time{}
	}
	if pin != "" {
		conf.Pin = pin
	}
	var login *wire.Login
	switch {
	case password != "":
		login = &wire.Login{User: user, Password: password}
		conf.Token, conf.Expires = "", time.Time{}
	case conf.Token == "" || conf.User != user:
		return app.FieldErrorf("password", "enter the password to log in")
	}
	conf.Addr, conf.User, conf.Off = addr, user, false
	return c.replace(conf, login)
}

func (c *Client) ConfirmPin(pin string) error {
	p := wire.NormalisePin(pin)
	if p == "" {
		return app.FieldErrorf("pin", "%q is not a certificate pin (64 hexadecimal digits)", pin)
	}
	c.life.Lock()
	defer c.life.Unlock()
	c.mu.Lock()
	conf, login := c.conf, c.pending
	c.mu.Unlock()
	if conf.Addr == "" {
		return app.FieldErrorf("addr", "no hub is set")
	}
	conf.Pin, conf.Off = p, false
	return c.replace(conf, login)
}

// UseSession sets the hub and a session opened by other means: the
// in-process hub of a single-machine set-up logging its own client in.
func (c *Client) UseSession(addr, pin, user, token string, expires time.Time) error {
	if _, err := c.cfg.Dial(addr, pin); err != nil {
		return err
	}
	c.life.Lock()
	defer c.life.Unlock()
	return c.replace(HubConfig{Addr: addr, Pin: wire.NormalisePin(pin), User: user, Token: token, Expires: expires}, nil)
}

func (c *Client) Disconnect() error {
	c.life.Lock()
	defer c.life.Unlock()
	c.stop()
	c.mu.Lock()
	conf := c.conf
	conf.Off = true
	err := SaveHubConfig(c.cfg.File, conf)
	if err == nil {
		c.conf = conf
	}
	c.pending = nil
	c.status = c.statusFrom(State{Queued: c.status.Queued})
	c.mu.Unlock()
	c.notify()
	return err
}

// replace saves conf and runs a new engine on it. The caller holds life.
func (c *Client) replace(conf HubConfig, login *wire.Login) error {
	c.stop()
	if err := SaveHubConfig(c.cfg.File, conf); err != nil {
		return err
	}
	c.mu.Lock()
	c.conf = conf
	c.mu.Unlock()
	return c.start(login)
}

// start runs an engine on the kept settings, logging in with login when
// given, else with the kept token. The caller holds life.
func (c *Client) start(login *wire.Login) error {
	c.mu.Lock()
	conf := c.conf
	c.mu.Unlock()
	tr, err := c.cfg.Dial(conf.Addr, conf.Pin)
	if err != nil {
		return asField("addr", err)
	}
	ecfg := c.cfg.Engine
	ecfg.Store, ecfg.Transport, ecfg.Client, ecfg.Logger = c.cfg.Store, tr, c.cfg.Client, c.log
	ecfg.Token, ecfg.Login = conf.Token, login
	if login != nil {
		ecfg.Token = ""
	}

	c.mu.Lock()
	c.gen++
	gen := c.gen
	ecfg.OnState = func(s State) { c.onState(gen, s) }
	ecfg.OnToken = func(token string, expires time.Time) { c.onToken(gen, token, expires) }
	eng := New(ecfg)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	c.eng, c.cancel, c.done, c.pending = eng, cancel, done, login
	c.status = c.statusFrom(State{Queued: c.status.Queued})
	c.status.Running = true
	c.mu.Unlock()
	c.notify()
	go func() {
		defer close(done)
		eng.Run(ctx)
	}()
	return nil
}

// Signal sends a consultation signalling frame through the running
// engine's connection (Engine.Signal); ErrOffline when there is none.
// Incoming signalling goes to ClientConfig.Engine.OnSignal.
func (c *Client) Signal(frame []byte) error {
	c.mu.Lock()
	eng := c.eng
	c.mu.Unlock()
	if eng == nil {
		return ErrOffline
	}
	return eng.Signal(frame)
}

// stop ends the engine, if one runs, and waits for it. The caller holds
// life and not mu.
func (c *Client) stop() {
	c.mu.Lock()
	cancel, done := c.cancel, c.done
	c.eng, c.cancel, c.done = nil, nil, nil
	c.gen++ // whatever the old engine still says is not news
	c.mu.Unlock()
	if cancel == nil {
		return
	}
	cancel()
	<-done
	c.mu.Lock()
	c.status = c.statusFrom(State{Queued: c.status.Queued})
	c.mu.Unlock()
	c.notify()
}

func (c *Client) onState(gen int, s State) {
	c.mu.Lock()
	if gen != c.gen {
		c.mu.Unlock()
		return
	}
	c.status = c.statusFrom(s)
	c.status.Running = true
	c.mu.Unlock()
	c.notify()
}

func (c *Client) onToken(gen int, token string, expires time.Time) {
	c.mu.Lock()
	if gen != c.gen {
		c.mu.Unlock()
		return
	}
	conf := c.conf
	conf.Token, conf.Expires = token, expires
	c.pending = nil // the hub took the password; the token stands for it now
	err := SaveHubConfig(c.cfg.File, conf)
	if err == nil {
		c.conf = conf
		c.status.LoggedIn = true
	}
	c.mu.Unlock()
	if err != nil {
		c.log.Error("cannot keep the session token; the next start will ask for the password", "err", err)
	}
	c.notify()
}

// statusFrom puts the kept settings beside an engine state. The caller
// holds mu.
func (c *Client) statusFrom(s State) Status {
	return Status{State: s, Addr: c.conf.Addr, Pin: c.conf.Pin, Account: c.conf.User, LoggedIn: c.conf.Token != ""}
}

// sameAddr compares two hub addresses as the dialer reads them.
func sameAddr(a, b string) bool {
	norm := func(s string) string {
		s = strings.ToLower(strings.TrimSpace(s))
		if !strings.Contains(s, "://") {
			s = "wss://" + s
		}
		return strings.TrimSuffix(s, "/")
	}
	return a != "" && norm(a) == norm(b)
}

// asField puts an EINVALID error without a field on field, so a form can
// show it beside the entry.
func asField(field string, err error) error {
	if app.ErrorCode(err) == app.EINVALID && app.ErrorField(err) == "" {
		return app.FieldErrorf(field, "%s", app.ErrorMessage(err))
	}
	return err
}
