/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tls.c — the TLS certificate and key, loaded at start and again on
 * SIGHUP (certificate renewal without a restart).
 *
 * libmicrohttpd 0.9.75 takes the pair either as PEM text fixed at start
 * (MHD_OPTION_HTTPS_MEM_CERT/KEY) or through MHD_OPTION_HTTPS_CERT_CALLBACK,
 * GnuTLS's certificate retrieve callback, asked on every handshake: we use
 * the callback, so a new pair takes effect for the next connection while
 * connections already open keep theirs.  A new pair is checked with
 * OpenSSL first (precise messages: no certificate, no key, key does not
 * match) and then imported into GnuTLS; any failure keeps the pair in use.
 *
 * The callback takes no closure, so the pair in use is this file's one
 * piece of process-wide state: an atomic pointer.  GnuTLS does not free
 * what the callback hands it and does not say when a session is done with
 * it, so replaced pairs stay allocated (a few KB per reload) until
 * srv_tls_free() at exit.
 */
#include <errno.h>
#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server.h"

#define TLS_CHAIN_MAX 16u

typedef struct tls_pair {
    struct tls_pair *older; /* every pair ever loaded, newest first */
    gnutls_pcert_st pcerts[TLS_CHAIN_MAX];
    unsigned n;
    gnutls_privkey_t key;
} tls_pair;

static _Atomic(tls_pair *) current;

/* Read a PEM file (at most 1 MiB) as a NUL-terminated string. */
static char *
read_pem(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    ota_buf b = {.max = 1024u * 1024u};
    char chunk[2048];
    size_t n;
    bool ok = true;
    while (ok && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
        ok = ota_buf_append(&b, chunk, n) == OTA_OK;
    ok = ok && !ferror(f) && ota_buf_putc(&b, '\0') == OTA_OK;
    fclose(f);
    sodium_memzero(chunk, sizeof chunk);
    if (!ok) {
        if (b.p != NULL)
            sodium_memzero(b.p, b.len);
        ota_buf_free(&b);
        errno = errno != 0 ? errno : EFBIG;
        return NULL;
    }
    return (char *) b.p;
}

/* Check the pair with OpenSSL so a bad file gets a precise message
 * (GnuTLS only says that it could not import). */
static const char *
check_pair(const char *cert_pem, const char *key_pem)
{
    const char *why = NULL;
    BIO *cb = BIO_new_mem_buf(cert_pem, -1), *kb = BIO_new_mem_buf(key_pem, -1);
    X509 *cert = cb ? PEM_read_bio_X509(cb, NULL, NULL, NULL) : NULL;
    EVP_PKEY *key = kb ? PEM_read_bio_PrivateKey(kb, NULL, NULL, NULL) : NULL;
    if (cert == NULL)
        why = "no PEM certificate in --tls-cert";
    else if (key == NULL)
        why = "no unencrypted PEM private key in --tls-key";
    else if (X509_check_private_key(cert, key) != 1)
        why = "--tls-key does not match --tls-cert";
    ERR_clear_error();
    X509_free(cert);
    EVP_PKEY_free(key);
    BIO_free(cb);
    BIO_free(kb);
    return why;
}

static void
pair_free(tls_pair *p)
{
    for (unsigned i = 0; i < p->n; i++)
        gnutls_pcert_deinit(&p->pcerts[i]);
    if (p->key != NULL)
        gnutls_privkey_deinit(p->key);
    free(p);
}

static const char *
import_pair(const char *cert_pem, const char *key_pem, tls_pair **out)
{
    tls_pair *p = calloc(1, sizeof *p);
    if (p == NULL)
        return "out of memory";
    gnutls_datum_t cd = {(unsigned char *) (uintptr_t) cert_pem, (unsigned) strlen(cert_pem)};
    gnutls_datum_t kd = {(unsigned char *) (uintptr_t) key_pem, (unsigned) strlen(key_pem)};
    p->n = TLS_CHAIN_MAX;
    if (gnutls_pcert_list_import_x509_raw(p->pcerts, &p->n, &cd, GNUTLS_X509_FMT_PEM, 0) < 0) {
        p->n = 0;
        pair_free(p);
        return "GnuTLS cannot use the certificate chain in --tls-cert (more than 16?)";
    }
    if (gnutls_privkey_init(&p->key) < 0 ||
        gnutls_privkey_import_x509_raw(p->key, &kd, GNUTLS_X509_FMT_PEM, NULL, 0) < 0) {
        pair_free(p);
        return "GnuTLS cannot use the private key in --tls-key";
    }
    *out = p;
    return NULL;
}

ota_err
srv_tls_load(const char *cert_path, const char *key_path, char *why, size_t why_cap)
{
    char *cert = read_pem(cert_path);
    if (cert == NULL) {
        snprintf(why, why_cap, "--tls-cert %s: %s", cert_path, strerror(errno));
        return OTA_E_IO;
    }
    char *key = read_pem(key_path);
    if (key == NULL) {
        snprintf(why, why_cap, "--tls-key %s: %s", key_path, strerror(errno));
        free(cert);
        return OTA_E_IO;
    }
    const char *bad = check_pair(cert, key);
    tls_pair *p = NULL;
    if (bad == NULL)
        bad = import_pair(cert, key, &p);
    sodium_memzero(key, strlen(key));
    free(key);
    free(cert);
    if (bad != NULL) {
        snprintf(why, why_cap, "%s", bad);
        return OTA_E_FORMAT;
    }
    p->older = atomic_load(&current);
    atomic_store(&current, p); /* the next handshake uses it */
    return OTA_OK;
}

/* GnuTLS asks on every handshake (server side: req_ca_rdn and pk_algos
 * are unused). */
static int
retrieve(gnutls_session_t session, const gnutls_datum_t *req_ca_rdn, int nreqs,
         const gnutls_pk_algorithm_t *pk_algos, int pk_algos_length, gnutls_pcert_st **pcert,
         unsigned int *pcert_length, gnutls_privkey_t *pkey)
{
    (void) session;
    (void) req_ca_rdn;
    (void) nreqs;
    (void) pk_algos;
    (void) pk_algos_length;
    tls_pair *p = atomic_load(&current);
    if (p == NULL)
        return -1;
    *pcert = p->pcerts;
    *pcert_length = p->n;
    *pkey = p->key;
    return 0;
}

void *
srv_tls_callback(void)
{
    return (void *) (uintptr_t) retrieve;
}

void
srv_tls_free(void)
{
    tls_pair *p = atomic_exchange(&current, NULL);
    while (p != NULL) {
        tls_pair *older = p->older;
        pair_free(p);
        p = older;
    }
}
