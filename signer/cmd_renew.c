/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ota-sign renew: the one command for cron.  Re-signs every online role
 * (timestamp, snapshot) that expires within its margin, re-signs a targets
 * role whose keys are given, and exits 7 (8 when expired) naming every
 * offline role (targets, a delegation, root) that needs its key holders.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "common.h"

static void
help(FILE *out)
{
    fprintf(out,
            "usage: ota-sign renew [-r REPO] -k SNAPSHOT-KEY -k TIMESTAMP-KEY [-k KEY...]\n"
            "                      [--margin DUR] [--warn DUR]\n"
            "\n"
            "For cron (e.g. hourly): re-signs timestamp.json when it expires within the\n"
            "margin, and snapshot (with a new timestamp) when the snapshot does; by\n"
            "default the margin is half of each role's validity period (12 h of the\n"
            "timestamp's 1 d, 3.5 d of the snapshot's 7 d).  A targets or delegated role\n"
            "expiring within --warn (default: a third of its period, as in ota-sign\n"
            "status) is re-signed when enough of its keys are given, else reported;\n"
            "root is reported (renew it with ota-sign rotate --role root).  Staged\n"
            "changes are left alone.\n"
            "\n"
            "exit: 0 fine, 18 an offline role expires within --warn, 5 one has expired;\n"
            "16 a key needed to renew an online role is missing\n"
            "\n"
            "      --margin DUR          re-sign timestamp and snapshot when less than DUR\n"
            "                            is left (e.g. 12h)\n"
            "      --warn DUR            report offline roles with less than DUR left\n" COMMON_HELP);
}

/* Number of private keys here that role may sign with. */
static size_t
keys_here(repo *r, const ota_md *delegator, const char *role, int64_t *threshold)
{
    const ota_role_keys *rk = NULL;
    if (delegator != NULL && delegator->type == OTA_ROLE_ROOT)
        rk = &delegator->roles[ota_role_from_name(role)];
    else if (delegator != NULL) {
        const ota_delegation *d = ota_md_find_delegation(delegator, role);
        rk = d ? &d->rk : NULL;
    }
    if (rk == NULL)
        return 0;
    *threshold = rk->threshold;
    size_t n = 0;
    for (size_t k = 0; k < r->keys.n; k++)
        for (size_t i = 0; r->keys.v[k].has_secret && i < rk->nkeyids; i++)
            if (strcmp(rk->keyids[i], r->keys.v[k].keyid) == 0)
                n++;
    return n;
}

/* An offline role that expires within warn: 7, or 8 once expired. */
static int
offline_due(const char *role, const ota_md *md, int64_t now, const char *how)
{
    char h[32];
    human_duration(md->expires - now, h, sizeof h);
    const char *exp = json_string_value(json_object_get(md->signed_obj, "expires"));
    if (md->expires <= now) {
        sign_error(SX_EXPIRED, "%s v%lld EXPIRED %s ago (%s): %s", role, (long long) md->version,
                   h, exp, how);
        return SX_EXPIRED;
    }
    sign_error(SX_WARN, "%s v%lld expires in %s (%s): %s", role, (long long) md->version, h, exp,
               how);
    return SX_WARN;
}

int
cmd_renew(int argc, char **argv)
{
    enum { O_MARGIN = 0x300, O_WARN };
    static const struct option opts[] = {
        COMMON_OPTIONS,
        {"margin", required_argument, NULL, O_MARGIN},
        {"warn", required_argument, NULL, O_WARN},
        {NULL, 0, NULL, 0},
    };
    common_opts co = {0};
    int64_t margin = 0, warn = 0;
    int c, h;
    while ((c = getopt_long(argc, argv, COMMON_SHORT, opts, NULL)) != -1) {
        if ((h = common_opt(&co, c, optarg)) < 0)
            return SX_USAGE;
        if (h)
            continue;
        if (c == O_MARGIN || c == O_WARN) {
            if (parse_duration(optarg, c == O_MARGIN ? &margin : &warn) != OTA_OK)
                return sign_error(SX_USAGE, "bad duration '%s' (e.g. 12h, 2d)", optarg);
            continue;
        }
        help(c == 'h' ? stdout : stderr);
        return c == 'h' ? SX_OK : SX_USAGE;
    }
    if (optind != argc) {
        help(stderr);
        return SX_USAGE;
    }
    repo r;
    int ret = common_open(&co, &r, true);
    int worst = SX_OK;
    ota_err rc = OTA_OK;
    if (ret == SX_OK && r.timestamp == NULL)
        ret = sign_error(SX_THRESHOLD, "nothing published yet: the first root is staged");
    if (ret == SX_OK) {
        r.stage = true; /* keys are checked for membership; missing ones below */
        ret = keys_check_needed(&r, NEED_SNAPSHOT | NEED_TIMESTAMP | NEED_ALL_TARGETS);
    }
    if (ret != SX_OK)
        goto out;

    /* offline roles: re-signed when their keys are here, else reported */
    bool staged = repo_has_staged(&r);
    bool renew_roles = false;
    for (size_t i = 0; i < r.nroles; i++) {
        repo_role *role = &r.roles[i];
        int64_t period = r.expires[OTA_ROLE_TARGETS];
        if (role->md->expires - r.now >= (warn > 0 ? warn : period / 3))
            continue;
        int64_t threshold = 1;
        size_t have = keys_here(&r, repo_delegator_of(&r, role->name), role->name, &threshold);
        if (have > 0 && (int64_t) have >= threshold && !staged) {
            if ((rc = repo_edit_role(&r, role)) != OTA_OK) {
                ret = sign_fail(rc, "%s", role->name);
                goto out;
            }
            renew_roles = true;
            continue;
        }
        char how[256];
        snprintf(how, sizeof how, "%s", staged
                 ? "publish the staged changes first, then 'ota-sign renew' with its keys"
                 : "an offline role: its key holders run 'ota-sign renew' with its keys");
        int code = offline_due(role->name, role->md, r.now, how);
        if (code > worst)
            worst = code;
    }
    if (r.root->expires - r.now < (warn > 0 ? warn : r.expires[OTA_ROLE_ROOT] / 3)) {
        int code = offline_due("root", r.root, r.now,
                               "renew it at a key ceremony: ota-sign rotate --role root "
                               "--threshold N -k ROOT-KEYS...");
        if (code > worst)
            worst = code;
    }

    /* online roles */
    int64_t ts_margin = margin > 0 ? margin : r.expires[OTA_ROLE_TIMESTAMP] / 2;
    int64_t snap_margin = margin > 0 ? margin : r.expires[OTA_ROLE_SNAPSHOT] / 2;
    bool snap_due = renew_roles || r.snapshot->expires - r.now < snap_margin;
    bool ts_due = snap_due || r.timestamp->expires - r.now < ts_margin;
    int64_t th = 1;
    if (snap_due && keys_here(&r, r.root, "snapshot", &th) == 0)
        ret = sign_error(SX_KEY, "snapshot v%lld expires %s and needs renewing: no snapshot "
                                 "key given (-k)",
                         (long long) r.snapshot->version,
                         json_string_value(json_object_get(r.snapshot->signed_obj, "expires")));
    else if (ts_due && keys_here(&r, r.root, "timestamp", &th) == 0)
        ret = sign_error(SX_KEY, "timestamp v%lld expires %s and needs renewing: no timestamp "
                                 "key given (-k)",
                         (long long) r.timestamp->version,
                         json_string_value(json_object_get(r.timestamp->signed_obj, "expires")));
    if (ret != SX_OK)
        goto out;
    if (renew_roles) {
        rc = repo_sign_changed(&r);
        if (rc == OTA_E_SIGNATURE)
            rc = OTA_E_KEY;
        if (rc != OTA_OK) {
            ret = sign_exit_code(rc);
            goto out;
        }
    }
    if (snap_due) {
        r.quiet = true;
        rc = repo_publish(&r);
        if (rc == OTA_E_SIGNATURE) /* a snapshot or timestamp threshold above the keys here */
            ret = sign_error(SX_KEY, "not renewed: more snapshot/timestamp keys are needed");
        else if (rc != OTA_OK)
            ret = publish_exit(rc);
    } else if (ts_due) {
        rc = repo_publish_timestamp(&r);
        ret = rc == OTA_E_SIGNATURE ? SX_KEY : sign_exit_code(rc);
    }
    if (ret != SX_OK)
        goto out;
    for (size_t i = 0; i < r.nroles; i++)
        if (r.roles[i].changed)
            printf("renewed: %s v%lld, expires %s\n", r.roles[i].name,
                   (long long) r.roles[i].md->version,
                   json_string_value(json_object_get(r.roles[i].md->signed_obj, "expires")));
    const ota_md *online[2] = {r.snapshot, r.timestamp};
    const bool due[2] = {snap_due, ts_due};
    for (int i = 0; i < 2; i++) {
        char left[32];
        human_duration(online[i]->expires - r.now, left, sizeof left);
        printf("%s: %s v%lld, expires %s (in %s)\n", i == 0 ? "snapshot" : "timestamp",
               due[i] ? "renewed" : "ok", (long long) online[i]->version,
               json_string_value(json_object_get(online[i]->signed_obj, "expires")), left);
    }
    ret = worst;
out:
    repo_close(&r);
    return ret;
}
