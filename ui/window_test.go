package ui

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/test"

	"dutyroom/assets"
)

func TestWindowTitleNamesTheProgramInBothScripts(t *testing.T) {
	for _, language := range []string{assets.Chinese, assets.English} {
		t.Run(language, func(t *testing.T) {
			inLanguage(t, language)
			u := newTestUI(t, newDemo().store)
			title := u.Window().Title()
			if !strings.Contains(title, "DutyRoom") || !strings.Contains(title, "值班室") {
				t.Errorf("title %q lacks DutyRoom or 值班室", title)
			}
		})
	}
	if got := lang.L("nav.directory"); got != "通讯录" {
		t.Errorf("after the English run the language is not back to Chinese: %q", got)
	}
}

func TestNavigationShowsEachPlaceholder(t *testing.T) {
	u := newTestUI(t, newDemo().store)
	for id, want := range map[string]string{
		"incidents":    "接报登记即将上线",
		"messages":     "消息与预警即将上线",
		"consultation": "视频会商即将上线",
	} {
		u.nav.open(id)
		if !hasText(u.nav.content, want) {
			t.Errorf("%s shows %v, want %q", id, texts(u.nav.content), want)
		}
	}
}

func TestNavigationOpensDutyDirectoryAndSettings(t *testing.T) {
	u := newTestUI(t, newDemo().store)
	if u.nav.current != "duty" {
		t.Errorf("window opens on %q, want the duty screen", u.nav.current)
	}
	if len(u.nav.content.Objects) != 1 || u.nav.content.Objects[0] != u.duty.content {
		t.Error("duty screen not shown")
	}
	u.nav.open("settings")
	if !hasText(u.nav.content, lang.L("settings.backup_hint")) {
		t.Errorf("settings screen not shown: %v", texts(u.nav.content))
	}
	u.nav.open("directory")
	if len(u.nav.content.Objects) != 1 || u.nav.content.Objects[0] != u.directory.content {
		t.Error("directory screen not shown")
	}
}

func TestNavigationListsEveryCapability(t *testing.T) {
	u := newTestUI(t, newDemo().store)
	var labels []string
	for _, s := range u.nav.screens {
		labels = append(labels, s.label)
	}
	if got, want := strings.Join(labels, " "), "值班 接报 批示 消息 预警 查岗 会商 通讯录 设置"; got != want {
		t.Errorf("navigation = %q, want %q", got, want)
	}
}

func TestDutyScreenWithoutRosterServiceSaysSo(t *testing.T) {
	f := newDemo().store
	svc := f.services()
	svc.Rosters = nil
	u := New(test.NewTempApp(t), svc)
	t.Cleanup(u.win.Close)
	if !hasText(u.nav.content, "排班、交接班和值班日志即将上线") {
		t.Errorf("duty shows %v without a roster service", texts(u.nav.content))
	}
}

func TestScreenKeepsStateWhenSwitchingBack(t *testing.T) {
	u := newTestUI(t, newDemo().store)
	u.nav.open("directory")
	u.directory.search.SetText("zs")
	u.nav.open("duty")
	u.nav.open("directory")
	if u.directory.search.Text != "zs" {
		t.Errorf("search = %q after switching away and back", u.directory.search.Text)
	}
}
