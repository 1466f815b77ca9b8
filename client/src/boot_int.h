/* SPDX-License-Identifier: Apache-2.0 */
/*
 * boot_int.h — the switch backends' shared internals (prefix otac_boot_),
 * not installed.  boot.c holds the public API and the settings; one file per
 * built-in backend (boot_symlink.c, boot_uboot.c, boot_grub.c,
 * boot_custom.c) fills an ota_boot_ops with its four verbs — U-Boot and GRUB
 * through boot_ordered.c, which holds their shared verbs, each backend file
 * only describing its environment; run.c runs helper programs; boot_env.c
 * parses and holds `name=value` listings.
 */
#ifndef OTAC_BOOT_INT_H
#define OTAC_BOOT_INT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include "ota/boot.h"

/* Defaults of ota_boot_config. */
#define OTAC_BOOT_ATTEMPTS 3u
#define OTAC_BOOT_TIMEOUT_MS 30000u
#define OTAC_BOOT_FW_ENV_CONFIG "/etc/fw_env.config"
#define OTAC_BOOT_GRUBENV "/boot/grub/grubenv"

/* The kernel command line (the kernel's own limit is 2–4 KiB on common
 * architectures; 64 KiB leaves room for any) and the symlink state file. */
#define OTAC_BOOT_CMDLINE_MAX (64u * 1024u)
#define OTAC_BOOT_STATE_MAX 4096u
/* Slots per backend; more is refused (OTA_E_ARG).  A slot order read from
 * an environment may also name slots we do not manage (a rescue slot "R"):
 * up to OTAC_BOOT_MAX_ORDER names in all. */
#define OTAC_BOOT_MAX_SLOTS 16u
#define OTAC_BOOT_MAX_ORDER 32u

struct otac_ordered_env;

/* One backend instance: the copied settings (all strings owned). */
typedef struct otac_boot {
    int kind; /* OTAC_BOOT_KIND_* */
    const struct otac_ordered_env *ordered; /* uboot, grub: the environment's shape */
    char **names;
    size_t nnames;
    char *link;
    char **targets;
    char *fw_env_config; /* NULL: the tools' own default */
    char *fw_printenv;
    char *fw_setenv;
    char *grubenv;
    char *grub_editenv;
    char *program;
    unsigned attempts;
    unsigned timeout_ms;
} otac_boot;

enum { OTAC_BOOT_KIND_SYMLINK = 1, OTAC_BOOT_KIND_UBOOT, OTAC_BOOT_KIND_GRUB,
       OTAC_BOOT_KIND_CUSTOM };

/* Message into err[OTA_BOOT_ERRLEN] (err may be NULL): one line — control
 * characters become spaces — cut to fit. */
void otac_boot_msg(char *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Index of bootname in b->names, or -1 (also for an invalid name). */
int otac_boot_index(const otac_boot *b, const char *bootname);

/* The verbs' common start: bootname valid and configured (OTA_E_ARG and a
 * message otherwise). */
ota_err otac_boot_check_name(const otac_boot *b, const char *bootname, char *err);

/* get_state's: the name as above, then state not NULL; set_state's: the
 * name, then state good or bad (OTA_E_ARG and a message otherwise). */
ota_err otac_boot_check_get(const otac_boot *b, const char *bootname, const ota_slot_state *state,
                            char *err);
ota_err otac_boot_check_set(const otac_boot *b, const char *bootname, ota_slot_state state,
                            char *err);

#include "run.h"

/* ---- name=value listings (boot_env.c) ----------------------------------- */

typedef struct otac_var {
    char *name;
    char *value;
} otac_var;

typedef struct otac_env {
    otac_var *v;
    size_t n;
} otac_env;

/* Parse `name=value` lines (fw_printenv, grub-editenv list).  Lines without
 * '=' are skipped (continuations of multi-line values).  OTA_E_NOMEM. */
ota_err otac_env_parse(const char *text, size_t len, otac_env *env);

/* The value of name: OTA_OK (*value set), OTA_E_NOT_FOUND, or OTA_E_BOOT
 * when name appears more than once (ambiguous: fail closed). */
ota_err otac_env_get(const otac_env *env, const char *name, const char **value, char *err);

/* Set name=value in the list (replacing or appending).  OTA_E_NOMEM. */
ota_err otac_env_set(otac_env *env, const char *name, const char *value);

void otac_env_free(otac_env *env);

/* Parse a decimal attempt counter ("0".."9999", no sign, no spaces). */
bool otac_parse_count(const char *s, unsigned *out);

/* Split a space-separated order (BOOT_ORDER, ORDER) into at most max names:
 * every token must pass ota_boot_name_ok (OTA_E_BOOT otherwise); repeated
 * names are kept once.  *n gets the count; names point into a malloc'd copy
 * returned in *buf (free it). */
ota_err otac_split_order(const char *order, char **buf, const char **names, size_t max,
                         size_t *n, char *err);

/* Join names with single spaces into a malloc'd string (NULL: no memory). */
char *otac_join_order(const char *const *names, size_t n);

/* True when x is one of order[n]. */
bool otac_order_has(const char *const *order, size_t n, const char *x);

/* The order as a string with x moved (or put) first / with x appended when
 * it is missing; malloc'd, NULL: no memory. */
char *otac_order_first(const char *const *order, size_t n, const char *x);
char *otac_order_with(const char *const *order, size_t n, const char *x);

/* Into *changes, the variables of want whose value in cur differs or is
 * missing.  OTA_E_NOMEM. */
ota_err otac_env_changes(const otac_env *cur, const otac_env *want, otac_env *changes);

/* Every variable of want has exactly its value in got (read back after a
 * write by tool): OTA_E_BOOT with a message naming the first mismatch. */
ota_err otac_env_verify(const otac_env *got, const otac_env *want, const char *tool, char *err);

/* ---- ordered environments: U-Boot and GRUB (boot_ordered.c) ------------- */

/*
 * What one bootloader's environment looks like; boot_ordered.c does the
 * rest, the same for both: list every variable, take the order (order_var)
 * and each configured slot's own good/bad (slot_good), the primary being the
 * first slot of the order that is good; a change builds the variables it
 * wants (want_slot, then order_var when the order changes), writes those
 * that differ in ONE call (write; none when nothing differs), then lists
 * again and compares.
 */
typedef struct otac_ordered_env {
    const char *order_var;  /* "BOOT_ORDER", "ORDER" */
    bool empty_order_unset; /* an empty order reads as missing: the configured one */
    bool empty_order_fill;  /* set_primary on an order naming no slot lists every configured one */
    const char *no_primary; /* get_primary's message when no slot of the order is good */
    /* The listing program's argv[4] (after any check of the storage). */
    ota_err (*list_argv)(const otac_boot *b, const char **argv, char *err);
    /* Every variable of changes in one call of the writing program, named
     * in *writer (for a read-back mismatch). */
    ota_err (*write)(const otac_boot *b, const otac_env *changes, const char **writer,
                     char *err);
    /* Whether configured slot x reads good by its own variables (the order
     * aside); a value that is not a number is OTA_E_BOOT. */
    ota_err (*slot_good)(const otac_boot *b, const otac_env *env, const char *x, bool *good,
                         char *err);
    /* Into want, the variables making x good (a fresh budget) or bad:
     * OTA_E_NOMEM. */
    ota_err (*want_slot)(const otac_boot *b, otac_env *want, const char *x, bool good);
} otac_ordered_env;

extern const otac_ordered_env otac_uboot_env; /* boot_uboot.c */
extern const otac_ordered_env otac_grub_env;  /* boot_grub.c */

/* ---- the backends ------------------------------------------------------- */

void otac_boot_symlink_ops(ota_boot_ops *ops);
/* uboot and grub: the verbs of boot_ordered.c (b->ordered says which). */
void otac_boot_ordered_ops(ota_boot_ops *ops);
void otac_boot_custom_ops(ota_boot_ops *ops);

#endif
