"""The Python client of pipelinejobs (``pjm``): report a pipeline's jobs over HTTP or RabbitMQ.

A :class:`PipelineJob` after SD2E's ``ManagedPipelineJob`` (``setup``, ``run``, ``update``,
``resource``, ``finish``, ``fail``, ``cancel``; admin ``reset`` and ``ready``), over the HTTP
bridge (:class:`HttpTransport`, standard library only) or RabbitMQ (:class:`AmqpTransport`, needs
``pika``). Every failure is a :class:`PipelineJobsError` with the server's stable ``code``.
``python -m pipelinejobs`` is a status reporter for batch scripts. See docs/python-client.md.
"""

from ._version import __version__
from .amqp_transport import AmqpTransport
from .callbacks import job_callbacks, slurm_tracking_comment
from .errors import PipelineJobsError, ServerUnreachable, VerdictTimeout
from .http_transport import HttpTransport
from .job import PipelineJob
from .transport import (
    AgaveNotification,
    ClientEvent,
    CreatedJob,
    CreateRequest,
    JobCallbacks,
    JobSnapshot,
    JsonObject,
    Transport,
    Verdict,
)


__all__ = [
    "AgaveNotification",
    "AmqpTransport",
    "ClientEvent",
    "CreateRequest",
    "CreatedJob",
    "HttpTransport",
    "JobCallbacks",
    "JobSnapshot",
    "JsonObject",
    "PipelineJob",
    "PipelineJobsError",
    "ServerUnreachable",
    "Transport",
    "Verdict",
    "VerdictTimeout",
    "__version__",
    "job_callbacks",
    "slurm_tracking_comment",
]
