package app

import (
	"bytes"
	"encoding/json"
	"unicode/utf8"
)

// UnmarshalObject decodes one JSON object into v. It refuses anything else:
// a record that decodes from "null" or "[]" into zero values is damage, not
// data, whether it comes from the data file or from another station.
func UnmarshalObject(data []byte, v any) error {
	data = bytes.TrimSpace(data)
	if len(data) == 0 || data[0] != '{' {
		return Errorf(EINVALID, "not a JSON object")
	}
	if !utf8.Valid(data) {
		return Errorf(EINVALID, "not valid UTF-8")
	}
	if err := json.Unmarshal(data, v); err != nil {
		return Errorf(EINVALID, "malformed JSON: %v", err)
	}
	return nil
}
