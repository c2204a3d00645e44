"""Settings read from the environment (``KAOPING_*``), with defaults a new user can live with."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KAOPING_")

    #: The DuckDB warehouse file. Relative paths are taken from the working directory.
    db: Path = Path("kaoping.duckdb")
    #: A directory of Parquet results (``kaoping compute --engine spark --results DIR``)
    #: that readers read instead of the warehouse file's results; unset, the file's.
    results: Path | None = None
    #: The engine ``kaoping compute`` runs on: ``duckdb`` (the warehouse file) or ``spark``.
    engine: str = "duckdb"
    #: Spark's master URL for ``--engine spark``: local[2], yarn, spark://host:7077, k8s://...
    spark_master: str = "local[*]"
    #: Where ``--engine spark`` reads the canonical tables: a directory of Parquet, or
    #: ``catalog:DATABASE`` (a database of the Spark/Hive catalogue).
    source: str | None = None
    #: The data-model file (docs/model.md) every command reads its tables and columns from
    #: (``--model``); unset, the default model. Read by :func:`kaoping.model.selection.active`
    #: straight from the environment, as it is asked on every lookup of a table.
    model: Path | None = None
    #: Where the checked default data model and catalogues are kept compiled, so that a
    #: process starts without checking them again; ``off`` keeps none; unset,
    #: ``$XDG_CACHE_HOME/kaoping`` or ``~/.cache/kaoping``. Read by
    #: :func:`kaoping.compiled.cache_dir` straight from the environment.
    cache_dir: str | None = None
    #: SQLAlchemy URL of the application database (users, manual items, objections, audit)
    app_db: str = "sqlite:///kaoping-app.db"
    #: The month the reporting year starts in (``KAOPING_FISCAL_YEAR_START``): 1, the
    #: default, for calendar years; 7 for fiscal years July-June, named by the year they
    #: end in (FY2020 = 2019-07..2020-06). Read by :func:`kaoping.engine.periods.
    #: fiscal_year_start`, which every period parser and ``kaoping compute`` use.
    fiscal_year_start: int = Field(default=1, ge=1, le=12)


def get_settings() -> Settings:
    return Settings()


class ImportLimits(BaseSettings):
    """What an import accepts, from the environment as well (``KAOPING_*``).

    Apart from :class:`Settings`, so that a mistyped limit fails imports with an error
    naming the setting -- not every command of the CLI and the web service at start-up.
    """

    model_config = SettingsConfigDict(env_prefix="KAOPING_")

    #: The earliest date an import accepts (``KAOPING_DATE_MIN``): the first case-management
    #: data of the procuratorates as rebuilt in 1978; anything earlier is a typo or a
    #: placeholder (0001-01-01, -infinity) that would distort every duration.
    date_min: dt.date = dt.date(1979, 1, 1)
    #: The latest date an import accepts (``KAOPING_DATE_MAX``); unset, one year after today
    #: (deadlines such as reply_due lie a little ahead), so 9999-12-31 or infinity never load.
    date_max: dt.date | None = None
    #: The most cells the first sheet of an imported workbook may span
    #: (``KAOPING_EXCEL_MAX_CELLS``): a reader holds the whole rectangle in memory, so a
    #: stray cell at XFD1048576 would need 512 GiB. Larger exports belong in CSV or Parquet.
    excel_max_cells: int = 5_000_000
    #: The most bytes an imported workbook may unpack to (``KAOPING_EXCEL_MAX_BYTES``).
    excel_max_bytes: int = 512 << 20


def get_import_limits() -> ImportLimits:
    return ImportLimits()
