/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * guest_main.c - `vmlockstat-workload NAME [OPTIONS]`: the scenarios of
 * `vmlockstat workload` as a static program of its own, for guests that
 * have no vmlockstat (`vmlockstat lab` boots kernels under qemu with only
 * busybox and this). The same sources, cmd_workload.c and the scenarios,
 * built once per guest architecture (CMakeLists.txt: guest_workloads).
 */
#include "cli.h"

int main(int argc, char **argv)
{
	return cmd_workload(argc, argv);
}
