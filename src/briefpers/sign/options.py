"""How to sign: key, certificate, chain, timestamp authority and PAdES level.

One frozen value, made from a TOML table (the office settings file's
`[sign]`, through `SignOptions.from_table`) and then overridden by the
command line's flags (`with_overrides`). Paths in a table are relative to
the file that holds it. The passphrase itself is never part of it: only the
file it is read from, when the key is loaded.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from briefpers.errors import ConfigError, DependencyError, UsageError
from briefpers.office import FILE_NAME, check_keys

# PAdES baseline levels, weakest first: B-B signs; B-T adds an RFC 3161
# signature timestamp; B-LT adds the validation data (certificates, OCSP
# responses, CRLs) in the document security store; B-LTA adds a document
# timestamp over all of it.
LEVELS = ("B-B", "B-T", "B-LT", "B-LTA")
DEFAULT_LEVEL = "B-B"
DEFAULT_TIMEOUT = 20.0  # seconds for one request to a TSA, OCSP responder or CRL server

_KEYS = ("key", "cert", "chain", "passphrase_file", "tsa", "level", "timeout")


@dataclass(frozen=True)
class SignOptions:
    """Signing defaults and choices; `check()` says whether they suffice to sign."""

    key: Path | None = None  # PKCS#12 (.p12/.pfx) or a PEM/DER private key
    cert: Path | None = None  # the signer's certificate (in the PKCS#12 file: optional)
    chain: tuple[Path, ...] = ()  # intermediate (and root) certificates, PEM or DER
    passphrase_file: Path | None = None  # its first line unlocks the key
    tsa: str | None = None  # RFC 3161 timestamp authority URL (B-T and up)
    level: str = DEFAULT_LEVEL
    timeout: float = DEFAULT_TIMEOUT

    @classmethod
    def from_office(cls, table: Mapping[str, Any], base: Path) -> SignOptions:
        """The `[sign]` section of the office settings file in folder `base`."""
        return cls.from_table(table, base / FILE_NAME)

    @classmethod
    def from_table(cls, table: Mapping[str, Any], origin: Path) -> SignOptions:
        """Options from a `[sign]` TOML table in `origin`; ConfigError names the file."""
        if not isinstance(table, Mapping):
            raise ConfigError("[sign] must be a table", path=origin)
        check_keys(table, _KEYS, "sign", origin)
        base = origin.parent

        def path(name: str) -> Path | None:
            value = table.get(name)
            if value is None:
                return None
            if not isinstance(value, str) or not value:
                raise ConfigError(f"[sign] {name} must be a file name (a string)", path=origin)
            return (base / Path(value).expanduser()).resolve()

        chain = table.get("chain", [])
        if isinstance(chain, str):
            chain = [chain]
        if not isinstance(chain, list) or not all(isinstance(c, str) and c for c in chain):
            raise ConfigError("[sign] chain must be a file name or a list of them", path=origin)
        tsa = table.get("tsa")
        if tsa is not None and not isinstance(tsa, str):
            raise ConfigError("[sign] tsa must be a URL (a string)", path=origin)
        level = table.get("level", DEFAULT_LEVEL)
        if level not in LEVELS:
            raise ConfigError(
                f"[sign] level must be one of {', '.join(LEVELS)}, found {level!r}", path=origin
            )
        timeout = table.get("timeout", DEFAULT_TIMEOUT)
        if isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout <= 0:
            raise ConfigError("[sign] timeout must be a positive number of seconds", path=origin)
        options = cls(
            key=path("key"),
            cert=path("cert"),
            chain=tuple((base / Path(c).expanduser()).resolve() for c in chain),
            passphrase_file=path("passphrase_file"),
            tsa=tsa or None,
            level=level,
            timeout=float(timeout),
        )
        if options.tsa is not None:
            _check_url(options.tsa, ConfigError, origin)
        return options

    def with_overrides(self, **flags: Any) -> SignOptions:
        """These options with every flag that was given (not None, not empty) put over them."""
        given = {k: v for k, v in flags.items() if v is not None and v != ()}
        unknown = set(given) - set(_KEYS)
        if unknown:
            raise TypeError(f"unknown signing options: {sorted(unknown)}")
        if "chain" in given:
            given["chain"] = tuple(given["chain"])
        return dataclasses.replace(self, **given)

    def check(self) -> None:
        """UsageError (exit 2) unless these options can sign: a key, a TSA from B-T on."""
        if self.key is None:
            raise UsageError("signing needs a key: --key FILE (PKCS#12 or PEM)")
        if self.level not in LEVELS:
            raise UsageError(f"--level must be one of {', '.join(LEVELS)}")
        if self.level != "B-B" and not self.tsa:
            raise UsageError(f"level {self.level} needs a timestamp authority: --tsa URL")
        self.check_tsa()

    def check_tsa(self) -> None:
        """UsageError (exit 2) if the timestamp authority given is not an http(s) URL."""
        if self.tsa:
            _check_url(self.tsa, UsageError, None)

    @property
    def timestamped(self) -> bool:
        return self.level != "B-B"

    @property
    def long_term(self) -> bool:
        """B-LT and B-LTA: validation data goes into the document security store."""
        return self.level in ("B-LT", "B-LTA")


def require_pyhanko() -> None:
    """DependencyError (exit 7) unless pyHanko is installed (the `sign` extra)."""
    import importlib.util

    if importlib.util.find_spec("pyhanko") is None:
        raise DependencyError(
            "signing and verifying need pyHanko: pip install 'briefpers[sign]' (or make setup)"
        )


def _check_url(url: str, error: type[ConfigError] | type[UsageError], origin: Path | None) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise error(f"the timestamp authority must be an http(s) URL, found {url!r}", path=origin)
