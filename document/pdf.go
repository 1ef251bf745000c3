package document

import (
	"bytes"
	"io"

	"codeberg.org/go-pdf/fpdf"

	"dutyroom/app"
	"dutyroom/assets/fonts/serif"
)

// WritePDF lays the bulletin out and writes it as a PDF with its fonts
// embedded (only the characters it uses), so it prints the same on any
// machine. The file is the same for the same bulletin: its dates are the
// document's own, so a copy written again compares equal.
func WritePDF(w io.Writer, b *Bulletin) error {
	pages, err := Lay(b)
	if err != nil {
		return err
	}
	pdf := fpdf.New("P", "pt", "A4", "")
	pdf.SetCompression(true)
	pdf.SetCatalogSort(true)
	pdf.SetCreationDate(b.Date)
	pdf.SetModificationDate(b.Date)
	pdf.SetTitle(b.Title, true)
	pdf.SetAuthor(b.Office, true)
	pdf.SetCreator("DutyRoom 值班室", true)
	pdf.SetProducer("DutyRoom", false)
	pdf.SetAutoPageBreak(false, 0)
	pdf.SetMargins(0, 0, 0)
	pdf.AddUTF8FontFromBytes("serif", "", serif.Regular)
	pdf.AddUTF8FontFromBytes("serif", "B", serif.Bold)
	for _, p := range pages {
		pdf.AddPage()
		for _, r := range p.Rules {
			if r.Red {
				pdf.SetDrawColor(red.R, red.G, red.B)
			} else {
				pdf.SetDrawColor(0, 0, 0)
			}
			pdf.SetLineWidth(r.Width)
			pdf.Line(r.X1, r.Y, r.X2, r.Y)
		}
		for _, t := range p.Texts {
			style := ""
			if t.Face == Bold {
				style = "B"
			}
			pdf.SetFont("serif", style, t.Size)
			if t.Red {
				pdf.SetTextColor(red.R, red.G, red.B)
			} else {
				pdf.SetTextColor(0, 0, 0)
			}
			pdf.Text(t.X, t.Y, t.S)
		}
	}
	var buf bytes.Buffer
	if err := pdf.Output(&buf); err != nil {
		return app.Errorf(app.EINTERNAL, "cannot write the document: %v", err)
	}
	if _, err := w.Write(buf.Bytes()); err != nil {
		return app.Errorf(app.EINTERNAL, "cannot write the document: %v", err)
	}
	return nil
}

// red is the header's red: GB/T 9704 asks for red without naming a shade;
// offices print pure red.
var red = struct{ R, G, B int }{230, 0, 18}
