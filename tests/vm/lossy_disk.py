#!/usr/bin/env python3
"""A disk that forgets what was not flushed: an NBD server for the plug-pulled test.

QEMU's own disk backends write every guest write into the host file at once, so killing
QEMU loses only what the guest kernel still held in its memory: a write that the guest sent
but never flushed survives in the host's page cache, as if the disk had no volatile cache.
A real disk (and SATA/NVMe SSDs do) keeps written sectors in a cache that a power cut loses,
and writes them out in any order. This server plays that disk for QEMU's NBD client:

- a WRITE lands in the cache (a dict of 512-byte sectors), which READs see;
- a FLUSH writes the cache out to the image file and fsyncs it: only then is it durable;
- when the connection ends without a flush (QEMU killed: the plug pulled) the cache is lost,
  but for a random half of its 4 KiB physical blocks, which a real disk may already have
  written out — in any order, so a later write may survive while an earlier one is lost.
  A physical block is written whole or not at all, as on today's 4 KiB-sector (4Kn and
  512e) disks; tearing at 512 bytes instead left ext4 unable to mount after the fifth cut
  of one run ("Bad message": a metadata checksum), a filesystem matter below any program.

Only what QEMU needs is spoken: the fixed newstyle handshake, NBD_OPT_GO (and EXPORT_NAME),
simple replies, READ, WRITE, FLUSH and DISC. See the NBD protocol document
(https://github.com/NetworkBlockDevice/nbd/blob/master/doc/proto.md).
"""
import os
import random
import socket
import struct
import threading

SECTOR = 512
PHYSICAL = 4096  # the unit a power cut keeps or loses whole
NBDMAGIC = 0x4E42444D41474943
IHAVEOPT = 0x49484156454F5054
REPLY_MAGIC = 0x3E889045565A9
REQUEST_MAGIC = 0x25609513
SIMPLE_REPLY = 0x67446698
OPT_EXPORT_NAME, OPT_ABORT, OPT_GO = 1, 2, 7
REP_ACK, REP_INFO, REP_ERR_UNSUP = 1, 3, 0x80000001
INFO_EXPORT = 0
FLAG_HAS_FLAGS, FLAG_SEND_FLUSH = 1, 4
CMD_READ, CMD_WRITE, CMD_DISC, CMD_FLUSH = 0, 1, 2, 3
EINVAL = 22


class LossyDisk:
    """One image file and the volatile cache in front of it. `cuts` keeps one dict per
    connection that ended: sectors in the cache, kept and lost."""

    def __init__(self, image, seed, liar=False):
        self.image = image
        self.liar = liar  # acknowledges flushes without writing anything out
        self.size = os.path.getsize(image)
        self.cache = {}
        self.rng = random.Random(seed)
        self.cuts = []
        self.flushes = 0

    def read(self, offset, length):
        with open(self.image, "rb") as f:
            f.seek(offset)
            data = bytearray(f.read(length))
        first, last = offset // SECTOR, (offset + length - 1) // SECTOR
        if self.cache:
            for s in range(first, last + 1):
                sector = self.cache.get(s)
                if sector is not None:
                    at = s * SECTOR - offset
                    lo, hi = max(at, 0), min(at + SECTOR, length)
                    data[lo:hi] = sector[lo - at:hi - at]
        return bytes(data)

    def write(self, offset, data):
        if offset % SECTOR or len(data) % SECTOR:  # QEMU sends whole sectors; be safe anyway
            head = offset - offset % SECTOR
            end = -(-(offset + len(data)) // SECTOR) * SECTOR
            whole = bytearray(self.read(head, end - head))
            whole[offset - head:offset - head + len(data)] = data
            offset, data = head, bytes(whole)
        for i in range(0, len(data), SECTOR):
            self.cache[offset // SECTOR + i // SECTOR] = data[i:i + SECTOR]

    def _write_out(self, sectors):
        with open(self.image, "r+b") as f:
            for s in sorted(sectors):
                f.seek(s * SECTOR)
                f.write(self.cache[s])
            f.flush()
            os.fsync(f.fileno())

    def flush(self):
        self.flushes += 1
        if self.liar:
            return
        self._write_out(self.cache.keys())
        self.cache.clear()

    def power_cut(self):
        """The cache is lost, but for the physical blocks the disk happened to write out."""
        per = PHYSICAL // SECTOR
        blocks = sorted({s // per for s in self.cache})
        keep = {b for b in blocks if self.rng.random() < 0.5}
        kept = [s for s in self.cache if s // per in keep]
        self._write_out(kept)
        self.cuts.append({"cached": len(blocks), "kept": len(keep),
                          "lost": len(blocks) - len(keep)})
        self.cache.clear()


def _recv(conn, n):
    buf = bytearray()
    while len(buf) < n:
        chunk = conn.recv(n - len(buf))
        if not chunk:
            raise EOFError
        buf += chunk
    return bytes(buf)


def _handshake(conn, disk):
    conn.sendall(struct.pack(">QQH", NBDMAGIC, IHAVEOPT, 1 | 2))  # FIXED_NEWSTYLE, NO_ZEROES
    (client_flags,) = struct.unpack(">I", _recv(conn, 4))
    tflags = FLAG_HAS_FLAGS | FLAG_SEND_FLUSH
    while True:
        magic, opt, length = struct.unpack(">QII", _recv(conn, 16))
        if magic != IHAVEOPT:
            raise EOFError
        _recv(conn, length)
        if opt == OPT_EXPORT_NAME:
            conn.sendall(struct.pack(">QH", disk.size, tflags)
                         + (b"" if client_flags & 2 else b"\0" * 124))
            return
        if opt == OPT_GO:
            info = struct.pack(">HQH", INFO_EXPORT, disk.size, tflags)
            conn.sendall(struct.pack(">QIII", REPLY_MAGIC, opt, REP_INFO, len(info)) + info)
            conn.sendall(struct.pack(">QIII", REPLY_MAGIC, opt, REP_ACK, 0))
            return
        if opt == OPT_ABORT:
            raise EOFError
        conn.sendall(struct.pack(">QIII", REPLY_MAGIC, opt, REP_ERR_UNSUP, 0))


def _serve(conn, disk):
    _handshake(conn, disk)
    while True:
        magic, _flags, kind, handle, offset, length = struct.unpack(">IHHQQI", _recv(conn, 28))
        if magic != REQUEST_MAGIC:
            raise EOFError
        if kind == CMD_WRITE:
            data = _recv(conn, length)
        if offset + length > disk.size and kind in (CMD_READ, CMD_WRITE):
            conn.sendall(struct.pack(">IIQ", SIMPLE_REPLY, EINVAL, handle))
            continue
        if kind == CMD_READ:
            conn.sendall(struct.pack(">IIQ", SIMPLE_REPLY, 0, handle) + disk.read(offset, length))
        elif kind == CMD_WRITE:
            disk.write(offset, data)
            conn.sendall(struct.pack(">IIQ", SIMPLE_REPLY, 0, handle))
        elif kind == CMD_FLUSH:
            disk.flush()
            conn.sendall(struct.pack(">IIQ", SIMPLE_REPLY, 0, handle))
        elif kind == CMD_DISC:
            raise EOFError
        else:
            conn.sendall(struct.pack(">IIQ", SIMPLE_REPLY, EINVAL, handle))


class Server:
    """Serves `disk` on a Unix socket, one connection (one boot) at a time, in a thread.
    Every connection's end is a power cut: what was not flushed is (mostly) lost."""

    def __init__(self, disk, path):
        self.disk = disk
        self.sock = socket.socket(socket.AF_UNIX)
        self.sock.bind(path)
        self.sock.listen(1)
        self.ended = threading.Event()
        threading.Thread(target=self._loop, daemon=True).start()

    def _loop(self):
        while True:
            conn, _ = self.sock.accept()
            self.ended.clear()
            try:
                _serve(conn, self.disk)
            except (EOFError, OSError):
                pass
            finally:
                conn.close()
                self.disk.power_cut()
                self.ended.set()
