#!/usr/bin/env bash
# `make bench-load` (issue 8, "Load"): `feedwire run` with 10,000 feeds on a
# local nginx for several poll cycles, a few percent of the feeds publishing
# a new story each cycle, one merged output and a notifier posting to
# ../shared/tools/chat_sink.py. A benchmark, not a test: it prints figures
# and exits 1 only when something broke (not when a target is missed).
#
# Why the daemon and not `feedwire once` per cycle: the targets are the
# daemon's steady state. `once` would charge every cycle with a process
# start, parsing a 10,000-feed feeds.conf, re-syncing the feed table and
# re-reading every poll state — costs `run` pays once per start, not per
# poll. So `run` polls every feed every INTERVAL seconds (each [[feed]] sets
# `interval` explicitly: an explicit interval is the operator's decision, so
# the corpus's RSS <ttl>15</ttl> cannot stretch it; `min_interval = "1s"`
# allows the short interval), and a "cycle" is a window of INTERVAL seconds:
#   first sync   from start until the log says "first sync finished" (every
#                feed fetched in full, parsed, stored; no alerts: baseline);
#   settle       one window, not reported in the table (the first 304s);
#   changing     CHANGING windows; at the start of each, PERCENT % of the
#                feeds (different ones every cycle) get one new story
#                (scripts/bench-load-mutate.py, atomic rename);
#   unchanged    UNCHANGED windows where nothing changes: all 304.
# CPU is the daemon's user+sys (/proc/PID/stat, all threads) over a window;
# "per cycle" scales it to exactly FEEDS polls (fetches counted in nginx's
# access log, which costs the daemon nothing; jitter makes a window hold
# slightly more or fewer than FEEDS polls). Peak memory is VmHWM. Latency is
# file in place → the chat sink recording the notification that names the
# story's link; "poll → sink" is the part after the daemon's fetch of the
# changed file (the rest is waiting for the next poll: at most one interval).
# The C floor is ../shared/bench/fetch_multi.c fetching the same URLs (round
# 2: conditional, all 304) with the same parallelism, after the daemon stopped.
#
#   FEEDS=10000 INTERVAL=60 CHANGING=3 UNCHANGED=2 PERCENT=3 scripts/bench-load.sh
# Env: BENCH_CORPUS (a gen_corpus.py output dir; default the bench-fetch
# cache .build/bench-fetch/corpus, generated when missing), PARALLEL (32),
# KEEP=1 keeps the work dir (state.db, logs) for inspection.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
SHARED=$(cd "$ROOT/../shared" && pwd)
FEEDS=${FEEDS:-10000}
INTERVAL=${INTERVAL:-60}
CHANGING=${CHANGING:-3}
UNCHANGED=${UNCHANGED:-2}
PERCENT=${PERCENT:-3}
PARALLEL=${PARALLEL:-32}
SYNC_TIMEOUT=${SYNC_TIMEOUT:-1800}

scripts/setup.sh bench
echo "== building feedwire (release) and fetch_multi" >&2
swift build -c release --product feedwire 2>&1 | grep -E "error|warning: .*Sources|Build complete" >&2 || true
BIN="$(swift build -c release --show-bin-path)/feedwire"
[ -x "$BIN" ] || { echo "bench-load: $BIN was not built" >&2; exit 1; }
mkdir -p .build/bench-load
gcc -O2 -o .build/bench-load/fetch_multi "$SHARED/bench/fetch_multi.c" $(curl-config --cflags --libs)

CORPUS=${BENCH_CORPUS:-$ROOT/.build/bench-fetch/corpus}
if [ -z "${BENCH_CORPUS:-}" ] && [ ! -f "$CORPUS/.feeds-$FEEDS" ]; then
  echo "== generating $FEEDS feeds (once; cached in $CORPUS, shared with bench-fetch)" >&2
  rm -rf "$CORPUS"
  python3 "$SHARED/bench/gen_corpus.py" "$CORPUS" --many "$FEEDS" --no-large >&2
  touch "$CORPUS/.feeds-$FEEDS"
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/feedwire-bench-load.XXXXXX")
chmod 755 "$WORK"
nginx_pid="" daemon_pid="" sink_pid=""
cleanup() {
  if [ -n "$daemon_pid" ] && kill -0 "$daemon_pid" 2>/dev/null; then kill -TERM "$daemon_pid"; wait "$daemon_pid" 2>/dev/null || true; fi
  if [ -n "$sink_pid" ] && kill -0 "$sink_pid" 2>/dev/null; then kill -TERM "$sink_pid"; wait "$sink_pid" 2>/dev/null || true; fi
  if [ -f "$WORK/nginx/nginx.pid" ]; then kill "$(cat "$WORK/nginx/nginx.pid")" 2>/dev/null || true; fi
  for _ in $(seq 50); do [ -f "$WORK/nginx/nginx.pid" ] || break; sleep 0.1; done
  if [ "${KEEP:-0}" = 1 ]; then echo "bench-load: kept $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
HZ=$(getconf CLK_TCK)
cpu_of() { awk -v hz="$HZ" '{ sub(/^.*\) /, ""); printf "%.2f", ($12 + $13) / hz }' "/proc/$1/stat"; }
now() { date +%s.%N; }
alive() { kill -0 "$daemon_pid" 2>/dev/null || { echo "bench-load: feedwire run exited:" >&2; tail -5 "$WORK/daemon.log" >&2; exit 1; }; }

# --- Feeds on nginx (a private copy: the benchmark rewrites some) -----------------
echo "== copying $FEEDS feeds to $WORK/www" >&2
mkdir -p "$WORK/www" "$WORK/nginx/tmp" "$WORK/out"
ls "$CORPUS/many" | grep '\.xml$' | head -n "$FEEDS" > "$WORK/files.txt"
(cd "$CORPUS/many" && xargs cp -t "$WORK/www") < "$WORK/files.txt"
chmod -R a+rX "$WORK/www"
ln -s "$WORK/www" "$WORK/nginx/www"
PORT=$(free_port)
# bench-fetch's nginx.conf, plus an access log (the poll count; costs the
# daemon nothing) and a 1 s open_file_cache_valid (default 60 s: a rewritten
# feed could be served stale for a minute, which is nginx's latency, not ours).
sed -e "s/@PORT@/$PORT/g" \
    -e "s|access_log off;|log_format load '\$msec \$status \$uri'; access_log $WORK/nginx/access.log load; open_file_cache_valid 1s;|" \
    "$SHARED/bench/nginx.conf" > "$WORK/nginx/nginx.conf"
nginx -p "$WORK/nginx/" -e "$WORK/nginx/error.log" -c "$WORK/nginx/nginx.conf"
for _ in $(seq 50); do [ -f "$WORK/nginx/nginx.pid" ] && break; sleep 0.1; done
curl -sf -o /dev/null "http://127.0.0.1:$PORT/$(head -1 "$WORK/files.txt")" || { cat "$WORK/nginx/error.log" >&2; exit 1; }
sed "s#^#http://127.0.0.1:$PORT/#" "$WORK/files.txt" > "$WORK/urls.txt"
requests() { wc -l < "$WORK/nginx/access.log"; }

# --- Chat sink ----------------------------------------------------------------------
coproc SINK { exec python3 "$SHARED/tools/chat_sink.py" --port 0 --log "$WORK/sink.jsonl" 2>"$WORK/sink.err"; }
sink_pid=$SINK_PID
read -r SINKPORT <&"${SINK[0]}"

# --- feeds.conf ---------------------------------------------------------------------
MPORT=$(free_port)
{
  cat <<EOF
[daemon]
state = "$WORK/state.db"
interval = "${INTERVAL}s"
min_interval = "1s"
allow_networks = ["127.0.0.0/8"]
max_in_flight = $PARALLEL
max_per_host = $PARALLEL
metrics = "127.0.0.1:$MPORT"
log_level = "info"

[[output]]
name = "merged"
path = "$WORK/out/merged.xml"
format = "rss"
title = "Load benchmark"

[[notify]]
name = "sink"
type = "webhook"
url = "http://127.0.0.1:$SINKPORT/generic/load"
EOF
  sed 's/\.xml$//' "$WORK/files.txt" | while read -r f; do
    printf '\n[[feed]]\nname = "%s"\nurl = "http://127.0.0.1:%s/%s.xml"\ninterval = "%ss"\n' "$f" "$PORT" "$f" "$INTERVAL"
  done
} > "$WORK/feeds.conf"
"$BIN" check --config "$WORK/feeds.conf" > /dev/null

# --- Run ------------------------------------------------------------------------------
echo "== feedwire run: $FEEDS feeds every ${INTERVAL}s; $CHANGING changing cycles ($PERCENT %), $UNCHANGED unchanged" >&2
t_start=$(now)
"$BIN" run --config "$WORK/feeds.conf" 2> "$WORK/daemon.log" &
daemon_pid=$!
until grep -q "first sync finished" "$WORK/daemon.log"; do
  alive
  awk -v s="$t_start" -v n="$(now)" -v lim="$SYNC_TIMEOUT" 'BEGIN { exit !(n - s > lim) }' &&
    { echo "bench-load: first sync did not finish within ${SYNC_TIMEOUT}s" >&2; exit 1; }
  sleep 0.5
done
t_sync=$(now); cpu_sync=$(cpu_of "$daemon_pid"); n_sync=$(requests)
rss_sync=$(awk '/^VmRSS:/ { printf "%.1f", $2 / 1024 }' "/proc/$daemon_pid/status")
echo "   first sync: $(awk -v a="$t_start" -v b="$t_sync" 'BEGIN { printf "%.1f", b - a }') s, $cpu_sync s CPU, $n_sync requests, RSS $rss_sync MiB" >&2

: > "$WORK/cycles.tsv"   # kind cpu_s fetches wall_s
: > "$WORK/changes.tsv"  # link time
per_cycle=$(( FEEDS * PERCENT / 100 )); [ "$per_cycle" -ge 1 ] || per_cycle=1
shuf --random-source=<(yes) "$WORK/files.txt" > "$WORK/shuffled.txt"
window() {  # $1 = kind, $2 = cycle number (changing: rewrite feeds first)
  local c0 n0 t0 c1 n1 t1
  alive
  c0=$(cpu_of "$daemon_pid"); n0=$(requests); t0=$(now)
  if [ "$1" = changing ]; then
    sed -n "$(( ($2 - 1) * per_cycle + 1 )),$(( $2 * per_cycle ))p" "$WORK/shuffled.txt" |
      xargs python3 scripts/bench-load-mutate.py "$WORK/www" "$2" >> "$WORK/changes.tsv"
  fi
  sleep "$(awk -v t0="$t0" -v n="$(now)" -v i="$INTERVAL" 'BEGIN { d = t0 + i - n; printf "%.3f", (d > 0 ? d : 0) }')"
  alive
  c1=$(cpu_of "$daemon_pid"); n1=$(requests); t1=$(now)
  printf '%s\t%s\t%s\t%s\n' "$1" "$(awk -v a="$c0" -v b="$c1" 'BEGIN { printf "%.2f", b - a }')" "$((n1 - n0))" \
    "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')" | tee -a "$WORK/cycles.tsv" | sed 's/^/   /' >&2
}
window settle 0
for c in $(seq "$CHANGING"); do window changing "$c"; done
for c in $(seq "$UNCHANGED"); do window unchanged "$c"; done

# Wait for every notification (at most 2 more intervals), then stop the daemon.
expected=$(wc -l < "$WORK/changes.tsv")
for _ in $(seq $((INTERVAL * 2))); do
  got=$(sed 's#\\/#/#g' "$WORK/sink.jsonl" 2>/dev/null | grep -o -F -f <(cut -f1 "$WORK/changes.tsv") | sort -u | wc -l || true)
  [ "${got:-0}" -ge "$expected" ] && break
  sleep 1
done
alive
curl -fsS "http://127.0.0.1:$MPORT/metrics" > "$WORK/metrics.txt" || true
peak=$(awk '/^VmHWM:/ { printf "%.1f", $2 / 1024 }' "/proc/$daemon_pid/status")
db_live=$(du -cb "$WORK"/state.db* | tail -1 | cut -f1)
n_daemon=$(requests)
kill -TERM "$daemon_pid"; wait "$daemon_pid" 2>/dev/null || true; daemon_pid=""
db_size=$(du -cb "$WORK"/state.db* | tail -1 | cut -f1)
items=$(sqlite3 "$WORK/state.db" 'SELECT count(*) FROM items' 2>/dev/null || echo "?")

# --- The C floor, same URLs, same parallelism --------------------------------------
: > "$WORK/c.tsv"
for _ in 1 2 3; do
  .build/bench-load/fetch_multi "$WORK/urls.txt" "$PARALLEL" > "$WORK/c.txt" || { echo "fetch_multi failed" >&2; cat "$WORK/c.txt" >&2; exit 1; }
  sed -n 's/^round=2 .*n304=\([0-9]*\).*cpu_us_per_req=\([0-9.]*\).*/\2 \1/p' "$WORK/c.txt" >> "$WORK/c.tsv"
done

# --- Report ---------------------------------------------------------------------------
python3 - "$WORK" "$FEEDS" "$INTERVAL" "$PERCENT" "$t_start" "$t_sync" "$cpu_sync" "$n_sync" "$peak" "$db_live" "$db_size" \
  "$items" "$n_daemon" <<'PY'
import json, statistics, sys, datetime as dt
work, feeds, interval, percent = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
t_start, t_sync, cpu_sync, n_sync = float(sys.argv[5]), float(sys.argv[6]), float(sys.argv[7]), int(sys.argv[8])
peak, db_live, db_size, items, n_daemon = float(sys.argv[9]), int(sys.argv[10]), int(sys.argv[11]), sys.argv[12], int(sys.argv[13])

cycles = [l.split("\t") for l in open(work + "/cycles.tsv").read().split("\n") if l]
def per_cycle(kind):
    rows = [(float(c), int(n), float(w)) for k, c, n, w in cycles if k == kind]
    cpu = sum(r[0] for r in rows); n = sum(r[1] for r in rows); wall = sum(r[2] for r in rows)
    return cpu / n * feeds if n else float("nan"), cpu / n * 1e6 if n else float("nan"), n, wall, len(rows)
c_runs = sorted(float(l.split()[0]) for l in open(work + "/c.tsv") if l.strip())
c304 = statistics.median(c_runs)

# Latency: file in place -> sink record naming the link; and the daemon's fetch of it -> sink.
changes = {}
for l in open(work + "/changes.tsv"):
    if l.strip():
        link, t = l.split("\t"); changes[link] = float(t)
def parse_time(s):
    return dt.datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()
seen = {}
try:
    for l in open(work + "/sink.jsonl"):
        rec = json.loads(l)
        body, t = rec.get("body", "").replace("\\/", "/"), parse_time(rec["time"])
        for link in changes:
            if link not in seen and link in body:
                seen[link] = t
except FileNotFoundError:
    pass
fetched = {}   # uri -> sorted 200 times
for i, l in enumerate(open(work + "/nginx/access.log")):
    if i >= n_daemon: break
    ms, status, uri = l.split()
    if status == "200": fetched.setdefault(uri, []).append(float(ms))
lat, tail = [], []
for link, t in changes.items():
    if link not in seen: continue
    lat.append(seen[link] - t)
    uri = "/" + link.rsplit("/", 1)[-1] + ".xml"
    after = [f for f in fetched.get(uri, []) if f >= t]
    if after: tail.append(seen[link] - after[0])
def q(v, p): return sorted(v)[min(len(v) - 1, int(p * len(v)))] if v else float("nan")

first_cpu = cpu_sync
chg, chg_us, chg_n, _, chg_k = per_cycle("changing")
unc, unc_us, unc_n, _, unc_k = per_cycle("unchanged")
ratio = unc_us / c304
steady = max(chg, unc)
def verdict(ok): return "met" if ok else "MISSED"
print()
print(f"bench-load: {feeds} feeds on nginx 127.0.0.1, `feedwire run` polling every {interval:.0f} s; "
      f"{percent} % of the feeds get a new story each changing cycle")
print(f"  {'figure':<44} {'measured':>16}   {'target':<26} verdict")
print(f"  {'first sync (start → every feed stored)':<44} {first_cpu:>12.1f} s CPU   "
      f"{'(' + format(t_sync - t_start, '.0f') + ' s wall, ' + str(n_sync) + ' fetches)':<26}")
print(f"  {'changing cycle, CPU per ' + str(feeds) + ' polls':<44} {chg:>14.2f} s   {'<= 18 s (2 % at 15 min)':<26} {verdict(chg <= 18)}")
print(f"  {'unchanged cycle, CPU per ' + str(feeds) + ' polls':<44} {unc:>14.2f} s   {'<= 18 s (2 % at 15 min)':<26} {verdict(unc <= 18)}")
print(f"  {'  = % of one core at a 15 min interval':<44} {steady / 900 * 100:>14.3f} %   {'<= 2 %':<26} {verdict(steady / 900 <= 0.02)}")
print(f"  {'unchanged: CPU per poll (304) vs C floor':<44} {unc_us:>7.1f} / {c304:>4.1f} us   {'':<26}")
print(f"  {'  ratio to fetch_multi.c (same URLs, 304)':<44} {ratio:>14.2f} x   {'<= 2x':<26} {verdict(ratio <= 2)}")
print(f"  {'peak RSS (VmHWM)':<44} {peak:>12.1f} MiB   {'<= 150 MiB':<26} {verdict(peak <= 150)}")
print(f"  {'database size (state.db + WAL), at the end':<44} {db_size / 2**20:>12.1f} MiB   "
      f"{'(' + items + ' items; ' + format(db_live / 2**20, '.0f') + ' MiB while running)':<26}")
print(f"  {'latency file → sink, median / p95 / max':<44} {q(lat, .5):>5.1f}/{q(lat, .95):>4.1f}/{q(lat, 1):>4.1f} s   "
      f"{'<= one interval (' + format(interval, '.0f') + ' s)':<26} {verdict(bool(lat) and q(lat, 1) <= interval + 5)}")
print(f"  {'  of which poll → sink, median / p95 / max':<44} {q(tail, .5):>5.2f}/{q(tail, .95):>4.2f}/{q(tail, 1):>4.2f} s")
print(f"  notifications: {len(seen)} of {len(changes)} new stories reached the sink")
print(f"  windows: {chg_k} changing ({chg_n} polls, {chg_us:.1f} us each), {unc_k} unchanged ({unc_n} polls); "
      f"C floor runs (us per 304): {', '.join(format(c, '.1f') for c in c_runs)}")
print("  CPU = feedwire's user+sys over each window (all threads), scaled to exactly one poll of every feed;")
print("  the fixed cost of an idle second is in `make bench-idle`.")
if len(seen) < len(changes): sys.exit(1)
PY
