package ui

import (
	"context"
	"io"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"dutyroom/app"
	"dutyroom/app/roster"
)

// calendarTab is 节假日安排 in the rules dialog: the State Council publishes
// next year's holidays late in the year, and the office imports them before
// drafting January.
func (d *rulesDialog) calendarTab() fyne.CanvasObject {
	d.calendarYears = widget.NewLabel(calendarYearsText(d.m.data.base.cal.Years()))
	d.calendarYears.TextStyle.Bold = true
	d.calendarResult = widget.NewLabel("")
	d.calendarResult.Wrapping = fyne.TextWrapWord
	d.calendarResult.Hide()
	d.calendarImport = widget.NewButtonWithIcon(lang.L("roster.calendar_import"), theme.UploadIcon(), d.onCalendarImport)
	example := widget.NewLabel(lang.L("roster.calendar_example"))
	example.TextStyle.Monospace = true
	return container.NewVScroll(container.NewVBox(
		d.calendarYears,
		hintLabel(lang.L("roster.calendar_hint")),
		example,
		container.NewHBox(d.calendarImport),
		d.calendarResult))
}

func calendarYearsText(years []int) string {
	if len(years) == 0 {
		return lang.L("roster.calendar_none")
	}
	return lang.L("roster.calendar_years", map[string]any{"Years": calendarYearsList(years)})
}

func (d *rulesDialog) onCalendarImport() {
	d.m.s.chooseOpen([]string{".txt"}, d.onCalendarSource)
}

func (d *rulesDialog) onCalendarSource(r fyne.URIReadCloser, err error) {
	if err != nil {
		d.m.s.u.showError(err)
		return
	}
	if r == nil {
		return
	}
	ctx, svc := d.m.s.u.ctx, d.m.s.u.svc.Rosters
	type outcome struct {
		imported, all []int
	}
	d.calendarImport.Disable()
	d.calendarResult.Hide()
	runAsync(func() (outcome, error) {
		imported, err := importCalendar(ctx, svc, r)
		if err != nil {
			return outcome{}, err
		}
		cal, err := svc.Calendar(ctx)
		if err != nil {
			return outcome{}, err
		}
		return outcome{imported, cal.Years()}, nil
	}, func(o outcome, err error) {
		d.calendarImport.Enable()
		if err != nil {
			d.calendarResult.Importance = widget.DangerImportance
			text := errorText(err)
			if app.ErrorCode(err) == app.EINVALID {
				text = lineErrorText(app.ErrorMessage(err))
			}
			d.calendarResult.SetText(lang.L("roster.calendar_refused", map[string]any{"Error": text}))
			d.calendarResult.Show()
			return
		}
		d.calendarYears.SetText(calendarYearsText(o.all))
		d.calendarResult.Importance = widget.SuccessImportance
		d.calendarResult.SetText(lang.L("roster.calendar_imported", map[string]any{"Years": calendarYearsList(o.imported)}))
		d.calendarResult.Show()
		d.m.afterChange("")
	})
}

func calendarYearsList(years []int) string {
	list := make([]string, len(years))
	for i, y := range years {
		list[i] = strconv.Itoa(y)
	}
	return strings.Join(list, lang.L("list.separator"))
}

func importCalendar(ctx context.Context, svc roster.CalendarService, r io.ReadCloser) ([]int, error) {
	defer r.Close()
	return svc.ImportCalendar(ctx, r)
}
