/* SPDX-License-Identifier: Apache-2.0 */
/* ota-sign inspect: show a bundle's header, manifest and chunk table. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bundle_util.h"
#include "cli.h"
#include "ota_bundle.h"
#include "ota_json.h"
#include "ota_util.h"

static void
help(FILE *out)
{
    fprintf(out,
            "usage: ota-sign inspect [--json] [--chunks] FILE\n"
            "       ota-sign inspect --sbom FILE\n"
            "\n"
            "Shows what a bundle contains: name, version, format and chunk compression\n"
            "(deflate or zstd), hardware ids, components, hooks, chunk size and count, and\n"
            "the head (header + manifest + table) length and SHA-256 that `ota-sign add` puts into the targets metadata.  Checks the head's\n"
            "structure and internal digest only; `ota-sign verify-bundle` checks every chunk.\n"
            "A bundle of format 3 carries a package list (SBOM): its chunks are read and\n"
            "checked against the head, and its source and package count shown.\n"
            "\n"
            "      --json       one JSON object on stdout (keys sorted)\n"
            "      --chunks     also list every chunk (index, component, offset, lengths,\n"
            "                   SHA-256 of the stored and of the uncompressed bytes)\n"
            "      --sbom       print the bundle's package list (canonical JSON,\n"
            "                   formats/SBOM.md) and nothing else\n"
            "\n"
            "Exit: 0 ok, 2 usage, 4 not a bundle or a damaged one (a package list that does\n"
            "not match the head included), 6 no package list (--sbom), 1 file system.\n");
}

static const char *
ctype(ota_bundle_ctype t)
{
    return ota_bundle_ctype_name(t);
}

/* The package list of a format-3 bundle, read and checked against the head
 * (the head's own hash: inspect has no signed anchor).  OTA_E_NOT_FOUND
 * when it carries none. */
static ota_err
read_sbom(const char *path, const ota_bundle_head *h, ota_sbom *s, const char **why)
{
    memset(s, 0, sizeof *s);
    const ota_bundle_manifest *m = h->manifest;
    if (m->ncomponents == 0 || m->components[m->ncomponents - 1].type != OTA_BUNDLE_SBOM) {
        *why = "the bundle carries no package list";
        return OTA_E_NOT_FOUND;
    }
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        *why = strerror(errno);
        return OTA_E_IO;
    }
    ota_err rc = ota_bundle_sbom_read(fd, h->head_sha256, s, why);
    close(fd);
    return rc;
}

/* sha256 hex of the list's canonical bytes (the component's bytes) */
static ota_err
sbom_sha(const ota_sbom *s, char hex[65])
{
    uint8_t *list = NULL, d[32];
    size_t len = 0;
    ota_err rc = ota_sbom_encode(s, &list, &len);
    if (rc != OTA_OK)
        return rc;
    ota_sha256(list, len, d);
    ota_hex_encode(d, 32, hex);
    free(list);
    return OTA_OK;
}

/* Compressed bytes of component ci. */
static uint64_t
stored_bytes(const ota_bundle_head *h, size_t ci)
{
    const ota_bundle_component *c = &h->manifest->components[ci];
    uint64_t sum = 0;
    for (uint32_t i = c->first_chunk; i < c->first_chunk + c->nchunks; i++) {
        ota_bundle_chunk ch;
        if (ota_bundle_head_chunk(h, i, &ch) == OTA_OK)
            sum += ch.clen;
    }
    return sum;
}

static json_t *
to_json(const ota_bundle_head *h, bool chunks, const ota_sbom *sbom)
{
    const ota_bundle_manifest *m = h->manifest;
    char hex[65];
    json_t *o = json_object(), *hw = json_array(), *cs = json_array();
    if (o == NULL || hw == NULL || cs == NULL)
        goto fail;
    for (size_t i = 0; i < m->nhardware; i++)
        json_array_append_new(hw, json_string(m->hardware[i]));
    for (size_t i = 0; i < m->ncomponents; i++) {
        const ota_bundle_component *c = &m->components[i];
        json_t *co = json_pack("{s:s, s:s, s:I, s:I, s:I, s:I}", "name", c->name, "type",
                               ctype(c->type), "size", (json_int_t) c->size, "stored",
                               (json_int_t) stored_bytes(h, i), "first_chunk",
                               (json_int_t) c->first_chunk, "chunks", (json_int_t) c->nchunks);
        if (co == NULL)
            goto fail;
        if (c->type == OTA_BUNDLE_TREE) {
            json_object_set_new(co, "entries", json_integer((json_int_t) c->entries));
            json_object_set_new(co, "unpacked", json_integer((json_int_t) c->unpacked));
            json_object_set_new(co, "rootfs", json_boolean(c->rootfs));
            if (c->mtime >= 0) /* format 4: the delta layout */
                json_object_set_new(co, "mtime", json_integer((json_int_t) c->mtime));
        }
        json_array_append_new(cs, co);
    }
    ota_hex_encode(h->head_sha256, 32, hex);
    json_object_set_new(o, "format", json_integer(m->format));
    json_object_set_new(o, "compression", json_string(ota_bundle_codec_name(m->codec)));
    json_object_set_new(o, "name", json_string(m->name));
    json_object_set_new(o, "version", json_string(m->version));
    if (m->created)
        json_object_set_new(o, "created", json_string(m->created));
    json_object_set(o, "hardware", hw);
    json_object_set(o, "components", cs);
    json_object_set_new(o, "chunk_size", json_integer(m->chunk_size));
    json_object_set_new(o, "chunks", json_integer(m->nchunks));
    json_object_set_new(o, "head_length", json_integer((json_int_t) h->head_len));
    json_object_set_new(o, "head_sha256", json_string(hex));
    json_object_set_new(o, "manifest_length", json_integer((json_int_t) h->header.manifest_len));
    json_object_set_new(o, "payload_length", json_integer((json_int_t) h->header.payload_len));
    json_object_set_new(o, "length", json_integer((json_int_t) h->total_len));
    json_t *hooks = json_object();
    for (int i = 0; i < OTA_BUNDLE_NHOOKS && hooks; i++) {
        if (m->hook[i] == NULL)
            continue;
        uint8_t d[32];
        ota_sha256(m->hook[i], m->hook_len[i], d);
        ota_hex_encode(d, 32, hex);
        json_object_set_new(hooks, i == 0 ? "pre-install" : "post-install",
                            json_pack("{s:I, s:s}", "length", (json_int_t) m->hook_len[i],
                                      "sha256", hex));
    }
    if (hooks)
        json_object_set_new(o, "hooks", hooks);
    if (sbom != NULL && sbom_sha(sbom, hex) == OTA_OK)
        json_object_set_new(o, "sbom", json_pack("{s:s, s:I, s:s}", "source", sbom->source,
                                                 "packages", (json_int_t) sbom->npkgs, "sha256",
                                                 hex));
    if (chunks) {
        json_t *arr = json_array();
        uint64_t off = h->head_len;
        for (uint32_t i = 0; arr && i < m->nchunks; i++) {
            ota_bundle_chunk ch;
            char ch1[65], ch2[65];
            if (ota_bundle_head_chunk(h, i, &ch) != OTA_OK)
                break;
            ota_hex_encode(ch.csha, 32, ch1);
            ota_hex_encode(ch.usha, 32, ch2);
            json_array_append_new(
                arr, json_pack("{s:I, s:s, s:I, s:I, s:I, s:I, s:s, s:s}", "index",
                               (json_int_t) i, "component", m->components[ch.component].name,
                               "offset", (json_int_t) off, "component_offset",
                               (json_int_t) ch.comp_offset, "stored", (json_int_t) ch.clen,
                               "size", (json_int_t) ch.ulen, "stored_sha256", ch1, "sha256",
                               ch2));
            off += ch.clen;
        }
        json_object_set_new(o, "chunk_table", arr);
    }
    json_decref(hw);
    json_decref(cs);
    return o;
fail:
    json_decref(o);
    json_decref(hw);
    json_decref(cs);
    return NULL;
}

static void
print_human(const ota_bundle_head *h, bool chunks, const ota_sbom *sbom)
{
    const ota_bundle_manifest *m = h->manifest;
    char hex[65], a[32], b[32];
    printf("bundle      %s %s (format %u)\n", m->name, m->version, m->format);
    printf("compression %s%s\n", ota_bundle_codec_name(m->codec),
           m->format >= 2 ? " (format 2 and later: devices need ota-client 0.2 or later)" : "");
    printf("hardware   ");
    for (size_t i = 0; i < m->nhardware; i++)
        printf(" %s", m->hardware[i]);
    printf("\ncreated     %s\n", m->created ? m->created : "(not recorded)");
    printf("length      %llu bytes (%s)\n", (unsigned long long) h->total_len,
           ota_human_size(h->total_len, a));
    ota_hex_encode(h->head_sha256, 32, hex);
    printf("head        %llu bytes, sha256 %s\n", (unsigned long long) h->head_len, hex);
    printf("chunks      %u of %s\n", m->nchunks, ota_human_size(m->chunk_size, a));
    printf("components  %zu\n", m->ncomponents);
    for (size_t i = 0; i < m->ncomponents; i++) {
        const ota_bundle_component *c = &m->components[i];
        uint64_t st = stored_bytes(h, i);
        printf("  %-16s %-5s %10s -> %10s (%5.1f%%)  chunks %u..%u", c->name, ctype(c->type),
               ota_human_size(c->size, a), ota_human_size(st, b),
               c->size ? 100.0 * (double) st / (double) c->size : 100.0, c->first_chunk,
               c->nchunks ? c->first_chunk + c->nchunks - 1 : c->first_chunk);
        if (c->type == OTA_BUNDLE_TREE)
            printf("  %llu entries, %s of files%s", (unsigned long long) c->entries,
                   ota_human_size(c->unpacked, a), c->rootfs ? ", rootfs" : "");
        if (c->type == OTA_BUNDLE_TREE && c->mtime >= 0)
            printf(", delta layout");
        printf("\n");
    }
    for (int i = 0; i < OTA_BUNDLE_NHOOKS; i++) {
        if (m->hook[i] == NULL)
            continue;
        uint8_t d[32];
        ota_sha256(m->hook[i], m->hook_len[i], d);
        ota_hex_encode(d, 32, hex);
        printf("hook        %s: %zu bytes, sha256 %s\n", i == 0 ? "pre-install" : "post-install",
               m->hook_len[i], hex);
    }
    if (sbom != NULL && sbom_sha(sbom, hex) == OTA_OK)
        printf("sbom        %s, %zu packages, sha256 %s\n", sbom->source, sbom->npkgs, hex);
    if (chunks) {
        printf("%-7s %-16s %12s %9s %9s  %s\n", "index", "component", "offset", "stored", "size",
               "stored sha256");
        uint64_t off = h->head_len;
        for (uint32_t i = 0; i < m->nchunks; i++) {
            ota_bundle_chunk ch;
            if (ota_bundle_head_chunk(h, i, &ch) != OTA_OK)
                break;
            ota_hex_encode(ch.csha, 32, hex);
            printf("%-7u %-16s %12llu %9u %9u  %s\n", i, m->components[ch.component].name,
                   (unsigned long long) off, ch.clen, ch.ulen, hex);
            off += ch.clen;
        }
    }
}

int
cmd_inspect(int argc, char **argv)
{
    static const struct option opts[] = {
        {"json", no_argument, NULL, 'J'},
        {"chunks", no_argument, NULL, 'C'},
        {"sbom", no_argument, NULL, 'S'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    bool json = false, chunks = false, list = false;
    int c;
    if (sign_wants_help(argc, argv)) {
        help(stdout);
        return SX_OK;
    }
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'J': json = true; break;
        case 'C': chunks = true; break;
        case 'S': list = true; break;
        default:
            return sign_error(SX_USAGE, "inspect: unknown option '%s' (see --help)",
                              argv[optind - 1]);
        }
    }
    if (argc - optind != 1)
        return sign_error(SX_USAGE, "inspect: want exactly one FILE (see --help)");
    if (list && (json || chunks))
        return sign_error(SX_USAGE, "inspect: --sbom prints the package list alone (no --json "
                                    "or --chunks)");
    const char *path = argv[optind];
    ota_bundle_head *h = NULL;
    ota_err rc = ota_bundle_head_read_file(path, &h);
    if (rc == OTA_E_FORMAT)
        return sign_error(SX_VERIFY, "inspect: %s: not an ota bundle", path);
    if (rc != OTA_OK)
        return sign_fail(rc, "inspect: %s: damaged or unsupported bundle", path);
    int ret = SX_OK;
    ota_sbom sbom;
    const char *why = "";
    rc = read_sbom(path, h, &sbom, &why);
    bool have = rc == OTA_OK;
    if (rc == OTA_E_NOT_FOUND && list) {
        ret = sign_error(SX_NOTFOUND, "inspect: %s: %s (bundle format %u)", path, why,
                         h->manifest->format);
        goto out;
    }
    if (rc != OTA_OK && rc != OTA_E_NOT_FOUND) {
        ret = sign_error(rc == OTA_E_IO || rc == OTA_E_NOMEM ? SX_IO : SX_VERIFY,
                         "inspect: %s: package list: %s (%s)", path, why, ota_err_name(rc));
        goto out;
    }
    if (list) {
        uint8_t *bytes = NULL;
        size_t len = 0;
        if ((rc = ota_sbom_encode(&sbom, &bytes, &len)) != OTA_OK)
            ret = sign_fail(rc, "inspect");
        else if (fwrite(bytes, 1, len, stdout) != len || putchar('\n') == EOF)
            ret = sign_error(SX_IO, "inspect: writing the list: %s", strerror(errno));
        free(bytes);
    } else if (json) {
        json_t *o = to_json(h, chunks, have ? &sbom : NULL);
        char *s = o ? json_dumps(o, JSON_SORT_KEYS | JSON_INDENT(1)) : NULL;
        if (s == NULL)
            ret = sign_fail(OTA_E_NOMEM, "inspect");
        else
            printf("%s\n", s);
        free(s);
        json_decref(o);
    } else {
        print_human(h, chunks, have ? &sbom : NULL);
    }
out:
    ota_sbom_free(&sbom);
    ota_bundle_head_free(h);
    return ret;
}
