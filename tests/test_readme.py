"""Every shell command the README shows runs, in a fresh clone, as written or as its
nearest safe equivalent (named below with the reason): the README cannot rot.

Commands are the lines of its ```sh blocks; each must be in COMMANDS, and every
entry of COMMANDS must still be in the README. `briefpers …` and `make …` in
running text and in the synopsis are checked against `--help` and the Makefile.

The fresh clone is the checkout's tracked files (and new, unignored ones) in an
empty folder. To stay quick, its `.venv` borrows this environment's installed
packages (a path entry) and holds only an editable install of the clone, and
the veraPDF jar this checkout fetched is linked in instead of downloaded again;
everything else — `make pdf` included — runs as a newcomer would run it.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from briefpers.check.verapdf import JAR_NAME, checkout_copy
from briefpers.cli import main

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
FIXTURES = "tests/fixtures/import"
SEED_PDF = "output/navo-ministeriele-2022.pdf"
UA2_PDF = "ua2/water-quality-2023.pdf"  # built by the fixture: a PDF/UA-2 + WTPDF file
pytestmark = pytest.mark.slow


def have(program: str) -> bool:
    return shutil.which(program) is not None


@dataclass(frozen=True)
class Plan:
    """How to run one README command: `run` replaces it (None: as written)."""

    run: str | None = None
    codes: tuple[int, ...] = (0,)
    why: str = ""  # why a replacement is the nearest safe equivalent
    needs: str | None = None  # a program without which the command cannot work
    check: Callable[[Path, subprocess.CompletedProcess], None] | None = None


def _made_the_examples(clone: Path, done: subprocess.CompletedProcess) -> None:
    for source in sorted((clone / "input").glob("*.xml")):
        assert (clone / "output" / f"{source.stem}.pdf").is_file(), done.stdout
    # Lint ran first and printed the seed's unfilled fields; they stop nothing.
    assert "navo-ministeriele-2022.xml:62:8: error: unfilled placeholder [Afzender]" in (
        done.stdout
    )
    said = "note: PDFs not checked with veraPDF" in done.stderr
    assert said == (not have("java")), done.stderr
    again = _shell(clone, "make pdf")
    assert again.returncode == 0 and "all 3 letters up to date" in again.stdout


def _built_into(folder: str, name: str) -> Callable:
    def check(clone: Path, done: subprocess.CompletedProcess) -> None:
        assert (clone / folder / name).is_file(), done.stdout + done.stderr
        assert f"built {folder}/{name}" in done.stdout

    return check


def _lists_targets(clone: Path, done: subprocess.CompletedProcess) -> None:
    for target in ("pdf", "lint", "lint-code", "test", "test-fast", "validate", "clean"):
        assert re.search(rf"^{target}\s", done.stdout, re.M), target
    for variable in ("INPUT", "OUTPUT", "THEME", "PROFILE", "JOBS", "STRICT"):
        assert variable in done.stdout


JAVA = 0 if have("java") else 7  # validate without Java: exit 7 and one line
COMMANDS: dict[str, Plan] = {
    "make pdf": Plan(check=_made_the_examples),
    ". .venv/bin/activate": Plan(),
    "briefpers lint input": Plan(codes=(8,)),  # the seed letter's unfilled template fields
    "make pdf INPUT=input/water-quality-2023.xml OUTPUT=archive THEME=plain": Plan(
        check=_built_into("archive", "water-quality-2023.pdf")
    ),
    "make help": Plan(check=_lists_targets),
    "make validate": Plan(
        "make -n validate",
        why="three profiles of every example and corpus letter take minutes; "
        "tests/test_conformance.py validates the same files",
    ),
    "make test": Plan("make -n test", why="the test suite would run itself"),
    "briefpers validate letter.pdf": Plan(f"briefpers validate {SEED_PDF}", codes=(JAVA,)),
    "briefpers validate --flavour ua2 letter.pdf": Plan(
        f"briefpers validate --flavour ua2 {UA2_PDF}", codes=(JAVA,)
    ),
    "java -cp tools/verapdf/greenfield-apps-1.28.2.jar "
    "org.verapdf.apps.GreenfieldCliWrapper --flavour wt1a --format text letter.pdf": Plan(
        f"java -cp tools/verapdf/{JAR_NAME} org.verapdf.apps.GreenfieldCliWrapper "
        f"--flavour wt1a --format text {UA2_PDF}",
        needs="java",
    ),
    "briefpers check letter.pdf": Plan(f"briefpers check {SEED_PDF}"),
    "mutool show letter.pdf outline": Plan(f"mutool show {SEED_PDF} outline", needs="mutool"),
    "python3 -m venv /tmp/wp-new && /tmp/wp-new/bin/pip install -q -e '.[test]' && "
    "/tmp/wp-new/bin/pip install -q 'weasyprint==71.0'; /tmp/wp-new/bin/python -m pytest -x "
    "tests/test_tagging_hook.py tests/test_tags.py tests/test_tagging_upstream.py "
    "tests/test_tagging_pdf2.py tests/test_links.py tests/test_conformance.py "
    "tests/test_visual.py": Plan(
        "python -m pytest --collect-only -q -p no:cacheprovider tests/test_tagging_hook.py "
        "tests/test_tags.py tests/test_tagging_upstream.py tests/test_tagging_pdf2.py "
        "tests/test_links.py tests/test_conformance.py tests/test_visual.py",
        why="another WeasyPrint takes minutes and the network to install; the named "
        "tests must exist and load",
    ),
    "briefpers import text LETTER.txt -o letter.xml": Plan(
        f"briefpers import text {FIXTURES}/kst-12345-67.txt -o letter.xml"
    ),
    "briefpers import opxml kst-12345-67.xml -o letter.xml": Plan(
        f"briefpers import opxml {FIXTURES}/kst-12345-69.xml -o letter.xml"
    ),
    "briefpers lint letter.xml": Plan(codes=(0, 8)),  # an import leaves fields to fill
    "briefpers import text kst-12345-67.txt -o letter.xml "
    '--reissue-of "Kamerstuk 12 345, nr. 67"': Plan(
        f"briefpers import text {FIXTURES}/kst-12345-67.txt -o letter.xml "
        '--reissue-of "Kamerstuk 12 345, nr. 67" --reissue-date 2026-12-01',
        why="a fixed reissue day, so that the run does not depend on today",
    ),
    "briefpers sign output/x.pdf --key office.p12 --passphrase-file ~/.briefpers-pass "
    "--level B-LTA --tsa https://tsa.example.org/rfc3161": Plan(
        "briefpers sign --help",
        why="an office's key and a timestamp authority are not here; "
        "tests/test_sign_levels.py signs at every level with a test PKI on 127.0.0.1",
    ),
    "briefpers verify output/x.pdf --trust office-root.pem": Plan(
        f"briefpers verify {SEED_PDF}",
        codes=(11,),
        why="the seed built here is unsigned, which verify must say (exit 11); "
        "tests/test_sign_levels.py verifies signed files against their trust anchor",
    ),
    "briefpers renew output/x.pdf --tsa https://tsa.example.org/rfc3161 --trust tsa-root.pem": Plan(
        "briefpers renew --help",
        why="a timestamp authority is not here; tests/test_sign_renew.py renews with a "
        "test PKI on 127.0.0.1",
    ),
    "briefpers build input -o output --sign --key office.p12 --passphrase-file F "
    "--level B-T --tsa URL": Plan(
        "briefpers build --help",
        why="as for sign; tests/test_sign_batch.py builds and signs with a test PKI",
    ),
}


def sh_commands(text: str) -> list[str]:
    """The commands of the README's ```sh blocks, comments off, continuations joined."""
    found = []
    for body in re.findall(r"^```sh\n(.*?)^```", text, re.M | re.S):
        for line in body.replace("\\\n", " ").splitlines():
            command = " ".join(re.split(r"\s+#\s", line)[0].split())
            if command:
                found.append(command)
    return found


def briefpers_mentions(text: str) -> list[str]:
    """`briefpers …` in running text and in ```text blocks (synopses)."""
    spans = [" ".join(s.split()) for s in re.findall(r"`(briefpers [^`]+)`", text)]
    for body in re.findall(r"^```text\n(.*?)^```", text, re.M | re.S):
        spans += [
            " ".join(line.split()) for line in body.splitlines() if line.startswith("briefpers ")
        ]
    return spans


def test_every_command_has_a_plan_and_every_plan_a_command() -> None:
    shown = sh_commands(README)
    missing = [c for c in shown if c not in COMMANDS]
    assert not missing, f"README commands without a plan in {__file__}: {missing}"
    stale = [c for c in COMMANDS if c not in shown]
    assert not stale, f"plans for commands the README no longer shows: {stale}"
    # Shell in unlabelled blocks would escape this test.
    for lang, body in re.findall(r"^```(\w*)\n(.*?)^```", README, re.M | re.S):
        if lang != "sh":
            for line in body.splitlines():
                assert not re.match(r"(make|\.venv/bin/|pip|python3? -m) ", line), (lang, line)


def test_briefpers_commands_in_the_text_exist_with_their_options() -> None:
    runner = CliRunner()
    helps: dict[str, str] = {}
    for span in briefpers_mentions(README):
        words = span.split()[1:]
        if not words or words[0].startswith("-"):  # `briefpers --debug ...`
            continue
        command = words[0]
        if command == "import":  # `import text|opxml FILE`: its first kind
            command = f"import {words[1].split('|')[0]}"
        if command not in helps:
            result = runner.invoke(main, [*command.split(), "--help"])
            assert result.exit_code == 0, span
            helps[command] = result.stdout
        for option in re.findall(r"(?<![\w-])(--?[a-z][a-z-]*)", span):
            assert option in helps[command] or option in ("--debug",), (span, option)


def test_make_targets_in_the_text_exist() -> None:
    makefile = (ROOT / "Makefile").read_text()
    targets = set(re.findall(r"^([a-z][a-z-]*):", makefile, re.M))
    for target in re.findall(r"`make ([a-z][a-z-]*)", README):
        assert target in targets, target


# The fresh clone =============================================================


def _env(clone: Path, path: str | None = None) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("BRIEFPERS_", "PYTHON", "VIRTUAL_ENV", "SOURCE_DATE_EPOCH"))
    }
    env |= {"BRIEFPERS_CONFIG": "", "PYTHONDONTWRITEBYTECODE": "1", "HOME": str(clone.parent)}
    if path is not None:
        env["PATH"] = path
    return env


def _shell(clone: Path, command: str, *, activate: bool = False, env=None):
    script = f". .venv/bin/activate && {command}" if activate else command
    return subprocess.run(
        ["bash", "-c", script],
        cwd=clone,
        env=env or _env(clone),
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.fixture(scope="module")
def clone() -> Iterator[Path]:
    if not (ROOT / ".git").exists() or not have("git") or not have("make"):
        pytest.skip("needs a git checkout, git and make")
    # A folder any user may enter (pytest's own are private), for the plain-user run.
    home = Path(tempfile.mkdtemp(prefix="briefpers-readme-"))
    home.chmod(0o755)
    try:
        yield _fresh_clone(home / "briefpers")
    finally:
        shutil.rmtree(home, ignore_errors=True)


def _fresh_clone(clone: Path) -> Path:
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if source.is_file() and not source.is_symlink():
            (clone / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, clone / name)
    # Its own .venv, with this environment's packages on its path and the clone
    # installed in it (editable), so that `make pdf` finds it set up. Based on
    # an interpreter any user may run, where there is one (for the test as a
    # plain user).
    base = next((p for p in _interpreters() if _reachable(p)), Path(sys.executable))
    subprocess.run([base, "-m", "venv", "--without-pip", str(clone / ".venv")], check=True)
    site = subprocess.run(
        [
            clone / ".venv/bin/python",
            "-c",
            "import sysconfig; print(sysconfig.get_paths()['purelib'])",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    Path(site, "_borrowed.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(clone / ".venv/bin/python"), "install",
         "-q", "--no-deps", "--no-build-isolation", "-e", str(clone)],
        check=True,
        capture_output=True,
        timeout=300,
        env=_env(clone),
    )  # fmt: skip
    (clone / ".venv" / ".installed").touch()
    jar = checkout_copy()
    if jar.is_file():
        (clone / "tools" / "verapdf").mkdir(parents=True)
        for found in jar.parent.glob(jar.stem + ".*"):
            (clone / "tools" / "verapdf" / found.name).symlink_to(found)
    return clone


def _interpreters() -> list[Path]:
    """This Python's own interpreter, and the system's of the same version."""
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    return [Path(sys._base_executable).resolve(), Path(f"/usr/bin/python{version}")]


def _reachable(path: Path) -> bool:
    """Whether any user may read (and enter) `path`: every folder above it searchable."""
    try:
        path = path.resolve(strict=True)
    except OSError:
        return False
    return all(p.stat().st_mode & 0o001 for p in path.parents) and bool(path.stat().st_mode & 0o004)


def test_the_readme_commands_run_in_a_fresh_clone(clone: Path) -> None:
    done = _shell(
        clone, f"briefpers build input/water-quality-2023.xml -o {Path(UA2_PDF).parent} "
        "--profile pdfa-4f-ua2", activate=True
    )  # fmt: skip
    for command in sh_commands(README):
        plan = COMMANDS[command]
        if plan.needs and not have(plan.needs):
            continue
        done = _shell(clone, plan.run or command, activate=not command.startswith("make "))
        assert done.returncode in plan.codes, f"{command}\n{done.stdout}\n{done.stderr}"
        assert "Traceback" not in done.stderr, done.stderr
        if plan.check is not None:
            plan.check(clone, done)


def test_make_clean_never_touches_the_venv(clone: Path) -> None:
    cached = next((clone / ".venv").rglob("site-packages")) / "__pycache__"
    cached.mkdir(exist_ok=True)
    (cached / "kept.cpython-311.pyc").write_bytes(b"")
    (clone / "src" / "briefpers" / "__pycache__").mkdir(exist_ok=True)
    (clone / "output").mkdir(exist_ok=True)
    done = _shell(clone, "make clean")
    assert done.returncode == 0, done.stderr
    assert (cached / "kept.cpython-311.pyc").exists() and (clone / ".venv/bin/briefpers").exists()
    assert not (clone / "output").exists()
    assert not (clone / "src" / "briefpers" / "__pycache__").exists()


def test_make_setup_byte_compiles_briefpers(clone: Path) -> None:
    """Where Python may not write bytecode (PYTHONDONTWRITEBYTECODE, as in many
    containers, and as `_env` sets it), the set-up compiles briefpers once, so
    that no command compiles it again (about 0.1 s of every start)."""
    _shell(clone, "make clean")
    loaded = "python -v -c 'import briefpers.cli, briefpers.batch.run' 2>&1"
    compiled = f"{clone}/src/briefpers/"

    def compiled_on_import() -> list[str]:
        done = _shell(clone, loaded, activate=True)
        assert done.returncode == 0, done.stdout
        return [line for line in done.stdout.splitlines() if "code object from " + compiled in line]

    assert compiled_on_import(), "nothing compiled on import: the test proves nothing"
    done = _shell(clone, "make setup")
    assert done.returncode == 0, done.stderr
    assert compiled_on_import() == []


def test_make_pdf_without_java_as_a_plain_user(clone: Path) -> None:
    """The newcomer's path: no Java on PATH and, where this runs as root, not root.
    It builds, says in one line that the PDFs were not validated, and fails nothing."""
    python = (clone / ".venv" / "bin" / "python").resolve()
    borrowed = Path(sysconfig.get_paths()["purelib"])
    drop = os.geteuid() == 0 and have("setpriv") and _reachable(python) and _reachable(borrowed)
    bin_dir = clone.parent / "bin-without-java"
    bin_dir.mkdir()
    for folder in os.environ["PATH"].split(os.pathsep):
        if not Path(folder).is_dir() or (drop and not _reachable(Path(folder))):
            continue
        for program in Path(folder).iterdir():
            if program.name != "java" and not (bin_dir / program.name).exists():
                (bin_dir / program.name).symlink_to(program)
    command = ["make", "pdf", "INPUT=input/kamerstuk-voorbeelddossier-2020.xml", "OUTPUT=nojava"]
    if drop:
        subprocess.run(["chown", "-R", "nobody", str(clone)], check=True)
        command = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", *command]
    env = _env(clone, path=str(bin_dir))
    done = subprocess.run(command, cwd=clone, env=env, capture_output=True, text=True, timeout=600)
    if drop:
        subprocess.run(["chown", "-R", "root", str(clone)], check=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert (clone / "nojava" / "kamerstuk-voorbeelddossier-2020.pdf").is_file()
    notes = [line for line in done.stderr.splitlines() if "not checked with veraPDF" in line]
    assert len(notes) == 1 and "it needs Java" in notes[0], done.stderr
    assert "Traceback" not in done.stderr and shlex.split(notes[0])
