/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Bundle format 3: the package list (SBOM) as the bundle's last component
 * (formats/BUNDLE.md "SBOM component", formats/SBOM.md "In a bundle").
 *
 * Written by the writer (ota_bundle_writer_add_sbom), read back from the
 * file by ota_bundle_sbom_read against a trusted head hash, delivered by the
 * streaming reader as a component of type sbom; and refused: a tampered
 * chunk, a wrong head hash, a truncated or extended file, no list, and
 * manifests that break the rules (format 2, twice, not last, another name,
 * alone, too large) — the latter in hand-made bundles whose every hash is
 * right, so only the rule can stop them.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "ota_bundle.h"
#include "ota_bundle_int.h"
#include "ota_hash.h"
#include "ota_limits.h"
#include "ota_sbom.h"
#include "ota_util.h"
#include "testutil.h"

#define CHUNK (64u * 1024u)

static char work[256];

static int
setup(void **state)
{
    (void) state;
    snprintf(work, sizeof work, "/tmp/ota-test-bsbom-XXXXXX");
    return mkdtemp(work) != NULL ? 0 : -1;
}

static int
teardown(void **state)
{
    (void) state;
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", work);
    return system(cmd) == 0 ? 0 : -1;
}

static void
write_file(const char *path, const uint8_t *buf, size_t len)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    if (len)
        assert_int_equal(fwrite(buf, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

static uint8_t *
read_file(const char *path, size_t *len)
{
    uint8_t *b = NULL;
    assert_int_equal(ota_file_read(path, 64u << 20, &b, len), OTA_OK);
    return b;
}

/* The SPDX vector's list. */
static void
vector_list(ota_sbom *s, uint8_t **canon, size_t *canon_len)
{
    size_t n = 0;
    uint8_t *doc = tu_read("formats/vectors/sbom/spdx-2.3.json", &n);
    assert_non_null(doc);
    assert_int_equal(ota_sbom_parse(doc, n, s, NULL), OTA_OK);
    free(doc);
    if (canon != NULL) {
        *canon = tu_read("formats/vectors/sbom/spdx-2.3.list.json", canon_len);
        assert_non_null(*canon);
    }
}

/* A bundle of a 150000-byte image (3 chunks) and, when with_sbom, the
 * vector's list; written to work/NAME.  Returns its head hash. */
static void
build(const char *name, bool with_sbom, ota_bundle_codec codec, uint8_t head_sha[32],
      char *path, size_t path_cap)
{
    char img[512];
    snprintf(img, sizeof img, "%s/img.bin", work);
    static uint8_t data[150000];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (uint8_t) (i * 7 + i / 1000);
    write_file(img, data, sizeof data);
    const char *hw[] = {"board-a"};
    ota_bundle_writer_config cfg = {.size = sizeof cfg,
                                    .name = "fw",
                                    .version = "1.0.0",
                                    .hardware = hw,
                                    .nhardware = 1,
                                    .chunk_size = CHUNK,
                                    .jobs = 2,
                                    .tmp_dir = work,
                                    .codec = codec};
    ota_bundle_writer *w = NULL;
    assert_int_equal(ota_bundle_writer_new(&cfg, &w), OTA_OK);
    assert_int_equal(ota_bundle_writer_add_image(w, "kernel", img), OTA_OK);
    if (with_sbom) {
        ota_sbom s;
        vector_list(&s, NULL, NULL);
        assert_int_equal(ota_bundle_writer_add_sbom(w, &s), OTA_OK);
        ota_sbom_free(&s);
    }
    snprintf(path, path_cap, "%s/%s", work, name);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    assert_true(fd >= 0);
    assert_int_equal(ota_bundle_writer_finish(w, fd, NULL, NULL, head_sha), OTA_OK);
    close(fd);
    ota_bundle_writer_free(w);
}

static ota_err
read_list(const char *path, const uint8_t head_sha[32], ota_sbom *s, const char **why)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    assert_true(fd >= 0);
    ota_err rc = ota_bundle_sbom_read(fd, head_sha, s, why);
    close(fd);
    return rc;
}

/* a sink that records the components the streaming reader delivers */
typedef struct rec {
    int sbom_begin;
    uint64_t sbom_bytes;
    uint64_t image_bytes;
} rec;

static ota_err
rec_begin(void *u, const ota_bundle_component *c, uint64_t from)
{
    (void) from;
    rec *r = u;
    if (c->type == OTA_BUNDLE_SBOM)
        r->sbom_begin++;
    return OTA_OK;
}

static ota_err
rec_write(void *u, const ota_bundle_component *c, uint64_t off, const uint8_t *buf, size_t len)
{
    (void) off;
    (void) buf;
    rec *r = u;
    if (c->type == OTA_BUNDLE_SBOM)
        r->sbom_bytes += len;
    else
        r->image_bytes += len;
    return OTA_OK;
}

typedef struct fsrc {
    FILE *f;
} fsrc;

static ota_err
fsrc_read(void *u, uint8_t *buf, size_t cap, size_t *got)
{
    fsrc *s = u;
    *got = fread(buf, 1, cap, s->f);
    return ferror(s->f) ? OTA_E_IO : OTA_OK;
}

static void
test_roundtrip(void **state)
{
    (void) state;
    for (int k = 0; k < 2; k++) {
        ota_bundle_codec codec = k == 0 ? OTA_BUNDLE_DEFLATE : OTA_BUNDLE_ZSTD;
        char path[512];
        uint8_t hs[32];
        build("b3.ota", true, codec, hs, path, sizeof path);
        /* format 3 in the header and the manifest, "compression" present */
        ota_bundle_head *h = NULL;
        assert_int_equal(ota_bundle_head_read_file(path, &h), OTA_OK);
        assert_int_equal(h->header.format, 3);
        assert_int_equal(h->manifest->format, 3);
        assert_int_equal(h->manifest->codec, codec);
        assert_int_equal(h->manifest->ncomponents, 2);
        const ota_bundle_component *c = &h->manifest->components[1];
        assert_int_equal(c->type, OTA_BUNDLE_SBOM);
        assert_string_equal(c->name, "sbom");
        assert_string_equal(ota_bundle_ctype_name(c->type), "sbom");
        ota_bundle_head_free(h);
        /* the list read back is the vector's, byte for byte */
        ota_sbom s, want;
        uint8_t *canon = NULL, *enc = NULL;
        size_t canon_len = 0, enc_len = 0;
        vector_list(&want, &canon, &canon_len);
        const char *why = NULL;
        assert_int_equal(read_list(path, hs, &s, &why), OTA_OK);
        assert_string_equal(s.source, "spdx-2.3");
        assert_int_equal(s.npkgs, want.npkgs);
        assert_int_equal(ota_sbom_encode(&s, &enc, &enc_len), OTA_OK);
        assert_int_equal(enc_len, canon_len);
        assert_memory_equal(enc, canon, canon_len);
        free(enc);
        free(canon);
        ota_sbom_free(&s);
        /* the streaming reader verifies it and hands it over as an sbom */
        rec r = {0};
        ota_bundle_sink sk = {.user = &r, .component_begin = rec_begin, .image_write = rec_write};
        fsrc src = {fopen(path, "rb")};
        assert_non_null(src.f);
        ota_bundle_reader_config rc = {.size = sizeof rc, .read = fsrc_read, .read_user = &src,
                                       .sink = &sk};
        ota_bundle_reader *rd = NULL;
        assert_int_equal(ota_bundle_reader_new(&rc, &rd), OTA_OK);
        assert_int_equal(ota_bundle_reader_run(rd), OTA_OK);
        ota_bundle_reader_free(rd);
        fclose(src.f);
        assert_int_equal(r.sbom_begin, 1);
        assert_int_equal(r.sbom_bytes, canon_len);
        assert_int_equal(r.image_bytes, 150000);
        /* the TUF target's custom field names the list */
        json_t *custom = NULL;
        assert_int_equal(ota_bundle_target_custom(path, &custom), OTA_OK);
        json_t *b = json_object_get(custom, "ota_bundle");
        assert_int_equal(json_integer_value(json_object_get(b, "format")), 3);
        json_t *sb = json_object_get(b, "sbom");
        assert_non_null(sb);
        assert_string_equal(json_string_value(json_object_get(sb, "source")), "spdx-2.3");
        assert_int_equal(json_integer_value(json_object_get(sb, "packages")),
                         (json_int_t) want.npkgs);
        uint8_t lsha[32];
        char hex[65];
        size_t vl = 0;
        uint8_t *v = tu_read("formats/vectors/sbom/spdx-2.3.list.json", &vl);
        ota_sha256(v, vl, lsha);
        free(v);
        ota_hex_encode(lsha, 32, hex);
        assert_string_equal(json_string_value(json_object_get(sb, "sha256")), hex);
        /* and a client accepts format 3 from it */
        uint64_t hl = 0;
        uint8_t hsha[32];
        assert_int_equal(ota_bundle_custom_head(custom, &hl, hsha), OTA_OK);
        assert_memory_equal(hsha, hs, 32);
        json_decref(custom);
        ota_sbom_free(&want);
    }
}

static void
test_package_count(void **state)
{
    (void) state;
    char path[512];
    uint8_t hs[32];
    build("cnt.ota", true, OTA_BUNDLE_DEFLATE, hs, path, sizeof path);
    ota_sbom want;
    vector_list(&want, NULL, NULL);
    json_t *custom = NULL;
    assert_int_equal(ota_bundle_target_custom(path, &custom), OTA_OK);
    json_t *sb = json_object_get(json_object_get(custom, "ota_bundle"), "sbom");
    assert_int_equal(json_integer_value(json_object_get(sb, "packages")), (json_int_t) want.npkgs);
    assert_true(want.npkgs > 0);
    json_decref(custom);
    ota_sbom_free(&want);
}

/* Without a list: formats 1 and 2 exactly as before, and no list to read. */
static void
test_no_sbom(void **state)
{
    (void) state;
    char path[512];
    uint8_t hs[32];
    for (int k = 0; k < 2; k++) {
        build("b1.ota", false, k == 0 ? OTA_BUNDLE_DEFLATE : OTA_BUNDLE_ZSTD, hs, path,
              sizeof path);
        ota_bundle_head *h = NULL;
        assert_int_equal(ota_bundle_head_read_file(path, &h), OTA_OK);
        assert_int_equal(h->header.format, k == 0 ? 1 : 2);
        ota_bundle_head_free(h);
        ota_sbom s;
        memset(&s, 0x5a, sizeof s);
        const char *why = NULL;
        assert_int_equal(read_list(path, hs, &s, &why), OTA_E_NOT_FOUND);
        assert_int_equal(s.npkgs, 0);
        assert_null(s.pkgs);
        assert_non_null(why);
        json_t *custom = NULL;
        assert_int_equal(ota_bundle_target_custom(path, &custom), OTA_OK);
        assert_null(json_object_get(json_object_get(custom, "ota_bundle"), "sbom"));
        json_decref(custom);
    }
}

static void
test_wrong_head(void **state)
{
    (void) state;
    char path[512];
    uint8_t hs[32];
    build("wh.ota", true, OTA_BUNDLE_DEFLATE, hs, path, sizeof path);
    hs[31] ^= 1;
    ota_sbom s;
    const char *why = NULL;
    assert_int_equal(read_list(path, hs, &s, &why), OTA_E_HASH);
    assert_non_null(strstr(why, "head"));
    assert_int_equal(s.npkgs, 0);
}

/* Every byte of the list's stored chunk changed in turn (a sample): the
 * chunk's hash stops it. */
static void
test_tampered_chunk(void **state)
{
    (void) state;
    char path[512];
    uint8_t hs[32];
    build("tc.ota", true, OTA_BUNDLE_DEFLATE, hs, path, sizeof path);
    size_t len = 0;
    uint8_t *b = read_file(path, &len);
    ota_bundle_head *h = NULL;
    assert_int_equal(ota_bundle_head_read_file(path, &h), OTA_OK);
    const ota_bundle_component *c = &h->manifest->components[1];
    uint64_t off = h->head_len;
    for (uint32_t i = 0; i < c->first_chunk; i++)
        off += otab_get32(h->table + (size_t) i * OTA_BUNDLE_ENTRY_LEN);
    assert_true(off < len);
    ota_bundle_head_free(h);
    size_t step = (len - off) / 37 + 1;
    for (size_t p = off; p < len; p += step) {
        b[p] ^= 0x40;
        write_file(path, b, len);
        ota_sbom s;
        const char *why = NULL;
        assert_int_equal(read_list(path, hs, &s, &why), OTA_E_HASH);
        assert_non_null(strstr(why, "package list"));
        b[p] ^= 0x40;
    }
    /* an earlier component's chunk is not read at all */
    b[off - 1] ^= 0x40;
    write_file(path, b, len);
    ota_sbom s;
    assert_int_equal(read_list(path, hs, &s, NULL), OTA_OK);
    ota_sbom_free(&s);
    free(b);
}

static void
test_truncated(void **state)
{
    (void) state;
    char path[512];
    uint8_t hs[32];
    build("tr.ota", true, OTA_BUNDLE_DEFLATE, hs, path, sizeof path);
    size_t len = 0;
    uint8_t *b = read_file(path, &len);
    ota_sbom s;
    const char *why = NULL;
    /* one byte short, one byte more, cut inside the head, cut in the header */
    write_file(path, b, len - 1);
    assert_int_equal(read_list(path, hs, &s, &why), OTA_E_LENGTH);
    uint8_t *more = malloc(len + 1);
    memcpy(more, b, len);
    more[len] = 0;
    write_file(path, more, len + 1);
    assert_int_equal(read_list(path, hs, &s, &why), OTA_E_LENGTH);
    free(more);
    write_file(path, b, 200);
    assert_int_equal(read_list(path, hs, &s, &why), OTA_E_LENGTH);
    write_file(path, b, 40);
    assert_int_equal(read_list(path, hs, &s, &why), OTA_E_LENGTH);
    write_file(path, b, 0);
    assert_int_equal(read_list(path, hs, &s, &why), OTA_E_FORMAT);
    assert_int_equal(s.npkgs, 0);
    free(b);
}

/* ---- hand-made bundles: raw chunks, every hash right ------------------------- */

/* A bundle of manifest `man` and payload bytes pay[len] (the components'
 * bytes back to back, each cut at CHUNK, stored raw); writes it to work/x.ota
 * and its head hash to hs. */
static void
craft(const char *man, const uint64_t *sizes, size_t ncomp, const uint8_t *pay, char *path,
      size_t cap, uint8_t hs[32])
{
    ota_buf tab = {.max = 1u << 20};
    size_t pos = 0, nchunks = 0;
    for (size_t i = 0; i < ncomp; i++) {
        for (uint64_t o = 0; o < sizes[i]; o += CHUNK) {
            size_t n = sizes[i] - o < CHUNK ? (size_t) (sizes[i] - o) : CHUNK;
            uint8_t sha[32], e[OTA_BUNDLE_ENTRY_LEN];
            ota_sha256(pay + pos, n, sha);
            ota_bundle_chunk_encode((uint32_t) n, sha, sha, e);
            assert_int_equal(ota_buf_append(&tab, e, sizeof e), OTA_OK);
            pos += n;
            nchunks++;
        }
    }
    size_t mlen = strlen(man);
    ota_bundle_header h = {.format = 3,
                           .chunk_size = CHUNK,
                           .chunk_count = (uint32_t) nchunks,
                           .manifest_len = mlen,
                           .table_len = tab.len,
                           .payload_len = pos};
    {
        /* the "format" member of the manifest decides the header's */
        const char *f = strstr(man, "\"format\":");
        assert_non_null(f);
        h.format = (uint32_t) (f[9] - '0');
    }
    uint8_t *mt = malloc(mlen + tab.len + 1);
    memcpy(mt, man, mlen);
    if (tab.len)
        memcpy(mt + mlen, tab.p, tab.len);
    ota_sha256(mt, mlen + tab.len, h.digest);
    uint8_t hb[OTA_BUNDLE_HEADER_LEN];
    ota_bundle_header_encode(&h, hb);
    size_t hl = sizeof hb + mlen + tab.len;
    uint8_t *file = malloc(hl + pos + 1);
    memcpy(file, hb, sizeof hb);
    memcpy(file + sizeof hb, mt, mlen + tab.len);
    if (pos)
        memcpy(file + hl, pay, pos);
    ota_sha256(file, hl, hs);
    snprintf(path, cap, "%s/x.ota", work);
    write_file(path, file, hl + pos);
    free(file);
    free(mt);
    ota_buf_free(&tab);
}

#define MAN_HEAD "{\"chunk_size\":65536,\"components\":["
#define MAN_TAIL(fmt) "],\"compression\":\"deflate\",\"format\":" fmt ",\"hardware\":[\"board-a\"],\"name\":\"fw\",\"type\":\"ota-bundle\",\"version\":\"1.0.0\"}"
#define IMG(n) "{\"name\":\"kernel\",\"size\":" #n ",\"type\":\"image\"}"
#define SBOM(name, n) "{\"name\":\"" name "\",\"size\":" #n ",\"type\":\"sbom\"}"

static void
test_manifest_rules(void **state)
{
    (void) state;
    size_t vl = 0;
    uint8_t *v = tu_read("formats/vectors/sbom/spdx-2.3.list.json", &vl);
    assert_non_null(v);
    char man[1024];
    static struct {
        const char *comps, *fmt;
        ota_err want;
    } cases[] = {
        /* the good one: read back below */
        {IMG(100) "," SBOM("sbom", VL), "3", OTA_OK},
        /* in format 2 a reader of this revision refuses the type */
        {IMG(100) "," SBOM("sbom", VL), "2", OTA_E_FORMAT},
        /* not last */
        {SBOM("sbom", VL) "," IMG(100), "3", OTA_E_FORMAT},
        /* alone: nothing to install */
        {SBOM("sbom", VL), "3", OTA_E_FORMAT},
        /* another name */
        {IMG(100) "," SBOM("packages", VL), "3", OTA_E_FORMAT},
        /* twice (under two names: one of them is not "sbom"; and the same
         * name twice is a duplicate) */
        {IMG(100) "," SBOM("sbom", VL) "," SBOM("sbom2", VL), "3", OTA_E_FORMAT},
        {IMG(100) "," SBOM("sbom", VL) "," SBOM("sbom", VL), "3", OTA_E_FORMAT},
        /* empty */
        {IMG(100) "," SBOM("sbom", 0), "3", OTA_E_FORMAT},
        /* over the list's bound */
        {IMG(100) "," SBOM("sbom", 4194305), "3", OTA_E_LIMIT},
        /* format 5 is not this reader's; 4 is (the delta layout) */
        {IMG(100) "," SBOM("sbom", VL), "5", OTA_E_UNSUPPORTED},
        {IMG(100) "," SBOM("sbom", VL), "4", OTA_OK},
    };
    uint8_t *img = calloc(1, 100);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char comps[512];
        /* VL: the list's length */
        const char *s = cases[i].comps;
        size_t o = 0;
        while (*s != '\0') {
            if (s[0] == 'V' && s[1] == 'L') {
                o += (size_t) snprintf(comps + o, sizeof comps - o, "%zu", vl);
                s += 2;
            } else {
                comps[o++] = *s++;
            }
        }
        comps[o] = '\0';
        snprintf(man, sizeof man, MAN_HEAD "%s],\"compression\":\"deflate\",\"format\":%s,"
                                  "\"hardware\":[\"board-a\"],\"name\":\"fw\",\"type\":"
                                  "\"ota-bundle\",\"version\":\"1.0.0\"}",
                 comps, cases[i].fmt);
        ota_bundle_manifest *m = NULL;
        ota_err rc = ota_bundle_manifest_parse((const uint8_t *) man, strlen(man), &m);
        if (rc != cases[i].want)
            print_error("case %zu: %s\n", i, man);
        assert_int_equal(rc, cases[i].want);
        ota_bundle_manifest_free(m);
    }
    /* the good case as a whole file: read back */
    snprintf(man, sizeof man, MAN_HEAD IMG(100) ",{\"name\":\"sbom\",\"size\":%zu,\"type\":\"sbom\"}" MAN_TAIL("3"), vl);
    uint8_t *pay = malloc(100 + vl);
    memcpy(pay, img, 100);
    memcpy(pay + 100, v, vl);
    uint64_t sizes[2] = {100, vl};
    char path[512];
    uint8_t hs[32];
    craft(man, sizes, 2, pay, path, sizeof path, hs);
    ota_sbom s;
    assert_int_equal(read_list(path, hs, &s, NULL), OTA_OK);
    ota_sbom_free(&s);
    /* the same in format 2: refused before any chunk is read */
    snprintf(man, sizeof man, MAN_HEAD IMG(100) ",{\"name\":\"sbom\",\"size\":%zu,\"type\":\"sbom\"}" MAN_TAIL("2"), vl);
    craft(man, sizes, 2, pay, path, sizeof path, hs);
    const char *why = NULL;
    assert_int_equal(read_list(path, hs, &s, &why), OTA_E_FORMAT);
    assert_non_null(strstr(why, "head"));
    /* a list whose hashes are right but whose bytes are not canonical (a
     * signer's bug, a stolen key): the strict decoder stops it */
    uint8_t *bad = malloc(vl + 1);
    memcpy(bad, v, vl);
    bad[vl] = ' ';
    pay = realloc(pay, 100 + vl + 1);
    assert_non_null(pay);
    memcpy(pay + 100, bad, vl + 1);
    sizes[1] = vl + 1;
    snprintf(man, sizeof man, MAN_HEAD IMG(100) ",{\"name\":\"sbom\",\"size\":%zu,\"type\":\"sbom\"}" MAN_TAIL("3"), vl + 1);
    craft(man, sizes, 2, pay, path, sizeof path, hs);
    why = NULL;
    ota_err rc = read_list(path, hs, &s, &why);
    assert_true(rc == OTA_E_FORMAT || rc == OTA_E_JSON);
    assert_int_equal(s.npkgs, 0);
    /* a list one byte past the bound, every hash right: refused from the
     * head, before a chunk of it is read */
    size_t big = OTA_SBOM_MAX_LIST_SIZE + 1;
    pay = realloc(pay, 100 + big);
    assert_non_null(pay);
    memset(pay + 100, ' ', big);
    sizes[1] = big;
    snprintf(man, sizeof man, MAN_HEAD IMG(100) ",{\"name\":\"sbom\",\"size\":%zu,\"type\":\"sbom\"}" MAN_TAIL("3"), big);
    craft(man, sizes, 2, pay, path, sizeof path, hs);
    assert_int_equal(read_list(path, hs, &s, &why), OTA_E_LIMIT);
    assert_int_equal(s.npkgs, 0);
    free(bad);
    free(pay);
    free(img);
    free(v);
}

/* The writer: the list comes last, once, after something to install. */
static void
test_writer_rules(void **state)
{
    (void) state;
    const char *hw[] = {"board-a"};
    ota_bundle_writer_config cfg = {.size = sizeof cfg, .name = "fw", .version = "1.0.0",
                                    .hardware = hw, .nhardware = 1, .chunk_size = CHUNK,
                                    .jobs = 1, .tmp_dir = work};
    ota_sbom s;
    vector_list(&s, NULL, NULL);
    ota_bundle_writer *w = NULL;
    assert_int_equal(ota_bundle_writer_new(&cfg, &w), OTA_OK);
    assert_int_equal(ota_bundle_writer_add_sbom(w, &s), OTA_E_ARG);
    ota_bundle_writer_free(w);
    char img[512];
    snprintf(img, sizeof img, "%s/one.bin", work);
    write_file(img, (const uint8_t *) "x", 1);
    assert_int_equal(ota_bundle_writer_new(&cfg, &w), OTA_OK);
    assert_int_equal(ota_bundle_writer_add_image(w, "kernel", img), OTA_OK);
    assert_int_equal(ota_bundle_writer_add_sbom(w, &s), OTA_OK);
    assert_int_equal(ota_bundle_writer_add_image(w, "other", img), OTA_E_ARG);
    assert_non_null(strstr(ota_bundle_writer_error(w), "last"));
    ota_bundle_writer_free(w);
    ota_sbom_free(&s);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip),      cmocka_unit_test(test_package_count),
        cmocka_unit_test(test_no_sbom),        cmocka_unit_test(test_wrong_head),
        cmocka_unit_test(test_tampered_chunk), cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_manifest_rules), cmocka_unit_test(test_writer_rules),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
