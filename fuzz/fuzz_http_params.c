/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fuzz_http_params.c - libFuzzer target for the dashboard's request
 * validation (cli/http_params.c): run ids, id lists, label lists, counts, the Host header
 * and --listen addresses. The input is split at newlines into fields, each
 * given to every validator; what a validator accepts must meet its
 * contract, which the target checks (abort() makes a violation a finding).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_id(const char *s)
{
	char back[32];
	int64_t id;

	if (!http_param_id(&id, s))
		return;
	/* accepted: positive and written canonically (no sign, zeros, spaces) */
	snprintf(back, sizeof(back), "%lld", (long long)id);
	if (id <= 0 || strcmp(back, s))
		abort();
}

static void check_ids(const char *s)
{
	int64_t ids[HTTP_IDS_MAX];
	size_t n = 0;

	if (!http_param_ids(ids, &n, 2, HTTP_IDS_MAX, s))
		return;
	if (n < 2 || n > HTTP_IDS_MAX)
		abort();
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n; j++)
			if (ids[i] <= 0 || (i != j && ids[i] == ids[j]))
				abort();
}

static void check_names(const char *s)
{
	char names[HTTP_IDS_MAX][HTTP_NAME_MAX];
	size_t n = 0;

	if (!http_param_names(names, &n, 2, HTTP_IDS_MAX, s))
		return;
	if (n < 2 || n > HTTP_IDS_MAX)
		abort();
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(names[i]);

		if (!len || len >= HTTP_NAME_MAX || strchr(names[i], ',') ||
		    strstr(s, names[i]) == NULL)
			abort();
		for (size_t j = 0; j < i; j++)
			if (!strcmp(names[i], names[j]))
				abort();
	}
}

static void check_field(const char *s)
{
	static const char *const names[] = { "run", "runs", "top", NULL };
	struct sockaddr_storage ss;
	socklen_t len = 0;
	unsigned int u;
	char err[128];

	check_id(s);
	check_ids(s);
	check_names(s);
	if (http_param_uint(&u, s, 1, HTTP_TOP_MAX) && (u < 1 || u > HTTP_TOP_MAX))
		abort();
	(void)http_param_known(s, names);
	(void)http_host_ok(s, 8080);
	if (!http_parse_listen(&ss, &len, s, err, sizeof(err)) &&
	    (len == 0 || len > sizeof(ss)))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 1), *field, *save = NULL;

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	for (field = strtok_r(buf, "\n", &save); field; field = strtok_r(NULL, "\n", &save))
		check_field(field);
	free(buf);
	return 0;
}
