/* gzfile: a capture file as a stdio stream, gzip-compressed or not.
 *
 * A .pcap.gz, a .pcapng.gz, a plain file and standard input are told apart by
 * their first bytes (the gzip magic 1f 8b, RFC 1952 §2.3.1), never by their
 * name.  The stream is a fopencookie FILE, so libpcap reads it like any file.
 * Plain bytes are passed through with one read() per call, so a live pipe
 * (tcpdump -w - | sipwatch -r -) is not held back waiting for a full buffer
 * (zlib's gzread would wait); gzip is inflated here with zlib, member after
 * member (RFC 1952 allows several, as `cat a.gz b.gz` makes).  The first 4
 * bytes (decompressed) are read ahead to choose the reader, then replayed. */
#define _GNU_SOURCE
#include "capture/gzfile.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "common/xalloc.h"

#define GZFILE_IN 65536

struct gzfile {
	int fd;
	bool gzip, eof, failed;
	z_stream z;
	uint8_t in[GZFILE_IN];
	uint8_t head[4]; /* plain: the bytes read to look at the magic */
	size_t head_len, head_off;
};

static ssize_t gzfile_raw(struct gzfile *g, void *buf, size_t n)
{
	ssize_t r;

	do
		r = read(g->fd, buf, n);
	while (r < 0 && errno == EINTR);
	return r;
}

/* Inflates into buf; reads more input only when zlib has none left. */
static ssize_t gzfile_inflate(struct gzfile *g, char *buf, size_t n)
{
	uInt want = (uInt)(n > (1u << 30) ? (1u << 30) : n);

	g->z.next_out = (Bytef *)buf;
	g->z.avail_out = want;
	while (g->z.avail_out == want && !g->failed) {
		if (g->z.avail_in == 0) {
			if (g->eof)
				break;
			ssize_t r = gzfile_raw(g, g->in, sizeof g->in);
			if (r < 0)
				return -1;
			if (r == 0) {
				g->eof = true;
				break;
			}
			g->z.next_in = g->in;
			g->z.avail_in = (uInt)r;
		}
		int rc = inflate(&g->z, Z_NO_FLUSH);
		if (rc == Z_STREAM_END)
			inflateReset(&g->z); /* the next member, if any */
		else if (rc != Z_OK && rc != Z_BUF_ERROR)
			g->failed = true; /* corrupt: what came before is kept */
	}
	return (ssize_t)((size_t)((char *)g->z.next_out - buf));
}

static ssize_t gzfile_read(void *cookie, char *buf, size_t n)
{
	struct gzfile *g = cookie;

	if (g->head_off < g->head_len) { /* the magic, read ahead */
		size_t k = g->head_len - g->head_off < n ? g->head_len - g->head_off : n;
		memcpy(buf, g->head + g->head_off, k);
		g->head_off += k;
		return (ssize_t)k;
	}
	return g->gzip ? gzfile_inflate(g, buf, n) : gzfile_raw(g, buf, n);
}

static int gzfile_close(void *cookie)
{
	struct gzfile *g = cookie;

	if (g->gzip)
		inflateEnd(&g->z);
	int rc = close(g->fd);
	free(g);
	return rc;
}

FILE *gzfile_open(int fd, uint8_t magic[4], size_t *magic_len)
{
	struct gzfile *g = xcalloc(1, sizeof *g);
	cookie_io_functions_t io = {.read = gzfile_read, .close = gzfile_close};

	g->fd = fd;
	while (g->head_len < sizeof g->head) {
		ssize_t r = gzfile_raw(g, g->head + g->head_len, sizeof g->head - g->head_len);
		if (r <= 0)
			break;
		g->head_len += (size_t)r;
	}
	if (g->head_len >= 2 && g->head[0] == 0x1f && g->head[1] == 0x8b) {
		g->gzip = true;
		/* 16 + MAX_WBITS: a gzip wrapper, not zlib's */
		if (inflateInit2(&g->z, 16 + MAX_WBITS) != Z_OK) {
			free(g);
			return NULL;
		}
		memcpy(g->in, g->head, g->head_len);
		g->z.next_in = g->in;
		g->z.avail_in = (uInt)g->head_len;
		g->head_len = 0;
		while (g->head_len < 4) { /* the decompressed magic */
			ssize_t r = gzfile_inflate(g, (char *)g->head + g->head_len, 4 - g->head_len);
			if (r <= 0)
				break;
			g->head_len += (size_t)r;
		}
	}
	memcpy(magic, g->head, g->head_len);
	*magic_len = g->head_len;
	FILE *fp = fopencookie(g, "rb", io);
	if (!fp) {
		if (g->gzip)
			inflateEnd(&g->z);
		free(g);
	}
	return fp;
}
