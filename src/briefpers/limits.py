"""Resource limits: how big a letter source may be, and how long one build may take.

Every limit has a documented default and an environment variable that changes
it (README, "Limits"). The size limits are checked when a source is loaded,
before anything is rendered, so a pathological letter fails in milliseconds
with a clear message instead of keeping a worker busy for minutes.

`deadline()` bounds the time of one letter's build. It works in the main
thread of a process (SIGALRM via `setitimer`: the normal case, both for the
CLI and for process-pool workers) and in any other thread (an asynchronous
exception, for thread-based workers such as Dask's). Both interrupt Python
code only: a single long call into C (libxml2, Pango, HarfBuzz) finishes
first; the size limits keep such calls short.
"""

from __future__ import annotations

import ctypes
import signal
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, TypeVar

from briefpers.errors import ConfigError, TimeLimitError

T = TypeVar("T")

ENV_PREFIX = "BRIEFPERS_"
# After the deadline the interruption is repeated this often (seconds): code
# that swallows one interruption (WeasyPrint catches broadly around images
# and SVG) gets the next one.
REPEAT = 0.5
# Limits where 0 switches the limit off.
ZERO_IS_NONE = frozenset({"timeout", "max_memory"})


@dataclass(frozen=True)
class Limits:
    """Limits for one letter; field `x` is read from env `BRIEFPERS_MAX_X` (or `_TIMEOUT`)."""

    # Bytes of the source file. A letter is kilobytes; a long annexed report
    # with markup stays far below this.
    max_source_bytes: int = 10 * 1024 * 1024
    # Elements in the source. Layout costs ~2 ms per paragraph (10,000
    # paragraphs: 370 pages in 20 s); 20,000 elements bound a letter to
    # well under a minute.
    max_elements: int = 20_000
    # Nesting depth of elements (the root is 1). WeasyPrint recurses per
    # nested box and fails near 200 levels of lists; real letters stay below 15.
    max_depth: int = 50
    # Footnotes. Footnote layout is superlinear (1,000 notes: 19 s; 500 on
    # few pages: 24 s); a letter with its annexes rarely has 100.
    max_notes: int = 1_000
    # Footnotes called from one block (a paragraph, list item, cell, heading).
    # WeasyPrint lays out a page's footnote area again for every note it adds
    # or moves, and a block's lines again with it: quadratic in the notes of one
    # block (50 notes of ten lines each in one paragraph: 14 s; 100: 41 s).
    # A real paragraph has a handful.
    max_block_notes: int = 50
    # Characters in all footnotes together. Each long note costs ~0.1 s of
    # layout (300 notes of 1,100 characters: 27 s); real letters stay far below.
    max_note_text: int = 200_000
    # Annexes. Each starts a page (500 annexes: 9 s; 6,000 ran past 300 s);
    # a letter rarely has ten.
    max_annexes: int = 200
    # Characters of text. A megabyte of plain paragraphs is ~270 pages and
    # takes ~25 s; the byte limit alone would admit ten times that.
    max_text: int = 1_000_000
    # Characters in one word (a run without white space). Breaking a long
    # word is quadratic in WeasyPrint: in a paragraph 20,000 characters take
    # 6.7 s and 100,000 more than 2 minutes; in a table cell 1,000 take 2.4 s
    # and 5,000 take 74 s. A long URL is a few hundred.
    max_word: int = 1_000
    # Seconds for one letter, load to finished PDF; 0 means no limit.
    timeout: float = 300.0
    # MiB of private memory (RLIMIT_DATA) for each process that builds letters
    # in a batch; 0 means no limit. A warm worker uses about 100 MiB; the
    # ceiling stops a pathological letter long before it takes the machine.
    max_memory: int = 2048

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> Limits:
        """The defaults, overridden by `BRIEFPERS_MAX_*` / `BRIEFPERS_TIMEOUT`
        (called once, by `briefpers.settings`)."""
        values: dict[str, Any] = {}
        for f in fields(cls):
            name = env_name(f.name)
            raw = environ.get(name, "").strip()
            if not raw:
                continue
            kind = float if f.name == "timeout" else int
            try:
                value = kind(raw)
            except ValueError:
                value = -1
            if not 0 <= value < 1e9 or (value == 0 and f.name not in ZERO_IS_NONE):
                what = (
                    "a number of seconds (0: none)"
                    if f.name == "timeout"
                    else "a number of MiB (0: none)"
                    if f.name == "max_memory"
                    else "a positive whole number"
                )
                raise ConfigError(f"{name}={raw!r}: must be {what}")
            values[f.name] = value
        return cls(**values)


def env_name(field_name: str) -> str:
    """`max_notes` → `BRIEFPERS_MAX_NOTES`."""
    return ENV_PREFIX + field_name.upper()


class _Expired(BaseException):
    """Raised into the letter's code at the deadline.

    A BaseException, so that `except Exception` in libraries does not
    swallow it; `deadline` turns it into a TimeLimitError.
    """


class deadline:  # noqa: N801 - used like a function: `with deadline(30): ...`
    """Raise TimeLimitError if the block runs longer than `seconds` (None/0: no limit).

    Main thread: SIGALRM (the block must not use SIGALRM itself). Other
    threads: an asynchronous exception, delivered between bytecodes. If
    the deadline passed, the block fails even if it swallowed the
    interruption and finished: its result may be incomplete.
    """

    def __init__(
        self,
        seconds: float | None,
        *,
        what: str = "building the letter",
        path: Path | str | None = None,
    ) -> None:
        self.seconds = seconds or 0.0
        self.what = what
        self.path = path
        self.fired = False
        self._lock = threading.Lock()
        self._done = False
        self._timer: threading.Timer | None = None
        self._thread_id = 0
        self._old_handler: Any = None
        self._old_timer: tuple[float, float] = (0.0, 0.0)
        self._started = 0.0
        self._main = False

    def __enter__(self) -> deadline:
        if self.seconds <= 0:
            return self
        self._started = time.monotonic()
        self._main = threading.current_thread() is threading.main_thread()
        try:
            if self._main:
                self._old_handler = signal.signal(signal.SIGALRM, self._on_alarm)
                self._old_timer = signal.setitimer(signal.ITIMER_REAL, self.seconds, REPEAT)
            else:
                self._thread_id = threading.get_ident()
                self._schedule(self.seconds)
        except _Expired:
            # A limit shorter than starting the timer: it struck before the block
            # began, and __exit__ will not run for a block that never started.
            self.__exit__(_Expired, None, None)
        return self

    def __exit__(self, typ, exc, tb) -> bool:
        if self.seconds <= 0:
            return False
        try:
            self._disarm()
        except _Expired:  # the alarm struck between the block's end and here
            self.fired = True
            self._disarm()
        if self.fired or isinstance(exc, _Expired):
            raise TimeLimitError(
                f"{self.what} took longer than the limit of {self.seconds:g} s "
                f"(--timeout or {env_name('timeout')} changes it)",
                path=self.path,
            ) from None
        return False

    # Main thread --------------------------------------------------------------

    def _on_alarm(self, signum, frame) -> None:
        self.fired = True
        raise _Expired

    # Other threads ------------------------------------------------------------

    def _schedule(self, delay: float) -> None:
        self._timer = threading.Timer(delay, self._interrupt)
        self._timer.daemon = True
        self._timer.start()

    def _interrupt(self) -> None:
        with self._lock:
            if self._done:
                return
            self.fired = True
            _async_raise(self._thread_id, _Expired)
            self._schedule(REPEAT)

    # Both ---------------------------------------------------------------------

    def _disarm(self) -> None:
        if self._main:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, self._old_handler)
            if self._old_timer[0] > 0:  # an outer timer: give back what is left of it
                left = self._old_timer[0] - (time.monotonic() - self._started)
                signal.setitimer(signal.ITIMER_REAL, max(left, 0.001), self._old_timer[1])
            return
        with self._lock:
            self._done = True
            if self._timer is not None:
                self._timer.cancel()
            _async_raise(self._thread_id, None)  # drop one still pending


def _async_raise(thread_id: int, exc_type: type[BaseException] | None) -> None:
    # PyThreadState_SetAsyncExc: the documented way to raise in another
    # thread; NULL (None) clears a pending one.
    ctypes.pythonapi.PyThreadState_SetAsyncExc(
        ctypes.c_ulong(thread_id), ctypes.py_object(exc_type) if exc_type else None
    )


def run_with_deadline(
    seconds: float | None,
    fn: Callable[..., T],
    *args: Any,
    path: Path | str | None = None,
    **kwargs: Any,
) -> T:
    """`fn(*args, **kwargs)`, or TimeLimitError after `seconds` (None/0: no limit)."""
    with deadline(seconds, path=path):
        return fn(*args, **kwargs)
