package ui

import (
	"fmt"
	"net/url"
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"dutyroom/app"
	"dutyroom/app/consult"
)

// Recording in the consultation window: a red 录制中 beside the status
// while the hub records the room (every participant sees it), and for the
// host a button that starts and stops it. What is shown follows what the
// hub says, not what was asked: the hub may refuse.

func (r *consultRoom) recordingControls() (*widget.Button, *widget.Label) {
	button := widget.NewButtonWithIcon(lang.L("consult.record_start"), theme.MediaRecordIcon(), r.onRecord)
	label := widget.NewLabel(lang.L("consult.recording_on"))
	label.Importance = widget.DangerImportance
	label.TextStyle.Bold = true
	label.Hide()
	return button, label
}

// showRecording shows whether the room is being recorded.
func (r *consultRoom) showRecording(on bool) {
	r.recOn = on
	if on {
		r.recLabel.Show()
	} else {
		r.recLabel.Hide()
	}
	// The bar lays the label out again: it was not there, or is gone.
	r.top.Refresh()
	if on {
		r.record.SetText(lang.L("consult.record_stop"))
		r.record.SetIcon(theme.MediaStopIcon())
	} else {
		r.record.SetText(lang.L("consult.record_start"))
		r.record.SetIcon(theme.MediaRecordIcon())
	}
}

func (r *consultRoom) onRecord() {
	media := r.u.svc.Media
	if media == nil {
		return
	}
	ctx, want := r.u.ctx, !r.recOn
	r.record.Disable()
	runAsync(func() (struct{}, error) { return struct{}{}, media.SetRecording(ctx, want) }, func(_ struct{}, err error) {
		if !r.left {
			r.record.Enable()
		}
		if err != nil {
			showKeyedMessage(r.win, lang.L("error.title"), lang.L("consult.record_failed", map[string]any{"Error": errorText(err)}), lang.L("action.ok"))
		}
	})
}

// recordingsText lists a consultation's recorded files for 会商记录: whose,
// picture or sound, the file, its size and when; a file the hub could not
// write whole says so.
func recordingsText(r *consult.Record, b alertBase) string {
	if len(r.Recordings) == 0 {
		return lang.L("consult.recordings_none")
	}
	lines := []string{lang.L("consult.recordings_folder", map[string]any{"Folder": r.RecordingFolder})}
	for _, f := range r.Recordings {
		kind := lang.L("consult.recording_kind_video")
		if f.Kind == consult.KindAudio {
			kind = lang.L("consult.recording_kind_audio")
		}
		when := f.Start.In(b.loc).Format("15:04:05") + "–"
		if f.End.IsZero() {
			when += lang.L("consult.recording_open")
		} else {
			when += f.End.In(b.loc).Format("15:04:05")
		}
		line := strings.Join([]string{stationName(b.tree, f.Station), kind, f.Name, fileSize(f.Size), when}, "　")
		if f.Dropped > 0 {
			line += lang.L("consult.recording_dropped", map[string]any{"Count": f.Dropped})
		}
		if f.Error != "" {
			line += lang.L("consult.recording_error", map[string]any{"Error": f.Error})
		}
		lines = append(lines, line)
	}
	return strings.Join(lines, "\n")
}

// fileSize says a size in the unit people read.
func fileSize(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.0f KB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

// newRecordingsBox is the part of 会商记录 that lists the files, under
// the roll call; shown for a consultation recorded or to be. Its 观看
// opens the recordings page the hub serves, in the browser.
func newRecordingsBox(s *consultScreen) (*fyne.Container, *widget.Label) {
	head := widget.NewLabel(lang.L("consult.recordings_heading"))
	head.TextStyle.Bold = true
	s.watch = widget.NewButtonWithIcon(lang.L("consult.recordings_watch"), theme.MediaPlayIcon(), s.onWatchRecordings)
	s.watch.Importance = widget.HighImportance
	s.watch.Hide()
	list := widget.NewLabel("")
	list.Wrapping = fyne.TextWrapWord
	return container.NewVBox(widget.NewSeparator(), container.NewHBox(head, s.watch), list), list
}

// showRecordings lists r's files; 观看 is offered once one is finished
// and the window can ask the hub for a link.
func (s *consultScreen) showRecordings(r *consult.Record, b alertBase) {
	s.recs.SetText(recordingsText(r, b))
	s.recBox.Hidden = !r.Consultation.Recording && len(r.Recordings) == 0
	finished := slices.ContainsFunc(r.Recordings, func(f consult.RecordedFile) bool { return !f.End.IsZero() })
	s.watch.Hidden = s.u.svc.RecordingLinks == nil || !finished
}

// onWatchRecordings asks the hub for a one-time link to the selected
// consultation's recordings page and opens it in the browser.
func (s *consultScreen) onWatchRecordings() {
	links, ctx, id := s.u.svc.RecordingLinks, s.u.ctx, s.sel
	if links == nil || id == app.NilID {
		return
	}
	s.watch.Disable()
	runAsync(func() (consult.RecordingsLink, error) { return links.RecordingsLink(ctx, id) }, func(l consult.RecordingsLink, err error) {
		s.watch.Enable()
		if err == nil {
			var link *url.URL
			if link, err = url.Parse(l.URL); err == nil {
				err = s.u.openURL(link)
			}
		}
		if err == nil {
			return
		}
		var text string
		switch app.ErrorField(err) {
		case consult.LinkOffline:
			text = lang.L("consult.recordings_offline")
		case consult.LinkNotInvited:
			text = lang.L("consult.recordings_forbidden")
		default:
			text = lang.L("consult.recordings_failed", map[string]any{"Error": errorText(err)})
		}
		showKeyedMessage(s.u.win, lang.L("error.title"), text, lang.L("action.ok"))
	})
}
