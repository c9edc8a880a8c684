"""The HTTP transport: the bridge's ``POST /jobs`` and ``POST /events``, standard library only."""

from __future__ import annotations

import http.client
import json
import random
import socket
import ssl
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable, Dict, Mapping, Optional, TypeVar
from urllib.parse import quote, urlsplit

from ._version import __version__
from .callbacks import job_callbacks
from .errors import ServerUnreachable, VerdictTimeout
from .transport import ClientEvent, CreatedJob, CreateRequest, JobSnapshot, JsonObject, Verdict
from .wire import (
    optional_callbacks,
    optional_int,
    optional_object,
    optional_string,
    redact_url,
    refusal,
    string_field,
    unexpected,
)

#: Answers worth retrying: nothing was published (rate limit, bus down) or a proxy lost the bridge.
RETRYABLE = frozenset({429, 502, 503, 504})
#: First delay between retries (seconds); doubled each time, with full jitter.
BACKOFF = 0.2
#: Longest honoured ``Retry-After`` (seconds); the call's own deadline bounds it too.
MAX_RETRY_AFTER = 5.0
#: Polling of a pending verdict: from 0.1 s, doubling up to 2 s.
POLL_INITIAL = 0.1
POLL_MAX = 2.0

T = TypeVar("T")


@dataclass(frozen=True)
class _Answer:
    status: int
    body: Any
    retry_after: Optional[str]


class _NotSent(Exception):
    """The connection could not be opened: the request never left this process."""


class _DeadlineExceeded(Exception):
    """The deadline of one call ran out while polling for a pending verdict."""


class HttpTransport:
    """A :class:`~pipelinejobs.Transport` over the HTTP bridge (``pjm serve`` or ``pjm bridge``).

    - ``create`` is ``POST /jobs?wait=1``; events are ``POST /events?wait=1`` with the JSON body
      ``{uuid, name, token, data, id}``. The client picks each event's ``id`` and re-sends the same
      id when it retries, so a retried event is applied once.
    - Retries: on 429, 502, 503, 504 and network errors, up to ``retries`` times with exponential
      backoff (full jitter; a ``Retry-After`` up to 5 s is honoured), within ``timeout``.
    - Pending: when the manager gives no verdict within the bridge's wait (``202 pending``), the
      transport polls ``GET /jobs/<uuid>/history`` until the event's id appears there. If it has
      not by the deadline, the call raises :class:`VerdictTimeout`.
    - Refusals raise :class:`PipelineJobsError` with the bridge's code; a bridge that cannot be
      reached raises :class:`ServerUnreachable` (code ``bus_unavailable``).

    One connection is kept alive between calls. A transport may be shared by threads (requests go
    one at a time); ``close()`` it when done, or use it as a context manager.

    :param url: base URL of the bridge, e.g. ``http://127.0.0.1:8080``; may end in a path prefix.
    :param nonce: a sender nonce (``pjm nonce create``), sent as the ``x-nonce`` header.
    :param bearer: an admin bearer token (``PJM_API_TOKENS``): needed for ``reset`` and ``ready``.
    :param timeout: longest time one call may take in seconds, retries and the wait for a
        pending verdict included (default 30). Every socket operation is bounded by what is left.
    :param retries: retries of a call answered 429/502/503/504 or failed on the network (default 3).
    :param callback_base: base of the callback URLs built on :meth:`PipelineJob.load`
        (default: ``url``). Creates use the bridge's own answer.
    :param callback_nonce: a nonce to embed in the callback URLs built on ``load``.
    :param poll_pending: poll for a verdict the bridge did not wait for (default). False raises
        :class:`VerdictTimeout` at once on ``202 pending``, as ``pjm send`` exits 5: the polling
        reads the job, which a nonce alone may not do on a server that requires credentials.
    """

    kind = "http"

    def __init__(
        self,
        url: str,
        *,
        nonce: Optional[str] = None,
        bearer: Optional[str] = None,
        timeout: float = 30.0,
        retries: int = 3,
        callback_base: Optional[str] = None,
        callback_nonce: Optional[str] = None,
        poll_pending: bool = True,
    ) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http(s) URL: {redact_url(url)}")
        if timeout <= 0:
            raise ValueError("timeout must be positive (seconds)")
        self._base = url.rstrip("/")
        self._https = parts.scheme == "https"
        self._host = parts.hostname
        self._port = parts.port
        self._prefix = parts.path.rstrip("/")
        self._headers: Dict[str, str] = {
            "accept": "application/json",
            "user-agent": f"pipelinejobs-python/{__version__}",
        }
        if bearer is not None:
            self._headers["authorization"] = f"Bearer {bearer}"
        if nonce is not None:
            self._headers["x-nonce"] = nonce
        self._timeout = float(timeout)
        self._retries = retries
        self._callback_base = callback_base if callback_base is not None else url
        self._callback_nonce = callback_nonce
        self._poll_pending = poll_pending
        self._lock = threading.Lock()
        self._closing = threading.Event()
        self._conn: Optional[http.client.HTTPConnection] = None

    @property
    def url(self) -> str:
        """The bridge's base URL."""
        return self._base

    @property
    def timeout(self) -> float:
        """The longest time one call may take, in seconds."""
        return self._timeout

    def __enter__(self) -> "HttpTransport":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def create(self, request: CreateRequest) -> CreatedJob:
        """``POST /jobs?wait=1``: creates the job, or finds it (200) when this credential created it."""
        deadline = time.monotonic() + self._timeout

        def late(uuid: Optional[str] = None, event_id: str = "") -> VerdictTimeout:
            return VerdictTimeout(self._late("create"), uuid=uuid, event="create", event_id=event_id)

        answer = self._call("POST", "/jobs?wait=1", request.to_wire(), deadline, late)
        body = self._accepted(answer, "the create answer", {"pipeline": request.pipeline})
        uuid = string_field(body, "uuid", "the create answer")
        token = string_field(body, "token", "the create answer")
        state: Optional[str] = optional_string(body, "state")
        version = optional_int(body, "version")
        if answer.status == 202:
            # The create is on the bus but the manager has not decided yet: wait for the job to exist.
            event_id = optional_string(body, "eventId") or ""
            if not self._poll_pending:
                raise VerdictTimeout(self._pending("create"), uuid=uuid, event="create", event_id=event_id)

            def read() -> Optional[JsonObject]:
                found = self._call("GET", f"/jobs/{quote(uuid, safe='')}", None, deadline, _DeadlineExceeded)
                return None if found.status == 404 else self._accepted(found, "the job", {"uuid": uuid})

            try:
                job = self._poll(deadline, read)
            except (_DeadlineExceeded, ServerUnreachable) as err:
                # The create is on the bus: losing the bridge now does not mean it was not accepted.
                raise late(uuid, event_id) from err
            state = string_field(job, "state", "the job")
            version = optional_int(job, "version")
        if state is None:
            raise unexpected("the create answer has no state", body)
        return CreatedJob(
            uuid=uuid,
            token=token,
            pipeline=optional_string(body, "pipeline") or request.pipeline,
            state=state,
            existed=answer.status == 200,
            version=version,
            archive_path=optional_string(body, "archivePath"),
            callbacks=optional_callbacks(body),
        )

    def send(self, event: ClientEvent) -> Verdict:
        """``POST /events?wait=1``; on ``202 pending``, polls the job's history for the event id."""
        deadline = time.monotonic() + self._timeout

        def late() -> VerdictTimeout:
            return VerdictTimeout(self._late(event.name), uuid=event.uuid, event=event.name, event_id=event.id)

        answer = self._call("POST", "/events?wait=1", event.to_wire(), deadline, late)
        body = self._accepted(answer, "the event answer", {"uuid": event.uuid, "eventId": event.id})
        if answer.status != 202:
            return Verdict(
                state=string_field(body, "state", "the event answer"),
                duplicate=body.get("status") == "duplicate",
                version=optional_int(body, "version"),
            )
        if not self._poll_pending:
            raise VerdictTimeout(self._pending(event.name), uuid=event.uuid, event=event.name, event_id=event.id)
        # Pending: the event is on the bus; its history entry (same id) tells when it applied.
        wanted = event.id.lower()

        def read() -> Optional[JsonObject]:
            found = self._call("GET", f"/jobs/{quote(event.uuid, safe='')}/history", None, deadline, _DeadlineExceeded)
            job = self._accepted(found, "the job history", {"uuid": event.uuid})
            history = job.get("history")
            if not isinstance(history, list):
                raise unexpected("the job history has no history", job)
            applied = any(
                isinstance(e, dict) and isinstance(e.get("id"), str) and e["id"].lower() == wanted for e in history
            )
            return job if applied else None

        try:
            job = self._poll(deadline, read)
        except (_DeadlineExceeded, ServerUnreachable) as err:
            # The event is on the bus: losing the bridge now does not mean it was not accepted.
            raise late() from err
        return Verdict(
            state=string_field(job, "state", "the job history"), duplicate=False, version=optional_int(job, "version")
        )

    def describe(
        self, uuid: str, token: str, pipeline: Optional[str] = None, data: Optional[JsonObject] = None
    ) -> JobSnapshot:
        """``GET /jobs/<uuid>``: the job's state, version, pipeline, data and archive path.

        ``pipeline`` and ``data`` are not needed over HTTP (the bridge knows them). The token is
        not checked by this read; callbacks are built from ``callback_base``.
        """
        job = self.get_job(uuid)
        return JobSnapshot(
            uuid=string_field(job, "uuid", "the job"),
            pipeline=optional_string(job, "pipeline"),
            data=optional_object(job, "data"),
            state=string_field(job, "state", "the job"),
            version=optional_int(job, "version"),
            archive_path=optional_string(job, "archivePath"),
            callbacks=job_callbacks(self._callback_base, uuid, token, self._callback_nonce),
        )

    def get_job(self, uuid: str) -> JsonObject:
        """The job document (``GET /jobs/<uuid>``); ``unknown_job`` when there is none."""
        return self._read(f"/jobs/{quote(uuid, safe='')}", "the job", uuid)

    def get_history(self, uuid: str) -> JsonObject:
        """``{uuid, state, version, history: [{id, name, date, data, source, state, version}]}``."""
        return self._read(f"/jobs/{quote(uuid, safe='')}/history", "the job history", uuid)

    def close(self) -> None:
        """Closes the kept-alive connection and interrupts waits; later calls raise ``ServerUnreachable``."""
        self._closing.set()
        conn = self._conn
        if conn is not None:
            conn.close()

    def _read(self, path: str, what: str, uuid: str) -> JsonObject:
        deadline = time.monotonic() + self._timeout

        def late() -> ServerUnreachable:
            return ServerUnreachable(
                f"the bridge at {redact_url(self._base)} did not answer within {self._timeout:g} s"
            )

        return self._accepted(self._call("GET", path, None, deadline, late), what, {"uuid": uuid})

    def _late(self, event: str) -> str:
        return (
            f"no verdict on the {event} event within {self._timeout:g} s: "
            "it may have reached the bus and may still be applied"
        )

    def _pending(self, event: str) -> str:
        return (
            f"the bridge took the {event} event, but the manager gave no verdict within the bridge's wait: "
            "it is on the bus and may still be applied"
        )

    def _accepted(self, answer: _Answer, what: str, details: Mapping[str, Any]) -> JsonObject:
        """A 2xx answer's body; anything else becomes the bridge's error."""
        if 200 <= answer.status < 300:
            if not isinstance(answer.body, dict):
                raise unexpected(f"{what} is not a JSON object", answer.body)
            return answer.body
        if isinstance(answer.body, dict) and isinstance(answer.body.get("error"), dict):
            raise refusal(answer.body["error"], details)
        raise unexpected(f"HTTP {answer.status} from {redact_url(self._base)}", answer.body)

    def _call(
        self, method: str, path: str, body: Optional[JsonObject], deadline: float, on_deadline: Callable[[], Exception]
    ) -> _Answer:
        """One request, retried on 429/502/503/504 and network errors (same body, so the same event id).

        ``on_deadline`` makes the error raised when the deadline passes after the request may
        have reached the bridge; a request that never left raises ``ServerUnreachable``.
        """
        payload = None if body is None else json.dumps(body).encode("utf-8")
        attempt = 0
        while True:
            if self._closing.is_set():
                raise ServerUnreachable("the transport is closed")
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise on_deadline()
            try:
                answer = self._exchange(method, path, payload, remaining)
            except _NotSent as err:
                cause = err.__cause__
                if attempt >= self._retries or not self._pause(attempt, None, deadline):
                    raise self._unreachable(cause) from cause
                attempt += 1
                continue
            except socket.timeout as err:
                # Each socket operation may take what is left of the call: the deadline has passed.
                raise on_deadline() from err
            except (OSError, http.client.HTTPException) as err:
                if self._closing.is_set():
                    raise ServerUnreachable("the transport is closed") from err
                if time.monotonic() >= deadline:
                    raise on_deadline() from err
                if attempt >= self._retries:
                    raise self._unreachable(err) from err
                if not self._pause(attempt, None, deadline):
                    raise on_deadline() from err
                attempt += 1
                continue
            if (
                answer.status not in RETRYABLE
                or attempt >= self._retries
                or not self._pause(attempt, answer.retry_after, deadline)
            ):
                return answer
            attempt += 1

    def _unreachable(self, cause: Optional[BaseException]) -> ServerUnreachable:
        why = f": {cause}" if cause is not None else ""
        return ServerUnreachable(
            f"cannot reach the bridge at {redact_url(self._base)}{why}",
            {"cause": str(cause)} if cause is not None else {},
        )

    def _pause(self, attempt: int, retry_after: Optional[str], deadline: float) -> bool:
        """Waits before retry ``attempt + 1``; False (without waiting) when that would pass the deadline."""
        delay: Optional[float] = None
        if retry_after is not None:
            try:
                asked = float(retry_after)
                if asked >= 0:
                    delay = min(asked, MAX_RETRY_AFTER)
            except ValueError:
                delay = None
        if delay is None:
            delay = random.uniform(0, BACKOFF * 2**attempt)
        if time.monotonic() + delay >= deadline:
            return False
        self._closing.wait(delay)
        return True

    def _poll(self, deadline: float, read: Callable[[], Optional[T]]) -> T:
        """Calls ``read`` until it gives a value, with growing pauses; ``_DeadlineExceeded`` past ``deadline``."""
        pause = POLL_INITIAL
        while True:
            value = read()
            if value is not None:
                return value
            if self._closing.is_set():
                raise ServerUnreachable("the transport is closed")
            wait = min(pause, deadline - time.monotonic())
            if wait <= 0:
                raise _DeadlineExceeded()
            self._closing.wait(wait)
            pause = min(POLL_MAX, pause * 2)

    def _exchange(self, method: str, path: str, payload: Optional[bytes], timeout: float) -> _Answer:
        """One request and its answer on the kept-alive connection, every socket step bounded by ``timeout``."""
        with self._lock:
            reused = self._conn is not None and self._conn.sock is not None
            try:
                return self._exchange_on(self._connection(timeout), method, path, payload)
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                if not reused:
                    raise
            # The bridge closed the idle kept-alive connection: open a new one and send once more.
            return self._exchange_on(self._connection(timeout), method, path, payload)

    def _connection(self, timeout: float) -> http.client.HTTPConnection:
        conn = self._conn
        if conn is None:
            if self._https:
                conn = http.client.HTTPSConnection(
                    self._host, self._port, timeout=timeout, context=ssl.create_default_context()
                )
            else:
                conn = http.client.HTTPConnection(self._host, self._port, timeout=timeout)
            self._conn = conn
        conn.timeout = timeout
        if conn.sock is None:
            try:
                conn.connect()
            except OSError as err:
                conn.close()
                raise _NotSent() from err
        else:
            conn.sock.settimeout(timeout)
        return conn

    def _exchange_on(
        self, conn: http.client.HTTPConnection, method: str, path: str, payload: Optional[bytes]
    ) -> _Answer:
        headers = dict(self._headers)
        if payload is not None:
            headers["content-type"] = "application/json"
        try:
            conn.request(method, f"{self._prefix}{path}", body=payload, headers=headers)
            response = conn.getresponse()
            raw = response.read()
        except BaseException:
            conn.close()
            raise
        return _Answer(status=response.status, body=_parse(raw), retry_after=response.getheader("retry-after"))


def _parse(raw: bytes) -> Any:
    """The body as JSON, or its text when it is not JSON (a proxy's error page), or None when empty."""
    text = raw.decode("utf-8", errors="replace")
    if text == "":
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text
