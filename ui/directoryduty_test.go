package ui

import (
	"testing"

	"fyne.io/fyne/v2"
)

// onDutyIn reports whether the row of the named person in 通讯录 carries
// the 今日值班 badge; the search narrows the list to that person first, so
// the row is on screen.
func onDutyIn(t *testing.T, u *UI, name string) bool {
	t.Helper()
	u.directory.search.SetText(name)
	r := row(t, u, name)
	return r.onDuty.Visible() && r.onDuty.Text == "今日值班"
}

func TestDirectoryMarksTheLeaderAndOfficerOnDutyToday(t *testing.T) {
	d := newConsultDemo(t)
	publishQianzhou(t, d)
	// 泸溪县 has drafted 李四 but not published: 今日值班 does not show a
	// draft, and neither does 通讯录.
	d.store.rosters.put(d.luxi.ID, "2026-07-14", officer0, d.li.ID)
	u := d.open(t, "directory")
	u.win.Resize(fyne.NewSize(1366, 768))
	for _, name := range []string{"孙局长", "刘值班", "黄镇长", "林值班"} {
		if !onDutyIn(t, u, name) {
			t.Errorf("%s is on duty today but carries no 今日值班 badge", name)
		}
	}
	for _, name := range []string{"陈值班", "郑备勤", "王五", "李四"} {
		if onDutyIn(t, u, name) {
			t.Errorf("%s is not on duty today but is marked so", name)
		}
	}
}

func TestDirectoryOnDutyBadgeFollowsTheHandoverWhenShownAgain(t *testing.T) {
	d := newConsultDemo(t)
	d.put("2026-07-15", officer0, d.chen)
	u := d.open(t, "directory")
	if !onDutyIn(t, u, "刘值班") || onDutyIn(t, u, "陈值班") {
		t.Fatal("before the handover 刘值班 is on duty, not 陈值班")
	}
	d.setClockSeconds(t, "2026-07-15 08:31:00")
	u.nav.open("duty")
	u.nav.open("directory")
	if onDutyIn(t, u, "刘值班") || !onDutyIn(t, u, "陈值班") {
		t.Error("after the handover and opening 通讯录 again the badge has not moved to 陈值班")
	}
}
