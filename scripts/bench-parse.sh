#!/usr/bin/env bash
# `make bench-parse`: builds feedwire in release mode, generates the benchmark
# corpus with ../shared/bench/gen_corpus.py (seed 42) under .build, builds the
# libxml2 SAX floor (../shared/bench/xml_count.c) with gcc, and runs
# scripts/bench-parse.py, which prints every number in one run.
#   STATIC=1  measure a --static-swift-stdlib build (scratch path .build-static)
set -euo pipefail
cd "$(dirname "$0")/.."
corpus="${BENCH_CORPUS:-.build/bench-corpus}"
runs="${BENCH_RUNS:-5}"

if [ "${STATIC:-0}" = 1 ]; then
  swift build -c release --product feedwire --static-swift-stdlib --scratch-path .build-static
  feedwire=.build-static/release/feedwire
else
  swift build -c release --product feedwire
  feedwire=.build/release/feedwire
fi

if [ ! -f "$corpus/manifest.json" ] || ! grep -q '"seed": 42' "$corpus/manifest.json"; then
  rm -rf "$corpus"
  python3 ../shared/bench/gen_corpus.py "$corpus" --seed 42
fi

mkdir -p .build/bench
gcc -O2 -o .build/bench/xml_count ../shared/bench/xml_count.c $(xml2-config --cflags --libs)

python3 scripts/bench-parse.py "$feedwire" .build/bench/xml_count "$corpus" --runs "$runs"
