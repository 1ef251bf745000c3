package ui

import (
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/test"

	"dutyroom/app/incident"
	"dutyroom/assets"
)

// openRules opens the rules dialog from the intake form.
func openRules(t *testing.T, u *UI) *incidentRulesDialog {
	t.Helper()
	f := u.incidents.form
	if f.rules.Disabled() {
		t.Fatal("the rules button is disabled")
	}
	test.Tap(f.rules)
	if f.rulesDialog == nil {
		t.Fatal("no rules dialog")
	}
	overlay(t, u)
	return f.rulesDialog
}

func retype(e interface{ SetText(string) }, text string) { e.SetText(text) }

func TestIncidentRulesChangeTheLiveGrade(t *testing.T) {
	d := newIncidentDemo(t, "2026-10-03 03:00")
	u := openIncidents(t, d)
	f := u.incidents.form
	f.category.SetSelected(categoryChoice(incident.RoadTraffic))
	test.Type(f.counts["counts.dead"], "2")
	test.Type(f.counts["counts.missing"], "1")
	if f.gradeName.Text != "一般" {
		t.Fatalf("2 dead under the national rules: %q", f.gradeName.Text)
	}

	r := openRules(t, u)
	if r.accident.dead[0].Text != "3" || r.accident.loss[0].Text != "1000" || r.durations["first_report"].Text != "60" ||
		r.durations["urgent_phone"].Text != "30" || r.attachment.Text != "20" || !r.disaster.countMissing.Checked {
		t.Fatalf("the dialog does not show the rules in force: dead %q loss %q first %q phone %q attachment %q",
			r.accident.dead[0].Text, r.accident.loss[0].Text, r.durations["first_report"].Text,
			r.durations["urgent_phone"].Text, r.attachment.Text)
	}
	retype(r.accident.dead[0], "2")
	retype(r.durations["first_report"], "45")
	retype(r.attachment, "5")
	test.Tap(r.save)

	if u.win.Canvas().Overlays().Top() != nil {
		t.Error("the dialog stays open after saving")
	}
	st, ok := d.svc.settings[d.jishou.ID]
	if !ok {
		t.Fatal("nothing saved")
	}
	if st.Thresholds.Accident.Dead.Large != 2 || st.Rules.FirstReport != 45*time.Minute || st.Limits.MaxAttachment != 5<<20 ||
		st.Thresholds.Accident.Serious != incident.DefaultThresholds().Accident.Serious ||
		st.Rules.Reach[incident.GradeLarge] != incident.LevelProvince {
		t.Errorf("saved %+v", st)
	}
	if f.gradeName.Text != "较大" || f.gradeFigure.Text != "较大：死亡 2 人（≥2）" {
		t.Errorf("after saving, 2 dead grade %q, %q; want 较大 under the station's new bound", f.gradeName.Text, f.gradeFigure.Text)
	}
	if !slicesContain(texts(f.content), lang.L("incident.rules_saved")) {
		t.Error("the form does not say the rules were saved")
	}

	// Counting the missing with the dead: 2 dead and 1 missing make 3.
	r = openRules(t, u)
	if r.accident.dead[0].Text != "2" {
		t.Errorf("the dialog opens on the old rules: %q", r.accident.dead[0].Text)
	}
	retype(r.accident.dead[0], "3")
	r.accident.countMissing.SetChecked(true)
	test.Tap(r.save)
	if f.gradeName.Text != "较大" || f.missingNote.Text != "事故分级，失踪计入死亡（本站设置）" {
		t.Errorf("with the missing counted: grade %q, note %q", f.gradeName.Text, f.missingNote.Text)
	}
	typeInto(f.counts["counts.missing"], "0")
	if f.gradeName.Text != "一般" {
		t.Errorf("2 dead and no missing under a bound of 3: %q", f.gradeName.Text)
	}
}

func TestIncidentRulesShowErrorsBesideTheFieldAndSaveNothing(t *testing.T) {
	d := newIncidentDemo(t, "2026-10-03 03:00")
	u := openIncidents(t, d)
	for _, c := range []struct {
		name string
		edit func(r *incidentRulesDialog) fyne.CanvasObject // returns the field at fault
		want string
		tab  int
	}{
		{"falling band", func(r *incidentRulesDialog) fyne.CanvasObject {
			retype(r.accident.serious[1], "5")
			return r.accident.serious[1]
		},
			"须为正整数，且较大 < 重大 < 特别重大", 0},
		{"not a number", func(r *incidentRulesDialog) fyne.CanvasObject {
			retype(r.disaster.dead[2], "三十")
			return r.disaster.dead[2]
		},
			"须为正整数，且较大 < 重大 < 特别重大", 1},
		{"loss in yuan", func(r *incidentRulesDialog) fyne.CanvasObject {
			retype(r.disaster.loss[0], "1000.12345")
			return r.disaster.loss[0]
		},
			"须为万元数（至多四位小数），且较大 < 重大 < 特别重大", 1},
		{"negative direct report", func(r *incidentRulesDialog) fyne.CanvasObject {
			retype(r.accident.direct, "-1")
			return r.accident.direct
		},
			"请填写人数，不适用填 0", 0},
		{"zero minutes", func(r *incidentRulesDialog) fyne.CanvasObject {
			retype(r.durations["urgent_written"], "0")
			return r.durations["urgent_written"]
		},
			"须为 1～10080 分钟（一周以内）的整数", 2},
		{"hours for minutes", func(r *incidentRulesDialog) fyne.CanvasObject {
			retype(r.durations["per_level"], "2h")
			return r.durations["per_level"]
		},
			"须为 1～10080 分钟（一周以内）的整数", 2},
		{"absurd attachment", func(r *incidentRulesDialog) fyne.CanvasObject { retype(r.attachment, "5000"); return r.attachment },
			"须为 0～1024 的整数（MB）", 2},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := openRules(t, u)
			field := c.edit(r)
			test.Tap(r.save)
			if len(d.svc.settings) != 0 {
				t.Fatalf("saved despite the error: %+v", d.svc.settings)
			}
			if u.win.Canvas().Overlays().Top() == nil {
				t.Fatal("the dialog closed on an error")
			}
			if got := errorNear(t, r.tabs.Items[c.tab].Content, field); !slicesContain(got, c.want) {
				t.Errorf("beside the field: %q, want %q", got, c.want)
			}
			if r.tabs.SelectedIndex() != c.tab {
				t.Errorf("tab %d in front, want %d with the error", r.tabs.SelectedIndex(), c.tab)
			}
			r.dlg.Hide()
		})
	}
}

// TestIncidentRulesFitSmallestWindow checks the dialog, each tab and with an
// error, in a 1024×700 window in both languages.
func TestIncidentRulesFitSmallestWindow(t *testing.T) {
	for _, language := range []string{assets.Chinese, assets.English} {
		t.Run(language, func(t *testing.T) {
			inLanguage(t, language)
			_, u := fullIncidentDemo(t)
			fits(t, "intake form with the rules button", u.win.Content().MinSize())
			r := openRules(t, u)
			for i := range r.tabs.Items {
				r.tabs.SelectIndex(i)
				fits(t, "rules "+r.tabs.Items[i].Text, overlay(t, u).MinSize())
			}
			retype(r.accident.loss[0], "x")
			retype(r.durations["first_report"], "x")
			test.Tap(r.save)
			fits(t, "rules with an error", overlay(t, u).MinSize())
			r.dlg.Hide()
		})
	}
}

func TestRulesDialogSaysWhichDeadlinesAreInForce(t *testing.T) {
	d := newIncidentDemo(t, "2026-10-03 03:00")
	u := openIncidents(t, d)
	r := openRules(t, u)
	if want := "本站首报上一级：接报后120分钟内"; !strings.HasPrefix(r.inForce.Text, want) {
		t.Errorf("a county's rules say %q, want it to start %q", r.inForce.Text, want)
	}
	if !strings.Contains(r.inForce.Text, "现行规定：全国规定") {
		t.Errorf("national rules not named as in force: %q", r.inForce.Text)
	}
	retype(r.durations["per_level"], "90")
	test.Tap(r.save)
	r = openRules(t, u)
	if !strings.Contains(r.inForce.Text, "现行规定：本地规定。与全国规定不同的项：县级以上每级上报") {
		t.Errorf("after a local per-level deadline the dialog says %q", r.inForce.Text)
	}
	if !strings.Contains(r.inForce.Text, "本站首报上一级：接报后90分钟内") {
		t.Errorf("the county's first hop does not follow the local per-level deadline: %q", r.inForce.Text)
	}
}
