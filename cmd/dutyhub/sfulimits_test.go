package main

import (
	"flag"
	"io"
	"testing"
	"time"

	"dutyroom/hub/sfu"
)

func TestSFULimitFlags(t *testing.T) {
	parse := func(args ...string) sfu.Config {
		t.Helper()
		fs := flag.NewFlagSet("dutyhub", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		var l sfuLimits
		l.register(fs)
		if err := fs.Parse(args); err != nil {
			t.Fatal(err)
		}
		var cfg sfu.Config
		l.apply(&cfg)
		return cfg
	}
	d := parse()
	if d.MaxRoomsPerHost != sfu.DefaultMaxRoomsPerHost || d.MaxPeers != sfu.DefaultMaxPeers || d.MaxCandidates != sfu.DefaultMaxCandidates || d.MaxLinksPerRoom != sfu.DefaultMaxLinksPerRoom ||
		d.MaxRecordBytes != sfu.DefaultMaxRecordBytes || d.MaxRecordLength != sfu.DefaultMaxRecordLength || d.MinFreeDisk != sfu.DefaultMinFreeDisk || d.MaxParticipants != sfu.DefaultMaxParticipants {
		t.Errorf("defaults: %+v", d)
	}
	c := parse("-rtc-max-rooms-per-host", "2", "-rtc-max-participants", "8", "-rtc-max-peers", "100", "-rtc-max-candidates", "32", "-rtc-max-links-per-room", "10",
		"-record-max-mib", "512", "-record-max-length", "90m", "-record-min-free-mib", "4096")
	if c.MaxRoomsPerHost != 2 || c.MaxParticipants != 8 || c.MaxPeers != 100 || c.MaxCandidates != 32 || c.MaxLinksPerRoom != 10 ||
		c.MaxRecordBytes != 512<<20 || c.MaxRecordLength != 90*time.Minute || c.MinFreeDisk != 4<<30 {
		t.Errorf("set: %+v", c)
	}
}
