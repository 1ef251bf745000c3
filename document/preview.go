package document

import (
	"image"
	"image/color"
	"image/draw"

	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"

	"dutyroom/app"
	"dutyroom/assets/fonts/serif"
)

// Preview draws the pages as pictures, scale pixels to the point (1.5 is
// about the size of the printed page on a duty room's screen), from the
// same layout the PDF is written from.
func Preview(b *Bulletin, scale float64) ([]*image.RGBA, error) {
	pages, err := Lay(b)
	if err != nil {
		return nil, err
	}
	if scale <= 0 || scale > 4 {
		return nil, app.FieldErrorf("scale", "the preview scale %.2f is outside 0 to 4", scale)
	}
	var fonts [2]*opentype.Font
	for i, data := range [][]byte{serif.Regular, serif.Bold} {
		if fonts[i], err = opentype.Parse(data); err != nil {
			return nil, app.Errorf(app.EINTERNAL, "cannot read the document fonts: %v", err)
		}
	}
	faces := map[[2]float64]font.Face{}
	face := func(f Face, size float64) (font.Face, error) {
		key := [2]float64{float64(f), size}
		if fc, ok := faces[key]; ok {
			return fc, nil
		}
		fc, err := opentype.NewFace(fonts[f], &opentype.FaceOptions{Size: size * scale, DPI: 72, Hinting: font.HintingNone})
		if err != nil {
			return nil, err
		}
		faces[key] = fc
		return fc, nil
	}
	defer func() {
		for _, fc := range faces {
			fc.Close()
		}
	}()
	w, h := int(PageWidth*scale+0.5), int(PageHeight*scale+0.5)
	out := make([]*image.RGBA, len(pages))
	for i, p := range pages {
		img := image.NewRGBA(image.Rect(0, 0, w, h))
		draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
		for _, r := range p.Rules {
			c := color.RGBA{0, 0, 0, 255}
			if r.Red {
				c = color.RGBA{uint8(red.R), uint8(red.G), uint8(red.B), 255}
			}
			thick := max(1, int(r.Width*scale+0.5))
			y0 := int(r.Y*scale) - thick/2
			draw.Draw(img, image.Rect(int(r.X1*scale), y0, int(r.X2*scale), y0+thick), image.NewUniform(c), image.Point{}, draw.Src)
		}
		for _, t := range p.Texts {
			fc, err := face(t.Face, t.Size)
			if err != nil {
				return nil, app.Errorf(app.EINTERNAL, "cannot draw the document: %v", err)
			}
			var src image.Image = image.Black
			if t.Red {
				src = image.NewUniform(color.RGBA{uint8(red.R), uint8(red.G), uint8(red.B), 255})
			}
			d := font.Drawer{Dst: img, Src: src, Face: fc,
				Dot: fixed.Point26_6{X: fixed.Int26_6(t.X * scale * 64), Y: fixed.Int26_6(t.Y * scale * 64)}}
			d.DrawString(t.S)
		}
		out[i] = img
	}
	return out, nil
}
