/* SPDX-License-Identifier: Apache-2.0 */
/*
 * rootscan.c — startup warnings about what --root holds.  The server hands
 * out only metadata/ and targets/ (path.c), but a root pointed at the
 * repository's parent, or a key copied into targets/, is an operator
 * mistake worth one clear line each on stderr: a root without
 * metadata/timestamp.json, and key-like files anywhere below it (names
 * *.key, *.pem, *.p12, *.pfx, passphrase/password files; contents with
 * "PRIVATE KEY" or an ota-sign key file's "ota_key_file" in the first
 * bytes).  Bounded: depth, entry count and bytes read are capped, symlinks
 * are never followed, and nothing here stops the server from starting.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "server.h"

typedef struct scan {
    unsigned entries; /* entries looked at, against OTA_SERVER_SCAN_ENTRIES */
    unsigned found;   /* key-like files */
    bool truncated;   /* a limit stopped the walk */
    const char *root;
    char path[OTA_MAX_PATH_LEN + 1]; /* relative path of the entry at hand */
    char buf[OTA_SERVER_SCAN_READ + 1];
} scan;

static bool
ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcasecmp(s + n - m, suffix) == 0;
}

static bool
key_like_name(const char *name)
{
    static const char *const suffixes[] = {".key", ".pem", ".p12", ".pfx", ".pass"};
    for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++)
        if (ends_with(name, suffixes[i]))
            return true;
    return strcasestr(name, "passphrase") != NULL || strcasestr(name, "password") != NULL;
}

/* The first OTA_SERVER_SCAN_READ bytes of a small regular file name a
 * private key. */
static bool
key_like_content(scan *sc, int dir_fd, const char *name, const struct stat *st)
{
    if (st->st_size <= 0 || (uintmax_t) st->st_size > OTA_SERVER_SCAN_FILE_MAX)
        return false;
    int fd = openat(dir_fd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return false;
    char *buf = sc->buf;
    ssize_t n = read(fd, buf, OTA_SERVER_SCAN_READ);
    close(fd);
    if (n <= 0)
        return false;
    buf[n] = '\0';
    /* binary files may hold NULs: search past them */
    for (ssize_t i = 0; i < n; i += (ssize_t) strlen(buf + i) + 1)
        if (strstr(buf + i, "PRIVATE KEY") != NULL || strstr(buf + i, "\"ota_key_file\"") != NULL)
            return true;
    return false;
}

/* Walk the directory dir_fd (consumed), whose path is sc->path[0..len). */
static void
walk(scan *sc, int dir_fd, size_t len, unsigned depth)
{
    DIR *d = fdopendir(dir_fd);
    if (d == NULL) {
        close(dir_fd);
        return;
    }
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        if (++sc->entries > OTA_SERVER_SCAN_ENTRIES) {
            sc->truncated = true;
            break;
        }
        int pn = snprintf(sc->path + len, sizeof sc->path - len, "%s%s", len > 0 ? "/" : "",
                          de->d_name);
        if (pn < 0 || (size_t) pn >= sizeof sc->path - len)
            continue;
        size_t sub_len = len + (size_t) pn;
        struct stat st;
        if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
            continue;
        if (S_ISDIR(st.st_mode)) {
            if (depth + 1 >= OTA_SERVER_SCAN_DEPTH) {
                sc->truncated = true;
                continue;
            }
            int sub = openat(dirfd(d), de->d_name,
                             O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (sub >= 0)
                walk(sc, sub, sub_len, depth + 1);
            continue;
        }
        if (!S_ISREG(st.st_mode)) /* symlinks, FIFOs, sockets: never opened */
            continue;
        if (!key_like_name(de->d_name) && !key_like_content(sc, dirfd(d), de->d_name, &st))
            continue;
        if (++sc->found <= OTA_SERVER_SCAN_REPORT)
            fprintf(stderr,
                    "ota-server: warning: --root %s holds a key-like file: %s (%s)\n",
                    sc->root, sc->path,
                    srv_path_served(sc->path) ? "SERVED to anyone: move it out of the repository"
                                          : "not served, but keep keys out of the served tree");
    }
    closedir(d); /* closes dir_fd */
}

unsigned
srv_root_warn(int root_fd, const char *root)
{
    unsigned warnings = 0;
    struct stat st;
    if (fstatat(root_fd, "metadata/timestamp.json", &st, AT_SYMLINK_NOFOLLOW) != 0 ||
        !S_ISREG(st.st_mode)) {
        fprintf(stderr,
                "ota-server: warning: --root %s has no metadata/timestamp.json: --root must be "
                "the repository (the directory holding metadata/ and targets/)\n",
                root);
        warnings++;
    }
    scan *sc = calloc(1, sizeof *sc);
    int fd = sc != NULL ? openat(root_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
    if (fd < 0) {
        free(sc);
        return warnings;
    }
    sc->root = root;
    walk(sc, fd, 0, 0);
    warnings += sc->found < OTA_SERVER_SCAN_REPORT ? sc->found : OTA_SERVER_SCAN_REPORT;
    if (sc->found > OTA_SERVER_SCAN_REPORT) {
        fprintf(stderr, "ota-server: warning: --root %s holds %u more key-like files\n", root,
                sc->found - OTA_SERVER_SCAN_REPORT);
        warnings++;
    }
    if (sc->truncated) {
        fprintf(stderr,
                "ota-server: warning: --root %s: key scan stopped at %u levels or %u entries\n",
                root, OTA_SERVER_SCAN_DEPTH, OTA_SERVER_SCAN_ENTRIES);
        warnings++;
    }
    free(sc);
    return warnings;
}
