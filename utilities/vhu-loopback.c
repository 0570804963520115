/*
 * vhu-loopback: a vhost-user backend built on libvhostuser that echoes
 * every frame the guest transmits on queue pair Q back into the guest's
 * receive queue of the same pair.
 *
 * It is the library-level demo and benchmark partner of vhu-peer, and
 * shows the intended threading: one control thread runs vhu_dev_run() on
 * the socket while datapath threads call the burst functions.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "vhu.h"
#include "vhu-proto.h"

#define BURST 32
#define BUF_SIZE 9728

struct options {
    const char *socket;
    bool client;
    int queues;
    int threads;
    int timeout_s;              /* 0: until SIGINT/SIGTERM. */
    uint64_t features_off;
    bool quiet;
};

static atomic_bool stop;
static atomic_ullong echo_drops;   /* Frames the guest had no room for. */
static struct vhu_dev *dev;

static void
on_signal(int sig)
{
    atomic_store(&stop, true);
}

static void
usage(void)
{
    printf("usage: vhu-loopback --socket PATH [options]\n"
           "A vhost-user backend that echoes guest TX into guest RX.\n"
           "  --socket PATH     socket path (required)\n"
           "  --client          connect to PATH (default: listen on it)\n"
           "  --queues N        queue pairs to offer (1..128, default 8)\n"
           "  --threads N       datapath threads (default 1)\n"
           "  --timeout SEC     exit after SEC seconds (default: on "
           "SIGINT/SIGTERM)\n"
           "  --no-mrg-rxbuf --no-event-idx --no-indirect --no-mq\n"
           "                    do not offer that feature\n"
           "  --quiet           print only the final counters\n");
}

static int
parse_int(const char *s, int min, int max, int *out)
{
    char *end;
    long v;

    errno = 0;
    v = strtol(s, &end, 10);
    if (errno || *end || end == s || v < min || v > max) {
        fprintf(stderr, "vhu-loopback: '%s' is not in %d..%d\n", s, min,
                max);
        return EINVAL;
    }
    *out = v;
    return 0;
}

static int
parse_options(int argc, char *argv[], struct options *o)
{
    enum { OPT_NO_MRG = 256, OPT_NO_EVIDX, OPT_NO_IND, OPT_NO_MQ };
    static const struct option longopts[] = {
        { "socket", required_argument, NULL, 's' },
        { "client", no_argument, NULL, 'c' },
        { "queues", required_argument, NULL, 'q' },
        { "threads", required_argument, NULL, 't' },
        { "timeout", required_argument, NULL, 'T' },
        { "no-mrg-rxbuf", no_argument, NULL, OPT_NO_MRG },
        { "no-event-idx", no_argument, NULL, OPT_NO_EVIDX },
        { "no-indirect", no_argument, NULL, OPT_NO_IND },
        { "no-mq", no_argument, NULL, OPT_NO_MQ },
        { "quiet", no_argument, NULL, 'Q' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    int c, error = 0;

    *o = (struct options) { .queues = 8, .threads = 1 };
    while (!error && (c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (c) {
        case 's': o->socket = optarg; break;
        case 'c': o->client = true; break;
        case 'q': error = parse_int(optarg, 1, 128, &o->queues); break;
        case 't': error = parse_int(optarg, 1, 64, &o->threads); break;
        case 'T': error = parse_int(optarg, 0, 86400, &o->timeout_s); break;
        case OPT_NO_MRG:
            o->features_off |= VHU_BIT(VHU_F_NET_MRG_RXBUF);
            break;
        case OPT_NO_EVIDX:
            o->features_off |= VHU_BIT(VHU_F_RING_EVENT_IDX);
            break;
        case OPT_NO_IND:
            o->features_off |= VHU_BIT(VHU_F_RING_INDIRECT_DESC);
            break;
        case OPT_NO_MQ:
            o->features_off |= VHU_BIT(VHU_F_NET_MQ);
            break;
        case 'Q': o->quiet = true; break;
        case 'h': usage(); exit(0);
        default: return EINVAL;
        }
    }
    if (!error && !o->socket) {
        fprintf(stderr, "vhu-loopback: --socket is required\n");
        error = EINVAL;
    }
    return error;
}

struct worker {
    pthread_t thread;
    int index, n_workers, n_queues;
    uint8_t (*bufs)[BUF_SIZE];
};

/* Echoes queue pair 'qp' once.  Returns the frames moved. */
static int
echo_pair(struct worker *w, int qp)
{
    struct vhu_pkt pkts[BURST];
    int n, sent = 0;

    for (int i = 0; i < BURST; i++) {
        pkts[i].data = w->bufs[i];
        pkts[i].size = BUF_SIZE;
    }
    n = vhu_dequeue_burst(dev, vhu_tx_vring(qp), pkts, BURST);
    /* Keep trying while the guest drains its RX ring (or the control
     * thread swaps the memory table), but not for ever: whatever still
     * does not fit after about 100 ms is dropped and counted.  Frames of a
     * frontend that went away are dropped at once, never handed to the
     * next one. */
    for (int tries = 0; sent < n && tries < 2000 && !atomic_load(&stop)
                        && vhu_dev_vring_ready(dev, vhu_rx_vring(qp));
         tries++) {
        int placed = vhu_enqueue_burst(dev, vhu_rx_vring(qp), pkts + sent,
                                       n - sent, NULL);
        if (!placed) {
            struct timespec ts = { 0, 50000 };
            nanosleep(&ts, NULL);
        }
        sent += placed;
    }
    if (sent < n) {
        atomic_fetch_add(&echo_drops, n - sent);
    }
    return n;
}

static void *
worker_main(void *w_)
{
    struct worker *w = w_;

    while (!atomic_load(&stop)) {
        int moved = 0;

        for (int qp = w->index; qp < w->n_queues; qp += w->n_workers) {
            moved += echo_pair(w, qp);
        }
        if (!moved) {
            struct timespec ts = { 0, 20000 };  /* Idle: 20 us. */
            nanosleep(&ts, NULL);
        }
    }
    return NULL;
}

static void
on_event(void *aux, struct vhu_dev *d, enum vhu_event ev, int vring)
{
    const struct options *o = aux;
    char buf[256];

    if (o->quiet) {
        return;
    }
    switch (ev) {
    case VHU_EV_CONNECTED:
        printf("event: connected\n");
        break;
    case VHU_EV_DISCONNECTED:
        printf("event: disconnected\n");
        break;
    case VHU_EV_VRING_CHANGED:
        printf("event: vring %d %s\n", vring,
               vhu_dev_vring_ready(d, vring) ? "ready" : "stopped");
        break;
    case VHU_EV_FEATURES_CHANGED:
        printf("event: features %s\n",
               vhu_features_to_string(vhu_dev_features(d), buf, sizeof buf));
        break;
    case VHU_EV_MTU_CHANGED:
        printf("event: mtu %u\n", vhu_dev_mtu(d));
        break;
    case VHU_EV_MEM_CHANGED:
        printf("event: memory table changed\n");
        break;
    }
    fflush(stdout);
}

static void
print_counters(int n_queues)
{
    uint64_t rx = 0, tx = 0, drops = 0, errors = 0, notes = 0;
    struct vhu_dev_stats st;

    for (int i = 0; i < 2 * n_queues; i++) {
        struct vhu_vring_info info;

        if (!vhu_dev_vring_info(dev, i, &info)) {
            *(i % 2 ? &tx : &rx) += info.packets;
            drops += info.drops;
            errors += info.errors;
            notes += info.notifications;
        }
    }
    vhu_dev_get_stats(dev, &st);
    printf("backend_guest_tx_frames: %" PRIu64 "\n"
           "backend_guest_rx_frames: %" PRIu64 "\n"
           "backend_drops: %" PRIu64 "\n"
           "backend_echo_drops: %llu\n"
           "backend_ring_errors: %" PRIu64 "\n"
           "backend_notifications: %" PRIu64 "\n"
           "backend_messages: %" PRIu64 "\n"
           "backend_messages_rejected: %" PRIu64 "\n"
           "backend_connects: %" PRIu64 "\n",
           tx, rx, drops, atomic_load(&echo_drops), errors, notes, st.msgs,
           st.msgs_rejected,
           st.connects);
}

static void
control_loop(const struct options *o)
{
    time_t deadline = o->timeout_s ? time(NULL) + o->timeout_s : 0;

    while (!atomic_load(&stop)) {
        int timeout = vhu_dev_run(dev);
        struct pollfd pfd = { .fd = vhu_dev_fd(dev), .events = POLLIN };

        if (timeout < 0 || timeout > 100) {
            timeout = 100;      /* Notice 'stop' promptly. */
        }
        if (poll(&pfd, pfd.fd >= 0, timeout) < 0 && errno != EINTR) {
            break;
        }
        if (deadline && time(NULL) >= deadline) {
            break;
        }
    }
    atomic_store(&stop, true);
}

int
main(int argc, char *argv[])
{
    struct vhu_dev_config cfg;
    struct worker *workers;
    struct options o;
    int error;

    if (parse_options(argc, argv, &o)) {
        usage();
        return 2;
    }
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    signal(SIGPIPE, SIG_IGN);
    setvbuf(stdout, NULL, _IOLBF, 0);

    cfg = (struct vhu_dev_config) {
        .path = o.socket, .client = o.client,
        .features = vhu_default_features() & ~o.features_off,
        .max_queue_pairs = o.queues, .event_cb = on_event, .aux = &o,
    };
    error = vhu_dev_create(&cfg, &dev);
    if (error) {
        fprintf(stderr, "vhu-loopback: %s: %s\n", o.socket, strerror(error));
        return 1;
    }
    if (!o.quiet) {
        printf("vhu-loopback: %s on %s, %d queue pairs, %d threads\n",
               o.client ? "connecting" : "listening", o.socket, o.queues,
               o.threads);
    }
    workers = calloc(o.threads, sizeof *workers);
    for (int i = 0; i < o.threads; i++) {
        workers[i] = (struct worker) { .index = i, .n_workers = o.threads,
                                       .n_queues = o.queues };
        workers[i].bufs = malloc(BURST * sizeof *workers[i].bufs);
        pthread_create(&workers[i].thread, NULL, worker_main, &workers[i]);
    }
    control_loop(&o);
    for (int i = 0; i < o.threads; i++) {
        pthread_join(workers[i].thread, NULL);
        free(workers[i].bufs);
    }
    print_counters(o.queues);
    vhu_dev_destroy(dev);
    free(workers);
    return 0;
}
