/* SPDX-License-Identifier: Apache-2.0 */
/*
 * run.c — run one helper program (fw_printenv, fw_setenv, grub-editenv, a
 * custom backend, an install hook) the safe way: fork + execvp, no shell;
 * stdin /dev/null; stdout through a pipe with a size cap; the first line of
 * stderr kept for the message; a deadline after which the child's whole
 * process group gets SIGKILL; always reaped with waitpid.
 */
#define _GNU_SOURCE /* pipe2 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "boot_int.h"
#include "run.h"
#include "ota_util.h"

#define READ_CHUNK 4096u

extern char **environ;

/* environ + extra (an extra entry replaces an inherited one of its name), a
 * malloc'd array whose strings are borrowed; NULL when out of memory. */
static char **
make_env(const char *const *extra)
{
    size_t n = 0, m = 0, k = 0;
    while (environ != NULL && environ[n] != NULL)
        n++;
    while (extra != NULL && extra[m] != NULL)
        m++;
    char **env = calloc(n + m + 1, sizeof *env);
    if (env == NULL)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        const char *eq = strchr(environ[i], '=');
        size_t nl = eq != NULL ? (size_t) (eq - environ[i]) : strlen(environ[i]);
        bool replaced = false;
        for (size_t j = 0; j < m && !replaced; j++)
            replaced = strncmp(extra[j], environ[i], nl) == 0 && extra[j][nl] == '=';
        if (!replaced)
            env[k++] = environ[i];
    }
    for (size_t j = 0; j < m; j++)
        env[k++] = (char *) extra[j];
    env[k] = NULL;
    return env;
}

static int64_t
now_ms(void)
{
    struct timespec ts;
    (void) clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* In the child, between fork and exec: only async-signal-safe calls. */
static void
child(const char *const *argv, char **env, int devnull, int outfd, int errfd, int exefd)
{
    /* Copies above 2 first, so a descriptor that happens to be 0..2 (the
     * caller closed its standard streams) is not clobbered by dup2. */
    int in = fcntl(devnull, F_DUPFD_CLOEXEC, 3);
    int o = fcntl(outfd, F_DUPFD_CLOEXEC, 3);
    int e = fcntl(errfd, F_DUPFD_CLOEXEC, 3);
    struct sigaction sa;
    sigset_t none;
    int code;

    (void) setpgid(0, 0);
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_DFL;
    (void) sigaction(SIGPIPE, &sa, NULL);
    (void) sigemptyset(&none);
    (void) sigprocmask(SIG_SETMASK, &none, NULL);
    if (in < 0 || o < 0 || e < 0 || dup2(in, 0) < 0 || dup2(o, 1) < 0 || dup2(e, 2) < 0) {
        code = errno;
    } else {
        if (env != NULL)
            environ = env;
        execvp(argv[0], (char *const *) argv);
        code = errno;
    }
    while (write(exefd, &code, sizeof code) < 0 && errno == EINTR) {
    }
    _exit(127);
}

static void
close_fd(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

/* Kill the child's process group (and the child, should setpgid have
 * failed), then reap it. */
static void
kill_reap(pid_t pid)
{
    int st;
    (void) kill(-pid, SIGKILL);
    (void) kill(pid, SIGKILL);
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
    }
}

/* The first non-empty line of buf[len] into line[OTA_BOOT_ERRLEN]. */
static void
first_line(const char *buf, size_t len, char *line)
{
    size_t i = 0, n = 0;
    while (i < len && (buf[i] == '\n' || buf[i] == '\r' || buf[i] == ' '))
        i++;
    while (i < len && buf[i] != '\n' && buf[i] != '\r' && n + 1 < OTA_BOOT_ERRLEN) {
        unsigned char c = (unsigned char) buf[i++];
        line[n++] = (char) (c < 0x20 || c == 0x7f ? ' ' : c);
    }
    line[n] = '\0';
}

ota_err
otac_run(const char *const *argv, const char *const *envx, unsigned timeout_ms, bool want_out,
         otac_run_result *r, char *err)
{
    char **env = NULL;
    int outp[2] = {-1, -1}, errp[2] = {-1, -1}, exep[2] = {-1, -1};
    int devnull = -1, exec_errno = 0, st = 0;
    size_t exec_got = 0, elen = 0;
    pid_t pid = -1;
    ota_buf out = {.max = OTAC_RUN_OUT_MAX};
    char *ebuf = NULL, *chunk = NULL;
    ota_err rc = OTA_E_BOOT;
    const char *prog = argv[0];

    r->out = NULL;
    r->len = 0;
    r->status = -1;
    r->errline[0] = '\0';
    ebuf = malloc(OTAC_RUN_ERR_MAX);
    chunk = malloc(READ_CHUNK);
    if (envx != NULL)
        env = make_env(envx);
    if (ebuf == NULL || chunk == NULL || (envx != NULL && env == NULL)) {
        rc = OTA_E_NOMEM;
        otac_boot_msg(err, "out of memory running %s", prog);
        goto out;
    }
    if (pipe2(outp, O_CLOEXEC) != 0 || pipe2(errp, O_CLOEXEC) != 0 ||
        pipe2(exep, O_CLOEXEC) != 0 ||
        (devnull = open("/dev/null", O_RDONLY | O_CLOEXEC)) < 0) {
        otac_boot_msg(err, "cannot run %s: %s", prog, strerror(errno));
        goto out;
    }
    pid = fork();
    if (pid < 0) {
        otac_boot_msg(err, "cannot run %s: fork: %s", prog, strerror(errno));
        goto out;
    }
    if (pid == 0)
        child(argv, env, devnull, outp[1], errp[1], exep[1]);
    close_fd(&outp[1]);
    close_fd(&errp[1]);
    close_fd(&exep[1]);
    close_fd(&devnull);

    int64_t deadline = now_ms() + (int64_t) timeout_ms;
    bool timed_out = false, too_long = false;
    ota_err stop = OTA_OK; /* why stdout was refused: OTA_E_LIMIT or OTA_E_NOMEM */
    for (;;) {
        struct pollfd p[3];
        int *which[3];
        nfds_t n = 0;
        int *fds[3] = {&outp[0], &errp[0], &exep[0]};
        for (size_t i = 0; i < 3; i++) {
            if (*fds[i] >= 0) {
                p[n].fd = *fds[i];
                p[n].events = POLLIN;
                p[n].revents = 0;
                which[n++] = fds[i];
            }
        }
        if (n == 0)
            break;
        int64_t left = deadline - now_ms();
        if (left <= 0) {
            timed_out = true;
            break;
        }
        int pr = poll(p, n, left > INT32_MAX ? INT32_MAX : (int) left);
        if (pr < 0 && errno == EINTR)
            continue;
        if (pr < 0) {
            otac_boot_msg(err, "%s: poll: %s", prog, strerror(errno));
            kill_reap(pid);
            pid = -1;
            goto out;
        }
        for (nfds_t i = 0; i < n; i++) {
            if (p[i].revents == 0)
                continue;
            ssize_t got = read(p[i].fd, chunk, READ_CHUNK);
            if (got < 0 && (errno == EINTR || errno == EAGAIN))
                continue;
            if (got <= 0) {
                close_fd(which[i]);
                continue;
            }
            size_t g = (size_t) got;
            if (which[i] == &outp[0]) {
                if (want_out && (stop = ota_buf_append(&out, chunk, g)) != OTA_OK) {
                    too_long = true;
                    break;
                }
            } else if (which[i] == &errp[0]) {
                size_t room = OTAC_RUN_ERR_MAX - elen;
                size_t take = g < room ? g : room;
                memcpy(ebuf + elen, chunk, take);
                elen += take;
            } else {
                size_t room = sizeof exec_errno - exec_got;
                size_t take = g < room ? g : room;
                memcpy((char *) &exec_errno + exec_got, chunk, take);
                exec_got += take;
            }
        }
        if (too_long)
            break;
    }
    /* Every pipe is closed (or we give up on the child): reap, still
     * bounded by the deadline — a child may close its output and hang. */
    while (!timed_out && !too_long) {
        pid_t w = waitpid(pid, &st, WNOHANG);
        if (w == pid)
            break;
        if (w < 0 && errno != EINTR) {
            otac_boot_msg(err, "%s: waitpid: %s", prog, strerror(errno));
            kill_reap(pid);
            pid = -1;
            goto out;
        }
        if (now_ms() >= deadline) {
            timed_out = true;
            break;
        }
        struct timespec ts = {0, 5 * 1000 * 1000};
        (void) nanosleep(&ts, NULL);
    }
    if (timed_out || too_long) {
        kill_reap(pid);
        pid = -1;
        if (timed_out) {
            rc = OTA_E_TIMEOUT;
            otac_boot_msg(err, "%s did not finish within %u ms (killed)", prog, timeout_ms);
        } else if (stop == OTA_E_NOMEM) {
            rc = OTA_E_NOMEM;
            otac_boot_msg(err, "out of memory reading %s's output", prog);
        } else {
            otac_boot_msg(err, "%s wrote more than %u bytes (killed)", prog,
                          (unsigned) OTAC_RUN_OUT_MAX);
        }
        goto out;
    }
    pid = -1;
    first_line(ebuf, elen, r->errline);
    if (exec_got == sizeof exec_errno) {
        otac_boot_msg(err, "cannot run %s: %s", prog, strerror(exec_errno));
        goto out;
    }
    if (!WIFEXITED(st)) {
        otac_boot_msg(err, "%s was killed by signal %d", prog,
                      WIFSIGNALED(st) ? WTERMSIG(st) : 0);
        goto out;
    }
    r->status = WEXITSTATUS(st);
    if (want_out) {
        if (out.p == NULL) { /* nothing written: still a string */
            out.p = malloc(1);
            if (out.p == NULL) {
                rc = OTA_E_NOMEM;
                goto out;
            }
            out.p[0] = 0;
            out.cap = 1;
        }
        r->out = (char *) ota_buf_steal(&out, &r->len);
    }
    rc = OTA_OK;
out:
    if (pid > 0)
        kill_reap(pid);
    close_fd(&outp[0]);
    close_fd(&outp[1]);
    close_fd(&errp[0]);
    close_fd(&errp[1]);
    close_fd(&exep[0]);
    close_fd(&exep[1]);
    close_fd(&devnull);
    ota_buf_free(&out);
    free(ebuf);
    free(chunk);
    free(env);
    return rc;
}

ota_err
otac_run_ok(const char *const *argv, const char *const *env, unsigned timeout_ms, bool want_out,
            otac_run_result *r, char *err)
{
    ota_err rc = otac_run(argv, env, timeout_ms, want_out, r, err);
    if (rc != OTA_OK)
        return rc;
    if (r->status != 0) {
        otac_boot_msg(err, "%s failed (exit %d)%s%s", argv[0], r->status,
                      r->errline[0] ? ": " : "", r->errline);
        free(r->out);
        r->out = NULL;
        return OTA_E_BOOT;
    }
    return OTA_OK;
}
