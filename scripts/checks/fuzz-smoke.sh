#!/usr/bin/env bash
# CI smoke run of the feed parser fuzzer: 45 seconds of fuzzing from the
# fixture seeds (the build, cached in .build/fuzz, comes on top the first time).
set -euo pipefail
cd "$(dirname "$0")/../.."
exec scripts/fuzz-parse.sh 45
