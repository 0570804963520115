/*
 * vhu-peer: a vhost-user frontend on the command line.
 *
 * It plays what QEMU plus a guest virtio-net driver would be, against any
 * vhost-user backend (libvhostuser's vhu-loopback, OVS-DPDK, DPDK vhost):
 * it negotiates features, shares guest memory, sets up N queue pairs and
 * then sends, receives, echoes, pings or measures throughput.  Generated
 * frames carry a sequence number and a pattern derived from it, so that a
 * receiver can verify them byte for byte.  Built on utilities/vhu-front.[ch];
 * used by the autotest suite and by "make demo"/"make bench".
 *
 * At exit it prints counters, one "key: value" per line, and exits with 0
 * only if the requested work succeeded.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "vhu-front.h"

#define PEER_ETHERTYPE 0x88b5   /* IEEE local experimental. */
#define PEER_MAGIC 0x56485550u  /* "VHUP". */
#define PEER_HDR_LEN 30         /* Ethernet 14, magic 4, seq 8, len 2, 2. */
#define PEER_MIN_SIZE 64
#define PEER_MAX_SIZE 9000
#define PEER_MAX_FRAME 65535    /* Largest frame from a pcap. */
#define PEER_BURST 32
#define PATTERN_LEN (256 + PEER_MAX_FRAME)

/* ---------------------------------------------------------------------- */
/* Options. */

struct options {
    const char *socket;
    bool server;
    bool reconnect;             /* Reconnect when the backend goes away. */
    int mem_mb, regions, queues, ring_size;
    bool fd_per_region;
    int remap_mem_ms;           /* 0: never change the memory table. */
    uint64_t features_off;
    bool no_reply_ack, qemu_order, interrupts, verbose, ignore_foreign;
    long long send_n, recv_n, ping_n, count; /* -1: not requested. */
    int interval_ms;            /* --ping: least time between pings. */
    int ping_timeout_ms;        /* --ping: a ping is lost after this. */
    bool ping_timeout_set;      /* --ping-timeout was given. */
    bool echo;
    double throughput_s;        /* 0: not requested. */
    double timeout_s;           /* < 0: none. */
    double connect_timeout_s;
    int size;
    uint8_t src_mac[6], dst_mac[6];
    const char *pcap_in, *pcap_out;
    struct vhf_tx_opts tx;
    bool rx_hdr_separate, rx_indirect;
    int rx_segs;
    bool disabled_qp[VHU_MAX_QUEUE_PAIRS];  /* --disable-queue. */
};

static void
usage(void)
{
    printf(
"usage: vhu-peer --socket PATH [options]\n"
"A vhost-user frontend (the guest side) for testing vhost-user backends.\n"
"\nConnection and device:\n"
"  --socket PATH          vhost-user socket (required)\n"
"  --server               listen on PATH and wait for the backend to\n"
"                         connect (default: connect, retrying)\n"
"  --connect-timeout SEC  give up connecting after SEC s (default 30)\n"
"  --reconnect            when the backend goes away (socket closed, or a\n"
"                         request failed), drop the connection, the vrings\n"
"                         and the frames in flight (tx_lost), connect again\n"
"                         (with --server: accept again on the same socket)\n"
"                         within --connect-timeout, set the device up as at\n"
"                         start and carry on with the work (nothing is sent\n"
"                         meanwhile); see the reconnects, tx_lost and\n"
"                         rx_after_reconnect counters\n"
"  --mem MB               guest memory (default 64)\n"
"  --regions N            memory regions, 1..8 (default 1)\n"
"  --fd-per-region        one memfd per region (default: one shared)\n"
"  --remap-mem MS         during traffic, send a changed memory table (the\n"
"                         same memory split into N or N+1 regions) every\n"
"                         MS ms, under the live rings\n"
"  --queues N             queue pairs (default 1)\n"
"  --ring-size N          descriptors per vring, a power of 2 (default 256)\n"
"  --disable-queue Q      after setup, disable queue pair Q's two vrings\n"
"                         (SET_VRING_ENABLE 0), as a guest that leaves a\n"
"                         queue pair unused; repeatable; with --echo only\n"
"  --no-mrg-rxbuf --no-event-idx --no-indirect --no-mq --no-version-1\n"
"                         do not accept that feature\n"
"  --no-reply-ack         do not accept the REPLY_ACK protocol feature\n"
"  --qemu-order           negotiate in QEMU's message order\n"
"  --interrupts           ask the backend for interrupts (default: we\n"
"                         busy-poll and suppress them)\n"
"\nWork (--send and --recv may be combined):\n"
"  --send N               send N generated frames\n"
"  --recv N               receive N valid frames\n"
"  --size B               generated frame size, 64..9000 (default 64)\n"
"  --src-mac MAC --dst-mac MAC  addresses of generated frames\n"
"  --pcap-in FILE         send the frames of FILE (once, or N with --send)\n"
"  --pcap-out FILE        write received frames to FILE\n"
"  --echo                 reflect received frames (MACs swapped)\n"
"  --count N              with --echo: stop after N frames\n"
"  --ping N               send N frames one by one, wait for each echo\n"
"  --interval MS          with --ping: start a ping at most every MS ms\n"
"                         (default 0: as soon as the previous one is\n"
"                         answered or lost)\n"
"  --ping-timeout MS      with --ping: a ping not answered within MS ms is\n"
"                         lost, and the next one goes (default 1000)\n"
"  --throughput SEC       send as fast as possible for SEC s, receiving\n"
"  --timeout SEC          give up after SEC s (default 10; --echo: none)\n"
"  --ignore-foreign       frames that are not ours are not bad\n"
"\nChain layout:\n"
"  --tx-hdr-separate      TX: virtio-net header in its own descriptor\n"
"  --tx-indirect          TX: use indirect descriptor tables\n"
"  --tx-seg-size B        TX: split frames into descriptors of B bytes\n"
"  --rx-hdr-separate      RX: header in its own descriptor\n"
"  --rx-indirect          RX: post indirect tables\n"
"  --rx-segs N            RX: data descriptors per buffer (default 1)\n"
"\n  -v, --verbose          print more\n"
"  -h, --help             print this help\n"
"\nAt exit, counters are printed as \"key: value\" lines.  The exit code\n"
"is 0 only if the requested work succeeded.  For --ping: every ping was\n"
"answered; but with --reconnect or an explicit --ping-timeout, at least\n"
"one was, and with --reconnect at least one since the last reconnection.\n"
"SIGINT and SIGTERM end the work (or a wait for the backend) early; the\n"
"counters are printed all the same.\n");
}

static int
parse_ll(const char *s, long long min, long long max, long long *out)
{
    char *end;
    long long v;

    errno = 0;
    v = strtoll(s, &end, 10);
    if (errno || *end || end == s || v < min || v > max) {
        fprintf(stderr, "vhu-peer: '%s' is not an integer in %lld..%lld\n",
                s, min, max);
        return EINVAL;
    }
    *out = v;
    return 0;
}

static int
parse_int(const char *s, int min, int max, int *out)
{
    long long v;
    int error = parse_ll(s, min, max, &v);

    if (!error) {
        *out = v;
    }
    return error;
}

static int
parse_seconds(const char *s, double *out)
{
    char *end;
    double v;

    errno = 0;
    v = strtod(s, &end);
    if (errno || *end || end == s || !(v >= 0) || v > 1e6) {
        fprintf(stderr, "vhu-peer: '%s' is not a number of seconds\n", s);
        return EINVAL;
    }
    *out = v;
    return 0;
}

static int
parse_mac(const char *s, uint8_t mac[6])
{
    char extra;

    if (sscanf(s, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx%c", &mac[0], &mac[1],
               &mac[2], &mac[3], &mac[4], &mac[5], &extra) != 6) {
        fprintf(stderr, "vhu-peer: '%s' is not a MAC address\n", s);
        return EINVAL;
    }
    return 0;
}

enum {
    OPT_SERVER = 256, OPT_CONNECT_TIMEOUT, OPT_MEM, OPT_REGIONS, OPT_QUEUES,
    OPT_RING_SIZE, OPT_NO_MRG, OPT_NO_EVIDX, OPT_NO_IND, OPT_NO_MQ,
    OPT_NO_V1, OPT_NO_REPLY_ACK, OPT_QEMU_ORDER, OPT_INTERRUPTS, OPT_SEND,
    OPT_RECV, OPT_SIZE, OPT_SRC_MAC, OPT_DST_MAC, OPT_PCAP_IN, OPT_PCAP_OUT,
    OPT_ECHO, OPT_COUNT, OPT_PING, OPT_THROUGHPUT, OPT_TIMEOUT,
    OPT_IGNORE_FOREIGN, OPT_TX_HDR_SEP, OPT_TX_INDIRECT, OPT_TX_SEG,
    OPT_RX_HDR_SEP, OPT_RX_INDIRECT, OPT_RX_SEGS, OPT_SOCKET,
    OPT_FD_PER_REGION, OPT_REMAP_MEM, OPT_RECONNECT, OPT_INTERVAL,
    OPT_PING_TIMEOUT, OPT_DISABLE_QUEUE,
};

static const struct option longopts[] = {
    { "socket", required_argument, NULL, OPT_SOCKET },
    { "server", no_argument, NULL, OPT_SERVER },
    { "reconnect", no_argument, NULL, OPT_RECONNECT },
    { "connect-timeout", required_argument, NULL, OPT_CONNECT_TIMEOUT },
    { "mem", required_argument, NULL, OPT_MEM },
    { "regions", required_argument, NULL, OPT_REGIONS },
    { "fd-per-region", no_argument, NULL, OPT_FD_PER_REGION },
    { "queues", required_argument, NULL, OPT_QUEUES },
    { "ring-size", required_argument, NULL, OPT_RING_SIZE },
    { "disable-queue", required_argument, NULL, OPT_DISABLE_QUEUE },
    { "no-mrg-rxbuf", no_argument, NULL, OPT_NO_MRG },
    { "no-event-idx", no_argument, NULL, OPT_NO_EVIDX },
    { "no-indirect", no_argument, NULL, OPT_NO_IND },
    { "no-mq", no_argument, NULL, OPT_NO_MQ },
    { "no-version-1", no_argument, NULL, OPT_NO_V1 },
    { "no-reply-ack", no_argument, NULL, OPT_NO_REPLY_ACK },
    { "qemu-order", no_argument, NULL, OPT_QEMU_ORDER },
    { "interrupts", no_argument, NULL, OPT_INTERRUPTS },
    { "send", required_argument, NULL, OPT_SEND },
    { "recv", required_argument, NULL, OPT_RECV },
    { "size", required_argument, NULL, OPT_SIZE },
    { "src-mac", required_argument, NULL, OPT_SRC_MAC },
    { "dst-mac", required_argument, NULL, OPT_DST_MAC },
    { "pcap-in", required_argument, NULL, OPT_PCAP_IN },
    { "pcap-out", required_argument, NULL, OPT_PCAP_OUT },
    { "echo", no_argument, NULL, OPT_ECHO },
    { "count", required_argument, NULL, OPT_COUNT },
    { "ping", required_argument, NULL, OPT_PING },
    { "interval", required_argument, NULL, OPT_INTERVAL },
    { "ping-timeout", required_argument, NULL, OPT_PING_TIMEOUT },
    { "remap-mem", required_argument, NULL, OPT_REMAP_MEM },
    { "throughput", required_argument, NULL, OPT_THROUGHPUT },
    { "timeout", required_argument, NULL, OPT_TIMEOUT },
    { "ignore-foreign", no_argument, NULL, OPT_IGNORE_FOREIGN },
    { "tx-hdr-separate", no_argument, NULL, OPT_TX_HDR_SEP },
    { "tx-indirect", no_argument, NULL, OPT_TX_INDIRECT },
    { "tx-seg-size", required_argument, NULL, OPT_TX_SEG },
    { "rx-hdr-separate", no_argument, NULL, OPT_RX_HDR_SEP },
    { "rx-indirect", no_argument, NULL, OPT_RX_INDIRECT },
    { "rx-segs", required_argument, NULL, OPT_RX_SEGS },
    { "verbose", no_argument, NULL, 'v' },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 },
};

static void
options_init(struct options *o)
{
    static const uint8_t src[6] = { 0x02, 0, 0, 0, 0, 0x01 };
    static const uint8_t dst[6] = { 0x02, 0, 0, 0, 0, 0x02 };

    memset(o, 0, sizeof *o);
    o->mem_mb = 64;
    o->regions = 1;
    o->queues = 1;
    o->ring_size = 256;
    o->send_n = o->recv_n = o->ping_n = o->count = -1;
    o->timeout_s = -1;
    o->connect_timeout_s = 30;
    o->ping_timeout_ms = 1000;
    o->size = PEER_MIN_SIZE;
    o->rx_segs = 1;
    memcpy(o->src_mac, src, 6);
    memcpy(o->dst_mac, dst, 6);
}

/* Handles one option with an argument-free effect or an argument. */
static int
parse_option(struct options *o, int c, const char *arg)
{
    long long big = 1LL << 48;
    int v;

    switch (c) {
    case OPT_SOCKET: o->socket = arg; return 0;
    case OPT_SERVER: o->server = true; return 0;
    case OPT_RECONNECT: o->reconnect = true; return 0;
    case OPT_CONNECT_TIMEOUT: return parse_seconds(arg, &o->connect_timeout_s);
    case OPT_MEM: return parse_int(arg, 1, 65536, &o->mem_mb);
    case OPT_REGIONS:
        return parse_int(arg, 1, VHU_MEM_TABLE_MAX_REGIONS, &o->regions);
    case OPT_FD_PER_REGION: o->fd_per_region = true; return 0;
    case OPT_REMAP_MEM: return parse_int(arg, 1, 60000, &o->remap_mem_ms);
    case OPT_QUEUES: return parse_int(arg, 1, VHU_MAX_QUEUE_PAIRS, &o->queues);
    case OPT_DISABLE_QUEUE:
        if (parse_int(arg, 0, VHU_MAX_QUEUE_PAIRS - 1, &v)) {
            return EINVAL;
        }
        o->disabled_qp[v] = true;
        return 0;
    case OPT_RING_SIZE:
        if (parse_int(arg, 1, VHU_MAX_RING_SIZE, &v) || v & (v - 1)) {
            fprintf(stderr, "vhu-peer: --ring-size must be a power of 2\n");
            return EINVAL;
        }
        o->ring_size = v;
        return 0;
    case OPT_NO_MRG: o->features_off |= VHU_BIT(VHU_F_NET_MRG_RXBUF); return 0;
    case OPT_NO_EVIDX:
        o->features_off |= VHU_BIT(VHU_F_RING_EVENT_IDX);
        return 0;
    case OPT_NO_IND:
        o->features_off |= VHU_BIT(VHU_F_RING_INDIRECT_DESC);
        return 0;
    case OPT_NO_MQ: o->features_off |= VHU_BIT(VHU_F_NET_MQ); return 0;
    case OPT_NO_V1: o->features_off |= VHU_BIT(VHU_F_VERSION_1); return 0;
    case OPT_NO_REPLY_ACK: o->no_reply_ack = true; return 0;
    case OPT_QEMU_ORDER: o->qemu_order = true; return 0;
    case OPT_INTERRUPTS: o->interrupts = true; return 0;
    case OPT_SEND: return parse_ll(arg, 0, big, &o->send_n);
    case OPT_RECV: return parse_ll(arg, 0, big, &o->recv_n);
    case OPT_SIZE:
        return parse_int(arg, PEER_MIN_SIZE, PEER_MAX_SIZE, &o->size);
    case OPT_SRC_MAC: return parse_mac(arg, o->src_mac);
    case OPT_DST_MAC: return parse_mac(arg, o->dst_mac);
    case OPT_PCAP_IN: o->pcap_in = arg; return 0;
    case OPT_PCAP_OUT: o->pcap_out = arg; return 0;
    case OPT_ECHO: o->echo = true; return 0;
    case OPT_COUNT: return parse_ll(arg, 0, big, &o->count);
    case OPT_PING: return parse_ll(arg, 1, big, &o->ping_n);
    case OPT_INTERVAL: return parse_int(arg, 0, 3600000, &o->interval_ms);
    case OPT_PING_TIMEOUT:
        o->ping_timeout_set = true;
        return parse_int(arg, 1, 3600000, &o->ping_timeout_ms);
    case OPT_THROUGHPUT: return parse_seconds(arg, &o->throughput_s);
    case OPT_TIMEOUT: return parse_seconds(arg, &o->timeout_s);
    case OPT_IGNORE_FOREIGN: o->ignore_foreign = true; return 0;
    case OPT_TX_HDR_SEP: o->tx.hdr_separate = true; return 0;
    case OPT_TX_INDIRECT: o->tx.indirect = true; return 0;
    case OPT_TX_SEG:
        if (parse_int(arg, 1, 65536, &v)) {
            return EINVAL;
        }
        o->tx.seg_size = v;
        return 0;
    case OPT_RX_HDR_SEP: o->rx_hdr_separate = true; return 0;
    case OPT_RX_INDIRECT: o->rx_indirect = true; return 0;
    case OPT_RX_SEGS: return parse_int(arg, 1, VHF_MAX_SEGS - 1, &o->rx_segs);
    case 'v': o->verbose = true; return 0;
    case 'h': usage(); exit(0);
    default: return EINVAL;
    }
}

static int
check_options(struct options *o)
{
    int modes = (o->send_n >= 0 || o->recv_n >= 0 || o->pcap_in) + o->echo
                + (o->ping_n >= 0) + (o->throughput_s > 0);

    if (!o->socket) {
        fprintf(stderr, "vhu-peer: --socket is required\n");
        return EINVAL;
    }
    if (modes > 1) {
        fprintf(stderr, "vhu-peer: --send/--recv, --echo, --ping and "
                "--throughput exclude each other\n");
        return EINVAL;
    }
    if (o->remap_mem_ms
        && (o->fd_per_region || o->regions >= VHU_MEM_TABLE_MAX_REGIONS)) {
        fprintf(stderr, "vhu-peer: --remap-mem needs one shared memfd and "
                "--regions below %d\n", VHU_MEM_TABLE_MAX_REGIONS);
        return EINVAL;
    }
    for (int qp = 0; qp < VHU_MAX_QUEUE_PAIRS; qp++) {
        if (o->disabled_qp[qp] && (!o->echo || qp >= o->queues)) {
            fprintf(stderr, "vhu-peer: --disable-queue goes with --echo, "
                    "below --queues\n");
            return EINVAL;
        }
    }
    if (o->count >= 0 && !o->echo) {
        fprintf(stderr, "vhu-peer: --count goes with --echo\n");
        return EINVAL;
    }
    if ((o->interval_ms || o->ping_timeout_set) && o->ping_n < 0) {
        fprintf(stderr, "vhu-peer: --interval and --ping-timeout go with "
                "--ping\n");
        return EINVAL;
    }
    if (o->timeout_s < 0 && !o->echo) {
        o->timeout_s = 10;
    }
    return 0;
}

static int
parse_options(int argc, char *argv[], struct options *o)
{
    int c;

    options_init(o);
    while ((c = getopt_long(argc, argv, "vh", longopts, NULL)) != -1) {
        if (parse_option(o, c, optarg)) {
            return EINVAL;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "vhu-peer: unexpected argument '%s'\n", argv[optind]);
        return EINVAL;
    }
    return check_options(o);
}

/* ---------------------------------------------------------------------- */
/* pcap files (classic libpcap format, Ethernet link type). */

#define PCAP_MAGIC_US 0xa1b2c3d4u
#define PCAP_MAGIC_NS 0xa1b23c4du
#define PCAP_LINKTYPE_ETHERNET 1

struct pcap_file_hdr {
    uint32_t magic;
    uint16_t version_major, version_minor;
    int32_t thiszone;
    uint32_t sigfigs, snaplen, linktype;
};

struct pcap_rec_hdr {
    uint32_t ts_sec, ts_frac, incl_len, orig_len;
};

struct frame {
    uint8_t *data;
    uint32_t len;
};

static FILE *
pcap_create(const char *path)
{
    struct pcap_file_hdr fh = {
        .magic = PCAP_MAGIC_US, .version_major = 2, .version_minor = 4,
        .snaplen = PEER_MAX_FRAME, .linktype = PCAP_LINKTYPE_ETHERNET,
    };
    FILE *f = fopen(path, "wb");

    if (f && fwrite(&fh, sizeof fh, 1, f) != 1) {
        fclose(f);
        f = NULL;
    }
    return f;
}

static void
pcap_write(FILE *f, const uint8_t *data, uint32_t len)
{
    struct timeval tv;
    struct pcap_rec_hdr rh;

    gettimeofday(&tv, NULL);
    rh.ts_sec = tv.tv_sec;
    rh.ts_frac = tv.tv_usec;
    rh.incl_len = rh.orig_len = len;
    fwrite(&rh, sizeof rh, 1, f);
    fwrite(data, 1, len, f);
}

static uint32_t
swap32(uint32_t x)
{
    return __builtin_bswap32(x);
}

/* Reads every frame of 'path' into '*framesp'. */
static int
pcap_read(const char *path, struct frame **framesp, size_t *np)
{
    struct frame *frames = NULL;
    struct pcap_file_hdr fh;
    size_t n = 0, allocated = 0;
    bool swapped;
    FILE *f;

    f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "vhu-peer: %s: %s\n", path, strerror(errno));
        return errno;
    }
    if (fread(&fh, sizeof fh, 1, f) != 1) {
        goto bad;
    }
    swapped = fh.magic == swap32(PCAP_MAGIC_US)
              || fh.magic == swap32(PCAP_MAGIC_NS);
    if (!swapped && fh.magic != PCAP_MAGIC_US && fh.magic != PCAP_MAGIC_NS) {
        goto bad;
    }
    if ((swapped ? swap32(fh.linktype) : fh.linktype)
        != PCAP_LINKTYPE_ETHERNET) {
        fprintf(stderr, "vhu-peer: %s: not an Ethernet capture\n", path);
        fclose(f);
        return EINVAL;
    }
    for (;;) {
        struct pcap_rec_hdr rh;
        uint32_t len;

        if (fread(&rh, sizeof rh, 1, f) != 1) {
            break;
        }
        len = swapped ? swap32(rh.incl_len) : rh.incl_len;
        if (len > PEER_MAX_FRAME) {
            goto bad;
        }
        if (n == allocated) {
            allocated = allocated ? 2 * allocated : 64;
            frames = realloc(frames, allocated * sizeof *frames);
        }
        frames[n].data = malloc(len ? len : 1);
        frames[n].len = len;
        if (fread(frames[n].data, 1, len, f) != len) {
            free(frames[n].data);
            goto bad;
        }
        n++;
    }
    fclose(f);
    *framesp = frames;
    *np = n;
    return 0;

bad:
    fprintf(stderr, "vhu-peer: %s: not a valid pcap file\n", path);
    for (size_t i = 0; i < n; i++) {
        free(frames[i].data);
    }
    free(frames);
    fclose(f);
    return EINVAL;
}

/* ---------------------------------------------------------------------- */
/* Generated frames. */

static uint8_t pattern[PATTERN_LEN];

static void
pattern_init(void)
{
    uint32_t x = 0x12345678;

    for (size_t i = 0; i < sizeof pattern; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        pattern[i] = x >> 24;
    }
}

static void
put_be16(uint8_t *p, uint16_t v)
{
    p[0] = v >> 8;
    p[1] = v;
}

static uint16_t
get_be16(const uint8_t *p)
{
    return (p[0] << 8) | p[1];
}

static void
put_be32(uint8_t *p, uint32_t v)
{
    put_be16(p, v >> 16);
    put_be16(p + 2, v);
}

static uint32_t
get_be32(const uint8_t *p)
{
    return ((uint32_t) get_be16(p) << 16) | get_be16(p + 2);
}

static void
put_be64(uint8_t *p, uint64_t v)
{
    put_be32(p, v >> 32);
    put_be32(p + 4, v);
}

static uint64_t
get_be64(const uint8_t *p)
{
    return ((uint64_t) get_be32(p) << 32) | get_be32(p + 4);
}

/* Builds generated frame 'seq' of 'size' bytes into 'f'. */
static void
frame_build(uint8_t *f, const struct options *o, uint64_t seq, int size)
{
    memcpy(f, o->dst_mac, 6);
    memcpy(f + 6, o->src_mac, 6);
    put_be16(f + 12, PEER_ETHERTYPE);
    put_be32(f + 14, PEER_MAGIC);
    put_be64(f + 18, seq);
    put_be16(f + 26, size);
    put_be16(f + 28, 0);
    memcpy(f + PEER_HDR_LEN, pattern + (seq & 0xff), size - PEER_HDR_LEN);
}

enum frame_check {
    FRAME_OK,
    FRAME_FOREIGN,              /* Not our ethertype. */
    FRAME_BAD,
};

/* Checks a received generated frame ('expect_size' 0: any size). */
static enum frame_check
frame_check(const uint8_t *f, uint32_t len, int expect_size, uint64_t *seq)
{
    if (len < 14 || get_be16(f + 12) != PEER_ETHERTYPE) {
        return FRAME_FOREIGN;
    }
    if (len < PEER_MIN_SIZE || get_be32(f + 14) != PEER_MAGIC
        || get_be16(f + 26) != len
        || (expect_size && len != (uint32_t) expect_size)) {
        return FRAME_BAD;
    }
    *seq = get_be64(f + 18);
    if (memcmp(f + PEER_HDR_LEN, pattern + (*seq & 0xff),
               len - PEER_HDR_LEN)) {
        return FRAME_BAD;
    }
    return FRAME_OK;
}

/* FNV-1a over a frame without its MAC addresses, plus its length. */
static uint64_t
frame_hash(const uint8_t *f, uint32_t len)
{
    uint64_t h = 0xcbf29ce484222325ULL ^ len;

    for (uint32_t i = len < 12 ? len : 12; i < len; i++) {
        h = (h ^ f[i]) * 0x100000001b3ULL;
    }
    return h;
}

static int
compare_u64(const void *a_, const void *b_)
{
    uint64_t a = *(const uint64_t *) a_, b = *(const uint64_t *) b_;

    return a < b ? -1 : a > b;
}

/* ---------------------------------------------------------------------- */
/* The peer. */

struct peer {
    struct options *o;
    struct vhf_listener *listener;  /* --server --reconnect: kept open. */
    struct vhf_conn *conn;
    struct vhf_mem *mem;
    struct vhf_dev *dev;
    int n_qp;
    uint32_t rx_buf_size;

    /* Frames to send from a pcap, and the hashes of them for checks. */
    struct frame *pcap_frames;
    size_t n_pcap_frames;
    uint64_t *pcap_hashes;
    FILE *pcap_out;

    /* Work. */
    long long send_target;      /* -1: not sending a fixed count. */
    uint64_t next_seq;
    uint8_t *seen;              /* Bitmap of received seqs, or NULL. */
    uint64_t seen_size;
    uint64_t rx_unique;
    long long window;           /* Max frames in flight when echoed. */

    /* Ping. */
    bool ping_waiting;
    uint64_t ping_seq;
    long long ping_sent_ns;
    long long ping_replies;
    long long ping_lost;        /* Not answered in time, or cut off by a
                                 * reconnection. */
    double rtt_min, rtt_max, rtt_sum;

    /* Throughput: rx frames counted while the clock ran. */
    bool measuring;
    uint64_t rx_in_window;

    /* Memory table changes sent under live rings (--remap-mem). */
    long long next_remap_ns;
    uint64_t mem_table_changes;

    /* Reconnections (--reconnect). */
    uint64_t reconnects;
    uint64_t tx_lost;           /* In the TX rings when the backend left. */
    uint64_t rx_at_reconnect;   /* rx_frames at the last reconnection. */
    long long ping_replies_at_reconnect;
    struct vhf_vq_stats old_stats;  /* Summed over dropped devices. */

    /* Counters. */
    uint64_t tx_frames, tx_bytes, tx_drops;
    uint64_t rx_frames, rx_bytes, rx_bad, rx_dup, rx_foreign;
    const char *failure;
};

static volatile sig_atomic_t stop;

static void
on_signal(int sig)
{
    stop = 1;
}

static long long
now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long) ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void
idle_sleep(void)
{
    struct timespec ts = { 0, 10000 };  /* 10 us. */

    nanosleep(&ts, NULL);
}

static uint32_t
max_frame_len(const struct peer *p)
{
    /* An echo must be able to send back whatever arrives. */
    uint32_t max = p->o->echo ? PEER_MAX_SIZE : p->o->size;

    for (size_t i = 0; i < p->n_pcap_frames; i++) {
        if (p->pcap_frames[i].len > max) {
            max = p->pcap_frames[i].len;
        }
    }
    return max;
}

static void
peer_setup_opts(const struct peer *p, struct vhf_setup_opts *so)
{
    const struct options *o = p->o;
    uint32_t need = sizeof(struct vhu_net_hdr) + max_frame_len(p);

    vhf_setup_opts_init(so);
    so->features &= ~o->features_off;
    if (o->no_reply_ack) {
        so->protocol_features &= ~VHU_BIT(VHU_PF_REPLY_ACK);
    }
    so->n_queue_pairs = o->queues;
    so->ring_size = o->ring_size;
    so->buf_size = need < 2048 ? 2048 : (need + 63) & ~63u;
    so->interrupts = o->interrupts;
    so->qemu_order = o->qemu_order;
}

static void
print_features(const struct vhf_conn *conn, int n_qp)
{
    char buf[512];

    printf("features: 0x%016" PRIx64 " %s\n", conn->features,
           vhf_features_to_string(conn->features, buf, sizeof buf));
    printf("protocol_features: 0x%016" PRIx64 " %s\n",
           conn->protocol_features,
           vhf_protocol_features_to_string(conn->protocol_features, buf,
                                           sizeof buf));
    printf("offered_features: 0x%016" PRIx64 "\n", conn->offered_features);
    printf("queue_pairs: %d (backend max %d)\n", n_qp,
           conn->max_queue_pairs);
    fflush(stdout);
}

/* Connects to the backend (or, with --server, waits for it to connect),
 * waiting at most 'timeout_ms'.  With --server --reconnect, the listening
 * socket stays open for later reconnections. */
static int
peer_connect(struct peer *p, int timeout_ms)
{
    const struct options *o = p->o;
    struct vhf_conn_opts co;
    int error = 0;

    vhf_conn_opts_init(&co);
    co.connect_timeout_ms = timeout_ms;
    co.cancel = &stop;
    if (o->server && o->reconnect) {
        if (!p->listener) {
            error = vhf_listen(o->socket, &p->listener);
        }
        if (!error) {
            error = vhf_listener_accept(p->listener, &co, &p->conn);
        }
    } else if (o->server) {
        error = vhf_accept(o->socket, &co, &p->conn);
    } else {
        error = vhf_connect(o->socket, &co, &p->conn);
    }
    if (error) {
        fprintf(stderr, "vhu-peer: %s %s: %s\n",
                o->server ? "waiting for a backend on" : "connecting to",
                o->socket, error == ECANCELED ? "interrupted"
                                              : strerror(error));
    }
    return error;
}

/* Creates guest memory. */
static int
peer_create_mem(struct peer *p)
{
    const struct options *o = p->o;
    struct vhf_mem_opts mo;
    int error;

    vhf_mem_opts_init(&mo);
    mo.spread = true;
    mo.fd_per_region = o->fd_per_region;
    if (o->remap_mem_ms) {
        mo.gpa_hole = 0;        /* So re-splitting moves no gpa. */
    }
    error = vhf_mem_create((size_t) o->mem_mb << 20, o->regions, &mo,
                           &p->mem);
    if (error) {
        fprintf(stderr, "vhu-peer: guest memory: %s\n", strerror(error));
    }
    return error;
}

/* --disable-queue: disables the chosen queue pairs' vrings.  An echo only
 * answers on the queue pair a frame came from, so it sends nothing there. */
static int
peer_disable_queues(struct peer *p)
{
    for (int qp = 0; qp < p->n_qp; qp++) {
        for (int i = 0; p->o->disabled_qp[qp] && i < 2; i++) {
            int error = vhf_set_vring_enable(p->conn, 2 * qp + i, false);

            if (error) {
                fprintf(stderr, "vhu-peer: disabling queue pair %d: %s\n",
                        qp, strerror(error));
                return error;
            }
        }
    }
    return 0;
}

/* Negotiates, sets up the vrings and posts RX buffers on the connected
 * backend.  Prints the features unless 'quiet'. */
static int
peer_setup_dev(struct peer *p, bool quiet)
{
    const struct options *o = p->o;
    struct vhf_setup_opts so;
    int error;

    peer_setup_opts(p, &so);
    error = vhf_dev_setup(p->conn, p->mem, &so, &p->dev);
    if (error) {
        fprintf(stderr, "vhu-peer: device setup: %s%s\n",
                error == ECANCELED ? "interrupted" : strerror(error),
                error == ENOMEM ? " (try a larger --mem)"
                : error == ENOTSUP ? " (too many queue pairs)" : "");
        if (p->conn->offered_features && !quiet) {
            print_features(p->conn, o->queues);
        }
        return error;
    }
    p->n_qp = o->queues;
    if (!quiet) {
        print_features(p->conn, p->n_qp);
    }
    error = peer_disable_queues(p);
    if (error) {
        return error;
    }

    /* RX buffers: small ones that merge, or whole frames. */
    uint32_t hdr_len = p->dev->vqs[0]->hdr_len;
    p->rx_buf_size = (p->dev->vqs[0]->mrg_rxbuf ? 2048 : so.buf_size);
    if (p->rx_buf_size < hdr_len + 1518 && !p->dev->vqs[0]->mrg_rxbuf) {
        p->rx_buf_size = hdr_len + 1518;
    }
    for (int qp = 0; qp < p->n_qp; qp++) {
        struct vhf_vq *rx = vhf_dev_rx_vq(p->dev, qp);

        rx->rx_hdr_separate = o->rx_hdr_separate;
        rx->rx_indirect = o->rx_indirect;
        rx->rx_segs = o->rx_segs;
        error = vhf_rx_post(rx, p->rx_buf_size, NULL);
        if (error) {
            fprintf(stderr, "vhu-peer: posting RX buffers: %s\n",
                    strerror(error));
            return error;
        }
    }
    return 0;
}

/* Sets up guest memory, the connection and the device, waiting at most
 * 'timeout_ms' for the backend. */
static int
peer_setup_once(struct peer *p, int timeout_ms, bool quiet)
{
    int error = peer_create_mem(p);

    if (!error) {
        error = peer_connect(p, timeout_ms);
    }
    if (!error) {
        error = peer_setup_dev(p, quiet);
    }
    return error;
}

/* Forgets the connection and everything tied to it: frames still in the
 * TX rings are counted as lost, vring counters are saved in
 * p->old_stats, and guest memory is freed (it is created anew).  The
 * listening socket, if any, stays. */
static void
peer_drop_connection(struct peer *p)
{
    struct vhf_vq_stats *old = &p->old_stats;

    for (int i = 0; p->dev && i < 2 * p->n_qp; i++) {
        struct vhf_vq *vq = p->dev->vqs[i];

        if (i % 2) {
            vhf_tx_reclaim(vq, NULL);
            p->tx_lost += vhf_tx_in_flight(vq);
        }
        vhf_vq_drain_call(vq, NULL);
        old->used_bad += vq->stats.used_bad;
        old->rx_bad += vq->stats.rx_bad;
        old->kicks += vq->stats.kicks;
        old->interrupts += vq->stats.interrupts;
    }
    vhf_dev_destroy(p->dev);
    p->dev = NULL;
    vhf_conn_destroy(p->conn);
    p->conn = NULL;
    vhf_mem_destroy(p->mem);
    p->mem = NULL;
    if (p->ping_waiting) {
        p->ping_waiting = false;
        p->ping_lost++;
    }
    p->next_remap_ns = 0;
}

/* True if a setup that failed with 'error' may work on another try: the
 * backend went away in the middle, or connected but did not answer in
 * time (still starting up?). */
static bool
peer_setup_retryable(const struct peer *p, int error)
{
    if (error == EPIPE || error == ECONNRESET) {
        return true;
    }
    return (p->conn && error != ECANCELED
            && (error == ETIMEDOUT || vhf_conn_closed(p->conn)));
}

/* Sets everything up (see peer_setup_once()).  With --reconnect, a backend
 * that goes away during setup is waited for again, all within the connect
 * timeout.  Prints the features unless 'quiet'. */
static int
peer_setup(struct peer *p, bool quiet)
{
    long long timeout_ns = p->o->connect_timeout_s * 1e9;
    long long deadline = now_ns() + timeout_ns;

    for (;;) {
        long long left_ms = (deadline - now_ns()) / 1000000;
        int error = peer_setup_once(p, left_ms > 0 ? left_ms : 0, quiet);

        if (!error || !p->o->reconnect || stop
            || !peer_setup_retryable(p, error)) {
            return stop && error ? ECANCELED : error;
        }
        peer_drop_connection(p);
        if (now_ns() >= deadline) {
            return ETIMEDOUT;
        }
        struct timespec ts = { 0, 100 * 1000000 };
        nanosleep(&ts, NULL);
    }
}

/* Connects again after the backend went away ('why') and sets the device
 * up as at start.  The work then carries on where it was. */
static int
peer_reconnect(struct peer *p, const char *why)
{
    int error;

    fprintf(stderr, "vhu-peer: %s, reconnecting\n", why);
    peer_drop_connection(p);
    error = peer_setup(p, !p->o->verbose);
    if (error) {
        return error;
    }
    p->reconnects++;
    p->rx_at_reconnect = p->rx_frames;
    p->ping_replies_at_reconnect = p->ping_replies;
    fprintf(stderr, "vhu-peer: reconnected (%" PRIu64 ")\n", p->reconnects);
    return 0;
}

/* Handles a backend that went away (or failed a request) for reason
 * 'why': with --reconnect, connects again; otherwise, or if that fails,
 * ends the work.  A signal ends it too, without a failure of its own. */
static void
peer_backend_lost(struct peer *p, const char *why)
{
    int error;

    if (stop) {
        return;
    }
    if (!p->o->reconnect) {
        p->failure = why;
        stop = 1;
        return;
    }
    error = peer_reconnect(p, why);
    if (error) {
        peer_drop_connection(p);
        if (error != ECANCELED) {
            p->failure = "reconnection failed";
        }
        stop = 1;
    }
}

/* Marks 'seq' received; returns false if it was already. */
static bool
peer_mark_seen(struct peer *p, uint64_t seq)
{
    if (!p->seen || seq >= p->seen_size) {
        p->rx_unique++;
        return true;
    }
    uint8_t bit = 1u << (seq & 7);
    if (p->seen[seq >> 3] & bit) {
        return false;
    }
    p->seen[seq >> 3] |= bit;
    p->rx_unique++;
    return true;
}

static void
peer_ping_reply(struct peer *p, uint64_t seq)
{
    if (p->ping_waiting && seq == p->ping_seq) {
        double rtt = (now_ns() - p->ping_sent_ns) / 1000.0;

        p->ping_waiting = false;
        p->ping_replies++;
        p->rtt_sum += rtt;
        if (p->ping_replies == 1 || rtt < p->rtt_min) {
            p->rtt_min = rtt;
        }
        if (rtt > p->rtt_max) {
            p->rtt_max = rtt;
        }
        if (p->o->verbose) {
            printf("ping seq=%" PRIu64 " rtt=%.1f us\n", seq, rtt);
        }
    }
}

/* Classifies a received frame and counts it. */
static void
peer_verify(struct peer *p, const uint8_t *frame, uint32_t len)
{
    const struct options *o = p->o;
    enum frame_check check;
    uint64_t seq = 0;

    if (p->pcap_hashes) {
        uint64_t h = frame_hash(frame, len);
        check = (bsearch(&h, p->pcap_hashes, p->n_pcap_frames, sizeof h,
                         compare_u64) ? FRAME_OK : FRAME_BAD);
    } else {
        check = frame_check(frame, len, o->size, &seq);
    }
    if (check == FRAME_FOREIGN) {
        p->rx_foreign++;
        if (!o->ignore_foreign) {
            p->rx_bad++;
        }
    } else if (check == FRAME_BAD) {
        p->rx_bad++;
    } else if (p->pcap_hashes) {
        p->rx_unique++;
    } else if (!peer_mark_seen(p, seq)) {
        p->rx_dup++;
    } else {
        peer_ping_reply(p, seq);
    }
    if (check != FRAME_OK && o->verbose) {
        printf("bad frame: %u bytes\n", len);
    }
}

static int
peer_tx(struct peer *p, int qp, const uint8_t *frame, uint32_t len)
{
    struct vhf_vq *tx = vhf_dev_tx_vq(p->dev, qp);
    struct vhf_tx_opts opts = p->o->tx;
    int error;

    opts.no_kick = true;
    error = vhf_tx_add(tx, frame, len, &opts);
    if (error == ENOBUFS) {
        vhf_tx_reclaim(tx, NULL);
        error = vhf_tx_add(tx, frame, len, &opts);
    }
    if (!error) {
        p->tx_frames++;
        p->tx_bytes += len;
    }
    return error;
}

static void
peer_echo(struct peer *p, int qp, const uint8_t *frame, uint32_t len)
{
    uint8_t buf[PEER_MAX_FRAME];

    if (len > sizeof buf || len < 12) {
        p->tx_drops++;
        return;
    }
    memcpy(buf, frame + 6, 6);
    memcpy(buf + 6, frame, 6);
    memcpy(buf + 12, frame + 12, len - 12);
    if (peer_tx(p, qp, buf, len)) {
        p->tx_drops++;
    }
}

static void
peer_on_rx(void *p_, struct vhf_vq *vq, const struct vhu_net_hdr *hdr,
           const uint8_t *frame, uint32_t len)
{
    struct peer *p = p_;

    p->rx_frames++;
    p->rx_bytes += len;
    if (p->measuring) {
        p->rx_in_window++;
    }
    if (p->pcap_out) {
        pcap_write(p->pcap_out, frame, len);
    }
    if (p->o->echo) {
        peer_echo(p, vq->index / 2, frame, len);
    } else {
        peer_verify(p, frame, len);
    }
}

/* The most TX descriptors one frame of ours can take. */
static unsigned int
tx_descs_per_frame(const struct peer *p, const struct vhf_vq *tx)
{
    const struct vhf_tx_opts *to = &p->o->tx;
    uint32_t bytes = tx->hdr_len + max_frame_len(p);

    if (to->indirect && tx->indirect) {
        return 1;
    }
    return to->hdr_separate + (to->seg_size
                               ? (bytes + to->seg_size - 1) / to->seg_size
                               : 1);
}

/* Receives on queue pair 'qp' and refills its RX ring.  Returns the number
 * of frames received. */
static unsigned int
peer_rx(struct peer *p, int qp)
{
    struct vhf_vq *rx = vhf_dev_rx_vq(p->dev, qp);
    unsigned int max = 4 * PEER_BURST;
    unsigned int n = 0;

    if (p->o->echo) {
        /* Leave frames in the RX ring while TX has no room for echoes. */
        struct vhf_vq *tx = vhf_dev_tx_vq(p->dev, qp);
        unsigned int room;

        vhf_tx_reclaim(tx, NULL);
        room = tx->n_free / tx_descs_per_frame(p, tx);
        max = room < max ? room : max;
    }
    if (!max || !vhf_vq_used_pending(rx)) {
        return 0;
    }
    vhf_rx_poll(rx, max, peer_on_rx, p, &n);
    vhf_rx_post(rx, p->rx_buf_size, NULL);
    if (p->o->echo && n) {
        vhf_vq_kick(vhf_dev_tx_vq(p->dev, qp), false);
    }
    return n;
}

/* Builds the frame to send next into 'buf'; returns its length. */
static uint32_t
peer_next_frame(struct peer *p, uint8_t *buf, const uint8_t **framep)
{
    uint64_t seq = p->next_seq;

    if (p->pcap_frames) {
        const struct frame *f = &p->pcap_frames[seq % p->n_pcap_frames];
        *framep = f->data;
        return f->len;
    }
    frame_build(buf, p->o, seq, p->o->size);
    *framep = buf;
    return p->o->size;
}

static bool
peer_may_send(const struct peer *p)
{
    if (p->send_target >= 0 && p->next_seq >= (uint64_t) p->send_target) {
        return false;
    }
    return p->window <= 0
           || (long long) (p->tx_frames - p->rx_unique) < p->window;
}

/* Sends up to a burst on queue pair 'qp'.  Returns the frames sent. */
static unsigned int
peer_send_burst(struct peer *p, int qp)
{
    static uint8_t buf[PEER_MAX_FRAME];
    struct vhf_vq *tx = vhf_dev_tx_vq(p->dev, qp);
    unsigned int n = 0;

    while (n < PEER_BURST && peer_may_send(p)) {
        const uint8_t *frame;
        uint32_t len = peer_next_frame(p, buf, &frame);
        int error = peer_tx(p, qp, frame, len);

        if (error == ENOBUFS) {
            break;
        } else if (error) {
            p->tx_drops++;
        }
        p->next_seq++;
        n++;
    }
    if (n) {
        vhf_vq_kick(tx, false);
    }
    return n;
}

static unsigned int
peer_reclaim(struct peer *p, int qp)
{
    unsigned int n = 0;

    vhf_tx_reclaim(vhf_dev_tx_vq(p->dev, qp), &n);
    return n;
}

static bool
peer_tx_idle(const struct peer *p)
{
    for (int qp = 0; p->dev && qp < p->n_qp; qp++) {
        const struct vhf_vq *tx = vhf_dev_tx_vq(p->dev, qp);
        if (tx->n_free != tx->size) {
            return false;
        }
    }
    return true;
}

/* Runs one pass over every queue pair.  Returns true if anything moved. */
static bool
peer_poll(struct peer *p, bool sending)
{
    unsigned int moved = 0;

    for (int qp = 0; qp < p->n_qp; qp++) {
        moved += peer_rx(p, qp);
        moved += peer_reclaim(p, qp);
        if (sending) {
            moved += peer_send_burst(p, qp);
        }
    }
    return moved > 0;
}

/* Re-splits guest memory into the other of N and N+1 regions and sends
 * the changed table while the rings run.  No gpa or frontend address
 * moves, so the backend must re-translate its live rings and carry on. */
static void
peer_remap_mem(struct peer *p, long long now)
{
    int n;
    int error;

    if (!p->o->remap_mem_ms || now < p->next_remap_ns) {
        return;
    }
    if (p->next_remap_ns) {
        n = p->mem->n_regions == p->o->regions ? p->o->regions + 1
                                               : p->o->regions;
        error = vhf_mem_resplit(p->mem, n, NULL, 0);
        if (!error) {
            error = vhf_set_mem_table(p->conn, p->mem);
        }
        if (error) {
            if (!stop) {
                fprintf(stderr, "vhu-peer: changing the memory table: %s\n",
                        strerror(error));
            }
            peer_backend_lost(p, "memory table change failed");
            return;
        }
        p->mem_table_changes++;
    }
    p->next_remap_ns = now + p->o->remap_mem_ms * 1000000LL;
}

/* Housekeeping every few milliseconds: interrupts and the connection. */
static void
peer_housekeeping(struct peer *p, long long now, long long *nextp)
{
    peer_remap_mem(p, now);
    if (!p->dev || now < *nextp) {
        return;
    }
    *nextp = now + 10 * 1000000LL;
    for (int i = 0; i < 2 * p->n_qp; i++) {
        vhf_vq_drain_call(p->dev->vqs[i], NULL);
    }
    if (vhf_conn_closed(p->conn)) {
        peer_backend_lost(p, "backend disconnected");
    }
}

/* ---------------------------------------------------------------------- */
/* Modes. */

static bool
send_recv_done(const struct peer *p)
{
    const struct options *o = p->o;
    bool sent = p->send_target < 0
                || (p->next_seq >= (uint64_t) p->send_target
                    && peer_tx_idle(p));
    bool received = o->recv_n < 0 || p->rx_unique >= (uint64_t) o->recv_n;

    return sent && received;
}

static long long
deadline_ns(double seconds)
{
    return seconds < 0 ? LLONG_MAX : now_ns() + (long long) (seconds * 1e9);
}

static void
run_send_recv(struct peer *p)
{
    long long deadline = deadline_ns(p->o->timeout_s);
    long long housekeeping = 0;
    long long stalled_since = 0;

    while (!stop && !send_recv_done(p)) {
        long long now = now_ns();

        if (now >= deadline) {
            p->failure = "timeout";
            break;
        }
        if (peer_poll(p, p->send_target >= 0)) {
            stalled_since = 0;
        } else {
            /* Nothing came back for a second, and not every frame is
             * expected back: stop waiting for echoes and just send.  When
             * every frame must come back, a frame that does not has failed
             * the run anyway, so the window stays: a stall is only a slow
             * backend (an OVS PMD thread's 100 us nanosleep has been seen
             * to last 2 s on a loaded 2-core VM), and flooding it then
             * would drop frames. */
            if (!stalled_since) {
                stalled_since = now;
            } else if (p->window > 0 && p->o->recv_n < p->o->send_n
                       && now - stalled_since > 1000000000) {
                p->window = 0;
            }
            idle_sleep();
        }
        peer_housekeeping(p, now, &housekeeping);
    }
    if (p->send_target >= 0 && p->next_seq < (uint64_t) p->send_target) {
        p->tx_drops += p->send_target - p->next_seq;
    }
}

/* Waits up to 'ms' milliseconds for the backend to consume every frame we
 * queued, so that nothing is lost when the vrings stop. */
static void
wait_tx_idle(struct peer *p, int ms)
{
    long long until = now_ns() + ms * 1000000LL;

    while (!stop && !peer_tx_idle(p) && now_ns() < until) {
        for (int qp = 0; qp < p->n_qp; qp++) {
            peer_reclaim(p, qp);
        }
        idle_sleep();
    }
}

static void
run_echo(struct peer *p)
{
    long long deadline = deadline_ns(p->o->timeout_s);
    long long housekeeping = 0;

    while (!stop && (p->o->count < 0
                     || p->rx_frames < (uint64_t) p->o->count)) {
        long long now = now_ns();

        if (now >= deadline) {
            if (p->o->count >= 0) {
                p->failure = "timeout";
            }
            break;
        }
        if (!peer_poll(p, false)) {
            idle_sleep();
        }
        peer_housekeeping(p, now, &housekeeping);
    }
    wait_tx_idle(p, 2000);
}

static void
ping_send(struct peer *p, uint64_t seq)
{
    uint8_t buf[PEER_MAX_SIZE];
    int qp = seq % p->n_qp;

    frame_build(buf, p->o, seq, p->o->size);
    p->ping_seq = seq;
    p->ping_waiting = true;
    p->ping_sent_ns = now_ns();
    if (peer_tx(p, qp, buf, p->o->size)) {
        p->tx_drops++;
        p->ping_waiting = false;
        return;
    }
    vhf_vq_kick(vhf_dev_tx_vq(p->dev, qp), false);
}

/* Waits for the reply to ping 'seq' sent at 'sent', until the ping timeout
 * or 'deadline'.  A ping not answered in time is lost. */
static void
ping_wait_reply(struct peer *p, uint64_t seq, long long sent,
                long long deadline, long long *housekeeping)
{
    long long give_up = sent + p->o->ping_timeout_ms * 1000000LL;

    while (!stop && p->ping_waiting) {
        long long now = now_ns();

        if (now >= give_up || now >= deadline) {
            p->ping_waiting = false;
            p->ping_lost++;
            if (p->o->verbose) {
                printf("ping seq=%" PRIu64 " lost\n", seq);
            }
            break;
        }
        peer_poll(p, false);
        peer_housekeeping(p, now, housekeeping);
    }
}

/* Keeps the rings and the connection going until 'until' or 'deadline'. */
static void
ping_idle(struct peer *p, long long until, long long deadline,
          long long *housekeeping)
{
    for (long long now = now_ns(); !stop && now < until && now < deadline;
         now = now_ns()) {
        if (!peer_poll(p, false)) {
            idle_sleep();
        }
        peer_housekeeping(p, now, housekeeping);
    }
}

/* Decides whether the pings succeeded (see usage()): returns a failure or
 * NULL. */
static const char *
ping_failure(const struct peer *p)
{
    const struct options *o = p->o;

    if (!o->reconnect && !o->ping_timeout_set) {
        return p->ping_replies < o->ping_n ? "lost pings" : NULL;
    }
    if (!p->ping_replies) {
        return "lost pings";
    }
    if (p->reconnects && p->ping_replies == p->ping_replies_at_reconnect) {
        return "no ping reply since the reconnection";
    }
    return NULL;
}

static void
run_ping(struct peer *p)
{
    long long deadline = deadline_ns(p->o->timeout_s);
    long long interval = p->o->interval_ms * 1000000LL;
    long long housekeeping = 0;

    for (uint64_t seq = 0; !stop && seq < (uint64_t) p->o->ping_n; seq++) {
        long long sent = now_ns();

        ping_send(p, seq);
        ping_wait_reply(p, seq, sent, deadline, &housekeeping);
        if (seq + 1 < (uint64_t) p->o->ping_n) {
            ping_idle(p, sent + interval, deadline, &housekeeping);
        }
        if (now_ns() >= deadline) {
            break;
        }
    }
    printf("ping: %lld sent, %lld received, rtt min/avg/max = "
           "%.1f/%.1f/%.1f us\n", (long long) p->tx_frames,
           p->ping_replies, p->rtt_min,
           p->ping_replies ? p->rtt_sum / p->ping_replies : 0.0, p->rtt_max);
    printf("ping_lost: %lld\n", p->ping_lost);
    if (!p->failure) {
        p->failure = ping_failure(p);
    }
}

/* Lets frames in flight come back for up to 'ms' milliseconds. */
#define DRAIN_QUIET_MS 100

static void
drain(struct peer *p, int ms)
{
    long long until = now_ns() + ms * 1000000LL;
    long long quiet_since = now_ns();

    /* Frames still in flight come back within a few milliseconds, or much
     * later on a loaded machine: stop once nothing has arrived and nothing
     * waits to be sent for DRAIN_QUIET_MS, or at 'ms'. */
    while (!stop && now_ns() < until) {
        long long now = now_ns();

        if (peer_poll(p, false) || !peer_tx_idle(p)) {
            quiet_since = now;
        } else if (now - quiet_since >= DRAIN_QUIET_MS * 1000000LL) {
            break;
        } else {
            idle_sleep();
        }
    }
}

static void
run_throughput(struct peer *p)
{
    double secs = p->o->throughput_s;
    long long start = now_ns(), end = start + (long long) (secs * 1e9);
    long long housekeeping = 0;
    uint64_t tx_start = p->tx_frames;
    double elapsed;

    p->measuring = true;
    for (long long now = start; !stop && now < end; now = now_ns()) {
        if (!peer_poll(p, true)) {
            idle_sleep();
        }
        peer_housekeeping(p, now, &housekeeping);
    }
    elapsed = (now_ns() - start) / 1e9;
    p->measuring = false;
    drain(p, 2000);
    printf("throughput: tx %.2f Mpps rx %.2f Mpps (size %d, queues %d)\n",
           (p->tx_frames - tx_start) / elapsed / 1e6,
           p->rx_in_window / elapsed / 1e6, p->o->size, p->n_qp);
    if (!p->rx_frames && !p->failure) {
        p->failure = "nothing received";
    }
}

/* ---------------------------------------------------------------------- */
/* Main. */

/* Sums the vring counters of the current device and of those dropped at
 * reconnections into 'sum' (only the fields we print or check). */
static void
peer_vq_totals(const struct peer *p, struct vhf_vq_stats *sum)
{
    *sum = p->old_stats;
    for (int i = 0; p->dev && i < 2 * p->n_qp; i++) {
        const struct vhf_vq_stats *s = &p->dev->vqs[i]->stats;

        vhf_vq_drain_call(p->dev->vqs[i], NULL);
        sum->used_bad += s->used_bad;
        sum->rx_bad += s->rx_bad;
        sum->kicks += s->kicks;
        sum->interrupts += s->interrupts;
    }
}

static void
print_counters(const struct peer *p)
{
    struct vhf_vq_stats sum;

    peer_vq_totals(p, &sum);
    printf("tx_frames: %" PRIu64 "\n", p->tx_frames);
    printf("tx_bytes: %" PRIu64 "\n", p->tx_bytes);
    printf("tx_drops: %" PRIu64 "\n", p->tx_drops);
    printf("rx_frames: %" PRIu64 "\n", p->rx_frames);
    printf("rx_bytes: %" PRIu64 "\n", p->rx_bytes);
    printf("rx_bad: %" PRIu64 "\n", p->rx_bad);
    printf("rx_dup: %" PRIu64 "\n", p->rx_dup);
    printf("rx_foreign: %" PRIu64 "\n", p->rx_foreign);
    printf("rx_missing: %" PRIu64 "\n",
           (p->o->recv_n >= 0 && p->send_target >= 0
            && p->tx_frames > p->rx_unique) ? p->tx_frames - p->rx_unique
                                            : 0);
    printf("ring_errors: %" PRIu64 "\n", sum.used_bad + sum.rx_bad);
    printf("kicks: %" PRIu64 "\n", sum.kicks);
    printf("mem_table_changes: %" PRIu64 "\n", p->mem_table_changes);
    printf("interrupts: %" PRIu64 "\n", sum.interrupts);
    printf("tx_lost: %" PRIu64 "\n", p->tx_lost);
    printf("reconnects: %" PRIu64 "\n", p->reconnects);
    printf("rx_after_reconnect: %" PRIu64 "\n",
           p->rx_frames - p->rx_at_reconnect);
}

/* Decides the outcome once the work is over. */
static bool
peer_success(struct peer *p)
{
    struct vhf_vq_stats sum;

    peer_vq_totals(p, &sum);
    if ((sum.used_bad || sum.rx_bad) && !p->failure) {
        p->failure = "ring errors";
    }
    if (!p->failure && (p->rx_bad || p->rx_dup)) {
        p->failure = "bad frames";
    }
    if (!p->failure && p->tx_drops && !p->o->echo) {
        p->failure = "frames not sent";
    }
    if (!p->failure && p->o->recv_n >= 0
        && p->rx_unique < (uint64_t) p->o->recv_n) {
        p->failure = "frames missing";
    }
    if (!p->failure && stop && !p->o->echo) {
        p->failure = "interrupted";
    }
    return !p->failure;
}

static int
peer_prepare(struct peer *p)
{
    const struct options *o = p->o;
    int error;

    if (o->pcap_in) {
        error = pcap_read(o->pcap_in, &p->pcap_frames, &p->n_pcap_frames);
        if (error) {
            return error;
        }
        if (!p->n_pcap_frames) {
            fprintf(stderr, "vhu-peer: %s: no frames\n", o->pcap_in);
            return EINVAL;
        }
        p->pcap_hashes = malloc(p->n_pcap_frames * sizeof *p->pcap_hashes);
        for (size_t i = 0; i < p->n_pcap_frames; i++) {
            p->pcap_hashes[i] = frame_hash(p->pcap_frames[i].data,
                                           p->pcap_frames[i].len);
        }
        qsort(p->pcap_hashes, p->n_pcap_frames, sizeof *p->pcap_hashes,
              compare_u64);
    }
    if (o->pcap_out) {
        p->pcap_out = pcap_create(o->pcap_out);
        if (!p->pcap_out) {
            fprintf(stderr, "vhu-peer: %s: %s\n", o->pcap_out,
                    strerror(errno));
            return errno;
        }
    }
    p->send_target = (o->send_n >= 0 ? o->send_n
                      : o->pcap_in ? (long long) p->n_pcap_frames : -1);
    p->seen_size = o->send_n > o->recv_n ? o->send_n : o->recv_n;
    if (o->ping_n > p->seen_size) {
        p->seen_size = o->ping_n;
    }
    if (p->seen_size > 0 && p->seen_size <= (1ULL << 33)) {
        p->seen = calloc((p->seen_size + 7) / 8, 1);
    }
    return 0;
}

/* How many frames of the largest size the RX rings hold. */
static long long
rx_capacity(const struct peer *p)
{
    const struct vhf_vq *rx = vhf_dev_rx_vq(p->dev, 0);
    long long descs = (rx->rx_indirect && rx->indirect
                       ? 1 : rx->rx_segs + rx->rx_hdr_separate);
    long long need = rx->hdr_len + max_frame_len(p);
    long long bufs = rx->mrg_rxbuf ? (need + p->rx_buf_size - 1)
                                     / p->rx_buf_size : 1;

    return p->n_qp * (rx->size / descs / bufs);
}

static void
peer_run(struct peer *p)
{
    const struct options *o = p->o;

    if (o->send_n >= 0 && o->recv_n >= 0) {
        /* Never more in flight than the RX rings can take, so that an
         * echoing backend need not drop. */
        p->window = rx_capacity(p) / 2;
        if (p->window < 1) {
            p->window = 1;
        }
    }
    if (o->echo) {
        run_echo(p);
    } else if (o->ping_n >= 0) {
        run_ping(p);
    } else if (o->throughput_s > 0) {
        run_throughput(p);
    } else if (p->send_target >= 0 || o->recv_n >= 0) {
        run_send_recv(p);
    }
}

static void
peer_teardown(struct peer *p)
{
    /* No backend may connect to a socket about to go away. */
    vhf_listener_destroy(p->listener);
    p->listener = NULL;
    if (p->dev && !vhf_conn_closed(p->conn)) {
        p->conn->timeout_ms = 2000;
        p->conn->cancel = NULL;     /* Stop the vrings even after a signal. */
        int error = vhf_dev_stop(p->dev);
        if (error && p->o->verbose) {
            fprintf(stderr, "vhu-peer: stopping vrings: %s\n",
                    strerror(error));
        }
    }
    vhf_dev_destroy(p->dev);
    vhf_conn_destroy(p->conn);
    vhf_mem_destroy(p->mem);
    if (p->pcap_out) {
        fclose(p->pcap_out);
    }
    for (size_t i = 0; i < p->n_pcap_frames; i++) {
        free(p->pcap_frames[i].data);
    }
    free(p->pcap_frames);
    free(p->pcap_hashes);
    free(p->seen);
}

int
main(int argc, char *argv[])
{
    struct options o;
    struct peer p;
    bool ok;

    if (parse_options(argc, argv, &o)) {
        fprintf(stderr, "Try 'vhu-peer --help'.\n");
        return 2;
    }
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    signal(SIGPIPE, SIG_IGN);
    setvbuf(stdout, NULL, _IOLBF, 0);
    pattern_init();

    memset(&p, 0, sizeof p);
    p.o = &o;
    if (peer_prepare(&p) || peer_setup(&p, false)) {
        print_counters(&p);
        peer_teardown(&p);
        printf("result: fail (%s)\n", stop ? "interrupted" : "setup");
        return 1;
    }
    peer_run(&p);
    ok = peer_success(&p);
    print_counters(&p);
    peer_teardown(&p);
    printf("result: %s%s%s\n", ok ? "pass" : "fail (",
           ok ? "" : p.failure, ok ? "" : ")");
    return ok ? 0 : 1;
}
