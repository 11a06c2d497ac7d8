"""The tag tree after archive.tags.repair: notes, artifacts, split elements, Lang."""

from __future__ import annotations

import pikepdf
import pytest

from briefpers.pipeline import build_letter

from .conftest import ROOT
from .structure import bdc_kinds, elements, kids, marked_content

CORPUS = ROOT / "tests" / "corpus"


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory, built):
    out = tmp_path_factory.mktemp("tags")
    paths = dict(built)
    for stem in ("c03-thirty-footnotes", "c04-table-and-list-across-pages", "c10-foreign-phrase"):
        path = out / f"{stem}.pdf"
        path.write_bytes(build_letter(CORPUS / f"{stem}.xml").pdf)
        paths[stem] = path
    return paths


def open_pdf(pdfs, stem):
    return pikepdf.open(pdfs[stem])


def test_footnotes_are_notes_after_their_call(pdfs) -> None:
    with open_pdf(pdfs, "c03-thirty-footnotes") as pdf:
        notes = [e for e in elements(pdf) if e.S == "/Note"]
        assert len(notes) == 30
        assert [str(n.ID) for n in notes] == [f"note-{i}" for i in range(1, 31)]
        for note in notes:
            first = kids(note)[0]
            assert first.S == "/Lbl"
            siblings = kids(note.P)
            at = next(i for i, k in enumerate(siblings) if k.objgen == note.objgen)
            assert siblings[at - 1].S == "/Link", "a Note follows the Link of its call"
        pages = {pdf.pages.index(pikepdf.Page(n.Pg)) for n in notes}
        assert len(pages) > 1, "the corpus has notes on several pages"
        names = list(pdf.Root.StructTreeRoot.IDTree.Names)
        ids = [str(names[i]) for i in range(0, len(names), 2)]
        assert {f"note-{i}" for i in range(1, 31)} <= set(ids)
        assert ids == sorted(ids)


def test_note_links_point_at_their_notes(pdfs) -> None:
    with open_pdf(pdfs, "water-quality-2023") as pdf:
        links = [a for p in pdf.pages for a in p.get("/Annots", []) if a.Subtype == "/Link"]
        assert [str(a.Dest) for a in links] == ["note-1", "note-2", "note-3"]
        assert [str(a.Contents) for a in links] == ["Footnote 1", "Footnote 2", "Footnote 3"]
        assert all("/StructParent" in a for a in links)


def test_page_furniture_is_artifact_and_every_mcid_is_in_the_tree(pdfs) -> None:
    with open_pdf(pdfs, "navo-ministeriele-2022") as pdf:
        reached: dict[int, set[int]] = {}
        for elem in elements(pdf):
            for page, mcid in marked_content(elem, pdf):
                reached.setdefault(page, set()).add(mcid)
        for index in range(len(pdf.pages)):
            artifacts, count, mcids = bdc_kinds(pdf, index)
            assert mcids == reached.get(index, set()), f"page {index + 1}"
            assert mcids == set(range(count)), "MCIDs are dense"
            # page number on every page; running head and colofon from page 2
            assert artifacts >= (1 if index == 0 else 5)
        nums = pdf.Root.StructTreeRoot.ParentTree.Nums
        assert [int(nums[i]) for i in range(0, 6, 2)] == [0, 1, 2]


def test_paragraph_across_pages_is_one_element(pdfs) -> None:
    with open_pdf(pdfs, "navo-ministeriele-2022") as pdf:
        annexes = [e for e in elements(pdf) if e.S == "/Sect" and e.P.S == "/Document"]
        assert len(annexes) == 1, "the annex continues on page 3 in the same Sect"
        spread = [
            e
            for e in elements(pdf)
            if e.S == "/P" and len({p for p, _ in _deep_content(e, pdf)}) > 1
        ]
        assert spread, "the last annex paragraph runs from page 2 to page 3"


def _deep_content(elem, pdf):
    out = list(marked_content(elem, pdf))
    for kid in kids(elem):
        if isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
            out += _deep_content(kid, pdf)
    return out


def test_table_across_pages_has_one_head_and_scopes(pdfs) -> None:
    with open_pdf(pdfs, "c04-table-and-list-across-pages") as pdf:
        tables = [e for e in elements(pdf) if e.S == "/Table"]
        assert len(tables) == 1
        parts = [k.S for k in kids(tables[0])]
        assert parts == ["/Caption", "/THead", "/TBody"]
        lists = [e for e in elements(pdf) if e.S == "/L"]
        assert len(lists) == 1 and len(kids(lists[0])) == 40
        head_ids = set()
        for th in (e for e in elements(pdf) if e.S == "/TH"):
            assert th.A.Scope in ("/Column", "/Row")
            head_ids.add(str(th.ID))
        for td in (e for e in elements(pdf) if e.S == "/TD"):
            assert {str(h) for h in td.A.Headers} <= head_ids


def test_other_languages_are_marked(pdfs) -> None:
    with open_pdf(pdfs, "c10-foreign-phrase") as pdf:
        langs = {str(e.Lang) for e in elements(pdf) if "/Lang" in e}
        assert {"fr", "de"} <= langs
    with open_pdf(pdfs, "navo-ministeriele-2022") as pdf:
        spans = [e for e in elements(pdf) if e.S == "/Span" and str(e.get("/Lang", "")) == "en"]
        assert len(spans) == 1


def test_no_empty_elements_and_no_hints_left(pdfs) -> None:
    for stem in ("navo-ministeriele-2022", "water-quality-2023"):
        with open_pdf(pdfs, stem) as pdf:
            for elem in elements(pdf):
                assert not any(k.startswith("/BP") for k in elem)
                if elem.S not in ("/Document",):
                    assert kids(elem) or "/Alt" in elem, elem.S


def test_bookmarks_for_letter_and_annex(pdfs) -> None:
    with open_pdf(pdfs, "navo-ministeriele-2022") as pdf, pdf.open_outline() as outline:
        titles = [item.title for item in outline.root]
        assert len(titles) == 2
        assert titles[0] == "Verslag NAVO ministeriële bijeenkomst van 7 januari 2022"
        assert titles[1] == "VERSLAG NAVO MINISTERIËLE 7 JANUARI"
        assert [c.title for c in outline.root[1].children] == [
            "Inleiding",
            "Veiligheidssituatie Oost-Europa/NRR",
        ]
