"""Debian's Chromium, driven by Playwright, for the web edition's tests: axe-core
audits and screenshots. Never a browser Playwright downloads: the one at
/usr/bin/chromium (`make test` installs it with apt, axe-core with npm).

    python -m tests.browser approve   regenerate tests/reference/web/*.png
"""

from __future__ import annotations

import contextlib
import io
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
AXE = ROOT / "tools" / "web" / "node_modules" / "axe-core" / "axe.min.js"
REFERENCE = ROOT / "tests" / "reference" / "web"
# The flags Chromium needs on a machine without a network of its own, as root.
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--font-render-hinting=none",
    "--force-color-profile=srgb",
    "--hide-scrollbars",
]
# The rules that test WCAG 2.1 A and AA, by axe-core's tags.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
VIEWPORT = {"width": 1024, "height": 768}


def chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def unavailable() -> str | None:
    """Why the browser tests cannot run here (None: they can)."""
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "the Python package playwright is missing (pip install -e '.[test]')"
    if chromium() is None:
        return "Debian's chromium is missing (make test installs it as root with apt-get)"
    if not AXE.is_file():
        return f"axe-core is missing ({AXE.relative_to(ROOT)}: make web-tools)"
    return None


@contextlib.contextmanager
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=chromium(), args=FLAGS, headless=True)
        try:
            yield instance
        finally:
            instance.close()


@contextlib.contextmanager
def opened(instance, page_path: Path) -> Iterator[tuple[object, list[str]]]:
    """A tab showing the page, and every URL it requested besides itself."""
    tab = instance.new_page(viewport=VIEWPORT, device_scale_factor=1)
    requests: list[str] = []
    url = page_path.resolve().as_uri()
    tab.on("request", lambda r: requests.append(r.url) if r.url != url else None)
    try:
        tab.goto(url, wait_until="load")
        yield tab, requests
    finally:
        tab.close()


def audit(tab) -> list[dict]:
    """axe-core's WCAG 2.1 A/AA violations on the open page."""
    tab.add_script_tag(path=str(AXE))
    result = tab.evaluate(
        "async (tags) => await axe.run(document, "
        "{runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        WCAG_TAGS,
    )
    return result["violations"]


def screenshot(tab) -> bytes:
    """The whole page in 16 shades of grey (small references, tolerant comparison)."""
    from PIL import Image

    png = tab.screenshot(full_page=True, animations="disabled", caret="hide")
    image = Image.open(io.BytesIO(png)).convert("L").quantize(16).convert("L")
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def approve() -> None:
    """Write the reference screenshots of the examples' web editions."""
    why = unavailable()
    if why:
        sys.exit(f"cannot approve: {why}")
    from briefpers.editions import web_edition

    out = ROOT / "output" / "approve-web"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    examples = sorted((ROOT / "input").glob("*.xml"))
    for source in examples:  # default settings: no user configuration, no licensed logo
        (out / f"{source.stem}.html").write_bytes(web_edition(source))
    REFERENCE.mkdir(parents=True, exist_ok=True)
    for old in REFERENCE.glob("*.png"):
        old.unlink()
    with browser() as instance:
        for source in examples:
            with opened(instance, out / f"{source.stem}.html") as (tab, _):
                (REFERENCE / f"{source.stem}.png").write_bytes(screenshot(tab))
            print(f"wrote {REFERENCE.relative_to(ROOT)}/{source.stem}.png")


if __name__ == "__main__":
    if sys.argv[1:] == ["approve"]:
        approve()
    else:
        sys.exit("usage: python -m tests.browser approve")
