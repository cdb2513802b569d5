#!/usr/bin/env bash
# Installs what building and testing Feedwire needs on Debian 12, once:
# the apt packages that are missing (with sudo when not root) and a Python
# virtual environment under .build/venv for the test tools (Debian's system
# Python refuses global pip installs).
#
#   scripts/setup.sh            packages for building, running and testing
#   scripts/setup.sh bench      ...plus nginx, gcc (benchmarks)
#   scripts/setup.sh preview    ...plus chromium (make preview)
set -euo pipefail
cd "$(dirname "$0")/.."

# brotli and zstd: command-line tools the engine's tests use to build compression bombs.
packages=(pkg-config make gcc libc6-dev libcurl4-openssl-dev libxml2-dev libxml2-utils libsqlite3-dev sqlite3 brotli zstd
          python3 python3-venv ca-certificates systemd trang jing default-jre-headless procps)
for extra in "$@"; do
  case "$extra" in
    bench) packages+=(nginx gcc time curl) ;;
    preview) packages+=(chromium fonts-dejavu-core) ;;
    *) echo "setup.sh: unknown extra '$extra' (use bench or preview)" >&2; exit 2 ;;
  esac
done

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup.sh: installing ${missing[*]}" >&2
  sudo=""
  if [ "$(id -u)" != 0 ]; then sudo="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! command -v swift >/dev/null; then
  echo "setup.sh: swift is not on PATH; install the Swift 6 toolchain from swift.org first" >&2
  exit 1
fi

venv=.build/venv
if [ ! -x "$venv/bin/python3" ] || ! "$venv/bin/python3" -c 'import feedparser' 2>/dev/null; then
  echo "setup.sh: creating $venv with feedparser" >&2
  mkdir -p .build
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check feedparser
fi
