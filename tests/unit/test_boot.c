/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_boot.c — the switch backends (ota/boot.h) against the REAL tools on
 * file-backed environments: fw_printenv/fw_setenv (libubootenv-tool) on an
 * image made by mkenvimage (u-boot-tools), grub-editenv (grub-common) on a
 * grubenv file, small shell programs for the custom backend, a symlink in
 * a temporary directory.  Fake tools appear only where a test proves what
 * happens when a real tool misbehaves (a fw_setenv that exits 0 and writes
 * nothing, as Debian's does with `name value` lines).
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ota/boot.h"

#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

/* ---- fixture: one temporary directory per test -------------------------- */

typedef struct fx {
    char dir[64];
    char path[512]; /* scratch for fx_path */
} fx;

static const char *
fx_path(fx *f, const char *name)
{
    snprintf(f->path, sizeof f->path, "%s/%s", f->dir, name);
    return f->path;
}

static int
setup(void **state)
{
    fx *f = calloc(1, sizeof *f);
    if (f == NULL)
        return -1;
    snprintf(f->dir, sizeof f->dir, "/tmp/ota-test-boot.XXXXXX");
    if (mkdtemp(f->dir) == NULL)
        return -1;
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    fx *f = *state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
    if (system(cmd) != 0)
        return -1;
    free(f);
    return 0;
}

/* Run a shell command (test set-up only); returns its exit status. */
static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void sh_out(char *out, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
sh(const char *fmt, ...)
{
    char cmd[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    int st = system(cmd);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* stdout of a shell command, trailing newline removed, into out[cap]. */
static void
sh_out(char *out, size_t cap, const char *fmt, ...)
{
    char cmd[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t n = fread(out, 1, cap - 1, p);
    out[n] = '\0';
    pclose(p);
    while (n > 0 && out[n - 1] == '\n')
        out[--n] = '\0';
}

static void
write_file(const char *path, const char *text, mode_t mode)
{
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    assert_int_equal(fputs(text, fp) >= 0, 1);
    assert_int_equal(fclose(fp), 0);
    assert_int_equal(chmod(path, mode), 0);
}

static char *
read_text(const char *path)
{
    FILE *fp = fopen(path, "rb");
    if (fp == NULL)
        return NULL;
    char *buf = calloc(1, 1 << 17);
    assert_non_null(buf);
    size_t n = fread(buf, 1, (1 << 17) - 1, fp);
    buf[n] = '\0';
    fclose(fp);
    return buf;
}

static double
now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

static const char *const AB[] = {"A", "B"};

/* ---- U-Boot: a 16 KiB environment image and its fw_env.config --------------- */

#define ENV_SIZE "0x4000"

/* env.bin from `defaults` (name=value lines) with mkenvimage; fw_env.config
 * pointing at it. */
static void
uboot_env(fx *f, const char *defaults)
{
    char env[512], cfg[512];
    snprintf(env, sizeof env, "%s/env.bin", f->dir);
    snprintf(cfg, sizeof cfg, "%s/fw_env.config", f->dir);
    write_file(fx_path(f, "defaults.txt"), defaults, 0644);
    assert_int_equal(sh("mkenvimage -s " ENV_SIZE " -o '%s' '%s/defaults.txt'", env, f->dir), 0);
    char line[600];
    snprintf(line, sizeof line, "# device offset size\n%s 0x0000 " ENV_SIZE "\n", env);
    write_file(cfg, line, 0644);
}

static ota_boot_ops
uboot_ops(fx *f, unsigned attempts, const char *fw_setenv)
{
    char cfgpath[512];
    snprintf(cfgpath, sizeof cfgpath, "%s/fw_env.config", f->dir);
    ota_boot_config c = {.size = sizeof c,
                         .backend = "uboot",
                         .bootnames = AB,
                         .nbootnames = 2,
                         .fw_env_config = cfgpath,
                         .fw_setenv = fw_setenv,
                         .attempts = attempts};
    ota_boot_ops ops = {.size = sizeof ops};
    char err[OTA_BOOT_ERRLEN];
    assert_int_equal(ota_boot_new(&c, &ops, err), OTA_OK);
    return ops;
}

/* One variable as fw_printenv itself prints it ("" when missing). */
static void
printenv(fx *f, const char *var, char *out, size_t cap)
{
    sh_out(out, cap, "fw_printenv -c '%s/fw_env.config' -n %s 2>/dev/null", f->dir, var);
}

#define RAUC_DEFAULTS "BOOT_ORDER=A B\nBOOT_A_LEFT=3\nBOOT_B_LEFT=3\nbootdelay=2\n"

static void
test_uboot_initial(void **state)
{
    fx *f = *state;
    uboot_env(f, RAUC_DEFAULTS);
    ota_boot_ops ops = uboot_ops(f, 0, NULL);
    char name[OTA_BOOT_NAME_MAX], err[OTA_BOOT_ERRLEN];
    ota_slot_state st = OTA_SLOT_BAD;
    assert_int_equal(ops.get_primary(ops.user, name, err), OTA_OK);
    assert_string_equal(name, "A");
    assert_int_equal(ops.get_state(ops.user, "A", &st, err), OTA_OK);
    assert_int_equal(st, OTA_SLOT_GOOD);
    assert_int_equal(ops.get_state(ops.user, "B", &st, err), OTA_OK);
    assert_int_equal(st, OTA_SLOT_GOOD);
    ota_boot_free(&ops);

    /* B first in BOOT_ORDER but without attempts: A is what U-Boot boots */
    uboot_env(f, "BOOT_ORDER=B A\nBOOT_A_LEFT=3\nBOOT_B_LEFT=0\n");
    ops = uboot_ops(f, 0, NULL);
    assert_int_equal(ops.get_primary(ops.user, name, err), OTA_OK);
    assert_string_equal(name, "A");
    assert_int_equal(ops.get_state(ops.user, "B", &st, err), OTA_OK);
    assert_int_equal(st, OTA_SLOT_BAD);
    ota_boot_free(&ops);

    /* an empty environment reads as the boot script treats it: the
     * configured order, `attempts` left each; so do empty values (`test -n`) */
    uboot_env(f, "bootdelay=2\n");
    ops = uboot_ops(f, 0, NULL);
    assert_int_equal(ops.get_primary(ops.user, name, err), OTA_OK);
    assert_string_equal(name, "A");
    ota_boot_free(&ops);
    uboot_env(f, "BOOT_ORDER=\nBOOT_A_LEFT=\nBOOT_B_LEFT=0\n");
    ops = uboot_ops(f, 0, NULL);
    assert_int_equal(ops.get_primary(ops.user, name, err), OTA_OK);
    assert_string_equal(name, "A");
    assert_int_equal(ops.set_primary(ops.user, "B", err), OTA_OK);
    char v[64];
    printenv(f, "BOOT_ORDER", v, sizeof v);
    assert_string_equal(v, "B A");
    ota_boot_free(&ops);
}

static void
test_uboot_set_primary(void **state)
{
    fx *f = *state;
    char v[256], name[OTA_BOOT_NAME_MAX], err[OTA_BOOT_ERRLEN];
    uboot_env(f, "BOOT_ORDER=A B\nBOOT_A_LEFT=3\nBOOT_B_LEFT=0\nbootdelay=2\n");
    ota_boot_ops ops = uboot_ops(f, 5, NULL);
    assert_int_equal(ops.set_primary(ops.user, "B", err), OTA_OK);
    assert_int_equal(ops.get_primary(ops.user, name, err), OTA_OK);
    assert_string_equal(name, "B");
    /* read with the tool itself, not through the library */
    printenv(f, "BOOT_ORDER", v, sizeof v);
    assert_string_equal(v, "B A");
    printenv(f, "BOOT_B_LEFT", v, sizeof v);
    assert_string_equal(v, "5");
    printenv(f, "BOOT_A_LEFT", v, sizeof v);
    assert_string_equal(v, "3");
    printenv(f, "bootdelay", v, sizeof v);
    assert_string_equal(v, "2"); /* other variables untouched */
    /* and back */
    assert_int_equal(ops.set_primary(ops.user, "A", err), OTA_OK);
    printenv(f, "BOOT_ORDER", v, sizeof v);
    assert_string_equal(v, "A B");
    printenv(f, "BOOT_A_LEFT", v, sizeof v);
    assert_string_equal(v, "5");
    ota_boot_free(&ops);

    /* names we do not manage (a rescue slot) stay in BOOT_ORDER, behind */
    uboot_env(f, "BOOT_ORDER=A R B\nBOOT_A_LEFT=3\nBOOT_B_LEFT=3\n");
    ops = uboot_ops(f, 0, NULL);
    assert_int_equal(ops.set_primary(ops.user, "B", err), OTA_OK);
    printenv(f, "BOOT_ORDER", v, sizeof v);
    assert_string_equal(v, "B A R");
    ota_boot_free(&ops);
}

static void
test_uboot_set_state(void **state)
{
    fx *f = *state;
    char v[256], name[OTA_BOOT_NAME_MAX], err[OTA_BOOT_ERRLEN];
    ota_slot_state st = OTA_SLOT_GOOD;
    uboot_env(f, RAUC_DEFAULTS);
    ota_boot_ops ops = uboot_ops(f, 0, NULL);
    assert_int_equal(ops.set_state(ops.user, "B", OTA_SLOT_BAD, err), OTA_OK);
    printenv(f, "BOOT_B_LEFT", v, sizeof v);
    assert_string_equal(v, "0");
    assert_int_equal(ops.get_state(ops.user, "B", &st, err), OTA_OK);
    assert_int_equal(st, OTA_SLOT_BAD);
    assert_int_equal(ops.set_state(ops.user, "A", OTA_SLOT_BAD, err), OTA_OK);
    /* nothing bootable: get_primary says so instead of guessing */
    assert_int_equal(ops.get_primary(ops.user, name, err), OTA_E_BOOT);
    assert_non_null(strstr(err, "attempts"));
    assert_int_equal(ops.set_state(ops.user, "B", OTA_SLOT_GOOD, err), OTA_OK);
    printenv(f, "BOOT_B_LEFT", v, sizeof v);
    assert_string_equal(v, "3");
    assert_int_equal(ops.get_state(ops.user, "B", &st, err), OTA_OK);
    assert_int_equal(st, OTA_SLOT_GOOD);
    assert_int_equal(ops.get_primary(ops.user, name, err), OTA_OK);
    assert_string_equal(name, "B");
    assert_int_equal(ops.set_state(ops.user, "A", 7, err), OTA_E_ARG);
    ota_boot_free(&ops);

    /* good puts a slot missing from BOOT_ORDER back at its end */
    uboot_env(f, "BOOT_ORDER=B\nBOOT_A_LEFT=3\nBOOT_B_LEFT=3\n");
    ops = uboot_ops(f, 0, NULL);
    assert_int_equal(ops.get_state(ops.user, "A", &st, err), OTA_OK);
    assert_int_equal(st, OTA_SLOT_BAD); /* U-Boot never tries it */
    assert_int_equal(ops.set_state(ops.user, "A", OTA_SLOT_GOOD, err), OTA_OK);
    printenv(f, "BOOT_ORDER", v, sizeof v);
    assert_string_equal(v, "B A");
    ota_boot_free(&ops);
}

static void
test_uboot_unknown_name(void **state)
{
    fx *f = *state;
    char err[OTA_BOOT_ERRLEN];
    ota_slot_state st;
    uboot_env(f, RAUC_DEFAULTS);
    char *before = read_text(fx_path(f, "env.bin"));
    ota_boot_ops ops = uboot_ops(f, 0, NULL);
    const char *bad[] = {"C", "-c", "A B", "A\nBOOT_A_LEFT=9", "", "A=1"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(ops.set_primary(ops.user, bad[i], err), OTA_E_ARG);
        assert_int_equal(ops.set_state(ops.user, bad[i], OTA_SLOT_GOOD, err), OTA_E_ARG);
        assert_int_equal(ops.get_state(ops.user, bad[i], &st, err), OTA_E_ARG);
    }
    assert_int_equal(ops.set_primary(ops.user, NULL, err), OTA_E_ARG);
    char *after = read_text(fx_path(f, "env.bin"));
    assert_memory_equal(before, after, 0x4000); /* not one byte written */
    free(before);
    free(after);
    ota_boot_free(&ops);
}

static void
test_uboot_broken_env(void **state)
{
    fx *f = *state;
    char name[OTA_BOOT_NAME_MAX], err[OTA_BOOT_ERRLEN];
    ota_slot_state st;

    /* CRC broken: the tool refuses to read it; so do we, without a crash */
    uboot_env(f, RAUC_DEFAULTS);
    assert_int_equal(sh("printf XXXX | dd of='%s/env.bin' bs=1 seek=100 conv=notrunc "
                        "2>/dev/null", f->dir), 0);
    ota_boot_ops ops = uboot_ops(f, 0, NULL);
    assert_int_equal(ops.get_primary(ops.user, name, err), OTA_E_BOOT);
    assert_non_null(strstr(err, "fw_printenv"));
    assert_int_equal(ops.set_primary(ops.user, "B", err), OTA_E_BOOT);
    assert_int_equal(ops.get_state(ops.user, "A", &st, err), OTA_E_BOOT);
    ota_boot_free(&ops);

    /* an all-zero image (never created): unreadable */
    assert_int_equal(sh("head -c 16384 /dev/zero > '%s/env.bin'", f->dir), 0);
    ops = uboot_ops(f, 0, NULL);
    assert_int_equal(ops.set_state(ops.user, "A", OTA_SLOT_GOOD, err), OTA_E_BOOT);
    ota_boot_free(&ops);

    /* no image at all */
    assert_int_equal(unlink(fx_path(f, "env.bin")), 0);
    ops = uboot_ops(f, 0, NULL);
    assert_int_equal(ops.get_primary(ops.user, name, err), OTA_E_BOOT);
    ota_boot_free(&ops);

    /* readable, but values we cannot trust: never guessed */
    const char *garbage[] = {"BOOT_ORDER=A B\nBOOT_A_LEFT=three\n",
                             "BOOT_ORDER=A B\nBOOT_A_LEFT=-1\n",
                             "BOOT_ORDER=A ../B\n", "BOOT_ORDER=A -B\n"};
    for (size_t i = 0; i < sizeof garbage / sizeof garbage[0]; i++) {
        uboot_env(f, garbage[i]);
        ops = uboot_ops(f, 0, NULL);
        assert_int_equal(ops.get_primary(ops.user, name, err), OTA_E_BOOT);
        assert_int_equal(ops.set_primary(ops.user, "B", err), OTA_E_BOOT);
        ota_boot_free(&ops);
    }

    /* a fw_setenv that fails: its message reaches err */
    uboot_env(f, RAUC_DEFAULTS);
    write_file(fx_path(f, "fw_setenv_fail"),
               "#!/bin/sh\necho 'fw_setenv: cannot write /dev/mmcblk0: read-only' >&2\n"
               "exit 1\n",
               0755);
    ops = uboot_ops(f, 0, fx_path(f, "fw_setenv_fail"));
    assert_int_equal(ops.set_primary(ops.user, "B", err), OTA_E_BOOT);
    assert_non_null(strstr(err, "read-only"));
    ota_boot_free(&ops);

    /* a program that does not exist */
    ops = uboot_ops(f, 0, fx_path(f, "no-such-fw_setenv"));
    assert_int_equal(ops.set_primary(ops.user, "B", err), OTA_E_BOOT);
    assert_non_null(strstr(err, "cannot run"));
    ota_boot_free(&ops);
}

/* fw_setenv reporting success without writing: the read-back catches it. */
static void
test_uboot_readback(void **state)
{
    fx *f = *state;
    char v[256], err[OTA_BOOT_ERRLEN];
    uboot_env(f, RAUC_DEFAULTS);

    /* exits 0, writes nothing */
    write_file(fx_path(f, "fw_setenv_noop"), "#!/bin/sh\nexit 0\n", 0755);
    ota_boot_ops ops = uboot_ops(f, 0, fx_path(f, "fw_setenv_noop"));
    assert_int_equal(ops.set_primary(ops.user, "B", err), OTA_E_BOOT);
    assert_non_null(strstr(err, "reads back"));
    assert_int_equal(ops.set_state(ops.user, "A", OTA_SLOT_BAD, err), OTA_E_BOOT);
    ota_boot_free(&ops);

    /* Debian 12's trap for real: the same script file rewritten as
     * `name value` lines, handed to the real fw_setenv, which ignores every
     * line and exits 0 */
    write_file(fx_path(f, "fw_setenv_spaces"),
               "#!/bin/sh\n"
               "f=\"\"; prev=\"\"; for a in \"$@\"; do [ \"$prev\" = -s ] && f=$a; prev=$a; done\n"
               "sed -i 's/=/ /' \"$f\"\n"
               "exec fw_setenv \"$@\"\n",
               0755);
    ops = uboot_ops(f, 0, fx_path(f, "fw_setenv_spaces"));
    assert_int_equal(ops.set_primary(ops.user, "B", err), OTA_E_BOOT);
    assert_non_null(strstr(err, "reads back"));
    ota_boot_free(&ops);
    printenv(f, "BOOT_ORDER", v, sizeof v);
    assert_string_equal(v, "A B"); /* it really wrote nothing */
}

/* One fw_setenv call with every variable, a private 0600 script file that
 * is gone afterwards; no call when nothing changes. */
static void
test_uboot_one_call(void **state)
{
    fx *f = *state;
    char err[OTA_BOOT_ERRLEN], script[1024];
    uboot_env(f, "BOOT_ORDER=A B\nBOOT_A_LEFT=3\nBOOT_B_LEFT=0\n");
    snprintf(script, sizeof script,
             "#!/bin/sh\n"
             "f=\"\"; prev=\"\"; for a in \"$@\"; do [ \"$prev\" = -s ] && f=$a; prev=$a; done\n"
             "{ echo \"call $*\"; echo \"file $f\"; echo \"mode $(stat -c %%a \"$f\")\";\n"
             "  echo \"dirmode $(stat -c %%a \"$(dirname \"$f\")\")\"; cat \"$f\"; } >> '%s/log'\n"
             "exec fw_setenv \"$@\"\n",
             f->dir);
    write_file(fx_path(f, "fw_setenv_log"), script, 0755);
    ota_boot_ops ops = uboot_ops(f, 0, fx_path(f, "fw_setenv_log"));
    assert_int_equal(ops.set_primary(ops.user, "B", err), OTA_OK);
    char *log = read_text(fx_path(f, "log"));
    assert_non_null(log);
    /* exactly one call, with -c CONFIG -s FILE, both variables in FILE */
    assert_non_null(strstr(log, "call -c "));
    assert_null(strstr(strstr(log, "call ") + 1, "call "));
    assert_non_null(strstr(log, " -s "));
    assert_non_null(strstr(log, "\nBOOT_ORDER=B A\n"));
    assert_non_null(strstr(log, "\nBOOT_B_LEFT=3\n"));
    assert_non_null(strstr(log, "mode 600\n"));
    assert_non_null(strstr(log, "dirmode 700\n"));
    /* the script file and its directory were removed */
    char file[512];
    const char *fl = strstr(log, "file ");
    assert_non_null(fl);
    sscanf(fl + 5, "%511s", file);
    assert_int_equal(access(file, F_OK), -1);
    *strrchr(file, '/') = '\0';
    assert_int_equal(access(file, F_OK), -1);
    free(log);

    /* already so: no call at all */
    assert_int_equal(unlink(fx_path(f, "log")), 0);
    assert_int_equal(ops.set_primary(ops.user, "B", err), OTA_OK);
    assert_int_equal(ops.set_state(ops.user, "A", OTA_SLOT_GOOD, err), OTA_OK);
    assert_int_equal(access(fx_path(f, "log"), F_OK), -1);
    ota_boot_free(&ops);
}

/* ---- GRUB ------------------------------------------------------------------------ */

static ota_boot_ops
grub_ops(fx *f, const char *editenv)
{
    char env[512];
    snprintf(env, sizeof env, "%s/grubenv", f->dir);
    ota_boot_config c = {.size = sizeof c,
                         .backend = "grub",
                         .bootnames = AB,
                         .nbootnames = 2,
                         .grubenv = env,
                         .grub_editenv = editenv};
    ota_boot_ops ops = {.size = sizeof ops};
    char err[OTA_BOOT_ERRLEN];
    assert_int_equal(ota_boot_new(&c, &ops, err), OTA_OK);
    return ops;
}

static void
grub_list(fx *f, char *out, size_t cap)
{
    sh_out(out, cap, "grub-editenv '%s/grubenv' list | sort | tr '\\n' ' '", f->dir);
}

static void
test_grub(void **state)
{
    fx *f = *state;
    char v[512], name[OTA_BOOT_NAME_MAX], err[OTA_BOOT_ERRLEN];
    ota_slot_state st;
    assert_int_equal(sh("grub-editenv '%s/grubenv' create && grub-editenv '%s/grubenv' set "
                        "ORDER='A B' A_OK=1 A_TRY=0 B_OK=0 B_TRY=0",
                        f->dir, f->dir),
                     0);
    ota_boot_ops ops = grub_ops(f, NULL);
    assert_int_equal(ops.get_primary(ops.user, name, err), OTA_OK);
    assert_string_equal(name, "A");
    assert_int_equal(ops.get_state(ops.user, "B", &st, err), OTA_OK);
    assert_int_equal(st, OTA_SLOT_BAD);

    assert_int_equal(ops.set_primary(ops.user, "B", err), OTA_OK);
    grub_list(f, v, sizeof v);
    assert_string_equal(v, "A_OK=1 A_TRY=0 B_OK=1 B_TRY=0 ORDER=B A ");
    assert_int_equal(ops.get_primary(ops.user, name, err), OTA_OK);
    assert_string_equal(name, "B");

    /* grub.cfg starts B: B_TRY=1.  B's one attempt is spent: not primary,
     * not good, until marked good */
    assert_int_equal(sh("grub-editenv '%s/grubenv' set B_TRY=1", f->dir), 0);
    assert_int_equal(ops.get_primary(ops.user, name, err), OTA_OK);
    assert_string_equal(name, "A");
    assert_int_equal(ops.get_state(ops.user, "B", &st, err), OTA_OK);
    assert_int_equal(st, OTA_SLOT_BAD);
    assert_int_equal(ops.set_state(ops.user, "B", OTA_SLOT_GOOD, err), OTA_OK);
    grub_list(f, v, sizeof v);
    assert_string_equal(v, "A_OK=1 A_TRY=0 B_OK=1 B_TRY=0 ORDER=B A ");
    assert_int_equal(ops.get_primary(ops.user, name, err), OTA_OK);
    assert_string_equal(name, "B");

    assert_int_equal(ops.set_state(ops.user, "A", OTA_SLOT_BAD, err), OTA_OK);
    grub_list(f, v, sizeof v);
    assert_string_equal(v, "A_OK=0 A_TRY=0 B_OK=1 B_TRY=0 ORDER=B A ");
    assert_int_equal(ops.set_primary(ops.user, "C", err), OTA_E_ARG);
    assert_int_equal(ops.set_primary(ops.user, "-A", err), OTA_E_ARG);
    ota_boot_free(&ops);

    /* an empty ORDER starts nothing; set_primary writes every slot again */
    ops = grub_ops(f, NULL);
    assert_int_equal(sh("grub-editenv '%s/grubenv' set ORDER=", f->dir), 0);
    assert_int_equal(ops.get_primary(ops.user, name, err), OTA_E_BOOT);
    assert_int_equal(ops.set_primary(ops.user, "A", err), OTA_OK);
    grub_list(f, v, sizeof v);
    assert_string_equal(v, "A_OK=1 A_TRY=0 B_OK=1 B_TRY=0 ORDER=A B ");
    ota_boot_free(&ops);

    /* garbage flag values are refused */
    assert_int_equal(sh("grub-editenv '%s/grubenv' set A_OK=yes", f->dir), 0);
    ops = grub_ops(f, NULL);
    assert_int_equal(ops.get_state(ops.user, "A", &st, err), OTA_E_BOOT);
    ota_boot_free(&ops);
}

static void
test_grub_broken(void **state)
{
    fx *f = *state;
    char name[OTA_BOOT_NAME_MAX], err[OTA_BOOT_ERRLEN], v[512];

    /* no grubenv: refused, and not created by the listing */
    ota_boot_ops ops = grub_ops(f, NULL);
    assert_int_equal(ops.get_primary(ops.user, name, err), OTA_E_BOOT);
    assert_non_null(strstr(err, "create"));
    assert_int_equal(access(fx_path(f, "grubenv"), F_OK), -1);
    ota_boot_free(&ops);

    /* a block that is not a GRUB environment */
    assert_int_equal(sh("head -c 1024 /dev/zero > '%s/grubenv'", f->dir), 0);
    ops = grub_ops(f, NULL);
    assert_int_equal(ops.get_primary(ops.user, name, err), OTA_E_BOOT);
    assert_non_null(strstr(err, "grub-editenv"));
    ota_boot_free(&ops);

    /* a grub-editenv whose `set` does nothing but exits 0 */
    assert_int_equal(sh("rm -f '%s/grubenv' && grub-editenv '%s/grubenv' create", f->dir,
                        f->dir),
                     0);
    write_file(fx_path(f, "editenv_noop"),
               "#!/bin/sh\n[ \"$2\" = set ] && exit 0\nexec grub-editenv \"$@\"\n", 0755);
    ops = grub_ops(f, fx_path(f, "editenv_noop"));
    assert_int_equal(ops.set_primary(ops.user, "B", err), OTA_E_BOOT);
    assert_non_null(strstr(err, "reads back"));
    ota_boot_free(&ops);
    grub_list(f, v, sizeof v);
    assert_string_equal(v, "");
}

/* ---- custom ------------------------------------------------------------------------ */

/* A custom backend keeping its state in files under the test directory. */
static void
custom_program(fx *f)
{
    char s[2048];
    snprintf(s, sizeof s,
             "#!/bin/sh\n"
             "d='%s'\n"
             "case \"$1\" in\n"
             "get-primary) cat \"$d/primary\" ;;\n"
             "set-primary) echo \"$2\" > \"$d/primary\" ;;\n"
             "get-state) if [ -e \"$d/state.$2\" ]; then cat \"$d/state.$2\"; "
             "else echo good; fi ;;\n"
             "set-state) echo \"$3\" > \"$d/state.$2\" ;;\n"
             "*) echo \"bad verb $1\" >&2; exit 2 ;;\n"
             "esac\n",
             f->dir);
    write_file(fx_path(f, "backend"), s, 0755);
    write_file(fx_path(f, "primary"), "A\n", 0644);
}

static ota_boot_ops
custom_ops(fx *f, const char *prog, unsigned timeout_ms)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", f->dir, prog);
    ota_boot_config c = {.size = sizeof c,
                         .backend = "custom",
                         .bootnames = AB,
                         .nbootnames = 2,
                         .program = path,
                         .timeout_ms = timeout_ms};
    ota_boot_ops ops = {.size = sizeof ops};
    char err[OTA_BOOT_ERRLEN];
    assert_int_equal(ota_boot_new(&c, &ops, err), OTA_OK);
    return ops;
}

static void
test_custom(void **state)
{
    fx *f = *state;
    char name[OTA_BOOT_NAME_MAX], err[OTA_BOOT_ERRLEN];
    ota_slot_state st = OTA_SLOT_BAD;
    custom_program(f);
    ota_boot_ops ops = custom_ops(f, "backend", 0);
    assert_int_equal(ops.get_primary(ops.user, name, err), OTA_OK);
    assert_string_equal(name, "A");
    assert_int_equal(ops.set_primary(ops.user, "B", err), OTA_OK);
    assert_int_equal(ops.get_primary(ops.user, name, err), OTA_OK);
    assert_string_equal(name, "B");
    assert_int_equal(ops.get_state(ops.user, "A", &st, err), OTA_OK);
    assert_int_equal(st, OTA_SLOT_GOOD);
    assert_int_equal(ops.set_state(ops.user, "A", OTA_SLOT_BAD, err), OTA_OK);
    char *s = read_text(fx_path(f, "state.A"));
    assert_string_equal(s, "bad\n");
    free(s);
    assert_int_equal(ops.get_state(ops.user, "A", &st, err), OTA_OK);
    assert_int_equal(st, OTA_SLOT_BAD);
    /* refused before the program ever sees them */
    assert_int_equal(ops.set_primary(ops.user, "--help", err), OTA_E_ARG);
    assert_int_equal(ops.set_state(ops.user, "C", OTA_SLOT_GOOD, err), OTA_E_ARG);

    /* output we cannot trust */
    write_file(fx_path(f, "primary"), "C\n", 0644);
    assert_int_equal(ops.get_primary(ops.user, name, err), OTA_E_BOOT);
    write_file(fx_path(f, "primary"), "A\nB\n", 0644);
    assert_int_equal(ops.get_primary(ops.user, name, err), OTA_E_BOOT);
    write_file(fx_path(f, "primary"), "", 0644);
    assert_int_equal(ops.get_primary(ops.user, name, err), OTA_E_BOOT);
    write_file(fx_path(f, "state.A"), "maybe\n", 0644);
    assert_int_equal(ops.get_state(ops.user, "A", &st, err), OTA_E_BOOT);
    ota_boot_free(&ops);

    /* a failing program: OTA_E_BOOT with its stderr's first line */
    write_file(fx_path(f, "failing"),
               "#!/bin/sh\necho 'boom: env partition missing' >&2\necho second >&2\nexit 3\n",
               0755);
    ops = custom_ops(f, "failing", 0);
    assert_int_equal(ops.set_primary(ops.user, "B", err), OTA_E_BOOT);
    assert_non_null(strstr(err, "boom: env partition missing"));
    assert_null(strstr(err, "second"));
    assert_non_null(strstr(err, "exit 3"));
    ota_boot_free(&ops);

    /* killed by a signal */
    write_file(fx_path(f, "killed"), "#!/bin/sh\nkill -9 $$\n", 0755);
    ops = custom_ops(f, "killed", 0);
    assert_int_equal(ops.get_primary(ops.user, name, err), OTA_E_BOOT);
    ota_boot_free(&ops);

    /* endless output: cut off at the cap, refused */
    write_file(fx_path(f, "chatty"), "#!/bin/sh\nexec yes A\n", 0755);
    ops = custom_ops(f, "chatty", 0);
    assert_int_equal(ops.get_primary(ops.user, name, err), OTA_E_BOOT);
    assert_non_null(strstr(err, "more than"));
    ota_boot_free(&ops);
    /* 100 KiB: past the 64 KiB cap, refused although it would trim to "good" */
    write_file(fx_path(f, "long"),
               "#!/bin/sh\nprintf good; head -c 100000 /dev/zero | tr '\\0' ' '\n", 0755);
    ops = custom_ops(f, "long", 0);
    assert_int_equal(ops.get_state(ops.user, "A", &st, err), OTA_E_BOOT);
    assert_non_null(strstr(err, "more than"));
    ota_boot_free(&ops);
}

/* The process in pidfile still runs (a zombie waiting for a reaper that is
 * not ours does not count). */
static bool
pid_alive(const char *pidfile)
{
    char *s = read_text(pidfile), stat_path[64];
    if (s == NULL)
        return false;
    int pid = atoi(s);
    free(s);
    if (pid <= 0)
        return false;
    snprintf(stat_path, sizeof stat_path, "/proc/%d/stat", pid);
    char *st = read_text(stat_path);
    if (st == NULL)
        return false;
    const char *paren = strrchr(st, ')');
    bool alive = paren != NULL && paren[1] == ' ' && paren[2] != 'Z' && paren[2] != 'X';
    free(st);
    return alive;
}

static void
test_custom_timeout(void **state)
{
    fx *f = *state;
    char name[OTA_BOOT_NAME_MAX], err[OTA_BOOT_ERRLEN], s[1024];

    /* a program that hangs (in a grandchild, as shell scripts do) */
    snprintf(s, sizeof s, "#!/bin/sh\nsleep 30 &\necho $! > '%s/sleeper'\nwait\n", f->dir);
    write_file(fx_path(f, "hang"), s, 0755);
    ota_boot_ops ops = custom_ops(f, "hang", 300);
    double t0 = now_s();
    assert_int_equal(ops.get_primary(ops.user, name, err), OTA_E_TIMEOUT);
    double dt = now_s() - t0;
    assert_true(dt >= 0.25 && dt < 5.0);
    assert_non_null(strstr(err, "300 ms"));
    /* the whole process group was killed: no sleeper left behind */
    for (int i = 0; i < 100 && pid_alive(fx_path(f, "sleeper")); i++)
        usleep(10000);
    assert_false(pid_alive(fx_path(f, "sleeper")));
    ota_boot_free(&ops);

    /* a program that closes its output and then hangs: still bounded */
    write_file(fx_path(f, "quiet"), "#!/bin/sh\nexec >&- 2>&-\nexec sleep 30\n", 0755);
    ops = custom_ops(f, "quiet", 300);
    t0 = now_s();
    assert_int_equal(ops.set_primary(ops.user, "B", err), OTA_E_TIMEOUT);
    assert_true(now_s() - t0 < 5.0);
    ota_boot_free(&ops);
}

/* ---- symlink ---------------------------------------------------------------------- */

static ota_boot_ops
symlink_ops(fx *f)
{
    char link[512], ta[512], tb[512];
    snprintf(link, sizeof link, "%s/current", f->dir);
    snprintf(ta, sizeof ta, "%s/slot-a", f->dir);
    snprintf(tb, sizeof tb, "slot-b"); /* relative targets work too */
    const char *targets[] = {ta, tb};
    ota_boot_config c = {.size = sizeof c,
                         .backend = "symlink",
                         .bootnames = AB,
                         .nbootnames = 2,
                         .link = link,
                         .link_targets = targets};
    ota_boot_ops ops = {.size = sizeof ops};
    char err[OTA_BOOT_ERRLEN];
    assert_int_equal(ota_boot_new(&c, &ops, err), OTA_OK);
    return ops;
}

static void
test_symlink(void **state)
{
    fx *f = *state;
    char name[OTA_BOOT_NAME_MAX], err[OTA_BOOT_ERRLEN], t[512], v[512];
    ota_slot_state st = OTA_SLOT_BAD;
    assert_int_equal(sh("cd '%s' && mkdir slot-a slot-b && ln -s \"$PWD/slot-a\" current",
                        f->dir),
                     0);
    ota_boot_ops ops = symlink_ops(f);
    assert_int_equal(ops.get_primary(ops.user, name, err), OTA_OK);
    assert_string_equal(name, "A");
    /* no state file: every slot good */
    assert_int_equal(ops.get_state(ops.user, "B", &st, err), OTA_OK);
    assert_int_equal(st, OTA_SLOT_GOOD);

    assert_int_equal(ops.set_primary(ops.user, "B", err), OTA_OK);
    ssize_t n = readlink(fx_path(f, "current"), t, sizeof t - 1);
    assert_true(n > 0);
    t[n] = '\0';
    assert_string_equal(t, "slot-b");
    assert_int_equal(ops.get_primary(ops.user, name, err), OTA_OK);
    assert_string_equal(name, "B");
    /* nothing left behind: only current, slot-a, slot-b (+ the fixture) */
    sh_out(v, sizeof v, "ls -A '%s' | tr '\\n' ' '", f->dir);
    assert_string_equal(v, "current slot-a slot-b ");

    /* marks: an atomic state file; get_primary ignores them */
    assert_int_equal(ops.set_state(ops.user, "B", OTA_SLOT_BAD, err), OTA_OK);
    char *s = read_text(fx_path(f, "current.state"));
    assert_string_equal(s, "A good\nB bad\n");
    free(s);
    assert_int_equal(ops.get_state(ops.user, "B", &st, err), OTA_OK);
    assert_int_equal(st, OTA_SLOT_BAD);
    assert_int_equal(ops.get_primary(ops.user, name, err), OTA_OK);
    assert_string_equal(name, "B");
    /* set_primary gives a fresh start: the bad mark goes */
    assert_int_equal(ops.set_primary(ops.user, "B", err), OTA_OK);
    assert_int_equal(ops.get_state(ops.user, "B", &st, err), OTA_OK);
    assert_int_equal(st, OTA_SLOT_GOOD);
    sh_out(v, sizeof v, "ls -A '%s' | tr '\\n' ' '", f->dir);
    assert_string_equal(v, "current current.state slot-a slot-b ");

    /* a link to somewhere else: refused, not guessed */
    assert_int_equal(sh("cd '%s' && ln -sfn /etc current", f->dir), 0);
    assert_int_equal(ops.get_primary(ops.user, name, err), OTA_E_BOOT);
    assert_non_null(strstr(err, "/etc"));
    /* no link */
    assert_int_equal(unlink(fx_path(f, "current")), 0);
    assert_int_equal(ops.get_primary(ops.user, name, err), OTA_E_BOOT);
    /* the first switch creates it */
    assert_int_equal(ops.set_primary(ops.user, "A", err), OTA_OK);
    assert_int_equal(ops.get_primary(ops.user, name, err), OTA_OK);
    assert_string_equal(name, "A");
    /* a malformed state file */
    write_file(fx_path(f, "current.state"), "A fine\n", 0644);
    assert_int_equal(ops.get_state(ops.user, "A", &st, err), OTA_E_BOOT);
    assert_int_equal(ops.set_state(ops.user, "A", OTA_SLOT_BAD, err), OTA_E_BOOT);
    assert_int_equal(ops.set_primary(ops.user, "Z", err), OTA_E_ARG);
    ota_boot_free(&ops);

    /* a real directory where the link should be: not replaced */
    assert_int_equal(sh("cd '%s' && rm -f current current.state && mkdir current", f->dir), 0);
    ops = symlink_ops(f);
    assert_int_equal(ops.set_primary(ops.user, "B", err), OTA_E_BOOT);
    struct stat sb;
    assert_int_equal(lstat(fx_path(f, "current"), &sb), 0);
    assert_true(S_ISDIR(sb.st_mode));
    ota_boot_free(&ops);
}

/* ---- the booted slot ----------------------------------------------------------------- */

static ota_err
booted(fx *f, const char *cmdline, char *name)
{
    write_file(fx_path(f, "cmdline"), cmdline, 0644);
    return ota_boot_booted(fx_path(f, "cmdline"), name);
}

static void
test_booted(void **state)
{
    fx *f = *state;
    char name[OTA_BOOT_NAME_MAX];
    assert_int_equal(booted(f, "console=ttyS0 rauc.slot=A ota.slot=B quiet\n", name), OTA_OK);
    assert_string_equal(name, "B");
    assert_int_equal(booted(f, "ota.slot=B rauc.slot=A\n", name), OTA_OK);
    assert_string_equal(name, "B");
    assert_int_equal(booted(f, "root=/dev/mmcblk0p2 rauc.slot=A\n", name), OTA_OK);
    assert_string_equal(name, "A");
    assert_int_equal(booted(f, "ota.slot=system_1\tquiet", name), OTA_OK);
    assert_string_equal(name, "system_1");
    /* of repeated words the last counts, as for kernel parameters */
    assert_int_equal(booted(f, "ota.slot=A ota.slot=B", name), OTA_OK);
    assert_string_equal(name, "B");
    assert_int_equal(booted(f, "root=/dev/sda2 quiet\n", name), OTA_E_NOT_FOUND);
    assert_string_equal(name, "");
    assert_int_equal(booted(f, "xota.slot=A myrauc.slot=B ota.slotB\n", name), OTA_E_NOT_FOUND);
    assert_int_equal(booted(f, "", name), OTA_E_NOT_FOUND);
    /* garbage: refused, and ota.slot decides even when rauc.slot is fine */
    const char *bad[] = {"ota.slot=../B\n", "ota.slot=\n", "ota.slot=-B\n",
                         "ota.slot=\"A\"\n", "ota.slot=A;reboot\n", "rauc.slot=A ota.slot=$x\n",
                         "ota.slot=ABCDEFGHIJKLMNOPQRSTUVWXYZ012345\n"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(booted(f, bad[i], name), OTA_E_FORMAT);
        assert_string_equal(name, "");
    }
    /* 31 bytes is the longest name */
    assert_int_equal(booted(f, "ota.slot=ABCDEFGHIJKLMNOPQRSTUVWXYZ01234\n", name), OTA_OK);
    assert_int_equal(strlen(name), 31);
    /* bounded read: a huge file is refused, not read without end */
    assert_int_equal(sh("head -c 70000 /dev/zero | tr '\\0' x > '%s/cmdline'", f->dir), 0);
    assert_int_equal(ota_boot_booted(fx_path(f, "cmdline"), name), OTA_E_FORMAT);
    assert_int_equal(ota_boot_booted(fx_path(f, "missing"), name), OTA_E_IO);
    assert_int_equal(ota_boot_booted(NULL, NULL), OTA_E_ARG);
    /* the default is /proc/cmdline: readable here, with or without a slot */
    ota_err rc = ota_boot_booted(NULL, name);
    assert_true(rc == OTA_OK || rc == OTA_E_NOT_FOUND);
}

/* ---- names and settings ---------------------------------------------------------------- */

static void
test_name_ok(void **state)
{
    (void) state;
    assert_true(ota_boot_name_ok("A"));
    assert_true(ota_boot_name_ok("system0"));
    assert_true(ota_boot_name_ok("rootfs_1-b"));
    assert_true(ota_boot_name_ok("ABCDEFGHIJKLMNOPQRSTUVWXYZ01234")); /* 31 */
    assert_false(ota_boot_name_ok("ABCDEFGHIJKLMNOPQRSTUVWXYZ012345")); /* 32 */
    assert_false(ota_boot_name_ok(NULL));
    assert_false(ota_boot_name_ok(""));
    assert_false(ota_boot_name_ok("-A"));
    const char *bad[] = {"A B", "A=1", "A/B", "..", "A\n", "A\t", "$A", "A;", "A'", "\xc3\xa9"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_false(ota_boot_name_ok(bad[i]));
}

static void
test_new_args(void **state)
{
    (void) state;
    char err[OTA_BOOT_ERRLEN];
    const char *dup[] = {"A", "A"}, *badname[] = {"A", "B C"}, *many[17];
    for (size_t i = 0; i < 17; i++)
        many[i] = "A";
    ota_boot_config c = {.size = sizeof c, .backend = "uboot", .bootnames = AB, .nbootnames = 2};
    ota_boot_ops ops = {.size = sizeof ops};
    assert_int_equal(ota_boot_new(&c, &ops, err), OTA_OK);
    assert_non_null(ops.get_primary);
    assert_non_null(ops.release);
    ota_boot_free(&ops);
    assert_null(ops.user);
    ota_boot_free(&ops); /* twice: a no-op */
    ota_boot_free(NULL);

    assert_int_equal(ota_boot_new(NULL, &ops, err), OTA_E_ARG);
    assert_int_equal(ota_boot_new(&c, NULL, err), OTA_E_ARG);
    c.backend = "barebox";
    assert_int_equal(ota_boot_new(&c, &ops, err), OTA_E_ARG);
    assert_non_null(strstr(err, "barebox"));
    c.backend = NULL;
    assert_int_equal(ota_boot_new(&c, &ops, err), OTA_E_ARG);
    c.backend = "grub";
    c.bootnames = dup;
    assert_int_equal(ota_boot_new(&c, &ops, err), OTA_E_ARG);
    c.bootnames = badname;
    assert_int_equal(ota_boot_new(&c, &ops, err), OTA_E_ARG);
    c.bootnames = many;
    c.nbootnames = 17;
    assert_int_equal(ota_boot_new(&c, &ops, err), OTA_E_ARG);
    c.bootnames = AB;
    c.nbootnames = 0;
    assert_int_equal(ota_boot_new(&c, &ops, err), OTA_E_ARG);
    c.nbootnames = 2;
    c.grubenv = "-f";
    assert_int_equal(ota_boot_new(&c, &ops, err), OTA_E_ARG);
    c.grubenv = "";
    assert_int_equal(ota_boot_new(&c, &ops, err), OTA_E_ARG);
    c.grubenv = NULL;
    c.attempts = 10000;
    assert_int_equal(ota_boot_new(&c, &ops, err), OTA_E_ARG);
    c.attempts = 0;
    c.backend = "custom"; /* needs a program */
    assert_int_equal(ota_boot_new(&c, &ops, err), OTA_E_ARG);
    c.backend = "symlink"; /* needs a link and targets */
    assert_int_equal(ota_boot_new(&c, &ops, err), OTA_E_ARG);
    const char *one[] = {"/a", NULL}, *same[] = {"/a", "/a"};
    c.link = "/data/current";
    c.link_targets = one;
    assert_int_equal(ota_boot_new(&c, &ops, err), OTA_E_ARG);
    c.link_targets = same;
    assert_int_equal(ota_boot_new(&c, &ops, err), OTA_E_ARG);
    c.link = "/data/current/";
    assert_int_equal(ota_boot_new(&c, &ops, err), OTA_E_ARG);
    assert_null(ops.user);
}

/* The size rule (docs/libotaclient.md "Growing the API"): a smaller config
 * reads its missing fields as zero; a larger one is fine only with an
 * all-zero tail.  The table is filled only as far as its size goes. */
static void
test_size_rule(void **state)
{
    (void) state;
    char err[OTA_BOOT_ERRLEN];
    struct {
        ota_boot_config c;
        unsigned char future[16];
    } big;
    memset(&big, 0, sizeof big);
    big.c = (ota_boot_config){.size = sizeof big, .backend = "custom", .bootnames = AB,
                              .nbootnames = 2, .program = "/bin/true"};
    ota_boot_ops ops = {.size = sizeof ops};
    assert_int_equal(ota_boot_new(&big.c, &ops, err), OTA_OK);
    ota_boot_free(&ops);
    big.future[3] = 1;
    assert_int_equal(ota_boot_new(&big.c, &ops, err), OTA_E_ARG);
    assert_non_null(strstr(err, "ota_boot_config.size"));

    /* a caller compiled before `program` existed: program reads as NULL */
    ota_boot_config c = big.c;
    c.size = offsetof(ota_boot_config, program);
    assert_int_equal(ota_boot_new(&c, &ops, err), OTA_E_ARG);
    assert_non_null(strstr(err, "program"));
    /* ... and before attempts and timeout_ms: a uboot config still works on
     * defaults (the values past its size are never read) */
    c = (ota_boot_config){.size = offsetof(ota_boot_config, attempts), .backend = "uboot",
                          .bootnames = AB, .nbootnames = 2, .attempts = 99999, .timeout_ms = 1};
    assert_int_equal(ota_boot_new(&c, &ops, err), OTA_OK);
    ota_boot_free(&ops);
    c.size = 4;
    assert_int_equal(ota_boot_new(&c, &ops, err), OTA_E_ARG);
    c.size = offsetof(ota_boot_config, nbootnames); /* below the required fields */
    assert_int_equal(ota_boot_new(&c, &ops, err), OTA_E_ARG);
    assert_non_null(strstr(err, "smaller than any release's"));

    /* the table's size is the caller's: 0 is not taken as the library's */
    c.size = sizeof c;
    c.attempts = 0;
    ota_boot_ops zero;
    memset(&zero, 0, sizeof zero);
    assert_int_equal(ota_boot_new(&c, &zero, err), OTA_E_ARG);
    assert_non_null(strstr(err, "ota_boot_ops.size 0"));
    /* a newer caller's larger table: the library's part filled, its size
     * says how much, the rest untouched */
    struct {
        ota_boot_ops o;
        unsigned char future[16];
    } bigops;
    memset(&bigops, 0, sizeof bigops);
    bigops.o.size = sizeof bigops;
    bigops.future[0] = 7;
    assert_int_equal(ota_boot_new(&c, &bigops.o, err), OTA_OK);
    assert_int_equal(bigops.o.size, sizeof(ota_boot_ops));
    assert_non_null(bigops.o.release);
    assert_int_equal(bigops.future[0], 7);
    ota_boot_free(&bigops.o);
    assert_null(bigops.o.user);
    assert_int_equal(bigops.future[0], 7);
    ota_boot_ops small = {.size = offsetof(ota_boot_ops, release)};
    assert_int_equal(ota_boot_new(&c, &small, err), OTA_E_ARG);
}

int
main(void)
{
    /* the real tools are part of the test: refuse to pass without them */
    const char *tools[] = {"fw_printenv", "fw_setenv", "mkenvimage", "grub-editenv"};
    for (size_t i = 0; i < sizeof tools / sizeof tools[0]; i++) {
        if (sh("command -v %s >/dev/null", tools[i]) != 0) {
            fprintf(stderr, "test_boot: %s is missing (run make deps)\n", tools[i]);
            return 1;
        }
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_name_ok),
        cmocka_unit_test(test_new_args),
        cmocka_unit_test(test_size_rule),
        cmocka_unit_test_setup_teardown(test_booted, setup, teardown),
        cmocka_unit_test_setup_teardown(test_uboot_initial, setup, teardown),
        cmocka_unit_test_setup_teardown(test_uboot_set_primary, setup, teardown),
        cmocka_unit_test_setup_teardown(test_uboot_set_state, setup, teardown),
        cmocka_unit_test_setup_teardown(test_uboot_unknown_name, setup, teardown),
        cmocka_unit_test_setup_teardown(test_uboot_broken_env, setup, teardown),
        cmocka_unit_test_setup_teardown(test_uboot_readback, setup, teardown),
        cmocka_unit_test_setup_teardown(test_uboot_one_call, setup, teardown),
        cmocka_unit_test_setup_teardown(test_grub, setup, teardown),
        cmocka_unit_test_setup_teardown(test_grub_broken, setup, teardown),
        cmocka_unit_test_setup_teardown(test_custom, setup, teardown),
        cmocka_unit_test_setup_teardown(test_custom_timeout, setup, teardown),
        cmocka_unit_test_setup_teardown(test_symlink, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
