"""Themes are data: a folder with theme.toml, a stylesheet, assets, templates.

Built-in themes live in `styles/<name>/`; the shared base templates in
`templates/`. More theme folders can be put on `BRIEFPERS_THEME_PATH` or on
`theme_path` in the user configuration (see `briefpers.userconfig`), which
also supplies licensed assets: the user's `[themes.<name>]` table is laid
over the theme's own theme.toml. Code never asks which theme it renders.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field, fields
from functools import lru_cache
from pathlib import Path
from typing import Any

from briefpers.errors import ThemeError
from briefpers.source.model import Sender
from briefpers.userconfig import UserConfig, load_user_config

DEFAULT_THEME = "rijk"
THEME_KEYS = frozenset(
    {"name", "description", "stylesheet", "default_lang", "logo", "fonts", "sender", "labels"}
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
        return [self.root, data_root() / "styles" / "fonts", *self.asset_files]

    def labels_for(self, lang: str) -> dict[str, str]:
        """Labels in the letter's language, else the theme's default language."""
        primary = lang.split("-")[0].lower()
        for key in (primary, self.default_lang, *self.labels):
            if key in self.labels:
                return self.labels[key]
        raise ThemeError(f"theme {self.name!r} defines no labels", path=self.root / "theme.toml")


def base_templates() -> Path:
    return data_root() / "templates"


def search_path(config: UserConfig | None = None) -> list[Path]:
    extra = [Path(p) for p in os.environ.get("BRIEFPERS_THEME_PATH", "").split(os.pathsep) if p]
    configured = config.theme_path if config else []
    return [*extra, *configured, data_root() / "styles"]


def builtin_themes() -> list[str]:
    """Names of the themes shipped with briefpers."""
    styles = data_root() / "styles"
    return sorted(p.parent.name for p in styles.glob("*/theme.toml"))


def load_theme(name: str | None = None) -> Theme:
    """Find a theme by name (or a path to a theme folder), read its theme.toml
    and lay the user's configuration over it."""
    config = load_user_config()
    stamp = config.path.stat().st_mtime_ns if config.path else None
    return _load_theme(name or DEFAULT_THEME, config, stamp, tuple(search_path(config)))


@dataclass(frozen=True)
class _Layer:
    """One source of theme settings; paths in it are relative to `base`."""

    table: dict[str, Any] = field(hash=False)
    base: Path
    origin: Path  # the file, named in error messages
    where: str  # "" for theme.toml, "[themes.x] " for the user configuration

    def error(self, message: str) -> ThemeError:
        return ThemeError(f"{self.where}{message}", path=self.origin)

    def asset(self, value: object, key: str) -> Path:
        if not isinstance(value, str) or not value:
            raise self.error(f"{key} must be a file path")
        path = (self.base / Path(value).expanduser()).resolve()
        if not path.is_file():
            raise self.error(f"{key}: {path} does not exist")
        return path


@lru_cache(maxsize=32)
def _load_theme(
    name: str, config: UserConfig, _stamp: int | None, folders: tuple[Path, ...]
) -> Theme:
    candidates = [Path(name)] if os.sep in name else [d / name for d in folders]
    root = next((c for c in candidates if (c / "theme.toml").is_file()), None)
    if root is None:
        raise ThemeError(f"no theme {name!r} (looked in {', '.join(map(str, candidates))})")
    root = root.resolve()
    toml_path = root / "theme.toml"
    try:
        table = tomllib.loads(toml_path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ThemeError(f"theme.toml is not valid TOML: {exc}", path=toml_path) from None
    unknown = sorted(set(table) - THEME_KEYS)
    if unknown:
        raise ThemeError(f"unknown key {unknown[0]!r} in theme.toml", path=toml_path)
    theme_name = table.get("name", root.name)
    layers = [_Layer(table, root, toml_path, "")]
    if config.path is not None:
        user = config.theme(theme_name)
        if user:
            layers.append(_Layer(user, config.base, config.path, f"[themes.{theme_name}] "))
    stylesheet = root / table.get("stylesheet", "letter.css")
    if not stylesheet.is_file():
        raise ThemeError(f"stylesheet {stylesheet.name} is missing", path=toml_path)
    logo, logo_alt = _logo(layers)
    return Theme(
        name=theme_name,
        root=root,
        stylesheet=stylesheet,
        logo=logo,
        logo_alt=logo_alt,
        labels=_merged(layers, "labels", depth=2),
        fonts=_fonts(layers, theme_name),
        sender=_sender(layers),
        default_lang=table.get("default_lang", "nl"),
        config=config.path if len(layers) > 1 else None,
    )


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
