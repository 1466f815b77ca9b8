/* ota-sign bundle: build an update bundle (formats/BUNDLE.md, docs/bundle.md). */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "bundle_util.h"
#include "cli.h"
#include "ota_atomic.h"
#include "ota_bundle.h"
#include "ota_id.h"
#include "ota_limits.h"
#include "ota_util.h"

static void
help(FILE *out)
{
    fprintf(out,
            "usage: ota-sign bundle --name NAME --version SEMVER --hardware ID [--hardware ID ...]\n"
            "                       --component TYPE:NAME=PATH [--component ...] -o FILE\n"
            "                       [--pre-install SCRIPT] [--post-install SCRIPT]\n"
            "                       [--created TIME|now] [--mtime SECONDS] [--chunk-size SIZE]\n"
            "                       [--level 1-9] [--jobs N] [--force] [--quiet]\n"
            "\n"
            "Builds one update bundle: header | manifest | chunk table | chunks, each chunk\n"
            "compressed on its own (on every core) and hashed, so a device can verify every\n"
            "chunk before it is inflated or extracted.  The same inputs and options always\n"
            "give the same bytes.  Publish it with `ota-sign add`.\n"
            "\n"
            "  -n, --name NAME          bundle name, an id: A-Z a-z 0-9 . _ : -, up to 128\n"
            "  -V, --version SEMVER     semantic version, e.g. 1.4.0 or 2.0.0-rc.1\n"
            "  -H, --hardware ID        compatible hardware id, an id (repeat for several)\n"
            "  -c, --component SPEC     in order, one of:\n"
            "                             tree:NAME=DIR     file tree, extracted into slot NAME\n"
            "                             rootfs:NAME=DIR   file tree that is a root file system\n"
            "                                               (absolute symlinks allowed)\n"
            "                             image:NAME=FILE   raw image (file or block device)\n"
            "      --pre-install F      hook script run before installing (signed, inline)\n"
            "      --post-install F     hook script run after installing\n"
            "      --created TIME       creation time in the manifest: YYYY-MM-DDTHH:MM:SSZ or\n"
            "                           'now'; default $SOURCE_DATE_EPOCH, else none (the clock\n"
            "                           is never read unless asked: reproducible bundles)\n"
            "      --mtime SECONDS      mtime of every tree entry; default $SOURCE_DATE_EPOCH or 0\n"
            "      --chunk-size SIZE    uncompressed chunk size, power of two, 64k..4M\n"
            "                           (default 256k: the device needs 2 x SIZE of buffers)\n"
            "      --level N            zlib level 1..9 (default 6)\n"
            "  -j, --jobs N             compression threads (default: online CPUs)\n"
            "  -o, --output FILE        the bundle; never overwritten unless --force\n"
            "  -f, --force              replace an existing FILE\n"
            "  -q, --quiet              no progress, no summary\n"
            "\n"
            "Refused inputs (exit 20): absolute or '..' paths, device nodes, fifos, sockets,\n"
            "symlinks leaving the tree, names with control characters or invalid UTF-8.\n"
            "Exit: 0 ok, 2 usage, 6 file system, 9 output exists, 10 refused input.\n");
}

#define MAX_SPECS OTA_BUNDLE_MAX_COMPONENTS

typedef struct spec {
    char type[8];
    char *name;
    const char *path;
} spec;

static int
parse_spec(const char *arg, spec *s)
{
    const char *colon = strchr(arg, ':');
    const char *eq = colon ? strchr(colon, '=') : NULL;
    if (colon == NULL || eq == NULL || eq == colon + 1 || eq[1] == '\0')
        return -1;
    size_t tl = (size_t) (colon - arg);
    if (tl == 0 || tl >= sizeof s->type)
        return -1;
    memcpy(s->type, arg, tl);
    s->type[tl] = '\0';
    if (strcmp(s->type, "tree") != 0 && strcmp(s->type, "rootfs") != 0 &&
        strcmp(s->type, "image") != 0)
        return -1;
    s->name = strndup(colon + 1, (size_t) (eq - colon - 1));
    s->path = eq + 1;
    return s->name ? 0 : -1;
}

static void
on_progress(void *user, uint64_t bytes)
{
    bu_progress_update(user, bytes);
}

static ota_err
read_hook(const char *path, uint8_t **out, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return errno == ENOENT ? OTA_E_NOT_FOUND : OTA_E_IO;
    uint8_t *buf = malloc(OTA_BUNDLE_MAX_HOOK + 1);
    if (buf == NULL) {
        fclose(f);
        return OTA_E_NOMEM;
    }
    size_t n = fread(buf, 1, OTA_BUNDLE_MAX_HOOK + 1, f);
    bool err = ferror(f) != 0;
    fclose(f);
    if (err || n == 0 || n > OTA_BUNDLE_MAX_HOOK) {
        free(buf);
        return err ? OTA_E_IO : OTA_E_LIMIT;
    }
    *out = buf;
    *len = n;
    return OTA_OK;
}

/* SOURCE_DATE_EPOCH (reproducible-builds.org), when set and valid. */
static bool
source_date_epoch(int64_t *t)
{
    const char *s = getenv("SOURCE_DATE_EPOCH");
    if (s == NULL || *s == '\0')
        return false;
    uint64_t v;
    if (ota_parse_u64(s, 0, INT64_MAX, &v) != OTA_OK)
        return false;
    *t = (int64_t) v;
    return true;
}

int
cmd_bundle(int argc, char **argv)
{
    static const struct option opts[] = {
        {"name", required_argument, NULL, 'n'},
        {"version", required_argument, NULL, 'V'},
        {"hardware", required_argument, NULL, 'H'},
        {"component", required_argument, NULL, 'c'},
        {"output", required_argument, NULL, 'o'},
        {"pre-install", required_argument, NULL, 'P'},
        {"post-install", required_argument, NULL, 'Q'},
        {"created", required_argument, NULL, 'C'},
        {"mtime", required_argument, NULL, 'M'},
        {"chunk-size", required_argument, NULL, 'S'},
        {"level", required_argument, NULL, 'L'},
        {"jobs", required_argument, NULL, 'j'},
        {"force", no_argument, NULL, 'f'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *name = NULL, *version = NULL, *output = NULL, *created_arg = NULL;
    const char *hook_path[OTA_BUNDLE_NHOOKS] = {NULL, NULL};
    const char **hardware = calloc(OTA_BUNDLE_MAX_HARDWARE, sizeof *hardware);
    size_t nhw = 0, nspecs = 0;
    spec *specs = calloc(MAX_SPECS, sizeof *specs);
    char *dir = NULL;
    int64_t mtime = -1;
    uint64_t chunk = 0;
    long level = 0, jobs = 0;
    bool force = false, quiet = false;
    int ret = SX_USAGE, c;
    char created[21] = "";
    ota_atomic dst = OTA_ATOMIC_INIT;
    ota_bundle_writer *w = NULL;

    if (sign_wants_help(argc, argv)) {
        help(stdout);
        ret = SX_OK;
        goto out;
    }
    if (hardware == NULL || specs == NULL) {
        ret = sign_fail(OTA_E_NOMEM, "bundle");
        goto out;
    }
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":n:V:H:c:o:j:fqh", opts, NULL)) != -1) {
        uint64_t num;
        switch (c) {
        case 'n': name = optarg; break;
        case 'V': version = optarg; break;
        case 'H':
            if (nhw >= OTA_BUNDLE_MAX_HARDWARE) {
                ret = sign_error(SX_USAGE, "bundle: more than %d --hardware ids",
                                 OTA_BUNDLE_MAX_HARDWARE);
                goto out;
            }
            hardware[nhw++] = optarg;
            break;
        case 'c':
            if (nspecs >= MAX_SPECS) {
                ret = sign_error(SX_USAGE, "bundle: more than %d components", MAX_SPECS);
                goto out;
            }
            if (parse_spec(optarg, &specs[nspecs]) != 0) {
                ret = sign_error(SX_USAGE, "bundle: --component '%s': want tree:NAME=DIR, "
                                           "rootfs:NAME=DIR or image:NAME=FILE", optarg);
                goto out;
            }
            nspecs++;
            break;
        case 'o': output = optarg; break;
        case 'P': hook_path[OTA_BUNDLE_PRE_INSTALL] = optarg; break;
        case 'Q': hook_path[OTA_BUNDLE_POST_INSTALL] = optarg; break;
        case 'C': created_arg = optarg; break;
        case 'M':
            if (ota_parse_u64(optarg, 0, INT64_MAX, &num) != OTA_OK) {
                ret = sign_error(SX_USAGE, "bundle: --mtime wants seconds since 1970");
                goto out;
            }
            mtime = (int64_t) num;
            break;
        case 'S':
            if (ota_parse_size(optarg, OTA_BUNDLE_MIN_CHUNK_SIZE, OTA_BUNDLE_MAX_CHUNK_SIZE,
                               &chunk) != OTA_OK ||
                (chunk & (chunk - 1)) != 0) {
                ret = sign_error(SX_USAGE, "bundle: --chunk-size wants a power of two from 64k "
                                           "to 4M");
                goto out;
            }
            break;
        case 'L':
            if (ota_parse_u64(optarg, 1, 9, &num) != OTA_OK) {
                ret = sign_error(SX_USAGE, "bundle: --level wants 1..9");
                goto out;
            }
            level = (long) num;
            break;
        case 'j':
            if (ota_parse_u64(optarg, 1, OTA_BUNDLE_MAX_JOBS, &num) != OTA_OK) {
                ret = sign_error(SX_USAGE, "bundle: --jobs wants 1..%d", OTA_BUNDLE_MAX_JOBS);
                goto out;
            }
            jobs = (long) num;
            break;
        case 'f': force = true; break;
        case 'q': quiet = true; break;
        case ':':
            ret = sign_error(SX_USAGE, "bundle: option %s needs a value", argv[optind - 1]);
            goto out;
        default:
            ret = sign_error(SX_USAGE, "bundle: unknown option '%s' (see --help)",
                             argv[optind - 1]);
            goto out;
        }
    }
    if (optind != argc) {
        ret = sign_error(SX_USAGE, "bundle: unexpected argument '%s'", argv[optind]);
        goto out;
    }
    if (name == NULL || version == NULL || nhw == 0 || nspecs == 0 || output == NULL) {
        ret = sign_error(SX_USAGE, "bundle: --name, --version, --hardware, --component and -o "
                                   "are required (see --help)");
        goto out;
    }
    if (ota_semver_check(version) != OTA_OK) {
        ret = sign_error(SX_USAGE, "bundle: version '%s' is not %s", version, OTA_VERSION_RULE);
        goto out;
    }
    /* ids, checked here to name the one at fault (the writer checks again) */
    const char *what = NULL, *bad = NULL;
    if (!ota_id_valid(name)) {
        what = "--name";
        bad = name;
    }
    for (size_t i = 0; bad == NULL && i < nhw; i++)
        if (!ota_id_valid(hardware[i])) {
            what = "--hardware";
            bad = hardware[i];
        }
    for (size_t i = 0; bad == NULL && i < nspecs; i++)
        if (!ota_id_valid(specs[i].name)) {
            what = "component name";
            bad = specs[i].name;
        }
    if (bad != NULL) {
        ret = sign_error(SX_USAGE, "bundle: %s '%s' is not an id (%s)", what, bad, OTA_ID_RULE);
        goto out;
    }

    /* time fields: given, or SOURCE_DATE_EPOCH, never the clock unless asked */
    int64_t sde = 0;
    bool have_sde = source_date_epoch(&sde);
    if (created_arg != NULL) {
        int64_t t;
        if (strcmp(created_arg, "now") == 0) {
            if (ota_time_format((int64_t) time(NULL), created) != OTA_OK) {
                ret = sign_error(SX_FAIL, "bundle: clock out of range");
                goto out;
            }
        } else if (ota_time_parse(created_arg, &t) == OTA_OK) {
            snprintf(created, sizeof created, "%s", created_arg);
        } else {
            ret = sign_error(SX_USAGE, "bundle: --created wants YYYY-MM-DDTHH:MM:SSZ or 'now'");
            goto out;
        }
    } else if (have_sde && ota_time_format(sde, created) != OTA_OK) {
        ret = sign_error(SX_USAGE, "bundle: SOURCE_DATE_EPOCH out of range");
        goto out;
    }
    if (mtime < 0)
        mtime = have_sde ? sde : 0;

    /* the output: a hidden temporary beside it (ota_atomic), committed at the end */
    const char *slash = strrchr(output, '/');
    const char *base = slash ? slash + 1 : output;
    size_t dl = slash ? (size_t) (slash - output) : 0;
    if (base[0] == '\0' || strcmp(base, ".") == 0 || strcmp(base, "..") == 0) {
        ret = sign_error(SX_USAGE, "bundle: -o wants a file name, not '%s'", output);
        goto out;
    }
    dir = slash ? strndup(output, dl ? dl : 1) : strdup(".");
    if (dir == NULL) {
        ret = sign_fail(OTA_E_NOMEM, "bundle");
        goto out;
    }
    struct stat st;
    if (!force && lstat(output, &st) == 0) {
        ret = sign_error(SX_EXISTS, "bundle: %s exists (use --force to replace it)", output);
        goto out;
    }
    ota_err rc = ota_atomic_begin_path(&dst, output, 0644);
    if (rc != OTA_OK) {
        ret = sign_error(sign_exit_code(rc), "bundle: cannot create a temporary file in %s: %s",
                         dir, strerror(errno));
        goto out;
    }

    bu_progress prog;
    bu_progress_init(&prog, "bundle", 0, quiet);
    ota_bundle_writer_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.size = sizeof cfg;
    cfg.name = name;
    cfg.version = version;
    cfg.hardware = hardware;
    cfg.nhardware = nhw;
    cfg.created = created[0] ? created : NULL;
    cfg.mtime = mtime;
    cfg.chunk_size = (uint32_t) chunk;
    cfg.level = (int) level;
    cfg.jobs = (unsigned) jobs;
    cfg.tmp_dir = dir;
    cfg.progress = on_progress;
    cfg.progress_user = &prog;
    rc = ota_bundle_writer_new(&cfg, &w);
    if (rc == OTA_E_ARG) {
        ret = sign_error(SX_USAGE, "bundle: the bundle settings were refused");
        goto out;
    }
    if (rc != OTA_OK) {
        ret = sign_fail(rc, "bundle");
        goto out;
    }
    for (int i = 0; i < OTA_BUNDLE_NHOOKS; i++) {
        if (hook_path[i] == NULL)
            continue;
        uint8_t *script = NULL;
        size_t len = 0;
        rc = read_hook(hook_path[i], &script, &len);
        if (rc == OTA_OK) {
            rc = ota_bundle_writer_set_hook(w, (ota_bundle_hook) i, script, len);
            free(script);
        }
        if (rc != OTA_OK) {
            ret = sign_fail(rc, "bundle: hook %s (at most %u bytes, not empty)", hook_path[i],
                            OTA_BUNDLE_MAX_HOOK);
            goto out;
        }
    }
    for (size_t i = 0; i < nspecs; i++) {
        if (strcmp(specs[i].type, "image") == 0)
            rc = ota_bundle_writer_add_image(w, specs[i].name, specs[i].path);
        else
            rc = ota_bundle_writer_add_tree(w, specs[i].name, specs[i].path,
                                            strcmp(specs[i].type, "rootfs") == 0);
        if (rc != OTA_OK) {
            bu_progress_done(&prog);
            if (rc == OTA_E_ARG)
                ret = sign_error(SX_USAGE, "bundle: component '%s': %s", specs[i].name,
                                 ota_bundle_writer_error(w));
            else if (ota_bundle_writer_error(w)[0] != '\0')
                ret = sign_error(sign_exit_code(rc), "bundle: component '%s': %s", specs[i].name,
                                 ota_bundle_writer_error(w));
            else
                ret = sign_fail(rc, "bundle: component '%s'", specs[i].name);
            goto out;
        }
    }
    uint64_t total = 0, head_len = 0;
    uint8_t head_sha[32];
    rc = ota_bundle_writer_finish(w, ota_atomic_fd(&dst), &total, &head_len, head_sha);
    bu_progress_done(&prog);
    if (rc != OTA_OK) {
        ret = sign_error(sign_exit_code(rc), "bundle: %s (%s)", ota_bundle_writer_error(w),
                         ota_strerror(rc));
        goto out;
    }
    /* no overwrite without --force: the link fails if output appeared meanwhile */
    if ((rc = ota_atomic_commit(&dst, base, !force)) != OTA_OK) {
        ret = rc == OTA_E_EXISTS ? sign_error(SX_EXISTS, "bundle: %s exists", output)
                                 : sign_error(sign_exit_code(rc), "bundle: writing %s: %s", output,
                                              strerror(errno));
        goto out;
    }
    if (!quiet) {
        char hex[65], h1[32];
        ota_hex_encode(head_sha, 32, hex);
        double secs = bu_now() - prog.start;
        printf("%s: %s %s, %s\n", output, name, version, bu_human(total, h1));
        printf("  head: %llu bytes, sha256 %s\n", (unsigned long long) head_len, hex);
        printf("  input %s in %.2f s (%.0f MB/s)\n", bu_human(prog.done, h1), secs,
               secs > 0 ? (double) prog.done / secs / 1e6 : 0.0);
    }
    ret = SX_OK;
out:
    ota_bundle_writer_free(w);
    ota_atomic_abort(&dst);
    for (size_t i = 0; i < nspecs; i++)
        free(specs[i].name);
    free(specs);
    free(hardware);
    free(dir);
    return ret;
}
