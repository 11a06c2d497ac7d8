"""The error taxonomy: every failure a user can meet, each with its exit code.

This module imports nothing of ours, so every stage can raise these errors and
only the CLI turns them into a message line and an exit code.
"""

from __future__ import annotations

from enum import IntEnum
from pathlib import Path


class ExitCode(IntEnum):
    """Process exit codes, documented in the README."""

    OK = 0
    SOME_FAILED = 1  # a batch ran, but at least one letter failed
    USAGE = 2  # bad command-line arguments (click's own code)
    INVALID_SOURCE = 3  # not well-formed, not valid against the schema, unsafe
    ASSET = 4  # an image, font or theme file is missing or not allowed
    RENDER = 5  # typesetting or archival finishing failed
    CHECK_FAILED = 6  # preflight or veraPDF found a non-conformance
    DEPENDENCY = 7  # Java, veraPDF or a system library is missing
    LINT = 8  # lint found problems (errors, or warnings with --strict)
    WORKER_DIED = 9  # the process building a letter died (killed, or crashed in a library)
    SIGN = 10  # the signing key or certificate cannot be used (passphrase, expiry, key usage)
    SIGNATURE = 11  # `verify`, `renew`: not signed, or a signature is broken, invalid or untrusted
    INTERNAL = 70  # a bug in briefpers: please report it
    INTERRUPTED = 130  # Ctrl-C or SIGTERM (128 + SIGINT, the shell's convention)


class BriefpersError(Exception):
    """Base of every error that reaches the user as one line."""

    exit_code: ExitCode = ExitCode.INTERNAL

    def __init__(
        self,
        message: str,
        *,
        path: Path | str | None = None,
        line: int | None = None,
        column: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.path = str(path) if path is not None else None
        self.line = line
        self.column = column

    def location(self) -> str:
        """`file:line:column`, as far as known (the form editors can jump to)."""
        parts = [self.path or "<input>"]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)

    def __str__(self) -> str:
        if self.path is None and self.line is None:
            return self.message
        return f"{self.location()}: {self.message}"

    def diagnostic(self, severity: str = "error") -> str:
        """The one line the user sees: `file:line:col: error: message`."""
        where = None if self.path is None and self.line is None else self.location()
        return diagnostic(where, severity, self.message)


def diagnostic(location: str | None, severity: str, message: str) -> str:
    """One line in the form editors and CI annotate: `file:line:col: severity: message`
    (`severity: message` when nothing is located)."""
    text = " ".join(message.split())  # libxml2 and others embed newlines
    return f"{location}: {severity}: {text}" if location else f"{severity}: {text}"


class SourceError(BriefpersError):
    """The letter source is not well-formed, not valid, or not safe to read."""

    exit_code = ExitCode.INVALID_SOURCE


class ConfigError(BriefpersError):
    """A setting (an environment variable, a configuration value) is unusable."""

    exit_code = ExitCode.USAGE


class UsageError(BriefpersError):
    """The command names sources or options that cannot be used as asked."""

    exit_code = ExitCode.USAGE


class AssetError(BriefpersError):
    """A referenced image, font or theme file is missing or outside the sandbox."""

    exit_code = ExitCode.ASSET


class ThemeError(AssetError):
    """A theme cannot be found or its configuration is wrong."""


class RenderError(BriefpersError):
    """Typesetting or archival finishing failed."""

    exit_code = ExitCode.RENDER


class TimeLimitError(RenderError):
    """Building one letter took longer than its time limit."""


class MemoryLimitError(RenderError):
    """Building one letter needed more memory than its limit."""


class OutputError(AssetError):
    """The output folder (or a file in it) cannot be written: read-only, full, not a folder."""


class WorkerDiedError(BriefpersError):
    """The worker process building a letter died before it reported back."""

    exit_code = ExitCode.WORKER_DIED


class CheckError(BriefpersError):
    """A PDF failed the preflight or the validator."""

    exit_code = ExitCode.CHECK_FAILED


class DependencyError(BriefpersError):
    """An external program or library that the command needs is missing."""

    exit_code = ExitCode.DEPENDENCY


class LintError(BriefpersError):
    """A letter source has problems that must be fixed before publishing."""

    exit_code = ExitCode.LINT


class SignError(BriefpersError):
    """The signing key or certificate cannot be used, or pyHanko refused to sign."""

    exit_code = ExitCode.SIGN


class SignatureError(BriefpersError):
    """A signature or timestamp in the PDF is broken, invalid or untrusted."""

    exit_code = ExitCode.SIGNATURE


class ServiceError(DependencyError):
    """A timestamp authority, OCSP responder or CRL server could not be reached or refused."""
