"""One figure computed directly from the records, for a period that was not stored.

``kaoping compute`` stores the standard periods; a reader may ask for any month range
(``2019-11..2020-02``). Rather than refuse, the figure is computed from the records of the
subject's organs -- the same definition, the same derivation of value, change, interval
and flags (:func:`kaoping.engine.stats.derive`, the expression behind the
``indicator_values`` view) -- only without ranks, which need every
peer.
"""

from __future__ import annotations

import functools
import itertools
from typing import TYPE_CHECKING, Any

import pandas as pd

from kaoping.catalogue.models import Indicator
from kaoping.engine.periods import Period
from kaoping.engine.records import figure_pair, measure_figures
from kaoping.engine.stats import derive, params_frame
from kaoping.engine.values import Subject

if TYPE_CHECKING:
    import ibis.backends.duckdb

__all__ = ["compute_one", "figure_of"]


def _pairs(
    backend: Any, indicator: Indicator, subject: Subject, periods: list[Period]
) -> list[tuple[float | None, float | None]]:
    """(numerator, denominator) for each period, as the full computation defines them."""
    nums = measure_figures(backend, indicator.numerator, subject, periods)
    den_m = indicator.denominator
    dens = measure_figures(backend, den_m, subject, periods) if den_m else None
    return [
        figure_pair(indicator, num, dens[i] if dens is not None else None)
        for i, num in enumerate(nums)
    ]


def figure_of(
    backend: Any, indicator: Indicator, subject: Subject, period: Period
) -> tuple[float | None, float | None]:
    """(numerator, denominator) of ``subject`` in ``period``, counted from the records as
    the full computation counts them: what a stored figure is checked against, without
    deriving the rest of its row."""
    return _pairs(backend, indicator, subject, [period])[0]


def compute_one(
    backend: ibis.backends.duckdb.Backend,
    indicator: Indicator,
    subject: Subject,
    period: Period,
    *,
    has_previous: bool,
) -> dict[str, Any]:
    """The row ``indicator_values`` would hold for ``subject`` and ``period`` (no ranks).

    ``has_previous`` says whether the year before has data to compare with (see
    :func:`kaoping.engine.compute.data_years`).
    """

    (num, den), (pnum, pden) = _pairs(backend, indicator, subject, [period, period.previous()])
    frame = pd.DataFrame(
        {
            "indicator": [indicator.id],
            "period": [period.label],
            "level": pd.Series([subject.level], dtype="int32"),
            "numerator": pd.Series([num], dtype="float64"),
            "denominator": pd.Series([den], dtype="float64"),
            "previous_numerator": pd.Series([pnum], dtype="float64"),
            "previous_denominator": pd.Series([pden], dtype="float64"),
            "has_previous": [has_previous],
        }
    )
    frame = frame.merge(
        params_frame([indicator], [subject.level]), on=["indicator", "level"], how="left"
    )
    return _derived_row(backend, frame)


#: the name the derivation's SQL reads its rows from (:func:`_derive_sql`)
_ROWS = "__kaoping_adhoc_rows"
_named = itertools.count()


@functools.lru_cache(maxsize=64)
def _derive_sql(schema: Any) -> str:
    """:func:`derive` over a table of ``schema`` named :data:`_ROWS`, as DuckDB SQL.

    Why kept: compiling the derivation is most of what an ad-hoc figure costs in
    Python, and it depends on the rows' columns alone, not on their values."""
    import ibis

    return str(ibis.to_sql(derive(ibis.table(schema, name=_ROWS)), dialect="duckdb"))


def _derived_row(backend: Any, frame: pd.DataFrame) -> dict[str, Any]:
    import ibis
    import pyarrow as pa

    schema = ibis.memtable(frame).schema()
    sql = _derive_sql(schema)
    name = f"{_ROWS}_{next(_named)}"
    con = backend.con
    con.register(name, pa.Table.from_pandas(frame, schema=schema.to_pyarrow(),
                                            preserve_index=False))
    try:
        out = con.execute(sql.replace(f'"{_ROWS}"', f'"{name}"')).df()
    finally:
        con.unregister(name)
    row: dict[str, Any] = out.iloc[0].to_dict()
    return row
