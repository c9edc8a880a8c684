"""The Python client over RabbitMQ (pika), against a real ``pjm serve`` taking events from the broker.

Skipped without ``PJM_TEST_AMQP_URL`` (or without pika); with ``PJM_REQUIRE_SERVICES=1`` that
is a failure instead, as in the TypeScript suites.
"""

from __future__ import annotations

import itertools
import os
import time
import unittest
import uuid as uuidlib
from typing import Any, Dict
from urllib.parse import urlsplit, urlunsplit

from pipelinejobs import AmqpTransport, ClientEvent, PipelineJob, PipelineJobsError, ServerUnreachable, VerdictTimeout

from pjm_server import PjmServer, TcpProxy, amqp_url, free_port, unique_name

_counter = itertools.count()


def fresh(**extra: Any) -> Dict[str, Any]:
    """Data no other test uses, so every job is new."""
    return {"sample": f"py-{os.getpid()}-{time.time_ns()}-{next(_counter)}", **extra}


def with_port(url: str, port: int) -> str:
    """``url`` pointing at another port of the same host."""
    parts = urlsplit(url)
    credentials = parts.netloc.rsplit("@", 1)[0] + "@" if "@" in parts.netloc else ""
    return urlunsplit((parts.scheme, f"{credentials}127.0.0.1:{port}", parts.path, parts.query, parts.fragment))


class AmqpClientTest(unittest.TestCase):
    server: PjmServer
    url: str

    @classmethod
    def setUpClass(cls) -> None:
        cls.url = amqp_url()
        cls.server = PjmServer(amqp=cls.url).start()

    @classmethod
    def tearDownClass(cls) -> None:
        cls.server.stop()

    def transport(self, url: str = "", **options: Any) -> AmqpTransport:
        options.setdefault("prefix", self.server.prefix)
        options.setdefault("timeout", 20)
        transport = AmqpTransport(url or self.url, **options)
        self.addCleanup(transport.close)
        return transport

    def test_readme_tour_lifecycle(self) -> None:
        job = PipelineJob(self.transport(callback_base="https://jobs.example.org/"), "demo", fresh())
        self.assertEqual(job.setup(), "CREATED")
        self.assertEqual(job.run({"note": "started"}), "RUNNING")
        for progress in (0.5, 0.75, 0.9):
            self.assertEqual(job.update({"progress": progress}), "RUNNING")
        assert job.uuid is not None and job.token is not None
        self.assertEqual(job.archive_path, f"/products/v2/demo/{job.uuid.replace('-', '')}")
        callbacks = job.callbacks
        assert callbacks is not None
        self.assertTrue(callbacks["events"].startswith(f"https://jobs.example.org/events?uuid={job.uuid}&token="))

        later = PipelineJob.load(self.transport(), job.uuid, job.token)
        with self.assertRaises(PipelineJobsError) as no_base:
            later.agave_notifications()
        self.assertEqual(
            no_base.exception.code, "invalid_config", "without a callback_base the bus has no URL to hand out"
        )
        self.assertIsNone(later.state, "the bus cannot be read: the state is unknown until the next event")
        self.assertEqual(later.finish({"result": "ok"}), "FINISHED")
        self.assertEqual(later.version, 6)
        history = self.server.history(job.uuid)["history"]
        self.assertEqual([e["name"] for e in history], ["create", "run", "update", "update", "update", "finish"])
        self.assertEqual({e["source"] for e in history}, {"amqp"})

        hinted = PipelineJob.load(self.transport(), job.uuid, job.token, pipeline="demo", data=job.data)
        self.assertEqual(
            (hinted.state, hinted.version), ("FINISHED", 6), "with pipeline and data the manager says the state"
        )
        self.assertEqual(
            self.server.history_names(job.uuid),
            ["create", "run", "update", "update", "update", "finish"],
            "loading created nothing",
        )

    def test_setup_is_idempotent_for_the_same_broker_user(self) -> None:
        data = fresh()
        first = PipelineJob(self.transport(), "py-idem", data)
        first.run()
        again = PipelineJob(self.transport(), "py-idem", data)
        self.assertEqual(again.setup(), "RUNNING")
        self.assertEqual((again.uuid, again.token), (first.uuid, first.token))

    def test_illegal_transition(self) -> None:
        job = PipelineJob(self.transport(), "py-illegal", fresh())
        job.run()
        with self.assertRaises(PipelineJobsError) as refused:
            job.cancel()
        self.assertEqual(refused.exception.code, "illegal_transition")
        self.assertEqual(refused.exception.details["uuid"], job.uuid)
        assert job.uuid is not None
        self.assertEqual(self.server.history_names(job.uuid), ["create", "run"])

    def test_wrong_token(self) -> None:
        mine = PipelineJob(self.transport(), "py-token", fresh())
        other = PipelineJob(self.transport(), "py-token", fresh())
        mine.setup()
        other.setup()
        assert mine.uuid is not None and other.token is not None
        with self.assertRaises(PipelineJobsError) as refused:
            PipelineJob.load(self.transport(), mine.uuid, other.token).run()
        self.assertEqual(refused.exception.code, "token_invalid")
        self.assertEqual(self.server.history_names(mine.uuid), ["create"])

    def test_reset_and_ready_with_the_job_token(self) -> None:
        job = PipelineJob(self.transport(), "py-admin", fresh())
        job.run()
        job.finish()
        self.assertEqual(job.reset(), "RESET")
        self.assertEqual(job.ready(), "CREATED")
        self.assertEqual(job.cancel(), "CANCELLED")

    def test_an_event_id_is_applied_once(self) -> None:
        transport = self.transport()
        job = PipelineJob(transport, "py-retry", fresh())
        job.run()
        assert job.uuid is not None and job.token is not None
        event = ClientEvent(uuid=job.uuid, token=job.token, name="update", id=str(uuidlib.uuid4()), data={"n": 1})
        self.assertFalse(transport.send(event).duplicate)
        self.assertTrue(transport.send(event).duplicate)
        self.assertEqual(self.server.history_names(job.uuid), ["create", "run", "update"])

    def test_no_reply_in_time_then_the_same_id_applies_once(self) -> None:
        job = PipelineJob(self.transport(timeout=1.0), "py-late", fresh())
        job.setup()
        started = time.monotonic()
        with self.assertRaises(VerdictTimeout) as late:
            job.finish()  # before run: the manager defers it, no reply within the second
        self.assertLess(time.monotonic() - started, 2.5)
        err = late.exception
        self.assertEqual((err.event, err.uuid), ("finish", job.uuid))
        self.assertIn("may still be applied", err.message)
        self.assertEqual(job.run(), "RUNNING")
        self.assertEqual(job.finish(event_id=err.event_id), "FINISHED")
        time.sleep(1.0)  # past the deferred copy's next retry
        assert job.uuid is not None
        self.assertEqual(self.server.history_names(job.uuid), ["create", "run", "finish"])

    def test_a_connection_lost_while_idle_is_replaced(self) -> None:
        port = urlsplit(self.url).port or 5672
        proxy = TcpProxy(port)
        self.addCleanup(proxy.close)
        job = PipelineJob(self.transport(with_port(self.url, proxy.port)), "py-idle", fresh())
        job.run()
        proxy.cut()  # as a broker does with a client that missed its heartbeats
        self.assertEqual(job.finish(), "FINISHED")
        self.assertEqual(proxy.connections, 2)
        assert job.uuid is not None
        self.assertEqual(self.server.history_names(job.uuid), ["create", "run", "finish"])

    def test_a_broker_that_is_down(self) -> None:
        transport = self.transport(with_port(self.url, free_port()), timeout=10)
        started = time.monotonic()
        with self.assertRaises(ServerUnreachable) as down:
            PipelineJob(transport, "py-down", fresh()).setup()
        self.assertLess(time.monotonic() - started, 3.0)
        self.assertEqual(down.exception.code, "bus_unavailable")
        self.assertIn(
            "cannot connect to amqp://127.0.0.1:", down.exception.message, "the URL is shown without its password"
        )

    def test_a_prefix_no_manager_uses(self) -> None:
        transport = self.transport(prefix=unique_name("nobody"))
        with self.assertRaises(ServerUnreachable) as missing:
            PipelineJob(transport, "py-nobody", fresh()).setup()
        self.assertIn("does not exist: no manager has run with prefix", missing.exception.message)


if __name__ == "__main__":
    unittest.main()
