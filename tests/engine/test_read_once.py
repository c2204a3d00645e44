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
