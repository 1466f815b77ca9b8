/* SPDX-License-Identifier: Apache-2.0 */
/* ota-sign status: expiry report per role, with an exit code for monitoring. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "common.h"
#include "release.h"

static void
help(FILE *out)
{
    fprintf(out,
            "usage: ota-sign status [-r REPO] [--warn DUR] [--json]\n"
            "\n"
            "Lists each role's version and expiry (\"timestamp expires in 3 h\"), the\n"
            "release policy (formats/RELEASE.md): version floors and each bundle's\n"
            "channels, rollout and downgrade, and any staged metadata waiting for\n"
            "signatures.  A role warns when less than a third of its validity period is\n"
            "left (or less than DUR with --warn).\n"
            "\n"
            "exit: 0 all fine, 7 something expires soon, 8 something has expired\n"
            "\n"
            "  -r, --repo DIR     the repository (default: current directory)\n"
            "      --warn DUR     warn when less than DUR is left (e.g. 12h, 7d)\n"
            "      --json         machine-readable output\n");
}

typedef struct status_ctx {
    int64_t now, warn;
    bool json;
    json_t *out;
    int worst; /* SX_OK, SX_WARN, SX_EXPIRED */
} status_ctx;

static void
report(status_ctx *s, const char *role, const ota_md *md, int64_t period)
{
    int64_t left = md->expires - s->now;
    int64_t warn = s->warn > 0 ? s->warn : period / 3;
    const char *state = left <= 0 ? "expired" : left < warn ? "expires soon" : "ok";
    int code = left <= 0 ? SX_EXPIRED : left < warn ? SX_WARN : SX_OK;
    if (code == SX_EXPIRED || (code == SX_WARN && s->worst == SX_OK))
        s->worst = code;
    const char *exp = json_string_value(json_object_get(md->signed_obj, "expires"));
    if (s->json) {
        json_array_append_new(json_object_get(s->out, "roles"),
                              json_pack("{s:s, s:I, s:s, s:I, s:s}", "role", role, "version",
                                        (json_int_t) md->version, "expires", exp,
                                        "seconds_left", (json_int_t) left, "state", state));
        return;
    }
    char h[32];
    human_duration(left, h, sizeof h);
    printf("%-12s v%-5lld expires %s  %s %s%s\n", role, (long long) md->version, exp,
           left > 0 ? "in" : "since", h, code == SX_OK ? "" : code == SX_WARN ? "  WARNING"
                                                                               : "  EXPIRED");
}

/* Floors of the top-level targets role, and the release policy of every
 * bundle target in every targets role. */
static void
report_policy(status_ctx *s, repo *r)
{
    const repo_role *top = repo_role_get(r, "targets");
    const json_t *policy = top ? json_object_get(top->md->signed_obj, "ota_policy") : NULL;
    const char *why = policy ? ota_policy_invalid(policy) : NULL;
    const json_t *floors = why ? NULL : json_object_get(policy, "floors");
    if (s->json) {
        json_object_set_new(s->out, "floors", floors ? json_deep_copy(floors) : json_object());
        if (why != NULL)
            json_object_set_new(s->out, "ota_policy_invalid", json_string(why));
    } else if (why != NULL)
        printf("ota_policy   INVALID: %s (clients refuse this targets metadata)\n", why);
    const char *name;
    const json_t *v;
    if (!s->json)
        json_object_foreach((json_t *) floors, name, v)
            printf("floor        %s >= %s\n", name, json_string_value(v));
    for (size_t i = 0; i < r->nroles; i++) {
        const ota_md *md = r->roles[i].md;
        for (size_t j = 0; j < md->ntargets; j++) {
            const ota_target *t = &md->targets[j];
            const json_t *b = json_object_get(t->custom, "ota_bundle");
            const json_t *rel = json_object_get(t->custom, "ota_release");
            if (!json_is_object(b))
                continue;
            const char *bname = json_string_value(json_object_get(b, "name"));
            const char *bver = json_string_value(json_object_get(b, "version"));
            const char *bad = ota_release_invalid(rel);
            if (s->json) {
                json_t *o = json_pack("{s:s, s:s, s:s?, s:s?, s:O?, s:b}", "target", t->path,
                                      "role", r->roles[i].name, "name", bname, "version", bver,
                                      "ota_release", rel, "valid", bad == NULL);
                if (o != NULL && bad != NULL)
                    json_object_set_new(o, "invalid", json_string(bad));
                json_array_append_new(json_object_get(s->out, "releases"), o);
                continue;
            }
            char *d = release_describe(rel);
            printf("release      %s: %s %s, %s%s%s%s\n", t->path, bname ? bname : "?",
                   bver ? bver : "?", d ? d : "?", rel ? "" : " (defaults)",
                   top == &r->roles[i] ? "" : ", role ",
                   top == &r->roles[i] ? "" : r->roles[i].name);
            free(d);
        }
    }
}

int
cmd_status(int argc, char **argv)
{
    enum { O_WARN = 0x300, O_JSON };
    static const struct option opts[] = {
        {"repo", required_argument, NULL, 'r'},
        {"warn", required_argument, NULL, O_WARN},
        {"json", no_argument, NULL, O_JSON},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    common_opts co = {0};
    status_ctx s = {0};
    int c;
    while ((c = getopt_long(argc, argv, "r:h", opts, NULL)) != -1) {
        switch (c) {
        case 'r': co.repo = optarg; break;
        case O_WARN:
            if (parse_duration(optarg, &s.warn) != OTA_OK)
                return sign_error(SX_USAGE, "bad duration '%s'", optarg);
            break;
        case O_JSON: s.json = true; break;
        case 'h': help(stdout); return SX_OK;
        default: help(stderr); return SX_USAGE;
        }
    }
    if (optind != argc) {
        help(stderr);
        return SX_USAGE;
    }
    repo r;
    int ret = common_open_readonly(&co, &r);
    if (ret != SX_OK) {
        repo_close(&r);
        return ret;
    }
    s.now = r.now;
    s.out = json_pack("{s:[], s:[], s:[]}", "roles", "staged", "releases");
    if (r.root != NULL) {
        report(&s, "root", r.root, r.expires[OTA_ROLE_ROOT]);
        report(&s, "timestamp", r.timestamp, r.expires[OTA_ROLE_TIMESTAMP]);
        report(&s, "snapshot", r.snapshot, r.expires[OTA_ROLE_SNAPSHOT]);
        for (size_t i = 0; i < r.nroles; i++)
            report(&s, r.roles[i].name, r.roles[i].md, r.expires[OTA_ROLE_TARGETS]);
        report_policy(&s, &r);
    }
    size_t nstaged = 0;
    ota_err rc = repo_load_staged(&r, &nstaged);
    if (rc == OTA_OK && nstaged > 0) {
        /* what each staged file still needs */
        for (size_t i = 0; i <= r.nroles; i++) {
            const ota_md *md = NULL, *d = NULL;
            const char *name;
            if (i == r.nroles) {
                if (!r.root_changed)
                    break;
                md = r.root;
                d = r.old_root ? r.old_root : r.root;
                name = "root";
            } else {
                if (!r.roles[i].changed)
                    continue;
                md = r.roles[i].md;
                d = repo_delegator_of(&r, r.roles[i].name);
                name = r.roles[i].name;
            }
            size_t nvalid = 0;
            bool ok = d != NULL && ota_md_verify_role(d, name, md, &nvalid) == OTA_OK;
            if (ok && i == r.nroles && r.old_root != NULL)
                ok = ota_md_verify_role(r.root, "root", md, &nvalid) == OTA_OK;
            if (s.json)
                json_array_append_new(json_object_get(s.out, "staged"),
                                      json_pack("{s:s, s:I, s:b}", "role", name, "version",
                                                (json_int_t) md->version, "ready", ok));
            else
                printf("staged: %s v%lld — %s\n", name, (long long) md->version,
                       ok ? "signatures complete: run 'ota-sign publish'"
                          : "waiting for signatures (ota-sign sign)");
        }
    }
    if (s.json) {
        json_object_set_new(s.out, "state",
                            json_string(s.worst == SX_OK     ? "ok"
                                        : s.worst == SX_WARN ? "warning"
                                                             : "expired"));
        char *text = json_dumps(s.out, JSON_INDENT(2));
        if (text)
            puts(text);
        free(text);
    }
    json_decref(s.out);
    repo_close(&r);
    return s.worst;
}
