/* SPDX-License-Identifier: Apache-2.0 */
/*
 * boot_uboot.c — the U-Boot backend with RAUC's variables:
 *
 *   BOOT_ORDER      the bootnames in the order the boot script tries them
 *                   ("A B"); missing or empty: the configured order.
 *   BOOT_<x>_LEFT   boot attempts left for x; the script decrements it
 *                   before each start of x and skips x at 0; missing or
 *                   empty: the configured attempts (the scripts' `test -n`
 *                   sets 3).
 *
 * Read: `fw_printenv [-c CONFIG]` (every variable, one listing).  Write:
 * every changed variable in ONE `fw_setenv [-c CONFIG] -s FILE` call, FILE
 * holding `name=value` lines (a private 0700 directory, the file created
 * O_EXCL 0600, both removed afterwards), then the listing is read again and
 * every variable set is compared: some fw_setenv builds (libubootenv-tool
 * 0.3.2 in Debian 12) ignore lines they do not understand and exit 0.
 * The verbs are boot_ordered.c's; this file describes the environment.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "boot_int.h"

#define VARLEN (OTA_BOOT_NAME_MAX + 16)

static void
left_var(char *out, const char *bootname)
{
    snprintf(out, VARLEN, "BOOT_%s_LEFT", bootname);
}

/* argv[k..]: `-c CONFIG` when one is set; the next free index. */
static size_t
config_args(const otac_boot *b, const char **argv, size_t k)
{
    if (b->fw_env_config != NULL) {
        argv[k++] = "-c";
        argv[k++] = b->fw_env_config;
    }
    return k;
}

static ota_err
ub_list_argv(const otac_boot *b, const char **argv, char *err)
{
    (void) err;
    argv[0] = b->fw_printenv;
    (void) config_args(b, argv, 1);
    return OTA_OK;
}

/* BOOT_x_LEFT > 0; empty reads as unset (the script tests with `test -n`),
 * unset as the configured attempts. */
static ota_err
ub_slot_good(const otac_boot *b, const otac_env *env, const char *x, bool *good, char *err)
{
    const char *value = NULL;
    char var[VARLEN];
    unsigned left = 0;
    left_var(var, x);
    ota_err rc = otac_env_get(env, var, &value, err);
    if (rc == OTA_OK && value[0] == '\0')
        rc = OTA_E_NOT_FOUND;
    if (rc == OTA_E_NOT_FOUND) {
        left = b->attempts;
        rc = OTA_OK;
    } else if (rc == OTA_OK && !otac_parse_count(value, &left)) {
        otac_boot_msg(err, "%s=\"%.40s\" is not an attempt count", var, value);
        rc = OTA_E_BOOT;
    }
    *good = left > 0;
    return rc;
}

/* want += BOOT_x_LEFT = attempts (good) or 0 (bad) */
static ota_err
ub_want_slot(const otac_boot *b, otac_env *want, const char *x, bool good)
{
    char var[VARLEN], count[8];
    left_var(var, x);
    snprintf(count, sizeof count, "%u", good ? b->attempts : 0u);
    return otac_env_set(want, var, count);
}

/* The script file: a private directory, the file O_EXCL 0600. */
static ota_err
write_script(const otac_env *changes, char *dir, size_t dircap, char *file, size_t filecap,
             char *err)
{
    const char *tmp = getenv("TMPDIR");
    if (tmp == NULL || tmp[0] != '/' || strlen(tmp) > 512)
        tmp = "/tmp";
    snprintf(dir, dircap, "%s/ota-boot.XXXXXX", tmp);
    if (mkdtemp(dir) == NULL) {
        otac_boot_msg(err, "cannot create a private directory in %s: %s", tmp, strerror(errno));
        dir[0] = '\0';
        return OTA_E_BOOT;
    }
    snprintf(file, filecap, "%s/env", dir);
    int fd = open(file, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
        otac_boot_msg(err, "%s: %s", file, strerror(errno));
        file[0] = '\0';
        return OTA_E_BOOT;
    }
    FILE *f = fdopen(fd, "w");
    if (f == NULL) {
        otac_boot_msg(err, "%s: %s", file, strerror(errno));
        close(fd);
        return OTA_E_BOOT;
    }
    bool ok = true;
    for (size_t i = 0; i < changes->n; i++)
        ok = ok && fprintf(f, "%s=%s\n", changes->v[i].name, changes->v[i].value) > 0;
    ok = fflush(f) == 0 && ok;
    ok = fclose(f) == 0 && ok;
    if (!ok) {
        otac_boot_msg(err, "%s: cannot write", file);
        return OTA_E_BOOT;
    }
    return OTA_OK;
}

/* Every variable of changes in one fw_setenv -s call. */
static ota_err
ub_write(const otac_boot *b, const otac_env *changes, const char **writer, char *err)
{
    char *dir = calloc(1, 1024), *file = calloc(1, 1024); /* "" until made: see out */
    ota_err rc = OTA_E_NOMEM;
    if (dir == NULL || file == NULL) {
        otac_boot_msg(err, "out of memory");
        goto out;
    }
    dir[0] = file[0] = '\0';
    if ((rc = write_script(changes, dir, 1024, file, 1024, err)) != OTA_OK)
        goto out;
    const char *argv[6] = {b->fw_setenv, NULL, NULL, NULL, NULL, NULL};
    size_t k = config_args(b, argv, 1);
    argv[k++] = "-s";
    argv[k++] = file;
    otac_run_result r;
    *writer = b->fw_setenv;
    rc = otac_run_ok(argv, NULL, b->timeout_ms, false, &r, err);
out:
    if (file != NULL && file[0] != '\0')
        (void) unlink(file);
    if (dir != NULL && dir[0] != '\0')
        (void) rmdir(dir);
    free(file);
    free(dir);
    return rc;
}

const otac_ordered_env otac_uboot_env = {
    .order_var = "BOOT_ORDER",
    .empty_order_unset = true,
    .no_primary = "no slot in BOOT_ORDER has attempts left",
    .list_argv = ub_list_argv,
    .write = ub_write,
    .slot_good = ub_slot_good,
    .want_slot = ub_want_slot,
};
