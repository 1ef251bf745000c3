package ui

import (
	"context"
	"strings"
	"sync"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"dutyroom/app"
	"dutyroom/app/incident"
	"dutyroom/app/roster"
)

// fakeDesk keeps the sign-in as the store does: a person of this station
// only, and a duty-log entry signed by them.
type fakeDesk struct {
	f  *fakeStore
	mu sync.Mutex
	in *roster.SignIn
}

func (d *fakeDesk) SignedIn(context.Context) (roster.SignIn, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.in == nil {
		return roster.SignIn{}, app.Errorf(app.ENOTFOUND, "nobody is signed in")
	}
	return *d.in, nil
}

func (d *fakeDesk) SignIn(ctx context.Context, person app.ID, e roster.LogEntry) (roster.SignIn, error) {
	p, ok := d.f.person(person)
	if !ok {
		return roster.SignIn{}, app.Errorf(app.ENOTFOUND, "no person %s", person)
	}
	if p.Station != d.f.identity {
		return roster.SignIn{}, app.FieldErrorf("person", "%s is not of this station", p.Name)
	}
	s := roster.SignIn{Person: p, At: d.f.clock()}
	e.Station, e.At = d.f.identity, s.At
	if err := d.f.rosters.AddLogEntry(app.WithActor(ctx, s.Actor()), &e); err != nil {
		return roster.SignIn{}, err
	}
	d.mu.Lock()
	d.in = &s
	d.mu.Unlock()
	return s, nil
}

// openDeskUI opens the duty screen's tab with a desk to sign in at.
func openDeskUI(t *testing.T, d *dutyDemo, tab int) (*UI, *fakeDesk) {
	t.Helper()
	desk := &fakeDesk{f: d.store}
	svc := d.store.services()
	svc.Desk = desk
	u := New(test.NewTempApp(t), svc)
	t.Cleanup(u.win.Close)
	u.duty.tabs.SelectIndex(tab)
	return u, desk
}

// signInAs opens the dialog from the status bar, searches for name, and
// signs that person in.
func signInAs(t *testing.T, u *UI, name string) *signInDialog {
	t.Helper()
	test.Tap(u.status.signIn)
	dlg := u.status.signInDialog
	if dlg == nil {
		t.Fatal("the status bar's button opened no sign-in dialog")
	}
	test.Type(dlg.search, name)
	if len(dlg.shown) != 1 || dlg.shown[0].person.Name != name {
		t.Fatalf("searching %q shows %v", name, dlg.shown)
	}
	dlg.list.Select(0)
	test.Tap(dlg.ok)
	return dlg
}

// Before anyone signs in, the status bar names the officer the roster
// puts on duty as the author and asks for a sign-in; the dialog lists
// today's officer first. After the sign-in every change made through the
// window carries the signed-in person (id and name), the duty log says
// who took the desk, and an entry written then shows their name.
func TestSignInAtTheDeskSignsEveryRecordAndTheLog(t *testing.T) {
	d := newDutyDemo(t, "2026-10-03 09:00")
	d.put("2026-10-03", officer0, d.wu)
	d.put("2026-10-03", leader0, d.sun)
	u, _ := openDeskUI(t, d, 0)

	if got := u.status.who.Text; got != "未签到 · 记录署名：吴值班（按排班）" {
		t.Errorf("status before the sign-in: %q", got)
	}
	if u.status.signIn.Text != "到岗签到" || u.status.signIn.Importance != widget.HighImportance {
		t.Errorf("the sign-in button: %q", u.status.signIn.Text)
	}
	if a := app.ActorFrom(u.ctx); a.ID != d.wu.ID || a.Name != "吴值班" {
		t.Errorf("the author with nobody signed in: %+v, want the rostered officer", a)
	}

	test.Tap(u.status.signIn)
	dlg := u.status.signInDialog
	var order []string
	for _, c := range dlg.shown {
		order = append(order, c.person.Name)
	}
	if len(order) < 2 || order[0] != "吴值班" || order[1] != "孙局长" {
		t.Errorf("today's officer, then today's leader, do not come first: %v", order)
	}
	for _, c := range dlg.shown {
		if c.person.Station != d.jishou.ID {
			t.Errorf("the dialog offers %s of another station", c.person.Name)
		}
	}
	if !dlg.ok.Disabled() {
		t.Error("the dialog can sign in before anyone is chosen")
	}
	dlg.dlg.Hide()

	signInAs(t, u, "陈值班")
	if got := u.status.who.Text; got != "值守：陈值班（09:00 签到）" || u.status.signIn.Text != "换人" {
		t.Errorf("status after the sign-in: %q, button %q", got, u.status.signIn.Text)
	}
	if a := app.ActorFrom(u.ctx); a.ID != d.chen.ID || a.Name != "陈值班" {
		t.Errorf("the author after the sign-in: %+v", a)
	}
	entries, _ := d.store.rosters.LogEntries(u.ctx, d.jishou.ID, date(t, "2026-10-03"))
	if len(entries) != 1 || entries[0].Text != "到岗签到：陈值班 在岗值守" || entries[0].Author != "陈值班" {
		t.Fatalf("the duty log after the sign-in: %+v", entries)
	}

	// An entry written now is the signed-in officer's, in the list too.
	p := u.duty.today
	p.logKind.SetSelected("来电来报")
	test.Type(p.logText, "泸溪县报告道路塌方")
	p.logText.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	entries, _ = d.store.rosters.LogEntries(u.ctx, d.jishou.ID, date(t, "2026-10-03"))
	if len(entries) != 2 || entries[1].Author != "陈值班" {
		t.Fatalf("the entry written after the sign-in: %+v", entries)
	}
	if !hasText(p.log, "泸溪县报告道路塌方") || strings.Count(strings.Join(texts(p.log), "|"), "|陈值班") != 2 {
		t.Errorf("the log list does not show the author: %v", texts(p.log))
	}
}

// 换人 puts another officer at the desk; the log says who took over from
// whom, and the author follows.
func TestChangeOfOfficerIsLoggedAndTheAuthorFollows(t *testing.T) {
	d := newDutyDemo(t, "2026-10-03 09:00")
	d.put("2026-10-03", officer0, d.chen)
	u, _ := openDeskUI(t, d, 0)
	signInAs(t, u, "陈值班")
	d.setClock(t, "2026-10-03 13:30")

	test.Tap(u.status.signIn)
	dlg := u.status.signInDialog
	if dlg.ok.Text != "接替值守" || !strings.Contains(dlg.hint.Text, "现由 陈值班 值守") {
		t.Errorf("the change dialog: ok %q, hint %q", dlg.ok.Text, dlg.hint.Text)
	}
	dlg.dlg.Hide()
	signInAs(t, u, "吴值班")

	if a := app.ActorFrom(u.ctx); a.ID != d.wu.ID {
		t.Errorf("the author after 换人: %+v", a)
	}
	if got := u.status.who.Text; got != "值守：吴值班（13:30 签到）" {
		t.Errorf("status after 换人: %q", got)
	}
	entries, _ := d.store.rosters.LogEntries(u.ctx, d.jishou.ID, date(t, "2026-10-03"))
	if len(entries) != 2 || entries[1].Text != "换人：吴值班 接替 陈值班 值守" || entries[1].Author != "吴值班" {
		t.Fatalf("the duty log after 换人: %+v", entries)
	}
}

// Signed in, 我的值班 is the officer's own: no picker, their duties, and a
// badge that counts only their unread notices, not the station's.
func TestMyDutyIsTheSignedInOfficers(t *testing.T) {
	d := newDutyDemo(t, "2026-10-03 09:00")
	d.put("2026-10-05", officer0, d.chen)
	d.store.rosters.putNotice(roster.Notice{Person: d.chen.ID, Station: d.jishou.ID, Kind: roster.NoticeChanged, Message: "10月5日 值班员"})
	d.store.rosters.putNotice(roster.Notice{Person: d.wu.ID, Station: d.jishou.ID, Kind: roster.NoticeChanged, Message: "10月6日 值班员"})
	d.store.rosters.putNotice(roster.Notice{Person: d.wu.ID, Station: d.jishou.ID, Kind: roster.NoticeChanged, Message: "10月7日 值班员"})
	u, _ := openDeskUI(t, d, 2)
	if got := u.duty.tabs.Items[2].Text; got != "我的值班（3 条未读）" {
		t.Errorf("the badge with nobody signed in: %q, want the station's", got)
	}
	if !u.duty.mine.personSel.Visible() {
		t.Error("with nobody signed in 我的值班 offers no picker")
	}

	signInAs(t, u, "陈值班")
	u.duty.tabs.SelectIndex(2)
	m := u.duty.mine
	if m.personSel.Visible() || !m.signedIn.Visible() || m.signedIn.Text != "陈值班（已签到）" {
		t.Errorf("我的值班 after the sign-in: picker %v, label %q", m.personSel.Visible(), m.signedIn.Text)
	}
	if m.person != d.chen.ID || len(m.data.upcoming) != 1 || len(m.data.notices) != 1 {
		t.Errorf("我的值班 shows %s with %d duties, %d notices", m.person, len(m.data.upcoming), len(m.data.notices))
	}
	if got := u.duty.tabs.Items[2].Text; got != "我的值班（1 条未读）" {
		t.Errorf("the badge after the sign-in: %q, want only 陈值班's", got)
	}
}

// A person of another station cannot sign in here; the dialog says why
// and nothing changes.
func TestSignInRefusesAnotherStationsPerson(t *testing.T) {
	d := newDutyDemo(t, "2026-10-03 09:00")
	u, desk := openDeskUI(t, d, 0)
	test.Tap(u.status.signIn)
	dlg := u.status.signInDialog
	// The dialog offers only this station's people; a stale list could
	// still hold someone who moved, so the service is the judge.
	dlg.data.choices = append(dlg.data.choices, signInChoice{person: d.lin})
	dlg.filter()
	test.Type(dlg.search, "林值班")
	dlg.list.Select(0)
	test.Tap(dlg.ok)
	if !dlg.err.Visible() || dlg.err.Text == "" {
		t.Error("the refusal is not shown")
	}
	if in, _ := desk.SignedIn(context.Background()); in.Person.ID != app.NilID {
		t.Errorf("signed in after a refusal: %+v", in)
	}
	entries, _ := d.store.rosters.LogEntries(u.ctx, d.jishou.ID, date(t, "2026-10-03"))
	if len(entries) != 0 {
		t.Errorf("a refused sign-in wrote the log: %+v", entries)
	}
}

// An incident taken by the officer signed in at the desk names them in its
// record and on the view's timeline.
func TestIncidentTimelineNamesTheSignedInOfficer(t *testing.T) {
	d := newIncidentDemo(t, "2026-10-03 03:00")
	officer := d.store.addPerson(d.jishou.ID, "田值班", "科员", "13700000031", "", app.RoleOfficer)
	desk := &fakeDesk{f: d.store}
	svc := d.services()
	svc.Desk = desk
	u := New(test.NewTempApp(t), svc)
	t.Cleanup(u.win.Close)
	u.win.Resize(fyne.NewSize(1280, 800))
	signInAs(t, u, "田值班")
	u.nav.open("incidents")

	f := u.incidents.form
	test.Type(f.reporterName, "王五")
	test.Type(f.reporterPhone, "13800000000")
	fill(t, f, incident.RoadTraffic)
	test.Tap(f.save)
	inc := d.svc.only()
	if inc == nil || inc.CreatedBy != "田值班" {
		t.Fatalf("saved %+v", inc)
	}
	if a := app.ActorFrom(u.ctx); a.ID != officer.ID {
		t.Errorf("the window's author: %+v", a)
	}
	v := u.incidents.view
	v.tabs.SelectIndex(2)
	rows := listRows(v.timeline)
	if len(rows) == 0 || !strings.Contains(strings.Join(texts(rows[0]), " | "), "田值班") {
		t.Errorf("the timeline does not name the officer: %v", texts(v.timeline))
	}
}

// The rostered officer checking in at their post on 今日值班 takes the
// desk; the leader checking in does not.
func TestOfficerCheckingInAtThePostSignsIn(t *testing.T) {
	d := newDutyDemo(t, "2026-10-03 09:00")
	d.put("2026-10-03", leader0, d.sun)
	d.put("2026-10-03", officer0, d.chen)
	u, desk := openDeskUI(t, d, 0)
	p := u.duty.today
	buttons := checkInButtons(p)
	if len(buttons) != 2 {
		t.Fatalf("%d check-in buttons", len(buttons))
	}
	test.Tap(buttons[0]) // the leader's
	if in, _ := desk.SignedIn(context.Background()); in.Person.ID != app.NilID {
		t.Fatalf("the leader's check-in took the desk: %+v", in)
	}
	test.Tap(checkInButtons(p)[0]) // the officer's
	if in, _ := desk.SignedIn(context.Background()); in.Person.ID != d.chen.ID {
		t.Fatalf("the officer's check-in did not take the desk: %+v", in)
	}
	if a := app.ActorFrom(u.ctx); a.ID != d.chen.ID || u.status.signIn.Text != "换人" {
		t.Errorf("after the officer's check-in: author %+v, button %q", a, u.status.signIn.Text)
	}
}
