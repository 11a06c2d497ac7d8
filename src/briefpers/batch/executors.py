"""Where letters are built: this process, a local process pool, or a Dask cluster.

Every executor takes Tasks and yields an Outcome per task as it finishes
(in completion order). Local workers write the PDFs; Dask workers send them
back and the executor writes them here; the caller writes the manifest.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import sys
import threading
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Protocol

from briefpers import __version__
from briefpers.batch.worker import (
    Outcome,
    Task,
    build_one,
    failed,
    init_worker,
    memory_ceiling,
    reset_caches,
    tune_gc,
    write_files,
)
from briefpers.errors import DependencyError, ExitCode, OutputError, diagnostic

if TYPE_CHECKING:  # imported when a Dask run starts: a no-op build must stay light
    from briefpers.batch.pool import WorkerPool
    from briefpers.batch.remote import Packer, Parcel, Returned

CONNECT_TIMEOUT = "20s"  # Dask keeps retrying a scheduler that is starting up
# Without --jobs and where this process cannot fork its workers (another
# thread runs, or not on Linux), up to this many letters are built in this
# process: a fork server's start and import pay off only for more letters
# (bench/bench.py: `make pdf` of the examples).
SMALL_BATCH = 4
CHUNK = 64  # letters packed and submitted to Dask at a time
MAX_RESENDS = 2  # times a letter's lost files are sent again before it fails
RESENT = re.compile(r"-r\d+$")  # the suffix of a key whose data was sent again


class Executor(Protocol):
    name: str
    workers: int

    def prepare(self, tasks: Sequence[Task]) -> None: ...

    def run(self, tasks: Sequence[Task]) -> Iterator[Outcome]: ...

    def close(self) -> None: ...


def default_jobs() -> int:
    """All the cores this process may use."""
    count = getattr(os, "process_cpu_count", None)  # Python 3.13+
    if count is not None:
        return count() or 1
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _lost(task: Task, why: str, code: ExitCode = ExitCode.INTERNAL) -> Outcome:
    return Outcome(
        task.source,
        task.output,
        error=diagnostic(task.name or task.source, "error", why),
        exit_code=int(code),
    )


class LocalExecutor:
    """Worker processes on this machine, or this process.

    `jobs`: the operator's --jobs (None: all cores). One job, or one letter,
    is built in this process. Other batches are built by workers forked from
    this process after it imported WeasyPrint, if `prepare` ran while this
    process had no other thread. Without that, a small batch (no --jobs) is
    built in this process, and a larger one, or one with --jobs, by workers
    forked from a server that preloaded WeasyPrint.
    """

    name = "process"

    def __init__(self, jobs: int | None = None, *, small_batch: int | None = None) -> None:
        self.requested = jobs
        self.workers = max(1, jobs or default_jobs())
        self.small_batch = SMALL_BATCH if small_batch is None else small_batch
        self.unreported: list[Outcome] = []  # finished while the run was stopping
        self.forked: WorkerPool | None = None  # made by `prepare`, used by `run`

    def in_process(self, count: int) -> bool:
        """Whether `count` letters are built in this process rather than by workers."""
        return self.workers == 1 or count == 1

    def small(self, count: int) -> bool:
        """Whether `count` letters are a small batch: built in this process
        when `prepare` could not fork (a fork server would not pay).

        An explicit --jobs of 2 or more never makes a batch small.
        """
        return self.requested is None and 1 < count <= self.small_batch and self.workers > 1

    def prepare(self, tasks: Sequence[Task]) -> None:
        """For a batch that workers build: import WeasyPrint here and fork them now.

        No fork server to start and preload first: the workers start about a
        tenth of a second sooner (six letters with --jobs 2: 1.11 against
        1.23 s) and share this process's pages. Call it before this process
        starts a thread (the progress bar's): a fork copies only the calling
        thread, and a lock another thread held would stay held in the worker.
        With another thread running already, `run` builds a small batch here
        and starts a fork server for a larger one.
        """
        count = len(tasks)
        if self.forked is not None or count < 2 or self.in_process(count) or not can_fork():
            return
        from briefpers.batch.pool import WorkerPool

        init_worker(ignore_sigint=False)  # what every worker then starts with
        tune_gc()  # frozen: the workers' collections never touch (and copy) these pages
        # A worker that dies is replaced from the fork server (preloaded):
        # by then this process runs the progress bar's thread.
        pool = WorkerPool(min(self.workers, count), memory_mib=tasks[0].settings.limits.max_memory)
        try:
            pool.start("fork")
        except OSError:  # no process to be had (a process limit): build here
            pool.close()
            return
        self.forked = pool

    def run(self, tasks: Sequence[Task]) -> Iterator[Outcome]:
        if not tasks:
            return
        memory = tasks[0].settings.limits.max_memory
        if self.forked is not None or not (self.in_process(len(tasks)) or self.small(len(tasks))):
            pool = self.forked or _server_pool(min(self.workers, len(tasks)), memory)
            self.forked = None
            try:
                yield from pool.run(tasks)
            finally:
                self.unreported = pool.unreported
            return
        # One job, one letter, or a small batch with another thread running
        # (or from a caller that did not prepare): no process to start. The
        # price: a letter that crashes this process ends the run (what
        # finished is in the manifest); workers contain that.
        self.workers = 1
        init_worker(ignore_sigint=False)
        tune_gc()
        for task in tasks:
            with memory_ceiling(memory):  # this process's, for the letter only
                outcome = build_one(task)
            yield outcome

    def close(self) -> None:
        """Stop workers that `prepare` forked and no `run` used."""
        if self.forked is not None:
            self.forked.close()
            self.forked = None


def can_fork() -> bool:
    """Whether this process may fork workers now: no other thread running."""
    return fork_supported() and threading.active_count() == 1


def fork_supported() -> bool:
    """Whether workers may be forked here at all: on Linux (macOS's system
    frameworks are not safe to fork)."""
    return sys.platform.startswith("linux")


def _server_pool(size: int, memory: int) -> WorkerPool:
    from briefpers.batch.pool import WorkerPool  # with multiprocessing: only for a pool

    return WorkerPool(size, memory_mib=memory)


class WarmExecutor:
    """One worker process kept from run to run (for `watch`).

    After its first letter it has the theme's stylesheet, fonts and templates
    loaded, so each later letter costs a warm build; a letter that crashes it
    fails alone, and the next run starts a fresh worker. `restart` drops it
    (its caches hold an edited theme's old files); `close` stops it.
    """

    name = "process"
    workers = 1

    def __init__(self) -> None:
        self.pool: WorkerPool | None = None
        self.unreported: list[Outcome] = []

    def prepare(self, tasks: Sequence[Task]) -> None:
        """Nothing: the worker starts with the first run and is kept."""

    def run(self, tasks: Sequence[Task]) -> Iterator[Outcome]:
        if not tasks:
            return
        if self.pool is None:
            from briefpers.batch.pool import WorkerPool

            self.pool = WorkerPool(1, memory_mib=tasks[0].settings.limits.max_memory, keep=True)
        try:
            yield from self.pool.run(tasks)
        finally:
            self.unreported = self.pool.unreported

    def restart(self) -> None:
        self.close()

    def close(self) -> None:
        if self.pool is not None:
            self.pool.close()
            self.pool = None


class DaskExecutor:
    """A dask.distributed cluster: the scheduler at `address`, or a local one.

    Workers need not see the client's files: each letter travels with its
    source, and its files and theme by content, once per worker
    (`batch.remote`); the PDF comes back as bytes and is written here.
    """

    name = "dask"

    def __init__(self, address: str | None = None, jobs: int | None = None) -> None:
        self.address = address
        self.jobs = jobs
        self.workers = 0
        self._held: dict[str, object] = {}  # key → the cluster's Future: keeps its data

    def prepare(self, tasks: Sequence[Task]) -> None:
        """Nothing: the cluster is reached when the run starts."""

    def close(self) -> None:
        """Nothing: each run closes its client (and its local cluster)."""

    def run(self, tasks: Sequence[Task]) -> Iterator[Outcome]:
        if not tasks:
            return
        distributed = _distributed()
        from briefpers.batch.pool import largest_first
        from briefpers.batch.remote import Packer, build_parcel

        tasks = largest_first(tasks)  # the scheduler starts them in this order

        cluster = None
        if self.address is None:
            cluster = distributed.LocalCluster(
                n_workers=self.jobs or default_jobs(),
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
                silence_logs=logging.ERROR,
            )
        try:
            client = self._connect(distributed, cluster)
        except BaseException:
            if cluster is not None:
                cluster.close()
            raise
        futures: dict[str, tuple[object, Parcel, int]] = {}
        try:
            self._prepare(client)
            finished = distributed.as_completed()
            packer = Packer()
            for start in range(0, len(tasks), CHUNK):
                parcels = []
                for task in tasks[start : start + CHUNK]:
                    packed = packer.pack(task)
                    if isinstance(packed, Outcome):
                        yield packed  # the client could not read its source
                    else:
                        parcels.append(packed)
                self._hold(client, packer.take_fresh())
                for parcel, future in zip(
                    parcels, client.map(build_parcel, parcels, pure=False), strict=True
                ):
                    futures[future.key] = (future, parcel, 0)
                    finished.add(future)
            for future in finished:
                _, parcel, resent = futures.pop(future.key)
                try:
                    returned = future.result()
                except Exception as exc:  # e.g. KilledWorker after retries
                    yield _failed_on_cluster(parcel.task, exc)
                    continue
                if returned.missing:
                    # Lost with a worker that held them: send them again, once more.
                    if resent >= MAX_RESENDS:
                        yield _lost(
                            parcel.task,
                            "the files this letter needs were lost with Dask workers",
                            ExitCode.WORKER_DIED,
                        )
                        continue
                    parcel = self._resend(client, packer, parcel, returned.missing, resent + 1)
                    again = client.submit(build_parcel, parcel, pure=False)
                    futures[again.key] = (again, parcel, resent + 1)
                    finished.add(again)
                    continue
                yield _deliver(returned, parcel, packer)
        finally:
            if futures:
                client.cancel([future for future, _, _ in futures.values()])
            for key in self._held:
                with contextlib.suppress(Exception):  # a scheduler that went away
                    client.unpublish_dataset(key)
            self._held.clear()
            client.close()
            if cluster is not None:
                cluster.close()

    def _hold(self, client, data: dict[str, object]) -> None:
        """Give the cluster what tasks will name (each key once): held by workers,
        published under its key for any worker to fetch."""
        if data:
            futures = client.scatter(data, hash=False)
            for key, future in futures.items():
                client.publish_dataset(future, name=key, override=True)
            self._held.update(futures)

    def _resend(
        self, client, packer: Packer, parcel: Parcel, keys: list[str], round_: int
    ) -> Parcel:
        """The data under `keys` again, under new keys (the old ones are lost)."""
        from briefpers.batch.remote import renamed_parcel

        renamed = {key: f"{_original(key)}-r{round_}" for key in keys}
        self._hold(client, {new: packer.blobs[_original(old)] for old, new in renamed.items()})
        return renamed_parcel(parcel, renamed)

    def _connect(self, distributed, cluster):
        target = cluster if cluster is not None else self.address
        try:
            return distributed.Client(target, timeout=CONNECT_TIMEOUT)
        except (OSError, TimeoutError) as exc:
            raise DependencyError(
                f"cannot reach the Dask scheduler at {self.address}: {exc}"
            ) from None

    def _prepare(self, client) -> None:
        """Check that workers run our version; warm them; drop stale theme caches."""
        versions = client.run(_worker_version)
        if not versions:
            raise DependencyError(f"the Dask cluster at {self.address} has no workers")
        self.workers = len(versions)
        wrong = {w: v for w, v in versions.items() if v != __version__}
        if wrong:
            worker, version = next(iter(wrong.items()))
            raise DependencyError(
                f"Dask worker {worker} runs briefpers {version}, this client {__version__}: "
                f"install the same version everywhere"
            )
        client.run(init_worker, False)
        client.run(reset_caches)


def _original(key: str) -> str:
    return RESENT.sub("", key)


def _failed_on_cluster(task: Task, exc: Exception) -> Outcome:
    if type(exc).__name__ == "KilledWorker":
        why = f"every Dask worker that tried to build this letter died ({exc})"
        return _lost(task, why, ExitCode.WORKER_DIED)
    return _lost(task, f"Dask task failed ({type(exc).__name__}: {exc})")


def _deliver(returned: Returned, parcel: Parcel, packer: Packer) -> Outcome:
    """Write the PDF a worker sent (atomically, here); complete its outcome."""
    outcome, task = returned.outcome, parcel.task
    if outcome.ok and returned.files:
        try:
            write_files(task, returned.files)
        except OutputError as error:
            return failed(task, error)
        # The theme's folders as this machine knows them (for the manifest's hash).
        outcome.theme_dirs = packer.dirs.get(outcome.theme_request or "", [])
    return outcome


def _worker_version() -> str:
    import briefpers

    return briefpers.__version__


def _distributed():
    try:
        import distributed
    except ImportError:
        raise DependencyError(
            "--executor dask needs dask.distributed: pip install 'briefpers[dask]'"
        ) from None
    return distributed


def make_executor(name: str, *, jobs: int | None, scheduler: str | None) -> Executor:
    if name == "dask":
        return DaskExecutor(scheduler, jobs)
    return LocalExecutor(jobs)
