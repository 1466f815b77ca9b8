/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer: the device's configuration and state parsers.  The first
 * byte % 4 picks one, the rest is the file's text:
 *   0  system.conf (client/src/sysconf.c: otac_sysconf_load, from a file on
 *      /dev/shm): an accepted file has slots with a name, an id class, a
 *      type, a path and a bootname, distinct names, every bootname listed
 *      once, each slot found again by otac_sysconf_slot(class, bootname);
 *      its switch backend is built (otac_sysconf_boot: no program runs
 *      until a verb is called) and released; a refusal has a message
 *      "FILE:LINE: reason" (or names the file);
 *   1  the agent's client.conf (client/agent/options.c: agent_parse with
 *      --config FILE and a command, then agent_resolve, as ota-client's
 *      main does): numbers of accepted settings are in range, poll_jitter
 *      <= poll_interval; die() is the harness's (quiet, no exit);
 *   2  `name=value` listings as fw_printenv / grub-editenv print them
 *      (client/src/boot_env.c: otac_env_parse, otac_env_get, counters,
 *      slot orders), and otac_env_changes / otac_env_verify: the changes
 *      from a listing to itself are none, a listing verifies against
 *      itself unless a name is repeated;
 *   3  the install engine's state file, install.json (client/src/install.c
 *      load(), through ota_installer_new with a fixed system.conf: two dir
 *      slots, the symlink backend, all in a directory on /dev/shm), then
 *      ota_installer_status: every string it fills is terminated within
 *      its array, the state is one of the states.  Written by the installer
 *      itself (atomically), so a damaged disk is the only other author.
 */
#define _XOPEN_SOURCE 700 /* nftw */
#include <ftw.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../client/agent/agent.h"
#include "../../client/src/boot_int.h"
#include "../../client/src/sysconf.h"
#include "ota/boot.h"
#include "ota/install.h"
#include "ota_id.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* options.c reports through main.c's die(): quiet here. */
int
die(int code, const char *fmt, ...)
{
    (void) fmt;
    return code;
}

static char path[128], dir[128];

static void
put_file(const uint8_t *data, size_t size)
{
    if (path[0] == '\0')
        snprintf(path, sizeof path, "%s/ota-fuzz-conf.%ld",
                 access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp", (long) getpid());
    FILE *f = fopen(path, "wb");
    if (f == NULL || fwrite(data, 1, size, f) != size || fclose(f) != 0)
        abort();
}

static void
fuzz_sysconf(const uint8_t *data, size_t size)
{
    put_file(data, size);
    otac_sysconf *s = NULL;
    char err[512];
    err[0] = '\0';
    ota_err rc = otac_sysconf_load(path, &s, err, sizeof err);
    if (rc != OTA_OK) {
        if (s != NULL || (rc == OTA_E_FORMAT && strncmp(err, path, strlen(path)) != 0))
            abort();
        return;
    }
    if (s->compatible == NULL || s->bootloader == NULL || s->nslots == 0)
        abort();
    for (size_t i = 0; i < s->nslots; i++) {
        const otac_slot *sl = &s->slots[i];
        if (sl->name == NULL || !ota_id_valid(sl->cls) || sl->path == NULL ||
            (sl->type != OTAC_SLOT_DIR && sl->type != OTAC_SLOT_RAW) || sl->bootname == NULL)
            abort();
        for (size_t j = 0; j < i; j++)
            if (strcmp(s->slots[j].name, sl->name) == 0)
                abort();
        bool listed = false;
        for (size_t b = 0; b < s->nbootnames; b++)
            listed = listed || strcmp(s->bootnames[b], sl->bootname) == 0;
        const otac_slot *found = otac_sysconf_slot(s, sl->cls, sl->bootname);
        if (!listed || found == NULL || strcmp(found->cls, sl->cls) != 0 ||
            strcmp(found->bootname, sl->bootname) != 0)
            abort();
    }
    for (size_t b = 0; b < s->nbootnames; b++)
        for (size_t c = 0; c < b; c++)
            if (strcmp(s->bootnames[b], s->bootnames[c]) == 0)
                abort();
    ota_boot_ops ops;
    memset(&ops, 0, sizeof ops);
    ops.size = sizeof ops;
    char berr[OTA_BOOT_ERRLEN];
    if (otac_sysconf_boot(s, &ops, berr) == OTA_OK)
        ota_boot_free(&ops);
    otac_sysconf_free(s);
}

static void
fuzz_clientconf(const uint8_t *data, size_t size)
{
    put_file(data, size);
    char *argv[] = {"ota-client", "--config", path, "status", NULL};
    agent_opts o;
    memset(&o, 0, sizeof o);
    if (agent_parse(4, argv, &o) == EX_OK && agent_resolve(&o) == EX_OK) {
        for (size_t i = 0; i < S_COUNT; i++) {
            if (agent_settings[i].type == T_STR || o.val[i] == NULL)
                continue;
            if (o.num[i] < 0 || o.num[i] > 1000000000 ||
                (agent_settings[i].type == T_POS && o.num[i] == 0))
                abort();
        }
        if (o.num[S_POLL_JITTER] > o.num[S_POLL_INTERVAL] || o.val[S_STATE_DIR] == NULL ||
            o.val[S_METADATA_DIR] == NULL || o.val[S_SYSTEM_CONF] == NULL)
            abort();
    }
    agent_opts_free(&o);
}

static void
fuzz_env(const uint8_t *data, size_t size)
{
    otac_env env, ch;
    if (otac_env_parse((const char *) data, size, &env) != OTA_OK)
        return;
    char err[OTA_BOOT_ERRLEN];
    bool small = env.n <= 64, dup = false;
    for (size_t i = 0; small && i < env.n; i++)
        for (size_t j = 0; j < i; j++)
            dup = dup || strcmp(env.v[i].name, env.v[j].name) == 0;
    for (size_t i = 0; small && i < env.n; i++) {
        const char *v = NULL;
        ota_err rc = otac_env_get(&env, env.v[i].name, &v, err);
        if (rc == OTA_E_BOOT ? !dup : rc != OTA_OK || strcmp(v, env.v[i].value) != 0)
            abort();
        unsigned cnt;
        (void) otac_parse_count(env.v[i].value, &cnt);
        char *buf = NULL;
        const char *names[8];
        size_t n = 0;
        if (otac_split_order(env.v[i].value, &buf, names, 8, &n, err) == OTA_OK) {
            if (n > 8)
                abort();
            char *joined = otac_join_order(names, n);
            if (joined != NULL && n > 0) {
                char *buf2 = NULL;
                const char *names2[8];
                size_t n2 = 0;
                /* an order reads back as itself */
                if (otac_split_order(joined, &buf2, names2, 8, &n2, err) != OTA_OK || n2 != n)
                    abort();
                for (size_t k = 0; k < n; k++)
                    if (strcmp(names[k], names2[k]) != 0)
                        abort();
                char *first = otac_order_first(names, n, names[n - 1]);
                char *with = otac_order_with(names, n, "Z");
                free(first);
                free(with);
                free(buf2);
            }
            free(joined);
        }
        free(buf);
    }
    if (small && otac_env_changes(&env, &env, &ch) == OTA_OK) {
        if (!dup && ch.n != 0)
            abort();
        otac_env_free(&ch);
    }
    if (small && !dup && otac_env_verify(&env, &env, "fuzz", err) != OTA_OK)
        abort();
    otac_env_free(&env);
}

static void
put(const char *name, const char *text)
{
    char p[300];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *f = fopen(p, "w");
    if (f == NULL || fputs(text, f) < 0 || fclose(f) != 0)
        abort();
}

static void
fuzz_state(const uint8_t *data, size_t size)
{
    char p[300], q[300];
    if (dir[0] == '\0') {
        snprintf(dir, sizeof dir, "%s/ota-fuzz-conf.%ld.d",
                 access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp", (long) getpid());
        snprintf(p, sizeof p, "%s/state", dir);
        if (mkdir(dir, 0700) != 0 || mkdir(p, 0700) != 0)
            abort();
        snprintf(p, sizeof p, "%s/slot-a", dir);
        snprintf(q, sizeof q, "%s/slot-b", dir);
        if (mkdir(p, 0755) != 0 || mkdir(q, 0755) != 0)
            abort();
        snprintf(q, sizeof q, "%s/current", dir);
        if (symlink(p, q) != 0)
            abort();
        char conf[1024];
        snprintf(conf, sizeof conf,
                 "[system]\ncompatible = gw-1\nbootloader = symlink\ncmdline = %s/cmdline\n"
                 "symlink = %s/current\n[slot.rootfs.0]\ntype = dir\npath = %s/slot-a\n"
                 "bootname = A\n[slot.rootfs.1]\ntype = dir\npath = %s/slot-b\nbootname = B\n",
                 dir, dir, dir, dir);
        put("system.conf", conf);
        put("cmdline", "quiet ota.slot=A\n");
    }
    snprintf(p, sizeof p, "%s/state/install.json", dir);
    FILE *f = fopen(p, "wb");
    if (f == NULL || fwrite(data, 1, size, f) != size || fclose(f) != 0)
        abort();
    snprintf(q, sizeof q, "%s/system.conf", dir);
    snprintf(p, sizeof p, "%s/state", dir);
    ota_install_config cfg = OTA_INSTALL_CONFIG_INIT;
    cfg.state_dir = p;
    cfg.system_conf = q;
    ota_installer *in = NULL;
    char err[512];
    if (ota_installer_new(&cfg, &in, err, sizeof err) != OTA_OK)
        return;
    ota_install_status st;
    memset(&st, 0x5a, sizeof st);
    st.size = sizeof st;
    if (ota_installer_status(in, &st) != OTA_OK)
        abort();
    if ((unsigned) st.state > OTA_STATE_FELL_BACK ||
        strnlen(st.booted, sizeof st.booted) == sizeof st.booted ||
        strnlen(st.primary, sizeof st.primary) == sizeof st.primary ||
        strnlen(st.installed_version, sizeof st.installed_version) == sizeof st.installed_version ||
        strnlen(st.target_version, sizeof st.target_version) == sizeof st.target_version ||
        strnlen(st.target_slot, sizeof st.target_slot) == sizeof st.target_slot ||
        strnlen(st.last_error, sizeof st.last_error) == sizeof st.last_error ||
        strnlen(st.installed_name, sizeof st.installed_name) == sizeof st.installed_name ||
        strnlen(st.hardware_id, sizeof st.hardware_id) == sizeof st.hardware_id)
        abort();
    ota_installer_free(in);
}

static int
rm_cb(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
    (void) st;
    (void) ftw;
    return flag == FTW_DP ? rmdir(p) : unlink(p);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    switch (data[0] % 4) {
    case 0:
        fuzz_sysconf(data + 1, size - 1);
        break;
    case 1:
        fuzz_clientconf(data + 1, size - 1);
        break;
    case 2:
        fuzz_env(data + 1, size - 1);
        break;
    default:
        fuzz_state(data + 1, size - 1);
        break;
    }
    return 0;
}

__attribute__((destructor)) static void
at_exit(void)
{
    if (path[0] != '\0')
        unlink(path);
    if (dir[0] != '\0')
        (void) nftw(dir, rm_cb, 8, FTW_PHYS | FTW_DEPTH);
}
