/* run.c — helper programs with a time limit (run.h). */
#define _GNU_SOURCE /* pipe2 */
#include "run.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static int64_t
now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* environ + extra, malloc'd array (strings borrowed). */
static char **
make_env(const char *const *extra)
{
    size_t n = 0, m = 0;
    while (environ != NULL && environ[n] != NULL)
        n++;
    while (extra != NULL && extra[m] != NULL)
        m++;
    char **env = calloc(n + m + 1, sizeof *env);
    if (env == NULL)
        return NULL;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        /* an extra entry replaces an inherited one of the same name */
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

static void
child(const otac_run_opts *o, char **env, int outfd, int errfd)
{
    (void) setpgid(0, 0);
    int nul = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (nul < 0 || dup2(nul, STDIN_FILENO) < 0 || dup2(outfd, STDOUT_FILENO) < 0 ||
        dup2(errfd, STDERR_FILENO) < 0)
        _exit(127);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    signal(SIGPIPE, SIG_DFL);
    environ = env;
    execvp(o->argv[0], (char *const *) o->argv);
    _exit(127);
}

ota_err
otac_run(const otac_run_opts *o, int *status)
{
    int op[2] = {-1, -1}, ep[2] = {-1, -1};
    char **env = NULL;
    ota_err rc = OTA_E_IO;
    pid_t pid = -1;
    size_t olen = 0, elen = 0;
    bool eline_done = false;
    if (o->out != NULL && o->out_cap > 0)
        o->out[0] = '\0';
    if (o->errline != NULL && o->err_cap > 0)
        o->errline[0] = '\0';
    if (o->argv == NULL || o->argv[0] == NULL)
        return OTA_E_ARG;
    if ((env = make_env(o->env)) == NULL)
        return OTA_E_NOMEM;
    if (pipe2(op, O_CLOEXEC) != 0 || pipe2(ep, O_CLOEXEC) != 0)
        goto out;
    pid = fork();
    if (pid < 0)
        goto out;
    if (pid == 0)
        child(o, env, op[1], ep[1]);
    (void) setpgid(pid, pid); /* also in the parent: no race with the kill below */
    close(op[1]);
    close(ep[1]);
    op[1] = ep[1] = -1;
    int64_t deadline = now_ms() + (o->timeout_ms != 0 ? o->timeout_ms : 30000u);
    bool timed_out = false;
    int open_fds = 2;
    char buf[512];
    while (open_fds > 0) {
        struct pollfd pf[2] = {{.fd = op[0], .events = POLLIN}, {.fd = ep[0], .events = POLLIN}};
        int64_t left = deadline - now_ms();
        if (left <= 0) {
            timed_out = true;
            break;
        }
        int pr = poll(pf, 2, (int) (left > 1000 ? 1000 : left));
        if (pr < 0 && errno == EINTR)
            continue;
        if (pr < 0)
            break;
        for (int i = 0; i < 2; i++) {
            if (pf[i].fd < 0 || (pf[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0)
                continue;
            ssize_t r = read(pf[i].fd, buf, sizeof buf);
            if (r < 0 && errno == EINTR)
                continue;
            if (r <= 0) {
                close(i == 0 ? op[0] : ep[0]);
                if (i == 0)
                    op[0] = -1;
                else
                    ep[0] = -1;
                open_fds--;
                continue;
            }
            if (i == 0 && o->out != NULL && o->out_cap > 1) {
                size_t room = o->out_cap - 1 - olen;
                size_t n = (size_t) r < room ? (size_t) r : room;
                memcpy(o->out + olen, buf, n);
                olen += n;
                o->out[olen] = '\0';
            } else if (i == 1 && o->errline != NULL && o->err_cap > 1 && !eline_done) {
                for (ssize_t j = 0; j < r && !eline_done; j++) {
                    if (buf[j] == '\n') {
                        eline_done = elen > 0;
                        continue;
                    }
                    if (elen + 1 < o->err_cap)
                        o->errline[elen++] = buf[j];
                    o->errline[elen] = '\0';
                }
            }
        }
    }
    if (timed_out) {
        kill(-pid, SIGKILL);
        kill(pid, SIGKILL);
    }
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    pid = -1;
    if (timed_out) {
        rc = OTA_E_TIMEOUT;
        goto out;
    }
    *status = WIFEXITED(st) ? WEXITSTATUS(st) : WIFSIGNALED(st) ? 128 + WTERMSIG(st) : 127;
    rc = OTA_OK;
out:
    for (int i = 0; i < 2; i++) {
        if (op[i] >= 0)
            close(op[i]);
        if (ep[i] >= 0)
            close(ep[i]);
    }
    if (pid > 0) {
        kill(pid, SIGKILL);
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
            ;
    }
    free(env);
    return rc;
}
