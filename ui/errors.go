package ui

import (
	"strings"

	"fyne.io/fyne/v2/lang"

	"dutyroom/app"
)

// errorText is the sentence shown for a service error that is not about one
// form field. Codes with a translation get it; anything else shows the
// error's own message, which is safe to show by the contract of app.Error.
func errorText(err error) string {
	switch app.ErrorCode(err) {
	case "":
		return ""
	case app.ENOTFOUND:
		return lang.L("error.not_found")
	case app.EFORBIDDEN:
		return lang.L("error.forbidden")
	case app.ENOTIMPLEMENTED:
		return lang.L("error.not_implemented")
	case app.EINTERNAL:
		return lang.L("error.internal", map[string]any{"Detail": app.ErrorMessage(err)})
	}
	return app.ErrorMessage(err)
}

// personErrorText says what is wrong with the person p as entered. The
// domain reports the field; the entered value tells which rule it broke.
func personErrorText(err error, p app.Person) string {
	if app.ErrorCode(err) != app.EINVALID {
		return errorText(err)
	}
	switch app.ErrorField(err) {
	case "name":
		if strings.TrimSpace(p.Name) == "" {
			return lang.L("error.person.name_required")
		}
		return lang.L("error.person.name_long")
	case "title":
		return lang.L("error.person.title_long")
	case "station":
		return lang.L("error.person.station_required")
	case "mobile":
		if strings.TrimSpace(p.Mobile) == "" {
			return lang.L("error.person.phone_required")
		}
		return lang.L("error.person.mobile_invalid")
	case "office":
		return lang.L("error.person.office_invalid")
	}
	return app.ErrorMessage(err)
}

// stationErrorField maps a station error to the form field it belongs
// beside: a conflict on save can only be a code already in use.
func stationErrorField(err error) string {
	if app.ErrorCode(err) == app.ECONFLICT {
		return "code"
	}
	switch f := app.ErrorField(err); f {
	case "parent", "tier":
		return "tier"
	default:
		return f
	}
}

// stationErrorText says what is wrong with the station s as entered.
func stationErrorText(err error, s app.Station) string {
	switch app.ErrorCode(err) {
	case app.ECONFLICT:
		return lang.L("error.station.code_taken")
	case app.EINVALID:
	default:
		return errorText(err)
	}
	switch app.ErrorField(err) {
	case "name":
		if strings.TrimSpace(s.Name) == "" {
			return lang.L("error.station.name_required")
		}
		return lang.L("error.station.name_long")
	case "code":
		return lang.L("error.station.code_invalid")
	case "phone":
		return lang.L("error.station.phone_invalid")
	}
	return app.ErrorMessage(err)
}
