package ui

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"dutyroom/app"
	"dutyroom/app/attachment"
	"dutyroom/app/incident"
	"dutyroom/app/roster"
	"dutyroom/app/villagereport"
	"dutyroom/assets"
)

// fakeVillageReports keeps village reports in memory, verifying through
// the fake incident service as the store does through its own.
type fakeVillageReports struct {
	incidents *fakeIncidents
	entries   []villagereport.Entry
	photos    map[string][]byte
	merged    map[app.ID]app.ID
}

var _ villagereport.Service = (*fakeVillageReports)(nil)

func (f *fakeVillageReports) find(id app.ID) (*villagereport.Entry, error) {
	for i := range f.entries {
		if f.entries[i].Report.ID == id {
			return &f.entries[i], nil
		}
	}
	return nil, app.Errorf(app.ENOTFOUND, "no report %s", id)
}

func (f *fakeVillageReports) List(context.Context) ([]villagereport.Entry, error) {
	out := slices.Clone(f.entries)
	slices.SortStableFunc(out, func(a, b villagereport.Entry) int {
		if (a.Verification == nil) != (b.Verification == nil) {
			if a.Verification == nil {
				return -1
			}
			return 1
		}
		return b.Report.ReceivedAt.Compare(a.Report.ReceivedAt)
	})
	return out, nil
}

func (f *fakeVillageReports) Get(_ context.Context, id app.ID) (villagereport.Entry, error) {
	e, err := f.find(id)
	if err != nil {
		return villagereport.Entry{}, err
	}
	return *e, nil
}

func (f *fakeVillageReports) Pending(context.Context) (int, error) {
	n := 0
	for _, e := range f.entries {
		if e.Verification == nil {
			n++
		}
	}
	return n, nil
}

func (f *fakeVillageReports) Photo(_ context.Context, _ app.ID, sha string) ([]byte, error) {
	if d, ok := f.photos[sha]; ok {
		return d, nil
	}
	return nil, app.Errorf(app.ENOTFOUND, "no photo")
}

func (f *fakeVillageReports) Candidates(ctx context.Context, id app.ID) ([]incident.Incident, error) {
	e, err := f.find(id)
	if err != nil {
		return nil, err
	}
	open := incident.StatusOpen
	list, _, err := f.incidents.Incidents(ctx, incident.Filter{Status: &open})
	villagereport.SortCandidates(list, &e.Report, f.incidents.tree())
	return list, err
}

func (f *fakeVillageReports) verify(ctx context.Context, id app.ID, v villagereport.Verification) error {
	e, err := f.find(id)
	if err != nil {
		return err
	}
	if e.Verification != nil {
		return &app.Error{Code: app.ECONFLICT, Field: "verified", Message: "verified already"} // as the store says it
	}
	v.Report, v.Station, v.By, v.At = id, f.incidents.f.identity, app.AuthorFrom(ctx), f.incidents.now()
	if err := v.Validate(); err != nil {
		return err
	}
	e.Verification = &v
	return nil
}

func (f *fakeVillageReports) NewIncident(ctx context.Context, id app.ID) (*incident.Incident, error) {
	e, err := f.find(id)
	if err != nil {
		return nil, err
	}
	r := e.Report
	inc := incident.Incident{Station: f.incidents.f.identity, ReceivedAt: r.ReceivedAt, OccurredAt: r.OccurredAt, Channel: incident.ChannelSystem,
		Reporter: incident.Reporter{Name: r.OfficerName}, Place: incident.Place{Station: r.Village, Text: r.Place}, Category: r.Category, Counts: r.Counts.Incident()}
	if _, _, err := f.incidents.CreateIncident(ctx, &inc); err != nil {
		return nil, err
	}
	return &inc, f.verify(ctx, id, villagereport.Verification{Outcome: villagereport.NewIncident, Incident: inc.ID})
}

func (f *fakeVillageReports) Merge(ctx context.Context, id, into app.ID) error {
	f.merged[id] = into
	return f.verify(ctx, id, villagereport.Verification{Outcome: villagereport.Merged, Incident: into})
}

func (f *fakeVillageReports) MergedInto(_ context.Context, id app.ID) ([]villagereport.Entry, error) {
	var out []villagereport.Entry
	for _, e := range f.entries {
		if e.Verification != nil && e.Verification.Incident == id {
			out = append(out, e)
		}
	}
	return out, nil
}

func (f *fakeVillageReports) Unfounded(ctx context.Context, id app.ID, reason string) error {
	return f.verify(ctx, id, villagereport.Verification{Outcome: villagereport.Unfounded, Reason: reason})
}

// scenePhoto is a small picture standing for a phone's photo: sky over a
// brown slope, so a screenshot shows an image where it should.
func scenePhoto(t *testing.T, slope color.NRGBA) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, 320, 240))
	for y := range 240 {
		for x := range 320 {
			c := color.NRGBA{R: 0x9c, G: 0xc8, B: 0xee, A: 0xff}
			if y > 240-x/2-40 {
				c = slope
			}
			img.Set(x, y, c)
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// villageDemo is the county 吉首市 with two reports of 乾元村's officer:
// one waiting for 核实, one merged the day before.
func villageDemo(t *testing.T) (*incidentDemo, *fakeVillageReports) {
	t.Helper()
	d := newIncidentDemo(t, "2026-10-03 09:00")
	f := &fakeVillageReports{incidents: d.svc, photos: map[string][]byte{}, merged: map[app.ID]app.ID{}}
	lat, lon := 28.26012, 109.70123
	var photos []villagereport.PhotoState
	for i, c := range []color.NRGBA{{R: 0x8b, G: 0x5a, B: 0x2b, A: 0xff}, {R: 0x6b, G: 0x4a, B: 0x1b, A: 0xff}} {
		data := scenePhoto(t, c)
		sum := sha256.Sum256(data)
		sha := hex.EncodeToString(sum[:])
		f.photos[sha] = data
		photos = append(photos, villagereport.PhotoState{Photo: villagereport.Photo{
			Attachment: attachment.Attachment{ID: app.NewID(), Name: "IMG_" + string(rune('1'+i)) + ".jpg", Size: int64(len(data)), SHA256: sha, MIME: "image/png"},
			TakenAt:    d.now.Add(-time.Duration(50-i*5) * time.Minute), Lat: &lat, Lon: &lon}, Complete: true})
	}
	arriving := villagereport.PhotoState{Photo: villagereport.Photo{Attachment: attachment.Attachment{ID: app.NewID(), Name: "IMG_3.jpg", Size: 300 << 10, SHA256: strings.Repeat("cd", 32), MIME: "image/jpeg"},
		TakenAt: d.now.Add(-40 * time.Minute)}, Have: 1, Parts: 3}
	report := func(place string, received time.Time) villagereport.Report {
		return villagereport.Report{ID: app.NewID(), Village: d.village.ID, Officer: d.wang.ID, OfficerName: "王五", Category: incident.Geological,
			Place: place, Lat: &lat, Lon: &lon, OccurredAt: received.Add(-time.Hour), WrittenAt: received.Add(-10 * time.Minute), ReceivedAt: received,
			Counts:      villagereport.Counts{Trapped: 2, Injured: 1, Evacuated: 35, HousesDamaged: 3},
			Description: "后山组发生山体滑坡，冲毁房屋两栋，两人被困，已组织群众转移。"}
	}
	pending := villagereport.Entry{Report: report("后山组张家屋场后坡", d.now.Add(-20*time.Minute)), Photos: append(photos, arriving)}
	for _, p := range pending.Photos {
		pending.Report.Photos = append(pending.Report.Photos, p.Photo)
	}
	old := villagereport.Entry{Report: report("河边组", d.now.Add(-24*time.Hour))}
	old.Verification = &villagereport.Verification{Report: old.Report.ID, Outcome: villagereport.Unfounded, Reason: "电话核实为旧滑坡，无新情况",
		Station: d.qianzhou.ID, By: "乾州值班员", At: d.now.Add(-23 * time.Hour)}
	f.entries = []villagereport.Entry{old, pending}
	return d, f
}

func openVillageReports(t *testing.T, d *incidentDemo, f *fakeVillageReports) *UI {
	t.Helper()
	svc := d.services()
	svc.VillageReports = f
	u := New(test.NewTempApp(t), svc)
	t.Cleanup(u.win.Close)
	u.win.Resize(fyne.NewSize(1366, 768))
	u.nav.open("incidents")
	return u
}

// A report waiting for 核实 sounds the alarm and shows its count on the
// tab; opening the tab silences it. The report's view names the officer,
// the figures and the photos with when and where each was taken.
func TestVillageReportRingsUntilTheTabIsOpened(t *testing.T) {
	d, f := villageDemo(t)
	u := openVillageReports(t, d, f)
	p := u.incidents.village
	if want := lang.L("village.tab_count", map[string]any{"N": 1}); p.tab.Text != want {
		t.Fatalf("tab %q, want %q", p.tab.Text, want)
	}
	if !d.alarm.sounding {
		t.Fatal("a new 村报 does not sound the alarm")
	}
	u.incidents.tabs.Select(p.tab)
	if d.alarm.sounding {
		t.Fatal("the alarm still sounds with the 村报 tab open")
	}
	if len(p.entries) != 2 || p.entries[0].State() != villagereport.StatePending {
		t.Fatalf("the list does not put the pending report first: %+v", p.entries)
	}
	p.list.Select(0)
	all := strings.Join(texts(p.detail), "\n")
	for _, want := range []string{"王五", "28.26012, 109.70123", "房屋受损 3 间", "待核实", "拍摄于 10-03 08:10", "照片接收中 1/3"} {
		if !strings.Contains(all, want) {
			t.Errorf("the report's view lacks %q:\n%s", want, all)
		}
	}
	findButton(t, p.detail, lang.L("village.new_incident"))

	// The same report read again does not ring again.
	p.load()
	if d.alarm.sounding {
		t.Fatal("reading the list again rang for a report already seen")
	}

	// A new one rings even with the tab in front (a window left on it
	// overnight), until the officer opens it.
	next := f.entries[1]
	next.Report.ID, next.Report.ReceivedAt = app.NewID(), d.now
	f.entries = append(f.entries, next)
	p.load()
	if !d.alarm.sounding {
		t.Fatal("a second report with the tab in front does not ring")
	}
	if want := lang.L("village.tab_count", map[string]any{"N": 2}); p.tab.Text != want {
		t.Fatalf("tab %q, want %q", p.tab.Text, want)
	}
	p.list.Select(0)
	if d.alarm.sounding || p.selected != next.Report.ID {
		t.Fatalf("opening the new report: sounding %v, showing %s", d.alarm.sounding, p.selected)
	}
}

// 不予采用 without a reason says what is missing and keeps the dialog;
// with one, the report shows 不予采用 and the reason.
func TestVillageReportUnfoundedAsksForAReason(t *testing.T) {
	d, f := villageDemo(t)
	u := openVillageReports(t, d, f)
	p := u.incidents.village
	u.incidents.tabs.Select(p.tab)
	p.list.Select(0)
	test.Tap(findButton(t, p.detail, lang.L("village.unfounded")))
	dlg := overlay(t, u)
	test.Tap(findButton(t, dlg, lang.L("village.unfounded")))
	if !hasText(overlay(t, u), lang.L("incident.error_reason_required")) {
		t.Fatalf("no reason: the dialog says %v", texts(overlay(t, u)))
	}
	var entry *widget.Entry
	walk(dlg, func(o fyne.CanvasObject) {
		if e, ok := o.(*widget.Entry); ok && entry == nil {
			entry = e
		}
	})
	test.Type(entry, "重复上报")
	test.Tap(findButton(t, dlg, lang.L("village.unfounded")))
	e, _ := f.Get(context.Background(), p.selected)
	if e.State() != villagereport.StateUnfounded || e.Verification.Reason != "重复上报" {
		t.Fatalf("after 不予采用: %+v", e.Verification)
	}
	if !strings.Contains(strings.Join(texts(p.detail), "\n"), "不予采用：重复上报") {
		t.Fatalf("the view does not say it: %v", texts(p.detail))
	}
}

// 新建事件 opens the incident made from the report; 并入事件… lists the
// open incidents and merges into the one chosen.
func TestVillageReportBecomesOrJoinsAnIncident(t *testing.T) {
	d, f := villageDemo(t)
	u := openVillageReports(t, d, f)
	p := u.incidents.village
	u.incidents.tabs.Select(p.tab)
	p.list.Select(0)
	id := p.selected
	test.Tap(findButton(t, p.detail, lang.L("village.new_incident")))
	test.Tap(findButton(t, overlay(t, u), lang.L("village.new_incident")))
	e, _ := f.Get(context.Background(), id)
	if e.State() != villagereport.StateVerified || u.incidents.view.id != e.Verification.Incident {
		t.Fatalf("after 新建事件: %+v, the view shows %s", e.Verification, u.incidents.view.id)
	}
	if d.svc.count() != 1 {
		t.Fatalf("%d incidents", d.svc.count())
	}

	// A second report of the same slide joins it.
	u.incidents.closeIncident()
	second := f.entries[0]
	second.Report.ID, second.Verification = app.NewID(), nil
	f.entries = append(f.entries, second)
	p.load()
	p.list.Select(0)
	if p.selected != second.Report.ID {
		t.Fatalf("selected %s, want the new pending report", p.selected)
	}
	test.Tap(findButton(t, p.detail, lang.L("village.merge")))
	dlg := overlay(t, u)
	test.Tap(findButton(t, dlg, lang.L("village.merge_ok")))
	if into := f.merged[second.Report.ID]; into != e.Verification.Incident {
		t.Fatalf("merged into %s, want %s", into, e.Verification.Incident)
	}

	// The incident's 附件 lists the reports' photos, each once, with
	// the officer who took them.
	u.incidents.openIncident(e.Verification.Incident)
	n := 0
	for _, r := range u.incidents.view.data.files {
		if r.village == "王五" {
			n++
			if fileSourceText(r) != "村报 · 王五" {
				t.Errorf("source %q", fileSourceText(r))
			}
		}
	}
	// The fake files no photos with a new incident: those listed are the
	// first report's, the second having none.
	if want := len(f.entries[1].Photos); n != want {
		t.Fatalf("%d village photos among the incident's files, want %d", n, want)
	}
}

// TestVillageReportScreenshots renders the 村报 tab, the merge dialog and
// the reason dialog at 1366×768 in both languages into the folder named by
// DUTYROOM_SCREENSHOTS, for a person to look at; without it the screens
// are still built and laid out.
func TestVillageReportScreenshots(t *testing.T) {
	dir := os.Getenv("DUTYROOM_SCREENSHOTS")
	for _, language := range []string{assets.Chinese, assets.English} {
		t.Run(language, func(t *testing.T) {
			inLanguage(t, language)
			d, f := villageDemo(t)
			inc := incident.Incident{Station: d.jishou.ID, ReceivedAt: d.now.Add(-2 * time.Hour), OccurredAt: d.now.Add(-3 * time.Hour), Channel: incident.ChannelPhone,
				Place: incident.Place{Station: d.village.ID, Text: "后山组"}, Category: incident.Geological, Counts: incident.Counts{Trapped: 1}}
			if _, _, err := d.svc.CreateIncident(setupContext(t), &inc); err != nil {
				t.Fatal(err)
			}
			u := openVillageReports(t, d, f)
			p := u.incidents.village
			u.incidents.tabs.Select(p.tab)
			p.list.Select(0)
			shot := func(what string) {
				if dir != "" {
					captureLaidOut(t, u, filepath.Join(dir, language+"-village-"+what+".png"))
				}
			}
			shot("report")
			fits(t, "the 村报 tab with a report in view", u.win.Content().MinSize())
			test.Tap(findButton(t, p.detail, lang.L("village.merge")))
			shot("merge")
			test.Tap(findButton(t, overlay(t, u), lang.L("action.cancel")))
			test.Tap(findButton(t, p.detail, lang.L("village.unfounded")))
			test.Tap(findButton(t, overlay(t, u), lang.L("village.unfounded")))
			shot("unfounded")
			test.Tap(findButton(t, overlay(t, u), lang.L("action.cancel")))
			p.list.Select(1)
			shot("done")
		})
	}
}

// The shift log words the entries of a report received and verified, and
// opening one brings the 村报 tab forward with that report in view.
func TestVillageReportOpensFromTheShiftLog(t *testing.T) {
	d, f := villageDemo(t)
	u := openVillageReports(t, d, f)
	pending := f.entries[1].Report
	received := roster.LogEntry{Auto: true, Text: "乾元村 · 王五 · 后山组", Record: roster.LogRecord{Kind: roster.RecordVillageReport, ID: pending.ID,
		Event: "villagereport.received", Detail: string(incident.Geological)}}
	if got := logEntryText(&received, time.UTC); got != "收到村报（地质灾害）：乾元村 · 王五 · 后山组" {
		t.Errorf("received reads %q", got)
	}
	verified := received
	verified.Record.Event, verified.Record.Detail = "villagereport.verified", string(villagereport.Merged)
	if got := logEntryText(&verified, time.UTC); got != "核实村报，已并入：乾元村 · 王五 · 后山组" {
		t.Errorf("verified reads %q", got)
	}
	if got := logTagLabel(&received); got != "村报" {
		t.Errorf("tag %q", got)
	}
	u.nav.open("duty")
	p := u.incidents.village
	p.openReport(pending.ID)
	if u.nav.current != "incidents" || u.incidents.tabs.Selected() != p.tab || p.selected != pending.ID {
		t.Fatalf("opened %s, tab %v, report %s", u.nav.current, u.incidents.tabs.Selected().Text, p.selected)
	}
	if !strings.Contains(strings.Join(texts(p.detail), "\n"), pending.Place) {
		t.Fatalf("the report is not in view: %v", texts(p.detail))
	}
}

// A 核实 refused because the photos are still arriving, the report was
// verified elsewhere meanwhile or the incident closed is said in the
// window's words, not the store's English.
func TestVillageReportRefusalsAreSaidInWords(t *testing.T) {
	for field, want := range map[string]string{"photos": lang.L("village.error_photos"), "verified": lang.L("village.error_verified"),
		"incident": lang.L("village.error_closed")} {
		err := &app.Error{Code: app.ECONFLICT, Field: field, Message: "in English"}
		if got := villageErrorText(err); got != want {
			t.Errorf("%s: %q", field, got)
		}
	}
	d, f := villageDemo(t)
	u := openVillageReports(t, d, f)
	p := u.incidents.village
	u.incidents.tabs.Select(p.tab)
	p.list.Select(0)
	// Verified at the county meanwhile.
	f.entries[1].Verification = &villagereport.Verification{Report: f.entries[1].Report.ID, Outcome: villagereport.Unfounded, Reason: "误报",
		Station: d.jishou.ID, By: "县值班员", At: d.now}
	test.Tap(findButton(t, p.detail, lang.L("village.unfounded")))
	dlg := overlay(t, u)
	var entry *widget.Entry
	walk(dlg, func(o fyne.CanvasObject) {
		if e, ok := o.(*widget.Entry); ok && entry == nil {
			entry = e
		}
	})
	test.Type(entry, "重复")
	test.Tap(findButton(t, dlg, lang.L("village.unfounded")))
	if !hasText(overlay(t, u), lang.L("village.error_verified")) {
		t.Fatalf("the dialog says %v", texts(overlay(t, u)))
	}
}
