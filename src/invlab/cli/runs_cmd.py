"""``invlab runs DB``: the runs of a results database aggregated over seeds (mean ± 95 %
interval, n), or one row per run; comparisons between configurations; CSV or Parquet export."""

from __future__ import annotations

from pathlib import Path

import typer

LIST_COLUMNS = ["label", "study", "seed", "status", "attempts", "test_accuracy", "seconds", "key"]


def runs_command(
    db: Path = typer.Argument(..., help="An invlab results database (results.db)."),
    study: str | None = typer.Option(None, "--study", help="Only this study's runs."),
    status: str | None = typer.Option(None, "--status", help="Only runs with this status."),
    csv: Path | None = typer.Option(None, "--csv", help="Export the runs to this CSV file."),
    parquet: Path | None = typer.Option(
        None, "--parquet", help="Export the runs to this Parquet file (needs pyarrow)."
    ),
    errors: bool = typer.Option(
        False, "--errors", help="Print every failed attempt's error instead of the runs."
    ),
    each: bool = typer.Option(
        False, "--each", help="One row per run instead of one per configuration (over seeds)."
    ),
    compare: tuple[str, str, str] | None = typer.Option(
        None,
        "--compare",
        metavar="METRIC A B",
        help=(
            "Print METRIC of configuration B minus A (each a run label or, where a label is "
            "shared, a family), paired by seed, with its 95 % interval."
        ),
    ),
) -> None:
    """The stored runs: by default one row per configuration, mean ± 95 % interval over its
    seeds and n, then how each invariance metric changes with size within each family."""
    if status is not None and status not in ("done", "failed"):
        raise typer.BadParameter(f"got {status!r}; allowed: done, failed", param_hint="--status")
    from invlab.cli.output_paths import check_outputs, writable_file

    check_outputs((csv, "--csv", writable_file), (parquet, "--parquet", writable_file))
    from rich.console import Console
    from rich.table import Table

    from invlab.cli.say import console as plain_console
    from invlab.cli.say import fail, plain
    from invlab.study.store import ResultStore, StoreError

    console = plain_console()
    try:
        with ResultStore(db, readonly=True) as store:
            store.require_study(study)
            runs = store.runs(study)
            failures = store.failures(study) if errors else None
    except StoreError as exc:
        raise fail(exc) from None
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--study") from None
    if status is not None and len(runs):
        runs = runs[runs.status == status]
    if csv is not None:
        csv.parent.mkdir(parents=True, exist_ok=True)
        runs.to_csv(csv, index=False)
        console.print(f"{len(runs)} run(s) → {plain(csv)}")
    if parquet is not None:
        try:
            import pyarrow  # noqa: F401
        except ImportError:
            raise typer.BadParameter(
                "Parquet export needs pyarrow: pip install 'invlab[parquet]'",
                param_hint="--parquet",
            ) from None
        parquet.parent.mkdir(parents=True, exist_ok=True)
        runs.to_parquet(parquet, index=False)
        console.print(f"{len(runs)} run(s) → {plain(parquet)}")
    if csv is not None or parquet is not None:
        return
    if failures is not None:
        if failures.empty:
            where = f"{db}" + (f" for study {study!r}" if study else "")
            console.print(f"no failed runs in {plain(where)}")
        for failure in failures.itertuples():
            console.print(f"[red]{plain(failure.label)}[/] ({failure.key}):", highlight=False)
            console.print(failure.error, markup=False, highlight=False)
        return
    if compare is not None:
        from invlab.study.report.summary import compare as compare_runs

        try:
            console.print(compare_runs(runs, *compare), highlight=False)
        except ValueError as exc:
            raise typer.BadParameter(str(exc), param_hint="--compare") from None
        return
    if not each and status != "failed":  # failed runs have no metrics to aggregate
        from invlab.study.report.console import print_summary
        from invlab.study.report.summary import summary_table

        configurations = len(summary_table(runs))
        print_summary(runs, f"{db}: {len(runs)} run(s), {configurations} configuration(s)")
        return
    table = Table(title=plain(f"{db}: {len(runs)} run(s)"))
    for column in LIST_COLUMNS:
        table.add_column(column, justify="left" if column in ("label", "study") else "right")
    for _, run in runs.iterrows():
        table.add_row(*(_text(column, run.get(column)) for column in LIST_COLUMNS))
    Console(width=max(120, console.width), emoji=False).print(table)


def _text(column: str, value) -> str:
    from invlab.study.report.columns import COLUMNS

    if value is None or (isinstance(value, float) and value != value):
        return ""
    return COLUMNS[column].text(value) if column in COLUMNS else str(value)
