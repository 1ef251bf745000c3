package ui

import (
	"context"

	"dutyroom/app/incident"
	"dutyroom/app/villagereport"
)

// addVillageFiles adds to an incident's 附件 the photos of the village
// reports merged into it: they stay with their reports, which every
// station above the village holds (a merge does not copy them into the
// incident), and are listed here with the officer who took them. A photo
// filed with the incident already (one made into it) is listed once.
func addVillageFiles(ctx context.Context, svc villagereport.Service, contents incident.Contents, d *viewData) error {
	if svc == nil {
		return nil
	}
	merged, err := svc.MergedInto(ctx, d.inc.ID)
	if err != nil {
		return err
	}
	seen := map[string]bool{}
	for _, f := range d.files {
		seen[f.att.SHA256] = true
	}
	for _, e := range merged {
		for _, p := range e.Photos {
			if seen[p.SHA256] {
				continue
			}
			seen[p.SHA256] = true
			row := fileRow{att: p.Attachment, village: e.Report.OfficerName}
			if contents != nil {
				if row.state, err = contents.AttachmentState(ctx, p.SHA256); err != nil {
					return err
				}
				row.known = true
			}
			d.files = append(d.files, row)
		}
	}
	return nil
}
