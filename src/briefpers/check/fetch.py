"""Fetch the pinned veraPDF from Maven Central: `briefpers fetch-verapdf`, `make tools`.

veraPDF is not on PyPI or in Debian; Maven Central serves the command-line
validator as one jar with all its dependencies. It is downloaded over HTTPS
with the standard library (no Maven, no Java needed to fetch), checked
against the SHA-256 pinned in `tools/verapdf.sha256` (packaged beside
`verapdf.version`), and renamed into place only when it matches: an
interrupted or tampered download never leaves a jar that looks usable.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from briefpers.check.verapdf import JAR_NAME, VERAPDF_VERSION, _version_file
from briefpers.errors import ConfigError, DependencyError

MAVEN_CENTRAL = "https://repo1.maven.org/maven2"
ARTIFACT_PATH = "org/verapdf/apps/greenfield-apps"
MAX_BYTES = 64 * 1024 * 1024  # the pinned jar is 9.5 MiB
CHUNK = 1 << 16


@dataclass(frozen=True)
class Fetched:
    jar: Path
    downloaded: bool  # False: a matching copy was already there
    url: str


def artifact_url(repository: str = MAVEN_CENTRAL, version: str = VERAPDF_VERSION) -> str:
    """The jar's URL in a Maven repository (Central, or an office's mirror)."""
    return f"{repository.rstrip('/')}/{ARTIFACT_PATH}/{version}/greenfield-apps-{version}.jar"


def pinned_sha256() -> str:
    """The SHA-256 the jar must have (beside the version file, in a wheel or a checkout)."""
    path = _version_file().with_name("verapdf.sha256")
    try:
        digest = path.read_text(encoding="ascii").split()[0].lower()
    except (OSError, UnicodeDecodeError, IndexError):
        raise DependencyError(f"the pinned veraPDF checksum is missing ({path})") from None
    if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
        raise DependencyError(f"the pinned veraPDF checksum is not a SHA-256 ({path})")
    return digest


def fetch(dest_dir: Path, *, repository: str = MAVEN_CENTRAL, timeout: float = 120) -> Fetched:
    """Download the pinned jar into `dest_dir` unless a matching copy is there."""
    if VERAPDF_VERSION == "unknown":
        raise DependencyError(f"the veraPDF version file is missing ({_version_file()})")
    if not repository.startswith(("https://", "http://")):
        raise ConfigError(f"--repository {repository!r}: must be an http(s) URL")
    want = pinned_sha256()
    jar = dest_dir / JAR_NAME
    url = artifact_url(repository)
    if jar.is_file() and _sha256(jar) == want:
        return Fetched(jar, False, url)
    try:
        dest_dir.mkdir(parents=True, exist_ok=True)
        fd, part = tempfile.mkstemp(prefix=".fetch-", suffix=".part", dir=dest_dir)
    except OSError as exc:
        raise ConfigError(f"cannot write there: {exc.strerror}", path=dest_dir) from None
    try:
        os.fchmod(fd, 0o644)  # mkstemp's 0600 would keep the jar from other users
        with os.fdopen(fd, "wb") as out:
            got = _download(url, out, timeout)
        if got != want:
            raise DependencyError(
                f"the file at {url} has SHA-256 {got}, not the pinned {want}: "
                "nothing was kept (a mirror serving another file?)"
            )
        os.replace(part, jar)
    finally:
        Path(part).unlink(missing_ok=True)
    return Fetched(jar, True, url)


def _download(url: str, out, timeout: float) -> str:
    """Write the response to `out`; return its SHA-256. Bounded in size."""
    digest = hashlib.sha256()
    size = 0
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            while chunk := response.read(CHUNK):
                size += len(chunk)
                if size > MAX_BYTES:
                    raise DependencyError(f"{url} is larger than {MAX_BYTES >> 20} MiB")
                digest.update(chunk)
                out.write(chunk)
    except urllib.error.HTTPError as exc:
        raise DependencyError(f"cannot fetch veraPDF: {url}: HTTP {exc.code}") from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", None) or getattr(exc, "strerror", None) or exc
        raise DependencyError(f"cannot fetch veraPDF from {url}: {reason}") from None
    return digest.hexdigest()


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()
