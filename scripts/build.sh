#!/usr/bin/env bash
# Configure and build into build/ (or $BUILD_DIR) with $BUILD_TYPE (RelWithDebInfo).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD_DIR:-build}
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-RelWithDebInfo}" >/dev/null
cmake --build "$build" -j"$(nproc)"
