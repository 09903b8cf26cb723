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
        None,
        "--figures-dir",
        help="Write the figures of the stored runs' kinds into this folder as NAME.png "
        "(size, curve, layers; infinite-width, learn-dft).",
    ),
    markdown: Path | None = typer.Option(
        None,
        "--markdown",
        help="Write the summary table (mean ± 95 % CI over seeds, n) as markdown; '-' prints it.",
    ),
    label: list[str] | None = typer.Option(
        None,
        "--label",
        help="Only the row of this name (run label, or family with --rows family) in the "
        "markdown table (repeat; rows in the order given).",
    ),
    table: str = typer.Option(
        "summary",
        "--table",
        help="The markdown table: 'summary' (one column per run metric), 'curve' (accuracy at "
        "each point of the transformation's grid), 'layers' (per-layer values; needs "
        "--metric or --layer) or 'trends' (slope against log10 parameters per family).",
    ),
    metric: list[str] | None = typer.Option(
        None,
        "--metric",
        help="summary: the metric columns (repeat; default the summary's five). layers: the "
        "one per-layer metric, shown at every layer.",
    ),
    layer: str | None = typer.Option(
        None, "--layer", help="layers: every metric stored at this layer (or extras group)."
    ),
    column: list[str] | None = typer.Option(
        None, "--column", help="layers: only these layers or metrics as columns (repeat)."
    ),
    spread: str = typer.Option(
        "ci",
        "--spread",
        help="'ci' (95 % interval half-width: over seeds and the test inputs for the accuracies "
        "and consistency, over seeds otherwise) or 'sd' (standard deviation over seeds).",
    ),
    rows: str = typer.Option("label", "--rows", help="Name rows by 'label' or 'family'."),
) -> None:
    """Write one HTML file with the figures inline and a sortable table of every run; or the
    figures and the markdown table of a results page."""
    from invlab.cli.output_paths import check_outputs, writable_file, writable_folder

    table_options = {"--label": label, "--metric": metric, "--layer": layer, "--column": column}
    if markdown is None:
        given = [flag for flag, value in table_options.items() if value]
        if given or table != "summary" or spread != "ci" or rows != "label":
            raise typer.BadParameter(
                f"{', '.join(given) or '--table/--spread/--rows'} shape the --markdown table; "
                "give --markdown too"
            )
    if output is None and markdown is None and figures_dir is None:
        output = Path("report.html")
    printed = markdown is not None and str(markdown) == "-"
    check_outputs(
        (output, "--output", writable_file),
        (figures_dir, "--figures-dir", writable_folder),
        (None if printed else markdown, "--markdown", writable_file),
    )

    from invlab.cli.say import console as plain_console
    from invlab.cli.say import fail, plain
    from invlab.study.report.html import save_report
    from invlab.study.store import StoreError, read_study

    console = plain_console()
    try:
        runs, layers, curves = read_study(db, study)  # read once for every output
    except StoreError as exc:
        raise fail(exc) from None
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--study") from None
    if output is not None:
        title = study or Path(db).name
        console.print(f"report → {plain(save_report(runs, layers, curves, output, title))}")
    if figures_dir is not None:
        from invlab.study.outputs import save_study_figures

        for path in save_study_figures(runs, layers, curves, figures_dir):
            console.print(f"figure → {plain(path)}")
    if markdown is not None:
        from invlab.study.report.markdown import page_table

        try:
            text = page_table(
                table,
                runs,
                layers,
                curves,
                labels=label or None,
                metrics=metric or None,
                layer=layer,
                columns=column or None,
                spread=spread,
                rows=rows,
            )
        except ValueError as exc:
            raise typer.BadParameter(str(exc), param_hint="--markdown") from None
        if str(markdown) == "-":
            print(text, end="")
        else:
            markdown.parent.mkdir(parents=True, exist_ok=True)
            markdown.write_text(text, encoding="utf-8")
            console.print(f"table → {plain(markdown)}")
