/* tls_handshake: reading the handshake messages a passive decoder needs
 * (RFC 5246 7.4, RFC 8446 4): hellos, the server certificate, the RSA
 * ClientKeyExchange and TLS 1.2 session tickets.  Pure parsing, bounds-checked. */
#ifndef SIPWATCH_TLS_HANDSHAKE_H
#define SIPWATCH_TLS_HANDSHAKE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TLS_HS_HEADER 4

enum tls_hs_type {
	TLS_HS_CLIENT_HELLO = 1,
	TLS_HS_SERVER_HELLO = 2,
	TLS_HS_NEW_SESSION_TICKET = 4,
	TLS_HS_CERTIFICATE = 11,
	TLS_HS_CLIENT_KEY_EXCHANGE = 16,
	TLS_HS_FINISHED = 20,
	TLS_HS_KEY_UPDATE = 24,
};

struct tls_hello {
	uint16_t version; /* ServerHello: the negotiated one (supported_versions wins) */
	uint8_t random[32];
	uint8_t sid[32];
	uint8_t sid_len;
	uint16_t suite; /* ServerHello only */
	bool ems;       /* RFC 7627 extended_master_secret */
	bool etm;       /* RFC 7366 encrypt_then_mac */
	bool ticket;    /* ClientHello: a non-empty session_ticket (RFC 5077) */
	uint8_t ticket_hash[32];
	bool hrr;       /* ServerHello: a HelloRetryRequest (RFC 8446 4.1.3) */
};

bool tls_handshake_client_hello(const uint8_t *body, size_t len, struct tls_hello *h);
bool tls_handshake_server_hello(const uint8_t *body, size_t len, struct tls_hello *h);
/* The first (the server's own) certificate of a TLS 1.0-1.2 Certificate message. */
bool tls_handshake_first_cert(const uint8_t *body, size_t len, const uint8_t **der,
			      size_t *derlen);
/* The encrypted premaster secret of an RSA ClientKeyExchange. */
bool tls_handshake_rsa_cke(const uint8_t *body, size_t len, const uint8_t **enc, size_t *enclen);
/* A TLS 1.2 NewSessionTicket's ticket, as its SHA-256. */
bool tls_handshake_ticket(const uint8_t *body, size_t len, uint8_t hash[32]);

#endif
