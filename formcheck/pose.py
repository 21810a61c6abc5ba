"""MediaPipe's Tasks `PoseLandmarker` behind one small, typed, deterministic wrapper.

Why a wrapper: the Tasks API wants RGB `mp.Image`s and strictly increasing integer millisecond
timestamps in VIDEO mode, returns lists of dataclasses, and must be closed explicitly (left to the
garbage collector at exit it prints a traceback). Everything after this module sees
`PoseFrame`s: plain float32 arrays with the source's own time, or "no person".
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType

import numpy as np

from formcheck.errors import UserError
from formcheck.files import file_sha256
from formcheck.frames import Frame
from formcheck.landmarks import NUM_LANDMARKS, PoseFrame
from formcheck.models import DEFAULT_MODEL, MODEL_NAMES


def mediapipe_version() -> str:
    """The installed MediaPipe's version (recorded in reports, recordings and the pose cache's
    keys), read from package metadata (no import: a pose cache hit stays cheap); "none" when
    MediaPipe is not installed."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("mediapipe")
    except PackageNotFoundError:
        return "none"


@contextlib.contextmanager
def quiet_native_stderr() -> Iterator[None]:
    """Silence MediaPipe's C++ log lines (XNNPACK INFO, glog warnings) while the graph starts
    and closes.

    They go straight to file descriptor 2 from native code, ignoring Python and every log-level
    variable tried (GLOG_minloglevel, TF_CPP_MIN_LOG_LEVEL, ABSL_MIN_LOG_LEVEL), and would bury
    formcheck's own one-line messages. FORMCHECK_DEBUG=1 keeps them.
    """
    if os.environ.get("FORMCHECK_DEBUG"):
        yield
        return
    try:
        saved = os.dup(2)
    except OSError:  # no stderr at all
        yield
        return
    try:
        with open(os.devnull, "wb") as devnull:
            os.dup2(devnull.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def _landmark_array(points: list, *, with_scores: bool = True) -> np.ndarray:
    """List of 33 Tasks landmark dataclasses -> float32 (33, 5): x, y, z, visibility, presence."""
    out = np.empty((NUM_LANDMARKS, 5), dtype=np.float32)
    for i, p in enumerate(points[:NUM_LANDMARKS]):
        out[i, 0] = p.x
        out[i, 1] = p.y
        out[i, 2] = p.z
        out[i, 3] = p.visibility if p.visibility is not None else 1.0
        out[i, 4] = p.presence if p.presence is not None else 1.0
    return out


class PoseEstimator:
    """Pose landmarks for each frame of one stream, in VIDEO (tracking) mode.

    VIDEO mode tracks the person from frame to frame (faster and steadier than per-image
    detection) and requires strictly increasing timestamps; the source's times are turned into
    integer milliseconds here and nudged forward by 1 ms if two would collide, so a 1000 fps
    file or a jittery camera never trips MediaPipe. One estimator serves one stream: open a new
    one for the next video.

        with PoseEstimator("lite") as estimator:
            for frame in source:
                pose = estimator.process(frame)
    """

    def __init__(
        self,
        model: str = DEFAULT_MODEL,
        *,
        min_detection_confidence: float = 0.5,
        min_presence_confidence: float = 0.5,
        min_tracking_confidence: float = 0.5,
    ) -> None:
        from formcheck.models import explain_model_error, resolve_model

        self.model_path: Path = resolve_model(model)
        self.model_name: str = model if model in MODEL_NAMES else self.model_path.name
        self._last_ms = -1
        self._frames_seen = 0
        self._person_frames = 0
        try:
            from mediapipe.tasks.python.core.base_options import BaseOptions
            from mediapipe.tasks.python.vision import pose_landmarker as pl
            from mediapipe.tasks.python.vision.core.vision_task_running_mode import (
                VisionTaskRunningMode,
            )

            options = pl.PoseLandmarkerOptions(
                base_options=BaseOptions(model_asset_path=str(self.model_path)),
                running_mode=VisionTaskRunningMode.VIDEO,
                num_poses=1,
                min_pose_detection_confidence=min_detection_confidence,
                min_pose_presence_confidence=min_presence_confidence,
                min_tracking_confidence=min_tracking_confidence,
            )
            with quiet_native_stderr():
                self._landmarker = pl.PoseLandmarker.create_from_options(options)
        except UserError:
            raise
        except Exception as exc:  # MediaPipe reports bad bundles as RuntimeError/ValueError
            raise explain_model_error(self.model_path, exc) from exc

    @property
    def model_sha256(self) -> str:
        return file_sha256(self.model_path, cache=True)  # tens of MB: hashed once per process

    def info(self) -> dict[str, str]:
        """What the report records about the model."""
        return {
            "name": self.model_name,
            "path": str(self.model_path),
            "sha256": self.model_sha256,
            "mediapipe": mediapipe_version(),
        }

    def process(self, frame: Frame) -> PoseFrame:
        """Landmarks of the one person in `frame`, or an empty PoseFrame if nobody is there."""
        import cv2
        import mediapipe as mp

        if self._landmarker is None:
            raise RuntimeError("PoseEstimator is closed")
        ts = int(round(frame.t * 1000.0))
        if ts <= self._last_ms:
            ts = self._last_ms + 1
        self._last_ms = ts
        rgb = cv2.cvtColor(frame.image, cv2.COLOR_BGR2RGB)  # ~4x faster than a numpy flip
        image = mp.Image(image_format=mp.ImageFormat.SRGB, data=rgb)
        if self._frames_seen < 2 or self._person_frames < 2:
            # The graph logs on its first frames, and again on its first frames with a person
            # (glog's "Using NORM_RECT without IMAGE_DIMENSIONS" warning), which a live session
            # may reach minutes in.
            with quiet_native_stderr():
                result = self._landmarker.detect_for_video(image, ts)
        else:
            result = self._landmarker.detect_for_video(image, ts)
        self._frames_seen += 1
        self._person_frames += bool(result.pose_landmarks)
        size = frame.size
        if not result.pose_landmarks:
            return PoseFrame.empty(frame.t, size)
        world = result.pose_world_landmarks[0] if result.pose_world_landmarks else None
        return PoseFrame(
            t=frame.t,
            image_size=size,
            landmarks=_landmark_array(result.pose_landmarks[0]),
            world=_landmark_array(world) if world else None,
        )

    def close(self) -> None:
        if getattr(self, "_landmarker", None) is not None:
            with quiet_native_stderr():  # TensorFlow Lite logs "DestroyAccelerator" INFO lines
                self._landmarker.close()
            self._landmarker = None

    def __enter__(self) -> "PoseEstimator":
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __del__(self) -> None:  # last resort: avoid MediaPipe's noisy __del__ at exit
        try:
            self.close()
        except Exception:
            pass
