#!/usr/bin/env bash
# The whole test suite, from a fresh clone: dependencies, build, every test.
# Live tests (label live) need root and tracefs and skip with a message elsewhere.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
scripts/build.sh
cd "${BUILD_DIR:-build}"
ctest --output-on-failure -j2 --timeout 300
