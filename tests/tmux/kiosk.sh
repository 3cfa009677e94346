#!/usr/bin/env bash
# The kiosk in a real terminal: the scantrail binary in tmux at 80x24 with TERM=linux (the
# Linux console's 16 colours), scans typed with send-keys, screens read with capture-pane.
# Covers a serial receipt, a duplicate refused under the error lock and acknowledged with
# Enter, a pick against an order, a serial's history in lookup, a scan full of escape
# sequences that leaves the screen intact, and the terminal restored after Ctrl+C and SIGTERM.
#
# Usage: tests/tmux/kiosk.sh [path/to/scantrail]   (default: target/debug/scantrail)
# Prints one line per check and a closing "tmux-kiosk: N passed, M failed"; exits 1 on a failure.
set -u
cd "$(dirname "$0")/../.."
bin=${1:-target/debug/scantrail}
bin=$(realpath "$bin")
command -v tmux >/dev/null || { echo "tmux-kiosk: tmux is not installed"; exit 1; }
[ -x "$bin" ] || { echo "tmux-kiosk: no binary at $bin (cargo build first)"; exit 1; }

work=$(mktemp -d)
sock="$work/tmux.sock"
t() { tmux -S "$sock" "$@"; }
cleanup() { t kill-server 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

passed=0
failed=0
check() { # check NAME CONDITION-RESULT
  if [ "$2" = ok ]; then passed=$((passed + 1)); echo "ok    $1"; else failed=$((failed + 1)); echo "FAIL  $1"; fi
}
screen() { t capture-pane -p -t kiosk; }
# wait_for TEXT [SECONDS]: until the screen shows TEXT.
wait_for() {
  local deadline=$((SECONDS + ${2:-10}))
  while [ $SECONDS -lt $deadline ]; do
    screen | grep -qF -- "$1" && return 0
    sleep 0.1
  done
  return 1
}
gone() { # gone TEXT: until the screen no longer shows TEXT
  local deadline=$((SECONDS + 10))
  while [ $SECONDS -lt $deadline ]; do
    screen | grep -qF -- "$1" || return 0
    sleep 0.1
  done
  return 1
}
scan() { t send-keys -t kiosk -l "$1"; t send-keys -t kiosk Enter; sleep 0.2; }
result() { if "$@"; then echo ok; else echo no; fi; }

start() { # start the demo kiosk in a fresh session; the shell prints EXITED:<code> after it
  t kill-session -t kiosk 2>/dev/null
  t new-session -d -s kiosk -x 80 -y 24 \
    "cd '$work' && env TERM=linux SCANTRAIL_CONFIG='$PWD/config.toml' '$bin' run --demo; echo EXITED:\$?; sleep 60"
}

start
check "kiosk starts with the demo barcode sheet" "$(result wait_for 'Demo barcodes to type' 20)"
t send-keys -t kiosk F10
check "F10 closes the sheet; help bar at 80 columns" "$(result wait_for 'F8UndoF9CountF10Help')"

for s in OP-maria PO-1042 LOC-A-01-3 0614141000029 SN-4471-0094; do scan "$s"; done
check "serial receipt: RECEIVED with its run count" "$(result wait_for 'serial 1 of 1 — into A-01-3')"
check "linux console: ASCII symbol and the word" "$(result wait_for '+ RECEIVED')"
check "PO progress shown" "$(result wait_for 'Laptop X1 Carbon         4/5')"

scan 0614141000029
scan SN-4471-0091
check "duplicate serial refused under the error lock" "$(result wait_for 'Scan CMD-ACK (or press Enter) to go on.')"
check "the refusal says where the serial is" "$(result wait_for 'already in stock at A-01-3')"
scan CMD-DONE
check "locked: other scans are refused" "$(result wait_for 'An error is waiting')"
t send-keys -t kiosk Enter
check "Enter acknowledges; the modal closes" "$(result gone 'to go on.')"
check "acknowledged" "$(result wait_for 'Error acknowledged')"

t send-keys -t kiosk F3
for s in SO-7781 LOC-B-02 CMD-QTY-2 0614141000012 L2026-118; do scan "$s"; done
check "pick against SO-7781" "$(result wait_for 'from B-02 for SO-7781 (2/6)')"
check "pick list with what is left" "$(result wait_for '4 left')"

t send-keys -t kiosk F5
scan SN-4471-0093
check "lookup: serial's history" "$(result wait_for 'shipped to Northwind Clinic')"
check "lookup: each movement" "$(result wait_for 'ship      B-02 -> Northwind Clinic SO-7781')"

title_before=$(t display -p -t kiosk '#{pane_title}')
scan $'ESC\e[2J\e[H\e]0;pwned\a\e[31mRED'
sleep 0.5
check "escape sequences: header still in place" "$(result wait_for ' scantrail ')"
check "escape sequences: help bar still in place" "$(result wait_for 'F8UndoF9CountF10Help')"
check "escape sequences: shown as text, not obeyed" "$(result wait_for 'is no product, location')"
check "escape sequences: window title unchanged" "$([ "$(t display -p -t kiosk '#{pane_title}')" = "$title_before" ] && echo ok || echo no)"

t send-keys -t kiosk C-c
check "Ctrl+C quits with exit code 0" "$(result wait_for 'EXITED:0')"
check "terminal restored (the kiosk screen is gone)" "$(result gone 'F8UndoF9CountF10Help')"

start
wait_for 'Demo barcodes to type' 20 >/dev/null
pid=$(pgrep -f "$bin run --demo" | head -n 1)
if [ -n "$pid" ]; then kill -TERM "$pid"; fi
check "SIGTERM ends the kiosk cleanly" "$(result wait_for 'EXITED:0')"
check "terminal restored after SIGTERM" "$(result gone 'Demo barcodes to type')"

echo "tmux-kiosk: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
