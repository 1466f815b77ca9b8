/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_delta_tree.c — the delta layout of trees (bundle format 4,
 * formats/ota_tar.c) and the device's regeneration of it from its active
 * slot (client/src/delta.c otac_delta_build_tree):
 *
 *  - the headers and fillers are valid ustar/pax blocks (checksums, sizes,
 *    records), and libarchive reads them back (the bundle reader);
 *  - a tree regenerated from the very tree the signer read yields every
 *    chunk of the bundle (nothing to download), also with long, non-ASCII
 *    names, symlinks, empty and large files and a new mtime;
 *  - an inserted, a removed and a changed file cost only the chunks around
 *    them (boundaries resynchronise), and a device tree with extra files or
 *    a mount-point-like directory still matches the rest;
 *  - with a one-byte key (most matches false) and an active tree modified
 *    after indexing, the reader still delivers exactly the new tree.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "../../client/src/delta.h"
#include "ota_bundle.h"
#include "ota_hash.h"
#include "ota_tar.h"
#include "testutil.h"

#define CS (64u * 1024u)

static char base[256];

static int
setup(void **state)
{
    (void) state;
    snprintf(base, sizeof base, "/tmp/ota-test-dtree-XXXXXX");
    return mkdtemp(base) != NULL ? 0 : -1;
}

static int
teardown(void **state)
{
    (void) state;
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", base);
    return system(cmd) == 0 ? 0 : -1;
}

static const char *
at(const char *rel)
{
    static char p[8][1400];
    static int i;
    i = (i + 1) % 8;
    snprintf(p[i], sizeof p[i], "%s/%s", base, rel);
    return p[i];
}

static void
put(const char *rel, size_t n, uint64_t seed, mode_t mode)
{
    uint8_t *b = malloc(n ? n : 1);
    assert_non_null(b);
    tu_rand_fill(&seed, b, n);
    /* text-like bytes, so chunks compress as a real tree's do */
    for (size_t i = 0; i < n; i++)
        b[i] = (uint8_t) ('a' + b[i] % 20);
    int fd = open(at(rel), O_WRONLY | O_CREAT | O_TRUNC, mode);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, b, n), (ssize_t) n);
    assert_int_equal(fchmod(fd, mode), 0);
    close(fd);
    free(b);
}

static void sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
sh(const char *fmt, ...)
{
    char cmd[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    assert_int_equal(system(cmd), 0);
}

/* A tree under base/rel: 300 files of 0..40 KiB in 12 directories, two
 * large files (3.5 and 1 chunk + a bit), symlinks, a 150-byte and a
 * non-ASCII name, an empty directory, a setgid directory. */
static void
make_tree(const char *rel)
{
    sh("rm -rf '%s' && mkdir -p '%s'", at(rel), at(rel));
    char p[1024];
    for (int d = 0; d < 12; d++) {
        snprintf(p, sizeof p, "%s/d%02d", rel, d);
        assert_int_equal(mkdir(at(p), 0755), 0);
        for (int f = 0; f < 25; f++) {
            snprintf(p, sizeof p, "%s/d%02d/f%03d.so", rel, d, f);
            put(p, (size_t) ((d * 25 + f) * 7919 % 40960), (uint64_t) (d * 100 + f + 1),
                f % 3 ? 0644 : 0755);
        }
    }
    snprintf(p, sizeof p, "%s/d03/big", rel);
    put(p, 3 * CS + CS / 2, 99, 0644);
    snprintf(p, sizeof p, "%s/d07/big2", rel);
    put(p, CS + 100, 98, 0600);
    snprintf(p, sizeof p, "%s/d05/%s", rel,
             "a-name-that-is-longer-than-one-hundred-bytes-so-it-goes-into-a-pax-extended-"
             "header-record-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
    put(p, 1234, 97, 0644);
    snprintf(p, sizeof p, "%s/d05/gr\xc3\xbc\xc3\x9f" "e", rel);
    put(p, 333, 96, 0644);
    snprintf(p, sizeof p, "%s/d00/f000.so", rel);
    sh("ln -s f000.so '%s/d00/link' && ln -s /usr/lib/x '%s/d01/abs' && mkdir '%s/empty' && "
       "mkdir '%s/sgid' && chmod 2775 '%s/sgid'",
       at(rel), at(rel), at(rel), at(rel), at(rel));
}

/* A bundle (zstd, delta layout) of tree base/rel, into memory. */
static uint8_t *
bundle_of(const char *rel, int64_t mtime, size_t *len, uint8_t hs[32], uint64_t *hl)
{
    const char *hw[] = {"hw"};
    ota_bundle_writer_config cfg = {.size = sizeof cfg, .name = "t", .version = "2.0.0",
                                    .hardware = hw, .nhardware = 1, .chunk_size = CS, .jobs = 1,
                                    .tmp_dir = base, .codec = OTA_BUNDLE_ZSTD, .level = 3,
                                    .mtime = mtime, .delta_trees = true};
    ota_bundle_writer *w = NULL;
    assert_int_equal(ota_bundle_writer_new(&cfg, &w), OTA_OK);
    assert_int_equal(ota_bundle_writer_add_tree(w, "rootfs", at(rel), true), OTA_OK);
    int fd = memfd_create("bundle", MFD_CLOEXEC);
    assert_true(fd >= 0);
    uint64_t total = 0;
    assert_int_equal(ota_bundle_writer_finish(w, fd, &total, hl, hs), OTA_OK);
    ota_bundle_writer_free(w);
    uint8_t *b = malloc(total);
    assert_int_equal(pread(fd, b, total, 0), (ssize_t) total);
    close(fd);
    *len = (size_t) total;
    return b;
}

/* Chunks of the bundle the index of tree base/rel holds (true copies only). */
static uint32_t
matches(const uint8_t *b, size_t len, uint64_t hl, const char *rel, int64_t mtime,
        uint32_t *nchunks)
{
    ota_bundle_head *h = NULL;
    uint8_t hs[32];
    ota_sha256(b, hl, hs);
    assert_int_equal(ota_bundle_head_parse(b, (size_t) hl, &h), OTA_OK);
    (void) len;
    assert_int_equal(h->manifest->format, OTA_BUNDLE_FORMAT_DELTA);
    assert_true(h->manifest->components[0].mtime >= 0);
    otac_delta *d = NULL;
    char err[512];
    assert_int_equal(otac_delta_build_tree(at(rel), CS, mtime, 1u << 20, 8, &d, err, sizeof err),
                     OTA_OK);
    uint8_t *buf = malloc(CS);
    uint32_t n = 0;
    for (uint32_t i = 0; i < h->header.chunk_count; i++) {
        ota_bundle_chunk ch;
        bool found = false;
        uint8_t md[32];
        assert_int_equal(ota_bundle_head_chunk(h, i, &ch), OTA_OK);
        assert_int_equal(otac_delta_find(d, ch.usha, ch.ulen, buf, &found), OTA_OK);
        if (!found)
            continue;
        ota_sha256(buf, ch.ulen, md);
        if (memcmp(md, ch.usha, 32) == 0)
            n++;
    }
    *nchunks = h->header.chunk_count;
    free(buf);
    otac_delta_free(d);
    ota_bundle_head_free(h);
    return n;
}

/* ---- the blocks --------------------------------------------------------------- */

static unsigned
sum_of(const uint8_t *b)
{
    unsigned s = 0;
    for (int i = 0; i < 512; i++)
        s += (i >= 148 && i < 156) ? ' ' : b[i];
    return s;
}

static void
test_headers_and_filler(void **state)
{
    (void) state;
    uint8_t h[OTA_TAR_HEADER_MAX];
    size_t n = 0;
    ota_tar_entry e = {.path = "usr/bin/ls", .type = OTA_TAR_FILE, .mode = 0755, .size = 1000,
                       .mtime = 1700000000};
    assert_int_equal(ota_tar_header(&e, h, sizeof h, &n), OTA_OK);
    assert_int_equal(n, 512);
    assert_string_equal((char *) h, "usr/bin/ls");
    assert_memory_equal(h + 100, "0000755\0", 8);
    assert_memory_equal(h + 124, "00000001750\0", 12);
    assert_memory_equal(h + 136, "14524770400\0", 12);
    assert_int_equal(h[156], '0');
    assert_memory_equal(h + 257, "ustar\0" "00", 8);
    assert_int_equal(strtoul((char *) h + 148, NULL, 8), sum_of(h));
    assert_int_equal(ota_tar_entry_len(&e), 512 + 1024);

    /* a directory ends in '/'; a symlink's mode is 0777 */
    e = (ota_tar_entry){.path = "etc", .type = OTA_TAR_DIR, .mode = 02755, .mtime = 0};
    assert_int_equal(ota_tar_header(&e, h, sizeof h, &n), OTA_OK);
    assert_string_equal((char *) h, "etc/");
    assert_memory_equal(h + 100, "0002755\0", 8);
    assert_int_equal(h[156], '5');
    e = (ota_tar_entry){.path = "l", .type = OTA_TAR_SYMLINK, .mode = 0, .link = "../x"};
    assert_int_equal(ota_tar_header(&e, h, sizeof h, &n), OTA_OK);
    assert_memory_equal(h + 100, "0000777\0", 8);
    assert_string_equal((char *) h + 157, "../x");

    /* a long name: a pax header whose records are exactly its size */
    char longp[300];
    memset(longp, 'p', sizeof longp - 1);
    longp[sizeof longp - 1] = '\0';
    e = (ota_tar_entry){.path = longp, .type = OTA_TAR_FILE, .mode = 0644, .size = 1};
    assert_int_equal(ota_tar_header(&e, h, sizeof h, &n), OTA_OK);
    assert_int_equal(n, 512 * 3);
    assert_int_equal(h[156], 'x');
    size_t rec = strtoul((char *) h + 124, NULL, 8);
    assert_int_equal(rec, strlen("21 hdrcharset=BINARY\n") + strlen("309 path=") + 299 + 1);
    assert_memory_equal(h + 512, "21 hdrcharset=BINARY\n309 path=", 30);
    assert_int_equal(h[512 + rec - 1], '\n');
    assert_int_equal(strtoul((char *) h + 1024 + 148, NULL, 8), sum_of(h + 1024));
    /* bounds */
    e.mtime = OTA_TAR_MAX_MTIME + 1;
    assert_int_equal(ota_tar_header(&e, h, sizeof h, &n), OTA_E_ARG);
    assert_int_equal(ota_tar_entry_len(&e), 0);
    e.mtime = 0;
    assert_int_equal(ota_tar_header(&e, h, 1024, &n), OTA_E_ARG);

    /* fillers of every useful size are one 'g' header and one record */
    for (size_t f = 512; f <= 8192; f += 512) {
        uint8_t *b = malloc(f);
        ota_tar_filler(b, f, 5);
        assert_int_equal(b[156], 'g');
        assert_int_equal(strtoul((char *) b + 148, NULL, 8), sum_of(b));
        size_t d = strtoul((char *) b + 124, NULL, 8);
        assert_int_equal(d, f - 512);
        if (d > 0) {
            assert_int_equal(strtoul((char *) b + 512, NULL, 10), d);
            assert_int_equal(b[f - 1], '\n');
        }
        /* in pieces: the same bytes */
        uint8_t *c = malloc(f);
        for (size_t off = 0; off < f; off += 77)
            ota_tar_filler_part(c + off, f, off, f - off < 77 ? f - off : 77, 5);
        assert_memory_equal(b, c, f);
        free(b);
        free(c);
    }

    /* the cut rule: an entry that does not fit starts the next chunk; a big
     * one always ends its chunk */
    ota_tar_cut c;
    ota_tar_cut_init(&c, CS);
    assert_int_equal(ota_tar_cut_before(&c, CS - 512), 0);
    assert_int_equal(ota_tar_cut_before(&c, 1024), 512);
    assert_int_equal(c.pos, 1024);
    assert_true(ota_tar_cut_hit("x", CS / 2, CS));
    assert_int_equal(ota_tar_cut_after(&c, "x", CS / 2), CS - 1024);
    assert_int_equal(c.pos, 0);
    /* the rule exactly as BUNDLE.md words it: K mod (CS / 2) < e, K the first
     * 8 bytes (big-endian) of SHA-256("ota tree cut 1" NUL path) */
    {
        static const char tag[] = "ota tree cut 1";
        uint8_t in[64], md[32];
        memcpy(in, tag, sizeof tag); /* with its NUL */
        memcpy(in + sizeof tag, "usr/lib/libz.so.1", 17);
        ota_sha256(in, sizeof tag + 17, md);
        uint64_t k = 0;
        for (int i = 0; i < 8; i++)
            k = k << 8 | md[i];
        uint64_t r = k % (CS / 2);
        if (r > 0)
            assert_false(ota_tar_cut_hit("usr/lib/libz.so.1", r, CS)); /* not <= */
        assert_true(ota_tar_cut_hit("usr/lib/libz.so.1", r + 1, CS));
        assert_false(ota_tar_cut_hit("usr/lib/libz.so.1", 0, CS));
    }
    /* about e / (CS / 2) of small entries cut */
    unsigned hits = 0;
    char p[32];
    for (int i = 0; i < 4000; i++) {
        snprintf(p, sizeof p, "f%d", i);
        hits += ota_tar_cut_hit(p, 4096, CS);
    }
    assert_in_range(hits, 4000 * 4096 / (CS / 2) / 2, 4000 * 4096 / (CS / 2) * 2);
}

/* ---- regeneration --------------------------------------------------------------- */

static void
test_same_tree_every_chunk(void **state)
{
    (void) state;
    make_tree("v1");
    size_t len = 0;
    uint8_t hs[32];
    uint64_t hl = 0;
    uint32_t n = 0;
    uint8_t *b = bundle_of("v1", 1700000000, &len, hs, &hl);
    uint32_t m = matches(b, len, hl, "v1", 1700000000, &n);
    assert_int_equal(m, n);
    assert_true(n > 20);
    free(b);
    /* another mtime: the device writes the new one into its headers */
    b = bundle_of("v1", 1800000000, &len, hs, &hl);
    m = matches(b, len, hl, "v1", 1800000000, &n);
    assert_int_equal(m, n);
    ota_bundle_head *h = NULL;
    assert_int_equal(ota_bundle_head_parse(b, (size_t) hl, &h), OTA_OK);
    assert_int_equal(h->manifest->components[0].mtime, 1800000000);
    ota_bundle_head_free(h);
    /* ... and indexed with the wrong one it finds only the large files' middles */
    uint32_t wrong = matches(b, len, hl, "v1", 1700000000, &n);
    assert_true(wrong < 6);
    free(b);
}

static void
test_changes_cost_their_chunks(void **state)
{
    (void) state;
    make_tree("v1");
    make_tree("v2");
    /* one file changed in place, one inserted, one removed, one grown, far apart */
    put("v2/d02/f010.so", 20000, 4242, 0644);
    put("v2/d06/f012a.so", 30000, 4343, 0644);
    sh("rm '%s'", at("v2/d09/f020.so"));
    put("v2/d11/f005.so", 41000, 4444, 0644);
    size_t len = 0;
    uint8_t hs[32];
    uint64_t hl = 0;
    uint32_t n = 0;
    uint8_t *b = bundle_of("v2", 0, &len, hs, &hl);
    uint32_t m = matches(b, len, hl, "v1", 0, &n);
    print_message("four changes: %u of %u chunks from the old tree\n", m, n);
    /* each change costs its chunk and at most the run of chunks to the next cut */
    assert_true(n - m <= 12);
    assert_true(m >= n / 2);
    /* the device's tree has extra files and a foreign directory: the rest still lines up */
    sh("cp -a '%s' '%s' && echo runtime >'%s' && mkdir -p '%s' && echo x >'%s'", at("v2"),
       at("v2dev"), at("v2dev/d04/zz-runtime.log"), at("v2dev/d08/var"), at("v2dev/d08/var/run"));
    uint32_t m2 = matches(b, len, hl, "v2dev", 0, &n);
    print_message("device tree with extras: %u of %u chunks\n", m2, n);
    assert_true(n - m2 <= 8);
    free(b);
}

/* ---- through the reader ------------------------------------------------------------ */

/* what is delivered: one running SHA-256 over every entry and byte */
static ota_err
k_begin(void *user, const ota_bundle_component *c, const ota_bundle_entry *e)
{
    (void) c;
    ota_hash *h = user;
    char meta[64];
    snprintf(meta, sizeof meta, "|%d %o %llu|", (int) e->type, e->mode,
             (unsigned long long) e->size);
    ota_hash_update(h, e->path, strlen(e->path));
    ota_hash_update(h, meta, strlen(meta));
    if (e->link != NULL)
        ota_hash_update(h, e->link, strlen(e->link));
    return OTA_OK;
}

static ota_err
k_data(void *user, const uint8_t *buf, size_t len)
{
    ota_hash_update(user, buf, len);
    return OTA_OK;
}

static ota_err
p_find(void *user, uint32_t index, const uint8_t usha[32], uint32_t ulen, uint8_t *buf,
       bool *found)
{
    (void) index;
    return otac_delta_find(user, usha, ulen, buf, found);
}

/* Deliver bundle b with (d != NULL) or without local chunks; the digest of
 * what was delivered into md, local chunks used into *used. */
static void
deliver(const uint8_t *b, size_t len, const uint8_t hs[32], uint64_t hl, otac_delta *d,
        uint8_t md[32], uint32_t *used, uint32_t *rejected)
{
    ota_hash h;
    assert_int_equal(ota_hash_init(&h, OTA_HASH_SHA256), OTA_OK);
    tu_src s = {.p = b, .len = len};
    ota_bundle_sink sink = {.user = &h, .entry_begin = k_begin, .entry_data = k_data};
    ota_bundle_reader_config cfg = {.size = sizeof cfg, .read = tu_src_read, .read_user = &s,
                                    .sink = &sink, .head_sha256 = hs, .head_length = hl,
                                    .local_chunk = d ? p_find : NULL, .local_user = d,
                                    .skip = tu_src_skip};
    ota_bundle_reader *r = NULL;
    assert_int_equal(ota_bundle_reader_new(&cfg, &r), OTA_OK);
    assert_int_equal(ota_bundle_reader_run(r), OTA_OK);
    *used = ota_bundle_reader_local_used(r);
    *rejected = ota_bundle_reader_local_rejected(r);
    ota_bundle_reader_free(r);
    assert_int_equal(ota_hash_final(&h, md), OTA_OK);
}

static void
test_reader_delivers_the_new_tree(void **state)
{
    (void) state;
    make_tree("v1");
    make_tree("v2");
    put("v2/d02/f010.so", 20000, 4242, 0644);
    put("v2/d06/f012a.so", 30000, 4343, 0644);
    size_t len = 0;
    uint8_t hs[32], want[32], got[32];
    uint64_t hl = 0;
    uint32_t used = 0, rej = 0;
    uint8_t *b = bundle_of("v2", 0, &len, hs, &hl);
    deliver(b, len, hs, hl, NULL, want, &used, &rej);
    assert_int_equal(used, 0);

    /* an honest index: most chunks local, same delivery */
    otac_delta *d = NULL;
    char err[512];
    assert_int_equal(otac_delta_build_tree(at("v1"), CS, 0, 1u << 20, 8, &d, err, sizeof err),
                     OTA_OK);
    deliver(b, len, hs, hl, d, got, &used, &rej);
    assert_memory_equal(want, got, 32);
    assert_true(used > 0);
    assert_int_equal(rej, 0);
    otac_delta_free(d);

    /* a one-byte key (most offers false) and the active tree rewritten after
     * it was indexed: offers are rejected, the delivery is the same */
    assert_int_equal(otac_delta_build_tree(at("v1"), CS, 0, 1u << 20, 1, &d, err, sizeof err),
                     OTA_OK);
    put("v1/d00/f001.so", 5000, 1, 0644);
    put("v1/d03/big", 3 * CS + CS / 2, 1234, 0644);
    sh("rm -rf '%s' && ln -s /etc '%s'", at("v1/d10"), at("v1/d10"));
    deliver(b, len, hs, hl, d, got, &used, &rej);
    assert_memory_equal(want, got, 32);
    assert_true(rej > 0);
    print_message("one-byte key, tree changed after indexing: %u used, %u rejected\n", used, rej);
    otac_delta_free(d);
    free(b);
}

static void
test_build_tree_refuses(void **state)
{
    (void) state;
    otac_delta *d = NULL;
    char err[512];
    sh("mkdir -p '%s' && ln -sfn '%s' '%s' && touch '%s'", at("real"), at("real"), at("link"),
       at("file"));
    assert_int_equal(otac_delta_build_tree(at("link"), CS, 0, 10, 8, &d, err, sizeof err),
                     OTA_E_UNSAFE);
    assert_non_null(strstr(err, "symlink"));
    assert_int_equal(otac_delta_build_tree(at("file"), CS, 0, 10, 8, &d, err, sizeof err),
                     OTA_E_UNSAFE);
    assert_int_equal(otac_delta_build_tree(at("none"), CS, 0, 10, 8, &d, err, sizeof err),
                     OTA_E_NOT_FOUND);
    assert_int_equal(otac_delta_build_tree(at("real"), CS, -1, 10, 8, &d, err, sizeof err),
                     OTA_E_ARG);
    assert_int_equal(otac_delta_build_tree(at("real"), CS, 0, 10, 9, &d, err, sizeof err),
                     OTA_E_ARG);
    /* a tree much larger than the release is indexed only up to the limit */
    make_tree("big");
    assert_int_equal(otac_delta_build_tree(at("big"), CS, 0, 3, 8, &d, err, sizeof err), OTA_OK);
    assert_int_equal(otac_delta_pieces(d), 3);
    assert_int_equal(otac_delta_bytes(d), 3 * CS);
    otac_delta_free(d);
    /* an empty tree: the end-of-archive chunk */
    assert_int_equal(otac_delta_build_tree(at("real"), CS, 0, 10, 8, &d, err, sizeof err),
                     OTA_OK);
    assert_int_equal(otac_delta_pieces(d), 1);
    assert_int_equal(otac_delta_bytes(d), 1024);
    otac_delta_free(d);
}

/* A directory on another file system (a mount point on a running root):
 * listed, never entered — the index is that of the same tree with the
 * directory empty.  Needs root and a tmpfs mount (skipped otherwise). */
static void
test_other_fs_left_out(void **state)
{
    (void) state;
    if (geteuid() != 0)
        skip();
    make_tree("mnt");
    char cmd[1600];
    snprintf(cmd, sizeof cmd, "mount -t tmpfs -o mode=0755 ota-test '%s' 2>/dev/null",
             at("mnt/d04"));
    if (system(cmd) != 0)
        skip(); /* no mount here (a container without CAP_SYS_ADMIN) */
    put("mnt/d04/inside-the-mount", 50000, 5, 0644);
    put("mnt/d04/f000.so", 7000, 6, 0644);
    otac_delta *d = NULL;
    char err[512];
    ota_err rc = otac_delta_build_tree(at("mnt"), CS, 0, 1u << 20, 8, &d, err, sizeof err);
    snprintf(cmd, sizeof cmd, "umount '%s'", at("mnt/d04"));
    assert_int_equal(system(cmd), 0);
    assert_int_equal(rc, OTA_OK);
    /* the same tree, d04 an empty 0755 directory */
    sh("rm -rf '%s' && mkdir -m 0755 '%s'", at("mnt/d04"), at("mnt/d04"));
    otac_delta *e = NULL;
    assert_int_equal(otac_delta_build_tree(at("mnt"), CS, 0, 1u << 20, 8, &e, err, sizeof err),
                     OTA_OK);
    assert_int_equal(otac_delta_bytes(d), otac_delta_bytes(e));
    assert_int_equal(otac_delta_pieces(d), otac_delta_pieces(e));
    otac_delta_free(d);
    otac_delta_free(e);
}

/* ---- format 4 rules ---------------------------------------------------------------- */

static ota_err
parse_man(const char *fmt, const char *tree_extra)
{
    char man[1024];
    snprintf(man, sizeof man,
             "{\"chunk_size\":65536,\"components\":[{\"entries\":1,%s\"name\":\"rootfs\","
             "\"rootfs\":true,\"size\":2048,\"type\":\"tree\",\"unpacked\":0}],"
             "\"compression\":\"zstd\",\"format\":%s,\"hardware\":[\"a\"],\"name\":\"n\","
             "\"type\":\"ota-bundle\",\"version\":\"1.0.0\"}",
             tree_extra, fmt);
    ota_bundle_manifest *m = NULL;
    ota_err rc = ota_bundle_manifest_parse((const uint8_t *) man, strlen(man), &m);
    if (rc == OTA_OK)
        assert_int_equal(m->components[0].mtime, strcmp(fmt, "4") == 0 ? 7 : -1);
    ota_bundle_manifest_free(m);
    return rc;
}

static void
test_format4_rules(void **state)
{
    (void) state;
    assert_int_equal(parse_man("4", "\"mtime\":7,"), OTA_OK);
    assert_int_equal(parse_man("3", ""), OTA_OK);
    /* format 4 trees name their mtime; older formats have no such key */
    assert_int_equal(parse_man("4", ""), OTA_E_FORMAT);
    assert_int_equal(parse_man("3", "\"mtime\":7,"), OTA_E_FORMAT);
    assert_int_equal(parse_man("2", "\"mtime\":7,"), OTA_E_FORMAT);
    assert_int_equal(parse_man("4", "\"mtime\":-1,"), OTA_E_FORMAT);
    assert_int_equal(parse_man("4", "\"mtime\":8589934592,"), OTA_E_FORMAT); /* > 11 octal digits */
    assert_int_equal(parse_man("4", "\"mtime\":\"7\","), OTA_E_FORMAT);
    assert_int_equal(parse_man("5", "\"mtime\":7,"), OTA_E_UNSUPPORTED);

    /* a writer asked for the delta layout refuses an mtime a header cannot hold */
    const char *hw[] = {"hw"};
    ota_bundle_writer_config cfg = {.size = sizeof cfg, .name = "t", .version = "1.0.0",
                                    .hardware = hw, .nhardware = 1, .tmp_dir = base,
                                    .mtime = OTA_TAR_MAX_MTIME + 1, .delta_trees = true};
    ota_bundle_writer *w = NULL;
    assert_int_equal(ota_bundle_writer_new(&cfg, &w), OTA_E_ARG);

    /* the reader holds every entry to the manifest's mtime: a bundle whose
     * manifest says another one (head re-hashed, so only this rule speaks) */
    make_tree("m");
    size_t len = 0;
    uint8_t hs[32], md[32];
    uint64_t hl = 0;
    uint32_t used = 0, rej = 0;
    uint8_t *b = bundle_of("m", 5, &len, hs, &hl);
    deliver(b, len, hs, hl, NULL, md, &used, &rej); /* as made: fine */
    char *at5 = memmem(b, (size_t) hl, "\"mtime\":5,", 10);
    assert_non_null(at5);
    at5[8] = '6';
    uint64_t ml = 0, tl = 0;
    for (int i = 0; i < 8; i++) {
        ml = ml << 8 | b[24 + i];
        tl = tl << 8 | b[32 + i];
    }
    ota_sha256(b + 80, (size_t) (ml + tl), b + 48); /* the header's digest of manifest | table */
    ota_sha256(b, (size_t) hl, hs);
    ota_hash h;
    assert_int_equal(ota_hash_init(&h, OTA_HASH_SHA256), OTA_OK);
    tu_src s = {.p = b, .len = len};
    ota_bundle_sink sink = {.user = &h, .entry_begin = k_begin, .entry_data = k_data};
    ota_bundle_reader_config rcfg = {.size = sizeof rcfg, .read = tu_src_read, .read_user = &s,
                                     .sink = &sink, .head_sha256 = hs, .head_length = hl};
    ota_bundle_reader *r = NULL;
    assert_int_equal(ota_bundle_reader_new(&rcfg, &r), OTA_OK);
    assert_int_equal(ota_bundle_reader_run(r), OTA_E_FORMAT);
    ota_bundle_reader_free(r);
    assert_int_equal(ota_hash_final(&h, md), OTA_OK);
    free(b);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_headers_and_filler),
        cmocka_unit_test(test_same_tree_every_chunk),
        cmocka_unit_test(test_changes_cost_their_chunks),
        cmocka_unit_test(test_reader_delivers_the_new_tree),
        cmocka_unit_test(test_build_tree_refuses),
        cmocka_unit_test(test_format4_rules),
        cmocka_unit_test(test_other_fs_left_out),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
