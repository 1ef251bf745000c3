package wire_test

import (
	"encoding/json"
	"testing"

	"dutyroom/app"
	"dutyroom/app/wire"
)

func TestOfficerAccountNeedsAPersonAndALogin(t *testing.T) {
	for _, data := range []string{`{"login":"13800000000"}`, `{"person":"` + app.NewID().String() + `"}`, `[]`} {
		_, err := wire.DecodeOfficerAccount(wire.Envelope{Type: wire.TypeOfficerAccount, Data: json.RawMessage(data)})
		if e, ok := err.(*wire.Error); !ok || e.Code != wire.CodeBadMessage {
			t.Errorf("%s: %v, want bad_message", data, err)
		}
	}
	a, err := wire.DecodeOfficerAccount(wire.Envelope{Type: wire.TypeOfficerAccount, Data: json.RawMessage(`{"person":"` + app.NewID().String() + `","login":"13800000000","password":"secret-pass"}`)})
	if err != nil || a.Login != "13800000000" {
		t.Fatalf("a good request: %+v, %v", a, err)
	}
}

func FuzzDecodeOfficerAccount(f *testing.F) {
	f.Add([]byte(`{"person":"0193a0c4-0000-7000-8000-000000000001","login":"13800000000","password":"x"}`))
	f.Add([]byte(`{"accounts":[{"person":"0193a0c4-0000-7000-8000-000000000001","login":"a"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		env := wire.Envelope{Type: wire.TypeOfficerAccount, Data: data}
		if a, err := wire.DecodeOfficerAccount(env); err == nil && (a.Person == app.NilID || a.Login == "") {
			t.Fatalf("accepted an account with no person or login: %+v", a)
		}
		if a, err := wire.DecodeOfficerAccounts(env); err == nil && len(a.Accounts) > wire.MaxOfficerAccounts {
			t.Fatalf("accepted %d accounts", len(a.Accounts))
		}
	})
}
