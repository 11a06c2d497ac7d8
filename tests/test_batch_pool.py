"""The worker pool: a worker that dies fails only the letter it was building.

The pool is driven here with stand-in build functions (module level, so that
the forkserver workers can import them): one that kills its own worker, one
that never returns, one that runs out of memory. `test_batch_kill.py` kills a
worker of a real `briefpers build`.
"""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from briefpers.batch import pool as pool_module
from briefpers.batch.pool import WorkerPool
from briefpers.batch.worker import Outcome, Task, build_one
from briefpers.errors import ExitCode
from briefpers.limits import Limits
from briefpers.settings import Settings

BASE = Path(__file__).resolve().parents[1] / "input" / "water-quality-2023.xml"


def tasks(names: list[str], timeout: float = 300.0) -> list[Task]:
    settings = Settings(limits=Limits(timeout=timeout))
    return [
        Task(
            f"/in/{n}.xml",
            f"/out/{n}.pdf",
            None,
            "pdfa-3a-ua1",
            name=f"in/{n}.xml",
            settings=settings,
        )
        for n in names
    ]


def pretend(task: Task) -> Outcome:
    """Build nothing; a letter named `kill…` kills its worker, `hang…` never returns."""
    name = Path(task.source).stem
    if name.startswith("kill"):
        os.kill(os.getpid(), signal.SIGKILL)
    if name.startswith("hang"):
        signal.signal(signal.SIGALRM, signal.SIG_IGN)  # as C code would: deaf to alarms
        while True:
            time.sleep(60)
    time.sleep(0.02)
    return Outcome(task.source, task.output, ok=True, worker=str(os.getpid()))


def hog(task: Task) -> Outcome:
    """The real `build_one`, with a pipeline that asks for 4 GiB at once."""
    from briefpers import pipeline

    def allocate(*args, **kwargs):
        # Zero-filled on demand: harmless to the machine even without a ceiling.
        return bytearray(4 * 1024**3)

    pipeline.build_letter = allocate
    return build_one(task)


def run(pool: WorkerPool, names: list[str], **kw) -> dict[str, Outcome]:
    return {Path(o.source).stem: o for o in pool.run(tasks(names, **kw))}


def test_a_letter_that_kills_its_worker_fails_alone():
    names = [f"letter-{i}" for i in range(6)] + ["kill-me"] + [f"later-{i}" for i in range(6)]
    outcomes = run(WorkerPool(2, fn=pretend), names)
    assert sorted(outcomes) == sorted(names)  # one outcome each: nothing lost, nothing twice
    failed = {name: o for name, o in outcomes.items() if not o.ok}
    assert list(failed) == ["kill-me"]
    dead = failed["kill-me"]
    assert dead.exit_code == ExitCode.WORKER_DIED
    assert dead.error.startswith("in/kill-me.xml: error: the worker process building this letter")
    assert "killed by SIGKILL" in dead.error


def test_letters_that_kill_every_worker_do_not_loop():
    names = ["kill-a", "kill-b", "kill-c", "fine"]  # more killers than workers
    outcomes = run(WorkerPool(2, fn=pretend), names)
    assert sorted(outcomes) == sorted(names)
    assert [n for n, o in outcomes.items() if o.ok] == ["fine"]
    assert {o.exit_code for n, o in outcomes.items() if not o.ok} == {ExitCode.WORKER_DIED}


def test_a_worker_stuck_past_its_time_limit_is_killed(monkeypatch):
    monkeypatch.setattr(pool_module, "GRACE", 0.5)
    outcomes = run(WorkerPool(2, fn=pretend), ["hang", "a", "b", "c"], timeout=0.5)
    assert [n for n, o in outcomes.items() if not o.ok] == ["hang"]
    assert outcomes["hang"].exit_code == ExitCode.RENDER
    assert "took longer than the limit of 0.5 s and did not stop" in outcomes["hang"].error


def test_a_memory_hog_fails_with_the_memory_limit(tmp_path):
    todo = []
    for task in tasks(["big-1", "big-2", "big-3"]):
        source = tmp_path / Path(task.source).name
        source.write_bytes(BASE.read_bytes())
        todo.append(dataclasses.replace(task, source=str(source), output=str(tmp_path / "x.pdf")))
    pool = WorkerPool(2, memory_mib=512, fn=hog)
    outcomes = {Path(o.source).stem: o for o in pool.run(todo)}
    assert sorted(outcomes) == ["big-1", "big-2", "big-3"]
    for name, outcome in outcomes.items():
        assert outcome.exit_code == ExitCode.RENDER, outcome.error
        assert outcome.error == (
            f"in/{name}.xml: error: building the letter needed more memory than the limit of "
            f"512 MiB (BRIEFPERS_MAX_MEMORY changes it)"
        )
    # The workers survived their MemoryError: three letters, at most two processes.
    assert len({o.worker for o in outcomes.values()}) <= 2


def test_stopping_early_keeps_what_was_running():
    pool = WorkerPool(2, fn=pretend)
    names = [f"letter-{i}" for i in range(8)]
    run_ = pool.run(tasks(names))
    seen = [next(run_)]
    run_.close()  # what the batch does on Ctrl-C
    done = {o.source for o in seen} | {o.source for o in pool.unreported}
    assert len(done) < len(names)  # letters not yet handed out were dropped
    assert all(o.ok for o in pool.unreported)
    assert not pool.workers  # every worker stopped


def test_an_outcome_held_when_the_run_stops_is_reported_again():
    # Ctrl-C may strike between the pool handing over an outcome and the
    # batch recording it: the pool reports it among what finished while
    # stopping (the batch records each letter once).
    pool = WorkerPool(1, fn=pretend)
    run_ = pool.run(tasks(["first", "second"]))
    held = next(run_)
    run_.close()  # before asking for the next: "second" was never handed out
    assert [o.source for o in pool.unreported] == [held.source]


def test_a_ctrl_c_waits_for_the_end_of_a_deferred_block():
    class StopError(Exception):
        pass

    def stop(signum, frame):
        raise StopError

    steps = []
    previous = signal.signal(signal.SIGINT, stop)
    try:
        with pytest.raises(StopError), pool_module.interrupts_deferred():
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(0.05)  # the signal has arrived: Python would act on it now
            steps.append("the block finished")
        assert steps == ["the block finished"]
        assert signal.getsignal(signal.SIGINT) is stop  # the handler is back
        with pool_module.interrupts_deferred():
            steps.append("no signal")
        assert steps[-1] == "no signal"
    finally:
        signal.signal(signal.SIGINT, previous)


def parent_of_worker(task: Task) -> Outcome:
    """As `pretend`, naming the worker's parent process instead of the worker."""
    if Path(task.source).stem.startswith("kill"):
        os.kill(os.getpid(), signal.SIGKILL)
    return Outcome(task.source, task.output, ok=True, worker=str(os.getppid()))


FORKED_THEN_REPLACED = """
import json, os
from tests.test_batch_pool import WorkerPool, parent_of_worker, run
pool = WorkerPool(1, fn=parent_of_worker)
pool.start("fork")
outcomes = run(pool, ["first", "kill-me", "after"])
print(json.dumps({"pid": os.getpid(), **{n: [o.ok, o.worker] for n, o in outcomes.items()}}))
"""


def test_workers_forked_from_the_parent_are_replaced_from_the_server():
    # In a fresh interpreter: this one may run threads, and a fork copies
    # only the calling thread. The first worker is the parent's own child;
    # the one that replaces it after a crash comes from the fork server, as
    # by then the parent may run threads (the progress bar).
    root = Path(__file__).resolve().parents[1]
    done = subprocess.run(
        [sys.executable, "-c", FORKED_THEN_REPLACED],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout.splitlines()[-1])
    assert found["first"] == [True, str(found["pid"])]
    assert found["kill-me"][0] is False
    ok, parent = found["after"]
    assert ok and parent != str(found["pid"])


def test_the_largest_sources_are_handed_out_first(tmp_path):
    # One worker builds in the order the pool hands letters out.
    sizes = {"small": 10, "long": 3000, "middle": 300, "long-too": 3000}
    for name, size in sizes.items():
        (tmp_path / f"{name}.xml").write_bytes(b"x" * size)
    settings = Settings(limits=Limits(timeout=300.0))
    names = ["gone", *sizes]  # "gone" cannot be read: counted as empty
    order = [
        Path(o.source).stem
        for o in WorkerPool(1, fn=pretend).run(
            [
                Task(str(tmp_path / f"{n}.xml"), str(tmp_path / f"{n}.pdf"), None,
                     "pdfa-3a-ua1", settings=settings)
                for n in names
            ]
        )
    ]  # fmt: skip
    # Largest first; equal sizes keep the order given.
    assert order == ["long", "long-too", "middle", "small", "gone"]
