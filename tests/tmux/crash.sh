#!/usr/bin/env bash
# kill -9 of the kiosk in a real terminal: the kiosk in tmux on one database, scans typed one
# by one (each waited for on the screen), and the kiosk SIGKILLed at a random moment, round
# after round. After each kill: `db verify` is clean, every scan the screen showed as
# recorded (a serial RECEIVED, a tote MOVED) is in the journal, and no tote is there in part.
#
# Usage: tests/tmux/crash.sh [path/to/scantrail]   (default: target/debug/scantrail)
#   SCANTRAIL_CRASH_ROUNDS=N  kills (default 3; the long run is 30)
#   SCANTRAIL_CRASH_SEED=N    the moments (bash's RANDOM seed)
# Needs tmux and python3. Prints one line per check and "tmux-crash: N passed, M failed".
set -u
cd "$(dirname "$0")/../.."
bin=$(realpath "${1:-target/debug/scantrail}")
command -v tmux >/dev/null || { echo "tmux-crash: tmux is not installed"; exit 1; }
command -v python3 >/dev/null || { echo "tmux-crash: python3 is not installed"; exit 1; }
[ -x "$bin" ] || { echo "tmux-crash: no binary at $bin (cargo build first)"; exit 1; }
rounds=${SCANTRAIL_CRASH_ROUNDS:-3}
seed=${SCANTRAIL_CRASH_SEED:-$$}
RANDOM=$seed

work=$(mktemp -d)
sock="$work/tmux.sock"
db="$work/kiosk.db"
t() { tmux -S "$sock" "$@"; }
cleanup() { t kill-server 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
passed=0
failed=0
check() { # check NAME ok|DETAIL
  if [ "$2" = ok ]; then passed=$((passed + 1)); echo "ok    $1"; else failed=$((failed + 1)); echo "FAIL  $1: $2"; fi
}
# The outcome panel: its first line is `+ WORD    SCAN`, its second the message.
headline() { t capture-pane -p -t kiosk | sed -n 3p; }
message() { t capture-pane -p -t kiosk | sed -n 4p; }

"$bin" --db "$db" init --demo >/dev/null || { echo "tmux-crash: init --demo failed"; exit 1; }
echo "tmux-crash: $rounds rounds, SCANTRAIL_CRASH_SEED=$seed"
kills=0
for r in $(seq 1 "$rounds"); do
  shown="$work/shown-$r"
  : > "$shown"
  t kill-session -t kiosk 2>/dev/null
  t new-session -d -s kiosk -x 80 -y 24 \
    "env TERM=linux SCANTRAIL_CONFIG='$PWD/config.toml' '$bin' --db '$db' run; echo \$? > '$work/exit-$r'; sleep 600"
  # Up (its help bar drawn) and its process found; a loaded machine may take a while.
  kiosk=
  for _ in $(seq 300); do
    if t capture-pane -p -t kiosk | grep -q 'F10Help'; then
      kiosk=$(pgrep -P "$(t list-panes -t kiosk -F '#{pane_pid}')" -f "$bin" | head -n 1)
      [ -n "$kiosk" ] && break
    fi
    sleep 0.1
  done
  if [ -z "$kiosk" ]; then
    check "round $r: the kiosk starts" "no kiosk on the screen after 30 s: $(t capture-pane -p -t kiosk | head -n 3)"
    continue
  fi
  # The scans: the session set up, then blocks of three serial receipts and their tote.
  scans=(OP-ANNA CMD-RECEIVE LOC-DOCK 0614141000050)
  for b in $(seq 10 60); do
    s=("HS200-T$(printf %02d "$r")-${b}0" "HS200-T$(printf %02d "$r")-${b}1" "HS200-T$(printf %02d "$r")-${b}2")
    scans+=("${s[@]}" CMD-TRANSFER LOC-DOCK "${s[@]}" LOC-B-01 CMD-RECEIVE LOC-DOCK 0614141000050)
  done
  # The plug: a random moment, 0.3 to 8 s in.
  delay_ms=$((300 + RANDOM % 7700))
  (sleep "$(printf '%d.%03d' $((delay_ms / 1000)) $((delay_ms % 1000)))"; kill -KILL "$kiosk" 2>/dev/null) &
  killer=$!
  for s in "${scans[@]}"; do
    kill -0 "$kiosk" 2>/dev/null || break
    t send-keys -t kiosk -l "$s"; t send-keys -t kiosk Enter
    # Wait for this scan's outcome, and write down what the screen said.
    for _ in $(seq 60); do
      h=$(headline)
      case $h in *" $s "*) echo "$h|$(message)" >> "$shown"; break ;; esac
      kill -0 "$kiosk" 2>/dev/null || break
      sleep 0.05
    done
  done
  wait "$killer"
  kills=$((kills + 1))
  # What the last frame before the kill showed counts as shown too.
  h=$(headline)
  grep -qxF "$h|$(message)" "$shown" || echo "$h|$(message)" >> "$shown"
  for _ in $(seq 50); do [ -s "$work/exit-$r" ] && break; sleep 0.1; done
  exited=$(cat "$work/exit-$r" 2>/dev/null)
  check "round $r: the kiosk died of SIGKILL after ${delay_ms} ms ($(wc -l < "$shown") outcomes shown)" \
    "$([ "$exited" = 137 ] && echo ok || echo "exit status '$exited'")"
  verify=$("$bin" --config config.toml --db "$db" db verify 2>&1)
  check "round $r: db verify" "$([ $? -eq 0 ] && echo ok || echo "$verify")"
  "$bin" --config config.toml --db "$db" export movements --format json > "$work/journal.json"
  verdict=$(python3 - "$shown" "$work/journal.json" <<'PY'
import json, re, sys
shown = [l.rstrip("\n").split("|", 1) for l in open(sys.argv[1]) if "|" in l]
journal = json.load(open(sys.argv[2]))
receipts = {m["serial"] for m in journal if m["kind"] == "receive" and m["serial"]}
groups = {}
for m in journal:
    if m["kind"] == "transfer":
        groups.setdefault(m["group"], []).append(m)
totes = {(g[0]["to"], tuple(sorted(m["serial"] for m in g))) for g in groups.values()}
half = [g for g in groups.values() if g[0]["serial"] and g[0]["serial"].startswith("HS200-T")
        and len(g) != 3]
problems, facts, tote = [], 0, []
for head, message in shown:
    if not head.split():
        continue
    scan = head.split()[-2] if head.split()[-1] == "│" else head.split()[-1]
    if "ERROR" in head:
        problems.append("refused: " + head.strip("│ "))
    if "serial" in message and "into DOCK" in message:
        facts += 1
        if scan not in receipts:
            problems.append("receipt shown, not in the journal: " + scan)
    elif "; tote: " in message:
        tote.append(scan)
    elif scan == "LOC-DOCK":
        tote = []
    m = re.search(r"Moved (\d+) item\(s\) DOCK → (\S+);", message)
    if m:
        facts += 1
        if (m.group(2), tuple(sorted(tote))) not in totes:
            problems.append("tote shown moved, not in the journal: %r" % tote)
        tote = []
if half:
    problems.append("half-written tote: %r" % [[m["serial"] for m in g] for g in half])
print("ok %d" % facts if not problems else "; ".join(problems[:3]))
PY
)
  check "round $r: every scan shown as recorded is in the journal, no half tote (${verdict#ok } facts)" \
    "$(case $verdict in ok*) echo ok ;; *) echo "$verdict" ;; esac)"
done
echo "tmux-crash: $kills kills; journal $(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$work/journal.json") movements"
echo "tmux-crash: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
