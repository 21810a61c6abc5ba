"""What a run needs of the pose model: the bundle a `--model` names, checked before MediaPipe.

MediaPipe's Tasks `PoseLandmarker` loads a `.task` bundle (a zip holding a pose detector and a
landmarker network, each with TFLite metadata); formcheck ships lite and full in the repository's
`models/` folder. `resolve_model` turns `--model lite|full|heavy|PATH` into a checked path.

Checking a file (`check_model_file`) is cheap and never loads mediapipe: a missing file, a
directory, an empty or truncated download, an HTML error page or a git-LFS pointer saved as `.task`
each get one line naming the file and the command that rebuilds it, instead of MediaPipe's
`RuntimeError: Unable to open zip archive.`
"""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

from formcheck.errors import UserError

MODEL_NAMES: tuple[str, ...] = ("lite", "full", "heavy")
# The model a run uses when no --model is given.
DEFAULT_MODEL = "full"

# formcheck/models/resolve.py -> the repository root, which holds the models/ folder.
_REPO_ROOT = Path(__file__).resolve().parents[2]


def models_dir() -> Path:
    """The folder holding the bundles: repo-root `models/`, or `$FORMCHECK_MODELS_DIR`.

    Read at call time (not import time) so tests and users can point it elsewhere.
    """
    override = os.environ.get("FORMCHECK_MODELS_DIR")
    return Path(override).expanduser() if override else _REPO_ROOT / "models"


def bundle_filename(name: str) -> str:
    return f"pose_landmarker_{name}.task"


def bundle_path(name: str) -> Path:
    return models_dir() / bundle_filename(name)


DETECTOR_ENTRY = "pose_detector.tflite"
LANDMARKER_ENTRY = "pose_landmarks_detector.tflite"
BUNDLE_ENTRIES: tuple[str, str] = (DETECTOR_ENTRY, LANDMARKER_ENTRY)
# Stored entries start on a 4-byte boundary so MediaPipe can mmap them without a copy.
ALIGNMENT = 4


# --------------------------------------------------------------------------------------------
# Naming and checking model files
# --------------------------------------------------------------------------------------------


def display_path(path: Path) -> str:
    """A path as the user would type it: relative to the working directory when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except (ValueError, OSError):
        return str(path)


def _rebuild_hint(path: Path) -> str:
    """The command that recreates this file, or what to do when it is not one of ours."""
    for name in MODEL_NAMES:
        if path.name == bundle_filename(name):
            dest = path.parent
            try:
                same_dir = dest.resolve() == models_dir().resolve()
            except OSError:
                same_dir = False
            suffix = "" if same_dir else f" --dest {display_path(dest)}"
            return f"rebuild it with: formcheck models build {name}{suffix}"
    return "use --model lite|full|heavy, or a PoseLandmarker .task bundle"


def _bad(path: Path, problem: str) -> UserError:
    return UserError(f"model file {display_path(path)} {problem}; {_rebuild_hint(path)}")


def check_model_file(path: str | os.PathLike[str]) -> None:
    """Raise a one-line UserError unless `path` looks like a PoseLandmarker bundle.

    Cheap on purpose (no mediapipe import, reads headers only): the pose wrapper and the CLI call
    it before handing the file to MediaPipe, whose own errors do not name the file or the fix.
    """
    path = Path(path)
    if not path.exists():
        raise _bad(path, "does not exist")
    if path.is_dir():
        raise _bad(path, "is a directory, not a model bundle")
    try:
        size = path.stat().st_size
        with path.open("rb") as f:
            head = f.read(512)
    except OSError as exc:
        raise _bad(path, f"cannot be read ({exc.strerror or exc})") from exc
    if size == 0:
        raise _bad(path, "is empty")
    if head.startswith(b"version https://git-lfs"):
        raise _bad(path, "is a git-LFS pointer, not a model")
    lowered = head.lstrip().lower()
    if lowered.startswith((b"<!doctype", b"<html", b"<?xml", b"<head", b"<body")) or b"<html" in lowered:
        raise _bad(path, "is an HTML page, not a model (a failed download?)")
    # AlignZipFile pads (up to 3 zero bytes) before the first local header.
    if not head[:ALIGNMENT + 2].lstrip(b"\x00").startswith(b"PK"):
        raise _bad(path, "is not a model bundle (not a zip archive)")
    try:
        with zipfile.ZipFile(path) as zf:
            infos = {info.filename: info for info in zf.infolist()}
            missing = [entry for entry in BUNDLE_ENTRIES if entry not in infos]
            if missing:
                raise _bad(path, f"is a zip but not a pose bundle (no {', '.join(missing)})")
            for entry in BUNDLE_ENTRIES:
                info = infos[entry]
                if info.header_offset + info.compress_size > size:
                    raise _bad(path, "is truncated")
                with zf.open(info) as member:
                    magic = member.read(8)
                if magic[4:8] != b"TFL3":
                    raise _bad(path, f"holds a {entry} that is not a TFLite model")
    except zipfile.BadZipFile as exc:
        raise _bad(path, "is truncated or corrupt (not a readable zip archive)") from exc
    except (EOFError, OSError) as exc:
        raise _bad(path, f"is truncated or corrupt ({exc})") from exc


def resolve_model(spec: str = DEFAULT_MODEL) -> Path:
    """Turn `--model lite|full|heavy|PATH` into a checked bundle path (UserError otherwise)."""
    if spec in MODEL_NAMES:
        path = bundle_path(spec)
    else:
        path = Path(spec).expanduser()
        looks_like_path = path.suffix != "" or os.sep in spec or "/" in spec
        if not path.exists() and not looks_like_path:
            raise UserError(
                f"unknown model {spec!r}: choose one of {', '.join(MODEL_NAMES)} "
                "or give the path of a .task bundle"
            )
    check_model_file(path)
    return path


def explain_model_error(path: str | os.PathLike[str], exc: BaseException) -> UserError:
    """Turn MediaPipe's error on loading a bundle into one line naming the file and the fix.

    For the pose wrapper: `except (RuntimeError, ValueError, FileNotFoundError) as exc: raise
    explain_model_error(path, exc) from exc`.
    """
    path = Path(path)
    text = str(exc).strip()
    first_line = text.splitlines()[0] if text else type(exc).__name__
    if isinstance(exc, FileNotFoundError) or "Unable to open file" in text:
        return _bad(path, "does not exist or cannot be opened")
    if "Unable to open zip archive" in text:
        try:
            check_model_file(path)
        except UserError as specific:
            return specific
        return _bad(path, "is not a readable model bundle")
    if "NormalizationOptions" in text or "metadata" in text.lower():
        return _bad(path, "lacks the TFLite metadata the Tasks API needs (a bare .tflite network?)")
    return _bad(path, f"could not be loaded by MediaPipe ({first_line})")
