"""A job's callback URLs, built as the bridge builds them (``client/callback-urls.ts``).

The bridge answers them on create; the client builds them itself when it learns a job's token
another way (over AMQP, or on :meth:`PipelineJob.load`). The tests check that both agree.
"""

from __future__ import annotations

from typing import List, Optional, Tuple
from urllib.parse import quote_plus

from .transport import JobCallbacks


def slurm_tracking_comment(uuid: str, token: str) -> str:
    """The ``sbatch --comment`` tag that makes ``pjm slurm-mail`` report to job ``uuid``."""
    return f"pjm:{uuid}:{token}"


def _form_encode(pairs: List[Tuple[str, str]]) -> str:
    # What WHATWG URLSearchParams writes: '*' stays, '~' is escaped, spaces become '+'.
    return "&".join(
        f"{quote_plus(k, safe='*').replace('~', '%7E')}={quote_plus(v, safe='*').replace('~', '%7E')}" for k, v in pairs
    )


def _url(base: str, path: str, uuid: str, token: str, nonce: Optional[str]) -> str:
    pairs = [("uuid", uuid), ("token", token)]
    if nonce is not None:
        pairs.append(("x-nonce", nonce))
    return f"{base.rstrip('/')}{path}?{_form_encode(pairs)}"


def job_callbacks(base: str, uuid: str, token: str, nonce: Optional[str] = None) -> JobCallbacks:
    """The callback URLs of a job on the bridge at ``base``, with ``nonce`` embedded when given.

    The Agave entries follow SD2E's ``agave_notifications``: RUNNING and FAILED carry the
    ``${JOB_STATUS}`` macro Agave expands; FINISHED names its status.
    """
    agave = _url(base, "/callbacks/agave", uuid, token, nonce)
    slurm = _url(base, "/callbacks/slurm", uuid, token, nonce)
    return {
        "events": _url(base, "/events", uuid, token, nonce),
        "agave": {
            "url": agave,
            "notifications": [
                {"event": "RUNNING", "persistent": True, "url": f"{agave}&status=${{JOB_STATUS}}"},
                {"event": "FINISHED", "persistent": False, "url": f"{agave}&status=FINISHED"},
                {"event": "FAILED", "persistent": False, "url": f"{agave}&status=${{JOB_STATUS}}"},
            ],
        },
        "slurm": {
            "url": slurm,
            "sbatch": [
                "--mail-type=BEGIN,END,FAIL,REQUEUE,TIME_LIMIT",
                f"--comment={slurm_tracking_comment(uuid, token)}",
            ],
        },
    }
