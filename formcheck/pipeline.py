"""The two uses, assembled: analyze a video file, or coach live from a camera.

Each opens a source, a pose estimator and the sinks, drives a `Session` with `run_stream`, and
always finishes the same way, even after Ctrl-C, a camera that stops or a corrupt tail: close
the session (sinks rename their files into place, marked partial when it ended early) and write
the JSON report. Nothing already computed is thrown away.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from formcheck.analyzers.base import Analyzer, Feedback
from formcheck.frames import Frame
from formcheck.landmarks import X, PoseFrame
from formcheck.models import DEFAULT_MODEL
from formcheck.progress import Progress
from formcheck.report import build_report, summary_lines
from formcheck.session import Session, SessionResult, run_stream


@dataclass
class Outcome:
    """What a run produced: the session result, the report dict and where the files went."""

    result: SessionResult
    report: dict
    outputs: dict[str, Path] = field(default_factory=dict)

    @property
    def summary(self) -> list[str]:
        return summary_lines(self.report)


def _sinks_for(
    paths: dict[str, Path],
    *,
    size: tuple[int, int],
    fps: float | None,
    write_video: bool,
    recording_meta: dict | None,
) -> tuple[list, dict[str, Path]]:
    from formcheck.sinks import CsvSink, VideoSink

    sinks: list = [CsvSink(paths["csv"])]
    outputs = {"frames_csv": paths["csv"]}
    if write_video:
        sinks.append(VideoSink(paths["video"], width=size[0], height=size[1], fps_hint=fps or 30.0))
        outputs["video"] = paths["video"]
    if recording_meta is not None:
        from formcheck.recording import RecordingWriter

        sinks.append(RecordingWriter(paths["landmarks"], recording_meta))
        outputs["landmarks"] = paths["landmarks"]
    return sinks, outputs


def _run_and_finish(
    source,
    estimator,
    session: Session,
    on_step: Callable[[Frame, PoseFrame, Feedback | None], bool],
    outputs: dict[str, Path],
    report_path: Path,
    *,
    source_sha256: str | None = None,
) -> Outcome:
    """Drive the stream, then always finish the same way: close the session (outputs renamed
    into place, partial when it ended early) and write the JSON report."""
    from formcheck.sinks import write_json_atomic

    ended = run_stream(source, estimator.process, session, on_step=on_step)
    ended = ended or source.ended_reason
    result = session.close(partial=ended is not None, ended_reason=ended)
    outputs = {**outputs, "report": report_path}
    report = build_report(
        source=source.info,
        model=estimator.info(),
        result=result,
        outputs=outputs,
        source_sha256=source_sha256,
        dropped_frames=source.dropped,
    )
    write_json_atomic(report_path, report)
    return Outcome(result=result, report=report, outputs=outputs)


def analyze_file(
    video: Path,
    out_dir: Path,
    *,
    model: str = DEFAULT_MODEL,
    analyzer: Analyzer | None = None,
    write_video: bool = True,
    save_landmarks: bool = False,
    show_progress: bool | None = None,
) -> Outcome:
    """Run pose (+ analyzer) over a video file and write its outputs into `out_dir`."""
    from formcheck.files import file_sha256
    from formcheck.pose import PoseEstimator, mediapipe_version
    from formcheck.sinks import output_paths
    from formcheck.sources import VideoFile

    with VideoFile(video) as source:
        info = source.info
        sha = file_sha256(Path(video).resolve())
        paths = output_paths(out_dir, Path(video).stem)
        with PoseEstimator(model) as estimator:
            meta = None
            if save_landmarks:
                meta = _recording_meta(info, sha, estimator.info(), mediapipe_version())
            sinks, outputs = _sinks_for(
                paths,
                size=(info.width, info.height),
                fps=info.fps,
                write_video=write_video,
                recording_meta=meta,
            )
            overlay = _overlay() if write_video else None
            session = Session(analyzer, sinks, overlay, background=True).__enter__()
            progress = Progress(info.frame_count, label=Path(video).name, enabled=show_progress)

            def tick(frame: Frame, pose: PoseFrame, fb: Feedback | None) -> bool:
                progress.update(session.result.frames)
                return True

            try:
                return _run_and_finish(
                    source, estimator, session, tick, outputs, paths["report"], source_sha256=sha
                )
            finally:
                progress.close()


def _recording_meta(info, sha: str, model: dict, mp_version: str) -> dict:
    from formcheck import __version__

    return {
        "source": info.as_dict(),
        "source_sha256": sha,
        "model": model,
        "mediapipe_version": mp_version,
        "formcheck_version": __version__,
    }


def _overlay():
    from formcheck.overlay import Overlay

    return Overlay()


def mirror_pose(pose: PoseFrame) -> PoseFrame:
    """The same pose seen in a mirror: x -> 1 - x, labels kept (the person's left stays left)."""
    if pose.landmarks is None:
        return pose
    lms = pose.landmarks.copy()
    lms[:, X] = 1.0 - lms[:, X]
    return PoseFrame(t=pose.t, image_size=pose.image_size, landmarks=lms, world=pose.world)


def run_live(
    camera: str,
    out_dir: Path,
    *,
    model: str = DEFAULT_MODEL,
    analyzer: Analyzer | None = None,
    mirror: bool = False,
    show: Callable[[np.ndarray], bool] | None = None,
    record: Path | None = None,
    stale_timeout: float | None = None,
) -> Outcome:
    """Coach from a camera (or a file played as one) until it ends or `show` returns False.

    `show(image)` displays the annotated frame and returns False when the user quits; None means
    no window. The analyzers always see the true (unmirrored) pose; `mirror` only changes what
    the window shows, so "left" in a report is still the person's own left.
    """
    from formcheck.pose import PoseEstimator
    from formcheck.sinks import RawVideoSink, output_paths
    from formcheck.sources import open_source

    kwargs = {} if stale_timeout is None else {"stale_timeout": stale_timeout}
    with open_source(camera, paced=True, **kwargs) as source:
        info = source.info
        stem = Path(str(camera)).stem if info.kind == "file" else f"live-{_timestamp()}"
        paths = output_paths(out_dir, stem)
        with PoseEstimator(model) as estimator:
            sinks, outputs = _sinks_for(
                paths, size=(info.width, info.height), fps=info.fps, write_video=True, recording_meta=None
            )
            if record is not None:
                sinks.append(RawVideoSink(record, width=info.width, height=info.height, fps_hint=info.fps or 30.0))
                outputs["recording"] = record
            overlay = _overlay()
            session = Session(analyzer, sinks, overlay).__enter__()

            def on_step(frame: Frame, pose: PoseFrame, fb: Feedback | None) -> bool:
                if show is None:
                    return True
                if mirror:
                    from formcheck.session import status_line

                    image = overlay.annotate(
                        np.ascontiguousarray(frame.image[:, ::-1]),
                        mirror_pose(pose),
                        fb,
                        status=status_line(pose, fb),
                    )
                else:
                    image = session.last_annotated
                return show(image)

            return _run_and_finish(source, estimator, session, on_step, outputs, paths["report"])


def _timestamp() -> str:
    import datetime as dt

    return dt.datetime.now().strftime("%Y%m%d-%H%M%S")
