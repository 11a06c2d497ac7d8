"""The web edition in a real browser: Debian's Chromium, driven by Playwright, runs
axe-core (pinned in tools/web/package.json) on the page of every example and
corpus letter: zero violations of the WCAG 2.1 A and AA rules, and no request
besides the page itself. The examples' pages are compared with approved
screenshots in tests/reference/web/ (`make approve` writes them again; look at
the changed images before committing them), as tests/test_visual.py does for
PDF pages, with the same tolerance.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from . import browser
from .archive_kit import archive_build
from .conftest import CORPUS, EXAMPLES
from .test_visual import LIMIT, difference

pytestmark = pytest.mark.skipif(bool(browser.unavailable()), reason=str(browser.unavailable()))

EVERY = EXAMPLES + CORPUS


@pytest.fixture(scope="module")
def out(tmp_path_factory) -> Path:
    return archive_build(tmp_path_factory)


@pytest.fixture(scope="module")
def chromium():
    with browser.browser() as instance:
        yield instance


@pytest.mark.parametrize("source", EVERY, ids=lambda p: p.stem)
def test_every_page_has_no_wcag_violations_and_loads_nothing(source, out, chromium) -> None:
    with browser.opened(chromium, out / f"{source.stem}.html") as (tab, requests):
        violations = browser.audit(tab)
        assert requests == [], "the page loaded something besides itself"
    found = [
        f"{v['id']} ({v['impact']}): {v['help']}: {v['nodes'][0]['html'][:120]}" for v in violations
    ]
    assert found == []


@pytest.mark.parametrize("theme", ["plain", "kamerstuk"])
def test_the_other_themes_pages_have_no_violations(theme, chromium, tmp_path) -> None:
    from briefpers.editions import web_edition

    for source in EXAMPLES:
        path = tmp_path / f"{source.stem}.html"
        path.write_bytes(web_edition(source, theme=theme))
        with browser.opened(chromium, path) as (tab, requests):
            assert [v["id"] for v in browser.audit(tab)] == [], (theme, source.stem)
            assert requests == []


def test_axe_finds_a_violation_when_there_is_one(out, chromium, tmp_path) -> None:
    """The audit is real: a page that breaks a rule (an image without alt text,
    text too pale to read) fails it."""
    data = (out / "water-quality-2023.html").read_text(encoding="utf-8")
    broken = data.replace(' alt="Embleem van de afzender"', "", 1).replace(
        "</style>", ".closing { color: #c8c8c8; }</style>", 1
    )
    assert broken != data
    path = tmp_path / "broken.html"
    path.write_text(broken, encoding="utf-8")
    with browser.opened(chromium, path) as (tab, _):
        rules = {v["id"] for v in browser.audit(tab)}
    assert {"image-alt", "color-contrast"} <= rules


@pytest.mark.parametrize("source", EXAMPLES, ids=lambda p: p.stem)
def test_pages_match_the_approved_screenshots(source, out, chromium, tmp_path) -> None:
    reference = browser.REFERENCE / f"{source.stem}.png"
    assert reference.is_file(), f"no reference screenshot {reference.name}: run `make approve`"
    with browser.opened(chromium, out / f"{source.stem}.html") as (tab, _):
        shot = browser.screenshot(tab)
    changed, mask = difference(shot, reference)
    if changed >= LIMIT:  # keep the evidence for the person who looks
        (tmp_path / "page.png").write_bytes(shot)
        mask.save(tmp_path / "page-changed.png")
    assert changed < LIMIT, (
        f"the page differs from {reference.name} in {changed:.2%} of its pixels; "
        f"see {tmp_path}; if intended, run `make approve`"
    )


def test_a_moved_element_is_detected(out, chromium, tmp_path) -> None:
    """The recipient moved down by a few lines: the comparison fails."""
    data = (out / "water-quality-2023.html").read_text(encoding="utf-8")
    moved = data.replace("</style>", ".recipient { margin-top: 3rem; }</style>", 1)
    path = tmp_path / "moved.html"
    path.write_text(moved, encoding="utf-8")
    with browser.opened(chromium, path) as (tab, _):
        shot = browser.screenshot(tab)
    changed, _ = difference(shot, browser.REFERENCE / "water-quality-2023.png")
    assert changed >= LIMIT
