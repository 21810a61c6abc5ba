"""Pose landmarks computed once per (clip, model, MediaPipe version) and kept as recordings.

The pose pass is the slow part of scoring (minutes over the real clips); the analyzers take
seconds. So the scorer asks this cache for a clip's landmarks: the first time it runs the model
and stores a landmark recording (formcheck.recording) in a user cache folder, outside the repo;
after that a hit costs hashing the clip and reading one file, and a change to an analyzer
re-scores every clip in seconds.

Keyed by content, not by name: `<clip sha256>.<model name>-<model sha256[:12]>.mp<version>`
+ `.landmarks.npz`, so a renamed or moved clip still hits and a rebuilt model or another
MediaPipe misses. Folder: `--cache-dir`, else $FORMCHECK_CACHE_DIR, else
$XDG_CACHE_HOME/formcheck/landmarks, else ~/.cache/formcheck/landmarks. Entries are written
atomically (temp file + rename), so two scorers running at once cannot leave half a file; a
partial, corrupt or mismatched entry is recomputed, never trusted.
"""

from __future__ import annotations

import os
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path

from formcheck.errors import UserError
from formcheck.files import file_sha256
from formcheck.models import DEFAULT_MODEL, MODEL_NAMES
from formcheck.pose import mediapipe_version
from formcheck.recording import SUFFIX, Recording, RecordingWriter, read_recording

ENV_VAR = "FORMCHECK_CACHE_DIR"


def default_cache_dir() -> Path:
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / "formcheck" / "landmarks"


def _safe(s: str) -> str:
    return re.sub(r"[^A-Za-z0-9._+-]", "_", s)


class PoseCache:
    """Landmark recordings of video files, computed on a miss.

        cache = PoseCache(model="lite")
        rec = cache.landmarks(Path("clip.mp4"))      # a Recording; .poses() feeds analyzers
    """

    def __init__(
        self,
        root: str | os.PathLike[str] | None = None,
        *,
        model: str = DEFAULT_MODEL,
        log: Callable[[str], None] | None = None,
    ) -> None:
        self.root = Path(root).expanduser() if root is not None else default_cache_dir()
        self.model = model
        self.log = log if log is not None else (lambda msg: print(msg, file=sys.stderr))
        self._model_id: tuple[str, str, Path] | None = None
        self.hits = 0
        self.misses = 0

    def model_identity(self) -> tuple[str, str, Path]:
        """(name, sha256, path) of the pose model, resolved and hashed once per cache."""
        if self._model_id is None:
            from formcheck.models import resolve_model

            path = resolve_model(self.model)
            name = self.model if self.model in MODEL_NAMES else path.stem
            self._model_id = (name, file_sha256(path, cache=True), path)
        return self._model_id

    def entry_path(self, clip_sha256: str) -> Path:
        name, sha, _ = self.model_identity()
        return self.root / f"{clip_sha256}.{_safe(name)}-{sha[:12]}.mp{_safe(mediapipe_version())}{SUFFIX}"

    def landmarks(self, clip: str | os.PathLike[str]) -> Recording:
        """The clip's recording: read from the cache, or computed by the pose model and stored."""
        clip = Path(clip)
        sha = file_sha256(clip)
        path = self.entry_path(sha)
        if path.is_file():
            try:
                rec = read_recording(path)
            except UserError as exc:
                self.log(f"pose cache: recomputing {clip.name}: {exc}")
            else:
                if rec.source_sha256 == sha and not rec.partial:
                    self.hits += 1
                    return rec
                self.log(f"pose cache: recomputing {clip.name}: cached entry is partial or for another clip")
        self.misses += 1
        self._compute(clip, sha, path)
        return read_recording(path)

    def _compute(self, clip: Path, sha: str, path: Path) -> None:
        from formcheck import __version__
        from formcheck.pose import PoseEstimator
        from formcheck.progress import Progress
        from formcheck.sources import VideoFile

        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise UserError(f"cannot create pose cache folder {self.root}: {exc.strerror or exc}") from None
        started = time.monotonic()
        with VideoFile(clip) as source, PoseEstimator(self.model) as estimator:
            info = source.info
            writer = RecordingWriter(
                path,
                source=info,
                source_path=clip.resolve(),
                source_sha256=sha,
                model_name=estimator.model_name,
                model_sha256=estimator.model_sha256,
                mediapipe_version=mediapipe_version(),
                formcheck_version=__version__,
                extra={"written_by": "pose_cache"},
            )
            last_t: float | None = None
            progress = Progress(info.frame_count, label=f"pose {clip.name}")  # drawn on a terminal only
            for frame in source:
                # The same rule as Session.step: times must increase (MediaPipe needs it too).
                if last_t is not None and frame.t <= last_t:
                    continue
                last_t = frame.t
                writer.write(frame, estimator.process(frame), None)
                progress.update(len(writer))
            progress.close()
            # An interrupted pass (Ctrl-C) raises out of the loop before this: nothing partial is
            # ever stored in the cache. A source that ended early on a corrupt tail ends the
            # same way every time, so what it gave is the clip's landmarks; note it.
            ended = getattr(source, "ended_reason", None)
            if ended:
                writer.note("ended_reason", ended)
            writer.close(partial=False)
        self.log(f"pose cache: {clip.name}: {len(writer)} frames in {time.monotonic() - started:.1f} s -> {path}")
