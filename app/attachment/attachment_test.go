package attachment

import (
	"strings"
	"testing"

	"dutyroom/app"
)

func TestCleanNameRemovesWhatDisguisesAName(t *testing.T) {
	for in, want := range map[string]string{
		"现场照片.jpg":               "现场照片.jpg",
		"photo\u202egpj.exe":     "photogpj.exe", // right-to-left override: reads "photoexe.jpg"
		"\u2067report\u2069.pdf": "report.pdf",
		"a\u200bb.txt":           "ab.txt",
		"bad\x00name\r\n.doc":    "badname.doc",
		"  通报.pdf.exe . ":        "通报.pdf.exe",
		"notice.pdf\u200e":       "notice.pdf",
		"dir\u061cname.png":      "dirname.png",
	} {
		if got := CleanName(in); got != want {
			t.Errorf("CleanName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestRiskyNamesProgramsScriptsAndShortcuts(t *testing.T) {
	for _, name := range []string{"setup.exe", "SETUP.EXE", "通知.hta", "快捷方式.lnk", "run.bat", "a.ps1",
		"photo\u202egpj.exe", "report.pdf.exe", "report.exe. ", "install.sh", "app.desktop", "table.xlsm", "x.msi"} {
		if !Risky(name) {
			t.Errorf("%q is not counted risky", name)
		}
	}
	for _, name := range []string{"现场.jpg", "通报.pdf", "统计.xlsx", "录音.m4a", "说明.docx", "README", "地图.png"} {
		if Risky(name) {
			t.Errorf("%q is counted risky", name)
		}
	}
}

func TestValidateCleansNamesAndNamesTheProblem(t *testing.T) {
	digest := strings.Repeat("ab", 32)
	list := []Attachment{{Name: " photo\u202egpj.exe ", Size: 10, SHA256: strings.ToUpper(digest)}}
	if err := Validate(list, Limits{MaxCount: 5, MaxSize: 100, NeedDigest: true}); err != nil {
		t.Fatal(err)
	}
	if list[0].Name != "photogpj.exe" || list[0].SHA256 != digest {
		t.Errorf("validated to %+v", list[0])
	}
	for _, c := range []struct {
		a    Attachment
		lim  Limits
		want string
	}{
		{Attachment{Name: "\u202e", Size: 1}, Limits{MaxCount: 5, MaxSize: 10}, "no file name"},
		{Attachment{Name: "../x", Size: 1}, Limits{MaxCount: 5, MaxSize: 10}, "not a plain file name"},
		{Attachment{Name: "..", Size: 1}, Limits{MaxCount: 5, MaxSize: 10}, "no file name"},
		{Attachment{Name: "big.pdf", Size: 11}, Limits{MaxCount: 5, MaxSize: 10}, "the limit is 10 bytes"},
		{Attachment{Name: "a.pdf", Size: 1}, Limits{MaxCount: 5, MaxSize: 10, NeedDigest: true}, "64 hex digits"},
		{Attachment{Name: "a.pdf", Size: -1}, Limits{MaxCount: 5, MaxSize: 10}, "negative size"},
	} {
		err := Validate([]Attachment{c.a}, c.lim)
		if err == nil || !strings.Contains(app.ErrorMessage(err), c.want) {
			t.Errorf("%+v: %v, want %q", c.a, err, c.want)
		}
	}
	if err := Validate(make([]Attachment, 3), Limits{MaxCount: 2}); err == nil || !strings.Contains(app.ErrorMessage(err), "at most 2") {
		t.Errorf("too many: %v", err)
	}
}

// FuzzCleanName: whatever a station sends as a name, the cleaned name has
// no control or format characters, and cleaning twice changes nothing.
func FuzzCleanName(f *testing.F) {
	for _, s := range []string{"photo\u202egpj.exe", "a.pdf", " x . ", "\xff\xfe"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		c := CleanName(name)
		if CleanName(c) != c {
			t.Fatalf("CleanName is not stable on %q: %q then %q", name, c, CleanName(c))
		}
		for _, r := range c {
			if r < 0x20 || r == 0x7f || (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) || r == 0x200e || r == 0x200f {
				t.Fatalf("CleanName(%q) = %q keeps %U", name, c, r)
			}
		}
	})
}
