"""Application-database tables of the appraisal: runs, results, manual items, objections, audit.

**Why runs live here and not in the DuckDB warehouse.** A run is a decision people act on
and contest, not a cache: objections point at a run and a subject, an accepted objection
leads to a new run that supersedes it, and every step is audited. Keeping runs, their
results, the items, the objections and the audit trail in one transactional database
(SQLite by default, PostgreSQL by URL) gives foreign keys between them and lets one
transaction record an action together with its audit entry. The warehouse, by contrast,
is rebuilt by imports and ``kaoping compute`` and allows a single writer; the web app
would otherwise contend with the CLI for it. Results are stored one row per subject with
the full decomposition as canonical JSON (what the run's ``results_hash`` is taken of), so
a national prosecutor run is tens of thousands of rows, not millions.

**Immutability.** Results are never updated or deleted, and the inputs, hashes and scheme
of a stored run never change; only its status moves forward (draft -> published ->
superseded). A ``before_flush`` guard refuses anything else, whichever code tries.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
    inspect,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from kaoping.appdb import Base

__all__ = [
    "RUN_STATUSES",
    "AppraisalItem",
    "AppraisalObjection",
    "AppraisalResult",
    "AppraisalRun",
    "AuditEntry",
    "FrozenRunError",
]

RUN_STATUSES = ("draft", "published", "superseded")
_NEXT_STATUS = {"draft": {"published", "superseded"}, "published": {"superseded"},
                "superseded": set()}
#: the run columns that may change after the run is stored (status bookkeeping)
_MUTABLE_RUN_COLUMNS = {"status", "published_at", "published_by", "superseded_by"}


class FrozenRunError(RuntimeError):
    """Something tried to change a stored run's results or inputs."""


class AppraisalRun(Base):
    __tablename__ = "appraisal_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    scheme_id: Mapped[str] = mapped_column(String(100), index=True)
    scheme_name_zh: Mapped[str] = mapped_column(String(200))
    scheme_name_en: Mapped[str] = mapped_column(String(200))
    #: the validated scheme as canonical JSON, so a re-run scores exactly the same way
    scheme_json: Mapped[str] = mapped_column(Text)
    subject_type: Mapped[str] = mapped_column(String(20))
    period: Mapped[str] = mapped_column(String(40), index=True)
    #: the organ whose organs (or prosecutors) below it were appraised
    organ_code: Mapped[str] = mapped_column(String(40), index=True)
    warehouse: Mapped[str] = mapped_column(String(500))
    content_hash: Mapped[str] = mapped_column(String(64), index=True)
    results_hash: Mapped[str] = mapped_column(String(64))
    #: the digests the content hash is made of (data, values, catalogue, scheme, items ...)
    inputs_json: Mapped[str] = mapped_column(Text)
    warnings_json: Mapped[str] = mapped_column(Text, default="[]")
    subjects: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20), default="draft")
    created_at: Mapped[datetime] = mapped_column(DateTime)
    created_by: Mapped[str] = mapped_column(String(100))
    published_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    published_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    superseded_by: Mapped[int | None] = mapped_column(
        ForeignKey("appraisal_runs.id"), nullable=True
    )
    #: the run this one was made to replace (e.g. after an accepted objection)
    supersedes: Mapped[int | None] = mapped_column(ForeignKey("appraisal_runs.id"), nullable=True)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)


class AppraisalResult(Base):
    __tablename__ = "appraisal_results"
    __table_args__ = (UniqueConstraint("run_id", "subject"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("appraisal_runs.id"), index=True)
    subject: Mapped[str] = mapped_column(String(60), index=True)
    organ_code: Mapped[str] = mapped_column(String(40), index=True)
    group_key: Mapped[str] = mapped_column(String(100))
    name_zh: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    total: Mapped[float] = mapped_column(Float)
    rank: Mapped[int] = mapped_column(Integer)
    peers: Mapped[int] = mapped_column(Integer)
    grade: Mapped[str] = mapped_column(String(60))
    #: the full decomposition (:class:`kaoping.appraisal.results.SubjectResult`) as JSON
    detail_json: Mapped[str] = mapped_column(Text)


class AppraisalItem(Base):
    """A bonus, deduction or correction entered for a subject and period, with evidence."""

    __tablename__ = "appraisal_items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    subject_type: Mapped[str] = mapped_column(String(20))
    subject: Mapped[str] = mapped_column(String(60), index=True)
    #: the period the item belongs to; it counts in every run whose period contains it
    period: Mapped[str] = mapped_column(String(40))
    category: Mapped[str] = mapped_column(String(100))
    points: Mapped[float] = mapped_column(Float)
    reason: Mapped[str] = mapped_column(Text)
    evidence: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    created_by: Mapped[str] = mapped_column(String(100))
    withdrawn: Mapped[bool] = mapped_column(Boolean, default=False)
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    withdrawn_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    withdrawn_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    #: the objection whose acceptance created (a correction) or withdrew this item
    objection_id: Mapped[int | None] = mapped_column(Integer, nullable=True)


class AppraisalObjection(Base):
    """An objection (异议) to a subject's result in a run, and its review."""

    __tablename__ = "appraisal_objections"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("appraisal_runs.id"), index=True)
    subject: Mapped[str] = mapped_column(String(60), index=True)
    #: what is contested: a manual item, an indicator, or (both None) the result as such
    item_id: Mapped[int | None] = mapped_column(ForeignKey("appraisal_items.id"), nullable=True)
    indicator: Mapped[str | None] = mapped_column(String(100), nullable=True)
    reason: Mapped[str] = mapped_column(Text)
    lodged_at: Mapped[datetime] = mapped_column(DateTime)
    lodged_by: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(20), default="pending")
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    reviewed_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    review_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    #: points of a correction the reviewer granted (positive raises the total)
    correction: Mapped[float | None] = mapped_column(Float, nullable=True)
    #: the run made after the objection was accepted
    resulting_run_id: Mapped[int | None] = mapped_column(
        ForeignKey("appraisal_runs.id"), nullable=True
    )


class AuditEntry(Base):
    """Who did what when: one row per action, written in the action's transaction."""

    __tablename__ = "appraisal_audit"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime, index=True)
    actor: Mapped[str] = mapped_column(String(100), index=True)
    action: Mapped[str] = mapped_column(String(60))
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[int] = mapped_column(Integer)
    subject: Mapped[str | None] = mapped_column(String(60), nullable=True, index=True)
    details_json: Mapped[str] = mapped_column(Text, default="{}")


@event.listens_for(Session, "before_flush")
def _guard_runs(session: Session, _context: object, _instances: object) -> None:
    """Refuse changes to stored results and to a stored run's inputs; status only moves on."""
    for obj in session.deleted:
        if isinstance(obj, AppraisalRun | AppraisalResult):
            raise FrozenRunError("appraisal runs and their results are never deleted")
    for obj in session.dirty:
        if isinstance(obj, AppraisalResult) and session.is_modified(obj):
            raise FrozenRunError(f"results of run {obj.run_id} are frozen; make a new run")
        if isinstance(obj, AppraisalRun):
            _check_run_change(obj)


def _check_run_change(run: AppraisalRun) -> None:
    state = inspect(run)
    added = list(state.attrs["status"].history.added or ())
    publishing = bool(added) and added[0] == "published"
    for attr in state.attrs:
        hist = attr.history
        if not hist.has_changes():
            continue
        if attr.key not in _MUTABLE_RUN_COLUMNS:
            raise FrozenRunError(
                f"run {run.id}: `{attr.key}` cannot change once the run is stored; "
                "make a new run instead"
            )
        if attr.key in ("published_at", "published_by") and not publishing:
            raise FrozenRunError(f"run {run.id}: `{attr.key}` is set when it is published")
        if attr.key == "status":
            before = hist.deleted[0] if hist.deleted else None
            after = hist.added[0] if hist.added else None
            if before is not None and after not in _NEXT_STATUS.get(str(before), set()):
                raise FrozenRunError(f"run {run.id} is {before}; it cannot become {after}")
