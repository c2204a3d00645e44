"""An organ as a subject, read with plain SQL: the organ's row and the organs below it.

:class:`kaoping.engine.hierarchy.Hierarchy` holds the whole tree in pandas, which every
computation needs; a point read (`kaoping show`, a request of the web server) needs one
organ and its descendants, which one read of the organs table gives without pandas or
Ibis. The tree is checked first -- one root, every organ reachable from it exactly once --
and when it does not hold, the caller is told so (None), to let the full hierarchy name
the problem.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kaoping.engine.values import Subject

if TYPE_CHECKING:
    import duckdb

__all__ = ["HierarchyError", "organ_subject", "organ_subjects", "root_codes", "tree_holds"]


class HierarchyError(ValueError, LookupError):
    """The organs table does not form the model's tree; the message names the organ.

    A ``LookupError`` as well as a ``ValueError``: the data behind every request is
    unusable, which the web layer answers with 503 (service unavailable) -- not 400, as if
    the request itself were wrong. (Defined here, with the light-weight reads, so that a
    reader can catch it without importing the pandas-based hierarchy.)
    """

#: deeper than any hierarchy kaoping models (four levels), shallow enough to stop a cycle
_MAX_DEPTH = 64

#: the organ table of the active model under the engine's column names
#: (:func:`kaoping.model.organs.organs_sql`), as a CTE every query here starts with
_ORGANS = "organs AS ({organs})"

_TREE_OK = f"""
WITH RECURSIVE {_ORGANS}, reach(code, depth) AS (
    SELECT organ_code, 0 FROM organs WHERE parent_code IS NULL
    UNION
    SELECT o.organ_code, r.depth + 1 FROM organs o JOIN reach r ON o.parent_code = r.code
    WHERE r.depth < {_MAX_DEPTH}
)
SELECT
    (SELECT count(*) FROM organs WHERE parent_code IS NULL) = 1
    AND (SELECT count(*) FROM reach) = (SELECT count(*) FROM organs)
    AND (SELECT count(DISTINCT organ_code) FROM organs) = (SELECT count(*) FROM organs)
    AND NOT EXISTS (
        SELECT 1 FROM organs c JOIN organs p ON c.parent_code = p.organ_code
        WHERE c.level IS DISTINCT FROM p.level + 1
    )
"""

def _sql(template: str) -> str:
    from kaoping.model.organs import organs_sql

    return template.replace("{_ORGANS}", _ORGANS).format(organs=organs_sql())


def root_codes(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The codes of the organs without a parent (one in a tree that holds), at most two."""
    rows = con.execute(
        _sql("WITH {_ORGANS} SELECT organ_code FROM organs WHERE parent_code IS NULL LIMIT 2")
    ).fetchall()
    return [str(r[0]) for r in rows]


def tree_holds(con: duckdb.DuckDBPyConnection) -> bool:
    """One root, every organ reachable from it once, every level one below its parent's."""
    ok = con.execute(_sql(_TREE_OK)).fetchall()
    return bool(ok and ok[0][0])


def organ_subjects(con: duckdb.DuckDBPyConnection) -> dict[str, Subject] | None:
    """Every organ as a subject (itself and every organ below it) by code; None when the
    tree does not hold together.

    All at once, from one read of the organs table: a reader -- a web server's, which
    is asked for any of 3,000 organs -- keeps them for its version, where two recursive
    queries per organ and the tree's check per read were a twentieth of its time."""
    if not tree_holds(con):
        return None
    rows = con.execute(
        _sql("WITH {_ORGANS} SELECT organ_code, parent_code, level, name_zh, name_en "
             "FROM organs")
    ).fetchall()
    children: dict[str, list[str]] = {}
    for code, parent, *_ in rows:
        if parent is not None:
            children.setdefault(str(parent), []).append(str(code))
    out: dict[str, Subject] = {}
    for code, parent, level, name_zh, name_en in rows:
        below: list[str] = []
        todo = list(children.get(str(code), ()))
        while todo:  # the tree holds: no cycle, every organ below reached once
            child = todo.pop()
            below.append(child)
            todo.extend(children.get(child, ()))
        out[str(code)] = Subject(
            kind="organ",
            code=str(code),
            organ_code=str(code),
            level=int(level),
            parent_code=None if parent is None or parent == "" else str(parent),
            name_zh=str(name_zh),
            name_en=str(name_en),
            # the organ first, then the others by code, as Hierarchy.descendants lists them
            organs=(str(code), *sorted(below)),
        )
    return out


def organ_subject(con: duckdb.DuckDBPyConnection, organ_code: str) -> Subject | None:
    """The organ ``organ_code`` with every organ below it; None when there is no such
    organ or the tree does not hold together."""
    subjects = organ_subjects(con)
    return None if subjects is None else subjects.get(organ_code)
