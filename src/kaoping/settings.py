"""Settings read from the environment (``KAOPING_*``), with defaults a new user can live with."""

from __future__ import annotations

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KAOPING_")

    #: The DuckDB warehouse file. Relative paths are taken from the working directory.
    db: Path = Path("kaoping.duckdb")
    #: SQLAlchemy URL of the application database (users, manual items, objections, audit)
    app_db: str = "sqlite:///kaoping-app.db"


def get_settings() -> Settings:
    return Settings()
