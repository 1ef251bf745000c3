package ui

import (
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"dutyroom/app"
)

// Backups are the data folder's automatic backups, as 设置 → 备份 and
// the damage notice show them.
type Backups interface {
	// Folder is where they are, shown so an administrator can find them.
	Folder() string
	// List returns them, newest first.
	List() ([]BackupEntry, error)
	// Check opens one read-only and checks it; nil when it is sound.
	Check(path string) error
	// Restore puts one in place of the data file. While the program holds
	// the file the restore is done at the next start (now is false);
	// a backup of another station, of a newer version or damaged is
	// refused before anything changes.
	Restore(path string) (now bool, err error)
	// Schedule is the daily backup time ("HH:MM", local) and how many
	// backups are kept; SetSchedule changes them (EINVALID naming the
	// field that is wrong).
	Schedule() (dailyAt string, keep int, err error)
	SetSchedule(dailyAt string, keep int) error
}

// BackupEntry is one automatic backup.
type BackupEntry struct {
	Path   string
	Time   time.Time // when it was taken, the station's local time
	Reason string    // daily, handover, migration, restore, manual
	Size   int64
}

// backupList lists the automatic backups with their time, size and
// check result, each with a restore button: a restore is two clicks,
// the button and the confirmation.
type backupList struct {
	win     fyne.Window
	backups Backups

	rows    *fyne.Container
	result  *widget.Label
	content fyne.CanvasObject

	entries []BackupEntry
	checks  []*widget.Label
	restore []*widget.Button
}

func newBackupList(win fyne.Window, backups Backups) *backupList {
	l := &backupList{win: win, backups: backups}
	l.rows = container.NewVBox()
	l.result = widget.NewLabel("")
	l.result.Wrapping = fyne.TextWrapWord
	l.result.Hide()
	folder := widget.NewLabel(lang.L("backups.folder", map[string]any{"Folder": backups.Folder()}))
	folder.Selectable = true
	folder.Wrapping = fyne.TextWrapBreak
	// The restore's outcome goes above the list, not under it: with two
	// weeks of backups the end of the list is below the fold.
	l.content = container.NewVBox(folder, l.result, l.rows)
	return l
}

// load lists the backups, then checks each in turn: listing is
// immediate, checking a large file takes a moment.
func (l *backupList) load() {
	runAsync(func() ([]BackupEntry, error) { return l.backups.List() }, l.onListed)
}

func (l *backupList) onListed(entries []BackupEntry, err error) {
	l.rows.RemoveAll()
	l.entries, l.checks, l.restore = entries, nil, nil
	if err != nil {
		l.rows.Add(errorLabelWith(errorText(err)))
		return
	}
	if len(entries) == 0 {
		l.rows.Add(hintLabel(lang.L("backups.none")))
		return
	}
	for i, b := range entries {
		what := widget.NewLabel(lang.L("backups.entry", map[string]any{
			"Time": b.Time.Format("2006-01-02 15:04"), "Reason": backupReason(b.Reason), "Size": byteSize(b.Size),
		}))
		check := widget.NewLabel(lang.L("backups.checking"))
		check.Importance = widget.LowImportance
		i := i
		restore := widget.NewButton(lang.L("backups.restore"), func() { l.onRestore(i) })
		l.checks, l.restore = append(l.checks, check), append(l.restore, restore)
		l.rows.Add(container.NewBorder(nil, nil, nil, restore, container.NewHBox(what, check)))
	}
	for i, b := range entries {
		i, path := i, b.Path
		runAsync(func() (struct{}, error) { return struct{}{}, l.backups.Check(path) },
			func(_ struct{}, err error) { l.onChecked(i, err) })
	}
}

func (l *backupList) onChecked(i int, err error) {
	if i >= len(l.checks) {
		return // listed again meanwhile
	}
	check := l.checks[i]
	if err != nil {
		check.Importance = widget.DangerImportance
		check.SetText(lang.L("backups.check_failed", map[string]any{"Error": backupCheckText(err)}))
		l.restore[i].Disable()
		return
	}
	check.Importance = widget.SuccessImportance
	check.SetText(lang.L("backups.check_ok"))
}

func (l *backupList) onRestore(i int) {
	b := l.entries[i]
	msg := lang.L("backups.restore_confirm", map[string]any{"Time": b.Time.Format("2006-01-02 15:04")})
	showKeyedConfirm(l.win, lang.L("backups.restore_title"), msg, lang.L("backups.restore"), func(ok bool) {
		if ok {
			l.restoreNow(b)
		}
	})
}

func (l *backupList) restoreNow(b BackupEntry) {
	runAsync(func() (bool, error) { return l.backups.Restore(b.Path) }, func(now bool, err error) {
		l.result.Show()
		switch {
		case err != nil:
			l.result.Importance = widget.DangerImportance
			l.result.SetText(lang.L("backups.restore_failed", map[string]any{"Error": errorText(err)}))
		case now:
			l.result.Importance = widget.SuccessImportance
			l.result.SetText(lang.L("backups.restored", map[string]any{"Time": b.Time.Format("2006-01-02 15:04")}))
		default:
			l.result.Importance = widget.WarningImportance
			l.result.SetText(lang.L("backups.restore_scheduled", map[string]any{"Time": b.Time.Format("2006-01-02 15:04")}))
		}
		// A restore is worth a dialog: the person pressed a button in a
		// row and looks there, not at the top of the list.
		showKeyedMessage(l.win, lang.L("backups.restore_title"), l.result.Text, lang.L("action.ok"))
	})
}

// backupReason names why a backup was taken.
func backupReason(reason string) string {
	switch reason {
	case "daily":
		return lang.L("backups.reason.daily")
	case "handover":
		return lang.L("backups.reason.handover")
	case "migration":
		return lang.L("backups.reason.migration")
	case "restore":
		return lang.L("backups.reason.restore")
	case "manual":
		return lang.L("backups.reason.manual")
	}
	return reason
}

func errorLabelWith(text string) *widget.Label {
	l := errorLabel()
	l.SetText(text)
	l.Show()
	return l
}

// damageNotice fills the window when the data file turns out damaged:
// what happened, in words a duty officer can act on, the automatic
// backups to restore from, and a button to close the program (a
// restore takes effect at the next start).
type damageNotice struct {
	detail  *widget.Label
	list    *backupList
	quit    *widget.Button
	content fyne.CanvasObject
}

func newDamageNotice(win fyne.Window, err error, backups Backups, quit func()) *damageNotice {
	n := &damageNotice{}
	title := widget.NewLabelWithStyle(lang.L("damage.title"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	title.Importance = widget.DangerImportance
	explain := widget.NewLabel(lang.L("damage.explain"))
	explain.Wrapping = fyne.TextWrapWord
	n.detail = hintLabel(errorText(err))
	n.quit = widget.NewButton(lang.L("damage.quit"), quit)
	n.quit.Importance = widget.HighImportance
	parts := []fyne.CanvasObject{title, explain, n.detail}
	if backups != nil {
		n.list = newBackupList(win, backups)
		parts = append(parts, widget.NewCard(lang.L("backups.title"), lang.L("damage.backups_hint"), n.list.content))
		n.list.load()
	}
	parts = append(parts, container.NewHBox(n.quit))
	n.content = container.NewPadded(container.NewVScroll(container.NewVBox(parts...)))
	return n
}

// ShowDamage replaces the whole window with the damage notice: nothing
// else the window shows can be trusted once the file is damaged, and a
// screen that keeps failing one error at a time hides what to do.
func (u *UI) ShowDamage(err error) {
	n := newDamageNotice(u.win, err, u.svc.Backups, u.app.Quit)
	u.damage = n
	u.win.SetContent(n.content)
}

// ShowDamageAndRun opens a window with only the damage notice, for a
// data file that cannot be opened at all, and runs until it is closed.
func ShowDamageAndRun(a fyne.App, err error, backups Backups) {
	a.Settings().SetTheme(newTheme())
	win := a.NewWindow(lang.L("app.title"))
	n := newDamageNotice(win, err, backups, a.Quit)
	win.SetContent(n.content)
	win.Resize(fyne.NewSize(900, 640))
	win.ShowAndRun()
}

// backupSchedule is the form for the daily time and the generations kept.
type backupSchedule struct {
	backups Backups
	dailyAt *widget.Entry
	keep    *widget.Entry
	save    *widget.Button
	result  *widget.Label
	content fyne.CanvasObject
}

func newBackupSchedule(backups Backups) *backupSchedule {
	s := &backupSchedule{backups: backups}
	s.dailyAt = widget.NewEntry()
	s.dailyAt.SetPlaceHolder("03:30")
	s.keep = widget.NewEntry()
	s.keep.SetPlaceHolder("14")
	s.save = widget.NewButton(lang.L("backups.save_schedule"), s.onSave)
	s.result = widget.NewLabel("")
	s.result.Wrapping = fyne.TextWrapWord
	s.result.Hide()
	form := widget.NewForm(
		widget.NewFormItem(lang.L("backups.daily_at"), s.dailyAt),
		widget.NewFormItem(lang.L("backups.keep"), s.keep),
	)
	s.content = container.NewVBox(form, hintLabel(lang.L("backups.schedule_hint")), container.NewHBox(s.save), s.result)
	return s
}

func (s *backupSchedule) load() {
	type schedule struct {
		at   string
		keep int
	}
	runAsync(func() (schedule, error) {
		at, keep, err := s.backups.Schedule()
		return schedule{at, keep}, err
	}, func(v schedule, err error) {
		if err != nil {
			s.showResult(widget.DangerImportance, errorText(err))
			return
		}
		s.dailyAt.SetText(v.at)
		s.keep.SetText(strconv.Itoa(v.keep))
	})
}

func (s *backupSchedule) onSave() {
	keep, err := strconv.Atoi(strings.TrimSpace(s.keep.Text))
	if err != nil {
		s.showResult(widget.DangerImportance, lang.L("backups.keep_invalid"))
		return
	}
	at := strings.TrimSpace(s.dailyAt.Text)
	runAsync(func() (struct{}, error) { return struct{}{}, s.backups.SetSchedule(at, keep) },
		func(_ struct{}, err error) {
			if err != nil {
				s.showResult(widget.DangerImportance, errorText(err))
				return
			}
			s.showResult(widget.SuccessImportance, lang.L("backups.schedule_saved", map[string]any{"Time": at, "Keep": keep}))
		})
}

func (s *backupSchedule) showResult(importance widget.Importance, text string) {
	s.result.Importance = importance
	s.result.SetText(text)
	s.result.Show()
}

// backupCheckText says why a backup failed its check. A damaged file is
// said in the reader's language; the store's detail ("page 7: unreachable
// unfreed") is in English and tells a duty officer nothing more.
func backupCheckText(err error) string {
	if app.ErrorCode(err) == app.ECORRUPT {
		return lang.L("backups.damaged")
	}
	return errorText(err)
}
