package ui

import (
	"context"
	"testing"

	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/test"

	"dutyroom/app"
)

func TestStatusBarShowsThisStation(t *testing.T) {
	d := newDemo()
	d.store.identity = d.jishou.ID
	u := newTestUI(t, d.store)
	if got := u.status.station.Text; got != "吉首市" {
		t.Errorf("station = %q, want 吉首市", got)
	}
	if u.status.chooseStation.Visible() {
		t.Error("asks to choose a station although one is set")
	}
}

func TestStatusBarWithoutStationOffersToChoose(t *testing.T) {
	u := newTestUI(t, newDemo().store)
	if got, want := u.status.station.Text, lang.L("status.no_station"); got != want {
		t.Errorf("station = %q, want %q", got, want)
	}
	if !u.status.chooseStation.Visible() {
		t.Fatal("no way to choose the station from the status bar")
	}
	test.Tap(u.status.chooseStation)
	if u.nav.current != "settings" {
		t.Errorf("choosing opens %q, want settings", u.nav.current)
	}
}

func TestStatusBarSaysOfflineAndNoRoster(t *testing.T) {
	u := newTestUI(t, newDemo().store)
	if got := u.status.online.Text; got != "离线" {
		t.Errorf("online = %q", got)
	}
	if got := u.status.duty.Text; got != "当前没有值班安排" {
		t.Errorf("duty = %q", got)
	}
}

func TestStatusBarShowsWhoIsOnDuty(t *testing.T) {
	u := newTestUI(t, newDemo().store)
	u.SetOnDuty(func(context.Context) (OnDuty, error) {
		return OnDuty{Leader: "张三", Officer: "李四"}, nil
	})
	if got, want := u.status.duty.Text, "带班领导：张三　值班员：李四"; got != want {
		t.Errorf("duty = %q, want %q", got, want)
	}
	u.SetOnDuty(func(context.Context) (OnDuty, error) {
		return OnDuty{}, app.Errorf(app.ENOTFOUND, "no roster covers today")
	})
	if got := u.status.duty.Text; got != "当前没有值班安排" {
		t.Errorf("duty = %q without a roster for today", got)
	}
}

func TestStatusBarQueueFollowsChanges(t *testing.T) {
	d := newDemo()
	u := newTestUI(t, d.store)
	if got, want := u.status.queued.Text, lang.L("status.queue_empty"); got != want {
		t.Errorf("queued = %q, want %q", got, want)
	}
	u.nav.open("directory")
	test.Tap(row(t, u, "李四").remove)
	test.Tap(findButton(t, overlay(t, u), "删除"))
	if got := u.status.queued.Text; got != "待同步 1 条" {
		t.Errorf("queued = %q after one change, want 待同步 1 条", got)
	}
}

func TestStatusBarQueuePluralInEnglish(t *testing.T) {
	inLanguage(t, "en")
	d := newDemo()
	d.store.queued = 1
	u := newTestUI(t, d.store)
	if got := u.status.queued.Text; got != "1 change waiting to sync" {
		t.Errorf("queued = %q", got)
	}
	d.store.queued = 2
	u.changed()
	if got := u.status.queued.Text; got != "2 changes waiting to sync" {
		t.Errorf("queued = %q", got)
	}
}
