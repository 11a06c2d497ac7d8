"""Lint letter sources before publishing: what the schema allows but a letter must not have.

Findings have a severity: an *error* must be fixed before publishing
(unfilled placeholders, empty footnotes, an empty subject, the importers'
placeholder date, a note reference to no note, a Kamerstuk without its
number, a language tag that is no language code, an image whose alternative
text only names its file); a *warning* deserves a look (a date in the future, a signatory
without a name, empty blocks, an importer's remark still standing).
`--strict` makes warnings errors. A Kamerstuk (the kind `kamerstuk`) is not
asked for what its printed shape has no place for: a placeholder in its
sender (not printed; recorded in the PDF's metadata) is a warning.
With MDTO settings (`lint --mdto`, `build --strict --mdto`) it also checks
what the MDTO record needs: an identifier (an error without one) and an
appraisal and use restriction other than the documented defaults, which an
archivist must confirm (warnings).
Lint reads the clock (for "in the future"); nothing it says ends up in a PDF.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from lxml import etree

from briefpers.errors import ExitCode, LintError, SourceError, TimeLimitError, diagnostic
from briefpers.language import is_language_code
from briefpers.limits import Limits, deadline
from briefpers.source.load import parse, read_source, validate
from briefpers.source.model import KAMERSTUK, PLACEHOLDER_DATE, XML_LANG

if TYPE_CHECKING:
    from briefpers.mdto.settings import MdtoSettings

IMPORT_REMARK = "briefpers-import:"  # an importer's remark (importers.COMMENT_TAG)

ERROR, WARNING = "error", "warning"

# "[Afzender]", "[Ondertekenaar 2]", "[naam]": a bracketed field still to fill
# in. Not "[…]" or "[...]" (an omission in a quotation), "[1]" or "[sic]".
BRACKETED = re.compile(r"\[([^\[\]\n]{1,80})\]")
NOT_PLACEHOLDERS = frozenset({"sic", "…", "...", "..", "sic!"})
XXX = re.compile(r"(?<![A-Za-z])X{3,}(?![A-Za-z])|(?<![A-Za-z])x{3,}(?![A-Za-z])")
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
    column: int | None = None
    # What to look for on the line to find the column (a tag, the placeholder).
    needle: str | None = field(default=None, compare=False, repr=False)

    def __str__(self) -> str:
        """`file:line:col: severity: message`, the one format of every diagnostic."""
        where = self.path
        if self.line:
            where += f":{self.line}" + (f":{self.column}" if self.column else "")
        return diagnostic(where, self.severity, self.message)

    def strict(self) -> Finding:
        """The same finding as an error."""
        return replace(self, severity=ERROR)


def lint_file(
    path: Path | str,
    *,
    today: dt.date | None = None,
    limits: Limits | None = None,
    mdto: MdtoSettings | None = None,
) -> list[Finding]:
    """All findings for one letter source, in line order, within `limits` (the
    settings' size limits, and their time limit for this one file)."""
    name = str(path)
    limits = limits or Limits()
    try:
        with deadline(limits.timeout, what="linting the letter", path=name):
            return _lint_file(Path(path), name, today, limits, mdto)
    except TimeLimitError as exc:
        return [Finding(name, None, ERROR, exc.message, fatal=True)]


def _lint_file(
    path: Path, name: str, today: dt.date | None, limits: Limits, mdto: MdtoSettings | None
) -> list[Finding]:
    try:
        data = read_source(path, limits)  # regular files only: a FIFO must not hang lint
        tree = parse(data, path, limits)
    except OSError as exc:
        return [Finding(name, None, ERROR, f"cannot read: {exc.strerror}", fatal=True)]
    except SourceError as exc:
        return [Finding(name, exc.line, ERROR, exc.message, fatal=True, column=exc.column)]
    findings = []
    try:
        validate(tree, path, limits, data=data)
    except SourceError as exc:
        findings.append(Finding(name, exc.line, ERROR, exc.message, True, exc.column))
    findings.extend(lint_tree(tree.getroot(), name, today=today or dt.date.today(), mdto=mdto))
    unique = {(f.line, f.severity, f.message): f for f in reversed(findings)}  # fatal ones win
    lines = _source_lines(data, tree.docinfo.encoding)
    located = [_with_column(f, lines) for f in unique.values()]
    return sorted(located, key=lambda f: (f.line or 0, f.severity != ERROR, f.message))


def _source_lines(data: bytes, encoding: str | None) -> list[str]:
    try:
        return data.decode(encoding or "utf-8", errors="replace").splitlines()
    except LookupError:
        return []


def _with_column(finding: Finding, lines: list[str]) -> Finding:
    """The column of the finding's needle on its line (1-based), else of the line's
    first tag (the element a finding names usually starts its line)."""
    if finding.column or not finding.line or finding.line > len(lines):
        return finding
    text = lines[finding.line - 1]
    at = text.find(finding.needle) if finding.needle else -1
    if at < 0:
        at = text.find("<")
    return replace(finding, column=at + 1) if at >= 0 else finding


def lint_tree(
    root: etree._Element, path: str, *, today: dt.date, mdto: MdtoSettings | None = None
) -> Iterator[Finding]:
    """The checks on a parsed letter (with `mdto`: also what its MDTO record needs)."""
    kamerstuk = root.get("kind") == KAMERSTUK
    yield from _placeholders(root, path, kamerstuk)
    yield from _empty(root, path)
    yield from _dates(root, path, today)
    yield from _signatories(root, path)
    yield from _notes(root, path)
    yield from _remarks(root, path)
    yield from _languages(root, path)
    yield from _alt_texts(root, path)
    if kamerstuk:
        yield from _kamerstuk(root, path)
    if mdto is not None:
        yield from _mdto(root, path, mdto)


def _texts(root: etree._Element) -> Iterator[tuple[str, int, str, etree._Element]]:
    """(text, line where it starts, what it is, its element) for every text node and
    attribute."""
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        line = el.sourceline or 0
        if el.text:
            yield el.text, line, f"<{el.tag}>", el
        for key, value in el.attrib.items():
            yield value, line, f"@{etree.QName(key).localname} of <{el.tag}>", el
        for child in el:
            if child.tail:
                # The tail starts where the child ends: add the lines the child spans.
                span = etree.tostring(child, with_tail=False).count(b"\n")
                yield child.tail, (child.sourceline or line) + span, f"<{el.tag}>", el


def _placeholders(root: etree._Element, path: str, kamerstuk: bool) -> Iterator[Finding]:
    # The Kamerstuk shape prints no letterhead: its sender is metadata only.
    unprinted = (
        set(root.find("sender").iter()) if kamerstuk and root.find("sender") is not None else set()
    )
    for text, line, where, el in _texts(root):
        severity, why = (WARNING, _NOT_PRINTED) if el in unprinted else (ERROR, "")
        for match in BRACKETED.finditer(text):
            inner = match.group(1).strip()
            if inner.lower() in NOT_PLACEHOLDERS or not any(c.isalpha() for c in inner):
                continue
            at = line + text.count("\n", 0, match.start())
            message = f"unfilled placeholder {match.group(0)} in {where}{why}"
            yield Finding(path, at, severity, message, needle=match.group(0))
        for match in XXX.finditer(text):
            at = line + text.count("\n", 0, match.start())
            message = f"unfilled placeholder {match.group(0)!r} in {where}{why}"
            yield Finding(path, at, severity, message, needle=match.group(0))


_NOT_PRINTED = " (a Kamerstuk does not print its sender; the PDF's metadata records it)"


def _empty(root: etree._Element, path: str) -> Iterator[Finding]:
    for el in root.iter(*MUST_HAVE_TEXT, *SHOULD_HAVE_TEXT):
        if "".join(el.itertext()).strip() or el.find(".//figure") is not None:
            continue
        if el.tag in MUST_HAVE_TEXT:
            yield Finding(path, el.sourceline, ERROR, MUST_HAVE_TEXT[el.tag], needle=f"<{el.tag}")
        else:
            yield Finding(path, el.sourceline, WARNING, f"empty <{el.tag}>", needle=f"<{el.tag}")


def _dates(root: etree._Element, path: str, today: dt.date) -> Iterator[Finding]:
    el = root.find("date")
    date = _date(el.text if el is not None else None)
    if date is not None:
        if date == PLACEHOLDER_DATE:
            yield Finding(path, el.sourceline, ERROR, "placeholder date: fill in the letter's date")
        elif date > today:
            yield Finding(path, el.sourceline, WARNING, f"the date {date} is in the future")
    new = root.find("reissue")
    day = _date(new.get("date") if new is not None else None)
    if day is not None:
        if day > today:
            yield Finding(path, new.sourceline, WARNING, f"the reissue date {day} is in the future")
        elif date is not None and day < date:
            yield Finding(
                path,
                new.sourceline,
                WARNING,
                f"the reissue ({day}) is dated before the letter it reissues ({date})",
            )
    reissue = root.find("reissue-of")
    if reissue is not None:
        yield Finding(
            path,
            reissue.sourceline,
            WARNING,
            '<reissue-of> is deprecated: write <reissue of="…" date="reissue day"/> '
            "and give <date> the original letter's date",
        )
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


def _notes(root: etree._Element, path: str) -> Iterator[Finding]:
    """Every note reference names a note (all of them, not only the first)."""
    seen: set[str] = set()
    ids = {note.get("id") for note in root.iter("note") if note.get("id")}
    for el in root.iter("note", "noteref"):
        if el.tag == "note":
            if el.get("id"):
                seen.add(el.get("id"))
            continue
        ref = el.get("ref")
        if ref not in ids:
            message = f"noteref refers to {ref!r}, but no note has that id"
            yield Finding(path, el.sourceline, ERROR, message, fatal=True, needle="<noteref")
        elif ref not in seen:
            yield Finding(
                path,
                el.sourceline,
                WARNING,
                f"noteref to {ref!r} stands before the note it refers to",
                needle="<noteref",
            )


def _remarks(root: etree._Element, path: str) -> Iterator[Finding]:
    """An importer's remark that still stands has not been checked."""
    for comment in root.iter(etree.Comment):
        text = " ".join((comment.text or "").split())
        if text.startswith(IMPORT_REMARK):
            said = text[len(IMPORT_REMARK) :].strip()
            said = said if len(said) <= 100 else said[:99] + "…"
            message = f"import remark not yet dealt with (delete the comment when done): {said}"
            yield Finding(path, comment.sourceline, WARNING, message, needle="<!--")


def _kamerstuk(root: etree._Element, path: str) -> Iterator[Finding]:
    """What the printed Kamerstuk shape shows, and so must have."""
    parl = root.find("parliamentary")
    if parl is None:
        yield Finding(
            path,
            root.sourceline,
            ERROR,
            'a Kamerstuk needs <parliamentary dossier="…" number="…"> (it prints them)',
        )
    else:
        if not parl.get("number"):
            yield Finding(path, parl.sourceline, ERROR, "a Kamerstuk needs its number (@number)")
        for tag in ("dossier-title", "document-title"):
            if parl.find(tag) is None:
                yield Finding(path, parl.sourceline, WARNING, f"a Kamerstuk prints its <{tag}>")
    if root.find("place") is None:
        date = root.find("date")
        yield Finding(
            path,
            date.sourceline if date is not None else None,
            WARNING,
            "a Kamerstuk prints '<place>, <date>' (Den Haag, …): <place> is missing",
        )
    salutation = root.find("body/salutation")
    if salutation is not None:
        yield Finding(path, salutation.sourceline, WARNING, "a Kamerstuk has no salutation")


def _languages(root: etree._Element, path: str) -> Iterator[Finding]:
    """Every language tag must name a language (the PDF's /Lang, the web page's lang,
    the MDTO record's taal): "en-GB", not "english" or "x-klingon"."""
    for el in root.iter():
        tag = el.get(XML_LANG) if isinstance(el.tag, str) else None
        if tag is not None and not is_language_code(tag):
            yield Finding(
                path,
                el.sourceline,
                ERROR,
                f"xml:lang={tag!r} is not a language code (ISO 639, e.g. nl, en, en-GB)",
            )


def _alt_texts(root: etree._Element, path: str) -> Iterator[Finding]:
    """An image's alternative text says what it shows (PDF, web edition), not its file."""
    for el in root.iter("figure", "signature"):
        alt, src = " ".join((el.get("alt") or "").split()), el.get("src") or ""
        name = PurePosixPath(src)
        if alt.lower() in {src.lower(), name.name.lower(), name.stem.lower()}:
            yield Finding(
                path,
                el.sourceline,
                ERROR,
                f"the alt text of <{el.tag}> names its file ({alt!r}): say what the image shows",
            )


def _mdto(root: etree._Element, path: str, settings: MdtoSettings) -> Iterator[Finding]:
    """What the MDTO record needs: an identifier, and values an archivist chose."""
    from briefpers.mdto.settings import APPRAISALS, DEFAULT_APPRAISAL, DEFAULT_RESTRICTION

    parl = root.find("parliamentary")
    if root.findtext("references/ours") is None and (parl is None or not parl.get("number")):
        yield Finding(
            path,
            root.sourceline,
            ERROR,
            "the MDTO record needs an identifier: <references><ours> or a Kamerstuk number",
        )
    own = root.find("archive")
    values = own.attrib if own is not None else {}
    line = own.sourceline if own is not None else root.sourceline
    appraisal = values.get("appraisal", settings.appraisal)
    if appraisal == "V" and values.get("retention", settings.retention) is None:
        yield Finding(
            path,
            line,
            ERROR,
            'MDTO appraisal V needs a retention period: <archive retention="P10Y">',
        )
    if appraisal == DEFAULT_APPRAISAL:
        yield Finding(
            path,
            line,
            WARNING,
            f"MDTO appraisal is the default {DEFAULT_APPRAISAL} ({APPRAISALS[DEFAULT_APPRAISAL]}): "
            'an archivist must confirm it (<archive appraisal="B|V"> or the settings)',
        )
    if values.get("restriction", settings.restriction) == DEFAULT_RESTRICTION:
        yield Finding(
            path,
            line,
            WARNING,
            f"MDTO use restriction is the default {DEFAULT_RESTRICTION!r}: an archivist must "
            'confirm it (<archive restriction="…"> or the settings)',
        )


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
    paths: Sequence[Path],
    *,
    strict: bool = False,
    today: dt.date | None = None,
    limits: Limits | None = None,
    mdto: MdtoSettings | None = None,
) -> Result:
    """Lint files; exit code 0 (clean, or only warnings without strict), 8, or 3."""
    findings = [f for path in paths for f in lint_file(path, today=today, limits=limits, mdto=mdto)]
    if strict:
        findings = [f.strict() for f in findings]
    if any(f.fatal for f in findings):
        code = ExitCode.INVALID_SOURCE
    elif any(f.severity == ERROR for f in findings):
        code = ExitCode.LINT
    else:
        code = ExitCode.OK
    return Result(findings, code)


def gate(
    paths: Iterable[Path], report, limits: Limits | None = None, mdto: MdtoSettings | None = None
) -> None:
    """`build --strict`: lint first; any finding stops the build (nothing is built).

    `report` receives each finding as a line (the CLI prints it to stderr);
    `mdto`: the build writes MDTO records with these settings.
    """
    paths = list(paths)
    result = lint_paths(paths, strict=True, limits=limits, mdto=mdto)
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
