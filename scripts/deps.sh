#!/usr/bin/env bash
# Install what vmlockstat needs to build, test and run, from Debian's packages.
# Idempotent and quick when everything is there: apt runs only for what is missing.
set -euo pipefail

packages=(
  build-essential cmake pkg-config
  libtracecmd-dev libtracefs-dev libtraceevent-dev trace-cmd zlib1g-dev libzstd-dev
  libsqlite3-dev sqlite3
  libmicrohttpd-dev libjs-chart.js
  xz-utils zstd python3 time
  chromium curl
  clang libclang-rt-14-dev
  # The KernelShark plugin (kshark/, docs/kshark.md) and its screenshot.
  # libkshark.pc requires json-c, which Debian's libkshark-dev does not pull.
  libkshark-dev libjson-c-dev kernelshark xvfb
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
    missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "deps.sh: missing packages: ${missing[*]}; run as root (or: sudo $0)" >&2
  exit 1
fi
echo "deps.sh: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
