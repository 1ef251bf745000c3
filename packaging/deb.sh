#!/bin/sh
# deb.sh ARCH: builds dutyroom and dutyhub for the Debian architecture ARCH
# (amd64 or arm64) and writes dist/dutyroom_VERSION_ARCH.deb and
# dist/dutyhub_VERSION_ARCH.deb with nfpm. Run from the repository root;
# VERSION, GO and DEB_MAINTAINER come from the Makefile.
set -eu
arch=$1
: "${VERSION:?}" "${GO:=go}" "${DEB_MAINTAINER:?}"
build=build/deb/$arch
mkdir -p "$build" dist

# Cross builds use Debian's cross compiler and the multiarch -dev packages
# of the target (libvpx, libopus, GL, X11), found through their pkg-config.
goarch=$arch
case "$arch" in
amd64) triplet=x86_64-linux-gnu ;;
arm64) triplet=aarch64-linux-gnu ;;
*) echo "deb.sh: unknown architecture $arch" >&2; exit 2 ;;
esac
# Only the client's build gets them: `go tool nfpm` below is built for
# this machine.
cross=""
if [ "$(dpkg --print-architecture)" != "$arch" ]; then
	cross="CC=$triplet-gcc CXX=$triplet-g++ PKG_CONFIG_LIBDIR=/usr/lib/$triplet/pkgconfig:/usr/share/pkgconfig PKG_CONFIG_PATH="
fi

# -s -w: no symbol table or DWARF (a packaged binary is stripped); the
# version is the package's. The flags only touch the link step, so the
# compiled packages come from the same Go build cache as `make build`.
ldflags="-s -w -X main.Version=$VERSION"
# The client is a position-independent executable bound at load time
# (ASLR and read-only relocations: it reads spreadsheets and network data);
# -buildmode=pie compiles its packages once more than `make build` does.
env $cross CGO_ENABLED=1 GOOS=linux GOARCH=$goarch $GO build -buildmode=pie \
	-ldflags "$ldflags -extldflags=-Wl,-z,relro,-z,now" -o "$build/dutyroom" ./cmd/dutyroom
# The hub is pure Go: static, no shared libraries to depend on.
CGO_ENABLED=0 GOOS=linux GOARCH=$goarch $GO build -ldflags "$ldflags" -o "$build/dutyhub" ./cmd/dutyhub

# The client's dependencies: what it links (dpkg-shlibdeps reads the
# binary's NEEDED entries and the libraries' symbol files), plus the X
# libraries that the window toolkit opens at run time with dlopen.
shl=$build/shlibdeps
mkdir -p "$shl/debian"
printf 'Source: dutyroom\n\nPackage: dutyroom\nArchitecture: any\n' >"$shl/debian/control"
deps=$(cd "$shl" && DEB_HOST_ARCH=$arch dpkg-shlibdeps -O -e ../dutyroom 2>/dev/null | sed -n 's/^shlibs:Depends=//p')
[ -n "$deps" ] || { echo "deb.sh: dpkg-shlibdeps found no dependencies of $build/dutyroom" >&2; exit 1; }
DUTYROOM_DEPENDS="$deps, libxcursor1, libxrandr2, libxinerama1, libxi6, libxxf86vm1"

# Documentation every Debian package carries, compressed as Debian does
# (gzip -n: no name or time stamp, so an unchanged page is byte-identical).
gzip -9nc packaging/deb/dutyroom.1 >"$build/dutyroom.1.gz"
gzip -9nc packaging/deb/dutyhub.8 >"$build/dutyhub.8.gz"
when=$(date -R -u -d "@$(git log -1 --format=%ct)")
for pkg in dutyroom dutyhub; do
	printf '%s (%s) unstable; urgency=medium\n\n  * Built from commit %s.\n\n -- %s  %s\n' \
		"$pkg" "$VERSION" "$(git rev-parse --short HEAD)" "$DEB_MAINTAINER" "$when" |
		gzip -9n >"$build/changelog-$pkg.gz"
done

export VERSION DEB_ARCH=$arch BUILD=$build DUTYROOM_DEPENDS DEB_MAINTAINER
for pkg in dutyroom dutyhub; do
	rm -f "dist/${pkg}_${VERSION}_$arch.deb"
	$GO tool nfpm package -f "packaging/deb/$pkg.yaml" -p deb -t "dist/${pkg}_${VERSION}_$arch.deb" >/dev/null
	echo "dist/${pkg}_${VERSION}_$arch.deb"
done
