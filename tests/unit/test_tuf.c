/* SPDX-License-Identifier: Apache-2.0 */
/* TUF 1.0 metadata model: parsing, validation, threshold verification. */
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "ota_json.h"
#include "ota_pkey.h"
#include "ota_tuf.h"
#include "ota_util.h"
#include "testutil.h"

#define NKEYS 5
typedef struct tkey {
    uint8_t pk[32], sk[64];
    char id[65];
    json_t *obj;
} tkey;
static tkey K[NKEYS];

static const char *EXPIRES = "2099-01-01T00:00:00Z";

static int
setup_keys(void **state)
{
    (void) state;
    if (sodium_init() < 0)
        return -1;
    for (int i = 0; i < NKEYS; i++) {
        uint8_t seed[32];
        memset(seed, i + 1, sizeof seed);
        crypto_sign_seed_keypair(K[i].pk, K[i].sk, seed);
        K[i].obj = ota_key_ed25519_json(K[i].pk);
        if (ota_key_id(K[i].obj, K[i].id) != OTA_OK)
            return -1;
    }
    return 0;
}

static int
teardown_keys(void **state)
{
    (void) state;
    for (int i = 0; i < NKEYS; i++)
        json_decref(K[i].obj);
    return 0;
}

static json_t *
role(int threshold, int k1, int k2)
{
    json_t *ids = json_array();
    json_array_append_new(ids, json_string(K[k1].id));
    if (k2 >= 0)
        json_array_append_new(ids, json_string(K[k2].id));
    return json_pack("{s:o, s:i}", "keyids", ids, "threshold", threshold);
}

/* root: keys 0,1 for root (threshold root_th), 2 timestamp, 3 snapshot, 4 targets */
static json_t *
root_doc(int version, int root_th)
{
    json_t *keys = json_object();
    for (int i = 0; i < NKEYS; i++)
        json_object_set(keys, K[i].id, K[i].obj);
    json_t *roles = json_pack("{s:o, s:o, s:o, s:o}", "root", role(root_th, 0, 1), "timestamp",
                              role(1, 2, -1), "snapshot", role(1, 3, -1), "targets",
                              role(1, 4, -1));
    json_t *s = json_pack("{s:s, s:s, s:i, s:s, s:b, s:o, s:o}", "_type", "root", "spec_version",
                          "1.0.31", "version", version, "expires", EXPIRES, "consistent_snapshot",
                          1, "keys", keys, "roles", roles);
    return json_pack("{s:o, s:[]}", "signed", s, "signatures");
}

static json_t *
timestamp_doc(int version, int snap_version)
{
    json_t *s = json_pack("{s:s, s:s, s:i, s:s, s:{s:{s:i}}}", "_type", "timestamp",
                          "spec_version", "1.0.31", "version", version, "expires", EXPIRES, "meta",
                          "snapshot.json", "version", snap_version);
    return json_pack("{s:o, s:[]}", "signed", s, "signatures");
}

static json_t *
targets_doc(void)
{
    json_t *s = json_pack(
        "{s:s, s:s, s:i, s:s, s:{s:{s:i, s:{s:s}, s:{s:s}}}}", "_type", "targets",
        "spec_version", "1.0.31", "version", 1, "expires", EXPIRES, "targets", "fw/a.bin",
        "length", 3, "hashes", "sha256",
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", "custom", "version",
        "1.2.3");
    return json_pack("{s:o, s:[]}", "signed", s, "signatures");
}

static ota_md *
md_of(json_t *doc, ota_role_type t)
{
    ota_md *md = NULL;
    ota_err rc = ota_md_from_json(doc, t, &md);
    if (rc != OTA_OK)
        fail_msg("md_of: %s", ota_strerror(rc));
    return md;
}

static ota_md *
signed_root(int root_th)
{
    ota_md *md = md_of(root_doc(1, root_th), OTA_ROLE_ROOT);
    assert_int_equal(ota_md_sign_ed25519(md, K[0].id, K[0].sk), OTA_OK);
    assert_int_equal(ota_md_sign_ed25519(md, K[1].id, K[1].sk), OTA_OK);
    return md;
}

/* Serialize, reparse as untrusted bytes. */
static ota_md *
reparse(const ota_md *md)
{
    uint8_t *buf = NULL;
    size_t n = 0;
    ota_md *out = NULL;
    assert_int_equal(ota_md_serialize(md, &buf, &n), OTA_OK);
    assert_int_equal(ota_md_parse(buf, n, md->type, &out), OTA_OK);
    free(buf);
    return out;
}

static void
test_root_self_verifies(void **state)
{
    (void) state;
    ota_md *root = signed_root(2);
    ota_md *r2 = reparse(root);
    size_t nvalid = 0;
    assert_int_equal(ota_md_verify_role(r2, "root", r2, &nvalid), OTA_OK);
    assert_int_equal(nvalid, 2);
    assert_true(r2->consistent_snapshot);
    assert_int_equal(r2->version, 1);
    assert_int_equal(r2->keys.nkeys, NKEYS);
    assert_int_equal(r2->roles[OTA_ROLE_ROOT].threshold, 2);
    ota_md_free(root);
    ota_md_free(r2);
}

static void
test_threshold_edges(void **state)
{
    (void) state;
    /* threshold 2 of 2, only one signature: not met */
    ota_md *md = md_of(root_doc(1, 2), OTA_ROLE_ROOT);
    assert_int_equal(ota_md_sign_ed25519(md, K[0].id, K[0].sk), OTA_OK);
    size_t nvalid = 9;
    assert_int_equal(ota_md_verify_role(md, "root", md, &nvalid), OTA_E_SIGNATURE);
    assert_int_equal(nvalid, 1);
    ota_md_free(md);

    /* threshold 1: one is enough */
    md = md_of(root_doc(1, 1), OTA_ROLE_ROOT);
    assert_int_equal(ota_md_sign_ed25519(md, K[1].id, K[1].sk), OTA_OK);
    assert_int_equal(ota_md_verify_role(md, "root", md, NULL), OTA_OK);
    ota_md_free(md);

    /* threshold 3 with two authorised keys: parses, can never verify */
    md = md_of(root_doc(1, 3), OTA_ROLE_ROOT);
    assert_int_equal(ota_md_sign_ed25519(md, K[0].id, K[0].sk), OTA_OK);
    assert_int_equal(ota_md_sign_ed25519(md, K[1].id, K[1].sk), OTA_OK);
    assert_int_equal(ota_md_verify_role(md, "root", md, NULL), OTA_E_SIGNATURE);
    ota_md_free(md);

    /* threshold 0 and negative: refused at parse */
    ota_md *bad = NULL;
    assert_int_equal(ota_md_from_json(root_doc(1, 0), OTA_ROLE_ROOT, &bad), OTA_E_THRESHOLD);
    assert_int_equal(ota_md_from_json(root_doc(1, -1), OTA_ROLE_ROOT, &bad), OTA_E_THRESHOLD);
    assert_null(bad);

    /* no signatures at all */
    md = md_of(root_doc(1, 1), OTA_ROLE_ROOT);
    assert_int_equal(ota_md_verify_role(md, "root", md, &nvalid), OTA_E_SIGNATURE);
    assert_int_equal(nvalid, 0);
    ota_md_free(md);
}

/* TUF: each keyid in a role's `signatures` MUST be unique.  A repeated
 * keyid is a malformed document (OTA_E_FORMAT), whether the copies are the
 * same signature or not, and wherever they are in the list. */
static void
test_duplicate_signature_keyids_refused(void **state)
{
    (void) state;
    ota_md *md = md_of(root_doc(1, 2), OTA_ROLE_ROOT);
    assert_int_equal(ota_md_sign_ed25519(md, K[0].id, K[0].sk), OTA_OK);
    assert_int_equal(ota_md_sign_ed25519(md, K[1].id, K[1].sk), OTA_OK);
    size_t nvalid = 0;
    assert_int_equal(ota_md_verify_role(md, "root", md, &nvalid), OTA_OK);
    assert_int_equal(nvalid, 2);
    json_t *doc = json_deep_copy(md->doc);
    ota_md_free(md);

    /* the first signature again, last: refused by the parser */
    json_t *d1 = json_deep_copy(doc);
    json_t *sigs = json_object_get(d1, "signatures");
    json_array_append_new(sigs, json_deep_copy(json_array_get(sigs, 0)));
    ota_md *bad = NULL;
    assert_int_equal(ota_md_from_json(d1, OTA_ROLE_ROOT, &bad), OTA_E_FORMAT);
    assert_null(bad);

    /* the same keyid with another (invalid) sig, first in the list */
    json_t *d2 = json_deep_copy(doc);
    sigs = json_object_get(d2, "signatures");
    json_array_insert_new(sigs, 0, json_pack("{s:s, s:s}", "keyid", K[1].id, "sig", "00"));
    assert_int_equal(ota_md_from_json(d2, OTA_ROLE_ROOT, &bad), OTA_E_FORMAT);
    assert_null(bad);

    /* serialized and parsed as bytes (what a client and `ota-sign verify` do) */
    json_t *d3 = json_deep_copy(doc);
    sigs = json_object_get(d3, "signatures");
    json_array_append_new(sigs, json_deep_copy(json_array_get(sigs, 1)));
    char *txt = json_dumps(d3, JSON_COMPACT);
    assert_non_null(txt);
    assert_int_equal(ota_md_parse((const uint8_t *) txt, strlen(txt), OTA_ROLE_ROOT, &bad),
                     OTA_E_FORMAT);
    assert_int_equal(ota_md_parse_any((const uint8_t *) txt, strlen(txt), &bad), OTA_E_FORMAT);
    assert_null(bad);
    free(txt);
    json_decref(d3);

    /* a refresh after an in-place edit refuses it too */
    md = md_of(doc, OTA_ROLE_ROOT);
    sigs = json_object_get(md->doc, "signatures");
    json_array_append_new(sigs, json_deep_copy(json_array_get(sigs, 0)));
    assert_int_equal(ota_md_refresh(md), OTA_E_FORMAT);
    ota_md_free(md);
}

/* One key listed under two key ids must not count twice. */
static void
test_same_key_two_keyids_counts_once(void **state)
{
    (void) state;
    json_t *doc = root_doc(1, 2);
    json_t *s = json_object_get(doc, "signed");
    const char *alias = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    json_object_set(json_object_get(s, "keys"), alias, K[0].obj);
    json_t *ids = json_pack("[s, s]", K[0].id, alias);
    json_object_set_new(json_object_get(json_object_get(s, "roles"), "root"), "keyids", ids);
    ota_md *md = md_of(doc, OTA_ROLE_ROOT);
    assert_int_equal(ota_md_sign_ed25519(md, K[0].id, K[0].sk), OTA_OK);
    assert_int_equal(ota_md_sign_ed25519(md, alias, K[0].sk), OTA_OK);
    size_t nvalid = 0;
    assert_int_equal(ota_md_verify_role(md, "root", md, &nvalid), OTA_E_SIGNATURE);
    assert_int_equal(nvalid, 1);
    ota_md_free(md);
}

static void
test_forgery_from_another_key(void **state)
{
    (void) state;
    ota_md *root = signed_root(1);
    ota_md *ts = md_of(timestamp_doc(1, 1), OTA_ROLE_TIMESTAMP);
    /* signed by key 3 (snapshot's) but claiming to be the timestamp key */
    assert_int_equal(ota_md_sign_ed25519(ts, K[2].id, K[3].sk), OTA_OK);
    assert_int_equal(ota_md_verify_role(root, "timestamp", ts, NULL), OTA_E_SIGNATURE);
    /* signed by an authorised key of another role under its own id */
    assert_int_equal(ota_md_clear_signatures(ts), OTA_OK);
    assert_int_equal(ota_md_sign_ed25519(ts, K[3].id, K[3].sk), OTA_OK);
    assert_int_equal(ota_md_verify_role(root, "timestamp", ts, NULL), OTA_E_SIGNATURE);
    /* the right key */
    assert_int_equal(ota_md_sign_ed25519(ts, K[2].id, K[2].sk), OTA_OK);
    assert_int_equal(ota_md_verify_role(root, "timestamp", ts, NULL), OTA_OK);
    ota_md_free(ts);
    ota_md_free(root);
}

/* Flip each bit-0 of the serialized document: the result either fails to
 * parse or fails verification; it never verifies. */
static void
test_bit_flips_never_verify(void **state)
{
    (void) state;
    ota_md *root = signed_root(1);
    ota_md *ts = md_of(timestamp_doc(7, 3), OTA_ROLE_TIMESTAMP);
    assert_int_equal(ota_md_sign_ed25519(ts, K[2].id, K[2].sk), OTA_OK);
    uint8_t *buf = NULL;
    size_t n = 0;
    assert_int_equal(ota_md_serialize(ts, &buf, &n), OTA_OK);
    size_t parsed = 0;
    for (size_t i = 0; i < n; i++) {
        for (int bit = 0; bit < 8; bit += 5) { /* bits 0 and 5 */
            buf[i] ^= (uint8_t) (1u << bit);
            ota_md *m = NULL;
            if (ota_md_parse(buf, n, OTA_ROLE_TIMESTAMP, &m) == OTA_OK) {
                parsed++;
                ota_err rc = ota_md_verify_role(root, "timestamp", m, NULL);
                /* bit 5 toggles hex case in sig/keyid: same value, or unknown key id */
                if (rc == OTA_OK && bit == 0)
                    fail_msg("flip of byte %zu bit %d still verifies", i, bit);
                if (rc == OTA_OK) {
                    /* only a case change inside the signature hex may keep validity */
                    assert_memory_equal(m->canon, ts->canon, ts->canon_len);
                }
                ota_md_free(m);
            }
            buf[i] ^= (uint8_t) (1u << bit);
        }
    }
    assert_true(parsed > 0);
    free(buf);
    ota_md_free(ts);
    ota_md_free(root);
}

static void
test_every_truncated_prefix_rejected(void **state)
{
    (void) state;
    ota_md *root = signed_root(2);
    uint8_t *buf = NULL;
    size_t n = 0;
    assert_int_equal(ota_md_serialize(root, &buf, &n), OTA_OK);
    assert_int_equal(buf[n - 1], '\n');
    n--; /* dropping only the final newline leaves the whole document */
    for (size_t len = 0; len < n; len++) {
        ota_md *m = NULL;
        if (ota_md_parse(buf, len, OTA_ROLE_ROOT, &m) != OTA_E_JSON)
            fail_msg("prefix %zu not rejected as JSON error", len);
    }
    /* trailing bytes */
    uint8_t *longer = malloc(n + 2);
    memcpy(longer, buf, n);
    memcpy(longer + n, "{}", 2);
    ota_md *m = NULL;
    assert_int_equal(ota_md_parse(longer, n + 2, OTA_ROLE_ROOT, &m), OTA_E_JSON);
    free(longer);
    free(buf);
    ota_md_free(root);
}

static void
test_expiry(void **state)
{
    (void) state;
    ota_md *ts = md_of(timestamp_doc(1, 1), OTA_ROLE_TIMESTAMP);
    int64_t exp = 0;
    assert_int_equal(ota_time_parse(EXPIRES, &exp), OTA_OK);
    assert_int_equal(ts->expires, exp);
    assert_int_equal(ota_md_check_expiry(ts, exp - 1), OTA_OK);
    assert_int_equal(ota_md_check_expiry(ts, exp), OTA_E_EXPIRED);
    assert_int_equal(ota_md_check_expiry(ts, exp + 86400), OTA_E_EXPIRED);
    ota_md_free(ts);
    /* malformed expiry is a format error, not "not expired" */
    json_t *doc = timestamp_doc(1, 1);
    json_object_set_new(json_object_get(doc, "signed"), "expires",
                        json_string("2099-01-01T00:00:00+09:00"));
    ota_md *m = NULL;
    assert_int_equal(ota_md_from_json(doc, OTA_ROLE_TIMESTAMP, &m), OTA_E_FORMAT);
}

static ota_err
parse_with(json_t *doc, const char *field, json_t *value, ota_role_type t)
{
    ota_md *m = NULL;
    json_object_set_new(json_object_get(doc, "signed"), field, value);
    ota_err rc = ota_md_from_json(doc, t, &m);
    ota_md_free(m);
    return rc;
}

static void
test_wrong_type_and_spec_version(void **state)
{
    (void) state;
    ota_md *m = NULL;
    assert_int_equal(ota_md_from_json(timestamp_doc(1, 1), OTA_ROLE_SNAPSHOT, &m), OTA_E_TYPE);
    assert_int_equal(ota_md_from_json(root_doc(1, 1), OTA_ROLE_TARGETS, &m), OTA_E_TYPE);
    assert_int_equal(parse_with(timestamp_doc(1, 1), "_type", json_string("Timestamp"),
                                OTA_ROLE_TIMESTAMP),
                     OTA_E_TYPE);
    assert_int_equal(parse_with(timestamp_doc(1, 1), "_type", json_integer(1), OTA_ROLE_TIMESTAMP),
                     OTA_E_FORMAT);
    struct {
        const char *v;
        ota_err want;
    } sv[] = {{"1.0", OTA_OK},          {"1.0.0", OTA_OK},
              {"1.99.7", OTA_OK},       {"2.0.0", OTA_E_SPEC_VERSION},
              {"0.9", OTA_E_SPEC_VERSION}, {"1", OTA_E_FORMAT},
              {"1.0.0.0", OTA_E_FORMAT}, {"1.0.", OTA_E_FORMAT},
              {"v1.0", OTA_E_FORMAT},    {"1.x", OTA_E_FORMAT},
              {"", OTA_E_FORMAT},
              /* parts of at most 6 digits, leading zeros counted; digits only */
              {"1.999999.0", OTA_OK},    {"000001.0", OTA_OK},
              {"1.0000000", OTA_E_FORMAT}, {"0000001.0", OTA_E_FORMAT},
              {"1.99999999999999999999", OTA_E_FORMAT},
              {"1.+0", OTA_E_FORMAT},    {"1.-0", OTA_E_FORMAT},
              {"1. 0", OTA_E_FORMAT},    {" 1.0", OTA_E_FORMAT},
              {"1.0 ", OTA_E_FORMAT},    {"1..0", OTA_E_FORMAT}};
    for (size_t i = 0; i < sizeof sv / sizeof sv[0]; i++) {
        ota_err rc = parse_with(timestamp_doc(1, 1), "spec_version", json_string(sv[i].v),
                                OTA_ROLE_TIMESTAMP);
        if (rc != sv[i].want)
            fail_msg("spec_version %s: got %s", sv[i].v, ota_err_name(rc));
    }
}

static void
test_integers_in_metadata(void **state)
{
    (void) state;
    assert_int_equal(parse_with(timestamp_doc(1, 1), "version", json_integer(0),
                                OTA_ROLE_TIMESTAMP),
                     OTA_E_FORMAT);
    assert_int_equal(parse_with(timestamp_doc(1, 1), "version", json_integer(-5),
                                OTA_ROLE_TIMESTAMP),
                     OTA_E_FORMAT);
    assert_int_equal(parse_with(timestamp_doc(1, 1), "version", json_real(2.0),
                                OTA_ROLE_TIMESTAMP),
                     OTA_E_FORMAT);
    assert_int_equal(parse_with(timestamp_doc(1, 1), "version", json_string("2"),
                                OTA_ROLE_TIMESTAMP),
                     OTA_E_FORMAT);
    assert_int_equal(parse_with(timestamp_doc(1, 1), "version", json_integer(9007199254740992LL),
                                OTA_ROLE_TIMESTAMP),
                     OTA_E_FORMAT);
    assert_int_equal(parse_with(timestamp_doc(1, 1), "version", json_integer(9007199254740991LL),
                                OTA_ROLE_TIMESTAMP),
                     OTA_OK);
    /* a number too large for 64 bits never gets past the JSON layer */
    const char *huge = "{\"signed\":{\"_type\":\"timestamp\",\"spec_version\":\"1.0.0\","
                       "\"version\":99999999999999999999,\"expires\":\"2099-01-01T00:00:00Z\","
                       "\"meta\":{\"snapshot.json\":{\"version\":1}}},\"signatures\":[]}";
    ota_md *m = NULL;
    assert_int_equal(ota_md_parse((const uint8_t *) huge, strlen(huge), OTA_ROLE_TIMESTAMP, &m),
                     OTA_E_JSON);
    /* a real where TUF wants an integer: refused (meta version) */
    const char *real = "{\"signed\":{\"_type\":\"timestamp\",\"spec_version\":\"1.0.0\","
                       "\"version\":1,\"expires\":\"2099-01-01T00:00:00Z\","
                       "\"meta\":{\"snapshot.json\":{\"version\":1.0}}},\"signatures\":[]}";
    assert_int_equal(ota_md_parse((const uint8_t *) real, strlen(real), OTA_ROLE_TIMESTAMP, &m),
                     OTA_E_FORMAT);
}

static void
test_deep_nesting_refused(void **state)
{
    (void) state;
    /* custom fields may nest, but not past OTA_MAX_JSON_DEPTH */
    char doc[4096];
    int p = snprintf(doc, sizeof doc,
                     "{\"signed\":{\"_type\":\"targets\",\"spec_version\":\"1.0.0\","
                     "\"version\":1,\"expires\":\"2099-01-01T00:00:00Z\",\"x\":");
    for (int i = 0; i < OTA_MAX_JSON_DEPTH; i++)
        doc[p++] = '[';
    for (int i = 0; i < OTA_MAX_JSON_DEPTH; i++)
        doc[p++] = ']';
    p += snprintf(doc + p, sizeof doc - (size_t) p, ",\"targets\":{}},\"signatures\":[]}");
    ota_md *m = NULL;
    assert_int_equal(ota_md_parse((uint8_t *) doc, (size_t) p, OTA_ROLE_TARGETS, &m),
                     OTA_E_LIMIT);
}

static void
test_malformed_sig_is_invalid_not_fatal(void **state)
{
    (void) state;
    ota_md *root = signed_root(1);
    ota_md *ts = md_of(timestamp_doc(1, 1), OTA_ROLE_TIMESTAMP);
    json_t *sigs = json_object_get(ts->doc, "signatures");
    /* the authorised key's only signature malformed, in each way */
    json_t *bad[] = {json_string(""), json_string("zz"), json_integer(5), NULL};
    size_t nvalid = 0;
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        json_array_clear(sigs);
        json_t *e = json_pack("{s:s}", "keyid", K[2].id);
        if (bad[i] != NULL)
            json_object_set_new(e, "sig", bad[i]);
        json_array_append_new(sigs, e);
        assert_int_equal(ota_md_refresh(ts), OTA_OK);
        nvalid = 9;
        assert_int_equal(ota_md_verify_role(root, "timestamp", ts, &nvalid), OTA_E_SIGNATURE);
        assert_int_equal(nvalid, 0);
    }
    /* malformed ones under other key ids do not stop a valid one from counting */
    json_array_clear(sigs);
    json_array_append_new(sigs, json_pack("{s:s, s:s}", "keyid", K[0].id, "sig", ""));
    json_array_append_new(sigs, json_pack("{s:s, s:s}", "keyid", K[1].id, "sig", "zz"));
    json_array_append_new(sigs, json_pack("{s:s}", "keyid", K[3].id));
    assert_int_equal(ota_md_refresh(ts), OTA_OK);
    uint8_t sig[64];
    char hex[129];
    crypto_sign_detached(sig, NULL, ts->canon, ts->canon_len, K[2].sk);
    ota_hex_encode(sig, 64, hex);
    json_array_append_new(sigs, json_pack("{s:s, s:s}", "keyid", K[2].id, "sig", hex));
    assert_int_equal(ota_md_refresh(ts), OTA_OK);
    assert_int_equal(ota_md_verify_role(root, "timestamp", ts, &nvalid), OTA_OK);
    assert_int_equal(nvalid, 1);
    /* a signature entry without a key id is a malformed document */
    json_array_append_new(sigs, json_pack("{s:s}", "sig", hex));
    assert_int_equal(ota_md_refresh(ts), OTA_E_FORMAT);
    /* and so is a second entry for one key id, even a malformed one */
    json_array_remove(sigs, json_array_size(sigs) - 1);
    json_array_append_new(sigs, json_pack("{s:s, s:s}", "keyid", K[2].id, "sig", ""));
    assert_int_equal(ota_md_refresh(ts), OTA_E_FORMAT);
    ota_md_free(ts);
    ota_md_free(root);
}

static void
test_unknown_key_type_ignored(void **state)
{
    (void) state;
    json_t *doc = root_doc(1, 1);
    json_t *s = json_object_get(doc, "signed");
    json_t *weird = json_pack("{s:s, s:s, s:{s:s}}", "keytype", "sphincs", "scheme", "sphincs+",
                              "keyval", "public", "00");
    const char *wid = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
    json_object_set_new(json_object_get(s, "keys"), wid, weird);
    json_t *ts_role = json_object_get(json_object_get(s, "roles"), "timestamp");
    json_array_append_new(json_object_get(ts_role, "keyids"), json_string(wid));
    ota_md *root = md_of(doc, OTA_ROLE_ROOT);
    const ota_key *k = ota_keyring_find(&root->keys, wid);
    assert_non_null(k);
    assert_int_equal(k->type, OTA_KEY_UNSUPPORTED);
    ota_md *ts = md_of(timestamp_doc(1, 1), OTA_ROLE_TIMESTAMP);
    json_array_append_new(json_object_get(ts->doc, "signatures"),
                          json_pack("{s:s, s:s}", "keyid", wid, "sig", "00"));
    assert_int_equal(ota_md_refresh(ts), OTA_OK);
    assert_int_equal(ota_md_verify_role(root, "timestamp", ts, NULL), OTA_E_SIGNATURE);
    assert_int_equal(ota_md_sign_ed25519(ts, K[2].id, K[2].sk), OTA_OK);
    assert_int_equal(ota_md_verify_role(root, "timestamp", ts, NULL), OTA_OK);
    ota_md_free(ts);
    ota_md_free(root);
}

static void
test_unknown_fields_preserved(void **state)
{
    (void) state;
    ota_md *root = signed_root(1);
    json_t *doc = targets_doc();
    json_object_set_new(json_object_get(doc, "signed"), "x-vendor-note",
                        json_pack("{s:[i,s]}", "z", 1, "two"));
    json_object_set_new(doc, "x-envelope", json_true());
    ota_md *t = md_of(doc, OTA_ROLE_TARGETS);
    assert_int_equal(ota_md_sign_ed25519(t, K[4].id, K[4].sk), OTA_OK);
    ota_md *t2 = reparse(t);
    assert_int_equal(ota_md_verify_role(root, "targets", t2, NULL), OTA_OK);
    assert_non_null(strstr((const char *) t2->canon, "\"x-vendor-note\":{\"z\":[1,\"two\"]}"));
    /* removing the unknown field breaks the signature: it was covered */
    json_object_del(t2->signed_obj, "x-vendor-note");
    assert_int_equal(ota_md_refresh(t2), OTA_OK);
    assert_int_equal(ota_md_verify_role(root, "targets", t2, NULL), OTA_E_SIGNATURE);
    ota_md_free(t2);
    ota_md_free(t);
    ota_md_free(root);
}

/* A verified targets role without the JSON of its targets: same answers,
 * still verifiable, and no longer editable or serializable. */
static void
test_compact(void **state)
{
    (void) state;
    ota_md *root = signed_root(1);
    json_t *doc = targets_doc();
    json_t *tobj = json_object_get(json_object_get(doc, "signed"), "targets");
    json_object_set_new(tobj, "fw/b.bin",
                        json_pack("{s:i, s:{s:s}}", "length", 7, "hashes", "sha256",
                                  "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
    json_object_set_new(json_object_get(doc, "signed"), "ota_policy", json_pack("{s:i}", "x", 1));
    ota_md *signer = md_of(doc, OTA_ROLE_TARGETS);
    assert_int_equal(ota_md_sign_ed25519(signer, K[4].id, K[4].sk), OTA_OK);
    ota_md *t = reparse(signer);
    ota_md_free(signer);
    const json_t *before = ota_md_find_target(t, "fw/a.bin")->custom;
    assert_int_equal(ota_md_compact(t), OTA_OK);
    assert_true(t->compact);
    assert_int_equal(ota_md_compact(t), OTA_OK); /* idempotent */
    /* the JSON of the targets is gone, the rest of the document stays */
    assert_null(json_object_get(t->signed_obj, "targets"));
    assert_non_null(json_object_get(t->signed_obj, "ota_policy"));
    /* same views: paths in their own block, customs alive */
    assert_int_equal(t->ntargets, 2);
    const ota_target *a = ota_md_find_target(t, "fw/a.bin");
    const ota_target *b = ota_md_find_target(t, "fw/b.bin");
    assert_non_null(a);
    assert_non_null(b);
    assert_ptr_equal(a->path, t->paths);
    assert_string_equal(b->path, "fw/b.bin");
    assert_int_equal(b->length, 7);
    assert_true(b->hashes.has_sha256);
    assert_null(b->custom);
    assert_ptr_equal(a->custom, before);
    assert_string_equal(json_string_value(json_object_get(a->custom, "version")), "1.2.3");
    assert_null(ota_md_find_target(t, "fw/c.bin"));
    /* the signed bytes stay: verification still works */
    assert_int_equal(ota_md_verify_role(root, "targets", t, NULL), OTA_OK);
    /* what would rebuild from, or write out, the JSON refuses */
    uint8_t *out = NULL;
    size_t n = 0;
    assert_int_equal(ota_md_refresh(t), OTA_E_ARG);
    assert_int_equal(ota_md_serialize(t, &out, &n), OTA_E_ARG);
    assert_int_equal(ota_md_sign_ed25519(t, K[4].id, K[4].sk), OTA_E_ARG);
    assert_int_equal(ota_md_clear_signatures(t), OTA_E_ARG);
    assert_null(out);
    /* other roles: nothing to do */
    ota_md *ts = md_of(timestamp_doc(3, 9), OTA_ROLE_TIMESTAMP);
    assert_int_equal(ota_md_compact(ts), OTA_OK);
    assert_false(ts->compact);
    ota_md_free(ts);
    ota_md_free(t);
    ota_md_free(root);
}

static void
test_targets_and_meta_views(void **state)
{
    (void) state;
    ota_md *t = md_of(targets_doc(), OTA_ROLE_TARGETS);
    const ota_target *e = ota_md_find_target(t, "fw/a.bin");
    assert_non_null(e);
    assert_int_equal(e->length, 3);
    assert_true(e->hashes.has_sha256);
    assert_false(e->hashes.has_sha512);
    assert_string_equal(json_string_value(json_object_get(e->custom, "version")), "1.2.3");
    assert_null(ota_md_find_target(t, "fw/b.bin"));
    ota_md_free(t);

    ota_md *ts = md_of(timestamp_doc(3, 9), OTA_ROLE_TIMESTAMP);
    const ota_metafile *mf = ota_md_find_meta(ts, "snapshot.json");
    assert_non_null(mf);
    assert_int_equal(mf->version, 9);
    assert_false(mf->has_length);
    ota_md_free(ts);

    /* timestamp meta must name exactly snapshot.json */
    json_t *doc = timestamp_doc(1, 1);
    json_object_set_new(json_object_get(json_object_get(doc, "signed"), "meta"), "targets.json",
                        json_pack("{s:i}", "version", 1));
    ota_md *m = NULL;
    assert_int_equal(ota_md_from_json(doc, OTA_ROLE_TIMESTAMP, &m), OTA_E_FORMAT);
    /* bad hashes: wrong length hex, empty object */
    doc = targets_doc();
    json_t *entry = json_object_get(json_object_get(json_object_get(doc, "signed"), "targets"),
                                    "fw/a.bin");
    json_object_set_new(entry, "hashes", json_pack("{s:s}", "sha256", "abcd"));
    assert_int_equal(ota_md_from_json(doc, OTA_ROLE_TARGETS, &m), OTA_E_FORMAT);
    doc = targets_doc();
    entry = json_object_get(json_object_get(json_object_get(doc, "signed"), "targets"),
                            "fw/a.bin");
    json_object_set_new(entry, "hashes", json_object());
    assert_int_equal(ota_md_from_json(doc, OTA_ROLE_TARGETS, &m), OTA_E_FORMAT);
    doc = targets_doc();
    entry = json_object_get(json_object_get(json_object_get(doc, "signed"), "targets"),
                            "fw/a.bin");
    json_object_set_new(entry, "length", json_integer(-1));
    assert_int_equal(ota_md_from_json(doc, OTA_ROLE_TARGETS, &m), OTA_E_FORMAT);
}

static void
test_parse_any_takes_the_documents_type(void **state)
{
    (void) state;
    ota_md *ts = md_of(timestamp_doc(4, 2), OTA_ROLE_TIMESTAMP);
    uint8_t *buf = NULL;
    size_t n = 0;
    assert_int_equal(ota_md_serialize(ts, &buf, &n), OTA_OK);
    ota_md *any = NULL;
    assert_int_equal(ota_md_parse_any(buf, n, &any), OTA_OK);
    assert_int_equal(any->type, OTA_ROLE_TIMESTAMP);
    assert_int_equal(any->version, 4);
    ota_md_free(any);
    free(buf);
    ota_md_free(ts);
    const char *bad[] = {
        "{\"signed\":{\"_type\":\"mirror\"},\"signatures\":[]}",
        "{\"signed\":{},\"signatures\":[]}",
        "{\"signatures\":[]}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(ota_md_parse_any((const uint8_t *) bad[i], strlen(bad[i]), &any),
                         OTA_E_TYPE);
    assert_int_equal(ota_md_parse_any((const uint8_t *) "{", 1, &any), OTA_E_JSON);
}

static void
test_metafile_check(void **state)
{
    (void) state;
    const uint8_t data[] = "snapshot bytes";
    size_t n = sizeof data - 1;
    ota_metafile m = {.name = "snapshot.json", .version = 1};
    assert_int_equal(ota_metafile_check(&m, data, n), OTA_OK); /* nothing listed */
    m.has_length = true;
    m.length = (int64_t) n;
    assert_int_equal(ota_metafile_check(&m, data, n), OTA_OK);
    assert_int_equal(ota_metafile_check(&m, data, n - 1), OTA_E_LENGTH);
    ota_sha256(data, n, m.hashes.sha256);
    ota_sha512(data, n, m.hashes.sha512);
    m.hashes.has_sha256 = m.hashes.has_sha512 = true;
    m.hashes.count = 2;
    assert_int_equal(ota_metafile_check(&m, data, n), OTA_OK);
    m.hashes.sha512[63] ^= 1; /* either listed hash must match */
    assert_int_equal(ota_metafile_check(&m, data, n), OTA_E_HASH);
    m.hashes.sha512[63] ^= 1;
    m.hashes.sha256[0] ^= 1;
    assert_int_equal(ota_metafile_check(&m, data, n), OTA_E_HASH);
    m.hashes.has_sha256 = m.hashes.has_sha512 = false; /* only unknown algorithms */
    m.hashes.count = 1;
    assert_int_equal(ota_metafile_check(&m, data, n), OTA_E_UNSUPPORTED);
}

static json_t *
delegating_targets(json_t *roles)
{
    json_t *doc = targets_doc();
    json_t *keys = json_object();
    json_object_set(keys, K[3].id, K[3].obj);
    json_object_set_new(json_object_get(doc, "signed"), "delegations",
                        json_pack("{s:o, s:o}", "keys", keys, "roles", roles));
    return doc;
}

static json_t *
drole(const char *name, const char *kind, json_t *patterns, int terminating)
{
    return json_pack("{s:s, s:[s], s:i, s:b, s:o}", "name", name, "keyids", K[3].id, "threshold",
                     1, "terminating", terminating, kind, patterns);
}

static void
test_delegations(void **state)
{
    (void) state;
    uint8_t h[32];
    char hex[65];
    ota_sha256((const uint8_t *) "product-y/fw.bin", 16, h);
    ota_hex_encode(h, 32, hex);
    char prefix[3] = {hex[0], hex[1], 0};
    json_t *roles = json_pack("[o, o, o]",
                              drole("product-x", "paths", json_pack("[s]", "product-x/*"), 0),
                              drole("by-hash", "path_hash_prefixes", json_pack("[s]", prefix), 1),
                              drole("q", "paths", json_pack("[s, s]", "a?c/[xy].bin", "*/*/z"), 0));
    ota_md *t = md_of(delegating_targets(roles), OTA_ROLE_TARGETS);
    assert_true(t->has_delegations);
    assert_int_equal(t->ndels, 3);
    const ota_delegation *px = ota_md_find_delegation(t, "product-x");
    const ota_delegation *bh = ota_md_find_delegation(t, "by-hash");
    const ota_delegation *q = ota_md_find_delegation(t, "q");
    assert_non_null(px);
    assert_false(px->terminating);
    assert_true(bh->terminating);
    assert_true(ota_delegation_matches(px, "product-x/fw.bin"));
    assert_false(ota_delegation_matches(px, "product-x/sub/fw.bin")); /* '*' stops at '/' */
    assert_false(ota_delegation_matches(px, "product-xy/fw.bin"));
    assert_false(ota_delegation_matches(px, "other/product-x/fw.bin"));
    assert_true(ota_delegation_matches(bh, "product-y/fw.bin"));
    assert_true(ota_delegation_matches(q, "abc/x.bin"));
    assert_false(ota_delegation_matches(q, "abc/z.bin"));
    assert_true(ota_delegation_matches(q, "a/b/z"));
    assert_false(ota_delegation_matches(q, "a/z"));
    /* a prefix that does not match */
    char other[3] = {hex[0] == '0' ? '1' : '0', hex[1], 0};
    json_t *r2 = json_pack("[o]", drole("nope", "path_hash_prefixes", json_pack("[s]", other), 0));
    ota_md *t2 = md_of(delegating_targets(r2), OTA_ROLE_TARGETS);
    assert_false(ota_delegation_matches(&t2->dels[0], "product-y/fw.bin"));
    ota_md_free(t2);

    /* a delegated role verifies with the delegation's keys, not root's */
    json_t *ddoc = targets_doc();
    ota_md *d = md_of(ddoc, OTA_ROLE_TARGETS);
    assert_int_equal(ota_md_sign_ed25519(d, K[3].id, K[3].sk), OTA_OK);
    assert_int_equal(ota_md_verify_role(t, "product-x", d, NULL), OTA_OK);
    assert_int_equal(ota_md_verify_role(t, "not-delegated", d, NULL), OTA_E_NOT_FOUND);
    ota_md *d4 = md_of(targets_doc(), OTA_ROLE_TARGETS);
    assert_int_equal(ota_md_sign_ed25519(d4, K[4].id, K[4].sk), OTA_OK);
    assert_int_equal(ota_md_verify_role(t, "product-x", d4, NULL), OTA_E_SIGNATURE);
    ota_md_free(d4);
    ota_md_free(d);
    ota_md_free(t);

    /* invalid delegations */
    ota_md *m = NULL;
    json_t *both = drole("r", "paths", json_pack("[s]", "a"), 0);
    json_object_set_new(both, "path_hash_prefixes", json_pack("[s]", "ab"));
    assert_int_equal(ota_md_from_json(delegating_targets(json_pack("[o]", both)),
                                      OTA_ROLE_TARGETS, &m),
                     OTA_E_FORMAT);
    json_t *neither = drole("r", "paths", json_pack("[s]", "a"), 0);
    json_object_del(neither, "paths");
    assert_int_equal(ota_md_from_json(delegating_targets(json_pack("[o]", neither)),
                                      OTA_ROLE_TARGETS, &m),
                     OTA_E_FORMAT);
    json_t *dup = json_pack("[o, o]", drole("r", "paths", json_pack("[s]", "a"), 0),
                            drole("r", "paths", json_pack("[s]", "b"), 0));
    assert_int_equal(ota_md_from_json(delegating_targets(dup), OTA_ROLE_TARGETS, &m),
                     OTA_E_FORMAT);
    json_t *top = json_pack("[o]", drole("root", "paths", json_pack("[s]", "a"), 0));
    assert_int_equal(ota_md_from_json(delegating_targets(top), OTA_ROLE_TARGETS, &m),
                     OTA_E_FORMAT);
    json_t *nohex = json_pack("[o]", drole("r", "path_hash_prefixes", json_pack("[s]", "xy"), 0));
    assert_int_equal(ota_md_from_json(delegating_targets(nohex), OTA_ROLE_TARGETS, &m),
                     OTA_E_FORMAT);
    json_t *zero = drole("r", "paths", json_pack("[s]", "a"), 0);
    json_object_set_new(zero, "threshold", json_integer(0));
    assert_int_equal(ota_md_from_json(delegating_targets(json_pack("[o]", zero)),
                                      OTA_ROLE_TARGETS, &m),
                     OTA_E_THRESHOLD);
    json_t *dupkey = drole("r", "paths", json_pack("[s]", "a"), 0);
    json_object_set_new(dupkey, "keyids", json_pack("[s, s]", K[3].id, K[3].id));
    assert_int_equal(ota_md_from_json(delegating_targets(json_pack("[o]", dupkey)),
                                      OTA_ROLE_TARGETS, &m),
                     OTA_E_FORMAT);
    json_t *succ = targets_doc();
    json_object_set_new(json_object_get(succ, "signed"), "delegations",
                        json_pack("{s:{}, s:{}}", "keys", "succinct_roles"));
    assert_int_equal(ota_md_from_json(succ, OTA_ROLE_TARGETS, &m), OTA_E_UNSUPPORTED);
}

static void
test_root_schema(void **state)
{
    (void) state;
    ota_md *m = NULL;
    /* missing role */
    json_t *doc = root_doc(1, 1);
    json_object_del(json_object_get(json_object_get(doc, "signed"), "roles"), "snapshot");
    assert_int_equal(ota_md_from_json(doc, OTA_ROLE_ROOT, &m), OTA_E_FORMAT);
    /* extra role */
    doc = root_doc(1, 1);
    json_object_set_new(json_object_get(json_object_get(doc, "signed"), "roles"), "mirror",
                        role(1, 0, -1));
    assert_int_equal(ota_md_from_json(doc, OTA_ROLE_ROOT, &m), OTA_E_FORMAT);
    /* consistent_snapshot not boolean */
    assert_int_equal(parse_with(root_doc(1, 1), "consistent_snapshot", json_integer(1),
                                OTA_ROLE_ROOT),
                     OTA_E_FORMAT);
    /* malformed key object */
    doc = root_doc(1, 1);
    json_object_set_new(json_object_get(json_object_get(doc, "signed"), "keys"), K[0].id,
                        json_pack("{s:s}", "keytype", "ed25519"));
    assert_int_equal(ota_md_from_json(doc, OTA_ROLE_ROOT, &m), OTA_E_FORMAT);
    /* ed25519 key with a bad public value: kept but unusable */
    doc = root_doc(1, 1);
    json_object_set_new(json_object_get(json_object_get(doc, "signed"), "keys"), K[0].id,
                        json_pack("{s:s, s:s, s:{s:s}}", "keytype", "ed25519", "scheme",
                                  "ed25519", "keyval", "public", "abcd"));
    ota_md *r = md_of(doc, OTA_ROLE_ROOT);
    assert_int_equal(ota_keyring_find(&r->keys, K[0].id)->type, OTA_KEY_UNSUPPORTED);
    ota_md_free(r);
    /* signatures missing / not an array */
    doc = root_doc(1, 1);
    json_object_del(doc, "signatures");
    assert_int_equal(ota_md_from_json(doc, OTA_ROLE_ROOT, &m), OTA_E_FORMAT);
    doc = root_doc(1, 1);
    json_object_set_new(doc, "signatures", json_object());
    assert_int_equal(ota_md_from_json(doc, OTA_ROLE_ROOT, &m), OTA_E_FORMAT);
    /* too many signatures */
    doc = root_doc(1, 1);
    json_t *sigs = json_object_get(doc, "signatures");
    for (int i = 0; i <= OTA_MAX_SIGNATURES; i++)
        json_array_append_new(sigs, json_pack("{s:s, s:s}", "keyid", "x", "sig", "00"));
    assert_int_equal(ota_md_from_json(doc, OTA_ROLE_ROOT, &m), OTA_E_LIMIT);
    /* too many keys */
    doc = root_doc(1, 1);
    json_t *keys = json_object_get(json_object_get(doc, "signed"), "keys");
    for (int i = 0; i <= OTA_MAX_KEYS; i++) {
        char id[32];
        snprintf(id, sizeof id, "k%d", i);
        json_object_set(keys, id, K[0].obj);
    }
    assert_int_equal(ota_md_from_json(doc, OTA_ROLE_ROOT, &m), OTA_E_LIMIT);
    assert_null(m);
}

/* ECDSA P-256 keys verify through the same path as Ed25519. */
static void
test_ecdsa_root_role(void **state)
{
    (void) state;
    char *priv = NULL, *pub = NULL;
    assert_int_equal(ota_pkey_generate(OTA_PKEY_ECDSA_P256, &priv, &pub), OTA_OK);
    json_t *kobj = ota_key_pem_json(OTA_KEY_ECDSA_P256, pub);
    char id[65];
    assert_int_equal(ota_key_id(kobj, id), OTA_OK);
    json_t *doc = root_doc(1, 1);
    json_t *s = json_object_get(doc, "signed");
    json_object_set_new(json_object_get(s, "keys"), id, kobj);
    json_object_set_new(json_object_get(json_object_get(s, "roles"), "timestamp"), "keyids",
                        json_pack("[s]", id));
    ota_md *root0 = md_of(doc, OTA_ROLE_ROOT);
    /* the PEM key's newlines survive serialization (escaped in the file) */
    ota_md *root = reparse(root0);
    ota_md_free(root0);
    assert_int_equal(ota_keyring_find(&root->keys, id)->type, OTA_KEY_ECDSA_P256);
    ota_md *ts = md_of(timestamp_doc(1, 1), OTA_ROLE_TIMESTAMP);
    uint8_t sig[OTA_MAX_SIG_LEN];
    size_t n = 0;
    assert_int_equal(ota_pkey_sign(OTA_PKEY_ECDSA_P256, priv, strlen(priv), ts->canon,
                                   ts->canon_len, sig, sizeof sig, &n),
                     OTA_OK);
    assert_int_equal(ota_md_set_signature(ts, id, sig, n), OTA_OK);
    ota_md *ts2 = reparse(ts);
    assert_int_equal(ota_md_verify_role(root, "timestamp", ts2, NULL), OTA_OK);
    /* the same signature over different content fails */
    json_object_set_new(ts2->signed_obj, "version", json_integer(2));
    assert_int_equal(ota_md_refresh(ts2), OTA_OK);
    assert_int_equal(ota_md_verify_role(root, "timestamp", ts2, NULL), OTA_E_SIGNATURE);
    ota_md_free(ts2);
    ota_md_free(ts);
    ota_md_free(root);
    sodium_free(priv);
    free(pub);
}

/* Metadata written by @tufjs/models (committed vectors) verifies here. */
static void
test_tufjs_repository_verifies(void **state)
{
    (void) state;
    static const struct {
        const char *delegator, *role, *file;
    } cases[] = {
        {"root.json", "root", "root.json"},
        {"root.json", "timestamp", "timestamp.json"},
        {"root.json", "snapshot", "snapshot.json"},
        {"root.json", "targets", "targets.json"},
        {"targets.json", "product-x", "product-x.json"},
        {"1.root.json", "root", "2.root.json"},
        {"2.root.json", "root", "2.root.json"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char a[256], b[256];
        snprintf(a, sizeof a, "formats/vectors/tufjs/%s", cases[i].delegator);
        snprintf(b, sizeof b, "formats/vectors/tufjs/%s", cases[i].file);
        size_t na = 0, nb = 0;
        unsigned char *da = tu_read(a, &na), *db = tu_read(b, &nb);
        if (da == NULL || db == NULL)
            fail_msg("missing vector %s or %s", a, b);
        int top = ota_role_from_name(cases[i].role);
        ota_role_type ta = strcmp(cases[i].delegator, "targets.json") == 0 ? OTA_ROLE_TARGETS
                                                                           : OTA_ROLE_ROOT;
        ota_role_type tb = top >= 0 ? (ota_role_type) top : OTA_ROLE_TARGETS;
        ota_md *ma = NULL, *mb = NULL;
        assert_int_equal(ota_md_parse(da, na, ta, &ma), OTA_OK);
        assert_int_equal(ota_md_parse(db, nb, tb, &mb), OTA_OK);
        ota_err rc = ota_md_verify_role(ma, cases[i].role, mb, NULL);
        if (rc != OTA_OK)
            fail_msg("%s as %s: %s", cases[i].file, cases[i].role, ota_strerror(rc));
        /* and a one-byte change inside "signed" breaks it */
        json_object_set_new(mb->signed_obj, "version", json_integer(mb->version + 1));
        assert_int_equal(ota_md_refresh(mb), OTA_OK);
        assert_int_equal(ota_md_verify_role(ma, cases[i].role, mb, NULL), OTA_E_SIGNATURE);
        ota_md_free(ma);
        ota_md_free(mb);
        free(da);
        free(db);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_root_self_verifies),
        cmocka_unit_test(test_threshold_edges),
        cmocka_unit_test(test_duplicate_signature_keyids_refused),
        cmocka_unit_test(test_same_key_two_keyids_counts_once),
        cmocka_unit_test(test_forgery_from_another_key),
        cmocka_unit_test(test_bit_flips_never_verify),
        cmocka_unit_test(test_every_truncated_prefix_rejected),
        cmocka_unit_test(test_expiry),
        cmocka_unit_test(test_wrong_type_and_spec_version),
        cmocka_unit_test(test_integers_in_metadata),
        cmocka_unit_test(test_deep_nesting_refused),
        cmocka_unit_test(test_malformed_sig_is_invalid_not_fatal),
        cmocka_unit_test(test_unknown_key_type_ignored),
        cmocka_unit_test(test_unknown_fields_preserved),
        cmocka_unit_test(test_targets_and_meta_views),
        cmocka_unit_test(test_metafile_check),
        cmocka_unit_test(test_parse_any_takes_the_documents_type),
        cmocka_unit_test(test_delegations),
        cmocka_unit_test(test_root_schema),
        cmocka_unit_test(test_ecdsa_root_role),
        cmocka_unit_test(test_tufjs_repository_verifies),
        cmocka_unit_test(test_compact),
    };
    return cmocka_run_group_tests_name("tuf", tests, setup_keys, teardown_keys);
}
