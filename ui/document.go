package ui

import (
	"bytes"
	"image"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/widget"

	"dutyroom/app"
	"dutyroom/app/attachment"
	"dutyroom/app/incident"
	"dutyroom/document"
	"dutyroom/incidentfile"
)

// previewScale draws the page at about its printed size on a duty room's
// 1366×768 screen: the width of an A4 page at 1.2 pixels to the point is
// 714 pixels, which leaves the dialog's buttons in sight.
const previewScale = 1.2

// documentDialog previews a bulletin page by page as the office above
// will receive it, then saves it as PDF or opens it in the system's
// viewer to print. Reports, 批示 replies and the daily report all go
// through it.
type documentDialog struct {
	u          *UI
	doc        *document.Bulletin
	pdf        []byte
	name       string
	chooseSave chooseSaveFunc
	openFile   func(name string, data []byte) error
	saved      func(name string) // the confirmation, where the eye is
	dlg        dialog.Dialog
}

// makeDocument writes the bulletin; it runs off the UI goroutine.
func makeDocument(doc *document.Bulletin) (*documentDialog, error) {
	var buf bytes.Buffer
	if err := document.WritePDF(&buf, doc); err != nil {
		return nil, err
	}
	return &documentDialog{doc: doc, pdf: buf.Bytes(), name: documentFileName(doc)}, nil
}

// onReportDocument shows a report's bulletin. A signed report takes its
// number (第N期) in this station's series the first time its document is
// made; a report not yet signed is previewed as a draft, for the leader
// to read before signing.
func (v *incidentView) onReportDocument(r incident.Report) {
	u := v.s.u
	b := v.base()
	data := v.data
	ctx, numbers := u.ctx, u.svc.Documents
	runAsync(func() (*documentDialog, error) {
		year, number := 0, 0
		if r.SignedBy != "" && numbers != nil {
			y, n, err := numbers.DocumentNumber(ctx, r.Station, r.ID, r.SignedAt.In(b.location()).Year())
			if err != nil {
				return nil, err
			}
			year, number = y, n
		}
		if year == 0 {
			year = r.CreatedAt.In(b.location()).Year()
		}
		doc, err := incidentfile.ReportBulletin(incidentfile.ReportDocument{
			Incident: &data.inc, Report: &r, Reports: data.reports, Tasks: data.tasks,
			Tree: b.tree, Year: year, Number: number, Location: b.location(),
		})
		if err != nil {
			return nil, err
		}
		return makeDocument(doc)
	}, func(d *documentDialog, err error) {
		if err != nil {
			u.showError(err)
			return
		}
		d.u, d.chooseSave, d.openFile = u, v.s.chooseSave, v.s.openFile
		d.saved = func(name string) { v.notice.show(lang.L("document.saved", map[string]any{"Name": name})) }
		d.show()
	})
}

// documentFileName names the file after the document: the number and the
// title, as an office files it.
func documentFileName(doc *document.Bulletin) string {
	name := doc.Title
	if doc.Number > 0 {
		name = lang.L("document.file_name", map[string]any{"Year": doc.Year, "Number": doc.Number, "Title": doc.Title})
	}
	name = strings.NewReplacer("/", "-", "\\", "-", ":", "-").Replace(name)
	return attachment.CleanName(name + ".pdf")
}

func (d *documentDialog) show() {
	u := d.u
	pages, err := document.Preview(d.doc, previewScale)
	if err != nil {
		u.showError(err)
		return
	}
	sheets := container.NewVBox()
	for _, p := range pages {
		sheets.Add(pageImage(p))
	}
	state := lang.L("document.numbered", map[string]any{"Number": d.doc.Number, "Year": d.doc.Year})
	if d.doc.Number == 0 {
		state = lang.L("document.draft")
	}
	head := widget.NewLabel(state)
	head.Wrapping = fyne.TextWrapWord
	save := widget.NewButtonWithIcon(lang.L("document.save"), nil, d.onSave)
	save.Importance = widget.HighImportance
	open := widget.NewButton(lang.L("document.open"), d.onOpen)
	closeBt := widget.NewButton(lang.L("action.close"), func() { d.dlg.Hide() })
	body := container.NewBorder(head, nil, nil, nil, container.NewVScroll(container.NewCenter(sheets)))
	cd := dialog.NewCustomWithoutButtons(d.doc.Title, body, u.win)
	cd.SetButtons([]fyne.CanvasObject{closeBt, open, save})
	size := u.win.Canvas().Size()
	cd.Resize(fyne.NewSize(min(820, size.Width-40), size.Height-40))
	d.dlg = cd
	cd.Show()
}

func pageImage(p image.Image) fyne.CanvasObject {
	img := canvas.NewImageFromImage(p)
	img.FillMode = canvas.ImageFillContain
	b := p.Bounds()
	// The picture is drawn at previewScale pixels to the point already;
	// the canvas scale would enlarge it again on a high-density screen.
	img.SetMinSize(fyne.NewSize(float32(b.Dx()), float32(b.Dy())))
	return img
}

func (d *documentDialog) onSave() {
	d.chooseSave(d.name, []string{".pdf"}, func(w fyne.URIWriteCloser, err error) {
		if err != nil {
			d.u.showError(err)
			return
		}
		if w == nil {
			return
		}
		_, err = w.Write(d.pdf)
		if cerr := w.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			// No half document is left to be printed.
			_ = storage.Delete(w.URI())
			d.u.showError(app.Errorf(app.EINTERNAL, "cannot write the document: %v", err))
			return
		}
		d.dlg.Hide()
		if d.saved != nil {
			d.saved(w.URI().Name())
		}
	})
}

func (d *documentDialog) onOpen() {
	if err := d.openFile(d.name, d.pdf); err != nil {
		d.u.showError(err)
	}
}
