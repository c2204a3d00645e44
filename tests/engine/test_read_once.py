"""What a reader keeps of a version it reads: the relations' names, the organs as subjects.

A read-only connection reads one version of the warehouse, never written in place, so
its relations are listed once (:func:`kaoping.engine.results._catalog`) and a
:class:`kaoping.api.Warehouse` keeps the organs it has read as subjects. Neither may
outlive the version: a writable connection is asked each time, and a reader that moves
to a newer version reads its organs again.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from tests.engine import test_compute as hand
from tests.engine.engine_data import build_warehouse

from kaoping.api import Warehouse
from kaoping.engine import results


def test_a_writable_connection_sees_its_own_new_tables(tmp_path: Path) -> None:
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        assert not results._table_exists(con, "later")
        con.execute("CREATE TABLE later (x INTEGER)")
        assert results._table_exists(con, "later")
        assert results._relation_kind(con, "later") == "BASE TABLE"
        con.execute("DROP TABLE later")
        assert results._relation_kind(con, "later") is None


def test_a_read_only_connection_lists_its_relations_once(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE TABLE t (x INTEGER)")
        con.execute("CREATE VIEW v AS SELECT * FROM t")
    with duckdb.connect(str(path), read_only=True) as con:
        assert results._relation_kind(con, "v") == "VIEW"
        assert results._CATALOGS[con] == {"t": "BASE TABLE", "v": "VIEW"}
        assert results._table_exists(con, "t") and not results._table_exists(con, "u")
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE TABLE u (x INTEGER)")
    # the next version's reader (a new connection) sees the new table
    with duckdb.connect(str(path), read_only=True) as con:
        assert results._table_exists(con, "u")


def test_a_reader_reads_the_organs_of_the_version_it_moves_to(tmp_path: Path) -> None:
    path = build_warehouse(tmp_path / "w.duckdb", hand.PERSONS)
    wh = Warehouse(path)
    first = wh.organ("110101")
    assert wh.organ("110101") is first  # kept for the version
    # a new version published beside the one being read, as a writer does
    new = tmp_path / "next.duckdb"
    new.write_bytes(path.read_bytes())
    with duckdb.connect(str(new)) as con:
        con.execute("UPDATE organs SET name_en = 'Dongcheng East' WHERE organ_code = '110101'")
    new.replace(path)
    assert wh.organ("110101") is first  # still reading its version
    assert wh.refresh()
    assert first.name_en != "Dongcheng East"
    assert wh.organ("110101").name_en == "Dongcheng East"
    wh.close()


def test_a_reader_counts_the_years_of_a_measure_once_per_version(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kaoping.engine import compute

    path = build_warehouse(tmp_path / "w.duckdb", hand.PERSONS)
    measure = hand.INDICATORS[0].numerator
    counted: list[str] = []
    real = compute.data_years

    def counting(*args: object, **kwargs: object) -> dict[int, int]:
        counted.append(str(args[1]))
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(compute, "data_years", counting)
    wh = Warehouse(path)
    first = wh._data_years(measure.table, measure.date)
    assert wh._data_years(measure.table, measure.date) == first and len(counted) == 1
    # the next version holds a record of a year the first had none of
    new = tmp_path / "next.duckdb"
    new.write_bytes(path.read_bytes())
    with duckdb.connect(str(new)) as con:
        con.execute(f'UPDATE "{measure.table}" SET "{measure.date}" = DATE \'2011-03-01\' '
                    f'WHERE rowid = (SELECT min(rowid) FROM "{measure.table}" '
                    f'WHERE "{measure.date}" IS NOT NULL)')
    new.replace(path)
    assert wh.refresh()
    assert 2011 in wh._data_years(measure.table, measure.date) and 2011 not in first
    assert len(counted) == 2
    wh.close()


def test_readers_of_one_version_share_what_they_read_once(tmp_path: Path) -> None:
    """A server's readers (one per request in flight) read the organs once per version:
    a reader beside another of the same version shares them, one of another does not."""
    from kaoping.warehouse import connect_version

    path = build_warehouse(tmp_path / "w.duckdb", hand.PERSONS)
    root, token = connect_version(path)
    first = Warehouse.over(path, root.cursor(), token)
    second = Warehouse.over(path, root.cursor(), token, beside=first)
    assert second.organ("110101") is first.organ("110101")
    other = Warehouse.over(path, root.cursor(), None, beside=first)  # another version
    assert other.organ("110101") is not first.organ("110101")
    assert other.organ("110101") == first.organ("110101")
    for wh in (first, second, other):
        wh.close()
    root.close()
