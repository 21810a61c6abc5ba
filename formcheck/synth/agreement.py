"""How well MediaPipe sees a rendered clip: detection rate and landmark error against the truth.

Used by the tests (every committed sample must stay detectable) and by the matrix script. It
needs only the core install (MediaPipe through `formcheck.pose`, PyAV through
`formcheck.sources`): no renderer.

Error = per frame, the median over the COCO-17 joints of the pixel distance between MediaPipe's
landmark and the truth keypoint, divided by the truth torso length (shoulder midpoint to hip
midpoint) in that frame; the clip's figure is the median over detected frames. Far-side joints
are included: the figure is what an analyzer actually gets.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from formcheck.models import DEFAULT_MODEL

# COCO-17 (anny's order) -> MediaPipe Pose landmark index.
COCO_TO_MEDIAPIPE = {
    "nose": 0, "left_eye": 2, "right_eye": 5, "left_ear": 7, "right_ear": 8,
    "left_shoulder": 11, "right_shoulder": 12, "left_elbow": 13, "right_elbow": 14,
    "left_wrist": 15, "right_wrist": 16, "left_hip": 23, "right_hip": 24,
    "left_knee": 25, "right_knee": 26, "left_ankle": 27, "right_ankle": 28,
}


@dataclass
class Agreement:
    clip: str
    frames: int
    detected: int
    median_error: float          # torso lengths, over detected frames
    joint_errors: dict[str, float]  # per-joint median, torso lengths

    @property
    def detection_rate(self) -> float:
        return self.detected / self.frames if self.frames else 0.0


def frame_error(truth_frame: dict, names: list[str], landmarks: np.ndarray,
                size: tuple[int, int]) -> np.ndarray:
    """Per-joint error (torso lengths) of one frame's MediaPipe landmarks (33, >=2 normalized)."""
    kp = np.asarray(truth_frame["keypoints"], dtype=float)
    index = {n: i for i, n in enumerate(names)}
    shoulders = (kp[index["left_shoulder"]] + kp[index["right_shoulder"]]) / 2
    hips = (kp[index["left_hip"]] + kp[index["right_hip"]]) / 2
    torso = max(float(np.linalg.norm(shoulders - hips)), 1e-6)
    scale = np.array(size, dtype=float)
    out = []
    for name, mp_index in COCO_TO_MEDIAPIPE.items():
        seen = landmarks[mp_index, :2] * scale
        out.append(np.linalg.norm(seen - kp[index[name]]) / torso)
    return np.array(out)


def measure(video: Path, truth_path: Path | None = None, model: str = DEFAULT_MODEL) -> Agreement:
    """Run MediaPipe (VIDEO mode) over a rendered clip and compare with its truth JSON."""
    from formcheck.pose import PoseEstimator
    from formcheck.sources import VideoFile

    truth_path = truth_path or video.with_name(video.stem + ".truth.json")
    truth = json.loads(truth_path.read_text())
    names = truth["keypoint_names"]
    per_frame = truth["per_frame"]
    errors: list[np.ndarray] = []
    frames = detected = 0
    with VideoFile(video) as source, PoseEstimator(model) as estimator:
        for i, frame in enumerate(source):
            frames += 1
            pose = estimator.process(frame)
            if not pose.detected or i >= len(per_frame):
                continue
            detected += 1
            errors.append(frame_error(per_frame[i], names, pose.landmarks, frame.size))
    if errors:
        table = np.stack(errors)
        median = float(np.median(np.median(table, axis=1)))
        joints = {n: float(np.median(table[:, k])) for k, n in enumerate(COCO_TO_MEDIAPIPE)}
    else:
        median, joints = float("nan"), {}
    return Agreement(video.name, frames, detected, median, joints)
