/* SPDX-License-Identifier: Apache-2.0 */
/*
 * boot_ordered.c — the verbs of a bootloader whose environment holds a slot
 * order and per-slot variables (U-Boot, GRUB), once for both; each backend
 * file only describes its environment (otac_ordered_env, boot_int.h).
 *
 * A verb lists every variable once and takes a view: the order (missing:
 * the configured one) and whether each configured slot is good by its own
 * variables.  The primary is the first slot of the order that is good and
 * in it.  A change builds the variables it wants — the slot's, then the
 * order when it moves — and writes those that differ from the listing in ONE
 * call of the backend's writing program (none when nothing differs), then
 * lists again and compares every wanted variable.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "boot_int.h"

typedef struct ord_view {
    otac_env env;
    char *orderbuf;
    const char *order[OTAC_BOOT_MAX_ORDER];
    size_t norder;
    bool good[OTAC_BOOT_MAX_SLOTS];
} ord_view;

static void
view_free(ord_view *v)
{
    otac_env_free(&v->env);
    free(v->orderbuf);
    v->orderbuf = NULL;
}

static void
view_configured_order(const otac_boot *b, ord_view *v)
{
    for (size_t i = 0; i < b->nnames; i++)
        v->order[i] = b->names[i];
    v->norder = b->nnames;
}

static ota_err
env_read(const otac_boot *b, otac_env *env, char *err)
{
    const char *argv[4] = {NULL, NULL, NULL, NULL};
    otac_run_result r;
    ota_err rc = b->ordered->list_argv(b, argv, err);
    if (rc != OTA_OK)
        return rc;
    if ((rc = otac_run_ok(argv, NULL, b->timeout_ms, true, &r, err)) != OTA_OK)
        return rc;
    rc = otac_env_parse(r.out, r.len, env);
    free(r.out);
    if (rc != OTA_OK)
        otac_boot_msg(err, "out of memory");
    return rc;
}

static ota_err
view_load(const otac_boot *b, ord_view *v, char *err)
{
    const otac_ordered_env *d = b->ordered;
    const char *value = NULL;
    memset(v, 0, sizeof *v);
    ota_err rc = env_read(b, &v->env, err);
    if (rc != OTA_OK)
        return rc;
    rc = otac_env_get(&v->env, d->order_var, &value, err);
    if (rc == OTA_OK && value[0] == '\0' && d->empty_order_unset)
        rc = OTA_E_NOT_FOUND;
    if (rc == OTA_OK) {
        rc = otac_split_order(value, &v->orderbuf, v->order, OTAC_BOOT_MAX_ORDER, &v->norder,
                              err);
    } else if (rc == OTA_E_NOT_FOUND) {
        view_configured_order(b, v);
        rc = OTA_OK;
    }
    for (size_t i = 0; rc == OTA_OK && i < b->nnames; i++)
        rc = d->slot_good(b, &v->env, b->names[i], &v->good[i], err);
    if (rc != OTA_OK)
        view_free(v);
    return rc;
}

static bool
view_good(const otac_boot *b, const ord_view *v, int idx)
{
    return v->good[idx] && otac_order_has(v->order, v->norder, b->names[idx]);
}

/* Set the variables of want that differ from cur in one write, then list
 * again and compare. */
static ota_err
env_commit(const otac_boot *b, const otac_env *cur, const otac_env *want, char *err)
{
    otac_env changes = {0}, got = {0};
    const char *writer = NULL;
    ota_err rc = otac_env_changes(cur, want, &changes);
    if (rc != OTA_OK) {
        otac_boot_msg(err, "out of memory");
        goto out;
    }
    if (changes.n == 0) /* already so: no write at all */
        goto out;
    if ((rc = b->ordered->write(b, &changes, &writer, err)) != OTA_OK)
        goto out;
    if ((rc = env_read(b, &got, err)) != OTA_OK)
        goto out;
    rc = otac_env_verify(&got, want, writer, err);
out:
    otac_env_free(&changes);
    otac_env_free(&got);
    return rc;
}

/* x good or bad in one write; primary: x first in the order (set_primary),
 * else a good x appended to the order when it is missing. */
static ota_err
change(const otac_boot *b, const char *x, bool good, bool primary, char *err)
{
    const otac_ordered_env *d = b->ordered;
    ord_view v;
    otac_env want = {0};
    char *order = NULL;
    ota_err rc = view_load(b, &v, err);
    if (rc != OTA_OK)
        return rc;
    /* GRUB: an empty ORDER boots nothing; the new one lists every slot */
    if (primary && v.norder == 0 && d->empty_order_fill)
        view_configured_order(b, &v);
    bool reorder = primary || (good && !otac_order_has(v.order, v.norder, x));
    if (reorder)
        order = primary ? otac_order_first(v.order, v.norder, x)
                        : otac_order_with(v.order, v.norder, x);
    if ((reorder && order == NULL) || d->want_slot(b, &want, x, good) != OTA_OK ||
        (reorder && otac_env_set(&want, d->order_var, order) != OTA_OK)) {
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
ord_get_primary(void *user, char bootname[OTA_BOOT_NAME_MAX], char *err)
{
    otac_boot *b = user;
    ord_view v;
    if (bootname == NULL) {
        otac_boot_msg(err, "no bootname buffer");
        return OTA_E_ARG;
    }
    ota_err rc = view_load(b, &v, err);
    if (rc != OTA_OK)
        return rc;
    rc = OTA_E_BOOT;
    otac_boot_msg(err, "%s", b->ordered->no_primary);
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
ord_set_primary(void *user, const char *bootname, char *err)
{
    otac_boot *b = user;
    ota_err rc = otac_boot_check_name(b, bootname, err);
    if (rc != OTA_OK)
        return rc;
    return change(b, bootname, true, true, err);
}

static ota_err
ord_get_state(void *user, const char *bootname, ota_slot_state *state, char *err)
{
    otac_boot *b = user;
    ord_view v;
    ota_err rc = otac_boot_check_get(b, bootname, state, err);
    if (rc != OTA_OK)
        return rc;
    if ((rc = view_load(b, &v, err)) != OTA_OK)
        return rc;
    *state = view_good(b, &v, otac_boot_index(b, bootname)) ? OTA_SLOT_GOOD : OTA_SLOT_BAD;
    view_free(&v);
    return OTA_OK;
}

static ota_err
ord_set_state(void *user, const char *bootname, ota_slot_state state, char *err)
{
    otac_boot *b = user;
    ota_err rc = otac_boot_check_set(b, bootname, state, err);
    if (rc != OTA_OK)
        return rc;
    return change(b, bootname, state == OTA_SLOT_GOOD, false, err);
}

void
otac_boot_ordered_ops(ota_boot_ops *ops)
{
    ops->get_primary = ord_get_primary;
    ops->set_primary = ord_set_primary;
    ops->get_state = ord_get_state;
    ops->set_state = ord_set_state;
}
