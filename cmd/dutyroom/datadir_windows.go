package main

import (
	"os"
	"strings"
)

// The installer's 值班室演示 Start-menu entry runs
// `dutyroom.exe -data "%USERPROFILE%\值班室演示" -demo`: one entry for all
// users, each getting a demo folder of their own. cmd.exe expands %NAME%
// before a program sees it, but a shortcut may hand it over as written, so
// the value of -data is expanded here too (only that value: other
// arguments, such as an incident's text, may hold a literal "%").
func init() {
	for i := 1; i < len(os.Args); i++ {
		a := os.Args[i]
		switch {
		case (a == "-data" || a == "--data") && i+1 < len(os.Args):
			os.Args[i+1] = expandPercentVars(os.Args[i+1])
			i++
		case (a == "-serve" || a == "--serve" || a == "-as" || a == "--as") && i+1 < len(os.Args):
			i++ // their values are not the command
		case strings.HasPrefix(a, "-data=") || strings.HasPrefix(a, "--data="):
			k := strings.Index(a, "=")
			os.Args[i] = a[:k+1] + expandPercentVars(a[k+1:])
		case !strings.HasPrefix(a, "-"):
			return // the command: its arguments are its own
		}
	}
}

// expandPercentVars replaces %NAME% with the environment variable NAME, as
// cmd.exe does; a name that is not set is left as written.
func expandPercentVars(s string) string {
	var b strings.Builder
	for {
		i := strings.Index(s, "%")
		if i < 0 {
			break
		}
		j := strings.Index(s[i+1:], "%")
		if j < 0 {
			break
		}
		name := s[i+1 : i+1+j]
		if v, ok := os.LookupEnv(name); ok && name != "" {
			b.WriteString(s[:i])
			b.WriteString(v)
		} else {
			b.WriteString(s[:i+1+j])
			s = s[i+1+j:]
			continue
		}
		s = s[i+2+j:]
	}
	b.WriteString(s)
	return b.String()
}
