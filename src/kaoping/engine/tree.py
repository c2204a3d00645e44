"""An organ as a subject, read with plain SQL: the organ's row and the organs below it.

:class:`kaoping.engine.hierarchy.Hierarchy` holds the whole tree in pandas, which every
computation needs; a point read (`kaoping show`, a request of the web server) needs one
organ and its descendants, which two small queries give without pandas or Ibis. The tree
is checked first -- one root, every organ reachable from it exactly once -- and when it
does not hold, the caller is told so (None), to let the full hierarchy name the problem.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kaoping.engine.values import Subject

if TYPE_CHECKING:
    import duckdb

__all__ = ["HierarchyError", "organ_subject", "root_codes", "tree_holds"]


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

_BELOW = f"""
WITH RECURSIVE {_ORGANS}, below(code, depth) AS (
    SELECT CAST(? AS VARCHAR), 0
    UNION
    SELECT o.organ_code, b.depth + 1 FROM organs o JOIN below b ON o.parent_code = b.code
    WHERE b.depth < {_MAX_DEPTH}
)
SELECT code FROM below WHERE code <> ? ORDER BY code
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


def organ_subject(con: duckdb.DuckDBPyConnection, organ_code: str) -> Subject | None:
    """The organ ``organ_code`` with every organ below it; None when there is no such
    organ or the tree does not hold together."""
    if not tree_holds(con):
        return None
    rows = con.execute(
        _sql(
            "WITH {_ORGANS} SELECT parent_code, level, name_zh, name_en FROM organs "
            "WHERE organ_code = ?"
        ),
        [organ_code],
    ).fetchall()
    if len(rows) != 1:
        return None
    parent, level, name_zh, name_en = rows[0]
    # the organ first, then the others by code, as Hierarchy.descendants lists them
    rest = con.execute(_sql(_BELOW), [organ_code, organ_code]).fetchall()
    below = (organ_code, *(str(r[0]) for r in rest))
    return Subject(
        kind="organ",
        code=organ_code,
        organ_code=organ_code,
        level=int(level),
        parent_code=None if parent is None or parent == "" else str(parent),
        name_zh=str(name_zh),
        name_en=str(name_en),
        organs=below,
    )
