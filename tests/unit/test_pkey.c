/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_pkey.c — ECDSA P-256 / RSASSA-PSS-SHA256 keys and signatures
 * (formats/ota_pkey.c) against the openssl-CLI vectors in
 * formats/vectors/pkey/ (see the README there for how each was made).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <sodium.h>

#include "ota_limits.h"
#include "ota_pkey.h"
#include "testutil.h"

/* cmocka 1.1 needs these before <cmocka.h>. */
/* clang-format off */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
/* clang-format on */

#ifndef OTA_SOURCE_DIR
#error "OTA_SOURCE_DIR (the repository root) must be defined, as the Makefile does"
#endif

#define ECDSA OTA_PKEY_ECDSA_P256
#define RSA_PSS OTA_PKEY_RSA_PSS_SHA256

/* ---- helpers ---------------------------------------------------------- */

typedef struct vec {
    uint8_t *p;
    size_t n;
} vec;

/* Whole vector file, with a NUL after the last byte (not counted in n). */
static vec
load(const char *name)
{
    char path[4096];
    vec v = {NULL, 0};
    FILE *f;
    long len;

    snprintf(path, sizeof path, "%s/formats/vectors/pkey/%s", OTA_SOURCE_DIR, name);
    f = fopen(path, "rb");
    if (f == NULL)
        fail_msg("cannot open vector %s", path);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    len = ftell(f);
    assert_true(len > 0 && len < 65536);
    rewind(f);
    v.p = malloc((size_t) len + 1);
    assert_non_null(v.p);
    assert_int_equal(fread(v.p, 1, (size_t) len, f), (size_t) len);
    fclose(f);
    v.p[len] = 0;
    v.n = (size_t) len;
    return v;
}

static void
unload(vec *v)
{
    free(v->p);
    v->p = NULL;
    v->n = 0;
}

/* Copy of p[0..n) followed by extra[0..extra_n), in a fresh exact-size
 * allocation so that ASan catches any read past the end. */
static uint8_t *
concat(const void *p, size_t n, const void *extra, size_t extra_n)
{
    uint8_t *out = malloc(n + extra_n + 1);

    assert_non_null(out);
    if (n > 0)
        memcpy(out, p, n);
    if (extra_n > 0)
        memcpy(out + n, extra, extra_n);
    return out;
}

/* DER SPKI of a PEM vector through the API under test; must succeed. */
static size_t
spki_of(ota_pkey_alg alg, const char *pem_name, uint8_t der[OTA_MAX_SPKI_DER_LEN])
{
    vec pem = load(pem_name);
    size_t len = 0;

    assert_int_equal(ota_pkey_pem_to_spki(alg, (const char *) pem.p, pem.n, der,
                                          OTA_MAX_SPKI_DER_LEN, &len),
                     OTA_OK);
    assert_true(len > 0 && len <= OTA_MAX_SPKI_DER_LEN);
    unload(&pem);
    return len;
}

static ota_err
pem_rc(ota_pkey_alg alg, const void *pem, size_t len)
{
    uint8_t der[OTA_MAX_SPKI_DER_LEN];
    size_t der_len = 0;

    return ota_pkey_pem_to_spki(alg, (const char *) pem, len, der, sizeof der, &der_len);
}

static ota_err
pem_file_rc(ota_pkey_alg alg, const char *name)
{
    vec pem = load(name);
    ota_err rc = pem_rc(alg, pem.p, pem.n);

    unload(&pem);
    return rc;
}

/* DER SPKI of any PEM public key, by OpenSSL directly (for keys our parser
 * refuses, to feed them to ota_pkey_verify). */
static size_t
openssl_spki(const char *pem_name, uint8_t **der)
{
    vec pem = load(pem_name);
    BIO *bio = BIO_new_mem_buf(pem.p, (int) pem.n);
    EVP_PKEY *pkey;
    int n;

    assert_non_null(bio);
    pkey = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
    assert_non_null(pkey);
    *der = NULL;
    n = i2d_PUBKEY(pkey, der);
    assert_true(n > 0);
    EVP_PKEY_free(pkey);
    BIO_free(bio);
    unload(&pem);
    return (size_t) n;
}

/* PEM block `name` around der[0..len), NUL-terminated, from malloc. */
static char *
pem_wrap(const char *name, const uint8_t *der, size_t len, size_t *pem_len)
{
    BIO *out = BIO_new(BIO_s_mem());
    char *p = NULL;
    char *copy;
    long n;

    assert_non_null(out);
    assert_true(PEM_write_bio(out, name, "", der, (long) len) > 0);
    n = BIO_get_mem_data(out, &p);
    assert_true(n > 0);
    copy = (char *) concat(p, (size_t) n, "", 1);
    BIO_free(out);
    *pem_len = (size_t) n;
    return copy;
}

/* DER inside a PEM vector file. */
static size_t
pem_body(const char *file, uint8_t **der)
{
    vec pem = load(file);
    BIO *in = BIO_new_mem_buf(pem.p, (int) pem.n);
    char *name = NULL;
    char *hdr = NULL;
    long n = 0;

    assert_non_null(in);
    assert_int_equal(PEM_read_bio(in, &name, &hdr, der, &n), 1);
    OPENSSL_free(name);
    OPENSSL_free(hdr);
    BIO_free(in);
    unload(&pem);
    return (size_t) n;
}

/* RSASSA-PSS verification with one fixed salt length, by OpenSSL directly. */
static int
pss_verifies_with_salt(const uint8_t *spki, size_t spki_len, const vec *msg, const uint8_t *sig,
                       size_t sig_len, int salt)
{
    const unsigned char *p = spki;
    EVP_PKEY *pkey = d2i_PUBKEY(NULL, &p, (long) spki_len);
    EVP_MD_CTX *mctx = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pctx = NULL;
    int ok;

    assert_non_null(pkey);
    assert_non_null(mctx);
    assert_int_equal(EVP_DigestVerifyInit_ex(mctx, &pctx, "SHA256", NULL, NULL, pkey, NULL), 1);
    assert_int_equal(EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING), 1);
    assert_int_equal(EVP_PKEY_CTX_set_rsa_mgf1_md_name(pctx, "SHA256", NULL), 1);
    assert_int_equal(EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, salt), 1);
    ok = EVP_DigestVerify(mctx, sig, sig_len, msg->p, msg->n) == 1;
    EVP_MD_CTX_free(mctx);
    EVP_PKEY_free(pkey);
    ERR_clear_error();
    return ok;
}

/* ---- shared signature checks ------------------------------------------ */

static void
check_valid(ota_pkey_alg alg, const char *pub, const char *sig_name)
{
    uint8_t spki[OTA_MAX_SPKI_DER_LEN];
    size_t spki_len = spki_of(alg, pub, spki);
    vec msg = load("message.bin");
    vec sig = load(sig_name);

    assert_int_equal(ota_pkey_verify(alg, spki, spki_len, msg.p, msg.n, sig.p, sig.n), OTA_OK);
    unload(&msg);
    unload(&sig);
}

static void
check_every_sig_bit_flip(ota_pkey_alg alg, const char *pub, const char *sig_name)
{
    uint8_t spki[OTA_MAX_SPKI_DER_LEN];
    size_t spki_len = spki_of(alg, pub, spki);
    vec msg = load("message.bin");
    vec sig = load(sig_name);

    for (size_t i = 0; i < sig.n * 8; i++) {
        sig.p[i / 8] ^= (uint8_t) (1u << (i % 8));
        assert_int_equal(ota_pkey_verify(alg, spki, spki_len, msg.p, msg.n, sig.p, sig.n),
                         OTA_E_SIGNATURE);
        sig.p[i / 8] ^= (uint8_t) (1u << (i % 8));
    }
    assert_int_equal(ota_pkey_verify(alg, spki, spki_len, msg.p, msg.n, sig.p, sig.n), OTA_OK);
    unload(&msg);
    unload(&sig);
}

static void
check_every_sig_truncation(ota_pkey_alg alg, const char *pub, const char *sig_name)
{
    uint8_t spki[OTA_MAX_SPKI_DER_LEN];
    size_t spki_len = spki_of(alg, pub, spki);
    vec msg = load("message.bin");
    vec sig = load(sig_name);

    for (size_t n = 0; n < sig.n; n++) {
        uint8_t *t = concat(sig.p, n, NULL, 0);

        assert_int_equal(ota_pkey_verify(alg, spki, spki_len, msg.p, msg.n, t, n),
                         OTA_E_SIGNATURE);
        free(t);
    }
    unload(&msg);
    unload(&sig);
}

static void
check_empty_and_trailing(ota_pkey_alg alg, const char *pub, const char *sig_name)
{
    uint8_t spki[OTA_MAX_SPKI_DER_LEN];
    size_t spki_len = spki_of(alg, pub, spki);
    vec msg = load("message.bin");
    vec sig = load(sig_name);
    static const uint8_t tails[] = {0x00, 0x01, 0x30, 0xff};
    uint8_t big[OTA_MAX_SIG_LEN + 1];

    assert_int_equal(ota_pkey_verify(alg, spki, spki_len, msg.p, msg.n, NULL, 0),
                     OTA_E_SIGNATURE);
    assert_int_equal(ota_pkey_verify(alg, spki, spki_len, msg.p, msg.n, sig.p, 0),
                     OTA_E_SIGNATURE);
    for (size_t i = 0; i < sizeof tails; i++) {
        uint8_t *t = concat(sig.p, sig.n, &tails[i], 1);
        uint8_t *h = concat(&tails[i], 1, sig.p, sig.n);

        assert_int_equal(ota_pkey_verify(alg, spki, spki_len, msg.p, msg.n, t, sig.n + 1),
                         OTA_E_SIGNATURE);
        assert_int_equal(ota_pkey_verify(alg, spki, spki_len, msg.p, msg.n, h, sig.n + 1),
                         OTA_E_SIGNATURE);
        free(t);
        free(h);
    }
    memset(big, 0, sizeof big);
    memcpy(big, sig.p, sig.n);
    assert_int_equal(ota_pkey_verify(alg, spki, spki_len, msg.p, msg.n, big, sizeof big),
                     OTA_E_SIGNATURE);
    unload(&msg);
    unload(&sig);
}

static void
check_every_msg_bit_flip(ota_pkey_alg alg, const char *pub, const char *sig_name)
{
    uint8_t spki[OTA_MAX_SPKI_DER_LEN];
    size_t spki_len = spki_of(alg, pub, spki);
    vec msg = load("message.bin");
    vec sig = load(sig_name);

    for (size_t i = 0; i < msg.n * 8; i++) {
        msg.p[i / 8] ^= (uint8_t) (1u << (i % 8));
        assert_int_equal(ota_pkey_verify(alg, spki, spki_len, msg.p, msg.n, sig.p, sig.n),
                         OTA_E_SIGNATURE);
        msg.p[i / 8] ^= (uint8_t) (1u << (i % 8));
    }
    /* a truncated and an extended message too */
    assert_int_equal(ota_pkey_verify(alg, spki, spki_len, msg.p, msg.n - 1, sig.p, sig.n),
                     OTA_E_SIGNATURE);
    assert_int_equal(ota_pkey_verify(alg, spki, spki_len, msg.p, msg.n + 1, sig.p, sig.n),
                     OTA_E_SIGNATURE);
    assert_int_equal(ota_pkey_verify(alg, spki, spki_len, NULL, 0, sig.p, sig.n),
                     OTA_E_SIGNATURE);
    unload(&msg);
    unload(&sig);
}

static void
check_rejected_sig(ota_pkey_alg alg, const char *pub, const char *sig_name)
{
    uint8_t spki[OTA_MAX_SPKI_DER_LEN];
    size_t spki_len = spki_of(alg, pub, spki);
    vec msg = load("message.bin");
    vec sig = load(sig_name);

    assert_int_equal(ota_pkey_verify(alg, spki, spki_len, msg.p, msg.n, sig.p, sig.n),
                     OTA_E_SIGNATURE);
    unload(&msg);
    unload(&sig);
}

/* ---- ECDSA P-256 verification ----------------------------------------- */

static void
test_ec_pem_to_spki_matches_openssl_der(void **state)
{
    uint8_t spki[OTA_MAX_SPKI_DER_LEN];
    vec der = load("p256-pub.der");
    size_t n;

    (void) state;
    n = spki_of(ECDSA, "p256-pub.pem", spki);
    assert_int_equal(n, der.n);
    assert_memory_equal(spki, der.p, n);
    unload(&der);
}

static void
test_ec_valid_signature_verifies(void **state)
{
    (void) state;
    check_valid(ECDSA, "p256-pub.pem", "p256-sig.der");
}

static void
test_ec_every_sig_bit_flip_fails(void **state)
{
    (void) state;
    check_every_sig_bit_flip(ECDSA, "p256-pub.pem", "p256-sig.der");
}

static void
test_ec_every_sig_truncation_fails(void **state)
{
    (void) state;
    check_every_sig_truncation(ECDSA, "p256-pub.pem", "p256-sig.der");
}

static void
test_ec_empty_and_trailing_bytes_fail(void **state)
{
    (void) state;
    check_empty_and_trailing(ECDSA, "p256-pub.pem", "p256-sig.der");
}

static void
test_ec_every_msg_bit_flip_fails(void **state)
{
    (void) state;
    check_every_msg_bit_flip(ECDSA, "p256-pub.pem", "p256-sig.der");
}

static void
test_ec_other_key_signature_fails(void **state)
{
    (void) state;
    check_rejected_sig(ECDSA, "p256-pub.pem", "p256-other-sig.der");
}

/* s and n - s both verify: TUF does not normalise S, so neither do we. */
static void
test_ec_high_and_low_s_both_verify(void **state)
{
    uint8_t spki[OTA_MAX_SPKI_DER_LEN];
    size_t spki_len = spki_of(ECDSA, "p256-pub.pem", spki);
    vec msg = load("message.bin");
    vec sig = load("p256-sig.der");
    const unsigned char *p = sig.p;
    ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &p, (long) sig.n);
    ECDSA_SIG *flipped = ECDSA_SIG_new();
    EC_GROUP *group = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
    const BIGNUM *r;
    const BIGNUM *s;
    BIGNUM *r2;
    BIGNUM *s2 = BN_new();
    unsigned char *der = NULL;
    int n;

    (void) state;
    assert_non_null(es);
    assert_non_null(flipped);
    assert_non_null(group);
    assert_non_null(s2);
    ECDSA_SIG_get0(es, &r, &s);
    r2 = BN_dup(r);
    assert_non_null(r2);
    assert_int_equal(BN_sub(s2, EC_GROUP_get0_order(group), s), 1);
    assert_int_equal(ECDSA_SIG_set0(flipped, r2, s2), 1);
    n = i2d_ECDSA_SIG(flipped, &der);
    assert_true(n > 0);
    assert_false((size_t) n == sig.n && memcmp(der, sig.p, sig.n) == 0);
    assert_int_equal(ota_pkey_verify(ECDSA, spki, spki_len, msg.p, msg.n, der, (size_t) n),
                     OTA_OK);
    assert_int_equal(ota_pkey_verify(ECDSA, spki, spki_len, msg.p, msg.n, sig.p, sig.n), OTA_OK);
    OPENSSL_free(der);
    ECDSA_SIG_free(flipped);
    ECDSA_SIG_free(es);
    EC_GROUP_free(group);
    unload(&msg);
    unload(&sig);
}

/* BER that OpenSSL's d2i would take: long-form length, padded INTEGER. */
static void
test_ec_non_canonical_der_fails(void **state)
{
    uint8_t spki[OTA_MAX_SPKI_DER_LEN];
    size_t spki_len = spki_of(ECDSA, "p256-pub.pem", spki);
    vec msg = load("message.bin");
    vec sig = load("p256-sig.der");
    uint8_t buf[OTA_MAX_SIG_LEN];
    size_t rlen;

    (void) state;
    assert_true(sig.n < 128 && sig.p[0] == 0x30 && sig.p[1] == sig.n - 2 && sig.p[2] == 0x02);

    /* 30 L ... -> 30 81 L ... */
    buf[0] = 0x30;
    buf[1] = 0x81;
    memcpy(buf + 2, sig.p + 1, sig.n - 1);
    assert_int_equal(ota_pkey_verify(ECDSA, spki, spki_len, msg.p, msg.n, buf, sig.n + 1),
                     OTA_E_SIGNATURE);

    /* r with one more leading zero byte */
    rlen = sig.p[3];
    buf[0] = 0x30;
    buf[1] = (uint8_t) (sig.p[1] + 1);
    buf[2] = 0x02;
    buf[3] = (uint8_t) (rlen + 1);
    buf[4] = 0x00;
    memcpy(buf + 5, sig.p + 4, sig.n - 4);
    assert_int_equal(ota_pkey_verify(ECDSA, spki, spki_len, msg.p, msg.n, buf, sig.n + 1),
                     OTA_E_SIGNATURE);

    /* raw r||s (the JOSE/PKCS#11 form), not DER */
    memset(buf, 0x11, 64);
    assert_int_equal(ota_pkey_verify(ECDSA, spki, spki_len, msg.p, msg.n, buf, 64),
                     OTA_E_SIGNATURE);
    unload(&msg);
    unload(&sig);
}

/* r = 0, s = 0, r = n: well-formed DER, out of range. */
static void
test_ec_out_of_range_scalars_fail(void **state)
{
    uint8_t spki[OTA_MAX_SPKI_DER_LEN];
    size_t spki_len = spki_of(ECDSA, "p256-pub.pem", spki);
    vec msg = load("message.bin");
    EC_GROUP *group = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
    const BIGNUM *order;

    (void) state;
    assert_non_null(group);
    order = EC_GROUP_get0_order(group);
    for (int i = 0; i < 4; i++) {
        ECDSA_SIG *es = ECDSA_SIG_new();
        BIGNUM *r = i == 2 ? BN_dup(order) : BN_new();
        BIGNUM *s = i == 3 ? BN_dup(order) : BN_new();
        unsigned char *der = NULL;
        int n;

        assert_non_null(es);
        assert_non_null(r);
        assert_non_null(s);
        if (i != 2)
            assert_int_equal(BN_set_word(r, i == 0 ? 0 : 1), 1);
        if (i != 3)
            assert_int_equal(BN_set_word(s, i == 1 ? 0 : 1), 1);
        assert_int_equal(ECDSA_SIG_set0(es, r, s), 1);
        n = i2d_ECDSA_SIG(es, &der);
        assert_true(n > 0);
        assert_int_equal(ota_pkey_verify(ECDSA, spki, spki_len, msg.p, msg.n, der, (size_t) n),
                         OTA_E_SIGNATURE);
        OPENSSL_free(der);
        ECDSA_SIG_free(es);
    }
    EC_GROUP_free(group);
    unload(&msg);
}

/* A compressed point is the same key; explicit curve parameters are not
 * accepted even though they describe P-256. */
static void
test_ec_compressed_ok_explicit_rejected(void **state)
{
    (void) state;
    check_valid(ECDSA, "p256-pub-compressed.pem", "p256-sig.der");
    assert_int_equal(pem_file_rc(ECDSA, "p256-pub-explicit.pem"), OTA_E_KEY);
}

/* ---- RSASSA-PSS-SHA256 verification ----------------------------------- */

static void
test_rsa_pem_to_spki_matches_openssl_der(void **state)
{
    uint8_t spki[OTA_MAX_SPKI_DER_LEN];
    vec der = load("rsa2048-pub.der");
    size_t n;

    (void) state;
    n = spki_of(RSA_PSS, "rsa2048-pub.pem", spki);
    assert_int_equal(n, der.n);
    assert_memory_equal(spki, der.p, n);
    unload(&der);
}

/* The vectors are what the README says: salt 32 and salt 222 (max). */
static void
test_rsa_vectors_have_stated_salt_lengths(void **state)
{
    uint8_t spki[OTA_MAX_SPKI_DER_LEN];
    size_t spki_len = spki_of(RSA_PSS, "rsa2048-pub.pem", spki);
    vec msg = load("message.bin");
    vec s32 = load("rsa2048-sig-pss32.bin");
    vec smax = load("rsa2048-sig-pssmax.bin");

    (void) state;
    assert_true(pss_verifies_with_salt(spki, spki_len, &msg, s32.p, s32.n, 32));
    assert_false(pss_verifies_with_salt(spki, spki_len, &msg, smax.p, smax.n, 32));
    assert_true(pss_verifies_with_salt(spki, spki_len, &msg, smax.p, smax.n, 256 - 32 - 2));
    unload(&msg);
    unload(&s32);
    unload(&smax);
}

static void
test_rsa_valid_signatures_verify_any_salt(void **state)
{
    (void) state;
    check_valid(RSA_PSS, "rsa2048-pub.pem", "rsa2048-sig-pss32.bin");
    check_valid(RSA_PSS, "rsa2048-pub.pem", "rsa2048-sig-pssmax.bin");
}

static void
test_rsa_every_sig_bit_flip_fails(void **state)
{
    (void) state;
    check_every_sig_bit_flip(RSA_PSS, "rsa2048-pub.pem", "rsa2048-sig-pss32.bin");
}

static void
test_rsa_every_sig_truncation_fails(void **state)
{
    (void) state;
    check_every_sig_truncation(RSA_PSS, "rsa2048-pub.pem", "rsa2048-sig-pss32.bin");
}

static void
test_rsa_empty_and_extra_bytes_fail(void **state)
{
    (void) state;
    check_empty_and_trailing(RSA_PSS, "rsa2048-pub.pem", "rsa2048-sig-pss32.bin");
}

static void
test_rsa_every_msg_bit_flip_fails(void **state)
{
    (void) state;
    check_every_msg_bit_flip(RSA_PSS, "rsa2048-pub.pem", "rsa2048-sig-pss32.bin");
}

static void
test_rsa_other_key_and_pkcs1v15_signatures_fail(void **state)
{
    (void) state;
    check_rejected_sig(RSA_PSS, "rsa2048-pub.pem", "rsa2048-other-sig.bin");
    check_rejected_sig(RSA_PSS, "rsa2048-pub.pem", "rsa2048-sig-pkcs1.bin");
}

/* OpenSSL alone takes a signature shorter than the modulus (leading zeros
 * dropped); TUF implementations write exactly the modulus size. */
static void
test_rsa_signature_must_be_modulus_size(void **state)
{
    uint8_t spki[OTA_MAX_SPKI_DER_LEN];
    size_t spki_len = spki_of(RSA_PSS, "rsa2048-pub.pem", spki);
    vec msg = load("message.bin");
    vec sig = load("rsa2048-sig-pss32-lead0.bin");
    uint8_t *t;

    (void) state;
    assert_int_equal(sig.n, 256);
    assert_int_equal(sig.p[0], 0x00);
    assert_int_equal(ota_pkey_verify(RSA_PSS, spki, spki_len, msg.p, msg.n, sig.p, sig.n),
                     OTA_OK);
    t = concat(sig.p + 1, sig.n - 1, NULL, 0);
    assert_true(pss_verifies_with_salt(spki, spki_len, &msg, t, sig.n - 1, 32));
    assert_int_equal(ota_pkey_verify(RSA_PSS, spki, spki_len, msg.p, msg.n, t, sig.n - 1),
                     OTA_E_SIGNATURE);
    free(t);
    unload(&msg);
    unload(&sig);
}

/* ---- PEM public keys -------------------------------------------------- */

static void
test_pem_rejects_wrong_keys(void **state)
{
    static const struct {
        ota_pkey_alg alg;
        const char *file;
        ota_err want;
    } cases[] = {
        {ECDSA, "p256-pub.pem", OTA_OK},
        {ECDSA, "p384-pub.pem", OTA_E_KEY},
        {ECDSA, "ed25519-pub.pem", OTA_E_KEY},
        {ECDSA, "p256-priv.pem", OTA_E_KEY},
        {ECDSA, "p256-priv-sec1.pem", OTA_E_KEY},
        {ECDSA, "p256-pub-explicit.pem", OTA_E_KEY},
        {ECDSA, "rsa2048-pub.pem", OTA_E_KEY},
        {RSA_PSS, "rsa2048-pub.pem", OTA_OK},
        {RSA_PSS, "rsa4096-pub.pem", OTA_OK},
        {RSA_PSS, "p256-pub.pem", OTA_E_KEY},
        {RSA_PSS, "ed25519-pub.pem", OTA_E_KEY},
        {RSA_PSS, "rsa2048-priv.pem", OTA_E_KEY},
        {RSA_PSS, "rsa1024-pub.pem", OTA_E_KEY},
        {RSA_PSS, "rsa2047-pub.pem", OTA_E_KEY},
        {RSA_PSS, "rsa4098-pub.pem", OTA_E_KEY},
        {RSA_PSS, "rsapss-pub.pem", OTA_E_KEY},
        {RSA_PSS, "rsa2048-pub-pkcs1.pem", OTA_E_KEY},
    };

    (void) state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ota_err rc = pem_file_rc(cases[i].alg, cases[i].file);

        if (rc != cases[i].want)
            fail_msg("%s: got %d, want %d", cases[i].file, (int) rc, (int) cases[i].want);
    }
}

static void
test_pem_rejects_garbage(void **state)
{
    static const char *const bad[] = {
        "",
        "garbage",
        "-----BEGIN PUBLIC KEY-----",
        "-----BEGIN PUBLIC KEY-----\n-----END PUBLIC KEY-----\n",
        "-----BEGIN PUBLIC KEY-----\n!!!!\n-----END PUBLIC KEY-----\n",
        "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n",
        "-----BEGIN PUBLIC KEY-----\nMAA=\n-----END PUBLIC KEY-----\n",
        /* a P-256 SPKI header with no point */
        ("-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n"
         "-----END PUBLIC KEY-----\n"),
    };
    uint8_t junk[512];

    (void) state;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(pem_rc(ECDSA, bad[i], strlen(bad[i])), OTA_E_KEY);
        assert_int_equal(pem_rc(RSA_PSS, bad[i], strlen(bad[i])), OTA_E_KEY);
    }
    for (uint64_t round = 0; round < 200; round++) {
        uint64_t rng = round; /* round N's junk is the same on every run */
        size_t n = (size_t) (tu_rand(&rng) % sizeof junk);

        tu_rand_fill(&rng, junk, n);
        if (pem_rc(ECDSA, junk, n) != OTA_E_KEY)
            fail_msg("junk round %llu (%zu bytes) not refused", (unsigned long long) round, n);
    }
}

static void
check_pem_truncations(ota_pkey_alg alg, const char *name)
{
    vec pem = load(name);

    /* Dropping only the final newline leaves a complete PEM block. */
    assert_int_equal(pem.p[pem.n - 1], '\n');
    for (size_t n = 0; n < pem.n; n++) {
        uint8_t *t = concat(pem.p, n, NULL, 0);
        ota_err want = n == pem.n - 1 ? OTA_OK : OTA_E_KEY;

        if (pem_rc(alg, t, n) != want)
            fail_msg("%s cut at %zu: want %d", name, n, (int) want);
        free(t);
    }
    unload(&pem);
}

static void
test_pem_rejects_every_truncation(void **state)
{
    (void) state;
    check_pem_truncations(ECDSA, "p256-pub.pem");
    check_pem_truncations(RSA_PSS, "rsa2048-pub.pem");
}

static void
test_pem_rejects_trailing_and_leading_data(void **state)
{
    static const struct {
        const char *s;
        size_t n;
        ota_err want;
    } tails[] = {
        {"\n", 1, OTA_OK},
        {"\r\n", 2, OTA_OK},
        {"\n\n\n", 3, OTA_OK},
        {"x", 1, OTA_E_KEY},
        {"\n\nx", 3, OTA_E_KEY},
        {" ", 1, OTA_E_KEY},
        {"\0", 1, OTA_E_KEY},
        {"-----BEGIN PUBLIC KEY-----\n", 27, OTA_E_KEY},
    };
    vec pem = load("p256-pub.pem");
    vec other = load("rsa2048-pub.pem");
    uint8_t *t;

    (void) state;
    for (size_t i = 0; i < sizeof tails / sizeof tails[0]; i++) {
        t = concat(pem.p, pem.n, tails[i].s, tails[i].n);
        assert_int_equal(pem_rc(ECDSA, t, pem.n + tails[i].n), tails[i].want);
        free(t);
    }
    /* a second complete PEM block after the first */
    t = concat(pem.p, pem.n, pem.p, pem.n);
    assert_int_equal(pem_rc(ECDSA, t, 2 * pem.n), OTA_E_KEY);
    free(t);
    /* OpenSSL would skip a leading block of another name; we do not */
    t = concat(other.p, other.n, pem.p, pem.n);
    assert_int_equal(pem_rc(ECDSA, t, other.n + pem.n), OTA_E_KEY);
    free(t);
    /* leading garbage, leading newline */
    t = concat("x\n", 2, pem.p, pem.n);
    assert_int_equal(pem_rc(ECDSA, t, pem.n + 2), OTA_E_KEY);
    free(t);
    t = concat("\n", 1, pem.p, pem.n);
    assert_int_equal(pem_rc(ECDSA, t, pem.n + 1), OTA_E_KEY);
    free(t);
    unload(&pem);
    unload(&other);
}

static void
test_pem_line_endings_nul_and_headers(void **state)
{
    vec pem = load("p256-pub.pem");
    uint8_t crlf[2 * 512];
    size_t n = 0;
    const char *nl = memchr(pem.p, '\n', pem.n);
    size_t first = (size_t) (nl - (const char *) pem.p) + 1;
    static const char hdr[] = "Proc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,"
                              "00000000000000000000000000000000\n\n";
    uint8_t *t;

    (void) state;
    /* CRLF line endings are fine */
    assert_true(pem.n < 512);
    for (size_t i = 0; i < pem.n; i++) {
        if (pem.p[i] == '\n')
            crlf[n++] = '\r';
        crlf[n++] = pem.p[i];
    }
    assert_int_equal(pem_rc(ECDSA, crlf, n), OTA_OK);

    /* a NUL inside the base64 */
    t = concat(pem.p, pem.n, NULL, 0);
    t[first + 5] = '\0';
    assert_int_equal(pem_rc(ECDSA, t, pem.n), OTA_E_KEY);
    free(t);

    /* RFC 1421 headers after the BEGIN line */
    t = malloc(pem.n + sizeof hdr);
    assert_non_null(t);
    memcpy(t, pem.p, first);
    memcpy(t + first, hdr, sizeof hdr - 1);
    memcpy(t + first + sizeof hdr - 1, pem.p + first, pem.n - first);
    assert_int_equal(pem_rc(ECDSA, t, pem.n + sizeof hdr - 1), OTA_E_KEY);
    free(t);
    unload(&pem);
}

/* An odd-looking PEM name that still starts like "PUBLIC KEY". */
static void
test_pem_rejects_wrong_block_name(void **state)
{
    uint8_t *der = NULL;
    size_t n = pem_body("p256-pub.pem", &der);
    size_t len = 0;
    char *pem;

    (void) state;
    pem = pem_wrap("PUBLIC KEY-----", der, n, &len);
    assert_int_equal(pem_rc(ECDSA, pem, len), OTA_E_KEY);
    free(pem);
    pem = pem_wrap("PUBLIC KEY", der, n, &len);
    assert_int_equal(pem_rc(ECDSA, pem, len), OTA_OK);
    free(pem);
    OPENSSL_free(der);
}

/* RSA keys that decode but fail OpenSSL's public-key check. */
static void
test_pem_rejects_invalid_rsa_public_key(void **state)
{
    uint8_t *der = NULL;
    size_t n = pem_body("rsa2048-pub.pem", &der);
    const unsigned char *p = der;
    EVP_PKEY *good = d2i_PUBKEY(NULL, &p, (long) n);
    BIGNUM *mod = NULL;

    (void) state;
    assert_non_null(good);
    assert_int_equal(EVP_PKEY_get_bn_param(good, "n", &mod), 1);
    for (int i = 0; i < 3; i++) {
        BIGNUM *nn = BN_dup(mod);
        BIGNUM *e = BN_new();
        OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
        OSSL_PARAM *params;
        EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
        EVP_PKEY *bad = NULL;
        unsigned char *bad_der = NULL;
        int bad_len;
        char *pem;
        size_t pem_len = 0;

        assert_non_null(nn);
        assert_non_null(e);
        assert_non_null(bld);
        assert_non_null(ctx);
        /* 0: even modulus; 1: e = 1; 2: even e */
        if (i == 0)
            assert_int_equal(BN_add_word(nn, 1), 1);
        assert_int_equal(BN_set_word(e, i == 1 ? 1 : i == 2 ? 65536 : 65537), 1);
        assert_int_equal(OSSL_PARAM_BLD_push_BN(bld, "n", nn), 1);
        assert_int_equal(OSSL_PARAM_BLD_push_BN(bld, "e", e), 1);
        params = OSSL_PARAM_BLD_to_param(bld);
        assert_non_null(params);
        assert_int_equal(EVP_PKEY_fromdata_init(ctx), 1);
        assert_int_equal(EVP_PKEY_fromdata(ctx, &bad, EVP_PKEY_PUBLIC_KEY, params), 1);
        bad_len = i2d_PUBKEY(bad, &bad_der);
        assert_true(bad_len > 0);
        pem = pem_wrap("PUBLIC KEY", bad_der, (size_t) bad_len, &pem_len);
        if (pem_rc(RSA_PSS, pem, pem_len) != OTA_E_KEY)
            fail_msg("bad RSA key %d accepted", i);
        free(pem);
        OPENSSL_free(bad_der);
        EVP_PKEY_free(bad);
        EVP_PKEY_CTX_free(ctx);
        OSSL_PARAM_free(params);
        OSSL_PARAM_BLD_free(bld);
        BN_free(e);
        BN_free(nn);
    }
    ERR_clear_error();
    BN_free(mod);
    EVP_PKEY_free(good);
    OPENSSL_free(der);
}

static void
test_pem_limits_and_capacity(void **state)
{
    vec pem = load("p256-pub.pem");
    vec der = load("p256-pub.der");
    uint8_t *big = malloc(OTA_MAX_PEM_LEN + 1);
    uint8_t out[OTA_MAX_SPKI_DER_LEN];
    size_t out_len = 12345;

    (void) state;
    assert_non_null(big);
    memset(big, '\n', OTA_MAX_PEM_LEN + 1);
    memcpy(big, pem.p, pem.n);
    /* exactly at the limit: valid PEM padded with newlines */
    assert_int_equal(pem_rc(ECDSA, big, OTA_MAX_PEM_LEN), OTA_OK);
    assert_int_equal(pem_rc(ECDSA, big, OTA_MAX_PEM_LEN + 1), OTA_E_LIMIT);

    /* one byte short of the DER: OTA_E_ARG, outputs untouched */
    memset(out, 0xa5, sizeof out);
    assert_int_equal(ota_pkey_pem_to_spki(ECDSA, (const char *) pem.p, pem.n, out, der.n - 1,
                                          &out_len),
                     OTA_E_ARG);
    assert_int_equal(out_len, 12345);
    for (size_t i = 0; i < sizeof out; i++)
        assert_int_equal(out[i], 0xa5);
    assert_int_equal(
        ota_pkey_pem_to_spki(ECDSA, (const char *) pem.p, pem.n, out, der.n, &out_len), OTA_OK);
    assert_int_equal(out_len, der.n);
    assert_memory_equal(out, der.p, der.n);
    free(big);
    unload(&pem);
    unload(&der);
}

/* ---- DER SPKI given to verify ----------------------------------------- */

static void
check_spki_mutations(ota_pkey_alg alg, const char *pub, const char *sig_name)
{
    uint8_t spki[OTA_MAX_SPKI_DER_LEN];
    size_t spki_len = spki_of(alg, pub, spki);
    vec msg = load("message.bin");
    vec sig = load(sig_name);
    uint8_t *t;

    for (size_t n = 0; n < spki_len; n++) {
        t = concat(spki, n, NULL, 0);
        assert_int_equal(ota_pkey_verify(alg, t, n, msg.p, msg.n, sig.p, sig.n), OTA_E_KEY);
        free(t);
    }
    t = concat(spki, spki_len, "\0", 1);
    assert_int_equal(ota_pkey_verify(alg, t, spki_len + 1, msg.p, msg.n, sig.p, sig.n),
                     OTA_E_KEY);
    free(t);
    for (size_t i = 0; i < spki_len * 8; i++) {
        ota_err rc;

        spki[i / 8] ^= (uint8_t) (1u << (i % 8));
        rc = ota_pkey_verify(alg, spki, spki_len, msg.p, msg.n, sig.p, sig.n);
        if (rc != OTA_E_KEY && rc != OTA_E_SIGNATURE)
            fail_msg("%s bit %zu flipped: got %d", pub, i, (int) rc);
        spki[i / 8] ^= (uint8_t) (1u << (i % 8));
    }
    /* BER long-form outer length */
    assert_true(spki[0] == 0x30);
    if (spki[1] < 0x80) {
        t = malloc(spki_len + 1);
        assert_non_null(t);
        t[0] = 0x30;
        t[1] = 0x81;
        memcpy(t + 2, spki + 1, spki_len - 1);
        assert_int_equal(ota_pkey_verify(alg, t, spki_len + 1, msg.p, msg.n, sig.p, sig.n),
                         OTA_E_KEY);
        free(t);
    }
    unload(&msg);
    unload(&sig);
}

static void
test_verify_rejects_bad_spki(void **state)
{
    (void) state;
    check_spki_mutations(ECDSA, "p256-pub.pem", "p256-sig.der");
    check_spki_mutations(RSA_PSS, "rsa2048-pub.pem", "rsa2048-sig-pss32.bin");
}

/* Keys that only OpenSSL itself would decode reach verify as DER. */
static void
test_verify_rejects_wrong_key_der(void **state)
{
    static const struct {
        ota_pkey_alg alg;
        const char *file;
    } cases[] = {
        {ECDSA, "p384-pub.pem"},       {ECDSA, "ed25519-pub.pem"},
        {ECDSA, "rsa2048-pub.pem"},    {ECDSA, "p256-pub-explicit.pem"},
        {RSA_PSS, "p256-pub.pem"},     {RSA_PSS, "rsa1024-pub.pem"},
        {RSA_PSS, "rsa4098-pub.pem"},  {RSA_PSS, "rsapss-pub.pem"},
    };
    vec msg = load("message.bin");
    vec sig = load("rsa2048-sig-pss32.bin");
    uint8_t big[OTA_MAX_SPKI_DER_LEN + 1];

    (void) state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint8_t *der;
        size_t n = openssl_spki(cases[i].file, &der);
        ota_err rc = ota_pkey_verify(cases[i].alg, der, n, msg.p, msg.n, sig.p, sig.n);

        if (rc != OTA_E_KEY)
            fail_msg("%s: got %d", cases[i].file, (int) rc);
        OPENSSL_free(der);
    }
    memset(big, 0x30, sizeof big);
    assert_int_equal(ota_pkey_verify(ECDSA, big, sizeof big, msg.p, msg.n, sig.p, sig.n),
                     OTA_E_LIMIT);
    assert_int_equal(ota_pkey_verify(ECDSA, big, 0, msg.p, msg.n, sig.p, sig.n), OTA_E_KEY);
    unload(&msg);
    unload(&sig);
}

/* Random signatures and keys never crash and never verify. */
static void
test_verify_random_inputs(void **state)
{
    uint8_t spki[2][OTA_MAX_SPKI_DER_LEN];
    size_t spki_len[2];
    vec msg = load("message.bin");
    uint8_t junk[OTA_MAX_SIG_LEN];
    static const ota_pkey_alg algs[2] = {ECDSA, RSA_PSS};

    (void) state;
    spki_len[0] = spki_of(ECDSA, "p256-pub.pem", spki[0]);
    spki_len[1] = spki_of(RSA_PSS, "rsa2048-pub.pem", spki[1]);
    for (uint64_t round = 0; round < 300; round++) {
        int k = (int) (round & 1);
        uint64_t rng = round; /* round N's junk is the same on every run */
        size_t n = k ? 256 : (size_t) (tu_rand(&rng) % 80);
        uint8_t *t;

        tu_rand_fill(&rng, junk, sizeof junk);
        if (!k && n >= 2) {
            junk[0] = 0x30; /* look like DER some of the time */
            junk[1] = (uint8_t) (n - 2);
        }
        t = concat(junk, n, NULL, 0);
        if (ota_pkey_verify(algs[k], spki[k], spki_len[k], msg.p, msg.n, t, n) != OTA_E_SIGNATURE ||
            ota_pkey_verify(algs[k], t, n, msg.p, msg.n, t, n) != OTA_E_KEY)
            fail_msg("junk round %llu (%zu bytes) not refused", (unsigned long long) round, n);
        free(t);
    }
    unload(&msg);
}

/* ---- generate, sign, derive ------------------------------------------- */

static void
check_roundtrip(ota_pkey_alg alg, int bits)
{
    char *priv = NULL;
    char *pub = NULL;
    char *derived = NULL;
    uint8_t spki[OTA_MAX_SPKI_DER_LEN];
    size_t spki_len = 0;
    uint8_t sig[OTA_MAX_SIG_LEN];
    size_t sig_len = 0;
    static const uint8_t msg[] = "{\"signed\":{\"_type\":\"root\"}}";
    const unsigned char *p;
    EVP_PKEY *pkey;

    assert_int_equal(ota_pkey_generate(alg, &priv, &pub), OTA_OK);
    assert_non_null(priv);
    assert_non_null(pub);
    assert_true(strncmp(priv, "-----BEGIN PRIVATE KEY-----\n", 28) == 0);
    assert_true(strncmp(pub, "-----BEGIN PUBLIC KEY-----\n", 27) == 0);

    assert_int_equal(
        ota_pkey_pem_to_spki(alg, pub, strlen(pub), spki, sizeof spki, &spki_len), OTA_OK);
    p = spki;
    pkey = d2i_PUBKEY(NULL, &p, (long) spki_len);
    assert_non_null(pkey);
    assert_int_equal(EVP_PKEY_get_bits(pkey), bits);
    EVP_PKEY_free(pkey);

    assert_int_equal(ota_pkey_sign(alg, priv, strlen(priv), msg, sizeof msg - 1, sig,
                                   sizeof sig, &sig_len),
                     OTA_OK);
    assert_int_equal(ota_pkey_verify(alg, spki, spki_len, msg, sizeof msg - 1, sig, sig_len),
                     OTA_OK);
    assert_int_equal(ota_pkey_verify(alg, spki, spki_len, msg, sizeof msg - 2, sig, sig_len),
                     OTA_E_SIGNATURE);
    if (alg == RSA_PSS) {
        vec m = {(uint8_t *) msg, sizeof msg - 1};

        assert_int_equal(sig_len, (size_t) bits / 8);
        /* we sign with salt length 32 exactly */
        assert_true(pss_verifies_with_salt(spki, spki_len, &m, sig, sig_len, 32));
        assert_false(pss_verifies_with_salt(spki, spki_len, &m, sig, sig_len, 31));
        assert_false(pss_verifies_with_salt(spki, spki_len, &m, sig, sig_len, 33));
    } else {
        assert_true(sig_len >= 8 && sig_len <= 72 && sig[0] == 0x30);
    }

    /* the empty message */
    assert_int_equal(ota_pkey_sign(alg, priv, strlen(priv), NULL, 0, sig, sizeof sig, &sig_len),
                     OTA_OK);
    assert_int_equal(ota_pkey_verify(alg, spki, spki_len, NULL, 0, sig, sig_len), OTA_OK);

    /* the other algorithm refuses this key */
    assert_int_equal(ota_pkey_sign(alg == ECDSA ? RSA_PSS : ECDSA, priv, strlen(priv), msg,
                                   sizeof msg - 1, sig, sizeof sig, &sig_len),
                     OTA_E_KEY);

    assert_int_equal(ota_pkey_public_from_private(alg, priv, strlen(priv), &derived), OTA_OK);
    assert_string_equal(derived, pub);

    free(derived);
    sodium_free(priv);
    free(pub);
}

static void
test_ec_generate_sign_verify(void **state)
{
    (void) state;
    check_roundtrip(ECDSA, 256);
}

static void
test_rsa_generate_sign_verify(void **state)
{
    (void) state;
    check_roundtrip(RSA_PSS, OTA_PKEY_RSA_GEN_BITS);
}

/* Keys made by the openssl CLI: sign with ours, and derive the CLI's
 * public PEM byte for byte. */
static void
check_committed_key(ota_pkey_alg alg, const char *priv_name, const char *pub_name)
{
    vec priv = load(priv_name);
    vec pub = load(pub_name);
    vec msg = load("message.bin");
    uint8_t spki[OTA_MAX_SPKI_DER_LEN];
    size_t spki_len = spki_of(alg, pub_name, spki);
    uint8_t sig[OTA_MAX_SIG_LEN];
    size_t sig_len = 0;
    char *derived = NULL;

    assert_int_equal(ota_pkey_sign(alg, (const char *) priv.p, priv.n, msg.p, msg.n, sig,
                                   sizeof sig, &sig_len),
                     OTA_OK);
    assert_int_equal(ota_pkey_verify(alg, spki, spki_len, msg.p, msg.n, sig, sig_len), OTA_OK);
    assert_int_equal(
        ota_pkey_public_from_private(alg, (const char *) priv.p, priv.n, &derived), OTA_OK);
    assert_string_equal(derived, (const char *) pub.p);
    free(derived);
    unload(&priv);
    unload(&pub);
    unload(&msg);
}

static void
test_committed_keys_sign_and_derive(void **state)
{
    (void) state;
    check_committed_key(ECDSA, "p256-priv.pem", "p256-pub.pem");
    check_committed_key(RSA_PSS, "rsa2048-priv.pem", "rsa2048-pub.pem");
}

static void
test_sign_rejects_bad_private_keys(void **state)
{
    static const struct {
        ota_pkey_alg alg;
        const char *file;
    } cases[] = {
        {ECDSA, "p256-priv-sec1.pem"}, {ECDSA, "p256-priv-enc.pem"},
        {ECDSA, "p256-pub.pem"},       {ECDSA, "rsa2048-priv.pem"},
        {RSA_PSS, "p256-priv.pem"},    {RSA_PSS, "rsa2048-pub.pem"},
    };
    vec msg = load("message.bin");
    uint8_t sig[OTA_MAX_SIG_LEN];
    size_t sig_len = 777;
    char *pub = NULL;

    (void) state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        vec priv = load(cases[i].file);

        if (ota_pkey_sign(cases[i].alg, (const char *) priv.p, priv.n, msg.p, msg.n, sig,
                          sizeof sig, &sig_len) != OTA_E_KEY)
            fail_msg("sign with %s accepted", cases[i].file);
        if (ota_pkey_public_from_private(cases[i].alg, (const char *) priv.p, priv.n, &pub) !=
            OTA_E_KEY)
            fail_msg("public_from_private with %s accepted", cases[i].file);
        unload(&priv);
    }
    assert_int_equal(sig_len, 777);
    assert_null(pub);
    unload(&msg);
}

/* A PKCS#8 EC key whose stored public point is not its scalar's: we must
 * neither sign with it nor hand out that public key. */
static void
test_ec_mismatched_private_key_rejected(void **state)
{
    vec priv = load("p256-priv.pem");
    vec msg = load("message.bin");
    char *gen_priv = NULL;
    char *gen_pub = NULL;
    uint8_t other[OTA_MAX_SPKI_DER_LEN];
    size_t other_len = 0;
    BIO *in = BIO_new_mem_buf(priv.p, (int) priv.n);
    BIO *out = BIO_new(BIO_s_mem());
    char *name = NULL;
    char *hdr = NULL;
    unsigned char *der = NULL;
    long der_len = 0;
    char *pem = NULL;
    long pem_len;
    uint8_t sig[OTA_MAX_SIG_LEN];
    size_t sig_len = 0;
    char *pub = NULL;

    (void) state;
    assert_non_null(in);
    assert_non_null(out);
    assert_int_equal(ota_pkey_generate(ECDSA, &gen_priv, &gen_pub), OTA_OK);
    assert_int_equal(ota_pkey_pem_to_spki(ECDSA, gen_pub, strlen(gen_pub), other, sizeof other,
                                          &other_len),
                     OTA_OK);
    assert_int_equal(PEM_read_bio(in, &name, &hdr, &der, &der_len), 1);
    /* ECPrivateKey ends with [1] BIT STRING { 00 04 X Y }, as does the SPKI */
    assert_true(der_len > 66 && der[der_len - 66] == 0x00 && der[der_len - 65] == 0x04);
    assert_true(other_len > 65 && other[other_len - 65] == 0x04);
    memcpy(der + der_len - 65, other + other_len - 65, 65);
    assert_true(PEM_write_bio(out, "PRIVATE KEY", "", der, der_len) > 0);
    pem_len = BIO_get_mem_data(out, &pem);
    assert_true(pem_len > 0);

    assert_int_equal(ota_pkey_sign(ECDSA, pem, (size_t) pem_len, msg.p, msg.n, sig, sizeof sig,
                                   &sig_len),
                     OTA_E_KEY);
    assert_int_equal(ota_pkey_public_from_private(ECDSA, pem, (size_t) pem_len, &pub),
                     OTA_E_KEY);
    assert_null(pub);
    ERR_clear_error();

    OPENSSL_free(name);
    OPENSSL_free(hdr);
    OPENSSL_free(der);
    BIO_free(in);
    BIO_free(out);
    sodium_free(gen_priv);
    free(gen_pub);
    unload(&priv);
    unload(&msg);
}

static void
test_sign_rejects_truncated_and_trailing(void **state)
{
    vec priv = load("p256-priv.pem");
    vec msg = load("message.bin");
    uint8_t sig[OTA_MAX_SIG_LEN];
    size_t sig_len = 0;
    uint8_t *t;

    (void) state;
    for (size_t n = 0; n + 1 < priv.n; n++) {
        t = concat(priv.p, n, NULL, 0);
        assert_int_equal(ota_pkey_sign(ECDSA, (const char *) t, n, msg.p, msg.n, sig,
                                       sizeof sig, &sig_len),
                         OTA_E_KEY);
        free(t);
    }
    t = concat(priv.p, priv.n, "x", 1);
    assert_int_equal(ota_pkey_sign(ECDSA, (const char *) t, priv.n + 1, msg.p, msg.n, sig,
                                   sizeof sig, &sig_len),
                     OTA_E_KEY);
    free(t);
    assert_int_equal(ota_pkey_sign(ECDSA, (const char *) priv.p, OTA_MAX_PEM_LEN + 1, msg.p,
                                   msg.n, sig, sizeof sig, &sig_len),
                     OTA_E_LIMIT);
    unload(&priv);
    unload(&msg);
}

/* PKCS#8 DER with a byte after it, inside a well-formed PEM block. */
static void
test_sign_rejects_trailing_pkcs8_bytes(void **state)
{
    uint8_t *der = NULL;
    size_t n = pem_body("p256-priv.pem", &der);
    uint8_t *longer = concat(der, n, "\0", 1);
    vec msg = load("message.bin");
    uint8_t sig[OTA_MAX_SIG_LEN];
    size_t sig_len = 0;
    size_t pem_len = 0;
    char *pem;

    (void) state;
    pem = pem_wrap("PRIVATE KEY", der, n, &pem_len);
    assert_int_equal(
        ota_pkey_sign(ECDSA, pem, pem_len, msg.p, msg.n, sig, sizeof sig, &sig_len), OTA_OK);
    free(pem);
    pem = pem_wrap("PRIVATE KEY", longer, n + 1, &pem_len);
    assert_int_equal(
        ota_pkey_sign(ECDSA, pem, pem_len, msg.p, msg.n, sig, sizeof sig, &sig_len), OTA_E_KEY);
    free(pem);
    free(longer);
    OPENSSL_free(der);
    unload(&msg);
}

static void
test_sign_capacity(void **state)
{
    vec priv = load("rsa2048-priv.pem");
    vec msg = load("message.bin");
    uint8_t sig[OTA_MAX_SIG_LEN];
    size_t sig_len = 777;

    (void) state;
    memset(sig, 0xa5, sizeof sig);
    assert_int_equal(
        ota_pkey_sign(RSA_PSS, (const char *) priv.p, priv.n, msg.p, msg.n, sig, 255, &sig_len),
        OTA_E_ARG);
    assert_int_equal(sig_len, 777);
    for (size_t i = 0; i < sizeof sig; i++)
        assert_int_equal(sig[i], 0xa5);
    assert_int_equal(
        ota_pkey_sign(RSA_PSS, (const char *) priv.p, priv.n, msg.p, msg.n, sig, 256, &sig_len),
        OTA_OK);
    assert_int_equal(sig_len, 256);
    unload(&priv);
    unload(&msg);
}

/* ---- arguments and the OpenSSL error queue ---------------------------- */

static void
test_bad_arguments(void **state)
{
    vec pem = load("p256-pub.pem");
    vec priv = load("p256-priv.pem");
    uint8_t spki[OTA_MAX_SPKI_DER_LEN];
    size_t spki_len = spki_of(ECDSA, "p256-pub.pem", spki);
    uint8_t buf[OTA_MAX_SIG_LEN];
    size_t len;
    char *a = NULL;
    char *b = NULL;
    static const ota_pkey_alg bad_algs[] = {(ota_pkey_alg) 0, (ota_pkey_alg) 3,
                                            (ota_pkey_alg) -1};
    const char *p = (const char *) pem.p;
    const char *k = (const char *) priv.p;

    (void) state;
    memset(buf, 0, sizeof buf);
    for (size_t i = 0; i < sizeof bad_algs / sizeof bad_algs[0]; i++) {
        ota_pkey_alg x = bad_algs[i];

        assert_int_equal(ota_pkey_pem_to_spki(x, p, pem.n, buf, sizeof buf, &len),
                         OTA_E_UNSUPPORTED);
        assert_int_equal(ota_pkey_verify(x, spki, spki_len, buf, 1, buf, 1), OTA_E_UNSUPPORTED);
        assert_int_equal(ota_pkey_generate(x, &a, &b), OTA_E_UNSUPPORTED);
        assert_int_equal(ota_pkey_sign(x, k, priv.n, buf, 1, buf, sizeof buf, &len),
                         OTA_E_UNSUPPORTED);
        assert_int_equal(ota_pkey_public_from_private(x, k, priv.n, &a), OTA_E_UNSUPPORTED);
    }
    assert_int_equal(ota_pkey_pem_to_spki(ECDSA, NULL, 0, buf, sizeof buf, &len), OTA_E_ARG);
    assert_int_equal(ota_pkey_pem_to_spki(ECDSA, p, pem.n, NULL, sizeof buf, &len), OTA_E_ARG);
    assert_int_equal(ota_pkey_pem_to_spki(ECDSA, p, pem.n, buf, sizeof buf, NULL), OTA_E_ARG);
    assert_int_equal(ota_pkey_verify(ECDSA, NULL, 0, buf, 1, buf, 1), OTA_E_ARG);
    assert_int_equal(ota_pkey_verify(ECDSA, spki, spki_len, NULL, 1, buf, 1), OTA_E_ARG);
    assert_int_equal(ota_pkey_verify(ECDSA, spki, spki_len, buf, 1, NULL, 1), OTA_E_ARG);
    assert_int_equal(ota_pkey_generate(ECDSA, NULL, &b), OTA_E_ARG);
    assert_int_equal(ota_pkey_generate(ECDSA, &a, NULL), OTA_E_ARG);
    assert_int_equal(ota_pkey_sign(ECDSA, NULL, 0, buf, 1, buf, sizeof buf, &len), OTA_E_ARG);
    assert_int_equal(ota_pkey_sign(ECDSA, k, priv.n, NULL, 1, buf, sizeof buf, &len), OTA_E_ARG);
    assert_int_equal(ota_pkey_sign(ECDSA, k, priv.n, buf, 1, NULL, sizeof buf, &len), OTA_E_ARG);
    assert_int_equal(ota_pkey_sign(ECDSA, k, priv.n, buf, 1, buf, sizeof buf, NULL), OTA_E_ARG);
    assert_int_equal(ota_pkey_public_from_private(ECDSA, NULL, 0, &a), OTA_E_ARG);
    assert_int_equal(ota_pkey_public_from_private(ECDSA, k, priv.n, NULL), OTA_E_ARG);
    assert_null(a);
    assert_null(b);
    unload(&pem);
    unload(&priv);
}

/* Failures leave nothing of ours on the error queue, and keep what the
 * caller had queued. */
static void
test_error_queue_left_clean(void **state)
{
    vec pem = load("p384-pub.pem");
    vec enc = load("p256-priv-enc.pem");
    vec msg = load("message.bin");
    vec sig = load("p256-other-sig.der");
    uint8_t spki[OTA_MAX_SPKI_DER_LEN];
    size_t spki_len = spki_of(ECDSA, "p256-pub.pem", spki);
    uint8_t buf[OTA_MAX_SIG_LEN];
    size_t len;
    unsigned long first;
    static const char bad_b64[] = "-----BEGIN PUBLIC KEY-----\n!!!!\n-----END PUBLIC KEY-----\n";
    static const char bad_priv[] = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";
    char *pub = NULL;

    (void) state;
    ERR_clear_error();
    assert_int_equal(pem_rc(ECDSA, "garbage", 7), OTA_E_KEY);
    assert_int_equal(ERR_peek_error(), 0);
    assert_int_equal(pem_rc(ECDSA, bad_b64, strlen(bad_b64)), OTA_E_KEY);
    assert_int_equal(ERR_peek_error(), 0);
    assert_int_equal(pem_rc(ECDSA, pem.p, pem.n / 2), OTA_E_KEY);
    assert_int_equal(ERR_peek_error(), 0);
    assert_int_equal(pem_rc(ECDSA, pem.p, pem.n), OTA_E_KEY);
    assert_int_equal(ERR_peek_error(), 0);
    assert_int_equal(ota_pkey_verify(ECDSA, spki, spki_len, msg.p, msg.n, sig.p, sig.n),
                     OTA_E_SIGNATURE);
    assert_int_equal(ERR_peek_error(), 0);
    assert_int_equal(ota_pkey_verify(ECDSA, spki, spki_len - 1, msg.p, msg.n, sig.p, sig.n),
                     OTA_E_KEY);
    assert_int_equal(ERR_peek_error(), 0);
    assert_int_equal(ota_pkey_sign(ECDSA, (const char *) enc.p, enc.n, msg.p, msg.n, buf,
                                   sizeof buf, &len),
                     OTA_E_KEY);
    assert_int_equal(ERR_peek_error(), 0);
    assert_int_equal(ota_pkey_sign(ECDSA, bad_priv, strlen(bad_priv), msg.p, msg.n, buf,
                                   sizeof buf, &len),
                     OTA_E_KEY);
    assert_int_equal(ERR_peek_error(), 0);
    assert_int_equal(ota_pkey_public_from_private(ECDSA, bad_priv, strlen(bad_priv), &pub),
                     OTA_E_KEY);
    assert_int_equal(ERR_peek_error(), 0);

    ERR_raise(ERR_LIB_USER, 42);
    first = ERR_peek_error();
    assert_int_not_equal(first, 0);
    assert_int_equal(pem_rc(ECDSA, pem.p, pem.n), OTA_E_KEY);
    assert_int_equal(pem_rc(ECDSA, bad_b64, strlen(bad_b64)), OTA_E_KEY);
    assert_int_equal(ota_pkey_verify(ECDSA, spki, spki_len - 1, msg.p, msg.n, sig.p, sig.n),
                     OTA_E_KEY);
    assert_int_equal(ERR_get_error(), first);
    assert_int_equal(ERR_get_error(), 0);
    unload(&pem);
    unload(&enc);
    unload(&msg);
    unload(&sig);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ec_pem_to_spki_matches_openssl_der),
        cmocka_unit_test(test_ec_valid_signature_verifies),
        cmocka_unit_test(test_ec_every_sig_bit_flip_fails),
        cmocka_unit_test(test_ec_every_sig_truncation_fails),
        cmocka_unit_test(test_ec_empty_and_trailing_bytes_fail),
        cmocka_unit_test(test_ec_every_msg_bit_flip_fails),
        cmocka_unit_test(test_ec_other_key_signature_fails),
        cmocka_unit_test(test_ec_high_and_low_s_both_verify),
        cmocka_unit_test(test_ec_non_canonical_der_fails),
        cmocka_unit_test(test_ec_out_of_range_scalars_fail),
        cmocka_unit_test(test_ec_compressed_ok_explicit_rejected),
        cmocka_unit_test(test_rsa_pem_to_spki_matches_openssl_der),
        cmocka_unit_test(test_rsa_vectors_have_stated_salt_lengths),
        cmocka_unit_test(test_rsa_valid_signatures_verify_any_salt),
        cmocka_unit_test(test_rsa_every_sig_bit_flip_fails),
        cmocka_unit_test(test_rsa_every_sig_truncation_fails),
        cmocka_unit_test(test_rsa_empty_and_extra_bytes_fail),
        cmocka_unit_test(test_rsa_every_msg_bit_flip_fails),
        cmocka_unit_test(test_rsa_other_key_and_pkcs1v15_signatures_fail),
        cmocka_unit_test(test_rsa_signature_must_be_modulus_size),
        cmocka_unit_test(test_pem_rejects_wrong_keys),
        cmocka_unit_test(test_pem_rejects_garbage),
        cmocka_unit_test(test_pem_rejects_every_truncation),
        cmocka_unit_test(test_pem_rejects_trailing_and_leading_data),
        cmocka_unit_test(test_pem_line_endings_nul_and_headers),
        cmocka_unit_test(test_pem_rejects_wrong_block_name),
        cmocka_unit_test(test_pem_rejects_invalid_rsa_public_key),
        cmocka_unit_test(test_pem_limits_and_capacity),
        cmocka_unit_test(test_verify_rejects_bad_spki),
        cmocka_unit_test(test_verify_rejects_wrong_key_der),
        cmocka_unit_test(test_verify_random_inputs),
        cmocka_unit_test(test_ec_generate_sign_verify),
        cmocka_unit_test(test_rsa_generate_sign_verify),
        cmocka_unit_test(test_committed_keys_sign_and_derive),
        cmocka_unit_test(test_sign_rejects_bad_private_keys),
        cmocka_unit_test(test_ec_mismatched_private_key_rejected),
        cmocka_unit_test(test_sign_rejects_truncated_and_trailing),
        cmocka_unit_test(test_sign_rejects_trailing_pkcs8_bytes),
        cmocka_unit_test(test_sign_capacity),
        cmocka_unit_test(test_bad_arguments),
        cmocka_unit_test(test_error_queue_left_clean),
    };

    if (sodium_init() < 0)
        return 1;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
