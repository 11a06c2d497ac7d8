"""Schema errors in the letter format's own words, with a hint where one exists.

libxml2 reports what its validator saw (`Element 'datum': This element is
not expected. Expected is one of ( place, date )`, `[facet 'pattern'] The
value … is not accepted by the pattern '.*\\S.*'`, `'xs:date'`); a clerk
needs what to write instead: `<datum> is not an element of the letter
format (did you mean <date>?)`, `<line> must not be empty`, `<date> must be
a date like 2022-01-14 …`. The vocabulary (elements, their attributes and
children) is read from the shipped schema, so a message never names an
element the format does not have.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

from lxml import etree

XS = "{http://www.w3.org/2001/XMLSchema}"
XML_NS = "{http://www.w3.org/XML/1998/namespace}"
# Content-model elements whose children are walked for attributes and elements.
MODEL_TAGS = frozenset(
    f"{XS}{tag}" for tag in ("sequence", "choice", "all", "complexContent", "extension")
)

# libxml2's schema messages start with the element (and attribute) concerned.
SUBJECT = re.compile(r"^Element '([^']+)'(?:, attribute '([^']+)')?: (.*)$")
VALUE = re.compile(r"(?:The value |^)'([^']*)'")
EXPECTED = re.compile(r"Expected is (?:one of )?\( ([^)]*) \)")
DATE = "a date like 2022-01-14 (year 1000 to 9999, no time zone)"
# What a value must look like, by schema type (named, or the atomic base).
TYPE_WORDS = {
    "letterDate": DATE,
    "xs:date": DATE,
    "xs:positiveInteger": "a whole number from 1 (like 2)",
    "xs:nonNegativeInteger": "a whole number from 0 (like 2)",
    "xs:language": "a language tag like nl, en or nl-BE",
    "xs:IDREF": "the id of a note: a letter, then letters, digits, '-', '_' or '.' (like n1)",
    "xs:ID": "an id: a letter, then letters, digits, '-', '_' or '.' (like n1)",
    "xs:anyURI": "a link like https://www.example.nl",
}
# What a pattern-restricted value must be, by attribute (or element) name.
PATTERN_WORDS = {
    "href": "a link that starts with https://, http:// or mailto:",
    "src": "a file in the letter's folder, like img/signature.png (no '/' at the start, no ':')",
    "date": DATE,
}
# What a required attribute is for, shown when it is missing.
ATTRIBUTE_HINTS = {
    "version": 'version="1"',
    "xml:lang": 'the letter\'s language, like xml:lang="nl"',
    "alt": "a text that says what the image shows",
    "src": "the image file, in the letter's folder",
    "ref": "the id of the note it calls again",
    "of": 'what is reissued, like of="Kamerstuk 12 345, nr. 67"',
    "date": 'the day, like date="2026-12-01"',
    "dossier": 'the dossier number, like dossier="28676"',
    "identifier": "the original letter's identifier",
    "href": 'the link target, like href="https://www.example.nl"',
}


@dataclass(frozen=True)
class Vocabulary:
    """What the schema allows: elements, and per element its attributes and children."""

    elements: frozenset[str]
    attributes: dict[str, frozenset[str]] = field(default_factory=dict)
    children: dict[str, frozenset[str]] = field(default_factory=dict)


def explain(message: str, candidates: list[etree._Element] | None = None) -> str | None:
    """`message` (libxml2's, one line, namespaces shortened) in our words, or None.

    `candidates`: the elements with the message's tag on its line (for the
    parent: the one that may not stand where it stands, if any).
    """
    found = SUBJECT.match(message)
    if found is None:
        return None
    name, attribute, rest = found.groups()
    words = vocabulary()
    if name.startswith("{"):
        namespace, local = name[1:].split("}", 1)
        return (
            f"<{local}> in the namespace {namespace} is not part of the letter format "
            "(a letter source uses no namespaces)"
        )
    if "No matching global declaration" in rest:
        return (
            f"<{name}> is not a letter: a letter source starts with "
            '<letter version="1" xml:lang="…">'
        )
    if "is required but missing" in rest:
        missing = re.search(r"The attribute '([^']+)'", rest)
        missing_name = missing.group(1) if missing else attribute or "?"
        hint = ATTRIBUTE_HINTS.get(missing_name)
        return f"<{name}> needs the attribute {missing_name}" + (f": {hint}" if hint else "")
    if attribute is not None:
        return _attribute(name, attribute, rest, words)
    return _element(name, rest, _parent(name, candidates or [], words), words)


def _parent(name: str, candidates: list[etree._Element], words: Vocabulary) -> str | None:
    """The parent's tag: of a candidate that may not stand in its parent, else the first."""
    parents = [el.getparent() for el in candidates]
    tags = [p.tag for p in parents if p is not None and isinstance(p.tag, str)]
    misplaced = [t for t in tags if name not in words.children.get(t, ())]
    return (misplaced or tags or [None])[0]


def _element(name: str, rest: str, parent: str | None, words: Vocabulary) -> str | None:
    expected = _expected(rest)
    if "This element is not expected" in rest:
        if name not in words.elements:
            near = _near(name, expected) or _near(name, words.elements)
            hint = f" (did you mean <{near}>?)" if near else ""
            return f"<{name}> is not an element of the letter format{hint}"
        if parent is not None and name not in words.children.get(parent, ()):
            homes = sorted(p for p, kids in words.children.items() if name in kids)
            return f"<{name}> cannot stand in <{parent}>; it belongs in {_or(_tags(homes))}"
        inside = f" in <{parent}>" if parent else ""
        if not expected:
            return f"<{name}> is one too many, or out of order,{inside}"
        if len(expected) == 1:
            return (
                f"<{name}> is out of order{inside}: expected <{expected[0]}> here "
                "(missing, or misplaced?)"
            )
        return f"<{name}> is out of order{inside}: expected one of {', '.join(_tags(expected))}"
    if rest.startswith("Missing child element"):
        if len(expected) == 1:
            return f"<{name}> is missing <{expected[0]}>"
        return f"<{name}> is missing one of {', '.join(_tags(expected))}"
    if "Character content other than whitespace is not allowed" in rest:
        children = sorted(words.children.get(name, ()))
        into = next((c for c in ("p", "line") if c in children), None)
        where = f"a <{into}>" if into else f"one of its elements ({', '.join(_tags(children))})"
        return f"<{name}> cannot hold text directly: put the text in {where}"
    if "Element content is not allowed" in rest:
        return f"<{name}> holds text only, no elements"
    return _value(f"<{name}>", name, rest)


def _attribute(name: str, attribute: str, rest: str, words: Vocabulary) -> str | None:
    allowed = sorted(words.attributes.get(name, ()))
    if "is not allowed" in rest:
        near = _near(attribute, allowed)
        hint = f" (did you mean {near}?)" if near else ""
        may = f"; it may have {', '.join(allowed)}" if allowed else "; it has none"
        return f"<{name}> has no attribute {attribute}{hint}{may}"
    if name == "letter" and attribute == "theme":
        value = VALUE.search(rest)
        shown = repr(value.group(1)) if value else "something else"
        return (
            "theme must be the name of a theme (letters, digits, '_', '.', '-'), "
            f"not a path; found {shown}"
        )
    if "fixed value constraint" in rest:
        fixed = re.search(r"constraint '([^']*)'", rest)
        value = VALUE.search(rest)
        return (
            f'{attribute}="…" on <{name}> must be {fixed.group(1) if fixed else "fixed"}'
            f" (the letter format's version), found {value.group(1)!r}"
            if value
            else None
        )
    return _value(f'{attribute}="…" on <{name}>', attribute, rest)


def _value(what: str, name: str, rest: str) -> str | None:
    """A value of the wrong form: what it must be, and what was found."""
    value = VALUE.search(rest)
    shown = repr(value.group(1)) if value else "something else"
    if "[facet 'enumeration']" in rest:
        options = re.findall(r"'([^']*)'", rest.split("set", 1)[-1])
        near = _near(value.group(1), options) if value else None
        hint = f" (did you mean {near!r}?)" if near else ""
        return f"{what} must be {_or(options)}, found {shown}{hint}"
    if "[facet 'minLength']" in rest or ("[facet 'pattern']" in rest and r"'.*\S.*'" in rest):
        return f"{what} must not be empty"
    if "[facet 'pattern']" in rest or "[facet 'minInclusive']" in rest:
        words = PATTERN_WORDS.get(name)
        return f"{what} must be {words}, found {shown}" if words else None
    atomic = re.search(r"atomic type '([^']+)'", rest)
    if atomic:
        words = TYPE_WORDS.get(atomic.group(1))
        return f"{what} must be {words}, found {shown}" if words else None
    return None


def _expected(rest: str) -> list[str]:
    found = EXPECTED.search(rest)
    if found is None:
        return []
    return [n.strip().replace(XML_NS, "xml:") for n in found.group(1).split(",") if n.strip()]


def _near(word: str, choices) -> str | None:
    near = difflib.get_close_matches(word, sorted(choices), n=1, cutoff=0.6)
    return near[0] if near else None


def _tags(names) -> list[str]:
    return [f"<{n}>" for n in names]


def _or(options: list[str]) -> str:
    return ", ".join(options[:-1]) + f" or {options[-1]}" if len(options) > 1 else options[0]


@lru_cache(maxsize=1)
def vocabulary() -> Vocabulary:
    """Read the element names, attributes and children from the shipped schema."""
    folder = resources.files("briefpers.source") / "schema"
    with resources.as_file(folder) as path:
        root = etree.parse(str(Path(path) / "letter.xsd")).getroot()
    types = {t.get("name"): t for t in root.iter(f"{XS}complexType") if t.get("name")}
    groups = {g.get("name"): g for g in root.iter(f"{XS}group") if g.get("name")}
    attributes: dict[str, set[str]] = {}
    children: dict[str, set[str]] = {}
    for element in root.iter(f"{XS}element"):
        name = element.get("name")
        if not name:
            continue
        model = element.find(f"{XS}complexType")
        if model is None and element.get("type") in types:
            model = types[element.get("type")]
        attrs: set[str] = set()
        kids: set[str] = set()
        if model is not None:
            _walk(model, types, groups, attrs, kids)
        attributes.setdefault(name, set()).update(attrs)
        children.setdefault(name, set()).update(kids)
    return Vocabulary(
        elements=frozenset(attributes),
        attributes={k: frozenset(v) for k, v in attributes.items()},
        children={k: frozenset(v) for k, v in children.items()},
    )


def _walk(node, types, groups, attrs: set[str], kids: set[str]) -> None:
    """Collect a content model's attributes and child elements (not their own)."""
    for child in node:
        tag = child.tag
        if tag == f"{XS}attribute":
            attrs.add(child.get("name") or child.get("ref"))
        elif tag == f"{XS}element":
            kids.add(child.get("name") or child.get("ref"))
        elif tag == f"{XS}group" and child.get("ref") in groups:
            _walk(groups[child.get("ref")], types, groups, attrs, kids)
        elif tag == f"{XS}extension" and child.get("base") in types:
            _walk(types[child.get("base")], types, groups, attrs, kids)
            _walk(child, types, groups, attrs, kids)
        elif tag in MODEL_TAGS:
            _walk(child, types, groups, attrs, kids)


# libxml2's well-formedness messages, and what to do about each.
SYNTAX = (
    (
        re.compile(r"Opening and ending tag mismatch: (\S+) line (\d+) and (\S+)"),
        "<{0}> (opened on line {1}) is closed by </{2}>: the tags must match",
    ),
    (
        re.compile(r"Premature end of data in tag (\S+) line (\d+)"),
        "the file ends before <{0}> (opened on line {1}) is closed",
    ),
    (
        re.compile(r"xmlParseEntityRef: no name|EntityRef: expecting ';'"),
        "a bare '&': write &amp; for an ampersand",
    ),
    (
        re.compile(r"StartTag: invalid element name"),
        "a bare '<': write &lt; for a less-than sign",
    ),
    (
        re.compile(r"AttValue: \" or ' expected"),
        'an attribute value must stand in quotes, like version="1"',
    ),
    (re.compile(r"Attribute (\S+) redefined"), "the attribute {0} is given twice"),
    (
        re.compile(r"Entity '(\w+)' not defined"),
        "&{0}; is not an XML entity: write the character itself, or a number like &#160;",
    ),
    (re.compile(r"Document is empty"), "the file is empty"),
    (
        re.compile(r"Start tag expected, '<' not found"),
        "this is not XML: a letter source starts with <?xml …?> or <letter",
    ),
    (
        re.compile(r"Extra content at the end of the document"),
        "something follows the closing tag of the root element: a letter has one root",
    ),
)


def explain_syntax(message: str) -> str:
    """A well-formedness error (libxml2's text, one line) in words a clerk can act on."""
    for pattern, words in SYNTAX:
        found = pattern.search(message)
        if found:
            return words.format(*found.groups())
    return message
