# fault_acq.awk - from `trace-cmd report` text, per thread, the fault-path
# mmap_lock read acquisitions (mmap_lock_start_locking write=false, its
# stack through lock_mm_and_find_vma, then mmap_lock_acquire_returned
# success=true) made while handling a page_fault_user at an address in
# [lo, hi) (hex, given with -v lo=0x... -v hi=0x...).
#
# An acquisition after the fault's mm_filemap_fault is the retry that
# follows the I/O (filemap_fault() dropped the lock for the read and
# returned VM_FAULT_RETRY: one per major fault); one before it is a
# direct fallback (lock_vma_under_rcu() failed, e.g. while mprotect()
# held the VMA). Prints "tid=T retry=R direct=D" per thread.
function hex(s,   i, v) {
	s = tolower(s); sub(/^0x/, "", s); v = 0
	for (i = 1; i <= length(s); i++)
		v = v * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
	return v
}
BEGIN { LO = hex(lo); HI = hex(hi) }
/^ *=> / {
	if (stid != "" && $2 == "lock_mm_and_find_vma") via[stid] = 1
	next
}
{
	stid = ""
	if (!match($0, /-[0-9]+ +\[[0-9]+\]/)) next
	tid = substr($0, RSTART + 1, RLENGTH - 1); sub(/ .*/, "", tid)
	if ($0 ~ /page_fault_user:/) {
		match($0, /address=0x[0-9a-f]+/)
		a = hex(substr($0, RSTART + 8, RLENGTH - 8))
		infile[tid] = (a >= LO && a < HI); io[tid] = 0; seen[tid] = 1
	} else if ($0 ~ /mm_filemap_fault:/) {
		io[tid] = 1
	} else if ($0 ~ /mmap_lock_start_locking:/) {
		pend[tid] = ($0 ~ /write=false/); via[tid] = 0
	} else if ($0 ~ /kernel_stack:/) {
		if (pend[tid]) stid = tid
	} else if ($0 ~ /mmap_lock_acquire_returned:/) {
		if (pend[tid] && via[tid] && infile[tid] && $0 ~ /success=true/) {
			if (io[tid]) retry[tid]++; else direct[tid]++
		}
		pend[tid] = 0
	}
}
END {
	for (t in seen)
		if (retry[t] + direct[t] > 0)
			printf "tid=%s retry=%d direct=%d\n", t, retry[t], direct[t]
}
