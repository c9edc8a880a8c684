"""Runs a conformance scenario (test/fixtures/conformance/*.json) with the Python client.

The TypeScript client runs the same file (test/integration/client-conformance.test.ts), which
also starts this script and compares the job histories both leave on their servers::

    python conformance.py SCENARIO --http URL --bearer TOKEN
    python conformance.py SCENARIO --amqp URL --prefix PREFIX

prints ``{"uuid": ..., "outcomes": [...]}``: one outcome per step, ``{state, version[,
duplicate]}`` or ``{error: code}``, in the shape the steps' ``expect`` uses.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any, Callable, Dict, List, Mapping, Optional

from pipelinejobs import AmqpTransport, ClientEvent, HttpTransport, PipelineJob, PipelineJobsError, Transport

Outcome = Dict[str, Any]


def run_scenario(scenario: Mapping[str, Any], open_transport: Callable[[bool], Transport]) -> Dict[str, Any]:
    """Plays ``scenario``'s steps; ``open_transport(admin)`` makes a new client. Returns uuid and outcomes."""
    opened: List[Transport] = []

    def client(admin: bool = False) -> Transport:
        transport = open_transport(admin)
        opened.append(transport)
        return transport

    job = PipelineJob(client(), scenario["pipeline"], scenario["data"], owner=scenario.get("owner"))
    outcomes: List[Outcome] = []
    try:
        for step in scenario["steps"]:
            try:
                outcome = _step(job, step, client)
                if step["call"] == "load":
                    job = outcome.pop("job")
            except PipelineJobsError as err:
                outcome = {"error": err.code}
            outcomes.append(outcome)
    finally:
        for transport in opened:
            transport.close()
    return {"uuid": job.uuid, "outcomes": outcomes}


def _step(job: PipelineJob, step: Mapping[str, Any], client: Callable[[bool], Transport]) -> Outcome:
    call: str = step["call"]
    data: Optional[Dict[str, Any]] = step.get("data")
    if call == "setup":
        return {"state": job.setup(), "version": job.version}
    if call == "load":
        assert job.uuid is not None and job.token is not None
        loaded = PipelineJob.load(client(False), job.uuid, job.token, pipeline=job.pipeline, data=job.data)
        return {"state": loaded.state, "version": loaded.version, "job": loaded}
    name = step.get("event", call) if call == "send" else call
    if step.get("admin"):
        assert job.uuid is not None and job.token is not None
        job = PipelineJob.load(client(True), job.uuid, job.token, pipeline=job.pipeline, data=job.data)
    if "id" in step:
        assert job.uuid is not None and job.token is not None
        verdict = job.transport.send(ClientEvent(uuid=job.uuid, token=job.token, name=name, id=step["id"], data=data))
        return {"state": verdict.state, "version": verdict.version, "duplicate": verdict.duplicate}
    return {"state": job.send(name, data), "version": job.version}


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("scenario")
    parser.add_argument("--http", metavar="URL")
    parser.add_argument("--bearer", help="the admin bearer token (HTTP)")
    parser.add_argument("--amqp", metavar="URL")
    parser.add_argument("--prefix", default="pipelinejobs")
    args = parser.parse_args(argv)
    with open(args.scenario, encoding="utf-8") as f:
        scenario = json.load(f)
    if args.http is not None:
        url: str = args.http

        def open_transport(admin: bool) -> Transport:
            return HttpTransport(url, bearer=args.bearer if admin else None, timeout=20)

    elif args.amqp is not None:
        amqp_url: str = args.amqp

        def open_transport(admin: bool) -> Transport:
            return AmqpTransport(amqp_url, prefix=args.prefix, timeout=20)

    else:
        parser.error("give --http URL or --amqp URL")
    json.dump(run_scenario(scenario, open_transport), sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
