package capture

import (
	"image"
	"image/color"
)

// fit converts src into dst, a 4:2:0 picture of the engine's size,
// keeping src's shape: a wider camera gets black bands above and below, a
// narrower one at the sides, so nobody at the edge of the room is cut off.
// Nearest-neighbour sampling: a camera's 640×480 lands pixel for pixel,
// and anything else is scaled at a cost far below the encoder's.
func fit(dst *image.YCbCr, src image.Image) {
	dw, dh := dst.Rect.Dx(), dst.Rect.Dy()
	sr := src.Bounds()
	sw, sh := sr.Dx(), sr.Dy()
	if sw <= 0 || sh <= 0 {
		blank(dst)
		return
	}
	// The largest even-sided rectangle of src's shape inside dst.
	fw, fh := dw, dh
	if sw*dh > sh*dw {
		fh = (dw * sh / sw) &^ 1
	} else {
		fw = (dh * sw / sh) &^ 1
	}
	fx, fy := ((dw-fw)/2)&^1, ((dh-fh)/2)&^1
	if fw != dw || fh != dh {
		blank(dst)
	}

	xs := make([]int, fw) // source column of each destination column
	for x := range xs {
		xs[x] = sr.Min.X + x*sw/fw
	}
	ycc, isYCbCr := src.(*image.YCbCr)
	for y := 0; y < fh; y++ {
		sy := sr.Min.Y + y*sh/fh
		row := dst.Y[(fy+y)*dst.YStride+fx:]
		if isYCbCr {
			base := ycc.YOffset(sr.Min.X, sy) - sr.Min.X
			if fw == sw { // a camera of the engine's width: the row as it is
				copy(row[:fw], ycc.Y[base+sr.Min.X:])
				continue
			}
			for x, sx := range xs {
				row[x] = ycc.Y[base+sx]
			}
			continue
		}
		for x, sx := range xs {
			row[x], _, _ = toYCbCr(src.At(sx, sy))
		}
	}
	// Where in a source row of chroma each destination chroma column
	// reads: the same for every row, whatever the subsampling.
	var ccol []int
	straight := true // each chroma column from the one at its place
	if isYCbCr {
		ccol = make([]int, fw/2)
		first := ycc.COffset(sr.Min.X, sr.Min.Y)
		for cx := range ccol {
			ccol[cx] = ycc.COffset(xs[2*cx], sr.Min.Y) - first
			straight = straight && ccol[cx] == cx
		}
	}
	for cy := 0; cy < fh/2; cy++ {
		sy := sr.Min.Y + 2*cy*sh/fh
		cb := dst.Cb[(fy/2+cy)*dst.CStride+fx/2:]
		cr := dst.Cr[(fy/2+cy)*dst.CStride+fx/2:]
		if isYCbCr {
			base := ycc.COffset(sr.Min.X, sy)
			if straight {
				copy(cb[:fw/2], ycc.Cb[base:])
				copy(cr[:fw/2], ycc.Cr[base:])
				continue
			}
			for cx, o := range ccol {
				cb[cx], cr[cx] = ycc.Cb[base+o], ycc.Cr[base+o]
			}
			continue
		}
		for cx := 0; cx < fw/2; cx++ {
			_, cb[cx], cr[cx] = toYCbCr(src.At(xs[2*cx], sy))
		}
	}
}

func toYCbCr(c color.Color) (y, cb, cr uint8) {
	if v, ok := c.(color.YCbCr); ok {
		return v.Y, v.Cb, v.Cr
	}
	r, g, b, _ := c.RGBA()
	return color.RGBToYCbCr(uint8(r>>8), uint8(g>>8), uint8(b>>8))
}

// blank paints dst black.
func blank(dst *image.YCbCr) {
	for i := range dst.Y {
		dst.Y[i] = 16
	}
	for i := range dst.Cb {
		dst.Cb[i], dst.Cr[i] = 128, 128
	}
}
