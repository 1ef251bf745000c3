package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"dutyroom/app/syncer"
)

// Offline honesty: every form that sends something to other stations (a
// spot check, a warning, a notice, a consultation, the duty screen's reach
// buttons) says, before it is pressed, whether the hub is reachable now
// and what will happen: sent at once, or saved here and sent when the link
// returns. The words follow the status bar's (hubWord), and change as the
// link comes and goes.

// reachNotes are the lines under the sending forms, kept up to date by
// onHubStatus.
type reachNotes struct {
	labels []reachLabel
}

type reachLabel struct {
	label *widget.Label
	// spotCheck adds, while offline, what waiting means for a spot check:
	// its time starts when it arrives, and undelivered is not absent.
	spotCheck bool
}

// hubStatus is the connection now; without a hub the window works alone
// and is offline.
func (u *UI) hubStatus() (syncer.Status, bool) {
	if u.svc.Hub == nil {
		return syncer.Status{}, false
	}
	return u.svc.Hub.Status(), true
}

// hubStatusNow is the connection now, offline without a hub.
func (u *UI) hubStatusNow() syncer.Status {
	s, _ := u.hubStatus()
	return s
}

// hubOnline reports whether the hub is reachable now.
func (u *UI) hubOnline() bool {
	s, ok := u.hubStatus()
	return ok && s.Online
}

// newReachNote returns a line saying whether what this form sends goes out
// now; spotCheck adds what waiting means for a spot check.
func (u *UI) newReachNote(spotCheck bool) *widget.Label {
	l := widget.NewLabel("")
	l.Wrapping = fyne.TextWrapWord
	r := reachLabel{label: l, spotCheck: spotCheck}
	u.reach.labels = append(u.reach.labels, r)
	s, _ := u.hubStatus()
	r.show(s)
	return l
}

// reachNoteNow is newReachNote for a dialog made afresh each time it
// opens: it says the connection as the dialog opens and is not kept up to
// date, so closed dialogs are not held for ever.
func (u *UI) reachNoteNow() *widget.Label {
	l := widget.NewLabel("")
	l.Wrapping = fyne.TextWrapWord
	s, _ := u.hubStatus()
	reachLabel{label: l}.show(s)
	return l
}

// show updates every line to the connection s.
func (n *reachNotes) show(s syncer.Status) {
	for _, r := range n.labels {
		r.show(s)
	}
}

func (r reachLabel) show(s syncer.Status) {
	text, importance := reachText(s)
	if !s.Online && r.spotCheck {
		text += lang.L("reach.offline_spotcheck")
	}
	if r.label.Text == text && r.label.Importance == importance {
		return
	}
	r.label.Text, r.label.Importance = text, importance
	r.label.Refresh()
}

// reachText is the line before sending: online, it goes out at once;
// otherwise why not (the status bar's word) and that it waits here.
func reachText(s syncer.Status) (string, widget.Importance) {
	if s.Online {
		return lang.L("reach.online"), widget.SuccessImportance
	}
	word, _ := hubWord(s)
	return lang.L("reach.offline", map[string]any{"Reason": word}), widget.WarningImportance
}

// sentNote is the sentence added to a confirmation: gone out, or saved
// here until the link returns.
func (u *UI) sentNote() string {
	if u.hubOnline() {
		return lang.L("reach.sent_now")
	}
	return lang.L("reach.queued")
}
