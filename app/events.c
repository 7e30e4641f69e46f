/* events: JSON event lines and the --alert-exec command runner.
 *
 * The alert command is split on spaces and run with execvp (never a shell), its
 * stdin a pipe carrying the event JSON.  At most ALERT_MAX_RUNNING run at once
 * and ALERT_MAX_PER_MINUTE start per minute; the rest are counted, not run, so
 * an alert storm cannot fork-bomb the monitor.  The command inherits nothing
 * but its stdin and stdout/stderr (no capture socket, no db), SIGPIPE at its
 * default; the JSON goes down a non-blocking pipe, so a command that never
 * reads cannot stall the analyzer. */
#define _GNU_SOURCE /* close_range, pipe2 */
#include "app/events.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/xalloc.h"
#include "ui/report.h"

#define ALERT_MAX_ARGS 32

struct events {
	FILE *out;
	bool own_out;
	char *path;          /* to reopen on SIGHUP (logrotate) */
	char *cmd_buf;
	char *argv[ALERT_MAX_ARGS + 1];
	pid_t running[ALERT_MAX_RUNNING];
	time_t window_start;
	unsigned window_count;
	unsigned long suppressed;
};

static bool events_split(struct events *e, const char *cmd, char *err, size_t errlen)
{
	size_t argc = 0;

	e->cmd_buf = xstrdup(cmd);
	for (char *tok = strtok(e->cmd_buf, " \t"); tok; tok = strtok(NULL, " \t")) {
		if (argc == ALERT_MAX_ARGS) {
			snprintf(err, errlen, "--alert-exec: more than %d words", ALERT_MAX_ARGS);
			return false;
		}
		e->argv[argc++] = tok;
	}
	e->argv[argc] = NULL;
	if (argc == 0) {
		snprintf(err, errlen, "--alert-exec: empty command");
		return false;
	}
	return true;
}

struct events *events_open(const char *path, const char *cmd, char *err, size_t errlen)
{
	struct events *e = xcalloc(1, sizeof *e);

	if (path && strcmp(path, "-") == 0) {
		e->out = stdout;
	} else if (path) {
		e->out = fopen(path, "ae");
		if (!e->out) {
			snprintf(err, errlen, "cannot open events file '%s': %s", path, strerror(errno));
			free(e);
			return NULL;
		}
		e->own_out = true;
		e->path = xstrdup(path);
	}
	if (cmd && !events_split(e, cmd, err, errlen)) {
		events_close(e);
		return NULL;
	}
	return e;
}

void events_write_json(FILE *out, const struct event_record *ev)
{
	const struct dialog_record *d = ev->dialog;
	const struct finding_record *f = ev->finding;

	fprintf(out, "{\"event\":\"%s\",\"ts\":", event_kind_name(ev->kind));
	report_json_ts(out, ev->ts_us);
	fputs(",\"call_id\":", out);
	report_json_cstr(out, d ? d->call_id : NULL);
	fputs(",\"from\":", out);
	report_json_cstr(out, d ? d->from_uri : NULL);
	fputs(",\"to\":", out);
	report_json_cstr(out, d ? d->to_uri : NULL);
	fputs(",\"teardown_expected\":", out);
	report_json_ts(out, d ? d->teardown_expected : TS_NONE);
	fputs(",\"deadline\":", out);
	report_json_ts(out, d ? d->deadline : TS_NONE);
	fputs(",\"code\":", out);
	report_json_cstr(out, f ? finding_code_name(f->code) : NULL);
	fputs(",\"endpoint\":", out);
	report_json_cstr(out, f ? f->endpoint : NULL);
	fputs(",\"agent\":", out);
	report_json_cstr(out, f ? f->agent : NULL);
	fputs(",\"detail\":", out);
	report_json_cstr(out, f ? f->detail : NULL);
	putc('}', out);
}

static void events_reap(struct events *e)
{
	for (int i = 0; i < ALERT_MAX_RUNNING; i++) {
		if (e->running[i] > 0 && waitpid(e->running[i], NULL, WNOHANG) == e->running[i])
			e->running[i] = 0;
	}
}

static int events_free_slot(struct events *e)
{
	events_reap(e);
	for (int i = 0; i < ALERT_MAX_RUNNING; i++)
		if (e->running[i] == 0)
			return i;
	return -1;
}

static bool events_rate_ok(struct events *e)
{
	time_t now = time(NULL);

	if (now - e->window_start >= 60) {
		e->window_start = now;
		e->window_count = 0;
	}
	return e->window_count < ALERT_MAX_PER_MINUTE;
}

static void events_alert(struct events *e, const struct event_record *ev)
{
	int slot = events_free_slot(e);
	int fds[2];

	if (slot < 0 || !events_rate_ok(e) || pipe2(fds, O_CLOEXEC) != 0) {
		e->suppressed++;
		return;
	}
	pid_t pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		e->suppressed++;
		return;
	}
	if (pid == 0) {
		/* Only async-signal-safe calls here: the parent has other threads. */
		if (fds[0] == STDIN_FILENO)
			fcntl(fds[0], F_SETFD, 0); /* dup2 onto itself would keep CLOEXEC */
		else if (dup2(fds[0], STDIN_FILENO) < 0)
			_exit(127);
		close_range(3, ~0U, 0);
		signal(SIGPIPE, SIG_DFL);
		execvp(e->argv[0], e->argv);
		_exit(127);
	}
	close(fds[0]);
	e->running[slot] = pid;
	e->window_count++;
	/* Never wait for the command: what does not fit in the pipe is lost. */
	fcntl(fds[1], F_SETFL, fcntl(fds[1], F_GETFL) | O_NONBLOCK);
	FILE *w = fdopen(fds[1], "w");
	if (!w) {
		close(fds[1]);
		return;
	}
	/* A command that exits without reading must not kill us with SIGPIPE. */
	void (*old)(int) = signal(SIGPIPE, SIG_IGN);
	events_write_json(w, ev);
	putc('\n', w);
	fclose(w);
	signal(SIGPIPE, old);
}

static volatile sig_atomic_t events_reopen_flag;

void events_request_reopen(void)
{
	events_reopen_flag = 1;
}

/* After SIGHUP: the file logrotate moved away is closed (everything written so
 * far is in it, each line flushed) and the path opened anew, before the next
 * line, so no event is lost between the two.  If the new file cannot be
 * opened the old one is kept. */
static void events_reopen(struct events *e)
{
	events_reopen_flag = 0;
	if (!e->own_out)
		return;
	FILE *f = fopen(e->path, "ae");
	if (!f)
		return;
	fclose(e->out);
	e->out = f;
}

void events_emit(struct events *e, const struct event_record *ev)
{
	if (!e)
		return;
	if (events_reopen_flag)
		events_reopen(e);
	if (e->out) {
		events_write_json(e->out, ev);
		putc('\n', e->out);
		fflush(e->out);
	}
	if (e->argv[0] && ev->kind == EVENT_DOOMED)
		events_alert(e, ev);
}

unsigned long events_alerts_suppressed(const struct events *e)
{
	return e ? e->suppressed : 0;
}

void events_close(struct events *e)
{
	if (!e)
		return;
	/* Give running alert commands up to 5 s, then leave them to init. */
	for (int tries = 0; tries < 50; tries++) {
		bool any = false;
		events_reap(e);
		for (int i = 0; i < ALERT_MAX_RUNNING; i++)
			any |= e->running[i] > 0;
		if (!any)
			break;
		struct timespec ts = {0, 100000000L};
		nanosleep(&ts, NULL);
	}
	if (e->own_out)
		fclose(e->out);
	free(e->cmd_buf);
	free(e->path);
	free(e);
}
