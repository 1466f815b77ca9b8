/* SPDX-License-Identifier: Apache-2.0 */
/*
 * otaboot — a command line over libotaclient's switch backends
 * (ota/boot.h), for the shell suites and for trying a boot integration by
 * hand.  Every option maps to one field of ota_boot_config.
 *
 *   otaboot --backend uboot|grub|symlink|custom [--slot NAME[=DIR]]...
 *           [--fw-config F] [--fw-printenv P] [--fw-setenv P]
 *           [--grubenv F] [--grub-editenv P] [--link L] [--program P]
 *           [--attempts N] [--timeout-ms N]
 *           get-primary | set-primary X | get-state X | set-state X good|bad
 *   otaboot booted [--cmdline FILE]
 *
 * Slots default to A and B (symlink: --slot A=DIR --slot B=DIR).  get-*
 * and booted print one word.  Exit codes: 0 ok, 1 refused (the ota_err name
 * and the backend's message on stderr), 2 usage.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ota/boot.h"
#include "ota_util.h"

#define MAX_SLOTS 16

static int
usage(void)
{
    fprintf(stderr,
            "usage: otaboot --backend uboot|grub|symlink|custom [--slot NAME[=DIR]]...\n"
            "               [--fw-config F] [--fw-printenv P] [--fw-setenv P]\n"
            "               [--grubenv F] [--grub-editenv P] [--link L] [--program P]\n"
            "               [--attempts N] [--timeout-ms N]\n"
            "               get-primary | set-primary X | get-state X | set-state X good|bad\n"
            "       otaboot booted [--cmdline FILE]\n");
    return 2;
}

static int
fail(ota_err rc, const char *msg)
{
    fprintf(stderr, "otaboot: %s: %s\n", ota_err_name(rc), msg[0] ? msg : ota_strerror(rc));
    return 1;
}

static bool
parse_uint(const char *s, unsigned *out)
{
    uint64_t v;
    if (ota_parse_u64(s, 0, UINT32_MAX, &v) != OTA_OK)
        return false;
    *out = (unsigned) v;
    return true;
}

int
main(int argc, char **argv)
{
    ota_boot_config c = {.size = sizeof c};
    const char *names[MAX_SLOTS], *targets[MAX_SLOTS], *cmdline = NULL;
    char *slotbuf[MAX_SLOTS];
    size_t n = 0, nbuf = 0;
    int i = 1, ret = 2;

    for (; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
        const char *o = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (v == NULL)
            return usage();
        i++;
        if (strcmp(o, "--backend") == 0) {
            c.backend = v;
        } else if (strcmp(o, "--slot") == 0) {
            if (n == MAX_SLOTS || (slotbuf[n] = strdup(v)) == NULL)
                return usage();
            nbuf = n + 1;
            char *eq = strchr(slotbuf[n], '=');
            if (eq != NULL)
                *eq = '\0';
            names[n] = slotbuf[n];
            targets[n] = eq != NULL ? eq + 1 : NULL;
            n++;
        } else if (strcmp(o, "--fw-config") == 0) {
            c.fw_env_config = v;
        } else if (strcmp(o, "--fw-printenv") == 0) {
            c.fw_printenv = v;
        } else if (strcmp(o, "--fw-setenv") == 0) {
            c.fw_setenv = v;
        } else if (strcmp(o, "--grubenv") == 0) {
            c.grubenv = v;
        } else if (strcmp(o, "--grub-editenv") == 0) {
            c.grub_editenv = v;
        } else if (strcmp(o, "--link") == 0) {
            c.link = v;
        } else if (strcmp(o, "--program") == 0) {
            c.program = v;
        } else if (strcmp(o, "--cmdline") == 0) {
            cmdline = v;
        } else if (strcmp(o, "--attempts") == 0) {
            if (!parse_uint(v, &c.attempts))
                return usage();
        } else if (strcmp(o, "--timeout-ms") == 0) {
            if (!parse_uint(v, &c.timeout_ms))
                return usage();
        } else {
            return usage();
        }
    }
    if (i >= argc)
        return usage();
    const char *cmd = argv[i++];
    char err[OTA_BOOT_ERRLEN] = "";
    char name[OTA_BOOT_NAME_MAX];

    /* booted: no backend needed (options may come after the verb too) */
    if (strcmp(cmd, "booted") == 0) {
        if (i + 1 < argc && strcmp(argv[i], "--cmdline") == 0)
            cmdline = argv[i + 1], i += 2;
        if (i != argc)
            return usage();
        ota_err rc = ota_boot_booted(cmdline, name);
        if (rc != OTA_OK)
            return fail(rc, "");
        printf("%s\n", name);
        return 0;
    }
    if (n == 0) {
        names[0] = "A";
        names[1] = "B";
        targets[0] = targets[1] = NULL;
        n = 2;
    }
    c.bootnames = names;
    c.nbootnames = n;
    c.link_targets = targets;

    ota_boot_ops ops = {.size = sizeof ops};
    ota_err rc = ota_boot_new(&c, &ops, err);
    if (rc != OTA_OK) {
        ret = fail(rc, err);
        goto out;
    }
    if (strcmp(cmd, "get-primary") == 0 && i == argc) {
        rc = ops.get_primary(ops.user, name, err);
        if (rc == OTA_OK)
            printf("%s\n", name);
    } else if (strcmp(cmd, "set-primary") == 0 && i + 1 == argc) {
        rc = ops.set_primary(ops.user, argv[i], err);
    } else if (strcmp(cmd, "get-state") == 0 && i + 1 == argc) {
        ota_slot_state st = OTA_SLOT_BAD;
        rc = ops.get_state(ops.user, argv[i], &st, err);
        if (rc == OTA_OK)
            printf("%s\n", st == OTA_SLOT_GOOD ? "good" : "bad");
    } else if (strcmp(cmd, "set-state") == 0 && i + 2 == argc &&
               (strcmp(argv[i + 1], "good") == 0 || strcmp(argv[i + 1], "bad") == 0)) {
        rc = ops.set_state(ops.user, argv[i],
                           strcmp(argv[i + 1], "good") == 0 ? OTA_SLOT_GOOD : OTA_SLOT_BAD, err);
    } else {
        ret = usage();
        goto out;
    }
    ret = rc == OTA_OK ? 0 : fail(rc, err);
out:
    ota_boot_free(&ops);
    for (size_t k = 0; k < nbuf; k++)
        free(slotbuf[k]);
    return ret;
}
