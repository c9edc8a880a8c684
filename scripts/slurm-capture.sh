#!/usr/bin/env bash
# Records what a real Slurm (scripts/slurm.sh) hands its MailProg, for test/fixtures/slurm/.
# Needs root; Slurm is machine-wide, so run it as `flock /tmp/pjm-ci.lock bash scripts/slurm-capture.sh`.
#
#   scripts/slurm-capture.sh [OUT]   OUT defaults to ${TMPDIR:-/tmp}/pjm-slurm-capture.log
#
# Each MailProg call appends a block: `subject<TAB>…`, its SLURM_* variables (`env<TAB>…`), for
# an array `scontrol show job -o` of the whole array as the mail went out (`scontrol<TAB>…`), and
# the time. The scenarios cover every mail this single node can produce: success, exit 3,
# cancelled running and pending, a name with commas, a time limit with and without a grace period
# (TIME_LIMIT_50/80/90 included), requeue, an invalid dependency, a missed deadline, a node
# failure, and arrays with and without ARRAY_TASKS. Takes about four minutes on two CPUs.
set -euo pipefail

cd "$(dirname "$0")/.."
readonly OUT=${1:-${TMPDIR:-/tmp}/pjm-slurm-capture.log}
readonly RUN_DIR=${PJM_SLURM_DIR:-${TMPDIR:-/tmp}/pjm-slurm}
readonly MAILPROG=$RUN_DIR/capture-mailprog
readonly WORK=$RUN_DIR/capture-work
readonly ALL=BEGIN,END,FAIL,REQUEUE,INVALID_DEPEND,TIME_LIMIT,TIME_LIMIT_50,TIME_LIMIT_80,TIME_LIMIT_90

install -d -m 0755 "$RUN_DIR"
install -d -m 0777 "$WORK"
: >"$OUT"
chmod 0666 "$OUT"
cat >"$MAILPROG" <<SH
#!/bin/sh
# slurmctld runs this with no PATH: every program is named by its path.
tmp=\$(/usr/bin/mktemp)
{
  printf 'subject\t%s\n' "\$2"
  /usr/bin/env | /usr/bin/grep '^SLURM_' | /usr/bin/sort | /usr/bin/sed 's/^/env\t/'
  if [ -n "\${SLURM_ARRAY_JOB_ID:-}" ]; then
    /usr/bin/scontrol show job -o "\$SLURM_ARRAY_JOB_ID" | /usr/bin/sed 's/^/scontrol\t/'
  fi
  printf 'at\t%s\n\n' "\$(/usr/bin/date +%s.%N)"
} >"\$tmp"
/usr/bin/cat "\$tmp" >>'$OUT'
/usr/bin/rm -f "\$tmp"
SH
chmod 0755 "$MAILPROG"
bash scripts/slurm.sh start "$MAILPROG"

submit() {
  sbatch --parsable --chdir="$WORK" --output=/dev/null --mail-user=capture "$@" | cut -d';' -f1
}

state() {
  scontrol show job -o "$1" 2>/dev/null | grep -o 'JobState=[A-Z_]*' | head -n 1 | cut -d= -f2
}

wait_state() {
  local id=$1 want=$2
  for _ in $(seq 1500); do
    [[ $(state "$id") == "$want" ]] && return 0
    sleep 0.2
  done
  echo "slurm-capture: job $id never reached $want" >&2
  return 1
}

# The node has few CPUs: the jobs that must be acted on while they run go first, one at a time.
ids=()
nodefail=
# A failed run leaves no job of its own behind on the shared node.
cancel_ours() {
  local rc=$?
  if ((rc != 0 && ${#ids[@]} > 0)); then scancel "${ids[@]}" $nodefail 2>/dev/null || true; fi
}
trap cancel_ours EXIT
running=$(submit --mail-type=$ALL --wrap 'sleep 300')
pending=$(submit --mail-type=$ALL --hold --wrap 'sleep 1')
ids+=("$running" "$pending")
wait_state "$running" RUNNING
scancel "$running" "$pending"
requeued=$(submit --mail-type=$ALL --requeue --wrap 'sleep 300')
ids+=("$requeued")
wait_state "$requeued" RUNNING
scontrol requeue "$requeued"
sleep 5
scancel "$requeued"
# A limit cut short on a running job (how the integration test reaches one in seconds): with
# and without a grace period, and the latter mailed without FAIL (Ended rather than Failed).
shortened=$(submit --mail-type=$ALL --partition=grace --time=10 --wrap 'sleep 45')
killed=$(submit --mail-type=BEGIN,END --time=10 --wrap 'sleep 300')
ids+=("$shortened" "$killed")
wait_state "$shortened" RUNNING
wait_state "$killed" RUNNING
scontrol update JobId="$shortened" EndTime=now+2
scontrol update JobId="$killed" EndTime=now+2

ids+=("$(submit --mail-type=$ALL --wrap 'sleep 1')")
ids+=("$(submit --mail-type=$ALL --wrap 'exit 3')")
ids+=("$(submit --mail-type=$ALL --job-name='my job, v2 Failed, run' --wrap 'sleep 1')")
# Natural time limits: no grace (killed), and one minute of grace (finishes inside it).
ids+=("$(submit --mail-type=$ALL --time=1 --wrap 'sleep 300')")
ids+=("$(submit --mail-type=$ALL --partition=grace --time=1 --wrap 'sleep 95')")
failed_dep=$(submit --mail-type=$ALL --wrap 'exit 1')
dependent=$(submit --mail-type=$ALL --dependency=afterok:"$failed_dep" --wrap 'sleep 1')
ids+=("$failed_dep" "$dependent")
ids+=("$(submit --mail-type=$ALL --begin=now+10 --deadline=now+40 --time=1 --wrap 'sleep 1')")
# Arrays: all succeed, mixed, all fail, one killed by a signal; and mixed with ARRAY_TASKS.
ids+=("$(submit --mail-type=$ALL --array=0-2 --wrap 'sleep 1')")
ids+=("$(submit --mail-type=$ALL --array=0-2 --wrap 'sleep 1; [ "$SLURM_ARRAY_TASK_ID" != 1 ] || exit 3')")
ids+=("$(submit --mail-type=$ALL --array=0-1 --wrap 'exit 2')")
ids+=("$(submit --mail-type=$ALL --array=0-1 --wrap 'sleep 1; [ "$SLURM_ARRAY_TASK_ID" != 1 ] || kill -9 $$')")
ids+=("$(submit --mail-type=$ALL,ARRAY_TASKS --array=0-2 --wrap 'sleep 1; [ "$SLURM_ARRAY_TASK_ID" != 1 ] || exit 3')")

# A job whose dependency failed stays pending (DependencyNeverSatisfied) after its mail.
wait_state "$failed_dep" FAILED
sleep 5
scancel "$dependent"

# Wait until no job of ours is left in the queue, then for the last MailProg calls.
for _ in $(seq 900); do
  [[ -z $(squeue -h -j "$(IFS=,; echo "${ids[*]}")" -o %i 2>/dev/null) ]] && break
  sleep 1
done
# Last, as it kills whatever runs on the node: a node failure (a job that may not be requeued).
node=$(hostname -s)
nodefail=$(submit --mail-type=$ALL --no-requeue --wrap 'sleep 300')
wait_state "$nodefail" RUNNING
scontrol update NodeName="$node" State=DOWN Reason=pjm-capture
sleep 3
# ReturnToService=2 may have brought it back already, and then RESUME is refused.
scontrol update NodeName="$node" State=RESUME 2>/dev/null || true
for _ in $(seq 60); do
  [[ $(sinfo -h -N -n "$node" -o %t) == idle ]] && break
  sleep 1
done
squeue -h -j "$(IFS=,; echo "${ids[*]},$nodefail")" 2>/dev/null | sed 's/^/still queued: /' >&2 || true
grep -c '^subject' "$OUT" | sed "s|$| mails recorded in $OUT|"
