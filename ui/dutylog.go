package ui

import (
	"image/color"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"dutyroom/app"
	"dutyroom/app/incident"
	"dutyroom/app/message"
	"dutyroom/app/roster"
	"dutyroom/app/spotcheck"
	"dutyroom/app/warning"
)

// The duty log holds two kinds of entries: those the officer types, and
// those the station writes itself as records are made or arrive (an
// intake, a warning, a spot check...). An automatic entry shows the kind
// of its record and 自动, reads as a sentence, and opens its record.

// logTagLabel is the tag in front of an entry: the kind the officer chose,
// or the kind of record an automatic entry follows.
func logTagLabel(e *roster.LogEntry) string {
	if !e.Auto {
		return logKindLabel(e.Kind)
	}
	switch e.Record.Kind {
	case roster.RecordIncident:
		return lang.L("shiftlog.kind_incident")
	case roster.RecordWarning:
		return lang.L("shiftlog.kind_warning")
	case roster.RecordNotice:
		return lang.L("shiftlog.kind_notice")
	case roster.RecordSpotCheck:
		return lang.L("shiftlog.kind_spotcheck")
	case roster.RecordConsultation:
		return lang.L("shiftlog.kind_consultation")
	case roster.RecordHandover:
		return lang.L("shiftlog.kind_handover")
	case roster.RecordVillageReport:
		return lang.L("shiftlog.kind_villagereport")
	}
	return logKindLabel(e.Kind)
}

// logEntryText is what an entry says: the officer's words, or for an
// automatic entry what happened, worded here from its event and detail.
func logEntryText(e *roster.LogEntry, loc *time.Location) string {
	if !e.Auto {
		return e.Text
	}
	detail := e.Record.Detail
	switch strings.SplitN(e.Record.Event, ".", 2)[0] {
	case "incident":
		if e.Record.Event == "incident.intake" || e.Record.Event == "incident.arrived" {
			detail = categoryLabel(incident.Category(detail))
		} else {
			detail = reportKindLabel(incident.ReportKind(detail))
		}
	case "warning":
		detail = warningLevelLabel(warning.Level(detail))
	case "spotcheck":
		detail = outcomeLabel(spotcheck.Outcome(detail))
	case "villagereport":
		detail = villageLogDetail(e.Record.Event, detail)
	case "consultation":
		if at, err := time.Parse(time.RFC3339, detail); err == nil {
			detail = dateTime(at, loc)
		}
	}
	return logEventText(e.Record.Event, map[string]any{"Text": e.Text, "Detail": detail})
}

// logEventText words an event. One a newer program wrote and this one does
// not know is its text alone, which still says what.
func logEventText(event string, args map[string]any) string {
	switch event {
	case "incident.intake":
		return lang.L("shiftlog.event.incident.intake", args)
	case "incident.signed":
		return lang.L("shiftlog.event.incident.signed", args)
	case "incident.sent":
		return lang.L("shiftlog.event.incident.sent", args)
	case "incident.arrived":
		return lang.L("shiftlog.event.incident.arrived", args)
	case "incident.report_received":
		return lang.L("shiftlog.event.incident.report_received", args)
	case "warning.issued":
		return lang.L("shiftlog.event.warning.issued", args)
	case "warning.received":
		return lang.L("shiftlog.event.warning.received", args)
	case "warning.acked":
		return lang.L("shiftlog.event.warning.acked", args)
	case "warning.acked_for":
		return lang.L("shiftlog.event.warning.acked_for", args)
	case "notice.sent":
		return lang.L("shiftlog.event.notice.sent", args)
	case "notice.received":
		return lang.L("shiftlog.event.notice.received", args)
	case "notice.acked":
		return lang.L("shiftlog.event.notice.acked", args)
	case "spotcheck.started":
		return lang.L("shiftlog.event.spotcheck.started", args)
	case "spotcheck.received":
		return lang.L("shiftlog.event.spotcheck.received", args)
	case "spotcheck.answered":
		return lang.L("shiftlog.event.spotcheck.answered", args)
	case "spotcheck.result":
		return lang.L("shiftlog.event.spotcheck.result", args)
	case "consultation.scheduled":
		return lang.L("shiftlog.event.consultation.scheduled", args)
	case "consultation.started":
		return lang.L("shiftlog.event.consultation.started", args)
	case "consultation.joined":
		return lang.L("shiftlog.event.consultation.joined", args)
	case "consultation.ended":
		return lang.L("shiftlog.event.consultation.ended", args)
	case "handover.out":
		return lang.L("shiftlog.event.handover.out", args)
	case "handover.in":
		return lang.L("shiftlog.event.handover.in", args)
	case "villagereport.received":
		return lang.L("shiftlog.event.villagereport.received", args)
	case "villagereport.verified":
		return lang.L("shiftlog.event.villagereport.verified", args)
	}
	text, _ := args["Text"].(string)
	return text
}

// onAutoEntry opens the record an automatic entry follows, on its screen.
// A handover is on this screen: its entry is shown whole.
func (p *todayPanel) onAutoEntry(e roster.LogEntry) {
	u := p.s.u
	id := e.Record.ID
	switch e.Record.Kind {
	case roster.RecordIncident:
		if u.incidents != nil {
			u.incidents.openIncident(id)
			return
		}
	case roster.RecordVillageReport:
		if u.incidents != nil && u.incidents.village != nil {
			u.incidents.village.openReport(id)
			return
		}
	case roster.RecordWarning:
		if u.warnings != nil {
			openWarningRecord(u, id, e.Record.Event == "warning.issued")
			return
		}
	case roster.RecordNotice:
		if u.messages != nil {
			openNoticeRecord(u, id)
			return
		}
	case roster.RecordSpotCheck:
		if u.spotChecks != nil {
			openSpotCheckRecord(u, id)
			return
		}
	case roster.RecordConsultation:
		if u.consults != nil {
			openConsultationRecord(u, id)
			return
		}
	}
	p.showLogEntry(e)
}

// showLogEntry shows the whole entry: a row shows only its first line.
func (p *todayPanel) showLogEntry(e roster.LogEntry) {
	p.s.u.showMessage(lang.L("duty.log_entry_title", map[string]any{
		"Time": dateTime(e.At, p.data.loc), "Kind": logTagLabel(&e), "Author": orDash(e.Author)}), logEntryText(&e, p.data.loc))
}

// openWarningRecord shows a warning: one issued here on 已发布, one
// received on 收到的预警.
func openWarningRecord(u *UI, id app.ID, issued bool) {
	if !issued {
		u.warnings.openWarning(id)
		return
	}
	if u.nav.current != "warnings" {
		u.nav.open("warnings")
	}
	s := u.warnings
	s.tabs.SelectIndex(warningTabIssued)
	s.issued.selected = id // kept when the list is read again
	s.issued.selectWarning(id)
}

// openNoticeRecord opens the conversation holding the notice, scrolled to it.
func openNoticeRecord(u *UI, id app.ID) {
	if u.nav.current != "messages" {
		u.nav.open("messages")
	}
	ctx, svc := u.ctx, u.svc.Messages
	runAsync(func() (*message.Message, error) { return svc.FindMessage(ctx, id) }, func(m *message.Message, err error) {
		if err != nil {
			u.showError(err)
			return
		}
		u.messages.view.open(m.Conversation(), m.Participants(), m.ID)
		u.messages.selectOpenConversation()
	})
}

// openSpotCheckRecord shows the records of spot checks with the check in view.
func openSpotCheckRecord(u *UI, id app.ID) {
	if u.nav.current != "spotchecks" {
		u.nav.open("spotchecks")
	}
	s := u.spotChecks
	s.tabs.SelectIndex(spotTabRecords)
	for i := range s.records {
		if s.records[i].Check.ID == id {
			s.table.ScrollTo(widget.TableCellID{Row: i})
			return
		}
	}
}

// openConsultationRecord shows the consultation on 会商.
func openConsultationRecord(u *UI, id app.ID) {
	if u.nav.current != "consultation" {
		u.nav.open("consultation")
	}
	s := u.consults
	s.sel = id
	for i := range s.records {
		if s.records[i].Consultation.ID == id {
			s.list.Select(i)
			s.list.ScrollTo(i)
			return
		}
	}
	s.show()
}

// logTagColumns returns a row's kind tag and its 自动 mark, each as wide
// as its widest text, so every entry's text starts in one column.
func logTagColumns() (kind, auto fyne.CanvasObject) {
	tag := widget.NewLabel(lang.L("duty.log_instruction"))
	tag.Importance = widget.HighImportance
	var tags []string
	for _, k := range []roster.LogKind{roster.LogCall, roster.LogInstruction, roster.LogEvent, roster.LogOther} {
		tags = append(tags, logKindLabel(k))
	}
	for _, k := range []roster.LogRecordKind{roster.RecordIncident, roster.RecordWarning, roster.RecordNotice,
		roster.RecordSpotCheck, roster.RecordConsultation, roster.RecordHandover, roster.RecordVillageReport} {
		tags = append(tags, logTagLabel(&roster.LogEntry{Auto: true, Record: roster.LogRecord{Kind: k}}))
	}
	mark := widget.NewLabel(lang.L("shiftlog.auto"))
	mark.Importance = widget.LowImportance
	return fixedWidth(tag, tags), fixedWidth(mark, []string{mark.Text})
}

// fixedWidth holds l at the width of the widest of texts.
func fixedWidth(l *widget.Label, texts []string) fyne.CanvasObject {
	w := float32(0)
	for _, s := range texts {
		w = max(w, fyne.MeasureText(s, theme.TextSize(), l.TextStyle).Width)
	}
	spacer := canvas.NewRectangle(color.Transparent)
	spacer.SetMinSize(fyne.NewSize(w+2*theme.InnerPadding(), 0))
	return container.NewStack(spacer, l)
}

// logRowParts returns the labels of a row logCreate made.
func logRowParts(o fyne.CanvasObject) (at, kind, auto, text *widget.Label) {
	row := o.(*fyne.Container)
	text = row.Objects[0].(*widget.Label)
	left := row.Objects[1].(*fyne.Container)
	at = left.Objects[0].(*widget.Label)
	kind = left.Objects[1].(*fyne.Container).Objects[1].(*widget.Label)
	auto = left.Objects[2].(*fyne.Container).Objects[1].(*widget.Label)
	return at, kind, auto, text
}
