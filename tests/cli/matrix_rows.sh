#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# tests/cli/matrix_rows.sh - compare --by kernel,arch puts one kernel
# version built for several archs in one row: Debian's releases end with a
# flavour naming the arch ("6.12.118+deb12-amd64", "-arm64"), cut for the
# row unless it names more than the arch ("-rt-amd64" keeps "-rt") or the
# cut would give two cells of one arch the same row (a self-built
# "6.12.118+deb12" beside Debian's "-amd64"). Text, JSON "row" (each
# cell's "kernel" stays whole).
# Environment (set by CTest): VLS = the vmlockstat binary, VLS_TEST_DATA.
source "$(dirname "$0")/cli_common.bash"
cli_setup matrix
TRACE=${VLS_TEST_DATA:?set VLS_TEST_DATA to tests/data}/mprotect-fault-6.18-x86_64.dat
DB=$T/m.db

imp() { expect 0 "$VLS" import --db "$DB" --kernel "$1" --arch "$2" "$TRACE"; }
imp 6.12.118+deb12-amd64 x86_64
imp 6.12.118+deb12-arm64 aarch64
imp 6.12.118+deb12-rt-amd64 x86_64
imp 6.13.1+deb13-s390x s390x
imp 6.13.1+deb13-amd64 x86_64
imp 6.13.1+deb13 x86_64

expect 0 "$VLS" compare --db "$DB" --by kernel,arch
sed -n '2,/^$/p' "$T/out" >"$T/user"
rows=$(awk 'NR > 1 && NF { print $1 }' "$T/user" | tr '\n' ' ')
eq "$rows" "6.12.118+deb12 6.12.118+deb12-rt 6.13.1+deb13 6.13.1+deb13-amd64 " \
	"rows, in the order of their first run"
# 6.12.118+deb12: its x86_64 and aarch64 cells on one line
grep -Eq '^  6\.12\.118\+deb12 +[0-9.]+% \([0-9]+\) +[0-9.]+% \([0-9]+\) *$' "$T/user" ||
	fail "one row for amd64 and arm64: $(cat "$T/user")"

expect 0 "$VLS" compare --db "$DB" --by kernel,arch --json
python3 - "$T/out" <<'PY' || fail "matrix JSON rows"
import json, sys
cells = json.load(open(sys.argv[1]))["cells"]
got = sorted((c["kernel"], c["arch"], c["row"]) for c in cells)
want = sorted([
    ("6.12.118+deb12-amd64", "x86_64", "6.12.118+deb12"),
    ("6.12.118+deb12-arm64", "aarch64", "6.12.118+deb12"),
    ("6.12.118+deb12-rt-amd64", "x86_64", "6.12.118+deb12-rt"),
    ("6.13.1+deb13-s390x", "s390x", "6.13.1+deb13"),
    ("6.13.1+deb13-amd64", "x86_64", "6.13.1+deb13-amd64"),
    ("6.13.1+deb13", "x86_64", "6.13.1+deb13"),
])
if got != want:
    print("got ", got)
    print("want", want)
    sys.exit(1)
PY

cli_done matrix_rows
