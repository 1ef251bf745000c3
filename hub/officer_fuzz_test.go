package hub_test

import (
	"strings"
	"testing"
	"time"

	"dutyroom/app"
	"dutyroom/hub"
)

// The report body comes from a phone: whatever it holds, decoding and
// checking it is an error naming a field or a report that passes its own
// rules, never a panic.
func FuzzDecodePageReport(f *testing.F) {
	f.Add([]byte(`{"id":"019c8a6e-4b2a-7c1d-9e3f-0a1b2c3d4e5f","category":"geological","place":"村口","occurred_at":"2026-12-07T10:00:00Z","written_at":"2026-12-07T10:05:00Z","counts":{"dead":0,"missing":1,"injured":2,"trapped":0,"evacuated":30,"houses_damaged":3},"photos":[{"name":"a.jpg","size":300000,"sha256":"` + strings.Repeat("ab", 32) + `","mime":"image/jpeg","taken_at":"2026-12-07T10:01:00Z","lat":28.3,"lon":109.7}]}`))
	f.Add([]byte(`{"counts":{"dead":1.5}}`))
	f.Add([]byte(`{"counts":{"dead":"三"}}`))
	f.Add([]byte(`{"counts":{"dead":99999999999999999999}}`))
	f.Add([]byte(`{"counts":{"cows":1}}`))
	f.Add([]byte(`{"photos":[{},{},{},{},{},{},{}]}`))
	f.Add([]byte(`{"lat":91}`))
	f.Add([]byte(`[]`))
	f.Add([]byte(`{} {}`))
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, body []byte) {
		r, err := hub.DecodePageReport(body)
		if err != nil {
			if app.ErrorField(err) == "" {
				t.Fatalf("a refusal naming no field: %v", err)
			}
			return
		}
		r.Village, r.Officer, r.OfficerName, r.ReceivedAt = app.NewID(), app.NewID(), "张三", now
		if err := r.Validate(now); err != nil {
			if app.ErrorField(err) == "" {
				t.Fatalf("a refusal naming no field: %v", err)
			}
			return
		}
		if r.Place == "" || !r.Category.Valid() || len(r.Photos) > 6 {
			t.Fatalf("an invalid report passed: %+v", r)
		}
	})
}

// A part's offset (the query) and hash (a header) come from the phone.
func FuzzParsePartHeaders(f *testing.F) {
	f.Add("0", strings.Repeat("ab", 32))
	f.Add("262144", strings.Repeat("AB", 32))
	f.Add("-1", "")
	f.Add("1e6", strings.Repeat("zz", 32))
	f.Add("99999999999999999999999", " "+strings.Repeat("0", 64)+" ")
	f.Fuzz(func(t *testing.T, offset, sha string) {
		n, h, err := hub.ParsePartHeaders(offset, sha)
		if err != nil {
			if f := app.ErrorField(err); f != "offset" && f != "part_sha256" {
				t.Fatalf("a refusal naming field %q: %v", f, err)
			}
			return
		}
		if n < 0 || n > 2<<20 || len(h) != 64 || strings.ToLower(h) != h {
			t.Fatalf("accepted offset %d, hash %q", n, h)
		}
	})
}

// The sign-in body comes from anyone who reaches the hub.
func FuzzDecodeOfficerLogin(f *testing.F) {
	f.Add([]byte(`{"login":"13900000001","password":"correct horse"}`))
	f.Add([]byte(`{"login":"","password":""}`))
	f.Add([]byte(`{"login":1}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, body []byte) {
		l, err := hub.DecodeOfficerLogin(body)
		if err != nil {
			if f := app.ErrorField(err); f != "login" && f != "password" {
				t.Fatalf("a refusal naming field %q: %v", f, err)
			}
			return
		}
		if l.Login == "" || l.Password == "" {
			t.Fatalf("accepted an empty sign-in: %+v", l)
		}
	})
}
