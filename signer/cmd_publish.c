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
    static const struct option opts[] = {COMMON_OPTIONS, {NULL, 0, NULL, 0}};
    common_opts co = {.allow_expired_root = true};
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
    if (optind != argc) {
        help(stderr);
        return SX_USAGE;
    }
    repo r;
    int ret = common_open(&co, &r, true);
    size_t count = 0;
    ota_err rc = OTA_OK;
    if (ret == SX_OK && (rc = repo_load_staged(&r, &count)) != OTA_OK)
        ret = sign_exit_code(rc);
    if (ret == SX_OK && count == 0) {
        printf("nothing staged in %s\n", co.repo ? co.repo : ".");
    } else if (ret == SX_OK) {
        rc = repo_sign_changed(&r);
        ret = rc == OTA_OK || rc == OTA_E_SIGNATURE ? publish_exit(repo_publish(&r))
                                                      : sign_exit_code(rc);
    }
    repo_close(&r);
    return ret;
}
