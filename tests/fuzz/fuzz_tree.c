/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer: the install engine's tree extraction into a real directory —
 * the `dir` slot writer (client/src/slot_dir.c: otac_dir_open, _empty,
 * _entry_begin/_data/_end, the calls install.c makes) fed by the bundle
 * reader (formats/ota_bundle_reader.c: libarchive and the tree checks) or
 * directly, on tmpfs (/dev/shm/ota-fuzz-tree.PID/; without /dev/shm in
 * $TMPDIR or /tmp):
 *
 *     root/      the slot, made afresh for every input (removed by the
 *                harness with its own walk, not by the code under test)
 *     outside/   a sentinel directory: a file, a subdirectory with a file
 *     canary     a file next to the slot
 *
 * After every input, whatever the writer returned, the harness aborts
 * (libFuzzer reports a crash) when anything escaped the slot:
 *  - outside/ differs in any entry, type, mode, size, inode, mtime or
 *    content (so a write through a link to it, or a create/remove in it);
 *  - the canary differs (inode, size, mode, mtime, content), or has more
 *    links than the one hard link the harness planted in the slot;
 *  - the workspace holds anything but root, outside and canary;
 *  - inside root (lstat walk, no link followed): an object on another
 *    device, a device node / fifo / socket the harness did not plant, a
 *    regular file with several links other than that planted one (the
 *    writer makes none), a setuid/setgid bit without allow_setuid;
 *  - otac_dir_empty returned OTA_OK but left something;
 *  - the reader returned OTA_OK (whole tree installed) but an entry it
 *    delivered is missing, of another type, or (file) of another size;
 *  - a power cut and resume (tar mode, below) ended in OTA_OK but the tree
 *    differs from an uninterrupted install of the same stream (paths,
 *    types, modes, sizes, contents, link targets, file times), or the
 *    uninterrupted install refused the stream the resumed one took.
 *
 * Input: a flags byte, then the body.
 *   0x01  the rest is an entry script (below) fed to the writer directly,
 *         bypassing the reader's tree checks (order, "nothing below a link
 *         or a file", link targets): the writer's own defences alone; else
 *         the next byte is a power cut point `cut` and the rest a tar stream
 *         that the harness pads to 512-byte blocks
 *         plus the end-of-archive blocks, wraps as a bundle (one tree
 *         component, stored chunks, exact head SHA-256 as the signed
 *         metadata would anchor it; entries/unpacked counted in a first
 *         verify-only pass) and runs through ota_bundle_reader with a sink
 *         that calls the slot writer, as install.c does.  Each ustar
 *         header's checksum is fixed up, and a linkname starting "@O" or
 *         "@C" becomes the absolute path of outside/ or the canary.
 *         cut > 0: the sink fails ("power cut") at its cut-th call, after
 *         the writer's part of that call; the
 *         install then resumes as install.c does: from the last
 *         checkpoint the reader reported (every one is kept), the source
 *         giving the head then the bytes from the checkpoint's offset, the
 *         slot reopened, objects in the way replaced; with no checkpoint
 *         yet, emptied and restarted.  Without planted leftovers the result
 *         is compared with an uninterrupted install (above).
 *   0x02  plant hostile leftovers in root first (a link to ../outside, one
 *         to outside/ by absolute path, a link to the canary, a hard link
 *         to the canary, a fifo, a mode-0000 directory holding a file):
 *         names "p-dirlink", "p-abslink", "p-filelink", "p-hardlink",
 *         "p-fifo", "p-locked/x";
 *   0x04  replace (a resumed install: objects in the way are removed);
 *   0x08  otac_dir_empty before writing (a fresh install);
 *   0x10  unprivileged: the writer sees geteuid() != 0 (interposed below)
 *         and file-system permission checks run as uid/gid 65534
 *         (setfsuid/setfsgid: the kernel drops the file capabilities);
 *         restored before any check (and in the sanitizers' error hooks, so
 *         a crash artifact can still be written);
 *   0x20  allow_setuid;
 *   0x40  tar: the component is a rootfs (absolute link targets allowed);
 *   0x80  afterwards, reopen the slot and otac_dir_empty it (the next
 *         install's first step, against what this one left).
 * Entry script: records
 *     t | mode (2 bytes BE) | path NUL | [link NUL] | [n | n data bytes]
 *   t & 3: 0 file, 1 directory, 2 symlink (link follows, "@O"/"@C" as
 *   above), 3 file whose declared size is n + 1 + (t >> 2 & 3) (short
 *   data); t & 0x10: no entry_end; t & 0x20: flip replace for this entry.
 *   At most MAX_SCRIPT entries.  Paths of more than MAX_HARNESS_PATH bytes
 *   are not handed to the writer (the harness's walks use whole paths).
 * FUZZ_TREE_VERBOSE=1 in the environment prints each step's outcome (to see
 * how far a seed gets).  At start the harness checks that its own bundle of
 * a one-directory tree installs (else it aborts: a bundle format change it
 * must follow).
 */
#define _GNU_SOURCE /* setfsuid, nftw's FTW_ACTIONRETVAL-free use */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../../client/src/slot.h"
#include "ota_bundle.h"
#include "ota_limits.h"
#include "ota_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NOBODY 65534
#define MAX_SCRIPT 64
#define MAX_DELIVERED 64
#define CHUNK 65536u
/* Entry paths longer than this are refused by the harness's sink and
 * script (the harness's own walks use whole paths, which must stay under
 * PATH_MAX with the workspace's prefix); the writer sees up to here. */
#define MAX_HARNESS_PATH 3800u

static char ws[256], rootp[300], outp[300], canp[300];
static char base_out[1 << 16]; /* snapshot of outside/ */
static char base_can[512];     /* snapshot of the canary (no link count) */
static bool verbose;           /* FUZZ_TREE_VERBOSE set: outcomes on stderr */
static bool fake_nonroot;      /* geteuid() as the writer sees it */
static bool as_nobody;         /* fsuid is 65534 */

static void restore(void);

static void
die(const char *what)
{
    restore();
    fprintf(stderr, "fuzz_tree: %s\n", what);
    abort();
}

/* ---- privileges --------------------------------------------------------- */

/* The writer asks geteuid() whether it runs as root (slot_dir.c); the
 * executable's definition wins over libc's for the statically linked
 * library.  The real effective uid never changes. */
uid_t
geteuid(void)
{
    return fake_nonroot ? NOBODY : (uid_t) syscall(SYS_geteuid);
}

static void
drop(void)
{
    if (syscall(SYS_geteuid) != 0)
        return; /* not root: unprivileged already */
    fake_nonroot = true;
    setfsgid(NOBODY);
    setfsuid(NOBODY);
    as_nobody = true;
}

static void
restore(void)
{
    if (as_nobody) {
        setfsuid(0);
        setfsgid(0);
        as_nobody = false;
    }
    fake_nonroot = false;
}

/* So the crash artifact can be written after a sanitizer report. */
void __asan_on_error(void);
void
__asan_on_error(void)
{
    restore();
}
void __ubsan_on_report(void);
void
__ubsan_on_report(void)
{
    restore();
}

/* ---- snapshots and checks ----------------------------------------------- */

static char *snap;
static size_t snap_len, snap_cap;

static void
snap_add(const char *a, const struct stat *st, const char *hash)
{
    int n =
        snprintf(snap + snap_len, snap_cap - snap_len, "%s %o %lld %llu %lld.%ld %s\n", a,
                 (unsigned) st->st_mode, (long long) st->st_size, (unsigned long long) st->st_ino,
                 (long long) st->st_mtim.tv_sec, (long) st->st_mtim.tv_nsec, hash);
    if (n < 0 || (size_t) n >= snap_cap - snap_len)
        die("snapshot too large");
    snap_len += (size_t) n;
}

static void
file_hash(const char *path, const struct stat *st, char hex[65])
{
    strcpy(hex, "-");
    if (!S_ISREG(st->st_mode))
        return;
    uint8_t *buf = NULL;
    size_t len = 0;
    if (ota_file_read(path, 1 << 20, &buf, &len) != OTA_OK)
        die("cannot read a sentinel file");
    uint8_t md[32];
    ota_sha256(buf, len, md);
    ota_hex_encode(md, 32, hex);
    free(buf);
}

static int
snap_cb(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void) flag;
    (void) ftw;
    char hex[65];
    file_hash(path, st, hex);
    snap_add(path, st, hex);
    return 0;
}

static void
snapshot_outside(char *out, size_t cap)
{
    snap = out;
    snap_len = 0;
    snap_cap = cap;
    out[0] = '\0';
    if (nftw(outp, snap_cb, 8, FTW_PHYS) != 0)
        die("cannot walk outside/");
}

static void
snapshot_canary(char *out, size_t cap, struct stat *st)
{
    if (lstat(canp, st) != 0)
        die("canary gone");
    char hex[65];
    file_hash(canp, st, hex);
    snap = out;
    snap_len = 0;
    snap_cap = cap;
    snap_add(canp, st, hex);
}

/* the root walk's state */
static bool walk_allow_setuid, walk_planted;
static dev_t walk_dev;
static ino_t canary_ino;
static unsigned walk_canary_links, walk_count;

static int
root_cb(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void) flag;
    if (ftw->level == 0)
        return 0;
    walk_count++;
    const char *rel = path + strlen(rootp) + 1;
    if (st->st_dev != walk_dev) {
        fprintf(stderr, "fuzz_tree: %s: on another device\n", rel);
        abort();
    }
    if (st->st_ino == canary_ino) {
        if (!walk_planted || strcmp(rel, "p-hardlink") != 0) {
            fprintf(stderr, "fuzz_tree: %s: a hard link to the canary\n", rel);
            abort();
        }
        walk_canary_links++;
        return 0;
    }
    if (!S_ISREG(st->st_mode) && !S_ISDIR(st->st_mode) && !S_ISLNK(st->st_mode) &&
        !(walk_planted && strcmp(rel, "p-fifo") == 0 && S_ISFIFO(st->st_mode))) {
        fprintf(stderr, "fuzz_tree: %s: a special file (mode %o)\n", rel, (unsigned) st->st_mode);
        abort();
    }
    if (S_ISREG(st->st_mode) && st->st_nlink != 1) {
        fprintf(stderr, "fuzz_tree: %s: %lu links\n", rel, (unsigned long) st->st_nlink);
        abort();
    }
    if (!walk_allow_setuid && !S_ISLNK(st->st_mode) && (st->st_mode & (S_ISUID | S_ISGID))) {
        fprintf(stderr, "fuzz_tree: %s: setuid/setgid (mode %o)\n", rel, (unsigned) st->st_mode);
        abort();
    }
    return 0;
}

/* Everything outside root as it was; root's contents acceptable. */
static void
check_all(bool allow_setuid, bool planted)
{
    static char now[sizeof base_out];
    snapshot_outside(now, sizeof now);
    if (strcmp(now, base_out) != 0) {
        fprintf(stderr, "fuzz_tree: outside/ changed\nwas:\n%snow:\n%s", base_out, now);
        abort();
    }
    char can[sizeof base_can];
    struct stat cst;
    snapshot_canary(can, sizeof can, &cst);
    if (strcmp(can, base_can) != 0) {
        fprintf(stderr, "fuzz_tree: the canary changed\nwas: %snow: %s", base_can, can);
        abort();
    }
    /* the workspace: root, outside, canary */
    DIR *dir = opendir(ws);
    if (dir == NULL)
        die("cannot list the workspace");
    unsigned n = 0;
    for (struct dirent *de; (de = readdir(dir)) != NULL;) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        n++;
        if (strcmp(de->d_name, "root") != 0 && strcmp(de->d_name, "outside") != 0 &&
            strcmp(de->d_name, "canary") != 0) {
            fprintf(stderr, "fuzz_tree: %s appeared next to the slot\n", de->d_name);
            abort();
        }
    }
    closedir(dir);
    struct stat rst;
    if (n != 3 || lstat(rootp, &rst) != 0 || !S_ISDIR(rst.st_mode))
        die("the slot directory or a sentinel is gone");
    walk_allow_setuid = allow_setuid;
    walk_planted = planted;
    walk_dev = rst.st_dev;
    canary_ino = cst.st_ino;
    walk_canary_links = 0;
    walk_count = 0;
    if (nftw(rootp, root_cb, 8, FTW_PHYS) != 0)
        die("cannot walk the slot");
    if (cst.st_nlink != 1 + walk_canary_links) {
        fprintf(stderr, "fuzz_tree: the canary has %lu links, %u in the slot\n",
                (unsigned long) cst.st_nlink, walk_canary_links);
        abort();
    }
}

static unsigned
root_entries(void)
{
    DIR *dir = opendir(rootp);
    if (dir == NULL)
        die("cannot list the slot");
    unsigned n = 0;
    for (struct dirent *de; (de = readdir(dir)) != NULL;)
        n += strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0;
    closedir(dir);
    return n;
}

/* ---- workspace ---------------------------------------------------------- */

static int
rm_cb(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void) st;
    (void) ftw;
    if (flag == FTW_DP || flag == FTW_D)
        return rmdir(path) != 0 ? -1 : 0;
    return unlink(path) != 0 ? -1 : 0;
}

static int
chmod_cb(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void) ftw;
    if (flag == FTW_D || flag == FTW_DNR)
        chmod(path, (st->st_mode & 07777) | 0700);
    return 0;
}

static void
write_file(const char *path, const char *text, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, mode);
    if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t) strlen(text) ||
        fchmod(fd, mode) != 0 || close(fd) != 0)
        die("cannot make the workspace");
}

static void cleanup(void);

static void
setup(void)
{
    static bool done;
    if (done)
        return;
    done = true;
    verbose = getenv("FUZZ_TREE_VERBOSE") != NULL;
    /* tmpfs: creating and removing trees costs little (else TMPDIR, /tmp) */
    const char *tmp = getenv("TMPDIR");
    struct stat sst;
    if (stat("/dev/shm", &sst) == 0 && S_ISDIR(sst.st_mode) && access("/dev/shm", W_OK) == 0)
        tmp = "/dev/shm";
    else if (tmp == NULL || tmp[0] == '\0')
        tmp = "/tmp";
    /* workspaces of earlier runs that crashed (no atexit then) */
    DIR *td = opendir(tmp);
    for (struct dirent *de; td != NULL && (de = readdir(td)) != NULL;) {
        long pid = 0;
        if (sscanf(de->d_name, "ota-fuzz-tree.%ld", &pid) == 1 && pid > 0 &&
            kill((pid_t) pid, 0) != 0 && errno == ESRCH) {
            snprintf(ws, sizeof ws, "%.200s/%.50s", tmp, de->d_name);
            cleanup();
        }
    }
    if (td != NULL)
        closedir(td);
    snprintf(ws, sizeof ws, "%.200s/ota-fuzz-tree.%ld", tmp, (long) getpid());
    snprintf(rootp, sizeof rootp, "%s/root", ws);
    snprintf(outp, sizeof outp, "%s/outside", ws);
    snprintf(canp, sizeof canp, "%s/canary", ws);
    char p[400];
    if (mkdir(ws, 0755) != 0 || mkdir(outp, 0755) != 0)
        die("cannot make the workspace");
    snprintf(p, sizeof p, "%s/inner", outp);
    write_file(p, "outside: must not change\n", 0666);
    snprintf(p, sizeof p, "%s/sub", outp);
    if (mkdir(p, 0777) != 0 || chmod(p, 0777) != 0)
        die("cannot make the workspace");
    snprintf(p, sizeof p, "%s/sub/deep", outp);
    write_file(p, "deep: must not change\n", 0666);
    write_file(canp, "canary: must not change\n", 0666);
    /* modes 0777 / 0666: a write through a link would succeed for the
     * unprivileged writer too, and show */
    if (chmod(outp, 0777) != 0)
        die("cannot make the workspace");
    snapshot_outside(base_out, sizeof base_out);
    struct stat st;
    snapshot_canary(base_can, sizeof base_can, &st);
}

static void
cleanup(void)
{
    char cmd[400];
    if (ws[0] == '\0')
        return;
    (void) nftw(ws, chmod_cb, 8, FTW_PHYS);
    if (nftw(ws, rm_cb, 8, FTW_PHYS | FTW_DEPTH) != 0) {
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", ws);
        if (system(cmd) != 0)
            fprintf(stderr, "fuzz_tree: could not remove %s\n", ws);
    }
}

/* A fresh, empty root (owned by 65534 when unprivileged); hostile
 * leftovers in it when asked. */
static void
fresh_root(bool nonroot, bool plant)
{
    struct stat st;
    if (lstat(rootp, &st) == 0) {
        /* unprivileged, a pass can only open what the one before unlocked */
        int tries = 0;
        do
            (void) nftw(rootp, chmod_cb, 8, FTW_PHYS);
        while (nftw(rootp, rm_cb, 8, FTW_PHYS | FTW_DEPTH) != 0 && ++tries < 16);
        if (lstat(rootp, &st) == 0)
            die("cannot remove the slot");
    }
    if (mkdir(rootp, 0755) != 0)
        die("cannot make the slot");
    uid_t u = nonroot ? NOBODY : 0;
    if (syscall(SYS_geteuid) == 0 && chown(rootp, u, u) != 0)
        die("cannot chown the slot");
    if (!plant)
        return;
    char p[400], t[400];
    snprintf(p, sizeof p, "%s/p-dirlink", rootp);
    if (symlink("../outside", p) != 0)
        die("plant");
    snprintf(p, sizeof p, "%s/p-abslink", rootp);
    if (symlink(outp, p) != 0)
        die("plant");
    snprintf(p, sizeof p, "%s/p-filelink", rootp);
    if (symlink("../canary", p) != 0)
        die("plant");
    snprintf(p, sizeof p, "%s/p-hardlink", rootp);
    if (link(canp, p) != 0)
        die("plant");
    snprintf(p, sizeof p, "%s/p-fifo", rootp);
    if (mkfifo(p, 0644) != 0)
        die("plant");
    snprintf(p, sizeof p, "%s/p-locked", rootp);
    snprintf(t, sizeof t, "%s/p-locked/x", rootp);
    if (mkdir(p, 0755) != 0)
        die("plant");
    write_file(t, "x", 0644);
    if (syscall(SYS_geteuid) == 0 && (chown(p, u, u) != 0 || chown(t, u, u) != 0))
        die("plant");
    if (chmod(p, 0) != 0)
        die("plant");
}

/* ---- links: "@O" / "@C" ------------------------------------------------- */

static const char *
link_target(const char *in, char *buf, size_t cap)
{
    if (in[0] == '@' && (in[1] == 'O' || in[1] == 'C')) {
        snprintf(buf, cap, "%s%s", in[1] == 'O' ? outp : canp, in + 2);
        return buf;
    }
    return in;
}

/* ---- the writer, as install.c drives it ---------------------------------- */

typedef struct run {
    otac_dir *d;
    bool replace;
    bool counting;       /* first pass: count only */
    unsigned cut, calls; /* fail the cut-th sink call (0: never) */
    bool was_cut;        /* it did: the install was resumed */
    bool have_ckpt;
    ota_bundle_resume ckpt; /* the last checkpoint, strings below */
    char *ckpt_prev, *ckpt_last;
    uint64_t entries, bytes;
    unsigned ndelivered;
    struct {
        char *path;
        ota_bundle_etype type;
        uint64_t size;
    } delivered[MAX_DELIVERED];
} run;

/* The power cut: the cut-th sink call of a run fails after the writer
 * did its part (a write that landed, then the power went). */
static bool
cut_now(run *r)
{
    return r->cut != 0 && ++r->calls == r->cut;
}

static ota_err
k_entry_begin(void *user, const ota_bundle_component *c, const ota_bundle_entry *e)
{
    (void) c;
    run *r = user;
    r->entries++;
    if (r->counting)
        return OTA_OK;
    if (strlen(e->path) > MAX_HARNESS_PATH)
        return OTA_E_LIMIT;
    if (r->ndelivered < MAX_DELIVERED) {
        r->delivered[r->ndelivered].path = strdup(e->path);
        r->delivered[r->ndelivered].type = e->type;
        r->delivered[r->ndelivered].size = e->size;
        if (r->delivered[r->ndelivered].path == NULL)
            die("out of memory");
        r->ndelivered++;
    }
    ota_err rc = otac_dir_entry_begin(r->d, e, r->replace);
    return rc == OTA_OK && cut_now(r) ? OTA_E_IO : rc;
}

static ota_err
k_entry_data(void *user, const uint8_t *buf, size_t len)
{
    run *r = user;
    r->bytes += len;
    if (r->counting)
        return OTA_OK;
    ota_err rc = otac_dir_entry_data(r->d, buf, len);
    return rc == OTA_OK && cut_now(r) ? OTA_E_IO : rc;
}

static ota_err
k_entry_end(void *user)
{
    run *r = user;
    if (r->counting)
        return OTA_OK;
    ota_err rc = otac_dir_entry_end(r->d);
    return rc == OTA_OK && cut_now(r) ? OTA_E_IO : rc;
}

/* Every checkpoint is kept (install.c keeps one every few MiB and at
 * component ends: any of them must do). */
static ota_err
k_checkpoint(void *user, const ota_bundle_resume *p)
{
    run *r = user;
    if (r->counting)
        return OTA_OK;
    free(r->ckpt_prev);
    free(r->ckpt_last);
    r->ckpt = *p;
    r->ckpt_prev = strdup(p->prev_path != NULL ? p->prev_path : "");
    r->ckpt_last = strdup(p->last_nondir != NULL ? p->last_nondir : "");
    if (r->ckpt_prev == NULL || r->ckpt_last == NULL)
        die("out of memory");
    r->ckpt.prev_path = r->ckpt_prev;
    r->ckpt.last_nondir = r->ckpt_last;
    r->have_ckpt = true;
    return OTA_OK;
}

/* The bundle bytes; resuming, the head and then from resume_off on (as
 * install.c's source does). */
typedef struct src {
    const uint8_t *b;
    size_t len, pos, head_len, resume_off;
} src;

static ota_err
pull(void *user, uint8_t *buf, size_t cap, size_t *got)
{
    src *s = user;
    if (s->resume_off > s->head_len && s->pos == s->head_len)
        s->pos = s->resume_off <= s->len ? s->resume_off : s->len;
    size_t n = s->len - s->pos < cap ? s->len - s->pos : cap;
    if (s->resume_off > s->head_len && s->pos < s->head_len && n > s->head_len - s->pos)
        n = s->head_len - s->pos;
    if (n > 4096)
        n = 4096;
    memcpy(buf, s->b + s->pos, n);
    s->pos += n;
    *got = n;
    return OTA_OK;
}

static uint64_t
octal(const uint8_t *f, size_t n, bool *ok)
{
    uint64_t v = 0;
    size_t i = 0;
    while (i < n && f[i] == ' ')
        i++;
    for (; i < n && f[i] >= '0' && f[i] <= '7'; i++)
        v = v * 8 + (uint64_t) (f[i] - '0');
    *ok = i == n || f[i] == ' ' || f[i] == '\0';
    return v;
}

/* Fix up ustar headers: "@O"/"@C" link names, checksums. */
static void
fix_tar(uint8_t *t, size_t len)
{
    for (size_t pos = 0; pos + 512 <= len;) {
        uint8_t *h = t + pos;
        bool zero = true;
        for (size_t i = 0; i < 512 && zero; i++)
            zero = h[i] == 0;
        if (zero)
            return;
        if (h[157] == '@' && (h[158] == 'O' || h[158] == 'C')) {
            char in[101], buf[400];
            memcpy(in, h + 157, 100);
            in[100] = '\0';
            const char *tgt = link_target(in, buf, sizeof buf);
            size_t n = strlen(tgt);
            if (n <= 100) {
                memset(h + 157, 0, 100);
                memcpy(h + 157, tgt, n);
            }
        }
        memset(h + 148, ' ', 8);
        unsigned sum = 0;
        for (size_t i = 0; i < 512; i++)
            sum += h[i];
        snprintf((char *) h + 148, 8, "%06o", sum & 0777777u);
        h[155] = ' ';
        bool ok;
        uint64_t sz = octal(h + 124, 12, &ok);
        if (!ok || sz > len)
            return;
        pos += 512 + (size_t) ((sz + 511) / 512 * 512);
    }
}

/* The bundle of one tree component holding tar[tlen] (tlen % 512 == 0,
 * >= 1024), stored chunks; *head_len and sha: the anchor. */
static uint8_t *
make_bundle(const uint8_t *tar, size_t tlen, bool rootfs, uint64_t entries, uint64_t unpacked,
            size_t *blen, uint64_t *head_len, uint8_t sha[32])
{
    char man[512];
    int mlen = snprintf(man, sizeof man,
                        "{\"chunk_size\":%u,\"components\":[{\"entries\":%llu,\"name\":\"rootfs\","
                        "\"rootfs\":%s,\"size\":%zu,\"type\":\"tree\",\"unpacked\":%llu}],"
                        "\"format\":1,\"hardware\":[\"fuzz-hw\"],\"name\":\"fuzz\","
                        "\"type\":\"ota-bundle\",\"version\":\"1.0.0\"}",
                        CHUNK, (unsigned long long) entries, rootfs ? "true" : "false", tlen,
                        (unsigned long long) unpacked);
    uint32_t nchunks = (uint32_t) ((tlen + CHUNK - 1) / CHUNK);
    size_t tab = (size_t) nchunks * OTA_BUNDLE_ENTRY_LEN;
    *head_len = OTA_BUNDLE_HEADER_LEN + (size_t) mlen + tab;
    *blen = (size_t) *head_len + tlen;
    uint8_t *b = malloc(*blen);
    if (b == NULL)
        die("out of memory");
    memcpy(b + OTA_BUNDLE_HEADER_LEN, man, (size_t) mlen);
    for (uint32_t i = 0; i < nchunks; i++) {
        size_t off = (size_t) i * CHUNK, n = tlen - off < CHUNK ? tlen - off : CHUNK;
        uint8_t h[32];
        ota_sha256(tar + off, n, h);
        ota_bundle_chunk_encode((uint32_t) n, h, h,
                                b + OTA_BUNDLE_HEADER_LEN + mlen +
                                    (size_t) i * OTA_BUNDLE_ENTRY_LEN);
    }
    memcpy(b + *head_len, tar, tlen);
    ota_bundle_header hd = {.format = 1, /* the manifest's "format":1 (deflate or stored) */
                            .chunk_size = CHUNK,
                            .chunk_count = nchunks,
                            .manifest_len = (uint64_t) mlen,
                            .table_len = tab,
                            .payload_len = tlen};
    ota_sha256(b + OTA_BUNDLE_HEADER_LEN, (size_t) mlen + tab, hd.digest);
    ota_bundle_header_encode(&hd, b);
    ota_sha256(b, (size_t) *head_len, sha);
    return b;
}

static ota_err
read_bundle(const uint8_t *b, size_t blen, uint64_t head_len, const uint8_t sha[32], run *r,
            const ota_bundle_resume *resume)
{
    src s = {.b = b,
             .len = blen,
             .head_len = (size_t) head_len,
             .resume_off = resume != NULL ? (size_t) resume->bundle_offset : 0};
    ota_bundle_sink sink = {.user = r,
                            .entry_begin = k_entry_begin,
                            .entry_data = k_entry_data,
                            .entry_end = k_entry_end,
                            .checkpoint = k_checkpoint};
    ota_bundle_reader_config cfg = {.size = sizeof cfg,
                                    .read = pull,
                                    .read_user = &s,
                                    .sink = &sink,
                                    .head_sha256 = sha,
                                    .head_length = head_len,
                                    .resume = resume};
    ota_bundle_reader *rd = NULL;
    ota_err rc = ota_bundle_reader_new(&cfg, &rd);
    if (rc != OTA_OK)
        die("reader_new refused the harness's bundle or checkpoint");
    rc = ota_bundle_reader_run(rd);
    ota_bundle_reader_free(rd);
    return rc;
}

/* One install of bundle b into the slot (the run's writer open): with a
 * power cut at r->cut, then the resume. */
static ota_err
install(const uint8_t *b, size_t blen, uint64_t head_len, const uint8_t sha[32], run *r,
        const otac_dir_opts *o)
{
    r->calls = 0;
    r->have_ckpt = false;
    ota_err rc = read_bundle(b, blen, head_len, sha, r, NULL);
    if (r->cut == 0 || r->calls < r->cut)
        return rc; /* no power cut (or the writer failed first) */
    r->cut = 0;
    r->was_cut = true;
    /* the next start: a new writer on the same slot */
    otac_dir_close(r->d);
    r->d = NULL;
    if (otac_dir_open(rootp, o, &r->d) != OTA_OK)
        die("cannot reopen the slot");
    if (!r->have_ckpt) {
        /* nothing journaled: from the start, after emptying (install.c) */
        if ((rc = otac_dir_empty(r->d)) != OTA_OK)
            return rc;
        return read_bundle(b, blen, head_len, sha, r, NULL);
    }
    bool replace = r->replace;
    r->replace = true; /* resumed: objects left by the cut run are in the way */
    ota_bundle_resume p = r->ckpt;
    p.prev_path = r->ckpt_prev;
    p.last_nondir = r->ckpt_last;
    rc = read_bundle(b, blen, head_len, sha, r, &p);
    r->replace = replace;
    return rc;
}

/* The slot's tree as sorted lines: path, type, mode, size, file contents'
 * SHA-256 or link target, file time (directory times are not compared: a
 * resumed run leaves those of the directories made before it). */
static char **lines;
static size_t nlines, caplines;

static int
list_cb(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void) flag;
    if (ftw->level == 0)
        return 0;
    char what[8192] = "-";
    if (S_ISREG(st->st_mode)) {
        /* unprivileged, a file the stream made mode 0000 is read after u+r
         * (its mode is already in the line) */
        bool locked = access(path, R_OK) != 0 && chmod(path, st->st_mode | S_IRUSR) == 0;
        file_hash(path, st, what);
        if (locked && chmod(path, st->st_mode & 07777) != 0)
            die("cannot restore a mode");
    } else if (S_ISLNK(st->st_mode)) {
        ssize_t n = readlink(path, what, sizeof what - 1);
        what[n < 0 ? 0 : n] = '\0';
    }
    size_t need = strlen(path) + strlen(what) + 96;
    char *line = malloc(need);
    if (line == NULL)
        die("out of memory");
    snprintf(line, need, "%s %o %lld %s %lld", path + strlen(rootp), (unsigned) st->st_mode,
             S_ISDIR(st->st_mode) ? 0LL : (long long) st->st_size, what,
             S_ISDIR(st->st_mode) ? 0LL : (long long) st->st_mtim.tv_sec);
    if (nlines == caplines) {
        caplines = caplines ? 2 * caplines : 64;
        lines = realloc(lines, caplines * sizeof *lines);
        if (lines == NULL)
            die("out of memory");
    }
    lines[nlines++] = line;
    return 0;
}

static int
cmp_line(const void *a, const void *b)
{
    return strcmp(*(char *const *) a, *(char *const *) b);
}

/* The listing as one malloc'd string. */
static char *
tree_listing(void)
{
    nlines = 0;
    if (nftw(rootp, list_cb, 8, FTW_PHYS) != 0)
        die("cannot walk the slot");
    if (nlines > 1)
        qsort(lines, nlines, sizeof *lines, cmp_line);
    size_t total = 1;
    for (size_t i = 0; i < nlines; i++)
        total += strlen(lines[i]) + 1;
    char *out = malloc(total), *p = out;
    if (out == NULL)
        die("out of memory");
    for (size_t i = 0; i < nlines; i++) {
        size_t n = strlen(lines[i]);
        memcpy(p, lines[i], n);
        p[n] = '\n';
        p += n + 1;
        free(lines[i]);
    }
    *p = '\0';
    return out;
}

/* Tar mode; OTA_OK when the reader installed the whole tree. */
static ota_err
tar_mode(const uint8_t *body, size_t len, bool rootfs, run *r, const otac_dir_opts *o, bool plant,
         bool nonroot)
{
    size_t tlen = (len + 511) / 512 * 512 + 1024;
    uint8_t *tar = calloc(1, tlen);
    if (tar == NULL)
        die("out of memory");
    memcpy(tar, body, len);
    fix_tar(tar, tlen);
    size_t blen;
    uint64_t head_len;
    uint8_t sha[32];
    /* pass 1: count entries and bytes (verify only) */
    uint8_t *b =
        make_bundle(tar, tlen, rootfs, OTA_BUNDLE_MAX_ENTRIES, tlen, &blen, &head_len, sha);
    r->counting = true;
    (void) read_bundle(b, blen, head_len, sha, r, NULL);
    free(b);
    r->counting = false;
    uint64_t n = r->entries, bytes = r->bytes;
    r->entries = r->bytes = 0;
    b = make_bundle(tar, tlen, rootfs, n, bytes, &blen, &head_len, sha);
    ota_err rc = install(b, blen, head_len, sha, r, o);
    if (r->was_cut && rc == OTA_OK && !plant) {
        /* the same stream without the power cut, into a fresh slot */
        otac_dir_close(r->d);
        r->d = NULL;
        restore();
        char *resumed = tree_listing();
        fresh_root(nonroot, false);
        if (nonroot)
            drop();
        if (otac_dir_open(rootp, o, &r->d) != OTA_OK)
            die("cannot open the slot");
        unsigned nd = r->ndelivered;
        ota_err rs = read_bundle(b, blen, head_len, sha, r, NULL);
        while (r->ndelivered > nd)
            free(r->delivered[--r->ndelivered].path);
        otac_dir_close(r->d);
        r->d = NULL;
        restore();
        if (rs != OTA_OK) {
            fprintf(stderr,
                    "fuzz_tree: resumed install took a stream the uninterrupted one "
                    "refuses (%s)\n",
                    ota_strerror(rs));
            abort();
        }
        char *straight = tree_listing();
        if (strcmp(resumed, straight) != 0) {
            fprintf(stderr, "fuzz_tree: resumed tree differs\nresumed:\n%suninterrupted:\n%s",
                    resumed, straight);
            abort();
        }
        free(resumed);
        free(straight);
        if (nonroot)
            drop();
        if (otac_dir_open(rootp, o, &r->d) != OTA_OK)
            die("cannot open the slot");
    }
    free(b);
    free(tar);
    return rc;
}

/* Script mode: entries straight to the writer. */
static void
script_mode(const uint8_t *p, size_t len, run *r)
{
    char path[OTA_BUNDLE_MAX_ENTRY_PATH + 2], link[OTA_BUNDLE_MAX_ENTRY_PATH + 2], lbuf[8192];
    size_t i = 0;
    for (unsigned k = 0; k < MAX_SCRIPT && i + 3 < len; k++) {
        uint8_t t = p[i];
        uint32_t mode = ((uint32_t) p[i + 1] << 8 | p[i + 2]) & 07777u;
        i += 3;
        size_t n = strnlen((const char *) p + i, len - i);
        if (n > MAX_HARNESS_PATH || i + n >= len)
            return;
        memcpy(path, p + i, n + 1);
        i += n + 1;
        ota_bundle_entry e = {.path = path, .mode = mode, .mtime = 1700000000 + t};
        const uint8_t *fdata = NULL;
        size_t flen = 0;
        switch (t & 3) {
        case 0:
        case 3:
            if (i >= len)
                return;
            flen = p[i++];
            if (flen > len - i)
                flen = len - i;
            fdata = p + i;
            i += flen;
            e.type = OTA_BUNDLE_FILE;
            e.size = (t & 3) == 3 ? flen + 1 + (t >> 2 & 3u) : flen;
            break;
        case 1:
            e.type = OTA_BUNDLE_DIR;
            break;
        default:
            n = strnlen((const char *) p + i, len - i);
            if (n > OTA_BUNDLE_MAX_ENTRY_PATH || i + n >= len)
                return;
            memcpy(link, p + i, n + 1);
            i += n + 1;
            e.type = OTA_BUNDLE_SYMLINK;
            e.link = link_target(link, lbuf, sizeof lbuf);
            break;
        }
        bool replace = r->replace != ((t & 0x20) != 0);
        ota_err rc = otac_dir_entry_begin(r->d, &e, replace);
        if (verbose)
            fprintf(stderr, "fuzz_tree: entry %s: %s %s\n", path, ota_strerror(rc),
                    otac_dir_error(r->d));
        if (rc != OTA_OK)
            continue;
        if (flen > 0)
            (void) otac_dir_entry_data(r->d, fdata, flen);
        if (!(t & 0x10))
            (void) otac_dir_entry_end(r->d);
    }
}

static void
check_delivered(const run *r)
{
    for (unsigned k = 0; k < r->ndelivered; k++) {
        char p[OTA_BUNDLE_MAX_ENTRY_PATH + 400];
        snprintf(p, sizeof p, "%s/%s", rootp, r->delivered[k].path);
        struct stat st;
        bool ok = lstat(p, &st) == 0;
        switch (r->delivered[k].type) {
        case OTA_BUNDLE_FILE:
            ok = ok && S_ISREG(st.st_mode) && (uint64_t) st.st_size == r->delivered[k].size;
            break;
        case OTA_BUNDLE_DIR:
            ok = ok && S_ISDIR(st.st_mode);
            break;
        default:
            ok = ok && S_ISLNK(st.st_mode);
            break;
        }
        if (!ok) {
            fprintf(stderr, "fuzz_tree: installed, but entry %s is not there as delivered\n",
                    r->delivered[k].path);
            abort();
        }
    }
}

/* Once: the harness's bundle of a one-directory tar stream must install,
 * or every input would stop at the head (a format change the harness did
 * not follow) and the target would fuzz nothing while looking fine. */
static void
self_check(void)
{
    uint8_t tar[512 + 1024];
    memset(tar, 0, sizeof tar);
    memcpy(tar, "d/", 2);
    memcpy(tar + 100, "0000755", 7);
    memcpy(tar + 108, "0000000", 7);
    memcpy(tar + 116, "0000000", 7);
    memcpy(tar + 124, "00000000000", 11);
    memcpy(tar + 136, "14500000000", 11);
    tar[156] = '5';
    memcpy(tar + 257, "ustar\00000", 8);
    fix_tar(tar, sizeof tar);
    size_t blen;
    uint64_t head_len;
    uint8_t sha[32];
    uint8_t *b = make_bundle(tar, sizeof tar, false, 1, 0, &blen, &head_len, sha);
    run *r = calloc(1, sizeof *r);
    if (r == NULL)
        die("out of memory");
    r->counting = true;
    ota_err rc = read_bundle(b, blen, head_len, sha, r, NULL);
    if (rc != OTA_OK || r->entries != 1) {
        fprintf(stderr,
                "fuzz_tree: the harness's own bundle does not install (%s): "
                "make_bundle must follow formats/BUNDLE.md\n",
                ota_strerror(rc));
        abort();
    }
    free(r);
    free(b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    setup();
    static bool checked;
    if (!checked) {
        self_check();
        checked = true;
    }
    uint8_t fl = data[0];
    bool script = fl & 0x01, plant = fl & 0x02, nonroot = fl & 0x10, allow = fl & 0x20;
    fresh_root(nonroot, plant);
    run *r = calloc(1, sizeof *r);
    if (r == NULL)
        die("out of memory");
    r->replace = fl & 0x04;
    otac_dir_opts o = {.allow_setuid = allow};
    if (nonroot)
        drop();
    bool installed = false;
    if (otac_dir_open(rootp, &o, &r->d) != OTA_OK)
        die("cannot open the slot");
    if (fl & 0x08) {
        ota_err rc = otac_dir_empty(r->d);
        if (verbose)
            fprintf(stderr, "fuzz_tree: empty before: %s %s\n", ota_strerror(rc),
                    otac_dir_error(r->d));
        if (rc == OTA_OK && root_entries() != 0)
            die("otac_dir_empty returned OTA_OK and left something");
    }
    if (script) {
        script_mode(data + 1, size - 1, r);
    } else if (size >= 2) {
        r->cut = data[1];
        ota_err rc = tar_mode(data + 2, size - 2, fl & 0x40, r, &o, plant, nonroot);
        installed = rc == OTA_OK;
        if (verbose)
            fprintf(stderr, "fuzz_tree: install: %s %s (%llu entries)\n", ota_strerror(rc),
                    otac_dir_error(r->d), (unsigned long long) r->entries);
    }
    otac_dir_close(r->d);
    r->d = NULL;
    restore();
    check_all(allow, plant);
    if (installed && !plant)
        check_delivered(r);
    if (fl & 0x80) {
        if (nonroot)
            drop();
        otac_dir *d = NULL;
        if (otac_dir_open(rootp, &o, &d) != OTA_OK)
            die("cannot reopen the slot");
        ota_err rc = otac_dir_empty(d);
        if (verbose)
            fprintf(stderr, "fuzz_tree: empty after: %s %s\n", ota_strerror(rc), otac_dir_error(d));
        otac_dir_close(d);
        restore();
        check_all(allow, plant);
        if (rc == OTA_OK && root_entries() != 0)
            die("otac_dir_empty returned OTA_OK and left something");
    }
    for (unsigned k = 0; k < r->ndelivered; k++)
        free(r->delivered[k].path);
    free(r->ckpt_prev);
    free(r->ckpt_last);
    free(r);
    return 0;
}

/* libFuzzer has no teardown hook: remove the workspace at exit. */
__attribute__((constructor)) static void
at_start(void)
{
    atexit(cleanup);
}
