package instructionfile

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"dutyroom/app"
	"dutyroom/app/instruction"
	"dutyroom/registersheet"
)

func TestEveryStateAndSourceHasAName(t *testing.T) {
	for _, s := range instruction.States {
		if StateNames[s] == "" {
			t.Errorf("no name for state %q", s)
		}
	}
	for _, s := range instruction.Sources {
		if SourceNames[s] == "" {
			t.Errorf("no name for source %q", s)
		}
	}
}

func TestWriteXLSXNamesStationsAndShadesOverdueRows(t *testing.T) {
	pref := app.Station{ID: app.NewID(), Name: "湘西州", Code: "433100", Tier: app.TierPrefecture}
	county := app.Station{ID: app.NewID(), Name: "吉首市", Code: "433101", Tier: app.TierCounty, Parent: pref.ID}
	tree := app.NewTree([]app.Station{pref, county})
	given := time.Date(2026, 7, 14, 1, 0, 0, 0, time.UTC) // 09:00 in China
	rec := instruction.Record{Instruction: instruction.Instruction{ID: app.NewID(), Station: pref.ID, Leader: "张明", LeaderPost: "州长", GivenAt: given,
		Source: instruction.SourcePhone, Words: "请吉首市核查灾情",
		Tasks: []instruction.Task{{ID: app.NewID(), Text: "核查灾情", Stations: []app.ID{county.ID}, Units: []string{"州水文局"}, Deadline: given.Add(2 * time.Hour)}}}}
	var buf bytes.Buffer
	if err := WriteXLSX(&buf, Register{Records: []instruction.Record{rec}, Tree: tree, Now: given.Add(3 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := f.GetRows(sheet)
	if len(rows) != 3 {
		t.Fatalf("rows: %q", rows)
	}
	r := rows[2]
	if r[1] != "2026-07-14 09:00" || r[4] != "电话" || !strings.Contains(r[6], "吉首市、州水文局") || !strings.Contains(r[8], "吉首市：超时未反馈") || r[9] != "已超时" {
		t.Fatalf("row: %q", r)
	}
	style, _ := f.GetCellStyle(sheet, "A3")
	s, _ := f.GetStyle(style)
	if len(s.Fill.Color) == 0 || s.Fill.Color[0] != registersheet.OverdueRed {
		t.Fatalf("the overdue row is not shaded: %+v", s.Fill)
	}
}
