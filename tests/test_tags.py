"""The tag tree after briefpers.tagging.repair: notes, artifacts, split elements, Lang,
link and bookmark destinations, list numbering."""

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
    for stem in (
        "c03-thirty-footnotes",
        "c04-table-and-list-across-pages",
        "c05-nested-lists",
        "c10-foreign-phrase",
        "c12-note-references",
    ):
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
            label = kids(note)[0]
            assert label.S == "/Lbl"
            assert [k.S for k in kids(label)] == ["/Link"], "the number links back to the call"
            siblings = kids(note.P)
            at = next(i for i, k in enumerate(siblings) if k.objgen == note.objgen)
            assert siblings[at - 1].S == "/Link", "a Note follows the Link of its call"
        pages = {pdf.pages.index(pikepdf.Page(n.Pg)) for n in notes}
        assert len(pages) > 1, "the corpus has notes on several pages"
        names = list(pdf.Root.StructTreeRoot.IDTree.Names)
        ids = [str(names[i]) for i in range(0, len(names), 2)]
        assert {f"note-{i}" for i in range(1, 31)} <= set(ids)
        assert ids == sorted(ids)


def _link_targets(pdf) -> list[tuple[str, object, object]]:
    """(description, structure destination element, page) of every internal link."""
    out = []
    for page in pdf.pages:
        for annot in page.get("/Annots", []):
            if annot.Subtype == "/Link" and annot.get("/A", {}).get("/S") == "/GoTo":
                assert "/Dest" not in annot, "a link has one destination, in its action"
                out.append((str(annot.Contents), annot.A.SD[0], annot.A.D[0]))
    return out


def test_note_links_point_at_their_notes_and_back(pdfs) -> None:
    with open_pdf(pdfs, "water-quality-2023") as pdf:
        links = _link_targets(pdf)
        calls = [(d, e, p) for d, e, p in links if e.S == "/Note"]
        backs = [(d, e, p) for d, e, p in links if e.S == "/Link"]
        assert len(calls) == len(backs) == 3
        assert len(links) == 6, "no other internal links"
        assert [str(e.ID) for _, e, _ in calls] == ["note-1", "note-2", "note-3"]
        assert [d for d, _, _ in calls] == ["Footnote 1", "Footnote 2", "Footnote 3"]
        for _, note, page in calls:  # the page destination is the note's page
            assert page.objgen == note.Pg.objgen
        for (_, note, _), (_, call, page) in zip(calls, backs, strict=True):
            # the label of note N (inside the Note) goes back to the call of note N
            assert kids(note)[0].S == "/Lbl"
            siblings = kids(note.P)
            at = next(i for i, k in enumerate(siblings) if k.objgen == note.objgen)
            assert siblings[at - 1].objgen == call.objgen
            assert page.objgen == call.Pg.objgen
        annots = [a for p in pdf.pages for a in p.get("/Annots", [])]
        assert all("/StructParent" in a for a in annots)


def test_repeated_calls_link_to_the_note_that_follows_the_first(pdfs) -> None:
    with open_pdf(pdfs, "c12-note-references") as pdf:
        notes = {str(e.ID): e for e in elements(pdf) if e.S == "/Note"}
        assert sorted(notes) == ["note-1", "note-2"]
        calls: dict[str, list] = {}  # note id → its calls (Link elements), in reading order
        for elem in elements(pdf):
            for kid in kids(elem) if elem.S == "/Link" else []:
                is_annot = isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == "/OBJR"
                if is_annot and kid.Obj.A.S == "/GoTo":
                    target = kid.Obj.A.SD[0]
                    if target.S == "/Note":
                        calls.setdefault(str(target.ID), []).append(elem)
                        # every call, on any page, opens the page of the note
                        assert kid.Obj.A.D[0].objgen == target.Pg.objgen
        # "bron" is called three times (one a page later), "wet" three (one in the annex)
        assert {i: len(c) for i, c in calls.items()} == {"note-1": 3, "note-2": 3}
        pages = {pdf.pages.index(pikepdf.Page(c.Pg)) for cs in calls.values() for c in cs}
        assert len(pages) == 3, "calls on every page"
        for ident, note in notes.items():
            first, *later = calls[ident]
            assert [k.objgen for k in _next(first)] == [note.objgen], "Note after its FIRST call"
            assert all(not any(k.S == "/Note" for k in _next(c)) for c in later)
            back = kids(kids(note)[0])[0]  # Lbl > Link
            (annot,) = [k.Obj for k in kids(back) if isinstance(k, pikepdf.Dictionary)]
            assert annot.A.SD[0].objgen == first.objgen, "the label goes back to the first call"


def _next(elem) -> list:
    siblings = kids(elem.P)
    at = next(i for i, k in enumerate(siblings) if k.objgen == elem.objgen)
    return siblings[at + 1 : at + 2]


def test_lists_say_how_they_are_numbered(pdfs) -> None:
    with open_pdf(pdfs, "c05-nested-lists") as pdf:
        lists = [e for e in elements(pdf) if e.S == "/L"]
        numbering = [str(e.A.ListNumbering) for e in lists]
        assert numbering == ["/Decimal", "/Disc", "/Decimal", "/Disc"]  # ol, ul "•", ol, ul
        assert all(str(e.A.O) == "/List" for e in lists)


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
        items = [*outline.root, *outline.root[1].children]
        assert [str(i.obj.SE.S) for i in items] == ["/H1", "/H1", "/H2", "/H2"]
        for item in items:
            action = item.obj.A
            assert "/Dest" not in item.obj
            assert action.SD[0].objgen == item.obj.SE.objgen, "the heading it names"
            assert action.D[0].objgen == item.obj.SE.Pg.objgen, "and its page"
