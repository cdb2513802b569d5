#!/usr/bin/env bash
# The whole test suite: unit and integration tests, then the checks that are
# not Swift tests. CI runs exactly this (through `make test`).
set -euo pipefail
cd "$(dirname "$0")/.."
export FEEDWIRE_PYTHON="${FEEDWIRE_PYTHON:-$PWD/.build/venv/bin/python3}"

swift build --build-tests
swift test --skip-build
