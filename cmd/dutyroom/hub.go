package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"dutyroom/app"
	"dutyroom/app/syncer"
	"dutyroom/app/wire"
	"dutyroom/hub"
	"dutyroom/hub/sfu"
	"dutyroom/store"
	"dutyroom/wsdial"
)

// dialHub checks a hub address and returns the websocket transport to it.
func dialHub(addr, pin string) (syncer.Transport, error) {
	if _, err := wsdial.SyncURL(addr); err != nil {
		return nil, err
	}
	return &wsdial.Dialer{Addr: addr, Pin: pin}, nil
}

// hubClient is the sync client of the data folder, on db.
func (m *Main) hubClient(db *store.DB, log *slog.Logger) (*syncer.Client, error) {
	return syncer.NewClient(syncer.ClientConfig{
		File:   syncer.DefaultHubFile(m.DataDir),
		Store:  db,
		Dial:   dialHub,
		Client: "dutyroom " + Version,
		Logger: log,
		Engine: m.engine,
	})
}

// openForHub opens the store, saying where to go instead while the window
// holds it: the window syncs on its own.
func (m *Main) openForHub() (*store.DB, error) {
	db, err := m.open()
	if app.ErrorCode(err) == app.ELOCKED {
		return nil, app.Errorf(app.ELOCKED, "%s; while the window is open it syncs by itself: see 设置 → 联网", app.ErrorMessage(err))
	}
	return db, err
}

// quietLog keeps the engine's routine lines off a terminal: a command says
// what happened in its own words, and only warnings get through.
func (m *Main) quietLog() *slog.Logger {
	return slog.New(slog.NewTextHandler(m.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

func (m *Main) runHub(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return errUsage{"hub needs a subcommand: connect, status or disconnect"}
	}
	db, err := m.openForHub()
	if err != nil {
		return err
	}
	c, err := m.hubClient(db, m.quietLog())
	if err != nil {
		return err
	}
	defer c.Close()
	switch args[0] {
	case "connect":
		return m.runHubConnect(c, args[1:])
	case "status":
		return m.printHubStatus(ctx, db, c)
	case "disconnect":
		if err := c.Disconnect(); err != nil {
			return err
		}
		fmt.Fprintln(m.Stdout, "disconnected; changes keep queueing until the next dutyroom hub connect")
		return nil
	}
	return errUsage{fmt.Sprintf("unknown hub subcommand %q (want connect, status or disconnect)", args[0])}
}

// runHubConnect logs in once and keeps the session for the window and for
// dutyroom sync. It never asks whether to trust a pin: a script cannot
// check one, so a new hub's pin must be given with --pin.
func (m *Main) runHubConnect(c *syncer.Client, args []string) error {
	fs := m.flags("hub connect")
	addr := fs.String("addr", "", "the hub, wss://host:port")
	user := fs.String("user", "", "the account's user name")
	pin := fs.String("pin", "", "the hub's certificate pin, as dutyhub pin prints it")
	timeout := fs.Duration("timeout", 30*time.Second, "how long to wait for the hub")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *addr == "" || *user == "" {
		return errUsage{"hub connect needs --addr wss://HOST:PORT and --user NAME (the password is read from standard input)"}
	}
	password, err := readPassword(m.Stdin, m.Stdout)
	if err != nil {
		return err
	}
	if err := c.Connect(*addr, *pin, *user, password); err != nil {
		return err
	}
	s, err := waitHub(c, *timeout, func(s syncer.Status) bool { return s.Reason() != syncer.ReasonReconnecting || s.Err != "" })
	if err != nil {
		return err
	}
	switch s.Reason() {
	case syncer.ReasonOnline:
		fmt.Fprintf(m.Stdout, "logged in to %s as %s; the session is kept in %s\n", s.Addr, s.User, syncer.DefaultHubFile(m.DataDir))
		return nil
	case syncer.ReasonConfirmPin:
		if s.Pin != "" {
			return app.Errorf(app.EFORBIDDEN, "%s presents the certificate pin %s, not the given %s: this may not be your hub", s.Addr, wire.FormatPin(s.PinToConfirm), wire.FormatPin(s.Pin))
		}
		return app.Errorf(app.EFORBIDDEN, "%s presents the certificate pin\n  %s\ncheck it with the hub's administrator (dutyhub pin), then run again with --pin '%s'", s.Addr, wire.FormatPin(s.PinToConfirm), wire.FormatPin(s.PinToConfirm))
	}
	return fmt.Errorf("not logged in: %s", s.Err)
}

func (m *Main) printHubStatus(ctx context.Context, db *store.DB, c *syncer.Client) error {
	conf := c.Config()
	tw := newTable(m.Stdout)
	if conf.Addr == "" {
		fmt.Fprintln(tw, "hub:\tnone set (dutyroom hub connect --addr wss://HOST:PORT --user NAME)")
	} else {
		fmt.Fprintf(tw, "hub:\t%s\n", conf.Addr)
		pin := "not confirmed yet"
		if conf.Pin != "" {
			pin = wire.FormatPin(conf.Pin)
		}
		fmt.Fprintf(tw, "pin:\t%s\n", pin)
		fmt.Fprintf(tw, "user:\t%s\n", conf.User)
		switch {
		case conf.Token == "":
			fmt.Fprintln(tw, "session:\tnone; log in with dutyroom hub connect")
		case !conf.Expires.IsZero() && conf.Expires.Before(time.Now()):
			fmt.Fprintf(tw, "session:\texpired %s; log in again\n", conf.Expires.Local().Format(time.DateTime))
		case !conf.Expires.IsZero():
			fmt.Fprintf(tw, "session:\tkept, expires %s\n", conf.Expires.Local().Format(time.DateTime))
		default:
			fmt.Fprintln(tw, "session:\tkept")
		}
		sync := "on"
		if conf.Off {
			sync = "off (disconnected by hand)"
		}
		fmt.Fprintf(tw, "sync:\t%s\n", sync)
	}
	me, err := store.NewIdentity(db).Identity(ctx)
	switch {
	case err == nil:
		fmt.Fprintf(tw, "station:\t%s (%s)\n", me.Name, me.Code)
	case app.ErrorCode(err) == app.ENOTFOUND:
		fmt.Fprintln(tw, "station:\tnot chosen; its changes wait until it is")
	default:
		return err
	}
	n, err := db.OutboxLen(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(tw, "queued:\t%d changes\n", n)
	epoch, pos, err := db.SyncCursor(ctx)
	if err != nil {
		return err
	}
	if epoch == "" {
		fmt.Fprintln(tw, "read:\tnothing from a hub yet")
	} else {
		fmt.Fprintf(tw, "read:\tto position %d of epoch %s\n", pos, epoch)
	}
	return tw.Flush()
}

// runSync does one round with the hub for scripts: send what is queued,
// take in what the hub has, then exit; non-zero when the round could not
// finish.
func (m *Main) runSync(args []string) error {
	fs := m.flags("sync")
	timeout := fs.Duration("timeout", time.Minute, "how long the round may take")
	if err := fs.Parse(args); err != nil {
		return err
	}
	db, err := m.openForHub()
	if err != nil {
		return err
	}
	c, err := m.hubClient(db, m.quietLog())
	if err != nil {
		return err
	}
	defer c.Close()
	conf := c.Config()
	if err := m.hubSet(conf); err != nil {
		return err
	}
	// Attachment contents an interrupted intake left owed go in this round.
	if _, err := store.NewIncidents(db).SendContents(context.Background()); err != nil {
		return err
	}
	before, err := db.OutboxLen(context.Background())
	if err != nil {
		return err
	}
	c.Start()
	s, err := waitHub(c, *timeout, func(s syncer.Status) bool {
		switch s.Reason() {
		case syncer.ReasonOnline:
			return s.CaughtUp && !s.Rejoining && (s.Queued == 0 || s.ErrCode == wire.CodeForbidden || s.ErrCode == wire.CodeConflict)
		case syncer.ReasonReconnecting:
			return s.Err != "" && !s.NextTry.IsZero()
		}
		return true
	})
	if err != nil {
		return err
	}
	if s.Reason() != syncer.ReasonOnline {
		if s.PinToConfirm != "" {
			return app.Errorf(app.EFORBIDDEN, "the hub's certificate pin is %s, not the confirmed one; nothing was sent", wire.FormatPin(s.PinToConfirm))
		}
		return fmt.Errorf("no round with %s: %s", conf.Addr, s.Err)
	}
	if s.Queued > 0 {
		return app.Errorf(app.EFORBIDDEN, "%d changes not sent: %s", s.Queued, s.Err)
	}
	fmt.Fprintf(m.Stdout, "sent %d, received %d, queued 0; read to position %d\n", before, s.Received, s.Position)
	if s.Rejoined > 0 {
		fmt.Fprintf(m.Stdout, "took back %d of this station's operations from the hub (this folder was behind it)\n", s.Rejoined)
	}
	if s.ErrCode != "" {
		fmt.Fprintf(m.Stderr, "dutyroom: warning: %s\n", s.Err)
	}
	return nil
}

// waitHub polls the client until done holds or the time is up.
// hubSet says why the hub cannot be asked by this folder's settings alone:
// none is set, or sync was switched off by hand.
func (m *Main) hubSet(conf syncer.HubConfig) error {
	switch {
	case conf.Addr == "":
		return app.Errorf(app.ENOTFOUND, "no hub is set for %s; first: dutyroom hub connect --addr wss://HOST:PORT --user NAME", m.DataDir)
	case conf.Off:
		return app.Errorf(app.EFORBIDDEN, "sync is switched off for %s (disconnected by hand); connect again with dutyroom hub connect or in 设置 → 联网", m.DataDir)
	}
	return nil
}

// online starts the sync client and waits until it is connected, for a
// question only the hub answers now (what: where the answer lives, for the
// error); or says why it is not.
func (m *Main) online(c *syncer.Client, timeout time.Duration, what string) error {
	conf := c.Config()
	if err := m.hubSet(conf); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	c.Start()
	s, err := waitHub(c, timeout, func(s syncer.Status) bool {
		r := s.Reason()
		return r == syncer.ReasonOnline || (r == syncer.ReasonReconnecting && s.Err != "" && !s.NextTry.IsZero()) ||
			r == syncer.ReasonNeedLogin || r == syncer.ReasonConfirmPin
	})
	if err != nil {
		return err
	}
	if s.Reason() != syncer.ReasonOnline {
		return fmt.Errorf("%s, which %s cannot reach now: %s", what, conf.Addr, s.Err)
	}
	return nil
}

func waitHub(c *syncer.Client, timeout time.Duration, done func(syncer.Status) bool) (syncer.Status, error) {
	deadline := time.Now().Add(timeout)
	for {
		s := c.Status()
		if done(s) {
			return s, nil
		}
		if time.Now().After(deadline) {
			msg := "no answer"
			if s.Err != "" {
				msg = s.Err
			}
			return s, fmt.Errorf("gave up after %s: %s", timeout, msg)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// readPassword reads one line. A terminal echoes it: type it where nobody
// reads over the shoulder, or pipe it in.
func readPassword(in io.Reader, prompt io.Writer) (string, error) {
	if f, ok := in.(*os.File); ok {
		if info, err := f.Stat(); err == nil && info.Mode()&os.ModeCharDevice != 0 {
			fmt.Fprint(prompt, "password: ")
		}
	}
	line, err := bufio.NewReader(in).ReadString('\n')
	if err != nil && !(errors.Is(err, io.EOF) && line != "") {
		return "", app.Errorf(app.EINVALID, "no password on standard input")
	}
	if line = strings.TrimRight(line, "\r\n"); line == "" {
		return "", app.Errorf(app.EINVALID, "no password on standard input")
	}
	return line, nil
}

// runStationExport writes the tree for `dutyhub station import`.
func (m *Main) runStationExport(ctx context.Context, dir *store.Directory, args []string) error {
	if len(args) != 1 {
		return errUsage{"station export needs one argument: the file to write (- for standard output)"}
	}
	stations, err := dir.Stations(ctx)
	if err != nil {
		return err
	}
	people, err := dir.Persons(ctx, app.PersonFilter{})
	if err != nil {
		return err
	}
	// The people go with the tree: the hub learns whose they are, so that
	// changes to people it never saw created (the demo's, an import's)
	// can be judged rather than refused.
	data, err := json.MarshalIndent(hub.Directory{Stations: stationsForHub(stations), People: people}, "", "  ")
	if err != nil {
		return err
	}
	data = append(data, '\n')
	if args[0] == "-" {
		_, err = m.Stdout.Write(data)
		return err
	}
	if err := os.WriteFile(args[0], data, 0o644); err != nil {
		return fmt.Errorf("cannot write %s: %w", args[0], err)
	}
	fmt.Fprintf(m.Stdout, "wrote %d stations and %d people to %s\n", len(stations), len(people), args[0])
	return nil
}

// localHub is the hub a client hosts in-process for a single-machine
// set-up (-serve).
type localHub struct {
	addr, pin string
	cancel    context.CancelFunc
	done      chan error
}

// localAccountPrefix names the account the in-process hub makes for its
// own client. Nobody knows its password: only this program logs it in,
// through Server.IssueSession.
const localAccountPrefix = "local-"

// serveHub starts a hub with its data in DIR/hub, gives it the client's
// tree when it has none, and logs the client into it. It returns once the
// hub listens, or with the reason it cannot.
func (m *Main) serveHub(ctx context.Context, listen string, db *store.DB, c *syncer.Client, log *slog.Logger) (*localHub, error) {
	ctx, cancel := context.WithCancel(ctx)
	h := &localHub{cancel: cancel, done: make(chan error, 1)}
	ready := make(chan error, 1)
	// The in-process hub routes consultation video too, on every
	// interface of this machine; it opens a consultation's room when the
	// host's start arrives.
	router, err := sfu.New(sfu.Config{Logger: log, Recordings: filepath.Join(m.DataDir, "hub", sfu.RecordingsFolder)})
	if err != nil {
		cancel()
		return nil, err
	}
	go func() {
		defer router.Shutdown()
		h.done <- hub.Run(ctx, hub.RunConfig{
			Dir:    filepath.Join(m.DataDir, "hub"),
			Listen: listen,
			Server: hub.Config{Logger: log, Signalling: router, Observe: router.Observe, Replay: sfu.ObservedKinds, ExtraMetrics: router.WriteMetrics,
				Recordings: filepath.Join(m.DataDir, "hub", sfu.RecordingsFolder)},
			Ready: func(srv *hub.Server, addr, pin string) {
				h.addr, h.pin = clientAddr(addr), pin
				fmt.Fprintf(m.Stderr, "dutyroom: hub serving %s, data in %s\ndutyroom: certificate pin (SHA-256): %s\n",
					h.addr, filepath.Join(m.DataDir, "hub"), wire.FormatPin(h.pin))
				ready <- m.joinLocalHub(ctx, srv, db, c, h.addr, pin, log)
			},
		})
	}()
	select {
	case err := <-ready:
		if err != nil {
			h.stop()
			return nil, err
		}
		return h, nil
	case err := <-h.done:
		cancel()
		if err == nil {
			err = errors.New("the hub stopped at once")
		}
		return nil, err
	}
}

// stop ends the hub and waits for it to close its file.
func (h *localHub) stop() error {
	h.cancel()
	err := <-h.done
	h.done <- err // a second stop sees the same
	return err
}

// clientAddr is how this machine's client reaches a hub listening on addr:
// a hub on every interface is reached on loopback.
func clientAddr(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "wss://" + addr
	}
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return "wss://" + net.JoinHostPort(host, port)
}

func (m *Main) joinLocalHub(ctx context.Context, srv *hub.Server, db *store.DB, c *syncer.Client, addr, pin string, log *slog.Logger) error {
	me, err := store.NewIdentity(db).Identity(ctx)
	if app.ErrorCode(err) == app.ENOTFOUND {
		log.Warn("the hub serves, but this client cannot log in to it until its station is chosen; choose it, then start again")
		return nil
	} else if err != nil {
		return err
	}
	known, err := srv.DB().Stations()
	if err != nil {
		return err
	}
	people, err := store.NewDirectory(db).Persons(ctx, app.PersonFilter{})
	if err != nil {
		return err
	}
	if len(known) == 0 {
		stations, err := store.NewDirectory(db).Stations(ctx)
		if err != nil {
			return err
		}
		if err := srv.ImportDirectory(hub.Directory{Stations: stationsForHub(stations), People: people}); err != nil {
			return fmt.Errorf("giving the hub this client's stations: %w", err)
		}
	} else if len(people) > 0 {
		// A hub made by an older version knows the tree but not whose
		// the folder's people are; it learns those it does not know (the
		// ones it knows keep their owners), so that changes to them are
		// judged rather than refused as of an unknown owner.
		if err := srv.ImportDirectory(hub.Directory{People: people}); err != nil {
			log.Warn("the hub could not learn the owners of this folder's people; changes to those it never saw created will be refused", "err", app.ErrorMessage(err))
		}
	}
	user := localAccountPrefix + me.Code
	exists, err := hasAccount(srv.DB(), user)
	if err != nil {
		return err
	}
	if exists {
		// Each start opens a new session; the last one's is of no use.
		if _, err := srv.DB().RevokeSessions(user); err != nil {
			return err
		}
	} else {
		secret := make([]byte, 32)
		if _, err := rand.Read(secret); err != nil {
			return err
		}
		if err := srv.DB().AddUser(user, me.ID.String(), base64.RawURLEncoding.EncodeToString(secret)); err != nil {
			return fmt.Errorf("the hub's account for this client: %w", err)
		}
	}
	token, sess, err := srv.IssueSession(user)
	if err != nil {
		return err
	}
	if err := c.UseSession(addr, pin, user, token, sess.Expires); err != nil {
		return err
	}
	fmt.Fprintf(m.Stderr, "dutyroom: %s is logged in to it as %s\n", me.Name, user)
	return nil
}

func hasAccount(db *hub.DB, name string) (bool, error) {
	users, err := db.Users()
	if err != nil {
		return false, err
	}
	for _, u := range users {
		if u.Name == name {
			return true, nil
		}
	}
	return false, nil
}
