package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"dutyroom/app/incident"
	"dutyroom/store"
	"dutyroom/store/storetest"
)

// demoFolder is a data folder with the demo prefecture, run as its duty room.
func demoFolder(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if code, _, stderr := run(t, dir, "init", "--demo"); code != 0 {
		t.Fatalf("init --demo: exit %d: %s", code, stderr)
	}
	return dir
}

var savedLine = regexp.MustCompile(`(?m)^saved ([0-9a-f-]{36}) grade (\w+)$`)

// addIncident files a road accident at 乾州街道 and returns its id.
func addIncident(t *testing.T, dir string, extra ...string) string {
	t.Helper()
	args := append([]string{"incident", "add", "--station", "433101001", "--category", "road_traffic",
		"--place-station", "433101001001", "--place", "G209 国道 K1203", "--title", "货车侧翻",
		"--description", "一辆湘U12345货车侧翻", "--reporter", "龙建国", "--reporter-phone", "13812345678",
		"--occurred", time.Now().Add(-30 * time.Minute).Format(time.RFC3339)}, extra...)
	code, stdout, stderr := run(t, dir, args...)
	if code != 0 {
		t.Fatalf("incident add: exit %d: %s", code, stderr)
	}
	m := savedLine.FindStringSubmatch(stdout)
	if m == nil {
		t.Fatalf("incident add printed no saved line:\n%s", stdout)
	}
	return m[1]
}

type shown struct {
	Incident incident.Incident     `json:"incident"`
	Tasks    []incident.ReportTask `json:"tasks"`
	Reports  []incident.Report     `json:"reports"`
	Timeline []incident.Event      `json:"timeline"`
}

func showIncident(t *testing.T, dir, id string) shown {
	t.Helper()
	code, stdout, stderr := run(t, dir, "incident", "show", id, "--json")
	if code != 0 {
		t.Fatalf("incident show: exit %d: %s", code, stderr)
	}
	var s shown
	if err := json.Unmarshal([]byte(stdout), &s); err != nil {
		t.Fatalf("incident show --json is not JSON: %v\n%s", err, stdout)
	}
	return s
}

func TestIncidentAddListShow(t *testing.T) {
	dir := demoFolder(t)
	photo := filepath.Join(t.TempDir(), "现场.jpg")
	if err := os.WriteFile(photo, []byte("fake jpeg"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := run(t, dir, "incident", "add", "--station", "433101001", "--category", "road_traffic",
		"--place-station", "433101001001", "--place", "G209 国道 K1203", "--title", "货车侧翻",
		"--dead", "3", "--injured", "2", "--received", time.Now().Add(-5*time.Minute).Format("2006-01-02 15:04"),
		"--attach", photo)
	if code != 0 {
		t.Fatalf("incident add: exit %d: %s", code, stderr)
	}
	m := savedLine.FindStringSubmatch(stdout)
	if m == nil || m[2] != "large" {
		t.Fatalf("want a saved line with grade large:\n%s", stdout)
	}
	if strings.Count(stdout, "  task ") != 3 || !strings.Contains(stdout, "乾州街道 → 吉首市") || !strings.Contains(stdout, "湘西州 → province") {
		t.Errorf("the three reports due are not listed:\n%s", stdout)
	}
	id := m[1]
	addIncident(t, dir, "--category", "fire", "--title", "民房起火")

	code, stdout, stderr = run(t, dir, "incident", "list", "--json", "--grade", "large")
	if code != 0 {
		t.Fatalf("incident list: exit %d: %s", code, stderr)
	}
	var list struct {
		Total     int           `json:"total"`
		Incidents []incidentOut `json:"incidents"`
	}
	if err := json.Unmarshal([]byte(stdout), &list); err != nil {
		t.Fatalf("incident list --json is not JSON: %v\n%s", err, stdout)
	}
	if list.Total != 1 || len(list.Incidents) != 1 || list.Incidents[0].ID != id ||
		list.Incidents[0].Station != "433101001" || list.Incidents[0].PlaceStation != "433101001001" || list.Incidents[0].Counts.Dead != 3 {
		t.Errorf("list --grade large = %+v", list)
	}
	code, stdout, _ = run(t, dir, "incident", "list", "--q", "民房", "--station", "433101")
	if code != 0 || !strings.Contains(stdout, "民房起火") || strings.Contains(stdout, "货车侧翻") || !strings.Contains(stdout, "1 of 1") {
		t.Errorf("list --q 民房: exit %d\n%s", code, stdout)
	}

	s := showIncident(t, dir, id)
	if s.Incident.Counts.Dead != 3 || len(s.Tasks) != 3 || len(s.Incident.Attachments) != 1 || s.Incident.Attachments[0].Name != "现场.jpg" {
		t.Errorf("show: %+v", s)
	}
	if len(s.Timeline) != 3 || s.Timeline[0].Kind != incident.EventReceived {
		t.Errorf("timeline %+v", s.Timeline)
	}
	code, stdout, _ = run(t, dir, "incident", "show", id)
	if code != 0 || !strings.Contains(stdout, "tasks") || !strings.Contains(stdout, "timeline") || !strings.Contains(stdout, "received") {
		t.Errorf("show in text: exit %d\n%s", code, stdout)
	}
	storetest.OpenDir(t, dir) // checks the file on cleanup
}

func TestIncidentReportSignSend(t *testing.T) {
	dir := demoFolder(t)
	id := addIncident(t, dir, "--dead", "1")
	s := showIncident(t, dir, id)
	var toCounty string
	for _, tk := range s.Tasks {
		if tk.Mode == incident.ModeWritten && tk.From == s.Incident.Station {
			toCounty = tk.ID.String()
		}
	}

	code, _, stderr := run(t, dir, "incident", "send", toCounty)
	if code != 1 || !strings.Contains(stderr, "must sign") {
		t.Errorf("send unsigned: exit %d, %q", code, stderr)
	}
	code, _, stderr = run(t, dir, "incident", "report", id, "--kind", "followup", "--text", "续报")
	if code != 1 || !strings.Contains(stderr, "kind (--kind)") || !strings.Contains(stderr, "initial report first") {
		t.Errorf("follow-up first: exit %d, %q", code, stderr)
	}
	code, stdout, stderr := run(t, dir, "incident", "report", id, "--kind", "initial", "--text", "初报：货车侧翻，1人死亡。", "--station", "433101001")
	if code != 0 || !strings.Contains(stdout, "filed initial report") {
		t.Fatalf("initial report: exit %d: %s %s", code, stdout, stderr)
	}
	code, _, stderr = run(t, dir, "incident", "sign", toCounty)
	if code != 1 || !strings.Contains(stderr, "by (--by)") {
		t.Errorf("sign without a name: exit %d, %q", code, stderr)
	}
	code, stdout, stderr = run(t, dir, "incident", "sign", toCounty, "--by", "田乡长")
	if code != 0 || !strings.Contains(stdout, "signed by 田乡长 for 1 deliveries") {
		t.Fatalf("sign: exit %d: %s %s", code, stdout, stderr)
	}
	code, stdout, stderr = run(t, dir, "incident", "send", toCounty)
	if code != 0 || !strings.Contains(stdout, "sent written initial report to 吉首市") || strings.Contains(stdout, "late") {
		t.Fatalf("send: exit %d: %s %s", code, stdout, stderr)
	}
	// Only the receiving duty room says a report has arrived; this folder
	// is the prefecture's, so its ack of the county's delivery is refused.
	// The county's own ack travelling back is tested with a real hub.
	if code, _, stderr = run(t, dir, "incident", "ack", toCounty, "--by", "吉首市值班室"); code != 1 || !strings.Contains(stderr, "only that duty room") {
		t.Errorf("ack by another station: exit %d: %s", code, stderr)
	}

	// A follow-up with three dead raises the grade to large and adds the
	// report to the province.
	code, stdout, stderr = run(t, dir, "incident", "report", id, "--kind", "followup", "--text", "续报：死亡3人", "--dead", "3")
	if code != 0 || !strings.Contains(stdout, "province") {
		t.Fatalf("follow-up: exit %d: %s %s", code, stdout, stderr)
	}
	s = showIncident(t, dir, id)
	if s.Incident.Provisional != incident.GradeLarge || len(s.Reports) != 2 {
		t.Errorf("after the follow-up: %s with %d reports", s.Incident.Provisional, len(s.Reports))
	}
	if code, _, stderr = run(t, dir, "incident", "report", id, "--kind", "final", "--text", "核报：死亡3人"); code != 0 {
		t.Fatalf("final: exit %d: %s", code, stderr)
	}
	code, _, stderr = run(t, dir, "incident", "report", id, "--kind", "followup", "--text", "再续报")
	if code != 1 || !strings.Contains(stderr, "closed") {
		t.Errorf("report after close: exit %d, %q", code, stderr)
	}
	kinds := map[incident.EventKind]bool{}
	for _, ev := range showIncident(t, dir, id).Timeline {
		kinds[ev.Kind] = true
	}
	for _, k := range []incident.EventKind{incident.EventReported, incident.EventSigned, incident.EventSent,
		incident.EventFollowedUp, incident.EventGraded, incident.EventFinalReported, incident.EventClosed} {
		if !kinds[k] {
			t.Errorf("timeline lacks %s", k)
		}
	}
}

func TestIncidentBadInputIsRefusedOnStderr(t *testing.T) {
	dir := demoFolder(t)
	big := filepath.Join(t.TempDir(), "录像.mp4")
	if err := os.WriteFile(big, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(big, 21<<20); err != nil { // sparse: quick to make
		t.Fatal(err)
	}
	base := []string{"incident", "add", "--station", "433101001", "--category", "road_traffic", "--place-station", "433101001001"}
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"--dead", "-1"}, "counts.dead (--dead): -1 is negative"},
		{[]string{"--serious", "5000000"}, "counts.serious_injured (--serious)"},
		{[]string{"--received", time.Now().Add(2 * time.Hour).Format(time.RFC3339)}, "received_at (--received)"},
		{[]string{"--received", "yesterday"}, "received_at (--received)"},
		{[]string{"--place-station", "433122001"}, "place.station (--place-station)"},
		{[]string{"--place-station", "999999"}, `no station has code "999999"`},
		{[]string{"--category", "volcano"}, `category (--category): unknown category "volcano"`},
		{[]string{"--channel", "pigeon"}, "channel (--channel)"},
		{[]string{"--attach", big}, "attachments (--attach): 录像.mp4 is 21.0 MB; the limit is 20.0 MB"},
		{[]string{"--attach", filepath.Join(dir, "missing.jpg")}, "attachments (--attach): cannot read"},
	}
	for _, c := range cases {
		code, stdout, stderr := run(t, dir, append(base, c.args...)...)
		if code != 1 || !strings.Contains(stderr, c.want) || strings.Contains(stdout, "saved") {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want a refusal mentioning %q", c.args, code, stdout, stderr, c.want)
		}
	}
	code, stdout, _ := run(t, dir, "incident", "list", "--json")
	if code != 0 || !strings.Contains(stdout, `"total": 0`) {
		t.Errorf("after refusals the register holds: %s", stdout)
	}
	db := storetest.OpenDir(t, dir)
	ops, err := db.Outbox(t.Context(), 0, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	for _, op := range ops {
		if strings.HasPrefix(op.Kind, "incident.") {
			t.Errorf("a refused incident queued %s", op.Kind)
		}
	}
	if n, err := store.NewIncidents(db).Tasks(t.Context(), incident.TaskFilter{}); err != nil || len(n) != 0 {
		t.Errorf("refused incidents left tasks: %v, %v", n, err)
	}
}

func TestIncidentGradeAndOverride(t *testing.T) {
	dir := demoFolder(t)
	code, stdout, _ := run(t, dir, "incident", "grade", "--dead", "10")
	if code != 0 || !strings.HasPrefix(stdout, "major: counts.dead 10 (>= 10)") || !strings.Contains(stdout, "direct report") {
		t.Errorf("grade --dead 10: exit %d, %q", code, stdout)
	}
	code, stdout, _ = run(t, dir, "incident", "grade", "--dead", "2")
	if code != 0 || !strings.Contains(stdout, "focus case") {
		t.Errorf("grade --dead 2: exit %d, %q", code, stdout)
	}
	id := addIncident(t, dir)
	code, _, stderr := run(t, dir, "incident", "override", id, "--grade", "major", "--by", "彭局长")
	if code != 1 || !strings.Contains(stderr, "reason (--reason)") {
		t.Errorf("override without a reason: exit %d, %q", code, stderr)
	}
	code, stdout, stderr = run(t, dir, "incident", "override", id, "--grade", "major", "--by", "彭局长", "--reason", "危化品车辆")
	if code != 0 || !strings.Contains(stdout, "grade set to major") || !strings.Contains(stdout, "phone") {
		t.Errorf("override: exit %d, %s %s", code, stdout, stderr)
	}
	if code, _, stderr = run(t, dir, "incident", "close", id, "--reason", "重复接报"); code != 0 {
		t.Errorf("close: exit %d: %s", code, stderr)
	}
	code, _, stderr = run(t, dir, "incident", "show", "not-an-id")
	if code != 1 || !strings.Contains(stderr, "not an id") {
		t.Errorf("show not-an-id: exit %d, %q", code, stderr)
	}
}

// A follow-up report takes files with --attach; show lists them under the
// report with where their contents stand here, and a file over the limit
// is refused by name with nothing filed.
func TestIncidentReportWithAttachments(t *testing.T) {
	dir := demoFolder(t)
	id := addIncident(t, dir, "--dead", "1")
	if code, _, stderr := run(t, dir, "incident", "report", id, "--kind", "initial", "--text", "初报：货车侧翻，1人死亡。"); code != 0 {
		t.Fatalf("initial report: exit %d: %s", code, stderr)
	}
	doc := filepath.Join(t.TempDir(), "勘查记录.pdf")
	if err := os.WriteFile(doc, []byte("%PDF-1.4 survey"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := run(t, dir, "incident", "report", id, "--kind", "followup", "--text", "续报：附勘查记录。", "--attach", doc)
	if code != 0 || !strings.Contains(stdout, "filed followup report") {
		t.Fatalf("follow-up with a file: exit %d: %s %s", code, stdout, stderr)
	}
	s := showIncident(t, dir, id)
	if len(s.Reports) != 2 || len(s.Reports[1].Attachments) != 1 || s.Reports[1].Attachments[0].Name != "勘查记录.pdf" {
		t.Fatalf("reports: %+v", s.Reports)
	}
	code, stdout, _ = run(t, dir, "incident", "show", id)
	if code != 0 || !strings.Contains(stdout, "    attached  勘查记录.pdf (15 bytes, sha256 ") || !strings.Contains(stdout, ") received") {
		t.Errorf("show in text: exit %d\n%s", code, stdout)
	}

	big := filepath.Join(t.TempDir(), "录像.mp4")
	if err := os.WriteFile(big, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(big, 21<<20); err != nil {
		t.Fatal(err)
	}
	code, _, stderr = run(t, dir, "incident", "report", id, "--kind", "followup", "--text", "续报：录像。", "--attach", big)
	if code != 1 || !strings.Contains(stderr, "attachments (--attach): 录像.mp4 is 21.0 MB; the limit is 20.0 MB") {
		t.Errorf("an oversized file: exit %d, %q", code, stderr)
	}
	if s := showIncident(t, dir, id); len(s.Reports) != 2 {
		t.Errorf("a refused report was filed: %d reports", len(s.Reports))
	}
}
