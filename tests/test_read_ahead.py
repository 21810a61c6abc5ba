"""Decoding ahead of the model (issue 18): `ReadAhead` hands on every frame, in order, bounded,
and stops cleanly; `analyze` with its three threads writes the same frames in the same order."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import av
import pytest

from formcheck.frames import Frame, SourceInfo
from formcheck.sources import ReadAhead, Source, VideoFile

import numpy as np


class _Counting(Source):
    """A source of `n` tiny frames that records how far it has been read and by which thread."""

    def __init__(self, n: int, fail_at: int | None = None, reason: str | None = None) -> None:
        self.info = SourceInfo(kind="file", name="counting", width=4, height=4, fps=30.0,
                               duration=n / 30, frame_count=n)
        self.n, self.fail_at, self.reason = n, fail_at, reason
        self.produced = 0
        self.threads: set[str] = set()
        self.closed = 0
        self.generator_closed = threading.Event()

    def __iter__(self) -> Iterator[Frame]:
        self.threads.add(threading.current_thread().name)
        try:
            for i in range(self.n):
                if i == self.fail_at:
                    raise OSError("disk went away")
                self.produced += 1
                yield Frame(t=i / 30, image=np.full((4, 4, 3), i % 256, np.uint8), index=i)
            self.ended_reason = self.reason
        finally:
            self.generator_closed.set()

    def close(self) -> None:
        self.closed += 1


def test_every_frame_in_order_on_another_thread():
    src = _Counting(50, reason="ended early: test")
    with ReadAhead(src, depth=3) as ahead:
        got = [f.index for f in ahead]
        assert ahead.ended_reason == "ended early: test"
        assert ahead.info is src.info
    assert got == list(range(50))
    assert src.threads == {"formcheck-decode"}
    assert src.closed == 1


def test_reads_at_most_depth_ahead():
    src = _Counting(100)
    with ReadAhead(src, depth=4) as ahead:
        it = iter(ahead)
        next(it)
        time.sleep(0.3)  # the reader runs ahead until the queue is full, then waits
        # one delivered + 4 queued + at most one in the reader's hands, waiting for a slot
        assert src.produced <= 1 + 4 + 1
        it.close()
    assert src.generator_closed.wait(2)


def test_a_source_error_reaches_the_consumer_after_the_frames_before_it():
    src = _Counting(20, fail_at=7)
    got = []
    with pytest.raises(OSError, match="disk went away"):
        with ReadAhead(src, depth=2) as ahead:
            for frame in ahead:
                got.append(frame.index)
    assert got == list(range(7))


def test_leaving_early_stops_the_reader_before_the_source_is_closed():
    src = _Counting(10_000)
    ahead = ReadAhead(src, depth=2)
    for frame in ahead:
        if frame.index == 5:
            break
    ahead.close()
    assert src.generator_closed.is_set()  # the reader finished before close() returned
    assert src.produced < 20
    assert not [t for t in threading.enumerate() if t.name == "formcheck-decode"]


def test_a_real_file_reads_the_same_through_read_ahead(make_video, read_number):
    clip = make_video("n.mp4", n_frames=40, size=(96, 64))
    with VideoFile(clip) as plain:
        direct = [(f.t, read_number(f.image)) for f in plain]
    with ReadAhead(VideoFile(clip), depth=2) as ahead:
        threaded = [(f.t, read_number(f.image)) for f in ahead]
        assert ahead.info.extra["decoded_frames"] == 40
    assert threaded == direct
    assert [n for _, n in threaded] == list(range(40))


def test_annotated_video_keeps_every_frame_in_order_with_uneven_model_times(
        make_video, read_number, tmp_path, monkeypatch):
    """Decode, model and encode run on three threads with short queues between them; a model
    whose time per frame varies makes the queues fill and empty. The annotated video must
    still hold every input frame once, in order, at its own time."""
    from formcheck import pose
    from formcheck.pipeline import analyze_file

    n = 150
    clip = make_video("numbered.mp4", n_frames=n, size=(320, 240))
    real_process = pose.PoseEstimator.process
    rng = random.Random(18)

    def uneven(self, frame):
        time.sleep(rng.choice((0.0, 0.0, 0.002, 0.01)))
        return real_process(self, frame)

    monkeypatch.setattr(pose.PoseEstimator, "process", uneven)
    outcome = analyze_file(clip, tmp_path / "out", show_progress=False)
    assert outcome.result.frames == n
    video = outcome.outputs["video"]
    with av.open(str(video)) as c:
        s = c.streams.video[0]
        decoded = [(float(f.pts * s.time_base), read_number(f.to_ndarray(format="bgr24")))
                   for f in c.decode(s)]
    assert [num for _, num in decoded] == list(range(n))
    assert [t for t, _ in decoded] == pytest.approx([i / 30 for i in range(n)], abs=1e-3)
    rows = Path(outcome.outputs["frames_csv"]).read_text().splitlines()[1:]
    assert [float(r.split(",")[0]) for r in rows] == pytest.approx([i / 30 for i in range(n)], abs=1e-3)
