"""Fetching the registry packages that carry the pose networks, and reading one network out.

Google's bundles live on a server that a user's first run must not depend on; the same networks
ship, without the metadata the Tasks API needs, in the PyPI wheel `mediapipe==0.10.21` (detector,
full) and the npm package `@mediapipe/pose@0.5.1675469404` (lite, heavy). Each is downloaded once
into a work folder, never installed, and every network read out of it is checked against its
pinned sha256. Used only by `formcheck models build`.
"""

from __future__ import annotations

import hashlib
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
from formcheck.models.resolve import display_path


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
        raise UserError(f"{display_path(archive)} has no {member}; delete it and rebuild") from exc
    except (zipfile.BadZipFile, tarfile.TarError, EOFError, OSError) as exc:
        raise UserError(f"{display_path(archive)} is corrupt ({exc}); delete it and rebuild") from exc


def read_network(source: NetworkSource, work_dir: Path) -> bytes:
    """One input network, verified against its pinned sha256 (a changed package stops the build)."""
    archive = fetch_wheel(work_dir) if source.package == "pypi" else fetch_npm_tarball(work_dir)
    data = _read_member(archive, source.member)
    actual = hashlib.sha256(data).hexdigest()
    if actual != source.sha256:
        raise UserError(
            f"{source.member} in {display_path(archive)} has sha256 {actual}, expected {source.sha256}; "
            "delete the file and rebuild"
        )
    return data
