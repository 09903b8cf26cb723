"""``invlab report DB``: the HTML report of a results database, and the figures (PNG) and the
markdown table (mean ± 95 % interval over seeds, n) of a results page."""

from __future__ import annotations

from pathlib import Path

import typer


def report_command(
    db: Path = typer.Argument(..., help="An invlab results database (results.db)."),
    output: Path | None = typer.Option(
        None,
        "--output",
        "-o",
        help="The HTML file (default report.html, unless only --markdown/--figures-dir given).",
    ),
    study: str | None = typer.Option(None, "--study", help="Only this study's runs."),
    figures_dir: Path | None = typer.Option(
        None, "--figures-dir", help="Write size.png, curve.png and layers.png into this folder."
    ),
    markdown: Path | None = typer.Option(
        None,
        "--markdown",
        help="Write the summary table (mean ± 95 % CI over seeds, n) as markdown; '-' prints it.",
    ),
    label: list[str] | None = typer.Option(
        None,
        "--label",
        help="Only this run label in the markdown table (repeat; rows in the order given).",
    ),
) -> None:
    """Write one HTML file with the figures inline and a sortable table of every run; or the
    figures and the markdown table of a results page."""
    from invlab.cli.output_paths import writable_file, writable_folder

    if label and markdown is None:
        raise typer.BadParameter("--label selects rows of --markdown; give --markdown too")
    if output is None and markdown is None and figures_dir is None:
        output = Path("report.html")
    checks = [(output, "--output", writable_file), (figures_dir, "--figures-dir", writable_folder)]
    if markdown is not None and str(markdown) != "-":
        checks.append((markdown, "--markdown", writable_file))
    for path, flag, check in checks:
        if path is not None:
            try:
                check(path, flag)
            except ValueError as exc:
                raise typer.BadParameter(str(exc), param_hint=flag) from None
    from rich.console import Console

    from invlab.study import ResultStore, StoreError, markdown_table, save_figures
    from invlab.study.report import write_report

    console = Console()
    try:
        if output is not None:
            console.print(f"report → {write_report(db, output, study=study)}")
        if markdown is None and figures_dir is None:
            return
        with ResultStore(db, create=False) as store:
            if study is not None and study not in store.studies():
                raise ValueError(
                    f"study {study!r} has no runs in {str(db)!r}; "
                    f"studies there: {', '.join(store.studies()) or '(none)'}"
                )
            runs, layers, curves = store.runs(study), store.layers(study), store.curves(study)
    except StoreError as exc:
        console.print(f"[red]error:[/] {exc}")
        raise typer.Exit(2) from None
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--study") from None
    if figures_dir is not None:
        for path in save_figures(runs, layers, curves, figures_dir):
            console.print(f"figure → {path}")
    if markdown is not None:
        try:
            table = markdown_table(runs, labels=label or None)
        except ValueError as exc:
            raise typer.BadParameter(str(exc), param_hint="--label") from None
        if str(markdown) == "-":
            print(table, end="")
        else:
            markdown.parent.mkdir(parents=True, exist_ok=True)
            markdown.write_text(table, encoding="utf-8")
            console.print(f"table → {markdown}")
