#!/usr/bin/env bash
# `make bench-parse`: measures the shipped release build (`make release`,
# whose path make passes as $1), generates the benchmark corpus with
# ../shared/bench/gen_corpus.py (seed 42) under .build, builds the libxml2
# SAX floor (../shared/bench/xml_count.c) with gcc, and runs
# scripts/bench-parse.py, which prints every number in one run.
#   BENCH_COMPARE=1  also times a dynamically linked release build
#                    (.build/release/feedwire) for comparison
set -euo pipefail
cd "$(dirname "$0")/.."
feedwire="${1:?usage: scripts/bench-parse.sh FEEDWIRE_BINARY (make bench-parse passes the release build)}"
corpus="${BENCH_CORPUS:-.build/bench-corpus}"
runs="${BENCH_RUNS:-5}"

compare_args=()
if [ "${BENCH_COMPARE:-0}" = 1 ]; then
  swift build -c release --product feedwire
  compare_args=(--compare .build/release/feedwire)
fi

if [ ! -f "$corpus/manifest.json" ] || ! grep -q '"seed": 42' "$corpus/manifest.json"; then
  rm -rf "$corpus"
  python3 ../shared/bench/gen_corpus.py "$corpus" --seed 42
fi

mkdir -p .build/bench
gcc -O2 -o .build/bench/xml_count ../shared/bench/xml_count.c $(xml2-config --cflags --libs)

python3 scripts/bench-parse.py "$feedwire" .build/bench/xml_count "$corpus" --runs "$runs" "${compare_args[@]}"
