package rtc_test

import (
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/logging"
	"github.com/pion/transport/v5/vnet"

	"dutyroom/app"
	"dutyroom/hub/sfu"
	"dutyroom/rtc/rtcconf"
)

// TestLossyLinkRecoversByKeyFrames runs the media over pion's simulated
// network, where one station's downlink loses 5% of its packets: its
// decoder loses frames, asks for key frames through the hub, and keeps
// showing the right picture with rising stamps.
func TestLossyLinkRecoversByKeyFrames(t *testing.T) {
	wan, err := vnet.NewRouter(&vnet.RouterConfig{CIDR: "10.9.0.0/24", LoggerFactory: logging.NewDefaultLoggerFactory()})
	if err != nil {
		t.Fatal(err)
	}
	nets := map[string]*vnet.Net{}
	for name, ip := range map[string]string{"hub": "10.9.0.1", "p": "10.9.0.2", "t3": "10.9.0.3"} {
		n, err := vnet.NewNet(&vnet.NetConfig{StaticIPs: []string{ip}})
		if err != nil {
			t.Fatal(err)
		}
		if err := wan.AddNet(n); err != nil {
			t.Fatal(err)
		}
		nets[name] = n
	}
	lossy := net.ParseIP("10.9.0.3")
	var losing atomic.Bool
	var seenPicture, seenOther, dropped atomic.Int64
	// Every 20th packet towards the lossy station is lost: 5%, evenly,
	// so every run loses about the same. The picture's packets (hundreds
	// of bytes) are counted apart from the rest (sound and RTCP, about a
	// hundred): one count over both fell in step with the two streams'
	// periods in some runs and lost only sound.
	wan.AddChunkFilter(func(c vnet.Chunk) bool {
		if losing.Load() && c.Network() == "udp" {
			seen := &seenOther
			if len(c.UserData()) > 300 {
				seen = &seenPicture
			}
			if a, ok := c.DestinationAddr().(*net.UDPAddr); ok && a.IP.Equal(lossy) && seen.Add(1)%20 == 0 {
				dropped.Add(1)
				return false
			}
		}
		return true
	})
	if err := wan.Start(); err != nil {
		t.Fatal(err)
	}
	defer wan.Stop()

	h := startHub(t, sfu.Config{Network: rtcconf.Network{Net: nets["hub"]}})
	h.clientNet = func(name string) rtcconf.Network { return rtcconf.Network{Net: nets[name]} }
	patterns := map[app.ID]uint8{h.stations["p"].ID: 3, h.stations["t3"].ID: 5}
	room := h.openRoom(t, 0, "p", "t3")
	a := newStation(t, h, "p", 3, patterns)
	b := newStation(t, h, "t3", 5, patterns)
	a.join(t, room)
	b.join(t, room)
	b.sees(t, 5, a)

	losing.Store(true)
	start := b.media.Stats()
	startKeys := a.media.Stats().KeyRequestsIn
	before := b.from(stationID(a)).stamped
	time.Sleep(4 * time.Second)
	b.sees(t, before+30, a) // and the colours, ids and rising stamps checked on every frame
	end := b.media.Stats()
	if dropped.Load() == 0 {
		t.Fatal("the simulated link lost nothing")
	}
	if end.FramesBroken == start.FramesBroken {
		t.Fatalf("%d packets lost but no frame broken: %+v", dropped.Load(), end)
	}
	if end.KeyRequestsOut == start.KeyRequestsOut || a.media.Stats().KeyRequestsIn == startKeys {
		t.Fatalf("no key frame asked for or relayed after loss: receiver %+v, sender %+v", end, a.media.Stats())
	}
	t.Logf("lossy link: %d packets dropped, %d frames broken, %d key-frame requests, %d pictures decoded in 4 s",
		dropped.Load(), end.FramesBroken-start.FramesBroken, end.KeyRequestsOut-start.KeyRequestsOut, end.FramesDecoded-start.FramesDecoded)
}
