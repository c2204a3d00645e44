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

if TYPE_CHECKING:
    import ibis.expr.types as ir

__all__ = ["Hierarchy", "HierarchyError", "load_hierarchy"]


class HierarchyError(ValueError):
    """The organs table does not form a tree (a cycle or a parent that does not exist)."""


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
    parent = {
        str(c): (None if pd.isna(p) or p == "" else str(p))
        for c, p in zip(organs["organ_code"], organs["parent_code"], strict=True)
    }
    pairs: list[tuple[str, str]] = []
    for code in parent:
        seen: set[str] = set()
        node: str | None = code
        while node is not None:
            if node in seen:
                raise HierarchyError(f"organ {code!r}: the parent links form a cycle at {node!r}")
            if node not in parent:
                raise HierarchyError(f"organ {code!r}: parent {node!r} is not in the organs table")
            seen.add(node)
            pairs.append((node, code))
            node = parent[node]
    return pd.DataFrame(pairs, columns=["ancestor", "descendant"])


def load_hierarchy(organs: pd.DataFrame) -> Hierarchy:
    """Build the hierarchy from the rows of the ``organs`` table."""
    frame = organs[["organ_code", "parent_code", "level", "name_zh", "name_en"]].copy()
    frame["parent_code"] = frame["parent_code"].where(frame["parent_code"].notna(), None)
    frame["level"] = frame["level"].astype("int64")
    return Hierarchy(organs=frame.reset_index(drop=True), closure=build_closure(frame))
