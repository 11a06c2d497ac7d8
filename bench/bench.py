"""Benchmark briefpers on a generated corpus (a script, not a test).

    .venv/bin/python bench/bench.py                 # full size: 1,000 letters
    .venv/bin/python bench/bench.py --letters 100   # a quick run

Prints, against the targets of issue 5:
  1. ms per letter of our pipeline against bare WeasyPrint on the same HTML
     (warm process, after a warm-up);
  2. throughput of `briefpers build --jobs 2` against `--jobs 1`;
  3. peak RSS per worker across the whole corpus (sampled at letters 1,
     100, 500, 1000) and whether it grows;
  4. the wall time of a no-op `briefpers build` of the built corpus.
The machine is shared: the load average before and after is printed too.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from corpus import write_corpus

BRIEFPERS = [sys.executable, "-m", "briefpers.cli"]

TARGET_RATIO = 1.25
TARGET_SPEEDUP = 1.8
TARGET_RSS_MB = 300
TARGET_GROWTH_MB = 10  # "flat": peak RSS grows less than this after letter 100
TARGET_NOOP_S = 2.0


def verdict(ok: bool) -> str:
    return "meets target" if ok else "MISSES target"


def machine() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import weasyprint

    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return (
        f"{model}, {cores} cores, Python {platform.python_version()}, "
        f"WeasyPrint {weasyprint.__version__}, {platform.system()} {platform.release()}"
    )


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def per_letter(sources: list[Path], warmup: int) -> None:
    """Our pipeline against bare WeasyPrint on the same HTML, same CSS and fonts."""
    import weasyprint

    from briefpers.pipeline import build_letter
    from briefpers.render.html import render_html
    from briefpers.source.load import load as load_letter
    from briefpers.themes import load_theme
    from briefpers.typeset import _Quiet, font_config, stylesheet

    def bare(source: Path, html: str, css, fonts, **variant) -> float:
        start = time.perf_counter()
        document = weasyprint.HTML(string=html, base_url=source.parent.resolve().as_uri() + "/")
        with _Quiet():
            document.write_pdf(stylesheets=[css], font_config=font_config(fonts), **variant)
        return time.perf_counter() - start

    tagged = {"pdf_variant": "pdf/a-3a", "pdf_tags": True}

    def ours(source: Path) -> float:
        start = time.perf_counter()
        build_letter(source)
        return time.perf_counter() - start

    jobs = []
    for source in sources:
        letter = load_letter(source)
        theme = load_theme(letter.theme)
        fonts = tuple(face.path.resolve() for face in theme.fonts)
        roots = tuple(p.resolve() for p in theme.asset_roots)
        css = stylesheet(theme.stylesheet.resolve(), roots, fonts)
        jobs.append((source, render_html(letter, theme), css, fonts))
    for source, html, css, fonts in jobs[:warmup]:
        bare(source, html, css, fonts)
        ours(source)
    bare_times, tagged_times, our_times = [], [], []
    # Interleaved, so that the other users of the machine slow all alike.
    for source, html, css, fonts in jobs[warmup:]:
        bare_times.append(bare(source, html, css, fonts))
        tagged_times.append(bare(source, html, css, fonts, **tagged))
        our_times.append(ours(source))
    n = len(bare_times)
    ratio = sum(our_times) / sum(bare_times)
    ratios = sorted(o / b for o, b in zip(our_times, bare_times, strict=True))
    print(f"1. per letter, warm, {n} letters after {warmup} warm-up:")
    print(
        f"   bare WeasyPrint       mean {1000 * statistics.mean(bare_times):7.1f} ms"
        f"   median {1000 * statistics.median(bare_times):7.1f} ms"
    )
    print(
        f"   bare, PDF/A-3a tagged mean {1000 * statistics.mean(tagged_times):7.1f} ms"
        f"   median {1000 * statistics.median(tagged_times):7.1f} ms"
        "   (what our render asks of WeasyPrint)"
    )
    print(
        f"   briefpers             mean {1000 * statistics.mean(our_times):7.1f} ms"
        f"   median {1000 * statistics.median(our_times):7.1f} ms"
    )
    print(
        f"   ratio {ratio:.2f} (median of per-letter ratios {statistics.median(ratios):.2f}); "
        f"target <= {TARGET_RATIO}: {verdict(ratio <= TARGET_RATIO)}"
    )
    print(f"   against the tagged render: {sum(our_times) / sum(tagged_times):.2f}")


def cli_build(args: list[str], report: Path) -> tuple[float, dict]:
    start = time.perf_counter()
    proc = subprocess.run(
        [*BRIEFPERS, "build", *args, "--report", str(report)], capture_output=True, text=True
    )
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"briefpers build failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
    return wall, json.loads(report.read_text())


def throughput(sources: list[Path], work: Path, rounds: int) -> None:
    """`--jobs 1` against `--jobs 2` on the same letters, each from a cold start.

    As a control, two independent `--jobs 1` builds run at once on the two
    halves: what this machine gives two processes, without our pool. The
    three alternate for a few rounds and the best of each counts: on a
    shared machine, other people's jobs only ever make a run slower.
    """
    folder = _linked(work / "subset", sources)
    halves = [_linked(work / f"half{i}", sources[i::2]) for i in (0, 1)]
    n = len(sources)
    rates: dict[str, list[float]] = {"jobs1": [], "jobs2": [], "control": []}
    steady: dict[str, list[float]] = {"jobs1": [], "jobs2": []}
    for r in range(rounds):
        for jobs in (1, 2):
            out = work / f"r{r}j{jobs}"
            _, report = cli_build(
                [str(folder), "-o", str(out), "--jobs", str(jobs)], work / "t.json"
            )
            rates[f"jobs{jobs}"].append(n / report["totals"]["build_seconds"])
            # Without start-up (process start, WeasyPrint import, first letter
            # per worker): what a run of thousands of letters sees.
            done = sorted(letter["finished"] for letter in report["letters"])
            steady[f"jobs{jobs}"].append((n - 2) / (done[-1] - done[1]))
        start = time.perf_counter()
        procs = [
            subprocess.Popen(
                [*BRIEFPERS, "build", str(half), "-o", str(work / f"r{r}h{i}"), "--jobs", "1"],
                stdout=subprocess.DEVNULL,
            )
            for i, half in enumerate(halves)
        ]
        if any(proc.wait() for proc in procs):
            sys.exit("a control build failed")
        rates["control"].append(n / (time.perf_counter() - start))
    best = {k: max(v) for k, v in rates.items()}
    speedup = best["jobs2"] / best["jobs1"]
    print(f"2. throughput over {n} letters, best of {rounds} alternating rounds:")
    for key, label in (("jobs1", "--jobs 1"), ("jobs2", "--jobs 2")):
        runs = ", ".join(f"{x:.2f}" for x in rates[key])
        print(f"   {label}: {best[key]:5.2f} letters/s  (rounds: {runs})")
    print(
        f"   speed-up {speedup:.2f}; target >= {TARGET_SPEEDUP}: "
        f"{verdict(speedup >= TARGET_SPEEDUP)}"
    )
    best_steady = {k: max(v) for k, v in steady.items()}
    print(
        f"   steady state (start-up excluded): --jobs 1 {best_steady['jobs1']:.2f}, "
        f"--jobs 2 {best_steady['jobs2']:.2f} letters/s = "
        f"{best_steady['jobs2'] / best_steady['jobs1']:.2f}x"
    )
    runs = ", ".join(f"{x:.2f}" for x in rates["control"])
    print(
        f"   control, two separate --jobs 1 builds of half each at once (wall, with start-up):"
        f" {best['control']:.2f} letters/s = {best['control'] / best['jobs1']:.2f}x one job"
        f" (rounds: {runs})"
    )


def _linked(folder: Path, sources: list[Path]) -> Path:
    folder.mkdir()
    for source in sources:
        (folder / source.name).symlink_to(source)
    return folder


def memory(folder: Path, out: Path, work: Path, count: int) -> None:
    """Build the whole corpus with two workers; peak RSS per worker as it goes."""
    from briefpers.batch.executors import LocalExecutor
    from briefpers.batch.run import Batch, Options
    from briefpers.batch.sources import find_sources

    batch = Batch(find_sources([folder]), Options(out))
    batch.plan()
    samples = sorted({1, 100, 500, 1000, count} & set(range(1, count + 1)))
    latest: dict[str, tuple[int, int]] = {}
    table: dict[int, dict[str, tuple[int, int]]] = {}
    start = time.perf_counter()
    for done, result in enumerate(batch.run(LocalExecutor(2)), start=1):
        if not result.ok:
            sys.exit(f"letter failed: {result.error}")
        latest[result.worker] = (result.peak_rss_kb or 0, result.rss_kb or 0)
        if done in samples:
            table[done] = dict(latest)
    seconds = time.perf_counter() - start
    workers = sorted(latest)
    print(
        f"3. memory: {count} letters with 2 worker processes in {seconds:.0f} s "
        f"({count / seconds:.2f} letters/s)"
    )
    print(
        "   after letter  "
        + "  ".join(f"{'worker ' + str(i + 1):>22}" for i in range(len(workers)))
    )
    for done in samples:
        cells = []
        for worker in workers:
            peak, rss = table[done].get(worker, (0, 0))
            cells.append(f"peak {peak / 1024:6.1f} rss {rss / 1024:6.1f} MB" if peak else " " * 22)
        print(f"   {done:>12}  " + "  ".join(cells))
    first = min(s for s in samples if s >= min(100, count))
    growth = max((latest[w][0] - table[first].get(w, latest[w])[0]) / 1024 for w in workers)
    peak = max(latest[w][0] for w in workers) / 1024
    ok = peak <= TARGET_RSS_MB and growth <= TARGET_GROWTH_MB
    print(
        f"   peak {peak:.0f} MB; growth after letter {first}: {growth:+.1f} MB; "
        f"target flat (< {TARGET_GROWTH_MB} MB) and <= {TARGET_RSS_MB} MB: {verdict(ok)}"
    )


def no_op(folder: Path, out: Path, work: Path, count: int, repeat: int = 3) -> None:
    """The wall time of `briefpers build` when every letter is up to date."""
    walls = []
    for i in range(repeat):
        wall, report = cli_build([str(folder), "-o", str(out)], work / f"noop{i}.json")
        if report["totals"]["skipped"] != count:
            sys.exit(f"the no-op rebuild built letters: {report['totals']}")
        walls.append((wall, report["totals"]["check_seconds"]))
    best = min(walls)
    print(
        f"4. no-op rebuild of {count} built letters (whole command, best of {repeat}): "
        f"{best[0]:.2f} s wall, of which {best[1]:.2f} s up-to-date checks; "
        f"target <= {TARGET_NOOP_S} s: {verdict(best[0] <= TARGET_NOOP_S)}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--letters", type=int, default=1000, help="corpus size (default 1000)")
    parser.add_argument(
        "--compare", type=int, default=60, help="letters timed against bare WeasyPrint (default 60)"
    )
    parser.add_argument(
        "--throughput", type=int, default=100, help="letters per throughput run (default 100)"
    )
    parser.add_argument(
        "--rounds", type=int, default=3, help="rounds of the throughput runs (default 3)"
    )
    parser.add_argument(
        "--sections", default="1234", help="which measurements to run (default 1234)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="briefpers-bench-"))
    try:
        print(f"machine: {machine()}")
        print(f"load average before: {load()} (the machine may be shared)")
        corpus = work / "corpus"
        sources = write_corpus(corpus, args.letters)
        if "1" in args.sections:
            warmup = min(5, max(1, args.compare // 5))
            per_letter(sources[: args.compare + warmup], warmup)
        if "2" in args.sections:
            throughput(sources[: args.throughput], work, args.rounds)
        out = work / "out"
        if "3" in args.sections:
            memory(corpus, out, work, args.letters)
        if "4" in args.sections:
            if "3" not in args.sections:
                cli_build([str(corpus), "-o", str(out)], work / "first.json")
            no_op(corpus, out, work, args.letters)
        print(f"load average after: {load()}")
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
