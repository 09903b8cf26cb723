"""The ``invlab`` command: a thin layer that parses arguments and calls the library."""

from __future__ import annotations

import typer

from invlab.cli.measure_cmd import measure_command
from invlab.cli.report_cmd import report_command
from invlab.cli.runs_cmd import runs_command
from invlab.cli.study_cmd import study_command

app = typer.Typer(
    name="invlab",
    help="Build and measure invariance in neural networks.",
    no_args_is_help=True,
    add_completion=False,
)
app.command("study")(study_command)
app.command("runs")(runs_command)
app.command("report")(report_command)
app.command("measure")(measure_command)


@app.callback()
def _root() -> None:
    """Build and measure invariance in neural networks."""


def main() -> None:
    """Entry point of the ``invlab`` script."""
    from invlab.allocator import tune_malloc

    tune_malloc()  # torch's buffers reused, whatever MALLOC_* the shell set (invlab.allocator)
    app()
