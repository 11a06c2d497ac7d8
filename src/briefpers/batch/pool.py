"""A pool of worker processes that knows which letter each worker is building.

`concurrent.futures.ProcessPoolExecutor` cannot tell which task a dead worker
was running: it fails every pending task with BrokenProcessPool, so one
killed worker lost a whole batch. Here each worker holds one letter at a time,
handed over a pipe once the worker says it is ready. When a worker dies, the
letter it was building fails on its own (exit 9, WorkerDiedError) and a fresh
worker takes over the rest. A letter is never retried after it killed its
worker, so a letter that crashes every worker cannot loop.

A worker that overruns its letter's time limit by GRACE seconds (stuck in C
code, where the in-process alarm cannot reach it) is killed; its letter fails
with the time-limit error (exit 5).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from multiprocessing.context import BaseContext
from typing import Any

from briefpers.batch.worker import (
    Outcome,
    Task,
    build_one,
    init_worker,
    set_memory_ceiling,
    tune_gc,
)
from briefpers.errors import TimeLimitError, WorkerDiedError
from briefpers.limits import env_name

READY = "ready"
GRACE = 30.0  # seconds past a letter's own time limit before its worker is killed
# Workers that die before they take any letter, in a row, before the pool gives
# up (a broken installation must not respawn workers forever).
MAX_START_FAILURES = 3
# What the fork server imports before it forks workers (see preload.py): every
# worker starts with WeasyPrint loaded. Empty: each worker imports it itself.
PRELOAD = ("briefpers.batch.preload",)


def serve(conn: Connection, parent: int, memory_mib: int, fn: Callable[[Task], Outcome]) -> None:
    """A worker's life: load once, then build one task per message until told to stop."""
    init_worker(True, parent)
    tune_gc()
    # After loading WeasyPrint: the ceiling is for letters, not for the imports.
    set_memory_ceiling(memory_mib)
    conn.send(READY)
    while True:
        try:
            task = conn.recv()
        except EOFError:  # the parent is gone
            return
        if task is None:
            return
        conn.send(fn(task))


@dataclass
class _Worker:
    process: Any  # multiprocessing's Process of the chosen context
    conn: Connection
    ready: bool = False
    task: Task | None = None
    started: float = 0.0  # time.monotonic() when the task was handed over

    @property
    def pid(self) -> int:
        return self.process.pid or 0


class WorkerPool:
    """Run tasks in `size` worker processes; yield an Outcome per task as it finishes."""

    def __init__(
        self,
        size: int,
        *,
        memory_mib: int = 0,
        fn: Callable[[Task], Outcome] = build_one,
        context: str = "forkserver",
        preload: Sequence[str] | None = None,  # None: PRELOAD
        keep: bool = False,
    ) -> None:
        self.size = max(1, size)
        self.keep = keep
        self.memory_mib = memory_mib
        self.fn = fn
        # forkserver: the parent runs threads (the progress bar), and forking
        # a threaded process can copy a held lock into the child. The server
        # itself has no threads, and is the parent that preloads. (`start`
        # can fork the first workers from the parent, before its threads.)
        self.ctx = multiprocessing.get_context(context)
        preload = PRELOAD if preload is None else preload
        if context == "forkserver" and preload:
            # Takes effect when the server starts (once per process).
            self.ctx.set_forkserver_preload(list(preload))
        self.workers: list[_Worker] = []
        self.unreported: list[Outcome] = []  # finished while the run was stopping
        self.received: deque[Outcome] = deque()  # read from workers, not yet taken
        self.pending: deque[Task] = deque()
        self._start_failures = 0

    def run(self, tasks: Sequence[Task]) -> Iterator[Outcome]:
        """Build `tasks`; stop the workers afterwards unless the pool is `keep`.

        A kept pool (for `watch`) keeps its idle workers warm for the next
        run; `close()` stops them.
        """
        self.pending = deque(largest_first(tasks))
        self.unreported = []
        self.received.clear()
        self._start_failures = 0
        try:
            for _ in range(min(self.size, len(self.pending)) - len(self.workers)):
                self._spawn()
            while self.pending or self._busy():
                if not self.workers:  # every replacement died while starting
                    yield from self._give_up()
                    break
                self._hand_out()
                yield from self._collect()
        finally:
            if self.keep:
                self._drain()
            else:
                self._shut_down()

    def start(self, context: str | None = None) -> None:
        """Start every worker now rather than when `run` needs them.

        `context` "fork": forked from this process as it is (WeasyPrint
        imported, no server to start). Call it before this process runs any
        other thread; a worker that replaces one that died later comes from
        the pool's own context (the fork server), safe with threads.
        """
        ctx = multiprocessing.get_context(context) if context else self.ctx
        for _ in range(self.size - len(self.workers)):
            self._spawn(ctx)

    def close(self) -> None:
        """Stop every worker (after the letters they are building)."""
        self._shut_down()

    def _busy(self) -> bool:
        return any(w.task is not None for w in self.workers)

    # Handing out and collecting ------------------------------------------------

    def _spawn(self, ctx: BaseContext | None = None) -> None:
        ctx = ctx or self.ctx
        parent_end, child_end = ctx.Pipe()
        process = ctx.Process(
            target=serve,
            args=(child_end, os.getpid(), self.memory_mib, self.fn),
            daemon=True,
        )
        process.start()
        child_end.close()  # so that the parent sees EOF when the worker dies
        self.workers.append(_Worker(process, parent_end))

    def _hand_out(self) -> None:
        for worker in self.workers:
            if not self.pending:
                return
            if worker.ready and worker.task is None:
                task = self.pending.popleft()
                # A Ctrl-C between sending and noting it would leave a worker
                # building a letter the pool does not wait for when it stops.
                with interrupts_deferred():
                    try:
                        worker.conn.send(task)
                    except OSError:  # died while idle: the task never reached it
                        self.pending.appendleft(task)
                        continue
                    worker.task, worker.started = task, time.monotonic()

    def _collect(self) -> Iterator[Outcome]:
        """Wait for a message, a death or a deadline; yield what finished."""
        waits = {w.conn: w for w in self.workers}
        waits.update({w.process.sentinel: w for w in self.workers})
        for ready in wait(list(waits), timeout=self._next_deadline()):
            worker = waits[ready]
            if worker not in self.workers:
                continue  # already handled through its other handle
            self._receive(worker)
        # Each outcome stays in `received` until the caller asks for the next:
        # one that a Ctrl-C catches on its way is reported when stopping
        # (and may then reach the caller twice).
        while self.received:
            yield self.received[0]
            self.received.popleft()
        yield from self._kill_overdue()

    def _receive(self, worker: _Worker) -> None:
        """Read a worker's message, or bury it if it died; outcomes go to `received`."""
        try:
            if worker.conn.poll():
                # A Ctrl-C between reading a message and noting it would lose
                # the outcome, and stopping would wait for it for good.
                with interrupts_deferred():
                    message = worker.conn.recv()
                    if message == READY:
                        worker.ready = True
                        self._start_failures = 0
                    else:
                        worker.task = None
                        self.received.append(message)
                return
        except (EOFError, OSError):
            worker.process.join(1)  # its end of the pipe is closed: it is exiting
        if worker.process.is_alive():
            return
        outcome = self._bury(worker, self._death(worker))
        if outcome is not None:
            self.received.append(outcome)

    def _bury(self, worker: _Worker, why: str) -> Outcome | None:
        """Remove a dead worker, start another if work remains; the letter it held fails."""
        self.workers.remove(worker)
        worker.conn.close()
        worker.process.join(1)
        task = worker.task
        if not worker.ready:
            self._start_failures += 1
        if self.pending and self._start_failures < MAX_START_FAILURES:
            self._spawn()
        if task is None:
            return None
        error = WorkerDiedError(why, path=task.name or task.source)
        return Outcome(
            task.source,
            task.output,
            error=error.diagnostic(),
            exit_code=int(error.exit_code),
            seconds=time.monotonic() - worker.started,
            worker=_worker_id(worker.pid),
        )

    def _death(self, worker: _Worker) -> str:
        code = worker.process.exitcode
        if code is not None and code < 0:
            try:
                how = f"was killed by {signal.Signals(-code).name}"
            except ValueError:
                how = f"was killed by signal {-code}"
            if code == -signal.SIGKILL:
                how += " (out of memory, or killed by someone)"
            elif code != -signal.SIGTERM and self.memory_mib:
                # C libraries (GLib) abort when an allocation fails.
                how += f" (perhaps at its memory limit of {self.memory_mib} MiB)"
        else:
            how = f"exited with status {code}"
        if worker.task is None:
            return f"a worker process {how}"
        return (
            f"the worker process building this letter {how}; no PDF was written, "
            f"the other letters are not affected (rerun to try it again)"
        )

    def _next_deadline(self) -> float | None:
        """Seconds until the first busy worker is overdue (None: no time limit)."""
        overdue = [
            w.started + w.task.settings.limits.timeout + GRACE
            for w in self.workers
            if w.task is not None and w.task.settings.limits.timeout
        ]
        if not overdue:
            return None
        return max(0.0, min(overdue) - time.monotonic())

    def _kill_overdue(self) -> Iterator[Outcome]:
        now = time.monotonic()
        for worker in list(self.workers):
            task = worker.task
            if task is None or not task.settings.limits.timeout:
                continue
            limit = task.settings.limits.timeout
            if now < worker.started + limit + GRACE:
                continue
            worker.process.kill()
            worker.process.join(5)
            outcome = self._bury(worker, "")
            if outcome is not None:
                error = TimeLimitError(
                    f"building the letter took longer than the limit of {limit:g} s and "
                    f"did not stop: its worker process was killed "
                    f"(--timeout or {env_name('timeout')} changes the limit)",
                    path=task.name or task.source,
                )
                outcome.error, outcome.exit_code = str(error), int(error.exit_code)
                yield outcome

    def _give_up(self) -> Iterator[Outcome]:
        """Workers die before they can take a letter: fail what is left, do not respawn."""
        while self.pending:
            task = self.pending.popleft()
            error = WorkerDiedError(
                f"not built: {MAX_START_FAILURES} worker processes in a row died while "
                f"starting (build one letter alone to see why)",
                path=task.name or task.source,
            )
            yield Outcome(
                task.source, task.output, error=error.diagnostic(), exit_code=int(error.exit_code)
            )

    # Stopping ------------------------------------------------------------------

    def _drain(self) -> None:
        """Drop letters not handed out; keep the outcomes of those still running."""
        self.pending.clear()
        with contextlib.suppress(KeyboardInterrupt):
            while self._busy() or self.received:
                for outcome in self._collect() if self._busy() else self._taken():
                    if outcome.ok:
                        self.unreported.append(outcome)

    def _taken(self) -> Iterator[Outcome]:
        while self.received:
            yield self.received.popleft()

    def _shut_down(self) -> None:
        """Let running letters finish (their PDFs are written), then stop every worker.

        Also on Ctrl-C: letters not yet handed out are dropped, the outcomes of
        those still running are kept in `unreported` for the manifest.
        """
        self._drain()
        for worker in self.workers:
            with contextlib.suppress(OSError):
                worker.conn.send(None)
        for worker in self.workers:
            worker.process.join(5)
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join(5)
            worker.conn.close()
        self.workers = []


def largest_first(tasks: Sequence[Task]) -> list[Task]:
    """The tasks with the largest source first (stable among equal sizes).

    A letter's time grows with its text, so its source's size is a fair
    estimate: handing the longest letters out first keeps the batch from
    ending with one worker on a long letter and the others idle. A source
    that cannot be read counts as empty (it fails at once where it is built).
    """

    def size(task: Task) -> int:
        try:
            return os.stat(task.source).st_size
        except OSError:
            return 0

    return sorted(tasks, key=size, reverse=True)


INTERRUPTS = (signal.SIGINT, signal.SIGTERM)


@contextlib.contextmanager
def interrupts_deferred() -> Iterator[None]:
    """Ctrl-C and SIGTERM wait until the block is done, then act as they would.

    Python signal handlers can be swapped in the main thread only; elsewhere
    the block runs as it is.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    previous = {
        sig: signal.signal(sig, lambda signum, frame: caught.append(signum)) for sig in INTERRUPTS
    }
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if caught:
            handler = previous[caught[0]]
            if callable(handler):
                handler(caught[0], None)  # e.g. raises KeyboardInterrupt
            elif handler == signal.SIG_DFL:
                os.kill(os.getpid(), caught[0])


def _worker_id(pid: int) -> str:
    import socket

    return f"{socket.gethostname()}:{pid}"
