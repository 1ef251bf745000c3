package wire

import (
	"strings"
	"testing"
)

func TestSignalDecodersRefuseBadBodies(t *testing.T) {
	room := `"019c8a72-0001-7aaa-8bbb-0c0d0e0f1011"`
	cases := []struct {
		frame string
		code  string
	}{
		{`{"type":"room.join","data":{"room":` + room + `,"publish":["video","audio"]}}`, ""},
		{`{"type":"room.join","data":{"room":` + room + `}}`, ""},
		{`{"type":"room.join","data":{}}`, CodeBadMessage},
		{`{"type":"room.join"}`, CodeBadMessage},
		{`{"type":"room.join","data":{"room":` + room + `,"publish":["screen"]}}`, CodeBadMessage},
		{`{"type":"room.join","data":{"room":` + room + `,"publish":["video","video"]}}`, CodeBadMessage},
		{`{"type":"room.join","data":{"room":"not-an-id"}}`, CodeBadMessage},
		{`{"type":"rtc.answer","data":{"room":` + room + `,"sdp":"v=0"}}`, ""},
		{`{"type":"rtc.answer","data":{"room":` + room + `,"sdp":"  "}}`, CodeBadMessage},
		{`{"type":"rtc.answer","data":{"room":` + room + `,"sdp":"` + strings.Repeat("a", MaxSDP+1) + `"}}`, CodeTooLarge},
		{`{"type":"rtc.candidate","data":{"room":` + room + `,"candidate":"candidate:1 1 udp 1 127.0.0.1 9 typ host","sdpMid":"0","sdpMLineIndex":0}}`, ""},
		{`{"type":"rtc.candidate","data":{"room":` + room + `,"candidate":"` + strings.Repeat("c", MaxCandidate+1) + `"}}`, CodeTooLarge},
		{`{"type":"rtc.candidate","data":{"candidate":"x"}}`, CodeBadMessage},
		{`{"type":"room.leave","data":{"room":` + room + `}}`, ""},
		{`{"type":"room.leave","data":{"room":null}}`, CodeBadMessage},
	}
	for _, c := range cases {
		env, err := DecodeEnvelope([]byte(c.frame))
		if err != nil {
			t.Fatalf("%.60s: %v", c.frame, err)
		}
		if !IsSignal(env.Type) {
			t.Fatalf("%s is not a signalling type", env.Type)
		}
		switch env.Type {
		case TypeRoomJoin:
			_, err = DecodeRoomJoin(env)
		case TypeRTCAnswer:
			_, err = DecodeDescription(env)
		case TypeRTCCandidate:
			_, err = DecodeCandidate(env)
		case TypeRoomLeave:
			_, err = DecodeRoomLeave(env)
		}
		got := ""
		if err != nil {
			we, ok := err.(*Error)
			if !ok {
				t.Fatalf("%.60s: a %T, not a protocol error", c.frame, err)
			}
			got = we.Code
		}
		if got != c.code {
			t.Errorf("%.80s: code %q, want %q (%v)", c.frame, got, c.code, err)
		}
	}
	if IsSignal(TypePush) || IsSignal("roomjoin") {
		t.Fatal("a sync type counted as signalling")
	}
}
