package hub

import (
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"dutyroom/app"
)

// An unfinished report's parts are deleted once nothing was added to them
// for OfficerPartsTTL; one still being sent stays.
func TestUnfinishedReportsExpireAfterSevenDays(t *testing.T) {
	rs := newOfficerReports(&Server{log: slog.New(slog.NewTextHandler(discardWriter{}, nil))}, t.TempDir())
	old, fresh := app.NewID(), app.NewID()
	for _, id := range []app.ID{old, fresh} {
		if err := os.MkdirAll(rs.folder(id), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(rs.folder(id), "report.json"), []byte(`{}`), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	now := time.Now()
	long := now.Add(-OfficerPartsTTL - time.Hour)
	for _, p := range []string{filepath.Join(rs.folder(old), "report.json"), rs.folder(old), rs.folder(fresh)} {
		if err := os.Chtimes(p, long, long); err != nil {
			t.Fatal(err)
		}
	}
	// The fresh one's report is old but a part arrived an hour ago.
	if err := os.WriteFile(filepath.Join(rs.folder(fresh), "x.part"), []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(rs.folder(fresh), long, long); err != nil {
		t.Fatal(err)
	}
	rs.sweep(now)
	if _, err := os.Stat(rs.folder(old)); !os.IsNotExist(err) {
		t.Fatalf("the week-old report is still there: %v", err)
	}
	if _, err := os.Stat(rs.folder(fresh)); err != nil {
		t.Fatalf("the report still being sent went: %v", err)
	}
}
