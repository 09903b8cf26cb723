"""``invlab page FILE``: keep a markdown results page equal to the commands it quotes.

A table on the page sits in a block that names the command printing it::

    <!-- table: invlab report results/results.db --markdown - --table curve -->
    | run | n | 0° | 30° | ... |
    <!-- end -->

``invlab page FILE`` runs every such command (in-process, from the current folder) and writes
its output between the markers; ``--check`` changes nothing and exits 1 when any block differs
from what its command prints now, naming the blocks. Only ``invlab report ... --markdown -``
commands are run.
"""

from __future__ import annotations

import contextlib
import io
import re
import shlex
from pathlib import Path

import typer

BLOCK = re.compile(
    r"<!-- table: (?P<command>invlab report [^\n]*?) -->\n(?P<table>.*?)<!-- end -->", re.S
)


def blocks(text: str) -> list[re.Match]:
    """Every table block of a page, in order."""
    return list(BLOCK.finditer(text))


def command_output(command: str) -> str:
    """What ``command`` (``invlab report DB --markdown - ...``) prints, run in this process.

    Raises:
        ValueError: not an ``invlab report ... --markdown -`` command, or the command failed
            (its message included).
    """
    words = shlex.split(command)
    if words[:2] != ["invlab", "report"] or "--markdown" not in words:
        raise ValueError(f"not an 'invlab report DB --markdown - ...' command: {command!r}")
    if words[words.index("--markdown") + 1 :][:1] != ["-"]:
        raise ValueError(f"the block's command must print its table (--markdown -): {command!r}")
    from invlab.cli import app

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            app(words[1:], standalone_mode=False)
        except (Exception, SystemExit) as exc:  # click's usage errors and typer.Exit
            message = str(getattr(exc, "message", "") or exc) or err.getvalue().strip()
            raise ValueError(f"{command!r} failed: {message}") from None
    return out.getvalue()


def page_command(
    file: Path = typer.Argument(
        ..., help="A markdown page with '<!-- table: invlab report ... -->' blocks."
    ),
    check: bool = typer.Option(
        False, "--check", help="Change nothing; exit 1 if a block differs from its command."
    ),
) -> None:
    """Rewrite every table of a markdown results page with the output of the invlab report
    command its block names (or, with --check, report the blocks that differ)."""
    from rich.console import Console

    console = Console()
    if not file.is_file():
        raise typer.BadParameter(f"{str(file)!r} is not a file", param_hint="FILE")
    text = file.read_text(encoding="utf-8")
    found = blocks(text)
    if not found:
        console.print(f"{file}: no '<!-- table: invlab report ... -->' block")
        raise typer.Exit(1 if check else 0)
    pieces, last, stale = [], 0, []
    for block in found:
        try:
            table = command_output(block["command"])
        except ValueError as exc:
            console.print(f"[red]error:[/] {exc}")
            raise typer.Exit(2) from None
        if table != block["table"]:
            stale.append(block["command"])
        pieces += [text[last : block.start("table")], table]
        last = block.end("table")
    pieces.append(text[last:])
    for command in stale:
        console.print(f"{'differs' if check else 'updated'}: {command}")
    if check:
        console.print(f"{len(found) - len(stale)} of {len(found)} table(s) match their command")
        raise typer.Exit(1 if stale else 0)
    file.write_text("".join(pieces), encoding="utf-8")
    console.print(f"{file}: {len(found)} table(s), {len(stale)} updated")
