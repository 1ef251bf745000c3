package store_test

import (
	"strings"
	"testing"
	"time"

	"dutyroom/app"
	"dutyroom/app/consult"
	"dutyroom/store"
)

// A hub that has been tampered with delivers another station's take-over
// of records this client holds: a consultation started again by a station
// naming itself host, and a person of the county claimed by the village
// below it. Both are kept unapplied with the reason; the records stay as
// their owners left them, and the host's own end is still applied.
func TestReceiptKeepsTakeoversOfHeldRecords(t *testing.T) {
	tr := newTree(t)
	db := stationsAt(t, tr, tr.township)
	now := time.Now().UTC()
	real := consult.Consultation{ID: app.NewID(), Host: tr.county.ID, Title: "暴雨会商", Invited: []app.ID{tr.township.ID}, State: consult.Live, CreatedAt: now, StartedAt: now}
	start := incoming(consult.OpStart, real.ID, real)
	start.Origin = tr.county.ID
	deputy := app.Person{ID: app.NewID(), Station: tr.county.ID, Name: "向副局长", Mobile: "13800000000", UpdatedAt: now}
	hire := incoming(app.OpPersonCreate, deputy.ID, deputy)
	hire.Origin = tr.county.ID
	if res, err := db.ApplyIncoming(ctx, "e", 2, []app.Operation{start, hire}); err != nil || res.Applied != 2 {
		t.Fatalf("the county's records: %+v, %v", res, err)
	}

	takeover := real
	takeover.Host, takeover.Invited, takeover.Recording = tr.prefecture.ID, []app.ID{tr.township.ID}, true
	forgedStart := incoming(consult.OpStart, real.ID, takeover)
	forgedStart.Origin = tr.prefecture.ID
	claimed := deputy
	claimed.Station, claimed.Name, claimed.UpdatedAt = tr.village.ID, "改名", now.Add(time.Hour)
	forgedClaim := incoming(app.OpPersonUpdate, deputy.ID, claimed)
	forgedClaim.Origin = tr.village.ID
	ended := real
	ended.State, ended.EndedAt = consult.Ended, now.Add(time.Minute)
	end := incoming(consult.OpEnd, real.ID, ended)
	end.Origin = tr.county.ID
	res, err := db.ApplyIncoming(ctx, "e", 5, []app.Operation{forgedStart, forgedClaim, end})
	if err != nil || res.Kept != 2 || res.Applied != 1 {
		t.Fatalf("the forgeries and the host's end: %+v, %v", res, err)
	}
	rec, err := store.NewConsultations(db).Record(ctx, real.ID)
	if err != nil || rec.Consultation.Host != tr.county.ID || rec.Consultation.State != consult.Ended || rec.Consultation.Recording {
		t.Fatalf("the consultation after the take-over: %+v, %v", rec, err)
	}
	p, err := store.NewDirectory(db).FindPersonByID(ctx, deputy.ID)
	if err != nil || p.Name != "向副局长" || p.Station != tr.county.ID {
		t.Fatalf("the deputy after the claim: %+v, %v", p, err)
	}
	kept, _ := db.KeptOps(ctx, 10)
	reasons := map[app.ID]string{}
	for _, k := range kept {
		reasons[k.Op.ID] = k.Reason
	}
	if r := reasons[forgedStart.ID]; !strings.Contains(r, "吉首市") || !strings.Contains(r, "only the owner") {
		t.Errorf("the take-over kept with %q", r)
	}
	if r := reasons[forgedClaim.ID]; !strings.Contains(r, "forbidden") {
		t.Errorf("the claim kept with %q", r)
	}
}
