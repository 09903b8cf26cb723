"""How the commands print: every text a user typed (paths, transformation specs, labels) and
every exception message is shown as plain text, never read as rich markup (``[/]`` would crash
the printer) or emoji codes (``:-1:`` would become a thumbs-down); an error is one line."""

from __future__ import annotations

import typer


def console():
    """A rich console that reads no emoji codes (markup stays on for the commands' own
    colours; user text goes through :func:`plain`)."""
    from rich.console import Console

    return Console(emoji=False)


def plain(text: object) -> str:
    """``text`` escaped for rich markup: printed exactly as given."""
    from rich.markup import escape

    return escape(str(text))


def fail(message: object, code: int = 2) -> typer.Exit:
    """Print ``error: message`` as one unwrapped line; return the exit to raise."""
    console().print(f"[red]error:[/] {plain(message)}", soft_wrap=True, highlight=False)
    return typer.Exit(code)
