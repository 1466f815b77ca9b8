/* SPDX-License-Identifier: Apache-2.0 */
/* sysconf.c — system.conf: slots, bootnames and the switch backend (sysconf.h). */
#include "sysconf.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ota_id.h"
#include "ota_limits.h"
#include "ota_util.h"

#define MAX_CONF (256u * 1024u)
#define MAX_SLOTS 64u

typedef struct parser {
    otac_sysconf *s;
    const char *file;
    int line;
    char *err;
    size_t cap;
    otac_slot *cur;  /* current [slot.*] section, NULL in [system] */
    char **parents;  /* parent name per slot (resolved at the end) */
    int *lines;      /* line of each slot's section header */
    int sys_line;    /* line of the first [system], 0 none */
    int bl_line;     /* line of "bootloader = " */
    bool in_system;
} parser;

static ota_err
perr(parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static ota_err
perr(parser *p, const char *fmt, ...)
{
    int n = snprintf(p->err, p->cap, "%s:%d: ", p->file, p->line);
    va_list ap;
    va_start(ap, fmt);
    if (n >= 0 && (size_t) n < p->cap)
        vsnprintf(p->err + n, p->cap - (size_t) n, fmt, ap);
    va_end(ap);
    return OTA_E_FORMAT;
}


static bool
set(char **dst, const char *v)
{
    free(*dst);
    *dst = strdup(v);
    return *dst != NULL;
}

static ota_err
section(parser *p, char *name)
{
    if (strcmp(name, "system") == 0) {
        if (p->sys_line == 0)
            p->sys_line = p->line;
        p->in_system = true;
        p->cur = NULL;
        return OTA_OK;
    }
    if (strncmp(name, "slot.", 5) != 0)
        return perr(p, "unknown section [%s] (expected [system] or [slot.CLASS.INDEX])", name);
    char *dot = strrchr(name + 5, '.');
    if (dot == NULL || dot == name + 5 || dot[1] == '\0')
        return perr(p, "slot section [%s] must be [slot.CLASS.INDEX]", name);
    for (const char *q = dot + 1; *q != '\0'; q++)
        if (*q < '0' || *q > '9')
            return perr(p, "slot index in [%s] must be a number", name);
    for (size_t i = 0; i < p->s->nslots; i++)
        if (strcmp(p->s->slots[i].name, name + 5) == 0)
            return perr(p, "slot %s defined twice", name + 5);
    if (p->s->nslots >= MAX_SLOTS)
        return perr(p, "more than %u slots", MAX_SLOTS);
    otac_slot *ns = realloc(p->s->slots, (p->s->nslots + 1) * sizeof *ns);
    if (ns == NULL)
        return OTA_E_NOMEM;
    p->s->slots = ns;
    char **np = realloc(p->parents, (p->s->nslots + 1) * sizeof *np);
    if (np == NULL)
        return OTA_E_NOMEM;
    p->parents = np;
    p->parents[p->s->nslots] = NULL;
    int *nl = realloc(p->lines, (p->s->nslots + 1) * sizeof *nl);
    if (nl == NULL)
        return OTA_E_NOMEM;
    p->lines = nl;
    p->lines[p->s->nslots] = p->line;
    otac_slot *sl = &ns[p->s->nslots++];
    memset(sl, 0, sizeof *sl);
    sl->name = strdup(name + 5);
    sl->cls = strndup(name + 5, (size_t) (dot - (name + 5)));
    if (sl->name == NULL || sl->cls == NULL)
        return OTA_E_NOMEM;
    if (!ota_id_valid(sl->cls))
        return perr(p, "slot class '%s' is a bundle component name: an id (%s)", sl->cls,
                    OTA_ID_RULE);
    p->cur = sl;
    p->in_system = false;
    return OTA_OK;
}

static bool
parse_bool(const char *v, bool *out)
{
    if (strcmp(v, "true") == 0 || strcmp(v, "yes") == 0 || strcmp(v, "1") == 0)
        *out = true;
    else if (strcmp(v, "false") == 0 || strcmp(v, "no") == 0 || strcmp(v, "0") == 0)
        *out = false;
    else
        return false;
    return true;
}

static bool
parse_uint(const char *v, unsigned lo, unsigned hi, unsigned *out)
{
    uint64_t n;
    if (ota_parse_u64(v, lo, hi, &n) != OTA_OK)
        return false;
    *out = (unsigned) n;
    return true;
}

static ota_err
system_key(parser *p, const char *k, const char *v)
{
    otac_sysconf *s = p->s;
    struct {
        const char *key;
        char **field;
    } strs[] = {
        {"compatible", &s->compatible},         {"bootloader", &s->bootloader},
        {"cmdline", &s->cmdline},               {"fw-env-config", &s->fw_env_config},
        {"fw-printenv", &s->fw_printenv},       {"fw-setenv", &s->fw_setenv},
        {"grubenv", &s->grubenv},               {"grub-editenv", &s->grub_editenv},
        {"custom-program", &s->custom_program}, {"symlink", &s->symlink},
    };
    if (strcmp(k, "bootloader") == 0)
        p->bl_line = p->line;
    if (strcmp(k, "compatible") == 0 && !ota_id_valid(v))
        return perr(p, "compatible '%s' is this device's hardware id: an id (%s)", v, OTA_ID_RULE);
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
        if (strcmp(k, strs[i].key) == 0)
            return set(strs[i].field, v) ? OTA_OK : OTA_E_NOMEM;
    if (strcmp(k, "attempts") == 0)
        return parse_uint(v, 1, 100, &s->attempts) ? OTA_OK
                                                   : perr(p, "attempts: a number from 1 to 100");
    if (strcmp(k, "bootloader-timeout") == 0) {
        unsigned secs;
        if (!parse_uint(v, 1, 3600, &secs))
            return perr(p, "bootloader-timeout: seconds from 1 to 3600");
        s->timeout_ms = secs * 1000u;
        return OTA_OK;
    }
    return perr(p, "unknown key '%s' in [system]", k);
}

static ota_err
slot_key(parser *p, const char *k, const char *v)
{
    otac_slot *sl = p->cur;
    if (strcmp(k, "type") == 0) {
        if (strcmp(v, "dir") == 0)
            sl->type = OTAC_SLOT_DIR;
        else if (strcmp(v, "raw") == 0)
            sl->type = OTAC_SLOT_RAW;
        else
            return perr(p, "type: 'dir' or 'raw', not '%s'", v);
        return OTA_OK;
    }
    if (strcmp(k, "path") == 0 || strcmp(k, "device") == 0) {
        if (v[0] != '/')
            return perr(p, "%s: an absolute path is required", k);
        return set(&sl->path, v) ? OTA_OK : OTA_E_NOMEM;
    }
    if (strcmp(k, "bootname") == 0) {
        if (!ota_boot_name_ok(v))
            return perr(p, "bootname '%s': 1-31 of [A-Za-z0-9_-]", v);
        sl->own_bootname = true;
        return set(&sl->bootname, v) ? OTA_OK : OTA_E_NOMEM;
    }
    if (strcmp(k, "parent") == 0)
        return set(&p->parents[sl - p->s->slots], v) ? OTA_OK : OTA_E_NOMEM;
    if (strcmp(k, "allow-setuid") == 0)
        return parse_bool(v, &sl->allow_setuid) ? OTA_OK
                                                : perr(p, "allow-setuid: true or false");
    return perr(p, "unknown key '%s' in [slot.%s]", k, sl->name);
}

/* Cross-checks once the whole file is read.  A message names the section
 * of the slot concerned, the bootloader line, or else [system]. */
static ota_err
validate(parser *p)
{
    otac_sysconf *s = p->s;
    p->line = p->sys_line > 0 ? p->sys_line : 1;
    if (s->compatible == NULL)
        return perr(p, "[system] compatible (this device's hardware id) is required");
    if (s->bootloader == NULL)
        return perr(p, "[system] bootloader is required (symlink, uboot, grub, custom or "
                       "application)");
    if (s->nslots == 0)
        return perr(p, "no [slot.CLASS.INDEX] sections");
    for (size_t i = 0; i < s->nslots; i++) {
        otac_slot *sl = &s->slots[i];
        p->line = p->lines[i];
        if (sl->type == 0 || sl->path == NULL)
            return perr(p, "slot %s needs type and path", sl->name);
        char *parent = p->parents[i];
        if ((parent != NULL) == sl->own_bootname)
            return perr(p, "slot %s needs exactly one of bootname and parent", sl->name);
        if (parent != NULL) {
            const otac_slot *ps = NULL;
            for (size_t j = 0; j < s->nslots; j++)
                if (strcmp(s->slots[j].name, parent) == 0 && s->slots[j].own_bootname)
                    ps = &s->slots[j];
            if (ps == NULL)
                return perr(p, "slot %s: parent %s is not a slot with a bootname", sl->name,
                            parent);
            if (!set(&sl->bootname, ps->bootname))
                return OTA_E_NOMEM;
        }
        for (size_t j = 0; j < i; j++) {
            if (strcmp(s->slots[j].path, sl->path) == 0)
                return perr(p, "slots %s and %s have the same path", s->slots[j].name, sl->name);
            if (strcmp(s->slots[j].cls, sl->cls) == 0 &&
                strcmp(s->slots[j].bootname, sl->bootname) == 0)
                return perr(p, "slots %s and %s: two '%s' slots for bootname %s",
                            s->slots[j].name, sl->name, sl->cls, sl->bootname);
        }
        bool known = false;
        for (size_t j = 0; j < s->nbootnames; j++)
            known = known || strcmp(s->bootnames[j], sl->bootname) == 0;
        if (!known) {
            char **nb = realloc(s->bootnames, (s->nbootnames + 1) * sizeof *nb);
            if (nb == NULL)
                return OTA_E_NOMEM;
            s->bootnames = nb;
            if ((nb[s->nbootnames] = strdup(sl->bootname)) == NULL)
                return OTA_E_NOMEM;
            s->nbootnames++;
        }
    }
    p->line = p->sys_line > 0 ? p->sys_line : 1;
    if (s->nbootnames < 2)
        return perr(p, "at least two slot groups (bootnames) are needed for A/B updates");
    /* every class in every group: an update must be able to fill each */
    for (size_t i = 0; i < s->nslots; i++) {
        p->line = p->lines[i];
        for (size_t b = 0; b < s->nbootnames; b++)
            if (otac_sysconf_slot(s, s->slots[i].cls, s->bootnames[b]) == NULL)
                return perr(p, "no '%s' slot for bootname %s", s->slots[i].cls, s->bootnames[b]);
    }
    const char *bl = s->bootloader;
    p->line = p->bl_line;
    if (strcmp(bl, "symlink") == 0) {
        if (s->symlink == NULL)
            return perr(p, "bootloader symlink needs [system] symlink = PATH");
        for (size_t b = 0; b < s->nbootnames; b++)
            for (size_t i = 0; i < s->nslots; i++)
                if (s->slots[i].own_bootname && s->slots[i].type != OTAC_SLOT_DIR &&
                    strcmp(s->slots[i].bootname, s->bootnames[b]) == 0) {
                    p->line = p->lines[i];
                    return perr(p, "bootloader symlink: slot %s (bootname %s) must be a dir",
                                s->slots[i].name, s->bootnames[b]);
                }
    } else if (strcmp(bl, "custom") == 0) {
        if (s->custom_program == NULL)
            return perr(p, "bootloader custom needs [system] custom-program = PATH");
    } else if (strcmp(bl, "uboot") != 0 && strcmp(bl, "grub") != 0 &&
               strcmp(bl, "application") != 0) {
        return perr(p, "bootloader '%s': symlink, uboot, grub, custom or application", bl);
    }
    return OTA_OK;
}

ota_err
otac_sysconf_load(const char *path, otac_sysconf **out, char *err, size_t cap)
{
    uint8_t *buf = NULL;
    size_t len = 0;
    ota_err rc = ota_file_read(path, MAX_CONF, &buf, &len);
    if (rc != OTA_OK) {
        snprintf(err, cap, "%s: %s", path,
                 rc == OTA_E_NOT_FOUND ? "no such file" : ota_strerror(rc));
        return rc == OTA_E_LIMIT ? OTA_E_FORMAT : rc;
    }
    parser p = {.file = path, .err = err, .cap = cap};
    p.s = calloc(1, sizeof *p.s);
    if (p.s == NULL || (p.s->file = strdup(path)) == NULL) {
        rc = OTA_E_NOMEM;
        goto out;
    }
    const uint8_t *nul = memchr(buf, '\0', len);
    if (nul != NULL) {
        p.line = 1;
        for (const uint8_t *q = buf; q < nul; q++)
            p.line += *q == '\n';
        rc = perr(&p, "NUL byte in the file");
        goto out;
    }
    bool seen_section = false;
    char *next = (char *) buf;
    for (char *line = next; line != NULL; line = next) {
        if ((next = strchr(line, '\n')) != NULL)
            *next++ = '\0';
        p.line++; /* every line counts, empty ones too */
        char *l = ota_trim(line);
        if (*l == '\0' || *l == '#' || *l == ';')
            continue;
        if (*l == '[') {
            size_t n = strlen(l);
            if (l[n - 1] != ']') {
                rc = perr(&p, "section header without ']'");
                goto out;
            }
            l[n - 1] = '\0';
            if ((rc = section(&p, ota_trim(l + 1))) != OTA_OK)
                goto out;
            seen_section = true;
            continue;
        }
        char *eq = strchr(l, '=');
        if (eq == NULL) {
            rc = perr(&p, "expected 'key = value'");
            goto out;
        }
        *eq = '\0';
        char *k = ota_trim(l), *v = ota_trim(eq + 1);
        if (!seen_section) {
            rc = perr(&p, "'%s' outside a section", k);
            goto out;
        }
        if (*v == '\0') {
            rc = perr(&p, "'%s' has no value", k);
            goto out;
        }
        rc = p.in_system ? system_key(&p, k, v) : slot_key(&p, k, v);
        if (rc != OTA_OK)
            goto out;
    }
    if ((rc = validate(&p)) != OTA_OK)
        goto out;
    if (p.s->attempts == 0)
        p.s->attempts = 3;
    rc = OTA_OK;
out:
    if (rc == OTA_E_NOMEM)
        snprintf(err, cap, "%s: out of memory", path);
    for (size_t i = 0; p.parents != NULL && p.s != NULL && i < p.s->nslots; i++)
        free(p.parents[i]);
    free(p.parents);
    free(p.lines);
    if (rc == OTA_OK) {
        *out = p.s;
        p.s = NULL;
    }
    otac_sysconf_free(p.s);
    free(buf);
    return rc;
}

void
otac_sysconf_free(otac_sysconf *s)
{
    if (s == NULL)
        return;
    char **strs[] = {&s->file,          &s->compatible,   &s->bootloader,   &s->cmdline,
                     &s->fw_env_config, &s->fw_printenv,  &s->fw_setenv,    &s->grubenv,
                     &s->grub_editenv,  &s->custom_program, &s->symlink};
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
        free(*strs[i]);
    for (size_t i = 0; i < s->nslots; i++) {
        free(s->slots[i].name);
        free(s->slots[i].cls);
        free(s->slots[i].path);
        free(s->slots[i].bootname);
    }
    free(s->slots);
    for (size_t i = 0; i < s->nbootnames; i++)
        free(s->bootnames[i]);
    free(s->bootnames);
    free(s);
}

const otac_slot *
otac_sysconf_slot(const otac_sysconf *s, const char *cls, const char *bootname)
{
    for (size_t i = 0; i < s->nslots; i++)
        if (s->slots[i].bootname != NULL && strcmp(s->slots[i].cls, cls) == 0 &&
            strcmp(s->slots[i].bootname, bootname) == 0)
            return &s->slots[i];
    return NULL;
}

ota_err
otac_sysconf_boot(const otac_sysconf *s, ota_boot_ops *ops, char *err)
{
    const char *targets[16];
    if (strcmp(s->bootloader, "application") == 0) {
        snprintf(err, OTA_BOOT_ERRLEN,
                 "'application': the program using libotaclient supplies the switch backend "
                 "(ota_install_config.boot); this one has none");
        return OTA_E_ARG;
    }
    if (s->nbootnames > 16) {
        snprintf(err, OTA_BOOT_ERRLEN, "more than 16 bootnames");
        return OTA_E_ARG;
    }
    for (size_t b = 0; b < s->nbootnames; b++) {
        targets[b] = NULL;
        for (size_t i = 0; i < s->nslots; i++)
            if (s->slots[i].own_bootname && strcmp(s->slots[i].bootname, s->bootnames[b]) == 0)
                targets[b] = s->slots[i].path;
    }
    ota_boot_config bc = {.size = sizeof bc,
                          .backend = s->bootloader,
                          .bootnames = (const char *const *) s->bootnames,
                          .nbootnames = s->nbootnames,
                          .link = s->symlink,
                          .link_targets = targets,
                          .fw_env_config = s->fw_env_config,
                          .fw_printenv = s->fw_printenv,
                          .fw_setenv = s->fw_setenv,
                          .grubenv = s->grubenv,
                          .grub_editenv = s->grub_editenv,
                          .program = s->custom_program,
                          .attempts = s->attempts,
                          .timeout_ms = s->timeout_ms};
    return ota_boot_new(&bc, ops, err);
}
