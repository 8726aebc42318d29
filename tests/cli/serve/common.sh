# SPDX-License-Identifier: GPL-2.0-or-later
# tests/cli/serve/common.sh - sourced by tests/cli/serve_*.sh: the fixture DB
# (the real traces of tests/data/shared and the trace.dat recorded here) and
# starting/stopping `vmlockstat serve` on a free loopback port.
VLS=${VLS:?set VLS to the vmlockstat binary}
VLS_TEST_DATA=${VLS_TEST_DATA:?set VLS_TEST_DATA to tests/data}
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }

# make_db DB: runs 1..5 = stock, patched, arm64-6.12, debian-6.1, mprotect-fault,
# kernel and arch from each trace's uname.txt (uname -r, uname -m).
make_db() {
	local db=$1 d lab dir k a
	for d in tiny-6.12-x86_64-stock-readahead:stock \
		 tiny-6.12-x86_64-retryvma-readahead:patched \
		 debian-6.12-arm64-readahead:arm64-6.12 \
		 debian-6.1-x86_64-readahead:debian-6.1; do
		dir=$VLS_TEST_DATA/shared/${d%%:*}
		lab=${d#*:}
		read -r _ _ k _ <"$dir/uname.txt"
		a=$(awk '{print $(NF-1)}' "$dir/uname.txt")
		xz -dc "$dir/trace.txt.xz" >"$T/$lab.txt" || return 1
		"$VLS" import --db "$db" --label "$lab" --kernel "$k" --arch "$a" \
			"$T/$lab.txt" >/dev/null || return 1
	done
	"$VLS" import --db "$db" --label mprotect-fault \
		"$VLS_TEST_DATA/mprotect-fault-6.18-x86_64.dat" >/dev/null
}

# start_serve DB [ARGS]: serve on a free port; sets SERVE_PID, URL, PORT;
# its stdout/stderr in $T/serve.out, $T/serve.err.
start_serve() {
	local db=$1 i
	shift
	"$VLS" serve --db "$db" --listen 127.0.0.1:0 --log-requests "$@" \
		>"$T/serve.out" 2>"$T/serve.err" &
	SERVE_PID=$!
	for i in $(seq 100); do
		URL=$(sed -n 's|^serving \(http://127\.0\.0\.1:[0-9]*/\)$|\1|p' "$T/serve.out")
		[ -n "$URL" ] && break
		sleep 0.1
	done
	[ -n "$URL" ] || { echo "serve did not start: $(cat "$T/serve.err")" >&2; return 1; }
	PORT=${URL##*:}
	PORT=${PORT%/}
}

# stop_serve SIGNAL: stop it, expect exit status 0.
stop_serve() {
	local st
	kill -"$1" "$SERVE_PID"
	wait "$SERVE_PID"
	st=$?
	[ "$st" = 0 ] || fail "serve exited $st after SIG$1, expected 0"
}
