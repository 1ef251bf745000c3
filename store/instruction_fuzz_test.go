package store_test

import (
	"encoding/json"
	"testing"
	"time"

	"dutyroom/app"
	"dutyroom/app/instruction"
	"dutyroom/store"
	"dutyroom/store/storetest"
)

// FuzzIncomingInstructionOps hands the county whatever payload arrives
// under each instruction kind, from the prefecture that issued the
// instruction it holds. Whatever the bytes, applying must not fail (a
// refusal is kept with its reason, never an error), and the record must
// still read back.
func FuzzIncomingInstructionOps(f *testing.F) {
	db := storetest.Open(f)
	dir := store.NewDirectory(db)
	pref := app.Station{Code: "433100", Name: "湘西州", Tier: app.TierPrefecture}
	county := app.Station{Code: "433101", Name: "吉首市", Tier: app.TierCounty}
	if err := dir.CreateStation(ctx, &pref); err != nil {
		f.Fatal(err)
	}
	county.Parent = pref.ID
	if err := dir.CreateStation(ctx, &county); err != nil {
		f.Fatal(err)
	}
	if err := store.NewIdentity(db).SetIdentity(ctx, county.ID); err != nil {
		f.Fatal(err)
	}
	now := time.Now().UTC()
	in := instruction.Instruction{ID: app.NewID(), Station: pref.ID, RecordedAt: now, Leader: "张明", LeaderPost: "州长", GivenAt: now,
		Source: instruction.SourcePaper, Words: "请核查", Tasks: []instruction.Task{{ID: app.NewID(), Text: "核查", Stations: []app.ID{county.ID}, Deadline: now.Add(time.Hour)}}}
	created, _ := json.Marshal(instruction.Created{Instruction: in})
	seq := uint64(1)
	apply := func(kind string, payload []byte) error {
		seq++
		op := app.Operation{ID: app.NewID(), Origin: pref.ID, Seq: seq, At: now, Kind: kind, Entity: in.ID, Payload: payload, To: []app.ID{county.ID}, Scope: app.ScopeNone}
		_, err := db.ApplyIncoming(ctx, "e", seq, []app.Operation{op})
		return err
	}
	if err := apply(instruction.OpCreate, created); err != nil {
		f.Fatal(err)
	}
	fb, _ := json.Marshal(instruction.Feedback{ID: app.NewID(), Instruction: in.ID, From: pref.ID, Text: "已办结", By: "李", At: now})
	done, _ := json.Marshal(instruction.Done{Instruction: in.ID, Task: in.Tasks[0].ID, For: instruction.Assignee{Station: county.ID}, From: pref.ID, At: now})
	for i, seed := range [][]byte{fb, done, created, []byte(`{"message":"x","sha256":"00","data":"AAAA"}`), []byte("null")} {
		f.Add(uint8(i), seed)
	}
	kinds := []string{instruction.OpFeedback, instruction.OpDone, instruction.OpAnswer, instruction.OpChunk, instruction.OpCreate}
	svc := store.NewInstructions(db)
	f.Fuzz(func(t *testing.T, k uint8, payload []byte) {
		if !json.Valid(payload) {
			return // the wire's decoder refuses it before any kind sees it (FuzzDecodeOperation)
		}
		if err := apply(kinds[int(k)%len(kinds)], payload); err != nil {
			t.Fatalf("applying failed instead of keeping: %v", err)
		}
		if _, err := svc.Find(ctx, in.ID); err != nil {
			t.Fatalf("the instruction no longer reads: %v", err)
		}
	})
}
