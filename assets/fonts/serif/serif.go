// Package serif holds the fonts of printed documents: Noto Serif SC (宋体
// style), Regular and Bold, cut to GB2312 and the punctuation a document
// uses, with TrueType outlines because the PDF writer embeds only those
// (it subsets them again per document). SIL Open Font Licence, see
// OFL.txt; docfonts.sh regenerates them. A package of its own so that
// only programs that write documents carry the 5.5 MB.
package serif

import _ "embed"

// Regular is the body face, Bold the header's, title's and headings'.
var (
	//go:embed NotoSerifSC-Regular.ttf
	Regular []byte
	//go:embed NotoSerifSC-Bold.ttf
	Bold []byte
)
