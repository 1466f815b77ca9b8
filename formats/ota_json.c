/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ota_json.c — strict JSON input (size, depth, duplicate keys, NUL, 64-bit
 * integer limits) and the canonical JSON encoder whose bytes TUF signs
 * (formats/CANONICAL_JSON.md).
 */
#include "ota_json.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ota_limits.h"
#include "ota_util.h"

/* Maximum nesting of arrays/objects, found without recursion and without
 * trusting anything but the bytes: strings are skipped with their escapes. */
static ota_err
check_depth(const uint8_t *buf, size_t len)
{
    size_t depth = 0;
    int in_str = 0;
    for (size_t i = 0; i < len; i++) {
        uint8_t c = buf[i];
        if (in_str) {
            if (c == '\\')
                i++; /* skip the escaped byte; \uXXXX digits are harmless */
            else if (c == '"')
                in_str = 0;
            continue;
        }
        if (c == '"')
            in_str = 1;
        else if (c == '{' || c == '[') {
            if (++depth > OTA_MAX_JSON_DEPTH)
                return OTA_E_LIMIT;
        } else if ((c == '}' || c == ']') && depth > 0)
            depth--;
    }
    return OTA_OK;
}

ota_err
ota_json_parse(const uint8_t *buf, size_t len, size_t max_len, json_t **out)
{
    if (buf == NULL || out == NULL)
        return OTA_E_ARG;
    if (max_len == 0 || max_len > OTA_MAX_METADATA_SIZE)
        max_len = OTA_MAX_METADATA_SIZE;
    if (len > max_len)
        return OTA_E_LIMIT;
    ota_err rc = check_depth(buf, len);
    if (rc != OTA_OK)
        return rc;
    json_error_t jerr;
    json_t *v = json_loadb((const char *) buf, len, JSON_REJECT_DUPLICATES, &jerr);
    if (v == NULL)
        return OTA_E_JSON;
    if (!json_is_object(v)) {
        json_decref(v);
        return OTA_E_JSON;
    }
    *out = v;
    return OTA_OK;
}

static int
cmp_keys(const void *a, const void *b)
{
    /* strcmp compares as unsigned char: byte order of UTF-8 = code point order */
    return strcmp(*(const char *const *) a, *(const char *const *) b);
}

static ota_err
put_string(ota_buf *b, const char *s, size_t n)
{
    ota_err rc = ota_buf_putc(b, '"');
    size_t run = 0;
    for (size_t i = 0; rc == OTA_OK && i < n; i++) {
        if (s[i] == '"' || s[i] == '\\') {
            rc = ota_buf_append(b, s + run, i - run);
            if (rc == OTA_OK)
                rc = ota_buf_putc(b, '\\');
            run = i;
        }
    }
    if (rc == OTA_OK)
        rc = ota_buf_append(b, s + run, n - run);
    if (rc == OTA_OK)
        rc = ota_buf_putc(b, '"');
    return rc;
}

/* Recursion is bounded by OTA_MAX_JSON_DEPTH (checked on entry), so the
 * stack use is bounded whatever the value. */
static ota_err
encode(ota_buf *b, const json_t *v, unsigned depth)
{
    ota_err rc = OTA_E_FORMAT;
    char num[32];

    switch (json_typeof(v)) {
    case JSON_NULL:
        return ota_buf_append(b, "null", 4);
    case JSON_TRUE:
        return ota_buf_append(b, "true", 4);
    case JSON_FALSE:
        return ota_buf_append(b, "false", 5);
    case JSON_REAL:
        return OTA_E_FORMAT; /* canonical JSON has no real numbers */
    case JSON_INTEGER: {
        int n = snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        if (n < 0 || (size_t) n >= sizeof num)
            return OTA_E_FORMAT;
        return ota_buf_append(b, num, (size_t) n);
    }
    case JSON_STRING:
        return put_string(b, json_string_value(v), json_string_length(v));
    case JSON_ARRAY: {
        if (depth >= OTA_MAX_JSON_DEPTH)
            return OTA_E_FORMAT;
        rc = ota_buf_putc(b, '[');
        for (size_t i = 0; rc == OTA_OK && i < json_array_size(v); i++) {
            if (i > 0)
                rc = ota_buf_putc(b, ',');
            if (rc == OTA_OK)
                rc = encode(b, json_array_get(v, i), depth + 1);
        }
        if (rc == OTA_OK)
            rc = ota_buf_putc(b, ']');
        return rc;
    }
    case JSON_OBJECT: {
        if (depth >= OTA_MAX_JSON_DEPTH)
            return OTA_E_FORMAT;
        size_t n = json_object_size(v);
        const char **keys = NULL;
        if (n > 0) {
            keys = malloc(n * sizeof *keys);
            if (keys == NULL)
                return OTA_E_NOMEM;
        }
        size_t i = 0;
        const char *k;
        json_t *val;
        /* json_object_foreach wants a non-const object; iteration does not modify it */
        json_object_foreach((json_t *) v, k, val)
        {
            if (i < n)
                keys[i++] = k;
        }
        (void) val;
        if (n > 0)
            qsort(keys, n, sizeof *keys, cmp_keys);
        rc = ota_buf_putc(b, '{');
        for (i = 0; rc == OTA_OK && i < n; i++) {
            if (i > 0)
                rc = ota_buf_putc(b, ',');
            if (rc == OTA_OK)
                rc = put_string(b, keys[i], strlen(keys[i]));
            if (rc == OTA_OK)
                rc = ota_buf_putc(b, ':');
            if (rc == OTA_OK)
                rc = encode(b, json_object_get(v, keys[i]), depth + 1);
        }
        if (rc == OTA_OK)
            rc = ota_buf_putc(b, '}');
        free(keys);
        return rc;
    }
    }
    return rc;
}

ota_err
ota_json_canonical(const json_t *v, uint8_t **out, size_t *out_len)
{
    if (v == NULL || out == NULL || out_len == NULL)
        return OTA_E_ARG;
    ota_buf b = {.max = 2 * (size_t) OTA_MAX_METADATA_SIZE};
    ota_err rc = encode(&b, v, 0);
    if (rc != OTA_OK) {
        ota_buf_free(&b);
        return rc;
    }
    *out = ota_buf_steal(&b, out_len);
    return OTA_OK;
}

ota_err
ota_json_text(const json_t *v, int indent, char **out, size_t *out_len)
{
    if (v == NULL || out == NULL || out_len == NULL || indent < 0 || indent > 31)
        return OTA_E_ARG;
    char *text = json_dumps(v, JSON_INDENT(indent) | JSON_SORT_KEYS);
    if (text == NULL)
        return OTA_E_NOMEM;
    size_t n = strlen(text);
    char *grown = realloc(text, n + 2);
    if (grown == NULL) {
        free(text);
        return OTA_E_NOMEM;
    }
    grown[n] = '\n';
    grown[n + 1] = '\0';
    *out = grown;
    *out_len = n + 1;
    return OTA_OK;
}
