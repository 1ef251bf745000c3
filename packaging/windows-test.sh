#!/bin/sh
# windows-test.sh: checks the Windows packages of dist/ for VERSION under
# wine, in a wine prefix of its own in a temporary folder (no display is
# needed: the checked commands print and exit, the installer runs silent).
# Every step names itself; the first that fails stops the run with
# "windows-test: FAILED".
#
#  1. both programs need no DLL that Windows does not have; the client is a
#     GUI-subsystem program; the programs and the installer carry VERSION
#     in their version resources;
#  2. the zip's dutyroom.exe: version, init --demo, incident grade,
#     roster generate and show, on a folder given as Z:\...; -data with a
#     %VARIABLE% (as the 值班室演示 Start-menu entry passes it) expanded;
#     the hub zip's dutyhub.exe: station list;
#  3. the installer, run silent (/S): the program, the uninstaller, the
#     Start-menu entries (值班室演示 with its -data and -demo) and the
#     Add/Remove Programs entry are there, and
#     the installed program runs; a data folder made in %APPDATA%\dutyroom;
#  4. the installer run again over it (the upgrade): data still there;
#  5. the uninstaller, run silent: program, entries and registration gone,
#     the data folder kept and sound.
#
# Debian 12's wine (8.0) lacks bcryptprimitives.dll, which Go's runtime
# needs (Windows 10 and 11 have it): the test builds a stand-in from
# packaging/windows/bcryptprimitives.c into the test prefix only.
set -eu
: "${VERSION:?}"
host=x86_64-w64-mingw32
setup=dist/dutyroom_${VERSION}_windows_amd64_setup.exe
zip=dist/dutyroom_${VERSION}_windows_amd64.zip
hubzip=dist/dutyhub_${VERSION}_windows_amd64.zip
work=$(mktemp -d)
step="start"
export WINEPREFIX="$work/prefix" WINEDEBUG=-all WINEARCH=win64
# No Mono or Gecko download prompts: nothing here needs .NET or HTML.
export WINEDLLOVERRIDES="mscoree,mshtml="

say() { step=$1; echo "windows-test: $1"; }
fail() { echo "windows-test: FAILED at \"$step\": $*" >&2; exit 1; }
cleanup() {
	rc=$?
	# Every wine process of this prefix ends with its server.
	[ -d "$WINEPREFIX" ] && wineserver -k 2>/dev/null || true
	if [ $rc -ne 0 ] && [ -s "$work/wine.log" ]; then
		echo "--- the programs' and wine's messages (last 40 lines):"; tail -n 40 "$work/wine.log"
	fi
	rm -rf "$work"
	if [ $rc -ne 0 ]; then echo "windows-test: FAILED at \"$step\"" >&2; fi
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

for f in "$setup" "$zip" "$hubzip"; do [ -f "$f" ] || fail "$f is missing; run make package"; done
command -v wine >/dev/null || fail "wine is missing (apt-get install wine wine64)"

# w runs a Windows program; a hang fails the step instead of the run.
# Wine's own messages (ALSA finding no sound card on a build machine, at
# every start) go to a log, shown when a step fails.
w() { timeout -s KILL 300 wine "$@" 2>>"$work/wine.log"; }
# win converts a path of this machine into wine's Z: drive.
win() { echo "Z:$1" | tr / '\\'; }

say "unpack the zips"
(cd "$work" && 7z x -bd "$OLDPWD/$zip" >/dev/null && 7z x -bd "$OLDPWD/$hubzip" >/dev/null) || fail "7z x"
exe=$work/dutyroom/dutyroom.exe
hub=$work/dutyhub/dutyhub.exe
for f in "$exe" "$hub" "$work/dutyroom/LICENSE.txt"; do [ -f "$f" ] || fail "the zip has no $(basename "$f")"; done

say "no DLL beyond Windows' own"
for f in "$exe" "$hub"; do
	dlls=$($host-objdump -p "$f" | sed -n 's/^\tDLL Name: //p' | tr 'A-Z' 'a-z' | sort -u | tr '\n' ' ')
	echo "  $(basename "$f"): $dlls"
	for d in libvpx libopus libwinpthread libgcc libstdc++ zlib; do
		case " $dlls" in *" $d"*) fail "$(basename "$f") needs $d as a DLL" ;; esac
	done
done
$host-objdump -p "$exe" | grep -q 'Subsystem.*0002' || fail "dutyroom.exe is not a GUI-subsystem program"

say "version resources name $VERSION"
# The resource strings are UTF-16, as strings -el reads them.
for f in "$exe" "$hub" "$setup"; do
	strings -el "$f" | grep -qxF "$VERSION" || fail "$(basename "$f") has no version resource with $VERSION"
done

say "a wine prefix with the bcryptprimitives.dll stand-in"
w wineboot -i >/dev/null 2>&1 || fail "wineboot"
$host-gcc -shared -O2 -s -o "$WINEPREFIX/drive_c/windows/system32/bcryptprimitives.dll" \
	packaging/windows/bcryptprimitives.c -ladvapi32 || fail "building the stand-in"

say "dutyroom.exe version, init --demo, incident grade, roster generate and show"
out=$(w "$exe" version | tr -d '\r') || fail "version"
case "$out" in "dutyroom $VERSION "*) ;; *) fail "dutyroom.exe version said: $out" ;; esac
d=$(win "$work/data")
w "$exe" -data "$d" init --demo >/dev/null || fail "init --demo"
[ -f "$work/data/dutyroom.db" ] || fail "no data file in $work/data: $(ls "$work/data")"
w "$exe" -data "$d" station list | grep -q 433101 || fail "no demo stations"
w "$exe" -data "$d" incident grade --dead 10 | tr -d '\r' | grep -q '^major' || fail "incident grade"
w "$exe" -data "$d" roster generate --station 433101 --from 2026-10-01 --to 2026-10-31 >/dev/null || fail "roster generate"
w "$exe" -data "$d" roster show --station 433101 --month 2026-10 | grep -q . || fail "roster show is empty"
w "$exe" -data "$d" check >/dev/null || fail "check"

say "-data %VARIABLE% expanded as the demo entry passes it"
mkdir -p "$work/profile"
DUTYROOM_TEST_PROFILE=$(win "$work/profile") w "$exe" -data '%DUTYROOM_TEST_PROFILE%\值班室演示' init --demo >/dev/null ||
	fail "init --demo in %DUTYROOM_TEST_PROFILE%"
[ -f "$work/profile/值班室演示/dutyroom.db" ] || fail "the demo folder was not made under the variable's folder: $(ls -R "$work/profile" | head)"

say "dutyhub.exe station list"
w "$hub" -data "$(win "$work/hub")" station list >/dev/null || fail "dutyhub.exe station list"
[ -f "$work/hub/dutyhub.db" ] || fail "the hub made no database"

c="$WINEPREFIX/drive_c"
prog="$c/Program Files/DutyRoom"
menu="$c/ProgramData/Microsoft/Windows/Start Menu/Programs/值班室"
key='HKLM\Software\Microsoft\Windows\CurrentVersion\Uninstall\DutyRoom'
say "silent install"
w "$setup" /S || fail "the installer failed"
wineserver -w
for f in dutyroom.exe uninstall.exe LICENSE.txt; do [ -f "$prog/$f" ] || fail "no $f in Program Files\\DutyRoom"; done
for f in 值班室 值班室演示 卸载值班室; do [ -f "$menu/$f.lnk" ] || fail "no Start-menu entry $f: $(ls "$menu" 2>&1)"; done
# (strings stops at the folder's Chinese name: the two ends are checked.)
lnk=$(strings -el "$menu/值班室演示.lnk")
echo "$lnk" | grep -q -- '-data "%USERPROFILE%\\' && echo "$lnk" | grep -q -- '" -demo$' ||
	fail "值班室演示 does not run -data %USERPROFILE%\\... -demo: $lnk"
w reg query "$key" /v UninstallString 2>/dev/null | grep -q 'uninstall.exe' || fail "no uninstaller in Add/Remove Programs"
w reg query "$key" /v DisplayVersion 2>/dev/null | grep -q "$VERSION" || fail "Add/Remove Programs has not version $VERSION"
out=$(w "C:\\Program Files\\DutyRoom\\dutyroom.exe" version | tr -d '\r') || fail "the installed dutyroom.exe"
case "$out" in "dutyroom $VERSION "*) ;; *) fail "the installed dutyroom.exe said: $out" ;; esac
# The default data folder, as a duty room's would be.
w "C:\\Program Files\\DutyRoom\\dutyroom.exe" init --demo >/dev/null || fail "init --demo in the default folder"
appdata=$(find "$c/users" -path '*/AppData/Roaming/dutyroom' -type d | head -1)
[ -n "$appdata" ] && [ -f "$appdata/dutyroom.db" ] || fail "no data in %APPDATA%\\dutyroom"

say "install over it (upgrade) keeps the data"
w "$setup" /S || fail "the installer failed over the installed one"
wineserver -w
[ -f "$prog/dutyroom.exe" ] && [ -f "$appdata/dutyroom.db" ] || fail "program or data gone after installing over"
w "C:\\Program Files\\DutyRoom\\dutyroom.exe" check >/dev/null || fail "check after installing over"

say "silent uninstall keeps the data"
w "C:\\Program Files\\DutyRoom\\uninstall.exe" /S || fail "the uninstaller failed"
# The uninstaller copies itself to a temporary folder and runs from there.
wineserver -w
for f in dutyroom.exe uninstall.exe LICENSE.txt; do [ ! -e "$prog/$f" ] || fail "$f is still in Program Files\\DutyRoom"; done
[ ! -e "$menu" ] || fail "the Start-menu folder is still there: $(ls "$menu")"
if w reg query "$key" >/dev/null 2>&1; then fail "the Add/Remove Programs entry is still there"; fi
[ -f "$appdata/dutyroom.db" ] || fail "the uninstaller deleted %APPDATA%\\dutyroom"
w "$exe" -data "$(win "$appdata")" check >/dev/null || fail "the data folder is damaged after uninstalling"

echo "windows-test: all steps passed"
