/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * record-tasks.c - which process each recorded thread belongs to.
 *
 * A trace.dat has no section for thread group ids: its records carry only
 * common_pid (the thread), and trace-cmd saves none. The recorder gives the
 * import three sources, all from the kernel:
 *  - task:task_newtask in the trace (record-instance.c enables it): the
 *    clone flags of every task created while recording, CLONE_THREAD or
 *    not (tasks-store.c reads it);
 *  - at start, every thread alive then: of the target processes
 *    (/proc/PID/task; a -p PID may name any thread, its "Tgid:" gives the
 *    process), or of the whole system;
 *  - at stop, the kernel's saved_tgids: the options/record-tgid of the
 *    instance makes the kernel note the tgid of the tasks of its events.
 * Both lists go into the sidecar as "tgids.N" (record.h: TGIDS_VALUE_MAX
 * bytes each): "TGID:TID,TID TGID: ..." with the group's threads other
 * than the leader. The import uses them and does not store them.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tracefs.h>

#include "record.h"

#define TASKS_MAX (4u << 20)            /* PID_MAX_LIMIT */
#define TGIDS_VALUE_MAX (60u * 1024u)   /* under the sidecar's line limit */

struct tgid_pair {
	int32_t tgid, tid;
};

struct tgid_list {
	vls_ctx *ctx;
	struct tgid_pair *v;
	size_t n, cap;
};

static int list_add(struct tgid_list *l, long tgid, long tid)
{
	int ret;

	if (tgid <= 0 || tid <= 0 || tgid > INT32_MAX || tid > INT32_MAX)
		return 0;
	ret = __vls_grow(l->ctx, (void **)&l->v, &l->cap, l->n + 1, sizeof(*l->v),
			 TASKS_MAX);
	if (!ret)
		l->v[l->n++] = (struct tgid_pair){ (int32_t)tgid, (int32_t)tid };
	return ret;
}

static long dir_number(const struct dirent *d)
{
	char *end;
	long v;

	if (!isdigit((unsigned char)d->d_name[0]))
		return -1;
	v = strtol(d->d_name, &end, 10);
	return *end ? -1 : v;
}

/* The thread group of a task id, from /proc/TID/status; -1 if it is gone. */
static long tgid_of(long tid)
{
	char path[64], line[128];
	long tgid = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%ld/status", tid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "Tgid:", 5)) {
			tgid = strtol(line + 5, NULL, 10);
			break;
		}
	fclose(f);
	return tgid;
}

/* Every thread of process tgid; a process gone meanwhile adds nothing. */
static int add_process(struct tgid_list *l, long tgid)
{
	char path[64];
	struct dirent *d;
	DIR *dir;
	int ret = 0;

	snprintf(path, sizeof(path), "/proc/%ld/task", tgid);
	dir = opendir(path);
	if (!dir)
		return 0;
	while (!ret && (d = readdir(dir)))
		if (dir_number(d) > 0)
			ret = list_add(l, tgid, dir_number(d));
	closedir(dir);
	return ret;
}

static int add_system(struct tgid_list *l)
{
	struct dirent *d;
	DIR *dir = opendir("/proc");
	int ret = 0;

	if (!dir)
		return __vls_error(l->ctx, VLS_EIO, "/proc: %s", strerror(errno));
	while (!ret && (d = readdir(dir)))
		if (dir_number(d) > 0)
			ret = add_process(l, dir_number(d));
	closedir(dir);
	return ret;
}

/* saved_tgids: "PID TGID" per line (the kernel's trace_save_tgid()). */
static int add_saved(struct tgid_list *l)
{
	char *text = tracefs_instance_file_read(NULL, "saved_tgids", NULL);
	int ret = 0;

	for (char *p = text; !ret && p && *p;) {
		char *end;
		long tid = strtol(p, &end, 10), tgid = -1;

		if (end != p)
			tgid = strtol(end, &end, 10);
		ret = list_add(l, tgid, tid);
		p = strchr(end, '\n');
		p = p ? p + 1 : NULL;
	}
	free(text);
	return ret;
}

static int cmp_pair(const void *a, const void *b)
{
	const struct tgid_pair *x = a, *y = b;

	if (x->tgid != y->tgid)
		return x->tgid < y->tgid ? -1 : 1;
	/* the leader first, then its threads in order */
	if ((x->tid == x->tgid) != (y->tid == y->tgid))
		return x->tid == x->tgid ? -1 : 1;
	return x->tid < y->tid ? -1 : x->tid > y->tid;
}

/* Flush buf as "<prefix>.<n>" when full or at the end. */
static int flush(vls_record *rec, const char *prefix, unsigned int *n,
		 char *buf, size_t *len)
{
	char key[64];
	int ret;

	if (!*len)
		return 0;
	snprintf(key, sizeof(key), "%s.%u", prefix, (*n)++);
	buf[*len] = '\0';
	ret = __vls_meta_set(rec->ctx, &rec->meta, key, buf);
	*len = 0;
	return ret;
}

static int store_list(vls_record *rec, struct tgid_list *l, const char *prefix)
{
	char *buf = __vls_malloc(rec->ctx, TGIDS_VALUE_MAX + 32);
	unsigned int nkeys = 0;
	size_t len = 0;
	int ret = 0;

	if (!buf)
		return __vls_error(rec->ctx, VLS_ENOMEM, "out of memory");
	if (l->n > 1)
		qsort(l->v, l->n, sizeof(*l->v), cmp_pair);
	for (size_t i = 0; !ret && i < l->n; i++) {
		const struct tgid_pair *p = &l->v[i];
		bool group = !i || p->tgid != l->v[i - 1].tgid;

		if (!group && p->tid == l->v[i - 1].tid)
			continue;       /* listed twice */
		if (len > TGIDS_VALUE_MAX) {    /* a group may go on in the next */
			ret = flush(rec, prefix, &nkeys, buf, &len);
			group = true;
		}
		if (group)
			len += (size_t)sprintf(buf + len, "%s%d:", len ? " " : "", p->tgid);
		if (p->tid != p->tgid)
			len += (size_t)sprintf(buf + len, "%s%d",
					       buf[len - 1] == ':' ? "" : ",", p->tid);
	}
	if (!ret)
		ret = flush(rec, prefix, &nkeys, buf, &len);
	__vls_free(rec->ctx, buf);
	return ret;
}

int __vls_rec_tasks_start(vls_record *rec)
{
	struct tgid_list l = { .ctx = rec->ctx };
	int ret = 0;

	if (!rec->npids)
		ret = add_system(&l);
	for (size_t i = 0; !ret && i < rec->npids; i++) {
		long tgid = tgid_of(rec->pids[i]);

		if (tgid > 0)
			ret = add_process(&l, tgid);
	}
	if (!ret)
		ret = store_list(rec, &l, "tgids.start");
	__vls_free(rec->ctx, l.v);
	return ret;
}

int __vls_rec_tasks_stop(vls_record *rec)
{
	struct tgid_list l = { .ctx = rec->ctx };
	int ret = add_saved(&l);

	if (!ret)
		ret = store_list(rec, &l, "tgids.saved");
	__vls_free(rec->ctx, l.v);
	return ret;
}
