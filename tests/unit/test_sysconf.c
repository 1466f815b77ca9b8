/* SPDX-License-Identifier: Apache-2.0 */
/*
 * system.conf (client/src/sysconf.c): RAUC-like slot configurations that
 * parse, with parents, several classes, comments and blank lines; every
 * rejection with its "FILE:LINE: reason" message pointing at the line to
 * fix; the size, NUL and missing-file cases; every truncated prefix of a
 * valid file either parses or is refused with OTA_E_FORMAT (run it under
 * `make SAN=address,undefined unit`).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "../../client/src/sysconf.h"

static char dir[64];
static char conf[128];

static void
write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

/* Write text[len] as the config and load it. */
static ota_err
load_n(const char *text, size_t len, otac_sysconf **out, char *err, size_t cap)
{
    write_file(conf, text, len);
    *out = NULL;
    err[0] = '\0';
    return otac_sysconf_load(conf, out, err, cap);
}

static ota_err
load(const char *text, otac_sysconf **out, char *err, size_t cap)
{
    return load_n(text, strlen(text), out, err, cap);
}

static int
setup(void **state)
{
    (void) state;
    snprintf(dir, sizeof dir, "/tmp/ota-test-sysconf.XXXXXX");
    assert_non_null(mkdtemp(dir));
    snprintf(conf, sizeof conf, "%s/system.conf", dir);
    return 0;
}

static int
teardown(void **state)
{
    (void) state;
    unlink(conf);
    rmdir(dir);
    return 0;
}

/* ---- valid files --------------------------------------------------------- */

/* docs/install.md's example, with a third class, CRLF endings, comments,
 * blank lines, tabs and a '#' inside a path. */
static const char k_docs[] =
    "# system.conf of a gateway\n"
    "\n"
    "[system]\r\n"
    "compatible = acme-gw-r1\n"
    "\tbootloader\t=\tuboot  \n"
    "; another comment\n"
    "cmdline = /proc/cmdline\n"
    "attempts = 5\n"
    "fw-env-config = /etc/fw_env.config\n"
    "bootloader-timeout = 7\n"
    "\n"
    "[slot.rootfs.0]\n"
    "type = dir\n"
    "path = /mnt/rootfs-a\n"
    "bootname = A\n"
    "\n"
    "[ slot.rootfs.1 ]\n"
    "type = dir\n"
    "path = /mnt/rootfs-b#1\n"
    "bootname = B\n"
    "allow-setuid = yes\n"
    "\n"
    "[slot.kernel.0]\n"
    "type = raw\n"
    "device = /dev/mmcblk0p1\n"
    "parent = rootfs.0\n"
    "\n"
    "[slot.kernel.1]\n"
    "type = raw\n"
    "path = /dev/mmcblk0p2\n"
    "parent = rootfs.1\n"
    "allow-setuid = false\n"
    "[slot.app-data.0]\n"
    "type = dir\n"
    "path = /data/a\n"
    "parent = rootfs.0\n"
    "[slot.app-data.1]\n"
    "type = dir\n"
    "path = /data/b\n"
    "parent = rootfs.1\n";

static void
test_valid_docs_example(void **state)
{
    (void) state;
    otac_sysconf *s;
    char err[512];
    assert_int_equal(load(k_docs, &s, err, sizeof err), OTA_OK);
    assert_string_equal(err, "");
    assert_string_equal(s->file, conf);
    assert_string_equal(s->compatible, "acme-gw-r1");
    assert_string_equal(s->bootloader, "uboot");
    assert_string_equal(s->cmdline, "/proc/cmdline");
    assert_string_equal(s->fw_env_config, "/etc/fw_env.config");
    assert_null(s->grubenv);
    assert_null(s->symlink);
    assert_int_equal(s->attempts, 5);
    assert_int_equal(s->timeout_ms, 7000);
    assert_int_equal(s->nslots, 6);
    assert_int_equal(s->nbootnames, 2);
    assert_string_equal(s->bootnames[0], "A");
    assert_string_equal(s->bootnames[1], "B");
    const otac_slot *r1 = otac_sysconf_slot(s, "rootfs", "B");
    assert_non_null(r1);
    assert_string_equal(r1->name, "rootfs.1");
    assert_string_equal(r1->cls, "rootfs");
    assert_int_equal(r1->type, OTAC_SLOT_DIR);
    assert_string_equal(r1->path, "/mnt/rootfs-b#1");
    assert_true(r1->own_bootname);
    assert_true(r1->allow_setuid);
    const otac_slot *k0 = otac_sysconf_slot(s, "kernel", "A");
    assert_non_null(k0);
    assert_string_equal(k0->name, "kernel.0");
    assert_int_equal(k0->type, OTAC_SLOT_RAW);
    assert_string_equal(k0->path, "/dev/mmcblk0p1");
    assert_string_equal(k0->bootname, "A"); /* the parent's */
    assert_false(k0->own_bootname);
    assert_false(k0->allow_setuid);
    const otac_slot *d1 = otac_sysconf_slot(s, "app-data", "B");
    assert_non_null(d1);
    assert_string_equal(d1->path, "/data/b");
    assert_null(otac_sysconf_slot(s, "kernel", "C"));
    assert_null(otac_sysconf_slot(s, "boot", "A"));
    otac_sysconf_free(s);
    otac_sysconf_free(NULL);
}

/* Three groups in file order, defaults, the symlink backend built from it. */
static void
test_valid_three_groups_symlink(void **state)
{
    (void) state;
    otac_sysconf *s;
    char err[512];
    static const char text[] = "[slot.root.1]\n"
                               "type=dir\n"
                               "path=/s/b\n"
                               "bootname=B\n"
                               "[system]\n"
                               "compatible=x\n"
                               "bootloader=symlink\n"
                               "symlink=/s/current\n"
                               "[slot.root.0]\n"
                               "type=dir\n"
                               "path=/s/a\n"
                               "bootname=A\n"
                               "[slot.root.2]\n"
                               "type=dir\n"
                               "path=/s/c\n"
                               "bootname=rescue_1\n";
    assert_int_equal(load(text, &s, err, sizeof err), OTA_OK);
    assert_int_equal(s->attempts, 3); /* default */
    assert_int_equal(s->timeout_ms, 0);
    assert_int_equal(s->nbootnames, 3);
    assert_string_equal(s->bootnames[0], "B");
    assert_string_equal(s->bootnames[1], "A");
    assert_string_equal(s->bootnames[2], "rescue_1");
    ota_boot_ops ops;
    memset(&ops, 0, sizeof ops);
    ops.size = sizeof ops;
    char berr[OTA_BOOT_ERRLEN] = "";
    assert_int_equal(otac_sysconf_boot(s, &ops, berr), OTA_OK);
    assert_non_null(ops.get_primary);
    ota_boot_free(&ops);
    otac_sysconf_free(s);
}

/* bootloader = application: the file loads, and the built-in backends are
 * refused with the reason (the program must pass ota_install_config.boot). */
static void
test_application_backend(void **state)
{
    (void) state;
    otac_sysconf *s;
    char err[512];
    static const char text[] = "[system]\ncompatible = gw\nbootloader = application\n"
                               "[slot.rootfs.0]\ntype = dir\npath = /a\nbootname = A\n"
                               "[slot.rootfs.1]\ntype = dir\npath = /b\nbootname = B\n";
    assert_int_equal(load(text, &s, err, sizeof err), OTA_OK);
    assert_string_equal(s->bootloader, "application");
    ota_boot_ops ops;
    memset(&ops, 0, sizeof ops);
    ops.size = sizeof ops;
    char berr[OTA_BOOT_ERRLEN] = "";
    assert_int_equal(otac_sysconf_boot(s, &ops, berr), OTA_E_ARG);
    assert_non_null(strstr(berr, "ota_install_config.boot"));
    assert_null(ops.get_primary);
    otac_sysconf_free(s);
}

/* ---- rejections ---------------------------------------------------------- */

#define SYS "[system]\ncompatible = gw\nbootloader = uboot\n"
#define SLOT_A "[slot.rootfs.0]\ntype = dir\npath = /a\nbootname = A\n"
#define SLOT_B "[slot.rootfs.1]\ntype = dir\npath = /b\nbootname = B\n"

typedef struct reject {
    const char *what;
    const char *text;
    const char *at;     /* the line the message must name: the first containing this */
    const char *reason; /* a substring of the message */
} reject;

static const reject k_rejects[] = {
    {"unknown section", SYS "\n[boot]\nx = 1\n" SLOT_A SLOT_B, "[boot]", "unknown section [boot]"},
    {"unknown [system] key", SYS "\ncolour = red\n" SLOT_A SLOT_B, "colour",
     "unknown key 'colour' in [system]"},
    {"unknown slot key", SYS SLOT_A "\n# size of it\nsize = 4\n" SLOT_B, "size = 4",
     "unknown key 'size' in [slot.rootfs.0]"},
    {"missing compatible", "[system]\nbootloader = uboot\n" SLOT_A SLOT_B, "[system]",
     "compatible (this device's hardware id) is required"},
    {"missing bootloader", "[system]\ncompatible = gw\n" SLOT_A SLOT_B, "[system]",
     "bootloader is required"},
    {"no '='", SYS "\n\nattempts 3\n" SLOT_A SLOT_B, "attempts 3", "expected 'key = value'"},
    {"key outside a section", "\n# hi\ncompatible = gw\n" SYS SLOT_A SLOT_B, "compatible = gw",
     "'compatible' outside a section"},
    {"empty value", SYS SLOT_A "[slot.rootfs.1]\ntype = dir\npath =  \nbootname = B\n", "path =  ",
     "'path' has no value"},
    {"bad type", SYS SLOT_A "[slot.rootfs.1]\ntype = file\npath = /b\nbootname = B\n",
     "type = file", "type: 'dir' or 'raw', not 'file'"},
    {"relative path", SYS SLOT_A "[slot.rootfs.1]\ntype = dir\npath = b\nbootname = B\n",
     "path = b", "path: an absolute path is required"},
    {"relative device", SYS SLOT_A "[slot.rootfs.1]\ntype = raw\ndevice = ../sda\nbootname = B\n",
     "device = ", "device: an absolute path is required"},
    {"bootname with a space", SYS SLOT_A "[slot.rootfs.1]\ntype = dir\npath = /b\nbootname = B C\n",
     "bootname = B C", "bootname 'B C'"},
    {"bootname like an option",
     SYS SLOT_A "[slot.rootfs.1]\ntype = dir\npath = /b\nbootname = -B\n",
     "bootname = -B", "bootname '-B'"},
    {"bootname too long",
     SYS SLOT_A "[slot.rootfs.1]\ntype = dir\npath = /b\n"
                "bootname = BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB\n",
     "bootname = BBB", "bootname 'BBB"},
    {"bootname and parent", SYS SLOT_A SLOT_B "[slot.kernel.0]\ntype = raw\npath = /k0\n"
                                             "bootname = A\nparent = rootfs.0\n",
     "[slot.kernel.0]", "slot kernel.0 needs exactly one of bootname and parent"},
    {"neither bootname nor parent", SYS SLOT_A SLOT_B "[slot.kernel.0]\ntype = raw\npath = /k0\n",
     "[slot.kernel.0]", "slot kernel.0 needs exactly one of bootname and parent"},
    {"parent that does not exist",
     SYS SLOT_A SLOT_B "[slot.kernel.0]\ntype = raw\npath = /k0\nparent = rootfs.7\n",
     "[slot.kernel.0]", "slot kernel.0: parent rootfs.7 is not a slot with a bootname"},
    {"parent without a bootname",
     SYS SLOT_A SLOT_B "[slot.kernel.0]\ntype = raw\npath = /k0\nparent = rootfs.0\n"
                       "[slot.kernel.1]\ntype = raw\npath = /k1\nparent = rootfs.1\n"
                       "[slot.dtb.0]\ntype = raw\npath = /d0\nparent = kernel.0\n",
     "[slot.dtb.0]", "slot dtb.0: parent kernel.0 is not a slot with a bootname"},
    {"slot defined twice", SYS SLOT_A SLOT_B "[slot.rootfs.0]\ntype = dir\npath = /c\n",
     "[slot.rootfs.0]\ntype = dir\npath = /c", "slot rootfs.0 defined twice"},
    {"duplicate path", SYS SLOT_A "[slot.rootfs.1]\ntype = dir\npath = /a\nbootname = B\n",
     "[slot.rootfs.1]", "slots rootfs.0 and rootfs.1 have the same path"},
    {"two slots of a class in a group",
     SYS SLOT_A SLOT_B "[slot.rootfs.2]\ntype = dir\npath = /c\nbootname = A\n", "[slot.rootfs.2]",
     "slots rootfs.0 and rootfs.2: two 'rootfs' slots for bootname A"},
    {"a class missing from a group",
     SYS SLOT_A SLOT_B "[slot.kernel.0]\ntype = raw\npath = /k0\nparent = rootfs.0\n",
     "[slot.kernel.0]", "no 'kernel' slot for bootname B"},
    {"only one group", SYS SLOT_A, "[system]", "at least two slot groups"},
    {"no slots", SYS, "[system]", "no [slot.CLASS.INDEX] sections"},
    {"slot without type", SYS SLOT_A "[slot.rootfs.1]\npath = /b\nbootname = B\n",
     "[slot.rootfs.1]", "slot rootfs.1 needs type and path"},
    {"slot without path", SYS SLOT_A "[slot.rootfs.1]\ntype = dir\nbootname = B\n",
     "[slot.rootfs.1]", "slot rootfs.1 needs type and path"},
    {"symlink without symlink", "[system]\ncompatible = gw\nbootloader = symlink\n" SLOT_A SLOT_B,
     "bootloader = symlink", "bootloader symlink needs [system] symlink = PATH"},
    {"symlink with a raw bootname slot",
     "[system]\ncompatible = gw\nbootloader = symlink\nsymlink = /cur\n" SLOT_A
     "[slot.rootfs.1]\ntype = raw\npath = /b\nbootname = B\n",
     "[slot.rootfs.1]", "bootloader symlink: slot rootfs.1 (bootname B) must be a dir"},
    {"custom without program", "[system]\ncompatible = gw\nbootloader = custom\n" SLOT_A SLOT_B,
     "bootloader = custom", "bootloader custom needs [system] custom-program = PATH"},
    {"unknown bootloader", "[system]\ncompatible = gw\nbootloader = lilo\n" SLOT_A SLOT_B,
     "bootloader = lilo", "bootloader 'lilo': symlink, uboot, grub, custom or application"},
    {"section without ']'", SYS "[slot.rootfs.0\n" SLOT_B, "[slot.rootfs.0",
     "section header without ']'"},
    {"slot section without index", SYS "[slot.rootfs]\n" SLOT_B, "[slot.rootfs]",
     "must be [slot.CLASS.INDEX]"},
    {"slot index not a number", SYS "[slot.rootfs.a]\n" SLOT_B, "[slot.rootfs.a]",
     "slot index in [slot.rootfs.a] must be a number"},
    {"slot class not a component name", SYS "[slot.root/fs.0]\n" SLOT_B, "[slot.root/fs.0]",
     "slot class 'root/fs'"},
    {"slot class with '+'", SYS "[slot.root+2.0]\n" SLOT_B, "[slot.root+2.0]",
     "slot class 'root+2' is a bundle component name: an id"},
    {"compatible not an id", "[system]\ncompatible = gw+2\nbootloader = uboot\n" SLOT_A SLOT_B,
     "compatible = gw+2", "compatible 'gw+2' is this device's hardware id: an id"},
    {"attempts out of range", SYS "attempts = 101\n" SLOT_A SLOT_B, "attempts",
     "attempts: a number from 1 to 100"},
    {"attempts negative", SYS "attempts = -1\n" SLOT_A SLOT_B, "attempts",
     "attempts: a number from 1 to 100"},
    {"timeout not a number", SYS "bootloader-timeout = 3s\n" SLOT_A SLOT_B, "bootloader-timeout",
     "bootloader-timeout: seconds from 1 to 3600"},
    {"allow-setuid not a boolean", SYS SLOT_A "allow-setuid = maybe\n" SLOT_B, "allow-setuid",
     "allow-setuid: true or false"},
};

/* 1-based number of the first line of text containing at. */
static int
line_of(const char *text, const char *at)
{
    const char *p = strstr(text, at);
    assert_non_null(p);
    int line = 1;
    for (const char *q = text; q < p; q++)
        line += *q == '\n';
    return line;
}

static void
test_rejections_name_file_and_line(void **state)
{
    (void) state;
    unsigned bad = 0;
    for (size_t i = 0; i < sizeof k_rejects / sizeof k_rejects[0]; i++) {
        const reject *r = &k_rejects[i];
        otac_sysconf *s;
        char err[512], want[256];
        ota_err rc = load(r->text, &s, err, sizeof err);
        assert_null(s);
        snprintf(want, sizeof want, "%s:%d: ", conf, line_of(r->text, r->at));
        if (rc != OTA_E_FORMAT || strncmp(err, want, strlen(want)) != 0 ||
            strstr(err, r->reason) == NULL) {
            print_error("%s: rc %d, message '%s', want '%s...%s'\n", r->what, rc, err, want,
                        r->reason);
            bad++;
        }
    }
    assert_int_equal(bad, 0);
}

static void
test_nul_byte(void **state)
{
    (void) state;
    static const char text[] = SYS SLOT_A "# a \0 hidden\n" SLOT_B;
    otac_sysconf *s;
    char err[512];
    assert_int_equal(load_n(text, sizeof text - 1, &s, err, sizeof err), OTA_E_FORMAT);
    assert_null(s);
    char want[256];
    snprintf(want, sizeof want, "%s:%d: NUL byte in the file", conf, line_of(text, "# a "));
    assert_string_equal(err, want);
}

static void
test_too_large(void **state)
{
    (void) state;
    /* a valid file padded with comment lines past 256 KiB */
    size_t cap = 300u * 1024u, n = 0;
    char *text = malloc(cap);
    assert_non_null(text);
    n += (size_t) snprintf(text, cap, "%s", SYS SLOT_A SLOT_B);
    while (n + 64 < cap) {
        memset(text + n, '#', 63);
        text[n + 63] = '\n';
        n += 64;
    }
    otac_sysconf *s;
    char err[512];
    assert_int_equal(load_n(text, n, &s, err, sizeof err), OTA_E_FORMAT);
    assert_null(s);
    assert_non_null(strstr(err, conf));
    /* the same file under the limit parses */
    assert_int_equal(load_n(text, 200u * 1024u, &s, err, sizeof err), OTA_OK);
    otac_sysconf_free(s);
    free(text);
}

static void
test_missing_file(void **state)
{
    (void) state;
    otac_sysconf *s = NULL;
    char err[512], path[192];
    snprintf(path, sizeof path, "%s/none.conf", dir);
    assert_int_equal(otac_sysconf_load(path, &s, err, sizeof err), OTA_E_NOT_FOUND);
    assert_null(s);
    assert_non_null(strstr(err, path));
    /* a directory is not a config file */
    assert_int_equal(otac_sysconf_load(dir, &s, err, sizeof err), OTA_E_IO);
    assert_null(s);
}

/* Every prefix of a valid file parses or is refused as a format error,
 * with a message that names the file; never a crash or a leak (ASan). */
static void
test_truncated_prefixes(void **state)
{
    (void) state;
    static const char *const texts[] = {
        k_docs,
        "[system]\ncompatible=gw\nbootloader=symlink\nsymlink=/cur\n"
        "[slot.r.0]\ntype=dir\npath=/a\nbootname=A\n[slot.r.1]\ntype=dir\npath=/b\nbootname=B\n",
    };
    for (size_t t = 0; t < sizeof texts / sizeof texts[0]; t++) {
        size_t len = strlen(texts[t]), ok = 0;
        for (size_t n = 0; n <= len; n++) {
            otac_sysconf *s;
            char err[512];
            ota_err rc = load_n(texts[t], n, &s, err, sizeof err);
            if (rc == OTA_OK) {
                assert_non_null(s);
                ok++;
                otac_sysconf_free(s);
                continue;
            }
            if (rc != OTA_E_FORMAT || s != NULL || strncmp(err, conf, strlen(conf)) != 0)
                fail_msg("prefix %zu of text %zu: rc %d, message '%s'", n, t, rc, err);
        }
        assert_true(ok >= 1); /* at least the whole file */
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_valid_docs_example, setup, teardown),
        cmocka_unit_test_setup_teardown(test_valid_three_groups_symlink, setup, teardown),
        cmocka_unit_test_setup_teardown(test_application_backend, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rejections_name_file_and_line, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nul_byte, setup, teardown),
        cmocka_unit_test_setup_teardown(test_too_large, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_truncated_prefixes, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
