package main

import "testing"

func TestMediaFlags(t *testing.T) {
	t.Setenv("DUTYHUB_TURN_PASSWORD", "s3cret")
	n, err := mediaFlags{interfaces: "eth0, eth1", ports: "40000-40999", publicIP: "203.0.113.7",
		servers: "stun:10.0.0.5:3478,turn:10.0.0.5:3478", turnUser: "hub"}.network("0.0.0.0:7443")
	if err != nil {
		t.Fatal(err)
	}
	if n.Loopback || len(n.Interfaces) != 2 || n.Interfaces[1] != "eth1" || n.UDPPortMin != 40000 || n.UDPPortMax != 40999 || n.PublicIPs[0] != "203.0.113.7" {
		t.Fatalf("network %+v", n)
	}
	if len(n.ICEServers) != 2 || n.ICEServers[0].Credential != "" || n.ICEServers[1].Username != "hub" || n.ICEServers[1].Credential != "s3cret" {
		t.Fatalf("ice servers %+v", n.ICEServers)
	}
	if n, _ := (mediaFlags{}).network("127.0.0.1:7443"); !n.Loopback {
		t.Fatal("a hub on loopback does not keep its media on loopback")
	}
	for _, bad := range []mediaFlags{{ports: "40999-40000"}, {ports: "x"}, {publicIP: "not-an-ip"}} {
		if _, err := bad.network("0.0.0.0:7443"); err == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
}
