#!/usr/bin/env bash
# The README's first command: install what is needed (Debian packages), build,
# then the main job on a default that works out of the box:
#  - as root with tracefs: record a 2-second built-in workload (threads fault
#    in a file evicted from the page cache, one page per major fault, while
#    another thread mprotects memory), with `vmlockstat record`;
#  - otherwise: import a bundled real trace (stock 6.12, x86_64);
# and print the report. The DB is ./quickstart.db (or $VMLOCKSTAT_DB).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
scripts/build.sh >&2
vls=build/vmlockstat
db=${VMLOCKSTAT_DB:-quickstart.db}

tracefs_usable() {
	[ "$(id -u)" -eq 0 ] || return 1
	[ -d /sys/kernel/tracing/instances ] ||
		mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null || return 1
	[ -d /sys/kernel/tracing/events/mmap_lock ]
}

record_demo() {
	echo "== recording the iofault scenario (4 faulting threads, 1 mprotect thread)" >&2
	"$vls" record -o quickstart.dat --db "$db" \
		--scenario iofault --random --threads 4 --size 32 --writers 1 > /dev/null
}

import_sample() {
	local d=tests/data/shared/tiny-6.12-x86_64-stock-readahead
	echo "== importing a bundled real trace: $d (kernel 6.12, x86_64)" >&2
	xz -dc "$d/trace.txt.xz" > build/sample-6.12-stock.txt
	"$vls" import --db "$db" --label sample-6.12-stock --kernel 6.12.117 --arch x86_64 \
		--meta-file vmstat.before="$d/vmstat.before" \
		--meta-file vmstat.after="$d/vmstat.after" build/sample-6.12-stock.txt
}

if tracefs_usable; then
	record_demo || { echo "== recording failed: using the bundled trace instead" >&2; import_sample; }
else
	echo "== no tracefs here (needs root): using a bundled trace" >&2
	import_sample
fi
echo >&2
"$vls" report --db "$db" --top 5
echo >&2
echo "== next: $vls serve --db $db   (dashboard on http://127.0.0.1:8080/)" >&2
