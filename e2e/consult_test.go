package e2e

import (
	"bytes"
	"fmt"
	"image"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"dutyroom/store"
)

// window is one running dutyroom window and its log.
type window struct {
	cmd *exec.Cmd
	log *syncLog
}

type syncLog struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *syncLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *syncLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// TestConsultationWindowWithThreeStations runs three duty rooms of the demo
// prefecture against one hub (the prefecture's window serves it): the
// prefecture starts a consultation with two counties from its 会商 screen,
// the invitation rings at both and each accepts, the prefecture joins, and
// every window shows the others' test pictures. The prefecture ticks 录制
// when starting it: its window shows the red 录制中, and its hub writes
// each station's picture and sound to files. The screenshot of the
// prefecture's consultation window is kept for a person to look at.
func TestConsultationWindowWithThreeStations(t *testing.T) {
	bin := buildClient(t)
	hubBin := filepath.Join(t.TempDir(), "dutyhub")
	if out, err := exec.Command("go", "build", "-o", hubBin, "../cmd/dutyhub").CombinedOutput(); err != nil {
		t.Fatalf("build dutyhub: %v\n%s", err, out)
	}
	display := startXvfb(t)
	root := t.TempDir()
	dirA, dirB, dirC := filepath.Join(root, "A"), filepath.Join(root, "B"), filepath.Join(root, "C")
	addr := freeAddr(t)
	env := append(filterEnv(os.Environ(), "LC_ALL", "LANG", "LC_MESSAGES", "DISPLAY"), "DISPLAY="+display, "LC_ALL=zh_CN.UTF-8")

	run := func(name string, stdin string, args ...string) string {
		t.Helper()
		cmd := exec.Command(name, args...)
		cmd.Env = env
		cmd.Stdin = strings.NewReader(stdin)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s %s: %v\n%s", filepath.Base(name), strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	start := func(args ...string) *window {
		t.Helper()
		w := &window{cmd: exec.Command(bin, args...), log: &syncLog{}}
		w.cmd.Env = env
		w.cmd.Stdout, w.cmd.Stderr = w.log, w.log
		if err := w.cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { w.stop() })
		return w
	}
	waitLog := func(w *window, re *regexp.Regexp, what string) []string {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for time.Now().Before(deadline) {
			if m := re.FindStringSubmatch(w.log.String()); m != nil {
				return m
			}
			time.Sleep(100 * time.Millisecond)
		}
		t.Fatalf("waiting for %s; the log:\n%s", what, w.log.String())
		return nil
	}
	loggedIn := regexp.MustCompile(`is logged in to it`)

	// The prefecture's first start makes its hub and gives it the tree;
	// the counties' accounts are added while it is stopped.
	a := start("-data", dirA, "-demo", "-serve", addr)
	waitLog(a, loggedIn, "the prefecture's hub")
	a.stop()
	run(hubBin, "correct horse battery\n", "-data", filepath.Join(dirA, "hub"), "user", "add", "jishou", "433101")
	run(hubBin, "correct horse battery\n", "-data", filepath.Join(dirA, "hub"), "user", "add", "luxi", "433122")
	// The counties start from the tree alone: a demo history would put
	// their incidents in the prefecture's alarm banner, over the screen
	// this test clicks by position.
	run(bin, "", "-data", dirB, "init", "--demo", "--bare", "--station", "433101")
	run(bin, "", "-data", dirC, "init", "--demo", "--bare", "--station", "433122")

	a = start("-data", dirA, "-serve", addr)
	pin := waitLog(a, regexp.MustCompile(`certificate pin \(SHA-256\): ([0-9a-f ]+)\n`), "the pin")[1]
	waitLog(a, loggedIn, "the prefecture's login")
	run(bin, "correct horse battery\n", "-data", dirB, "hub", "connect", "--addr", "wss://"+addr, "--user", "jishou", "--pin", pin)
	run(bin, "correct horse battery\n", "-data", dirC, "hub", "connect", "--addr", "wss://"+addr, "--user", "luxi", "--pin", pin)
	b := start("-data", dirB)
	c := start("-data", dirC)
	winA, winB, winC := mainWindow(t, display, a), mainWindow(t, display, b), mainWindow(t, display, c)
	time.Sleep(3 * time.Second) // the counties come online

	x := func(args ...string) {
		t.Helper()
		cmd := exec.Command("xdotool", args...)
		cmd.Env = env
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("xdotool %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	click := func(win string, px, py int) {
		t.Helper()
		x("windowraise", win)
		time.Sleep(300 * time.Millisecond)
		x("mousemove", "--window", win, fmt.Sprint(px), fmt.Sprint(py), "click", "1")
		time.Sleep(500 * time.Millisecond)
	}
	shot := func(name string) image.Image {
		return screenshot(t, display, filepath.Join(shotDir(t), "consultation-"+name+".png"))
	}

	// 会商 → 发起会商: a title, 吉首市 at the top of the list and 泸溪县
	// below it, then 发起.
	click(winA, 50, 268) // 会商 in the navigation
	click(winA, 316, 71) // below the 会商记录 / 例行测试 tabs
	click(winA, 650, 195)
	x("windowfocus", "--sync", winA)
	x("type", "--window", winA, "--delay", "30", "Typhoon briefing")
	click(winA, 471, 276)
	x("mousemove", "--window", winA, "600", "380")
	for range 8 {
		x("click", "5")
	}
	time.Sleep(300 * time.Millisecond)
	click(winA, 471, 293)
	click(winA, 471, 544) // 录制本次会商
	shot("new")
	click(winA, 866, 669) // 发起
	waitLog(a, regexp.MustCompile(`consultation started: room open`), "the hub to open the room")

	// It rings at both counties; each accepts and its window joins.
	time.Sleep(4 * time.Second) // the invitation arrives and the window polls
	x("windowraise", winB)
	time.Sleep(500 * time.Millisecond)
	shot("ringing")
	click(winB, 776, 488)
	click(winC, 776, 488)
	waitLog(a, regexp.MustCompile(`(?s)joined a consultation.*joined a consultation`), "both counties to join")

	// The prefecture opens its consultation and joins.
	time.Sleep(4 * time.Second)
	click(winA, 316, 120)
	click(winA, 578, 197) // 进入会商, under the three lines of a recorded consultation
	waitLog(a, regexp.MustCompile(`(?s)(joined a consultation.*){3}`), "the prefecture to join")
	room := waitWindow(t, display, "视频会商：Typhoon briefing", 20*time.Second)
	for _, id := range windowsNamed(t, display, "视频会商：Typhoon briefing") {
		if pidOf(t, display, id) == a.cmd.Process.Pid {
			room = id
		}
	}
	x("windowraise", room)
	time.Sleep(4 * time.Second) // pictures arrive
	path := filepath.Join(shotDir(t), "consultation-window.png")
	img := screenshot(t, display, path)
	t.Logf("the prefecture's consultation window: %s", path)
	// Three pictures: the speaker's on the left, two in the column on
	// the right (the other county's and this station's own).
	for _, r := range []image.Rectangle{image.Rect(0, 40, 700, 600), image.Rect(720, 40, 1020, 300), image.Rect(720, 360, 1020, 600)} {
		if n := barPixels(img, r); n < 2000 {
			t.Errorf("the window shows %d pixels of test-pattern colour in %v: a picture is missing (see %s)", n, r, path)
		}
	}
	// 录制中, red, at the right of the window's top bar.
	if n := redPixels(img, image.Rect(824, 0, 1024, 45)); n < 20 {
		t.Errorf("no red 录制中 at the top right of the window (%d red pixels; see %s)", n, path)
	}
	// The hub writes a picture and a sound file per station.
	files, _ := filepath.Glob(filepath.Join(dirA, "hub", "recordings", "*", "*-*-1.*"))
	var names []string
	for _, f := range files {
		if st, err := os.Stat(f); err == nil && st.Size() > 1000 {
			names = append(names, filepath.Base(f))
		}
	}
	slices.Sort(names)
	want := []string{"jishou-audio-1.ogg", "jishou-video-1.ivf", "local-433100-audio-1.ogg", "local-433100-video-1.ivf", "luxi-audio-1.ogg", "luxi-video-1.ivf"}
	if !slices.Equal(names, want) {
		t.Errorf("recorded files being written: %v, want %v", names, want)
	}
	// 停止录制: the six files close, and 录制中 goes.
	click(room, 382, 679)
	waitLog(a, regexp.MustCompile(`(?s)(recording: file closed.*){6}`), "the hub to close the six files")
	time.Sleep(time.Second)
	path = filepath.Join(shotDir(t), "consultation-window-stopped.png")
	if n := redPixels(screenshot(t, display, path), image.Rect(824, 0, 1024, 45)); n > 0 {
		t.Errorf("录制中 still shows after 停止录制 (%d red pixels; see %s)", n, path)
	}
	// Out of the room, 会商记录 lists the files, for a person to look at.
	click(room, 985, 679)
	time.Sleep(2 * time.Second)
	shot("record")
	// The prefecture's data file holds the six files on the record.
	a.stop()
	db, err := store.Open(dirA)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	recs, err := store.NewConsultations(db).Records(t.Context())
	if err != nil || len(recs) != 1 {
		t.Fatalf("the prefecture's consultations: %d, %v", len(recs), err)
	}
	var kept []string
	for _, f := range recs[0].Recordings {
		if !f.End.IsZero() && f.Size > 1000 && f.Error == "" {
			kept = append(kept, f.Name)
		}
	}
	slices.Sort(kept)
	if !slices.Equal(kept, want) {
		t.Errorf("the record lists %v, want %v closed and written", kept, want)
	}
	for _, w := range []*window{a, b, c} {
		if strings.Contains(w.log.String(), "Error in Fyne call thread") {
			t.Errorf("a window updated widgets off the UI goroutine:\n%s", w.log.String())
		}
	}
}

func (w *window) stop() {
	if w.cmd.Process == nil || w.cmd.ProcessState != nil {
		return
	}
	w.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { w.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		w.cmd.Process.Kill()
		<-done
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// mainWindow waits for the process's window and returns its id.
func mainWindow(t *testing.T, display string, w *window) string {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		cmd := exec.Command("xdotool", "search", "--onlyvisible", "--pid", fmt.Sprint(w.cmd.Process.Pid))
		cmd.Env = append(os.Environ(), "DISPLAY="+display)
		if out, err := cmd.Output(); err == nil {
			if ids := strings.Fields(string(out)); len(ids) > 0 {
				// The clicks below are placed for a 1280×800 window (the
				// size of the virtual screen); the program opens smaller.
				resize := exec.Command("xdotool", "windowsize", "--sync", ids[0], "1280", "800")
				resize.Env = cmd.Env
				if out, err := resize.CombinedOutput(); err != nil {
					t.Fatalf("xdotool windowsize: %v\n%s", err, out)
				}
				time.Sleep(time.Second) // drawn
				return ids[0]
			}
		}
		time.Sleep(250 * time.Millisecond)
	}
	t.Fatalf("no window of process %d; its log:\n%s", w.cmd.Process.Pid, w.log.String())
	return ""
}

func windowsNamed(t *testing.T, display, name string) []string {
	cmd := exec.Command("xdotool", "search", "--onlyvisible", "--name", name)
	cmd.Env = append(os.Environ(), "DISPLAY="+display)
	out, _ := cmd.Output()
	return strings.Fields(string(out))
}

func pidOf(t *testing.T, display, id string) int {
	cmd := exec.Command("xdotool", "getwindowpid", id)
	cmd.Env = append(os.Environ(), "DISPLAY="+display)
	out, err := cmd.Output()
	if err != nil {
		return 0
	}
	var pid int
	fmt.Sscan(string(out), &pid)
	return pid
}

// barPixels counts, within r, pixels of the test pattern's saturated bars (yellow,
// cyan, green, magenta, red, blue at 75%), which nothing else in the
// window draws.
// redPixels counts the pixels of the danger colour (red text) in r.
func redPixels(img image.Image, r image.Rectangle) int {
	n := 0
	b := img.Bounds().Intersect(r)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			if r>>8 > 180 && g>>8 < 100 && bl>>8 < 100 {
				n++
			}
		}
	}
	return n
}

func barPixels(img image.Image, r image.Rectangle) int {
	n := 0
	b := img.Bounds().Intersect(r)
	for y := b.Min.Y; y < b.Max.Y; y += 2 {
		for x := b.Min.X; x < b.Max.X; x += 2 {
			r, g, bl, _ := img.At(x, y).RGBA()
			r, g, bl = r>>8, g>>8, bl>>8
			hi, lo := max(r, g, bl), min(r, g, bl)
			if hi > 150 && lo < 60 {
				n++
			}
		}
	}
	return n
}
