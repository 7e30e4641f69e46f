/* options: the command line of contract.md, parsed into plain values. */
#ifndef SIPWATCH_OPTIONS_H
#define SIPWATCH_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "capture/decode.h"

enum report_format {
	REPORT_NONE = 0,
	REPORT_TEXT,
	REPORT_JSON,
};

struct options {
	const char *read_file;  /* -r */
	const char *iface;      /* -i */
	const char *filter;     /* -f */
	uint16_t ports[DECODER_MAX_PORTS];
	size_t n_ports;
	/* tunnels (issue 15) */
	uint16_t vxlan_ports[DECODER_MAX_PORTS]; /* --vxlan-port, beyond 4789 and 8472 */
	size_t n_vxlan_ports;
	const char *db_path;    /* -d */
	bool db_given;          /* -d or --open on the command line */
	bool open_db;           /* --open, or -d without -r/-i: browse the db */
	bool again;             /* --again: read a file the db already holds */
	bool no_ui;
	enum report_format report;
	const char *events_path;
	const char *alert_exec;
	bool fail_on_doomed;
	bool headers_only;
	size_t max_dialogs;
	int retention_days;
	uint64_t count;         /* -c */
	int duration;           /* --duration seconds, 0 = none */
	const char *write_file; /* -w */
	const char *user;       /* -Z */
	bool utc;
	/* --- TLS decryption (issue 16) --- */
	const char *tls_keylog; /* --tls-keylog; NULL: $SSLKEYLOGFILE if set */
#define OPTIONS_MAX_TLS_KEYS 16
	const char *tls_key_files[OPTIONS_MAX_TLS_KEYS]; /* -k, repeatable */
	size_t n_tls_keys;
	/* ---- monitoring outputs (issue 19) ---- */
	const char *metrics_addr;  /* --metrics [ADDR:]PORT; NULL = none */
	const char *hep_send;      /* --hep-send [udp:|tcp:]HOST:PORT; NULL = none */
	uint32_t hep_id;           /* --hep-id: capture agent id */
	bool syslog;               /* --syslog [FACILITY] */
	int syslog_facility;       /* LOG_DAEMON unless given */
	/* HEP input (issue 15) */
	const char *hep_listen;   /* --hep-listen [ADDR:]PORT; NULL = none */
	uint16_t hep_port;        /* --hep-port: HEP inside captures (default 9060) */
	/* --hep-password: the auth key HEP input must carry and HEP output sends */
	const char *hep_password;
	bool strict_peers; /* issue 13: --strict-peers */
	/* issue 17 */
	uint64_t db_max_size;   /* --db-max-size bytes, 0 = none */
	int buffer_kib;         /* -B KiB, 0 = the default */
	const char *columns;    /* issue 18: --columns, NULL = all */
};

enum options_result {
	OPTIONS_RUN = 0,
	OPTIONS_EXIT_OK,    /* --help / --version printed */
	OPTIONS_USAGE_ERROR /* message printed; exit 2 */
};

enum options_result options_parse(int argc, char **argv, struct options *o);
void options_usage(FILE *out);

#endif
