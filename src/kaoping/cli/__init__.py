"""The ``kaoping`` command line.

The command modules (``kaoping.cli.engine`` ...) are imported when their command is run,
not here: see :mod:`kaoping.cli.lazy`.
"""

from kaoping.cli.app import app


def main() -> None:
    app()


__all__ = ["app", "main"]
