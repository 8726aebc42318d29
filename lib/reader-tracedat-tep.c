/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * reader-tracedat-tep.c - the libtraceevent handle of a trace.dat, built
 * from the metadata texts reader-tracedat-layout.c found and checked, with
 * libtraceevent's own parsers, as libtracecmd 3.1.6's tracecmd_open()
 * builds it (contract in reader-tracedat.h).
 *
 * Why: when reader-tracedat-data.c reads the records, libtracecmd's open
 * is only there for this handle, and it parses kallsyms into
 * libtraceevent's function list (tep_parse_kallsyms(), then a qsort() at
 * the first lookup), which is most of its cost: 447 M + 124 M of the
 * 7.5 G instructions of a 2.2 M-event `vmlockstat record -a` import, the
 * parse before the import's two threads start (docs/benchmark.md).
 * Kallsyms go to our own table instead (reader-tracedat-syms.c).
 *
 * What tracecmd_open() sets up that decoding reads, step by step:
 * tracecmd_alloc_fd(): tep_alloc(), the file's and the host's byte order,
 * the header's long size (no plugins: TRACECMD_FL_LOAD_NO_PLUGINS);
 * read_header_files(): tep_parse_header_page() with that long size (the
 * header_event text is read and dropped); read_ftrace_files(),
 * read_event_files(): tep_parse_event() on each format, its failures
 * counted, not fatal; read_ftrace_printk(): tep_parse_printk_formats();
 * read_and_parse_cmdlines(): tep_parse_saved_cmdlines(); read_cpus() (v6)
 * and the CPUCOUNT option: tep_set_cpus(); tracecmd_init_data():
 * tracecmd_blk_hack(). The page size is not given to libtraceevent.
 */
#include <stdio.h>
#include <string.h>

#include <event-parse.h>

#include "reader-tracedat.h"

struct build {
	vls_reader *r;
	struct tep_handle *tep;
	struct vls_tdsyms *syms;
	int long_size;
	struct vls_tdhead *h;
};

static int on_text(void *data, enum vls_tdtext kind, const char *system, char *text,
		   size_t len)
{
	struct build *b = data;

	switch (kind) {
	case VLS_TDTEXT_HEADER_PAGE:
		tep_parse_header_page(b->tep, text, len, b->long_size);
		break;
	case VLS_TDTEXT_FORMAT:
		tep_parse_event(b->tep, text, len, system);
		break;
	case VLS_TDTEXT_KALLSYMS:
		if (text == b->h->ksyms_tab_of) {   /* the check parsed it */
			__vls_tdsyms_adopt(b->r->ctx, b->syms, text, b->h->ksyms_tab,
					   b->h->ksyms_ntab);
			b->h->ksyms_tab = NULL;
			b->h->ksyms_ntab = 0;
			b->h->ksyms_tab_of = NULL;
			return 0;
		}
		return __vls_tdsyms_load(b->r->ctx, b->syms, text, len, b->r->path);
	case VLS_TDTEXT_PRINTK:
		tep_parse_printk_formats(b->tep, text);
		break;
	case VLS_TDTEXT_CMDLINES:
		tep_parse_saved_cmdlines(b->tep, text);
		break;
	}
	__vls_free(b->r->ctx, text);
	return 0;
}

static const char blk_start[] =
	"name: blktrace\n"
	"ID: %d\n"
	"format:\n"
	"\tfield:unsigned short common_type;\toffset:0;\tsize:2;\n"
	"\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\n"
	"\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\n"
	"\tfield:int common_pid;\toffset:4;\tsize:4;\n";

static const char blk_body[] = "\n"
	"\tfield:u64 sector;\toffset:16;\tsize:8;\n"
	"\tfield:int bytes;\toffset:24;\tsize:4;\n"
	"\tfield:int action;\toffset:28;\tsize:4;\n"
	"\tfield:int pid;\toffset:32;\tsize:4;\n"
	"\tfield:int device;\toffset:36;\tsize:4;\n"
	"\tfield:int cpu;\toffset:40;\tsize:4;\n"
	"\tfield:short error;\toffset:44;\tsize:2;\n"
	"\tfield:short pdu_len;\toffset:46;\tsize:2;\n"
	"\tfield:void data;\toffset:48;\tsize:0;\n"
	"\n"
	"print fmt: \"%d\", REC->pid\n";

static bool common_at(struct tep_event *e, const char *name, int offset, int size)
{
	struct tep_format_field *f = tep_find_common_field(e, name);

	return f && f->offset == offset && f->size == size;
}

/*
 * libtracecmd's tracecmd_blk_hack(): an "ftrace:blktrace" event, the id
 * after ftrace's power, else kmem_free, else user_stack event, with those
 * fields, when its common fields are where the kernel puts them. Decoding
 * sees it (an id, a name) as it sees it through libtracecmd.
 */
static void blk_hack(struct tep_handle *tep)
{
	static const char *const after[] = { "power", "kmem_free", "user_stack" };
	struct tep_event *e = NULL;
	char buf[2048];
	int n;

	for (size_t i = 0; !e && i < sizeof(after) / sizeof(after[0]); i++)
		e = tep_find_event_by_name(tep, "ftrace", after[i]);
	if (!e || !common_at(e, "common_type", 0, 2) ||
	    !common_at(e, "common_flags", 2, 1) ||
	    !common_at(e, "common_preempt_count", 3, 1) ||
	    !common_at(e, "common_pid", 4, 4))
		return;
	n = snprintf(buf, sizeof(buf), blk_start, e->id + 1);
	if (tep_find_common_field(e, "common_lock_depth")) {
		if (!common_at(e, "common_lock_depth", 8, 4))
			return;
		n += snprintf(buf + n, sizeof(buf) - (size_t)n,
			      "\tfield:int common_lock_depth;\toffset:8;\tsize:4;\n");
	}
	n += snprintf(buf + n, sizeof(buf) - (size_t)n, "%s", blk_body);
	tep_parse_event(tep, buf, (unsigned long)n, "ftrace");
}

int __vls_tdtep_build(struct tep_handle **out, struct vls_tdsyms *syms, vls_reader *r,
		      struct vls_tdhead *h)
{
	struct build b = { r, tep_alloc(), syms, h->long_size, h };
	int ret;

	*out = NULL;
	if (!b.tep)
		return __vls_error(r->ctx, VLS_ENOMEM, "out of memory");
	tep_set_file_bigendian(b.tep, h->big_endian ? TEP_BIG_ENDIAN : TEP_LITTLE_ENDIAN);
	tep_set_local_bigendian(b.tep, __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__ ?
				TEP_BIG_ENDIAN : TEP_LITTLE_ENDIAN);
	tep_set_long_size(b.tep, h->long_size);
	if (h->version < 7)
		tep_set_cpus(b.tep, h->header_cpus);
	if (h->cpucount >= 0)
		tep_set_cpus(b.tep, h->cpucount);
	/* no kallsyms section: no function, as in libtraceevent's empty list */
	syms->own = true;
	ret = __vls_tdhead_texts(h, r, on_text, &b);
	if (ret) {
		tep_free(b.tep);
		return ret;
	}
	blk_hack(b.tep);
	*out = b.tep;
	return 0;
}
