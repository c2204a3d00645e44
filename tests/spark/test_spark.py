"""The catalogue on Apache Spark gives the figures DuckDB gives.

All Spark tests live in this one file, so that ``pytest -n 2 --dist loadfile`` runs them
in one worker with one SparkSession (``local[2]``, one shuffle partition: the data are
tiny and Spark's cost is per job). Each dataset is computed once on DuckDB (the
warehouse file) and once on Spark (from the same canonical tables exported as Parquet,
into Parquet results read back through DuckDB), and the two are compared whole; the
hand-built warehouse's tests of ``tests/engine/test_compute.py`` -- numbers worked out
on paper -- then run against the Spark results too. A tiny generated dataset
(:mod:`kaoping.synth`'s national one folded onto 15 organs, every measure of the default
catalogue with figures) is computed with the whole default catalogue on both engines,
and every measure and every figure compared.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from pyspark.sql import SparkSession
from tests.engine import test_compute as hand
from tests.engine.engine_data import build_warehouse, person
from tests.helpers import insert_rows

from kaoping.api import Warehouse
from kaoping.catalogue import load_catalogue
from kaoping.catalogue.models import Indicator
from kaoping.engine.backends.parquet import latest_manifest, open_results
from kaoping.engine.backends.spark import SparkCompute, register_source, spark_session
from kaoping.engine.compile import Plan, make_plan
from kaoping.engine.compute import compute
from kaoping.engine.figures import part_table
from kaoping.engine.store import RESULTS_COLUMNS
from kaoping.model.schema import TABLES
from kaoping.synth import generate_dataset
from kaoping.warehouse import bump_data_version, connect, export_parquet

KEYS = ["indicator", "subject_type", "subject", "period"]


@pytest.fixture(scope="session")
def spark() -> Iterator[SparkSession]:
    session = spark_session(
        "local[2]",
        {
            "spark.sql.shuffle.partitions": "1",
            "spark.ui.enabled": "false",
            "spark.sql.adaptive.enabled": "false",
            # the data are tiny: compiling each stage's code (Janino) took longer than
            # running it interpreted -- the same figures, in half the time
            "spark.sql.codegen.wholeStage": "false",
            "spark.sql.codegen.factoryMode": "NO_CODEGEN",
            "spark.ui.showConsoleProgress": "false",
        },
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values(KEYS).reset_index(drop=True)


def _values(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return _sorted(con.execute("SELECT * FROM indicator_values").df())


@pytest.fixture(scope="module")
def hand_built(tmp_path_factory: pytest.TempPathFactory, spark: SparkSession) -> tuple[Path, Path]:
    """The hand-built warehouse of tests/engine, computed on DuckDB in the file and on
    Spark into Parquet results: (warehouse, results)."""
    root = tmp_path_factory.mktemp("hand")
    path = build_warehouse(root / "w.duckdb", hand.PERSONS)
    with duckdb.connect(str(path)) as con:
        bump_data_version(con)
        compute(con, hand.INDICATORS, years=[2019, 2020])
        export_parquet(con, root / "source")
    tracker = spark.sparkContext.statusTracker()
    before = len(tracker.getJobIdsForGroup(None))
    engine = SparkCompute(spark, root / "source", root / "results")
    compute(engine, hand.INDICATORS, years=[2019, 2020])
    _hand_built_jobs.append(len(tracker.getJobIdsForGroup(None)) - before)
    return path, root / "results"


#: the Spark jobs of the hand-built warehouse's computation (set by ``hand_built``)
_hand_built_jobs: list[int] = []


def test_a_computation_is_a_job_per_cube_and_a_few_more(hand_built: tuple[Path, Path]) -> None:
    # a cube's organs' and prosecutors' sums by one job, the organs' figures and the
    # prosecutors' by one each, and three reads (organ tree, records per year,
    # prosecutors): the small tables, the schemas and the count of figures take none
    assert _hand_built_jobs == [len(make_plan(hand.INDICATORS).parts) + 5]
    manifest = latest_manifest(hand_built[1])
    organs, prosecutors = (manifest.tables[part_table(0, s)][0]["path"] for s in
                           ("organ", "prosecutor"))
    assert organs.endswith("/cube_0/subject_type=organ")
    assert prosecutors.endswith("/cube_0/subject_type=prosecutor")


@pytest.fixture(scope="module")
def results(hand_built: tuple[Path, Path]) -> pd.DataFrame:
    """The Spark results, as tests/engine/test_compute.py reads DuckDB's."""
    con, _ = open_results(hand_built[1])
    with con:
        frame = con.execute("SELECT * FROM indicator_values").df()
    return frame.set_index(["indicator", "subject", "period"]).sort_index()


# the hand-built warehouse's expectations, worked out on paper, against Spark's results
test_rate_per_organ_q1 = hand.test_rate_per_organ_q1
test_previous_year_and_change_in_points = hand.test_previous_year_and_change_in_points
test_year_to_date_range = hand.test_year_to_date_range
test_a_month_and_a_half = hand.test_a_month_and_a_half
test_rollup_parent_is_children_plus_own = hand.test_rollup_parent_is_children_plus_own
test_every_organ_and_period_is_stored = hand.test_every_organ_and_period_is_stored
test_wilson_interval = hand.test_wilson_interval
test_flags = hand.test_flags
test_ranks_ties_and_direction = hand.test_ranks_ties_and_direction
test_unreliable_values_are_not_ranked = hand.test_unreliable_values_are_not_ranked
test_count_change_in_percent = hand.test_count_change_in_percent
test_distinct_cases_are_not_summed_across_months_or_organs = (
    hand.test_distinct_cases_are_not_summed_across_months_or_organs
)
test_average_days_rolls_up_as_sum_over_count = hand.test_average_days_rolls_up_as_sum_over_count
test_prosecutors_are_subjects_of_their_own = hand.test_prosecutors_are_subjects_of_their_own
test_prosecutor_rows_are_sparse = hand.test_prosecutor_rows_are_sparse


def test_every_column_of_every_figure_equals_duckdbs(hand_built: tuple[Path, Path]) -> None:
    path, results = hand_built
    with duckdb.connect(str(path), read_only=True) as con:
        on_duckdb = _values(con)
    con, _ = open_results(results)
    with con:
        on_spark = _values(con)
        described = con.execute("DESCRIBE indicator_values").fetchall()
    assert [(r[0], r[1]) for r in described] == [(c, t) for c, (t, _) in RESULTS_COLUMNS.items()]
    assert len(on_spark) == len(on_duckdb) > 1000
    # flags included; exact equality, NULLs where DuckDB has NULLs
    pd.testing.assert_frame_equal(on_spark, on_duckdb, check_exact=True)


def test_the_warehouse_serves_a_spark_run(hand_built: tuple[Path, Path]) -> None:
    path, results = hand_built
    with Warehouse(path, catalogue=hand.INDICATORS, results=results) as wh:
        v = wh.indicator("nonpros", organ="110100", period="2020-Q1")
        fresh = wh.freshness()
    # by hand (tests/engine/test_compute.py, Q1): 110100 has 2 non-prosecutions of 5
    assert (v.numerator, v.denominator, v.source) == (2, 5, "stored")
    assert v.value == pytest.approx(2 / 5)
    # the run recorded the exported data version, so the figures are as new as the data
    assert not fresh.stale
    with Warehouse(path, catalogue=hand.INDICATORS) as wh:
        assert wh.indicator("nonpros", organ="110100", period="2020-Q1") == v


def test_the_newest_manifest_is_read_and_a_run_without_one_is_not(
    hand_built: tuple[Path, Path], tmp_path: Path
) -> None:
    results = tmp_path / "results"
    shutil.copytree(hand_built[1], results)
    published = latest_manifest(results)
    # a run that died before its manifest: its tables are there, nothing names them
    half = results / "runs" / "dead" / "indicator_organ_figures"
    half.mkdir(parents=True)
    pq.write_table(pa.table({"x": [1]}), half / "part-0.parquet")
    assert latest_manifest(results).run_id == published.run_id
    # a later manifest is the one read
    later = json.loads((results / "manifests").glob("*.json").__next__().read_text())
    later["run_id"] = "later"
    (results / "manifests" / "99991231T000000000000-later.json").write_text(json.dumps(later))
    assert latest_manifest(results).run_id == "later"
    con, manifest = open_results(results)
    with con:
        assert manifest.run_id == "later"
        assert con.execute("SELECT count(*) FROM indicator_values").fetchall()[0][0] > 0


def test_a_source_column_of_the_wrong_type_is_named(spark: SparkSession, tmp_path: Path) -> None:
    pq.write_table(pa.table({"organ_code": [1], "parent_code": ["x"]}), tmp_path / "organs.parquet")
    with pytest.raises(ValueError, match=r"organs\.parquet: column 'organ_code' is bigint, text"):
        register_source(spark, str(tmp_path), "organs")
    with pytest.raises(FileNotFoundError, match="no table persons"):
        register_source(spark, str(tmp_path), "persons")


def test_the_source_schema_read_on_the_driver_is_the_one_spark_infers(
    spark: SparkSession, tmp_path: Path
) -> None:
    import decimal

    from kaoping.engine.backends.spark import _file_types

    columns = {
        "i8": pa.array([1], pa.int8()),
        "i16": pa.array([1], pa.int16()),
        "i32": pa.array([1], pa.int32()),
        "i64": pa.array([1], pa.int64()),
        "u8": pa.array([1], pa.uint8()),
        "u16": pa.array([1], pa.uint16()),
        "u32": pa.array([1], pa.uint32()),
        "f32": pa.array([1.5], pa.float32()),
        "f64": pa.array([1.5], pa.float64()),
        "s": pa.array(["x"], pa.string()),
        "d": pa.array([date(2020, 1, 2)], pa.date32()),
        "n": pa.array([decimal.Decimal("1.25")], pa.decimal128(18, 2)),
        "b": pa.array([True], pa.bool_()),
        "raw": pa.array([b"x"], pa.binary()),
    }
    pq.write_table(pa.table(columns), tmp_path / "t.parquet")
    inferred = {
        f.name: f.dataType.simpleString()
        for f in spark.read.parquet(str(tmp_path / "t.parquet")).schema.fields
    }
    assert _file_types(spark, str(tmp_path / "t.parquet"), list(columns)) == inferred
    # a type not mapped on the driver: Spark infers the table's schema instead
    pq.write_table(pa.table({"t": pa.array([1], pa.timestamp("us"))}), tmp_path / "u.parquet")
    assert _file_types(spark, str(tmp_path / "u.parquet"), ["t"]) is None


def test_the_canonical_tables_are_read_from_a_spark_catalogue(
    spark: SparkSession, hand_built: tuple[Path, Path], tmp_path: Path
) -> None:
    from kaoping.engine.backends.spark import _file_types

    # the hand-built warehouse's tables in a database of the session's catalogue
    # (in-memory: no Hive metastore): the records and the organs saved as tables, their
    # integers widened as a cluster's tables often are; the others external tables over
    # the exported files, their schemas declared (inferring one is a job)
    path, from_parquet = hand_built
    source = path.parent / "source"
    spark.sql(f"CREATE DATABASE kaoping_catalogued LOCATION '{tmp_path / 'catalogued'}'")
    for name in TABLES:
        if name in ("organs", "persons"):
            register_source(spark, str(source), name)
            df = spark.table(name)
            wide = [
                df[f.name].cast("bigint").alias(f.name)
                if f.dataType.simpleString() == "int"
                else df[f.name]
                for f in df.schema.fields
            ]
            df.select(*wide).write.saveAsTable(f"kaoping_catalogued.{name}")
            continue
        file = str(source / f"{name}.parquet")
        declared = ", ".join(
            f"`{c}` {t}"
            for c, t in (_file_types(spark, file, TABLES[name].column_names) or {}).items()
        )
        spark.sql(
            f"CREATE TABLE kaoping_catalogued.{name} ({declared}) USING parquet LOCATION '{file}'"
        )
    results = tmp_path / "results"
    compute(
        SparkCompute(spark, "catalog:kaoping_catalogued", results),
        [hand.NONPROS],
        years=[2019, 2020],
    )
    assert latest_manifest(results).source == "catalog:kaoping_catalogued"
    con, _ = open_results(results)
    parquet_con, _ = open_results(from_parquet)
    with con, parquet_con:
        on_catalogue = _values(con)
        on_parquet = _values(parquet_con)
    on_parquet = on_parquet[on_parquet["indicator"] == hand.NONPROS.id].reset_index(drop=True)
    assert len(on_catalogue) > 100
    pd.testing.assert_frame_equal(on_catalogue, on_parquet, check_exact=True)
    # a catalogue holds no data version: the run's is derived from the tables' files, the
    # first run's 1; the same files read again give the same version, listed on the
    # driver (no job), a changed table the next one
    run = latest_manifest(results)
    assert run.data_version == 1 and len(run.run["source_digest"]) == 64
    tracker = spark.sparkContext.statusTracker()
    jobs = len(tracker.getJobIdsForGroup(None))
    again = SparkCompute(spark, "catalog:kaoping_catalogued", results)
    assert len(tracker.getJobIdsForGroup(None)) == jobs
    assert again.source_state == {k: run.run[k] for k in ("source_digest", "data_changed_at")}
    assert again.data_version() == 1
    one = spark.table("kaoping_catalogued.persons").limit(1)
    one.write.insertInto("kaoping_catalogued.persons")
    changed = SparkCompute(spark, "catalog:kaoping_catalogued", results)
    assert changed.source_state["source_digest"] != run.run["source_digest"]
    assert changed.source_state["data_changed_at"] >= run.run["data_changed_at"]
    assert changed.data_version() == 2
    # readers, which cannot read the catalogue, know the data the run read
    with Warehouse(path, catalogue=[hand.NONPROS], results=results) as wh:
        fresh = wh.freshness()
    assert (fresh.data_version, fresh.computed_version, fresh.stale) == (1, 1, False)
    assert fresh.data_changed_at is not None
    # a catalogue's column of another type is named with its table, as a file's is
    spark.sql(f"CREATE DATABASE kaoping_mistyped LOCATION '{tmp_path / 'mistyped'}'")
    spark.sql(
        "CREATE TABLE kaoping_mistyped.organs (organ_code BIGINT, parent_code STRING) USING parquet"
    )
    with pytest.raises(
        ValueError, match=r"kaoping_mistyped\.organs: column 'organ_code' is bigint, text"
    ):
        register_source(spark, "catalog:kaoping_mistyped", "organs")
    with pytest.raises(FileNotFoundError, match="no table persons in the Spark catalogue"):
        register_source(spark, "catalog:kaoping_mistyped", "persons")
    with pytest.raises(FileNotFoundError, match="no database kaoping_absent"):
        register_source(spark, "catalog:kaoping_absent", "persons")



def test_parquet_no_export_wrote_derives_its_data_version_from_its_files(
    spark: SparkSession, hand_built: tuple[Path, Path], tmp_path: Path
) -> None:
    # the hand-built warehouse's export without its _kaoping.json: Parquet a cluster's
    # job wrote, say
    source = tmp_path / "source"
    shutil.copytree(hand_built[0].parent / "source", source)
    (source / "_kaoping.json").unlink()
    results = tmp_path / "results"
    compute(SparkCompute(spark, source, results), [hand.NONPROS], years=[2019, 2020])
    run = latest_manifest(results)
    assert run.data_version == 1 and len(run.run["source_digest"]) == 64
    assert SparkCompute(spark, source, results).data_version() == 1
    # another file's content: another version
    organs = pq.read_table(source / "organs.parquet")
    pq.write_table(organs.slice(0, organs.num_rows - 1), source / "organs.parquet")
    assert SparkCompute(spark, source, results).data_version() == 2
    # readers report the run's version (the source has none of its own to compare with)
    with Warehouse(hand_built[0], catalogue=[hand.NONPROS], results=results) as wh:
        fresh = wh.freshness()
    assert (fresh.data_version, fresh.computed_version, fresh.stale) == (1, 1, False)
    # an export's version is the export's, no digest taken
    assert SparkCompute(spark, hand_built[0].parent / "source", results).source_state == {}

# --- a year recomputed alone -------------------------------------------------------


def test_a_year_recomputed_alone_reuses_the_kept_years_and_renews_the_next(
    spark: SparkSession, hand_built: tuple[Path, Path], tmp_path: Path
) -> None:
    # a 2019 record imported late: recomputing 2019 alone on Spark must read as a
    # computation of both years does on DuckDB -- 2020 (kept, not written again)
    # compares with the new 2019 -- as tests/engine/test_compute.py asks of DuckDB
    late = person("z9", "110101", date(2019, 5, 5), "prosecuted", prosecutor="P1", case="Kz9")
    path = build_warehouse(tmp_path / "w.duckdb", hand.PERSONS)
    with duckdb.connect(str(path)) as con:
        insert_rows(con, "persons", [tuple(late[c] for c in TABLES["persons"].column_names)])
        export_parquet(con, tmp_path / "after")
        compute(con, hand.INDICATORS, years=[2019, 2020])
        whole = _values(con)
    # the hand-built warehouse's Spark run of both years, before the late record
    results = tmp_path / "results"
    shutil.copytree(hand_built[1], results)
    first = latest_manifest(results)
    engine = SparkCompute(spark, tmp_path / "after", results)
    partial = compute(engine, hand.INDICATORS, years=[2019])
    second = latest_manifest(results)
    assert partial.years == (2019,) and second.run_id != first.run_id
    con, _ = open_results(results)
    with con:
        pd.testing.assert_frame_equal(_values(con), whole, check_exact=True)
        national = con.execute(
            "SELECT subject, period, numerator, previous_numerator FROM indicator_values "
            "WHERE indicator = 'prosecuted' AND subject IN ('100000', 'P1') "
            "AND period IN ('2019', '2020') ORDER BY ALL"
        ).fetchall()
    # by hand: nationally e1 and z9 were prosecuted in 2019; P1's are the same two
    assert national == [
        ("100000", "2019", 2, 0),
        ("100000", "2020", 7, 2),
        ("P1", "2019", 2, 0),
        ("P1", "2020", 1, 2),
    ]
    # 2020's sums were not written again: the new run names them in the first run
    cube = second.tables["indicator_figures_organ_0"]
    assert {e["path"].split("/")[1] for e in cube} == {first.run_id, second.run_id}
    assert [e["years"] for e in cube if first.run_id in e["path"]] == [[2020]]
    # old runs pruned, keeping none but the newest: an older run (its manifest and its
    # directory) goes, the first run's manifest goes but not its directory, which holds
    # the 2020 the newest reads; a directory no manifest names may be a run being
    # written: it stays
    older = first.to_json().replace(first.run_id, "older")
    (results / "manifests" / "00000101T000000000000-older.json").write_text(older)
    shutil.copytree(results / "runs" / first.run_id, results / "runs" / "older")
    (results / "runs" / "unnamed").mkdir()
    assert engine.prune_runs(keep=0) == ["runs/older"]
    left = [json.loads(p.read_text())["run_id"] for p in (results / "manifests").glob("*.json")]
    assert left == [second.run_id]
    runs = sorted(p.name for p in (results / "runs").iterdir())
    assert runs == sorted([first.run_id, second.run_id, "unnamed"])
    con, _ = open_results(results)
    with con:
        pd.testing.assert_frame_equal(_values(con), whole, check_exact=True)


# --- the whole default catalogue on a tiny generated dataset -------------------------


#: the prosecutors kept per organ by :func:`_few_organs`
PROSECUTORS_PER_ORGAN = 4


def _few_organs(root: Path, persons: int) -> Path:
    """A generated national dataset folded onto a few organs: the national one, its two
    busiest provinces, their two busiest cities and those cities' two busiest counties
    (15 organs). Every record of an organ left out is moved to a kept organ of the same
    level (the same one for every record of that organ, so that a case's records stay
    together), so all the generated records are kept -- every measure of the default
    catalogue has figures -- on an organ grid of 15 organs: Spark's cost is per job and
    per organ-grid row, not per record. The prosecutors are folded the same way onto a
    few of each kept organ's."""
    written = generate_dataset(root / "national", persons=persons, years=(2019, 2020), seed=11)
    organs = pq.read_table(written["organs"]).to_pandas()
    parent = dict(organs.loc[organs["parent_code"].notna(), ["organ_code", "parent_code"]].values)
    children = organs.groupby("parent_code")["organ_code"].apply(list).to_dict()
    # the persons of each organ's subtree: each person counted at its organ and above
    size: dict[str, int] = {}
    for code in pq.read_table(written["persons"], columns=["organ_code"])["organ_code"]:
        at: str | None = code.as_py()
        while at is not None:
            size[at] = size.get(at, 0) + 1
            at = parent.get(at)

    def busiest(codes: list[str], n: int) -> list[str]:
        return sorted(codes, key=lambda c: (-size.get(c, 0), c))[:n]

    national = organs.loc[organs["level"] == 1, "organ_code"].tolist()
    kept = list(national)
    level = list(national)
    for _ in range(3):
        level = [k for code in level for k in busiest(children.get(code, []), 2)]
        kept += level
    by_level = {
        lv: sorted(organs.loc[organs["organ_code"].isin(kept) & (organs["level"] == lv),
                              "organ_code"])
        for lv in sorted(organs["level"].unique())
    }
    moved = {
        row.organ_code: row.organ_code
        if row.organ_code in kept
        else by_level[row.level][int(row.organ_code) % len(by_level[row.level])]
        for row in organs.itertuples()
    }
    # the prosecutors likewise: each folded onto one of the first few of its organ's
    pros = pq.read_table(written["prosecutors"]).to_pandas()
    pros["organ_code"] = pros["organ_code"].map(moved)
    pros = pros.sort_values(["organ_code", "prosecutor_id"])
    pros["nth"] = pros.groupby("organ_code").cumcount()
    first = pros[pros["nth"] < PROSECUTORS_PER_ORGAN]
    heads = first.groupby("organ_code")["prosecutor_id"].apply(list).to_dict()
    folded = {
        row.prosecutor_id: heads[row.organ_code][row.nth % len(heads[row.organ_code])]
        for row in pros.itertuples()
    }
    source = root / "source"
    source.mkdir()
    for name, path in written.items():
        table = pq.read_table(path)
        if name == "organs":
            table = table.filter(pc.is_in(table["organ_code"], pa.array(kept)))
        elif name == "prosecutors":
            table = pa.Table.from_pandas(
                first[table.column_names], schema=table.schema, preserve_index=False
            )
        else:
            for column, to in (("organ_code", moved), ("prosecutor_id", folded)):
                if column in table.column_names:
                    values = [None if c is None else to[c] for c in table[column].to_pylist()]
                    at = table.column_names.index(column)
                    table = table.set_column(at, table.schema.field(at), pa.array(values))
        pq.write_table(table, source / f"{name}.parquet")
    return source


def _compared() -> list[Indicator]:
    """The default catalogue and a median (``agg: median``, whose counts per value are a
    cube of their own: tests/engine/test_medians.py checks its figures with pandas)."""
    from tests.engine.test_medians import MEDIAN

    return [*load_catalogue().indicators, Indicator.model_validate(MEDIAN)]


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory, spark: SparkSession) -> tuple[Path, Path]:
    """The default catalogue computed on two provinces of generated data, on DuckDB
    (loaded from the Parquet as benchmarks/compute.py loads it) and on Spark from the
    same Parquet: (warehouse, results)."""
    root = tmp_path_factory.mktemp("generated")
    source = _few_organs(root, persons=3000)
    indicators = _compared()
    path = root / "w.duckdb"
    con = connect(path)
    try:
        for name in TABLES:
            con.execute(
                f'INSERT INTO "{name}" BY NAME SELECT * FROM read_parquet(?)',
                [str(source / f"{name}.parquet")],
            )
        compute(con, indicators)
        _every_measure_has_figures(con, make_plan(indicators))
    finally:
        con.close()
    compute(SparkCompute(spark, source, root / "results"), indicators)
    return path, root / "results"


def _every_measure_has_figures(con: duckdb.DuckDBPyConnection, plan: Plan) -> None:
    """Every measure of ``plan`` has a figure that is not zero (each of its columns, in
    its cube's organs' table), and every indicator a numerator that is not zero: a
    smaller dataset cannot leave a measure that both engines compute as zeros."""
    measured = []
    for i, part in enumerate(plan.parts):
        own = part.distinct or part.median
        for mc in [own] if own is not None else part.group.additive:
            for column in mc.columns:
                nonzero = con.execute(
                    f'SELECT count(*) FROM "{part_table(i, "organ")}" WHERE "{column}" <> 0'
                ).fetchall()[0][0]
                assert nonzero > 0, f"{part.name}: {mc.key} ({column}) is zero everywhere"
            measured.append(mc.measure)
    assert len(measured) == len(plan.measures) and set(measured) == set(plan.measures)
    zero = con.execute(
        "SELECT indicator FROM indicator_values GROUP BY indicator "
        "HAVING coalesce(max(abs(numerator)), 0) = 0"
    ).fetchall()
    assert zero == []


def test_every_default_catalogue_measure_is_equal_on_both_engines(
    generated: tuple[Path, Path],
) -> None:
    path, results = generated
    plan = make_plan(_compared())
    spark_con, _ = open_results(results)
    measured = 0
    with duckdb.connect(str(path), read_only=True) as con, spark_con:
        for i in range(len(plan.parts)):
            for subjects in ("organ", "prosecutor"):
                name = part_table(i, subjects)
                on_duckdb = con.execute(f'SELECT * FROM "{name}" ORDER BY ALL').df()
                on_spark = spark_con.execute(f'SELECT * FROM "{name}" ORDER BY ALL').df()
                pd.testing.assert_frame_equal(on_spark, on_duckdb, check_exact=True, obj=name)
                measured += int((on_duckdb.drop(columns=["subject_key", "pid"]) != 0).any().sum())
    # every table of the data model feeds a measure that is not zero everywhere
    assert measured >= len(plan.parts)


def test_every_column_of_every_default_catalogue_figure_equals_duckdbs(
    generated: tuple[Path, Path],
) -> None:
    path, results = generated
    with duckdb.connect(str(path), read_only=True) as con:
        on_duckdb = _values(con)
    con, _ = open_results(results)
    with con:
        on_spark = _values(con)
    assert set(on_spark["indicator"]) == {i.id for i in _compared()}
    assert (on_duckdb["flags"] != "").any() and on_duckdb["rank_in_level"].notna().any()
    pd.testing.assert_frame_equal(on_spark, on_duckdb, check_exact=True)


# --- the command line -----------------------------------------------------------------


def test_export_writes_every_canonical_table_with_the_data_version(
    hand_built: tuple[Path, Path], tmp_path: Path
) -> None:
    from typer.testing import CliRunner

    from kaoping.cli import app
    from kaoping.model.schema import TABLES

    path = hand_built[0]
    result = CliRunner().invoke(app, ["export", "--parquet", str(tmp_path), "--db", str(path)])
    assert result.exit_code == 0, result.output
    with duckdb.connect(str(path), read_only=True) as con:
        for name in TABLES:
            stored = con.execute(f'SELECT count(*) FROM "{name}"').fetchall()[0][0]
            assert pq.read_metadata(tmp_path / f"{name}.parquet").num_rows == stored, name
    # bump_data_version ran once on the hand-built warehouse
    assert json.loads((tmp_path / "_kaoping.json").read_text())["data_version"] == 1


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ([], "--engine spark needs --source DIR"),
        (["--source", "{empty}"], "--engine spark needs --results DIR"),
        (["--source", "{empty}", "--results", "{empty}/r"], "no table organs"),
        (
            ["--source", "{empty}", "--results", "{empty}/r", "--spark-conf", "x"],
            "--spark-conf 'x': expected key=value",
        ),
    ],
)
def test_compute_on_spark_names_what_is_missing(
    spark: SparkSession, tmp_path: Path, extra: list[str], message: str
) -> None:
    from typer.testing import CliRunner

    from kaoping.cli import app

    args = [a.replace("{empty}", str(tmp_path)) for a in extra]
    result = CliRunner().invoke(
        app, ["compute", "--engine", "spark", "--spark-master", "local[2]", *args]
    )
    assert result.exit_code == 1
    assert message in " ".join(result.output.split())


def test_compute_keeps_the_runs_keep_versions_says(
    spark: SparkSession, hand_built: tuple[Path, Path], tmp_path: Path
) -> None:
    from typer.testing import CliRunner

    from kaoping.cli import app

    # the hand-built warehouse's run and two runs published before it
    results = tmp_path / "results"
    shutil.copytree(hand_built[1], results)
    first = latest_manifest(results)
    for i, older in enumerate(["oldest", "older"]):
        text = first.to_json().replace(first.run_id, older)
        (results / "manifests" / f"0000010{i + 1}T000000000000-{older}.json").write_text(text)
        shutil.copytree(results / "runs" / first.run_id, results / "runs" / older)
    source = hand_built[0].parent / "source"
    args = ["compute", "--engine", "spark", "--spark-master", "local[2]", "--source",
            str(source), "--results", str(results), "-i", "non_prosecution_rate"]
    result = CliRunner().invoke(app, [*args, "--keep-versions", "1"])
    assert result.exit_code == 0, result.output
    newest = latest_manifest(results)
    # the newest run and the one before it are kept; the two before that are pruned
    manifests = (results / "manifests").glob("*.json")
    left = sorted(json.loads(p.read_text())["run_id"] for p in manifests)
    assert left == sorted([first.run_id, newest.run_id])
    runs = sorted(p.name for p in (results / "runs").iterdir())
    assert runs == sorted([first.run_id, newest.run_id])
    # the warehouse file's versions are not what it keeps
    result = CliRunner().invoke(
        app, ["compute", "--keep-versions", "1", "--db", str(tmp_path / "w")]
    )
    assert result.exit_code == 1
    assert "--keep-versions applies to --engine spark" in " ".join(result.output.split())
