"""Shared test fixtures: small synthetic videos written with PyAV, and the real clips folder.

Fixtures every test file may use (keep them generic; module-specific helpers belong in the
module's own test file):

- `shared_dir` -> Path to ../shared (relative to the repo root, i.e. /work/shared), or the test is
  skipped with "../shared not found: real clips unavailable". Real clips: `shared_dir / "media"`.
- `make_video` -> a factory writing a tiny H.264 video into the test's tmp_path:

      path = make_video("clip.mp4", n_frames=30, size=(64, 48), fps=30)
      path = make_video("vfr.mp4", times=[0.0, 0.03, 0.1, 0.12])    # exact frame times (VFR)
      path = make_video("phone.mp4", size=(48, 64), rotation=90)     # stored sideways

  Each frame's upright image is `numbered_image(i, size)`: a white marker in the top-left
  corner and the frame number as 8 black/white blocks across the middle, which survive H.264.
  `rotation=R` stores the image turned R degrees counter-clockwise and writes a display matrix
  telling players to turn it R degrees clockwise (what a phone held upright does), so a reader
  that honours the rotation gets `numbered_image(i, size)` back, with `size` upright.
- `read_number` -> `read_number(image) -> int`: the frame number drawn by `numbered_image`,
  from a BGR image (upright, as a source yields it).
- `marker_corner` -> `marker_corner(image) -> str`: which corner ("top-left", "top-right",
  "bottom-left", "bottom-right") holds the white marker, to check orientation.

The plain functions `numbered_image`, `read_number_from` and `marker_corner_of` are also defined
here, for use in a fixture of your own.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DIR = REPO_ROOT.parent / "shared"

_BITS = 8  # frame numbers 0..255


def numbered_image(index: int, size: tuple[int, int]) -> np.ndarray:
    """Upright BGR image for frame `index`: marker top-left, the number in binary mid-height.

    Blocks of pure black/white on a mid-grey ground are large enough (>= 6 px) to survive
    H.264 at its default quality, so tests can check order and orientation after decoding.
    """
    width, height = size
    image = np.full((height, width, 3), 96, np.uint8)
    image[: height // 4, : width // 4] = 255  # orientation marker
    block = width // _BITS
    top, bottom = height // 2 - max(3, height // 12), height // 2 + max(3, height // 12)
    for bit in range(_BITS):
        value = 255 if (index >> bit) & 1 else 0
        image[top:bottom, bit * block : (bit + 1) * block] = value
    return image


def read_number_from(image: np.ndarray) -> int:
    """Inverse of `numbered_image` on a decoded (lossy) BGR image."""
    height, width = image.shape[:2]
    block = width // _BITS
    top, bottom = height // 2 - max(3, height // 12), height // 2 + max(3, height // 12)
    gray = image.mean(axis=2)
    number = 0
    for bit in range(_BITS):
        inner = gray[top + 1 : bottom - 1, bit * block + 1 : (bit + 1) * block - 1]
        if inner.mean() > 128:
            number |= 1 << bit
    return number


def marker_corner_of(image: np.ndarray) -> str:
    """The corner whose quarter-size patch is brightest: where `numbered_image`'s marker is."""
    height, width = image.shape[:2]
    h, w = height // 5, width // 5
    gray = image.mean(axis=2)
    patches = {
        "top-left": gray[:h, :w],
        "top-right": gray[:h, width - w :],
        "bottom-left": gray[height - h :, :w],
        "bottom-right": gray[height - h :, width - w :],
    }
    return max(patches, key=lambda name: float(patches[name].mean()))


def write_video(
    path: Path,
    *,
    n_frames: int = 30,
    size: tuple[int, int] = (64, 48),
    fps: int = 30,
    times: Sequence[float] | None = None,
    rotation: int = 0,
    codec: str = "libx264",
    faststart: bool = False,
) -> Path:
    """Write a small video; see the module docstring. `times` (seconds) overrides fps timing."""
    import av

    if times is not None:
        n_frames = len(times)
    width, height = size
    stored_w, stored_h = (height, width) if rotation % 180 else (width, height)
    options = {"movflags": "+faststart"} if faststart else {}
    with av.open(str(path), "w", options=options) as container:
        stream = container.add_stream(codec, rate=fps)
        stream.width, stream.height, stream.pix_fmt = stored_w, stored_h, "yuv420p"
        if times is not None:
            stream.codec_context.time_base = Fraction(1, 1000)
            stream.time_base = Fraction(1, 1000)
        if rotation:
            # Display matrix: turn the stored image `rotation` degrees clockwise to show it.
            # PyAV's argument is counter-clockwise (as VideoFrame.rotation reads it back).
            stream.set_display_rotation(-rotation)
        for i in range(n_frames):
            upright = numbered_image(i, size)
            stored = np.ascontiguousarray(np.rot90(upright, k=rotation // 90))  # CCW turns
            frame = av.VideoFrame.from_ndarray(stored, format="bgr24")
            frame.pts = round(times[i] * 1000) if times is not None else i
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


@pytest.fixture
def shared_dir() -> Path:
    """../shared (real clips, labels, docs) or skip: CI always has it, a fresh clone may not."""
    if not SHARED_DIR.is_dir():
        pytest.skip("../shared not found: real clips unavailable")
    return SHARED_DIR


@pytest.fixture
def make_video(tmp_path: Path) -> Callable[..., Path]:
    """Factory `make_video(name="clip.mp4", **write_video options) -> Path` in tmp_path."""

    def factory(name: str = "clip.mp4", **options: object) -> Path:
        return write_video(tmp_path / name, **options)  # type: ignore[arg-type]

    return factory


@pytest.fixture
def read_number() -> Callable[[np.ndarray], int]:
    """`read_number(image) -> int`: the frame number drawn by `numbered_image`."""
    return read_number_from


@pytest.fixture
def marker_corner() -> Callable[[np.ndarray], str]:
    """`marker_corner(image) -> str`: the corner holding `numbered_image`'s white marker."""
    return marker_corner_of
