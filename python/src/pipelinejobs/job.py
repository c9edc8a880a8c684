"""``PipelineJob``: a pipeline job as its pipeline sees it (after SD2E's ``ManagedPipelineJob``)."""

from __future__ import annotations

import threading
import uuid as uuidlib
from typing import Any, List, Mapping, Optional

from .errors import PipelineJobsError
from .transport import AgaveNotification, ClientEvent, CreateRequest, JobCallbacks, JsonObject, Transport
from .wire import check_data


class PipelineJob:
    """A job named by a pipeline id and data, set up once, then moved through its states by events.

    ::

        from pipelinejobs import HttpTransport, PipelineJob

        with HttpTransport("http://127.0.0.1:8080") as transport:
            job = PipelineJob(transport, "tacc-alignment", {"sample": "s1"})
            job.setup()                      # 'CREATED'
            job.run({"host": "node7"})       # 'RUNNING'
            job.update({"progress": 0.5})    # 'RUNNING'
            job.finish()                     # 'FINISHED'

    Every call returns the job's new state, or raises :class:`~pipelinejobs.PipelineJobsError`
    with the server's code (``illegal_transition``, ``token_invalid``, ``job_exists`` ...),
    :class:`~pipelinejobs.ServerUnreachable` when the event could not be delivered, or
    :class:`~pipelinejobs.VerdictTimeout` when no verdict came in time. Each event carries a new
    uuid as its id (or the ``event_id`` you pass, e.g. ``err.event_id`` of a ``VerdictTimeout``);
    a transport that retries re-sends the same id, and the manager applies an id once. Calls on
    one job run one at a time, even from several threads.

    :param transport: an :class:`~pipelinejobs.HttpTransport` or :class:`~pipelinejobs.AmqpTransport`;
        the caller closes it.
    :param pipeline: the pipeline id, e.g. ``tacc-alignment`` (letters, digits, ``.``, ``_``, ``-``).
    :param data: run-time parameters; part of the job's identity (default ``{}``): the same
        pipeline and data always name the same job (uuid v5).
    :param owner: who the job belongs to.
    :param site: where it runs.
    :param archive_path: where its products go (default ``/products/v2/<pipeline>/<uuid without dashes>``).
    """

    def __init__(
        self,
        transport: Transport,
        pipeline: str,
        data: Optional[Mapping[str, Any]] = None,
        *,
        owner: Optional[str] = None,
        site: Optional[str] = None,
        archive_path: Optional[str] = None,
    ) -> None:
        self._transport = transport
        self._pipeline: Optional[str] = pipeline
        self._data: Optional[JsonObject] = check_data(data, "PipelineJob") or {}
        self._owner = owner
        self._site = site
        self._archive_path = archive_path
        self._uuid: Optional[str] = None
        self._token: Optional[str] = None
        self._state: Optional[str] = None
        self._version: Optional[int] = None
        self._callbacks: Optional[JobCallbacks] = None
        self._lock = threading.RLock()

    @classmethod
    def load(
        cls,
        transport: Transport,
        uuid: str,
        token: str,
        *,
        pipeline: Optional[str] = None,
        data: Optional[Mapping[str, Any]] = None,
    ) -> "PipelineJob":
        """Re-attaches to an existing job, e.g. in a later process handed its uuid and token.

        Over HTTP it reads ``GET /jobs/<uuid>`` (state, version, pipeline, data, archive path; a
        job that does not exist raises ``unknown_job``). The token is not checked until the first
        event (``token_invalid`` then). Over AMQP the bus cannot be read: without ``pipeline`` and
        ``data`` the job's ``state`` is None until its next event answers; with them the manager
        is asked through an idempotent create (which would create the job if it did not exist).
        """
        hint = check_data(data, "load")
        snapshot = transport.describe(uuid.lower(), token, pipeline, hint)
        job = cls(transport, snapshot.pipeline or pipeline or "", snapshot.data if snapshot.data is not None else hint)
        job._pipeline = snapshot.pipeline or pipeline
        job._data = snapshot.data if snapshot.data is not None else hint
        job._uuid = snapshot.uuid.lower()
        job._token = token
        job._state = snapshot.state
        job._version = snapshot.version
        job._archive_path = snapshot.archive_path
        job._callbacks = snapshot.callbacks
        return job

    @property
    def uuid(self) -> Optional[str]:
        """The job uuid (UUID v5 of pipeline and data); None until set up."""
        return self._uuid

    @property
    def token(self) -> Optional[str]:
        """The per-job token every event carries; None until set up. Keep it secret."""
        return self._token

    @property
    def pipeline(self) -> Optional[str]:
        """The pipeline id (None for a job loaded over AMQP without it)."""
        return self._pipeline

    @property
    def data(self) -> Optional[JsonObject]:
        """The job's create data (None for a job loaded over AMQP without it)."""
        return self._data

    @property
    def state(self) -> Optional[str]:
        """The state after the last call that answered; None before setup (and after an AMQP load)."""
        return self._state

    @property
    def version(self) -> Optional[int]:
        """The job's version after the last call that answered (1 after create, +1 per applied event)."""
        return self._version

    @property
    def archive_path(self) -> Optional[str]:
        """Where the job's products go, as the server recorded it."""
        return self._archive_path

    @property
    def callbacks(self) -> Optional[JobCallbacks]:
        """Ready-made callbacks once set up: ``events`` URL, Agave ``notifications`` (with the
        ``${JOB_STATUS}`` macro) and Slurm ``sbatch`` options. Over HTTP from the bridge's answer;
        over AMQP only when the transport was given a ``callback_base``."""
        return self._callbacks

    @property
    def callback(self) -> Optional[str]:
        """The job's events URL (SD2E's ``callback``): ``POST`` to it with ``&event=<name>``."""
        return None if self._callbacks is None else self._callbacks["events"]

    def agave_notifications(self) -> List[AgaveNotification]:
        """SD2E's ``agave_notifications()``: the ``notifications`` entries of an Agave job definition.

        Raises ``invalid_config`` when the job has no callbacks (not set up yet, or over AMQP
        without the transport's ``callback_base``).
        """
        if self._callbacks is None:
            raise PipelineJobsError(
                "invalid_config",
                "the job has no callback URLs: set it up first (over AMQP, give the transport a callback_base)",
                {"field": "callback_base"},
            )
        return self._callbacks["agave"]["notifications"]

    @property
    def transport(self) -> Transport:
        """The transport this job talks through."""
        return self._transport

    def setup(self, data: Optional[Mapping[str, Any]] = None) -> str:
        """Creates the job, or finds it (the same pipeline and data name the same job).

        Returns ``CREATED`` for a new job, the current state of an existing one. ``data`` is
        merged into the job's data first, as SD2E's ``setup(data)`` did (it becomes part of the
        job's identity). A job another credential created raises ``job_exists``: its token goes
        only to its creator; use :meth:`load` with the uuid and token instead. Other calls set the
        job up first when needed.
        """
        extra = check_data(data, "setup")
        with self._lock:
            return self._setup(extra)

    def run(self, data: Optional[Mapping[str, Any]] = None, *, event_id: Optional[str] = None) -> str:
        """``run``: CREATED -> RUNNING (RUNNING stays RUNNING)."""
        return self.send("run", data, event_id=event_id)

    def update(self, data: Optional[Mapping[str, Any]] = None, *, event_id: Optional[str] = None) -> str:
        """``update``: records progress; the state does not change (CREATED, RUNNING, INDEXING, VALIDATING)."""
        return self.send("update", data, event_id=event_id)

    def resource(self, data: Optional[Mapping[str, Any]] = None, *, event_id: Optional[str] = None) -> str:
        """``resource``: records a resource event (staging, queueing); CREATED and RUNNING stay as they are."""
        return self.send("resource", data, event_id=event_id)

    def heartbeat(self, data: Optional[Mapping[str, Any]] = None, *, event_id: Optional[str] = None) -> str:
        """``heartbeat``: renews the job's lease (docs/heartbeats.md); the state does not change.

        The first beat is a history entry; later ones are only counted on the job (``heartbeat.count``,
        ``heartbeat.last``). A job in a final state has no lease: ``job_not_live``.
        """
        return self.send("heartbeat", data, event_id=event_id)

    def finish(self, data: Optional[Mapping[str, Any]] = None, *, event_id: Optional[str] = None) -> str:
        """``finish``: RUNNING -> FINISHED."""
        return self.send("finish", data, event_id=event_id)

    def fail(self, data: Optional[Mapping[str, Any]] = None, *, event_id: Optional[str] = None) -> str:
        """``fail``: CREATED, RUNNING, INDEXING or VALIDATING -> FAILED (put the reason in ``data``)."""
        return self.send("fail", data, event_id=event_id)

    def cancel(self, data: Optional[Mapping[str, Any]] = None, *, event_id: Optional[str] = None) -> str:
        """``cancel``: CREATED or RESET -> CANCELLED, keeping the job and its history.

        Refused with ``illegal_transition`` once the job runs: send :meth:`fail` instead.
        """
        return self.send("cancel", data, event_id=event_id)

    def index(self, data: Optional[Mapping[str, Any]] = None, *, event_id: Optional[str] = None) -> str:
        """``index``: FINISHED -> INDEXING."""
        return self.send("index", data, event_id=event_id)

    def indexed(self, data: Optional[Mapping[str, Any]] = None, *, event_id: Optional[str] = None) -> str:
        """``indexed``: INDEXING -> FINISHED."""
        return self.send("indexed", data, event_id=event_id)

    def reset(self, data: Optional[Mapping[str, Any]] = None, *, event_id: Optional[str] = None) -> str:
        """``reset`` (admin): any state but CANCELLED -> RESET.

        Over HTTP the transport needs a ``bearer`` token; over AMQP the job token suffices.
        SD2E's ``reset()`` also sent ``ready`` and took the admin token as an argument: here the
        credential is the transport's, and ``ready()`` is a call of its own.
        """
        return self.send("reset", data, event_id=event_id)

    def ready(self, data: Optional[Mapping[str, Any]] = None, *, event_id: Optional[str] = None) -> str:
        """``ready`` (admin): RESET -> CREATED. Same credentials as :meth:`reset`."""
        return self.send("ready", data, event_id=event_id)

    def send(self, name: str, data: Optional[Mapping[str, Any]] = None, *, event_id: Optional[str] = None) -> str:
        """Any job event by name (``validate``, ``validated``, ``reject``, ``finalize``, ``retire`` ...).

        The server judges the name: one it does not know raises ``unknown_event``. ``event_id`` re-sends an
        event under the id it had, e.g. after a :class:`~pipelinejobs.VerdictTimeout`: the
        manager applies it once.
        """
        payload = check_data(data, name)
        with self._lock:
            if self._uuid is None:
                self._setup(None)
            if self._uuid is None or self._token is None:
                raise PipelineJobsError("internal_error", "the job has no uuid or token after setup")
            event = ClientEvent(
                uuid=self._uuid, token=self._token, name=name, id=event_id or str(uuidlib.uuid4()), data=payload
            )
            verdict = self._transport.send(event)
            self._state = verdict.state
            if verdict.version is not None:
                self._version = verdict.version
            return verdict.state

    def refresh(self) -> Optional[str]:
        """Reads the job's state again (e.g. after a ``VerdictTimeout``); None before setup.

        Over AMQP it needs the pipeline and data (see :meth:`load`); without them it returns the
        last known state.
        """
        with self._lock:
            if self._uuid is None or self._token is None:
                return None
            snapshot = self._transport.describe(self._uuid, self._token, self._pipeline, self._data)
            if snapshot.state is not None:
                self._state = snapshot.state
            if snapshot.version is not None:
                self._version = snapshot.version
            if snapshot.archive_path is not None:
                self._archive_path = snapshot.archive_path
            return self._state

    def __repr__(self) -> str:
        return f"PipelineJob(pipeline={self._pipeline!r}, uuid={self._uuid!r}, state={self._state!r})"

    def _setup(self, extra: Optional[JsonObject]) -> str:
        if self._pipeline is None:
            # Loaded over AMQP without its pipeline: there is nothing to create, only a state to report.
            if self._state is not None and extra is None:
                return self._state
            raise PipelineJobsError(
                "schema_violation",
                "setup() of a job loaded without its pipeline and data: pass them to PipelineJob.load",
                {"field": "pipeline"},
            )
        data = {**(self._data or {}), **(extra or {})}
        if self._uuid is not None and data != self._data:
            raise PipelineJobsError(
                "schema_violation",
                f"setup(data) of job {self._uuid}, which is set up already: other data would name another job",
                {"field": "data", "uuid": self._uuid},
            )
        created = self._transport.create(
            CreateRequest(
                pipeline=self._pipeline, data=data, owner=self._owner, site=self._site, archive_path=self._archive_path
            )
        )
        if self._uuid is not None and created.uuid != self._uuid:
            raise PipelineJobsError(
                "schema_violation",
                f"the pipeline and data name job {created.uuid}, not {self._uuid}",
                {"field": "data", "uuid": self._uuid},
            )
        self._data = data
        self._uuid = created.uuid
        self._token = created.token
        self._state = created.state
        if created.version is not None:
            self._version = created.version
        if created.archive_path is not None:
            self._archive_path = created.archive_path
        if created.callbacks is not None:
            self._callbacks = created.callbacks
        return created.state
