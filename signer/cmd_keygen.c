/* SPDX-License-Identifier: Apache-2.0 */
/* ota-sign keygen: a new signing key pair. */
#include <getopt.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "keys.h"
#include "ota_atomic.h"
#include "ota_keyfile.h"

static void
help(FILE *out)
{
    fprintf(out,
            "usage: ota-sign keygen -o PREFIX [--type ed25519|ecdsa-p256] [--unencrypted]\n"
            "                       [--passphrase-file FILE] [--kdf interactive|moderate|sensitive]\n"
            "\n"
            "Creates PREFIX.key (private, mode 0600, passphrase-encrypted with Argon2id +\n"
            "XSalsa20-Poly1305) and PREFIX.pub (the public TUF key object).  Existing files\n"
            "are never overwritten.  Prints the key id.\n"
            "\n"
            "  -o, --output PREFIX      where to write PREFIX.key and PREFIX.pub\n"
            "  -t, --type TYPE          ed25519 (default) or ecdsa-p256 (for keys that will\n"
            "                           move into hardware tokens or a cloud KMS)\n"
            "      --unencrypted        store the private key in clear (demo and CI only)\n"
            "      --passphrase-file F  read the passphrase from F's first line; otherwise\n"
            "                           OTA_SIGN_PASSPHRASE, otherwise asked twice on the terminal\n"
            "      --kdf LEVEL          Argon2id cost: interactive (64 MiB), moderate (256 MiB,\n"
            "                           default), sensitive (1 GiB: offline root keys)\n");
}

int
cmd_keygen(int argc, char **argv)
{
    static const struct option opts[] = {
        {"output", required_argument, NULL, 'o'},
        {"type", required_argument, NULL, 't'},
        {"unencrypted", no_argument, NULL, 'u'},
        {"passphrase-file", required_argument, NULL, 'p'},
        {"kdf", required_argument, NULL, 'k'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *prefix = NULL, *pass_file = NULL;
    ota_keytype type = OTA_KEY_ED25519;
    ota_kdf_level kdf = OTA_KDF_MODERATE;
    bool unencrypted = false;
    int c;
    while ((c = getopt_long(argc, argv, "o:t:h", opts, NULL)) != -1) {
        switch (c) {
        case 'o': prefix = optarg; break;
        case 't':
            if (strcmp(optarg, "ed25519") == 0)
                type = OTA_KEY_ED25519;
            else if (strcmp(optarg, "ecdsa-p256") == 0 || strcmp(optarg, "ecdsa") == 0)
                type = OTA_KEY_ECDSA_P256;
            else
                return sign_error(SX_USAGE, "unknown key type '%s' (ed25519, ecdsa-p256)",
                                  optarg);
            break;
        case 'u': unencrypted = true; break;
        case 'p': pass_file = optarg; break;
        case 'k':
            if (keys_parse_kdf(optarg, &kdf) != OTA_OK)
                return SX_USAGE;
            break;
        case 'h': help(stdout); return SX_OK;
        default: help(stderr); return SX_USAGE;
        }
    }
    if (prefix == NULL || optind != argc) {
        help(stderr);
        return SX_USAGE;
    }
    if (unencrypted && pass_file != NULL)
        return sign_error(SX_USAGE, "--unencrypted and --passphrase-file contradict each other");

    char *keypath = NULL, *pubpath = NULL, *pass = NULL, *text = NULL, *pubtext = NULL;
    size_t plen = 0, tlen = 0, publen = 0;
    ota_secret_key *k = NULL;
    int ret = SX_FAIL;
    ota_err rc;

    size_t n = strlen(prefix) + 5;
    keypath = malloc(n);
    pubpath = malloc(n);
    if (keypath == NULL || pubpath == NULL)
        goto out;
    snprintf(keypath, n, "%s.key", prefix);
    snprintf(pubpath, n, "%s.pub", prefix);
    /* check both before asking for a passphrase (writes never replace anyway) */
    FILE *probe;
    if ((probe = fopen(keypath, "r")) != NULL || (probe = fopen(pubpath, "r")) != NULL) {
        fclose(probe);
        ret = sign_error(SX_EXISTS, "%s or %s already exists; refusing to overwrite a key",
                         keypath, pubpath);
        goto out;
    }
    if (!unencrypted) {
        if (pass_file != NULL)
            keys_warn_readable(pass_file, "passphrase file");
        rc = passphrase_get("New passphrase: ", pass_file, NULL, PASS_CONFIRM, &pass, &plen);
        if (rc != OTA_OK) {
            ret = sign_exit_code(rc);
            goto out;
        }
    }
    if ((rc = ota_secret_key_generate(type, &k)) != OTA_OK) {
        ret = sign_fail(rc, "key generation failed");
        goto out;
    }
    rc = ota_keyfile_encode(k, pass, plen, kdf, &text, &tlen);
    if (rc == OTA_OK)
        rc = ota_keyfile_encode_public(k, &pubtext, &publen);
    if (rc != OTA_OK) {
        ret = sign_fail(rc, "cannot encode key");
        goto out;
    }
    if ((rc = ota_atomic_create_path(keypath, text, tlen, 0600)) != OTA_OK) {
        ret = sign_fail(rc, "cannot write %s", keypath);
        goto out;
    }
    if ((rc = ota_atomic_create_path(pubpath, pubtext, publen, 0644)) != OTA_OK) {
        remove(keypath);
        ret = sign_fail(rc, "cannot write %s", pubpath);
        goto out;
    }
    printf("%s\n", ota_secret_key_id(k));
    if (unencrypted)
        fprintf(stderr, "ota-sign: warning: %s is NOT encrypted (demo/CI use only)\n", keypath);
    ret = SX_OK;
out:
    if (text != NULL) {
        sodium_memzero(text, tlen);
        free(text);
    }
    free(pubtext);
    if (pass != NULL)
        sodium_free(pass);
    ota_secret_key_free(k);
    free(keypath);
    free(pubpath);
    return ret;
}
