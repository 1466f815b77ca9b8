/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_limits.c — every input limit in formats/ota_limits.h, in one table:
 * for each, the input exactly at the limit is accepted and one past it is
 * refused, through the real function that enforces it (JSON, TUF metadata,
 * keys, ids and versions, the release policy, bundles, reports, the
 * client's download ceilings
 * and caps, the server's path rule).  Limits a unit test cannot reasonably
 * reach (the server's defaults, its scan and rate limits) are listed at the
 * end of the table with where they are tested.  The closing line counts the
 * names covered here.
 *
 * ota-server's path rules are compiled in directly (as test_server_path.c
 * does): server/path.c makes no libmicrohttpd or SQLite calls.
 */
#include "../../server/path.c"

#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* cmocka 1.1 needs these before <cmocka.h>. */
/* clang-format off */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
/* clang-format on */

#include "ota_bundle.h"
#include "ota_id.h"
#include "ota_json.h"
#include "ota_key.h"
#include "ota_limits.h"
#include "ota_osv.h"
#include "ota_pkgver.h"
#include "ota_pkey.h"
#include "ota_release.h"
#include "ota_report.h"
#include "ota_sbom.h"
#include "ota_tuf.h"
#include "ota_util.h"
#include "testrepo.h"

/* ---- helpers ------------------------------------------------------------ */

/* n bytes of c, NUL-terminated (malloc'd). */
static char *
rep(char c, size_t n)
{
    char *s = malloc(n + 1);
    assert_non_null(s);
    memset(s, c, n);
    s[n] = '\0';
    return s;
}

/* A JSON string of n bytes of c (taken by json_pack's "o"). */
static json_t *
jrep(char c, size_t n)
{
    char *s = rep(c, n);
    json_t *j = json_stringn(s, n);
    free(s);
    return j;
}

static const char *EXP = "2099-01-01T00:00:00Z";
static uint8_t PK[32], SK[64]; /* one Ed25519 key for every document */
static json_t *KEYOBJ;         /* its key object */

/* {"signed": s, "signatures": sigs} parsed as role t; the md is freed. */
static ota_err
md_rc(json_t *s, json_t *sigs, ota_role_type t)
{
    json_t *doc = json_pack("{s:o, s:o}", "signed", s, "signatures", sigs ? sigs : json_array());
    ota_md *md = NULL;
    ota_err rc = ota_md_from_json(doc, t, &md);
    ota_md_free(md);
    return rc;
}

static json_t *
role_keys(json_t *keyids, json_int_t threshold)
{
    return json_pack("{s:o, s:I}", "keyids", keyids, "threshold", threshold);
}

/* A root whose keys object holds nkeys entries (KEYOBJ under "k0".."kN")
 * and whose root role lists `rolekeys` (taken; NULL: ["k0"], threshold
 * `threshold`). */
static json_t *
root_signed(size_t nkeys, json_t *rolekeys, json_int_t threshold)
{
    json_t *keys = json_object();
    for (size_t i = 0; i < nkeys; i++) {
        char id[32];
        snprintf(id, sizeof id, "k%zu", i);
        json_object_set(keys, id, KEYOBJ);
    }
    json_t *one = json_pack("[s]", "k0");
    json_t *s = json_pack(
        "{s:s, s:s, s:i, s:s, s:b, s:o, s:{s:o, s:o, s:o, s:o}}", "_type", "root", "spec_version",
        "1.0.31", "version", 1, "expires", EXP, "consistent_snapshot", 1, "keys", keys, "roles",
        "root", role_keys(rolekeys ? rolekeys : json_incref(one), threshold), "timestamp",
        role_keys(json_deep_copy(one), 1), "snapshot", role_keys(json_deep_copy(one), 1), "targets",
        role_keys(json_deep_copy(one), 1));
    json_decref(one);
    return s;
}

/* A targets document with `targets` (taken; NULL: {}) and `delegations`
 * (taken; NULL: none). */
static json_t *
targets_signed(json_t *targets, json_t *delegations)
{
    json_t *s =
        json_pack("{s:s, s:s, s:i, s:s, s:o}", "_type", "targets", "spec_version", "1.0.31",
                  "version", 1, "expires", EXP, "targets", targets ? targets : json_object());
    if (delegations != NULL)
        json_object_set_new(s, "delegations", delegations);
    return s;
}

static json_t *
target_entry(void)
{
    return json_pack("{s:i, s:{s:s}}", "length", 3, "hashes", "sha256",
                     "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

/* One delegated role: name, keyids ["k0"], paths `patterns` (taken). */
static json_t *
drole(const char *name, json_t *patterns)
{
    return json_pack("{s:s, s:[s], s:i, s:b, s:o}", "name", name, "keyids", "k0", "threshold", 1,
                     "terminating", 0, "paths", patterns);
}

static json_t *
delegations(json_t *roles)
{
    json_t *keys = json_object();
    json_object_set(keys, "k0", KEYOBJ);
    return json_pack("{s:o, s:o}", "keys", keys, "roles", roles);
}

/* ---- JSON --------------------------------------------------------------- */

/* A document of exactly n bytes: {"a":"xxx..."}. */
static ota_err
json_size(uint64_t n)
{
    uint8_t *b = malloc(n);
    memset(b, 'x', n);
    memcpy(b, "{\"a\":\"", 6);
    memcpy(b + n - 2, "\"}", 2);
    json_t *v = NULL;
    ota_err rc = ota_json_parse(b, n, 0, &v);
    json_decref(v);
    free(b);
    return rc;
}

/* n nested objects: {"a":{"a":...{}...}}. */
static ota_err
json_depth(uint64_t n)
{
    size_t len = 5 * n + n; /* "{\"a\":" per level but the last, "{}" and n - 1 "}" */
    char *b = malloc(len + 1), *p = b;
    for (uint64_t i = 0; i + 1 < n; i++)
        p += sprintf(p, "{\"a\":");
    p += sprintf(p, "{}");
    for (uint64_t i = 0; i + 1 < n; i++)
        *p++ = '}';
    json_t *v = NULL;
    ota_err rc = ota_json_parse((const uint8_t *) b, (size_t) (p - b), 0, &v);
    json_decref(v);
    free(b);
    return rc;
}

/* The canonical encoder: n nested objects built in memory. */
static ota_err
canonical_depth(uint64_t n)
{
    json_t *v = json_object();
    for (uint64_t i = 1; i < n; i++)
        v = json_pack("{s:o}", "a", v);
    uint8_t *out = NULL;
    size_t len = 0;
    ota_err rc = ota_json_canonical(v, &out, &len);
    free(out);
    json_decref(v);
    return rc;
}

/* ---- TUF metadata ------------------------------------------------------- */

static ota_err
tuf_keys(uint64_t n)
{
    return md_rc(root_signed((size_t) n, NULL, 1), NULL, OTA_ROLE_ROOT);
}

/* The root role lists n key ids. */
static ota_err
tuf_role_keyids(uint64_t n)
{
    json_t *ids = json_array();
    for (uint64_t i = 0; i < n; i++) {
        char id[32];
        snprintf(id, sizeof id, "k%llu", (unsigned long long) i);
        json_array_append_new(ids, json_string(id));
    }
    return md_rc(root_signed(1, ids, 1), NULL, OTA_ROLE_ROOT);
}

/* The root role's threshold is n (with n key ids listed: a threshold above
 * the limit is refused whatever the ids). */
static ota_err
tuf_threshold(uint64_t n)
{
    json_t *ids = json_array();
    for (uint64_t i = 0; i < n && i < OTA_MAX_ROLE_KEYIDS; i++) {
        char id[32];
        snprintf(id, sizeof id, "k%llu", (unsigned long long) i);
        json_array_append_new(ids, json_string(id));
    }
    return md_rc(root_signed(1, ids, (json_int_t) n), NULL, OTA_ROLE_ROOT);
}

/* n signatures, distinct key ids. */
static ota_err
tuf_signatures(uint64_t n)
{
    json_t *sigs = json_array();
    for (uint64_t i = 0; i < n; i++) {
        char id[32];
        snprintf(id, sizeof id, "s%llu", (unsigned long long) i);
        json_array_append_new(sigs, json_pack("{s:s, s:s}", "keyid", id, "sig", "00"));
    }
    return md_rc(targets_signed(NULL, NULL), sigs, OTA_ROLE_TARGETS);
}

/* A key id of n bytes in a keys object. */
static ota_err
tuf_keyid_len(uint64_t n)
{
    json_t *s = root_signed(1, NULL, 1);
    char *id = rep('a', (size_t) n);
    json_object_set(json_object_get(s, "keys"), id, KEYOBJ);
    free(id);
    return md_rc(s, NULL, OTA_ROLE_ROOT);
}

/* A key id of n bytes in a role's keyids. */
static ota_err
tuf_role_keyid_len(uint64_t n)
{
    json_t *ids = json_array();
    json_array_append_new(ids, jrep('a', (size_t) n));
    return md_rc(root_signed(1, ids, 1), NULL, OTA_ROLE_ROOT);
}

/* n delegated roles. */
static ota_err
tuf_delegations(uint64_t n)
{
    json_t *roles = json_array();
    for (uint64_t i = 0; i < n; i++) {
        char name[32];
        snprintf(name, sizeof name, "r%llu", (unsigned long long) i);
        json_array_append_new(roles, drole(name, json_pack("[s]", "a/*")));
    }
    return md_rc(targets_signed(NULL, delegations(roles)), NULL, OTA_ROLE_TARGETS);
}

/* A snapshot listing n metadata files (the top-level targets plus n - 1
 * delegated roles). */
static ota_err
tuf_snapshot_meta(uint64_t n)
{
    json_t *meta = json_object();
    for (uint64_t i = 0; i < n; i++) {
        char name[32];
        snprintf(name, sizeof name, i == 0 ? "targets.json" : "r%llu.json", (unsigned long long) i);
        json_object_set_new(meta, name, json_pack("{s:i}", "version", 1));
    }
    json_t *s = json_pack("{s:s, s:s, s:i, s:s, s:o}", "_type", "snapshot", "spec_version",
                          "1.0.31", "version", 1, "expires", EXP, "meta", meta);
    return md_rc(s, NULL, OTA_ROLE_SNAPSHOT);
}

/* One delegated role with n path patterns. */
static ota_err
tuf_role_paths(uint64_t n)
{
    json_t *pats = json_array();
    for (uint64_t i = 0; i < n; i++) {
        char p[32];
        snprintf(p, sizeof p, "p%llu/*", (unsigned long long) i);
        json_array_append_new(pats, json_string(p));
    }
    json_t *roles = json_pack("[o]", drole("r", pats));
    return md_rc(targets_signed(NULL, delegations(roles)), NULL, OTA_ROLE_TARGETS);
}

/* A target path of n bytes. */
static ota_err
tuf_target_path(uint64_t n)
{
    json_t *t = json_object();
    char *p = rep('a', (size_t) n);
    json_object_set_new(t, p, target_entry());
    free(p);
    return md_rc(targets_signed(t, NULL), NULL, OTA_ROLE_TARGETS);
}

/* A metadata file name of n bytes in a snapshot. */
static ota_err
tuf_meta_name(uint64_t n)
{
    json_t *meta = json_pack("{s:{s:i}}", "targets.json", "version", 1);
    char *p = rep('a', (size_t) n);
    json_object_set_new(meta, p, json_pack("{s:i}", "version", 1));
    free(p);
    json_t *s = json_pack("{s:s, s:s, s:i, s:s, s:o}", "_type", "snapshot", "spec_version",
                          "1.0.31", "version", 1, "expires", EXP, "meta", meta);
    return md_rc(s, NULL, OTA_ROLE_SNAPSHOT);
}

/* A delegation path pattern of n bytes. */
static ota_err
tuf_pattern_len(uint64_t n)
{
    json_t *roles = json_pack("[o]", drole("r", json_pack("[o]", jrep('a', (size_t) n))));
    return md_rc(targets_signed(NULL, delegations(roles)), NULL, OTA_ROLE_TARGETS);
}

/* A delegated role name of n bytes. */
static ota_err
tuf_role_name(uint64_t n)
{
    char *name = rep('r', (size_t) n);
    json_t *roles = json_pack("[o]", drole(name, json_pack("[s]", "a/*")));
    free(name);
    return md_rc(targets_signed(NULL, delegations(roles)), NULL, OTA_ROLE_TARGETS);
}

/* The document's version is n. */
static ota_err
tuf_json_int(uint64_t n)
{
    json_t *s = targets_signed(NULL, NULL);
    json_object_set_new(s, "version", json_integer((json_int_t) n));
    return md_rc(s, NULL, OTA_ROLE_TARGETS);
}

/* A signature value of n bytes (hex) in a document: OTA_OK when it is kept
 * as a well-formed signature, OTA_E_SIGNATURE when it is treated as an
 * invalid one (never an error: other signatures may still count). */
static ota_err
tuf_sig_parse(uint64_t n)
{
    char *hex = rep('a', (size_t) (2 * n));
    json_t *doc = json_pack("{s:o, s:[{s:s, s:s}]}", "signed", targets_signed(NULL, NULL),
                            "signatures", "keyid", "k0", "sig", hex);
    free(hex);
    ota_md *md = NULL;
    ota_err rc = ota_md_from_json(doc, OTA_ROLE_TARGETS, &md);
    if (rc == OTA_OK)
        rc = md->sigs[0].well_formed && md->sigs[0].len == n ? OTA_OK : OTA_E_SIGNATURE;
    ota_md_free(md);
    return rc;
}

/* Setting a signature of n bytes on a document. */
static ota_err
tuf_sig_set(uint64_t n)
{
    ota_md *md = NULL;
    json_t *doc = json_pack("{s:o, s:[]}", "signed", targets_signed(NULL, NULL), "signatures");
    assert_int_equal(ota_md_from_json(doc, OTA_ROLE_TARGETS, &md), OTA_OK);
    uint8_t *sig = calloc(1, (size_t) n);
    ota_err rc = ota_md_set_signature(md, "k0", sig, (size_t) n);
    free(sig);
    ota_md_free(md);
    return rc;
}

/* ---- public keys (ota_pkey): at the limit the junk is refused for what it
 * is, one past it for its size ----------------------------------------- */

static ota_err
pkey_pem(uint64_t n)
{
    char *pem = rep('A', (size_t) n);
    uint8_t der[OTA_MAX_SPKI_DER_LEN];
    size_t dl = 0;
    ota_err rc = ota_pkey_pem_to_spki(OTA_PKEY_ECDSA_P256, pem, (size_t) n, der, sizeof der, &dl);
    free(pem);
    return rc;
}

static ota_err
pkey_priv_pem(uint64_t n)
{
    char *pem = rep('A', (size_t) n);
    uint8_t sig[OTA_MAX_SIG_LEN];
    size_t sl = 0;
    ota_err rc = ota_pkey_sign(OTA_PKEY_ECDSA_P256, pem, (size_t) n, (const uint8_t *) "m", 1, sig,
                               sizeof sig, &sl);
    free(pem);
    return rc;
}

static ota_err
pkey_spki(uint64_t n)
{
    uint8_t *spki = calloc(1, (size_t) n);
    ota_err rc = ota_pkey_verify(OTA_PKEY_RSA_PSS_SHA256, spki, (size_t) n, (const uint8_t *) "m",
                                 1, (const uint8_t *) "s", 1);
    free(spki);
    return rc;
}

/* ---- ids and versions ------------------------------------------------- */

static ota_err
id_len(uint64_t n)
{
    char *s = rep('a', (size_t) n);
    bool ok = ota_id_valid(s);
    free(s);
    return ok ? OTA_OK : OTA_E_FORMAT;
}

/* "1.0.0-" and a pre-release of n - 6 bytes. */
static ota_err
version_len(uint64_t n)
{
    char *s = rep('a', (size_t) n);
    memcpy(s, "1.0.0-", 6);
    ota_err rc = ota_semver_check(s);
    free(s);
    return rc;
}

/* ---- SBOMs and advisories (formats/SBOM.md, formats/ADVISORIES.md) -------- */

static ota_err
pkgver_len(uint64_t n)
{
    char *s = rep('1', (size_t) n);
    ota_err rc = ota_debver_check(s, NULL);
    free(s);
    return rc;
}

/* an SPDX document of one package whose name is n bytes */
static ota_err
sbom_name_len(uint64_t n)
{
    char *name = rep('p', (size_t) n);
    size_t len = (size_t) n + 96;
    char *doc = malloc(len);
    snprintf(doc, len, "{\"spdxVersion\":\"SPDX-2.3\",\"packages\":[{\"SPDXID\":\"x\",\"name\":\"%s\"}]}",
             name);
    ota_sbom s;
    ota_err rc = ota_sbom_parse((const uint8_t *) doc, strlen(doc), &s, NULL);
    ota_sbom_free(&s);
    free(doc);
    free(name);
    return rc;
}

/* a dpkg status file of n installed packages */
static ota_err
sbom_status_packages(uint64_t n)
{
    ota_buf b = {.max = 64u * 1024u * 1024u};
    for (uint64_t i = 0; i < n; i++) {
        char st[96];
        int k = snprintf(st, sizeof st, "Package: p%llu\nStatus: install ok installed\nVersion: 1\n\n",
                         (unsigned long long) i);
        if (ota_buf_append(&b, st, (size_t) k) != OTA_OK)
            return OTA_E_NOMEM;
    }
    ota_sbom s;
    ota_err rc = ota_sbom_from_status(b.p, b.len, OTA_SBOM_DPKG, NULL, &s, NULL);
    ota_sbom_free(&s);
    ota_buf_free(&b);
    return rc;
}

/* an advisory with n aliases */
static ota_err
osv_aliases(uint64_t n)
{
    ota_buf b = {.max = 1024u * 1024u};
    const char *head = "{\"id\":\"X-1\",\"modified\":\"2024-01-01T00:00:00Z\",\"aliases\":[";
    ota_err rc = ota_buf_append(&b, head, strlen(head));
    for (uint64_t i = 0; rc == OTA_OK && i < n; i++)
        rc = ota_buf_append(&b, i ? ",\"CVE-1\"" : "\"CVE-1\"", i ? 8 : 7);
    if (rc == OTA_OK)
        rc = ota_buf_append(&b, "]}", 2);
    ota_osv adv;
    if (rc == OTA_OK)
        rc = ota_osv_parse(b.p, b.len, &adv, NULL);
    if (rc == OTA_OK)
        ota_osv_free(&adv);
    ota_buf_free(&b);
    return rc;
}

/* ---- the release policy (formats/RELEASE.md) ------------------------------ */

/* custom.ota_release with n channels c000, c001, ... (sorted): OTA_OK when
 * it is read with all n, else OTA_E_FORMAT. */
static ota_err
release_channels(uint64_t n)
{
    json_t *ch = json_array();
    char name[16];
    for (uint64_t i = 0; i < n; i++) {
        snprintf(name, sizeof name, "c%03u", (unsigned) i);
        assert_int_equal(json_array_append_new(ch, json_string(name)), 0);
    }
    json_t *rel = json_pack("{s:o}", "channels", ch);
    assert_non_null(rel);
    ota_release_policy p;
    ota_err rc = ota_release_read(rel, &p) == NULL && p.nchannels == n ? OTA_OK : OTA_E_FORMAT;
    json_decref(rel);
    return rc;
}

/* ota_policy with n floors b000, b001, ...: the floor of b000. */
static ota_err
policy_floors(uint64_t n)
{
    json_t *floors = json_object();
    char name[16];
    for (uint64_t i = 0; i < n; i++) {
        snprintf(name, sizeof name, "b%03u", (unsigned) i);
        assert_int_equal(json_object_set_new(floors, name, json_string("1.0.0")), 0);
    }
    json_t *policy = json_pack("{s:o}", "floors", floors);
    assert_non_null(policy);
    const char *v = NULL;
    ota_err rc = ota_policy_floor(policy, "b000", &v);
    if (rc == OTA_OK) {
        assert_non_null(v);
        assert_string_equal(v, "1.0.0");
    }
    json_decref(policy);
    return rc;
}

/* ---- bundles -------------------------------------------------------------- */

/* A header with one field set to n (the rest consistent with it). */
enum { H_CHUNK_SIZE, H_CHUNKS, H_MANIFEST };
static ota_err
header_with(int field, uint64_t n)
{
    ota_bundle_header h = {.format = OTA_BUNDLE_FORMAT_VERSION,
                           .chunk_size = OTA_BUNDLE_MIN_CHUNK_SIZE,
                           .chunk_count = 1,
                           .manifest_len = 100};
    if (field == H_CHUNK_SIZE)
        h.chunk_size = (uint32_t) n;
    else if (field == H_CHUNKS)
        h.chunk_count = (uint32_t) n;
    else
        h.manifest_len = n;
    h.table_len = (uint64_t) h.chunk_count * OTA_BUNDLE_ENTRY_LEN;
    h.payload_len = h.chunk_count;
    uint8_t b[OTA_BUNDLE_HEADER_LEN];
    ota_bundle_header_encode(&h, b);
    ota_bundle_header out;
    return ota_bundle_header_decode(b, sizeof b, &out);
}
static ota_err
header_chunk_size(uint64_t n)
{
    return header_with(H_CHUNK_SIZE, n);
}
static ota_err
header_chunks(uint64_t n)
{
    return header_with(H_CHUNKS, n);
}
static ota_err
header_manifest(uint64_t n)
{
    return header_with(H_MANIFEST, n);
}

/* A valid manifest (canonical JSON) with ncomp image components of size
 * `size` each, nhw hardware ids, chunk size cs, a pre-install hook of hook
 * bytes (0: none) and, when entries > 0, one tree component instead with
 * that many entries. */
static ota_err
manifest_rc(size_t ncomp, uint64_t size, size_t nhw, uint64_t cs, size_t hook, uint64_t entries)
{
    json_t *comps = json_array();
    for (size_t i = 0; i < ncomp; i++) {
        char name[32];
        snprintf(name, sizeof name, "c%03zu", i);
        if (entries > 0)
            json_array_append_new(comps, json_pack("{s:I, s:s, s:b, s:I, s:s, s:I}", "entries",
                                                   (json_int_t) entries, "name", name, "rootfs", 0,
                                                   "size", (json_int_t) 1024, "type", "tree",
                                                   "unpacked", (json_int_t) 0));
        else
            json_array_append_new(comps, json_pack("{s:s, s:I, s:s}", "name", name, "size",
                                                   (json_int_t) size, "type", "image"));
    }
    json_t *hw = json_array();
    for (size_t i = 0; i < nhw; i++) {
        char id[32];
        snprintf(id, sizeof id, "hw%05zu", i); /* sorted */
        json_array_append_new(hw, json_string(id));
    }
    json_t *m = json_pack("{s:I, s:o, s:i, s:o, s:s, s:s, s:s}", "chunk_size", (json_int_t) cs,
                          "components", comps, "format", 1, "hardware", hw, "name", "fw", "type",
                          "ota-bundle", "version", "1.0.0");
    if (hook > 0) {
        uint8_t *script = malloc(hook);
        memset(script, '#', hook);
        size_t b64cap = sodium_base64_ENCODED_LEN(hook, sodium_base64_VARIANT_ORIGINAL);
        char *b64 = malloc(b64cap);
        sodium_bin2base64(b64, b64cap, script, hook, sodium_base64_VARIANT_ORIGINAL);
        json_object_set_new(m, "hooks", json_pack("{s:s}", "pre-install", b64));
        free(b64);
        free(script);
    }
    uint8_t *canon = NULL;
    size_t len = 0;
    assert_int_equal(ota_json_canonical(m, &canon, &len), OTA_OK);
    json_decref(m);
    ota_bundle_manifest *man = NULL;
    ota_err rc = ota_bundle_manifest_parse(canon, len, &man);
    ota_bundle_manifest_free(man);
    free(canon);
    return rc;
}
static ota_err
man_components(uint64_t n)
{
    return manifest_rc((size_t) n, 1, 1, 65536, 0, 0);
}
static ota_err
man_hardware(uint64_t n)
{
    return manifest_rc(1, 1, (size_t) n, 65536, 0, 0);
}
static ota_err
man_hook(uint64_t n)
{
    return manifest_rc(1, 1, 1, 65536, (size_t) n, 0);
}
static ota_err
man_entries(uint64_t n)
{
    return manifest_rc(1, 0, 1, 65536, 0, n);
}
static ota_err
man_chunk_size(uint64_t n)
{
    return manifest_rc(1, 1, 1, n, 0, 0);
}
/* One component of n chunks of 64 KiB. */
static ota_err
man_chunks(uint64_t n)
{
    return manifest_rc(1, n * OTA_BUNDLE_MIN_CHUNK_SIZE, 1, OTA_BUNDLE_MIN_CHUNK_SIZE, 0, 0);
}
/* Two components: n chunks in all (the sum is bounded, not each). */
static ota_err
man_chunks_sum(uint64_t n)
{
    json_t *comps = json_array();
    uint64_t half = n / 2;
    json_array_append_new(comps, json_pack("{s:s, s:I, s:s}", "name", "a", "size",
                                           (json_int_t) (half * 65536), "type", "image"));
    json_array_append_new(comps, json_pack("{s:s, s:I, s:s}", "name", "b", "size",
                                           (json_int_t) ((n - half) * 65536), "type", "image"));
    json_t *m = json_pack("{s:i, s:o, s:i, s:[s], s:s, s:s, s:s}", "chunk_size", 65536,
                          "components", comps, "format", 1, "hardware", "hw", "name", "fw", "type",
                          "ota-bundle", "version", "1.0.0");
    uint8_t *canon = NULL;
    size_t len = 0;
    assert_int_equal(ota_json_canonical(m, &canon, &len), OTA_OK);
    json_decref(m);
    ota_bundle_manifest *man = NULL;
    ota_err rc = ota_bundle_manifest_parse(canon, len, &man);
    ota_bundle_manifest_free(man);
    free(canon);
    return rc;
}

/* Manifest bytes of length n: nothing this long is a valid manifest, so at
 * the limit it is refused for its content (not OTA_E_LIMIT), past it for its
 * size. */
static ota_err
man_size(uint64_t n)
{
    uint8_t *b = malloc((size_t) n);
    memset(b, ' ', (size_t) n);
    b[0] = '{';
    b[n - 1] = '}';
    ota_bundle_manifest *man = NULL;
    ota_err rc = ota_bundle_manifest_parse(b, (size_t) n, &man);
    ota_bundle_manifest_free(man);
    free(b);
    return rc;
}

/* A target's custom.ota_bundle naming a head of n bytes. */
static ota_err
custom_head(uint64_t n)
{
    json_t *c = json_pack("{s:{s:i, s:I, s:o}}", "ota_bundle", "format", 1, "head_length",
                          (json_int_t) n, "head_sha256", jrep('0', 64));
    uint64_t len = 0;
    uint8_t sha[32];
    ota_err rc = ota_bundle_custom_head(c, &len, sha);
    json_decref(c);
    return rc;
}

/* An entry path (and a symlink target) of n bytes: "a/a/.../a". */
static char *
long_path(size_t n)
{
    char *p = rep('a', n);
    for (size_t i = 1; i + 1 < n; i += 2)
        p[i] = '/';
    return p;
}
static ota_err
entry_path(uint64_t n)
{
    char *p = long_path((size_t) n);
    ota_err rc = ota_bundle_path_check(p);
    free(p);
    return rc;
}
static ota_err
link_target(uint64_t n)
{
    char *p = long_path((size_t) n);
    ota_err rc = ota_bundle_link_check("x", p, false);
    free(p);
    return rc;
}

/* The writer: a config with n hardware ids / chunk size n. */
static ota_err
writer_cfg(size_t nhw, uint32_t cs, ota_bundle_writer **out)
{
    char **hw = calloc(nhw ? nhw : 1, sizeof *hw);
    for (size_t i = 0; i < nhw; i++) {
        hw[i] = malloc(32);
        snprintf(hw[i], 32, "hw%05zu", i);
    }
    ota_bundle_writer_config cfg = {.size = sizeof cfg,
                                    .name = "fw",
                                    .version = "1.0.0",
                                    .hardware = (const char *const *) hw,
                                    .nhardware = nhw,
                                    .chunk_size = cs,
                                    .jobs = 1,
                                    .tmp_dir = "/tmp"};
    ota_bundle_writer *w = NULL;
    ota_err rc = ota_bundle_writer_new(&cfg, &w);
    for (size_t i = 0; i < nhw; i++)
        free(hw[i]);
    free(hw);
    if (out != NULL && rc == OTA_OK)
        *out = w;
    else
        ota_bundle_writer_free(w);
    return rc;
}
static ota_err
writer_hardware(uint64_t n)
{
    return writer_cfg((size_t) n, 0, NULL);
}
static ota_err
writer_chunk_size(uint64_t n)
{
    return writer_cfg(1, (uint32_t) n, NULL);
}

static char tmpdir[64];

/* n image components (one small file each). */
static ota_err
writer_components(uint64_t n)
{
    ota_bundle_writer *w = NULL;
    assert_int_equal(writer_cfg(1, 0, &w), OTA_OK);
    char img[128];
    snprintf(img, sizeof img, "%s/img", tmpdir);
    ota_err rc = OTA_OK;
    for (uint64_t i = 0; i < n && rc == OTA_OK; i++) {
        char name[32];
        snprintf(name, sizeof name, "c%llu", (unsigned long long) i);
        rc = ota_bundle_writer_add_image(w, name, img);
    }
    ota_bundle_writer_free(w);
    return rc;
}

static ota_err
writer_hook(uint64_t n)
{
    ota_bundle_writer *w = NULL;
    assert_int_equal(writer_cfg(1, 0, &w), OTA_OK);
    uint8_t *s = malloc((size_t) n);
    memset(s, '#', (size_t) n);
    ota_err rc = ota_bundle_writer_set_hook(w, OTA_BUNDLE_PRE_INSTALL, s, (size_t) n);
    free(s);
    ota_bundle_writer_free(w);
    return rc;
}

/* A tree of n nested directories (d/d/.../d) below the component's root. */
static ota_err
writer_depth(uint64_t n)
{
    char root[128], p[1024];
    snprintf(root, sizeof root, "%s/depth%llu", tmpdir, (unsigned long long) n);
    assert_int_equal(mkdir(root, 0755), 0);
    size_t o = (size_t) snprintf(p, sizeof p, "%s", root);
    for (uint64_t i = 0; i < n; i++) {
        o += (size_t) snprintf(p + o, sizeof p - o, "/d");
        assert_int_equal(mkdir(p, 0755), 0);
    }
    ota_bundle_writer *w = NULL;
    assert_int_equal(writer_cfg(1, 0, &w), OTA_OK);
    ota_err rc = ota_bundle_writer_add_tree(w, "rootfs", root, false);
    ota_bundle_writer_free(w);
    return rc;
}

/* ---- reports ---------------------------------------------------------------- */

static ota_report
report(void)
{
    ota_report r;
    memset(&r, 0, sizeof r);
    strcpy(r.device_id, "dev-1");
    strcpy(r.hardware_id, "hw-1");
    strcpy(r.installed_version, "1.0.0");
    r.result = OTA_REPORT_FAILURE;
    strcpy(r.error, "E_HASH");
    strcpy(r.time, "2024-02-29T23:59:59Z");
    r.seq = 1;
    return r;
}

/* Re-sign a report document after editing its "signed" part: what a
 * device (or an attacker with its own key) could send. */
static uint8_t *
resign(json_t *doc, size_t *len)
{
    uint8_t *c = NULL, sig[64];
    size_t cl = 0;
    char hex[129];
    assert_int_equal(ota_json_canonical(json_object_get(doc, "signed"), &c, &cl), OTA_OK);
    crypto_sign_detached(sig, NULL, c, cl, SK);
    free(c);
    ota_hex_encode(sig, 64, hex);
    json_object_set_new(json_array_get(json_object_get(doc, "signatures"), 0), "sig",
                        json_string(hex));
    uint8_t *out = NULL;
    assert_int_equal(ota_json_canonical(doc, &out, len), OTA_OK);
    return out;
}

/* A signed report document, then `edit` applied to its signed part and
 * re-signed; parsed. */
static ota_err
report_parse_edited(const char *field, json_t *value)
{
    ota_report r = report();
    uint8_t *doc = NULL;
    size_t len = 0;
    assert_int_equal(ota_report_sign(&r, NULL, SK, &doc, &len), OTA_OK);
    json_t *j = NULL;
    assert_int_equal(ota_json_parse(doc, len, 0, &j), OTA_OK);
    free(doc);
    json_object_set_new(json_object_get(j, "signed"), field, value);
    doc = resign(j, &len);
    json_decref(j);
    ota_report out;
    ota_err rc = ota_report_parse(doc, len, &out);
    free(doc);
    return rc;
}

static ota_err
report_error_len(uint64_t n)
{
    return report_parse_edited("error", jrep('e', (size_t) n));
}

static ota_err
report_seq(uint64_t n)
{
    return report_parse_edited("seq", json_integer((json_int_t) n));
}

/* ota_report_sign refuses to write what parse would refuse. */
static ota_err
report_sign_seq(uint64_t n)
{
    ota_report r = report();
    r.seq = n;
    uint8_t *doc = NULL;
    size_t len = 0;
    ota_err rc = ota_report_sign(&r, NULL, SK, &doc, &len);
    free(doc);
    return rc;
}

/* A report of exactly n bytes: a custom object padded to fit. */
static ota_err
report_doc(uint64_t n, bool sign_only)
{
    ota_report r = report();
    uint8_t *doc = NULL;
    size_t len = 0;
    json_t *custom = json_pack("{s:s}", "pad", "");
    assert_int_equal(ota_report_sign(&r, custom, SK, &doc, &len), OTA_OK);
    free(doc);
    doc = NULL;
    assert_true(len <= n);
    json_object_set_new(custom, "pad", jrep('p', (size_t) (n - len)));
    ota_err rc;
    if (sign_only) {
        rc = ota_report_sign(&r, custom, SK, &doc, &len);
        assert_true(rc != OTA_OK || len == n);
    } else {
        /* past the limit sign refuses: build it by hand */
        json_t *small = json_pack("{s:s}", "pad", "");
        assert_int_equal(ota_report_sign(&r, small, SK, &doc, &len), OTA_OK);
        json_decref(small);
        json_t *j = NULL;
        assert_int_equal(ota_json_parse(doc, len, 0, &j), OTA_OK);
        free(doc);
        json_object_set(json_object_get(j, "signed"), "custom", custom);
        doc = resign(j, &len);
        json_decref(j);
        assert_int_equal(len, n);
        ota_report out;
        rc = ota_report_parse(doc, len, &out);
    }
    free(doc);
    json_decref(custom);
    return rc;
}
static ota_err
report_size_parse(uint64_t n)
{
    return report_doc(n, false);
}
static ota_err
report_size_sign(uint64_t n)
{
    return report_doc(n, true);
}

/* ---- the client: download ceilings and caps (testrepo.h's world) ------------- */

/* Re-sign the world's timestamp with a padding field so that it is n bytes
 * long. */
static void
pad_timestamp(world *w, uint64_t n)
{
    fentry *sn = fake_find(&w->f, MURL "1.snapshot.json");
    assert_non_null(sn);
    tkey *k[1] = {&w->ts};
    size_t pad = 0, len = 0;
    for (int round = 0; round < 3; round++) {
        json_t *ts = json_pack("{s:s, s:s, s:I, s:s, s:{s:o}, s:o}", "_type", "timestamp",
                               "spec_version", "1.0.31", "version", (json_int_t) w->ts_v, "expires",
                               FUTURE, "meta", "snapshot.json",
                               meta_entry(w->sn_v, sn->data, sn->len), "x_pad", jrep('p', pad));
        uint8_t *tb = sign_doc(ts, OTA_ROLE_TIMESTAMP, k, 1, &len);
        fake_meta(&w->f, "timestamp.json", tb, len);
        free(tb);
        if (len == n)
            return;
        assert_true(len < n + pad);
        pad = pad + (size_t) n - len;
    }
    fail_msg("timestamp not padded to %llu bytes", (unsigned long long) n);
}

static ota_err
client_timestamp_size(uint64_t n)
{
    world *w = world_new();
    world_publish(w);
    pad_timestamp(w, n);
    ota_client *c = world_client(w, NULL);
    ota_err rc = ota_client_refresh(c);
    world_free(w);
    return rc;
}

/* Root v2 padded to n bytes (signed by the one root key, as v1). */
static ota_err
client_root_size(uint64_t n)
{
    world *w = world_new();
    world_publish(w);
    ota_client *c = world_client(w, NULL);
    tkey *k[1] = {&w->root};
    size_t pad = 0, len = 0;
    for (int round = 0; round < 3; round++) {
        json_t *r = root_obj(2, FUTURE, &w->root, &w->ts, &w->sn, &w->tg);
        json_object_set_new(r, "x_pad", jrep('p', pad));
        uint8_t *rb = sign_doc(r, OTA_ROLE_ROOT, k, 1, &len);
        fake_meta(&w->f, "2.root.json", rb, len);
        free(rb);
        if (len == n)
            break;
        pad = pad + (size_t) n - len;
    }
    assert_int_equal(len, n);
    ota_err rc = ota_client_refresh(c);
    int64_t v = 0;
    if (rc == OTA_OK)
        rc = ota_client_role_version(c, "root", &v) == OTA_OK && v == 2 ? OTA_OK : OTA_E_VERSION;
    world_free(w);
    return rc;
}

/* Snapshot (or targets) of n bytes whose length the signed meta does not
 * give: only the client's default ceiling bounds it. */
static ota_err
client_unlisted_size(uint64_t n, bool snapshot)
{
    world *w = world_new();
    tkey *k[1];
    size_t len = 0, pad = 0;
    uint8_t *tb = NULL, *sb = NULL;
    size_t tlen = 0, slen = 0;
    /* targets: padded when it is the one measured */
    for (int round = 0; round < 3; round++) {
        free(tb);
        json_t *t = json_deep_copy(w->tgt);
        if (!snapshot)
            json_object_set_new(t, "x_pad", jrep('p', pad));
        k[0] = &w->tg;
        tb = sign_doc(t, OTA_ROLE_TARGETS, k, 1, &tlen);
        if (snapshot || tlen == n)
            break;
        pad = pad + (size_t) n - tlen;
    }
    fake_meta(&w->f, "1.targets.json", tb, tlen);
    pad = 0;
    for (int round = 0; round < 3; round++) {
        free(sb);
        json_t *meta = json_pack("{s:{s:i}}", "targets.json", "version", 1); /* no length */
        json_t *s = json_pack("{s:s, s:s, s:i, s:s, s:o}", "_type", "snapshot", "spec_version",
                              "1.0.31", "version", 1, "expires", FUTURE, "meta", meta);
        if (snapshot)
            json_object_set_new(s, "x_pad", jrep('p', pad));
        k[0] = &w->sn;
        sb = sign_doc(s, OTA_ROLE_SNAPSHOT, k, 1, &slen);
        if (!snapshot || slen == n)
            break;
        pad = pad + (size_t) n - slen;
    }
    fake_meta(&w->f, "1.snapshot.json", sb, slen);
    assert_int_equal(snapshot ? slen : tlen, n);
    json_t *ts = json_pack("{s:s, s:s, s:i, s:s, s:{s:{s:i}}}", "_type", "timestamp",
                           "spec_version", "1.0.31", "version", 1, "expires", FUTURE, "meta",
                           "snapshot.json", "version", 1); /* no length */
    k[0] = &w->ts;
    uint8_t *tsb = sign_doc(ts, OTA_ROLE_TIMESTAMP, k, 1, &len);
    fake_meta(&w->f, "timestamp.json", tsb, len);
    free(tsb);
    free(tb);
    free(sb);
    /* root v1 only */
    k[0] = &w->root;
    uint8_t *r =
        sign_doc(root_obj(1, FUTURE, &w->root, &w->ts, &w->sn, &w->tg), OTA_ROLE_ROOT, k, 1, &len);
    fake_meta(&w->f, "1.root.json", r, len);
    char path[128];
    snprintf(path, sizeof path, "%s/root.json", w->dir);
    FILE *fp = fopen(path, "wb");
    fwrite(r, 1, len, fp);
    fclose(fp);
    free(r);
    ota_client *c = world_client(w, NULL);
    ota_err rc = ota_client_refresh(c);
    world_free(w);
    return rc;
}
static ota_err
client_snapshot_size(uint64_t n)
{
    return client_unlisted_size(n, true);
}
static ota_err
client_targets_size(uint64_t n)
{
    return client_unlisted_size(n, false);
}

/* n new roots (v2..v(n+1)) published: OTA_OK when the client followed all
 * of them, OTA_E_LIMIT when it stopped at its cap (and went on with the
 * newest it reached, as the specification says). */
static ota_err
client_rotations(uint64_t n)
{
    world *w = world_new();
    w->root_v = (int64_t) n + 1;
    world_publish(w);
    ota_client *c = world_client(w, NULL);
    ota_err rc = ota_client_refresh(c);
    int64_t v = 0;
    if (rc == OTA_OK && ota_client_role_version(c, "root", &v) == OTA_OK)
        rc = v == (int64_t) n + 1              ? OTA_OK
             : v == OTA_MAX_ROOT_ROTATIONS + 1 ? OTA_E_LIMIT
                                               : OTA_E_VERSION;
    world_free(w);
    return rc;
}

/* The target is found in the n-th targets role the search visits (the
 * top-level targets, then n - 1 delegated roles listed in order, each
 * covering the path without holding it but the last). */
static ota_err
client_visits(uint64_t n)
{
    world *w = world_new();
    json_object_clear(json_object_get(w->tgt, "targets"));
    for (uint64_t i = 1; i < n; i++) {
        char name[32];
        snprintf(name, sizeof name, "r%02llu", (unsigned long long) i);
        json_t *r = world_role(w, name);
        add_delegation(w->tgt, name, role_key(w, name), json_pack("[s]", "fw/*"), false, false);
        if (i + 1 == n)
            add_target(r, "fw/x.bin", "x", 1);
    }
    world_publish(w);
    ota_client *c = world_client(w, NULL);
    ota_err rc = ota_client_refresh(c);
    ota_target_info t = OTA_TARGET_INFO_INIT;
    if (rc == OTA_OK)
        rc = ota_client_get_target(c, "fw/x.bin", &t);
    if (rc != OTA_OK && rc != OTA_E_NOT_FOUND)
        print_message("client_visits(%llu): %s\n", (unsigned long long) n, ota_client_errmsg(c));
    world_free(w);
    return rc;
}

/* ---- ota-server's URL paths (server/path.c) ------------------------------- */

/* n segments "/a/a/.../a". */
static ota_err
server_segments(uint64_t n)
{
    char *url = malloc(2 * n + 1), out[OTA_MAX_PATH_LEN + 1];
    for (uint64_t i = 0; i < n; i++)
        memcpy(url + 2 * i, "/a", 2);
    url[2 * n] = '\0';
    srv_path_rc rc = srv_path_parse(url, out, sizeof out);
    free(url);
    return rc == SRV_PATH_OK ? OTA_OK : rc == SRV_PATH_LONG ? OTA_E_LIMIT : OTA_E_FORMAT;
}

/* A path of n bytes (segments of 200). */
static ota_err
server_path_len(uint64_t n)
{
    char *url = malloc(n + 2), out[OTA_MAX_PATH_LEN + 2];
    url[0] = '/';
    for (uint64_t i = 0; i < n; i++)
        url[1 + i] = i % 201 == 200 ? '/' : 'a';
    url[n + 1] = '\0';
    srv_path_rc rc = srv_path_parse(url, out, sizeof out);
    free(url);
    return rc == SRV_PATH_OK ? OTA_OK : rc == SRV_PATH_LONG ? OTA_E_LIMIT : OTA_E_FORMAT;
}

/* ---- the table ---------------------------------------------------------------- */

/* Accepted at the limit: OTA_OK, or (for inputs that cannot be valid at
 * that size) any refusal but the one for the limit. */
#define NOT_PAST ((ota_err) -1000)

typedef struct limit_case {
    const char *name;  /* in ota_limits.h */
    const char *where; /* the function that enforces it, and how */
    uint64_t at;       /* the edge that is accepted */
    uint64_t past;     /* one past it (for a power of two, the next one) */
    ota_err (*run)(uint64_t n);
    ota_err at_rc;   /* OTA_OK or NOT_PAST */
    ota_err past_rc; /* the refusal */
} limit_case;

static const limit_case cases[] = {
    /* JSON */
    {"OTA_MAX_METADATA_SIZE", "ota_json_parse: bytes", OTA_MAX_METADATA_SIZE,
     OTA_MAX_METADATA_SIZE + 1, json_size, OTA_OK, OTA_E_LIMIT},
    {"OTA_MAX_JSON_DEPTH", "ota_json_parse: nested objects", OTA_MAX_JSON_DEPTH,
     OTA_MAX_JSON_DEPTH + 1, json_depth, OTA_OK, OTA_E_LIMIT},
    {"OTA_MAX_JSON_DEPTH", "ota_json_canonical: nested objects", OTA_MAX_JSON_DEPTH,
     OTA_MAX_JSON_DEPTH + 1, canonical_depth, OTA_OK, OTA_E_FORMAT},
    {"OTA_MAX_JSON_INT", "ota_md_from_json: a metadata version", OTA_MAX_JSON_INT,
     OTA_MAX_JSON_INT + 1, tuf_json_int, OTA_OK, OTA_E_FORMAT},
    /* TUF metadata */
    {"OTA_MAX_KEYS", "ota_md_from_json: root keys", OTA_MAX_KEYS, OTA_MAX_KEYS + 1, tuf_keys,
     OTA_OK, OTA_E_LIMIT},
    {"OTA_MAX_ROLE_KEYIDS", "ota_md_from_json: key ids of a role", OTA_MAX_ROLE_KEYIDS,
     OTA_MAX_ROLE_KEYIDS + 1, tuf_role_keyids, OTA_OK, OTA_E_LIMIT},
    {"OTA_MAX_ROLE_KEYIDS", "ota_md_from_json: a role's threshold", OTA_MAX_ROLE_KEYIDS,
     OTA_MAX_ROLE_KEYIDS + 1, tuf_threshold, OTA_OK, OTA_E_THRESHOLD},
    {"OTA_MAX_SIGNATURES", "ota_md_from_json: signatures", OTA_MAX_SIGNATURES,
     OTA_MAX_SIGNATURES + 1, tuf_signatures, OTA_OK, OTA_E_LIMIT},
    {"OTA_MAX_DELEGATIONS", "ota_md_from_json: delegated roles", OTA_MAX_DELEGATIONS,
     OTA_MAX_DELEGATIONS + 1, tuf_delegations, OTA_OK, OTA_E_LIMIT},
    {"OTA_MAX_DELEGATIONS", "ota_md_from_json: snapshot meta (targets + roles)",
     OTA_MAX_DELEGATIONS + 1, OTA_MAX_DELEGATIONS + 2, tuf_snapshot_meta, OTA_OK, OTA_E_LIMIT},
    {"OTA_MAX_ROLE_PATHS", "ota_md_from_json: paths of a delegated role", OTA_MAX_ROLE_PATHS,
     OTA_MAX_ROLE_PATHS + 1, tuf_role_paths, OTA_OK, OTA_E_LIMIT},
    {"OTA_MAX_PATH_LEN", "ota_md_from_json: target path", OTA_MAX_PATH_LEN, OTA_MAX_PATH_LEN + 1,
     tuf_target_path, OTA_OK, OTA_E_FORMAT},
    {"OTA_MAX_PATH_LEN", "ota_md_from_json: snapshot meta name", OTA_MAX_PATH_LEN,
     OTA_MAX_PATH_LEN + 1, tuf_meta_name, OTA_OK, OTA_E_FORMAT},
    {"OTA_MAX_PATH_LEN", "ota_md_from_json: delegation path pattern", OTA_MAX_PATH_LEN,
     OTA_MAX_PATH_LEN + 1, tuf_pattern_len, OTA_OK, OTA_E_FORMAT},
    {"OTA_MAX_PATH_LEN", "srv_path_parse: URL path bytes", OTA_MAX_PATH_LEN, OTA_MAX_PATH_LEN + 1,
     server_path_len, OTA_OK, OTA_E_LIMIT},
    {"OTA_MAX_ROLE_NAME_LEN", "ota_md_from_json: delegated role name", OTA_MAX_ROLE_NAME_LEN,
     OTA_MAX_ROLE_NAME_LEN + 1, tuf_role_name, OTA_OK, OTA_E_FORMAT},
    {"OTA_MAX_KEYID_LEN", "ota_md_from_json: key id in keys", OTA_MAX_KEYID_LEN,
     OTA_MAX_KEYID_LEN + 1, tuf_keyid_len, OTA_OK, OTA_E_FORMAT},
    {"OTA_MAX_KEYID_LEN", "ota_md_from_json: key id in a role", OTA_MAX_KEYID_LEN,
     OTA_MAX_KEYID_LEN + 1, tuf_role_keyid_len, OTA_OK, OTA_E_FORMAT},
    {"OTA_MAX_SIG_LEN", "ota_md_from_json: a signature value (else invalid, not fatal)",
     OTA_MAX_SIG_LEN, OTA_MAX_SIG_LEN + 1, tuf_sig_parse, OTA_OK, OTA_E_SIGNATURE},
    {"OTA_MAX_SIG_LEN", "ota_md_set_signature", OTA_MAX_SIG_LEN, OTA_MAX_SIG_LEN + 1, tuf_sig_set,
     OTA_OK, OTA_E_ARG},
    /* public keys */
    {"OTA_MAX_PEM_LEN", "ota_pkey_pem_to_spki", OTA_MAX_PEM_LEN, OTA_MAX_PEM_LEN + 1, pkey_pem,
     NOT_PAST, OTA_E_LIMIT},
    {"OTA_MAX_PEM_LEN", "ota_pkey_sign: private PEM", OTA_MAX_PEM_LEN, OTA_MAX_PEM_LEN + 1,
     pkey_priv_pem, NOT_PAST, OTA_E_LIMIT},
    {"OTA_MAX_SPKI_DER_LEN", "ota_pkey_verify: SPKI DER", OTA_MAX_SPKI_DER_LEN,
     OTA_MAX_SPKI_DER_LEN + 1, pkey_spki, NOT_PAST, OTA_E_LIMIT},
    /* ids and versions */
    {"OTA_MAX_ID_LEN", "ota_id_valid", OTA_MAX_ID_LEN, OTA_MAX_ID_LEN + 1, id_len, OTA_OK,
     OTA_E_FORMAT},
    {"OTA_MAX_VERSION_LEN", "ota_semver_check", OTA_MAX_VERSION_LEN, OTA_MAX_VERSION_LEN + 1,
     version_len, OTA_OK, OTA_E_FORMAT},
    /* the release policy */
    {"OTA_RELEASE_MAX_CHANNELS", "ota_release_read: channels of a release",
     OTA_RELEASE_MAX_CHANNELS, OTA_RELEASE_MAX_CHANNELS + 1, release_channels, OTA_OK,
     OTA_E_FORMAT},
    {"OTA_POLICY_MAX_FLOORS", "ota_policy_floor: floors", OTA_POLICY_MAX_FLOORS,
     OTA_POLICY_MAX_FLOORS + 1, policy_floors, OTA_OK, OTA_E_FORMAT},
    /* bundles */
    {"OTA_BUNDLE_MIN_CHUNK_SIZE", "ota_bundle_header_decode (at; half: refused)",
     OTA_BUNDLE_MIN_CHUNK_SIZE, OTA_BUNDLE_MIN_CHUNK_SIZE / 2, header_chunk_size, OTA_OK,
     OTA_E_FORMAT},
    {"OTA_BUNDLE_MAX_CHUNK_SIZE", "ota_bundle_header_decode (at; double: refused)",
     OTA_BUNDLE_MAX_CHUNK_SIZE, 2 * OTA_BUNDLE_MAX_CHUNK_SIZE, header_chunk_size, OTA_OK,
     OTA_E_LIMIT},
    {"OTA_BUNDLE_MAX_CHUNKS", "ota_bundle_header_decode: chunk count", OTA_BUNDLE_MAX_CHUNKS,
     OTA_BUNDLE_MAX_CHUNKS + 1, header_chunks, OTA_OK, OTA_E_LIMIT},
    {"OTA_BUNDLE_MAX_MANIFEST", "ota_bundle_header_decode: manifest length",
     OTA_BUNDLE_MAX_MANIFEST, OTA_BUNDLE_MAX_MANIFEST + 1, header_manifest, OTA_OK, OTA_E_LIMIT},
    {"OTA_BUNDLE_MAX_MANIFEST", "ota_bundle_manifest_parse: bytes (at: refused as JSON)",
     OTA_BUNDLE_MAX_MANIFEST, OTA_BUNDLE_MAX_MANIFEST + 1, man_size, NOT_PAST, OTA_E_LIMIT},
    {"OTA_BUNDLE_MIN_CHUNK_SIZE", "ota_bundle_manifest_parse: chunk_size (half: refused)",
     OTA_BUNDLE_MIN_CHUNK_SIZE, OTA_BUNDLE_MIN_CHUNK_SIZE / 2, man_chunk_size, OTA_OK,
     OTA_E_FORMAT},
    {"OTA_BUNDLE_MAX_CHUNK_SIZE", "ota_bundle_manifest_parse: chunk_size (double: refused)",
     OTA_BUNDLE_MAX_CHUNK_SIZE, 2 * OTA_BUNDLE_MAX_CHUNK_SIZE, man_chunk_size, OTA_OK,
     OTA_E_FORMAT},
    {"OTA_BUNDLE_MAX_CHUNKS", "ota_bundle_manifest_parse: one component's chunks",
     OTA_BUNDLE_MAX_CHUNKS, OTA_BUNDLE_MAX_CHUNKS + 1, man_chunks, OTA_OK, OTA_E_LIMIT},
    {"OTA_BUNDLE_MAX_CHUNKS", "ota_bundle_manifest_parse: chunks of all components",
     OTA_BUNDLE_MAX_CHUNKS, OTA_BUNDLE_MAX_CHUNKS + 1, man_chunks_sum, OTA_OK, OTA_E_LIMIT},
    {"OTA_BUNDLE_MAX_COMPONENTS", "ota_bundle_manifest_parse: components",
     OTA_BUNDLE_MAX_COMPONENTS, OTA_BUNDLE_MAX_COMPONENTS + 1, man_components, OTA_OK, OTA_E_LIMIT},
    {"OTA_BUNDLE_MAX_HARDWARE", "ota_bundle_manifest_parse: hardware ids", OTA_BUNDLE_MAX_HARDWARE,
     OTA_BUNDLE_MAX_HARDWARE + 1, man_hardware, OTA_OK, OTA_E_LIMIT},
    {"OTA_BUNDLE_MAX_HOOK", "ota_bundle_manifest_parse: hook script bytes", OTA_BUNDLE_MAX_HOOK,
     OTA_BUNDLE_MAX_HOOK + 1, man_hook, OTA_OK, OTA_E_LIMIT},
    {"OTA_BUNDLE_MAX_ENTRIES", "ota_bundle_manifest_parse: a tree's entries",
     OTA_BUNDLE_MAX_ENTRIES, OTA_BUNDLE_MAX_ENTRIES + 1, man_entries, OTA_OK, OTA_E_FORMAT},
    {"OTA_BUNDLE_MAX_HEAD", "ota_bundle_custom_head: head_length", OTA_BUNDLE_MAX_HEAD,
     OTA_BUNDLE_MAX_HEAD + 1, custom_head, OTA_OK, OTA_E_FORMAT},
    {"OTA_BUNDLE_MAX_ENTRY_PATH", "ota_bundle_path_check", OTA_BUNDLE_MAX_ENTRY_PATH,
     OTA_BUNDLE_MAX_ENTRY_PATH + 1, entry_path, OTA_OK, OTA_E_UNSAFE},
    {"OTA_BUNDLE_MAX_ENTRY_PATH", "ota_bundle_link_check: symlink target",
     OTA_BUNDLE_MAX_ENTRY_PATH, OTA_BUNDLE_MAX_ENTRY_PATH + 1, link_target, OTA_OK, OTA_E_UNSAFE},
    {"OTA_BUNDLE_MAX_HARDWARE", "ota_bundle_writer_new: hardware ids", OTA_BUNDLE_MAX_HARDWARE,
     OTA_BUNDLE_MAX_HARDWARE + 1, writer_hardware, OTA_OK, OTA_E_ARG},
    {"OTA_BUNDLE_MAX_CHUNK_SIZE", "ota_bundle_writer_new: chunk size (double: refused)",
     OTA_BUNDLE_MAX_CHUNK_SIZE, 2 * OTA_BUNDLE_MAX_CHUNK_SIZE, writer_chunk_size, OTA_OK,
     OTA_E_ARG},
    {"OTA_BUNDLE_MIN_CHUNK_SIZE", "ota_bundle_writer_new: chunk size (half: refused)",
     OTA_BUNDLE_MIN_CHUNK_SIZE, OTA_BUNDLE_MIN_CHUNK_SIZE / 2, writer_chunk_size, OTA_OK,
     OTA_E_ARG},
    {"OTA_BUNDLE_MAX_COMPONENTS", "ota_bundle_writer_add_image: components",
     OTA_BUNDLE_MAX_COMPONENTS, OTA_BUNDLE_MAX_COMPONENTS + 1, writer_components, OTA_OK,
     OTA_E_LIMIT},
    {"OTA_BUNDLE_MAX_HOOK", "ota_bundle_writer_set_hook", OTA_BUNDLE_MAX_HOOK,
     OTA_BUNDLE_MAX_HOOK + 1, writer_hook, OTA_OK, OTA_E_LIMIT},
    {"OTA_BUNDLE_MAX_DEPTH", "ota_bundle_writer_add_tree: nested directories", OTA_BUNDLE_MAX_DEPTH,
     OTA_BUNDLE_MAX_DEPTH + 1, writer_depth, OTA_OK, OTA_E_LIMIT},
    /* reports */
    {"OTA_MAX_REPORT_SIZE", "ota_report_parse: document bytes", OTA_MAX_REPORT_SIZE,
     OTA_MAX_REPORT_SIZE + 1, report_size_parse, OTA_OK, OTA_E_LIMIT},
    {"OTA_MAX_REPORT_SIZE", "ota_report_sign: document bytes", OTA_MAX_REPORT_SIZE,
     OTA_MAX_REPORT_SIZE + 1, report_size_sign, OTA_OK, OTA_E_LIMIT},
    {"OTA_MAX_REPORT_ERROR_LEN", "ota_report_parse: error text", OTA_MAX_REPORT_ERROR_LEN,
     OTA_MAX_REPORT_ERROR_LEN + 1, report_error_len, OTA_OK, OTA_E_FORMAT},
    {"OTA_MAX_JSON_INT", "ota_report_parse: seq", OTA_MAX_JSON_INT, OTA_MAX_JSON_INT + 1,
     report_seq, OTA_OK, OTA_E_FORMAT},
    {"OTA_MAX_JSON_INT", "ota_report_sign: seq", OTA_MAX_JSON_INT, OTA_MAX_JSON_INT + 1,
     report_sign_seq, OTA_OK, OTA_E_FORMAT},
    /* SBOMs and advisories */
    {"OTA_MAX_PKGVER_LEN", "ota_debver_check", OTA_MAX_PKGVER_LEN, OTA_MAX_PKGVER_LEN + 1,
     pkgver_len, OTA_OK, OTA_E_LIMIT},
    {"OTA_SBOM_MAX_FIELD", "ota_sbom_parse: a package name", OTA_SBOM_MAX_FIELD,
     OTA_SBOM_MAX_FIELD + 1, sbom_name_len, OTA_OK, OTA_E_LIMIT},
    {"OTA_SBOM_MAX_PACKAGES", "ota_sbom_from_status: installed packages", OTA_SBOM_MAX_PACKAGES,
     OTA_SBOM_MAX_PACKAGES + 1, sbom_status_packages, OTA_OK, OTA_E_LIMIT},
    {"OTA_OSV_MAX_ALIASES", "ota_osv_parse: aliases", OTA_OSV_MAX_ALIASES,
     OTA_OSV_MAX_ALIASES + 1, osv_aliases, OTA_OK, OTA_E_LIMIT},
    /* the client (a fake transport that never enforces a ceiling itself) */
    {"OTA_MAX_TIMESTAMP_SIZE", "ota_client_refresh: timestamp.json bytes", OTA_MAX_TIMESTAMP_SIZE,
     OTA_MAX_TIMESTAMP_SIZE + 1, client_timestamp_size, OTA_OK, OTA_E_LENGTH},
    {"OTA_MAX_ROOT_SIZE", "ota_client_refresh: N.root.json bytes", OTA_MAX_ROOT_SIZE,
     OTA_MAX_ROOT_SIZE + 1, client_root_size, OTA_OK, OTA_E_LENGTH},
    {"OTA_CLIENT_MAX_SNAPSHOT_SIZE", "ota_client_refresh: snapshot.json, length not signed",
     OTA_CLIENT_MAX_SNAPSHOT_SIZE, OTA_CLIENT_MAX_SNAPSHOT_SIZE + 1, client_snapshot_size, OTA_OK,
     OTA_E_LENGTH},
    {"OTA_CLIENT_MAX_TARGETS_SIZE", "ota_client_refresh: targets.json, length not signed",
     OTA_CLIENT_MAX_TARGETS_SIZE, OTA_CLIENT_MAX_TARGETS_SIZE + 1, client_targets_size, OTA_OK,
     OTA_E_LENGTH},
    {"OTA_MAX_ROOT_ROTATIONS", "ota_client_refresh: new roots followed (then the cap)",
     OTA_MAX_ROOT_ROTATIONS, OTA_MAX_ROOT_ROTATIONS + 1, client_rotations, OTA_OK, OTA_E_LIMIT},
    {"OTA_MAX_DELEGATION_VISITS", "ota_client_get_target: roles visited", OTA_MAX_DELEGATION_VISITS,
     OTA_MAX_DELEGATION_VISITS + 1, client_visits, OTA_OK, OTA_E_NOT_FOUND},
    /* ota-server */
    {"OTA_SERVER_MAX_PATH_SEGMENTS", "srv_path_parse: segments", OTA_SERVER_MAX_PATH_SEGMENTS,
     OTA_SERVER_MAX_PATH_SEGMENTS + 1, server_segments, OTA_OK, OTA_E_LIMIT},
    /*
     * Not driven here (a server process, SQLite or a default, not a bound):
     *  OTA_BUNDLE_DEFAULT_CHUNK_SIZE: a default (test_bundle.c builds with it);
     *  OTA_BUNDLE_MAX_JOBS: a clamp on the writer's threads, nothing refused;
     *  OTA_CLIENT_MAX_URL: a URL past it needs a target path past
     *    OTA_MAX_PATH_LEN, which metadata parsing refuses first (above);
     *  OTA_SERVER_TOKEN_MIN: test_server_limits.sh (31 characters refused, 32
     *    accepted); OTA_SERVER_TOKEN_MAX: only named in the message checked;
     *  OTA_SERVER_AUTH_FAILS_PER_MINUTE: test_server_limits.sh (10 wrong
     *    tokens -> 401 each, the 11th -> 429);
     *  OTA_SERVER_LIST_MAX: test_server_reports.sh (limit=1001 -> 400);
     *    OTA_SERVER_LIST_DEFAULT: no test pages past 100 devices;
     *  OTA_SERVER_DEFAULT_HEADER_MEMORY: test_server_limits.sh (a 20 KB
     *    header -> 431, 4 KB served; not at the edge);
     *  OTA_SERVER_DEFAULT_MAX_CONNECTIONS / _MAX_PER_IP /
     *    _REQUEST_TIMEOUT / _IDLE_TIMEOUT / _SHUTDOWN_TIMEOUT: defaults; the
     *    mechanisms are checked in test_server_limits.sh with explicit
     *    values;
     *  OTA_SERVER_CACHE_FILE_MAX / _DEFAULT_CACHE_TOTAL: the cache is
     *    checked on and off in test_server_files.sh, not at these sizes;
     *  OTA_SERVER_SCAN_DEPTH / _ENTRIES / _READ / _FILE_MAX / _REPORT: the
     *    key-like file scan is checked in test_server_files.sh, not at these
     *    bounds;
     *  OTA_SERVER_ADV_FILES / _ADV_BYTES / _SBOM_PACKAGES: not reached (20000
     *    files, 64 MiB, 2 million packages); the per-file OTA_OSV_MAX_SIZE
     *    skip is checked in test_vuln.c and test_advisories.sh;
     *  OTA_SERVER_REPORTS_PER_DEVICE: not exercised (no suite stores 101
     *    reports for one device);
     *  OTA_SBOM_MAX_DOC_SIZE / _STATUS_SIZE / _PURL / _LIST_SIZE and the
     *    package count of SPDX and CycloneDX documents: at and one past in
     *    test_sbom.c (the list size: 3000 packages of long fields encode
     *    past it and are refused, 2000 are not);
     *  OTA_OSV_MAX_SIZE / _AFFECTED / _RANGES / _EVENTS / _EVENTS_TOTAL /
     *    _VERSIONS / _DETAILS: at and one past in test_osv.c;
     *    OTA_OSV_MAX_SUMMARY: only named in the message.
     */
};

#define NCASES (sizeof cases / sizeof cases[0])

/* Names of the limits with at least one row above. */
static size_t
names_covered(void)
{
    size_t n = 0;
    for (size_t i = 0; i < NCASES; i++) {
        bool seen = false;
        for (size_t j = 0; j < i && !seen; j++)
            seen = strcmp(cases[i].name, cases[j].name) == 0;
        n += !seen;
    }
    return n;
}

static bool
accepted(ota_err got, ota_err want, ota_err past)
{
    return want == NOT_PAST ? got != past : got == want;
}

static void
test_every_limit(void **state)
{
    (void) state;
    size_t bad = 0;
    for (size_t i = 0; i < NCASES; i++) {
        const limit_case *c = &cases[i];
        ota_err at = c->run(c->at);
        ota_err past = c->run(c->past);
        bool ok = accepted(at, c->at_rc, c->past_rc) && past == c->past_rc;
        if (!ok) {
            print_error("%s (%s): %llu -> %s, %llu -> %s (want %s, then %s)\n", c->name, c->where,
                        (unsigned long long) c->at, ota_strerror(at), (unsigned long long) c->past,
                        ota_strerror(past),
                        c->at_rc == NOT_PAST ? "not that refusal" : ota_strerror(c->at_rc),
                        ota_strerror(c->past_rc));
            bad++;
        }
    }
    print_message("%zu rows, %zu limits of ota_limits.h covered by name\n", NCASES,
                  names_covered());
    if (bad > 0)
        fail_msg("%zu of %zu limit rows do not hold", bad, NCASES);
}

static int
setup(void **state)
{
    (void) state;
    if (sodium_init() < 0)
        return -1;
    uint8_t seed[32];
    memset(seed, 7, sizeof seed);
    crypto_sign_seed_keypair(PK, SK, seed);
    KEYOBJ = ota_key_ed25519_json(PK);
    if (KEYOBJ == NULL)
        return -1;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/ota-test-limits.XXXXXX");
    if (mkdtemp(tmpdir) == NULL)
        return -1;
    char img[128];
    snprintf(img, sizeof img, "%s/img", tmpdir);
    FILE *f = fopen(img, "wb");
    if (f == NULL)
        return -1;
    fputs("image\n", f);
    fclose(f);
    return 0;
}

static int
teardown(void **state)
{
    (void) state;
    json_decref(KEYOBJ);
    rm_dir(tmpdir);
    return 0;
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_limit),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
