package ui

import (
	"fmt"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/widget"

	"dutyroom/app"
	"dutyroom/assets"
)

// settingsScreen is 设置: which station this client is, the hub it syncs
// with, the language, where the data lives and how to back it up, and the
// version.
type settingsScreen struct {
	u *UI

	identity       *widget.Label
	chooseIdentity *widget.Button
	identityError  *widget.Label
	language       *widget.RadioGroup
	languageNote   *widget.Label
	dataPath       *widget.Label
	backup         *widget.Button
	backupResult   *widget.Label
	version        *widget.Label
	hub            *hubSettings
	backups        *backupList     // nil without automatic backups
	schedule       *backupSchedule // nil without automatic backups
	content        fyne.CanvasObject

	// languageValues maps the radio options back to preference values.
	languageValues map[string]string
}

func newSettingsScreen(u *UI) *settingsScreen {
	s := &settingsScreen{u: u}

	s.identity = widget.NewLabel("")
	s.identity.TextStyle.Bold = true
	s.identity.Wrapping = fyne.TextWrapWord
	s.chooseIdentity = widget.NewButton(lang.L("settings.choose_station"), s.onChooseIdentity)
	s.identityError = errorLabel()
	identityHint := hintLabel(lang.L("settings.station_hint"))

	system, chinese, english := lang.L("settings.language_system"), lang.L("settings.language_zh"), lang.L("settings.language_en")
	s.languageValues = map[string]string{system: "", chinese: assets.Chinese, english: assets.English}
	s.language = widget.NewRadioGroup([]string{system, chinese, english}, nil)
	s.language.Required = true
	switch u.app.Preferences().String(LanguagePreference) {
	case assets.Chinese:
		s.language.SetSelected(chinese)
	case assets.English:
		s.language.SetSelected(english)
	default:
		s.language.SetSelected(system)
	}
	s.language.OnChanged = s.onLanguageChanged
	s.languageNote = hintLabel(lang.L("settings.language_restart"))

	path := ""
	if u.svc.Backup != nil {
		path = u.svc.Backup.Path()
	}
	s.dataPath = widget.NewLabel(path)
	s.dataPath.Selectable = true
	s.dataPath.Wrapping = fyne.TextWrapBreak
	s.backup = widget.NewButton(lang.L("settings.backup"), s.onBackup)
	s.backup.Importance = widget.HighImportance
	s.backupResult = widget.NewLabel("")
	s.backupResult.Wrapping = fyne.TextWrapWord
	s.backupResult.Hide()
	backupHint := hintLabel(lang.L("settings.backup_hint"))

	s.version = widget.NewLabel(lang.L("settings.version", map[string]any{"Version": Version}))
	s.hub = newHubSettings(u)

	cards := []fyne.CanvasObject{
		widget.NewCard(lang.L("settings.station"), "", container.NewVBox(
			container.NewBorder(nil, nil, nil, s.chooseIdentity, s.identity), s.identityError, identityHint)),
		s.hub.content,
		widget.NewCard(lang.L("settings.language"), "", container.NewVBox(s.language, s.languageNote)),
		widget.NewCard(lang.L("settings.data"), "", container.NewVBox(
			widget.NewLabel(lang.L("settings.data_file")), s.dataPath,
			container.NewHBox(s.backup), backupHint, s.backupResult)),
	}
	if u.svc.Backups != nil {
		s.backups = newBackupList(u.win, u.svc.Backups)
		s.schedule = newBackupSchedule(u.svc.Backups)
		cards = append(cards, widget.NewCard(lang.L("backups.title"), lang.L("backups.subtitle"),
			container.NewVBox(s.schedule.content, widget.NewSeparator(), s.backups.content)))
	}
	cards = append(cards, widget.NewCard(lang.L("settings.about"), "", s.version))
	s.content = container.NewVScroll(container.NewVBox(cards...))
	return s
}

func hintLabel(text string) *widget.Label {
	l := widget.NewLabel(text)
	l.Importance = widget.LowImportance
	l.Wrapping = fyne.TextWrapWord
	return l
}

// build is the navigation's constructor.
func (s *settingsScreen) build() fyne.CanvasObject {
	s.loadIdentity()
	if s.backups != nil {
		s.backups.load()
		s.schedule.load()
	}
	return s.content
}

func (s *settingsScreen) loadIdentity() {
	ctx, svc := s.u.ctx, s.u.svc
	runAsync(func() (string, error) {
		me, err := svc.Identity.Identity(ctx)
		if err != nil {
			return "", err
		}
		stations, err := svc.Stations.Stations(ctx)
		if err != nil {
			return me.Name, nil
		}
		return app.NewTree(stations).Path(me.ID), nil
	}, s.onIdentityLoaded)
}

func (s *settingsScreen) onIdentityLoaded(path string, err error) {
	switch {
	case err == nil:
		s.identity.SetText(path)
	case app.ErrorCode(err) == app.ENOTFOUND:
		s.identity.SetText(lang.L("settings.no_station"))
	default:
		s.identity.SetText(errorText(err))
	}
}

func (s *settingsScreen) onChooseIdentity() {
	ctx, svc := s.u.ctx, s.u.svc
	type choice struct {
		tree    *app.Tree
		current app.ID
	}
	runAsync(func() (choice, error) {
		stations, err := svc.Stations.Stations(ctx)
		if err != nil {
			return choice{}, err
		}
		sortStations(stations)
		c := choice{tree: app.NewTree(stations)}
		if me, err := svc.Identity.Identity(ctx); err == nil {
			c.current = me.ID
		}
		return c, nil
	}, func(c choice, err error) {
		if err != nil {
			s.u.showError(err)
			return
		}
		if len(c.tree.Children(app.NilID)) == 0 {
			s.u.showMessage(lang.L("settings.station"), lang.L("settings.no_stations_yet"))
			return
		}
		newStationPicker(s.u.win, c.tree, lang.L("settings.choose_station"), c.current, s.onIdentityChosen).show()
	})
}

func (s *settingsScreen) onIdentityChosen(st *app.Station) {
	ctx, svc, id := s.u.ctx, s.u.svc.Identity, st.ID
	s.identityError.Hide()
	runAsync(func() (struct{}, error) { return struct{}{}, svc.SetIdentity(ctx, id) },
		func(_ struct{}, err error) {
			if err != nil {
				s.identityError.SetText(errorText(err))
				s.identityError.Show()
				return
			}
			s.loadIdentity()
			s.u.changed()
		})
}

func (s *settingsScreen) onLanguageChanged(option string) {
	s.u.app.Preferences().SetString(LanguagePreference, s.languageValues[option])
	s.languageNote.Importance = widget.WarningImportance
	s.languageNote.Refresh()
}

func (s *settingsScreen) onBackup() {
	d := dialog.NewFileSave(s.onBackupTarget, s.u.win)
	d.SetFileName(backupFileName(time.Now()))
	showFileDialog(d, s.u.win)
}

// backupFileName names a backup by the moment it was taken, so a folder of
// backups sorts by age.
func backupFileName(t time.Time) string {
	return "dutyroom-backup-" + t.Format("20060102-1504") + ".db"
}

func (s *settingsScreen) onBackupTarget(w fyne.URIWriteCloser, err error) {
	if err != nil {
		s.u.showError(err)
		return
	}
	if w == nil {
		return // cancelled
	}
	s.backupTo(w)
}

// backupTo writes the backup to w and closes it. A failed backup removes the
// file, so nothing that looks like a backup is left holding half of one.
func (s *settingsScreen) backupTo(w fyne.URIWriteCloser) {
	s.backup.Disable()
	s.backupResult.Importance = widget.MediumImportance
	s.backupResult.SetText(lang.L("settings.backup_running"))
	s.backupResult.Show()
	ctx, svc, backups := s.u.ctx, s.u.svc.Backup, s.u.svc.Backups
	runAsync(func() (int64, error) {
		n, err := svc.Backup(ctx, w)
		if cerr := w.Close(); err == nil && cerr != nil {
			err = app.Errorf(app.EINTERNAL, "cannot finish writing the backup: %v", cerr)
		}
		// A copy that does not check clean is no backup: the data file is
		// damaged, and a file that looks like a backup must not be left.
		if err == nil && backups != nil && w.URI().Scheme() == "file" {
			err = backups.Check(w.URI().Path())
		}
		if err != nil {
			_ = storage.Delete(w.URI())
		}
		return n, err
	}, func(n int64, err error) { s.onBackupDone(w.URI(), n, err) })
}

func (s *settingsScreen) onBackupDone(uri fyne.URI, n int64, err error) {
	s.backup.Enable()
	if err != nil {
		s.backupResult.Importance = widget.DangerImportance
		s.backupResult.SetText(lang.L("settings.backup_failed", map[string]any{"Error": errorText(err)}))
		return
	}
	s.backupResult.Importance = widget.SuccessImportance
	s.backupResult.SetText(lang.L("settings.backup_done", map[string]any{"Size": byteSize(n), "Path": uri.Path()}))
}

// byteSize writes a file size the way people read it.
func byteSize(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
