"""Where a session's results go: the annotated H.264 video, the per-frame CSV and the JSON report.

`base` holds the `Sink` protocol the session writes to and the atomic life cycle every file
sink shares (nothing half-written, even after Ctrl-C); `video` the MP4 sinks, `csv` the landmark
table. The JSON writer is `formcheck.files.write_json_atomic`, re-exported here.

    >>> from formcheck.sinks import CsvSink, VideoSink, output_paths
    >>> paths = output_paths("out", "clip")
    >>> with VideoSink(paths["video"], width=640, height=480, fps_hint=30) as video, \\
    ...      CsvSink(paths["csv"]) as csv:                                  # doctest: +SKIP
    ...     for frame, pose, annotated in session:
    ...         video.write(frame, pose, annotated)
    ...         csv.write(frame, pose, None)
"""

from formcheck.files import write_json_atomic
from formcheck.sinks.base import PARTIAL_COMMENT, Sink, output_paths
from formcheck.sinks.csv import CsvSink, csv_header
from formcheck.sinks.video import RawVideoSink, VideoSink

__all__ = [
    "Sink",
    "VideoSink",
    "RawVideoSink",
    "CsvSink",
    "write_json_atomic",
    "output_paths",
    "csv_header",
    "PARTIAL_COMMENT",
]
