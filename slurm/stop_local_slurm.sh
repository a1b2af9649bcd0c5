#!/usr/bin/env bash
# Stop the daemons start_local_slurm.sh started (slurmd, slurmctld, slurmdbd, MariaDB, munge),
# by their recorded pids (checking each process's name first), and nothing else.
set -uo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
dir="${LCC_SLURM_DIR:-$repo/.slurm}"
stop() {  # pidfile expected-name
  local pidfile="$1" name="$2" pid
  [ -s "$pidfile" ] || return 0
  pid="$(cat "$pidfile")"
  if [ "$(cat /proc/"$pid"/comm 2>/dev/null)" = "$name" ]; then
    kill "$pid" && for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    echo "stopped $name ($pid)"
  fi
  rm -f "$pidfile"
}
stop "$dir/run/slurmd.pid" slurmd
stop "$dir/run/slurmctld.pid" slurmctld
stop "$dir/run/slurmdbd.pid" slurmdbd
stop "$dir/run/mariadbd.pid" mariadbd
stop "$dir/run/munged.pid" munged
