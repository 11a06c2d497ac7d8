"""Shared fixtures: the example letters, built once per test session."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from hypothesis import Phase, settings

from briefpers.pipeline import build_letter

# A failing property test reports its first failing example at once: shrinking
# it re-runs whole builds for many minutes, which CI cannot afford. Set
# BRIEFPERS_HYPOTHESIS_SHRINK=1 to shrink when investigating locally.
_PHASES = (
    tuple(Phase)
    if os.environ.get("BRIEFPERS_HYPOTHESIS_SHRINK")
    else tuple(p for p in Phase if p is not Phase.shrink)
)
settings.register_profile("briefpers", phases=_PHASES, print_blob=True)
settings.load_profile("briefpers")

ROOT = Path(__file__).resolve().parents[1]
INPUT = ROOT / "input"
EXAMPLES = sorted(INPUT.glob("*.xml"))
CORPUS = sorted((ROOT / "tests" / "corpus").glob("*.xml"))


@pytest.fixture(autouse=True, scope="session")
def _clean_environment():
    """Tests assume dates come from the letters (unless a test sets the epoch)
    and no user configuration (a developer's licensed logo must not leak in)."""
    saved = {k: os.environ.get(k) for k in ("SOURCE_DATE_EPOCH", "BRIEFPERS_CONFIG")}
    os.environ.pop("SOURCE_DATE_EPOCH", None)
    os.environ["BRIEFPERS_CONFIG"] = ""
    yield
    # Release WeasyPrint's font configuration while the interpreter is still
    # whole: its __del__ fails noisily when it runs during shutdown.
    import gc

    from briefpers import typeset

    typeset.stylesheet.cache_clear()
    typeset.font_config.cache_clear()
    gc.collect()
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.fixture(scope="session")
def built(tmp_path_factory) -> dict[str, Path]:
    """stem → PDF path for every example in input/ (default profile)."""
    out = tmp_path_factory.mktemp("examples")
    result = {}
    for source in EXAMPLES:
        pdf = out / f"{source.stem}.pdf"
        pdf.write_bytes(build_letter(source).pdf)
        result[source.stem] = pdf
    return result


@pytest.fixture(scope="session")
def built_profiles(tmp_path_factory) -> dict[tuple[str, str], Path]:
    """(profile, stem) → PDF for every example and corpus letter in every profile
    (built once per session: the conformance and the link tests share them)."""
    from briefpers.profiles import PROFILES

    out = tmp_path_factory.mktemp("profiles")
    paths = {}
    for profile in PROFILES:
        (out / profile).mkdir()
        for source in EXAMPLES + CORPUS:
            path = out / profile / f"{source.stem}.pdf"
            path.write_bytes(build_letter(source, profile=profile).pdf)
            paths[(profile, source.stem)] = path
    return paths


def have(program: str) -> bool:
    return shutil.which(program) is not None


def have_verapdf() -> bool:
    """Java is installed (the jar itself comes with `make setup`; without it the
    veraPDF tests fail loudly rather than skip, so CI cannot pass them silently)."""
    return have("java")
