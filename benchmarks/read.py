"""Read latency: what deriving the figures on read costs the readers of `kaoping compute`.

`kaoping compute` stores cube sums and the organs' figures, and the views
``indicator_values_organ`` / ``indicator_values_prosecutor`` derive values, changes,
flags and ranks when read (docs/engine.md). This benchmark generates and computes a
national dataset, then copies every figure of the views into plain tables in the same
warehouse -- the layout of a computation that writes everything out -- and times the
reads kaoping's readers make against both:

- ``show``: one province's figure (``kaoping show``, each figure of a dashboard page);
- ``briefing``: every indicator of one province and period (a briefing, a report);
  kaoping names the subject's level too, which spares ranking the other levels;
- ``league``: one indicator of every province for a period (a league table);
- ``prosecutors``: one indicator of the prosecutors of a grassroots organ;
- ``appraisal``: every indicator of every prosecutor for a period (an appraisal run).

    python benchmarks/read.py                      # 500,000 persons, 2019-2020
    python benchmarks/read.py --persons 10000000

Prints the median milliseconds of each read on both, and lines such as
``show_view_vs_table: 4.1`` (the view's time over the table's).

Then the point reads as kaoping's readers make them
(:func:`kaoping.engine.results.read_results`: `kaoping show`, a scorecard, an organ
page), median wall and CPU milliseconds: one indicator and all of them, of one organ or
prosecutor and of the subjects below one organ. ``--db`` reuses a computed warehouse
(copied aside, as the baseline tables are written into it); run with another tree's
``src`` on ``PYTHONPATH`` to time its point reads on the same warehouse.

Measured on the 2-vCPU machine (shared, so expect spread; medians of 7), 500,000
persons: computed in 17 s; writing every figure out as the baseline does took another
53 s.

    read          view       table     view_vs_table
    show           22 ms      15 ms    1.4
    briefing       43 ms      24 ms    1.8
    league         22 ms      12 ms    1.8
    prosecutors    79 ms      28 ms    2.8
    appraisal    1512 ms     766 ms    2.0   (228,143 figures)
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parent))

from compute import generate, load_warehouse

from kaoping.catalogue import load_catalogue
from kaoping.engine.compute import compute
from kaoping.engine.results import read_results
from kaoping.engine.store import results_table
from kaoping.warehouse import connect

PERIOD = "2020-H1"


def reads(province: str, grassroots: str) -> dict[str, str]:
    """name -> SQL over ``{organ}`` / ``{prosecutor}``, the relations read."""
    ids = [i.id for i in load_catalogue().indicators]
    listed = ", ".join(f"'{i}'" for i in ids)
    return {
        "show": "SELECT * FROM {organ} WHERE indicator = 'non_prosecution_rate' "
        f"AND period = '{PERIOD}' AND level = 2 AND subject = '{province}'",
        "briefing": f"SELECT * FROM {{organ}} WHERE indicator IN ({listed}) "
        f"AND period = '{PERIOD}' AND level = 2 AND subject = '{province}'",
        "league": "SELECT * FROM {organ} WHERE indicator = 'non_prosecution_rate' "
        f"AND period = '{PERIOD}' AND level = 2 ORDER BY rank_in_level",
        "prosecutors": "SELECT * FROM {prosecutor} WHERE indicator = 'non_prosecution_rate' "
        f"AND period = '{PERIOD}' AND parent_code = '{grassroots}'",
        "appraisal": f"SELECT * FROM {{prosecutor}} WHERE period = '{PERIOD}' "
        f"AND indicator IN ({listed})",
    }


def median_ms(con: duckdb.DuckDBPyConnection, sql: str, repeat: int) -> tuple[float, int]:
    con.execute(sql).fetchall()  # warm
    times, n = [], 0
    for _ in range(repeat):
        t = time.perf_counter()
        n = len(con.execute(sql).fetchall())
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times), n


def point_reads(con: duckdb.DuckDBPyConnection, repeat: int) -> None:
    """Median wall and CPU ms of the point reads kaoping's readers make."""
    ids = [i.id for i in load_catalogue().indicators]
    organ, level, parent = con.execute(
        "SELECT subject, level, parent_code FROM indicator_subjects "
        "WHERE subject_type = 'organ' AND level = 3 ORDER BY subject LIMIT 1"
    ).fetchall()[0]
    pros = con.execute(
        "SELECT subject, level, parent_code FROM indicator_subjects "
        "WHERE subject_type = 'prosecutor' AND level = 4 ORDER BY subject LIMIT 1"
    ).fetchall()[0]
    one = ["non_prosecution_rate"]
    cases = {
        "organ, one indicator": ("organ", one, organ, None, level),
        "organ, all indicators": ("organ", ids, organ, None, level),
        "organs below, one": ("organ", one, None, parent, level),
        "organs below, all": ("organ", ids, None, parent, level),
        "prosecutor, one": ("prosecutor", one, pros[0], None, pros[1]),
        "prosecutor, all": ("prosecutor", ids, pros[0], None, pros[1]),
        "prosecutors below, one": ("prosecutor", one, None, pros[2], pros[1]),
    }
    for name, (kind, inds, subject, below, lvl) in cases.items():
        args = {"level": lvl, "subject": subject, "parent": below, "periods": [PERIOD]}
        read_results(con, kind, inds, **args)
        walls, cpus = [], []
        for _ in range(repeat):
            w, c = time.perf_counter(), time.process_time()
            n = len(read_results(con, kind, inds, **args))
            walls.append((time.perf_counter() - w) * 1000)
            cpus.append((time.process_time() - c) * 1000)
        print(f"point {name:24s} wall {statistics.median(walls):7.1f} ms   "
              f"cpu {statistics.median(cpus):7.1f} ms   rows {n}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--persons", type=int, default=500_000)
    parser.add_argument("--years", default="2019-2020")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--db", type=Path, help="reuse this computed warehouse")
    parser.add_argument("--points-only", action="store_true",
                        help="time the point reads only (with --db)")
    args = parser.parse_args()
    first, _, last = args.years.partition("-")
    years = (int(first), int(last or first))

    with tempfile.TemporaryDirectory() as tmp:
        data, db = Path(tmp) / "data", Path(tmp) / "w.duckdb"
        if args.db is not None:
            if args.points_only:
                with duckdb.connect(str(args.db), read_only=True) as con:
                    point_reads(con, args.repeat)
                return
            shutil.copy(args.db, db)
            con = connect(db)
        else:
            generate(data, args.persons, years, args.seed)
            load_warehouse(db, data)
            con = connect(db)
            t = time.perf_counter()
            compute(con, load_catalogue().indicators, years=list(range(years[0], years[1] + 1)))
            print(f"persons: {args.persons:,}  computed in {time.perf_counter() - t:.0f} s")
        t = time.perf_counter()
        for kind in ("organ", "prosecutor"):
            con.execute(f"CREATE TABLE written_{kind} AS SELECT * FROM {results_table(kind)}")
        print(f"every figure written out in {time.perf_counter() - t:.0f} s (the baseline)")
        # the busiest grassroots organ, and its province
        organ, province = con.execute(
            "SELECT o.organ_code, p.parent_code FROM persons x JOIN organs o USING "
            "(organ_code) JOIN organs p ON p.organ_code = o.parent_code WHERE o.level = 4 "
            "GROUP BY ALL ORDER BY count(*) DESC LIMIT 1"
        ).fetchall()[0]
        queries = reads(str(province), str(organ))
        con.close()

        con = duckdb.connect(str(db), read_only=True)
        relations = {
            "view": {"organ": results_table("organ"), "prosecutor": results_table("prosecutor")},
            "table": {"organ": "written_organ", "prosecutor": "written_prosecutor"},
        }
        for name, sql in queries.items():
            got = {}
            for layout, rel in relations.items():
                got[layout] = median_ms(con, sql.format(**rel), args.repeat)
            (view_ms, view_n), (table_ms, table_n) = got["view"], got["table"]
            assert view_n == table_n, (name, view_n, table_n)
            print(f"{name:12s} view {view_ms:8.1f} ms   table {table_ms:8.1f} ms   rows {view_n:,}")
            print(f"{name}_view_vs_table: {view_ms / table_ms:.1f}")
        point_reads(con, args.repeat)
        con.close()


if __name__ == "__main__":
    main()
