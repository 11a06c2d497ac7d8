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

import hashlib
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from briefpers.errors import ConfigError

ENV_VAR = "BRIEFPERS_CONFIG"

# Keys a user may set for a theme: assets and data, never the stylesheet
# (a different layout is a different theme folder).
THEME_KEYS = frozenset({"logo", "fonts", "sender", "labels"})


@dataclass(frozen=True)
class UserConfig:
    """The parsed configuration file (empty when there is none)."""

    path: Path | None = None
    data: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)
    digest: str = ""  # of the file's bytes: an edited file is a different configuration

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

    @property
    def themes(self) -> list[str]:
        """Names of the themes this file configures."""
        return sorted(self.data.get("themes", {}))

    def theme(self, name: str) -> dict[str, Any]:
        """The `[themes.<name>]` table (its shape was checked when the file was read)."""
        return self.data.get("themes", {}).get(name, {})


def config_path(environ: Mapping[str, str]) -> Path | None:
    """The configuration file in effect, or None."""
    env = environ.get(ENV_VAR)
    if env is not None:
        if not env:
            return None
        path = Path(env).expanduser()
        if not path.is_file():
            raise ConfigError(f"{ENV_VAR} names {path}, which is not a file")
        return path
    home = environ.get("XDG_CONFIG_HOME") or Path.home() / ".config"
    path = Path(home) / "briefpers" / "config.toml"
    return path if path.is_file() else None


def load_user_config(environ: Mapping[str, str]) -> UserConfig:
    """Read and check the configuration file in effect (called once, by `settings`)."""
    path = config_path(environ)
    if path is None:
        return UserConfig()
    try:
        raw = path.read_bytes()
        data = tomllib.loads(raw.decode("utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read the configuration: {exc}", path=path) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"not valid TOML: {exc}", path=path) from None
    _check_shape(data, path)
    return UserConfig(path=path.resolve(), data=data, digest=hashlib.sha256(raw).hexdigest())


def _check_shape(data: dict[str, Any], path: Path) -> None:
    """Wrong types are the operator's mistake: say so before any work starts."""
    unknown = sorted(set(data) - {"theme_path", "themes"})
    if unknown:
        raise ConfigError(f"unknown key {unknown[0]!r} (allowed: theme_path, themes)", path=path)
    folders = data.get("theme_path", [])
    if isinstance(folders, str):
        folders = [folders]
    if not isinstance(folders, list) or not all(isinstance(f, str) and f for f in folders):
        raise ConfigError("theme_path must be a folder or a list of folders", path=path)
    themes = data.get("themes", {})
    if not isinstance(themes, dict):
        raise ConfigError("themes must be a table of [themes.<name>] tables", path=path)
    for name, table in themes.items():
        if not isinstance(table, dict):
            raise ConfigError(f"[themes.{name}] must be a table", path=path)
        unknown = sorted(set(table) - THEME_KEYS)
        if unknown:
            raise ConfigError(
                f"[themes.{name}]: unknown key {unknown[0]!r} "
                f"(allowed: {', '.join(sorted(THEME_KEYS))})",
                path=path,
            )
