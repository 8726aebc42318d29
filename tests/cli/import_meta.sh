#!/usr/bin/env bash
# import --meta / --meta-file: metadata the trace cannot carry reaches the
# analyzers. The arm64 trace has no page_fault_user tracepoint: with its
# vmstat snapshots the fault count comes from the pgfault delta, without
# them it is unknown (NULL), never guessed.
set -euo pipefail
: "${VLS:?} ${VLS_TEST_DATA:?}"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
d=$VLS_TEST_DATA/shared/debian-6.12-arm64-readahead
xz -dc "$d/trace.txt.xz" > "$tmp/arm64.txt"
q() { python3 -c "import sqlite3,sys; r=sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchone(); print('|'.join('NULL' if v is None else str(v) for v in r))" "$@"; }
fail() { echo "FAIL: $*"; exit 1; }

before=$(awk '$1 == "pgfault" { print $2 }' "$d/vmstat.before")
after=$(awk '$1 == "pgfault" { print $2 }' "$d/vmstat.after")
want=$((after - before))

"$VLS" import --db "$tmp/a.db" --kernel 6.12.117+deb12-arm64 --arch aarch64 \
  --meta-file vmstat.before="$d/vmstat.before" --meta-file vmstat.after="$d/vmstat.after" \
  --meta workload=readahead "$tmp/arm64.txt" > /dev/null
got=$(q "$tmp/a.db" "SELECT faults, faults_source FROM fault_run")
[ "$got" = "$want|vmstat" ] || fail "with vmstat: faults '$got', expected '$want|vmstat'"
got=$(q "$tmp/a.db" "SELECT value FROM run_meta WHERE key = 'workload'")
[ "$got" = readahead ] || fail "--meta: '$got'"

"$VLS" import --db "$tmp/b.db" --kernel 6.12.117+deb12-arm64 --arch aarch64 \
  "$tmp/arm64.txt" > /dev/null
got=$(q "$tmp/b.db" "SELECT faults, faults_source FROM fault_run")
[ "$got" = "NULL|NULL" ] || fail "without vmstat: faults '$got', expected unknown"

# a --meta option wins over what the trace says
"$VLS" import --db "$tmp/c.db" --meta kernel=6.1.0-test --kernel 6.1.0-test \
  "$VLS_TEST_DATA/mprotect-fault-6.18-x86_64.dat" > /dev/null
got=$(q "$tmp/c.db" "SELECT kernel FROM run")
[ "$got" = 6.1.0-test ] || fail "override: '$got'"

# bad arguments: usage (2) or a clear error (1), nothing stored
set +e
"$VLS" import --db "$tmp/d.db" --meta novalue "$tmp/arm64.txt" 2> "$tmp/err"; rc=$?
[ $rc = 2 ] && grep -q "KEY=VALUE" "$tmp/err" || fail "--meta novalue: rc $rc: $(cat "$tmp/err")"
"$VLS" import --db "$tmp/d.db" --meta-file x="$tmp/missing" "$tmp/arm64.txt" 2> "$tmp/err"; rc=$?
[ $rc = 1 ] && grep -q "missing" "$tmp/err" || fail "--meta-file missing: rc $rc: $(cat "$tmp/err")"
printf 'pgfault 1\nthis-line-has-no-value\n' > "$tmp/badvm"
"$VLS" import --db "$tmp/d.db" --meta-file v="$tmp/badvm" "$tmp/arm64.txt" 2> "$tmp/err"; rc=$?
[ $rc = 1 ] && grep -q "badvm:2" "$tmp/err" || fail "--meta-file bad line: rc $rc: $(cat "$tmp/err")"
set -e
[ ! -e "$tmp/d.db" ] || [ "$(q "$tmp/d.db" "SELECT count(*) FROM run")" = 0 ] || fail "a run was stored"
echo "import metadata ok: arm64 faults from vmstat = $want"
