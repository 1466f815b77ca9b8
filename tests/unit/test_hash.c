/* SPDX-License-Identifier: Apache-2.0 */
/* The one SHA-256 / SHA-512 (formats/ota_hash.h): FIPS 180-4 example
 * vectors, streaming in any split equals the one-shot digest and
 * libsodium's, and a misused or failed hash is reported, never a digest
 * that could be compared. */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "ota_hash.h"
#include "ota_util.h"

static void
hex_eq(const uint8_t *d, size_t n, const char *want)
{
    char hex[2 * OTA_SHA512_LEN + 1];
    ota_hex_encode(d, n, hex);
    assert_string_equal(hex, want);
}

/* FIPS 180-4 / NIST CSRC examples: "abc", the empty string, 448 bits */
static void
test_vectors(void **state)
{
    (void) state;
    uint8_t d[OTA_SHA512_LEN];
    ota_sha256("abc", 3, d);
    hex_eq(d, 32, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    ota_sha256("", 0, d);
    hex_eq(d, 32, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    ota_sha256("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56, d);
    hex_eq(d, 32, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    ota_sha512("abc", 3, d);
    hex_eq(d, 64,
           "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
           "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f");
}

/* 1 MiB of seeded bytes fed in uneven pieces (0, 1, 63, 64, 65 … bytes):
 * the same digest as one call and as libsodium's portable code */
static void
test_streaming(void **state)
{
    (void) state;
    const size_t n = 1u << 20;
    uint8_t *buf = malloc(n);
    assert_non_null(buf);
    uint32_t x = 12345;
    for (size_t i = 0; i < n; i++) {
        x = x * 1103515245u + 12345u;
        buf[i] = (uint8_t) (x >> 16);
    }
    static const size_t steps[] = {0, 1, 63, 64, 65, 127, 4096, 70001};
    for (int alg = OTA_HASH_SHA256; alg <= OTA_HASH_SHA512; alg++) {
        size_t dl = alg == OTA_HASH_SHA256 ? OTA_SHA256_LEN : OTA_SHA512_LEN;
        uint8_t one[OTA_SHA512_LEN], sod[OTA_SHA512_LEN], st[OTA_SHA512_LEN];
        if (alg == OTA_HASH_SHA256) {
            ota_sha256(buf, n, one);
            crypto_hash_sha256(sod, buf, n);
        } else {
            ota_sha512(buf, n, one);
            crypto_hash_sha512(sod, buf, n);
        }
        assert_memory_equal(one, sod, dl);
        ota_hash h;
        assert_int_equal(ota_hash_init(&h, (ota_hash_alg) alg), OTA_OK);
        size_t off = 0;
        for (size_t k = 0; off < n; k++) {
            size_t take = steps[k % (sizeof steps / sizeof steps[0])];
            if (take > n - off)
                take = n - off;
            ota_hash_update(&h, buf + off, take);
            off += take;
        }
        assert_int_equal(ota_hash_final(&h, st), OTA_OK);
        assert_memory_equal(st, one, dl);
        assert_int_equal(h.alg, 0); /* released */
    }
    free(buf);
}

/* Not initialised, finalised twice, an unknown algorithm: an error and a
 * digest of 0xff bytes (never the digest of the empty string, which an
 * attacker could list) */
static void
test_misuse(void **state)
{
    (void) state;
    uint8_t d[OTA_SHA256_LEN], ff[OTA_SHA256_LEN];
    memset(ff, 0xff, sizeof ff);
    ota_hash h;
    memset(&h, 0, sizeof h);
    ota_hash_update(&h, "abc", 3);
    assert_int_equal(ota_hash_final(&h, d), OTA_E_CRYPTO);
    assert_memory_equal(d, ff, sizeof d);

    assert_int_equal(ota_hash_init(&h, OTA_HASH_SHA256), OTA_OK);
    assert_int_equal(ota_hash_final(&h, d), OTA_OK);
    assert_int_equal(ota_hash_final(&h, d), OTA_E_CRYPTO);
    assert_memory_equal(d, ff, sizeof d);

    assert_int_equal(ota_hash_init(&h, (ota_hash_alg) 7), OTA_E_ARG);
    ota_hash_free(&h); /* safe on any state */
    ota_hash_free(&h);
    assert_non_null(ota_hash_backend());
}

int
main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vectors),
        cmocka_unit_test(test_streaming),
        cmocka_unit_test(test_misuse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
