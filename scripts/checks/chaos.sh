#!/usr/bin/env bash
# Short crash-safety run (issue 8, item 2): scripts/e2e/chaos.py --short
# kills `feedwire run` / `feedwire once` with SIGKILL (random timers and the
# FEEDWIRE_CRASH_AT crash points) three times per newsroom step over the
# scripted scenario, then checks integrity, the merged feed, lost and repeated
# notifications. About a minute. `make chaos` is the long version.
#
# Temporary files go to a `mktemp -d` directory (removed on success, kept
# and named on failure); the servers and the daemon are stopped by
# chaos.py itself, and the trap below ends the run's process group if this
# script is interrupted.
set -euo pipefail
cd "$(dirname "$0")/../.."

bin=.build/debug/feedwire
[ -x "$bin" ] || swift build --product feedwire >/dev/null

work=$(mktemp -d "${TMPDIR:-/tmp}/feedwire-chaos-check.XXXXXX")
pid=
cleanup() {
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM -- "-$pid" 2>/dev/null || true
    sleep 1
    kill -KILL -- "-$pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Its own session, so that the trap can end chaos.py, its servers and the daemon together.
TMPDIR="$work" setsid python3 scripts/e2e/chaos.py --short --binary "$bin" "$@" &
pid=$!
wait "$pid"
