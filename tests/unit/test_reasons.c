/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test_reasons.c - the fault reasons exist once (lib/faults-reason.h);
 * what repeats them outside C is held to that list here: the columns of
 * schema/20_faults.sql, and the fallback reasons, in order, of the JSON
 * contract in docs/report-json.md and of the dashboard's web/util.js.
 */
#include <ctype.h>
#include <stdbool.h>

#include "faults-reason.h"
#include "test.h"

static char *slurp(const char *rel)
{
	char path[512];
	FILE *fp;
	char *buf;
	long n;

	snprintf(path, sizeof(path), "%s/%s", VLS_SOURCE_DIR, rel);
	fp = fopen(path, "r");
	if (!fp)
		return NULL;
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	rewind(fp);
	buf = calloc(1, (size_t)n + 1);
	if (buf && fread(buf, 1, (size_t)n, fp) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(fp);
	return buf;
}

/* The words of [p, end) made of [a-z_0-9], in order, joined by ' '. */
static void words(char *out, size_t size, const char *p, const char *end)
{
	size_t len = 0;

	out[0] = '\0';
	while (p < end) {
		const char *w;

		while (p < end && !(islower((unsigned char)*p) || *p == '_'))
			p++;
		for (w = p; p < end && (islower((unsigned char)*p) || *p == '_' ||
					isdigit((unsigned char)*p)); p++)
			;
		if (p > w && len + (size_t)(p - w) + 2 < size) {
			if (len)
				out[len++] = ' ';
			memcpy(out + len, w, (size_t)(p - w));
			len += (size_t)(p - w);
			out[len] = '\0';
		}
	}
}

/* The column names of CREATE TABLE name, in order, joined by ' '. */
static void columns(char *out, size_t size, const char *sql, const char *table)
{
	char head[128];
	const char *p, *end;
	size_t len = 0;

	out[0] = '\0';
	snprintf(head, sizeof(head), "CREATE TABLE IF NOT EXISTS %s (", table);
	p = strstr(sql, head);
	if (!p)
		return;
	p = strchr(p, '\n') + 1;
	end = strstr(p, "\n)");
	while (p && p < end) {
		const char *w;

		while (*p == ' ')
			p++;
		for (w = p; islower((unsigned char)*p) || *p == '_' ||
			    isdigit((unsigned char)*p); p++)
			;
		if (p > w && strncmp(w, "run_id", 6) && len + (size_t)(p - w) + 2 < size) {
			if (len)
				out[len++] = ' ';
			memcpy(out + len, w, (size_t)(p - w));
			len += (size_t)(p - w);
			out[len] = '\0';
		}
		p = strchr(p, '\n');
		p = p ? p + 1 : NULL;
	}
}

/* Is each word of list a word of text (space-separated)? */
static bool all_in(const char *list, const char *text)
{
	char buf[512], pad[2100];
	char *save = NULL;

	snprintf(buf, sizeof(buf), "%s", list);
	snprintf(pad, sizeof(pad), " %s ", text);
	for (char *w = strtok_r(buf, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
		char key[80];

		snprintf(key, sizeof(key), " %s ", w);
		if (!strstr(pad, key))
			return false;
	}
	return true;
}

int main(void)
{
	char names[256] = "", fallbacks[256] = "", got[2048];
	char *schema = slurp("schema/20_faults.sql");
	char *doc = slurp("docs/report-json.md");
	char *js = slurp("web/util.js");
	const char *p, *e;

	CHECK(schema && doc && js);
	if (!schema || !doc || !js)
		return TEST_DONE();
	for (int i = 0; i < VLS_FR__COUNT; i++) {
		if (i)
			strcat(names, " ");
		strcat(names, __vls_fault_reason_names[i]);
		if (i < VLS_FR__FALLBACKS)
			strcat(strcat(fallbacks, i ? " " : ""), __vls_fault_reason_names[i]);
	}
	CHECK_STR(names, "io_retry no_io kernel_mode no_vma_lock nested");
	CHECK_STR(fallbacks, "io_retry no_io kernel_mode no_vma_lock");
	CHECK_STR(__vls_fault_reason_name(VLS_FR_NONE), "none");
	CHECK_STR(__vls_fault_reason_name((enum vls_fault_reason)99), "none");
	CHECK_STR(__vls_fault_reason_name(VLS_FR_NESTED), "nested");
	/* the C column list the store and the report load write and read */
	CHECK_STR(VLS_FAULT_REASON_COLS,
		  "io_retry, no_io, kernel_mode, no_vma_lock, nested, ");

	/* fault_task and fault_run: a column per reason */
	columns(got, sizeof(got), schema, "fault_task");
	CHECK(all_in(names, got));
	columns(got, sizeof(got), schema, "fault_run");
	CHECK(all_in(names, got));
	/* fault_episode.reason names its values, each reason once */
	p = strstr(schema, "  reason ");
	CHECK(p != NULL);
	if (p) {
		p = strstr(p, "--");
		e = strchr(p, '\n');
		words(got, sizeof(got), p, e);
		CHECK(all_in(names, got) && strlen(got) == strlen(names));
	}

	/* the JSON contract's by_reason keys: the fallback reasons, in order */
	p = strstr(doc, "| `by_reason` | {");
	CHECK(p != NULL);
	if (p) {
		e = strchr(p + 16, '}');
		words(got, sizeof(got), p + 16, e);
		CHECK_STR(got, fallbacks);
	}
	CHECK(strstr(doc, "| `nested` | int/null |") != NULL);

	/* the dashboard: the list, and a title and a colour for each */
	p = strstr(js, "VLS.REASONS = [");
	CHECK(p != NULL);
	if (p) {
		e = strchr(p, ']');
		words(got, sizeof(got), p + 15, e);
		CHECK_STR(got, fallbacks);
	}
	for (int i = 0; i < VLS_FR__FALLBACKS; i++) {
		char key[64];

		snprintf(key, sizeof(key), "%s: '", __vls_fault_reason_names[i]);
		p = strstr(js, "VLS.REASON_TITLES = {");
		e = p ? strstr(p, "};") : NULL;
		CHECK(p && (p = strstr(p, key)) && p < e);
		p = strstr(js, "VLS.REASON_COLORS = {");
		e = p ? strstr(p, "};") : NULL;
		CHECK(p && (p = strstr(p, key)) && p < e);
	}
	free(schema);
	free(doc);
	free(js);
	return TEST_DONE();
}
