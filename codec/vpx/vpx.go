// Package vpx encodes and decodes VP8 through libvpx (Debian's libvpx-dev).
// Frames go in and come out as 4:2:0 image.YCbCr, the layout libvpx uses
// itself, so no colour conversion happens on either side.
//
// An Encoder or a Decoder is not safe for concurrent use: each video track
// has its own.
package vpx

/*
#cgo pkg-config: vpx
#include <stdlib.h>
#include <string.h>
#include <vpx/vpx_encoder.h>
#include <vpx/vpx_decoder.h>
#include <vpx/vp8cx.h>
#include <vpx/vp8dx.h>

// The init functions and vpx_codec_control are macros or variadic in the
// headers, which cgo cannot call: these wrappers give them fixed types.

static vpx_codec_err_t dr_enc_init(vpx_codec_ctx_t *ctx, int w, int h, int fps,
		int kbps, int kfmax, int threads, int cpuused) {
	vpx_codec_enc_cfg_t cfg;
	vpx_codec_err_t err = vpx_codec_enc_config_default(vpx_codec_vp8_cx(), &cfg, 0);
	if (err != VPX_CODEC_OK) return err;
	cfg.g_w = w;
	cfg.g_h = h;
	cfg.g_timebase.num = 1;
	cfg.g_timebase.den = fps;
	cfg.rc_target_bitrate = kbps;
	cfg.g_threads = threads;
	// Real-time: no look-ahead (each frame leaves the encoder at once),
	// constant bit rate, and error resilience so a lost packet damages
	// one frame, not everything until the next key frame.
	cfg.g_lag_in_frames = 0;
	cfg.rc_end_usage = VPX_CBR;
	cfg.g_error_resilient = VPX_ERROR_RESILIENT_DEFAULT;
	cfg.rc_min_quantizer = 4;
	cfg.rc_max_quantizer = 56;
	cfg.rc_undershoot_pct = 95;
	cfg.rc_buf_sz = 1000;
	cfg.rc_buf_initial_sz = 500;
	cfg.rc_buf_optimal_sz = 600;
	cfg.kf_mode = VPX_KF_AUTO;
	cfg.kf_min_dist = 0;
	cfg.kf_max_dist = kfmax;
	err = vpx_codec_enc_init(ctx, vpx_codec_vp8_cx(), &cfg, 0);
	if (err != VPX_CODEC_OK) return err;
	err = vpx_codec_control(ctx, VP8E_SET_CPUUSED, cpuused);
	if (err != VPX_CODEC_OK) { vpx_codec_destroy(ctx); return err; }
	// Caps the size of key frames, which otherwise arrive as one burst of
	// packets several times the average frame.
	err = vpx_codec_control(ctx, VP8E_SET_MAX_INTRA_BITRATE_PCT, 300);
	if (err != VPX_CODEC_OK) { vpx_codec_destroy(ctx); return err; }
	return VPX_CODEC_OK;
}

static vpx_codec_err_t dr_encode(vpx_codec_ctx_t *ctx, int w, int h,
		unsigned char *y, unsigned char *u, unsigned char *v,
		int ystride, int cstride, long long pts, int force_key) {
	vpx_image_t img;
	// Wrapping the caller's planes for the duration of this call only: the
	// encoder copies what it keeps before returning.
	if (!vpx_img_wrap(&img, VPX_IMG_FMT_I420, w, h, 1, y)) return VPX_CODEC_INVALID_PARAM;
	img.planes[VPX_PLANE_Y] = y;
	img.planes[VPX_PLANE_U] = u;
	img.planes[VPX_PLANE_V] = v;
	img.stride[VPX_PLANE_Y] = ystride;
	img.stride[VPX_PLANE_U] = cstride;
	img.stride[VPX_PLANE_V] = cstride;
	return vpx_codec_encode(ctx, &img, pts, 1, force_key ? VPX_EFLAG_FORCE_KF : 0, VPX_DL_REALTIME);
}

// dr_next_frame copies the next compressed frame into buf (capacity cap)
// and returns its size, 0 when there is none, or -needed when buf is too
// small (the frame is then lost: callers size buf generously).
static long dr_next_frame(vpx_codec_ctx_t *ctx, vpx_codec_iter_t *iter,
		unsigned char *buf, long cap, int *key) {
	const vpx_codec_cx_pkt_t *pkt;
	while ((pkt = vpx_codec_get_cx_data(ctx, iter)) != NULL) {
		if (pkt->kind != VPX_CODEC_CX_FRAME_PKT) continue;
		long n = (long)pkt->data.frame.sz;
		if (n > cap) return -n;
		memcpy(buf, pkt->data.frame.buf, n);
		*key = (pkt->data.frame.flags & VPX_FRAME_IS_KEY) != 0;
		return n;
	}
	return 0;
}

static vpx_codec_err_t dr_set_bitrate(vpx_codec_ctx_t *ctx, int kbps) {
	vpx_codec_enc_cfg_t cfg = *ctx->config.enc;
	cfg.rc_target_bitrate = kbps;
	return vpx_codec_enc_config_set(ctx, &cfg);
}

static vpx_codec_err_t dr_dec_init(vpx_codec_ctx_t *ctx, int threads) {
	vpx_codec_dec_cfg_t cfg = {0};
	cfg.threads = threads;
	return vpx_codec_dec_init(ctx, vpx_codec_vp8_dx(), &cfg, 0);
}

static vpx_image_t *dr_decode(vpx_codec_ctx_t *ctx, const unsigned char *data, long n, vpx_codec_err_t *err) {
	vpx_codec_iter_t iter = NULL;
	*err = vpx_codec_decode(ctx, data, (unsigned int)n, NULL, 0);
	if (*err != VPX_CODEC_OK) return NULL;
	return vpx_codec_get_frame(ctx, &iter);
}
*/
import "C"

import (
	"errors"
	"fmt"
	"image"
	"unsafe"
)

// EncoderConfig sets up an Encoder. Width and height must be even.
type EncoderConfig struct {
	Width, Height int
	FPS           int // frames a second; 15 by default
	BitrateKbps   int // target bit rate; 500 by default
	// KeyFrameEvery bounds the distance between key frames, in frames; 10
	// seconds' worth by default. Newcomers do not wait for it: they ask
	// for a key frame (ForceKey).
	KeyFrameEvery int
	Threads       int // encoder threads; 1 by default
	// CPUUsed trades quality for speed, -16 to 16; 8 by default, the
	// fastest setting that still keeps a test pattern's edges sharp.
	CPUUsed int
}

// Encoder compresses frames of one size to VP8.
type Encoder struct {
	ctx    *C.vpx_codec_ctx_t
	w, h   int
	pts    int64
	buf    unsafe.Pointer
	bufCap int
}

func codecError(ctx *C.vpx_codec_ctx_t, what string, err C.vpx_codec_err_t) error {
	msg := C.GoString(C.vpx_codec_err_to_string(err))
	if ctx != nil {
		if detail := C.vpx_codec_error_detail(ctx); detail != nil {
			msg += ": " + C.GoString(detail)
		}
	}
	return fmt.Errorf("vp8 %s: %s", what, msg)
}

// NewEncoder starts an encoder. Close frees it.
func NewEncoder(cfg EncoderConfig) (*Encoder, error) {
	if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width%2 != 0 || cfg.Height%2 != 0 || cfg.Width > 4096 || cfg.Height > 4096 {
		return nil, fmt.Errorf("vp8: frame size %d×%d: width and height must be even, 2 to 4096", cfg.Width, cfg.Height)
	}
	if cfg.FPS <= 0 {
		cfg.FPS = 15
	}
	if cfg.BitrateKbps <= 0 {
		cfg.BitrateKbps = 500
	}
	if cfg.KeyFrameEvery <= 0 {
		cfg.KeyFrameEvery = 10 * cfg.FPS
	}
	if cfg.Threads <= 0 {
		cfg.Threads = 1
	}
	if cfg.CPUUsed == 0 {
		cfg.CPUUsed = 8
	}
	ctx := (*C.vpx_codec_ctx_t)(C.calloc(1, C.sizeof_vpx_codec_ctx_t))
	if err := C.dr_enc_init(ctx, C.int(cfg.Width), C.int(cfg.Height), C.int(cfg.FPS), C.int(cfg.BitrateKbps),
		C.int(cfg.KeyFrameEvery), C.int(cfg.Threads), C.int(cfg.CPUUsed)); err != C.VPX_CODEC_OK {
		e := codecError(nil, "encoder", err)
		C.free(unsafe.Pointer(ctx))
		return nil, e
	}
	// An uncompressed frame is a generous bound for a compressed one.
	capacity := cfg.Width*cfg.Height*3/2 + 4096
	return &Encoder{ctx: ctx, w: cfg.Width, h: cfg.Height, buf: C.malloc(C.size_t(capacity)), bufCap: capacity}, nil
}

// Frame is one compressed frame.
type Frame struct {
	Data []byte
	Key  bool // a key frame: decodable without any before it
}

// Encode compresses one frame, a key frame when forceKey is set. img must
// be 4:2:0 and of the encoder's size. The returned data is the caller's.
func (e *Encoder) Encode(img *image.YCbCr, forceKey bool) (Frame, error) {
	if e.ctx == nil {
		return Frame{}, errors.New("vp8: the encoder is closed")
	}
	if img.SubsampleRatio != image.YCbCrSubsampleRatio420 {
		return Frame{}, fmt.Errorf("vp8: frames must be 4:2:0, not %v", img.SubsampleRatio)
	}
	b := img.Rect
	if b.Dx() != e.w || b.Dy() != e.h {
		return Frame{}, fmt.Errorf("vp8: a %d×%d frame given to a %d×%d encoder", b.Dx(), b.Dy(), e.w, e.h)
	}
	yOff, cOff := img.YOffset(b.Min.X, b.Min.Y), img.COffset(b.Min.X, b.Min.Y)
	force := 0
	if forceKey {
		force = 1
	}
	y, u, v := &img.Y[yOff], &img.Cb[cOff], &img.Cr[cOff]
	err := C.dr_encode(e.ctx, C.int(e.w), C.int(e.h),
		(*C.uchar)(unsafe.Pointer(y)), (*C.uchar)(unsafe.Pointer(u)), (*C.uchar)(unsafe.Pointer(v)),
		C.int(img.YStride), C.int(img.CStride), C.longlong(e.pts), C.int(force))
	e.pts++
	if err != C.VPX_CODEC_OK {
		return Frame{}, codecError(e.ctx, "encode", err)
	}
	var iter C.vpx_codec_iter_t
	var key C.int
	n := C.dr_next_frame(e.ctx, &iter, (*C.uchar)(e.buf), C.long(e.bufCap), &key)
	if n < 0 {
		return Frame{}, fmt.Errorf("vp8: a compressed frame of %d bytes is larger than any frame should be", -n)
	}
	// With no look-ahead every input gives at most one output; none means
	// the rate control dropped the frame to keep the bit rate.
	return Frame{Data: C.GoBytes(e.buf, C.int(n)), Key: key != 0}, nil
}

// SetBitrate changes the target bit rate, for congestion control.
func (e *Encoder) SetBitrate(kbps int) error {
	if e.ctx == nil {
		return errors.New("vp8: the encoder is closed")
	}
	if err := C.dr_set_bitrate(e.ctx, C.int(kbps)); err != C.VPX_CODEC_OK {
		return codecError(e.ctx, "bit rate", err)
	}
	return nil
}

// Close frees the encoder. Safe to call twice.
func (e *Encoder) Close() {
	if e.ctx == nil {
		return
	}
	C.vpx_codec_destroy(e.ctx)
	C.free(unsafe.Pointer(e.ctx))
	C.free(e.buf)
	e.ctx, e.buf = nil, nil
}

// Decoder decompresses one VP8 stream.
type Decoder struct {
	ctx *C.vpx_codec_ctx_t
}

// NewDecoder starts a decoder. Close frees it.
func NewDecoder() (*Decoder, error) {
	ctx := (*C.vpx_codec_ctx_t)(C.calloc(1, C.sizeof_vpx_codec_ctx_t))
	if err := C.dr_dec_init(ctx, 1); err != C.VPX_CODEC_OK {
		C.free(unsafe.Pointer(ctx))
		return nil, codecError(nil, "decoder", err)
	}
	return &Decoder{ctx: ctx}, nil
}

// ErrNoFrame is returned when a compressed frame decodes to no picture
// (libvpx accepted it but shows nothing, as for a dropped frame).
var ErrNoFrame = errors.New("vp8: the frame decoded to no picture")

// Decode decompresses one frame into dst, reallocating it when it is nil or
// of another size, and returns it. The picture is a copy: dst stays valid
// after the next Decode. A damaged frame or one whose references were lost
// is an error; the caller asks the sender for a key frame.
func (d *Decoder) Decode(data []byte, dst *image.YCbCr) (*image.YCbCr, error) {
	if d.ctx == nil {
		return nil, errors.New("vp8: the decoder is closed")
	}
	if len(data) == 0 {
		return nil, errors.New("vp8: an empty frame")
	}
	var err C.vpx_codec_err_t
	img := C.dr_decode(d.ctx, (*C.uchar)(unsafe.Pointer(&data[0])), C.long(len(data)), &err)
	if err != C.VPX_CODEC_OK {
		return nil, codecError(d.ctx, "decode", err)
	}
	if img == nil {
		return nil, ErrNoFrame
	}
	if img.fmt != C.VPX_IMG_FMT_I420 {
		return nil, fmt.Errorf("vp8: decoded picture format %d is not I420", int(img.fmt))
	}
	w, h := int(img.d_w), int(img.d_h)
	if dst == nil || dst.Rect.Dx() != w || dst.Rect.Dy() != h || dst.SubsampleRatio != image.YCbCrSubsampleRatio420 {
		dst = image.NewYCbCr(image.Rect(0, 0, w, h), image.YCbCrSubsampleRatio420)
	}
	cw, ch := (w+1)/2, (h+1)/2
	copyPlane(dst.Y, dst.YStride, img.planes[C.VPX_PLANE_Y], int(img.stride[C.VPX_PLANE_Y]), w, h)
	copyPlane(dst.Cb, dst.CStride, img.planes[C.VPX_PLANE_U], int(img.stride[C.VPX_PLANE_U]), cw, ch)
	copyPlane(dst.Cr, dst.CStride, img.planes[C.VPX_PLANE_V], int(img.stride[C.VPX_PLANE_V]), cw, ch)
	return dst, nil
}

func copyPlane(dst []byte, dstStride int, src *C.uchar, srcStride, w, h int) {
	plane := unsafe.Slice((*byte)(unsafe.Pointer(src)), srcStride*(h-1)+w)
	for row := 0; row < h; row++ {
		copy(dst[row*dstStride:row*dstStride+w], plane[row*srcStride:row*srcStride+w])
	}
}

// Close frees the decoder. Safe to call twice.
func (d *Decoder) Close() {
	if d.ctx == nil {
		return
	}
	C.vpx_codec_destroy(d.ctx)
	C.free(unsafe.Pointer(d.ctx))
	d.ctx = nil
}
