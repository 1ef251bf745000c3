package main

import (
	"context"
	"errors"
	"log"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"fyne.io/fyne/v2"
	fyneapp "fyne.io/fyne/v2/app"

	"dutyroom/app"
	"dutyroom/app/consult"
	"dutyroom/app/incident"
	"dutyroom/app/smsstatus"
	"dutyroom/app/spotcheck"
	"dutyroom/app/syncer"
	"dutyroom/app/wire"
	"dutyroom/assets"
	"dutyroom/store"
	"dutyroom/ui"
)

// appID names the application to the desktop (preferences folder, .desktop
// file); it must match FyneApp.toml because a plain go build does not read it.
const appID = "cn.dutyroom.client"

// runWindow opens the store, seeds the demo if asked, starts syncing (and
// the in-process hub with -serve), and runs the window until it is closed
// or the process gets SIGINT/SIGTERM. The engine stops before the window
// quits, and the hub and the store after it: the engine's last writes must
// land in an open store. The store is closed on every path, so the next
// start finds a clean file.
func (m *Main) runWindow() error {
	if err := os.MkdirAll(m.DataDir, 0o700); err != nil {
		return app.Errorf(app.EINVALID, "cannot create the data folder %s: %v", m.DataDir, err)
	}
	// A restore chosen in 设置 → 备份 is done now, before anyone holds
	// the file; a refused one leaves the file as it was.
	if restored, err := store.RestorePending(m.DataDir); err != nil {
		log.Printf("the restore chosen last time was not done: %v", err)
	} else if restored != "" {
		log.Printf("restored %s from %s", filepath.Join(m.DataDir, store.FileName), restored)
	}
	db, err := m.open()
	if app.ErrorCode(err) == app.ECORRUPT {
		// A damaged file: the window shows what happened and offers the
		// automatic backups instead of vanishing.
		a := fyneapp.NewWithID(appID)
		assets.ChooseLanguage(a.Preferences().String("language"))
		if lerr := assets.LoadTranslations(); lerr != nil {
			return errors.Join(err, lerr)
		}
		ui.ShowDamageAndRun(a, err, folderBackups{dir: m.DataDir})
		return err
	}
	if err != nil {
		return err
	}
	ctx := app.WithAuthor(context.Background(), authorName())

	// Automatic backups run for the whole life of the window and stop
	// (an unfinished one leaving nothing behind) before the store closes.
	backups := newAutoBackups(db, m.DataDir, slog.Default())
	backupCtx, cancelBackups := context.WithCancel(ctx)
	backedUp := make(chan struct{})
	go func() {
		defer close(backedUp)
		backups.run(backupCtx)
	}()
	stopBackups := func() {
		cancelBackups()
		<-backedUp
	}
	defer stopBackups()
	if m.Demo {
		seed := seedIfEmpty
		if m.Serve != "" {
			// The in-process hub takes its tree from this folder; seeded
			// as the hub will know it, nothing is queued that the hub
			// would refuse as known.
			seed = func(ctx context.Context, db *store.DB) (bool, error) { return seedSharedDemo(ctx, db, demoPrefecture) }
		}
		seeded, err := seed(ctx, db)
		if err != nil {
			return err
		}
		if seeded {
			if err := seedDemoRosters(ctx, db, time.Now()); err != nil {
				return err
			}
			log.Printf("seeded %s with the demo prefecture and this month's rosters", db.Path())
		}
	}

	// Consultation signalling arrives on the hub connection; the media
	// engine starts once that connection's client exists.
	media := &roomMedia{log: slog.Default()}
	links := &linkIssuer{consult: store.NewConsultations(db), identity: store.NewIdentity(db)}
	m.engine.OnSignal = func(env wire.Envelope) {
		if !links.route(env) {
			media.handleSignal(env)
		}
	}
	hubc, err := m.hubClient(db, slog.Default())
	if app.ErrorCode(err) == app.ECORRUPT {
		// The duty room must open all the same; the hub is set again in
		// 设置 → 联网, and the damaged file is kept for whoever looks.
		file := syncer.DefaultHubFile(m.DataDir)
		if err := os.Rename(file, file+".damaged"); err != nil {
			return err
		}
		log.Printf("%s; kept as %s.damaged, the window starts without a hub", app.ErrorMessage(err), file)
		hubc, err = m.hubClient(db, slog.Default())
	}
	if err != nil {
		return err
	}
	links.signal, links.addr = hubc, func() string { return hubc.Config().Addr }
	self := app.NilID
	if me, err := store.NewIdentity(db).Identity(ctx); err == nil {
		self = me.ID
	}
	// The hub's lists of recorded files of consultations hosted here go
	// on their records, and on to the invited stations.
	media.saveRecordings = func(l consult.Recordings) error {
		if err := store.NewConsultations(db).SaveRecordings(ctx, l); err != nil {
			return err
		}
		hubc.Kick()
		return nil
	}
	if err := media.start(hubc, self); err != nil {
		log.Printf("video consultations are not available: %v", err)
	}
	var local *localHub
	stopSync := func() {
		media.close()
		hubc.Close()
		if local != nil {
			if err := local.stop(); err != nil {
				log.Printf("the in-process hub: %v", err)
			}
		}
	}
	defer stopSync()
	if m.Serve != "" {
		if local, err = m.serveHub(ctx, m.Serve, db, hubc, slog.Default()); err != nil {
			return err
		}
	} else {
		hubc.Start()
	}

	// The checks this station starts are judged missed at their deadline
	// whether or not anyone has 查岗 open, so the sweep runs for the whole
	// life of the window; it stops before the engine and the store.
	sweepCtx, cancelSweeps := context.WithCancel(ctx)
	swept := make(chan struct{})
	go func() {
		defer close(swept)
		spotcheck.RunSweeps(sweepCtx, store.NewSpotChecks(db), 0, nil, func(n int, err error) {
			if err != nil {
				log.Printf("spot-check sweep: %v", err)
				return
			}
			hubc.Kick() // the misses go up now, not at the engine's next poll
		})
	}()
	stopSweeps := func() {
		cancelSweeps()
		<-swept
	}
	defer stopSweeps()

	// Routine test calls run for the whole life of the window too, and
	// stop before the media engine and the store.
	testCtx, cancelTests := context.WithCancel(ctx)
	tested := make(chan struct{})
	go func() {
		defer close(tested)
		(&consult.TestCaller{
			Calls: store.NewTestCalls(db), Consult: store.NewConsultations(db),
			Media: media, Kick: hubc.Kick, Now: time.Now,
		}).Run(testCtx)
	}()
	stopTests := func() {
		cancelTests()
		<-tested
	}
	defer stopTests()

	a := fyneapp.NewWithID(appID)
	assets.ChooseLanguage(a.Preferences().String("language"))
	if err := assets.LoadTranslations(); err != nil {
		return err
	}
	ui.Version = Version
	svc := windowServices(db, hubc)
	svc.Rosters = backupAtHandover{Service: svc.Rosters, backups: backups}
	svc.Backups = folderBackups{dir: m.DataDir, db: db}
	// Attachment contents a crash left owed to other duty rooms go out
	// now; those that fail stay owed for the next start.
	if _, err := store.NewIncidents(db).SendContents(context.Background()); err != nil {
		log.Printf("attachment contents for other duty rooms stay queued: %v", err)
	}
	svc.Consultations, svc.Media = store.NewConsultations(db), media
	if media.devices != nil {
		svc.Devices = media.devices
	}
	svc.TestCalls = store.NewTestCalls(db)
	svc.JoinLinks = links
	svc.RecordingLinks = links
	u := ui.New(a, svc)
	db.OnDamage(func(err error) { fyne.Do(func() { u.ShowDamage(err) }) })

	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		s := <-sig
		log.Printf("received %s, closing", s)
		hubc.Close()
		fyne.Do(a.Quit)
	}()
	u.ShowAndRun()
	signal.Stop(sig)
	stopTests()
	stopSweeps()
	stopSync()
	stopBackups()
	return m.Close()
}

// incidentFiles lets the intake form file an incident with its
// attachments in one transaction, through the store's own file type,
// which the ui package may not name.
// windowServices wires the store and the sync client into the screens.
func windowServices(db *store.DB, hubc *syncer.Client) ui.Services {
	dir := store.NewDirectory(db)
	rosters := store.NewRosters(db)
	incidents := store.NewIncidents(db)
	messages := store.NewMessages(db)
	svc := ui.Services{
		Stations:       dir,
		Persons:        dir,
		Identity:       store.NewIdentity(db),
		Backup:         db,
		Outbox:         db,
		Rosters:        rosters,
		RosterImporter: rosters,
		Notices:        rosters,
		Incidents:      incidents,
		Documents:      store.NewDocuments(db),
		IncidentFiles:  incidentFiles(incidents),
		IncidentAlarms: incidents,
		Warnings:       store.NewWarnings(db),
		SpotChecks:     store.NewSpotChecks(db),
		Alerts:         store.NewAlerts(db),
		Messages:       messages,
		MessageLimits:  messages.Limits,
		Desk:           store.NewDesk(db),
		Author:         authorName(),
		Hub:            hubc,
	}
	svc.IncidentContents, svc.ReportFiles = incidents, reportFiles(incidents)
	svc.Instructions = store.NewInstructions(db)
	svc.SMS = smsstatus.New(hubc) // asked online: the states live at the hub
	svc.VillageReports = store.NewVillageReports(db, incidents)
	svc.OfficerAccounts = officerAccounts(hubc)
	return svc
}

// reportFiles does the same for a report.
func reportFiles(s *store.Incidents) func(context.Context, *incident.Report, []ui.IncidentFile) ([]incident.ReportTask, error) {
	return func(ctx context.Context, r *incident.Report, files []ui.IncidentFile) ([]incident.ReportTask, error) {
		out := make([]store.File, len(files))
		for i, f := range files {
			out[i] = store.File(f)
		}
		return s.AddReportWithFiles(ctx, r, out)
	}
}

func incidentFiles(s *store.Incidents) func(context.Context, *incident.Incident, []ui.IncidentFile) (incident.Assessment, []incident.ReportTask, error) {
	return func(ctx context.Context, inc *incident.Incident, files []ui.IncidentFile) (incident.Assessment, []incident.ReportTask, error) {
		out := make([]store.File, len(files))
		for i, f := range files {
			out[i] = store.File(f)
		}
		return s.CreateIncidentWithFiles(ctx, inc, out)
	}
}
