// Package fonts holds the bundled subset of Noto Sans SC (GB2312 coverage,
// SIL Open Font Licence, see OFL.txt and README.md here) with nothing
// else, so that the hub can serve it to browsers without taking in the
// window toolkit.
package fonts

import _ "embed"

// Regular and Bold are the OpenType files as shipped.
var (
	//go:embed NotoSansSC-Regular.otf
	Regular []byte
	//go:embed NotoSansSC-Bold.otf
	Bold []byte
)
