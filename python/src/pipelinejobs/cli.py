"""``python -m pipelinejobs``: a status reporter for batch scripts, with ``pjm``'s exit codes."""

from __future__ import annotations

import argparse
import json
import os
import sys
import uuid as uuidlib
from typing import Any, Dict, List, Mapping, NoReturn, Optional, Sequence, TextIO

from ._version import __version__
from .errors import PipelineJobsError, ServerUnreachable, VerdictTimeout
from .http_transport import HttpTransport
from .transport import ClientEvent, CreateRequest, JsonObject

#: Exit codes, the same as ``pjm``'s (cli/command.ts EXIT), so scripts can rely on them.
EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_REFUSED = 3
EXIT_UNREACHABLE = 4
EXIT_PENDING = 5
EXIT_CLOSED_OUTPUT = 141

#: Events only an administrator may send (fsm/states.ts ADMIN_EVENTS).
ADMIN_EVENTS = ("reset", "ready")

EPILOG = """environment:
  PJM_URL          the pjm server (default: http://PJM_HTTP_HOST:PJM_HTTP_PORT, i.e.
                   http://127.0.0.1:8080, where pjm serve listens with the same variables)
  PJM_NONCE        a sender nonce (pjm nonce create --scope events), sent as x-nonce
  PJM_API_TOKENS   admin bearer tokens; the first is sent (needed for reset and ready)

exit codes:
  0    ok
  1    failure
  2    bad usage or configuration: nothing was attempted
  3    refused by the server (the message starts with its code)
  4    server unreachable
  5    pending: the server took the event, but it is not applied yet (it waits for an earlier
       event and will be applied or dead-lettered, or no manager is running)
  141  standard output was closed early
"""


class UsageError(Exception):
    """A bad flag or argument: nothing was attempted (exit 2)."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see {self.prog} --help)")


def server_url(env: Mapping[str, str]) -> str:
    """``PJM_URL``, else where ``pjm serve`` listens with the same variables (a wildcard host on loopback)."""
    url = env.get("PJM_URL", "")
    if url != "":
        return url
    host = env.get("PJM_HTTP_HOST") or "127.0.0.1"
    port = env.get("PJM_HTTP_PORT") or env.get("API_PORT") or "8080"
    host = {"0.0.0.0": "127.0.0.1", "::": "::1"}.get(host, host)
    return f"http://{f'[{host}]' if ':' in host else host}:{port}"


def read_data_flag(text: Optional[str], stdin: TextIO) -> Optional[JsonObject]:
    """The JSON object of ``--data``: the JSON itself, ``@FILE`` for a file's contents or ``-`` for standard input."""
    if text is None:
        return None
    if text == "-":
        raw, origin = stdin.read(), "standard input"
    elif text.startswith("@"):
        path = text[1:]
        try:
            with open(path, encoding="utf-8") as f:
                raw = f.read()
        except OSError as err:
            raise UsageError(f"--data {text}: cannot read {path}: {err.strerror or err}") from None
        origin = path
    else:
        raw, origin = text, text if len(text) <= 40 else f"{text[:39]}…"
    try:
        value = json.loads(raw)
    except ValueError:
        raise UsageError(f"--data is not JSON: {origin}") from None
    if not isinstance(value, dict):
        raise UsageError("--data must be a JSON object")
    return value


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="python -m pipelinejobs",
        description="Report pipeline jobs to a pjm server, as pjm create, send and show do.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=__version__)
    common = _Parser(add_help=False)
    common.add_argument(
        "--timeout", type=float, default=30.0, help="seconds the command may take, retries included (default 30)"
    )
    commands = parser.add_subparsers(dest="command", metavar="<command>", parser_class=_Parser)

    create = commands.add_parser(
        "create",
        parents=[common],
        help="create a job (or find it) and print its uuid and token",
        description=(
            "The same pipeline and data always name the same job, so creating twice is harmless. "
            "Prints the uuid and the token, tab-separated (for scripts: read UUID TOKEN)."
        ),
    )
    create.add_argument("pipeline")
    create.add_argument(
        "--data", help="the job's parameters, a JSON object (part of its identity); @FILE or - (standard input)"
    )
    create.add_argument("--owner")
    create.add_argument("--site")
    create.add_argument("--archive-path")
    create.add_argument(
        "--json", action="store_true", help="the whole answer: uuid, token, state, archive path, callback URLs"
    )

    send = commands.add_parser(
        "send",
        parents=[common],
        help="send one event and print the job's new state",
        description=(
            "Events: run, update, resource, fail, finish, index, indexed, validate, validated, reject, finalize, "
            "retire, cancel; reset and ready need an admin token (PJM_API_TOKENS). "
            "A refused event exits 3 with its code; one the manager has not applied within the server's wait "
            "prints 'pending <event id>' and exits 5."
        ),
    )
    send.add_argument("uuid")
    send.add_argument("event")
    send.add_argument("--token", help="the job's token (create prints it); required unless PJM_API_TOKENS is set")
    send.add_argument("--data", help="a JSON object recorded with the event; @FILE or - (standard input)")
    send.add_argument("--id", help="an idempotency key: the same id twice is applied once (default: a new uuid)")
    send.add_argument("--json", action="store_true", help="the verdict as JSON")

    show = commands.add_parser(
        "show", parents=[common], help="where one job is", description="Prints the job's state, version, data and more."
    )
    show.add_argument("uuid")
    show.add_argument("--json", action="store_true", help="the job document as JSON")
    return parser


def _transport(args: argparse.Namespace, env: Mapping[str, str]) -> HttpTransport:
    tokens = [t for t in env.get("PJM_API_TOKENS", "").split(",") if t != ""]
    try:
        return HttpTransport(
            server_url(env),
            nonce=env.get("PJM_NONCE") or None,
            bearer=tokens[0] if tokens else None,
            timeout=args.timeout,
            # Like pjm: a verdict the bridge did not wait for is reported (exit 5), not polled for.
            poll_pending=False,
        )
    except ValueError as bad:
        raise UsageError(f"PJM_URL: {bad}") from None


def _write_json(out: TextIO, value: Any) -> None:
    out.write(json.dumps(value) + "\n")


def _create(args: argparse.Namespace, env: Mapping[str, str], out: TextIO, err: TextIO, stdin: TextIO) -> int:
    data = read_data_flag(args.data, stdin)
    with _transport(args, env) as transport:
        created = transport.create(
            CreateRequest(
                pipeline=args.pipeline,
                data=data or {},
                owner=args.owner,
                site=args.site,
                archive_path=args.archive_path,
            )
        )
    if args.json:
        answer: Dict[str, Any] = {
            "uuid": created.uuid,
            "token": created.token,
            "pipeline": created.pipeline,
            "status": "duplicate" if created.existed else "applied",
            "state": created.state,
            "version": created.version,
            "archivePath": created.archive_path,
            "callbacks": created.callbacks,
        }
        _write_json(out, {k: v for k, v in answer.items() if v is not None})
    else:
        out.write(f"{created.uuid}\t{created.token}\n")
        if created.existed:
            err.write(f"job {created.uuid} already existed (state {created.state})\n")
    return EXIT_OK


def _send(args: argparse.Namespace, env: Mapping[str, str], out: TextIO, err: TextIO, stdin: TextIO) -> int:
    admin = env.get("PJM_API_TOKENS", "") != ""
    token = args.token or None
    if not admin and args.event in ADMIN_EVENTS:
        raise UsageError(f"{args.event} is an admin event: set PJM_API_TOKENS to an admin bearer token")
    if token is None:
        # The bridge mints an operator token for an admin's event sent without one.
        if not admin:
            raise UsageError(
                "--token is required: the job's token, as create printed it (an admin with PJM_API_TOKENS may omit it)"
            )
        token = ""
    data = read_data_flag(args.data, stdin)
    event = ClientEvent(uuid=args.uuid, token=token, name=args.event, id=args.id or str(uuidlib.uuid4()), data=data)
    with _transport(args, env) as transport:
        try:
            verdict = transport.send(event)
        except VerdictTimeout as late:
            out.write(f"pending {late.event_id}\n")
            raise
    if args.json:
        status = "duplicate" if verdict.duplicate else "applied"
        _write_json(
            out,
            {
                "uuid": args.uuid,
                "eventId": event.id,
                "status": status,
                "state": verdict.state,
                "version": verdict.version,
            },
        )
    else:
        out.write(f"{verdict.state}\n")
    return EXIT_OK


SHOWN = (
    ("uuid", "uuid"),
    ("pipeline", "pipeline"),
    ("state", "state"),
    ("version", "version"),
    ("last event", "lastEvent"),
    ("created", "created"),
    ("updated", "updated"),
    ("owner", "owner"),
    ("site", "site"),
    ("archive path", "archivePath"),
)


def _show(args: argparse.Namespace, env: Mapping[str, str], out: TextIO, err: TextIO, stdin: TextIO) -> int:
    with _transport(args, env) as transport:
        job = transport.get_job(args.uuid)
    if args.json:
        _write_json(out, job)
        return EXIT_OK
    for label, key in SHOWN:
        if job.get(key) is not None:
            out.write(f"{label + ':':<14}{job[key]}\n")
    for label, key in (("data", "data"), ("detail", "detail")):
        if job.get(key) is not None:
            out.write(f"{label + ':':<14}{json.dumps(job[key])}\n")
    return EXIT_OK


COMMANDS = {"create": _create, "send": _send, "show": _show}


def main(
    argv: Optional[Sequence[str]] = None,
    env: Optional[Mapping[str, str]] = None,
    stdout: Optional[TextIO] = None,
    stderr: Optional[TextIO] = None,
    stdin: Optional[TextIO] = None,
) -> int:
    """Runs one command and returns its exit code; never raises (but ``SystemExit`` for ``--help``)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    env = os.environ if env is None else env
    out, err, inp = stdout or sys.stdout, stderr or sys.stderr, stdin or sys.stdin
    parser = _parser()
    name = parser.prog
    try:
        args = parser.parse_args(argv)
        if args.command is None:
            out.write(parser.format_help())
            return EXIT_USAGE
        name = f"{parser.prog} {args.command}"
        if args.timeout <= 0:
            raise UsageError("--timeout must be a positive number of seconds")
        return COMMANDS[args.command](args, env, out, err, inp)
    except UsageError as usage:
        err.write(f"{name}: {usage}\n")
        return EXIT_USAGE
    except BrokenPipeError:
        return EXIT_CLOSED_OUTPUT
    except VerdictTimeout as late:
        err.write(
            f"{name}: pending: {late.message} (event id {late.event_id or 'unknown'}); "
            "it waits for an earlier event, or no manager is running\n"
        )
        return EXIT_PENDING
    except ServerUnreachable as unreachable:
        err.write(f"{name}: {unreachable.message} (is it running? set PJM_URL)\n")
        return EXIT_UNREACHABLE
    except PipelineJobsError as refused:
        err.write(f"{name}: {refused.code}: {refused.message}\n")
        if refused.code == "invalid_config":
            return EXIT_USAGE
        return EXIT_FAILURE if refused.code == "internal_error" else EXIT_REFUSED


def run() -> None:
    """The console entry point: exits with :func:`main`'s code; a closed stdout exits 141 quietly."""
    code = main()
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        code = EXIT_CLOSED_OUTPUT
    if code == EXIT_CLOSED_OUTPUT:
        # Python would otherwise complain about the closed stdout once more at exit.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    sys.exit(code)


__all__: List[str] = ["main", "run", "server_url", "read_data_flag"]
