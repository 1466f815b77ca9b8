/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ratelimit.c — per-client-address token buckets, used to bound how many
 * new device ids one address can create through POST /v1/reports.
 *
 * A bucket holds up to per_minute tokens and refills at per_minute a
 * minute; a first report takes one.  Addresses are keys of 16 bytes: IPv4
 * as an IPv4-mapped IPv6 address, IPv6 cut to its /64 (one host usually
 * has a whole /64, so counting single IPv6 addresses would limit nothing).
 *
 * Memory is fixed: SETS x WAYS buckets, the set chosen by SipHash under a
 * key drawn at start (so nobody can aim addresses at one set), and within
 * a full set the bucket seen least recently is forgotten.  Forgetting only
 * ever gives an address a full bucket again, so many addresses get more
 * first reports through than one — which is why the server also has a cap
 * on devices (--max-devices).
 */
#include <arpa/inet.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server.h"

#define SETS 1024u
#define WAYS 4u
#define MILLI 1000u /* tokens are counted in thousandths */

typedef struct bucket {
    uint8_t addr[16];
    bool used;
    uint64_t tokens; /* thousandths */
    int64_t last_ms; /* last refill */
} bucket;

struct srv_ratelimit {
    pthread_mutex_t lock;
    unsigned per_minute;
    uint8_t hash_key[crypto_shorthash_KEYBYTES];
    bucket b[SETS][WAYS];
};

ota_err
srv_ratelimit_new(unsigned per_minute, srv_ratelimit **out)
{
    srv_ratelimit *rl = calloc(1, sizeof *rl);
    if (rl == NULL)
        return OTA_E_NOMEM;
    pthread_mutex_init(&rl->lock, NULL);
    rl->per_minute = per_minute;
    randombytes_buf(rl->hash_key, sizeof rl->hash_key);
    *out = rl;
    return OTA_OK;
}

void
srv_ratelimit_free(srv_ratelimit *rl)
{
    if (rl == NULL)
        return;
    pthread_mutex_destroy(&rl->lock);
    free(rl);
}

/* The 16-byte key of a client address; an unparsable one ("-") is all
 * zeros, i.e. all such clients share one bucket. */
static void
addr_key(const char *client, uint8_t key[16])
{
    struct in_addr a4;
    memset(key, 0, 16);
    if (inet_pton(AF_INET6, client, key) == 1) {
        static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
        if (memcmp(key, mapped, sizeof mapped) != 0)
            memset(key + 8, 0, 8); /* per /64 */
    } else if (inet_pton(AF_INET, client, &a4) == 1) {
        key[10] = key[11] = 0xff;
        memcpy(key + 12, &a4, 4);
    }
}

/* The seconds until client has a token (0: it has one), taking it when
 * take is set.  Looking (take false) never adds an address. */
static unsigned
use(srv_ratelimit *rl, const char *client, bool take)
{
    uint8_t key[16], h[crypto_shorthash_BYTES];
    addr_key(client, key);
    crypto_shorthash(h, key, sizeof key, rl->hash_key);
    uint32_t set = ((uint32_t) h[0] | (uint32_t) h[1] << 8 | (uint32_t) h[2] << 16) % SETS;
    const uint64_t cap = (uint64_t) rl->per_minute * MILLI;
    int64_t now = srv_now_ms();
    unsigned wait = 0;

    pthread_mutex_lock(&rl->lock);
    bucket *ways = rl->b[set], *b = NULL, *oldest = &ways[0];
    for (unsigned i = 0; i < WAYS && b == NULL; i++) {
        if (ways[i].used && memcmp(ways[i].addr, key, sizeof key) == 0)
            b = &ways[i];
        else if (!ways[i].used || (oldest->used && ways[i].last_ms < oldest->last_ms))
            oldest = &ways[i];
    }
    if (b == NULL && !take) { /* unknown: a full bucket, nothing to record */
        pthread_mutex_unlock(&rl->lock);
        return 0;
    }
    if (b == NULL) { /* new address, or one forgotten: a full bucket */
        b = oldest;
        memcpy(b->addr, key, sizeof key);
        b->used = true;
        b->tokens = cap;
        b->last_ms = now;
    }
    if (now > b->last_ms) {
        /* per_minute tokens a minute = per_minute thousandths per 60 ms;
         * the clock moves on only by the time actually credited, so
         * frequent calls lose no fraction */
        uint64_t add = (uint64_t) (now - b->last_ms) * rl->per_minute / 60u;
        if (b->tokens + add >= cap) {
            b->tokens = cap;
            b->last_ms = now;
        } else if (add > 0) {
            b->tokens += add;
            b->last_ms += (int64_t) (add * 60u / rl->per_minute);
        }
    }
    if (b->tokens >= MILLI) {
        if (take)
            b->tokens -= MILLI;
    } else {
        uint64_t ms = ((MILLI - b->tokens) * 60u + rl->per_minute - 1) / rl->per_minute;
        wait = (unsigned) ((ms + 999u) / 1000u);
        if (wait == 0)
            wait = 1;
    }
    pthread_mutex_unlock(&rl->lock);
    return wait;
}

unsigned
srv_ratelimit_take(srv_ratelimit *rl, const char *client)
{
    return use(rl, client, true);
}

unsigned
srv_ratelimit_peek(srv_ratelimit *rl, const char *client)
{
    return use(rl, client, false);
}

/* ---- failed admin-token attempts ------------------------------------------------ */

bool
srv_auth_refused(srv *s, srv_conn *sc, struct MHD_Connection *c, enum MHD_Result *ret)
{
    unsigned wait = s->admin_fails != NULL ? srv_ratelimit_peek(s->admin_fails, sc->client) : 0;
    if (wait == 0)
        return false;
    static const char msg[] =
        "{\"error\":\"E_RATE\",\"message\":\"too many failed admin-token attempts\"}\n";
    char after[16];
    snprintf(after, sizeof after, "%u", wait);
    *ret = MHD_NO;
    struct MHD_Response *r = MHD_create_response_from_buffer(
        sizeof msg - 1, (void *) (uintptr_t) msg, MHD_RESPMEM_PERSISTENT);
    if (r == NULL)
        return true;
    if (MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json") == MHD_YES &&
        MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store") == MHD_YES &&
        MHD_add_response_header(r, MHD_HTTP_HEADER_RETRY_AFTER, after) == MHD_YES)
        *ret = srv_queue(sc, c, 429, r, sizeof msg - 1);
    MHD_destroy_response(r);
    return true;
}

void
srv_auth_failed(srv *s, const srv_conn *sc)
{
    if (s->admin_fails != NULL)
        (void) srv_ratelimit_take(s->admin_fails, sc->client);
}
