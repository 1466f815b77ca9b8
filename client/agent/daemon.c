/* SPDX-License-Identifier: Apache-2.0 */
/*
 * daemon.c — `ota-client daemon`: the device's update service.
 *
 *   start:  boot-check (a new slot booted → pending; the bootloader went
 *           back → fell back, reported); a pending version gets the
 *           health check, then confirm, or rollback + reboot_command
 *   loop:   check (refresh, choose) → install → reboot_command; send the
 *           queued reports; wait poll_interval ± random jitter (the first
 *           check waits 0..poll_jitter: a fleet that powers up together
 *           does not poll together)
 *   stop:   SIGTERM/SIGINT: an install stops at the next chunk with its
 *           journal (the next run resumes); the wait ends at once; exit 0
 *
 * Under systemd (NOTIFY_SOCKET set): READY=1 once started, STATUS= lines,
 * WATCHDOG=1 at half of WATCHDOG_USEC (also from install progress), and
 * STOPPING=1.  The notify protocol is a datagram on a Unix socket, spoken
 * here directly (as systemd documents it) so no libsystemd is needed.
 */
#include <errno.h>
#include <limits.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "agent.h"
#include "ota_util.h"

static double g_watchdog_s; /* ping interval; 0: no watchdog */
static double g_last_ping;

static void
notify(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
notify(const char *fmt, ...)
{
    const char *path = getenv("NOTIFY_SOCKET");
    if (path == NULL || (path[0] != '/' && path[0] != '@'))
        return;
    struct sockaddr_un sa;
    memset(&sa, 0, sizeof sa);
    sa.sun_family = AF_UNIX;
    size_t pl = strlen(path);
    if (pl >= sizeof sa.sun_path)
        return;
    memcpy(sa.sun_path, path, pl);
    if (path[0] == '@')
        sa.sun_path[0] = '\0'; /* abstract namespace */
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t) n >= sizeof msg)
        return;
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return;
    (void) sendto(fd, msg, (size_t) n, MSG_NOSIGNAL, (struct sockaddr *) &sa,
                  (socklen_t) (offsetof(struct sockaddr_un, sun_path) + pl));
    close(fd);
}

static void
watchdog_tick(void)
{
    if (g_watchdog_s <= 0)
        return;
    double t = now_s();
    if (t - g_last_ping >= g_watchdog_s) {
        notify("WATCHDOG=1");
        g_last_ping = t;
    }
}

static void
watchdog_setup(void)
{
    const char *us = getenv("WATCHDOG_USEC"), *pid = getenv("WATCHDOG_PID");
    uint64_t for_pid;
    if (us == NULL || (pid != NULL && (ota_parse_u64(pid, 1, INT_MAX, &for_pid) != OTA_OK ||
                                       for_pid != (uint64_t) getpid())))
        return;
    double v = strtod(us, NULL);
    if (v > 0)
        g_watchdog_s = v / 2e6;
}

/* Wait secs, woken by a stop request; keeps the watchdog fed. */
static void
wait_for(double secs)
{
    double end = now_s() + secs;
    while (!agent_stop) {
        double left = end - now_s();
        if (left <= 0)
            break;
        if (left > 1.0)
            left = 1.0;
        if (g_watchdog_s > 0 && left > g_watchdog_s)
            left = g_watchdog_s;
        struct timespec ts = {(time_t) left, (long) ((left - (double) (time_t) left) * 1e9)};
        nanosleep(&ts, NULL); /* a signal ends it early: the loop looks at agent_stop */
        watchdog_tick();
    }
}

/* uniform in [0, max] seconds, millisecond steps */
static double
random_secs(long max)
{
    if (max <= 0)
        return 0;
    uint32_t ms = (uint32_t) (max > 4000000 ? 4000000 : max) * 1000u;
    return (double) randombytes_uniform(ms + 1) / 1000.0;
}

static void
say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
say(const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fprintf(stderr, "ota-client: daemon: %s\n", msg);
    notify("STATUS=%s", msg);
}

/* One check-and-install cycle; its exit code. */
static int
cycle(agent_dev *d)
{
    ota_install_status st = {.size = sizeof st};
    if (ota_installer_status(d->in, &st) != OTA_OK)
        return EX_FAIL;
    if (st.state == OTA_STATE_INSTALLED) {
        say("%s is installed and waits for a reboot", st.target_version);
        return EX_OK;
    }
    if (st.state == OTA_STATE_PENDING) {
        int ex = dev_after_boot(d);
        if (ex != EX_OK)
            return ex;
        if (ota_installer_status(d->in, &st) != OTA_OK)
            return EX_FAIL;
    }
    if (st.state == OTA_STATE_FELL_BACK && st.booted[0] && st.primary[0] &&
        strcmp(st.booted, st.primary) != 0) {
        say("going back to slot %s: waits for the reboot", st.primary);
        return EX_OK;
    }
    ota_target_info t = OTA_TARGET_INFO_INIT;
    bool found = false;
    int ex = dev_check(d, false, &t, &found);
    if (ex != EX_OK || !found) {
        if (ex == EX_OK)
            say("nothing to install");
        return ex;
    }
    say("installing %s", t.path);
    ex = dev_install(d, &t);
    dev_send_reports(d, false, false);
    if (ex != EX_OK)
        return ex;
    const char *rb = agent_str(d->o, S_REBOOT_COMMAND);
    if (rb == NULL) {
        say("installed; reboot to start it (no reboot_command set)");
        return EX_OK;
    }
    say("rebooting to start the new version");
    notify("STOPPING=1");
    int status = -1;
    if (ota_installer_run_command(d->in, rb, 600, &status) != OTA_OK || status != 0)
        say("reboot_command failed: %s", ota_installer_errmsg(d->in));
    return EX_OK;
}

int
cmd_daemon(agent_dev *d)
{
    agent_opts *o = d->o;
    if (sodium_init() < 0)
        return die(EX_FAIL, "libsodium cannot be initialised");
    watchdog_setup();
    d->prog.tick = watchdog_tick;
    d->prog.tty = false;
    dev_catch_signals(d->in);
    int ex = dev_boot_check(d, true);
    if (ex != EX_OK)
        say("boot-check failed (exit %d); carrying on", ex);
    ex = dev_after_boot(d);
    /* a healthy boot of a committed version: mark the running slot good
     * (GRUB counts every boot as a trial until told, as RAUC's mark-good);
     * refused while an update waits for its reboot or a rollback for its */
    ota_install_status st = {.size = sizeof st};
    if (ex == EX_OK && ota_installer_status(d->in, &st) == OTA_OK &&
        st.state != OTA_STATE_PENDING && st.state != OTA_STATE_INSTALLED &&
        ota_installer_confirm(d->in) == OTA_OK)
        say("slot %s marked good", st.booted);
    dev_send_reports(d, false, false);
    notify("READY=1");
    say("started: device %s, every %ld s +/- %ld s", d->device_id[0] ? d->device_id : "(no id)",
        o->num[S_POLL_INTERVAL], o->num[S_POLL_JITTER]);
    if (!o->once) {
        double first = random_secs(o->num[S_POLL_JITTER]);
        say("first check in %.3f s", first);
        wait_for(first);
    }
    while (!agent_stop) {
        dev_catch_signals(d->in);
        ex = cycle(d);
        dev_send_reports(d, false, false);
        if (o->once || agent_stop)
            break;
        double w = (double) (o->num[S_POLL_INTERVAL] - o->num[S_POLL_JITTER]) +
                   random_secs(2 * o->num[S_POLL_JITTER]);
        say("next check in %.3f s", w);
        wait_for(w);
    }
    notify("STOPPING=1");
    if (agent_stop) {
        say("stopped%s", ex == EX_CANCELED ? " (the install resumes on the next run)" : "");
        return EX_OK;
    }
    return ex;
}
