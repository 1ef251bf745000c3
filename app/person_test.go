package app_test

import (
	"testing"

	"dutyroom/app"
)

func TestPersonValidate(t *testing.T) {
	st := app.NewID()
	cases := []struct {
		name  string
		p     app.Person
		field string
	}{
		{"empty name", app.Person{Station: st, Name: " ", Mobile: "13907430001"}, "name"},
		{"no station", app.Person{Name: "张三", Mobile: "13907430001"}, "station"},
		{"no phone at all", app.Person{Station: st, Name: "张三"}, "mobile"},
		{"short mobile", app.Person{Station: st, Name: "张三", Mobile: "1390743"}, "mobile"},
		{"mobile starting 12", app.Person{Station: st, Name: "张三", Mobile: "12907430001"}, "mobile"},
		{"letters in office", app.Person{Station: st, Name: "张三", Office: "0743-82ab123"}, "office"},
		{"unknown role", app.Person{Station: st, Name: "张三", Mobile: "13907430001", Roles: []app.Role{"captain"}}, "roles"},
		{"role twice", app.Person{Station: st, Name: "张三", Mobile: "13907430001", Roles: []app.Role{app.RoleOfficer, app.RoleOfficer}}, "roles"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.p.Validate()
			if app.ErrorCode(err) != app.EINVALID || app.ErrorField(err) != c.field {
				t.Errorf("error %v (code %q, field %q), want invalid on %q", err, app.ErrorCode(err), app.ErrorField(err), c.field)
			}
		})
	}
}

func TestPersonValidateNormalisesPhones(t *testing.T) {
	p := app.Person{Station: app.NewID(), Name: "张三", Mobile: "+86 139 0743 0001", Office: "０７４３－８２２１２３４", Roles: []app.Role{app.RoleLeader}}
	if err := p.Validate(); err != nil {
		t.Fatalf("valid person refused: %v", err)
	}
	if p.Mobile != "13907430001" || p.Office != "0743-8221234" {
		t.Errorf("normalised to %q, %q", p.Mobile, p.Office)
	}
	if !p.Has(app.RoleLeader) || p.Has(app.RoleCadre) {
		t.Error("Has reports the wrong roles")
	}
}

func TestValidatePhoneAcceptsHotlines(t *testing.T) {
	for _, ok := range []string{"12345", "12379", "110", "0743-8221234", "8221234", "13907430001", "0743-8221234-801"} {
		if err := app.ValidatePhone(ok); err != nil {
			t.Errorf("ValidatePhone(%q) = %v", ok, err)
		}
	}
	for _, bad := range []string{"", "abc", "0743-", "1", "+1 555 0100"} {
		if err := app.ValidatePhone(bad); err == nil {
			t.Errorf("ValidatePhone(%q) accepted", bad)
		}
	}
}

func TestErrorCodeOfForeignErrors(t *testing.T) {
	if app.ErrorCode(nil) != "" {
		t.Error("nil has a code")
	}
	if app.ErrorCode(errString("disk on fire")) != app.EINTERNAL {
		t.Error("a plain error is not internal")
	}
	if app.ErrorMessage(errString("disk on fire")) == "disk on fire" {
		t.Error("internal details leak into the message")
	}
}

type errString string

func (e errString) Error() string { return string(e) }
