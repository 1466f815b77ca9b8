/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ota/boot.h — switch backends: which A/B slot the device starts next.
 *
 * One C interface (ota_boot_ops) with the four verbs of RAUC's custom
 * bootloader backend, so an existing RAUC integration maps one to one and
 * firmware can plug its own.  Slots are named by their *bootname* ("A",
 * "B", ...), the name the boot script knows.  Built-in backends:
 *
 *   symlink  a symbolic link (e.g. /data/current) pointing at the primary
 *            slot's directory; replaced atomically (a new link renamed over
 *            it, then the directory fsync'd).  Good/bad marks live in a small
 *            state file beside it ("<link>.state", written atomically).
 *   uboot    RAUC's U-Boot variables BOOT_ORDER ("A B") and BOOT_<x>_LEFT
 *            (attempts left), read with fw_printenv and written in ONE
 *            `fw_setenv -s FILE` call (libubootenv-tool), then read back and
 *            compared: never one variable at a time.
 *   grub     RAUC's GRUB variables ORDER, <x>_OK, <x>_TRY, written with one
 *            `grub-editenv FILE set ...` call, then read back.
 *   custom   a program called as `PROG get-primary`, `PROG set-primary X`,
 *            `PROG get-state X` (prints good|bad), `PROG set-state X good|bad`
 *            (RAUC's custom-backend protocol).
 *
 * Semantics (all backends):
 *   get_primary  the slot the bootloader will try first on the next boot,
 *                among those it would still start: uboot: the first of
 *                BOOT_ORDER with BOOT_x_LEFT > 0; grub: the first of ORDER
 *                with x_OK=1 and x_TRY=0 (GRUB gives one attempt: during a
 *                trial boot of x, and after GRUB fell back from x, x_TRY=1
 *                and x is not primary).  OTA_E_BOOT when no slot qualifies.
 *                symlink: the link's target (bad marks do not count: there
 *                is no bootloader to skip a slot); custom: what the program
 *                prints, which must be a configured bootname.
 *   set_primary  make x the first choice with a fresh attempt budget
 *                (uboot: BOOT_ORDER with x first, BOOT_x_LEFT = attempts;
 *                grub: ORDER with x first, x_OK=1, x_TRY=0; symlink: the
 *                link replaced, a bad mark of x cleared).
 *   get_state    good when the bootloader would still start the slot (uboot:
 *                BOOT_x_LEFT > 0 and x in BOOT_ORDER; grub: x_OK=1, x_TRY=0
 *                and x in ORDER), else bad.  So a slot on its last (grub: its
 *                only) attempt reads bad while it runs, until set_state good.
 *   set_state    good: a full attempt budget (uboot LEFT = attempts; grub
 *                x_OK=1, x_TRY=0) and x appended to the order when missing;
 *                bad: never boot it (uboot LEFT=0; grub x_OK=0, x_TRY=0).
 * Variables the environment lacks read as the boot scripts in docs/boot.md
 * treat them: BOOT_ORDER / ORDER as the configured bootnames, BOOT_x_LEFT as
 * `attempts`, x_OK and x_TRY as 0 (uboot: an empty value counts as missing,
 * as the script's `test -n` sees it; grub: an empty ORDER starts nothing).  A value that is not a number, or an
 * order holding an invalid name, is OTA_E_BOOT (never guessed).
 * Every call is one atomic environment write (or none, when nothing would
 * change; symlink set_primary of a slot marked bad clears the mark first,
 * then replaces the link); a uboot, grub or symlink write is read back and compared before
 * it is reported as done (OTA_E_BOOT otherwise).  A custom program's exit
 * status is its word: it owns its storage, nothing is read back.
 * Bootnames are checked with ota_boot_name_ok before they reach a command
 * line or a variable name.  See docs/boot.md for boot-script integration.
 *
 * Thread-safety: one ops table per thread.  Memory: a few KiB per call, plus
 * a helper's output (at most 64 KiB; more is OTA_E_BOOT).  Helpers run with
 * fork + execvp (no shell), stdin /dev/null, in their own process group,
 * killed (SIGKILL) and reaped at the config's timeout_ms.
 */
#ifndef OTA_BOOT_H
#define OTA_BOOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ota/err.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Capacity of every backend error buffer (NUL-terminated, may be cut). */
#define OTA_BOOT_ERRLEN 256
/** Longest bootname, including the NUL ([A-Za-z0-9_-], 1..31 bytes, not
 *  starting with '-'). */
#define OTA_BOOT_NAME_MAX 32

typedef enum ota_slot_state {
    OTA_SLOT_BAD = 0,
    OTA_SLOT_GOOD = 1,
} ota_slot_state;

/**
 * A switch backend.  Every function gets `user` unchanged; on failure it
 * returns an ota_err (OTA_E_BOOT for an environment that cannot be read,
 * written or read back, or a helper program that fails; OTA_E_ARG for an
 * invalid or unknown bootname; OTA_E_TIMEOUT when a helper program runs
 * past the time limit — it is killed) and writes one line into
 * err[OTA_BOOT_ERRLEN] (the built-in backends accept err == NULL).
 */
typedef struct ota_boot_ops {
    /** sizeof(ota_boot_ops) as the caller compiled it. */
    size_t size;
    void *user;
    ota_err (*get_primary)(void *user, char bootname[OTA_BOOT_NAME_MAX], char *err);
    ota_err (*set_primary)(void *user, const char *bootname, char *err);
    ota_err (*get_state)(void *user, const char *bootname, ota_slot_state *state, char *err);
    ota_err (*set_state)(void *user, const char *bootname, ota_slot_state state, char *err);
    /** Release `user` (may be NULL). */
    void (*release)(void *user);
} ota_boot_ops;

/** Settings of the built-in backends.  Strings are copied. */
typedef struct ota_boot_config {
    /** sizeof(ota_boot_config) as the caller compiled it. */
    size_t size;
    /** "symlink", "uboot", "grub" or "custom". */
    const char *backend;
    /** The slot bootnames in their default boot order, e.g. {"A", "B"}. */
    const char *const *bootnames;
    size_t nbootnames;
    /** symlink: the link (e.g. "/data/current") and, per bootname (same
     *  order), the directory it points at when that slot is primary. */
    const char *link;
    const char *const *link_targets;
    /** uboot: fw_env.config path (NULL: /etc/fw_env.config); programs
     *  (NULL: "fw_printenv" / "fw_setenv" from PATH). */
    const char *fw_env_config;
    const char *fw_printenv;
    const char *fw_setenv;
    /** grub: environment block (NULL: /boot/grub/grubenv); program (NULL:
     *  "grub-editenv" from PATH). */
    const char *grubenv;
    const char *grub_editenv;
    /** custom: the backend program. */
    const char *program;
    /** uboot: BOOT_<x>_LEFT given by set_primary / set_state good; 0: 3. */
    unsigned attempts;
    /** Longest a helper program may run, in ms; 0: 30000. */
    unsigned timeout_ms;
} ota_boot_config;

/**
 * Fill *out with the built-in backend cfg->backend.  No environment is
 * touched here.  cfg->size is read by the growth rule (docs/libotaclient.md
 * "Growing the API": at least the first release's struct, missing fields
 * read as zero; larger only when the unknown tail is all zero).
 * out->size is the caller's sizeof(ota_boot_ops): the first out->size bytes
 * of the table are written and out->size then says how many.  Errors:
 * OTA_E_ARG (unknown backend,
 * missing setting, bad or repeated bootname, more than 16 bootnames, a size
 * the growth rule refuses, attempts > 9999, grubenv starting with '-'),
 * OTA_E_NOMEM.
 * A message goes to err[OTA_BOOT_ERRLEN] (may be NULL).  Release with
 * ota_boot_free.
 */
OTA_API OTA_NODISCARD ota_err ota_boot_new(const ota_boot_config *cfg, ota_boot_ops *out,
                                           char *err);

/** Release a table from ota_boot_new (calls ops->release, then zeroes the
 *  table but its size); a zeroed table or NULL is a no-op. */
OTA_API void ota_boot_free(ota_boot_ops *ops);

/**
 * The bootname of the slot the running system was started from, from the
 * kernel command line in file cmdline (NULL: /proc/cmdline): the value of
 * `ota.slot=` or, failing that, `rauc.slot=` (words split at white space;
 * of repeated words the last counts, as for kernel parameters).
 * OTA_E_NOT_FOUND when neither is there (the caller may then ask the
 * backend), OTA_E_IO (file unreadable or missing), OTA_E_FORMAT (the
 * deciding value is not a valid bootname, or the file is over 64 KiB),
 * OTA_E_ARG (bootname NULL).  bootname is "" on failure.
 */
OTA_API OTA_NODISCARD ota_err ota_boot_booted(const char *cmdline,
                                              char bootname[OTA_BOOT_NAME_MAX]);

/** True when s is a valid bootname: [A-Za-z0-9_-], 1..31 bytes, not starting
 *  with '-' (it would read as an option on a helper's command line). */
OTA_API bool ota_boot_name_ok(const char *s);

#ifdef __cplusplus
}
#endif
#endif
