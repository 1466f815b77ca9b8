/* SPDX-License-Identifier: Apache-2.0 */
/*
 * boot_grub.c — the GRUB backend with RAUC's variables:
 *
 *   ORDER     the bootnames in the order grub.cfg tries them ("A B");
 *             missing: the configured order (grub.cfg's default); empty:
 *             none (set_primary then writes every configured slot).
 *   <x>_OK    1: x may be started; missing: 0 (RAUC's grub.cfg sets every
 *             x_OK=0 before load_env).
 *   <x>_TRY   1: x's one trial start has been spent (grub.cfg sets it
 *             before starting x; marking x good resets it); missing: 0.
 *
 * GRUB has no arithmetic, so a slot gets one attempt: x is bootable when
 * x_OK=1 and x_TRY=0 — the meaning of "good" and "primary" here.
 *
 * Read: `grub-editenv FILE list` (a missing FILE is refused rather than
 * created by the listing).  Write: every changed variable in ONE
 * `grub-editenv FILE set A=1 B=2 ...` call, then listed again and compared.
 * The verbs are boot_ordered.c's; this file describes the environment.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "boot_int.h"

#define VARLEN (OTA_BOOT_NAME_MAX + 8)

/* `grub-editenv FILE list`, FILE a regular file that exists. */
static ota_err
gr_list_argv(const otac_boot *b, const char **argv, char *err)
{
    struct stat st;
    if (stat(b->grubenv, &st) != 0) {
        otac_boot_msg(err, "GRUB environment %s: %s%s", b->grubenv, strerror(errno),
                      errno == ENOENT ? " (create it with grub-editenv FILE create)" : "");
        return OTA_E_BOOT;
    }
    if (!S_ISREG(st.st_mode)) {
        otac_boot_msg(err, "GRUB environment %s is not a regular file", b->grubenv);
        return OTA_E_BOOT;
    }
    argv[0] = b->grub_editenv;
    argv[1] = b->grubenv;
    argv[2] = "list";
    return OTA_OK;
}

/* A 0/1 flag: missing is 0; anything but a number is refused. */
static ota_err
get_flag(const otac_env *env, const char *bootname, const char *suffix, bool *out, char *err)
{
    char var[VARLEN];
    const char *value = NULL;
    unsigned n = 0;
    snprintf(var, sizeof var, "%s_%s", bootname, suffix);
    ota_err rc = otac_env_get(env, var, &value, err);
    if (rc == OTA_E_NOT_FOUND) {
        *out = false;
        return OTA_OK;
    }
    if (rc != OTA_OK)
        return rc;
    if (!otac_parse_count(value, &n)) {
        otac_boot_msg(err, "%s=\"%.40s\" is not a number", var, value);
        return OTA_E_BOOT;
    }
    /* as grub.cfg tests them: [ "$OK" -eq 1 ], [ "$TRY" -eq 0 ] */
    *out = strcmp(suffix, "OK") == 0 ? n == 1 : n != 0;
    return OTA_OK;
}

/* x_OK=1 and x_TRY=0 */
static ota_err
gr_slot_good(const otac_boot *b, const otac_env *env, const char *x, bool *good, char *err)
{
    bool ok = false, tried = false;
    (void) b;
    ota_err rc = get_flag(env, x, "OK", &ok, err);
    if (rc == OTA_OK)
        rc = get_flag(env, x, "TRY", &tried, err);
    *good = ok && !tried;
    return rc;
}

/* want += x_OK=1 (good) or 0 (bad), x_TRY=0 */
static ota_err
gr_want_slot(const otac_boot *b, otac_env *want, const char *x, bool good)
{
    char var[VARLEN];
    (void) b;
    snprintf(var, sizeof var, "%s_OK", x);
    if (otac_env_set(want, var, good ? "1" : "0") != OTA_OK)
        return OTA_E_NOMEM;
    snprintf(var, sizeof var, "%s_TRY", x);
    return otac_env_set(want, var, "0");
}

/* Every variable of changes in one `grub-editenv FILE set A=1 B=2 ...`. */
static ota_err
gr_write(const otac_boot *b, const otac_env *changes, const char **writer, char *err)
{
    const char **argv = calloc(changes->n + 4, sizeof *argv);
    char **pairs = calloc(changes->n, sizeof *pairs);
    ota_err rc = OTA_E_NOMEM;
    if (argv == NULL || pairs == NULL) {
        otac_boot_msg(err, "out of memory");
        goto out;
    }
    argv[0] = b->grub_editenv;
    argv[1] = b->grubenv;
    argv[2] = "set";
    for (size_t i = 0; i < changes->n; i++) {
        size_t n = strlen(changes->v[i].name) + strlen(changes->v[i].value) + 2;
        if ((pairs[i] = malloc(n)) == NULL) {
            otac_boot_msg(err, "out of memory");
            goto out;
        }
        snprintf(pairs[i], n, "%s=%s", changes->v[i].name, changes->v[i].value);
        argv[3 + i] = pairs[i];
    }
    otac_run_result r;
    *writer = b->grub_editenv;
    rc = otac_run_ok(argv, NULL, b->timeout_ms, false, &r, err);
out:
    if (pairs != NULL)
        for (size_t i = 0; i < changes->n; i++)
            free(pairs[i]);
    free(pairs);
    free(argv);
    return rc;
}

const otac_ordered_env otac_grub_env = {
    .order_var = "ORDER",
    .empty_order_fill = true,
    .no_primary = "no slot in ORDER has <x>_OK=1 and <x>_TRY=0",
    .list_argv = gr_list_argv,
    .write = gr_write,
    .slot_good = gr_slot_good,
    .want_slot = gr_want_slot,
};
