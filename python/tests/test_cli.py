"""``python -m pipelinejobs``: the status reporter, with pjm's exit codes, against a real ``pjm serve``."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import time
import unittest
from typing import Dict, List, Optional

import pipelinejobs

from pjm_server import ADMIN_TOKEN, PjmServer, built_pjm, free_port

#: Where this test found the package, so the child process imports the same one.
PACKAGE_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(pipelinejobs.__file__)))


class CliTest(unittest.TestCase):
    server: PjmServer

    @classmethod
    def setUpClass(cls) -> None:
        cls.server = PjmServer(env={"PJM_WAIT_TIMEOUT_MS": "500"}).start()

    @classmethod
    def tearDownClass(cls) -> None:
        cls.server.stop()

    def cli(
        self, *args: str, env: Optional[Dict[str, str]] = None, stdin: str = ""
    ) -> "subprocess.CompletedProcess[str]":
        base = {k: v for k, v in os.environ.items() if not k.startswith("PJM_")}
        full = {**base, "PYTHONPATH": PACKAGE_ROOT, "PJM_URL": self.server.url, **(env or {})}
        return subprocess.run(
            [sys.executable, "-m", "pipelinejobs", *args],
            env=full,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=60,
        )

    def created(self, *extra: str) -> List[str]:
        done = self.cli("create", "py-cli", "--data", json.dumps({"sample": f"cli-{time.time_ns()}"}), *extra)
        self.assertEqual(done.returncode, 0, done.stderr)
        return done.stdout.strip().split("\t")

    def test_create_send_show(self) -> None:
        uuid, token = self.created("--owner", "alice")
        ran = self.cli("send", uuid, "run", "--token", token, "--data", '{"host": "node7"}')
        self.assertEqual((ran.returncode, ran.stdout), (0, "RUNNING\n"), ran.stderr)
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
            json.dump({"progress": 0.5}, f)
        self.addCleanup(os.unlink, f.name)
        self.assertEqual(self.cli("send", uuid, "update", "--token", token, "--data", f"@{f.name}").stdout, "RUNNING\n")
        piped = self.cli("send", uuid, "update", "--token", token, "--data", "-", "--json", stdin='{"progress": 0.9}')
        self.assertEqual(piped.returncode, 0, piped.stderr)
        self.assertEqual(
            {k: v for k, v in json.loads(piped.stdout).items() if k != "eventId"},
            {"uuid": uuid, "status": "applied", "state": "RUNNING", "version": 4},
        )
        self.assertEqual(self.cli("send", uuid, "finish", "--token", token).stdout, "FINISHED\n")
        history = self.server.history(uuid)["history"]
        self.assertEqual(
            [e["data"] for e in history[1:]], [{"host": "node7"}, {"progress": 0.5}, {"progress": 0.9}, None]
        )

        shown = self.cli("show", uuid)
        self.assertEqual(shown.returncode, 0, shown.stderr)
        self.assertIn("state:        FINISHED\n", shown.stdout)
        self.assertIn("owner:        alice\n", shown.stdout)
        self.assertEqual(json.loads(self.cli("show", uuid, "--json").stdout)["version"], 5)

    def test_create_again_says_the_job_existed(self) -> None:
        data = json.dumps({"sample": f"cli-again-{time.time_ns()}"})
        first = self.cli("create", "py-cli", "--data", data)
        again = self.cli("create", "py-cli", "--data", data)
        self.assertEqual(again.stdout, first.stdout, "the same uuid and token")
        self.assertIn("already existed (state CREATED)", again.stderr)
        answer = json.loads(self.cli("create", "py-cli", "--data", data, "--json").stdout)
        self.assertEqual((answer["status"], answer["state"]), ("duplicate", "CREATED"))
        self.assertIn("agave", answer["callbacks"])

    def test_same_id_twice_is_applied_once(self) -> None:
        uuid, token = self.created()
        event_id = "0b9b5a8e-7a9f-4f58-9d7e-0c51f0a5e2aa"
        for _ in range(2):
            self.assertEqual(self.cli("send", uuid, "update", "--token", token, "--id", event_id).returncode, 0)
        self.assertEqual(self.server.history_names(uuid), ["create", "update"])

    def test_refused_exits_3_with_the_code(self) -> None:
        uuid, token = self.created()
        self.cli("send", uuid, "run", "--token", token)
        refused = self.cli("send", uuid, "cancel", "--token", token)
        self.assertEqual(refused.returncode, 3)
        self.assertIn("send: illegal_transition: ", refused.stderr)
        wrong = self.cli("send", uuid, "finish", "--token", "jd9mwb0vv.forged")
        self.assertEqual(wrong.returncode, 3)
        self.assertIn("token_invalid", wrong.stderr)

    def test_usage_errors_exit_2_and_send_nothing(self) -> None:
        uuid, _ = self.created()
        for args, why in (
            (["send", uuid, "run"], "--token is required"),
            (["send", uuid, "reset", "--token", "t"], "reset is an admin event"),
            (["send", uuid, "run", "--token", "t", "--data", "[1]"], "--data must be a JSON object"),
            (["send", uuid, "run", "--token", "t", "--data", "{oops"], "--data is not JSON"),
            (
                ["send", uuid, "run", "--token", "t", "--data", "@/nonexistent/file.json"],
                "cannot read /nonexistent/file.json",
            ),
            (["send", uuid], "required: event"),
            (["bogus"], "invalid choice"),
        ):
            done = self.cli(*args)
            self.assertEqual(done.returncode, 2, f"{args}: {done.stderr}")
            self.assertIn(why, done.stderr)
        self.assertEqual(self.server.history_names(uuid), ["create"])

    def test_admin_events_with_pjm_api_tokens(self) -> None:
        uuid, token = self.created()
        self.cli("send", uuid, "run", "--token", token)
        reset = self.cli("send", uuid, "reset", env={"PJM_API_TOKENS": ADMIN_TOKEN})
        self.assertEqual((reset.returncode, reset.stdout), (0, "RESET\n"), reset.stderr)

    def test_unreachable_exits_4(self) -> None:
        started = time.monotonic()
        url = f"http://127.0.0.1:{free_port()}"
        down = self.cli("send", "00000000-0000-4000-8000-000000000000", "run", "--token", "t", env={"PJM_URL": url})
        self.assertEqual(down.returncode, 4, down.stderr)
        self.assertIn("cannot reach the bridge", down.stderr)
        self.assertLess(time.monotonic() - started, 10)

    def test_pending_exits_5(self) -> None:
        uuid, token = self.created()
        pending = self.cli("send", uuid, "finish", "--token", token)
        self.assertEqual(pending.returncode, 5, pending.stderr)
        self.assertRegex(pending.stdout, r"^pending [0-9a-f-]{36}\n$")
        self.assertIn("pending: ", pending.stderr)

    def test_server_url_from_the_serve_variables(self) -> None:
        port = self.server.url.rsplit(":", 1)[1]
        uuid, _ = self.created()
        shown = self.cli("show", uuid, env={"PJM_URL": "", "PJM_HTTP_HOST": "0.0.0.0", "PJM_HTTP_PORT": port})
        self.assertEqual(shown.returncode, 0, shown.stderr)

    def test_exit_codes_are_pjms(self) -> None:
        def table(help_text: str) -> List[List[str]]:
            return [
                [code, meaning]
                for code, meaning in re.findall(r"^  (\d+)\s{2,}(\S+)", help_text.split("xit codes:")[1], re.M)
            ]

        pjm = subprocess.run([*built_pjm(), "--help"], capture_output=True, text=True, timeout=60).stdout
        ours = self.cli("--help").stdout
        self.assertEqual(table(ours), table(pjm))
        self.assertEqual(len(table(ours)), 7)

    def test_closed_stdout_exits_141(self) -> None:
        uuid, _ = self.created()
        env = {**os.environ, "PYTHONPATH": PACKAGE_ROOT, "PJM_URL": self.server.url}
        script = f'"{sys.executable}" -m pipelinejobs show {uuid} | true; echo "${{PIPESTATUS[0]}}"'
        done = subprocess.run(["bash", "-c", script], env=env, capture_output=True, text=True, timeout=60)
        self.assertEqual(done.stdout.strip(), "141", done.stderr)
        self.assertEqual(done.stderr, "", "quietly")


if __name__ == "__main__":
    unittest.main()
