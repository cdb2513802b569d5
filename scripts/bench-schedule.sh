#!/usr/bin/env bash
# The scheduler alone, without network or store: 10,000 feeds over a simulated
# day on a fake clock (Tests/FeedwireCoreTests/Schedule/SchedulerBenchmark.swift).
# Prints CPU per scheduling decision for the pure heap + policy, and per
# refresh for the whole daemon loop with a fake pipeline answering 304.
#   FEEDWIRE_BENCH_FEEDS=N   feeds (default 10000)
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --build-tests 2>&1 | grep -E "error|warning: |Compiling|Build complete" | grep -v "^\[" || true
bin=.build/release/FeedwirePackageTests.xctest
[ -x "$bin" ] || { echo "bench-schedule: $bin was not built" >&2; exit 1; }
FEEDWIRE_BENCH=1 "$bin" --testing-library swift-testing --filter SchedulerBenchmark 2>&1 | grep -E "^bench-schedule|✘|error" || true
