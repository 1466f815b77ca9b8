/* SPDX-License-Identifier: Apache-2.0 */
/*
 * main.c — ota-server: options, startup checks, signals, graceful stop.
 * Manual: docs/ota-server.md.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "server.h"

#define OTA_SERVER_VERSION "0.1.0"

static const char usage_text[] =
    "usage: ota-server --root DIR [options]\n"
    "\n"
    "Serve a TUF repository directory over HTTP(S) and collect signed device\n"
    "status reports.  Manual: docs/ota-server.md.\n"
    "\n"
    "  --root DIR               repository directory to serve (required)\n"
    "  --listen ADDR:PORT       127.0.0.1:8080 (default), [::1]:8080, 0.0.0.0:80, [::]:443;\n"
    "                           port 0 picks a free port (printed on stderr)\n"
    "  --tls-cert FILE          PEM certificate chain: serve HTTPS (with --tls-key)\n"
    "  --tls-key FILE           PEM private key\n"
    "  --db FILE|URI            database for device reports: an SQLite file (created if\n"
    "                           missing), or postgresql://USER@HOST:PORT/DB (several\n"
    "                           servers on one database; password: PGPASSFILE or\n"
    "                           ~/.pgpass, not the URI); without it POST /v1/reports\n"
    "                           answers 404.  docs/scaling.md\n"
    "  --admin-token-file FILE  bearer token for GET /v1/devices (file mode 0600);\n"
    "                           without it the admin API answers 404\n"
    "  --max-devices N          most devices the database holds; first reports of new\n"
    "                           ids beyond are refused with 507, 0 = no cap (default 100000)\n"
    "  --new-devices-per-minute N  first reports (new device ids) per client address\n"
    "                           (IPv6: per /64) a minute; more get 429, 0 = no limit (default 60)\n"
    "  --enrolment MODE         who may enrol a new device id: open (trust on first use,\n"
    "                           default), registered (registered keys only), certified\n"
    "                           (registered keys or a provisioning key's certificate)\n"
    "  --device-keys FILE       registered keys, lines `device_id public_key_hex`\n"
    "  --provisioning-key FILE  public key (.pub) that certifies device keys; up to 8\n"
    "  --advisories DIR         OSV advisory files (*.json) to match against the releases'\n"
    "                           package lists: GET /v1/advisories (needs the admin API);\n"
    "                           read at start and on SIGHUP, a bad file skipped and logged\n"
    "  --access-log FILE|-|off  common-log-format access log (default: - = stdout)\n"
    "  --threads N              worker threads (default: number of CPUs); with PostgreSQL\n"
    "                           also the most database connections\n"
    "  --max-connections N      open connections in total (default 4096)\n"
    "  --max-per-ip N           open connections per client address, 0 = no limit (default 64)\n"
    "  --request-timeout SEC    a request (head and body) must arrive within SEC of the\n"
    "                           connection opening or the previous response (default 10)\n"
    "  --idle-timeout SEC       close a connection making no progress for SEC (default 30)\n"
    "  --shutdown-timeout SEC   on SIGTERM/SIGINT, let responses in flight finish for at\n"
    "                           most SEC, then close them (default 30)\n"
    "  --header-memory BYTES    per-connection memory for the request head; larger heads\n"
    "                           get 431 (default 16384)\n"
    "  --cache-size BYTES       memory for caching small files, 0 = off (default 64 MiB)\n"
    "  --verbose                log libmicrohttpd's own errors to stderr\n"
    "\n"
    "SIGHUP reopens the --access-log file (rotation), reloads --tls-cert/--tls-key\n"
    "for new connections (a bad new pair keeps the old one: stderr says why) and\n"
    "reads the --advisories directory again.\n"
    "  --version, --help\n"
    "\n"
    "Exit codes (one table with ota-sign and ota-client: docs/exit-codes.md):\n"
    "0 stopped by a signal, 1 runtime failure, 2 usage, 3 cannot listen,\n"
    "7 --root is not a repository directory, 16 TLS certificate/key or admin token\n"
    "file error, 21 database error.\n";

__attribute__((format(printf, 1, 2))) static int
usage_error(const char *fmt, ...)
{
    va_list ap;
    fputs("ota-server: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputs(" (see --help)\n", stderr);
    return SRV_EXIT_USAGE;
}

/* One clear line on stderr, then the exit code. */
__attribute__((format(printf, 2, 3))) static int
fail(int code, const char *fmt, ...)
{
    va_list ap;
    fputs("ota-server: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return code;
}

/* --listen: "IPv4:PORT" or "[IPv6]:PORT", numeric only (no DNS). */
static bool
parse_listen(const char *spec, struct sockaddr_storage *ss, socklen_t *len)
{
    char host[INET6_ADDRSTRLEN + 2];
    const char *colon = strrchr(spec, ':');
    if (colon == NULL || (size_t) (colon - spec) >= sizeof host)
        return false;
    uint64_t port;
    if (ota_parse_u64(colon + 1, 0, 65535, &port) != OTA_OK)
        return false;
    memcpy(host, spec, (size_t) (colon - spec));
    host[colon - spec] = '\0';
    memset(ss, 0, sizeof *ss);
    if (host[0] == '[') {
        size_t hl = strlen(host);
        if (hl < 3 || host[hl - 1] != ']')
            return false;
        host[hl - 1] = '\0';
        struct sockaddr_in6 *a6 = (struct sockaddr_in6 *) ss;
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons((uint16_t) port);
        *len = sizeof *a6;
        return inet_pton(AF_INET6, host + 1, &a6->sin6_addr) == 1;
    }
    struct sockaddr_in *a4 = (struct sockaddr_in *) ss;
    a4->sin_family = AF_INET;
    a4->sin_port = htons((uint16_t) port);
    *len = sizeof *a4;
    return inet_pton(AF_INET, host, &a4->sin_addr) == 1;
}

static int
open_listener(const struct sockaddr_storage *ss, socklen_t len, char *bound, size_t cap)
{
    int fd = socket(ss->ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return -1;
    int one = 1, zero = 0;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (ss->ss_family == AF_INET6) {
        /* "[::]" also accepts IPv4; a specific address only itself */
        const struct sockaddr_in6 *a6 = (const struct sockaddr_in6 *) ss;
        int v6only = IN6_IS_ADDR_UNSPECIFIED(&a6->sin6_addr) ? zero : one;
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof v6only);
    }
    if (bind(fd, (const struct sockaddr *) ss, len) != 0 || listen(fd, 4096) != 0) {
        int saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    struct sockaddr_storage got;
    socklen_t gl = sizeof got;
    char host[INET6_ADDRSTRLEN];
    if (getsockname(fd, (struct sockaddr *) &got, &gl) == 0) {
        if (got.ss_family == AF_INET6) {
            const struct sockaddr_in6 *a6 = (const struct sockaddr_in6 *) &got;
            inet_ntop(AF_INET6, &a6->sin6_addr, host, sizeof host);
            snprintf(bound, cap, "[%s]:%u", host, ntohs(a6->sin6_port));
        } else {
            const struct sockaddr_in *a4 = (const struct sockaddr_in *) &got;
            inet_ntop(AF_INET, &a4->sin_addr, host, sizeof host);
            snprintf(bound, cap, "%s:%u", host, ntohs(a4->sin_port));
        }
    }
    return fd;
}

/* Raise RLIMIT_NOFILE so max-connections can be honoured; lower
 * max-connections if the hard limit does not allow it. */
static void
fit_fd_limit(srv_config *cfg)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return;
    rlim_t want = (rlim_t) cfg->max_conns + 64u * cfg->threads + 64u;
    if (rl.rlim_cur < want) {
        rl.rlim_cur = want < rl.rlim_max ? want : rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
        getrlimit(RLIMIT_NOFILE, &rl);
    }
    if (rl.rlim_cur < want) {
        unsigned fit = rl.rlim_cur > 128u + 64u * cfg->threads
                           ? (unsigned) (rl.rlim_cur - 64u - 64u * cfg->threads)
                           : 64u;
        fprintf(stderr,
                "ota-server: warning: open-file limit %llu: --max-connections lowered to %u\n",
                (unsigned long long) rl.rlim_cur, fit);
        cfg->max_conns = fit;
    }
}

static sigset_t stop_signals; /* SIGTERM, SIGINT */
static sigset_t main_signals; /* and SIGHUP */

/* SIGHUP: reopen the access log (rotation) and reload the TLS pair
 * (renewal).  Runs in the main thread, taken synchronously by sigwait: no
 * signal handler, nothing async-signal-unsafe.  A failure keeps what is in
 * use and says why. */
static void
reload(srv *s)
{
    char why[512];
    if (strcmp(s->cfg.access_log, "-") != 0 && strcmp(s->cfg.access_log, "off") != 0) {
        if (srv_log_reopen(s, why, sizeof why))
            fprintf(stderr, "ota-server: SIGHUP: access log %s reopened\n", s->cfg.access_log);
        else
            fprintf(stderr, "ota-server: SIGHUP: access log not reopened, still writing the old "
                            "file: %s\n", why);
    }
    if (s->cfg.tls_cert != NULL) {
        if (srv_tls_load(s->cfg.tls_cert, s->cfg.tls_key, why, sizeof why) == OTA_OK)
            fprintf(stderr, "ota-server: SIGHUP: TLS certificate %s reloaded (new connections)\n",
                    s->cfg.tls_cert);
        else
            fprintf(stderr, "ota-server: SIGHUP: TLS certificate not reloaded, still serving the "
                            "previous one: %s\n", why);
    }
    if (s->vuln != NULL)
        srv_vuln_reload(s->vuln);
    fflush(stderr);
}

/* Polled while draining: a second SIGTERM/SIGINT cuts the drain short. */
static bool
second_signal(void)
{
    struct timespec zero = {0, 0};
    return sigtimedwait(&stop_signals, NULL, &zero) > 0;
}

/* ---- options: argv -> server_options ------------------------------------------------------ */

/* Everything the command line sets: the server's settings and the --listen
 * address they name. */
typedef struct server_options {
    srv_config cfg;
    struct sockaddr_storage listen_addr;
    socklen_t listen_len;
} server_options;

/* parse_options: go on and serve (any other value is the exit code) */
#define OPTIONS_RUN (-1)

/* The defaults, all in one place (the usage text above states them). */
static void
options_init(server_options *o)
{
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    *o = (server_options){
        .cfg =
            {
                .listen = "127.0.0.1:8080",
                .access_log = "-",
                .threads = ncpu > 0 ? (unsigned) (ncpu > 64 ? 64 : ncpu) : 1,
                .max_conns = OTA_SERVER_DEFAULT_MAX_CONNECTIONS,
                .max_per_ip = OTA_SERVER_DEFAULT_MAX_PER_IP,
                .request_timeout = OTA_SERVER_DEFAULT_REQUEST_TIMEOUT,
                .idle_timeout = OTA_SERVER_DEFAULT_IDLE_TIMEOUT,
                .shutdown_timeout = OTA_SERVER_DEFAULT_SHUTDOWN_TIMEOUT,
                .header_memory = OTA_SERVER_DEFAULT_HEADER_MEMORY,
                .cache_total = OTA_SERVER_DEFAULT_CACHE_TOTAL,
                .max_devices = SRV_DEFAULT_MAX_DEVICES,
                .new_per_minute = SRV_DEFAULT_NEW_PER_MINUTE,
            },
    };
}

enum {
    O_ROOT = 256,
    O_LISTEN,
    O_TLS_CERT,
    O_TLS_KEY,
    O_DB,
    O_TOKEN,
    O_ACCESS_LOG,
    O_THREADS,
    O_MAX_CONNS,
    O_MAX_PER_IP,
    O_REQ_TIMEOUT,
    O_IDLE_TIMEOUT,
    O_SHUTDOWN_TIMEOUT,
    O_HEADER_MEMORY,
    O_CACHE_SIZE,
    O_MAX_DEVICES,
    O_NEW_PER_MINUTE,
    O_ENROLMENT,
    O_DEVICE_KEYS,
    O_PROV_KEY,
    O_ADVISORIES,
    O_VERBOSE,
    O_VERSION,
    O_HELP,
};

/* One option with its argument into cfg; OPTIONS_RUN, or the exit code
 * (--help, --version, a usage error with its message). */
static int
parse_option(int opt, const char *arg, const char *spelled, srv_config *cfg)
{
    uint64_t v;
    switch (opt) {
    case O_ROOT: cfg->root = arg; break;
    case O_LISTEN: cfg->listen = arg; break;
    case O_TLS_CERT: cfg->tls_cert = arg; break;
    case O_TLS_KEY: cfg->tls_key = arg; break;
    case O_DB: cfg->db_path = arg; break;
    case O_TOKEN: cfg->token_file = arg; break;
    case O_ACCESS_LOG: cfg->access_log = arg; break;
    case O_VERBOSE: cfg->verbose = true; break;
    case O_VERSION:
        printf("ota-server %s (libmicrohttpd %s)\n", OTA_SERVER_VERSION, MHD_get_version());
        return SRV_EXIT_OK;
    case O_HELP: fputs(usage_text, stdout); return SRV_EXIT_OK;
    case O_THREADS:
        if (ota_parse_u64(arg, 1, 64, &v) != OTA_OK)
            return usage_error("--threads: expected 1..64, got '%s'", arg);
        cfg->threads = (unsigned) v;
        break;
    case O_MAX_CONNS:
        if (ota_parse_u64(arg, 1, 1000000, &v) != OTA_OK)
            return usage_error("--max-connections: expected 1..1000000, got '%s'", arg);
        cfg->max_conns = (unsigned) v;
        break;
    case O_MAX_PER_IP:
        if (ota_parse_u64(arg, 0, 1000000, &v) != OTA_OK)
            return usage_error("--max-per-ip: expected 0..1000000, got '%s'", arg);
        cfg->max_per_ip = (unsigned) v;
        break;
    case O_REQ_TIMEOUT:
    case O_IDLE_TIMEOUT:
    case O_SHUTDOWN_TIMEOUT:
        if (ota_parse_u64(arg, opt == O_SHUTDOWN_TIMEOUT ? 0 : 1, 86400, &v) != OTA_OK)
            return usage_error("timeout: expected seconds up to 86400, got '%s'", arg);
        if (opt == O_REQ_TIMEOUT)
            cfg->request_timeout = (unsigned) v;
        else if (opt == O_IDLE_TIMEOUT)
            cfg->idle_timeout = (unsigned) v;
        else
            cfg->shutdown_timeout = (unsigned) v;
        break;
    case O_HEADER_MEMORY:
        if (ota_parse_u64(arg, 4096, 1024 * 1024, &v) != OTA_OK)
            return usage_error("--header-memory: expected 4096..1048576, got '%s'", arg);
        cfg->header_memory = (size_t) v;
        break;
    case O_CACHE_SIZE:
        if (ota_parse_u64(arg, 0, (uint64_t) 1 << 40, &v) != OTA_OK)
            return usage_error("--cache-size: expected bytes, got '%s'", arg);
        cfg->cache_total = (size_t) v;
        break;
    case O_MAX_DEVICES:
        if (ota_parse_u64(arg, 0, 1000000000, &v) != OTA_OK)
            return usage_error("--max-devices: expected 0..1000000000, got '%s'", arg);
        cfg->max_devices = (unsigned) v;
        break;
    case O_NEW_PER_MINUTE:
        if (ota_parse_u64(arg, 0, 1000000, &v) != OTA_OK)
            return usage_error("--new-devices-per-minute: expected 0..1000000, got '%s'", arg);
        cfg->new_per_minute = (unsigned) v;
        break;
    case O_ENROLMENT:
        if (!srv_enrolment_parse(arg, &cfg->enrolment))
            return usage_error("--enrolment: expected open, registered or certified, got '%s'",
                               arg);
        break;
    case O_DEVICE_KEYS: cfg->device_keys = arg; break;
    case O_ADVISORIES: cfg->advisories = arg; break;
    case O_PROV_KEY:
        if (cfg->n_prov_key_files == SRV_MAX_PROVISIONING_KEYS)
            return usage_error("--provisioning-key: at most %u", SRV_MAX_PROVISIONING_KEYS);
        cfg->prov_key_files[cfg->n_prov_key_files++] = arg;
        break;
    default: return usage_error("unknown or incomplete option '%s'", spelled);
    }
    return OPTIONS_RUN;
}

/* Options that only make sense together. */
static int
check_options(const srv_config *cfg)
{
    if (cfg->root == NULL)
        return usage_error("--root DIR is required");
    if ((cfg->tls_cert == NULL) != (cfg->tls_key == NULL))
        return usage_error("--tls-cert and --tls-key go together");
    if (cfg->token_file != NULL && cfg->db_path == NULL)
        return usage_error("--admin-token-file needs --db");
    if ((cfg->device_keys != NULL || cfg->n_prov_key_files > 0 ||
         cfg->enrolment != SRV_ENROL_OPEN) &&
        cfg->db_path == NULL)
        return usage_error("--enrolment, --device-keys and --provisioning-key need --db");
    if (cfg->advisories != NULL && cfg->token_file == NULL)
        return usage_error("--advisories needs the admin API (--db and --admin-token-file)");
    if (cfg->enrolment == SRV_ENROL_CERTIFIED && cfg->n_prov_key_files == 0)
        return usage_error("--enrolment certified needs --provisioning-key");
    if (cfg->enrolment == SRV_ENROL_REGISTERED && cfg->device_keys == NULL &&
        cfg->token_file == NULL)
        return usage_error("--enrolment registered needs --device-keys or --admin-token-file "
                           "(to register keys)");
    return OPTIONS_RUN;
}

/* argv into *o, every check and message of the command line.  Returns
 * OPTIONS_RUN, or the exit code (--help and --version: 0). */
static int
parse_options(int argc, char **argv, server_options *o)
{
    static const struct option longopts[] = {
        {"root", required_argument, NULL, O_ROOT},
        {"listen", required_argument, NULL, O_LISTEN},
        {"tls-cert", required_argument, NULL, O_TLS_CERT},
        {"tls-key", required_argument, NULL, O_TLS_KEY},
        {"db", required_argument, NULL, O_DB},
        {"admin-token-file", required_argument, NULL, O_TOKEN},
        {"access-log", required_argument, NULL, O_ACCESS_LOG},
        {"threads", required_argument, NULL, O_THREADS},
        {"max-connections", required_argument, NULL, O_MAX_CONNS},
        {"max-per-ip", required_argument, NULL, O_MAX_PER_IP},
        {"request-timeout", required_argument, NULL, O_REQ_TIMEOUT},
        {"idle-timeout", required_argument, NULL, O_IDLE_TIMEOUT},
        {"shutdown-timeout", required_argument, NULL, O_SHUTDOWN_TIMEOUT},
        {"header-memory", required_argument, NULL, O_HEADER_MEMORY},
        {"cache-size", required_argument, NULL, O_CACHE_SIZE},
        {"max-devices", required_argument, NULL, O_MAX_DEVICES},
        {"new-devices-per-minute", required_argument, NULL, O_NEW_PER_MINUTE},
        {"enrolment", required_argument, NULL, O_ENROLMENT},
        {"device-keys", required_argument, NULL, O_DEVICE_KEYS},
        {"provisioning-key", required_argument, NULL, O_PROV_KEY},
        {"advisories", required_argument, NULL, O_ADVISORIES},
        {"verbose", no_argument, NULL, O_VERBOSE},
        {"version", no_argument, NULL, O_VERSION},
        {"help", no_argument, NULL, O_HELP},
        {NULL, 0, NULL, 0},
    };
    options_init(o);
    opterr = 0;
    int opt, ret;
    while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1)
        if ((ret = parse_option(opt, optarg, argv[optind - 1], &o->cfg)) != OPTIONS_RUN)
            return ret;
    if (optind < argc)
        return usage_error("unexpected argument '%s'", argv[optind]);
    if ((ret = check_options(&o->cfg)) != OPTIONS_RUN)
        return ret;
    if (!parse_listen(o->cfg.listen, &o->listen_addr, &o->listen_len))
        return usage_error("--listen: expected IPv4:PORT or [IPv6]:PORT, got '%s'",
                           o->cfg.listen);
    return OPTIONS_RUN;
}

/* ---- run: options -> a serving server ------------------------------------------------------ */

/* Everything s needs before it serves, then the listener and the daemon.
 * Returns the exit code (SRV_EXIT_OK: serving); teardown undoes what was
 * done, whatever failed. */
static int
start(srv *s, const server_options *o)
{
    srv_config *cfg = &s->cfg;
    umask(077); /* database and log files: owner only */
    if (sodium_init() < 0)
        return fail(SRV_EXIT_FAIL, "libsodium failed to initialise");
    /* SIGPIPE: a client closing mid-sendfile must not kill the server */
    signal(SIGPIPE, SIG_IGN);

    s->root_fd = open(cfg->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (s->root_fd < 0)
        return fail(SRV_EXIT_ROOT, "--root %s: %s", cfg->root, strerror(errno));
    srv_root_warn(s->root_fd, cfg->root);

    char why[512];
    if (cfg->token_file != NULL && srv_token_load(s, cfg->token_file, why, sizeof why) != OTA_OK)
        return fail(SRV_EXIT_TOKEN, "--admin-token-file %s", why);
    if (s->have_token &&
        srv_ratelimit_new(OTA_SERVER_AUTH_FAILS_PER_MINUTE, &s->admin_fails) != OTA_OK)
        return fail(SRV_EXIT_FAIL, "out of memory");

    if (cfg->tls_cert != NULL) {
        if (!MHD_is_feature_supported(MHD_FEATURE_TLS) ||
            !MHD_is_feature_supported(MHD_FEATURE_HTTPS_CERT_CALLBACK))
            return fail(SRV_EXIT_TLS, "this libmicrohttpd has no TLS certificate callback support");
        if (srv_tls_load(cfg->tls_cert, cfg->tls_key, why, sizeof why) != OTA_OK)
            return fail(SRV_EXIT_TLS, "%s", why);
    }

    if (cfg->db_path != NULL && srv_db_open(cfg->db_path, cfg->threads, &s->db, why,
                                                  sizeof why) != OTA_OK)
        return fail(SRV_EXIT_DB, "--db %s", why);
    if (s->db != NULL) {
        ota_err erc = srv_enrolment_setup(s, why, sizeof why);
        if (erc != OTA_OK)
            return fail(erc == OTA_E_IO      ? SRV_EXIT_DB
                        : erc == OTA_E_NOMEM ? SRV_EXIT_FAIL
                                             : SRV_EXIT_USAGE,
                        "%s", why);
    }

    if (s->db != NULL && s->have_token) {
        ota_err vrc = srv_vuln_new(cfg->advisories, &s->vuln, why, sizeof why);
        if (vrc != OTA_OK)
            return fail(vrc == OTA_E_NOMEM ? SRV_EXIT_FAIL : SRV_EXIT_USAGE, "--advisories %s",
                        why);
    }

    if (cfg->cache_total > 0 && srv_cache_new(cfg->cache_total, &s->cache) != OTA_OK)
        return fail(SRV_EXIT_FAIL, "out of memory");

    if (strcmp(cfg->access_log, "off") == 0) {
        atomic_store(&s->log_fd, -1);
    } else if (strcmp(cfg->access_log, "-") == 0) {
        atomic_store(&s->log_fd, STDOUT_FILENO);
    } else {
        int lfd = srv_log_open(cfg->access_log);
        if (lfd < 0)
            return fail(SRV_EXIT_USAGE, "--access-log %s: %s", cfg->access_log, strerror(errno));
        atomic_store(&s->log_fd, lfd);
    }

    fit_fd_limit(cfg);

    char bound[INET6_ADDRSTRLEN + 16] = "?";
    int lfd = open_listener(&o->listen_addr, o->listen_len, bound, sizeof bound);
    if (lfd < 0)
        return fail(SRV_EXIT_LISTEN, "cannot listen on %s: %s", cfg->listen, strerror(errno));

    /* signals are taken synchronously by this thread; every thread started
     * from here on inherits the mask */
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGTERM);
    sigaddset(&stop_signals, SIGINT);
    main_signals = stop_signals;
    sigaddset(&main_signals, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &main_signals, NULL);

    bool tls = cfg->tls_cert != NULL;
    if (srv_http_start(s, lfd, tls) != OTA_OK) {
        close(lfd);
        if (tls)
            return fail(SRV_EXIT_TLS, "cannot start the TLS server (run with --verbose for details)");
        return fail(SRV_EXIT_FAIL, "cannot start the HTTP daemon (run with --verbose for details)");
    }
    fprintf(stderr,
            "ota-server: serving %s on %s://%s (%u threads, reports %s, admin %s, cache %s)\n",
            cfg->root, tls ? "https" : "http", bound, cfg->threads, s->db ? "on" : "off",
            s->have_token ? "on" : "off", s->cache ? "on" : "off");
    fflush(stderr);
    return SRV_EXIT_OK;
}

/* Serve until SIGTERM/SIGINT (SIGHUP reloads), then drain and stop. */
static void
serve(srv *s)
{
    int sig = 0;
    for (;;) {
        while (sigwait(&main_signals, &sig) != 0)
            ;
        if (sig != SIGHUP)
            break;
        reload(s);
    }
    fprintf(stderr, "ota-server: %s: stopping (in-flight responses get up to %us)\n",
            sig == SIGINT ? "SIGINT" : "SIGTERM", s->cfg.shutdown_timeout);
    fflush(stderr);
    unsigned cut = srv_http_stop(s, second_signal);
    if (cut > 0)
        fprintf(stderr, "ota-server: closed %u connection(s) still open at shutdown\n", cut);
    fprintf(stderr, "ota-server: stopped\n");
}

/* Frees whatever start set up, as far as it got. */
static void
teardown(srv *s)
{
    srv_cache_free(s->cache);
    srv_vuln_free(s->vuln);
    srv_enrolment_free(s);
    srv_ratelimit_free(s->admin_fails);
    srv_db_close(s->db);
    srv_tls_free();
    int logfd = atomic_load(&s->log_fd);
    if (logfd > STDERR_FILENO)
        close(logfd);
    if (s->root_fd >= 0)
        close(s->root_fd);
}

static int
run(srv *s, const server_options *o)
{
    s->cfg = o->cfg;
    s->root_fd = -1;
    atomic_store(&s->log_fd, -1);
    int ret = start(s, o);
    if (ret == SRV_EXIT_OK)
        serve(s);
    teardown(s);
    return ret;
}

int
main(int argc, char **argv)
{
    static srv s; /* large (metrics): not on the stack */
    server_options o;
    int ret = parse_options(argc, argv, &o);
    return ret == OPTIONS_RUN ? run(&s, &o) : ret;
}
