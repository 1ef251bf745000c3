package main

import (
	"flag"
	"io"
	"testing"
	"time"

	"dutyroom/hub"
)

func TestLimitFlagsDefaultToTheHubsAndReachItsConfig(t *testing.T) {
	var l limitFlags
	fs := flag.NewFlagSet("dutyhub", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	l.register(fs)
	if err := fs.Parse(nil); err != nil {
		t.Fatal(err)
	}
	var cfg hub.Config
	l.apply(&cfg)
	if cfg.MaxConns != hub.DefaultMaxConns || cfg.MaxPreLogin != hub.DefaultMaxPreLogin || cfg.HelloWait != hub.DefaultHelloWait ||
		cfg.SendQueueBytes != hub.DefaultSendQueueBytes || cfg.Quota.BytesPerDay != hub.DefaultQuotaBytesPerDay || cfg.Quota.OpsBurst != hub.DefaultQuotaOpsBurst {
		t.Fatalf("defaults: %+v", cfg)
	}
	if err := fs.Parse([]string{"-max-conns", "50", "-max-prelogin-per-addr", "3", "-hello-wait", "2s", "-send-queue-mib", "2",
		"-quota-ops-per-second", "5", "-quota-ops-burst", "400", "-quota-mib-per-day", "100", "-login-wait", "1s"}); err != nil {
		t.Fatal(err)
	}
	l.apply(&cfg)
	want := hub.Quota{OpsPerSecond: 5, OpsBurst: 400, BytesPerDay: 100 << 20}
	if cfg.MaxConns != 50 || cfg.MaxPreLoginPerAddr != 3 || cfg.HelloWait != 2*time.Second || cfg.SendQueueBytes != 2<<20 || cfg.Quota != want || cfg.HashWait != time.Second {
		t.Fatalf("from flags: %+v", cfg)
	}
}
