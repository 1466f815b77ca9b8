/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ota_bundle_format.c — the bundle's byte format: header, chunk table,
 * manifest, archive path rules, and the head as a whole (see
 * formats/BUNDLE.md; names, hardware ids and versions are checked by
 * ota_id.c).  Everything here parses bytes that the caller has already
 * authenticated, except ota_bundle_header_decode(), which reads only
 * fixed-width integers.
 */
#include "ota_bundle.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ota_bundle_int.h"
#include "ota_tar.h"
#include "ota_id.h"
#include "ota_json.h"
#include "ota_limits.h"
#include "ota_util.h"

/* ---- codecs and component types ----------------------------------------- */

const char *
ota_bundle_ctype_name(ota_bundle_ctype t)
{
    switch (t) {
    case OTA_BUNDLE_TREE: return "tree";
    case OTA_BUNDLE_IMAGE: return "image";
    case OTA_BUNDLE_SBOM: return "sbom";
    default: return "?";
    }
}

const char *
ota_bundle_codec_name(ota_bundle_codec c)
{
    switch (c) {
    case OTA_BUNDLE_DEFLATE: return "deflate";
    case OTA_BUNDLE_ZSTD: return "zstd";
    default: return NULL;
    }
}

bool
ota_bundle_codec_levels(ota_bundle_codec c, int *min, int *max, int *dflt)
{
    int lo, hi, d;
    switch (c) {
    case OTA_BUNDLE_DEFLATE: lo = 1, hi = 9, d = 6; break;
    /* 20..22 ("ultra") only differ by windows beyond the largest chunk */
    case OTA_BUNDLE_ZSTD: lo = 1, hi = 19, d = OTA_BUNDLE_ZSTD_DEFAULT_LEVEL; break;
    default: return false;
    }
    if (min != NULL)
        *min = lo;
    if (max != NULL)
        *max = hi;
    if (dflt != NULL)
        *dflt = d;
    return true;
}

/* ---- header and table ---------------------------------------------------- */

static bool
is_pow2(uint32_t v)
{
    return v != 0 && (v & (v - 1)) == 0;
}

ota_err
ota_bundle_header_decode(const uint8_t *buf, size_t len, ota_bundle_header *out)
{
    if (buf == NULL || out == NULL)
        return OTA_E_ARG;
    if (len < OTA_BUNDLE_HEADER_LEN || memcmp(buf, OTA_BUNDLE_MAGIC, OTA_BUNDLE_MAGIC_LEN) != 0)
        return OTA_E_FORMAT;
    ota_bundle_header h;
    h.format = otab_get32(buf + 8);
    h.flags = otab_get32(buf + 12);
    h.chunk_size = otab_get32(buf + 16);
    h.chunk_count = otab_get32(buf + 20);
    h.manifest_len = otab_get64(buf + 24);
    h.table_len = otab_get64(buf + 32);
    h.payload_len = otab_get64(buf + 40);
    memcpy(h.digest, buf + 48, 32);
    if (h.format < OTA_BUNDLE_FORMAT_MIN || h.format > OTA_BUNDLE_FORMAT_VERSION || h.flags != 0)
        return OTA_E_UNSUPPORTED;
    if (!is_pow2(h.chunk_size) || h.chunk_size < OTA_BUNDLE_MIN_CHUNK_SIZE)
        return OTA_E_FORMAT;
    if (h.chunk_size > OTA_BUNDLE_MAX_CHUNK_SIZE || h.chunk_count > OTA_BUNDLE_MAX_CHUNKS ||
        h.manifest_len > OTA_BUNDLE_MAX_MANIFEST ||
        h.table_len > (uint64_t) OTA_BUNDLE_MAX_CHUNKS * OTA_BUNDLE_ENTRY_LEN)
        return OTA_E_LIMIT;
    if (h.manifest_len == 0 || h.table_len != (uint64_t) h.chunk_count * OTA_BUNDLE_ENTRY_LEN)
        return OTA_E_FORMAT;
    /* every chunk is 1..chunk_size stored bytes */
    if (h.payload_len < h.chunk_count || h.payload_len > (uint64_t) h.chunk_count * h.chunk_size)
        return OTA_E_FORMAT;
    *out = h;
    return OTA_OK;
}

void
ota_bundle_header_encode(const ota_bundle_header *h, uint8_t out[OTA_BUNDLE_HEADER_LEN])
{
    memcpy(out, OTA_BUNDLE_MAGIC, OTA_BUNDLE_MAGIC_LEN);
    otab_put32(out + 8, h->format);
    otab_put32(out + 12, h->flags);
    otab_put32(out + 16, h->chunk_size);
    otab_put32(out + 20, h->chunk_count);
    otab_put64(out + 24, h->manifest_len);
    otab_put64(out + 32, h->table_len);
    otab_put64(out + 40, h->payload_len);
    memcpy(out + 48, h->digest, 32);
}

void
ota_bundle_chunk_encode(uint32_t clen, const uint8_t csha[32], const uint8_t usha[32],
                        uint8_t out[OTA_BUNDLE_ENTRY_LEN])
{
    otab_put32(out, clen);
    memcpy(out + 4, csha, 32);
    memcpy(out + 36, usha, 32);
}

/* ---- paths -------------------------------------------------------------- */

/* Length of the valid UTF-8 sequence at s (1..4), 0 when invalid. */
static size_t
utf8_seq(const unsigned char *s)
{
    unsigned char c = s[0];
    if (c < 0x80)
        return 1;
    size_t n;
    uint32_t cp;
    if (c >= 0xc2 && c <= 0xdf) {
        n = 2;
        cp = c & 0x1fu;
    } else if (c >= 0xe0 && c <= 0xef) {
        n = 3;
        cp = c & 0x0fu;
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4;
        cp = c & 0x07u;
    } else
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0; /* also stops at the NUL terminator */
        cp = cp << 6 | (s[i] & 0x3fu);
    }
    if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
        (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return n;
}

/* Text rules shared by entry paths and link targets: length, no control
 * character, valid UTF-8. */
static ota_err
text_ok(const char *s)
{
    size_t len = strnlen(s, OTA_BUNDLE_MAX_ENTRY_PATH + 1);
    if (len == 0 || len > OTA_BUNDLE_MAX_ENTRY_PATH)
        return OTA_E_UNSAFE;
    const unsigned char *p = (const unsigned char *) s;
    while (*p != '\0') {
        if (*p < 0x20 || *p == 0x7f)
            return OTA_E_UNSAFE;
        size_t n = utf8_seq(p);
        if (n == 0)
            return OTA_E_UNSAFE;
        p += n;
    }
    return OTA_OK;
}

ota_err
ota_bundle_path_check(const char *path)
{
    if (path == NULL || text_ok(path) != OTA_OK || path[0] == '/')
        return OTA_E_UNSAFE;
    const char *p = path;
    for (;;) {
        size_t n = strcspn(p, "/");
        if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
            return OTA_E_UNSAFE;
        if (p[n] == '\0')
            return OTA_OK;
        p += n + 1;
    }
}

ota_err
ota_bundle_link_check(const char *path, const char *target, bool rootfs)
{
    if (ota_bundle_path_check(path) != OTA_OK || target == NULL || text_ok(target) != OTA_OK)
        return OTA_E_UNSAFE;
    /* depth of the directory holding the link */
    size_t depth = 0;
    for (const char *p = path; *p != '\0'; p++)
        if (*p == '/')
            depth++;
    const char *t = target;
    if (*t == '/') {
        if (!rootfs)
            return OTA_E_UNSAFE;
        depth = 0;
    }
    bool descended = false;
    for (;;) {
        while (*t == '/')
            t++;
        if (*t == '\0')
            return OTA_OK;
        size_t n = strcspn(t, "/");
        if (n == 2 && t[0] == '.' && t[1] == '.') {
            /* ".." only before the first name: after a name that may itself
             * be a symlink, a lexical check proves nothing */
            if (descended || depth == 0)
                return OTA_E_UNSAFE;
            depth--;
        } else if (!(n == 1 && t[0] == '.')) {
            descended = true;
        }
        t += n;
    }
}

int
ota_bundle_path_cmp(const char *a, const char *b)
{
    const unsigned char *x = (const unsigned char *) a, *y = (const unsigned char *) b;
    for (;; x++, y++) {
        unsigned cx = *x == '/' ? 1u : (*x == 0 ? 0u : (unsigned) *x + 1u);
        unsigned cy = *y == '/' ? 1u : (*y == 0 ? 0u : (unsigned) *y + 1u);
        if (cx != cy)
            return cx < cy ? -1 : 1;
        if (cx == 0)
            return 0;
    }
}

/* ---- manifest ------------------------------------------------------------ */

static const char *const hook_key[OTA_BUNDLE_NHOOKS] = {"pre-install", "post-install"};

typedef struct manifest_priv {
    ota_bundle_manifest pub;
    json_t *json;
    const char **hardware;
    ota_bundle_component *components;
    uint8_t *hook[OTA_BUNDLE_NHOOKS];
} manifest_priv;

void
ota_bundle_manifest_free(ota_bundle_manifest *m)
{
    if (m == NULL)
        return;
    manifest_priv *p = (manifest_priv *) m;
    json_decref(p->json);
    free(p->hardware);
    free(p->components);
    for (int i = 0; i < OTA_BUNDLE_NHOOKS; i++)
        free(p->hook[i]);
    free(p);
}

/* Every key of obj is one of the NULL-terminated list. */
static bool
keys_only(const json_t *obj, const char *const *allowed)
{
    const char *k;
    json_t *v;
    json_object_foreach((json_t *) obj, k, v) {
        (void) v;
        bool ok = false;
        for (size_t i = 0; allowed[i] != NULL; i++)
            if (strcmp(k, allowed[i]) == 0)
                ok = true;
        if (!ok)
            return false;
    }
    return true;
}

static bool
get_uint(const json_t *obj, const char *key, uint64_t max, uint64_t *out)
{
    json_t *v = json_object_get(obj, key);
    if (!json_is_integer(v))
        return false;
    json_int_t i = json_integer_value(v);
    if (i < 0 || (uint64_t) i > max)
        return false;
    *out = (uint64_t) i;
    return true;
}

static const char *
get_str(const json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

static ota_err
parse_components(manifest_priv *p, const json_t *arr)
{
    static const char *const tree_keys[] = {"entries", "name", "rootfs", "size",
                                            "type",    "unpacked", NULL};
    /* format 4: every tree is in the delta layout and names its one mtime */
    static const char *const tree4_keys[] = {"entries", "mtime",    "name", "rootfs",
                                             "size",    "type",     "unpacked", NULL};
    static const char *const image_keys[] = {"name", "size", "type", NULL};
    size_t n = json_array_size(arr);
    if (!json_is_array(arr) || n == 0)
        return OTA_E_FORMAT;
    if (n > OTA_BUNDLE_MAX_COMPONENTS)
        return OTA_E_LIMIT;
    p->components = calloc(n, sizeof *p->components);
    if (p->components == NULL)
        return OTA_E_NOMEM;
    uint64_t chunks = 0;
    for (size_t i = 0; i < n; i++) {
        const json_t *c = json_array_get(arr, i);
        ota_bundle_component *oc = &p->components[i];
        if (!json_is_object(c))
            return OTA_E_FORMAT;
        const char *type = get_str(c, "type");
        oc->name = get_str(c, "name");
        if (type == NULL || !ota_id_valid(oc->name))
            return OTA_E_FORMAT;
        for (size_t j = 0; j < i; j++)
            if (strcmp(p->components[j].name, oc->name) == 0)
                return OTA_E_FORMAT;
        if (!get_uint(c, "size", (uint64_t) OTA_BUNDLE_MAX_CHUNKS * p->pub.chunk_size, &oc->size))
            return json_is_integer(json_object_get(c, "size")) &&
                           json_integer_value(json_object_get(c, "size")) > 0
                       ? OTA_E_LIMIT
                       : OTA_E_FORMAT;
        if (strcmp(type, "tree") == 0) {
            oc->type = OTA_BUNDLE_TREE;
            json_t *rf = json_object_get(c, "rootfs");
            bool delta = p->pub.format >= OTA_BUNDLE_FORMAT_DELTA;
            uint64_t mt = 0;
            if (!keys_only(c, delta ? tree4_keys : tree_keys) || !json_is_boolean(rf) ||
                (delta && !get_uint(c, "mtime", (uint64_t) OTA_TAR_MAX_MTIME, &mt)) ||
                !get_uint(c, "entries", OTA_BUNDLE_MAX_ENTRIES, &oc->entries) ||
                !get_uint(c, "unpacked", oc->size, &oc->unpacked))
                return OTA_E_FORMAT;
            oc->rootfs = json_is_true(rf);
            oc->mtime = delta ? (int64_t) mt : -1;
            /* a tar stream is at least its two end-of-archive blocks */
            if (oc->size < 1024 || oc->size % 512 != 0)
                return OTA_E_FORMAT;
        } else if (strcmp(type, "image") == 0) {
            oc->type = OTA_BUNDLE_IMAGE;
            oc->mtime = -1;
            if (!keys_only(c, image_keys))
                return OTA_E_FORMAT;
        } else if (strcmp(type, "sbom") == 0) {
            /* format 3: one, named "sbom", last, after something to install,
             * 1..OTA_SBOM_MAX_LIST_SIZE bytes (the list is never empty) */
            oc->type = OTA_BUNDLE_SBOM;
            oc->mtime = -1;
            if (p->pub.format < OTA_BUNDLE_FORMAT_SBOM || !keys_only(c, image_keys) ||
                strcmp(oc->name, OTA_BUNDLE_SBOM_NAME) != 0 || i + 1 != n || i == 0 ||
                oc->size == 0)
                return OTA_E_FORMAT;
            if (oc->size > OTA_SBOM_MAX_LIST_SIZE)
                return OTA_E_LIMIT;
        } else {
            return OTA_E_UNSUPPORTED;
        }
        uint64_t nc = (oc->size + p->pub.chunk_size - 1) / p->pub.chunk_size;
        oc->first_chunk = (uint32_t) chunks;
        chunks += nc;
        if (chunks > OTA_BUNDLE_MAX_CHUNKS)
            return OTA_E_LIMIT;
        oc->nchunks = (uint32_t) nc;
    }
    p->pub.components = p->components;
    p->pub.ncomponents = n;
    p->pub.nchunks = (uint32_t) chunks;
    return OTA_OK;
}

static ota_err
parse_hooks(manifest_priv *p, const json_t *hooks)
{
    static const char *const keys[] = {"pre-install", "post-install", NULL};
    if (hooks == NULL)
        return OTA_OK;
    if (!json_is_object(hooks) || json_object_size(hooks) == 0 || !keys_only(hooks, keys))
        return OTA_E_FORMAT;
    for (int i = 0; i < OTA_BUNDLE_NHOOKS; i++) {
        json_t *v = json_object_get(hooks, hook_key[i]);
        if (v == NULL)
            continue;
        if (!json_is_string(v))
            return OTA_E_FORMAT;
        size_t b64len = json_string_length(v);
        if (b64len == 0)
            return OTA_E_FORMAT;
        if (b64len > sodium_base64_ENCODED_LEN(OTA_BUNDLE_MAX_HOOK,
                                                sodium_base64_VARIANT_ORIGINAL))
            return OTA_E_LIMIT;
        size_t cap = b64len / 4 * 3 + 3, bin_len = 0;
        p->hook[i] = malloc(cap);
        if (p->hook[i] == NULL)
            return OTA_E_NOMEM;
        const char *end = NULL;
        if (sodium_base642bin(p->hook[i], cap, json_string_value(v), b64len, NULL, &bin_len,
                              &end, sodium_base64_VARIANT_ORIGINAL) != 0 ||
            end != json_string_value(v) + b64len || bin_len == 0)
            return OTA_E_FORMAT;
        if (bin_len > OTA_BUNDLE_MAX_HOOK)
            return OTA_E_LIMIT;
        p->pub.hook[i] = p->hook[i];
        p->pub.hook_len[i] = bin_len;
    }
    return OTA_OK;
}

/* Format 1: no "compression" key, deflate.  Format 2: the key is required
 * and names the codec; an unknown name is a codec this reader lacks. */
static ota_err
parse_codec(manifest_priv *p, const json_t *j)
{
    const json_t *v = json_object_get(j, "compression");
    p->pub.codec = OTA_BUNDLE_DEFLATE;
    if (p->pub.format == 1)
        return v == NULL ? OTA_OK : OTA_E_FORMAT;
    if (!json_is_string(v))
        return OTA_E_FORMAT;
    const char *name = json_string_value(v);
    if (strcmp(name, "deflate") == 0)
        p->pub.codec = OTA_BUNDLE_DEFLATE;
    else if (strcmp(name, "zstd") == 0)
        p->pub.codec = OTA_BUNDLE_ZSTD;
    else
        return OTA_E_UNSUPPORTED;
    return OTA_OK;
}

static ota_err
parse_manifest_obj(manifest_priv *p)
{
    static const char *const keys[] = {"chunk_size", "components", "compression", "created",
                                       "format",     "hardware",   "hooks",       "name",
                                       "type",       "version",    NULL};
    const json_t *j = p->json;
    uint64_t v = 0;
    if (!get_uint(j, "format", UINT32_MAX, &v))
        return OTA_E_FORMAT;
    if (v < OTA_BUNDLE_FORMAT_MIN || v > OTA_BUNDLE_FORMAT_VERSION)
        return OTA_E_UNSUPPORTED;
    p->pub.format = (uint32_t) v;
    const char *type = get_str(j, "type");
    if (type == NULL || strcmp(type, "ota-bundle") != 0 || !keys_only(j, keys))
        return OTA_E_FORMAT;
    ota_err crc = parse_codec(p, j);
    if (crc != OTA_OK)
        return crc;
    p->pub.name = get_str(j, "name");
    p->pub.version = get_str(j, "version");
    if (!ota_id_valid(p->pub.name) || ota_semver_check(p->pub.version) != OTA_OK)
        return OTA_E_FORMAT;
    json_t *created = json_object_get(j, "created");
    if (created != NULL) {
        int64_t t;
        p->pub.created = json_string_value(created);
        if (p->pub.created == NULL || ota_time_parse(p->pub.created, &t) != OTA_OK)
            return OTA_E_FORMAT;
    }
    if (!get_uint(j, "chunk_size", OTA_BUNDLE_MAX_CHUNK_SIZE, &v) ||
        v < OTA_BUNDLE_MIN_CHUNK_SIZE || !is_pow2((uint32_t) v))
        return OTA_E_FORMAT;
    p->pub.chunk_size = (uint32_t) v;
    const json_t *hw = json_object_get(j, "hardware");
    size_t nhw = json_array_size(hw);
    if (!json_is_array(hw) || nhw == 0)
        return OTA_E_FORMAT;
    if (nhw > OTA_BUNDLE_MAX_HARDWARE)
        return OTA_E_LIMIT;
    p->hardware = calloc(nhw, sizeof *p->hardware);
    if (p->hardware == NULL)
        return OTA_E_NOMEM;
    for (size_t i = 0; i < nhw; i++) {
        p->hardware[i] = json_string_value(json_array_get(hw, i));
        if (!ota_id_valid(p->hardware[i]))
            return OTA_E_FORMAT;
        /* sorted and distinct: one encoding per set */
        if (i > 0 && strcmp(p->hardware[i - 1], p->hardware[i]) >= 0)
            return OTA_E_FORMAT;
    }
    p->pub.hardware = p->hardware;
    p->pub.nhardware = nhw;
    ota_err rc = parse_components(p, json_object_get(j, "components"));
    if (rc != OTA_OK)
        return rc;
    return parse_hooks(p, json_object_get(j, "hooks"));
}

ota_err
ota_bundle_manifest_parse(const uint8_t *buf, size_t len, ota_bundle_manifest **out)
{
    if (buf == NULL || out == NULL)
        return OTA_E_ARG;
    if (len > OTA_BUNDLE_MAX_MANIFEST)
        return OTA_E_LIMIT;
    ota_err rc = OTA_E_NOMEM;
    manifest_priv *p = calloc(1, sizeof *p);
    uint8_t *canon = NULL;
    size_t canon_len = 0;
    if (p == NULL)
        goto out;
    rc = ota_json_parse(buf, len, OTA_BUNDLE_MAX_MANIFEST, &p->json);
    if (rc != OTA_OK)
        goto out;
    /* exactly one byte encoding per manifest */
    rc = ota_json_canonical(p->json, &canon, &canon_len);
    if (rc != OTA_OK)
        goto out;
    if (canon_len != len || memcmp(canon, buf, len) != 0) {
        rc = OTA_E_FORMAT;
        goto out;
    }
    rc = parse_manifest_obj(p);
    if (rc != OTA_OK)
        goto out;
    *out = &p->pub;
    p = NULL;
    rc = OTA_OK;
out:
    free(canon);
    ota_bundle_manifest_free(p ? &p->pub : NULL);
    return rc;
}

bool
ota_bundle_manifest_has_hardware(const ota_bundle_manifest *m, const char *hwid)
{
    if (m == NULL || hwid == NULL)
        return false;
    for (size_t i = 0; i < m->nhardware; i++)
        if (strcmp(m->hardware[i], hwid) == 0)
            return true;
    return false;
}

ota_err
otab_manifest_build(const char *name, const char *version, char *const *hardware,
                    size_t nhardware, const char *created, uint32_t chunk_size,
                    ota_bundle_codec codec,
                    const otab_wcomp *comps, size_t ncomps,
                    uint8_t *const hooks[OTA_BUNDLE_NHOOKS],
                    const size_t hook_len[OTA_BUNDLE_NHOOKS], uint8_t **out, size_t *out_len)
{
    ota_err rc = OTA_E_NOMEM;
    char *b64 = NULL;
    json_t *m = json_object(), *hw = json_array(), *cs = json_array(), *hk = json_object();
    if (m == NULL || hw == NULL || cs == NULL || hk == NULL)
        goto out;
    for (size_t i = 0; i < nhardware; i++)
        if (json_array_append_new(hw, json_string(hardware[i])) != 0)
            goto out;
    for (size_t i = 0; i < ncomps; i++) {
        json_t *c = json_object();
        if (c == NULL || json_array_append_new(cs, c) != 0)
            goto out;
        int e = json_object_set_new(c, "name", json_string(comps[i].name));
        e |= json_object_set_new(c, "size", json_integer((json_int_t) comps[i].size));
        e |= json_object_set_new(c, "type", json_string(ota_bundle_ctype_name(comps[i].type)));
        if (comps[i].type == OTA_BUNDLE_TREE) {
            e |= json_object_set_new(c, "rootfs", json_boolean(comps[i].rootfs));
            e |= json_object_set_new(c, "entries", json_integer((json_int_t) comps[i].entries));
            e |= json_object_set_new(c, "unpacked", json_integer((json_int_t) comps[i].unpacked));
            if (comps[i].delta)
                e |= json_object_set_new(c, "mtime", json_integer((json_int_t) comps[i].mtime));
        }
        if (e != 0)
            goto out;
    }
    for (int i = 0; i < OTA_BUNDLE_NHOOKS; i++) {
        if (hooks[i] == NULL)
            continue;
        size_t blen = sodium_base64_ENCODED_LEN(hook_len[i], sodium_base64_VARIANT_ORIGINAL);
        b64 = malloc(blen);
        if (b64 == NULL)
            goto out;
        sodium_bin2base64(b64, blen, hooks[i], hook_len[i], sodium_base64_VARIANT_ORIGINAL);
        if (json_object_set_new(hk, hook_key[i], json_string(b64)) != 0)
            goto out;
        free(b64);
        b64 = NULL;
    }
    int e = json_object_set_new(m, "type", json_string("ota-bundle"));
    /* deflate stays format 1, which every deployed reader reads */
    uint32_t format = otab_format_of(codec, comps, ncomps);
    e |= json_object_set_new(m, "format", json_integer(format));
    if (format >= 2)
        e |= json_object_set_new(m, "compression", json_string(ota_bundle_codec_name(codec)));
    e |= json_object_set_new(m, "name", json_string(name));
    e |= json_object_set_new(m, "version", json_string(version));
    e |= json_object_set_new(m, "chunk_size", json_integer(chunk_size));
    if (created != NULL)
        e |= json_object_set_new(m, "created", json_string(created));
    e |= json_object_set(m, "hardware", hw);
    e |= json_object_set(m, "components", cs);
    if (json_object_size(hk) > 0)
        e |= json_object_set(m, "hooks", hk);
    if (e != 0)
        goto out;
    rc = ota_json_canonical(m, out, out_len);
out:
    free(b64);
    json_decref(m);
    json_decref(hw);
    json_decref(cs);
    json_decref(hk);
    return rc;
}

/* ---- head -------------------------------------------------------------------- */

void
ota_bundle_head_free(ota_bundle_head *h)
{
    if (h == NULL)
        return;
    ota_bundle_manifest_free(h->manifest);
    free((void *) h->table);
    free(h);
}

ota_err
ota_bundle_head_chunk(const ota_bundle_head *h, uint32_t i, ota_bundle_chunk *c)
{
    if (h == NULL || c == NULL || i >= h->header.chunk_count)
        return OTA_E_ARG;
    const ota_bundle_manifest *m = h->manifest;
    /* component holding chunk i (components are few) */
    size_t ci = 0;
    while (ci + 1 < m->ncomponents && i >= m->components[ci].first_chunk + m->components[ci].nchunks)
        ci++;
    const ota_bundle_component *comp = &m->components[ci];
    uint32_t k = i - comp->first_chunk;
    uint64_t coff = (uint64_t) k * m->chunk_size;
    uint64_t rest = comp->size - coff;
    const uint8_t *e = h->table + (size_t) i * OTA_BUNDLE_ENTRY_LEN;
    ota_bundle_chunk out;
    out.clen = otab_get32(e);
    out.ulen = rest < m->chunk_size ? (uint32_t) rest : m->chunk_size;
    out.offset = 0; /* filled by callers that walk the table in order */
    out.component = (uint32_t) ci;
    out.comp_offset = coff;
    memcpy(out.csha, e + 4, 32);
    memcpy(out.usha, e + 36, 32);
    *c = out;
    return OTA_OK;
}

ota_err
ota_bundle_head_parse(const uint8_t *buf, size_t len, ota_bundle_head **out)
{
    if (buf == NULL || out == NULL)
        return OTA_E_ARG;
    ota_bundle_header hd;
    ota_err rc = ota_bundle_header_decode(buf, len, &hd);
    if (rc != OTA_OK)
        return rc;
    uint64_t head_len = OTA_BUNDLE_HEADER_LEN + hd.manifest_len + hd.table_len;
    if (head_len != len)
        return OTA_E_LENGTH;
    const uint8_t *man = buf + OTA_BUNDLE_HEADER_LEN;
    const uint8_t *tab = man + hd.manifest_len;
    uint8_t dig[32];
    ota_sha256(man, (size_t) (hd.manifest_len + hd.table_len), dig);
    if (sodium_memcmp(dig, hd.digest, 32) != 0)
        return OTA_E_HASH;
    ota_bundle_head *h = calloc(1, sizeof *h);
    if (h == NULL)
        return OTA_E_NOMEM;
    h->header = hd;
    h->head_len = head_len;
    h->total_len = head_len + hd.payload_len;
    ota_sha256(buf, len, h->head_sha256);
    rc = ota_bundle_manifest_parse(man, (size_t) hd.manifest_len, &h->manifest);
    if (rc != OTA_OK)
        goto out;
    rc = OTA_E_FORMAT;
    if (h->manifest->format != hd.format || h->manifest->chunk_size != hd.chunk_size ||
        h->manifest->nchunks != hd.chunk_count)
        goto out;
    uint8_t *t = malloc(hd.table_len ? (size_t) hd.table_len : 1);
    if (t == NULL) {
        rc = OTA_E_NOMEM;
        goto out;
    }
    memcpy(t, tab, (size_t) hd.table_len);
    h->table = t;
    uint64_t sum = 0;
    for (uint32_t i = 0; i < hd.chunk_count; i++) {
        ota_bundle_chunk c;
        if (ota_bundle_head_chunk(h, i, &c) != OTA_OK || c.clen == 0 || c.clen > c.ulen)
            goto out;
        sum += c.clen;
    }
    if (sum != hd.payload_len)
        goto out;
    *out = h;
    h = NULL;
    rc = OTA_OK;
out:
    ota_bundle_head_free(h);
    return rc;
}

/* ---- files ------------------------------------------------------------------- */

/* pread until n bytes or the end of the file; *got what was read */
static ota_err
pread_full(int fd, uint8_t *buf, size_t n, uint64_t off, size_t *got)
{
    size_t done = 0;
    while (done < n) {
        ssize_t r = pread(fd, buf + done, n - done, (off_t) (off + done));
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return OTA_E_IO;
        if (r == 0)
            break;
        done += (size_t) r;
    }
    *got = done;
    return OTA_OK;
}

ota_err
otab_head_pread(int fd, uint8_t **buf, size_t *len, bool *is_bundle, const char **why)
{
    const char *w = NULL;
    if (why == NULL)
        why = &w;
    *buf = NULL;
    *len = 0;
    *is_bundle = false;
    uint8_t hb[OTA_BUNDLE_HEADER_LEN];
    size_t got = 0;
    ota_err rc = pread_full(fd, hb, sizeof hb, 0, &got);
    if (rc != OTA_OK) {
        *why = "reading the bundle file failed";
        return rc;
    }
    if (got < OTA_BUNDLE_MAGIC_LEN || memcmp(hb, OTA_BUNDLE_MAGIC, OTA_BUNDLE_MAGIC_LEN) != 0) {
        *why = "not an update bundle";
        return OTA_E_FORMAT;
    }
    *is_bundle = true;
    if (got < sizeof hb) {
        *why = "the bundle file is truncated";
        return OTA_E_LENGTH;
    }
    /* fixed-width fields, each bounded (manifest <= 1 MiB, table <= 131072
     * entries: at most OTA_BUNDLE_MAX_HEAD) before the head's length is
     * computed from them */
    ota_bundle_header hd;
    if ((rc = ota_bundle_header_decode(hb, sizeof hb, &hd)) != OTA_OK) {
        *why = "the bundle's header is not valid";
        return rc;
    }
    uint64_t head_len64 = OTA_BUNDLE_HEADER_LEN + hd.manifest_len + hd.table_len;
    if (head_len64 > OTA_BUNDLE_MAX_HEAD) {
        *why = "the bundle's head is larger than the limit";
        return OTA_E_LIMIT;
    }
    size_t head_len = (size_t) head_len64;
    uint8_t *b = malloc(head_len);
    if (b == NULL) {
        *why = "out of memory";
        return OTA_E_NOMEM;
    }
    memcpy(b, hb, sizeof hb);
    rc = pread_full(fd, b + sizeof hb, head_len - sizeof hb, sizeof hb, &got);
    if (rc == OTA_OK && got != head_len - sizeof hb)
        rc = OTA_E_LENGTH;
    if (rc != OTA_OK) {
        *why = rc == OTA_E_LENGTH ? "the bundle file is truncated" : "reading the bundle file failed";
        free(b);
        return rc;
    }
    *buf = b;
    *len = head_len;
    return OTA_OK;
}

ota_err
ota_bundle_head_read_file(const char *path, ota_bundle_head **out)
{
    if (path == NULL || out == NULL)
        return OTA_E_ARG;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? OTA_E_NOT_FOUND : OTA_E_IO;
    ota_err rc = OTA_E_IO;
    uint8_t *buf = NULL;
    size_t head_len = 0;
    bool is_bundle = false;
    struct stat stt;
    ota_bundle_head *h = NULL;
    if (fstat(fd, &stt) != 0 || !S_ISREG(stt.st_mode))
        goto out;
    /* from the magic on it claims to be a bundle: never OTA_E_FORMAT */
    if ((rc = otab_head_pread(fd, &buf, &head_len, &is_bundle, NULL)) != OTA_OK)
        goto out;
    if ((rc = ota_bundle_head_parse(buf, head_len, &h)) != OTA_OK)
        goto out;
    rc = OTA_E_LENGTH;
    if ((uint64_t) stt.st_size != h->total_len)
        goto out;
    *out = h;
    h = NULL;
    rc = OTA_OK;
out:
    if (rc == OTA_E_FORMAT && is_bundle)
        rc = OTA_E_UNSUPPORTED;
    ota_bundle_head_free(h);
    free(buf);
    close(fd);
    return rc;
}

/* "sbom": {"source", "packages", "sha256" of the canonical list} into b */
static ota_err
sbom_summary(const char *path, const uint8_t head_sha256[32], json_t *b)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? OTA_E_NOT_FOUND : OTA_E_IO;
    ota_sbom s;
    ota_err rc = ota_bundle_sbom_read(fd, head_sha256, &s, NULL);
    close(fd);
    if (rc == OTA_E_NOT_FOUND)
        rc = OTA_E_FORMAT; /* the manifest said there is one */
    if (rc != OTA_OK)
        return rc == OTA_E_FORMAT ? OTA_E_UNSUPPORTED : rc; /* never "not a bundle" */
    uint8_t *list = NULL;
    size_t len = 0;
    rc = ota_sbom_encode(&s, &list, &len);
    if (rc == OTA_OK) {
        uint8_t sha[32];
        char hex[65];
        ota_sha256(list, len, sha);
        ota_hex_encode(sha, 32, hex);
        json_t *o = json_pack("{s:s, s:I, s:s}", "source", s.source, "packages",
                              (json_int_t) s.npkgs, "sha256", hex);
        if (o == NULL || json_object_set_new(b, "sbom", o) != 0)
            rc = OTA_E_NOMEM;
    }
    free(list);
    ota_sbom_free(&s);
    return rc;
}

ota_err
ota_bundle_target_custom(const char *path, json_t **custom)
{
    if (path == NULL || custom == NULL)
        return OTA_E_ARG;
    ota_bundle_head *h = NULL;
    ota_err rc = ota_bundle_head_read_file(path, &h);
    if (rc != OTA_OK)
        return rc;
    rc = OTA_E_NOMEM;
    char hex[65];
    ota_hex_encode(h->head_sha256, 32, hex);
    const ota_bundle_manifest *m = h->manifest;
    json_t *top = json_object(), *b = json_object(), *hw = json_array(), *cs = json_array();
    if (top == NULL || b == NULL || hw == NULL || cs == NULL)
        goto out;
    for (size_t i = 0; i < m->nhardware; i++)
        if (json_array_append_new(hw, json_string(m->hardware[i])) != 0)
            goto out;
    for (size_t i = 0; i < m->ncomponents; i++) {
        const ota_bundle_component *c = &m->components[i];
        json_t *o = json_pack("{s:s, s:s, s:I}", "name", c->name, "type",
                              ota_bundle_ctype_name(c->type), "size", (json_int_t) c->size);
        if (o == NULL || json_array_append_new(cs, o) != 0)
            goto out;
    }
    int e = json_object_set_new(b, "format", json_integer(m->format));
    if (m->format >= 2)
        e |= json_object_set_new(b, "compression", json_string(ota_bundle_codec_name(m->codec)));
    e |= json_object_set_new(b, "name", json_string(m->name));
    e |= json_object_set_new(b, "version", json_string(m->version));
    e |= json_object_set(b, "hardware", hw);
    if (m->created != NULL)
        e |= json_object_set_new(b, "created", json_string(m->created));
    e |= json_object_set_new(b, "chunk_size", json_integer(m->chunk_size));
    e |= json_object_set_new(b, "chunks", json_integer(m->nchunks));
    e |= json_object_set_new(b, "head_length", json_integer((json_int_t) h->head_len));
    e |= json_object_set_new(b, "head_sha256", json_string(hex));
    e |= json_object_set_new(b, "payload_length",
                             json_integer((json_int_t) h->header.payload_len));
    e |= json_object_set(b, "components", cs);
    if (m->ncomponents > 0 && m->components[m->ncomponents - 1].type == OTA_BUNDLE_SBOM) {
        /* which published bundles carry a list, without opening them (SBOM.md
         * "In a bundle"): read and checked against the head here */
        rc = sbom_summary(path, h->head_sha256, b);
        if (rc != OTA_OK)
            goto out;
        rc = OTA_E_NOMEM;
    }
    e |= json_object_set(top, "ota_bundle", b);
    if (e != 0)
        goto out;
    *custom = top;
    top = NULL;
    rc = OTA_OK;
out:
    json_decref(top);
    json_decref(b);
    json_decref(hw);
    json_decref(cs);
    ota_bundle_head_free(h);
    return rc;
}

ota_err
ota_bundle_custom_head(const json_t *custom, uint64_t *head_len, uint8_t head_sha256[32])
{
    if (custom == NULL || head_len == NULL || head_sha256 == NULL)
        return OTA_E_ARG;
    const json_t *b = json_object_get(custom, "ota_bundle");
    uint64_t len = 0, fmt = 0;
    const char *hex = get_str(b, "head_sha256");
    uint8_t sha[32];
    size_t n = 0;
    if (!json_is_object(b) || !get_uint(b, "format", UINT32_MAX, &fmt) ||
        !get_uint(b, "head_length", OTA_BUNDLE_MAX_HEAD, &len) || hex == NULL ||
        strlen(hex) != 64 || ota_hex_decode(hex, 64, sha, sizeof sha, &n) != OTA_OK || n != 32)
        return OTA_E_FORMAT;
    if (fmt < OTA_BUNDLE_FORMAT_MIN || fmt > OTA_BUNDLE_FORMAT_VERSION)
        return OTA_E_UNSUPPORTED;
    if (len < OTA_BUNDLE_HEADER_LEN)
        return OTA_E_FORMAT;
    *head_len = len;
    memcpy(head_sha256, sha, 32);
    return OTA_OK;
}
