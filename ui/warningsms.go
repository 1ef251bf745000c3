package ui

import (
	"time"

	"fyne.io/fyne/v2/lang"

	"dutyroom/app"
	"dutyroom/app/warning"
)

// ackTexts are the state and detail of an acknowledged station's row in a
// warning's progress. The hub records some acknowledgements itself, for
// people with no window: a reply to the 叫应 SMS (短信签收, with the masked
// number it came from) and a village officer's 签收 on the phone page
// (信息员签收). A village's acknowledgement a duty room above took by phone
// names that duty room.
func ackTexts(a *warning.Ack, station app.ID, tree *app.Tree, loc *time.Location) (state, detail string) {
	at := dateTime(a.At, loc)
	switch a.Via {
	case warning.ViaSMS:
		return lang.L("warning.row_acked_sms"), lang.L("warning.row_ack_sms_detail", map[string]any{"Person": a.Person, "Number": a.Number, "At": at})
	case warning.ViaPage:
		return lang.L("warning.row_acked_page"), lang.L("warning.row_ack_detail", map[string]any{"Person": a.Person, "At": at})
	}
	detail = lang.L("warning.row_ack_detail", map[string]any{"Person": a.Person, "At": at})
	if a.RecordedBy != station {
		detail += lang.L("warning.row_recorded_by", map[string]any{"Station": stationName(tree, a.RecordedBy)})
	}
	return lang.L("warning.row_acked"), detail
}
