"""Landmark recordings: everything the analyzers consume, saved once so it can be replayed.

Pose inference is the slow part of formcheck; the analyzers are cheap. A recording keeps every
`PoseFrame` of a session (time, normalized and world landmarks with visibility and presence,
whether a person was found, image size) plus where it came from (source file and its sha256,
pose model and its sha256, MediaPipe and formcheck versions). `formcheck replay` and the
scorecard's pose cache feed those frames straight to the analyzers, with no model and no video,
and get the same report bit for bit.

File format (full description: docs/recording-format.md), version 1.0:
a zip (deflate) NumPy archive written with `numpy.savez_compressed`, no pickled objects:

    meta        uint8 (B,)       UTF-8 JSON object, see below
    t           float64 (N,)     seconds, from the source's own clock
    image_size  int32 (N, 2)     (width, height) of the upright image per frame
    detected    bool (N,)        a person was found
    has_world   bool (N,)        world landmarks were given
    landmarks   float32 (N,33,5) x, y, z, visibility, presence; NaN where not detected
    world       float32 (N,33,5) metres about the hip centre; NaN where absent

`meta` holds `format` ("formcheck-landmarks"), `format_version` ("MAJOR.MINOR"), `created`
(ISO 8601 UTC), `frames`, `detected_frames`, `partial`, `source` (SourceInfo.as_dict() or
null), `source_path`, `source_sha256`, `model` ({name, sha256}), `mediapipe_version`,
`formcheck_version` and `extra` (free-form). A reader accepts any minor version of its major
version (minor versions only add keys) and refuses a newer major version.

Written atomically: frames are kept in memory (about 1.3 kB per frame, 140 MB for an hour at
30 fps) and the archive goes to a temporary file in the target folder, renamed over the target
when complete, so a reader never sees half a recording. An interrupted session still writes
what it has, marked `partial: true`.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import tempfile
import zipfile
import zlib
from array import array
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from formcheck import __version__
from formcheck.errors import UserError
from formcheck.files import reason_of, write_atomic
from formcheck.frames import Frame, SourceInfo
from formcheck.landmarks import NUM_LANDMARKS, PoseFrame

FORMAT_NAME = "formcheck-landmarks"
FORMAT_VERSION = (1, 0)
ARRAYS = ("t", "image_size", "detected", "has_world", "landmarks", "world")
SUFFIX = ".landmarks.npz"

_ROW_SHAPE = (NUM_LANDMARKS, 5)
_NAN_ROWS = np.full(_ROW_SHAPE, np.nan, dtype=np.float32)  # a frame without a person or world


def _now_iso() -> str:
    return _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat()


def _as_rows(arr: np.ndarray | None, what: str, t: float) -> np.ndarray:
    a = np.asarray(arr)
    if a.shape != _ROW_SHAPE:
        raise ValueError(f"{what} at t={t:.3f}s has shape {a.shape}, expected {_ROW_SHAPE}")
    # The contract says float32; a float64 synthetic stream is stored as float32 (documented).
    # Always a copy: a producer reusing or editing its array later must not change the record.
    return np.array(a, dtype=np.float32, copy=True)


class RecordingWriter:
    """A sink that records every PoseFrame of a session to one `.landmarks.npz` file.

    Follows the sink protocol (`formcheck.sinks.Sink`): a context manager with
    `write(frame, pose, annotated)` and `close(partial=False)`; leaving the `with` block on an
    exception closes it as partial, so an interrupted run keeps what it saw.

    >>> import numpy as np, tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "s.landmarks.npz"
    >>> with RecordingWriter(p, model_name="full") as rec:
    ...     rec.write(None, PoseFrame.empty(0.0, (640, 360)), None)
    >>> read_recording(p).meta["frames"]
    1
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        meta: Mapping[str, Any] | None = None,
        *,
        source: SourceInfo | Mapping[str, Any] | None = None,
        source_path: str | os.PathLike[str] | None = None,
        source_sha256: str | None = None,
        model_name: str | None = None,
        model_sha256: str | None = None,
        mediapipe_version: str | None = None,
        formcheck_version: str | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        """`meta` may carry any of the metadata keys at once (as `formcheck.pipeline` builds
        it: source, source_sha256, model {name, sha256, ...}, mediapipe_version,
        formcheck_version); keyword arguments given explicitly override it."""
        self.path = Path(path)
        if not self.path.parent.is_dir():
            raise UserError(f"cannot write recording {self.path}: folder {self.path.parent} does not exist")
        base = dict(meta or {})
        src = source if source is not None else base.get("source")
        if isinstance(src, SourceInfo):
            src = src.as_dict()
        if source_path is None:
            source_path = base.get("source_path") or (src or {}).get("path")
        model = dict(base.get("model") or {})
        if model_name is not None:
            model["name"] = model_name
        if model_sha256 is not None:
            model["sha256"] = model_sha256
        model.setdefault("name", None)
        model.setdefault("sha256", None)
        known = {"source", "source_path", "source_sha256", "model", "mediapipe_version",
                 "formcheck_version", "extra"}
        self._meta: dict[str, Any] = {
            "source": dict(src) if src is not None else None,
            "source_path": str(source_path) if source_path is not None else None,
            "source_sha256": source_sha256 or base.get("source_sha256"),
            "model": model,
            "mediapipe_version": mediapipe_version or base.get("mediapipe_version") or model.get("mediapipe"),
            "formcheck_version": formcheck_version or base.get("formcheck_version") or __version__,
            # Unknown keys a producer passes are kept, not dropped, under `extra`.
            "extra": {**{k: v for k, v in base.items() if k not in known}, **dict(base.get("extra") or {}),
                      **dict(extra or {})},
        }
        # A session of any length keeps flat memory: each frame's landmark rows go to an unnamed
        # temporary file beside the recording (gone with the process, whatever happens), read
        # back once at close; only times, sizes and flags (18 bytes a frame) stay in memory.
        try:
            self._rows = tempfile.TemporaryFile(dir=self.path.parent, prefix=".formcheck-rows-")
        except OSError as err:
            raise UserError(f"cannot write recording {self.path}: {reason_of(err)}") from None
        self._t = array("d")
        self._size = array("i")
        self._detected = bytearray()
        self._has_world = bytearray()
        self._closed = False

    def __enter__(self) -> "RecordingWriter":
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        self.close(partial=exc_type is not None)

    def __len__(self) -> int:
        return len(self._t)

    def note(self, key: str, value: Any) -> None:
        """Add a producer's note to the metadata's `extra` (e.g. why a source ended early)."""
        self._meta["extra"][key] = value

    def write(self, frame: Frame | None, pose: PoseFrame, annotated: object = None) -> None:
        """Keep one frame's pose; the image and the annotated image are not recorded."""
        if self._closed:
            raise ValueError("recording already closed")
        t = float(pose.t)
        lm = _NAN_ROWS if pose.landmarks is None else _as_rows(pose.landmarks, "landmarks", t)
        world = _NAN_ROWS if pose.world is None else _as_rows(pose.world, "world", t)
        self._rows.write(lm.tobytes() + world.tobytes())
        self._t.append(t)
        self._size.extend((int(pose.image_size[0]), int(pose.image_size[1])))
        self._detected.append(pose.landmarks is not None)
        self._has_world.append(pose.world is not None)

    def close(self, partial: bool = False) -> Path | None:
        """Write the file (once; later calls do nothing). Returns its path."""
        if self._closed:
            return None
        self._closed = True
        n = len(self._t)
        try:
            self._rows.seek(0)
            # Only the frames counted: a write cut short (a full disk) leaves a torn row behind.
            rows = np.fromfile(self._rows, dtype=np.float32, count=n * 2 * _NAN_ROWS.size)
            rows = rows.reshape(n, 2, *_ROW_SHAPE)
        finally:
            self._rows.close()
        landmarks, world = rows[:, 0], rows[:, 1]
        detected = np.frombuffer(bytes(self._detected), dtype=np.uint8).astype(bool)
        meta = {
            "format": FORMAT_NAME,
            "format_version": f"{FORMAT_VERSION[0]}.{FORMAT_VERSION[1]}",
            "created": _now_iso(),
            "frames": n,
            "detected_frames": int(detected.sum()),
            "partial": bool(partial),
            **self._meta,
        }
        arrays = {
            "t": np.asarray(self._t, dtype=np.float64),
            "image_size": np.asarray(self._size, dtype=np.int32).reshape(n, 2),
            "detected": detected,
            "has_world": np.frombuffer(bytes(self._has_world), dtype=np.uint8).astype(bool),
            "landmarks": np.ascontiguousarray(landmarks),
            "world": np.ascontiguousarray(world),
        }
        write_arrays(self.path, meta, arrays)
        return self.path


def write_arrays(path: Path, meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
    """Write meta + arrays as one archive, atomically (formcheck.files: temp file in the same
    folder, fsync, rename)."""
    blob = np.frombuffer(json.dumps(meta, sort_keys=True).encode("utf-8"), dtype=np.uint8)
    # A file object, not a name: numpy would otherwise append ".npz" to the name.
    write_atomic(path, lambda fh: np.savez_compressed(fh, meta=blob, **arrays), shown=f"recording {path}")


@dataclass(frozen=True)
class Recording:
    """A recording read back: its metadata and its frames as arrays (see the module docstring)."""

    path: Path
    meta: dict[str, Any]
    t: np.ndarray
    image_size: np.ndarray
    detected: np.ndarray
    has_world: np.ndarray
    landmarks: np.ndarray
    world: np.ndarray

    def __len__(self) -> int:
        return int(self.t.shape[0])

    @property
    def partial(self) -> bool:
        return bool(self.meta.get("partial", False))

    @property
    def source_sha256(self) -> str | None:
        return self.meta.get("source_sha256")

    @property
    def model_name(self) -> str | None:
        return (self.meta.get("model") or {}).get("name")

    def pose(self, i: int) -> PoseFrame:
        """Frame `i` as the PoseFrame that was recorded (copies: analyzers may not share memory)."""
        w, h = self.image_size[i]
        return PoseFrame(
            t=float(self.t[i]),
            image_size=(int(w), int(h)),
            landmarks=self.landmarks[i].copy() if self.detected[i] else None,
            world=self.world[i].copy() if self.has_world[i] else None,
        )

    def poses(self) -> Iterator[PoseFrame]:
        """Every recorded frame in time order, exactly as it was written."""
        for i in range(len(self)):
            yield self.pose(i)


def _parse_version(value: object, path: Path) -> tuple[int, int]:
    try:
        major, minor = str(value).split(".")
        return int(major), int(minor)
    except (ValueError, AttributeError):
        raise UserError(f"{path}: not a formcheck landmark recording (format_version {value!r})") from None


def read_recording(path: str | os.PathLike[str]) -> Recording:
    """Read and check a recording; every problem is a one-line UserError naming the file."""
    p = Path(path)
    if not p.exists():
        raise UserError(f"recording {p} does not exist")
    if p.is_dir():
        raise UserError(f"recording {p} is a folder, not a file")
    try:
        with open(p, "rb") as fh:
            magic = fh.read(4)
    except OSError as exc:
        raise UserError(f"cannot read recording {p}: {exc.strerror or exc}") from None
    if magic != b"PK\x03\x04":
        # Without this, numpy would try any other file as a pickle and say so: misleading.
        what = "an empty file" if not magic else "not a .npz archive"
        raise UserError(f"{p}: not a formcheck landmark recording ({what})")
    try:
        with np.load(p, allow_pickle=False) as npz:
            names = set(npz.files)
            if "meta" not in names:
                raise UserError(f"{p}: not a formcheck landmark recording (no metadata)")
            meta = json.loads(npz["meta"].tobytes().decode("utf-8"))
            if not isinstance(meta, dict) or meta.get("format") != FORMAT_NAME:
                raise UserError(f"{p}: not a formcheck landmark recording")
            major, minor = _parse_version(meta.get("format_version"), p)
            if major > FORMAT_VERSION[0]:
                raise UserError(
                    f"{p}: recording format {major}.{minor} is newer than this formcheck reads "
                    f"({FORMAT_VERSION[0]}.x); upgrade formcheck to replay it"
                )
            if major < FORMAT_VERSION[0]:
                raise UserError(f"{p}: recording format {major}.{minor} is too old to read")
            missing = [a for a in ARRAYS if a not in names]
            if missing:
                raise UserError(f"{p}: recording is incomplete (missing {', '.join(missing)})")
            arrays = {a: npz[a] for a in ARRAYS}
    except UserError:
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError, ValueError, KeyError, OSError, UnicodeDecodeError) as exc:
        raise UserError(f"{p}: recording is truncated or corrupt ({type(exc).__name__}: {exc})".splitlines()[0]) from exc
    _check_shapes(p, meta, arrays)
    for a in arrays.values():
        a.flags.writeable = False
    return Recording(path=p, meta=meta, **arrays)


def _check_shapes(p: Path, meta: dict[str, Any], a: dict[str, np.ndarray]) -> None:
    n = a["t"].shape[0] if a["t"].ndim == 1 else -1
    expected = {
        "t": ((n,), np.float64),
        "image_size": ((n, 2), np.int32),
        "detected": ((n,), np.bool_),
        "has_world": ((n,), np.bool_),
        "landmarks": ((n, *_ROW_SHAPE), np.float32),
        "world": ((n, *_ROW_SHAPE), np.float32),
    }
    for name, (shape, dtype) in expected.items():
        if a[name].shape != shape or a[name].dtype != dtype:
            raise UserError(
                f"{p}: recording is corrupt ({name} is {a[name].dtype}{list(a[name].shape)}, "
                f"expected {np.dtype(dtype)}{list(shape)})"
            )
    if meta.get("frames") is not None and meta["frames"] != n:
        raise UserError(f"{p}: recording is corrupt (metadata says {meta['frames']} frames, found {n})")

