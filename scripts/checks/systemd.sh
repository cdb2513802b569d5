#!/usr/bin/env bash
# The systemd unit as `make install` installs it, checked without a running
# systemd (PID 1 in CI is not systemd):
#   1. `make install-files` into a temporary DESTDIR with the debug binary;
#   2. `systemd-analyze verify --man=no` on the installed unit must exit 0
#      AND print nothing: systemd 252 only warns (rc 0) on unknown keys and
#      bad values, so any output is a failure;
#   3. `systemd-analyze security --offline=true` must score <= 1.5
#      (`--threshold` is on a x10 scale: 15);
#   4. sysusers and tmpfiles entries apply cleanly inside the DESTDIR.
#
# How verify finds things (systemd 252): without --root it checks that
# ExecStart= exists on the host, where /usr/local/bin/feedwire is not
# installed. With --root=DESTDIR it resolves every path inside DESTDIR,
# including the units the service is ordered against (sysinit.target …)
# and ExecReload's /bin/kill. So the DESTDIR gets a copy of the host's
# /usr/lib/systemd/system (under 1 MB) and of kill, and then the unit is
# verified exactly as installed, ExecStart path included.
set -euo pipefail
cd "$(dirname "$0")/../.."

if ! command -v systemd-analyze >/dev/null; then
  echo "systemd.sh: systemd-analyze is missing; run scripts/setup.sh (apt package systemd)" >&2
  exit 1
fi
bin=.build/debug/feedwire
[ -x "$bin" ] || swift build --product feedwire >/dev/null

root=$(mktemp -d "${TMPDIR:-/tmp}/feedwire-systemd.XXXXXX")
trap 'rm -rf "$root"' EXIT
make -s --no-print-directory install-files DESTDIR="$root" FEEDWIRE_BIN="$bin" >/dev/null

unit="$root/etc/systemd/system/feedwire.service"
grep -q '^ExecStart=/usr/local/bin/feedwire run --config /etc/feedwire/feeds.conf$' "$unit" || {
  echo "systemd.sh: the installed unit's ExecStart is not the installed binary:" >&2
  grep '^ExecStart=' "$unit" >&2
  exit 1
}

# The unit must match what `feedwire run` does (DaemonRunner): it sends
# READY=1/RELOADING=1/STOPPING=1 itself (Type=notify), pings WATCHDOG=1 at
# half of WATCHDOG_USEC (so WatchdogSec= must be set to be useful), reloads
# on SIGHUP, and needs shutdown_grace (10 s) + 5 components x 5 s = 35 s to
# stop in the worst case.
for want in '^Type=notify$' '^NotifyAccess=main$' '^ExecReload=/bin/kill -HUP \$MAINPID$' '^WatchdogSec=[1-9]'; do
  grep -q "$want" "$unit" || { echo "systemd.sh: the unit lacks $want" >&2; exit 1; }
done
stop=$(sed -n 's/^TimeoutStopSec=\([0-9]*\)s$/\1/p' "$unit")
[ -n "$stop" ] && [ "$stop" -ge 35 ] || {
  echo "systemd.sh: TimeoutStopSec must be at least 35s (shutdown_grace 10 s + 5 components x 5 s); found '${stop:-none}'" >&2; exit 1; }

mkdir -p "$root/usr/lib/systemd" "$root/usr/bin"
cp -a /usr/lib/systemd/system "$root/usr/lib/systemd/"
cp /bin/kill "$root/usr/bin/kill"
[ -e "$root/bin" ] || ln -s usr/bin "$root/bin"

rc=0
out=$(systemd-analyze verify --man=no --root="$root" feedwire.service 2>&1) || rc=$?
if [ "$rc" != 0 ] || [ -n "$out" ]; then
  echo "systemd.sh: systemd-analyze verify (rc $rc) on the installed unit:" >&2
  echo "$out" >&2
  exit 1
fi
echo "systemd-analyze verify: clean"

rc=0
out=$(LANG=C systemd-analyze security --offline=true --root="$root" --threshold=15 feedwire.service 2>&1) || rc=$?
score=$(printf '%s\n' "$out" | grep 'Overall exposure level' || true)
if [ "$rc" != 0 ] || [ -z "$score" ]; then
  echo "systemd.sh: systemd-analyze security failed (rc $rc); must be <= 1.5:" >&2
  printf '%s\n' "$out" | grep -E '^[x✗-]|Overall' >&2 || printf '%s\n' "$out" >&2
  exit 1
fi
echo "systemd-analyze security: ${score#*: }"

# sysusers and tmpfiles: the user exists, the public directory is created
# with the right mode (ownership only when we may chown, i.e. as root).
systemd-sysusers --root="$root" >/dev/null 2>&1 || { echo "systemd.sh: systemd-sysusers failed" >&2; systemd-sysusers --root="$root" >&2; exit 1; }
grep -q '^feedwire:x:[0-9]*:[0-9]*:.*:/var/lib/feedwire:/usr/sbin/nologin$' "$root/etc/passwd" || {
  echo "systemd.sh: sysusers did not create the feedwire user" >&2; exit 1; }
if [ "$(id -u)" = 0 ]; then
  out=$(systemd-tmpfiles --root="$root" --create 2>&1) || { echo "systemd.sh: systemd-tmpfiles: $out" >&2; exit 1; }
  uid=$(awk -F: '$1 == "feedwire" { print $3 }' "$root/etc/passwd")
  [ "$(stat -c '%a %u' "$root/srv/feedwire/public")" = "755 $uid" ] || {
    echo "systemd.sh: /srv/feedwire/public is $(stat -c '%a %u' "$root/srv/feedwire/public"), want 755 $uid" >&2; exit 1; }
  echo "sysusers/tmpfiles: feedwire user and /srv/feedwire/public (0755 feedwire) created"
else
  echo "sysusers: feedwire user created (tmpfiles skipped: not root)"
fi
