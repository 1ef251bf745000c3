package hub_test

import (
	"context"
	"net/http"
	"testing"

	"dutyroom/app"
	"dutyroom/app/villagereport"
	"dutyroom/hub"
)

// The client's officer accounts (villagereport.HubAccounts, as 通讯录 and
// dutyroom officer use them) over a real hub: the township sets up its
// village's officer, who then signs in at the page; the other township is
// refused in words naming the village; the list shows the account; a
// revoke signs the phone out.
func TestOfficerAccountFromTheClientSignsInAtThePage(t *testing.T) {
	w := startOfficerWorld(t, hub.Config{})
	ctx := context.Background()
	t1 := villagereport.HubAccounts{Request: w.t1.eng.Request}
	t2 := villagereport.HubAccounts{Request: w.t2.eng.Request}

	if _, err := t2.SetAccount(ctx, w.p1.ID, "13907431234", "zhenxi2026"); app.ErrorCode(err) != app.EFORBIDDEN || app.ErrorField(err) != villagereport.FieldHub {
		t.Fatalf("another township sets up 乾州村's officer: %v", err)
	}
	st, err := t1.SetAccount(ctx, w.p1.ID, "13907431234", "zhenxi2026")
	if err != nil || st.Login != "13907431234" || st.Station != w.V1.ID {
		t.Fatalf("the township sets up its officer: %+v, %v", st, err)
	}
	list, err := t1.List(ctx)
	if err != nil || len(list) != 1 || list[0].Person != w.p1.ID {
		t.Fatalf("the township's list: %+v, %v", list, err)
	}
	ph := w.phone(t)
	if a := ph.login("13907431234", "zhenxi2026"); a.status != http.StatusOK {
		t.Fatalf("the officer signs in: %d %s", a.status, a.body)
	}
	if _, err := t1.Revoke(ctx, w.p1.ID, "13907431234"); err != nil {
		t.Fatal(err)
	}
	if a := ph.json(http.MethodGet, "/report/api/me", nil); a.status != http.StatusUnauthorized {
		t.Fatalf("the revoked officer's phone still reads: %d %s", a.status, a.body)
	}
	if _, err := t1.SetAccount(ctx, w.p2.ID, "13907431234", "zhenxi2026"); app.ErrorCode(err) != app.EFORBIDDEN {
		t.Fatalf("the township sets up another township's officer: %v", err)
	}
	if _, err := t2.SetAccount(ctx, w.p2.ID, "13907431234", "zhenxi2026"); app.ErrorField(err) != villagereport.FieldLogin {
		t.Fatalf("峒河村's officer under 乾州村's officer's login: %v", err)
	}
}
