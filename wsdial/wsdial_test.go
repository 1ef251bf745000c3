package wsdial

import "testing"

func TestSyncURL(t *testing.T) {
	for addr, want := range map[string]string{
		"10.0.0.5:7443":          "wss://10.0.0.5:7443/sync",
		"wss://hub.example:7443": "wss://hub.example:7443/sync",
		"ws://127.0.0.1:7443":    "ws://127.0.0.1:7443/sync",
		"ws://localhost:9":       "ws://localhost:9/sync",
		"ws://[::1]:7443":        "ws://[::1]:7443/sync",
		" 10.0.0.5:7443 ":        "wss://10.0.0.5:7443/sync",
	} {
		u, err := SyncURL(addr)
		if err != nil || u.String() != want {
			t.Errorf("SyncURL(%q) = %v, %v; want %s", addr, u, err, want)
		}
	}
	for _, bad := range []string{"", "ws://10.0.0.5:7443", "http://127.0.0.1:80", "hub.example", "wss://hub.example:7443/?token=x", "wss://user:pw@hub:1"} {
		if u, err := SyncURL(bad); err == nil {
			t.Errorf("SyncURL(%q) = %v, want an error", bad, u)
		}
	}
}
