package app_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"dutyroom/app"
)

// A context made with WithActorFunc follows whoever is signed in now, and
// AuthorFrom keeps giving the name to code that knows only names.
func TestActorFuncFollowsTheSignIn(t *testing.T) {
	current := app.Actor{ID: app.NewID(), Name: "张三"}
	ctx := app.WithActorFunc(context.Background(), func() app.Actor { return current })
	if got := app.ActorFrom(ctx); got != current || app.AuthorFrom(ctx) != "张三" {
		t.Fatalf("before 换人: %+v", got)
	}
	current = app.Actor{ID: app.NewID(), Name: "李四"}
	if got := app.ActorFrom(ctx); got != current || app.AuthorFrom(ctx) != "李四" {
		t.Fatalf("after 换人: %+v", got)
	}
	if got := app.ActorFrom(app.WithAuthor(context.Background(), "dutyhub")); got.ID != app.NilID || got.Name != "dutyhub" {
		t.Fatalf("WithAuthor: %+v", got)
	}
	if got := app.ActorFrom(context.Background()); got != (app.Actor{}) {
		t.Fatalf("no author: %+v", got)
	}
}

// author_id is left out when no person signed, so older hubs and older
// files see the operation as before.
func TestOperationAuthorIDOmittedWhenEmpty(t *testing.T) {
	op := app.Operation{ID: app.NewID(), Seq: 1, Author: "x", Kind: "k", Entity: app.NewID()}
	raw, _ := json.Marshal(op)
	if strings.Contains(string(raw), "author_id") {
		t.Fatalf("an empty author id was written: %s", raw)
	}
	op.AuthorID = app.NewID()
	raw, _ = json.Marshal(op)
	var back app.Operation
	if err := json.Unmarshal(raw, &back); err != nil || back.AuthorID != op.AuthorID {
		t.Fatalf("author id round trip: %s, %v", raw, err)
	}
}
