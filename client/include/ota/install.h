/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ota/install.h — the install engine: stream a verified bundle into the
 * inactive A/B slot, switch, then commit or fall back.
 *
 *     ota_installer *in;
 *     ota_install_config ic = OTA_INSTALL_CONFIG_INIT;
 *     ic.state_dir = "/var/lib/ota-client";
 *     ic.system_conf = "/etc/ota/system.conf";
 *     if (ota_installer_new(&ic, &in) == OTA_OK) {
 *         ota_installer_boot(in);                   // at every start
 *         ota_installer_install(in, client, &target); // refresh + get_target first
 *     }
 *     ... later, after a reboot into the new slot and a passing health check:
 *     ota_installer_confirm(in);
 *
 * What install does, in order (docs/install.md has the whole story):
 *  1. checks the signed targets entry: custom.ota_bundle present, this
 *     device's hardware id listed (OTA_E_HARDWARE), version newer than the
 *     installed one (OTA_E_ROLLBACK), not marked bad here
 *     (OTA_E_BAD_VERSION) — before any byte is downloaded;
 *  2. picks the target slot group: the bootname that is not booted (the
 *     running slot is never written); marks it bad in the bootloader, so a
 *     half-written slot is never started; records the attempt (state
 *     "downloading") with a journal;
 *  3. streams the bundle: head checked against the signed head hash, the
 *     manifest checked again (hardware, version, a slot for each
 *     component), the pre-install hook, every chunk checked before it is
 *     inflated, every tree entry checked before it is written, images
 *     written at their offsets; the journal records the last checkpoint
 *     (every checkpoint_bytes, after the written data is made durable), so
 *     after a network break, a crash or a power cut the next install of the
 *     same target continues there with an HTTP Range request;
 *  4. raw slots are read back and hashed once more; the post-install hook
 *     runs; only then the target slot becomes primary (one bootloader
 *     environment write) and the state "installed" is recorded.
 * After the reboot, ota_installer_boot() sees the new slot booted: state
 * "pending" until ota_installer_confirm() (mark good, "committed").  If the
 * bootloader falls back instead (attempts exhausted), or
 * ota_installer_rollback() is called, the version is marked bad on this
 * device ("fell-back") and never installed again.
 *
 * Every state change is written atomically (temporary, fsync, rename, fsync
 * of the directory) to STATE_DIR/install.json.
 *
 * Thread-safety: one installer per thread; ota_installer_cancel() may be
 * called from a signal handler or another thread.  Memory: the bundle
 * reader's (head + 2 x chunk size + ~100 KiB), independent of bundle size.
 */
#ifndef OTA_INSTALL_H
#define OTA_INSTALL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ota/boot.h"
#include "ota/client.h"
#include "ota/update.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Opaque installer handle. */
typedef struct ota_installer ota_installer;

/** Persisted install state (install.json "state"). */
typedef enum ota_install_state {
    OTA_STATE_IDLE = 0,        /* nothing in progress */
    OTA_STATE_DOWNLOADING = 1, /* writing the inactive slot; resumable */
    OTA_STATE_INSTALLED = 2,   /* written, verified, switched: waits for a reboot */
    OTA_STATE_PENDING = 3,     /* booted into the new slot, not yet confirmed */
    OTA_STATE_COMMITTED = 4,   /* confirmed good */
    OTA_STATE_FELL_BACK = 5,   /* went back to the old slot; the version is marked bad */
} ota_install_state;

/** Name of a state as written in install.json ("idle", "downloading",
 *  "installed", "pending", "committed", "fell-back"). */
OTA_API const char *ota_install_state_name(ota_install_state s);

/** Phases reported to the progress callback. */
typedef enum ota_install_phase {
    OTA_PHASE_PREPARE = 1, /* checks, marking the target slot bad, emptying */
    OTA_PHASE_WRITE = 2,   /* downloading, verifying and writing */
    OTA_PHASE_VERIFY = 3,  /* reading raw slots back */
    OTA_PHASE_HOOK = 4,    /* running an install hook */
    OTA_PHASE_SWITCH = 5,  /* making the new slot primary */
    OTA_PHASE_DONE = 6,
} ota_install_phase;

/** Handed to the progress callback; `size` is the library's sizeof: a field
 *  past it is absent (a library older than the caller's header). */
typedef struct ota_install_progress {
    size_t size;           /* the library's sizeof(ota_install_progress) */
    ota_install_phase phase;
    uint64_t done;         /* bundle bytes verified so far (before a resume too) */
    uint64_t total;        /* bundle length */
    bool resumed;          /* this run continues an interrupted one */
    const char *component; /* component being written, or NULL */
} ota_install_progress;

/** Installer settings.  Strings are copied; `boot` is copied (its `user`
 *  is retained, not owned).  `size` and the boot table's size are read by
 *  the growth rule (docs/libotaclient.md "Growing the API"). */
typedef struct ota_install_config {
    /** sizeof(ota_install_config) as the caller compiled it
     *  (OTA_INSTALL_CONFIG_INIT sets it). */
    size_t size;
    /** Directory for install.json and hook scripts (created if missing).
     *  Required. */
    const char *state_dir;
    /** The slot configuration file (docs/install.md "system.conf").
     *  Required. */
    const char *system_conf;
    /** This device's hardware id; NULL: system.conf "compatible". */
    const char *hardware_id;
    /** A switch backend of the application's own; NULL: the one named by
     *  system.conf "bootloader". */
    const ota_boot_ops *boot;
    /** Kernel command line to read the booted slot from; NULL: system.conf
     *  "cmdline", else /proc/cmdline. */
    const char *cmdline;
    /** Progress (may be NULL); called on the installer's thread. */
    void (*progress)(void *user, const ota_install_progress *p);
    void *progress_user;
    /** Longest a hook may run, seconds; 0: 300. */
    unsigned hook_timeout_s;
    /** Journal interval in bundle bytes; 0: 8 MiB.  Smaller: less to
     *  download again after a power cut, more fsyncs. */
    uint64_t checkpoint_bytes;
    /** Let ota_installer_install put a version not above the installed
     *  one — only when the target's signed custom.ota_release says
     *  "downgrade": true (formats/RELEASE.md); never a version marked bad
     *  here or below the signed floor. */
    bool allow_downgrade;
    /** Turn delta updates off: every chunk is downloaded.  Default (false):
     *  for an image component installed into a raw slot, chunks found in
     *  the active slot (same uncompressed SHA-256, at any chunk-aligned
     *  offset) are copied from there and only the others are downloaded,
     *  by HTTP Range requests (formats/BUNDLE.md "Delta updates"); for a
     *  tree component of a format-4 bundle installed into a dir slot, the
     *  chunks of the active tree's stream rebuilt from its files, likewise.
     *  An active slot that cannot be read means a full download, never a
     *  failure. */
    bool no_delta;
} ota_install_config;

#define OTA_INSTALL_CONFIG_INIT                                                                    \
    {sizeof(ota_install_config), NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0, 0, false, false}

/**
 * Create an installer: reads and validates system.conf (slots, bootnames,
 * backend) and install.json (a missing one is "idle"; an unreadable or
 * malformed one is an error, never silently reset).  No bootloader call
 * yet.  Errors: OTA_E_ARG (config), OTA_E_FORMAT (system.conf or
 * install.json; the message names file and line), OTA_E_IO, OTA_E_NOMEM.
 * The message of a failure is in *errmsg (static or in the handle: when
 * creation fails, errbuf[errcap] receives it; may be NULL).
 */
OTA_API OTA_NODISCARD ota_err ota_installer_new(const ota_install_config *cfg, ota_installer **out,
                                                char *errbuf, size_t errcap);

/** NULL is a no-op. */
OTA_API void ota_installer_free(ota_installer *in);

/** One line explaining the last failure ("" after success); never NULL. */
OTA_API const char *ota_installer_errmsg(const ota_installer *in);

/**
 * Start-up check, once per boot (and before status): which slot is booted,
 * and what that means for an update in flight: "installed" + booted the
 * new slot → "pending"; "installed"/"pending" + booted the old slot while
 * the bootloader no longer prefers the new one → "fell-back", version marked
 * bad, reason recorded.  Errors: OTA_E_BOOT, OTA_E_IO.
 */
OTA_API OTA_NODISCARD ota_err ota_installer_boot(ota_installer *in);

/**
 * Install target t (from ota_client_get_target on c, after a refresh) into
 * the inactive slot, as described above; resumes an interrupted install of
 * the same target.  Returns OTA_OK once the new slot is primary (state
 * "installed"); reboot to use it.
 * Errors: OTA_E_HARDWARE, OTA_E_ROLLBACK (not newer than installed),
 *   OTA_E_BAD_VERSION, OTA_E_STATE (an update waits for reboot or
 *   confirmation), OTA_E_FORMAT (t is not a bundle), OTA_E_UNSUPPORTED (a
 *   component with no slot), verification errors of the bundle reader
 *   (OTA_E_HASH, OTA_E_LENGTH, OTA_E_UNSAFE, OTA_E_LIMIT ...), OTA_E_HOOK,
 *   OTA_E_TIMEOUT, OTA_E_NETWORK, OTA_E_CANCELED (resumable), OTA_E_NOSPACE,
 *   OTA_E_IO, OTA_E_BOOT.  On every error the booted slot is untouched and
 *   stays primary.  Network errors, cancel and a failed switch (OTA_E_BOOT)
 *   keep the journal (the next call resumes, or only switches);
 *   verification failures drop it (the next call starts over).
 */
OTA_API OTA_NODISCARD ota_err ota_installer_install(ota_installer *in, ota_client *c,
                                                    const ota_target_info *t);

/** Mark the booted slot good.  "pending" → "committed" when the new slot is
 *  the booted one.  With no update pending, the running slot is marked good
 *  again (GRUB counts every boot as a trial until this is said; RAUC's
 *  mark-good).  OTA_E_STATE while an installed update waits for its reboot,
 *  or when pending but the old slot is booted. */
OTA_API OTA_NODISCARD ota_err ota_installer_confirm(ota_installer *in);

/** Give up the update in flight ("installed" or "pending"): the new slot is
 *  marked bad, the old one primary again, the version marked bad here
 *  ("fell-back").  reason (may be NULL) is recorded.  OTA_E_STATE when no
 *  update is in flight. */
OTA_API OTA_NODISCARD ota_err ota_installer_rollback(ota_installer *in, const char *reason);

/** Ask a running install to stop at the next chunk (async-signal-safe).  It
 *  returns OTA_E_CANCELED with the journal kept. */
OTA_API void ota_installer_cancel(ota_installer *in);

/** A snapshot of the state, for status displays. */
typedef struct ota_install_status {
    size_t size;                     /* the caller's sizeof; after the call: bytes written */
    ota_install_state state;
    char booted[OTA_BOOT_NAME_MAX];  /* "" when unknown */
    char primary[OTA_BOOT_NAME_MAX]; /* "" when unknown */
    char installed_version[129];     /* committed version, "" when unknown */
    char target_version[129];        /* in flight / last attempted, "" none */
    char target_slot[OTA_BOOT_NAME_MAX];
    uint64_t resume_offset;          /* downloading: bytes already verified */
    size_t nbad;                     /* versions marked bad here */
    char last_error[256];            /* "" none */
    char installed_name[129];        /* bundle name of the installed version, "" unknown */
    char hardware_id[129];           /* this device's, as the installer checks it */
    /* the update in flight / last attempted (0 when unknown): */
    uint64_t bundle_length;          /* its signed length */
    uint64_t fetched;                /* bundle bytes downloaded by its runs so far (as of
                                      * each run's last journal write; a resumed run adds on) */
    uint32_t local_chunks;           /* chunks copied from the active slot (delta) */
    char delta_note[256];            /* why delta was not used for a component, "" none */
} ota_install_status;

/** Fill *st: st->size is set by the caller (sizeof), only the first
 *  st->size bytes are written and st->size then says how many (OTA_E_ARG
 *  when it does not cover the size field).  Asks the backend for the
 *  primary slot (failures leave it ""). */
OTA_API OTA_NODISCARD ota_err ota_installer_status(ota_installer *in, ota_install_status *st);

/** ota_client_choose for this device: dev's NULL fields are filled from
 *  the installer — hardware id, installed version, product (the bundle
 *  name installed last) and the versions marked bad here.  OTA_E_ARG when
 *  the product is not known yet (never installed a bundle and dev->product
 *  NULL). */
OTA_API OTA_NODISCARD ota_err ota_installer_choose(ota_installer *in, ota_client *c,
                                                   const ota_device *dev, ota_release_cb cb,
                                                   void *user, ota_target_info *chosen,
                                                   bool *found);

/** Run a device command (the agent's health check, its reboot command):
 *  `/bin/sh -c command`, stdin /dev/null, in its own process group, killed
 *  past timeout_s (OTA_E_TIMEOUT), with OTA_STATE, OTA_VERSION (the update
 *  in flight), OTA_INSTALLED_VERSION and OTA_SLOT in its environment.
 *  *status is its exit status (-1: killed by a signal); a non-zero status
 *  is not an error here, its stderr's first line is in the errmsg.
 *  OTA_E_HOOK when it cannot be started. */
OTA_API OTA_NODISCARD ota_err ota_installer_run_command(ota_installer *in, const char *command,
                                                        unsigned timeout_s, int *status);

/** What installing a target would download (ota_installer_plan). */
typedef struct ota_install_plan {
    size_t size;            /* the caller's sizeof; after the call: bytes written */
    uint64_t bundle_length; /* the signed length */
    uint64_t download;      /* bytes to download: the head, and every chunk not found */
    uint32_t chunks;        /* chunks in the bundle */
    uint32_t local_chunks;  /* found in the active slot (SHA-256 checked) */
    char delta_note[256];   /* why delta is not used for a component, "" none */
} ota_install_plan;

/**
 * Plan the install of bundle target t without writing anything: downloads
 * the bundle's head only (checked against the signed head_sha256), reads
 * and hashes the active slot of each image component (and of each tree
 * of a format-4 bundle) as install would (unless delta is off) and counts
 * the chunks found there (each one's SHA-256 checked, as the reader does).
 * Costs one read of the active slots (a tree's matching chunks: two).  Errors: OTA_E_FORMAT (not a bundle), OTA_E_HASH (head),
 * network and reader errors; an unreadable active slot is not an error
 * (delta_note says why everything is downloaded).
 */
OTA_API OTA_NODISCARD ota_err ota_installer_plan(ota_installer *in, ota_client *c,
                                                 const ota_target_info *t, ota_install_plan *p);

/** install.json as it is on disk (malloc'd, NUL-terminated; free()). */
OTA_API OTA_NODISCARD ota_err ota_installer_state_json(ota_installer *in, char **out);

#ifdef __cplusplus
}
#endif
#endif
