package main

import (
	"flag"
	"time"

	"dutyroom/hub"
)

// limitFlags are the hub's caps on connections, logins and what a station
// may push; zero keeps the hub's default, which the help text names.
type limitFlags struct {
	maxConns, maxPreLogin, maxPreLoginPerAddr, maxBrowsers int
	newConnsPerAddr                                        float64
	newConnsBurst                                          int
	helloWait                                              time.Duration
	sendQueueMiB                                           int
	hashQueue                                              int
	hashWait                                               time.Duration
	quotaOpsPerSecond                                      float64
	quotaOpsBurst                                          int
	quotaMiBPerDay                                         int64
	officerReportsPerHour                                  int
	officerBytesPerDay                                     int64
}

func (l *limitFlags) register(fs *flag.FlagSet) {
	fs.IntVar(&l.maxConns, "max-conns", hub.DefaultMaxConns, "connections held at once, logged in or not")
	fs.IntVar(&l.maxPreLogin, "max-prelogin", hub.DefaultMaxPreLogin, "connections not yet logged in, over all addresses")
	fs.IntVar(&l.maxPreLoginPerAddr, "max-prelogin-per-addr", hub.DefaultMaxPreLoginPerAddr, "connections not yet logged in from one address")
	fs.IntVar(&l.maxBrowsers, "max-browsers-per-station", hub.DefaultMaxBrowsersPerStation, "join-page browser connections of one station")
	fs.Float64Var(&l.newConnsPerAddr, "new-conns-per-addr", hub.DefaultNewConnsPerAddr, "new connections a second one address may open")
	fs.IntVar(&l.newConnsBurst, "new-conns-burst", hub.DefaultNewConnsBurst, "new connections one address may open at once")
	fs.DurationVar(&l.helloWait, "hello-wait", hub.DefaultHelloWait, "how long a new connection has to send its hello")
	fs.IntVar(&l.sendQueueMiB, "send-queue-mib", hub.DefaultSendQueueBytes>>20, "MiB waiting for one connection before a slow reader is dropped")
	fs.IntVar(&l.hashQueue, "login-queue", hub.DefaultHashQueue, "logins that may wait for a password check before the hub answers busy")
	fs.DurationVar(&l.hashWait, "login-wait", hub.DefaultHashWait, "longest wait for a password check before the hub answers busy")
	fs.Float64Var(&l.quotaOpsPerSecond, "quota-ops-per-second", hub.DefaultQuotaOpsPerSecond, "operations a second one station may push, sustained")
	fs.IntVar(&l.quotaOpsBurst, "quota-ops-burst", hub.DefaultQuotaOpsBurst, "operations one station may push at once")
	fs.Int64Var(&l.quotaMiBPerDay, "quota-mib-per-day", hub.DefaultQuotaBytesPerDay>>20, "MiB one station may push a day")
	fs.IntVar(&l.officerReportsPerHour, "officer-reports-per-hour", hub.DefaultOfficerReportsPerHour, "new reports one village officer's account may send an hour")
	fs.Int64Var(&l.officerBytesPerDay, "officer-bytes-per-day", hub.DefaultOfficerBytesPerDay, "photo bytes one village officer's account may send a day")
}

func (l *limitFlags) apply(cfg *hub.Config) {
	cfg.MaxConns = l.maxConns
	cfg.MaxPreLogin = l.maxPreLogin
	cfg.MaxPreLoginPerAddr = l.maxPreLoginPerAddr
	cfg.MaxBrowsersPerStation = l.maxBrowsers
	cfg.NewConnsPerAddr = l.newConnsPerAddr
	cfg.NewConnsBurst = l.newConnsBurst
	cfg.HelloWait = l.helloWait
	cfg.SendQueueBytes = l.sendQueueMiB << 20
	cfg.HashQueue = l.hashQueue
	cfg.HashWait = l.hashWait
	cfg.OfficerReportsPerHour = l.officerReportsPerHour
	cfg.OfficerBytesPerDay = l.officerBytesPerDay
	cfg.Quota = hub.Quota{OpsPerSecond: l.quotaOpsPerSecond, OpsBurst: l.quotaOpsBurst, BytesPerDay: l.quotaMiBPerDay << 20}
}
