package hub

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"dutyroom/app"
)

// RunConfig is everything Run needs: the data folder, the address, and how
// to serve.
type RunConfig struct {
	Dir    string
	Listen string // host:port
	// PlainLoopback serves plain ws instead of wss. It is refused unless
	// Listen is a loopback address: on a network the pin is what keeps a
	// duty room from talking to an impostor.
	PlainLoopback bool
	Server        Config
	// Backups is when the hub backs its database up by itself (backups.go).
	Backups BackupSchedule

	// Ready, when set, is called once the hub listens, with the server,
	// the address (the real port when Listen asked for port 0) and the
	// certificate's pin ("" over plain ws). A program hosting the hub
	// in-process uses srv to give its own client a session.
	Ready func(srv *Server, addr, pin string)
}

// Run opens the hub's database, serves until ctx ends, then stops cleanly.
// It is the whole server behind `dutyhub -data DIR -listen ADDR` and the
// client's `-serve ADDR`.
func Run(ctx context.Context, cfg RunConfig) error {
	if cfg.Listen == "" {
		return app.Errorf(app.EINVALID, "no listen address given")
	}
	host, _, err := net.SplitHostPort(cfg.Listen)
	if err != nil {
		return app.Errorf(app.EINVALID, "listen address %q: %v (want host:port, e.g. 0.0.0.0:7443)", cfg.Listen, err)
	}
	if cfg.PlainLoopback && !IsLoopback(host) {
		return app.Errorf(app.EINVALID, "plain ws is allowed on a loopback address only (127.0.0.1, ::1, localhost), not %q; serve wss instead", host)
	}
	db, err := Open(cfg.Dir)
	if err != nil {
		return err
	}
	defer db.Close()
	var tlsConfig *tls.Config
	pin := ""
	if !cfg.PlainLoopback {
		cert, p, err := LoadOrCreateCertificate(cfg.Dir, host)
		if err != nil {
			return err
		}
		pin = p
		tlsConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS13}
	}
	srv, err := NewServer(db, cfg.Server)
	if err != nil {
		return err
	}
	defer srv.Close()
	stopBackups, err := db.startBackups(cfg.Backups, srv.log)
	if err != nil {
		return err
	}
	defer stopBackups()
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return app.Errorf(app.EINTERNAL, "cannot listen on %s: %v", cfg.Listen, err)
	}
	ln = srv.Limit(ln)
	if tlsConfig != nil {
		ln = tls.NewListener(ln, tlsConfig)
	}
	hs := &http.Server{
		Handler:           srv.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		// Failed TLS handshakes (port scanners, clients with the wrong
		// pin) are routine: keep them out of the operator's way.
		ErrorLog: slog.NewLogLogger(srv.log.Handler(), slog.LevelDebug),
	}
	srv.log.Info("dutyhub listening", "addr", ln.Addr().String(), "tls", tlsConfig != nil, "pin", pin, "epoch", db.Epoch(), "data", db.Path())
	if cfg.Ready != nil {
		cfg.Ready(srv, ln.Addr().String(), pin)
	}
	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()
	select {
	case err := <-served:
		return fmt.Errorf("serving: %w", err)
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = hs.Shutdown(shutdown)
	if err := <-served; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// IsLoopback reports whether host names this machine only.
func IsLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
