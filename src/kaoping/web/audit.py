"""The audit trail of the web layer: drill-downs to person-level records, and logins.

Records behind a figure concern suspects and victims (often minors), so every listing of
them -- page or API -- leaves a row here, in the application database, before the records
are returned. Every login attempt (successful, failed, refused while locked), logout,
password change and revocation leaves a row in :class:`AuthLog` (never the password). Both
logs are append-only from the web layer.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import DateTime, Engine, Integer, String, select
from sqlalchemy.orm import Mapped, mapped_column

from kaoping.appdb import Base, session_scope

if TYPE_CHECKING:
    from kaoping.web.scope import Scope

__all__ = ["AuthLog", "DrilldownLog", "log_auth", "log_drilldown", "recent_auth",
           "recent_drilldowns"]

#: the events of :class:`AuthLog`
AUTH_EVENTS = ("login_ok", "login_failed", "login_locked", "logout", "password_changed",
               "tokens_revoked", "disabled", "enabled", "removed")


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


class AuthLog(Base):
    """One login attempt or account event: who, from where, through which channel."""

    __tablename__ = "web_auth_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    event: Mapped[str] = mapped_column(String(24), index=True)
    #: the name given at the login (also for unknown names), or the account acted on
    username: Mapped[str] = mapped_column(String(64), index=True)
    address: Mapped[str] = mapped_column(String(120))
    channel: Mapped[str] = mapped_column(String(8))  # "api", "page" or "cli"
    detail: Mapped[str] = mapped_column(String(200), default="")


def log_auth(
    engine: Engine, event: str, username: str, *, address: str = "", channel: str,
    detail: str = "",
) -> None:
    """Append one event of :data:`AUTH_EVENTS` to the trail."""
    assert event in AUTH_EVENTS, event
    with session_scope(engine) as session:
        session.add(AuthLog(at=datetime.now(UTC), event=event, username=username[:64],
                            address=address[:120], channel=channel, detail=detail[:200]))


def recent_auth(engine: Engine, *, limit: int = 100) -> list[dict[str, Any]]:
    """The latest login events, newest first (administrators read them)."""
    with session_scope(engine) as session:
        rows = session.scalars(select(AuthLog).order_by(AuthLog.id.desc()).limit(limit)).all()
        return [
            {"at": r.at.isoformat(), "event": r.event, "username": r.username,
             "address": r.address, "channel": r.channel, "detail": r.detail}
            for r in rows
        ]
