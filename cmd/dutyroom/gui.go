package main

import (
	"context"
	"log"
	"os"
	"os/signal"
	"syscall"

	"fyne.io/fyne/v2"
	fyneapp "fyne.io/fyne/v2/app"

	"dutyroom/app"
	"dutyroom/app/incident"
	"dutyroom/assets"
	"dutyroom/store"
	"dutyroom/ui"
)

// appID names the application to the desktop (preferences folder, .desktop
// file); it must match FyneApp.toml because a plain go build does not read it.
const appID = "cn.dutyroom.client"

// runWindow opens the store, seeds the demo if asked, and runs the window
// until it is closed or the process gets SIGINT/SIGTERM. The store is closed
// on every path, so the next start finds a clean file.
func (m *Main) runWindow() error {
	if err := os.MkdirAll(m.DataDir, 0o700); err != nil {
		return app.Errorf(app.EINVALID, "cannot create the data folder %s: %v", m.DataDir, err)
	}
	db, err := m.open()
	if err != nil {
		return err
	}
	ctx := app.WithAuthor(context.Background(), authorName())
	if m.Demo {
		seeded, err := seedIfEmpty(ctx, db)
		if err != nil {
			return err
		}
		if seeded {
			log.Printf("seeded %s with the demo prefecture", db.Path())
		}
	}

	a := fyneapp.NewWithID(appID)
	assets.ChooseLanguage(a.Preferences().String("language"))
	if err := assets.LoadTranslations(); err != nil {
		return err
	}
	ui.Version = Version
	dir := store.NewDirectory(db)
	rosters := store.NewRosters(db)
	incidents := store.NewIncidents(db)
	u := ui.New(a, ui.Services{
		Stations:       dir,
		Persons:        dir,
		Identity:       store.NewIdentity(db),
		Backup:         db,
		Outbox:         db,
		Rosters:        rosters,
		RosterImporter: rosters,
		Notices:        rosters,
		Incidents:      incidents,
		IncidentFiles:  incidentFiles(incidents),
		Author:         authorName(),
	})

	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		s := <-sig
		log.Printf("received %s, closing", s)
		fyne.Do(a.Quit)
	}()
	u.ShowAndRun()
	signal.Stop(sig)
	return m.Close()
}

// incidentFiles lets the intake form file an incident with its
// attachments in one transaction, through the store's own file type,
// which the ui package may not name.
func incidentFiles(s *store.Incidents) func(context.Context, *incident.Incident, []ui.IncidentFile) (incident.Assessment, []incident.ReportTask, error) {
	return func(ctx context.Context, inc *incident.Incident, files []ui.IncidentFile) (incident.Assessment, []incident.ReportTask, error) {
		out := make([]store.File, len(files))
		for i, f := range files {
			out[i] = store.File(f)
		}
		return s.CreateIncidentWithFiles(ctx, inc, out)
	}
}
