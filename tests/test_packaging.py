"""The sdist and the wheel as built from this checkout: what they hold, and the wheel
installed on its own (outside the checkout) builds a letter and explains veraPDF."""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

from briefpers import __version__

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def dists(tmp_path_factory) -> dict[str, Path]:
    if not (ROOT / "pyproject.toml").is_file():
        pytest.skip("not a source checkout")
    out = tmp_path_factory.mktemp("dist")
    # --no-isolation: the build backend (hatchling, a test dependency) is here
    # already; an isolated build would fetch it for every run.
    subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(ROOT)],
        check=True,
        capture_output=True,
        timeout=600,
    )
    found = {p.suffix: p for p in out.iterdir()}
    return {"sdist": found[".gz"], "wheel": found[".whl"]}


def test_the_sdist_holds_what_is_listed_and_nothing_else(dists) -> None:
    with tarfile.open(dists["sdist"]) as tar:
        names = [n.split("/", 1)[1] for n in tar.getnames() if "/" in n]
    assert not [n for n in names if n.endswith((".jar", ".jsa"))]
    tops = {n.split("/", 1)[0] for n in names}
    assert tops <= {
        "src", "templates", "styles", "input", "tests", "bench", "docs", "tools",
        "Makefile", "README.md", "LICENSE", "pyproject.toml", "PKG-INFO",
        ".gitignore",  # hatchling always ships it, so that a build from the sdist ignores alike
    }  # fmt: skip
    assert not [n for n in names if n.startswith(("output/", ".venv/", "build/", "dist/"))]
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]
    assert not [n for n in names if n.endswith("briefpers.toml")]
    for needed in (
        "LICENSE",
        "tools/verapdf.version",
        "tools/verapdf.sha256",
        "docs/schema/report.schema.json",
        "src/briefpers/__main__.py",
        "styles/fonts/dejavu/LICENSE",
        "input/navo-ministeriele-2022.xml",
    ):
        assert needed in names, needed


def test_the_wheel_carries_its_data_licence_and_metadata(dists) -> None:
    with zipfile.ZipFile(dists["wheel"]) as whl:
        names = whl.namelist()
        meta = whl.read(f"briefpers-{__version__}.dist-info/METADATA").decode()
    assert not [n for n in names if n.endswith((".jar", ".jsa")) or "__pycache__" in n]
    for needed in (
        "briefpers/__main__.py",
        "briefpers/_data/verapdf.version",
        "briefpers/_data/verapdf.sha256",
        "briefpers/_data/report.schema.json",
        "briefpers/_data/templates/letter.html.j2",
        "briefpers/_data/styles/rijk/theme.toml",
        "briefpers/source/schema/letter.xsd",
        f"briefpers-{__version__}.dist-info/licenses/LICENSE",
    ):
        assert needed in names, needed
    assert "License-Expression: MIT" in meta
    assert "Classifier: Operating System :: POSIX :: Linux" in meta
    assert "Requires-Python: >=3.11" in meta
    # No project URLs until briefpers has a public home: none that leads nowhere.
    assert "Project-URL" not in meta


def test_the_installed_wheel_works_outside_the_checkout(dists, tmp_path: Path) -> None:
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target),
         str(dists["wheel"])],
        check=True,
        timeout=300,
    )  # fmt: skip
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BRIEFPERS_", "PYTHON"))} | {
        "PYTHONPATH": str(target),  # before the checkout's editable install
        "BRIEFPERS_CONFIG": "",
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    work = tmp_path / "work"
    work.mkdir()

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "briefpers", *args],
            cwd=work,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )

    where = subprocess.run(
        [sys.executable, "-c", "import briefpers; print(briefpers.__file__)"],
        cwd=work, env=env, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert where.startswith(str(target))
    assert run("--version").stdout == f"briefpers, version {__version__}\n"
    source = work / "letter.xml"
    source.write_bytes((ROOT / "input" / "water-quality-2023.xml").read_bytes())
    built = run("build", "letter.xml", "-o", "out")
    assert built.returncode == 0, built.stderr
    assert (work / "out" / "letter.pdf").read_bytes().startswith(b"%PDF-")
    (work / "out" / "x.pdf").write_bytes(b"%PDF-1.7\n")
    validate = run("validate", "out/x.pdf")
    assert validate.returncode == 7
    assert validate.stderr.count("\n") == 1 and "briefpers fetch-verapdf" in validate.stderr
    schema = run("schema", "--report").stdout.strip()
    assert schema.startswith(str(target)) and Path(schema).is_file()
