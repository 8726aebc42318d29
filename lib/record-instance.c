/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * record-instance.c - the recorder's private tracefs instance.
 *
 * Everything the recorder changes lives in an instance named
 * "vmlockstat-<pid>": events, triggers, the pid filter, event-fork and the
 * buffer size are all per instance, so the top instance and other tools'
 * instances are never touched. Removing the instance (rmdir) makes the
 * kernel drop its triggers, pid lists and events too
 * (event_trace_del_tracer()), which is what cleans up after a SIGKILL.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <tracefs.h>

#include "record.h"

#define PIDLIST_MAX (4u << 20)

/* What the analyzers need; the triggers give the call sites of read
 * acquisitions and the reason for each uninterruptible sleep. */
static const struct {
	const char *system, *name, *trigger, *write_trigger;
} default_events[] = {
	{ "mmap_lock", "mmap_lock_start_locking", "stacktrace if write == 0",
	  "stacktrace" },
	{ "mmap_lock", "mmap_lock_acquire_returned", NULL, NULL },
	{ "mmap_lock", "mmap_lock_released", NULL, NULL },
	{ "sched", "sched_switch", "stacktrace if prev_state & 2", NULL },
	{ "sched", "sched_wakeup", NULL, NULL },
	{ "sched", "sched_waking", NULL, NULL },
	{ "sched", "sched_process_fork", NULL, NULL },
	{ "sched", "sched_process_exit", NULL, NULL },
	{ "sched", "sched_process_exec", NULL, NULL },
	{ "task", "task_newtask", NULL, NULL },  /* clone flags: thread or process */
	{ "exceptions", "page_fault_user", NULL, NULL },
	{ "exceptions", "page_fault_kernel", NULL, NULL },
	{ "filemap", "mm_filemap_fault", NULL, NULL },
	{ "filemap", "mm_filemap_add_to_page_cache", NULL, NULL },
	{ "filemap", "mm_filemap_delete_from_page_cache", NULL, NULL },
	{ "lock", "contention_begin", NULL, NULL },
	{ "lock", "contention_end", NULL, NULL },
	{ "block", "block_rq_issue", NULL, NULL },
	{ "block", "block_rq_complete", NULL, NULL },
};

int vls_record_default_event(size_t i, int write_stacks, const char **system,
			     const char **name, const char **trigger)
{
	if (i >= sizeof(default_events) / sizeof(*default_events))
		return VLS_ENOTFOUND;
	*system = default_events[i].system;
	*name = default_events[i].name;
	*trigger = write_stacks && default_events[i].write_trigger ?
		   default_events[i].write_trigger : default_events[i].trigger;
	return 0;
}

static bool name_ok(const char *s, size_t n)
{
	if (!n || n > 128)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_' && s[i] != '-')
			return false;
	return true;
}

int __vls_rec_event_spec(vls_ctx *ctx, const char *spec, char **system,
			 char **name)
{
	const char *sep = strpbrk(spec, ":/");
	size_t slen = sep ? (size_t)(sep - spec) : strlen(spec);
	const char *ev = sep ? sep + 1 : NULL;

	*system = *name = NULL;
	if (ev && !strcmp(ev, "*"))
		ev = NULL;
	if (!name_ok(spec, slen) || (ev && !name_ok(ev, strlen(ev))) ||
	    (sep && !ev && strcmp(sep + 1, "*")))
		return __vls_error(ctx, VLS_EINVAL, "bad event '%s': expected "
				   "system:event, system:* or system", spec);
	*system = __vls_strndup(ctx, spec, slen);
	*name = ev ? __vls_strdup(ctx, ev) : NULL;
	if (!*system || (ev && !*name)) {
		__vls_free(ctx, *system);
		*system = NULL;
		return __vls_error(ctx, VLS_ENOMEM, "out of memory");
	}
	return 0;
}

static bool have_event(const struct vls_record *rec, const char *sys,
		       const char *name)
{
	for (size_t i = 0; i < rec->nevents; i++)
		if (!strcmp(rec->events[i].system, sys) &&
		    ((!name && !rec->events[i].name) ||
		     (name && rec->events[i].name && !strcmp(rec->events[i].name, name))))
			return true;
	return false;
}

/* Takes ownership of sys and name. rec->events holds
 * VLS_RECORD_MAX_EVENTS entries. */
static int add_event(vls_record *rec, char *sys, char *name, const char *trigger)
{
	if (have_event(rec, sys, name) || rec->nevents >= VLS_RECORD_MAX_EVENTS) {
		__vls_free(rec->ctx, sys);
		__vls_free(rec->ctx, name);
		return rec->nevents < VLS_RECORD_MAX_EVENTS ? 0 :
		       __vls_error(rec->ctx, VLS_ELIMIT, "more than %d events",
				   VLS_RECORD_MAX_EVENTS);
	}
	memset(&rec->events[rec->nevents], 0, sizeof(*rec->events));
	rec->events[rec->nevents].system = sys;
	rec->events[rec->nevents].name = name;
	rec->events[rec->nevents].trigger = trigger;
	rec->nevents++;
	return 0;
}

int __vls_rec_events_build(vls_record *rec)
{
	const size_t ndef = sizeof(default_events) / sizeof(*default_events);
	int ret = 0;

	rec->events = __vls_calloc(rec->ctx, VLS_RECORD_MAX_EVENTS, sizeof(*rec->events));
	if (!rec->events)
		return __vls_error(rec->ctx, VLS_ENOMEM, "out of memory");
	for (size_t i = 0; i < ndef && !ret; i++) {
		char *s = __vls_strdup(rec->ctx, default_events[i].system);
		char *n = __vls_strdup(rec->ctx, default_events[i].name);
		const char *trig = rec->opts.write_stacks && default_events[i].write_trigger ?
				   default_events[i].write_trigger : default_events[i].trigger;

		if (!s || !n) {
			__vls_free(rec->ctx, s);
			__vls_free(rec->ctx, n);
			return __vls_error(rec->ctx, VLS_ENOMEM, "out of memory");
		}
		ret = add_event(rec, s, n, trig);
	}
	for (const char *const *e = rec->opts.events; !ret && e && *e; e++) {
		char *s, *n;

		ret = __vls_rec_event_spec(rec->ctx, *e, &s, &n);
		if (!ret)
			ret = add_event(rec, s, n, NULL);
	}
	return ret;
}

/* ------------------------------------------------------------------ */
/* Stale instances                                                     */
/* ------------------------------------------------------------------ */

/* "vmlockstat-<pid>" or "vmlockstat-<pid>-<n>": the owner's pid, or 0. */
static pid_t owner_pid(const char *name)
{
	const char *p = name + strlen(VLS_RECORD_PREFIX);
	char *end;
	long pid;

	if (strncmp(name, VLS_RECORD_PREFIX, strlen(VLS_RECORD_PREFIX)) ||
	    !isdigit((unsigned char)*p))
		return 0;
	pid = strtol(p, &end, 10);
	if (*end == '-' && isdigit((unsigned char)end[1]))
		strtol(end + 1, &end, 10);
	return *end || pid <= 0 || pid > 0x7fffffff ? 0 : (pid_t)pid;
}

static bool pid_alive(pid_t pid)
{
	return kill(pid, 0) == 0 || errno == EPERM;
}

/* rmdir of an instance fails with EBUSY while a reader still holds one of
 * its files; the reader of a dead process is gone, so retry briefly. */
static int destroy_instance(struct tracefs_instance *inst)
{
	struct timespec ts = { 0, 20 * 1000 * 1000 };

	for (int i = 0; i < 25; i++) {
		if (!tracefs_instance_destroy(inst))
			return 0;
		if (errno != EBUSY)
			return -1;
		nanosleep(&ts, NULL);
	}
	return -1;
}

static void remove_stale(vls_ctx *ctx, const char *name)
{
	struct tracefs_instance *inst = tracefs_instance_alloc(NULL, name);

	if (!inst)
		return;
	tracefs_trace_off(inst);
	tracefs_event_disable(inst, NULL, NULL);
	if (destroy_instance(inst))
		__vls_log(ctx, VLS_LOG_WARN, "could not remove stale instance %s: %s",
			  name, strerror(errno));
	else
		__vls_log(ctx, VLS_LOG_INFO, "removed stale instance %s "
			  "(its recorder is gone)", name);
	tracefs_instance_free(inst);
}

struct stale_walk {
	char names[64][64];
	int n;
};

static int collect_stale(const char *name, void *data)
{
	struct stale_walk *w = data;
	pid_t pid = owner_pid(name);

	if (pid && pid != getpid() && !pid_alive(pid) && strlen(name) < 64 &&
	    w->n < 64)
		strcpy(w->names[w->n++], name);
	return 0;
}

/* tracefs_instances_walk(), not tracefs_instances(): the latter leaks its
 * compiled regex in libtracefs 1.6. At most 64 per run; the next run
 * takes the rest. */
int __vls_rec_cleanup_stale(vls_ctx *ctx)
{
	struct stale_walk w = { .n = 0 };

	tracefs_instances_walk(collect_stale, &w);
	for (int i = 0; i < w.n; i++)
		remove_stale(ctx, w.names[i]);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Setup                                                               */
/* ------------------------------------------------------------------ */

static int create_instance(vls_record *rec)
{
	char name[64];

	for (int n = 1; n <= 16; n++) {
		if (n == 1)
			snprintf(name, sizeof(name), VLS_RECORD_PREFIX "%d", (int)getpid());
		else
			snprintf(name, sizeof(name), VLS_RECORD_PREFIX "%d-%d",
				 (int)getpid(), n);
		if (tracefs_instance_exists(name))
			continue;       /* another recorder of this process */
		rec->instance = tracefs_instance_create(name);
		if (!rec->instance)
			return __vls_error(rec->ctx, errno == EACCES || errno == EPERM ?
					   VLS_EUNSUPPORTED : VLS_EIO,
					   "cannot create tracefs instance %s: %s%s", name,
					   strerror(errno), errno == EACCES || errno == EPERM ?
					   " (recording needs root)" : "");
		rec->instance_live = true;
		rec->instance_name = __vls_strdup(rec->ctx, name);
		if (!rec->instance_name)
			return __vls_error(rec->ctx, VLS_ENOMEM, "out of memory");
		return 0;
	}
	return __vls_error(rec->ctx, VLS_EBUSY, "too many recorders in this process");
}

/* Append "tid " for every thread of pid to buf. */
static int add_threads(vls_record *rec, char **buf, size_t *len, size_t *cap,
		       pid_t pid)
{
	char path[64];
	struct dirent *d;
	DIR *dir;
	int ret = 0;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	dir = opendir(path);
	if (!dir)
		return errno == ENOENT ? 0 : __vls_error(rec->ctx, VLS_EIO, "%s: %s",
							 path, strerror(errno));
	while (!ret && (d = readdir(dir))) {
		if (!isdigit((unsigned char)d->d_name[0]))
			continue;
		ret = __vls_grow(rec->ctx, (void **)buf, cap, *len + 16, 1, PIDLIST_MAX);
		if (!ret)
			*len += (size_t)snprintf(*buf + *len, *cap - *len, "%s ", d->d_name);
	}
	closedir(dir);
	return ret;
}

/*
 * set_event_pid holds task ids: every thread of each target, plus (with
 * event-fork) whatever they create once listed. A thread created between
 * listing and writing would be missed, so list twice.
 */
static int set_pids(vls_record *rec)
{
	size_t len = 0, cap = 0;
	char *buf = NULL;
	int ret = 0;

	if (tracefs_option_enable(rec->instance, TRACEFS_OPTION_EVENT_FORK))
		__vls_log(rec->ctx, VLS_LOG_WARN, "event-fork option unavailable: "
			  "children of the target will not be recorded");
	for (int round = 0; round < 2 && !ret; round++) {
		len = 0;
		for (size_t i = 0; i < rec->npids && !ret; i++) {
			if (!pid_alive(rec->pids[i]))
				ret = __vls_error(rec->ctx, VLS_ENOTFOUND, "no process %d",
						  (int)rec->pids[i]);
			else
				ret = add_threads(rec, &buf, &len, &cap, rec->pids[i]);
		}
		if (!ret && len && tracefs_instance_file_write(rec->instance,
							       "set_event_pid", buf) < 0)
			ret = __vls_error(rec->ctx, VLS_EIO, "set_event_pid: %s",
					  strerror(errno));
	}
	__vls_free(rec->ctx, buf);
	return ret;
}

static int enable_one(vls_record *rec, struct vls_rec_event *e, bool user)
{
	char dir[300];
	bool exists;

	snprintf(dir, sizeof(dir), "events/%s%s%s", e->system, e->name ? "/" : "",
		 e->name ? e->name : "");
	exists = tracefs_dir_exists(rec->instance, dir);

	if (!exists) {
		if (user)
			return __vls_error(rec->ctx, VLS_ENOTFOUND, "this kernel has no "
					   "event %s:%s", e->system, e->name ? e->name : "*");
		__vls_log(rec->ctx, VLS_LOG_WARN, "this kernel has no %s:%s: skipped "
			  "(recorded as missing)", e->system, e->name);
		return 0;
	}
	if (tracefs_event_enable(rec->instance, e->system, e->name))
		return __vls_error(rec->ctx, VLS_EIO, "cannot enable %s:%s: %s",
				   e->system, e->name ? e->name : "*", strerror(errno));
	e->present = true;
	if (!e->trigger)
		return 0;
	if (tracefs_event_file_write(rec->instance, e->system, e->name, "trigger",
				     e->trigger) < 0)
		__vls_log(rec->ctx, VLS_LOG_WARN, "trigger '%s' on %s:%s refused (%s): "
			  "no stacks for it", e->trigger, e->system, e->name,
			  strerror(errno));
	else
		e->trigger_set = true;
	return 0;
}

static int append_list(vls_record *rec, const char *key, const char *item)
{
	const char *old = __vls_meta_get(&rec->meta, key);
	char *buf;
	int ret;

	if (!old || !*old)
		return __vls_meta_set(rec->ctx, &rec->meta, key, item);
	buf = __vls_malloc(rec->ctx, strlen(old) + strlen(item) + 2);
	if (!buf)
		return __vls_error(rec->ctx, VLS_ENOMEM, "out of memory");
	sprintf(buf, "%s,%s", old, item);
	ret = __vls_meta_set(rec->ctx, &rec->meta, key, buf);
	__vls_free(rec->ctx, buf);
	return ret;
}

/* Capabilities: which events and triggers this recording really has. */
static int record_capabilities(vls_record *rec)
{
	int ret = 0;

	ret = ret ? ret : __vls_meta_set(rec->ctx, &rec->meta, "events.present", "");
	ret = ret ? ret : __vls_meta_set(rec->ctx, &rec->meta, "events.missing", "");
	ret = ret ? ret : __vls_meta_set(rec->ctx, &rec->meta, "stacks.triggers", "");
	for (size_t i = 0; i < rec->nevents && !ret; i++) {
		struct vls_rec_event *e = &rec->events[i];
		char item[300];

		snprintf(item, sizeof(item), "%s:%s", e->system, e->name ? e->name : "*");
		ret = append_list(rec, e->present ? "events.present" : "events.missing",
				  item);
		if (!e->present)
			rec->stats.events_missing++;
		if (!ret && e->trigger_set) {
			snprintf(item, sizeof(item), "%s:%s:%s", e->system, e->name,
				 e->trigger);
			ret = append_list(rec, "stacks.triggers", item);
		}
	}
	return ret;
}

/* ------------------------------------------------------------------ */
/* Options                                                             */
/* ------------------------------------------------------------------ */

/*
 * Every option of the instance that changes what lands in its ring buffer,
 * set explicitly: a new instance copies the top level's flags
 * (trace_array_create() starts from global_trace.trace_flags), so another
 * tool's options/stacktrace=1 would otherwise put a stack on every event.
 * The options that shape only the text output (annotate, context-info, ...)
 * do not matter to a binary recording and are left alone.
 */
static const struct {
	const char *name;
	char value;
	bool required;   /* refuse to record if it cannot be set */
} instance_options[] = {
	{ "stacktrace", '0', true },       /* a stack on every event */
	{ "userstacktrace", '0', true },   /* a user stack on every event */
	{ "sym-userobj", '0', false },
	{ "overwrite", '0', true },        /* full buffer: count, never overwrite */
	{ "record-tgid", '1', false },     /* fills saved_tgids (record-tasks.c) */
	{ "record-cmd", '1', false },      /* fills saved_cmdlines */
	{ "irq-info", '1', false },
	{ "markers", '1', false },
	{ "trace_printk_dest", '0', false }, /* others' trace_printk stays out */
	{ "copy_trace_marker", '0', false },
	{ "disable_on_free", '0', false },
	{ "function-trace", '0', false },
	{ "func_stack_trace", '0', false },
	{ "function-fork", '0', false },
};

/* Set one option; "name=v" appended to the list (v as read back, "-" when
 * the kernel lacks the option). */
static int set_option(vls_record *rec, size_t i, char *list, size_t size)
{
	char path[64], val[2] = { instance_options[i].value, 0 }, *got;
	const char *name = instance_options[i].name;
	bool ok;

	snprintf(path, sizeof(path), "options/%s", name);
	if (!tracefs_file_exists(rec->instance, path)) {
		snprintf(list + strlen(list), size - strlen(list), "%s%s=-",
			 *list ? "," : "", name);
		return 0;
	}
	tracefs_instance_file_write(rec->instance, path, val);
	got = tracefs_instance_file_read(rec->instance, path, NULL);
	ok = got && got[0] == val[0];
	snprintf(list + strlen(list), size - strlen(list), "%s%s=%c",
		 *list ? "," : "", name, got ? got[0] : '?');
	free(got);
	if (ok)
		return 0;
	if (instance_options[i].required)
		return __vls_error(rec->ctx, VLS_EIO, "%s: cannot set options/%s to %s",
				   rec->instance_name, name, val);
	__vls_log(rec->ctx, VLS_LOG_WARN, "%s: cannot set options/%s to %s",
		  rec->instance_name, name, val);
	return 0;
}

/* The options this recording ran with go into "record.options". */
static int set_options(vls_record *rec)
{
	char list[1024] = "";
	int ret = 0;

	for (size_t i = 0; !ret && i < sizeof(instance_options) / sizeof(*instance_options); i++)
		ret = set_option(rec, i, list, sizeof(list));
	return ret ? ret : __vls_meta_set(rec->ctx, &rec->meta, "record.options", list);
}

int __vls_rec_instance_setup(vls_record *rec)
{
	const size_t ndef = sizeof(default_events) / sizeof(*default_events);
	int ret = create_instance(rec);

	if (ret)
		return ret;
	/* A new instance starts with tracing on: off until start(). */
	if (tracefs_trace_off(rec->instance))
		return __vls_error(rec->ctx, VLS_EIO, "%s: tracing_on: %s",
				   rec->instance_name, strerror(errno));
	if ((ret = set_options(rec)))
		return ret;
	if (tracefs_instance_set_buffer_size(rec->instance, rec->opts.buffer_kb, -1))
		return __vls_error(rec->ctx, VLS_EIO, "cannot set a %u KB buffer per "
				   "CPU: %s", rec->opts.buffer_kb, strerror(errno));
	if (rec->npids && (ret = set_pids(rec)))
		return ret;
	for (size_t i = 0; i < rec->nevents && !ret; i++)
		ret = enable_one(rec, &rec->events[i], i >= ndef);
	return ret ? ret : record_capabilities(rec);
}

void __vls_rec_instance_teardown(vls_record *rec)
{
	if (!rec->instance)
		return;
	if (rec->instance_live) {
		tracefs_trace_off(rec->instance);
		for (size_t i = 0; i < rec->nevents; i++)
			if (rec->events[i].trigger_set &&
			    !tracefs_event_file_clear(rec->instance, rec->events[i].system,
						      rec->events[i].name, "trigger"))
				rec->events[i].trigger_set = false;
		tracefs_event_disable(rec->instance, NULL, NULL);
		if (rec->npids)
			tracefs_instance_file_clear(rec->instance, "set_event_pid");
		if (destroy_instance(rec->instance))
			__vls_log(rec->ctx, VLS_LOG_ERROR, "could not remove tracefs "
				  "instance %s: %s (remove it with rmdir)",
				  rec->instance_name, strerror(errno));
		rec->instance_live = false;
	}
	tracefs_instance_free(rec->instance);
	rec->instance = NULL;
}
