/* SPDX-License-Identifier: Apache-2.0 */
/* ota-sign add: add or replace targets, then publish. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "common.h"
#include "ota_bundle.h"
#include "ota_json.h"
#include "ota_limits.h"
#include "ota_util.h"
#include "release.h"

static void
help(FILE *out)
{
    fprintf(out,
            "usage: ota-sign add [-r REPO] -k KEY... [--path P | --prefix DIR/] [--role NAME]\n"
            "                    [--custom JSON] [--channel C[,C...]] [--rollout PCT] FILE...\n"
            "\n"
            "Copies each FILE into the repository as a target (named by its SHA-256 when\n"
            "consistent snapshots are on), records its length and hash in the targets\n"
            "metadata of the role that owns its path (delegations are followed, as a\n"
            "client would), and publishes new targets, snapshot and timestamp metadata.\n"
            "An update bundle (ota-sign bundle) gets its custom field filled in: name,\n"
            "version, hardware ids and the length and SHA-256 of its head, and its release\n"
            "policy (formats/RELEASE.md; change it later with ota-sign release).\n"
            "Needs the keys of the changed role and of snapshot and timestamp; when only\n"
            "some of a threshold's keys are here the change is staged (exit 17) with its\n"
            "files, and published by 'ota-sign publish' once signed.  A role with none of\n"
            "its keys here is an error (exit 16), unless --stage.\n"
            "\n"
            "  --path P          target path for a single FILE (default: its file name)\n"
            "  --prefix DIR/     put every FILE under DIR/ (e.g. product-x/)\n"
            "  --role NAME       the delegated role that must hold the targets (checked)\n"
            "  --custom JSON     a JSON object merged into each target's custom field\n"
            "  --channel C,...   bundles only: the channels offered them (default: stable)\n"
            "  --rollout PCT     bundles only: percentage of devices offered them, 0-100\n"
            "                    (default: 100)\n"
            COMMON_HELP STAGE_HELP);
}

enum { O_PATH = 0x300, O_PREFIX, O_ROLE, O_CUSTOM };

/* Only regular files: a fifo would block (holding the lock), a directory or
 * device is no target.  Opened without blocking, then fstat'd. */
static int
check_regular(const char *file)
{
    int fd = open(file, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (fd < 0)
        return sign_fail(ota_errno_err(errno), "%s", file);
    struct stat st;
    int ok = fstat(fd, &st);
    close(fd);
    if (ok != 0)
        return sign_fail(OTA_E_IO, "%s", file);
    if (S_ISREG(st.st_mode))
        return SX_OK;
    return sign_error(SX_INPUT, "%s is not a regular file (%s): only files can be targets", file,
                      S_ISDIR(st.st_mode)    ? "a directory"
                      : S_ISFIFO(st.st_mode) ? "a fifo"
                      : S_ISSOCK(st.st_mode) ? "a socket"
                                             : "a device");
}

int
cmd_add(int argc, char **argv)
{
    static const struct option opts[] = {
        COMMON_OPTIONS,
        {"path", required_argument, NULL, O_PATH},
        {"prefix", required_argument, NULL, O_PREFIX},
        {"role", required_argument, NULL, O_ROLE},
        {"custom", required_argument, NULL, O_CUSTOM},
        RELEASE_OPTIONS,
        STAGE_OPTION,
        {NULL, 0, NULL, 0},
    };
    common_opts co = {0};
    const char *path_opt = NULL, *prefix = "", *role_opt = NULL, *custom_text = NULL;
    json_t *channels = NULL, *release = NULL, *custom = NULL;
    int c, h, rollout = -1, ret = SX_USAGE;
    while ((c = getopt_long(argc, argv, COMMON_SHORT, opts, NULL)) != -1) {
        if ((h = common_opt(&co, c, optarg)) == 0)
            h = release_opt(c, optarg, &channels, &rollout);
        if (h < 0)
            goto out;
        if (h)
            continue;
        switch (c) {
        case O_PATH: path_opt = optarg; break;
        case O_PREFIX: prefix = optarg; break;
        case O_ROLE: role_opt = optarg; break;
        case O_CUSTOM: custom_text = optarg; break;
        case 'h': help(stdout); ret = SX_OK; goto out;
        default: help(stderr); goto out;
        }
    }
    /* every bundle gets its release policy written out, defaults included */
    bool policy_given = channels != NULL || rollout >= 0;
    if ((release = release_new(channels, rollout >= 0 ? rollout : 100, false)) == NULL) {
        ret = sign_fail(OTA_E_NOMEM, "add");
        goto out;
    }
    int nfiles = argc - optind;
    if (nfiles < 1) {
        help(stderr);
        goto out;
    }
    if (path_opt && nfiles != 1) {
        ret = sign_error(SX_USAGE, "--path names one target; give one FILE");
        goto out;
    }
    size_t plen = strlen(prefix);
    if (plen > 0 && prefix[plen - 1] != '/') {
        ret = sign_error(SX_USAGE, "--prefix must end with '/'");
        goto out;
    }
    if (custom_text != NULL &&
        (ota_json_parse((const uint8_t *) custom_text, strlen(custom_text), 65536, &custom) !=
         OTA_OK)) {
        ret = sign_error(SX_USAGE, "--custom must be a JSON object");
        goto out;
    }
    if (json_object_get(custom, "ota_bundle") != NULL ||
        json_object_get(custom, "ota_release") != NULL) {
        ret = sign_error(SX_USAGE, "--custom may not set ota_bundle (it comes from the bundle) "
                                   "or ota_release (use --channel, --rollout, ota-sign release)");
        goto out;
    }

    for (int i = optind; i < argc; i++)
        if ((ret = check_regular(argv[i])) != SX_OK)
            goto out;
    repo r;
    ret = common_open(&co, &r, false);
    ota_err rc = OTA_OK;
    char *path = malloc(OTA_MAX_PATH_LEN + 2);
    json_t *done = json_array(); /* what to report once published */
    /* The new entries of each role (by index in r.roles), put into its
     * metadata at once after the loop: one refresh, one canonical encoding
     * and one signature per command, whatever the number of files. */
    json_t **adds = ret == SX_OK ? calloc(r.nroles, sizeof *adds) : NULL;
    if ((done == NULL || adds == NULL) && ret == SX_OK)
        ret = sign_fail(OTA_E_NOMEM, "add");
    if (path == NULL && ret == SX_OK)
        ret = sign_fail(OTA_E_NOMEM, "add");
    for (int i = optind; ret == SX_OK && i < argc; i++) {
        const char *file = argv[i];
        const char *base = strrchr(file, '/') ? strrchr(file, '/') + 1 : file;
        int n = snprintf(path, OTA_MAX_PATH_LEN + 2, "%s%s", path_opt ? "" : prefix,
                         path_opt ? path_opt : base);
        if (n < 0 || (size_t) n >= OTA_MAX_PATH_LEN + 2 || !repo_target_path_ok(path)) {
            ret = sign_error(SX_INPUT,
                             "'%s' is not an acceptable target path (relative, no '.', '..', "
                             "hidden or empty segments, no backslashes or control characters)",
                             path);
            break;
        }
        repo_role *role = repo_role_for_path(&r, path);
        if (role_opt != NULL && (role == NULL || strcmp(role->name, role_opt) != 0)) {
            ret = sign_error(SX_INPUT,
                             "%s belongs to role '%s', not '%s' (clients would not find it there)",
                             path, role ? role->name : "?", role_opt);
            break;
        }
        /* a bundle's targets entry carries its version, hardware and the
         * trusted hash of its head: the root of trust for streaming installs */
        json_t *bundle = NULL;
        rc = ota_bundle_target_custom(file, &bundle);
        if (rc != OTA_OK && rc != OTA_E_FORMAT) {
            ret = sign_fail(rc, "%s is a damaged bundle", file);
            break;
        }
        if (bundle == NULL && policy_given) {
            ret = sign_error(SX_USAGE, "%s is not an update bundle: --channel and --rollout "
                                       "apply to bundles only",
                             file);
            break;
        }
        if (bundle != NULL &&
            json_object_set_new(bundle, "ota_release", json_deep_copy(release)) != 0) {
            json_decref(bundle);
            ret = sign_fail(OTA_E_NOMEM, "%s", file);
            break;
        }
        uint64_t length = 0;
        uint8_t sha256[32];
        char hex[65];
        if ((rc = repo_stage_target_file(&r, path, file, &length, sha256)) != OTA_OK) {
            json_decref(bundle);
            ret = sign_fail(rc, "%s", file);
            break;
        }
        ota_hex_encode(sha256, sizeof sha256, hex);
        json_t *entry = json_pack("{s:I, s:{s:s}}", "length", (json_int_t) length, "hashes",
                                  "sha256", hex);
        json_t *cust = bundle ? bundle : json_object();
        if (custom != NULL)
            json_object_update(cust, custom);
        if (bundle != NULL)
            printf("%s: bundle %s\n", path,
                   json_string_value(json_object_get(json_object_get(cust, "ota_bundle"),
                                                     "version")));
        if (json_object_size(cust) > 0)
            json_object_set(entry, "custom", cust);
        json_decref(cust);
        size_t ri = (size_t) (role - r.roles);
        json_t *targets = json_object_get(role->md->signed_obj, "targets");
        bool replaced = json_object_get(adds[ri], path) != NULL ||
                        json_object_get(targets, path) != NULL;
        if ((adds[ri] == NULL && (adds[ri] = json_object()) == NULL) ||
            json_object_set_new(adds[ri], path, entry) != 0) {
            ret = sign_fail(OTA_E_NOMEM, "%s", path);
            break;
        }
        json_array_append_new(done, json_pack("{s:b, s:s, s:I, s:s}", "replaced", replaced,
                                              "path", path, "length", (json_int_t) length,
                                              "role", role->name));
    }
    for (size_t k = 0; ret == SX_OK && adds != NULL && k < r.nroles; k++) {
        repo_role *role = &r.roles[k];
        if (adds[k] == NULL)
            continue;
        if ((rc = repo_set_targets(&r, role, adds[k])) != OTA_OK)
            ret = sign_fail(rc, "role %s", role->name);
    }
    if (ret == SX_OK) {
        ret = sign_and_publish(&r);
    }
    size_t i;
    json_t *d;
    json_array_foreach(done, i, d)
    {
        if (ret != SX_OK && ret != SX_THRESHOLD)
            break;
        bool replaced = json_is_true(json_object_get(d, "replaced"));
        printf("%s%s %s (%lld bytes) in role %s%s\n", ret == SX_OK ? "" : "staged: ",
               replaced ? "replaced" : "added", json_string_value(json_object_get(d, "path")),
               (long long) json_integer_value(json_object_get(d, "length")),
               json_string_value(json_object_get(d, "role")),
               ret == SX_OK ? "" : " (not published yet)");
    }
    json_decref(done);
    for (size_t k = 0; adds != NULL && k < r.nroles; k++)
        json_decref(adds[k]);
    free(adds);
    free(path);
    repo_close(&r);
out:
    json_decref(channels);
    json_decref(custom);
    json_decref(release);
    return ret;
}
