#!/usr/bin/env bash
# Configure and build into build/ (or $BUILD_DIR) with $BUILD_TYPE
# (RelWithDebInfo), warnings as errors unless VLS_WERROR=OFF.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD_DIR:-build}
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-RelWithDebInfo}" \
	-DVLS_WERROR="${VLS_WERROR:-ON}" >/dev/null
cmake --build "$build" -j"$(nproc)"
