/* SPDX-License-Identifier: Apache-2.0 */
/*
 * examples/embed.c — firmware using libotaclient through its public API
 * only (the headers in client/include/ota/), with a switch backend of its own.
 *
 * The "bootloader" here is a small state file, standing in for whatever a
 * product really has (a vendor's boot-control partition, an EFI variable, a
 * microcontroller that selects the boot flash): the four verbs of
 * ota_boot_ops read and replace it.  system.conf says `bootloader =
 * application` so that nothing but this program can drive the switch.
 *
 *   embed --state-dir DIR --system-conf FILE --metadata-url URL --targets-url URL
 *         --bootfile FILE --device-id ID --product NAME  update | confirm | status
 *
 * update: TUF refresh, choose the release for this device (hardware,
 * channel, rollout, floor, anti-rollback), install it into the inactive slot
 * and make it primary; the caller reboots.  confirm: after the reboot,
 * declare the new slot good.  status: one line.  Exit 0 on success, 1 on
 * failure with the library's message on stderr.
 *
 * Built and run by `make test` (tests/integration/test_embed.sh) with
 * -Iclient/include only, so it cannot drift from the public API.
 */
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ota/client.h"
#include "ota/install.h"
#include "ota/transport.h"
#include "ota/update.h"

/* ---- the product's own switch backend ---------------------------------- */

/* The boot state: the primary slot, and each slot good or bad.  Two slots,
 * A and B, as in system.conf. */
typedef struct bootstate {
    const char *path;
    char primary[OTA_BOOT_NAME_MAX];
    int good[2]; /* A, B */
} bootstate;

static int
slot_index(const char *name)
{
    return strcmp(name, "A") == 0 ? 0 : strcmp(name, "B") == 0 ? 1 : -1;
}

static ota_err
bs_load(bootstate *b, char *err)
{
    FILE *f = fopen(b->path, "r");
    if (f == NULL) {
        snprintf(err, OTA_BOOT_ERRLEN, "%s: %s", b->path, strerror(errno));
        return OTA_E_BOOT;
    }
    int n = fscanf(f, "primary %31s good %d %d", b->primary, &b->good[0], &b->good[1]);
    fclose(f);
    if (n != 3 || slot_index(b->primary) < 0) {
        snprintf(err, OTA_BOOT_ERRLEN, "%s: not a boot state file", b->path);
        return OTA_E_BOOT;
    }
    return OTA_OK;
}

/* Replace the file as a whole: write a new one, sync it, rename it over. */
static ota_err
bs_store(const bootstate *b, char *err)
{
    char tmp[1024];
    snprintf(tmp, sizeof tmp, "%s.new", b->path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
    char text[128];
    int len = snprintf(text, sizeof text, "primary %s good %d %d\n", b->primary, b->good[0],
                       b->good[1]);
    if (fd < 0 || write(fd, text, (size_t) len) != len || fsync(fd) != 0 || close(fd) != 0 ||
        rename(tmp, b->path) != 0) {
        snprintf(err, OTA_BOOT_ERRLEN, "%s: %s", b->path, strerror(errno));
        return OTA_E_BOOT;
    }
    return OTA_OK;
}

static ota_err
bs_get_primary(void *user, char bootname[OTA_BOOT_NAME_MAX], char *err)
{
    bootstate *b = user;
    ota_err rc = bs_load(b, err);
    if (rc == OTA_OK)
        snprintf(bootname, OTA_BOOT_NAME_MAX, "%s", b->primary);
    return rc;
}

static ota_err
bs_set_primary(void *user, const char *bootname, char *err)
{
    bootstate *b = user;
    int i = slot_index(bootname);
    ota_err rc = bs_load(b, err);
    if (rc != OTA_OK)
        return rc;
    if (i < 0) {
        snprintf(err, OTA_BOOT_ERRLEN, "unknown slot %s", bootname);
        return OTA_E_ARG;
    }
    snprintf(b->primary, sizeof b->primary, "%s", bootname);
    b->good[i] = 1;
    return bs_store(b, err);
}

static ota_err
bs_get_state(void *user, const char *bootname, ota_slot_state *state, char *err)
{
    bootstate *b = user;
    int i = slot_index(bootname);
    ota_err rc = bs_load(b, err);
    if (rc != OTA_OK)
        return rc;
    if (i < 0) {
        snprintf(err, OTA_BOOT_ERRLEN, "unknown slot %s", bootname);
        return OTA_E_ARG;
    }
    *state = b->good[i] ? OTA_SLOT_GOOD : OTA_SLOT_BAD;
    return OTA_OK;
}

static ota_err
bs_set_state(void *user, const char *bootname, ota_slot_state state, char *err)
{
    bootstate *b = user;
    int i = slot_index(bootname);
    ota_err rc = bs_load(b, err);
    if (rc != OTA_OK)
        return rc;
    if (i < 0) {
        snprintf(err, OTA_BOOT_ERRLEN, "unknown slot %s", bootname);
        return OTA_E_ARG;
    }
    b->good[i] = state == OTA_SLOT_GOOD;
    return bs_store(b, err);
}

/* ---- the update itself ------------------------------------------------- */

typedef struct opts {
    const char *state_dir, *system_conf, *metadata_url, *targets_url, *bootfile, *device_id,
        *product;
    const char *command;
} opts;

static int
fail(const char *what, ota_err rc, const char *msg)
{
    fprintf(stderr, "embed: %s: %s (%s)\n", what, msg != NULL && msg[0] ? msg : ota_strerror(rc),
            ota_err_name(rc));
    return 1;
}

static void
progress(void *user, const ota_install_progress *p)
{
    (void) user;
    if (p->phase == OTA_PHASE_SWITCH)
        fprintf(stderr, "embed: %llu bytes verified and written, switching\n",
                (unsigned long long) p->done);
}

/* The installer's state (ota_install_status is about 1.5 KiB: keep it out
 * of run()'s frame). */
__attribute__((noinline)) static int
print_status(ota_installer *in)
{
    ota_install_status st = {.size = sizeof st};
    ota_err rc = ota_installer_status(in, &st);
    if (rc != OTA_OK)
        return fail("status", rc, ota_installer_errmsg(in));
    printf("state %s booted %s primary %s installed %s\n", ota_install_state_name(st.state),
           st.booted[0] ? st.booted : "-", st.primary[0] ? st.primary : "-",
           st.installed_version[0] ? st.installed_version : "-");
    return 0;
}

__attribute__((noinline)) static void
print_installed(ota_installer *in, const char *path)
{
    ota_install_status st = {.size = sizeof st};
    if (ota_installer_status(in, &st) == OTA_OK)
        printf("installed %s %s into slot %s: reboot to start it\n", path, st.target_version,
               st.target_slot);
}

/* not inlined: each function stays within the 4 KiB stack-frame budget the
 * build enforces (-Wframe-larger-than), also under AddressSanitizer */
__attribute__((noinline)) static int
run(const opts *o, ota_installer *in)
{
    if (strcmp(o->command, "confirm") == 0) {
        ota_err rc = ota_installer_confirm(in);
        if (rc != OTA_OK)
            return fail("confirm", rc, ota_installer_errmsg(in));
        printf("confirmed\n");
        return 0;
    }
    if (strcmp(o->command, "status") == 0)
        return print_status(in);

    /* update: refresh the signed metadata, choose, install */
    char metadata_dir[1024];
    snprintf(metadata_dir, sizeof metadata_dir, "%s/metadata", o->state_dir);
    ota_transport tr = {.size = sizeof tr};
    ota_err rc = ota_curl_transport_new(NULL, &tr);
    if (rc != OTA_OK)
        return fail("transport", rc, NULL);
    ota_client_config cfg;
    ota_client_config_init(&cfg);
    cfg.metadata_dir = metadata_dir;
    cfg.metadata_url = o->metadata_url;
    cfg.target_base_url = o->targets_url;
    cfg.transport = &tr;
    ota_client *c = NULL;
    int ex = 1;
    if ((rc = ota_client_new(&cfg, &c)) != OTA_OK) {
        fail("client", rc, NULL);
        goto out;
    }
    if ((rc = ota_client_refresh(c)) != OTA_OK) {
        fail("refresh", rc, ota_client_errmsg(c));
        goto out;
    }
    ota_device dev = OTA_DEVICE_INIT;
    dev.device_id = o->device_id;
    dev.product = o->product;
    ota_target_info t = OTA_TARGET_INFO_INIT;
    bool found = false;
    if ((rc = ota_installer_choose(in, c, &dev, NULL, NULL, &t, &found)) != OTA_OK) {
        fail("choose", rc, ota_installer_errmsg(in));
        goto out;
    }
    if (!found) {
        printf("up to date\n");
        ex = 0;
        goto out;
    }
    if ((rc = ota_installer_install(in, c, &t)) != OTA_OK) {
        fail("install", rc, ota_installer_errmsg(in));
        goto out;
    }
    print_installed(in, t.path);
    ex = 0;
out:
    ota_client_free(c);
    ota_curl_transport_free(&tr);
    return ex;
}

int
main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"state-dir", required_argument, NULL, 's'},   {"system-conf", required_argument, NULL, 'c'},
        {"metadata-url", required_argument, NULL, 'm'}, {"targets-url", required_argument, NULL, 't'},
        {"bootfile", required_argument, NULL, 'b'},
        {"device-id", required_argument, NULL, 'd'},   {"product", required_argument, NULL, 'p'},
        {"help", no_argument, NULL, 'h'},               {NULL, 0, NULL, 0}};
    opts o = {0};
    int ch;
    while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (ch) {
        case 's': o.state_dir = optarg; break;
        case 'c': o.system_conf = optarg; break;
        case 'm': o.metadata_url = optarg; break;
        case 't': o.targets_url = optarg; break;
        case 'b': o.bootfile = optarg; break;
        case 'd': o.device_id = optarg; break;
        case 'p': o.product = optarg; break;
        case 'h':
            printf("usage: embed --state-dir DIR --system-conf FILE --metadata-url URL\n"
                   "             --targets-url URL --bootfile FILE --device-id ID --product NAME "
                   "update|confirm|status\n");
            return 0;
        default: return 2;
        }
    }
    if (optind + 1 != argc || o.state_dir == NULL || o.system_conf == NULL ||
        o.bootfile == NULL || o.device_id == NULL || o.product == NULL ||
        (strcmp(argv[optind], "update") == 0 && (o.metadata_url == NULL || o.targets_url == NULL))) {
        fprintf(stderr, "embed: missing options or command (--help)\n");
        return 2;
    }
    o.command = argv[optind];
    if (strcmp(o.command, "update") != 0 && strcmp(o.command, "confirm") != 0 &&
        strcmp(o.command, "status") != 0) {
        fprintf(stderr, "embed: unknown command '%s'\n", o.command);
        return 2;
    }

    printf("libotaclient %s (built against %s)\n", ota_client_version(), OTA_CLIENT_VERSION);
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0)
        return fail("curl", OTA_E_NETWORK, NULL);

    bootstate bs = {.path = o.bootfile};
    ota_boot_ops boot = {.size = sizeof boot,
                         .user = &bs,
                         .get_primary = bs_get_primary,
                         .set_primary = bs_set_primary,
                         .get_state = bs_get_state,
                         .set_state = bs_set_state};
    ota_install_config ic = OTA_INSTALL_CONFIG_INIT;
    ic.state_dir = o.state_dir;
    ic.system_conf = o.system_conf;
    ic.boot = &boot;
    ic.progress = progress;
    ota_installer *in = NULL;
    char err[512];
    ota_err rc = ota_installer_new(&ic, &in, err, sizeof err);
    int ex;
    if (rc != OTA_OK) {
        ex = fail("installer", rc, err);
    } else if ((rc = ota_installer_boot(in)) != OTA_OK) {
        ex = fail("boot check", rc, ota_installer_errmsg(in));
    } else {
        ex = run(&o, in);
    }
    ota_installer_free(in);
    curl_global_cleanup();
    return ex;
}
