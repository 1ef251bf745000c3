package incident_test

import (
	"slices"
	"testing"
	"time"

	"dutyroom/app"
	"dutyroom/app/incident"
)

// The stations holding an incident are those its tasks name, with every
// level a direct report skips; offices beyond the tree and other branches
// never appear.
func TestAudience(t *testing.T) {
	tree := testTree()
	task := func(from app.ID, to incident.Recipient) incident.ReportTask {
		return incident.ReportTask{From: from, To: to, Mode: incident.ModeWritten}
	}
	cases := []struct {
		name  string
		tasks []incident.ReportTask
		want  []app.ID
	}{
		{"no tasks", nil, []app.ID{aizhai.ID}},
		{"the county only", []incident.ReportTask{task(aizhai.ID, incident.Recipient{Station: jishou.ID})}, []app.ID{aizhai.ID, jishou.ID}},
		{"up to the prefecture and beyond", []incident.ReportTask{
			task(aizhai.ID, incident.Recipient{Station: jishou.ID}),
			task(jishou.ID, incident.Recipient{Station: prefecture.ID}),
			task(prefecture.ID, incident.Recipient{Level: incident.LevelProvince}),
		}, []app.ID{aizhai.ID, jishou.ID, prefecture.ID}},
		{"a direct report copies the county it skips", []incident.ReportTask{
			task(aizhai.ID, incident.Recipient{Station: prefecture.ID}),
		}, []app.ID{aizhai.ID, jishou.ID, prefecture.ID}},
		{"another branch is ignored", []incident.ReportTask{
			task(baisha.ID, incident.Recipient{Station: luxi.ID}),
		}, []app.ID{aizhai.ID}},
	}
	for _, c := range cases {
		if got := incident.Audience(sample(), c.tasks, tree); !slices.Equal(got, c.want) {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}

// The first acknowledgement of an alarm is kept; one without a name is
// refused.
func TestArrivalAcknowledge(t *testing.T) {
	var a incident.Arrival
	if err := a.Acknowledge("  ", received); app.ErrorField(err) != "by" || !a.Pending() {
		t.Fatalf("a nameless acknowledgement: %v, pending %v", err, a.Pending())
	}
	if err := a.Acknowledge(" 王五 ", received); err != nil || a.AckedBy != "王五" || a.Pending() {
		t.Fatalf("acknowledged: %+v, %v", a, err)
	}
	if err := a.Acknowledge("李四", received.Add(time.Minute)); err != nil || a.AckedBy != "王五" || !a.AckedAt.Equal(received) {
		t.Fatalf("a second acknowledgement replaced the first: %+v, %v", a, err)
	}
}
