/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ota-sign floor: the fleet-wide minimum version of a bundle name
 * (ota_policy.floors in the top-level targets.json, formats/RELEASE.md):
 * list, set or clear one, then publish.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "common.h"
#include "ota_bundle.h"
#include "ota_id.h"
#include "ota_limits.h"
#include "release.h"

static void
help(FILE *out)
{
    fprintf(out,
            "usage: ota-sign floor [-r REPO] [--json]                  list the floors\n"
            "       ota-sign floor [-r REPO] -k KEY... NAME VERSION    set NAME's floor\n"
            "       ota-sign floor [-r REPO] -k KEY... NAME --clear    remove it\n"
            "\n"
            "A floor retires every release of bundle NAME below VERSION for the whole\n"
            "fleet: no device installs one, not even with --allow-downgrade; a device that\n"
            "runs one updates as usual.  Floors live in ota_policy.floors of the top-level\n"
            "targets.json (formats/RELEASE.md).  Setting or clearing one publishes new\n"
            "targets, snapshot and timestamp metadata: it needs the targets, snapshot and\n"
            "timestamp keys; when a threshold cannot be met here the change is staged\n"
            "(exit 17).\n"
            "\n"
            "  --clear           remove NAME's floor (and ota_policy when none is left)\n"
            "  --json            list as JSON\n" COMMON_HELP STAGE_HELP);
}

/* The floors of targets (NULL when there are none), or NULL with *why set
 * when ota_policy is not valid. */
static json_t *
floors_of(const ota_md *targets, const char **why)
{
    const json_t *policy = json_object_get(targets->signed_obj, "ota_policy");
    *why = policy ? ota_policy_invalid(policy) : NULL;
    return *why ? NULL : json_object_get(policy, "floors");
}

static int
list_floors(const common_opts *co, bool json)
{
    repo r;
    int ret = common_open_readonly(co, &r);
    const char *why = NULL;
    repo_role *top = ret == SX_OK ? repo_role_get(&r, "targets") : NULL;
    if (ret == SX_OK && top == NULL)
        ret = sign_error(SX_VERIFY, "%s has no published targets role", r.dir);
    json_t *floors = top ? floors_of(top->md, &why) : NULL;
    if (why != NULL)
        ret = sign_error(SX_VERIFY, "targets.json: %s (clients refuse this metadata)", why);
    if (ret == SX_OK && json) {
        json_t *o = json_pack("{s:O?}", "floors", floors);
        char *text = o ? json_dumps(o, JSON_INDENT(2) | JSON_SORT_KEYS) : NULL;
        if (text)
            puts(text);
        free(text);
        json_decref(o);
    } else if (ret == SX_OK) {
        const char *name;
        json_t *v;
        if (json_object_size(floors) == 0)
            printf("no floors\n");
        json_object_foreach(floors, name, v) printf("%s >= %s\n", name, json_string_value(v));
    }
    repo_close(&r);
    return ret;
}

enum { O_CLEAR = 0x300, O_JSON };

int
cmd_floor(int argc, char **argv)
{
    static const struct option opts[] = {
        COMMON_OPTIONS,
        STAGE_OPTION,
        {"clear", no_argument, NULL, O_CLEAR},
        {"json", no_argument, NULL, O_JSON},
        {NULL, 0, NULL, 0},
    };
    common_opts co = {0};
    bool clear = false, json = false;
    int c, h;
    while ((c = getopt_long(argc, argv, COMMON_SHORT, opts, NULL)) != -1) {
        if ((h = common_opt(&co, c, optarg)) < 0)
            return SX_USAGE;
        if (h)
            continue;
        switch (c) {
        case O_CLEAR: clear = true; break;
        case O_JSON: json = true; break;
        case 'h': help(stdout); return SX_OK;
        default: help(stderr); return SX_USAGE;
        }
    }
    int nargs = argc - optind;
    if (nargs == 0 && !clear)
        return list_floors(&co, json);
    if (nargs != (clear ? 1 : 2) || json) {
        help(stderr);
        return SX_USAGE;
    }
    const char *name = argv[optind], *version = clear ? NULL : argv[optind + 1];
    if (!ota_id_valid(name))
        return sign_error(SX_USAGE, "'%s' is not a bundle name: an id (%s)", name, OTA_ID_RULE);
    if (version != NULL && ota_semver_check(version) != OTA_OK)
        return sign_error(SX_USAGE, "'%s' is not %s", version, OTA_VERSION_RULE);

    repo r;
    int ret = common_open(&co, &r, false);
    repo_role *top = ret == SX_OK ? repo_role_get(&r, "targets") : NULL;
    const json_t *policy = top ? json_object_get(top->md->signed_obj, "ota_policy") : NULL;
    const char *old = NULL;
    if (ret != SX_OK)
        goto out;
    if (ota_policy_floor(policy, name, &old) != OTA_OK) {
        ret = sign_error(SX_VERIFY, "targets.json: %s; fix it before changing floors",
                         ota_policy_invalid(policy));
        goto out;
    }
    json_t *floors = json_object_get(policy, "floors");
    /* a copy: clearing frees the string in the metadata */
    char oldbuf[OTA_MAX_VERSION_LEN + 1];
    if (old != NULL)
        old = memcpy(oldbuf, old, strlen(old) + 1); /* valid: at most 64 bytes */
    if (clear && old == NULL) {
        ret = sign_error(SX_NOTFOUND, "%s has no floor", name);
        goto out;
    }
    if (!clear && old != NULL && strcmp(old, version) == 0) {
        printf("floor %s >= %s (unchanged)\n", name, old);
        goto out;
    }
    if (!clear && old == NULL && json_object_size(floors) >= OTA_POLICY_MAX_FLOORS) {
        ret = sign_error(SX_INPUT, "at most %u floors", OTA_POLICY_MAX_FLOORS);
        goto out;
    }
    ota_err rc = repo_edit_role(&r, top);
    json_t *s = top->md->signed_obj;
    if (rc == OTA_OK && clear) {
        /* floors is borrowed from s: unlink the name before anything else */
        json_object_del(floors, name);
        if (json_object_size(floors) == 0)
            json_object_del(s, "ota_policy");
    } else if (rc == OTA_OK && floors == NULL) {
        if (json_object_set_new(s, "ota_policy",
                                json_pack("{s:{s:s}}", "floors", name, version)) != 0)
            rc = OTA_E_NOMEM;
    } else if (rc == OTA_OK && json_object_set_new(floors, name, json_string(version)) != 0)
        rc = OTA_E_NOMEM;
    if (rc == OTA_OK)
        rc = ota_md_refresh(top->md);
    if (rc != OTA_OK) {
        ret = sign_fail(rc, "targets");
        goto out;
    }
    if (clear)
        printf("floor %s >= %s cleared\n", name, old);
    else
        printf("floor %s >= %s%s%s%s\n", name, version, old ? " (was " : "", old ? old : "",
               old ? ")" : "");
    ret = sign_and_publish(&r);
out:
    repo_close(&r);
    return ret;
}
