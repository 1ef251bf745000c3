package ui

import (
	"image/color"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"dutyroom/app"
	"dutyroom/app/consult"
)

// roomFPS is the most pictures a second the window shows of each
// participant: what the engine sends, and all a duty room needs to see
// who speaks.
const roomFPS = 15

// speakerLevel is the loudness above which a participant counts as
// talking; speakerHold is how long the last talker stays large after
// falling quiet, so the big picture does not jump at every pause.
const (
	speakerLevel = 0.02
	speakerHold  = 2 * time.Second
)

// everyFrame calls f on the UI goroutine roomFPS times a second until
// stop is closed; tests replace it and call flush themselves.
var everyFrame = func(stop <-chan struct{}, f func()) {
	go func() {
		t := time.NewTicker(time.Second / roomFPS)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				f()
			}
		}
	}()
}

// roomTile is one participant's picture with the station's name under it.
type roomTile struct {
	member consult.Member
	img    *canvas.Image
	frame  *canvas.Rectangle // lit while the participant is the speaker
	name   *widget.Label
	box    *fyne.Container
}

// consultRoom is the consultation window: the others' pictures in a grid,
// the speaker larger, the roll call, and the buttons of a call.
type consultRoom struct {
	u    *UI
	win  fyne.Window
	rec  consult.Record
	base alertBase

	// What the media engine hands over from its goroutines: the latest
	// picture of each participant not yet shown, and loudness.
	mu        sync.Mutex
	pending   map[string]consult.Frame
	levels    map[string]float64
	talked    map[string]time.Time
	queued    bool // a flush is waiting on the UI goroutine
	dropped   int64
	received  int64
	displayed int64

	tiles   map[string]*roomTile
	order   []string // participants in arrival order
	speaker string
	stop    chan struct{}
	left    bool

	grid     *fyne.Container
	status   *widget.Label
	mute     *widget.Button
	camera   *widget.Button
	rollCall *widget.Button // host: call the roll
	answer   *widget.Button // invited: answer the roll
	link     *widget.Button // host: a browser join link for a leader
	devices  *widget.Button // choose camera, microphone, loudspeaker
	notice   *widget.Label  // what stands in for a missing device
	record   *widget.Button // host: start or stop recording
	recLabel *widget.Label  // the red 录制中 while the hub records
	top      *fyne.Container
	recOn    bool // as the hub last said
	muted    bool
	camOff   bool
	members  int // in the room, this station included, by the last room state

	deviceStates  map[consult.DeviceKind]consult.DeviceState
	deviceChoices []*deviceChoice // of the devices dialog last opened
}

// openRoom opens the consultation window and joins the room.
func (u *UI) openRoom(rec consult.Record, base alertBase) *consultRoom {
	if u.room != nil && !u.room.left {
		u.room.win.RequestFocus()
		return u.room
	}
	if msg := u.consultOffline(); msg != "" {
		u.showMessage(lang.L("consult.join_failed_title"), msg)
		return nil
	}
	r := &consultRoom{u: u, rec: rec, base: base,
		pending: map[string]consult.Frame{}, levels: map[string]float64{}, talked: map[string]time.Time{},
		tiles: map[string]*roomTile{}, stop: make(chan struct{}), deviceStates: map[consult.DeviceKind]consult.DeviceState{}}
	u.room = r
	r.win = u.app.NewWindow(lang.L("consult.window_title", map[string]any{"Title": rec.Consultation.Title}))
	r.grid = container.New(&speakerLayout{})
	r.status = widget.NewLabel(lang.L("consult.joining"))
	r.status.Wrapping = fyne.TextWrapWord
	r.mute = widget.NewButtonWithIcon(lang.L("consult.mute"), theme.VolumeMuteIcon(), r.onMute)
	r.camera = widget.NewButtonWithIcon(lang.L("consult.camera_off"), theme.VisibilityOffIcon(), r.onCamera)
	leave := widget.NewButtonWithIcon(lang.L("consult.leave"), theme.LogoutIcon(), r.onLeave)
	leave.Importance = widget.DangerImportance
	r.rollCall = widget.NewButtonWithIcon(lang.L("consult.roll_call"), theme.ListIcon(), r.onRollCall)
	r.link = widget.NewButtonWithIcon(lang.L("consult.browser_link"), theme.MailForwardIcon(), r.onBrowserLink)
	if rec.Consultation.Host != base.homeID() || u.svc.JoinLinks == nil {
		r.link.Hide()
	}
	r.answer = widget.NewButtonWithIcon(lang.L("consult.answer_roll"), theme.ConfirmIcon(), r.onAnswer)
	r.answer.Importance = widget.HighImportance
	r.answer.Hide()
	r.devices = widget.NewButtonWithIcon(lang.L("consult.devices"), theme.SettingsIcon(), r.onDevices)
	if u.svc.Devices == nil {
		r.devices.Hide()
	}
	r.notice = widget.NewLabel("")
	r.notice.Importance = widget.WarningImportance
	r.notice.Wrapping = fyne.TextWrapWord
	r.notice.Hide()
	r.record, r.recLabel = r.recordingControls()
	if rec.Consultation.Host != base.homeID() {
		r.rollCall.Hide()
		r.record.Hide()
	}
	heading := widget.NewLabel(rec.Consultation.Title)
	heading.TextStyle.Bold = true
	top := container.NewBorder(nil, nil, heading, r.recLabel, r.status)
	r.top = top
	controls := container.NewHBox(r.mute, r.camera, r.devices, r.rollCall, r.answer, r.record, r.link, layout.NewSpacer(), leave)
	bg := canvas.NewRectangle(color.NRGBA{R: 0x10, G: 0x10, B: 0x14, A: 0xff})
	r.win.SetContent(container.NewBorder(top, container.NewVBox(r.notice, controls), nil, nil, container.NewStack(bg, r.grid)))
	r.win.Resize(fyne.NewSize(1024, 700))
	r.win.SetOnClosed(func() { r.leave(false) })
	r.win.Show()

	ctx, media, devices, prefs, id := u.ctx, u.svc.Media, u.svc.Devices, u.app.Preferences(), rec.Consultation.ID
	sink := consult.Sink{Video: r.onVideo, Level: r.onLevel, Room: func(s consult.RoomState) { fyne.Do(func() { r.onRoom(s) }) },
		Device: func(s consult.DeviceState) { fyne.Do(func() { r.onDevice(s) }) }}
	runAsync(func() (struct{}, error) {
		if media == nil {
			return struct{}{}, app.Errorf(app.EINTERNAL, "this program has no video")
		}
		if devices != nil {
			applyDevicePreferences(devices, prefs)
		}
		return struct{}{}, media.Join(ctx, id, sink)
	}, func(_ struct{}, err error) {
		if err != nil {
			r.status.SetText(lang.L("consult.join_failed", map[string]any{"Error": joinErrorText(err)}))
			return
		}
		if r.members == 0 {
			r.status.SetText(lang.L("consult.in_room"))
		}
		svc := u.svc.Consultations
		background(func() { _ = svc.Joined(ctx, id) })
		u.kickHub()
	})
	everyFrame(r.stop, r.schedule)
	everySecond(r.stop, r.pollRoll)
	r.pollRoll()
	return r
}

// onVideo keeps the latest picture of a participant; one not yet shown
// is dropped, never queued.
func (r *consultRoom) onVideo(f consult.Frame) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.received++
	if _, waiting := r.pending[f.Participant]; waiting {
		r.dropped++
	}
	r.pending[f.Participant] = f
}

func (r *consultRoom) onLevel(participant string, _ app.ID, level float64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.levels[participant] = level
	if level >= speakerLevel {
		r.talked[participant] = time.Now()
	}
}

// schedule asks the UI goroutine to show what arrived, unless it has not
// yet done so for the last request: a window that is behind gets one
// request, not a queue of them.
func (r *consultRoom) schedule() {
	r.mu.Lock()
	if r.queued || len(r.pending) == 0 && len(r.levels) == 0 {
		r.mu.Unlock()
		return
	}
	r.queued = true
	r.mu.Unlock()
	fyne.Do(r.flush)
}

// flush shows the latest picture of each participant and enlarges the
// speaker.
func (r *consultRoom) flush() {
	r.mu.Lock()
	frames := r.pending
	r.pending = make(map[string]consult.Frame, len(frames))
	r.queued = false
	speaker := r.pickSpeaker(time.Now())
	r.displayed += int64(len(frames))
	r.mu.Unlock()
	if r.left {
		return
	}
	for p, f := range frames {
		t := r.tile(consult.Member{Participant: p, Station: f.Station})
		t.img.Image = f.Image
		t.img.Refresh()
	}
	r.setSpeaker(speaker)
}

// pickSpeaker is the loudest participant talking now, or the last one to
// have talked within speakerHold; the current speaker otherwise. Called
// with mu held.
func (r *consultRoom) pickSpeaker(now time.Time) string {
	best, bestLevel := "", speakerLevel
	for p, l := range r.levels {
		if l >= bestLevel && (l > bestLevel || best == "" || p < best) {
			best, bestLevel = p, l
		}
	}
	if best != "" {
		return best
	}
	var last time.Time
	for p, at := range r.talked {
		if now.Sub(at) <= speakerHold && at.After(last) {
			best, last = p, at
		}
	}
	if best != "" {
		return best
	}
	return r.speaker
}

func (r *consultRoom) setSpeaker(p string) {
	if p == r.speaker || r.tiles[p] == nil {
		return
	}
	r.setSpeakerNow(p)
	r.relayout()
}

// setSpeakerNow marks p the speaker; the caller lays the tiles out.
func (r *consultRoom) setSpeakerNow(p string) {
	if old := r.tiles[r.speaker]; old != nil {
		old.frame.StrokeWidth = 0
		old.frame.Refresh()
	}
	r.speaker = p
	if t := r.tiles[p]; t != nil {
		t.frame.StrokeWidth = 4
		t.frame.Refresh()
	}
}

// tile returns the participant's tile, making it on the first picture or
// room state that names the participant.
func (r *consultRoom) tile(m consult.Member) *roomTile {
	if t := r.tiles[m.Participant]; t != nil {
		if t.member.Station == app.NilID && m.Station != app.NilID && m.Participant != consult.Self {
			t.member = m
			t.name.SetText(stationName(r.base.tree, m.Station))
		}
		return t
	}
	t := &roomTile{member: m}
	t.img = canvas.NewImageFromImage(nil)
	t.img.FillMode = canvas.ImageFillContain
	t.img.ScaleMode = canvas.ImageScaleFastest
	t.frame = canvas.NewRectangle(color.Transparent)
	t.frame.StrokeColor = theme.Color(theme.ColorNamePrimary)
	name := lang.L("consult.participant_unknown")
	switch {
	case m.Participant == consult.Self:
		name = lang.L("consult.self", map[string]any{"Station": stationName(r.base.tree, r.base.homeID())})
	case m.Station != app.NilID:
		name = stationName(r.base.tree, m.Station)
	}
	t.name = widget.NewLabel(name)
	t.name.Alignment = fyne.TextAlignCenter
	t.name.TextStyle.Bold = true
	black := canvas.NewRectangle(color.Black)
	t.box = container.NewBorder(nil, t.name, nil, nil, container.NewStack(black, t.img, t.frame))
	r.tiles[m.Participant] = t
	r.order = append(r.order, m.Participant)
	if r.speaker == "" || r.speaker == consult.Self {
		r.setSpeakerNow(m.Participant)
	}
	r.relayout()
	return t
}

// relayout puts the speaker first, large, and the others after it in
// arrival order.
func (r *consultRoom) relayout() {
	objs := make([]fyne.CanvasObject, 0, len(r.order))
	if t := r.tiles[r.speaker]; t != nil {
		objs = append(objs, t.box)
	}
	for _, p := range r.order {
		if p != r.speaker {
			objs = append(objs, r.tiles[p].box)
		}
	}
	r.grid.Objects = objs
	r.grid.Refresh()
}

func (r *consultRoom) removeTile(p string) {
	delete(r.tiles, p)
	for i, x := range r.order {
		if x == p {
			r.order = append(r.order[:i], r.order[i+1:]...)
			break
		}
	}
	r.mu.Lock()
	delete(r.pending, p)
	delete(r.levels, p)
	delete(r.talked, p)
	r.mu.Unlock()
	if r.speaker == p {
		r.speaker = ""
		for _, o := range r.order {
			if r.speaker == "" || r.speaker == consult.Self {
				r.setSpeakerNow(o)
			}
		}
	}
	r.relayout()
}

// onRoom follows who is in the room: a tile per other participant.
func (r *consultRoom) onRoom(s consult.RoomState) {
	if r.left {
		return
	}
	if !s.In {
		// The hub's reason is for its log; the window says what the
		// record says: ended, or cut off and free to join again, and
		// whether the link to the hub itself is gone.
		r.status.SetText(lang.L("consult.cut_off"))
		if msg := r.u.consultOffline(); msg != "" {
			r.status.SetText(lang.L("consult.link_lost") + msg)
		}
		r.finish()
		ctx, svc, id := r.u.ctx, r.u.svc.Consultations, r.rec.Consultation.ID
		runAsync(func() (*consult.Record, error) { return svc.Record(ctx, id) }, func(rec *consult.Record, err error) {
			if err == nil && rec.Consultation.State == consult.Ended {
				r.status.SetText(lang.L("consult.room_closed"))
			}
		})
		return
	}
	present := map[string]bool{consult.Self: true}
	for _, m := range s.Members {
		if m.Participant == s.You {
			continue
		}
		present[m.Participant] = true
		r.tile(m)
	}
	for _, p := range append([]string(nil), r.order...) {
		if !present[p] {
			r.removeTile(p)
		}
	}
	r.members = len(s.Members)
	r.status.SetText(lang.L("consult.in_room_count", map[string]any{"Count": r.members}))
	r.showRecording(s.Recording)
}

func (r *consultRoom) onMute() {
	r.muted = !r.muted
	if m := r.u.svc.Media; m != nil {
		m.SetMuted(r.muted)
	}
	if r.muted {
		r.mute.SetText(lang.L("consult.unmute"))
		r.mute.SetIcon(theme.VolumeUpIcon())
	} else {
		r.mute.SetText(lang.L("consult.mute"))
		r.mute.SetIcon(theme.VolumeMuteIcon())
	}
}

func (r *consultRoom) onCamera() {
	r.camOff = !r.camOff
	if m := r.u.svc.Media; m != nil {
		m.SetCamera(!r.camOff)
	}
	if r.camOff {
		r.camera.SetText(lang.L("consult.camera_on"))
		r.camera.SetIcon(theme.VisibilityIcon())
	} else {
		r.camera.SetText(lang.L("consult.camera_off"))
		r.camera.SetIcon(theme.VisibilityOffIcon())
	}
}

func (r *consultRoom) onLeave() { r.win.Close() }

// leave leaves the room and records it, once.
func (r *consultRoom) leave(closeWindow bool) {
	if r.left {
		return
	}
	ctx, media, svc, id := r.u.ctx, r.u.svc.Media, r.u.svc.Consultations, r.rec.Consultation.ID
	background(func() {
		if media != nil {
			_ = media.Leave()
		}
		_ = svc.Left(ctx, id)
	})
	r.finish()
	r.u.changed()
	if closeWindow {
		r.win.Close()
	}
}

// finish stops showing the room.
func (r *consultRoom) finish() {
	if r.left {
		return
	}
	r.left = true
	close(r.stop)
	enable(r.mute, false)
	enable(r.camera, false)
	enable(r.devices, false)
	enable(r.rollCall, false)
	enable(r.record, false)
	r.showRecording(false)
	r.answer.Hide()
	if r.u.room == r {
		r.u.room = nil
	}
	if r.u.consults != nil {
		r.u.consults.refresh()
	}
}

// pollRoll looks for a roll call waiting for this station's answer.
func (r *consultRoom) pollRoll() {
	if r.left {
		return
	}
	ctx, svc, id, self := r.u.ctx, r.u.svc.Consultations, r.rec.Consultation.ID, r.base.homeID()
	runAsync(func() (*consult.Record, error) { return svc.Record(ctx, id) }, func(rec *consult.Record, err error) {
		if err != nil || r.left {
			return
		}
		r.rec = *rec
		r.saveRoll()
		open := rec.OpenCall(self) != nil
		if open != r.answer.Visible() {
			r.answer.Hidden = !open
			r.answer.Refresh()
			if open {
				r.status.SetText(lang.L("consult.roll_called"))
			}
		}
	})
}

// saveRoll writes the host's settled roll call to the incident's timeline
// once its figures are final and not yet written.
func (r *consultRoom) saveRoll() {
	rec, now := &r.rec, r.u.now()
	if rec.Consultation.Host != r.base.homeID() || rec.Consultation.Incident == nil || !rec.RollSettled(now) {
		return
	}
	if n := rec.Count(now); rec.RollSaved != nil && *rec.RollSaved == n {
		return
	}
	ctx, svc, id := r.u.ctx, r.u.svc.Consultations, rec.Consultation.ID
	runAsync(func() (struct{}, error) { return struct{}{}, svc.SaveRollCall(ctx, id) }, func(_ struct{}, err error) {
		if err == nil {
			r.u.changed() // the incident's timeline has the roll call
		}
	})
}

func (r *consultRoom) onAnswer() {
	ctx, svc, id := r.u.ctx, r.u.svc.Consultations, r.rec.Consultation.ID
	r.answer.Disable()
	runAsync(func() (consult.Status, error) { return svc.AnswerRoll(ctx, id) }, func(st consult.Status, err error) {
		r.answer.Enable()
		if err != nil {
			showKeyedMessage(r.win, lang.L("error.title"), errorText(err), lang.L("action.ok"))
			return
		}
		r.answer.Hide()
		r.status.SetText(lang.L("consult.roll_answered", map[string]any{"Status": rollStatusLabel(st)}))
		r.u.kickHub()
	})
}

// onRollCall lets the host call every invited station at once, or one.
func (r *consultRoom) onRollCall() {
	c := r.rec.Consultation
	options := []string{lang.L("consult.roll_all")}
	for _, st := range c.Invited {
		options = append(options, stationName(r.base.tree, st))
	}
	pick := widget.NewRadioGroup(options, nil)
	pick.SetSelected(options[0])
	d, keys := newKeyedConfirm(lang.L("consult.roll_call"), lang.L("consult.roll_call_go"), lang.L("action.cancel"), pick, func(ok bool) {
		if !ok {
			return
		}
		var stations []app.ID
		for i, o := range options[1:] {
			if o == pick.Selected {
				stations = []app.ID{c.Invited[i]}
			}
		}
		r.callRoll(stations)
	}, r.win)
	showKeyed(d, keys, r.win)
}

func (r *consultRoom) callRoll(stations []app.ID) {
	ctx, svc, id := r.u.ctx, r.u.svc.Consultations, r.rec.Consultation.ID
	runAsync(func() (*consult.Call, error) { return svc.CallRoll(ctx, id, stations) }, func(_ *consult.Call, err error) {
		if err != nil {
			showKeyedMessage(r.win, lang.L("error.title"), errorText(err), lang.L("action.ok"))
			return
		}
		r.status.SetText(lang.L("consult.roll_sent"))
		r.u.kickHub()
		if r.u.consults != nil {
			r.u.consults.refresh()
		}
	})
}

// frameCounts returns how many pictures arrived, were shown, and were
// replaced by a newer one before the window could show them.
func (r *consultRoom) frameCounts() (received, displayed, dropped int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.received, r.displayed, r.dropped
}

// speakerLayout gives the first object (the speaker) the larger part of
// the space and the others a column of equal cells beside it; one object
// alone takes everything.
type speakerLayout struct{}

func (speakerLayout) MinSize(objects []fyne.CanvasObject) fyne.Size {
	return fyne.NewSize(320, 240)
}

func (speakerLayout) Layout(objects []fyne.CanvasObject, size fyne.Size) {
	pad := theme.Padding()
	switch len(objects) {
	case 0:
		return
	case 1:
		objects[0].Move(fyne.NewPos(0, 0))
		objects[0].Resize(size)
		return
	}
	rest := objects[1:]
	cols := 1
	if len(rest) > 3 {
		cols = 2
	}
	sideW := size.Width * 0.3
	mainW := size.Width - sideW - pad
	objects[0].Move(fyne.NewPos(0, 0))
	objects[0].Resize(fyne.NewSize(mainW, size.Height))
	rows := (len(rest) + cols - 1) / cols
	cellW := (sideW - pad*float32(cols-1)) / float32(cols)
	cellH := (size.Height - pad*float32(rows-1)) / float32(rows)
	for i, o := range rest {
		col, row := i%cols, i/cols
		o.Move(fyne.NewPos(mainW+pad+float32(col)*(cellW+pad), float32(row)*(cellH+pad)))
		o.Resize(fyne.NewSize(cellW, cellH))
	}
}

// rollStatusLabel names a roll-call status.
func rollStatusLabel(s consult.Status) string {
	switch s {
	case consult.Present:
		return lang.L("consult.status_present")
	case consult.Late:
		return lang.L("consult.status_late")
	case consult.Absent:
		return lang.L("consult.status_absent")
	case consult.Pending:
		return lang.L("consult.status_pending")
	}
	return lang.L("consult.status_not_called")
}
