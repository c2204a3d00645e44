"""The log of drill-downs to person-level records: who looked at what, and when.

Records behind a figure concern suspects and victims (often minors), so every listing of
them -- page or API -- leaves a row here, in the application database, before the records
are returned. The log is append-only from the web layer.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Integer, String, select
from sqlalchemy.orm import Mapped, mapped_column

from kaoping.appdb import Base, session_scope
from kaoping.web.scope import Scope

__all__ = ["DrilldownLog", "log_drilldown", "recent_drilldowns"]


class DrilldownLog(Base):
    __tablename__ = "web_drilldown_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    user_id: Mapped[int] = mapped_column(Integer)
    username: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))
    subject_type: Mapped[str] = mapped_column(String(16))
    subject: Mapped[str] = mapped_column(String(64), index=True)
    #: the organ the records belong to (for a prosecutor, his organ)
    organ_code: Mapped[str] = mapped_column(String(32), index=True)
    indicator: Mapped[str] = mapped_column(String(64))
    period: Mapped[str] = mapped_column(String(32))
    side: Mapped[str] = mapped_column(String(16))
    offset: Mapped[int] = mapped_column(Integer)
    limit: Mapped[int] = mapped_column(Integer)
    channel: Mapped[str] = mapped_column(String(8))  # "api" or "page"


def log_drilldown(
    scope: Scope, *, subject_type: str, subject: str, organ_code: str, indicator: str,
    period: str, side: str, offset: int, limit: int, channel: str,
) -> None:
    p = scope.principal
    with session_scope(scope.ctx.engine) as session:
        session.add(DrilldownLog(
            at=datetime.now(UTC), user_id=p.user_id, username=p.username, role=p.role.value,
            subject_type=subject_type, subject=subject, organ_code=organ_code,
            indicator=indicator, period=period, side=side, offset=offset, limit=limit,
            channel=channel,
        ))


def recent_drilldowns(scope: Scope, *, limit: int = 100) -> list[dict[str, Any]]:
    """The latest drill-downs into organs of the scope (staff see who looked at theirs)."""
    with session_scope(scope.ctx.engine) as session:
        rows = session.scalars(
            select(DrilldownLog)
            .where(DrilldownLog.organ_code.in_(sorted(scope.organs)))
            .order_by(DrilldownLog.id.desc())
            .limit(limit)
        ).all()
        return [
            {
                "at": r.at.isoformat(), "username": r.username, "role": r.role,
                "subject_type": r.subject_type, "subject": r.subject,
                "organ_code": r.organ_code, "indicator": r.indicator, "period": r.period,
                "side": r.side, "offset": r.offset, "limit": r.limit, "channel": r.channel,
            }
            for r in rows
        ]
