#!/bin/sh
# Regenerates the bundled Noto Sans SC subsets from Debian's fonts-noto-cjk.
# Fyne reads single OpenType files, not .ttc collections, so the Simplified
# Chinese face is cut out of the collection and reduced to GB2312 (every
# character an official document uses) plus ASCII, Latin-1, general and CJK
# punctuation and full-width forms. Anything rarer falls back to the system's
# fonts.
#
# Needs: fonts-noto-cjk, python3-fonttools (pyftsubset) and python3.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
src=${NOTO_CJK_DIR:-/usr/share/fonts/opentype/noto}
# Index 2 of NotoSansCJK-*.ttc is "Noto Sans CJK SC"; check with
#   fc-scan --format "%{index}: %{family}\n" "$src/NotoSansCJK-Regular.ttc"
face=2

list=$(mktemp)
trap 'rm -f "$list"' EXIT

python3 - >"$list" <<'PY'
# Every valid two-byte GB2312 code (rows 0xA1-0xF7, cells 0xA1-0xFE): the
# 6,763 hanzi and the symbol rows.
chars = set()
for hi in range(0xA1, 0xF8):
    for lo in range(0xA1, 0xFF):
        try:
            chars.add(bytes([hi, lo]).decode("gb2312"))
        except UnicodeDecodeError:
            pass
# General punctuation too: input methods type the em dash of "——" as
# U+2014, where the gb2312 codec maps that code to U+2015.
ranges = [(0x20, 0x7E), (0xA0, 0xFF), (0x2000, 0x206F), (0x3000, 0x303F), (0xFF00, 0xFFEF)]
for lo, hi in ranges:
    chars.update(chr(c) for c in range(lo, hi + 1))
for c in sorted(chars):
    print("U+%04X" % ord(c))
PY

for weight in Regular Bold; do
	pyftsubset "$src/NotoSansCJK-$weight.ttc" \
		--font-number=$face \
		--unicodes-file="$list" \
		--layout-features='*' \
		--name-IDs='*' \
		--name-languages='*' \
		--notdef-outline \
		--output-file="$here/NotoSansSC-$weight.otf"
done
ls -l "$here"/NotoSansSC-*.otf
