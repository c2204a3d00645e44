"""Manual items, objections and the audit trail: what people do to an appraisal.

- An appraiser **adds** a bonus or deduction item for a subject and period, with a reason
  and an evidence reference; it counts in every later run whose period contains it.
- A prosecutor (or an organ) **lodges** an objection to a result in a run, optionally
  naming the item or indicator contested.
- A reviewer -- not the person who lodged it -- **accepts** or **rejects** it with a
  reason. Accepting withdraws the contested item and/or enters a correction, and (given
  the warehouse) makes a new run that records which run it replaces; publishing that run
  supersedes the old one.

Every step writes an :class:`~kaoping.appraisal.records.AuditEntry` in the same
transaction, so the trail cannot miss an action that happened.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from kaoping.appdb import session_scope
from kaoping.appraisal.errors import AppraisalError
from kaoping.appraisal.records import AppraisalItem, AppraisalObjection, AppraisalRun, AuditEntry
from kaoping.appraisal.runs import Run, _row, actor, audit, load_run, now, run_appraisal
from kaoping.appraisal.scheme import Scheme
from kaoping.appraisal.validate import CORRECTION
from kaoping.catalogue.models import Catalogue
from kaoping.engine.periods import parse_period

__all__ = [
    "AuditRecord",
    "ItemRecord",
    "ObjectionRecord",
    "Review",
    "add_item",
    "audit_log",
    "list_items",
    "list_objections",
    "lodge_objection",
    "review_objection",
    "withdraw_item",
]


@dataclass(frozen=True)
class ItemRecord:
    item_id: int
    subject_type: str
    subject: str
    period: str
    category: str
    points: float
    reason: str
    evidence: str
    created_at: datetime
    created_by: str
    withdrawn: bool
    withdrawn_reason: str | None
    objection_id: int | None

    @classmethod
    def of(cls, r: AppraisalItem) -> ItemRecord:
        return cls(r.id, r.subject_type, r.subject, r.period, r.category, r.points, r.reason,
                   r.evidence, r.created_at, r.created_by, r.withdrawn, r.withdrawn_reason,
                   r.objection_id)


@dataclass(frozen=True)
class ObjectionRecord:
    objection_id: int
    run_id: int
    subject: str
    item_id: int | None
    indicator: str | None
    reason: str
    lodged_at: datetime
    lodged_by: str
    status: str
    reviewed_at: datetime | None
    reviewed_by: str | None
    review_reason: str | None
    correction: float | None
    resulting_run_id: int | None

    @classmethod
    def of(cls, r: AppraisalObjection) -> ObjectionRecord:
        return cls(r.id, r.run_id, r.subject, r.item_id, r.indicator, r.reason, r.lodged_at,
                   r.lodged_by, r.status, r.reviewed_at, r.reviewed_by, r.review_reason,
                   r.correction, r.resulting_run_id)


@dataclass(frozen=True)
class AuditRecord:
    entry_id: int
    at: datetime
    actor: str
    action: str
    object_type: str
    object_id: int
    subject: str | None
    details: dict[str, Any]


@dataclass(frozen=True)
class Review:
    objection: ObjectionRecord
    #: the run made because the objection was accepted (None if rejected, or no warehouse)
    new_run: Run | None


# --- manual items ---------------------------------------------------------------------------


def add_item(
    app_engine: Engine,
    *,
    subject_type: str,
    subject: str,
    period: str,
    category: str,
    points: float,
    reason: str,
    evidence: str,
    user: str | None = None,
    scheme: Scheme | None = None,
) -> ItemRecord:
    """Enter a bonus or deduction item (``points`` > 0; the category says which).

    ``category`` must be an item of ``scheme`` (default: the shipped scheme for the
    subject type), and ``points`` at most its ``max_points``.
    """
    if subject_type not in ("organ", "prosecutor"):
        raise AppraisalError(f"subject type must be 'organ' or 'prosecutor', not {subject_type!r}")
    label = parse_period(period).label
    if not reason.strip() or not evidence.strip():
        raise AppraisalError("an item needs a reason and an evidence reference")
    if scheme is None:
        from kaoping.appraisal.load import default_scheme

        scheme = default_scheme(subject_type)
    found = scheme.adjustment(category)
    if found is None:
        from kaoping.catalogue.typecheck import did_you_mean

        ids = scheme.adjustment_ids()
        raise AppraisalError(f"no item `{category}` in scheme {scheme.id}"
                             f"{did_you_mean(category, ids)} (items: {', '.join(ids)})")
    kind, adj = found
    if not 0 < points <= adj.max_points:
        raise AppraisalError(f"{kind} `{category}` carries more than 0 and at most "
                             f"{adj.max_points:g} points; got {points:g}")
    return _add(app_engine, subject_type, subject, label, category, points, reason, evidence,
                actor(user), None)


def _add(
    app_engine: Engine | None, subject_type: str, subject: str, period: str, category: str,
    points: float, reason: str, evidence: str, who: str, objection_id: int | None,
    session: Session | None = None,
) -> ItemRecord:
    def write(s: Session) -> ItemRecord:
        row = AppraisalItem(
            subject_type=subject_type, subject=subject, period=period, category=category,
            points=points, reason=reason, evidence=evidence, created_at=now(), created_by=who,
            withdrawn=False, objection_id=objection_id,
        )
        s.add(row)
        s.flush()
        audit(s, who, "item.add", "item", row.id, subject, category=category, points=points,
              period=period, reason=reason, evidence=evidence, objection=objection_id)
        return ItemRecord.of(row)

    if session is not None:
        return write(session)
    assert app_engine is not None
    with session_scope(app_engine) as s:
        return write(s)


def withdraw_item(
    app_engine: Engine, item_id: int, *, reason: str, user: str | None = None
) -> ItemRecord:
    """Withdraw an item: later runs no longer count it (earlier runs keep what they counted)."""
    with session_scope(app_engine) as s:
        return _withdraw(s, item_id, reason, actor(user), None)


def _withdraw(
    s: Session, item_id: int, reason: str, who: str, objection_id: int | None
) -> ItemRecord:
    row = s.get(AppraisalItem, item_id)
    if row is None:
        raise AppraisalError(f"no item {item_id} (see `kaoping appraise items list`)")
    if row.withdrawn:
        raise AppraisalError(f"item {item_id} is already withdrawn")
    row.withdrawn, row.withdrawn_at, row.withdrawn_by = True, now(), who
    row.withdrawn_reason = reason
    if objection_id is not None:
        row.objection_id = objection_id
    audit(s, who, "item.withdraw", "item", row.id, row.subject, reason=reason,
          objection=objection_id)
    return ItemRecord.of(row)


def list_items(
    app_engine: Engine, *, subject: str | None = None, period: str | None = None,
    include_withdrawn: bool = False,
) -> list[ItemRecord]:
    q = select(AppraisalItem).order_by(AppraisalItem.id)
    if subject is not None:
        q = q.where(AppraisalItem.subject == subject)
    if period is not None:
        q = q.where(AppraisalItem.period == parse_period(period).label)
    if not include_withdrawn:
        q = q.where(AppraisalItem.withdrawn.is_(False))
    with session_scope(app_engine) as s:
        return [ItemRecord.of(r) for r in s.scalars(q).all()]


# --- objections ------------------------------------------------------------------------------


def lodge_objection(
    app_engine: Engine,
    run_id: int,
    subject: str,
    *,
    reason: str,
    user: str | None = None,
    item_id: int | None = None,
    indicator: str | None = None,
) -> ObjectionRecord:
    """Object to ``subject``'s result in run ``run_id`` (optionally to one item or indicator)."""
    if not reason.strip():
        raise AppraisalError("an objection needs a reason")
    run = load_run(app_engine, run_id)
    if run.status == "superseded":
        raise AppraisalError(f"run {run_id} was superseded by run {run.superseded_by}; "
                             "object to the current run")
    result = run.result(subject)
    if indicator is not None:
        known = [i.indicator for d in result.dimensions for i in d.indicators]
        if indicator not in known:
            from kaoping.catalogue.typecheck import did_you_mean

            raise AppraisalError(f"run {run_id} does not score `{indicator}`"
                                 f"{did_you_mean(indicator, known)}")
    if item_id is not None and item_id not in {a.item_id for a in result.adjustments}:
        raise AppraisalError(f"item {item_id} did not count in {subject}'s result of run "
                             f"{run_id}")
    who = actor(user)
    with session_scope(app_engine) as s:
        row = AppraisalObjection(
            run_id=run_id, subject=subject, item_id=item_id, indicator=indicator,
            reason=reason, lodged_at=now(), lodged_by=who, status="pending",
        )
        s.add(row)
        s.flush()
        audit(s, who, "objection.lodge", "objection", row.id, subject, run=run_id,
              item=item_id, indicator=indicator, reason=reason)
        return ObjectionRecord.of(row)


def review_objection(
    app_engine: Engine,
    objection_id: int,
    *,
    accept: bool,
    reason: str,
    user: str | None = None,
    correction: float | None = None,
    warehouse: Path | str | None = None,
    catalogue: Catalogue | None = None,
) -> Review:
    """Accept or reject a pending objection, with a reason.

    Accepting withdraws the contested item (if one was named) and enters ``correction``
    points (if given); with ``warehouse`` it then makes the new run, which records the run
    it replaces and is linked from the objection.
    """
    if not reason.strip():
        raise AppraisalError("a review needs a reason")
    if correction is not None and not accept:
        raise AppraisalError("a correction goes with accepting an objection")
    who = actor(user)
    with session_scope(app_engine) as s:
        row = s.get(AppraisalObjection, objection_id)
        if row is None:
            raise AppraisalError(f"no objection {objection_id} (see `kaoping appraise "
                                 "objections list`)")
        if row.status != "pending":
            raise AppraisalError(f"objection {objection_id} was already {row.status}")
        if row.lodged_by == who:
            raise AppraisalError("an objection is reviewed by someone other than the person "
                                 f"who lodged it ({who})")
        run = _row(s, row.run_id)
        row.status = "accepted" if accept else "rejected"
        row.reviewed_at, row.reviewed_by, row.review_reason = now(), who, reason
        row.correction = correction
        audit(s, who, f"objection.{row.status}", "objection", row.id, row.subject,
              run=row.run_id, reason=reason, correction=correction)
        if accept:
            _remedy(s, row, run, who, reason, correction)
        run_info = (run.id, run.scheme_json, run.period, run.organ_code)
    new_run = None
    if accept and warehouse is not None:
        new_run = _rerun(app_engine, objection_id, run_info, warehouse, who, catalogue)
    with session_scope(app_engine) as s:
        return Review(ObjectionRecord.of(s.get_one(AppraisalObjection, objection_id)), new_run)


def _remedy(
    s: Session, row: AppraisalObjection, run: AppraisalRun, who: str, reason: str,
    correction: float | None,
) -> None:
    if row.item_id is not None:
        _withdraw(s, row.item_id, f"objection {row.id} accepted: {reason}", who, row.id)
    if correction is not None:
        _add(None, run.subject_type, row.subject, run.period, CORRECTION, correction,
             f"objection {row.id} accepted: {reason}", f"objection {row.id}", who, row.id,
             session=s)


def _rerun(
    app_engine: Engine, objection_id: int, run_info: tuple[int, str, str, str],
    warehouse: Path | str, who: str, catalogue: Catalogue | None,
) -> Run:
    old_id, scheme_text, period, organ = run_info
    new = run_appraisal(
        warehouse, Scheme.model_validate_json(scheme_text), period, app_engine, organ=organ,
        user=who, catalogue=catalogue, supersedes=old_id,
        reason=f"objection {objection_id} accepted",
    )
    with session_scope(app_engine) as s:
        row = s.get_one(AppraisalObjection, objection_id)
        row.resulting_run_id = new.run_id
        audit(s, who, "objection.rerun", "objection", objection_id, row.subject,
              run=old_id, new_run=new.run_id)
    return new


def list_objections(
    app_engine: Engine, *, run_id: int | None = None, status: str | None = None,
    subject: str | None = None,
) -> list[ObjectionRecord]:
    q = select(AppraisalObjection).order_by(AppraisalObjection.id)
    if run_id is not None:
        q = q.where(AppraisalObjection.run_id == run_id)
    if status is not None:
        q = q.where(AppraisalObjection.status == status)
    if subject is not None:
        q = q.where(AppraisalObjection.subject == subject)
    with session_scope(app_engine) as s:
        return [ObjectionRecord.of(r) for r in s.scalars(q).all()]


# --- the audit trail ------------------------------------------------------------------------


def audit_log(
    app_engine: Engine, *, subject: str | None = None, object_type: str | None = None,
    object_id: int | None = None, actor_name: str | None = None, limit: int | None = None,
) -> list[AuditRecord]:
    """Audit entries, oldest first (the last ``limit`` of them when a limit is given)."""
    q = select(AuditEntry).order_by(AuditEntry.id.desc())
    if subject is not None:
        q = q.where(AuditEntry.subject == subject)
    if object_type is not None:
        q = q.where(AuditEntry.object_type == object_type)
    if object_id is not None:
        q = q.where(AuditEntry.object_id == object_id)
    if actor_name is not None:
        q = q.where(AuditEntry.actor == actor_name)
    if limit is not None:
        q = q.limit(limit)
    with session_scope(app_engine) as s:
        rows = list(reversed(s.scalars(q).all()))
        return [AuditRecord(r.id, r.at, r.actor, r.action, r.object_type, r.object_id,
                            r.subject, json.loads(r.details_json)) for r in rows]
