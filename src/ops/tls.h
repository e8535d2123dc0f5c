/* tls.h — the certificate and key files of a server that speaks TLS itself
 * (libmicrohttpd with GnuTLS takes them as PEM text in memory). Read and
 * checked with OpenSSL's libcrypto before the server starts and by
 * `minsheng doctor`, so a wrong file is named plainly instead of ending in
 * a failed start. */
#ifndef MS_OPS_TLS_H
#define MS_OPS_TLS_H

#include "base/err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MS_TLS_PEM_MAX (1024 * 1024) /* bytes of a PEM file */

typedef struct ms_tls_info {
	int64_t not_before, not_after; /* the certificate's validity, Unix time */
	char subject[256];             /* one line, OpenSSL's RFC 2253 form */
	int certs;                     /* certificates in the file (leaf + chain) */
} ms_tls_info;

/* Reads a PEM file whole (at most MS_TLS_PEM_MAX bytes), NUL-terminated;
 * free it with ms_tls_free_pem (which wipes it first: it may be a key). */
ms_err ms_tls_read_pem(const char *path, char **out, size_t *len, ms_error *err);
void ms_tls_free_pem(char *pem, size_t len);

/* Checks a certificate file and its key: both parse (an encrypted key is
 * refused: the server cannot ask for a passphrase), the key belongs to
 * the certificate. Fills info (also when the dates are wrong). Expiry is
 * not an error here: the caller compares info->not_after with the clock. */
ms_err ms_tls_check(const char *cert_path, const char *key_path, ms_tls_info *info,
                    ms_error *err);

#endif
