package ui

import (
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"dutyroom/app"
	"dutyroom/app/consult"
)

// typeKey types one key into whatever holds the keyboard of win.
func typeKey(t *testing.T, win fyne.Window, key fyne.KeyName) {
	t.Helper()
	f := win.Canvas().Focused()
	if f == nil {
		t.Fatalf("nothing holds the keyboard to type %s into", key)
	}
	f.TypedKey(&fyne.KeyEvent{Name: key})
}

// The consultation window's two-button dialogs answer Escape with their
// cancel button and Enter with their action, as the main window's do.
func TestConsultWindowDialogsAnswerEnterAndEscape(t *testing.T) {
	d := newConsultDemo(t)
	c := consult.Consultation{Title: "防汛调度", Invited: []app.ID{d.luxi.ID, d.qianzhou.ID}}
	if err := d.consults.Schedule(t.Context(), &c); err != nil {
		t.Fatal(err)
	}
	u := d.open(t, "consultation")
	r := roomOf(t, u)

	test.Tap(r.rollCall)
	if r.win.Canvas().Overlays().Top() == nil {
		t.Fatal("点名 opens no dialog")
	}
	typeKey(t, r.win, fyne.KeyEscape)
	if r.win.Canvas().Overlays().Top() != nil {
		t.Error("Escape leaves the roll-call dialog open")
	}
	if rec, _ := d.consults.Record(t.Context(), c.ID); len(rec.Calls) != 0 {
		t.Errorf("Escape called the roll: %+v", rec.Calls)
	}

	test.Tap(r.rollCall)
	typeKey(t, r.win, fyne.KeyReturn)
	if r.win.Canvas().Overlays().Top() != nil {
		t.Error("Enter leaves the roll-call dialog open")
	}
	if rec, _ := d.consults.Record(t.Context(), c.ID); len(rec.Calls) != 1 {
		t.Errorf("Enter did not call the roll: %d calls", len(rec.Calls))
	}

	// 结束会商 in the main window: Escape keeps the consultation going.
	u.consults.list.Select(0)
	u.consults.onEnd()
	typeKey(t, u.win, fyne.KeyEscape)
	if u.win.Canvas().Overlays().Top() != nil {
		t.Error("Escape leaves the end-consultation question open")
	}
	if rec, _ := d.consults.Record(t.Context(), c.ID); rec.Consultation.State == consult.Ended {
		t.Error("Escape ended the consultation")
	}
}

// The consultation window's 浏览器入会链接 dialog closes with Escape.
func TestConsultLinkDialogClosesWithEscape(t *testing.T) {
	_, _, r, _ := hostRoom(t, &fakeLinks{})
	r.openLinkDialog()
	if r.win.Canvas().Overlays().Top() == nil {
		t.Fatal("the link dialog did not open")
	}
	typeKey(t, r.win, fyne.KeyEscape)
	if r.win.Canvas().Overlays().Top() != nil {
		t.Error("Escape leaves the link dialog open")
	}
}
