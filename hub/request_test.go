package hub_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"dutyroom/app/syncer"
	"dutyroom/app/wire"
	"dutyroom/hub"
)

// A client's question to the hub beside the sync traffic comes back to the
// caller that asked it, as an answer or as the hub's error of the same id;
// without a connection the caller is told at once.
func TestRequestIsAnsweredToItsCaller(t *testing.T) {
	h := startHub(t, hub.Config{})
	c := newClient(t, "t1")
	c.start(h.addr, "t1")
	c.caughtUp()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := c.eng.Request(ctx, "no.such.question", map[string]string{"a": "b"})
	var we *wire.Error
	if !errors.As(err, &we) || we.Code != wire.CodeUnknownType {
		t.Fatalf("a question the hub does not know: %v, want its unknown_type error", err)
	}
	// The sync goes on after the answer.
	c.caughtUp()
	c.stop()
	if _, err := c.eng.Request(ctx, "no.such.question", nil); !errors.Is(err, syncer.ErrOffline) {
		t.Fatalf("a question with no connection: %v, want ErrOffline", err)
	}
}
