"""The first rows of a records list and their count read the same in one query or two.

:func:`kaoping.engine.records.first_and_count` counts in a window beside the rows, or,
when the caller expects many rows, in a second query; a reader must not be able to tell.
"""

from __future__ import annotations

import duckdb
import ibis
import pandas as pd
import pytest

from kaoping.engine.records import _ONE_QUERY_UP_TO, first_and_count


@pytest.fixture
def records() -> tuple[ibis.BaseBackend, ibis.Table]:
    con = duckdb.connect()
    frame = pd.DataFrame({
        "person_id": [f"S{n:03d}" for n in range(40)],
        # dates that tie, so the order's second column decides
        "day": pd.to_datetime([f"2020-01-{1 + n % 7:02d}" for n in range(40)]),
        "organ_code": ["110101" if n % 3 else "110102" for n in range(40)],
    })
    con.register("frame", frame)
    con.execute("CREATE TABLE persons AS SELECT * FROM frame")
    backend = ibis.duckdb.from_connection(con)
    t = backend.table("persons")
    return backend, t.filter(t.organ_code == "110101")


@pytest.mark.parametrize("limit", [0, 5, 100])
def test_one_query_or_two_read_the_same(
    records: tuple[ibis.BaseBackend, ibis.Table], limit: int
) -> None:
    backend, rows = records
    order = ["day", "person_id"]
    alone = first_and_count(backend, rows, order, limit)
    apart = first_and_count(backend, rows, order, limit, expected=_ONE_QUERY_UP_TO + 1)
    # what the rows are, worked out by hand: 110101 is every n not divisible by 3
    kept = sorted(((1 + n % 7, f"S{n:03d}") for n in range(40) if n % 3), key=lambda r: r)
    for frame, total in (alone, apart):
        assert total == len(kept) == 26
        assert list(frame.columns) == ["person_id", "day", "organ_code"]
        assert list(frame["person_id"]) == [pid for _, pid in kept][:limit]
    pd.testing.assert_frame_equal(alone[0], apart[0])
