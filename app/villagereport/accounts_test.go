package villagereport_test

import (
	"context"
	"errors"
	"testing"

	"dutyroom/app"
	"dutyroom/app/villagereport"
	"dutyroom/app/wire"
)

var errNoLink = errors.New("not connected")

// fakeHub answers officer.account as the hub does, from the requests it
// was sent.
type fakeHub struct {
	sent   []wire.OfficerAccount
	refuse *wire.Error
	down   bool
}

func (h *fakeHub) request(_ context.Context, typ string, data any) (wire.Envelope, error) {
	if h.down {
		return wire.Envelope{}, errNoLink
	}
	if h.refuse != nil {
		return wire.Envelope{}, h.refuse
	}
	switch typ {
	case wire.TypeOfficerAccount:
		req := data.(wire.OfficerAccount)
		h.sent = append(h.sent, req)
		frame, _ := wire.Encode(typ, "r1", wire.OfficerAccountState{Person: req.Person, Login: req.Login, Disabled: req.Disabled})
		return wire.DecodeEnvelope(frame)
	case wire.TypeOfficerAccounts:
		frame, _ := wire.Encode(typ, "r2", wire.OfficerAccounts{Accounts: []wire.OfficerAccountState{{Login: "13800000001"}}})
		return wire.DecodeEnvelope(frame)
	}
	return wire.Envelope{}, wire.Errorf(wire.CodeUnknownType, "%s", typ)
}

func accountsOf(h *fakeHub) villagereport.HubAccounts {
	return villagereport.HubAccounts{Request: h.request, Offline: func(err error) bool { return errors.Is(err, errNoLink) }}
}

// The password goes to the hub in the request and comes back nowhere; a
// revoke sends Disabled with the login.
func TestOfficerAccountSetAndRevokeAskTheHub(t *testing.T) {
	h := &fakeHub{}
	a := accountsOf(h)
	person := app.NewID()
	st, err := a.SetAccount(context.Background(), person, " 13800000001 ", "长江黄河长城12")
	if err != nil || st.Login != "13800000001" || st.Person != person {
		t.Fatalf("set: %+v, %v", st, err)
	}
	if len(h.sent) != 1 || h.sent[0].Password != "长江黄河长城12" || h.sent[0].Login != "13800000001" {
		t.Fatalf("sent %+v", h.sent)
	}
	if st, err := a.Revoke(context.Background(), person, "13800000001"); err != nil || !st.Disabled || !h.sent[1].Disabled || h.sent[1].Password != "" {
		t.Fatalf("revoke: %+v, %v; sent %+v", st, err, h.sent)
	}
	list, err := a.List(context.Background())
	if err != nil || len(list) != 1 {
		t.Fatalf("list %+v, %v", list, err)
	}
}

// Refusals come back placed by field: a short password or two that differ
// before anything is sent, the connection's absence, the hub's refusals.
func TestOfficerAccountErrorsNameTheField(t *testing.T) {
	h := &fakeHub{}
	a := accountsOf(h)
	field := func(err error) string { return app.ErrorField(err) }
	if err := villagereport.CheckAccount("138", "1234567", "1234567"); field(err) != villagereport.FieldPassword {
		t.Errorf("a short password: %v", err)
	}
	if err := villagereport.CheckAccount("138", "12345678", "12345679"); field(err) != villagereport.FieldPassword {
		t.Errorf("two passwords: %v", err)
	}
	if err := villagereport.CheckAccount(" ", "12345678", "12345678"); field(err) != villagereport.FieldLogin {
		t.Errorf("no login: %v", err)
	}
	if len(h.sent) != 0 {
		t.Fatal("a refused account was sent")
	}
	h.down = true
	if _, err := a.SetAccount(context.Background(), app.NewID(), "138", "12345678"); field(err) != villagereport.FieldOffline {
		t.Errorf("offline: %v", err)
	}
	h.down = false
	h.refuse = wire.Errorf(wire.CodeForbidden, "officer.account: 乾州村 is not below the asking station")
	if _, err := a.SetAccount(context.Background(), app.NewID(), "138", "12345678"); app.ErrorCode(err) != app.EFORBIDDEN || app.ErrorMessage(err) != "乾州村 is not below the asking station" {
		t.Errorf("forbidden: %v", err)
	}
	h.refuse = wire.Errorf(wire.CodeConflict, "officer.account: the login 138 is already used by another account")
	if _, err := a.SetAccount(context.Background(), app.NewID(), "138", "12345678"); field(err) != villagereport.FieldLogin {
		t.Errorf("a login taken: %v", err)
	}
}

// FuzzOfficerAccountAnswers hands the client whatever the hub answers to
// officer.account and officer.accounts: an error or the state, never a
// panic.
func FuzzOfficerAccountAnswers(f *testing.F) {
	f.Add([]byte(`{"person":"00000000-0000-0000-0000-000000000001","login":"138","changed_at":"2026-07-14T02:00:00Z"}`), true)
	f.Add([]byte(`{"accounts":[{"login":"138"}]}`), false)
	f.Add([]byte(`null`), true)
	f.Fuzz(func(t *testing.T, data []byte, one bool) {
		typ := wire.TypeOfficerAccounts
		if one {
			typ = wire.TypeOfficerAccount
		}
		a := villagereport.HubAccounts{Request: func(context.Context, string, any) (wire.Envelope, error) {
			return wire.Envelope{Type: typ, ID: "r", Data: data}, nil
		}}
		if one {
			_, _ = a.SetAccount(context.Background(), app.NewID(), "138", "12345678")
		} else {
			_, _ = a.List(context.Background())
		}
	})
}
