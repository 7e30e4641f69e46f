/* dashboard: the ncurses terminal dashboard (main screen + dialog screen).
 *
 * It reads everything it shows from the db through db/query.h (its own
 * read-only connection), plus a live counters callback for the header, so it
 * never touches capture or analyzer state and never holds a lock they want. */
#ifndef SIPWATCH_DASHBOARD_H
#define SIPWATCH_DASHBOARD_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct dashboard_feed;

struct dashboard_counters {
	uint64_t packets, sip_messages, parse_errors, duplicates, dropped, encrypted;
	uint64_t tls_sessions, tls_decrypted; /* TLS sessions seen / opened with a key */
	uint64_t dialogs_active, dialogs_total, dialogs_doomed;
	int64_t clock_us;     /* the analyzer's clock: last packet time, or wall time live */
	bool input_finished;  /* file read to the end (offline: browse mode) */
	bool input_failed;
	char input_error[256];
	char store_status[320]; /* storage trouble (issue 17), "" when all is stored */
};

struct dashboard_config {
	const char *db_path;
	uint64_t capture_id;
	const char *source; /* file name or interface, for the header */
	bool live;
	bool utc;
	bool strict_peers; /* --strict-peers: said in the status line */
	/* Called from the ui thread a few times a second; must be cheap and thread-safe. */
	void (*counters)(void *ctx, struct dashboard_counters *out);
	void *ctx;
	/* Live: the changed dialog rows, pushed by the analyzer's thread (NULL:
	 * the dashboard re-reads the db while the counters move). */
	struct dashboard_feed *feed;
	/* issue 18: the list's columns ("state,start,..."; NULL = all), and where
	 * the column editor saves its choice: (name, value) into the config file,
	 * false with a reason; the place written on success (NULL = no saving). */
	const char *columns;
	bool (*save_option)(const char *name, const char *value, char *msg, size_t n);
	/* Set by a signal handler: leave the dashboard. */
	atomic_int *stop_flag;
};

/* Runs until the user quits (q) or *stop_flag.  Returns 0, or 1 with a reason in err. */
int dashboard_run(const struct dashboard_config *cfg, char *err, size_t errlen);

#endif
