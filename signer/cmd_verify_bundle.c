/* SPDX-License-Identifier: Apache-2.0 */
/* ota-sign verify-bundle: stream a bundle through the device's reader. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../client/src/slot.h"
#include "bundle_util.h"
#include "cli.h"
#include "ota_atomic.h"
#include "ota_bundle.h"
#include "ota_json.h"
#include "ota_limits.h"
#include "ota_util.h"

static void
help(FILE *out)
{
    fprintf(out,
            "usage: ota-sign verify-bundle [--head-sha256 HEX --head-length N] [--sha256 HEX]\n"
            "                              [--targets FILE --target PATH] [--hardware ID]\n"
            "                              [--extract DIR [--allow-setuid]] [--quiet] FILE\n"
            "\n"
            "Reads FILE exactly as a device does (formats/ota_bundle_reader.c): the head is\n"
            "checked against the trusted SHA-256, then every chunk's SHA-256 is checked before\n"
            "it is decompressed (deflate, or zstd: one frame, its header checked first), every\n"
            "decompressed chunk against its length and SHA-256, and every\n"
            "file-tree entry against the path rules (no absolute or '..' paths, devices,\n"
            "escaping links, duplicates).  Without an anchor the head is checked against its\n"
            "own digest only (self-consistency, not authenticity).\n"
            "\n"
            "      --head-sha256 HEX   trusted SHA-256 of header+manifest+table (from the\n"
            "      --head-length N     targets entry's custom.ota_bundle)\n"
            "      --sha256 HEX        expected SHA-256 of the whole file\n"
            "      --targets FILE      take head, length and SHA-256 from this TUF targets\n"
            "      --target PATH       metadata's entry PATH (signatures not checked here:\n"
            "                          that is `ota-sign verify`)\n"
            "      --hardware ID       also require ID in the bundle's hardware list\n"
            "      --extract DIR       write what a device would install into DIR (existing):\n"
            "                          trees to DIR/NAME/ (new or empty), images to\n"
            "                          DIR/NAME.img (new); nothing already there is\n"
            "                          followed, opened or merged; set-id bits dropped\n"
            "      --allow-setuid      keep setuid/setgid bits in extracted trees (as a slot\n"
            "                          with allow-setuid = true does)\n"
            "  -q, --quiet             print nothing on success\n"
            "\n"
            "Exit: 0 valid, 2 usage, 4 invalid (hash, length, format, unsafe entry, wrong\n"
            "hardware), 6 file system.\n");
}

typedef struct vctx {
    const char *hardware;
    bool hw_mismatch;
    bu_progress *prog;
} vctx;

static ota_err
on_manifest(void *user, const ota_bundle_manifest *m)
{
    vctx *v = user;
    if (v->hardware != NULL && !ota_bundle_manifest_has_hardware(m, v->hardware)) {
        v->hw_mismatch = true;
        return OTA_E_UNSUPPORTED;
    }
    return OTA_OK;
}

/*
 * --extract: what a device installs, through the device's own slot writers
 * (client/src/slot.h): trees into DIR/NAME/ with otac_dir (never through a
 * link, even one left in DIR by an earlier extraction), images into
 * DIR/NAME.img with otac_raw, read back against the chunk table.
 *
 * DIR is any directory, perhaps shared or holding an earlier extraction, so
 * nothing already in it is trusted: a tree goes into DIR/NAME only when that
 * directory is new or empty (so an earlier tree's links are never in the
 * way, and the result is exactly what the bundle holds), an image only into
 * a new DIR/NAME.img (O_EXCL: a planted fifo cannot block, a planted hard
 * link cannot carry the write outside DIR).  Set-id bits are dropped unless
 * --allow-setuid (a device keeps them only in a slot that allows them).  No
 * resume; the tree is not fsync'd (a check, not an install).
 */
typedef struct extract {
    const char *dir;
    int dir_fd;
    bool allow_setuid;
    ota_bundle_reader **reader;              /* for the verified head */
    const char *comp;                        /* component being written */
    otac_dir *tree;
    otac_raw *img;
    uint8_t *scratch;                        /* one chunk, for the read-back */
    uint64_t entries, bytes;
    char err[1024];
} extract;

/* The reader's sink: verification state and the extractor (NULL: none). */
typedef struct chain {
    vctx *v;
    extract *x;
} chain;

/* Keep the failing writer's message: "<component>: <op> <path>: <reason>". */
static ota_err
x_fail(extract *x, ota_err rc, const char *msg)
{
    if (rc != OTA_OK && x->err[0] == '\0')
        snprintf(x->err, sizeof x->err, "%s: %s", x->comp ? x->comp : x->dir,
                 msg != NULL && msg[0] != '\0' ? msg : ota_strerror(rc));
    return rc;
}

/* "a/b" + suffix, malloc'd (NULL: out of memory) */
static char *
join(const char *a, const char *b, const char *suffix)
{
    size_t n = strlen(a) + strlen(b) + strlen(suffix) + 2;
    char *p = malloc(n);
    if (p != NULL)
        snprintf(p, n, "%s/%s%s", a, b, suffix);
    return p;
}

static ota_err
x_begin(extract *x, const ota_bundle_component *c)
{
    ota_err rc = OTA_E_NOMEM;
    char *path = NULL;
    x->comp = c->name;
    char msg[512];
    if (c->type == OTA_BUNDLE_TREE) {
        if (mkdirat(x->dir_fd, c->name, 0755) != 0 && errno != EEXIST) {
            rc = x_fail(x, ota_errno_err(errno), strerror(errno));
            goto out;
        }
        /* the one just made, or an empty one: opened O_NOFOLLOW beneath DIR */
        otac_dir_opts o = {.allow_setuid = x->allow_setuid, .require_empty = true};
        rc = otac_dir_open_at(x->dir_fd, c->name, &o, &x->tree);
        snprintf(msg, sizeof msg, "%s/%s: %s", x->dir, c->name,
                 rc == OTA_E_UNSAFE   ? "a symbolic link, refusing"
                 : rc == OTA_E_EXISTS ? "not empty, refusing (--extract writes a tree into a "
                                        "new or empty directory only)"
                                      : ota_strerror(rc));
        x_fail(x, rc, msg);
        goto out;
    }
    /* a new file (0644 less the umask): never anything already there */
    /* the package list (format 3) as the list it is, images as .img */
    if ((path = join(x->dir, c->name, c->type == OTA_BUNDLE_SBOM ? ".json" : ".img")) == NULL)
        goto out;
    rc = otac_raw_create(x->dir_fd, path + strlen(x->dir) + 1, path, 0644, &x->img);
    snprintf(msg, sizeof msg, "%s: %s", path,
             rc == OTA_E_EXISTS ? "exists, refusing (--extract writes a new image file only)"
                                : ota_strerror(rc));
    x_fail(x, rc, msg);
out:
    free(path);
    return rc;
}

static ota_err
x_end(extract *x, const ota_bundle_component *c)
{
    ota_err rc = OTA_OK;
    if (x->tree != NULL) {
        uint64_t n = 0, bytes = 0;
        otac_dir_counts(x->tree, &n, NULL, &bytes);
        x->entries += n;
        x->bytes += bytes;
        otac_dir_close(x->tree);
        x->tree = NULL;
    }
    if (x->img != NULL) {
        const ota_bundle_head *h = ota_bundle_reader_head(*x->reader);
        if (x->scratch == NULL && (x->scratch = malloc(h->header.chunk_size)) == NULL)
            return x_fail(x, OTA_E_NOMEM, NULL);
        if ((rc = otac_raw_finish(x->img, c->size)) == OTA_OK)
            rc = otac_raw_verify(x->img, h, c, x->scratch);
        x_fail(x, rc, otac_raw_error(x->img));
        otac_raw_close(x->img);
        x->img = NULL;
    }
    x->comp = NULL;
    return rc;
}

static ota_err
c_manifest(void *user, const ota_bundle_manifest *m)
{
    return on_manifest(((chain *) user)->v, m);
}
static ota_err
c_chunk(void *user, uint32_t i, uint64_t off)
{
    (void) i;
    bu_progress_update(((chain *) user)->v->prog, off);
    return OTA_OK;
}
static ota_err
c_begin(void *user, const ota_bundle_component *c, uint64_t from)
{
    extract *x = ((chain *) user)->x;
    (void) from; /* never resumed here */
    return x != NULL ? x_begin(x, c) : OTA_OK;
}
static ota_err
c_image(void *user, const ota_bundle_component *c, uint64_t off, const uint8_t *b, size_t n)
{
    extract *x = ((chain *) user)->x;
    (void) c;
    if (x == NULL)
        return OTA_OK;
    ota_err rc = otac_raw_write(x->img, off, b, n);
    if (rc == OTA_OK)
        x->bytes += n;
    return x_fail(x, rc, otac_raw_error(x->img));
}
static ota_err
c_entry(void *user, const ota_bundle_component *c, const ota_bundle_entry *e)
{
    extract *x = ((chain *) user)->x;
    (void) c;
    if (x == NULL)
        return OTA_OK;
    return x_fail(x, otac_dir_entry_begin(x->tree, e, false), otac_dir_error(x->tree));
}
static ota_err
c_data(void *user, const uint8_t *b, size_t n)
{
    extract *x = ((chain *) user)->x;
    if (x == NULL)
        return OTA_OK;
    return x_fail(x, otac_dir_entry_data(x->tree, b, n), otac_dir_error(x->tree));
}
static ota_err
c_eend(void *user)
{
    extract *x = ((chain *) user)->x;
    if (x == NULL)
        return OTA_OK;
    return x_fail(x, otac_dir_entry_end(x->tree), otac_dir_error(x->tree));
}
static ota_err
c_cend(void *user, const ota_bundle_component *c)
{
    extract *x = ((chain *) user)->x;
    return x != NULL ? x_end(x, c) : OTA_OK;
}

static bool
parse_hex32(const char *s, uint8_t out[32])
{
    size_t n = 0;
    return s != NULL && strlen(s) == 64 && ota_hex_decode(s, 64, out, 32, &n) == OTA_OK &&
           n == 32;
}

/* Trusted values from a targets file's entry (not signature-checked). */
static int
from_targets(const char *file, const char *target, uint8_t head_sha[32], uint64_t *head_len,
             uint8_t sha[32], uint64_t *len)
{
    FILE *f = fopen(file, "rb");
    if (f == NULL)
        return sign_error(errno == ENOENT ? SX_NOTFOUND : SX_IO, "verify-bundle: %s: %s", file,
                          strerror(errno));
    uint8_t *buf = malloc(OTA_MAX_METADATA_SIZE + 1);
    size_t n = buf ? fread(buf, 1, OTA_MAX_METADATA_SIZE + 1, f) : 0;
    fclose(f);
    json_t *doc = NULL;
    ota_err rc = buf ? ota_json_parse(buf, n, 0, &doc) : OTA_E_NOMEM;
    free(buf);
    if (rc != OTA_OK)
        return sign_fail(rc, "verify-bundle: %s", file);
    int ret = SX_VERIFY;
    json_t *entry = json_object_get(json_object_get(json_object_get(doc, "signed"), "targets"),
                                    target);
    json_t *custom = json_object_get(entry, "custom");
    json_t *jl = json_object_get(entry, "length");
    const char *hs = json_string_value(json_object_get(json_object_get(entry, "hashes"),
                                                       "sha256"));
    if (entry == NULL)
        sign_error(SX_VERIFY, "verify-bundle: %s has no target '%s'", file, target);
    else if (custom == NULL || ota_bundle_custom_head(custom, head_len, head_sha) != OTA_OK)
        sign_error(SX_VERIFY, "verify-bundle: target '%s' has no bundle head in custom", target);
    else if (!json_is_integer(jl) || json_integer_value(jl) < 0 || !parse_hex32(hs, sha))
        sign_error(SX_VERIFY, "verify-bundle: target '%s' has no length or sha256", target);
    else {
        *len = (uint64_t) json_integer_value(jl);
        ret = SX_OK;
    }
    json_decref(doc);
    return ret;
}

int
cmd_verify_bundle(int argc, char **argv)
{
    static const struct option opts[] = {
        {"head-sha256", required_argument, NULL, 'S'},
        {"head-length", required_argument, NULL, 'L'},
        {"sha256", required_argument, NULL, 's'},
        {"targets", required_argument, NULL, 'T'},
        {"target", required_argument, NULL, 't'},
        {"hardware", required_argument, NULL, 'H'},
        {"extract", required_argument, NULL, 'x'},
        {"allow-setuid", no_argument, NULL, 'U'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    uint8_t head_sha[32], file_sha[32], got_sha[32];
    bool have_head_sha = false, have_file_sha = false, quiet = false, allow_setuid = false;
    uint64_t head_len = 0, file_len = 0;
    bool have_head_len = false, have_file_len = false;
    const char *targets = NULL, *target = NULL, *extract_dir = NULL;
    vctx v = {NULL, false, NULL};
    int c;
    if (sign_wants_help(argc, argv)) {
        help(stdout);
        return SX_OK;
    }
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":qh", opts, NULL)) != -1) {
        switch (c) {
        case 'S':
            if (!parse_hex32(optarg, head_sha))
                return sign_error(SX_USAGE, "verify-bundle: --head-sha256 wants 64 hex digits");
            have_head_sha = true;
            break;
        case 'L':
            if (ota_parse_size(optarg, 0, UINT64_MAX, &head_len) != OTA_OK)
                return sign_error(SX_USAGE, "verify-bundle: --head-length wants a number");
            have_head_len = true;
            break;
        case 's':
            if (!parse_hex32(optarg, file_sha))
                return sign_error(SX_USAGE, "verify-bundle: --sha256 wants 64 hex digits");
            have_file_sha = true;
            break;
        case 'T': targets = optarg; break;
        case 't': target = optarg; break;
        case 'H': v.hardware = optarg; break;
        case 'x': extract_dir = optarg; break;
        case 'U': allow_setuid = true; break;
        case 'q': quiet = true; break;
        case ':':
            return sign_error(SX_USAGE, "verify-bundle: option %s needs a value",
                              argv[optind - 1]);
        default:
            return sign_error(SX_USAGE, "verify-bundle: unknown option '%s' (see --help)",
                              argv[optind - 1]);
        }
    }
    if (argc - optind != 1)
        return sign_error(SX_USAGE, "verify-bundle: want exactly one FILE (see --help)");
    if (allow_setuid && extract_dir == NULL)
        return sign_error(SX_USAGE, "verify-bundle: --allow-setuid goes with --extract");
    if (have_head_sha != have_head_len)
        return sign_error(SX_USAGE, "verify-bundle: --head-sha256 and --head-length go together");
    if ((targets == NULL) != (target == NULL) || (targets && have_head_sha))
        return sign_error(SX_USAGE, "verify-bundle: --targets needs --target (and replaces "
                                    "--head-sha256)");
    if (targets != NULL) {
        int r = from_targets(targets, target, head_sha, &head_len, file_sha, &file_len);
        if (r != SX_OK)
            return r;
        have_head_sha = have_file_sha = have_file_len = true;
    }
    const char *path = argv[optind];
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return sign_error(errno == ENOENT ? SX_NOTFOUND : SX_IO, "verify-bundle: %s: %s", path,
                          strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return sign_error(SX_INPUT, "verify-bundle: %s: not a regular file", path);
    }
    if (have_file_len && (uint64_t) st.st_size != file_len) {
        close(fd);
        return sign_error(SX_VERIFY, "verify-bundle: %s: length %lld, the targets entry says "
                                     "%llu", path, (long long) st.st_size,
                          (unsigned long long) file_len);
    }
    extract x;
    int ret = SX_FAIL;
    bool xopen = false;
    ota_bundle_reader *r = NULL;
    memset(&x, 0, sizeof x);
    x.dir_fd = -1;
    if (extract_dir != NULL) {
        x.dir = extract_dir;
        x.allow_setuid = allow_setuid;
        x.reader = &r;
        x.dir_fd = open(extract_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (x.dir_fd < 0) {
            int e = errno;
            close(fd);
            return sign_error(e == ENOENT ? SX_NOTFOUND : SX_IO, "verify-bundle: --extract %s: %s",
                              extract_dir, ota_strerror(e == ENOENT ? OTA_E_NOT_FOUND : OTA_E_IO));
        }
        xopen = true;
    }
    bu_progress prog;
    bu_progress_init(&prog, "verify", (uint64_t) st.st_size, quiet);
    v.prog = &prog;
    chain ch = {&v, xopen ? &x : NULL};
    ota_bundle_sink sink = {&ch, c_manifest, c_begin, c_image, c_entry, c_data, c_eend, c_cend,
                            c_chunk, NULL};
    bu_source src;
    if (bu_source_init(&src, fd) != OTA_OK) {
        ret = sign_fail(OTA_E_NOMEM, "verify-bundle: %s", path);
        goto out;
    }
    ota_bundle_reader_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.size = sizeof cfg;
    cfg.read = bu_source_read;
    cfg.read_user = &src;
    cfg.sink = &sink;
    cfg.head_sha256 = have_head_sha ? head_sha : NULL;
    cfg.head_length = head_len;
    ota_err rc = ota_bundle_reader_new(&cfg, &r);
    if (rc == OTA_OK)
        rc = ota_bundle_reader_run(r);
    bu_progress_done(&prog);
    if (rc != OTA_OK) {
        uint32_t vchunks = r ? ota_bundle_reader_chunks_verified(r) : 0;
        if (v.hw_mismatch)
            ret = sign_error(SX_VERIFY, "verify-bundle: %s: not for hardware '%s'", path,
                             v.hardware);
        else if (xopen && x.err[0] != '\0')
            /* something in the destination is in the way (exists, a link, not
             * empty), unless the disk is full or failed */
            ret = sign_error(rc == OTA_E_NOSPACE ? SX_NOSPACE
                             : rc == OTA_E_IO || rc == OTA_E_NOMEM ? SX_IO
                                                                   : SX_EXISTS,
                             "verify-bundle: --extract: %s", x.err);
        else if (rc == OTA_E_IO || rc == OTA_E_NOMEM)
            ret = sign_fail(rc, "verify-bundle: %s", path);
        else
            ret = sign_error(SX_VERIFY, "verify-bundle: %s: INVALID after %u verified chunks, "
                                        "at byte %llu: %s", path, vchunks,
                             (unsigned long long) (r ? ota_bundle_reader_bytes_read(r) : 0),
                             ota_strerror(rc));
        ota_hash_free(&src.sha);
        goto out;
    }
    if (bu_source_final(&src, got_sha) != OTA_OK) {
        ret = sign_fail(OTA_E_CRYPTO, "verify-bundle: %s: hashing", path);
        goto out;
    }
    if (have_file_sha && sodium_memcmp(got_sha, file_sha, 32) != 0) {
        ret = sign_error(SX_VERIFY, "verify-bundle: %s: SHA-256 of the file does not match",
                         path);
        goto out;
    }
    /* format 3: the package list, its chunks verified above, decoded strictly
     * as ota-server will (formats/SBOM.md) */
    const ota_bundle_head *vh = ota_bundle_reader_head(r);
    const ota_bundle_manifest *vm = vh->manifest;
    bool has_sbom = vm->components[vm->ncomponents - 1].type == OTA_BUNDLE_SBOM;
    ota_sbom sbom;
    memset(&sbom, 0, sizeof sbom);
    if (has_sbom) {
        const char *why = "";
        ota_err lrc = ota_bundle_sbom_read(fd, vh->head_sha256, &sbom, &why);
        if (lrc != OTA_OK) {
            ret = lrc == OTA_E_IO || lrc == OTA_E_NOMEM
                      ? sign_fail(lrc, "verify-bundle: %s: package list", path)
                      : sign_error(SX_VERIFY, "verify-bundle: %s: INVALID package list: %s (%s)",
                                   path, why, ota_err_name(lrc));
            goto out;
        }
    }
    if (!quiet) {
        const ota_bundle_head *h = ota_bundle_reader_head(r);
        char hex[65], a[32];
        ota_hex_encode(got_sha, 32, hex);
        printf("%s: OK %s %s — %u chunks verified%s\n", path, h->manifest->name,
               h->manifest->version, ota_bundle_reader_chunks_verified(r),
               have_head_sha ? " against the trusted head" : " (self-consistent; no anchor given)");
        printf("  sha256 %s, %llu bytes\n", hex, (unsigned long long) src.total);
        ota_hex_encode(h->head_sha256, 32, hex);
        printf("  head   %s, %llu bytes\n", hex, (unsigned long long) h->head_len);
        printf("  format %u, %s chunks\n", h->manifest->format,
               ota_bundle_codec_name(h->manifest->codec));
        if (has_sbom)
            printf("  sbom   %s, %zu packages\n", sbom.source, sbom.npkgs);
        printf("  reader memory %s\n", ota_human_size(ota_bundle_reader_memory(r), a));
        if (xopen)
            printf("  extracted %llu entries, %s into %s\n", (unsigned long long) x.entries,
                   ota_human_size(x.bytes, a), extract_dir);
    }
    ota_sbom_free(&sbom);
    ret = SX_OK;
out:
    ota_bundle_reader_free(r);
    if (xopen) {
        otac_dir_close(x.tree);
        otac_raw_close(x.img);
        free(x.scratch);
        close(x.dir_fd);
    }
    close(fd);
    return ret;
}
