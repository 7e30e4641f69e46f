/* metrics: the /metrics endpoint on libmicrohttpd's internal polling thread.
 *
 * Bounded: at most METRICS_MAX_CONNECTIONS at once, each closed after
 * METRICS_TIMEOUT_S idle, so a stuck scraper cannot pile up threads or fds. */
#include "app/metrics.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "common/numparse.h"
#include "common/xalloc.h"

#define METRICS_MAX_CONNECTIONS 8
#define METRICS_TIMEOUT_S 10
#define METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

struct metrics {
	struct MHD_Daemon *daemon;
	metrics_snapshot_fn fn;
	void *ctx;
};

struct metrics_addr {
	struct sockaddr_storage ss;
	bool v6;
};

static bool metrics_resolve(const char *spec, struct metrics_addr *a)
{
	char host[64] = "127.0.0.1";
	const char *port = spec;
	const char *colon = strrchr(spec, ':');
	uint64_t p;

	memset(a, 0, sizeof *a);
	if (colon) {
		const char *h = spec;
		size_t n = (size_t)(colon - spec);
		if (n >= 2 && h[0] == '[' && h[n - 1] == ']') {
			h++;
			n -= 2;
		}
		if (n == 0 || n >= sizeof host)
			return false;
		memcpy(host, h, n);
		host[n] = '\0';
		port = colon + 1;
	}
	if (!parse_uint(port, strlen(port), 65535, &p) || p == 0)
		return false;
	struct sockaddr_in *in4 = (struct sockaddr_in *)&a->ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&a->ss;
	if (inet_pton(AF_INET, host, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons((uint16_t)p);
		return true;
	}
	if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)p);
		a->v6 = true;
		return true;
	}
	return false;
}

bool metrics_parse_addr(const char *spec)
{
	struct metrics_addr a;

	return metrics_resolve(spec, &a);
}

static enum MHD_Result metrics_answer(struct MHD_Connection *conn, unsigned status, char *body,
				      size_t len)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);

	if (!r) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, METRICS_CONTENT_TYPE);
	enum MHD_Result rc = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return rc;
}

static enum MHD_Result metrics_handler(void *cls, struct MHD_Connection *conn, const char *url,
				       const char *method, const char *version,
				       const char *upload_data, size_t *upload_data_size,
				       void **con_cls)
{
	struct metrics *m = cls;

	(void)version;
	(void)upload_data;
	(void)con_cls;
	if (*upload_data_size != 0)
		return MHD_NO; /* no request bodies here */
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
		return metrics_answer(conn, MHD_HTTP_METHOD_NOT_ALLOWED, xstrdup("GET only\n"), 9);
	if (strcmp(url, "/metrics") != 0)
		return metrics_answer(conn, MHD_HTTP_NOT_FOUND, xstrdup("see /metrics\n"), 13);

	struct metrics_snapshot snap;
	size_t len;
	memset(&snap, 0, sizeof snap);
	m->fn(m->ctx, &snap);
	char *body = metrics_text_render(&snap, &len);
	return metrics_answer(conn, MHD_HTTP_OK, body, len);
}

struct metrics *metrics_start(const char *spec, metrics_snapshot_fn fn, void *ctx, char *err,
			      size_t errlen)
{
	struct metrics_addr a;

	if (!metrics_resolve(spec, &a)) {
		snprintf(err, errlen, "--metrics: '%s' is not [ADDR:]PORT", spec);
		return NULL;
	}
	struct metrics *m = xcalloc(1, sizeof *m);
	m->fn = fn;
	m->ctx = ctx;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;
	if (a.v6)
		flags |= MHD_USE_IPv6;
	/* The port argument is ignored when MHD_OPTION_SOCK_ADDR is given. */
	m->daemon = MHD_start_daemon(flags, 0, NULL, NULL, metrics_handler, m,
				     MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&a.ss,
				     MHD_OPTION_CONNECTION_LIMIT, (unsigned)METRICS_MAX_CONNECTIONS,
				     MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)METRICS_TIMEOUT_S,
				     MHD_OPTION_END);
	if (!m->daemon) {
		snprintf(err, errlen, "--metrics: cannot listen on %s (port in use, or no such address)",
			 spec);
		free(m);
		return NULL;
	}
	return m;
}

void metrics_stop(struct metrics *m)
{
	if (!m)
		return;
	MHD_stop_daemon(m->daemon);
	free(m);
}
