package ui

import (
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"

	"dutyroom/app"
	"dutyroom/app/message"
)

// New messages are noticed two ways. The window reads the unread count
// when the sync engine reports operations taken in (dataArrived), which
// is at once; and it reads it every unreadPollInterval while it runs, for
// messages that reach the data file by any other way. A reading is one
// short cursor walk over this station's unread marks.
const unreadPollInterval = 5 * time.Second

// unreadNotifyLimit is how many of the newest unread messages a reading
// looks at to find the ones not yet announced; more arriving between two
// readings than this are counted in the badge but not each announced.
const unreadNotifyLimit = 20

// messageAlerts tells the person on duty that messages wait: a desktop
// notification for each new one, and the unread count beside 消息 in the
// navigation and on the tray icon, cleared as they are read. A desktop
// without a notification daemon or a tray loses those two silently; the
// navigation's count is always there.
type messageAlerts struct {
	s       *messageScreen
	seq     int
	started bool            // the first reading is the baseline, announced as one summary
	known   map[app.ID]bool // unread messages already announced
	count   int
}

type unreadReading struct {
	list  []message.Message // newest first
	total int
}

func newMessageAlerts(s *messageScreen) *messageAlerts {
	return &messageAlerts{s: s, known: map[app.ID]bool{}}
}

// check reads the unread count and announces what is new.
func (a *messageAlerts) check() { a.read(false) }

// poll is check for the timer, which is the first to see a message that
// reached the data file some other way than through the sync engine: the
// screen is reloaded when something new is seen.
func (a *messageAlerts) poll() { a.read(true) }

func (a *messageAlerts) read(reload bool) {
	a.seq++
	seq, ctx, svc := a.seq, a.s.u.ctx, a.s.u.svc.Messages
	runAsync(func() (unreadReading, error) {
		list, total, err := svc.Unread(ctx, unreadNotifyLimit)
		return unreadReading{list: list, total: total}, err
	}, func(r unreadReading, err error) {
		if seq == a.seq {
			a.onUnread(r, err, reload)
		}
	})
}

func (a *messageAlerts) onUnread(r unreadReading, err error, reload bool) {
	switch {
	case app.ErrorCode(err) == app.ENOTFOUND:
		// No station chosen yet: nothing can be addressed here.
		r = unreadReading{}
	case err != nil:
		// The count stays as last read; the next reading tries again.
		return
	}
	a.show(r.total)
	var fresh []message.Message
	for _, m := range r.list {
		if !a.known[m.ID] {
			fresh = append(fresh, m)
		}
	}
	if len(a.known) > 10*unreadNotifyLimit {
		clear(a.known)
	}
	for _, m := range r.list {
		a.known[m.ID] = true
	}
	if !a.started {
		// What waited while the program was closed is one notification,
		// not a burst of them.
		a.started = true
		if r.total > 0 {
			a.notify(lang.L("message.notify_summary_title"), lang.L("message.notify_summary", map[string]any{"Count": r.total}))
		}
		return
	}
	if len(fresh) == 0 {
		return
	}
	for i := len(fresh) - 1; i >= 0; i-- {
		m := &fresh[i]
		if a.s.visible && a.s.view.conv == m.Conversation() {
			continue // on the screen already, and read as it is reloaded
		}
		b := a.s.base
		a.notify(lang.L("message.notify_title", map[string]any{"Station": b.stationName(m.From), "Kind": messageKindLabel(m.Kind)}),
			messageSnippet(m))
	}
	if reload && a.s.loaded {
		a.s.loadConversations()
		if a.s.view.conv != app.NilID {
			a.s.view.reload()
		}
	}
}

func (a *messageAlerts) notify(title, content string) {
	a.s.u.app.SendNotification(fyne.NewNotification(title, content))
}

// show puts the unread count beside 消息 and into the tray's badge.
func (a *messageAlerts) show(total int) {
	a.count = total
	a.s.u.nav.setBadge("messages", total)
	a.s.u.tray.set(trayMessages, total)
}

// pollMessages reads the unread count every unreadPollInterval until stop
// is closed.
func (u *UI) pollMessages(stop <-chan struct{}) {
	if u.messages == nil {
		return
	}
	t := time.NewTicker(unreadPollInterval)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			fyne.Do(u.messages.alerts.poll)
		}
	}
}
