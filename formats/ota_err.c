/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ota_err.c — the one error enum's names and messages (ota_err.h): the stable
 * E_* names tests and logs match on, and one human sentence each.
 */
#include "ota_err.h"

const char *
ota_strerror(ota_err err)
{
    switch (err) {
    case OTA_OK: return "success";
    case OTA_E_NOMEM: return "out of memory";
    case OTA_E_ARG: return "invalid argument";
    case OTA_E_JSON: return "malformed JSON";
    case OTA_E_FORMAT: return "invalid document format";
    case OTA_E_LIMIT: return "input exceeds a size or count limit";
    case OTA_E_TYPE: return "wrong metadata type";
    case OTA_E_SPEC_VERSION: return "unsupported TUF specification version";
    case OTA_E_SIGNATURE: return "signature threshold not met";
    case OTA_E_EXPIRED: return "metadata has expired";
    case OTA_E_ROLLBACK: return "version is older than the trusted one (rollback)";
    case OTA_E_VERSION: return "unexpected version";
    case OTA_E_HASH: return "hash mismatch";
    case OTA_E_LENGTH: return "length mismatch or too long";
    case OTA_E_KEY: return "malformed or unusable key";
    case OTA_E_UNSUPPORTED: return "unsupported algorithm or feature";
    case OTA_E_CRYPTO: return "cryptographic library failure";
    case OTA_E_IO: return "input/output error";
    case OTA_E_NOT_FOUND: return "not found";
    case OTA_E_THRESHOLD: return "invalid threshold";
    case OTA_E_NETWORK: return "network error";
    case OTA_E_PASSPHRASE: return "wrong passphrase or corrupted key file";
    case OTA_E_EXISTS: return "file already exists";
    case OTA_E_UNSAFE: return "unsafe archive entry (absolute path, '..', device, escaping link)";
    case OTA_E_CANCELED: return "canceled (can be resumed)";
    case OTA_E_HARDWARE: return "not for this device's hardware";
    case OTA_E_BAD_VERSION: return "version marked bad on this device";
    case OTA_E_HOOK: return "install hook failed";
    case OTA_E_TIMEOUT: return "timed out";
    case OTA_E_NOSPACE: return "no space left on device";
    case OTA_E_STATE: return "not possible in the current install state";
    case OTA_E_BOOT: return "bootloader environment error";
    }
    return "unknown error";
}

const char *
ota_err_name(ota_err err)
{
    switch (err) {
    case OTA_OK: return "OK";
    case OTA_E_NOMEM: return "E_NOMEM";
    case OTA_E_ARG: return "E_ARG";
    case OTA_E_JSON: return "E_JSON";
    case OTA_E_FORMAT: return "E_FORMAT";
    case OTA_E_LIMIT: return "E_LIMIT";
    case OTA_E_TYPE: return "E_TYPE";
    case OTA_E_SPEC_VERSION: return "E_SPEC_VERSION";
    case OTA_E_SIGNATURE: return "E_SIGNATURE";
    case OTA_E_EXPIRED: return "E_EXPIRED";
    case OTA_E_ROLLBACK: return "E_ROLLBACK";
    case OTA_E_VERSION: return "E_VERSION";
    case OTA_E_HASH: return "E_HASH";
    case OTA_E_LENGTH: return "E_LENGTH";
    case OTA_E_KEY: return "E_KEY";
    case OTA_E_UNSUPPORTED: return "E_UNSUPPORTED";
    case OTA_E_CRYPTO: return "E_CRYPTO";
    case OTA_E_IO: return "E_IO";
    case OTA_E_NOT_FOUND: return "E_NOT_FOUND";
    case OTA_E_THRESHOLD: return "E_THRESHOLD";
    case OTA_E_NETWORK: return "E_NETWORK";
    case OTA_E_PASSPHRASE: return "E_PASSPHRASE";
    case OTA_E_EXISTS: return "E_EXISTS";
    case OTA_E_UNSAFE: return "E_UNSAFE";
    case OTA_E_CANCELED: return "E_CANCELED";
    case OTA_E_HARDWARE: return "E_HARDWARE";
    case OTA_E_BAD_VERSION: return "E_BAD_VERSION";
    case OTA_E_HOOK: return "E_HOOK";
    case OTA_E_TIMEOUT: return "E_TIMEOUT";
    case OTA_E_NOSPACE: return "E_NOSPACE";
    case OTA_E_STATE: return "E_STATE";
    case OTA_E_BOOT: return "E_BOOT";
    }
    return "E_UNKNOWN";
}
