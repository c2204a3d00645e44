"""The ``kaoping`` command line. Importing the command modules registers their commands."""

from kaoping.cli import data, demo, engine, indicators, ingest  # noqa: F401  (registration)
from kaoping.cli.app import app


def main() -> None:
    app()


__all__ = ["app", "main"]
