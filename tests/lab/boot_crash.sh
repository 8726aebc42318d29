#!/usr/bin/env bash
# A guest kernel that panics before /init, or under TCG with an int3 Oops
# anywhere (its code patching races the emulator: at boot and at module
# load: twice in about 100 boots under load), is booted again, up to 3 boots;
# so is one whose /init says nothing for --setup-timeout before "running"
# (stuck at module load under TCG, once); any other panic after /init
# started fails the run at once, with the stage and the crash line, and a
# silent scenario after "running" is left to run. A qemu-system-x86_64 earlier in PATH plays the
# crashing kernel (writing its console as the real one does), then hands
# over to the real qemu.
source "$(dirname "$0")/lab_common.bash"

real=$(command -v qemu-system-x86_64) || skip "no qemu-system-x86_64 (scripts/deps.sh --lab)"
mkdir "$WORK/bin"
cat >"$WORK/bin/qemu-system-x86_64" <<EOF
#!/bin/sh
n=\$((\$(cat "$WORK/boots" 2>/dev/null || echo 0) + 1)); echo \$n >"$WORK/boots"
printf '%s\n' "\$@" >"$WORK/args"
early() {
	printf 'Booting from ROM...\r\n\033[2J[    2.393819] Oops: int3: 0000 [#1] PREEMPT SMP NOPTI\r\n'
	printf '[    2.394525] RIP: 0010:sched_clock_cpu+0x9/0x190\r\n'
	printf '[    2.397441] Kernel panic - not syncing: Fatal exception in interrupt\r\n'
}
case "\$CRASH:\$n" in
always:*) early; exit 0;;
stuck:*) printf 'VLS-LAB: modules\r\n'; exec sleep 600;;
late:*) printf 'VLS-LAB: modules\r\nVLS-LAB: running\r\n'; sleep 4
	printf '[    9.100000] BUG: kernel NULL pointer dereference, address: 0000000000000000\r\n'
	printf '[    9.200000] Kernel panic - not syncing: Fatal exception\r\n'; exit 0;;
int3:1) printf 'VLS-LAB: modules\r\n'
	printf '[    6.200000] Oops: int3: 0000 [#1] PREEMPT SMP NOPTI\r\n'
	printf '[    6.300000] Kernel panic - not syncing: Fatal exception in interrupt\r\n'; exit 0;;
esac
exec "$real" "\$@"
EOF
chmod +x "$WORK/bin/qemu-system-x86_64"
KERNEL=(--kernel debian:6.12-amd64 -- iofault --random --threads 2 --size 8)

# crash_run MODE [OPTION...]: lab with the stand-in qemu; its exit status in $rc
crash_run() {
	local mode=$1
	shift
	rm -f "$WORK/boots"
	rc=0
	# a failed run keeps its work directory (3 GB sparse disks): in WORK
	CRASH=$mode PATH="$WORK/bin:$PATH" TMPDIR=$WORK "$VLS" lab --db "$DB" --smp 2 --timeout 900 \
		"$@" "${KERNEL[@]}" 2>"$WORK/lab.err" || rc=$?
	cat "$WORK/lab.err" >&2
	[ "$rc" -eq 77 ] && skip "$(grep -v '^vmlockstat lab: \[' "$WORK/lab.err" | tail -2)"
	true
}
runs() { sqlite3 "$DB" "SELECT count(*) FROM run"; }

crash_run always
[ "$rc" -eq 1 ] || fail "a kernel that panics before /init every boot: exit $rc, want 1"
[ "$(cat "$WORK/boots")" -eq 3 ] || fail "booted $(cat "$WORK/boots") times, want 3"
grep -q "panicked before /init in 3 boots: Oops: int3: 0000 \[#1\] PREEMPT SMP NOPTI (console:" \
	"$WORK/lab.err" || fail "no reason with the crash line on stderr"
[ ! -e "$DB" ] || fail "a DB was created for nothing"

crash_run stuck --setup-timeout 2
[ "$rc" -eq 1 ] || fail "a guest stuck after \"modules\" every boot: exit $rc, want 1"
[ "$(cat "$WORK/boots")" -eq 3 ] || fail "stuck: booted $(cat "$WORK/boots") times, want 3"
grep -q "said nothing for 2 s after /init's \"modules\" (console: .*): killed, booting again, 3 of 3" \
	"$WORK/lab.err" || fail "stuck: the retry is not said"
grep -q "said nothing for 2 s after /init's \"modules\" in 3 boots, killed (console:" \
	"$WORK/lab.err" || fail "stuck: no reason on stderr"
[ ! -e "$DB" ] || fail "a DB was created for nothing"

# silent for longer than --setup-timeout after "running": not stuck
crash_run late --setup-timeout 2
[ "$rc" -eq 1 ] || fail "a panic after /init started: exit $rc, want 1"
[ "$(cat "$WORK/boots")" -eq 1 ] || fail "a panic after /init was booted again"
grep -q "panicked after /init's \"running\": BUG: kernel NULL pointer dereference" \
	"$WORK/lab.err" || fail "no stage and crash line on stderr"
[ ! -e "$DB" ] || fail "a DB was created for nothing"

# an int3 Oops at module load, then real boots (two left: a real one may
# hit the same race)
crash_run int3
if grep -qx kvm "$WORK/args"; then
	# under KVM there is no such race: the kernel's crash
	[ "$rc" -eq 1 ] && [ "$(cat "$WORK/boots")" -eq 1 ] ||
		fail "KVM: an int3 panic after /init: exit $rc, $(cat "$WORK/boots") boots"
	echo ok
	exit 0
fi
[ "$rc" -eq 0 ] || fail "an int3 panic after /init, then a good boot: exit $rc, want 0"
boots=$(cat "$WORK/boots")
[ "$boots" -ge 2 ] || fail "booted $boots times, want 2 or more"
grep -q "panicked after /init's \"modules\" (Oops: int3: 0000 \[#1\] PREEMPT SMP NOPTI; console: .*): booting again, 2 of 3" \
	"$WORK/lab.err" || fail "the retry is not said"
[ "$(runs)" -eq 1 ] || fail "$(runs) runs stored, want 1"
[ "$(sqlite3 "$DB" "SELECT value FROM run_meta WHERE key = 'lab.boots'")" = "$boots" ] ||
	fail "lab.boots is not $boots"
lab_check "$(cat <<'PY'
for t in faulters(runs[0]):
    expect(t["by_reason"]["io_retry"] == t["ru_majflt"] > 0,
           f"tid {t['tid']}: io_retry == ru_majflt {t['ru_majflt']}")
PY
)"
echo ok
