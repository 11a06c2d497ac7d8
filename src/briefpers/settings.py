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
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from briefpers.errors import ConfigError
from briefpers.limits import Limits
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
    # The operator's veraPDF jar (None: the copy `make tools` fetched).
    verapdf_jar: Path | None = None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read every setting from the environment; a wrong one is a ConfigError."""
        environ = os.environ if environ is None else environ
        config = load_user_config(environ)
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
            verapdf_jar=Path(environ[VERAPDF_VAR]).expanduser()
            if environ.get(VERAPDF_VAR)
            else None,
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
