"""The build's inputs from its surroundings, read once at the edge.

The command line (or a program using the Python API) reads the environment
once with `Settings.from_env()` and passes the value down: to the pipeline,
to each stage that needs a part of it, and to batch workers as an argument.
No stage reads `os.environ`, so a build is a function of its arguments.

    SOURCE_DATE_EPOCH        the moment written as the PDF's modification date
    BRIEFPERS_MAX_*, _TIMEOUT limits (`briefpers.limits`)
    BRIEFPERS_CONFIG, XDG_CONFIG_HOME   the user configuration (`briefpers.userconfig`)
    BRIEFPERS_THEME_PATH     more theme folders, before the configured and built-in ones
    BRIEFPERS_VERAPDF        the veraPDF jar to validate with (default: the fetched copy)
    XDG_DATA_HOME            where `briefpers fetch-verapdf` puts veraPDF outside a checkout

and the office settings file (`briefpers.toml`, `briefpers.office`), which
the command line finds and names: its build defaults, its veraPDF and the
sections other parts read (`settings.office.section("sign")`).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from briefpers.errors import ConfigError
from briefpers.limits import Limits
from briefpers.office import OfficeSettings
from briefpers.office import load as load_office
from briefpers.userconfig import UserConfig, load_user_config

EPOCH_VAR = "SOURCE_DATE_EPOCH"
THEME_PATH_VAR = "BRIEFPERS_THEME_PATH"
VERAPDF_VAR = "BRIEFPERS_VERAPDF"
# The last second that a four-digit year (and a PDF date) can hold.
MAX_EPOCH = int(dt.datetime(9999, 12, 31, 23, 59, 59, tzinfo=dt.UTC).timestamp())


@dataclass(frozen=True)
class Settings:
    """One immutable value: limits, build moment, user configuration, theme folders."""

    limits: Limits = field(default_factory=Limits)
    # Seconds since 1970 (SOURCE_DATE_EPOCH), or None: the letter's own date.
    epoch: int | None = None
    user_config: UserConfig = field(default_factory=UserConfig)
    # Operator theme folders searched before the built-in themes.
    theme_path: tuple[Path, ...] = ()
    # The operator's veraPDF jar: BRIEFPERS_VERAPDF, else the settings file's
    # (None: the copy `make tools` or `briefpers fetch-verapdf` fetched).
    verapdf_jar: Path | None = None
    # The office settings file (`briefpers.toml`): build defaults and sections.
    office: OfficeSettings = field(default_factory=OfficeSettings)
    # Where briefpers keeps what it fetches for this user (veraPDF).
    data_home: Path | None = None

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, *, office_file: Path | None = None
    ) -> Settings:
        """Read every setting from the environment (and `office_file`, the office
        settings file, when given); a wrong one is a ConfigError."""
        environ = os.environ if environ is None else environ
        office = load_office(office_file)
        config = load_user_config(environ)
        data_home = _data_home(environ)
        extra = tuple(
            Path(p).expanduser().resolve()
            for p in environ.get(THEME_PATH_VAR, "").split(os.pathsep)
            if p
        )
        return cls(
            limits=Limits.from_env(environ),
            epoch=parse_epoch(environ.get(EPOCH_VAR)),
            user_config=config,
            theme_path=extra + tuple(config.theme_path),
            verapdf_jar=_verapdf(environ, office, data_home),
            office=office,
            data_home=data_home,
        )

    @property
    def epoch_text(self) -> str | None:
        """SOURCE_DATE_EPOCH as recorded in the manifest (None when unset)."""
        return None if self.epoch is None else str(self.epoch)

    def build_moment(self) -> dt.datetime | None:
        """SOURCE_DATE_EPOCH as a UTC date-time, or None."""
        if self.epoch is None:
            return None
        return dt.datetime.fromtimestamp(self.epoch, tz=dt.UTC)


def _verapdf(environ: Mapping[str, str], office: OfficeSettings, data_home: Path) -> Path | None:
    """BRIEFPERS_VERAPDF, else the settings file's, else the copy fetched for this user
    (None: the checkout's copy, or a message saying how to fetch one)."""
    if environ.get(VERAPDF_VAR):
        return Path(environ[VERAPDF_VAR]).expanduser()
    if office.verapdf is not None:
        return office.verapdf
    from briefpers.check.verapdf import checkout_copy, fetched_copy

    fetched = fetched_copy(data_home)
    return fetched if fetched.is_file() and not checkout_copy().is_file() else None


def _data_home(environ: Mapping[str, str]) -> Path:
    """`$XDG_DATA_HOME/briefpers`, by default `~/.local/share/briefpers`."""
    home = environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(home).expanduser() / "briefpers"


def parse_epoch(raw: str | None) -> int | None:
    """`SOURCE_DATE_EPOCH`: ASCII digits, at most the end of the year 9999; empty = unset."""
    if raw is None or not raw.strip():
        return None
    text = raw.strip()
    if not (text.isascii() and text.isdigit()) or int(text) > MAX_EPOCH:
        raise ConfigError(
            f"{EPOCH_VAR}={raw[:40]!r}: must be whole seconds since 1970 "
            f"(ASCII digits, at most {MAX_EPOCH})"
        )
    return int(text)
