"""Facts of the Dutch parliamentary papers (Kamerstukken) that layouts and
importers share: the session year and how dossier numbers are printed."""

from __future__ import annotations

import datetime as dt
import re

# A dossier number's leading digits: "12345", "21501-02", "36200 IX".
LEADING_DIGITS = re.compile(r"^([0-9]{5,})(?![0-9])")


def opening_day(year: int) -> dt.date:
    """Prinsjesdag, the day a session year opens: the third Tuesday of September."""
    first_possible = dt.date(year, 9, 15)  # the third Tuesday falls on the 15th to the 21st
    return first_possible + dt.timedelta(days=(1 - first_possible.weekday()) % 7)


def session_years(date: dt.date) -> tuple[int, int]:
    """The session year (vergaderjaar) a date belongs to: a letter of 16 June
    2020 belongs to 2019–2020; Prinsjesdag itself opens the next one."""
    if date >= opening_day(date.year):
        return date.year, date.year + 1
    return date.year - 1, date.year


def session(date: dt.date) -> str:
    """The session year as printed: "2019–2020" (with an en dash)."""
    first, last = session_years(date)
    return f"{first}–{last}"


def printed_dossier(dossier: str) -> str:
    """A dossier number as the papers print it, digits grouped by three from
    the right: "12345" → "12 345", "21501-02" → "21 501-02"; a number already
    written with its space, or of fewer than five digits, is kept."""
    text = " ".join(dossier.split())
    match = LEADING_DIGITS.match(text)
    if match is None:
        return text
    digits = match.group(1)
    groups = []
    while digits:
        groups.insert(0, digits[-3:])
        digits = digits[:-3]
    return " ".join(groups) + text[match.end() :]
