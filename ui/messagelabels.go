package ui

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"dutyroom/app"
	"dutyroom/app/message"
)

func messageKindLabel(k message.Kind) string {
	switch k {
	case message.KindNotice:
		return lang.L("message.kind_notice")
	case message.KindDirectReport:
		return lang.L("message.kind_direct_report")
	}
	return lang.L("message.kind_message")
}

// messageKindImportance makes a notice and a direct report stand out from
// ordinary messages in a long thread: both ask something of the reader.
func messageKindImportance(k message.Kind) widget.Importance {
	switch k {
	case message.KindNotice:
		return widget.WarningImportance
	case message.KindDirectReport:
		return widget.DangerImportance
	}
	return widget.LowImportance
}

// stationName names a station from the tree; a station this duty room
// does not know (removed since, or beyond its view) is still shown as one.
func (b messageBase) stationName(id app.ID) string {
	if b.tree != nil {
		if s := b.tree.Station(id); s != nil {
			return s.Name
		}
	}
	return lang.L("message.unknown_station")
}

func (b messageBase) stationNames(ids []app.ID) string {
	names := make([]string, len(ids))
	for i, id := range ids {
		names[i] = b.stationName(id)
	}
	return strings.Join(names, lang.L("list.separator"))
}

// others are the participants other than this station, in tree order so a
// thread is named the same way every time: the county before its townships.
func (b messageBase) others(participants []app.ID) []app.ID {
	var out []app.ID
	for _, id := range participants {
		if b.home == nil || id != b.home.ID {
			out = append(out, id)
		}
	}
	if b.tree != nil {
		depth := func(id app.ID) int { return len(b.tree.Ancestors(id)) }
		slices.SortStableFunc(out, func(x, y app.ID) int { return cmp.Compare(depth(x), depth(y)) })
	}
	return out
}

// conversationTitle names a thread by the stations this one talks to in it.
func (b messageBase) conversationTitle(participants []app.ID) string {
	others := b.others(participants)
	if len(others) == 0 {
		return lang.L("message.me")
	}
	return b.stationNames(others)
}

// snippet is the first line of a message, for a list row.
func messageSnippet(m *message.Message) string {
	text := m.Text
	if m.Subject != "" {
		text = m.Subject + " — " + text
	}
	if i := strings.IndexAny(text, "\r\n"); i >= 0 {
		text = text[:i]
	}
	const most = 80
	if utf8.RuneCountInString(text) > most {
		text = string([]rune(text)[:most]) + "…"
	}
	if m.Kind != message.KindMessage {
		text = "[" + messageKindLabel(m.Kind) + "] " + text
	}
	return text
}

// messageWhen writes when a message was sent: the time alone today, the
// date with it before, the year too when it is not this year's.
func messageWhen(t, now time.Time, loc *time.Location) string {
	t, now = t.In(loc), now.In(loc)
	switch {
	case t.Year() == now.Year() && t.YearDay() == now.YearDay():
		return t.Format("15:04")
	case t.Year() == now.Year():
		return t.Format("01-02 15:04")
	}
	return t.Format("2006-01-02 15:04")
}

// attachmentStateText says how much of an attachment is here.
func attachmentStateText(st message.AttachmentState, known bool) (string, widget.Importance) {
	switch {
	case !known:
		return lang.L("message.attachment_missing"), widget.WarningImportance
	case st.Damaged != "":
		return lang.L("message.attachment_damaged"), widget.DangerImportance
	case st.Complete:
		return lang.L("message.attachment_complete"), widget.SuccessImportance
	}
	return lang.L("message.attachment_partial", map[string]any{"Have": st.Have, "Parts": st.Parts}), widget.WarningImportance
}

// receiptText says how far a message got at one recipient.
func receiptText(r message.Receipt, now time.Time, loc *time.Location) string {
	switch {
	case !r.Read.IsZero() && r.By != "":
		return lang.L("message.receipt_read_by", map[string]any{"At": messageWhen(r.Read, now, loc), "By": r.By})
	case !r.Read.IsZero():
		return lang.L("message.receipt_read", map[string]any{"At": messageWhen(r.Read, now, loc)})
	case !r.Delivered.IsZero():
		return lang.L("message.receipt_delivered", map[string]any{"At": messageWhen(r.Delivered, now, loc)})
	}
	return lang.L("message.receipt_none")
}

// receiptsText is the delivered and read state of a message this station
// sent, one recipient after another; copies are marked as such.
func (b messageBase) receiptsText(m *message.Message, receipts []message.Receipt, now time.Time) string {
	var parts []string
	for _, r := range receipts {
		name := b.stationName(r.Station)
		if !slices.Contains(m.To, r.Station) {
			name = lang.L("message.receipt_cc", map[string]any{"Station": name})
		}
		parts = append(parts, lang.L("message.receipt_line", map[string]any{
			"Station": name, "State": receiptText(r, now, b.location())}))
	}
	return lang.L("message.receipts", map[string]any{"List": strings.Join(parts, lang.L("message.receipt_separator"))})
}

// ackTexts describe a notice's acknowledgements for its sender: the
// deadline, who has acknowledged (late ones marked) and who has not. The
// list of those still owing is red once the deadline has passed.
func (b messageBase) ackTexts(st message.AckStatus, now time.Time) (deadline, acked, pending string, overdue bool) {
	loc := b.location()
	if st.AckBy != nil {
		overdue = now.After(*st.AckBy)
		at := map[string]any{"At": messageWhen(*st.AckBy, now, loc)}
		if overdue {
			deadline = lang.L("message.ack_deadline_passed", at)
		} else {
			deadline = lang.L("message.ack_deadline", at)
		}
	}
	var done []string
	for _, r := range st.Acked {
		item := lang.L("message.acked_item", map[string]any{
			"Station": b.stationName(r.Station), "At": messageWhen(r.Acked, now, loc), "By": r.By})
		if r.Late(st.AckBy, now) {
			item += lang.L("message.acked_late")
		}
		done = append(done, item)
	}
	sep := lang.L("list.separator")
	if len(done) > 0 {
		acked = lang.L("message.acked_list", map[string]any{"Count": len(done), "List": strings.Join(done, sep)})
	}
	var owing []string
	for _, r := range st.Pending {
		owing = append(owing, b.stationName(r.Station))
	}
	if len(owing) > 0 {
		pending = lang.L("message.pending_list", map[string]any{"Count": len(owing), "List": strings.Join(owing, sep)})
	} else {
		pending = lang.L("message.pending_none")
	}
	return deadline, acked, pending, overdue && len(owing) > 0
}

// badgeText is a count as a badge shows it: past 99 the exact number
// stops mattering and only widens the badge.
func badgeText(n int) string {
	if n > 99 {
		return "99+"
	}
	return strconv.Itoa(n)
}
