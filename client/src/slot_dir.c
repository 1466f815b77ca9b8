/* SPDX-License-Identifier: Apache-2.0 */
/*
 * slot_dir.c — the `dir` slot writer (see slot.h): a file tree extracted
 * beneath one directory descriptor, never through a symbolic link.
 *
 *  - Parents are walked one component at a time from the slot's root with
 *    openat(O_DIRECTORY | O_NOFOLLOW): a link or a non-directory where a
 *    directory must be is OTA_E_UNSAFE, never followed.  A missing parent is
 *    created 0755 (our own tar streams list every directory first; the
 *    tolerance is for other writers' streams).
 *  - Every object is created by this call (O_CREAT|O_EXCL|O_NOFOLLOW,
 *    mkdirat, symlinkat) and its owner, mode and times are applied through
 *    its own descriptor (fchown, fchmod, futimens) — or, for a symlink, with
 *    AT_SYMLINK_NOFOLLOW.  Nothing is ever chmod'ed or chown'ed by path.
 *  - Modes: e->mode & 07777 without S_ISUID/S_ISGID unless allowed.
 *    Directories get exactly that when running as root (root may create
 *    entries in a 0555 directory); otherwise u+rwx is added so that the
 *    directory's own entries can still be created (tools such as
 *    `ota-sign verify-bundle --extract` run unprivileged; a device installs
 *    as root).
 *  - Times: creating an entry changes its parent's mtime, so after each
 *    creation the parent's recorded mtime is applied again through the
 *    parent's descriptor.  The writer remembers the mtimes of the current
 *    chain of directory entries (bounded: an entry path has at most
 *    OTA_BUNDLE_MAX_ENTRY_PATH / 2 components).
 *  - Emptying is iterative: one open directory at a time, the relative path
 *    kept as a string; see otac_dir_empty().  A directory that cannot be
 *    opened (not root, mode 0000) is made u+rwx through an O_PATH descriptor
 *    pinned with O_NOFOLLOW (its /proc/self/fd entry), never by its name.
 *  - A slot opened with require_empty (tools: verify-bundle --extract) must
 *    hold nothing, so no earlier object is ever in the way.
 */
#define _GNU_SOURCE /* syncfs */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ota_atomic.h"
#include "ota_limits.h"
#include "slot.h"

/* Most components an entry path can have ("a/b/c...": one byte and a '/'). */
#define MAX_LEVELS (OTA_BUNDLE_MAX_ENTRY_PATH / 2 + 1)

#define DIR_FLAGS (O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)

struct otac_dir {
    int root_fd;       /* the slot directory */
    dev_t root_dev;
    ino_t root_ino;
    bool is_root;      /* geteuid() == 0: chown to 0:0, exact directory modes */
    bool allow_setuid;

    /* the entry between entry_begin and entry_end */
    bool in_entry;
    int cur_fd;        /* the file or directory being created; -1 otherwise */
    ota_bundle_etype cur_type;
    mode_t cur_mode;
    int64_t cur_mtime;
    uint64_t cur_size, cur_done;
    char *cur_path;    /* OTA_BUNDLE_MAX_ENTRY_PATH + 1 */

    /* the last directory entry created and the mtimes of its components
     * that were entries themselves (for re-applying parent times) */
    char *chain;       /* OTA_BUNDLE_MAX_ENTRY_PATH + 1 */
    int64_t *chain_mtime;
    unsigned char *chain_known;

    char *part;        /* scratch for one component */

    uint64_t entries, files, bytes;
    char err[512];
};

/* ---- errors -------------------------------------------------------------------- */

/* Record "<op> <path>: <strerror(e)>" and map e. */
static ota_err
sys_fail(otac_dir *d, const char *op, const char *path, int e)
{
    snprintf(d->err, sizeof d->err, "%s %s: %s", op, path, strerror(e));
    return ota_errno_err(e);
}

/* Record "<what> <path>" as an unsafe object in the slot. */
static ota_err
unsafe(otac_dir *d, const char *what, const char *path)
{
    snprintf(d->err, sizeof d->err, "%s %s: refusing (not created by this install)", what, path);
    return OTA_E_UNSAFE;
}

/* ---- open / close ------------------------------------------------------------ */

/* OTA_OK when the directory fd has no entries but "." and "..", else
 * OTA_E_EXISTS (a duplicate descriptor is read: fd's offset is kept). */
static ota_err
dir_is_empty(int fd)
{
    int dfd = openat(fd, ".", DIR_FLAGS);
    if (dfd < 0)
        return ota_errno_err(errno);
    DIR *dir = fdopendir(dfd);
    if (dir == NULL) {
        ota_err rc = ota_errno_err(errno);
        close(dfd);
        return rc;
    }
    ota_err rc = OTA_OK;
    for (;;) {
        errno = 0;
        struct dirent *de = readdir(dir);
        if (de == NULL) {
            if (errno != 0)
                rc = ota_errno_err(errno);
            break;
        }
        if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0) {
            rc = OTA_E_EXISTS;
            break;
        }
    }
    closedir(dir);
    return rc;
}

ota_err
otac_dir_open_at(int dirfd, const char *path, const otac_dir_opts *o, otac_dir **out)
{
    ota_err rc = OTA_E_NOMEM;
    otac_dir *d = calloc(1, sizeof *d);
    if (d == NULL)
        return OTA_E_NOMEM;
    d->root_fd = d->cur_fd = -1;
    d->cur_path = malloc(OTA_BUNDLE_MAX_ENTRY_PATH + 1);
    d->chain = malloc(OTA_BUNDLE_MAX_ENTRY_PATH + 1);
    d->part = malloc(OTA_BUNDLE_MAX_ENTRY_PATH + 1);
    d->chain_mtime = calloc(MAX_LEVELS, sizeof *d->chain_mtime);
    d->chain_known = calloc(MAX_LEVELS, 1);
    if (d->cur_path == NULL || d->chain == NULL || d->part == NULL || d->chain_mtime == NULL ||
        d->chain_known == NULL)
        goto out;
    d->cur_path[0] = d->chain[0] = '\0';
    d->allow_setuid = o != NULL && o->allow_setuid;
    d->is_root = geteuid() == 0;
    d->root_fd = openat(dirfd, path, DIR_FLAGS);
    if (d->root_fd < 0) {
        /* O_DIRECTORY|O_NOFOLLOW on a link: ELOOP or ENOTDIR, by kernel */
        int e = errno;
        struct stat lst;
        if (e == ELOOP ||
            (e == ENOTDIR && fstatat(dirfd, path, &lst, AT_SYMLINK_NOFOLLOW) == 0 &&
             S_ISLNK(lst.st_mode)))
            rc = OTA_E_UNSAFE;
        else
            rc = ota_errno_err(e);
        goto out;
    }
    struct stat st;
    if (fstat(d->root_fd, &st) != 0) {
        rc = ota_errno_err(errno);
        goto out;
    }
    d->root_dev = st.st_dev;
    d->root_ino = st.st_ino;
    /* checked on the descriptor the writer keeps: the same directory */
    if (o != NULL && o->require_empty && (rc = dir_is_empty(d->root_fd)) != OTA_OK)
        goto out;
    *out = d;
    d = NULL;
    rc = OTA_OK;
out:
    otac_dir_close(d);
    return rc;
}

ota_err
otac_dir_open(const char *path, const otac_dir_opts *o, otac_dir **out)
{
    return otac_dir_open_at(AT_FDCWD, path, o, out);
}

void
otac_dir_close(otac_dir *d)
{
    if (d == NULL)
        return;
    if (d->cur_fd >= 0)
        close(d->cur_fd);
    if (d->root_fd >= 0)
        close(d->root_fd);
    free(d->cur_path);
    free(d->chain);
    free(d->part);
    free(d->chain_mtime);
    free(d->chain_known);
    free(d);
}

const char *
otac_dir_error(const otac_dir *d)
{
    return d->err;
}

void
otac_dir_counts(const otac_dir *d, uint64_t *entries, uint64_t *files, uint64_t *bytes)
{
    if (entries != NULL)
        *entries = d->entries;
    if (files != NULL)
        *files = d->files;
    if (bytes != NULL)
        *bytes = d->bytes;
}

/* ---- entries ---------------------------------------------------------------- */

static void
times_of(int64_t mtime, struct timespec ts[2])
{
    ts[0].tv_sec = ts[1].tv_sec = (time_t) mtime;
    ts[0].tv_nsec = ts[1].tv_nsec = 0;
}

/*
 * The directory holding path's last component, walked from the root one
 * component at a time, never through a link.  *leaf points into path.
 */
static ota_err
open_parent(otac_dir *d, const char *path, int *out, const char **leaf)
{
    ota_err rc = OTA_E_IO;
    int fd = fcntl(d->root_fd, F_DUPFD_CLOEXEC, 0);
    if (fd < 0)
        return sys_fail(d, "open", ".", errno);
    const char *p = path;
    for (;;) {
        const char *slash = strchr(p, '/');
        if (slash == NULL)
            break;
        size_t n = (size_t) (slash - p);
        memcpy(d->part, p, n);
        d->part[n] = '\0';
        int nfd = openat(fd, d->part, DIR_FLAGS);
        bool made = false;
        if (nfd < 0 && errno == ENOENT) {
            /* tolerated: a stream that does not list this directory */
            made = mkdirat(fd, d->part, 0700) == 0;
            if (!made && errno != EEXIST) {
                rc = sys_fail(d, "mkdir parent of", path, errno);
                goto out;
            }
            nfd = openat(fd, d->part, DIR_FLAGS);
        }
        if (nfd < 0) {
            if (errno == ELOOP || errno == ENOTDIR)
                rc = unsafe(d, "a link or non-directory in the path of", path);
            else
                rc = sys_fail(d, "open parent of", path, errno);
            goto out;
        }
        /* one we made: 0755 and 0:0 whatever the umask and the parent's group */
        if (made && ((d->is_root && fchown(nfd, 0, 0) != 0) || fchmod(nfd, 0755) != 0)) {
            rc = sys_fail(d, "chmod parent of", path, errno);
            close(nfd);
            goto out;
        }
        close(fd);
        fd = nfd;
        p = slash + 1;
    }
    *leaf = p;
    *out = fd;
    fd = -1;
    rc = OTA_OK;
out:
    if (fd >= 0)
        close(fd);
    return rc;
}

/*
 * Something already exists at pfd/leaf where entry e is to be created.
 * *retry: it was removed (replace), create again.  Otherwise OTA_OK means
 * "a real directory for a directory entry: reuse it".
 */
static ota_err
existing(otac_dir *d, int pfd, const char *leaf, const ota_bundle_entry *e, bool replace,
         bool *retry)
{
    struct stat st;
    *retry = false;
    if (fstatat(pfd, leaf, &st, AT_SYMLINK_NOFOLLOW) != 0)
        return sys_fail(d, "stat", e->path, errno);
    if (S_ISDIR(st.st_mode)) {
        if (e->type == OTA_BUNDLE_DIR)
            return OTA_OK;
        return unsafe(d, "a directory in the way of", e->path);
    }
    if (!S_ISREG(st.st_mode) && !S_ISLNK(st.st_mode))
        return unsafe(d, "a special file in the way of", e->path);
    if (!replace) {
        if (S_ISLNK(st.st_mode) || e->type == OTA_BUNDLE_DIR)
            return unsafe(d, S_ISLNK(st.st_mode) ? "a symlink in the way of"
                                                 : "a file in the way of",
                          e->path);
        return sys_fail(d, "create", e->path, EEXIST);
    }
    if (unlinkat(pfd, leaf, 0) != 0)
        return sys_fail(d, "unlink", e->path, errno);
    *retry = true;
    return OTA_OK;
}

/* Create the object of entry e at pfd/leaf; files and directories stay open
 * in d->cur_fd. */
static ota_err
create(otac_dir *d, int pfd, const char *leaf, const ota_bundle_entry *e, bool replace)
{
    ota_err rc = OTA_E_IO;
    for (int attempt = 0; attempt < 2; attempt++) {
        int r = 0;
        switch (e->type) {
        case OTA_BUNDLE_FILE:
            d->cur_fd = openat(pfd, leaf, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                               0600);
            r = d->cur_fd < 0 ? -1 : 0;
            break;
        case OTA_BUNDLE_DIR: r = mkdirat(pfd, leaf, 0700); break;
        case OTA_BUNDLE_SYMLINK: r = symlinkat(e->link, pfd, leaf); break;
        default: return unsafe(d, "an unknown entry type at", e->path);
        }
        if (r == 0)
            break;
        if (errno != EEXIST)
            return sys_fail(d, "create", e->path, errno);
        if (attempt > 0)
            return unsafe(d, "an object reappearing at", e->path);
        bool retry = false;
        if ((rc = existing(d, pfd, leaf, e, replace, &retry)) != OTA_OK)
            return rc;
        if (!retry)
            break; /* a real directory for a directory entry */
    }
    if (e->type == OTA_BUNDLE_DIR) {
        /* the directory just made (or reused): never a link, checked by the open */
        d->cur_fd = openat(pfd, leaf, DIR_FLAGS);
        if (d->cur_fd < 0) {
            if (errno == ELOOP || errno == ENOTDIR)
                return unsafe(d, "a link or non-directory at", e->path);
            return sys_fail(d, "open", e->path, errno);
        }
        struct stat st;
        if (fstat(d->cur_fd, &st) != 0)
            return sys_fail(d, "stat", e->path, errno);
        if (st.st_dev != d->root_dev)
            return unsafe(d, "another file system at", e->path);
    } else if (e->type == OTA_BUNDLE_SYMLINK) {
        struct timespec ts[2];
        times_of(e->mtime, ts);
        if (d->is_root && fchownat(pfd, leaf, 0, 0, AT_SYMLINK_NOFOLLOW) != 0)
            return sys_fail(d, "chown", e->path, errno);
        if (utimensat(pfd, leaf, ts, AT_SYMLINK_NOFOLLOW) != 0)
            return sys_fail(d, "set times of", e->path, errno);
    }
    return OTA_OK;
}

/* Number of leading whole components a and b have in common ("a/b/c" and
 * "a/b/d": 2; "a/b" and "a/bc": 1). */
static size_t
shared_levels(const char *a, const char *b)
{
    size_t n = 0;
    for (size_t i = 0;; i++) {
        bool aend = a[i] == '\0' || a[i] == '/';
        bool bend = b[i] == '\0' || b[i] == '/';
        if (aend && bend) {
            if (i > 0)
                n++;
            if (a[i] == '\0' || b[i] == '\0')
                return n;
        } else if (aend || bend || a[i] != b[i]) {
            return n;
        }
    }
}

/* Components of a checked entry path. */
static size_t
levels(const char *p)
{
    size_t n = p[0] != '\0' ? 1 : 0;
    for (; *p != '\0'; p++)
        if (*p == '/')
            n++;
    return n;
}

/* After creating an entry in the directory pfd (entry path `path`), apply
 * the parent's own mtime again if the parent was an entry of this run. */
static ota_err
restore_parent_time(otac_dir *d, int pfd, const char *path, const char *leaf)
{
    size_t plen = (size_t) (leaf - path);
    if (plen == 0)
        return OTA_OK; /* the slot's root: not an entry */
    plen--; /* the '/' before leaf */
    if (strncmp(d->chain, path, plen) != 0 || (d->chain[plen] != '\0' && d->chain[plen] != '/'))
        return OTA_OK; /* the parent was not an entry (created as a missing parent) */
    size_t lv = levels(path) - 1; /* the parent's */
    if (lv == 0 || lv > MAX_LEVELS || !d->chain_known[lv - 1])
        return OTA_OK;
    struct timespec ts[2];
    times_of(d->chain_mtime[lv - 1], ts);
    if (futimens(pfd, ts) != 0)
        return sys_fail(d, "set times of the parent of", path, errno);
    return OTA_OK;
}

/* A directory entry `path` was created: it becomes the chain's end. */
static void
chain_push(otac_dir *d, const char *path, int64_t mtime)
{
    size_t keep = shared_levels(d->chain, path);
    size_t lv = levels(path);
    if (lv == 0 || lv > MAX_LEVELS)
        return;
    for (size_t i = keep; i < lv; i++)
        d->chain_known[i] = 0;
    d->chain_mtime[lv - 1] = mtime;
    d->chain_known[lv - 1] = 1;
    strcpy(d->chain, path);
}

static mode_t
entry_mode(const otac_dir *d, const ota_bundle_entry *e)
{
    mode_t m = (mode_t) (e->mode & 07777u);
    if (!d->allow_setuid)
        m &= (mode_t) ~(S_ISUID | S_ISGID);
    if (e->type == OTA_BUNDLE_DIR && !d->is_root)
        m |= S_IRWXU;
    return m;
}

ota_err
otac_dir_entry_begin(otac_dir *d, const ota_bundle_entry *e, bool replace)
{
    ota_err rc = OTA_E_STATE;
    int pfd = -1;
    const char *leaf = NULL;
    d->err[0] = '\0';
    if (d->in_entry) {
        snprintf(d->err, sizeof d->err, "entry %s begun before the previous one ended",
                 e->path);
        goto out;
    }
    if (ota_bundle_path_check(e->path) != OTA_OK) {
        snprintf(d->err, sizeof d->err, "an unsafe entry path refused");
        rc = OTA_E_UNSAFE;
        goto out;
    }
    if (e->type == OTA_BUNDLE_SYMLINK && e->link == NULL) {
        rc = OTA_E_ARG;
        goto out;
    }
    if ((rc = open_parent(d, e->path, &pfd, &leaf)) != OTA_OK)
        goto out;
    if ((rc = create(d, pfd, leaf, e, replace)) != OTA_OK)
        goto out;
    if ((rc = restore_parent_time(d, pfd, e->path, leaf)) != OTA_OK)
        goto out;
    if (e->type == OTA_BUNDLE_DIR)
        chain_push(d, e->path, e->mtime);
    d->entries++;
    if (e->type == OTA_BUNDLE_FILE)
        d->files++;
    d->in_entry = true;
    d->cur_type = e->type;
    d->cur_mode = entry_mode(d, e);
    d->cur_mtime = e->mtime;
    d->cur_size = e->type == OTA_BUNDLE_FILE ? e->size : 0;
    d->cur_done = 0;
    strcpy(d->cur_path, e->path);
    rc = OTA_OK;
out:
    if (pfd >= 0)
        close(pfd);
    if (rc != OTA_OK && d->cur_fd >= 0) {
        close(d->cur_fd);
        d->cur_fd = -1;
    }
    return rc;
}

ota_err
otac_dir_entry_data(otac_dir *d, const uint8_t *buf, size_t len)
{
    if (!d->in_entry || d->cur_type != OTA_BUNDLE_FILE || d->cur_fd < 0)
        return OTA_E_STATE;
    if (len > d->cur_size - d->cur_done) {
        snprintf(d->err, sizeof d->err, "write %s: more data than its size", d->cur_path);
        return OTA_E_LIMIT;
    }
    while (len > 0) {
        ssize_t w = write(d->cur_fd, buf, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return sys_fail(d, "write", d->cur_path, w < 0 ? errno : EIO);
        buf += w;
        len -= (size_t) w;
        d->cur_done += (uint64_t) w;
        d->bytes += (uint64_t) w;
    }
    return OTA_OK;
}

ota_err
otac_dir_entry_end(otac_dir *d)
{
    ota_err rc = OTA_E_STATE;
    if (!d->in_entry)
        goto out;
    d->in_entry = false;
    if (d->cur_fd < 0) {
        rc = OTA_OK; /* a symlink: done in entry_begin */
        goto out;
    }
    if (d->cur_type == OTA_BUNDLE_FILE && d->cur_done != d->cur_size) {
        snprintf(d->err, sizeof d->err, "write %s: %llu of %llu bytes", d->cur_path,
                 (unsigned long long) d->cur_done, (unsigned long long) d->cur_size);
        rc = OTA_E_LENGTH;
        goto out;
    }
    struct timespec ts[2];
    times_of(d->cur_mtime, ts);
    /* chown first: it may clear S_ISUID/S_ISGID */
    if (d->is_root && fchown(d->cur_fd, 0, 0) != 0) {
        rc = sys_fail(d, "chown", d->cur_path, errno);
        goto out;
    }
    if (fchmod(d->cur_fd, d->cur_mode) != 0) {
        rc = sys_fail(d, "chmod", d->cur_path, errno);
        goto out;
    }
    if (futimens(d->cur_fd, ts) != 0) {
        rc = sys_fail(d, "set times of", d->cur_path, errno);
        goto out;
    }
    int fd = d->cur_fd;
    d->cur_fd = -1;
    if (close(fd) != 0) {
        rc = sys_fail(d, "close", d->cur_path, errno);
        goto out;
    }
    rc = OTA_OK;
out:
    if (d->cur_fd >= 0) {
        close(d->cur_fd);
        d->cur_fd = -1;
    }
    return rc;
}

ota_err
otac_dir_sync(otac_dir *d)
{
    if (d->cur_fd >= 0 && d->cur_type == OTA_BUNDLE_FILE && fsync(d->cur_fd) != 0)
        return sys_fail(d, "fsync", d->cur_path, errno);
    if (syncfs(d->root_fd) != 0)
        return sys_fail(d, "syncfs", ".", errno);
    return OTA_OK;
}

/* ---- emptying ---------------------------------------------------------------- */

/* The relative path of the directory being emptied: grows with the depth
 * of the old tree (untrusted), so on the heap and never handed to the
 * kernel whole. */
typedef struct relpath {
    char *s;
    size_t len, cap;
} relpath;

static bool
rel_push(relpath *r, const char *name)
{
    size_t n = strlen(name);
    size_t need = r->len + (r->len > 0) + n + 1;
    if (need > r->cap) {
        size_t cap = r->cap * 2 > need ? r->cap * 2 : need;
        char *s = realloc(r->s, cap);
        if (s == NULL)
            return false;
        r->s = s;
        r->cap = cap;
    }
    if (r->len > 0)
        r->s[r->len++] = '/';
    memcpy(r->s + r->len, name, n + 1);
    r->len += n;
    return true;
}

/* The last component of r (points into r->s). */
static const char *
rel_leaf(const relpath *r)
{
    const char *slash = strrchr(r->s, '/');
    return slash != NULL ? slash + 1 : r->s;
}

static void
rel_pop(relpath *r)
{
    const char *slash = strrchr(r->s, '/');
    r->len = slash != NULL ? (size_t) (slash - r->s) : 0;
    r->s[r->len] = '\0';
}

/* u+rwx on a directory through its descriptor, so it can be listed and its
 * entries removed even when an earlier tree made it 0555 or 0000. */
static ota_err
make_writable(otac_dir *d, int fd, const char *rel)
{
    struct stat st;
    if (fstat(fd, &st) != 0)
        return sys_fail(d, "stat", rel, errno);
    if (st.st_dev != d->root_dev)
        return unsafe(d, "another file system at", rel);
    if ((st.st_mode & S_IRWXU) != S_IRWXU &&
        fchmod(fd, (mode_t) ((st.st_mode & 07777) | S_IRWXU)) != 0)
        return sys_fail(d, "chmod", rel, errno);
    return OTA_OK;
}

/*
 * One pass over the directory `dir`: unlink every non-directory, rmdir every
 * empty directory; stop at the first directory that is not empty and return
 * its name in *sub (malloc'd).  *removed: something was removed.
 */
static ota_err
sweep(otac_dir *d, DIR *dir, const char *rel, char **sub, bool *removed)
{
    int fd = dirfd(dir);
    rewinddir(dir);
    for (;;) {
        errno = 0;
        struct dirent *de = readdir(dir);
        if (de == NULL) {
            if (errno != 0)
                return sys_fail(d, "read directory", rel[0] ? rel : ".", errno);
            return OTA_OK;
        }
        const char *name = de->d_name;
        if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
            continue;
        struct stat st;
        if (fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
            if (errno == ENOENT)
                continue;
            return sys_fail(d, "stat in", rel[0] ? rel : ".", errno);
        }
        if (st.st_dev != d->root_dev)
            return unsafe(d, "another file system mounted in", rel[0] ? rel : ".");
        if (!S_ISDIR(st.st_mode)) {
            if (unlinkat(fd, name, 0) != 0)
                return sys_fail(d, "unlink in", rel[0] ? rel : ".", errno);
            *removed = true;
            continue;
        }
        if (unlinkat(fd, name, AT_REMOVEDIR) == 0) {
            *removed = true;
            continue;
        }
        if (errno != ENOTEMPTY && errno != EEXIST)
            return sys_fail(d, "rmdir in", rel[0] ? rel : ".", errno);
        *sub = strdup(name);
        return *sub != NULL ? OTA_OK : OTA_E_NOMEM;
    }
}

/*
 * u+rwx on the directory fd/name that cannot be opened for reading (not
 * root, mode 0000 or 0300): pinned first with O_PATH|O_NOFOLLOW|O_DIRECTORY
 * (a link or a non-directory fails there), checked to be on the slot's file
 * system, then changed through that descriptor's /proc/self/fd entry, which
 * names the pinned directory itself.  No chmod by name: whatever libc's
 * fchmodat(AT_SYMLINK_NOFOLLOW) does.  Without /proc: refused (ENOENT).
 */
static ota_err
unlock_sub(otac_dir *d, int fd, const char *name, const char *rel)
{
    ota_err rc = OTA_OK;
    int pfd = openat(fd, name, O_PATH | O_NOFOLLOW | O_DIRECTORY | O_CLOEXEC);
    if (pfd < 0) {
        if (errno == ELOOP || errno == ENOTDIR)
            return unsafe(d, "a link or non-directory at", rel);
        return sys_fail(d, "open", rel, errno);
    }
    struct stat st;
    char proc[64];
    if (fstat(pfd, &st) != 0) {
        rc = sys_fail(d, "stat", rel, errno);
        goto out;
    }
    if (!S_ISDIR(st.st_mode) || st.st_dev != d->root_dev) {
        rc = unsafe(d, "a non-directory or another file system at", rel);
        goto out;
    }
    snprintf(proc, sizeof proc, "/proc/self/fd/%d", pfd);
    if (chmod(proc, (st.st_mode & 07777) | S_IRWXU) != 0)
        rc = sys_fail(d, "chmod", rel, errno);
out:
    close(pfd);
    return rc;
}

/* Open subdirectory `name` of fd for emptying: never through a link, made
 * u+rwx (through a pinned descriptor when it cannot be opened: unlock_sub). */
static ota_err
open_sub(otac_dir *d, int fd, const char *name, const char *rel, int *out)
{
    int nfd = openat(fd, name, DIR_FLAGS);
    if (nfd < 0 && errno == EACCES) {
        ota_err rc = unlock_sub(d, fd, name, rel);
        if (rc != OTA_OK)
            return rc;
        nfd = openat(fd, name, DIR_FLAGS);
    }
    if (nfd < 0) {
        if (errno == ELOOP || errno == ENOTDIR)
            return unsafe(d, "a link or non-directory at", rel);
        return sys_fail(d, "open", rel, errno);
    }
    ota_err rc = make_writable(d, nfd, rel);
    if (rc != OTA_OK) {
        close(nfd);
        return rc;
    }
    *out = nfd;
    return OTA_OK;
}

/*
 * Leave the directory `cur` (whose path is rel) for its parent, verified to
 * hold `cur` under rel's last name (same device and inode: ".." is never a
 * link, and the check proves it is the parent we came from), and remove it.
 * *out: the parent's descriptor.
 */
static ota_err
go_up(otac_dir *d, int cur, const relpath *rel, bool to_root, int *out)
{
    ota_err rc = OTA_E_UNSAFE;
    struct stat me, there, pst;
    const char *name = rel_leaf(rel);
    int pfd = -1;
    if (fstat(cur, &me) != 0)
        return sys_fail(d, "stat", rel->s, errno);
    pfd = openat(cur, "..", DIR_FLAGS);
    if (pfd < 0)
        return sys_fail(d, "open the parent of", rel->s, errno);
    if (fstatat(pfd, name, &there, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISDIR(there.st_mode) ||
        there.st_dev != me.st_dev || there.st_ino != me.st_ino) {
        rc = unsafe(d, "a directory moved while emptying:", rel->s);
        goto out;
    }
    if (to_root && (fstat(pfd, &pst) != 0 || pst.st_dev != d->root_dev ||
                    pst.st_ino != d->root_ino)) {
        rc = unsafe(d, "a directory moved while emptying:", rel->s);
        goto out;
    }
    *out = pfd;
    pfd = -1;
    rc = OTA_OK;
out:
    if (pfd >= 0)
        close(pfd);
    return rc;
}

/*
 * Depth-first without recursion: one directory open at a time.  Each pass
 * over the current directory removes what it can; at the first non-empty
 * subdirectory it descends (openat O_NOFOLLOW from the current descriptor);
 * when a directory is empty it goes back up through ".." (checked) and
 * removes it.  Memory: the relative path of the current directory.
 */
ota_err
otac_dir_empty(otac_dir *d)
{
    ota_err rc = OTA_E_IO;
    relpath rel = {NULL, 0, 0};
    DIR *cur = NULL;
    char *sub = NULL;
    d->err[0] = '\0';
    if (d->in_entry)
        return OTA_E_STATE;
    rel.cap = 256;
    rel.s = malloc(rel.cap);
    if (rel.s == NULL) {
        rc = OTA_E_NOMEM;
        goto out;
    }
    rel.s[0] = '\0';
    int fd = openat(d->root_fd, ".", DIR_FLAGS);
    if (fd < 0) {
        rc = sys_fail(d, "open", ".", errno);
        goto out;
    }
    if (!d->is_root && (rc = make_writable(d, fd, ".")) != OTA_OK) {
        close(fd);
        goto out;
    }
    if ((cur = fdopendir(fd)) == NULL) {
        rc = sys_fail(d, "open", ".", errno);
        close(fd);
        goto out;
    }
    size_t depth = 0;
    for (;;) {
        bool removed = false;
        if ((rc = sweep(d, cur, rel.s, &sub, &removed)) != OTA_OK)
            goto out;
        if (sub != NULL) {
            if (!rel_push(&rel, sub)) {
                rc = OTA_E_NOMEM;
                goto out;
            }
            int nfd = -1;
            rc = open_sub(d, dirfd(cur), sub, rel.s, &nfd);
            free(sub);
            sub = NULL;
            if (rc != OTA_OK)
                goto out;
            closedir(cur);
            if ((cur = fdopendir(nfd)) == NULL) {
                rc = sys_fail(d, "open", rel.s, errno);
                close(nfd);
                goto out;
            }
            depth++;
            continue;
        }
        if (removed)
            continue; /* one more pass: prove it empty */
        if (depth == 0)
            break;
        int pfd = -1;
        if ((rc = go_up(d, dirfd(cur), &rel, depth == 1, &pfd)) != OTA_OK)
            goto out;
        closedir(cur);
        cur = NULL;
        if (unlinkat(pfd, rel_leaf(&rel), AT_REMOVEDIR) != 0) {
            rc = sys_fail(d, "rmdir", rel.s, errno);
            close(pfd);
            goto out;
        }
        rel_pop(&rel);
        depth--;
        if ((cur = fdopendir(pfd)) == NULL) {
            rc = sys_fail(d, "open", rel.s[0] ? rel.s : ".", errno);
            close(pfd);
            goto out;
        }
    }
    if (fsync(d->root_fd) != 0) {
        rc = sys_fail(d, "fsync", ".", errno);
        goto out;
    }
    rc = OTA_OK;
out:
    free(sub);
    if (cur != NULL)
        closedir(cur);
    free(rel.s);
    return rc;
}
