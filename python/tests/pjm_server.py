"""Real services for the tests: ``pjm serve`` (built from this repository), RabbitMQ, TCP proxies."""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import unittest
import urllib.request
from pathlib import Path
from typing import Any, Dict, List, Optional

ROOT = Path(__file__).resolve().parents[2]
#: The admin bearer token every test server accepts (PJM_API_TOKENS).
ADMIN_TOKEN = "python-client-admin-token-0123456789"
#: Short deferral delays, so a deferred event is retried (and dead-lettered) quickly.
DEFER_DELAYS_MS = "200,400,800,1600,3200"


def services_required() -> bool:
    """True when CI demands that every service-backed test really runs (``PJM_REQUIRE_SERVICES=1``)."""
    return os.environ.get("PJM_REQUIRE_SERVICES") == "1"


def amqp_url() -> str:
    """The RabbitMQ URL for the AMQP tests, with pika importable; else SkipTest, or a failure when required."""
    url = os.environ.get("PJM_TEST_AMQP_URL", "")
    problem = None
    if url == "":
        problem = "PJM_TEST_AMQP_URL is not set: set it to a RabbitMQ server, e.g. amqp://guest:guest@127.0.0.1:5672"
    else:
        try:
            import pika  # noqa: F401
        except ImportError:
            problem = "pika is not importable: apt-get install python3-pika and run the tests with /usr/bin/python3"
    if problem is None:
        return url
    if services_required():
        raise AssertionError(f"PJM_REQUIRE_SERVICES=1 but {problem}")
    raise unittest.SkipTest(problem)


def unique_name(prefix: str) -> str:
    """A name unique to this test run, for throwaway exchanges and queues."""
    return f"{prefix}_{os.getpid()}_{secrets.token_hex(4)}"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on at the moment of asking."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def built_pjm() -> List[str]:
    """The command that runs ``pjm`` as installed (``bin/pjm.js`` runs ``dist/``)."""
    node = os.environ.get("PJM_TEST_NODE") or shutil.which("node")
    if node is None:
        raise AssertionError("node is not on PATH: the tests run a real pjm server (Node.js >= 20.19)")
    if not (ROOT / "dist" / "cli" / "pjm.js").exists():
        raise AssertionError(f"{ROOT / 'dist'} is missing: run npm ci && npm run build in {ROOT} first")
    return [node, str(ROOT / "bin" / "pjm.js")]


class PjmServer:
    """A real ``pjm serve`` in a fresh data directory, on a port it picks.

    Embedded by default; with ``amqp`` it also takes events from RabbitMQ under a unique
    ``PJM_AMQP_PREFIX`` (:attr:`prefix`), whose exchanges and queues :meth:`stop` deletes.
    """

    def __init__(self, *, amqp: Optional[str] = None, env: Optional[Dict[str, str]] = None) -> None:
        self.amqp = amqp
        self.prefix = unique_name("pjmpy") if amqp is not None else None
        self.url = ""
        self._extra = env or {}
        self._dir = tempfile.mkdtemp(prefix="pjm-python-")
        self._log_path = os.path.join(self._dir, "serve.log")
        self._process: Optional[subprocess.Popen[bytes]] = None

    def start(self) -> "PjmServer":
        env = {
            **os.environ,
            "PJM_DATA_DIR": os.path.join(self._dir, "data"),
            "PJM_HTTP_PORT": "0",
            "PJM_LOG_FORMAT": "json",
            "PJM_API_TOKENS": ADMIN_TOKEN,
            "PJM_DEFER_DELAYS_MS": DEFER_DELAYS_MS,
            **self._extra,
        }
        env.pop("PJM_URL", None)
        if self.amqp is not None and self.prefix is not None:
            env["PJM_AMQP_URL"] = self.amqp
            env["PJM_AMQP_PREFIX"] = self.prefix
        with open(self._log_path, "wb") as log:
            self._process = subprocess.Popen(
                built_pjm() + ["serve"],
                cwd=ROOT,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            found = re.search(r"HTTP API at (http://\S+) ", self.log())
            if found is not None and _healthy(found.group(1)):
                self.url = found.group(1)
                return self
            if self._process.poll() is not None:
                break
            time.sleep(0.1)
        self.stop()
        raise AssertionError(f"pjm serve did not start:\n{self.log()[-4000:]}")

    def log(self) -> str:
        """What the server wrote so far (JSON lines)."""
        with open(self._log_path, encoding="utf-8", errors="replace") as f:
            return f.read()

    def history(self, uuid: str) -> Dict[str, Any]:
        """``GET /jobs/<uuid>/history`` straight from the server, without the client under test."""
        with urllib.request.urlopen(f"{self.url}/jobs/{uuid}/history", timeout=10) as answer:
            history: Dict[str, Any] = json.load(answer)
            return history

    def history_names(self, uuid: str) -> List[str]:
        return [entry["name"] for entry in self.history(uuid)["history"]]

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if self.amqp is not None and self.prefix is not None:
            delete_topology(self.amqp, self.prefix)
        shutil.rmtree(self._dir, ignore_errors=True)


def delete_topology(url: str, prefix: str) -> None:
    """Deletes what a manager declared under ``prefix`` (docs/manager.md, AMQP topology)."""
    import pika

    connection = pika.BlockingConnection(pika.URLParameters(url))
    try:
        channel = connection.channel()
        retries = [f"{prefix}.retry.{delay}" for delay in DEFER_DELAYS_MS.split(",")]
        queues = [*retries, f"{prefix}.manager", f"{prefix}.dead"]
        for queue in queues:
            channel.queue_delete(queue)
        for exchange in (f"{prefix}.events", f"{prefix}.state", f"{prefix}.dead"):
            channel.exchange_delete(exchange)
    finally:
        connection.close()


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/healthz", timeout=2) as answer:
            return bool(answer.status == 200)
    except OSError:
        return False


class TcpProxy:
    """A TCP forwarder to ``127.0.0.1:<port>`` that can lose answers and connections on demand.

    :meth:`drop_answers` loses the next ``n`` answers: when the server answers, the connection is
    closed instead of the answer passed on. The call reached the server, the client never learns
    the verdict. :meth:`cut` closes every open connection.
    """

    def __init__(self, target_port: int) -> None:
        self._target = target_port
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._listener.getsockname()[1]
        self._lock = threading.Lock()
        self._drop = 0
        self._open: List[socket.socket] = []
        self.connections = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def drop_answers(self, n: int) -> None:
        with self._lock:
            self._drop = n

    def cut(self) -> None:
        with self._lock:
            for s in self._open:
                _close(s)
            self._open.clear()

    def close(self) -> None:
        _close(self._listener)
        self.cut()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self._target))
            with self._lock:
                self.connections += 1
                self._open += [client, upstream]
            threading.Thread(target=self._pump, args=(client, upstream, False), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client, True), daemon=True).start()

    def _lose(self) -> bool:
        with self._lock:
            lose = self._drop > 0
            self._drop -= 1 if lose else 0
            return lose

    def _pump(self, source: socket.socket, sink: socket.socket, answers: bool) -> None:
        try:
            while True:
                chunk = source.recv(65536)
                if not chunk or (answers and self._lose()):
                    break
                sink.sendall(chunk)
        except OSError:
            pass
        _close(source)
        _close(sink)


def _close(s: socket.socket) -> None:
    try:
        s.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    s.close()
