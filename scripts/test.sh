#!/usr/bin/env bash
# The whole test suite: unit and integration tests, then every check in
# scripts/checks/ (systemd unit analysis, fuzz smoke run, short chaos run …).
# CI runs exactly this, through `make test`.
set -euo pipefail
cd "$(dirname "$0")/.."
export FEEDWIRE_PYTHON="${FEEDWIRE_PYTHON:-$PWD/.build/venv/bin/python3}"

swift build --build-tests
swift test --skip-build

for check in scripts/checks/*.sh; do
  [ -e "$check" ] || continue
  echo "== $check"
  "$check"
done
echo "All tests and checks passed."
