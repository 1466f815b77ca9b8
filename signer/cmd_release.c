/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ota-sign release: change who is offered a published bundle (its
 * custom.ota_release: channels, rollout, downgrade) without touching the
 * file, then publish.  Also the release-policy helpers of release.h, the
 * writer's side of formats/RELEASE.md.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "common.h"
#include "ota_bundle.h"
#include "ota_id.h"
#include "ota_util.h"
#include "release.h"

/* ---- policy helpers (release.h) ------------------------------------------ */

/* Insert name into the sorted array list unless it is there already. */
static int
insert_sorted(json_t *list, const char *name)
{
    size_t i = 0, n = json_array_size(list);
    for (; i < n; i++) {
        int c = strcmp(json_string_value(json_array_get(list, i)), name);
        if (c == 0)
            return SX_OK;
        if (c > 0)
            break;
    }
    if (n >= OTA_RELEASE_MAX_CHANNELS)
        return sign_error(SX_USAGE, "--channel: at most %u channels", OTA_RELEASE_MAX_CHANNELS);
    if (json_array_insert_new(list, i, json_string(name)) != 0)
        return sign_fail(OTA_E_NOMEM, "--channel");
    return SX_OK;
}

int
release_parse_channels(const char *arg, json_t **list)
{
    if (*list == NULL && (*list = json_array()) == NULL)
        return sign_fail(OTA_E_NOMEM, "--channel");
    char *copy = strdup(arg);
    if (copy == NULL)
        return sign_fail(OTA_E_NOMEM, "--channel");
    int ret = SX_OK;
    char *p = copy;
    for (;;) {
        char *comma = strchr(p, ',');
        if (comma != NULL)
            *comma = '\0';
        if (!ota_id_valid(p)) {
            ret = sign_error(SX_USAGE, "--channel: '%s' is not a channel name: an id (%s)", p,
                             OTA_ID_RULE);
            break;
        }
        if ((ret = insert_sorted(*list, p)) != SX_OK || comma == NULL)
            break;
        p = comma + 1;
    }
    free(copy);
    return ret;
}

int
release_parse_rollout(const char *arg, int *out)
{
    uint64_t v;
    if (ota_parse_u64(arg, 0, 100, &v) != OTA_OK)
        return sign_error(SX_USAGE, "--rollout: '%s' is not a percentage (an integer 0-100)", arg);
    *out = (int) v;
    return SX_OK;
}

int
release_opt(int c, const char *arg, json_t **channels, int *rollout)
{
    if (c == OPT_CHANNEL)
        return release_parse_channels(arg, channels) == SX_OK ? 1 : -1;
    if (c == OPT_ROLLOUT)
        return release_parse_rollout(arg, rollout) == SX_OK ? 1 : -1;
    return 0;
}

json_t *
release_new(const json_t *channels, int rollout, bool downgrade)
{
    json_t *ch =
        channels ? json_deep_copy(channels) : json_pack("[s]", OTA_RELEASE_DEFAULT_CHANNEL);
    if (ch == NULL)
        return NULL;
    return json_pack("{s:o, s:i, s:b}", "channels", ch, "rollout", rollout, "downgrade",
                     downgrade);
}

char *
release_describe(const json_t *rel)
{
    /* 16 channels of 128 bytes and their commas, and the rest */
    size_t cap = OTA_RELEASE_MAX_CHANNELS * (OTA_MAX_ID_LEN + 1) + 128, off;
    char *buf = malloc(cap);
    ota_release_policy p;
    const char *why = ota_release_read(rel, &p);
    if (buf == NULL || why != NULL) {
        if (buf)
            snprintf(buf, cap, "invalid: %s", why);
        return buf;
    }
    off = (size_t) snprintf(buf, cap, "channels ");
    for (size_t i = 0; i < p.nchannels; i++)
        off += (size_t) snprintf(buf + off, cap - off, "%s%s", i ? "," : "", p.channels[i]);
    snprintf(buf + off, cap - off, ", rollout %u %%, downgrade %s", p.rollout,
             p.downgrade ? "yes" : "no");
    return buf;
}

/* ---- ota-sign release ---------------------------------------------------- */

static void
help(FILE *out)
{
    fprintf(out,
            "usage: ota-sign release [-r REPO] -k KEY... TARGET [--channel C[,C...]]\n"
            "                        [--rollout PCT] [--allow-downgrade | --no-downgrade]\n"
            "                        [--json]\n"
            "\n"
            "Changes the release policy of a published update bundle (its custom.ota_release,\n"
            "formats/RELEASE.md) in the targets role that holds it, without touching the file,\n"
            "and publishes new targets, snapshot and timestamp metadata.  Options not given\n"
            "keep their current value.  Needs the keys of that role and of snapshot and\n"
            "timestamp; when a threshold cannot be met here the change is staged (exit 17).\n"
            "\n"
            "  --channel C,...     the channels offered this release (replaces the list)\n"
            "  --rollout PCT       percentage of devices offered it, 0-100 (0 pauses)\n"
            "  --allow-downgrade   'ota-client install TARGET --allow-downgrade' may install it\n"
            "                      over a newer version\n"
            "  --no-downgrade      it may not (the default)\n"
            "  --json              print the change as JSON\n" COMMON_HELP STAGE_HELP);
}

enum { O_ALLOW_DOWN = 0x300, O_NO_DOWN, O_JSON };

int
cmd_release(int argc, char **argv)
{
    static const struct option opts[] = {
        COMMON_OPTIONS,
        STAGE_OPTION,
        RELEASE_OPTIONS,
        {"allow-downgrade", no_argument, NULL, O_ALLOW_DOWN},
        {"no-downgrade", no_argument, NULL, O_NO_DOWN},
        {"json", no_argument, NULL, O_JSON},
        {NULL, 0, NULL, 0},
    };
    common_opts co = {0};
    json_t *channels = NULL, *before = NULL, *after = NULL;
    char *was = NULL, *now = NULL;
    int rollout = -1, downgrade = -1, c, h, ret = SX_USAGE;
    bool json = false, opened = false;
    repo r;
    while ((c = getopt_long(argc, argv, COMMON_SHORT, opts, NULL)) != -1) {
        if ((h = common_opt(&co, c, optarg)) == 0)
            h = release_opt(c, optarg, &channels, &rollout);
        if (h < 0)
            goto out;
        if (h)
            continue;
        switch (c) {
        case O_ALLOW_DOWN:
        case O_NO_DOWN:
            if (downgrade >= 0 && downgrade != (c == O_ALLOW_DOWN)) {
                ret = sign_error(SX_USAGE, "--allow-downgrade and --no-downgrade exclude "
                                           "each other");
                goto out;
            }
            downgrade = c == O_ALLOW_DOWN;
            break;
        case O_JSON: json = true; break;
        case 'h': help(stdout); ret = SX_OK; goto out;
        default: help(stderr); goto out;
        }
    }
    if (optind + 1 != argc) {
        help(stderr);
        goto out;
    }
    if (channels == NULL && rollout < 0 && downgrade < 0) {
        ret = sign_error(SX_USAGE, "nothing to change: give --channel, --rollout, "
                                   "--allow-downgrade or --no-downgrade");
        goto out;
    }
    const char *path = argv[optind];
    ret = common_open(&co, &r, false);
    opened = true;
    if (ret != SX_OK)
        goto out;
    r.quiet = json;
    repo_role *role = repo_role_for_path(&r, path);
    const ota_target *t = role ? ota_md_find_target(role->md, path) : NULL;
    if (t == NULL) {
        ret = sign_error(SX_NOTFOUND, "%s is not a target of this repository", path);
        goto out;
    }
    if (!json_is_object(json_object_get(t->custom, "ota_bundle"))) {
        ret = sign_error(SX_USAGE,
                         "%s is not an update bundle (no custom.ota_bundle): a release policy "
                         "applies to bundles only",
                         path);
        goto out;
    }
    /* start from what is there: an absent member, or every member of an
     * invalid policy, reads as its default; the result is complete and valid */
    before = json_incref(json_object_get(t->custom, "ota_release"));
    ota_release_policy old;
    bool valid = ota_release_read(before, &old) == NULL;
    after = release_new(channels ? channels
                        : valid  ? json_object_get(before, "channels")
                                 : NULL,
                        rollout >= 0 ? rollout : (int) old.rollout,
                        downgrade >= 0 ? downgrade == 1 : old.downgrade);
    if (after == NULL) {
        ret = sign_fail(OTA_E_NOMEM, "%s", path);
        goto out;
    }
    was = release_describe(before);
    now = release_describe(after);
    if (was == NULL || now == NULL) {
        ret = sign_fail(OTA_E_NOMEM, "%s", path);
        goto out;
    }
    bool same = before != NULL && json_equal((json_t *) before, after);
    if (!same) {
        ota_err rc = repo_edit_role(&r, role);
        /* t points into the role's views, which the edit rebuilds */
        json_t *entry = json_object_get(json_object_get(role->md->signed_obj, "targets"), path);
        if (rc == OTA_OK &&
            json_object_set(json_object_get(entry, "custom"), "ota_release", after) != 0)
            rc = OTA_E_NOMEM;
        if (rc == OTA_OK)
            rc = ota_md_refresh(role->md);
        if (rc != OTA_OK) {
            ret = sign_fail(rc, "%s", path);
            goto out;
        }
    }
    if (!json)
        printf("%s (role %s): %s%s%s\n", path, role->name, was, same ? " (unchanged)" : " -> ",
               same ? "" : now);
    ret = same ? SX_OK : sign_and_publish(&r);
    if (json) {
        json_t *o = json_pack("{s:s, s:s, s:O?, s:O, s:b, s:b}", "target", path, "role",
                              role->name, "before", before, "after", after, "changed", !same,
                              "published", !same && ret == SX_OK);
        char *text = o ? json_dumps(o, JSON_INDENT(2) | JSON_SORT_KEYS) : NULL;
        if (text)
            puts(text);
        free(text);
        json_decref(o);
    }
out:
    if (opened)
        repo_close(&r);
    json_decref(channels);
    json_decref(before);
    json_decref(after);
    free(was);
    free(now);
    return ret;
}
