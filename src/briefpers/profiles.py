"""The archival output profiles: one definition, used by the CLI and the stages."""

from __future__ import annotations

from dataclasses import dataclass

from briefpers.errors import ConfigError


@dataclass(frozen=True)
class Profile:
    name: str
    pdfa_part: int
    pdfa_conformance: str
    embed_source: bool
    weasyprint_variant: str


PROFILES = {
    "pdfa-3a-ua1": Profile("pdfa-3a-ua1", 3, "A", True, "pdf/a-3a"),
    "pdfa-2a-ua1": Profile("pdfa-2a-ua1", 2, "A", False, "pdf/a-2a"),
}
DEFAULT_PROFILE = "pdfa-3a-ua1"


def resolve_profile(name: str | None) -> Profile:
    """The profile called `name` (None: the default); an unknown name is a ConfigError."""
    name = name or DEFAULT_PROFILE
    if name not in PROFILES:
        raise ConfigError(f"unknown profile {name!r}; choose one of {', '.join(PROFILES)}")
    return PROFILES[name]
