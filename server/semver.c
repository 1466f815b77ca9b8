/*
 * semver.c — Semantic Versioning 2.0.0 precedence, for the fleet listing's
 * `below=` filter ("which devices still run a version older than the fix").
 * Inputs are validated with ota_report_version_valid() first.  No
 * libmicrohttpd or SQLite calls: the unit tests compile this file directly.
 */
#include <stdbool.h>
#include <string.h>

#include "server.h"

static int
cmp_ident(const char *a, size_t an, const char *b, size_t bn)
{
    bool ad = strspn(a, "0123456789") >= an, bd = strspn(b, "0123456789") >= bn;
    if (ad && bd) { /* numeric: no leading zeros, so longer is larger */
        if (an != bn)
            return an < bn ? -1 : 1;
        int c = memcmp(a, b, an);
        return c < 0 ? -1 : c > 0;
    }
    if (ad != bd)
        return ad ? -1 : 1; /* numeric identifiers sort first */
    int c = memcmp(a, b, an < bn ? an : bn);
    if (c != 0)
        return c < 0 ? -1 : 1;
    return an == bn ? 0 : (an < bn ? -1 : 1);
}

/* Length of the part before '+' (build metadata never counts). */
static size_t
sv_len(const char *s)
{
    return strcspn(s, "+");
}

int
srv_semver_cmp(const char *a, const char *b)
{
    size_t an = sv_len(a), bn = sv_len(b);
    size_t ai = 0, bi = 0;
    /* MAJOR.MINOR.PATCH numerically, then the pre-release identifiers */
    for (int part = 0; part < 3; part++) {
        size_t al = strspn(a + ai, "0123456789"), bl = strspn(b + bi, "0123456789");
        int c = cmp_ident(a + ai, al, b + bi, bl);
        if (c != 0)
            return c;
        ai += al + (part < 2);
        bi += bl + (part < 2);
    }
    bool apre = ai < an && a[ai] == '-', bpre = bi < bn && b[bi] == '-';
    if (!apre || !bpre)
        return apre == bpre ? 0 : (apre ? -1 : 1); /* a pre-release is lower */
    ai++;
    bi++;
    for (;;) {
        size_t al = strcspn(a + ai, ".+"), bl = strcspn(b + bi, ".+");
        if (ai + al > an)
            al = an - ai;
        if (bi + bl > bn)
            bl = bn - bi;
        int c = cmp_ident(a + ai, al, b + bi, bl);
        if (c != 0)
            return c;
        ai += al;
        bi += bl;
        bool amore = ai < an, bmore = bi < bn;
        if (!amore || !bmore)
            return amore == bmore ? 0 : (amore ? 1 : -1);
        ai++;
        bi++;
    }
}

