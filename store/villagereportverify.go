package store

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"

	"dutyroom/app"
	"dutyroom/app/incident"
	"dutyroom/app/villagereport"
)

// 核实: each outcome is one transaction holding the incident change, the
// verification kept here and its operation. The operation goes up from
// this station (the hub shows the officer the state, the stations above
// see it) and to the stations between the village and this one, so a
// township whose county verified first shows the same.

// verifying loads a pending report for a verification made here.
func verifying(tx *txn, id app.ID) (villageReportRecord, app.ID, error) {
	rec, err := getVillageReport(tx, id)
	if err != nil {
		return rec, app.NilID, err
	}
	if rec.Verification != nil {
		return rec, app.NilID, &app.Error{Code: app.ECONFLICT, Field: "verified",
			Message: fmt.Sprintf("the report was verified already (%s, by %s)", rec.Verification.Outcome, rec.Verification.By)}
	}
	self, err := identityID(tx.Tx)
	if err != nil {
		return rec, app.NilID, err
	}
	if self == app.NilID {
		return rec, app.NilID, app.Errorf(app.EFORBIDDEN, "choose this duty room's station before verifying village reports")
	}
	return rec, self, nil
}

// verified records v here and appends its operation.
func verified(tx *txn, rec *villageReportRecord, v villagereport.Verification) error {
	v.By = app.AuthorFrom(tx.ctx)
	v.ByID = app.ActorFrom(tx.ctx).ID
	v.At = tx.now
	if err := v.Validate(); err != nil {
		return err
	}
	tree, err := lineage(tx, rec.Report.Village, v.Station)
	if err != nil {
		return err
	}
	var between []app.ID
	for _, a := range tree.Ancestors(rec.Report.Village) {
		if a.ID == v.Station {
			break
		}
		if a.Tier.HasDutyRoom() {
			between = append(between, a.ID)
		}
	}
	payload, err := json.Marshal(v)
	if err != nil {
		return err
	}
	if err := appendAlertOp(tx, villagereport.OpVerify, rec.Report.ID, payload, app.ScopeUp, between); err != nil {
		return err
	}
	rec.Verification = &v
	if err := putVillageReport(tx, rec); err != nil {
		return err
	}
	return logVillageReport(tx, v.Station, &rec.Report, "villagereport.verified", string(v.Outcome), v.Reason, v.By)
}

// villageNote is the timeline entry of a report made into an incident or
// merged into one.
func villageNote(r *villagereport.Report, tree *app.Tree, merged bool) detail {
	n := incident.Note{Kind: incident.NoteVillageReport, Args: []incident.Arg{
		incident.TextArg("officer", r.OfficerName), incident.StationArg("village", r.Village),
		incident.TextArg("place", r.Place), incident.NumberArg("photos", int64(len(r.Photos)))}}
	if merged {
		n.Args = append(n.Args, incident.TextArg("merged", "yes"))
	}
	verb := "made into this incident"
	if merged {
		verb = "merged into this incident"
	}
	text := fmt.Sprintf("village report from %s, information officer of %s, at %s (%d photos), %s", r.OfficerName, tree.Path(r.Village), r.Place, len(r.Photos), verb)
	return detail{n, text}
}

// photoBytes returns the contents of a report's photos, each complete
// here, by SHA-256.
func photoBytes(tx *txn, r *villagereport.Report) (map[string][]byte, error) {
	out := map[string][]byte{}
	for _, p := range r.Photos {
		data, err := contentHere(tx, p.SHA256)
		if err != nil {
			return nil, err
		}
		if data == nil {
			if data, err = readBlob(tx, p.SHA256); err != nil {
				return nil, &app.Error{Code: app.ECONFLICT, Field: "photos",
					Message: fmt.Sprintf("photo %s is not here in full yet: %s", p.Name, app.ErrorMessage(err))}
			}
		}
		out[p.SHA256] = data
	}
	return out, nil
}

// NewIncident implements villagereport.Service.
func (s *VillageReports) NewIncident(ctx context.Context, id app.ID) (*incident.Incident, error) {
	var out incident.Incident
	err := s.db.update(ctx, func(tx *txn) error {
		rec, self, err := verifying(tx, id)
		if err != nil {
			return err
		}
		r := &rec.Report
		blobs, err := photoBytes(tx, r)
		if err != nil {
			return err
		}
		tree, err := lineage(tx, r.Village, self)
		if err != nil {
			return err
		}
		unit := r.Village.String()
		if v := tree.Station(r.Village); v != nil {
			unit = v.Name
		}
		desc := r.Description
		if r.Counts.HousesDamaged > 0 {
			// The incident has no figure for houses; the register reads
			// the description.
			desc = fmt.Sprintf("%s\n房屋受损 %d 间（村报）", desc, r.Counts.HousesDamaged)
		}
		n := incident.Incident{
			Station:     self,
			ReceivedAt:  r.ReceivedAt,
			OccurredAt:  r.OccurredAt,
			Channel:     incident.ChannelSystem,
			Reporter:    incident.Reporter{Name: r.OfficerName, Unit: unit + " 灾害信息员"},
			Place:       incident.Place{Station: r.Village, Text: r.Place, Lat: r.Lat, Lon: r.Lon},
			Category:    r.Category,
			Counts:      r.Counts.Incident(),
			Description: desc,
		}
		for _, p := range r.Photos {
			a := p.Attachment
			if a.ID == app.NilID {
				a.ID = app.DeriveID(r.ID, "photo "+p.SHA256)
			}
			n.Attachments = append(n.Attachments, a)
		}
		if n.ReceivedAt.After(tx.now) {
			n.ReceivedAt = tx.now // the hub's clock ahead of this one
		}
		if n.OccurredAt.After(n.ReceivedAt) {
			// The phone's clock ahead of the hub's, within what the
			// report allows: it happened before it was received.
			n.OccurredAt = n.ReceivedAt
		}
		if _, _, err := createIncident(tx, &s.incidents.stations, &n, blobs); err != nil {
			return err
		}
		e, err := editIncident(tx, n.ID)
		if err != nil {
			return err
		}
		ev := e.noted(incident.EventVillageReport, villageNote(r, e.tree, false))
		if err := e.save(incident.OpIncidentEvent, change{Events: []incident.Event{ev}}); err != nil {
			return err
		}
		// The photos' parts follow the incident to the stations it is
		// reported to, queued in this transaction after its operations.
		if _, err := sendOwed(tx); err != nil {
			return err
		}
		out = e.inc
		return verified(tx, &rec, villagereport.Verification{Report: r.ID, Outcome: villagereport.NewIncident, Incident: n.ID, Station: self})
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// Merge implements villagereport.Service. The figures rise where the
// report's are higher (villagereport.Raised), through the incident's own
// rules, so a higher grade adds its reports as a typed change would.
func (s *VillageReports) Merge(ctx context.Context, id, into app.ID) error {
	return s.db.update(ctx, func(tx *txn) error {
		rec, self, err := verifying(tx, id)
		if err != nil {
			return err
		}
		r := &rec.Report
		e, err := editIncident(tx, into)
		if err != nil {
			return err
		}
		if err := e.inc.CheckOpen(); err != nil {
			return &app.Error{Code: app.ECONFLICT, Field: "incident", Message: app.ErrorMessage(err)}
		}
		counts, raised := villagereport.Raised(e.inc.Counts, r.Counts)
		var (
			events []incident.Event
			tasks  []incident.ReportTask
			a      incident.Assessment
		)
		if raised {
			if a, tasks, events, err = e.setFigures(counts, e.inc.Loss); err != nil {
				return err
			}
		}
		tree, err := lineage(tx, r.Village, e.inc.Station)
		if err != nil {
			return err
		}
		events = append(events, e.noted(incident.EventVillageReport, villageNote(r, tree, true)))
		if raised {
			err = e.save(incident.OpIncidentCounts, change{Assessment: &a, Tasks: tasks, Events: events})
		} else {
			err = e.save(incident.OpIncidentEvent, change{Events: events})
		}
		if err != nil {
			return err
		}
		return verified(tx, &rec, villagereport.Verification{Report: r.ID, Outcome: villagereport.Merged, Incident: into, Station: self})
	})
}

// Unfounded implements villagereport.Service.
func (s *VillageReports) Unfounded(ctx context.Context, id app.ID, reason string) error {
	return s.db.update(ctx, func(tx *txn) error {
		rec, self, err := verifying(tx, id)
		if err != nil {
			return err
		}
		return verified(tx, &rec, villagereport.Verification{Report: id, Outcome: villagereport.Unfounded, Reason: reason, Station: self})
	})
}

// Candidates implements villagereport.Service.
func (s *VillageReports) Candidates(ctx context.Context, id app.ID) ([]incident.Incident, error) {
	e, err := s.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	open := incident.StatusOpen
	list, _, err := s.incidents.Incidents(ctx, incident.Filter{Status: &open})
	if err != nil {
		return nil, err
	}
	var (
		tree *app.Tree
		self app.ID
	)
	err = s.db.view(ctx, func(tx *txn) error {
		all, err := allStations(tx)
		tree = app.NewTree(all)
		if err != nil {
			return err
		}
		self, err = identityID(tx.Tx)
		return err
	})
	if err != nil {
		return nil, err
	}
	// Only incidents this duty room may change: its own station's and
	// those below it (checkWritable).
	list = slices.DeleteFunc(slices.Clone(list), func(inc incident.Incident) bool {
		return self != app.NilID && !tree.IsWithin(inc.Station, self)
	})
	villagereport.SortCandidates(list, &e.Report, tree)
	return list, nil
}

// MergedInto returns the reports that became incident id or were merged
// into it, oldest received first: their photos are the incident's too.
func (s *VillageReports) MergedInto(ctx context.Context, id app.ID) ([]villagereport.Entry, error) {
	all, err := s.List(ctx)
	if err != nil {
		return nil, err
	}
	var out []villagereport.Entry
	for _, e := range all {
		if e.Verification != nil && e.Verification.Incident == id {
			out = append(out, e)
		}
	}
	slices.Reverse(out)
	return out, nil
}
