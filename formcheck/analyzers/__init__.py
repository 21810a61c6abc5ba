"""Exercise analyzers and their registry.

`ANALYZERS` maps the scorecard/label name ("pelvic_tilt") to the class; the CLI accepts the
hyphenated spelling ("pelvic-tilt"). An exercise that is not in the registry does not exist yet:
the CLI lists the valid names and the scorecard shows "not implemented", never a number.
"""

from __future__ import annotations

from formcheck.analyzers.base import Analyzer

ANALYZERS: dict[str, type[Analyzer]] = {}

# Every exercise formcheck will coach, implemented or not (the scorecard needs the full list).
KNOWN_EXERCISES = ("pelvic_tilt", "trunk_rotation", "press_up")


def register(cls: type[Analyzer]) -> type[Analyzer]:
    """Class decorator adding an analyzer to the registry under its `name`."""
    ANALYZERS[cls.name] = cls
    return cls


def canonical_name(name: str) -> str:
    """'pelvic-tilt', 'Pelvic_Tilt' -> 'pelvic_tilt'."""
    return name.strip().lower().replace("-", "_")


def get_analyzer(name: str) -> type[Analyzer]:
    """The analyzer class for `name`, or ValueError listing the valid names."""
    key = canonical_name(name)
    if key not in ANALYZERS:
        valid = ", ".join(sorted(n.replace("_", "-") for n in ANALYZERS)) or "none yet"
        raise ValueError(f"unknown exercise {name!r}; valid: {valid}")
    return ANALYZERS[key]


from formcheck.analyzers.base import make_prescription  # noqa: E402  (re-exported for the CLI)

# Importing an exercise module registers it. Kept last: the modules use `register` above.
from formcheck.analyzers import pelvic_tilt  # noqa: E402,F401
