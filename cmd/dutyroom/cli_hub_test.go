package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// decode runs a command through mustRun and decodes its JSON.
func decode(t *testing.T, dir string, v any, args ...string) {
	t.Helper()
	if err := json.Unmarshal([]byte(mustRun(t, dir, "", args...)), v); err != nil {
		t.Fatalf("%q: %v", args, err)
	}
}

// The prefecture's gateway issues a warning, a notice and a spot check from
// the command line; a township takes them in through a real hub, answers
// them from its command line, and the prefecture sees the answers.
func TestWarningIssuedByCommandReachesATownshipThroughAHub(t *testing.T) {
	root := t.TempDir()
	xiangxi, qianzhou := filepath.Join(root, "xiangxi"), filepath.Join(root, "qianzhou")
	mustRun(t, xiangxi, "", "init", "--demo", "--station", "433100")
	mustRun(t, qianzhou, "", "init", "--demo", "--station", "433101001")
	stationsFile := filepath.Join(root, "stations.json")
	mustRun(t, xiangxi, "", "station", "export", stationsFile)
	h := newDemoHub(t, stationsFile, map[string]string{"xiangxi": "433100", "qianzhou": "433101001"})
	for user, dir := range map[string]string{"xiangxi": xiangxi, "qianzhou": qianzhou} {
		mustRun(t, dir, demoPassword+"\n", "hub", "connect", "--addr", h.url(), "--user", user, "--pin", h.pin)
	}

	until := local(time.Now().Add(12 * time.Hour))
	code, stdout, stderr := runIn(t, xiangxi, "", "warning", "issue", "--level", "red", "--kind", "geological",
		"--text", "乾州街道一带地质灾害风险极高", "--until", until, "--json")
	if code != 0 {
		t.Fatalf("warning issue: exit %d: %s", code, stderr)
	}
	if !strings.Contains(stderr, "dutyroom sync") || !strings.Contains(stderr, h.url()) || strings.Contains(stderr, "offline") {
		t.Errorf("with a hub session the command says %q", stderr)
	}
	var issued warningOut
	if err := json.Unmarshal([]byte(stdout), &issued); err != nil {
		t.Fatal(err)
	}
	var notice messageOut
	decode(t, xiangxi, &notice, "notice", "send", "--to", "乾州街道", "--subject", "地灾巡查", "--text", "立即组织巡查", "--json")
	var checks []checkOut
	decode(t, xiangxi, &checks, "spotcheck", "start", "433101001", "--json")
	mustRun(t, xiangxi, "", "sync")
	mustRun(t, qianzhou, "", "sync")

	var got []warningOut
	decode(t, qianzhou, &got, "warning", "list", "--json")
	held := 0
	for _, w := range got {
		if w.ID == issued.ID {
			held++
			if w.Direction != "received" || w.Acked || w.Issuer != "433100" {
				t.Errorf("the township holds %+v", w)
			}
		}
	}
	if held != 1 {
		t.Fatalf("the township holds the prefecture's warning %s %d times", issued.ID, held)
	}
	mustRun(t, qianzhou, "", "warning", "ack", issued.ID, "--by", "向明华")
	var notices []messageOut
	decode(t, qianzhou, &notices, "notice", "list", "--unread", "--json")
	if len(notices) == 0 || notices[0].ID != notice.ID || notices[0].Direction != "received" || notices[0].Acked {
		t.Fatalf("the township's unread notices: %+v", notices)
	}
	mustRun(t, qianzhou, "", "notice", "ack", notice.ID, "--by", "向明华")
	var answered struct{ Outcome string }
	decode(t, qianzhou, &answered, "spotcheck", "answer", checks[0].ID, "--name", "向明华", "--json")
	if answered.Outcome != "on_time" {
		t.Errorf("the township's answer was %q", answered.Outcome)
	}
	mustRun(t, qianzhou, "", "sync")
	mustRun(t, xiangxi, "", "sync")

	var shown warningOut
	decode(t, xiangxi, &shown, "warning", "show", issued.ID, "--json")
	for _, st := range shown.Stations {
		if st.Station == "433101001" && (!st.Acked || st.Person != "向明华") {
			t.Errorf("the prefecture sees 乾州街道 as %+v", st)
		}
	}
	if shown.AckedBy != 1 {
		t.Errorf("the prefecture counts %d acknowledgements, want 1", shown.AckedBy)
	}
	var sent []messageOut
	decode(t, xiangxi, &sent, "notice", "list", "--json")
	if len(sent) == 0 || sent[0].ID != notice.ID || !sent[0].Acked {
		t.Errorf("the prefecture's notice: %+v", sent)
	}
	var list []checkOut
	decode(t, xiangxi, &list, "spotcheck", "list", "--json")
	if len(list) != 1 || list[0].Outcome != "on_time" || list[0].Person != "向明华" {
		t.Errorf("the prefecture's spot check: %+v", list)
	}
}
