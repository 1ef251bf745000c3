package hub

import (
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"dutyroom/app"
	"dutyroom/app/wire"
)

func TestPasswordHashRoundTrip(t *testing.T) {
	h, err := hashPassword("值班室密码 2026")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("hash %q does not record the OWASP parameters", h)
	}
	if !checkPassword(h, "值班室密码 2026") {
		t.Fatal("the right password does not match")
	}
	for _, wrong := range []string{"值班室密码 2025", "", "值班室密码 2026 "} {
		if checkPassword(h, wrong) {
			t.Fatalf("%q matches", wrong)
		}
	}
	for _, bad := range []string{"", "-", "$argon2i$v=19$m=19456,t=2,p=1$c2FsdA$a2V5", "$argon2id$v=19$m=0,t=2,p=1$c2FsdA$a2V5", "$argon2id$v=19$m=19456,t=2,p=1$!!$a2V5"} {
		if checkPassword(bad, "x") {
			t.Fatalf("the unreadable hash %q matched", bad)
		}
	}
	h2, _ := hashPassword("值班室密码 2026")
	if h2 == h {
		t.Fatal("two hashes of one password share a salt")
	}
}

func TestAccountRules(t *testing.T) {
	db, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	p := app.Station{ID: app.NewID(), Code: "433100", Name: "湘西州", Tier: app.TierPrefecture}
	if err := db.ImportStations([]app.Station{p}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, station, pw, code string
	}{
		{"", "433100", "long enough", app.EINVALID},
		{"has space", "433100", "long enough", app.EINVALID},
		{"zhang", "433100", "short", app.EINVALID},
		{"zhang", "999999", "long enough", app.ENOTFOUND},
		{"zhang", "433100", "long enough", ""},
		{"zhang", p.ID.String(), "long enough", app.ECONFLICT},
	} {
		if err := db.AddUser(tc.name, tc.station, tc.pw); app.ErrorCode(err) != tc.code {
			t.Errorf("AddUser(%q, %q) = %v, want %q", tc.name, tc.station, err, tc.code)
		}
	}
	token, s, err := db.Login("zhang", "long enough", time.Hour)
	if err != nil || s.Station != p.ID || len(token) != 43 {
		t.Fatalf("Login = %q, %+v, %v", token, s, err)
	}
	if _, _, err := db.Login("nobody", "long enough", time.Hour); err.Error() != wire.Errorf(wire.CodeUnauthorized, "wrong user name or password").Error() {
		t.Fatalf("an unknown user is told apart from a wrong password: %v", err)
	}
	// The token is stored hashed: the raw token is nowhere in the file.
	err = db.bolt.View(func(tx *bolt.Tx) error {
		return bucket(tx, bucketSessions).ForEach(func(k, v []byte) error {
			if strings.Contains(string(k)+string(v), token) {
				t.Error("the session token is stored in the clear")
			}
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.SetPassword("zhang", "another password"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Authenticate(token); err == nil {
		t.Fatal("a password change left the old session open")
	}
	if _, _, err := db.Login("zhang", "long enough", time.Hour); err == nil {
		t.Fatal("the old password still works")
	}
}

func TestThrottleDoublesUpToTheCap(t *testing.T) {
	th := newThrottle(DefaultThrottleEntries)
	now := time.Date(2026, 7, 1, 8, 0, 0, 0, time.UTC)
	for range FreeFailures - 1 {
		th.fail(now, "user:a")
	}
	if w := th.wait(now, "user:a"); w != 0 {
		t.Fatalf("throttled after %d failures: %s", FreeFailures-1, w)
	}
	var waits []time.Duration
	for range 4 {
		th.fail(now, "user:a")
		waits = append(waits, th.wait(now, "user:a"))
	}
	if want := []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second}; !equalDurations(waits, want) {
		t.Fatalf("waits %v, want %v", waits, want)
	}
	for range 40 {
		th.fail(now, "user:a")
	}
	if w := th.wait(now, "user:a"); w != MaxLockout {
		t.Fatalf("wait after many failures %s, want the cap %s", w, MaxLockout)
	}
	if w := th.wait(now, "user:b"); w != 0 {
		t.Fatalf("an unrelated account waits %s", w)
	}
	// Failures an hour old are forgotten.
	for range FreeFailures {
		th.fail(now, "addr:1")
	}
	later := now.Add(2 * forgetAfter)
	th.fail(later, "addr:1")
	if w := th.wait(later, "addr:1"); w != 0 {
		t.Fatalf("old failures still count: wait %s", w)
	}
}

func equalDurations(a, b []time.Duration) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestTreeRouter(t *testing.T) {
	p := app.Station{ID: app.NewID(), Code: "P", Name: "州", Tier: app.TierPrefecture}
	c1 := app.Station{ID: app.NewID(), Code: "C1", Name: "县1", Tier: app.TierCounty, Parent: p.ID}
	c2 := app.Station{ID: app.NewID(), Code: "C2", Name: "县2", Tier: app.TierCounty, Parent: p.ID}
	t1 := app.Station{ID: app.NewID(), Code: "T1", Name: "镇1", Tier: app.TierTownship, Parent: c1.ID}
	t2 := app.Station{ID: app.NewID(), Code: "T2", Name: "镇2", Tier: app.TierTownship, Parent: c1.ID}
	tree := app.NewTree([]app.Station{p, c1, c2, t1, t2})
	r := TreeRouter{}
	reads := func(station app.ID, audiences []Audience) bool {
		for _, f := range r.Feeds(tree, station) {
			for _, a := range audiences {
				if f == a {
					return true
				}
			}
		}
		return false
	}
	for _, tc := range []struct {
		name     string
		op       app.Operation
		subject  app.ID
		receive  []app.ID
		excluded []app.ID
	}{
		{"report up from a township", app.Operation{Origin: t1.ID, Kind: "roster.log"}, t1.ID, []app.ID{c1.ID, p.ID}, []app.ID{t2.ID, c2.ID}},
		{"broadcast down from a county", app.Operation{Origin: c1.ID, Kind: "warning.issue", Scope: app.ScopeDown}, c1.ID, []app.ID{t1.ID, t2.ID}, []app.ID{p.ID, c2.ID}},
		{"direct report skipping the county", app.Operation{Origin: t1.ID, Kind: "message.send", Scope: app.ScopeNone, To: []app.ID{p.ID, c1.ID}}, t1.ID, []app.ID{p.ID, c1.ID}, []app.ID{t2.ID, c2.ID}},
		{"a station record", app.Operation{Origin: t1.ID, Kind: app.OpStationUpdate}, t1.ID, []app.ID{p.ID, c1.ID, c2.ID, t1.ID, t2.ID}, nil},
		{"a person of a township edited by its county", app.Operation{Origin: c1.ID, Kind: app.OpPersonUpdate}, t1.ID, []app.ID{c1.ID, p.ID, t1.ID}, []app.ID{t2.ID, c2.ID}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			audiences, err := r.Route(tree, &tc.op, tc.subject)
			if err != nil {
				t.Fatal(err)
			}
			for _, id := range tc.receive {
				if !reads(id, audiences) {
					t.Errorf("%s does not receive it", tree.Station(id).Name)
				}
			}
			for _, id := range tc.excluded {
				if reads(id, audiences) {
					t.Errorf("%s receives it", tree.Station(id).Name)
				}
			}
		})
	}
	bad := app.Operation{Origin: t1.ID, Kind: "message.send", To: []app.ID{app.NewID()}}
	if _, err := r.Route(tree, &bad, t1.ID); err == nil || !strings.Contains(err.Error(), "does not know") {
		t.Fatalf("an unknown addressee: %v", err)
	}
}

func TestStationImportIsAllOrNothing(t *testing.T) {
	db, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	list, err := DecodeStationList([]byte(`[
		{"code":"433100","name":"湘西州","tier":1},
		{"id":"019c8a6e-0000-7000-8000-000000000002","code":"433101","name":"吉首市","tier":2,"parent":"019c8a6e-0000-7000-8000-000000000001"}
	]`))
	if err != nil {
		t.Fatal(err)
	}
	// The county names a parent that is not in the file: nothing is stored.
	if err := db.ImportStations(list); app.ErrorCode(err) != app.EINVALID || !strings.Contains(err.Error(), "吉首市") {
		t.Fatalf("import with a missing parent: %v", err)
	}
	if got, _ := db.Stations(); len(got) != 0 {
		t.Fatalf("a refused import left %d stations", len(got))
	}
	if head, _ := db.Head(); head != 0 {
		t.Fatalf("a refused import logged %d operations", head)
	}
	list[1].Parent = app.NilID
	list[0].ID = app.NewID()
	list[1].Parent = list[0].ID
	if err := db.ImportStations(list); err != nil {
		t.Fatal(err)
	}
	if err := db.ImportStations([]app.Station{{Code: "433101", Name: "重复", Tier: app.TierCounty, Parent: list[0].ID}}); app.ErrorCode(err) != app.ECONFLICT {
		t.Fatalf("a code already in the tree: %v", err)
	}
	for _, bad := range []string{``, `{}`, `[1]`, `[{"code":"x"`, `null`} {
		if _, err := DecodeStationList([]byte(bad)); app.ErrorCode(err) != app.EINVALID {
			t.Errorf("DecodeStationList(%q) = %v", bad, err)
		}
	}
}
