package main

import (
	"flag"
	"time"

	"dutyroom/hub/sfu"
)

// sfuLimits are the video router's bounds as flags; each defaults to the
// SFU's own default (hub/sfu/limits.go).
type sfuLimits struct {
	roomsPerHost, participants, peers, candidates, links int
	recordMiB, minFreeMiB                                int64
	recordLength                                         time.Duration
}

func (l *sfuLimits) register(fs *flag.FlagSet) {
	fs.IntVar(&l.roomsPerHost, "rtc-max-rooms-per-host", sfu.DefaultMaxRoomsPerHost, "video consultations: rooms one host station may have open at once")
	fs.IntVar(&l.participants, "rtc-max-participants", sfu.DefaultMaxParticipants, "video consultations: participants in one room, unless its invitation sets fewer")
	fs.IntVar(&l.peers, "rtc-max-peers", sfu.DefaultMaxPeers, "video consultations: participants (peer connections) across the hub")
	fs.IntVar(&l.candidates, "rtc-max-candidates", sfu.DefaultMaxCandidates, "video consultations: ICE candidates one participant may send")
	fs.IntVar(&l.links, "rtc-max-links-per-room", sfu.DefaultMaxLinksPerRoom, "video consultations: browser join links issued for one room")
	fs.Int64Var(&l.recordMiB, "record-max-mib", sfu.DefaultMaxRecordBytes>>20, "recording: MiB kept of one consultation; recording stops there")
	fs.DurationVar(&l.recordLength, "record-max-length", sfu.DefaultMaxRecordLength, "recording: how long one consultation may be recorded")
	fs.Int64Var(&l.minFreeMiB, "record-min-free-mib", sfu.DefaultMinFreeDisk>>20, "recording: MiB left free on the data folder's disk; recording stops under it")
}

func (l sfuLimits) apply(cfg *sfu.Config) {
	cfg.MaxRoomsPerHost = l.roomsPerHost
	cfg.MaxParticipants = l.participants
	cfg.MaxPeers = l.peers
	cfg.MaxCandidates = l.candidates
	cfg.MaxLinksPerRoom = l.links
	cfg.MaxRecordBytes = l.recordMiB << 20
	cfg.MaxRecordLength = l.recordLength
	cfg.MinFreeDisk = l.minFreeMiB << 20
}
