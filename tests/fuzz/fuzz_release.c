/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer: the release policy of signed targets metadata
 * (formats/ota_release.c, formats/RELEASE.md), read by libotaclient's
 * choice of a release, its install, ota-sign and ota-server's fleet page.
 * The input is a JSON document (ota_json_parse: strict, any member order);
 * the first byte % 3 picks how it is read:
 *   0  as a target's custom.ota_release: ota_release_read and
 *      ota_release_invalid agree; a valid policy has 1..16 channels, valid
 *      ids, sorted and distinct, each found by ota_release_has_channel,
 *      rollout 0..100, and the values the document holds (absent members
 *      at their defaults); an invalid one reads as exactly the defaults;
 *   1  as the top-level targets' ota_policy: ota_policy_invalid and
 *      ota_policy_floor agree; every floor of a valid policy is returned
 *      for its name and is a semantic version; a name without a floor has
 *      none; an invalid policy never yields a floor;
 *   2  as a bundle target's whole custom field, as libotaclient's install
 *      reads it: ota_bundle_custom_head (an accepted head is 80 bytes to
 *      OTA_BUNDLE_MAX_HEAD long, its SHA-256 the field's hex) and the
 *      custom.ota_release member as in 0.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ota_bundle.h"
#include "ota_id.h"
#include "ota_json.h"
#include "ota_limits.h"
#include "ota_release.h"
#include "ota_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c)) {                                                                                \
            fprintf(stderr, "fuzz_release: %s:%d: %s\n", __FILE__, __LINE__, #c);                  \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

static void
release(const json_t *rel)
{
    ota_release_policy p;
    memset(&p, 0xa5, sizeof p);
    const char *why = ota_release_read(rel, &p);
    CHECK(why == ota_release_invalid(rel));
    CHECK(p.nchannels >= 1 && p.nchannels <= OTA_RELEASE_MAX_CHANNELS && p.rollout <= 100);
    if (why != NULL || rel == NULL) { /* invalid, or absent: the defaults */
        CHECK(p.nchannels == 1 && strcmp(p.channels[0], OTA_RELEASE_DEFAULT_CHANNEL) == 0 &&
              p.rollout == OTA_RELEASE_DEFAULT_ROLLOUT &&
              p.downgrade == OTA_RELEASE_DEFAULT_DOWNGRADE);
        return;
    }
    CHECK(json_is_object(rel));
    for (size_t i = 0; i < p.nchannels; i++) {
        CHECK(ota_id_valid(p.channels[i]));
        CHECK(i == 0 || strcmp(p.channels[i - 1], p.channels[i]) < 0);
        CHECK(ota_release_has_channel(&p, p.channels[i]));
    }
    const json_t *ch = json_object_get(rel, "channels");
    if (ch != NULL) {
        CHECK(json_array_size(ch) == p.nchannels);
        for (size_t i = 0; i < p.nchannels; i++)
            CHECK(strcmp(json_string_value(json_array_get(ch, i)), p.channels[i]) == 0);
    }
    const json_t *ro = json_object_get(rel, "rollout");
    CHECK(ro != NULL ? json_integer_value(ro) == (json_int_t) p.rollout
                     : p.rollout == OTA_RELEASE_DEFAULT_ROLLOUT);
    const json_t *dg = json_object_get(rel, "downgrade");
    CHECK(dg != NULL ? json_is_true(dg) == p.downgrade
                     : p.downgrade == OTA_RELEASE_DEFAULT_DOWNGRADE);
    CHECK(!ota_release_has_channel(&p, NULL) && !ota_release_has_channel(NULL, "stable"));
}

static void
policy(const json_t *pol)
{
    const char *why = ota_policy_invalid(pol);
    const char *v = (const char *) 1;
    ota_err rc = ota_policy_floor(pol, "fuzz-no-such-bundle-name", &v);
    CHECK((rc == OTA_OK) == (why == NULL));
    if (why != NULL) {
        CHECK(rc == OTA_E_FORMAT && v == NULL);
        return;
    }
    CHECK(v == NULL ||
          json_object_get(json_object_get(pol, "floors"), "fuzz-no-such-bundle-name") != NULL);
    const char *name;
    const json_t *f;
    json_object_foreach((json_t *) json_object_get(pol, "floors"), name, f)
    {
        CHECK(ota_policy_floor(pol, name, &v) == OTA_OK);
        CHECK(v != NULL && strcmp(v, json_string_value(f)) == 0);
        CHECK(ota_semver_check(v) == OTA_OK && ota_id_valid(name));
    }
}

static void
custom_head(const json_t *custom)
{
    uint64_t len = 0;
    uint8_t sha[32];
    if (ota_bundle_custom_head(custom, &len, sha) == OTA_OK) {
        CHECK(len >= OTA_BUNDLE_HEADER_LEN && len <= OTA_BUNDLE_MAX_HEAD);
        char hex[65];
        ota_hex_encode(sha, sizeof sha, hex);
        const char *in = json_string_value(
            json_object_get(json_object_get(custom, "ota_bundle"), "head_sha256"));
        CHECK(in != NULL && strlen(in) == 64);
        for (size_t i = 0; i < 64; i++)
            CHECK(hex[i] == (in[i] >= 'A' && in[i] <= 'F' ? in[i] - 'A' + 'a' : in[i]));
    }
    release(json_object_get(custom, "ota_release"));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    json_t *doc = NULL;
    if (ota_json_parse(data + 1, size - 1, 0, &doc) != OTA_OK)
        return 0;
    switch (data[0] % 3) {
    case 0:
        release(doc);
        break;
    case 1:
        policy(doc);
        break;
    default:
        custom_head(doc);
        break;
    }
    json_decref(doc);
    return 0;
}
