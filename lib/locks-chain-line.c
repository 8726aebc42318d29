/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * locks-chain-line.c - one readable line per wait-for chain, for the text
 * report:
 *   mprotect 6551 (prio 120) waited 1.3 ms for write <- 3 readers:
 *   workload 6552 fault fallback held 1.2 ms, 1.1 ms in folio I/O; ...
 * A blocker that was itself blocked is followed by "<- its blockers",
 * bracketed when siblings follow it. Links at a lower priority than the
 * waiter show their prio.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>

#include "locks.h"
#include "util-fmt.h"

struct out {
	char *buf;
	size_t size, len;
};

static void put(struct out *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(o->len < o->size ? o->buf + o->len : NULL,
		      o->len < o->size ? o->size - o->len : 0, fmt, ap);
	va_end(ap);
	if (n > 0)
		o->len += (size_t)n;
}

static void put_ns(struct out *o, uint64_t ns)
{
	char b[32];

	put(o, "%s", __vls_fmt_ns(b, sizeof(b), ns, VLS_FMT_SHORT));
}

static void put_group(struct out *o, const struct vls_chain *c, int32_t parent);

static void put_link(struct out *o, const struct vls_chain *c, uint32_t i,
		     bool last)
{
	const struct vls_chain_link *l = &c->links[i];

	put(o, "%s %d", l->comm[0] ? l->comm : "?", l->tid);
	if (l->prio >= 0 && c->prio >= 0 && l->prio > c->prio)
		put(o, " (prio %d)", l->prio);
	if (l->site != VLS_SITE_UNKNOWN)
		put(o, " %s", __vls_lock_site_name(l->site));
	if (l->queued_ns) {
		put(o, " queued ");
		put_ns(o, l->queued_ns);
	}
	if (l->held_ns) {
		put(o, "%s held ", l->queued_ns ? "," : "");
		put_ns(o, l->held_ns);
	}
	if (l->asleep_ns) {
		put(o, ", ");
		put_ns(o, l->asleep_ns);
		put(o, " in %s", __vls_sleep_reason_name(l->reason));
	}
	if (!l->waiting)
		return;
	put(o, last ? " <- " : " [<- ");
	put_group(o, c, (int32_t)i);
	if (!last)
		put(o, "]");
}

static void put_group(struct out *o, const struct vls_chain *c, int32_t parent)
{
	uint32_t n = 0, readers = 0, queued = 0, seen = 0;

	for (uint32_t i = 0; i < c->nlinks; i++) {
		if (c->links[i].parent != parent)
			continue;
		n++;
		readers += !c->links[i].write;
		queued += c->links[i].queued && !c->links[i].held_ns;
	}
	if (readers == n)
		put(o, "%u reader%s: ", n, n == 1 ? "" : "s");
	else if (n == 1)
		put(o, "%s: ", queued ? "queued writer" : "writer");
	else
		put(o, "%u tasks: ", n);
	for (uint32_t i = 0; i < c->nlinks; i++) {
		if (c->links[i].parent != parent)
			continue;
		seen++;
		put_link(o, c, i, seen == n);
		if (seen < n)
			put(o, "; ");
	}
}

size_t __vls_chain_format(char *buf, size_t size, const struct vls_chain *c)
{
	struct out o = { buf, size, 0 };

	if (size)
		buf[0] = '\0';
	put(&o, "%s %d", c->comm[0] ? c->comm : "?", c->tid);
	if (c->prio >= 0)
		put(&o, " (prio %d)", c->prio);
	put(&o, " %s", c->open ? "still waiting after" : "waited");
	put(&o, " ");
	put_ns(&o, c->wait_ns);
	put(&o, " for %s", c->write ? "write" : "read");
	if (!c->nlinks)
		put(&o, " <- no blocker in the trace");
	else {
		put(&o, " <- ");
		put_group(&o, c, -1);
	}
	if (c->dropped_links)
		put(&o, " (+%u more)", c->dropped_links);
	if (c->inversion) {
		put(&o, " [priority inversion ");
		put_ns(&o, c->inverted_ns);
		put(&o, "]");
	}
	return o.len;
}
