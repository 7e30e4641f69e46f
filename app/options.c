/* options: getopt_long parsing and the --help text (the man page's summary). */
#include "app/options.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "app/hep_send.h"
#include "app/metrics.h"
#include "app/syslog_out.h"
#include "ui/columns.h"
#include "common/numparse.h"
#include "common/version.h"

enum {
	OPT_NO_UI = 256,
	OPT_REPORT,
	OPT_EVENTS,
	OPT_ALERT_EXEC,
	OPT_FAIL_ON_DOOMED,
	OPT_HEADERS_ONLY,
	OPT_MAX_DIALOGS,
	OPT_RETENTION_DAYS,
	OPT_DURATION,
	OPT_UTC,
	OPT_VERSION,
	OPT_VXLAN_PORT,
	OPT_TLS_KEYLOG,
	/* ---- monitoring outputs (issue 19) ---- */
	OPT_METRICS,
	OPT_HEP_SEND,
	OPT_HEP_ID,
	OPT_HEP_PASSWORD,
	OPT_SYSLOG,
	OPT_HEP_LISTEN,
	OPT_HEP_PORT,
	/* issue 13: session-timer judging */
	OPT_STRICT_PEERS,
	OPT_DB_MAX_SIZE, /* issue 17 */
	OPT_OPEN,
	OPT_AGAIN,
	OPT_COLUMNS, /* issue 18: the dashboard's columns */
};

static const struct option options_long[] = {
	{"read", required_argument, NULL, 'r'},
	{"interface", required_argument, NULL, 'i'},
	{"filter", required_argument, NULL, 'f'},
	{"ports", required_argument, NULL, 'p'},
	{"db", required_argument, NULL, 'd'},
	{"no-ui", no_argument, NULL, OPT_NO_UI},
	{"report", required_argument, NULL, OPT_REPORT},
	{"events", required_argument, NULL, OPT_EVENTS},
	{"alert-exec", required_argument, NULL, OPT_ALERT_EXEC},
	{"fail-on-doomed", no_argument, NULL, OPT_FAIL_ON_DOOMED},
	{"headers-only", no_argument, NULL, OPT_HEADERS_ONLY},
	{"max-dialogs", required_argument, NULL, OPT_MAX_DIALOGS},
	{"retention-days", required_argument, NULL, OPT_RETENTION_DAYS},
	{"count", required_argument, NULL, 'c'},
	{"duration", required_argument, NULL, OPT_DURATION},
	{"write", required_argument, NULL, 'w'},
	{"user", required_argument, NULL, 'Z'},
	{"utc", no_argument, NULL, OPT_UTC},
	{"tls-keylog", required_argument, NULL, OPT_TLS_KEYLOG},
	{"tls-key", required_argument, NULL, 'k'},
	/* ---- monitoring outputs (issue 19) ---- */
	{"metrics", required_argument, NULL, OPT_METRICS},
	{"hep-send", required_argument, NULL, OPT_HEP_SEND},
	{"hep-id", required_argument, NULL, OPT_HEP_ID},
	{"hep-password", required_argument, NULL, OPT_HEP_PASSWORD},
	{"syslog", optional_argument, NULL, OPT_SYSLOG},
	{"hep-listen", required_argument, NULL, OPT_HEP_LISTEN},
	{"hep-port", required_argument, NULL, OPT_HEP_PORT},
	/* issue 13 */
	{"strict-peers", no_argument, NULL, OPT_STRICT_PEERS},
	{"open", required_argument, NULL, OPT_OPEN},
	{"again", no_argument, NULL, OPT_AGAIN},
	{"columns", required_argument, NULL, OPT_COLUMNS},
	{"help", no_argument, NULL, 'h'},
	{"version", no_argument, NULL, OPT_VERSION},
	{"vxlan-port", required_argument, NULL, OPT_VXLAN_PORT},
	/* issue 17: always on */
	{"db-max-size", required_argument, NULL, OPT_DB_MAX_SIZE},
	{"buffer-size", required_argument, NULL, 'B'},
	{NULL, 0, NULL, 0},
};

void options_usage(FILE *out)
{
	fputs("Usage: sipwatch [options] -r FILE     analyse a capture file (pcap or pcapng; - = stdin)\n"
	      "       sipwatch [options] -i IFACE    capture live (a mirror/SPAN port, or any interface)\n"
	      "       sipwatch [options] --open DB   browse a db written before (or -d DB alone)\n"
	      "\n"
	      "sipwatch follows SIP dialogs passively and checks RFC 4028 session timers: it flags a\n"
	      "dialog as doomed the moment a refresh gets a malformed, rejected or lost answer, names\n"
	      "the message and the endpoint at fault, and predicts when the call will be torn down.\n"
	      "Dialogs, messages and findings go to an SQLite database; a dashboard shows them live.\n"
	      "\n"
	      "Input:\n"
	      "  -r, --read FILE         read packets from FILE (pcap/pcapng, - = stdin); never drops\n"
	      "  -i, --interface IFACE   live capture on IFACE (promiscuous); drops and counts rather\n"
	      "                          than block when the analyzer is behind\n"
	      "  -f, --filter EXPR       BPF capture filter (default: SIP ports and IP fragments)\n"
	      "  -p, --ports LIST        SIP ports, comma separated (default 5060); SIP on other ports\n"
	      "                          is still recognised by its first line\n"
	      "      --vxlan-port LIST   more UDP ports carrying VXLAN (comma separated), beside\n"
	      "                          4789 and 8472.  Decapsulated always: VXLAN, GENEVE (6081),\n"
	      "                          GRE and GRETAP, ERSPAN I/II/III, MPLS, IP-in-IP, 6in4,\n"
	      "                          PPPoE, VLAN tags, SIP over SCTP; the report counts packets\n"
	      "                          per encapsulation and every packet not decoded, by reason\n"
	      "  -c, --count N           stop after N packets (N >= 1)\n"
	      "      --duration SECONDS  live: stop after SECONDS\n"
	      "  -w, --write FILE        also write the captured packets to a pcap file\n"
	      "  -Z, --user USER         live: drop root privileges to USER once the capture and\n"
	      "                          the database are open (the db files are handed to USER)\n"
	      "  -B, --buffer-size KIB   live: the kernel capture buffer in KiB (as tcpdump -B;\n"
	      "                          default 32768); kernel drops are counted in the captures\n"
	      "                          row, the report, the dashboard and --metrics (on lo, each\n"
	      "                          packet once: the outgoing copies are not captured)\n"
	      "\n"
	      "TLS and WebSocket (SIP over TLS, WS and WSS is found by content on any port):\n"
	      "      --tls-keylog FILE   NSS key log (SSLKEYLOGFILE format) to decrypt TLS 1.2 and\n"
	      "                          1.3; re-read as it grows (default: $SSLKEYLOGFILE)\n"
	      "  -k, --tls-key FILE      PEM RSA private key of a server, for TLS 1.0-1.2 sessions\n"
	      "                          with RSA key exchange (repeatable)\n"
	      "\n"
	      "Storage:\n"
	      "  -d, --db FILE           SQLite database (default sipwatch.db); created if missing,\n"
	      "                          appended to if present.  Browsing a file in the dashboard\n"
	      "                          (-r FILE on a terminal) without -d uses a temporary db,\n"
	      "                          removed at exit; headless runs write sipwatch.db\n"
	      "      --open DB           browse DB's newest capture (no capture; a report when\n"
	      "                          not on a terminal)\n"
	      "      --again             read a file the db already holds (same size and first\n"
	      "                          bytes) once more; without it the file is skipped\n"
	      "      --headers-only      store message headers but not bodies\n"
	      "      --retention-days N  on start and hourly, delete what is older than N days\n"
	      "      --max-dialogs N     dialogs kept in memory at most (default 100000); the oldest\n"
	      "                          idle ones are written out with end class EVICTED\n"
	      "      --db-max-size SIZE  keep the db and its WAL within SIZE (suffix K, M or G;\n"
	      "                          +10%): the bodies, then the messages of healthy ended\n"
	      "                          dialogs go first, doomed and timer-torn-down ones last\n"
	      "  Storage trouble (full disk, I/O error, a lock held too long) never stops the\n"
	      "  analysis: storing degrades (no bodies, no messages, only dialogs and findings),\n"
	      "  is said once on stderr and in the captures row, and resumes by itself.\n"
	      "\n"
	      "Output:\n"
	      "      --no-ui             no dashboard (the default when stdout is not a terminal)\n"
	      "      --report text|json  print the report on stdout when the capture ends (headless\n"
	      "                          without --report prints the text report)\n"
	      "      --events FILE       append one JSON line per event (doomed, recovered, teardown,\n"
	      "                          expired, at_risk, risk_cleared) as it happens; - = stdout\n"
	      "      --alert-exec CMD    run CMD (no shell) for each doomed event, with the event's\n"
	      "                          JSON on its stdin; bounded in rate and concurrency\n"
	      "      --fail-on-doomed    exit with status 3 if a dialog is doomed at the end\n"
	      "      --utc               show times in UTC (default: local time, zone shown)\n"
	      /* issue 18: the dashboard's columns */
	      "      --columns LIST      the dashboard list's columns, in order: state,method,start,\n"
	      "                          callid,fromto,useragent,seref,refresh,teardown,end,findings (F10\n"
	      "                          in the dashboard chooses them and saves --columns in the\n"
	      "                          config file)\n"
	      "\n"
	      "Monitoring (Prometheus, Homer, syslog):\n"
	      "      --metrics [ADDR:]PORT  serve Prometheus metrics on http://ADDR:PORT/metrics\n"
	      "                          (ADDR default 127.0.0.1; [::1]:PORT for IPv6): packets, SIP\n"
	      "                          messages, parse errors, drops, dialogs, findings and doomed\n"
	      "                          dialogs by code, events, timer teardowns, db lag, HEP counts\n"
	      "      --hep-send [udp:|tcp:]HOST:PORT  send every SIP message as HEP v3 (and every\n"
	      "                          finding and event as a HEP log, correlated by Call-ID) to a\n"
	      "                          Homer/heplify collector; UDP by default; never slows the\n"
	      "                          analysis (a bounded queue; what does not fit is counted)\n"
	      "      --hep-id N          HEP capture agent id (default 0)\n"
	      "      --hep-password S    HEP authentication key\n"
	      "      --syslog[=FACILITY] one syslog line per doomed, recovered, teardown and expired\n"
	      "                          event, RFC 5424 structured data (default facility daemon;\n"
	      "                          local0..local7, user, ...)\n"
	      "      SIGHUP              reopens the --events file (for logrotate)\n"
	      "\n"
	      "HEP input (capture agents: Kamailio siptrace, OpenSIPS, heplify, FreeSWITCH, ...):\n"
	      "      --hep-listen [ADDR:]PORT  collect HEP v3 on UDP and TCP PORT (alone or beside\n"
	      "                          -i/-r); without ADDR it binds 127.0.0.1 only: give\n"
	      "                          0.0.0.0:PORT to hear other hosts.  Messages take HEP's\n"
	      "                          addresses, ports and time; messages.hep_agent_id keeps\n"
	      "                          the capture agent id\n"
	      "      --hep-port PORT     HEP3 in captured UDP on PORT is decoded too (default 9060)\n"
	      "      --hep-password KEY  take only HEP whose auth key is KEY (others counted, dropped);\n"
	      "                          also the key --hep-send sends\n"
	      "      --strict-peers      the site's proxies and refreshers are strict (Lync, Skype for\n"
	      "                          Business, UCMA): a defective refresh answer dooms the call at\n"
	      "                          once (default: it puts the call at risk until the evidence -\n"
	      "                          a lost answer, a 408, a teardown - dooms it or shows it accepted)\n"
	      "  -h, --help              show this help\n"
	      "      --version           show the version\n"
	      "\n"
	      "Service (systemd Type=notify; contrib/sipwatch.service):\n"
	      "  READY=1 once the capture runs; with WatchdogSec, WATCHDOG=1 every half of it\n"
	      "  while the analysis and the capture thread turn (a stuck one is restarted);\n"
	      "  STOPPING=1 at SIGTERM.  Nothing without $NOTIFY_SOCKET.  Each start appends\n"
	      "  a captures row to the db; what earlier runs stored stays.\n"
	      "\n"
	      "Default flags: one long option a line (\"--utc\", \"--max-dialogs 50000\", # comments)\n"
	      "in $SIPWATCH_CONFIG, else ~/.config/sipwatch/config ($XDG_CONFIG_HOME), else\n"
	      "/etc/sipwatch.conf; the command line wins.\n"
	      "\n"
	      /* issue 18 item 2: every method in the dashboard */
	      "Dashboard: INVITE dialogs and the REGISTER, OPTIONS, SUBSCRIBE/NOTIFY, REFER,\n"
	      "MESSAGE, PUBLISH and INFO entries, with a METHOD column (shown on terminals of\n"
	      "136 columns and more, or chosen with F10 / --columns).  Keys on the list:\n"
	      "  o    hide or show REGISTER and OPTIONS (the F7 form's box)\n"
	      "  m M  one method only, the next each time (INVITE, REGISTER, OPTIONS, ...; the\n"
	      "       F7 form's method field); M: every method.  ? lists every key.\n"
	      "\n"
	      "Wire text (issue 17): text in the db, the reports and on screen is valid UTF-8:\n"
	      "NUL and bytes that are not UTF-8 show as \\xHH; messages.raw keeps the bytes (a\n"
	      "BLOB).  A malformed Content-Length is the warning CONTENT_LENGTH_MALFORMED and is\n"
	      "counted (malformed.content_length); over TCP the framing resumes after it.\n"
	      "\n"
	      "Exit status: 0 done; 1 runtime failure (one line on stderr); 2 bad usage;\n"
	      "3 --fail-on-doomed and a dialog was doomed; 4 done, but the db is incomplete\n"
	      "(storage trouble: something could not be stored; the report is complete\n"
	      "unless the last line on stderr says it lacks some dialogs or findings).\n"
	      "\n"
	      "Examples:\n"
	      "  sipwatch -r outage.pcap                     browse a capture (text report if piped)\n"
	      "  sipwatch -r day.pcapng --no-ui --report json -d calls.db\n"
	      "  sipwatch -i eth1 -Z sipwatch --events /var/log/sipwatch/events.jsonl --no-ui\n"
	      "  sqlite3 sipwatch.db 'select * from doomed_dialogs'\n"
	      "\n"
	      "See sipwatch(8) and README.md for the findings, the database and its views.\n",
	      out);
}

static bool options_number_min(const char *name, const char *arg, uint64_t min, uint64_t max,
			       uint64_t *out)
{
	if (!parse_uint(arg, strlen(arg), max, out) || *out < min) {
		if (max == UINT64_MAX) {
			fprintf(stderr, "sipwatch: %s: '%s' is not a number of at least %llu\n", name,
				arg, (unsigned long long)min);
			return false;
		}
		fprintf(stderr, "sipwatch: %s: '%s' is not a number between %llu and %llu\n", name, arg,
			(unsigned long long)min, (unsigned long long)max);
		return false;
	}
	return true;
}

static bool options_number(const char *name, const char *arg, uint64_t max, uint64_t *out)
{
	return options_number_min(name, arg, 0, max, out);
}

/* SIZE with an optional K, M or G (powers of 1024), at least 1 MiB. */
static bool options_size(const char *name, const char *arg, uint64_t *out)
{
	size_t n = strlen(arg);
	uint64_t mult = 1, v;

	if (n > 0) {
		switch (arg[n - 1]) {
		case 'k': case 'K': mult = UINT64_C(1) << 10; n--; break;
		case 'm': case 'M': mult = UINT64_C(1) << 20; n--; break;
		case 'g': case 'G': mult = UINT64_C(1) << 30; n--; break;
		default: break;
		}
	}
	if (!parse_uint(arg, n, UINT64_MAX / mult, &v) || v * mult < (UINT64_C(1) << 20)) {
		fprintf(stderr, "sipwatch: %s: '%s' is not a size of at least 1M (suffix K, M or G)\n",
			name, arg);
		return false;
	}
	*out = v * mult;
	return true;
}

static bool options_port_list(const char *name, const char *arg, uint16_t *ports, size_t *count)
{
	const char *p = arg;

	*count = 0;
	while (*p) {
		size_t n = strcspn(p, ",");
		uint64_t v;
		if (!parse_uint(p, n, 65535, &v) || v == 0 || *count == DECODER_MAX_PORTS) {
			fprintf(stderr, "sipwatch: %s: '%s' is not a comma list of at most %d ports\n",
				name, arg, DECODER_MAX_PORTS);
			return false;
		}
		ports[(*count)++] = (uint16_t)v;
		p += n;
		if (*p == ',')
			p++;
	}
	if (*count == 0) {
		fprintf(stderr, "sipwatch: %s: no ports given\n", name);
		return false;
	}
	return true;
}

static bool options_one(int c, const char *arg, struct options *o)
{
	uint64_t v;

	switch (c) {
	case 'r': o->read_file = arg; return true;
	case 'i': o->iface = arg; return true;
	case 'f': o->filter = arg; return true;
	case 'p': return options_port_list("-p", arg, o->ports, &o->n_ports);
	case OPT_VXLAN_PORT:
		return options_port_list("--vxlan-port", arg, o->vxlan_ports, &o->n_vxlan_ports);
	case 'd': o->db_path = arg; o->db_given = true; return true;
	case OPT_OPEN: o->db_path = arg; o->db_given = true; o->open_db = true; return true;
	case OPT_AGAIN: o->again = true; return true;
	case 'w': o->write_file = arg; return true;
	case 'Z': o->user = arg; return true;
	case OPT_NO_UI: o->no_ui = true; return true;
	case OPT_EVENTS: o->events_path = arg; return true;
	case OPT_ALERT_EXEC: o->alert_exec = arg; return true;
	case OPT_FAIL_ON_DOOMED: o->fail_on_doomed = true; return true;
	case OPT_HEADERS_ONLY: o->headers_only = true; return true;
	case OPT_UTC: o->utc = true; return true;
	case OPT_TLS_KEYLOG: o->tls_keylog = arg; return true;
	case 'k':
		if (o->n_tls_keys == OPTIONS_MAX_TLS_KEYS) {
			fprintf(stderr, "sipwatch: -k: at most %d key files\n", OPTIONS_MAX_TLS_KEYS);
			return false;
		}
		o->tls_key_files[o->n_tls_keys++] = arg;
		return true;
	case OPT_HEP_LISTEN: o->hep_listen = arg; return true;
	case OPT_HEP_PASSWORD: o->hep_password = arg; return true;
	case OPT_HEP_PORT:
		if (!options_number("--hep-port", arg, 65535, &v) || v == 0)
			return false;
		o->hep_port = (uint16_t)v;
		return true;
	case OPT_STRICT_PEERS: o->strict_peers = true; return true;
	case OPT_COLUMNS: {
		struct columns cols;
		char why[512];

		if (!columns_parse(arg, &cols, why, sizeof why)) {
			fprintf(stderr, "sipwatch: --columns: %s\n", why);
			return false;
		}
		o->columns = arg;
		return true;
	}
	case OPT_REPORT:
		if (strcmp(arg, "text") == 0)
			o->report = REPORT_TEXT;
		else if (strcmp(arg, "json") == 0)
			o->report = REPORT_JSON;
		else {
			fprintf(stderr, "sipwatch: --report: '%s' is neither 'text' nor 'json'\n", arg);
			return false;
		}
		return true;
	case 'c': /* like tcpdump: 0 is not "no limit" (leave -c out for that) */
		return options_number_min("-c", arg, 1, UINT64_MAX, &o->count);
	case OPT_MAX_DIALOGS: /* one message for 0, -5 and 12x alike */
		if (!options_number_min("--max-dialogs", arg, 1, 100000000, &v))
			return false;
		o->max_dialogs = (size_t)v;
		return true;
	case OPT_RETENTION_DAYS:
		if (!options_number("--retention-days", arg, 36500, &v))
			return false;
		o->retention_days = (int)v;
		return true;
	/* ---- monitoring outputs (issue 19) ---- */
	case OPT_METRICS:
		if (!metrics_parse_addr(arg)) {
			fprintf(stderr, "sipwatch: --metrics: '%s' is not [ADDR:]PORT\n", arg);
			return false;
		}
		o->metrics_addr = arg;
		return true;
	case OPT_HEP_SEND:
		if (!hep_send_parse_target(arg, NULL)) {
			fprintf(stderr, "sipwatch: --hep-send: '%s' is not [udp:|tcp:]HOST:PORT\n", arg);
			return false;
		}
		o->hep_send = arg;
		return true;
	case OPT_HEP_ID:
		if (!options_number("--hep-id", arg, UINT32_MAX, &v))
			return false;
		o->hep_id = (uint32_t)v;
		return true;
	case OPT_SYSLOG:
		o->syslog = true;
		if (arg && !syslog_out_facility(arg, &o->syslog_facility)) {
			fprintf(stderr, "sipwatch: --syslog: '%s' is not a syslog facility\n", arg);
			return false;
		}
		return true;
	case OPT_DB_MAX_SIZE:
		return options_size("--db-max-size", arg, &o->db_max_size);
	case 'B':
		if (!options_number("-B", arg, 4u << 20, &v))
			return false;
		if (v == 0) {
			fprintf(stderr, "sipwatch: -B must be at least 1 (KiB)\n");
			return false;
		}
		o->buffer_kib = (int)v;
		return true;
	case OPT_DURATION:
		if (!options_number("--duration", arg, 100000000, &v))
			return false;
		o->duration = (int)v;
		return true;
	default:
		return false;
	}
}

static bool options_check(struct options *o)
{
	/* sipwatch --open DB, or -d DB alone: browse what a db holds */
	if (!o->read_file && !o->iface && !o->hep_listen && o->db_given) {
		o->open_db = true;
		return true;
	}
	if (o->open_db) {
		fprintf(stderr, "sipwatch: --open browses a db: it takes no -r, -i or --hep-listen (use -d to add to it)\n");
		return false;
	}
	if (o->read_file && o->iface) {
		fprintf(stderr, "sipwatch: give exactly one of -r FILE or -i IFACE (try --help)\n");
		return false;
	}
	if (!o->read_file && !o->iface && !o->hep_listen) {
		fprintf(stderr, "sipwatch: give -r FILE, -i IFACE or --hep-listen PORT (try --help)\n");
		return false;
	}
	if (o->read_file && !o->hep_listen && (o->duration || o->user)) {
		fprintf(stderr, "sipwatch: %s applies to live capture (-i) only\n",
			o->duration ? "--duration" : "-Z");
		return false;
	}
	if (o->hep_id && !o->hep_send) {
		fprintf(stderr, "sipwatch: --hep-id needs --hep-send\n");
		return false;
	}
	return true;
}

enum options_result options_parse(int argc, char **argv, struct options *o)
{
	int c;

	memset(o, 0, sizeof *o);
	o->ports[0] = 5060;
	o->n_ports = 1;
	o->db_path = "sipwatch.db";
	o->syslog_facility = LOG_DAEMON;
	o->hep_port = HEP_PORT_DEFAULT;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":r:i:f:p:d:c:w:Z:k:B:h", options_long, NULL)) != -1) {
		if (c == 'h') {
			options_usage(stdout);
			return OPTIONS_EXIT_OK;
		}
		if (c == OPT_VERSION) {
			printf("sipwatch %s\n", SIPWATCH_VERSION);
			return OPTIONS_EXIT_OK;
		}
		if (c == '?' || c == ':') {
			const char *what = c == '?' ? "unknown option" : "option needs a value";
			if (optopt)
				fprintf(stderr, "sipwatch: %s -%c (try --help)\n", what, optopt);
			else
				fprintf(stderr, "sipwatch: %s %s (try --help)\n", what, argv[optind - 1]);
			return OPTIONS_USAGE_ERROR;
		}
		/* --syslog FACILITY (with a space): a following facility name is its value. */
		if (c == OPT_SYSLOG && !optarg && optind < argc &&
		    syslog_out_facility(argv[optind], NULL))
			optarg = argv[optind++];
		if (!options_one(c, optarg, o))
			return OPTIONS_USAGE_ERROR;
	}
	if (optind < argc) {
		fprintf(stderr, "sipwatch: unexpected argument '%s' (try --help)\n", argv[optind]);
		return OPTIONS_USAGE_ERROR;
	}
	return options_check(o) ? OPTIONS_RUN : OPTIONS_USAGE_ERROR;
}
