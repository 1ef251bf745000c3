package locale

import "testing"

func TestSystem(t *testing.T) {
	cases := []struct {
		lcAll, lang, language, want string
	}{
		{"", "", "", Chinese},
		{"", "C", "", Chinese},
		{"", "C.UTF-8", "fr", Chinese},
		{"POSIX", "en_US.UTF-8", "", Chinese},
		{"", "zh_CN.UTF-8", "", Chinese},
		{"", "zh_TW.UTF-8", "", Chinese},
		{"", "en_GB.UTF-8", "", English},
		{"", "de_DE.UTF-8", "", English},
		{"", "en_US.UTF-8", "zh_CN:en", Chinese},
		{"en_US.UTF-8", "zh_CN.UTF-8", "", English},
	}
	for _, c := range cases {
		t.Setenv("LC_ALL", c.lcAll)
		t.Setenv("LC_MESSAGES", "")
		t.Setenv("LANG", c.lang)
		t.Setenv("LANGUAGE", c.language)
		if got := System(); got != c.want {
			t.Errorf("LC_ALL=%q LANG=%q LANGUAGE=%q: System() = %q, want %q", c.lcAll, c.lang, c.language, got, c.want)
		}
	}
}
