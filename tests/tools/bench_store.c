/* bench_store: message rows per second through the store (batched
 * transactions, WAL, synchronous=NORMAL, every index of the schema).
 *
 *   bench_store [-n MESSAGES] [-s RAW_BYTES] [-b BATCH_ROWS] [-u EVERY] [-d DB] [-H]
 *               [-k DIALOGS] [-c CACHE_KIB] [-i INTERVAL_MS]
 *
 * Feeds MESSAGES message records (a realistic ~RAW_BYTES SIP text each, 20
 * messages per dialog, DIALOGS (1) of them interleaved at a time as on a busy
 * wire, a dialog upsert every EVERY (10) messages, 0 = none,
 * a finding every 1000) with packet times 40 µs apart, calling store_maybe_flush after each
 * as the pipeline does (batches of BATCH_ROWS or INTERVAL_MS (500) of packet
 * time), then store_flush.  -H stores headers only; -c sets
 * the writer's page cache (KiB).  Prints one line per run with rows/s and
 * the process's peak RSS. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "common/numparse.h"
#include "db/store.h"

static double bench_now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static size_t bench_arg(const char *s)
{
	uint64_t v = 0;
	if (!parse_uint(s, strlen(s), 1000000000, &v)) {
		fprintf(stderr, "bench_store: bad number %s\n", s);
		exit(2);
	}
	return (size_t)v;
}

/* A SIP message of about size bytes; headers end at *header_len. */
static char *bench_raw(size_t size, size_t *header_len)
{
	static const char head[] =
		"INVITE sip:bob@192.0.2.20:5060 SIP/2.0\r\n"
		"Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK776asdhds\r\n"
		"Max-Forwards: 70\r\nTo: Bob <sip:bob@example.com>;tag=a6c85cf\r\n"
		"From: Alice <sip:alice@example.com>;tag=1928301774\r\n"
		"Call-ID: a84b4c76e66710@pc33.example.com\r\nCSeq: 314159 INVITE\r\n"
		"Contact: <sip:alice@192.0.2.10:5060>\r\nSession-Expires: 1800;refresher=uac\r\n"
		"Supported: timer\r\nContent-Type: application/sdp\r\n\r\n";
	char *raw = malloc(size + sizeof head);
	size_t n = sizeof head - 1;

	if (!raw)
		abort();
	memcpy(raw, head, n);
	*header_len = n;
	while (n < size) {
		static const char sdp[] = "a=rtpmap:0 PCMU/8000\r\n";
		size_t k = sizeof sdp - 1 < size - n ? sizeof sdp - 1 : size - n;
		memcpy(raw + n, sdp, k);
		n += k;
	}
	raw[n] = '\0';
	return raw;
}

int main(int argc, char **argv)
{
	size_t count = 500000, size = 600, batch = 100000, upsert_every = 10, conc = 1, cache = 0,
	       interval_ms = 500;
	const char *path = "/tmp/bench_store.db";
	bool headers_only = false;
	int opt;

	while ((opt = getopt(argc, argv, "n:s:b:u:d:Hk:c:i:")) != -1) {
		switch (opt) {
		case 'n': count = bench_arg(optarg); break;
		case 's': size = bench_arg(optarg); break;
		case 'b': batch = bench_arg(optarg); break;
		case 'u': upsert_every = bench_arg(optarg); break;
		case 'd': path = optarg; break;
		case 'H': headers_only = true; break;
		case 'k': conc = bench_arg(optarg); break;
		case 'c': cache = bench_arg(optarg); break;
		case 'i': interval_ms = bench_arg(optarg); break;
		default:
			fprintf(stderr, "usage: bench_store [-n N] [-s BYTES] [-b ROWS] [-u EVERY] [-d DB] [-H] [-k DIALOGS] [-c KIB] [-i MS]\n");
			return 2;
		}
	}
	static const char *const suffixes[] = {"", "-wal", "-shm"};
	for (size_t i = 0; i < 3; i++) {
		char p[512];
		snprintf(p, sizeof p, "%s%s", path, suffixes[i]);
		unlink(p);
	}

	struct store_options o;
	char err[256];
	store_options_defaults(&o);
	o.batch_rows = batch;
	o.store_bodies = !headers_only;
	o.cache_kib = (int)cache;
	o.batch_interval_us = (int64_t)interval_ms * 1000;
	struct store *s = store_open(path, &o, err, sizeof err);
	if (!s) {
		fprintf(stderr, "bench_store: %s\n", err);
		return 1;
	}
	const int64_t t0 = 1700000000LL * USEC_PER_SEC;
	struct capture_info ci = {.source = "bench", .kind = "file", .started = t0, .ended = t0};
	store_begin_capture(s, &ci);

	size_t header_len;
	char *raw = bench_raw(size, &header_len);
	struct message_record m = {.src = "192.0.2.10:5060", .dst = "192.0.2.20:5060",
				   .transport = TRANSPORT_UDP, .method = "INVITE",
				   .cseq_method = "INVITE", .call_id = "a84b4c76e66710@pc33.example.com",
				   .raw = (const uint8_t *)raw, .raw_len = strlen(raw),
				   .header_len = header_len};
	struct dialog_record d = {.call_id = m.call_id, .from_uri = "sip:alice@example.com",
				  .to_uri = "sip:bob@example.com", .from_tag = "1928301774",
				  .to_tag = "a6c85cf", .caller_ua = "Alice/1.0",
				  .callee_ua = "UCMA/3.0", .session_expires = 1800, .min_se = 90,
				  .established = TS_NONE, .ended = TS_NONE, .last_refresh = TS_NONE,
				  .deadline = TS_NONE, .teardown_expected = TS_NONE,
				  .doomed_at = TS_NONE, .state = "confirmed"};
	struct finding_record f = {.code = FINDING_REFRESH_LATE, .severity = SEVERITY_INFO,
				   .endpoint = "192.0.2.20:5060", .agent = "UCMA/3.0",
				   .detail = "refresh came late"};
	size_t dialogs = 0, findings = 0;

	double a = bench_now();
	for (size_t i = 0; i < count && !store_failed(s); i++) {
		int64_t ts = t0 + (int64_t)i * 40;
		m.id = i + 1;
		m.dialog_id = i / (20 * conc) * conc + i % conc + 1;
		m.ts_us = ts;
		m.cseq = (uint32_t)i;
		store_message(s, &m);
		if (upsert_every && i % upsert_every == 0) {
			d.id = m.dialog_id;
			d.created = t0 + (int64_t)(i / (20 * conc)) * 20 * conc * 40;
			d.n_messages = (uint32_t)(i / conc % 20 + 1);
			store_dialog(s, &d);
			dialogs++;
		}
		if (i % 1000 == 0) {
			f.id = ++findings;
			f.dialog_id = m.dialog_id;
			f.ts_us = ts;
			store_finding(s, &f);
		}
		store_maybe_flush(s, ts);
	}
	store_flush(s);
	double b = bench_now();
	if (store_failed(s)) {
		fprintf(stderr, "bench_store: %s\n", store_error(s));
		store_close(s);
		return 1;
	}
	store_close(s);
	double c = bench_now();

	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	double cpu = (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
		     (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
	printf("bench_store: %zu messages (%zu B raw%s) + %zu dialog upserts + %zu findings,"
	       " %zu dialogs at a time, batch %zu, cache %zu KiB: %.2f s, %.0f messages/s"
	       " (%.0f rows/s); close+checkpoint %.2f s; CPU %.2f s; peak RSS %ld MiB\n",
	       count, strlen(raw), headers_only ? ", headers only" : "", dialogs, findings, conc,
	       batch, cache, b - a, (double)count / (b - a),
	       (double)(count + dialogs + findings) / (b - a), c - b, cpu, ru.ru_maxrss / 1024);
	free(raw);
	return 0;
}
