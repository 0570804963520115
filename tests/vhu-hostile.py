#! /usr/bin/env python3
"""vhu-hostile.py: a small vhost-user frontend that misbehaves on purpose.

Used by tests/hostile.at against ovs-vswitchd.  Python's standard library
only, so that it does not depend on the C frontend toolkit (utilities/).
It can do a full, valid negotiation -- features, protocol features with
REPLY_ACK, a memfd as guest memory, split rings for queue pair 0 that it
lays out itself, frames sent by writing descriptors and bumping avail->idx
-- and then break the rules in one chosen way (MODE, see MODES below).

Usage: vhu-hostile.py [options] SOCKET MODE [COUNT]

It prints one line per step, "what: outcome", where the outcome is what
the backend did: "ack N" (the REPLY_ACK value), "closed" (the backend
closed the connection), "no answer", and so on.  With --ovs-pid, it also
compares the backend's open fds and memfd mappings (/proc/PID/fd,
/proc/PID/maps) with what they were before, and says "+0" or what changed.
"""

import argparse
import array
import errno
import mmap
import os
import random
import signal
import socket
import struct
import sys
import time

# Requests (lib/vhu-proto.h).
GET_FEATURES = 1
SET_FEATURES = 2
SET_OWNER = 3
SET_MEM_TABLE = 5
SET_VRING_NUM = 8
SET_VRING_ADDR = 9
SET_VRING_BASE = 10
GET_VRING_BASE = 11
SET_VRING_KICK = 12
SET_VRING_CALL = 13
GET_PROTOCOL_FEATURES = 15
SET_PROTOCOL_FEATURES = 16
SET_VRING_ENABLE = 18
NET_SET_MTU = 20
ADD_MEM_REG = 37
REM_MEM_REG = 38
SET_STATUS = 39

# Header flags.
F_VERSION = 0x1
F_REPLY = 0x4
F_NEED_REPLY = 0x8

# Feature bits.
F_PROTOCOL_FEATURES = 1 << 30
F_VERSION_1 = 1 << 32
PF_REPLY_ACK = 1 << 3
PF_MTU = 1 << 4
PF_CONFIGURE_MEM_SLOTS = 1 << 15
PF_STATUS = 1 << 16

DESC_F_WRITE = 2
AVAIL_F_NO_INTERRUPT = 1
VRING_NOFD = 1 << 8
HDR_LEN = 12                    # virtio-net header with VERSION_1.
SCM_MAX_TRY = 300

# Guest memory layout: one memfd, offsets below.  The rings of vring 0
# (guest RX) and vring 1 (guest TX) lie in the first 64 KiB, TX buffers at
# 1 MiB and RX buffers at 2 MiB, 2 KiB each, so that shrinking the memfd to
# 64 KiB leaves the rings and takes the buffers.
MEM_SIZE = 4 << 20
GPA_BASE = 0x100000             # Guest physical address of offset 0.
UADDR_BASE = 0x7f3a00000000     # Frontend virtual address of offset 0.
RING_OFF = {0: 0x0000, 1: 0x4000}
RING_SIZE = 256
TXBUF_OFF = 1 << 20
RXBUF_OFF = 2 << 20
BUF_SIZE = 2048
RINGS_END = 0x10000


class Closed(Exception):
    """The backend closed the connection."""


class Stop(Exception):
    """SIGTERM."""


def on_sigterm(signum, frame):
    raise Stop()


def u64(v):
    return struct.pack("<Q", v)


def vring_state(index, num):
    return struct.pack("<II", index, num)


def region(gpa, size, uaddr, offset):
    return struct.pack("<QQQQ", gpa, size, uaddr, offset)


def mem_table(regions, n=None):
    return (struct.pack("<II", len(regions) if n is None else n, 0)
            + b"".join(regions))


def mem_reg(r):
    return u64(0) + r


class Guest:
    """Guest memory: a memfd mapped here, one region by default."""

    def __init__(self, size=MEM_SIZE, name="vhu-hostile"):
        self.fd = os.memfd_create(name, os.MFD_CLOEXEC)
        os.ftruncate(self.fd, size)
        self.size = size
        self.mm = mmap.mmap(self.fd, size)

    def region(self):
        return region(GPA_BASE, self.size, UADDR_BASE, 0)

    def gpa(self, off):
        return GPA_BASE + off

    def uaddr(self, off):
        return UADDR_BASE + off

    def shrink(self, size):
        os.ftruncate(self.fd, size)
        self.size = size


class Ring:
    """The frontend side of split vring 'index' in 'guest'."""

    def __init__(self, guest, index, num=RING_SIZE):
        self.g = guest
        self.index = index
        self.num = num
        base = RING_OFF[index]
        self.desc, self.avail, self.used = base, base + 0x1000, base + 0x2000
        self.avail_idx = 0
        self.clear()

    def clear(self):
        mm = self.g.mm
        mm[self.desc:self.desc + 0x3000] = bytes(0x3000)
        struct.pack_into("<H", mm, self.avail, AVAIL_F_NO_INTERRUPT)
        self.avail_idx = 0

    def addr(self, desc=None, used=None, avail=None):
        """SET_VRING_ADDR payload, with these frontend addresses if given."""
        g = self.g
        return struct.pack("<IIQQQQ", self.index, 0,
                           g.uaddr(self.desc) if desc is None else desc,
                           g.uaddr(self.used) if used is None else used,
                           g.uaddr(self.avail) if avail is None else avail, 0)

    def used_idx(self):
        return struct.unpack_from("<H", self.g.mm, self.used + 2)[0]

    def post(self, gpa, length, flags):
        """Makes one single-descriptor chain available."""
        slot = self.avail_idx % self.num
        struct.pack_into("<QIHH", self.g.mm, self.desc + 16 * slot,
                         gpa, length, flags, 0)
        struct.pack_into("<H", self.g.mm, self.avail + 4 + 2 * slot, slot)
        self.avail_idx = (self.avail_idx + 1) & 0xffff
        # x86 and arm64 Python stores are plain stores; the ring entry is
        # written before the index (the interpreter does not reorder them,
        # and the backend reads the index with acquire semantics).
        struct.pack_into("<H", self.g.mm, self.avail + 2, self.avail_idx)

    def fill_tx(self, slot, frame):
        off = TXBUF_OFF + slot * BUF_SIZE
        data = bytes(HDR_LEN) + frame
        self.g.mm[off:off + len(data)] = data
        return off, len(data)


def frame(seq, size=128):
    """A broadcast frame of an experimental ethertype."""
    head = (b"\xff" * 6 + b"\x02HOST\x00" + b"\x88\xb6"
            + struct.pack("<Q", seq))
    return head + bytes(size - len(head))


class Conn:
    """One connection to the backend."""

    def __init__(self, path, timeout=10.0):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.settimeout(timeout)
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.s.connect(path)
                break
            except (FileNotFoundError, ConnectionRefusedError):
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        self.timeout = timeout
        self.fds = []           # Our eventfds, closed with the connection.
        self.kick = {}

    def close(self):
        self.s.close()
        for fd in self.fds:
            os.close(fd)
        self.fds = []

    def send_raw(self, data, fds=()):
        try:
            if fds:
                anc = [(socket.SOL_SOCKET, socket.SCM_RIGHTS,
                        array.array("i", fds))]
                n = self.s.sendmsg([data], anc)
                data = data[n:]
            if data:
                self.s.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            raise Closed()

    def msg(self, req, payload=b"", fds=(), flags=F_VERSION, size=None):
        hdr = struct.pack("<III", req, flags,
                          len(payload) if size is None else size)
        self.send_raw(hdr + payload, fds)

    def recv_exact(self, n):
        data = b""
        while len(data) < n:
            try:
                chunk = self.s.recv(n - len(data))
            except ConnectionResetError:
                chunk = b""
            if not chunk:
                raise Closed()
            data += chunk
        return data

    def reply(self, req):
        r, flags, size = struct.unpack("<III", self.recv_exact(12))
        if r != req or flags != F_VERSION | F_REPLY or size > 64:
            raise RuntimeError("bad reply %d/%#x/%d to request %d"
                               % (r, flags, size, req))
        return self.recv_exact(size)

    def get_u64(self, req, payload=b""):
        self.msg(req, payload)
        return struct.unpack("<Q", self.reply(req))[0]

    def ack(self, req, payload=b"", fds=(), flags=F_VERSION | F_NEED_REPLY):
        """Sends a request with NEED_REPLY and returns the ack value."""
        self.msg(req, payload, fds, flags)
        return struct.unpack("<Q", self.reply(req))[0]

    def outcome(self, timeout=None):
        """Waits for the backend to close the connection or answer."""
        self.s.settimeout(self.timeout if timeout is None else timeout)
        try:
            data = self.s.recv(4096)
        except socket.timeout:
            return "no answer"
        except ConnectionResetError:
            return "closed"
        return "closed" if not data else "answered %d bytes" % len(data)

    def vring_base(self, index):
        """GET_VRING_BASE: stops vring 'index', returns its next avail."""
        self.msg(GET_VRING_BASE, vring_state(index, 0))
        return struct.unpack("<II", self.reply(GET_VRING_BASE))[1]

    def eventfd(self):
        fd = os.eventfd(0, os.EFD_NONBLOCK | os.EFD_CLOEXEC)
        self.fds.append(fd)
        return fd

    # A valid negotiation, in QEMU's order.  Every ack must be 0.

    def must(self, what, value):
        if value != 0:
            raise RuntimeError("%s: ack %d" % (what, value))

    def negotiate(self, pf=PF_REPLY_ACK | PF_CONFIGURE_MEM_SLOTS | PF_MTU
                  | PF_STATUS):
        offered = self.get_u64(GET_FEATURES)
        if not offered & F_PROTOCOL_FEATURES or not offered & F_VERSION_1:
            raise RuntimeError("features %#x" % offered)
        pf &= self.get_u64(GET_PROTOCOL_FEATURES)
        self.msg(SET_PROTOCOL_FEATURES, u64(pf))
        self.must("SET_OWNER", self.ack(SET_OWNER))
        self.must("SET_FEATURES",
                  self.ack(SET_FEATURES,
                           u64(F_VERSION_1 | F_PROTOCOL_FEATURES)))

    def set_mem(self, g):
        self.must("SET_MEM_TABLE",
                  self.ack(SET_MEM_TABLE, mem_table([g.region()]), [g.fd]))

    def start_vring(self, ring, base=0, addr=None, enable=True):
        i = ring.index
        self.must("SET_VRING_NUM", self.ack(SET_VRING_NUM,
                                            vring_state(i, ring.num)))
        self.must("SET_VRING_BASE", self.ack(SET_VRING_BASE,
                                             vring_state(i, base)))
        self.must("SET_VRING_ADDR",
                  self.ack(SET_VRING_ADDR, addr or ring.addr()))
        self.kick[i] = self.eventfd()
        self.must("SET_VRING_KICK", self.ack(SET_VRING_KICK, u64(i),
                                             [self.kick[i]]))
        self.must("SET_VRING_CALL", self.ack(SET_VRING_CALL, u64(i),
                                             [self.eventfd()]))
        if enable:
            self.must("SET_VRING_ENABLE",
                      self.ack(SET_VRING_ENABLE, vring_state(i, 1)))

    def do_kick(self, index, times=1):
        for _ in range(times):
            os.eventfd_write(self.kick[index], 1)

    def setup(self, g):
        """Full setup of queue pair 0; returns its (rx, tx) rings."""
        self.negotiate()
        self.set_mem(g)
        rx, tx = Ring(g, 0), Ring(g, 1)
        self.start_vring(rx)
        self.start_vring(tx)
        return rx, tx


# The backend's resources, from /proc.

class Ovs:
    def __init__(self, pid):
        self.pid = pid

    def usage(self):
        if not self.pid:
            return (0, 0)
        try:
            fds = len(os.listdir("/proc/%d/fd" % self.pid))
            with open("/proc/%d/maps" % self.pid) as f:
                maps = sum(1 for line in f if "/memfd:" in line)
        except FileNotFoundError:
            print("the backend (pid %d) is gone" % self.pid, flush=True)
            sys.exit(1)
        return (fds, maps)

    @staticmethod
    def diff(now, before):
        return "ovs fds %+d, memfd maps %+d" % (now[0] - before[0],
                                                now[1] - before[1])

    def delta(self, before):
        return self.diff(self.usage(), before)

    def settle(self, before, timeout=5.0):
        """Waits until fds and memfd mappings are back to 'before'."""
        deadline = time.monotonic() + timeout
        while self.usage() != before and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.delta(before)


class Run:
    def __init__(self, args):
        self.a = args
        self.path = args.socket
        self.ovs = Ovs(args.ovs_pid)

    def out(self, line):
        print(line, flush=True)

    def connect(self):
        """A connection that the backend has accepted (it answered)."""
        before = self.ovs.usage()
        c = Conn(self.path)
        c.get_u64(GET_FEATURES)
        return c, before

    def finish(self, c, before, what, result):
        """Closes 'c' and reports 'result' and the backend's resources."""
        c.close()
        self.out("%s: %s; %s" % (what, result, self.ovs.settle(before)))

    def ready(self):
        if self.a.ready:
            with open(self.a.ready + ".tmp", "w") as f:
                f.write("%d\n" % os.getpid())
            os.rename(self.a.ready + ".tmp", self.a.ready)

    def hold(self):
        """Signals readiness, then waits for SIGTERM or --hold seconds."""
        self.ready()
        try:
            time.sleep(self.a.hold)
        except Stop:
            pass

    # ------------------------------------------------------------------
    # The original hostile.py of tests/ovs.at.

    def simple(self, mode):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(self.path)
        try:
            if mode == "garbage":
                s.sendall(os.urandom(4096))
            elif mode == "huge":
                # GET_FEATURES, version 1, a 0xffffffff-byte payload.
                s.sendall(struct.pack("<III", GET_FEATURES, F_VERSION,
                                      0xffffffff) + bytes(256))
            elif mode == "slow":
                # Half a header, a pause (2 s, or until the --go file
                # exists), then the rest: GET_FEATURES.
                hdr = struct.pack("<III", GET_FEATURES, F_VERSION, 0)
                s.sendall(hdr[:6])
                self.ready()
                if self.a.go:
                    deadline = time.monotonic() + 60
                    while (not os.path.exists(self.a.go)
                           and time.monotonic() < deadline):
                        time.sleep(0.05)
                else:
                    time.sleep(2)
                s.sendall(hdr[6:])
        except OSError:
            pass
        s.settimeout(10)
        try:
            reply = s.recv(4096)
            self.out("closed" if not reply
                     else "answered %d bytes" % len(reply))
        except socket.timeout:
            self.out("no answer")
        except OSError:
            self.out("closed")

    # ------------------------------------------------------------------
    # 1. Garbage and truncated messages.

    def truncated(self):
        g = Guest()
        hdr = struct.pack("<III", GET_FEATURES, F_VERSION, 0)

        c, before = self.connect()
        c.send_raw(hdr[:6])
        self.finish(c, before, "header cut short (6 of 12 bytes), then close",
                    "sent")

        c, before = self.connect()
        c.msg(SET_MEM_TABLE, mem_table([g.region()])[:20], [g.fd], size=40)
        self.finish(c, before, "SET_MEM_TABLE with its fd, payload cut short "
                    "(20 of 40 bytes), then close", "sent")

        c, before = self.connect()
        c.msg(SET_MEM_TABLE, mem_table([g.region()] * 8)[:100], [g.fd] * 8,
              size=264)
        self.finish(c, before, "SET_MEM_TABLE with 8 fds, payload cut short "
                    "(100 of 264 bytes), then close", "sent")

        c, before = self.connect()
        rx, tx = c.setup(g)
        tx.post(g.gpa(TXBUF_OFF), HDR_LEN + 64, 0)
        c.msg(SET_VRING_ADDR, tx.addr()[:10], size=40)
        c.do_kick(1, 10)
        time.sleep(0.2)
        self.finish(c, before, "after a full setup, SET_VRING_ADDR cut short "
                    "(10 of 40 bytes), kicks, then close", "sent")

        c, before = self.connect()
        c.setup(g)
        c.send_raw(hdr[:5])
        c.do_kick(0, 10)
        c.do_kick(1, 10)
        time.sleep(0.2)
        self.finish(c, before, "after a full setup, header cut short (5 of "
                    "12 bytes), kicks, then close", "sent")

        # Garbage with a header that passes framing: SET_FEATURES with a
        # random u64 (rejected), then a random header of a huge payload.
        rnd = random.Random(4)
        c, before = self.connect()
        c.setup(g)
        c.send_raw(struct.pack("<III", SET_FEATURES, F_VERSION, 8)
                   + rnd.randbytes(8)
                   + struct.pack("<III", rnd.getrandbits(32), F_VERSION,
                                 0x10000 + rnd.getrandbits(16))
                   + rnd.randbytes(4096))
        self.finish(c, before, "after a full setup, 4 KiB of garbage",
                    c.outcome())

        c, before = self.connect()
        c.send_raw(rnd.randbytes(4096))
        self.finish(c, before, "4 KiB of random bytes, then close", "sent")

        for what, flags in (("version 2", 0x2), ("version 0", 0x0),
                            ("REPLY flag", F_VERSION | F_REPLY)):
            c, before = self.connect()
            c.setup(g)
            c.msg(SET_OWNER, flags=flags)
            self.finish(c, before, "after a full setup, SET_OWNER with %s"
                        % what, c.outcome())

    # ------------------------------------------------------------------
    # 2. Oversized size fields.

    def oversized(self):
        g = Guest()

        for what, req, size, sent, fds in (
                ("GET_FEATURES, size 0xffffffff", GET_FEATURES, 0xffffffff,
                 256, ()),
                ("SET_FEATURES, size 4097", SET_FEATURES, 4097, 4097, ()),
                ("SET_MEM_TABLE with an fd, size 0x10000", SET_MEM_TABLE,
                 0x10000, 4096, (g.fd,)),
                ("SET_VRING_NUM, size 0x80000000", SET_VRING_NUM,
                 0x80000000, 4096, ())):
            c, before = self.connect()
            try:
                c.msg(req, bytes(sent), fds, size=size)
                result = c.outcome()
            except Closed:
                result = "closed"
            self.finish(c, before, what, result)

        # On one connection, with REPLY_ACK: rejected, the connection stays.
        c, before = self.connect()
        c.negotiate()
        mine = self.ovs.usage()
        big = region(GPA_BASE, 0xffffffffffffffff, UADDR_BASE, 0)
        tera = region(GPA_BASE, 1 << 40, UADDR_BASE, 0)
        for what, req, payload, fds in (
                ("SET_FEATURES, 4096 bytes (the most framing takes)",
                 SET_FEATURES, bytes(4096), ()),
                ("SET_MEM_TABLE, 0xffffffff regions, 1 fd", SET_MEM_TABLE,
                 mem_table([g.region()] * 8, n=0xffffffff), (g.fd,)),
                ("SET_MEM_TABLE, 9 regions, 8 fds", SET_MEM_TABLE,
                 mem_table([g.region()] * 8, n=9), (g.fd,) * 8),
                ("SET_MEM_TABLE, 8 regions in a 1-region payload, 8 fds",
                 SET_MEM_TABLE, mem_table([g.region()], n=8), (g.fd,) * 8),
                ("SET_MEM_TABLE, region size 2^64-1", SET_MEM_TABLE,
                 mem_table([big]), (g.fd,)),
                ("SET_MEM_TABLE, region size 1 TiB in a 4 MiB memfd",
                 SET_MEM_TABLE, mem_table([tera]), (g.fd,)),
                ("SET_VRING_NUM, index 0xffffffff", SET_VRING_NUM,
                 vring_state(0xffffffff, 256), ()),
                ("SET_VRING_NUM, num 0xffffffff", SET_VRING_NUM,
                 vring_state(0, 0xffffffff), ()),
                ("SET_VRING_NUM, num 65536", SET_VRING_NUM,
                 vring_state(0, 65536), ()),
                ("SET_VRING_BASE, base 65536", SET_VRING_BASE,
                 vring_state(0, 65536), ()),
                ("SET_VRING_ADDR, index 0xffffffff", SET_VRING_ADDR,
                 struct.pack("<IIQQQQ", 0xffffffff, 0, 0, 0, 0, 0), ()),
                ("SET_VRING_ENABLE, 0xffffffff", SET_VRING_ENABLE,
                 vring_state(0, 0xffffffff), ()),
                ("NET_SET_MTU, 2^64-1", NET_SET_MTU, u64(2**64 - 1), ()),
                ("SET_STATUS, 2^64-1", SET_STATUS, u64(2**64 - 1), ()),
                ("ADD_MEM_REG, region size 2^64-1", ADD_MEM_REG,
                 mem_reg(big), (g.fd,))):
            ack = c.ack(req, payload, fds)
            self.out("%s: ack %d; %s" % (what, ack, self.ovs.delta(mine)))
        # The connection still works: a full setup, and a frame.
        rx, tx = Ring(g, 0), Ring(g, 1)
        c.set_mem(g)
        c.start_vring(rx)
        c.start_vring(tx)
        off, length = tx.fill_tx(0, frame(0))
        tx.post(g.gpa(off), length, 0)
        self.out("then a full setup: ok; frames consumed: %d"
                 % self.wait_used(tx, 1))
        c.msg(GET_VRING_BASE, vring_state(0xffffffff, 0))
        self.finish(c, before, "GET_VRING_BASE, index 0xffffffff",
                    c.outcome())

    def wait_used(self, ring, n, timeout=10.0):
        deadline = time.monotonic() + timeout
        while ring.used_idx() < n and time.monotonic() < deadline:
            time.sleep(0.01)
        return ring.used_idx()

    # ------------------------------------------------------------------
    # 3. Too many fds.

    def fds(self):
        g = Guest()
        dups = [os.dup(g.fd) for _ in range(SCM_MAX_TRY)]
        table = mem_table([g.region()])

        # As many fds in one message as the kernel takes, up to 300.
        c, before = self.connect()
        n, refused = SCM_MAX_TRY, None
        hdr = struct.pack("<III", SET_MEM_TABLE, F_VERSION, len(table))
        while True:
            try:
                c.send_raw(hdr + table, dups[:n])
                break
            except OSError as e:
                if e.errno != errno.EINVAL or n <= 9:
                    raise
                refused = refused or n
                n = 253 if n > 253 else n - 1
        if refused:
            self.out("fds per message: the kernel refused %d, took %d"
                     % (refused, n))
        else:
            self.out("fds per message: the kernel took %d" % n)
        self.finish(c, before, "SET_MEM_TABLE (1 region) with %d fds" % n,
                    c.outcome())

        c, before = self.connect()
        c.send_raw(struct.pack("<III", SET_OWNER, F_VERSION, 0), dups[:9])
        self.finish(c, before, "SET_OWNER with 9 fds", c.outcome())

        # 8 fds with the header, 8 more with the rest of the payload.
        c, before = self.connect()
        c.send_raw(hdr + table[:8], dups[:8])
        time.sleep(0.1)
        c.send_raw(table[8:], dups[8:16])
        self.finish(c, before, "SET_MEM_TABLE, 8 fds with the header and 8 "
                    "with the payload", c.outcome())

        # Within the limit but not wanted: rejected, fds closed.
        c, before = self.connect()
        c.negotiate()
        mine = self.ovs.usage()
        for what, req, payload, n in (
                ("SET_OWNER with 8 fds", SET_OWNER, b"", 8),
                ("SET_FEATURES with 8 fds", SET_FEATURES,
                 u64(F_VERSION_1 | F_PROTOCOL_FEATURES), 8),
                ("SET_MEM_TABLE (1 region) with 8 fds", SET_MEM_TABLE,
                 table, 8),
                ("SET_VRING_KICK with NOFD and 1 fd", SET_VRING_KICK,
                 u64(VRING_NOFD), 1),
                ("SET_VRING_CALL with 2 fds", SET_VRING_CALL, u64(0), 2)):
            ack = c.ack(req, payload, dups[:n])
            self.out("%s: ack %d; %s" % (what, ack, self.ovs.delta(mine)))
        c.set_mem(g)
        self.out("then SET_MEM_TABLE with 1 fd: ack 0; %s"
                 % self.ovs.delta(mine))
        self.finish(c, before, "close", "done")
        for fd in dups:
            os.close(fd)

    # ------------------------------------------------------------------
    # 4. Overlapping and wrapping memory regions.

    def mem(self):
        g = Guest()
        M = 1 << 20
        G, U = GPA_BASE, UADDR_BASE
        top = 2**64

        c, before = self.connect()
        c.negotiate()
        mine = self.ovs.usage()

        def ack(what, req, payload, fds):
            a = c.ack(req, payload, fds)
            self.out("%s: ack %d; %s" % (what, a, self.ovs.delta(mine)))

        for what, regions in (
                ("overlapping guest addresses",
                 [region(G, 2 * M, U, 0), region(G + M, 2 * M, U + 8 * M,
                                                 2 * M)]),
                ("overlapping frontend addresses",
                 [region(G, 2 * M, U, 0), region(G + 8 * M, 2 * M, U + M,
                                                 2 * M)]),
                ("the same region twice",
                 [region(G, 2 * M, U, 0)] * 2),
                ("one region inside another",
                 [region(G, 4 * M, U, 0), region(G + M, M, U + 8 * M, 0)]),
                ("guest address wrapping past 2^64",
                 [region(top - M, 2 * M, U, 0)]),
                ("guest address ending at 2^64",
                 [region(top - M, M, U, 0)]),
                ("frontend address wrapping past 2^64",
                 [region(G, 2 * M, top - M, 0)]),
                ("mmap offset wrapping past 2^64",
                 [region(G, 2 * M, U, top - M)]),
                ("size 0", [region(G, 0, U, 0)]),
                ("a region past the end of the memfd",
                 [region(G, 2 * M, U, 3 * M)])):
            ack("SET_MEM_TABLE, " + what, SET_MEM_TABLE, mem_table(regions),
                [g.fd] * len(regions))

        # A valid table of two regions with a hole between them.
        r1, r2 = region(G, 2 * M, U, 0), region(G + 3 * M, M, U + 3 * M,
                                                3 * M)
        ack("SET_MEM_TABLE, two valid regions", SET_MEM_TABLE,
            mem_table([r1, r2]), [g.fd] * 2)
        for what, r in (
                ("overlapping a region's guest addresses",
                 region(G + M, M, U + 2 * M, 2 * M)),
                ("overlapping a region's frontend addresses",
                 region(G + 2 * M, M, U + M, 2 * M)),
                ("inside a region", region(G + M, 4096, U + M, M)),
                ("covering both regions", region(G, 4 * M, U, 0)),
                ("guest address wrapping past 2^64",
                 region(top - 4096, 8192, U + 2 * M, 2 * M)),
                ("frontend address wrapping past 2^64",
                 region(G + 2 * M, M, top - 4096, 2 * M)),
                ("mmap offset wrapping past 2^64",
                 region(G + 2 * M, M, U + 2 * M, top - 4096)),
                ("size 0", region(G + 2 * M, 0, U + 2 * M, 2 * M)),
                ("past the end of the memfd",
                 region(G + 2 * M, M, U + 2 * M, 4 * M))):
            ack("ADD_MEM_REG, " + what, ADD_MEM_REG, mem_reg(r), [g.fd])
        r3 = region(G + 2 * M, M, U + 2 * M, 2 * M)
        ack("ADD_MEM_REG, the hole", ADD_MEM_REG, mem_reg(r3), [g.fd])
        ack("ADD_MEM_REG, the hole again", ADD_MEM_REG, mem_reg(r3), [g.fd])
        ack("REM_MEM_REG, an unknown region", REM_MEM_REG,
            mem_reg(region(G + 2 * M, 4096, U + 2 * M, 2 * M)), [])
        ack("REM_MEM_REG, the hole", REM_MEM_REG, mem_reg(r3), [])
        ack("REM_MEM_REG, the hole again", REM_MEM_REG, mem_reg(r3), [])
        ack("REM_MEM_REG, the hole a third time", REM_MEM_REG, mem_reg(r3),
            [])
        ack("SET_MEM_TABLE, no regions", SET_MEM_TABLE, mem_table([]), [])
        self.finish(c, before, "close", "done")

    # ------------------------------------------------------------------
    # 5. Rings outside guest memory, then kicks.

    def rings(self):
        g = Guest()
        M = 1 << 20
        end = g.uaddr(g.size)

        c, before = self.connect()
        c.negotiate()
        c.set_mem(g)
        rx, tx = Ring(g, 0), Ring(g, 1)
        for what, addrs in (
                ("descriptors past the end of guest memory",
                 dict(desc=end + M)),
                ("descriptors straddling the end", dict(desc=end - 2048)),
                ("used ring straddling the end", dict(used=end - 1024)),
                ("avail ring straddling the end", dict(avail=end - 256)),
                ("descriptors below guest memory",
                 dict(desc=g.uaddr(0) - 4096)),
                ("avail ring wrapping past 2^64", dict(avail=2**64 - 256)),
                ("descriptors at 2^64-16", dict(desc=2**64 - 16)),
                ("misaligned descriptors", dict(desc=g.uaddr(8))),
                ("misaligned used ring", dict(used=g.uaddr(0x2002)))):
            rx.clear()
            tx.clear()
            # Frames and buffers where the rings should have been.
            for i in range(8):
                off, length = tx.fill_tx(i, frame(i))
                tx.post(g.gpa(off), length, 0)
                rx.post(g.gpa(RXBUF_OFF + i * BUF_SIZE), BUF_SIZE,
                        DESC_F_WRITE)
            for ring in (rx, tx):
                c.start_vring(ring, addr=ring.addr(**addrs))
            c.do_kick(0, 100)
            c.do_kick(1, 100)
            time.sleep(0.3)
            bases = [c.vring_base(i) for i in (0, 1)]
            self.out("%s: accepted; used %d/%d; bases %d/%d"
                     % (what, rx.used_idx(), tx.used_idx(), *bases))

        # Valid rings, then a memory table that leaves them outside.
        rx.clear()
        tx.clear()
        c.start_vring(rx)
        c.start_vring(tx)
        moved = region(GPA_BASE, g.size, UADDR_BASE + 64 * M, 0)
        c.must("SET_MEM_TABLE", c.ack(SET_MEM_TABLE, mem_table([moved]),
                                      [g.fd]))
        for i in range(8):
            off, length = tx.fill_tx(i, frame(i))
            tx.post(g.gpa(off), length, 0)
        c.do_kick(1, 100)
        time.sleep(0.3)
        self.out("valid rings, then a memory table without them: used %d"
                 % tx.used_idx())
        c.set_mem(g)
        self.out("the memory table back: frames consumed: %d"
                 % self.wait_used(tx, 8))
        self.finish(c, before, "close", "done")

    # ------------------------------------------------------------------
    # 6. Guest memory that shrinks under the backend.

    def shrink(self, direction):
        g = Guest()
        c, before = self.connect()
        rx, tx = c.setup(g)
        if direction == "tx":
            # Frames in the buffers, the buffers cut off, then the frames
            # made available: the backend reads past the end of the memfd.
            for i in range(8):
                tx.fill_tx(i, frame(i))
            g.shrink(RINGS_END)
            for i in range(8):
                tx.post(g.gpa(TXBUF_OFF + i * BUF_SIZE),
                        HDR_LEN + len(frame(i)), 0)
            c.do_kick(1)
            what = "memfd shrunk to 64 KiB under 8 guest TX frames"
        elif direction == "rx":
            # RX buffers made available, then cut off: the backend writes
            # past the end of the memfd when it has a frame for us.
            for i in range(64):
                rx.post(g.gpa(RXBUF_OFF + i * BUF_SIZE), BUF_SIZE,
                        DESC_F_WRITE)
            g.shrink(RINGS_END)
            what = "memfd shrunk to 64 KiB under 64 guest RX buffers"
        else:
            # Everything, rings included: the backend faults while polling.
            g.shrink(0)
            what = "memfd shrunk to 0 under live rings"
        self.finish(c, before, what, c.outcome(timeout=20))

    # ------------------------------------------------------------------
    # 7. Connect/disconnect cycles.

    def cycles(self, n):
        g = Guest()
        before = self.ovs.usage()
        ok = 0
        for i in range(n):
            c = Conn(self.path)
            try:
                c.negotiate()
                c.set_mem(g)
                c.must("SET_VRING_NUM",
                       c.ack(SET_VRING_NUM, vring_state(i % 2, 256)))
                ok += 1
            except (Closed, RuntimeError) as e:
                self.out("cycle %d: %s" % (i, e or "closed"))
            c.close()
        self.out("%d cycles, %d negotiated; %s" % (n, ok,
                                                   self.ovs.settle(before)))

    # ------------------------------------------------------------------
    # 8. A guest that never returns RX buffers.

    def rx_stall(self, n):
        g = Guest()
        c, before = self.connect()
        rx, tx = c.setup(g)
        for i in range(n):
            rx.post(g.gpa(RXBUF_OFF + i * BUF_SIZE), BUF_SIZE, DESC_F_WRITE)
        self.hold()
        self.finish(c, before, "%d RX buffers posted, never read" % n,
                    "%d filled" % rx.used_idx())

MODES = {
    "garbage": "4 KiB of random bytes (as the old hostile.py)",
    "huge": "GET_FEATURES announcing a 0xffffffff-byte payload",
    "slow": "half a header, a pause (--ready, --go), the rest",
    "truncated": "garbage and messages cut short, then close",
    "oversized": "oversized size fields",
    "fds": "as many fds as the kernel passes in one message, and more",
    "mem": "overlapping and wrapping memory regions",
    "rings": "rings outside guest memory, then kicks",
    "shrink-tx": "memfd shrunk under frames the guest sends",
    "shrink-rx": "memfd shrunk under buffers the backend fills",
    "shrink-all": "memfd shrunk to 0 under live rings",
    "cycles": "COUNT connect/negotiate/close cycles",
    "rx-stall": "post COUNT RX buffers, never read (--ready, --hold)",
}


def main():
    p = argparse.ArgumentParser(
        description="A hostile vhost-user frontend.",
        epilog="modes: " + "; ".join("%s: %s" % kv for kv in MODES.items()))
    p.add_argument("--ovs-pid", type=int, default=0,
                   help="report this backend's fds and memfd mappings")
    p.add_argument("--ready", help="once set up, write our pid to this file")
    p.add_argument("--go", help="slow: send the rest once this file exists")
    p.add_argument("--hold", type=float, default=60.0,
                   help="rx-stall: wait this long, or until SIGTERM")
    p.add_argument("socket")
    p.add_argument("mode", choices=sorted(MODES))
    p.add_argument("count", type=int, nargs="?", default=0)
    a = p.parse_args()
    signal.signal(signal.SIGTERM, on_sigterm)
    r = Run(a)
    if a.mode in ("garbage", "huge", "slow"):
        r.simple(a.mode)
    elif a.mode == "cycles":
        r.cycles(a.count)
    elif a.mode == "rx-stall":
        r.rx_stall(a.count)
    elif a.mode.startswith("shrink-"):
        r.shrink(a.mode[7:])
    else:
        getattr(r, a.mode)()
    return 0


if __name__ == "__main__":
    sys.exit(main())
