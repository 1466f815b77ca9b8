/* SPDX-License-Identifier: Apache-2.0 */
/* ota-sign discard: drop staged changes (metadata and their target files). */
#include <stdio.h>

#include "cli.h"
#include "common.h"

static void
help(FILE *out)
{
    fprintf(out,
            "usage: ota-sign discard [-r REPO]\n"
            "\n"
            "Drops everything staged in REPO/.ota/staged/ — metadata waiting for\n"
            "signatures and the target files it names — so that other changes can go\n"
            "ahead.  The published repository is not touched.  A staged first root (an\n"
            "init waiting for signatures) is not dropped: remove the directory and run\n"
            "init again.\n"
            "\n"
            "  -r, --repo DIR            the repository (default: current directory)\n");
}

int
cmd_discard(int argc, char **argv)
{
    common_opts co = {.allow_expired_root = true};
    int pr = common_parse_only(argc, argv, &co, help, 0);
    if (pr >= 0)
        return pr;
    if (co.nkeys > 0)
        return sign_error(SX_USAGE, "discard needs no keys");
    repo r;
    int ret = common_open(&co, &r, true);
    size_t count = 0;
    ota_err rc = OTA_OK;
    if (ret == SX_OK && r.root == NULL)
        ret = sign_error(SX_INPUT, "the first root of %s is staged: there is nothing to go back "
                                   "to; remove the directory and run 'ota-sign init' again",
                         r.dir);
    if (ret == SX_OK && (rc = repo_load_staged(&r, &count)) != OTA_OK)
        ret = sign_exit_code(rc);
    if (ret == SX_OK) {
        for (size_t i = 0; i < r.nroles; i++)
            if (r.roles[i].changed)
                printf("discarded: %s v%lld\n", r.roles[i].name,
                       (long long) r.roles[i].md->version);
        if (r.root_changed)
            printf("discarded: root v%lld\n", (long long) r.root->version);
        repo_clear_staged(&r);
        if (count == 0)
            printf("nothing staged in %s\n", r.dir);
    }
    repo_close(&r);
    return ret;
}
