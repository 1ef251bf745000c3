#!/bin/sh
# test.sh: checks the .deb packages of dist/ for VERSION on this machine, as
# root (the Makefile runs it through sudo otherwise). Every step names
# itself; the first that fails stops the run with "package-test: FAILED".
#
#  1. lintian: no error and no warning on any .deb (the justified ones are
#     overridden in the packages and listed in the README);
#  2. dpkg -i of the amd64 client and hub; `dutyroom version` and
#     `dutyroom -data TMP init --demo` from /usr/bin;
#  3. systemd-analyze verify on the installed unit;
#  4. the hub started as the unit starts it -- the unit's ExecStart with its
#     EnvironmentFile, as the user dutyhub, through setpriv, since a build
#     container has no systemd -- on a loopback port: the certificate made
#     in /var/lib/dutyhub, /healthz answering, `dutyhub pin` printing the
#     pin it logged;
#  5. removal keeps /var/lib/dutyhub and its accounts;
#  6. upgrade: the same packages with a lower version installed, a station,
#     an account, a changed setting and a client data folder made with them,
#     then the new packages installed over them: all still there and sound;
#  7. dpkg refuses a package of another architecture and one whose
#     dependency is missing.
#
# The machine must not be running a hub of its own: the test installs,
# removes and purges the packages, and refuses to start when it finds a
# dutyhub it did not install itself.
set -eu
: "${VERSION:?}"
arch=$(dpkg --print-architecture)
client=dist/dutyroom_${VERSION}_$arch.deb
hubdeb=dist/dutyhub_${VERSION}_$arch.deb
data=/var/lib/dutyhub
marker=$data/.made-by-package-test
work=$(mktemp -d)
# The hub's user reads the station list the test writes here.
chmod 0755 "$work"
hubpid=""
step="start"

say() { step=$1; echo "package-test: $1"; }
fail() { echo "package-test: FAILED at \"$step\": $*" >&2; exit 1; }

cleanup() {
	rc=$?
	if [ -n "$hubpid" ]; then kill "$hubpid" 2>/dev/null || true; wait "$hubpid" 2>/dev/null || true; fi
	if [ $rc -ne 0 ] && [ -f "$work/hub.log" ]; then echo "--- hub log:"; cat "$work/hub.log"; fi
	# Leave the machine as it was: the packages, the data and the user this
	# test made go.
	dpkg --purge dutyroom dutyhub >/dev/null 2>&1 || true
	if [ -f "$marker" ]; then rm -rf "$data"; fi
	if [ -f "$work/made-user" ]; then deluser --system --quiet dutyhub >/dev/null 2>&1 || true; fi
	rm -rf "$work"
	if [ $rc -ne 0 ]; then echo "package-test: FAILED at \"$step\"" >&2; fi
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

[ "$(id -u)" = 0 ] || fail "run as root (make package-test uses sudo)"
for f in "$client" "$hubdeb"; do [ -f "$f" ] || fail "$f is missing; run make package"; done
if dpkg -s dutyhub >/dev/null 2>&1 || { [ -d "$data" ] && [ ! -f "$marker" ]; }; then
	fail "this machine has a dutyhub (package or $data) that the test did not make; run the test elsewhere"
fi
getent passwd dutyhub >/dev/null || touch "$work/made-user"

# as_hub runs a command as the unit runs the hub: its user, no new privileges.
as_hub() { setpriv --reuid=dutyhub --regid=dutyhub --init-groups --no-new-privs -- "$@"; }

# start_hub starts /usr/bin/dutyhub with the unit's ExecStart and
# EnvironmentFile, listening on a loopback port, and waits for /healthz.
start_hub() {
	unit=/lib/systemd/system/dutyhub.service
	exec_start=$(sed -n 's/^ExecStart=//p' "$unit")
	envfile=$(sed -n 's/^EnvironmentFile=//p' "$unit")
	[ -n "$exec_start" ] && [ -f "$envfile" ] || fail "the unit has no ExecStart or its EnvironmentFile $envfile is missing"
	port=$(( 20000 + $$ % 20000 ))
	# The settings file is shell-compatible KEY=VALUE lines, as systemd reads them.
	# shellcheck disable=SC1090
	( set -a; . "$envfile"; set +a
	  eval "set -- $exec_start -listen 127.0.0.1:$port"
	  exec setpriv --reuid=dutyhub --regid=dutyhub --init-groups --no-new-privs -- "$@" ) >"$work/hub.log" 2>&1 &
	hubpid=$!
	i=0
	until curl -ksf "https://127.0.0.1:$port/healthz" >/dev/null 2>&1; do
		kill -0 "$hubpid" 2>/dev/null || fail "the hub exited at start"
		i=$((i + 1)); [ $i -lt 150 ] || fail "no /healthz on 127.0.0.1:$port after 30 s"
		sleep 0.2
	done
	[ "$(ps -o user= -p "$hubpid")" = dutyhub ] || fail "the hub runs as $(ps -o user= -p "$hubpid"), not dutyhub"
}
stop_hub() {
	kill "$hubpid"; wait "$hubpid" || true; hubpid=""
}

say "lintian (no errors, no unjustified warnings)"
for f in dist/*_"$VERSION"_*.deb; do
	lintian --fail-on error,warning "$f" 2>&1 | grep -v 'running with root privileges' || true
	lintian --fail-on error,warning "$f" >/dev/null 2>&1 || fail "lintian: $f"
done

say "dpkg -i $client $hubdeb"
dpkg -i "$client" "$hubdeb" || fail "dpkg -i"
touch "$marker"

say "dutyroom version and init --demo from /usr/bin"
out=$(/usr/bin/dutyroom version)
case "$out" in "dutyroom $VERSION "*) ;; *) fail "dutyroom version said: $out" ;; esac
/usr/bin/dutyroom -data "$work/client" init --demo >/dev/null || fail "init --demo"
/usr/bin/dutyroom -data "$work/client" station list | grep -q 433101 || fail "no demo stations"
[ -f /usr/share/applications/cn.dutyroom.client.desktop ] || fail "no desktop entry"

say "systemd-analyze verify dutyhub.service"
systemd-analyze verify /lib/systemd/system/dutyhub.service || fail "systemd-analyze verify"

say "dutyhub serves /healthz on loopback as its user"
[ "$(stat -c %U:%a "$data")" = dutyhub:750 ] || fail "$data is $(stat -c %U:%a "$data"), not dutyhub:750"
[ "$(stat -c %a /etc/dutyhub/dutyhub.conf)" = 600 ] || fail "the settings file is readable by others"
start_hub
logged=$(sed -n 's/^dutyhub: certificate pin (SHA-256): //p' "$work/hub.log")
stop_hub
pin=$(/usr/bin/dutyhub -data "$data" pin)
[ -n "$pin" ] && [ "$pin" = "$logged" ] || fail "dutyhub pin said \"$pin\", the hub logged \"$logged\""
notmine=$(find "$data" ! -user dutyhub ! -path "$marker")
[ -z "$notmine" ] || fail "files in $data not owned by dutyhub: $notmine"

say "accounts made as the hub's user"
/usr/bin/dutyroom -data "$work/client" station export "$work/stations.json" >/dev/null
as_hub /usr/bin/dutyhub -data "$data" station import "$work/stations.json" >/dev/null || fail "station import"
echo test-password | as_hub /usr/bin/dutyhub -data "$data" user add jishou 433101 >/dev/null || fail "user add"

say "dpkg -r keeps $data"
dpkg -r dutyhub dutyroom >/dev/null || fail "dpkg -r"
[ ! -e /usr/bin/dutyhub ] || fail "/usr/bin/dutyhub is still there"
[ -f "$data/dutyhub.db" ] && [ -f "$data/hub.crt" ] || fail "the hub's database or certificate went with the package"
dpkg -i "$hubdeb" >/dev/null || fail "reinstall"
as_hub /usr/bin/dutyhub -data "$data" user list | grep -q '^jishou' || fail "the account is gone after remove and reinstall"

say "dpkg --purge keeps $data"
dpkg --purge dutyhub >/dev/null || fail "dpkg --purge"
[ ! -e /etc/dutyhub/dutyhub.conf ] || fail "purge left the settings file"
[ -f "$data/dutyhub.db" ] || fail "purge deleted the hub's database"

say "upgrade from a lower version keeps data and settings"
# The previous build: the same packages with a lower version, repacked.
prev=0.0.0~0.previous
dpkg --compare-versions "$prev" lt "$VERSION" || fail "$prev is not below $VERSION"
for f in "$client" "$hubdeb"; do
	rm -rf "$work/re"; dpkg-deb -R "$f" "$work/re"
	sed -i "s/^Version: .*/Version: $prev/" "$work/re/DEBIAN/control"
	dpkg-deb -Zgzip -z1 -b "$work/re" "$work/$(basename "$f" | sed "s/_${VERSION}_/_${prev}_/")" >/dev/null
done
dpkg -i "$work"/dutyroom_"$prev"_"$arch".deb "$work"/dutyhub_"$prev"_"$arch".deb >/dev/null || fail "install $prev"
[ "$(dpkg-query -W -f '${Version}' dutyhub)" = "$prev" ] || fail "$prev not installed"
echo test-password | as_hub /usr/bin/dutyhub -data "$data" user add xiangxi 433100 >/dev/null || fail "user add on $prev"
sed -i 's/^DUTYHUB_OPTS=.*/DUTYHUB_OPTS="-listen 0.0.0.0:7443 -backup-keep 30"/' /etc/dutyhub/dutyhub.conf
/usr/bin/dutyroom -data "$work/client2" init --demo >/dev/null || fail "client init on $prev"
# The previous hub serves while the new package is unpacked over it; under
# systemd the postinst then restarts it once (deb-systemd-invoke restart),
# which is what stop_hub and start_hub below do by hand.
start_hub
oldpid=$hubpid
dpkg -i "$client" "$hubdeb" >/dev/null || fail "upgrade to $VERSION"
[ "$(dpkg-query -W -f '${Version}' dutyhub)" = "$VERSION" ] || fail "$VERSION not installed"
kill -0 "$oldpid" 2>/dev/null || fail "the running hub died during the upgrade"
curl -ksf "https://127.0.0.1:$port/healthz" >/dev/null || fail "the running hub stopped serving during the upgrade"
stop_hub
users=$(as_hub /usr/bin/dutyhub -data "$data" user list)
echo "$users" | grep -q '^jishou' && echo "$users" | grep -q '^xiangxi' || fail "accounts lost in the upgrade: $users"
as_hub /usr/bin/dutyhub -data "$data" check >/dev/null || fail "the hub's database is damaged after the upgrade"
grep -q -- '-backup-keep 30' /etc/dutyhub/dutyhub.conf || fail "the changed setting was replaced"
/usr/bin/dutyroom -data "$work/client2" check >/dev/null || fail "the client's data is damaged after the upgrade"
start_hub
stop_hub

# dpkg unpacks a package whose dependency is missing and leaves it
# unconfigured with an error, so this comes last.
say "dpkg refuses another architecture and a missing dependency"
other=riscv64
dpkg --print-foreign-architectures | grep -qx "$other" && other=s390x
rm -rf "$work/re"; dpkg-deb -R "$hubdeb" "$work/re"
sed -i "s/^Architecture: .*/Architecture: $other/; s/^Version: .*/Version: $VERSION.1/" "$work/re/DEBIAN/control"
dpkg-deb -Zgzip -z1 -b "$work/re" "$work/other.deb" >/dev/null
if dpkg -i "$work/other.deb" >"$work/dpkg.log" 2>&1; then fail "dpkg installed an $other package"; fi
grep -q "does not match system" "$work/dpkg.log" || fail "dpkg's message: $(cat "$work/dpkg.log")"
sed -i "s/^Architecture: .*/Architecture: $arch/; s/^Depends: .*/Depends: adduser, dutyroom-missing-library/" "$work/re/DEBIAN/control"
dpkg-deb -Zgzip -z1 -b "$work/re" "$work/nodep.deb" >/dev/null
if dpkg -i "$work/nodep.deb" >"$work/dpkg.log" 2>&1; then fail "dpkg installed a package with a missing dependency"; fi
grep -q "dependency problems" "$work/dpkg.log" || fail "dpkg's message: $(cat "$work/dpkg.log")"

# The arm64 packages, when built: lintian has read them above; their
# binaries run here under qemu-user with the arm64 libraries of the cross
# build (multiarch, /usr/lib/aarch64-linux-gnu).
if [ -f "dist/dutyroom_${VERSION}_arm64.deb" ] && [ "$arch" != arm64 ]; then
	say "arm64 binaries under qemu-user: init --demo, incident grade, roster generate"
	command -v qemu-aarch64 >/dev/null || fail "qemu-aarch64 is missing (apt-get install qemu-user)"
	dpkg-deb -x "dist/dutyroom_${VERSION}_arm64.deb" "$work/arm64"
	dpkg-deb -x "dist/dutyhub_${VERSION}_arm64.deb" "$work/arm64"
	file "$work/arm64/usr/bin/dutyroom" | grep -q 'ARM aarch64' || fail "dutyroom in the arm64 package is not an arm64 binary"
	# A hang under the emulator fails the step instead of the whole run.
	# The loader and C library are the multiarch libc6:arm64 in /lib and
	# /usr/lib/aarch64-linux-gnu, beside the other arm64 libraries. (With
	# QEMU_LD_PREFIX pointing at the cross compiler's older C library even a
	# C hello hangs under Debian 12's qemu.)
	q() { timeout -s KILL 120 qemu-aarch64 "$@"; }
	d=$work/arm64-data
	out=$(q "$work/arm64/usr/bin/dutyroom" version) || fail "arm64 dutyroom version"
	case "$out" in "dutyroom $VERSION "*) ;; *) fail "arm64 dutyroom version said: $out" ;; esac
	q "$work/arm64/usr/bin/dutyroom" -data "$d" init --demo >/dev/null || fail "arm64 init --demo"
	q "$work/arm64/usr/bin/dutyroom" -data "$d" incident grade --dead 10 | grep -q '^major' || fail "arm64 incident grade"
	q "$work/arm64/usr/bin/dutyroom" -data "$d" roster generate --station 433101 --from 2026-10-01 --to 2026-10-31 >/dev/null ||
		fail "arm64 roster generate"
	q "$work/arm64/usr/bin/dutyroom" -data "$d" roster show --station 433101 --month 2026-10 | grep -q . || fail "arm64 roster show is empty"
	q "$work/arm64/usr/bin/dutyhub" -data "$work/arm64-hub" station list >/dev/null || fail "arm64 dutyhub"
fi

echo "package-test: all steps passed"
