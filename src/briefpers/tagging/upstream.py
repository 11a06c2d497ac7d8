"""Which WeasyPrint is installed, and which of our workarounds it still needs.

Each repair module names the upstream issue it works around in a
`Workaround`; when WeasyPrint fixes one, set `fixed_in` to the first release
with the fix and the repair switches itself off for that release and later
(after the tag tests have shown the fix is real).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import metadata

TRACKER = "https://github.com/Kozea/WeasyPrint/issues/"
# The WeasyPrint releases whose private tag builder `hook.py` was written
# against and tested with; `hook.py` checks the contract itself, this is
# what error messages name.
TESTED = "70"


@dataclass(frozen=True)
class Workaround:
    """A repair of WeasyPrint's output and the upstream issue behind it."""

    issue: int | None  # the WeasyPrint issue number (None: not reported upstream)
    summary: str  # what WeasyPrint gets wrong, in a few words
    fixed_in: tuple[int, ...] | None = None  # first WeasyPrint release with the fix

    @property
    def url(self) -> str | None:
        return f"{TRACKER}{self.issue}" if self.issue is not None else None

    def needed(self, version: tuple[int, ...] | None = None) -> bool:
        """True while the installed (or the given) WeasyPrint lacks the fix."""
        if self.fixed_in is None:
            return True
        return (version or weasyprint_version()) < self.fixed_in


@cache
def weasyprint_release() -> str:
    """The installed WeasyPrint's version string, read without importing it."""
    try:
        return metadata.version("weasyprint")
    except metadata.PackageNotFoundError:
        return "(not installed)"


def weasyprint_version() -> tuple[int, ...]:
    """The installed WeasyPrint's version as numbers, e.g. (70, 0)."""
    return tuple(int(n) for n in re.findall(r"\d+", weasyprint_release())[:3]) or (0,)
