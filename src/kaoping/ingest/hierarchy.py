"""The organ hierarchy an organs file would leave behind, checked before it is written.

Row checks see one row at a time; a tree is a property of all rows together. A single
organs row can re-parent a province under its own city, add a second national organ or
put a provincial organ under a grassroots one -- each row valid on its own, and each
enough to make every later ``compute``, ``show`` and web request fail for the whole
warehouse. So the importer merges the organs already stored with the file's rows that are
still good (a file row replaces the stored row of the same code, as the upsert will) and
checks the merged tree: no cycles, exactly one national organ, levels the model allows,
each organ one level below its parent. Only rows of the file are ever blamed; what is
stored stays as it is.

The organs table is reference data (a few thousand rows), so the merged tree is checked
in Python from one small query instead of with recursive SQL.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from kaoping.engine.hierarchy import LEVEL_NAMES, LEVELS
from kaoping.ingest.sql import ident, integer_expr

#: One problem: (row number, position of the column, column, value, reason).
Problem = tuple[int, int, str, str | None, str]

_LEVELS_TEXT = (
    f"{LEVELS[0]} to {LEVELS[-1]} ({', '.join(f'{k} {v}' for k, v in LEVEL_NAMES.items())})"
)


@dataclass(frozen=True)
class _Node:
    code: str
    parent: str | None
    level: int
    row: int | None  # the file's row number; None for an organ only stored
    text: str | None = None  # the level as the file spells it


def _merged(con: duckdb.DuckDBPyConnection, stage: str, problems: str) -> dict[str, _Node]:
    """The organs the warehouse would hold if the file's good rows were upserted now."""
    nodes: dict[str, _Node] = {}
    stored = con.execute("SELECT organ_code, NULLIF(parent_code, ''), level FROM organs").fetchall()
    for code, parent, level in stored:  # a level written as NULL by hand fits nothing
        nodes[str(code)] = _Node(
            str(code), None if parent is None else str(parent), int(level or 0), None
        )
    good = con.execute(
        f"SELECT s._row, s.organ_code, s.parent_code, "
        f"CAST({integer_expr('s.' + ident('level'))} AS BIGINT), s.level "
        f"FROM {stage} s ANTI JOIN {problems} p USING (_row) ORDER BY s._row"
    ).fetchall()
    for row, code, parent, level, text in good:
        nodes[str(code)] = _Node(
            str(code), None if parent is None else str(parent), int(level), int(row), text
        )
    return nodes


def _cycles(nodes: dict[str, _Node]) -> dict[str, list[str]]:
    """Every organ on a cycle of parent links, mapped to its cycle in parent order."""
    on_cycle: dict[str, list[str]] = {}
    done: set[str] = set()
    for start in nodes:
        path: list[str] = []
        index: dict[str, int] = {}
        node: str | None = start
        while node is not None and node in nodes and node not in done:
            if node in index:
                cycle = path[index[node] :]
                for member in cycle:
                    at = cycle.index(member)
                    on_cycle[member] = cycle[at:] + cycle[:at]
                break
            index[node] = len(path)
            path.append(node)
            node = nodes[node].parent
        done.update(path)
    return on_cycle


def hierarchy_problems(
    con: duckdb.DuckDBPyConnection, stage: str, problems: str, positions: dict[str, int]
) -> list[Problem]:
    """The file's rows that would break the tree, each with the reason, in row order.

    ``positions`` gives the column positions (``parent_code``, ``level``) for ordering
    quarantine rows the way the other checks do.
    """
    nodes = _merged(con, stage, problems)
    found: dict[int, Problem] = {}  # one problem per row: the first rule it breaks

    def blame(row: int, column: str, value: str | None, reason: str) -> None:
        found.setdefault(row, (row, positions[column], column, value, reason))

    cycles = _cycles(nodes)
    for code, cycle in cycles.items():
        node = nodes[code]
        if node.row is None:
            continue
        if len(cycle) == 1:
            blame(
                node.row,
                "parent_code",
                node.parent,
                f"parent_code '{node.parent}' is the "
                "organ itself; an organ cannot be its own parent",
            )
        else:
            loop = " → ".join([*cycle, cycle[0]])
            blame(
                node.row,
                "parent_code",
                node.parent,
                f"parent_code '{node.parent}' makes the hierarchy a cycle: {loop}",
            )

    for node in nodes.values():
        if node.row is not None and node.level not in LEVELS:
            blame(node.row, "level", node.text, f"level must be {_LEVELS_TEXT}, got '{node.text}'")

    roots = [n for n in nodes.values() if n.parent is None]
    stored_roots = [n for n in roots if n.row is None]
    first_root = stored_roots[0] if stored_roots else None
    for root in sorted((n for n in roots if n.row is not None), key=lambda n: n.row or 0):
        assert root.row is not None
        if root.level != 1:
            blame(
                root.row,
                "parent_code",
                None,
                f"empty parent_code for a level {root.level} "
                "organ; only the national organ (level 1) has no parent",
            )
        elif first_root is None:
            first_root = root
        elif first_root.code != root.code:
            where = "the warehouse" if first_root.row is None else f"row {first_root.row}"
            blame(
                root.row,
                "parent_code",
                None,
                "a second national organ (level 1, empty "
                f"parent_code): {where} already has {first_root.code}",
            )

    children: dict[str, list[_Node]] = {}
    for node in nodes.values():
        if node.parent is not None and node.code not in cycles:
            children.setdefault(node.parent, []).append(node)
    for code, kids in children.items():
        parent = nodes.get(code)
        if parent is None or parent.level not in LEVELS or code in cycles:
            continue  # a dangling parent is the reference check's; a bad level is above
        for kid in kids:
            if kid.level == parent.level + 1:
                continue
            if kid.row is not None:
                blame(
                    kid.row,
                    "level",
                    kid.text,
                    f"level '{kid.level}' is not one "
                    f"below its parent {code} (level {parent.level}): expected level "
                    f"{parent.level + 1}",
                )
            elif parent.row is not None:
                blame(
                    parent.row,
                    "level",
                    parent.text,
                    f"level '{parent.level}' "
                    f"breaks the organs below it: {kid.code} (level {kid.level}) has "
                    f"this organ as its parent, expected level {kid.level - 1}",
                )
    return sorted(found.values())
