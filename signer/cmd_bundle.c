/* SPDX-License-Identifier: Apache-2.0 */
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
            "                       [--codec deflate|zstd] [--level N] [--jobs N] [--force]\n"
            "                       [--sbom FILE|auto] [--delta] [--quiet]\n"
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
            "      --codec C            chunk compression: deflate (default: format 1, every\n"
            "                           ota-client reads it) or zstd (format 2: smaller and\n"
            "                           faster to unpack, but a device needs ota-client 0.2 or\n"
            "                           later; older agents refuse the bundle, unharmed)\n"
            "      --sbom FILE|auto     carry the package list in the bundle (format 3, for\n"
            "                           ota-server's advisories; devices need an agent that\n"
            "                           reads format 3, ota-client 0.2.0 or later): FILE is an\n"
            "                           SPDX 2.2/2.3 or CycloneDX 1.4-1.6 JSON document; auto\n"
            "                           reads the package database (dpkg, opkg status) of the\n"
            "                           rootfs component (formats/SBOM.md)\n"
            "      --delta              lay trees out for delta updates (format 4): chunks\n"
            "                           are cut between files at points chosen from their\n"
            "                           paths, so a device regenerates the chunks of files it\n"
            "                           already has and downloads only the rest; a device\n"
            "                           needs an agent that reads format 4 (ota-client 0.2.0\n"
            "                           or later)\n"
            "      --level N            compression level: 1..9 for deflate (default 6),\n"
            "                           1..19 for zstd (default %d)\n"
            "  -j, --jobs N             compression threads (default: online CPUs)\n"
            "  -o, --output FILE        the bundle; never overwritten unless --force\n"
            "  -f, --force              replace an existing FILE\n"
            "  -q, --quiet              no progress, no summary\n"
            "\n"
            "Refused inputs (exit 20): absolute or '..' paths, device nodes, fifos, sockets,\n"
            "symlinks leaving the tree, names with control characters or invalid UTF-8; an\n"
            "SBOM that is not strict JSON, not SPDX 2.2/2.3 or CycloneDX 1.4-1.6, or past a\n"
            "bound; a package database that is malformed or reached through a link.\n"
            "Exit: 0 ok, 1 I/O, 2 usage, 6 SBOM file or package database not found,\n"
            "15 no space, 19 output exists, 20 refused input.\n",
            OTA_BUNDLE_ZSTD_DEFAULT_LEVEL);
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

/* ---- options: argv -> bundle_opts ------------------------------------------------------- */

/* Everything the command line sets, resolved (SOURCE_DATE_EPOCH applied). */
typedef struct bundle_opts {
    const char *name, *version, *output;
    const char *hook_path[OTA_BUNDLE_NHOOKS];
    const char **hardware; /* [OTA_BUNDLE_MAX_HARDWARE], on the heap (frame budget) */
    size_t nhw;
    spec *specs; /* [MAX_SPECS], names malloc'd */
    size_t nspecs;
    char created[21]; /* the manifest's creation time, "" for none */
    int64_t mtime;    /* of every tree entry; -1 until resolved */
    uint64_t chunk;   /* 0: the writer's default */
    long level, jobs; /* 0: the writer's defaults */
    ota_bundle_codec codec;
    const char *sbom; /* --sbom FILE, "auto" or NULL */
    bool delta;       /* --delta: trees in the delta layout (format 4) */
    bool force, quiet;
} bundle_opts;

#define BUNDLE_OPTS_INIT {.mtime = -1, .codec = OTA_BUNDLE_DEFLATE}

/* bundle_parse: go on and build (any other value is the exit code) */
#define BUNDLE_RUN (-1)

static void
bundle_opts_free(bundle_opts *o)
{
    if (o->specs != NULL)
        for (size_t i = 0; i < o->nspecs; i++)
            free(o->specs[i].name);
    free(o->specs);
    free(o->hardware);
}

/* One option with its argument into *o; BUNDLE_RUN or the exit code. */
static int
bundle_option(int c, const char *arg, const char *spelled, bundle_opts *o,
              const char **created_arg)
{
    uint64_t num;
    switch (c) {
    case 'n': o->name = arg; break;
    case 'V': o->version = arg; break;
    case 'H':
        if (o->nhw >= OTA_BUNDLE_MAX_HARDWARE)
            return sign_error(SX_USAGE, "bundle: more than %d --hardware ids",
                              OTA_BUNDLE_MAX_HARDWARE);
        o->hardware[o->nhw++] = arg;
        break;
    case 'c':
        if (o->nspecs >= MAX_SPECS)
            return sign_error(SX_USAGE, "bundle: more than %d components", MAX_SPECS);
        if (parse_spec(arg, &o->specs[o->nspecs]) != 0)
            return sign_error(SX_USAGE, "bundle: --component '%s': want tree:NAME=DIR, "
                                        "rootfs:NAME=DIR or image:NAME=FILE", arg);
        o->nspecs++;
        break;
    case 'o': o->output = arg; break;
    case 'P': o->hook_path[OTA_BUNDLE_PRE_INSTALL] = arg; break;
    case 'Q': o->hook_path[OTA_BUNDLE_POST_INSTALL] = arg; break;
    case 'C': *created_arg = arg; break;
    case 'M':
        if (ota_parse_u64(arg, 0, INT64_MAX, &num) != OTA_OK)
            return sign_error(SX_USAGE, "bundle: --mtime wants seconds since 1970");
        o->mtime = (int64_t) num;
        break;
    case 'S':
        if (ota_parse_size(arg, OTA_BUNDLE_MIN_CHUNK_SIZE, OTA_BUNDLE_MAX_CHUNK_SIZE,
                           &o->chunk) != OTA_OK ||
            (o->chunk & (o->chunk - 1)) != 0)
            return sign_error(SX_USAGE, "bundle: --chunk-size wants a power of two from 64k "
                                        "to 4M");
        break;
    case 'Z':
        if (strcmp(arg, "deflate") == 0)
            o->codec = OTA_BUNDLE_DEFLATE;
        else if (strcmp(arg, "zstd") == 0)
            o->codec = OTA_BUNDLE_ZSTD;
        else
            return sign_error(SX_USAGE, "bundle: --codec wants deflate or zstd, not '%s'", arg);
        break;
    case 'L':
        /* the range depends on --codec, which may come later: checked then */
        if (ota_parse_u64(arg, 1, 1000, &num) != OTA_OK)
            return sign_error(SX_USAGE, "bundle: --level wants a number (1..9 for deflate, "
                                        "1..19 for zstd)");
        o->level = (long) num;
        break;
    case 'j':
        if (ota_parse_u64(arg, 1, OTA_BUNDLE_MAX_JOBS, &num) != OTA_OK)
            return sign_error(SX_USAGE, "bundle: --jobs wants 1..%d", OTA_BUNDLE_MAX_JOBS);
        o->jobs = (long) num;
        break;
    case 'B':
        if (arg[0] == '\0')
            return sign_error(SX_USAGE, "bundle: --sbom wants a file or 'auto'");
        o->sbom = arg;
        break;
    case 'D': o->delta = true; break;
    case 'f': o->force = true; break;
    case 'q': o->quiet = true; break;
    case ':': return sign_error(SX_USAGE, "bundle: option %s needs a value", spelled);
    default: return sign_error(SX_USAGE, "bundle: unknown option '%s' (see --help)", spelled);
    }
    return BUNDLE_RUN;
}

/* The ids, checked here to name the one at fault (the writer checks again). */
static int
check_ids(const bundle_opts *o)
{
    const char *what = NULL, *bad = NULL;
    if (!ota_id_valid(o->name)) {
        what = "--name";
        bad = o->name;
    }
    for (size_t i = 0; bad == NULL && i < o->nhw; i++)
        if (!ota_id_valid(o->hardware[i])) {
            what = "--hardware";
            bad = o->hardware[i];
        }
    for (size_t i = 0; bad == NULL && i < o->nspecs; i++)
        if (!ota_id_valid(o->specs[i].name)) {
            what = "component name";
            bad = o->specs[i].name;
        }
    if (bad != NULL)
        return sign_error(SX_USAGE, "bundle: %s '%s' is not an id (%s)", what, bad, OTA_ID_RULE);
    return BUNDLE_RUN;
}

/* The time fields: given, or SOURCE_DATE_EPOCH, never the clock unless asked. */
static int
resolve_times(bundle_opts *o, const char *created_arg)
{
    int64_t sde = 0;
    bool have_sde = source_date_epoch(&sde);
    if (created_arg != NULL) {
        int64_t t;
        if (strcmp(created_arg, "now") == 0) {
            if (ota_time_format((int64_t) time(NULL), o->created) != OTA_OK)
                return sign_error(SX_FAIL, "bundle: clock out of range");
        } else if (ota_time_parse(created_arg, &t) == OTA_OK) {
            snprintf(o->created, sizeof o->created, "%s", created_arg);
        } else {
            return sign_error(SX_USAGE, "bundle: --created wants YYYY-MM-DDTHH:MM:SSZ or 'now'");
        }
    } else if (have_sde && ota_time_format(sde, o->created) != OTA_OK) {
        return sign_error(SX_USAGE, "bundle: SOURCE_DATE_EPOCH out of range");
    }
    if (o->mtime < 0)
        o->mtime = have_sde ? sde : 0;
    return BUNDLE_RUN;
}

static const spec *rootfs_spec(const bundle_opts *o);

/* argv into *o (BUNDLE_OPTS_INIT), every check and message of the command
 * line.  Returns BUNDLE_RUN, or the exit code (--help: 0).  bundle_opts_free
 * after either. */
static int
bundle_parse(int argc, char **argv, bundle_opts *o)
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
        {"codec", required_argument, NULL, 'Z'},
        {"level", required_argument, NULL, 'L'},
        {"jobs", required_argument, NULL, 'j'},
        {"sbom", required_argument, NULL, 'B'},
        {"delta", no_argument, NULL, 'D'},
        {"force", no_argument, NULL, 'f'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    if (sign_wants_help(argc, argv)) {
        help(stdout);
        return SX_OK;
    }
    o->hardware = calloc(OTA_BUNDLE_MAX_HARDWARE, sizeof *o->hardware);
    o->specs = calloc(MAX_SPECS, sizeof *o->specs);
    if (o->hardware == NULL || o->specs == NULL)
        return sign_fail(OTA_E_NOMEM, "bundle");
    const char *created_arg = NULL;
    int c, ret;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":n:V:H:c:o:j:fqh", opts, NULL)) != -1)
        if ((ret = bundle_option(c, optarg, argv[optind - 1], o, &created_arg)) != BUNDLE_RUN)
            return ret;
    if (optind != argc)
        return sign_error(SX_USAGE, "bundle: unexpected argument '%s'", argv[optind]);
    if (o->name == NULL || o->version == NULL || o->nhw == 0 || o->nspecs == 0 ||
        o->output == NULL)
        return sign_error(SX_USAGE, "bundle: --name, --version, --hardware, --component and -o "
                                    "are required (see --help)");
    if (ota_semver_check(o->version) != OTA_OK)
        return sign_error(SX_USAGE, "bundle: version '%s' is not %s", o->version,
                          OTA_VERSION_RULE);
    int lmin = 0, lmax = 0, ldef = 0;
    if (!ota_bundle_codec_levels(o->codec, &lmin, &lmax, &ldef))
        return sign_fail(OTA_E_ARG, "bundle: codec");
    if (o->level != 0 && (o->level < lmin || o->level > lmax))
        return sign_error(SX_USAGE, "bundle: --level %ld: %s wants %d..%d (default %d)", o->level,
                          ota_bundle_codec_name(o->codec), lmin, lmax, ldef);
    if ((ret = check_ids(o)) != BUNDLE_RUN || (ret = resolve_times(o, created_arg)) != BUNDLE_RUN)
        return ret;
    const char *slash = strrchr(o->output, '/');
    const char *base = slash ? slash + 1 : o->output;
    if (base[0] == '\0' || strcmp(base, ".") == 0 || strcmp(base, "..") == 0)
        return sign_error(SX_USAGE, "bundle: -o wants a file name, not '%s'", o->output);
    if (o->sbom != NULL && strcmp(o->sbom, "auto") == 0 && rootfs_spec(o) == NULL)
        return sign_error(SX_USAGE, "bundle: --sbom auto reads the package database of the "
                                    "rootfs component, and there is none (--component "
                                    "rootfs:NAME=DIR)");
    return BUNDLE_RUN;
}

/* ---- the package list (--sbom) ------------------------------------------------------------ */

/* The first component given as rootfs:NAME=DIR, or NULL. */
static const spec *
rootfs_spec(const bundle_opts *o)
{
    for (size_t i = 0; i < o->nspecs; i++)
        if (strcmp(o->specs[i].type, "rootfs") == 0)
            return &o->specs[i];
    return NULL;
}

/* Exit code for a list that could not be made: a missing file 6, a document
 * or database refused 20 (whatever the rule: JSON, schema, bound, link),
 * I/O 1. */
static int
sbom_exit(ota_err rc)
{
    switch (rc) {
    case OTA_E_NOT_FOUND: return SX_NOTFOUND;
    case OTA_E_IO: return SX_IO;
    case OTA_E_NOMEM: return SX_FAIL;
    default: return SX_INPUT;
    }
}

/* The list --sbom names into *s, before anything is written; *from says
 * where it came from (for the summary).  Returns an exit code. */
static int
load_sbom(const bundle_opts *o, ota_sbom *s, char *from, size_t from_cap)
{
    const char *why = NULL;
    ota_err rc;
    if (strcmp(o->sbom, "auto") == 0) {
        const spec *sp = rootfs_spec(o);
        const char *used = NULL;
        rc = ota_sbom_from_tree(sp->path, s, &used, &why);
        if (rc == OTA_E_NOT_FOUND && used == NULL)
            return sign_error(SX_NOTFOUND, "bundle: --sbom auto: %s (rootfs:%s) has no package "
                                           "database (var/lib/dpkg/status, usr/lib/opkg/status or "
                                           "var/lib/opkg/status); give --sbom FILE",
                              sp->path, sp->name);
        if (rc != OTA_OK)
            return sign_error(sbom_exit(rc), "bundle: --sbom auto: %s/%s: %s (%s)", sp->path,
                              used != NULL ? used : "?", why != NULL && why[0] ? why
                                                                              : ota_strerror(rc),
                              ota_err_name(rc));
        snprintf(from, from_cap, "%s/%s of rootfs:%s", sp->path, used, sp->name);
        return SX_OK;
    }
    uint8_t *doc = NULL;
    size_t len = 0;
    struct stat st;
    /* a directory, a FIFO, a device: refused input, never opened */
    if (stat(o->sbom, &st) == 0 && !S_ISREG(st.st_mode))
        return sign_error(SX_INPUT, "bundle: --sbom %s: not a regular file", o->sbom);
    rc = ota_file_read(o->sbom, OTA_SBOM_MAX_DOC_SIZE, &doc, &len);
    if (rc != OTA_OK)
        return sign_error(sbom_exit(rc), "bundle: --sbom %s: %s", o->sbom,
                          rc == OTA_E_LIMIT ? "larger than 16 MiB (OTA_SBOM_MAX_DOC_SIZE)"
                          : rc == OTA_E_IO  ? "not a readable regular file"
                                            : ota_strerror(rc));
    rc = ota_sbom_parse(doc, len, s, &why);
    free(doc);
    if (rc != OTA_OK)
        return sign_error(sbom_exit(rc), "bundle: --sbom %s: %s (%s)", o->sbom,
                          why != NULL && why[0] ? why : ota_strerror(rc), ota_err_name(rc));
    snprintf(from, from_cap, "%s", o->sbom);
    return SX_OK;
}

/* ---- run: bundle_opts -> the bundle file ------------------------------------------------ */

/* The hooks, then the components in order, into w.  Returns an exit code. */
static int
add_inputs(const bundle_opts *o, ota_bundle_writer *w, bu_progress *prog)
{
    ota_err rc;
    for (int i = 0; i < OTA_BUNDLE_NHOOKS; i++) {
        if (o->hook_path[i] == NULL)
            continue;
        uint8_t *script = NULL;
        size_t len = 0;
        rc = read_hook(o->hook_path[i], &script, &len);
        if (rc == OTA_OK) {
            rc = ota_bundle_writer_set_hook(w, (ota_bundle_hook) i, script, len);
            free(script);
        }
        if (rc != OTA_OK)
            return sign_fail(rc, "bundle: hook %s (at most %u bytes, not empty)", o->hook_path[i],
                             OTA_BUNDLE_MAX_HOOK);
    }
    for (size_t i = 0; i < o->nspecs; i++) {
        const spec *sp = &o->specs[i];
        if (strcmp(sp->type, "image") == 0)
            rc = ota_bundle_writer_add_image(w, sp->name, sp->path);
        else
            rc = ota_bundle_writer_add_tree(w, sp->name, sp->path,
                                            strcmp(sp->type, "rootfs") == 0);
        if (rc != OTA_OK) {
            bu_progress_done(prog);
            if (rc == OTA_E_ARG)
                return sign_error(SX_USAGE, "bundle: component '%s': %s", sp->name,
                                  ota_bundle_writer_error(w));
            if (ota_bundle_writer_error(w)[0] != '\0')
                return sign_error(sign_exit_code(rc), "bundle: component '%s': %s", sp->name,
                                  ota_bundle_writer_error(w));
            return sign_fail(rc, "bundle: component '%s'", sp->name);
        }
    }
    return SX_OK;
}

/* Build the bundle *o describes into a hidden temporary beside -o
 * (ota_atomic), committed at the end.  Returns the exit code. */
static int
bundle_run(const bundle_opts *o)
{
    const char *output = o->output, *slash = strrchr(output, '/');
    const char *base = slash ? slash + 1 : output;
    size_t dl = slash ? (size_t) (slash - output) : 0;
    ota_atomic dst = OTA_ATOMIC_INIT;
    ota_bundle_writer *w = NULL;
    ota_sbom sbom;
    memset(&sbom, 0, sizeof sbom);
    char sbom_from[1024] = "";
    int ret;
    char *dir = slash ? strndup(output, dl ? dl : 1) : strdup(".");
    if (dir == NULL) {
        ret = sign_fail(OTA_E_NOMEM, "bundle");
        goto out;
    }
    /* the list first: a refused SBOM leaves nothing behind */
    if (o->sbom != NULL && (ret = load_sbom(o, &sbom, sbom_from, sizeof sbom_from)) != SX_OK)
        goto out;
    struct stat st;
    if (!o->force && lstat(output, &st) == 0) {
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
    bu_progress_init(&prog, "bundle", 0, o->quiet);
    ota_bundle_writer_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.size = sizeof cfg;
    cfg.name = o->name;
    cfg.version = o->version;
    cfg.hardware = o->hardware;
    cfg.nhardware = o->nhw;
    cfg.created = o->created[0] ? o->created : NULL;
    cfg.mtime = o->mtime;
    cfg.chunk_size = (uint32_t) o->chunk;
    cfg.codec = o->codec;
    cfg.delta_trees = o->delta;
    cfg.level = (int) o->level;
    cfg.jobs = (unsigned) o->jobs;
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
    if ((ret = add_inputs(o, w, &prog)) != SX_OK)
        goto out;
    if (o->sbom != NULL && (rc = ota_bundle_writer_add_sbom(w, &sbom)) != OTA_OK) {
        bu_progress_done(&prog);
        ret = sign_error(sbom_exit(rc), "bundle: --sbom: %s", ota_bundle_writer_error(w));
        goto out;
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
    if ((rc = ota_atomic_commit(&dst, base, !o->force)) != OTA_OK) {
        ret = rc == OTA_E_EXISTS ? sign_error(SX_EXISTS, "bundle: %s exists", output)
                                 : sign_error(sign_exit_code(rc), "bundle: writing %s: %s", output,
                                              strerror(errno));
        goto out;
    }
    uint32_t format = ota_bundle_writer_format(w);
    if (!o->quiet) {
        char hex[65], h1[32];
        ota_hex_encode(head_sha, 32, hex);
        double secs = bu_now() - prog.start;
        int lmin = 0, lmax = 0, ldef = 0;
        (void) ota_bundle_codec_levels(o->codec, &lmin, &lmax, &ldef);
        printf("%s: %s %s, %s\n", output, o->name, o->version, ota_human_size(total, h1));
        printf("  format %u, %s level %ld%s\n", (unsigned) format, ota_bundle_codec_name(o->codec),
               o->level ? o->level : (long) ldef,
               format >= 2 ? " (devices need ota-client 0.2 or later)" : "");
        if (o->sbom != NULL)
            printf("  sbom: %s, %zu packages, from %s\n", sbom.source, sbom.npkgs, sbom_from);
        printf("  head: %llu bytes, sha256 %s\n", (unsigned long long) head_len, hex);
        printf("  input %s in %.2f s (%.0f MB/s)\n", ota_human_size(prog.done, h1), secs,
               secs > 0 ? (double) prog.done / secs / 1e6 : 0.0);
    }
    if (format == OTA_BUNDLE_FORMAT_DELTA)
        fprintf(stderr, "ota-sign: warning: %s is bundle format 4 (trees laid out for delta "
                        "updates): devices need an agent that reads format 4 (ota-client 0.2.0 "
                        "or later); older agents refuse it before downloading it\n",
                output);
    else if (format == OTA_BUNDLE_FORMAT_SBOM)
        fprintf(stderr, "ota-sign: warning: %s is bundle format 3 (it carries a package list): "
                        "devices need an agent that reads format 3 (ota-client 0.2.0 or later); "
                        "older agents refuse it before downloading it\n",
                output);
    ret = SX_OK;
out:
    ota_sbom_free(&sbom);
    ota_bundle_writer_free(w);
    ota_atomic_abort(&dst);
    free(dir);
    return ret;
}

int
cmd_bundle(int argc, char **argv)
{
    bundle_opts o = BUNDLE_OPTS_INIT;
    int ret = bundle_parse(argc, argv, &o);
    if (ret == BUNDLE_RUN)
        ret = bundle_run(&o);
    bundle_opts_free(&o);
    return ret;
}
