"""Themes are data: a folder with theme.toml, a stylesheet, assets, templates.

Built-in themes live in `styles/<name>/`; the shared base templates in
`templates/`. More theme folders can be put on `BRIEFPERS_THEME_PATH`.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from briefpers.errors import ThemeError

DEFAULT_THEME = "rijk"


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
class Theme:
    name: str
    root: Path
    stylesheet: Path
    logo: Path | None
    logo_alt: str
    labels: dict[str, dict[str, str]] = field(hash=False)

    @property
    def template_dirs(self) -> list[Path]:
        """Theme overrides first, then the shared base templates."""
        dirs = [self.root / "templates"] if (self.root / "templates").is_dir() else []
        return [*dirs, data_root() / "templates"]

    @property
    def asset_roots(self) -> list[Path]:
        """Folders the typesetter may read theme files from."""
        return [self.root, data_root() / "styles" / "fonts"]

    def labels_for(self, lang: str) -> dict[str, str]:
        """Labels in the letter's language, falling back to Dutch, then English."""
        primary = lang.split("-")[0].lower()
        for key in (primary, "nl", "en"):
            if key in self.labels:
                return self.labels[key]
        raise ThemeError(f"theme {self.name!r} defines no labels", path=self.root / "theme.toml")


def search_path() -> list[Path]:
    extra = [Path(p) for p in os.environ.get("BRIEFPERS_THEME_PATH", "").split(os.pathsep) if p]
    return [*extra, data_root() / "styles"]


@lru_cache(maxsize=16)
def load_theme(name: str | None = None) -> Theme:
    """Find a theme by name (or a path to a theme folder) and read its theme.toml."""
    name = name or DEFAULT_THEME
    candidates = [Path(name)] if os.sep in name else [d / name for d in search_path()]
    root = next((c for c in candidates if (c / "theme.toml").is_file()), None)
    if root is None:
        raise ThemeError(f"no theme {name!r} (looked in {', '.join(map(str, candidates))})")
    root = root.resolve()
    toml_path = root / "theme.toml"
    try:
        config = tomllib.loads(toml_path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ThemeError(f"theme.toml is not valid TOML: {exc}", path=toml_path) from None
    stylesheet = root / config.get("stylesheet", "letter.css")
    if not stylesheet.is_file():
        raise ThemeError(f"stylesheet {stylesheet.name} is missing", path=toml_path)
    logo_cfg = config.get("logo", {})
    logo = root / logo_cfg["path"] if "path" in logo_cfg else None
    if logo is not None and not logo.is_file():
        raise ThemeError(f"logo {logo} is missing", path=toml_path)
    return Theme(
        name=config.get("name", root.name),
        root=root,
        stylesheet=stylesheet,
        logo=logo,
        logo_alt=logo_cfg.get("alt", ""),
        labels=config.get("labels", {}),
    )
