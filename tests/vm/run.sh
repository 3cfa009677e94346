#!/usr/bin/env bash
# The scanner system test: a real Linux kernel in QEMU (TCG) with an emulated USB keyboard
# (xhci -> usbhid -> hid-generic -> evdev), the real static scantrail binary in the guest,
# the host typing scans through QMP. See docs/input.md.
#
# Needs: apt-get (Debian/Ubuntu), python3, cargo; root for apt-get. Installs nothing: the
# Debian packages (qemu-system-x86, busybox-static, linux-image-amd64) are downloaded only
# and unpacked into a work folder, which is removed at the end.
#   SCANTRAIL_VM_CACHE=DIR  keep downloads and the unpacked system in DIR between runs
#   VM_VERBOSE=1            print the guest console even when all passes
# Exit 0 when every check passed; the last line is the verdict `vm-input: N passed, M failed`.
#
# `run.sh crash`: the plug-pulled test instead (crash.py, crash-init, lossy_disk.py): the
# station headless on an ext4 disk, QEMU killed at random moments, each boot checking the
# last. Its verdict is `vm-crash (SYNC): N passed, M failed`.
#   SCANTRAIL_CRASH_ROUNDS=N     kills (default 3; the long run is 20)
#   SCANTRAIL_CRASH_SYNC=S       the guest's `synchronous`: full (default) or normal
#   and crash.py's own SCANTRAIL_CRASH_SEED, SCANTRAIL_CRASH_CACHE, SCANTRAIL_CRASH_UNPLUG.
set -euo pipefail
mode=${1:-input}
case $mode in input|crash) ;; *) echo "usage: $0 [input|crash]" >&2; exit 2 ;; esac
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
t0=$(date +%s)
say() { echo "[vm $(( $(date +%s) - t0 ))s] $*"; }

if [ -n "${SCANTRAIL_VM_CACHE:-}" ]; then
  W=$SCANTRAIL_VM_CACHE; mkdir -p "$W"
else
  W=$(mktemp -d /tmp/scantrail-vm.XXXXXX)
  trap 'rm -rf "$W"' EXIT
fi
mkdir -p "$W/debs/partial" "$W/root" "$W/k"

say "fetching qemu-system-x86, busybox-static, linux-image-amd64 (download only)"
if ! ls "$W"/debs/linux-image-[0-9]*.deb >/dev/null 2>&1 || ! ls "$W"/debs/qemu-system-x86_*.deb >/dev/null 2>&1; then
  apt-get update -qq
  # -d: into a private cache, nothing installed (installing qemu-system-x86 for real would
  # replace the machine's qemu-utils). --reinstall: fetched even if the host has one of them.
  apt-get install -y -qq -d --reinstall --no-install-recommends -o Dir::Cache::archives="$W/debs" \
    qemu-system-x86 busybox-static linux-image-amd64 >/dev/null
fi

if [ ! -x "$W/root/usr/bin/qemu-system-x86_64" ] || [ ! -f "$W/vmlinux" ]; then
  say "unpacking"
  for f in "$W"/debs/*.deb; do
    case $(basename "$f") in
      linux-image-[0-9]*) dpkg-deb -x "$f" "$W/k" ;;
      linux-image-*|linux-base*|*initramfs*|*firmware*) ;;
      *) dpkg-deb -x "$f" "$W/root" ;;   # qemu, its libraries, seabios, busybox
    esac
  done
  kv=$(ls "$W/k/lib/modules")
  # Boot the raw vmlinux (PVH): skips the BIOS loader and in-guest decompression, ~3 s.
  python3 - "$W/k/boot/vmlinuz-$kv" "$W/vmlinux.xz" <<'PY'
import sys; d = open(sys.argv[1], 'rb').read(); open(sys.argv[2], 'wb').write(d[d.index(b'\xfd7zXZ\x00'):])
PY
  xz -dcq "$W/vmlinux.xz" > "$W/vmlinux" 2>/dev/null || true  # trailing data after the stream
  rm -f "$W/vmlinux.xz"
fi
kv=$(ls "$W/k/lib/modules")
mods=$W/k/lib/modules/$kv/kernel/drivers

say "building the static scantrail binary"
target=${CARGO_TARGET_DIR:-$repo/target}
(cd "$repo" && RUSTFLAGS="-C target-feature=+crt-static" CARGO_PROFILE_RELEASE_DEBUG=false \
   CARGO_PROFILE_RELEASE_STRIP=true cargo build --release --quiet --locked \
   --target x86_64-unknown-linux-gnu --bin scantrail)
bin=$target/x86_64-unknown-linux-gnu/release/scantrail

say "initramfs"
ird=$W/initramfs
rm -rf "$ird"; mkdir -p "$ird/bin" "$ird/lib/modules" "$ird/etc/scantrail" "$ird/proc" "$ird/sys" "$ird/dev"
cp "$W/root/bin/busybox" "$ird/bin/"
for m in input/evdev usb/common/usb-common usb/core/usbcore usb/host/xhci-hcd usb/host/xhci-pci \
         hid/hid hid/usbhid/usbhid hid/hid-generic \
         virtio/virtio_ring virtio/virtio virtio/virtio_pci_legacy_dev \
         virtio/virtio_pci_modern_dev virtio/virtio_pci block/virtio_blk \
         ../lib/crc16 ../fs/mbcache ../fs/jbd2/jbd2 ../crypto/crc32c_generic ../fs/ext4/ext4; do
  cp "$mods/$m.ko" "$ird/lib/modules/"
done
cp "$bin" "$ird/bin/scantrail"
cp "$here/scanner.toml" "$ird/etc/scantrail/config.toml"
cp "$here/scanner-de.toml" "$ird/etc/scantrail/de.toml"
cp "$here/crash-full.toml" "$here/crash-normal.toml" "$ird/etc/scantrail/"
if [ "$mode" = crash ]; then cp "$here/crash-init" "$ird/init"; else cp "$here/init" "$ird/init"; fi
chmod +x "$ird/init"
(cd "$ird" && find . | "$W/root/bin/busybox" cpio -o -H newc 2>/dev/null | gzip -1) > "$W/initrd.gz"

say "booting"
export LD_LIBRARY_PATH=$W/root/usr/lib/x86_64-linux-gnu:$W/root/lib/x86_64-linux-gnu
rc=0
if [ "$mode" = crash ]; then
  driver=("$here/crash.py" "${SCANTRAIL_CRASH_ROUNDS:-3}" "${SCANTRAIL_CRASH_SYNC:-full}")
  limit=$(( 180 + 90 * ${SCANTRAIL_CRASH_ROUNDS:-3} ))
else
  driver=("$here/drive.py"); limit=600
fi
timeout "$limit" python3 "${driver[@]}" -- "$W/root/usr/bin/qemu-system-x86_64" \
  -L "$W/root/usr/share/qemu" -L "$W/root/usr/share/seabios" \
  -accel tcg -m 192 -nodefaults -nographic -serial stdio -no-reboot \
  -kernel "$W/vmlinux" -initrd "$W/initrd.gz" -device qemu-xhci,id=xhci || rc=$?
say "done (rc=$rc)"
exit $rc
