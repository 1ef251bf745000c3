#!/bin/sh
# Regenerates the document fonts: Noto Serif SC (宋体 style), Regular and
# Bold, cut to the same characters as the window's fonts (see subset.sh)
# and converted from CFF to TrueType outlines, because the PDF writer
# embeds TrueType fonts only (and subsets them again per document, so a
# report carries just the characters it uses).
#
# GB/T 9704 sets bulletins in 仿宋 and titles in 小标宋; no freely licensed
# FangSong or XiaoBiaoSong is packaged for Debian, so the documents use the
# nearest free Song face: Bold for the header, title and headings,
# Regular for the body.
#
# Needs: fonts-noto-cjk-extra (the serif collections), python3-fonttools.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
src=${NOTO_CJK_DIR:-/usr/share/fonts/opentype/noto}
# Index 2 of NotoSerifCJK-*.ttc is "Noto Serif CJK SC"; check with
#   fc-scan --format "%{index}: %{family}\n" "$src/NotoSerifCJK-Regular.ttc"
face=2

list=$(mktemp)
otf=$(mktemp --suffix .otf)
trap 'rm -f "$list" "$otf"' EXIT
sed -n '/^python3 - >"\$list" <<'"'"'PY'"'"'$/,/^PY$/p' "$here/../subset.sh" | sed '1d;$d' | python3 - >"$list"

for weight in Regular Bold; do
	python3 -m fontTools.subset "$src/NotoSerifCJK-$weight.ttc" \
		--font-number=$face \
		--unicodes-file="$list" \
		--layout-features='' \
		--name-IDs='*' \
		--name-languages='*' \
		--notdef-outline \
		--output-file="$otf"
	python3 - "$otf" "$here/NotoSerifSC-$weight.ttf" <<'PY'
# CFF outlines to quadratic TrueType ones (within a tenth of a unit of
# error in 1000), with the tables a TrueType font needs.
import sys
from fontTools.ttLib import TTFont, newTable
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen

font = TTFont(sys.argv[1])
order = font.getGlyphOrder()
glyphs = font.getGlyphSet()
glyf = newTable("glyf")
glyf.glyphOrder = order
glyf.glyphs = {}
for name in order:
    pen = TTGlyphPen(glyphs)
    glyphs[name].draw(Cu2QuPen(pen, max_err=1.0, reverse_direction=True))
    glyf.glyphs[name] = pen.glyph()
font["glyf"] = glyf
font["loca"] = newTable("loca")
maxp = font["maxp"]
maxp.tableVersion = 0x00010000
for field in ("maxZones", "maxTwilightPoints", "maxStorage", "maxFunctionDefs",
              "maxInstructionDefs", "maxStackElements", "maxSizeOfInstructions", "maxComponentElements"):
    setattr(maxp, field, 0)
maxp.maxZones = 1
font["head"].glyphDataFormat = 0
font["post"].formatType = 3.0  # no glyph names: smaller, and CJK names carry nothing
del font["CFF "]
if "VORG" in font:
    del font["VORG"]
font.sfntVersion = "\x00\x01\x00\x00"
font.save(sys.argv[2])
PY
done
ls -l "$here"/NotoSerifSC-*.ttf
