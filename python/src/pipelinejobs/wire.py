"""Reading answers from the wire: small shape checks, so a wrong answer fails with a clear error."""

from __future__ import annotations

import json
from typing import Any, Mapping, Optional
from urllib.parse import urlsplit, urlunsplit

from .errors import PipelineJobsError
from .transport import JobCallbacks, JsonObject


def unexpected(message: str, answer: Any = None) -> PipelineJobsError:
    """An answer the client cannot read: a server of another version, or not the tracker."""
    details = {} if answer is None else {"answer": json.dumps(answer, default=str)[:300]}
    return PipelineJobsError("internal_error", f"unexpected answer: {message}", details)


def string_field(answer: Mapping[str, Any], name: str, what: str) -> str:
    """A non-empty string field of an answer, or an ``internal_error`` naming what was wrong."""
    value = answer.get(name)
    if not isinstance(value, str) or value == "":
        raise unexpected(f"{what} has no {name}", answer)
    return value


def optional_string(answer: Mapping[str, Any], name: str) -> Optional[str]:
    value = answer.get(name)
    return value if isinstance(value, str) else None


def optional_int(answer: Mapping[str, Any], name: str) -> Optional[int]:
    value = answer.get(name)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def optional_object(answer: Mapping[str, Any], name: str) -> Optional[JsonObject]:
    value = answer.get(name)
    return value if isinstance(value, dict) else None


def optional_callbacks(answer: Mapping[str, Any]) -> Optional[JobCallbacks]:
    value = answer.get("callbacks")
    return value if isinstance(value, dict) else None  # type: ignore[return-value]


def refusal(error: Any, details: Mapping[str, Any]) -> PipelineJobsError:
    """The server's ``{code, message, details}`` as a :class:`PipelineJobsError`."""
    if not isinstance(error, dict) or not isinstance(error.get("code"), str):
        return unexpected("a refusal without an error code", error)
    message = error.get("message")
    own = error.get("details")
    merged = {**(own if isinstance(own, dict) else {}), **details}
    return PipelineJobsError(error["code"], message if isinstance(message, str) else error["code"], merged)


def redact_url(url: str) -> str:
    """``url`` without user name and password, for messages."""
    try:
        parts = urlsplit(url)
        if parts.username is None and parts.password is None:
            return url
        host = parts.hostname or ""
        netloc = f"{host}:{parts.port}" if parts.port is not None else host
        return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
    except ValueError:
        return "<invalid url>"


def check_data(data: Any, call: str) -> Optional[JsonObject]:
    """``data`` as an event's data: a dict or None; anything else is a caller's mistake."""
    if data is None or isinstance(data, dict):
        return data
    if isinstance(data, Mapping):
        return dict(data)
    raise TypeError(f"{call}() takes its data as a dict (a JSON object), not {type(data).__name__}")
