/* SPDX-License-Identifier: Apache-2.0 */
/*
 * boot.c — the switch-backend API (ota/boot.h): settings checked and
 * copied, the backend chosen, bootnames, and the booted slot from the
 * kernel command line.  The backends themselves live in boot_*.c.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "abi.h"
#include "boot_int.h"
#include "ota_util.h"

void
otac_boot_msg(char *err, const char *fmt, ...)
{
    va_list ap;
    if (err == NULL)
        return;
    va_start(ap, fmt);
    int n = vsnprintf(err, OTA_BOOT_ERRLEN, fmt, ap);
    va_end(ap);
    if (n < 0)
        err[0] = '\0';
    for (char *p = err; *p != '\0'; p++)
        if ((unsigned char) *p < 0x20 || *p == 0x7f)
            *p = ' ';
}

bool
ota_boot_name_ok(const char *s)
{
    size_t i = 0;
    if (s == NULL || s[0] == '-')
        return false;
    for (; s[i] != '\0'; i++) {
        char c = s[i];
        bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                  c == '_' || c == '-';
        if (!ok || i + 1 >= OTA_BOOT_NAME_MAX)
            return false;
    }
    return i > 0;
}

int
otac_boot_index(const otac_boot *b, const char *bootname)
{
    if (!ota_boot_name_ok(bootname))
        return -1;
    for (size_t i = 0; i < b->nnames; i++)
        if (strcmp(b->names[i], bootname) == 0)
            return (int) i;
    return -1;
}

ota_err
otac_boot_check_name(const otac_boot *b, const char *bootname, char *err)
{
    if (!ota_boot_name_ok(bootname)) {
        otac_boot_msg(err, "invalid bootname");
        return OTA_E_ARG;
    }
    if (otac_boot_index(b, bootname) < 0) {
        otac_boot_msg(err, "unknown bootname \"%s\"", bootname);
        return OTA_E_ARG;
    }
    return OTA_OK;
}

ota_err
otac_boot_check_get(const otac_boot *b, const char *bootname, const ota_slot_state *state,
                    char *err)
{
    ota_err rc = otac_boot_check_name(b, bootname, err);
    if (rc != OTA_OK)
        return rc;
    if (state == NULL) {
        otac_boot_msg(err, "no state pointer");
        return OTA_E_ARG;
    }
    return OTA_OK;
}

ota_err
otac_boot_check_set(const otac_boot *b, const char *bootname, ota_slot_state state, char *err)
{
    ota_err rc = otac_boot_check_name(b, bootname, err);
    if (rc != OTA_OK)
        return rc;
    if (state != OTA_SLOT_GOOD && state != OTA_SLOT_BAD) {
        otac_boot_msg(err, "state %d is neither good nor bad", (int) state);
        return OTA_E_ARG;
    }
    return OTA_OK;
}

/* ---- settings --------------------------------------------------------------- */

static void
free_strv(char **v, size_t n)
{
    if (v == NULL)
        return;
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

static void
boot_release(void *user)
{
    otac_boot *b = user;
    if (b == NULL)
        return;
    free_strv(b->names, b->nnames);
    free_strv(b->targets, b->nnames);
    free(b->link);
    free(b->fw_env_config);
    free(b->fw_printenv);
    free(b->fw_setenv);
    free(b->grubenv);
    free(b->grub_editenv);
    free(b->program);
    free(b);
}

/* *dst = copy of src, or of def when src is NULL (NULL stays NULL when def
 * is NULL too).  An empty string is refused: OTA_E_ARG. */
static ota_err
copy_opt(char **dst, const char *src, const char *def, const char *what, char *err)
{
    const char *s = src != NULL ? src : def;
    *dst = NULL;
    if (s == NULL)
        return OTA_OK;
    if (s[0] == '\0') {
        otac_boot_msg(err, "%s is empty", what);
        return OTA_E_ARG;
    }
    *dst = strdup(s);
    if (*dst == NULL) {
        otac_boot_msg(err, "out of memory");
        return OTA_E_NOMEM;
    }
    return OTA_OK;
}

static ota_err
copy_names(otac_boot *b, const ota_boot_config *c, char *err)
{
    if (c->bootnames == NULL || c->nbootnames == 0) {
        otac_boot_msg(err, "no bootnames");
        return OTA_E_ARG;
    }
    if (c->nbootnames > OTAC_BOOT_MAX_SLOTS) {
        otac_boot_msg(err, "more than %u bootnames", OTAC_BOOT_MAX_SLOTS);
        return OTA_E_ARG;
    }
    b->names = calloc(c->nbootnames, sizeof *b->names);
    if (b->names == NULL) {
        otac_boot_msg(err, "out of memory");
        return OTA_E_NOMEM;
    }
    b->nnames = c->nbootnames;
    for (size_t i = 0; i < c->nbootnames; i++) {
        if (!ota_boot_name_ok(c->bootnames[i])) {
            otac_boot_msg(err, "bootname %zu is not [A-Za-z0-9_-]{1,31} (nor starts with '-')",
                          i);
            return OTA_E_ARG;
        }
        for (size_t j = 0; j < i; j++) {
            if (strcmp(c->bootnames[i], c->bootnames[j]) == 0) {
                otac_boot_msg(err, "bootname \"%s\" given twice", c->bootnames[i]);
                return OTA_E_ARG;
            }
        }
        if ((b->names[i] = strdup(c->bootnames[i])) == NULL) {
            otac_boot_msg(err, "out of memory");
            return OTA_E_NOMEM;
        }
    }
    return OTA_OK;
}

static ota_err
copy_backend(otac_boot *b, const ota_boot_config *c, char *err)
{
    ota_err rc = OTA_OK;
    switch (b->kind) {
    case OTAC_BOOT_KIND_SYMLINK:
        if (c->link == NULL || c->link_targets == NULL) {
            otac_boot_msg(err, "symlink backend: link and link_targets are required");
            return OTA_E_ARG;
        }
        if ((rc = copy_opt(&b->link, c->link, NULL, "link", err)) != OTA_OK)
            return rc;
        if (b->link[strlen(b->link) - 1] == '/') {
            otac_boot_msg(err, "link \"%s\" ends with '/'", b->link);
            return OTA_E_ARG;
        }
        b->targets = calloc(b->nnames, sizeof *b->targets);
        if (b->targets == NULL) {
            otac_boot_msg(err, "out of memory");
            return OTA_E_NOMEM;
        }
        for (size_t i = 0; i < b->nnames; i++) {
            if (c->link_targets[i] == NULL) {
                otac_boot_msg(err, "no link target for bootname \"%s\"", b->names[i]);
                return OTA_E_ARG;
            }
            if (strlen(c->link_targets[i]) >= 4096) {
                otac_boot_msg(err, "link target for \"%s\" is too long", b->names[i]);
                return OTA_E_ARG;
            }
            if ((rc = copy_opt(&b->targets[i], c->link_targets[i], NULL, "link target", err)))
                return rc;
            for (size_t j = 0; j < i; j++) {
                if (strcmp(b->targets[i], b->targets[j]) == 0) {
                    otac_boot_msg(err, "two bootnames share link target \"%s\"", b->targets[i]);
                    return OTA_E_ARG;
                }
            }
        }
        return OTA_OK;
    case OTAC_BOOT_KIND_UBOOT:
        if ((rc = copy_opt(&b->fw_env_config, c->fw_env_config, NULL, "fw_env_config", err)) ||
            (rc = copy_opt(&b->fw_printenv, c->fw_printenv, "fw_printenv", "fw_printenv", err)) ||
            (rc = copy_opt(&b->fw_setenv, c->fw_setenv, "fw_setenv", "fw_setenv", err)))
            return rc;
        b->ordered = &otac_uboot_env;
        return OTA_OK;
    case OTAC_BOOT_KIND_GRUB:
        if ((rc = copy_opt(&b->grubenv, c->grubenv, OTAC_BOOT_GRUBENV, "grubenv", err)) ||
            (rc = copy_opt(&b->grub_editenv, c->grub_editenv, "grub-editenv", "grub_editenv",
                           err)))
            return rc;
        if (b->grubenv[0] == '-') { /* would read as an option of grub-editenv */
            otac_boot_msg(err, "grubenv \"%s\" starts with '-'", b->grubenv);
            return OTA_E_ARG;
        }
        b->ordered = &otac_grub_env;
        return OTA_OK;
    case OTAC_BOOT_KIND_CUSTOM:
        if (c->program == NULL) {
            otac_boot_msg(err, "custom backend: program is required");
            return OTA_E_ARG;
        }
        return copy_opt(&b->program, c->program, NULL, "program", err);
    default:
        return OTA_E_ARG;
    }
}

ota_err
ota_boot_new(const ota_boot_config *cfg, ota_boot_ops *out, char *err)
{
    ota_boot_config c;
    otac_boot *b = NULL;
    ota_err rc = OTA_E_ARG;

    if (err != NULL)
        err[0] = '\0';
    if (cfg == NULL || out == NULL) {
        otac_boot_msg(err, "no settings or no table");
        return OTA_E_ARG;
    }
    /* the growth rule (abi.h) */
    if (otac_struct_in(&c, sizeof c, cfg, cfg->size, OTAC_MIN_BOOT_CONFIG, "ota_boot_config",
                       err, err != NULL ? OTA_BOOT_ERRLEN : 0) != OTA_OK ||
        otac_struct_out_ok(out->size, OTAC_MIN_BOOT_OPS, "ota_boot_ops", err,
                           err != NULL ? OTA_BOOT_ERRLEN : 0) != OTA_OK)
        return OTA_E_ARG;

    b = calloc(1, sizeof *b);
    if (b == NULL) {
        otac_boot_msg(err, "out of memory");
        return OTA_E_NOMEM;
    }
    if (c.backend == NULL) {
        otac_boot_msg(err, "no backend");
        goto out;
    } else if (strcmp(c.backend, "symlink") == 0) {
        b->kind = OTAC_BOOT_KIND_SYMLINK;
    } else if (strcmp(c.backend, "uboot") == 0) {
        b->kind = OTAC_BOOT_KIND_UBOOT;
    } else if (strcmp(c.backend, "grub") == 0) {
        b->kind = OTAC_BOOT_KIND_GRUB;
    } else if (strcmp(c.backend, "custom") == 0) {
        b->kind = OTAC_BOOT_KIND_CUSTOM;
    } else {
        otac_boot_msg(err, "unknown backend \"%.40s\" (symlink, uboot, grub or custom)",
                      c.backend);
        goto out;
    }
    if (c.attempts > 9999) {
        otac_boot_msg(err, "attempts %u: more than 9999", c.attempts);
        goto out;
    }
    b->attempts = c.attempts != 0 ? c.attempts : OTAC_BOOT_ATTEMPTS;
    b->timeout_ms = c.timeout_ms != 0 ? c.timeout_ms : OTAC_BOOT_TIMEOUT_MS;
    if ((rc = copy_names(b, &c, err)) != OTA_OK || (rc = copy_backend(b, &c, err)) != OTA_OK)
        goto out;

    ota_boot_ops ops;
    memset(&ops, 0, sizeof ops);
    ops.size = sizeof ops;
    switch (b->kind) {
    case OTAC_BOOT_KIND_SYMLINK: otac_boot_symlink_ops(&ops); break;
    case OTAC_BOOT_KIND_UBOOT:
    case OTAC_BOOT_KIND_GRUB: otac_boot_ordered_ops(&ops); break;
    default: otac_boot_custom_ops(&ops); break;
    }
    ops.user = b;
    ops.release = boot_release;
    otac_struct_out(out, out->size, &ops, sizeof ops);
    b = NULL;
    rc = OTA_OK;
out:
    boot_release(b);
    return rc;
}

void
ota_boot_free(ota_boot_ops *ops)
{
    if (ops == NULL || ops->size < OTAC_MIN_BOOT_OPS)
        return;
    if (ops->release != NULL)
        ops->release(ops->user);
    size_t keep = ops->size; /* the caller's: nothing past it is written */
    memset(ops, 0, keep < sizeof *ops ? keep : sizeof *ops);
    ops->size = keep;
}

/* ---- the booted slot ------------------------------------------------------ */

static bool
is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\0';
}

ota_err
ota_boot_booted(const char *cmdline, char bootname[OTA_BOOT_NAME_MAX])
{
    uint8_t *buf = NULL;
    size_t len = 0;
    static const char ota_key[] = "ota.slot=", rauc_key[] = "rauc.slot=";
    const char *ota_v = NULL, *rauc_v = NULL;
    size_t ota_n = 0, rauc_n = 0;

    if (bootname == NULL)
        return OTA_E_ARG;
    bootname[0] = '\0';
    ota_err rc = ota_file_read(cmdline != NULL ? cmdline : "/proc/cmdline",
                               OTAC_BOOT_CMDLINE_MAX, &buf, &len);
    if (rc != OTA_OK) {
        if (rc == OTA_E_LIMIT)
            return OTA_E_FORMAT;
        return rc == OTA_E_NOMEM ? OTA_E_NOMEM : OTA_E_IO;
    }
    const char *s = (const char *) buf;
    size_t i = 0;
    while (i < len) {
        while (i < len && is_space(s[i]))
            i++;
        size_t start = i;
        while (i < len && !is_space(s[i]))
            i++;
        size_t wlen = i - start;
        /* the last occurrence counts, as the kernel's own parameters do */
        if (wlen >= sizeof ota_key - 1 && memcmp(s + start, ota_key, sizeof ota_key - 1) == 0) {
            ota_v = s + start + sizeof ota_key - 1;
            ota_n = wlen - (sizeof ota_key - 1);
        } else if (wlen >= sizeof rauc_key - 1 &&
                   memcmp(s + start, rauc_key, sizeof rauc_key - 1) == 0) {
            rauc_v = s + start + sizeof rauc_key - 1;
            rauc_n = wlen - (sizeof rauc_key - 1);
        }
    }
    const char *v = ota_v != NULL ? ota_v : rauc_v;
    size_t n = ota_v != NULL ? ota_n : rauc_n;
    if (v == NULL) {
        rc = OTA_E_NOT_FOUND;
        goto out;
    }
    rc = OTA_E_FORMAT;
    if (n == 0 || n >= OTA_BOOT_NAME_MAX)
        goto out;
    memcpy(bootname, v, n);
    bootname[n] = '\0';
    if (!ota_boot_name_ok(bootname)) {
        bootname[0] = '\0';
        goto out;
    }
    rc = OTA_OK;
out:
    free(buf);
    return rc;
}
