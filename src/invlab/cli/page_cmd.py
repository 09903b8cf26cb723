"""``invlab page FILE``: keep a markdown results page equal to the commands it quotes.

A table on the page sits in a block that names the command printing it::

    <!-- table: invlab report results/results.db --markdown - --table curve -->
    | run | n | 0° | 30° | ... |
    <!-- end -->

``invlab page FILE`` runs every such command (in-process, from the current folder) and writes
its output between the markers; ``--check`` changes nothing and exits 1 when any block differs
from what its command prints now, naming the blocks and their first differing line.

A page only prints tables into itself: only ``invlab report DB --markdown - ...`` commands are
run, and any option of theirs that writes a file (every path option but ``--markdown -``) is
refused. Any failure (a block without ``<!-- end -->``, a refused or failing command, a file
that is not UTF-8 text) stops the command with the block's line number and a non-zero exit,
before the page is written: it is rewritten whole, atomically, or not at all.
"""

from __future__ import annotations

import contextlib
import inspect
import io
import re
import shlex
import typing
from pathlib import Path

import typer

START = "<!-- table:"
# a block's table never contains another block's start (a marker opening a line): a block
# missing its end marker does not swallow the next block up to that one's end
BLOCK = re.compile(
    r"<!-- table: (?P<command>invlab report [^\n]*?) -->\n"
    r"(?P<table>(?:(?!^<!-- table:).)*?)<!-- end -->",
    re.S | re.M,
)


class PageError(ValueError):
    """A block of the page cannot be run (its line number is in the message)."""


def blocks(text: str) -> list[re.Match]:
    """Every table block of a page, in order.

    Raises:
        PageError: a ``<!-- table:`` marker that does not open a complete block (no
            ``<!-- end -->`` before the next block, or not an ``invlab report`` command).
    """
    found = list(BLOCK.finditer(text))
    starts = {block.start() for block in found}
    for marker in re.finditer("^" + re.escape(START), text, re.M):  # not quoted in prose
        if marker.start() not in starts:
            raise PageError(
                f"line {line_of(text, marker.start())}: a '<!-- table: invlab report ... -->' "
                "block without its '<!-- end -->' line (or not an invlab report command); "
                "close or remove it"
            )
    return found


def line_of(text: str, offset: int) -> int:
    """The 1-based line number of ``offset`` in ``text``."""
    return text.count("\n", 0, offset) + 1


def _writing_options() -> dict[str, str]:
    """``invlab report``'s options that take a path (flag → its long name): every one writes."""
    from invlab.cli.report_cmd import report_command

    hints = typing.get_type_hints(report_command)
    flags = {}
    for name, parameter in inspect.signature(report_command).parameters.items():
        decls = getattr(parameter.default, "param_decls", None)
        if decls and Path in (hints[name], *typing.get_args(hints[name])):
            flags.update({flag: decls[0] for flag in decls})
    return flags


def _refuse_writes(words: list[str], command: str) -> None:
    """Refuse every path option but ``--markdown -`` (the page owns only its own tables)."""
    writing = _writing_options()
    for i, word in enumerate(words):
        flag, _, attached = word.partition("=") if word.startswith("--") else (word, "", "")
        if flag not in writing and not (
            len(word) > 2 and word[0] == "-" and word[1] != "-" and word[:2] in writing
        ):
            continue
        flag = flag if flag in writing else word[:2]
        value = attached or (word[2:] if flag == word[:2] and len(word) > 2 else None)
        if value is None:
            value = words[i + 1] if i + 1 < len(words) else ""
        if writing[flag] == "--markdown" and value == "-":
            continue
        raise PageError(
            f"{flag} {value!r} would write a file outside the page; a page block must "
            f"print its table (--markdown -) and write nothing else: {command!r}"
        )


def command_output(command: str) -> str:
    """What ``command`` (``invlab report DB --markdown - ...``) prints, run in this process.

    Raises:
        PageError: not an ``invlab report ... --markdown -`` command, an option that writes
            a file, or the command failed (its message included).
    """
    try:
        words = shlex.split(command)
    except ValueError as exc:
        raise PageError(f"cannot parse {command!r}: {exc}") from None
    if words[:2] != ["invlab", "report"] or "--markdown" not in words:
        raise PageError(f"not an 'invlab report DB --markdown - ...' command: {command!r}")
    _refuse_writes(words[2:], command)
    if words[words.index("--markdown") + 1 :][:1] != ["-"]:
        raise PageError(f"the block's command must print its table (--markdown -): {command!r}")
    from invlab.cli import app

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = app(words[1:], standalone_mode=False)
        except (Exception, SystemExit) as exc:  # usage errors; SystemExit from a bare exit
            message = str(getattr(exc, "message", "") or exc) or err.getvalue().strip()
            raise PageError(f"{command!r} failed: {message}") from None
    if code:  # typer.Exit(n) is returned, not raised, outside standalone mode
        message = " ".join((err.getvalue() + out.getvalue()).split()) or f"exit status {code}"
        raise PageError(f"{command!r} failed (exit {code}): {message}")
    return out.getvalue()


def first_difference(old: str, new: str) -> str:
    """Where the page's table first differs from the command's output, in words."""
    old_lines, new_lines = old.splitlines(), new.splitlines()
    for i, (a, b) in enumerate(zip(old_lines, new_lines)):
        if a != b:
            return f"table line {i + 1}: page has {a!r}, command prints {b!r}"
    if len(old_lines) != len(new_lines):
        return f"page has {len(old_lines)} table line(s), command prints {len(new_lines)}"
    return "whitespace differs"


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
    from invlab.cli.say import console as make_console
    from invlab.cli.say import fail, plain

    console = make_console()
    if not file.is_file():
        raise typer.BadParameter(f"{str(file)!r} is not a file", param_hint="FILE")
    try:
        text = file.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise fail(
            f"{str(file)!r} is not a UTF-8 text page (byte {exc.start}: {exc.reason}); "
            "give a markdown file"
        ) from None
    try:
        found = blocks(text)
    except PageError as exc:
        raise fail(f"{file}: {exc}") from None
    if not found:
        console.print(f"{plain(file)}: no '<!-- table: invlab report ... -->' block")
        raise typer.Exit(1 if check else 0)
    pieces, last, stale = [], 0, []
    for block in found:
        line = line_of(text, block.start())
        try:
            table = command_output(block["command"])
        except PageError as exc:
            raise fail(f"{file}: line {line}: {exc}; the page was left unchanged") from None
        if table != block["table"]:
            stale.append((line, block["command"], first_difference(block["table"], table)))
        pieces += [text[last : block.start("table")], table]
        last = block.end("table")
    pieces.append(text[last:])
    for line, command, why in stale:
        word = "differs" if check else "updated"
        console.print(f"{word}: line {line}: {plain(command)} ({plain(why)})", soft_wrap=True)
    if check:
        console.print(f"{len(found) - len(stale)} of {len(found)} table(s) match their command")
        raise typer.Exit(1 if stale else 0)
    from invlab._atomic import write_text

    write_text(file, "".join(pieces))  # one rename: a reader sees the old page or the new
    console.print(f"{plain(file)}: {len(found)} table(s), {len(stale)} updated")
