package ui

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"dutyroom/app"
	"dutyroom/app/spotcheck"
)

func outcomeLabel(o spotcheck.Outcome) string {
	switch o {
	case spotcheck.OnTime:
		return lang.L("spotcheck.outcome_on_time")
	case spotcheck.Late:
		return lang.L("spotcheck.outcome_late")
	case spotcheck.Missed:
		return lang.L("spotcheck.outcome_missed")
	case spotcheck.Undelivered:
		return lang.L("spotcheck.outcome_undelivered")
	}
	return lang.L("spotcheck.outcome_pending")
}

func outcomeImportance(o spotcheck.Outcome) widget.Importance {
	switch o {
	case spotcheck.OnTime:
		return widget.SuccessImportance
	case spotcheck.Late:
		return widget.WarningImportance
	case spotcheck.Missed:
		return widget.DangerImportance
	case spotcheck.Undelivered:
		// Neither for nor against the station: plain, not dimmed, so
		// it is read.
		return widget.MediumImportance
	}
	return widget.HighImportance
}

// limitText says a time to answer in minutes and seconds: "3 分钟".
func limitText(d time.Duration) string {
	d = d.Round(time.Second)
	m, s := int(d/time.Minute), int(d%time.Minute/time.Second)
	switch {
	case s == 0:
		return lang.L("spotcheck.minutes", map[string]any{"Minutes": m})
	case m == 0:
		return lang.L("spotcheck.seconds", map[string]any{"Seconds": s})
	}
	return lang.L("spotcheck.minutes_seconds", map[string]any{"Minutes": m, "Seconds": s})
}

// minutesText writes a limit as the entry takes it: 3, or 1.5.
func minutesText(d time.Duration) string {
	return strconv.FormatFloat(d.Minutes(), 'f', -1, 64)
}

// parseMinutes reads the time to answer, typed in minutes.
func parseMinutes(s string) (time.Duration, bool) {
	m, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || math.IsNaN(m) || math.IsInf(m, 0) || m <= 0 || m > 24*60 {
		return 0, false
	}
	return time.Duration(math.Round(m*60)) * time.Second, true
}

// spotCheckData is what the spot-check screen shows.
type spotCheckData struct {
	base     alertBase
	settings spotcheck.Settings
	records  []spotcheck.Record
}

func loadSpotChecks(ctx context.Context, svc Services) (spotCheckData, error) {
	d := spotCheckData{settings: spotcheck.DefaultSettings()}
	var err error
	if d.base, err = loadAlertBase(ctx, svc); err != nil || d.base.home == nil {
		return d, err
	}
	if d.settings, err = svc.SpotChecks.Settings(ctx, d.base.home.ID); err != nil {
		return d, err
	}
	d.records, err = svc.SpotChecks.Records(ctx, spotcheck.Filter{})
	return d, err
}

// spotCheckScreen is 查岗 for the checking station: start a check on one
// duty room below or on several chosen at random, set the time to answer,
// read the records and the quarterly ranking.
type spotCheckScreen struct {
	u      *UI
	data   spotCheckData
	loaded bool
	seq    int

	// 发起查岗
	targets     map[string]app.ID
	target      *widget.Select
	prompt      *shortcutEntry
	startOne    *widget.Button
	count       *shortcutEntry
	startRandom *widget.Button
	limit       *shortcutEntry
	saveLimit   *widget.Button
	errs        map[string]*widget.Label
	note        *widget.Label
	reach       *widget.Label // whether the hub is reachable, and what sending offline means
	done        *notice
	startForm   fyne.CanvasObject

	// 查岗记录
	records      []spotcheck.Record
	table        *widget.Table
	recordsEmpty *widget.Label

	// 季度排名
	quarter     *shortcutEntry
	showRanking *widget.Button
	quarterErr  *widget.Label
	ranks       []spotcheck.Rank
	period      *widget.Label
	rankTop     *fyne.Container
	rankTable   *widget.Table
	rankSeq     int

	tabs    *container.AppTabs
	status  *widget.Label
	content fyne.CanvasObject
	visible bool
}

// The tabs of the spot-check screen, in order.
const (
	spotTabStart = iota
	spotTabRecords
	spotTabRanking
)

// recordWidths are the least widths of the records' columns; the width
// left over goes to the two stations, the person who answered and the
// outcome (进行中，剩 02:30), the cells that run long.
var (
	recordWidths  = []float32{100, 130, 130, 80, 110, 130, 150}
	recordWeights = []float32{0, 2, 2, 0, 1, 0, 1}
)

func recordHeader(col int) string {
	switch col {
	case 0:
		return lang.L("spotcheck.col_started")
	case 1:
		return lang.L("spotcheck.col_by")
	case 2:
		return lang.L("spotcheck.col_target")
	case 3:
		return lang.L("spotcheck.col_deadline")
	case 4:
		return lang.L("spotcheck.col_person")
	case 5:
		return lang.L("spotcheck.col_answered")
	}
	return lang.L("spotcheck.col_outcome")
}

// rankWidths are the least widths of the ranking's columns; the width left
// over goes to the station's name.
var (
	rankWidths  = []float32{56, 220, 70, 80, 70, 80, 90, 120, 120}
	rankWeights = []float32{0, 1, 0, 0, 0, 0, 0, 0, 0}
)

func rankHeader(col int) string {
	switch col {
	case 0:
		return lang.L("spotcheck.col_place")
	case 1:
		return lang.L("spotcheck.col_station")
	case 2:
		return lang.L("spotcheck.col_checks")
	case 3:
		return lang.L("spotcheck.outcome_on_time")
	case 4:
		return lang.L("spotcheck.outcome_late")
	case 5:
		return lang.L("spotcheck.outcome_missed")
	case 6:
		return lang.L("spotcheck.outcome_pending")
	case 7:
		return lang.L("spotcheck.outcome_undelivered")
	}
	return lang.L("spotcheck.col_rate")
}

func newSpotCheckScreen(u *UI) *spotCheckScreen {
	s := &spotCheckScreen{u: u, targets: map[string]app.ID{}, errs: map[string]*widget.Label{}}
	for _, f := range []string{"", "target", "n", "prompt", "limit"} {
		s.errs[f] = errorLabel()
	}
	s.target = widget.NewSelect(nil, func(string) { s.clearError("target") })
	s.target.PlaceHolder = lang.L("spotcheck.target_placeholder")
	s.prompt = newShortcutEntry()
	s.prompt.SetPlaceHolder(lang.L("spotcheck.default_prompt"))
	s.prompt.OnChanged = func(string) { s.clearError("prompt") }
	s.startOne = widget.NewButtonWithIcon(lang.L("spotcheck.start_one"), theme.MailSendIcon(), s.onStartOne)
	s.startOne.Importance = widget.HighImportance
	s.count = newShortcutEntry()
	s.count.SetText("3")
	s.count.OnChanged = func(string) { s.clearError("n") }
	s.count.OnSubmitted = func(string) { s.onStartRandom() }
	s.startRandom = widget.NewButtonWithIcon(lang.L("spotcheck.start_random"), theme.MediaReplayIcon(), s.onStartRandom)
	s.limit = newShortcutEntry()
	s.limit.OnChanged = func(string) { s.clearError("limit") }
	s.limit.OnSubmitted = func(string) { s.onSaveLimit() }
	s.saveLimit = widget.NewButtonWithIcon(lang.L("spotcheck.save_limit"), theme.DocumentSaveIcon(), s.onSaveLimit)
	s.note = widget.NewLabel("")
	s.note.Wrapping = fyne.TextWrapWord
	s.reach = u.newReachNote(true)
	s.done = newNotice()

	form := widget.NewForm(
		widget.NewFormItem(lang.L("spotcheck.target"),
			container.NewBorder(nil, nil, nil, s.startOne, s.withError("target", s.target))),
		widget.NewFormItem(lang.L("spotcheck.random"),
			container.NewBorder(nil, nil, nil, container.NewHBox(widget.NewLabel(lang.L("spotcheck.random_unit")), s.startRandom),
				s.withError("n", s.count))),
		widget.NewFormItem(lang.L("spotcheck.prompt"), s.withError("prompt", s.prompt)),
		widget.NewFormItem(lang.L("spotcheck.limit"),
			container.NewBorder(nil, nil, nil, container.NewHBox(widget.NewLabel(lang.L("spotcheck.limit_unit")), s.saveLimit),
				s.withError("limit", s.limit))),
	)
	// The confirmation runs the form's width and wraps: it says whether the
	// checks went out or wait here, too long for a corner.
	s.done.label.Wrapping = fyne.TextWrapWord
	content := container.NewVBox(s.note, s.reach, form, s.errs[""], s.done.label,
		hintLabel(lang.L("spotcheck.start_hint")))
	s.done.parent = content
	s.startForm = container.NewVScroll(container.NewPadded(content))

	s.table = widget.NewTableWithHeaders(func() (int, int) { return len(s.records), len(recordWidths) },
		newCellLabel, s.updateRecord)
	s.table.ShowHeaderColumn = false
	s.table.CreateHeader = newHeaderLabel
	s.table.UpdateHeader = func(id widget.TableCellID, o fyne.CanvasObject) {
		if id.Col >= 0 {
			o.(*widget.Label).SetText(recordHeader(id.Col))
		}
	}
	s.table.OnSelected = func(widget.TableCellID) { s.table.UnselectAll() }
	s.recordsEmpty = hintLabel(lang.L("spotcheck.no_records"))
	records := container.NewBorder(s.recordsEmpty, nil, nil, nil, newFillTable(s.table, recordWidths, recordWeights))

	s.quarter = newShortcutEntry()
	s.quarter.SetPlaceHolder("2026Q3")
	s.quarter.OnChanged = func(string) { s.quarterErr.Hide() }
	s.quarter.OnSubmitted = func(string) { s.loadRanking() }
	s.showRanking = widget.NewButtonWithIcon(lang.L("spotcheck.show_ranking"), theme.SearchIcon(), s.loadRanking)
	s.quarterErr = errorLabel()
	s.period = widget.NewLabel("")
	s.period.Importance = widget.LowImportance
	s.rankTable = widget.NewTableWithHeaders(func() (int, int) { return len(s.ranks), len(rankWidths) },
		newCellLabel, s.updateRank)
	s.rankTable.ShowHeaderColumn = false
	s.rankTable.CreateHeader = newHeaderLabel
	s.rankTable.UpdateHeader = func(id widget.TableCellID, o fyne.CanvasObject) {
		if id.Col >= 0 {
			o.(*widget.Label).SetText(rankHeader(id.Col))
		}
	}
	s.rankTable.OnSelected = func(widget.TableCellID) { s.rankTable.UnselectAll() }
	quarterRow := container.NewBorder(nil, nil, widget.NewLabel(lang.L("spotcheck.quarter")), s.showRanking,
		container.NewVBox(s.quarter, s.quarterErr))
	s.rankTop = container.NewVBox(quarterRow, s.period)
	ranking := container.NewBorder(s.rankTop, nil, nil, nil, newFillTable(s.rankTable, rankWidths, rankWeights))

	s.tabs = container.NewAppTabs(
		container.NewTabItemWithIcon(lang.L("spotcheck.tab_start"), theme.MailSendIcon(), s.startForm),
		container.NewTabItemWithIcon(lang.L("spotcheck.tab_records"), theme.ListIcon(), records),
		container.NewTabItemWithIcon(lang.L("spotcheck.tab_ranking"), theme.GridIcon(), ranking),
	)
	s.tabs.OnSelected = s.onTab
	s.status = widget.NewLabel("")
	s.status.Wrapping = fyne.TextWrapWord
	s.status.Hide()
	s.content = container.NewBorder(s.status, nil, nil, nil, s.tabs)
	s.enableStart(false)
	return s
}

func newCellLabel() fyne.CanvasObject {
	l := widget.NewLabel("")
	l.Truncation = fyne.TextTruncateEllipsis
	return l
}

func newHeaderLabel() fyne.CanvasObject {
	l := widget.NewLabel("")
	l.TextStyle.Bold = true
	l.Truncation = fyne.TextTruncateEllipsis
	return l
}

func (s *spotCheckScreen) withError(field string, w fyne.CanvasObject) fyne.CanvasObject {
	return container.NewVBox(w, s.errs[field])
}

func (s *spotCheckScreen) clearError(field string) {
	if l := s.errs[field]; l.Visible() {
		l.Hide()
		s.startForm.Refresh()
	}
}

func (s *spotCheckScreen) showError(field, text string) {
	l, ok := s.errs[field]
	if !ok {
		l = s.errs[""]
	}
	l.SetText(text)
	l.Show()
	s.startForm.Refresh()
}

func (s *spotCheckScreen) enableStart(on bool) {
	for _, w := range []fyne.Disableable{s.target, s.prompt, s.startOne, s.count, s.startRandom, s.limit, s.saveLimit} {
		enable(w, on)
	}
}

// build is the navigation's constructor.
func (s *spotCheckScreen) build() fyne.CanvasObject {
	s.quarter.SetText(spotcheck.QuarterOf(s.u.now(), (&app.Station{}).Location()).Name)
	s.load()
	return s.content
}

func (s *spotCheckScreen) shown() {
	s.visible = true
	if s.loaded {
		s.load()
	}
}

func (s *spotCheckScreen) hidden() { s.visible = false }

func (s *spotCheckScreen) onTab(*container.TabItem) {
	switch s.tabs.SelectedIndex() {
	case spotTabRecords:
		s.load()
	case spotTabRanking:
		s.loadRanking()
	}
}

// refresh reads everything again after a change here or an arrival.
func (s *spotCheckScreen) refresh() {
	if s.loaded {
		s.load()
	}
}

// refreshLive follows the checks still running, which end while watched.
func (s *spotCheckScreen) refreshLive() {
	if !s.loaded {
		return
	}
	switch s.tabs.SelectedIndex() {
	case spotTabRecords:
		s.load()
	case spotTabRanking:
		s.loadRanking()
	}
}

func (s *spotCheckScreen) load() {
	s.seq++
	seq := s.seq
	ctx, svc := s.u.ctx, s.u.svc
	runAsync(func() (spotCheckData, error) { return loadSpotChecks(ctx, svc) }, func(d spotCheckData, err error) {
		if seq == s.seq {
			s.onLoaded(d, err)
		}
	})
}

func (s *spotCheckScreen) onLoaded(d spotCheckData, err error) {
	if err != nil {
		s.status.Importance = widget.DangerImportance
		s.status.SetText(lang.L("spotcheck.load_failed", map[string]any{"Error": errorText(err)}))
		s.status.Show()
		return
	}
	first := !s.loaded
	s.data, s.loaded = d, true
	s.status.Hide()
	s.records = d.records
	s.recordsEmpty.Hidden = len(s.records) > 0
	s.recordsEmpty.Refresh()
	s.table.Refresh()
	s.showTargets()
	if first {
		// Later loads keep what is being typed.
		s.limit.SetText(minutesText(d.settings.Limit))
	}
}

// showTargets offers the duty rooms below this station, each named by its
// path from here so two townships of one name are told apart.
func (s *spotCheckScreen) showTargets() {
	b := s.data.base
	if b.home == nil {
		s.note.Importance = widget.WarningImportance
		s.note.SetText(noHomeText())
		s.enableStart(false)
		return
	}
	cands := spotcheck.Candidates(b.tree, b.home.ID)
	if len(cands) == 0 {
		s.note.Importance = widget.WarningImportance
		s.note.SetText(lang.L("spotcheck.cannot_start", map[string]any{"Station": b.home.Name}))
		s.enableStart(false)
		return
	}
	s.note.Importance = widget.LowImportance
	s.note.SetText(lang.L("spotcheck.start_note", map[string]any{"Count": len(cands)}))
	s.targets = map[string]app.ID{}
	options := make([]string, 0, len(cands))
	for _, c := range cands {
		label := pathBelow(b.tree, c.ID, b.home.ID)
		options = append(options, label)
		s.targets[label] = c.ID
	}
	selected := s.target.Selected
	s.target.SetOptions(options)
	if _, ok := s.targets[selected]; ok {
		s.target.SetSelected(selected)
	} else {
		s.target.ClearSelected()
	}
	s.enableStart(true)
}

// pathBelow names a station by the stations between root and it: "吉首市 /
// 乾州街道" as seen from the prefecture.
func pathBelow(tree *app.Tree, id, root app.ID) string {
	st := tree.Station(id)
	switch {
	case st == nil:
		return ""
	case id == root:
		return st.Name
	case !tree.IsWithin(id, root):
		return tree.Path(id)
	}
	parts := []string{st.Name}
	for _, a := range tree.Ancestors(id) {
		if a.ID == root {
			break
		}
		parts = append([]string{a.Name}, parts...)
	}
	return strings.Join(parts, " / ")
}

func (s *spotCheckScreen) onStartOne() {
	id, ok := s.targets[s.target.Selected]
	if !ok {
		s.showError("target", lang.L("spotcheck.error_target"))
		return
	}
	if !s.checkPrompt() {
		return
	}
	c := spotcheck.Check{Target: id, Prompt: s.prompt.Text}
	s.startOne.Disable()
	ctx, svc := s.u.ctx, s.u.svc
	runAsync(func() (spotcheck.Check, error) {
		err := svc.SpotChecks.Start(ctx, &c)
		return c, err
	}, func(c spotcheck.Check, err error) {
		s.startOne.Enable()
		if err != nil {
			s.showStartError(err, "target")
			return
		}
		b := s.data.base
		s.done.show(lang.L("spotcheck.started_one", map[string]any{
			"Station": stationName(b.tree, c.Target), "Limit": limitText(c.Limit())}) + s.u.sentNote())
		s.u.changed()
	})
}

func (s *spotCheckScreen) checkPrompt() bool {
	if len([]rune(strings.TrimSpace(s.prompt.Text))) > spotcheck.MaxPrompt {
		s.showError("prompt", lang.L("spotcheck.error_prompt_long", map[string]any{"Max": spotcheck.MaxPrompt}))
		return false
	}
	return true
}

func (s *spotCheckScreen) onStartRandom() {
	if s.startRandom.Disabled() {
		return
	}
	max := len(s.targets)
	n, err := strconv.Atoi(strings.TrimSpace(s.count.Text))
	if err != nil || n < 1 || n > max {
		s.showError("n", lang.L("spotcheck.error_n", map[string]any{"Max": max}))
		return
	}
	if !s.checkPrompt() {
		return
	}
	s.startRandom.Disable()
	// The clock seeds the choice: nobody below can tell who is next.
	seed := uint64(s.u.now().UnixNano())
	ctx, svc, prompt := s.u.ctx, s.u.svc, s.prompt.Text
	runAsync(func() ([]spotcheck.Check, error) { return svc.SpotChecks.StartRandom(ctx, n, seed, prompt) },
		func(checks []spotcheck.Check, err error) {
			s.startRandom.Enable()
			if err != nil {
				s.showStartError(err, "n")
				return
			}
			b := s.data.base
			names := make([]string, len(checks))
			for i, c := range checks {
				names[i] = stationName(b.tree, c.Target)
			}
			s.done.show(lang.L("spotcheck.started_random", map[string]any{
				"Count": len(checks), "Names": strings.Join(names, lang.L("list.separator"))}) + s.u.sentNote())
			s.u.changed()
		})
}

// showStartError puts a refusal beside the field it is about; a refusal
// of the station itself belongs beside the station chosen.
func (s *spotCheckScreen) showStartError(err error, field string) {
	if app.ErrorCode(err) == app.EINVALID {
		switch app.ErrorField(err) {
		case "prompt":
			s.showError("prompt", lang.L("spotcheck.error_prompt_long", map[string]any{"Max": spotcheck.MaxPrompt}))
			return
		case "n":
			s.showError("n", lang.L("spotcheck.error_n", map[string]any{"Max": len(s.targets)}))
			return
		}
	}
	s.showError(field, errorText(err))
}

func (s *spotCheckScreen) onSaveLimit() {
	if s.saveLimit.Disabled() {
		return
	}
	d, ok := parseMinutes(s.limit.Text)
	set := spotcheck.Settings{Limit: d}
	if !ok || set.Validate() != nil {
		s.showError("limit", lang.L("spotcheck.error_limit", map[string]any{
			"Min": limitText(spotcheck.MinLimit), "Max": limitText(spotcheck.MaxLimit)}))
		return
	}
	home := s.data.base.homeID()
	ctx, svc := s.u.ctx, s.u.svc
	runAsync(func() (struct{}, error) { return struct{}{}, svc.SpotChecks.SetSettings(ctx, home, set) }, func(_ struct{}, err error) {
		if err != nil {
			s.showError("limit", errorText(err))
			return
		}
		s.data.settings = set
		s.limit.SetText(minutesText(set.Limit))
		s.done.show(lang.L("spotcheck.limit_saved", map[string]any{"Limit": limitText(set.Limit)}))
	})
}

func (s *spotCheckScreen) updateRecord(id widget.TableCellID, o fyne.CanvasObject) {
	l := o.(*widget.Label)
	if id.Row >= len(s.records) {
		setText(l, "")
		return
	}
	text, importance := recordCell(&s.records[id.Row], id.Col, s.data.base, s.u.now())
	setText(l, text)
	if l.Importance != importance {
		l.Importance = importance
		l.Refresh()
	}
}

// recordCell is the text of one cell of the records table.
func recordCell(r *spotcheck.Record, col int, b alertBase, now time.Time) (string, widget.Importance) {
	c := &r.Check
	switch col {
	case 0:
		return dateTime(c.StartedAt, b.loc), widget.MediumImportance
	case 1:
		if c.StartedBy == "" {
			return stationName(b.tree, c.By), widget.MediumImportance
		}
		return stationName(b.tree, c.By) + " " + c.StartedBy, widget.MediumImportance
	case 2:
		return stationName(b.tree, c.Target), widget.MediumImportance
	case 3:
		// The deadline counts from arrival; before one is known there is
		// none yet.
		if due, ok := r.Due(); ok {
			return due.In(b.loc).Format("15:04:05"), widget.MediumImportance
		}
		return "—", widget.LowImportance
	case 4:
		if r.Answer == nil {
			return "—", widget.LowImportance
		}
		return r.Answer.Person, widget.MediumImportance
	case 5:
		if r.Answer == nil {
			return "—", widget.LowImportance
		}
		return r.Answer.At.In(b.loc).Format("01-02 15:04:05"), widget.MediumImportance
	}
	o := r.Outcome(now)
	if _, arrived := r.Due(); o == spotcheck.Pending && !arrived {
		return lang.L("spotcheck.outcome_not_arrived"), widget.MediumImportance
	}
	if o == spotcheck.Undelivered && r.Expired() {
		return lang.L("spotcheck.outcome_expired"), outcomeImportance(o)
	}
	if o == spotcheck.Pending {
		return lang.L("spotcheck.outcome_pending_left", map[string]any{"Time": countdownText(r.Remaining(now))}), outcomeImportance(o)
	}
	return outcomeLabel(o), outcomeImportance(o)
}

// loadRanking ranks the stations checked in the quarter typed.
func (s *spotCheckScreen) loadRanking() {
	loc := s.data.base.loc
	if loc == nil {
		loc = (&app.Station{}).Location()
	}
	p, err := spotcheck.ParseQuarter(s.quarter.Text, loc)
	if err != nil {
		s.quarterErr.SetText(lang.L("spotcheck.error_quarter", map[string]any{"Example": spotcheck.QuarterOf(s.u.now(), loc).Name}))
		s.quarterErr.Show()
		s.rankTop.Refresh()
		return
	}
	s.quarterErr.Hide()
	s.rankSeq++
	seq := s.rankSeq
	ctx, svc, now := s.u.ctx, s.u.svc, s.u.now()
	runAsync(func() ([]spotcheck.Rank, error) { return svc.SpotChecks.Ranking(ctx, p, now) }, func(ranks []spotcheck.Rank, err error) {
		if seq != s.rankSeq {
			return
		}
		if err != nil {
			s.quarterErr.SetText(errorText(err))
			s.quarterErr.Show()
			s.rankTop.Refresh()
			return
		}
		s.ranks = ranks
		s.period.SetText(lang.L("spotcheck.period", map[string]any{
			"From": p.From.Format("2006-01-02"), "To": p.To.AddDate(0, 0, -1).Format("2006-01-02"), "Count": len(ranks)}))
		s.rankTop.Refresh()
		s.rankTable.Refresh()
	})
}

func (s *spotCheckScreen) updateRank(id widget.TableCellID, o fyne.CanvasObject) {
	l := o.(*widget.Label)
	if id.Row >= len(s.ranks) {
		setText(l, "")
		return
	}
	r := &s.ranks[id.Row]
	importance := widget.MediumImportance
	var text string
	switch id.Col {
	case 0:
		text = strconv.Itoa(r.Place)
	case 1:
		text = r.Name
		if b := s.data.base; b.home != nil {
			if p := pathBelow(b.tree, r.Station, b.home.ID); p != "" {
				text = p
			}
		}
	case 2:
		text = strconv.Itoa(r.Checks)
	case 3:
		text = strconv.Itoa(r.OnTime)
	case 4:
		text = strconv.Itoa(r.Late)
	case 5:
		text = strconv.Itoa(r.Missed)
		if r.Missed > 0 {
			importance = widget.DangerImportance
		}
	case 6:
		text = strconv.Itoa(r.Pending)
	case 7:
		// Counted apart: these checks never tested the desk.
		text = strconv.Itoa(r.Undelivered)
		if r.Undelivered > 0 {
			importance = widget.WarningImportance
		}
	default:
		text = rateText(r)
	}
	setText(l, text)
	if l.Importance != importance {
		l.Importance = importance
		l.Refresh()
	}
}

// rateText is the answered-on-time rate, or a dash before anything is
// decided: 0% would blame a station for checks still running.
func rateText(r *spotcheck.Rank) string {
	if r.Decided() == 0 {
		return "—"
	}
	return fmt.Sprintf("%.1f%%", r.Rate()*100)
}

// spotChecksEntry is the 查岗 screen, or a note that it is not available
// when the program runs without a spot-check service.
func (u *UI) spotChecksEntry() screen {
	s := screen{id: "spotchecks", label: lang.L("nav.spotchecks"), icon: theme.HistoryIcon()}
	if u.spotChecks == nil {
		s.build = func() fyne.CanvasObject {
			return newPlaceholder(theme.HistoryIcon(), lang.L("nav.spotchecks"), lang.L("placeholder.spotchecks"))
		}
		return s
	}
	s.build, s.shown, s.hidden = u.spotChecks.build, u.spotChecks.shown, u.spotChecks.hidden
	return s
}
