package assets

import (
	"bytes"
	"os"
	"testing"
	"unicode"

	"fyne.io/fyne/v2/lang"
	"github.com/go-text/typesetting/font"
	"golang.org/x/text/encoding/simplifiedchinese"
)

func setLocale(t *testing.T, env map[string]string) {
	t.Helper()
	for _, name := range []string{"LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"} {
		t.Setenv(name, env[name])
	}
}

func TestChooseLanguage(t *testing.T) {
	for _, c := range []struct {
		name string
		env  map[string]string
		pref string
		want string
	}{
		{"unset", nil, "", Chinese},
		{"C", map[string]string{"LANG": "C"}, "", Chinese},
		{"POSIX", map[string]string{"LANG": "POSIX"}, "", Chinese},
		{"C.UTF-8", map[string]string{"LANG": "C.UTF-8"}, "", Chinese},
		{"zh_CN", map[string]string{"LANG": "zh_CN.UTF-8"}, "", Chinese},
		{"zh_TW", map[string]string{"LANG": "zh_TW.UTF-8"}, "", Chinese},
		{"en_US", map[string]string{"LANG": "en_US.UTF-8"}, "", English},
		{"de_DE", map[string]string{"LANG": "de_DE.UTF-8"}, "", English},
		{"LC_ALL wins over LANG", map[string]string{"LC_ALL": "en_GB.UTF-8", "LANG": "zh_CN.UTF-8"}, "", English},
		{"LC_MESSAGES wins over LANG", map[string]string{"LC_MESSAGES": "zh_CN.UTF-8", "LANG": "en_US.UTF-8"}, "", Chinese},
		{"LANGUAGE list", map[string]string{"LANG": "en_US.UTF-8", "LANGUAGE": "zh_CN:en"}, "", Chinese},
		{"LANGUAGE ignored under C", map[string]string{"LANG": "C", "LANGUAGE": "en"}, "", Chinese},
		{"preference English", map[string]string{"LANG": "zh_CN.UTF-8"}, English, English},
		{"preference Chinese", map[string]string{"LANG": "de_DE.UTF-8"}, Chinese, Chinese},
		{"unknown preference follows system", map[string]string{"LANG": "en_US.UTF-8"}, "fr", English},
	} {
		t.Run(c.name, func(t *testing.T) {
			setLocale(t, c.env)
			if got := ChooseLanguage(c.pref); got != c.want {
				t.Errorf("ChooseLanguage(%q) = %q, want %q", c.pref, got, c.want)
			}
			wantLocale := map[string]string{Chinese: "zh_CN.UTF-8", English: "en_US.UTF-8"}[c.want]
			if got := os.Getenv("LC_ALL"); got != wantLocale {
				t.Errorf("LC_ALL = %q, want %q", got, wantLocale)
			}
			if got, set := os.LookupEnv("LANGUAGE"); set {
				t.Errorf("LANGUAGE = %q left set; Fyne would prefer it to LC_ALL", got)
			}
		})
	}
}

func TestLoadTranslationsSpeaksTheChosenLanguage(t *testing.T) {
	for _, c := range []struct{ language, ours, fyne string }{
		{Chinese, "通讯录", "取消"},
		{English, "Directory", "Cancel"},
	} {
		t.Run(c.language, func(t *testing.T) {
			setLocale(t, map[string]string{"LANG": "de_DE.UTF-8"})
			ChooseLanguage(c.language)
			if err := LoadTranslations(); err != nil {
				t.Fatal(err)
			}
			if got := lang.L("nav.directory"); got != c.ours {
				t.Errorf("nav.directory = %q, want %q", got, c.ours)
			}
			// Fyne's own strings (dialog buttons) must follow too.
			if got := lang.L("Cancel"); got != c.fyne {
				t.Errorf("Fyne's Cancel = %q, want %q", got, c.fyne)
			}
		})
	}
}

// TestFontsCoverGB2312 checks that both bundled weights draw every one of
// the 6,763 hanzi of GB2312, plus ASCII and the full-width forms.
func TestFontsCoverGB2312(t *testing.T) {
	hanzi := gb2312Hanzi(t)
	if len(hanzi) != 6763 {
		t.Fatalf("decoded %d GB2312 hanzi, want 6763", len(hanzi))
	}
	extra := []rune("AZaz09，。、；：？！“”（）《》—…ＡＺ０９")
	for _, res := range []struct {
		name string
		data []byte
	}{{"regular", FontRegular.Content()}, {"bold", FontBold.Content()}} {
		face, err := font.ParseTTF(bytes.NewReader(res.data))
		if err != nil {
			t.Fatalf("%s: %v", res.name, err)
		}
		missing := 0
		for _, r := range append(hanzi, extra...) {
			if _, ok := face.NominalGlyph(r); !ok {
				if missing < 10 {
					t.Errorf("%s lacks %q (U+%04X)", res.name, r, r)
				}
				missing++
			}
		}
		if missing > 0 {
			t.Errorf("%s lacks %d characters", res.name, missing)
		}
	}
}

// gb2312Hanzi decodes rows 16–87 of GB2312, where its hanzi are.
func gb2312Hanzi(t *testing.T) []rune {
	t.Helper()
	dec := simplifiedchinese.GBK.NewDecoder()
	var out []rune
	for hi := 0xB0; hi <= 0xF7; hi++ {
		for lo := 0xA1; lo <= 0xFE; lo++ {
			s, err := dec.Bytes([]byte{byte(hi), byte(lo)})
			if err != nil {
				continue
			}
			r := []rune(string(s))
			if len(r) == 1 && unicode.Is(unicode.Han, r[0]) {
				out = append(out, r[0])
			}
		}
	}
	return out
}

func TestIconIsASquarePNG(t *testing.T) {
	data := Icon.Content()
	if !bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")) {
		t.Fatal("icon is not a PNG")
	}
	// IHDR: width and height are the big-endian words at bytes 16 and 20.
	w := int(data[16])<<24 | int(data[17])<<16 | int(data[18])<<8 | int(data[19])
	h := int(data[20])<<24 | int(data[21])<<16 | int(data[22])<<8 | int(data[23])
	if w != 256 || h != 256 {
		t.Errorf("icon is %d×%d, want 256×256", w, h)
	}
}
