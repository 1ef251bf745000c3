package ui

import (
	"bytes"
	"context"
	"encoding/csv"
	"image/color"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"dutyroom/app"
	"dutyroom/app/consult"
	"dutyroom/app/incident"
)

// consultScreen is 会商: the consultations held here, newest first, one
// open beside the list with its stations, who took part and the roll
// call, and the buttons to start, join, end and export.
type consultScreen struct {
	u         *UI
	seq       int
	base      alertBase
	records   []consult.Record
	incidents map[app.ID]string
	sel       app.ID
	visible   bool
	loaded    bool

	list    *widget.List
	empty   *widget.Label
	pick    *widget.Label // in place of the detail while none is selected
	title   *widget.Label
	info    *widget.Label
	people  *widget.Label
	roll    *widget.Label
	join    *widget.Button
	start   *widget.Button
	end     *widget.Button
	export  *widget.Button
	openInc *widget.Button // the incident the consultation was started from
	recBox  *fyne.Container
	watch   *widget.Button
	recs    *widget.Label // the recorded files
	detail  *fyne.Container
	tests   *testCallPanel // 例行测试, nil without the service
	notice  *widget.Label  // the scheduled consultations about to start
	content fyne.CanvasObject
}

func newConsultScreen(u *UI) *consultScreen {
	s := &consultScreen{u: u}
	s.list = widget.NewList(func() int { return len(s.records) }, func() fyne.CanvasObject {
		return container.NewVBox(widget.NewLabel("title"), widget.NewLabel("when"))
	}, func(i widget.ListItemID, o fyne.CanvasObject) {
		if i >= len(s.records) {
			return
		}
		c := &s.records[i].Consultation
		box := o.(*fyne.Container)
		t := box.Objects[0].(*widget.Label)
		t.TextStyle.Bold = true
		t.SetText(c.Title)
		box.Objects[1].(*widget.Label).SetText(lang.L("consult.list_line", map[string]any{
			"State": consultStateLabel(c, s.u.now()), "Host": stationName(s.base.tree, c.Host), "At": dateTime(consultTime(c), s.base.loc)}))
	})
	s.list.OnSelected = func(i widget.ListItemID) {
		if i < len(s.records) {
			s.sel = s.records[i].Consultation.ID
			s.show()
		}
	}
	s.empty = widget.NewLabel(lang.L("consult.empty"))
	s.empty.Alignment = fyne.TextAlignCenter
	s.empty.Wrapping = fyne.TextWrapWord
	newBtn := widget.NewButtonWithIcon(lang.L("consult.new"), theme.ContentAddIcon(), s.onNew)
	newBtn.Importance = widget.HighImportance

	s.title = widget.NewLabel("")
	s.title.TextStyle.Bold = true
	s.title.SizeName = theme.SizeNameSubHeadingText
	s.title.Wrapping = fyne.TextWrapWord
	s.info = widget.NewLabel("")
	s.info.Wrapping = fyne.TextWrapWord
	s.people = widget.NewLabel("")
	s.people.Wrapping = fyne.TextWrapWord
	s.roll = widget.NewLabel("")
	s.roll.Wrapping = fyne.TextWrapWord
	s.join = widget.NewButtonWithIcon(lang.L("consult.join"), theme.MediaVideoIcon(), s.onJoin)
	s.join.Importance = widget.HighImportance
	s.start = widget.NewButtonWithIcon(lang.L("consult.start"), theme.MediaPlayIcon(), s.onStart)
	s.end = widget.NewButtonWithIcon(lang.L("consult.end"), theme.MediaStopIcon(), s.onEnd)
	s.export = widget.NewButtonWithIcon(lang.L("consult.export"), theme.DocumentSaveIcon(), s.onExport)
	s.openInc = widget.NewButtonWithIcon(lang.L("consult.open_incident"), theme.WarningIcon(), s.onOpenIncident)
	rollHead := widget.NewLabel(lang.L("consult.roll_heading"))
	rollHead.TextStyle.Bold = true
	peopleHead := widget.NewLabel(lang.L("consult.people_heading"))
	peopleHead.TextStyle.Bold = true
	s.recBox, s.recs = newRecordingsBox(s)
	s.detail = container.NewVBox(s.title, s.info,
		container.NewHBox(s.join, s.start, s.end, s.export, s.openInc),
		widget.NewSeparator(), peopleHead, s.people, widget.NewSeparator(), rollHead, s.roll, s.recBox)
	s.detail.Hide()

	left := container.NewBorder(container.NewPadded(newBtn), nil, nil, nil, container.NewStack(s.list, container.NewVBox(container.NewPadded(s.empty))))
	s.pick = widget.NewLabel(lang.L("consult.pick"))
	s.pick.Alignment = fyne.TextAlignCenter
	s.pick.Importance = widget.LowImportance
	s.pick.Hide()
	split := container.NewHSplit(left, container.NewStack(container.NewVBox(container.NewPadded(s.pick)), container.NewVScroll(container.NewPadded(s.detail))))
	split.Offset = 0.35
	s.notice = widget.NewLabel("")
	s.notice.Importance = widget.WarningImportance
	s.notice.TextStyle.Bold = true
	s.notice.Wrapping = fyne.TextWrapWord
	s.notice.Hide()
	records := container.NewBorder(s.notice, nil, nil, nil, split)
	s.content = records
	if u.svc.TestCalls != nil {
		s.tests = newTestCallPanel(u)
		tabs := container.NewAppTabs(
			container.NewTabItemWithIcon(lang.L("testcall.records_tab"), theme.MediaVideoIcon(), records),
			container.NewTabItemWithIcon(lang.L("testcall.tab"), theme.HistoryIcon(), s.tests.content))
		tabs.OnSelected = func(*container.TabItem) { s.tests.load("") }
		s.content = tabs
	}
	return s
}

func (u *UI) consultEntry() screen {
	s := screen{id: "consultation", label: lang.L("nav.consultation"), icon: theme.MediaVideoIcon()}
	if u.consults == nil {
		s.build = func() fyne.CanvasObject {
			return newPlaceholder(theme.MediaVideoIcon(), lang.L("nav.consultation"), lang.L("placeholder.consultation"))
		}
		return s
	}
	s.build, s.shown, s.hidden = u.consults.build, u.consults.onShown, u.consults.onHidden
	return s
}

func (s *consultScreen) build() fyne.CanvasObject {
	s.load()
	if s.tests != nil {
		s.tests.load("")
	}
	return s.content
}

func (s *consultScreen) onShown() {
	s.visible = true
	if s.loaded {
		s.load()
		if s.tests != nil {
			s.tests.load("")
		}
	}
}

func (s *consultScreen) onHidden() { s.visible = false }

func (s *consultScreen) refresh() {
	if s.loaded {
		s.load()
	}
}

type consultData struct {
	base      alertBase
	records   []consult.Record
	incidents map[app.ID]string // titles of the incidents consultations were started from
}

func (s *consultScreen) load() {
	s.loaded = true
	s.seq++
	seq := s.seq
	ctx, svc := s.u.ctx, s.u.svc
	runAsync(func() (consultData, error) {
		var d consultData
		var err error
		if d.base, err = loadAlertBase(ctx, svc); err != nil {
			return d, err
		}
		if d.records, err = svc.Consultations.Records(ctx); err != nil || svc.Incidents == nil {
			return d, err
		}
		d.incidents = map[app.ID]string{}
		for _, r := range d.records {
			if id := r.Consultation.Incident; id != nil {
				if _, seen := d.incidents[*id]; !seen {
					if inc, err := svc.Incidents.FindIncidentByID(ctx, *id); err == nil {
						d.incidents[*id] = inc.Title
					}
				}
			}
		}
		return d, nil
	}, func(d consultData, err error) {
		if seq != s.seq {
			return
		}
		if err != nil {
			s.empty.SetText(errorText(err))
			s.empty.Show()
			return
		}
		s.base, s.records, s.incidents = d.base, d.records, d.incidents
		if s.u.consultPlan != nil {
			s.u.consultPlan.update(d) // the notice follows a start made here at once
		}
		s.empty.SetText(lang.L("consult.empty"))
		s.empty.Hidden = len(s.records) > 0
		s.list.Refresh()
		s.show()
	})
}

// showUpcoming puts the consultations about to start above the list.
func (s *consultScreen) showUpcoming(list []consult.Consultation, b alertBase, now time.Time) {
	if len(list) == 0 {
		if s.notice.Visible() {
			s.notice.Hide()
			s.notice.Refresh()
		}
		return
	}
	s.notice.SetText(upcomingText(list, b, now))
	s.notice.Show()
}

func (s *consultScreen) selected() *consult.Record {
	for i := range s.records {
		if s.records[i].Consultation.ID == s.sel {
			return &s.records[i]
		}
	}
	return nil
}

// show fills the detail of the selected consultation.
func (s *consultScreen) show() {
	r := s.selected()
	s.pick.Hidden = r != nil || len(s.records) == 0
	if r == nil {
		s.detail.Hide()
		return
	}
	c := &r.Consultation
	b := s.base
	s.title.SetText(c.Title)
	var invited []string
	for _, st := range c.Invited {
		invited = append(invited, stationName(b.tree, st))
	}
	info := lang.L("consult.detail_info", map[string]any{
		"State": consultStateLabel(c, s.u.now()), "Host": stationName(b.tree, c.Host), "Invited": strings.Join(invited, "、"),
		"At": dateTime(consultTime(c), b.loc)})
	if c.Incident != nil {
		title, known := s.incidents[*c.Incident]
		if !known {
			title = lang.L("consult.incident_unknown")
		}
		info += "\n" + lang.L("consult.incident_line", map[string]any{"Title": title})
	}
	if c.Recording {
		info += "\n" + lang.L("consult.recording_notice")
	}
	if c.Missed(s.u.now()) {
		info += "\n" + lang.L("consult.missed_notice")
	}
	s.info.SetText(info)
	s.openInc.Hidden = c.Incident == nil || s.u.incidents == nil
	var lines []string
	for _, p := range r.Participations {
		line := lang.L("consult.stay_line", map[string]any{"Station": stationName(b.tree, p.Station), "Person": p.Person,
			"Joined": p.Joined.In(b.loc).Format("15:04:05")})
		if !p.Left.IsZero() {
			line += lang.L("consult.stay_left", map[string]any{"Left": p.Left.In(b.loc).Format("15:04:05")})
		}
		lines = append(lines, line)
	}
	for _, rep := range r.Replies {
		if !rep.Accept {
			lines = append(lines, lang.L("consult.declined_line", map[string]any{"Station": stationName(b.tree, rep.Station),
				"At": rep.At.In(b.loc).Format("15:04:05")}))
		}
	}
	if len(lines) == 0 {
		lines = []string{lang.L("consult.nobody_yet")}
	}
	s.people.SetText(strings.Join(lines, "\n"))
	s.roll.SetText(rollText(r, b, s.u.now()))
	s.showRecordings(r, b)
	host := c.Host == b.homeID()
	s.join.Hidden = c.State != consult.Live
	s.start.Hidden = !host || c.State != consult.Scheduled
	s.end.Hidden = !host || c.State == consult.Ended
	s.export.Hidden = len(r.Calls) == 0
	s.detail.Show()
	s.detail.Refresh()
}

// rollText is the roll call as lines: station, status, when called and
// answered.
func rollText(r *consult.Record, b alertBase, now time.Time) string {
	if len(r.Calls) == 0 {
		return lang.L("consult.roll_none")
	}
	var lines []string
	for _, res := range r.Results(now) {
		line := stationName(b.tree, res.Station) + "　" + rollStatusLabel(res.Status)
		if !res.Answered.IsZero() {
			line += "　" + lang.L("consult.roll_answered_at", map[string]any{"At": res.Answered.In(b.loc).Format("15:04:05"), "Person": res.Person})
		}
		lines = append(lines, line)
	}
	return strings.Join(lines, "\n")
}

// rollCallCSV is the roll call of r as CSV: one row per invited station.
func rollCallCSV(r *consult.Record, b alertBase, now time.Time) []byte {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	_ = w.Write([]string{lang.L("consult.csv_station"), lang.L("consult.csv_status"), lang.L("consult.csv_called"),
		lang.L("consult.csv_answered"), lang.L("consult.csv_person")})
	stamp := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.In(b.loc).Format("2006-01-02 15:04:05")
	}
	for _, res := range r.Results(now) {
		_ = w.Write([]string{stationName(b.tree, res.Station), rollStatusLabel(res.Status), stamp(res.Called), stamp(res.Answered), res.Person})
	}
	w.Flush()
	return buf.Bytes()
}

func (s *consultScreen) onExport() {
	r := s.selected()
	if r == nil {
		return
	}
	data := rollCallCSV(r, s.base, s.u.now())
	d := dialog.NewFileSave(func(w fyne.URIWriteCloser, err error) {
		if err != nil || w == nil {
			return
		}
		defer w.Close()
		if _, err := w.Write(data); err != nil {
			s.u.showError(app.Errorf(app.EINTERNAL, "%v", err))
		}
	}, s.u.win)
	d.SetFileName(lang.L("consult.csv_file", map[string]any{"Title": r.Consultation.Title}) + ".csv")
	d.SetFilter(storage.NewExtensionFileFilter([]string{".csv"}))
	showFileDialog(d, s.u.win)
}

func (s *consultScreen) act(do func(ctx context.Context, svc consult.Service, id app.ID) error) {
	r := s.selected()
	if r == nil {
		return
	}
	ctx, svc, id := s.u.ctx, s.u.svc.Consultations, r.Consultation.ID
	runAsync(func() (struct{}, error) { return struct{}{}, do(ctx, svc, id) }, func(_ struct{}, err error) {
		if err != nil {
			s.u.showError(err)
		}
		s.u.changed() // the incident's timeline may have a new event
		s.load()
	})
}

func (s *consultScreen) onStart() {
	if msg := s.u.consultOffline(); msg != "" {
		s.u.showMessage(lang.L("consult.start_failed_title"), msg)
		return
	}
	s.act(func(ctx context.Context, svc consult.Service, id app.ID) error { return svc.Start(ctx, id) })
}

func (s *consultScreen) onEnd() {
	showKeyedConfirm(s.u.win, lang.L("consult.end"), lang.L("consult.end_confirm"), lang.L("consult.end"), func(ok bool) {
		if ok {
			if s.u.room != nil && s.u.room.rec.Consultation.ID == s.sel {
				s.u.room.leave(true)
			}
			s.act(func(ctx context.Context, svc consult.Service, id app.ID) error { return svc.End(ctx, id) })
		}
	})
}

func (s *consultScreen) onOpenIncident() {
	if r := s.selected(); r != nil && r.Consultation.Incident != nil && s.u.incidents != nil {
		s.u.incidents.openIncident(*r.Consultation.Incident)
	}
}

func (s *consultScreen) onJoin() {
	if r := s.selected(); r != nil {
		s.u.openRoom(*r, s.base)
	}
}

// consultFromIncident starts a consultation with the stations holding an
// incident and opens it, on the 会商 screen and in its window.
func (u *UI) consultFromIncident(id app.ID) {
	if u.consults == nil || id == app.NilID {
		return
	}
	if msg := u.consultOffline(); msg != "" {
		u.showMessage(lang.L("consult.start_failed_title"), msg)
		return
	}
	ctx, svc := u.ctx, u.svc
	runAsync(func() (consultStarted, error) {
		var d consultStarted
		c, err := svc.Consultations.FromIncident(ctx, id, "")
		if err != nil {
			return d, err
		}
		if d.base, err = loadAlertBase(ctx, svc); err != nil {
			return d, err
		}
		rec, err := svc.Consultations.Record(ctx, c.ID)
		if err == nil {
			d.rec = *rec
		}
		return d, err
	}, func(d consultStarted, err error) {
		if err != nil {
			u.showError(err)
			return
		}
		u.changed() // the incident's timeline has 会商开始
		u.consults.sel = d.rec.Consultation.ID
		u.nav.open("consultation")
		u.consults.load()
		u.openRoom(d.rec, d.base)
	})
}

type consultStarted struct {
	rec  consult.Record
	base alertBase
}

// inviteChoices are the duty rooms a station calls by video most: those
// above it, and those one and two levels below.
func inviteChoices(b alertBase) []*app.Station {
	if b.home == nil {
		return nil
	}
	var out []*app.Station
	for _, a := range b.tree.Ancestors(b.home.ID) {
		out = append(out, a)
	}
	for _, c := range b.tree.Children(b.home.ID) {
		if c.Tier.HasDutyRoom() {
			out = append(out, c)
		}
		for _, g := range b.tree.Children(c.ID) {
			if g.Tier.HasDutyRoom() {
				out = append(out, g)
			}
		}
	}
	return out
}

// onNew asks for a title, the stations or an incident, and a time; with
// no time the consultation starts at once.
func (s *consultScreen) onNew() { s.newConsultation(app.NilID) }

// newConsultation is onNew with one station already ticked, as 会商 on a
// row of 今日值班 opens it; NilID ticks none.
func (s *consultScreen) newConsultation(invite app.ID) {
	b := s.base
	title := widget.NewEntry()
	title.SetPlaceHolder(lang.L("consult.title_placeholder"))
	choices := inviteChoices(b)
	var names []string
	byName := map[string]app.ID{}
	for _, st := range choices {
		names = append(names, st.Name)
		byName[st.Name] = st.ID
	}
	stations := widget.NewCheckGroup(names, nil)
	for _, st := range choices {
		if st.ID == invite {
			stations.SetSelected([]string{st.Name})
		}
	}
	when := widget.NewEntry()
	when.SetPlaceHolder(lang.L("consult.when_placeholder"))
	recording := widget.NewCheck(lang.L("consult.recording"), nil)
	incidents := widget.NewSelect(nil, nil)
	incidents.PlaceHolder = lang.L("consult.no_incident")
	var incIDs []app.ID
	errLabel := errorLabel()
	errLabel.Hide()
	if s.u.svc.Incidents != nil {
		ctx, svc := s.u.ctx, s.u.svc.Incidents
		runAsync(func() ([]incident.Incident, error) {
			list, _, err := svc.Incidents(ctx, incident.Filter{Limit: 30})
			return list, err
		}, func(list []incident.Incident, err error) {
			if err != nil {
				return
			}
			opts := []string{lang.L("consult.no_incident")}
			incIDs = []app.ID{app.NilID}
			for _, inc := range list {
				opts = append(opts, dateTime(inc.ReceivedAt, b.loc)+" "+inc.Title)
				incIDs = append(incIDs, inc.ID)
			}
			incidents.SetOptions(opts)
		})
	}
	// Each message goes under the field it is about.
	titleErr, inviteErr, whenErr := errorLabel(), errorLabel(), errorLabel()
	var refresh func() // lays the form out again round a message shown or hidden
	fieldErr := map[string]*widget.Label{"title": titleErr, "invited": inviteErr, "scheduled": whenErr}
	showErr := func(field, text string) {
		l, ok := fieldErr[field]
		if !ok {
			l = errLabel
		}
		l.SetText(text)
		l.Show()
		refresh()
	}
	form := widget.NewForm(
		widget.NewFormItem(lang.L("consult.title"), container.NewVBox(title, titleErr)),
		widget.NewFormItem(lang.L("consult.incident"), incidents),
		widget.NewFormItem(lang.L("consult.invite"), container.NewVBox(container.NewStack(minHeight(200), container.NewVScroll(stations)), inviteErr)),
		widget.NewFormItem(lang.L("consult.when"), container.NewVBox(when, whenErr)),
		widget.NewFormItem("", recording),
	)
	form.Items[2].HintText = lang.L("consult.invite_hint")
	refresh = form.Refresh
	reach := s.u.consultReachNote()
	var d dialog.Dialog
	submit := func() {
		for _, l := range []*widget.Label{errLabel, titleErr, inviteErr, whenErr} {
			l.Hide()
		}
		refresh()
		c := consult.Consultation{Title: title.Text, Recording: recording.Checked}
		for _, n := range stations.Selected {
			c.Invited = append(c.Invited, byName[n])
		}
		inc := app.NilID
		if i := incidents.SelectedIndex(); i > 0 && i < len(incIDs) {
			inc = incIDs[i]
		}
		if t := strings.TrimSpace(when.Text); t != "" {
			at, err := time.ParseInLocation("2006-01-02 15:04", t, b.loc)
			if err != nil {
				showErr("scheduled", lang.L("consult.error_when"))
				return
			}
			at = at.UTC()
			c.Scheduled = &at
		}
		if s.u.consultOffline() != "" && c.Scheduled == nil {
			// Under the start time: giving one is what can be done now.
			showErr("scheduled", lang.L("consult.offline_start_now"))
			return
		}
		ctx, svc := s.u.ctx, s.u.svc.Consultations
		runAsync(func() (*consult.Consultation, error) {
			if inc != app.NilID && len(c.Invited) == 0 && c.Scheduled == nil {
				return svc.FromIncident(ctx, inc, c.Title)
			}
			if inc != app.NilID {
				c.Incident = &inc
			}
			err := svc.Schedule(ctx, &c)
			return &c, err
		}, func(n *consult.Consultation, err error) {
			if err != nil {
				showErr(app.ErrorField(err), consultErrorText(err, c))
				return
			}
			d.Hide()
			s.sel = n.ID
			s.u.changed()
			s.load()
		})
	}
	body := container.NewBorder(reach, errLabel, nil, nil, form)
	d = dialog.NewCustomWithoutButtons(lang.L("consult.new"), container.NewBorder(nil,
		container.NewHBox(layout.NewSpacer(), widget.NewButton(lang.L("action.cancel"), func() { d.Hide() }),
			widget.NewButtonWithIcon(lang.L("consult.create"), theme.ConfirmIcon(), submit)), nil, nil, body), s.u.win)
	d.Resize(fyne.NewSize(560, 620)) // room for the connection line and a message under 开始时间
	d.Show()
}

// consultErrorText says what is wrong with the consultation c as entered.
// The domain names the field; what was entered tells which rule it broke.
func consultErrorText(err error, c consult.Consultation) string {
	if app.ErrorCode(err) == app.EINVALID {
		switch field := app.ErrorField(err); {
		case field == "scheduled":
			return lang.L("consult.error_past")
		case field == "invited" && len(c.Invited) == 0:
			return lang.L("consult.error_nobody")
		case field == "title" && strings.TrimSpace(c.Title) == "":
			return lang.L("consult.error_title")
		}
	}
	return errorText(err)
}

// minHeight is an empty object that holds a container open to a height.
func minHeight(h float32) fyne.CanvasObject {
	r := canvas.NewRectangle(color.Transparent)
	r.SetMinSize(fyne.NewSize(0, h))
	return r
}

// stateLabel names a consultation's state.
func stateLabel(st consult.State) string {
	switch st {
	case consult.Scheduled:
		return lang.L("consult.state_scheduled")
	case consult.Live:
		return lang.L("consult.state_live")
	}
	return lang.L("consult.state_ended")
}

// consultTime is when a consultation happens: its start, or the time it
// is scheduled for, or when it was made.
func consultTime(c *consult.Consultation) time.Time {
	switch {
	case !c.StartedAt.IsZero():
		return c.StartedAt
	case c.Scheduled != nil:
		return *c.Scheduled
	}
	return c.CreatedAt
}
