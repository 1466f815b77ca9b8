/* SPDX-License-Identifier: Apache-2.0 */
/* ota-sign delegate: delegate target paths to a role with its own keys. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "common.h"
#include "ota_util.h"

static void
help(FILE *out)
{
    fprintf(out,
            "usage: ota-sign delegate [-r REPO] --role NAME (--paths PATTERN... |\n"
            "                         --hash-prefix HEX...) --delegate-key F... [--threshold N]\n"
            "                         [--terminating] [--from ROLE] -k KEY...\n"
            "\n"
            "Delegates the target paths matching PATTERN (shell patterns per path segment:\n"
            "'product-x/*' matches product-x/fw.bin but not product-x/a/fw.bin) to a new\n"
            "role NAME with its own keys and threshold, so a team can publish its targets\n"
            "without the top-level targets key.  Creates NAME's (empty) metadata signed by\n"
            "its keys (staged if they are not given) and re-signs the delegating role.\n"
            "'ota-sign add' then puts matching targets into NAME.\n"
            "\n"
            "      --role NAME          new role name (letters, digits, '.', '_', '-')\n"
            "      --paths PATTERN      a path pattern (repeatable)\n"
            "      --hash-prefix HEX    a prefix of SHA-256(path) in hex (repeatable)\n"
            "      --delegate-key F     a key of the new role (repeatable)\n"
            "      --threshold N        signatures the role needs (default 1)\n"
            "      --terminating        clients stop searching at this role for its paths\n"
            "      --from ROLE          the delegating role (default: targets)\n" COMMON_HELP STAGE_HELP);
}

enum { O_ROLE = 0x300, O_PATHS, O_PREFIX, O_DKEY, O_THRESHOLD, O_TERM, O_FROM };

static bool
role_name_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 64 || s[0] == '.' || ota_role_from_name(s) >= 0)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-'))
            return false;
    }
    return true;
}

int
cmd_delegate(int argc, char **argv)
{
    static const struct option opts[] = {
        COMMON_OPTIONS,
        STAGE_OPTION,
        {"role", required_argument, NULL, O_ROLE},
        {"paths", required_argument, NULL, O_PATHS},
        {"hash-prefix", required_argument, NULL, O_PREFIX},
        {"delegate-key", required_argument, NULL, O_DKEY},
        {"threshold", required_argument, NULL, O_THRESHOLD},
        {"terminating", no_argument, NULL, O_TERM},
        {"from", required_argument, NULL, O_FROM},
        {NULL, 0, NULL, 0},
    };
    common_opts co = {0};
    const char *name = NULL, *from = "targets";
    json_t *paths = json_array(), *prefixes = json_array();
    const char *dkeys[32];
    size_t ndkeys = 0;
    long threshold = 1;
    bool terminating = false;
    int c, h, ret = SX_USAGE;
    while ((c = getopt_long(argc, argv, COMMON_SHORT, opts, NULL)) != -1) {
        if ((h = common_opt(&co, c, optarg)) < 0)
            goto early;
        if (h)
            continue;
        switch (c) {
        case O_ROLE: name = optarg; break;
        case O_PATHS: json_array_append_new(paths, json_string(optarg)); break;
        case O_PREFIX: {
            size_t n = strlen(optarg);
            bool hex = n > 0 && n <= 64;
            for (size_t i = 0; hex && i < n; i++)
                hex = strchr("0123456789abcdef", optarg[i]) != NULL;
            if (!hex) {
                ret = sign_error(SX_USAGE, "--hash-prefix wants lower-case hex, not '%s'", optarg);
                goto early;
            }
            json_array_append_new(prefixes, json_string(optarg));
            break;
        }
        case O_DKEY:
            if (ndkeys == 32) {
                ret = sign_error(SX_USAGE, "too many --delegate-key");
                goto early;
            }
            dkeys[ndkeys++] = optarg;
            break;
        case O_THRESHOLD: {
            uint64_t t;
            if (ota_parse_u64(optarg, 0, LONG_MAX, &t) != OTA_OK) {
                ret = sign_error(SX_USAGE, "bad threshold '%s'", optarg);
                goto early;
            }
            threshold = (long) t;
            break;
        }
        case O_TERM: terminating = true; break;
        case O_FROM: from = optarg; break;
        case 'h': help(stdout); ret = SX_OK; goto early;
        default: help(stderr); goto early;
        }
    }
    if (name == NULL || optind != argc || ndkeys == 0 ||
        (json_array_size(paths) == 0) == (json_array_size(prefixes) == 0)) {
        help(stderr);
        goto early;
    }
    if (!role_name_ok(name)) {
        ret = sign_error(SX_USAGE, "'%s' is not a usable role name", name);
        goto early;
    }
    if (threshold < 1 || (size_t) threshold > ndkeys) {
        ret = sign_error(SX_USAGE, "threshold %ld is impossible with %zu key(s)", threshold,
                         ndkeys);
        goto early;
    }
    for (size_t i = 0; i < json_array_size(paths); i++) {
        const char *p = json_string_value(json_array_get(paths, i));
        if (p[0] == '/' || strstr(p, "..") != NULL || p[0] == '\0') {
            ret = sign_error(SX_USAGE, "bad path pattern '%s'", p);
            goto early;
        }
    }

    repo r;
    ret = common_open(&co, &r, false);
    ota_err rc = OTA_OK;
    if (ret != SX_OK)
        goto out;
    repo_role *deleg = repo_role_get(&r, from);
    if (deleg == NULL) {
        ret = sign_error(SX_NOTFOUND, "no role '%s' to delegate from", from);
        goto out;
    }
    if (repo_role_get(&r, name) != NULL) {
        ret = sign_error(SX_EXISTS, "role '%s' exists already (use 'ota-sign rotate' to change "
                                    "its keys)",
                         name);
        goto out;
    }
    if ((rc = repo_edit_role(&r, deleg)) != OTA_OK) {
        ret = sign_fail(rc, "%s", from);
        goto out;
    }
    json_t *dels = json_object_get(deleg->md->signed_obj, "delegations");
    if (dels == NULL) {
        dels = json_pack("{s:{}, s:[]}", "keys", "roles");
        json_object_set_new(deleg->md->signed_obj, "delegations", dels);
    }
    json_t *keyids = json_array();
    for (size_t i = 0; ret == SX_OK && i < ndkeys; i++)
        ret = add_role_key(&r, dkeys[i], json_object_get(dels, "keys"), keyids);
    if (ret != SX_OK) {
        json_decref(keyids);
        goto out;
    }
    json_t *entry = json_pack("{s:s, s:o, s:i, s:b}", "name", name, "keyids", keyids, "threshold",
                              (int) threshold, "terminating", terminating);
    if (json_array_size(paths) > 0)
        json_object_set(entry, "paths", paths);
    else
        json_object_set(entry, "path_hash_prefixes", prefixes);
    json_array_append_new(json_object_get(dels, "roles"), entry);
    if ((rc = ota_md_refresh(deleg->md)) != OTA_OK) {
        ret = sign_fail(rc, "%s", from);
        goto out;
    }
    ota_md *md = NULL;
    rc = repo_new_md(&r, OTA_ROLE_TARGETS, json_pack("{s:{}}", "targets"), &md);
    if (rc == OTA_OK && (rc = repo_role_add(&r, name, from, md)) != OTA_OK)
        ota_md_free(md);
    if (rc != OTA_OK) {
        ret = sign_fail(rc, "%s", name);
        goto out;
    }
    r.roles[r.nroles - 1].changed = true; /* version 1, new */
    printf("%s delegates %s to %s (%zu key(s), threshold %ld%s)\n", from,
           json_array_size(paths) ? "paths" : "hash prefixes", name, ndkeys, threshold,
           terminating ? ", terminating" : "");
    ret = sign_and_publish(&r);
out:
    repo_close(&r);
early:
    json_decref(paths);
    json_decref(prefixes);
    return ret;
}
