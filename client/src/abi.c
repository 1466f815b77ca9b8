/* SPDX-License-Identifier: Apache-2.0 */
/*
 * abi.c — the one size rule of libotaclient's public structs (abi.h): read a
 * caller's struct of any release's size, hand back a filled one without
 * writing past the caller's size.
 */
#include <stdio.h>
#include <string.h>

#include "abi.h"
#include "ota/client.h"

ota_err
otac_struct_in(void *dst, size_t dst_size, const void *src, size_t src_size, size_t min_size,
               const char *what, char *err, size_t errcap)
{
    if (src_size < min_size) {
        if (err != NULL && errcap > 0)
            snprintf(err, errcap, "%s.size %zu: smaller than any release's struct (%zu; not set?)",
                     what, src_size, min_size);
        return OTA_E_ARG;
    }
    if (src_size > OTAC_STRUCT_MAX || src_size % _Alignof(size_t) != 0) {
        if (err != NULL && errcap > 0)
            snprintf(err, errcap, "%s.size %zu: not a struct's (over %zu, or not a multiple of %zu)",
                     what, src_size, OTAC_STRUCT_MAX, _Alignof(size_t));
        return OTA_E_ARG;
    }
    const unsigned char *b = src;
    for (size_t i = dst_size; i < src_size; i++)
        if (b[i] != 0) {
            if (err != NULL && errcap > 0)
                snprintf(err, errcap,
                         "%s.size %zu: byte %zu is set, past the %zu bytes this library knows "
                         "(a field of a newer header than libotaclient " OTA_CLIENT_VERSION ")",
                         what, src_size, i, dst_size);
            return OTA_E_ARG;
        }
    memset(dst, 0, dst_size);
    memcpy(dst, src, src_size < dst_size ? src_size : dst_size);
    memcpy(dst, &dst_size, sizeof dst_size);
    return OTA_OK;
}

ota_err
otac_struct_out_ok(size_t size, size_t min_size, const char *what, char *err, size_t errcap)
{
    if (size >= min_size)
        return OTA_OK;
    if (err != NULL && errcap > 0)
        snprintf(err, errcap, "%s.size %zu: smaller than %zu (not set?)", what, size, min_size);
    return OTA_E_ARG;
}

void
otac_struct_out(void *dst, size_t dst_size, const void *src, size_t src_size)
{
    size_t n = dst_size < src_size ? dst_size : src_size;
    memcpy(dst, src, n);
    if (n >= sizeof n) /* always, after otac_struct_out_ok */
        memcpy(dst, &n, sizeof n);
}
