/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Update bundles: writer, streaming reader, format helpers.
 *
 * The central claim — no unverified byte reaches zlib, libarchive, the JSON
 * parser or the sink — is tested by corrupting every byte of the head and a
 * dense sample of the payload, with a sink that compares every byte it gets
 * against the original inputs, and by crafted bundles whose hashes are all
 * correct but whose contents are hostile (bombs, traversal, devices ...).
 */
#define _GNU_SOURCE
/* test paths are short; truncation warnings on snprintf are noise here */
#if defined(__GNUC__) && !defined(__clang__) /* clang has no such warning */
#pragma GCC diagnostic ignored "-Wformat-truncation"
#endif
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "ota_bundle.h"
#include "ota_json.h"
#include "ota_limits.h"
#include "ota_util.h"
#include "testutil.h"

#define CHUNK (64u * 1024u)

/* ---- fixture: a tree and an image with known contents ------------------------- */

typedef struct tfile {
    const char *path;
    uint8_t *data;
    size_t len;
    const char *link; /* symlink target */
    bool dir;
} tfile;

static char tree_dir[256], img_path[300], work_dir[256];
static tfile files[16];
static size_t nfiles;
static uint8_t *img;
static size_t img_len;
static uint8_t *good;
static size_t good_len;
static uint64_t good_head_len;
static uint8_t good_head_sha[32];
static uint8_t *many; /* test_tree_resume_*: many small files, built once */

static uint32_t rng = 12345;
static uint32_t
rnd(void)
{
    rng = rng * 1103515245u + 12345u;
    return rng >> 8;
}

static void
fill_text(uint8_t *p, size_t n)
{
    static const char *words[] = {"update ", "bundle ", "chunk ", "verify ", "slot ", "\n",
                                  "device ", "rollback ", "0x3f ", "sha256 "};
    size_t i = 0;
    while (i < n) {
        const char *w = words[rnd() % 10];
        for (size_t k = 0; w[k] && i < n; k++)
            p[i++] = (uint8_t) w[k];
    }
}

static void
put_file(const char *rel, uint8_t *data, size_t len)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s", tree_dir, rel);
    FILE *f = fopen(p, "wb");
    assert_non_null(f);
    if (len)
        assert_int_equal(fwrite(data, 1, len, f), len);
    fclose(f);
    files[nfiles++] = (tfile){rel, data, len, NULL, false};
}

static void
put_dir(const char *rel)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s", tree_dir, rel);
    assert_int_equal(mkdir(p, 0755), 0);
    files[nfiles++] = (tfile){rel, NULL, 0, NULL, true};
}

static void
put_link(const char *rel, const char *target)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s", tree_dir, rel);
    assert_int_equal(symlink(target, p), 0);
    files[nfiles++] = (tfile){rel, NULL, 0, target, false};
}

static const tfile *
find_file(const char *path)
{
    for (size_t i = 0; i < nfiles; i++)
        if (strcmp(files[i].path, path) == 0)
            return &files[i];
    return NULL;
}

/* Build a bundle of tree_dir + img into memory with a codec and level (0:
 * the defaults). */
static uint8_t *
build_codec(unsigned jobs, uint32_t chunk, ota_bundle_codec codec, int level, size_t *len,
            uint64_t *head_len, uint8_t head_sha[32])
{
    const char *hw[] = {"board-b", "board-a"};
    ota_bundle_writer_config cfg = {.size = sizeof cfg,
                                    .name = "test-fw",
                                    .version = "1.2.3-rc.1+build.5",
                                    .hardware = hw,
                                    .nhardware = 2,
                                    .created = "2024-05-01T12:00:00Z",
                                    .mtime = 1700000000,
                                    .chunk_size = chunk,
                                    .jobs = jobs,
                                    .tmp_dir = work_dir,
                                    .codec = codec,
                                    .level = level};
    ota_bundle_writer *w = NULL;
    assert_int_equal(ota_bundle_writer_new(&cfg, &w), OTA_OK);
    const uint8_t hook[] = "#!/bin/sh\necho pre\n";
    assert_int_equal(ota_bundle_writer_set_hook(w, OTA_BUNDLE_PRE_INSTALL, hook, sizeof hook - 1),
                     OTA_OK);
    assert_int_equal(ota_bundle_writer_add_tree(w, "rootfs", tree_dir, false), OTA_OK);
    assert_int_equal(ota_bundle_writer_add_image(w, "kernel", img_path), OTA_OK);
    int fd = memfd_create("bundle", 0);
    assert_true(fd >= 0);
    uint64_t total = 0;
    assert_int_equal(ota_bundle_writer_finish(w, fd, &total, head_len, head_sha), OTA_OK);
    ota_bundle_writer_free(w);
    uint8_t *buf = malloc(total);
    assert_int_equal(pread(fd, buf, total, 0), (ssize_t) total);
    close(fd);
    *len = total;
    return buf;
}

/* The same with raw deflate at its default level (format 1). */
static uint8_t *
build(unsigned jobs, uint32_t chunk, size_t *len, uint64_t *head_len, uint8_t head_sha[32])
{
    return build_codec(jobs, chunk, OTA_BUNDLE_CODEC_DEFAULT, 0, len, head_len, head_sha);
}

static int
setup(void **state)
{
    (void) state;
    assert_true(sodium_init() >= 0);
    snprintf(work_dir, sizeof work_dir, "/tmp/ota-test-bundle-XXXXXX");
    assert_non_null(mkdtemp(work_dir));
    snprintf(tree_dir, sizeof tree_dir, "%s/tree", work_dir);
    assert_int_equal(mkdir(tree_dir, 0755), 0);
    static uint8_t big[150000], small[] = "hello\n", deep[3000];
    fill_text(big, sizeof big);
    for (size_t i = 0; i < sizeof deep; i++)
        deep[i] = (uint8_t) rnd();
    put_dir("a");
    put_file("a/big.bin", big, sizeof big);
    put_file("a/empty", NULL, 0);
    put_dir("b");
    put_link("b/link", "../a/big.bin");
    put_file("c.txt", small, sizeof small - 1);
    put_file("n\xc3\xa9", small, sizeof small - 1);
    put_dir("z");
    put_dir("z/deep");
    put_file("z/deep/file", deep, sizeof deep);
    img_len = 200000;
    img = malloc(img_len);
    for (size_t i = 0; i < img_len; i++)
        img[i] = i < 100000 ? (uint8_t) rnd() : 0;
    snprintf(img_path, sizeof img_path, "%s/kernel.img", work_dir);
    FILE *f = fopen(img_path, "wb");
    fwrite(img, 1, img_len, f);
    fclose(f);
    good = build(2, CHUNK, &good_len, &good_head_len, good_head_sha);
    return 0;
}

static int
teardown(void **state)
{
    (void) state;
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", work_dir);
    assert_int_equal(system(cmd), 0);
    free(good);
    free(img);
    free(many);
    return 0;
}

/* ---- memory source ------------------------------------------------------------ */

typedef struct msrc {
    const uint8_t *p;
    size_t len, pos;
    size_t step;        /* max bytes per call; 0: as many as asked */
    bool odd;           /* vary the step: 1, 2, 3, 5, 7, 11 ... */
    size_t calls;
    ota_err fail_with;  /* returned once pos >= fail_at */
    size_t fail_at;
    bool overfill;      /* report more than cap (contract violation) */
    /* resume: after `skip_from` bytes, continue at `skip_to` */
    size_t skip_from, skip_to;
    size_t skips;       /* msrc_skip calls */
    uint64_t skipped;   /* bytes they skipped */
} msrc;

static ota_err
msrc_read(void *user, uint8_t *buf, size_t cap, size_t *got)
{
    static const size_t odd[] = {1, 2, 3, 5, 7, 11, 13, 4093, 17, 65537, 19, 64 * 1024 - 1};
    msrc *s = user;
    s->calls++;
    if (s->fail_with != OTA_OK && s->pos >= s->fail_at)
        return s->fail_with;
    if (s->skip_to != 0 && s->pos == s->skip_from)
        s->pos = s->skip_to;
    size_t n = s->len - s->pos;
    if (n > cap)
        n = cap;
    if (s->step && n > s->step)
        n = s->step;
    if (s->odd && n > odd[s->calls % 12])
        n = odd[s->calls % 12];
    if (s->skip_to != 0 && s->pos < s->skip_from && s->pos + n > s->skip_from)
        n = s->skip_from - s->pos;
    memcpy(buf, s->p + s->pos, n);
    s->pos += n;
    *got = s->overfill ? cap + 1 : n;
    return OTA_OK;
}

/* The source's skip, as a Range request would do it: continue n bytes on
 * (after the resume jump, which a Range source makes at the same point);
 * fewer than n bytes left is an error, never a silent end. */
static ota_err
msrc_skip(void *user, uint64_t n)
{
    msrc *s = user;
    if (s->skip_to != 0 && s->pos == s->skip_from)
        s->pos = s->skip_to;
    if (n == 0 || n > s->len - s->pos)
        return OTA_E_LENGTH;
    s->pos += (size_t) n;
    s->skips++;
    s->skipped += n;
    return OTA_OK;
}

/* ---- recording sink: checks every byte against the originals -------------------- */

typedef struct rec {
    bool manifest_seen;
    size_t entries, images, comps_done;
    uint64_t img_bytes;      /* image bytes delivered */
    uint64_t img_max_end;
    bool bad;                /* a delivered byte differed from the original */
    char bad_why[256];
    const tfile *cur;
    uint64_t cur_off;
    char cur_path[OTA_BUNDLE_MAX_ENTRY_PATH + 1];
    char paths[64][128];     /* entries seen (for hostile-archive tests) */
    uint32_t ckpt_chunk;
    uint64_t ckpt_off;
    uint32_t fail_after_chunk; /* image_write fails once chunk index reaches this */
    uint32_t chunks_seen;
    bool check_originals;
} rec;

static void
mark_bad(rec *r, const char *why, const char *what)
{
    if (!r->bad)
        snprintf(r->bad_why, sizeof r->bad_why, "%s: %s", why, what);
    r->bad = true;
}

static ota_err
r_manifest(void *user, const ota_bundle_manifest *m)
{
    (void) m;
    ((rec *) user)->manifest_seen = true;
    return OTA_OK;
}

static ota_err
r_begin(void *user, const ota_bundle_component *c, uint64_t from)
{
    (void) c;
    (void) from;
    (void) user;
    return OTA_OK;
}

static ota_err
r_image(void *user, const ota_bundle_component *c, uint64_t off, const uint8_t *buf, size_t len)
{
    rec *r = user;
    r->images++;
    if (r->fail_after_chunk && off / CHUNK >= r->fail_after_chunk)
        return OTA_E_IO;
    if (r->check_originals &&
        (strcmp(c->name, "kernel") != 0 || off + len > img_len || memcmp(img + off, buf, len)))
        mark_bad(r, "image bytes differ", c->name);
    r->img_bytes += len;
    if (off + len > r->img_max_end)
        r->img_max_end = off + len;
    return OTA_OK;
}

static ota_err
r_entry(void *user, const ota_bundle_component *c, const ota_bundle_entry *e)
{
    (void) c;
    rec *r = user;
    if (r->entries < 64)
        snprintf(r->paths[r->entries], sizeof r->paths[0], "%s", e->path);
    r->entries++;
    snprintf(r->cur_path, sizeof r->cur_path, "%s", e->path);
    r->cur_off = 0;
    r->cur = r->check_originals ? find_file(e->path) : NULL;
    if (!r->check_originals)
        return OTA_OK;
    if (r->cur == NULL)
        mark_bad(r, "unknown entry", e->path);
    else if (e->type == OTA_BUNDLE_DIR ? !r->cur->dir
             : e->type == OTA_BUNDLE_SYMLINK
                 ? (r->cur->link == NULL || strcmp(r->cur->link, e->link) != 0)
                 : (r->cur->dir || r->cur->link || e->size != r->cur->len))
        mark_bad(r, "entry differs", e->path);
    else if (e->mtime != 1700000000)
        mark_bad(r, "mtime not normalised", e->path);
    return OTA_OK;
}

static ota_err
r_data(void *user, const uint8_t *buf, size_t len)
{
    rec *r = user;
    if (r->check_originals &&
        (r->cur == NULL || r->cur_off + len > r->cur->len ||
         memcmp(r->cur->data + r->cur_off, buf, len) != 0))
        mark_bad(r, "file bytes differ", r->cur_path);
    r->cur_off += len;
    return OTA_OK;
}

static ota_err
r_eend(void *user)
{
    rec *r = user;
    if (r->check_originals && r->cur != NULL && r->cur_off != r->cur->len && !r->cur->dir &&
        !r->cur->link)
        mark_bad(r, "file short", r->cur_path);
    return OTA_OK;
}

static ota_err
r_cend(void *user, const ota_bundle_component *c)
{
    (void) c;
    ((rec *) user)->comps_done++;
    return OTA_OK;
}

static ota_err
r_chunk(void *user, uint32_t i, uint64_t off)
{
    (void) off;
    rec *r = user;
    r->chunks_seen = i + 1;
    return OTA_OK;
}

static ota_err
r_ckpt(void *user, const ota_bundle_resume *p)
{
    rec *r = user;
    r->ckpt_chunk = p->next_chunk;
    r->ckpt_off = p->bundle_offset;
    return OTA_OK;
}

static void
sink_for(rec *r, ota_bundle_sink *s)
{
    *s = (ota_bundle_sink){r, r_manifest, r_begin, r_image, r_entry, r_data, r_eend, r_cend,
                           r_chunk, r_ckpt};
}

/* Run the reader over buf[len]; trusted head when hsha != NULL. */
static ota_err
run_reader(const uint8_t *buf, size_t len, const uint8_t *hsha, uint64_t hlen, msrc *src,
           rec *r, size_t *mem, uint32_t resume)
{
    msrc local = {.p = buf, .len = len};
    if (src == NULL)
        src = &local;
    src->p = buf;
    src->len = len;
    ota_bundle_sink sink;
    sink_for(r, &sink);
    ota_bundle_head *hh = NULL;
    ota_bundle_resume rp = {.next_chunk = resume};
    if (resume != 0 && ota_bundle_head_parse(buf, (size_t) hlen, &hh) == OTA_OK) {
        uint64_t off = hh->head_len;
        for (uint32_t i = 0; i < resume && i < hh->header.chunk_count; i++) {
            ota_bundle_chunk ch;
            if (ota_bundle_head_chunk(hh, i, &ch) == OTA_OK)
                off += ch.clen;
        }
        rp.bundle_offset = off;
        ota_bundle_head_free(hh);
    }
    ota_bundle_reader_config cfg = {.size = sizeof cfg,
                                    .read = msrc_read,
                                    .read_user = src,
                                    .sink = &sink,
                                    .head_sha256 = hsha,
                                    .head_length = hlen,
                                    .resume = resume != 0 ? &rp : NULL};
    ota_bundle_reader *rd = NULL;
    ota_err rc = ota_bundle_reader_new(&cfg, &rd);
    if (rc == OTA_OK)
        rc = ota_bundle_reader_run(rd);
    if (mem != NULL)
        *mem = ota_bundle_reader_memory(rd);
    ota_bundle_reader_free(rd);
    return rc;
}

/* ---- round trips --------------------------------------------------------------------- */

static void
test_roundtrip_every_source_shape(void **state)
{
    (void) state;
    size_t steps[] = {0, 1, 2, 3, 7, 512, 4095, 65536, 65537, 1000000};
    for (size_t i = 0; i < sizeof steps / sizeof steps[0] + 1; i++) {
        msrc s = {.step = i < 10 ? steps[i] : 0, .odd = i == 10};
        rec r = {.check_originals = true};
        size_t mem = 0;
        assert_int_equal(run_reader(good, good_len, good_head_sha, good_head_len, &s, &r, &mem, 0),
                         OTA_OK);
        if (r.bad)
            fail_msg("step %zu: %s", steps[i < 10 ? i : 0], r.bad_why);
        assert_true(r.manifest_seen);
        assert_int_equal(r.entries, nfiles);
        assert_int_equal(r.img_bytes, img_len);
        assert_int_equal(r.comps_done, 2);
        /* memory: head + 2 chunks + inflate state, whatever the source */
        assert_true(mem <= 2 * good_head_len + 2 * CHUNK + 3 * (OTA_BUNDLE_MAX_ENTRY_PATH + 1) +
                               64 * 1024);
        if (i == 1)
            assert_true(s.calls > good_len);
    }
    /* and without an anchor (tools) */
    rec r = {.check_originals = true};
    assert_int_equal(run_reader(good, good_len, NULL, 0, NULL, &r, NULL, 0), OTA_OK);
    assert_false(r.bad);
}

static void
test_manifest_fields(void **state)
{
    (void) state;
    ota_bundle_head *h = NULL;
    assert_int_equal(ota_bundle_head_parse(good, (size_t) good_head_len, &h), OTA_OK);
    const ota_bundle_manifest *m = h->manifest;
    assert_string_equal(m->name, "test-fw");
    assert_string_equal(m->version, "1.2.3-rc.1+build.5");
    assert_string_equal(m->created, "2024-05-01T12:00:00Z");
    assert_int_equal(m->nhardware, 2);
    assert_string_equal(m->hardware[0], "board-a"); /* sorted */
    assert_true(ota_bundle_manifest_has_hardware(m, "board-b"));
    assert_false(ota_bundle_manifest_has_hardware(m, "board-c"));
    assert_int_equal(m->chunk_size, CHUNK);
    assert_int_equal(m->ncomponents, 2);
    assert_string_equal(m->components[0].name, "rootfs");
    assert_int_equal(m->components[0].type, OTA_BUNDLE_TREE);
    assert_int_equal(m->components[0].entries, nfiles);
    assert_int_equal(m->components[1].type, OTA_BUNDLE_IMAGE);
    assert_int_equal(m->components[1].size, img_len);
    assert_int_equal(m->components[1].nchunks, (img_len + CHUNK - 1) / CHUNK);
    assert_non_null(m->hook[OTA_BUNDLE_PRE_INSTALL]);
    assert_memory_equal(m->hook[OTA_BUNDLE_PRE_INSTALL], "#!/bin/sh\necho pre\n", 19);
    assert_null(m->hook[OTA_BUNDLE_POST_INSTALL]);
    assert_int_equal(h->total_len, good_len);
    assert_memory_equal(h->head_sha256, good_head_sha, 32);
    /* the zero half of the image compresses; random chunks are stored raw */
    ota_bundle_chunk c;
    uint32_t first_img = m->components[1].first_chunk;
    assert_int_equal(ota_bundle_head_chunk(h, first_img, &c), OTA_OK);
    assert_int_equal(c.clen, c.ulen);
    assert_int_equal(ota_bundle_head_chunk(h, first_img + 2, &c), OTA_OK);
    assert_true(c.clen < c.ulen / 10);
    ota_bundle_head_free(h);
}

static void
test_reproducible_any_thread_count(void **state)
{
    (void) state;
    uint8_t want[32], got[32];
    ota_sha256(good, good_len, want);
    unsigned jobs[] = {1, 2, 3, 8};
    for (size_t i = 0; i < 4; i++) {
        size_t len = 0;
        uint64_t hl = 0;
        uint8_t hs[32];
        uint8_t *b = build(jobs[i], CHUNK, &len, &hl, hs);
        ota_sha256(b, len, got);
        assert_memory_equal(got, want, 32);
        assert_memory_equal(hs, good_head_sha, 32);
        free(b);
    }
}

/* ---- corruption ------------------------------------------------------------------------ */

static void
test_head_flips_rejected_before_parsing(void **state)
{
    (void) state;
    uint8_t *b = malloc(good_len);
    for (size_t pos = 0; pos < good_head_len; pos++) {
        memcpy(b, good, good_len);
        b[pos] ^= (uint8_t) (1u << (pos % 8));
        rec r = {.check_originals = true};
        /* trusted: the hash check comes first, so the error is always HASH */
        ota_err rc = run_reader(b, good_len, good_head_sha, good_head_len, NULL, &r, NULL, 0);
        if (rc != OTA_E_HASH || r.manifest_seen || r.entries || r.images)
            fail_msg("trusted head flip at %zu: %s, sink saw data=%d", pos, ota_err_name(rc),
                     r.manifest_seen);
        /* no anchor: the internal digest or the header checks catch it */
        rec r2 = {.check_originals = true};
        rc = run_reader(b, good_len, NULL, 0, NULL, &r2, NULL, 0);
        if (rc == OTA_OK || r2.manifest_seen || r2.entries || r2.images)
            fail_msg("untrusted head flip at %zu accepted (%s)", pos, ota_err_name(rc));
    }
    free(b);
}

static void
test_payload_flips_never_reach_sink(void **state)
{
    (void) state;
    ota_bundle_head *h = NULL;
    assert_int_equal(ota_bundle_head_parse(good, (size_t) good_head_len, &h), OTA_OK);
    uint8_t *b = malloc(good_len);
    size_t tested = 0;
    /* every chunk's first and last bytes, and every 53rd byte */
    for (size_t pos = good_head_len; pos < good_len; pos++) {
        bool edge = false;
        uint64_t off = good_head_len;
        for (uint32_t i = 0; i < h->header.chunk_count; i++) {
            ota_bundle_chunk c;
            assert_int_equal(ota_bundle_head_chunk(h, i, &c), OTA_OK);
            if (pos == off || pos == off + c.clen - 1)
                edge = true;
            off += c.clen;
        }
        if (!edge && (pos - good_head_len) % 53 != 0)
            continue;
        memcpy(b, good, good_len);
        b[pos] ^= 0x40;
        rec r = {.check_originals = true};
        ota_err rc = run_reader(b, good_len, good_head_sha, good_head_len, NULL, &r, NULL, 0);
        if (rc != OTA_E_HASH)
            fail_msg("payload flip at %zu: %s (want E_HASH: checked before zlib)", pos,
                     ota_err_name(rc));
        if (r.bad)
            fail_msg("payload flip at %zu reached the sink: %s", pos, r.bad_why);
        tested++;
    }
    assert_true(tested > 100);
    free(b);
    ota_bundle_head_free(h);
}

static void
test_truncations_rejected(void **state)
{
    (void) state;
    ota_bundle_head *h = NULL;
    assert_int_equal(ota_bundle_head_parse(good, (size_t) good_head_len, &h), OTA_OK);
    /* section boundaries +-1, every chunk boundary +-1, every head prefix */
    size_t cuts[512], n = 0;
    size_t marks[] = {0, OTA_BUNDLE_MAGIC_LEN, OTA_BUNDLE_HEADER_LEN,
                      OTA_BUNDLE_HEADER_LEN + (size_t) h->header.manifest_len,
                      (size_t) good_head_len};
    for (size_t i = 0; i < 5; i++)
        for (int d = -1; d <= 1; d++)
            if ((long) marks[i] + d >= 0)
                cuts[n++] = (size_t) ((long) marks[i] + d);
    uint64_t off = good_head_len;
    for (uint32_t i = 0; i < h->header.chunk_count; i++) {
        ota_bundle_chunk c;
        assert_int_equal(ota_bundle_head_chunk(h, i, &c), OTA_OK);
        cuts[n++] = (size_t) off + 1;
        cuts[n++] = (size_t) off + c.clen / 2;
        off += c.clen;
        cuts[n++] = (size_t) off - 1;
        if (off < good_len)
            cuts[n++] = (size_t) off;
    }
    for (size_t i = 0; i < n; i++) {
        rec r = {.check_originals = true};
        ota_err rc = run_reader(good, cuts[i], good_head_sha, good_head_len, NULL, &r, NULL, 0);
        if (rc != OTA_E_LENGTH || r.bad)
            fail_msg("truncated at %zu: %s", cuts[i], ota_err_name(rc));
        rec r2 = {.check_originals = true};
        rc = run_reader(good, cuts[i], NULL, 0, NULL, &r2, NULL, 0);
        if (rc == OTA_OK || r2.bad)
            fail_msg("untrusted, truncated at %zu: %s", cuts[i], ota_err_name(rc));
    }
    for (size_t cut = 0; cut < good_head_len; cut++) {
        rec r = {0};
        assert_int_equal(run_reader(good, cut, good_head_sha, good_head_len, NULL, &r, NULL, 0),
                         OTA_E_LENGTH);
        assert_false(r.manifest_seen);
    }
    ota_bundle_head_free(h);
}

static void
test_trailing_bytes_and_wrong_lengths(void **state)
{
    (void) state;
    uint8_t *b = malloc(good_len + 1);
    memcpy(b, good, good_len);
    b[good_len] = 0;
    rec r = {0};
    assert_int_equal(run_reader(b, good_len + 1, good_head_sha, good_head_len, NULL, &r, NULL, 0),
                     OTA_E_LENGTH);
    free(b);
    /* trusted head length off by one either way: hash mismatch */
    rec r2 = {0};
    assert_int_equal(
        run_reader(good, good_len, good_head_sha, good_head_len + 1, NULL, &r2, NULL, 0),
        OTA_E_HASH);
    assert_int_equal(
        run_reader(good, good_len, good_head_sha, good_head_len - 1, NULL, &r2, NULL, 0),
        OTA_E_HASH);
    assert_false(r2.manifest_seen);
    /* a claimed head beyond the limit is refused before reading it */
    msrc s = {0};
    assert_int_equal(run_reader(good, good_len, good_head_sha, (uint64_t) OTA_BUNDLE_MAX_HEAD + 1,
                                &s, &r2, NULL, 0),
                     OTA_E_LIMIT);
    assert_int_equal(s.pos, 0);
}

static void
test_source_errors_propagate(void **state)
{
    (void) state;
    rec r = {0};
    msrc s = {.fail_with = OTA_E_NETWORK, .fail_at = good_head_len + 10};
    assert_int_equal(run_reader(good, good_len, good_head_sha, good_head_len, &s, &r, NULL, 0),
                     OTA_E_NETWORK);
    msrc s2 = {.overfill = true};
    assert_int_equal(run_reader(good, good_len, good_head_sha, good_head_len, &s2, &r, NULL, 0),
                     OTA_E_ARG);
}

/* ---- resume ---------------------------------------------------------------------------------- */

static void
test_resume_at_checkpoint(void **state)
{
    (void) state;
    ota_bundle_head *h = NULL;
    assert_int_equal(ota_bundle_head_parse(good, (size_t) good_head_len, &h), OTA_OK);
    const ota_bundle_component *kc = &h->manifest->components[1];
    /* first run: the image sink fails at its second chunk (power cut) */
    rec r1 = {.check_originals = true, .fail_after_chunk = 1};
    assert_int_equal(run_reader(good, good_len, good_head_sha, good_head_len, NULL, &r1, NULL, 0),
                     OTA_E_IO);
    assert_int_equal(r1.ckpt_chunk, kc->first_chunk + 1);
    assert_int_equal(r1.img_bytes, CHUNK);
    /* second run: head from offset 0, then the payload from the checkpoint */
    msrc s = {.skip_from = (size_t) good_head_len, .skip_to = (size_t) r1.ckpt_off, .odd = true};
    rec r2 = {.check_originals = true};
    assert_int_equal(run_reader(good, good_len, good_head_sha, good_head_len, &s, &r2, NULL,
                                r1.ckpt_chunk),
                     OTA_OK);
    assert_false(r2.bad);
    assert_int_equal(r2.entries, 0); /* the tree was done before */
    assert_int_equal(r1.img_bytes + r2.img_bytes, img_len);
    /* a chunk inside a tar stream without the tree state is refused */
    rec r3 = {0};
    assert_int_equal(run_reader(good, good_len, good_head_sha, good_head_len, NULL, &r3, NULL, 1),
                     OTA_E_ARG);
    /* resuming at the end: only the trailing check remains */
    msrc s4 = {.skip_from = (size_t) good_head_len, .skip_to = good_len};
    rec r4 = {0};
    assert_int_equal(run_reader(good, good_len, good_head_sha, good_head_len, &s4, &r4, NULL,
                                h->header.chunk_count),
                     OTA_OK);
    ota_bundle_head_free(h);
}

/* ---- crafted bundles: every hash right, contents hostile ------------------------------------------ */

typedef struct rchunk {
    uint8_t *stored;
    uint32_t clen;
    uint8_t usha[32];
} rchunk;

static void
rchunk_make(rchunk *c, const uint8_t *u, size_t ulen, const uint8_t *z, size_t zlen)
{
    /* z: the bytes to store (deflated or raw); u: what they should mean */
    c->stored = malloc(zlen ? zlen : 1);
    memcpy(c->stored, z, zlen);
    c->clen = (uint32_t) zlen;
    ota_sha256(u, ulen, c->usha);
}

static size_t
deflate_raw(const uint8_t *in, size_t n, uint8_t *out, size_t cap)
{
    z_stream z = {0};
    assert_int_equal(deflateInit2(&z, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY), Z_OK);
    z.next_in = (uint8_t *) in;
    z.avail_in = (uInt) n;
    z.next_out = out;
    z.avail_out = (uInt) cap;
    assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
    size_t len = cap - z.avail_out;
    deflateEnd(&z);
    return len;
}

/* Chunks of data, each deflated when that is smaller. */
static size_t
chunks_of(const uint8_t *d, size_t n, uint32_t cs, rchunk *out)
{
    size_t k = 0;
    uint8_t *z = malloc(cs);
    for (size_t off = 0; off < n; off += cs, k++) {
        size_t ul = n - off < cs ? n - off : cs;
        z_stream zz = {0};
        deflateInit2(&zz, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY);
        zz.next_in = (uint8_t *) d + off;
        zz.avail_in = (uInt) ul;
        zz.next_out = z;
        zz.avail_out = (uInt) (ul - 1);
        int zr = ul > 1 ? deflate(&zz, Z_FINISH) : Z_BUF_ERROR;
        size_t zl = ul - 1 - zz.avail_out;
        deflateEnd(&zz);
        if (zr == Z_STREAM_END)
            rchunk_make(&out[k], d + off, ul, z, zl);
        else
            rchunk_make(&out[k], d + off, ul, d + off, ul);
    }
    free(z);
    return k;
}

static uint8_t *
assemble(json_t *manifest, uint32_t cs, rchunk *ch, size_t n, size_t *len, uint64_t *hlen,
         uint8_t hsha[32])
{
    uint8_t *man = NULL;
    size_t ml = 0;
    assert_int_equal(ota_json_canonical(manifest, &man, &ml), OTA_OK);
    uint32_t fmt = (uint32_t) json_integer_value(json_object_get(manifest, "format"));
    json_decref(manifest);
    uint64_t pl = 0;
    for (size_t i = 0; i < n; i++)
        pl += ch[i].clen;
    /* the header's format follows the manifest's */
    ota_bundle_header h = {.format = fmt,
                           .chunk_size = cs,
                           .chunk_count = (uint32_t) n,
                           .manifest_len = ml,
                           .table_len = n * OTA_BUNDLE_ENTRY_LEN,
                           .payload_len = pl};
    size_t hl = OTA_BUNDLE_HEADER_LEN + ml + n * OTA_BUNDLE_ENTRY_LEN;
    uint8_t *b = malloc(hl + pl);
    memcpy(b + OTA_BUNDLE_HEADER_LEN, man, ml);
    uint8_t *t = b + OTA_BUNDLE_HEADER_LEN + ml, *p = b + hl;
    for (size_t i = 0; i < n; i++) {
        uint8_t csha[32];
        ota_sha256(ch[i].stored, ch[i].clen, csha);
        ota_bundle_chunk_encode(ch[i].clen, csha, ch[i].usha, t + i * OTA_BUNDLE_ENTRY_LEN);
        memcpy(p, ch[i].stored, ch[i].clen);
        p += ch[i].clen;
        free(ch[i].stored);
    }
    ota_sha256(b + OTA_BUNDLE_HEADER_LEN, ml + n * OTA_BUNDLE_ENTRY_LEN, h.digest);
    ota_bundle_header_encode(&h, b);
    ota_sha256(b, hl, hsha);
    *hlen = hl;
    *len = hl + pl;
    free(man);
    return b;
}

static json_t *
base_manifest(json_t *components)
{
    return json_pack("{s:s, s:i, s:s, s:s, s:i, s:[s], s:o}", "type", "ota-bundle", "format", 1,
                     "name", "evil", "version", "6.6.6", "chunk_size", (int) CHUNK, "hardware",
                     "board-a", "components", components);
}

/* One tar entry for the crafted archives. */
typedef struct tent {
    const char *path;
    unsigned type; /* AE_IF* */
    const char *data;
    const char *link;
    const char *hardlink;
    int64_t size; /* -1: strlen(data) */
} tent;

static uint8_t *
make_tar(const tent *e, size_t n, size_t *len, uint64_t *unpacked)
{
    size_t cap = 1 << 20, used = 0;
    uint8_t *buf = malloc(cap);
    struct archive *a = archive_write_new();
    archive_write_set_format_pax_restricted(a);
    archive_write_set_format_option(a, "pax", "hdrcharset", "BINARY");
    archive_write_set_bytes_per_block(a, 0);
    assert_int_equal(archive_write_open_memory(a, buf, cap, &used), ARCHIVE_OK);
    *unpacked = 0;
    for (size_t i = 0; i < n; i++) {
        struct archive_entry *ae = archive_entry_new();
        archive_entry_copy_pathname(ae, e[i].path);
        archive_entry_set_filetype(ae, e[i].type);
        archive_entry_set_perm(ae, 0644);
        size_t dl = e[i].data ? strlen(e[i].data) : 0;
        archive_entry_set_size(ae, e[i].type == AE_IFREG ? (la_int64_t) dl : 0);
        if (e[i].link)
            archive_entry_copy_symlink(ae, e[i].link);
        if (e[i].hardlink)
            archive_entry_copy_hardlink(ae, e[i].hardlink);
        if (e[i].type == AE_IFCHR || e[i].type == AE_IFBLK)
            archive_entry_set_rdev(ae, makedev(1, 3));
        int hr = archive_write_header(a, ae);
        if (hr != ARCHIVE_OK)
            fail_msg("make_tar %s: %s", e[i].path, archive_error_string(a));
        if (dl && e[i].type == AE_IFREG && !e[i].hardlink) {
            archive_write_data(a, e[i].data, dl);
            *unpacked += dl;
        }
        archive_entry_free(ae);
    }
    archive_write_close(a);
    archive_write_free(a);
    *len = used;
    return buf;
}

/* Crafted bundle holding one tree; returns the reader's verdict. */
static ota_err
run_tree(const tent *e, size_t n, json_int_t entries_adj, json_int_t unpacked_adj, bool rootfs,
         rec *r)
{
    size_t tl = 0;
    uint64_t unpacked = 0;
    uint8_t *tar = make_tar(e, n, &tl, &unpacked);
    rchunk ch[64];
    size_t nc = chunks_of(tar, tl, CHUNK, ch);
    json_t *comp = json_pack("{s:s, s:s, s:I, s:b, s:I, s:I}", "name", "root", "type", "tree",
                             "size", (json_int_t) tl, "rootfs", rootfs, "entries",
                             (json_int_t) n + entries_adj, "unpacked",
                             (json_int_t) unpacked + unpacked_adj);
    size_t len = 0;
    uint64_t hl = 0;
    uint8_t hs[32];
    uint8_t *b = assemble(base_manifest(json_pack("[o]", comp)), CHUNK, ch, nc, &len, &hl, hs);
    ota_err rc = run_reader(b, len, hs, hl, NULL, r, NULL, 0);
    free(b);
    free(tar);
    return rc;
}

static bool
seen(const rec *r, const char *path)
{
    for (size_t i = 0; i < r->entries && i < 64; i++)
        if (strcmp(r->paths[i], path) == 0)
            return true;
    return false;
}

static void
test_crafted_good_tree_accepted(void **state)
{
    (void) state;
    tent ok[] = {{"a", AE_IFDIR, NULL, NULL, NULL, 0},
                 {"a/f", AE_IFREG, "data", NULL, NULL, 0},
                 {"a/l", AE_IFLNK, NULL, "f", NULL, 0},
                 {"b", AE_IFLNK, NULL, "a/f", NULL, 0},
                 {"c/d/e", AE_IFREG, "x", NULL, NULL, 0}};
    rec r = {0};
    assert_int_equal(run_tree(ok, 5, 0, 0, false, &r), OTA_OK);
    assert_int_equal(r.entries, 5);
    assert_true(seen(&r, "a")); /* trailing '/' stripped */
    rec r2 = {0};
    tent abs[] = {{"bin/sh", AE_IFLNK, NULL, "/usr/bin/busybox", NULL, 0}};
    assert_int_equal(run_tree(abs, 1, 0, 0, true, &r2), OTA_OK); /* rootfs: allowed */
}

static void
test_hostile_archives_refused(void **state)
{
    (void) state;
    struct {
        const char *what;
        tent e[3];
        size_t n;
        ota_err want;
        const char *never; /* the sink must not see this path */
    } cases[] = {
        {"absolute path", {{"/etc/passwd", AE_IFREG, "x", NULL, NULL, 0}}, 1, OTA_E_UNSAFE,
         "/etc/passwd"},
        {"dot-dot", {{"../escape", AE_IFREG, "x", NULL, NULL, 0}}, 1, OTA_E_UNSAFE, "../escape"},
        {"inner dot-dot", {{"a/../../x", AE_IFREG, "x", NULL, NULL, 0}}, 1, OTA_E_UNSAFE,
         "a/../../x"},
        {"dot", {{"./x", AE_IFREG, "x", NULL, NULL, 0}}, 1, OTA_E_UNSAFE, "./x"},
        {"empty component", {{"a//x", AE_IFREG, "x", NULL, NULL, 0}}, 1, OTA_E_UNSAFE, "a//x"},
        {"control char", {{"a\nb", AE_IFREG, "x", NULL, NULL, 0}}, 1, OTA_E_UNSAFE, "a\nb"},
        {"invalid utf-8", {{"a\xff", AE_IFREG, "x", NULL, NULL, 0}}, 1, OTA_E_UNSAFE, "a\xff"},
        {"char device", {{"null", AE_IFCHR, NULL, NULL, NULL, 0}}, 1, OTA_E_UNSAFE, "null"},
        {"block device", {{"sda", AE_IFBLK, NULL, NULL, NULL, 0}}, 1, OTA_E_UNSAFE, "sda"},
        {"fifo", {{"pipe", AE_IFIFO, NULL, NULL, NULL, 0}}, 1, OTA_E_UNSAFE, "pipe"},
        {"hard link", {{"a", AE_IFREG, "x", NULL, NULL, 0}, {"b", AE_IFREG, NULL, NULL, "a", 0}},
         2, OTA_E_UNSAFE, "b"},
        {"symlink escapes", {{"a/l", AE_IFLNK, NULL, "../../etc", NULL, 0}}, 1, OTA_E_UNSAFE,
         "a/l"},
        {"symlink dot-dot after a name", {{"a/l", AE_IFLNK, NULL, "b/../../x", NULL, 0}}, 1,
         OTA_E_UNSAFE, "a/l"},
        {"absolute symlink (not rootfs)", {{"l", AE_IFLNK, NULL, "/etc/shadow", NULL, 0}}, 1,
         OTA_E_UNSAFE, "l"},
        {"entry through a symlink",
         {{"l", AE_IFLNK, NULL, "sub", NULL, 0}, {"l/x", AE_IFREG, "x", NULL, NULL, 0}},
         2, OTA_E_UNSAFE, "l/x"},
        {"entry under a file",
         {{"f", AE_IFREG, "x", NULL, NULL, 0}, {"f/x", AE_IFREG, "x", NULL, NULL, 0}},
         2, OTA_E_UNSAFE, "f/x"},
        {"duplicate entry",
         {{"a", AE_IFREG, "x", NULL, NULL, 0}, {"a", AE_IFREG, "y", NULL, NULL, 0}},
         2, OTA_E_UNSAFE, NULL},
        {"out of order",
         {{"b", AE_IFREG, "x", NULL, NULL, 0}, {"a", AE_IFREG, "y", NULL, NULL, 0}},
         2, OTA_E_UNSAFE, "a"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        rec r = {0};
        ota_err rc = run_tree(cases[i].e, cases[i].n, 0, 0, false, &r);
        if (rc != cases[i].want)
            fail_msg("%s: got %s, want %s", cases[i].what, ota_err_name(rc),
                     ota_err_name(cases[i].want));
        if (cases[i].never != NULL && seen(&r, cases[i].never))
            fail_msg("%s: the sink saw '%s'", cases[i].what, cases[i].never);
        assert_int_equal(r.comps_done, 0);
        if (strcmp(cases[i].what, "duplicate entry") == 0)
            assert_int_equal(r.entries, 1);
    }
}

static void
test_tree_counts_enforced(void **state)
{
    (void) state;
    tent e[] = {{"a", AE_IFREG, "0123456789", NULL, NULL, 0},
                {"b", AE_IFREG, "0123456789", NULL, NULL, 0}};
    rec r = {0};
    /* more entries than the manifest says: stopped at the extra entry */
    assert_int_equal(run_tree(e, 2, -1, 0, false, &r), OTA_E_LIMIT);
    assert_false(seen(&r, "b"));
    /* more file bytes than the manifest says (unpacked bomb) */
    rec r2 = {0};
    assert_int_equal(run_tree(e, 2, 0, -5, false, &r2), OTA_E_LIMIT);
    /* fewer: the manifest lied the other way */
    rec r3 = {0};
    assert_int_equal(run_tree(e, 2, 1, 0, false, &r3), OTA_E_FORMAT);
    assert_int_equal(r3.comps_done, 0);
}

static void
test_decompression_bomb_stopped(void **state)
{
    (void) state;
    /* a 5000-byte image whose (correctly hashed) chunk inflates to 4 MiB */
    size_t big = 4u << 20;
    uint8_t *zeros = calloc(1, big), *z = malloc(big);
    size_t zl = deflate_raw(zeros, big, z, big);
    assert_true(zl < 5000);
    rchunk ch[1];
    rchunk_make(&ch[0], zeros, 5000, z, zl);
    json_t *comp = json_pack("{s:s, s:s, s:i}", "name", "img", "type", "image", "size", 5000);
    size_t len = 0;
    uint64_t hl = 0;
    uint8_t hs[32];
    uint8_t *b = assemble(base_manifest(json_pack("[o]", comp)), CHUNK, ch, 1, &len, &hl, hs);
    rec r = {0};
    size_t mem = 0;
    assert_int_equal(run_reader(b, len, hs, hl, NULL, &r, &mem, 0), OTA_E_LIMIT);
    assert_int_equal(r.images, 0);
    assert_true(mem < 2 * CHUNK + hl * 2 + 80 * 1024); /* never held the 4 MiB */
    free(b);
    free(zeros);
    free(z);
}

static void
test_crafted_inconsistencies(void **state)
{
    (void) state;
    uint8_t d[1000];
    memset(d, 'x', sizeof d);
    /* chunk table one entry too long for the manifest */
    rchunk ch[2];
    chunks_of(d, sizeof d, CHUNK, ch);
    chunks_of(d, sizeof d, CHUNK, ch + 1);
    json_t *comp = json_pack("{s:s, s:s, s:i}", "name", "img", "type", "image", "size", 1000);
    size_t len = 0;
    uint64_t hl = 0;
    uint8_t hs[32];
    uint8_t *b = assemble(base_manifest(json_pack("[o]", comp)), CHUNK, ch, 2, &len, &hl, hs);
    rec r = {0};
    assert_int_equal(run_reader(b, len, hs, hl, NULL, &r, NULL, 0), OTA_E_FORMAT);
    assert_false(r.manifest_seen);
    free(b);
    /* stored length larger than the uncompressed length */
    uint8_t big[1001];
    memset(big, 'y', sizeof big);
    rchunk c2[1];
    rchunk_make(&c2[0], d, sizeof d, big, sizeof big);
    comp = json_pack("{s:s, s:s, s:i}", "name", "img", "type", "image", "size", 1000);
    b = assemble(base_manifest(json_pack("[o]", comp)), CHUNK, c2, 1, &len, &hl, hs);
    assert_int_equal(run_reader(b, len, hs, hl, NULL, &r, NULL, 0), OTA_E_FORMAT);
    free(b);
    /* uncompressed hash wrong (signer bug): caught after inflating, before the sink */
    rchunk c3[1];
    chunks_of(d, sizeof d, CHUNK, c3);
    c3[0].usha[0] ^= 1;
    comp = json_pack("{s:s, s:s, s:i}", "name", "img", "type", "image", "size", 1000);
    b = assemble(base_manifest(json_pack("[o]", comp)), CHUNK, c3, 1, &len, &hl, hs);
    rec r3 = {0};
    assert_int_equal(run_reader(b, len, hs, hl, NULL, &r3, NULL, 0), OTA_E_HASH);
    assert_int_equal(r3.images, 0);
    free(b);
}

/* ---- header limits -------------------------------------------------------------------------------- */

static void
test_header_limits(void **state)
{
    (void) state;
    ota_bundle_header h0, h;
    assert_int_equal(ota_bundle_header_decode(good, good_len, &h0), OTA_OK);
    uint8_t b[OTA_BUNDLE_HEADER_LEN];
    struct {
        void (*mut)(ota_bundle_header *);
        ota_err want;
    } muts[] = {
        {NULL, OTA_OK},
    };
    (void) muts;
#define CASE(expr, want)                                                                        \
    do {                                                                                        \
        h = h0;                                                                                 \
        expr;                                                                                   \
        ota_bundle_header_encode(&h, b);                                                        \
        ota_bundle_header out;                                                                  \
        assert_int_equal(ota_bundle_header_decode(b, sizeof b, &out), want);                    \
    } while (0)
    CASE((void) 0, OTA_OK);
    CASE(h.format = 2, OTA_OK); /* zstd bundles */
    CASE(h.format = 3, OTA_OK); /* bundles with a package list */
    CASE(h.format = 4, OTA_OK); /* trees in the delta layout */
    CASE(h.format = 5, OTA_E_UNSUPPORTED);
    CASE(h.format = 0, OTA_E_UNSUPPORTED);
    CASE(h.flags = 1, OTA_E_UNSUPPORTED);
    CASE(h.chunk_size = 3 * CHUNK, OTA_E_FORMAT);
    CASE(h.chunk_size = 32 * 1024, OTA_E_FORMAT);
    CASE(h.chunk_size = 8u << 20, OTA_E_LIMIT);
    CASE((h.chunk_count = OTA_BUNDLE_MAX_CHUNKS + 1,
          h.table_len = (uint64_t) h.chunk_count * OTA_BUNDLE_ENTRY_LEN),
         OTA_E_LIMIT); /* chunk table too long */
    CASE(h.table_len += OTA_BUNDLE_ENTRY_LEN, OTA_E_FORMAT);
    CASE(h.manifest_len = OTA_BUNDLE_MAX_MANIFEST + 1, OTA_E_LIMIT);
    CASE(h.manifest_len = 0, OTA_E_FORMAT);
    CASE(h.manifest_len = UINT64_MAX, OTA_E_LIMIT);
    CASE(h.table_len = UINT64_MAX, OTA_E_LIMIT);
    CASE(h.payload_len = UINT64_MAX, OTA_E_FORMAT);
    CASE(h.payload_len = h.chunk_count - 1, OTA_E_FORMAT);
#undef CASE
    for (size_t n = 0; n < OTA_BUNDLE_HEADER_LEN; n++)
        assert_int_equal(ota_bundle_header_decode(good, n, &h), OTA_E_FORMAT);
    memcpy(b, good, sizeof b);
    b[0] = 'O';
    assert_int_equal(ota_bundle_header_decode(b, sizeof b, &h), OTA_E_FORMAT);
}

static void
test_untrusted_oversize_header_refused_early(void **state)
{
    (void) state;
    /* no anchor: a header claiming a huge chunk table is refused after 80
     * bytes, before any allocation of that size */
    ota_bundle_header h;
    assert_int_equal(ota_bundle_header_decode(good, good_len, &h), OTA_OK);
    h.chunk_count = 1u << 30;
    h.table_len = (uint64_t) h.chunk_count * OTA_BUNDLE_ENTRY_LEN;
    uint8_t b[OTA_BUNDLE_HEADER_LEN];
    ota_bundle_header_encode(&h, b);
    rec r = {0};
    msrc s = {0};
    assert_int_equal(run_reader(b, sizeof b, NULL, 0, &s, &r, NULL, 0), OTA_E_LIMIT);
    assert_int_equal(s.pos, OTA_BUNDLE_HEADER_LEN);
}

/* ---- manifest ------------------------------------------------------------------------------------------- */

static ota_err
parse_manifest_str(const char *s)
{
    ota_bundle_manifest *m = NULL;
    ota_err rc = ota_bundle_manifest_parse((const uint8_t *) s, strlen(s), &m);
    ota_bundle_manifest_free(m);
    return rc;
}

static void
test_manifest_validation(void **state)
{
    (void) state;
    const char *ok = "{\"chunk_size\":65536,\"components\":[{\"name\":\"k\",\"size\":1,\"type\":"
                     "\"image\"}],\"format\":1,\"hardware\":[\"a\"],\"name\":\"n\",\"type\":\"ota-"
                     "bundle\",\"version\":\"1.0.0\"}";
    assert_int_equal(parse_manifest_str(ok), OTA_OK);
    struct {
        const char *from, *to;
        ota_err want;
    } bad[] = {
        {"\"format\":1", "\"format\":5", OTA_E_UNSUPPORTED},
        {"\"format\":1", "\"format\":3", OTA_E_FORMAT}, /* format 3 without "compression" */
        {"\"format\":1", "\"format\":0", OTA_E_UNSUPPORTED},
        /* format 2 names its codec; format 1 has none */
        {"\"format\":1", "\"format\":2", OTA_E_FORMAT},
        {"\"format\":1", "\"compression\":\"zstd\",\"format\":1", OTA_E_FORMAT},
        {"\"format\":1", "\"compression\":\"lz4\",\"format\":2", OTA_E_UNSUPPORTED},
        {"\"format\":1", "\"compression\":\"ZSTD\",\"format\":2", OTA_E_UNSUPPORTED},
        {"\"format\":1", "\"compression\":2,\"format\":2", OTA_E_FORMAT},
        {"\"format\":1", "\"compression\":null,\"format\":2", OTA_E_FORMAT},
        {"\"version\":\"1.0.0\"", "\"version\":\"1.0\"", OTA_E_FORMAT},
        {"\"version\":\"1.0.0\"", "\"version\":\"01.0.0\"", OTA_E_FORMAT},
        {"\"name\":\"n\"", "\"name\":\"../n\"", OTA_E_FORMAT},
        {"\"name\":\"n\"", "\"name\":\"n\",\"zzz\":1", OTA_E_FORMAT},
        {"[\"a\"]", "[]", OTA_E_FORMAT},
        {"[\"a\"]", "[\"b\",\"a\"]", OTA_E_FORMAT},
        {"[\"a\"]", "[\"a\",\"a\"]", OTA_E_FORMAT},
        {"65536", "65537", OTA_E_FORMAT},
        {"65536", "8388608", OTA_E_FORMAT},
        {"\"image\"", "\"raw\"", OTA_E_UNSUPPORTED},
        {"\"size\":1", "\"size\":-1", OTA_E_FORMAT},
        {"\"size\":1", "\"size\":9007199254740991", OTA_E_LIMIT},
        {"{\"chunk_size\"", " {\"chunk_size\"", OTA_E_FORMAT}, /* not canonical */
        {"\"type\":\"ota-bundle\"", "\"type\":\"tuf\"", OTA_E_FORMAT},
        {"\"format\":1", "\"created\":\"yesterday\",\"format\":1", OTA_E_FORMAT},
        {"\"format\":1", "\"format\":1,\"hardware\":[\"a\"]", OTA_E_JSON}, /* duplicate key */
    };
    char buf[1024];
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *p = strstr(ok, bad[i].from);
        assert_non_null(p);
        snprintf(buf, sizeof buf, "%.*s%s%s", (int) (p - ok), ok, bad[i].to,
                 p + strlen(bad[i].from));
        ota_err rc = parse_manifest_str(buf);
        if (rc != bad[i].want)
            fail_msg("%s: got %s want %s", buf, ota_err_name(rc), ota_err_name(bad[i].want));
    }
    /* format 2 with either codec */
    const char *codecs[] = {"deflate", "zstd"};
    for (int i = 0; i < 2; i++) {
        const char *p = strstr(ok, "\"format\":1");
        snprintf(buf, sizeof buf, "%.*s\"compression\":\"%s\",\"format\":2%s", (int) (p - ok), ok,
                 codecs[i], p + strlen("\"format\":1"));
        ota_bundle_manifest *m = NULL;
        assert_int_equal(ota_bundle_manifest_parse((const uint8_t *) buf, strlen(buf), &m), OTA_OK);
        assert_int_equal(m->format, 2);
        assert_int_equal(m->codec, i == 0 ? OTA_BUNDLE_DEFLATE : OTA_BUNDLE_ZSTD);
        ota_bundle_manifest_free(m);
    }
    ota_bundle_manifest *m = NULL;
    assert_int_equal(ota_bundle_manifest_parse((const uint8_t *) ok, strlen(ok), &m), OTA_OK);
    assert_int_equal(m->codec, OTA_BUNDLE_DEFLATE);
    ota_bundle_manifest_free(m);
}

/* ---- paths -------------------------------------------------------------------------------------------- */

static void
test_path_rules(void **state)
{
    (void) state;
    const char *ok[] = {"a", "a/b", "a.b/c..d", "...", "n\xc3\xa9", "a b", "a\\b"};
    const char *bad[] = {"", "/a", "a/", "a//b", ".", "..", "./a", "a/./b", "a/..", "../a",
                         "a\nb", "a\x7f", "\xff", "\xc0\xaf", "\xed\xa0\x80"};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
        assert_int_equal(ota_bundle_path_check(ok[i]), OTA_OK);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (ota_bundle_path_check(bad[i]) != OTA_E_UNSAFE)
            fail_msg("unsafe path accepted: %s", bad[i]);
    char *longp = malloc(OTA_BUNDLE_MAX_ENTRY_PATH + 2);
    memset(longp, 'a', OTA_BUNDLE_MAX_ENTRY_PATH + 1);
    longp[OTA_BUNDLE_MAX_ENTRY_PATH] = '\0';
    assert_int_equal(ota_bundle_path_check(longp), OTA_OK);
    longp[OTA_BUNDLE_MAX_ENTRY_PATH] = 'a';
    longp[OTA_BUNDLE_MAX_ENTRY_PATH + 1] = '\0';
    assert_int_equal(ota_bundle_path_check(longp), OTA_E_UNSAFE);
    free(longp);
    /* links */
    assert_int_equal(ota_bundle_link_check("a/b/l", "../../x", false), OTA_OK);
    assert_int_equal(ota_bundle_link_check("a/b/l", "../../../x", false), OTA_E_UNSAFE);
    assert_int_equal(ota_bundle_link_check("l", "..", false), OTA_E_UNSAFE);
    assert_int_equal(ota_bundle_link_check("a/l", "./../x", false), OTA_OK);
    assert_int_equal(ota_bundle_link_check("a/l", "x/../y", false), OTA_E_UNSAFE);
    assert_int_equal(ota_bundle_link_check("a/l", "/usr/bin/x", false), OTA_E_UNSAFE);
    assert_int_equal(ota_bundle_link_check("a/l", "/usr/bin/x", true), OTA_OK);
    assert_int_equal(ota_bundle_link_check("a/l", "/../x", true), OTA_E_UNSAFE);
    assert_int_equal(ota_bundle_link_check("a/l", "", false), OTA_E_UNSAFE);
    /* order */
    assert_true(ota_bundle_path_cmp("a", "a/b") < 0);
    assert_true(ota_bundle_path_cmp("a/b", "a-b") < 0); /* '/' sorts first */
    assert_true(ota_bundle_path_cmp("a-b", "a/b") > 0);
    assert_true(ota_bundle_path_cmp("a/z", "b") < 0);
    assert_int_equal(ota_bundle_path_cmp("x/y", "x/y"), 0);
}

/* ---- writer refusals -------------------------------------------------------------------------------------- */

static ota_err
build_dir(const char *dir, bool rootfs, char *msg, size_t msglen)
{
    const char *hw[] = {"a"};
    ota_bundle_writer_config cfg = {.size = sizeof cfg, .name = "n", .version = "1.0.0",
                                    .hardware = hw, .nhardware = 1, .jobs = 1,
                                    .tmp_dir = work_dir};
    ota_bundle_writer *w = NULL;
    assert_int_equal(ota_bundle_writer_new(&cfg, &w), OTA_OK);
    ota_err rc = ota_bundle_writer_add_tree(w, "t", dir, rootfs);
    snprintf(msg, msglen, "%s", ota_bundle_writer_error(w));
    ota_bundle_writer_free(w);
    return rc;
}

static void
test_writer_refuses_unsafe_inputs(void **state)
{
    (void) state;
    char d[400], p[500], msg[1024];
    struct {
        const char *what;
        int kind; /* 0 fifo 1 socket 2 abs link 3 escaping link 4 newline name 5 bad utf8 6 dev */
    } cases[] = {{"fifo", 0},          {"socket", 1},        {"absolute symlink", 2},
                 {"escaping symlink", 3}, {"control character", 4}, {"invalid UTF-8", 5},
                 {"device node", 6}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        snprintf(d, sizeof d, "%s/refuse%zu", work_dir, i);
        assert_int_equal(mkdir(d, 0755), 0);
        snprintf(p, sizeof p, "%s/ok", d);
        fclose(fopen(p, "w"));
        int r = 0;
        switch (cases[i].kind) {
        case 0: snprintf(p, sizeof p, "%s/x", d); r = mkfifo(p, 0644); break;
        case 1: {
            int s = socket(AF_UNIX, SOCK_STREAM, 0);
            struct sockaddr_un a = {.sun_family = AF_UNIX};
            snprintf(a.sun_path, sizeof a.sun_path, "%s/x", d);
            r = bind(s, (struct sockaddr *) &a, sizeof a);
            close(s);
            break;
        }
        case 2: snprintf(p, sizeof p, "%s/x", d); r = symlink("/etc/passwd", p); break;
        case 3: snprintf(p, sizeof p, "%s/x", d); r = symlink("../../etc", p); break;
        case 4: snprintf(p, sizeof p, "%s/x\ny", d); fclose(fopen(p, "w")); break;
        case 5: snprintf(p, sizeof p, "%s/x\xff", d); fclose(fopen(p, "w")); break;
        case 6:
            snprintf(p, sizeof p, "%s/x", d);
            r = mknod(p, S_IFCHR | 0600, makedev(1, 3));
            if (r != 0 && errno == EPERM)
                continue; /* not root: cannot make one to refuse */
            break;
        }
        assert_int_equal(r, 0);
        ota_err rc = build_dir(d, false, msg, sizeof msg);
        if (rc != OTA_E_UNSAFE)
            fail_msg("%s: %s", cases[i].what, ota_err_name(rc));
        assert_non_null(strstr(msg, "x"));
    }
    /* an absolute symlink is fine in a root file system */
    snprintf(d, sizeof d, "%s/refuse2", work_dir);
    assert_int_equal(build_dir(d, true, msg, sizeof msg), OTA_OK);
    /* a missing directory */
    snprintf(d, sizeof d, "%s/nonexistent", work_dir);
    assert_int_equal(build_dir(d, false, msg, sizeof msg), OTA_E_NOT_FOUND);
}

static void
test_writer_config_checked(void **state)
{
    (void) state;
    const char *hw[] = {"a"}, *badhw[] = {"a b"};
    ota_bundle_writer *w = NULL;
    ota_bundle_writer_config base = {.size = sizeof base, .name = "n", .version = "1.0.0",
                                     .hardware = hw, .nhardware = 1, .tmp_dir = work_dir};
    ota_bundle_writer_config c = base;
    c.version = "1.0";
    assert_int_equal(ota_bundle_writer_new(&c, &w), OTA_E_ARG);
    c = base;
    c.name = "a/b";
    assert_int_equal(ota_bundle_writer_new(&c, &w), OTA_E_ARG);
    c = base;
    c.hardware = badhw;
    assert_int_equal(ota_bundle_writer_new(&c, &w), OTA_E_ARG);
    c = base;
    c.chunk_size = 100000;
    assert_int_equal(ota_bundle_writer_new(&c, &w), OTA_E_ARG);
    c = base;
    c.nhardware = 0;
    assert_int_equal(ota_bundle_writer_new(&c, &w), OTA_E_ARG);
    c = base;
    c.created = "now";
    assert_int_equal(ota_bundle_writer_new(&c, &w), OTA_E_ARG);
    c = base;
    c.size = 8;
    assert_int_equal(ota_bundle_writer_new(&c, &w), OTA_E_ARG);
    assert_null(w);
    /* finish without components; duplicate component names */
    assert_int_equal(ota_bundle_writer_new(&base, &w), OTA_OK);
    assert_int_equal(ota_bundle_writer_finish(w, 1, NULL, NULL, NULL), OTA_E_ARG);
    ota_bundle_writer_free(w);
    assert_int_equal(ota_bundle_writer_new(&base, &w), OTA_OK);
    assert_int_equal(ota_bundle_writer_add_image(w, "k", img_path), OTA_OK);
    assert_int_equal(ota_bundle_writer_add_image(w, "k", img_path), OTA_E_ARG);
    ota_bundle_writer_free(w);
    uint8_t big[OTA_BUNDLE_MAX_HOOK + 1] = {0};
    assert_int_equal(ota_bundle_writer_new(&base, &w), OTA_OK);
    assert_int_equal(ota_bundle_writer_set_hook(w, OTA_BUNDLE_POST_INSTALL, big, sizeof big),
                     OTA_E_LIMIT);
    ota_bundle_writer_free(w);
    ota_bundle_writer_free(NULL);
    ota_bundle_reader_free(NULL);
    ota_bundle_head_free(NULL);
    ota_bundle_manifest_free(NULL);
}

/* ---- TUF custom field ------------------------------------------------------------------------------------------ */

static void
test_target_custom(void **state)
{
    (void) state;
    char p[400];
    snprintf(p, sizeof p, "%s/good.otab", work_dir);
    FILE *f = fopen(p, "wb");
    fwrite(good, 1, good_len, f);
    fclose(f);
    json_t *custom = NULL;
    assert_int_equal(ota_bundle_target_custom(p, &custom), OTA_OK);
    json_t *b = json_object_get(custom, "ota_bundle");
    assert_string_equal(json_string_value(json_object_get(b, "version")), "1.2.3-rc.1+build.5");
    assert_string_equal(json_string_value(json_object_get(b, "name")), "test-fw");
    assert_int_equal(json_array_size(json_object_get(b, "hardware")), 2);
    assert_int_equal(json_integer_value(json_object_get(b, "head_length")), good_head_len);
    uint64_t hl = 0;
    uint8_t hs[32];
    assert_int_equal(ota_bundle_custom_head(custom, &hl, hs), OTA_OK);
    assert_int_equal(hl, good_head_len);
    assert_memory_equal(hs, good_head_sha, 32);
    /* the custom object is canonicalisable (it gets signed) */
    uint8_t *canon = NULL;
    size_t cl = 0;
    assert_int_equal(ota_json_canonical(custom, &canon, &cl), OTA_OK);
    free(canon);
    json_decref(custom);
    /* not a bundle: E_FORMAT (a plain target) */
    snprintf(p, sizeof p, "%s/plain.txt", work_dir);
    f = fopen(p, "wb");
    fputs("just a file\n", f);
    fclose(f);
    assert_int_equal(ota_bundle_target_custom(p, &custom), OTA_E_FORMAT);
    f = fopen(p, "wb");
    fclose(f);
    assert_int_equal(ota_bundle_target_custom(p, &custom), OTA_E_FORMAT);
    /* a damaged bundle: an error, but never E_FORMAT */
    uint8_t *bad = malloc(good_len);
    size_t spots[] = {3, 9, 20, 30, 100, (size_t) good_head_len - 1, good_len - 1};
    for (size_t i = 0; i < 7; i++) {
        memcpy(bad, good, good_len);
        bad[spots[i]] ^= 1;
        f = fopen(p, "wb");
        fwrite(bad, 1, spots[i] == good_len - 1 ? good_len - 1 : good_len, f);
        fclose(f);
        ota_err rc = ota_bundle_target_custom(p, &custom);
        if (spots[i] == 3)
            assert_int_equal(rc, OTA_E_FORMAT); /* magic broken: not a bundle */
        else if (rc == OTA_OK || rc == OTA_E_FORMAT)
            fail_msg("damaged at %zu: %s", spots[i], ota_err_name(rc));
    }
    free(bad);
    assert_int_equal(ota_bundle_target_custom("/nonexistent/x", &custom), OTA_E_NOT_FOUND);
    json_t *nob = json_pack("{s:i}", "x", 1);
    assert_int_equal(ota_bundle_custom_head(nob, &hl, hs), OTA_E_FORMAT);
    json_decref(nob);
}

/* ---- bounded memory on a larger bundle ---------------------------------------------------------------------------- */

static void
test_memory_does_not_grow_with_size(void **state)
{
    (void) state;
    size_t mems[2];
    size_t sizes[2] = {1u << 20, 16u << 20};
    for (int k = 0; k < 2; k++) {
        char p[400];
        snprintf(p, sizeof p, "%s/big%d.img", work_dir, k);
        FILE *f = fopen(p, "wb");
        uint8_t blk[4096];
        for (size_t i = 0; i < sizes[k]; i += sizeof blk) {
            for (size_t j = 0; j < sizeof blk; j++)
                blk[j] = (uint8_t) (j % 97 == 0 ? rnd() : j);
            fwrite(blk, 1, sizeof blk, f);
        }
        fclose(f);
        const char *hw[] = {"a"};
        ota_bundle_writer_config cfg = {.size = sizeof cfg, .name = "n", .version = "1.0.0",
                                        .hardware = hw, .nhardware = 1, .tmp_dir = work_dir,
                                        .chunk_size = CHUNK};
        ota_bundle_writer *w = NULL;
        assert_int_equal(ota_bundle_writer_new(&cfg, &w), OTA_OK);
        assert_int_equal(ota_bundle_writer_add_image(w, "big", p), OTA_OK);
        int fd = memfd_create("b", 0);
        uint64_t total = 0, hl = 0;
        uint8_t hs[32];
        assert_int_equal(ota_bundle_writer_finish(w, fd, &total, &hl, hs), OTA_OK);
        ota_bundle_writer_free(w);
        uint8_t *b = malloc(total);
        assert_int_equal(pread(fd, b, total, 0), (ssize_t) total);
        close(fd);
        rec r = {0};
        assert_int_equal(run_reader(b, total, hs, hl, NULL, &r, &mems[k], 0), OTA_OK);
        assert_int_equal(r.img_bytes, sizes[k]);
        free(b);
    }
    /* 16x the data: only the table grows (68 B per 64 KiB chunk, twice) */
    size_t table_growth = 2 * ((sizes[1] - sizes[0]) / CHUNK) * OTA_BUNDLE_ENTRY_LEN;
    assert_true(mems[1] <= mems[0] + table_growth + 64);
}

/* ---- committed vectors ---------------------------------------------------------------------------------------------- */

/* formats/vectors/bundle/NAME.otab with NAME.expect: "head_sha256 HEX",
 * "head_length N", then either "ok" lines ("entry PATH SIZE|-",
 * "image NAME SIZE SHA256") or "error E_NAME". */
typedef struct vrec {
    char list[8192];
    size_t used;
    crypto_hash_sha256_state img;
    bool in_img;
} vrec;

static ota_err
v_entry(void *user, const ota_bundle_component *c, const ota_bundle_entry *e)
{
    (void) c;
    vrec *v = user;
    char size[32];
    if (e->type == OTA_BUNDLE_FILE)
        snprintf(size, sizeof size, "%llu", (unsigned long long) e->size);
    else
        snprintf(size, sizeof size, "%s", e->type == OTA_BUNDLE_DIR ? "dir" : e->link);
    v->used += (size_t) snprintf(v->list + v->used, sizeof v->list - v->used, "entry %s %s\n",
                                 e->path, size);
    return OTA_OK;
}

static ota_err
v_begin(void *user, const ota_bundle_component *c, uint64_t from)
{
    (void) from;
    vrec *v = user;
    if (c->type == OTA_BUNDLE_IMAGE || c->type == OTA_BUNDLE_SBOM) {
        crypto_hash_sha256_init(&v->img);
        v->in_img = true;
    }
    return OTA_OK;
}

static ota_err
v_image(void *user, const ota_bundle_component *c, uint64_t off, const uint8_t *b, size_t n)
{
    (void) c;
    (void) off;
    crypto_hash_sha256_update(&((vrec *) user)->img, b, n);
    return OTA_OK;
}

static ota_err
v_end(void *user, const ota_bundle_component *c)
{
    vrec *v = user;
    if (c->type == OTA_BUNDLE_IMAGE || c->type == OTA_BUNDLE_SBOM) {
        uint8_t d[32];
        char hex[65];
        crypto_hash_sha256_final(&v->img, d);
        ota_hex_encode(d, 32, hex);
        /* format 3: "sbom SIZE SHA256" of the package list's bytes */
        if (c->type == OTA_BUNDLE_SBOM)
            v->used += (size_t) snprintf(v->list + v->used, sizeof v->list - v->used,
                                         "sbom %llu %s\n", (unsigned long long) c->size, hex);
        else
            v->used += (size_t) snprintf(v->list + v->used, sizeof v->list - v->used,
                                         "image %s %llu %s\n", c->name,
                                         (unsigned long long) c->size, hex);
    }
    return OTA_OK;
}

static void
test_vectors(void **state)
{
    (void) state;
    char *names[64];
    size_t n = tu_list("formats/vectors/bundle", ".otab", names, 64);
    assert_true(n >= 5);
    size_t ok = 0, bad = 0;
    for (size_t i = 0; i < n; i++) {
        char rel[512];
        size_t blen = 0, elen = 0;
        snprintf(rel, sizeof rel, "formats/vectors/bundle/%s", names[i]);
        uint8_t *b = tu_read(rel, &blen);
        snprintf(rel, sizeof rel, "formats/vectors/bundle/%.*s.expect",
                 (int) (strlen(names[i]) - 5), names[i]);
        char *exp = (char *) tu_read(rel, &elen);
        assert_non_null(b);
        if (exp == NULL)
            fail_msg("%s: no .expect", names[i]);
        char hex[65] = "";
        unsigned long long hl = 0;
        assert_int_equal(sscanf(exp, "head_sha256 %64s\nhead_length %llu\n", hex, &hl), 2);
        uint8_t hs[32];
        size_t got = 0;
        assert_int_equal(ota_hex_decode(hex, 64, hs, 32, &got), OTA_OK);
        char *body = strchr(strchr(exp, '\n') + 1, '\n') + 1;
        vrec v = {.used = 0};
        ota_bundle_sink sink = {.user = &v, .entry_begin = v_entry, .component_begin = v_begin,
                                .image_write = v_image, .component_end = v_end};
        msrc s = {.p = b, .len = blen, .odd = true};
        ota_bundle_reader_config cfg = {.size = sizeof cfg, .read = msrc_read, .read_user = &s,
                                        .sink = &sink, .head_sha256 = hs, .head_length = hl};
        ota_bundle_reader *r = NULL;
        assert_int_equal(ota_bundle_reader_new(&cfg, &r), OTA_OK);
        ota_err rc = ota_bundle_reader_run(r);
        ota_bundle_reader_free(r);
        if (strncmp(body, "error ", 6) == 0) {
            char want[64];
            sscanf(body, "error %63s", want);
            if (strcmp(ota_err_name(rc), want) != 0)
                fail_msg("%s: got %s, want %s", names[i], ota_err_name(rc), want);
            bad++;
        } else {
            if (rc != OTA_OK)
                fail_msg("%s: %s", names[i], ota_err_name(rc));
            if (strcmp(body, v.list) != 0)
                fail_msg("%s: decoded\n%s\nwant\n%s", names[i], v.list, body);
            ok++;
        }
        free(b);
        free(exp);
        free(names[i]);
    }
    assert_true(ok >= 4 && bad >= 15); /* formats 1, 2 (zstd), 3 (sbom) and 4 (delta trees) */
}


/* ---- entry-level resume inside trees ------------------------------------------------------- */

/* What a resumed run must reproduce: every delivered entry (metadata and
 * bytes) and image write, hashed in delivery order, and every checkpoint
 * with the number of events delivered before it. */
typedef struct lckpt {
    ota_bundle_resume r; /* strings point to the two below */
    char *prev, *last;
    size_t nev;          /* events delivered before this checkpoint */
} lckpt;

typedef struct lrec {
    uint8_t (*ev)[32];
    size_t nev, evcap;
    lckpt *ck;
    size_t nck, ckcap;
    crypto_hash_sha256_state cur;
    uint64_t from[8];    /* component_begin's `from`, per call */
    size_t nbegin;
    const ota_bundle_component *comp;
    /* independent tree state, to check each checkpoint's */
    uint64_t entries, bytes;
    char path[OTA_BUNDLE_MAX_ENTRY_PATH + 1], nondir[OTA_BUNDLE_MAX_ENTRY_PATH + 1];
    bool state_known;    /* false after a resumed component_begin until the first entry */
    const char *never;   /* a path the sink must not see */
    bool saw_never;
    int64_t want_mtime;
    bool bad_mtime;
    uint32_t cv_idx[256];  /* chunk_verified calls (index, bundle_offset_end) */
    uint64_t cv_off[256];
    size_t ncv;
} lrec;

static void
l_push(lrec *l, const uint8_t h[32])
{
    if (l->nev == l->evcap) {
        l->evcap = l->evcap ? 2 * l->evcap : 256;
        l->ev = realloc(l->ev, l->evcap * 32);
    }
    memcpy(l->ev[l->nev++], h, 32);
}

static ota_err
l_begin(void *user, const ota_bundle_component *c, uint64_t from)
{
    lrec *l = user;
    if (l->nbegin < 8)
        l->from[l->nbegin] = from;
    l->nbegin++;
    l->comp = c;
    l->entries = l->bytes = 0;
    l->path[0] = l->nondir[0] = '\0';
    l->state_known = from == 0;
    return OTA_OK;
}

static ota_err
l_entry(void *user, const ota_bundle_component *c, const ota_bundle_entry *e)
{
    lrec *l = user;
    if (l->never != NULL && strcmp(e->path, l->never) == 0)
        l->saw_never = true;
    if (e->mtime != l->want_mtime)
        l->bad_mtime = true;
    crypto_hash_sha256_init(&l->cur);
    char meta[64];
    int n = snprintf(meta, sizeof meta, "%s|%d|%o|%llu|%lld|", c->name, (int) e->type, e->mode,
                     (unsigned long long) e->size, (long long) e->mtime);
    crypto_hash_sha256_update(&l->cur, (const uint8_t *) meta, (size_t) n);
    crypto_hash_sha256_update(&l->cur, (const uint8_t *) e->path, strlen(e->path) + 1);
    if (e->link != NULL)
        crypto_hash_sha256_update(&l->cur, (const uint8_t *) e->link, strlen(e->link) + 1);
    l->entries++;
    snprintf(l->path, sizeof l->path, "%s", e->path);
    if (e->type != OTA_BUNDLE_DIR)
        snprintf(l->nondir, sizeof l->nondir, "%s", e->path);
    return OTA_OK;
}

static ota_err
l_data(void *user, const uint8_t *buf, size_t len)
{
    lrec *l = user;
    crypto_hash_sha256_update(&l->cur, buf, len);
    l->bytes += len;
    return OTA_OK;
}

static ota_err
l_eend(void *user)
{
    lrec *l = user;
    uint8_t h[32];
    crypto_hash_sha256_final(&l->cur, h);
    l_push(l, h);
    return OTA_OK;
}

static ota_err
l_image(void *user, const ota_bundle_component *c, uint64_t off, const uint8_t *buf, size_t len)
{
    lrec *l = user;
    crypto_hash_sha256_state st;
    char meta[96];
    int n = snprintf(meta, sizeof meta, "%s@%llu|", c->name, (unsigned long long) off);
    crypto_hash_sha256_init(&st);
    crypto_hash_sha256_update(&st, (const uint8_t *) meta, (size_t) n);
    crypto_hash_sha256_update(&st, buf, len);
    uint8_t h[32];
    crypto_hash_sha256_final(&st, h);
    l_push(l, h);
    return OTA_OK;
}

/* component_end is an event too: a resume point after a component's last
 * chunk must come after it, or a restart there would never deliver it */
static ota_err
l_cend(void *user, const ota_bundle_component *c)
{
    uint8_t h[32];
    char meta[96];
    int n = snprintf(meta, sizeof meta, "end %s", c->name);
    ota_sha256((const uint8_t *) meta, (size_t) n, h);
    l_push(user, h);
    return OTA_OK;
}

static ota_err
l_ckpt(void *user, const ota_bundle_resume *p)
{
    lrec *l = user;
    bool tree = p->entries != 0;
    /* a tree checkpoint carries exactly the state the sink saw delivered */
    if (tree && l->state_known &&
        (p->entries != l->entries || p->bytes != l->bytes || p->prev_path == NULL ||
         strcmp(p->prev_path, l->path) != 0 || p->last_nondir == NULL ||
         strcmp(p->last_nondir, l->nondir) != 0))
        fail_msg("checkpoint %zu: state (%llu, %llu, '%s', '%s') but delivered (%llu, %llu, "
                 "'%s', '%s')",
                 l->nck, (unsigned long long) p->entries, (unsigned long long) p->bytes,
                 p->prev_path ? p->prev_path : "(null)",
                 p->last_nondir ? p->last_nondir : "(null)", (unsigned long long) l->entries,
                 (unsigned long long) l->bytes, l->path, l->nondir);
    if (!tree && (p->skip != 0 || p->bytes != 0 || (p->prev_path && p->prev_path[0]) ||
                  (p->last_nondir && p->last_nondir[0])))
        fail_msg("checkpoint %zu: tree state at a chunk boundary", l->nck);
    if (l->nck == l->ckcap) {
        l->ckcap = l->ckcap ? 2 * l->ckcap : 64;
        l->ck = realloc(l->ck, l->ckcap * sizeof *l->ck);
    }
    lckpt *k = &l->ck[l->nck++];
    k->r = *p;
    k->prev = strdup(p->prev_path ? p->prev_path : "");
    k->last = strdup(p->last_nondir ? p->last_nondir : "");
    k->r.prev_path = k->prev;
    k->r.last_nondir = k->last;
    k->nev = l->nev;
    return OTA_OK;
}

static ota_err
l_chunk(void *user, uint32_t index, uint64_t off)
{
    lrec *l = user;
    assert_true(l->ncv < 256);
    l->cv_idx[l->ncv] = index;
    l->cv_off[l->ncv++] = off;
    return OTA_OK;
}

static void
lrec_free(lrec *l)
{
    for (size_t i = 0; i < l->nck; i++) {
        free(l->ck[i].prev);
        free(l->ck[i].last);
    }
    free(l->ck);
    free(l->ev);
    free(l);
}

/* Options of run_opt: a local chunk provider (see "chunks from elsewhere"
 * below) and the reader's counters after the run. */
typedef struct lprov lprov;
typedef struct ropt {
    lprov *prov;          /* NULL: none */
    bool skip;            /* the source has a skip function */
    uint64_t bytes_read, bytes_skipped;
    uint32_t verified, used, rejected;
} ropt;

static ota_err lp_chunk(void *user, uint32_t index, const uint8_t usha[32], uint32_t ulen,
                        uint8_t *buf, bool *found);
static void lp_attach(lprov *p, ota_bundle_reader *r);

/* Run the reader over b[len] with a logging sink, from res (NULL: start);
 * the source gives the head, then continues at res->bundle_offset. */
static ota_err
run_opt(const uint8_t *b, size_t len, const uint8_t *hs, uint64_t hl,
        const ota_bundle_resume *res, lrec *l, msrc *src, ropt *o)
{
    msrc local = {0};
    if (src == NULL)
        src = &local;
    src->p = b;
    src->len = len;
    if (res != NULL && res->bundle_offset > hl && res->bundle_offset <= len) {
        src->skip_from = (size_t) hl;
        src->skip_to = (size_t) res->bundle_offset;
    }
    ota_bundle_sink sink = {.user = l, .component_begin = l_begin, .image_write = l_image,
                            .entry_begin = l_entry, .entry_data = l_data, .entry_end = l_eend,
                            .component_end = l_cend, .chunk_verified = l_chunk,
                            .checkpoint = l_ckpt};
    ota_bundle_reader_config cfg = {.size = sizeof cfg, .read = msrc_read, .read_user = src,
                                    .sink = &sink, .head_sha256 = hs, .head_length = hl,
                                    .resume = res};
    if (o != NULL && o->prov != NULL) {
        cfg.local_chunk = lp_chunk;
        cfg.local_user = o->prov;
    }
    if (o != NULL && o->skip)
        cfg.skip = msrc_skip;
    ota_bundle_reader *r = NULL;
    ota_err rc = ota_bundle_reader_new(&cfg, &r);
    if (rc == OTA_OK && o != NULL && o->prov != NULL)
        lp_attach(o->prov, r);
    if (rc == OTA_OK)
        rc = ota_bundle_reader_run(r);
    if (r != NULL && o != NULL) {
        o->bytes_read = ota_bundle_reader_bytes_read(r);
        o->bytes_skipped = ota_bundle_reader_bytes_skipped(r);
        o->verified = ota_bundle_reader_chunks_verified(r);
        o->used = ota_bundle_reader_local_used(r);
        o->rejected = ota_bundle_reader_local_rejected(r);
    }
    ota_bundle_reader_free(r);
    return rc;
}

static ota_err
run_logged(const uint8_t *b, size_t len, const uint8_t *hs, uint64_t hl,
           const ota_bundle_resume *res, lrec *l, msrc *src)
{
    return run_opt(b, len, hs, hl, res, l, src, NULL);
}

/* The uncompressed bytes of component ci (test-side inflate, no checks). */
static uint8_t *
component_bytes(const uint8_t *b, uint64_t hl, size_t ci, size_t *len)
{
    ota_bundle_head *h = NULL;
    assert_int_equal(ota_bundle_head_parse(b, (size_t) hl, &h), OTA_OK);
    const ota_bundle_component *c = &h->manifest->components[ci];
    uint8_t *out = malloc(c->size + 1);
    uint64_t off = hl;
    for (uint32_t i = 0; i < c->first_chunk + c->nchunks; i++) {
        ota_bundle_chunk ch;
        assert_int_equal(ota_bundle_head_chunk(h, i, &ch), OTA_OK);
        if (i >= c->first_chunk) {
            uint8_t *dst = out + ch.comp_offset;
            if (ch.clen == ch.ulen) {
                memcpy(dst, b + off, ch.clen);
            } else {
                z_stream z = {0};
                assert_int_equal(inflateInit2(&z, -15), Z_OK);
                z.next_in = (uint8_t *) b + off;
                z.avail_in = ch.clen;
                z.next_out = dst;
                z.avail_out = ch.ulen;
                assert_int_equal(inflate(&z, Z_FINISH), Z_STREAM_END);
                inflateEnd(&z);
            }
        }
        off += ch.clen;
    }
    *len = (size_t) c->size;
    ota_bundle_head_free(h);
    return out;
}

/* Independent of libarchive: the tar offsets of the first header block of
 * each entry (pax 'x' and 'g' headers belong to the entry after them). */
static size_t
tar_entry_starts(const uint8_t *t, size_t len, uint64_t *out, size_t max, char *types)
{
    size_t n = 0, pos = 0, start = 0;
    bool ext = false;
    while (pos + 512 <= len) {
        const uint8_t *h = t + pos;
        size_t z = 0;
        while (z < 512 && h[z] == 0)
            z++;
        if (z == 512)
            break; /* end of archive */
        assert_memory_equal(h + 257, "ustar", 5);
        unsigned sum = 0;
        for (size_t i = 0; i < 512; i++)
            sum += i >= 148 && i < 156 ? ' ' : h[i];
        char f[13];
        memcpy(f, h + 148, 8);
        f[8] = 0;
        assert_int_equal(strtoul(f, NULL, 8), sum);
        memcpy(f, h + 124, 12);
        f[12] = 0;
        uint64_t size = strtoull(f, NULL, 8);
        if (!ext)
            start = pos;
        if (h[156] == 'x' || h[156] == 'g') {
            if (!ext && types != NULL && n < max)
                types[n] = (char) h[156];
            ext = true;
        } else {
            if (!ext && types != NULL && n < max)
                types[n] = (char) h[156];
            assert_true(n < max);
            out[n++] = start;
            ext = false;
        }
        pos += 512 + (size_t) ((size + 511) / 512 * 512);
    }
    return n;
}

/* Position in the tar stream of a tree checkpoint. */
static uint64_t
ckpt_pos(const ota_bundle_head *h, const ota_bundle_resume *p)
{
    ota_bundle_chunk ch;
    assert_int_equal(ota_bundle_head_chunk(h, p->next_chunk, &ch), OTA_OK);
    return ch.comp_offset + p->skip;
}

/*
 * The full run of b and a resumed run from each of its checkpoints: the
 * resumed run delivers exactly the events after the checkpoint (so the
 * first run up to it plus the resumed run is the full listing, bytes
 * identical, nothing twice) and emits the same later checkpoints.  Tree
 * checkpoints sit exactly at the entries' first header blocks.  Returns the
 * number of tree checkpoints.
 */
static size_t
resume_everywhere(const uint8_t *b, size_t len, const uint8_t *hs, uint64_t hl, size_t *nck)
{
    lrec *full = calloc(1, sizeof *full);
    assert_int_equal(run_logged(b, len, hs, hl, NULL, full, NULL), OTA_OK);
    ota_bundle_head *h = NULL;
    assert_int_equal(ota_bundle_head_parse(b, (size_t) hl, &h), OTA_OK);
    const ota_bundle_manifest *m = h->manifest;
    /* tree checkpoints == every entry's first header block but the first */
    size_t ntree = 0;
    for (size_t ci = 0; ci < m->ncomponents; ci++) {
        const ota_bundle_component *c = &m->components[ci];
        if (c->type != OTA_BUNDLE_TREE)
            continue;
        size_t tl = 0;
        uint8_t *tar = component_bytes(b, hl, ci, &tl);
        size_t max = (size_t) c->entries + 1;
        uint64_t *starts = calloc(max, sizeof *starts);
        size_t ns = tar_entry_starts(tar, tl, starts, max, NULL);
        assert_int_equal(ns, c->entries);
        size_t k = 0;
        for (size_t i = 0; i < full->nck; i++) {
            const ota_bundle_resume *p = &full->ck[i].r;
            if (p->entries == 0 || p->next_chunk < c->first_chunk ||
                p->next_chunk >= c->first_chunk + c->nchunks)
                continue;
            assert_true(k + 1 < ns);
            if (ckpt_pos(h, p) != starts[k + 1])
                fail_msg("%s: checkpoint before entry %zu at tar offset %llu, its headers at %llu",
                         c->name, k + 1, (unsigned long long) ckpt_pos(h, p),
                         (unsigned long long) starts[k + 1]);
            assert_int_equal(p->entries, k + 1);
            k++;
        }
        assert_int_equal(k, ns - 1);
        ntree += k;
        free(starts);
        free(tar);
    }
    /* resume from every checkpoint */
    for (size_t i = 0; i < full->nck; i++) {
        const lckpt *k = &full->ck[i];
        lrec *l = calloc(1, sizeof *l);
        msrc s = {.odd = i % 5 == 0};
        ota_err rc = run_logged(b, len, hs, hl, &k->r, l, &s);
        if (rc != OTA_OK)
            fail_msg("resume from checkpoint %zu (chunk %u skip %u): %s", i, k->r.next_chunk,
                     k->r.skip, ota_err_name(rc));
        if (l->nev != full->nev - k->nev ||
            (l->nev && memcmp(l->ev, full->ev[k->nev], l->nev * 32) != 0))
            fail_msg("resume from checkpoint %zu: %zu events, want the last %zu of %zu", i,
                     l->nev, full->nev - k->nev, full->nev);
        assert_int_equal(l->nck, full->nck - i - 1);
        for (size_t j = 0; j < l->nck; j++) {
            const ota_bundle_resume *a = &l->ck[j].r, *e = &full->ck[i + 1 + j].r;
            assert_int_equal(a->next_chunk, e->next_chunk);
            assert_int_equal(a->bundle_offset, e->bundle_offset);
            assert_int_equal(a->skip, e->skip);
            assert_int_equal(a->entries, e->entries);
            assert_int_equal(a->bytes, e->bytes);
            assert_string_equal(a->prev_path, e->prev_path);
            assert_string_equal(a->last_nondir, e->last_nondir);
        }
        /* a resumed tree is announced with its tar offset */
        if (k->r.entries != 0) {
            assert_true(l->nbegin >= 1);
            assert_int_equal(l->from[0], ckpt_pos(h, &k->r));
            assert_true(l->from[0] > 0);
        }
        lrec_free(l);
    }
    *nck = full->nck;
    lrec_free(full);
    ota_bundle_head_free(h);
    return ntree;
}

static uint8_t *
read_vector(const char *name, size_t *len, uint64_t *hl, uint8_t hs[32])
{
    char rel[256];
    snprintf(rel, sizeof rel, "formats/vectors/bundle/%s.otab", name);
    uint8_t *b = tu_read(rel, len);
    assert_non_null(b);
    snprintf(rel, sizeof rel, "formats/vectors/bundle/%s.expect", name);
    size_t el = 0;
    char *exp = (char *) tu_read(rel, &el);
    assert_non_null(exp);
    char hex[65] = "";
    unsigned long long l = 0;
    assert_int_equal(sscanf(exp, "head_sha256 %64s\nhead_length %llu\n", hex, &l), 2);
    size_t got = 0;
    assert_int_equal(ota_hex_decode(hex, 64, hs, 32, &got), OTA_OK);
    *hl = l;
    free(exp);
    return b;
}

static void
test_tree_resume_vector(void **state)
{
    (void) state;
    size_t len = 0, nck = 0;
    uint64_t hl = 0;
    uint8_t hs[32];
    uint8_t *b = read_vector("good-tree-image", &len, &hl, hs);
    size_t ntree = resume_everywhere(b, len, hs, hl, &nck);
    assert_true(ntree >= 3); /* app.conf | etc | etc/issue | etc/version */
    assert_true(nck >= ntree + 3);
    free(b);
}

/* A tree of many small files over several 64 KiB chunks (long names: pax
 * headers; a file spanning chunks; symlinks; text and random data), then an
 * image.  Written by the real writer. */
static uint8_t *
build_many(size_t *len, uint64_t *hl, uint8_t hs[32], size_t *nentries)
{
    char root[400], p[700];
    snprintf(root, sizeof root, "%s/many", work_dir);
    assert_int_equal(mkdir(root, 0755), 0);
    size_t n = 0;
    uint8_t *buf = malloc(100000);
    for (int d = 0; d < 12; d++) {
        snprintf(p, sizeof p, "%s/d%02d", root, d);
        assert_int_equal(mkdir(p, 0755), 0);
        n++;
        for (int f = 0; f < 28; f++) {
            size_t fl = rnd() % 2600;
            if (f % 3 == 0)
                fill_text(buf, fl);
            else
                for (size_t i = 0; i < fl; i++)
                    buf[i] = (uint8_t) rnd();
            if (f == 5)
                snprintf(p, sizeof p, "%s/d%02d/%0120d-long-name-%02d", root, d, 0, f);
            else
                snprintf(p, sizeof p, "%s/d%02d/f%03d", root, d, f);
            FILE *fp = fopen(p, "wb");
            assert_non_null(fp);
            if (fl)
                assert_int_equal(fwrite(buf, 1, fl, fp), fl);
            fclose(fp);
            n++;
        }
        snprintf(p, sizeof p, "%s/d%02d/link", root, d);
        assert_int_equal(symlink("f000", p), 0);
        n++;
    }
    fill_text(buf, 100000);
    snprintf(p, sizeof p, "%s/d07/spans-chunks", root);
    FILE *fp = fopen(p, "wb");
    fwrite(buf, 1, 100000, fp);
    fclose(fp);
    n++;
    free(buf);
    const char *hw[] = {"a"};
    ota_bundle_writer_config cfg = {.size = sizeof cfg, .name = "many", .version = "1.0.0",
                                    .hardware = hw, .nhardware = 1, .tmp_dir = work_dir,
                                    .chunk_size = CHUNK, .mtime = 1700000000};
    ota_bundle_writer *w = NULL;
    assert_int_equal(ota_bundle_writer_new(&cfg, &w), OTA_OK);
    assert_int_equal(ota_bundle_writer_add_tree(w, "root", root, false), OTA_OK);
    assert_int_equal(ota_bundle_writer_add_image(w, "kernel", img_path), OTA_OK);
    int fd = memfd_create("many", 0);
    uint64_t total = 0;
    assert_int_equal(ota_bundle_writer_finish(w, fd, &total, hl, hs), OTA_OK);
    ota_bundle_writer_free(w);
    uint8_t *b = malloc(total);
    assert_int_equal(pread(fd, b, total, 0), (ssize_t) total);
    close(fd);
    *len = total;
    *nentries = n;
    return b;
}

static size_t many_len, many_entries;
static uint64_t many_hl;
static uint8_t many_hs[32];

static void
need_many(void)
{
    if (many == NULL)
        many = build_many(&many_len, &many_hl, many_hs, &many_entries);
}

static void
test_tree_resume_many_files(void **state)
{
    (void) state;
    need_many();
    ota_bundle_head *h = NULL;
    assert_int_equal(ota_bundle_head_parse(many, (size_t) many_hl, &h), OTA_OK);
    const ota_bundle_component *c = &h->manifest->components[0];
    assert_int_equal(c->entries, many_entries);
    assert_true(c->nchunks >= 5);
    /* the long names need pax extended headers: the checkpoints before them
     * must point at the 'x' block */
    size_t tl = 0;
    uint8_t *tar = component_bytes(many, many_hl, 0, &tl);
    uint64_t *starts = calloc(many_entries, sizeof *starts);
    char *types = calloc(many_entries, 1);
    assert_int_equal(tar_entry_starts(tar, tl, starts, many_entries, types), many_entries);
    size_t nx = 0;
    for (size_t i = 0; i < many_entries; i++)
        nx += types[i] == 'x';
    assert_true(nx >= 12);
    free(starts);
    free(types);
    free(tar);
    size_t nck = 0;
    size_t ntree = resume_everywhere(many, many_len, many_hs, many_hl, &nck);
    assert_int_equal(ntree, many_entries - 1);
    /* a tree's first chunk with skip 0 is its plain start, as before */
    lrec *full = calloc(1, sizeof *full), *l = calloc(1, sizeof *l);
    assert_int_equal(run_logged(many, many_len, many_hs, many_hl, NULL, full, NULL), OTA_OK);
    ota_bundle_resume at0 = {.next_chunk = c->first_chunk, .bundle_offset = many_hl,
                             .prev_path = "", .last_nondir = NULL};
    assert_int_equal(run_logged(many, many_len, many_hs, many_hl, &at0, l, NULL), OTA_OK);
    assert_int_equal(l->nev, full->nev);
    assert_memory_equal(l->ev, full->ev, full->nev * 32);
    assert_int_equal(l->nck, full->nck);
    assert_int_equal(l->from[0], 0);
    lrec_free(l);
    lrec_free(full);
    ota_bundle_head_free(h);
}

/* The checkpoint a full run emitted before the entry at `path`. */
static bool
ckpt_before(const uint8_t *b, size_t len, const uint8_t *hs, uint64_t hl, const char *prev,
            lckpt *out, lrec **keep)
{
    lrec *full = calloc(1, sizeof *full);
    (void) run_logged(b, len, hs, hl, NULL, full, NULL);
    for (size_t i = 0; i < full->nck; i++)
        if (full->ck[i].r.entries != 0 && strcmp(full->ck[i].prev, prev) == 0) {
            *out = full->ck[i];
            *keep = full;
            return true;
        }
    lrec_free(full);
    return false;
}

/* A network break at many places: the last checkpoint the sink saw is
 * where the next run resumes; together they deliver the full listing. */
static void
test_tree_resume_after_breaks(void **state)
{
    (void) state;
    need_many();
    lrec *full = calloc(1, sizeof *full);
    assert_int_equal(run_logged(many, many_len, many_hs, many_hl, NULL, full, NULL), OTA_OK);
    for (size_t cut = (size_t) many_hl + 1; cut < many_len; cut += 37777) {
        lrec *l1 = calloc(1, sizeof *l1);
        msrc s1 = {.fail_with = OTA_E_NETWORK, .fail_at = cut, .odd = true};
        assert_int_equal(run_logged(many, many_len, many_hs, many_hl, NULL, l1, &s1),
                         OTA_E_NETWORK);
        ota_bundle_resume res = {.next_chunk = 0, .bundle_offset = many_hl};
        size_t done = 0;
        if (l1->nck > 0) {
            res = l1->ck[l1->nck - 1].r;
            done = l1->ck[l1->nck - 1].nev;
        }
        assert_true(done <= l1->nev);
        assert_memory_equal(l1->ev, full->ev, done * 32);
        lrec *l2 = calloc(1, sizeof *l2);
        assert_int_equal(run_logged(many, many_len, many_hs, many_hl, l1->nck ? &res : NULL, l2,
                                    NULL),
                         OTA_OK);
        assert_int_equal(done + l2->nev, full->nev);
        assert_memory_equal(l2->ev, full->ev[done], l2->nev * 32);
        lrec_free(l1);
        lrec_free(l2);
    }
    lrec_free(full);
}

/* Resume points that do not match the bundle: refused or caught, never a crash. */
static void
test_tree_resume_bad_points(void **state)
{
    (void) state;
    need_many();
    ota_bundle_head *h = NULL;
    assert_int_equal(ota_bundle_head_parse(many, (size_t) many_hl, &h), OTA_OK);
    const ota_bundle_component *c = &h->manifest->components[0], *k = &h->manifest->components[1];
    lrec *full = calloc(1, sizeof *full);
    assert_int_equal(run_logged(many, many_len, many_hs, many_hl, NULL, full, NULL), OTA_OK);
    /* a checkpoint in the tree's third chunk or later, not at its start */
    const lckpt *ck = NULL;
    for (size_t i = 0; i < full->nck && ck == NULL; i++)
        if (full->ck[i].r.entries > 2 && full->ck[i].r.next_chunk >= c->first_chunk + 2 &&
            full->ck[i].r.skip > 1024)
            ck = &full->ck[i];
    assert_non_null(ck);
    ota_bundle_chunk ch;
    assert_int_equal(ota_bundle_head_chunk(h, ck->r.next_chunk, &ch), OTA_OK);
    /* the good one */
    lrec *l = calloc(1, sizeof *l);
    assert_int_equal(run_logged(many, many_len, many_hs, many_hl, &ck->r, l, NULL), OTA_OK);
    lrec_free(l);
    char *longp = malloc(OTA_BUNDLE_MAX_ENTRY_PATH + 2);
    memset(longp, 'a', OTA_BUNDLE_MAX_ENTRY_PATH + 1);
    longp[OTA_BUNDLE_MAX_ENTRY_PATH + 1] = '\0';
    char *maxp = malloc(OTA_BUNDLE_MAX_ENTRY_PATH + 1);
    memset(maxp, 'z', OTA_BUNDLE_MAX_ENTRY_PATH);
    maxp[OTA_BUNDLE_MAX_ENTRY_PATH] = '\0';
    uint64_t k_off = 0; /* file offset of the image's second chunk */
    {
        uint64_t off = many_hl;
        for (uint32_t i = 0; i < k->first_chunk + 1; i++) {
            ota_bundle_chunk x;
            assert_int_equal(ota_bundle_head_chunk(h, i, &x), OTA_OK);
            off += x.clen;
        }
        k_off = off;
    }
    struct {
        const char *what;
        ota_bundle_resume r;
        ota_err want; /* OTA_OK here: any verification error */
    } cases[] = {
        {"skip + 1", ck->r, OTA_OK},
        {"skip - 1", ck->r, OTA_OK},
        {"skip = chunk length", ck->r, OTA_E_ARG},
        {"skip huge", ck->r, OTA_E_ARG},
        {"offset + 1", ck->r, OTA_E_ARG},
        {"offset - 1", ck->r, OTA_E_ARG},
        {"offset of the next chunk", ck->r, OTA_E_ARG},
        {"next_chunk beyond the bundle", ck->r, OTA_E_ARG},
        {"no entries inside a tree", ck->r, OTA_E_ARG},
        {"more entries than the component", ck->r, OTA_E_ARG},
        {"more entries than header blocks", ck->r, OTA_E_ARG},
        {"bytes beyond unpacked", ck->r, OTA_E_ARG},
        {"bytes beyond the position", ck->r, OTA_E_ARG},
        {"no prev_path", ck->r, OTA_E_ARG},
        {"empty prev_path", ck->r, OTA_E_ARG},
        {"prev_path too long", ck->r, OTA_E_ARG},
        {"last_nondir too long", ck->r, OTA_E_ARG},
        {"prev_path unsafe", ck->r, OTA_E_ARG},
        {"last_nondir after prev_path", ck->r, OTA_E_ARG},
        {"entries - 1", ck->r, OTA_E_FORMAT},
        {"entries + 1", ck->r, OTA_E_LIMIT},
        {"bytes - 1", ck->r, OTA_E_FORMAT},
        {"bytes + 1", ck->r, OTA_E_LIMIT},
        {"tree state at an image chunk", {.next_chunk = k->first_chunk + 1, .bundle_offset = k_off,
                                          .entries = 3, .bytes = 10, .prev_path = "a"},
         OTA_E_ARG},
        {"skip at an image chunk", {.next_chunk = k->first_chunk + 1, .bundle_offset = k_off,
                                    .skip = 512},
         OTA_E_ARG},
        {"tree state at the tree's start", {.next_chunk = c->first_chunk,
                                            .bundle_offset = many_hl, .entries = 1,
                                            .prev_path = "d00"},
         OTA_E_ARG},
        {"skip at the tree's start without state", {.next_chunk = c->first_chunk,
                                                    .bundle_offset = many_hl, .skip = 1024},
         OTA_E_ARG},
        {"prev_path after the stream (re-order)", ck->r, OTA_E_UNSAFE},
        {"at the previous entry (delivered twice)", ck->r, OTA_E_UNSAFE},
    };
    size_t nc = sizeof cases / sizeof cases[0];
    cases[0].r.skip += 1;
    cases[1].r.skip -= 1;
    cases[2].r.skip = ch.ulen;
    cases[3].r.skip = UINT32_MAX;
    cases[4].r.bundle_offset += 1;
    cases[5].r.bundle_offset -= 1;
    cases[6].r.bundle_offset += ch.clen;
    cases[7].r.next_chunk = h->header.chunk_count + 1;
    cases[8].r.entries = 0;
    cases[9].r.entries = c->entries + 1;
    cases[10].r.entries = (ch.comp_offset + ck->r.skip) / 512 + 1;
    cases[11].r.bytes = c->unpacked + 1;
    cases[12].r.bytes = ch.comp_offset + ck->r.skip + 1;
    cases[13].r.prev_path = NULL;
    cases[14].r.prev_path = "";
    cases[15].r.prev_path = longp;
    cases[16].r.last_nondir = longp;
    cases[17].r.prev_path = "d01/../../etc";
    cases[18].r.last_nondir = "zzz";
    cases[19].r.entries -= 1;
    cases[20].r.entries += 1;
    cases[21].r.bytes -= 1;
    cases[22].r.bytes += 1;
    cases[27].r.prev_path = maxp;
    /* the checkpoint before the previous entry, with this one's state */
    for (size_t i = 1; i < full->nck; i++)
        if (&full->ck[i] == ck) {
            cases[28].r.next_chunk = full->ck[i - 1].r.next_chunk;
            cases[28].r.bundle_offset = full->ck[i - 1].r.bundle_offset;
            cases[28].r.skip = full->ck[i - 1].r.skip;
        }
    assert_int_equal(cases[28].r.entries, full->ck[(size_t) (ck - full->ck) - 1].r.entries + 1);
    for (size_t i = 0; i < nc; i++) {
        lrec *lr = calloc(1, sizeof *lr);
        ota_err rc = run_logged(many, many_len, many_hs, many_hl, &cases[i].r, lr, NULL);
        bool ok = cases[i].want == OTA_OK ? rc != OTA_OK && rc != OTA_E_ARG : rc == cases[i].want;
        const char *want = cases[i].want == OTA_OK ? "a verification error"
                                                   : ota_err_name(cases[i].want);
        if (!ok)
            fail_msg("%s: got %s, want %s", cases[i].what, ota_err_name(rc), want);
        if (cases[i].want == OTA_E_ARG)
            assert_int_equal(lr->nev, 0);
        lrec_free(lr);
    }
    free(longp);
    free(maxp);
    lrec_free(full);
    ota_bundle_head_free(h);
}

/* A tampered chunk at the resume point: its whole stored bytes are checked,
 * also the part before `skip` that libarchive never sees. */
static void
test_tree_resume_tampered_chunk(void **state)
{
    (void) state;
    need_many();
    lrec *full = calloc(1, sizeof *full);
    assert_int_equal(run_logged(many, many_len, many_hs, many_hl, NULL, full, NULL), OTA_OK);
    size_t tested = 0;
    uint8_t *b = malloc(many_len);
    for (size_t i = 0; i < full->nck; i++) {
        const ota_bundle_resume *p = &full->ck[i].r;
        if (p->entries == 0 || i % 17 != 0)
            continue;
        for (int where = 0; where < 2; where++) {
            memcpy(b, many, many_len);
            /* first stored byte (before skip when stored raw), or the last */
            size_t at = (size_t) p->bundle_offset;
            if (where == 1) {
                ota_bundle_head *h = NULL;
                ota_bundle_chunk ch;
                assert_int_equal(ota_bundle_head_parse(many, (size_t) many_hl, &h), OTA_OK);
                assert_int_equal(ota_bundle_head_chunk(h, p->next_chunk, &ch), OTA_OK);
                at += ch.clen - 1;
                ota_bundle_head_free(h);
            }
            b[at] ^= 0x01;
            lrec *l = calloc(1, sizeof *l);
            assert_int_equal(run_logged(b, many_len, many_hs, many_hl, p, l, NULL), OTA_E_HASH);
            assert_int_equal(l->nev, 0);
            lrec_free(l);
            tested++;
        }
    }
    assert_true(tested >= 4);
    free(b);
    lrec_free(full);
}

/* Crafted one-tree bundle (every hash right). */
static uint8_t *
tree_bundle(const tent *e, size_t n, const uint8_t *tar_in, size_t tar_len, size_t *len,
            uint64_t *hl, uint8_t hs[32])
{
    size_t tl = tar_len;
    uint64_t unpacked = 0;
    uint8_t *tar = NULL;
    if (tar_in == NULL) {
        tar = make_tar(e, n, &tl, &unpacked);
        tar_in = tar;
    } else {
        for (size_t i = 0; i < n; i++)
            unpacked += e[i].type == AE_IFREG && e[i].data ? strlen(e[i].data) : 0;
    }
    rchunk ch[64];
    size_t nc = chunks_of(tar_in, tl, CHUNK, ch);
    json_t *comp = json_pack("{s:s, s:s, s:I, s:b, s:I, s:I}", "name", "root", "type", "tree",
                             "size", (json_int_t) tl, "rootfs", 0, "entries", (json_int_t) n,
                             "unpacked", (json_int_t) unpacked);
    uint8_t *b = assemble(base_manifest(json_pack("[o]", comp)), CHUNK, ch, nc, len, hl, hs);
    free(tar);
    return b;
}

/* The ordering state crosses the restart: nothing below a link or file,
 * strictly increasing paths. */
static void
test_tree_resume_keeps_order_state(void **state)
{
    (void) state;
    /* honest stream: a, x/y */
    tent ok[] = {{"a", AE_IFREG, "1", NULL, NULL, 0}, {"x/y", AE_IFREG, "2", NULL, NULL, 0}};
    size_t len = 0;
    uint64_t hl = 0;
    uint8_t hs[32];
    uint8_t *b = tree_bundle(ok, 2, NULL, 0, &len, &hl, hs);
    lckpt k;
    lrec *full = NULL;
    assert_true(ckpt_before(b, len, hs, hl, "a", &k, &full));
    assert_string_equal(k.r.last_nondir, "a");
    lrec *l = calloc(1, sizeof *l);
    assert_int_equal(run_logged(b, len, hs, hl, &k.r, l, NULL), OTA_OK);
    assert_int_equal(l->nev, 2); /* x/y, component_end */
    lrec_free(l);
    /* the same point claiming "x" (a file or link) was delivered last */
    ota_bundle_resume r = k.r;
    r.prev_path = "x";
    r.last_nondir = "x";
    l = calloc(1, sizeof *l);
    l->never = "x/y";
    assert_int_equal(run_logged(b, len, hs, hl, &r, l, NULL), OTA_E_UNSAFE);
    assert_false(l->saw_never);
    lrec_free(l);
    /* "x" a directory: fine */
    r.last_nondir = "";
    l = calloc(1, sizeof *l);
    assert_int_equal(run_logged(b, len, hs, hl, &r, l, NULL), OTA_OK);
    lrec_free(l);
    /* claiming "z" was delivered: x/y is out of order */
    r.prev_path = "z";
    r.last_nondir = "a";
    l = calloc(1, sizeof *l);
    l->never = "x/y";
    assert_int_equal(run_logged(b, len, hs, hl, &r, l, NULL), OTA_E_UNSAFE);
    assert_false(l->saw_never);
    lrec_free(l);
    lrec_free(full);
    free(b);
    /* hostile stream: x -> a (link), then x/y.  The full run checkpoints
     * before x/y and stops; resuming there stops again. */
    tent evil[] = {{"a", AE_IFREG, "1", NULL, NULL, 0},
                   {"x", AE_IFLNK, NULL, "a", NULL, 0},
                   {"x/y", AE_IFREG, "2", NULL, NULL, 0}};
    b = tree_bundle(evil, 3, NULL, 0, &len, &hl, hs);
    assert_true(ckpt_before(b, len, hs, hl, "x", &k, &full));
    assert_string_equal(k.r.last_nondir, "x");
    assert_int_equal(k.r.entries, 2);
    l = calloc(1, sizeof *l);
    l->never = "x/y";
    assert_int_equal(run_logged(b, len, hs, hl, &k.r, l, NULL), OTA_E_UNSAFE);
    assert_false(l->saw_never);
    lrec_free(l);
    lrec_free(full);
    free(b);
}

/* One ustar header block (pax 'g' global header for the tests). */
static void
ustar_block(uint8_t h[512], const char *name, char type, size_t size)
{
    memset(h, 0, 512);
    snprintf((char *) h, 100, "%s", name);
    snprintf((char *) h + 100, 8, "%07o", 0644);
    snprintf((char *) h + 108, 8, "%07o", 0);
    snprintf((char *) h + 116, 8, "%07o", 0);
    snprintf((char *) h + 124, 12, "%011zo", size);
    snprintf((char *) h + 136, 12, "%011o", 0);
    h[156] = (uint8_t) type;
    memcpy(h + 257, "ustar\0" "00", 8);
    memset(h + 148, ' ', 8);
    unsigned sum = 0;
    for (size_t i = 0; i < 512; i++)
        sum += h[i];
    snprintf((char *) h + 148, 8, "%06o", sum);
    h[155] = ' ';
}

/* pax global headers: their contents are ignored (so a restart after one
 * loses nothing); one right before an entry belongs to its checkpoint. */
static void
test_tree_resume_pax_global(void **state)
{
    (void) state;
    tent e[] = {{"a", AE_IFREG, "one", NULL, NULL, 0},
                {"b", AE_IFREG, "two", NULL, NULL, 0},
                {"c", AE_IFDIR, NULL, NULL, NULL, 0},
                {"c/d", AE_IFREG, "three", NULL, NULL, 0}};
    size_t tl = 0;
    uint64_t unpacked = 0;
    uint8_t *tar = make_tar(e, 4, &tl, &unpacked);
    uint64_t starts[4];
    assert_int_equal(tar_entry_starts(tar, tl, starts, 4, NULL), 4);
    /* before b and before c/d: a global header setting mtime, uid and path */
    const char body[] = "18 mtime=99999999\n10 uid=77\n16 path=evil/../x\n";
    size_t bl = sizeof body - 1, gl = 512 + 512;
    uint8_t *t2 = calloc(1, tl + 2 * gl);
    size_t o = 0;
    for (size_t i = 0; i < 4; i++) {
        size_t from = (size_t) starts[i], to = i + 1 < 4 ? (size_t) starts[i + 1] : tl;
        if (i == 1 || i == 3) {
            ustar_block(t2 + o, "pax_global_header", 'g', bl);
            memcpy(t2 + o + 512, body, bl);
            o += gl;
        }
        memcpy(t2 + o, tar + from, to - from);
        o += to - from;
    }
    size_t len = 0;
    uint64_t hl = 0;
    uint8_t hs[32];
    uint8_t *b = tree_bundle(e, 4, t2, o, &len, &hl, hs);
    lrec *full = calloc(1, sizeof *full);
    full->want_mtime = 0;
    assert_int_equal(run_logged(b, len, hs, hl, NULL, full, NULL), OTA_OK);
    assert_false(full->bad_mtime); /* the global mtime was not applied */
    assert_int_equal(full->nev, 5); /* 4 entries, component_end */
    lrec_free(full);
    /* every checkpoint (the ones before b and c/d point at the 'g' block) */
    size_t nck = 0;
    assert_int_equal(resume_everywhere(b, len, hs, hl, &nck), 3);
    lckpt k;
    assert_true(ckpt_before(b, len, hs, hl, "a", &k, &full));
    assert_int_equal(t2[k.r.skip + 156], 'g');
    lrec_free(full);
    free(b);
    free(t2);
    free(tar);
}

/* A plain ustar stream (no pax headers at all) of regular files. */
static uint8_t *
ustar_tar(const tent *e, size_t n, size_t *len)
{
    size_t cap = 1024;
    for (size_t i = 0; i < n; i++)
        cap += 512 + (strlen(e[i].data) + 511) / 512 * 512;
    uint8_t *t = calloc(1, cap);
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        size_t dl = strlen(e[i].data);
        ustar_block(t + o, e[i].path, '0', dl);
        memcpy(t + o + 512, e[i].data, dl);
        o += 512 + (dl + 511) / 512 * 512;
    }
    *len = cap;
    return t;
}

/* Entry headers exactly at a chunk start (skip 0 inside the tree: a plain
 * ustar header), and a pax header starting in one chunk whose ustar header
 * is in the next (the checkpoint names the earlier chunk). */
static void
test_tree_resume_at_chunk_edges(void **state)
{
    (void) state;
    char longname[160];
    memset(longname, 'n', 150);
    longname[150] = '\0';
    char *data = malloc(CHUNK + 1);
    for (int v = 0; v < 2; v++) {
        memset(data, 'q', CHUNK);
        size_t dl = v == 0 ? CHUNK - 512 : 1000;
        tent e[] = {{"a", AE_IFREG, data, NULL, NULL, 0},
                    {v == 0 ? "b" : longname, AE_IFREG, "bee", NULL, NULL, 0},
                    {"z", AE_IFREG, "sea", NULL, NULL, 0}};
        uint64_t starts[3], unpacked = 0;
        char types[3];
        size_t tl = 0;
        uint8_t *tar = NULL;
        for (int pass = 0; pass < 2; pass++) {
            data[dl] = '\0';
            free(tar);
            tar = v == 0 ? ustar_tar(e, 3, &tl) : make_tar(e, 3, &tl, &unpacked);
            assert_int_equal(tar_entry_starts(tar, tl, starts, 3, types), 3);
            /* pax: move the second entry's headers to CHUNK - 512 */
            data[dl] = 'q';
            if (v == 1)
                dl = (size_t) (dl + (CHUNK - 512) - starts[1]);
        }
        data[dl] = '\0';
        assert_int_equal(starts[1], v == 0 ? CHUNK : CHUNK - 512);
        assert_int_equal(types[1], v == 0 ? '0' : 'x');
        size_t len = 0;
        uint64_t hl = 0;
        uint8_t hs[32];
        uint8_t *b = tree_bundle(e, 3, tar, tl, &len, &hl, hs);
        lckpt k;
        lrec *full = NULL;
        assert_true(ckpt_before(b, len, hs, hl, "a", &k, &full));
        assert_int_equal(k.r.next_chunk, v == 0 ? 1 : 0);
        assert_int_equal(k.r.skip, v == 0 ? 0 : CHUNK - 512);
        lrec_free(full);
        size_t nck = 0;
        assert_int_equal(resume_everywhere(b, len, hs, hl, &nck), 2);
        free(b);
        free(tar);
    }
    free(data);
}

/* ---- chunks from elsewhere (delta groundwork) ------------------------------------------------ */

/*
 * A local chunk provider over the bundle's own uncompressed component bytes
 * (what a device's active slot holds when nothing changed).  It has chunk i
 * when bit i % 32 of `has` is set, and offers a stale copy (one byte off)
 * when bit i % 32 of `wrong` is set too.  It finds the chunk through the
 * reader's verified head, as a real provider would.
 */
struct lprov {
    uint32_t has, wrong;
    ota_err fail_with;     /* returned for chunk fail_at */
    uint32_t fail_at;
    uint8_t *plain[8];     /* uncompressed bytes per component */
    size_t nplain;
    ota_bundle_reader *rd;
    size_t calls, offered, stale;
};

static bool
lp_bit(uint32_t mask, uint32_t i)
{
    return (mask >> (i % 32)) & 1u;
}

static void
lp_attach(lprov *p, ota_bundle_reader *r)
{
    p->rd = r;
    p->calls = p->offered = p->stale = 0;
}

static ota_err
lp_chunk(void *user, uint32_t index, const uint8_t usha[32], uint32_t ulen, uint8_t *buf,
         bool *found)
{
    lprov *p = user;
    p->calls++;
    if (p->fail_with != OTA_OK && index == p->fail_at)
        return p->fail_with;
    if (!lp_bit(p->has, index))
        return OTA_OK;
    const ota_bundle_head *h = ota_bundle_reader_head(p->rd);
    assert_non_null(h); /* asked only once the head is verified */
    ota_bundle_chunk c;
    assert_int_equal(ota_bundle_head_chunk(h, index, &c), OTA_OK);
    assert_int_equal(c.ulen, ulen);
    assert_memory_equal(c.usha, usha, 32);
    assert_true(c.component < p->nplain);
    memcpy(buf, p->plain[c.component] + c.comp_offset, ulen);
    if (lp_bit(p->wrong, index)) {
        buf[(index * 7919u) % ulen] ^= 0x20;
        p->stale++;
    }
    p->offered++;
    *found = true;
    return OTA_OK;
}

static void
lp_init(lprov *p, const uint8_t *b, uint64_t hl, uint32_t has, uint32_t wrong)
{
    memset(p, 0, sizeof *p);
    p->has = has;
    p->wrong = wrong;
    ota_bundle_head *h = NULL;
    assert_int_equal(ota_bundle_head_parse(b, (size_t) hl, &h), OTA_OK);
    assert_true(h->manifest->ncomponents <= 8);
    p->nplain = h->manifest->ncomponents;
    for (size_t i = 0; i < p->nplain; i++) {
        size_t n = 0;
        p->plain[i] = component_bytes(b, hl, i, &n);
    }
    ota_bundle_head_free(h);
}

static void
lp_free(lprov *p)
{
    for (size_t i = 0; i < p->nplain; i++)
        free(p->plain[i]);
}

/* Identical sink output: events (entries with their bytes, image writes,
 * component ends), checkpoints (every field, and where they fall among the
 * events), chunk_verified calls (index and bundle offset). */
static void
same_output(const lrec *a, const lrec *b, const char *what)
{
    if (a->nev != b->nev || (a->nev != 0 && memcmp(a->ev, b->ev, a->nev * 32) != 0))
        fail_msg("%s: sink events differ (%zu, %zu)", what, a->nev, b->nev);
    if (a->nck != b->nck)
        fail_msg("%s: %zu checkpoints, want %zu", what, b->nck, a->nck);
    for (size_t j = 0; j < a->nck; j++) {
        const ota_bundle_resume *x = &a->ck[j].r, *y = &b->ck[j].r;
        if (x->next_chunk != y->next_chunk || x->bundle_offset != y->bundle_offset ||
            x->skip != y->skip || x->entries != y->entries || x->bytes != y->bytes ||
            strcmp(x->prev_path, y->prev_path) != 0 ||
            strcmp(x->last_nondir, y->last_nondir) != 0 || a->ck[j].nev != b->ck[j].nev)
            fail_msg("%s: checkpoint %zu differs (chunk %u at %llu, want chunk %u at %llu)", what,
                     j, y->next_chunk, (unsigned long long) y->bundle_offset, x->next_chunk,
                     (unsigned long long) x->bundle_offset);
    }
    if (a->ncv != b->ncv ||
        memcmp(a->cv_idx, b->cv_idx, a->ncv * sizeof a->cv_idx[0]) != 0 ||
        memcmp(a->cv_off, b->cv_off, a->ncv * sizeof a->cv_off[0]) != 0)
        fail_msg("%s: chunk_verified calls differ", what);
}

/* What a run with a provider (has, wrong) from chunk `from` on must pull
 * from the source when it can skip: the head and the stored bytes of every
 * chunk it does not take.  *runs: maximal runs of taken chunks (one skip
 * each), *taken, *stale: chunks taken, stale copies offered. */
static uint64_t
want_read(const uint8_t *b, uint64_t hl, uint32_t from, uint32_t has, uint32_t wrong,
          size_t *runs, uint32_t *taken, uint32_t *stale)
{
    ota_bundle_head *h = NULL;
    assert_int_equal(ota_bundle_head_parse(b, (size_t) hl, &h), OTA_OK);
    uint64_t n = hl;
    bool prev = false;
    *runs = 0;
    *taken = *stale = 0;
    for (uint32_t i = from; i < h->header.chunk_count; i++) {
        ota_bundle_chunk c;
        assert_int_equal(ota_bundle_head_chunk(h, i, &c), OTA_OK);
        bool t = lp_bit(has, i) && !lp_bit(wrong, i);
        *stale += lp_bit(has, i) && lp_bit(wrong, i);
        if (!t)
            n += c.clen;
        else if (!prev)
            (*runs)++;
        *taken += t;
        prev = t;
    }
    ota_bundle_head_free(h);
    return n;
}

/* The two bundles these tests use: the fixture (a tree over 3 chunks, an
 * image over 4: random ones stored raw, zero ones deflated) and "many" (a
 * tree over many chunks with pax headers and a file spanning chunks, then
 * the image). */
typedef struct lbundle {
    const uint8_t *b;
    size_t len;
    uint64_t hl;
    const uint8_t *hs;
    uint32_t nchunks;
    const char *name;
} lbundle;

static void
local_bundles(lbundle out[2])
{
    need_many();
    out[0] = (lbundle){good, good_len, good_head_len, good_head_sha, 0, "fixture"};
    out[1] = (lbundle){many, many_len, many_hl, many_hs, 0, "many"};
    for (int w = 0; w < 2; w++) {
        ota_bundle_head *h = NULL;
        assert_int_equal(ota_bundle_head_parse(out[w].b, (size_t) out[w].hl, &h), OTA_OK);
        out[w].nchunks = h->header.chunk_count;
        /* a tree and an image, both with chunks */
        assert_int_equal(h->manifest->ncomponents, 2);
        assert_int_equal(h->manifest->components[0].type, OTA_BUNDLE_TREE);
        assert_int_equal(h->manifest->components[1].type, OTA_BUNDLE_IMAGE);
        assert_true(h->manifest->components[0].nchunks >= 3);
        assert_true(h->manifest->components[1].nchunks >= 3);
        ota_bundle_head_free(h);
    }
}

/* A run with provider (has, wrong) over lb, skip or not: the sink output is
 * the normal run's, the source delivers exactly what was not taken. */
static void
local_case(const lbundle *lb, const lrec *normal, uint32_t has, uint32_t wrong, bool skip,
           bool odd)
{
    char what[160];
    snprintf(what, sizeof what, "%s, has %08x wrong %08x, %s", lb->name, has, wrong,
             skip ? "skip" : "no skip");
    lprov p;
    lp_init(&p, lb->b, lb->hl, has, wrong);
    lrec *l = calloc(1, sizeof *l);
    msrc s = {.odd = odd};
    ropt o = {.prov = &p, .skip = skip};
    ota_err rc = run_opt(lb->b, lb->len, lb->hs, lb->hl, NULL, l, &s, &o);
    if (rc != OTA_OK)
        fail_msg("%s: %s", what, ota_err_name(rc));
    same_output(normal, l, what);
    size_t runs = 0;
    uint32_t taken = 0, stale = 0;
    uint64_t want = want_read(lb->b, lb->hl, 0, has, wrong, &runs, &taken, &stale);
    assert_int_equal(p.calls, lb->nchunks); /* asked once per chunk */
    assert_int_equal(o.verified, lb->nchunks);
    assert_int_equal(o.used, taken);
    assert_int_equal(o.rejected, stale);
    assert_int_equal(p.stale, stale);
    assert_int_equal(s.pos, lb->len); /* the source was brought to its end */
    if (skip) {
        if (o.bytes_read != want)
            fail_msg("%s: %llu bytes from the source, want %llu", what,
                     (unsigned long long) o.bytes_read, (unsigned long long) want);
        assert_int_equal(o.bytes_skipped, lb->len - want);
        assert_int_equal(s.skipped, lb->len - want);
        assert_int_equal(s.skips, runs); /* consecutive local chunks: one skip */
    } else {
        assert_int_equal(o.bytes_read, lb->len); /* read and dropped */
        assert_int_equal(o.bytes_skipped, 0);
        assert_int_equal(s.skips, 0);
    }
    lrec_free(l);
    lp_free(&p);
}

static lrec *
normal_run(const lbundle *lb)
{
    lrec *n = calloc(1, sizeof *n);
    ropt o = {0};
    assert_int_equal(run_opt(lb->b, lb->len, lb->hs, lb->hl, NULL, n, NULL, &o), OTA_OK);
    assert_int_equal(o.bytes_read, lb->len);
    assert_int_equal(o.used, 0);
    assert_true(n->nev > 0 && n->nck > 0 && n->ncv == lb->nchunks);
    return n;
}

/* Every chunk local: the source delivers only the head, one skip for the
 * whole payload; without a skip function the reader reads and drops it. */
static void
test_local_every_chunk(void **state)
{
    (void) state;
    lbundle lbs[2];
    local_bundles(lbs);
    for (int w = 0; w < 2; w++) {
        lrec *n = normal_run(&lbs[w]);
        for (int k = 0; k < 4; k++)
            local_case(&lbs[w], n, ~0u, 0, k & 1, k & 2);
        /* and the counts the brief names, spelt out once */
        lprov p;
        lp_init(&p, lbs[w].b, lbs[w].hl, ~0u, 0);
        lrec *l = calloc(1, sizeof *l);
        msrc s = {0};
        ropt o = {.prov = &p, .skip = true};
        assert_int_equal(run_opt(lbs[w].b, lbs[w].len, lbs[w].hs, lbs[w].hl, NULL, l, &s, &o),
                         OTA_OK);
        assert_int_equal(o.bytes_read, lbs[w].hl);
        assert_int_equal(s.skips, 1);
        assert_int_equal(s.skipped, lbs[w].len - lbs[w].hl);
        assert_int_equal(o.used, lbs[w].nchunks);
        lrec_free(l);
        lp_free(&p);
        lrec_free(n);
    }
}

/* Some chunks local (every other one, runs of them, at the start, at the
 * end): identical output, the source delivers the head and the others. */
static void
test_local_some_chunks(void **state)
{
    (void) state;
    static const uint32_t masks[] = {0xAAAAAAAAu, 0x55555555u, 0xFFFFFFF0u, 0x0000000Fu,
                                     0x3C3C3C3Cu, 0x00000070u, 0x80000001u, 0};
    lbundle lbs[2];
    local_bundles(lbs);
    for (int w = 0; w < 2; w++) {
        lrec *n = normal_run(&lbs[w]);
        for (size_t i = 0; i < sizeof masks / sizeof masks[0]; i++)
            for (int k = 0; k < 2; k++)
                local_case(&lbs[w], n, masks[i], 0, k == 0, i % 3 == 0);
        lrec_free(n);
    }
}

/* Stale copies (wrong bytes) are not an error: identical output, each one
 * counted and fetched from the source.  A provider's own error stops the
 * run as is. */
static void
test_local_stale_copies(void **state)
{
    (void) state;
    static const uint32_t cases[][2] = {{~0u, 0x49249249u},       /* every third stale */
                                        {~0u, ~0u},               /* all stale */
                                        {0xAAAAAAAAu, 0x22222222u},
                                        {~0u, 0x80000001u}};
    lbundle lbs[2];
    local_bundles(lbs);
    for (int w = 0; w < 2; w++) {
        lrec *n = normal_run(&lbs[w]);
        for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
            for (int k = 0; k < 2; k++)
                local_case(&lbs[w], n, cases[i][0], cases[i][1], k == 0, k == 1);
        lrec_free(n);
        /* all stale: nothing skipped, every chunk counted */
        lprov p;
        lp_init(&p, lbs[w].b, lbs[w].hl, ~0u, ~0u);
        lrec *l = calloc(1, sizeof *l);
        msrc s = {0};
        ropt o = {.prov = &p, .skip = true};
        assert_int_equal(run_opt(lbs[w].b, lbs[w].len, lbs[w].hs, lbs[w].hl, NULL, l, &s, &o),
                         OTA_OK);
        assert_int_equal(o.rejected, lbs[w].nchunks);
        assert_int_equal(o.bytes_read, lbs[w].len);
        assert_int_equal(s.skips, 0);
        lrec_free(l);
        lp_free(&p);
        /* the provider fails at chunk 2: that error, nothing of chunk 2 delivered */
        for (int sk = 0; sk < 2; sk++) {
            lp_init(&p, lbs[w].b, lbs[w].hl, ~0u, 0);
            p.fail_with = OTA_E_IO;
            p.fail_at = 2;
            l = calloc(1, sizeof *l);
            o = (ropt){.prov = &p, .skip = sk == 1};
            assert_int_equal(
                run_opt(lbs[w].b, lbs[w].len, lbs[w].hs, lbs[w].hl, NULL, l, NULL, &o),
                OTA_E_IO);
            assert_int_equal(o.verified, 2);
            assert_int_equal(p.calls, 3);
            lrec_free(l);
            lp_free(&p);
        }
    }
}

/* The end with local chunks: the pending skip is applied, then the source
 * must be at its end (a trailing byte is E_LENGTH); a source shorter than
 * the bundle fails in the skip or in the read that drops the bytes.  The
 * provider is never asked before the head is verified. */
static void
test_local_lengths(void **state)
{
    (void) state;
    lbundle lbs[2];
    local_bundles(lbs);
    const lbundle *lb = &lbs[0];
    uint8_t *b = malloc(lb->len + 1);
    memcpy(b, lb->b, lb->len);
    b[lb->len] = 0;
    size_t cuts[] = {lb->len + 1, lb->len - 1, (size_t) (lb->hl + lb->len) / 2,
                     (size_t) lb->hl + 1, (size_t) lb->hl};
    static const uint32_t has[] = {~0u, 0xFFFFFFF0u, 0x55555555u};
    for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++)
        for (size_t j = 0; j < sizeof has / sizeof has[0]; j++)
            for (int sk = 0; sk < 2; sk++) {
                lprov p;
                lp_init(&p, lb->b, lb->hl, has[j], 0);
                lrec *l = calloc(1, sizeof *l);
                ropt o = {.prov = &p, .skip = sk == 1};
                ota_err rc = run_opt(b, cuts[i], lb->hs, lb->hl, NULL, l, NULL, &o);
                if (rc != OTA_E_LENGTH)
                    fail_msg("source of %zu bytes (bundle %zu), has %08x, %s: %s", cuts[i],
                             lb->len, has[j], sk ? "skip" : "no skip", ota_err_name(rc));
                lrec_free(l);
                lp_free(&p);
            }
    /* a damaged head: E_HASH, the provider never asked */
    b[OTA_BUNDLE_HEADER_LEN + 3] ^= 0x01;
    lprov p;
    lp_init(&p, lb->b, lb->hl, ~0u, 0);
    lrec *l = calloc(1, sizeof *l);
    ropt o = {.prov = &p, .skip = true};
    assert_int_equal(run_opt(b, lb->len, lb->hs, lb->hl, NULL, l, NULL, &o), OTA_E_HASH);
    assert_int_equal(p.calls, 0);
    assert_int_equal(l->nev, 0);
    lrec_free(l);
    lp_free(&p);
    free(b);
}

/* A run with a provider reports the same checkpoints as one without
 * (bundle_offset counts skipped bytes as consumed), and resuming from each
 * of them with a provider delivers exactly the rest, with the same later
 * checkpoints, pulling from the source only the head and what it does not
 * take from the provider. */
static void
test_local_resume(void **state)
{
    (void) state;
    static const struct {
        uint32_t has, wrong;
        bool skip;
    } cases[] = {{0xAAAAAAAAu, 0, true},
                 {~0u, 0, true},
                 {~0u, 0x49249249u, true},
                 {0x3C3C3C3Cu, 0, false}};
    lbundle lbs[2];
    local_bundles(lbs);
    for (int w = 0; w < 2; w++) {
        const lbundle *lb = &lbs[w];
        lrec *n = normal_run(lb);
        for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
            lprov p;
            lp_init(&p, lb->b, lb->hl, cases[c].has, cases[c].wrong);
            lrec *full = calloc(1, sizeof *full);
            ropt o = {.prov = &p, .skip = cases[c].skip};
            assert_int_equal(run_opt(lb->b, lb->len, lb->hs, lb->hl, NULL, full, NULL, &o),
                             OTA_OK);
            same_output(n, full, lb->name);
            size_t ntree = 0;
            for (size_t i = 0; i < full->nck; i++) {
                const lckpt *k = &full->ck[i];
                ntree += k->r.entries != 0;
                lrec *l = calloc(1, sizeof *l);
                msrc s = {.odd = i % 4 == 0};
                ropt ro = {.prov = &p, .skip = cases[c].skip};
                ota_err rc = run_opt(lb->b, lb->len, lb->hs, lb->hl, &k->r, l, &s, &ro);
                if (rc != OTA_OK)
                    fail_msg("%s case %zu: resume from checkpoint %zu (chunk %u skip %u): %s",
                             lb->name, c, i, k->r.next_chunk, k->r.skip, ota_err_name(rc));
                if (l->nev != full->nev - k->nev ||
                    (l->nev && memcmp(l->ev, full->ev[k->nev], l->nev * 32) != 0))
                    fail_msg("%s case %zu: resume from checkpoint %zu: %zu events, want the "
                             "last %zu of %zu",
                             lb->name, c, i, l->nev, full->nev - k->nev, full->nev);
                assert_int_equal(l->nck, full->nck - i - 1);
                for (size_t j = 0; j < l->nck; j++) {
                    const ota_bundle_resume *a = &l->ck[j].r, *e = &full->ck[i + 1 + j].r;
                    assert_int_equal(a->next_chunk, e->next_chunk);
                    assert_int_equal(a->bundle_offset, e->bundle_offset);
                    assert_int_equal(a->skip, e->skip);
                    assert_int_equal(a->entries, e->entries);
                    assert_int_equal(a->bytes, e->bytes);
                    assert_string_equal(a->prev_path, e->prev_path);
                    assert_string_equal(a->last_nondir, e->last_nondir);
                }
                size_t runs = 0;
                uint32_t taken = 0, stale = 0;
                uint64_t want = want_read(lb->b, lb->hl, k->r.next_chunk, cases[c].has,
                                          cases[c].wrong, &runs, &taken, &stale);
                if (cases[c].skip) {
                    assert_int_equal(ro.bytes_read, want);
                    assert_int_equal(s.skips, runs);
                } else {
                    assert_int_equal(ro.bytes_read, lb->hl + (lb->len - k->r.bundle_offset));
                }
                assert_int_equal(ro.used, taken);
                assert_int_equal(ro.rejected, stale);
                assert_int_equal(s.pos, lb->len);
                lrec_free(l);
            }
            assert_true(ntree >= 2);
            lrec_free(full);
            lp_free(&p);
        }
        lrec_free(n);
    }
}

/* ---- zstd chunks (format 2) ------------------------------------------------------------------ */

static json_t *
zstd_manifest(json_t *components, const char *codec)
{
    json_t *m = base_manifest(components);
    json_object_set_new(m, "format", json_integer(2));
    json_object_set_new(m, "compression", json_string(codec));
    return m;
}

static void
test_zstd_roundtrip(void **state)
{
    (void) state;
    size_t len = 0;
    uint64_t hl = 0;
    uint8_t hs[32];
    uint8_t *b = build_codec(2, CHUNK, OTA_BUNDLE_ZSTD, 0, &len, &hl, hs);
    ota_bundle_head *h = NULL;
    assert_int_equal(ota_bundle_head_parse(b, (size_t) hl, &h), OTA_OK);
    assert_int_equal(h->header.format, 2);
    assert_int_equal(h->manifest->format, 2);
    assert_int_equal(h->manifest->codec, OTA_BUNDLE_ZSTD);
    /* the zero half of the image compresses (one frame each); random chunks are raw */
    ota_bundle_chunk c;
    uint32_t first_img = h->manifest->components[1].first_chunk;
    assert_int_equal(ota_bundle_head_chunk(h, first_img, &c), OTA_OK);
    assert_int_equal(c.clen, c.ulen);
    assert_int_equal(ota_bundle_head_chunk(h, first_img + 2, &c), OTA_OK);
    assert_true(c.clen < c.ulen / 10);
    uint64_t off = h->head_len;
    for (uint32_t i = 0; i < first_img + 2; i++) {
        ota_bundle_chunk ci;
        assert_int_equal(ota_bundle_head_chunk(h, i, &ci), OTA_OK);
        off += ci.clen;
    }
    /* one frame, content size = the chunk, no checksum */
    assert_int_equal(ZSTD_getFrameContentSize(b + off, c.clen), c.ulen);
    assert_int_equal(ZSTD_findFrameCompressedSize(b + off, c.clen), c.clen);
    assert_int_equal(b[off + 4] & 0x07, 0); /* no checksum, no dictionary id */
    size_t steps[] = {0, 1, 7, 65537};
    for (size_t i = 0; i < 5; i++) {
        msrc s = {.step = i < 4 ? steps[i] : 0, .odd = i == 4};
        rec r = {.check_originals = true};
        size_t mem = 0;
        assert_int_equal(run_reader(b, len, hs, hl, &s, &r, &mem, 0), OTA_OK);
        if (r.bad)
            fail_msg("zstd, step %zu: %s", i < 4 ? steps[i] : 0, r.bad_why);
        assert_int_equal(r.entries, nfiles);
        assert_int_equal(r.img_bytes, img_len);
        assert_int_equal(r.comps_done, 2);
        /* head + 2 chunks + a zstd DCtx (~94 KiB: one-shot, no window buffer) */
        assert_true(mem <= 2 * hl + 2 * CHUNK + 3 * (OTA_BUNDLE_MAX_ENTRY_PATH + 1) + 128 * 1024);
    }
    /* resumed at an image chunk: head from offset 0, then the payload from there */
    uint64_t roff = hl;
    for (uint32_t i = 0; i < first_img + 1; i++) {
        ota_bundle_chunk ci;
        assert_int_equal(ota_bundle_head_chunk(h, i, &ci), OTA_OK);
        roff += ci.clen;
    }
    ota_bundle_head_free(h);
    msrc rs = {.skip_from = (size_t) hl, .skip_to = (size_t) roff, .odd = true};
    rec r = {.check_originals = true};
    assert_int_equal(run_reader(b, len, hs, hl, &rs, &r, NULL, first_img + 1), OTA_OK);
    assert_false(r.bad);
    assert_int_equal(r.img_bytes, img_len - CHUNK);
    free(b);
}

static void
test_zstd_reproducible(void **state)
{
    (void) state;
    int levels[] = {1, 19};
    for (size_t k = 0; k < 2; k++) {
        uint8_t want[32], got[32], wh[32];
        unsigned jobs[] = {1, 2, 5};
        for (size_t i = 0; i < 3; i++) {
            size_t len = 0;
            uint64_t hl = 0;
            uint8_t hs[32];
            uint8_t *b = build_codec(jobs[i], CHUNK, OTA_BUNDLE_ZSTD, levels[k], &len, &hl, hs);
            ota_sha256(b, len, got);
            if (i == 0) {
                memcpy(want, got, 32);
                memcpy(wh, hs, 32);
            }
            assert_memory_equal(got, want, 32);
            assert_memory_equal(hs, wh, 32);
            free(b);
        }
    }
}

/* A hand-made zstd frame (RFC 8878): magic, frame header descriptor, window
 * descriptor (wd >= 0), content size field of fcs_len bytes, then blocks. */
typedef struct zb {
    uint8_t b[4096];
    size_t n;
} zb;

static void
zb_le(zb *z, uint64_t v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        z->b[z->n++] = (uint8_t) (v >> (8 * i));
}

static void
zb_head(zb *z, uint8_t fhd, int wd, uint64_t fcs, size_t fcs_len)
{
    zb_le(z, ZSTD_MAGICNUMBER, 4);
    z->b[z->n++] = fhd;
    if (wd >= 0)
        z->b[z->n++] = (uint8_t) wd;
    zb_le(z, fcs, fcs_len);
}

/* An RLE block: `size` copies of `byte`. */
static void
zb_rle(zb *z, uint32_t size, uint8_t byte, bool last)
{
    zb_le(z, (uint64_t) size << 3 | 1u << 1 | (last ? 1u : 0u), 3);
    z->b[z->n++] = byte;
}

/* The fine frame for 1000 x 'x': 4-byte content size, single segment. */
static void
zb_good(zb *z)
{
    zb_head(z, 0xa0, -1, 1000, 4);
    zb_rle(z, 1000, 'x', true);
}

/* A one-image bundle whose one chunk (meaning 1000 x 'x') is stored as
 * z[zlen], compressed with codec (manifest spelling; NULL: format 1). */
static ota_err
run_zchunk(const uint8_t *z, size_t zlen, const char *codec, rec *r)
{
    uint8_t x[1000];
    memset(x, 'x', sizeof x);
    rchunk ch[1];
    rchunk_make(&ch[0], x, sizeof x, z, zlen);
    json_t *comp = json_pack("{s:s, s:s, s:i}", "name", "img", "type", "image", "size", 1000);
    json_t *man = codec ? zstd_manifest(json_pack("[o]", comp), codec)
                        : base_manifest(json_pack("[o]", comp));
    size_t len = 0;
    uint64_t hl = 0;
    uint8_t hs[32];
    uint8_t *b = assemble(man, CHUNK, ch, 1, &len, &hl, hs);
    ota_err rc = run_reader(b, len, hs, hl, NULL, r, NULL, 0);
    free(b);
    return rc;
}

static void
test_zstd_hostile_frames(void **state)
{
    (void) state;
    enum {
        GOOD, GOOD_FCS2, GOOD_WINDOW, WINDOW_BIG, WINDOW_HUGE, FCS_MORE, FCS_HUGE, FCS_LESS,
        FCS_NONE, BLOCKS_MORE, BLOCKS_LESS, TRAILING, SECOND_FRAME, SKIPPABLE, SKIPPABLE_AFTER,
        CHECKSUM, DICT_ID, RESERVED, TRUNCATED, DEFLATE_IN_ZSTD, ZSTD_IN_DEFLATE, NCASES
    };
    static const struct {
        const char *what;
        ota_err want;
    } cases[NCASES] = {
        [GOOD] = {"hand-made frame", OTA_OK},
        [GOOD_FCS2] = {"2-byte content size (+256)", OTA_OK},
        [GOOD_WINDOW] = {"window = chunk size", OTA_OK},
        [WINDOW_BIG] = {"window one step above the chunk size", OTA_E_LIMIT},
        [WINDOW_HUGE] = {"window 1 GiB", OTA_E_LIMIT},
        [FCS_MORE] = {"declares 1001 bytes", OTA_E_LIMIT},
        [FCS_HUGE] = {"declares 1 TiB", OTA_E_LIMIT},
        [FCS_LESS] = {"declares 999 bytes", OTA_E_FORMAT},
        [FCS_NONE] = {"no content size", OTA_E_FORMAT},
        [BLOCKS_MORE] = {"declares 1000, decodes to 1500", OTA_E_LIMIT},
        [BLOCKS_LESS] = {"declares 1000, decodes to 600", OTA_E_FORMAT},
        [TRAILING] = {"garbage after the frame", OTA_E_FORMAT},
        [SECOND_FRAME] = {"an empty second frame", OTA_E_FORMAT},
        [SKIPPABLE] = {"a skippable frame", OTA_E_FORMAT},
        [SKIPPABLE_AFTER] = {"a skippable frame after the frame", OTA_E_FORMAT},
        [CHECKSUM] = {"checksum flag", OTA_E_FORMAT},
        [DICT_ID] = {"dictionary id", OTA_E_FORMAT},
        [RESERVED] = {"reserved bit", OTA_E_FORMAT},
        [TRUNCATED] = {"a real frame cut short", OTA_E_FORMAT},
        [DEFLATE_IN_ZSTD] = {"deflate bytes in a zstd bundle", OTA_E_FORMAT},
        [ZSTD_IN_DEFLATE] = {"a zstd frame in a deflate bundle", OTA_E_FORMAT},
    };
    uint8_t x[1000];
    memset(x, 'x', sizeof x);
    for (int i = 0; i < NCASES; i++) {
        zb z = {.n = 0};
        const char *codec = "zstd";
        switch (i) {
        case GOOD: zb_good(&z); break;
        case GOOD_FCS2:
            zb_head(&z, 0x60, -1, 1000 - 256, 2);
            zb_rle(&z, 1000, 'x', true);
            break;
        case GOOD_WINDOW: /* not single-segment: window 2^(10+6) = 64 KiB = CHUNK */
            zb_head(&z, 0x80, 6 << 3, 1000, 4);
            zb_rle(&z, 1000, 'x', true);
            break;
        case WINDOW_BIG:
            zb_head(&z, 0x80, 6 << 3 | 1, 1000, 4);
            zb_rle(&z, 1000, 'x', true);
            break;
        case WINDOW_HUGE:
            zb_head(&z, 0x80, 20 << 3, 1000, 4);
            zb_rle(&z, 1000, 'x', true);
            break;
        case FCS_MORE:
            zb_head(&z, 0xa0, -1, 1001, 4);
            zb_rle(&z, 1001, 'x', true);
            break;
        case FCS_HUGE:
            zb_head(&z, 0xe0, -1, (uint64_t) 1 << 40, 8);
            zb_rle(&z, 1000, 'x', true);
            break;
        case FCS_LESS:
            zb_head(&z, 0xa0, -1, 999, 4);
            zb_rle(&z, 999, 'x', true);
            break;
        case FCS_NONE:
            zb_head(&z, 0x00, 0, 0, 0);
            zb_rle(&z, 1000, 'x', true);
            break;
        case BLOCKS_MORE:
            zb_head(&z, 0xa0, -1, 1000, 4);
            zb_rle(&z, 1000, 'x', false);
            zb_rle(&z, 500, 'x', true);
            break;
        case BLOCKS_LESS:
            zb_head(&z, 0xa0, -1, 1000, 4);
            zb_rle(&z, 600, 'x', true);
            break;
        case TRAILING:
            zb_good(&z);
            zb_le(&z, 0x030201, 3);
            break;
        case SECOND_FRAME:
            zb_good(&z);
            zb_head(&z, 0x20, -1, 0, 1);
            zb_le(&z, 1, 3); /* last raw block of 0 bytes */
            break;
        case SKIPPABLE:
            zb_le(&z, 0x184D2A50u, 4);
            zb_le(&z, 16, 4);
            zb_le(&z, 0, 8);
            zb_le(&z, 0, 8);
            break;
        case SKIPPABLE_AFTER:
            zb_good(&z);
            zb_le(&z, 0x184D2A5Fu, 4);
            zb_le(&z, 4, 4);
            zb_le(&z, 0, 4);
            break;
        case CHECKSUM: { /* a real frame with a valid checksum: only the format forbids it */
            ZSTD_CCtx *cc = ZSTD_createCCtx();
            assert_false(ZSTD_isError(ZSTD_CCtx_setParameter(cc, ZSTD_c_checksumFlag, 1)));
            z.n = ZSTD_compress2(cc, z.b, sizeof z.b, x, sizeof x);
            assert_false(ZSTD_isError(z.n));
            ZSTD_freeCCtx(cc);
            assert_int_equal(z.b[4] & 0x04, 0x04);
            break;
        }
        case DICT_ID:
            zb_head(&z, 0xa1, -1, 0, 0);
            z.b[z.n++] = 7;
            zb_le(&z, 1000, 4);
            zb_rle(&z, 1000, 'x', true);
            break;
        case RESERVED:
            zb_head(&z, 0xa8, -1, 1000, 4);
            zb_rle(&z, 1000, 'x', true);
            break;
        case TRUNCATED: {
            uint8_t t[1000];
            for (size_t k = 0; k < sizeof t; k++)
                t[k] = (uint8_t) ((uint8_t) "abcdefgh"[k % 8] + k / 100);
            memcpy(x, t, sizeof t);
            size_t n = ZSTD_compress(z.b, sizeof z.b, t, sizeof t, 3);
            assert_false(ZSTD_isError(n));
            z.n = n - 1;
            break;
        }
        case DEFLATE_IN_ZSTD: z.n = deflate_raw(x, sizeof x, z.b, sizeof z.b); break;
        case ZSTD_IN_DEFLATE:
            zb_good(&z);
            codec = NULL;
            break;
        }
        /* what the chunk should mean: 1000 x 'x' (TRUNCATED: its own text) */
        uint8_t *want = x;
        rchunk ch[1];
        rchunk_make(&ch[0], want, sizeof x, z.b, z.n);
        json_t *comp = json_pack("{s:s, s:s, s:i}", "name", "img", "type", "image", "size", 1000);
        json_t *man = codec ? zstd_manifest(json_pack("[o]", comp), codec)
                            : base_manifest(json_pack("[o]", comp));
        size_t len = 0;
        uint64_t hl = 0;
        uint8_t hs[32];
        uint8_t *b = assemble(man, CHUNK, ch, 1, &len, &hl, hs);
        rec r = {0};
        size_t mem = 0;
        ota_err rc = run_reader(b, len, hs, hl, NULL, &r, &mem, 0);
        free(b);
        if (i == TRUNCATED)
            memset(x, 'x', sizeof x);
        if (rc != cases[i].want)
            fail_msg("%s: got %s, want %s", cases[i].what, ota_err_name(rc),
                     ota_err_name(cases[i].want));
        assert_true(r.manifest_seen);
        assert_int_equal(r.images, cases[i].want == OTA_OK ? 1 : 0);
        assert_true(mem < 2 * CHUNK + 2 * hl + 3 * (OTA_BUNDLE_MAX_ENTRY_PATH + 1) + 128 * 1024);
    }
}

/* Format 2 and the codec as a whole: header and manifest agree, a format-2
 * bundle may name deflate, a reader refuses what it does not know. */
static void
test_zstd_format_versions(void **state)
{
    (void) state;
    uint8_t x[1000], z[1100];
    memset(x, 'x', sizeof x);
    size_t zl = deflate_raw(x, sizeof x, z, sizeof z);
    rec r = {0};
    assert_int_equal(run_zchunk(z, zl, "deflate", &r), OTA_OK); /* format 2, deflate */
    assert_int_equal(r.images, 1);
    rec r2 = {0};
    assert_int_equal(run_zchunk(z, zl, "lz4", &r2), OTA_E_UNSUPPORTED);
    assert_false(r2.manifest_seen);
    /* header format differs from the manifest's: 2 / 1 and 1 / 2 */
    for (int k = 0; k < 2; k++) {
        rchunk ch[1];
        rchunk_make(&ch[0], x, sizeof x, z, zl);
        json_t *comp = json_pack("{s:s, s:s, s:i}", "name", "img", "type", "image", "size", 1000);
        json_t *man = k == 0 ? base_manifest(json_pack("[o]", comp))
                             : zstd_manifest(json_pack("[o]", comp), "deflate");
        size_t len = 0;
        uint64_t hl = 0;
        uint8_t hs[32];
        uint8_t *b = assemble(man, CHUNK, ch, 1, &len, &hl, hs);
        b[11] = k == 0 ? 2 : 1; /* header format (u32 BE at 8) */
        ota_sha256(b, (size_t) hl, hs);
        rec r3 = {0};
        assert_int_equal(run_reader(b, len, hs, hl, NULL, &r3, NULL, 0), OTA_E_FORMAT);
        assert_false(r3.manifest_seen);
        /* a format this reader does not know: refused before the manifest */
        b[11] = 5;
        ota_sha256(b, (size_t) hl, hs);
        assert_int_equal(run_reader(b, len, hs, hl, NULL, &r3, NULL, 0), OTA_E_UNSUPPORTED);
        b[11] = 0;
        ota_sha256(b, (size_t) hl, hs);
        assert_int_equal(run_reader(b, len, hs, hl, NULL, &r3, NULL, 0), OTA_E_UNSUPPORTED);
        free(b);
    }
    /* the TUF custom field names the format and codec; a client takes 1 and 2 */
    size_t len = 0;
    uint64_t hl = 0;
    uint8_t hs[32];
    uint8_t *b = build_codec(2, CHUNK, OTA_BUNDLE_ZSTD, 3, &len, &hl, hs);
    char p[400];
    snprintf(p, sizeof p, "%s/zstd.otab", work_dir);
    FILE *f = fopen(p, "wb");
    fwrite(b, 1, len, f);
    fclose(f);
    free(b);
    json_t *custom = NULL;
    assert_int_equal(ota_bundle_target_custom(p, &custom), OTA_OK);
    json_t *o = json_object_get(custom, "ota_bundle");
    assert_int_equal(json_integer_value(json_object_get(o, "format")), 2);
    assert_string_equal(json_string_value(json_object_get(o, "compression")), "zstd");
    uint64_t chl = 0;
    uint8_t chs[32];
    assert_int_equal(ota_bundle_custom_head(custom, &chl, chs), OTA_OK);
    assert_int_equal(chl, hl);
    assert_memory_equal(chs, hs, 32);
    json_object_set_new(o, "format", json_integer(5));
    assert_int_equal(ota_bundle_custom_head(custom, &chl, chs), OTA_E_UNSUPPORTED);
    json_decref(custom);
    /* deflate bundles stay format 1 (every deployed reader reads them), without the key */
    snprintf(p, sizeof p, "%s/good.otab", work_dir);
    f = fopen(p, "wb");
    fwrite(good, 1, good_len, f);
    fclose(f);
    assert_int_equal(ota_bundle_target_custom(p, &custom), OTA_OK);
    o = json_object_get(custom, "ota_bundle");
    assert_int_equal(json_integer_value(json_object_get(o, "format")), 1);
    assert_null(json_object_get(o, "compression"));
    json_decref(custom);
    assert_int_equal(good[11], 1);
    /* codec names and level ranges */
    assert_string_equal(ota_bundle_codec_name(OTA_BUNDLE_ZSTD), "zstd");
    assert_string_equal(ota_bundle_codec_name(OTA_BUNDLE_DEFLATE), "deflate");
    assert_null(ota_bundle_codec_name((ota_bundle_codec) 9));
    int lo = 0, hi = 0, d = 0;
    assert_true(ota_bundle_codec_levels(OTA_BUNDLE_ZSTD, &lo, &hi, &d));
    assert_int_equal(lo, 1);
    assert_int_equal(hi, 19);
    assert_int_equal(d, OTA_BUNDLE_ZSTD_DEFAULT_LEVEL);
    assert_false(ota_bundle_codec_levels((ota_bundle_codec) 9, &lo, &hi, &d));
    /* the writer checks the level against the codec */
    const char *hw[] = {"a"};
    ota_bundle_writer *w = NULL;
    ota_bundle_writer_config c = {.size = sizeof c, .name = "n", .version = "1.0.0",
                                  .hardware = hw, .nhardware = 1, .tmp_dir = work_dir,
                                  .codec = OTA_BUNDLE_ZSTD, .level = 20};
    assert_int_equal(ota_bundle_writer_new(&c, &w), OTA_E_ARG);
    c.level = 19;
    assert_int_equal(ota_bundle_writer_new(&c, &w), OTA_OK);
    ota_bundle_writer_free(w);
    w = NULL;
    c.codec = OTA_BUNDLE_DEFLATE;
    c.level = 10;
    assert_int_equal(ota_bundle_writer_new(&c, &w), OTA_E_ARG);
    c.level = -1;
    assert_int_equal(ota_bundle_writer_new(&c, &w), OTA_E_ARG);
    c.level = 0;
    c.codec = (ota_bundle_codec) 3;
    assert_int_equal(ota_bundle_writer_new(&c, &w), OTA_E_ARG);
    assert_null(w);
}

/* ---- vector generator: OTA_BUNDLE_GEN_VECTORS=DIR build/tests/test_bundle ------------------------- */

static void
write_file(const char *dir, const char *name, const void *p, size_t n)
{
    char path[700];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(p, 1, n, f), n);
    fclose(f);
}

static void
write_expect(const char *dir, const char *name, const uint8_t hs[32], uint64_t hl,
             const char *body)
{
    char hex[65], txt[9000];
    ota_hex_encode(hs, 32, hex);
    int n = snprintf(txt, sizeof txt, "head_sha256 %s\nhead_length %llu\n%s", hex,
                     (unsigned long long) hl, body);
    write_file(dir, name, txt, (size_t) n);
}

/* A crafted one-tree bundle written as a vector. */
static void
gen_tree_vector(const char *dir, const char *name, const tent *e, size_t n, const char *err)
{
    size_t tl = 0;
    uint64_t unpacked = 0;
    uint8_t *tar = make_tar(e, n, &tl, &unpacked);
    rchunk ch[4];
    size_t nc = chunks_of(tar, tl, CHUNK, ch);
    json_t *comp = json_pack("{s:s, s:s, s:I, s:b, s:I, s:I}", "name", "root", "type", "tree",
                             "size", (json_int_t) tl, "rootfs", 0, "entries", (json_int_t) n,
                             "unpacked", (json_int_t) unpacked);
    size_t len = 0;
    uint64_t hl = 0;
    uint8_t hs[32];
    uint8_t *b = assemble(base_manifest(json_pack("[o]", comp)), CHUNK, ch, nc, &len, &hl, hs);
    char fn[128], body[128];
    snprintf(fn, sizeof fn, "%s.otab", name);
    write_file(dir, fn, b, len);
    snprintf(fn, sizeof fn, "%s.expect", name);
    snprintf(body, sizeof body, "error %s\n", err);
    write_expect(dir, fn, hs, hl, body);
    free(b);
    free(tar);
}

static void
gen_vectors(const char *dir)
{
    /* good: the real writer, a small tree and a two-chunk image */
    char t[400], p[500];
    snprintf(t, sizeof t, "%s/vtree", work_dir);
    mkdir(t, 0755);
    snprintf(p, sizeof p, "%s/etc", t);
    mkdir(p, 0755);
    snprintf(p, sizeof p, "%s/etc/version", t);
    FILE *f = fopen(p, "w");
    fputs("gateway 2.1.0\n", f);
    fclose(f);
    snprintf(p, sizeof p, "%s/etc/issue", t);
    assert_int_equal(symlink("version", p), 0);
    snprintf(p, sizeof p, "%s/app.conf", t);
    f = fopen(p, "w");
    for (int i = 0; i < 2000; i++)
        fprintf(f, "key%d = value %d\n", i, i * 7);
    fclose(f);
    snprintf(p, sizeof p, "%s/vimg", work_dir);
    f = fopen(p, "wb");
    for (int i = 0; i < 70000; i++)
        fputc(i < 1000 ? (int) (rnd() & 0xff) : (i / 1000) & 0xff, f);
    fclose(f);
    const char *hw[] = {"acme-gw-r1", "acme-gw-r2"};
    ota_bundle_writer_config cfg = {.size = sizeof cfg, .name = "acme-gateway",
                                    .version = "2.1.0", .hardware = hw, .nhardware = 2,
                                    .created = "2024-06-01T00:00:00Z", .chunk_size = CHUNK,
                                    .tmp_dir = work_dir};
    ota_bundle_writer *w = NULL;
    assert_int_equal(ota_bundle_writer_new(&cfg, &w), OTA_OK);
    assert_int_equal(ota_bundle_writer_add_tree(w, "app", t, false), OTA_OK);
    assert_int_equal(ota_bundle_writer_add_image(w, "boot", p), OTA_OK);
    int fd = memfd_create("v", 0);
    uint64_t total = 0, hl = 0;
    uint8_t hs[32];
    assert_int_equal(ota_bundle_writer_finish(w, fd, &total, &hl, hs), OTA_OK);
    ota_bundle_writer_free(w);
    uint8_t *b = malloc(total);
    assert_int_equal(pread(fd, b, total, 0), (ssize_t) total);
    close(fd);
    vrec v = {.used = 0};
    ota_bundle_sink sink = {.user = &v, .entry_begin = v_entry, .component_begin = v_begin,
                            .image_write = v_image, .component_end = v_end};
    msrc s = {.p = b, .len = total};
    ota_bundle_reader_config rc = {.size = sizeof rc, .read = msrc_read, .read_user = &s,
                                   .sink = &sink, .head_sha256 = hs, .head_length = hl};
    ota_bundle_reader *r = NULL;
    assert_int_equal(ota_bundle_reader_new(&rc, &r), OTA_OK);
    assert_int_equal(ota_bundle_reader_run(r), OTA_OK);
    ota_bundle_reader_free(r);
    write_file(dir, "good-tree-image.otab", b, total);
    write_expect(dir, "good-tree-image.expect", hs, hl, v.list);
    /* the same bytes, damaged */
    b[hl + 10] ^= 0x20;
    write_file(dir, "bad-payload-flip.otab", b, total);
    write_expect(dir, "bad-payload-flip.expect", hs, hl, "error E_HASH\n");
    b[hl + 10] ^= 0x20;
    b[OTA_BUNDLE_HEADER_LEN + 5] ^= 0x01;
    write_file(dir, "bad-manifest-flip.otab", b, total);
    write_expect(dir, "bad-manifest-flip.expect", hs, hl, "error E_HASH\n");
    b[OTA_BUNDLE_HEADER_LEN + 5] ^= 0x01;
    write_file(dir, "bad-truncated.otab", b, total - 1);
    write_expect(dir, "bad-truncated.expect", hs, hl, "error E_LENGTH\n");
    free(b);
    /* crafted: every hash right, contents hostile */
    tent trav[] = {{"../../etc/cron.d/x", AE_IFREG, "* * * * * root sh\n", NULL, NULL, 0}};
    gen_tree_vector(dir, "bad-traversal", trav, 1, "E_UNSAFE");
    tent absp[] = {{"/etc/passwd", AE_IFREG, "root::0:0::/:/bin/sh\n", NULL, NULL, 0}};
    gen_tree_vector(dir, "bad-absolute", absp, 1, "E_UNSAFE");
    tent dev[] = {{"mem", AE_IFCHR, NULL, NULL, NULL, 0}};
    gen_tree_vector(dir, "bad-device", dev, 1, "E_UNSAFE");
    tent esc[] = {{"l", AE_IFLNK, NULL, "../../../etc", NULL, 0},
                  {"l/shadow", AE_IFREG, "x", NULL, NULL, 0}};
    gen_tree_vector(dir, "bad-symlink-escape", esc, 2, "E_UNSAFE");
    tent dup[] = {{"a", AE_IFREG, "1", NULL, NULL, 0}, {"a", AE_IFREG, "2", NULL, NULL, 0}};
    gen_tree_vector(dir, "bad-duplicate", dup, 2, "E_UNSAFE");
    /* decompression bomb */
    size_t big = 1u << 20;
    uint8_t *zeros = calloc(1, big), *z = malloc(big);
    size_t zl = deflate_raw(zeros, big, z, big);
    rchunk ch[1];
    rchunk_make(&ch[0], zeros, 2000, z, zl);
    json_t *comp = json_pack("{s:s, s:s, s:i}", "name", "img", "type", "image", "size", 2000);
    size_t len = 0;
    b = assemble(base_manifest(json_pack("[o]", comp)), CHUNK, ch, 1, &len, &hl, hs);
    write_file(dir, "bad-bomb.otab", b, len);
    write_expect(dir, "bad-bomb.expect", hs, hl, "error E_LIMIT\n");
    free(b);
    free(zeros);
    free(z);
    /* format 2: the good bundle again with zstd chunks (level 19) */
    cfg.codec = OTA_BUNDLE_ZSTD;
    cfg.level = 19;
    assert_int_equal(ota_bundle_writer_new(&cfg, &w), OTA_OK);
    assert_int_equal(ota_bundle_writer_add_tree(w, "app", t, false), OTA_OK);
    assert_int_equal(ota_bundle_writer_add_image(w, "boot", p), OTA_OK);
    fd = memfd_create("v", 0);
    assert_int_equal(ota_bundle_writer_finish(w, fd, &total, &hl, hs), OTA_OK);
    ota_bundle_writer_free(w);
    b = malloc(total);
    assert_int_equal(pread(fd, b, total, 0), (ssize_t) total);
    close(fd);
    vrec vz = {.used = 0};
    sink.user = &vz;
    msrc sz = {.p = b, .len = total};
    rc.read_user = &sz;
    rc.head_sha256 = hs;
    rc.head_length = hl;
    assert_int_equal(ota_bundle_reader_new(&rc, &r), OTA_OK);
    assert_int_equal(ota_bundle_reader_run(r), OTA_OK);
    ota_bundle_reader_free(r);
    assert_string_equal(vz.list, v.list); /* the same contents */
    write_file(dir, "good-zstd-tree-image.otab", b, total);
    write_expect(dir, "good-zstd-tree-image.expect", hs, hl, vz.list);
    free(b);
    /* format 2, crafted zstd frames for a 2000-byte image of zeros */
    struct {
        const char *name, *err;
    } zv[] = {{"bad-zstd-window", "E_LIMIT"},    {"bad-zstd-declared", "E_LIMIT"},
              {"bad-zstd-bomb", "E_LIMIT"},      {"bad-zstd-trailing", "E_FORMAT"},
              {"bad-zstd-skippable", "E_FORMAT"}, {"bad-zstd-codec", "E_UNSUPPORTED"}};
    for (size_t i = 0; i < sizeof zv / sizeof zv[0]; i++) {
        zb fr = {.n = 0};
        switch (i) {
        case 0: /* a window of 1 GiB (decoders would reserve it) */
            zb_head(&fr, 0x80, 20 << 3, 2000, 4);
            zb_rle(&fr, 2000, 0, true);
            break;
        case 1: /* declares 1 GiB */
            zb_head(&fr, 0xa0, -1, 1u << 30, 4);
            zb_rle(&fr, 2000, 0, true);
            break;
        case 2: /* declares 2000 bytes, then 16 blocks of 64 KiB (1 MiB) */
            zb_head(&fr, 0x80, 6 << 3, 2000, 4);
            for (int k = 0; k < 16; k++)
                zb_rle(&fr, 65536, 0, k == 15);
            break;
        case 3: /* a fine frame, then a skippable frame */
            zb_head(&fr, 0xa0, -1, 2000, 4);
            zb_rle(&fr, 2000, 0, true);
            zb_le(&fr, 0x184D2A50u, 4);
            zb_le(&fr, 4, 4);
            zb_le(&fr, 0xdeadbeef, 4);
            break;
        case 4: /* only a skippable frame */
            zb_le(&fr, 0x184D2A53u, 4);
            zb_le(&fr, 8, 4);
            zb_le(&fr, 0, 8);
            break;
        default: /* a codec no reader knows (the frame itself is fine) */
            zb_head(&fr, 0xa0, -1, 2000, 4);
            zb_rle(&fr, 2000, 0, true);
            break;
        }
        uint8_t zero[2000] = {0};
        rchunk zc[1];
        rchunk_make(&zc[0], zero, sizeof zero, fr.b, fr.n);
        json_t *c2 = json_pack("{s:s, s:s, s:i}", "name", "img", "type", "image", "size", 2000);
        b = assemble(zstd_manifest(json_pack("[o]", c2), i == 5 ? "lz4" : "zstd"), CHUNK, zc, 1,
                     &len, &hl, hs);
        char fn[128], body[64];
        snprintf(fn, sizeof fn, "%s.otab", zv[i].name);
        write_file(dir, fn, b, len);
        snprintf(fn, sizeof fn, "%s.expect", zv[i].name);
        snprintf(body, sizeof body, "error %s\n", zv[i].err);
        write_expect(dir, fn, hs, hl, body);
        free(b);
    }
    /* format 3: the good bundle again (deflate) with the SPDX vector's list */
    size_t dl = 0;
    uint8_t *doc = tu_read("formats/vectors/sbom/spdx-2.3.json", &dl);
    assert_non_null(doc);
    ota_sbom sb;
    assert_int_equal(ota_sbom_parse(doc, dl, &sb, NULL), OTA_OK);
    free(doc);
    cfg.codec = OTA_BUNDLE_DEFLATE;
    cfg.level = 0;
    assert_int_equal(ota_bundle_writer_new(&cfg, &w), OTA_OK);
    assert_int_equal(ota_bundle_writer_add_tree(w, "app", t, false), OTA_OK);
    assert_int_equal(ota_bundle_writer_add_image(w, "boot", p), OTA_OK);
    assert_int_equal(ota_bundle_writer_add_sbom(w, &sb), OTA_OK);
    ota_sbom_free(&sb);
    fd = memfd_create("v", 0);
    assert_int_equal(ota_bundle_writer_finish(w, fd, &total, &hl, hs), OTA_OK);
    ota_bundle_writer_free(w);
    b = malloc(total);
    assert_int_equal(pread(fd, b, total, 0), (ssize_t) total);
    close(fd);
    vrec v3 = {.used = 0};
    sink.user = &v3;
    msrc s3 = {.p = b, .len = total};
    rc.read_user = &s3;
    rc.head_sha256 = hs;
    rc.head_length = hl;
    assert_int_equal(ota_bundle_reader_new(&rc, &r), OTA_OK);
    assert_int_equal(ota_bundle_reader_run(r), OTA_OK);
    ota_bundle_reader_free(r);
    assert_int_equal(strncmp(v3.list, v.list, strlen(v.list)), 0); /* the same, then the list */
    write_file(dir, "good-sbom-tree-image.otab", b, total);
    write_expect(dir, "good-sbom-tree-image.expect", hs, hl, v3.list);
    /* its last stored byte (the list's chunk) changed */
    b[total - 1] ^= 0x01;
    write_file(dir, "bad-sbom-flip.otab", b, total);
    write_expect(dir, "bad-sbom-flip.expect", hs, hl, "error E_HASH\n");
    free(b);
    /* crafted, every hash right: an image of 2000 zeros and a list (raw
     * chunks), the list in format 2 and the list first */
    size_t ll = 0;
    uint8_t *list = tu_read("formats/vectors/sbom/spdx-2.3.list.json", &ll);
    assert_non_null(list);
    uint8_t zero2[2000] = {0};
    for (int k = 0; k < 2; k++) {
        rchunk rc3[2];
        json_t *ci = json_pack("{s:s, s:s, s:i}", "name", "img", "type", "image", "size", 2000);
        json_t *cl = json_pack("{s:s, s:s, s:I}", "name", "sbom", "type", "sbom", "size",
                               (json_int_t) ll);
        json_t *m3 = zstd_manifest(k == 0 ? json_pack("[o,o]", ci, cl) : json_pack("[o,o]", cl, ci),
                                   "deflate");
        if (k == 1)
            json_object_set_new(m3, "format", json_integer(3));
        rchunk_make(&rc3[k == 0 ? 0 : 1], zero2, sizeof zero2, zero2, sizeof zero2);
        rchunk_make(&rc3[k == 0 ? 1 : 0], list, ll, list, ll);
        b = assemble(m3, CHUNK, rc3, 2, &len, &hl, hs);
        const char *name = k == 0 ? "bad-sbom-format2" : "bad-sbom-first";
        char fn[128];
        snprintf(fn, sizeof fn, "%s.otab", name);
        write_file(dir, fn, b, len);
        snprintf(fn, sizeof fn, "%s.expect", name);
        write_expect(dir, fn, hs, hl, "error E_FORMAT\n");
        free(b);
    }
    free(list);
    /* format 4: the good bundle again (deflate), its tree in the delta
     * layout with a non-zero mtime (BUNDLE.md "Tree layout for delta
     * updates") */
    cfg.codec = OTA_BUNDLE_DEFLATE;
    cfg.level = 0;
    cfg.delta_trees = true;
    cfg.mtime = 1700000000;
    assert_int_equal(ota_bundle_writer_new(&cfg, &w), OTA_OK);
    assert_int_equal(ota_bundle_writer_add_tree(w, "app", t, false), OTA_OK);
    assert_int_equal(ota_bundle_writer_add_image(w, "boot", p), OTA_OK);
    fd = memfd_create("v", 0);
    assert_int_equal(ota_bundle_writer_finish(w, fd, &total, &hl, hs), OTA_OK);
    ota_bundle_writer_free(w);
    b = malloc(total);
    assert_int_equal(pread(fd, b, total, 0), (ssize_t) total);
    close(fd);
    assert_int_equal(b[8] | b[9] | b[10], 0);
    assert_int_equal(b[11], 4); /* format 4 */
    vrec v4 = {.used = 0};
    sink.user = &v4;
    msrc s4 = {.p = b, .len = total};
    rc.read_user = &s4;
    rc.head_sha256 = hs;
    rc.head_length = hl;
    assert_int_equal(ota_bundle_reader_new(&rc, &r), OTA_OK);
    assert_int_equal(ota_bundle_reader_run(r), OTA_OK);
    ota_bundle_reader_free(r);
    assert_string_equal(v4.list, v.list); /* the same contents */
    write_file(dir, "good-delta-tree-image.otab", b, total);
    write_expect(dir, "good-delta-tree-image.expect", hs, hl, v4.list);
    /* crafted from it by editing the manifest (same length), the header's
     * digest and the head hash recomputed: every hash right */
    uint64_t ml4 = 0, tl4 = 0;
    for (int k = 0; k < 8; k++) {
        ml4 = ml4 << 8 | b[24 + k];
        tl4 = tl4 << 8 | b[32 + k];
    }
    char *man4 = (char *) b + OTA_BUNDLE_HEADER_LEN;
    for (int k = 0; k < 2; k++) {
        uint8_t *c4 = malloc(total);
        memcpy(c4, b, total);
        char *m4 = (char *) c4 + OTA_BUNDLE_HEADER_LEN;
        const char *key = k == 0 ? "\"mtime\":1700000000" : "\"format\":4";
        char *at = memmem(man4, ml4, key, strlen(key));
        assert_non_null(at);
        /* k 0: the manifest's mtime one more than its entries';
         * k 1: format 3 (header and manifest) with the tree's mtime key */
        m4[at - man4 + strlen(key) - 1] = k == 0 ? '1' : '3';
        if (k == 1)
            c4[11] = 3;
        ota_sha256(c4 + OTA_BUNDLE_HEADER_LEN, ml4 + tl4, c4 + 48);
        ota_sha256(c4, hl, hs);
        const char *name = k == 0 ? "bad-delta-mtime" : "bad-delta-format3-mtime";
        char fn[128];
        snprintf(fn, sizeof fn, "%s.otab", name);
        write_file(dir, fn, c4, total);
        snprintf(fn, sizeof fn, "%s.expect", name);
        write_expect(dir, fn, hs, hl, "error E_FORMAT\n");
        free(c4);
    }
    free(b);
}

static void
test_gen_vectors_if_asked(void **state)
{
    (void) state;
    const char *dir = getenv("OTA_BUNDLE_GEN_VECTORS");
    if (dir != NULL) /* otherwise nothing to do */
        gen_vectors(dir);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip_every_source_shape),
        cmocka_unit_test(test_manifest_fields),
        cmocka_unit_test(test_reproducible_any_thread_count),
        cmocka_unit_test(test_head_flips_rejected_before_parsing),
        cmocka_unit_test(test_payload_flips_never_reach_sink),
        cmocka_unit_test(test_truncations_rejected),
        cmocka_unit_test(test_trailing_bytes_and_wrong_lengths),
        cmocka_unit_test(test_source_errors_propagate),
        cmocka_unit_test(test_resume_at_checkpoint),
        cmocka_unit_test(test_crafted_good_tree_accepted),
        cmocka_unit_test(test_hostile_archives_refused),
        cmocka_unit_test(test_tree_counts_enforced),
        cmocka_unit_test(test_decompression_bomb_stopped),
        cmocka_unit_test(test_crafted_inconsistencies),
        cmocka_unit_test(test_header_limits),
        cmocka_unit_test(test_untrusted_oversize_header_refused_early),
        cmocka_unit_test(test_manifest_validation),
        cmocka_unit_test(test_path_rules),
        cmocka_unit_test(test_writer_refuses_unsafe_inputs),
        cmocka_unit_test(test_writer_config_checked),
        cmocka_unit_test(test_target_custom),
        cmocka_unit_test(test_memory_does_not_grow_with_size),
        cmocka_unit_test(test_zstd_roundtrip),
        cmocka_unit_test(test_zstd_reproducible),
        cmocka_unit_test(test_zstd_hostile_frames),
        cmocka_unit_test(test_zstd_format_versions),
        cmocka_unit_test(test_gen_vectors_if_asked),
        cmocka_unit_test(test_vectors),
        /* after the vector generator: they draw from rnd() */
        cmocka_unit_test(test_tree_resume_vector),
        cmocka_unit_test(test_tree_resume_many_files),
        cmocka_unit_test(test_tree_resume_after_breaks),
        cmocka_unit_test(test_tree_resume_bad_points),
        cmocka_unit_test(test_tree_resume_tampered_chunk),
        cmocka_unit_test(test_tree_resume_keeps_order_state),
        cmocka_unit_test(test_tree_resume_pax_global),
        cmocka_unit_test(test_tree_resume_at_chunk_edges),
        cmocka_unit_test(test_local_every_chunk),
        cmocka_unit_test(test_local_some_chunks),
        cmocka_unit_test(test_local_stale_copies),
        cmocka_unit_test(test_local_lengths),
        cmocka_unit_test(test_local_resume),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
