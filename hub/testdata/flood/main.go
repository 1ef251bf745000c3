// Command flood guesses one account's password at a hub without pause,
// from one source address, until it is stopped; then it prints how many
// guesses the hub answered. BenchmarkHonestLoginDuringFlood runs it as
// its own process, as an attacker is on another machine, so the benchmark
// measures the hub's work and not the attacker's.
package main

import (
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/gorilla/websocket"

	"dutyroom/app/wire"
)

func main() {
	url := flag.String("url", "", "the hub's sync socket, ws://HOST:PORT/sync")
	src := flag.String("src", "127.0.0.2", "the source address to guess from")
	conns := flag.Int("conns", 64, "guesses in flight at once")
	user := flag.String("user", "victim", "the account to guess at")
	flag.Parse()

	var answered atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range *conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				guess(*url, *src, *user)
				answered.Add(1)
			}
		}()
	}
	fmt.Println("flooding")
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, os.Interrupt)
	<-sig
	close(stop)
	wg.Wait()
	fmt.Println(answered.Load())
}

// guess makes one wrong-password login; a refusal before the upgrade
// (429) counts as an answer too.
func guess(url, src, user string) {
	d := websocket.Dialer{NetDial: func(network, a string) (net.Conn, error) {
		nd := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}, Control: bindNoPort}
		return nd.Dial(network, a)
	}}
	ws, _, err := d.Dial(url, nil)
	if err != nil {
		return
	}
	defer ws.Close()
	frame, _ := wire.Encode(wire.TypeHello, "h", wire.Hello{Version: wire.Version, Login: &wire.Login{User: user, Password: "guess guess guess"}})
	if ws.WriteMessage(websocket.TextMessage, frame) != nil {
		return
	}
	_ = ws.SetReadDeadline(time.Now().Add(30 * time.Second))
	_, _, _ = ws.ReadMessage()
}

// bindNoPort lets the kernel pick the port at connect time
// (IP_BIND_ADDRESS_NO_PORT): binding to a source address otherwise makes
// each dial search the ephemeral ports.
func bindNoPort(_, _ string, rc syscall.RawConn) error {
	const ipBindAddressNoPort = 24 // linux/in.h
	var serr error
	err := rc.Control(func(fd uintptr) {
		serr = syscall.SetsockoptInt(int(fd), syscall.IPPROTO_IP, ipBindAddressNoPort, 1)
	})
	if err != nil {
		return err
	}
	return serr
}
