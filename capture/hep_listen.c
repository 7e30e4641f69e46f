/* hep_listen: UDP and TCP HEP3 collector sockets, served from a poll loop.
 *
 * UDP: one datagram is one HEP3 packet.  TCP: a byte stream of HEP3 packets,
 * each framed by the 16-bit total length in its own header (HEP3 spec: the
 * same packet format on every transport), so a connection needs at most one
 * packet's worth of buffer, HEP3_MAX_LEN bytes.  Per hep_listen_poll call at
 * most HEP_LISTEN_UDP_BURST datagrams, HEP_LISTEN_ACCEPT_BURST accepts and one
 * read per connection are served: work per call is bounded whatever a peer
 * sends, and every source gets its turn.  Time for the idle checks is the
 * monotonic clock; the fallback time of a packet without a timestamp chunk is
 * the wall clock. */
#include "capture/hep_listen.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common/numparse.h"
#include "common/xalloc.h"

#define HEP_LISTEN_UDP_BURST 64
#define HEP_LISTEN_ACCEPT_BURST 16
#define HEP_LISTEN_MAX_CONNS 64
#define HEP_LISTEN_RCVBUF (4 << 20)
#define HEP_LISTEN_NAME_MAX (HEP_LISTEN_ADDR_MAX + 16)

struct hep_conn {
	int fd; /* -1 = free slot */
	uint8_t *buf; /* HEP3_MAX_LEN bytes, allocated on accept */
	size_t used;
	int64_t last_rx_us;      /* monotonic: the last byte received */
	int64_t partial_since_us; /* monotonic: when buf became non-empty */
};

struct hep_listener {
	struct hep_listen_config cfg;
	int udp_fd, tcp_fd;
	struct hep_conn *conns;
	struct pollfd *pfd;
	struct hep_listen_stats stats;
	uint8_t dgram[HEP3_MAX_LEN + 1];
	char name[HEP_LISTEN_NAME_MAX];
};

void hep_listen_config_defaults(struct hep_listen_config *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	snprintf(cfg->addr, sizeof cfg->addr, "%s", HEP_LISTEN_DEFAULT_ADDR);
	cfg->port = HEP_PORT_DEFAULT;
	cfg->max_conns = HEP_LISTEN_MAX_CONNS;
	cfg->idle_us = 300 * USEC_PER_SEC;
	cfg->partial_us = 10 * USEC_PER_SEC;
}

bool hep_listen_parse(const char *spec, struct hep_listen_config *cfg, char *err, size_t errlen)
{
	const char *colon = strrchr(spec, ':');
	const char *port = colon ? colon + 1 : spec;
	uint64_t v;

	if (!parse_uint(port, strlen(port), 65535, &v) || v == 0) {
		snprintf(err, errlen, "--hep-listen: '%s' is not [ADDR:]PORT", spec);
		return false;
	}
	cfg->port = (uint16_t)v;
	if (!colon)
		return true;
	size_t n = (size_t)(colon - spec);
	if (n >= 2 && spec[0] == '[' && spec[n - 1] == ']') {
		spec++; /* [v6]:port */
		n -= 2;
	}
	if (n == 0 || n >= sizeof cfg->addr) {
		snprintf(err, errlen, "--hep-listen: bad address in '%s'", spec);
		return false;
	}
	memcpy(cfg->addr, spec, n);
	cfg->addr[n] = '\0';
	return true;
}

static int64_t hep_listen_mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * USEC_PER_SEC + ts.tv_nsec / 1000;
}

static int64_t hep_listen_wall_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * USEC_PER_SEC + ts.tv_nsec / 1000;
}

/* One socket of the given type bound to the configured address. */
static int hep_listen_socket(const struct hep_listen_config *cfg, int type, char *err,
			     size_t errlen)
{
	struct addrinfo hints = {.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE,
				 .ai_socktype = type};
	struct addrinfo *ai = NULL;
	char port[8];
	const char *what = type == SOCK_STREAM ? "tcp" : "udp";

	snprintf(port, sizeof port, "%u", cfg->port);
	int rc = getaddrinfo(cfg->addr, port, &hints, &ai);
	if (rc != 0 || !ai) {
		snprintf(err, errlen, "--hep-listen: '%s' is not a numeric address: %s", cfg->addr,
			 gai_strerror(rc));
		return -1;
	}
	int fd = socket(ai->ai_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int one = 1, rcvbuf = HEP_LISTEN_RCVBUF;
	if (fd >= 0) {
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
		if (type == SOCK_DGRAM) /* best effort: room for a burst */
			setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
	}
	if (fd < 0 || bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 ||
	    (type == SOCK_STREAM && listen(fd, 64) != 0)) {
		snprintf(err, errlen, "--hep-listen: cannot listen on %s %s:%u: %s", what, cfg->addr,
			 cfg->port, strerror(errno));
		if (fd >= 0)
			close(fd);
		fd = -1;
	}
	freeaddrinfo(ai);
	return fd;
}

struct hep_listener *hep_listen_open(const struct hep_listen_config *cfg, char *err,
				     size_t errlen)
{
	struct hep_listener *l = xcalloc(1, sizeof *l);

	l->cfg = *cfg;
	if (l->cfg.max_conns == 0)
		l->cfg.max_conns = HEP_LISTEN_MAX_CONNS;
	l->tcp_fd = -1;
	l->udp_fd = hep_listen_socket(cfg, SOCK_DGRAM, err, errlen);
	if (l->udp_fd >= 0)
		l->tcp_fd = hep_listen_socket(cfg, SOCK_STREAM, err, errlen);
	if (l->tcp_fd < 0) {
		hep_listen_close(l);
		return NULL;
	}
	l->conns = xcalloc(l->cfg.max_conns, sizeof *l->conns);
	for (size_t i = 0; i < l->cfg.max_conns; i++)
		l->conns[i].fd = -1;
	l->pfd = xcalloc(l->cfg.max_conns + 3, sizeof *l->pfd);
	bool v6 = strchr(cfg->addr, ':') != NULL;
	snprintf(l->name, sizeof l->name, "hep:%s%s%s:%u", v6 ? "[" : "", cfg->addr, v6 ? "]" : "",
		 cfg->port);
	return l;
}

static void hep_listen_drop(struct hep_conn *c)
{
	close(c->fd);
	free(c->buf);
	c->fd = -1;
	c->buf = NULL;
	c->used = 0;
}

static void hep_listen_udp(struct hep_listener *l, hep_listen_emit_fn emit, void *ctx)
{
	for (int i = 0; i < HEP_LISTEN_UDP_BURST; i++) {
		ssize_t n = recv(l->udp_fd, l->dgram, sizeof l->dgram, MSG_DONTWAIT);
		if (n < 0)
			return; /* EAGAIN: nothing more; other errors: try next time */
		l->stats.udp_datagrams++;
		struct sip_packet h;
		const uint8_t *payload;
		if (hep_input(l->dgram, (size_t)n, hep_listen_wall_us(), l->cfg.password,
			      &l->stats.hep, &h, &payload))
			emit(ctx, &h, payload);
	}
}

/* The slot for a new connection: a free one, or the stalest one evicted. */
static struct hep_conn *hep_listen_slot(struct hep_listener *l)
{
	struct hep_conn *oldest = &l->conns[0];

	for (size_t i = 0; i < l->cfg.max_conns; i++) {
		if (l->conns[i].fd < 0)
			return &l->conns[i];
		if (l->conns[i].last_rx_us < oldest->last_rx_us)
			oldest = &l->conns[i];
	}
	hep_listen_drop(oldest);
	l->stats.tcp_evicted++;
	return oldest;
}

static void hep_listen_accept(struct hep_listener *l, int64_t now)
{
	for (int i = 0; i < HEP_LISTEN_ACCEPT_BURST; i++) {
		int fd = accept(l->tcp_fd, NULL, NULL);
		if (fd < 0)
			return;
		if (fcntl(fd, F_SETFL, O_NONBLOCK) != 0 || fcntl(fd, F_SETFD, FD_CLOEXEC) != 0) {
			close(fd);
			continue;
		}
		struct hep_conn *c = hep_listen_slot(l);
		c->fd = fd;
		c->buf = xmalloc(HEP3_MAX_LEN);
		c->used = 0;
		c->last_rx_us = now;
		l->stats.tcp_accepted++;
	}
}

/* Cuts the complete packets out of c's buffer; false when the stream is not
 * HEP3 (the connection is then closed). */
static bool hep_listen_frames(struct hep_listener *l, struct hep_conn *c, int64_t now,
			      hep_listen_emit_fn emit, void *ctx)
{
	size_t off = 0;

	for (;;) {
		long len = hep_frame_len(c->buf + off, c->used - off);
		if (len < 0) {
			l->stats.hep.packets++;
			l->stats.hep.errors++;
			return false;
		}
		if (len == 0 || (size_t)len > c->used - off)
			break;
		struct sip_packet h;
		const uint8_t *payload;
		if (hep_input(c->buf + off, (size_t)len, hep_listen_wall_us(), l->cfg.password,
			      &l->stats.hep, &h, &payload))
			emit(ctx, &h, payload);
		off += (size_t)len;
	}
	if (off) {
		memmove(c->buf, c->buf + off, c->used - off);
		c->used -= off;
		c->partial_since_us = now;
	}
	return true;
}

static void hep_listen_read(struct hep_listener *l, struct hep_conn *c, int64_t now,
			    hep_listen_emit_fn emit, void *ctx)
{
	ssize_t n = recv(c->fd, c->buf + c->used, HEP3_MAX_LEN - c->used, MSG_DONTWAIT);

	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
		hep_listen_drop(c); /* the agent closed, or the connection failed */
		return;
	}
	if (n < 0)
		return;
	if (c->used == 0)
		c->partial_since_us = now;
	c->used += (size_t)n;
	c->last_rx_us = now;
	if (!hep_listen_frames(l, c, now, emit, ctx)) {
		hep_listen_drop(c);
		l->stats.tcp_closed_bad++;
	}
}

/* Silent connections, and ones that started a packet and never finished it. */
static void hep_listen_expire(struct hep_listener *l, int64_t now)
{
	for (size_t i = 0; i < l->cfg.max_conns; i++) {
		struct hep_conn *c = &l->conns[i];
		if (c->fd < 0)
			continue;
		if (now - c->last_rx_us > l->cfg.idle_us ||
		    (c->used > 0 && now - c->partial_since_us > l->cfg.partial_us)) {
			hep_listen_drop(c);
			l->stats.tcp_closed_idle++;
		}
	}
}

void hep_listen_poll(struct hep_listener *l, int timeout_ms, int extra_fd,
		     hep_listen_emit_fn emit, void *ctx)
{
	nfds_t n = 0;

	l->pfd[n++] = (struct pollfd){.fd = l->udp_fd, .events = POLLIN};
	l->pfd[n++] = (struct pollfd){.fd = l->tcp_fd, .events = POLLIN};
	l->pfd[n++] = (struct pollfd){.fd = extra_fd, .events = POLLIN};
	for (size_t i = 0; i < l->cfg.max_conns; i++)
		l->pfd[n++] = (struct pollfd){.fd = l->conns[i].fd, .events = POLLIN};
	if (poll(l->pfd, n, timeout_ms) < 0 && errno != EINTR)
		return;
	int64_t now = hep_listen_mono_us();
	if (l->pfd[0].revents)
		hep_listen_udp(l, emit, ctx);
	for (size_t i = 0; i < l->cfg.max_conns; i++) {
		struct hep_conn *c = &l->conns[i];
		if (c->fd >= 0 && c->fd == l->pfd[3 + i].fd && l->pfd[3 + i].revents)
			hep_listen_read(l, c, now, emit, ctx);
	}
	/* After the reads, so an eviction never closes a connection with data waiting. */
	if (l->pfd[1].revents)
		hep_listen_accept(l, now);
	hep_listen_expire(l, now);
}

const struct hep_listen_stats *hep_listen_get_stats(const struct hep_listener *l)
{
	return &l->stats;
}

const char *hep_listen_name(const struct hep_listener *l)
{
	return l->name;
}

void hep_listen_close(struct hep_listener *l)
{
	if (!l)
		return;
	for (size_t i = 0; l->conns && i < l->cfg.max_conns; i++)
		if (l->conns[i].fd >= 0)
			hep_listen_drop(&l->conns[i]);
	if (l->udp_fd >= 0)
		close(l->udp_fd);
	if (l->tcp_fd >= 0)
		close(l->tcp_fd);
	free(l->conns);
	free(l->pfd);
	free(l);
}
