/* SPDX-License-Identifier: Apache-2.0 */
/*
 * common.c — what every repository command of ota-sign does the same way:
 * option parsing shared by the commands, opening the repository with its
 * keys and passphrases, mapping failures to exit codes.
 */
#include "common.h"

#include <stdio.h>
#include <string.h>

#include "cli.h"

int
common_opt(common_opts *o, int c, const char *arg)
{
    switch (c) {
    case 'r': o->repo = arg; return 1;
    case 'k':
        if (o->nkeys == COMMON_MAX_KEYS) {
            sign_error(SX_USAGE, "too many --key options (at most %d)", COMMON_MAX_KEYS);
            return -1;
        }
        o->keys[o->nkeys++] = arg;
        return 1;
    case OPT_PASSPHRASE_FILE:
        if (o->npassfiles == COMMON_MAX_KEYS) {
            sign_error(SX_USAGE, "too many --passphrase-file options (at most %d)",
                       COMMON_MAX_KEYS);
            return -1;
        }
        o->passfiles[o->npassfiles++] = arg;
        return 1;
    case OPT_STAGE: o->stage = true; return 1;
    default: return 0;
    }
}

int
common_parse_only(int argc, char **argv, common_opts *o, void (*help)(FILE *), int args)
{
    static const struct option opts[] = {COMMON_OPTIONS, STAGE_OPTION, {NULL, 0, NULL, 0}};
    int c, h;
    while ((c = getopt_long(argc, argv, COMMON_SHORT, opts, NULL)) != -1) {
        if ((h = common_opt(o, c, optarg)) < 0)
            return SX_USAGE;
        if (h)
            continue;
        help(c == 'h' ? stdout : stderr);
        return c == 'h' ? SX_OK : SX_USAGE;
    }
    if (args >= 0 && (args == 1) != (optind < argc)) {
        help(stderr);
        return SX_USAGE;
    }
    return -1;
}

int
common_open(const common_opts *o, repo *r, bool allow_staged)
{
    ota_err rc = repo_open(r, o->repo ? o->repo : ".");
    if (rc == OTA_OK && !allow_staged)
        rc = repo_check_no_staged(r);
    if (rc == OTA_OK && r->root == NULL && !allow_staged) {
        sign_error(SX_THRESHOLD, "%s is not published yet: its first root is staged", r->dir);
        return SX_THRESHOLD;
    }
    if (rc != OTA_OK)
        return r->fail_exit ? r->fail_exit : rc == OTA_E_SIGNATURE ? SX_THRESHOLD : sign_exit_code(rc);
    if (r->root != NULL && !o->allow_expired_root &&
        ota_md_check_expiry(r->root, r->now) != OTA_OK)
        return sign_error(SX_EXPIRED,
                          "%s: root metadata expired on %s; no client accepts anything signed "
                          "under it. Renew it first: ota-sign rotate --role root --threshold N "
                          "-k ROOT-KEYS...",
                          r->dir, json_string_value(json_object_get(r->root->signed_obj,
                                                                    "expires")));
    r->stage = o->stage;
    for (size_t i = 0; i < o->npassfiles; i++)
        if ((rc = keys_passphrase_option(&r->keys, o->passfiles[i])) != OTA_OK)
            return sign_exit_code(rc);
    for (size_t i = 0; i < o->nkeys; i++) {
        sign_keyfile *kf = NULL;
        if ((rc = keys_add(&r->keys, o->keys[i], &kf)) != OTA_OK)
            return sign_exit_code(rc);
        kf->given = true;
    }
    return SX_OK;
}

int
common_open_readonly(const common_opts *o, repo *r)
{
    ota_err rc = repo_open_readonly(r, o->repo ? o->repo : ".");
    return rc == OTA_OK ? SX_OK : r->fail_exit ? r->fail_exit : sign_exit_code(rc);
}

int
publish_exit(ota_err rc)
{
    if (rc == OTA_E_SIGNATURE)
        return SX_THRESHOLD;
    return sign_exit_code(rc);
}

int
add_role_key(repo *r, const char *file, json_t *keys_obj, json_t *keyids)
{
    sign_keyfile *kf = NULL;
    ota_err rc = keys_add(&r->keys, file, &kf);
    if (rc != OTA_OK)
        return sign_exit_code(rc);
    for (size_t i = 0; i < json_array_size(keyids); i++)
        if (strcmp(json_string_value(json_array_get(keyids, i)), kf->keyid) == 0)
            return sign_error(SX_USAGE, "key %s is already in this role", file);
    if (json_object_set(keys_obj, kf->keyid, kf->pub) != 0 ||
        json_array_append_new(keyids, json_string(kf->keyid)) != 0)
        return sign_fail(OTA_E_NOMEM, "%s", file);
    return SX_OK;
}

int
sign_and_publish(repo *r)
{
    int ret = keys_check_needed(r, NEED_CHANGED | NEED_SNAPSHOT | NEED_TIMESTAMP);
    if (ret != SX_OK)
        return ret;
    ota_err rc = repo_sign_changed(r);
    if (rc != OTA_OK && rc != OTA_E_SIGNATURE)
        return sign_exit_code(rc); /* e.g. a wrong passphrase: nothing written */
    return publish_exit(repo_publish(r));
}

void
human_duration(int64_t secs, char *buf, size_t cap)
{
    int64_t a = secs < 0 ? -secs : secs;
    if (a >= 2 * 86400)
        snprintf(buf, cap, "%lld d", (long long) (a / 86400));
    else if (a >= 2 * 3600)
        snprintf(buf, cap, "%lld h", (long long) (a / 3600));
    else if (a >= 120)
        snprintf(buf, cap, "%lld min", (long long) (a / 60));
    else
        snprintf(buf, cap, "%lld s", (long long) a);
}
