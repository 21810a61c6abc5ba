"""Exercise analyzers: one file per exercise on a shared framework, and the exercise registry.

`ANALYZERS` maps an exercise's code name ("pelvic_tilt") to its analyzer class; the CLI accepts
the hyphenated spelling ("pelvic-tilt"). What each exercise is (title, prescription, faults,
views) lives in `registry.EXERCISES`. How to add an analyzer: docs/architecture.md.
"""

from __future__ import annotations

from formcheck.analyzers.registry import (
    ANALYZERS,
    EXERCISES,
    KNOWN_EXERCISES,
    canonical_name,
    get_analyzer,
    make_prescription,
    new_analyzer,
    register,
    spec_of,
    title_of,
)

__all__ = ["ANALYZERS", "EXERCISES", "KNOWN_EXERCISES", "canonical_name", "get_analyzer",
           "make_prescription", "new_analyzer", "register", "spec_of", "title_of"]

# Importing an exercise module registers its analyzer.
from formcheck.analyzers import pelvic_tilt, press_up, trunk_rotation  # noqa: E402,F401
