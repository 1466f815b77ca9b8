/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ota_report.c — device status report documents (formats/REPORT.md); ids
 * and versions are checked by ota_id.c.
 */
#include "ota_report.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "ota_id.h"
#include "ota_json.h"
#include "ota_key.h"
#include "ota_util.h"

const char *
ota_report_result_name(ota_report_result r)
{
    switch (r) {
    case OTA_REPORT_NONE: return "none";
    case OTA_REPORT_SUCCESS: return "success";
    case OTA_REPORT_FAILURE: return "failure";
    case OTA_REPORT_ROLLBACK: return "rollback";
    }
    return "?";
}

int
ota_report_result_from_name(const char *s)
{
    static const ota_report_result all[] = {OTA_REPORT_NONE, OTA_REPORT_SUCCESS,
                                             OTA_REPORT_FAILURE, OTA_REPORT_ROLLBACK};
    if (s == NULL)
        return -1;
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        if (strcmp(s, ota_report_result_name(all[i])) == 0)
            return (int) all[i];
    return -1;
}

/* Free text (error): at most OTA_MAX_REPORT_ERROR_LEN bytes, no control
 * characters (UTF-8 validity is checked by the JSON parser). */
static bool
text_valid(const char *s)
{
    size_t n = 0;
    for (; s[n] != '\0'; n++) {
        unsigned char c = (unsigned char) s[n];
        if (n >= OTA_MAX_REPORT_ERROR_LEN || c < 0x20 || c == 0x7f)
            return false;
    }
    return true;
}

/* spec_version "1.N" or "1.N.M" (digits); OTA_E_SPEC_VERSION otherwise. */
static ota_err
check_spec_version(const char *s)
{
    if (s[0] != '1' || s[1] != '.')
        return OTA_E_SPEC_VERSION;
    int dots = 0;
    bool digit_seen = false;
    for (const char *p = s + 2; *p != '\0'; p++) {
        if (*p == '.') {
            if (!digit_seen || ++dots > 1)
                return OTA_E_SPEC_VERSION;
            digit_seen = false;
        } else if (*p >= '0' && *p <= '9') {
            digit_seen = true;
        } else {
            return OTA_E_SPEC_VERSION;
        }
    }
    return digit_seen ? OTA_OK : OTA_E_SPEC_VERSION;
}

static bool
copy_str(char *dst, size_t cap, const char *src)
{
    size_t n = strlen(src);
    if (n >= cap)
        return false;
    memcpy(dst, src, n + 1);
    return true;
}

static bool
is_lower_hex(const char *s, size_t want)
{
    size_t n = 0;
    for (; s[n] != '\0'; n++)
        if (!((s[n] >= '0' && s[n] <= '9') || (s[n] >= 'a' && s[n] <= 'f')))
            return false;
    return n == want;
}

/* signed.key: exactly {"keytype":"ed25519","scheme":"ed25519",
 * "keyval":{"public":HEX64}} with lower-case hex. */
ota_err
ota_report_key_parse(const json_t *key, uint8_t pk[32])
{
    if (!json_is_object(key) || json_object_size(key) != 3)
        return OTA_E_KEY;
    const char *kt = json_string_value(json_object_get(key, "keytype"));
    const char *sc = json_string_value(json_object_get(key, "scheme"));
    const json_t *kv = json_object_get(key, "keyval");
    if (kt == NULL || sc == NULL || strcmp(kt, "ed25519") != 0 || strcmp(sc, "ed25519") != 0)
        return OTA_E_KEY;
    if (!json_is_object(kv) || json_object_size(kv) != 1)
        return OTA_E_KEY;
    const char *pub = json_string_value(json_object_get(kv, "public"));
    size_t n = 0;
    if (pub == NULL || !is_lower_hex(pub, 64) || ota_hex_decode(pub, 64, pk, 32, &n) != OTA_OK ||
        n != 32)
        return OTA_E_KEY;
    return OTA_OK;
}

static const char *const signed_fields[] = {
    "_type",  "spec_version", "device_id", "hardware_id", "installed_version", "previous_version",
    "result", "error",        "time",      "seq",         "key",               "custom",
    "enrolment", "download",
};

/* A JSON integer 0 .. 2^53-1 into *out. */
static bool
count_value(const json_t *v, uint64_t *out)
{
    if (!json_is_integer(v) || json_integer_value(v) < 0 ||
        json_integer_value(v) > OTA_MAX_JSON_INT)
        return false;
    *out = (uint64_t) json_integer_value(v);
    return true;
}

/* signed.download (spec 1.2): exactly {"bundle":N,"fetched":N}; absent is
 * fine. */
static ota_err
parse_download(const json_t *d, ota_report *r)
{
    if (d == NULL)
        return OTA_OK;
    if (!json_is_object(d) || json_object_size(d) != 2 ||
        !count_value(json_object_get(d, "bundle"), &r->download_bundle) ||
        !count_value(json_object_get(d, "fetched"), &r->download_fetched))
        return OTA_E_FORMAT;
    r->has_download = true;
    return OTA_OK;
}

/* signed.enrolment (spec 1.1): exactly {"keyid":HEX64,"sig":HEX128},
 * lower-case hex.  Only the form is checked here. */
static ota_err
parse_enrolment(const json_t *e, ota_report *r)
{
    if (e == NULL)
        return OTA_OK;
    if (!json_is_object(e) || json_object_size(e) != 2)
        return OTA_E_FORMAT;
    const char *keyid = json_string_value(json_object_get(e, "keyid"));
    const char *sig = json_string_value(json_object_get(e, "sig"));
    size_t n = 0;
    if (keyid == NULL || sig == NULL || !is_lower_hex(keyid, 64) || !is_lower_hex(sig, 128) ||
        ota_hex_decode(sig, 128, r->enrolment_sig, sizeof r->enrolment_sig, &n) != OTA_OK ||
        n != sizeof r->enrolment_sig)
        return OTA_E_FORMAT;
    memcpy(r->enrolment_keyid, keyid, 65);
    r->has_enrolment = true;
    return OTA_OK;
}

/* Validate `signed` into r (everything but the signature). */
static ota_err
parse_signed(const json_t *sg, ota_report *r)
{
    if (!json_is_object(sg))
        return OTA_E_FORMAT;
    const char *type = json_string_value(json_object_get(sg, "_type"));
    if (type == NULL)
        return OTA_E_FORMAT;
    if (strcmp(type, OTA_REPORT_TYPE) != 0)
        return OTA_E_TYPE;
    const char *spec = json_string_value(json_object_get(sg, "spec_version"));
    if (spec == NULL)
        return OTA_E_FORMAT;
    ota_err rc = check_spec_version(spec);
    if (rc != OTA_OK)
        return rc;

    const char *k;
    const json_t *v;
    json_object_foreach((json_t *) sg, k, v) {
        bool known = false;
        for (size_t i = 0; i < sizeof signed_fields / sizeof signed_fields[0]; i++)
            if (strcmp(k, signed_fields[i]) == 0)
                known = true;
        if (!known)
            return OTA_E_FORMAT;
    }
    (void) v;

    const char *dev = json_string_value(json_object_get(sg, "device_id"));
    const char *hw = json_string_value(json_object_get(sg, "hardware_id"));
    const char *inst = json_string_value(json_object_get(sg, "installed_version"));
    const json_t *prev = json_object_get(sg, "previous_version");
    const char *res = json_string_value(json_object_get(sg, "result"));
    const char *err = json_string_value(json_object_get(sg, "error"));
    const char *tm = json_string_value(json_object_get(sg, "time"));
    const json_t *seq = json_object_get(sg, "seq");
    const json_t *custom = json_object_get(sg, "custom");

    if (!ota_id_valid(dev) || !ota_id_valid(hw))
        return OTA_E_FORMAT;
    if (ota_semver_check(inst) != OTA_OK)
        return OTA_E_FORMAT;
    if (prev == NULL ||
        !(json_is_null(prev) || ota_semver_check(json_string_value(prev)) == OTA_OK))
        return OTA_E_FORMAT;
    int result = ota_report_result_from_name(res);
    if (result < 0 || err == NULL || !text_valid(err) || tm == NULL)
        return OTA_E_FORMAT;
    if (!json_is_integer(seq) || json_integer_value(seq) < 1 ||
        json_integer_value(seq) > OTA_MAX_JSON_INT)
        return OTA_E_FORMAT;
    if (custom != NULL && !json_is_object(custom))
        return OTA_E_FORMAT;
    int64_t t = 0;
    if (ota_time_parse(tm, &t) != OTA_OK)
        return OTA_E_FORMAT;
    rc = ota_report_key_parse(json_object_get(sg, "key"), r->public_key);
    if (rc != OTA_OK)
        return rc;
    rc = parse_enrolment(json_object_get(sg, "enrolment"), r);
    if (rc != OTA_OK)
        return rc;
    rc = parse_download(json_object_get(sg, "download"), r);
    if (rc != OTA_OK)
        return rc;
    rc = ota_key_id(json_object_get(sg, "key"), r->keyid);
    if (rc != OTA_OK)
        return rc;

    if (!copy_str(r->device_id, sizeof r->device_id, dev) ||
        !copy_str(r->hardware_id, sizeof r->hardware_id, hw) ||
        !copy_str(r->installed_version, sizeof r->installed_version, inst) ||
        !copy_str(r->previous_version, sizeof r->previous_version,
                  json_is_null(prev) ? "" : json_string_value(prev)) ||
        !copy_str(r->error, sizeof r->error, err) || !copy_str(r->time, sizeof r->time, tm))
        return OTA_E_FORMAT;
    r->result = (ota_report_result) result;
    r->time_unix = t;
    r->seq = (uint64_t) json_integer_value(seq);
    return OTA_OK;
}

ota_err
ota_report_parse(const uint8_t *buf, size_t len, ota_report *out)
{
    ota_err rc = OTA_E_FORMAT;
    json_t *doc = NULL;
    uint8_t *canon = NULL;
    size_t canon_len = 0;
    ota_report r;

    if (buf == NULL || out == NULL)
        return OTA_E_ARG;
    if (len > OTA_MAX_REPORT_SIZE)
        return OTA_E_LIMIT;
    memset(&r, 0, sizeof r);
    rc = ota_json_parse(buf, len, OTA_MAX_REPORT_SIZE, &doc);
    if (rc != OTA_OK)
        goto out;
    rc = OTA_E_FORMAT;
    const json_t *sg = json_object_get(doc, "signed");
    const json_t *sigs = json_object_get(doc, "signatures");
    if (json_object_size(doc) != 2 || sg == NULL || !json_is_array(sigs))
        goto out;
    rc = parse_signed(sg, &r);
    if (rc != OTA_OK)
        goto out;

    /* exactly one signature object {keyid, sig}; none at all is an
     * unsigned report */
    rc = OTA_E_SIGNATURE;
    if (json_array_size(sigs) == 0)
        goto out;
    rc = OTA_E_FORMAT;
    const json_t *s0 = json_array_get(sigs, 0);
    if (json_array_size(sigs) != 1 || !json_is_object(s0) || json_object_size(s0) != 2)
        goto out;
    const char *keyid = json_string_value(json_object_get(s0, "keyid"));
    const char *sighex = json_string_value(json_object_get(s0, "sig"));
    if (keyid == NULL || sighex == NULL)
        goto out;
    rc = OTA_E_SIGNATURE;
    uint8_t sig[crypto_sign_BYTES];
    size_t sig_len = 0;
    if (strcmp(keyid, r.keyid) != 0 || !is_lower_hex(sighex, 2 * crypto_sign_BYTES) ||
        ota_hex_decode(sighex, 2 * crypto_sign_BYTES, sig, sizeof sig, &sig_len) != OTA_OK ||
        sig_len != crypto_sign_BYTES)
        goto out;

    rc = ota_json_canonical(sg, &canon, &canon_len);
    if (rc != OTA_OK)
        goto out;
    rc = OTA_E_SIGNATURE;
    if (sodium_init() < 0) {
        rc = OTA_E_CRYPTO;
        goto out;
    }
    if (crypto_sign_verify_detached(sig, canon, canon_len, r.public_key) != 0)
        goto out;

    *out = r;
    rc = OTA_OK;
out:
    free(canon);
    json_decref(doc);
    return rc;
}

ota_err
ota_report_sign(const ota_report *r, const json_t *custom, const uint8_t sk[64], uint8_t **out,
                size_t *out_len)
{
    ota_err rc = OTA_E_FORMAT;
    json_t *sg = NULL, *doc = NULL, *key = NULL;
    uint8_t *canon = NULL, *result = NULL;
    size_t canon_len = 0, result_len = 0;

    if (r == NULL || sk == NULL || out == NULL || out_len == NULL)
        return OTA_E_ARG;
    if (custom != NULL && !json_is_object(custom))
        return OTA_E_FORMAT;
    /* the parser's field rules, checked first: a control character, for
     * one, would come out of the canonical encoder as invalid JSON */
    int64_t t = 0;
    if (!ota_id_valid(r->device_id) || !ota_id_valid(r->hardware_id) ||
        ota_semver_check(r->installed_version) != OTA_OK ||
        (r->previous_version[0] != '\0' && ota_semver_check(r->previous_version) != OTA_OK) ||
        ota_report_result_from_name(ota_report_result_name(r->result)) < 0 ||
        strnlen(r->error, sizeof r->error) == sizeof r->error || !text_valid(r->error) ||
        strnlen(r->time, sizeof r->time) == sizeof r->time || ota_time_parse(r->time, &t) != OTA_OK ||
        r->seq < 1 || r->seq > (uint64_t) OTA_MAX_JSON_INT ||
        (r->has_enrolment && !is_lower_hex(r->enrolment_keyid, 64)) ||
        (r->has_download && (r->download_fetched > (uint64_t) OTA_MAX_JSON_INT ||
                             r->download_bundle > (uint64_t) OTA_MAX_JSON_INT)))
        return OTA_E_FORMAT;
    if (sodium_init() < 0)
        return OTA_E_CRYPTO;
    const char *result_name = ota_report_result_name(r->result);
    key = ota_key_ed25519_json(sk + 32);
    if (key == NULL) {
        rc = OTA_E_NOMEM;
        goto out;
    }
    char keyid[65];
    rc = ota_key_id(key, keyid);
    if (rc != OTA_OK)
        goto out;
    rc = OTA_E_NOMEM;
    sg = json_pack("{s:s, s:s, s:s, s:s, s:s, s:o, s:s, s:s, s:s, s:I, s:O}", "_type",
                   OTA_REPORT_TYPE, "spec_version",
                   r->has_download    ? OTA_REPORT_SPEC_VERSION_DOWNLOAD
                   : r->has_enrolment ? OTA_REPORT_SPEC_VERSION_ENROLMENT
                                      : OTA_REPORT_SPEC_VERSION,
                   "device_id",
                   r->device_id, "hardware_id", r->hardware_id, "installed_version",
                   r->installed_version, "previous_version",
                   r->previous_version[0] ? json_string(r->previous_version) : json_null(),
                   "result", result_name, "error", r->error, "time", r->time, "seq",
                   (json_int_t) r->seq, "key", key);
    if (sg == NULL)
        goto out;
    if (custom != NULL && json_object_set(sg, "custom", (json_t *) custom) != 0)
        goto out;
    if (r->has_enrolment) {
        char esig[129];
        ota_hex_encode(r->enrolment_sig, sizeof r->enrolment_sig, esig);
        if (json_object_set_new(sg, "enrolment",
                                json_pack("{s:s, s:s}", "keyid", r->enrolment_keyid, "sig",
                                          esig)) != 0)
            goto out;
    }
    if (r->has_download &&
        json_object_set_new(sg, "download",
                            json_pack("{s:I, s:I}", "bundle", (json_int_t) r->download_bundle,
                                      "fetched", (json_int_t) r->download_fetched)) != 0)
        goto out;
    rc = ota_json_canonical(sg, &canon, &canon_len);
    if (rc != OTA_OK)
        goto out;
    uint8_t sig[crypto_sign_BYTES];
    char sighex[2 * crypto_sign_BYTES + 1];
    crypto_sign_detached(sig, NULL, canon, canon_len, sk);
    ota_hex_encode(sig, sizeof sig, sighex);
    rc = OTA_E_NOMEM;
    doc = json_pack("{s:O, s:[{s:s, s:s}]}", "signed", sg, "signatures", "keyid", keyid, "sig",
                    sighex);
    if (doc == NULL)
        goto out;
    rc = ota_json_canonical(doc, &result, &result_len);
    if (rc != OTA_OK)
        goto out;
    if (result_len > OTA_MAX_REPORT_SIZE) {
        rc = OTA_E_LIMIT;
        goto out;
    }
    /* write only what we would accept: the same checks as the server */
    ota_report check;
    rc = ota_report_parse(result, result_len, &check);
    if (rc != OTA_OK)
        goto out;
    *out = result;
    *out_len = result_len;
    result = NULL;
    rc = OTA_OK;
out:
    free(result);
    free(canon);
    json_decref(doc);
    json_decref(sg);
    json_decref(key);
    return rc;
}

/* ---- enrolment certificates (spec 1.1) ------------------------------------------ */

/* Canonical JSON of {"_type":"ota-device-certificate","device_id":ID,"key":K}. */
static ota_err
certificate_message(const char *device_id, const uint8_t pk[32], uint8_t **msg, size_t *len)
{
    if (!ota_id_valid(device_id))
        return OTA_E_FORMAT;
    json_t *key = ota_key_ed25519_json(pk);
    json_t *m = key ? json_pack("{s:s, s:s, s:o}", "_type", OTA_REPORT_CERT_TYPE, "device_id",
                                device_id, "key", key)
                    : NULL;
    if (m == NULL)
        return OTA_E_NOMEM;
    ota_err rc = ota_json_canonical(m, msg, len);
    json_decref(m);
    return rc;
}

ota_err
ota_report_certify(const char *device_id, const uint8_t device_pk[32], const uint8_t prov_sk[64],
                   char keyid[65], uint8_t sig[64])
{
    if (device_id == NULL || device_pk == NULL || prov_sk == NULL || keyid == NULL || sig == NULL)
        return OTA_E_ARG;
    if (sodium_init() < 0)
        return OTA_E_CRYPTO;
    json_t *pkey = ota_key_ed25519_json(prov_sk + 32);
    if (pkey == NULL)
        return OTA_E_NOMEM;
    ota_err rc = ota_key_id(pkey, keyid);
    json_decref(pkey);
    if (rc != OTA_OK)
        return rc;
    uint8_t *msg = NULL;
    size_t len = 0;
    rc = certificate_message(device_id, device_pk, &msg, &len);
    if (rc != OTA_OK)
        return rc;
    crypto_sign_detached(sig, NULL, msg, len, prov_sk);
    free(msg);
    return OTA_OK;
}

ota_err
ota_report_certificate_verify(const ota_report *r, const uint8_t prov_pk[32],
                              const char *prov_keyid)
{
    if (r == NULL || prov_pk == NULL || prov_keyid == NULL)
        return OTA_E_ARG;
    if (!r->has_enrolment || strcmp(r->enrolment_keyid, prov_keyid) != 0)
        return OTA_E_NOT_FOUND;
    if (sodium_init() < 0)
        return OTA_E_CRYPTO;
    uint8_t *msg = NULL;
    size_t len = 0;
    ota_err rc = certificate_message(r->device_id, r->public_key, &msg, &len);
    if (rc != OTA_OK)
        return rc;
    rc = crypto_sign_verify_detached(r->enrolment_sig, msg, len, prov_pk) == 0 ? OTA_OK
                                                                              : OTA_E_SIGNATURE;
    free(msg);
    return rc;
}
