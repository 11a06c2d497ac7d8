"""What an office decides for its MDTO records: one frozen value, read at the edge.

The defaults are honest, not guesses: appraisal `N` (nader te bepalen) and use
restriction "Nader te bepalen", which an archivist must confirm (`lint --mdto`
warns while they stand). A settings file's `[mdto]` table becomes a value with
`MdtoSettings.from_table(table, origin)`; command-line flags override it
(`with_overrides`). A letter may set its own values in `<archive>`.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from briefpers.errors import ConfigError
from briefpers.office import FILE_NAME, check_keys

# MDTO's closed list of appraisals (Begrippenlijst Waarderingen MDTO): code → label.
APPRAISALS = {
    "B": "Blijvend te bewaren",
    "V": "Tijdelijk te bewaren",
    "N": "Nader te bepalen",
}
DEFAULT_APPRAISAL = "N"
# MDTO's open list of use restrictions starts with these three labels.
DEFAULT_RESTRICTION = "Nader te bepalen"
RESTRICTION_LIST = "Begrippenlijst BeperkingGebruik MDTO"
# An ISO 8601 duration as xs:duration writes it, never negative: P10Y, P6M, P1Y6M.
DURATION = re.compile(r"P(?=\d|T\d)(\d+Y)?(\d+M)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?")


@dataclass(frozen=True)
class MdtoSettings:
    """The office's MDTO values; a letter's `<archive>` overrides the first three.

    appraisal    B, V or N (MDTO waardering)
    retention    retention period for V, an ISO 8601 duration such as "P10Y"
    restriction  use restriction label (MDTO beperkingGebruikType)
    restriction_list  the list that label comes from
    restriction_note  a further description of the restriction
    creator      the archive creator (archiefvormer); default: the letter's sender
    creator_id, creator_id_source   its identifier and where that comes from
                 (e.g. a TOOI code and "TOOI register organisaties")
    reference_source  where our reference (kenmerk) comes from, e.g. the
                 registration system; default: the archive creator
    """

    appraisal: str = DEFAULT_APPRAISAL
    retention: str | None = None
    restriction: str = DEFAULT_RESTRICTION
    restriction_list: str = RESTRICTION_LIST
    restriction_note: str | None = None
    creator: str | None = None
    creator_id: str | None = None
    creator_id_source: str | None = None
    reference_source: str | None = None

    def __post_init__(self) -> None:
        problem = self.problem()
        if problem:
            raise ConfigError(f"MDTO settings: {problem}")

    def problem(self, where: str = "", names: Mapping[str, str] | None = None) -> str | None:
        """Why these values cannot make a record (None: they can)."""
        name = (names or {}).get
        for key in KEYS:
            value = getattr(self, key)
            if value is not None and (not isinstance(value, str) or not value.strip()):
                return f"{where}{name(key, key)} must be a non-empty string"
        if self.appraisal not in APPRAISALS:
            choices = ", ".join(f"{c} ({label})" for c, label in APPRAISALS.items())
            return f"{where}{name('appraisal', 'appraisal')} must be one of {choices}"
        if self.retention is not None and not DURATION.fullmatch(self.retention):
            return (
                f"{where}{name('retention', 'retention')} must be an ISO 8601 duration such "
                f"as P10Y (ten years) or P6M, found {self.retention!r}"
            )
        if (self.creator_id is None) != (self.creator_id_source is None):
            return f"{where}creator_id and creator_id_source go together"
        return None

    @classmethod
    def from_office(cls, table: Mapping[str, Any], base: Path) -> MdtoSettings:
        """The `[mdto]` section of the office settings file in folder `base`."""
        return cls.from_table(table, base / FILE_NAME)

    @classmethod
    def from_table(cls, table: Mapping[str, Any], origin: Path | str) -> MdtoSettings:
        """The `[mdto]` table of a settings file; unknown keys and wrong types are a
        ConfigError naming the file."""
        if not isinstance(table, Mapping):
            raise ConfigError("[mdto] must be a table", path=origin)
        check_keys(table, KEYS, "mdto", origin)
        for key, value in table.items():
            if not isinstance(value, str):
                raise ConfigError(
                    f"[mdto] {key} must be a string, found {type(value).__name__}", path=origin
                )
        values = cls._checked(dict(table), "[mdto] ", {}, origin)
        return cls(**values)

    def with_overrides(
        self, names: Mapping[str, str] | None = None, **changes: Any
    ) -> MdtoSettings:
        """These settings with command-line values laid over them (None: not given).
        `names` maps a key to the flag that set it, for messages."""
        given = {k: v for k, v in changes.items() if v is not None}
        values = self._checked({**self._values(), **given}, "", names or {}, None)
        return dataclasses.replace(self, **{k: values[k] for k in given})

    @classmethod
    def _checked(
        cls, values: dict[str, Any], where: str, names: Mapping[str, str], origin: Path | str | None
    ) -> dict[str, Any]:
        probe = object.__new__(cls)  # check without raising from __post_init__
        for key in KEYS:
            object.__setattr__(probe, key, values.get(key, getattr(DEFAULTS, key)))
        problem = probe.problem(where, names)
        if problem:
            raise ConfigError(problem, path=origin)
        return values

    def _values(self) -> dict[str, Any]:
        return {key: getattr(self, key) for key in KEYS}

    def defaults_in_force(self) -> list[str]:
        """The values an archivist must still confirm (they are the documented defaults)."""
        found = []
        if self.appraisal == DEFAULT_APPRAISAL:
            found.append(f"appraisal {DEFAULT_APPRAISAL} ({APPRAISALS[DEFAULT_APPRAISAL]})")
        if self.restriction == DEFAULT_RESTRICTION:
            found.append(f"use restriction {DEFAULT_RESTRICTION!r}")
        return found

    def fingerprint(self) -> str:
        """A stable hash of the values: a record built with others is out of date."""
        text = json.dumps(self._values(), sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()


KEYS = tuple(f.name for f in dataclasses.fields(MdtoSettings))
DEFAULTS = MdtoSettings()
