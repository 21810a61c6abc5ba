"""Why a frame cannot be judged: the words the screen shows and the report totals.

Every analyzer refuses to guess in the same words, so a therapist reading several reports (and a
user reading the screen) meets one vocabulary. Exercise-specific reasons live with their
analyzer; these are the ones the framework and more than one analyzer use.
"""

from __future__ import annotations

NO_PERSON = "no person in view"
BODY_NOT_VISIBLE = "body not fully visible"
WRONG_VIEW = "wrong view: film from the side"
NOT_LYING = "not lying down"
NOT_SUPINE = "not lying on the back"
NOT_PRONE = "not lying face down"
BELOW_NOISE = "signal below the noise"
