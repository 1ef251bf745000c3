package hub_test

import (
	"encoding/json"
	"time"

	"dutyroom/app"
)

// hostOp is a consultation operation whose payload names its host, as the
// host's client sends it.
func hostOp(origin app.ID, seq uint64, kind string, room app.ID) app.Operation {
	o := op(origin, seq, kind)
	o.Entity = room
	o.Payload, _ = json.Marshal(map[string]any{"id": room, "host": origin, "title": "会商", "state": "live", "created_at": time.Now().UTC()})
	return o
}
