/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ota_bundle_int.h — internal symbols shared by the ota_bundle*.c files
 * (prefix otab_, hidden from the library's exports).
 */
#ifndef OTA_BUNDLE_INT_H
#define OTA_BUNDLE_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "ota_bundle.h"

/* Big-endian integer helpers. */
static inline void
otab_put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t) (v >> 24);
    p[1] = (uint8_t) (v >> 16);
    p[2] = (uint8_t) (v >> 8);
    p[3] = (uint8_t) v;
}

static inline void
otab_put64(uint8_t *p, uint64_t v)
{
    otab_put32(p, (uint32_t) (v >> 32));
    otab_put32(p + 4, (uint32_t) v);
}

static inline uint32_t
otab_get32(const uint8_t *p)
{
    return (uint32_t) p[0] << 24 | (uint32_t) p[1] << 16 | (uint32_t) p[2] << 8 | (uint32_t) p[3];
}

static inline uint64_t
otab_get64(const uint8_t *p)
{
    return (uint64_t) otab_get32(p) << 32 | otab_get32(p + 4);
}

/* The head bytes of the bundle file open on fd (pread from offset 0; the
 * file position is not used): *buf (malloc'd) holds *len bytes, header
 * included.  The header's fixed-width fields are bounded before the head's
 * length is computed from them.  Errors: OTA_E_IO (a failed read),
 * OTA_E_FORMAT (no bundle magic), OTA_E_LENGTH (the file ends inside the
 * head), ota_bundle_header_decode's, OTA_E_NOMEM; *is_bundle says whether
 * the magic was there, *why (may be NULL) is a constant phrase. */
OTA_NODISCARD ota_err otab_head_pread(int fd, uint8_t **buf, size_t *len, bool *is_bundle,
                                      const char **why);

/* Component as the writer records it (before the manifest exists). */
typedef struct otab_wcomp {
    char *name;
    ota_bundle_ctype type;
    bool rootfs;
    bool delta;    /* tree in the delta layout (format 4; ota_tar.h) */
    int64_t mtime; /* delta: every entry's mtime, in the manifest */
    uint64_t size, entries, unpacked;
} otab_wcomp;

/* The format a writer emits: the oldest that holds the bundle — with a
 * tree in the delta layout 4, else with an sbom component 3, else deflate 1
 * (every reader), zstd 2. */
static inline uint32_t
otab_format_of(ota_bundle_codec codec, const otab_wcomp *comps, size_t ncomps)
{
    for (size_t i = 0; i < ncomps; i++)
        if (comps[i].delta)
            return OTA_BUNDLE_FORMAT_DELTA;
    if (ncomps > 0 && comps[ncomps - 1].type == OTA_BUNDLE_SBOM)
        return OTA_BUNDLE_FORMAT_SBOM;
    return codec == OTA_BUNDLE_DEFLATE ? 1u : 2u;
}

/* Build the canonical manifest bytes (malloc'd) from the writer's state. */
OTA_NODISCARD ota_err otab_manifest_build(const char *name, const char *version,
                                          char *const *hardware, size_t nhardware,
                                          const char *created, uint32_t chunk_size,
                                          ota_bundle_codec codec,
                                          const otab_wcomp *comps, size_t ncomps,
                                          uint8_t *const hooks[OTA_BUNDLE_NHOOKS],
                                          const size_t hook_len[OTA_BUNDLE_NHOOKS], uint8_t **out,
                                          size_t *out_len);

#endif
