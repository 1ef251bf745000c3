package ui

import (
	"sort"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"dutyroom/app"
	"dutyroom/app/roster"
)

// noticeRows returns the notice rows shown, top to bottom.
func noticeRows(p *minePanel) []*noticeRow {
	var out []*noticeRow
	walk(p.notices, func(o fyne.CanvasObject) {
		if r, ok := o.(*noticeRow); ok {
			out = append(out, r)
		}
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Position().Y < out[j].Position().Y })
	return out
}

func TestNoticesAreListedUnreadFirstAndMarkedRead(t *testing.T) {
	d := newDutyDemo(t, "2026-10-03 09:00")
	d.put("2026-10-12", leader0, d.zhang)
	d.put("2026-10-12", officer0, d.liu)
	r := d.store.rosters
	if _, err := r.Publish(setupContext(t), d.jishou.ID, roster.Month{Y: 2026, M: 10}, true); err != nil {
		t.Fatal(err)
	}
	u := openDuty(t, d, 1)
	if got := u.duty.tabs.Items[2].Text; got != "我的值班（2 条未读）" {
		t.Errorf("tab reads %q after publishing to two people", got)
	}

	// A change to the published month through the screen tells both the
	// officer who loses the duty and the one who gets it.
	test.Tap(cellOf(t, u, date(t, "2026-10-12")))
	sel, _ := postRowIn(t, u, "值班员")
	sel.SetSelected("陈值班")
	if !hasText(overlay(t, u), "已通知 2 人") {
		t.Errorf("the day dialog does not count the people told: %v", texts(overlay(t, u)))
	}
	test.Tap(findButton(t, overlay(t, u), "关闭"))
	if got := u.duty.tabs.Items[2].Text; got != "我的值班（4 条未读）" {
		t.Errorf("tab reads %q after the change", got)
	}

	// 刘值班 read the newer notice elsewhere: the older unread one comes first.
	ns, _ := r.Notices(t.Context(), d.liu.ID, false)
	if len(ns) != 2 || ns[0].Kind != roster.NoticeChanged {
		t.Fatalf("刘值班's notices %+v", ns)
	}
	if err := r.MarkNoticeRead(t.Context(), d.liu.ID, ns[0].ID); err != nil {
		t.Fatal(err)
	}
	u.duty.tabs.SelectIndex(2)
	p := u.duty.mine
	if !strings.Contains(p.unreadPeople.Text, "刘值班 1 条") || !strings.Contains(p.unreadPeople.Text, "陈值班 1 条") {
		t.Errorf("unread people: %q", p.unreadPeople.Text)
	}
	p.personSel.SetSelected("刘值班")
	rows := noticeRows(p)
	if len(rows) != 2 {
		t.Fatalf("%d notice rows, want 2", len(rows))
	}
	if !strings.HasPrefix(rows[0].title.Text, "● 值班表发布") || rows[0].what.Text != "吉首市 · 2026年10月" {
		t.Errorf("first row %q / %q, want the unread publication", rows[0].title.Text, rows[0].what.Text)
	}
	if !strings.HasPrefix(rows[1].title.Text, "值班变动") || rows[1].what.Text != "吉首市 · 10月12日 星期一 · 值班员" ||
		rows[1].message.Text != "原为 刘值班，现为 陈值班" || rows[1].markRead.Visible() {
		t.Errorf("second row %q / %q / %q, want the read change", rows[1].title.Text, rows[1].what.Text, rows[1].message.Text)
	}
	if got := u.duty.tabs.Items[2].Text; got != "我的值班（3 条未读）" {
		t.Errorf("tab reads %q", got)
	}

	test.Tap(rows[0].markRead)
	if ns, _ := r.Notices(t.Context(), d.liu.ID, true); len(ns) != 0 {
		t.Errorf("unread after marking: %+v", ns)
	}
	rows = noticeRows(p)
	if strings.HasPrefix(rows[0].title.Text, "●") || rows[0].markRead.Visible() || !p.readAll.Disabled() {
		t.Errorf("a read notice still shows as unread: %q", rows[0].title.Text)
	}
	if got := u.duty.tabs.Items[2].Text; got != "我的值班（2 条未读）" {
		t.Errorf("tab reads %q after marking one read", got)
	}
	if strings.Contains(p.unreadPeople.Text, "刘值班") {
		t.Errorf("刘值班 still listed with unread notices: %q", p.unreadPeople.Text)
	}
}

func TestMarkAllReadClearsTheBadge(t *testing.T) {
	d := newDutyDemo(t, "2026-10-03 09:00")
	d.put("2026-10-12", officer0, d.liu)
	d.put("2026-10-14", officer0, d.chen)
	d.put("2026-10-16", officer0, d.wu)
	r := d.store.rosters
	ctx := setupContext(t)
	if _, err := r.Publish(ctx, d.jishou.ID, roster.Month{Y: 2026, M: 10}, true); err != nil {
		t.Fatal(err)
	}
	if _, err := r.ClearAssignment(ctx, d.jishou.ID, date(t, "2026-10-12"), officer0, ""); err != nil {
		t.Fatal(err)
	}
	u := openDuty(t, d, 2)
	p := u.duty.mine
	p.personSel.SetSelected("刘值班")
	if len(noticeRows(p)) != 2 || p.readAll.Disabled() {
		t.Fatalf("刘值班 has %d notice rows", len(noticeRows(p)))
	}
	test.Tap(p.readAll)
	if ns, _ := r.Notices(t.Context(), d.liu.ID, true); len(ns) != 0 {
		t.Errorf("unread after marking all: %+v", ns)
	}
	if got := u.duty.tabs.Items[2].Text; got != "我的值班（2 条未读）" {
		t.Errorf("tab reads %q: the others' notices are still unread", got)
	}
	p.personSel.SetSelected("陈值班")
	test.Tap(p.readAll)
	p.personSel.SetSelected("吴值班")
	test.Tap(p.readAll)
	if got := u.duty.tabs.Items[2].Text; got != "我的值班" {
		t.Errorf("tab reads %q with every notice read", got)
	}
	if p.unreadPeople.Visible() {
		t.Errorf("unread people still shown: %q", p.unreadPeople.Text)
	}
}

// A notice's body is written in the reader's language from its facts: in
// the Chinese window no English word of the store's message shows.
func TestNoticeBodiesAreInTheWindowsLanguage(t *testing.T) {
	day := func(s string) roster.Date { return date(t, s) }
	leader := roster.Post{Role: app.RoleLeader}
	officer := roster.Post{Role: app.RoleOfficer}
	cases := []struct {
		n    roster.Notice
		want string
	}{
		{roster.Notice{Kind: roster.NoticeChanged, Day: day("2026-10-12"), Post: officer, Message: "吉首市 2026-10-12 officer: 刘值班 → (empty) (出差)",
			Facts: roster.NoticeFacts{Before: "刘值班", Reason: "出差"}}, "原为 刘值班，现为 无人（原因：出差）"},
		{roster.Notice{Kind: roster.NoticePublished, Message: "吉首市 roster for 2026-10 published; your duties: 2026-10-03 leader",
			Facts: roster.NoticeFacts{Duties: []roster.NamedSlot{{Day: day("2026-10-03"), Post: leader}, {Day: day("2026-10-09"), Post: officer}}}},
			"您本月 2 个班次：10-03 带班领导、10-09 值班员"},
		{roster.Notice{Kind: roster.NoticeSwapRejected, Message: "吉首市: the swap of ... was rejected by 张三",
			Facts: roster.NoticeFacts{DecidedBy: "张三", Note: "人手不足", Swap: []roster.NamedSlot{
				{Name: "刘值班", Day: day("2026-10-12"), Post: officer}, {Name: "陈值班", Day: day("2026-10-13"), Post: officer}}}},
			"刘值班（10-12 值班员）与 陈值班（10-13 值班员）换班，张三 未批准：人手不足"},
		// Kept before notices had facts: the message is all there is.
		{roster.Notice{Kind: roster.NoticeChanged, Message: "old message"}, "old message"},
	}
	for _, c := range cases {
		if got := noticeBody(c.n); got != c.want {
			t.Errorf("%s notice reads %q, want %q", c.n.Kind, got, c.want)
		}
	}
}
