/* SPDX-License-Identifier: Apache-2.0 */
/* ota-sign init: a new TUF repository. */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "ota_util.h"
#include "repo.h"

static void
help(FILE *out)
{
    fprintf(out,
            "usage: ota-sign init -r REPO --root-key F... --targets-key F... --snapshot-key F...\n"
            "                     --timestamp-key F... [options]\n"
            "\n"
            "Creates a TUF repository in REPO (metadata/, targets/, .ota/) with root, targets,\n"
            "snapshot and timestamp version 1.  Role key files may be private (.key) or public\n"
            "(.pub); private ones are used to sign.  When the root threshold cannot be met\n"
            "here (offline key holders), the metadata is staged: each holder runs\n"
            "'ota-sign sign', then 'ota-sign publish'.\n"
            "\n"
            "  -r, --repo DIR             repository directory (created)\n"
            "      --ROLE-key FILE        a key for ROLE (root, targets, snapshot, timestamp);\n"
            "                             repeat for several keys\n"
            "      --ROLE-threshold N     signatures ROLE needs (default 1; 1 <= N <= keys)\n"
            "      --ROLE-expires DUR     validity of ROLE's metadata, e.g. 365d, 12h\n"
            "                             (defaults: root 365d, targets 90d, snapshot 7d,\n"
            "                             timestamp 1d)\n"
            "  -k, --key FILE             another private key to sign with\n"
            "      --passphrase-file KEYFILE=F  the passphrase of that key (repeatable)\n"
            "      --passphrase-file F    passphrase for every other encrypted key (else\n"
            "                             OTA_SIGN_PASSPHRASE, else asked on the terminal)\n"
            "      --no-consistent-snapshot  plain file names (default: consistent snapshots)\n");
}

enum { O_ROLE_KEY = 0x100, O_ROLE_TH = 0x110, O_ROLE_EXP = 0x120, O_PASS = 0x130, O_NOCS };

int
cmd_init(int argc, char **argv)
{
    static const struct option opts[] = {
        {"repo", required_argument, NULL, 'r'},
        {"key", required_argument, NULL, 'k'},
        {"root-key", required_argument, NULL, O_ROLE_KEY + OTA_ROLE_ROOT},
        {"timestamp-key", required_argument, NULL, O_ROLE_KEY + OTA_ROLE_TIMESTAMP},
        {"snapshot-key", required_argument, NULL, O_ROLE_KEY + OTA_ROLE_SNAPSHOT},
        {"targets-key", required_argument, NULL, O_ROLE_KEY + OTA_ROLE_TARGETS},
        {"root-threshold", required_argument, NULL, O_ROLE_TH + OTA_ROLE_ROOT},
        {"timestamp-threshold", required_argument, NULL, O_ROLE_TH + OTA_ROLE_TIMESTAMP},
        {"snapshot-threshold", required_argument, NULL, O_ROLE_TH + OTA_ROLE_SNAPSHOT},
        {"targets-threshold", required_argument, NULL, O_ROLE_TH + OTA_ROLE_TARGETS},
        {"root-expires", required_argument, NULL, O_ROLE_EXP + OTA_ROLE_ROOT},
        {"timestamp-expires", required_argument, NULL, O_ROLE_EXP + OTA_ROLE_TIMESTAMP},
        {"snapshot-expires", required_argument, NULL, O_ROLE_EXP + OTA_ROLE_SNAPSHOT},
        {"targets-expires", required_argument, NULL, O_ROLE_EXP + OTA_ROLE_TARGETS},
        {"passphrase-file", required_argument, NULL, O_PASS},
        {"no-consistent-snapshot", no_argument, NULL, O_NOCS},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *dir = NULL;
    sign_keys pass = {0}; /* the --passphrase-file options, moved into the repo's keys */
    const char *role_files[OTA_ROLE_COUNT][16];
    size_t nrole_files[OTA_ROLE_COUNT] = {0};
    const char *sign_files[64];
    size_t nsign = 0;
    long threshold[OTA_ROLE_COUNT] = {1, 1, 1, 1};
    int64_t expires[OTA_ROLE_COUNT] = {0};
    bool consistent = true;
    int c;
    while ((c = getopt_long(argc, argv, "r:k:h", opts, NULL)) != -1) {
        if (c >= O_ROLE_KEY && c < O_ROLE_KEY + OTA_ROLE_COUNT) {
            int role = c - O_ROLE_KEY;
            if (nrole_files[role] == 16)
                return sign_error(SX_USAGE, "too many keys for one role");
            role_files[role][nrole_files[role]++] = optarg;
        } else if (c >= O_ROLE_TH && c < O_ROLE_TH + OTA_ROLE_COUNT) {
            uint64_t t;
            if (ota_parse_u64(optarg, 0, LONG_MAX, &t) != OTA_OK)
                return sign_error(SX_USAGE, "bad threshold '%s'", optarg);
            threshold[c - O_ROLE_TH] = (long) t;
        } else if (c >= O_ROLE_EXP && c < O_ROLE_EXP + OTA_ROLE_COUNT) {
            if (parse_duration(optarg, &expires[c - O_ROLE_EXP]) != OTA_OK)
                return sign_error(SX_USAGE, "bad duration '%s' (e.g. 90d, 12h, 30m)", optarg);
        } else {
            switch (c) {
            case 'r': dir = optarg; break;
            case 'k':
                if (nsign == sizeof sign_files / sizeof sign_files[0])
                    return sign_error(SX_USAGE, "too many --key options");
                sign_files[nsign++] = optarg;
                break;
            case O_PASS:
                if (keys_passphrase_option(&pass, optarg) != OTA_OK) {
                    keys_free(&pass);
                    return SX_USAGE;
                }
                break;
            case O_NOCS: consistent = false; break;
            case 'h': keys_free(&pass); help(stdout); return SX_OK;
            default: keys_free(&pass); help(stderr); return SX_USAGE;
            }
        }
    }
    int ret = SX_USAGE;
    if (dir == NULL || optind != argc) {
        help(stderr);
        goto early;
    }
    for (int i = 0; i < OTA_ROLE_COUNT; i++) {
        const char *name = ota_role_name((ota_role_type) i);
        if (nrole_files[i] == 0) {
            ret = sign_error(SX_USAGE, "no key for the %s role (--%s-key FILE)", name, name);
            goto early;
        }
        if (threshold[i] < 1 || (size_t) threshold[i] > nrole_files[i]) {
            ret = sign_error(SX_USAGE,
                             "%s threshold %ld is impossible with %zu key(s): need 1 <= k <= n",
                             name, threshold[i], nrole_files[i]);
            goto early;
        }
    }

    repo r;
    ret = SX_FAIL;
    ota_err rc = repo_create(&r, dir, expires, consistent);
    if (rc != OTA_OK) {
        repo_close(&r);
        ret = sign_exit_code(rc);
        goto early;
    }
    r.keys.passphrase_file = pass.passphrase_file;
    r.keys.pass = pass.pass;
    r.keys.npass = pass.npass;
    pass = (sign_keys) {0};
    json_t *keys = json_object();
    json_t *roles = json_object();
    for (int i = 0; i < OTA_ROLE_COUNT; i++) {
        json_t *ids = json_array();
        for (size_t j = 0; j < nrole_files[i]; j++) {
            sign_keyfile *kf = NULL;
            if ((rc = keys_add(&r.keys, role_files[i][j], &kf)) != OTA_OK)
                goto fail;
            json_object_set(keys, kf->keyid, kf->pub);
            bool dup = false;
            for (size_t k = 0; k < json_array_size(ids); k++)
                dup = dup || strcmp(json_string_value(json_array_get(ids, k)), kf->keyid) == 0;
            if (dup) {
                ret = sign_error(SX_USAGE, "%s is given twice for the %s role", role_files[i][j],
                                 ota_role_name((ota_role_type) i));
                goto fail_quiet;
            }
            json_array_append_new(ids, json_string(kf->keyid));
        }
        json_object_set_new(roles, ota_role_name((ota_role_type) i),
                            json_pack("{s:o, s:i}", "keyids", ids, "threshold",
                                      (int) threshold[i]));
    }
    for (size_t i = 0; i < nsign; i++)
        if ((rc = keys_add(&r.keys, sign_files[i], NULL)) != OTA_OK)
            goto fail;
    ota_md *targets = NULL;
    rc = repo_new_md(&r, OTA_ROLE_ROOT,
                     json_pack("{s:b, s:o, s:o}", "consistent_snapshot", consistent, "keys", keys,
                               "roles", roles),
                     &r.root);
    keys = roles = NULL;
    if (rc == OTA_OK)
        rc = repo_new_md(&r, OTA_ROLE_TARGETS, json_pack("{s:{}}", "targets"), &targets);
    if (rc == OTA_OK && (rc = repo_role_add(&r, "targets", NULL, targets)) != OTA_OK)
        ota_md_free(targets);
    if (rc != OTA_OK)
        goto fail;
    r.root_changed = true;
    r.roles[0].changed = true;
    ota_err src = repo_sign_role(&r, r.root, "root", r.root);
    if (src == OTA_OK || src == OTA_E_SIGNATURE)
        src = repo_sign_role(&r, r.roles[0].md, "targets", r.root);
    if (src != OTA_OK && src != OTA_E_SIGNATURE) {
        rc = src;
        goto fail;
    }
    rc = repo_publish(&r);
    if (rc == OTA_OK) {
        printf("initialised %s (root %s of %zu, consistent snapshots %s)\n", dir,
               threshold[0] == 1 ? "1" : "k", nrole_files[0], consistent ? "on" : "off");
        ret = SX_OK;
    } else {
        ret = rc == OTA_E_SIGNATURE ? SX_THRESHOLD : sign_exit_code(rc);
        if (rc != OTA_E_SIGNATURE)
            repo_remove_skeleton(&r);
    }
    repo_close(&r);
    return ret;
fail:
    ret = sign_exit_code(rc);
    if (rc != OTA_E_PASSPHRASE && rc != OTA_E_KEY)
        sign_fail(rc, "init %s", dir);
fail_quiet:
    json_decref(keys);
    json_decref(roles);
    repo_remove_skeleton(&r); /* nothing was published: leave no half repository */
    repo_close(&r);
    return ret;
early:
    keys_free(&pass);
    return ret;
}
