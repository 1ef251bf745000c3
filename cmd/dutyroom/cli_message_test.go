package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestMessageSendStoresAndPrintsTheDocumentedJSON(t *testing.T) {
	dir := demoStation(t, "433100")
	file := filepath.Join(t.TempDir(), "汛情.txt")
	os.WriteFile(file, []byte("白沙镇水位 182.3 米"), 0o600)
	var sent messageOut
	stderr := jsonRun(t, dir, &sent, "message", "send", "--to", "433101,泸溪县", "--subject", "汛情", "--text", "请报水位", "--file", file, "--json")
	if sent.ID == "" || sent.Kind != "message" || sent.Direction != "sent" || sent.From != "433100" ||
		!slices.Equal(sent.To, []string{"433101", "433122"}) || sent.Subject != "汛情" || sent.Text != "请报水位" || sent.SentAt.IsZero() {
		t.Errorf("sent %+v", sent)
	}
	if len(sent.Attachments) != 1 || sent.Attachments[0].Name != "汛情.txt" || sent.Attachments[0].SHA256 == "" {
		t.Errorf("attachments %+v", sent.Attachments)
	}
	if !strings.Contains(stderr, "offline") || !strings.Contains(stderr, "hub connect") {
		t.Errorf("without a hub session the command does not say the message waits: %q", stderr)
	}
	var list []messageOut
	jsonRun(t, dir, &list, "message", "list", "--limit", "0", "--json")
	if len(list) == 0 || list[0].ID != sent.ID {
		t.Fatalf("message list = %+v, want the one sent first", list)
	}
	before := len(list)
	var shown messageOut
	jsonRun(t, dir, &shown, "message", "show", sent.ID, "--json")
	if shown.ID != sent.ID || len(shown.Receipts) != 2 || shown.Receipts[0].Station != "433101" {
		t.Errorf("message show = %+v", shown)
	}
	// --limit 0 lists them all.
	for i := 0; i < 2; i++ {
		run(t, dir, "message", "send", "--to", "433101,泸溪县", "--text", "续报")
	}
	jsonRun(t, dir, &list, "message", "list", "--limit", "0", "--json")
	if len(list) != before+2 {
		t.Errorf("message list --limit 0 lists %d of %d", len(list), before+2)
	}
	jsonRun(t, dir, &list, "message", "list", "--limit", "2", "--json")
	if len(list) != 2 || list[0].Text != "续报" {
		t.Errorf("message list --limit 2 lists %+v", list)
	}
	// Notices are listed apart.
	var notices []messageOut
	jsonRun(t, dir, &notices, "notice", "list", "--json")
	for _, n := range notices {
		if n.Kind != "notice" {
			t.Errorf("notice list shows a %s", n.Kind)
		}
	}
}

func TestDirectReportGoesUpAndCopiesTheLevelsSkipped(t *testing.T) {
	dir := demoStation(t, "433101001") // 乾州街道
	var up messageOut
	jsonRun(t, dir, &up, "message", "send", "--up", "--text", "山体滑坡，已疏散", "--json")
	if up.Kind != "direct_report" || !slices.Equal(up.To, []string{"433101"}) || len(up.CC) != 0 {
		t.Errorf("--up without --to: %+v, want a direct report to 吉首市", up)
	}
	jsonRun(t, dir, &up, "message", "send", "--up", "--to", "湘西州", "--text", "山体滑坡，已疏散", "--json")
	if up.Kind != "direct_report" || !slices.Equal(up.To, []string{"433100"}) || !slices.Equal(up.CC, []string{"433101"}) {
		t.Errorf("--up to the prefecture: %+v, want 吉首市 copied", up)
	}
}

func TestNoticeSendWithAnAcknowledgeByTime(t *testing.T) {
	dir := demoStation(t, "433101")
	ackBy := time.Now().Add(6 * time.Hour).Truncate(time.Minute)
	var n messageOut
	jsonRun(t, dir, &n, "notice", "send", "--to", "乾州街道,矮寨镇", "--subject", "防汛值守", "--text", "今晚加强值守", "--ack-by", local(ackBy), "--json")
	if n.Kind != "notice" || n.AckBy == nil || !n.AckBy.Equal(ackBy) || len(n.To) != 2 || n.Acked {
		t.Errorf("notice %+v, ack by %v", n, ackBy)
	}
	var list []messageOut
	jsonRun(t, dir, &list, "notice", "list", "--json")
	if len(list) == 0 || list[0].ID != n.ID {
		t.Errorf("notice list = %+v, want the notice sent first", list)
	}
}

func TestBadMessagesAndNoticesAreRefusedAndNothingIsStored(t *testing.T) {
	county := demoStation(t, "433101")
	checkRefusals(t, county, []refusal{
		{[]string{"message", "send", "--text", "无收件人"}, "to (--to): name at least one station"},
		{[]string{"message", "send", "--to", "999999", "--text", "x"}, `no station has code or name "999999"`},
		{[]string{"message", "send", "--to", "长潭村", "--text", "x"}, "give the code of one: 433101001001"},
		{[]string{"message", "send", "--to", "433100", "--text", "  "}, "text (--text): the message has no text"},
		{[]string{"message", "send", "--to", "泸溪县", "--text", "x"}, "both under 湘西州"},
		{[]string{"message", "send", "--to", "433100", "--text", "x", "--file", "/no/such/file"}, "attachments (--file): cannot read /no/such/file"},
		{[]string{"message", "send", "--to", "433100", "--subject", "a\nb", "--text", "x"}, "subject (--subject)"},
		{[]string{"message", "send", "--up", "--to", "433101001", "--text", "x"}, "not above"},
		{[]string{"message", "send", "--to", "433100", "--text", "x", "stray"}, `unexpected "stray"`},
		{[]string{"message", "show", "not-an-id"}, `"not-an-id" is not a message id`},
		{[]string{"message", "show"}, "needs the message id"},
		{[]string{"message", "frob"}, `unknown message subcommand "frob"`},
		{[]string{"notice", "send", "--to", "433101001", "--text", "x"}, "subject (--subject): a notice needs a subject"},
		{[]string{"notice", "send", "--to", "433100", "--subject", "s", "--text", "x"}, "goes to stations below"},
		{[]string{"notice", "send", "--to", "433101001", "--subject", "s", "--text", "x", "--ack-by", "tomorrow"}, `ack_by (--ack-by): "tomorrow" is not a time`},
		{[]string{"notice", "send", "--to", "433101001", "--subject", "s", "--text", "x", "--ack-by", "2020-01-01 08:00"}, "is not after the sending time"},
		{[]string{"notice", "ack", "01a2513a-4846-7dff-b7cd-7ad77868991d"}, "01a2513a-4846-7dff-b7cd-7ad77868991d"},
		{[]string{"message", "list", "--limit", "-1"}, "--limit must not be negative"},
	})
	checkRefusals(t, demoStation(t, "433100"), []refusal{
		{[]string{"message", "send", "--up", "--text", "x"}, "to (--to): 湘西州 has no station above it"},
	})
}
