"""Compute throughput: the whole catalogue with `kaoping compute`, against plain pandas.

Generates a national dataset of N persons (``kaoping.synth``), loads it into a fresh
warehouse, times ``kaoping compute`` (every indicator, every organ at every level, every
prosecutor, every month, quarter, half, year and year-to-date range, with the previous
year, ranks and flags), then times a straightforward pandas implementation of the same
indicators over the same data in the same process: filters evaluated on DataFrames, one
groupby per measure by organ, prosecutor and month, each period summed from its months,
organs rolled up through the ancestor table, ranks with ``groupby().rank()``. Loading
the data (into DuckDB, into pandas) is not timed for either. The two results are
compared on a sample, so the ratio is between two computations of the same figures.

    python benchmarks/compute.py                      # 2,000,000 persons, 2019-2020
    python benchmarks/compute.py --persons 10000000
    python benchmarks/compute.py --persons 200000 --prosecutor-periods none

Ends with ``speedup_vs_pandas: X`` (pandas seconds over kaoping seconds).

Measured on the 2-vCPU machine (shared, so expect spread of a fifth either way; no
DuckDB memory limit):

    persons  prosecutor periods  figures     kaoping   pandas   speedup  kaoping peak RSS
    2 M      all                 50.0 M     20-32 s  694-1003 s 31-34   2.0 GB
    10 M     all                 108.7 M    38-44 s      -        -      3.2 GB
    10 M     none (organs only)  9.6 M        26 s       -        -      2.7 GB

Every run compared the 97,020 national and provincial figures of both: none differed.
kaoping stores the cube sums per subject and period and derives the figures on read
(docs/engine.md), so its time follows the number of subjects x periods and of records;
the pandas baseline materialises every figure.
"""

from __future__ import annotations

import argparse
import gc
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from kaoping.catalogue import expr as E
from kaoping.catalogue import load_catalogue
from kaoping.catalogue.models import Aggregation, Direction, Indicator, Measure, Unit
from kaoping.catalogue.virtual import VIRTUAL_COLUMNS
from kaoping.engine.hierarchy import build_closure
from kaoping.engine.periods import PeriodKind, standard_periods
from kaoping.model.schema import TABLES
from kaoping.warehouse import connect

# --- data -----------------------------------------------------------------------------


def generate(out: Path, persons: int, years: tuple[int, int], seed: int) -> None:
    """Generate in a child process, so that its memory does not count against compute."""
    code = (
        "from pathlib import Path; from kaoping.synth import generate_dataset; "
        f"generate_dataset(Path({str(out)!r}), persons={persons}, years={years!r}, "
        f"seed={seed}, fmt='parquet')"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def load_warehouse(db: Path, data: Path) -> None:
    con = connect(db)
    try:
        for name in TABLES:
            con.execute(f"INSERT INTO {name} SELECT * FROM read_parquet('{data / name}.parquet')")
    finally:
        con.close()


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --- the pandas baseline --------------------------------------------------------------


def _pd(node: E.Expr, df: pd.DataFrame) -> Any:
    """Evaluate a catalogue expression on a DataFrame, with SQL's missing-value logic."""
    match node:
        case E.Literal(value=v):
            return float(v) if isinstance(v, Decimal) else v
        case E.Column(name=name):
            return df[name]
        case E.Not(operand=o):
            return ~_bool(_pd(o, df))
        case E.Neg(operand=o):
            return -_pd(o, df)
        case E.BoolOp(op=op, left=a, right=b):
            left, right = _bool(_pd(a, df)), _bool(_pd(b, df))
            return left & right if op == "and" else left | right
        case E.Compare(op=op, left=a, right=b):
            return _compare(op, _pd(a, df), _pd(b, df))
        case E.Arith(op=op, left=a, right=b):
            x, y = _pd(a, df), _pd(b, df)
            return {"+": lambda: x + y, "-": lambda: x - y, "*": lambda: x * y, "/": lambda: x / y}[
                op
            ]()
        case E.InList(operand=o, options=opts, negated=neg):
            s = _pd(o, df)
            hit = s.isin([x.value for x in opts]).astype("boolean").mask(s.isna())
            return ~hit if neg else hit
        case E.IsNull(operand=o, negated=neg):
            s = _pd(o, df)
            return pd.Series(s.notna() if neg else s.isna(), index=df.index, dtype="boolean")
        case E.Call(name=name, args=args):
            return _call(name, args, df)
    raise TypeError(node)


def _bool(x: Any) -> Any:
    return x.astype("boolean") if isinstance(x, pd.Series) else x


def _compare(op: str, x: Any, y: Any) -> Any:
    out = {
        "=": lambda: x == y,
        "!=": lambda: x != y,
        "<": lambda: x < y,
        "<=": lambda: x <= y,
        ">": lambda: x > y,
        ">=": lambda: x >= y,
    }[op]()
    return out.astype("boolean") if isinstance(out, pd.Series) else out


def _call(name: str, args: tuple[E.Expr, ...], df: pd.DataFrame) -> Any:
    if name == "date":
        lit = args[0]
        assert isinstance(lit, E.Literal) and isinstance(lit.value, str)
        return pd.Timestamp(date.fromisoformat(lit.value))
    if name == "add_months":
        d, n = args
        assert isinstance(n, E.Literal) and isinstance(n.value, int)
        return _pd(d, df) + pd.DateOffset(months=n.value)
    values = [_pd(a, df) for a in args]
    if name == "days_between":
        return (values[1] - values[0]).dt.days.astype("Float64")
    if name == "coalesce":
        out = values[0]
        for v in values[1:]:
            out = out.fillna(v) if isinstance(out, pd.Series) else out
        return out
    if name == "year":
        return values[0].dt.year
    if name == "month":
        return values[0].dt.month
    raise ValueError(name)


class PandasBaseline:
    """Every indicator of the catalogue, the plain pandas way."""

    def __init__(
        self, tables: dict[str, pd.DataFrame], years: list[int], prosecutor_kinds: set[str]
    ) -> None:
        self.tables = tables
        organs = tables["organs"]
        self.closure = build_closure(organs)
        self.parent = dict(zip(organs.organ_code, organs.parent_code, strict=True))
        self.level = dict(zip(organs.organ_code, organs.level, strict=True))
        pros = tables["prosecutors"]
        self.pros_organ = dict(zip(pros.prosecutor_id, pros.organ_code, strict=True))
        self.periods = standard_periods(years)
        self.prosecutor_kinds = prosecutor_kinds
        self.years = years
        self._figures: dict[tuple[Measure, str], dict[str, pd.DataFrame]] = {}

    def source(self, m: Measure) -> pd.DataFrame:
        df = self.tables[m.table]
        wanted = set(E.columns(E.parse(m.filter))) if m.filter else set()
        virtual = VIRTUAL_COLUMNS.get(m.table, {})
        if wanted & set(virtual):
            crimes = self.tables["crimes"].rename(
                columns={v.column: v.name for v in virtual.values()} | {"crime_code": "crime_code"}
            )
            df = df.merge(crimes[["crime_code", *virtual]], on="crime_code", how="left")
        return df

    def cells(self, m: Measure) -> pd.DataFrame:
        """(organ_code, prosecutor_id, ym, total[, value]): the records ``m`` counts."""
        return self._cells_of(m)

    def _cells_of(self, m: Measure) -> pd.DataFrame:
        df = self.source(m)
        mask = df[m.date].notna()
        if m.filter:
            mask &= _bool(_pd(E.parse(m.filter), df)).fillna(False).astype(bool)
        sub = df.loc[mask]
        dates = sub[m.date]
        out = pd.DataFrame(
            {
                "organ_code": sub["organ_code"].to_numpy(),
                "prosecutor_id": (
                    sub["prosecutor_id"].to_numpy() if "prosecutor_id" in sub else None
                ),
                "ym": (dates.dt.year * 12 + dates.dt.month - 1).to_numpy(),
            }
        )
        if m.agg is Aggregation.COUNT:
            out["total"] = 1.0
        else:
            value = _pd(E.parse(m.expr or ""), sub)
            out["value"] = value.to_numpy()
            out = out[out["value"].notna()]
            out["total"] = (
                out["value"].astype(float) if m.agg is not Aggregation.COUNT_DISTINCT else 1.0
            )
        return out

    def figures(self, m: Measure, subject: str) -> dict[str, pd.DataFrame]:
        """period label -> (subject -> total, n) for the target and previous-year periods.

        Cached per measure (indicators share denominators), and the records are first
        grouped by subject and month, as anyone would before looping over periods.
        """
        key = (m, subject)
        if key not in self._figures:
            self._figures[key] = self._figures_of(m, subject)
        return self._figures[key]

    def _figures_of(self, m: Measure, subject: str) -> dict[str, pd.DataFrame]:
        cells = self.cells(m)
        who = "organ_code" if subject == "organ" else "prosecutor_id"
        cells = cells[cells[who].notna()]
        distinct = m.agg is Aggregation.COUNT_DISTINCT
        if distinct:
            monthly = cells[[who, "ym", "value"]].drop_duplicates()
        else:
            monthly = cells.groupby([who, "ym"], as_index=False).agg(
                total=("total", "sum"), n=("total", "size")
            )
        if subject == "organ":
            monthly = monthly.merge(self.closure, left_on=who, right_on="descendant")
            who = "ancestor"
        wanted = list(dict.fromkeys([*self.periods, *(p.previous() for p in self.periods)]))
        out = {}
        for p in wanted:
            in_p = monthly[(monthly["ym"] >= p.first) & (monthly["ym"] <= p.last)]
            g = in_p.groupby(who)
            if distinct:
                frame = pd.DataFrame({"total": g["value"].nunique(), "n": g.size()})
            else:
                frame = pd.DataFrame({"total": g["total"].sum(), "n": g["n"].sum()})
            out[p.label] = frame.astype(float)
        return out

    def indicator(self, ind: Indicator, subject: str) -> pd.DataFrame:
        num = self.figures(ind.numerator, subject)
        den = self.figures(ind.denominator, subject) if ind.denominator else None
        ratio = ind.unit not in (Unit.COUNT, Unit.AMOUNT) and (
            den is not None or ind.numerator.agg is Aggregation.AVG
        )
        frames = []
        for p in self.periods:
            if subject == "prosecutor" and p.kind not in self.prosecutor_kinds:
                continue
            cur = self._pair(ind, num, den, p.label)
            prev = self._pair(ind, num, den, p.previous().label)
            f = cur.join(prev.add_suffix("_prev"), how="left").fillna(0.0)
            if subject == "organ":
                f = f.reindex(list(self.parent), fill_value=0.0)
            else:
                f = f[(f["num"] != 0) | (f["den"] != 0)]
            if ratio:
                value = f["num"] / f["den"].where(f["den"] > 0)
                previous = f["num_prev"] / f["den_prev"].where(f["den_prev"] > 0)
            else:
                value, previous = f["num"], f["num_prev"]
            if p.year - 1 not in self.years_with_data(ind):
                previous = previous * np.nan
            f = f.assign(value=value, previous=previous, period=p.label)
            if ind.unit is Unit.RATE:
                f["change"] = (f["value"] - f["previous"]) * 100
            elif ind.unit in (Unit.COUNT, Unit.AMOUNT):
                f["change"] = (
                    (f["value"] - f["previous"])
                    / f["previous"].where(f["previous"] != 0).abs()
                    * 100
                )
            else:
                f["change"] = f["value"] - f["previous"]
            frames.append(self._rank(ind, f, subject))
        out = pd.concat(frames)
        out["indicator"] = ind.id
        return out

    def _pair(
        self,
        ind: Indicator,
        num: dict[str, pd.DataFrame],
        den: dict[str, pd.DataFrame] | None,
        label: str,
    ) -> pd.DataFrame:
        n = num[label]
        if den is None and ind.numerator.agg is Aggregation.AVG:
            return pd.DataFrame({"num": n["total"], "den": n["n"]})
        numer = n["total"] / n["n"] if ind.numerator.agg is Aggregation.AVG else n["total"]
        frame = pd.DataFrame({"num": numer})
        if den is not None:
            d = den[label]
            denom = (
                d["total"] / d["n"]
                if ind.denominator and ind.denominator.agg is Aggregation.AVG
                else d["total"]
            )
            frame = frame.join(pd.DataFrame({"den": denom}), how="outer")
        else:
            frame["den"] = 0.0
        return frame

    def years_with_data(self, ind: Indicator) -> set[int]:
        years: set[int] | None = None
        for m in (ind.numerator, ind.denominator):
            if m is None:
                continue
            d = self.tables[m.table][m.date].dropna()
            found = set(d.dt.year.unique().tolist())
            years = found if years is None else years & found
        return years or set()

    def _rank(self, ind: Indicator, f: pd.DataFrame, subject: str) -> pd.DataFrame:
        f = f.copy()
        codes = f.index.to_series()
        if subject == "organ":
            f["parent"] = codes.map(self.parent)
            f["level"] = codes.map(self.level)
        else:
            f["parent"] = codes.map(self.pros_organ)
            f["level"] = f["parent"].map(self.level)
        score = f["value"] if ind.direction is not Direction.LOWER_IS_BETTER else -f["value"]
        if ind.direction is Direction.WITHIN_RANGE:
            score = pd.Series(np.nan, index=f.index)
        if ind.min_denominator > 0 and ind.denominator is not None:
            score = score.where(f["den"] >= ind.min_denominator)
        f["score"] = score
        f["rank_in_parent"] = f.groupby("parent", dropna=False)["score"].rank(
            method="min", ascending=False
        )
        f["rank_in_level"] = f.groupby("level")["score"].rank(method="min", ascending=False)
        return f

    def run(
        self, catalogue: list[Indicator], by_prosecutor: Callable[[Indicator], bool]
    ) -> tuple[int, pd.DataFrame]:
        """Every figure computed; returns how many, and the national and provincial ones
        (kept for the comparison -- holding all of them would need tens of GB)."""
        rows, kept = 0, []
        for ind in catalogue:
            subjects = (
                ["organ", "prosecutor"]
                if self.prosecutor_kinds and by_prosecutor(ind)
                else ["organ"]
            )
            for subject in subjects:
                frame = self.indicator(ind, subject)
                rows += len(frame)
                if subject == "organ":
                    kept.append(frame[frame["level"] <= 2])
            # the organs' figures are small and shared between indicators; the prosecutors'
            # are not, and holding them all would need tens of GB
            for key in [k for k in self._figures if k[1] == "prosecutor"]:
                del self._figures[key]
        return rows, pd.concat(kept)


def read_tables(data: Path) -> dict[str, pd.DataFrame]:
    tables = {}
    for name in TABLES:
        df = pd.read_parquet(data / f"{name}.parquet", dtype_backend="numpy_nullable")
        for col in TABLES[name].columns:
            if col.type.value == "date":
                df[col.name] = pd.to_datetime(df[col.name])
            elif col.type.value == "decimal":
                df[col.name] = df[col.name].astype("Float64")
        tables[name] = df
    return tables


# --- the run --------------------------------------------------------------------------


def compare(db: Path, baseline: pd.DataFrame) -> tuple[int, int]:
    """Compare the national and provincial figures of both runs; returns (checked, differ)."""
    import duckdb

    with duckdb.connect(str(db), read_only=True) as con:
        ours = con.execute(
            "SELECT indicator, subject, period, numerator, value FROM indicator_values "
            "WHERE subject_type = 'organ' AND level <= 2"
        ).df()
    theirs = baseline.reset_index(names="subject")[
        ["indicator", "subject", "period", "num", "value"]
    ].rename(columns={"value": "theirs"})
    both = ours.merge(theirs, on=["indicator", "subject", "period"], how="inner")
    same_num = np.isclose(both["numerator"], both["num"].astype(float), equal_nan=True)
    same_value = np.isclose(
        both["value"].astype(float), both["theirs"].astype(float), equal_nan=True
    )
    return len(both), int((~(same_num & same_value)).sum())


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--persons", type=int, default=2_000_000)
    parser.add_argument("--years", default="2019-2020")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--prosecutor-periods", default="all", help="month,quarter,half,year,ytd | all | none"
    )
    parser.add_argument(
        "--memory-limit", default=None, help="DuckDB memory_limit, e.g. 6GB (default: none)"
    )
    parser.add_argument("--skip-pandas", action="store_true")
    args = parser.parse_args()
    first, _, last = args.years.partition("-")
    years = (int(first), int(last or first))
    kinds = (
        []
        if args.prosecutor_periods == "none"
        else [k.value for k in PeriodKind]
        if args.prosecutor_periods == "all"
        else args.prosecutor_periods.split(",")
    )
    catalogue = load_catalogue().indicators

    with tempfile.TemporaryDirectory() as tmp:
        data, db = Path(tmp) / "data", Path(tmp) / "w.duckdb"
        t = time.perf_counter()
        generate(data, args.persons, years, args.seed)
        load_warehouse(db, data)
        print(
            f"persons: {args.persons:,}  years: {args.years}  indicators: {len(catalogue)}  "
            f"(generated and loaded in {time.perf_counter() - t:.0f} s, not timed)"
        )

        from kaoping.engine.compute import compute

        con = connect(db)
        if args.memory_limit:
            con.execute(f"SET memory_limit = '{args.memory_limit}'")
        t = time.perf_counter()
        summary = compute(
            con, catalogue, prosecutor_periods=kinds, years=list(range(years[0], years[1] + 1))
        )
        ours = time.perf_counter() - t
        con.close()
        kaoping_peak = peak_rss_mb()
        print(f"kaoping_seconds: {ours:.2f}")
        print(
            f"kaoping_rows: {summary.rows:,} ({summary.organs:,} organs, "
            f"{summary.prosecutors:,} prosecutors, {summary.periods} periods per year set)"
        )
        print(f"kaoping_persons_per_second: {args.persons / ours:,.0f}")
        print(f"kaoping_result_rows_per_second: {summary.rows / ours:,.0f}")
        print(f"kaoping_peak_rss_mb: {kaoping_peak:,.0f}")
        for step, seconds in sorted(summary.steps, key=lambda s: -s[1])[:5]:
            print(f"  {seconds:7.2f} s  {step}")
        if args.skip_pandas:
            return

        tables = read_tables(data)
        gc.collect()
        from kaoping.engine.compile import make_plan

        plan = make_plan(catalogue)
        baseline = PandasBaseline(tables, list(range(years[0], years[1] + 1)), set(kinds))
        t = time.perf_counter()
        rows, result = baseline.run(catalogue, plan.by_prosecutor)
        theirs = time.perf_counter() - t
        checked, differ = compare(db, result)
        print(f"pandas_seconds: {theirs:.2f}")
        print(f"pandas_rows: {rows:,}")
        print(f"peak_rss_mb_with_pandas: {peak_rss_mb():,.0f}")
        print(f"figures_compared: {checked:,}  differing: {differ:,}")
        print(f"speedup_vs_pandas: {theirs / ours:.1f}")


if __name__ == "__main__":
    main()
