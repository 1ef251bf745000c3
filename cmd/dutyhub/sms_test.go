package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestSMSTestCommandPrintsTheOutcomeAndListMasksNumbers runs `dutyhub sms
// test` on the gammu files back-end. No modem exists here, so the test
// does what gammu-smsd does once it sent a message: it moves the outbox
// file to the sent folder under the same name.
func TestSMSTestCommandPrintsTheOutcomeAndListMasksNumbers(t *testing.T) {
	dir := t.TempDir()
	spool := t.TempDir()
	for _, d := range []string{"outbox", "inbox", "sent", "error"} {
		if err := os.Mkdir(filepath.Join(spool, d), 0o750); err != nil {
			t.Fatal(err)
		}
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range 200 {
			entries, _ := os.ReadDir(filepath.Join(spool, "outbox"))
			for _, e := range entries {
				if strings.HasPrefix(e.Name(), "OUT") {
					_ = os.Rename(filepath.Join(spool, "outbox", e.Name()), filepath.Join(spool, "sent", e.Name()))
					return
				}
			}
			time.Sleep(50 * time.Millisecond)
		}
	}()
	flags := []string{"-data", dir, "-sms", "gammu", "-sms-gammu-dir", spool}
	code, out, errOut := runCLI(t, "", append(flags, "sms", "test", "13800001234")...)
	<-done
	if code != 0 || !strings.Contains(out, "via gammu to 138****1234: sent (the daemon sent it)") {
		t.Fatalf("sms test: exit %d, out %q, err %q", code, out, errOut)
	}
	code, out, errOut = runCLI(t, "", append(flags, "sms", "test", "0743-8221234")...)
	if code != 1 || !strings.Contains(errOut, "not a mobile number") {
		t.Fatalf("sms test of an office line: exit %d, out %q, err %q", code, out, errOut)
	}
	code, out, _ = runCLI(t, "", "-data", dir, "sms", "list")
	if code != 0 || !strings.Contains(out, "138****1234") || strings.Contains(out, "13800001234") {
		t.Fatalf("sms list: exit %d, out %q", code, out)
	}
	// The queue's bucket beside the hub's own leaves the file sound.
	if code, out, _ = runCLI(t, "", "-data", dir, "check"); code != 0 || !strings.Contains(out, "is sound") {
		t.Fatalf("check after sms test: exit %d, out %q", code, out)
	}
	code, _, errOut = runCLI(t, "", "-data", dir, "sms", "test", "13800001234")
	if code != 1 || !strings.Contains(errOut, "no SMS gateway configured") {
		t.Fatalf("sms test with the gateway off: exit %d, err %q", code, errOut)
	}
}
