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

typedef struct ub_view {
    otac_env env;
    char *orderbuf;
    const char *order[OTAC_BOOT_MAX_ORDER];
    size_t norder;
    unsigned left[OTAC_BOOT_MAX_SLOTS];
} ub_view;

static void
left_var(char *out, const char *bootname)
{
    snprintf(out, VARLEN, "BOOT_%s_LEFT", bootname);
}

static void
view_free(ub_view *v)
{
    otac_env_free(&v->env);
    free(v->orderbuf);
    v->orderbuf = NULL;
}

static ota_err
env_read(const otac_boot *b, otac_env *env, char *err)
{
    const char *argv[4] = {b->fw_printenv, NULL, NULL, NULL};
    otac_run_result r;
    if (b->fw_env_config != NULL) {
        argv[1] = "-c";
        argv[2] = b->fw_env_config;
    }
    ota_err rc = otac_run_ok(argv, NULL, b->timeout_ms, true, &r, err);
    if (rc != OTA_OK)
        return rc;
    rc = otac_env_parse(r.out, r.len, env);
    free(r.out);
    if (rc != OTA_OK)
        otac_boot_msg(err, "out of memory");
    return rc;
}

static ota_err
view_load(const otac_boot *b, ub_view *v, char *err)
{
    const char *value = NULL;
    char var[VARLEN];
    memset(v, 0, sizeof *v);
    ota_err rc = env_read(b, &v->env, err);
    if (rc != OTA_OK)
        return rc;
    /* empty reads as unset: the script tests with `test -n` */
    rc = otac_env_get(&v->env, "BOOT_ORDER", &value, err);
    if (rc == OTA_OK && value[0] == '\0')
        rc = OTA_E_NOT_FOUND;
    if (rc == OTA_OK) {
        rc = otac_split_order(value, &v->orderbuf, v->order, OTAC_BOOT_MAX_ORDER, &v->norder,
                              err);
    } else if (rc == OTA_E_NOT_FOUND) {
        for (size_t i = 0; i < b->nnames; i++)
            v->order[i] = b->names[i];
        v->norder = b->nnames;
        rc = OTA_OK;
    }
    for (size_t i = 0; rc == OTA_OK && i < b->nnames; i++) {
        left_var(var, b->names[i]);
        rc = otac_env_get(&v->env, var, &value, err);
        if (rc == OTA_OK && value[0] == '\0')
            rc = OTA_E_NOT_FOUND;
        if (rc == OTA_E_NOT_FOUND) {
            v->left[i] = b->attempts;
            rc = OTA_OK;
        } else if (rc == OTA_OK && !otac_parse_count(value, &v->left[i])) {
            otac_boot_msg(err, "%s=\"%.40s\" is not an attempt count", var, value);
            rc = OTA_E_BOOT;
        }
    }
    if (rc != OTA_OK)
        view_free(v);
    return rc;
}

static bool
view_good(const otac_boot *b, const ub_view *v, int idx)
{
    return v->left[idx] > 0 && otac_order_has(v->order, v->norder, b->names[idx]);
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

/* Set every variable of want (those that differ from cur) in one
 * fw_setenv call, then read back and compare. */
static ota_err
env_commit(const otac_boot *b, const otac_env *cur, const otac_env *want, char *err)
{
    otac_env changes = {0}, got = {0};
    char *dir = malloc(1024), *file = malloc(1024);
    ota_err rc = OTA_E_NOMEM;
    if (dir == NULL || file == NULL) {
        otac_boot_msg(err, "out of memory");
        goto out;
    }
    dir[0] = file[0] = '\0';
    if ((rc = otac_env_changes(cur, want, &changes)) != OTA_OK) {
        otac_boot_msg(err, "out of memory");
        goto out;
    }
    if (changes.n == 0) /* already so: no write at all */
        goto out;
    if ((rc = write_script(&changes, dir, 1024, file, 1024, err)) != OTA_OK)
        goto out;
    const char *argv[6] = {b->fw_setenv, NULL, NULL, NULL, NULL, NULL};
    size_t k = 1;
    if (b->fw_env_config != NULL) {
        argv[k++] = "-c";
        argv[k++] = b->fw_env_config;
    }
    argv[k++] = "-s";
    argv[k++] = file;
    otac_run_result r;
    if ((rc = otac_run_ok(argv, NULL, b->timeout_ms, false, &r, err)) != OTA_OK)
        goto out;
    if ((rc = env_read(b, &got, err)) != OTA_OK)
        goto out;
    rc = otac_env_verify(&got, want, b->fw_setenv, err);
out:
    if (file != NULL && file[0] != '\0')
        (void) unlink(file);
    if (dir != NULL && dir[0] != '\0')
        (void) rmdir(dir);
    free(file);
    free(dir);
    otac_env_free(&changes);
    otac_env_free(&got);
    return rc;
}

static ota_err
ub_get_primary(void *user, char bootname[OTA_BOOT_NAME_MAX], char *err)
{
    otac_boot *b = user;
    ub_view v;
    if (bootname == NULL) {
        otac_boot_msg(err, "no bootname buffer");
        return OTA_E_ARG;
    }
    ota_err rc = view_load(b, &v, err);
    if (rc != OTA_OK)
        return rc;
    rc = OTA_E_BOOT;
    otac_boot_msg(err, "no slot in BOOT_ORDER has attempts left");
    for (size_t i = 0; i < v.norder; i++) {
        int idx = otac_boot_index(b, v.order[i]);
        if (idx >= 0 && view_good(b, &v, idx)) {
            snprintf(bootname, OTA_BOOT_NAME_MAX, "%s", b->names[idx]);
            if (err != NULL)
                err[0] = '\0';
            rc = OTA_OK;
            break;
        }
    }
    view_free(&v);
    return rc;
}

static ota_err
ub_set_primary(void *user, const char *bootname, char *err)
{
    otac_boot *b = user;
    ub_view v;
    otac_env want = {0};
    char var[VARLEN], count[8];
    char *order = NULL;
    ota_err rc = otac_boot_check_name(b, bootname, err);
    if (rc != OTA_OK)
        return rc;
    if ((rc = view_load(b, &v, err)) != OTA_OK)
        return rc;
    left_var(var, bootname);
    snprintf(count, sizeof count, "%u", b->attempts);
    order = otac_order_first(v.order, v.norder, bootname);
    if (order == NULL || otac_env_set(&want, var, count) != OTA_OK ||
        otac_env_set(&want, "BOOT_ORDER", order) != OTA_OK) {
        otac_boot_msg(err, "out of memory");
        rc = OTA_E_NOMEM;
        goto out;
    }
    rc = env_commit(b, &v.env, &want, err);
out:
    free(order);
    otac_env_free(&want);
    view_free(&v);
    return rc;
}

static ota_err
ub_get_state(void *user, const char *bootname, ota_slot_state *state, char *err)
{
    otac_boot *b = user;
    ub_view v;
    ota_err rc = otac_boot_check_name(b, bootname, err);
    if (rc != OTA_OK)
        return rc;
    if (state == NULL) {
        otac_boot_msg(err, "no state pointer");
        return OTA_E_ARG;
    }
    if ((rc = view_load(b, &v, err)) != OTA_OK)
        return rc;
    *state = view_good(b, &v, otac_boot_index(b, bootname)) ? OTA_SLOT_GOOD : OTA_SLOT_BAD;
    view_free(&v);
    return OTA_OK;
}

static ota_err
ub_set_state(void *user, const char *bootname, ota_slot_state state, char *err)
{
    otac_boot *b = user;
    ub_view v;
    otac_env want = {0};
    char var[VARLEN], count[8];
    char *order = NULL;
    ota_err rc = otac_boot_check_name(b, bootname, err);
    if (rc != OTA_OK)
        return rc;
    if (state != OTA_SLOT_GOOD && state != OTA_SLOT_BAD) {
        otac_boot_msg(err, "state %d is neither good nor bad", (int) state);
        return OTA_E_ARG;
    }
    if ((rc = view_load(b, &v, err)) != OTA_OK)
        return rc;
    left_var(var, bootname);
    snprintf(count, sizeof count, "%u", state == OTA_SLOT_GOOD ? b->attempts : 0u);
    /* good: bootable again, so listed in BOOT_ORDER (appended when absent) */
    bool append = state == OTA_SLOT_GOOD && !otac_order_has(v.order, v.norder, bootname);
    if (otac_env_set(&want, var, count) != OTA_OK ||
        (append && ((order = otac_order_with(v.order, v.norder, bootname)) == NULL ||
                    otac_env_set(&want, "BOOT_ORDER", order) != OTA_OK))) {
        otac_boot_msg(err, "out of memory");
        rc = OTA_E_NOMEM;
        goto out;
    }
    rc = env_commit(b, &v.env, &want, err);
out:
    free(order);
    otac_env_free(&want);
    view_free(&v);
    return rc;
}

void
otac_boot_uboot_ops(ota_boot_ops *ops)
{
    ops->get_primary = ub_get_primary;
    ops->set_primary = ub_set_primary;
    ops->get_state = ub_get_state;
    ops->set_state = ub_set_state;
}
