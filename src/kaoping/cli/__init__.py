"""The ``kaoping`` command line. Importing the command modules registers their commands."""

from kaoping.cli import (  # noqa: F401  (importing registers the commands)
    appraise,
    data,
    demo,
    detect,
    engine,
    indicators,
    ingest,
    model,
    operations,
    publish,
    report,
    web,
)
from kaoping.cli.app import app


def main() -> None:
    app()


__all__ = ["app", "main"]
