package ui

import (
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"dutyroom/app/instruction"
	"dutyroom/assets"
)

// newForm opens the new-instruction form and fills what every test needs.
func newForm(t *testing.T, u *UI) *instructionForm {
	t.Helper()
	s := u.instructions
	if s.newBtn.Disabled() {
		t.Fatal("the prefecture cannot record an instruction")
	}
	f := newInstructionForm(s)
	f.show()
	test.Type(f.leader, "张明")
	test.Type(f.post, "州长")
	test.Type(f.words, "请吉首市立即核查灾情，2小时内报告。")
	test.Type(f.tasks[0].text, "核查灾情并报告")
	test.Type(f.tasks[0].units, "州水文局、州气象台")
	return f
}

func TestInstructionByPhoneIsRefusedUntilReadBack(t *testing.T) {
	d := newInstructionDemo(t, "2026-07-14 10:00")
	u := d.open(t)
	f := newForm(t, u)
	f.source.SetSelected(lang.L("instruction.source_phone"))
	if !f.readRow.Visible() {
		t.Fatal("the read-back is not offered for a phone instruction")
	}
	test.Tap(f.save)
	if l := f.errs["read_back"]; !l.Visible() || l.Text != lang.L("instruction.error.read_back") {
		t.Fatalf("beside 复述确认: %q (visible %v)", l.Text, l.Visible())
	}
	if len(d.svc.recs) != 0 {
		t.Fatal("an instruction not read back was stored")
	}
	test.Tap(f.readBack)
	test.Tap(f.save)
	if len(d.svc.recs) != 1 {
		t.Fatalf("after the read-back: %d stored; errors %v", len(d.svc.recs), visibleErrors(f))
	}
	in := d.svc.recs[0].Instruction
	if in.ReadBack == nil || in.ReadBack.By != "值班员甲" || len(in.Tasks[0].Units) != 2 || in.Source != instruction.SourcePhone {
		t.Fatalf("stored: %+v", in)
	}
	if len(u.instructions.entries) != 1 {
		t.Fatalf("the register lists %d", len(u.instructions.entries))
	}
}

func TestInstructionFormNamesTheFieldOfEachMistake(t *testing.T) {
	d := newInstructionDemo(t, "2026-07-14 10:00")
	u := d.open(t)
	f := newForm(t, u)
	f.source.SetSelected(lang.L("instruction.source_paper"))
	if f.readRow.Visible() {
		t.Fatal("the read-back is offered for a paper instruction")
	}
	f.words.SetText("")
	test.Tap(f.save)
	if !f.errs["words"].Visible() {
		t.Fatalf("no words: %v", visibleErrors(f))
	}
	test.Type(f.words, "请核查")
	f.tasks[0].due.SetText("2026-07-14 09:00")
	test.Tap(f.save)
	if !f.errs["deadline"].Visible() || f.errs["deadline"].Text != lang.L("instruction.error.deadline") {
		t.Fatalf("a past deadline: %v", visibleErrors(f))
	}
	f.tasks[0].due.SetText("明天")
	test.Tap(f.save)
	if !f.errs["deadline"].Visible() || !strings.Contains(f.errs["deadline"].Text, "明天") {
		t.Fatalf("not a time: %v", visibleErrors(f))
	}
	if len(d.svc.recs) != 0 {
		t.Fatal("a refused instruction was stored")
	}
}

func visibleErrors(f *instructionForm) map[string]string {
	out := map[string]string{}
	for k, l := range f.errs {
		if l.Visible() {
			out[k] = l.Text
		}
	}
	return out
}

func TestInstructionDetailShowsWhoHasAndHasNotAnswered(t *testing.T) {
	d := newInstructionDemo(t, "2026-07-14 10:00")
	in := d.issue(t, 2*time.Hour, []string{"州水文局"}, d.jishou, d.luxi)
	d.answerAs(t, d.jishou, in, "已转移群众120人，无人员伤亡", true)
	d.now = d.now.Add(3 * time.Hour)
	u := d.open(t)
	s := u.instructions
	if len(s.entries) != 1 || s.entries[0].Overdue != 2 {
		t.Fatalf("register: %+v", s.entries)
	}
	s.list.Select(0)
	body := s.detail.body
	for _, want := range []string{"吉首市", "已转移群众120人，无人员伤亡", "泸溪县", lang.L("instruction.progress_overdue"), "州水文局（系统外）"} {
		if !hasText(body, want) && !slices.ContainsFunc(texts(body), func(s string) bool { return strings.Contains(s, want) }) {
			t.Errorf("the detail lacks %q: %q", want, texts(body))
		}
	}
	red := 0
	walk(body, func(o fyne.CanvasObject) {
		if l, ok := o.(*widget.Label); ok && l.Text == lang.L("instruction.progress_overdue") && l.Importance == widget.DangerImportance {
			red++
		}
	})
	if red != 2 {
		t.Errorf("%d overdue rows in red, want 2 (泸溪县, 州水文局)", red)
	}
	// The issuer records the unit's answer from the phone, then replies.
	if !s.detail.answerBox.Visible() || len(s.detail.answerFor.Options) != 1 || !strings.Contains(s.detail.answerFor.Selected, "州水文局") {
		t.Fatalf("the issuer's 办理 form: %v", s.detail.answerFor.Options)
	}
	test.Type(s.detail.answerText, "水位已回落")
	test.Tap(s.detail.answerDone)
	test.Tap(s.detail.answerSend)
	if rec, _ := d.svc.Find(u.ctx, in.ID); len(rec.Answers) != 2 || rec.Answers[1].For.Unit != "州水文局" {
		t.Fatalf("the unit's answer: %+v", rec.Answers)
	}
	test.Tap(s.detail.feedbackDraft)
	if !strings.Contains(s.detail.feedbackText.Text, "水位已回落") || !strings.Contains(s.detail.feedbackText.Text, "泸溪县：尚未反馈") {
		t.Fatalf("draft: %s", s.detail.feedbackText.Text)
	}
	test.Tap(s.detail.feedbackSave)
	if rec, _ := d.svc.Find(u.ctx, in.ID); rec.LastFeedback() == nil || rec.LastFeedback().By != "值班员甲" {
		t.Fatalf("the reply was not recorded: %+v", rec.Feedback)
	}
}

func TestNamedStationAnswersItsTaskInTheDetail(t *testing.T) {
	d := newInstructionDemo(t, "2026-07-14 10:00")
	in := d.issue(t, 2*time.Hour, nil, d.jishou, d.luxi)
	d.store.identity = d.jishou.ID
	u := d.open(t)
	s := u.instructions
	if len(s.entries) != 1 {
		t.Fatalf("the county's register: %+v", s.entries)
	}
	s.list.Select(0)
	if s.detail.feedbackBox.Visible() {
		t.Fatal("the county is offered the reply to the leader")
	}
	if len(s.detail.answerFor.Options) != 1 || !strings.Contains(s.detail.answerFor.Selected, "吉首市") {
		t.Fatalf("the county's choices: %v", s.detail.answerFor.Options)
	}
	test.Tap(s.detail.answerSend)
	if !s.detail.answerErr.Visible() || s.detail.answerErr.Text != lang.L("instruction.error.text") {
		t.Fatalf("an empty answer: %q", s.detail.answerErr.Text)
	}
	test.Type(s.detail.answerText, "已核查，无人员伤亡")
	test.Tap(s.detail.answerSend)
	rec, _ := d.svc.Find(u.ctx, in.ID)
	if len(rec.Answers) != 1 || rec.Answers[0].From != d.jishou.ID {
		t.Fatalf("answers: %+v", rec.Answers)
	}
}

func TestOverdueInstructionTasksAreCountedInRedInTheStatusBar(t *testing.T) {
	d := newInstructionDemo(t, "2026-07-14 10:00")
	d.issue(t, time.Hour, []string{"州水文局"}, d.jishou, d.luxi)
	u := d.open(t)
	if u.status.instructions.Visible() {
		t.Fatal("the bar counts overdue tasks before any deadline")
	}
	d.now = d.now.Add(50 * time.Minute)
	test.AssertNotificationSent(t, fyne.NewNotification(lang.L("instruction.remind_title"),
		lang.L("instruction.remind_before", map[string]any{"Who": "州水文局", "Due": "11:00"})), u.onTick)
	d.now = d.now.Add(20 * time.Minute)
	u.onTick()
	l := u.status.instructions
	if !l.Visible() || l.Text != lang.L("instruction.status_overdue", map[string]any{"Count": 3}) || l.Importance != widget.DangerImportance {
		t.Fatalf("the status bar: %q visible %v", l.Text, l.Visible())
	}
	if u.nav.badges["instructions"] != 3 {
		t.Fatalf("the navigation's count: %d", u.nav.badges["instructions"])
	}
}

// TestInstructionScreenFitsSmallestWindow lays out the 批示 screen with a
// record open, and the new-instruction form with every error shown, in
// both languages, within the smallest supported window.
func TestInstructionScreenFitsSmallestWindow(t *testing.T) {
	for _, language := range []string{assets.Chinese, assets.English} {
		t.Run(language, func(t *testing.T) {
			inLanguage(t, language)
			d := newInstructionDemo(t, "2026-07-14 10:00")
			in := d.issue(t, 2*time.Hour, []string{"州水文局"}, d.jishou, d.luxi)
			d.answerAs(t, d.jishou, in, "已组织转移群众120人，无人员伤亡，道路已抢通。", true)
			u := d.open(t)
			u.win.Resize(smallest)
			u.instructions.list.Select(0)
			fits(t, "批示", u.win.Content().MinSize())
			f := newInstructionForm(u.instructions)
			f.show()
			for field := range f.errs {
				f.showError(field, lang.L("instruction.error.read_back"))
			}
			fits(t, "the new-instruction form", f.dlg.MinSize())
		})
	}
}

// Offline, the new-批示 form and the 办理 form say the record waits here
// and goes out when the link returns.
func TestInstructionFormsSayTheyWaitForTheLinkOffline(t *testing.T) {
	d := newInstructionDemo(t, "2026-07-14 10:00")
	d.issue(t, 2*time.Hour, []string{"州水文局"}, d.jishou)
	u := d.open(t)
	f := newForm(t, u)
	if !slices.ContainsFunc(texts(f.content), func(s string) bool { return strings.HasPrefix(s, "离线") }) {
		t.Errorf("the new-instruction form does not say it is offline: %q", texts(f.content))
	}
	f.dlg.Hide()
	u.instructions.list.Select(0)
	if !slices.ContainsFunc(texts(u.instructions.detail.answerBox), func(s string) bool { return strings.HasPrefix(s, "离线") }) {
		t.Errorf("the 办理 form does not say it is offline: %q", texts(u.instructions.detail.answerBox))
	}
}
