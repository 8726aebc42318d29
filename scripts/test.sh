#!/usr/bin/env bash
# The whole test suite, from a fresh clone: dependencies, build, every test;
# then the unit-labelled tests again under ASan+UBSan (build-asan/, LSan
# suppressions for libtracecmd's own leaks in tests/sanitize/lsan.supp) and
# a short bounded fuzz pass (FUZZ_SECONDS, default 60; FUZZ_SECONDS=0
# skips it).
# Live tests (label live) need root and tracefs and skip with a message elsewhere.
# The lab tests (label lab) boot Debian kernels under qemu (TCG): deps.sh --lab
# installs qemu and the cross compilers, the kernels are downloaded once (network;
# without it they skip). CTEST_EXCLUDE=LABEL_REGEX leaves a label out by choice
# (CTEST_EXCLUDE=lab: no qemu; CTEST_EXCLUDE='live|lab': no root either).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh --lab
scripts/build.sh
exclude=()
[ -z "${CTEST_EXCLUDE:-}" ] || exclude=(-LE "$CTEST_EXCLUDE")
(cd "${BUILD_DIR:-build}" && ctest --output-on-failure -j2 --timeout 300 "${exclude[@]}")

echo "== ASan+UBSan: unit tests (build-asan)" >&2
BUILD_DIR=build-asan BUILD_TYPE=Sanitize scripts/build.sh
(cd build-asan && ctest -L unit --output-on-failure -j2 --timeout 300)

# The trace.dat target is not in this pass: at about 8 inputs/s (a whole
# libtracecmd open per input) a minute explores little, and what it finds
# would fail an unrelated change's CI. Run `scripts/fuzz.sh tracedat` for
# longer (120 s after the fix of v7-segv-e7cbb3148e: 1,006 inputs, nothing
# found); its findings are replayed by ctest and the hostile corpus.
if [ "${FUZZ_SECONDS:-60}" != 0 ]; then
	echo "== fuzzing: ${FUZZ_SECONDS:-60} s each, text reader and HTTP parameters (build-fuzz)" >&2
	FUZZ_SECONDS=${FUZZ_SECONDS:-60} scripts/fuzz.sh text http_params
fi
