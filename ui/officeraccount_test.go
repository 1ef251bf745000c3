package ui

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"dutyroom/app"
	"dutyroom/app/villagereport"
	"dutyroom/app/wire"
	"dutyroom/assets"
)

var errHubDown = errors.New("not connected to the hub")

// fakeOfficerHub is the hub's side of officer.account, as the request
// function the window is given sees it.
type fakeOfficerHub struct {
	sent   []wire.OfficerAccount
	down   bool
	refuse *wire.Error
}

func (h *fakeOfficerHub) request(_ context.Context, typ string, data any) (wire.Envelope, error) {
	if h.down {
		return wire.Envelope{}, errHubDown
	}
	if h.refuse != nil {
		return wire.Envelope{}, h.refuse
	}
	req := data.(wire.OfficerAccount)
	h.sent = append(h.sent, req)
	frame, err := wire.Encode(typ, "r", wire.OfficerAccountState{Person: req.Person, Login: req.Login, Disabled: req.Disabled})
	if err != nil {
		return wire.Envelope{}, err
	}
	return wire.DecodeEnvelope(frame)
}

// officerDemo is the directory with 乾元村's information officer.
func officerDemo(t *testing.T) (*demo, *fakeOfficerHub, *UI, app.Person) {
	t.Helper()
	d := newDemo()
	officer := d.store.addPerson(d.village.ID, "向信息员", "灾害信息员", "13907431234", "", app.RoleInfoOfficer)
	h := &fakeOfficerHub{}
	svc := d.store.services()
	svc.OfficerAccounts = villagereport.HubAccounts{Request: h.request, Offline: func(err error) bool { return errors.Is(err, errHubDown) }}
	u := New(test.NewTempApp(t), svc)
	t.Cleanup(u.win.Close)
	u.win.Resize(fyne.NewSize(1366, 768))
	u.nav.open("directory")
	return d, h, u, officer
}

func passwordEntries(root fyne.CanvasObject) []*widget.Entry {
	var out []*widget.Entry
	walk(root, func(o fyne.CanvasObject) {
		if e, ok := o.(*widget.Entry); ok && e.Password {
			out = append(out, e)
		}
	})
	return out
}

// Only a village's information officer has the action. The dialog
// proposes the mobile number as the login, refuses two different
// passwords before asking the hub, and sends the login and password once
// they agree.
func TestOfficerAccountIsSetFromTheDirectory(t *testing.T) {
	_, h, u, _ := officerDemo(t)
	if row(t, u, "王五").account.Visible() {
		t.Fatal("王五, an information officer of a township, has the village officer's action")
	}
	if row(t, u, "张三").account.Visible() {
		t.Fatal("a leader has the officer's action")
	}
	r := row(t, u, "向信息员")
	if !r.account.Visible() {
		t.Fatal("the village's officer has no 手机填报账号 action")
	}
	test.Tap(r.account)
	dlg := overlay(t, u)
	if !hasText(dlg, lang.L("officer.error_offline")) {
		t.Error("the dialog does not say the hub link is needed while there is none")
	}
	var login *widget.Entry
	walk(dlg, func(o fyne.CanvasObject) {
		if e, ok := o.(*widget.Entry); ok && !e.Password && login == nil {
			login = e
		}
	})
	if login.Text != "13907431234" {
		t.Fatalf("login proposed %q, want the mobile number", login.Text)
	}
	pw := passwordEntries(dlg)
	test.Type(pw[0], "zhenxi2026")
	test.Type(pw[1], "zhenxi2027")
	test.Tap(findButton(t, dlg, lang.L("officer.save")))
	if !hasText(overlay(t, u), lang.L("officer.error_password_differ")) || len(h.sent) != 0 {
		t.Fatalf("two passwords: %v, sent %d", texts(overlay(t, u)), len(h.sent))
	}
	pw[1].SetText("zhenxi2026")
	test.Tap(findButton(t, dlg, lang.L("officer.save")))
	if len(h.sent) != 1 || h.sent[0].Login != "13907431234" || h.sent[0].Password != "zhenxi2026" || h.sent[0].Disabled {
		t.Fatalf("sent %+v", h.sent)
	}
	if !hasText(u.directory.content, lang.L("officer.saved", map[string]any{"Name": "向信息员", "Login": "13907431234"})) {
		t.Errorf("no confirmation: %v", texts(u.directory.notice))
	}
}

// Offline, the hub's refusal and 停用 are said in words.
func TestOfficerAccountSaysWhyTheHubRefused(t *testing.T) {
	_, h, u, _ := officerDemo(t)
	open := func() fyne.CanvasObject {
		test.Tap(row(t, u, "向信息员").account)
		return overlay(t, u)
	}
	dlg := open()
	pw := passwordEntries(dlg)
	test.Type(pw[0], "zhenxi2026")
	test.Type(pw[1], "zhenxi2026")
	h.down = true
	test.Tap(findButton(t, dlg, lang.L("officer.save")))
	if !hasText(dlg, lang.L("officer.error_offline")) {
		t.Fatalf("offline: %v", texts(dlg))
	}
	h.down = false
	h.refuse = wire.Errorf(wire.CodeConflict, "officer.account: the login 13907431234 is already used by another account")
	test.Tap(findButton(t, dlg, lang.L("officer.save")))
	if !hasText(dlg, lang.L("officer.error_login_taken")) {
		t.Fatalf("a login taken: %v", texts(dlg))
	}
	h.refuse = nil
	var disable *widget.Check
	walk(dlg, func(o fyne.CanvasObject) {
		if c, ok := o.(*widget.Check); ok {
			disable = c
		}
	})
	disable.SetChecked(true)
	test.Tap(findButton(t, dlg, lang.L("officer.revoke")))
	if len(h.sent) != 1 || !h.sent[0].Disabled || h.sent[0].Password != "" {
		t.Fatalf("revoke sent %+v", h.sent)
	}
}

// TestOfficerAccountScreenshots renders the directory with the action and
// the dialog at 1366×768 in both languages into DUTYROOM_SCREENSHOTS, when
// set; the screens are built either way.
func TestOfficerAccountScreenshots(t *testing.T) {
	dir := os.Getenv("DUTYROOM_SCREENSHOTS")
	for _, language := range []string{assets.Chinese, assets.English} {
		t.Run(language, func(t *testing.T) {
			inLanguage(t, language)
			_, _, u, _ := officerDemo(t)
			shot := func(what string) {
				if dir != "" {
					captureLaidOut(t, u, filepath.Join(dir, language+"-officer-"+what+".png"))
				}
			}
			shot("directory")
			test.Tap(row(t, u, "向信息员").account)
			dlg := overlay(t, u)
			test.Type(passwordEntries(dlg)[0], "abc")
			test.Tap(findButton(t, dlg, lang.L("officer.save")))
			shot("dialog")
		})
	}
}
