/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * http_api.c - the dashboard's JSON API under /api/, a thin layer over the
 * library's report and compare (docs/report-json.md):
 *
 *   /api/runs                    every run with its faults (fallback rate)
 *   /api/report?run=ID[&top=N][&chain_min=D]   one run's full report
 *   /api/chains?run=ID[&top=N][&chain_min=D]   its wait-for chains (of
 *                                contended waits of D or more: 100us, 2ms)
 *   /api/histograms?runs=A,B,..  mmap_lock STATS incl. wait histograms
 *   /api/compare?runs=A,B,..     before/after table, the first run as baseline
 *   /api/compare?labels=L,M,..   the same over labels: each label's runs are
 *                                repetitions (means, 95 % intervals, verdicts);
 *                                both take threshold=PCT (the verdicts')
 *   /api/matrix                  fallback rates per kernel x arch
 *   /api/kshark?run=ID           the KernelShark command that opens the
 *                                run's trace with the plugin, or null
 *                                (docs/kshark.md)
 *
 * Each route names the arguments it takes: any other is a 400, as is a
 * value that does not parse; a run that does not exist is a 404.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "http.h"

#define STR_(x) #x
#define VLS_STR(x) STR_(x)
#define TOP_REPORT 25
#define TOP_CHAINS 10

typedef void (*api_fn)(struct http_reply *r, const struct http_req *req,
		       struct http_db *h);

struct route {
	const char *path;
	const char *const *args;  /* NULL-terminated names it accepts */
	api_fn fn;
};

static void report_opts(struct http_reply *r, struct http_db *h,
			vls_report_opts *o)
{
	char *json = NULL;
	int err = vls_report_json(&json, h->db, o);

	if (err)
		http_reply_lib(r, h->ctx, err, "report");
	else
		http_reply_json(r, json);
	vls_buf_free(h->db, json);
}

static void report(struct http_reply *r, struct http_db *h, const int64_t *ids,
		   size_t n, unsigned int sections, unsigned int top)
{
	vls_report_opts o = VLS_REPORT_OPTS_INIT;

	o.run_ids = ids;
	o.nruns = n;
	o.sections = sections;
	o.top = top;
	report_opts(r, h, &o);
}

struct id_list {
	int64_t *v;
	size_t n, cap;
};

static int collect_id(const vls_run *run, void *data)
{
	struct id_list *l = data;

	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		int64_t *v = cap <= HTTP_RUNS_MAX ? realloc(l->v, cap * sizeof(*v)) : NULL;

		if (!v)
			return 1;   /* the first HTTP_RUNS_MAX runs, or what fitted */
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = run->id;
	return 0;
}

static void api_runs(struct http_reply *r, const struct http_req *req,
		     struct http_db *h)
{
	struct id_list l = { 0 };
	int err = vls_db_runs(h->db, collect_id, &l);

	if (err && err != VLS_ESTOPPED)
		http_reply_lib(r, h->ctx, err, "listing runs");
	else if (!l.n)
		http_reply_json(r, "{\"format\":\"vmlockstat-report\",\"version\":"
				   VLS_STR(VLS_REPORT_JSON_VERSION) ",\"runs\":[]}");
	else
		report(r, h, l.v, l.n, VLS_REPORT_FAULTS, 0);
	free(l.v);
}

/* The run= argument, and top= within [1, HTTP_TOP_MAX] (default def). */
static bool run_and_top(struct http_reply *r, const struct http_req *req,
			int64_t *id, unsigned int *top, unsigned int def)
{
	const char *s = req->arg(req->cls, "run");
	const char *t = req->arg(req->cls, "top");

	if (!s) {
		http_reply_error(r, 400, "missing run: a run id, e.g. run=1");
		return false;
	}
	if (!http_param_id(id, s)) {
		http_reply_error(r, 400, "run wants a run id (a positive integer), "
				 "not '%.40s'", s);
		return false;
	}
	*top = def;
	if (t && !http_param_uint(top, t, 1, HTTP_TOP_MAX)) {
		http_reply_error(r, 400, "top wants a number from 1 to %d, not '%.40s'",
				 HTTP_TOP_MAX, t);
		return false;
	}
	return true;
}

/* chain_min=DURATION as `report --chain-min` takes it (0: every chain);
 * absent: the library's default. */
static bool chain_min(struct http_reply *r, const struct http_req *req,
		      uint64_t *ns)
{
	const char *s = req->arg(req->cls, "chain_min");
	unsigned long long v;

	*ns = 0;
	if (!s)
		return true;
	if (!cli_parse_duration_ns(s, &v)) {
		http_reply_error(r, 400, "chain_min wants a duration up to 1 hour "
				 "(100us, 1.5ms, 2s; 0: all), not '%.40s'", s);
		return false;
	}
	*ns = v ? v : 1;   /* 0 in the API: the default */
	return true;
}

/* One run's report: the given sections, top= and chain_min=. */
static void run_report(struct http_reply *r, const struct http_req *req,
		       struct http_db *h, unsigned int sections, unsigned int def)
{
	vls_report_opts o = VLS_REPORT_OPTS_INIT;
	unsigned int top;
	int64_t id;

	if (!run_and_top(r, req, &id, &top, def) || !chain_min(r, req, &o.chain_min_ns))
		return;
	o.run_ids = &id;
	o.nruns = 1;
	o.sections = sections;
	o.top = top;
	report_opts(r, h, &o);
}

static void api_report(struct http_reply *r, const struct http_req *req,
		       struct http_db *h)
{
	run_report(r, req, h, VLS_REPORT_ALL, TOP_REPORT);
}

static void api_chains(struct http_reply *r, const struct http_req *req,
		       struct http_db *h)
{
	run_report(r, req, h, VLS_REPORT_CHAINS, TOP_CHAINS);
}

/* The runs= argument: between min and HTTP_IDS_MAX distinct run ids. */
static bool run_list(struct http_reply *r, const struct http_req *req,
		     int64_t *ids, size_t *n, size_t min)
{
	const char *s = req->arg(req->cls, "runs");

	if (!s) {
		http_reply_error(r, 400, "missing runs: run ids, e.g. runs=1,2");
		return false;
	}
	if (!http_param_ids(ids, n, min, HTTP_IDS_MAX, s)) {
		http_reply_error(r, 400, "runs wants %zu to %d distinct run ids "
				 "separated by commas, not '%.60s'", min, HTTP_IDS_MAX, s);
		return false;
	}
	return true;
}

static void api_histograms(struct http_reply *r, const struct http_req *req,
			   struct http_db *h)
{
	int64_t ids[HTTP_IDS_MAX];
	size_t n;

	if (run_list(r, req, ids, &n, 1))
		report(r, h, ids, n, VLS_REPORT_LOCKS, 0);
}

/* threshold=PCT as `compare --threshold` takes it; absent: the default. */
static bool threshold(struct http_reply *r, const struct http_req *req,
		      vls_compare_opts *o)
{
	const char *s = req->arg(req->cls, "threshold");
	double v;

	if (!s)
		return true;
	if (!cli_parse_double(s, &v) || !isfinite(v) || v < 0 || v > 1e6) {
		http_reply_error(r, 400, "threshold wants a percentage from 0 to "
				 "1000000, not '%.40s'", s);
		return false;
	}
	o->threshold_pct = v;
	return true;
}

static void compare(struct http_reply *r, const struct http_req *req,
		    struct http_db *h, vls_compare_opts *o)
{
	char *json = NULL;
	int err;

	if (!threshold(r, req, o))
		return;
	err = vls_compare_json(&json, h->db, o);

	if (err)
		http_reply_lib(r, h->ctx, err, "compare");
	else
		http_reply_json(r, json);
	vls_buf_free(h->db, json);
}

static void compare_runs(struct http_reply *r, const struct http_req *req,
			 struct http_db *h)
{
	vls_compare_opts o = VLS_COMPARE_OPTS_INIT;
	vls_compare_group g[HTTP_IDS_MAX];
	char names[HTTP_IDS_MAX][32];
	int64_t ids[HTTP_IDS_MAX];
	size_t n;

	if (!run_list(r, req, ids, &n, 2))
		return;
	for (size_t i = 0; i < n; i++) {
		snprintf(names[i], sizeof(names[i]), "run %" PRId64, ids[i]);
		g[i] = (vls_compare_group){ names[i], &ids[i], 1 };
	}
	o.groups = g;
	o.ngroups = n;
	compare(r, req, h, &o);
}

/* labels=L,M,..: one group per label (or run id), all of its runs. */
static void compare_labels(struct http_reply *r, const struct http_req *req,
			   const char *s, struct http_db *h)
{
	vls_compare_opts o = VLS_COMPARE_OPTS_INIT;
	vls_compare_group g[HTTP_IDS_MAX] = { { 0 } };
	char names[HTTP_IDS_MAX][HTTP_NAME_MAX];
	size_t n = 0, i;
	int err = 0;

	if (!http_param_names(names, &n, 2, HTTP_IDS_MAX, s)) {
		http_reply_error(r, 400, "labels wants 2 to %d distinct labels separated "
				 "by commas, not '%.60s'", HTTP_IDS_MAX, s);
		return;
	}
	for (i = 0; !err && i < n; i++) {
		int64_t *ids = NULL;

		g[i].name = names[i];
		err = vls_db_resolve_runs(&ids, &g[i].nruns, h->db, names[i]);
		g[i].run_ids = ids;
	}
	if (err)
		http_reply_lib(r, h->ctx, err, "labels");
	o.groups = g;
	o.ngroups = n;
	if (!err)
		compare(r, req, h, &o);
	for (i = 0; i < n; i++)
		vls_buf_free(h->db, (void *)g[i].run_ids);
}

static void api_compare(struct http_reply *r, const struct http_req *req,
			struct http_db *h)
{
	const char *labels = req->arg(req->cls, "labels");

	if (labels && req->arg(req->cls, "runs"))
		http_reply_error(r, 400, "give runs or labels, not both");
	else if (labels)
		compare_labels(r, req, labels, h);
	else
		compare_runs(r, req, h);
}

static void api_matrix(struct http_reply *r, const struct http_req *req,
		       struct http_db *h)
{
	vls_compare_opts o = VLS_COMPARE_OPTS_INIT;

	o.matrix = 1;
	compare(r, req, h, &o);
}

/* s as a JSON string into o (room for 6 * strlen(s) + 3). */
static void json_str(char *o, const char *s)
{
	*o++ = '"';
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c < 0x20)
			o += sprintf(o, "\\u%04x", c);
		else if (c == '"' || c == '\\')
			o += sprintf(o, "\\%c", c);
		else
			*o++ = (char)c;
	}
	strcpy(o, "\"");
}

static void api_kshark(struct http_reply *r, const struct http_req *req,
		       struct http_db *h)
{
	const char *label = NULL;
	unsigned int top;
	char *cmd, *out;
	int64_t id;
	int err;

	if (!run_and_top(r, req, &id, &top, 1))
		return;
	if ((err = vls_db_run_meta(&label, h->db, id, "label")) == VLS_ENOTFOUND) {
		http_reply_error(r, 404, "no run %" PRId64, id);
		return;
	}
	if (err) {
		http_reply_lib(r, h->ctx, err, "reading the run");
		return;
	}
	cmd = cli_kshark_command(h->db, id);
	out = malloc(64 + (cmd ? 6 * strlen(cmd) : 4));
	if (!out) {
		http_reply_error(r, 500, "out of memory");
	} else {
		int n = sprintf(out, "{\"run\":%" PRId64 ",\"command\":", id);

		if (cmd)
			json_str(out + n, cmd);
		else
			strcpy(out + n, "null");
		strcat(out, "}");
		http_reply_json(r, out);
	}
	free(out);
	free(cmd);
}

static const char *const no_args[] = { NULL };
static const char *const run_args[] = { "run", "top", "chain_min", NULL };
static const char *const runs_args[] = { "runs", NULL };
static const char *const id_args[] = { "run", NULL };
static const char *const compare_args[] = { "runs", "labels", "threshold", NULL };

static const struct route routes[] = {
	{ "/api/runs", no_args, api_runs },
	{ "/api/report", run_args, api_report },
	{ "/api/chains", run_args, api_chains },
	{ "/api/histograms", runs_args, api_histograms },
	{ "/api/compare", compare_args, api_compare },
	{ "/api/matrix", no_args, api_matrix },
	{ "/api/kshark", id_args, api_kshark },
};

struct arg_check {
	const char *const *known;
	const char *bad;          /* first unknown name, or NULL */
	bool too_long;
	unsigned int n;
};

static bool check_arg(const char *k, const char *v, void *data)
{
	struct arg_check *c = data;

	c->n++;
	if (!http_param_known(k, c->known))
		c->bad = k;
	else if (v && strlen(v) > HTTP_PARAM_MAXLEN)
		c->too_long = true;
	return !c->bad && !c->too_long && c->n <= HTTP_PARAMS_MAX;
}

/* Arguments of the request against the route's list; false after a 400. */
static bool args_ok(struct http_reply *r, const struct http_req *req,
		    const struct route *rt)
{
	struct arg_check c = { rt->args, NULL, false, 0 };

	req->each_arg(req->cls, check_arg, &c);
	if (c.bad)
		http_reply_error(r, 400, "unknown argument '%.40s' for %s", c.bad, rt->path);
	else if (c.too_long)
		http_reply_error(r, 400, "an argument is longer than %d bytes",
				 HTTP_PARAM_MAXLEN);
	else if (c.n > HTTP_PARAMS_MAX)
		http_reply_error(r, 400, "more than %d arguments", HTTP_PARAMS_MAX);
	else
		return true;
	return false;
}

bool http_api(struct http_reply *r, const struct http_req *req)
{
	struct http_db *h = NULL;
	char err[512];
	int ret;

	if (strncmp(req->path, "/api/", 5))
		return false;
	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		if (strcmp(req->path, routes[i].path))
			continue;
		if (!args_ok(r, req, &routes[i]))
			return true;
		ret = http_db_get(&h, err, sizeof(err));
		if (ret)
			http_reply_error(r, 500, "%s", err);
		else
			routes[i].fn(r, req, h);
		return true;
	}
	http_reply_error(r, 404, "no such API: %.80s", req->path);
	return true;
}
