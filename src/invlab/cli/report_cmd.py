"""``invlab report DB -o report.html``: the self-contained HTML report of a results database."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from invlab.study import StoreError
from invlab.study.report import write_report


def report_command(
    db: Path = typer.Argument(..., help="An invlab results database (results.db)."),
    output: Path = typer.Option(Path("report.html"), "--output", "-o", help="The HTML file."),
    study: str | None = typer.Option(None, "--study", help="Only this study's runs."),
) -> None:
    """Write one HTML file with the figures inline and a sortable table of every run."""
    console = Console()
    try:
        path = write_report(db, output, study=study)
    except StoreError as exc:
        console.print(f"[red]error:[/] {exc}")
        raise typer.Exit(2) from None
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--study") from None
    console.print(f"report → {path}")
