#!/usr/bin/env bash
# Start a one-node Slurm (munge + slurmctld + slurmd) on localhost, without systemd.
# Installs Debian's packages if missing. State, logs and pid files live in $LCC_SLURM_DIR
# (default: .slurm/ in the repository); stop_local_slurm.sh stops exactly these daemons.
# Accounting (slurmdbd) is not started: the suite reads job state from its own result files
# and from squeue, never from sacct.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
dir="${LCC_SLURM_DIR:-$repo/.slurm}"
mkdir -p "$dir"/{state,spool,log,run}

if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq slurmctld slurmd slurm-client munge >/dev/null
fi

# munge: key, runtime folder owned by the munge user, daemon as that user.
install -d -o munge -g munge -m 0755 /run/munge
if [ ! -s /etc/munge/munge.key ]; then
  dd if=/dev/urandom bs=1 count=1024 of=/etc/munge/munge.key status=none
fi
chown munge:munge /etc/munge/munge.key && chmod 0400 /etc/munge/munge.key
if ! munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
  su -s /bin/sh munge -c "/usr/sbin/munged --pid-file=/run/munge/munged.pid" \
    || /usr/sbin/munged --force --pid-file=/run/munge/munged.pid
  sleep 1
  cp /run/munge/munged.pid "$dir/run/munged.pid"
fi
munge -n | unmunge >/dev/null

host="$(hostname -s)"
read -r cpus mem < <(slurmd -C | awk '/NodeName/ {for (i=1;i<=NF;i++) {split($i,kv,"=");
  if (kv[1]=="CPUs") c=kv[2]; if (kv[1]=="RealMemory") m=kv[2]}} END {print c, m}')
conf=/etc/slurm/slurm.conf
cat > "$conf" <<CONF
ClusterName=lcc-local
SlurmctldHost=${host}(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=cred_expire=30
MailProg=/bin/true
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
ReturnToService=2
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
DefMemPerCPU=1024
SchedulerParameters=batch_sched_delay=0,sched_interval=2,bf_interval=2
MaxArraySize=1001
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/run/slurmctld.pid
SlurmdPidFile=$dir/run/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
JobCompType=jobcomp/none
AccountingStorageType=accounting_storage/none
NodeName=${host} NodeAddr=127.0.0.1 CPUs=${cpus} RealMemory=${mem} State=UNKNOWN
PartitionName=debug Nodes=${host} Default=YES MaxTime=INFINITE State=UP
CONF

slurmctld -c -f "$conf"
slurmd -f "$conf"
for _ in $(seq 1 60); do
  state="$(sinfo --noheader --format=%T 2>/dev/null | head -n1 || true)"
  if [ "$state" = "idle" ]; then
    echo "slurm: node $host idle (CPUs=$cpus, RealMemory=${mem} MB); state in $dir"
    exit 0
  fi
  sleep 1
done
echo "slurm: node did not become idle; see $dir/log" >&2
exit 1
