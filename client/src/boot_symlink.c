/* SPDX-License-Identifier: Apache-2.0 */
/*
 * boot_symlink.c — the symlink backend: a symbolic link (e.g. /data/current)
 * whose target is the primary slot's directory, for systems where no
 * bootloader chooses (containers, application slots, tests).
 *
 *   set_primary  a new link under a temporary name in the link's directory,
 *                renamed over the link (atomic), the directory fsync'd, then
 *                read back.
 *   get_primary  readlink, mapped back to the bootname whose configured
 *                target it is, byte for byte (anything else: OTA_E_BOOT).
 *                Bad marks are ignored: no bootloader skips a slot here.
 *   get/set_state  "<link>.state": one "NAME good|bad" line per bootname,
 *                replaced with ota_atomic_replace_path and read back.  No
 *                file, or no line for a slot: good.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "boot_int.h"
#include "ota_atomic.h"
#include "ota_util.h"

#define LINK_TMP_PREFIX ".ota-link."
#define TARGET_MAX 4096u

/* The link's directory, opened, and its last component. */
static ota_err
open_parent(const char *link, int *dfd, const char **base, char *err)
{
    const char *slash = strrchr(link, '/');
    *dfd = -1;
    *base = slash != NULL ? slash + 1 : link;
    if (slash == NULL) {
        *dfd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    } else {
        size_t n = slash == link ? 1 : (size_t) (slash - link);
        char *dir = malloc(n + 1);
        if (dir == NULL) {
            otac_boot_msg(err, "out of memory");
            return OTA_E_NOMEM;
        }
        memcpy(dir, link, n);
        dir[n] = '\0';
        *dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        free(dir);
    }
    if (*dfd < 0) {
        otac_boot_msg(err, "%s: cannot open its directory: %s", link, strerror(errno));
        return OTA_E_BOOT;
    }
    return OTA_OK;
}

/* readlink of dfd/base into a malloc'd string. */
static ota_err
read_link(int dfd, const char *base, const char *link, char **target, char *err)
{
    char *buf = malloc(TARGET_MAX + 1);
    *target = NULL;
    if (buf == NULL) {
        otac_boot_msg(err, "out of memory");
        return OTA_E_NOMEM;
    }
    ssize_t n = readlinkat(dfd, base, buf, TARGET_MAX + 1);
    if (n < 0 || (size_t) n > TARGET_MAX) {
        otac_boot_msg(err, "%s: %s", link, n < 0 ? strerror(errno) : "link target too long");
        free(buf);
        return OTA_E_BOOT;
    }
    buf[n] = '\0';
    *target = buf;
    return OTA_OK;
}

static ota_err
sl_get_primary(void *user, char bootname[OTA_BOOT_NAME_MAX], char *err)
{
    otac_boot *b = user;
    int dfd = -1;
    const char *base;
    char *target = NULL;
    if (bootname == NULL) {
        otac_boot_msg(err, "no bootname buffer");
        return OTA_E_ARG;
    }
    ota_err rc = open_parent(b->link, &dfd, &base, err);
    if (rc != OTA_OK)
        goto out;
    if ((rc = read_link(dfd, base, b->link, &target, err)) != OTA_OK)
        goto out;
    rc = OTA_E_BOOT;
    otac_boot_msg(err, "%s points at \"%.120s\", which is no slot's directory", b->link, target);
    for (size_t i = 0; i < b->nnames; i++) {
        if (strcmp(target, b->targets[i]) == 0) {
            snprintf(bootname, OTA_BOOT_NAME_MAX, "%s", b->names[i]);
            if (err != NULL)
                err[0] = '\0';
            rc = OTA_OK;
            break;
        }
    }
out:
    free(target);
    if (dfd >= 0)
        close(dfd);
    return rc;
}

static ota_err
sl_set_primary_link(otac_boot *b, int idx, char *err)
{
    int dfd = -1;
    const char *base;
    char tmp[sizeof LINK_TMP_PREFIX + 8];
    char *target = NULL;
    bool made = false;
    ota_err rc = open_parent(b->link, &dfd, &base, err);
    if (rc != OTA_OK)
        goto out;
    rc = OTA_E_BOOT;
    for (int attempt = 0; attempt < 100 && !made; attempt++) {
        snprintf(tmp, sizeof tmp, LINK_TMP_PREFIX "%08" PRIx32, randombytes_random());
        if (symlinkat(b->targets[idx], dfd, tmp) == 0)
            made = true;
        else if (errno != EEXIST)
            break;
    }
    if (!made) {
        otac_boot_msg(err, "%s: cannot create a new link beside it: %s", b->link,
                      strerror(errno));
        goto out;
    }
    if (renameat(dfd, tmp, dfd, base) != 0) {
        otac_boot_msg(err, "%s: cannot replace it: %s", b->link, strerror(errno));
        (void) unlinkat(dfd, tmp, 0);
        goto out;
    }
    if (fsync(dfd) != 0) {
        otac_boot_msg(err, "%s: fsync of its directory: %s", b->link, strerror(errno));
        goto out;
    }
    if ((rc = read_link(dfd, base, b->link, &target, err)) != OTA_OK)
        goto out;
    if (strcmp(target, b->targets[idx]) != 0) {
        otac_boot_msg(err, "%s reads back as \"%.120s\" after the switch", b->link, target);
        rc = OTA_E_BOOT;
        goto out;
    }
    rc = OTA_OK;
out:
    free(target);
    if (dfd >= 0)
        close(dfd);
    return rc;
}

/* ---- the state file --------------------------------------------------------- */

static char *
state_path(const otac_boot *b)
{
    size_t n = strlen(b->link);
    char *p = malloc(n + sizeof ".state");
    if (p != NULL) {
        memcpy(p, b->link, n);
        memcpy(p + n, ".state", sizeof ".state");
    }
    return p;
}

/* Read the marks into bad[nnames]. */
static ota_err
state_read(const otac_boot *b, bool *bad, char *err)
{
    char *path = state_path(b);
    uint8_t *buf = NULL;
    size_t len = 0;
    ota_err rc = OTA_E_NOMEM;
    for (size_t i = 0; i < b->nnames; i++)
        bad[i] = false;
    if (path == NULL) {
        otac_boot_msg(err, "out of memory");
        goto out;
    }
    rc = ota_file_read(path, OTAC_BOOT_STATE_MAX, &buf, &len);
    if (rc == OTA_E_NOT_FOUND) {
        rc = OTA_OK; /* no marks yet */
        goto out;
    }
    if (rc != OTA_OK) {
        otac_boot_msg(err, "%s: cannot read (%s)", path, ota_strerror(rc));
        rc = rc == OTA_E_NOMEM ? OTA_E_NOMEM : OTA_E_BOOT;
        goto out;
    }
    rc = OTA_E_BOOT;
    const char *s = (const char *) buf;
    size_t i = 0;
    while (i < len) {
        size_t start = i;
        while (i < len && s[i] != '\n')
            i++;
        size_t end = i++;
        if (end == start)
            continue;
        const char *sp = memchr(s + start, ' ', end - start);
        size_t nlen = sp != NULL ? (size_t) (sp - (s + start)) : 0;
        size_t vlen = sp != NULL ? end - start - nlen - 1 : 0;
        char name[OTA_BOOT_NAME_MAX];
        if (sp == NULL || nlen == 0 || nlen >= sizeof name) {
            otac_boot_msg(err, "%s: malformed line", path);
            goto out;
        }
        memcpy(name, s + start, nlen);
        name[nlen] = '\0';
        bool good = vlen == 4 && memcmp(sp + 1, "good", 4) == 0;
        bool isbad = vlen == 3 && memcmp(sp + 1, "bad", 3) == 0;
        if (!ota_boot_name_ok(name) || (!good && !isbad)) {
            otac_boot_msg(err, "%s: malformed line", path);
            goto out;
        }
        int idx = otac_boot_index(b, name);
        if (idx >= 0) /* marks of slots no longer configured are ignored */
            bad[idx] = isbad;
    }
    rc = OTA_OK;
out:
    free(buf);
    free(path);
    return rc;
}

static ota_err
state_write(const otac_boot *b, const bool *bad, char *err)
{
    char *path = state_path(b);
    ota_buf text = {.max = OTAC_BOOT_STATE_MAX};
    bool *check = calloc(b->nnames, sizeof *check);
    ota_err rc = OTA_E_NOMEM;
    if (path == NULL || check == NULL) {
        otac_boot_msg(err, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < b->nnames; i++) {
        const char *v = bad[i] ? " bad\n" : " good\n";
        if ((rc = ota_buf_append(&text, b->names[i], strlen(b->names[i]))) != OTA_OK ||
            (rc = ota_buf_append(&text, v, strlen(v))) != OTA_OK) {
            otac_boot_msg(err, "out of memory");
            goto out;
        }
    }
    rc = ota_atomic_replace_path(path, text.p, text.len, 0644);
    if (rc != OTA_OK) {
        otac_boot_msg(err, "%s: cannot write (%s)", path, ota_strerror(rc));
        rc = rc == OTA_E_NOMEM ? OTA_E_NOMEM : OTA_E_BOOT;
        goto out;
    }
    if ((rc = state_read(b, check, err)) != OTA_OK)
        goto out;
    for (size_t i = 0; i < b->nnames; i++) {
        if (check[i] != bad[i]) {
            otac_boot_msg(err, "%s: reads back %s for %s", path, check[i] ? "bad" : "good",
                          b->names[i]);
            rc = OTA_E_BOOT;
            goto out;
        }
    }
    rc = OTA_OK;
out:
    ota_buf_free(&text);
    free(check);
    free(path);
    return rc;
}

/* Mark slot idx good or bad (no write when it already is). */
static ota_err
mark(otac_boot *b, int idx, bool is_bad, char *err)
{
    bool bad[OTAC_BOOT_MAX_SLOTS];
    ota_err rc = state_read(b, bad, err);
    if (rc != OTA_OK || bad[idx] == is_bad)
        return rc;
    bad[idx] = is_bad;
    return state_write(b, bad, err);
}

static ota_err
sl_set_primary(void *user, const char *bootname, char *err)
{
    otac_boot *b = user;
    ota_err rc = otac_boot_check_name(b, bootname, err);
    if (rc != OTA_OK)
        return rc;
    int idx = otac_boot_index(b, bootname);
    /* A fresh start for the new primary: clear a bad mark first, so a crash
     * between the two steps leaves at worst an unmarked, unswitched slot. */
    if ((rc = mark(b, idx, false, err)) != OTA_OK)
        return rc;
    return sl_set_primary_link(b, idx, err);
}

static ota_err
sl_get_state(void *user, const char *bootname, ota_slot_state *state, char *err)
{
    otac_boot *b = user;
    bool bad[OTAC_BOOT_MAX_SLOTS];
    ota_err rc = otac_boot_check_get(b, bootname, state, err);
    if (rc != OTA_OK)
        return rc;
    if ((rc = state_read(b, bad, err)) != OTA_OK)
        return rc;
    *state = bad[otac_boot_index(b, bootname)] ? OTA_SLOT_BAD : OTA_SLOT_GOOD;
    return OTA_OK;
}

static ota_err
sl_set_state(void *user, const char *bootname, ota_slot_state state, char *err)
{
    otac_boot *b = user;
    ota_err rc = otac_boot_check_set(b, bootname, state, err);
    if (rc != OTA_OK)
        return rc;
    return mark(b, otac_boot_index(b, bootname), state == OTA_SLOT_BAD, err);
}

void
otac_boot_symlink_ops(ota_boot_ops *ops)
{
    ops->get_primary = sl_get_primary;
    ops->set_primary = sl_set_primary;
    ops->get_state = sl_get_state;
    ops->set_state = sl_set_state;
}
