"""Helpers for tests that read a PDF's structure tree and marked content."""

from __future__ import annotations

from collections.abc import Iterator

import pikepdf


def kids(elem) -> list:
    k = elem.get("/K")
    if k is None:
        return []
    return list(k) if isinstance(k, pikepdf.Array) else [k]


def elements(pdf: pikepdf.Pdf) -> Iterator[pikepdf.Dictionary]:
    """Every structure element reachable from the root, depth first."""

    def walk(elem):
        yield elem
        for kid in kids(elem):
            if isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
                yield from walk(kid)

    for top in kids(pdf.Root.StructTreeRoot):
        yield from walk(top)


def marked_content(elem, pdf: pikepdf.Pdf) -> list[tuple[int, int]]:
    """(page index, MCID) pairs directly in an element."""
    pages = {p.obj.objgen: i for i, p in enumerate(pdf.pages)}
    out = []
    for kid in kids(elem):
        if isinstance(kid, int):
            out.append((pages[elem.Pg.objgen], kid))
        elif isinstance(kid, pikepdf.Dictionary) and "/MCID" in kid:
            page = kid.get("/Pg") or elem.Pg
            out.append((pages[page.objgen], int(kid.MCID)))
    return out


def bdc_kinds(pdf: pikepdf.Pdf, index: int) -> tuple[int, int, set[int]]:
    """On one page: artifact BDCs, MCID BDCs, and the MCIDs."""
    artifacts, mcids = 0, set()
    count = 0
    for operands, operator in pikepdf.parse_content_stream(pdf.pages[index]):
        if str(operator) == "BDC":
            if operands[0] == pikepdf.Name.Artifact:
                artifacts += 1
            elif isinstance(operands[1], pikepdf.Dictionary) and "/MCID" in operands[1]:
                count += 1
                mcids.add(int(operands[1].MCID))
    return artifacts, count, mcids
