#!/usr/bin/env python3
"""Host side of the scanner VM test: boots the guest, types scans on its USB keyboard
through QMP, and checks that scantrail in the guest read every one of them exactly.

usage: drive.py -- QEMU_ARGV...   (drive.py adds -qmp, -device usb-kbd and -append)
Prints one line per check and a verdict line `vm-input: N passed, M failed`; exit 1 on
any failure.
"""
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import queue

# --- what is typed -------------------------------------------------------------------

GS = "\x1d"
# A serial receipt: operator, mode, purchase order, location, product, serials, done.
SERIAL_RECEIPT = ["OP-ANNA", "CMD-RECEIVE", "PO-1043", "LOC-DOCK", "0614141000050",
                  "HS200-SN-0001", "HS200-SN-0002", "CMD-DONE"]
# GS1 element strings with an FNC1 after the variable-length lot: once as Ctrl+], once as
# Alt+0029 on the keypad.
GS1_CTRL = "]C1010061414100004310GLV-2026/07" + GS + "17270630"
GS1_ALT = "0100614141000012" + "10L2026-131" + GS + "3712"
# A lot receipt, with lower case and shifted punctuation on the way.
LOT_RECEIPT = ["PO-1042", "CMD-QTY-12", "0614141000012", "L2026-118", "lot:a_b+c{1}|~?"]

# The third phase, scanner -> scan session -> journal through `run --headless`, on the demo
# warehouse: a serial receipt against PO-1043, two glove lots in GS1 (GS as Ctrl+] and as
# Alt+0029), the PO finished, then a blind lot receipt of 12. Each scan gets one outcome.
HEADLESS_SERIAL = ["OP-ANNA", "CMD-RECEIVE", "PO-1043", "LOC-DOCK", "0614141000050",
                   "HS200-SN-0001", "HS200-SN-0002"]
HEADLESS_GS1_CTRL = GS1_CTRL
HEADLESS_GS1_ALT = "0100614141000043" + "10GLV-2026/08" + GS + "17270731"
HEADLESS_LOT = ["CMD-DONE", "CMD-QTY-12", "0614141000012", "L2026-150"]
HEADLESS_COUNT = len(HEADLESS_SERIAL) + 2 + len(HEADLESS_LOT)
# What the journal must hold afterwards: (kind, sku, lot, serial, qty, to, document).
HEADLESS_MOVEMENTS = [
    ("receive", "HS-200", None, "HS200-SN-0001", 1, "DOCK", "PO-1043"),
    ("receive", "HS-200", None, "HS200-SN-0002", 1, "DOCK", "PO-1043"),
    ("receive", "GLV-M", "GLV-2026/07", None, 1, "DOCK", "PO-1043"),
    ("receive", "GLV-M", "GLV-2026/08", None, 1, "DOCK", "PO-1043"),
    ("receive", "ASP-500", "L2026-150", None, 12, "DOCK", None),
]

# US layout: character -> (QEMU qcode, shift)
UNSHIFTED = {"-": "minus", "=": "equal", "[": "bracket_left", "]": "bracket_right",
             "\\": "backslash", ";": "semicolon", "'": "apostrophe", "`": "grave_accent",
             ",": "comma", ".": "dot", "/": "slash", " ": "spc"}
SHIFTED = {"!": "1", "@": "2", "#": "3", "$": "4", "%": "5", "^": "6", "&": "7", "*": "8",
           "(": "9", ")": "0", "_": "minus", "+": "equal", "{": "bracket_left",
           "}": "bracket_right", "|": "backslash", ":": "semicolon", '"': "apostrophe",
           "~": "grave_accent", "<": "comma", ">": "dot", "?": "slash"}


def strokes(text, gs="ctrl"):
    """(qcode, down) events that type `text` and Enter on a US keyboard."""
    out = []

    def tap(key, *mods):
        out.extend((m, True) for m in mods)
        out.extend([(key, True), (key, False)])
        out.extend((m, False) for m in reversed(mods))

    for c in text:
        if c == GS and gs == "ctrl":
            tap("bracket_right", "ctrl")
        elif c == GS:
            out.append(("alt", True))
            for d in "0029":
                tap("kp_" + d)
            out.append(("alt", False))
        elif c.isdigit() or ("a" <= c <= "z"):
            tap(c)
        elif "A" <= c <= "Z":
            tap(c.lower(), "shift")
        elif c in UNSHIFTED:
            tap(UNSHIFTED[c])
        elif c in SHIFTED:
            tap(SHIFTED[c], "shift")
        else:
            raise ValueError("cannot type %r" % c)
    tap("ret")
    return out


# A scan on a scanner set to the German layout, as its key positions (QEMU qcodes name US
# positions): Y/Z swapped, umlauts, AltGr (right Alt) for @ € ~, a dead ^ composing ê.
DE_TEXT = "Zürich-ß/ÄÖ@€~ê"
DE_KEYS = [("y", "shift"), ("bracket_left", None), ("r", None), ("i", None), ("c", None),
           ("h", None), ("slash", None), ("minus", None), ("7", "shift"),
           ("apostrophe", "shift"), ("semicolon", "shift"), ("q", "alt_r"), ("e", "alt_r"),
           ("bracket_right", "alt_r"), ("grave_accent", None), ("e", None), ("ret", None)]


def de_strokes():
    out = []
    for key, mod in DE_KEYS:
        out += ([(mod, True)] if mod else []) + [(key, True), (key, False)] + \
               ([(mod, False)] if mod else [])
    return out


def burst_scans():
    """The burst: one long scan with every printable ASCII character, then short scans
    back to back with no pause between them."""
    printable = "".join(chr(c) for c in range(0x21, 0x7f))
    long_scan = (printable * 3)[:256]
    short = ["B%03d-%s" % (i, "xyZ"[i % 3] * (i % 5 + 1)) for i in range(30)]
    return [long_scan] + short


# --- QEMU and QMP --------------------------------------------------------------------

class Qmp:
    def __init__(self, path):
        for _ in range(400):
            try:
                self.sock = socket.socket(socket.AF_UNIX)
                self.sock.connect(path)
                break
            except OSError:
                time.sleep(0.05)
        else:
            raise RuntimeError("QMP socket never came up")
        self.f = self.sock.makefile("rw")
        json.loads(self.f.readline())
        self.cmd("qmp_capabilities")

    def cmd(self, name, **args):
        self.f.write(json.dumps({"execute": name, "arguments": args}) + "\n")
        self.f.flush()
        while True:
            r = json.loads(self.f.readline())
            if "error" in r:
                raise RuntimeError("QMP %s: %s" % (name, r["error"]))
            if "return" in r:
                return r["return"]

    def send(self, events, chunk, gap):
        """Sends key events, `chunk` per QMP command, `gap` seconds apart."""
        for i in range(0, len(events), chunk):
            evs = [{"type": "key", "data": {"down": down, "key": {"type": "qcode", "data": k}}}
                   for k, down in events[i:i + chunk]]
            self.cmd("input-send-event", events=evs)
            time.sleep(gap)


# The rates: QEMU's usb-kbd keeps at most 16 key events queued and the guest takes one per
# USB poll (8 ms); more than 16 in flight are dropped by QEMU itself ("hid_kbd_queue_full"),
# before any guest code runs. "normal" is a relaxed pace; "burst" is the poll rate with a
# little room: 8 events every 72 ms (9 ms per event), so that a guest slowed down by a
# loaded host can fall up to 8 events behind without QEMU dropping any. Probed on a 2-core
# machine: 8.5 ms/event in chunks of 16 lost a key under load; 6.25 ms/event always does.
NORMAL = (4, 0.05)
BURST = (8, 8 * 0.009)
if os.environ.get("VM_BURST"):  # "CHUNK,GAP_SECONDS": to probe QEMU's limit by hand
    _c, _g = os.environ["VM_BURST"].split(",")
    BURST = (int(_c), float(_g))


def main():
    qemu = sys.argv[sys.argv.index("--") + 1:]
    t0 = time.time()
    stamp = lambda: "%6.2f" % (time.time() - t0)
    scans = (SERIAL_RECEIPT + [GS1_CTRL, GS1_ALT] + LOT_RECEIPT)
    burst = burst_scans()
    final = "AFTER-REPLUG-42"
    # Typed while scantrail is stopped: 244 key events, ~730 evdev events with the MSC_SCAN
    # and SYN_REPORT of each, far more than the kernel keeps for one reader.
    overflow = "OVERFLOW-" + "ABCDEFGHIJKLMNOPQRSTUVWXYZ" * 2
    after_drop = "AFTER-DROP-7"
    expected_count = len(scans) + len(burst) + 1 + 2  # + VM-PAUSE and AFTER-DROP-7
    sock = os.path.join(tempfile.mkdtemp(prefix="scantrail-vm-"), "qmp.sock")
    argv = qemu + ["-qmp", "unix:%s,server=on,wait=off" % sock,
                   "-trace", "hid_kbd_queue_full",
                   "-device", "usb-kbd,id=scanner,bus=xhci.0",
                   "-append", "console=ttyS0 panic=-1 quiet loglevel=1 st_count=%d st_headless=%d"
                   % (expected_count, HEADLESS_COUNT)]
    p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    lines = queue.Queue()
    log = []

    qemu_drops = []

    def pump():
        for raw in p.stdout:
            line = raw.decode(errors="replace").rstrip("\r\n")
            log.append("%s| %s" % (stamp(), line))
            if "hid_kbd_queue_full" in line:
                qemu_drops.append(line)
            lines.put(line)
        lines.put(None)

    threading.Thread(target=pump, daemon=True).start()
    passed, failed = [], []
    lags = []

    def check(name, ok, detail=""):
        (passed if ok else failed).append(name)
        print("%s %s %s%s" % (stamp(), "ok  " if ok else "FAIL", name,
                              "" if ok else ": " + detail), flush=True)

    def next_event(timeout):
        end = time.time() + timeout
        while True:
            left = end - time.time()
            if left <= 0:
                return None
            try:
                line = lines.get(timeout=left)
            except queue.Empty:
                return None
            if line is None:
                return None
            start = line.find('{"')
            if start >= 0 and '"event":' in line:
                try:
                    return json.loads(line[start:])
                except ValueError:
                    print("%s unparsable guest line: %r" % (stamp(), line), flush=True)

    def wait_line(matches, timeout, seen=None):
        """The first guest line for which `matches(line)` holds, within `timeout` seconds,
        else None; every line read on the way is handed to `seen`, if given."""
        end = time.time() + timeout
        while time.time() < end:
            try:
                line = lines.get(timeout=1)
            except queue.Empty:
                continue
            if line is None:
                return None
            if seen:
                seen(line)
            if matches(line):
                return line
        return None

    def expect(kind, timeout):
        ev = next_event(timeout)
        while ev is not None and ev["event"] not in (kind, "error"):
            ev = next_event(timeout)
        return ev

    qmp = None
    try:
        # Phase 0: a user who may not read the device, and a device another program holds.
        phase0 = {}

        def phase0_line(line):
            for tag in ("denied-list", "denied-watch", "busy-watch"):
                at = line.find(tag + ": ")  # the first may follow the BIOS's last words
                if at >= 0:
                    phase0.setdefault(tag, []).append(json.loads(line[at + len(tag) + 2:]))
        wait_line(lambda line: "guest: phase0 done" in line, 60, phase0_line)
        listed = [d for d in (phase0.get("denied-list") or [[]])[0] if d.get("usb") == "0627:0001"]
        check("devices, as a user without access: keyboard listed, not readable, still selected",
              len(listed) == 1 and not listed[0]["readable"]
              and "permission denied" in listed[0]["readable_why"]
              and (listed[0]["scanner"] or {}).get("label") == "vm-scanner", repr(phase0.get("denied-list")))
        denied = phase0.get("denied-watch", [])
        check("watch without access: one error naming the device and the udev rule",
              len(denied) == 1 and denied[0]["event"] == "error"
              and "/dev/input/event" in denied[0]["message"]
              and "udev/70-scantrail-scanners.rules" in denied[0]["message"], repr(denied))
        busy = phase0.get("busy-watch", [])
        check("watch while another program holds the scanner: one 'busy' error",
              len(busy) == 1 and busy[0]["event"] == "error"
              and "another program" in busy[0]["message"], repr(busy))

        # `scantrail devices --json` in the guest: the list read from a real sysfs.
        line = wait_line(lambda line: line.startswith("["), 60)
        listing = json.loads(line) if line else None
        kbd = [d for d in (listing or []) if d.get("usb") == "0627:0001"]
        check("devices lists the QEMU keyboard: readable, selected as vm-scanner",
              len(kbd) == 1 and kbd[0]["readable"] and kbd[0]["can_type"]
              and kbd[0]["name"] == "QEMU QEMU USB Keyboard"
              and kbd[0]["path"].startswith("/dev/input/event")
              and (kbd[0]["scanner"] or {}).get("label") == "vm-scanner", repr(listing))
        ev = expect("connected", 60)
        check("guest grabs the QEMU keyboard by 0627:0001",
              ev is not None and ev["event"] == "connected" and ev["grabbed"]
              and ev["device"] == "vm-scanner", repr(ev))
        if ev is None:
            raise RuntimeError("guest never connected")
        qmp = Qmp(sock)

        def type_and_read(name, texts, rate, gs="ctrl"):
            events = [e for t in texts for e in strokes(t, gs)]
            t = time.time()
            qmp.send(events, *rate)
            got = []
            for _ in texts:
                ev = expect("scan", 30)
                if ev is None or ev["event"] != "scan":
                    got.append(ev)
                    break
                got.append(ev["text"])
                if "lag_us" in ev:
                    lags.append(ev["lag_us"])
            dt = time.time() - t
            ok = got == list(texts)
            detail = ""
            if not ok:
                bad = [(i, w, g) for i, (w, g) in enumerate(zip(texts, got)) if w != g]
                detail = "first difference %r; got %d of %d" % (bad[:1], len(got), len(texts))
                if qemu_drops:
                    detail += ("; QEMU itself dropped %d key events (hid_kbd_queue_full): the"
                               " host was too slow for this rate, the keys never reached the"
                               " guest" % len(qemu_drops))
            check("%s (%d scans, %d chars, %d key events, %.1f s)" %
                  (name, len(texts), sum(len(x) for x in texts), len(events), dt), ok, detail)

        type_and_read("serial receipt", SERIAL_RECEIPT, NORMAL)
        type_and_read("GS1 with GS as Ctrl+]", [GS1_CTRL], NORMAL)
        type_and_read("GS1 with GS as Alt+0029", [GS1_ALT], NORMAL, gs="alt")
        type_and_read("lot receipt", LOT_RECEIPT, NORMAL)
        type_and_read("burst at QEMU's fastest rate", burst, BURST)

        # SYN_DROPPED: the guest stops scantrail, we type a scan it cannot keep up with, the
        # kernel drops events and says so; the cut scan must be refused with an error (not
        # delivered wrong) and the next scan read whole.
        type_and_read("scan that pauses the guest reader", ["VM-PAUSE"], NORMAL)
        paused = wait_line(lambda line: "guest: paused" in line, 20) is not None
        qmp.send(strokes(overflow), *BURST)
        ev = next_event(30)  # the very next event: no (wrong) scan may come before it
        check("events lost in the kernel (SYN_DROPPED) refuse the cut scan",
              paused and ev is not None and ev["event"] == "error"
              and "dropped key events" in ev["message"], repr(ev))
        type_and_read("next scan after the drop", [after_drop], NORMAL)

        # Hot-plug: pull the keyboard out of the guest, plug it back, scan again.
        qmp.cmd("device_del", id="scanner")
        ev = expect("disconnected", 20)
        check("unplug is reported", ev is not None and ev["event"] == "disconnected", repr(ev))
        t = time.time()
        qmp.cmd("device_add", driver="usb-kbd", id="scanner", bus="xhci.0")
        ev = expect("connected", 20)
        check("replugged scanner is read again (%.2f s after device_add, under TCG)"
              % (time.time() - t), ev is not None and ev["event"] == "connected", repr(ev))
        type_and_read("scan after replug", [final], NORMAL)

        # The same keyboard read again as a scanner set to the German layout.
        ev = expect("connected", 30)
        check("second scantrail (layout de) grabs the keyboard",
              ev is not None and ev.get("device") == "vm-scanner-de", repr(ev))
        qmp.send(de_strokes(), *NORMAL)
        ev = expect("scan", 30)
        check("German layout through the kernel: %s" % DE_TEXT,
              ev is not None and ev.get("text") == DE_TEXT, repr(ev))

        # The whole path: run --headless records what is scanned in the journal.
        ready = wait_line(lambda line: "guest: headless ready" in line, 60) is not None
        check("run --headless grabs the scanner", ready)
        qmp.send([e for t in HEADLESS_SERIAL + [HEADLESS_GS1_CTRL] for e in strokes(t)], *NORMAL)
        qmp.send(strokes(HEADLESS_GS1_ALT, "alt"), *NORMAL)
        qmp.send([e for t in HEADLESS_LOT for e in strokes(t)], *NORMAL)
        headless = []
        stopped = []
        begin = wait_line(lambda line: "guest: MOVEMENTS-BEGIN" in line, 60,
                          lambda line: (line.startswith("headless: ") and headless.append(line))
                          or (line.startswith("guest: headless rc=") and stopped.append(line)))
        # SIGTERM after the guest stopped reading its log: exit 0, not a panic (101) over a
        # log line it could not write.
        check("run --headless stops cleanly on SIGTERM (exit 0)",
              stopped == ["guest: headless rc=0"], repr(stopped))
        dump = wait_line(lambda line: True, 30) if begin else None
        recorded = []
        try:
            recorded = [(m["kind"], m["sku"], m["lot"], m["serial"], m["qty"], m["to"], m["document"])
                        for m in json.loads(dump or "[]")]
        except (ValueError, KeyError, TypeError) as e:
            recorded = [("unreadable dump", str(e))]
        fresh = [m for m in recorded if m in HEADLESS_MOVEMENTS]
        check("run --headless: every scan recorded in the journal (%d receipts)" % len(HEADLESS_MOVEMENTS),
              fresh == HEADLESS_MOVEMENTS, "got %r; headless log %r" % (recorded[-6:], headless[-8:]))
        errors = [h for h in headless if " ERROR " in h]
        check("run --headless: no scan refused", not errors, repr(errors))
        verify = wait_line(lambda line: line.startswith("verify: "), 30)
        check("db verify agrees with the journal afterwards", verify is not None and "ok:" in verify, repr(verify))

        # The guest stops after the expected number of scans and powers off.
        verdict = wait_line(lambda line: "guest: RESULT" in line, 30)
        check("guest scantrail exits cleanly after %d + 1 scans" % expected_count,
              verdict is not None and "rc=0" in verdict, repr(verdict))
        check("QEMU accepted every key event (no hid_kbd_queue_full)", not qemu_drops,
              "%d dropped" % len(qemu_drops))
    except Exception as e:  # the verdict line must come out whatever happened
        check("test ran to the end", False, "%s: %s" % (type(e).__name__, e))
    finally:
        try:
            p.wait(timeout=15 if not failed else 0.1)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
        shutil.rmtree(os.path.dirname(sock), ignore_errors=True)
    if lags:
        lags.sort()
        print("info: Enter key (kernel timestamp) -> scan printed by the guest, %d scans: "
              "p50 %.2f ms, p90 %.2f ms, max %.2f ms (guest under TCG)" %
              (len(lags), lags[len(lags) // 2] / 1e3, lags[len(lags) * 9 // 10] / 1e3,
               lags[-1] / 1e3))
    if failed or os.environ.get("VM_VERBOSE"):
        print("--- guest console ---")
        print("\n".join(log))
    print("vm-input: %d passed, %d failed (%.1f s from boot)" % (len(passed), len(failed), time.time() - t0))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
