#!/usr/bin/env bash
# `make run`: the debug daemon on a feeds.conf (default: the sample), with
# the production paths moved under .build/run so nothing outside the
# checkout is touched:
#   state       /var/lib/feedwire/…      → .build/run/state/…  (state = "state/state.db")
#   change log  (off in the sample)      → .build/run/changes.jsonl
#   outputs     path = "/…/name.xml"     → .build/run/public/name.xml
# It writes the rewritten copy to .build/run/feeds.conf (relative paths in
# it resolve against .build/run), checks it, then execs
# `.build/debug/feedwire run --config .build/run/feeds.conf`.
#
#   scripts/run-dev.sh [CONFIG] [extra arguments for feedwire run]
set -euo pipefail
cd "$(dirname "$0")/.."

config="${1:-feeds.conf}"
shift || true
[ -r "$config" ] || { echo "run-dev.sh: cannot read $config" >&2; exit 3; }
bin=.build/debug/feedwire
[ -x "$bin" ] || swift build --product feedwire

run=.build/run
mkdir -p "$run/state" "$run/public"

{
  # A file without [daemon] gets one at the top (feeds.conf has no top-level keys).
  grep -q '^[[:space:]]*\[daemon\][[:space:]]*\(#.*\)\?$' "$config" ||
    printf '[daemon]\nstate = "state/state.db"\nchangelog = "changes.jsonl"\n\n'
  awk '
    /^[[:space:]]*\[/ { section = $0; sub(/[[:space:]]*#.*/, "", section); gsub(/[[:space:]]/, "", section) }
    section == "[daemon]" && /^[[:space:]]*(state|changelog)[[:space:]]*=/ { next }
    /^[[:space:]]*path[[:space:]]*=[[:space:]]*"\// {
      match($0, /"[^"]*"/)
      p = substr($0, RSTART + 1, RLENGTH - 2); n = split(p, parts, "/")
      print "path = \"public/" parts[n] "\"   # was " p
      next
    }
    { gsub("/var/lib/feedwire/", "state/"); gsub("/srv/feedwire/public/", "public/"); print }
    /^[[:space:]]*\[daemon\][[:space:]]*(#.*)?$/ {
      print "state = \"state/state.db\"       # run-dev.sh: under .build/run"
      print "changelog = \"changes.jsonl\"    # run-dev.sh: under .build/run"
    }
  ' "$config"
} > "$run/feeds.conf.tmp"
mv -f "$run/feeds.conf.tmp" "$run/feeds.conf"

echo "run-dev.sh: $config → $run/feeds.conf (state, change log and outputs under $run)" >&2
"$bin" check --config "$run/feeds.conf"
exec "$bin" run --config "$run/feeds.conf" "$@"
