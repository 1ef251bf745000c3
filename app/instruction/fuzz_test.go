package instruction_test

import (
	"encoding/json"
	"testing"

	"dutyroom/app"
	"dutyroom/app/instruction"
)

// Payloads arrive from other stations. Whatever the bytes, decoding and
// validation must not panic, and every refusal must carry a code (and a
// field when it is EINVALID from Validate).
func FuzzInstructionPayloads(f *testing.F) {
	tree, s := testTree()
	in := phoneInstruction(s)
	if err := in.Validate(tree, now); err != nil {
		f.Fatal(err)
	}
	created, _ := json.Marshal(instruction.Created{Instruction: in})
	answer, _ := json.Marshal(instruction.AnswerSent{Answer: instruction.Answer{ID: app.NewID(), Instruction: in.ID, Task: in.Tasks[0].ID, For: instruction.Assignee{Station: s.c1.ID}, From: s.c1.ID, Text: "已处置", At: now}})
	done, _ := json.Marshal(instruction.Done{Instruction: in.ID, Task: in.Tasks[0].ID, For: instruction.Assignee{Unit: "州水文局"}, From: s.p.ID, At: now})
	fb, _ := json.Marshal(instruction.Feedback{ID: app.NewID(), Instruction: in.ID, From: s.p.ID, Text: "已办结", By: "李", At: now})
	for _, seed := range [][]byte{created, answer, done, fb, []byte("null"), []byte("[]"), []byte(`{"instruction":{}}`)} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if c, err := instruction.DecodeCreated(data); err == nil {
			got := c.Instruction
			if err := got.Validate(tree, now); err != nil && app.ErrorCode(err) == app.EINVALID && app.ErrorField(err) == "" {
				t.Fatalf("refusal without a field: %v", err)
			} else if err == nil && len(got.Stations()) > instruction.MaxStations {
				t.Fatalf("accepted %d stations", len(got.Stations()))
			}
		} else if app.ErrorCode(err) != app.EINVALID {
			t.Fatalf("decode error code %s", app.ErrorCode(err))
		}
		if a, err := instruction.DecodeAnswer(data); err == nil {
			_ = a.Answer.Validate(&in)
		}
		if d, err := instruction.DecodeDone(data); err == nil {
			_ = d.Validate(&in)
		}
		if fb, err := instruction.DecodeFeedback(data); err == nil {
			_ = fb.Validate(&in)
		}
	})
}
