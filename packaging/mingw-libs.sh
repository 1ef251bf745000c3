#!/bin/sh
# mingw-libs.sh: builds the C libraries the Windows client links -- libvpx
# (VP8 only) and libopus -- for x86-64 Windows with Debian's mingw-w64, from
# Debian's own source packages, as static libraries, into a cache folder
# outside the tree, and prints that folder on standard output (nothing else
# when the libraries are already there). windows.sh calls it.
#
# The sources are the bookworm source packages of the very versions of
# libvpx-dev and libopus-dev installed here, the ones the Linux packages
# link: a private apt sources list (deb-src lines only, signed by the Debian
# archive key this machine already trusts) is read into the cache,
# `apt-get source --download-only` fetches the .dsc and tarballs and checks
# them against the signed Sources index, and dpkg-source -x checks them
# against the .dsc's checksums and applies Debian's patches (the security
# fixes among them).
#
# The folder, $MINGW_CACHE/x86_64-rRECIPE-vpxVERSION-opusVERSION (default
# MINGW_CACHE: ~/.cache/dutyroom-mingw), names everything the libraries are
# made from: a new recipe below or a Debian update of either library gives a
# new folder and a new build. windows.sh hands the folder to go build in
# CGO_LDFLAGS, which is part of go's cache key (pkg-config's answers are
# not), so Go packages compiled against other libraries are never reused.
# Being outside the tree, it serves every clone on the machine.
set -eu
: "${MINGW_CACHE:=${XDG_CACHE_HOME:-$HOME/.cache}/dutyroom-mingw}"
# The win32 thread model of Debian's two (win32, posix): Go's runtime and
# GLFW use Windows threads directly, and the compiler's own runtime then
# needs no winpthreads. libvpx still uses POSIX threads (its configure finds
# mingw-w64's pthread.h whatever the model), so winpthreads is linked, as a
# static library like the rest: the .exe needs no DLL but Windows' own.
: "${MINGW_CC:=x86_64-w64-mingw32-gcc-win32}"
host=x86_64-w64-mingw32
apt=$MINGW_CACHE/apt
src=$MINGW_CACHE/src

# Bump when the configure flags below change.
recipe=3
version() {
	# Qualified: with arm64 added for the cross build, two are installed.
	v=$(dpkg-query -W -f '${Version}' "$1:$(dpkg --print-architecture)" 2>/dev/null) ||
		{ echo "mingw-libs.sh: $1 is not installed (make deps-package installs it)" >&2; exit 1; }
	echo "$v"
}
vpxver=$(version libvpx-dev)
opusver=$(version libopus-dev)
# Only letters, digits and dots: the folder goes into compiler flags.
prefix=$MINGW_CACHE/$(echo "x86_64-r$recipe-vpx$vpxver-opus$opusver" | tr -c 'A-Za-z0-9.\n-' '_')
stamp=$prefix/.built
aptopts="-o Dir::Etc::SourceList=$apt/sources.list -o Dir::Etc::SourceParts=/nonexistent
 -o Dir::State::Lists=$apt/lists -o Dir::Cache=$apt/cache -o Dir::State::Status=/dev/null
 -o Debug::NoLocking=1 -o APT::Sandbox::User=root -q"

if [ -f "$stamp" ] && [ -f "$prefix/lib/libvpx.a" ] && [ -f "$prefix/lib/libopus.a" ]; then
	echo "$prefix"
	exit 0
fi
command -v "$MINGW_CC" >/dev/null || { echo "mingw-libs.sh: $MINGW_CC is missing (apt-get install gcc-mingw-w64-x86-64)" >&2; exit 1; }

echo >&2 "mingw-libs.sh: building libvpx and libopus for Windows into $prefix (once; a few minutes)"
mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial" "$src"
for suite in "debian bookworm" "debian bookworm-updates" "debian-security bookworm-security"; do
	set -- $suite
	echo "deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/$1 $2 main"
done >"$apt/sources.list"
# shellcheck disable=SC2086
apt-get $aptopts update >/dev/null
rm -rf "$src" && mkdir -p "$src"
# shellcheck disable=SC2086
(cd "$src" && apt-get $aptopts source --download-only "libvpx=$vpxver" "opus=$opusver" >"$src/apt.log" 2>&1) ||
	{ cat "$src/apt.log" >&2; echo "mingw-libs.sh: apt-get source libvpx=$vpxver opus=$opusver failed: is deb.debian.org reachable, or is an update of libvpx-dev or libopus-dev waiting (apt-get install --only-upgrade libvpx-dev libopus-dev)?" >&2; exit 1; }
for dsc in "$src"/libvpx_*.dsc "$src"/opus_*.dsc; do
	[ -f "$dsc" ] || { echo "mingw-libs.sh: no $dsc" >&2; exit 1; }
	# --no-check: the .dsc signature (the debian-keyring package is not
	# needed); its checksums are still checked, and the files came from
	# the signed index above.
	(cd "$src" && dpkg-source --no-check -x "$(basename "$dsc")" >/dev/null)
	echo >&2 "mingw-libs.sh: $(basename "$dsc" .dsc) unpacked, checksums match the .dsc"
done
jobs=$(nproc 2>/dev/null || echo 2)
rm -rf "$prefix"
mkdir -p "$prefix"

# libvpx: VP8 encoder and decoder only (codec/vpx uses nothing else), no
# programs, documentation or tests; the x86 assembly needs yasm or nasm.
vpx=$(find "$src" -maxdepth 1 -type d -name 'libvpx-*' | head -1)
(cd "$vpx" && CROSS=$host- CC=$MINGW_CC LD=$MINGW_CC ./configure --target=x86_64-win64-gcc \
	--prefix="$prefix" --enable-static --disable-shared --disable-examples --disable-tools \
	--disable-docs --disable-unit-tests --enable-vp8 --disable-vp9 --enable-runtime-cpu-detect \
	--disable-install-bins --disable-install-srcs >"$prefix-libvpx-configure.log" 2>&1 &&
	make -j"$jobs" >"$prefix-libvpx-make.log" 2>&1 && make install >/dev/null 2>&1) ||
	{ echo "mingw-libs.sh: libvpx failed; see $prefix-libvpx-*.log" >&2; exit 1; }

# libopus: no stack protector and no _FORTIFY_SOURCE (configure adds =2
# unless it is set already): on mingw both need libssp, one more library
# the .pc file would not name. No extra programs or documentation.
opus=$(find "$src" -maxdepth 1 -type d -name 'opus-*' | head -1)
(cd "$opus" && CC=$MINGW_CC CFLAGS="-O2 -D_FORTIFY_SOURCE=0" ./configure --host=$host --prefix="$prefix" \
	--enable-static --disable-shared --disable-doc --disable-extra-programs \
	--disable-stack-protector >"$prefix-opus-configure.log" 2>&1 &&
	make -j"$jobs" >"$prefix-opus-make.log" 2>&1 && make install >/dev/null 2>&1) ||
	{ echo "mingw-libs.sh: libopus failed; see $prefix-opus-*.log" >&2; exit 1; }

# Only static libraries are here, and cgo asks pkg-config without
# --static: what each library needs in turn (libvpx: winpthreads for its
# threads) moves from Libs.private into Libs.
for pc in "$prefix"/lib/pkgconfig/vpx.pc "$prefix"/lib/pkgconfig/opus.pc; do
	priv=$(sed -n 's/^Libs.private: *//p' "$pc")
	sed -i "s|^\(Libs: .*\)|\1 $priv|; /^Libs.private:/d" "$pc"
done

date -u >"$stamp"
echo >&2 "mingw-libs.sh: $(cd "$src" && ls ./*.dsc | sed 's,^\./,,; s,\.dsc$,,' | tr '\n' ' ')built into $prefix"
echo "$prefix"
