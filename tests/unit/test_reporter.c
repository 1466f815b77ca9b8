/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_reporter.c — the device side of reports (ota/report.h) over a fake
 * transport: the device key (made once, 0600, reused, a foreign or
 * readable key refused), signed documents that parse, seq strictly
 * increasing across instances, the queue (kept on failures, dropped on
 * final refusals, bounded), backoff and force, no post: E_UNSUPPORTED.
 */
#include <dirent.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "ota/report.h"
#include "ota_report.h"

#define URL "http://fake/v1/reports"

typedef struct fakepost {
    long status;     /* answer; 0: network error */
    unsigned calls;
    uint64_t seqs[16];
    char last_error[600];
    char last_type[64];
} fakepost;

static ota_err
f_post(void *user, const char *url, const char *ctype, const uint8_t *body, size_t len,
       long *status, char *err, size_t err_cap)
{
    fakepost *f = user;
    assert_string_equal(url, URL);
    snprintf(f->last_type, sizeof f->last_type, "%s", ctype);
    ota_report r;
    assert_int_equal(ota_report_parse(body, len, &r), OTA_OK); /* every document verifies */
    if (f->calls < 16)
        f->seqs[f->calls] = r.seq;
    snprintf(f->last_error, sizeof f->last_error, "%s", r.error);
    f->calls++;
    if (f->status == 0) {
        snprintf(err, err_cap, "connection refused");
        return OTA_E_NETWORK;
    }
    *status = f->status;
    return OTA_OK;
}

typedef struct ctx {
    char dir[64];
    fakepost f;
    ota_transport tr;
} ctx;

static int
setup(void **state)
{
    ctx *c = calloc(1, sizeof *c);
    snprintf(c->dir, sizeof c->dir, "/tmp/ota-test-reporter.XXXXXX");
    assert_non_null(mkdtemp(c->dir));
    c->tr = (ota_transport){.size = sizeof c->tr, .user = &c->f, .post = f_post};
    *state = c;
    return 0;
}

static int
teardown(void **state)
{
    ctx *c = *state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", c->dir);
    assert_int_equal(system(cmd), 0);
    free(c);
    return 0;
}

static ota_reporter *
open_rep(ctx *c, unsigned max_queued)
{
    ota_reporter_config cfg = OTA_REPORTER_CONFIG_INIT;
    cfg.state_dir = c->dir;
    cfg.url = URL;
    cfg.transport = &c->tr;
    cfg.device_id = "gw-0001";
    cfg.hardware_id = "gw-1";
    cfg.max_queued = max_queued;
    ota_reporter *r = NULL;
    char err[256];
    ota_err rc = ota_reporter_new(&cfg, &r, err, sizeof err);
    if (rc != OTA_OK)
        fail_msg("ota_reporter_new: %s (%s)", err, ota_err_name(rc));
    return r;
}

static void
add(ota_reporter *r, ota_outcome o, const char *error)
{
    ota_report_event ev = {.size = sizeof ev,
                           .outcome = o,
                           .installed_version = "1.1.0",
                           .previous_version = "1.0.0",
                           .error = error,
                           .custom_json = "{\"event\":\"committed\"}"};
    assert_int_equal(ota_reporter_add(r, &ev), OTA_OK);
}

static void
test_key(void **state)
{
    ctx *c = *state;
    char pub1[65], id1[65], pub2[65], id2[65], path[128];
    ota_reporter *r = open_rep(c, 0);
    ota_reporter_key(r, pub1, id1);
    ota_reporter_free(r);
    snprintf(path, sizeof path, "%s/device.key", c->dir);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    r = open_rep(c, 0); /* the same key next time */
    ota_reporter_key(r, pub2, id2);
    ota_reporter_free(r);
    assert_string_equal(pub1, pub2);
    assert_string_equal(id1, id2);

    /* readable by others: refused, not used, not replaced */
    assert_int_equal(chmod(path, 0644), 0);
    ota_reporter_config cfg = OTA_REPORTER_CONFIG_INIT;
    cfg.state_dir = c->dir;
    cfg.device_id = "gw-0001";
    cfg.hardware_id = "gw-1";
    char err[256];
    assert_int_equal(ota_reporter_new(&cfg, &r, err, sizeof err), OTA_E_KEY);
    assert_non_null(strstr(err, "0600"));
    /* not ours: refused */
    FILE *fp = fopen(path, "w");
    fputs("-----BEGIN PRIVATE KEY-----\n", fp);
    fclose(fp);
    assert_int_equal(chmod(path, 0600), 0);
    assert_int_equal(ota_reporter_new(&cfg, &r, err, sizeof err), OTA_E_KEY);
    /* a link where the key should be is never followed */
    assert_int_equal(unlink(path), 0);
    assert_int_equal(symlink("/etc/passwd", path), 0);
    assert_int_not_equal(ota_reporter_new(&cfg, &r, err, sizeof err), OTA_OK);
    assert_int_equal(unlink(path), 0);
    /* nor is a fifo opened for reading (it would block) */
    assert_int_equal(mkfifo(path, 0600), 0);
    assert_int_not_equal(ota_reporter_new(&cfg, &r, err, sizeof err), OTA_OK);
    assert_int_equal(unlink(path), 0);
    /* bad ids */
    cfg.device_id = "gw 0001";
    assert_int_equal(ota_reporter_new(&cfg, &r, err, sizeof err), OTA_E_ARG);
}

static void
test_queue_and_send(void **state)
{
    ctx *c = *state;
    ota_reporter *r = open_rep(c, 0);
    add(r, OTA_OUTCOME_NONE, NULL);
    add(r, OTA_OUTCOME_SUCCESS, NULL);
    assert_int_equal(ota_reporter_queued(r), 2);
    ota_report_sent res = {.size = sizeof res};
    c->f.status = 0; /* down */
    assert_int_equal(ota_reporter_send(r, false, &res), OTA_E_NETWORK);
    assert_int_equal(res.queued, 2);
    assert_true(res.next_try > 0);
    assert_int_equal(c->f.calls, 1); /* stops at the first failure */
    /* backoff: nothing tried until it passes (or force) */
    c->f.status = 201;
    assert_int_equal(ota_reporter_send(r, false, &res), OTA_OK);
    assert_true(res.deferred);
    assert_int_equal(c->f.calls, 1);
    ota_reporter_free(r);
    r = open_rep(c, 0); /* the backoff is on disk */
    assert_int_equal(ota_reporter_send(r, false, &res), OTA_OK);
    assert_true(res.deferred);
    add(r, OTA_OUTCOME_ROLLBACK, "health check failed");
    assert_int_equal(ota_reporter_send(r, true, &res), OTA_OK);
    assert_int_equal(res.sent, 3);
    assert_int_equal(res.queued, 0);
    assert_int_equal(ota_reporter_queued(r), 0);
    assert_string_equal(c->f.last_type, "application/json");
    /* in order, seq strictly increasing (the failed first try was seq 1 too) */
    assert_int_equal(c->f.seqs[0], 1);
    assert_int_equal(c->f.seqs[1], 1);
    assert_int_equal(c->f.seqs[2], 2);
    assert_int_equal(c->f.seqs[3], 3);
    /* seq goes on after a restart with an empty queue */
    ota_reporter_free(r);
    r = open_rep(c, 0);
    add(r, OTA_OUTCOME_NONE, NULL);
    assert_int_equal(ota_reporter_send(r, false, &res), OTA_OK);
    assert_int_equal(c->f.seqs[4], 4);
    ota_reporter_free(r);
}

static void
test_refusals_and_retries(void **state)
{
    ctx *c = *state;
    ota_reporter *r = open_rep(c, 0);
    ota_report_sent res = {.size = sizeof res};
    static const long final[] = {400, 403, 409, 413, 415};
    for (size_t i = 0; i < 5; i++) {
        add(r, OTA_OUTCOME_NONE, NULL);
        c->f.status = final[i];
        assert_int_equal(ota_reporter_send(r, true, &res), OTA_OK);
        assert_int_equal(res.refused, 1);
        assert_int_equal(res.queued, 0);
    }
    static const long retry[] = {404, 408, 429, 500, 503, 302};
    for (size_t i = 0; i < 6; i++) {
        c->f.status = retry[i];
        add(r, OTA_OUTCOME_NONE, NULL);
        assert_int_equal(ota_reporter_send(r, true, &res), OTA_E_NETWORK);
        assert_int_equal(res.queued, i + 1);
        assert_int_equal(res.last_status, retry[i]);
    }
    c->f.status = 200;
    assert_int_equal(ota_reporter_send(r, true, &res), OTA_OK);
    assert_int_equal(res.sent, 6);
    ota_reporter_free(r);
}

static void
test_bounded_queue(void **state)
{
    ctx *c = *state;
    ota_reporter *r = open_rep(c, 3);
    for (int i = 0; i < 5; i++)
        add(r, OTA_OUTCOME_NONE, NULL);
    assert_int_equal(ota_reporter_queued(r), 3);
    c->f.status = 201;
    ota_report_sent res = {.size = sizeof res};
    assert_int_equal(ota_reporter_send(r, true, &res), OTA_OK);
    assert_int_equal(c->f.seqs[0], 3); /* the oldest two were dropped */
    assert_int_equal(c->f.seqs[2], 5);
    ota_reporter_free(r);
}

static void
test_error_text(void **state)
{
    ctx *c = *state;
    ota_reporter *r = open_rep(c, 0);
    char big[2000];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    memcpy(big, "bad\n\tname \xc3\xa9\xff", 13);
    add(r, OTA_OUTCOME_FAILURE, big);
    c->f.status = 201;
    ota_report_sent res = {.size = sizeof res};
    assert_int_equal(ota_reporter_send(r, true, &res), OTA_OK);
    assert_int_equal(res.sent, 1);
    assert_int_equal(strlen(c->f.last_error), OTA_MAX_REPORT_ERROR_LEN);
    assert_memory_equal(c->f.last_error, "bad??name ???", 13);
    /* a bad field is refused before anything is queued */
    ota_report_event ev = {.size = sizeof ev, .installed_version = "1.0"};
    assert_int_equal(ota_reporter_add(r, &ev), OTA_E_FORMAT);
    ev.installed_version = "1.0.0";
    ev.custom_json = "[1]";
    assert_int_equal(ota_reporter_add(r, &ev), OTA_E_FORMAT);
    assert_int_equal(ota_reporter_queued(r), 0);
    ota_reporter_free(r);
}

static void
test_no_post(void **state)
{
    ctx *c = *state;
    c->tr.post = NULL;
    ota_reporter *r = open_rep(c, 0);
    add(r, OTA_OUTCOME_NONE, NULL);
    ota_report_sent res = {.size = sizeof res};
    assert_int_equal(ota_reporter_send(r, true, &res), OTA_E_UNSUPPORTED);
    assert_int_equal(res.queued, 1);
    ota_reporter_free(r);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_key, setup, teardown),
        cmocka_unit_test_setup_teardown(test_queue_and_send, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refusals_and_retries, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bounded_queue, setup, teardown),
        cmocka_unit_test_setup_teardown(test_error_text, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_post, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
