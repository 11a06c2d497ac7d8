"""The user's configuration: where licensed theme assets live on this machine.

A theme folder holds only what may be redistributed. Whoever holds a licence
for an organisation's logo or typefaces points to them from a configuration
file that is never committed:

    $BRIEFPERS_CONFIG                         (if set; empty means "none")
    $XDG_CONFIG_HOME/briefpers/config.toml    (default ~/.config/briefpers/config.toml)

    theme_path = ["~/themes"]                 # more theme folders (optional)

    [themes.rijk]                             # overrides for the theme named rijk
    logo = "/opt/rijkshuisstijl/logo.svg"     # or a table: {path = "…", alt = "…"}
    fonts.sans = "/opt/rijkshuisstijl/RO-SansWebText-Regular.ttf"
    fonts.serif = {regular = "…/RO-SerifWeb-Regular.ttf", bold = "…/RO-SerifWeb-Bold.ttf"}
    sender.website = "www.rijksoverheid.nl"   # organisation defaults
    labels.nl.return_address = "> Retouradres"

Relative paths are relative to the configuration file.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from briefpers.errors import ThemeError

ENV_VAR = "BRIEFPERS_CONFIG"

# Keys a user may set for a theme: assets and data, never the stylesheet
# (a different layout is a different theme folder).
THEME_KEYS = frozenset({"logo", "fonts", "sender", "labels"})


@dataclass(frozen=True)
class UserConfig:
    """The parsed configuration file (empty when there is none)."""

    path: Path | None = None
    data: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)

    @property
    def base(self) -> Path:
        """The folder that relative paths in the file are relative to."""
        return self.path.parent if self.path else Path.cwd()

    @property
    def theme_path(self) -> list[Path]:
        folders = self.data.get("theme_path", [])
        if isinstance(folders, str):
            folders = [folders]
        return [self.base / Path(f).expanduser() for f in folders]

    def theme(self, name: str) -> dict[str, Any]:
        """The `[themes.<name>]` table, checked for unknown keys."""
        table = self.data.get("themes", {}).get(name, {})
        if not isinstance(table, dict):
            raise ThemeError(f"[themes.{name}] must be a table", path=self.path)
        unknown = sorted(set(table) - THEME_KEYS)
        if unknown:
            raise ThemeError(
                f"[themes.{name}]: unknown key {unknown[0]!r} "
                f"(allowed: {', '.join(sorted(THEME_KEYS))})",
                path=self.path,
            )
        return table


def config_path() -> Path | None:
    """The configuration file in effect, or None."""
    env = os.environ.get(ENV_VAR)
    if env is not None:
        if not env:
            return None
        path = Path(env).expanduser()
        if not path.is_file():
            raise ThemeError(f"{ENV_VAR} names {path}, which does not exist")
        return path
    home = os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config"
    path = Path(home) / "briefpers" / "config.toml"
    return path if path.is_file() else None


def load_user_config() -> UserConfig:
    """Read the configuration file in effect (cheap: a small TOML file)."""
    path = config_path()
    if path is None:
        return UserConfig()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ThemeError(f"cannot read the configuration: {exc}", path=path) from None
    except tomllib.TOMLDecodeError as exc:
        raise ThemeError(f"not valid TOML: {exc}", path=path) from None
    return UserConfig(path=path.resolve(), data=data)
