/* SPDX-License-Identifier: Apache-2.0 */
/*
 * boot_env.c — `name=value` listings as fw_printenv and grub-editenv print
 * them, attempt counters and slot orders ("A B").
 */
#include <stdlib.h>
#include <string.h>

#include "boot_int.h"

static char *
dup_n(const char *s, size_t n)
{
    char *p = malloc(n + 1);
    if (p != NULL) {
        memcpy(p, s, n);
        p[n] = '\0';
    }
    return p;
}

static ota_err
push(otac_env *env, char *name, char *value)
{
    otac_var *nv = realloc(env->v, (env->n + 1) * sizeof *nv);
    if (nv == NULL) {
        free(name);
        free(value);
        return OTA_E_NOMEM;
    }
    env->v = nv;
    env->v[env->n].name = name;
    env->v[env->n].value = value;
    env->n++;
    return OTA_OK;
}

ota_err
otac_env_parse(const char *text, size_t len, otac_env *env)
{
    size_t i = 0;
    env->v = NULL;
    env->n = 0;
    while (i < len) {
        size_t start = i;
        while (i < len && text[i] != '\n')
            i++;
        size_t end = i;
        if (i < len)
            i++; /* the '\n' */
        if (end > start && text[end - 1] == '\r')
            end--;
        const char *eq = memchr(text + start, '=', end - start);
        if (eq == NULL || eq == text + start)
            continue;
        size_t nlen = (size_t) (eq - (text + start));
        char *name = dup_n(text + start, nlen);
        char *value = dup_n(eq + 1, end - start - nlen - 1);
        if (name == NULL || value == NULL) {
            free(name);
            free(value);
            otac_env_free(env);
            return OTA_E_NOMEM;
        }
        if (push(env, name, value) != OTA_OK) {
            otac_env_free(env);
            return OTA_E_NOMEM;
        }
    }
    return OTA_OK;
}

ota_err
otac_env_get(const otac_env *env, const char *name, const char **value, char *err)
{
    const char *found = NULL;
    for (size_t i = 0; i < env->n; i++) {
        if (strcmp(env->v[i].name, name) != 0)
            continue;
        if (found != NULL) {
            otac_boot_msg(err, "variable %s appears twice in the environment listing", name);
            return OTA_E_BOOT;
        }
        found = env->v[i].value;
    }
    if (found == NULL)
        return OTA_E_NOT_FOUND;
    *value = found;
    return OTA_OK;
}

ota_err
otac_env_set(otac_env *env, const char *name, const char *value)
{
    char *v = dup_n(value, strlen(value));
    if (v == NULL)
        return OTA_E_NOMEM;
    for (size_t i = 0; i < env->n; i++) {
        if (strcmp(env->v[i].name, name) == 0) {
            free(env->v[i].value);
            env->v[i].value = v;
            return OTA_OK;
        }
    }
    char *n = dup_n(name, strlen(name));
    if (n == NULL) {
        free(v);
        return OTA_E_NOMEM;
    }
    return push(env, n, v);
}

void
otac_env_free(otac_env *env)
{
    for (size_t i = 0; i < env->n; i++) {
        free(env->v[i].name);
        free(env->v[i].value);
    }
    free(env->v);
    env->v = NULL;
    env->n = 0;
}

bool
otac_parse_count(const char *s, unsigned *out)
{
    unsigned v = 0;
    size_t i = 0;
    for (; s[i] != '\0'; i++) {
        if (s[i] < '0' || s[i] > '9' || i >= 4)
            return false;
        v = v * 10u + (unsigned) (s[i] - '0');
    }
    if (i == 0)
        return false;
    *out = v;
    return true;
}

ota_err
otac_split_order(const char *order, char **buf, const char **names, size_t max, size_t *n,
                 char *err)
{
    char *copy = dup_n(order, strlen(order));
    size_t count = 0;
    *buf = NULL;
    *n = 0;
    if (copy == NULL)
        return OTA_E_NOMEM;
    char *p = copy;
    for (;;) {
        while (*p == ' ')
            p++;
        if (*p == '\0')
            break;
        char *tok = p;
        while (*p != ' ' && *p != '\0')
            p++;
        if (*p == ' ')
            *p++ = '\0';
        if (!ota_boot_name_ok(tok)) {
            otac_boot_msg(err, "slot order \"%s\" holds an invalid bootname", order);
            free(copy);
            return OTA_E_BOOT;
        }
        bool dup = false;
        for (size_t i = 0; i < count; i++)
            dup = dup || strcmp(names[i], tok) == 0;
        if (dup)
            continue;
        if (count == max) {
            otac_boot_msg(err, "slot order \"%s\" names more than %zu slots", order, max);
            free(copy);
            return OTA_E_BOOT;
        }
        names[count++] = tok;
    }
    *buf = copy;
    *n = count;
    return OTA_OK;
}

char *
otac_join_order(const char *const *names, size_t n)
{
    size_t len = 1;
    for (size_t i = 0; i < n; i++)
        len += strlen(names[i]) + 1;
    char *s = malloc(len);
    if (s == NULL)
        return NULL;
    size_t off = 0;
    for (size_t i = 0; i < n; i++) {
        size_t l = strlen(names[i]);
        if (i > 0)
            s[off++] = ' ';
        memcpy(s + off, names[i], l);
        off += l;
    }
    s[off] = '\0';
    return s;
}

bool
otac_order_has(const char *const *order, size_t n, const char *x)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(order[i], x) == 0)
            return true;
    return false;
}

char *
otac_order_first(const char *const *order, size_t n, const char *x)
{
    const char *v[OTAC_BOOT_MAX_ORDER + 1];
    size_t k = 0;
    v[k++] = x;
    for (size_t i = 0; i < n && k < OTAC_BOOT_MAX_ORDER + 1; i++)
        if (strcmp(order[i], x) != 0)
            v[k++] = order[i];
    return otac_join_order(v, k);
}

char *
otac_order_with(const char *const *order, size_t n, const char *x)
{
    const char *v[OTAC_BOOT_MAX_ORDER + 1];
    size_t k = 0;
    for (size_t i = 0; i < n && k < OTAC_BOOT_MAX_ORDER; i++)
        v[k++] = order[i];
    if (!otac_order_has(order, n, x))
        v[k++] = x;
    return otac_join_order(v, k);
}

ota_err
otac_env_changes(const otac_env *cur, const otac_env *want, otac_env *changes)
{
    changes->v = NULL;
    changes->n = 0;
    for (size_t i = 0; i < want->n; i++) {
        const char *have = NULL;
        if (otac_env_get(cur, want->v[i].name, &have, NULL) == OTA_OK &&
            strcmp(have, want->v[i].value) == 0)
            continue;
        if (otac_env_set(changes, want->v[i].name, want->v[i].value) != OTA_OK) {
            otac_env_free(changes);
            return OTA_E_NOMEM;
        }
    }
    return OTA_OK;
}

ota_err
otac_env_verify(const otac_env *got, const otac_env *want, const char *tool, char *err)
{
    for (size_t i = 0; i < want->n; i++) {
        const char *have = NULL;
        ota_err rc = otac_env_get(got, want->v[i].name, &have, err);
        if (rc == OTA_E_BOOT)
            return rc;
        if (rc != OTA_OK || strcmp(have, want->v[i].value) != 0) {
            otac_boot_msg(err, "%s reported success but %s reads back as %s%.60s%s, not \"%.60s\"",
                          tool, want->v[i].name, rc == OTA_OK ? "\"" : "", rc == OTA_OK ? have
                          : "missing", rc == OTA_OK ? "\"" : "", want->v[i].value);
            return OTA_E_BOOT;
        }
    }
    return OTA_OK;
}
