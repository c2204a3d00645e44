"""Demo logins: one user per role, attached to organs of the demo warehouse that have data.

``kaoping demo`` calls :func:`create_demo_users` after computing, then starts the server
and prints the logins. The password is the same for all and printed on screen: these are
accounts for a synthetic dataset on localhost, not for real data.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from kaoping.appdb import make_engine, session_scope
from kaoping.web.users import Role, User, UserError, create_user

__all__ = ["DEMO_PASSWORD", "DemoSubjects", "DemoUser", "create_demo_users",
           "pick_demo_subjects"]

DEMO_PASSWORD = "kaoping-demo"


@dataclass(frozen=True)
class DemoUser:
    username: str
    password: str
    role: str
    organ_code: str | None
    prosecutor_id: str | None


@dataclass(frozen=True)
class DemoSubjects:
    """The busiest chain from the top down, so every login opens onto full pages."""

    national: str
    province: str
    municipal: str
    grassroots: str
    prosecutor: str


def pick_demo_subjects(db: Path | str) -> DemoSubjects:
    """The busiest province, the busiest municipal organ below it, and so on down to the
    prosecutor with most persons in the busiest grassroots organ of that chain."""
    from kaoping.warehouse import opened

    with opened(db, read_only=True) as con:
        organs = con.execute("SELECT organ_code, parent_code, level FROM organs").fetchall()
        own = dict(con.execute(
            "SELECT organ_code, count(*) FROM persons GROUP BY organ_code").fetchall())
        by_prosecutor = con.execute(
            "SELECT organ_code, prosecutor_id, count(*) AS n FROM persons "
            "WHERE prosecutor_id IS NOT NULL GROUP BY ALL ORDER BY n DESC, prosecutor_id"
        ).fetchall()
    parent = {str(c): (None if p is None else str(p)) for c, p, _ in organs}
    load = {c: 0 for c in parent}
    for code, n in own.items():
        node: str | None = str(code)
        while node is not None and node in load:
            load[node] += int(n)
            node = parent[node]
    roots = [c for c, p in parent.items() if p is None]
    if len(roots) != 1 or not own:
        raise UserError("the warehouse has no single national organ or no persons: "
                        "import data first")

    def busiest_child(code: str) -> str:
        kids = [c for c, p in parent.items() if p == code]
        if not kids:
            raise UserError(f"organ {code} has no organs below it")
        return max(kids, key=lambda c: (load[c], c))

    province = busiest_child(roots[0])
    municipal = busiest_child(province)
    grassroots = busiest_child(municipal)
    prosecutor = next((str(p) for o, p, _ in by_prosecutor if str(o) == grassroots), None)
    if prosecutor is None:
        raise UserError(f"no prosecutor with cases in organ {grassroots}")
    return DemoSubjects(roots[0], province, municipal, grassroots, prosecutor)


def create_demo_users(
    db: Path | str, app_db: str | None = None, *, password: str = DEMO_PASSWORD
) -> list[DemoUser]:
    """One user per role (skipping names that exist already); returns all four.

    admin: the national organ; officer: the busiest province; leader: the busiest
    municipal organ in it; prosecutor: the busiest prosecutor of a grassroots organ below.
    """
    s = pick_demo_subjects(db)
    wanted = [
        DemoUser("admin", password, Role.ADMIN.value, None, None),
        DemoUser("officer", password, Role.OFFICER.value, s.province, None),
        DemoUser("leader", password, Role.LEADER.value, s.municipal, None),
        DemoUser("prosecutor", password, Role.PROSECUTOR.value, s.grassroots, s.prosecutor),
    ]
    engine = make_engine(app_db)
    try:
        with session_scope(engine) as session:
            for u in wanted:
                if session.scalar(select(User).where(User.username == u.username)) is None:
                    create_user(session, u.username, u.password, u.role,
                                organ_code=u.organ_code, prosecutor_id=u.prosecutor_id)
    finally:
        engine.dispose()
    return wanted
