package ui

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"dutyroom/app"
	"dutyroom/assets"
)

// memFile stands in for the file chosen in the save dialog.
type memFile struct {
	bytes.Buffer
	uri    fyne.URI
	closed bool
}

func (m *memFile) Close() error  { m.closed = true; return nil }
func (m *memFile) URI() fyne.URI { return m.uri }

func openSettings(t *testing.T, f *fakeStore) *UI {
	t.Helper()
	u := newTestUI(t, f)
	u.nav.open("settings")
	return u
}

func TestSettingsShowsDataFileAndVersion(t *testing.T) {
	old := Version
	Version = "1.4.2"
	t.Cleanup(func() { Version = old })
	u := openSettings(t, newDemo().store)
	if !hasText(u.settings.content, "/var/lib/dutyroom/dutyroom.db") {
		t.Errorf("data file not shown: %v", texts(u.settings.content))
	}
	if !hasText(u.settings.content, "1.4.2") {
		t.Errorf("version not shown: %v", texts(u.settings.content))
	}
}

func TestBackupExplainsWhyItIsHere(t *testing.T) {
	u := openSettings(t, newDemo().store)
	if !hasText(u.settings.content, "命令行备份无法打开") {
		t.Errorf("the backup hint is missing: %v", texts(u.settings.content))
	}
}

func TestBackupWritesTheChosenFile(t *testing.T) {
	d := newDemo()
	d.store.backup = []byte("a consistent copy")
	u := openSettings(t, d.store)
	file := &memFile{uri: storage.NewFileURI("/backups/dutyroom.db")}
	u.settings.onBackupTarget(file, nil)
	if got := file.String(); got != "a consistent copy" {
		t.Errorf("backup file holds %q", got)
	}
	if !file.closed {
		t.Error("backup file left open")
	}
	if got := u.settings.backupResult.Text; !strings.Contains(got, "17 B") || !strings.Contains(got, "/backups/dutyroom.db") {
		t.Errorf("result = %q, want size and path", got)
	}
	if u.settings.backup.Disabled() {
		t.Error("backup button stays disabled")
	}
}

func TestBackupFailureIsReported(t *testing.T) {
	d := newDemo()
	u := openSettings(t, d.store)
	d.store.failNext = app.Errorf(app.EINTERNAL, "disk full")
	file := &memFile{uri: storage.NewFileURI("/backups/dutyroom.db")}
	u.settings.onBackupTarget(file, nil)
	got := u.settings.backupResult.Text
	if !strings.Contains(got, "备份失败") || !strings.Contains(got, "disk full") {
		t.Errorf("result = %q", got)
	}
	if u.settings.backupResult.Importance != widget.DangerImportance {
		t.Error("a failed backup is not shown as an error")
	}
	if !file.closed {
		t.Error("backup file left open")
	}
}

func TestBackupCancelledDoesNothing(t *testing.T) {
	u := openSettings(t, newDemo().store)
	u.settings.onBackupTarget(nil, nil)
	if u.settings.backupResult.Visible() {
		t.Errorf("result shown after cancel: %q", u.settings.backupResult.Text)
	}
}

func TestBackupButtonAsksWhereToSave(t *testing.T) {
	u := openSettings(t, newDemo().store)
	test.Tap(u.settings.backup)
	if u.win.Canvas().Overlays().Top() == nil {
		t.Fatal("no file dialog")
	}
}

func TestBackupFileNameSortsByTime(t *testing.T) {
	at := time.Date(2026, 2, 15, 8, 30, 0, 0, time.UTC)
	if got, want := backupFileName(at), "dutyroom-backup-20260215-0830.db"; got != want {
		t.Errorf("backupFileName = %q, want %q", got, want)
	}
}

func TestLanguageChoiceIsStoredForNextStart(t *testing.T) {
	u := openSettings(t, newDemo().store)
	if got := u.settings.language.Selected; got != lang.L("settings.language_system") {
		t.Errorf("selected %q with no stored choice", got)
	}
	u.settings.language.SetSelected(lang.L("settings.language_en"))
	if got := u.app.Preferences().String(LanguagePreference); got != assets.English {
		t.Errorf("stored %q, want %q", got, assets.English)
	}
	if !hasText(u.settings.content, "重新启动") {
		t.Errorf("no word that a restart is needed: %v", texts(u.settings.content))
	}
	u.settings.language.SetSelected(lang.L("settings.language_system"))
	if got := u.app.Preferences().String(LanguagePreference); got != "" {
		t.Errorf("stored %q for 'follow the system', want empty", got)
	}
}

func TestLanguageChoiceShownFromPreferences(t *testing.T) {
	a := test.NewTempApp(t)
	a.Preferences().SetString(LanguagePreference, assets.Chinese)
	u := New(a, newDemo().store.services())
	t.Cleanup(u.win.Close)
	if got := u.settings.language.Selected; got != lang.L("settings.language_zh") {
		t.Errorf("selected %q, want Chinese", got)
	}
}

func TestChooseThisStation(t *testing.T) {
	d := newDemo()
	u := openSettings(t, d.store)
	if !hasText(u.settings.content, lang.L("settings.no_station")) {
		t.Errorf("unset station not explained: %v", texts(u.settings.content))
	}
	test.Tap(u.settings.chooseIdentity)
	picker := overlay(t, u)
	choose := findButton(t, picker, lang.L("action.choose"))
	if !choose.Disabled() {
		t.Error("can choose before a station is selected")
	}
	var tree *widget.Tree
	walk(picker, func(o fyne.CanvasObject) {
		if tr, ok := o.(*widget.Tree); ok {
			tree = tr
		}
	})
	tree.Select(d.luxi.ID.String())
	test.Tap(choose)

	if d.store.identity != d.luxi.ID {
		t.Fatal("identity not stored")
	}
	if got := u.status.station.Text; got != "泸溪县" {
		t.Errorf("status bar station = %q", got)
	}
	if !hasText(u.settings.content, "湘西州 / 泸溪县") {
		t.Errorf("settings do not show the new station: %v", texts(u.settings.content))
	}
}

func TestChooseThisStationWithoutStationsExplains(t *testing.T) {
	u := openSettings(t, newFakeStore())
	test.Tap(u.settings.chooseIdentity)
	if !hasText(overlay(t, u), lang.L("settings.no_stations_yet")) {
		t.Error("no explanation that the tree must be built first")
	}
}
