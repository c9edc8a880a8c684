"""The Python client over HTTP, against a real ``pjm serve`` (embedded) started by the test."""

from __future__ import annotations

import itertools
import json
import os
import socket
import threading
import time
import unittest
import urllib.request
import uuid as uuidlib
from typing import Any, Dict

from pipelinejobs import (
    ClientEvent,
    HttpTransport,
    PipelineJob,
    PipelineJobsError,
    ServerUnreachable,
    VerdictTimeout,
    job_callbacks,
)

from pjm_server import ADMIN_TOKEN, PjmServer, TcpProxy, free_port

_counter = itertools.count()


def fresh(**extra: Any) -> Dict[str, Any]:
    """Data no other test uses, so every job is new."""
    return {"sample": f"py-{os.getpid()}-{time.time_ns()}-{next(_counter)}", **extra}


class HttpClientTest(unittest.TestCase):
    server: PjmServer

    @classmethod
    def setUpClass(cls) -> None:
        # A short bridge wait, so an event the manager defers answers 202 pending quickly.
        cls.server = PjmServer(env={"PJM_WAIT_TIMEOUT_MS": "500"}).start()

    @classmethod
    def tearDownClass(cls) -> None:
        cls.server.stop()

    def transport(self, url: str = "", **options: Any) -> HttpTransport:
        transport = HttpTransport(url or self.server.url, **options)
        self.addCleanup(transport.close)
        return transport

    def test_readme_tour_lifecycle(self) -> None:
        """The README tour's job: create, run, three updates, then another process finishes it."""
        job = PipelineJob(self.transport(), "demo", fresh())
        self.assertEqual(job.setup(), "CREATED")
        self.assertRegex(job.uuid or "", r"^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
        self.assertRegex(job.token or "", r"^[0-9a-z]+\.[A-Za-z0-9_-]+$")
        self.assertEqual(job.archive_path, f"/products/v2/demo/{(job.uuid or '').replace('-', '')}")
        self.assertEqual(job.run({"note": "started"}), "RUNNING")
        self.assertEqual(job.update({"progress": 0.5}), "RUNNING")
        self.assertEqual(job.update({"progress": 0.75}), "RUNNING")
        self.assertEqual(job.update({"progress": 0.9}), "RUNNING")
        assert job.uuid is not None and job.token is not None

        later = PipelineJob.load(self.transport(), job.uuid, job.token)
        self.assertEqual((later.state, later.version, later.pipeline, later.data), ("RUNNING", 5, "demo", job.data))
        self.assertEqual(later.finish({"result": "ok"}), "FINISHED")
        self.assertEqual(later.version, 6)
        history = self.server.history(job.uuid)
        self.assertEqual(
            [e["name"] for e in history["history"]], ["create", "run", "update", "update", "update", "finish"]
        )
        self.assertEqual(history["history"][5]["data"], {"result": "ok"})
        self.assertEqual({e["source"] for e in history["history"]}, {"http"})

        self.assertEqual(later.callbacks, job.callbacks, "the callbacks built on load are the bridge's own")
        callbacks = job.callbacks
        assert callbacks is not None
        self.assertEqual(job.callback, callbacks["events"])
        self.assertEqual(job.agave_notifications(), callbacks["agave"]["notifications"])
        self.assertEqual([n["event"] for n in callbacks["agave"]["notifications"]], ["RUNNING", "FINISHED", "FAILED"])
        self.assertTrue(callbacks["agave"]["notifications"][0]["url"].endswith("&status=${JOB_STATUS}"))
        self.assertIn(f"--comment=pjm:{job.uuid}:{job.token}", callbacks["slurm"]["sbatch"])

    def test_setup_is_idempotent(self) -> None:
        data = fresh()
        first = PipelineJob(self.transport(), "py-idem", data, owner="alice")
        first.setup()
        first.run()
        again = PipelineJob(self.transport(), "py-idem", data)
        self.assertEqual(again.setup(), "RUNNING", "the same pipeline and data name the same job")
        self.assertEqual((again.uuid, again.token), (first.uuid, first.token))
        assert first.uuid is not None
        self.assertEqual(self.server.history_names(first.uuid), ["create", "run"])

    def test_setup_merges_data_like_sd2e(self) -> None:
        job = PipelineJob(self.transport(), "py-merge", {"sample": "x"})
        self.assertEqual(job.setup(fresh()), "CREATED")
        self.assertEqual(job.data and sorted(job.data), ["sample"])
        with self.assertRaises(PipelineJobsError) as refused:
            job.setup({"other": 1})
        self.assertEqual(refused.exception.code, "schema_violation")

    def test_illegal_transition_keeps_the_job(self) -> None:
        job = PipelineJob(self.transport(), "py-illegal", fresh())
        job.run()
        with self.assertRaises(PipelineJobsError) as refused:
            job.cancel()
        err = refused.exception
        self.assertEqual(err.code, "illegal_transition")
        self.assertEqual(err.details["uuid"], job.uuid)
        self.assertRegex(err.details["eventId"], r"^[0-9a-f-]{36}$")
        self.assertEqual(job.state, "RUNNING")
        assert job.uuid is not None
        self.assertEqual(self.server.history(job.uuid)["state"], "RUNNING")

    def test_wrong_token_is_refused(self) -> None:
        mine = PipelineJob(self.transport(), "py-token", fresh())
        other = PipelineJob(self.transport(), "py-token", fresh())
        mine.setup()
        other.setup()
        assert mine.uuid is not None and other.token is not None
        forged = PipelineJob.load(self.transport(), mine.uuid, other.token)
        with self.assertRaises(PipelineJobsError) as refused:
            forged.run()
        self.assertEqual(refused.exception.code, "token_invalid")
        self.assertEqual(self.server.history_names(mine.uuid), ["create"])

    def test_load_of_unknown_job(self) -> None:
        with self.assertRaises(PipelineJobsError) as refused:
            PipelineJob.load(self.transport(), str(uuidlib.uuid4()), "x.y")
        self.assertEqual(refused.exception.code, "unknown_job")

    def test_heartbeat_recorded_once_then_counted(self) -> None:
        job = PipelineJob(self.transport(), "py-heartbeat", fresh())
        job.run()
        self.assertEqual(job.heartbeat({"alive": True}), "RUNNING")
        self.assertEqual(job.heartbeat(), "RUNNING")
        assert job.uuid is not None
        self.assertEqual(self.server.history_names(job.uuid), ["create", "run", "heartbeat"])
        job.finish()
        with self.assertRaises(PipelineJobsError) as refused:
            job.heartbeat()
        self.assertEqual(refused.exception.code, "job_not_live")

    def test_admin_reset_and_ready(self) -> None:
        job = PipelineJob(self.transport(), "py-admin", fresh())
        job.run()
        job.finish()
        with self.assertRaises(PipelineJobsError) as refused:
            job.reset()
        self.assertEqual(refused.exception.code, "credentials_missing")
        assert job.uuid is not None and job.token is not None
        admin = PipelineJob.load(self.transport(bearer=ADMIN_TOKEN), job.uuid, job.token)
        self.assertEqual(admin.reset({"why": "rerun"}), "RESET")
        self.assertEqual(admin.ready(), "CREATED")
        self.assertEqual(admin.run(), "RUNNING")
        self.assertEqual(self.server.history_names(job.uuid), ["create", "run", "finish", "reset", "ready", "run"])
        with self.assertRaises(TypeError):
            admin.reset(ADMIN_TOKEN)  # type: ignore[arg-type]  # SD2E's reset(token): the credential is the transport's

    def test_job_exists_for_another_credential(self) -> None:
        nonce = _admin_post(self.server.url, "/nonces", {"scope": "all"})["value"]
        owner = self.transport(nonce=nonce)
        stranger = self.transport()
        data = fresh()
        mine = PipelineJob(owner, "py-owned", data)
        self.assertEqual(mine.setup(), "CREATED")
        with self.assertRaises(PipelineJobsError) as refused:
            PipelineJob(stranger, "py-owned", data).setup()
        self.assertEqual(refused.exception.code, "job_exists")
        self.assertEqual(refused.exception.details["uuid"], mine.uuid)
        assert mine.uuid is not None and mine.token is not None
        self.assertEqual(
            PipelineJob.load(stranger, mine.uuid, mine.token).run(), "RUNNING", "whoever holds the token may use it"
        )
        assert mine.callbacks is not None
        self.assertIn(f"x-nonce={nonce}", mine.callbacks["events"], "an all-scope nonce is embedded in the callbacks")

    def test_an_event_id_is_applied_once(self) -> None:
        job = PipelineJob(self.transport(), "py-retry", fresh())
        job.run()
        event_id = str(uuidlib.uuid4())
        self.assertEqual(job.update({"n": 1}, event_id=event_id), "RUNNING")
        assert job.uuid is not None and job.token is not None
        verdict = job.transport.send(
            ClientEvent(uuid=job.uuid, token=job.token, name="update", id=event_id, data={"n": 1})
        )
        self.assertTrue(verdict.duplicate)
        self.assertEqual(self.server.history_names(job.uuid), ["create", "run", "update"])

    def test_a_lost_answer_is_retried_under_the_same_id_and_applied_once(self) -> None:
        port = int(self.server.url.rsplit(":", 1)[1])
        proxy = TcpProxy(port)
        self.addCleanup(proxy.close)
        transport = self.transport(url=f"http://127.0.0.1:{proxy.port}")
        job = PipelineJob(transport, "py-lost", fresh())
        job.setup()
        # The bridge applies the run, but its answer never reaches the client: the transport
        # retries on a new connection, and the manager recognises the id.
        proxy.drop_answers(1)
        assert job.uuid is not None and job.token is not None
        verdict = transport.send(
            ClientEvent(uuid=job.uuid, token=job.token, name="run", id=str(uuidlib.uuid4()), data={"attempt": "once"})
        )
        self.assertEqual(
            (verdict.state, verdict.duplicate), ("RUNNING", True), "the retry found its first copy applied"
        )
        history = self.server.history(job.uuid)["history"]
        self.assertEqual([e["name"] for e in history], ["create", "run"])
        self.assertEqual(proxy.connections, 2, "the run went out again on a new connection")

    def test_a_kept_alive_connection_the_server_closed_is_replaced(self) -> None:
        port = int(self.server.url.rsplit(":", 1)[1])
        proxy = TcpProxy(port)
        self.addCleanup(proxy.close)
        job = PipelineJob(self.transport(url=f"http://127.0.0.1:{proxy.port}", retries=0), "py-keepalive", fresh())
        job.setup()
        job.run()
        self.assertEqual(proxy.connections, 1, "one kept-alive connection")
        proxy.cut()
        self.assertEqual(job.finish(), "FINISHED", "no retries needed: a closed idle connection is reopened at once")
        self.assertEqual(proxy.connections, 2)

    def test_a_pending_verdict_times_out_then_the_same_id_applies_once(self) -> None:
        job = PipelineJob(self.transport(timeout=1.5), "py-pending", fresh())
        job.setup()
        # finish before run: the manager defers it, the bridge answers 202 pending after its
        # wait, the transport polls the history until its own deadline.
        started = time.monotonic()
        with self.assertRaises(VerdictTimeout) as late:
            job.finish({"exit": 0})
        self.assertLess(time.monotonic() - started, 3.0)
        err = late.exception
        self.assertEqual((err.code, err.event, err.uuid), ("verdict_timeout", "finish", job.uuid))
        self.assertIn("may still be applied", err.message)
        self.assertEqual(job.run(), "RUNNING")
        # Re-sent under its id: whichever copy comes first applies, the other is a duplicate.
        self.assertEqual(job.finish({"exit": 0}, event_id=err.event_id), "FINISHED")
        assert job.uuid is not None
        time.sleep(1.0)  # past the deferred copy's next retry
        self.assertEqual(self.server.history_names(job.uuid), ["create", "run", "finish"])
        self.assertEqual(job.refresh(), "FINISHED")

    def test_a_bridge_lost_while_polling_is_a_verdict_timeout(self) -> None:
        server = PjmServer(env={"PJM_WAIT_TIMEOUT_MS": "300"}).start()
        self.addCleanup(server.stop)
        job = PipelineJob(self.transport(server.url, timeout=20, retries=1), "py-lost-bridge", fresh())
        job.setup()
        stopper = threading.Timer(1.0, server.stop)
        self.addCleanup(stopper.cancel)
        stopper.start()
        started = time.monotonic()
        with self.assertRaises(VerdictTimeout) as late:
            job.finish()  # deferred, pending, polled for until the bridge goes away
        self.assertLess(time.monotonic() - started, 15)
        self.assertEqual(late.exception.event, "finish", "the finish is on the bus: not 'nothing was accepted'")

    def test_pending_without_polling_raises_at_once(self) -> None:
        job = PipelineJob(self.transport(poll_pending=False), "py-nopoll", fresh())
        job.setup()
        started = time.monotonic()
        with self.assertRaises(VerdictTimeout) as late:
            job.finish()
        self.assertLess(time.monotonic() - started, 2.0, "right after the bridge's 0.5 s wait")
        self.assertIn("no verdict within the bridge's wait", late.exception.message)

    def test_a_server_that_is_down(self) -> None:
        transport = self.transport(url=f"http://127.0.0.1:{free_port()}", timeout=10)
        started = time.monotonic()
        with self.assertRaises(ServerUnreachable) as down:
            PipelineJob(transport, "py-down", fresh()).setup()
        self.assertLess(time.monotonic() - started, 3.0, "three quick retries, not the whole timeout")
        self.assertEqual(down.exception.code, "bus_unavailable")
        self.assertIn("cannot reach the bridge at http://127.0.0.1:", down.exception.message)
        with self.assertRaises(ServerUnreachable):
            PipelineJob.load(transport, str(uuidlib.uuid4()), "x.y")

    def test_a_server_that_never_answers(self) -> None:
        # A listening socket nobody accepts from: connections succeed, no answer ever comes.
        silent = socket.create_server(("127.0.0.1", 0))
        self.addCleanup(silent.close)
        transport = self.transport(url=f"http://127.0.0.1:{silent.getsockname()[1]}", timeout=1.0)
        started = time.monotonic()
        with self.assertRaises(VerdictTimeout) as late:
            PipelineJob(transport, "py-silent", fresh()).setup()
        self.assertEqual(late.exception.event, "create")
        with self.assertRaises(VerdictTimeout):
            transport.send(ClientEvent(uuid=str(uuidlib.uuid4()), token="x.y", name="run", id=str(uuidlib.uuid4())))
        with self.assertRaises(ServerUnreachable) as unanswered:
            transport.get_job(str(uuidlib.uuid4()))
        self.assertIn("did not answer within 1 s", unanswered.exception.message)
        self.assertLess(time.monotonic() - started, 4.5, "each call is bounded by its timeout")

    def test_a_closed_transport(self) -> None:
        transport = HttpTransport(self.server.url)
        transport.close()
        with self.assertRaises(ServerUnreachable) as closed:
            PipelineJob(transport, "py-closed", fresh()).setup()
        self.assertIn("closed", closed.exception.message)

    def test_callbacks_encode_like_the_bridge(self) -> None:
        callbacks = job_callbacks("https://jobs.example.org/", "u", "t", "a b~*")
        self.assertEqual(callbacks["events"], "https://jobs.example.org/events?uuid=u&token=t&x-nonce=a+b%7E*")


def _admin_post(url: str, path: str, body: Dict[str, Any]) -> Dict[str, Any]:
    request = urllib.request.Request(
        f"{url}{path}",
        data=json.dumps(body).encode(),
        method="POST",
        headers={"content-type": "application/json", "authorization": f"Bearer {ADMIN_TOKEN}"},
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        return json.load(answer)  # type: ignore[no-any-return]


if __name__ == "__main__":
    unittest.main()
