/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * report-faults.c - fault figures of a run and its tasks (schema/20_faults.sql).
 */
#include "report-load.h"

int __vls_rl_faults(struct vls_rloader *L, struct vls_rrun *run)
{
	if (!__vls_rl_has_table(L, "fault_run"))
		return run->events ? __vls_rl_note(L, run, "this DB has no fault "
				     "analysis: fault figures unknown") : 0;
	return 0;
}
