/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ota_bundle.h — update bundles: one file, one TUF target.
 *
 *     bundle = header (80 B) | manifest (canonical JSON) | chunk table | chunks
 *
 * The byte layout, limits and versioning are specified in formats/BUNDLE.md;
 * this header is the C interface to it:
 *
 *  - format helpers (header and table entries, manifest, archive path
 *    rules) shared by the writer, the reader and the tools; names, hardware
 *    ids and versions follow ota_id.h;
 *  - the writer (ota_bundle_writer_*): used by `ota-sign bundle`; streams its
 *    inputs, compresses chunks on several threads, output independent of
 *    the thread count;
 *  - the streaming reader (ota_bundle_reader_*): used by the device client
 *    and `ota-sign verify-bundle`; pulls bytes from a source callback,
 *    checks the head against a trusted SHA-256, then checks every chunk
 *    before zlib or libarchive sees it, and hands verified image bytes and
 *    file-tree entries to a sink.  No thread, no buffer of the whole bundle.
 *
 * Nothing here keeps global state; every function is safe to call from
 * several threads on different objects.
 */
#ifndef OTA_BUNDLE_H
#define OTA_BUNDLE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ota_err.h"
#include "ota_hash.h" /* OTA_SHA256_LEN */
#include "ota_id.h" /* names, hardware ids, versions: ota_id_valid, ota_semver_* */
#include "ota_sbom.h" /* the package list a format-3 bundle carries */

#ifdef __cplusplus
extern "C" {
#endif

/* ---- wire constants (BUNDLE.md "Header", "Chunk table") ------------------ */

/* 8 bytes: 0x89 "OTABUN" 0x0a.  The high byte catches 7-bit transfers, the
 * newline catches text-mode conversion (as PNG's signature does). */
#define OTA_BUNDLE_MAGIC "\x89OTABUN\n"
#define OTA_BUNDLE_MAGIC_LEN 8u
/* The newest format this library reads and writes (3: format 2 plus a
 * component of type "sbom"; 2: a codec in the manifest, zstd chunks); it
 * still reads formats 1 and 2 and writes the oldest format that holds what
 * it is given: 1 for deflate, 2 for zstd, 3 only with an SBOM, so deployed
 * readers of format 1 or 2 keep reading what they can (BUNDLE.md
 * "Versioning"). */
#define OTA_BUNDLE_FORMAT_VERSION 4u
/* The first format with an "sbom" component. */
#define OTA_BUNDLE_FORMAT_SBOM 3u
/* The first format with trees in the delta layout (BUNDLE.md "Tree layout
 * for delta updates"): a tree component carries "mtime". */
#define OTA_BUNDLE_FORMAT_DELTA 4u
#define OTA_BUNDLE_FORMAT_MIN 1u
#define OTA_BUNDLE_HEADER_LEN 80u
/* compressed length (u32 BE) | SHA-256 compressed | SHA-256 uncompressed */
#define OTA_BUNDLE_ENTRY_LEN 68u

/* ---- header ------------------------------------------------------------- */

typedef struct ota_bundle_header {
    uint32_t format;       /* OTA_BUNDLE_FORMAT_MIN .. OTA_BUNDLE_FORMAT_VERSION */
    uint32_t flags;        /* 0 in formats 1 to 3 (reserved: encrypted payloads) */
    uint32_t chunk_size;   /* uncompressed bytes per chunk */
    uint32_t chunk_count;  /* table entries */
    uint64_t manifest_len; /* bytes of canonical JSON */
    uint64_t table_len;    /* chunk_count * OTA_BUNDLE_ENTRY_LEN */
    uint64_t payload_len;  /* sum of compressed chunk lengths */
    uint8_t digest[32];    /* SHA-256(manifest || table): corruption check only */
} ota_bundle_header;

/*
 * Decode the first OTA_BUNDLE_HEADER_LEN bytes of buf[len].  Checks magic,
 * format version, flags, chunk size, counts and lengths against
 * ota_limits.h and each other.  Errors: len too short or wrong magic
 * OTA_E_FORMAT; other format version or flags OTA_E_UNSUPPORTED; a value
 * over a limit OTA_E_LIMIT; inconsistent lengths OTA_E_FORMAT.  *h is
 * written only on success.
 */
OTA_API OTA_NODISCARD ota_err ota_bundle_header_decode(const uint8_t *buf, size_t len,
                                                       ota_bundle_header *h);

/* Encode h into out[OTA_BUNDLE_HEADER_LEN] (big-endian fields). */
OTA_API void ota_bundle_header_encode(const ota_bundle_header *h,
                                      uint8_t out[OTA_BUNDLE_HEADER_LEN]);

/* ---- chunk table entries ------------------------------------------------- */

/* How a chunk with clen < ulen is compressed: one codec per bundle, named
 * in the signed manifest (format 2 "compression"; format 1 is deflate). */
typedef enum ota_bundle_codec {
    OTA_BUNDLE_CODEC_DEFAULT = 0, /* writer config only: OTA_BUNDLE_DEFLATE */
    OTA_BUNDLE_DEFLATE = 1,       /* raw deflate (RFC 1951), zlib */
    OTA_BUNDLE_ZSTD = 2,          /* one zstd frame (RFC 8878) per chunk, libzstd */
} ota_bundle_codec;

/* The writer's zstd level when the config says 0 (bench/RESULTS.md "bundle"). */
#define OTA_BUNDLE_ZSTD_DEFAULT_LEVEL 19

/* "deflate" / "zstd" (the manifest's spelling), NULL for another value. */
OTA_API const char *ota_bundle_codec_name(ota_bundle_codec c);

/* Compression levels the writer accepts per codec (zlib 1..9, zstd 1..19)
 * and the default when the config says 0 (6 and 9).  false for an unknown
 * codec. */
OTA_API bool ota_bundle_codec_levels(ota_bundle_codec c, int *min, int *max, int *dflt);

typedef struct ota_bundle_chunk {
    uint32_t clen;          /* stored (compressed) length; == ulen means stored raw */
    uint32_t ulen;          /* uncompressed length (derived from the manifest) */
    uint64_t offset;        /* offset of the chunk from the start of the bundle */
    uint32_t component;     /* index of the component it belongs to */
    uint64_t comp_offset;   /* offset of its uncompressed bytes in the component */
    uint8_t csha[32];       /* SHA-256 of the stored bytes */
    uint8_t usha[32];       /* SHA-256 of the uncompressed bytes */
} ota_bundle_chunk;

/* Encode one table entry into out[OTA_BUNDLE_ENTRY_LEN]. */
OTA_API void ota_bundle_chunk_encode(uint32_t clen, const uint8_t csha[32], const uint8_t usha[32],
                                     uint8_t out[OTA_BUNDLE_ENTRY_LEN]);

/* ---- manifest ------------------------------------------------------------ */

typedef enum ota_bundle_ctype {
    OTA_BUNDLE_TREE = 1,  /* pax tar stream, extracted into a slot */
    OTA_BUNDLE_IMAGE = 2, /* raw bytes written to a slot at their offset */
    /* format 3: the canonical package list (SBOM.md), never installed: at
     * most one, named "sbom", the last component, 1..OTA_SBOM_MAX_LIST_SIZE
     * bytes (BUNDLE.md "SBOM component") */
    OTA_BUNDLE_SBOM = 3,
} ota_bundle_ctype;

/* The name of the sbom component (there is no other). */
#define OTA_BUNDLE_SBOM_NAME "sbom"

/* "tree", "image", "sbom" (the manifest's spelling), "?" for another value. */
OTA_API const char *ota_bundle_ctype_name(ota_bundle_ctype t);

typedef enum ota_bundle_hook {
    OTA_BUNDLE_PRE_INSTALL = 0,
    OTA_BUNDLE_POST_INSTALL = 1,
} ota_bundle_hook;
#define OTA_BUNDLE_NHOOKS 2

typedef struct ota_bundle_component {
    const char *name;     /* an id (ota_id_valid): the slot class it goes to */
    ota_bundle_ctype type;
    bool rootfs;          /* tree: absolute symlink targets resolve in the tree */
    uint64_t size;        /* uncompressed bytes (image bytes / tar stream) */
    uint64_t entries;     /* tree: archive entries (exact) */
    uint64_t unpacked;    /* tree: sum of regular file sizes (exact) */
    int64_t mtime;        /* tree, format 4: every entry's mtime (delta layout); else -1 */
    uint32_t first_chunk; /* derived: index of its first chunk */
    uint32_t nchunks;     /* ceil(size / chunk_size) */
} ota_bundle_component;

/* A parsed, validated manifest.  Every pointer is owned by it. */
typedef struct ota_bundle_manifest {
    uint32_t format;
    ota_bundle_codec codec;       /* format 1: deflate; formats 2, 3: "compression" */
    const char *name;
    const char *version;          /* semantic version 2.0.0 */
    const char *created;          /* "YYYY-MM-DDTHH:MM:SSZ" or NULL when not given */
    const char *const *hardware;  /* sorted, distinct */
    size_t nhardware;
    uint32_t chunk_size;
    uint32_t nchunks;             /* sum over components */
    const ota_bundle_component *components;
    size_t ncomponents;
    const uint8_t *hook[OTA_BUNDLE_NHOOKS]; /* decoded scripts or NULL */
    size_t hook_len[OTA_BUNDLE_NHOOKS];
} ota_bundle_manifest;

/*
 * Parse and validate manifest bytes buf[len] (which must already be
 * authenticated).  Requires: strict JSON that is exactly its own canonical
 * encoding, every key known, every value in range (BUNDLE.md "Manifest").
 * Errors: OTA_E_JSON, OTA_E_FORMAT (also: an "sbom" component in format 1
 * or 2, a second one, one not last or not named "sbom", or a bundle of
 * nothing else), OTA_E_LIMIT (an sbom component larger than
 * OTA_SBOM_MAX_LIST_SIZE), OTA_E_UNSUPPORTED (format field other than 1 to 3,
 * an unknown "compression" or component type), OTA_E_NOMEM.  *out (free with
 * ota_bundle_manifest_free) is written only on success.
 */
OTA_API OTA_NODISCARD ota_err ota_bundle_manifest_parse(const uint8_t *buf, size_t len,
                                                        ota_bundle_manifest **out);
/* NULL is a no-op. */
OTA_API void ota_bundle_manifest_free(ota_bundle_manifest *m);

/* True when hwid is one of m's hardware ids. */
OTA_API bool ota_bundle_manifest_has_hardware(const ota_bundle_manifest *m, const char *hwid);

/* ---- archive path rules (BUNDLE.md "File trees") ------------------------- */

/* Entry path: relative, '/'-separated, no empty, "." or ".." component, no
 * control character, valid UTF-8, at most OTA_BUNDLE_MAX_ENTRY_PATH bytes.
 * OTA_OK or OTA_E_UNSAFE. */
OTA_API OTA_NODISCARD ota_err ota_bundle_path_check(const char *path);

/* Symlink target of the entry at `path`: ".." only as leading components and
 * never above the tree root; absolute only when rootfs (then resolved from
 * the tree root).  OTA_OK or OTA_E_UNSAFE. */
OTA_API OTA_NODISCARD ota_err ota_bundle_link_check(const char *path, const char *target,
                                                    bool rootfs);

/* Order of entry paths in a tree: component by component, bytewise (a
 * depth-first walk with each directory's names sorted).  <0, 0, >0. */
OTA_API int ota_bundle_path_cmp(const char *a, const char *b);

/* ---- parsed head (header + manifest + table) ------------------------------ */

typedef struct ota_bundle_head {
    ota_bundle_header header;
    ota_bundle_manifest *manifest;
    const uint8_t *table;   /* header.table_len bytes, owned */
    uint64_t head_len;      /* OTA_BUNDLE_HEADER_LEN + manifest_len + table_len */
    uint8_t head_sha256[32];
    uint64_t total_len;     /* head_len + payload_len: the bundle file's length */
} ota_bundle_head;

/*
 * Parse an authenticated head buf[len] (len must be exactly the head's
 * length).  Checks the header, the internal digest, the manifest, and the
 * table against the manifest (chunk counts, every compressed length in
 * 1..ulen, their sum == payload_len).  buf is borrowed (copied).  Errors as
 * for the parts, OTA_E_HASH for a digest mismatch, OTA_E_LENGTH when len is
 * not the head's length.
 */
OTA_API OTA_NODISCARD ota_err ota_bundle_head_parse(const uint8_t *buf, size_t len,
                                                    ota_bundle_head **out);
OTA_API void ota_bundle_head_free(ota_bundle_head *h);

/* Table entry i (< header.chunk_count) with its derived fields. */
OTA_API OTA_NODISCARD ota_err ota_bundle_head_chunk(const ota_bundle_head *h, uint32_t i,
                                                    ota_bundle_chunk *c);

/*
 * Read and parse the head of the bundle file at path, without a trusted
 * hash (tools: inspect, add).  Also checks the file's length is exactly
 * total_len.  Not a bundle (short file or wrong magic): OTA_E_FORMAT.
 * Errors after the magic matched are never OTA_E_FORMAT: schema errors are
 * reported as OTA_E_UNSUPPORTED, so a caller can tell "not a bundle" from
 * "a broken bundle".  OTA_E_IO / OTA_E_NOT_FOUND for file errors.
 */
OTA_API OTA_NODISCARD ota_err ota_bundle_head_read_file(const char *path, ota_bundle_head **out);

/*
 * For `ota-sign add`: the JSON object to store as the TUF targets entry's
 * `custom` field when path is a bundle: {"ota_bundle": {format, name,
 * version, hardware, created?, chunk_size, chunks, head_length,
 * head_sha256, payload_length, components: [{name, type, size}],
 * sbom?: {source, packages, sha256}}} (BUNDLE.md "TUF targets custom
 * field").  Structural checks only (head digest, lengths) — except for the
 * sbom component of a format-3 bundle, which is read, verified against the
 * head and decoded (ota_bundle_sbom_read; its errors are returned);
 * `ota-sign verify-bundle` checks every chunk.
 * Not a bundle: OTA_E_FORMAT (treat it as a plain target); a broken bundle:
 * any other error.  *custom is a new reference, written only on success.
 */
OTA_API OTA_NODISCARD ota_err ota_bundle_target_custom(const char *path, json_t **custom);

/*
 * Client side of the above: from a targets entry's `custom` object (borrowed),
 * the trusted head length and SHA-256 to give the reader.  OTA_E_FORMAT
 * when custom has no valid "ota_bundle" member.
 */
OTA_API OTA_NODISCARD ota_err ota_bundle_custom_head(const json_t *custom, uint64_t *head_len,
                                                     uint8_t head_sha256[32]);

/* ---- writer ------------------------------------------------------------------ */

typedef struct ota_bundle_writer ota_bundle_writer;

typedef struct ota_bundle_writer_config {
    size_t size;                 /* sizeof(ota_bundle_writer_config) */
    const char *name;            /* borrowed; copied */
    const char *version;         /* semver; borrowed; copied */
    const char *const *hardware; /* nhardware ids (sorted and de-duplicated by the writer) */
    size_t nhardware;
    const char *created;         /* RFC 3339 "...Z" or NULL: no creation time in the manifest */
    int64_t mtime;               /* mtime of every tree entry (normalised), >= 0 */
    uint32_t chunk_size;         /* 0: OTA_BUNDLE_DEFAULT_CHUNK_SIZE */
    int level;                   /* per codec (ota_bundle_codec_levels), 0: its default */
    unsigned jobs;               /* compression threads, 0: online CPUs */
    const char *tmp_dir;         /* where the payload is staged (unlinked file); NULL: "." */
    /* Called on the writer's thread after each chunk is read; may be NULL. */
    void (*progress)(void *user, uint64_t bytes_in);
    void *progress_user;
    /* 0 / OTA_BUNDLE_DEFLATE: format 1 (readable by every reader);
     * OTA_BUNDLE_ZSTD: format 2 (readers of format 2 and later). */
    ota_bundle_codec codec;
    /* Trees in the delta layout (format 4, readers of format 4 and later;
     * mtime <= OTA_TAR_MAX_MTIME): a device regenerates the chunks it
     * already holds (BUNDLE.md "Tree layout for delta updates"). */
    bool delta_trees;
} ota_bundle_writer_config;

/*
 * A writer.  Memory: (2 x jobs + 2) x 2 x chunk_size for chunk buffers, the
 * table (68 B per chunk), and one directory listing per level of the tree
 * being walked; independent of file sizes.  Errors: OTA_E_ARG for a bad
 * config field (name, version, hardware id, chunk size, level), OTA_E_IO
 * when the staging file cannot be made, OTA_E_NOMEM.
 */
OTA_API OTA_NODISCARD ota_err ota_bundle_writer_new(const ota_bundle_writer_config *cfg,
                                                    ota_bundle_writer **out);

/*
 * Add the file tree under dir as component `name` (pax tar: sorted, owner
 * 0:0, mtime from the config, permission bits kept, no xattrs).  Refuses
 * with OTA_E_UNSAFE (message in ota_bundle_writer_error()): device nodes,
 * fifos, sockets, symlinks escaping the tree (absolute ones unless rootfs),
 * names with control characters or invalid UTF-8.  Hard links are stored as
 * separate files.  OTA_E_IO (with message) for unreadable files or files
 * that change while being read; OTA_E_LIMIT for too many entries, chunks or
 * too deep a tree.  After an error the writer can only be freed.
 */
OTA_API OTA_NODISCARD ota_err ota_bundle_writer_add_tree(ota_bundle_writer *w, const char *name,
                                                         const char *dir, bool rootfs);

/* Add the bytes of the file (or block device) at path as image component
 * `name`.  Read sequentially to its end. */
OTA_API OTA_NODISCARD ota_err ota_bundle_writer_add_image(ota_bundle_writer *w, const char *name,
                                                          const char *path);

/*
 * Add the package list s as the bundle's "sbom" component (its canonical
 * encoding, ota_sbom_encode): the bundle is then format 3, which readers of
 * formats 1 and 2 refuse.  Must be the last component added (adding another
 * one afterwards is OTA_E_ARG), at most once.  OTA_E_LIMIT when the encoded
 * list is larger than OTA_SBOM_MAX_LIST_SIZE.
 */
OTA_API OTA_NODISCARD ota_err ota_bundle_writer_add_sbom(ota_bundle_writer *w, const ota_sbom *s);

/* Set a hook script (borrowed, copied; at most OTA_BUNDLE_MAX_HOOK bytes). */
OTA_API OTA_NODISCARD ota_err ota_bundle_writer_set_hook(ota_bundle_writer *w, ota_bundle_hook which,
                                                         const uint8_t *script, size_t len);

/*
 * Write the bundle to out_fd (at its current position) and report its
 * total length and the head's length and SHA-256 (any may be NULL).  The
 * caller fsyncs and renames.  At least one component is required
 * (OTA_E_ARG).
 */
OTA_API OTA_NODISCARD ota_err ota_bundle_writer_finish(ota_bundle_writer *w, int out_fd,
                                                       uint64_t *total_len, uint64_t *head_len,
                                                       uint8_t head_sha256[32]);

/* One line describing the last error (path and reason), or "". */
OTA_API const char *ota_bundle_writer_error(const ota_bundle_writer *w);

/* The format the bundle has with the components added so far (the oldest
 * that holds it: formats/BUNDLE.md "Versioning"). */
OTA_API uint32_t ota_bundle_writer_format(const ota_bundle_writer *w);

/* NULL is a no-op.  Stops the threads and removes the staging file. */
OTA_API void ota_bundle_writer_free(ota_bundle_writer *w);

/* ---- streaming reader --------------------------------------------------------- */

/*
 * Source: copy the next 1..cap bytes of the bundle into buf, set *got.
 * *got = 0 means end of stream.  May block (e.g. drive curl_multi_perform
 * until bytes arrive).  Any error is returned as is by the reader.
 */
typedef ota_err (*ota_bundle_read_fn)(void *user, uint8_t *buf, size_t cap, size_t *got);

/*
 * Source, optional: the next n (>= 1) bytes of the bundle are not needed;
 * the next read must return the byte n past the current position (a
 * network source closes and reopens with a Range request at the new offset,
 * or reads and drops a small gap: its choice).  It must fail (OTA_E_LENGTH
 * suggested) rather than succeed when fewer than n bytes are left: the
 * reader never sees skipped bytes, and at the end of a bundle whose last
 * chunks were local it checks the source's length only by calling skip and
 * then asking for one more byte, which must be the end of the stream (a
 * network source knows the length from the signed target or Content-Range).
 * Called with the read function's user pointer.  Any error is returned as
 * is by the reader.
 */
typedef ota_err (*ota_bundle_skip_fn)(void *user, uint64_t n);

/*
 * Local chunk provider, optional (BUNDLE.md "Chunks from elsewhere"): asked
 * for chunk `index` (of ota_bundle_reader_head(), already verified: use
 * ota_bundle_head_chunk for its component and offset) before its stored
 * bytes are read from the source.  usha is the table's SHA-256 of its
 * uncompressed bytes, ulen their length.  When the provider holds a copy
 * (e.g. in the active slot) it writes exactly ulen bytes to buf (room for
 * ulen, valid during the call only) and sets *found; else it leaves *found
 * false (buf is then ignored).  The reader uses the copy only when
 * SHA-256(buf) equals usha (constant-time compare), exactly as it would use
 * the chunk inflated from the source; a copy that does not match is stale,
 * not an error of the bundle: counted (ota_bundle_reader_local_rejected)
 * and the chunk is read from the source.  An error from the provider stops
 * the reader, which returns it as is.
 */
typedef ota_err (*ota_bundle_local_fn)(void *user, uint32_t index, const uint8_t usha[32],
                                       uint32_t ulen, uint8_t *buf, bool *found);

typedef enum ota_bundle_etype {
    OTA_BUNDLE_FILE = 1,
    OTA_BUNDLE_DIR = 2,
    OTA_BUNDLE_SYMLINK = 3,
} ota_bundle_etype;

/* One checked archive entry; pointers valid during the callback only. */
typedef struct ota_bundle_entry {
    const char *path;   /* passed ota_bundle_path_check, no trailing '/' */
    ota_bundle_etype type;
    uint32_t mode;      /* permission bits (07777) */
    uint64_t size;      /* regular files: bytes that entry_data will deliver */
    const char *link;   /* symlinks: target, passed ota_bundle_link_check */
    int64_t mtime;
} ota_bundle_entry;

/*
 * Sink: where verified data goes.  Every callback may be NULL (ignored) and
 * gets `user` unchanged; returning an error stops the reader, which returns
 * that error.  No byte reaches a callback before its chunk's SHA-256 (and
 * the head's) has been checked.  An sbom component (format 3) is delivered
 * as an image is (component_begin, image_write, component_end), with
 * c->type OTA_BUNDLE_SBOM: an installer verifies it and drops the bytes.
 */
/*
 * A resume point (BUNDLE.md "Resume"): everything before it has been
 * delivered to the sink, nothing after it has.
 *
 *  - Chunk boundary (after an image chunk, at the end of a component, at the
 *    start of the bundle): next_chunk and bundle_offset; skip, entries and
 *    bytes are 0 and the paths "" / NULL.
 *  - Inside a tree, before an entry (once the previous entry's entry_end
 *    returned, before this entry's entry_begin): the tar stream restarts at
 *    the entry's first header block (its pax extended header when it has
 *    one), which lies in chunk next_chunk, `skip` bytes into its
 *    uncompressed data; entries / bytes / prev_path / last_nondir are the
 *    tree checks' state there, so the counts, the order and "nothing below a
 *    link or a file" hold across the restart.  At least one entry of the
 *    tree was delivered (entries >= 1, prev_path not empty).
 */
typedef struct ota_bundle_resume {
    uint32_t next_chunk;     /* chunk to read first (chunk_count: all done) */
    uint64_t bundle_offset;  /* file offset of that chunk */
    uint32_t skip;           /* tree: uncompressed bytes of next_chunk before the entry */
    uint64_t entries;        /* tree: entries of the component already delivered */
    uint64_t bytes;          /* tree: regular-file bytes already delivered */
    const char *prev_path;   /* tree: last entry delivered, "" or NULL for none */
    const char *last_nondir; /* tree: last non-directory entry delivered, "" or NULL */
} ota_bundle_resume;

typedef struct ota_bundle_sink {
    void *user;
    /* The head is verified: decide (hardware, version) before any data. */
    ota_err (*manifest)(void *user, const ota_bundle_manifest *m);
    /* A component starts.  from > 0 when resuming inside it: images, the
     * offset of the first byte image_write will get; trees, the tar stream
     * offset of the resume point, i.e. entries before it were delivered by
     * an earlier run (expect their files to exist).  0: from its start. */
    ota_err (*component_begin)(void *user, const ota_bundle_component *c, uint64_t from);
    /* Image bytes for offset off of the component (one verified chunk). */
    ota_err (*image_write)(void *user, const ota_bundle_component *c, uint64_t off,
                           const uint8_t *buf, size_t len);
    /* A file-tree entry; then entry_data (files only) and entry_end. */
    ota_err (*entry_begin)(void *user, const ota_bundle_component *c, const ota_bundle_entry *e);
    ota_err (*entry_data)(void *user, const uint8_t *buf, size_t len);
    ota_err (*entry_end)(void *user);
    /* Every chunk of the component verified and delivered. */
    ota_err (*component_end)(void *user, const ota_bundle_component *c);
    /* Chunk `index` passed its checks (progress). */
    ota_err (*chunk_verified)(void *user, uint32_t index, uint64_t bundle_offset_end);
    /* A resume point: everything before it has been delivered to the sink;
     * a reader restarted with cfg.resume = *r continues from there (the
     * strings are borrowed for the call: copy them).  Emitted after every
     * image chunk, before every tree entry but a run's first, and at the end
     * of every component: cheap, the sink decides which to persist. */
    ota_err (*checkpoint)(void *user, const struct ota_bundle_resume *r);
} ota_bundle_sink;

typedef struct ota_bundle_reader ota_bundle_reader;

typedef struct ota_bundle_reader_config {
    size_t size;                /* sizeof(ota_bundle_reader_config) */
    ota_bundle_read_fn read;    /* required */
    void *read_user;
    const ota_bundle_sink *sink; /* borrowed; NULL: verify only */
    /* Trusted head from signed metadata (ota_bundle_custom_head).  NULL only
     * for tools that check a bundle's self-consistency (verify-bundle
     * without an anchor): then the header is read first. */
    const uint8_t *head_sha256;
    uint64_t head_length;
    size_t max_head;            /* 0: OTA_BUNDLE_MAX_HEAD */
    uint32_t max_chunk_size;    /* 0: OTA_BUNDLE_MAX_CHUNK_SIZE */
    /*
     * Resume (borrowed for ota_bundle_reader_new, copied with its strings):
     * the source delivers the head (from offset 0), then continues at
     * resume->bundle_offset.  Must be what a checkpoint reported for this
     * bundle.  NULL: from the start.  Checked: paths longer than
     * OTA_BUNDLE_MAX_ENTRY_PATH or not valid entry paths (reader_new), and
     * against the head in run(): next_chunk <= chunk_count, bundle_offset
     * its offset, tree state only inside a tree (skip < the chunk's length,
     * 1 <= entries <= the component's, bytes <= unpacked, prev_path set,
     * last_nondir not after it), else OTA_E_ARG.  A point that does not
     * match the stream fails its verification (OTA_E_FORMAT, OTA_E_UNSAFE,
     * counts at the component's end).
     */
    const ota_bundle_resume *resume;
    /*
     * Chunks from elsewhere (delta groundwork; BUNDLE.md "Chunks from
     * elsewhere").  local_chunk NULL: every chunk comes from the source.
     * Otherwise each chunk is asked of local_chunk first; for one taken
     * locally the reader does not need its stored bytes and, just before it
     * next needs a source byte (the next chunk from the source or the end
     * of the bundle), passes the total of all such bytes since the last
     * source read to skip in one call (consecutive local chunks make one
     * skip).  skip NULL: the reader reads and drops those bytes itself
     * (correct, no saving).  The head always comes from the source, checked
     * first; checkpoints count skipped bytes as consumed, so bundle_offset
     * is the same with or without a provider.
     */
    ota_bundle_local_fn local_chunk;
    void *local_user;
    ota_bundle_skip_fn skip;    /* called with read_user */
} ota_bundle_reader_config;

/* cfg is copied (the sink pointer is kept).  OTA_E_ARG for a bad config. */
OTA_API OTA_NODISCARD ota_err ota_bundle_reader_new(const ota_bundle_reader_config *cfg,
                                                    ota_bundle_reader **out);

/*
 * Read the whole bundle.  Order of checks: head length against the trusted
 * one and the limits (OTA_E_LIMIT / OTA_E_LENGTH), head SHA-256
 * (OTA_E_HASH), header/manifest/table (OTA_E_FORMAT, OTA_E_JSON,
 * OTA_E_UNSUPPORTED), then per chunk: SHA-256 of the stored bytes
 * (OTA_E_HASH) before decompressing, decompressed length (OTA_E_LIMIT: bomb;
 * zstd: also a declared content size above the chunk's length or a window
 * above the chunk size; OTA_E_FORMAT: a frame that is not exactly one zstd
 * frame of the chunk's length without checksum or dictionary) and
 * SHA-256 (OTA_E_HASH) — or, for a chunk from cfg.local_chunk, the
 * SHA-256 of its bytes (a mismatch falls back to the source); per tree
 * entry OTA_E_UNSAFE / OTA_E_LIMIT (entries or bytes beyond the manifest's
 * counts); truncation or trailing bytes OTA_E_LENGTH (after applying a
 * pending skip).  Memory: head + 2 x chunk size + the decoder (zlib ~44 KiB,
 * zstd ~94 KiB: one-shot decoding into the chunk buffer, no window buffer)
 * + libarchive, see ota_bundle_reader_memory().  Call once.
 */
OTA_API OTA_NODISCARD ota_err ota_bundle_reader_run(ota_bundle_reader *r);

/* The verified head, once run() got past it; else NULL. */
OTA_API const ota_bundle_head *ota_bundle_reader_head(const ota_bundle_reader *r);

/* The last resume point reached that needs no tree state (a chunk boundary,
 * see ota_bundle_resume): chunk and file offset.  Entry-level points inside a
 * tree only go through the sink's checkpoint. */
OTA_API void ota_bundle_reader_resume_point(const ota_bundle_reader *r, uint32_t *next_chunk,
                                            uint64_t *bundle_offset);

/* Chunks verified so far (local ones included), bytes pulled from the
 * source so far (the head, chunks, bytes read and dropped for want of a
 * skip function, the end-of-stream probe). */
OTA_API uint32_t ota_bundle_reader_chunks_verified(const ota_bundle_reader *r);
OTA_API uint64_t ota_bundle_reader_bytes_read(const ota_bundle_reader *r);

/* Local chunk provider: bytes passed to cfg.skip (not downloaded), chunks
 * taken from the provider (hash matched), chunks it offered whose hash did
 * not match (stale copies, fetched from the source instead). */
OTA_API uint64_t ota_bundle_reader_bytes_skipped(const ota_bundle_reader *r);
OTA_API uint32_t ota_bundle_reader_local_used(const ota_bundle_reader *r);
OTA_API uint32_t ota_bundle_reader_local_rejected(const ota_bundle_reader *r);

/* Bytes of buffers the reader itself allocated (head, chunk buffers, the
 * decoder state), the peak of the run; libarchive's own state excluded. */
OTA_API size_t ota_bundle_reader_memory(const ota_bundle_reader *r);

/* NULL is a no-op. */
OTA_API void ota_bundle_reader_free(ota_bundle_reader *r);

/* ---- the package list of a format-3 bundle ----------------------------------- */

/*
 * Read the package list of the bundle file open on fd (read with pread
 * only; the file position is not used) whose head is trusted to hash to
 * head_sha256 (the signed targets entry's custom.ota_bundle.head_sha256).
 * In order: the header's fixed-width fields (bounded before use), the head
 * read and its SHA-256 compared in constant time (OTA_E_HASH), parsed, the
 * sbom component found (none: OTA_E_NOT_FOUND with *out empty), each of its
 * chunks read, checked against the head's table before and after
 * decompression (OTA_E_HASH), the file's end checked (OTA_E_LENGTH:
 * truncated or trailing bytes), and the list decoded strictly
 * (ota_sbom_decode: its errors).  Memory: the head, 2 x chunk size, the
 * list (at most OTA_SBOM_MAX_LIST_SIZE).  On error *out is empty and *why
 * (may be NULL) a constant phrase.  The caller frees *out (ota_sbom_free).
 */
OTA_API OTA_NODISCARD ota_err ota_bundle_sbom_read(int fd, const uint8_t head_sha256[OTA_SHA256_LEN],
                                                   ota_sbom *out, const char **why);

#ifdef __cplusplus
}
#endif
#endif
