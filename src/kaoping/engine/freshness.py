"""Whether the stored figures are as new as the data they were computed from.

An import that changes a row bumps the warehouse's data version
(:func:`kaoping.warehouse.bump_data_version`); a computation records the version it
computed from. Readers keep serving the stored figures after an import -- they are
consistent, just older than the data -- and every reader (``kaoping show``/``explain``,
the API's ``freshness`` field and ``X-Kaoping-Stale`` header, the pages' banner, the
reports) says so until ``kaoping compute`` has run again.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import duckdb

__all__ = ["Freshness", "freshness"]


def _when(x: dt.datetime | None, lang: str) -> str:
    if x is None:
        return "—"
    if lang == "zh":
        return f"{x.year}年{x.month}月{x.day}日 {x:%H:%M}"
    return f"{x:%Y-%m-%d %H:%M}"


@dataclass(frozen=True)
class Freshness:
    """The data version and the version the stored figures were computed from."""

    data_version: int
    #: None: never computed, or computed before versions were recorded
    computed_version: int | None
    computed: bool
    data_changed_at: dt.datetime | None
    computed_at: dt.datetime | None

    @property
    def stale(self) -> bool:
        """The data changed after the last computation (always False before one: there
        are no stored figures to be stale)."""
        if not self.computed:
            return False
        return self.data_version > (self.computed_version or 0)

    def message(self, lang: str = "en") -> str:
        """What a banner says; '' when the figures are up to date."""
        if not self.stale:
            return ""
        imported, computed = _when(self.data_changed_at, lang), _when(self.computed_at, lang)
        if lang == "zh":
            return f"数据已于{imported}导入，指标计算于{computed}，请重新计算（kaoping compute）。"
        return (
            f"Data were imported on {imported}, the figures computed on {computed}: "
            "they are older than the data; run `kaoping compute`."
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "stale": self.stale,
            "data_version": self.data_version,
            "computed_version": self.computed_version,
            "data_changed_at": None
            if self.data_changed_at is None
            else self.data_changed_at.isoformat(timespec="seconds"),
            "computed_at": None
            if self.computed_at is None
            else self.computed_at.isoformat(timespec="seconds"),
        }


def freshness(con: duckdb.DuckDBPyConnection) -> Freshness:
    """The freshness of the warehouse open on ``con`` (a couple of tiny queries)."""
    from kaoping.engine.store import last_run
    from kaoping.warehouse import data_changed_at, data_version

    run = last_run(con)
    return Freshness(
        data_version=data_version(con),
        computed_version=None if run is None else run.data_version,
        computed=run is not None,
        data_changed_at=data_changed_at(con),
        computed_at=None if run is None else run.finished_at,
    )
