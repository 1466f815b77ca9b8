/* SPDX-License-Identifier: Apache-2.0 */
/*
 * abi.h — the one size rule of libotaclient's public structs (internal,
 * prefix otac_): how a struct from a caller built against another release's
 * header is read, and how one the library fills is handed back
 * (docs/libotaclient.md "Growing the API").
 *
 * Every struct the rule applies to starts with `size_t size`, the caller's
 * sizeof as it compiled it.  Fields are only ever appended, and a zero
 * field means "absent / the default".
 *
 *   in   (the caller fills, the library reads): size must be at least the
 *        first release's struct (min_size), at most OTAC_STRUCT_MAX and a
 *        multiple of alignof(size_t); the
 *        caller's first `size` bytes are copied into a zeroed struct of the
 *        library's, so fields an older caller lacks read as zero; a larger
 *        (newer) struct is accepted only when every byte past the library's
 *        sizeof is zero (openat2(2)'s rule: a field this library does not
 *        know must not be set).  No byte past the caller's size is read.
 *   out  (the library fills, the caller reads): the library fills a whole
 *        struct of its own, then writes the first min(caller's size, its
 *        sizeof) bytes and nothing past them; the caller's size field then
 *        says how many were written (less than the caller's sizeof: an older
 *        library, the fields past it were not written).
 */
#ifndef OTAC_ABI_H
#define OTAC_ABI_H

#include <stddef.h>

#include "ota/err.h"
#include "ota/install.h"
#include "ota/report.h"

/* Largest size accepted: a bigger one is not a struct's (openat2 stops at a
 * page too), and checking its "tail" would read far past the caller's.  A
 * size that is not a multiple of alignof(size_t) (every struct here starts
 * with one) is no struct's either: refused, so a field is never cut. */
#define OTAC_STRUCT_MAX ((size_t) 4096)

/* The sizeof a struct of type's fields up to field (rounded up to
 * alignof(size_t), as every size must be): the size a release whose struct
 * ended with field passes. */
#define OTAC_SIZE_THROUGH(type, field)                                                             \
    ((offsetof(type, field) + sizeof(((type *) 0)->field) + _Alignof(size_t) - 1) /                \
     _Alignof(size_t) * _Alignof(size_t))

/* The smallest size of an output struct: its size field. */
#define OTAC_OUT_MIN sizeof(size_t)

/* The smallest size of each struct the library reads: the first release's
 * struct (0.1.0: the client config, which ended with clock_user; the
 * transport table, which ended with close; the fetch request and the curl
 * config as they are), or, for a struct first released in 0.2.0, the end
 * of its required fields (every later one is optional, zero meaning the
 * default).  docs/libotaclient.md lists them. */
#define OTAC_MIN_CLIENT_CONFIG OTAC_SIZE_THROUGH(ota_client_config, clock_user)
#define OTAC_MIN_TRANSPORT OTAC_SIZE_THROUGH(ota_transport, close)
#define OTAC_MIN_FETCH_REQ OTAC_SIZE_THROUGH(ota_fetch_req, max_len)
#define OTAC_MIN_CURL_CONFIG OTAC_SIZE_THROUGH(ota_curl_config, user_agent_suffix)
#define OTAC_MIN_TARGET_INFO OTAC_SIZE_THROUGH(ota_target_info, sha512)
#define OTAC_MIN_DEVICE OTAC_SIZE_THROUGH(ota_device, product)
#define OTAC_MIN_INSTALL_CONFIG OTAC_SIZE_THROUGH(ota_install_config, system_conf)
#define OTAC_MIN_BOOT_CONFIG OTAC_SIZE_THROUGH(ota_boot_config, nbootnames)
#define OTAC_MIN_BOOT_OPS OTAC_SIZE_THROUGH(ota_boot_ops, release)
#define OTAC_MIN_REPORTER_CONFIG OTAC_SIZE_THROUGH(ota_reporter_config, hardware_id)
#define OTAC_MIN_REPORT_EVENT OTAC_SIZE_THROUGH(ota_report_event, installed_version)

/* Read the caller's struct src (src_size: its size field) into the
 * library's dst[dst_size] by the "in" rule; dst's size field becomes
 * dst_size.  OTA_E_ARG, with a message naming `what` (the struct type) in
 * err[errcap] (err may be NULL), when the rule is broken; dst is then
 * untouched. */
ota_err otac_struct_in(void *dst, size_t dst_size, const void *src, size_t src_size,
                       size_t min_size, const char *what, char *err, size_t errcap);

/* Check an output struct's size before any work: OTA_E_ARG, with a message
 * as otac_struct_in, when size < min_size. */
ota_err otac_struct_out_ok(size_t size, size_t min_size, const char *what, char *err,
                           size_t errcap);

/* Hand the library's filled src[src_size] to the caller's dst (dst_size:
 * its size field, already checked with otac_struct_out_ok) by the "out"
 * rule: exactly min(dst_size, src_size) bytes are written, and dst's size
 * field is set to that count. */
void otac_struct_out(void *dst, size_t dst_size, const void *src, size_t src_size);

#endif
