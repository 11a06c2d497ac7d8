"""The office settings file: how an office builds its letters, agreed once, in TOML.

`briefpers.toml` in the working folder, or the file given with `--config`,
holds the defaults an office shares; flags on the command line override them:

    theme = "huisstijl"         # a theme name, or a folder (relative to this file)
    profile = "pdfa-3a-ua1"     # pdfa-3a-ua1, pdfa-2a-ua1 or pdfa-4f-ua2
    output = "archief"          # the output folder (relative to this file)
    jobs = 2                    # worker processes
    strict = true               # lint first; any finding stops the build
    validate = true             # veraPDF over the new PDFs
    verapdf = "/opt/verapdf/greenfield-apps-1.28.2.jar"

    [sign]                      # sections read by other parts of briefpers,
    [mdto]                      # each with its own keys (see SECTIONS)

A key briefpers does not know, a value of the wrong type or a file that does
not exist is a ConfigError (exit 2) naming the file and the line, before any
letter is read. The file is read once, by `briefpers.settings.Settings`.

A part of briefpers that reads a section of its own registers a parser in
SECTIONS: "module:attribute", imported only when a file has that section.
The parser receives the section as a dict (and `base=`, the file's folder for
relative paths, when it takes that keyword) and returns that part's options,
a picklable value (it travels to worker processes with the Settings). It
refuses what it cannot use by raising SettingError (naming the key: the
message then points at its line), ConfigError, ValueError or TypeError;
`check_keys` does the usual unknown-key check with a suggestion.
"""

from __future__ import annotations

import difflib
import importlib
import inspect
import re
import tomllib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from briefpers.errors import ConfigError
from briefpers.profiles import PROFILES

FILE_NAME = "briefpers.toml"

# Sections other parts of briefpers read: name → "module:attribute" of a parser
# (see the module docstring). Imported lazily: a file without the section
# never loads the module (nor, say, the signing library behind it).
SECTIONS: dict[str, str | Callable[..., Any]] = {
    "sign": "briefpers.sign.options:SignOptions.from_office",
    "mdto": "briefpers.mdto.settings:MdtoSettings.from_office",
}

# The build defaults this module reads itself: key → what it must be.
KEYS = {
    "theme": "a theme name or folder",
    "profile": "one of " + ", ".join(PROFILES),
    "output": "a folder",
    "jobs": "a whole number from 1",
    "strict": "true or false",
    "validate": "true or false",
    "verapdf": "the path of a veraPDF greenfield-apps jar",
}


class SettingError(ValueError):
    """A section parser's complaint about one key; the loader adds file and line."""

    def __init__(self, message: str, key: str | None = None) -> None:
        super().__init__(message)
        self.key = key


@dataclass(frozen=True)
class OfficeSettings:
    """The parsed settings file (all None when there is none)."""

    path: Path | None = None
    theme: str | None = None
    profile: str | None = None
    output: Path | None = None
    jobs: int | None = None
    strict: bool | None = None
    validate: bool | None = None
    verapdf: Path | None = None
    # Section name → the value its registered parser returned.
    sections: Mapping[str, Any] = field(default_factory=dict, hash=False, compare=False)

    def section(self, name: str) -> Any:
        """The parsed `[name]` section, or None when the file has none."""
        return self.sections.get(name)


def find(folder: Path, given: Path | None = None) -> Path | None:
    """The settings file in effect: `given` (--config), else briefpers.toml in `folder`."""
    if given is not None:
        if not given.is_file():
            what = "no such file" if not given.exists() else "not a file"
            raise ConfigError(f"--config: {what}", path=given)
        return given
    found = folder / FILE_NAME
    return found if found.is_file() else None


def load(path: Path | None) -> OfficeSettings:
    """Read and check a settings file (None: no file, all defaults)."""
    if path is None:
        return OfficeSettings()
    try:
        text = path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        why = exc.strerror if isinstance(exc, OSError) else "not UTF-8"
        raise ConfigError(f"cannot read the settings: {why}", path=path) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line, column = _toml_position(str(exc), text)
        message = re.sub(r"\s*\(at (line \d+, column \d+|end of document)\)", "", str(exc))
        raise ConfigError(
            f"not valid TOML: {message}", path=path, line=line, column=column
        ) from None
    lines = _Lines(text)
    base = path.parent.resolve()
    values: dict[str, Any] = {}
    sections: dict[str, Any] = {}
    for key, value in data.items():
        if key in KEYS:
            values[key] = _value(key, value, base, path, lines)
        elif key in SECTIONS and isinstance(value, dict):
            sections[key] = _section(key, value, base, path, lines)
        else:
            raise ConfigError(_unknown(key, isinstance(value, dict)), path=path, **lines.of(key))
    return OfficeSettings(path=path, sections=sections, **values)


def check_keys(
    table: Mapping[str, Any],
    allowed: Iterable[str],
    section: str,
    origin: Path | str | None = None,
) -> None:
    """SettingError for the first key of `table` not in `allowed`, with a
    suggestion; a ConfigError naming `origin` instead when it is given (for a
    table read outside this loader)."""
    allowed = sorted(allowed)
    for key in table:
        if key not in allowed:
            message = (
                f"unknown key {key!r} in [{section}]{_did_you_mean(key, allowed)} "
                f"(keys: {', '.join(allowed)})"
            )
            if origin is not None:
                raise ConfigError(message, path=origin)
            raise SettingError(message, key=key)


def _value(key: str, value: Any, base: Path, path: Path, lines: _Lines) -> Any:
    """One build default, checked; paths made absolute (relative to the file)."""

    def wrong(why: str = "") -> ConfigError:
        shown = repr(value) if not isinstance(value, dict | list) else type(value).__name__
        return ConfigError(
            f"{key} must be {KEYS[key]}, found {shown}{why}", path=path, **lines.of(key)
        )

    if key in ("strict", "validate"):
        if not isinstance(value, bool):
            raise wrong()
        return value
    if key == "jobs":
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise wrong()
        return value
    if not isinstance(value, str) or not value.strip():
        raise wrong()
    if key == "profile":
        if value not in PROFILES:
            raise wrong(_did_you_mean(value, PROFILES))
        return value
    if key == "theme":
        from briefpers.themes import is_path

        # A name is looked up on the theme path; a folder is the operator's own.
        return str(base / Path(value).expanduser()) if is_path(value) else value
    resolved = base / Path(value).expanduser()
    if key == "verapdf" and not resolved.is_file():
        raise wrong(": no such file")
    return resolved


def _section(name: str, table: dict[str, Any], base: Path, path: Path, lines: _Lines) -> Any:
    """Hand `[name]` to its registered parser; its complaint gets file and line."""
    parser = _parser(SECTIONS[name])
    try:
        if "base" in inspect.signature(parser).parameters:
            return parser(table, base=base)
        return parser(table)
    except (SettingError, ConfigError, ValueError, TypeError) as exc:
        message = getattr(exc, "message", None) or str(exc) or type(exc).__name__
        key = getattr(exc, "key", None) or _named_key(message, table)
        where = lines.of(name, key) if key else lines.of(name)
        if f"[{name}]" not in message:
            message = f"[{name}] {message}"
        raise ConfigError(" ".join(message.split()), path=path, **where) from None


def _parser(target: str | Callable[..., Any]) -> Callable[..., Any]:
    if callable(target):
        return target
    module, _, attribute = target.partition(":")
    found: Any = importlib.import_module(module)
    for part in attribute.split("."):
        found = getattr(found, part)
    return found


def _named_key(message: str, table: Mapping[str, Any]) -> str | None:
    """The key a parser's message names — quoted, or as its first word
    ("[sign] level must be …") — if it is one of the section's."""
    for quoted in re.findall(r"""['"`]([^'"`]+)['"`]""", message):
        if quoted in table:
            return quoted
    first = re.match(r"(?:\[[^\]]+\]\s*)?([\w-]+)", message)
    if first and first.group(1) in table:
        return first.group(1)
    return None


def _unknown(key: str, table: bool) -> str:
    known = [*KEYS, *SECTIONS]
    what = f"section [{key}]" if table else f"setting {key!r}"
    sections = ", ".join(f"[{s}]" for s in sorted(SECTIONS))
    return f"unknown {what}{_did_you_mean(key, known)}; settings: {', '.join(KEYS)}" + (
        f"; sections: {sections}" if sections else ""
    )


def _did_you_mean(word: str, choices: Iterable[str]) -> str:
    near = difflib.get_close_matches(word, list(choices), n=1)
    return f" (did you mean {near[0]!r}?)" if near else ""


def _toml_position(message: str, text: str) -> tuple[int | None, int | None]:
    found = re.search(r"at line (\d+), column (\d+)", message)
    if found:
        return int(found.group(1)), int(found.group(2))
    if "end of document" in message:
        lines = text.splitlines() or [""]
        return len(lines), len(lines[-1]) + 1
    return None, None


# A table header, `[a.b]` or `[[a]]`; a key at the start of a line (`a.b = …`).
HEADER = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(?:#.*)?$")
_PART = r"""(?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*')"""
KEY = re.compile(rf"^\s*({_PART}(?:\s*\.\s*{_PART})*)\s*=")


class _Lines:
    """Where keys and tables stand in a TOML text (tomllib keeps no positions).

    Good enough for pointing at a line: headers and `key =` lines, outside
    multi-line strings; a key not found points at its table's header.
    """

    def __init__(self, text: str) -> None:
        self.places: dict[tuple[str, ...], tuple[int, int]] = {}
        table: tuple[str, ...] = ()
        in_string: str | None = None
        for number, line in enumerate(text.splitlines(), 1):
            if in_string is not None:
                if line.count(in_string) % 2:
                    in_string = None
                continue
            header = HEADER.match(line)
            if header:
                table = _split(header.group(1))
                self.places.setdefault(table, (number, line.index("[") + 1))
                continue
            key = KEY.match(line)
            if key:
                name = _split(key.group(1))
                self.places.setdefault((*table, *name), (number, key.start(1) + 1))
                self.places.setdefault((*table, name[0]), (number, key.start(1) + 1))
            for quote in ('"""', "'''"):
                if line.count(quote) % 2:
                    in_string = quote
                    break

    def of(self, *keys: str) -> dict[str, int | None]:
        """`line=` and `column=` of the key (or of the nearest table that holds it)."""
        for end in range(len(keys), 0, -1):
            found = self.places.get(tuple(keys[:end]))
            if found:
                return {"line": found[0], "column": found[1]}
        return {"line": None, "column": None}


def _split(dotted: str) -> tuple[str, ...]:
    parts = re.findall(r"""[A-Za-z0-9_-]+|"[^"]*"|'[^']*'""", dotted)
    return tuple(p.strip("\"'") for p in parts)
