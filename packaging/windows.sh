#!/bin/sh
# windows.sh: cross-builds dutyroom.exe and dutyhub.exe for x86-64 Windows
# with Debian's mingw-w64 and writes, into dist/:
#   dutyroom_VERSION_windows_amd64_setup.exe  the installer (NSIS, in Chinese)
#   dutyroom_VERSION_windows_amd64.zip        the same files, unpack and run
#   dutyhub_VERSION_windows_amd64.zip         the hub, a console program
# Run from the repository root; VERSION and GO come from the Makefile.
set -eu
: "${VERSION:?}" "${GO:=go}"
: "${MINGW_CC:=x86_64-w64-mingw32-gcc-win32}"
: "${MINGW_CXX:=x86_64-w64-mingw32-g++-win32}"
host=x86_64-w64-mingw32
build=build/windows
stage=$build/stage
mkdir -p "$build" dist

# libvpx and libopus for mingw, built once and kept in a cache folder
# (mingw-libs.sh says why its name goes into CGO_LDFLAGS).
libs=$(MINGW_CC=$MINGW_CC packaging/mingw-libs.sh)

# Windows wants a four-number version (a.b.c.d) in the version resource and
# the installer: the release's three numbers and, for a build after a tag
# or before the first one, the commit count (0.0.0~245.gSHA -> 0.0.0.245,
# 1.2.0+3.gSHA -> 1.2.0.3, 1.2.0 -> 1.2.0.0). The full version is in the
# strings beside it.
winver() {
	abc=$(echo "$1" | sed -n 's/^\([0-9]*\)\.\([0-9]*\)\.\([0-9]*\).*/\1.\2.\3/p')
	n=$(echo "$1" | sed -n 's/^[0-9.]*[~+]\([0-9]*\)\.g.*/\1/p')
	echo "${abc:-0.0.0}.${n:-0}"
}
numver=$(winver "$VERSION")
commas=$(echo "$numver" | tr . ,)

# The icon (from the PNG every package uses; Windows keeps a 256-pixel PNG
# and smaller bitmaps in one .ico) and the version resource, compiled by
# mingw's windres into .syso files that go build links into the program of
# the folder they are in. They are made here, not kept in git: the version
# changes with every commit.
convert assets/icon.png -define icon:auto-resize=256,64,48,32,16 "$build/dutyroom.ico"
rc() { # rc NAME DESCRIPTION SUBSYSTEM-NOTE
	cat <<EOF
#include <winver.h>
1 ICON "dutyroom.ico"
1 24 "$1.manifest"
1 VERSIONINFO
FILEVERSION $commas
PRODUCTVERSION $commas
FILEFLAGSMASK 0x3f
FILEOS VOS_NT_WINDOWS32
FILETYPE VFT_APP
BEGIN
  BLOCK "StringFileInfo"
  BEGIN
    BLOCK "080404b0"
    BEGIN
      VALUE "CompanyName", "DutyRoom"
      VALUE "FileDescription", "$2"
      VALUE "FileVersion", "$VERSION"
      VALUE "InternalName", "$1"
      VALUE "LegalCopyright", "DutyRoom authors"
      VALUE "OriginalFilename", "$1.exe"
      VALUE "ProductName", "值班室 DutyRoom"
      VALUE "ProductVersion", "$VERSION"
    END
  END
  BLOCK "VarFileInfo"
  BEGIN
    VALUE "Translation", 0x804, 1200
  END
END
EOF
}
# The manifest: run as the user who started it (no elevation prompt),
# Windows 7 to 11, and per-monitor DPI awareness so Windows does not blur
# the window by scaling its bitmap (the toolkit scales itself).
manifest() {
	cat <<EOF
<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<assembly xmlns="urn:schemas-microsoft-com:asm.v1" manifestVersion="1.0">
  <assemblyIdentity type="win32" name="cn.dutyroom.$1" version="$numver"/>
  <trustInfo xmlns="urn:schemas-microsoft-com:asm.v3">
    <security><requestedPrivileges>
      <requestedExecutionLevel level="asInvoker" uiAccess="false"/>
    </requestedPrivileges></security>
  </trustInfo>
  <compatibility xmlns="urn:schemas-microsoft-com:compatibility.v1"><application>
    <supportedOS Id="{35138b9a-5d96-4fbd-8e2d-a2440225f93a}"/>
    <supportedOS Id="{4a2f28e3-53b9-4441-ba9c-d69d4a4a6e38}"/>
    <supportedOS Id="{1f676c76-80e1-4239-95bb-83d0f6d0da78}"/>
    <supportedOS Id="{8e0f7a12-bfb3-4fe8-b9a5-48fd50a15a9a}"/>
  </application></compatibility>
  <application xmlns="urn:schemas-microsoft-com:asm.v3"><windowsSettings>
    <dpiAware xmlns="http://schemas.microsoft.com/SMI/2005/WindowsSettings">true/pm</dpiAware>
    <dpiAwareness xmlns="http://schemas.microsoft.com/SMI/2016/WindowsSettings">permonitorv2,permonitor</dpiAwareness>
  </windowsSettings></application>
</assembly>
EOF
}
for prog in dutyroom dutyhub; do
	case $prog in
	dutyroom) desc="值班室 DutyRoom" ;;
	dutyhub) desc="值班室联网服务 DutyRoom hub" ;;
	esac
	manifest "$prog" >"$build/$prog.manifest"
	rc "$prog" "$desc" >"$build/$prog.rc"
	(cd "$build" && $host-windres -c 65001 -O coff -o "../../cmd/$prog/rsrc_windows_amd64.syso" "$prog.rc")
done

# -s -w and the version as in the .debs. The client: a GUI program (no
# console window; console_windows.go attaches to the caller's console for
# commands), linked statically (-static: libvpx, libopus, libwinpthread,
# libgcc and libstdc++ of the camera code go into the .exe), so it needs
# no DLL but Windows' own. The hub is pure Go and a console program.
ldflags="-s -w -X main.Version=$VERSION"
env CGO_ENABLED=1 GOOS=windows GOARCH=amd64 CC="$MINGW_CC" CXX="$MINGW_CXX" \
	PKG_CONFIG_LIBDIR="$libs/lib/pkgconfig" PKG_CONFIG_PATH= CGO_LDFLAGS="-O2 -g -L$libs/lib" \
	$GO build -ldflags "$ldflags -H windowsgui -extldflags=-static" -o "$build/dutyroom.exe" ./cmd/dutyroom
CGO_ENABLED=0 GOOS=windows GOARCH=amd64 $GO build -ldflags "$ldflags" -o "$build/dutyhub.exe" ./cmd/dutyhub

# No DLL beyond those every Windows has: the program must start on a bare
# duty-room PC. The list is what the toolkit, the camera and the sound
# code ask for from Windows itself.
system_dlls="advapi32.dll bcrypt.dll comctl32.dll comdlg32.dll crypt32.dll dwmapi.dll gdi32.dll imm32.dll
kernel32.dll msvcrt.dll ntdll.dll ole32.dll oleaut32.dll opengl32.dll powrprof.dll setupapi.dll
shell32.dll shlwapi.dll user32.dll uxtheme.dll version.dll winmm.dll winspool.drv ws2_32.dll
mfplat.dll mf.dll mfreadwrite.dll mfuuid.dll strmiids.dll avrt.dll ksuser.dll dsound.dll
userenv.dll iphlpapi.dll dnsapi.dll secur32.dll netapi32.dll mswsock.dll wtsapi32.dll quartz.dll"
for exe in "$build/dutyroom.exe" "$build/dutyhub.exe"; do
	for dll in $($host-objdump -p "$exe" | sed -n 's/^\tDLL Name: //p' | tr 'A-Z' 'a-z'); do
		echo "$system_dlls" | tr ' ' '\n' | grep -qx "$dll" ||
			{ echo "windows.sh: $exe needs $dll, which is not part of Windows" >&2; exit 1; }
	done
done

# The files the installer and the zip carry.
rm -rf "$stage" && mkdir -p "$stage/dutyroom" "$stage/dutyhub"
cp "$build/dutyroom.exe" "$stage/dutyroom/"
cp "$build/dutyhub.exe" "$stage/dutyhub/"
for d in dutyroom dutyhub; do
	# Windows' Notepad reads CRLF text.
	sed 's/$/\r/' LICENSE >"$stage/$d/LICENSE.txt"
done

setup=dist/dutyroom_${VERSION}_windows_amd64_setup.exe
rm -f "$setup"
makensis -INPUTCHARSET UTF8 -V2 -DVERSION="$VERSION" -DNUMVERSION="$numver" \
	-DSTAGE="$(pwd)/$stage/dutyroom" -DICON="$(pwd)/$build/dutyroom.ico" \
	-DOUTFILE="$(pwd)/$setup" packaging/windows/dutyroom.nsi >"$build/makensis.log" ||
	{ cat "$build/makensis.log" >&2; exit 1; }
echo "$setup"

for d in dutyroom dutyhub; do
	zip=dist/${d}_${VERSION}_windows_amd64.zip
	rm -f "$zip"
	# A folder inside, so unpacking gives one folder, not loose files.
	rm -rf "$build/zip" && mkdir -p "$build/zip" && cp -r "$stage/$d" "$build/zip/$d"
	(cd "$build/zip" && 7z a -tzip -mx=9 -bd "../../../$zip" "$d" >/dev/null)
	echo "$zip"
done
