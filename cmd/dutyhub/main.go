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
//	dutyhub -data DIR backup FILE           write a consistent copy of the database
//	dutyhub -data DIR restore FILE          replace the database with a backup (new epoch)
//
// The administration commands need the database to themselves: stop the
// hub first.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"dutyroom/app"
	"dutyroom/app/wire"
	"dutyroom/hub"
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
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: dutyhub [-data DIR] [-listen ADDR] [-plain-loopback]")
		fmt.Fprintln(stderr, "       dutyhub [-data DIR] pin | user add NAME STATION | user passwd NAME | user disable NAME")
		fmt.Fprintln(stderr, "                           | user logout NAME | user list | station import FILE | station list")
		fmt.Fprintln(stderr, "                           | backup FILE | restore FILE")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	rest := fs.Args()
	if len(rest) == 0 {
		return serve(*dir, *listen, *plain, stderr)
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

func serve(dir, listen string, plain bool, stderr io.Writer) int {
	log := slog.New(slog.NewTextHandler(stderr, nil))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := hub.Run(ctx, hub.RunConfig{
		Dir:           dir,
		Listen:        listen,
		PlainLoopback: plain,
		Server:        hub.Config{Logger: log},
		Ready: func(_ *hub.Server, addr, pin string) {
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
		list, err := hub.DecodeStationList(data)
		if err != nil {
			return err
		}
		if err := db.ImportStations(list); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%d stations imported\n", len(list))
	case len(args) == 2 && args[0] == "station" && args[1] == "list":
		list, err := db.Stations()
		if err != nil {
			return err
		}
		for _, s := range list {
			fmt.Fprintf(stdout, "%s\t%s\t%s\t%s\n", s.ID, s.Code, s.Tier.Key(), s.Name)
		}
	case len(args) == 2 && args[0] == "backup":
		if err := db.Backup(args[1]); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "backup written to %s\n", args[1])
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
