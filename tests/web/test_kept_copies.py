"""What a reader keeps for a version is handed out as copies a caller may change."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from kaoping.web.data import _copied, _Snapshot


@dataclass
class _Box:
    items: list[int] = field(default_factory=list)


def test_a_caller_changing_what_it_got_changes_nothing_kept(tmp_path: Path) -> None:
    snap = _Snapshot(tmp_path / "w.duckdb", None)
    kept = {"rows": [{"value": 1.5, "flags": ["small_denominator"]}], "pair": (1, [2]),
            "box": _Box([3])}
    first = snap.cached(("k",), lambda: kept)
    first["rows"][0]["value"] = None
    first["rows"][0]["flags"].append("yoy_swing")
    first["pair"][1].append(9)
    first["box"].items.append(4)
    again = snap.cached(("k",), lambda: {"made": "again"})
    assert again == {"rows": [{"value": 1.5, "flags": ["small_denominator"]}],
                     "pair": (1, [2]), "box": _Box([3])}
    assert again is not first and again["rows"] is not first["rows"]


def test_scalars_are_shared_and_containers_copied() -> None:
    text, rows = "涉案", [{"a": 1}]
    out = _copied({"t": text, "rows": rows})
    assert out["t"] is text and out["rows"] == rows and out["rows"] is not rows


def test_one_question_is_answered_once_however_its_arguments_are_given(tmp_path: Path) -> None:
    from kaoping.web.data import WebData, _per_version

    asked: list[tuple[str, str | None]] = []

    class Counting(WebData):
        @_per_version
        def answer(self, indicator: str, *, organ: str | None = None) -> list[str | None]:
            asked.append((indicator, organ))
            return [indicator, organ]

    data = Counting(tmp_path / "w.duckdb")
    assert data.answer("x") == data.answer("x", organ=None) == data.answer(indicator="x")
    assert data.answer("x", organ="110000") == ["x", "110000"]
    assert asked == [("x", None), ("x", "110000")]
