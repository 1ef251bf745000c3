package sms

import (
	"strings"
	"testing"
	"time"

	"dutyroom/app"
	"dutyroom/app/incident"
	"dutyroom/app/roster"
)

// TestEveryNewTextFitsOneSMSWithLongNames words each new message with
// the longest names a duty room has and checks it fits one SMS (70
// characters, the code in), the long part cut with …, never the facts.
func TestEveryNewTextFitsOneSMSWithLongNames(t *testing.T) {
	station := "湘西土家族苗族自治州应急管理局"
	long := strings.Repeat("山体滑坡造成道路中断", 10)
	due := time.Date(2026, 12, 9, 15, 4, 0, 0, time.UTC)
	day := roster.NewDate(2026, 12, 9)
	texts := map[string]string{
		"incident": IncidentText(&incident.Incident{Title: long, Provisional: incident.GradeEspeciallyMajor}),
		"report":   ReportText(station, due),
		"notice":   NoticeText(station, "古丈县红石林镇人民政府", long, due),
		"eve":      EveText(station, day, roster.Post{Role: app.RoleStandby}, roster.DefaultHandover),
		"change": RosterChangeText(station, []string{"12月9日带班领导", "12月19日带班领导", "12月29日带班领导"},
			[]string{"12月10日值班员", "12月20日值班员", "12月30日值班员"}, true),
	}
	for name, text := range texts {
		withCode := strings.ReplaceAll(text, "{code}", "0000")
		if p := Parts(withCode); p != 1 {
			t.Errorf("%s: %q takes %d SMS (%d characters)", name, withCode, p, len([]rune(withCode)))
		}
	}
	for _, name := range []string{"incident", "notice", "change"} {
		if !strings.Contains(texts[name], "…") {
			t.Errorf("%s: the long part was not cut: %q", name, texts[name])
		}
	}
	if !strings.Contains(texts["report"], "12月9日15时04分") || !strings.Contains(texts["eve"], "12月9日") ||
		!strings.Contains(texts["notice"], "尚未签收") || !strings.Contains(texts["change"], "调班已批准") {
		t.Errorf("a fact was cut: %v", texts)
	}
}
