/* ota-sign remove: remove targets, then publish. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "common.h"

static void
help(FILE *out)
{
    fprintf(out,
            "usage: ota-sign remove [-r REPO] -k KEY... PATH...\n"
            "\n"
            "Removes each target PATH from the metadata of the role that holds it and\n"
            "publishes new targets, snapshot and timestamp metadata.  The target files stay\n"
            "on disk, because clients in the middle of an update may still fetch them.\n"
            "\n" COMMON_HELP);
}

int
cmd_remove(int argc, char **argv)
{
    static const struct option opts[] = {COMMON_OPTIONS, {NULL, 0, NULL, 0}};
    common_opts co = {0};
    int c, h;
    while ((c = getopt_long(argc, argv, COMMON_SHORT, opts, NULL)) != -1) {
        if ((h = common_opt(&co, c, optarg)) < 0)
            return SX_USAGE;
        if (h)
            continue;
        if (c == 'h') {
            help(stdout);
            return SX_OK;
        }
        help(stderr);
        return SX_USAGE;
    }
    if (optind >= argc) {
        help(stderr);
        return SX_USAGE;
    }
    repo r;
    int ret = common_open(&co, &r, false);
    for (int i = optind; ret == SX_OK && i < argc; i++) {
        const char *path = argv[i];
        repo_role *role = repo_role_for_path(&r, path);
        if (role == NULL || ota_md_find_target(role->md, path) == NULL) {
            ret = sign_error(SX_INPUT, "%s is not a target of this repository", path);
            break;
        }
        ota_err rc = repo_edit_role(&r, role);
        if (rc == OTA_OK) {
            json_object_del(json_object_get(role->md->signed_obj, "targets"), path);
            rc = ota_md_refresh(role->md);
        }
        if (rc != OTA_OK)
            ret = sign_fail(rc, "%s", path);
        else
            printf("removed %s from role %s\n", path, role->name);
    }
    if (ret == SX_OK) {
        ota_err rc = repo_sign_changed(&r);
        ret = rc == OTA_OK || rc == OTA_E_SIGNATURE ? publish_exit(repo_publish(&r))
                                                      : sign_exit_code(rc);
    }
    repo_close(&r);
    return ret;
}
