package ui

import (
	"strings"

	"fyne.io/fyne/v2/lang"

	"dutyroom/app/instruction"
	"dutyroom/document"
	"dutyroom/incidentfile"
)

// feedbackBulletin is the reply to a leader's 批示 as a document: the
// instruction quoted as given, then the reply recorded, from the issuing
// duty room's office, numbered in its series.
func feedbackBulletin(s *instructionScreen, in *instruction.Instruction, fb *instruction.Feedback, year, number int) *document.Bulletin {
	loc := s.loc()
	leader := strings.TrimSpace(in.Leader + in.LeaderPost)
	office := incidentfile.OfficeName(s.self)
	quote := document.ChineseDate(in.GivenAt.In(loc)) + "，" + leader + "作出批示：“" + strings.TrimSpace(in.Words) + "”现将落实情况报告如下："
	return &document.Bulletin{
		Office:   office + "值班室",
		Masthead: office + "值班信息",
		Year:     year,
		Number:   number,
		Signer:   fb.By,
		Title:    "关于落实" + leader + "批示情况的报告",
		To:       []string{leader},
		Body:     quote + "\n" + fb.Text,
		Date:     fb.At,
		Phone:    s.self.Phone,
		Location: loc,
	}
}

// onFeedbackDocument shows the recorded reply as a numbered document.
func (d *instructionDetail) onFeedbackDocument(in instruction.Instruction, fb instruction.Feedback) {
	s := d.s
	u := s.u
	ctx, numbers := u.ctx, u.svc.Documents
	year := fb.At.In(s.loc()).Year()
	runAsync(func() (*documentDialog, error) {
		number := 0
		if numbers != nil {
			y, n, err := numbers.DocumentNumber(ctx, in.Station, fb.ID, year)
			if err != nil {
				return nil, err
			}
			year, number = y, n
		}
		return makeDocument(feedbackBulletin(s, &in, &fb, year, number))
	}, func(dd *documentDialog, err error) {
		if err != nil {
			u.showError(err)
			return
		}
		dd.u, dd.chooseSave, dd.openFile = u, s.chooseSave, openWithSystem
		dd.saved = func(name string) { d.done.show(lang.L("document.saved", map[string]any{"Name": name})) }
		dd.show()
	})
}
