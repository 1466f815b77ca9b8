/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer: libotaclient's whole update cycle (ota_client_refresh, target
 * lookups, listing and target streams) over a fake in-memory transport.
 *
 * Input: one mode byte, then files, each
 *     FF FE | name | LF | data
 * (the data runs to the next FF FE, which no JSON text holds: bytes can be
 * inserted into or cut from a file without breaking the framing; a name is
 * 1..255 bytes without NUL; at most MAX_FILES files).  A file
 * named "local/NAME" is put in the metadata directory as NAME before the
 * refresh (trusted copies from an earlier cycle); every other file is served
 * by the transport at metadata URL "mem://x/" + name, targets under
 * "mem://x/targets/" (a consistent-snapshot URL's VERSION. or HASH. prefix
 * is ignored when no file has that name: see lookup).  Anything not there
 * is a 404.
 *
 * The metadata directory (on /dev/shm: writes and fsyncs cost little) holds
 * a fixed, valid root built at startup: version 1, consistent snapshots,
 * root signed by one Ed25519 key, and the Ed25519 timestamp, snapshot and
 * targets keys of the tuf-js vectors (formats/vectors/tufjs, whose private
 * keys are copied below), so the committed tuf-js files are valid metadata
 * for it and the seeds reach past every signature check.
 *
 * Mode bits:
 *   0x01  re-sign: every metadata file's "signatures" is replaced by
 *         signatures over its (fuzzed) canonical "signed" with the keys of
 *         the tuf-js repository (root files: all four root keys; delegated
 *         roles: product-x's Ed25519 and hashed-bin's ECDSA key), so the
 *         fuzzer works on the parsers and checks behind the signatures, as
 *         fuzz_bundle fixes up the digest;
 *   0x02  fix up, with 0x01: snapshot / timestamp "meta" entries get the
 *         true length and SHA-256 of the files they name (when they list a
 *         length / hashes), targets entries those of the target files;
 *   0x04  fix up versions too: "meta" entries get the version inside the
 *         file they name;
 *   0x08  the transport has no fetch(): metadata goes through open/read/close;
 *   0xf0  transport piece size: 0 whole, else n * 61 bytes per read/sink call.
 *
 * Checks besides the sanitizers: after a successful refresh the roles have
 * versions, every listed target is found by ota_client_get_target, a
 * release chosen by ota_client_choose (device fuzz-dev, hardware gw-100,
 * product gw-fw, 1.0.0 installed) is an eligible bundle target, and a
 * second refresh with the same files (now against the trusted copies it
 * persisted) succeeds too.
 * FUZZ_CLIENT_VERBOSE=1 in the environment prints each refresh's and target
 * read's outcome (to see how far a seed gets).
 *
 * NOTE: the transport table is filled with designated initialisers, so a
 * new field (`size`) or parameter (`err_cap`) is a local change here.
 */
#define _GNU_SOURCE /* memmem */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ota/client.h"
#include "ota/update.h"
#include "ota_json.h"
#include "ota_key.h"
#include "ota_pkey.h"
#include "ota_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_FILES 24
#define NOW 1700000000 /* 2023-11-14: the fixed clock; the vectors expire in 2099 */

enum {
    M_RESIGN = 0x01,
    M_FIXUP = 0x02,
    M_FIXVER = 0x04,
    M_NOFETCH = 0x08,
};

/* ---- the tuf-js vectors' keys (formats/vectors/tufjs/keys, test keys) ---- */

typedef struct key {
    const char *keyid;
    const char *seed_hex; /* Ed25519: the 32-byte seed */
    const char *pem;      /* ECDSA P-256: PKCS#8 */
    uint8_t pk[32], sk[64];
} key;

enum { K_ROOT, K_ROOT_EC, K_ROOT2, K_ROOT2_EC, K_TIMESTAMP, K_SNAPSHOT, K_TARGETS, K_PRODUCT_X,
       K_HASHED_BIN, NKEYS };

static key keys[NKEYS] = {
    [K_ROOT] = {"befa3312dd75fe158909d2e0f73cfaa93d6d144d0fc850e87f13ac186bc7ac1a",
                "a336b2791b406faafe850307cedfcc25cf72018cd843ae13d0810ae4e0fcfa18", NULL, {0}, {0}},
    [K_ROOT_EC] = {"16f4e2ebc8ba5a62615c1d34ed94b054725a914d37b49ed2e6f2e461e2fcfa99", NULL,
                   "-----BEGIN PRIVATE KEY-----\n"
                   "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg9WdrX5cFLBPbC62d\n"
                   "0YyAEuia2gdecd4I8LkLM1rfKCChRANCAARLQXLlLAKSf+50zu95CGOjodVnnk/O\n"
                   "nk/tBI4/tAlQbCvOC6E1Fxw4KSorOs9ME7Hp7DDk14+GOStXEVOSKvYq\n"
                   "-----END PRIVATE KEY-----\n",
                   {0}, {0}},
    [K_ROOT2] = {"f2a91ad2c7c0f84213180cdf8ef4a75ee8048d135817c7e4abc3583035867aee",
                 "81646617bcdf8de170c631da7aa413300053caca5a9f3174f8d3521d5abb33bd", NULL, {0}, {0}},
    [K_ROOT2_EC] = {"4f1138ec648e83056deecbdfd62a3481de853305145c6e1090bb4094255eb364", NULL,
                    "-----BEGIN PRIVATE KEY-----\n"
                    "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg+AXZorR87LisFBbK\n"
                    "1OAeZk7E173n0b0WsXKclKgcf52hRANCAASnpjjKmuYsyVg9p/wZVZ10IjKsRoOO\n"
                    "sBUhMRf7obkT29Poa+RR7DgC0fp9cVgALQHCRQbnNJCTRzRL07NxmBf+\n"
                    "-----END PRIVATE KEY-----\n",
                    {0}, {0}},
    [K_TIMESTAMP] = {"0670865c67c01b0f78073cbd0bcb1bc89ec02f6a55ead1cc7da0e3eba1677c8b",
                     "e6773bfef9c719dbd513173c27e5cfe18adde971188fe23cafdd6c5b38b0cded", NULL,
                     {0}, {0}},
    [K_SNAPSHOT] = {"2086bc7b042707c09d3ff36b3e05f942374e39cb3ac477f1a782e6506bc29588",
                    "b07eeecf285d0630434235733ce48238c205889f72e5711a8be1894b002ed197", NULL,
                    {0}, {0}},
    [K_TARGETS] = {"3528fe21c271258c16596de929525c3a6f3a032293d9c0c6ce82cbab5a0816db",
                   "3f38bc993fa3cb15e5f275edeefae0cf55b64d7304580a8baf87ae1361472265", NULL,
                   {0}, {0}},
    [K_PRODUCT_X] = {"91a66a3c10c2c661a058a7e0a08c8bad9a02e9f731e39875a5919aa2f08d1b87",
                     "192daa67be20909429dd65014e39ef9eff0c8ca9b3c5dd4041602c0546c648d2", NULL,
                     {0}, {0}},
    [K_HASHED_BIN] = {"e76469a964dd914f9520432a5c01f761f4d730258c9b89c5459b7b6608c2a308", NULL,
                      "-----BEGIN PRIVATE KEY-----\n"
                      "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgJE2Pbba9xmOH4Nln\n"
                      "w6/NHh89w22P1lbvI/1q5/U4q1yhRANCAATfUBhAiArgLuX45R0Wn7k8TCaDC9DA\n"
                      "Js0jPPv4NHPYQ+hXROHifWloMlYwfDY18ddaAJqX7nUgEkSuQ1msPZSN\n"
                      "-----END PRIVATE KEY-----\n",
                      {0}, {0}},
};

static char metadata_dir[64];
static bool verbose; /* FUZZ_CLIENT_VERBOSE set: each refresh's outcome on stderr */
static uint8_t *root_json;
static size_t root_len;

/* ---- the files of one input ---------------------------------------------- */

typedef struct file {
    char name[256];
    uint8_t *data; /* malloc'd (re-signing replaces it) */
    size_t len;
} file;

typedef struct files {
    file f[MAX_FILES];
    size_t n;
    size_t piece; /* transport piece size */
} files;

static file *
find(files *fs, const char *name)
{
    for (size_t i = 0; i < fs->n; i++)
        if (strcmp(fs->f[i].name, name) == 0)
            return &fs->f[i];
    return NULL;
}

/* Split p[n] at each FF FE into "name LF data" files. */
static void
parse_files(const uint8_t *p, size_t n, files *fs)
{
    static const uint8_t sep[2] = {0xff, 0xfe};
    const uint8_t *end = p + n;
    const uint8_t *at = memmem(p, n, sep, sizeof sep);
    while (at != NULL && fs->n < MAX_FILES) {
        const uint8_t *start = at + sizeof sep;
        at = memmem(start, (size_t) (end - start), sep, sizeof sep);
        const uint8_t *stop = at != NULL ? at : end;
        const uint8_t *nl = memchr(start, '\n', (size_t) (stop - start));
        size_t nlen = nl != NULL ? (size_t) (nl - start) : 0;
        if (nlen == 0 || nlen > 255 || memchr(start, '\0', nlen) != NULL)
            continue;
        file *f = &fs->f[fs->n++];
        memcpy(f->name, start, nlen);
        f->name[nlen] = '\0';
        f->len = (size_t) (stop - (nl + 1));
        f->data = malloc(f->len + 1);
        if (f->data == NULL)
            abort();
        memcpy(f->data, nl + 1, f->len);
    }
}

static void
free_files(files *fs)
{
    for (size_t i = 0; i < fs->n; i++)
        free(fs->f[i].data);
}

/* ---- the fake transport --------------------------------------------------- */

#define BASE "mem://x/"

/* name without a leading consistent-snapshot "VERSION." */
static const char *
unversioned(const char *name)
{
    size_t d = strspn(name, "0123456789");
    return d > 0 && name[d] == '.' ? name + d + 1 : name;
}

/* The file a URL names.  When no file has that exact name, a metadata URL's
 * "VERSION." and a consistent-snapshot target URL's "HASH." prefix are
 * ignored (so a fuzzed version or hash does not merely move the URL away
 * from the file; the version and hash checks still see the mismatch) —
 * except for N.root.json: the root chain ends at the first 404. */
static file *
lookup(files *fs, const char *url)
{
    if (strncmp(url, BASE, strlen(BASE)) != 0)
        return NULL;
    const char *name = url + strlen(BASE);
    file *f = find(fs, name);
    if (f != NULL)
        return f;
    if (strncmp(name, "targets/", 8) != 0) {
        if (strcmp(unversioned(name), "root.json") == 0)
            return NULL;
        for (size_t i = 0; i < fs->n; i++)
            if (strchr(fs->f[i].name, '/') == NULL &&
                strcmp(unversioned(fs->f[i].name), unversioned(name)) == 0)
                return &fs->f[i];
        return NULL;
    }
    const char *base = strrchr(name, '/') + 1;
    size_t h = strspn(base, "0123456789abcdef");
    if ((h != 64 && h != 128) || base[h] != '.')
        return NULL;
    char alt[sizeof fs->f[0].name];
    int n = snprintf(alt, sizeof alt, "%.*s%s", (int) (base - name), name, base + h + 1);
    return n > 0 && (size_t) n < sizeof alt ? find(fs, alt) : NULL;
}

typedef struct stream {
    const file *f;
    size_t pos, end; /* end: min(file end, offset + max_len) */
    bool too_long;   /* the file goes on past max_len */
} stream;

static ota_err
start(files *fs, const ota_fetch_req *req, stream *s, char *err, size_t err_cap)
{
    file *f = lookup(fs, req->url);
    if (f == NULL) {
        snprintf(err, err_cap, "404 %s", req->url);
        return OTA_E_NOT_FOUND;
    }
    if (req->offset > f->len) {
        snprintf(err, err_cap, "416 %s", req->url);
        return OTA_E_NETWORK;
    }
    s->f = f;
    s->pos = (size_t) req->offset;
    s->end = f->len;
    s->too_long = false;
    if (f->len - s->pos > req->max_len) {
        s->end = s->pos + (size_t) req->max_len;
        s->too_long = true;
    }
    return OTA_OK;
}

static ota_err
mem_fetch(void *user, const ota_fetch_req *req, ota_sink_fn sink, void *ctx, char *err,
          size_t err_cap)
{
    files *fs = user;
    stream s;
    ota_err rc = start(fs, req, &s, err, err_cap);
    while (rc == OTA_OK && s.pos < s.end) {
        size_t n = s.end - s.pos < fs->piece ? s.end - s.pos : fs->piece;
        rc = sink(ctx, s.f->data + s.pos, n);
        s.pos += n;
    }
    if (rc == OTA_OK && s.too_long) {
        snprintf(err, err_cap, "body over %" PRIu64 " bytes", req->max_len);
        rc = OTA_E_LENGTH;
    }
    return rc;
}

static ota_err
mem_open(void *user, const ota_fetch_req *req, void **out, char *err, size_t err_cap)
{
    stream *s = malloc(sizeof *s);
    if (s == NULL)
        abort();
    ota_err rc = start(user, req, s, err, err_cap);
    if (rc != OTA_OK) {
        free(s);
        return rc;
    }
    *out = s;
    return OTA_OK;
}

static ota_err
mem_read(void *user, void *stream_, uint8_t *buf, size_t cap, size_t *got, char *err,
         size_t err_cap)
{
    files *fs = user;
    stream *s = stream_;
    size_t n = s->end - s->pos;
    if (n == 0 && s->too_long) {
        snprintf(err, err_cap, "body over the ceiling");
        return OTA_E_LENGTH;
    }
    if (n > cap)
        n = cap;
    if (n > fs->piece)
        n = fs->piece;
    memcpy(buf, s->f->data + s->pos, n);
    s->pos += n;
    *got = n;
    return OTA_OK;
}

static void
mem_close(void *user, void *stream_)
{
    (void) user;
    free(stream_);
}

/* ---- signing -------------------------------------------------------------- */

static void
sign_with(json_t *sigs, const key *k, const uint8_t *msg, size_t len)
{
    uint8_t sig[OTA_MAX_SIG_LEN];
    size_t slen = 0;
    if (k->pem != NULL) {
        if (ota_pkey_sign(OTA_PKEY_ECDSA_P256, k->pem, strlen(k->pem), msg, len, sig, sizeof sig,
                          &slen) != OTA_OK)
            abort();
    } else {
        crypto_sign_detached(sig, NULL, msg, len, k->sk);
        slen = crypto_sign_BYTES;
    }
    char hex[2 * OTA_MAX_SIG_LEN + 1];
    ota_hex_encode(sig, slen, hex);
    if (json_array_append_new(sigs, json_pack("{s:s, s:s}", "keyid", k->keyid, "sig", hex)) != 0)
        abort();
}

/* Replace doc's signatures with those of which[] over its canonical
 * "signed"; doc's text back into f.  False when f is not such a document. */
static bool
resign_doc(file *f, json_t *doc, const int *which, size_t nwhich)
{
    uint8_t *canon = NULL;
    size_t clen = 0;
    const json_t *sig = json_object_get(doc, "signed");
    if (!json_is_object(sig) || ota_json_canonical(sig, &canon, &clen) != OTA_OK)
        return false;
    json_t *sigs = json_array();
    for (size_t i = 0; i < nwhich; i++)
        sign_with(sigs, &keys[which[i]], canon, clen);
    free(canon);
    json_object_set_new(doc, "signatures", sigs);
    char *text = json_dumps(doc, JSON_COMPACT);
    if (text == NULL)
        return false;
    free(f->data);
    f->data = (uint8_t *) text;
    f->len = strlen(text);
    return true;
}

/* Which role's file: 'r' root, 't' timestamp, 's' snapshot, 'T' targets,
 * 'd' a delegated role, 0 not metadata (N. prefixes and local/ ignored). */
static char
role_of(const char *name)
{
    if (strncmp(name, "local/", 6) == 0)
        name += 6;
    else if (strchr(name, '/') != NULL)
        return 0;
    name = unversioned(name);
    size_t n = strlen(name);
    if (n < 6 || strcmp(name + n - 5, ".json") != 0)
        return 0;
    if (strcmp(name, "root.json") == 0)
        return 'r';
    if (strcmp(name, "timestamp.json") == 0)
        return 't';
    if (strcmp(name, "snapshot.json") == 0)
        return 's';
    if (strcmp(name, "targets.json") == 0)
        return 'T';
    return 'd';
}

static json_t *
hashes_of(const file *f)
{
    uint8_t d[OTA_SHA256_LEN];
    char hex[2 * OTA_SHA256_LEN + 1];
    ota_sha256(f->data, f->len, d);
    ota_hex_encode(d, sizeof d, hex);
    return json_pack("{s:s}", "sha256", hex);
}

/* The length / hashes (/ version) an entry lists become those of f. */
static void
fix_entry(json_t *entry, const file *f, bool version)
{
    if (!json_is_object(entry))
        return;
    if (json_object_get(entry, "length") != NULL)
        json_object_set_new(entry, "length", json_integer((json_int_t) f->len));
    if (json_object_get(entry, "hashes") != NULL)
        json_object_set_new(entry, "hashes", hashes_of(f));
    if (version && json_object_get(entry, "version") != NULL) {
        json_t *doc = NULL;
        if (ota_json_parse(f->data, f->len, 0, &doc) == OTA_OK) {
            json_t *v = json_object_get(json_object_get(doc, "signed"), "version");
            if (json_is_integer(v))
                json_object_set(entry, "version", v);
            json_decref(doc);
        }
    }
}

/* Fix up the entries of meta (snapshot, timestamp: named NAME or V.NAME,
 * with the same local/ prefix as the file holding them) or of targets
 * (target files under targets/). */
static void
fixup(files *fs, const file *self, json_t *sig, bool targets, bool version)
{
    const char *key;
    json_t *entry;
    const char *prefix = strncmp(self->name, "local/", 6) == 0 ? "local/" : "";
    json_object_foreach(json_object_get(sig, targets ? "targets" : "meta"), key, entry) {
        char name[sizeof fs->f[0].name];
        file *f = NULL;
        if (targets) {
            if (snprintf(name, sizeof name, "targets/%s", key) < (int) sizeof name)
                f = find(fs, name);
        } else {
            json_t *v = json_object_get(entry, "version");
            if (snprintf(name, sizeof name, "%s%s", prefix, key) < (int) sizeof name)
                f = find(fs, name);
            if (f == NULL && json_is_integer(v) &&
                snprintf(name, sizeof name, "%s%" JSON_INTEGER_FORMAT ".%s", prefix,
                         json_integer_value(v), key) < (int) sizeof name)
                f = find(fs, name);
        }
        if (f != NULL && f != self)
            fix_entry(entry, f, version && !targets);
    }
}

/* Leaves first (targets roles), then snapshot, then timestamp, then root. */
static void
resign_all(files *fs, unsigned mode)
{
    static const char order[] = "dTstr";
    for (const char *o = order; *o; o++) {
        for (size_t i = 0; i < fs->n; i++) {
            file *f = &fs->f[i];
            if (role_of(f->name) != *o)
                continue;
            json_t *doc = NULL;
            if (ota_json_parse(f->data, f->len, 0, &doc) != OTA_OK)
                continue;
            json_t *sig = json_object_get(doc, "signed");
            if ((mode & M_FIXUP) && json_is_object(sig))
                fixup(fs, f, sig, *o == 'd' || *o == 'T', (mode & M_FIXVER) != 0);
            static const int root[] = {K_ROOT, K_ROOT_EC, K_ROOT2, K_ROOT2_EC};
            static const int ts[] = {K_TIMESTAMP}, sn[] = {K_SNAPSHOT}, tg[] = {K_TARGETS};
            static const int del[] = {K_PRODUCT_X, K_HASHED_BIN};
            switch (*o) {
            case 'r': (void) resign_doc(f, doc, root, 4); break;
            case 't': (void) resign_doc(f, doc, ts, 1); break;
            case 's': (void) resign_doc(f, doc, sn, 1); break;
            case 'T': (void) resign_doc(f, doc, tg, 1); break;
            default: (void) resign_doc(f, doc, del, 2); break;
            }
            json_decref(doc);
        }
    }
}

/* ---- setup ---------------------------------------------------------------- */

static void
cleanup(void)
{
    DIR *d = opendir(metadata_dir);
    if (d == NULL)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            (void) unlinkat(dirfd(d), e->d_name, 0);
    closedir(d);
}

static void
remove_dir(void)
{
    cleanup();
    (void) rmdir(metadata_dir);
}

static json_t *
key_json(int k)
{
    json_t *obj = ota_key_ed25519_json(keys[k].pk);
    char id[65];
    if (obj == NULL || ota_key_id(obj, id) != OTA_OK || strcmp(id, keys[k].keyid) != 0)
        abort(); /* the copied key is not the vectors' */
    return obj;
}

static json_t *
role_json(int k)
{
    return json_pack("{s:[s], s:i}", "keyids", keys[k].keyid, "threshold", 1);
}

static void
init(void)
{
    if (sodium_init() < 0)
        abort();
    verbose = getenv("FUZZ_CLIENT_VERBOSE") != NULL;
    for (int k = 0; k < NKEYS; k++) {
        uint8_t seed[32];
        size_t n = 0;
        if (keys[k].seed_hex == NULL)
            continue;
        if (ota_hex_decode(keys[k].seed_hex, 64, seed, sizeof seed, &n) != OTA_OK || n != 32)
            abort();
        crypto_sign_seed_keypair(keys[k].pk, keys[k].sk, seed);
    }
    json_t *signed_ = json_pack(
        "{s:s, s:s, s:i, s:s, s:b, s:{s:o, s:o, s:o, s:o}, s:{s:o, s:o, s:o, s:o}}", "_type",
        "root", "spec_version", "1.0.31", "version", 1, "expires", "2099-01-01T00:00:00Z",
        "consistent_snapshot", 1, "keys", keys[K_ROOT].keyid, key_json(K_ROOT),
        keys[K_TIMESTAMP].keyid, key_json(K_TIMESTAMP), keys[K_SNAPSHOT].keyid,
        key_json(K_SNAPSHOT), keys[K_TARGETS].keyid, key_json(K_TARGETS), "roles", "root",
        role_json(K_ROOT), "timestamp", role_json(K_TIMESTAMP), "snapshot",
        role_json(K_SNAPSHOT), "targets", role_json(K_TARGETS));
    json_t *doc = json_pack("{s:o, s:[]}", "signed", signed_, "signatures");
    file root = {.data = NULL};
    static const int which[] = {K_ROOT};
    if (doc == NULL || !resign_doc(&root, doc, which, 1))
        abort();
    json_decref(doc);
    root_json = root.data;
    root_len = root.len;

    const char *tmp = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    snprintf(metadata_dir, sizeof metadata_dir, "%s/fuzz_client.XXXXXX", tmp);
    if (mkdtemp(metadata_dir) == NULL)
        abort();
    atexit(remove_dir);
}

static void
put(const char *name, const uint8_t *data, size_t len)
{
    char path[sizeof metadata_dir + 256];
    snprintf(path, sizeof path, "%s/%s", metadata_dir, name);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        abort();
    if (len > 0 && write(fd, data, len) != (ssize_t) len)
        abort();
    close(fd);
}

static int64_t
fixed_clock(void *user)
{
    (void) user;
    return NOW;
}

/* ---- one cycle ------------------------------------------------------------- */

static void
read_target(ota_client *c, const ota_target_info *t)
{
    ota_target_stream *s = NULL;
    if (ota_client_target_open(c, t, &s) != OTA_OK)
        return;
    uint8_t buf[4096];
    size_t got = 0;
    ota_err rc;
    while ((rc = ota_target_stream_read(s, buf, sizeof buf, &got)) == OTA_OK && got > 0)
        ;
    if (verbose)
        fprintf(stderr, "fuzz_client: target %s: %s\n", t->path, ota_strerror(rc));
    ota_target_stream_close(s);
}

/* ota_client_choose's callback: counts the eligible releases, checks the
 * verdict's fields are in range. */
static void
on_release(void *user, const ota_release_info *r)
{
    if (r->rollout > 100 || r->bucket > 99 || r->name == NULL || r->version == NULL)
        abort();
    if (r->verdict == OTA_VERDICT_ELIGIBLE)
        ++*(unsigned *) user;
}

/* The first few listed paths (the callback must not call into the client:
 * they are read after the listing). */
typedef struct listing {
    char paths[4][256];
    size_t n;
} listing;

static ota_err
on_target(void *user, const ota_target_info *t)
{
    listing *l = user;
    if (t->path == NULL || t->role == NULL)
        abort();
    if (l->n < 4 && strlen(t->path) < sizeof l->paths[0])
        strcpy(l->paths[l->n++], t->path);
    return OTA_OK;
}

static void
run(files *fs, unsigned mode)
{
    ota_transport tr = {
        .size = sizeof tr,
        .user = fs,
        .fetch = (mode & M_NOFETCH) ? NULL : mem_fetch,
        .open = mem_open,
        .read = mem_read,
        .close = mem_close,
    };
    ota_client_config cfg;
    ota_client_config_init(&cfg);
    cfg.metadata_dir = metadata_dir;
    cfg.metadata_url = BASE;
    cfg.target_base_url = BASE "targets/";
    cfg.transport = &tr;
    cfg.clock = fixed_clock;
    ota_client *c = NULL;
    if (ota_client_new(&cfg, &c) != OTA_OK)
        abort();
    ota_err rc = ota_client_refresh(c);
    if (verbose)
        fprintf(stderr, "fuzz_client: refresh: %s %s\n", ota_strerror(rc), ota_client_errmsg(c));
    if (rc == OTA_OK) {
        static const char *const roles[] = {"root", "timestamp", "snapshot", "targets"};
        int64_t v;
        for (size_t i = 0; i < 4; i++)
            if (ota_client_role_version(c, roles[i], &v) != OTA_OK)
                abort();
        /* the vectors' targets, and a path the input names */
        static const char *const paths[] = {"firmware/gw-100/1.4.2.bundle",
                                            "product-x/app-2.0.0.bundle", "tools/diag-1.0.txt"};
        ota_target_info t = OTA_TARGET_INFO_INIT;
        for (size_t i = 0; i < 3; i++)
            if (ota_client_get_target(c, paths[i], &t) == OTA_OK)
                read_target(c, &t);
        const file *want = find(fs, "lookup");
        if (want != NULL) {
            char path[256];
            snprintf(path, sizeof path, "%.*s", (int) (want->len < 255 ? want->len : 255),
                     (const char *) want->data);
            if (ota_client_get_target(c, path, &t) == OTA_OK)
                read_target(c, &t);
        }
        listing l = {.n = 0};
        if (ota_client_list_targets(c, on_target, &l) == OTA_OK)
            for (size_t i = 0; i < l.n; i++) {
                if (ota_client_get_target(c, l.paths[i], &t) != OTA_OK)
                    abort(); /* listed, so found */
                read_target(c, &t);
            }
        /* the release choice (choose.c: custom.ota_bundle, custom.ota_release,
         * the ota_policy floor): a chosen release is a bundle target the
         * client finds, eligible by its callback, newer than installed */
        ota_device dev = OTA_DEVICE_INIT;
        dev.device_id = "fuzz-dev";
        dev.hardware_id = "gw-100";
        dev.product = "gw-fw";
        dev.installed_version = "1.0.0";
        ota_target_info chosen = OTA_TARGET_INFO_INIT;
        bool found = false;
        unsigned eligible = 0;
        if (ota_client_choose(c, &dev, on_release, &eligible, &chosen, &found) == OTA_OK &&
            found) {
            if (verbose)
                fprintf(stderr, "fuzz_client: chosen %s\n", chosen.path);
            if (eligible == 0 || chosen.custom_json == NULL ||
                strstr(chosen.custom_json, "\"ota_bundle\"") == NULL ||
                ota_client_get_target(c, chosen.path, &t) != OTA_OK)
                abort();
        }
        char floor[80];
        (void) ota_client_floor(c, dev.product, floor, sizeof floor);
        /* again, now against the trusted copies just persisted */
        if (ota_client_refresh(c) != OTA_OK) {
            fprintf(stderr, "second refresh: %s\n", ota_client_errmsg(c));
            abort();
        }
    }
    ota_client_free(c);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool ready;
    if (!ready) {
        init();
        ready = true;
    }
    if (size < 1)
        return 0;
    unsigned mode = data[0];
    files fs = {.n = 0, .piece = (mode >> 4) ? (mode >> 4) * 61u : SIZE_MAX};
    parse_files(data + 1, size - 1, &fs);
    if (mode & M_RESIGN)
        resign_all(&fs, mode);

    cleanup();
    put("root.json", root_json, root_len);
    for (size_t i = 0; i < fs.n; i++) {
        const char *name = fs.f[i].name;
        if (strncmp(name, "local/", 6) != 0)
            continue;
        name += 6;
        if (name[0] == '\0' || name[0] == '.' || strchr(name, '/') != NULL)
            continue;
        put(name, fs.f[i].data, fs.f[i].len);
    }
    run(&fs, mode);
    free_files(&fs);
    return 0;
}
