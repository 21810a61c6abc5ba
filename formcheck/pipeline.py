"""The uses, assembled: analyze a video file, coach live from a camera, replay a recording.

Each opens its inputs (a source and a pose estimator, or a landmark recording) and its sinks,
then finishes the one same way (`_finish`): `Session.run` drives the stream to its end, even
after Ctrl-C, a camera that stops or a corrupt tail, and closes the sinks (files renamed into
place, marked partial when it ended early); the JSON report is written, then the HTML page made
from it alone; the `Outcome` says what happened, with the exit code and the one line a user
should read. `analyze_poses` is the same loop without outputs, for the scorecard. Nothing
already computed is thrown away.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np

from formcheck.analyzers.base import Analyzer, Feedback, Report
from formcheck.frames import Frame, SourceInfo
from formcheck.landmarks import X, PoseFrame
from formcheck.models import DEFAULT_MODEL
from formcheck.progress import Progress
from formcheck.report import build_report, summary_lines
from formcheck.session import INTERRUPTED, USER_STOPPED, Session, SessionResult, Step

if TYPE_CHECKING:
    from formcheck.live import Display, LiveCoach, Speaker
    from formcheck.sources.live import CaptureLike

PARTIAL_RECORDING = "the recorded session was itself interrupted (partial recording)"


@dataclass
class Outcome:
    """What a run produced: the session result, the report dict and where the files went."""

    result: SessionResult
    report: dict
    outputs: dict[str, Path] = field(default_factory=dict)

    @property
    def summary(self) -> list[str]:
        return summary_lines(self.report)

    def verdict(self) -> tuple[int, str | None]:
        """(exit code, the one line to tell the user or None): 0 done; 130 interrupted; 3 nobody
        in any frame; 4 ended early for another reason. Outputs are written in every case."""
        r = self.result
        if r.ended_reason == INTERRUPTED:
            return 130, "interrupted; partial outputs written"
        if r.frames and r.detected == 0:
            where = self.outputs["report"].parent if "report" in self.outputs else "the output folder"
            name = (self.report.get("input") or {}).get("name") or "the input"
            return 3, f"nobody was found in any of the {r.frames} frames of {name}; outputs written to {where}"
        if r.partial and r.ended_reason:
            return 4, f"{r.ended_reason}; partial outputs written"
        return 0, None


class Origin(Protocol):
    """Where a stream came from, as the report describes it (a source, or a recording)."""

    info: SourceInfo

    @property
    def dropped(self) -> int: ...

    @property
    def ended_reason(self) -> str | None: ...


def _finish(
    session: Session,
    steps: Iterable[Step],
    origin: Origin,
    model: dict | None,
    outputs: dict[str, Path],
    report_path: Path,
    *,
    on_step: Callable[[Frame | None, PoseFrame, Feedback | None], bool] | None = None,
    source_sha256: str | None = None,
    report_extra: Callable[[], dict] | None = None,
) -> Outcome:
    """Run the stream to its end, close the session and write the JSON report (with the
    sections `report_extra()` gives once the run is over, e.g. a live session's frame rate),
    then the page made from it (NAME.report.html, with a still per rep from the video when
    there is one)."""
    from formcheck.files import write_json_atomic
    from formcheck.report.session_page import html_path_for, write_session_page

    result = session.run(steps, on_step=on_step, ended=lambda: origin.ended_reason)
    outputs = {**outputs, "report": report_path, "report_html": html_path_for(report_path)}
    report = build_report(source=origin.info, model=model, result=result, outputs=outputs,
                          source_sha256=source_sha256, dropped_frames=origin.dropped)
    if report_extra is not None:
        report.update(report_extra())
    write_json_atomic(report_path, report)
    write_session_page(report_path, outputs["report_html"])  # from the JSON just written, alone
    return Outcome(result=result, report=report, outputs=outputs)


def _sinks_for(paths: dict[str, Path], *, size: tuple[int, int], fps: float | None,
               write_video: bool, recording_meta: dict | None,
               preset: str | None = None) -> tuple[list, dict[str, Path]]:
    from formcheck.sinks import CsvSink, VideoSink

    sinks: list = [CsvSink(paths["csv"])]
    outputs = {"frames_csv": paths["csv"]}
    if write_video:
        extra = {} if preset is None else {"preset": preset}
        sinks.append(VideoSink(paths["video"], width=size[0], height=size[1], fps_hint=fps or 30.0, **extra))
        outputs["video"] = paths["video"]
    if recording_meta is not None:
        from formcheck.recording import RecordingWriter

        sinks.append(RecordingWriter(paths["landmarks"], recording_meta))
        outputs["landmarks"] = paths["landmarks"]
    return sinks, outputs


def analyze_file(
    video: Path,
    out_dir: Path,
    *,
    model: str = DEFAULT_MODEL,
    analyzer: Analyzer | None = None,
    write_video: bool = True,
    save_landmarks: bool = False,
    show_progress: bool | None = None,
    stem: str | None = None,
    on_frames: Callable[[int, int | None], None] | None = None,
) -> Outcome:
    """Run pose (+ analyzer) over a video file and write its outputs into `out_dir`.

    Three threads share the work: the file is decoded ahead of the model (`ReadAhead`), the
    model and the analyzer run here, drawing and encoding behind them (`Session(background=
    True)`). Outputs are named after `stem` (default: the video's). `on_frames(done, total)` is
    told the frames done after each one and the file's frame count (a batch's progress); raising
    KeyboardInterrupt from it stops the run as Ctrl-C does (outputs kept, marked partial).
    """
    from formcheck.files import file_sha256
    from formcheck.pose import PoseEstimator, mediapipe_version
    from formcheck.sinks import output_paths
    from formcheck.sources import ReadAhead, VideoFile

    with ReadAhead(VideoFile(video)) as source:
        info = source.info
        sha = file_sha256(Path(video).resolve())
        paths = output_paths(out_dir, stem or Path(video).stem)
        with PoseEstimator(model) as estimator:
            meta = _recording_meta(info, sha, estimator.info(), mediapipe_version()) if save_landmarks else None
            sinks, outputs = _sinks_for(paths, size=(info.width, info.height), fps=info.fps,
                                        write_video=write_video, recording_meta=meta)
            session = Session(analyzer, sinks, _overlay() if write_video else None, background=True)
            session.__enter__()
            progress = Progress(info.frame_count, label=Path(video).name, enabled=show_progress)

            def tick(frame: Frame | None, pose: PoseFrame, fb: Feedback | None) -> bool:
                progress.update(session.result.frames)
                if on_frames is not None:
                    on_frames(session.result.frames, info.frame_count)
                return True

            try:
                steps = ((frame, estimator.process(frame)) for frame in source)
                return _finish(session, steps, source, estimator.info(), outputs, paths["report"],
                               on_step=tick, source_sha256=sha)
            finally:
                progress.close()


def _recording_meta(info: SourceInfo, sha: str | None, model: dict, mp_version: str) -> dict:
    from formcheck import __version__

    return {
        "source": info.as_dict(),
        "source_sha256": sha,
        "model": model,
        "mediapipe_version": mp_version,
        "formcheck_version": __version__,
    }


def _overlay():  # noqa: ANN202 (formcheck.overlay.Overlay, imported only when drawing)
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
    coach: LiveCoach | None = None,
    mirror: bool = False,
    display: Display | None = None,
    speaker: Speaker | None = None,
    record: Path | None = None,
    debug: bool = False,
    stale_timeout: float | None = None,
    capture_factory: Callable[[int | str], CaptureLike] | None = None,
) -> Outcome:
    """Coach from a camera (or a file played as one) until it ends, the user quits or the
    routine is over; the outputs of `analyze` plus the landmark recording, and the session's
    frame rate and latency in the report's `live` section.

    `coach` drives the exercise or routine (`formcheck.live`; `analyzer` alone is coached as one
    exercise; neither: pose only). `display.show(image)` shows the live screen and returns the
    key's command ("quit", "pause", "restart", "next") or None; None means no window. `speaker`
    gives the voice (none: silent). The analyzers always see the true (unmirrored) pose;
    `mirror` only changes what the window shows, so "left" in a report is the person's own left.
    A window or voice that fails ends the session with everything written (`EndSession`).
    """
    import contextlib
    import sys
    import time

    from formcheck import sources
    from formcheck.live import QUIT, LatencyMeter, LiveScreen, Voice, exercise_coach
    from formcheck.pose import PoseEstimator, mediapipe_version
    from formcheck.session import EndSession
    from formcheck.sinks import RawVideoSink, output_paths
    from formcheck.sources.base import one_line

    if coach is None and analyzer is not None:
        coach = exercise_coach(analyzer)
    kwargs: dict = {} if stale_timeout is None else {"stale_timeout": stale_timeout}
    if capture_factory is not None:
        kwargs["capture_factory"] = capture_factory
    with contextlib.ExitStack() as opened:
        # The model first, loaded and hashed (half a second): a camera opened before it would
        # deliver that half second to nobody, frames dropped at the start of every session.
        estimator = opened.enter_context(PoseEstimator(model))
        model_info = estimator.info()
        source = opened.enter_context(sources.open_source(camera, paced=True, **kwargs))
        info = source.info
        stem = Path(str(camera)).stem if info.kind == "file" else f"live-{_timestamp()}"
        paths = output_paths(out_dir, stem)
        meta = _recording_meta(info, None, model_info, mediapipe_version())
        # x264's fastest preset: the encoder shares the two cores with the pose model, live
        # (larger files, the same frames)
        sinks, outputs = _sinks_for(paths, size=(info.width, info.height), fps=info.fps,
                                    write_video=True, recording_meta=meta, preset="ultrafast")
        if record is not None:
            sinks.append(RawVideoSink(record, width=info.width, height=info.height,
                                      fps_hint=info.fps or 30.0))
            outputs["recording"] = record
        screen = LiveScreen()
        meter = LatencyMeter()
        voice = Voice(speaker) if speaker is not None else None
        session = Session(coach, sinks, screen, background=True, draw_here=True)
        session.__enter__()

        def on_step(frame: Frame | None, pose: PoseFrame, fb: Feedback | None) -> bool:
            if voice is not None:
                for say in getattr(fb, "speech", ()):
                    voice.offer(say)
                if voice.error:
                    raise EndSession(f"the voice failed ({voice.error})")
                if voice.warning and voice.warning not in session.result.warnings:
                    session.result.warnings.append(voice.warning)
                    print(f"formcheck: {voice.warning}; going on without voice", file=sys.stderr)
            if frame is None:
                return True
            key = None
            if display is not None:
                image = session.last_annotated
                if mirror:
                    image = screen.annotate(np.ascontiguousarray(frame.image[:, ::-1]), mirror_pose(pose), fb)
                try:
                    key = display.show(image)
                except Exception as exc:
                    raise EndSession(f"the window failed ({one_line(exc)})") from exc
            meter.shown(frame.captured, time.monotonic())
            if debug:
                screen.hud = meter.hud(source.dropped)
            if key == QUIT:
                return False
            if key is not None and coach is not None:
                coach.command(key)
            return not (coach is not None and coach.finished)

        def live_section() -> dict:
            return {"live": {**meter.summary(source.dropped), "window": display is not None,
                             "voice": speaker.name if speaker is not None else None,
                             "voice_error": voice.error if voice is not None else None,
                             "lines_spoken": len(voice.spoken) if voice is not None else 0}}

        def steps() -> Iterator[Step]:
            try:
                for frame in source:
                    yield frame, estimator.process(frame)
            finally:  # the camera stops with the loop, not after the outputs are written
                source.close()

        try:
            return _finish(session, steps(), source, model_info, outputs, paths["report"],
                           on_step=on_step, report_extra=live_section)
        finally:
            if voice is not None:
                voice.close()


def _timestamp() -> str:
    import datetime as dt

    return dt.datetime.now().strftime("%Y%m%d-%H%M%S")


class _RecordingOrigin:
    """A landmark recording described as the report's `input`, with what it recorded of its own
    source."""

    dropped = 0

    def __init__(self, rec) -> None:  # noqa: ANN001 (formcheck.recording.Recording)
        src = rec.meta.get("source") or {}
        if len(rec):
            width, height = (int(v) for v in rec.image_size[0])
        else:
            width, height = int(src.get("width") or 0), int(src.get("height") or 0)
        duration = float(rec.t[-1] - rec.t[0]) if len(rec) > 1 else 0.0
        self.info = SourceInfo(
            kind="recording", name=str(rec.path), width=width, height=height, fps=src.get("fps"),
            duration=src.get("duration", duration), frame_count=len(rec), path=rec.path,
            extra={
                "recorded_source": src or None,
                "recording_format": rec.meta.get("format_version"),
                "recording_partial": rec.partial,
                "recording_created": rec.meta.get("created"),
            },
        )
        self.ended_reason = PARTIAL_RECORDING if rec.partial else None


def replay_recording(rec, analyzer: Analyzer | None, report_path: Path, *,  # noqa: ANN001
                     render: Path | None = None) -> Outcome:
    """Feed every recorded pose through a Session (no pose model); with `render`, also draw the
    skeleton and feedback into that MP4. Gives the report the original run gave."""
    sinks: list = []
    overlay = None
    outputs: dict[str, Path] = {}
    size = tuple(int(v) for v in rec.image_size[0]) if len(rec) else (0, 0)
    if render is not None:
        from formcheck.errors import UserError
        from formcheck.sinks import VideoSink

        if not len(rec):
            raise UserError(f"{rec.path}: the recording has no frames to render")
        fps = (rec.meta.get("source") or {}).get("fps") or 30.0
        sinks.append(VideoSink(render, width=size[0], height=size[1], fps_hint=float(fps)))
        overlay = _overlay()
        outputs["video"] = render
    session = Session(analyzer, sinks, overlay)
    session.__enter__()

    def steps() -> Iterable[Step]:
        canvas = np.zeros((size[1], size[0], 3), np.uint8)  # the overlay draws on a copy
        for i, pose in enumerate(rec.poses()):
            frame = None
            if render is not None:
                w, h = pose.image_size
                if (w, h) != (canvas.shape[1], canvas.shape[0]):
                    canvas = np.zeros((h, w, 3), np.uint8)
                frame = Frame(t=pose.t, image=canvas, index=i)
            yield frame, pose

    model = dict(rec.meta.get("model") or {})
    model["replayed"] = "landmarks from the recording; no pose model was run"
    return _finish(session, steps(), _RecordingOrigin(rec), model, outputs, report_path,
                   source_sha256=rec.source_sha256)


def analyze_poses(analyzer: Analyzer, poses: Iterable[PoseFrame]) -> Report:
    """The analyzer's report on a stream of poses, fed exactly as analyze and replay feed it
    (no images, no outputs). Ctrl-C stops the caller too."""
    session = Session(analyzer)
    session.__enter__()
    result = session.run((None, pose) for pose in poses)
    if result.ended_reason == INTERRUPTED:
        raise KeyboardInterrupt
    assert result.report is not None
    return result.report


__all__ = ["Outcome", "analyze_file", "run_live", "replay_recording", "analyze_poses", "mirror_pose",
           "USER_STOPPED"]
