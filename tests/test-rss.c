/*
 * test-rss.c: checks that the hash the vhost-user datapath gives guest
 * frames (plugin/netdev-vhostuser-rss.h) is the one OVS computes itself
 * with flow_extract() and flow_hash_5tuple(), on hand-made frames of each
 * kind and on random mutations of IPv4 headers; and that the frames OVS
 * would not read ports from (fragments, ICMP, tagged, truncated, bad
 * lengths) get no hash.  Linked with OVS's libopenvswitch; run by the
 * testsuite (tests/ovs.at).  Prints a summary and exits 0 on success.
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dp-packet.h"
#include "flow.h"
#include "netdev-vhostuser-rss.h"
#include "packets.h"

/* A frame: Ethernet, IPv4 with 'ihl' 32-bit words, then 'l4_len' bytes of
 * protocol 'proto' (TCP with a 20-byte header).  Returns its length. */
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
    memcpy(f + 14 + ihl * 4, "\x12\x34\x56\x78", 4);
    if (proto == IPPROTO_TCP && l4_len >= 13) {
        f[14 + ihl * 4 + 12] = 0x50;
    }
    return 14 + ip_len;
}

/* Hashes 'f' both ways.  Returns 1 if they disagree (ours, when we give
 * one, must be OVS's).  '*hashed' tells whether we gave one. */
static int
check(const uint8_t *f, size_t len, bool *hashed)
{
    struct dp_packet *p = dp_packet_new(len);
    struct flow flow;
    int bad = 0;

    dp_packet_put(p, f, len);
    netdev_vhostuser_set_rss_hash(p);
    *hashed = dp_packet_rss_valid(p);
    if (*hashed) {
        flow_extract(p, &flow);
        bad = flow_hash_5tuple(&flow, 0) != dp_packet_get_rss_hash(p);
    }
    dp_packet_delete(p);
    return bad;
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
        { "udp too short", IPPROTO_UDP, 5, 7, 0, false },
        { "tcp too short", IPPROTO_TCP, 5, 19, 0, false },
        { "tcp data offset too big", IPPROTO_TCP, 5, 20, 1, false },
        { "icmp", IPPROTO_ICMP, 5, 20, 0, false },
        { "first fragment", IPPROTO_UDP, 5, 40, 2, false },
        { "later fragment", IPPROTO_UDP, 5, 40, 3, false },
        { "vlan tag", IPPROTO_UDP, 5, 40, 4, false },
        { "total length over the frame", IPPROTO_UDP, 5, 40, 5, false },
        { "ihl under 5", IPPROTO_UDP, 5, 40, 6, false },
        { "ipv6 version", IPPROTO_UDP, 5, 40, 7, false },
    };
    int failures = 0;

    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        uint8_t f[256];
        size_t len = make_frame(f, cases[i].proto, cases[i].ihl,
                                cases[i].l4_len);
        bool hashed;
        int bad;

        switch (cases[i].mutate) {
        case 1: f[14 + 20 + 12] = 0x60; break;     /* 24 > 20 bytes. */
        case 2: f[20] = 0x20; break;               /* More fragments. */
        case 3: f[21] = 0x10; break;               /* Offset 128. */
        case 4: f[12] = 0x81; f[13] = 0x00; break; /* 802.1Q. */
        case 5: f[17]++; break;
        case 6: f[14] = 0x44; break;
        case 7: f[14] = 0x65; break;
        }
        bad = check(f, len, &hashed);
        if (bad || hashed != cases[i].want) {
            printf("%s: %s\n", cases[i].name,
                   bad ? "hash differs from OVS's"
                   : hashed ? "hashed, should not be" : "not hashed");
            failures++;
        }
    }
    return failures;
}

/* Random IPv4 frames, biased towards ones OVS parses. */
static int
random_cases(int n, int *n_hashed)
{
    static const uint8_t protos[] = { 6, 17, 132, 1, 6, 17 };
    int failures = 0;

    srand(1);
    *n_hashed = 0;
    for (int t = 0; t < n; t++) {
        uint8_t f[160];
        size_t len = 14 + 20 + rand() % 100;
        bool hashed;

        for (size_t i = 0; i < len; i++) {
            f[i] = rand();
        }
        f[12] = 0x08;
        f[13] = 0x00;
        f[14] = rand() % 4 ? 0x45 : rand();
        f[23] = protos[rand() % ARRAY_SIZE(protos)];
        if (rand() % 2) {
            f[20] = f[21] = 0;
        }
        if (rand() % 2) {
            size_t tot = len - 14 - rand() % 4;

            f[16] = tot >> 8;
            f[17] = tot;
        }
        if (rand() % 2 && 14 + (f[14] & 15) * 4 + 12 < len) {
            f[14 + (f[14] & 15) * 4 + 12] = 0x50;
        }
        failures += check(f, len, &hashed);
        *n_hashed += hashed;
    }
    return failures;
}

int
main(void)
{
    int n_hashed, failures = fixed_cases();

    failures += random_cases(100000, &n_hashed);
    printf("random frames: 100000, hashed: %d\n", n_hashed);
    printf("%s\n", failures ? "result: fail" : "result: pass");
    return failures != 0 || n_hashed < 1000;
}
