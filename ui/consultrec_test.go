package ui

import (
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"dutyroom/app"
	"dutyroom/app/consult"
)

// The host's window: the red 录制中 shows while the hub says the room is
// recorded and goes when it says it stopped; the host's button asks the
// hub to switch, and the window follows the hub's answer, not the button.
func TestConsultRoomRecordingIndicatorForHost(t *testing.T) {
	d := newConsultDemo(t)
	c := consult.Consultation{Title: "防汛调度", Invited: []app.ID{d.luxi.ID}, Recording: true}
	if err := d.consults.Schedule(t.Context(), &c); err != nil {
		t.Fatal(err)
	}
	u := d.open(t, "consultation")
	r := roomOf(t, u)
	members := []consult.Member{{Participant: "me", Station: d.jishou.ID}, {Participant: "a", Station: d.luxi.ID}}
	if r.recLabel.Visible() {
		t.Fatal("录制中 shows before the hub said anything")
	}
	if !r.record.Visible() {
		t.Fatal("the host has no recording button")
	}

	// Joined a room the hub records since the start.
	d.media.sink.Room(consult.RoomState{In: true, You: "me", Members: members, Recording: true})
	if !r.recLabel.Visible() || r.recLabel.Text != "● 录制中" || r.recLabel.Importance != widget.DangerImportance {
		t.Fatalf("recording: label visible %v, %q, importance %v", r.recLabel.Visible(), r.recLabel.Text, r.recLabel.Importance)
	}
	// At the right of the bar, clear of the title and the status.
	if lx, sx := r.recLabel.Position().X, r.status.Position().X+r.status.Size().Width; lx < sx || r.recLabel.Size().Width == 0 {
		t.Fatalf("录制中 laid out at x %.0f, width %.0f; the status ends at %.0f", lx, r.recLabel.Size().Width, sx)
	}
	if r.record.Text != "停止录制" {
		t.Fatalf("the button says %q while recording", r.record.Text)
	}

	// The host stops it: the request goes to the hub; the label goes when
	// the hub says so.
	test.Tap(r.record)
	if len(d.media.records) != 1 || d.media.records[0] {
		t.Fatalf("asked the hub for %v; want one stop", d.media.records)
	}
	d.media.sink.Room(consult.RoomState{In: true, You: "me", Members: members, Recording: false})
	if r.recLabel.Visible() || r.record.Text != "开始录制" {
		t.Fatalf("after the hub stopped: label %v, button %q", r.recLabel.Visible(), r.record.Text)
	}

	// The hub refuses to start: the refusal is shown, nothing changes.
	d.media.refuse = app.Errorf(app.ECONFLICT, "room.record: this hub keeps no recordings")
	test.Tap(r.record)
	if len(d.media.records) != 2 || !d.media.records[1] {
		t.Fatalf("asked the hub for %v; want a stop then a start", d.media.records)
	}
	if r.recLabel.Visible() {
		t.Fatal("录制中 shows after the hub refused to record")
	}
	top := r.win.Canvas().Overlays().Top()
	if top == nil || !strings.Contains(strings.Join(texts(top), "\n"), "this hub keeps no recordings") {
		t.Fatalf("the refusal is not shown: %v", texts(top))
	}
	r.win.Canvas().Overlays().Remove(top)

	// Out of the room: no label.
	d.media.sink.Room(consult.RoomState{In: true, You: "me", Members: members, Recording: true})
	d.media.sink.Room(consult.RoomState{In: false, Reason: "the consultation was closed"})
	if r.recLabel.Visible() {
		t.Fatal("录制中 still shows after leaving the room")
	}
}

// An invited station sees the label as the host does, and has no button.
func TestConsultRoomRecordingIndicatorForInvited(t *testing.T) {
	d := newConsultDemo(t)
	d.fromPrefecture()
	u := d.open(t, "consultation")
	r := roomOf(t, u)
	if r.record.Visible() {
		t.Fatal("an invited station has the recording button")
	}
	members := []consult.Member{{Participant: "h", Station: d.xiangxi.ID}, {Participant: "me", Station: d.jishou.ID}}
	d.media.sink.Room(consult.RoomState{In: true, You: "me", Members: members})
	if r.recLabel.Visible() {
		t.Fatal("录制中 shows in a room not recorded")
	}
	d.media.sink.Room(consult.RoomState{In: true, You: "me", Members: members, Recording: true})
	if !r.recLabel.Visible() {
		t.Fatal("录制中 does not show when the host starts recording")
	}
	d.media.sink.Room(consult.RoomState{In: true, You: "me", Members: members, Recording: false})
	if r.recLabel.Visible() {
		t.Fatal("录制中 still shows after the host stopped recording")
	}
}

// 会商记录 lists the recorded files with whose they are, picture or
// sound, size and times, and says when the hub could not write one whole.
func TestConsultRecordListsRecordedFiles(t *testing.T) {
	d := newConsultDemo(t)
	c := consult.Consultation{Title: "防汛调度", Invited: []app.ID{d.luxi.ID}, Recording: true}
	if err := d.consults.Schedule(t.Context(), &c); err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 7, 14, 2, 0, 0, 0, time.UTC) // 10:00 in Beijing
	err := d.consults.SaveRecordings(t.Context(), consult.Recordings{Consultation: c.ID, Folder: "recordings/" + c.ID.String(), Files: []consult.RecordedFile{
		{Name: "jishou-video-1.ivf", Station: d.jishou.ID, User: "jishou", Kind: consult.KindVideo, Size: 3 << 20, Start: start, End: start.Add(5 * time.Minute)},
		{Name: "luxi-audio-1.ogg", Station: d.luxi.ID, User: "luxi", Kind: consult.KindAudio, Size: 200 << 10, Start: start, End: start.Add(4 * time.Minute), Dropped: 12},
		{Name: "luxi-video-1.ivf", Station: d.luxi.ID, User: "luxi", Kind: consult.KindVideo, Start: start, Error: "cannot create the file: no space left on device"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	u := d.open(t, "consultation")
	u.consults.list.Select(0)
	if !u.consults.recBox.Visible() {
		t.Fatal("no recorded files section")
	}
	got := u.consults.recs.Text
	for _, want := range []string{
		"recordings/" + c.ID.String(),
		"吉首市　画面　jishou-video-1.ivf　3.0 MB　10:00:00–10:05:00",
		"泸溪县　声音　luxi-audio-1.ogg　200 KB　10:00:00–10:04:00（磁盘跟不上，缺 12 个数据包）",
		"泸溪县　画面　luxi-video-1.ivf　0 B　10:00:00–仍在录制（写入失败：cannot create the file: no space left on device）",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("the list lacks %q:\n%s", want, got)
		}
	}
}

// TestConsultRecordScreenshot renders 会商记录 with recorded files, in the
// folder named by DUTYROOM_SCREENSHOTS.
func TestConsultRecordScreenshot(t *testing.T) {
	dir := os.Getenv("DUTYROOM_SCREENSHOTS")
	if dir == "" {
		t.Skip("set DUTYROOM_SCREENSHOTS to a folder to render the screens")
	}
	d := newConsultDemo(t)
	c := consult.Consultation{Title: "防汛调度", Invited: []app.ID{d.luxi.ID}, Recording: true}
	if err := d.consults.Schedule(t.Context(), &c); err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 7, 14, 2, 0, 0, 0, time.UTC)
	_ = d.consults.SaveRecordings(t.Context(), consult.Recordings{Consultation: c.ID, Folder: "recordings/" + c.ID.String(), Files: []consult.RecordedFile{
		{Name: "jishou-video-1.ivf", Station: d.jishou.ID, Kind: consult.KindVideo, Size: 3 << 20, Start: start, End: start.Add(5 * time.Minute)},
		{Name: "jishou-audio-1.ogg", Station: d.jishou.ID, Kind: consult.KindAudio, Size: 300 << 10, Start: start, End: start.Add(5 * time.Minute)},
		{Name: "luxi-video-1.ivf", Station: d.luxi.ID, Kind: consult.KindVideo, Size: 2 << 20, Start: start, End: start.Add(4 * time.Minute), Dropped: 12},
	}})
	u := d.open(t, "consultation")
	u.consults.list.Select(0)
	path := filepath.Join(dir, "consultation-record.png")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, u.win.Canvas().Capture()); err != nil {
		t.Fatal(err)
	}
	t.Log(path)
}
