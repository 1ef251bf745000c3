// Package opus encodes and decodes Opus audio through libopus (Debian's
// libopus-dev): 16-bit PCM at 48 kHz, the rate WebRTC carries Opus at.
//
// An Encoder or a Decoder is not safe for concurrent use: each audio track
// has its own.
package opus

/*
#cgo pkg-config: opus
#include <stdlib.h>
#include <opus.h>

// opus_encoder_ctl is variadic, which cgo cannot call.
static int dr_set_bitrate(OpusEncoder *enc, int bps) {
	return opus_encoder_ctl(enc, OPUS_SET_BITRATE(bps));
}
static int dr_set_fec(OpusEncoder *enc, int on, int loss_pct) {
	int err = opus_encoder_ctl(enc, OPUS_SET_INBAND_FEC(on));
	if (err != OPUS_OK) return err;
	return opus_encoder_ctl(enc, OPUS_SET_PACKET_LOSS_PERC(loss_pct));
}
*/
import "C"

import (
	"errors"
	"fmt"
	"unsafe"
)

// SampleRate is the rate of every PCM buffer here.
const SampleRate = 48000

// FrameSamples is 20 ms at 48 kHz per channel, the frame size WebRTC
// endpoints use by default.
const FrameSamples = SampleRate / 50

// maxPacket is the largest Opus packet (RFC 6716, 3.4: 1275 bytes a frame,
// up to 3 frames in 60 ms) with room to spare.
const maxPacket = 4000

func opusError(what string, code C.int) error {
	return fmt.Errorf("opus %s: %s", what, C.GoString(C.opus_strerror(code)))
}

// Encoder compresses PCM frames.
type Encoder struct {
	enc      *C.OpusEncoder
	channels int
	buf      []byte
}

// NewEncoder starts a voice encoder with channels 1 or 2 and a target
// bit rate in bits a second (0 leaves libopus's choice). It asks for
// in-band forward error correction, so a lost packet is partly recovered
// from the next.
func NewEncoder(channels, bitrate int) (*Encoder, error) {
	if channels != 1 && channels != 2 {
		return nil, fmt.Errorf("opus: %d channels; 1 or 2", channels)
	}
	var code C.int
	enc := C.opus_encoder_create(C.opus_int32(SampleRate), C.int(channels), C.OPUS_APPLICATION_VOIP, &code)
	if code != C.OPUS_OK || enc == nil {
		return nil, opusError("encoder", code)
	}
	e := &Encoder{enc: enc, channels: channels, buf: make([]byte, maxPacket)}
	if bitrate > 0 {
		if code := C.dr_set_bitrate(enc, C.int(bitrate)); code != C.OPUS_OK {
			e.Close()
			return nil, opusError("bit rate", code)
		}
	}
	if code := C.dr_set_fec(enc, 1, 5); code != C.OPUS_OK {
		e.Close()
		return nil, opusError("error correction", code)
	}
	return e, nil
}

// Encode compresses one frame of interleaved samples: 2.5, 5, 10, 20, 40
// or 60 ms worth (FrameSamples×channels for 20 ms). The packet is the
// caller's.
func (e *Encoder) Encode(pcm []int16) ([]byte, error) {
	if e.enc == nil {
		return nil, errors.New("opus: the encoder is closed")
	}
	if len(pcm) == 0 || len(pcm)%e.channels != 0 {
		return nil, fmt.Errorf("opus: %d samples do not make whole frames of %d channels", len(pcm), e.channels)
	}
	n := C.opus_encode(e.enc, (*C.opus_int16)(unsafe.Pointer(&pcm[0])), C.int(len(pcm)/e.channels),
		(*C.uchar)(unsafe.Pointer(&e.buf[0])), C.opus_int32(len(e.buf)))
	if n < 0 {
		return nil, opusError("encode", C.int(n))
	}
	return append([]byte(nil), e.buf[:n]...), nil
}

// Close frees the encoder. Safe to call twice.
func (e *Encoder) Close() {
	if e.enc != nil {
		C.opus_encoder_destroy(e.enc)
		e.enc = nil
	}
}

// Decoder decompresses one Opus stream.
type Decoder struct {
	dec      *C.OpusDecoder
	channels int
}

// NewDecoder starts a decoder giving channels 1 or 2.
func NewDecoder(channels int) (*Decoder, error) {
	if channels != 1 && channels != 2 {
		return nil, fmt.Errorf("opus: %d channels; 1 or 2", channels)
	}
	var code C.int
	dec := C.opus_decoder_create(C.opus_int32(SampleRate), C.int(channels), &code)
	if code != C.OPUS_OK || dec == nil {
		return nil, opusError("decoder", code)
	}
	return &Decoder{dec: dec, channels: channels}, nil
}

// Decode decompresses one packet into pcm (interleaved), which must hold
// the packet's samples (FrameSamples×channels for 20 ms; 120 ms is the
// most a packet holds), and returns how many samples per channel it wrote.
// A nil packet conceals one lost packet of len(pcm) samples.
func (d *Decoder) Decode(packet []byte, pcm []int16) (int, error) {
	if d.dec == nil {
		return 0, errors.New("opus: the decoder is closed")
	}
	if len(pcm) < d.channels {
		return 0, errors.New("opus: no room for samples")
	}
	var data *C.uchar
	if len(packet) > 0 {
		data = (*C.uchar)(unsafe.Pointer(&packet[0]))
	}
	n := C.opus_decode(d.dec, data, C.opus_int32(len(packet)), (*C.opus_int16)(unsafe.Pointer(&pcm[0])),
		C.int(len(pcm)/d.channels), 0)
	if n < 0 {
		return 0, opusError("decode", C.int(n))
	}
	return int(n), nil
}

// Close frees the decoder. Safe to call twice.
func (d *Decoder) Close() {
	if d.dec != nil {
		C.opus_decoder_destroy(d.dec)
		d.dec = nil
	}
}
