/* tls_setup: the TLS secrets of the command line (--tls-keylog, $SSLKEYLOGFILE,
 * -k), read before privileges are dropped. */
#ifndef SIPWATCH_TLS_SETUP_H
#define SIPWATCH_TLS_SETUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "app/options.h"

struct tls_keys;

/* Reads the key log and key files; *out stays NULL when none was given.
 * Warnings (a key file others can read, an unreadable $SSLKEYLOGFILE) go
 * to stderr; false with a reason in err when a file given on the command
 * line cannot be used. */
bool tls_setup_open(const struct options *o, struct tls_keys **out, char *err, size_t errlen);

#endif
