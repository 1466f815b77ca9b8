/* SPDX-License-Identifier: Apache-2.0 */
/* ota-sign publish: publish staged metadata once its thresholds are met. */
#include <stdio.h>

#include "cli.h"
#include "common.h"

static void
help(FILE *out)
{
    fprintf(out,
            "usage: ota-sign publish [-r REPO] -k KEY...\n"
            "\n"
            "Publishes what 'init', 'add', 'rotate' or 'delegate' staged because a threshold\n"
            "could not be met on one machine, once 'ota-sign sign' has collected the\n"
            "signatures.  Signs with any keys given (typically the online snapshot and\n"
            "timestamp keys), checks every threshold (a new root against the old root's\n"
            "keys and its own), then publishes as usual.  Exit 5 and nothing published\n"
            "while a threshold is still short.\n"
            "\n" COMMON_HELP);
}

int
cmd_publish(int argc, char **argv)
{
    common_opts co = {.allow_expired_root = true};
    int pr = common_parse_only(argc, argv, &co, help, 0);
    if (pr >= 0)
        return pr;
    repo r;
    int ret = common_open(&co, &r, true);
    size_t count = 0;
    ota_err rc = OTA_OK;
    if (ret == SX_OK && (rc = repo_load_staged(&r, &count)) != OTA_OK)
        ret = sign_exit_code(rc);
    if (ret == SX_OK && count == 0) {
        printf("nothing staged in %s\n", co.repo ? co.repo : ".");
    } else if (ret == SX_OK) {
        ret = sign_and_publish(&r);
    }
    repo_close(&r);
    return ret;
}
