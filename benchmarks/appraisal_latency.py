"""Appraisal latency: a run over every grassroots organ, and an objection accepted.

What an officer waits for (issue 12): ``kaoping appraise`` of the default organ scheme
(every grassroots organ of the nation, each compared with its siblings) and the review
that accepts an objection with a correction, which makes the run again. The baseline,
timed in the same run on the same load: reading the stored run back (``load_run``, what
every results page starts from). Each step is timed ``--repeat`` times in this process
(median), on a fresh application database.

    python benchmarks/appraisal_latency.py --warehouse /tmp/kp500/w.duckdb
    python benchmarks/appraisal_latency.py --persons 500000 --work /tmp/kaoping-grades

Prints seconds per step, where the scoring's time went (the run's profile, top
functions by cumulative time with ``--profile``), and lines such as ``run_s: 31.2`` and
``run_vs_read: 6.1``.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from appraisal_grades import build  # the same demo warehouse, made once

from kaoping.appdb import make_engine
from kaoping.appraisal import default_scheme, lodge_objection, review_objection
from kaoping.appraisal.runs import load_run, run_appraisal

T = TypeVar("T")


def _timed(fn: Callable[[], T], repeat: int) -> tuple[float, T]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--warehouse", type=Path, help="an existing computed warehouse")
    parser.add_argument("--persons", type=int, default=500_000)
    parser.add_argument("--work", type=Path, default=Path("/tmp/kaoping-grades"))
    parser.add_argument("--period", default="2020")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    db = args.warehouse or build(args.persons, args.work.resolve())
    scheme = default_scheme("organ")
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'app.db'}")
        if args.profile:
            import cProfile
            import pstats

            prof = cProfile.Profile()
            prof.enable()
        # a run per repeat, each into an application database of its own: a run remade
        # in the same database would start from the one before (an objection's short way)
        made: list[int] = []

        def make() -> object:
            nonlocal engine
            engine = make_engine(f"sqlite:///{Path(tmp) / f'app-{len(made)}.db'}")
            run = run_appraisal(db, scheme, args.period, engine, user="officer")
            made.append(run.run_id)
            return run

        run_s, _ = _timed(make, args.repeat)
        if args.profile:
            prof.disable()
            pstats.Stats(prof).sort_stats("cumulative").print_stats(25)
        run_id = made[-1]
        subjects = load_run(engine, run_id).results
        print(f"run {run_id}: {len(subjects)} subjects, {run_s:.1f} s")
        read_s, _ = _timed(lambda: load_run(engine, run_id), args.repeat)
        # a fresh parse, as another process reading the run would
        from kaoping.appraisal import runs as runs_module

        def read_cold() -> object:  # the parsed runs a process keeps, dropped
            runs_module._PARSED.clear()
            return load_run(engine, run_id)

        cold_s, _ = _timed(read_cold, args.repeat)
        subject = subjects[len(subjects) // 2].subject
        times = []
        if args.profile:
            prof = cProfile.Profile()
            prof.enable()
        for i in range(args.repeat):
            o = lodge_objection(engine, run_id, subject, reason=f"benchmark {i}",
                                user="prosecutor")
            start = time.perf_counter()
            review = review_objection(engine, o.objection_id, accept=True, reason="checked",
                                      user="officer", correction=0.5, warehouse=db)
            times.append(time.perf_counter() - start)
            assert review.new_run is not None
            run_id = review.new_run.run_id
        objection_s = statistics.median(times)
        if args.profile:
            prof.disable()
            pstats.Stats(prof).sort_stats("cumulative").print_stats(25)
    print(f"read the stored run (cached parse): {read_s:.2f} s; cold: {cold_s:.2f} s")
    print(f"objection accepted, run made again: {objection_s:.1f} s")
    print(f"run_s: {run_s:.1f}")
    print(f"objection_s: {objection_s:.1f}")
    print(f"read_s: {cold_s:.2f}")
    print(f"run_vs_read: {run_s / cold_s:.1f}")
    print(f"objection_vs_read: {objection_s / cold_s:.1f}")


if __name__ == "__main__":
    main()
