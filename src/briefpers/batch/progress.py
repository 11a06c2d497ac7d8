"""How a batch shows its progress: a rich bar on a terminal, plain lines in CI.

Nothing here decides where text goes: the CLI hands in its `echo` (and, for
the bar, its rich console), so that the CLI stays the only module that prints.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from briefpers.batch.run import Result

Echo = Callable[[str, bool], None]  # (line, to_stderr)

# How much a display says: 0 (-q) errors only, 1 a line per letter built,
# 2 (-v) also why it was built and which letters were up to date.
QUIET, NORMAL, VERBOSE = 0, 1, 2


class Display(Protocol):
    def start(self, total: int, to_build: int) -> None: ...
    def advance(self, result: Result) -> None: ...
    def close(self) -> None: ...


def error_line(result: Result) -> str:
    """The letter's diagnostic, `file:line:col: error: message`, as the batch recorded it."""
    return result.error or f"{result.source}: error: failed"


def built_line(result: Result, level: int = NORMAL) -> str:
    """`built output/x.pdf (2 pages, 0.21 s)`, with why at -v (`… because source changed`)."""
    pages = f"{result.pages} pages, " if result.pages is not None else ""
    line = f"built {result.output} ({pages}{result.seconds:.2f} s)"
    if level >= VERBOSE and result.reason:
        line += f": {result.reason}"
    return line


def skipped_line(result: Result) -> str:
    return f"up to date {result.output}"


class PlainProgress:
    """One line per built or failed letter, with a running count (for logs and CI)."""

    def __init__(self, echo: Echo, level: int = NORMAL) -> None:
        self.echo = echo
        self.level = level
        self.done = 0
        self.to_build = 0

    def start(self, total: int, to_build: int) -> None:
        self.to_build = to_build
        if self.level >= NORMAL and to_build and total > to_build:
            self.echo(
                f"{total - to_build} of {total} letters up to date; building {to_build}", False
            )

    def advance(self, result: Result) -> None:
        self.done += 1
        if not result.ok:
            self.echo(error_line(result), True)
        elif self.level >= NORMAL:
            self.echo(f"{built_line(result, self.level)} [{self.done}/{self.to_build}]", False)

    def close(self) -> None:
        pass


class RichProgress:
    """A progress bar on a terminal; each letter's line scrolls above it and stays."""

    def __init__(self, console: Any, level: int = NORMAL) -> None:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self.console = console
        self.level = level
        self.failed = 0
        self.progress = Progress(
            TextColumn("building"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[failed]}"),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=console,
            transient=True,  # the bar goes when done; the lines above it stay
        )
        self.task = None

    def start(self, total: int, to_build: int) -> None:
        if to_build:
            self.progress.start()
            self.task = self.progress.add_task("build", total=to_build, failed="")

    def advance(self, result: Result) -> None:
        # Through the bar's console, so a line never tears the bar; the bar
        # is on stderr, and so are these lines while it runs.
        if not result.ok:
            self.failed += 1
            self.console.print(error_line(result), markup=False, highlight=False)
        elif self.level >= NORMAL:
            self.console.print(built_line(result, self.level), markup=False, highlight=False)
        if self.task is not None:
            failed = f"{self.failed} failed" if self.failed else ""
            self.progress.update(self.task, advance=1, failed=failed)

    def close(self) -> None:
        if self.task is not None:
            self.progress.stop()


def summary_line(counts: dict[str, int], seconds: float) -> str:
    """`3 built, 10 up to date, 1 failed (14 letters, 2.3 s)`."""
    total = counts["letters"]
    letters = f"{total} letter{'s' * (total != 1)}"
    if counts["skipped"] == total:
        everything = f"all {letters}" if total != 1 else letters
        line = f"{everything} up to date ({seconds:.2f} s)"
    else:
        parts = [f"{counts['built']} built", f"{counts['skipped']} up to date"]
        if counts["failed"]:
            parts.append(f"{counts['failed']} failed")
        not_run = total - counts["built"] - counts["skipped"] - counts["failed"]
        if not_run:
            parts.append(f"{not_run} not run")
        line = f"{', '.join(parts)} ({letters}, {seconds:.1f} s)"
    if counts.get("validated"):
        compliant = counts["validated"] - counts["noncompliant"]
        line += f"; veraPDF: {compliant} of {counts['validated']} compliant"
    return line


def verdict_line(result: Result) -> str:
    """`PASS output/x.pdf` or `FAIL output/x.pdf: 2 failed rules (…)`."""
    verdict = result.verapdf or {}
    if verdict.get("compliant"):
        return f"PASS {result.output}"
    if verdict.get("error"):
        return f"FAIL {result.output}: {verdict['error']}"
    rules = ", ".join(verdict.get("failed_rule_ids", []))
    return f"FAIL {result.output}: {verdict.get('failed_rules', 0)} failed rules ({rules})"
