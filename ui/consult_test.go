package ui

import (
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/test"

	"dutyroom/app"
	"dutyroom/app/consult"
	"dutyroom/app/incident"
	"dutyroom/assets"
)

func init() {
	everyFrame = func(<-chan struct{}, func()) {}
}

// consultDemo is 吉首市 with consultations and a video room played by the
// test.
type consultDemo struct {
	*alertDemo
	consults *fakeConsults
	media    *fakeMedia
}

func newConsultDemo(t *testing.T) *consultDemo {
	t.Helper()
	d := &consultDemo{alertDemo: newAlertDemo(t, "2026-07-14 10:00:00"), media: &fakeMedia{}}
	d.consults = &fakeConsults{self: func() app.ID { return d.store.identity }, now: func() time.Time { return d.now }}
	return d
}

func (d *consultDemo) open(t *testing.T, screen string) *UI {
	t.Helper()
	s := d.services()
	s.Consultations, s.Media = d.consults, d.media
	s.Author = "刘值班"
	u := New(test.NewTempApp(t), s)
	t.Cleanup(u.win.Close)
	u.win.Resize(fyne.NewSize(1280, 800))
	u.nav.open(screen)
	return u
}

// fromPrefecture is a live consultation 湘西州 called with 吉首市 and 泸溪县.
func (d *consultDemo) fromPrefecture() consult.Consultation {
	return d.consults.receive(consult.Consultation{Host: d.xiangxi.ID, Title: "暴雨防御视频会商", CreatedBy: "张科长",
		Invited: []app.ID{d.jishou.ID, d.luxi.ID}, State: consult.Live})
}

func TestConsultInvitationRingsUntilAccepted(t *testing.T) {
	d := newConsultDemo(t)
	c := d.fromPrefecture()
	u := d.open(t, "duty")
	r := u.consultRing
	if u.win.Canvas().Overlays().Top() != r.overlay {
		t.Fatal("the invitation is not put over the window")
	}
	if !strings.Contains(r.from.Text, "湘西州") || r.title.Text != "暴雨防御视频会商" {
		t.Errorf("the prompt says %q, %q", r.from.Text, r.title.Text)
	}
	if !d.alarm.sounding || d.alarm.level != ringGrade {
		t.Fatalf("the alarm does not ring: sounding %v at %v", d.alarm.sounding, d.alarm.level)
	}
	// Polling again does not ring again over itself.
	sounds := d.alarm.sounds
	u.pollAlerts()
	if d.alarm.sounds != sounds || !d.alarm.sounding {
		t.Errorf("polling again: %d sounds, was %d", d.alarm.sounds, sounds)
	}

	test.Tap(r.accept)
	if d.alarm.sounding || u.win.Canvas().Overlays().Top() == r.overlay {
		t.Error("the invitation still rings after it was accepted")
	}
	if len(d.consults.replies) != 1 || !d.consults.replies[0].Accept || d.consults.replies[0].Person != "刘值班" {
		t.Errorf("replies: %+v", d.consults.replies)
	}
	if u.room == nil || len(d.media.joined) != 1 || d.media.joined[0] != c.ID {
		t.Fatalf("accepting does not open the room: joined %v", d.media.joined)
	}
	rec, _ := d.consults.Record(u.ctx, c.ID)
	if len(rec.Participations) != 1 || rec.Participations[0].Station != d.jishou.ID {
		t.Errorf("the stay in the room is not recorded: %+v", rec.Participations)
	}
}

func TestConsultInvitationDeclined(t *testing.T) {
	d := newConsultDemo(t)
	d.fromPrefecture()
	u := d.open(t, "duty")
	test.Tap(u.consultRing.decline)
	if d.alarm.sounding || u.room != nil || len(d.media.joined) != 0 {
		t.Errorf("declined: sounding %v, room %v", d.alarm.sounding, u.room != nil)
	}
	if len(d.consults.replies) != 1 || d.consults.replies[0].Accept {
		t.Errorf("replies: %+v", d.consults.replies)
	}
	u.pollAlerts()
	if d.alarm.sounding {
		t.Error("a declined invitation rings again")
	}
}

// roomOf opens the room of the first consultation from the 会商 screen.
func roomOf(t *testing.T, u *UI) *consultRoom {
	t.Helper()
	s := u.consults
	s.list.Select(0)
	test.Tap(s.join)
	if u.room == nil {
		t.Fatal("join opens no room")
	}
	u.room.win.Resize(smallest)
	return u.room
}

func TestConsultRoomShowsLatestPictureAndEnlargesSpeaker(t *testing.T) {
	d := newConsultDemo(t)
	c := consult.Consultation{Title: "防汛调度", Invited: []app.ID{d.luxi.ID, d.qianzhou.ID}}
	if err := d.consults.Schedule(t.Context(), &c); err != nil {
		t.Fatal(err)
	}
	u := d.open(t, "consultation")
	r := roomOf(t, u)
	sink := d.media.sink
	sink.Room(consult.RoomState{In: true, You: "me", Members: []consult.Member{
		{Participant: "me", Station: d.jishou.ID}, {Participant: "a", Station: d.luxi.ID}, {Participant: "b", Station: d.qianzhou.ID}}})
	if len(r.tiles) != 2 || r.tiles["a"].name.Text != "泸溪县" || r.tiles["b"].name.Text != "乾州街道" {
		t.Fatalf("tiles: %d, names %q", len(r.tiles), []string{r.tiles["a"].name.Text, r.tiles["b"].name.Text})
	}

	// Three pictures of 泸溪县 before the window shows any: the latest
	// is shown, two are dropped.
	sink.Video(solidFrame("a", d.luxi.ID, 40))
	sink.Video(solidFrame("a", d.luxi.ID, 80))
	last := solidFrame("a", d.luxi.ID, 120)
	sink.Video(last)
	sink.Video(solidFrame("b", d.qianzhou.ID, 200))
	sink.Video(solidFrame(consult.Self, app.NilID, 100)) // this station's own picture
	r.schedule()
	recv, shown, dropped := r.frameCounts()
	if recv != 5 || shown != 3 || dropped != 2 {
		t.Errorf("received %d, shown %d, dropped %d; want 5, 3, 2", recv, shown, dropped)
	}
	if self := r.tiles[consult.Self]; self == nil || self.name.Text != "吉首市（本站）" {
		t.Fatal("no tile of this station's own picture")
	}
	if r.tiles["a"].img.Image != last.Image {
		t.Error("泸溪县's tile does not show its latest picture")
	}
	big := func() string {
		for p, tl := range r.tiles {
			if r.grid.Objects[0] == tl.box {
				return p
			}
		}
		return ""
	}
	if big() != "a" {
		t.Errorf("before anyone talks the first to arrive is large, not %q", big())
	}

	// 乾州街道 talks: its picture becomes the large one.
	sink.Level("b", d.qianzhou.ID, 0.3)
	sink.Level("a", d.luxi.ID, 0.001)
	r.schedule()
	if big() != "b" || r.speaker != "b" {
		t.Fatalf("the speaker is %q, large %q; want b", r.speaker, big())
	}
	r.grid.Resize(fyne.NewSize(900, 600))
	if a, b := r.tiles["a"].box.Size(), r.tiles["b"].box.Size(); b.Width <= a.Width*2 {
		t.Errorf("the speaker's tile is %v, the other's %v", b, a)
	}
	// Falls quiet: stays large for a moment rather than jumping.
	sink.Level("b", d.qianzhou.ID, 0)
	r.schedule()
	if r.speaker != "b" {
		t.Errorf("the speaker changed to %q at the first pause", r.speaker)
	}

	// Mute and camera reach the engine; 乾州街道 leaves; then this station.
	test.Tap(r.mute)
	test.Tap(r.camera)
	if !d.media.muted || d.media.camera || r.mute.Text != lang.L("consult.unmute") {
		t.Errorf("muted %v camera %v, button %q", d.media.muted, d.media.camera, r.mute.Text)
	}
	sink.Room(consult.RoomState{In: true, You: "me", Members: []consult.Member{
		{Participant: "me", Station: d.jishou.ID}, {Participant: "a", Station: d.luxi.ID}}})
	if len(r.tiles) != 2 || r.speaker != "a" || len(r.grid.Objects) != 2 {
		t.Errorf("after b left: %d tiles, speaker %q", len(r.tiles), r.speaker)
	}
	r.leave(true)
	if d.media.left != 1 || u.room != nil {
		t.Errorf("leaving: %d leaves, room %v", d.media.left, u.room != nil)
	}
	rec, _ := d.consults.Record(t.Context(), c.ID)
	if len(rec.Participations) != 1 || rec.Participations[0].Left.IsZero() {
		t.Errorf("the stay is not closed: %+v", rec.Participations)
	}
}

func TestConsultRollCall(t *testing.T) {
	d := newConsultDemo(t)
	c := consult.Consultation{Title: "防汛调度", Invited: []app.ID{d.luxi.ID, d.qianzhou.ID, d.xiangxi.ID}}
	if err := d.consults.Schedule(t.Context(), &c); err != nil {
		t.Fatal(err)
	}
	u := d.open(t, "consultation")
	r := roomOf(t, u)
	if !r.rollCall.Visible() || r.answer.Visible() {
		t.Fatal("the host calls the roll and has nothing to answer")
	}
	r.callRoll(nil)
	d.consults.answerAs(c.ID, d.luxi.ID, "李四", d.now.Add(10*time.Second))
	d.consults.answerAs(c.ID, d.qianzhou.ID, "王五", d.now.Add(50*time.Second))
	r.callRoll([]app.ID{d.xiangxi.ID}) // in turn, a minute later
	d.now = d.now.Add(2 * time.Minute)
	u.consults.load()
	if got := u.consults.roll.Text; !strings.Contains(got, "泸溪县　到岗") || !strings.Contains(got, "乾州街道　迟到") || !strings.Contains(got, "湘西州　缺席") {
		t.Errorf("roll call on the screen:\n%s", got)
	}
	rec, _ := d.consults.Record(t.Context(), c.ID)
	csv := string(rollCallCSV(rec, u.consults.base, d.now))
	want := "单位,结果,点名时间,应答时间,应答人\n泸溪县,到岗,2026-07-14 10:00:00,2026-07-14 10:00:10,李四\n乾州街道,迟到,2026-07-14 10:00:00,2026-07-14 10:00:50,王五\n湘西州,缺席,2026-07-14 10:00:00,,\n"
	if csv != want {
		t.Errorf("CSV:\n%s\nwant:\n%s", csv, want)
	}
	if !u.consults.export.Visible() {
		t.Error("no export once the roll was called")
	}
}

// An invited station sees the answer button when its name is called.
func TestConsultRollCallAnswered(t *testing.T) {
	d := newConsultDemo(t)
	c := d.fromPrefecture()
	u := d.open(t, "consultation")
	test.Tap(u.consultRing.accept)
	r := u.room
	if r.rollCall.Visible() || r.answer.Visible() {
		t.Fatal("an invited station neither calls the roll nor has anything to answer yet")
	}
	d.store.identity = d.xiangxi.ID
	if _, err := d.consults.CallRoll(t.Context(), c.ID, nil); err != nil {
		t.Fatal(err)
	}
	d.store.identity = d.jishou.ID
	d.now = d.now.Add(5 * time.Second)
	r.pollRoll()
	if !r.answer.Visible() {
		t.Fatal("called, but no answer button")
	}
	test.Tap(r.answer)
	if r.answer.Visible() || !strings.Contains(r.status.Text, "到岗") {
		t.Errorf("after answering: button %v, status %q", r.answer.Visible(), r.status.Text)
	}
}

func TestConsultScreensFitSmallestWindow(t *testing.T) {
	for _, language := range []string{assets.Chinese, assets.English} {
		t.Run(language, func(t *testing.T) {
			inLanguage(t, language)
			d := newConsultDemo(t)
			c := consult.Consultation{Title: "防汛调度", Invited: []app.ID{d.luxi.ID, d.qianzhou.ID}, Recording: true}
			if err := d.consults.Schedule(t.Context(), &c); err != nil {
				t.Fatal(err)
			}
			u := d.open(t, "consultation")
			u.win.Resize(smallest)
			u.consults.list.Select(0)
			fits(t, "consultations", u.win.Content().MinSize())
			test.Tap(findButton(t, u.consults.content, lang.L("consult.new")))
			fits(t, "new consultation", overlay(t, u).MinSize())
			r := roomOf(t, u)
			fits(t, "consultation window", r.win.Content().MinSize())
			d.fromPrefecture()
			u.pollAlerts()
			fits(t, "invitation", u.consultRing.overlay.MinSize())
		})
	}
}

// TestConsultScreenshots renders the consultation window with three
// participants' pictures, in the folder named by DUTYROOM_SCREENSHOTS.
func TestConsultScreenshots(t *testing.T) {
	dir := os.Getenv("DUTYROOM_SCREENSHOTS")
	if dir == "" {
		t.Skip("set DUTYROOM_SCREENSHOTS to a folder to render the screens")
	}
	d := newConsultDemo(t)
	c := consult.Consultation{Title: "防汛调度", Invited: []app.ID{d.luxi.ID, d.qianzhou.ID, d.xiangxi.ID}}
	if err := d.consults.Schedule(t.Context(), &c); err != nil {
		t.Fatal(err)
	}
	u := d.open(t, "consultation")
	r := roomOf(t, u)
	sink := d.media.sink
	sink.Room(consult.RoomState{In: true, You: "me", Members: []consult.Member{{Participant: "me", Station: d.jishou.ID},
		{Participant: "a", Station: d.luxi.ID}, {Participant: "b", Station: d.qianzhou.ID}, {Participant: "c", Station: d.xiangxi.ID}},
		Recording: true})
	sink.Video(solidFrame("a", d.luxi.ID, 60))
	sink.Video(solidFrame("b", d.qianzhou.ID, 140))
	sink.Video(solidFrame("c", d.xiangxi.ID, 220))
	sink.Level("b", d.qianzhou.ID, 0.4)
	r.schedule()
	path := filepath.Join(dir, "consultation-window.png")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, r.win.Canvas().Capture()); err != nil {
		t.Fatal(err)
	}
	t.Log(path)
}

// An incident's view starts a consultation with its stations and opens
// it; the view still fits the smallest window with the button in it.
func TestConsultationFromIncidentView(t *testing.T) {
	for _, language := range []string{assets.Chinese, assets.English} {
		t.Run(language, func(t *testing.T) {
			inLanguage(t, language)
			d := newIncidentDemo(t, "2026-10-03 09:00")
			inc := seed(t, d, "2026-10-03 07:40", d.qianzhou.ID, "G65 沪昆高速吉首段 K1234 处两辆货车追尾起火", incident.RoadTraffic, 3)
			consults := &fakeConsults{self: func() app.ID { return d.store.identity }, now: func() time.Time { return d.now },
				incidentStations: []app.ID{d.xiangxi.ID, d.qianzhou.ID}}
			media := &fakeMedia{}
			s := d.services()
			s.Consultations, s.Media = consults, media
			u := New(test.NewTempApp(t), s)
			t.Cleanup(u.win.Close)
			u.win.Resize(smallest)
			u.incidents.openIncident(inc.ID)
			v := u.incidents.view
			if !v.consult.Visible() {
				t.Fatal("no consultation button on the incident")
			}
			fits(t, "incident with the consultation button", u.win.Content().MinSize())
			test.Tap(v.consult)
			if u.nav.current != "consultation" || u.room == nil || len(media.joined) != 1 {
				t.Fatalf("screen %q, room %v, joined %v", u.nav.current, u.room != nil, media.joined)
			}
			r := u.consults.selected()
			if r == nil || r.Consultation.Incident == nil || *r.Consultation.Incident != inc.ID || len(r.Consultation.Invited) != 2 {
				t.Fatalf("selected consultation: %+v", r)
			}
			if !strings.Contains(u.consults.info.Text, inc.Title) || !u.consults.openInc.Visible() {
				t.Errorf("the consultation does not name its incident: %q", u.consults.info.Text)
			}
			fits(t, "a consultation from an incident", u.win.Content().MinSize())
			u.room.leave(true)
			test.Tap(u.consults.openInc)
			if u.nav.current != "incidents" || u.incidents.view.id != inc.ID {
				t.Errorf("open incident: screen %q, incident %v", u.nav.current, u.incidents.view.id)
			}
		})
	}
}

// Starting a consultation from an incident writes 会商开始 on its
// timeline; the incident's view, left open behind the consultation, shows
// it at once and on return, without being opened again.
func TestIncidentViewShowsTheConsultationItStarted(t *testing.T) {
	d := newIncidentDemo(t, "2026-10-03 09:00")
	inc := seed(t, d, "2026-10-03 07:40", d.qianzhou.ID, "G65 沪昆高速吉首段 K1234 处两辆货车追尾起火", incident.RoadTraffic, 3)
	consults := &fakeConsults{self: func() app.ID { return d.store.identity }, now: func() time.Time { return d.now },
		incidentStations: []app.ID{d.xiangxi.ID, d.qianzhou.ID}}
	consults.onFromIncident = func(id app.ID) {
		d.svc.mu.Lock()
		defer d.svc.mu.Unlock()
		d.svc.event(&incident.Incident{ID: id}, t.Context(), incident.EventConsultStarted, "")
	}
	s := d.services()
	s.Consultations, s.Media = consults, &fakeMedia{}
	u := New(test.NewTempApp(t), s)
	t.Cleanup(u.win.Close)
	u.incidents.openIncident(inc.ID)
	before := u.incidents.view.timelineLength()
	test.Tap(u.incidents.view.consult)
	if u.room == nil {
		t.Fatal("the consultation did not open")
	}
	if got := u.incidents.view.timelineLength(); got != before+1 {
		t.Errorf("the open incident's timeline has %d events once the consultation started, want %d", got, before+1)
	}
	u.room.leave(true)
	u.nav.open("incidents")
	if got := u.incidents.view.timelineLength(); got != before+1 {
		t.Errorf("back on the incident, its timeline has %d events, want %d", got, before+1)
	}
}

// Put out of the room, the window says why in the station's language:
// the host ended the consultation, or the connection was lost.
func TestConsultRoomPutOut(t *testing.T) {
	d := newConsultDemo(t)
	c := d.fromPrefecture()
	u := d.open(t, "duty")
	test.Tap(u.consultRing.accept)
	r := u.room
	d.media.sink.Room(consult.RoomState{In: false, Reason: "media connection failed"})
	if r.status.Text != lang.L("consult.cut_off") || u.room != nil || r.mute.Disabled() == false {
		t.Errorf("cut off: %q, room %v", r.status.Text, u.room != nil)
	}

	u.nav.open("consultation")
	r = roomOf(t, u)
	d.store.identity = d.xiangxi.ID
	if err := d.consults.End(t.Context(), c.ID); err != nil {
		t.Fatal(err)
	}
	d.store.identity = d.jishou.ID
	d.media.sink.Room(consult.RoomState{In: false, Reason: "the consultation was closed"})
	if r.status.Text != lang.L("consult.room_closed") {
		t.Errorf("ended: %q", r.status.Text)
	}
}
