#!/usr/bin/env bash
# `make bench-parse`: builds feedwire in release mode, generates the benchmark
# corpus with ../shared/bench/gen_corpus.py (seed 42) under .build, builds the
# libxml2 SAX floor (../shared/bench/xml_count.c) with gcc, and runs
# scripts/bench-parse.py, which prints every number in one run.
# It measures the normal release build and, for comparison, the same code
# built with --static-swift-stdlib (scratch path .build-static), whose
# start-up is about half (no Swift runtime libraries to load and relocate).
#   BENCH_STATIC=0  skip the static build
set -euo pipefail
cd "$(dirname "$0")/.."
corpus="${BENCH_CORPUS:-.build/bench-corpus}"
runs="${BENCH_RUNS:-5}"

swift build -c release --product feedwire
feedwire=.build/release/feedwire
static_args=()
if [ "${BENCH_STATIC:-1}" = 1 ]; then
  swift build -c release --product feedwire --static-swift-stdlib --scratch-path .build-static
  static_args=(--static .build-static/release/feedwire)
fi

if [ ! -f "$corpus/manifest.json" ] || ! grep -q '"seed": 42' "$corpus/manifest.json"; then
  rm -rf "$corpus"
  python3 ../shared/bench/gen_corpus.py "$corpus" --seed 42
fi

mkdir -p .build/bench
gcc -O2 -o .build/bench/xml_count ../shared/bench/xml_count.c $(xml2-config --cflags --libs)

python3 scripts/bench-parse.py "$feedwire" .build/bench/xml_count "$corpus" --runs "$runs" "${static_args[@]}"
