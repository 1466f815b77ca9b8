/* SPDX-License-Identifier: Apache-2.0 */
/*
 * needs.c — which keys a run needs, checked before anything is signed: a
 * wrong -k (a key of another role, a revoked or foreign key) is an error
 * naming the file and the roles it does belong to, and a role with none of
 * its keys here is an error too, unless the user asked to --stage.  Staging
 * happens only when some but not all of a threshold is on this machine.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "common.h"
#include "ota_limits.h"

typedef struct need {
    const char *role;         /* role name */
    const ota_role_keys *rk;  /* its key ids and threshold */
    const ota_md *md;         /* the metadata to be signed (NULL: made later) */
} need;

static const ota_role_keys *
keys_of(const ota_md *delegator, const char *role)
{
    if (delegator == NULL)
        return NULL;
    if (delegator->type == OTA_ROLE_ROOT) {
        int top = ota_role_from_name(role);
        return top >= 0 ? &delegator->roles[top] : NULL;
    }
    const ota_delegation *d = ota_md_find_delegation(delegator, role);
    return d ? &d->rk : NULL;
}

static bool
has_id(const ota_role_keys *rk, const char *keyid)
{
    for (size_t i = 0; rk != NULL && i < rk->nkeyids; i++)
        if (strcmp(rk->keyids[i], keyid) == 0)
            return true;
    return false;
}

/* Append "a, b or c" style text to buf. */
static void
list_add(char *buf, size_t cap, size_t i, size_t n, const char *item)
{
    size_t used = strlen(buf);
    if (used >= cap)
        return;
    snprintf(buf + used, cap - used, "%s%s", i == 0 ? "" : i + 1 == n ? " or " : ", ", item);
}

/* Where a key does belong: "the timestamp key", "a targets key", "a key of
 * delegated role product-x" (several joined by ", " and " or "); empty when
 * nowhere. */
static void
describe_key(repo *r, const char *keyid, char *buf, size_t cap)
{
    size_t n = 0, total = 0;
    for (int pass = 0; pass < 2; pass++) {
        for (int t = 0; t < OTA_ROLE_COUNT; t++) {
            const ota_role_keys *rk = &r->root->roles[t];
            if (!has_id(rk, keyid))
                continue;
            if (pass == 0) {
                total++;
                continue;
            }
            char item[64];
            snprintf(item, sizeof item, "%s %s key", rk->nkeyids == 1 ? "the" : "a",
                     ota_role_name((ota_role_type) t));
            list_add(buf, cap, n++, total, item);
        }
        for (size_t i = 0; i < r->nroles; i++)
            for (size_t j = 0; j < r->roles[i].md->ndels; j++) {
                if (!has_id(&r->roles[i].md->dels[j].rk, keyid))
                    continue;
                if (pass == 0) {
                    total++;
                    continue;
                }
                char item[OTA_MAX_ROLE_NAME_LEN + 32];
                snprintf(item, sizeof item, "a key of delegated role %s",
                         r->roles[i].md->dels[j].name);
                list_add(buf, cap, n++, total, item);
            }
        if (pass == 0)
            buf[0] = '\0';
    }
}

static size_t
collect(repo *r, unsigned what, need *v)
{
    size_t n = 0;
    if ((what & NEED_CHANGED) && r->root_changed) {
        if (r->old_root != NULL)
            v[n++] = (need) {"root", &r->old_root->roles[OTA_ROLE_ROOT], r->root};
        v[n++] = (need) {"root", &r->root->roles[OTA_ROLE_ROOT], r->root};
    }
    for (size_t i = 0; (what & (NEED_CHANGED | NEED_ALL_TARGETS)) && i < r->nroles; i++)
        if (r->roles[i].changed || (what & NEED_ALL_TARGETS)) {
            const ota_role_keys *rk =
                keys_of(repo_delegator_of(r, r->roles[i].name), r->roles[i].name);
            if (rk != NULL)
                v[n++] = (need) {r->roles[i].name, rk, r->roles[i].md};
        }
    if (what & NEED_SNAPSHOT)
        v[n++] = (need) {"snapshot", &r->root->roles[OTA_ROLE_SNAPSHOT], NULL};
    if (what & NEED_TIMESTAMP)
        v[n++] = (need) {"timestamp", &r->root->roles[OTA_ROLE_TIMESTAMP], NULL};
    return n;
}

int
keys_check_needed(repo *r, unsigned what)
{
    if (r->root == NULL)
        return SX_OK; /* the first root is staged: nothing to check against */
    need *v = calloc(r->nroles + 4, sizeof *v);
    if (v == NULL)
        return sign_fail(OTA_E_NOMEM, "keys");
    size_t n = collect(r, what, v);
    int ret = SX_OK;
    char roles[512] = "";
    size_t nnames = 0;
    const char *seen[16];
    for (size_t i = 0; i < n && nnames < 16; i++) {
        bool dup = false;
        for (size_t j = 0; j < nnames; j++)
            dup = dup || strcmp(seen[j], v[i].role) == 0;
        if (!dup)
            seen[nnames++] = v[i].role;
    }
    for (size_t i = 0; i < nnames; i++)
        list_add(roles, sizeof roles, i, nnames, seen[i]);

    /* every key named with -k belongs to a role this run signs */
    for (size_t k = 0; ret == SX_OK && k < r->keys.n; k++) {
        const sign_keyfile *kf = &r->keys.v[k];
        bool used = false;
        for (size_t i = 0; i < n && !used; i++)
            used = has_id(v[i].rk, kf->keyid);
        if (!kf->given || used)
            continue;
        char where[512];
        describe_key(r, kf->keyid, where, sizeof where);
        if (where[0] == '\0')
            ret = sign_error(SX_KEY, "%s is in no role of root v%lld: revoked or foreign",
                             kf->path, (long long) r->root->version);
        else
            ret = sign_error(SX_KEY, "%s is not a %s key in root v%lld (it is %s)", kf->path,
                             roles, (long long) r->root->version, where);
    }

    /* every role has at least one of its keys here, unless staging is asked */
    for (size_t i = 0; ret == SX_OK && !r->stage && !r->from_staged && i < n; i++) {
        size_t have = 0;
        for (size_t k = 0; k < r->keys.n; k++)
            if (r->keys.v[k].has_secret && has_id(v[i].rk, r->keys.v[k].keyid))
                have++;
        if (have > 0)
            continue;
        if (v[i].md != NULL && v[i].md != r->root)
            ret = sign_error(SX_KEY,
                             "no %s key given (-k): %s v%lld needs %lld signature(s); nothing "
                             "changed (--stage stages it for signing elsewhere)",
                             v[i].role, v[i].role, (long long) v[i].md->version,
                             (long long) v[i].rk->threshold);
        else
            ret = sign_error(SX_KEY,
                             "no %s key given (-k): %s needs %lld signature(s); nothing changed "
                             "(--stage stages it for signing elsewhere)",
                             v[i].role, v[i].role, (long long) v[i].rk->threshold);
    }
    free(v);
    return ret;
}
