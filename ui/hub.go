package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"dutyroom/app/syncer"
)

// hubWatch follows the connection to the hub for the status bar and the
// settings screen, and reloads the screens when operations arrive.
type hubWatch struct {
	stop     func()
	received int // the engine's count of operations taken in, as last seen
}

// watchHub starts following Services.Hub; without one the window works
// alone and says it is offline.
func (u *UI) watchHub() {
	if u.svc.Hub == nil {
		return
	}
	u.status.hub.stop = u.svc.Hub.Watch(func(s syncer.Status) {
		// The engine calls from its own goroutine.
		fyne.Do(func() { u.onHubStatus(s) })
	})
	u.onHubStatus(u.svc.Hub.Status())
}

// unwatchHub stops following the hub, before the engine is stopped, so no
// news reaches a window that is gone.
func (u *UI) unwatchHub() {
	if u.status.hub.stop != nil {
		u.status.hub.stop()
		u.status.hub.stop = nil
	}
}

// kickHub tells the engine a change is queued, so it goes out now rather
// than at the next poll.
func (u *UI) kickHub() {
	if u.svc.Hub != nil {
		u.svc.Hub.Kick()
	}
}

func (u *UI) onHubStatus(s syncer.Status) {
	u.status.showHub(s)
	u.settings.hub.show(s)
	u.reach.show(s)
	w := &u.status.hub
	arrived := s.Received > w.received
	w.received = s.Received // a new engine counts from 0 again
	if arrived {
		u.dataArrived()
	}
}

// dataArrived reloads what other stations' changes may have changed.
func (u *UI) dataArrived() {
	u.status.refresh()
	if u.duty != nil {
		u.duty.refresh()
	}
	if u.incidents != nil {
		u.incidents.refresh()
	}
	if u.directory.loaded {
		u.directory.load()
	}
	u.alertsChanged()
	u.alarm.loadArrivals()
	if u.messages != nil {
		u.messages.dataArrived()
	}
}

// hubWord is the status bar's word for the connection, and how loud it is.
func hubWord(s syncer.Status) (string, widget.Importance) {
	switch s.Reason() {
	case syncer.ReasonOnline:
		return lang.L("status.online"), widget.SuccessImportance
	case syncer.ReasonReconnecting:
		return lang.L("status.reconnecting"), widget.WarningImportance
	case syncer.ReasonNeedLogin:
		return lang.L("status.need_login"), widget.DangerImportance
	case syncer.ReasonConfirmPin:
		return lang.L("status.confirm_pin"), widget.DangerImportance
	case syncer.ReasonSecondFolder:
		return lang.L("status.second_folder"), widget.DangerImportance
	}
	return lang.L("status.not_connected"), widget.WarningImportance
}
