package hub

import (
	"testing"
	"time"

	"dutyroom/app"
)

// An account plays at most MaxRecordingStreams recordings at once; one
// ending frees its place, and another account's count is its own.
func TestRecordingStreamsPerAccountAreBounded(t *testing.T) {
	rs := newRecordings(t.TempDir(), 2)
	if !rs.takeStream("c1") || !rs.takeStream("c1") {
		t.Fatal("the first two streams were refused")
	}
	if rs.takeStream("c1") {
		t.Fatal("a third stream at once was taken with a bound of 2")
	}
	if !rs.takeStream("t1") {
		t.Fatal("another account was refused for c1's streams")
	}
	rs.releaseStream("c1")
	if !rs.takeStream("c1") {
		t.Fatal("a stream ended and its place was not freed")
	}
	if newRecordings("", 0).maxStreams != DefaultMaxRecordingStreams {
		t.Fatal("the default bound is not taken")
	}
}

// The host, the invited and the stations above the host may watch;
// siblings and stations below who were not invited may not.
func TestWhoMayWatchRecordings(t *testing.T) {
	p := app.Station{ID: app.NewID(), Code: "1", Name: "州", Tier: app.TierPrefecture}
	c1 := app.Station{ID: app.NewID(), Code: "2", Name: "市", Tier: app.TierCounty, Parent: p.ID}
	c2 := app.Station{ID: app.NewID(), Code: "3", Name: "县", Tier: app.TierCounty, Parent: p.ID}
	t1 := app.Station{ID: app.NewID(), Code: "4", Name: "街道一", Tier: app.TierTownship, Parent: c1.ID}
	t2 := app.Station{ID: app.NewID(), Code: "5", Name: "街道二", Tier: app.TierTownship, Parent: c1.ID}
	tree := app.NewTree([]app.Station{p, c1, c2, t1, t2})
	seen := consultSeen{Host: c1.ID, Invited: []app.ID{t1.ID}}
	for st, want := range map[app.ID]bool{c1.ID: true, t1.ID: true, p.ID: true, c2.ID: false, t2.ID: false, app.NilID: false} {
		if got := mayWatch(tree, seen, st); got != want {
			t.Errorf("station %s: may watch %v, want %v", st, got, want)
		}
	}
}

// A recordings code is spent once, expires, and buys a recordings session
// only; join codes and sessions and recordings ones do not stand in for
// each other.
func TestRecordingCodesAndSessionsStandForNothingElse(t *testing.T) {
	db, now := linkDB(t)
	room := app.NewID()

	code, g, err := db.issueRecordingCode("xiangxi", room)
	if err != nil || g.Expires != now.Add(RecordingCodeTTL) {
		t.Fatalf("issue: %+v, %v", g, err)
	}
	if _, _, err := db.RedeemJoinCode(code); err == nil {
		t.Fatal("a recordings code was taken as a join link")
	}
	token, g, err := db.redeemRecordingCode(code)
	if err != nil || g.Kind != grantRecSession || g.Expires != now.Add(RecordingSessionTTL) {
		t.Fatalf("redeem: %+v, %v", g, err)
	}
	if _, _, err := db.redeemRecordingCode(code); err == nil {
		t.Fatal("a recordings code was spent twice")
	}
	if _, err := db.AuthenticateWeb(token); err == nil {
		t.Fatal("a recordings session was taken as a join page's session")
	}
	if g, err := db.authenticateRecording(token); err != nil || g.User != "xiangxi" {
		t.Fatalf("the recordings session: %+v, %v", g, err)
	}

	join, _, err := db.IssueJoinCode("xiangxi", room, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := db.redeemRecordingCode(join); err == nil {
		t.Fatal("a join code opened the recordings")
	}

	late, _, err := db.issueRecordingCode("xiangxi", room)
	if err != nil {
		t.Fatal(err)
	}
	*now = now.Add(RecordingCodeTTL + time.Second)
	if _, _, err := db.redeemRecordingCode(late); err == nil {
		t.Fatal("a recordings code worked after its two minutes")
	}
	*now = now.Add(RecordingSessionTTL)
	if _, err := db.authenticateRecording(token); err == nil {
		t.Fatal("a recordings session outlived its hours")
	}
}
