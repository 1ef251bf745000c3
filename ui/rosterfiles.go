package ui

import (
	"bytes"
	"errors"
	"io"
	"regexp"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/widget"

	"dutyroom/app"
	"dutyroom/app/roster"
	"dutyroom/rosterfile"
)

// chooseSaveFunc asks where to write a file, suggesting name, and hands the
// opened file to done; nil when the person cancelled.
type chooseSaveFunc func(name string, exts []string, done func(fyne.URIWriteCloser, error))

// chooseOpenFunc asks which file to read and hands it to done; nil when the
// person cancelled.
type chooseOpenFunc func(exts []string, done func(fyne.URIReadCloser, error))

// fileSaveDialog and fileOpenDialog are the duty screen's file choosers.
// Tests put their own in place: a file dialog cannot be driven headless.
func fileSaveDialog(win fyne.Window) chooseSaveFunc {
	return func(name string, exts []string, done func(fyne.URIWriteCloser, error)) {
		d := dialog.NewFileSave(done, win)
		d.SetFileName(name)
		d.SetFilter(storage.NewExtensionFileFilter(exts))
		showFileDialog(d, win)
	}
}

func fileOpenDialog(win fyne.Window) chooseOpenFunc {
	return func(exts []string, done func(fyne.URIReadCloser, error)) {
		d := dialog.NewFileOpen(done, win)
		d.SetFilter(storage.NewExtensionFileFilter(exts))
		showFileDialog(d, win)
	}
}

// exportFormat is one kind of file the month can be written as.
type exportFormat struct {
	ext   string
	write func(io.Writer, rosterfile.MonthSheet) error
}

var (
	exportXLSX = exportFormat{".xlsx", rosterfile.WriteXLSX}
	exportICS  = exportFormat{".ics", rosterfile.WriteICS}
	exportCSV  = exportFormat{".csv", rosterfile.WriteCSV}
)

func (m *monthPanel) newExportMenu() *fyne.Menu {
	return fyne.NewMenu("",
		fyne.NewMenuItem(lang.L("roster.export_xlsx"), func() { m.exportAs(exportXLSX) }),
		fyne.NewMenuItem(lang.L("roster.export_ics"), func() { m.exportAs(exportICS) }),
		fyne.NewMenuItem(lang.L("roster.export_csv"), func() { m.exportAs(exportCSV) }),
	)
}

func (m *monthPanel) onExport() {
	widget.ShowPopUpMenuAtRelativePosition(m.exportMenu, m.s.u.win.Canvas(),
		fyne.NewPos(0, m.export.Size().Height), m.export)
}

// exportFileName names an exported month so a folder of them sorts by
// station, then month: 湘西州-2026-10-值班表.xlsx.
func exportFileName(station string, month roster.Month, ext string) string {
	name := lang.L("roster.export_file_name", map[string]any{"Station": station, "Month": month.String()})
	return strings.NewReplacer("/", "-", "\\", "-", ":", "-").Replace(name) + ext
}

// monthSheet puts the shown month into the form the files print. It uses
// what the screen shows rather than reading again, so the file is the
// roster the person was looking at when they chose to export it.
func monthSheet(d monthData, month roster.Month) (rosterfile.MonthSheet, error) {
	people := make([]app.Person, 0, len(d.base.persons))
	for _, p := range d.base.persons {
		people = append(people, p)
	}
	return rosterfile.NewMonthSheet(rosterfile.MonthInput{
		Station: *d.station, Month: month, Settings: d.settings, Calendar: d.base.cal,
		Specials: d.specials, People: people, Assignments: d.assignments,
	})
}

func (m *monthPanel) exportAs(f exportFormat) {
	d := m.data
	if !m.loaded || d.station == nil || !d.visible {
		return
	}
	sheet, err := monthSheet(d, m.month)
	if err != nil {
		m.s.u.showMessage(lang.L("error.title"), lang.L("roster.export_failed", map[string]any{"Error": app.ErrorMessage(err)}))
		return
	}
	m.s.chooseSave(exportFileName(d.station.Name, m.month, f.ext), []string{f.ext}, func(w fyne.URIWriteCloser, err error) {
		if err != nil {
			m.s.u.showError(err)
			return
		}
		if w != nil {
			m.writeExport(w, sheet, f)
		}
	})
}

// writeExport writes the file and closes w; a failed write removes the
// file, so no half roster is left to be printed or sent round.
func (m *monthPanel) writeExport(w fyne.URIWriteCloser, sheet rosterfile.MonthSheet, f exportFormat) {
	runAsync(func() (struct{}, error) {
		var buf bytes.Buffer
		err := f.write(&buf, sheet)
		if err == nil {
			_, err = w.Write(buf.Bytes())
		}
		if cerr := w.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			_ = storage.Delete(w.URI())
		}
		return struct{}{}, err
	}, func(_ struct{}, err error) {
		if err != nil {
			m.s.u.showMessage(lang.L("error.title"), lang.L("roster.export_failed", map[string]any{"Error": app.ErrorMessage(err)}))
			return
		}
		// The name only: the person just chose the folder, and a whole
		// path would crowd the row it shows in.
		m.notice.show(lang.L("roster.exported", map[string]any{"File": w.URI().Name()}))
	})
}

// Import.

func (m *monthPanel) onImport() {
	if !m.loaded || !m.data.editable || m.s.u.svc.RosterImporter == nil {
		return
	}
	m.s.chooseOpen([]string{".xlsx", ".csv"}, m.onImportSource)
}

func (m *monthPanel) onImportSource(r fyne.URIReadCloser, err error) {
	if err != nil {
		m.s.u.showError(err)
		return
	}
	if r == nil {
		return
	}
	station := *m.data.station
	var people []app.Person
	for _, p := range m.data.base.persons {
		people = append(people, p)
	}
	sortPeople(people)
	name := r.URI().Name()
	runAsync(func() ([]roster.Assignment, error) {
		defer r.Close()
		return rosterfile.Read(r, station, people)
	}, func(as []roster.Assignment, err error) {
		switch {
		case err != nil:
			m.showImportRefused(name, importErrorLines(err))
		case len(as) == 0:
			m.showImportRefused(name, []string{lang.L("roster.import_empty")})
		default:
			m.confirmImport(station, name, as)
		}
	})
}

// importRange is the span of days a file covers: the import makes those
// days what the file says.
func importRange(as []roster.Assignment) (from, to roster.Date) {
	from, to = as[0].Day, as[0].Day
	for _, a := range as {
		if a.Day.Before(from) {
			from = a.Day
		}
		if a.Day.After(to) {
			to = a.Day
		}
	}
	return from, to
}

// confirmImport says what the import will replace before it does: posts
// in the range the file leaves empty are cleared.
func (m *monthPanel) confirmImport(station app.Station, name string, as []roster.Assignment) {
	from, to := importRange(as)
	showKeyedConfirm(m.s.u.win, lang.L("roster.import_title"),
		lang.L("roster.import_confirm", map[string]any{
			"File": name, "Count": len(as), "From": from.String(), "To": to.String(), "Station": station.Name}),
		lang.L("roster.import_run"),
		func(ok bool) {
			if ok {
				m.runImport(station, name, as, from, to)
			}
		})
}

type importOutcome struct {
	warnings []string
	notify   []app.ID
}

func (m *monthPanel) runImport(station app.Station, name string, as []roster.Assignment, from, to roster.Date) {
	ctx, svc := m.s.u.ctx, m.s.u.svc.RosterImporter
	// The store's own wording, which the history puts in the reader's
	// language (changeReason).
	reason := "imported from " + name
	m.importBtn.Disable()
	runAsync(func() (importOutcome, error) {
		w, n, err := svc.ImportAssignments(ctx, station.ID, from, to, as, reason)
		return importOutcome{w, n}, err
	}, func(o importOutcome, err error) {
		m.importBtn.Enable()
		if err != nil {
			m.showImportRefused(name, importErrorLines(err))
			return
		}
		m.showImported(name, len(as), from, to, o)
		// Show what was imported: the shown month may lie outside the file.
		if first, last := m.month.First(), m.month.Last(); to.Before(first) || from.After(last) {
			m.month = roster.MonthOf(from)
		}
		m.result = nil
		m.afterChange(lang.L("roster.imported_notice", map[string]any{"Count": len(as)}))
	})
}

func (m *monthPanel) showImported(name string, count int, from, to roster.Date, o importOutcome) {
	box := container.NewVBox()
	add := func(text string, importance widget.Importance) {
		l := widget.NewLabel(text)
		l.Wrapping = fyne.TextWrapWord
		l.Importance = importance
		box.Add(l)
	}
	add(lang.L("roster.imported", map[string]any{
		"File": name, "Count": count, "From": from.String(), "To": to.String()}), widget.SuccessImportance)
	if len(o.notify) > 0 {
		add(lang.L("roster.notified", map[string]any{"Count": len(o.notify)}), widget.MediumImportance)
	}
	if len(o.warnings) > 0 {
		add(lang.L("roster.import_warnings", map[string]any{"Count": len(o.warnings)}), widget.WarningImportance)
		for _, w := range o.warnings {
			add(w, widget.MediumImportance)
		}
	}
	m.showLines(lang.L("roster.import_done_title"), box)
}

func (m *monthPanel) showImportRefused(name string, lines []string) {
	box := container.NewVBox()
	head := widget.NewLabel(lang.L("roster.import_refused", map[string]any{"File": name}))
	head.Wrapping = fyne.TextWrapWord
	head.TextStyle.Bold = true
	box.Add(head)
	for _, line := range lines {
		l := widget.NewLabel(line)
		l.Wrapping = fyne.TextWrapWord
		l.Importance = widget.DangerImportance
		box.Add(l)
	}
	m.showLines(lang.L("roster.import_refused_title"), box)
}

// showLines shows a list that may run to fifty errors, scrolled, in a
// dialog that still fits the smallest window.
func (m *monthPanel) showLines(title string, box *fyne.Container) {
	d, keys := newKeyedDialog(title, lang.L("action.close"), container.NewVScroll(box), m.s.u.win)
	d.Resize(fyne.NewSize(640, 440))
	showKeyed(d, keys, m.s.u.win)
}

// importErrorLines lists why a file was refused, each problem with its row
// or line number in the reader's language. The problems themselves are
// the reader's or the store's sentences, which name the cell or the day.
func importErrorLines(err error) []string {
	var ie *rosterfile.ImportError
	if !errors.As(err, &ie) {
		switch app.ErrorCode(err) {
		case app.EINVALID, app.ECONFLICT, app.ENOTFOUND:
			return []string{lineErrorText(wrappedMessage(err))}
		}
		return []string{errorText(err)}
	}
	var out []string
	for _, r := range ie.Errors {
		switch {
		case r.Row == 0:
			out = append(out, r.Message)
		case ie.Unit == "line":
			out = append(out, lang.L("roster.import_line_error", map[string]any{"Line": r.Row, "Message": r.Message}))
		default:
			out = append(out, lang.L("roster.import_row_error", map[string]any{"Row": r.Row, "Message": r.Message}))
		}
	}
	if ie.Omitted > 0 {
		out = append(out, lang.L("roster.import_more_errors", map[string]any{"Count": ie.Omitted}))
	}
	return out
}

// wrappedMessage is the domain error's message with whatever the service
// put before it: the store names the day and post of a refused import
// that way ("2026-10-03 leader: ..."), which the bare message would lose.
func wrappedMessage(err error) string {
	var e *app.Error
	if !errors.As(err, &e) {
		return app.ErrorMessage(err)
	}
	return strings.TrimSuffix(err.Error(), e.Error()) + e.Message
}

var linePrefix = regexp.MustCompile(`^line (\d+): `)

// lineErrorText puts the "line N: " with which the calendar parser starts
// its messages into the reader's language.
func lineErrorText(msg string) string {
	sub := linePrefix.FindStringSubmatch(msg)
	if sub == nil {
		return msg
	}
	n, _ := strconv.Atoi(sub[1])
	return lang.L("roster.import_line_error", map[string]any{"Line": n, "Message": msg[len(sub[0]):]})
}
