"""Small-number suppression of a published table, primary and secondary.

A published figure of 1 to 4 persons, or a rate over a handful of persons, can identify
them. So a public table hides such cells (*primary* suppression) -- and then hides enough
others that no hidden cell can be worked out by subtraction (*secondary* suppression):
an organ's figure covers its own records and every organ's below it, so in each
published equation

    total(organ) = own(organ) + total(child 1) + ... + total(child k)

one hidden member would be the published total minus the rest. The table therefore
publishes every organ's *own* figure (本院) beside its total, which makes each equation
fully visible, and suppresses until every equation holds either no hidden member or at
least two whose hidden sum is positive in the numerator and (where there is one) the
denominator.

Complements are always cells with a positive numerator and denominator, chosen smallest
first among the equation's own cells and children (the parent's total only when nothing
else is left), so that a hidden value can move both up and down within the published
totals: with every hidden cell at least 1, a unit shifted along the chain of hidden
cells (down to a leaf, or up through hidden parents) gives another table with the same
published figures. ``audit`` checks exactly that with linear programming, and the tests
run it on generated data.

This is hand-written rather than taken from a statistical-disclosure library: the
maintained ones (sdcTable, tau-Argus) are R and Java tools for arbitrary tables, and a
hierarchy of additive sums needs only the rule above; ``audit`` is the independent check.
What this does not protect against is stated in docs/publication.md: differences between
overlapping periods (Q1 and H1) or between related indicators published side by side.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "PRIMARY",
    "SECONDARY",
    "Cell",
    "SuppressionRule",
    "audit",
    "equations",
    "suppress",
]

PRIMARY = "primary"
SECONDARY = "secondary"


class SuppressionRule(BaseModel):
    """When a published cell is too small to show.

    Counts from ``count_min`` to ``count_max`` are hidden (zero is shown: it identifies
    nobody), and so is any rate, ratio or average whose denominator is positive but under
    ``min_denominator``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    count_min: int = Field(default=1, ge=1)
    count_max: int = Field(default=4, ge=0)
    min_denominator: float = Field(default=10, ge=0)
    #: whether the counts inside a rate (its numerator and denominator) are held to
    #: ``count_min..count_max`` as well: a published 2 of 40 names two persons
    counts_in_rates: bool = True

    def is_small_count(self, value: float) -> bool:
        return self.count_min <= value <= self.count_max


@dataclass(frozen=True)
class Cell:
    """One published cell: an organ's total, or its own records (``own``)."""

    organ_code: str
    own: bool


def _cell_frame(figures: pd.DataFrame) -> tuple[pd.DataFrame, list[tuple[int, list[int]]]]:
    """The cells of a table (totals, and own figures of organs with organs below) and
    its equations as (parent total's row, member rows)."""
    f = figures.reset_index(drop=True)
    has_den = "denominator" in f and f["denominator"].notna().any()
    codes = f["organ_code"].astype(str).tolist()
    parents = f["parent_code"].astype(object).where(f["parent_code"].notna(), None).tolist()
    index = {c: i for i, c in enumerate(codes)}
    children: dict[str, list[str]] = {}
    for code, parent in zip(codes, parents, strict=True):
        if parent is not None and parent in index:
            children.setdefault(str(parent), []).append(code)
    num = f["numerator"].fillna(0).to_numpy(dtype=float)
    den = f["denominator"].fillna(0).to_numpy(dtype=float) if has_den else None
    rows = [
        {"organ_code": c, "own": False, "numerator": num[i],
         "denominator": den[i] if den is not None else np.nan}
        for i, c in enumerate(codes)
    ]
    eqs: list[tuple[int, list[int]]] = []
    for parent, kids in children.items():
        p = index[parent]
        kid_rows = [index[k] for k in kids]
        own_num = num[p] - sum(num[k] for k in kid_rows)
        own_den = den[p] - sum(den[k] for k in kid_rows) if den is not None else np.nan
        rows.append({"organ_code": parent, "own": True, "numerator": own_num,
                     "denominator": own_den})
        eqs.append((p, [len(rows) - 1, *kid_rows]))
    return pd.DataFrame(rows), eqs


def equations(figures: pd.DataFrame) -> tuple[pd.DataFrame, list[tuple[int, list[int]]]]:
    """The cells and equations ``suppress`` works on (public for ``audit`` and tests)."""
    return _cell_frame(figures)


def _primary(cells: pd.DataFrame, rule: SuppressionRule, count_like: bool) -> np.ndarray:
    num = cells["numerator"].to_numpy(dtype=float)
    den = cells["denominator"].to_numpy(dtype=float)
    has_den = not np.isnan(den).all()
    small = np.zeros(len(cells), dtype=bool)
    if not has_den:
        if count_like:
            small |= (num >= rule.count_min) & (num <= rule.count_max)
        return small
    small |= (den > 0) & (den < rule.min_denominator)
    if rule.counts_in_rates:
        small |= (den >= rule.count_min) & (den <= rule.count_max)
        if count_like:
            small |= (num >= rule.count_min) & (num <= rule.count_max)
    return small


def suppress(
    figures: pd.DataFrame, rule: SuppressionRule, *, count_like: bool = True
) -> pd.DataFrame:
    """The table's cells with ``suppressed`` (None, "primary" or "secondary").

    ``figures`` holds one row per organ of the whole tree (``organ_code``,
    ``parent_code``, ``numerator``, ``denominator``) for one indicator and period; always
    pass the whole tree and cut the part to publish afterwards, so every release of the
    same figure hides the same cells. ``count_like`` says the numerator counts persons
    or cases (false for sums of days or amounts, which are hidden only through their
    denominator)."""
    cells, eqs = _cell_frame(figures)
    hidden = _primary(cells, rule, count_like)
    kind = np.array([PRIMARY if h else None for h in hidden], dtype=object)
    num = cells["numerator"].to_numpy(dtype=float)
    den = cells["denominator"].to_numpy(dtype=float)
    has_den = not np.isnan(den).all()
    positive = (num > 0) & ((den > 0) if has_den else True)
    # each cell's equations, so that hiding one re-examines only those
    member_of: dict[int, list[int]] = {}
    for e, (parent, members) in enumerate(eqs):
        for m in (parent, *members):
            member_of.setdefault(m, []).append(e)
    todo = list(range(len(eqs)))
    while todo:
        e = todo.pop()
        parent, members = eqs[e]
        everyone = [parent, *members]
        shut = [m for m in everyone if hidden[m]]
        if not shut:
            continue
        enough = len(shut) >= 2 and num[shut].sum() > 0 and (not has_den or den[shut].sum() > 0)
        if enough:
            continue
        choice = _complement(members, parent, hidden, positive, num, den)
        if choice is None:
            continue  # every member hidden already: nothing left to add
        hidden[choice] = True
        kind[choice] = SECONDARY
        todo.extend(member_of.get(choice, []))
        todo.append(e)
    cells["suppressed"] = kind
    return cells


def _complement(
    members: list[int],
    parent: int,
    hidden: np.ndarray,
    positive: np.ndarray,
    num: np.ndarray,
    den: np.ndarray,
) -> int | None:
    """The cell to hide next in an equation: the smallest positive own figure or child,
    else the parent's total, else (a table of zeros) any member still shown."""
    open_members = [m for m in members if not hidden[m] and positive[m]]
    if open_members:
        return min(open_members, key=lambda m: (num[m], 0 if np.isnan(den[m]) else den[m]))
    if not hidden[parent]:
        return parent
    rest = [m for m in members if not hidden[m]]
    return rest[0] if rest else None


def audit(cells: pd.DataFrame, eqs: list[tuple[int, list[int]]],
          columns: Iterable[str] = ("numerator", "denominator")) -> dict[int, float]:
    """How far each hidden cell can move given everything published: for each hidden
    cell (by its row in ``cells``) the width (max - min) of its feasible values, the
    smallest over ``columns``.

    Each published equation is a linear constraint, each shown cell a fixed value, each
    hidden one a non-negative unknown; two linear programmes per hidden cell give its
    range. A width of 0 means the cell can be recovered. Hidden cells are linked only
    through equations they share, so each connected group is solved on its own."""
    from scipy.linalg import null_space
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    hidden = np.flatnonzero(cells["suppressed"].notna().to_numpy())
    widths: dict[int, float] = {int(c): float("inf") for c in hidden}
    if not len(hidden):
        return widths
    pos = {int(c): i for i, c in enumerate(hidden)}
    touching = [[pos[m] for m in (parent, *members) if m in pos] for parent, members in eqs]
    touching_eqs = [e for e, t in enumerate(touching) if t]
    rows, cols = [], []
    for e in touching_eqs:
        first = touching[e][0]
        for other in touching[e]:
            rows.append(first)
            cols.append(other)
    graph = coo_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(hidden), len(hidden)))
    _, group = connected_components(graph, directed=False)
    for column in columns:
        values = cells[column].to_numpy(dtype=float)
        if np.isnan(values).all():
            continue
        for g in np.unique(group):
            members_g = [int(i) for i in np.flatnonzero(group == g)]
            local = {i: j for j, i in enumerate(members_g)}
            a_eq, b_eq = [], []
            for e in touching_eqs:
                if group[touching[e][0]] != g:
                    continue
                parent, members = eqs[e]
                row = np.zeros(len(members_g))
                rhs = 0.0
                for m, sign in [(parent, 1.0)] + [(m, -1.0) for m in members]:
                    if m in pos:
                        row[local[pos[m]]] += sign
                    else:
                        rhs -= sign * values[m]
                a_eq.append(row)
                b_eq.append(rhs)
            matrix = np.array(a_eq)
            here = np.array([values[hidden[i]] for i in members_g])
            if (here > 0).all():
                # every hidden value positive: the cell can move (both ways, a little)
                # unless every direction that keeps the published sums leaves it alone
                basis = null_space(matrix) if len(a_eq) else np.eye(len(members_g))
                for i in members_g:
                    free = basis.shape[1] > 0 and np.abs(basis[local[i]]).max() > 1e-9
                    if not free:
                        widths[int(hidden[i])] = 0.0
                continue
            for i, width in zip(members_g, _ranges(matrix, np.array(b_eq)), strict=True):
                cell = int(hidden[i])
                widths[cell] = min(widths[cell], width)
    return widths


def _ranges(matrix: np.ndarray, rhs: np.ndarray) -> list[float]:
    """max - min of each unknown of ``matrix @ x = rhs, x >= 0``.

    HiGHS (the solver scipy's ``linprog`` wraps) is driven directly so that the model is
    built once and each of the 2n solves starts from the previous basis: a change of
    objective only, which takes it a few pivots instead of a fresh solve."""
    import highspy

    h = highspy.Highs()  # type: ignore[no-untyped-call]
    h.setOptionValue("output_flag", False)
    n = matrix.shape[1]
    inf = highspy.kHighsInf
    h.addVars(n, np.zeros(n), np.full(n, inf))
    for row, b in zip(matrix, rhs, strict=True):
        idx = np.flatnonzero(row)
        h.addRow(float(b), float(b), len(idx), idx.astype(np.int32), row[idx])
    out = []
    for i in range(n):
        bounds = []
        for sense in (highspy.ObjSense.kMinimize, highspy.ObjSense.kMaximize):
            h.changeObjectiveSense(sense)
            h.changeColCost(i, 1.0)
            h.run()
            status = h.getModelStatus()
            if status == highspy.HighsModelStatus.kUnbounded:
                bounds.append(inf)
            elif status == highspy.HighsModelStatus.kOptimal:
                bounds.append(h.getInfo().objective_function_value)
            else:
                what = h.modelStatusToString(status)
                raise RuntimeError(f"the published table is inconsistent: {what}")
        h.changeColCost(i, 0.0)
        out.append(float(bounds[1] - bounds[0]))
    return out
