/* SPDX-License-Identifier: Apache-2.0 */
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
            "\n" COMMON_HELP STAGE_HELP);
}

int
cmd_remove(int argc, char **argv)
{
    common_opts co = {0};
    int pr = common_parse_only(argc, argv, &co, help, 1);
    if (pr >= 0)
        return pr;
    repo r;
    int ret = common_open(&co, &r, false);
    for (int i = optind; ret == SX_OK && i < argc; i++) {
        const char *path = argv[i];
        repo_role *role = repo_role_for_path(&r, path);
        if (role == NULL || ota_md_find_target(role->md, path) == NULL) {
            ret = sign_error(SX_NOTFOUND, "%s is not a target of this repository", path);
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
        ret = sign_and_publish(&r);
    }
    repo_close(&r);
    return ret;
}
