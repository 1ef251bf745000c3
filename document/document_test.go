package document_test

import (
	"bytes"
	"errors"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"dutyroom/app"
	"dutyroom/document"
)

func sample() *document.Bulletin {
	cst := time.FixedZone("CST", 8*3600)
	return &document.Bulletin{
		Office:   "吉首市应急管理局值班室",
		Masthead: "吉首市应急管理局值班信息",
		Year:     2026,
		Number:   37,
		Signer:   "彭建国",
		Title:    "关于G65包茂高速吉首段多车追尾事故的续报（二）",
		To:       []string{"湘西州应急管理局"},
		Copy:     []string{"吉首市人民政府办公室", "吉首市公安局交通警察大队"},
		Body: "12月7日2时50分，G65包茂高速吉首段K1452处发生多车追尾事故，造成3人死亡、5人受伤。" +
			"\n事故发生后，市应急管理局、公安交警、消防救援等部门立即赶赴现场处置，伤员已送往州人民医院救治，道路于6时30分恢复通行。" +
			"\n事故原因正在调查中，有关情况将及时续报。",
		Date:     time.Date(2026, 12, 7, 8, 30, 0, 0, cst),
		Phone:    "0743-8221234",
		Location: cst,
	}
}

func writePDF(t *testing.T, b *document.Bulletin) string {
	t.Helper()
	var buf bytes.Buffer
	if err := document.WritePDF(&buf, b); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "doc.pdf")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func run(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
	return string(out)
}

// pdftotext (poppler, an independent reader) finds every part of the
// bulletin in the file, in the order a reader meets them.
func TestPDFCarriesEveryPartOfTheBulletinInOrder(t *testing.T) {
	path := writePDF(t, sample())
	text := run(t, "pdftotext", "-layout", path, "-")
	flat := strings.Join(strings.Fields(text), "")
	want := []string{
		"吉首市应急管理局值班信息", "第37期", "吉首市应急管理局值班室", "签发人：彭建国",
		"关于G65包茂高速吉首段多车追尾事故的续报（二）", "湘西州应急管理局：",
		"12月7日2时50分", "有关情况将及时续报。", "2026年12月7日", "（值班电话：0743-8221234）",
		"抄送：吉首市人民政府办公室，吉首市公安局交通警察大队。", "2026年12月7日印发", "—1—",
	}
	at := 0
	for _, w := range want {
		i := strings.Index(flat[at:], w)
		if i < 0 {
			t.Fatalf("%q missing (or out of order) in the PDF's text:\n%s", w, text)
		}
		at += i + len(w)
	}
}

// The fonts travel in the file, so the document prints the same on a
// machine without Chinese fonts.
func TestPDFEmbedsItsFonts(t *testing.T) {
	path := writePDF(t, sample())
	out := run(t, "pdffonts", path)
	lines := strings.Split(strings.TrimSpace(out), "\n")[2:]
	if len(lines) != 2 {
		t.Fatalf("want the regular and bold faces, pdffonts lists:\n%s", out)
	}
	for _, l := range lines {
		f := strings.Fields(l)
		// name type encoding emb sub uni object ID
		if len(f) < 7 || f[len(f)-5] != "yes" {
			t.Errorf("font not embedded: %q", l)
		}
	}
	// Only the characters used travel: the two faces are 5.5 MB whole.
	if fi, err := os.Stat(path); err != nil || fi.Size() > 200<<10 {
		t.Errorf("a one-page bulletin is %d bytes: the fonts were not cut to the characters used", fi.Size())
	}
}

// A long report flows onto further pages, numbered at the foot, and the
// closing block comes once, on the last page.
func TestLongReportFlowsOntoNumberedPages(t *testing.T) {
	b := sample()
	b.Body = strings.Repeat("各乡镇（街道）值班人员已全部到岗，正在逐户排查转移受威胁群众，目前未发现新的险情。\n", 40)
	pages, err := document.Lay(b)
	if err != nil {
		t.Fatal(err)
	}
	if len(pages) < 3 {
		t.Fatalf("40 paragraphs laid on %d pages", len(pages))
	}
	text := strings.Join(strings.Fields(run(t, "pdftotext", writePDF(t, b), "-")), "")
	for i := 1; i <= len(pages); i++ {
		if !strings.Contains(text, "—"+strconv.Itoa(i)+"—") {
			t.Errorf("page number %d missing", i)
		}
	}
	if n := strings.Count(text, "印发"); n != 1 {
		t.Errorf("the closing block appears %d times", n)
	}
	for i, p := range pages {
		for _, tx := range p.Texts {
			if tx.Y > document.PageHeight || tx.X < 0 || tx.X > document.PageWidth {
				t.Errorf("page %d: %q placed off the sheet at (%.0f, %.0f)", i+1, tx.S, tx.X, tx.Y)
			}
		}
	}
}

// Closing punctuation never begins a line, and no line runs past the
// right edge of the text block but by a hanging mark.
func TestLinesKeepChinesePunctuationRules(t *testing.T) {
	b := sample()
	b.Body = strings.Repeat("转移群众，", 200)
	pages, err := document.Lay(b)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range pages {
		for _, tx := range p.Texts {
			if strings.HasPrefix(tx.S, "，") || strings.HasPrefix(tx.S, "。") {
				t.Errorf("a line begins with closing punctuation: %q", tx.S)
			}
		}
	}
}

func TestSameBulletinWritesTheSameFile(t *testing.T) {
	var a, b bytes.Buffer
	if err := document.WritePDF(&a, sample()); err != nil {
		t.Fatal(err)
	}
	if err := document.WritePDF(&b, sample()); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Error("the same bulletin written twice gives two different files")
	}
}

func TestPreviewDrawsEveryPageAtTheScale(t *testing.T) {
	imgs, err := document.Preview(sample(), 1.5)
	if err != nil {
		t.Fatal(err)
	}
	if len(imgs) != 1 {
		t.Fatalf("%d pages", len(imgs))
	}
	if w := imgs[0].Bounds().Dx(); w != 893 {
		t.Errorf("preview width %d px at 1.5 px/pt, want 893", w)
	}
	// The red header is drawn: some pixel in the top third is red.
	red := false
	for y := 0; y < imgs[0].Bounds().Dy()/3 && !red; y++ {
		for x := 0; x < imgs[0].Bounds().Dx(); x++ {
			c := imgs[0].RGBAAt(x, y)
			if c.R > 200 && c.G < 80 && c.B < 80 {
				red = true
				break
			}
		}
	}
	if !red {
		t.Error("no red header in the preview")
	}
	if dir := os.Getenv("DUTYROOM_SCREENSHOTS"); dir != "" {
		f, err := os.Create(filepath.Join(dir, "document-page1.png"))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if err := png.Encode(f, imgs[0]); err != nil {
			t.Fatal(err)
		}
	}
}

func TestBadBulletinIsRefusedNamingTheField(t *testing.T) {
	for _, c := range []struct {
		field string
		edit  func(b *document.Bulletin)
	}{
		{"title", func(b *document.Bulletin) { b.Title = " " }},
		{"body", func(b *document.Bulletin) { b.Body = "" }},
		{"number", func(b *document.Bulletin) { b.Number = -1 }},
		{"office", func(b *document.Bulletin) { b.Office = "" }},
		{"date", func(b *document.Bulletin) { b.Date = time.Time{} }},
		{"body", func(b *document.Bulletin) { b.Body = strings.Repeat("字", document.MaxBodyRunes+1) }},
	} {
		b := sample()
		c.edit(b)
		err := document.WritePDF(&bytes.Buffer{}, b)
		var e *app.Error
		if !errors.As(err, &e) || e.Field != c.field {
			t.Errorf("edit of %s: error %v, want one naming the field", c.field, err)
		}
	}
}

func TestChineseNumerals(t *testing.T) {
	for n, want := range map[int]string{1: "一", 2: "二", 10: "十", 11: "十一", 20: "二十", 23: "二十三", 99: "九十九", 100: "100"} {
		if got := document.ChineseNumeral(n); got != want {
			t.Errorf("%d: %q, want %q", n, got, want)
		}
	}
}

func TestDraftSaysItAwaitsSigning(t *testing.T) {
	b := sample()
	b.Number, b.Signer = 0, ""
	text := strings.Join(strings.Fields(run(t, "pdftotext", writePDF(t, b), "-")), "")
	if !strings.Contains(text, "（待签发稿，签发后编号）") || strings.Contains(text, "签发人") || strings.Contains(text, "第0期") {
		t.Errorf("a draft's header reads:\n%s", text)
	}
}
