"""The shared conformance scenario with the Python client: every step answers what the file expects.

test/integration/client-conformance.test.ts runs the same file with the TypeScript client, runs
conformance.py too, and checks that both leave identical job histories.
"""

from __future__ import annotations

import json
import unittest
from typing import Any, Dict, List

from pipelinejobs import AmqpTransport, HttpTransport, Transport

from conformance import run_scenario
from pjm_server import ADMIN_TOKEN, ROOT, PjmServer, amqp_url

SCENARIO = ROOT / "test" / "fixtures" / "conformance" / "lifecycle.json"


def load_scenario() -> Dict[str, Any]:
    with open(SCENARIO, encoding="utf-8") as f:
        return json.load(f)  # type: ignore[no-any-return]


class ConformanceTest(unittest.TestCase):
    def check(self, server: PjmServer, result: Dict[str, Any]) -> None:
        scenario = load_scenario()
        steps: List[Dict[str, Any]] = scenario["steps"]
        self.assertEqual(len(result["outcomes"]), len(steps))
        for number, (step, outcome) in enumerate(zip(steps, result["outcomes"]), start=1):
            expected = step["expect"]
            self.assertEqual({k: outcome.get(k) for k in expected}, expected, f"step {number}: {step}")
        history = server.history(result["uuid"])
        # The steps that moved the version are the history, in order.
        names, version = [], 0
        for step, outcome in zip(steps, result["outcomes"]):
            if outcome.get("version", 0) > version:
                version = outcome["version"]
                names.append("create" if step["call"] == "setup" else step.get("event", step["call"]))
        self.assertEqual([e["name"] for e in history["history"]], names)

    def test_over_http(self) -> None:
        server = PjmServer().start()
        self.addCleanup(server.stop)

        def open_transport(admin: bool) -> Transport:
            return HttpTransport(server.url, bearer=ADMIN_TOKEN if admin else None, timeout=20)

        self.check(server, run_scenario(load_scenario(), open_transport))

    def test_over_amqp(self) -> None:
        url = amqp_url()
        server = PjmServer(amqp=url).start()
        self.addCleanup(server.stop)
        prefix = server.prefix or ""

        def open_transport(admin: bool) -> Transport:
            return AmqpTransport(url, prefix=prefix, timeout=20)

        self.check(server, run_scenario(load_scenario(), open_transport))


if __name__ == "__main__":
    unittest.main()
