#!/usr/bin/env bash
# Idle cost of `feedwire run` (issue 5, "Benchmark, not a test"): with 10,000
# feeds configured and all answering 304, the daemon's CPU per hour and its
# resident memory. Targets: <= 2 % of one core at a 15 min interval, <= 150 MiB.
#
# How: nginx (../shared/bench/nginx.conf) serves 10,000 generated feeds on
# 127.0.0.1 (ETag/Last-Modified, so re-polls answer 304); a generated
# feeds.conf polls them every INTERVAL seconds (60 by default, to make the
# run short). After the first sync and one settling cycle:
#   phase A  CYCLES poll cycles: CPU per cycle (c_total) and peak RSS;
#   phase B  SIGHUP to a 15 min interval, then QUIET seconds without polls:
#            the fixed cost per second (f) of timers and housekeeping.
# Extrapolation to a 15 min interval: cost per poll p = (CPU_A - f * t_A) /
# fetches_A (fetches counted from /metrics), per hour = FEEDS * 4 * p + 3600 f.
# Both parts are measured, none assumed. Fetches are counted in nginx's
# access log (scraping /metrics for 10,000 feeds would cost the daemon CPU
# inside the window); CPU is the daemon's user+sys from /proc (all threads);
# peak memory is VmHWM. Every [[feed]] sets `interval` explicitly, so the
# corpus's RSS <ttl>15</ttl> (a publisher hint, honoured only for feeds on
# the default interval) cannot stretch phase A's polls to 15 minutes.
#
#   FEEDS=10000 INTERVAL=60 CYCLES=3 QUIET=60 scripts/bench-idle.sh
# The corpus (10,000 feeds of ~30 items, ~540 MB) is bench-fetch's cache,
# .build/bench-fetch/corpus (generated when missing), or BENCH_CORPUS.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
FEEDS=${FEEDS:-10000}
INTERVAL=${INTERVAL:-60}
CYCLES=${CYCLES:-3}
QUIET=${QUIET:-60}
SYNC_TIMEOUT=${SYNC_TIMEOUT:-1800}

scripts/setup.sh bench
echo "bench-idle: building feedwire (release)" >&2
swift build -c release --product feedwire 2>&1 | grep -E "error|Build complete" || true
bin=$root/.build/release/feedwire
[ -x "$bin" ] || { echo "bench-idle: $bin was not built" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/feedwire-bench-idle.XXXXXX")
chmod 755 "$work"
nginx_pid="" daemon_pid=""
cleanup() {
  [ -n "$daemon_pid" ] && kill "$daemon_pid" 2>/dev/null && wait "$daemon_pid" 2>/dev/null || true
  [ -n "$nginx_pid" ] && kill "$nginx_pid" 2>/dev/null && wait "$nginx_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
clock_ticks=$(getconf CLK_TCK)
cpu_seconds() {  # utime + stime of a pid, in seconds
  awk -v hz="$clock_ticks" '{ sub(/^.*\) /, ""); print ($12 + $13) / hz }' "/proc/$1/stat"
}
rss_mib() { awk '/^VmRSS:/ { printf "%.1f", $2 / 1024 }' "/proc/$1/status"; }

# --- Corpus and nginx ---------------------------------------------------------
CORPUS=${BENCH_CORPUS:-$root/.build/bench-fetch/corpus}
if [ -z "${BENCH_CORPUS:-}" ] && [ ! -f "$CORPUS/.feeds-$FEEDS" ]; then
  echo "bench-idle: generating $FEEDS feeds (once; cached in $CORPUS, shared with bench-fetch)" >&2
  rm -rf "$CORPUS"
  python3 ../shared/bench/gen_corpus.py "$CORPUS" --many "$FEEDS" --no-large >/dev/null
  touch "$CORPUS/.feeds-$FEEDS"
fi
chmod -R a+rX "$CORPUS/many"
port=$(free_port)
mport=$(free_port)
mkdir -p "$work/nginx/tmp"
ln -s "$CORPUS/many" "$work/nginx/www"
sed -e "s/@PORT@/$port/" \
    -e "s|access_log off;|log_format idle '\$msec \$status \$uri'; access_log $work/nginx/access.log idle;|" \
    ../shared/bench/nginx.conf > "$work/nginx/nginx.conf"
nginx -p "$work/nginx/" -e "$work/nginx/error.log" -c "$work/nginx/nginx.conf" -g 'daemon off;' &
nginx_pid=$!
for _ in $(seq 1 50); do curl -s -o /dev/null "http://127.0.0.1:$port/feed-00000.xml" && break; sleep 0.1; done
requests() { wc -l < "$work/nginx/access.log"; }
not_modified() { awk '$2 == 304' "$work/nginx/access.log" | wc -l; }

# --- feeds.conf -----------------------------------------------------------------
write_conf() {  # $1 = interval
  {
    echo '[daemon]'
    echo "state = \"$work/state.db\""
    echo "interval = \"$1\""
    echo 'min_interval = "1s"'
    echo 'allow_networks = ["127.0.0.0/8"]'
    echo "metrics = \"127.0.0.1:$mport\""
    echo 'log_level = "info"   # "first sync finished" is an info line; a 304 logs at debug'
    echo 'max_in_flight = 32'
    echo 'max_per_host = 32'
    ls "$CORPUS/many" | grep '\.xml$' | head -n "$FEEDS" | sed 's/\.xml$//' | while read -r f; do
      printf '\n[[feed]]\nname = "%s"\nurl = "http://127.0.0.1:%s/%s.xml"\ninterval = "%s"\n' "$f" "$port" "$f" "$1"
    done
  } > "$work/feeds.conf.new"
  mv "$work/feeds.conf.new" "$work/feeds.conf"
}
write_conf "${INTERVAL}s"

# --- Run ----------------------------------------------------------------------------
echo "bench-idle: starting feedwire run with $FEEDS feeds, interval ${INTERVAL}s" >&2
"$bin" run --config "$work/feeds.conf" 2> "$work/daemon.log" &
daemon_pid=$!
t_start=$(date +%s.%N)
until grep -q "first sync finished" "$work/daemon.log"; do
  kill -0 "$daemon_pid" 2>/dev/null || { echo "bench-idle: feedwire run exited:"; tail -5 "$work/daemon.log"; exit 1; }
  if awk -v s="$t_start" -v now="$(date +%s.%N)" -v lim="$SYNC_TIMEOUT" 'BEGIN { exit !(now - s > lim) }'; then
    echo "bench-idle: first sync did not finish within ${SYNC_TIMEOUT}s"; exit 1
  fi
  sleep 1
done
t_sync=$(date +%s.%N)
sync_cpu=$(cpu_seconds "$daemon_pid")
sync_rss=$(rss_mib "$daemon_pid")
echo "first sync: $FEEDS feeds in $(awk -v a="$t_start" -v b="$t_sync" 'BEGIN { printf "%.1f", b - a }') s, $sync_cpu s CPU, RSS $sync_rss MiB"

sleep "$INTERVAL"  # one settling cycle: every feed now has validators, so polls answer 304

# Phase A: CYCLES poll cycles.
nm0=$(not_modified); all0=$(requests)
cpu0=$(cpu_seconds "$daemon_pid"); t0=$(date +%s.%N)
sleep $((INTERVAL * CYCLES))
cpu1=$(cpu_seconds "$daemon_pid"); t1=$(date +%s.%N)
nm1=$(not_modified); all1=$(requests)

# Phase B: no polls for a while (reload to 15 min; the next polls are ~15 min after the last ones).
write_conf "15m"
kill -HUP "$daemon_pid"
sleep 10  # the reload itself (10,000 feeds re-read and re-synced) is not idling
cpu2=$(cpu_seconds "$daemon_pid"); t2=$(date +%s.%N)
sleep "$QUIET"
cpu3=$(cpu_seconds "$daemon_pid"); t3=$(date +%s.%N)
quiet_fetches=$(( $(requests) - all1 ))
peak=$(awk '/^VmHWM:/ { printf "%.1f", $2 / 1024 }' "/proc/$daemon_pid/status")

awk -v c0="$cpu0" -v c1="$cpu1" -v t0="$t0" -v t1="$t1" -v c2="$cpu2" -v c3="$cpu3" -v t2="$t2" -v t3="$t3" \
    -v interval="$INTERVAL" -v feeds="$FEEDS" -v nm="$((nm1 - nm0))" -v all="$((all1 - all0))" \
    -v peak="$peak" -v qf="$quiet_fetches" 'BEGIN {
  f = (c3 - c2) / (t3 - t2)                 # fixed CPU seconds per second (timers, housekeeping)
  busy = c1 - c0                            # CPU during phase A, fixed part included
  poll = (busy - f * (t1 - t0)) / (all > 0 ? all : 1); if (poll < 0) poll = 0
  hour = feeds * 4 * poll + 3600 * f        # 4 polls per feed per hour at 15 min
  printf "phase A: %.0f s, %d feeds every %d s: %d fetches (%d answered 304), %.3f s CPU = %.1f us per poll\n", t1 - t0, feeds, interval, all, nm, busy, poll * 1e6
  printf "phase B: %.0f s without polls (%d fetches): %.5f s CPU per second of idling\n", t3 - t2, qf, f
  printf "extrapolated to a 15 min interval: %d feeds x 4 polls x %.1f us + 3600 s x %.5f\n", feeds, poll * 1e6, f
  printf "\nbench-idle: %d feeds, all answering 304\n", feeds
  printf "  %-40s %16s   %-12s %s\n", "figure", "measured", "target", "verdict"
  printf "  %-40s %12.1f s/h   %-12s %s\n", "daemon CPU per hour at a 15 min interval", hour, "<= 72 s/h", (hour <= 72 ? "met" : "MISSED")
  printf "  %-40s %14.3f %%   %-12s %s\n", "  = share of one core", hour / 36, "<= 2 %", (hour / 36 <= 2 ? "met" : "MISSED")
  printf "  %-40s %12.1f MiB   %-12s %s\n", "peak resident memory (VmHWM)", peak, "<= 150 MiB", (peak <= 150 ? "met" : "MISSED")
  if (all > 0 && nm < all) printf "note: %d of %d fetches were not 304; the figure includes that work\n", all - nm, all
}'
