package ui

import (
	"net/url"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"dutyroom/app/roster"
)

// subRows returns the rows of 今日值班's duty rooms below, in list order.
func subRows(u *UI) []*subRow {
	var out []*subRow
	walk(u.duty.today.subs, func(o fyne.CanvasObject) {
		if r, ok := o.(*subRow); ok {
			out = append(out, r)
		}
	})
	return out
}

func subRowFor(t *testing.T, u *UI, station string) *subRow {
	t.Helper()
	for _, r := range subRows(u) {
		if r.sd.station.Name == station {
			return r
		}
	}
	t.Fatalf("no row for %s on 今日值班", station)
	return nil
}

func TestPrefectureTodayListsCountiesWithTheirTownshipsBeneath(t *testing.T) {
	d := newConsultDemo(t)
	d.store.identity = d.xiangxi.ID
	u := d.open(t, "duty")
	var got []string
	var depths []int
	for _, r := range subRows(u) {
		got = append(got, r.sd.station.Name)
		depths = append(depths, r.sd.depth)
	}
	want := []string{"吉首市", "乾州街道", "石家冲街道", "泸溪县"}
	if len(got) != len(want) {
		t.Fatalf("rows %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("rows %v, want %v", got, want)
		}
	}
	if depths[0] != 0 || depths[1] != 1 || depths[2] != 1 || depths[3] != 0 {
		t.Errorf("depths %v, want the townships indented under 吉首市", depths)
	}
	if w := subRowFor(t, u, "乾州街道").indent.MinSize().Width; w <= 0 {
		t.Errorf("a township is not indented: %v", w)
	}
}

// publishQianzhou rosters 乾州街道's leader and officer for 14 July and
// publishes the month, as the township itself would.
func publishQianzhou(t *testing.T, d *consultDemo) {
	t.Helper()
	r := d.store.rosters
	r.put(d.qianzhou.ID, "2026-07-14", leader0, d.huang.ID)
	r.put(d.qianzhou.ID, "2026-07-14", officer0, d.lin.ID)
	home := d.store.identity
	d.store.identity = d.qianzhou.ID
	if _, err := r.Publish(t.Context(), d.qianzhou.ID, roster.Month{Y: 2026, M: 7}, true); err != nil {
		t.Fatal(err)
	}
	d.store.identity = home
}

func TestSubordinateRowCopiesAndCallsTheOfficerOnDuty(t *testing.T) {
	d := newConsultDemo(t)
	publishQianzhou(t, d)
	u := d.open(t, "duty")
	var opened []string
	u.openURL = func(l *url.URL) error { opened = append(opened, l.String()); return nil }
	r := subRowFor(t, u, "乾州街道")
	if r.number != "13900000002" || !hasText(r, "乾州街道　13900000002") {
		t.Fatalf("row offers %q, want the officer on duty's phone: %v", r.number, texts(r))
	}
	test.Tap(r.copy)
	if got := u.app.Clipboard().Content(); got != "13900000002" {
		t.Errorf("clipboard holds %q after 复制", got)
	}
	test.Tap(r.call)
	if len(opened) != 1 || opened[0] != "tel:13900000002" {
		t.Errorf("拨号 opened %v, want tel:13900000002", opened)
	}
	// A station without anyone on duty and without a duty phone has
	// nothing to copy or call.
	if empty := subRowFor(t, u, "石家冲街道"); !empty.copy.Disabled() || !empty.call.Disabled() {
		t.Error("copy and call are offered with no number to use")
	}
}

func TestSubordinateRowCallsTheStationDutyPhoneFirst(t *testing.T) {
	d := newConsultDemo(t)
	publishQianzhou(t, d)
	st := d.store.stations[d.qianzhou.ID]
	st.Phone = "0743-8230110"
	d.store.stations[d.qianzhou.ID] = st
	u := d.open(t, "duty")
	var opened []string
	u.openURL = func(l *url.URL) error { opened = append(opened, l.String()); return nil }
	test.Tap(subRowFor(t, u, "乾州街道").call)
	if len(opened) != 1 || opened[0] != "tel:0743-8230110" {
		t.Errorf("拨号 opened %v, want the duty room's phone", opened)
	}
}

func TestSubordinateRowStartsASpotCheckAfterConfirming(t *testing.T) {
	d := newConsultDemo(t)
	u := d.open(t, "duty")
	r := subRowFor(t, u, "石家冲街道")
	if r.check.Disabled() {
		t.Fatal("查岗 is disabled for a township below")
	}
	test.Tap(r.check)
	if len(d.checks.checks) != 0 {
		t.Fatal("a spot check started before it was confirmed")
	}
	test.Tap(findButton(t, overlay(t, u), "开始查岗"))
	if len(d.checks.checks) != 1 || d.checks.checks[0].Target != d.shiqiao.ID || d.checks.checks[0].By != d.jishou.ID {
		t.Fatalf("checks %+v, want one of 石家冲街道 by 吉首市", d.checks.checks)
	}
	if !hasText(u.duty.today.notice.label, "石家冲街道") {
		t.Errorf("notice %q does not name the station checked", u.duty.today.notice.label.Text)
	}
}

func TestSubordinateRowOpensANewConsultationInvitingIt(t *testing.T) {
	d := newConsultDemo(t)
	u := d.open(t, "duty")
	test.Tap(subRowFor(t, u, "乾州街道").consult)
	if u.nav.current != "consultation" {
		t.Fatalf("会商 opened %q", u.nav.current)
	}
	var group *widget.CheckGroup
	walk(overlay(t, u), func(o fyne.CanvasObject) {
		if g, ok := o.(*widget.CheckGroup); ok {
			group = g
		}
	})
	if group == nil {
		t.Fatal("no new-consultation dialog")
	}
	if len(group.Selected) != 1 || group.Selected[0] != "乾州街道" {
		t.Errorf("invited %v, want 乾州街道 ticked", group.Selected)
	}
}
