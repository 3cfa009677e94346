#!/usr/bin/env python3
"""Host side of the plug-pulled test: the station runs headless in the guest on an ext4
disk (lossy_disk.py: what is not flushed is lost at a power cut), scans are typed on the
USB keyboard, and QEMU is killed (SIGKILL) at a random moment. The next boot checks what
the last one left: `db verify` clean, every scan shown as recorded is in the journal, no
half-written group, the journal never shrinks. A last boot only checks.

usage: crash.py ROUNDS SYNC -- QEMU_ARGV...   (SYNC: full or normal; crash.py adds -qmp,
       the keyboard, the disk and -append)
  SCANTRAIL_CRASH_SEED=N   the random moments and the sectors a cut keeps (else random)
  SCANTRAIL_CRASH_LIAR=1   the disk acknowledges flushes without writing (a disk that lies,
                           or QEMU's cache=unsafe): the test must then find lost scans
  SCANTRAIL_CRASH_UNPLUG=0 skip the unplug of the scanner in the middle of a scan (round 1)
Prints one line per check and a verdict `vm-crash (SYNC): N passed, M failed`; exit 1 on any
failure. With synchronous = "normal" a lost tail of shown scans is measured, not failed;
a hole (a later scan kept, an earlier one lost) is a failure in both.
"""
import json
import os
import queue
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from drive import NORMAL, Qmp, strokes  # noqa: E402
from lossy_disk import LossyDisk, Server  # noqa: E402

HS200 = "0614141000050"
# `13:05:09 + OK    HS200-R01-0001  Handheld scanner HS-200 … — into DOCK`
LINE = re.compile(r"^headless: \d\d:\d\d:\d\d (\S) (OK|WARN|ERROR|INFO)\s+(\S+)  (.*)$")
MOVED = re.compile(r"^Moved (\d+) item\(s\) DOCK → (\S+);")


def round_scans(r):
    """What is typed in round `r`: the session set up (a fresh boot forgets it), then blocks
    of three serial receipts into DOCK and one tote of those three moved on, as one group."""
    out = ["OP-ANNA", "CMD-RECEIVE", "LOC-DOCK", HS200]
    for b in range(1, 40):
        serials = ["HS200-R%02d-%02d%d" % (r, b, i) for i in range(3)]
        out += serials
        out += ["CMD-TRANSFER", "LOC-DOCK"] + serials + ["LOC-B-01" if b % 2 else "LOC-A-01-3"]
        out += ["CMD-RECEIVE", "LOC-DOCK", HS200]
    return out


class Shown:
    """What one boot's console said was recorded, in order: ('receive', serial) and
    ('transfer', dest, (serials…)) facts, each shown only after its commit."""

    def __init__(self):
        self.facts, self.scans, self.errors, self.tote = [], [], [], []

    def line(self, text):
        m = LINE.match(text)
        if not m:
            return
        _sym, outcome, scan, message = m.groups()
        if not scan.startswith("("):  # not a (scanner) or (timer) notice
            self.scans.append(scan)
        if outcome == "ERROR":
            self.errors.append(text)
        if outcome != "OK":
            return
        if "— into DOCK" in message and scan.startswith("HS200-"):
            self.facts.append(("receive", scan))
        elif "; tote: " in message:
            self.tote.append(scan)
        elif scan == "LOC-DOCK":
            self.tote = []
        else:
            moved = MOVED.match(message)
            if moved:
                self.facts.append(("transfer", moved.group(2), tuple(sorted(self.tote))))
                self.tote = []


def journal_facts(movements):
    """The same facts, read from the journal; and the transfer groups that are not whole."""
    facts, groups = set(), {}
    for m in movements:
        if m["kind"] == "receive" and m["serial"]:
            facts.add(("receive", m["serial"]))
        elif m["kind"] == "transfer":
            groups.setdefault(m["group"], []).append(m)
    half = []
    for g, ms in groups.items():
        tos = {m["to"] for m in ms}
        serials = tuple(sorted(m["serial"] for m in ms))
        ours = any((m["serial"] or "").startswith("HS200-R") for m in ms)  # not the demo's
        if ours and (len(ms) != 3 or len(tos) != 1):
            half.append((g, serials))
        facts.add(("transfer", ms[0]["to"], serials))
    return facts, half


def main():
    rounds, sync = int(sys.argv[1]), sys.argv[2]
    qemu = sys.argv[sys.argv.index("--") + 1:]
    seed = int(os.environ.get("SCANTRAIL_CRASH_SEED") or random.randrange(1 << 30))
    liar = os.environ.get("SCANTRAIL_CRASH_LIAR") == "1"
    unplug = os.environ.get("SCANTRAIL_CRASH_UNPLUG", "1") != "0"
    rng = random.Random(seed)
    t0 = time.time()
    stamp = lambda: "%6.1f" % (time.time() - t0)
    work = tempfile.mkdtemp(prefix="scantrail-crash-")
    image = os.path.join(work, "disk.img")
    subprocess.run(["mkfs.ext4", "-q", "-F", "-E", "lazy_itable_init=0,lazy_journal_init=0",
                    image, "32M"], check=True)
    disk = LossyDisk(image, seed, liar)
    server = Server(disk, os.path.join(work, "nbd.sock"))
    passed, failed = [], []
    figures = {"kills": 0, "shown": 0, "lost": 0, "unshown_kept": 0, "typed": 0}

    def check(name, ok, detail=""):
        (passed if ok else failed).append(name)
        print("%s %s %s%s" % (stamp(), "ok  " if ok else "FAIL", name,
                              "" if ok else ": " + detail), flush=True)

    print("%s seed %d, synchronous = %s, %s, %d rounds" % (
        stamp(), seed, sync, "a disk that LIES about flushes" if liar else "flushes honoured", rounds),
          flush=True)
    previous = None  # (Shown, typed scans) of the boot before
    seen_ids = set()
    for r in range(1, rounds + 2):
        final = r == rounds + 1
        sock = os.path.join(work, "qmp.sock")
        argv = qemu + [
            "-qmp", "unix:%s,server=on,wait=off" % sock,
            "-device", "usb-kbd,id=scanner,bus=xhci.0",
            "-trace", "hid_kbd_queue_full",
            "-drive", "driver=raw,if=none,id=journal,cache.direct=off,file.driver=nbd,"
                      "file.server.type=unix,file.server.path=%s" % server.sock.getsockname(),
            # A disk with a volatile write cache, as the guest sees it: it must send flushes.
            "-device", "virtio-blk-pci,drive=journal,write-cache=on",
            "-append", "console=ttyS0 panic=-1 quiet loglevel=1 st_sync=%s st_final=%d"
                       % (sync, int(final))]
        p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        lines = queue.Queue()
        boot_log = []

        def pump():
            for raw in p.stdout:
                line = raw.decode(errors="replace").rstrip("\r\n")
                boot_log.append("%s| %s" % (stamp(), line))
                lines.put(line)
            lines.put(None)

        threading.Thread(target=pump, daemon=True).start()
        shown = Shown()
        failed_before = len(failed)

        def wait_line(matches, timeout):
            end = time.time() + timeout
            while time.time() < end:
                try:
                    line = lines.get(timeout=0.5)
                except queue.Empty:
                    continue
                if line is None:
                    return None
                shown.line(line)
                if matches(line):
                    return line
            return None

        try:
            # What the last boot left.
            first = wait_line(lambda l: "guest: fresh database" in l or "verify: " in l
                              or "MOUNT-FAILED" in l or "INIT-FAILED" in l, 240)
            if first is not None and "verify: " in first:  # it may follow the BIOS's last words
                first = first[first.index("verify: "):]
            if previous is None:
                check("boot 1: a fresh demo database on the ext4 disk",
                      first is not None and "fresh database" in first, repr(first))
            else:
                before, typed = previous
                check("boot %d: db verify after the plug was pulled" % r,
                      first is not None and first.startswith("verify: ok:"), repr(first))
                if first is None or not first.startswith("verify: "):
                    raise RuntimeError("the guest could not read the journal")
                begin = wait_line(lambda l: "guest: MOVEMENTS-BEGIN" in l, 60)
                dump = lines.get(timeout=60) if begin else None
                try:
                    movements = json.loads(dump or "null")
                    assert isinstance(movements, list)
                except (ValueError, AssertionError):
                    movements = []
                    check("boot %d: the journal can be read" % r, False, repr(dump)[:300])
                facts, half = journal_facts(movements)
                ids = {m["id"] for m in movements}
                check("boot %d: the journal kept every movement an earlier boot read" % r,
                      seen_ids <= ids, "%d gone" % len(seen_ids - ids))
                seen_ids |= ids
                check("boot %d: no half-written group" % r, not half, repr(half[:3]))
                kept = [f in facts for f in before.facts]
                lost = kept.count(False)
                hole = False in kept and True in kept[kept.index(False):]
                tail = "" if not lost else " (%d lost: %r)" % (lost, [f for f, k in zip(before.facts, kept) if not k][:4])
                figures["shown"] += len(before.facts)
                figures["lost"] += lost
                # Scans committed whose outcome never reached the console: allowed.
                typed_facts = sum(1 for f in facts if f[0] == "receive" and f[1].startswith("HS200-R%02d-" % (r - 1)))
                figures["unshown_kept"] += max(0, typed_facts - sum(1 for f in before.facts if f[0] == "receive"))
                if sync == "full":
                    check("boot %d: every scan shown as recorded is in the journal (%d facts)%s"
                          % (r, len(before.facts), tail), lost == 0)
                else:
                    check("boot %d: what was lost is only the last shown scans, no hole (%d facts)%s"
                          % (r, len(before.facts), tail), not hole)
                partial = [m for m in movements if "PARTIAL" in (m["serial"] or "")]
                check("boot %d: no scan cut by an unplug was committed" % r, not partial, repr(partial))
            if final:
                check("last boot: the disk unmounts cleanly",
                      wait_line(lambda l: "guest: FINAL" in l, 60) is not None)
                p.wait(timeout=30)
                break

            # This boot: the station headless, scans typed, the plug pulled.
            ready = wait_line(lambda l: "Scanner connected" in l, 60)
            if ready is None:
                raise RuntimeError("the headless station never connected the scanner")
            qmp = Qmp(sock)
            if r == 1 and unplug:
                # The scanner pulled out in the middle of a scan, then plugged back.
                qmp.send(strokes("HS200-PARTIAL-9")[:-2], *NORMAL)  # all but the Enter
                time.sleep(0.3)
                qmp.cmd("device_del", id="scanner")
                gone = wait_line(lambda l: "(scanner)" in l and "connected" not in l.split("(scanner)")[1][:40].lower()
                                 or "disconnected" in l.lower(), 20)
                qmp.cmd("device_add", driver="usb-kbd", id="scanner", bus="xhci.0")
                back = wait_line(lambda l: "Scanner connected" in l, 20)
                check("unplug mid-scan: reported, and the scanner read again after device_add",
                      gone is not None and back is not None, "%r / %r" % (gone, back))
            scans = round_scans(r)
            stop = threading.Event()
            typed = []

            def typer():
                try:
                    for s in scans:
                        if stop.is_set():
                            return
                        qmp.send(strokes(s), *NORMAL)
                        typed.append(s)
                except (OSError, RuntimeError, ValueError):
                    pass

            tt = threading.Thread(target=typer, daemon=True)
            tt.start()
            delay = rng.uniform(2.0, 12.0)
            end = time.time() + delay
            while time.time() < end:
                try:
                    line = lines.get(timeout=max(0.01, end - time.time()))
                except queue.Empty:
                    break
                if line is None:
                    break
                shown.line(line)
            os.kill(p.pid, signal.SIGKILL)  # the plug pulled
            stop.set()
            p.wait()
            figures["kills"] += 1
            # Lines already in the pipe were printed before the kill: they count as shown.
            while True:
                try:
                    line = lines.get(timeout=1)
                except queue.Empty:
                    break
                if line is None:
                    break
                shown.line(line)
            server.ended.wait(10)
            figures["typed"] += len(typed)
            cut = disk.cuts[-1] if disk.cuts else {}
            if r == 1 and unplug:
                check("unplug mid-scan: the partial scan gave no outcome, the next scan came whole",
                      not [s for s in shown.scans if "PARTIAL" in s]
                      and (shown.scans[:1] == ["OP-ANNA"] or not shown.scans), repr(shown.scans[:3]))
            check("boot %d: killed after %.1f s: %d scans typed, %d shown, %d recorded facts; "
                  "disk cache at the cut: %d blocks of 4 KiB, %d lost" %
                  (r, delay, len(typed), len(shown.scans), len(shown.facts),
                   cut.get("cached", 0), cut.get("lost", 0)),
                  not shown.errors, repr(shown.errors[:3]) + (
                      "; QEMU itself dropped key events (hid_kbd_queue_full): the host was too"
                      " slow for the typing rate" if any("hid_kbd_queue_full" in l for l in boot_log) else ""))
            previous = (shown, typed)
        except Exception as e:  # the verdict line must come out whatever happened
            check("boot %d ran to the end" % r, False, "%s: %s" % (type(e).__name__, e))
            if p.poll() is None:
                p.kill()
                p.wait()
            break
        finally:
            if len(failed) > failed_before or os.environ.get("VM_VERBOSE"):
                print("--- guest console, boot %d ---\n%s" % (r, "\n".join(boot_log[-150:])), flush=True)
    shutil.rmtree(work, ignore_errors=True)
    print("info: %(kills)d kills, %(typed)d scans typed, %(shown)d shown as recorded "
          "(receipts and totes), %(lost)d of them lost, %(unshown_kept)d receipts committed "
          "but not shown before the kill; %(flushes)d flushes reached the disk" %
          dict(figures, flushes=disk.flushes), flush=True)
    print("vm-crash (%s): %d passed, %d failed (%.1f s)" % (sync, len(passed), len(failed), time.time() - t0))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
