#!/usr/bin/env bash
# Single-node Slurm (Debian bookworm packages, 22.05) for integration tests. Needs root.
#
#   scripts/slurm.sh install            install slurmctld, slurmd, slurm-client and munge when missing
#   scripts/slurm.sh start <mailprog>   write /etc/slurm/slurm.conf with MailProg=<mailprog>, start
#                                       munged, slurmctld and slurmd, wait until the node is idle.
#                                       Does nothing when already running with the same config;
#                                       restarts the Slurm daemons when the config differs.
#   scripts/slurm.sh stop               stop slurmd, slurmctld and munged started by this script
#   scripts/slurm.sh status             exit 0 when slurmctld answers and the node is usable
#
# The config lives in /etc/slurm/slurm.conf (the packages' compiled-in default), so sbatch,
# scontrol, scancel and sinfo work without SLURM_CONF. State, spool, pid and log files live under
# $PJM_SLURM_DIR (default ${TMPDIR:-/tmp}/pjm-slurm). No systemd, no cgroups, no slurmdbd:
# use `scontrol show job N` (jobs are kept for MinJobAge after they end), not sacct.
set -euo pipefail

readonly PACKAGES=(slurmctld slurmd slurm-client munge)
readonly CONF=/etc/slurm/slurm.conf
readonly RUN_DIR=${PJM_SLURM_DIR:-${TMPDIR:-/tmp}/pjm-slurm}
readonly CTLD_PID=$RUN_DIR/slurmctld.pid
readonly SLURMD_PID=$RUN_DIR/slurmd.pid
readonly CTLD_LOG=$RUN_DIR/slurmctld.log
readonly SLURMD_LOG=$RUN_DIR/slurmd.log
readonly MUNGE_KEY=/etc/munge/munge.key
readonly MUNGE_SOCKET_DIR=/run/munge
readonly MUNGE_PID=$MUNGE_SOCKET_DIR/munged.pid
# Present while a munged started by this script runs; `stop` leaves any other munged alone.
readonly MUNGE_MARKER=$RUN_DIR/munged.started
readonly START_TIMEOUT=${PJM_SLURM_START_TIMEOUT:-60}

die() {
  echo "slurm.sh: $*" >&2
  exit 1
}

need_root() {
  [[ $(id -u) == 0 ]] || die "must run as root"
}

# ---------------------------------------------------------------------------------- install

missing_packages() {
  local pkg
  for pkg in "${PACKAGES[@]}"; do
    if [[ $(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null) != "install ok installed" ]]; then
      echo "$pkg"
    fi
  done
}

cmd_install() {
  need_root
  local missing
  missing=$(missing_packages)
  if [[ -z $missing ]]; then
    echo "slurm: packages already installed ($(slurmctld -V 2>/dev/null || echo '?'))"
    return 0
  fi
  # shellcheck disable=SC2086 # one package per word
  set -- $missing
  echo "slurm: installing $*"
  export DEBIAN_FRONTEND=noninteractive
  local log
  log=$(mktemp)
  # Update the package lists only when they do not know the packages, or when the install
  # fails with the current lists (stale lists give 404s).
  if (($(apt-cache policy "$@" 2>/dev/null | grep -c 'Candidate: [0-9]') < $#)); then
    apt-get update -qq >>"$log" 2>&1 || { cat "$log" >&2; die "apt-get update failed"; }
  fi
  if ! apt-get install -y -qq --no-install-recommends "$@" >>"$log" 2>&1; then
    apt-get update -qq >>"$log" 2>&1 || true
    apt-get install -y -qq --no-install-recommends "$@" >>"$log" 2>&1 ||
      { tail -n 40 "$log" >&2; die "apt-get install $* failed"; }
  fi
  rm -f "$log"
  echo "slurm: installed ($(slurmctld -V))"
}

# ---------------------------------------------------------------------------------- config

# Conservative node size: the CPUs this process may use and 90% of MemTotal. With
# SlurmdParameters=config_overrides slurmd trusts these values and never drains the node for
# "Low RealMemory" or a CPU count mismatch.
node_cpus() {
  nproc
}

node_memory_mb() {
  awk '/^MemTotal:/ { m = int($2 / 1024 * 0.9); print (m < 1 ? 1 : m) }' /proc/meminfo
}

render_conf() {
  local mailprog=$1 host
  host=$(hostname -s)
  cat <<EOF
# Written by scripts/slurm.sh: single-node test cluster. Do not edit; rerun the script.
ClusterName=pjm
SlurmctldHost=$host
SlurmUser=slurm
AuthType=auth/munge
CredType=cred/munge
MpiDefault=none

StateSaveLocation=$RUN_DIR/state
SlurmdSpoolDir=$RUN_DIR/spool
SlurmctldPidFile=$CTLD_PID
SlurmdPidFile=$SLURMD_PID
SlurmctldLogFile=$CTLD_LOG
SlurmdLogFile=$SLURMD_LOG
SlurmctldDebug=info
SlurmdDebug=info

# No systemd and no cgroups here.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
# One line per ended job (JobId, UserId, JobState, times, ...), a fallback to scontrol.
JobCompType=jobcomp/filetxt
JobCompLoc=$RUN_DIR/jobcomp.log
SwitchType=switch/none
SlurmdParameters=config_overrides
ReturnToService=2

SchedulerType=sched/backfill
# Start batch jobs at once rather than in the next pass of a 3 s scheduling cycle.
SchedulerParameters=batch_sched_delay=0
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU

MailProg=$mailprog
# Keep ended jobs visible to \`scontrol show job\` for a day.
MinJobAge=86400

# Short timeouts so that starts, ends and cancels are quick.
SlurmctldTimeout=10
SlurmdTimeout=10
MessageTimeout=5
InactiveLimit=0
KillWait=2
WaitTime=0
BatchStartTimeout=10
CompleteWait=0
TCPTimeout=2

NodeName=$host CPUs=$(node_cpus) RealMemory=$(node_memory_mb) State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
# A partition with a grace period: a job that reaches its time limit gets \`Reached time limit\`
# mailed and may run one more minute before it is killed (test/integration/slurm-*.test.ts).
PartitionName=grace Nodes=$host MaxTime=INFINITE OverTimeLimit=1 State=UP
EOF
}

# ---------------------------------------------------------------------------------- processes

# pid from a pid file, when that process is alive and runs the expected binary.
live_pid() {
  local file=$1 binary=$2 pid
  [[ -f $file ]] || return 1
  pid=$(<"$file")
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  # /usr/sbin/slurmctld and slurmd are alternatives symlinks to *-wlm binaries.
  [[ $(readlink "/proc/$pid/exe" 2>/dev/null) == "$(readlink -f "$binary")" ]] || return 1
  echo "$pid"
}

stop_pid_file() {
  local file=$1 binary=$2 name=$3 pid
  if pid=$(live_pid "$file" "$binary"); then
    kill "$pid"
    for _ in $(seq 50); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.2
    done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null || true
    echo "slurm: stopped $name (pid $pid)"
  fi
  rm -f "$file"
}

# Runs a daemon without the caller's open files past stderr: a lock the caller holds (the CI's
# `flock /tmp/pjm-ci.lock …`) must not live on in munged or slurmctld and block every later run.
detached() {
  (
    for fd in /proc/"$BASHPID"/fd/*; do
      fd=${fd##*/}
      if ((fd > 2)); then eval "exec $fd>&-"; fi
    done
    exec "$@"
  )
}

munge_ok() {
  munge -n 2>/dev/null | unmunge >/dev/null 2>&1
}

start_munge() {
  if munge_ok; then
    return 0
  fi
  if [[ ! -s $MUNGE_KEY ]]; then
    echo "slurm: creating $MUNGE_KEY"
    install -d -o munge -g munge -m 0700 /etc/munge
    if command -v mungekey >/dev/null; then
      mungekey --create --keyfile="$MUNGE_KEY" --force
    else
      dd if=/dev/urandom of="$MUNGE_KEY" bs=1 count=1024 status=none
    fi
  fi
  chown munge:munge "$MUNGE_KEY"
  chmod 0400 "$MUNGE_KEY"
  install -d -o munge -g munge -m 0755 "$MUNGE_SOCKET_DIR"
  install -d -o munge -g munge -m 0700 /var/lib/munge /var/log/munge
  # A stale socket or pid file from a killed munged makes the new one refuse to start.
  rm -f "$MUNGE_SOCKET_DIR/munge.socket.2" "$MUNGE_SOCKET_DIR/munge.socket.2.lock" "$MUNGE_PID"
  install -d -m 0755 "$RUN_DIR"
  detached runuser -u munge -- /usr/sbin/munged
  touch "$MUNGE_MARKER"
  for _ in $(seq 50); do
    munge_ok && return 0
    sleep 0.1
  done
  tail -n 20 /var/log/munge/munged.log >&2 2>/dev/null || true
  die "munged did not start"
}

port_open() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# Node state as sinfo prints it (idle, mix, alloc, down*, drain, ...), empty when unknown.
node_state() {
  timeout 10 sinfo -h -N -n "$(hostname -s)" -o %t 2>/dev/null | head -n 1 || true
}

node_usable() {
  case $(node_state) in
    idle | mix | alloc | comp) return 0 ;;
    *) return 1 ;;
  esac
}

daemons_running() {
  live_pid "$CTLD_PID" /usr/sbin/slurmctld >/dev/null && live_pid "$SLURMD_PID" /usr/sbin/slurmd >/dev/null
}

stop_slurm_daemons() {
  stop_pid_file "$SLURMD_PID" /usr/sbin/slurmd slurmd
  stop_pid_file "$CTLD_PID" /usr/sbin/slurmctld slurmctld
}

show_logs() {
  local f
  for f in "$CTLD_LOG" "$SLURMD_LOG"; do
    echo "---- $f (tail)" >&2
    tail -n 30 "$f" >&2 2>/dev/null || true
  done
  echo "---- sinfo" >&2
  timeout 10 sinfo -N -l >&2 2>&1 || true
}

cmd_start() {
  need_root
  local mailprog=${1:-}
  [[ -n $mailprog ]] || die "usage: $0 start <mailprog-path>"
  [[ $mailprog == /* ]] || mailprog=$(realpath -m -- "$mailprog")
  [[ $mailprog != *[[:space:]]* ]] || die "MailProg path must not contain whitespace: $mailprog"
  [[ -f $mailprog && -x $mailprog ]] || die "MailProg $mailprog is not an executable file"
  command -v slurmctld >/dev/null || die "Slurm is not installed; run: $0 install"

  local conf
  conf=$(render_conf "$mailprog")
  if daemons_running && [[ -f $CONF && $(<"$CONF") == "$conf" ]] && munge_ok && node_usable; then
    echo "slurm: already running with MailProg=$mailprog (node $(hostname -s) $(node_state))"
    return 0
  fi

  local t0=$SECONDS
  stop_slurm_daemons
  local port
  for port in 6817 6818; do
    ! port_open "$port" || die "port $port is taken by a Slurm daemon this script did not start; stop it first"
  done
  start_munge

  install -d -m 0755 /etc/slurm
  printf '%s\n' "$conf" >"$CONF.tmp.$$"
  chmod 0644 "$CONF.tmp.$$"
  mv -f "$CONF.tmp.$$" "$CONF"

  # slurmctld (running as SlurmUser) chdirs into the directory of its log file and writes its
  # state, log and the job-completion log; slurmd runs as root.
  install -d -o slurm -g slurm -m 0755 "$RUN_DIR" "$RUN_DIR/state"
  install -d -m 0755 "$RUN_DIR/spool"
  touch "$CTLD_LOG" "$SLURMD_LOG" "$RUN_DIR/jobcomp.log"
  chown slurm:slurm "$CTLD_LOG" "$RUN_DIR/jobcomp.log"

  # A clean environment, so the daemons do not depend on the caller's shell. (MailProg never
  # sees it anyway: slurmctld runs it with only SLURM_JOB_* and SLURM_CLUSTER_NAME set, no PATH.)
  detached env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 /usr/sbin/slurmctld ||
    { show_logs; die "slurmctld failed to start"; }
  detached env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 /usr/sbin/slurmd ||
    { show_logs; die "slurmd failed to start"; }

  local launched=$SECONDS deadline=$((SECONDS + START_TIMEOUT))
  while ((SECONDS < deadline)); do
    if node_usable && daemons_running; then
      echo "slurm: running, node $(hostname -s) $(node_state), MailProg=$mailprog" \
        "($((SECONDS - t0)) s; logs in $RUN_DIR)"
      return 0
    fi
    # A daemon that exits at once (bad config, port taken) leaves a reason in its log.
    if ((SECONDS - launched > 5)) && ! daemons_running; then
      show_logs
      die "a Slurm daemon exited during start"
    fi
    # A node left DOWN/DRAIN by an earlier run: ReturnToService=2 covers DOWN; resume the rest.
    case $(node_state) in
      drain* | drng* | down)
        timeout 10 scontrol update NodeName="$(hostname -s)" State=RESUME >/dev/null 2>&1 || true
        ;;
    esac
    sleep 0.5
  done
  show_logs
  die "node $(hostname -s) is not idle after ${START_TIMEOUT}s (state: $(node_state))"
}

cmd_stop() {
  need_root
  stop_slurm_daemons
  if [[ -f $MUNGE_MARKER ]]; then
    stop_pid_file "$MUNGE_PID" /usr/sbin/munged munged
    rm -f "$MUNGE_MARKER"
  fi
}

cmd_status() {
  if daemons_running && node_usable; then
    echo "slurm: running, node $(hostname -s) $(node_state), $(grep '^MailProg=' "$CONF" 2>/dev/null)"
  else
    echo "slurm: not running (node state: $(node_state))"
    return 1
  fi
}

case ${1:-} in
  install) cmd_install ;;
  start) cmd_start "${@:2}" ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  *)
    echo "usage: $0 install|start <mailprog-path>|stop|status" >&2
    exit 2
    ;;
esac
