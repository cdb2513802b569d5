#!/usr/bin/env bash
# `make bench-fetch`: Feedwire's HTTP engine against the libcurl C floor.
#
# nginx (127.0.0.1, ../shared/bench/nginx.conf) serves N generated feeds;
# `feedwire fetch --urls` fetches all of them twice — round 1 in full, saving
# validators, round 2 conditional, so nginx answers 304 — and
# ../shared/bench/fetch_multi.c does the same in the same run. Prints CPU per
# request (user+sys) for both rounds of both and the ratios. Targets: 304
# round <= 1.5x the floor, full round <= 2x, zero failures. A benchmark, not
# a test: exits 1 only when a request failed or a tool broke.
#
# It measures the shipped binary (`make release`: --static-swift-stdlib),
# whose path make passes as $1, two ways: like for like with fetch_multi,
# which measures each round inside its process (getrusage from the round's
# first request to its last answer), through `feedwire fetch --stats`, which
# measures the same window; and the whole feedwire process (start-up,
# loading libcurl, reading the URL and validator files, writing one line per
# URL), from the child's getrusage to the microsecond. Each run times the C floor and feedwire back to
# back and the ratios are taken per run, then the median over runs: on a
# shared 2-core machine the floor itself drifts by 30 % between minutes,
# and a ratio of two medians taken minutes apart would carry that drift.
#
# Environment: BENCH_FEEDS (10000), BENCH_PARALLEL (64, both clients),
# BENCH_RUNS (9, medians reported), BENCH_DIR (.build/bench-fetch),
# BENCH_CORPUS (a gen_corpus.py output dir to reuse instead of generating),
# BENCH_CALLGRIND=1 (also count the 304 round's user-space instructions with
# valgrind's callgrind: deterministic where CPU time on a shared VM is not,
# for comparing two builds; about two minutes more).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
SHARED=$(cd "$ROOT/../shared" && pwd)
N=${BENCH_FEEDS:-10000}
PAR=${BENCH_PARALLEL:-64}
RUNS=${BENCH_RUNS:-9}
BIN=${1:?usage: scripts/bench-fetch.sh FEEDWIRE_BINARY (make bench-fetch passes the shipped release build)}
WORK=${BENCH_DIR:-$ROOT/.build/bench-fetch}
mkdir -p "$WORK"

scripts/setup.sh bench
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

echo "== building fetch_multi" >&2
gcc -O2 -o "$WORK/fetch_multi" "$SHARED/bench/fetch_multi.c" $(curl-config --cflags --libs)

CORPUS=${BENCH_CORPUS:-$WORK/corpus}
if [ -z "${BENCH_CORPUS:-}" ] && [ ! -f "$CORPUS/.feeds-$N" ]; then
  echo "== generating $N feeds (once; cached in $CORPUS)" >&2
  rm -rf "$CORPUS"
  python3 "$SHARED/bench/gen_corpus.py" "$CORPUS" --many "$N" --no-large >&2
  touch "$CORPUS/.feeds-$N"
fi
# nginx may run as nobody (when started as root): the files must be readable.
chmod -R a+rX "$CORPUS/many"

PREFIX=$(mktemp -d "${TMPDIR:-/tmp}/feedwire-nginx.XXXXXX")
chmod 755 "$PREFIX"
mkdir -p "$PREFIX/tmp"
ln -s "$CORPUS/many" "$PREFIX/www"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
sed "s/@PORT@/$PORT/g" "$SHARED/bench/nginx.conf" > "$PREFIX/nginx.conf"
stop_nginx() {
  if [ -f "$PREFIX/nginx.pid" ]; then kill "$(cat "$PREFIX/nginx.pid")" 2>/dev/null || true; fi
  for _ in $(seq 50); do [ -f "$PREFIX/nginx.pid" ] || break; sleep 0.1; done
  rm -rf "$PREFIX"
}
trap stop_nginx EXIT
"$NGINX" -p "$PREFIX/" -e "$PREFIX/error.log" -c "$PREFIX/nginx.conf"
for _ in $(seq 50); do [ -f "$PREFIX/nginx.pid" ] && break; sleep 0.1; done

URLS="$WORK/urls.txt"
ls "$CORPUS/many" | grep '\.xml$' | head -n "$N" | sed "s#^#http://127.0.0.1:$PORT/#" > "$URLS"
COUNT=$(wc -l < "$URLS")
echo "== $COUNT feeds on nginx 127.0.0.1:$PORT, $PAR in flight, $RUNS runs" >&2
curl -sf -o /dev/null "$(head -1 "$URLS")" || { echo "nginx does not answer; see $PREFIX/error.log" >&2; cat "$PREFIX/error.log" >&2; exit 1; }

failures=0
: > "$WORK/samples.txt"
# run_timed OUTFILE COMMAND...: runs COMMAND with stdout to OUTFILE; sets $rc
# (its exit status) and $cpu (its user+sys CPU seconds, to the microsecond).
# With STDERR_TO set, the command's standard error goes to that file.
run_timed() {
  local out=$1
  shift
  read -r rc u s < <(python3 scripts/cpu-time.py -e "${STDERR_TO:-/dev/stderr}" "$out" "$@")
  cpu=$(awk -v u="$u" -v s="$s" 'BEGIN{printf "%.6f", u + s}')
}
rc=0
cpu=0

for run in $(seq "$RUNS"); do
  # C floor: both rounds in one process, CPU per round measured inside.
  "$WORK/fetch_multi" "$URLS" "$PAR" > "$WORK/c.txt" || { echo "fetch_multi failed" >&2; failures=$((failures + 1)); }
  c_full=$(sed -n 's/^round=1 .*cpu_us_per_req=\([0-9.]*\).*/\1/p' "$WORK/c.txt")
  c_cond=$(sed -n 's/^round=2 .*cpu_us_per_req=\([0-9.]*\).*/\1/p' "$WORK/c.txt")

  rm -f "$WORK/validators.tsv"
  STDERR_TO="$WORK/stats1.txt" run_timed "$WORK/round1.txt" "$BIN" fetch --urls "$URLS" --allow 127.0.0.1/32 --max-in-flight "$PAR" \
    --max-per-host "$PAR" --save-validators "$WORK/validators.tsv" --stats
  s1=$cpu
  ok1=$(grep -c '^200 ' "$WORK/round1.txt" || true)
  [ "$rc" = 0 ] && [ "$ok1" = "$COUNT" ] || { echo "round 1: $ok1/$COUNT answered 200 (exit $rc)" >&2; grep -v '^200 ' "$WORK/round1.txt" | head -5 >&2; failures=$((failures + 1)); }

  STDERR_TO="$WORK/stats2.txt" run_timed "$WORK/round2.txt" "$BIN" fetch --urls "$URLS" --allow 127.0.0.1/32 --max-in-flight "$PAR" \
    --max-per-host "$PAR" --validators "$WORK/validators.tsv" --stats
  s2=$cpu
  ok2=$(grep -c '^304 ' "$WORK/round2.txt" || true)
  [ "$rc" = 0 ] && [ "$ok2" = "$COUNT" ] || { echo "round 2: $ok2/$COUNT answered 304 (exit $rc)" >&2; grep -v '^304 ' "$WORK/round2.txt" | head -5 >&2; failures=$((failures + 1)); }

  # Fixed cost of a feedwire process (loading, Swift runtime, libcurl,
  # argument parsing), for the record: a one-URL fetch.
  run_timed /dev/null "$BIN" fetch --allow 127.0.0.1/32 "$(head -1 "$URLS")"
  s0=$cpu

  f_full=$(awk -v s="$s1" -v n="$COUNT" 'BEGIN{printf "%.2f", s / n * 1e6}')
  f_cond=$(awk -v s="$s2" -v n="$COUNT" 'BEGIN{printf "%.2f", s / n * 1e6}')
  # Like for like: feedwire's own window (--stats: getrusage of the whole
  # process from the first request to the last answer), as fetch_multi
  # measures each round inside its process.
  a_full=$(sed -n 's/.*, \([0-9.]*\) us CPU per URL.*/\1/p' "$WORK/stats1.txt")
  a_cond=$(sed -n 's/.*, \([0-9.]*\) us CPU per URL.*/\1/p' "$WORK/stats2.txt")
  [ -n "$a_full" ] && [ -n "$a_cond" ] || { echo "feedwire fetch --stats printed no figure" >&2; cat "$WORK/stats1.txt" "$WORK/stats2.txt" >&2; exit 1; }
  r_full=$(awk -v a="$f_full" -v b="$c_full" 'BEGIN{printf "%.3f", a / b}')
  r_cond=$(awk -v a="$f_cond" -v b="$c_cond" 'BEGIN{printf "%.3f", a / b}')
  ra_full=$(awk -v a="$a_full" -v b="$c_full" 'BEGIN{printf "%.3f", a / b}')
  ra_cond=$(awk -v a="$a_cond" -v b="$c_cond" 'BEGIN{printf "%.3f", a / b}')
  echo "$c_full $c_cond $f_full $f_cond $a_full $a_cond $s0 $r_full $r_cond $ra_full $ra_cond" >> "$WORK/samples.txt"
  printf 'run %d: C full %5s  304 %5s us | feedwire process full %6s (%sx)  304 %6s (%sx) | window full %5s (%sx)  304 %5s (%sx) | start-up %s s\n' \
    "$run" "$c_full" "$c_cond" "$f_full" "$r_full" "$f_cond" "$r_cond" "$a_full" "$ra_full" "$a_cond" "$ra_cond" "$s0" >&2
done

median() { sort -n | awk '{a[NR]=$1} END{ if (NR%2) print a[(NR+1)/2]; else printf "%.3f\n", (a[NR/2]+a[NR/2+1])/2 }'; }
C_FULL=$(awk '{print $1}' "$WORK/samples.txt" | median)
C_COND=$(awk '{print $2}' "$WORK/samples.txt" | median)
F_FULL=$(awk '{print $3}' "$WORK/samples.txt" | median)
F_COND=$(awk '{print $4}' "$WORK/samples.txt" | median)
A_FULL=$(awk '{print $5}' "$WORK/samples.txt" | median)
A_COND=$(awk '{print $6}' "$WORK/samples.txt" | median)
S0=$(awk '{print $7}' "$WORK/samples.txt" | median)
# Ratios: the median of the per-run ratios (each run's C floor and
# feedwire measured back to back).
R_FULL=$(awk '{print $8}' "$WORK/samples.txt" | median | xargs printf '%.2f')
R_COND=$(awk '{print $9}' "$WORK/samples.txt" | median | xargs printf '%.2f')
RA_FULL=$(awk '{print $10}' "$WORK/samples.txt" | median | xargs printf '%.2f')
RA_COND=$(awk '{print $11}' "$WORK/samples.txt" | median | xargs printf '%.2f')
verdict() { awk -v r="$1" -v t="$2" 'BEGIN{ print (r <= t) ? "ok" : "MISSED" }'; }

echo
echo "bench-fetch: $COUNT feeds, nginx 127.0.0.1, $PAR in flight, $RUNS runs, CPU (user+sys) per request"
echo "  (values: medians over runs; ratios: median of the per-run ratios; binary: $BIN)"
echo "  Like for like: feedwire's fetch window (--stats: from the first request to the last answer,"
echo "  every thread) against fetch_multi's round (measured the same way inside its process):"
printf '  %-22s %12s %12s %8s %s\n' "round" "fetch_multi" "feedwire" "ratio" "target"
printf '  %-22s %10s us %10s us %7sx <= 2.0x %s\n' "full (200)" "$C_FULL" "$A_FULL" "$RA_FULL" "$(verdict "$RA_FULL" 2.0)"
printf '  %-22s %10s us %10s us %7sx <= 1.5x %s\n' "conditional (304)" "$C_COND" "$A_COND" "$RA_COND" "$(verdict "$RA_COND" 1.5)"
echo "  The whole feedwire process (start-up ${S0} s for one URL, loading libcurl, reading the URL and"
echo "  validator files, output), per request:"
printf '  %-22s %10s us %10s us %7sx <= 2.0x %s\n' "full (200)" "$C_FULL" "$F_FULL" "$R_FULL" "$(verdict "$R_FULL" 2.0)"
printf '  %-22s %10s us %10s us %7sx <= 1.5x %s\n' "conditional (304)" "$C_COND" "$F_COND" "$R_COND" "$(verdict "$R_COND" 1.5)"
echo "  failures: $failures"

if [ "${BENCH_CALLGRIND:-0}" = 1 ]; then
  command -v valgrind > /dev/null || { echo "BENCH_CALLGRIND=1 needs valgrind (apt-get install valgrind)" >&2; exit 1; }
  # callgrind writes one dump per exit from round_ (-fno-inline keeps it a
  # function): dump 2 is the 304 round. feedwire is counted whole; its
  # debug info is stripped first (valgrind 3.19 rejects Swift's DWARF).
  gcc -O2 -fno-inline -o "$WORK/fetch_multi_cg" "$SHARED/bench/fetch_multi.c" $(curl-config --cflags --libs)
  objcopy --strip-debug "$BIN" "$WORK/feedwire-nodebug"
  rm -f "$WORK"/cg-c.out* "$WORK/cg-f.out"
  valgrind --tool=callgrind --collect-atstart=no --toggle-collect=round_ --dump-after=round_ \
    --callgrind-out-file="$WORK/cg-c.out" "$WORK/fetch_multi_cg" "$URLS" "$PAR" > /dev/null 2> "$WORK/cg-c.err"
  valgrind --tool=callgrind --callgrind-out-file="$WORK/cg-f.out" "$WORK/feedwire-nodebug" fetch --urls "$URLS" \
    --allow 127.0.0.1/32 --max-in-flight "$PAR" --max-per-host "$PAR" --validators "$WORK/validators.tsv" > /dev/null 2> "$WORK/cg-f.err"
  total() { sed -n 's/^summary: *\([0-9]*\).*/\1/p;s/^totals: *\([0-9]*\).*/\1/p' "$1" | head -1; }
  CG_C=$(total "$(ls "$WORK"/cg-c.out.* | sort -t. -k3 -n | sed -n 2p)")
  CG_F=$(total "$WORK/cg-f.out")
  echo "  callgrind, 304 round, user-space instructions per request: fetch_multi round $((CG_C / COUNT)),"
  echo "  feedwire whole process $((CG_F / COUNT)) ($(awk -v a="$CG_F" -v b="$CG_C" 'BEGIN{printf "%.2f", a / b}')x)"
fi
[ "$failures" = 0 ]
