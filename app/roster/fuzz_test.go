package roster_test

import (
	"bytes"
	"testing"

	"dutyroom/app"
	"dutyroom/app/roster"
)

// FuzzParseCalendar checks that any input is either rejected with an
// EINVALID error or gives a calendar that formats and reads back the same.
// Seeds live in testdata/fuzz/FuzzParseCalendar.
func FuzzParseCalendar(f *testing.F) {
	f.Add([]byte("2026-01-01..2026-01-03 holiday 元旦\n2026-01-04 workday 元旦调休\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		cal, err := roster.ParseCalendar(bytes.NewReader(data))
		if err != nil {
			if app.ErrorCode(err) != app.EINVALID || cal != nil {
				t.Fatalf("error %v (code %s) with calendar %v", err, app.ErrorCode(err), cal)
			}
			return
		}
		var buf bytes.Buffer
		if err := cal.Format(&buf); err != nil {
			t.Fatal(err)
		}
		back, err := roster.ParseCalendar(&buf)
		if err != nil {
			t.Fatalf("formatted calendar rejected: %v\n%s", err, buf.String())
		}
		if !back.Equal(cal) {
			t.Fatalf("round trip differs:\n%s", buf.String())
		}
	})
}
