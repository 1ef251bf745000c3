package e2e

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"syscall"
	"testing"
	"time"

	"dutyroom/app"
	"dutyroom/app/incident"
	"dutyroom/store"
)

var savedLine = regexp.MustCompile(`(?m)^saved ([0-9a-f-]{36}) grade \w+$`)

// TestIncidentAddSurvivesSIGKILL files incidents through the command line
// and kills the process at random moments. Every incident whose command
// printed "saved ID" must be there afterwards, and the file must pass
// bbolt's consistency check. DUTYROOM_KILLS sets the number of kills (10
// by default; the long run uses 100).
func TestIncidentAddSurvivesSIGKILL(t *testing.T) {
	kills := 10
	if s := os.Getenv("DUTYROOM_KILLS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			t.Fatalf("DUTYROOM_KILLS=%q is not a positive number", s)
		}
		kills = n
	}
	bin := buildClient(t)
	data := t.TempDir()
	if out, err := exec.Command(bin, "-data", data, "init", "--demo").CombinedOutput(); err != nil {
		t.Fatalf("init --demo: %v\n%s", err, out)
	}
	add := func(n int) *exec.Cmd {
		return exec.Command(bin, "-data", data, "incident", "add", "--station", "433101001",
			"--category", "road_traffic", "--place-station", "433101001001", "--place", "G209 国道",
			"--title", fmt.Sprintf("货车侧翻 %d", n), "--dead", strconv.Itoa(n%4), "--injured", "2",
			"--description", "一辆湘U12345货车侧翻，驾驶员受伤。")
	}
	var saved []string
	parse := func(out []byte) {
		if m := savedLine.FindSubmatch(out); m != nil {
			saved = append(saved, string(m[1]))
		}
	}

	// Time a few runs to the moment they print the saved line, and aim
	// the kills at the few milliseconds before it and just after, where
	// the command validates, writes, commits and prints.
	var took []time.Duration
	for i := range 5 {
		cmd := add(i)
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		line, err := bufio.NewReader(stdout).ReadBytes('\n')
		took = append(took, time.Since(start))
		parse(line)
		if rest, _ := io.ReadAll(stdout); err != nil || cmd.Wait() != nil {
			t.Fatalf("incident add: %v\n%s%s", err, line, rest)
		}
	}
	slices.Sort(took)
	printed := took[len(took)/2]
	from, span := printed-min(printed/2, 4*time.Millisecond), min(printed/2, 4*time.Millisecond)+time.Millisecond

	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1))
	var killedBefore, killedAfter, finished int
	for run := 5; killedBefore+killedAfter < kills; run++ {
		if run > 50*kills {
			t.Fatalf("only %d kills in %d runs: the commands end before the kill", killedBefore+killedAfter, run)
		}
		cmd := add(run)
		var out, errOut bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errOut
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(from + time.Duration(rng.Int64N(int64(span))))
		_ = cmd.Process.Signal(syscall.SIGKILL) // fails harmlessly when it has already exited
		err := cmd.Wait()
		parse(out.Bytes())
		status, _ := cmd.ProcessState.Sys().(syscall.WaitStatus)
		switch {
		case status.Signaled() && status.Signal() == syscall.SIGKILL:
			if savedLine.Match(out.Bytes()) {
				killedAfter++
			} else {
				killedBefore++
			}
		case err != nil:
			t.Fatalf("incident add failed without being killed: %v\n%s", err, errOut.String())
		default:
			finished++
		}
	}

	path := filepath.Join(data, store.FileName)
	if err := store.CheckFile(path); err != nil {
		t.Fatalf("after %d kills the file is damaged: %v", kills, err)
	}
	db, err := store.Open(data)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	svc := store.NewIncidents(db)
	for _, s := range saved {
		id, err := app.ParseID(s)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.FindIncidentByID(t.Context(), id); err != nil {
			t.Errorf("incident %s was reported saved but is missing: %v", s, err)
		}
	}
	_, total, err := svc.Incidents(t.Context(), incident.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d kills (%d before the saved line, %d after it) and %d runs to completion, aimed %s to %s after start; "+
		"%d incidents reported saved, all present; %d stored in all (the rest committed but killed before printing); file check clean",
		killedBefore+killedAfter, killedBefore, killedAfter, finished+5, from.Round(time.Millisecond), (from + span).Round(time.Millisecond), len(saved), total)
	if total < len(saved) {
		t.Errorf("the register holds %d incidents, fewer than the %d reported saved", total, len(saved))
	}
}
