package capture

import (
	"errors"
	"fmt"
	"image"
	"log/slog"
	"sync"
	"sync/atomic"

	"github.com/pion/mediadevices/pkg/driver"
	"github.com/pion/mediadevices/pkg/frame"
	"github.com/pion/mediadevices/pkg/prop"

	"dutyroom/rtc"
)

// Video is the picture the engine publishes (an rtc.VideoSource): the
// chosen camera's latest frame, converted to the engine's 4:2:0 size, or
// the fallback while there is no camera, before its first frame, and
// after it fails.
type Video struct {
	width, height int
	fallback      rtc.VideoSource
	log           *slog.Logger

	// use serialises Use: two quick choices must not both open a
	// device and leave one of them running unseen.
	use sync.Mutex

	mu     sync.Mutex
	state  State
	cam    *camera
	onFail func(State)
}

// NewVideo makes a picture source of width×height that sends fallback
// until Use chooses a camera.
func NewVideo(width, height int, fallback rtc.VideoSource, log *slog.Logger) *Video {
	if log == nil {
		log = slog.Default()
	}
	return &Video{width: width, height: height, fallback: fallback, log: log, state: State{ID: Test}}
}

// OnFallback sets f to be told when a camera in use fails and the
// fallback takes over; it is called from the camera's goroutine.
func (v *Video) OnFallback(f func(State)) {
	v.mu.Lock()
	v.onFail = f
	v.mu.Unlock()
}

// State says what the source sends now.
func (v *Video) State() State {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.state
}

// Use switches to camera id: Test for the test pattern, "" for the
// system's preferred camera. A camera that is missing or does not open
// leaves the fallback in its place; the state says why, and so does the
// log.
func (v *Video) Use(id string) State {
	v.use.Lock()
	defer v.use.Unlock()
	v.mu.Lock()
	if v.cam != nil && v.cam.id == id {
		st := v.state
		v.mu.Unlock()
		return st
	}
	old := v.cam
	v.cam = nil
	v.state = State{ID: Test}
	v.mu.Unlock()
	if old != nil {
		old.stop()
	}
	if id == Test {
		return v.State()
	}
	cam, err := v.open(id)
	if err != nil {
		v.log.Warn("no camera: sending the test pattern", "camera", id, "err", err)
		st := State{ID: Test, Fallback: true, Reason: err.Error()}
		v.mu.Lock()
		v.state = st
		v.mu.Unlock()
		return st
	}
	v.log.Info("camera opened", "camera", cam.id, "name", cam.name, "format", cam.prop.FrameFormat, "width", cam.prop.Width, "height", cam.prop.Height)
	st := State{ID: cam.id, Name: cam.name}
	v.mu.Lock()
	v.cam, v.state = cam, st
	v.mu.Unlock()
	go v.run(cam)
	return st
}

// Close stops the camera.
func (v *Video) Close() { v.Use(Test) }

// ErrNoCamera says the machine has no camera the drivers can see.
var ErrNoCamera = errors.New("no camera found")

func (v *Video) open(id string) (*camera, error) {
	var drivers []driver.Driver
	if id == "" {
		cams := Cameras()
		if len(cams) == 0 {
			return nil, ErrNoCamera
		}
		id = cams[0].ID
	}
	drivers = find(driver.Camera, id)
	if len(drivers) == 0 {
		return nil, fmt.Errorf("camera %s is not connected", id)
	}
	d := drivers[0]
	rec, ok := d.(driver.VideoRecorder)
	if !ok {
		return nil, fmt.Errorf("camera %s cannot record", id)
	}
	if err := d.Open(); err != nil {
		return nil, fmt.Errorf("opening camera %s: %w", id, err)
	}
	p, ok := pickVideo(d.Properties(), v.width, v.height)
	if !ok {
		_ = d.Close()
		return nil, fmt.Errorf("camera %s offers no picture format this program reads", id)
	}
	r, err := rec.VideoRecord(p)
	if err != nil {
		_ = d.Close()
		return nil, fmt.Errorf("starting camera %s: %w", id, err)
	}
	return &camera{id: id, name: name(d.Info()), drv: d, prop: p, read: r.Read, done: make(chan struct{})}, nil
}

// pickVideo chooses the camera mode nearest the engine's size, preferring
// an uncompressed one of equal size (MJPEG costs a decode a frame) and a
// frame rate of at least 15.
func pickVideo(props []prop.Media, w, h int) (prop.Media, bool) {
	best, bestScore := prop.Media{}, -1
	for _, p := range props {
		if p.Width <= 0 || p.Height <= 0 || p.FrameFormat == frame.FormatZ16 {
			continue // a depth camera's Z16 is no picture
		}
		score := abs(p.Width*p.Height - w*h)
		if compressed(p.FrameFormat) {
			score += w * h / 8
		}
		if p.FrameRate > 0 && p.FrameRate < 15 {
			score += w * h
		}
		if bestScore < 0 || score < bestScore {
			best, bestScore = p, score
		}
	}
	if bestScore < 0 {
		return prop.Media{}, false
	}
	if best.FrameRate > 15 {
		best.FrameRate = 15 // what the engine sends; fewer frames to convert
	}
	return best, true
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// run converts the camera's frames until it is stopped or fails.
func (v *Video) run(c *camera) {
	defer close(c.done)
	for {
		img, release, err := c.read()
		if c.stopped.Load() {
			if release != nil {
				release()
			}
			return
		}
		if err != nil {
			v.failed(c, err)
			return
		}
		c.put(img, v.width, v.height)
		release()
	}
}

// failed puts the fallback in place of a camera that stopped sending.
func (v *Video) failed(c *camera, err error) {
	v.log.Warn("the camera failed: sending the test pattern", "camera", c.id, "err", err)
	v.mu.Lock()
	if v.cam != c {
		v.mu.Unlock()
		return
	}
	v.cam = nil
	st := State{ID: Test, Fallback: true, Reason: fmt.Sprintf("camera %s: %v", c.name, err)}
	v.state = st
	f := v.onFail
	v.mu.Unlock()
	c.stop()
	if f != nil {
		f(st)
	}
}

// Frame implements rtc.VideoSource: the camera's latest picture, a dark
// one until its first frame (not a flash of the test pattern), or the
// fallback's picture n without a camera.
func (v *Video) Frame(n uint32, dst *image.YCbCr) (*image.YCbCr, error) {
	v.mu.Lock()
	c := v.cam
	v.mu.Unlock()
	if c == nil {
		return v.fallback.Frame(n, dst)
	}
	if img, ok := c.latest(dst, v.width, v.height); ok {
		return img, nil
	}
	if dst == nil || dst.Rect != image.Rect(0, 0, v.width, v.height) || dst.SubsampleRatio != image.YCbCrSubsampleRatio420 {
		dst = image.NewYCbCr(image.Rect(0, 0, v.width, v.height), image.YCbCrSubsampleRatio420)
	}
	blank(dst)
	return dst, nil
}

// camera is one opened camera and its latest converted frame.
type camera struct {
	id, name string
	drv      driver.Driver
	prop     prop.Media
	read     func() (image.Image, func(), error)
	done     chan struct{}
	stopped  atomic.Bool
	once     sync.Once

	mu    sync.Mutex
	last  *image.YCbCr // nil until the first frame
	spare *image.YCbCr
	count int64
}

// put converts a frame into the spare picture and makes it the latest:
// the engine copies from the latest while the next frame converts.
func (c *camera) put(img image.Image, w, h int) {
	c.mu.Lock()
	dst := c.spare
	c.spare = nil
	c.mu.Unlock()
	if dst == nil {
		dst = image.NewYCbCr(image.Rect(0, 0, w, h), image.YCbCrSubsampleRatio420)
	}
	fit(dst, img)
	c.mu.Lock()
	c.spare, c.last = c.last, dst
	c.count++
	c.mu.Unlock()
}

// latest copies the latest frame into dst (allocated when it does not
// fit); false before the first frame.
func (c *camera) latest(dst *image.YCbCr, w, h int) (*image.YCbCr, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.last == nil {
		return nil, false
	}
	if dst == nil || dst.Rect != c.last.Rect || dst.SubsampleRatio != image.YCbCrSubsampleRatio420 {
		dst = image.NewYCbCr(image.Rect(0, 0, w, h), image.YCbCrSubsampleRatio420)
	}
	copy(dst.Y, c.last.Y)
	copy(dst.Cb, c.last.Cb)
	copy(dst.Cr, c.last.Cr)
	return dst, true
}

// frames is how many frames the camera delivered.
func (c *camera) frames() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.count
}

// stop closes the driver, which ends the reader. It does not wait for
// the reader: a driver may be mid-frame, and the next camera need not wait
// for that.
func (c *camera) stop() {
	c.once.Do(func() {
		c.stopped.Store(true)
		if err := c.drv.Close(); err != nil {
			slog.Default().Debug("closing the camera", "camera", c.id, "err", err)
		}
	})
}
