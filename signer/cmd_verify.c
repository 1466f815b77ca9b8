/* SPDX-License-Identifier: Apache-2.0 */
/* ota-sign verify: check a whole repository offline, as a client would. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "common.h"
#include "ota_bundle.h"
#include "ota_limits.h"
#include "ota_util.h"

static void
help(FILE *out)
{
    fprintf(out,
            "usage: ota-sign verify [-r REPO] [--trusted-root FILE] [--quiet]\n"
            "\n"
            "Checks the published repository the way a TUF client would, without network\n"
            "or keys, and reports every problem found: the chain of roots from version 1\n"
            "(or from FILE, e.g. the root your devices shipped with), each N+1.root.json\n"
            "signed by the old and the new root thresholds; timestamp, snapshot, targets\n"
            "and every delegated role: signatures, versions, lengths, hashes, expiry;\n"
            "and every target file against its length and SHA-256; a bundle's package list\n"
            "(format 3) against its entry's custom.ota_bundle.sbom.\n"
            "\n"
            "exit: 0 valid, 8 valid but something has expired, 4 invalid, 6 not a\n"
            "repository\n"
            "\n"
            "  -r, --repo DIR          the repository (default: current directory)\n"
            "      --trusted-root F    start the root chain from F instead of 1.root.json\n"
            "  -q, --quiet             print problems only\n");
}

typedef struct vctx {
    const char *meta_dir;
    const char *targets_dir;
    int64_t now;
    size_t problems, expired, checked;
    bool quiet;
} vctx;

__attribute__((format(printf, 3, 4))) static void
problem(vctx *v, bool is_expiry, const char *fmt, ...)
{
    va_list ap;
    fputs("problem: ", stdout);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    fputc('\n', stdout);
    if (is_expiry)
        v->expired++;
    else
        v->problems++;
}

static ota_err
read_meta(vctx *v, const char *name, uint8_t **buf, size_t *n)
{
    char *path = fs_join(v->meta_dir, name);
    ota_err rc = path ? ota_file_read(path, OTA_MAX_METADATA_SIZE, buf, n) : OTA_E_NOMEM;
    free(path);
    return rc;
}

static ota_md *
load(vctx *v, const char *name, ota_role_type t)
{
    uint8_t *buf = NULL;
    size_t n = 0;
    ota_md *md = NULL;
    ota_err rc = read_meta(v, name, &buf, &n);
    if (rc == OTA_OK)
        rc = ota_md_parse(buf, n, t, &md);
    if (rc != OTA_OK)
        problem(v, false, "%s: %s", name, ota_strerror(rc));
    free(buf);
    return md;
}

static void
check_expiry(vctx *v, const char *name, const ota_md *md)
{
    if (ota_md_check_expiry(md, v->now) != OTA_OK)
        problem(v, true, "%s expired at %s", name,
                json_string_value(json_object_get(md->signed_obj, "expires")));
}

static void
check_sig(vctx *v, const char *name, const ota_md *delegator, const char *role, const ota_md *md)
{
    size_t nvalid = 0;
    ota_err rc = ota_md_verify_role(delegator, role, md, &nvalid);
    if (rc != OTA_OK)
        problem(v, false, "%s: %s (%zu valid signatures)", name, ota_strerror(rc), nvalid);
    v->checked++;
}

/* A file's bytes against a meta entry (length and hashes when present). */
static void
check_meta_bytes(vctx *v, const char *name, const uint8_t *buf, size_t n, const ota_metafile *m)
{
    switch (ota_metafile_check(m, buf, n)) {
    case OTA_OK: return;
    case OTA_E_LENGTH:
        problem(v, false, "%s: length %zu, snapshot/timestamp says %lld", name, n,
                (long long) m->length);
        return;
    case OTA_E_UNSUPPORTED:
        problem(v, false, "%s: its parent lists no sha256 or sha512 hash", name);
        return;
    default: problem(v, false, "%s: hash differs from the one its parent lists", name); return;
    }
}

/* Load the file a meta entry names and check it against the entry. */
static ota_md *
load_entry(vctx *v, bool consistent, const char *role, const ota_metafile *m, ota_role_type t)
{
    char name[OTA_MAX_ROLE_NAME_LEN + 40];
    repo_role_file(consistent, name, sizeof name, role, m->version);
    uint8_t *buf = NULL;
    size_t n = 0;
    ota_md *md = NULL;
    ota_err rc = read_meta(v, name, &buf, &n);
    if (rc == OTA_OK) {
        check_meta_bytes(v, name, buf, n, m);
        rc = ota_md_parse(buf, n, t, &md);
    }
    if (rc != OTA_OK)
        problem(v, false, "%s: %s", name, ota_strerror(rc));
    else if (md->version != m->version)
        problem(v, false, "%s: version %lld, its parent lists %lld", name,
                (long long) md->version, (long long) m->version);
    free(buf);
    return md;
}

/* A bundle of format 3 (its file already matched the signed length and
 * hash): the package list it carries against custom.ota_bundle.sbom, both
 * ways — a list the entry does not name, a named one that is not there or
 * differs in source, count or SHA-256. */
static void
check_bundle_sbom(vctx *v, const ota_target *t, const char *file)
{
    const json_t *b = json_object_get(t->custom, "ota_bundle");
    const json_t *named = json_object_get(b, "sbom");
    uint64_t hl = 0;
    uint8_t hs[32];
    if (!json_is_object(b) || ota_bundle_custom_head(t->custom, &hl, hs) != OTA_OK)
        return; /* not a bundle this verifier reads: the file's hash was checked */
    if (named == NULL && json_integer_value(json_object_get(b, "format")) < 3)
        return;
    int fd = open(file, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        problem(v, false, "target %s: %s: %s", t->path, file, strerror(errno));
        return;
    }
    ota_sbom s;
    const char *why = "";
    ota_err rc = ota_bundle_sbom_read(fd, hs, &s, &why);
    close(fd);
    if (rc == OTA_E_NOT_FOUND && named == NULL)
        return;
    if (rc != OTA_OK) {
        problem(v, false, "target %s: package list: %s (%s)", t->path, why, ota_err_name(rc));
        return;
    }
    uint8_t *list = NULL, d[32];
    size_t len = 0;
    char hex[65] = "";
    if (ota_sbom_encode(&s, &list, &len) == OTA_OK) {
        ota_sha256(list, len, d);
        ota_hex_encode(d, 32, hex);
    }
    free(list);
    const char *src = json_string_value(json_object_get(named, "source"));
    const char *sha = json_string_value(json_object_get(named, "sha256"));
    const json_t *np = json_object_get(named, "packages");
    if (named == NULL)
        problem(v, false, "target %s: the bundle carries a package list its entry does not "
                          "name (custom.ota_bundle.sbom)", t->path);
    else if (src == NULL || sha == NULL || !json_is_integer(np) || strcmp(src, s.source) != 0 ||
             strcmp(sha, hex) != 0 || json_integer_value(np) != (json_int_t) s.npkgs)
        problem(v, false, "target %s: custom.ota_bundle.sbom does not describe the bundle's "
                          "package list (%s, %zu packages, sha256 %s)", t->path, s.source,
                s.npkgs, hex);
    ota_sbom_free(&s);
}

static void
check_targets_files(vctx *v, bool consistent, const char *role, const ota_md *md)
{
    for (size_t i = 0; i < md->ntargets; i++) {
        const ota_target *t = &md->targets[i];
        if (!repo_target_path_ok(t->path)) {
            problem(v, false, "%s: target path '%s' is unsafe", role, t->path);
            continue;
        }
        if (!t->hashes.has_sha256) {
            problem(v, false, "%s: target %s has no sha256", role, t->path);
            continue;
        }
        char *file = repo_target_file(v->targets_dir, consistent, t->path, t->hashes.sha256);
        if (file == NULL)
            return;
        uint64_t len = 0;
        uint8_t h256[32], h512[64];
        /* SHA-512 only when the metadata lists one (it costs as much again) */
        ota_err rc = fs_hash_file(file, &len, h256, t->hashes.has_sha512 ? h512 : NULL);
        if (rc != OTA_OK)
            problem(v, false, "target %s: %s: %s", t->path, file, ota_strerror(rc));
        else if ((int64_t) len != t->length || memcmp(h256, t->hashes.sha256, 32) != 0 ||
                 (t->hashes.has_sha512 && memcmp(h512, t->hashes.sha512, 64) != 0))
            problem(v, false, "target %s: file %s does not match its length/hash", t->path,
                    file);
        else if (t->custom != NULL)
            check_bundle_sbom(v, t, file);
        free(file);
        v->checked++;
    }
}

/* Walk the root chain; returns the newest trusted root. */
static ota_md *
root_chain(vctx *v, const char *trusted)
{
    ota_md *root = NULL;
    uint8_t *buf = NULL;
    size_t n = 0;
    ota_err rc = trusted ? ota_file_read(trusted, OTA_MAX_ROOT_SIZE, &buf, &n)
                         : read_meta(v, "1.root.json", &buf, &n);
    if (rc == OTA_OK)
        rc = ota_md_parse(buf, n, OTA_ROLE_ROOT, &root);
    free(buf);
    buf = NULL; /* the loop below frees it after each read, failed or not */
    if (rc != OTA_OK) {
        problem(v, false, "%s: %s", trusted ? trusted : "1.root.json", ota_strerror(rc));
        return NULL;
    }
    check_sig(v, "trusted root", root, "root", root);
    for (int i = 0; i < OTA_MAX_ROOT_ROTATIONS * 8; i++) {
        char name[32];
        snprintf(name, sizeof name, "%lld.root.json", (long long) root->version + 1);
        ota_md *next = NULL;
        rc = read_meta(v, name, &buf, &n);
        if (rc == OTA_E_NOT_FOUND)
            break;
        if (rc == OTA_OK)
            rc = ota_md_parse(buf, n, OTA_ROLE_ROOT, &next);
        free(buf);
        buf = NULL;
        if (rc != OTA_OK) {
            problem(v, false, "%s: %s", name, ota_strerror(rc));
            break;
        }
        size_t a = 0, b = 0;
        bool ok = ota_md_verify_role(root, "root", next, &a) == OTA_OK &&
                  ota_md_verify_role(next, "root", next, &b) == OTA_OK;
        if (!ok || next->version != root->version + 1) {
            problem(v, false, "%s: not a valid successor (%zu old-key and %zu new-key "
                              "signatures, version %lld)",
                    name, a, b, (long long) next->version);
            ota_md_free(next);
            break;
        }
        v->checked++;
        ota_md_free(root);
        root = next;
    }
    if (!v->quiet)
        printf("root: chain verified up to version %lld\n", (long long) root->version);
    return root;
}

int
cmd_verify(int argc, char **argv)
{
    enum { O_TRUSTED = 0x300 };
    static const struct option opts[] = {
        {"repo", required_argument, NULL, 'r'},
        {"trusted-root", required_argument, NULL, O_TRUSTED},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *dir = ".", *trusted = NULL;
    bool quiet = false;
    int c;
    while ((c = getopt_long(argc, argv, "r:qh", opts, NULL)) != -1) {
        switch (c) {
        case 'r': dir = optarg; break;
        case O_TRUSTED: trusted = optarg; break;
        case 'q': quiet = true; break;
        case 'h': help(stdout); return SX_OK;
        default: help(stderr); return SX_USAGE;
        }
    }
    if (optind != argc) {
        help(stderr);
        return SX_USAGE;
    }
    char *meta_dir = fs_join(dir, "metadata"), *targets_dir = fs_join(dir, "targets");
    vctx v = {.meta_dir = meta_dir, .targets_dir = targets_dir, .now = (int64_t) time(NULL),
              .quiet = quiet};
    ota_md *root = NULL, *ts = NULL, *snap = NULL;
    ota_md **roles = NULL;
    const char **names = NULL;
    size_t nroles = 0;
    if (meta_dir == NULL || targets_dir == NULL)
        goto done;
    {
        /* a directory that is not a repository at all: say so, as status does */
        struct stat st;
        char *plain = fs_join(meta_dir, "root.json");
        bool is_repo = plain != NULL && stat(plain, &st) == 0;
        free(plain);
        if (!is_repo) {
            free(meta_dir);
            free(targets_dir);
            return sign_error(SX_NOREPO, "%s is not an ota repository (no metadata/root.json)", dir);
        }
    }
    if ((root = root_chain(&v, trusted)) == NULL)
        goto done;
    check_expiry(&v, "root", root);
    {
        /* the unversioned root.json must be the newest root */
        ota_md *plain = load(&v, "root.json", OTA_ROLE_ROOT);
        if (plain != NULL && plain->version != root->version)
            problem(&v, false, "root.json is version %lld, the chain ends at %lld",
                    (long long) plain->version, (long long) root->version);
        ota_md_free(plain);
    }
    bool cs = root->consistent_snapshot;
    if ((ts = load(&v, "timestamp.json", OTA_ROLE_TIMESTAMP)) == NULL)
        goto done;
    check_sig(&v, "timestamp.json", root, "timestamp", ts);
    check_expiry(&v, "timestamp", ts);
    const ota_metafile *sm = ota_md_find_meta(ts, "snapshot.json");
    if ((snap = load_entry(&v, cs, "snapshot", sm, OTA_ROLE_SNAPSHOT)) == NULL)
        goto done;
    check_sig(&v, "snapshot", root, "snapshot", snap);
    check_expiry(&v, "snapshot", snap);

    roles = calloc(snap->nmeta + 1, sizeof *roles);
    names = calloc(snap->nmeta + 1, sizeof *names);
    if (roles == NULL || names == NULL)
        goto done;
    const ota_metafile *tm = ota_md_find_meta(snap, "targets.json");
    if (tm == NULL) {
        problem(&v, false, "snapshot does not list targets.json");
        goto done;
    }
    /* targets first, then delegated roles breadth-first from their delegators */
    names[0] = "targets";
    if ((roles[0] = load_entry(&v, cs, "targets", tm, OTA_ROLE_TARGETS)) == NULL)
        goto done;
    check_sig(&v, "targets", root, "targets", roles[0]);
    check_expiry(&v, "targets", roles[0]);
    nroles = 1;
    for (size_t i = 0; i < nroles; i++) {
        for (size_t j = 0; j < roles[i]->ndels && nroles <= snap->nmeta; j++) {
            const char *dn = roles[i]->dels[j].name;
            bool seen = false;
            for (size_t k = 0; k < nroles; k++)
                seen = seen || strcmp(names[k], dn) == 0;
            if (seen)
                continue;
            char fname[OTA_MAX_ROLE_NAME_LEN + 8];
            snprintf(fname, sizeof fname, "%s.json", dn);
            const ota_metafile *m = ota_md_find_meta(snap, fname);
            if (m == NULL) {
                problem(&v, false, "%s delegates to %s, which snapshot does not list", names[i],
                        dn);
                continue;
            }
            ota_md *md = load_entry(&v, cs, dn, m, OTA_ROLE_TARGETS);
            if (md == NULL)
                continue;
            check_sig(&v, dn, roles[i], dn, md);
            check_expiry(&v, dn, md);
            names[nroles] = dn;
            roles[nroles++] = md;
        }
    }
    if (nroles < snap->nmeta)
        problem(&v, false, "snapshot lists %zu roles, %zu are reachable by delegation",
                snap->nmeta, nroles);
    for (size_t i = 0; i < nroles; i++)
        check_targets_files(&v, cs, names[i], roles[i]);
done:;
    bool failed = root == NULL || v.problems > 0;
    if (!quiet || v.problems || v.expired)
        printf("%s: %zu checks, %zu problem(s), %zu expired\n", dir, v.checked, v.problems,
               v.expired);
    for (size_t i = 0; i < nroles; i++)
        ota_md_free(roles[i]);
    free(roles);
    free(names);
    ota_md_free(snap);
    ota_md_free(ts);
    ota_md_free(root);
    free(meta_dir);
    free(targets_dir);
    if (failed)
        return SX_VERIFY;
    return v.expired ? SX_EXPIRED : SX_OK;
}
