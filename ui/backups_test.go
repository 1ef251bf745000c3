package ui

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"dutyroom/app"
)

// fakeBackups is a backups folder of two backups, the older damaged.
type fakeBackups struct {
	entries   []BackupEntry
	damaged   map[string]bool
	restored  []string
	restoreAt bool // whether Restore is done at once
	dailyAt   string
	keep      int
}

func newFakeBackups() *fakeBackups {
	return &fakeBackups{
		entries: []BackupEntry{
			{Path: "/data/backups/dutyroom-20261207-083000-handover.db", Time: time.Date(2026, 12, 7, 8, 30, 0, 0, time.Local), Reason: "handover", Size: 12 << 20},
			{Path: "/data/backups/dutyroom-20261207-033000-daily.db", Time: time.Date(2026, 12, 7, 3, 30, 0, 0, time.Local), Reason: "daily", Size: 11 << 20},
		},
		damaged: map[string]bool{"/data/backups/dutyroom-20261207-033000-daily.db": true},
		dailyAt: "03:30", keep: 14,
	}
}

func (f *fakeBackups) Folder() string                 { return "/data/backups" }
func (f *fakeBackups) List() ([]BackupEntry, error)   { return f.entries, nil }
func (f *fakeBackups) Schedule() (string, int, error) { return f.dailyAt, f.keep, nil }

func (f *fakeBackups) Check(path string) error {
	if f.damaged[path] {
		return app.Errorf(app.ECORRUPT, "%s is damaged: page 7: unreachable unfreed", path)
	}
	return nil
}

func (f *fakeBackups) Restore(path string) (bool, error) {
	if f.damaged[path] {
		return false, errors.New("refused")
	}
	f.restored = append(f.restored, path)
	return f.restoreAt, nil
}

func (f *fakeBackups) SetSchedule(at string, keep int) error {
	if keep < 1 {
		return app.FieldErrorf("keep", "keep between 1 and 365 backups, not %d", keep)
	}
	f.dailyAt, f.keep = at, keep
	return nil
}

func openBackupSettings(t *testing.T, b *fakeBackups) *UI {
	t.Helper()
	f := newDemo().store
	svc := f.services()
	svc.Backups = b
	a := test.NewTempApp(t)
	u := New(a, svc)
	t.Cleanup(u.win.Close)
	u.nav.open("settings")
	return u
}

func TestBackupsListShowsTimeSizeAndCheckResult(t *testing.T) {
	u := openBackupSettings(t, newFakeBackups())
	if dir := os.Getenv("DUTYROOM_SCREENSHOTS"); dir != "" {
		u.win.Resize(fyne.NewSize(1366, 768))
		layoutAll(u.win.Canvas().Content())
		u.settings.content.(*container.Scroll).ScrollToBottom()
		captureLaidOut(t, u, filepath.Join(dir, "settings-backups.png"))
	}
	content := u.settings.content
	for _, want := range []string{"/data/backups", "2026-12-07 08:30 · 交接班 · 12.0 MB", "2026-12-07 03:30 · 每日 · 11.0 MB", "检查通过", "已损坏：文件检查未通过，不能用于恢复"} {
		if !hasText(content, want) {
			t.Errorf("the backups list lacks %q: %v", want, texts(content))
		}
	}
	if hasText(content, "unreachable") {
		t.Errorf("the store's English detail of a damaged backup shows in the Chinese window: %v", texts(content))
	}
	if !u.settings.backups.restore[1].Disabled() {
		t.Error("a damaged backup can be restored")
	}
	if u.settings.schedule.dailyAt.Text != "03:30" || u.settings.schedule.keep.Text != "14" {
		t.Errorf("schedule shows %q, %q", u.settings.schedule.dailyAt.Text, u.settings.schedule.keep.Text)
	}
}

func TestBackupRestoreIsTwoClicks(t *testing.T) {
	b := newFakeBackups()
	u := openBackupSettings(t, b)
	test.Tap(u.settings.backups.restore[0])
	dlg := overlay(t, u)
	if !hasText(dlg, "2026-12-07 08:30") {
		t.Errorf("the confirmation does not name the backup: %v", texts(dlg))
	}
	test.Tap(findButton(t, dlg, lang.L("backups.restore")))
	if len(b.restored) != 1 || b.restored[0] != b.entries[0].Path {
		t.Fatalf("restored %v, want the newest", b.restored)
	}
	result := u.settings.backups.result
	if !result.Visible() || !strings.Contains(result.Text, "下次启动") {
		t.Errorf("after the restore the screen says %q", result.Text)
	}
	// Where the eye is: in a dialog, and above the list rather than
	// below the fold at its end.
	if dlg := overlay(t, u); !hasText(dlg, "下次启动") {
		t.Errorf("the restore's outcome is not in a dialog: %v", texts(dlg))
	}
	if result.Position().Y > u.settings.backups.rows.Position().Y {
		t.Error("the restore's outcome is under the list of backups")
	}
}

func TestBackupScheduleRefusesABadCount(t *testing.T) {
	b := newFakeBackups()
	u := openBackupSettings(t, b)
	s := u.settings.schedule
	s.keep.SetText("十四")
	test.Tap(s.save)
	if !s.result.Visible() || s.result.Importance != widget.DangerImportance {
		t.Errorf("a count that is not a number is taken: %q", s.result.Text)
	}
	s.keep.SetText("30")
	s.dailyAt.SetText("22:15")
	test.Tap(s.save)
	if b.keep != 30 || b.dailyAt != "22:15" {
		t.Errorf("saved %q, %d", b.dailyAt, b.keep)
	}
}

func TestDamageNoticeFillsTheWindowAndOffersTheBackups(t *testing.T) {
	b := newFakeBackups()
	u := openBackupSettings(t, b)
	err := app.Errorf(app.ECORRUPT, "/data/dutyroom.db is damaged (slice bounds out of range); restore a backup")
	u.ShowDamage(err)
	if dir := os.Getenv("DUTYROOM_SCREENSHOTS"); dir != "" {
		u.win.Resize(fyne.NewSize(1366, 768))
		captureLaidOut(t, u, filepath.Join(dir, "damage-notice.png"))
	}
	content := u.win.Content()
	if content != u.damage.content {
		t.Fatal("the damage notice does not fill the window")
	}
	for _, want := range []string{"数据文件已损坏", "/data/dutyroom.db is damaged", "/data/backups", "检查通过"} {
		if !hasText(content, want) {
			t.Errorf("the notice lacks %q: %v", want, texts(content))
		}
	}
	test.Tap(u.damage.list.restore[0])
	test.Tap(findButton(t, overlay(t, u), lang.L("backups.restore")))
	if len(b.restored) != 1 {
		t.Errorf("restore from the notice: %v", b.restored)
	}
	if findButton(t, content, "关闭值班室") != u.damage.quit {
		t.Error("the notice offers no way to close the program")
	}
}
