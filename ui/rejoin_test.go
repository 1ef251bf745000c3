package ui

import (
	"testing"

	"fyne.io/fyne/v2/widget"

	"dutyroom/app/syncer"
)

// A restored folder that took back its station's records from the hub
// says how many beside the connection's word; a second live folder of the
// station says why it sends nothing, loudly, in the bar and in 联网.
func TestStatusBarSaysWhatCameBackAndWhenAnotherFolderSyncs(t *testing.T) {
	h := newFakeHub(syncer.Status{})
	u := newHubUI(t, newDemo().store, h)

	h.set(syncer.Status{Addr: "wss://10.0.0.5:7443", Running: true, State: syncer.State{Online: true, Rejoined: 12, Received: 12}})
	if got, want := u.status.online.Text, "在线 · 从枢纽取回本站 12 条记录"; got != want {
		t.Errorf("after rejoining the bar says %q, want %q", got, want)
	}

	second := syncer.Status{Addr: "wss://10.0.0.5:7443", Running: true, State: syncer.State{ErrCode: syncer.CodeSecondFolder, Err: "another data folder is syncing as this station"}}
	h.set(second)
	if got, want := u.status.online.Text, "本站另有数据目录在同步，本机暂停发送"; got != want {
		t.Errorf("a second folder: the bar says %q, want %q", got, want)
	}
	if u.status.online.Importance != widget.DangerImportance {
		t.Error("a second folder is not shown as a danger")
	}
	if got := hubErrorText(second); got == "" || got == hubErrorText(syncer.Status{State: syncer.State{Err: "x"}}) {
		t.Errorf("联网 explains a second folder as %q", got)
	}
}
