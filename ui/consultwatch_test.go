package ui

import (
	"context"
	"image/png"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/test"

	"dutyroom/app"
	"dutyroom/app/consult"
	"dutyroom/assets"
)

// fakeRecLinks is the hub's room.reclink as the window sees it.
type fakeRecLinks struct {
	mu    sync.Mutex
	asked []app.ID
	err   error
}

func (f *fakeRecLinks) RecordingsLink(ctx context.Context, id app.ID) (consult.RecordingsLink, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.asked = append(f.asked, id)
	if f.err != nil {
		return consult.RecordingsLink{}, f.err
	}
	return consult.RecordingsLink{Room: id, URL: "https://10.0.0.5:7443/recordings/open?code=xyz", Expires: time.Now().Add(2 * time.Minute)}, nil
}

// recordedConsultation is a consultation of 吉首市 with 泸溪县 whose
// recording has a finished file, its record open in 会商记录 with links
// at hand; openURL records what the window opens.
func recordedConsultation(t *testing.T, links consult.RecordingLinks) (*UI, app.ID, *[]string) {
	t.Helper()
	d := newConsultDemo(t)
	c := consult.Consultation{Title: "防汛调度", Invited: []app.ID{d.luxi.ID}, Recording: true}
	if err := d.consults.Schedule(t.Context(), &c); err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 7, 14, 2, 0, 0, 0, time.UTC)
	err := d.consults.SaveRecordings(t.Context(), consult.Recordings{Consultation: c.ID, Folder: "recordings/" + c.ID.String(), Files: []consult.RecordedFile{
		{Name: "jishou-video-1.ivf", Station: d.jishou.ID, User: "jishou", Kind: consult.KindVideo, Size: 3 << 20, Start: start, End: start.Add(5 * time.Minute)},
		{Name: "jishou-audio-1.ogg", Station: d.jishou.ID, User: "jishou", Kind: consult.KindAudio, Size: 300 << 10, Start: start, End: start.Add(5 * time.Minute)},
	}})
	if err != nil {
		t.Fatal(err)
	}
	s := d.services()
	s.Consultations, s.Media, s.RecordingLinks = d.consults, d.media, links
	s.Author = "刘值班"
	u := New(test.NewTempApp(t), s)
	t.Cleanup(u.win.Close)
	u.win.Resize(fyne.NewSize(1366, 768))
	var opened []string
	u.openURL = func(l *url.URL) error { opened = append(opened, l.String()); return nil }
	u.nav.open("consultation")
	u.consults.list.Select(0)
	return u, c.ID, &opened
}

// 观看 asks the hub for a link to the recordings page of the consultation
// in sight and opens it in the browser.
func TestWatchRecordingsOpensTheHubsPageInTheBrowser(t *testing.T) {
	links := &fakeRecLinks{}
	u, id, opened := recordedConsultation(t, links)
	if !u.consults.watch.Visible() {
		t.Fatal("no 观看 button beside the recorded files")
	}
	test.Tap(u.consults.watch)
	if len(links.asked) != 1 || links.asked[0] != id {
		t.Fatalf("asked the hub for %v, want the consultation %s", links.asked, id)
	}
	if len(*opened) != 1 || (*opened)[0] != "https://10.0.0.5:7443/recordings/open?code=xyz" {
		t.Fatalf("opened %v", *opened)
	}
}

// Offline, or refused by the hub, 观看 says why in words and opens nothing.
func TestWatchRecordingsSaysWhyItCannot(t *testing.T) {
	for _, c := range []struct {
		err  error
		want string
	}{
		{&app.Error{Code: app.EINTERNAL, Field: consult.LinkOffline, Message: "offline"}, "未连接值班中心"},
		{&app.Error{Code: app.EFORBIDDEN, Field: consult.LinkNotInvited, Message: "no"}, "只有主持方、受邀站点和主持方的上级站点可以观看"},
	} {
		links := &fakeRecLinks{err: c.err}
		u, _, opened := recordedConsultation(t, links)
		test.Tap(u.consults.watch)
		if len(*opened) != 0 {
			t.Errorf("opened %v after an error", *opened)
		}
		if text := strings.Join(texts(overlay(t, u)), " "); !strings.Contains(text, c.want) {
			t.Errorf("the message for %v: %q, want %q", c.err, text, c.want)
		}
	}
}

// Without a finished file, or without a hub to ask, there is no 观看.
func TestWatchRecordingsNeedsAFinishedFileAndAHub(t *testing.T) {
	u, _, _ := recordedConsultation(t, nil)
	if u.consults.watch.Visible() {
		t.Error("观看 shows in a window that cannot ask the hub for a link")
	}
}

// TestWatchRecordingsScreenshot renders 会商记录 with 观看 at 1366×768 in
// both languages, in the folder named by DUTYROOM_SCREENSHOTS (a
// temporary one without it), the button labelled in the window's language.
func TestWatchRecordingsScreenshot(t *testing.T) {
	dir := os.Getenv("DUTYROOM_SCREENSHOTS")
	if dir == "" {
		dir = t.TempDir()
	}
	for _, language := range []string{assets.Chinese, assets.English} {
		t.Run(language, func(t *testing.T) {
			inLanguage(t, language)
			u, _, _ := recordedConsultation(t, &fakeRecLinks{})
			if want := lang.L("consult.recordings_watch"); u.consults.watch.Text != want || !u.consults.watch.Visible() {
				t.Fatalf("the button reads %q, want %q", u.consults.watch.Text, want)
			}
			f, err := os.Create(filepath.Join(dir, language+"-consultation-record-watch-1366x768.png"))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if err := png.Encode(f, u.win.Canvas().Capture()); err != nil {
				t.Fatal(err)
			}
		})
	}
}
