/* SPDX-License-Identifier: Apache-2.0 */
/* ota-sign rotate: change a role's keys or threshold (key rotation and revocation). */
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
            "usage: ota-sign rotate [-r REPO] --role ROLE [--add-key F]... [--remove-key F|ID]...\n"
            "                       [--threshold N] -k KEY...\n"
            "\n"
            "Changes which keys may sign ROLE (root, targets, snapshot, timestamp or a\n"
            "delegated role), and how many must.  Removing a key revokes it.\n"
            "\n"
            "For a top-level role a new root (version N+1) is made; clients accept it only\n"
            "when it is signed by the threshold of the current root keys AND of the new\n"
            "root keys, so give both (-k); when they are held by several people the new\n"
            "root is staged for 'ota-sign sign' and 'ota-sign publish'.  The rotated role's\n"
            "metadata is then re-signed with its new keys.  For a delegated role its\n"
            "delegator's metadata is changed (signed by the delegator's keys).\n"
            "\n"
            "      --role ROLE          the role to change\n"
            "      --add-key FILE       add a key (.pub or .key)\n"
            "      --remove-key F|ID    remove a key, by file or key id (revocation)\n"
            "      --threshold N        new threshold (1 <= N <= number of keys)\n" COMMON_HELP STAGE_HELP);
}

enum { O_ROLE = 0x300, O_ADD, O_REMOVE, O_THRESHOLD };

/* Is keyid used by any role of this root besides `except` (role index)? */
static bool
key_used_elsewhere(const json_t *roles, const char *keyid, const char *except)
{
    const char *name;
    json_t *role;
    json_object_foreach((json_t *) roles, name, role)
    {
        if (strcmp(name, except) == 0)
            continue;
        json_t *ids = json_object_get(role, "keyids");
        for (size_t i = 0; i < json_array_size(ids); i++)
            if (strcmp(json_string_value(json_array_get(ids, i)), keyid) == 0)
                return true;
    }
    return false;
}

/* Apply adds/removes/threshold to one role object {keyids, threshold}. */
static int
edit_role(repo *r, json_t *role_obj, json_t *keys_obj, char **adds, size_t nadds, char **removes,
          size_t nremoves, long threshold, const char *role_name)
{
    json_t *ids = json_object_get(role_obj, "keyids");
    for (size_t i = 0; i < nremoves; i++) {
        char id[65] = "";
        if (strlen(removes[i]) == 64 && strchr(removes[i], '/') == NULL &&
            strchr(removes[i], '.') == NULL)
            snprintf(id, sizeof id, "%s", removes[i]);
        else {
            sign_keyfile *kf = NULL;
            if (keys_add(&r->keys, removes[i], &kf) != OTA_OK)
                return SX_KEY;
            snprintf(id, sizeof id, "%s", kf->keyid);
        }
        bool found = false;
        for (size_t j = 0; j < json_array_size(ids); j++) {
            if (strcmp(json_string_value(json_array_get(ids, j)), id) == 0) {
                json_array_remove(ids, j);
                found = true;
                break;
            }
        }
        if (!found)
            return sign_error(SX_INPUT, "key %s is not a key of %s", short_id(id), role_name);
    }
    for (size_t i = 0; i < nadds; i++) {
        int ret = add_role_key(r, adds[i], keys_obj, ids);
        if (ret != SX_OK)
            return ret;
    }
    long n = (long) json_array_size(ids);
    long th = threshold > 0 ? threshold : (long) json_integer_value(json_object_get(role_obj,
                                                                                    "threshold"));
    if (n == 0)
        return sign_error(SX_USAGE, "%s would have no keys left", role_name);
    if (th < 1 || th > n)
        return sign_error(SX_USAGE, "%s threshold %ld is impossible with %ld key(s)", role_name,
                          th, n);
    json_object_set_new(role_obj, "threshold", json_integer(th));
    return SX_OK;
}

int
cmd_rotate(int argc, char **argv)
{
    static const struct option opts[] = {
        COMMON_OPTIONS,
        STAGE_OPTION,
        {"role", required_argument, NULL, O_ROLE},
        {"add-key", required_argument, NULL, O_ADD},
        {"remove-key", required_argument, NULL, O_REMOVE},
        {"threshold", required_argument, NULL, O_THRESHOLD},
        {NULL, 0, NULL, 0},
    };
    common_opts co = {.allow_expired_root = true};
    const char *role = NULL;
    char *adds[32], *removes[32];
    size_t nadds = 0, nremoves = 0;
    long threshold = 0;
    int c, h;
    while ((c = getopt_long(argc, argv, COMMON_SHORT, opts, NULL)) != -1) {
        if ((h = common_opt(&co, c, optarg)) < 0)
            return SX_USAGE;
        if (h)
            continue;
        switch (c) {
        case O_ROLE: role = optarg; break;
        case O_ADD:
            if (nadds == 32)
                return sign_error(SX_USAGE, "too many --add-key");
            adds[nadds++] = optarg;
            break;
        case O_REMOVE:
            if (nremoves == 32)
                return sign_error(SX_USAGE, "too many --remove-key");
            removes[nremoves++] = optarg;
            break;
        case O_THRESHOLD: {
            uint64_t t;
            if (ota_parse_u64(optarg, 1, LONG_MAX, &t) != OTA_OK)
                return sign_error(SX_USAGE, "bad threshold '%s'", optarg);
            threshold = (long) t;
            break;
        }
        case 'h': help(stdout); return SX_OK;
        default: help(stderr); return SX_USAGE;
        }
    }
    if (role == NULL || optind != argc || (nadds == 0 && nremoves == 0 && threshold == 0)) {
        help(stderr);
        return SX_USAGE;
    }
    repo r;
    int ret = common_open(&co, &r, false);
    ota_err rc = OTA_OK;
    if (ret != SX_OK)
        goto out;
    int top = ota_role_from_name(role);
    if (top >= 0) {
        ota_md *nroot = NULL;
        json_t *doc = json_deep_copy(r.root->doc);
        if (doc == NULL || (rc = ota_md_from_json(doc, OTA_ROLE_ROOT, &nroot)) != OTA_OK) {
            ret = sign_fail(rc ? rc : OTA_E_NOMEM, "root");
            goto out;
        }
        json_t *keys_obj = json_object_get(nroot->signed_obj, "keys");
        json_t *roles = json_object_get(nroot->signed_obj, "roles");
        ret = edit_role(&r, json_object_get(roles, role), keys_obj, adds, nadds, removes,
                        nremoves, threshold, role);
        if (ret == SX_OK) {
            /* drop keys no role uses any more */
            const char *id;
            json_t *v;
            void *tmp;
            json_object_foreach_safe(keys_obj, tmp, id, v)
            {
                if (!key_used_elsewhere(roles, id, ""))
                    json_object_del(keys_obj, id);
            }
            (void) v;
            rc = repo_bump(&r, nroot, r.expires[OTA_ROLE_ROOT], 0);
        }
        if (ret != SX_OK || rc != OTA_OK) {
            ota_md_free(nroot);
            if (ret == SX_OK)
                ret = sign_fail(rc, "root");
            goto out;
        }
        r.old_root = r.root;
        r.root = nroot;
        r.root_changed = true;
        /* metadata of the rotated role must carry the new keys' signatures */
        if (top == OTA_ROLE_TARGETS && (rc = repo_edit_role(&r, &r.roles[0])) != OTA_OK) {
            ret = sign_fail(rc, "targets");
            goto out;
        }
        printf("root v%lld: %s now has %zu key(s), threshold %lld\n",
               (long long) r.root->version, role, r.root->roles[top].nkeyids,
               (long long) r.root->roles[top].threshold);
    } else {
        repo_role *target = repo_role_get(&r, role);
        repo_role *deleg = target && target->delegator ? repo_role_get(&r, target->delegator)
                                                       : NULL;
        if (target == NULL || deleg == NULL) {
            ret = sign_error(SX_NOTFOUND, "no role '%s' in this repository", role);
            goto out;
        }
        if ((rc = repo_edit_role(&r, deleg)) != OTA_OK ||
            (rc = repo_edit_role(&r, target)) != OTA_OK) {
            ret = sign_fail(rc, "%s", role);
            goto out;
        }
        json_t *dels = json_object_get(deleg->md->signed_obj, "delegations");
        json_t *droles = json_object_get(dels, "roles");
        json_t *entry = NULL;
        for (size_t i = 0; i < json_array_size(droles); i++)
            if (strcmp(json_string_value(json_object_get(json_array_get(droles, i), "name")),
                       role) == 0)
                entry = json_array_get(droles, i);
        ret = edit_role(&r, entry, json_object_get(dels, "keys"), adds, nadds, removes, nremoves,
                        threshold, role);
        if (ret == SX_OK && (rc = ota_md_refresh(deleg->md)) != OTA_OK)
            ret = sign_fail(rc, "%s", deleg->name);
        if (ret != SX_OK)
            goto out;
        printf("%s: role %s changed\n", deleg->name, role);
    }
    ret = sign_and_publish(&r);
out:
    repo_close(&r);
    return ret;
}
