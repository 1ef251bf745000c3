package main

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"dutyroom/app"
	"dutyroom/app/consult"
	"dutyroom/app/wire"
	"dutyroom/hub"
	"dutyroom/store"
)

// A host's client asks the running hub for a browser join link on its
// sync socket: the link it gets logs the leader's account into that
// room's page once; an account the hub does not know, one whose station
// is not invited, a station that does not host, a consultation that is
// not live and a hub that is not connected are each refused with their
// own reason.
func TestBrowserJoinLinkFromTheHost(t *testing.T) {
	h := startVideoHub(t)
	host := h.station(t, "xiangxi")
	guest := h.station(t, "jishou")
	ctx := app.WithAuthor(context.Background(), "张值班")
	svc := store.NewConsultations(host.db)
	c := consult.Consultation{Title: "暴雨防御视频会商", Invited: []app.ID{h.stations["jishou"].ID}}
	if err := svc.Schedule(ctx, &c); err != nil {
		t.Fatal(err)
	}
	host.sync.Kick()
	waitUntil(t, "the hub to open the room", func() bool { return h.sfu.Admits(c.ID, "xiangxi", h.stations["xiangxi"].ID) })

	link, err := host.links.JoinLink(ctx, c.ID, " xiangxi-leader ")
	if err != nil {
		t.Fatal(err)
	}
	base := "http" + strings.TrimPrefix(h.addr, "ws")
	if !strings.HasPrefix(link.URL, base+"/join#code=") || link.User != "xiangxi-leader" || link.Room != c.ID {
		t.Fatalf("link: %+v", link)
	}
	if left := time.Until(link.Expires); left < 14*time.Minute || left > 16*time.Minute {
		t.Errorf("the link lasts %s, want 15 minutes", left)
	}

	// The page trades the code for a session of that room, once.
	code := link.URL[strings.Index(link.URL, "#code=")+len("#code="):]
	page := func() wire.Envelope {
		t.Helper()
		ws, _, err := websocket.DefaultDialer.Dial(h.addr+"/join/sync", http.Header{"Origin": {base}})
		if err != nil {
			t.Fatal(err)
		}
		defer ws.Close()
		frame, _ := wire.Encode(wire.TypeHello, "hello", map[string]string{"version": wire.Version, "code": code})
		if err := ws.WriteMessage(websocket.TextMessage, frame); err != nil {
			t.Fatal(err)
		}
		_, data, err := ws.ReadMessage()
		if err != nil {
			t.Fatal(err)
		}
		env, err := wire.DecodeEnvelope(data)
		if err != nil {
			t.Fatal(err)
		}
		return env
	}
	env := page()
	var welcome hub.WebWelcome
	if env.Type != wire.TypeWelcome || json.Unmarshal(env.Data, &welcome) != nil || welcome.Room != c.ID || welcome.User != "xiangxi-leader" {
		t.Fatalf("the page's hello with the code: %s %s", env.Type, env.Data)
	}
	if env := page(); env.Type != wire.TypeError {
		t.Errorf("the code worked twice: %s", env.Type)
	}

	refused := func(what string, err error, field string) {
		t.Helper()
		var e *app.Error
		if err == nil || !errors.As(err, &e) || e.Field != field {
			t.Errorf("%s: %v, want a refusal about %q", what, err, field)
		}
	}
	_, err = host.links.JoinLink(ctx, c.ID, "nobody")
	refused("an account the hub does not know", err, consult.LinkAccount)
	_, err = host.links.JoinLink(ctx, c.ID, "  ")
	refused("no account", err, consult.LinkAccount)
	_, err = host.links.JoinLink(ctx, c.ID, "luxi")
	refused("an account of a station not invited", err, consult.LinkNotInvited)
	waitUntil(t, "the invitation to reach 吉首市", func() bool {
		_, err := store.NewConsultations(guest.db).Record(ctx, c.ID)
		return err == nil
	})
	_, err = guest.links.JoinLink(ctx, c.ID, "jishou")
	refused("an invited station that does not host", err, consult.LinkNotHost)

	if err := svc.End(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	_, err = host.links.JoinLink(ctx, c.ID, "xiangxi-leader")
	refused("an ended consultation", err, consult.LinkNotLive)

	live := consult.Consultation{Title: "第二次会商", Invited: []app.ID{h.stations["jishou"].ID}}
	if err := svc.Schedule(ctx, &live); err != nil {
		t.Fatal(err)
	}
	host.stop()
	_, err = host.links.JoinLink(ctx, live.ID, "xiangxi-leader")
	refused("the hub not connected", err, consult.LinkOffline)
}
