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
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "boot_int.h"

#define VARLEN (OTA_BOOT_NAME_MAX + 8)

typedef struct gr_view {
    otac_env env;
    char *orderbuf;
    const char *order[OTAC_BOOT_MAX_ORDER];
    size_t norder;
    bool ok[OTAC_BOOT_MAX_SLOTS];
    bool tried[OTAC_BOOT_MAX_SLOTS];
} gr_view;

static void
view_free(gr_view *v)
{
    otac_env_free(&v->env);
    free(v->orderbuf);
    v->orderbuf = NULL;
}

static ota_err
env_read(const otac_boot *b, otac_env *env, char *err)
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
    const char *argv[] = {b->grub_editenv, b->grubenv, "list", NULL};
    otac_run_result r;
    ota_err rc = otac_run_ok(argv, NULL, b->timeout_ms, true, &r, err);
    if (rc != OTA_OK)
        return rc;
    rc = otac_env_parse(r.out, r.len, env);
    free(r.out);
    if (rc != OTA_OK)
        otac_boot_msg(err, "out of memory");
    return rc;
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

static ota_err
view_load(const otac_boot *b, gr_view *v, char *err)
{
    const char *value = NULL;
    memset(v, 0, sizeof *v);
    ota_err rc = env_read(b, &v->env, err);
    if (rc != OTA_OK)
        return rc;
    rc = otac_env_get(&v->env, "ORDER", &value, err);
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
        rc = get_flag(&v->env, b->names[i], "OK", &v->ok[i], err);
        if (rc == OTA_OK)
            rc = get_flag(&v->env, b->names[i], "TRY", &v->tried[i], err);
    }
    if (rc != OTA_OK)
        view_free(v);
    return rc;
}

static bool
view_good(const otac_boot *b, const gr_view *v, int idx)
{
    return v->ok[idx] && !v->tried[idx] && otac_order_has(v->order, v->norder, b->names[idx]);
}

/* Set the variables of want that differ from cur in one grub-editenv call,
 * then list again and compare. */
static ota_err
env_commit(const otac_boot *b, const otac_env *cur, const otac_env *want, char *err)
{
    otac_env changes = {0}, got = {0};
    const char **argv = NULL;
    char **pairs = NULL;
    ota_err rc = otac_env_changes(cur, want, &changes);
    if (rc != OTA_OK) {
        otac_boot_msg(err, "out of memory");
        goto out;
    }
    if (changes.n == 0)
        goto out;
    rc = OTA_E_NOMEM;
    argv = calloc(changes.n + 4, sizeof *argv);
    pairs = calloc(changes.n, sizeof *pairs);
    if (argv == NULL || pairs == NULL) {
        otac_boot_msg(err, "out of memory");
        goto out;
    }
    argv[0] = b->grub_editenv;
    argv[1] = b->grubenv;
    argv[2] = "set";
    for (size_t i = 0; i < changes.n; i++) {
        size_t n = strlen(changes.v[i].name) + strlen(changes.v[i].value) + 2;
        if ((pairs[i] = malloc(n)) == NULL) {
            otac_boot_msg(err, "out of memory");
            goto out;
        }
        snprintf(pairs[i], n, "%s=%s", changes.v[i].name, changes.v[i].value);
        argv[3 + i] = pairs[i];
    }
    otac_run_result r;
    if ((rc = otac_run_ok(argv, NULL, b->timeout_ms, false, &r, err)) != OTA_OK)
        goto out;
    if ((rc = env_read(b, &got, err)) != OTA_OK)
        goto out;
    rc = otac_env_verify(&got, want, b->grub_editenv, err);
out:
    if (pairs != NULL)
        for (size_t i = 0; i < changes.n; i++)
            free(pairs[i]);
    free(pairs);
    free(argv);
    otac_env_free(&changes);
    otac_env_free(&got);
    return rc;
}

static ota_err
gr_get_primary(void *user, char bootname[OTA_BOOT_NAME_MAX], char *err)
{
    otac_boot *b = user;
    gr_view v;
    if (bootname == NULL) {
        otac_boot_msg(err, "no bootname buffer");
        return OTA_E_ARG;
    }
    ota_err rc = view_load(b, &v, err);
    if (rc != OTA_OK)
        return rc;
    rc = OTA_E_BOOT;
    otac_boot_msg(err, "no slot in ORDER has <x>_OK=1 and <x>_TRY=0");
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

/* want += x_OK=ok, x_TRY=0 */
static ota_err
want_flags(otac_env *want, const char *x, bool ok)
{
    char var[VARLEN];
    snprintf(var, sizeof var, "%s_OK", x);
    if (otac_env_set(want, var, ok ? "1" : "0") != OTA_OK)
        return OTA_E_NOMEM;
    snprintf(var, sizeof var, "%s_TRY", x);
    return otac_env_set(want, var, "0");
}

static ota_err
gr_set_primary(void *user, const char *bootname, char *err)
{
    otac_boot *b = user;
    gr_view v;
    otac_env want = {0};
    char *order = NULL;
    ota_err rc = otac_boot_check_name(b, bootname, err);
    if (rc != OTA_OK)
        return rc;
    if ((rc = view_load(b, &v, err)) != OTA_OK)
        return rc;
    /* an empty ORDER boots nothing; the new one lists every slot */
    if (v.norder == 0) {
        for (size_t i = 0; i < b->nnames; i++)
            v.order[i] = b->names[i];
        v.norder = b->nnames;
    }
    order = otac_order_first(v.order, v.norder, bootname);
    if (order == NULL || want_flags(&want, bootname, true) != OTA_OK ||
        otac_env_set(&want, "ORDER", order) != OTA_OK) {
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
gr_get_state(void *user, const char *bootname, ota_slot_state *state, char *err)
{
    otac_boot *b = user;
    gr_view v;
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
gr_set_state(void *user, const char *bootname, ota_slot_state state, char *err)
{
    otac_boot *b = user;
    gr_view v;
    otac_env want = {0};
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
    bool append = state == OTA_SLOT_GOOD && !otac_order_has(v.order, v.norder, bootname);
    if (want_flags(&want, bootname, state == OTA_SLOT_GOOD) != OTA_OK ||
        (append && ((order = otac_order_with(v.order, v.norder, bootname)) == NULL ||
                    otac_env_set(&want, "ORDER", order) != OTA_OK))) {
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
otac_boot_grub_ops(ota_boot_ops *ops)
{
    ops->get_primary = gr_get_primary;
    ops->set_primary = gr_set_primary;
    ops->get_state = gr_get_state;
    ops->set_state = gr_set_state;
}
