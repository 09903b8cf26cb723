"""``invlab study``: run a study spec, store the runs, print the summary, write the report."""

from __future__ import annotations

import os
import time
from pathlib import Path

import typer

# torch, pandas, matplotlib and rich come in only once a study really runs: ``--list`` and
# argument errors answer at once
from invlab.study.spec.builtin import DEFAULT


def study_command(
    name: str = typer.Argument(
        DEFAULT, help="A built-in study (see --list) or the path of a .toml spec file."
    ),
    out: Path = typer.Option(
        Path("results"), "--out", help="Folder for the database, figure and report."
    ),
    quick: bool = typer.Option(False, "--quick", help="The study's tiny variant (seconds)."),
    seed: int | None = typer.Option(
        None, "--seed", help="Run every configuration with this seed (default: the spec's)."
    ),
    seeds: str | None = typer.Option(
        None,
        "--seeds",
        help="Run every configuration with these seeds: a list '0,1,2' or a count '3' "
        "(= 0,1,2); default: the spec's.",
    ),
    list_: bool = typer.Option(False, "--list", help="List the built-in studies and exit."),
    jobs: int | None = typer.Option(None, "--jobs", "-j", min=1, help="Local worker processes."),
    threads: int | None = typer.Option(
        None,
        "--threads",
        min=1,
        help="torch threads per run, the same on every executor so the numbers match "
        "(default: torch's default here).",
    ),
    scheduler: str | None = typer.Option(
        None, "--scheduler", help="Run on an existing Dask cluster: tcp://HOST:PORT."
    ),
    dask_local: int | None = typer.Option(
        None, "--dask-local", min=1, help="Run on a Dask LocalCluster of N workers."
    ),
    device: str | None = typer.Option(
        None,
        "--device",
        help="Where the runs compute: cpu, cuda, cuda:N, mps or auto (default: the spec's, "
        "else cpu). Stored with each run; not part of its identity.",
    ),
    batch_seeds: bool = typer.Option(
        False,
        "--batch-seeds",
        help="Train the seeds of each configuration together as one batched model (serial "
        "executor; each seed's result equals its serial run's up to floating-point order).",
    ),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Log lines instead of a progress bar."),
    report: bool = typer.Option(True, "--report/--no-report", help="Write DIR/report.html."),
) -> None:
    """Train and measure every run of a study; finished runs are stored and skipped on rerun."""
    if list_:
        from invlab.study.spec.builtin import builtin_summaries

        for study_name, (wall_time, description) in builtin_summaries().items():
            default = " (default)" if study_name == DEFAULT else ""
            typer.echo(f"{study_name}{default} — {wall_time}\n    {description}")
        return
    from invlab.cli.output_paths import check_outputs, writable_folder
    from invlab.study.spec import SpecError, builtin_study, load_spec

    try:
        if name.endswith(".toml") or Path(name).is_file():
            if quick:
                raise typer.BadParameter("--quick applies to built-in studies, not spec files")
            spec = load_spec(name)
        else:
            spec = builtin_study(name, quick=quick)
    except SpecError as exc:
        raise typer.BadParameter(str(exc), param_hint="NAME") from None
    if seed is not None and seeds is not None:
        raise typer.BadParameter("give --seed or --seeds, not both", param_hint="--seeds")
    try:
        if seed is not None:
            spec = spec.with_seed(seed)
        elif seeds is not None:
            spec = spec.with_seeds(_parse_seeds(seeds))
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--seed/--seeds") from None
    from invlab.study.execution.devices import resolve_device

    device = device if device is not None else spec.device
    if scheduler is None:  # a remote worker's devices are its own: checked where it runs
        try:
            resolve_device(device, "--device")
        except ValueError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2) from None
    from invlab.study.execution import RunMisfitError, check_runs_fit

    try:
        check_runs_fit(spec.runs)
    except RunMisfitError as exc:
        raise typer.BadParameter(str(exc), param_hint="NAME") from None
    check_outputs((out, "--out", writable_folder))
    db = out / "results.db"

    from invlab.cli.say import console as plain_console
    from invlab.cli.say import fail, plain
    from invlab.study.execution import SchedulerUnreachable, make_executor, run_study
    from invlab.study.outputs import extras_runs, save_primary_figure, sized
    from invlab.study.report.console import print_extras, print_summary
    from invlab.study.report.html import write_report
    from invlab.study.store import ResultStore, StoreError

    console = plain_console()
    try:
        executor = make_executor(
            jobs=jobs,
            scheduler=scheduler,
            dask_local=dask_local,
            threads=threads,
            device=device,
            batch_seeds=batch_seeds,
        )
    except SchedulerUnreachable as exc:
        typer.echo(f"error: --scheduler: {exc}", err=True)
        raise typer.Exit(2) from None
    except ValueError as exc:
        raise typer.BadParameter(f"{exc}; give one of --jobs, --scheduler, --dask-local") from None
    console.print(
        f"[bold]{plain(spec.name)}[/]: {len(spec.runs)} runs on {executor.name}, device "
        f"{plain(device)} → {plain(db)}"
    )
    workers = jobs or dask_local or 1
    per_run = getattr(executor, "threads", None)
    if threads is None and per_run and workers * per_run > (os.cpu_count() or 1):
        console.print(
            f"note: {workers} workers × {per_run} torch threads on {os.cpu_count()} cores. "
            "The thread count is the serial run's so that the numbers match it exactly "
            f"(it changes the last digits); --threads {max(1, (os.cpu_count() or 1) // workers)} "
            "avoids the oversubscription, and gives the same numbers on every rerun with it."
        )
    start = time.perf_counter()
    try:
        with executor:
            if quiet:
                executed, skipped = run_study(
                    spec, db, executor=executor, progress=_log(len(spec.runs))
                )
            else:
                executed, skipped = _with_bar(spec, db, executor, console)
    except StoreError as exc:
        raise fail(exc) from None
    with ResultStore(db) as store:
        runs, layers, curves = store.runs(), store.layers(), store.curves()
    # this spec's runs, also those another study sharing the database stored first
    runs = runs[runs.key.isin({r.key() for r in spec.runs})] if len(runs) else runs
    failed = int((runs.status == "failed").sum()) if len(runs) else 0
    used = spec.seeds()
    title = f"{spec.name} ({len(used)} seed(s): {', '.join(map(str, used))})"
    print_summary(runs, title, trends=sized(runs))  # kernels have no parameter count
    print_extras(extras_runs(runs), layers)
    mine = [t[t.key.isin(set(runs.key))] if len(t) else t for t in (layers, curves)]
    figure = save_primary_figure(runs, *mine, out / f"{spec.name}.png") or "(none)"
    message = (
        f"{executed} run(s) executed, {skipped} already stored, {failed} failed; "
        f"wall time {time.perf_counter() - start:.1f}s; figure {figure}"
    )
    if report:
        message += f"; report {write_report(db, out / 'report.html', study=spec.name)}"
    console.print(message, markup=False)
    if failed:
        console.print(
            f"[red]{failed} run(s) failed[/]: "
            + plain(f"see `invlab runs {db} --errors`; rerun the same command to retry them")
        )
        raise typer.Exit(1)


def _parse_seeds(text: str) -> list[int] | int:
    """``'3'`` → 3 (a count), ``'0,1,2'`` → [0, 1, 2]."""
    parts = [p.strip() for p in text.split(",") if p.strip()]
    try:
        values = [int(p) for p in parts]
    except ValueError:
        raise ValueError(
            f"--seeds must be integers like '0,1,2' or a count like '3', got {text!r}"
        ) from None
    if "," not in text and len(values) == 1:
        return values[0]
    return values


def _with_bar(spec, db, executor, console) -> tuple[int, int]:
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    from invlab.cli.say import plain
    from invlab.study.execution import run_study
    from invlab.study.report.columns import COLUMNS

    running: list[str] = []
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        console=console,
    ) as bar:
        task = bar.add_task("runs", total=len(spec.runs))

        def show() -> None:
            current = ", ".join(running[:2]) + (f" +{len(running) - 2}" if len(running) > 2 else "")
            bar.update(task, description=f"running {plain(current)}" if running else "runs")

        def progress(event, config, info):
            label = config.label()
            if event == "start":
                running.append(label)
                show()
                return
            if label in running:
                running.remove(label)
            if event == "done":
                shown = ("test_accuracy", "transformed_accuracy", "goodfellow")
                values = "  ".join(
                    f"{COLUMNS[c].header} {COLUMNS[c].text(getattr(info, c))}" for c in shown
                )
                bar.console.print(f"  done {plain(label):40s} {values}", highlight=False)
            elif event == "failed":
                bar.console.print(f"  [red]failed[/] {plain(label)}: {plain(info['error'])}")
            bar.advance(task)
            show()

        return run_study(spec, db, executor=executor, progress=progress)


def _log(total: int):
    count = 0

    def progress(event, config, info):
        nonlocal count
        if event == "start":
            return
        count += 1
        stamp = time.strftime("%H:%M:%S")
        detail = ""
        if event == "done":
            detail = f" test acc {info.test_accuracy:.3f}"
        elif event == "failed":
            detail = f" {info['error']}"
        print(f"{stamp} [{count}/{total}] {event} {config.label()}{detail}", flush=True)

    return progress
