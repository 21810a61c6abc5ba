"""The per-frame landmark table: `CsvSink` writes one CSV row per frame, `csv_header` names the
columns (by landmark name, so a spreadsheet user needs no index chart).
"""

from __future__ import annotations

import csv
import io
import math
import os
from pathlib import Path
from typing import Any

import numpy as np

from formcheck.errors import UserError
from formcheck.files import reason_of
from formcheck.frames import Frame
from formcheck.landmarks import NUM_LANDMARKS, Landmark, PoseFrame
from formcheck.sinks.base import AtomicSink

__all__ = ["CsvSink", "csv_header"]

_LANDMARK_FIELDS = ("x", "y", "z", "visibility", "presence")


def csv_header() -> list[str]:
    """`t, detected`, then x, y, z, visibility, presence of each landmark by its lower-case name.

    Names rather than indices so a spreadsheet user can find `left_hip_y` without the
    BlazePose index chart.
    """
    header = ["t", "detected"]
    for lm in Landmark:
        header.extend(f"{lm.name.lower()}_{field}" for field in _LANDMARK_FIELDS)
    return header


def _number(value: float) -> str:
    """Six decimals: below a pixel of a 4K image in normalized units; non-finite -> empty."""
    v = float(value)
    if not math.isfinite(v):
        return ""
    text = f"{v:.6f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


class CsvSink(AtomicSink):
    """Per-frame landmarks as CSV: one row per frame, header first; empty cells when nobody was
    found (so "not detected" can never be mistaken for a landmark at 0, 0).

    Coordinates are MediaPipe's normalized image coordinates (x, y in 0..1 of the upright image's
    width and height, z relative depth on the scale of x). `t` is the source's time in seconds,
    as the analyzers saw it. Every row is written whole, and the file is renamed into place at
    the end, so even an interrupted run leaves a valid CSV of complete rows.

        >>> with CsvSink("out/clip.frames.csv") as sink:
        ...     sink.write(frame, pose, None)                                # doctest: +SKIP
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        super().__init__(path)
        self._file: io.TextIOWrapper | None = None
        self._writer: Any = None
        self._empty = [""] * (NUM_LANDMARKS * len(_LANDMARK_FIELDS))

    def _open(self, fd: int, tmp: Path) -> None:
        self._file = open(fd, "w", newline="", encoding="utf-8")
        self._writer = csv.writer(self._file, lineterminator="\n")
        self._writerow(csv_header())

    def _writerow(self, row: list[str]) -> None:
        try:
            self._writer.writerow(row)
        except OSError as err:
            raise UserError(f"cannot write {self.path}: {reason_of(err)}") from None

    def write(self, frame: Frame | None, pose: PoseFrame, annotated: np.ndarray | None = None) -> None:
        """Append the row for one frame (the image is not used: the CSV holds landmarks only)."""
        self._require_open()
        row = [f"{float(pose.t):.6f}", "1" if pose.detected else "0"]
        if pose.landmarks is None:
            row.extend(self._empty)
        else:
            values = np.asarray(pose.landmarks, dtype=np.float64)[:NUM_LANDMARKS, : len(_LANDMARK_FIELDS)]
            row.extend(_number(v) for v in values.ravel())
        self._writerow(row)
        self.frames_written += 1

    def _finish(self, tmp: Path, partial: bool) -> bool:
        file, self._file = self._file, None
        if file is not None:
            try:
                file.close()  # flushes; rows are whole because each is written by one call
            except OSError as err:
                raise UserError(f"cannot write {self.path}: {reason_of(err)}") from None
        return True
