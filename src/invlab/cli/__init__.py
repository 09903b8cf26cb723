"""The ``invlab`` command: a thin layer that parses arguments and calls the library.

Each command's module (and torch, pandas, matplotlib behind it) is imported only when that
command runs: ``invlab --help`` reads the commands' one-line help from their source.

Only typer's public classes are used, never ``click`` itself: typer ≥ 0.23 ships its own copy of
click and no longer depends on the package, so ``import click`` fails in a plain install.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import typer
from typer.core import TyperCommand, TyperGroup

# command name → (module, function); the order is the order of ``invlab --help``
COMMANDS = {
    "study": ("invlab.cli.study_cmd", "study_command"),
    "runs": ("invlab.cli.runs_cmd", "runs_command"),
    "report": ("invlab.cli.report_cmd", "report_command"),
    "page": ("invlab.cli.page_cmd", "page_command"),
    "measure": ("invlab.cli.measure_cmd", "measure_command"),
}


class _LazyGroup(TyperGroup):
    """Commands built from their module when invoked; listed from their docstrings."""

    def list_commands(self, ctx: typer.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: typer.Context, name: str) -> TyperCommand | None:
        if name not in COMMANDS:
            return None
        # a listing (``invlab --help``) gets a stub with the help text; running the command
        # goes through resolve_command, which builds the real one
        return _load(name) if name in _loaded else TyperCommand(name, help=_summary(name))

    def resolve_command(self, ctx: typer.Context, args: list[str]):
        if args and args[0] in COMMANDS:
            return args[0], _load(args[0]), args[1:]
        return super().resolve_command(ctx, args)


_loaded: set[str] = set()


def _load(name: str) -> TyperCommand:
    module, function = COMMANDS[name]
    single = typer.Typer(add_completion=False)
    single.command(name)(getattr(importlib.import_module(module), function))
    _loaded.add(name)
    return typer.main.get_command(single)


def _summary(name: str) -> str:
    """The command function's docstring, read from its source file without importing it."""
    module, function = COMMANDS[name]
    path = Path(__file__).with_name(module.rsplit(".", 1)[1] + ".py")
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.FunctionDef) and node.name == function:
            return " ".join((ast.get_docstring(node) or "").split())
    return ""


app = typer.Typer(
    name="invlab",
    help="Build and measure invariance in neural networks.",
    no_args_is_help=True,
    add_completion=False,
    cls=_LazyGroup,
)


def _print_version(given: bool) -> None:
    if given:
        from invlab import __version__

        typer.echo(f"invlab {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False,
        "--version",
        callback=_print_version,
        is_eager=True,
        help="Print invlab's version and exit.",
    ),
) -> None:
    """Build and measure invariance in neural networks."""


def main() -> None:
    """Entry point of the ``invlab`` script."""
    from invlab.allocator import tune_malloc

    tune_malloc()  # torch's buffers reused, whatever MALLOC_* the shell set (invlab.allocator)
    app()
