"""Old runs of a Parquet results directory: which go when a run is published.

Plain data, no Spark: :func:`kaoping.engine.backends.parquet.superseded` decides from the
manifests alone; the Spark backend lists and deletes through Hadoop's file system
(tests/spark checks that it does, after a partial recomputation).
"""

from __future__ import annotations

from kaoping.engine.backends.parquet import Manifest, superseded


def _manifest(run_id: str, *, kept_from: dict[str, list[int]] | None = None) -> Manifest:
    """A run's manifest: its own directory for every table, and for the figures the
    directories of the earlier runs whose years it keeps (``kept_from``: run -> years)."""
    own = {"path": f"runs/{run_id}/indicator_organ_figures", "years": [2020]}
    kept = [
        {"path": f"runs/{run}/indicator_organ_figures", "years": years}
        for run, years in (kept_from or {}).items()
    ]
    return Manifest(
        run_id=run_id,
        finished_at="2026-01-01T00:00:00",
        tables={
            "indicator_organ_figures": [own, *kept],
            "indicator_subjects": [{"path": f"runs/{run_id}/indicator_subjects", "years": None}],
        },
        views={},
        source="catalog:kaoping",
        data_version=1,
        run={},
    )


def _published(*manifests: Manifest) -> list[tuple[str, Manifest]]:
    return [(f"manifests/{i:04d}-{m.run_id}.json", m) for i, m in enumerate(manifests)]


def test_the_newest_run_and_the_kept_ones_stay() -> None:
    runs = _published(_manifest("a"), _manifest("b"), _manifest("c"), _manifest("d"))
    assert superseded(runs, keep=1) == (
        ["runs/a", "runs/b"],
        ["manifests/0000-a.json", "manifests/0001-b.json"],
    )
    assert superseded(runs, keep=3) == ([], [])
    assert superseded(runs, keep=10) == ([], [])
    # keeping none: the newest alone stays
    assert superseded(runs, keep=0)[0] == ["runs/a", "runs/b", "runs/c"]


def test_a_directory_a_kept_manifest_names_stays_whichever_run_wrote_it() -> None:
    # d recomputed 2020 alone and reads its 2019 from a; c's manifest goes, a's
    # directory stays while d is kept, though a's own manifest goes too
    runs = _published(
        _manifest("a"), _manifest("c"), _manifest("d", kept_from={"a": [2019]})
    )
    dirs, manifests = superseded(runs, keep=0)
    assert dirs == ["runs/c"]
    assert manifests == ["manifests/0000-a.json", "manifests/0001-c.json"]


def test_nothing_to_delete_before_the_first_run() -> None:
    assert superseded([], keep=0) == ([], [])
