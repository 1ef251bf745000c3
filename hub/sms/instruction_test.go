package sms

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// However long the task, the reminder stays one SMS and still names the
// deadline and the station.
func TestInstructionReminderFitsOneSMS(t *testing.T) {
	task := &openTask{leader: "张明州长", text: strings.Repeat("核查灾情并报告处置情况", 20),
		deadline: time.Date(2026, 7, 14, 12, 0, 0, 0, time.Local)}
	text := InstructionText("湘西州", "吉首市", task)
	if n := utf8.RuneCountInString(text); n > UCS2Single {
		t.Errorf("reminder of %d characters, more than one SMS (%d): %s", n, UCS2Single, text)
	}
	for _, want := range []string{"【湘西州】张明州长批示任务", "7月14日12时00分前到期", "请吉首市尽快", "…"} {
		if !strings.Contains(text, want) {
			t.Errorf("reminder %q lacks %q", text, want)
		}
	}
}
