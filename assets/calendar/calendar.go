// Package calendar ships the official holiday schedules, so a new install
// generates correct rosters before anyone imports a file. Each year is a
// file in the format of docs/calendar-format.md; app/roster parses them.
package calendar

import (
	"embed"
	"io/fs"
	"sort"
	"strings"
)

//go:embed *.txt
var files embed.FS

// FS returns the schedule files, one per year, named like 2026.txt.
func FS() fs.FS { return files }

// Default returns every shipped year's schedule, oldest first, as one file.
func Default() []byte {
	names, err := fs.Glob(files, "*.txt")
	if err != nil {
		panic(err) // the pattern is constant and valid
	}
	sort.Strings(names)
	var b strings.Builder
	for _, name := range names {
		data, err := files.ReadFile(name)
		if err != nil {
			panic(err) // embedded at build time: cannot be missing
		}
		b.Write(data)
		if len(data) > 0 && data[len(data)-1] != '\n' {
			b.WriteByte('\n')
		}
	}
	return []byte(b.String())
}
