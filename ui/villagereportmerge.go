package ui

import (
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"dutyroom/app"
	"dutyroom/app/incident"
	"dutyroom/app/villagereport"
)

// mergeMaxShown is how many open incidents the 并入事件 dialog lists: the
// nearest in place and time come first, and a duty room rarely has more
// open at once.
const mergeMaxShown = 30

// merge asks which open incident the report joins, nearest first.
func (p *villagePanel) merge(r *villagereport.Report) {
	ctx, svc, id := p.s.u.ctx, p.svc, r.ID
	runAsync(func() ([]incident.Incident, error) { return svc.Candidates(ctx, id) }, func(list []incident.Incident, err error) {
		if err != nil {
			p.s.u.showError(err)
			return
		}
		if len(list) == 0 {
			p.s.u.showMessage(lang.L("village.merge"), lang.L("village.merge_none"))
			return
		}
		if len(list) > mergeMaxShown {
			list = list[:mergeMaxShown]
		}
		p.showMerge(id, list)
	})
}

// candidateText is one open incident as the dialog lists it.
func (p *villagePanel) candidateText(inc *incident.Incident) string {
	b := p.s.base
	at := inc.OccurredAt
	if at.IsZero() {
		at = inc.ReceivedAt
	}
	what := inc.Title
	if what == "" {
		what = inc.Place.Text
	}
	place := stationName(b.tree, inc.Place.Station)
	if inc.Place.Station == app.NilID {
		place = stationName(b.tree, inc.Station)
	}
	return fmt.Sprintf("%s  %s · %s · %s", dateTime(at, b.location()), categoryLabel(inc.Category), place, what)
}

func (p *villagePanel) showMerge(id app.ID, list []incident.Incident) {
	options := make([]string, len(list))
	byText := map[string]app.ID{}
	for i := range list {
		options[i] = p.candidateText(&list[i])
		if _, dup := byText[options[i]]; dup {
			options[i] += " (" + list[i].ID.String()[:8] + ")"
		}
		byText[options[i]] = list[i].ID
	}
	choice := widget.NewRadioGroup(options, nil)
	choice.SetSelected(options[0])
	errLabel := errorLabel()
	hint := widget.NewLabel(lang.L("village.merge_hint"))
	hint.Wrapping = fyne.TextWrapWord
	body := container.NewBorder(hint, errLabel, nil, nil, container.NewVScroll(choice))
	var dlg *dialog.CustomDialog
	ok := widget.NewButton(lang.L("village.merge_ok"), nil)
	ok.Importance = widget.HighImportance
	ok.OnTapped = func() {
		into, found := byText[choice.Selected]
		if !found {
			errLabel.SetText(lang.L("village.merge_choose"))
			errLabel.Show()
			return
		}
		ok.Disable()
		ctx, svc := p.s.u.ctx, p.svc
		runAsync(func() (struct{}, error) { return struct{}{}, svc.Merge(ctx, id, into) }, func(_ struct{}, err error) {
			ok.Enable()
			if err != nil {
				errLabel.SetText(villageErrorText(err))
				errLabel.Show()
				return
			}
			dlg.Hide()
			p.done()
		})
	}
	cancel := widget.NewButton(lang.L("action.cancel"), func() { dlg.Hide() })
	dlg = dialog.NewCustomWithoutButtons(lang.L("village.merge"), body, p.s.u.win)
	dlg.SetButtons([]fyne.CanvasObject{cancel, ok})
	dlg.Resize(fyne.NewSize(720, 420))
	dlg.Show()
}
