#!/usr/bin/env bash
# The newsroom acceptance run (issue 8): the built binary against
# ../shared/tools/newsroom.py's whole built-in scenario, alerts checked on
# chat_sink.py against the ground truth (scripts/e2e/acceptance.py).
# Everything it writes goes under a fresh mktemp -d directory (kept and
# named on failure). On exit the trap stops whatever is still running: the
# Python driver, and the servers and daemon it started (their *.pid files).
set -euo pipefail
cd "$(dirname "$0")/../.."

bin=${FEEDWIRE_BIN:-.build/debug/feedwire}
case $bin in /*) ;; *) bin=$PWD/$bin ;; esac
[ -x "$bin" ] || swift build --product feedwire >/dev/null
export FEEDWIRE_BIN=$bin

work=$(mktemp -d "${TMPDIR:-/tmp}/feedwire-acceptance.XXXXXX")
driver=
cleanup() {
  rc=$?
  trap - EXIT INT TERM
  if [ -n "$driver" ] && kill -0 "$driver" 2>/dev/null; then
    kill -TERM "$driver" 2>/dev/null || true   # it stops its servers and daemon itself
    sleep 2
  fi
  for f in "$work"/*.pid; do
    [ -e "$f" ] || continue
    p=$(cat "$f")
    kill -KILL -- "-$p" 2>/dev/null || kill -KILL "$p" 2>/dev/null || true
  done
  if [ "$rc" = 0 ]; then rm -rf "$work"; else echo "acceptance.sh: failed (rc $rc); files kept in $work" >&2; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

python3 scripts/e2e/acceptance.py --tmp "$work" "$@" &
driver=$!
wait "$driver"
