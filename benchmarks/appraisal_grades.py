"""Grade distribution of a default scheme on the demo data: does the appraisal tell subjects apart?

Builds (or reuses) a warehouse of the demo data -- ``kaoping generate --persons 500000``,
import, compute -- and runs the default organ scheme (or ``--scheme``) for a period
without storing anything, then prints:

- the share of each grade (the largest should be under 60%, a few excellent, a minority
  poor);
- in how many groups a quota turned a subject away (quotas bind);
- how many subjects share their total with a peer, and how many item scores rest on a
  neutral placeholder (there should be none with the shrink policy);
- the median own weight of the estimates and the median half-width of a total's interval.

    python benchmarks/appraisal_grades.py --warehouse /tmp/sparse/wh.duckdb
    python benchmarks/appraisal_grades.py --persons 500000 --work /tmp/grades
    python benchmarks/appraisal_grades.py --warehouse W --scheme prosecutors

Measured on the demo data (500,000 persons, seed 7, year 2020), default organ scheme:
excellent 4.8%, good 39.9%, fair 50.2%, poor 5.1%; the excellent quota turned subjects
away in 28 of 363 groups; no tie inside a group, no neutral score.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from kaoping.appraisal import compute_run, load_scheme


def build(persons: int, work: Path) -> Path:
    """The demo warehouse under ``work`` (made once, reused after)."""
    db = work / "wh.duckdb"
    if db.exists():
        return db
    data = work / "data"
    run = [sys.executable, "-m", "kaoping"]
    subprocess.run([*run, "generate", "--persons", str(persons), "--out", str(data),
                    "--format", "parquet"], check=True)
    subprocess.run([*run, "import", str(data), "--db", str(db)], check=True)
    subprocess.run([*run, "compute", "--db", str(db)], check=True)
    return db


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--warehouse", type=Path, help="an existing computed warehouse")
    parser.add_argument("--persons", type=int, default=500_000)
    parser.add_argument("--work", type=Path, default=Path("/tmp/kaoping-grades"))
    parser.add_argument("--scheme", default="organs")
    parser.add_argument("--period", default="2020")
    args = parser.parse_args()
    db = args.warehouse or build(args.persons, args.work.resolve())
    scheme = load_scheme(args.scheme)
    start = time.perf_counter()
    run = compute_run(db, scheme, args.period)
    seconds = time.perf_counter() - start
    results = run.results
    n = len(results)
    counts = Counter(r.grade for r in results)
    print(f"{scheme.id} · {args.period} · {n} subjects in "
          f"{len({r.group for r in results})} groups · scored in {seconds:.1f} s")
    for g in scheme.grades:
        print(f"  {g.id:<22} {counts[g.id]:>6}  {counts[g.id] / n:6.1%}")
    by_group: dict[str, list[str]] = {}
    for r in results:
        by_group.setdefault(r.group, []).append(r.grade_note or "")
    bound = sum(1 for notes in by_group.values() if any("quota" in x for x in notes))
    tied = Counter((r.group, r.total) for r in results)
    lines = [i for r in results for d in r.dimensions for i in d.indicators]
    weights = [i.own_weight for i in lines if i.own_weight is not None]
    print(f"largest grade: {max(counts.values()) / n:.1%}")
    print(f"groups where a quota turned a subject away: {bound} of {len(by_group)}")
    print(f"subjects sharing their total with a peer: "
          f"{sum(c for c in tied.values() if c > 1)}")
    print(f"item scores on a neutral placeholder: "
          f"{sum(1 for i in lines if 'neutral' in i.formula)} of {len(lines)}")
    if weights:
        print(f"median own weight of an estimate: {statistics.median(weights):.2f}")
    print(f"median half-width of a total's interval: "
          f"{statistics.median((r.total_high - r.total_low) / 2 for r in results):.2f}")


if __name__ == "__main__":
    main()
