#!/usr/bin/env bash
# Checks the syntax of the rule file(s) here. Uses `udevadm verify` (systemd 254+) when
# there is one; else lets `udevadm test` parse them from /run/udev/rules.d (root needed;
# the copies are removed again) and fails on any complaint but the missing group, which
# only exists once scantrail is installed.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
if udevadm verify --help >/dev/null 2>&1; then
  exec udevadm verify --resolve-names=never "$here"/*.rules
fi
mkdir -p /run/udev/rules.d
copies=()
trap 'rm -f "${copies[@]}"' EXIT
for f in "$here"/*.rules; do
  c=/run/udev/rules.d/$(basename "$f"); cp "$f" "$c"; copies+=("$c")
done
complaints=$(udevadm test --action=add /sys/class/net/lo 2>&1 | grep -F "/run/udev/rules.d/" \
  | grep -v -E "Reading rules file|Unknown group 'scantrail'" || true)
if [ -n "$complaints" ]; then echo "$complaints"; echo "udev rules: FAILED"; exit 1; fi
echo "udev rules: syntax ok ($(ls "$here"/*.rules | wc -l) file)"
