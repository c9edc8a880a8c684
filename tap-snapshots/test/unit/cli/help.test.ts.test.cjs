/* IMPORTANT
 * This snapshot file is auto-generated, but designed for humans.
 * It should be checked into source control and tracked carefully.
 * Re-generate by setting TAP_SNAPSHOT=1 and running tests.
 * Make sure to inspect the output below.  Do not ignore changes!
 */
'use strict'
exports[`test/unit/cli/help.test.ts > TAP > pjm --help and every command's --help > pjm --help 1`] = `
Usage: pjm <command> [options]

Commands:
  serve       Run the tracker in one process (embedded: SQLite + local bus under PJM_DATA_DIR)
  manager     Run the manager actor (consumes events, applies them to jobs)
  bridge      Run the HTTP bridge and query API (callbacks in, job state out), without a manager
  dispatcher  Run the dispatcher actor (launches jobs of pipelines with a launcher, stops cancelled ones)
  reaper      Run the reaper actor (flags jobs whose heartbeat lease expired; reconciles Slurm jobs first)
  create      Create a job (POST /jobs): prints its uuid and token
  send        Send an event to a job (POST /events): prints the new state
  show        Show one job: state, version, pipeline, data (GET /jobs/:uuid)
  ls          List jobs, newest created first, filtered by pipeline, state, owner, site or time (GET /jobs)
  history     Show how a job got where it is: every applied event (GET /jobs/:uuid/history)
  claim       Claim the oldest claimable jobs of a site's queue for a lease, or release one (POST /claims)
  watch       Print state changes live as the manager applies events (GET /changes), until Ctrl-C
  token       Issue a fresh token for a job with the server secret (operators; PJM_SECRET or PJM_DATA_DIR)
  nonce       Create, list or revoke sender nonces (x-nonce) for Agave, Slurm and other callers
  dead        List, show, replay or purge dead letters: the events the manager refused, by reason code (admin)
  pipelines   Validate a pipeline registry file, list its pipelines or show one (PJM_PIPELINES, docs/pipelines.md)
  fsm         Print the pipeline-job state machine (Mermaid diagram, or --json)
  slurm-mail  Slurm MailProg: report a Slurm job notification to the bridge (see docs/slurm.md)

Run "pjm <command> --help" for a command's options, "pjm --version" for the version.
Configuration comes from PJM_* environment variables (see README). Client commands call the
server at PJM_URL; unset, at PJM_HTTP_HOST:PJM_HTTP_PORT, where pjm serve listens with the same
variables (default http://127.0.0.1:8080). --debug prints stack traces.

Exit codes:
  0    ok
  1    failure
  2    bad usage or configuration: nothing was attempted
  3    refused by the server (the message starts with its code)
  4    server unreachable
  5    pending: the server took the event, but it is not applied yet (it waits for an earlier
       event and will be applied or dead-lettered, or no manager is running)
  141  standard output was closed early (e.g. by | head), as for a tool killed by SIGPIPE

`

exports[`test/unit/cli/help.test.ts > TAP > pjm --help and every command's --help > pjm bridge --help 1`] = `
Usage: pjm bridge

Serves POST /jobs, /events, /callbacks/agave, /callbacks/slurm, the query API (GET /jobs...),
/nonces, /healthz, /readyz, /metrics and /docs/json on PJM_HTTP_HOST:PJM_HTTP_PORT, publishing
events on the bus for the managers (pjm manager) to apply. Listens on loopback unless
PJM_HTTP_HOST says otherwise, which needs PJM_API_TOKENS. Stops cleanly on SIGTERM/SIGINT.

`

exports[`test/unit/cli/help.test.ts > TAP > pjm --help and every command's --help > pjm claim --help 1`] = `
Usage: pjm claim --site S [--queue Q] [--max N] [--lease 5m] [--by NAME] [--json]
pjm claim --release <uuid> [--by NAME]

Takes up to N of the oldest CREATED jobs of site S's queue that nobody holds (POST /claims),
each for the lease, and prints them with their tokens: send run with the token to start one
(that ends the lease), or release it. A lease that runs out makes the job claimable again.
Credentials: PJM_NONCE (a site key: pjm nonce create --scope claim --site S) or PJM_API_TOKENS.
  --site     the site (required to claim)
  --queue    the site's queue (default primary; Photon Ranch's second queue is replica)
  --max      most jobs to take (default 1)
  --lease    how long each claim holds: 90s, 5m, 1h (default 5m)
  --by       the claimer recorded on each job (default: the credential)
  --release  give the job with this uuid back before its lease ends
  --json     {jobs: [...]} as JSON

`

exports[`test/unit/cli/help.test.ts > TAP > pjm --help and every command's --help > pjm create --help 1`] = `
Usage: pjm create <pipeline> [--data JSON|@FILE|-] [--owner O] [--site S] [--archive-path P] [--no-wait] [--json]

The same pipeline and data always name the same job, so creating twice is harmless.
  --data          the job's parameters, a JSON object (part of its identity); @FILE reads it
                  from a file, - from standard input
  --no-wait       answer once the bus holds the create, without waiting for the manager
  --json          the whole answer: uuid, token, archive path and callback URLs
Without --json: the uuid and the token, tab-separated, on one line (for scripts: read UUID TOKEN).
When no manager applies the create within the server's wait, both are printed all the same and
the exit status is 5 (pending).

`

exports[`test/unit/cli/help.test.ts > TAP > pjm --help and every command's --help > pjm dead --help 1`] = `
Usage: pjm dead ls [--code C] [--since T] [--json]
pjm dead ls --list [--code C] [--since T] [--replayed] [--limit N] [--all] [--json]
pjm dead show <id> [--json]
pjm dead replay <id> [--force]
pjm dead replay --code C [--force]
pjm dead purge --before T [--code C]

Dead letters are the events the manager refused, each with its reason code; they wait until
replayed or purged. Needs an admin bearer token (the first of PJM_API_TOKENS).
  ls          waiting dead letters per reason code, with the total; --list lists them, oldest first
  show        one dead letter with its body and headers
  replay      sends the original event (same event id) back through the manager: applied once,
              a duplicate if it was applied meanwhile, or dead-lettered again with its reason
  purge       deletes the dead letters (waiting or replayed) that died before T
  --code      this reason code only (e.g. unknown_job, illegal_transition)
  --since     died at or after T; T is a date, a date-time or a duration back (90s, 30m, 24h, 7d)
  --before    died before T (same forms)
  --replayed  --list: include the letters replayed already
  --force     replay letters whose token was not verified when they were refused (see the docs)
  --limit     letters per page (default 100, at most 1000); --all follows every page
  --json      machine-readable output

`

exports[`test/unit/cli/help.test.ts > TAP > pjm --help and every command's --help > pjm fsm --help 1`] = `
Usage: pjm fsm [--json]

  --json   print {"states":[...],"events":[...],"transitions":[...]} instead of Mermaid

`

exports[`test/unit/cli/help.test.ts > TAP > pjm --help and every command's --help > pjm history --help 1`] = `
Usage: pjm history <uuid> [--status-changes] [--json]

  --status-changes  the status-change log: time, state, phase, error subtype and message, attempt
  --json            {uuid, state, version, history: [...]} (or {uuid, state, attempts, statusChanges}) as JSON

`

exports[`test/unit/cli/help.test.ts > TAP > pjm --help and every command's --help > pjm ls --help 1`] = `
Usage: pjm ls [--pipeline ID] [--state S[,S...]] [--phase P] [--error] [--stale] [--owner O] [--site S]
       [--since T] [--until T] [--updated-since T] [--updated-until T] [--limit N] [--all] [--json]

Lists jobs newest first by creation time (CREATED), the order the query API pages in; UPDATED
is when the job's last event was applied. To see what changed lately, use --updated-since.
  --state           states to keep, comma-separated, in any case: CREATED, RUNNING, FAILED,
                    FINISHED, INDEXING, VALIDATING, VALIDATED, REJECTED, FINALIZED, RETIRED,
                    RESET, CANCELLED
  --phase           the phase a status vocabulary gave the job (QUEUED, processing…), exact case
  --error           only jobs whose last state change raised an error (FAILED)
  --stale           only jobs flagged stale: their heartbeat lease expired (docs/heartbeats.md)
  --since, --until  created at or after / at or before T
  --updated-since, --updated-until
                    last changed at or after / at or before T
  T is a date (2026-12-02, from 00:00 UTC), a date-time (2026-12-02T14:30, UTC unless it ends
  with an offset such as +01:00) or a duration back from now (90s, 30m, 24h, 7d)
  --limit   jobs per page (default 50, at most 1000)
  --all     follow the cursor through every page
  --json    one JSON object per job, one per line

`

exports[`test/unit/cli/help.test.ts > TAP > pjm --help and every command's --help > pjm manager --help 1`] = `
Usage: pjm manager

Consumes events from the bus (RabbitMQ when PJM_AMQP_URL is set, else the embedded bus in
PJM_DATA_DIR) and applies them to the store (MongoDB when PJM_MONGO_URL is set, else SQLite).
Configuration comes from the environment (see README). Stops cleanly on SIGTERM/SIGINT.

`

exports[`test/unit/cli/help.test.ts > TAP > pjm --help and every command's --help > pjm nonce --help 1`] = `
Usage: pjm nonce create --scope events|create|all|claim [--site S] [--max-uses N] [--ttl 24h] [--label TEXT] [--json]
pjm nonce list [--json]
pjm nonce revoke <id>

A nonce is shown once, at creation; only its SHA-256 is stored. Give it to a caller as
?x-nonce=<value> (or an x-nonce header). Scope events covers POST /events and /callbacks/*,
create covers POST /jobs; the per-job token is still required for events. Scope claim makes a
site key: POST /claims for --site only, and events for that site's jobs.
  --scope      what the nonce may do (required)
  --site       the site of a claim nonce (required with --scope claim)
  --max-uses   uses in total (default: unlimited)
  --ttl        lifetime: 90s, 30m, 24h, 7d (default: none)
  --label      who or what it is for
  --json       machine-readable output

`

exports[`test/unit/cli/help.test.ts > TAP > pjm --help and every command's --help > pjm pipelines --help 1`] = `
Usage: pjm pipelines validate FILE
pjm pipelines ls [--json]
pjm pipelines show NAME

The pipeline registry (docs/pipelines.md). validate checks FILE as pjm serve would (exit 2 and
every problem named when it is invalid); ls and show read the registry the server is configured
with: PJM_PIPELINES, else ./pipelines.yaml when present.
  --json   machine-readable output (ls; show always prints JSON)

`

exports[`test/unit/cli/help.test.ts > TAP > pjm --help and every command's --help > pjm send --help 1`] = `
Usage: pjm send <uuid> <event> --token TOKEN [--data JSON|@FILE|-] [--id UUID] [--no-wait] [--json]

Events: run, update, resource, fail, finish, index, indexed, validate, validated, reject,
finalize, retire, cancel; reset and ready need an admin token (PJM_API_TOKENS).
  --token     the job's token (pjm create prints it); required unless PJM_API_TOKENS is set
  --data      a JSON object recorded with the event; @FILE reads it from a file, - from
              standard input
  --id        an idempotency key: the same id twice is applied once
  --no-wait   answer once the bus holds the event (prints "accepted <event id>")
Prints the new state once the manager has applied the event. A refused event exits 3 with its
code (e.g. illegal_transition). An event that is not applied within the server's wait
(PJM_WAIT_TIMEOUT_MS, 10 s by default) prints "pending <event id>", says on stderr what it waits
for (e.g. finish before run: it is applied once run arrives, or dead-lettered when the
manager's retries run out) and exits 5.

`

exports[`test/unit/cli/help.test.ts > TAP > pjm --help and every command's --help > pjm serve --help 1`] = `
Usage: pjm serve

Runs the manager in one process. With no PJM_AMQP_URL / PJM_MONGO_URL it is fully embedded:
jobs and the event queue live in SQLite files under PJM_DATA_DIR (default ./.pjm), and the
token secret is generated there on first start. Stops cleanly on SIGTERM/SIGINT.

`

exports[`test/unit/cli/help.test.ts > TAP > pjm --help and every command's --help > pjm show --help 1`] = `
Usage: pjm show <uuid> [--json]

  --json   the job document as JSON

`

exports[`test/unit/cli/help.test.ts > TAP > pjm --help and every command's --help > pjm slurm-mail --help 1`] = `
Usage: pjm slurm-mail -s "<subject>" <user> [--fallback PROGRAM]

Set MailProg in slurm.conf to a wrapper that sets PJM_URL (and PJM_NONCE when the bridge is on
another host) and runs bin/pjm-slurm-mail.js (this command, quick to start); submit with
  sbatch --mail-type=BEGIN,END,FAIL,REQUEUE,TIME_LIMIT --comment=pjm:<uuid>:<token> ...
(POST /jobs answers these options ready-made). Jobs without a pjm: comment are passed to
--fallback (e.g. /usr/bin/mail) when given, else ignored. Gives up 90 s after it started.
  -s           the mail subject Slurm wrote
  --fallback   the site's mail program, for jobs this tracker does not follow

`

exports[`test/unit/cli/help.test.ts > TAP > pjm --help and every command's --help > pjm token --help 1`] = `
Usage: pjm token <uuid> [--ttl 72h]

Prints a new token for the job, signed with PJM_SECRET (or the embedded secret in PJM_DATA_DIR),
valid for --ttl (default PJM_TOKEN_TTL_SECONDS). Anyone with the secret can do this: it is an
operator's command, run where the server's configuration is.

`

exports[`test/unit/cli/help.test.ts > TAP > pjm --help and every command's --help > pjm watch --help 1`] = `
Usage: pjm watch [--pipeline ID] [--uuid UUID] [--json]

One line per applied event: time, job, pipeline, previous state → new state (event, version).
  --json   one JSON state notification per line

`
