#!/usr/bin/env bash
# Samples VmRSS and VmHWM (kB) of a process and its children every 0.5 s until it exits:
#   bench/daemon/sample-rss.sh <daemon pid> <log file>
# One line per sample: "<unix time> <pid>:<VmRSS>:<VmHWM> …". Use the pid of the daemon that
# `ragctl status` names (the re-exec'd child), not its launcher's.
set -euo pipefail
pid=$1 out=$2
kb() { awk -v k="$1:" '$1 == k {print $2}' "/proc/$2/status" 2>/dev/null || true; }
while kill -0 "$pid" 2>/dev/null; do
  line="$(date +%s.%N | cut -c1-14)"
  for p in "$pid" $(pgrep -P "$pid" || true); do line="$line $p:$(kb VmRSS "$p"):$(kb VmHWM "$p")"; done
  echo "$line" >>"$out"
  sleep 0.5
done
