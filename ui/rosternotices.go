package ui

import (
	"context"
	"sort"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"dutyroom/app"
	"dutyroom/app/roster"
)

// unreadNotices counts each person's unread notices. A duty room's
// computer is shared, so the count that matters is everyone's at this
// station: whoever sits there sees that a colleague has not yet been told.
func unreadNotices(ctx context.Context, svc roster.NoticeService, people []app.ID) (map[app.ID]int, error) {
	out := map[app.ID]int{}
	for _, id := range people {
		ns, err := svc.Notices(ctx, id, true)
		if err != nil {
			return nil, err
		}
		if len(ns) > 0 {
			out[id] = len(ns)
		}
	}
	return out, nil
}

// loadUnreadCount totals the unread notices of this station's people, for
// the badge on the 我的值班 tab; only those of person when one is signed in.
func loadUnreadCount(ctx context.Context, svc Services, person app.ID) (int, error) {
	if svc.Notices == nil {
		return 0, nil
	}
	if person != app.NilID {
		ns, err := svc.Notices.Notices(ctx, person, true)
		return len(ns), err
	}
	me, err := svc.Identity.Identity(ctx)
	if app.ErrorCode(err) == app.ENOTFOUND {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	people, err := svc.Persons.Persons(ctx, app.PersonFilter{Station: &me.ID})
	if err != nil {
		return 0, err
	}
	ids := make([]app.ID, len(people))
	for i, p := range people {
		ids[i] = p.ID
	}
	unread, err := unreadNotices(ctx, svc.Notices, ids)
	total := 0
	for _, n := range unread {
		total += n
	}
	return total, err
}

// loadBadge puts the unread count on the 我的值班 tab.
func (s *dutyScreen) loadBadge() {
	ctx, svc := s.u.ctx, s.u.svc
	var only app.ID
	if cur := s.u.desk.current(); cur != nil {
		only = cur.Person.ID
	}
	runAsync(func() (int, error) { return loadUnreadCount(ctx, svc, only) }, func(n int, err error) {
		if err != nil {
			// The badge is a hint; the tab itself says what failed.
			return
		}
		s.showBadge(n)
	})
}

func (s *dutyScreen) showBadge(unread int) {
	text := lang.L("duty.tab_mine")
	if unread > 0 {
		text = lang.L("duty.tab_mine_unread", map[string]any{"Count": unread})
	}
	if item := s.tabs.Items[2]; item.Text != text {
		item.Text = text
		s.tabs.Refresh()
	}
}

// sortNotices puts unread notices first, each group newest first as the
// service returns them.
func sortNotices(ns []roster.Notice) {
	sort.SliceStable(ns, func(i, j int) bool { return !ns[i].Read && ns[j].Read })
}

func noticeKindLabel(k roster.NoticeKind) string {
	switch k {
	case roster.NoticePublished:
		return lang.L("notice.kind_published")
	case roster.NoticeChanged:
		return lang.L("notice.kind_changed")
	case roster.NoticeSwapApproved:
		return lang.L("notice.kind_swap_approved")
	case roster.NoticeSwapRejected:
		return lang.L("notice.kind_swap_rejected")
	}
	return string(k)
}

// noticeWhat says in the reader's language which duty a notice is about;
// the notice's own message, kept as the store wrote it, names the people.
func noticeWhat(b dutyBase, n roster.Notice) string {
	parts := []string{lang.L("duty.unknown_station")}
	if s := b.tree.Station(n.Station); s != nil {
		parts[0] = s.Name
	}
	if n.Day.Valid() {
		parts = append(parts, dayLabel(n.Day))
	} else {
		parts = append(parts, monthTitle(n.Month))
	}
	if n.Post.Role != "" {
		parts = append(parts, postLabel(n.Post, n.Post.Index > 0))
	}
	return strings.Join(parts, " · ")
}

// noticeBody says what a notice tells in the reader's language: who holds
// the duty now, which duties a published month gives, which swap was
// decided and by whom. A notice kept before notices carried their facts
// shows the message the store wrote then.
func noticeBody(n roster.Notice) string {
	f := n.Facts
	if !f.Known(n.Kind) {
		return n.Message
	}
	switch n.Kind {
	case roster.NoticeChanged:
		text := lang.L("notice.body_changed", map[string]any{"Before": holderName(f.Before), "After": holderName(f.After)})
		if f.Reason != "" {
			text += lang.L("notice.body_reason", map[string]any{"Reason": f.Reason})
		}
		return text
	case roster.NoticePublished:
		duties := make([]string, len(f.Duties))
		for i, d := range f.Duties {
			duties[i] = shortDate(d.Day) + " " + postLabel(d.Post, d.Post.Index > 0)
		}
		return lang.L("notice.body_published", map[string]any{"Count": len(duties), "Duties": strings.Join(duties, lang.L("list.separator"))})
	}
	a, b := f.Swap[0], f.Swap[1]
	data := map[string]any{
		"First": holderName(a.Name), "FirstDuty": shortDate(a.Day) + " " + postLabel(a.Post, a.Post.Index > 0),
		"Second": holderName(b.Name), "SecondDuty": shortDate(b.Day) + " " + postLabel(b.Post, b.Post.Index > 0),
		"Leader": holderName(f.DecidedBy)}
	text := lang.L("notice.body_swap_approved", data)
	if n.Kind == roster.NoticeSwapRejected {
		text = lang.L("notice.body_swap_rejected", data)
	}
	if f.Note != "" {
		text += lang.L("notice.body_note", map[string]any{"Note": f.Note})
	}
	return text
}

// holderName is a person's name in a notice, or 无人 for an empty post.
func holderName(name string) string {
	if name == "" {
		return lang.L("notice.nobody")
	}
	return name
}

func noticeWhen(t time.Time, loc *time.Location) string {
	return t.In(loc).Format("2006-01-02 15:04")
}

// noticeRow is one notice in the list: kind and time, what it concerns,
// the message, and a button to mark it read.
type noticeRow struct {
	widget.BaseWidget
	title, what, message *widget.Label
	markRead             *widget.Button
	box                  *fyne.Container
}

func newNoticeRow() *noticeRow {
	r := &noticeRow{
		title:   widget.NewLabel(""),
		what:    widget.NewLabel(""),
		message: widget.NewLabel(""),
	}
	r.title.TextStyle.Bold = true
	r.title.Truncation = fyne.TextTruncateEllipsis
	r.what.Truncation = fyne.TextTruncateEllipsis
	r.message.Truncation = fyne.TextTruncateEllipsis
	r.message.Importance = widget.LowImportance
	r.markRead = widget.NewButtonWithIcon(lang.L("notice.mark_read"), theme.ConfirmIcon(), nil)
	r.markRead.Importance = widget.LowImportance
	// The button shares the middle line, the shortest: the title's time
	// and the message keep the row's whole width.
	r.box = container.NewVBox(r.title, container.NewBorder(nil, nil, nil, r.markRead, r.what), r.message)
	r.ExtendBaseWidget(r)
	return r
}

func (r *noticeRow) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(r.box)
}

func (p *minePanel) createNoticeRow() fyne.CanvasObject { return newNoticeRow() }

func (p *minePanel) updateNoticeRow(id widget.ListItemID, o fyne.CanvasObject) {
	r := o.(*noticeRow)
	n := p.data.notices[id]
	title := noticeKindLabel(n.Kind) + " · " + noticeWhen(n.At, p.data.base.home.Location())
	if !n.Read {
		title = lang.L("notice.unread", map[string]any{"Title": title})
	}
	setText(r.title, title)
	r.title.Importance = widget.MediumImportance
	if n.Read {
		r.title.Importance = widget.LowImportance
	}
	r.title.Refresh()
	setText(r.what, noticeWhat(p.data.base, n))
	setText(r.message, noticeBody(n))
	r.markRead.OnTapped = func() { p.onMarkRead(n) }
	showIf(r.markRead, !n.Read)
	// Rows are reused: lay this one out again for its button.
	r.box.Refresh()
}

// onNoticeSelected shows a notice in full: the list cuts long messages.
func (p *minePanel) onNoticeSelected(id widget.ListItemID) {
	p.notices.Unselect(id)
	if id < 0 || id >= len(p.data.notices) {
		return
	}
	n := p.data.notices[id]
	p.s.u.showMessage(noticeKindLabel(n.Kind), noticeWhat(p.data.base, n)+"\n"+noticeBody(n))
}

func (p *minePanel) onMarkRead(n roster.Notice) {
	ctx, svc := p.s.u.ctx, p.s.u.svc.Notices
	runAsync(func() (struct{}, error) { return struct{}{}, svc.MarkNoticeRead(ctx, n.Person, n.ID) },
		func(_ struct{}, err error) {
			if err != nil {
				p.s.u.showError(err)
				return
			}
			p.load()
			p.s.loadBadge()
		})
}

func (p *minePanel) onMarkAllRead() {
	ctx, svc := p.s.u.ctx, p.s.u.svc.Notices
	var unread []roster.Notice
	for _, n := range p.data.notices {
		if !n.Read {
			unread = append(unread, n)
		}
	}
	runAsync(func() (struct{}, error) {
		for _, n := range unread {
			if err := svc.MarkNoticeRead(ctx, n.Person, n.ID); err != nil {
				return struct{}{}, err
			}
		}
		return struct{}{}, nil
	}, func(_ struct{}, err error) {
		if err != nil {
			p.s.u.showError(err)
		}
		p.load()
		p.s.loadBadge()
	})
}

// unreadText names the station's people who have unread notices, so the
// person at the desk knows whom to choose or to phone.
func unreadText(b dutyBase, unread map[app.ID]int) string {
	if len(unread) == 0 {
		return ""
	}
	var people []app.Person
	for id := range unread {
		if p, ok := b.persons[id]; ok {
			people = append(people, p)
		}
	}
	sortPeople(people)
	parts := make([]string, len(people))
	for i, p := range people {
		parts[i] = lang.L("notice.person_unread", map[string]any{"Name": p.Name, "Count": unread[p.ID]})
	}
	return lang.L("notice.unread_people", map[string]any{"People": strings.Join(parts, lang.L("list.separator"))})
}
