package hub_test

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"dutyroom/app/incident"
	"dutyroom/app/villagereport"
	"dutyroom/hub"
)

// reportPageBudget is what the village officer's page may weigh, every file
// it needs gzipped: an officer on one bar of signal opens it in seconds.
const reportPageBudget = 100_000

// The village officer's page with everything it needs (page, script, style,
// service worker, manifest, icon) is under 100 KB gzipped, each file
// compressed as the hub sends it to a browser that accepts gzip.
func TestReportPageIsUnder100KBGzipped(t *testing.T) {
	dir := filepath.Join("web", "report")
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	need := map[string]bool{"index.html": true, "app.js": true, "app.css": true, "sw.js": true, "manifest.webmanifest": true, "icon-192.png": true}
	total, raw := 0, 0
	for _, e := range entries {
		if e.IsDir() {
			t.Errorf("%s is a folder: the page is flat", e.Name())
			continue
		}
		body, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.DefaultCompression)
		zw.Write(body)
		zw.Close()
		t.Logf("%-22s %6d bytes, %6d gzipped", e.Name(), len(body), buf.Len())
		raw += len(body)
		total += buf.Len()
		delete(need, e.Name())
	}
	for name := range need {
		t.Errorf("the page lacks %s", name)
	}
	t.Logf("the page: %d bytes, %d gzipped (budget %d)", raw, total, reportPageBudget)
	if total > reportPageBudget {
		t.Errorf("the page is %d bytes gzipped, over its budget of %d", total, reportPageBudget)
	}
}

// The page's script checks what the hub checks with the hub's own figures:
// the photos a report may carry, the size of a photo part, the largest
// count of people, the longest place and description.
func TestReportPageUsesTheHubsLimits(t *testing.T) {
	js, err := os.ReadFile(filepath.Join("web", "report", "app.js"))
	if err != nil {
		t.Fatal(err)
	}
	html, err := os.ReadFile(filepath.Join("web", "report", "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		in   []byte
		want string
	}{
		{js, fmt.Sprintf("const MAX_PHOTOS = %d;", villagereport.MaxPhotos)},
		{js, fmt.Sprintf("const PART = %d * 1024;", hub.MaxOfficerPart/1024)},
		{js, fmt.Sprintf("const MAX_COUNT = %d;", incident.MaxPersons)},
		{html, fmt.Sprintf(`id="place" name="place" maxlength="%d"`, villagereport.MaxPlace)},
		{html, fmt.Sprintf(`maxlength="%d" placeholder="看到了什么`, villagereport.MaxDescription)},
	} {
		if !bytes.Contains(c.in, []byte(c.want)) {
			t.Errorf("the page lacks %s", c.want)
		}
	}
}
