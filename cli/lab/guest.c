/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * guest.c - the guest's /init (lab.h). It mounts tracefs, enables the
 * events `vmlockstat record` enables with the same stack triggers (from
 * vls_record_default_event(): one list), runs the scenario with --truth on
 * an ext4 scratch disk, and writes the text trace, the capture of the
 * same recording (guest_capture.c), the truth, vmstat
 * before/after, uname and the ring buffer's overrun counts as a tar onto
 * the results disk. "VLS-LAB: STAGE" lines on the console are its
 * progress (qemu.c prints them).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lab.h"

static const char init_head[] =
	"#!/bin/sh\n"
	"export PATH=/bin\n"
	"/bin/busybox --install -s /bin\n"
	"mount -t proc proc /proc; mount -t sysfs sys /sys\n"
	"mount -t devtmpfs dev /dev 2>/dev/null\n"
	"mount -t tmpfs tmpfs /tmp; mount -t tmpfs tmpfs /out\n"
	"O=/out; L=$O/init.log\n"
	"say() { echo \"VLS-LAB: $*\"; echo \"$*\" >> $L; }\n"
	"say modules\n"
	"for m in $(cat /modules.list); do insmod /lib/mod/$m >> $L 2>&1 || "
	"echo \"insmod $m failed\" >> $L; done\n"
	"SCRATCH=; OUTDEV=; i=0\n"
	"while [ $i -lt 600 ]; do\n"
	"  for b in /sys/block/*; do [ -e $b/serial ] || continue\n"
	"    case $(cat $b/serial) in vlsscratch) SCRATCH=/dev/${b##*/};; "
	"vlsout) OUTDEV=/dev/${b##*/};; esac; done\n"
	"  [ -n \"$SCRATCH\" ] && [ -n \"$OUTDEV\" ] && break; sleep 0.1; i=$((i+1)); done\n"
	"[ -n \"$OUTDEV\" ] || { say error: no results disk; reboot -f; poweroff -f; }\n"
	"mount -t ext4 $SCRATCH /var/tmp >> $L 2>&1 || say error: cannot mount the scratch disk\n"
	"uname -r > $O/uname.r; uname -m > $O/uname.m; uname -a > $O/uname.a\n"
	"mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null || "
	"mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null\n"
	"T=/sys/kernel/tracing; [ -e $T/trace ] || T=/sys/kernel/debug/tracing\n"
	"[ -e $T/trace ] || say error: no tracefs\n"
	"echo 0 > $T/tracing_on; echo > $T/trace\n"
	": > $O/events.missing\n"
	"ev() { if [ -e $T/events/$1/enable ]; then echo 1 > $T/events/$1/enable; "
	"else echo \"$1\" >> $O/events.missing; fi; }\n"
	"trig() { [ -e $T/events/$1/trigger ] && { echo \"$2\" > $T/events/$1/trigger || "
	"echo \"trigger $1 failed\" >> $L; }; }\n";

static const char init_tail[] =
	". /params\n"
	"say running\n"
	"echo 3 > /proc/sys/vm/drop_caches\n"
	"cat /proc/vmstat > $O/vmstat.before\n"
	"echo 1 > $T/tracing_on\n"
	"cd /var/tmp\n"
	"/bin/workload \"$@\" --truth $O/truth.json > $O/workload.out 2>&1\n"
	"echo $? > $O/workload.rc\n"
	"echo 0 > $T/tracing_on\n"
	"cat /proc/vmstat > $O/vmstat.after\n"
	"cd /\n"
	"say reading the trace\n"
	"cat $T/trace > $O/trace.txt\n"
	/* after the text: reading trace_pipe_raw consumes the pages */
	"/bin/workload --capture $T $O/capture >> $L 2>&1 || "
	"echo \"capture failed\" >> $L\n"
	"for c in $T/per_cpu/cpu*; do echo \"${c##*/} $(grep '^overrun' $c/stats)\"; "
	"done > $O/overrun.txt\n"
	"umount /var/tmp\n"
	"tar -cf $OUTDEV -C $O . && sync && say results written\n"
	/* an x86 kernel without ACPI (tinyconfig) cannot power off; qemu
	 * runs with -no-reboot, so a reboot ends it */
	"[ -d /sys/firmware/acpi ] || [ \"$(uname -m)\" != x86_64 ] || reboot -f\n"
	"poweroff -f\n";

/* The script: head, buffer size, the events and triggers, tail. */
char *lab_guest_init(unsigned buffer_kb)
{
	size_t cap = sizeof(init_head) + sizeof(init_tail) + 8192, len;
	char *s = malloc(cap);
	const char *sys, *name, *trig;

	if (!s)
		return NULL;
	len = (size_t)snprintf(s, cap, "%secho %u > $T/buffer_size_kb\n", init_head,
			       buffer_kb);
	for (size_t i = 0; !vls_record_default_event(i, 1, &sys, &name, &trig) &&
			   len < cap; i++) {
		len += (size_t)snprintf(s + len, cap - len, "ev %s/%s\n", sys, name);
		if (trig && len < cap)
			len += (size_t)snprintf(s + len, cap - len,
						"trig %s/%s '%s'\n", sys, name, trig);
	}
	if (len + sizeof(init_tail) >= cap) {
		free(s);
		return NULL;
	}
	memcpy(s + len, init_tail, sizeof(init_tail));
	return s;
}

/* "set -- 'iofault' '--random' ...": each word single-quoted for sh */
char *lab_guest_params(const char *scenario, char *const *args, int nargs)
{
	size_t cap = 16 + 4 * strlen(scenario) + 4, len;
	char *s;

	for (int i = 0; i < nargs; i++)
		cap += 4 * strlen(args[i]) + 3;
	if (!(s = malloc(cap)))
		return NULL;
	len = (size_t)snprintf(s, cap, "set --");
	for (int i = -1; i < nargs; i++) {
		const char *w = i < 0 ? scenario : args[i];

		s[len++] = ' ';
		s[len++] = '\'';
		for (; *w; w++) {
			if (*w == '\'') {
				memcpy(s + len, "'\\''", 4);
				len += 4;
			} else {
				s[len++] = *w;
			}
		}
		s[len++] = '\'';
	}
	memcpy(s + len, "\n", 2);
	return s;
}
