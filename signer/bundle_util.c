/* bundle_util.c — shared helpers of the bundle commands (see bundle_util.h). */
#include "bundle_util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ota_limits.h"

/* ---- source ------------------------------------------------------------------ */

void
bu_source_init(bu_source *s, int fd)
{
    s->fd = fd;
    s->total = 0;
    crypto_hash_sha256_init(&s->sha);
}

ota_err
bu_source_read(void *user, uint8_t *buf, size_t cap, size_t *got)
{
    bu_source *s = user;
    for (;;) {
        ssize_t r = read(s->fd, buf, cap);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return OTA_E_IO;
        crypto_hash_sha256_update(&s->sha, buf, (unsigned long long) r);
        s->total += (uint64_t) r;
        *got = (size_t) r;
        return OTA_OK;
    }
}

void
bu_source_final(bu_source *s, uint8_t out[32])
{
    crypto_hash_sha256_final(&s->sha, out);
}

/* ---- progress ------------------------------------------------------------------ */

double
bu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

const char *
bu_human(uint64_t n, char buf[32])
{
    const char *unit[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    double v = (double) n;
    int u = 0;
    while (v >= 1024.0 && u < 4) {
        v /= 1024.0;
        u++;
    }
    if (u == 0)
        snprintf(buf, 32, "%llu B", (unsigned long long) n);
    else
        snprintf(buf, 32, "%.1f %s", v, unit[u]);
    return buf;
}

void
bu_progress_init(bu_progress *p, const char *what, uint64_t total, bool quiet)
{
    p->on = !quiet && isatty(STDERR_FILENO);
    p->start = bu_now();
    p->last = 0;
    p->total = total;
    p->done = 0;
    p->what = what;
}

void
bu_progress_update(bu_progress *p, uint64_t done)
{
    p->done = done;
    if (!p->on)
        return;
    double t = bu_now();
    if (t - p->last < 0.2)
        return;
    p->last = t;
    char h[32];
    double rate = (double) done / (t - p->start > 1e-6 ? t - p->start : 1e-6) / 1e6;
    if (p->total > 0)
        fprintf(stderr, "\r%s: %s (%3.0f%%) %.0f MB/s   ", p->what, bu_human(done, h),
                100.0 * (double) done / (double) p->total, rate);
    else
        fprintf(stderr, "\r%s: %s %.0f MB/s   ", p->what, bu_human(done, h), rate);
    fflush(stderr);
}

void
bu_progress_done(bu_progress *p)
{
    if (p->on && p->last > 0)
        fputs("\r\033[K", stderr);
}

bool
bu_parse_size(const char *s, uint64_t *out)
{
    if (s == NULL || *s < '0' || *s > '9')
        return false;
    char *end = NULL;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0)
        return false;
    unsigned shift = 0;
    if (*end == 'k' || *end == 'K')
        shift = 10;
    else if (*end == 'm' || *end == 'M')
        shift = 20;
    else if (*end == 'g' || *end == 'G')
        shift = 30;
    if (shift != 0)
        end++;
    if (*end != '\0' || v > (UINT64_MAX >> shift))
        return false;
    *out = (uint64_t) v << shift;
    return true;
}

/* ---- extracting sink ---------------------------------------------------------------- */

ota_err
bu_extract_open(bu_extract *x, const char *dir)
{
    memset(x, 0, sizeof *x);
    x->comp_fd = x->file_fd = x->img_fd = -1;
    x->root_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (x->root_fd < 0)
        return errno == ENOENT ? OTA_E_NOT_FOUND : OTA_E_IO;
    return OTA_OK;
}

static void
close_fd(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

void
bu_extract_close(bu_extract *x)
{
    close_fd(&x->file_fd);
    close_fd(&x->img_fd);
    close_fd(&x->comp_fd);
    close_fd(&x->root_fd);
}

static ota_err
xfail(bu_extract *x, const char *what, const char *path)
{
    snprintf(x->err, sizeof x->err, "%s %s: %s", what, path, strerror(errno));
    return OTA_E_IO;
}

static ota_err
x_component_begin(void *user, const ota_bundle_component *c, uint64_t from)
{
    bu_extract *x = user;
    if (c->type == OTA_BUNDLE_TREE) {
        if (mkdirat(x->root_fd, c->name, 0755) != 0 && errno != EEXIST)
            return xfail(x, "mkdir", c->name);
        x->comp_fd = openat(x->root_fd, c->name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (x->comp_fd < 0)
            return xfail(x, "open", c->name);
        return OTA_OK;
    }
    char name[OTA_BUNDLE_MAX_NAME_LEN + 8];
    snprintf(name, sizeof name, "%s.img", c->name);
    int flags = O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC | (from == 0 ? O_TRUNC : 0);
    x->img_fd = openat(x->root_fd, name, flags, 0644);
    if (x->img_fd < 0)
        return xfail(x, "open", name);
    return OTA_OK;
}

static ota_err
x_image_write(void *user, const ota_bundle_component *c, uint64_t off, const uint8_t *buf,
              size_t len)
{
    bu_extract *x = user;
    while (len > 0) {
        ssize_t r = pwrite(x->img_fd, buf, len, (off_t) off);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return xfail(x, "write", c->name);
        buf += r;
        len -= (size_t) r;
        off += (uint64_t) r;
        x->bytes += (uint64_t) r;
    }
    return OTA_OK;
}

/* Directory fd holding path's last component, creating missing parents;
 * never follows a symlink.  *leaf points into path. */
static int
open_parent(bu_extract *x, const char *path, const char **leaf)
{
    int fd = dup(x->comp_fd);
    const char *p = path;
    char *part = malloc(strlen(path) + 1);
    if (part == NULL) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    for (;;) {
        const char *slash = strchr(p, '/');
        if (slash == NULL || fd < 0)
            break;
        size_t n = (size_t) (slash - p);
        memcpy(part, p, n);
        part[n] = '\0';
        if (mkdirat(fd, part, 0755) != 0 && errno != EEXIST) {
            close(fd);
            free(part);
            return -1;
        }
        int nfd = openat(fd, part, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        close(fd);
        fd = nfd;
        p = slash + 1;
    }
    free(part);
    *leaf = p;
    return fd;
}

static ota_err
x_entry_begin(void *user, const ota_bundle_component *c, const ota_bundle_entry *e)
{
    (void) c;
    bu_extract *x = user;
    const char *leaf = NULL;
    int dfd = open_parent(x, e->path, &leaf);
    if (dfd < 0)
        return xfail(x, "open parent of", e->path);
    ota_err rc = OTA_OK;
    x->entries++;
    switch (e->type) {
    case OTA_BUNDLE_DIR:
        if (mkdirat(dfd, leaf, 0700) != 0 && errno != EEXIST)
            rc = xfail(x, "mkdir", e->path);
        /* keep u+rwx so later entries can be created inside */
        else if (fchmodat(dfd, leaf, (mode_t) (e->mode | 0700), AT_SYMLINK_NOFOLLOW) != 0 &&
                 fchmodat(dfd, leaf, (mode_t) (e->mode | 0700), 0) != 0)
            rc = xfail(x, "chmod", e->path);
        break;
    case OTA_BUNDLE_SYMLINK:
        if (symlinkat(e->link, dfd, leaf) != 0)
            rc = xfail(x, "symlink", e->path);
        break;
    case OTA_BUNDLE_FILE:
        x->file_fd = openat(dfd, leaf, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (x->file_fd < 0)
            rc = xfail(x, "create", e->path);
        else if (fchmod(x->file_fd, (mode_t) (e->mode & 0777)) != 0)
            rc = xfail(x, "chmod", e->path);
        x->files++;
        break;
    }
    close(dfd);
    return rc;
}

static ota_err
x_entry_data(void *user, const uint8_t *buf, size_t len)
{
    bu_extract *x = user;
    while (len > 0) {
        ssize_t r = write(x->file_fd, buf, len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return xfail(x, "write", "file");
        buf += r;
        len -= (size_t) r;
        x->bytes += (uint64_t) r;
    }
    return OTA_OK;
}

static ota_err
x_entry_end(void *user)
{
    bu_extract *x = user;
    close_fd(&x->file_fd);
    return OTA_OK;
}

static ota_err
x_component_end(void *user, const ota_bundle_component *c)
{
    bu_extract *x = user;
    if (c->type == OTA_BUNDLE_IMAGE) {
        if (ftruncate(x->img_fd, (off_t) c->size) != 0 || fsync(x->img_fd) != 0)
            return xfail(x, "finish", c->name);
        close_fd(&x->img_fd);
    } else {
        close_fd(&x->comp_fd);
    }
    return OTA_OK;
}

void
bu_extract_sink(bu_extract *x, ota_bundle_sink *sink)
{
    sink->user = x;
    sink->component_begin = x_component_begin;
    sink->image_write = x_image_write;
    sink->entry_begin = x_entry_begin;
    sink->entry_data = x_entry_data;
    sink->entry_end = x_entry_end;
    sink->component_end = x_component_end;
}
