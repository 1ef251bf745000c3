// Package document lays out the duty room's information bulletins (值班信息)
// the way Chinese government offices print them, with GB/T 9704-2012 as the
// model: A4, the issuing office's name in red over a red rule, 第N期, 签发人,
// the title, 主送, the body, the office and date, the duty phone, 抄送 in the
// closing block, and page numbers. One layout feeds two writers: the PDF
// that is filed and sent (fonts embedded) and the picture the window
// previews, so what the officer sees is what the office above receives.
//
// The words are Chinese whatever language the program speaks: the
// document is an official record.
package document

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"dutyroom/app"
)

// Bulletin is one document to lay out.
type Bulletin struct {
	Office   string    // the issuing office, e.g. "吉首市应急管理局值班室"
	Masthead string    // the red header, e.g. "吉首市应急管理局值班信息"
	Year     int       // the year the number belongs to
	Number   int       // 第N期: numbered per office per year
	Signer   string    // 签发人: the leader on duty who signed it; empty leaves the line out
	Title    string    // e.g. "关于G65吉首段交通事故的续报（二）"
	To       []string  // 主送
	Copy     []string  // 抄送
	Body     string    // paragraphs separated by line breaks
	Date     time.Time // 成文日期, shown in Location
	Phone    string    // the duty room's phone, shown as 值班电话
	Location *time.Location
}

// Limits keep a bulletin to what a duty room sends: a report longer than
// this goes as an attachment.
const (
	MaxTitleRunes = 200
	MaxBodyRunes  = 30000
	MaxNameRunes  = 60
	MaxAddressees = 64
)

// Validate checks the bulletin before it is laid out. EINVALID naming the
// field.
func (b *Bulletin) Validate() error {
	b.Title = strings.TrimSpace(b.Title)
	b.Body = strings.TrimSpace(b.Body)
	b.Office = strings.TrimSpace(b.Office)
	b.Masthead = strings.TrimSpace(b.Masthead)
	switch {
	case b.Office == "" || utf8.RuneCountInString(b.Office) > MaxNameRunes:
		return app.FieldErrorf("office", "the issuing office is required (at most %d characters)", MaxNameRunes)
	case b.Masthead == "" || utf8.RuneCountInString(b.Masthead) > MaxNameRunes:
		return app.FieldErrorf("masthead", "the header is required (at most %d characters)", MaxNameRunes)
	case b.Year < 2000 || b.Year > 2999:
		return app.FieldErrorf("year", "the year %d is not a year of this program", b.Year)
	case b.Number < 0:
		return app.FieldErrorf("number", "the issue number must be 1 or more (0 for a draft), not %d", b.Number)
	case b.Title == "" || utf8.RuneCountInString(b.Title) > MaxTitleRunes:
		return app.FieldErrorf("title", "the title is required (at most %d characters)", MaxTitleRunes)
	case b.Body == "":
		return app.FieldErrorf("body", "the document has no text")
	case utf8.RuneCountInString(b.Body) > MaxBodyRunes:
		return app.FieldErrorf("body", "the text is longer than %d characters; attach it as a file instead", MaxBodyRunes)
	case utf8.RuneCountInString(b.Signer) > MaxNameRunes:
		return app.FieldErrorf("signer", "the signer's name is longer than %d characters", MaxNameRunes)
	case len(b.To) > MaxAddressees || len(b.Copy) > MaxAddressees:
		return app.FieldErrorf("to", "at most %d addressees", MaxAddressees)
	case b.Date.IsZero():
		return app.FieldErrorf("date", "the document has no date")
	}
	for _, s := range []string{b.Office, b.Masthead, b.Signer, b.Title, b.Body, b.Phone} {
		if !utf8.ValidString(s) {
			return app.FieldErrorf("body", "the text is not valid UTF-8")
		}
	}
	for _, list := range [][]string{b.To, b.Copy} {
		for _, s := range list {
			if !utf8.ValidString(s) || utf8.RuneCountInString(s) > MaxNameRunes {
				return app.FieldErrorf("to", "an addressee's name is not valid or longer than %d characters", MaxNameRunes)
			}
		}
	}
	return nil
}

// ChineseNumeral writes 1 to 99 as a document numbers follow-up reports:
// 一, 二, ... 十, 十一, ... 二十, 二十一 ... Other numbers stay in digits.
func ChineseNumeral(n int) string {
	digits := []string{"零", "一", "二", "三", "四", "五", "六", "七", "八", "九"}
	switch {
	case n >= 1 && n <= 9:
		return digits[n]
	case n == 10:
		return "十"
	case n > 10 && n < 20:
		return "十" + digits[n-10]
	case n >= 20 && n < 100 && n%10 == 0:
		return digits[n/10] + "十"
	case n > 20 && n < 100:
		return digits[n/10] + "十" + digits[n%10]
	}
	return itoa(n)
}

// ChineseDate writes a date the way documents do: 2026年12月7日.
func ChineseDate(t time.Time) string {
	return itoa(t.Year()) + "年" + itoa(int(t.Month())) + "月" + itoa(t.Day()) + "日"
}

func itoa(n int) string { return strconv.Itoa(n) }
