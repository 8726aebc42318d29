/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * http_params.c - validation of what a request may carry: run ids, counts,
 * argument names, the Host header, and the --listen address.
 *
 * Everything a client sends is hostile: values are parsed strictly (no
 * sign, space, leading zero or overflow), lists are bounded, and ids reach
 * SQLite only as bound integers through the library.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http.h"

static bool all_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return n > 0;
}

/* Digits of s[0..n) as a value <= max; false on overflow or junk. */
static bool parse_digits(uint64_t *out, const char *s, size_t n, uint64_t max)
{
	uint64_t v = 0;

	if (!all_digits(s, n) || n > HTTP_ID_MAXLEN || (n > 1 && s[0] == '0'))
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned int d = (unsigned int)(s[i] - '0');

		if (v > (max - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*out = v;
	return true;
}

bool http_param_id(int64_t *out, const char *s)
{
	uint64_t v;

	if (!s || !parse_digits(&v, s, strlen(s), INT64_MAX) || v == 0)
		return false;
	*out = (int64_t)v;
	return true;
}

bool http_param_uint(unsigned int *out, const char *s, unsigned int lo,
		     unsigned int hi)
{
	uint64_t v;

	if (!s || !parse_digits(&v, s, strlen(s), hi) || v < lo)
		return false;
	*out = (unsigned int)v;
	return true;
}

/*
 * Calls item(s, len, i, data) for each comma-separated item of s, at most
 * max of them and at least min; false at once when one is refused, when
 * there are more than max or fewer than min, or when s is too long.
 */
static bool each_item(const char *s, size_t min, size_t max, size_t *nout,
		      bool (*item)(const char *s, size_t len, size_t i, void *data),
		      void *data)
{
	size_t n = 0;

	if (!s || strlen(s) > HTTP_PARAM_MAXLEN)
		return false;
	for (;;) {
		const char *comma = strchr(s, ',');
		size_t len = comma ? (size_t)(comma - s) : strlen(s);

		if (n == max || !item(s, len, n, data))
			return false;
		n++;
		if (!comma)
			break;
		s = comma + 1;
	}
	*nout = n;
	return n >= min;
}

/* A run id not among the i before it. */
static bool id_item(const char *s, size_t len, size_t i, void *data)
{
	int64_t *ids = data;
	uint64_t v;

	if (!parse_digits(&v, s, len, INT64_MAX) || v == 0)
		return false;
	for (size_t k = 0; k < i; k++)
		if (ids[k] == (int64_t)v)
			return false;
	ids[i] = (int64_t)v;
	return true;
}

bool http_param_ids(int64_t *out, size_t *nout, size_t min, size_t max,
		    const char *s)
{
	return each_item(s, min, max, nout, id_item, out);
}

/* A name without control characters, not among the i before it. */
static bool name_item(const char *s, size_t len, size_t i, void *data)
{
	char (*names)[HTTP_NAME_MAX] = data;

	if (!len || len >= HTTP_NAME_MAX)
		return false;
	for (size_t k = 0; k < len; k++)
		if ((unsigned char)s[k] < 0x20 || s[k] == 0x7f)
			return false;
	memcpy(names[i], s, len);
	names[i][len] = '\0';
	for (size_t k = 0; k < i; k++)
		if (!strcmp(names[k], names[i]))
			return false;
	return true;
}

bool http_param_names(char (*out)[HTTP_NAME_MAX], size_t *nout, size_t min,
		      size_t max, const char *s)
{
	return each_item(s, min, max, nout, name_item, out);
}

bool http_param_known(const char *name, const char *const *names)
{
	for (; *names; names++)
		if (!strcmp(name, *names))
			return true;
	return false;
}

/* The port part of a Host header value after its host name. */
static bool port_ok(const char *p, unsigned int port)
{
	unsigned int v;

	if (!*p)
		return port == 80;
	return *p == ':' && http_param_uint(&v, p + 1, 1, 65535) && v == port;
}

bool http_host_ok(const char *host, unsigned int port)
{
	static const char *const names[] = { "127.0.0.1", "localhost", "[::1]" };

	if (!host)
		return false;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		size_t n = strlen(names[i]);

		if (!strncasecmp(host, names[i], n) && port_ok(host + n, port))
			return true;
	}
	return false;
}

static int listen_err(char *err, size_t errlen, const char *spec, const char *why)
{
	snprintf(err, errlen, "--listen '%s': %s", spec, why);
	return -1;
}

/* Split spec into a host (copied to host[]) and a port. */
static int split_listen(char *host, size_t hostlen, unsigned int *port,
			const char *spec, char *err, size_t errlen)
{
	const char *colon = strrchr(spec, ':');
	const char *h = spec;
	size_t n;

	if (!colon || !http_param_uint(port, colon + 1, 0, 65535))
		return listen_err(err, errlen, spec, "wants ADDR:PORT (port 0-65535)");
	n = (size_t)(colon - spec);
	if (n >= 2 && spec[0] == '[' && spec[n - 1] == ']') {
		h++;
		n -= 2;
	}
	if (n >= hostlen)
		return listen_err(err, errlen, spec, "address too long");
	memcpy(host, h, n);
	host[n] = '\0';
	return 0;
}

int http_parse_listen(struct sockaddr_storage *out, socklen_t *outlen,
		      const char *spec, char *err, size_t errlen)
{
	struct sockaddr_in *v4 = (struct sockaddr_in *)out;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)out;
	char host[INET6_ADDRSTRLEN + 1];
	unsigned int port;

	if (split_listen(host, sizeof(host), &port, spec, err, errlen))
		return -1;
	memset(out, 0, sizeof(*out));
	if (!*host || !strcmp(host, "localhost"))
		strcpy(host, "127.0.0.1");
	if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
		v4->sin_port = htons((uint16_t)port);
		*outlen = sizeof(*v4);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons((uint16_t)port);
		*outlen = sizeof(*v6);
		return 0;
	}
	return listen_err(err, errlen, spec,
			  "not a numeric IPv4 or IPv6 address (or localhost)");
}

bool http_addr_is_loopback(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr) >> 24) == 127;
	if (sa->sa_family == AF_INET6)
		return IN6_IS_ADDR_LOOPBACK(&((const struct sockaddr_in6 *)sa)->sin6_addr);
	return false;
}
