"""`formcheck replay RECORDING`: re-run an analyzer on a landmark recording, with no pose model.

A recording (from `analyze --save-landmarks`, or the scorecard's pose cache) holds every
PoseFrame of a session; replaying feeds them through the same `Session` as `analyze`, so the
report is exactly the original one, or the one another prescription (--reps, --hold) or another
exercise would have given. `--render` draws the skeleton and the coaching panel on a blank canvas
of the recorded image size: no video needed, and none of the person's image is kept.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from formcheck.cli.common import add_exercise_args, add_out_arg, make_analyzer, prepare_out_dir
from formcheck.errors import UserError
from formcheck.frames import Frame, SourceInfo
from formcheck.recording import SUFFIX, Recording, read_recording


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "replay",
        help="re-analyze a landmark recording (no video, no pose model)",
        description=(
            "Run an exercise analyzer over a landmark recording (*.landmarks.npz, written by "
            "`formcheck analyze --save-landmarks`) and write the JSON report into --out; with "
            "--render also a skeleton-only H.264 video drawn on a blank canvas. The report is "
            "<name>.replay.report.json, beside what analyze wrote, never over it."
        ),
    )
    p.add_argument("recording", metavar="RECORDING", help="landmark recording (*.landmarks.npz)")
    add_exercise_args(p)
    p.add_argument("--render", metavar="VIDEO.mp4", help="also draw the skeleton and feedback into this MP4")
    add_out_arg(p)
    return p


def stem_of(path: Path) -> str:
    name = path.name
    return name[: -len(SUFFIX)] if name.endswith(SUFFIX) else path.stem


def source_info(rec: Recording) -> SourceInfo:
    """The report's `input`: the recording, with what it recorded about its own source."""
    src = rec.meta.get("source") or {}
    if len(rec):
        width, height = (int(v) for v in rec.image_size[0])
    else:
        width, height = int(src.get("width") or 0), int(src.get("height") or 0)
    duration = float(rec.t[-1] - rec.t[0]) if len(rec) > 1 else 0.0
    return SourceInfo(
        kind="recording",
        name=str(rec.path),
        width=width,
        height=height,
        fps=src.get("fps"),
        duration=src.get("duration", duration),
        frame_count=len(rec),
        path=rec.path,
        extra={
            "recorded_source": src or None,
            "recording_format": rec.meta.get("format_version"),
            "recording_partial": rec.partial,
            "recording_created": rec.meta.get("created"),
        },
    )


def replay(rec: Recording, analyzer, *, render: Path | None = None):  # noqa: ANN001, ANN201
    """Feed every recorded pose through a Session; returns (SessionResult, outputs)."""
    from formcheck.session import Session

    sinks: list = []
    overlay = None
    outputs: dict[str, Path] = {}
    canvas: np.ndarray | None = None
    if render is not None:
        from formcheck.overlay import Overlay
        from formcheck.sinks import VideoSink

        if not len(rec):
            raise UserError(f"{rec.path}: the recording has no frames to render")
        width, height = (int(v) for v in rec.image_size[0])
        fps = (rec.meta.get("source") or {}).get("fps") or 30.0
        sinks.append(VideoSink(render, width=width, height=height, fps_hint=float(fps)))
        overlay = Overlay()
        outputs["video"] = render
        canvas = np.zeros((height, width, 3), np.uint8)  # the overlay draws on a copy
    session = Session(analyzer, sinks, overlay).__enter__()
    ended = None
    try:
        for i, pose in enumerate(rec.poses()):
            frame = None
            if canvas is not None:
                w, h = pose.image_size
                if (w, h) != (canvas.shape[1], canvas.shape[0]):
                    canvas = np.zeros((h, w, 3), np.uint8)
                frame = Frame(t=pose.t, image=canvas, index=i)
            session.step(frame, pose)
    except KeyboardInterrupt:
        ended = "interrupted"
    if ended is None and rec.partial:
        ended = "the recorded session was itself interrupted (partial recording)"
    result = session.close(partial=ended is not None, ended_reason=ended)
    return result, outputs


def run(args: argparse.Namespace) -> int:
    from formcheck.report import build_report, summary_lines
    from formcheck.sinks import write_json_atomic

    rec = read_recording(args.recording)
    analyzer = make_analyzer(args)  # a bad --exercise fails before any work
    out_dir = prepare_out_dir(args.out)
    render = Path(args.render) if args.render else None
    if render is not None and not render.parent.is_dir():
        raise UserError(f"cannot write {render}: folder {render.parent} does not exist")
    result, outputs = replay(rec, analyzer, render=render)
    report_path = out_dir / f"{stem_of(Path(args.recording))}.replay.report.json"
    outputs["report"] = report_path
    model = dict(rec.meta.get("model") or {})
    model["replayed"] = "landmarks from the recording; no pose model was run"
    report = build_report(
        source=source_info(rec),
        model=model,
        result=result,
        outputs=outputs,
        source_sha256=rec.source_sha256,
    )
    write_json_atomic(report_path, report)
    for line in summary_lines(report):
        print(line)
    for kind, path in outputs.items():
        print(f"{kind}: {path}")
    if result.ended_reason == "interrupted":
        print("formcheck: interrupted; partial outputs written", file=sys.stderr)
        return 130
    return 0
