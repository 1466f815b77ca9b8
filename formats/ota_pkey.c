/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ota_pkey.c — ECDSA P-256 and RSASSA-PSS-SHA256 keys and signatures for
 * TUF, on OpenSSL 3 EVP.  See ota_pkey.h for the rules each function applies.
 *
 * Every public function brackets its work with ERR_set_mark() /
 * ERR_pop_to_mark(): whatever OpenSSL queued during the call (decoders queue
 * errors even on some successful paths) is removed, entries the caller had
 * queued before are kept.  That is ERR_clear_error() limited to our own
 * entries.
 */
#include "ota_pkey.h"

#include <stdlib.h>
#include <stdbool.h>
#include <string.h>

#ifdef OTA_NO_OPENSSL

/* A build without libcrypto (make NO_OPENSSL=1: a device whose repository
 * signs with Ed25519 only).  Every ECDSA or RSA operation is unsupported:
 * such keys in metadata are ignored like unknown key types (ota_key.c), and
 * a threshold they would have met fails; the client names this build in
 * that message (ota_pkey_available). */

bool
ota_pkey_available(void)
{
    return false;
}

ota_err
ota_pkey_pem_to_spki(ota_pkey_alg alg, const char *pem, size_t pem_len, uint8_t *der, size_t cap,
                     size_t *der_len)
{
    (void) alg, (void) pem, (void) pem_len, (void) der, (void) cap, (void) der_len;
    return OTA_E_UNSUPPORTED;
}

ota_err
ota_pkey_verify(ota_pkey_alg alg, const uint8_t *spki, size_t spki_len, const uint8_t *msg,
                size_t msg_len, const uint8_t *sig, size_t sig_len)
{
    (void) alg, (void) spki, (void) spki_len, (void) msg, (void) msg_len, (void) sig,
        (void) sig_len;
    return OTA_E_UNSUPPORTED;
}

ota_err
ota_pkey_generate(ota_pkey_alg alg, char **priv_pem, char **pub_pem)
{
    (void) alg, (void) priv_pem, (void) pub_pem;
    return OTA_E_UNSUPPORTED;
}

ota_err
ota_pkey_sign(ota_pkey_alg alg, const char *priv_pem, size_t priv_len, const uint8_t *msg,
              size_t msg_len, uint8_t *sig, size_t cap, size_t *sig_len)
{
    (void) alg, (void) priv_pem, (void) priv_len, (void) msg, (void) msg_len, (void) sig,
        (void) cap, (void) sig_len;
    return OTA_E_UNSUPPORTED;
}

ota_err
ota_pkey_public_from_private(ota_pkey_alg alg, const char *priv_pem, size_t priv_len,
                             char **pub_pem)
{
    (void) alg, (void) priv_pem, (void) priv_len, (void) pub_pem;
    return OTA_E_UNSUPPORTED;
}

#else /* OpenSSL */

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <sodium.h>

#include "ota_limits.h"

/* Largest DER ECDSA-Sig-Value for P-256: SEQUENCE { INTEGER(33), INTEGER(33) }. */
#define ECDSA_P256_MAX_SIG_LEN 72

/* PEM blocks must start the input with exactly these lines. */
static const char PUB_BEGIN[] = "-----BEGIN PUBLIC KEY-----";
static const char PRIV_BEGIN[] = "-----BEGIN PRIVATE KEY-----";

/* Something non-NULL to hand OpenSSL for an empty message. */
static const uint8_t empty_msg[1];

static int
alg_known(ota_pkey_alg alg)
{
    return alg == OTA_PKEY_ECDSA_P256 || alg == OTA_PKEY_RSA_PSS_SHA256;
}

/* Does pkey (public or private) satisfy the key rules for alg? */
static ota_err
check_key(ota_pkey_alg alg, const EVP_PKEY *pkey)
{
    char buf[64];
    size_t n = 0;
    int bits;

    if (alg == OTA_PKEY_ECDSA_P256) {
        if (EVP_PKEY_is_a(pkey, "EC") != 1)
            return OTA_E_KEY;
        if (EVP_PKEY_get_group_name(pkey, buf, sizeof buf, &n) != 1 ||
            OBJ_sn2nid(buf) != NID_X9_62_prime256v1)
            return OTA_E_KEY;
        /* Explicit curve parameters can describe P-256 too; nobody in TUF
         * writes them, and accepting them widens the parser for nothing. */
        if (EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_EC_ENCODING, buf, sizeof buf,
                                           &n) != 1 ||
            strcmp(buf, OSSL_PKEY_EC_ENCODING_GROUP) != 0)
            return OTA_E_KEY;
        if (EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_EC_POINT_CONVERSION_FORMAT, buf,
                                           sizeof buf, &n) != 1 ||
            (strcmp(buf, OSSL_PKEY_EC_POINT_CONVERSION_FORMAT_UNCOMPRESSED) != 0 &&
             strcmp(buf, OSSL_PKEY_EC_POINT_CONVERSION_FORMAT_COMPRESSED) != 0))
            return OTA_E_KEY;
        return OTA_OK;
    }
    /* "RSA" is rsaEncryption only; id-RSASSA-PSS keys are "RSA-PSS". */
    if (EVP_PKEY_is_a(pkey, "RSA") != 1)
        return OTA_E_KEY;
    bits = EVP_PKEY_get_bits(pkey);
    if (bits < OTA_PKEY_RSA_MIN_BITS || bits > OTA_PKEY_RSA_MAX_BITS)
        return OTA_E_KEY;
    return OTA_OK;
}

/*
 * Read the single PEM block named `name` that must open pem[0..len) with the
 * line `begin`, without headers, followed by nothing but CR/LF.  On success
 * *data and *data_len give the decoded DER: free it with OPENSSL_free(), or
 * with OPENSSL_secure_clear_free() when `secure`.  `secure` makes OpenSSL
 * keep (and wipe) its buffers in secure-heap memory: for private keys.
 */
static ota_err
pem_read_one(const char *pem, size_t len, const char *begin, const char *name, int secure,
             unsigned char **data, long *data_len)
{
    BIO *bio = NULL;
    char *nm = NULL;
    char *hdr = NULL;
    unsigned char *d = NULL;
    long dl = 0;
    char *rest = NULL;
    long rest_len;
    size_t blen = strlen(begin);
    unsigned int flags = PEM_FLAG_EAY_COMPATIBLE | (secure ? PEM_FLAG_SECURE : 0u);
    ota_err rc = OTA_E_KEY;

    /* OpenSSL skips anything before "-----BEGIN" and any block of another
     * name; we do not.  NUL bytes would end OpenSSL's line reads early. */
    if (len < blen || len > OTA_MAX_PEM_LEN || memcmp(pem, begin, blen) != 0 ||
        memchr(pem, '\0', len) != NULL)
        goto out;
    bio = BIO_new_mem_buf(pem, (int) len);
    if (bio == NULL) {
        rc = OTA_E_NOMEM;
        goto out;
    }
    if (PEM_read_bio_ex(bio, &nm, &hdr, &d, &dl, flags) != 1)
        goto out;
    if (strcmp(nm, name) != 0 || hdr[0] != '\0' || dl <= 0)
        goto out;
    rest_len = BIO_get_mem_data(bio, &rest);
    for (long i = 0; i < rest_len; i++) {
        if (rest[i] != '\n' && rest[i] != '\r')
            goto out;
    }
    *data = d;
    *data_len = dl;
    d = NULL;
    rc = OTA_OK;
out:
    if (secure) {
        OPENSSL_secure_free(nm);
        OPENSSL_secure_free(hdr);
        if (d != NULL)
            OPENSSL_secure_clear_free(d, (size_t) dl);
    } else {
        OPENSSL_free(nm);
        OPENSSL_free(hdr);
        OPENSSL_free(d);
    }
    BIO_free(bio);
    return rc;
}

/*
 * Decode a DER SPKI for alg: the whole input, canonical DER, key rules of
 * check_key().  On success *out is a new EVP_PKEY.
 */
static ota_err
decode_spki(ota_pkey_alg alg, const uint8_t *der, size_t len, EVP_PKEY **out)
{
    uint8_t re[OTA_MAX_SPKI_DER_LEN];
    unsigned char *w = re;
    const unsigned char *p = der;
    EVP_PKEY *pkey = NULL;
    int n;
    ota_err rc = OTA_E_KEY;
    ota_err e;

    if (len == 0 || len > sizeof re)
        goto out;
    pkey = d2i_PUBKEY(NULL, &p, (long) len);
    if (pkey == NULL || (size_t) (p - der) != len)
        goto out;
    if ((e = check_key(alg, pkey)) != OTA_OK) {
        rc = e;
        goto out;
    }
    /* Re-encoding must give the same bytes: no BER, no odd lengths. */
    n = i2d_PUBKEY(pkey, NULL);
    if (n <= 0 || (size_t) n != len)
        goto out;
    n = i2d_PUBKEY(pkey, &w);
    if (n <= 0 || (size_t) n != len || memcmp(re, der, len) != 0)
        goto out;
    *out = pkey;
    pkey = NULL;
    rc = OTA_OK;
out:
    EVP_PKEY_free(pkey);
    return rc;
}

/*
 * Load an unencrypted PKCS#8 PEM private key for alg.  The decoded DER is
 * wiped; EVP_PKEY_free() wipes the key itself.
 */
static ota_err
load_private(ota_pkey_alg alg, const char *pem, size_t len, EVP_PKEY **out)
{
    unsigned char *data = NULL;
    long dlen = 0;
    const unsigned char *p;
    PKCS8_PRIV_KEY_INFO *p8 = NULL;
    EVP_PKEY *pkey = NULL;
    EVP_PKEY_CTX *cctx = NULL;
    ota_err rc = OTA_E_KEY;
    ota_err e;

    if (len > OTA_MAX_PEM_LEN) {
        rc = OTA_E_LIMIT;
        goto out;
    }
    if ((e = pem_read_one(pem, len, PRIV_BEGIN, "PRIVATE KEY", 1, &data, &dlen)) != OTA_OK) {
        rc = e;
        goto out;
    }
    p = data;
    p8 = d2i_PKCS8_PRIV_KEY_INFO(NULL, &p, dlen);
    if (p8 == NULL || p != data + dlen)
        goto out;
    pkey = EVP_PKCS82PKEY(p8);
    if (pkey == NULL)
        goto out;
    if ((e = check_key(alg, pkey)) != OTA_OK) {
        rc = e;
        goto out;
    }
    /* An EC PKCS#8 may carry a public point that does not match the scalar;
     * we would then hand out the wrong public key.  The check is one scalar
     * multiplication.  (RSA's takes ~100 ms; a modulus that is not p*q is
     * caught by the self-check in ota_pkey_sign() instead.)  An RSA key gets
     * the public-key check ota_pkey_pem_to_spki() applies (a few ms), so
     * ota_pkey_public_from_private() never hands out a public key that
     * ota_pkey_pem_to_spki() refuses (found by tests/fuzz/fuzz_pem.c). */
    cctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
    if (cctx == NULL) {
        rc = OTA_E_NOMEM;
        goto out;
    }
    if ((alg == OTA_PKEY_ECDSA_P256 ? EVP_PKEY_pairwise_check(cctx)
                                    : EVP_PKEY_public_check(cctx)) != 1)
        goto out;
    *out = pkey;
    pkey = NULL;
    rc = OTA_OK;
out:
    EVP_PKEY_CTX_free(cctx);
    EVP_PKEY_free(pkey);
    PKCS8_PRIV_KEY_INFO_free(p8);
    if (data != NULL)
        OPENSSL_secure_clear_free(data, (size_t) dlen);
    return rc;
}

/* PSS with SHA-256 and MGF1-SHA-256; saltlen in bytes or RSA_PSS_SALTLEN_*. */
static int
set_pss(EVP_PKEY_CTX *pctx, int saltlen)
{
    return EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1 &&
           EVP_PKEY_CTX_set_rsa_mgf1_md_name(pctx, "SHA256", NULL) == 1 &&
           EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, saltlen) == 1;
}

/* Is sig exactly one canonical DER ECDSA-Sig-Value? */
static int
ecdsa_sig_is_canonical(const uint8_t *sig, size_t len)
{
    uint8_t re[ECDSA_P256_MAX_SIG_LEN];
    unsigned char *w = re;
    const unsigned char *p = sig;
    ECDSA_SIG *es = NULL;
    int n;
    int ok = 0;

    if (len == 0 || len > sizeof re)
        goto out;
    es = d2i_ECDSA_SIG(NULL, &p, (long) len);
    if (es == NULL || (size_t) (p - sig) != len)
        goto out;
    n = i2d_ECDSA_SIG(es, NULL);
    if (n <= 0 || (size_t) n != len)
        goto out;
    n = i2d_ECDSA_SIG(es, &w);
    ok = n > 0 && (size_t) n == len && memcmp(re, sig, len) == 0;
out:
    ECDSA_SIG_free(es);
    return ok;
}

/* Verify with an already checked key; the signature's shape is checked here. */
static ota_err
verify_with(ota_pkey_alg alg, EVP_PKEY *pkey, const uint8_t *msg, size_t msg_len,
            const uint8_t *sig, size_t sig_len)
{
    EVP_MD_CTX *mctx = NULL;
    EVP_PKEY_CTX *pctx = NULL;
    int size;
    ota_err rc = OTA_E_SIGNATURE;

    if (sig_len == 0 || sig_len > OTA_MAX_SIG_LEN)
        goto out;
    if (alg == OTA_PKEY_ECDSA_P256) {
        if (!ecdsa_sig_is_canonical(sig, sig_len))
            goto out;
    } else {
        /* I2OSP output is exactly the modulus size; OpenSSL would also take
         * a shorter one (leading zeros dropped).  We do not. */
        size = EVP_PKEY_get_size(pkey);
        if (size <= 0 || (size_t) size != sig_len)
            goto out;
    }
    mctx = EVP_MD_CTX_new();
    if (mctx == NULL) {
        rc = OTA_E_NOMEM;
        goto out;
    }
    if (EVP_DigestVerifyInit_ex(mctx, &pctx, "SHA256", NULL, NULL, pkey, NULL) != 1) {
        rc = OTA_E_CRYPTO;
        goto out;
    }
    if (alg == OTA_PKEY_RSA_PSS_SHA256 && !set_pss(pctx, RSA_PSS_SALTLEN_AUTO)) {
        rc = OTA_E_CRYPTO;
        goto out;
    }
    if (EVP_DigestVerify(mctx, sig, sig_len, msg != NULL ? msg : empty_msg, msg_len) != 1)
        goto out;
    rc = OTA_OK;
out:
    EVP_MD_CTX_free(mctx);
    return rc;
}

/* Write pkey as PEM and return it NUL-terminated: the private key as
 * unencrypted PKCS#8 through a secure-memory BIO (wiped when it grows and
 * when freed) into sodium_malloc memory, the public key as SPKI into
 * malloc memory. */
static ota_err
pem_from_pkey(EVP_PKEY *pkey, bool private_key, char **out)
{
    char *p = NULL;
    char *s;
    long n;
    ota_err rc = OTA_E_CRYPTO;

    BIO *bio = BIO_new(private_key ? BIO_s_secmem() : BIO_s_mem());
    if (bio == NULL) {
        rc = OTA_E_NOMEM;
        goto out;
    }
    if ((private_key ? PEM_write_bio_PKCS8PrivateKey(bio, pkey, NULL, NULL, 0, NULL, NULL)
                     : PEM_write_bio_PUBKEY(bio, pkey)) != 1)
        goto out;
    n = BIO_get_mem_data(bio, &p);
    if (n <= 0 || n > OTA_MAX_PEM_LEN || p == NULL)
        goto out;
    if (private_key && ((size_t) n < sizeof PRIV_BEGIN - 1 ||
                        memcmp(p, PRIV_BEGIN, sizeof PRIV_BEGIN - 1) != 0))
        goto out;
    s = private_key ? sodium_malloc((size_t) n + 1) : malloc((size_t) n + 1);
    if (s == NULL) {
        rc = OTA_E_NOMEM;
        goto out;
    }
    memcpy(s, p, (size_t) n);
    s[n] = '\0';
    *out = s;
    rc = OTA_OK;
out:
    BIO_free(bio);
    return rc;
}

ota_err
ota_pkey_pem_to_spki(ota_pkey_alg alg, const char *pem, size_t pem_len, uint8_t *der, size_t cap,
                     size_t *der_len)
{
    unsigned char *data = NULL;
    long dlen = 0;
    EVP_PKEY *pkey = NULL;
    EVP_PKEY_CTX *cctx = NULL;
    ota_err rc = OTA_E_KEY;
    ota_err e;

    ERR_set_mark();
    if (!alg_known(alg)) {
        rc = OTA_E_UNSUPPORTED;
        goto out;
    }
    if (pem == NULL || der == NULL || der_len == NULL) {
        rc = OTA_E_ARG;
        goto out;
    }
    if (pem_len > OTA_MAX_PEM_LEN) {
        rc = OTA_E_LIMIT;
        goto out;
    }
    if ((e = pem_read_one(pem, pem_len, PUB_BEGIN, "PUBLIC KEY", 0, &data, &dlen)) != OTA_OK) {
        rc = e;
        goto out;
    }
    if ((e = decode_spki(alg, data, (size_t) dlen, &pkey)) != OTA_OK) {
        rc = e;
        goto out;
    }
    /* RSA: n odd, e odd and > 1, no small factors, n not a prime (power);
     * EC: point on the curve, not at infinity, of order n.  A few ms for RSA,
     * paid once when the key is admitted, not on every verify. */
    cctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
    if (cctx == NULL) {
        rc = OTA_E_NOMEM;
        goto out;
    }
    if (EVP_PKEY_public_check(cctx) != 1)
        goto out;
    if ((size_t) dlen > cap) {
        rc = OTA_E_ARG;
        goto out;
    }
    memcpy(der, data, (size_t) dlen);
    *der_len = (size_t) dlen;
    rc = OTA_OK;
out:
    EVP_PKEY_CTX_free(cctx);
    EVP_PKEY_free(pkey);
    OPENSSL_free(data);
    ERR_pop_to_mark();
    return rc;
}

ota_err
ota_pkey_verify(ota_pkey_alg alg, const uint8_t *spki, size_t spki_len, const uint8_t *msg,
                size_t msg_len, const uint8_t *sig, size_t sig_len)
{
    EVP_PKEY *pkey = NULL;
    ota_err rc = OTA_E_SIGNATURE;
    ota_err e;

    ERR_set_mark();
    if (!alg_known(alg)) {
        rc = OTA_E_UNSUPPORTED;
        goto out;
    }
    if (spki == NULL || (msg == NULL && msg_len != 0) || (sig == NULL && sig_len != 0)) {
        rc = OTA_E_ARG;
        goto out;
    }
    if (spki_len > OTA_MAX_SPKI_DER_LEN) {
        rc = OTA_E_LIMIT;
        goto out;
    }
    if ((e = decode_spki(alg, spki, spki_len, &pkey)) != OTA_OK) {
        rc = e;
        goto out;
    }
    if ((e = verify_with(alg, pkey, msg, msg_len, sig, sig_len)) != OTA_OK) {
        rc = e;
        goto out;
    }
    rc = OTA_OK;
out:
    EVP_PKEY_free(pkey);
    ERR_pop_to_mark();
    return rc;
}

ota_err
ota_pkey_generate(ota_pkey_alg alg, char **priv_pem, char **pub_pem)
{
    EVP_PKEY *pkey = NULL;
    char *priv = NULL;
    char *pub = NULL;
    ota_err rc = OTA_E_CRYPTO;
    ota_err e;

    ERR_set_mark();
    if (!alg_known(alg)) {
        rc = OTA_E_UNSUPPORTED;
        goto out;
    }
    if (priv_pem == NULL || pub_pem == NULL) {
        rc = OTA_E_ARG;
        goto out;
    }
    /* sodium_malloc() aborts unless libsodium is initialised; idempotent. */
    if (sodium_init() < 0)
        goto out;
    if (alg == OTA_PKEY_ECDSA_P256)
        pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    else
        pkey = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t) OTA_PKEY_RSA_GEN_BITS);
    if (pkey == NULL || check_key(alg, pkey) != OTA_OK)
        goto out;
    if ((e = pem_from_pkey(pkey, true, &priv)) != OTA_OK) {
        rc = e;
        goto out;
    }
    if ((e = pem_from_pkey(pkey, false, &pub)) != OTA_OK) {
        rc = e;
        goto out;
    }
    *priv_pem = priv;
    *pub_pem = pub;
    priv = NULL;
    pub = NULL;
    rc = OTA_OK;
out:
    if (priv != NULL)
        sodium_free(priv);
    free(pub);
    EVP_PKEY_free(pkey);
    ERR_pop_to_mark();
    return rc;
}

ota_err
ota_pkey_sign(ota_pkey_alg alg, const char *priv_pem, size_t priv_len, const uint8_t *msg,
              size_t msg_len, uint8_t *sig, size_t cap, size_t *sig_len)
{
    uint8_t buf[OTA_MAX_SIG_LEN];
    size_t n = sizeof buf;
    int size;
    EVP_PKEY *pkey = NULL;
    EVP_MD_CTX *mctx = NULL;
    EVP_PKEY_CTX *pctx = NULL;
    const uint8_t *m = msg != NULL ? msg : empty_msg;
    ota_err rc = OTA_E_CRYPTO;
    ota_err e;

    ERR_set_mark();
    if (!alg_known(alg)) {
        rc = OTA_E_UNSUPPORTED;
        goto out;
    }
    if (priv_pem == NULL || (msg == NULL && msg_len != 0) || sig == NULL || sig_len == NULL) {
        rc = OTA_E_ARG;
        goto out;
    }
    if ((e = load_private(alg, priv_pem, priv_len, &pkey)) != OTA_OK) {
        rc = e;
        goto out;
    }
    size = EVP_PKEY_get_size(pkey);
    if (size <= 0 || (size_t) size > sizeof buf)
        goto out;
    mctx = EVP_MD_CTX_new();
    if (mctx == NULL) {
        rc = OTA_E_NOMEM;
        goto out;
    }
    if (EVP_DigestSignInit_ex(mctx, &pctx, "SHA256", NULL, NULL, pkey, NULL) != 1)
        goto out;
    /* Salt = digest length: what securesystemslib signs with, accepted by
     * every auto-detecting verifier (securesystemslib, tuf-js, OpenSSL) and
     * by those fixed to the digest length (FIPS 186-4 caps sLen at hLen). */
    if (alg == OTA_PKEY_RSA_PSS_SHA256 && !set_pss(pctx, OTA_PKEY_PSS_SALT_LEN))
        goto out;
    if (EVP_DigestSign(mctx, buf, &n, m, msg_len) != 1 || n == 0 || n > sizeof buf)
        goto out;
    /* Never hand out a signature that does not verify (fault, bad key). */
    if (verify_with(alg, pkey, m, msg_len, buf, n) != OTA_OK)
        goto out;
    if (n > cap) {
        rc = OTA_E_ARG;
        goto out;
    }
    memcpy(sig, buf, n);
    *sig_len = n;
    rc = OTA_OK;
out:
    EVP_MD_CTX_free(mctx);
    EVP_PKEY_free(pkey);
    ERR_pop_to_mark();
    return rc;
}

ota_err
ota_pkey_public_from_private(ota_pkey_alg alg, const char *priv_pem, size_t priv_len,
                             char **pub_pem)
{
    EVP_PKEY *pkey = NULL;
    char *pub = NULL;
    ota_err rc = OTA_E_KEY;
    ota_err e;

    ERR_set_mark();
    if (!alg_known(alg)) {
        rc = OTA_E_UNSUPPORTED;
        goto out;
    }
    if (priv_pem == NULL || pub_pem == NULL) {
        rc = OTA_E_ARG;
        goto out;
    }
    if ((e = load_private(alg, priv_pem, priv_len, &pkey)) != OTA_OK) {
        rc = e;
        goto out;
    }
    if ((e = pem_from_pkey(pkey, false, &pub)) != OTA_OK) {
        rc = e;
        goto out;
    }
    *pub_pem = pub;
    rc = OTA_OK;
out:
    EVP_PKEY_free(pkey);
    ERR_pop_to_mark();
    return rc;
}

bool
ota_pkey_available(void)
{
    return true;
}

#endif
