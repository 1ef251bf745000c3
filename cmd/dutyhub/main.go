// Command dutyhub is the server a prefecture runs so that its duty rooms
// sync: one binary, one data folder holding one bbolt file and the
// certificate.
//
//	dutyhub -data DIR -listen ADDR          serve (wss; -plain-loopback for ws on 127.0.0.1)
//	dutyhub -data DIR pin                   show the certificate's pin for clients to confirm
//	dutyhub -data DIR user add NAME STATION create an account for a station (code or id); password on stdin
//	dutyhub -data DIR user passwd NAME      change a password (ends the user's sessions)
//	dutyhub -data DIR user disable NAME     refuse the account and end its sessions
//	dutyhub -data DIR user logout NAME      end the user's sessions
//	dutyhub -data DIR user list             list the accounts
//	dutyhub -data DIR station import FILE   add a JSON list of stations, all or nothing
//	dutyhub -data DIR station list          list the station tree
//	dutyhub -data DIR backup FILE           write a consistent, checked copy of the database
//	dutyhub -data DIR backups               list the automatic backups in DIR/backups, newest first
//	dutyhub -data DIR check                 check the database for damage; exit status 1 if any is found
//	dutyhub -data DIR restore FILE          replace the database with a backup (new epoch)
//	dutyhub -data DIR room link --room R --user U
//	                                        print a one-time link to join room R from a browser as U
//
// The administration commands need the database to themselves: stop the
// hub first.
//
// Serving, the hub caps what strangers and stations can make it hold:
// -max-conns, -max-prelogin, -max-prelogin-per-addr and
// -max-browsers-per-station bound connections, -new-conns-per-addr and
// -new-conns-burst how fast one address may open them, -hello-wait the wait for a
// hello, -send-queue-mib what waits for one reader, -login-queue and
// -login-wait the wait for a password check, and -quota-ops-per-second,
// -quota-ops-burst and -quota-mib-per-day what one station may push. The
// defaults fit a prefecture; docs/protocol.md, "Limits", explains them.
//
// A serving hub backs its database up by itself, daily at -backup-at
// (local time, default 03:30) into DIR/backups, keeping -backup-keep
// generations (default 14; -1 for none); each backup is checked before it
// takes its name.
//
// The hub also routes the video of consultations (package hub/sfu). Its
// media go over UDP: -rtc-interfaces keeps them on the duty-room network,
// -rtc-ports bounds them for a firewall rule, -rtc-public-ip names the
// address behind a 1:1 NAT, and -ice-servers gives STUN/TURN servers to the
// hub and, in each room.joined, to its clients.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"dutyroom/app"
	"dutyroom/app/wire"
	"dutyroom/hub"
	"dutyroom/hub/sfu"
	"dutyroom/rtc/rtcconf"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("dutyhub", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := fs.String("data", "dutyhub-data", "the hub's data folder: database, certificate")
	listen := fs.String("listen", "0.0.0.0:7443", "address to serve on, host:port")
	plain := fs.Bool("plain-loopback", false, "serve plain ws instead of wss; only on a loopback address")
	var media mediaFlags
	fs.StringVar(&media.interfaces, "rtc-interfaces", "", "video consultations: network interfaces for media, comma-separated (default: all)")
	fs.StringVar(&media.ports, "rtc-ports", "", "video consultations: UDP port range for media, MIN-MAX (default: any)")
	fs.StringVar(&media.publicIP, "rtc-public-ip", "", "video consultations: the address a 1:1 NAT maps this host to")
	fs.StringVar(&media.servers, "ice-servers", "", "video consultations: STUN/TURN URLs, comma-separated; a TURN password comes from DUTYHUB_TURN_PASSWORD")
	fs.StringVar(&media.turnUser, "turn-user", "", "video consultations: the TURN user name")
	var limits limitFlags
	limits.register(fs)
	var rtcLimits sfuLimits
	rtcLimits.register(fs)
	var backups hub.BackupSchedule
	fs.StringVar(&backups.DailyAt, "backup-at", hub.DefaultBackupTime, "local time of the daily automatic backup, HH:MM")
	fs.IntVar(&backups.Keep, "backup-keep", hub.DefaultBackupKeep, "automatic backups kept in DIR/backups; -1 for none")
	var smsF smsFlags
	smsF.register(fs)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: dutyhub [-data DIR] [-listen ADDR] [-plain-loopback] [-rtc-interfaces LIST] [-rtc-ports MIN-MAX]")
		fmt.Fprintln(stderr, "              [-rtc-public-ip IP] [-ice-servers URLS] [-turn-user NAME] [-backup-at HH:MM] [-backup-keep N]")
		fmt.Fprintln(stderr, "              [-rtc-max-rooms-per-host N] [-rtc-max-participants N] [-rtc-max-peers N] [-rtc-max-candidates N]")
		fmt.Fprintln(stderr, "              [-rtc-max-links-per-room N]")
		fmt.Fprintln(stderr, "              [-record-max-mib N] [-record-max-length D] [-record-min-free-mib N]")
		fmt.Fprintln(stderr, "              [-max-conns N] [-max-prelogin N] [-max-prelogin-per-addr N] [-max-browsers-per-station N]")
		fmt.Fprintln(stderr, "              [-new-conns-per-addr R] [-new-conns-burst N]")
		fmt.Fprintln(stderr, "              [-hello-wait D] [-send-queue-mib N] [-login-queue N] [-login-wait D]")
		fmt.Fprintln(stderr, "              [-quota-ops-per-second R] [-quota-ops-burst N] [-quota-mib-per-day N]")
		fmt.Fprintln(stderr, "              [-officer-reports-per-hour N] [-officer-bytes-per-day N]")
		fmt.Fprintln(stderr, "       dutyhub [-data DIR] pin | user add NAME STATION | user passwd NAME | user disable NAME")
		fmt.Fprintln(stderr, "                           | user logout NAME | user list | station import FILE | station list")
		fmt.Fprintln(stderr, "                           | backup FILE | backups | check | restore FILE")
		fmt.Fprintln(stderr, "                           | officer add LOGIN PERSON | officer disable LOGIN | officer list")
		fmt.Fprintln(stderr, "                           | room link --room ROOM --user NAME [--ttl 15m] [--base URL]")
		fmt.Fprintln(stderr, "                           | [-sms kannel|gammu ...] sms test NUMBER | sms list [-json]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	rest := fs.Args()
	if len(rest) == 0 {
		return serve(*dir, *listen, *plain, media, limits, rtcLimits, backups, smsF, stderr)
	}
	if rest[0] == "sms" {
		err := smsCommand(*dir, smsF, rest[1:], stdout)
		if errors.Is(err, errUsage) {
			fs.Usage()
			return 2
		}
		if err != nil {
			fmt.Fprintln(stderr, "dutyhub:", app.ErrorMessage(err))
			return 1
		}
		return 0
	}
	if len(rest) >= 2 && rest[0] == "room" && rest[1] == "link" {
		return roomLink(*dir, *listen, *plain, rest[2:], stdout, stderr)
	}
	err := admin(*dir, rest, stdin, stdout)
	if errors.Is(err, errUsage) {
		fs.Usage()
		return 2
	}
	if err != nil {
		fmt.Fprintln(stderr, "dutyhub:", app.ErrorMessage(err))
		if app.ErrorCode(err) == app.EINTERNAL {
			fmt.Fprintln(stderr, "dutyhub:", err)
		}
		return 1
	}
	return 0
}

var errUsage = errors.New("usage")

// mediaFlags are the network settings of the video router.
type mediaFlags struct {
	interfaces, ports, publicIP, servers, turnUser string
}

func (m mediaFlags) network(listen string) (rtcconf.Network, error) {
	var n rtcconf.Network
	if host, _, err := net.SplitHostPort(listen); err == nil && hub.IsLoopback(host) {
		// A hub for this machine only keeps its media here too.
		n.Loopback = true
	}
	for _, name := range strings.Split(m.interfaces, ",") {
		if name = strings.TrimSpace(name); name != "" {
			n.Interfaces = append(n.Interfaces, name)
		}
	}
	if m.ports != "" {
		lo, hi, ok := strings.Cut(m.ports, "-")
		a, err1 := strconv.ParseUint(lo, 10, 16)
		b, err2 := strconv.ParseUint(hi, 10, 16)
		if !ok || err1 != nil || err2 != nil || a == 0 || a > b {
			return n, fmt.Errorf("-rtc-ports %q: want MIN-MAX, e.g. 40000-40999", m.ports)
		}
		n.UDPPortMin, n.UDPPortMax = uint16(a), uint16(b)
	}
	if m.publicIP != "" {
		if net.ParseIP(m.publicIP) == nil {
			return n, fmt.Errorf("-rtc-public-ip %q is not an IP address", m.publicIP)
		}
		n.PublicIPs = []string{m.publicIP}
	}
	for _, u := range strings.Split(m.servers, ",") {
		if u = strings.TrimSpace(u); u == "" {
			continue
		}
		s := wire.ICEServer{URLs: []string{u}}
		if strings.HasPrefix(u, "turn:") || strings.HasPrefix(u, "turns:") {
			// The password stays out of the command line, which every
			// user of the machine can read.
			s.Username, s.Credential = m.turnUser, os.Getenv("DUTYHUB_TURN_PASSWORD")
		}
		n.ICEServers = append(n.ICEServers, s)
	}
	return n, nil
}

func serve(dir, listen string, plain bool, media mediaFlags, limits limitFlags, rtcLimits sfuLimits, backups hub.BackupSchedule, smsF smsFlags, stderr io.Writer) int {
	log := slog.New(slog.NewTextHandler(stderr, nil))
	network, err := media.network(listen)
	if err != nil {
		fmt.Fprintln(stderr, "dutyhub:", err)
		return 2
	}
	rtcCfg := sfu.Config{Logger: log, Network: network, Recordings: filepath.Join(dir, sfu.RecordingsFolder)}
	rtcLimits.apply(&rtcCfg)
	router, err := sfu.New(rtcCfg)
	if err != nil {
		fmt.Fprintln(stderr, "dutyhub:", err)
		return 1
	}
	defer router.Shutdown()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	cfg := hub.Config{Logger: log, Signalling: router, Observe: router.Observe, Replay: sfu.ObservedKinds, ExtraMetrics: router.WriteMetrics,
		Recordings: rtcCfg.Recordings}
	limits.apply(&cfg)
	smsHub, err := smsF.wire(&cfg, log)
	if err != nil {
		fmt.Fprintln(stderr, "dutyhub:", app.ErrorMessage(err))
		return 2
	}
	err = hub.Run(ctx, hub.RunConfig{
		Dir:           dir,
		Listen:        listen,
		PlainLoopback: plain,
		Backups:       backups,
		Server:        cfg,
		Ready: func(srv *hub.Server, addr, pin string) {
			if smsHub != nil {
				if err := smsHub.start(ctx, srv); err != nil {
					// The hub serves on: SMS is an extra channel, and its
					// outage shows in the log and /metrics.
					log.Error("sms gateway not started", "err", err)
				}
			}
			if pin != "" {
				fmt.Fprintf(stderr, "dutyhub: serving wss://%s\ndutyhub: certificate pin (SHA-256): %s\n", addr, wire.FormatPin(pin))
			} else {
				fmt.Fprintf(stderr, "dutyhub: serving ws://%s (plain, this machine only)\n", addr)
			}
		},
	})
	if err != nil {
		fmt.Fprintln(stderr, "dutyhub:", err)
		return 1
	}
	return 0
}

func admin(dir string, args []string, stdin io.Reader, stdout io.Writer) error {
	switch {
	case len(args) == 1 && args[0] == "pin":
		pin, err := hub.CertificatePin(dir)
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, wire.FormatPin(pin))
		return nil
	case len(args) == 1 && args[0] == "check":
		path := filepath.Join(dir, hub.FileName)
		problems, err := hub.CheckDatabase(path)
		if err != nil {
			return err
		}
		if len(problems) == 0 {
			fmt.Fprintf(stdout, "%s is sound\n", path)
			return nil
		}
		for _, p := range problems {
			fmt.Fprintln(stdout, p)
		}
		return app.Errorf(app.ECORRUPT, "%s is damaged (%d problems above); restore a backup from %s with dutyhub restore FILE",
			path, len(problems), filepath.Join(dir, hub.BackupsFolder))
	case len(args) == 1 && args[0] == "backups":
		list, err := hub.Backups(dir)
		if err != nil {
			return err
		}
		for _, path := range list {
			fmt.Fprintln(stdout, path)
		}
		return nil
	case len(args) == 2 && args[0] == "restore":
		if err := hub.Restore(dir, args[1]); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "restored %s from %s; the hub starts a new epoch, and clients re-send and re-pull\n", dir, args[1])
		return nil
	}
	db, err := hub.Open(dir)
	if err != nil {
		return err
	}
	defer db.Close()
	switch {
	case len(args) == 4 && args[0] == "user" && args[1] == "add":
		pw, err := readPassword(stdin, stdout)
		if err != nil {
			return err
		}
		if err := db.AddUser(args[2], args[3], pw); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "user %s added\n", args[2])
	case len(args) == 3 && args[0] == "user" && args[1] == "passwd":
		pw, err := readPassword(stdin, stdout)
		if err != nil {
			return err
		}
		if err := db.SetPassword(args[2], pw); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "password of %s changed; its sessions ended\n", args[2])
	case len(args) == 3 && args[0] == "user" && args[1] == "disable":
		if err := db.DisableUser(args[2]); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "user %s disabled; its sessions ended\n", args[2])
	case len(args) == 3 && args[0] == "user" && args[1] == "logout":
		n, err := db.RevokeSessions(args[2])
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%d sessions of %s ended\n", n, args[2])
	case len(args) == 2 && args[0] == "user" && args[1] == "list":
		users, err := db.Users()
		if err != nil {
			return err
		}
		for _, u := range users {
			state := "active"
			if u.Disabled {
				state = "disabled"
			}
			fmt.Fprintf(stdout, "%s\t%s\t%s\n", u.Name, u.Station, state)
		}
	case len(args) == 3 && args[0] == "station" && args[1] == "import":
		data, err := os.ReadFile(args[2])
		if err != nil {
			return app.Errorf(app.ENOTFOUND, "cannot read %s: %v", args[2], err)
		}
		d, err := hub.DecodeDirectory(data)
		if err != nil {
			return err
		}
		if err := db.ImportDirectory(d); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%d stations imported\n", len(d.Stations))
		if len(d.People) > 0 {
			fmt.Fprintf(stdout, "the owners of %d people learned\n", len(d.People))
		}
	case len(args) == 2 && args[0] == "station" && args[1] == "list":
		list, err := db.Stations()
		if err != nil {
			return err
		}
		for _, s := range list {
			fmt.Fprintf(stdout, "%s\t%s\t%s\t%s\n", s.ID, s.Code, s.Tier.Key(), s.Name)
		}
	case len(args) >= 2 && args[0] == "officer":
		return officerCommand(db, args[1:], stdin, stdout)
	case len(args) == 2 && args[0] == "backup":
		if err := db.Backup(args[1]); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "backup written to %s and checked\n", args[1])
	default:
		return errUsage
	}
	return nil
}

// readPassword reads one line. Typing at a terminal echoes it: run the
// command where nobody reads over the shoulder, or pipe the password in.
func readPassword(stdin io.Reader, stdout io.Writer) (string, error) {
	if f, ok := stdin.(*os.File); ok {
		if info, err := f.Stat(); err == nil && info.Mode()&os.ModeCharDevice != 0 {
			fmt.Fprint(stdout, "password: ")
		}
	}
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && !(errors.Is(err, io.EOF) && line != "") {
		return "", app.Errorf(app.EINVALID, "no password on standard input")
	}
	return strings.TrimRight(line, "\r\n"), nil
}
