// Package rtcconf is the WebRTC set-up that the hub's SFU and the client's
// media engine share: one codec list, so that what a client sends is what
// the hub forwards, and the network rules both ends gather candidates by.
package rtcconf

import (
	"fmt"
	"net"
	"slices"
	"strings"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/interceptor"
	"github.com/pion/transport/v5"
	"github.com/pion/webrtc/v4"

	"dutyroom/app/wire"
)

// Payload types are fixed rather than negotiated per call, so that an
// answer naming other numbers stands out.
const (
	PayloadVP8  = 96
	PayloadOpus = 111
)

// VP8 and Opus are the only codecs of a consultation (DESIGN.md, "Video
// consultation"): both ends have them through libvpx and libopus, and
// every browser has them.
var (
	VP8 = webrtc.RTPCodecParameters{
		RTPCodecCapability: webrtc.RTPCodecCapability{
			MimeType: webrtc.MimeTypeVP8, ClockRate: 90000,
			RTCPFeedback: []webrtc.RTCPFeedback{{Type: "nack"}, {Type: "nack", Parameter: "pli"}, {Type: "ccm", Parameter: "fir"}},
		},
		PayloadType: PayloadVP8,
	}
	Opus = webrtc.RTPCodecParameters{
		RTPCodecCapability: webrtc.RTPCodecCapability{
			MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2,
			SDPFmtpLine: "minptime=10;useinbandfec=1",
		},
		PayloadType: PayloadOpus,
	}
)

// CodecAllowed reports whether an SDP rtpmap encoding name is one a
// consultation carries.
func CodecAllowed(name string) bool {
	return strings.EqualFold(name, "VP8") || strings.EqualFold(name, "opus")
}

// Network says where ICE may gather candidates and which servers help it.
type Network struct {
	// Interfaces are the network interfaces to use (eth0, ...); empty
	// means every interface. A duty-room PC often has a private network
	// and a public one; media must stay on the one the hub shares.
	Interfaces []string
	// Loopback allows 127.0.0.1 candidates, and nothing else unless
	// Interfaces names more: one machine, tests.
	Loopback bool
	// UDPPortMin and UDPPortMax bound the ports, for a firewall rule; 0
	// leaves them to the system.
	UDPPortMin, UDPPortMax uint16
	// PublicIPs are the addresses a 1:1 NAT maps this host to.
	PublicIPs []string
	// ICEServers are STUN and TURN servers.
	ICEServers []wire.ICEServer
	// Net replaces the host's network, for tests over pion's simulated
	// network (vnet) with loss and delay; nil is the host's.
	Net transport.Net
	// DisconnectedAfter, FailedAfter: how long without ICE traffic before
	// a connection counts as disconnected, then failed (and is closed).
	// 4 s and 12 s by default: a duty room that vanishes is noticed in
	// seconds, not the half a minute pion waits by default.
	DisconnectedAfter, FailedAfter time.Duration
}

// WebRTCServers converts ICEServers for pion.
func (n Network) WebRTCServers() []webrtc.ICEServer {
	out := make([]webrtc.ICEServer, 0, len(n.ICEServers))
	for _, s := range n.ICEServers {
		out = append(out, webrtc.ICEServer{URLs: s.URLs, Username: s.Username, Credential: s.Credential})
	}
	return out
}

// NewAPI builds a pion API with the consultation codecs, NACK and RTCP
// reports, and the network rules.
func NewAPI(n Network) (*webrtc.API, error) {
	m := &webrtc.MediaEngine{}
	if err := m.RegisterCodec(VP8, webrtc.RTPCodecTypeVideo); err != nil {
		return nil, err
	}
	if err := m.RegisterCodec(Opus, webrtc.RTPCodecTypeAudio); err != nil {
		return nil, err
	}
	ir := &interceptor.Registry{}
	// Retransmission on request covers a lost packet in a few
	// milliseconds on a LAN; RTCP reports keep both ends' statistics.
	// Bandwidth estimation (TWCC) is left out until something acts on it.
	if err := webrtc.ConfigureNack(m, ir); err != nil {
		return nil, err
	}
	if err := webrtc.ConfigureRTCPReports(ir); err != nil {
		return nil, err
	}
	se := webrtc.SettingEngine{}
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4, webrtc.NetworkTypeUDP6})
	if n.Loopback || len(n.Interfaces) > 0 {
		loopbackOnly := n.Loopback && len(n.Interfaces) == 0
		se.SetInterfaceFilter(func(name string) bool {
			if loopbackOnly {
				return isLoopbackInterface(name)
			}
			return slices.Contains(n.Interfaces, name) || (n.Loopback && isLoopbackInterface(name))
		})
	}
	se.SetIncludeLoopbackCandidate(n.Loopback)
	if n.Net != nil {
		se.SetNet(n.Net)
		// A simulated network has no multicast to answer .local names on.
		se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	}
	if n.UDPPortMin != 0 || n.UDPPortMax != 0 {
		if err := se.SetEphemeralUDPPortRange(n.UDPPortMin, n.UDPPortMax); err != nil {
			return nil, fmt.Errorf("udp ports %d-%d: %w", n.UDPPortMin, n.UDPPortMax, err)
		}
	}
	if len(n.PublicIPs) > 0 {
		se.SetNAT1To1IPs(n.PublicIPs, webrtc.ICECandidateTypeHost)
	}
	disc, failed := n.DisconnectedAfter, n.FailedAfter
	if disc <= 0 {
		disc = 4 * time.Second
	}
	if failed <= 0 {
		failed = 12 * time.Second
	}
	se.SetICETimeouts(disc, failed, time.Second)
	return webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithInterceptorRegistry(ir), webrtc.WithSettingEngine(se)), nil
}

func isLoopbackInterface(name string) bool {
	ifi, err := net.InterfaceByName(name)
	return err == nil && ifi.Flags&net.FlagLoopback != 0
}
