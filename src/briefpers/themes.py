"""Themes are data: a folder with theme.toml, a stylesheet, assets, templates.

Built-in themes live in `styles/<name>/`; the shared base templates in
`templates/`. More theme folders can be put on `BRIEFPERS_THEME_PATH` or on
`theme_path` in the user configuration (see `briefpers.userconfig`), which
also supplies licensed assets: the user's `[themes.<name>]` table is laid
over the theme's own theme.toml. Code never asks which theme it renders.

Trust: themes and the user configuration are the operator's; a letter is
not. A letter names a theme only by name, found on the operator's theme
path; only the operator (`--theme`) may name a folder. Every file a theme
folder's theme.toml names must lie inside that folder; files outside it
(licensed logos and fonts) come only from the user configuration.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field, fields
from functools import lru_cache
from pathlib import Path
from typing import Any

from briefpers import language
from briefpers.errors import ConfigError, ThemeError
from briefpers.settings import Settings
from briefpers.source.model import KAMERSTUK, LETTER, Letter, Sender
from briefpers.userconfig import UserConfig

DEFAULT_THEME = "rijk"
# The layout a letter kind gets when neither the letter nor the operator names one.
KIND_THEMES = {LETTER: DEFAULT_THEME, KAMERSTUK: "kamerstuk"}
# What a letter may write in theme="…": a plain name (the schema says the same).
THEME_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
THEME_KEYS = frozenset(
    {
        "name",
        "description",
        "stylesheet",
        "default_lang",
        "dates",
        "logo",
        "fonts",
        "sender",
        "labels",
    }
)
# Face name → (font-weight, font-style) of its @font-face rule.
FACES = {
    "regular": ("normal", "normal"),
    "bold": ("bold", "normal"),
    "italic": ("normal", "italic"),
    "bold-italic": ("bold", "italic"),
}
# Sender fields a theme may default; the organisation always comes from the letter.
SENDER_DEFAULTS = frozenset(f.name for f in fields(Sender)) - {"organisation"}
SENDER_LINES = frozenset({"visiting_address", "postal_address"})  # tuples of lines
FAMILY = re.compile(r"^[A-Za-z0-9 _-]+$")


def data_root() -> Path:
    """The folder holding `styles/` and `templates/`.

    In a wheel they are packaged as `briefpers/_data`; in a source checkout
    (editable install) they sit at the repository root.
    """
    packaged = Path(__file__).resolve().parent / "_data"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class FontFace:
    """One @font-face rule: a CSS family name, its weight and style, a file."""

    family: str
    weight: str
    style: str
    path: Path


@dataclass(frozen=True)
class Wording:
    """The words a theme prints around a letter, in the languages chosen for it."""

    lang: str  # the language of the date and its label ("de-CH")
    labels: dict[str, str]
    label_langs: dict[str, str]  # label → the language it is given in
    date_pattern: str | None  # CLDR pattern; None: the language's long date


@dataclass(frozen=True)
class Theme:
    name: str
    root: Path
    stylesheet: Path
    logo: Path | None
    logo_alt: str
    labels: dict[str, dict[str, str]] = field(hash=False, compare=False)
    fonts: tuple[FontFace, ...] = ()
    sender: dict[str, str | tuple[str, ...]] = field(
        default_factory=dict, hash=False, compare=False
    )
    default_lang: str = "nl"
    config: Path | None = None  # the user configuration laid over theme.toml
    # Date patterns by language ("nl" = "d MMMM y"); without one, CLDR's long date.
    dates: dict[str, str] = field(default_factory=dict, hash=False, compare=False)

    @property
    def template_dirs(self) -> list[Path]:
        """Theme overrides first, then the shared base templates."""
        dirs = [self.root / "templates"] if (self.root / "templates").is_dir() else []
        return [*dirs, base_templates()]

    @property
    def asset_files(self) -> list[Path]:
        """Single files outside the theme folder that it uses (fonts, a licensed logo)."""
        files = {face.path for face in self.fonts}
        if self.logo is not None:
            files.add(self.logo)
        return sorted(f for f in files if not f.is_relative_to(self.root))

    @property
    def asset_roots(self) -> list[Path]:
        """What the typesetter may read: the theme folder, the shared fonts and
        exactly the configured files (a file is a root that admits only itself)."""
        return [self.root, shared_fonts(), *self.asset_files]

    def languages_for(self, lang: str) -> list[str]:
        """The languages to speak, best first: the letter's as written, its
        primary language, then the theme's default language (likewise).
        Languages CLDR does not know are left out, so an unknown one ("tlh")
        is spoken for by the default language."""
        tags = (
            lang,
            language.primary(lang),
            self.default_lang,
            language.primary(self.default_lang),
        )
        found: dict[str, str] = {}
        for tag in tags:
            if tag and language.known(tag):
                found.setdefault(tag.lower(), tag)
        return list(found.values())

    def _label_tables(self, lang: str) -> list[tuple[str, dict[str, str]]]:
        """(language, label table) for each language to speak that has a table."""
        tables = {key.lower(): table for key, table in self.labels.items()}
        return [
            (tag, tables[tag.lower()]) for tag in self.languages_for(lang) if tag.lower() in tables
        ]

    def label_languages(self, lang: str) -> dict[str, str]:
        """For each label, the language it is given in: the first language of
        `languages_for` that defines it (a partial table falls back key by key)."""
        chosen: dict[str, str] = {}
        for tag, table in reversed(self._label_tables(lang)):
            chosen.update(dict.fromkeys(table, tag))
        if not chosen:
            raise ThemeError(
                f"theme {self.name!r} defines no labels in {self.default_lang!r}",
                path=self.root / "theme.toml",
            )
        return chosen

    def labels_for(self, lang: str) -> dict[str, str]:
        """Each label in the first language of `languages_for` that defines it."""
        tables = {key.lower(): table for key, table in self.labels.items()}
        return {key: tables[tag.lower()][key] for key, tag in self.label_languages(lang).items()}

    def date_style(self, lang: str, label: str = "date") -> tuple[str, str | None]:
        """The language and pattern of a date printed with `label`.

        A date speaks the language of its label, so a month name never stands
        beside a label in another language; where the letter's own tag is a
        variant of that language ("de-CH" for "de"), the variant's. The
        pattern is the theme's for that language, else None (CLDR's long date).
        """
        date_lang = self.label_languages(lang).get(label) or self.languages_for(lang)[0]
        if language.primary(lang) == language.primary(date_lang) and language.known(lang):
            date_lang = lang
        patterns = {key.lower(): value for key, value in self.dates.items()}
        pattern = patterns.get(date_lang.lower()) or patterns.get(language.primary(date_lang))
        return date_lang, pattern

    def wording(self, lang: str) -> Wording:
        """Labels, their languages, and the language and pattern of the printed date."""
        date_lang, pattern = self.date_style(lang)
        return Wording(date_lang, self.labels_for(lang), self.label_languages(lang), pattern)


def shared_fonts() -> Path:
    """The free fonts briefpers bundles, which every theme may use."""
    return data_root() / "styles" / "fonts"


def base_templates() -> Path:
    return data_root() / "templates"


def search_path(settings: Settings) -> list[Path]:
    """The operator's theme folders, then the built-in themes."""
    return [*settings.theme_path, data_root() / "styles"]


def builtin_themes() -> list[str]:
    """Names of the themes shipped with briefpers."""
    styles = data_root() / "styles"
    return sorted(p.parent.name for p in styles.glob("*/theme.toml"))


def is_path(request: str) -> bool:
    """Whether a theme request names a folder rather than a theme."""
    return os.sep in request or "/" in request or request in (".", "..")


def theme_for(letter: Letter) -> str:
    """The theme a letter asks for: its own by name, else its kind's layout."""
    return letter.theme or KIND_THEMES.get(letter.kind, DEFAULT_THEME)


def load_theme(
    name: str | None = None, settings: Settings | None = None, *, operator: bool = True
) -> Theme:
    """Find a theme by name, read its theme.toml and lay the user's configuration over it.

    `operator`: the request comes from whoever runs briefpers (`--theme`), who
    may also name a theme folder. A letter's request (`operator=False`) must
    be a plain name, looked up on the operator's theme path only.
    """
    settings = settings or Settings()
    name = name or DEFAULT_THEME
    if not operator and not THEME_NAME.match(name):
        raise ThemeError(f"theme {name[:80]!r}: a letter may name a theme only by its name")
    return _load_theme(name, settings.user_config, tuple(search_path(settings)))


def operator_themes(settings: Settings, requested: str | None) -> list[Theme]:
    """Load the requested theme and every theme the user configuration sets up,
    so that a wrong setting stops a run before any letter is built."""
    names = [requested or DEFAULT_THEME]
    folders = search_path(settings)
    names += [n for n in settings.user_config.themes if any(_theme_dir(d / n) for d in folders)]
    return [load_theme(n, settings) for n in dict.fromkeys(names)]


def forget() -> None:
    """Drop the cached themes (a long-lived worker must see edited theme folders)."""
    _load_theme.cache_clear()


def _theme_dir(folder: Path) -> bool:
    return (folder / "theme.toml").is_file()


@dataclass(frozen=True)
class _Layer:
    """One source of theme settings; paths in it are relative to `base`."""

    table: dict[str, Any] = field(hash=False)
    base: Path
    origin: Path  # the file, named in error messages
    where: str  # "" for theme.toml, "[themes.x] " for the user configuration

    def error(self, message: str) -> ThemeError | ConfigError:
        if self.where:  # the user configuration: a setting, the operator's to fix
            return ConfigError(f"{self.where}{message}", path=self.origin)
        return ThemeError(message, path=self.origin)

    def asset(self, value: object, key: str) -> Path:
        if not isinstance(value, str) or not value:
            raise self.error(f"{key} must be a file path")
        if self.where:  # the user configuration may name any file (licensed assets)
            path = (self.base / Path(value).expanduser()).resolve()
            if not path.is_file():
                raise ThemeError(f"{self.where}{key}: {path} does not exist", path=self.origin)
            return path
        # A theme folder is data that may be copied anywhere: its files lie
        # inside it, or are fonts that briefpers bundles (`dejavu/DejaVuSans.ttf`).
        # A file elsewhere is a licensed asset, which only the user configuration names.
        for root in (self.base, shared_fonts()):
            path = (root / value).resolve()
            if path.is_relative_to(root) and path.is_file():
                return path
        path = (self.base / value).resolve()
        if not path.is_relative_to(self.base):
            raise self.error(
                f"{key}: {value!r} is outside the theme folder "
                f"(name files outside it in the user configuration)"
            )
        raise self.error(f"{key}: {value!r} does not exist in the theme folder")


def _inside(root: Path, relative: object, key: str, origin: Path) -> Path:
    """A path named by theme.toml, resolved (symlinks too) inside the theme folder."""
    if not isinstance(relative, str) or not relative:
        raise ThemeError(f"{key} must be a file name", path=origin)
    path = (root / relative).resolve()
    if not path.is_relative_to(root):
        raise ThemeError(f"{key}: {relative!r} is outside the theme folder", path=origin)
    return path


@lru_cache(maxsize=32)
def _load_theme(name: str, config: UserConfig, folders: tuple[Path, ...]) -> Theme:
    candidates = [Path(name)] if is_path(name) else [d / name for d in folders]
    root = next((c for c in candidates if _theme_dir(c)), None)
    if root is None:
        raise ThemeError(_not_found(name, candidates, folders))
    root = root.resolve()
    toml_path = root / "theme.toml"
    try:
        table = tomllib.loads(toml_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ThemeError(f"cannot read theme.toml: {exc}", path=toml_path) from None
    except tomllib.TOMLDecodeError as exc:
        raise ThemeError(f"theme.toml is not valid TOML: {exc}", path=toml_path) from None
    unknown = sorted(set(table) - THEME_KEYS)
    if unknown:
        raise ThemeError(f"unknown key {unknown[0]!r} in theme.toml", path=toml_path)
    for key in ("name", "description", "stylesheet", "default_lang"):
        if key in table and not isinstance(table[key], str):
            raise ThemeError(f"{key} must be a string", path=toml_path)
    for key in ("labels", "sender", "dates"):
        if not isinstance(table.get(key, {}), dict):
            raise ThemeError(f"{key} must be a table", path=toml_path)
    default_lang = table.get("default_lang", "nl")
    if not language.known(default_lang):
        raise ThemeError(
            f"default_lang {default_lang!r} is not a language CLDR knows", path=toml_path
        )
    for lang, pattern in table.get("dates", {}).items():
        problem = language.check_pattern(pattern)
        if problem:
            raise ThemeError(f"dates.{lang} {problem}", path=toml_path)
    theme_name = table.get("name", root.name)
    layers = [_Layer(table, root, toml_path, "")]
    if config.path is not None:
        user = config.theme(theme_name)
        if user:
            layers.append(_Layer(user, config.base, config.path, f"[themes.{theme_name}] "))
    stylesheet = _inside(root, table.get("stylesheet", "letter.css"), "stylesheet", toml_path)
    if not stylesheet.is_file():
        raise ThemeError(f"stylesheet {stylesheet.name} is missing", path=toml_path)
    templates = root / "templates"
    if templates.exists() and not templates.resolve().is_relative_to(root):
        raise ThemeError("templates/ is outside the theme folder", path=toml_path)
    for layer in layers[1:]:
        for key in ("labels", "sender"):
            if not isinstance(layer.table.get(key, {}), dict):
                raise layer.error(f"{key} must be a table")
    logo, logo_alt = _logo(layers)
    return Theme(
        name=theme_name,
        root=root,
        stylesheet=stylesheet,
        logo=logo,
        logo_alt=logo_alt,
        labels=_labels(layers),
        fonts=_fonts(layers, theme_name),
        sender=_sender(layers),
        default_lang=default_lang,
        config=config.path if len(layers) > 1 else None,
        dates=dict(table.get("dates", {})),
    )


def _not_found(name: str, candidates: list[Path], folders: tuple[Path, ...]) -> str:
    """No such theme: where we looked, and the nearest name there is."""
    import difflib

    known = sorted({p.parent.name for d in folders for p in Path(d).glob("*/theme.toml")})
    near = difflib.get_close_matches(name, known, n=1)
    hint = f"; did you mean {near[0]!r}?" if near else f"; themes: {', '.join(known)}"
    return f"no theme {name[:80]!r} (looked in {', '.join(map(str, candidates))}){hint}"


def _logo(layers: list[_Layer]) -> tuple[Path | None, str]:
    """`logo = "file"`, `logo = {path, alt}` or `logo = false` (no logo)."""
    path, alt = None, ""
    for layer in layers:
        value = layer.table.get("logo")
        if value is None:
            continue
        if value is False:
            path = None
            continue
        if isinstance(value, str):
            value = {"path": value}
        if not isinstance(value, dict):
            raise layer.error("logo must be a path, a table {path, alt} or false")
        if "path" in value:
            path = layer.asset(value["path"], "logo")
        alt = value.get("alt", alt)
        if not isinstance(alt, str):
            raise layer.error("logo.alt must be a string")
    return path, alt


def _fonts(layers: list[_Layer], theme_name: str) -> tuple[FontFace, ...]:
    """`fonts.<role> = "file"` (regular only) or `{family, regular, bold, …}`.

    A later layer replaces a role's files as a whole (a licensed regular next
    to a free bold would mix two designs) but keeps its CSS family name, which
    the stylesheet uses.
    """
    roles: dict[str, tuple[str, dict[str, Path]]] = {}
    for layer in layers:
        table = layer.table.get("fonts", {})
        if not isinstance(table, dict):
            raise layer.error("fonts must be a table of roles")
        for role, value in table.items():
            if isinstance(value, str):
                value = {"regular": value}
            if not isinstance(value, dict):
                raise layer.error(f"fonts.{role} must be a path or a table")
            family = value.get("family") or roles.get(role, (f"{theme_name} {role}", {}))[0]
            if not isinstance(family, str) or not FAMILY.match(family):
                raise layer.error(f"fonts.{role}.family {family!r}: use letters, digits, spaces")
            unknown = sorted(set(value) - set(FACES) - {"family"})
            if unknown:
                raise layer.error(
                    f"fonts.{role}: unknown face {unknown[0]!r} (use {', '.join(FACES)})"
                )
            faces = {
                face: layer.asset(value[face], f"fonts.{role}.{face}")
                for face in FACES
                if face in value
            }
            if not faces:
                raise layer.error(f"fonts.{role} names no font file")
            roles[role] = (family, faces)
    return tuple(
        FontFace(family, *FACES[face], path)
        for family, faces in roles.values()
        for face, path in faces.items()
    )


def _sender(layers: list[_Layer]) -> dict[str, str | tuple[str, ...]]:
    """Organisation defaults for sender fields that a letter leaves out."""
    merged: dict[str, str | tuple[str, ...]] = {}
    for layer in layers:
        for key, value in layer.table.get("sender", {}).items():
            attr = key.replace("-", "_")
            if attr not in SENDER_DEFAULTS:
                raise layer.error(f"sender.{key}: not a default a theme can set")
            if isinstance(value, str) and attr in SENDER_LINES:
                value = (value,)
            elif isinstance(value, list) and attr in SENDER_LINES:
                if not all(isinstance(v, str) for v in value):
                    raise layer.error(f"sender.{key} must be a list of lines")
                value = tuple(value)
            elif not isinstance(value, str):
                raise layer.error(f"sender.{key} must be a string")
            merged[attr] = value
    return merged


def _labels(layers: list[_Layer]) -> dict[str, dict[str, str]]:
    """`labels.<lang>.<key> = "text"`, merged over the layers."""
    for layer in layers:
        for lang, table in layer.table.get("labels", {}).items():
            if not isinstance(table, dict) or not all(isinstance(v, str) for v in table.values()):
                raise layer.error(f"labels.{lang} must be a table of strings")
    return _merged(layers, "labels", depth=2)


def _merged(layers: list[_Layer], key: str, depth: int) -> dict[str, Any]:
    """Tables merged key by key, later layers winning, `depth` levels deep."""
    result: dict[str, Any] = {}
    for layer in layers:
        _merge_into(result, layer.table.get(key, {}), depth)
    return result


def _merge_into(target: dict[str, Any], source: dict[str, Any], depth: int) -> None:
    for k, v in source.items():
        if depth > 1 and isinstance(v, dict):
            _merge_into(target.setdefault(k, {}), v, depth - 1)
        else:
            target[k] = v
