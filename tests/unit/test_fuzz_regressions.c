/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_fuzz_regressions.c — replays the inputs the libFuzzer targets
 * (tests/fuzz/fuzz_*.c) found bugs with, kept in tests/fuzz/regressions/NAME/
 * (`make fuzz` also reads them as seeds), and checks the fixed behaviour.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/wait.h>
#include <unistd.h>

#include "ota_keyfile.h"
#include "ota_limits.h"
#include "ota_osv.h"
#include "ota_pkey.h"
#include "ota_sbom.h"

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

/* tests/fuzz/regressions/<fuzzer>/<name>, whole, malloc'd, NUL after it. */
static uint8_t *
load(const char *fuzzer, const char *name, size_t *len)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/tests/fuzz/regressions/%s/%s", OTA_SOURCE_DIR, fuzzer, name);
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        fail_msg("cannot open %s", path);
    uint8_t *buf = malloc(65537);
    assert_non_null(buf);
    *len = fread(buf, 1, 65536, f);
    assert_true(feof(f));
    fclose(f);
    buf[*len] = 0;
    return buf;
}

/* fuzz_keyfile: an unencrypted key file (keys-example/root.key).  Decoding
 * one in a process that had not called sodium_init() aborted in
 * sodium_malloc; the library now calls it itself.  Runs first, in a child
 * (an abort must not take the other tests with it), and main() never calls
 * sodium_init(): nothing before this test initialises libsodium. */
static void
test_keyfile_secret_without_sodium_init(void **state)
{
    (void) state;
    size_t len = 0;
    uint8_t *in = load("fuzz_keyfile", "secret-before-sodium-init", &len);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        ota_secret_key *k = NULL;
        ota_err rc = ota_keyfile_decode(in, len, NULL, 0, &k);
        bool ok = rc == OTA_OK && ota_secret_key_type(k) == OTA_KEY_ED25519;
        ota_secret_key_free(k);
        _exit(ok ? 0 : 1);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        fail_msg("decoding in a fresh process: %s %d",
                 WIFSIGNALED(status) ? "killed by signal" : "exit status",
                 WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
    free(in);
}

/* fuzz_pem mode 3 (a PEM private key), RSA: an RSA-2048 PKCS#8 key with one
 * base64 digit of its modulus changed.  ota_pkey_public_from_private handed
 * out its public key although ota_pkey_pem_to_spki refuses that key
 * (OpenSSL's public-key check), and ota_pkey_sign failed only at its
 * self-check (OTA_E_CRYPTO).  Both now refuse the key: OTA_E_KEY. */
static void
test_pem_rsa_private_key_gets_the_public_key_check(void **state)
{
    (void) state;
    size_t len = 0;
    uint8_t *in = load("fuzz_pem", "rsa-private-modulus-not-checked", &len);
    assert_true(len > 1);
    assert_int_equal(in[0], 3 << 1 | 1); /* mode 3, RSA */
    const char *pem = (const char *) in + 1;
    size_t plen = len - 1;
    char *pub = NULL;
    assert_int_equal(ota_pkey_public_from_private(OTA_PKEY_RSA_PSS_SHA256, pem, plen, &pub),
                     OTA_E_KEY);
    assert_null(pub);
    uint8_t sig[OTA_MAX_SIG_LEN];
    size_t slen = 0;
    assert_int_equal(ota_pkey_sign(OTA_PKEY_RSA_PSS_SHA256, pem, plen, (const uint8_t *) "m", 1,
                                   sig, sizeof sig, &slen),
                     OTA_E_KEY);
    free(in);
}

/* fuzz_sbom mode 2 (a canonical package list): a purl that is not
 * "pkg:TYPE/NAME" was accepted from a list although the SBOM readers never
 * write one; now refused, as SBOM.md says. */
static void
test_sbom_list_purl_is_checked(void **state)
{
    (void) state;
    size_t len = 0;
    uint8_t *in = load("fuzz_sbom", "list-purl-not-checked", &len);
    assert_true(len > 1 && in[0] % 3 == 2);
    ota_sbom s;
    const char *why = NULL;
    assert_int_equal(ota_sbom_decode(in + 1, len - 1, &s, &why), OTA_E_FORMAT);
    assert_non_null(strstr(why, "purl"));
    free(in);
}

/* fuzz_osv mode 0 (an advisory): entries for "openssl" under "Debian:11",
 * "Debian" and "Debian:/2" (an ecosystem without a version order).  Asked
 * about Debian openssl 0, ota_osv_affects said affected, fixed in
 * 1.1.1w-0+deb11u1 — a version it then could not decide (E_UNSUPPORTED:
 * the "Debian:/2" entry's range cannot be evaluated).  A fix is now only a
 * version the advisory decides is not affected; here none is. */
static void
test_osv_fixed_version_is_decided(void **state)
{
    (void) state;
    size_t len = 0;
    uint8_t *in = load("fuzz_osv", "fixed-version-undecided", &len);
    assert_true(len > 1 && in[0] % 2 == 0);
    ota_osv adv;
    const char *why = NULL;
    assert_int_equal(ota_osv_parse(in + 1, len - 1, &adv, &why), OTA_OK);
    ota_osv_match m;
    assert_int_equal(ota_osv_affects(&adv, "Debian", "openssl", "0", &m), OTA_OK);
    assert_true(m.affected);
    assert_null(m.fixed);
    assert_int_equal(ota_osv_affects(&adv, "Debian", "openssl", "1.1.1w-0+deb11u1", &m),
                     OTA_E_UNSUPPORTED);
    /* the release-specific entry alone still names its fix */
    assert_int_equal(ota_osv_affects(&adv, "Debian:11", "openssl", "0", &m), OTA_OK);
    assert_true(m.affected);
    assert_non_null(m.fixed);
    assert_string_equal(m.fixed, "1.1.1w-0+deb11u1");
    ota_osv_free(&adv);
    free(in);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_keyfile_secret_without_sodium_init), /* first: see there */
        cmocka_unit_test(test_pem_rsa_private_key_gets_the_public_key_check),
        cmocka_unit_test(test_sbom_list_purl_is_checked),
        cmocka_unit_test(test_osv_fixed_version_is_decided),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
