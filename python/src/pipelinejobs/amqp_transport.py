"""The AMQP transport: events published to ``<prefix>.events``, verdicts from the manager's reply.

Needs ``pika`` (Debian: ``apt-get install python3-pika``; pip: ``pipelinejobs[amqp]``). It is
imported when an :class:`AmqpTransport` is made, so the HTTP transport works without it.
"""

from __future__ import annotations

import json
import os
import threading
import time
import uuid as uuidlib
from dataclasses import dataclass
from typing import Any, Dict, Optional, Tuple
from urllib.parse import unquote, urlsplit

from .callbacks import job_callbacks
from .errors import PipelineJobsError, ServerUnreachable, VerdictTimeout
from .transport import ClientEvent, CreatedJob, CreateRequest, JobCallbacks, JobSnapshot, JsonObject, Verdict
from .wire import optional_int, optional_string, redact_url, refusal, string_field, unexpected

#: RabbitMQ direct reply-to: replies come back on the channel that published, no queue needed.
DIRECT_REPLY_TO = "amq.rabbitmq.reply-to"
#: Longest wait for the TCP connection and the AMQP handshake, within the call's timeout.
CONNECT_TIMEOUT = 10.0


@dataclass
class _Session:
    connection: Any
    channel: Any


@dataclass(frozen=True)
class _Context:
    uuid: Optional[str]
    event: str
    event_id: str


class AmqpTransport:
    """A :class:`~pipelinejobs.Transport` over RabbitMQ, with ``pika``'s ``BlockingConnection``.

    One connection and one confirm channel, opened on the first call. Each event is published to
    ``<prefix>.events`` (routing key ``event``), persistent JSON, with ``message_id`` = the event
    id, a ``correlation_id``, ``reply_to = amq.rabbitmq.reply-to``, ``mandatory`` and the URL's
    user as ``user_id`` (the broker vouches for it, which names the creator of the jobs created
    here: their token is answered again only to this user, to admins and to a holder of the
    token). The manager's reply settles the call.

    - ``{outcome: "rejected", error: {code, message}}`` raises :class:`PipelineJobsError` with that code.
    - A broker that cannot be reached, a publish it refuses or that no queue takes (no manager
      ever declared its queue), a missing ``<prefix>.events`` exchange: :class:`ServerUnreachable`;
      nothing was accepted.
    - No reply within ``timeout`` after the broker confirmed the event, or the connection lost
      after that: :class:`VerdictTimeout`; the event is on the bus and may still apply.

    A connection the broker closed while the transport sat idle (missed heartbeats in a long
    batch job) is noticed at the next call, which opens a new one and publishes there (the same
    event id, so at most once applied). The transport never declares exchanges or queues: the
    managers own the topology. Threads may share it; calls go one at a time.

    :param url: ``amqp://user:password@host:port/vhost`` of the broker the managers consume from.
    :param prefix: the deployment's ``PJM_AMQP_PREFIX`` (default ``pipelinejobs``).
    :param timeout: longest wait for the manager's reply to one call, in seconds (default 30).
    :param callback_base: public base URL of a bridge (``PJM_PUBLIC_URL``); when set, jobs get
        ready-made ``callbacks`` (the bus alone has no URL to hand out).
    :param callback_nonce: a nonce to embed in those callback URLs.
    """

    kind = "amqp"

    def __init__(
        self,
        url: str,
        *,
        prefix: str = "pipelinejobs",
        timeout: float = 30.0,
        callback_base: Optional[str] = None,
        callback_nonce: Optional[str] = None,
    ) -> None:
        try:
            import pika  # noqa: F401  (optional dependency, imported on use)
        except ImportError as err:
            raise ImportError(
                "AmqpTransport needs pika: apt-get install python3-pika, or pip install 'pipelinejobs[amqp]'"
            ) from err
        if timeout <= 0:
            raise ValueError("timeout must be positive (seconds)")
        self._pika = pika
        self._url = url
        self._prefix = prefix
        self._exchange = f"{prefix}.events"
        self._timeout = float(timeout)
        self._callback_base = callback_base
        self._callback_nonce = callback_nonce
        username = urlsplit(url).username
        self._user_id = unquote(username) if username else None
        self._lock = threading.RLock()
        self._session: Optional[_Session] = None
        self._awaiting: Optional[str] = None
        self._reply: Optional[bytes] = None
        self._closed = False

    def __enter__(self) -> "AmqpTransport":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def create(self, request: CreateRequest, *, uuid: Optional[str] = None, token: Optional[str] = None) -> CreatedJob:
        """Publishes a ``create``; the manager answers the job (new, or existing for its creator).

        ``uuid`` and ``token`` are what :meth:`describe` sends to read an existing job: the uuid
        makes data that name another job a ``schema_violation``, the token proves a right to it.
        """
        event_id = str(uuidlib.uuid4())
        message: JsonObject = {"name": "create", "id": event_id, **request.to_wire()}
        if uuid is not None:
            message["uuid"] = uuid
        if token is not None:
            message["token"] = token
        outcome, body = self._request(message, _Context(uuid, "create", event_id))
        job_uuid = string_field(body, "uuid", "the create reply")
        job_token = string_field(body, "token", "the create reply")
        return CreatedJob(
            uuid=job_uuid,
            token=job_token,
            pipeline=request.pipeline,
            state=string_field(body, "state", "the create reply"),
            existed=outcome == "duplicate",
            version=optional_int(body, "version"),
            archive_path=optional_string(body, "archivePath"),
            callbacks=self._callbacks(job_uuid, job_token),
        )

    def send(self, event: ClientEvent) -> Verdict:
        """Publishes one event and waits for the manager's reply."""
        outcome, body = self._request(event.to_wire(), _Context(event.uuid, event.name, event.id))
        return Verdict(
            state=string_field(body, "state", "the reply"),
            duplicate=outcome == "duplicate",
            version=optional_int(body, "version"),
        )

    def describe(
        self, uuid: str, token: str, pipeline: Optional[str] = None, data: Optional[JsonObject] = None
    ) -> JobSnapshot:
        """The bus has no read side: without ``pipeline`` the state is unknown (None).

        With the job's ``pipeline`` and ``data`` this re-sends the job's create (idempotent: the
        manager answers an existing job's state); the uuid and token travel with it, so data that
        name another job are refused (``schema_violation``) and a holder of the token is answered
        even when another broker user created the job. A job that does not exist would be created.
        """
        if pipeline is None:
            return JobSnapshot(uuid=uuid, callbacks=self._callbacks(uuid, token))
        found = self.create(CreateRequest(pipeline=pipeline, data=data or {}), uuid=uuid, token=token)
        return JobSnapshot(
            uuid=found.uuid,
            pipeline=found.pipeline,
            data=data or {},
            state=found.state,
            version=found.version,
            archive_path=found.archive_path,
            callbacks=self._callbacks(uuid, token),
        )

    def close(self) -> None:
        """Closes the connection; idempotent. Later calls raise ``ServerUnreachable``."""
        with self._lock:
            self._closed = True
            self._drop()

    def _callbacks(self, uuid: str, token: str) -> Optional[JobCallbacks]:
        if self._callback_base is None:
            return None
        return job_callbacks(self._callback_base, uuid, token, self._callback_nonce)

    def _request(self, message: JsonObject, context: _Context) -> Tuple[str, JsonObject]:
        """Publishes ``message`` and waits for the manager's reply: ``(outcome, body)``."""
        with self._lock:
            if self._closed:
                raise ServerUnreachable("the transport is closed")
            deadline = time.monotonic() + self._timeout
            correlation_id = str(uuidlib.uuid4())
            self._awaiting = correlation_id
            self._reply = None
            try:
                session = self._publish(json.dumps(message).encode("utf-8"), correlation_id, context, deadline)
                raw = self._await_reply(session, context, deadline)
            finally:
                self._awaiting = None
            return self._settle(raw, context)

    def _publish(self, body: bytes, correlation_id: str, context: _Context, deadline: float) -> _Session:
        pika = self._pika
        headers: Dict[str, Any] = {"x-pjm-published-at": int(time.time() * 1000)}
        properties = pika.BasicProperties(
            content_type="application/json",
            delivery_mode=2,
            message_id=context.event_id,
            correlation_id=correlation_id,
            reply_to=DIRECT_REPLY_TO,
            headers=headers,
            user_id=self._user_id,
        )
        while True:
            reused = self._session is not None
            session = self._open(deadline)
            try:
                # Reads what arrived while idle, so a connection the broker closed is noticed here.
                session.connection.process_data_events(time_limit=0)
                session.channel.basic_publish(self._exchange, "event", body, properties, mandatory=True)
                return session
            except pika.exceptions.UnroutableError:
                raise ServerUnreachable(
                    f"no queue is bound to {self._exchange}: "
                    f"no manager has declared its queue (prefix {self._prefix}); the {context.event} event was dropped"
                ) from None
            except pika.exceptions.NackError:
                raise ServerUnreachable(f"the broker refused the {context.event} event") from None
            except (pika.exceptions.AMQPError, OSError) as err:
                self._drop()
                if reused:
                    # Unconfirmed, so nothing was accepted: publish once more on a new connection.
                    continue
                raise ServerUnreachable(f"the {context.event} event could not be published: {err!r}") from err

    def _await_reply(self, session: _Session, context: _Context, deadline: float) -> bytes:
        pika = self._pika
        while self._reply is None:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise VerdictTimeout(
                    f"no reply from a manager within {self._timeout:g} s to the {context.event} event: "
                    "it is on the bus and may still be applied",
                    uuid=context.uuid,
                    event=context.event,
                    event_id=context.event_id,
                )
            try:
                session.connection.process_data_events(time_limit=remaining)
            except (pika.exceptions.AMQPError, OSError) as err:
                self._drop()
                raise VerdictTimeout(
                    f"the connection to the broker was lost before the manager replied to the {context.event} event: "
                    "it is on the bus and may still be applied",
                    uuid=context.uuid,
                    event=context.event,
                    event_id=context.event_id,
                ) from err
        return self._reply

    def _settle(self, raw: bytes, context: _Context) -> Tuple[str, JsonObject]:
        try:
            body = json.loads(raw.decode("utf-8"))
        except ValueError:
            raise unexpected("the manager reply is not JSON") from None
        if not isinstance(body, dict):
            raise unexpected("the manager reply is not an object", body)
        outcome = body.get("outcome")
        if outcome in ("applied", "duplicate"):
            return outcome, body
        if outcome == "rejected":
            details: Dict[str, Any] = {"eventId": context.event_id}
            if context.uuid is not None:
                details["uuid"] = context.uuid
            raise refusal(body.get("error"), details)
        raise unexpected("the manager reply has no known outcome", body)

    def _on_reply(self, _channel: Any, _method: Any, properties: Any, body: bytes) -> None:
        # A late reply to a call that already timed out has another correlation id: dropped.
        if self._awaiting is not None and properties.correlation_id == self._awaiting:
            self._reply = body

    def _open(self, deadline: float) -> _Session:
        if self._session is not None:
            if self._session.connection.is_open and self._session.channel.is_open:
                return self._session
            self._drop()
        pika = self._pika
        remaining = max(0.1, deadline - time.monotonic())
        try:
            parameters = pika.URLParameters(self._url)
        except Exception as err:  # pika raises various types for a malformed URL
            raise PipelineJobsError("invalid_config", f"not an AMQP URL: {redact_url(self._url)}: {err}") from err
        parameters.connection_attempts = 1
        parameters.socket_timeout = min(remaining, CONNECT_TIMEOUT)
        parameters.stack_timeout = min(remaining, CONNECT_TIMEOUT)
        # A broker that blocks publishers (memory or disk alarm) must not hold a call forever.
        parameters.blocked_connection_timeout = self._timeout
        parameters.client_properties = {
            "connection_name": f"pipelinejobs python client (pid {os.getpid()}, {uuidlib.uuid4().hex[:8]})"
        }
        try:
            connection = pika.BlockingConnection(parameters)
        except (pika.exceptions.AMQPError, OSError) as err:
            raise ServerUnreachable(f"cannot connect to {redact_url(self._url)}: {err!r}") from err
        try:
            channel = connection.channel()
            try:
                channel.exchange_declare(self._exchange, passive=True)
            except pika.exceptions.ChannelClosedByBroker as err:
                raise ServerUnreachable(
                    f"the exchange {self._exchange} does not exist: "
                    f"no manager has run with prefix {self._prefix} on this broker"
                ) from err
            channel.confirm_delivery()
            channel.basic_consume(DIRECT_REPLY_TO, self._on_reply, auto_ack=True)
        except ServerUnreachable:
            _close_quietly(connection)
            raise
        except (pika.exceptions.AMQPError, OSError) as err:
            _close_quietly(connection)
            raise ServerUnreachable(f"cannot open a channel on {redact_url(self._url)}: {err!r}") from err
        self._session = _Session(connection, channel)
        return self._session

    def _drop(self) -> None:
        session, self._session = self._session, None
        if session is not None:
            _close_quietly(session.connection)


def _close_quietly(connection: Any) -> None:
    try:
        if connection.is_open:
            connection.close()
    except Exception:  # the connection is being abandoned: a failing close changes nothing
        pass
