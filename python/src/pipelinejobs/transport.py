"""What a :class:`~pipelinejobs.PipelineJob` sends and what its transports answer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Protocol, TypedDict

#: Free-form job or event data: a JSON object.
JsonObject = Dict[str, Any]


class AgaveNotification(TypedDict):
    """One entry of an Agave job definition's ``notifications``."""

    event: str
    persistent: bool
    url: str


class AgaveCallbacks(TypedDict):
    url: str
    notifications: List[AgaveNotification]


class SlurmCallbacks(TypedDict):
    url: str
    #: ``sbatch`` options that make ``pjm slurm-mail`` report the job (docs/slurm.md).
    sbatch: List[str]


class JobCallbacks(TypedDict):
    """Ready-made callback wiring of one job, as ``POST /jobs`` answers it."""

    #: ``POST`` here with ``&event=<name>[&note=...]`` or a JSON event body.
    events: str
    agave: AgaveCallbacks
    slurm: SlurmCallbacks


@dataclass(frozen=True)
class CreateRequest:
    """What a transport sends to create (or find) a job."""

    pipeline: str
    data: JsonObject
    owner: Optional[str] = None
    site: Optional[str] = None
    archive_path: Optional[str] = None

    def to_wire(self) -> JsonObject:
        """The request as the server reads it (camelCase, absent fields left out)."""
        body: JsonObject = {"pipeline": self.pipeline, "data": self.data}
        if self.owner is not None:
            body["owner"] = self.owner
        if self.site is not None:
            body["site"] = self.site
        if self.archive_path is not None:
            body["archivePath"] = self.archive_path
        return body


@dataclass(frozen=True)
class CreatedJob:
    """A job as the server answered its create."""

    uuid: str
    token: str
    pipeline: str
    #: ``CREATED`` for a new job; an existing job's current state when it already existed.
    state: str
    #: True when the job already existed (the same pipeline and data name the same job).
    existed: bool
    version: Optional[int] = None
    archive_path: Optional[str] = None
    callbacks: Optional[JobCallbacks] = None


@dataclass(frozen=True)
class ClientEvent:
    """One job-scoped event, with the idempotency id the client chose for it."""

    uuid: str
    token: str
    name: str
    #: A uuid; a transport that retries re-sends the same id, so the manager applies it once.
    id: str
    data: Optional[JsonObject] = None

    def to_wire(self) -> JsonObject:
        """The canonical event message (``schemas/event.schema.json``)."""
        message: JsonObject = {"uuid": self.uuid, "name": self.name, "id": self.id}
        if self.token != "":
            message["token"] = self.token
        if self.data is not None:
            message["data"] = self.data
        return message


@dataclass(frozen=True)
class Verdict:
    """The manager's verdict on an event that was applied (or had already been)."""

    #: The job's state after the event.
    state: str
    #: True when this event id had already been applied (a retry).
    duplicate: bool
    version: Optional[int] = None


@dataclass(frozen=True)
class JobSnapshot:
    """What a transport can tell about an existing job, for :meth:`PipelineJob.load`."""

    uuid: str
    pipeline: Optional[str] = None
    data: Optional[JsonObject] = None
    #: None when the transport cannot read the job (AMQP without the pipeline and data).
    state: Optional[str] = None
    version: Optional[int] = None
    archive_path: Optional[str] = None
    callbacks: Optional[JobCallbacks] = None


class Transport(Protocol):
    """How a job reaches the tracker: :class:`HttpTransport` or :class:`AmqpTransport`.

    Every method returns the manager's verdict or raises: a ``PipelineJobsError`` with the
    server's code when the manager or the bridge refused, :class:`ServerUnreachable` when the
    event could not be delivered, :class:`VerdictTimeout` when it was delivered (or may have
    been) but no verdict came in time.
    """

    #: ``"http"`` or ``"amqp"``.
    kind: str

    def create(self, request: CreateRequest) -> CreatedJob:
        """Creates the job, or finds it when it already exists."""
        ...

    def send(self, event: ClientEvent) -> Verdict:
        """Sends one event and waits for the manager's verdict."""
        ...

    def describe(
        self, uuid: str, token: str, pipeline: Optional[str] = None, data: Optional[JsonObject] = None
    ) -> JobSnapshot:
        """Reads what is known of an existing job (see :attr:`JobSnapshot.state`)."""
        ...

    def close(self) -> None:
        """Closes connections; idempotent. Calls made afterwards fail."""
        ...
