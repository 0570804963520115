/*
 * test-rss.c: checks the hash that the vhost-user datapath gives the frames
 * of a multi-queue port (plugin/netdev-vhostuser-rss.h): which frames get
 * one (untagged IPv4 TCP, UDP and SCTP, not fragments); that it depends on
 * the 5-tuple and nothing else, so a flow stays on one output queue; that
 * every bit of the 5-tuple changes it; that structured and random sets of
 * flows spread evenly over output queues; and that frames of any length,
 * in buffers of exactly that length, are read only inside it (the
 * sanitizer build checks that).  Linked with OVS's libopenvswitch; run by
 * the testsuite (tests/ovs.at).  Prints a summary and exits 0 on success.
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dp-packet.h"
#include "netdev-vhostuser-rss.h"
#include "packets.h"

/* A frame: Ethernet, IPv4 with 'ihl' 32-bit words, then 'l4_len' bytes of
 * protocol 'proto', the first 4 of them ports 0x1234 and 0x5678.  Returns
 * its length. */
static size_t
make_frame(uint8_t *f, uint8_t proto, int ihl, size_t l4_len)
{
    size_t ip_len = ihl * 4 + l4_len;

    memset(f, 0, 14 + ip_len);
    memcpy(f, "\x02\0\0\0\0\x02\x02\0\0\0\0\x01\x08\x00", 14);
    f[14] = 0x40 | ihl;
    f[16] = ip_len >> 8;
    f[17] = ip_len;
    f[22] = 64;
    f[23] = proto;
    memcpy(f + 26, "\x0a\0\0\x01\x0a\0\0\x02", 8);
    if (l4_len >= 4) {
        memcpy(f + 14 + ihl * 4, "\x12\x34\x56\x78", 4);
    }
    return 14 + ip_len;
}

/* Hashes the 'len' bytes at 'f', in a buffer of exactly that size.
 * Returns true and stores the hash in '*hash' if the frame got one. */
static bool
rss(const uint8_t *f, size_t len, uint32_t *hash)
{
    struct dp_packet *p = dp_packet_new(len);
    bool valid;

    dp_packet_put(p, f, len);
    netdev_vhostuser_set_rss_hash(p);
    valid = dp_packet_rss_valid(p);
    *hash = valid ? dp_packet_get_rss_hash(p) : 0;
    dp_packet_delete(p);
    return valid;
}

/* Hand-made cases: whether each must get a hash. */
static int
fixed_cases(void)
{
    struct {
        const char *name;
        uint8_t proto;
        int ihl;
        size_t l4_len;
        int mutate;             /* 0, or which byte to change, see below. */
        bool want;
    } cases[] = {
        { "udp", IPPROTO_UDP, 5, 40, 0, true },
        { "tcp", IPPROTO_TCP, 5, 40, 0, true },
        { "tcp with IP options", IPPROTO_TCP, 15, 20, 0, true },
        { "sctp", IPPROTO_SCTP, 5, 12, 0, true },
        { "ports only", IPPROTO_UDP, 5, 4, 0, true },
        { "total length over the frame", IPPROTO_UDP, 5, 40, 5, true },
        { "ports cut short", IPPROTO_UDP, 5, 3, 0, false },
        { "IP options, ports cut short", IPPROTO_TCP, 15, 3, 0, false },
        { "icmp", IPPROTO_ICMP, 5, 20, 0, false },
        { "first fragment", IPPROTO_UDP, 5, 40, 2, false },
        { "later fragment", IPPROTO_UDP, 5, 40, 3, false },
        { "vlan tag", IPPROTO_UDP, 5, 40, 4, false },
        { "ihl under 5", IPPROTO_UDP, 5, 40, 6, false },
        { "ipv6 version", IPPROTO_UDP, 5, 40, 7, false },
    };
    int failures = 0;

    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        uint8_t f[256];
        size_t len = make_frame(f, cases[i].proto, cases[i].ihl,
                                cases[i].l4_len);
        uint32_t hash;
        bool hashed;

        switch (cases[i].mutate) {
        case 2: f[20] = 0x20; break;               /* More fragments. */
        case 3: f[21] = 0x10; break;               /* Offset 128. */
        case 4: f[12] = 0x81; f[13] = 0x00; break; /* 802.1Q. */
        case 5: f[17] += 8; break;
        case 6: f[14] = 0x44; break;
        case 7: f[14] = 0x65; break;
        }
        hashed = rss(f, len, &hash);
        if (hashed != cases[i].want) {
            printf("%s: %s\n", cases[i].name,
                   hashed ? "hashed, should not be" : "not hashed");
            failures++;
        }
    }
    return failures;
}

/* A random UDP, TCP or SCTP frame with random addresses and ports. */
static size_t
random_flow(uint8_t *f)
{
    static const uint8_t protos[] = { IPPROTO_TCP, IPPROTO_UDP, IPPROTO_SCTP };
    size_t len = make_frame(f, protos[rand() % 3], 5, 4 + rand() % 60);

    for (int i = 26; i < 38; i++) {
        f[i] = rand();
    }
    return len;
}

/* Frames of one flow: changing any byte outside the 5-tuple (and outside
 * the Ethertype, version, header length, fragment and protocol fields that
 * decide whether a frame is hashed at all) must not change the hash. */
static int
same_flow_cases(int n)
{
    int failures = 0;

    for (int t = 0; t < n; t++) {
        uint8_t f[128];
        size_t len = random_flow(f);
        uint32_t h0, h1;

        if (!rss(f, len, &h0)) {
            printf("random flow not hashed\n");
            return failures + 1;
        }
        for (size_t i = 0; i < len; i++) {
            bool tuple = i == 12 || i == 13 || i == 14 || i == 20 || i == 21
                         || i == 23
                         || (i >= 26 && i < 38);
            uint8_t old = f[i];

            if (tuple) {
                continue;
            }
            f[i] ^= 1 + rand() % 255;
            if (!rss(f, len, &h1) || h1 != h0) {
                printf("byte %zu of a frame changed its flow's hash\n", i);
                failures++;
            }
            f[i] = old;
        }
    }
    return failures;
}

/* Flows that differ in one bit of an address or port, or in the protocol,
 * must get different hashes. */
static int
one_bit_cases(int n)
{
    int failures = 0;

    for (int t = 0; t < n; t++) {
        uint8_t f[128];
        size_t len = random_flow(f);
        uint32_t h0, h1;

        rss(f, len, &h0);
        for (int bit = 0; bit < 96; bit++) {
            f[26 + bit / 8] ^= 1 << bit % 8;
            rss(f, len, &h1);
            if (h1 == h0) {
                printf("bit %d of addresses and ports: same hash\n", bit);
                failures++;
            }
            f[26 + bit / 8] ^= 1 << bit % 8;
        }
        f[23] = f[23] == IPPROTO_UDP ? IPPROTO_TCP : IPPROTO_UDP;
        rss(f, len, &h1);
        if (h1 == h0) {
            printf("protocol: same hash\n");
            failures++;
        }
    }
    return failures;
}

/* 4096 flows of kind 'kind' (0: source ports 1 to 4096; 1: destination
 * addresses 10.0.0.0 to 10.0.15.255; 2: random) must spread over 2, 3, 4
 * and 8 output queues (hash % n, as dpif-netdev picks them) and over 4 by
 * the hash's top bits, each queue within 15% of an even share. */
static int
spread_cases(int kind)
{
    static const char *kinds[] = { "source ports", "addresses", "random" };
    enum { N_FLOWS = 4096 };
    static uint32_t hashes[N_FLOWS];
    int failures = 0;

    for (int i = 0; i < N_FLOWS; i++) {
        uint8_t f[128];
        size_t len = make_frame(f, IPPROTO_UDP, 5, 40);

        if (kind == 0) {
            f[34] = (i + 1) >> 8;
            f[35] = i + 1;
        } else if (kind == 1) {
            f[32] = i >> 8;
            f[33] = i;
        } else {
            len = random_flow(f);
        }
        rss(f, len, &hashes[i]);
    }
    for (int m = 0; m < 5; m++) {
        int n_q = m < 4 ? (int[]) { 2, 3, 4, 8 }[m] : 4;
        int count[8] = { 0 };

        for (int i = 0; i < N_FLOWS; i++) {
            count[m < 4 ? hashes[i] % n_q : hashes[i] >> 30]++;
        }
        for (int q = 0; q < n_q; q++) {
            double share = (double) count[q] * n_q / N_FLOWS;

            if (share < 0.85 || share > 1.15) {
                printf("%s over %d queues%s: queue %d has %d of %d\n",
                       kinds[kind], n_q, m < 4 ? "" : " (top bits)", q,
                       count[q], N_FLOWS);
                failures++;
            }
        }
    }
    return failures;
}

/* Random bytes of every length up to 100, made IPv4 often enough to reach
 * every check: must not crash, nor read outside the frame.  Returns how
 * many got a hash. */
static int
random_frames(int n)
{
    static const uint8_t protos[] = { 6, 17, 132, 1 };
    int n_hashed = 0;

    for (int t = 0; t < n; t++) {
        uint8_t f[128];
        size_t len = rand() % 101;
        uint32_t hash;

        for (size_t i = 0; i < len; i++) {
            f[i] = rand();
        }
        if (len > 23 && rand() % 4) {
            f[12] = 0x08;
            f[13] = 0x00;
            f[14] = rand() % 2 ? 0x45 : 0x40 | (rand() % 16);
            f[20] = rand() % 2 ? 0 : f[20];
            f[21] = rand() % 2 ? 0 : f[21];
            f[23] = protos[rand() % ARRAY_SIZE(protos)];
        }
        n_hashed += rss(f, len, &hash);
    }
    return n_hashed;
}

int
main(void)
{
    int failures, n_hashed;

    srand(1);
    failures = fixed_cases();
    failures += same_flow_cases(1000);
    failures += one_bit_cases(1000);
    for (int kind = 0; kind < 3; kind++) {
        failures += spread_cases(kind);
    }
    n_hashed = random_frames(100000);
    printf("random frames: 100000, hashed: %d\n", n_hashed);
    if (n_hashed < 1000) {
        failures++;
    }
    printf("%s\n", failures ? "result: fail" : "result: pass");
    return failures != 0;
}
