#!/usr/bin/env bash
# The same recording as trace.dat and as `trace-cmd report -t` text must import
# to the same stored facts (tests/data/README.md says how both were made).
set -euo pipefail
: "${VLS:?} ${VLS_TEST_DATA:?}"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
base=$VLS_TEST_DATA/mprotect-fault-6.18-x86_64
here=$(dirname "$0")

"$VLS" import --db "$tmp/dat.db" "$base.dat" >/dev/null
# text cannot say the kernel or arch: give what the trace.dat's uname says
"$VLS" import --db "$tmp/txt.db" --kernel 6.18.44-fc-v769 --arch x86_64 \
  "$base.report.txt" >/dev/null
xz -dc "$base.v6.dat.xz" > "$tmp/v6.dat"
"$VLS" import --db "$tmp/v6.db" "$tmp/v6.dat" >/dev/null

python3 "$here/dbfacts.py" "$tmp/dat.db" 1 > "$tmp/dat.facts"
python3 "$here/dbfacts.py" "$tmp/txt.db" 1 > "$tmp/txt.facts"
python3 "$here/dbfacts.py" "$tmp/v6.db" 1 > "$tmp/v6.facts"

# The facts are not trivially empty: tasks, stacks and events were stored.
grep -q "'events': 1777" "$tmp/dat.facts" || { echo "expected 1777 events"; head -1 "$tmp/dat.facts"; exit 1; }
grep -q "^table task ([1-9]" "$tmp/dat.facts" || { echo "no tasks stored"; exit 1; }
grep -q "^table stack ([1-9]" "$tmp/dat.facts" || { echo "no stacks stored"; exit 1; }

lost=$(python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('SELECT lost_events FROM run').fetchone()[0])" "$tmp/dat.db")
[ "$lost" = 0 ] || { echo "trace.dat lost_events: got $lost, expected 0"; exit 1; }

status=0
if ! diff -u "$tmp/dat.facts" "$tmp/txt.facts" > "$tmp/diff1"; then
  echo "trace.dat and its text twin stored different facts:"; head -40 "$tmp/diff1"; status=1
fi
if ! diff -u "$tmp/dat.facts" "$tmp/v6.facts" > "$tmp/diff2"; then
  echo "trace.dat v7 and v6 stored different facts:"; head -40 "$tmp/diff2"; status=1
fi
[ $status -eq 0 ] && echo "twins agree: $(wc -l < "$tmp/dat.facts") fact lines"
exit $status
