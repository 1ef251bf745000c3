package ui

import (
	"context"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"dutyroom/app"
	"dutyroom/app/message"
)

// messageBase is what every part of the messages screen needs: the
// station tree to name stations and address them, this station, and who
// is on duty to acknowledge notices.
type messageBase struct {
	tree    *app.Tree
	home    *app.Station // nil until this client's station is chosen
	loc     *time.Location
	officer string // the duty officer now, who usually acknowledges
	limits  message.Limits
}

func loadMessageBase(ctx context.Context, svc Services, onDuty OnDutyFunc) (messageBase, error) {
	stations, err := svc.Stations.Stations(ctx)
	if err != nil {
		return messageBase{}, err
	}
	sortStations(stations)
	b := messageBase{tree: app.NewTree(stations), limits: svc.MessageLimits}
	me, err := svc.Identity.Identity(ctx)
	switch {
	case app.ErrorCode(err) == app.ENOTFOUND:
		return b, nil
	case err != nil:
		return b, err
	}
	b.home = b.tree.Station(me.ID)
	if b.home != nil {
		b.loc = b.home.Location()
	}
	if onDuty != nil {
		if d, err := onDuty(ctx); err == nil {
			b.officer = d.Officer
		}
	}
	return b, nil
}

// location is the home station's zone, China's before one is chosen.
func (b messageBase) location() *time.Location {
	if b.loc == nil {
		return (&app.Station{}).Location()
	}
	return b.loc
}

func (b messageBase) self() app.ID {
	if b.home == nil {
		return app.NilID
	}
	return b.home.ID
}

// Limits on what one look at the data file reads.
const (
	messagePageSize   = 30
	searchResultLimit = 200
)

// messageScreen is 消息: the conversations this duty room takes part in,
// newest first, with a search over every message above them, and the open
// conversation beside them.
type messageScreen struct {
	u      *UI
	base   messageBase
	loaded bool

	compose      *widget.Button
	search       *shortcutEntry
	status       *widget.Label // why nothing can be shown: no station, a read failed
	convs        []message.Conversation
	convList     *widget.List
	results      []message.Message
	resultList   *widget.List
	empty        *widget.Label
	searching    bool // the list shows search results, not conversations
	searchSeq    int
	cancelSearch context.CancelFunc
	quietSelect  bool // the list's selection is being set to match the open conversation

	view      *conversationView
	alerts    *messageAlerts
	composing *composeDialog // the form last opened

	// chooseOpen and chooseSave are the file dialogs; tests put their own
	// in place, as a file dialog cannot be driven headless.
	chooseOpen chooseOpenFunc
	chooseSave chooseSaveFunc

	visible bool
	content fyne.CanvasObject
}

func newMessageScreen(u *UI) *messageScreen {
	s := &messageScreen{u: u, chooseOpen: fileOpenDialog(u.win), chooseSave: fileSaveDialog(u.win)}
	s.compose = widget.NewButtonWithIcon(lang.L("message.compose"), theme.MailComposeIcon(), s.onCompose)
	s.compose.Importance = widget.HighImportance
	s.compose.Disable()
	s.search = newShortcutEntry()
	s.search.SetPlaceHolder(lang.L("message.search_placeholder"))
	s.search.ActionItem = widget.NewButtonWithIcon("", theme.ContentClearIcon(), func() { s.search.SetText("") })
	s.search.OnChanged = s.onSearchChanged
	s.status = widget.NewLabel("")
	s.status.Wrapping = fyne.TextWrapWord
	s.status.Hide()

	s.convList = widget.NewList(s.convLength, s.createConvRow, s.updateConvRow)
	s.convList.OnSelected = s.onConvSelected
	s.resultList = widget.NewList(s.resultLength, s.createConvRow, s.updateResultRow)
	s.resultList.OnSelected = s.onResultSelected
	s.resultList.Hide()
	s.empty = hintLabel("")
	s.empty.Alignment = fyne.TextAlignCenter
	s.empty.Hide()

	s.view = newConversationView(s)
	s.alerts = newMessageAlerts(s)

	top := container.NewVBox(container.NewBorder(nil, nil, nil, s.compose, s.search), s.status)
	left := container.NewBorder(top, nil, nil, nil, container.NewStack(s.convList, s.resultList, container.NewVBox(s.empty)))
	split := container.NewHSplit(left, s.view.content)
	split.Offset = 0.32
	s.content = split
	return s
}

// messagesEntry is the 消息 screen, or a note that it is not available when
// the program runs without a message service.
func (u *UI) messagesEntry() screen {
	s := screen{id: "messages", label: lang.L("nav.messages"), icon: theme.MailComposeIcon()}
	if u.messages == nil {
		s.build = func() fyne.CanvasObject {
			return newPlaceholder(theme.MailComposeIcon(), lang.L("nav.messages"), lang.L("placeholder.messages"))
		}
		return s
	}
	s.build, s.shown, s.hidden = u.messages.build, u.messages.shown, u.messages.hidden
	return s
}

// start reads the conversations and the unread count as the window opens,
// so the count beside 消息 is right before the screen is first looked at.
func (s *messageScreen) start() {
	s.reload()
	s.alerts.check()
}

// build is the navigation's constructor.
func (s *messageScreen) build() fyne.CanvasObject {
	s.reload()
	return s.content
}

func (s *messageScreen) shown() {
	s.visible = true
	if s.loaded && s.base.home == nil {
		// The station may have been chosen since, in the status bar.
		s.reload()
	}
	// What is on the screen is read: an open conversation that gained
	// messages while another screen was in view is marked read now.
	if s.view.conv != app.NilID {
		s.view.reload()
	}
}

func (s *messageScreen) hidden() { s.visible = false }

// reload reads the station tree again, then the conversations.
func (s *messageScreen) reload() {
	ctx, svc, onDuty := s.u.ctx, s.u.svc, s.u.status.onDuty
	runAsync(func() (messageBase, error) { return loadMessageBase(ctx, svc, onDuty) }, s.onBaseLoaded)
}

func (s *messageScreen) onBaseLoaded(b messageBase, err error) {
	if err != nil {
		s.showStatus(lang.L("message.error_load", map[string]any{"Error": errorText(err)}), widget.DangerImportance)
		return
	}
	s.base, s.loaded = b, true
	if b.home == nil {
		s.showStatus(noHomeText(), widget.WarningImportance)
		s.compose.Disable()
		return
	}
	s.showStatus("", widget.MediumImportance)
	s.compose.Enable()
	s.loadConversations()
}

func (s *messageScreen) showStatus(text string, importance widget.Importance) {
	s.status.Importance = importance
	s.status.SetText(text)
	s.status.Hidden = text == ""
	s.status.Refresh()
}

// dataArrived reloads what operations from the hub may have changed: new
// messages, receipts, parts of attachments.
func (s *messageScreen) dataArrived() {
	if s.loaded {
		if s.view.conv != app.NilID {
			s.view.reload()
		}
		s.loadConversations()
	}
	s.alerts.check()
}

// Conversations.

func (s *messageScreen) loadConversations() {
	if s.base.home == nil {
		return
	}
	ctx, svc, self := s.u.ctx, s.u.svc.Messages, s.base.home.ID
	runAsync(func() ([]message.Conversation, error) { return svc.Conversations(ctx, self) }, s.onConversations)
}

func (s *messageScreen) onConversations(list []message.Conversation, err error) {
	if err != nil {
		s.showStatus(lang.L("message.error_load", map[string]any{"Error": errorText(err)}), widget.DangerImportance)
		return
	}
	s.convs = list
	s.convList.Refresh()
	s.selectOpenConversation()
	s.showEmpty()
}

// selectOpenConversation keeps the list's highlight on the conversation
// shown, wherever reloading moved it.
func (s *messageScreen) selectOpenConversation() {
	s.quietSelect = true
	defer func() { s.quietSelect = false }()
	for i, c := range s.convs {
		if c.ID == s.view.conv {
			s.convList.Select(i)
			return
		}
	}
	s.convList.UnselectAll()
}

func (s *messageScreen) showEmpty() {
	switch {
	case s.searching && len(s.results) == 0:
		s.empty.SetText(lang.L("message.search_none", map[string]any{"Query": s.search.Text}))
		s.empty.Show()
	case !s.searching && len(s.convs) == 0 && s.base.home != nil:
		s.empty.SetText(lang.L("message.conversations_none"))
		s.empty.Show()
	default:
		s.empty.Hide()
	}
}

func (s *messageScreen) convLength() int { return len(s.convs) }

func (s *messageScreen) createConvRow() fyne.CanvasObject { return newConvRow() }

func (s *messageScreen) updateConvRow(id widget.ListItemID, o fyne.CanvasObject) {
	if id >= len(s.convs) {
		return
	}
	c := s.convs[id]
	o.(*convRow).set(s.base.conversationTitle(c.Participants), messageWhen(c.LastAt, s.u.now(), s.base.location()),
		messageSnippet(&c.Last), c.Unread)
}

func (s *messageScreen) onConvSelected(id widget.ListItemID) {
	if s.quietSelect || id >= len(s.convs) {
		return
	}
	c := s.convs[id]
	s.view.open(c.ID, c.Participants, app.NilID)
}

// Search.

func (s *messageScreen) onSearchChanged(text string) {
	if s.cancelSearch != nil {
		s.cancelSearch()
		s.cancelSearch = nil
	}
	s.searchSeq++
	if strings.TrimSpace(text) == "" {
		s.searching = false
		s.results = nil
		s.resultList.Hide()
		s.convList.Show()
		s.showEmpty()
		return
	}
	// A newer query stops the scan of an older one: the store checks the
	// context as it goes.
	ctx, cancel := context.WithCancel(s.u.ctx)
	s.cancelSearch = cancel
	seq, svc := s.searchSeq, s.u.svc.Messages
	runAsync(func() ([]message.Message, error) { return svc.Search(ctx, text, searchResultLimit) },
		func(list []message.Message, err error) { s.onSearchResults(seq, list, err) })
}

func (s *messageScreen) onSearchResults(seq int, list []message.Message, err error) {
	if seq != s.searchSeq {
		return
	}
	if err != nil {
		s.showStatus(lang.L("message.error_load", map[string]any{"Error": errorText(err)}), widget.DangerImportance)
		return
	}
	s.searching = true
	s.results = list
	s.convList.Hide()
	s.resultList.UnselectAll()
	s.resultList.Refresh()
	s.resultList.ScrollToTop()
	s.resultList.Show()
	s.showEmpty()
}

func (s *messageScreen) resultLength() int { return len(s.results) }

func (s *messageScreen) updateResultRow(id widget.ListItemID, o fyne.CanvasObject) {
	if id >= len(s.results) {
		return
	}
	m := &s.results[id]
	title := lang.L("message.result_title", map[string]any{
		"From": s.base.stationName(m.From), "To": s.base.stationNames(m.To)})
	o.(*convRow).set(title, messageWhen(m.SentAt, s.u.now(), s.base.location()), messageSnippet(m), 0)
}

func (s *messageScreen) onResultSelected(id widget.ListItemID) {
	if id >= len(s.results) {
		return
	}
	m := &s.results[id]
	s.view.open(m.Conversation(), m.Participants(), m.ID)
}

// Compose.

func (s *messageScreen) onCompose() {
	if s.base.home == nil {
		return
	}
	s.composing = newComposeDialog(s)
	s.composing.show()
}

// sent opens the conversation a message just sent belongs to.
func (s *messageScreen) sent(m *message.Message) {
	s.u.changed()
	s.search.SetText("")
	s.view.open(m.Conversation(), m.Participants(), app.NilID)
	s.loadConversations()
}

// convRow is one line of the conversation list, and of the search
// results: who, when, the first words, and how many are unread.
type convRow struct {
	widget.BaseWidget
	title, when, snippet, unread *widget.Label
	box                          *fyne.Container
}

func newConvRow() *convRow {
	r := &convRow{title: widget.NewLabel(""), when: widget.NewLabel(""), snippet: widget.NewLabel(""), unread: widget.NewLabel("")}
	r.title.TextStyle.Bold = true
	r.title.Truncation = fyne.TextTruncateEllipsis
	r.when.Importance = widget.LowImportance
	r.snippet.Truncation = fyne.TextTruncateEllipsis
	r.unread.TextStyle.Bold = true
	r.unread.Importance = widget.DangerImportance
	r.unread.Alignment = fyne.TextAlignTrailing
	r.box = container.NewVBox(
		container.NewBorder(nil, nil, nil, r.when, r.title),
		container.NewBorder(nil, nil, nil, r.unread, r.snippet))
	r.ExtendBaseWidget(r)
	return r
}

func (r *convRow) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(r.box)
}

func (r *convRow) set(title, when, snippet string, unread int) {
	r.title.SetText(title)
	r.when.SetText(when)
	r.snippet.SetText(snippet)
	if unread > 0 {
		r.unread.SetText(badgeText(unread))
		r.unread.Show()
	} else {
		r.unread.Hide()
	}
	// A reused row's time and count change width; the row is laid out
	// again so the title gives them room.
	relayout(r.box)
}
