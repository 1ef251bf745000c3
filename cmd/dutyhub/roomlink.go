package main

import (
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"time"

	"dutyroom/app"
	"dutyroom/hub"
)

// roomLink prints a one-time link for a person to join a consultation from
// a browser: dutyhub room link --room R --user U [--ttl 15m] [--base URL].
// The code is in the fragment, which the browser keeps to itself; the page
// sends it inside its websocket.
func roomLink(dir, listen string, plain bool, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("dutyhub room link", flag.ContinueOnError)
	fs.SetOutput(stderr)
	roomText := fs.String("room", "", "the consultation's room id")
	user := fs.String("user", "", "the account the link logs in; the room's invitation must name it or its station")
	ttl := fs.Duration("ttl", hub.DefaultJoinCodeTTL, "how long the link waits to be opened (it works once)")
	base := fs.String("base", "", "the hub's address as browsers reach it, e.g. https://10.0.0.5:7443 (default: from -listen)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: dutyhub [-data DIR] [-listen ADDR] room link --room ROOM --user NAME [--ttl 15m] [--base URL]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	room, err := app.ParseID(*roomText)
	if err != nil || *user == "" || fs.NArg() != 0 {
		fs.Usage()
		return 2
	}
	if *base == "" {
		*base = linkBase(listen, plain)
	}
	db, err := hub.Open(dir)
	if err != nil {
		fmt.Fprintln(stderr, "dutyhub:", app.ErrorMessage(err))
		return 1
	}
	defer db.Close()
	code, g, err := db.IssueJoinCode(*user, room, *ttl)
	if err != nil {
		fmt.Fprintln(stderr, "dutyhub:", app.ErrorMessage(err))
		return 1
	}
	fmt.Fprintf(stdout, "%s/join#code=%s\n", strings.TrimRight(*base, "/"), code)
	fmt.Fprintf(stderr, "dutyhub: a link for %s to room %s, to be opened once before %s\n", g.User, room, g.Expires.Local().Format(time.DateTime))
	return 0
}

// linkBase is the hub's address from its -listen flag; a wildcard address
// becomes the machine's name.
func linkBase(listen string, plain bool) string {
	scheme := "https"
	if plain {
		scheme = "http"
	}
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return scheme + "://" + listen
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		if name, err := os.Hostname(); err == nil {
			host = name
		}
	}
	return scheme + "://" + net.JoinHostPort(host, port)
}
