"""The organ hierarchy as the engine needs it: who is below whom.

An organ's figure covers its own records and those of every organ below it. Rather than
walk the tree per record, the engine joins records (or rather, a monthly cube of them) to
a *closure table* -- one row per (ancestor, descendant) pair, an organ being its own
ancestor -- and sums by ancestor. Numerators and denominators are re-aggregated, never
rates averaged.

The organs table is reference data (a few thousand rows), so the closure is built in
Python from one small query and handed back to the backend as a memtable.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from kaoping.engine.tree import HierarchyError
from kaoping.model.selection import default_model

if TYPE_CHECKING:
    import ibis.expr.types as ir

__all__ = ["LEVELS", "LEVEL_NAMES", "Hierarchy", "HierarchyError", "load_hierarchy"]

#: The levels of the default model's hierarchy (``hierarchy:`` in
#: kaoping/model/default/model.yaml), national to grassroots; every organ is one below its
#: parent.
_HIERARCHY = default_model().hierarchy
LEVEL_NAMES: dict[int, str] = {lv.level: lv.name for lv in _HIERARCHY.levels} if _HIERARCHY else {}
LEVELS: tuple[int, ...] = tuple(LEVEL_NAMES)

#: What the user can do about a broken tree, appended to every message.
_FIX = "correct the organs table and import it again"


@dataclass(frozen=True)
class Hierarchy:
    """Organs with their level and parent, and the ancestor closure."""

    #: organ_code, parent_code, level, name_zh, name_en -- one row per organ
    organs: pd.DataFrame
    #: ancestor, descendant -- every organ is its own ancestor
    closure: pd.DataFrame

    def __contains__(self, organ_code: object) -> bool:
        return organ_code in self._index

    @property
    def _index(self) -> pd.Index:
        return pd.Index(self.organs["organ_code"])

    def organ(self, organ_code: str) -> dict[str, object]:
        """The organ's row as a dict; KeyError suggests near misses."""
        rows = self.organs[self.organs["organ_code"] == organ_code]
        if rows.empty:
            raise KeyError(self.unknown_organ_message(organ_code))
        return {str(k): v for k, v in rows.iloc[0].to_dict().items()}

    def unknown_organ_message(self, organ_code: str) -> str:
        import difflib

        codes = [str(c) for c in self.organs["organ_code"]]
        names = {str(n): str(c) for n, c in zip(self.organs["name_zh"], codes, strict=True)}
        close = difflib.get_close_matches(organ_code, codes, n=3)
        close += [names[n] for n in difflib.get_close_matches(organ_code, list(names), n=2)]
        hint = f"; did you mean {', '.join(dict.fromkeys(close))}?" if close else ""
        return f"no organ {organ_code!r} in the warehouse{hint}"

    def descendants(self, organ_code: str) -> list[str]:
        """The organ itself and every organ below it, the organ first."""
        below = self.closure.loc[self.closure["ancestor"] == organ_code, "descendant"]
        return [organ_code, *sorted(str(c) for c in below if c != organ_code)]

    def closure_table(self) -> ir.Table:
        import ibis

        return ibis.memtable(self.closure)

    def organ_table(self) -> ir.Table:
        import ibis

        return ibis.memtable(self.organs[["organ_code", "parent_code", "level"]])


def build_closure(organs: pd.DataFrame) -> pd.DataFrame:
    """Ancestor/descendant pairs of ``organs`` (columns organ_code, parent_code).

    Raises :class:`HierarchyError` naming the organ when a parent is unknown or the parent
    links form a cycle.
    """
    # The importer refuses such rows; a tree written by hand may still hold them.
    parent = {
        str(c): (None if pd.isna(p) or p == "" else str(p))
        for c, p in zip(organs["organ_code"], organs["parent_code"], strict=True)
    }
    pairs: list[tuple[str, str]] = []
    for code in parent:
        seen: list[str] = []
        node: str | None = code
        below = code  # the organ whose parent ``node`` is
        while node is not None:
            if node in seen:
                loop = " → ".join([*seen[seen.index(node) :], node])
                raise HierarchyError(
                    f"organs table: organ {node!r}: the parent links form a cycle ({loop}); {_FIX}"
                )
            if node not in parent:
                raise HierarchyError(
                    f"organs table: organ {below!r}: parent {node!r} is not in the organs "
                    f"table; {_FIX}"
                )
            seen.append(node)
            pairs.append((node, code))
            below, node = node, parent[node]
    return pd.DataFrame(pairs, columns=["ancestor", "descendant"])


def check_tree(organs: pd.DataFrame) -> None:
    """Raise :class:`HierarchyError` naming the first organ that breaks the tree: exactly
    one national organ (level 1, no parent), each organ one level below its parent.
    Cycles and unknown parents are :func:`build_closure`'s to report. Deeper trees than
    the model's four levels are the engine's to handle (nothing in it is China's); the
    importer is what keeps imported organs to :data:`LEVELS`.

    Every figure rolls up this tree, so a broken one must stop a run with the organ
    named -- not with an arithmetic error deep in the engine, or a dead web service.
    """
    level = {str(c): lv for c, lv in zip(organs["organ_code"], organs["level"], strict=True)}
    roots: list[str] = []
    for code, parent in zip(organs["organ_code"], organs["parent_code"], strict=True):
        code, lv = str(code), level[str(code)]
        if pd.isna(lv) or int(lv) < LEVELS[0]:
            raise HierarchyError(
                f"organs table: organ {code!r}: level {lv}, expected a level of at least "
                f"{LEVELS[0]}; {_FIX}"
            )
        if parent is None or pd.isna(parent) or parent == "":
            roots.append(code)
            if int(lv) != LEVELS[0]:
                raise HierarchyError(
                    f"organs table: organ {code!r} has no parent but is level {lv}; only the "
                    f"national organ (level 1) has none; {_FIX}"
                )
            continue
        above = level.get(str(parent))
        if above is not None and not pd.isna(above) and int(lv) != int(above) + 1:
            raise HierarchyError(
                f"organs table: organ {code!r} is level {lv} but its parent {str(parent)!r} "
                f"is level {above}; expected level {int(above) + 1}; {_FIX}"
            )
    if len(roots) > 1:
        raise HierarchyError(
            f"organs table: organ {roots[1]!r}: a second national organ besides "
            f"{roots[0]!r}; {_FIX}"
        )


def load_hierarchy(organs: pd.DataFrame) -> Hierarchy:
    """Build the hierarchy from the rows of the ``organs`` table."""
    frame = organs[["organ_code", "parent_code", "level", "name_zh", "name_en"]].copy()
    frame["parent_code"] = frame["parent_code"].where(frame["parent_code"].notna(), None)
    closure = build_closure(frame)  # first: a cycle is the clearer message
    check_tree(frame)
    frame["level"] = frame["level"].astype("int64")
    return Hierarchy(organs=frame.reset_index(drop=True), closure=closure)
