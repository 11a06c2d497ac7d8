"""Lint letter sources before publishing: what the schema allows but a letter must not have.

Findings have a severity: an *error* must be fixed before publishing
(unfilled placeholders, empty footnotes, an empty subject, the importers'
placeholder date); a *warning* deserves a look (a date in the future, a
signatory without a name, empty blocks). `--strict` makes warnings errors.
Lint reads the clock (for "in the future"); nothing it says ends up in a PDF.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from briefpers.errors import ExitCode, LintError, SourceError
from briefpers.source.load import parse, read_source, validate

ERROR, WARNING = "error", "warning"

# "[Afzender]", "[Ondertekenaar 2]", "[naam]": a bracketed field still to fill
# in. Not "[…]" or "[...]" (an omission in a quotation), "[1]" or "[sic]".
BRACKETED = re.compile(r"\[([^\[\]\n]{1,80})\]")
NOT_PLACEHOLDERS = frozenset({"sic", "…", "...", "..", "sic!"})
XXX = re.compile(r"(?<![A-Za-z])X{3,}(?![A-Za-z])|(?<![A-Za-z])x{3,}(?![A-Za-z])")
PLACEHOLDER_DATE = dt.date(1900, 1, 1)  # what the importers write when they find no date
# Elements whose emptiness is an error (schema-valid, but meaningless).
MUST_HAVE_TEXT = {"subject": "the subject is empty", "note": "footnote call without text"}
# Elements whose emptiness deserves a warning.
SHOULD_HAVE_TEXT = frozenset(
    {"p", "li", "heading", "title", "salutation", "closing", "caption", "line"}
)


@dataclass(frozen=True)
class Finding:
    path: str
    line: int | None
    severity: str  # ERROR or WARNING
    message: str
    fatal: bool = False  # the file could not be read or is not a valid letter

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.severity}: {self.message}"

    def strict(self) -> Finding:
        """The same finding as an error."""
        return Finding(self.path, self.line, ERROR, self.message, self.fatal)


def lint_file(path: Path | str, *, today: dt.date | None = None) -> list[Finding]:
    """All findings for one letter source, in line order."""
    name = str(path)
    try:
        data = read_source(Path(path))  # regular files only: a FIFO must not hang lint
        tree = parse(data, path)
    except OSError as exc:
        return [Finding(name, None, ERROR, f"cannot read: {exc.strerror}", fatal=True)]
    except SourceError as exc:
        return [Finding(name, exc.line, ERROR, exc.message, fatal=True)]
    findings = []
    try:
        validate(tree, path)
    except SourceError as exc:
        findings.append(Finding(name, exc.line, ERROR, exc.message, fatal=True))
    findings.extend(lint_tree(tree.getroot(), name, today=today or dt.date.today()))
    return sorted(findings, key=lambda f: (f.line or 0, f.severity != ERROR, f.message))


def lint_tree(root: etree._Element, path: str, *, today: dt.date) -> Iterator[Finding]:
    """The checks on a parsed letter."""
    yield from _placeholders(root, path)
    yield from _empty(root, path)
    yield from _dates(root, path, today)
    yield from _signatories(root, path)


def _texts(root: etree._Element) -> Iterator[tuple[str, int, str]]:
    """(text, line where it starts, what it is) for every text node and attribute."""
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        line = el.sourceline or 0
        if el.text:
            yield el.text, line, f"<{el.tag}>"
        for key, value in el.attrib.items():
            yield value, line, f"@{etree.QName(key).localname} of <{el.tag}>"
        for child in el:
            if child.tail:
                # The tail starts where the child ends: add the lines the child spans.
                span = etree.tostring(child, with_tail=False).count(b"\n")
                yield child.tail, (child.sourceline or line) + span, f"<{el.tag}>"


def _placeholders(root: etree._Element, path: str) -> Iterator[Finding]:
    for text, line, where in _texts(root):
        for match in BRACKETED.finditer(text):
            inner = match.group(1).strip()
            if inner.lower() in NOT_PLACEHOLDERS or not any(c.isalpha() for c in inner):
                continue
            at = line + text.count("\n", 0, match.start())
            yield Finding(path, at, ERROR, f"unfilled placeholder {match.group(0)} in {where}")
        for match in XXX.finditer(text):
            at = line + text.count("\n", 0, match.start())
            yield Finding(path, at, ERROR, f"unfilled placeholder {match.group(0)!r} in {where}")


def _empty(root: etree._Element, path: str) -> Iterator[Finding]:
    for el in root.iter(*MUST_HAVE_TEXT, *SHOULD_HAVE_TEXT):
        if "".join(el.itertext()).strip() or el.find(".//figure") is not None:
            continue
        if el.tag in MUST_HAVE_TEXT:
            yield Finding(path, el.sourceline, ERROR, MUST_HAVE_TEXT[el.tag])
        else:
            yield Finding(path, el.sourceline, WARNING, f"empty <{el.tag}>")


def _dates(root: etree._Element, path: str, today: dt.date) -> Iterator[Finding]:
    el = root.find("date")
    date = _date(el.text if el is not None else None)
    if date is not None:
        if date == PLACEHOLDER_DATE:
            yield Finding(path, el.sourceline, ERROR, "placeholder date: fill in the letter's date")
        elif date > today:
            yield Finding(path, el.sourceline, WARNING, f"the date {date} is in the future")
    reissue = root.find("reissue-of")
    original = _date(reissue.get("date") if reissue is not None else None)
    if original is not None:
        if original > today:
            yield Finding(
                path, reissue.sourceline, WARNING, f"the original date {original} is in the future"
            )
        elif date is not None and original > date:
            yield Finding(
                path, reissue.sourceline, WARNING, "the original letter is dated after its reissue"
            )


def _date(text: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat((text or "").strip())
    except ValueError:
        return None


def _signatories(root: etree._Element, path: str) -> Iterator[Finding]:
    for sig in root.iterfind("signatories/signatory"):
        name = sig.find("name")
        if name is None or not "".join(name.itertext()).strip():
            function = " ".join("".join(sig.findtext("function") or "").split())
            line = name.sourceline if name is not None else sig.sourceline
            yield Finding(path, line, WARNING, f"signatory without a name ({function})")


# Several files ==============================================================


@dataclass(frozen=True)
class Result:
    findings: list[Finding]
    exit_code: ExitCode

    @property
    def errors(self) -> int:
        return sum(f.severity == ERROR for f in self.findings)

    @property
    def warnings(self) -> int:
        return sum(f.severity == WARNING for f in self.findings)


def expand(paths: Iterable[Path]) -> list[Path]:
    """Files as given; a folder gives its *.xml files (sorted)."""
    found: list[Path] = []
    for path in paths:
        found.extend(sorted(path.glob("*.xml")) if path.is_dir() else [path])
    return found


def lint_paths(
    paths: Sequence[Path], *, strict: bool = False, today: dt.date | None = None
) -> Result:
    """Lint files; exit code 0 (clean, or only warnings without strict), 8, or 3."""
    findings = [f for path in paths for f in lint_file(path, today=today)]
    if strict:
        findings = [f.strict() for f in findings]
    if any(f.fatal for f in findings):
        code = ExitCode.INVALID_SOURCE
    elif any(f.severity == ERROR for f in findings):
        code = ExitCode.LINT
    else:
        code = ExitCode.OK
    return Result(findings, code)


def gate(paths: Iterable[Path], report) -> None:
    """`build --strict`: lint first; any finding stops the build (nothing is built).

    `report` receives each finding as a line (the CLI prints it to stderr).
    """
    paths = list(paths)
    result = lint_paths(paths, strict=True)
    for finding in result.findings:
        report(str(finding))
    if result.exit_code == ExitCode.OK:
        return
    failed = len({f.path for f in result.findings})
    message = (
        f"--strict: {failed} of {len(paths)} letters have lint findings "
        f"({result.errors} in all); nothing was built"
    )
    if result.exit_code == ExitCode.INVALID_SOURCE:
        raise SourceError(message)
    raise LintError(message)
