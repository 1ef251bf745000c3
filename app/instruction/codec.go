package instruction

import (
	"dutyroom/app"
)

// The payload decoders read what another station sent. Each refuses
// anything but one JSON object, then the record's own Validate decides
// against the instruction and the tree.

// DecodeCreated reads the payload of OpCreate.
func DecodeCreated(data []byte) (Created, error) {
	var c Created
	if err := app.UnmarshalObject(data, &c); err != nil {
		return Created{}, app.Errorf(app.EINVALID, "%s: %s", OpCreate, app.ErrorMessage(err))
	}
	return c, nil
}

// DecodeAnswer reads the payload of OpAnswer.
func DecodeAnswer(data []byte) (AnswerSent, error) {
	var a AnswerSent
	if err := app.UnmarshalObject(data, &a); err != nil {
		return AnswerSent{}, app.Errorf(app.EINVALID, "%s: %s", OpAnswer, app.ErrorMessage(err))
	}
	return a, nil
}

// DecodeDone reads the payload of OpDone.
func DecodeDone(data []byte) (Done, error) {
	var d Done
	if err := app.UnmarshalObject(data, &d); err != nil {
		return Done{}, app.Errorf(app.EINVALID, "%s: %s", OpDone, app.ErrorMessage(err))
	}
	return d, nil
}

// DecodeFeedback reads the payload of OpFeedback.
func DecodeFeedback(data []byte) (Feedback, error) {
	var f Feedback
	if err := app.UnmarshalObject(data, &f); err != nil {
		return Feedback{}, app.Errorf(app.EINVALID, "%s: %s", OpFeedback, app.ErrorMessage(err))
	}
	return f, nil
}
