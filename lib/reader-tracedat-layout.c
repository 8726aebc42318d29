/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * reader-tracedat-layout.c - the fixed header and the options of a trace.dat
 * file (trace-cmd.dat.v6(5), trace-cmd.dat.v7(5)).
 *
 * Why parse this ourselves: libtracecmd 1.3.1 reads the options while
 * opening the file but its public header (trace-cmd.h) gives no getter
 * for the uname, the CPU stats, the CPU count or the file version; the
 * getters that exist (tracecmd_get_uname(), tracecmd_get_cpustats()) are
 * in trace-cmd's private header, not installed, with no ABI promise. The
 * part we need is small and well specified: the header, then a chain of
 * "options" sections (v7) or the options block after the CPU count (v6).
 * Everything is read with pread() against the file size, every count and
 * string has a hard limit, and a value out of range is VLS_EPARSE.
 * The same walk checks that every CPU's data lies inside the file, which
 * is how a truncated file is told apart (libtracecmd reads what it can).
 *
 * It also notes where the metadata texts are (v6: where they start; v7:
 * the sections the options point to, in libtracecmd's order), so that
 * __vls_tdhead_texts() can walk them again, this time handing each text
 * to reader-tracedat-tep.c instead of checking it: the libtraceevent
 * handle of a file libtracecmd need not open.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zstd.h>

#include "reader-tracedat.h"

#define OPT_SECTIONS_MAX 256    /* v7 options sections chained */
#define OPTS_MAX 65536          /* options in one file */
#define OPT_DATA_MAX 65536      /* bytes of one option we look into */
#define SYSTEMS_MAX 4096        /* v6 event systems */
#define FORMATS_MAX 65536       /* v6 event formats per system */
#define NAME_MAX_LEN 256        /* a system or buffer name */
#define STATS_MAX 4096          /* CPUSTAT entries kept */
#define BUFFERS_MAX 256         /* buffers with data */
#define CPUS_MAX 65536
/* CPU data (offset, size) kept for reader-tracedat-data.c, all buffers
 * together; past it libtracecmd reads the data */
#define KEPT_CPUS_MAX 4096
/* The size bits of a ring-buffer page's "commit" word (kbuffer-parse.c:
 * the high bits carry the missed-events flags). */
#define PAGE_COMMIT_MASK ((1ULL << 27) - 1)
/* One compressed chunk's data, either side (trace-cmd writes some 10s of
 * KB; libtracecmd would allocate what a chunk header claims). */
#define CHUNK_MAX (64u << 20)
/* A text libtracecmd reads whole: a format, kallsyms, printk formats, a
 * v7 metadata section (kallsyms of a distribution kernel: some 10 MB). */
#define TEXT_MAX (256u << 20)

enum {
	OPT_DONE = 0,
	OPT_DATE = 1,
	OPT_CPUSTAT = 2,
	OPT_BUFFER = 3,
	OPT_TRACECLOCK = 4,
	OPT_UNAME = 5,
	OPT_OFFSET = 7,
	OPT_CPUCOUNT = 8,
	OPT_VERSION = 9,
	OPT_TIME_SHIFT = 12,
	OPT_TSC2NSEC = 14,
	/* v7: the offset of a metadata section */
	OPT_HEADER_INFO = 16,
	OPT_FTRACE_EVENTS = 17,
	OPT_EVENT_FORMATS = 18,
	OPT_KALLSYMS = 19,
	OPT_PRINTK = 20,
	OPT_CMDLINES = 21,
	OPT_BUFFER_TEXT = 22,
};

struct cpustat {
	char buffer[NAME_MAX_LEN];
	uint32_t cpu;
	uint64_t lost;
};

struct tdfile {
	vls_reader *r;
	struct vls_tdhead *h;
	int fd;
	uint64_t size;
	/* a v7 metadata section, decompressed: read from here, not fd */
	const unsigned char *mem;
	uint64_t sect;          /* its offset in the file */
	bool big_endian;
	uint64_t page_size;
	unsigned int long_size;
	char stat_buffer[NAME_MAX_LEN]; /* buffer the next CPUSTAT is about */
	struct cpustat *stats;
	size_t nstats, stats_cap;
	char (*bufs)[NAME_MAX_LEN];     /* buffers that hold CPU data */
	size_t nbufs, bufs_cap;
	bool top_has_data;
	char clock[64];
	bool tsc2nsec;          /* libtracecmd turns the clock's counts to ns */
	/* the h->bufs entry check_cpu_data() records into, -1: none */
	long cur_buf;
	size_t kept_cpus;
	int v7_tops;            /* v7 BUFFER options of the top buffer */
	/* set: the texts go to fn (__vls_tdhead_texts()), not to the checks */
	vls_tdtext_fn fn;
	void *fn_data;
	struct ksyms_job *ksyms; /* the kallsyms section's, running */
	/* mem's owner: kallsyms may take the buffer (*take NULL then) */
	unsigned char **take;
};

static int bad(struct tdfile *f, const char *what, uint64_t off)
{
	if (f->mem)
		return __vls_error(f->r->ctx, VLS_EPARSE, "%s: corrupt or truncated trace.dat: %s "
				   "at offset %" PRIu64 " of the section at offset %"
				   PRIu64, f->r->path, what, off, f->sect);
	return __vls_error(f->r->ctx, VLS_EPARSE,
			   "%s: corrupt or truncated trace.dat: %s at offset %" PRIu64
			   " (file size %" PRIu64 ")", f->r->path, what, off, f->size);
}

/* reader-tracedat-data.c reads this file's data only if nothing sets
 * this: the first reason is kept. */
static void own_data_no(struct tdfile *f, const char *why)
{
	if (!f->h->own_data_no)
		f->h->own_data_no = why;
}

static int rd(struct tdfile *f, uint64_t off, void *buf, size_t n, const char *what)
{
	ssize_t got;

	if (off > f->size || n > f->size - off)
		return bad(f, what, off);
	if (f->mem) {
		memcpy(buf, f->mem + off, n);
		return 0;
	}
	got = pread(f->fd, buf, n, (off_t)off);
	if (got < 0)
		return __vls_error(f->r->ctx, VLS_EIO, "%s: %s", f->r->path, strerror(errno));
	if ((size_t)got != n)
		return bad(f, what, off);
	return 0;
}

static uint64_t fix(struct tdfile *f, uint64_t v, size_t n)
{
	if (!f->big_endian)
		return v;
	return n == 2 ? __builtin_bswap16((uint16_t)v) :
	       n == 4 ? __builtin_bswap32((uint32_t)v) : __builtin_bswap64(v);
}

/* Read an n-byte (2, 4, 8) number of the file's endianness at *off. */
static int rd_num(struct tdfile *f, uint64_t *off, size_t n, uint64_t *out,
		  const char *what)
{
	uint64_t v = 0;
	int ret = rd(f, *off, &v, n, what);

	if (ret)
		return ret;
	*out = fix(f, v, n);    /* x86 and arm64 hosts are little endian */
	*off += n;
	return 0;
}

/* Read a NUL-terminated string of at most max - 1 bytes at *off. */
static int rd_str(struct tdfile *f, uint64_t *off, char *buf, size_t max,
		  const char *what)
{
	size_t n = max;

	if (*off >= f->size)
		return bad(f, what, *off);
	if (n > f->size - *off)
		n = (size_t)(f->size - *off);
	if (rd(f, *off, buf, n, what))
		return bad(f, what, *off);
	for (size_t i = 0; i < n; i++) {
		if (!buf[i]) {
			*off += i + 1;
			return 0;
		}
	}
	return bad(f, what, *off);
}

static int skip_sized(struct tdfile *f, uint64_t *off, size_t n, const char *what)
{
	uint64_t size;
	int ret = rd_num(f, off, n, &size, what);

	if (ret)
		return ret;
	if (size > f->size - *off)
		return bad(f, what, *off);
	*off += size;
	return 0;
}

/* size bytes at off, NUL-terminated, into *out (freed by the caller). */
static int load(struct tdfile *f, uint64_t off, uint64_t size, const char *what,
		char **out)
{
	char *buf;
	int ret;

	*out = NULL;
	if (size > TEXT_MAX || off > f->size || size > f->size - off)
		return bad(f, what, off);
	buf = __vls_malloc(f->r->ctx, (size_t)size + 1);
	if (!buf)
		return __vls_error(f->r->ctx, VLS_ENOMEM, "out of memory");
	ret = rd(f, off, buf, (size_t)size, what);
	if (ret) {
		__vls_free(f->r->ctx, buf);
		return ret;
	}
	buf[size] = '\0';
	*out = buf;
	return 0;
}

/* The kept kallsyms text and its table, freed. */
static void drop_ksyms(struct vls_tdhead *h, vls_ctx *ctx)
{
	__vls_free(ctx, h->ksyms);
	__vls_free(ctx, h->ksyms_tab);
	h->ksyms = NULL;
	h->ksyms_tab = NULL;
	h->ksyms_ntab = 0;
	h->ksyms_tab_of = NULL;
}

/* h keeps the kallsyms text of len bytes and its parsed table. */
static void keep_ksyms(struct vls_tdhead *h, vls_ctx *ctx, char *text, size_t len,
		       struct vls_tdsym *tab, size_t ntab)
{
	drop_ksyms(h, ctx);
	h->ksyms = text;
	h->ksyms_len = len;
	h->ksyms_tab = tab;
	h->ksyms_ntab = ntab;
	h->ksyms_tab_of = text;
}

/*
 * A text libtracecmd gives libtraceevent, at *off: its size (n bytes),
 * then the text, checked for what libtraceevent trusts of it
 * (reader-tracedat-text.c), or handed to f->fn. *off moves past it. The
 * saved cmdlines are not checked (tep_parse_saved_cmdlines() stops at
 * the first line it cannot read).
 */
static int check_text(struct tdfile *f, uint64_t *off, size_t n, enum vls_tdtext kind,
		      const char *system, const char *what)
{
	uint64_t size, at;
	char *text, why[256];
	bool ok = true;
	int ret = rd_num(f, off, n, &size, what);

	if (!ret && !f->fn && kind == VLS_TDTEXT_CMDLINES) {
		if (size > f->size - *off)
			return bad(f, what, *off);
		*off += size;
		return 0;
	}
	if (!ret && f->fn && kind == VLS_TDTEXT_KALLSYMS && f->h->ksyms &&
	    size == f->h->ksyms_len) {
		text = f->h->ksyms;     /* the one the check kept */
		f->h->ksyms = NULL;
	} else if (!ret && !f->fn && kind == VLS_TDTEXT_KALLSYMS && f->take &&
		   *f->take == f->mem) {
		/* the decompressed section's own buffer, the text moved to its
		 * start: 5 MB not copied into pages touched for the first time */
		if (size > TEXT_MAX || *off > f->size || size > f->size - *off)
			return bad(f, what, *off);
		text = (char *)*f->take;
		*f->take = NULL;
		memmove(text, text + *off, (size_t)size);
		text[size] = '\0';
	} else if (!ret) {
		ret = load(f, *off, size, what, &text);
	}
	if (ret)
		return ret;
	at = *off;
	if (f->fn) {
		*off += size;
		return f->fn(f->fn_data, kind, system, text, (size_t)size);
	}
	switch (kind) {
	case VLS_TDTEXT_HEADER_PAGE:
		ok = __vls_td_check_header_page(text, size, f->page_size, why,
						sizeof(why));
		break;
	case VLS_TDTEXT_FORMAT:
		ok = __vls_td_check_format(text, size, system, why, sizeof(why));
		break;
	case VLS_TDTEXT_KALLSYMS: {
		/* parsed as it is checked, the table kept for
		 * __vls_tdtep_build() with the text */
		struct vls_tdsym *tab;
		size_t ntab, line = 0;

		ret = __vls_tdsyms_parse(f->r->ctx, text, (size_t)size, &tab, &ntab, &line);
		if (ret == VLS_EPARSE || ret == VLS_ELIMIT) {
			snprintf(why, sizeof(why), ret == VLS_EPARSE ?
				 "kallsyms line %zu is not of the kernel's shape" :
				 "kallsyms larger than 4 GB", line);
			ok = false;
		} else if (ret) {
			__vls_free(f->r->ctx, text);
			return ret;
		} else {
			keep_ksyms(f->h, f->r->ctx, text, (size_t)size, tab, ntab);
			text = NULL;
		}
		break;
	}
	case VLS_TDTEXT_PRINTK:
		ok = __vls_td_check_printk(text, size, why, sizeof(why));
		break;
	case VLS_TDTEXT_CMDLINES:
		break;
	}
	__vls_free(f->r->ctx, text);
	if (!ok)
		return bad(f, why, at);
	*off += size;
	return 0;
}

/* "header_page\0", its size and format, "header_event\0", its size and
 * text (which libtracecmd reads and drops). */
static int check_header_info(struct tdfile *f, uint64_t *off)
{
	char tag[16];
	int ret;

	if (rd(f, *off, tag, 12, "header_page") || memcmp(tag, "header_page", 12))
		return bad(f, "no header_page", *off);
	*off += 12;
	ret = check_text(f, off, 8, VLS_TDTEXT_HEADER_PAGE, NULL, "header_page");
	if (!ret && (rd(f, *off, tag, 13, "header_event") ||
		     memcmp(tag, "header_event", 13)))
		ret = bad(f, "no header_event", *off);
	*off += 13;
	return ret ? ret : skip_sized(f, off, 8, "header_event");
}

/* The ftrace formats: a count, then (size, format) each. */
static int check_ftrace_formats(struct tdfile *f, uint64_t *off)
{
	uint64_t n;
	int ret = rd_num(f, off, 4, &n, "ftrace formats");

	if (!ret && n > FORMATS_MAX)
		ret = bad(f, "ftrace formats", *off);
	for (uint64_t i = 0; !ret && i < n; i++)
		ret = check_text(f, off, 8, VLS_TDTEXT_FORMAT, "ftrace", "ftrace format");
	return ret;
}

/* The event formats: a count of systems, then per system its name, a
 * count and (size, format) each. */
static int check_event_formats(struct tdfile *f, uint64_t *off)
{
	char name[NAME_MAX_LEN];
	uint64_t n, m;
	int ret = rd_num(f, off, 4, &n, "event systems");

	if (!ret && n > SYSTEMS_MAX)
		ret = bad(f, "event systems", *off);
	for (uint64_t i = 0; !ret && i < n; i++) {
		ret = rd_str(f, off, name, sizeof(name), "system name");
		if (!ret)
			ret = rd_num(f, off, 4, &m, "event formats");
		if (!ret && m > FORMATS_MAX)
			ret = bad(f, "event formats", *off);
		for (uint64_t j = 0; !ret && j < m; j++)
			ret = check_text(f, off, 8, VLS_TDTEXT_FORMAT, name, "event format");
	}
	return ret;
}

/*
 * A v7 kallsyms section decompressed and parsed on a thread of its own
 * while the check goes on with the rest of the file: the section's 5 MB
 * and the walk of the CPU data's chunk headers (one page touched for
 * each, 17.8 k of them in long.v7.dat) were two thirds of an import's
 * start, on the one thread running then (docs/benchmark.md, sixteenth
 * session). The thread has a context and a header of its own; what it
 * makes goes to the file's header when it is joined, and its error wins
 * over any found after the section in the file, as it would have if
 * the section had been checked first.
 */
struct ksyms_job {
	pthread_t thread;
	vls_ctx ctx;             /* the reader's, logging nothing */
	struct vls_reader r;     /* its ctx and path */
	struct vls_tdhead h;     /* the kallsyms kept */
	struct tdfile f;         /* the file, read from z only */
	unsigned char *z;
	uint64_t zsize, usize, soff;
	int ret;
};

static void *ksyms_main(void *arg)
{
	struct ksyms_job *j = arg;
	struct tdfile v = j->f;
	unsigned char *d = __vls_malloc(&j->ctx, j->usize + 1);
	uint64_t at = 0;
	size_t n;

	if (!d) {
		j->ret = __vls_error(&j->ctx, VLS_ENOMEM, "out of memory");
		return NULL;
	}
	n = ZSTD_decompress(d, j->usize, j->z, j->zsize);
	if (ZSTD_isError(n) || n != j->usize) {
		j->ret = bad(&j->f, "metadata section that does not decompress", j->soff);
	} else {
		v.mem = d;
		v.take = &d;
		v.size = j->usize;
		v.sect = j->soff;
		j->ret = check_text(&v, &at, 4, VLS_TDTEXT_KALLSYMS, NULL, "kallsyms");
	}
	__vls_free(&j->ctx, d);
	return NULL;
}

/* The running job's end: its kallsyms into f's header, or its error. */
static int ksyms_join(struct tdfile *f)
{
	struct ksyms_job *j = f->ksyms;
	vls_ctx *ctx = f->r->ctx;
	int ret;

	if (!j)
		return 0;
	f->ksyms = NULL;
	pthread_join(j->thread, NULL);
	ret = j->ret;
	if (ret) {
		__vls_error(ctx, ret, "%s", vls_ctx_errmsg(&j->ctx));
		drop_ksyms(&j->h, ctx);
	} else if (j->h.ksyms) {
		keep_ksyms(f->h, ctx, j->h.ksyms, j->h.ksyms_len, j->h.ksyms_tab,
			   j->h.ksyms_ntab);
	}
	__vls_free(ctx, j->z);
	__vls_free(ctx, j);
	return ret;
}

/* The kallsyms section's zsize compressed bytes (z, taken) to a job: 1
 * when it runs, 0 when no thread may or could be made (z not taken). */
static int ksyms_start(struct tdfile *f, unsigned char *z, uint64_t zsize,
		       uint64_t usize, uint64_t soff)
{
	vls_ctx *ctx = f->r->ctx;
	struct ksyms_job *j;

	if (!__vls_ctx_may_thread(ctx) || !(j = __vls_calloc(ctx, 1, sizeof(*j))))
		return 0;
	j->ctx = *ctx;
	j->ctx.log_fn = NULL;
	j->r.ctx = &j->ctx;
	j->r.path = f->r->path;
	j->f = *f;
	j->f.r = &j->r;
	j->f.h = &j->h;
	j->f.ksyms = NULL;
	j->z = z;
	j->zsize = zsize;
	j->usize = usize;
	j->soff = soff;
	if (pthread_create(&j->thread, NULL, ksyms_main, j)) {
		__vls_free(ctx, j);
		return 0;
	}
	f->ksyms = j;
	return 1;
}

/*
 * v7: the metadata section (the header formats, the ftrace or event
 * formats, kallsyms, printk formats, saved cmdlines) at soff, read
 * (decompressed if need be) and checked as the same part of a v6 file, or
 * its texts handed to f->fn.
 */
static int read_section(struct tdfile *f, unsigned id, uint64_t soff)
{
	vls_ctx *ctx = f->r->ctx;
	uint64_t at = soff, sid, flags, strid, size, zsize = 0, usize = 0;
	unsigned char *z = NULL, *d = NULL;
	struct tdfile v;
	size_t n;
	int ret;

	ret = rd_num(f, &at, 2, &sid, "section id");
	if (!ret)
		ret = rd_num(f, &at, 2, &flags, "section flags");
	if (!ret)
		ret = rd_num(f, &at, 4, &strid, "section name");
	if (!ret)
		ret = rd_num(f, &at, 8, &size, "section size");
	if (ret)
		return ret;
	if (sid != id || size > f->size - at)
		return bad(f, "metadata section", soff);
	if (flags & 1) {
		if (strcmp(f->h->compression, "zstd")) {
			if (f->fn)
				return bad(f, "metadata not compressed with zstd", soff);
			/* only libtracecmd can look */
			f->h->own_head_no = "metadata compressed other than with zstd";
			return 0;
		}
		if (size < 8 || rd_num(f, &at, 4, &zsize, "section") ||
		    rd_num(f, &at, 4, &usize, "section") || zsize > size - 8 ||
		    usize > TEXT_MAX)
			return bad(f, "compressed metadata section", soff);
	} else if (size > TEXT_MAX) {
		return bad(f, "metadata section larger than 256 MB", soff);
	}
	if (flags & 1) {
		if (!(z = __vls_malloc(ctx, zsize + 1)))
			return __vls_error(ctx, VLS_ENOMEM, "out of memory");
		ret = rd(f, at, z, zsize, "compressed metadata section");
	}
	/* a second kallsyms section replaces the first, as checked in turn */
	if (!ret && id == OPT_KALLSYMS && !f->fn)
		ret = ksyms_join(f);
	if (!ret && flags & 1 && id == OPT_KALLSYMS && !f->fn &&
	    ksyms_start(f, z, zsize, usize, soff))
		return 0;
	if (!ret && !(d = __vls_malloc(ctx, (flags & 1 ? usize : size) + 1)))
		ret = __vls_error(ctx, VLS_ENOMEM, "out of memory");
	if (!ret && !(flags & 1))
		ret = rd(f, at, d, size, "metadata section");
	if (!ret && flags & 1) {
		n = ZSTD_decompress(d, usize, z, zsize);
		if (ZSTD_isError(n) || n != usize)
			ret = bad(f, "metadata section that does not decompress", soff);
		size = usize;
	}
	v = *f;
	v.mem = d;
	v.take = &d;
	v.size = size;
	v.sect = soff;
	at = 0;
	if (!ret && id == OPT_HEADER_INFO)
		ret = check_header_info(&v, &at);
	else if (!ret && id == OPT_FTRACE_EVENTS)
		ret = check_ftrace_formats(&v, &at);
	else if (!ret && id == OPT_EVENT_FORMATS)
		ret = check_event_formats(&v, &at);
	else if (!ret && id == OPT_KALLSYMS)
		ret = check_text(&v, &at, 4, VLS_TDTEXT_KALLSYMS, NULL, "kallsyms");
	else if (!ret && id == OPT_PRINTK)
		ret = check_text(&v, &at, 4, VLS_TDTEXT_PRINTK, NULL, "printk formats");
	else if (!ret)
		ret = check_text(&v, &at, 8, VLS_TDTEXT_CMDLINES, NULL, "saved cmdlines");
	__vls_free(ctx, z);
	__vls_free(ctx, d);
	return ret;
}

/*
 * v7: an option holding the offset of a metadata section. The section is
 * noted for __vls_tdhead_texts() as libtracecmd's section_add_or_update()
 * notes it, and checked (the saved cmdlines are read only then).
 */
static int check_section(struct tdfile *f, unsigned id, uint64_t off, uint64_t len)
{
	struct vls_tdhead *h = f->h;
	unsigned k = id - VLS_TDSECT_FIRST;
	uint64_t soff;
	size_t i;
	int ret;

	if (len != 8)
		return bad(f, "section offset option", off);
	ret = rd_num(f, &off, 8, &soff, "section offset");
	if (ret)
		return ret;
	for (i = 0; i < h->nsect && h->sect_order[i] != k; i++)
		;
	if (i == h->nsect)
		h->sect_order[h->nsect++] = (unsigned char)k;
	if (soff)       /* as section_add_or_update() does */
		h->sect_off[k] = soff;
	return id == OPT_CMDLINES ? 0 : read_section(f, id, soff);
}

/* "cpu<N>.lost" counts what the ring buffer dropped: overwritten events
 * (overrun), events lost while committing (commit overrun) and events
 * refused when full in non-overwrite mode (dropped events). */
static int parse_cpustat(struct tdfile *f, const char *text)
{
	static const char *const keys[] = { "overrun: ", "commit overrun: ",
					    "dropped events: " };
	const char *p = strstr(text, "Buffer: ");
	struct cpustat *s;
	size_t cap = f->stats_cap;
	int ret;

	if (p && !strstr(text, "CPU:")) {
		/* trace-cmd separates the stats of each instance this way */
		p += strlen("Buffer: ");
		snprintf(f->stat_buffer, sizeof(f->stat_buffer), "%.*s",
			 (int)strcspn(p, "\n"), p);
		return 0;
	}
	p = strstr(text, "CPU: ");
	if (!p)
		return 0;
	ret = __vls_grow(f->r->ctx, (void **)&f->stats, &cap, f->nstats + 1,
			 sizeof(*f->stats), STATS_MAX);
	if (ret)
		return ret;
	f->stats_cap = cap;
	s = &f->stats[f->nstats++];
	memset(s, 0, sizeof(*s));
	memcpy(s->buffer, f->stat_buffer, sizeof(s->buffer));
	s->cpu = (uint32_t)strtoul(p + 5, NULL, 10);
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		const char *k = text;

		/* "overrun: " also ends "commit overrun: ": match at line starts */
		while ((k = strstr(k, keys[i])) && k != text && k[-1] != '\n')
			k++;
		if (k)
			s->lost += strtoull(k + strlen(keys[i]), NULL, 10);
	}
	return 0;
}

static int add_buffer(struct tdfile *f, const char *name)
{
	size_t cap = f->bufs_cap;
	int ret;

	if (!*name) {
		f->top_has_data = true;
		return 0;
	}
	ret = __vls_grow(f->r->ctx, (void **)&f->bufs, &cap, f->nbufs + 1,
			 sizeof(*f->bufs), BUFFERS_MAX);
	if (ret)
		return ret;
	f->bufs_cap = cap;
	snprintf(f->bufs[f->nbufs++], NAME_MAX_LEN, "%s", name);
	return 0;
}

size_t __vls_td_bad_page(const unsigned char *buf, size_t n, uint32_t page_size,
			 int long_size, bool big_endian)
{
	size_t hdr = 8 + (size_t)long_size;
	uint64_t commit;

	for (size_t p = 0; page_size && p + hdr <= n; p += page_size) {
		commit = 0;
		memcpy(&commit, buf + p + 8, (size_t)long_size);
		if (big_endian)       /* x86 and arm64 hosts are little endian */
			commit = long_size == 8 ? __builtin_bswap64(commit)
						: __builtin_bswap32((uint32_t)commit);
		if ((commit & PAGE_COMMIT_MASK) > page_size - hdr)
			return p;
	}
	return SIZE_MAX;
}

/* Bytes of pages check_pages() reads at a time. */
#define PAGES_BLOCK (1u << 20)

/*
 * Uncompressed CPU data is a run of ring-buffer pages, each starting with a
 * timestamp and a commit word whose size bits must fit the page. A page
 * that says otherwise makes libtracecmd 1.3.1 fail in the middle of
 * tracecmd_buffer_instance_handle(), whose error path then crashes in
 * tracecmd_close() (found with a v6 file whose first page claims a
 * commit of 0xffffffffffff): refuse the file before libtracecmd sees it.
 * reader-tracedat-data.c makes the same check as it reads the pages, so
 * kept CPU data is checked here only when libtracecmd is to read it
 * (__vls_tdhead_check_pages()): a second pass over a long trace's pages
 * took 177 k reads of 8 bytes, half a second before the import began.
 */
static int check_pages(struct tdfile *f, uint64_t doff, uint64_t dsize)
{
	uint64_t hdr = 8 + f->long_size, end = doff + dsize, n;
	size_t block = PAGES_BLOCK > f->page_size ? PAGES_BLOCK : (size_t)f->page_size;
	size_t at_bad;
	unsigned char *buf;
	int ret = 0;

	if (strcmp(f->h->compression, "none") || !f->page_size || dsize < hdr)
		return 0;       /* compressed chunks: only libtracecmd can look */
	if (dsize < block)
		block = (size_t)dsize;
	buf = __vls_malloc(f->r->ctx, block);
	if (!buf)
		return __vls_error(f->r->ctx, VLS_ENOMEM, "out of memory");
	for (uint64_t at = doff; !ret && at + hdr <= end; at += n) {
		n = end - at < block ? end - at : block;
		ret = rd(f, at, buf, (size_t)n, "page header");
		if (!ret && (at_bad = __vls_td_bad_page(buf, (size_t)n, (uint32_t)f->page_size,
							(int)f->long_size, f->big_endian)) != SIZE_MAX)
			ret = bad(f, "event page commit size larger than the page", at + at_bad);
	}
	__vls_free(f->r->ctx, buf);
	return ret;
}

/*
 * What libtracecmd reads of compressed CPU data as it opens a buffer: the
 * first chunk, decompressed, and its pages. They are checked here the same
 * way (zstd: the one compression Debian's libtracecmd reads) so that what
 * it would fail on is refused before its crashing error path (a fuzzer's
 * input: fuzz/regressions/v7-segv-e7cbb3148e.patch-*). A later chunk that
 * does not decompress is not looked at (that would decompress the whole
 * file twice): libtracecmd stops reading that CPU there, silently.
 */
static int check_first_chunk(struct tdfile *f, uint64_t hdr, uint64_t zsize,
			     uint64_t size)
{
	vls_ctx *ctx = f->r->ctx;
	unsigned char *z, *d;
	size_t n;
	int ret;

	if (strcmp(f->h->compression, "zstd"))
		return 0;
	if (zsize > CHUNK_MAX || size > CHUNK_MAX)
		return bad(f, "compressed chunk larger than 64 MB", hdr);
	z = __vls_malloc(ctx, zsize);
	d = __vls_malloc(ctx, size);
	ret = z && d ? rd(f, hdr + 8, z, zsize, "compressed chunk")
		     : __vls_error(ctx, VLS_ENOMEM, "out of memory");
	if (!ret) {
		n = ZSTD_decompress(d, size, z, zsize);
		if (ZSTD_isError(n) || n != size)
			ret = bad(f, "compressed chunk that does not decompress", hdr);
	}
	if (!ret && __vls_td_bad_page(d, size, (uint32_t)f->page_size, (int)f->long_size,
				      f->big_endian) != SIZE_MAX)
		ret = bad(f, "event page commit size larger than the page "
			  "(in compressed chunk)", hdr);
	__vls_free(ctx, z);
	__vls_free(ctx, d);
	return ret;
}

/*
 * Compressed CPU data (v7) is a chunk count, then per chunk its compressed
 * and uncompressed sizes (4 bytes each) and the compressed bytes: what
 * libtracecmd's tracecmd_load_chunks_info() walks when a buffer is opened.
 * A table that runs past the CPU's data, or an empty chunk, makes that
 * opening fail halfway, in the same crashing error path: refuse it here.
 */
static int check_chunks(struct tdfile *f, uint64_t doff, uint64_t dsize)
{
	/* trace-cmd 3.1 gives the size without the count's 4 bytes */
	uint64_t at = doff, end = doff + dsize + 4, count, zsize, size;
	int ret;

	if (end > f->size)
		end = f->size;
	if (!strcmp(f->h->compression, "none") || !dsize)
		return 0;
	if (dsize < 4)
		return bad(f, "compressed CPU data shorter than its chunk count", doff);
	if ((ret = rd_num(f, &at, 4, &count, "chunk count")))
		return ret;
	if (count > (end - at) / 8)
		return bad(f, "compressed chunk count larger than the CPU data", doff);
	for (uint64_t i = 0; i < count; i++) {
		uint64_t hdr = at;
		uint32_t sizes[2];

		/* both sizes in one read (a v7 trace of 130 MB has 17.8 k
		 * chunks); one by one where that fails, to say which */
		if (hdr <= end && end - hdr >= sizeof(sizes) && !f->mem &&
		    pread(f->fd, sizes, sizeof(sizes), (off_t)hdr) == sizeof(sizes)) {
			zsize = fix(f, sizes[0], 4);
			size = fix(f, sizes[1], 4);
			at += sizeof(sizes);
		} else if ((ret = rd_num(f, &at, 4, &zsize, "chunk size")) ||
			   (ret = rd_num(f, &at, 4, &size, "chunk size"))) {
			return ret;
		}
		if (zsize > end - at)
			return bad(f, "compressed chunk past the end of its CPU data", hdr);
		if (!zsize || !size)
			return bad(f, "empty compressed chunk", hdr);
		f->h->data_bytes += size;
		/* libtracecmd's pages straddle such chunks */
		if (size % f->page_size)
			own_data_no(f, "compressed chunk that is not a whole number of pages");
		if (!i && (ret = check_first_chunk(f, hdr, zsize, size)))
			return ret;
		at += zsize;
		if (i + 1 < count && end - at < 8)
			return bad(f, "compressed chunk header past the end of its CPU data", at);
	}
	return 0;
}

/* The CPU data to come goes to a new instance buffer (or the top one). */
static int start_buffer(struct tdfile *f, bool top, bool compressed)
{
	struct vls_tdhead *h = f->h;
	size_t cap = h->nbufs;
	int ret;

	if (top) {
		f->cur_buf = 0;
	} else {
		ret = __vls_grow(f->r->ctx, (void **)&h->bufs, &cap, h->nbufs + 1,
				 sizeof(*h->bufs), BUFFERS_MAX + 1);
		if (ret)
			return ret;
		memset(&h->bufs[h->nbufs], 0, sizeof(*h->bufs));
		f->cur_buf = (long)h->nbufs++;
	}
	h->bufs[f->cur_buf].compressed = compressed;
	return 0;
}

/* Keep one CPU's data for the buffer being read. What is not kept is only
 * libtracecmd's to read: its pages are checked now. */
static int keep_cpu(struct tdfile *f, uint32_t cpu, uint64_t doff, uint64_t dsize)
{
	struct vls_tdbuf *b;
	size_t cap;
	int ret;

	if (f->cur_buf < 0)
		return check_pages(f, doff, dsize);
	if (++f->kept_cpus > KEPT_CPUS_MAX) {
		own_data_no(f, "more than 4096 CPU data sections");
		return check_pages(f, doff, dsize);
	}
	b = &f->h->bufs[f->cur_buf];
	cap = b->ncpus;
	ret = __vls_grow(f->r->ctx, (void **)&b->cpus, &cap, b->ncpus + 1,
			 sizeof(*b->cpus), KEPT_CPUS_MAX);
	if (ret)
		return ret;
	b->cpus[b->ncpus++] = (struct vls_tdcpu){ cpu, doff, dsize };
	/* libtracecmd reads a last partial page past the CPU's data */
	if (!b->compressed && dsize % f->page_size)
		own_data_no(f, "CPU data that is not a whole number of pages");
	return 0;
}

/* ncpus CPU data (offset, size) pairs at *off must lie inside the file;
 * they are kept for the buffer start_buffer() began (if any). */
static int check_cpu_data(struct tdfile *f, uint64_t *off, uint64_t ncpus,
			  bool with_id)
{
	uint64_t id = 0, doff, dsize;
	int ret;

	if (ncpus > CPUS_MAX)
		return bad(f, "CPU count", *off);
	for (uint64_t i = 0; i < ncpus; i++) {
		ret = with_id ? rd_num(f, off, 4, &id, "CPU id") : 0;
		if (!ret)
			ret = rd_num(f, off, 8, &doff, "CPU data offset");
		if (!ret)
			ret = rd_num(f, off, 8, &dsize, "CPU data size");
		if (ret)
			return ret;
		/* libtracecmd indexes per-CPU state by this id */
		if (with_id && id >= CPUS_MAX)
			return bad(f, "CPU id", *off - 20);
		if (doff > f->size || dsize > f->size - doff)
			return bad(f, "CPU data beyond the end of the file", doff);
		if (!strcmp(f->h->compression, "none"))
			f->h->data_bytes += dsize;
		ret = check_chunks(f, doff, dsize);
		if (!ret)
			ret = keep_cpu(f, with_id ? (uint32_t)id : (uint32_t)i, doff, dsize);
		if (ret)
			return ret;
	}
	f->cur_buf = -1;
	return 0;
}

/*
 * Whether the BUFFER FLYRECORD section at off is compressed (its flags):
 * what libtracecmd goes by. The CPU data walk above goes by the file's
 * compression instead: a file where they differ is left to libtracecmd.
 */
static int section_compressed(struct tdfile *f, uint64_t off, bool *out)
{
	uint64_t id, flags;
	int ret;

	*out = false;
	if (off > f->size || f->size - off < 4) {
		own_data_no(f, "a BUFFER option pointing past the file");
		return 0;
	}
	ret = rd_num(f, &off, 2, &id, "buffer section");
	if (!ret)
		ret = rd_num(f, &off, 2, &flags, "buffer section");
	if (ret)
		return ret;
	*out = flags & 1;
	if (*out != (strcmp(f->h->compression, "none") != 0))
		own_data_no(f, "a buffer compressed unlike the file says");
	else if (*out && strcmp(f->h->compression, "zstd"))
		own_data_no(f, "a compression other than zstd");
	return 0;
}

/* v7 BUFFER: offset, name, clock, [page size,] CPU count, per CPU (id,
 * offset, size). trace-cmd 3.1 writes the page size, the v7 format text
 * does not list it: tell them apart by the length. */
static int parse_buffer_v7(struct tdfile *f, uint64_t off, uint64_t len)
{
	uint64_t end = off + len, a, b, ncpus, rest, boff;
	char name[NAME_MAX_LEN], clock[64];
	bool compressed;
	int ret;

	ret = rd_num(f, &off, 8, &boff, "BUFFER option");
	if (!ret)
		ret = rd_str(f, &off, name, sizeof(name), "buffer name");
	if (!ret)
		ret = rd_str(f, &off, clock, sizeof(clock), "buffer clock");
	if (!ret && (off > end || end - off < 8))
		ret = bad(f, "BUFFER option", off);
	if (ret)
		return ret;
	rest = end - off;
	if (rd_num(f, &off, 4, &a, "BUFFER option") || rd_num(f, &off, 4, &b, "BUFFER option"))
		return bad(f, "BUFFER option", off);
	if (b <= CPUS_MAX && rest == 8 + b * 20) {
		ncpus = b;
		if (ncpus && a != f->page_size)
			own_data_no(f, "a buffer page size other than the file's");
	} else if (a <= CPUS_MAX && rest == 4 + a * 20) {
		ncpus = a;
		off -= 4;
	} else {
		return bad(f, "BUFFER option CPU count", off);
	}
	if (!*name && ++f->v7_tops > 1)
		own_data_no(f, "two BUFFER options for the top buffer");
	if (!ncpus)
		return 0;
	snprintf(f->clock, sizeof(f->clock), "%s", clock);
	ret = section_compressed(f, boff, &compressed);
	if (!ret)
		ret = start_buffer(f, !*name, compressed);
	if (!ret)
		ret = check_cpu_data(f, &off, ncpus, true);
	return ret ? ret : add_buffer(f, name);
}

/* v6 BUFFER: offset of the instance's "flyrecord\0" and (offset, size)
 * pairs for the header's CPU count, then its name. */
static int parse_buffer_v6(struct tdfile *f, uint64_t off, uint64_t len)
{
	uint64_t doff;
	char name[NAME_MAX_LEN], tag[10];
	int ret = rd_num(f, &off, 8, &doff, "BUFFER option");

	if (!ret)
		ret = rd_str(f, &off, name, sizeof(name), "buffer name");
	if (!ret && (rd(f, doff, tag, sizeof(tag), "buffer data") ||
		     memcmp(tag, "flyrecord", sizeof(tag))))
		ret = bad(f, "buffer data tag", doff);
	doff += sizeof(tag);
	/* libtracecmd counts an unnamed one as no instance */
	if (!ret && !*name)
		own_data_no(f, "a v6 BUFFER option for the top buffer");
	else if (!ret)
		ret = start_buffer(f, false, false);
	if (!ret && f->h->header_cpus > 0)
		ret = check_cpu_data(f, &doff, (uint64_t)f->h->header_cpus, false);
	f->cur_buf = -1;
	return ret ? ret : add_buffer(f, name);
}

/* "Linux vm 6.18.44-fc-v769 x86_64": trace-cmd writes sysname, nodename,
 * release and machine, separated by spaces. */
static int parse_uname(struct tdfile *f, const char *text)
{
	char words[4][128] = { { 0 } };
	vls_ctx *ctx = f->r->ctx;
	struct vls_meta *m = &f->r->meta;
	int n = sscanf(text, "%127s %127s %127s %127s", words[0], words[1],
		       words[2], words[3]);
	int ret = __vls_meta_set(ctx, m, "uname", text);

	if (!ret && n >= 3)
		ret = __vls_meta_set(ctx, m, "kernel", words[2]);
	if (!ret && n >= 4)
		ret = __vls_meta_set(ctx, m, "arch", words[3]);
	return ret;
}

/* "[local] global counter ...": the selected clock is in brackets. */
static void parse_clock(struct tdfile *f, const char *text)
{
	const char *b = strchr(text, '[');
	size_t n = b ? strcspn(b + 1, "]") : 0;

	if (b && b[1 + n] == ']' && !f->clock[0])
		snprintf(f->clock, sizeof(f->clock), "%.*s", (int)n, b + 1);
}

static int handle_option(struct tdfile *f, unsigned id, uint64_t off, uint64_t len)
{
	char *text = NULL, why[64];
	uint64_t v = 0;
	int ret = 0;

	if (id == OPT_BUFFER)
		return f->h->version >= 7 ? parse_buffer_v7(f, off, len)
					  : parse_buffer_v6(f, off, len);
	if (id == OPT_CPUCOUNT) {
		/* libtracecmd sizes its per-CPU arrays by this count and walks
		 * them for every record: 2^24 (one flipped bit, found by
		 * fuzz_tracedat) took 55 s and 800 MB for 1777 events */
		ret = len == 4 ? rd_num(f, &off, 4, &v, "CPUCOUNT") : bad(f, "CPUCOUNT", off);
		if (!ret && v > CPUS_MAX)
			ret = bad(f, "CPUCOUNT", off - 4);
		f->h->cpucount = ret ? -1 : (int)v;
		return ret;
	}
	if (id >= OPT_HEADER_INFO && id <= OPT_CMDLINES)
		return f->h->version >= 7 ? check_section(f, id, off, len) : 0;
	/* what libtracecmd's timestamp_calc() adds, and latency text */
	if (id == OPT_DATE || id == OPT_OFFSET)
		own_data_no(f, "a DATE or OFFSET option (shifted timestamps)");
	if (id == OPT_TIME_SHIFT || id == OPT_TSC2NSEC)
		own_data_no(f, "a TIME_SHIFT or TSC2NSEC option (converted timestamps)");
	if (id == OPT_TSC2NSEC)
		f->tsc2nsec = true;
	if (id == OPT_BUFFER_TEXT)
		own_data_no(f, "a latency buffer");
	if (id != OPT_CPUSTAT && id != OPT_TRACECLOCK && id != OPT_UNAME &&
	    id != OPT_VERSION)
		return 0;
	if (len > OPT_DATA_MAX)
		return bad(f, "option too long", off);
	text = __vls_malloc(f->r->ctx, (size_t)len + 1);
	if (!text)
		return __vls_error(f->r->ctx, VLS_ENOMEM, "out of memory");
	ret = rd(f, off, text, (size_t)len, "option");
	/* libtracecmd strdup()s these where they lie: without their NUL it
	 * reads past its buffer (ASan: heap-buffer-overflow in strdup) */
	if (!ret && (id == OPT_UNAME || id == OPT_VERSION) && (!len || text[len - 1])) {
		snprintf(why, sizeof(why), "%s option without a terminating NUL",
			 id == OPT_UNAME ? "UNAME" : "VERSION");
		ret = bad(f, why, off);
	}
	text[len] = '\0';
	if (!ret && id == OPT_CPUSTAT)
		ret = parse_cpustat(f, text);
	else if (!ret && id == OPT_TRACECLOCK)
		parse_clock(f, text);
	else if (!ret && id == OPT_UNAME)
		ret = parse_uname(f, text);
	else if (!ret && id == OPT_VERSION)
		ret = __vls_meta_set(f->r->ctx, &f->r->meta, "tracedat.tracecmd_version",
				     text);
	__vls_free(f->r->ctx, text);
	return ret;
}

/*
 * Options from *off: (id, size, data) until DONE. v7: DONE carries the
 * offset of the next options section (*next, 0 if none) and the walk must
 * stay inside the section [*off, end). v6: DONE is a bare id 0.
 */
static int walk_options(struct tdfile *f, uint64_t *off, uint64_t end,
			uint64_t *next, size_t *count)
{
	uint64_t id, len;
	int ret;

	for (;;) {
		if (++*count > OPTS_MAX)
			return bad(f, "too many options", *off);
		ret = rd_num(f, off, 2, &id, "option id");
		if (ret)
			return ret;
		if (id == OPT_DONE && f->h->version < 7)
			return 0;
		ret = rd_num(f, off, 4, &len, "option size");
		if (ret)
			return ret;
		if (len > f->size - *off || *off + len > end)
			return bad(f, "option beyond its section", *off);
		if (id == OPT_DONE)
			return len == 8 ? rd_num(f, off, 8, next, "options chain")
					: bad(f, "DONE option", *off);
		ret = handle_option(f, (unsigned)id, *off, len);
		if (ret)
			return ret;
		*off += len;
	}
}

/* v7: a chain of "options" sections (id 0), each with a 16-byte header. */
static int walk_v7(struct tdfile *f, uint64_t off)
{
	uint64_t sid, flags, strid, size, next = 0, prev = 0;
	size_t count = 0;
	int ret;

	for (int n = 0; off; n++) {
		if (n >= OPT_SECTIONS_MAX || off <= prev)
			return bad(f, "options section chain", off);
		prev = off;
		ret = rd_num(f, &off, 2, &sid, "section id");
		if (!ret)
			ret = rd_num(f, &off, 2, &flags, "section flags");
		if (!ret)
			ret = rd_num(f, &off, 4, &strid, "section name");
		if (!ret)
			ret = rd_num(f, &off, 8, &size, "section size");
		if (ret)
			return ret;
		if (sid != 0 || size > f->size - off)
			return bad(f, "options section", prev);
		if (flags & 1) {
			/* trace-cmd never compresses options; a file that does
			 * still reads, without this metadata */
			__vls_log(f->r->ctx, VLS_LOG_WARN, "%s: compressed options "
				  "section: no metadata", f->r->path);
			f->h->own_head_no = "a compressed options section";
			return 0;
		}
		next = 0;
		ret = walk_options(f, &off, off + size, &next, &count);
		if (ret)
			return ret;
		off = next;
	}
	return 0;
}

/* v6: header_page, header_event, ftrace and event formats, kallsyms,
 * printk formats, saved cmdlines from *off, checked or handed to f->fn. */
static int walk_v6_meta(struct tdfile *f, uint64_t *off)
{
	int ret = check_header_info(f, off);

	if (!ret)
		ret = check_ftrace_formats(f, off);
	if (!ret)
		ret = check_event_formats(f, off);
	if (!ret)
		ret = check_text(f, off, 4, VLS_TDTEXT_KALLSYMS, NULL, "kallsyms");
	if (!ret)
		ret = check_text(f, off, 4, VLS_TDTEXT_PRINTK, NULL, "printk formats");
	if (!ret)
		ret = check_text(f, off, 8, VLS_TDTEXT_CMDLINES, NULL, "saved cmdlines");
	return ret;
}

/* v6: the metadata, CPU count, then options, then the top instance's CPU
 * data table. */
static int walk_v6(struct tdfile *f, uint64_t off)
{
	char tag[16];
	uint64_t cpus, next = 0;
	size_t count = 0;
	int ret;

	f->h->meta_off = off;
	ret = walk_v6_meta(f, &off);
	if (!ret)
		ret = rd_num(f, &off, 4, &cpus, "CPU count");
	if (ret)
		return ret;
	if (cpus > CPUS_MAX)
		return bad(f, "CPU count", off);
	f->h->header_cpus = (int)cpus;
	if (rd(f, off, tag, 10, "options or data tag"))
		return bad(f, "options or data tag", off);
	if (!memcmp(tag, "options  ", 10)) {
		off += 10;
		ret = walk_options(f, &off, f->size, &next, &count);
		if (ret || rd(f, off, tag, 10, "data tag"))
			return ret ? ret : bad(f, "data tag", off);
	}
	off += 10;
	if (!memcmp(tag, "latency  ", 10)) {
		own_data_no(f, "latency data");
		return 0;
	}
	if (memcmp(tag, "flyrecord", 10))
		return bad(f, "unknown data tag", off - 10);
	/* the top instance's table; its data may be empty with -B */
	if (!f->nbufs)
		f->top_has_data = true;
	f->cur_buf = 0;
	return check_cpu_data(f, &off, cpus, false);
}

static bool counted(const struct tdfile *f, const char *buffer)
{
	if (!*buffer)
		return f->top_has_data;
	for (size_t i = 0; i < f->nbufs; i++)
		if (!strcmp(f->bufs[i], buffer))
			return true;
	return false;
}

/* Lost events of the buffers whose data the file holds, per CPU. */
static int set_lost(struct tdfile *f)
{
	uint64_t total = 0, per[256] = { 0 };
	uint32_t maxcpu = 0;
	bool any = false;
	char key[32];
	int ret = 0;

	for (size_t i = 0; i < f->nstats; i++) {
		const struct cpustat *s = &f->stats[i];

		if (!counted(f, s->buffer) || s->cpu >= 256)
			continue;
		per[s->cpu] += s->lost;
		total += s->lost;
		maxcpu = s->cpu > maxcpu ? s->cpu : maxcpu;
		any = true;
	}
	if (!any)
		return 0;
	for (uint32_t c = 0; !ret && c <= maxcpu; c++) {
		snprintf(key, sizeof(key), "cpu%u.lost", c);
		ret = __vls_meta_setf(f->r->ctx, &f->r->meta, key, "%" PRIu64, per[c]);
	}
	return ret ? ret : __vls_meta_setf(f->r->ctx, &f->r->meta, "lost_events",
					   "%" PRIu64, total);
}

static const unsigned char magic[] = { 0x17, 0x08, 0x44, 't', 'r', 'a', 'c', 'i',
				       'n', 'g' };

/* magic, "6\0" or "7\0", endianness, long size, page size [, v7 compression] */
static int read_header(struct tdfile *f, uint64_t *off)
{
	unsigned char b[16];
	char version[8], algo[32], algo_version[32];
	uint64_t page = 0;
	int ret;

	if (rd(f, 0, b, sizeof(magic), "magic") || memcmp(b, magic, sizeof(magic)))
		return bad(f, "no trace-cmd magic", 0);
	*off = sizeof(magic);
	if (rd_str(f, off, version, sizeof(version), "version"))
		return bad(f, "version", sizeof(magic));
	f->h->version = atoi(version);
	if (f->h->version != 6 && f->h->version != 7)
		return __vls_error(f->r->ctx, VLS_EVERSION, "%s: trace.dat version "
				   "\"%s\", only 6 and 7 are supported", f->r->path, version);
	ret = rd(f, *off, b, 2, "endianness");
	if (ret)
		return ret;
	if (b[0] > 1 || (b[1] != 4 && b[1] != 8))
		return bad(f, "endianness or long size", *off);
	f->big_endian = b[0] == 1;
	f->h->big_endian = f->big_endian;
	f->long_size = b[1];
	f->h->long_size = b[1];
	*off += 2;
	ret = rd_num(f, off, 4, &page, "page size");
	if (!ret && (page < 512 || page > (1u << 24) || (page & (page - 1))))
		ret = bad(f, "page size", *off - 4);
	f->page_size = page;
	f->h->page_size = (uint32_t)page;
	strcpy(f->h->compression, "none");
	if (ret || f->h->version < 7)
		return ret;
	ret = rd_str(f, off, algo, sizeof(algo), "compression name");
	if (!ret)
		ret = rd_str(f, off, algo_version, sizeof(algo_version),
			     "compression version");
	if (!ret)
		snprintf(f->h->compression, sizeof(f->h->compression), "%s", algo);
	return ret;
}

static int set_meta(struct tdfile *f)
{
	vls_ctx *ctx = f->r->ctx;
	struct vls_meta *m = &f->r->meta;
	int ret = __vls_meta_setf(ctx, m, "tracedat.version", "%d", f->h->version);

	if (!ret)
		ret = __vls_meta_set(ctx, m, "tracedat.compression", f->h->compression);
	if (!ret && f->clock[0])
		ret = __vls_meta_set(ctx, m, "trace_clock", f->clock);
	if (!ret && __vls_clock_counts(f->clock) && !f->tsc2nsec)
		ret = __vls_meta_set(ctx, m, VLS_META_TIMESTAMPS, VLS_TIMESTAMPS_COUNTS);
	return ret ? ret : set_lost(f);
}

/* Open f->r's file for f: its descriptor and size. */
static int file_open(struct tdfile *f)
{
	struct stat st;

	f->fd = open(f->r->path, O_RDONLY | O_CLOEXEC);
	if (f->fd < 0 || fstat(f->fd, &st) < 0)
		return __vls_error(f->r->ctx, VLS_EIO, "%s: %s", f->r->path, strerror(errno));
	f->size = (uint64_t)st.st_size;
	return 0;
}

int __vls_tdhead_read(struct vls_tdhead *h, vls_reader *r)
{
	struct tdfile f = { .r = r, .h = h, .fd = -1, .cur_buf = -1 };
	uint64_t off = 0, first;
	int ret;

	memset(h, 0, sizeof(*h));
	h->header_cpus = -1;
	h->cpucount = -1;
	h->bufs = __vls_calloc(r->ctx, 1, sizeof(*h->bufs));
	if (!h->bufs)
		return __vls_error(r->ctx, VLS_ENOMEM, "out of memory");
	h->nbufs = 1;
	if ((ret = file_open(&f)))
		goto out;
	ret = read_header(&f, &off);
	if (ret)
		goto out;
	if (h->version >= 7) {
		ret = rd_num(&f, &off, 8, &first, "first options offset");
		if (!ret)
			ret = walk_v7(&f, first);
	} else {
		ret = walk_v6(&f, off);
	}
	/* the section came first: its error is the one to give */
	if (f.ksyms) {
		int kret = ksyms_join(&f);

		if (kret)
			ret = kret;
	}
	if (!ret)
		ret = set_meta(&f);
	/* v6: libtracecmd reads as many CPU data pairs as CPUCOUNT says */
	if (h->version < 7 && h->cpucount >= 0 && h->cpucount != h->header_cpus)
		own_data_no(&f, "a CPUCOUNT option unlike the header's CPU count");
	if (ret || h->own_data_no || h->own_head_no)
		drop_ksyms(h, r->ctx);          /* libtracecmd's to parse */
out:
	if (f.fd >= 0)
		close(f.fd);
	__vls_free(r->ctx, f.stats);
	__vls_free(r->ctx, f.bufs);
	return ret;
}

/* The pages of the kept uncompressed CPU data, checked as check_pages()
 * says: before libtracecmd opens the file. */
int __vls_tdhead_check_pages(const struct vls_tdhead *h, vls_reader *r)
{
	struct vls_tdhead copy = *h;
	struct tdfile f = { .r = r, .h = &copy, .fd = -1, .cur_buf = -1,
			    .big_endian = h->big_endian, .page_size = h->page_size,
			    .long_size = (unsigned)h->long_size };
	int ret = 0;

	if ((ret = file_open(&f)))
		goto out;
	for (size_t b = 0; !ret && b < h->nbufs; b++)
		for (size_t c = 0; !ret && !h->bufs[b].compressed && c < h->bufs[b].ncpus; c++)
			ret = check_pages(&f, h->bufs[b].cpus[c].offset, h->bufs[b].cpus[c].size);
out:
	if (f.fd >= 0)
		close(f.fd);
	return ret;
}

int __vls_tdhead_texts(struct vls_tdhead *h, vls_reader *r, vls_tdtext_fn fn, void *data)
{
	struct tdfile f = { .r = r, .h = h, .fd = -1, .cur_buf = -1,
			    .big_endian = h->big_endian, .page_size = h->page_size,
			    .long_size = (unsigned)h->long_size, .fn = fn, .fn_data = data };
	uint64_t off = h->meta_off;
	int ret = 0;

	if ((ret = file_open(&f)))
		goto out;
	if (h->version < 7)
		ret = walk_v6_meta(&f, &off);
	for (size_t i = h->nsect; h->version >= 7 && !ret && i-- > 0;) {
		unsigned id = h->sect_order[i] + VLS_TDSECT_FIRST;
		char *text = h->ksyms;

		if (id != OPT_KALLSYMS || !text) {
			ret = read_section(&f, id, h->sect_off[id - VLS_TDSECT_FIRST]);
			continue;
		}
		h->ksyms = NULL;        /* its section is not decompressed again */
		ret = fn(data, VLS_TDTEXT_KALLSYMS, NULL, text, h->ksyms_len);
	}
out:
	if (f.fd >= 0)
		close(f.fd);
	return ret;
}

void __vls_tdhead_free(struct vls_tdhead *h, vls_ctx *ctx)
{
	drop_ksyms(h, ctx);
	for (size_t i = 0; h->bufs && i < h->nbufs; i++)
		__vls_free(ctx, h->bufs[i].cpus);
	__vls_free(ctx, h->bufs);
	h->bufs = NULL;
	h->nbufs = 0;
}
