/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * record_scenario.h - `vmlockstat record [OPTIONS] --scenario NAME [OPTS]`:
 * record one of the built-in workloads (cli/workload/) by re-executing
 * this binary as `vmlockstat workload NAME OPTS --truth FILE`, label the
 * run with the scenario and its options, and store the scenario's ground
 * truth with the run (metadata "workload.truth", see docs/record.md).
 */
#ifndef VLS_CLI_RECORD_SCENARIO_H
#define VLS_CLI_RECORD_SCENARIO_H

#include <limits.h>
#include <stdbool.h>

#include "cli.h"

#define REC_SCENARIO_ARGS_MAX 128
#define REC_SCENARIO_TEXT_MAX 1024

struct rec_scenario {
	const char *name;            /* NULL: no --scenario */
	char **args;                 /* the scenario's options, into argv */
	int nargs;
	bool help;                   /* --help among them */
	char exe[PATH_MAX];          /* this binary */
	char truth[PATH_MAX];        /* where the workload writes its truth */
	char args_text[REC_SCENARIO_TEXT_MAX];  /* args without --truth */
	char label[REC_SCENARIO_TEXT_MAX + 64];  /* "NAME ARGS" */
	char *argv[REC_SCENARIO_ARGS_MAX + 8];  /* the command to run */
	int argc;
};

/* Find "--scenario NAME" (or "--scenario=NAME") among record's options in
 * argv[1..*argc); what follows NAME belongs to the scenario. Cuts *argc
 * to record's own options. Returns 0, or an exit status after a message. */
int rec_scenario_split(struct rec_scenario *s, const struct cli_cmd *cmd,
		       int *argc, char **argv);

/* Build the command (this binary, "workload", NAME, the options, "--truth"
 * FILE unless given: default OUTPUT.truth.json), the label, and remove a
 * stale truth file. Returns 0 or an exit status after a message. */
int rec_scenario_prepare(struct rec_scenario *s, const struct cli_cmd *cmd,
			 const char *output);
/* Remove an earlier run's truth file; after vls_record_new() succeeded. */
int rec_scenario_clear_truth(const struct rec_scenario *s, const struct cli_cmd *cmd);

/* After the workload exited: store the scenario, its options and its
 * ground truth (if it wrote one) in the recording's metadata. A missing
 * or oversized truth is a warning, not a failure. */
void rec_scenario_meta(const struct rec_scenario *s, const struct cli_cmd *cmd,
		       vls_record *rec);

#endif /* VLS_CLI_RECORD_SCENARIO_H */
