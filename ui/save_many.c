/* save_many: marks, the file-name prompt and writing several dialogs at once.
 *
 * The marked dialogs (or, when none is marked, every dialog the list shows
 * now) are read from the db, merged in time order (flow_merge_collect) and
 * written through evidence_pcap (one pcap) or as text. */
#define _XOPEN_SOURCE_EXTENDED 1
#define NCURSES_WIDECHAR 1
#include "ui/save_many.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <ncurses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <wctype.h>

#include "common/xalloc.h"
#include "ui/dashboard_int.h"
#include "ui/evidence_pcap.h"

bool save_many_is_text(const char *name)
{
	size_t n = strlen(name);

	return n >= 4 && strcasecmp(name + n - 4, ".txt") == 0;
}

static bool save_many_put(int fd, const void *p, size_t n)
{
	const char *b = p;

	while (n) {
		ssize_t w = write(fd, b, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return false;
		b += w;
		n -= (size_t)w;
	}
	return true;
}

bool save_many_write_text(const char *path, const struct message_record *msgs, size_t n, bool utc,
			  char *err, size_t errlen)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
	bool ok = fd >= 0;

	if (!ok) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return false;
	}
	for (size_t i = 0; ok && i < n; i++) {
		const struct message_record *m = &msgs[i];
		char when[TIME_TEXT_MAX], line[ENDPOINT_STR_MAX * 2 + TIME_TEXT_MAX + 320];
		int len;

		time_text_format(m->ts_us, utc, TIME_TEXT_HMS_MS, when, sizeof when);
		len = snprintf(line, sizeof line, "%s%s %s -> %s %s %.200s\n", i ? "\n" : "", when,
			       m->src, m->dst, transport_name(m->transport),
			       m->call_id ? m->call_id : "");
		if (len < 0)
			len = 0;
		if ((size_t)len >= sizeof line)
			len = (int)sizeof line - 1;
		ok = save_many_put(fd, line, (size_t)len) && save_many_put(fd, m->raw, m->raw_len);
		if (ok && (m->raw_len == 0 || m->raw[m->raw_len - 1] != '\n'))
			ok = save_many_put(fd, "\n", 1);
	}
	if (!ok)
		snprintf(err, errlen, "%s: %s", path, strerror(errno ? errno : EIO));
	if (close(fd) != 0 && ok) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		ok = false;
	}
	return ok;
}

/* ---- marks ---- */

static int save_many_id_cmp(const void *pa, const void *pb)
{
	uint64_t a = *(const uint64_t *)pa, b = *(const uint64_t *)pb;

	return (a > b) - (a < b);
}

/* The index of id in the sorted marks, or where it would go. */
static size_t save_many_find(const struct save_many_state *s, uint64_t id)
{
	size_t lo = 0, hi = s->n_marked;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->marked[mid] < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

bool save_many_marked(const struct dash *d, uint64_t id)
{
	const struct save_many_state *s = &d->save;

	return s->n_marked && bsearch(&id, s->marked, s->n_marked, sizeof *s->marked, save_many_id_cmp);
}

void save_many_toggle(struct dash *d, uint64_t id)
{
	struct save_many_state *s = &d->save;
	size_t at = save_many_find(s, id);

	if (at < s->n_marked && s->marked[at] == id) {
		memmove(&s->marked[at], &s->marked[at + 1], (s->n_marked - at - 1) * sizeof *s->marked);
		s->n_marked--;
		return;
	}
	if (s->n_marked == s->cap_marked) {
		s->cap_marked = s->cap_marked ? s->cap_marked * 2 : 64;
		s->marked = xrealloc(s->marked, s->cap_marked * sizeof *s->marked);
	}
	memmove(&s->marked[at + 1], &s->marked[at], (s->n_marked - at) * sizeof *s->marked);
	s->marked[at] = id;
	s->n_marked++;
}

void save_many_clear(struct dash *d)
{
	d->save.n_marked = 0;
}

size_t save_many_ids(const struct dash *d, uint64_t *out, size_t max)
{
	size_t n = d->save.n_marked < max ? d->save.n_marked : max;

	memcpy(out, d->save.marked, n * sizeof *out);
	return n;
}

/* ---- saving ---- */

void save_many_prompt(struct dash *d)
{
	if (d->ls.n_view == 0) {
		dashboard_set_status(d, true, "nothing to save: no dialog listed");
		return;
	}
	d->save.prompting = true;
	if (!d->save.name[0])
		snprintf(d->save.name, sizeof d->save.name, "%s", SAVE_MANY_DEFAULT_NAME);
}

/* The dialogs to save: the marked ones, else every listed one. */
static uint64_t *save_many_targets(const struct dash *d, size_t *n)
{
	uint64_t *ids;

	if (d->save.n_marked) {
		*n = d->save.n_marked;
		ids = xmalloc(*n * sizeof *ids);
		memcpy(ids, d->save.marked, *n * sizeof *ids);
		return ids;
	}
	*n = d->ls.n_view;
	ids = xmalloc((*n ? *n : 1) * sizeof *ids);
	for (size_t i = 0; i < *n; i++)
		ids[i] = d->list.v[d->ls.view[i]].id;
	return ids;
}

static void save_many_run(struct dash *d)
{
	struct message_record *msgs = NULL;
	size_t n_ids, n_msgs = 0, cap = 0, frames = 0;
	uint64_t *ids = save_many_targets(d, &n_ids);
	const char *name = d->save.name;
	char err[512], cwd[PATH_MAX];
	bool ok;

	if (!flow_merge_collect(d, ids, n_ids, &msgs, &n_msgs, &cap)) {
		free(ids);
		goto out;
	}
	free(ids);
	if (n_msgs == 0) {
		dashboard_set_status(d, true, "nothing to save: no messages stored for these dialogs");
		goto out;
	}
	if (save_many_is_text(name)) {
		ok = save_many_write_text(name, msgs, n_msgs, d->cfg->utc, err, sizeof err);
		frames = n_msgs;
	} else {
		ok = evidence_pcap_save(name, msgs, n_msgs, &frames, err, sizeof err);
	}
	if (!ok) {
		dashboard_set_status(d, true, "cannot save %zu dialog(s): %s", n_ids, err);
		goto out;
	}
	if (name[0] == '/' || !getcwd(cwd, sizeof cwd))
		cwd[0] = '\0';
	dashboard_set_status(d, false, "wrote %zu dialog(s), %zu message(s) to %s%s%s%s", n_ids,
			     frames, cwd, cwd[0] ? "/" : "", name,
			     frames < n_msgs ? " (some addresses could not be framed)" : "");
out:
	for (size_t i = 0; i < n_msgs; i++)
		free((void *)msgs[i].raw);
	free(msgs);
}

bool save_many_key(struct dash *d, wint_t ch, bool fn)
{
	struct save_many_state *s = &d->save;
	size_t len = strlen(s->name);

	if (!s->prompting)
		return false;
	d->dirty = true;
	if ((!fn && (ch == '\r' || ch == '\n')) || (fn && ch == KEY_ENTER)) {
		s->prompting = false;
		if (!s->name[0])
			dashboard_set_status(d, true, "not saved: no file name");
		else
			save_many_run(d);
	} else if (!fn && ch == 27) {
		s->prompting = false;
		dashboard_set_status(d, false, "not saved");
	} else if (!fn && ch == 21) { /* Ctrl-U */
		s->name[0] = '\0';
	} else if ((fn && ch == KEY_BACKSPACE) || (!fn && (ch == 127 || ch == 8))) {
		while (len > 0 && ((unsigned char)s->name[len - 1] & 0xc0) == 0x80)
			len--;
		s->name[len > 0 ? len - 1 : 0] = '\0';
	} else if (!fn && iswprint(ch)) {
		char mb[MB_LEN_MAX];
		mbstate_t st;
		size_t k;

		memset(&st, 0, sizeof st);
		k = wcrtomb(mb, (wchar_t)ch, &st);
		if (k != (size_t)-1 && len + k < sizeof s->name) {
			memcpy(s->name + len, mb, k);
			s->name[len + k] = '\0';
		}
	}
	return true;
}

bool save_many_draw(struct dash *d)
{
	char p[SAVE_MANY_NAME_MAX + 96];
	size_t n = d->save.n_marked ? d->save.n_marked : d->ls.n_view;

	if (!d->save.prompting)
		return false;
	snprintf(p, sizeof p, "save %zu %s dialog(s) to (.pcap, or .txt for text): %s_", n,
		 d->save.n_marked ? "marked" : "listed", d->save.name);
	dashboard_wire(LINES - 1, 0, COLS, p, strlen(p), colors_attr(COLOR_ROLE_PROMPT), true);
	return true;
}

void save_many_free(struct save_many_state *s)
{
	free(s->marked);
	s->marked = NULL;
	s->n_marked = s->cap_marked = 0;
}
