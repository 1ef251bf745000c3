// Package ui holds the desktop client's screens. It talks to the rest of the
// program only through the app service interfaces it is given, so every
// screen can be tested headless with in-memory services.
package ui

import (
	"context"
	"io"
	"net/url"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"

	"dutyroom/app"
	"dutyroom/app/alerts"
	"dutyroom/app/consult"
	"dutyroom/app/incident"
	"dutyroom/app/instruction"
	"dutyroom/app/message"
	"dutyroom/app/roster"
	"dutyroom/app/smsstatus"
	"dutyroom/app/spotcheck"
	"dutyroom/app/syncer"
	"dutyroom/app/villagereport"
	"dutyroom/app/warning"
	"dutyroom/assets"
)

// Version is shown in the settings screen; the build sets it.
var Version = "dev"

// LanguagePreference is the preferences key holding the language chosen in
// settings: assets.Chinese, assets.English, or "" to follow the system. The
// program reads it at start, before any text is translated, which is why a
// change needs a restart.
const LanguagePreference = "language"

// Services are the parts of the program the screens use.
type Services struct {
	Stations app.StationService
	Persons  app.PersonService
	Identity app.IdentityService
	Backup   app.BackupService
	Outbox   app.OutboxService
	// Backups are the automatic backups of the data folder: 设置 → 备份
	// lists and restores them, and so does the notice of a damaged file.
	// Without it neither offers them.
	Backups Backups
	// Rosters keeps duty rosters and the duty log. Without it the duty
	// screen says it is not available and the status bar names nobody.
	Rosters roster.Service
	// RosterImporter saves a roster read from a file; Notices keeps what
	// each person was told of changes to their duties. They are fields of
	// their own, not type assertions on Rosters, so that the wiring says
	// what the window can do. Without them the month view offers no import
	// and 我的值班 lists no notices.
	RosterImporter roster.Importer
	Notices        roster.NoticeService
	// Incidents keeps incidents, their reports and deadlines. Without it
	// the 接报 screen says it is not available.
	Incidents incident.Service
	// Documents numbers the bulletins this station issues (第N期). Without
	// it a report's document is previewed as a draft only.
	Documents app.DocumentNumbers
	// Instructions keeps leaders' instructions (批示), their tasks and
	// answers. Without it the 批示 screen says it is not available.
	Instructions instruction.Service
	// Messages keeps the messages, notices and direct reports between
	// duty rooms. Without it the 消息 screen says it is not available.
	Messages message.Service
	// MessageLimits are the limits Messages enforces, so the compose form
	// can state the attachment limit and refuse a file before reading it;
	// the zero value means the defaults, as it does for the store.
	MessageLimits message.Limits
	// IncidentFiles files a new incident with the contents of its
	// attachments in one step, all or nothing. Without it the intake form
	// saves incidents without attachments only.
	IncidentFiles func(ctx context.Context, inc *incident.Incident, files []IncidentFile) (incident.Assessment, []incident.ReportTask, error)
	// IncidentContents reads the contents of incidents' attachments and
	// how much of each has arrived. Without it the 附件 tab lists the
	// files without their state and cannot open them.
	IncidentContents incident.Contents
	// ReportFiles files a report with the contents of its attachments, as
	// IncidentFiles does for an incident. Without it the report dialog
	// offers no attachments.
	ReportFiles func(ctx context.Context, r *incident.Report, files []IncidentFile) ([]incident.ReportTask, error)
	// IncidentAlarms keeps the incidents from stations below that rang
	// here and who acknowledged them. The window rings at start and after
	// every sync for those nobody has acknowledged, and keeps each
	// acknowledgement there. Without it the alarm rings only for what
	// IncidentArrived is given, until the window closes.
	IncidentAlarms incident.Alarms
	// VillageReports keeps the reports of the villages' information
	// officers (村报) and their 核实. With it 接报 has a 村报 tab, and a new
	// report sounds the alarm like an intake from below.
	VillageReports villagereport.Service
	// OfficerAccounts sets up the phone accounts of villages' information
	// officers at the hub; with it 通讯录 offers 手机填报账号 on them.
	OfficerAccounts villagereport.Accounts
	// Warnings issues warnings and keeps their acknowledgements;
	// SpotChecks starts, answers and ranks spot checks. Without them the
	// 预警 and 查岗 screens say they are not available.
	Warnings   warning.Service
	SpotChecks spotcheck.Service
	// Consultations keeps video consultations and their roll calls;
	// Media is this station's seat in a consultation's video room.
	// Without Consultations the 会商 screen says it is not available.
	Consultations consult.Service
	Media         consult.Media
	// Alerts reads what the alert poll needs in one transaction; without
	// it the poll asks the services above one by one.
	Alerts alerts.Service
	// Devices chooses the camera, microphone and loudspeaker; without it
	// the consultation window offers no choice.
	Devices consult.Devices
	// TestCalls keeps the routine test-call schedule and results; with
	// it 会商 has a 例行测试 tab.
	TestCalls consult.TestCalls
	// JoinLinks asks the hub for one-time browser join links; with it the
	// host's consultation window offers 浏览器入会链接.
	JoinLinks consult.Links
	// RecordingLinks asks the hub for a link to a consultation's
	// recordings page; with it 会商记录 offers 观看.
	RecordingLinks consult.RecordingLinks
	// Alarm sounds while incidents from stations below wait to be
	// acknowledged, an orange or red warning waits for its
	// acknowledgement, or a spot check of this station for its answer;
	// nil means a beep through paplay or aplay, when either is installed.
	Alarm Alarm

	// Clock tells the time; nil means time.Now. Tests fix it so that "who
	// is on duty now" has one answer.
	Clock func() time.Time

	// Desk keeps who is signed in at this client (到岗签到). With it the
	// status bar offers 到岗签到 and 换人, and every change made through the
	// window carries the signed-in person (id and name) as its author.
	Desk roster.Desk

	// Author names who makes the changes done through the window while
	// nobody is signed in and the roster names no officer on duty now.
	// Optional.
	Author string

	// Hub is the connection to the prefecture's hub. Without it the window
	// works alone and the status bar says it is offline.
	Hub syncer.Hub

	// SMS asks the hub, online, what became of the SMS it sent about this
	// station's warnings, incidents and notices, and whether its SMS
	// gateway is down. Without it the window shows no SMS states.
	SMS smsstatus.Service
}

// IncidentFile is the content of an attachment filed with a new incident.
type IncidentFile struct {
	Name    string
	MIME    string
	Size    int64 // as the file system reports it, checked against the limit before reading
	Content io.Reader
}

// UI is the main window and the screens in it.
type UI struct {
	app fyne.App
	win fyne.Window
	svc Services
	// ctx is the context of every service call. Its author follows the
	// sign-in at the desk (desk.actor), so it is made once.
	ctx  context.Context
	desk *deskState

	nav    *navigation
	status *statusBar
	tray   *tray // nil until the navigation is built

	alertPoll    alertPoll          // the alert poll's state
	duty         *dutyScreen        // nil without a roster service
	incidents    *incidentScreen    // nil without an incident service
	messages     *messageScreen     // nil without a message service
	instructions *instructionScreen // nil without an instruction service
	alarm        *alarmBanner
	directory    *directoryScreen
	settings     *settingsScreen

	alarms     *sharedAlarm
	warnings   *warningScreen   // nil without a warning service
	warnBanner *warningBanner   // nil without a warning service
	spotChecks *spotCheckScreen // nil without a spot-check service
	spotPrompt *spotPrompt      // nil without a spot-check service

	consults    *consultScreen // nil without a consultation service
	consultRing *consultRing   // nil without a consultation service
	consultPlan *consultPlan   // nil without a consultation service
	room        *consultRoom   // the consultation window while open
	damage      *damageNotice  // the whole window once the data file is damaged
	reach       reachNotes     // the sending forms' lines on whether the hub is reachable (offline.go)

	// openURL hands a link (tel:, file:) to the system; tests replace it
	// to see what would have been opened.
	openURL func(*url.URL) error
}

// New builds the main window. Call it after assets.ChooseLanguage and
// assets.LoadTranslations, so every label is made in the chosen language.
func New(a fyne.App, svc Services) *UI {
	a.Settings().SetTheme(newTheme())
	a.SetIcon(assets.Icon)
	u := &UI{
		app:  a,
		win:  a.NewWindow(lang.L("app.title")),
		svc:  svc,
		desk: &deskState{fallback: svc.Author},
	}
	u.ctx = app.WithActorFunc(context.Background(), u.desk.actor)
	u.openURL = a.OpenURL
	u.win.SetIcon(assets.Icon)
	u.win.SetMaster()

	u.status = newStatusBar(u)
	if svc.Rosters != nil {
		u.status.onDuty = rosterOnDuty(svc, u.now)
		u.duty = newDutyScreen(u)
	}
	u.alarms = newSharedAlarm(svc.Alarm)
	u.alarm = newAlarmBanner(u)
	if svc.Warnings != nil {
		u.warnings = newWarningScreen(u)
		u.warnBanner = newWarningBanner(u)
	}
	if svc.SpotChecks != nil {
		u.spotChecks = newSpotCheckScreen(u)
		u.spotPrompt = newSpotPrompt(u)
	}
	if svc.Consultations != nil {
		u.consults = newConsultScreen(u)
		u.consultRing = newConsultRing(u)
		u.consultPlan = newConsultPlan(u)
	}
	if svc.Incidents != nil {
		u.incidents = newIncidentScreen(u)
	}
	if svc.Messages != nil {
		u.messages = newMessageScreen(u)
	}
	if svc.Instructions != nil {
		u.instructions = newInstructionScreen(u)
	}
	u.directory = newDirectoryScreen(u)
	u.settings = newSettingsScreen(u)
	u.nav = newNavigation(u, u.screens())
	u.tray = newTray(u)

	u.win.SetContent(u.layout())
	u.addShortcuts()
	u.sizeWindow()
	u.nav.open(startScreen)
	u.status.refresh()
	u.watchHub()
	u.pollAlerts()
	u.alarm.loadArrivals()
	if u.incidents != nil {
		u.incidents.pending.load()
		if u.incidents.village != nil {
			u.incidents.village.load()
		}
	}
	if u.messages != nil {
		u.messages.start()
	}
	if u.instructions != nil {
		u.instructions.checkDeadlines()
	}
	return u
}

// Window returns the main window.
func (u *UI) Window() fyne.Window { return u.win }

// ShowAndRun shows the window and runs the program until it is closed.
func (u *UI) ShowAndRun() {
	stop := make(chan struct{})
	go u.watchAlerts(stop)
	go u.tick(stop)
	go u.pollMessages(stop)
	u.win.ShowAndRun()
	close(stop)
	u.unwatchHub()
	u.alarms.silenceAll()
}

// tickInterval is how often the window looks at the clock: who is on duty
// changes at the handover, with nobody touching the window.
const tickInterval = time.Minute

func (u *UI) tick(stop <-chan struct{}) {
	t := time.NewTicker(tickInterval)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			fyne.Do(u.onTick)
		}
	}
}

func (u *UI) onTick() {
	u.status.refresh()
	if u.duty != nil {
		u.duty.onTick()
	}
	if u.incidents != nil {
		u.incidents.pending.load()
	}
	if u.instructions != nil {
		u.instructions.checkDeadlines()
	}
}

// now is the time every screen goes by.
func (u *UI) now() time.Time {
	if u.svc.Clock != nil {
		return u.svc.Clock()
	}
	return time.Now()
}

// SetOnDuty replaces the status bar's source of who is on duty now. New
// reads it from Services.Rosters; without one, and until one is set, the
// bar says that nobody is rostered.
func (u *UI) SetOnDuty(f OnDutyFunc) {
	u.status.onDuty = f
	u.status.refresh()
}

// changed is called after every change made through the screens, so
// everything that summarises the data (the queue length, who is on duty)
// catches up.
func (u *UI) changed() {
	u.kickHub()
	u.status.refresh()
	if u.duty != nil {
		u.duty.refresh()
	}
	if u.incidents != nil {
		u.incidents.refresh()
	}
	if u.instructions != nil {
		u.instructions.checkDeadlines()
	}
	u.alertsChanged()
}

// showError tells about a failed action that has no form to show it in.
func (u *UI) showError(err error) {
	u.showMessage(lang.L("error.title"), errorText(err))
}

// showMessage shows a short message in a dialog with one button; Enter
// and Escape close it too.
func (u *UI) showMessage(title, text string) {
	showKeyedMessage(u.win, title, text, lang.L("action.ok"))
}
