"""The root command group, which imports a command's module only when it is run.

Each ``kaoping`` command lives in a module of its area (``kaoping.cli.engine`` ...), which
registers it on :data:`kaoping.cli.app.app` when imported. Importing them all and having
Typer build every command's parameters from its annotations cost `kaoping --help` and
every command about 0.15 s of a core (issue 12), so the root group is Click's "lazily
loading subcommands" pattern: :data:`COMMANDS` says which module defines each command, and
a command is imported and built when it is looked up -- `kaoping show` imports
``kaoping.cli.engine`` and builds ``show`` alone. ``kaoping --help`` lists the commands from
the table's help, importing none of them (``tests/test_cli_startup.py`` checks that the
table says what the commands' own help says).
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping, MutableMapping
from typing import TYPE_CHECKING, Any, NamedTuple

import typer
import typer.main
from typer.core import TyperCommand, TyperGroup

if TYPE_CHECKING:
    from typer._click import Command, Context, HelpFormatter  # Typer's own Click


class Entry(NamedTuple):
    """Where a root command is defined, and the first paragraph of its help."""

    module: str
    help: str


#: every root command, in the order `kaoping --help` lists them: the module that registers
#: it and the first paragraph of its help (a command's docstring, a group's ``help=``)
COMMANDS: dict[str, Entry] = {
    "brief": Entry("kaoping.cli.appraise", "Write the briefing (通报) of an organ for a "
                   "period, as Markdown generated from the data."),
    "generate": Entry("kaoping.cli.data", "Generate a synthetic national dataset: one file "
                      "per table, calibrated to SPP figures."),
    "compute": Entry("kaoping.cli.engine", "Compute every indicator for every organ, "
                     "prosecutor and period, and store them."),
    "show": Entry("kaoping.cli.engine", "Print one indicator for one organ (or prosecutor) "
                  "and period."),
    "explain": Entry("kaoping.cli.engine", "List the records behind a figure and its "
                     "definition, so it can be recounted by hand."),
    "export": Entry("kaoping.cli.engine", "Export the canonical tables as Parquet: what "
                    "`kaoping compute --engine spark` reads."),
    "import": Entry("kaoping.cli.ingest", "Import case-management exports; bad rows go to "
                    "the quarantine, good rows are upserted."),
    "imports": Entry("kaoping.cli.ingest", "List the imports, newest first: when, who, "
                     "which file (and its hash), what changed."),
    "quarantine": Entry("kaoping.cli.ingest", "List the rows imports refused, with the "
                        "column, the value and the reason."),
    "demo": Entry("kaoping.cli.demo", "Generate a national dataset, import, compute, "
                  "appraise, and serve the dashboard."),
    "detect": Entry("kaoping.cli.detect", "List possible gaming (period-end rush, "
                    "re-labelling, cases held over, perfection)."),
    "versions": Entry("kaoping.cli.operations", "List the published warehouse and the "
                      "earlier versions kept for a roll-back."),
    "rollback": Entry("kaoping.cli.operations", "Publish an earlier version of the "
                      "warehouse again (data and figures as they were)."),
    "backup": Entry("kaoping.cli.operations", "Copy the warehouse and the (SQLite) "
                    "application database into DEST, consistently, while the server keeps "
                    "running."),
    "restore": Entry("kaoping.cli.operations", "Publish a backed-up warehouse file as the "
                     "warehouse (the current one is kept among the versions)."),
    "publish": Entry("kaoping.cli.publish", "Write an indicator's figures for publication, "
                     "with small numbers suppressed."),
    "report": Entry("kaoping.cli.report", "Write an organ's statistical tables (Excel) or "
                    "its briefing (Word, PDF) for a period."),
    "serve": Entry("kaoping.cli.web", "Start the web dashboard and HTTP API "
                   "(http://127.0.0.1:8457 by default)."),
    "appraise": Entry("kaoping.cli.appraise", "Appraise organs or prosecutors with a scheme "
                      "(考评); explain, publish, object."),
    "indicators": Entry("kaoping.cli.indicators", "Check indicator catalogues and list the "
                        "indicators (指标目录)."),
    "model": Entry("kaoping.cli.model", "The data model: tables, columns, enumerations "
                   "(docs/model.md)."),
    "users": Entry("kaoping.cli.web", "Manage the logins of the web dashboard."),
}


def build(name: str) -> Command | None:
    """The root command ``name``, built as Typer builds the commands of a group, after
    importing the module that registers it (None if it registers no such command)."""
    from kaoping.cli.app import app

    importlib.import_module(COMMANDS[name].module)
    for info in app.registered_commands:
        assert info.callback is not None
        if (info.name or typer.main.get_command_name(info.callback.__name__)) == name:
            return typer.main.get_command_from_info(
                info,
                pretty_exceptions_short=app.pretty_exceptions_short,
                rich_markup_mode=app.rich_markup_mode,
            )
    for group in app.registered_groups:
        if group.name == name:
            return typer.main.get_group_from_info(
                group,
                pretty_exceptions_short=app.pretty_exceptions_short,
                suggest_commands=app.suggest_commands,
                rich_markup_mode=app.rich_markup_mode,
            )
    return None


class Commands(MutableMapping[str, "Command"]):
    """A group's ``commands``: every name of :data:`COMMANDS` (and any command registered
    otherwise), each built on first lookup -- so whatever reads a group's commands (Click
    resolving one, Typer suggesting a near name, a test walking the tree) sees them all."""

    def __init__(self, built: Mapping[str, Command]) -> None:
        self._built = dict(built)

    def built(self, name: str) -> Command | None:
        """The command if it has been built, without building it."""
        return self._built.get(name)

    def __getitem__(self, name: str) -> Command:
        if name not in self._built:
            command = build(name) if name in COMMANDS else None
            if command is None:
                raise KeyError(name)
            self._built[name] = command
        return self._built[name]

    def __setitem__(self, name: str, command: Command) -> None:
        self._built[name] = command

    def __delitem__(self, name: str) -> None:
        del self._built[name]

    def __iter__(self) -> Iterator[str]:
        yield from COMMANDS
        yield from (n for n in self._built if n not in COMMANDS)

    def __len__(self) -> int:
        return len(COMMANDS) + sum(n not in COMMANDS for n in self._built)


class LazyGroup(TyperGroup):
    """The root group: its commands are built when looked up (see the module)."""

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        self.commands = Commands(self.commands)

    def list_commands(self, ctx: Context) -> list[str]:
        return list(self.commands)  # the names alone: Typer's reads every command

    def format_commands(self, ctx: Context, formatter: HelpFormatter) -> None:
        """List the commands as Typer does, with the table's help for those not built."""
        commands = self.commands
        assert isinstance(commands, Commands)
        listed = {
            name: commands.built(name) or TyperCommand(name=name, help=COMMANDS[name].help)
            for name in self.list_commands(ctx)
        }
        TyperGroup(commands=listed).format_commands(ctx, formatter)
