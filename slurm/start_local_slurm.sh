#!/usr/bin/env bash
# Start a one-node Slurm (munge + MariaDB + slurmdbd + slurmctld + slurmd) on localhost,
# without systemd. Installs Debian's packages if missing. State, database, logs and pid files
# live in $LCC_SLURM_DIR (default: .slurm/ in the repository); stop_local_slurm.sh stops
# exactly these daemons, by their recorded pids.
# Accounting is on (slurmdbd over MariaDB): the suite reads which jobs Slurm still holds from
# squeue and, for the ones it no longer holds, how they ended from sacct (state, exit code,
# usage: grid/store/scheduler.py, docs/SLURM_STATES.md). Memory is enforced without cgroups
# (jobacct_gather/linux with OverMemoryKill: a job over its --mem is killed within a second),
# and finished jobs stay in slurmctld for an hour (MinJobAge). If slurmdbd does not come up
# the script fails (exit 1), so CI=true stops rather than running the tests without sacct.
# Start-up with the packages installed: 12 s from an empty $LCC_SLURM_DIR (MariaDB creates
# its data folder), 4 to 5 s when it exists (docs/SLURM_STATES.md).
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
dir="${LCC_SLURM_DIR:-$repo/.slurm}"
db_port="${LCC_SLURM_DB_PORT:-3307}"  # MariaDB, on 127.0.0.1 only (not a system one's 3306)
dbd_port="${LCC_SLURM_DBD_PORT:-6819}"
mkdir -p "$dir"/{state,spool,log,run}

if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null ||
  ! command -v slurmdbd >/dev/null || ! command -v mariadbd >/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq slurmctld slurmd slurm-client slurmdbd munge mariadb-server >/dev/null
fi
alive() {  # pidfile expected-name: whether that daemon of ours runs
  [ -s "$1" ] && [ "$(cat /proc/"$(cat "$1")"/comm 2>/dev/null)" = "$2" ]
}
fail() {
  echo "slurm: $*" >&2
  exit 1
}

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

# MariaDB for slurmdbd: its own data, socket and pid folder, owned by the mysql user, in
# $dir unless the mysql user cannot reach it (a checkout under /root) or the socket's path
# would be too long; then in /var/lib/lcc-slurm/<hash of $dir>.
db_root="$dir"
if ! su -s /bin/sh mysql -c "test -x '$dir'" 2>/dev/null || [ ${#dir} -gt 80 ]; then
  db_root="/var/lib/lcc-slurm/$(printf %s "$dir" | md5sum | cut -c1-12)"
  mkdir -p "$db_root" && chmod 0755 /var/lib/lcc-slurm "$db_root"
fi
db="$db_root/mysql"
install -d -o mysql -g mysql -m 0750 "$db" "$db_root/mysqld"
if [ ! -d "$db/mysql" ]; then
  mariadb-install-db --user=mysql --datadir="$db" --auth-root-authentication-method=socket \
    >"$dir/log/mariadb-install.log" 2>&1 || fail "mariadb-install-db failed; see $dir/log"
fi
sock="$db_root/mysqld/mysqld.sock"
if ! alive "$db_root/mysqld/mariadbd.pid" mariadbd; then
  mariadbd --no-defaults --user=mysql --datadir="$db" --socket="$sock" \
    --pid-file="$db_root/mysqld/mariadbd.pid" --bind-address=127.0.0.1 --port="$db_port" \
    --log-error="$db_root/mysqld/mariadb.err" --skip-log-bin >/dev/null 2>&1 &
  for _ in $(seq 1 60); do
    mariadb --no-defaults --socket="$sock" -e "select 1" >/dev/null 2>&1 && break
    sleep 0.5
  done
fi
cp "$db_root/mysqld/mariadbd.pid" "$dir/run/mariadbd.pid" 2>/dev/null ||
  fail "MariaDB did not start; see $db_root/mysqld/mariadb.err"
db_pass="lcc-local-accounting"  # a database reachable from 127.0.0.1 only, for tests
mariadb --no-defaults --socket="$sock" -e "
  CREATE USER IF NOT EXISTS 'slurm'@'localhost' IDENTIFIED BY '$db_pass';
  CREATE USER IF NOT EXISTS 'slurm'@'127.0.0.1' IDENTIFIED BY '$db_pass';
  GRANT ALL ON slurm_acct_db.* TO 'slurm'@'localhost';
  GRANT ALL ON slurm_acct_db.* TO 'slurm'@'127.0.0.1';" || fail "MariaDB refused the slurm user"

host="$(hostname -s)"
dbd_conf=/etc/slurm/slurmdbd.conf
cat > "$dbd_conf" <<CONF
AuthType=auth/munge
DbdHost=${host}
DbdAddr=127.0.0.1
DbdPort=${dbd_port}
SlurmUser=root
PidFile=$dir/run/slurmdbd.pid
LogFile=$dir/log/slurmdbd.log
StorageType=accounting_storage/mysql
StorageHost=127.0.0.1
StoragePort=${db_port}
StorageUser=slurm
StoragePass=${db_pass}
StorageLoc=slurm_acct_db
CONF
chmod 600 "$dbd_conf"
if ! alive "$dir/run/slurmdbd.pid" slurmdbd; then
  slurmdbd || fail "slurmdbd did not start; see $dir/log/slurmdbd.log"
fi
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
AccountingStorageType=accounting_storage/slurmdbd
AccountingStorageHost=127.0.0.1
AccountingStoragePort=${dbd_port}
JobAcctGatherType=jobacct_gather/linux
JobAcctGatherFrequency=task=1
JobAcctGatherParams=OverMemoryKill
MinJobAge=3600
NodeName=${host} NodeAddr=127.0.0.1 CPUs=${cpus} RealMemory=${mem} State=UNKNOWN
PartitionName=debug Nodes=${host} Default=YES MaxTime=INFINITE State=UP
CONF

for _ in $(seq 1 30); do  # slurmdbd answers: the cluster can be registered
  sacctmgr -i add cluster lcc-local >/dev/null 2>&1 || true
  sacctmgr -n list cluster format=cluster 2>/dev/null | grep -q lcc-local && break
  sleep 0.5
done
sacctmgr -n list cluster format=cluster 2>/dev/null | grep -q lcc-local ||
  fail "slurmdbd does not answer (sacctmgr); see $dir/log/slurmdbd.log"
# slurmctld -c forgets its jobs and would number them from 1 again: go on after the last id
# accounting knows, so that one id never names two jobs in sacct.
last_id="$(sacct -n -X -P -a --format=JobIDRaw --starttime=2000-01-01 2>/dev/null |
  sort -n | tail -n1)"
echo "FirstJobId=$((${last_id:-0} + 1))" >>"$conf"
alive "$dir/run/slurmctld.pid" slurmctld || slurmctld -c -f "$conf"
alive "$dir/run/slurmd.pid" slurmd || slurmd -f "$conf"
for _ in $(seq 1 60); do
  state="$(sinfo --noheader --format=%T 2>/dev/null | head -n1 || true)"
  if [ "$state" = "idle" ]; then
    sacct --noheader -X --starttime=now >/dev/null || fail "sacct does not answer; see $dir/log"
    echo "slurm: node $host idle (CPUs=$cpus, RealMemory=${mem} MB); state in $dir"
    exit 0
  fi
  sleep 1
done
echo "slurm: node did not become idle; see $dir/log" >&2
exit 1
