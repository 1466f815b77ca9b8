/* SPDX-License-Identifier: Apache-2.0 */
/*
 * keys.c — ota-sign's private keys: loading key files, passphrases per key
 * (files, environment, terminal), matching keys to the roles that need
 * them; secrets in sodium_malloc memory.
 */
#include "keys.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "cli.h"
#include "fsutil.h"

#define PASS_MAX 1024u

/* OTA_SIGN_PASSPHRASE, taken out of the environment (sodium_malloc'd) */
static char *env_pass;

ota_err
keys_parse_kdf(const char *s, ota_kdf_level *out)
{
    static const char *const names[] = {"interactive", "moderate", "sensitive"};
    static const ota_kdf_level levels[] = {OTA_KDF_INTERACTIVE, OTA_KDF_MODERATE,
                                           OTA_KDF_SENSITIVE};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(s, names[i]) == 0) {
            *out = levels[i];
            return OTA_OK;
        }
    sign_error(SX_USAGE, "unknown --kdf level '%s' (interactive, moderate, sensitive)", s);
    return OTA_E_ARG;
}

void
keys_warn_readable(const char *path, const char *what)
{
    struct stat st;
    if (stat(path, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & (S_IRGRP | S_IROTH)))
        fprintf(stderr, "ota-sign: warning: %s %s is readable by group or others (chmod 600 %s)\n",
                what, path, path);
}

/* Key id of a key file (private or public), message printed on failure. */
static ota_err
peek_keyfile(const char *path, sign_keyfile *kf)
{
    uint8_t *buf = NULL;
    size_t len = 0;
    ota_err rc = ota_file_read(path, KEYFILE_MAX, &buf, &len);
    if (rc != OTA_OK) {
        sign_fail(rc, "cannot read key file %s", path);
        return rc;
    }
    rc = ota_keyfile_peek(buf, len, kf->keyid, &kf->has_secret, &kf->encrypted, &kf->pub);
    sodium_memzero(buf, len);
    free(buf);
    if (rc != OTA_OK)
        sign_error(SX_KEY, "%s is not a key file", path);
    return rc;
}

ota_err
keys_passphrase_option(sign_keys *ks, const char *arg)
{
    const char *eq = strchr(arg, '=');
    struct stat st;
    if (eq == NULL || eq == arg || eq[1] == '\0' || stat(arg, &st) == 0) {
        if (ks->passphrase_file != NULL) {
            sign_error(SX_USAGE, "--passphrase-file %s: one is given already for every key; "
                                 "give one key its own with --passphrase-file KEYFILE=PASSFILE",
                       arg);
            return OTA_E_ARG;
        }
        ks->passphrase_file = arg;
        keys_warn_readable(arg, "passphrase file");
        return OTA_OK;
    }
    sign_passfile pf = {.file = eq + 1};
    sign_keyfile kf = {0};
    if ((pf.keyfile = strndup(arg, (size_t) (eq - arg))) == NULL)
        return OTA_E_NOMEM;
    ota_err rc = peek_keyfile(pf.keyfile, &kf);
    json_decref(kf.pub);
    memcpy(pf.keyid, kf.keyid, sizeof pf.keyid);
    for (size_t i = 0; rc == OTA_OK && i < ks->npass; i++)
        if (strcmp(ks->pass[i].keyid, pf.keyid) == 0) {
            sign_error(SX_USAGE, "--passphrase-file: two passphrase files for %s", pf.keyfile);
            rc = OTA_E_ARG;
        }
    sign_passfile *nv = rc == OTA_OK ? realloc(ks->pass, (ks->npass + 1) * sizeof *nv) : NULL;
    if (rc == OTA_OK && nv == NULL)
        rc = OTA_E_NOMEM;
    if (rc != OTA_OK) {
        free(pf.keyfile);
        return rc == OTA_E_NOT_FOUND || rc == OTA_E_IO ? OTA_E_KEY : rc;
    }
    ks->pass = nv;
    ks->pass[ks->npass++] = pf;
    keys_warn_readable(pf.file, "passphrase file");
    return OTA_OK;
}

/* The passphrase file for a key: its own, else the one for every key. */
static const char *
passfile_for(const sign_keys *ks, const char *keyid)
{
    for (size_t i = 0; i < ks->npass; i++)
        if (strcmp(ks->pass[i].keyid, keyid) == 0)
            return ks->pass[i].file;
    return ks->passphrase_file;
}

ota_err
keys_add(sign_keys *ks, const char *path, sign_keyfile **out)
{
    sign_keyfile kf = {0};
    ota_err rc = peek_keyfile(path, &kf);
    if (rc != OTA_OK)
        return rc;
    if (kf.has_secret && !kf.encrypted)
        keys_warn_readable(path, "unencrypted private key file");
    for (size_t i = 0; i < ks->n; i++) {
        if (strcmp(ks->v[i].keyid, kf.keyid) == 0) {
            /* same key again: prefer the file that has the private part */
            if (kf.has_secret && !ks->v[i].has_secret) {
                free(ks->v[i].path);
                ks->v[i].path = strdup(path);
                ks->v[i].has_secret = true;
                ks->v[i].encrypted = kf.encrypted;
            }
            json_decref(kf.pub);
            if (out)
                *out = &ks->v[i];
            return ks->v[i].path ? OTA_OK : OTA_E_NOMEM;
        }
    }
    sign_keyfile *nv = realloc(ks->v, (ks->n + 1) * sizeof *nv);
    if (nv == NULL || (kf.path = strdup(path)) == NULL) {
        if (nv)
            ks->v = nv;
        json_decref(kf.pub);
        return OTA_E_NOMEM;
    }
    ks->v = nv;
    ks->v[ks->n] = kf;
    if (out)
        *out = &ks->v[ks->n];
    ks->n++;
    return OTA_OK;
}

ota_secret_key *
keys_secret(sign_keys *ks, const char *keyid, ota_err *rc)
{
    *rc = OTA_E_NOT_FOUND;
    for (size_t i = 0; i < ks->n; i++) {
        sign_keyfile *kf = &ks->v[i];
        if (strcmp(kf->keyid, keyid) != 0 || !kf->has_secret)
            continue;
        if (kf->sk != NULL) {
            *rc = OTA_OK;
            return kf->sk;
        }
        uint8_t *buf = NULL;
        size_t len = 0;
        char *pass = NULL;
        size_t plen = 0;
        *rc = ota_file_read(kf->path, KEYFILE_MAX, &buf, &len);
        if (*rc != OTA_OK) {
            sign_fail(*rc, "cannot read key file %s", kf->path);
            return NULL;
        }
        bool asked = false;
        if (kf->encrypted) {
            char prompt[512];
            snprintf(prompt, sizeof prompt, "Passphrase for %s: ", kf->path);
            *rc = passphrase_get(prompt, passfile_for(ks, kf->keyid), kf->path, 0, &pass, &plen);
            asked = *rc != OTA_OK; /* passphrase_get said why */
        }
        if (*rc == OTA_OK)
            *rc = ota_keyfile_decode(buf, len, pass, plen, &kf->sk);
        if (pass != NULL)
            sodium_free(pass);
        sodium_memzero(buf, len);
        free(buf);
        if (asked)
            return NULL;
        if (*rc == OTA_E_PASSPHRASE)
            sign_error(SX_KEY, "wrong passphrase for %s (or the file is corrupted)", kf->path);
        else if (*rc != OTA_OK)
            sign_fail(*rc, "cannot use key file %s", kf->path);
        return kf->sk;
    }
    return NULL;
}

void
keys_free(sign_keys *ks)
{
    for (size_t i = 0; i < ks->n; i++) {
        free(ks->v[i].path);
        json_decref(ks->v[i].pub);
        ota_secret_key_free(ks->v[i].sk);
    }
    free(ks->v);
    ks->v = NULL;
    ks->n = 0;
    for (size_t i = 0; i < ks->npass; i++)
        free(ks->pass[i].keyfile);
    free(ks->pass);
    ks->pass = NULL;
    ks->npass = 0;
}

/* Strip one trailing "\n" or "\r\n". */
static size_t
chomp(char *s, size_t n)
{
    if (n > 0 && s[n - 1] == '\n')
        n--;
    if (n > 0 && s[n - 1] == '\r')
        n--;
    s[n] = '\0';
    return n;
}

static ota_err
read_tty(const char *prompt, char *buf, size_t cap, size_t *len)
{
    int fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (fd < 0)
        return OTA_E_PASSPHRASE;
    struct termios old, noecho;
    bool restore = tcgetattr(fd, &old) == 0;
    if (restore) {
        noecho = old;
        noecho.c_lflag &= ~(tcflag_t) ECHO;
        noecho.c_lflag |= ECHONL;
        tcsetattr(fd, TCSANOW, &noecho); /* keep type-ahead (scripted terminals) */
    }
    ssize_t w = write(fd, prompt, strlen(prompt));
    (void) w;
    size_t n = 0;
    ota_err rc = OTA_OK;
    for (;;) {
        char c;
        ssize_t r = read(fd, &c, 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0 || c == '\n')
            break;
        if (n + 1 >= cap) {
            rc = OTA_E_LIMIT;
            break;
        }
        buf[n++] = c;
    }
    if (restore)
        tcsetattr(fd, TCSANOW, &old);
    close(fd);
    buf[n] = '\0';
    *len = n;
    return rc;
}

void
passphrase_env_take(void)
{
    char *env = getenv("OTA_SIGN_PASSPHRASE");
    if (env == NULL)
        return;
    size_t n = strlen(env);
    if (n <= PASS_MAX && (env_pass = sodium_malloc(n + 1)) != NULL)
        memcpy(env_pass, env, n + 1);
    sodium_memzero(env, n); /* where /proc/PID/environ and a child's copy would read it */
    unsetenv("OTA_SIGN_PASSPHRASE");
    if (env_pass == NULL)
        sign_error(SX_KEY, "OTA_SIGN_PASSPHRASE is over %u bytes: ignored", PASS_MAX);
}

ota_err
passphrase_get(const char *prompt, const char *file, const char *keyfile, unsigned flags,
               char **out, size_t *len)
{
    char *pass = sodium_malloc(PASS_MAX + 1);
    if (pass == NULL)
        return OTA_E_NOMEM;
    ota_err rc = OTA_E_PASSPHRASE;
    size_t n = 0;
    const char *env = (flags & PASS_NO_ENV) ? NULL : env_pass;
    if (file != NULL) {
        uint8_t *buf = NULL;
        size_t blen = 0;
        rc = ota_file_read(file, PASS_MAX, &buf, &blen);
        if (rc == OTA_OK) {
            memcpy(pass, buf, blen);
            n = chomp(pass, blen);
            sodium_memzero(buf, blen);
        } else
            sign_fail(rc, "cannot read passphrase file %s", file);
        free(buf);
    } else if (env != NULL) {
        n = strlen(env);
        memcpy(pass, env, n + 1);
        rc = OTA_OK;
    } else {
        rc = read_tty(prompt, pass, PASS_MAX + 1, &n);
        if (rc == OTA_OK && (flags & PASS_CONFIRM)) {
            char *again = sodium_malloc(PASS_MAX + 1);
            size_t n2 = 0;
            rc = again ? read_tty("Repeat passphrase: ", again, PASS_MAX + 1, &n2) : OTA_E_NOMEM;
            if (rc == OTA_OK && (n2 != n || sodium_memcmp(again, pass, n) != 0)) {
                sign_error(SX_KEY, "passphrases do not match");
                rc = OTA_E_PASSPHRASE;
            }
            if (again)
                sodium_free(again);
        } else if (rc == OTA_E_PASSPHRASE) {
            if (keyfile != NULL)
                sign_error(SX_KEY,
                           "%s is encrypted and no passphrase is given for it: use "
                           "--passphrase-file %s=FILE, --passphrase-file FILE, "
                           "OTA_SIGN_PASSPHRASE or a terminal",
                           keyfile, keyfile);
            else
                sign_error(SX_KEY, "no passphrase: use --passphrase-file, OTA_SIGN_PASSPHRASE "
                                   "or run on a terminal");
            rc = OTA_E_KEY;
        }
    }
    if (rc == OTA_OK && n == 0) {
        sign_error(SX_KEY, "empty passphrase refused (use --unencrypted for demo keys)");
        rc = OTA_E_PASSPHRASE;
    }
    if (rc != OTA_OK) {
        sodium_free(pass);
        return rc;
    }
    *out = pass;
    *len = n;
    return OTA_OK;
}
