# instance.sh - sourced by record.sh and record-clocks.sh (not run alone).
# instance_open NAME EVENT...: a private tracefs instance I=.../NAME, removed
# when the recording shell exits, tracing off, 1 MB a CPU, record-tgid and
# event-fork on, each EVENT ("system/event" or "system") enabled.
T=/sys/kernel/tracing

instance_open() {
	I=$T/instances/$1
	shift
	[ -d $T/events ] || mount -t tracefs nodev $T
	mkdir $I
	trap '[ -d $I ] && { echo 0 > $I/tracing_on; rmdir $I; }' EXIT
	echo 0 > $I/tracing_on
	echo 1024 > $I/buffer_size_kb
	echo 1 > $I/options/record-tgid
	echo 1 > $I/options/event-fork
	for e in "$@"; do
		echo 1 > $I/events/$e/enable
	done
}
