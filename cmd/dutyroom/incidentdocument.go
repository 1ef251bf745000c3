package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"

	"dutyroom/app"
	"dutyroom/app/incident"
	"dutyroom/document"
	"dutyroom/incidentfile"
	"dutyroom/store"
)

// incidentDocument writes a report's bulletin (值班信息) as a PDF: numbered
// in this station's series when the report is signed, a draft to read
// before signing when it is not. Only the filing station issues it.
func (m *Main) incidentDocument(ctx context.Context, env incidentEnv, args []string) error {
	fs := m.flags("incident document")
	out := fs.String("o", "", "the PDF file to write")
	id, err := parseWithID(fs, args, "report")
	if err != nil {
		return err
	}
	if *out == "" {
		return errUsage{"incident document needs -o FILE.pdf"}
	}
	r, err := env.svc.FindReportByID(ctx, id)
	if err != nil {
		return err
	}
	me, err := env.ident.Identity(ctx)
	if err != nil {
		return err
	}
	if r.Station != me.ID {
		return app.Errorf(app.EFORBIDDEN, "the report was filed by another station; only the filing station issues its document")
	}
	tree, err := env.tree(ctx)
	if err != nil {
		return err
	}
	inc, err := env.svc.FindIncidentByID(ctx, r.Incident)
	if err != nil {
		return err
	}
	reports, err := env.svc.Reports(ctx, r.Incident)
	if err != nil {
		return err
	}
	tasks, err := env.svc.Tasks(ctx, incident.TaskFilter{Incident: &inc.ID})
	if err != nil {
		return err
	}
	loc := stationLoc(tree, r.Station)
	year, number := r.CreatedAt.In(loc).Year(), 0
	if r.SignedBy != "" {
		db, err := m.open()
		if err != nil {
			return err
		}
		if year, number, err = store.NewDocuments(db).DocumentNumber(ctx, r.Station, r.ID, r.SignedAt.In(loc).Year()); err != nil {
			return err
		}
	}
	doc, err := incidentfile.ReportBulletin(incidentfile.ReportDocument{
		Incident: inc, Report: r, Reports: reports, Tasks: tasks, Tree: tree, Year: year, Number: number, Location: loc,
	})
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := document.WritePDF(&buf, doc); err != nil {
		return err
	}
	// Written beside the target and renamed, so a failure never leaves
	// half a document where the last good one was.
	tmp, err := os.CreateTemp(filepath.Dir(*out), ".document-*.pdf")
	if err != nil {
		return fmt.Errorf("cannot write %s: %w", *out, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(buf.Bytes()); err != nil {
		tmp.Close()
		return fmt.Errorf("cannot write %s: %w", *out, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("cannot write %s: %w", *out, err)
	}
	if err := os.Rename(tmp.Name(), *out); err != nil {
		return fmt.Errorf("cannot write %s: %w", *out, err)
	}
	if number == 0 {
		fmt.Fprintf(m.Stdout, "wrote %s: a draft of %s (the report is not signed; it is numbered when signed)\n", *out, doc.Title)
		return nil
	}
	fmt.Fprintf(m.Stdout, "wrote %s: %d年第%d期 %s\n", *out, year, number, doc.Title)
	return nil
}
