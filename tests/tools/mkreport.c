/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mkreport — make a signed device status report (formats/REPORT.md) for the
 * tests and for trying ota-server by hand.  Keys are derived from a seed so
 * runs are reproducible; this is a test tool, not a device agent.
 *
 *   mkreport [--seed HEX64 | --seed-text TEXT] --device ID --hardware HW
 *            --version V [--previous V] [--result none|success|failure|rollback]
 *            [--error TEXT] [--time YYYY-MM-DDTHH:MM:SSZ] [--seq N]
 *            [--custom JSON-OBJECT] [--download FETCHED/BUNDLE] [--out FILE]
 *            [--provisioning-seed HEX64 | --provisioning-seed-text TEXT
 *             [--cert-device ID] [--cert-key-seed-text TEXT] [--cert-keyid HEX64]]
 *   mkreport pubkey [--seed HEX64 | --seed-text TEXT]   public key hex and key id
 *   mkreport verify FILE                                 parse + verify, print fields
 *
 * With a provisioning seed the report carries an enrolment certificate
 * (spec 1.1) made by that provisioning key for the report's device id and
 * key — or, to make invalid vectors, for --cert-device / the key of
 * --cert-key-seed-text instead, or naming the key id --cert-keyid.
 *
 * --download adds the download counts of spec 1.2.
 *
 * Exit codes: 0 ok, 1 refused (ota_err name on stderr), 2 usage.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ota_json.h"
#include "ota_key.h"
#include "ota_report.h"
#include "ota_util.h"

static int
usage(void)
{
    fprintf(stderr,
            "usage: mkreport [--seed HEX64 | --seed-text TEXT] --device ID --hardware HW\n"
            "                --version V [--previous V] [--result R] [--error TEXT]\n"
            "                [--time T] [--seq N] [--custom JSON] [--out FILE]\n"
            "                [--provisioning-seed HEX64 | --provisioning-seed-text TEXT\n"
            "                 [--cert-device ID] [--cert-key-seed-text TEXT]\n"
            "                 [--cert-keyid HEX64]]\n"
            "       mkreport pubkey [--seed HEX64 | --seed-text TEXT]\n"
            "       mkreport verify FILE\n");
    return 2;
}

static int
fail(const char *what, ota_err rc)
{
    fprintf(stderr, "mkreport: %s: %s (%s)\n", what, ota_strerror(rc), ota_err_name(rc));
    return 1;
}

static bool
copy(char *dst, size_t cap, const char *src)
{
    if (strlen(src) >= cap)
        return false;
    memcpy(dst, src, strlen(src) + 1);
    return true;
}

static int
cmd_verify(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        perror(path);
        return 2;
    }
    static uint8_t buf[4 * OTA_MAX_REPORT_SIZE];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    ota_report r;
    ota_err rc = ota_report_parse(buf, n, &r);
    if (rc != OTA_OK)
        return fail(path, rc);
    printf("device_id=%s\nhardware_id=%s\ninstalled_version=%s\nprevious_version=%s\n"
           "result=%s\nerror=%s\ntime=%s\nseq=%llu\nkeyid=%s\n",
           r.device_id, r.hardware_id, r.installed_version, r.previous_version,
           ota_report_result_name(r.result), r.error, r.time, (unsigned long long) r.seq,
           r.keyid);
    if (r.has_enrolment)
        printf("enrolment_keyid=%s\n", r.enrolment_keyid);
    if (r.has_download)
        printf("download=%llu/%llu\n", (unsigned long long) r.download_fetched,
               (unsigned long long) r.download_bundle);
    return 0;
}

int
main(int argc, char **argv)
{
    uint8_t seed[32] = {0}, pk[32], sk[64], pseed[32], cseed[32];
    bool have_pseed = false, have_cseed = false;
    const char *cert_device = NULL, *cert_keyid = NULL;
    ota_report r;
    const char *out_path = NULL, *custom_text = NULL;
    bool pubkey = false;
    memset(&r, 0, sizeof r);
    r.seq = 1;
    r.result = OTA_REPORT_NONE;
    copy(r.time, sizeof r.time, "2024-01-01T00:00:00Z");

    if (sodium_init() < 0)
        return 1;
    int i = 1;
    if (argc > 1 && strcmp(argv[1], "verify") == 0)
        return argc == 3 ? cmd_verify(argv[2]) : usage();
    if (argc > 1 && strcmp(argv[1], "pubkey") == 0) {
        pubkey = true;
        i = 2;
    }
    for (; i < argc; i++) {
        const char *o = argv[i];
        if (i + 1 >= argc)
            return usage();
        const char *v = argv[++i];
        bool ok = true;
        if (strcmp(o, "--seed") == 0) {
            size_t n = 0;
            ok = ota_hex_decode(v, strlen(v), seed, sizeof seed, &n) == OTA_OK && n == 32;
        } else if (strcmp(o, "--seed-text") == 0) {
            ota_sha256((const uint8_t *) v, strlen(v), seed);
        } else if (strcmp(o, "--provisioning-seed") == 0) {
            size_t n = 0;
            ok = ota_hex_decode(v, strlen(v), pseed, sizeof pseed, &n) == OTA_OK && n == 32;
            have_pseed = true;
        } else if (strcmp(o, "--provisioning-seed-text") == 0) {
            ota_sha256((const uint8_t *) v, strlen(v), pseed);
            have_pseed = true;
        } else if (strcmp(o, "--cert-keyid") == 0) {
            cert_keyid = v;
            ok = strlen(v) == 64;
        } else if (strcmp(o, "--cert-device") == 0) {
            cert_device = v;
        } else if (strcmp(o, "--cert-key-seed-text") == 0) {
            ota_sha256((const uint8_t *) v, strlen(v), cseed);
            have_cseed = true;
        } else if (strcmp(o, "--device") == 0) {
            ok = copy(r.device_id, sizeof r.device_id, v);
        } else if (strcmp(o, "--hardware") == 0) {
            ok = copy(r.hardware_id, sizeof r.hardware_id, v);
        } else if (strcmp(o, "--version") == 0) {
            ok = copy(r.installed_version, sizeof r.installed_version, v);
        } else if (strcmp(o, "--previous") == 0) {
            ok = copy(r.previous_version, sizeof r.previous_version, v);
        } else if (strcmp(o, "--result") == 0) {
            int res = ota_report_result_from_name(v);
            ok = res >= 0;
            r.result = (ota_report_result) (ok ? res : 0);
        } else if (strcmp(o, "--error") == 0) {
            ok = copy(r.error, sizeof r.error, v);
        } else if (strcmp(o, "--time") == 0) {
            ok = copy(r.time, sizeof r.time, v);
        } else if (strcmp(o, "--seq") == 0) {
            /* any 64-bit value: the tool also makes reports the server refuses */
            ok = ota_parse_u64(v, 0, UINT64_MAX, &r.seq) == OTA_OK;
        } else if (strcmp(o, "--custom") == 0) {
            custom_text = v;
        } else if (strcmp(o, "--download") == 0) {
            const char *sl = strchr(v, '/');
            char fetched[32];
            ok = sl != NULL && (size_t) (sl - v) < sizeof fetched;
            if (ok) {
                memcpy(fetched, v, (size_t) (sl - v));
                fetched[sl - v] = '\0';
                ok = ota_parse_u64(fetched, 0, UINT64_MAX, &r.download_fetched) == OTA_OK &&
                     ota_parse_u64(sl + 1, 0, UINT64_MAX, &r.download_bundle) == OTA_OK;
            }
            r.has_download = ok;
        } else if (strcmp(o, "--out") == 0) {
            out_path = v;
        } else {
            return usage();
        }
        if (!ok) {
            fprintf(stderr, "mkreport: bad value for %s\n", o);
            return 2;
        }
    }
    crypto_sign_seed_keypair(pk, sk, seed);
    if (pubkey) {
        char hex[65], keyid[65];
        json_t *k = ota_key_ed25519_json(pk);
        ota_hex_encode(pk, 32, hex);
        if (k == NULL || ota_key_id(k, keyid) != OTA_OK)
            return 1;
        json_decref(k);
        printf("%s %s\n", hex, keyid);
        return 0;
    }

    if (have_pseed) {
        uint8_t ppk[32], psk[64], cpk[32], csk[64];
        crypto_sign_seed_keypair(ppk, psk, pseed);
        if (have_cseed)
            crypto_sign_seed_keypair(cpk, csk, cseed);
        ota_err rc = ota_report_certify(cert_device ? cert_device : r.device_id,
                                        have_cseed ? cpk : pk, psk, r.enrolment_keyid,
                                        r.enrolment_sig);
        sodium_memzero(psk, sizeof psk);
        sodium_memzero(csk, sizeof csk);
        if (rc != OTA_OK)
            return fail("certify", rc);
        if (cert_keyid != NULL) /* claim another provisioning key id */
            memcpy(r.enrolment_keyid, cert_keyid, 65);
        r.has_enrolment = true;
    } else if (cert_device != NULL || have_cseed || cert_keyid != NULL) {
        return usage();
    }

    json_t *custom = NULL;
    if (custom_text != NULL) {
        ota_err rc =
            ota_json_parse((const uint8_t *) custom_text, strlen(custom_text), 0, &custom);
        if (rc != OTA_OK)
            return fail("--custom", rc);
    }
    uint8_t *doc = NULL;
    size_t len = 0;
    ota_err rc = ota_report_sign(&r, custom, sk, &doc, &len);
    json_decref(custom);
    sodium_memzero(sk, sizeof sk);
    if (rc != OTA_OK)
        return fail("sign", rc);
    FILE *f = out_path ? fopen(out_path, "wb") : stdout;
    if (f == NULL) {
        perror(out_path);
        free(doc);
        return 2;
    }
    int ret = fwrite(doc, 1, len, f) == len ? 0 : 1;
    if (out_path != NULL && fclose(f) != 0)
        ret = 1;
    free(doc);
    return ret;
}
