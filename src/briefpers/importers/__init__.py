"""Importers: turn old letters (extracted text, official XML) into letter sources.

Each importer returns an `Imported`: the source XML (valid against the
schema) and warnings for the user. What an importer cannot decide it leaves as
an XML comment starting with `briefpers-import:`; input text read into a field
is recorded in a comment starting with `briefpers-source:`; fields the input
lacks get square-bracketed placeholders that `briefpers lint` reports.
"""

from __future__ import annotations

from briefpers.importers.draft import COMMENT_TAG, SOURCE_TAG, Draft, Imported, Reissue

__all__ = ["COMMENT_TAG", "SOURCE_TAG", "Draft", "Imported", "Reissue"]
