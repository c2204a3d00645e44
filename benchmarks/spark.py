"""The whole catalogue on Spark against DuckDB, on the same data in the same run.

Generates a national dataset of N persons as Parquet (``kaoping.synth``), loads it into
a DuckDB warehouse and computes the whole default catalogue there (``kaoping
compute``'s engine), then computes it again on Spark from the same Parquet into Parquet
results (:mod:`kaoping.engine.backends.spark`), reads those back through DuckDB and
compares every organ figure of the two (numerator, denominator, value, previous,
change, interval, ranks, flags). Starting the SparkSession is timed apart.

    python benchmarks/spark.py                        # 1,000,000 persons on local[2]
    python benchmarks/spark.py --persons 5000 --master 'local[2]'
    python benchmarks/spark.py --spark-conf spark.driver.memory=6g   # repeatable

Prints both times, the number of Spark jobs, the organ figures that differ (0 expected)
and ends with ``spark_over_duckdb: X`` (Spark's seconds over DuckDB's). Measured
figures are in docs/spark.md.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import duckdb
import pandas as pd

# benchmarks/compute.py, beside this script: the same data, generated and loaded the same way
from compute import generate, load_warehouse

from kaoping.catalogue import load_catalogue
from kaoping.engine.backends.parquet import open_results
from kaoping.engine.compute import compute

KEYS = ["indicator", "subject", "period"]


def organ_figures(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    frame = con.execute("SELECT * FROM indicator_values_organ").df()
    return frame.sort_values(KEYS).reset_index(drop=True)


def differences(a: pd.DataFrame, b: pd.DataFrame) -> int:
    """Figures (rows) that differ in any column; NULL equals NULL."""
    if len(a) != len(b) or list(a.columns) != list(b.columns):
        return max(len(a), len(b))
    keys_differ = (a[KEYS] != b[KEYS]).any(axis=1)
    values_differ = pd.Series(False, index=a.index)
    for col in a.columns:
        x, y = a[col], b[col]
        same = (x == y) | (x.isna() & y.isna())
        values_differ |= ~same.fillna(False).astype(bool)
    return int((keys_differ | values_differ).sum())


def step(what: str, since: float) -> None:
    """One line as each phase ends: a run of an hour says in its log how far it got."""
    print(f"[{time.strftime('%H:%M:%S')}] {what}: {time.perf_counter() - since:.1f} s", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--master", default="local[2]")
    parser.add_argument(
        "--spark-conf",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a Spark setting over the defaults below (repeatable)",
    )
    args = parser.parse_args()
    # the driver's default 1 GB does not hold the broadcast organ x period grid; four
    # shuffle partitions for two cores, not Spark's 200 (each one a task per stage);
    # adaptive execution off, as in tests/spark, so that a job is a job of the plan
    conf = {
        "spark.ui.enabled": "false",
        "spark.driver.memory": "4g",
        "spark.sql.shuffle.partitions": "4",
        "spark.sql.adaptive.enabled": "false",
    }
    for item in args.spark_conf:
        key, sep, value = item.partition("=")
        if not sep:
            parser.error(f"--spark-conf {item!r}: expected key=value")
        conf[key] = value
    indicators = list(load_catalogue().indicators)

    from kaoping.engine.backends.spark import SparkCompute, spark_session

    with tempfile.TemporaryDirectory(prefix="kaoping-spark-bench-") as tmp:
        root = Path(tmp)
        t0 = time.perf_counter()
        generate(root / "source", args.persons, (2019, 2020), args.seed)
        db = root / "w.duckdb"
        load_warehouse(db, root / "source")
        step(f"generated and loaded {args.persons:,} persons", t0)

        t0 = time.perf_counter()
        with duckdb.connect(str(db)) as con:
            compute(con, indicators)
        duckdb_s = time.perf_counter() - t0
        step("computed on DuckDB", t0)

        t0 = time.perf_counter()
        session = spark_session(args.master, conf)
        session.sparkContext.setLogLevel("ERROR")
        start_s = time.perf_counter() - t0
        step("started Spark", t0)
        t0 = time.perf_counter()
        # counted from before the canonical tables are registered (their schemas are
        # read then)
        jobs_before = len(session.sparkContext.statusTracker().getJobIdsForGroup(None))
        engine = SparkCompute(session, root / "source", root / "results")
        compute(engine, indicators)
        spark_s = time.perf_counter() - t0
        jobs = len(session.sparkContext.statusTracker().getJobIdsForGroup(None)) - jobs_before
        session.stop()
        step(f"computed on Spark ({jobs} jobs)", t0)

        with duckdb.connect(str(db), read_only=True) as con:
            on_duckdb = organ_figures(con)
        con, _ = open_results(root / "results")
        with con:
            on_spark = organ_figures(con)
        differ = differences(on_duckdb, on_spark)

    print(f"persons: {args.persons:,}   master: {args.master}   conf: {conf}")
    print(f"duckdb_seconds: {duckdb_s:.1f}")
    print(f"spark_session_seconds: {start_s:.1f}")
    print(f"spark_seconds: {spark_s:.1f}")
    print(f"spark_jobs: {jobs}")
    print(f"organ_figures: {len(on_duckdb):,}   differing: {differ}")
    print(f"spark_over_duckdb: {spark_s / duckdb_s:.1f}")


if __name__ == "__main__":
    main()
