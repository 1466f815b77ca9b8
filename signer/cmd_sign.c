/* SPDX-License-Identifier: Apache-2.0 */
/* ota-sign sign: add signatures to staged metadata (offline threshold signing). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "common.h"
#include "ota_atomic.h"
#include "ota_keyfile.h"
#include "ota_limits.h"

static void
help(FILE *out)
{
    fprintf(out,
            "usage: ota-sign sign -k KEY... FILE...      sign metadata files (e.g. carried on\n"
            "                                            removable media to a key holder)\n"
            "       ota-sign sign -r REPO -k KEY...      sign everything staged in REPO\n"
            "\n"
            "Adds each KEY's signature over the file's signed content (replacing an older\n"
            "signature by the same key) and rewrites the file atomically.  With -r, only\n"
            "keys the role's delegator authorises are used, and the remaining signatures\n"
            "each staged file needs are listed.  When every threshold is met, run\n"
            "'ota-sign publish'.\n"
            "\n" COMMON_HELP);
}

static int
sign_file(sign_keys *ks, const char *path)
{
    uint8_t *buf = NULL;
    size_t n = 0;
    ota_md *md = NULL;
    ota_err rc = ota_file_read(path, OTA_MAX_METADATA_SIZE, &buf, &n);
    if (rc == OTA_OK)
        rc = ota_md_parse_any(buf, n, &md);
    free(buf);
    if (rc == OTA_E_TYPE)
        return sign_error(SX_VERIFY, "%s is not TUF metadata", path);
    if (rc != OTA_OK)
        return sign_fail(rc, "%s", path);
    for (size_t i = 0; rc == OTA_OK && i < ks->n; i++) {
        ota_secret_key *sk = keys_secret(ks, ks->v[i].keyid, &rc);
        if (sk == NULL) {
            if (rc == OTA_E_NOT_FOUND) {
                sign_error(SX_KEY, "%s has no private key", ks->v[i].path);
                rc = OTA_E_KEY;
            }
            break;
        }
        rc = ota_md_sign(md, sk);
        if (rc == OTA_OK)
            printf("signed %s (%s v%lld) with %s\n", path, ota_role_name(md->type),
                   (long long) md->version, ks->v[i].path);
    }
    uint8_t *out = NULL;
    if (rc == OTA_OK)
        rc = ota_md_serialize(md, &out, &n);
    if (rc == OTA_OK)
        rc = ota_atomic_replace_path(path, out, n, 0644);
    free(out);
    ota_md_free(md);
    if (rc != OTA_OK && rc != OTA_E_KEY && rc != OTA_E_PASSPHRASE)
        return sign_fail(rc, "%s", path);
    return sign_exit_code(rc);
}

int
cmd_sign(int argc, char **argv)
{
    common_opts co = {.allow_expired_root = true};
    int pr = common_parse_only(argc, argv, &co, help, -1);
    if (pr >= 0)
        return pr;
    if (co.nkeys == 0 || (co.repo == NULL) == (optind == argc)) {
        help(stderr);
        return SX_USAGE;
    }
    if (co.repo == NULL) {
        sign_keys ks = {0};
        int ret = SX_OK;
        for (size_t i = 0; ret == SX_OK && i < co.npassfiles; i++)
            if (keys_passphrase_option(&ks, co.passfiles[i]) != OTA_OK)
                ret = SX_USAGE;
        for (size_t i = 0; ret == SX_OK && i < co.nkeys; i++)
            if (keys_add(&ks, co.keys[i], NULL) != OTA_OK)
                ret = SX_KEY;
        for (int i = optind; ret == SX_OK && i < argc; i++)
            ret = sign_file(&ks, argv[i]);
        keys_free(&ks);
        return ret;
    }

    repo r;
    int ret = common_open(&co, &r, true);
    size_t count = 0;
    ota_err rc = OTA_OK;
    if (ret == SX_OK && (rc = repo_load_staged(&r, &count)) != OTA_OK)
        ret = sign_exit_code(rc);
    if (ret == SX_OK && count == 0)
        ret = sign_error(SX_NOTFOUND, "nothing is staged in %s", co.repo);
    if (ret == SX_OK) {
        r.from_staged = false; /* signing only: the staged files are rewritten below */
        r.stage = true;
        ret = keys_check_needed(&r, NEED_CHANGED);
        rc = ret == SX_OK ? repo_sign_changed(&r) : OTA_OK;
        if (ret != SX_OK) {
            /* a key no staged role needs: message printed */
        } else if (rc == OTA_OK || rc == OTA_E_SIGNATURE) {
            /* rewrite the staged files with the new signatures */
            r.quiet = true;
            ota_err s2 = repo_save_staged(&r);
            if (s2 != OTA_OK)
                ret = sign_fail(s2, "cannot rewrite staged metadata");
            else if (rc == OTA_OK)
                printf("all staged metadata has its signatures: run 'ota-sign publish'\n");
            else
                ret = SX_THRESHOLD;
        } else
            ret = sign_exit_code(rc);
    }
    repo_close(&r);
    return ret;
}
