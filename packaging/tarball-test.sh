#!/bin/sh
# tarball-test.sh: checks dist/dutyroom_VERSION_linux_amd64.tar.xz: it
# unpacks into a temporary folder with the layout fyne gives it (one
# folder, dutyroom/, with the binary in usr/local/bin, the desktop entry and
# the icon in usr/local/share, and a Makefile), `make user-install` puts them under a
# temporary home, and the installed binary runs version and init --demo.
set -eu
: "${VERSION:?}"
tarball=dist/dutyroom_${VERSION}_linux_amd64.tar.xz
work=$(mktemp -d)
step="start"
say() { step=$1; echo "tarball-test: $1"; }
fail() { echo "tarball-test: FAILED at \"$step\": $*" >&2; exit 1; }
trap 'rc=$?; rm -rf "$work"; [ $rc -eq 0 ] || echo "tarball-test: FAILED at \"$step\"" >&2; exit $rc' EXIT
trap 'exit 130' INT TERM

[ -f "$tarball" ] || fail "$tarball is missing; run make package"

say "unpack $tarball"
tar -C "$work" -xJf "$tarball" || fail "tar -xJf"
[ "$(ls "$work")" = dutyroom ] || fail "the tarball does not unpack into one folder dutyroom/: $(ls "$work")"
top=$work/dutyroom
for f in usr/local/bin/dutyroom usr/local/share/applications/cn.dutyroom.client.desktop Makefile; do
	[ -f "$top/$f" ] || fail "no $f in the tarball: $(tar -tJf "$tarball" | tr '\n' ' ')"
done
ls "$top"/usr/local/share/pixmaps/* >/dev/null 2>&1 || fail "no icon in usr/local/share/pixmaps"
entry=$top/usr/local/share/applications/cn.dutyroom.client.desktop
grep -q '^Exec=dutyroom$' "$entry" || fail "the desktop entry does not run dutyroom"
grep -q '^Name\[zh_CN\]=值班室$' "$entry" || fail "the desktop entry has no Chinese name"

say "make user-install into a temporary home"
HOME="$work/home" make -C "$top" user-install >/dev/null || fail "make user-install"
bin="$work/home/.local/bin/dutyroom"
[ -x "$bin" ] || fail "no ~/.local/bin/dutyroom after make user-install"

say "the installed binary: version and init --demo"
out=$("$bin" version)
case "$out" in "dutyroom $VERSION "*) ;; *) fail "dutyroom version said: $out" ;; esac
"$bin" -data "$work/data" init --demo >/dev/null || fail "init --demo"
"$bin" -data "$work/data" station list | grep -q 433101 || fail "no demo stations"

echo "tarball-test: all steps passed"
