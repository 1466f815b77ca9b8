/* SPDX-License-Identifier: Apache-2.0 */
/* ota-sign passwd: change the passphrase of a key file (atomic rewrite, 0600). */
#include <errno.h>
#include <getopt.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "keys.h"
#include "ota_atomic.h"
#include "ota_util.h"

static void
help(FILE *out)
{
    fprintf(out,
            "usage: ota-sign passwd KEYFILE [--passphrase-file F] [--new-passphrase-file F]\n"
            "                       [--kdf interactive|moderate|sensitive]\n"
            "\n"
            "Re-encrypts the private key in KEYFILE under a new passphrase: the current one\n"
            "is checked first (from --passphrase-file, else OTA_SIGN_PASSPHRASE, else asked\n"
            "on the terminal), the new one is read from --new-passphrase-file or asked\n"
            "twice on the terminal (never taken from the environment).  KEYFILE is\n"
            "replaced atomically, mode 0600; the key and its id stay the same.  An\n"
            "unencrypted key file gets encrypted.\n"
            "\n"
            "  --passphrase-file F      the current passphrase\n"
            "  --new-passphrase-file F  the new passphrase\n"
            "  --kdf LEVEL              Argon2id cost of the new encryption (default moderate;\n"
            "                           sensitive for root keys)\n");
}

int
cmd_passwd(int argc, char **argv)
{
    enum { O_OLD = 0x300, O_NEW, O_KDF };
    static const struct option opts[] = {
        {"passphrase-file", required_argument, NULL, O_OLD},
        {"new-passphrase-file", required_argument, NULL, O_NEW},
        {"kdf", required_argument, NULL, O_KDF},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *old_file = NULL, *new_file = NULL;
    ota_kdf_level kdf = OTA_KDF_MODERATE;
    int c;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case O_OLD: old_file = optarg; break;
        case O_NEW: new_file = optarg; break;
        case O_KDF:
            if (keys_parse_kdf(optarg, &kdf) != OTA_OK)
                return SX_USAGE;
            break;
        case 'h': help(stdout); return SX_OK;
        default: help(stderr); return SX_USAGE;
        }
    }
    if (optind + 1 != argc) {
        help(stderr);
        return SX_USAGE;
    }
    const char *path = argv[optind];
    uint8_t *buf = NULL;
    size_t len = 0, olen = 0, nlen = 0, tlen = 0;
    char *old = NULL, *new = NULL, *text = NULL, prompt[512];
    ota_secret_key *k = NULL;
    char keyid[65];
    bool has_secret = false, encrypted = false;
    int ret = SX_FAIL;
    struct stat st;
    if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode))
        return sign_error(SX_INPUT, "%s is a symbolic link: give the key file itself", path);
    ota_err rc = ota_file_read(path, KEYFILE_MAX, &buf, &len);
    if (rc != OTA_OK) {
        ret = sign_fail(rc, "cannot read key file %s", path);
        goto out;
    }
    if (ota_keyfile_peek(buf, len, keyid, &has_secret, &encrypted, NULL) != OTA_OK ||
        !has_secret) {
        ret = sign_error(SX_KEY, "%s holds no private key", path);
        goto out;
    }
    if (old_file != NULL)
        keys_warn_readable(old_file, "passphrase file");
    if (new_file != NULL)
        keys_warn_readable(new_file, "passphrase file");
    if (encrypted) {
        snprintf(prompt, sizeof prompt, "Current passphrase for %s: ", path);
        if ((rc = passphrase_get(prompt, old_file, path, 0, &old, &olen)) != OTA_OK) {
            ret = sign_exit_code(rc);
            goto out;
        }
    }
    rc = ota_keyfile_decode(buf, len, old, olen, &k);
    if (rc == OTA_E_PASSPHRASE) {
        ret = sign_error(SX_KEY, "wrong passphrase for %s (or the file is corrupted); "
                                 "nothing changed",
                         path);
        goto out;
    }
    if (rc != OTA_OK) {
        ret = sign_fail(rc, "cannot use key file %s", path);
        goto out;
    }
    snprintf(prompt, sizeof prompt, "New passphrase for %s: ", path);
    if ((rc = passphrase_get(prompt, new_file, NULL, PASS_CONFIRM | PASS_NO_ENV, &new, &nlen)) !=
        OTA_OK) {
        ret = sign_exit_code(rc);
        goto out;
    }
    if ((rc = ota_keyfile_encode(k, new, nlen, kdf, &text, &tlen)) != OTA_OK) {
        ret = sign_fail(rc, "cannot encode key");
        goto out;
    }
    if ((rc = ota_atomic_replace_path(path, text, tlen, 0600)) != OTA_OK) {
        ret = sign_fail(rc, "cannot write %s (unchanged)", path);
        goto out;
    }
    printf("changed the passphrase of %s (key %s)\n", path, keyid);
    ret = SX_OK;
out:
    if (buf != NULL) {
        sodium_memzero(buf, len);
        free(buf);
    }
    if (text != NULL) {
        sodium_memzero(text, tlen);
        free(text);
    }
    if (old != NULL)
        sodium_free(old);
    if (new != NULL)
        sodium_free(new);
    ota_secret_key_free(k);
    return ret;
}
