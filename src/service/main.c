/*
 * service/main.c: `hotmigd`, the migration service: parses the arguments, opens the core (svc.h),
 * starts the HTTP front (http.h) and waits for SIGINT / SIGTERM, then stops both cleanly
 * (running tasks keep their checkpoints and resume at the next start).
 *
 *   hotmigd --data-dir DIR [--listen HOST:PORT] [--max-copying N]
 *           [--tls-cert FILE --tls-key FILE] [--insecure-http]
 *   hotmigd --data-dir DIR --add-user NAME [--password-file FILE]   (else the first line of stdin)
 *   hotmigd --routes                                                 (the API's route table)
 *
 * The default listen address is 127.0.0.1:8420; an address off loopback needs TLS or an explicit
 * --insecure-http. Port 0 takes any free port (the line "listening on" says which). The API
 * token's path is printed, never the token. Exit status, as the CLI's: 0 stopped on request,
 * 1 failed (one line "hotmigd: what failed, why, what to do"), 2 usage error.
 */
#include <errno.h>
#include <getopt.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <sodium.h>

#include "service/http.h"
#include "service/svc.h"
#include "util/err.h"

#define IDLE_TRIM_S 5

typedef struct args {
    const char *data_dir, *listen, *tls_cert, *tls_key, *add_user, *password_file;
    unsigned max_copying;
    bool insecure_http, routes;
    char host[64];
    unsigned port;
} args;

static void usage(FILE *f)
{
    fputs("usage: hotmigd --data-dir DIR [--listen HOST:PORT] [--max-copying N]\n"
          "               [--tls-cert FILE --tls-key FILE] [--insecure-http]\n"
          "       hotmigd --data-dir DIR --add-user NAME [--password-file FILE]\n"
          "\n"
          "The hotmig migration service: tasks, precheck, a queue, the REST API under /api/v1 and\n"
          "the web console at /.\n"
          "\n"
          "  --data-dir DIR        the store, the key that encrypts stored passwords, and the API\n"
          "                        token (DIR/token); created (mode 0700) on first start\n"
          "  --listen HOST:PORT    numeric address to serve on (default 127.0.0.1:8420; [::1]:PORT\n"
          "                        for IPv6; port 0: any free port)\n"
          "  --max-copying N       tasks copying at once (default 1: one after the other)\n"
          "  --tls-cert FILE       PEM certificate, with --tls-key: serve HTTPS\n"
          "  --tls-key FILE        PEM private key\n"
          "  --insecure-http       allow plain HTTP on an address other than loopback\n"
          "  --add-user NAME       add or replace a console user and exit; the password is read\n"
          "                        from --password-file FILE (first line) or stdin\n"
          "  --routes              print the API's routes and exit\n"
          "Exit status: 0 stopped on request (SIGINT/SIGTERM), 1 failure, 2 usage error.\n",
          f);
}

static int parse_uint(const char *name, const char *v, unsigned max, unsigned *out, hm_err *err)
{
    char *end;
    unsigned long x;
    errno = 0;
    if (!v || *v < '0' || *v > '9') {
        hm_err_set(err, HM_EUSAGE, "%s must be a whole number from 0 to %u", name, max);
        return 2;
    }
    x = strtoul(v, &end, 10);
    if (errno || *end || x > max) {
        hm_err_set(err, HM_EUSAGE, "%s must be a whole number from 0 to %u", name, max);
        return 2;
    }
    *out = (unsigned)x;
    return 0;
}

/* HOST:PORT or [V6]:PORT into a->host, a->port. */
static int parse_listen(args *a, hm_err *err)
{
    const char *v = a->listen, *colon;
    size_t hl;
    if (v[0] == '[') {
        const char *close = strchr(v, ']');
        if (!close || close[1] != ':') {
            hm_err_set(err, HM_EUSAGE, "--listen must be HOST:PORT or [IPV6]:PORT, e.g. 127.0.0.1:8420");
            return 2;
        }
        hl = (size_t)(close - v - 1);
        colon = close + 1;
        v++;
    } else {
        colon = strrchr(v, ':');
        if (!colon || strchr(v, ':') != colon) {
            hm_err_set(err, HM_EUSAGE, "--listen must be HOST:PORT or [IPV6]:PORT, e.g. 127.0.0.1:8420");
            return 2;
        }
        hl = (size_t)(colon - v);
    }
    if (hl == 0 || hl >= sizeof a->host) {
        hm_err_set(err, HM_EUSAGE, "--listen: the host part is empty or too long");
        return 2;
    }
    memcpy(a->host, v, hl);
    a->host[hl] = '\0';
    if (strcmp(a->host, "localhost") == 0)
        snprintf(a->host, sizeof a->host, "127.0.0.1");
    return parse_uint("--listen's port", colon + 1, 65535, &a->port, err);
}

static bool loopback(const char *host)
{
    return strncmp(host, "127.", 4) == 0 || strcmp(host, "::1") == 0;
}

static int parse(args *a, int argc, char **argv, hm_err *err)
{
    enum { O_DIR = 256, O_LISTEN, O_MAXC, O_CERT, O_KEY, O_INSECURE, O_ADD, O_PWF, O_HELP, O_VER, O_ROUTES };
    static const struct option opts[] = {
        {"data-dir", required_argument, NULL, O_DIR},
        {"listen", required_argument, NULL, O_LISTEN},
        {"max-copying", required_argument, NULL, O_MAXC},
        {"tls-cert", required_argument, NULL, O_CERT},
        {"tls-key", required_argument, NULL, O_KEY},
        {"insecure-http", no_argument, NULL, O_INSECURE},
        {"add-user", required_argument, NULL, O_ADD},
        {"password-file", required_argument, NULL, O_PWF},
        {"routes", no_argument, NULL, O_ROUTES},
        {"help", no_argument, NULL, O_HELP},
        {"version", no_argument, NULL, O_VER},
        {NULL, 0, NULL, 0},
    };
    int c;
    memset(a, 0, sizeof *a);
    a->listen = "127.0.0.1:8420";
    a->max_copying = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case O_DIR: a->data_dir = optarg; break;
        case O_LISTEN: a->listen = optarg; break;
        case O_MAXC:
            if (parse_uint("--max-copying", optarg, 64, &a->max_copying, err))
                return 2;
            if (a->max_copying == 0) {
                hm_err_set(err, HM_EUSAGE, "--max-copying must be a whole number from 1 to 64");
                return 2;
            }
            break;
        case O_CERT: a->tls_cert = optarg; break;
        case O_KEY: a->tls_key = optarg; break;
        case O_INSECURE: a->insecure_http = true; break;
        case O_ADD: a->add_user = optarg; break;
        case O_PWF: a->password_file = optarg; break;
        case O_ROUTES: a->routes = true; break;
        case O_HELP: usage(stdout); return -1;
        case O_VER: printf("hotmigd %s\n", HM_VERSION); return -1;
        default:
            hm_err_set(err, HM_EUSAGE, "unknown or incomplete option '%s'; see hotmigd --help", argv[optind - 1]);
            return 2;
        }
    }
    if (optind < argc) {
        hm_err_set(err, HM_EUSAGE, "unexpected argument '%s'; see hotmigd --help", argv[optind]);
        return 2;
    }
    if (a->routes)
        return 0;
    if (!a->data_dir || !*a->data_dir) {
        hm_err_set(err, HM_EUSAGE, "--data-dir DIR is required (where the store and the API token live)");
        return 2;
    }
    if (a->password_file && !a->add_user) {
        hm_err_set(err, HM_EUSAGE, "--password-file belongs to --add-user");
        return 2;
    }
    if (parse_listen(a, err))
        return 2;
    if (!a->tls_cert != !a->tls_key) {
        hm_err_set(err, HM_EUSAGE, "--tls-cert and --tls-key go together");
        return 2;
    }
    if (!loopback(a->host) && !a->tls_cert && !a->insecure_http) {
        hm_err_set(err, HM_EUSAGE, "--listen %s is not a loopback address: give --tls-cert and --tls-key to "
                   "serve HTTPS there, or --insecure-http to serve the API token in clear anyway", a->listen);
        return 2;
    }
    return 0;
}

/* The password of --add-user: the first line of the file or of stdin (not echoed on a terminal). */
static int read_password(const args *a, char *out, size_t n, hm_err *err)
{
    FILE *f = stdin;
    struct termios old, quiet;
    bool tty = false;
    size_t len;
    if (a->password_file && !(f = fopen(a->password_file, "r"))) {
        hm_err_set(err, HM_EUSAGE, "cannot read --password-file %s: %s", a->password_file, strerror(errno));
        return 2;
    }
    if (!a->password_file && isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &old) == 0) {
        tty = true;
        quiet = old;
        quiet.c_lflag &= ~(tcflag_t)ECHO;
        fprintf(stderr, "password for %s: ", a->add_user);
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
    }
    if (!fgets(out, (int)n, f))
        out[0] = '\0';
    if (tty) {
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
        fputc('\n', stderr);
    }
    if (f != stdin)
        fclose(f);
    len = strcspn(out, "\r\n");
    out[len] = '\0';
    if (len == 0) {
        hm_err_set(err, HM_EUSAGE, "no password given for %s (first line of %s)", a->add_user,
                   a->password_file ? a->password_file : "stdin");
        return 2;
    }
    return 0;
}

static int add_user(const args *a)
{
    hm_svc_opts o = {.data_dir = a->data_dir, .max_copying = a->max_copying};
    hm_err err = {0};
    hm_svc_err se = {0};
    char pw[1024];
    hm_svc *svc;
    hm_svc_status st;
    if (read_password(a, pw, sizeof pw, &err)) {
        fprintf(stderr, "hotmigd: %s\n", err.msg);
        return 2;
    }
    if (!(svc = hm_svc_open(&o, &err))) {
        sodium_memzero(pw, sizeof pw);
        fprintf(stderr, "hotmigd: %s\n", err.msg);
        return 1;
    }
    st = hm_svc_user_set(svc, a->add_user, pw, &se);
    sodium_memzero(pw, sizeof pw);
    hm_svc_close(svc);
    if (st != HM_SVC_OK) {
        fprintf(stderr, "hotmigd: %s\n", se.message);
        return st == HM_SVC_EBADINPUT ? 2 : 1;
    }
    fprintf(stderr, "hotmigd: user %s can now log in to the console\n", a->add_user);
    return 0;
}

int main(int argc, char **argv)
{
    args a;
    hm_err err = {0};
    hm_svc_opts o;
    hm_http_opts ho;
    hm_svc *svc;
    hm_http *http;
    sigset_t set;
    int rc, sig = 0;
    bool v6;

    rc = parse(&a, argc, argv, &err);
    if (rc < 0)
        return 0;
    if (rc) {
        fprintf(stderr, "hotmigd: %s\n", err.msg);
        return 2;
    }
    if (a.routes) {
        hm_http_routes_print(stdout);
        return 0;
    }
    if (sodium_init() < 0) {
        fprintf(stderr, "hotmigd: libsodium cannot start (no source of randomness?)\n");
        return 1;
    }
    signal(SIGPIPE, SIG_IGN);
#ifdef M_ARENA_MAX
    /* A thread per connection: glibc would give each its own malloc arena, kept after the
     * thread ends; one is plenty for a daemon that mostly waits. And a fixed mmap threshold:
     * large answers (GET /tasks of 1,000 tasks is ~800 KB) are mapped and unmapped, not left
     * as holes in the heap (glibc would otherwise raise the threshold past them). */
    mallopt(M_ARENA_MAX, 1);
    mallopt(M_MMAP_THRESHOLD, 128 * 1024);
#endif
    if (a.add_user)
        return add_user(&a);

    /* SIGINT and SIGTERM are waited for here, so every thread started below inherits them blocked */
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);

    memset(&o, 0, sizeof o);
    o.data_dir = a.data_dir;
    o.max_copying = a.max_copying;
    if (!(svc = hm_svc_open(&o, &err))) {
        fprintf(stderr, "hotmigd: %s\n", err.msg);
        return 1;
    }
    memset(&ho, 0, sizeof ho);
    ho.host = a.host;
    ho.port = a.port;
    ho.tls_cert = a.tls_cert;
    ho.tls_key = a.tls_key;
    if (!(http = hm_http_start(svc, &ho, &err))) {
        hm_svc_close(svc);
        fprintf(stderr, "hotmigd: %s\n", err.msg);
        return err.code == HM_EUSAGE ? 2 : 1;
    }
    v6 = strchr(a.host, ':') != NULL;
    fprintf(stderr, "hotmigd: listening on %s://%s%s%s:%u/ (API under /api/v1); the API token is in %s\n",
            a.tls_cert ? "https" : "http", v6 ? "[" : "", a.host, v6 ? "]" : "", hm_http_port(http),
            hm_svc_token_path(svc));
    /* wait for SIGINT/SIGTERM; every IDLE_TRIM_S without one, hand the heap's free pages back
     * (a burst of large answers leaves them behind, and a daemon runs for months) */
    for (;;) {
        struct timespec ts = {IDLE_TRIM_S, 0};
        sig = sigtimedwait(&set, NULL, &ts);
        if (sig == SIGINT || sig == SIGTERM)
            break;
#ifdef __GLIBC__
        if (sig < 0 && errno == EAGAIN)
            malloc_trim(0);
#endif
    }
    fprintf(stderr, "hotmigd: %s: stopping (running tasks keep their checkpoints and resume at the next "
            "start)\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
    hm_http_stop(http);
    hm_svc_close(svc);
    fprintf(stderr, "hotmigd: stopped\n");
    return 0;
}
