#!/bin/sh
# tarball.sh: writes dist/dutyroom_VERSION_linux_amd64.tar.xz with
# `fyne package -os linux`, for Linux systems that take no .deb: the client
# binary of the amd64 .deb (built by deb.sh, so not compiled again), its
# desktop entry and icon, and a Makefile whose `make user-install` puts
# them under ~/.local and `sudo make install` under /usr/local.
# Run from the repository root; VERSION and GO come from the Makefile.
#
# The fyne command is installed into build/tools, outside the module: the
# releases of fyne.io/tools the module proxy serves require a newer Fyne
# than go.mod's, and as a `go tool` of this module it would raise the
# client's Fyne for every build. Installed on its own it builds with its own
# Fyne and only copies and archives our binary.
set -eu
: "${VERSION:?}" "${GO:=go}"
: "${FYNE_TOOLS_VERSION:=v1.7.4}"
bin=build/deb/amd64/dutyroom
[ -x "$bin" ] || { echo "tarball.sh: $bin is missing: packaging/deb.sh amd64 builds it" >&2; exit 1; }
tools=$(pwd)/build/tools/fyne-$FYNE_TOOLS_VERSION
if [ ! -x "$tools/fyne" ]; then
	# CGO_ENABLED=0: the command needs no window of its own.
	CGO_ENABLED=0 GOBIN=$tools $GO install "fyne.io/tools/cmd/fyne@$FYNE_TOOLS_VERSION"
fi

# fyne wants x.y.z and a build number: 0.0.0~245.gSHA -> 0.0.0 build 245.
xyz=$(echo "$VERSION" | sed -n 's/^\([0-9]*\.[0-9]*\.[0-9]*\).*/\1/p')
n=$(echo "$VERSION" | sed -n 's/^[0-9.]*[~+]\([0-9]*\)\.g.*/\1/p')
out=build/tarball
rm -rf "$out" && mkdir -p "$out"
cp "$bin" "$out/dutyroom"
# fyne reads FyneApp.toml in its source folder, and writes its build
# number back into it: it gets a copy, in a folder of its own with a
# placeholder Go file (fyne insists on finding Go code there even when it is
# handed the binary). It writes DutyRoom.tar.xz in the folder it runs in.
top=$(pwd)
mkdir -p "$out/src"
cp FyneApp.toml "$out/src/"
printf '// Placeholder: fyne package looks for Go code beside FyneApp.toml.\npackage main\n' >"$out/src/main.go"
(cd "$out" && "$tools/fyne" package -os linux -src "$top/$out/src" -exe "$top/$out/dutyroom" -name DutyRoom \
	-icon "$top/assets/icon.png" -app-id cn.dutyroom.client \
	-app-version "${xyz:-0.0.0}" -app-build "${n:-1}" -release >/dev/null)
tarball=dist/dutyroom_${VERSION}_linux_amd64.tar.xz
mkdir -p dist
# fyne's desktop entry has the English name only (and "fyne" as a
# keyword): the .deb's entry, with the Chinese name, comment and keywords,
# takes its place. It has the same Exec and Icon, so fyne's Makefile
# installs it unchanged.
rm -rf "$out/repack" && mkdir -p "$out/repack"
tar -C "$out/repack" -xJf "$out/DutyRoom.tar.xz"
entry=$(find "$out/repack" -name cn.dutyroom.client.desktop)
[ -f "$entry" ] || { echo "tarball.sh: fyne wrote no cn.dutyroom.client.desktop" >&2; exit 1; }
cp packaging/deb/cn.dutyroom.client.desktop "$entry"
tar -C "$out/repack" --owner=0 --group=0 --numeric-owner -cJf "$tarball" dutyroom
echo "$tarball"
