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

`prefetch` computes the missing entries of many clips at once on a batch runner (`formcheck
eval --jobs N`: one pose pass per worker process, as `formcheck analyze` runs videos).
"""

from __future__ import annotations

import os
import re
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from formcheck.errors import UserError
from formcheck.files import file_sha256
from formcheck.models import DEFAULT_MODEL, MODEL_NAMES
from formcheck.pose import mediapipe_version
from formcheck.recording import SUFFIX, Recording, RecordingWriter, read_recording

if TYPE_CHECKING:
    from formcheck.batch.runner import Reporter, Runner

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
        self._hashes: dict[tuple[Path, int, int], str] = {}
        self._failed: dict[Path, str] = {}  # clips whose pass failed in `prefetch`, and why
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

    def _sha(self, clip: Path) -> str:
        """The clip's sha256, hashed once per cache while its size and time stay the same."""
        try:
            st = clip.stat()
        except OSError:
            return file_sha256(clip)  # raises the one-line UserError
        key = (clip.resolve(), st.st_size, st.st_mtime_ns)
        if key not in self._hashes:
            self._hashes[key] = file_sha256(clip)
        return self._hashes[key]

    def _cached(self, clip: Path, sha: str, path: Path) -> Recording | None:
        """The stored entry when it is whole and for this clip; None (said why) otherwise."""
        if not path.is_file():
            return None
        try:
            rec = read_recording(path)
        except UserError as exc:
            self.log(f"pose cache: recomputing {clip.name}: {exc}")
            return None
        if rec.source_sha256 == sha and not rec.partial:
            return rec
        self.log(f"pose cache: recomputing {clip.name}: cached entry is partial or for another clip")
        return None

    def landmarks(self, clip: str | os.PathLike[str]) -> Recording:
        """The clip's recording: read from the cache, or computed by the pose model and stored."""
        clip = Path(clip)
        if clip.resolve() in self._failed:
            raise UserError(self._failed[clip.resolve()])
        sha = self._sha(clip)
        path = self.entry_path(sha)
        rec = self._cached(clip, sha, path)
        if rec is not None:
            self.hits += 1
            return rec
        self.misses += 1
        self._compute(clip, sha, path)
        return read_recording(path)

    def prefetch(self, clips: Iterable[str | os.PathLike[str]], runner: Runner) -> int:
        """Compute the missing entries of `clips` on `runner`, in parallel; how many were.

        Only worth it for two or more: a single miss is left to `landmarks`, in this process.
        A clip whose pass fails is remembered, so `landmarks` raises its reason instead of
        trying again; Ctrl-C stops the passes (none is stored half done) and is raised here.
        """
        from formcheck.progress import BatchProgress

        todo: list[PosePass] = []
        seen: set[Path] = set()
        for clip in map(Path, clips):
            if clip.resolve() in seen:
                continue
            seen.add(clip.resolve())
            try:
                sha = self._sha(clip)
            except UserError:
                continue  # `landmarks` raises it where the scorecard records it
            path = self.entry_path(sha)
            if self._cached(clip, sha, path) is None:
                todo.append(PosePass(str(clip), sha, str(path), str(self.root), self.model))
        if len(todo) < 2:
            return 0
        self.root.mkdir(parents=True, exist_ok=True)
        progress = BatchProgress(len(todo), label="pose passes")
        computed = 0

        def on_result(k: int, result: object) -> None:
            nonlocal computed
            clip = Path(todo[k].clip)
            message = result if isinstance(result, str) else getattr(result, "message", None)
            if message is None and Path(todo[k].entry).is_file():
                computed += 1
                progress.finished(k, len(read_recording(Path(todo[k].entry))))
                return
            self._failed[clip.resolve()] = message or f"{clip}: the pose pass left no cache entry"
            progress.finished(k, 0)

        try:
            interrupted = runner.run(compute_pass, todo, on_result=on_result, on_progress=progress.frames)
        finally:
            progress.close()
        self.misses += computed
        self.log(f"pose cache: {computed} of {len(todo)} missing clips computed on {runner.description}")
        if interrupted:
            raise KeyboardInterrupt
        return computed

    def _compute(self, clip: Path, sha: str, path: Path,
                 on_frames: Callable[[int, int | None], None] | None = None) -> None:
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
            # Drawn on a terminal only, and not in a worker, which reports through `on_frames`.
            progress = Progress(info.frame_count, label=f"pose {clip.name}",
                                enabled=False if on_frames is not None else None)
            for frame in source:
                # The same rule as Session.step: times must increase (MediaPipe needs it too).
                if last_t is not None and frame.t <= last_t:
                    continue
                last_t = frame.t
                writer.write(frame, estimator.process(frame), None)
                progress.update(len(writer))
                if on_frames is not None:
                    on_frames(len(writer), info.frame_count)
            progress.close()
            # An interrupted pass (Ctrl-C) raises out of the loop before this: nothing partial is
            # ever stored in the cache. A source that ended early on a corrupt tail ends the
            # same way every time, so what it gave is the clip's landmarks; note it.
            ended = getattr(source, "ended_reason", None)
            if ended:
                writer.note("ended_reason", ended)
            writer.close(partial=False)
        self.log(f"pose cache: {clip.name}: {len(writer)} frames in {time.monotonic() - started:.1f} s -> {path}")


@dataclass(frozen=True)
class PosePass:
    """One clip's pose pass, as plain data for a worker: the clip, its hash, where it goes."""

    clip: str
    sha256: str
    entry: str
    root: str
    model: str


def compute_pass(index: int, job: PosePass, reporter: Reporter) -> str | None:
    """In a worker: compute one cache entry. None when stored, else the one-line reason."""
    from formcheck.batch.runner import FrameTicker

    if not reporter.progress(index, 0, None):
        return "not started: interrupted"
    cache = PoseCache(job.root, model=job.model, log=lambda msg: None)
    try:
        cache._compute(Path(job.clip), job.sha256, Path(job.entry), on_frames=FrameTicker(reporter, index))
    except UserError as exc:
        return str(exc)
    return None
