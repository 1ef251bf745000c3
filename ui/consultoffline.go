package ui

import (
	"context"
	"errors"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"dutyroom/app"
	"dutyroom/app/wire"
)

// A consultation is a live call through the hub: one no station can join
// is not under way. So, with the hub unreachable, the window neither
// starts a consultation now (发起会商 without a time, 开始, 会商 from an
// incident) nor enters one (进入会商, 接受 on the ring): it says in words
// that the hub cannot be reached and what to do instead. A consultation
// with a time is still scheduled offline: the schedule waits here and goes
// out when the link returns, as any other record does.
//
// The check needs a hub to ask: a window built without one (a test of the
// screens alone) leaves the media layer to answer.

// consultOffline says why a consultation cannot be started or entered now,
// or "" when the hub is reachable.
func (u *UI) consultOffline() string {
	s, ok := u.hubStatus()
	if !ok || s.Online {
		return ""
	}
	word, _ := hubWord(s)
	return lang.L("consult.offline", map[string]any{"Reason": word})
}

// consultReachNote is the new-consultation form's line on the connection:
// online, that it starts at once; offline, that it can only be scheduled.
func (u *UI) consultReachNote() *widget.Label {
	s := u.hubStatusNow()
	text, importance := reachText(s)
	if !s.Online {
		word, _ := hubWord(s)
		text = lang.L("consult.offline_form", map[string]any{"Reason": word})
	}
	l := widget.NewLabel(text)
	l.Wrapping = fyne.TextWrapWord
	l.Importance = importance
	return l
}

// joinErrorText says in words why entering a consultation failed: the hub
// not reached, not logged in, the hub refusing, or no answer in time;
// never an internal error's text.
func joinErrorText(err error) string {
	var we *wire.Error
	var ae *app.Error
	switch {
	case errors.As(err, &we):
		switch we.Code {
		case wire.CodeUnauthorized:
			return lang.L("consult.join_need_login")
		case wire.CodeForbidden:
			return lang.L("consult.join_forbidden")
		case wire.CodeRoomFull:
			return lang.L("consult.join_room_full")
		case wire.CodeUnavailable, wire.CodeBusy, wire.CodeThrottled:
			return lang.L("consult.join_busy")
		}
		return lang.L("consult.join_refused", map[string]any{"Code": we.Code})
	case errors.Is(err, context.DeadlineExceeded):
		return lang.L("consult.join_timeout")
	case errors.As(err, &ae) && ae.Code == app.EINTERNAL:
		return lang.L("consult.join_no_video")
	case errors.As(err, &ae):
		return errorText(err)
	}
	// A plain error from the video engine: the signalling link is down or
	// closed under it.
	return lang.L("consult.join_unreachable")
}
