// Package e2e runs the real dutyroom binary in a real X window (Xvfb) and
// checks what a person would see and what a restart would find.
package e2e

import (
	"bytes"
	"fmt"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"dutyroom/app"
	"dutyroom/app/demo"
	"dutyroom/store"
	"dutyroom/store/storetest"
)

// shotDir is where screenshots are kept for a person to look at; the
// Makefile points it inside the checkout.
func shotDir(t *testing.T) string {
	dir := os.Getenv("DUTYROOM_SHOTS")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "dutyroom-shots")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// buildClient builds cmd/dutyroom with the same flags as the Makefile, so
// the cgo part comes from the build cache.
func buildClient(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "dutyroom")
	cmd := exec.Command("go", "build", "-o", bin, "../cmd/dutyroom")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build dutyroom: %v\n%s", err, out)
	}
	return bin
}

// startXvfb starts a virtual display and returns its name once it accepts
// connections.
func startXvfb(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("Xvfb"); err != nil {
		t.Fatalf("Xvfb is not installed: run `make test`, which installs it (%v)", err)
	}
	for n := 90 + os.Getpid()%100; n < 400; n++ {
		if _, err := os.Stat(fmt.Sprintf("/tmp/.X11-unix/X%d", n)); err == nil {
			continue
		}
		display := ":" + strconv.Itoa(n)
		x := exec.Command("Xvfb", display, "-screen", "0", "1280x800x24", "-nolisten", "tcp")
		if err := x.Start(); err != nil {
			t.Fatalf("start Xvfb: %v", err)
		}
		t.Cleanup(func() { x.Process.Kill(); x.Wait() })
		deadline := time.Now().Add(10 * time.Second)
		for time.Now().Before(deadline) {
			if exec.Command("xdpyinfo", "-display", display).Run() == nil {
				return display
			}
			time.Sleep(100 * time.Millisecond)
		}
		t.Fatalf("Xvfb on %s did not come up", display)
	}
	t.Fatal("no free X display number")
	return ""
}

// waitWindow polls xdotool until a window whose name contains the text
// exists, and returns its id.
func waitWindow(t *testing.T, display, name string, timeout time.Duration) string {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		cmd := exec.Command("xdotool", "search", "--onlyvisible", "--name", name)
		cmd.Env = append(os.Environ(), "DISPLAY="+display)
		if out, err := cmd.Output(); err == nil {
			if ids := strings.Fields(string(out)); len(ids) > 0 {
				return ids[0]
			}
		}
		time.Sleep(250 * time.Millisecond)
	}
	t.Fatalf("no window named %q after %s", name, timeout)
	return ""
}

func windowName(t *testing.T, display, id string) string {
	cmd := exec.Command("xdotool", "getwindowname", id)
	cmd.Env = append(os.Environ(), "DISPLAY="+display)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("xdotool getwindowname: %v", err)
	}
	return strings.TrimSpace(string(out))
}

// screenshot captures the whole virtual screen; Fyne's own Capture returns
// a blank image under Xvfb.
func screenshot(t *testing.T, display, path string) image.Image {
	t.Helper()
	cmd := exec.Command("import", "-window", "root", path)
	cmd.Env = append(os.Environ(), "DISPLAY="+display)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("import: %v\n%s", err, out)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("decode screenshot: %v", err)
	}
	return img
}

// distinctColours counts colours on a coarse grid: a blank or single-colour
// window has one or two, a rendered screen with text has many.
func distinctColours(img image.Image) int {
	seen := map[uint32]bool{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y += 3 {
		for x := b.Min.X; x < b.Max.X; x += 3 {
			r, g, bl, _ := img.At(x, y).RGBA()
			seen[(r>>8)<<16|(g>>8)<<8|bl>>8] = true
		}
	}
	return len(seen)
}

func TestClientWindowOnFreshFolder(t *testing.T) {
	bin := buildClient(t)
	display := startXvfb(t)
	data := t.TempDir()

	var logs bytes.Buffer
	cmd := exec.Command(bin, "-data", data, "-demo")
	// An unset locale must give the Chinese interface.
	cmd.Env = append(filterEnv(os.Environ(), "LANG", "LC_ALL", "LC_MESSAGES", "LANGUAGE"), "DISPLAY="+display)
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			<-exited
		}
	}()

	id := waitWindow(t, display, "DutyRoom", 90*time.Second)
	if name := windowName(t, display, id); !strings.Contains(name, "值班室") {
		t.Errorf("window title = %q, want it to contain 值班室", name)
	}
	time.Sleep(2 * time.Second) // let the first frames and the directory load render
	path := filepath.Join(shotDir(t), "client-fresh-folder.png")
	img := screenshot(t, display, path)
	fmt.Printf("screenshot of the client window: %s\n", path)
	if n := distinctColours(img); n < 20 {
		t.Errorf("screenshot has %d distinct colours: the window looks blank", n)
	}

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("dutyroom exited with %v after SIGTERM\n%s", err, logs.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("dutyroom still running 20s after SIGTERM\n%s", logs.String())
	}
	if strings.Contains(logs.String(), "Error in Fyne call thread") {
		t.Errorf("the client updated the UI from the wrong goroutine:\n%s", logs.String())
	}

	// The store reopens cleanly with the seeded data intact.
	if err := store.CheckFile(filepath.Join(data, store.FileName)); err != nil {
		t.Fatalf("store after SIGTERM: %v", err)
	}
	db := storetest.OpenDir(t, data)
	dir := store.NewDirectory(db)
	wantStations, wantPersons := demo.Prefecture()
	stations, err := dir.Stations(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(stations) != len(wantStations) {
		t.Errorf("after restart: %d stations, want %d", len(stations), len(wantStations))
	}
	ident, err := store.NewIdentity(db).Identity(t.Context())
	if err != nil || ident.Name != "湘西州" {
		t.Errorf("after restart: identity = %v, %v; want 湘西州", ident, err)
	}
	persons, err := dir.Persons(t.Context(), app.PersonFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(persons) != len(wantPersons) {
		t.Errorf("after restart: %d people, want %d", len(persons), len(wantPersons))
	}
}

func filterEnv(env []string, drop ...string) []string {
	var out []string
next:
	for _, kv := range env {
		for _, d := range drop {
			if strings.HasPrefix(kv, d+"=") {
				continue next
			}
		}
		out = append(out, kv)
	}
	return out
}
