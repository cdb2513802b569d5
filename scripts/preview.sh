#!/usr/bin/env bash
# Renders the sample newsroom as every output format (the HTML page among
# them) into .build/preview and screenshots the page with headless Chromium
# at a phone width and a desktop width, for a visual check:
#   .build/preview/live.html  live-phone.png  live-desktop.png  (+ live.rss, live.atom, live.json, changes.atom)
#   .build/preview/hostile.html  hostile-phone.png  (hostile input: the layout must hold)
set -euo pipefail
cd "$(dirname "$0")/.."
out="$PWD/.build/preview"
mkdir -p "$out"

swift build --build-tests
FEEDWIRE_PREVIEW_DIR="$out" swift test --skip-build --filter PreviewPageTests >/dev/null

chromium=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$chromium" ]; then
  echo "preview.sh: chromium is not installed; run scripts/setup.sh preview" >&2
  exit 1
fi
shoot() { # name width height [page]
  # A private profile directory, no sandbox (root in CI containers), no GPU.
  local profile
  profile=$(mktemp -d)
  "$chromium" --headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run \
    --user-data-dir="$profile" --force-device-scale-factor=1 \
    --screenshot="$out/$1.png" --window-size="$2,$3" "file://$out/${4:-live}.html" >/dev/null 2>&1
  rm -rf "$profile"
  [ -s "$out/$1.png" ] || { echo "preview.sh: chromium wrote no screenshot for $1" >&2; exit 1; }
  echo "$out/$1.png"
}
shoot live-phone 400 2400
shoot live-desktop 1280 1500
shoot hostile-phone 400 2400 hostile
echo "$out/live.html"
