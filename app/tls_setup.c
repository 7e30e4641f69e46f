/* tls_setup: opening the TLS key material named on the command line.
 *
 * Secrets are read here and kept inside capture/tls_keylog's object; no
 * path's content, secret or client random is ever printed, stored or logged.
 * An explicit --tls-keylog or -k that cannot be read is an error (exit 1);
 * $SSLKEYLOGFILE that cannot be read is only a warning, since it may be set
 * for other programs. */
#include "app/tls_setup.h"

#include <stdlib.h>
#include <string.h>

#include "capture/tls_keylog.h"

static void tls_setup_warn(const char *warn)
{
	if (warn[0])
		fprintf(stderr, "sipwatch: warning: %s\n", warn);
}

bool tls_setup_open(const struct options *o, struct tls_keys **out, char *err, size_t errlen)
{
	const char *env = getenv("SSLKEYLOGFILE");
	const char *keylog = o->tls_keylog ? o->tls_keylog : (env && env[0] ? env : NULL);
	char warn[512];

	*out = NULL;
	if (!keylog && o->n_tls_keys == 0)
		return true;
	struct tls_keys *k = tls_keys_new();
	if (keylog && !tls_keys_add_keylog(k, keylog, warn, sizeof warn, err, errlen)) {
		if (o->tls_keylog) {
			tls_keys_free(k);
			return false;
		}
		fprintf(stderr, "sipwatch: warning: SSLKEYLOGFILE: %s\n", err);
		err[0] = '\0';
	} else if (keylog) {
		tls_setup_warn(warn);
	}
	for (size_t i = 0; i < o->n_tls_keys; i++) {
		if (!tls_keys_add_rsa(k, o->tls_key_files[i], warn, sizeof warn, err, errlen)) {
			tls_keys_free(k);
			return false;
		}
		tls_setup_warn(warn);
	}
	*out = k;
	return true;
}
