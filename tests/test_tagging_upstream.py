"""Each repair names the WeasyPrint issue it works around and switches off once fixed."""

from __future__ import annotations

import pikepdf

from briefpers import tagging
from briefpers.pipeline import build_letter
from briefpers.tagging import split, table_heads
from briefpers.tagging.upstream import Workaround, weasyprint_version

from .conftest import ROOT
from .structure import elements, kids

TABLE_AND_LIST = ROOT / "tests" / "corpus" / "c04-table-and-list-across-pages.xml"


def test_every_repair_names_its_upstream_issue() -> None:
    issues = set()
    for module in tagging.MODULES:
        workaround = module.WORKAROUND
        assert isinstance(workaround, Workaround), module.__name__
        assert workaround.summary, module.__name__
        if workaround.issue is not None:
            assert f"#{workaround.issue}" in module.__doc__, module.__name__
            assert workaround.url.endswith(f"/issues/{workaround.issue}")
            issues.add(workaround.issue)
        else:
            assert "Not reported upstream" in module.__doc__, module.__name__
    # the two open issues the project notes name: margin boxes, split elements
    assert {1836, 2903} <= issues


def test_a_workaround_is_needed_until_the_release_that_fixes_it() -> None:
    open_issue = Workaround(2903, "open")
    assert open_issue.needed((70, 0)) and open_issue.needed((99,))
    fixed = Workaround(2903, "fixed", fixed_in=(71, 2))
    assert fixed.needed((70, 0)) and fixed.needed((71, 1))
    assert not fixed.needed((71, 2)) and not fixed.needed((72,))
    assert weasyprint_version()[0] == 70
    assert all(tagging.active(m) for m in tagging.MODULES), "all open with WeasyPrint 70"


def test_a_repair_marked_fixed_upstream_is_skipped(monkeypatch, tmp_path) -> None:
    """With the split-element repair switched off, WeasyPrint's own tree shows:
    the table across three pages is three tables, the list across two is two."""
    installed = weasyprint_version()
    for module in (split, table_heads):
        fixed = Workaround(2903, module.WORKAROUND.summary, fixed_in=installed)
        monkeypatch.setattr(module, "WORKAROUND", fixed)
    assert not tagging.active(split)
    path = tmp_path / "off.pdf"
    path.write_bytes(build_letter(TABLE_AND_LIST).pdf)
    with pikepdf.open(path) as pdf:
        tables = [e for e in elements(pdf) if e.S == "/Table"]
        lists = [e for e in elements(pdf) if e.S == "/L"]
        assert len(tables) == 3 and len(lists) == 2
        heads = [k for t in tables for k in kids(t) if k.S == "/THead"]
        assert len(heads) == 3, "the head repeated on each page"
