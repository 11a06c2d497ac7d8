"""The web edition: a standalone, accessible HTML5 page per letter, from the same
source through the same render stage as the PDF (see `page.py`).

    web_page(letter, theme, render_html(letter, theme)) → UTF-8 bytes
"""

from __future__ import annotations

from briefpers.outputs import page_name
from briefpers.web.page import check_letter, stylesheet, web_page

__all__ = ["check_letter", "page_name", "stylesheet", "web_page"]
