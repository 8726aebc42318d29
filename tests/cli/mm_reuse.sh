#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# tests/cli/mm_reuse.sh - a trace without pids (tracefs text, record-tgid
# off: its default) places a thread in its process by its own mm; the
# kernel gives a freed mm_struct's address to a later process, so one mm
# pointer can be several processes, one after the other. Found trying a
# shell loop of `cat` and `ls` beside a 4-thread python3: 21 ls were one
# "ls [mm f6080e37]" of 21 threads. Here, in tracefs's own format: two ls
# (tids 301, 302) one after the other on mm 1111, each dying (its last
# switch, prev_state X), a python3 of three threads on mm 2222 (thread 402
# takes the lock only after 401 died: 400 lives on, so one process), and
# a cat on mm 3333 that only sleeps (S) before a sh takes 3333 (nothing
# died: one process, as before). Stored: process rows mm:...1111 and
# mm:...1111.1; the report (text and JSON, the JSON held to the contract):
# 4 processes, the later ls "[mm 00001111.1]", mm_gen 1.
# Environment (set by CTest): VLS = the vmlockstat binary, VLS_SOURCE_DIR.
source "$(dirname "$0")/cli_common.bash"
cli_setup mmreuse
CHECK=${VLS_SOURCE_DIR:?set VLS_SOURCE_DIR}/tests/cli/check_report_json.py

ts=100000
line() { # line COMM TID EVENT FIELDS
	ts=$((ts + 7))
	printf '%16s-%-7s [000] ..... %d.%06d: %s: %s\n' "$1" "$2" $((ts / 1000000)) \
		$((ts % 1000000)) "$3" "$4"
}
lock() { # lock COMM TID MM
	local f="mm=00000000$3 memcg_id=1 write=false"
	line "$1" "$2" mmap_lock_start_locking "$f"
	line "$1" "$2" mmap_lock_acquire_returned "$f success=true"
	line "$1" "$2" mmap_lock_released "$f"
}
switch() { # switch COMM TID STATE
	line "$1" "$2" sched_switch "prev_comm=$1 prev_pid=$2 prev_prio=120 prev_state=$3 ==> next_comm=swapper/0 next_pid=0 next_prio=120"
}
{
	echo "# tracer: nop"
	echo "#"
	echo "#           TASK-PID     CPU#  |||||  TIMESTAMP  FUNCTION"
	echo "#              | |         |   |||||     |         |"
	lock python3 400 2222
	lock python3 401 2222
	switch python3 401 X
	lock ls 301 1111
	lock ls 301 1111
	switch ls 301 X
	lock python3 402 2222
	lock ls 302 1111
	switch ls 302 X
	lock cat 501 3333
	switch cat 501 S
	lock sh 502 3333
} >"$T/t.txt"

expect 0 "$VLS" import --db "$T/t.db" "$T/t.txt"
eq "$(q "$T/t.db" "SELECT count(*) FROM task WHERE tid > 0")" 7 "tasks"
eq "$(q "$T/t.db" "SELECT key FROM lock_stats WHERE scope = 'process' AND mode = 'read' ORDER BY key" | tr '\n' ' ')" \
	"mm:0000000000001111 mm:0000000000001111.1 mm:0000000000002222 mm:0000000000003333 " \
	"process rows: the second ls is the next incarnation of 1111"
expect 0 "$VLS" report --db "$T/t.db" --top 0
# the lock table by process: one read row each, the later ls named .1
sed -n '/^mmap_lock per process/,/^$/p' "$T/out" | grep ' read ' | grep -v 'whole run' |
	sed -E 's/.* read +- +//' | sort >"$T/procs.txt"
eq "$(tr '\n' ',' <"$T/procs.txt")" \
	"cat [mm 00003333],ls [mm 00001111.1],ls [mm 00001111],python3 [mm 00002222]," \
	"the processes of the text report"
expect 0 "$VLS" report --db "$T/t.db" --json --top 0
cp "$T/out" "$T/t.json"
python3 "$CHECK" "$T/t.json" || fail "JSON breaks the contract"
eq "$(python3 -c 'import json, sys
r = json.load(open(sys.argv[1]))["runs"][0]
print(" ".join(sorted("%s:%s.%s/%s" % (p["comm"], p["mm"][-4:], p["mm_gen"], p["threads"])
                      for p in r["processes"])))' "$T/t.json")" \
	"cat:3333.0/2 ls:1111.0/1 ls:1111.1/1 python3:2222.0/3" "JSON processes"

cli_done mmreuse
