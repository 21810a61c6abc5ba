"""Writing a file so that no reader ever sees half of it, and naming a file by its bytes.

Every file formcheck writes (the annotated video, the CSV, the JSON report, a landmark
recording, a rebuilt model bundle) follows one life cycle, so that an interrupted run (Ctrl-C, a
crash, a full disk) never leaves half a file where a user or a program looks for one:

1. `open_temp(path)` checks the destination *before any work is done* (a read-only folder, a
   file where a folder should be, a parent that cannot be created), raising a one-line
   `UserError` naming the path, and opens a hidden temp file in the destination folder (same
   file system, so the final rename is atomic);
2. the caller writes the temp file;
3. `publish(tmp, path)` fsyncs it and renames it over `path` (then fsyncs the folder, so the
   rename itself is durable); `discard(tmp)` removes it instead when the work failed.

`write_atomic` runs the three steps for a caller that writes its file in one go;
`write_json_atomic` is that for JSON. `file_sha256` names a clip or a model bundle by its
content, independent of its file name or folder.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import tempfile
from collections.abc import Callable
from dataclasses import asdict, is_dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from formcheck.errors import UserError

__all__ = [
    "open_temp",
    "publish",
    "discard",
    "write_atomic",
    "write_json_atomic",
    "file_sha256",
    "reason_of",
]


def _umask() -> int:
    # mkstemp creates 0600 files; the outputs should get the user's usual permissions.
    mask = os.umask(0)
    os.umask(mask)
    return mask


def reason_of(err: OSError) -> str:
    """An OS error as the few words that end a one-line message ("Permission denied")."""
    return err.strerror or err.__class__.__name__


# --------------------------------------------------------------------------------------------
# The atomic life cycle


def open_temp(path: Path, *, shown: str | None = None) -> tuple[int, Path]:
    """Check that `path` can be written and open a temp file beside it (fd, temp path).

    Raises UserError naming `path` (or `shown`, how the caller names the file in its messages)
    when it cannot: this is the early check that makes an unwritable `--out` fail before the
    analysis starts.
    """
    what = shown if shown is not None else str(path)
    if path.is_dir():
        raise UserError(f"cannot write {what}: it is a folder")
    parent = path.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise UserError(f"cannot write {what}: {parent} is a file, not a folder") from None
    except NotADirectoryError:
        raise UserError(f"cannot write {what}: part of {parent} is a file, not a folder") from None
    except OSError as err:
        raise UserError(f"cannot write {what}: cannot create folder {parent} ({reason_of(err)})") from None
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=parent)
    except PermissionError:
        raise UserError(f"cannot write {what}: folder {parent} is not writable") from None
    except OSError as err:
        raise UserError(f"cannot write {what}: {reason_of(err)}") from None
    try:
        os.fchmod(fd, 0o666 & ~_umask())
    except OSError:
        pass  # the file stays private (0600): not worth failing the run for
    return fd, Path(tmp)


def _fsync_path(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(folder: Path) -> None:
    """Make the rename itself durable; best effort (not every file system allows it)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def discard(path: Path | None) -> None:
    """Remove a temp file if it is still there (after `publish` it is not: nothing to do)."""
    if path is None:
        return
    try:
        path.unlink()
    except FileNotFoundError:
        pass


def publish(tmp: Path, path: Path, *, shown: str | None = None) -> None:
    """fsync the finished temp file and rename it over `path` (atomic on one file system)."""
    try:
        _fsync_path(tmp)
        os.replace(tmp, path)
    except OSError as err:
        raise UserError(f"cannot write {shown if shown is not None else path}: {reason_of(err)}") from None
    _fsync_dir(path.parent)


def write_atomic(
    path: str | os.PathLike[str], write: Callable[[BinaryIO], None], *, shown: str | None = None
) -> Path:
    """Create `path` with `write(file)` (a binary file object): temp file, fsync, rename.

    A reader sees either the previous file or the whole new one; if `write` fails or is
    interrupted, the temp file is removed and the error goes on (an OSError as a one-line
    UserError naming the file). Returns the path.
    """
    target = Path(path)
    what = shown if shown is not None else str(target)
    fd, tmp = open_temp(target, shown=what)
    try:
        with open(fd, "wb") as fh:
            write(fh)
        publish(tmp, target, shown=what)
    except OSError as err:
        raise UserError(f"cannot write {what}: {reason_of(err)}") from None
    finally:
        discard(tmp)
    return target


# --------------------------------------------------------------------------------------------
# JSON


def _json_ready(value: Any) -> Any:
    """Plain JSON values: numpy scalars/arrays, paths, dataclasses converted; NaN/inf -> null
    (json.dumps would write the bare word NaN, which no JSON reader accepts)."""
    if isinstance(value, dict):
        return {str(k): _json_ready(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_ready(v) for v in value]
    if isinstance(value, np.ndarray):
        return _json_ready(value.tolist())
    if isinstance(value, np.generic):
        return _json_ready(value.item())
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    if is_dataclass(value) and not isinstance(value, type):
        return _json_ready(value.as_dict() if hasattr(value, "as_dict") else asdict(value))
    return value


def write_json_atomic(path: str | os.PathLike[str], data: dict[str, Any]) -> Path:
    """Write `data` as indented JSON at `path`: temp file, fsync, rename. Returns the path.

    A reader (or a user opening the report after Ctrl-C) sees either the previous file or the
    whole new one, never half a JSON. Unwritable destinations raise a one-line UserError.
    """
    text = json.dumps(_json_ready(data), indent=2, ensure_ascii=False, allow_nan=False) + "\n"
    return write_atomic(path, lambda fh: fh.write(text.encode("utf-8")))


# --------------------------------------------------------------------------------------------
# Naming a file by its content


def _sha256(path: str | os.PathLike[str], chunk: int) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


@lru_cache(maxsize=8)
def _cached_sha256(path: str, size: int, mtime_ns: int, chunk: int) -> str:
    return _sha256(path, chunk)


def file_sha256(path: str | os.PathLike[str], *, cache: bool = False, chunk: int = 1 << 20) -> str:
    """Hex sha256 of a file's bytes: names a clip or a model independent of its file name or folder.

    Read in chunks (models are tens of MB). `cache=True` hashes a file once per process for as
    long as it keeps its size and modification time (the pose model, hashed for every report);
    a changed file is hashed again. An unreadable file is a one-line UserError.
    """
    try:
        if cache:
            st = os.stat(path)
            return _cached_sha256(os.path.realpath(path), st.st_size, st.st_mtime_ns, chunk)
        return _sha256(path, chunk)
    except OSError as exc:
        raise UserError(f"cannot read {path}: {exc.strerror or exc}") from exc
