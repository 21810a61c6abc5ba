"""One VIDEO-mode PoseLandmarker pass that keeps MediaPipe's segmentation mask of every frame.

The experiment's own pose pass (the pose cache keeps landmarks only): landmarks exactly as
formcheck's PoseEstimator gets them (same model, options and timestamps, plus
`output_segmentation_masks=True`, which does not change them: checked against the cache), and
each frame's person mask, downsampled so the longer image side is at most 640 px (the mask is
the model's 256x256 output warped onto the frame, ~4-5 px a cell on a 1280 px frame, so nothing
is lost), as uint8 0..255, in one compressed .npz per clip:

    python benchmarks/hold_signal/mask_pass.py OUT_DIR CLIP.mp4 [CLIP.mp4 ...]

A clip already in OUT_DIR (same sha256) is skipped.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from formcheck.files import file_sha256  # noqa: E402
from formcheck.models import DEFAULT_MODEL, resolve_model  # noqa: E402
from formcheck.pose import _landmark_array, quiet_native_stderr  # noqa: E402
from formcheck.sources import VideoFile  # noqa: E402

MAX_SIDE = 640


def mask_path(out_dir: Path, clip: Path) -> Path:
    return out_dir / f"{clip.stem}.{file_sha256(clip)[:12]}.masks.npz"


def run(clip: Path, out: Path) -> None:
    import cv2
    import mediapipe as mp
    from mediapipe.tasks.python.core.base_options import BaseOptions
    from mediapipe.tasks.python.vision import pose_landmarker as pl
    from mediapipe.tasks.python.vision.core.vision_task_running_mode import VisionTaskRunningMode

    opts = pl.PoseLandmarkerOptions(
        base_options=BaseOptions(model_asset_path=str(resolve_model(DEFAULT_MODEL))),
        running_mode=VisionTaskRunningMode.VIDEO, num_poses=1,
        min_pose_detection_confidence=0.5, min_pose_presence_confidence=0.5,
        min_tracking_confidence=0.5, output_segmentation_masks=True)
    times, lms, masks = [], [], []
    last_ms, last_t = -1, None
    started = time.monotonic()
    with quiet_native_stderr():
        landmarker = pl.PoseLandmarker.create_from_options(opts)
    with VideoFile(clip) as source, landmarker:
        w, h = source.info.width, source.info.height
        f = max(1, int(np.ceil(max(w, h) / MAX_SIDE)))
        small = (w // f, h // f)
        for frame in source:
            if last_t is not None and frame.t <= last_t:
                continue
            last_t = frame.t
            ms = int(round(frame.t * 1000.0))
            ms = max(ms, last_ms + 1)
            last_ms = ms
            rgb = cv2.cvtColor(frame.image, cv2.COLOR_BGR2RGB)
            res = landmarker.detect_for_video(mp.Image(image_format=mp.ImageFormat.SRGB, data=rgb), ms)
            times.append(frame.t)
            if res.pose_landmarks:
                lms.append(_landmark_array(res.pose_landmarks[0]))
                m = res.segmentation_masks[0].numpy_view()
                m = cv2.resize(np.asarray(m, dtype=np.float32).reshape(h, w), small, interpolation=cv2.INTER_AREA)
                masks.append(np.clip(m * 255.0 + 0.5, 0, 255).astype(np.uint8))
            else:
                lms.append(np.full((33, 5), np.nan, np.float32))
                masks.append(np.zeros(small[::-1], np.uint8))
    np.savez_compressed(out.with_suffix(".tmp.npz"), t=np.array(times), landmarks=np.array(lms),
                        masks=np.array(masks), image_size=np.array([w, h]), factor=np.array(f))
    out.with_suffix(".tmp.npz").rename(out)
    print(f"{clip.name}: {len(times)} frames in {time.monotonic() - started:.0f} s -> {out}", flush=True)


def main(argv: list[str]) -> int:
    out_dir = Path(argv[0])
    out_dir.mkdir(parents=True, exist_ok=True)
    for c in argv[1:]:
        clip = Path(c)
        out = mask_path(out_dir, clip)
        if out.exists():
            continue
        run(clip, out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
