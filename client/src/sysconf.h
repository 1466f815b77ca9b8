/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sysconf.h — the slot configuration file (system.conf, docs/install.md),
 * internal to libotaclient (prefix otac_).  RAUC-like INI:
 *
 *     [system]
 *     compatible = acme-gw-r1
 *     bootloader = uboot            # symlink | uboot | grub | custom
 *     [slot.rootfs.0]
 *     type = dir                    # dir | raw
 *     path = /mnt/rootfs-a
 *     bootname = A
 *     [slot.kernel.0]
 *     type = raw
 *     path = /dev/mmcblk0p1
 *     parent = rootfs.0
 *
 * A bundle component named C installs into the slot of class C in the
 * target slot group (the bootname that is not booted).
 */
#ifndef OTAC_SYSCONF_H
#define OTAC_SYSCONF_H

#include <stdbool.h>
#include <stddef.h>

#include "ota/boot.h"
#include "ota_err.h"

enum { OTAC_SLOT_DIR = 1, OTAC_SLOT_RAW = 2 };

typedef struct otac_slot {
    char *name;     /* "rootfs.0" */
    char *cls;      /* "rootfs" */
    int type;       /* OTAC_SLOT_DIR / OTAC_SLOT_RAW */
    char *path;
    char *bootname; /* its own, or its parent's */
    bool own_bootname;
    bool allow_setuid;
} otac_slot;

typedef struct otac_sysconf {
    char *file;
    char *compatible, *bootloader, *cmdline;
    char *fw_env_config, *fw_printenv, *fw_setenv;
    char *grubenv, *grub_editenv, *custom_program, *symlink;
    unsigned attempts, timeout_ms;
    otac_slot *slots;
    size_t nslots;
    char **bootnames; /* distinct, in file order */
    size_t nbootnames;
} otac_sysconf;

/* Parse and validate path.  OTA_E_FORMAT (err: "FILE:LINE: reason") for a
 * bad file, OTA_E_NOT_FOUND, OTA_E_IO, OTA_E_NOMEM. */
ota_err otac_sysconf_load(const char *path, otac_sysconf **out, char *err, size_t cap);
void otac_sysconf_free(otac_sysconf *s);

/* The slot of class cls in the group of bootname, or NULL. */
const otac_slot *otac_sysconf_slot(const otac_sysconf *s, const char *cls, const char *bootname);

/* Built-in backend described by the file into *ops. */
ota_err otac_sysconf_boot(const otac_sysconf *s, ota_boot_ops *ops, char *err);

#endif
