/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * guest_main.c - `vmlockstat-workload NAME [OPTIONS]`: the scenarios of
 * `vmlockstat workload` as a static program of its own, for guests that
 * have no vmlockstat (`vmlockstat lab` boots kernels under qemu with only
 * busybox and this). The same sources, cmd_workload.c and the scenarios,
 * built once per guest architecture (CMakeLists.txt: guest_workloads).
 * With --capture TRACEFS DIR it saves the recording instead
 * (cli/lab/guest_capture.c).
 */
#include <string.h>

#include "cli.h"
#include "lab/lab.h"

int main(int argc, char **argv)
{
	/* /init's last step (cli/lab/guest.c) */
	if (argc == 4 && !strcmp(argv[1], "--capture"))
		return lab_guest_capture(argv[2], argv[3]);
	return cmd_workload(argc, argv);
}
