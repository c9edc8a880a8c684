"""The exceptions of the client: every failure is a :class:`PipelineJobsError` with a stable code."""

from __future__ import annotations

from typing import Any, Dict, Mapping, Optional


class PipelineJobsError(Exception):
    """A refusal or failure, with the server's stable error ``code`` (see docs/errors.md).

    Branch on ``code``, a plain string such as ``"illegal_transition"``, ``"token_invalid"``,
    ``"job_exists"`` or ``"bus_unavailable"``. A code this client does not know (a newer server)
    is carried as it is. ``details`` holds the server's details plus, for events, the job
    ``uuid`` and the ``eventId``.
    """

    def __init__(self, code: str, message: str, details: Optional[Mapping[str, Any]] = None) -> None:
        super().__init__(message)
        self.code: str = code
        self.message: str = message
        self.details: Dict[str, Any] = dict(details or {})

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.code!r}, {self.message!r}, {self.details!r})"


class ServerUnreachable(PipelineJobsError):
    """The bridge or the broker could not be reached, or the transport is closed.

    Its code is ``bus_unavailable``, as for a bridge that answers 503 because its bus is down:
    nothing was accepted, and retrying (with the same event id) is safe. It is a separate class
    so that a reporter can tell "no answer at all" (``pjm``'s exit code 4) from a refusal.
    """

    def __init__(self, message: str, details: Optional[Mapping[str, Any]] = None) -> None:
        super().__init__("bus_unavailable", message, details)


class VerdictTimeout(PipelineJobsError):
    """The event reached the tracker (or may have) but no verdict came within the client's timeout.

    It is not a refusal: the manager may still apply the event (it may wait, for instance, for a
    predecessor sent by someone else) or dead-letter it when its retries run out. Call
    ``job.refresh()`` to learn which, or send the event again with ``event_id=err.event_id``:
    the manager applies one id once. Its code is ``verdict_timeout``, which the server never sends.
    """

    def __init__(self, message: str, *, uuid: Optional[str], event: str, event_id: str) -> None:
        details: Dict[str, Any] = {"event": event, "eventId": event_id}
        if uuid is not None:
            details["uuid"] = uuid
        super().__init__("verdict_timeout", message, details)
        #: The job the event was for (None for a create whose uuid the client never learnt).
        self.uuid: Optional[str] = uuid
        #: The event's name (``create``, ``run`` ...).
        self.event: str = event
        #: The event's idempotency id (empty for an HTTP create cut off before any answer).
        self.event_id: str = event_id
