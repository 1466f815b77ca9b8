/* SPDX-License-Identifier: Apache-2.0 */
/* ota-sign timestamp / snapshot: re-sign with a new expiry (cron, online keys). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "common.h"
#include "ota_atomic.h"

static void
help(FILE *out, const char *cmd)
{
    bool ts = strcmp(cmd, "timestamp") == 0;
    fprintf(out,
            "usage: ota-sign %s [-r REPO] -k KEY [--expires DUR]\n"
            "\n"
            "%s\n"
            "For cron, 'ota-sign renew' re-signs timestamp and snapshot when they are\n"
            "due; staged changes waiting for offline signatures are left alone.\n"
            "\n"
            "      --expires DUR     validity from now (default: the repository's setting)\n"
            COMMON_HELP,
            cmd,
            ts ? "Publishes a new timestamp.json (version + 1, new expiry) naming the same\n"
                 "snapshot, signed with the timestamp key(s).  Refused (exit 5) when that\n"
                 "snapshot has expired: renew both ('ota-sign renew')."
               : "Publishes a new snapshot (version + 1, new expiry) and timestamp, signed\n"
                 "with the snapshot and timestamp keys.");
}

static int
run(int argc, char **argv, bool ts)
{
    enum { O_EXPIRES = 0x300 };
    static const struct option opts[] = {
        COMMON_OPTIONS,
        {"expires", required_argument, NULL, O_EXPIRES},
        {NULL, 0, NULL, 0},
    };
    common_opts co = {0};
    int64_t expires = 0;
    int c, h;
    while ((c = getopt_long(argc, argv, COMMON_SHORT, opts, NULL)) != -1) {
        if ((h = common_opt(&co, c, optarg)) < 0)
            return SX_USAGE;
        if (h)
            continue;
        if (c == O_EXPIRES) {
            if (parse_duration(optarg, &expires) != OTA_OK)
                return sign_error(SX_USAGE, "bad duration '%s' (e.g. 1d, 12h)", optarg);
            continue;
        }
        if (c == 'h') {
            help(stdout, argv[0]);
            return SX_OK;
        }
        help(stderr, argv[0]);
        return SX_USAGE;
    }
    if (optind != argc) {
        help(stderr, argv[0]);
        return SX_USAGE;
    }
    repo r;
    int ret = common_open(&co, &r, true);
    if (ret != SX_OK) {
        repo_close(&r);
        return ret;
    }
    ota_err rc;
    if (r.timestamp == NULL) {
        repo_close(&r);
        return sign_error(SX_THRESHOLD, "nothing published yet: the first root is staged");
    }
    if (expires > 0)
        r.expires[ts ? OTA_ROLE_TIMESTAMP : OTA_ROLE_SNAPSHOT] = expires;
    if (!ts) {
        ret = keys_check_needed(&r, NEED_SNAPSHOT | NEED_TIMESTAMP);
        if (ret == SX_OK)
            ret = publish_exit(repo_publish(&r));
        repo_close(&r);
        return ret;
    }
    if ((ret = keys_check_needed(&r, NEED_TIMESTAMP)) != SX_OK) {
        repo_close(&r);
        return ret;
    }
    rc = repo_publish_timestamp(&r);
    if (rc == OTA_OK) {
        printf("published: timestamp v%lld, expires %s\n", (long long) r.timestamp->version,
               json_string_value(json_object_get(r.timestamp->signed_obj, "expires")));
        ret = SX_OK;
    } else if (rc == OTA_E_SIGNATURE)
        ret = sign_error(SX_KEY, "timestamp not published: its key is needed (--key)");
    else if (rc == OTA_E_EXPIRED)
        ret = SX_EXPIRED;
    else
        ret = sign_fail(rc, "timestamp not published");
    repo_close(&r);
    return ret;
}

int
cmd_timestamp(int argc, char **argv)
{
    return run(argc, argv, true);
}

int
cmd_snapshot(int argc, char **argv)
{
    return run(argc, argv, false);
}
