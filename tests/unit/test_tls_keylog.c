/* test_tls_keylog: the NSS key log — labels, comments and malformed lines,
 * a file that grows while it is open (an unfinished last line waits for its
 * newline), a file rewritten shorter, the warning for a file others can
 * read — and the resumption cache. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "capture/tls_keylog.h"
#include "tests/support/test_dir.h"

#define R1 "0101010101010101010101010101010101010101010101010101010101010101"
#define R2 "0202020202020202020202020202020202020202020202020202020202020202"
#define M48 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define S32 "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

static char dir[256], path[300];

static void random_of(uint8_t out[32], uint8_t b)
{
	memset(out, b, 32);
}

static bool have(struct tls_keys *k, uint8_t r, enum tls_secret_kind kind, uint8_t len,
		 uint8_t byte)
{
	uint8_t rnd[32];
	struct tls_secret s;

	random_of(rnd, r);
	if (!tls_keys_lookup(k, rnd, kind, &s))
		return false;
	assert_int_equal(s.len, len);
	for (size_t i = 0; i < len; i++)
		assert_int_equal(s.bytes[i], byte);
	return true;
}

static void test_parse(void **state)
{
	(void)state;
	const char *text = "# a comment\n"
			   "CLIENT_RANDOM " R1 " " M48 "\r\n"
			   "CLIENT_HANDSHAKE_TRAFFIC_SECRET " R2 " " S32 "\n"
			   "SERVER_TRAFFIC_SECRET_0 " R2 " " S32 "\n"
			   "CLIENT_RANDOM " R2 " " S32 "\n"   /* a master secret of 32 bytes: ignored */
			   "EXPORTER_SECRET " R2 " " S32 "\n" /* a label we do not use */
			   "CLIENT_RANDOM 0102 " M48 "\n"     /* a short random */
			   "CLIENT_TRAFFIC_SECRET_0 " R2 " zz" S32 "\n" /* not hex */
			   "CLIENT_TRAFFIC_SECRET_0 " R2;     /* no secret */
	struct tls_keys *k = tls_keys_new();

	tls_keys_parse(k, text, strlen(text));
	assert_true(have(k, 1, TLS_SECRET_MASTER, 48, 0xaa));
	assert_true(have(k, 2, TLS_SECRET_CLIENT_HS, 32, 0xbb));
	assert_true(have(k, 2, TLS_SECRET_SERVER_AP, 32, 0xbb));
	assert_false(have(k, 2, TLS_SECRET_MASTER, 0, 0));
	assert_false(have(k, 2, TLS_SECRET_CLIENT_AP, 0, 0));
	assert_false(have(k, 2, TLS_SECRET_SERVER_HS, 0, 0));
	assert_false(have(k, 3, TLS_SECRET_MASTER, 0, 0));
	tls_keys_free(k);
}

static void append(const char *s, const char *mode)
{
	FILE *f = fopen(path, mode);
	assert_non_null(f);
	fputs(s, f);
	fclose(f);
}

static void test_growing_file(void **state)
{
	(void)state;
	char warn[256], err[256];
	struct tls_keys *k = tls_keys_new();

	assert_int_equal(test_dir_make("sw16-keylog", dir, sizeof dir, path, sizeof path), 0);
	snprintf(path, sizeof path, "%s/keys.log", dir);
	append("CLIENT_RANDOM " R1 " " M48 "\n", "w");
	chmod(path, 0600);
	assert_true(tls_keys_add_keylog(k, path, warn, sizeof warn, err, sizeof err));
	assert_string_equal(warn, "");
	assert_true(tls_keys_have_keylog(k));
	assert_true(have(k, 1, TLS_SECRET_MASTER, 48, 0xaa));
	assert_false(have(k, 2, TLS_SECRET_CLIENT_HS, 0, 0));
	/* Keys often arrive after the handshake: half a line, then the rest. */
	append("CLIENT_HANDSHAKE_TRAFFIC_SECRET " R2 " bbbb", "a");
	assert_false(have(k, 2, TLS_SECRET_CLIENT_HS, 0, 0));
	append("bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\n", "a");
	assert_true(have(k, 2, TLS_SECRET_CLIENT_HS, 32, 0xbb));
	/* Rewritten shorter (a new run of the endpoint): read from the start. */
	append("SERVER_HANDSHAKE_TRAFFIC_SECRET " R2 " " S32 "\n", "w");
	assert_true(have(k, 2, TLS_SECRET_SERVER_HS, 32, 0xbb));
	assert_true(have(k, 1, TLS_SECRET_MASTER, 48, 0xaa)); /* what was read stays */
	tls_keys_free(k);

	/* Readable by others: a warning, but the file is used. */
	chmod(path, 0644);
	k = tls_keys_new();
	assert_true(tls_keys_add_keylog(k, path, warn, sizeof warn, err, sizeof err));
	assert_non_null(strstr(warn, "readable by other users"));
	assert_true(have(k, 2, TLS_SECRET_SERVER_HS, 32, 0xbb));
	/* A missing file, a file that is no RSA key. */
	char missing[320];
	snprintf(missing, sizeof missing, "%s/none", dir);
	assert_false(tls_keys_add_keylog(k, missing, warn, sizeof warn, err, sizeof err));
	assert_non_null(strstr(err, "cannot open key log"));
	assert_false(tls_keys_add_rsa(k, path, warn, sizeof warn, err, sizeof err));
	assert_non_null(strstr(err, "not a PEM RSA private key"));
	assert_int_equal(tls_keys_rsa_count(k), 0);
	tls_keys_free(k);
	assert_int_equal(test_dir_remove(dir), 0);
}

static void test_resumption_cache(void **state)
{
	(void)state;
	struct tls_keys *k = tls_keys_new();
	uint8_t id[32], m[48], out[48];

	memset(id, 7, sizeof id);
	memset(m, 9, sizeof m);
	assert_false(tls_keys_recall(k, id, 32, out));
	tls_keys_remember(k, id, 32, m);
	assert_true(tls_keys_recall(k, id, 32, out));
	assert_memory_equal(out, m, 48);
	assert_false(tls_keys_recall(k, id, 16, out)); /* another length: another id */
	tls_keys_remember(k, id, 0, m);                 /* no session ID: nothing kept */
	assert_false(tls_keys_recall(k, id, 0, out));
	/* Bounded: after 1024 newer sessions the first is forgotten. */
	for (int i = 0; i < 1024; i++) {
		uint8_t other[32] = {0};
		other[0] = (uint8_t)i;
		other[1] = (uint8_t)(i >> 8);
		other[2] = 1;
		tls_keys_remember(k, other, 32, m);
	}
	assert_false(tls_keys_recall(k, id, 32, out));
	tls_keys_free(k);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_growing_file),
		cmocka_unit_test(test_resumption_cache),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
