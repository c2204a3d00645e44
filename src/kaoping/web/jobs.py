"""Background work started from the browser: imports, computations, appraisal runs.

An import or a computation takes seconds to minutes; a request must not wait for it, and
the server must go on answering meanwhile. A job runs in a worker thread of the process
that accepted it (DuckDB releases the GIL while it works, and the warehouse's writer is a
private copy published when it commits -- :func:`kaoping.warehouse.writing` -- so readers
are never blocked). One thread: the warehouse has one writer at a time anyway.

A job's state lives in the application database (``web_jobs``), not in memory, so that
whichever worker process answers the progress poll of ``kaoping serve --workers N`` sees
it. A job left running by a server that stopped is marked failed when the next one starts.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Engine, Integer, String, Text, select, update
from sqlalchemy.orm import Mapped, mapped_column

from kaoping.appdb import Base, session_scope

__all__ = ["Job", "JobError", "JobRunner", "Progress", "WebJob"]

log = logging.getLogger("kaoping.web.jobs")

#: progress is written at most this often (seconds), besides every change of phase
_WRITE_EVERY = 0.25


class WebJob(Base):
    __tablename__ = "web_jobs"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # import, compute, appraise
    created_by: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True),
                                                         nullable=True)
    status: Mapped[str] = mapped_column(String(16))  # queued, running, done, failed
    #: what the job works on, as its pages name it (the files of an import)
    label: Mapped[str] = mapped_column(String(200), default="")
    phase: Mapped[str] = mapped_column(String(200), default="")
    step: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int] = mapped_column(Integer, default=0)
    #: the job's outcome as JSON (an import's counts, a run's id)
    result: Mapped[str | None] = mapped_column(Text, nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)


class JobError(Exception):
    """A failure the user caused and can fix (a file that cannot be read): its message is
    shown as it is; any other exception is logged and shown as an internal error."""


@dataclass(frozen=True)
class Job:
    """A job as the pages show it (detached from the database session)."""

    id: str
    kind: str
    created_by: str
    created_at: datetime
    finished_at: datetime | None
    status: str
    label: str
    phase: str
    step: int
    total: int
    result: dict[str, Any]
    error: str | None

    @property
    def finished(self) -> bool:
        return self.status in ("done", "failed")

    @property
    def percent(self) -> int:
        if self.status == "done":
            return 100
        return int(100 * self.step / self.total) if self.total else 0

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "kind": self.kind, "status": self.status, "label": self.label,
                "phase": self.phase,
                "step": self.step, "total": self.total, "percent": self.percent,
                "finished": self.finished, "error": self.error, "result": self.result}


def _job(row: WebJob) -> Job:
    return Job(row.id, row.kind, row.created_by, row.created_at, row.finished_at, row.status,
               row.label, row.phase, row.step, row.total,
               json.loads(row.result) if row.result else {}, row.error)


class Progress:
    """What a job's function calls to say how far it got (written to ``web_jobs``)."""

    def __init__(self, engine: Engine, job_id: str) -> None:
        self._engine, self._id = engine, job_id
        self._last, self._phase = 0.0, ""

    def __call__(self, phase: str, step: int, total: int) -> None:
        now = time.monotonic()
        if phase == self._phase and now - self._last < _WRITE_EVERY:
            return
        self._last, self._phase = now, phase
        with session_scope(self._engine) as s:
            s.execute(update(WebJob).where(WebJob.id == self._id).values(
                phase=phase[:200], step=step, total=total))


JobFunction = Callable[[Progress], dict[str, Any]]


class JobRunner:
    """Runs job functions one at a time in a background thread, recording their state."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kaoping-job")
        self._lock = threading.Lock()
        with session_scope(engine) as s:  # a job of a server that stopped never ends
            s.execute(update(WebJob).where(WebJob.status.in_(("queued", "running"))).values(
                status="failed", finished_at=datetime.now(UTC),
                error="the server stopped while this job ran: start it again"))

    def submit(self, kind: str, user: str, fn: JobFunction, label: str = "") -> str:
        """Queue ``fn``; the new job's id (its page is ``/jobs/{id}``)."""
        job_id = uuid.uuid4().hex
        with session_scope(self.engine) as s:
            s.add(WebJob(id=job_id, kind=kind, created_by=user, created_at=datetime.now(UTC),
                         status="queued", label=label[:200], phase="", step=0, total=0))
        self._pool.submit(self._run, job_id, fn)
        return job_id

    def _run(self, job_id: str, fn: JobFunction) -> None:
        self._set(job_id, status="running")
        try:
            result = fn(Progress(self.engine, job_id))
        except JobError as exc:
            self._set(job_id, status="failed", error=str(exc), finished_at=datetime.now(UTC))
        except Exception as exc:  # a bug: the log has the traceback, the page says so
            log.exception("job %s failed", job_id)
            self._set(job_id, status="failed", finished_at=datetime.now(UTC),
                      error=f"internal error ({type(exc).__name__}): the server log has "
                      "the details")
        else:
            self._set(job_id, status="done", result=json.dumps(result, ensure_ascii=False,
                                                                  default=str),
                      finished_at=datetime.now(UTC))

    def _set(self, job_id: str, **values: Any) -> None:
        with session_scope(self.engine) as s:
            s.execute(update(WebJob).where(WebJob.id == job_id).values(**values))

    def get(self, job_id: str) -> Job | None:
        with session_scope(self.engine) as s:
            row = s.get(WebJob, job_id)
            return None if row is None else _job(row)

    def recent(self, kind: str | None = None, limit: int = 20) -> list[Job]:
        q = select(WebJob).order_by(WebJob.created_at.desc()).limit(limit)
        if kind is not None:
            q = q.where(WebJob.kind == kind)
        with session_scope(self.engine) as s:
            return [_job(r) for r in s.scalars(q).all()]

    def wait(self, job_id: str, timeout: float = 60.0) -> Job | None:
        """The job once finished (for tests and scripts; pages poll instead)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            job = self.get(job_id)
            if job is None or job.finished:
                return job
            time.sleep(0.1)
        return self.get(job_id)

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
