"""Session: the same outputs whether drawing/writing runs inline or on the output thread, and
outputs closed (partial) whatever stops the stream."""

from __future__ import annotations

import numpy as np
import pytest

from formcheck.frames import Frame
from formcheck.landmarks import PoseFrame
from formcheck.session import Session


class ListSink:
    def __init__(self, fail_at: int | None = None) -> None:
        self.rows: list[tuple[float, float | None]] = []
        self.closed_partial: bool | None = None
        self.fail_at = fail_at

    def __enter__(self):
        return self

    def write(self, frame, pose, annotated):
        if self.fail_at is not None and len(self.rows) == self.fail_at:
            raise OSError("disk full")
        self.rows.append((pose.t, None if annotated is None else float(annotated.mean())))

    def close(self, partial: bool = False) -> None:
        self.closed_partial = partial


class BrightenOverlay:
    def annotate(self, image, pose, feedback, status=None):
        return image + 1


def frames(n: int):
    for i in range(n):
        yield Frame(t=i / 30, image=np.full((4, 4, 3), i, np.uint8), index=i)


def pose_of(frame: Frame) -> PoseFrame:
    return PoseFrame.empty(frame.t, frame.size)


@pytest.mark.parametrize("background", [False, True])
def test_every_frame_reaches_the_sinks_in_order(background):
    sink = ListSink()
    session = Session(None, [sink], BrightenOverlay(), background=background).__enter__()
    result = session.run((f, pose_of(f)) for f in frames(50))
    assert result.ended_reason is None and not result.partial
    assert result.frames == 50 and result.detected == 0
    assert [t for t, _ in sink.rows] == pytest.approx([i / 30 for i in range(50)])
    assert [m for _, m in sink.rows] == [float(i + 1) for i in range(50)]
    assert sink.closed_partial is False


@pytest.mark.parametrize("background", [False, True])
def test_ctrl_c_keeps_what_was_computed(background):
    sink = ListSink()
    session = Session(None, [sink], BrightenOverlay(), background=background).__enter__()

    def pose_or_interrupt(frame):
        if frame.index == 20:
            raise KeyboardInterrupt
        return pose_of(frame)

    result = session.run((f, pose_or_interrupt(f)) for f in frames(50))
    assert result.ended_reason == "interrupted"
    assert result.partial and result.frames == 20 and len(sink.rows) == 20
    assert sink.closed_partial is True


@pytest.mark.parametrize("background", [False, True])
def test_a_failing_sink_still_closes_the_others(background):
    bad, good = ListSink(fail_at=5), ListSink()
    session = Session(None, [good, bad], None, background=background).__enter__()
    with pytest.raises(OSError, match="disk full"):
        session.run((f, pose_of(f)) for f in frames(50))
    assert good.closed_partial is True and bad.closed_partial is True
    assert len(good.rows) >= 5


def test_times_that_do_not_increase_are_skipped_with_a_warning():
    sink = ListSink()
    session = Session(None, [sink]).__enter__()
    for t in (0.0, 0.1, 0.1, 0.05, 0.2):
        session.step(None, PoseFrame.empty(t, (4, 4)))
    result = session.close()
    assert [t for t, _ in sink.rows] == [0.0, 0.1, 0.2]
    assert len(result.warnings) == 2


def test_the_user_quitting_is_a_normal_end_and_a_source_ending_early_is_partial():
    session = Session(None, [ListSink()]).__enter__()
    result = session.run(((f, pose_of(f)) for f in frames(50)), on_step=lambda f, p, fb: f.index < 9)
    assert result.frames == 10 and result.ended_reason == "stopped by the user" and not result.partial
    session = Session(None, [ListSink()]).__enter__()
    result = session.run(((f, pose_of(f)) for f in frames(5)), ended=lambda: "camera 0 stopped")
    assert result.partial and result.ended_reason == "camera 0 stopped"


def test_drawing_here_and_writing_on_the_output_thread_gives_the_same_outputs():
    """Live: the image to show is drawn in the caller's thread at once, the sinks get it later."""
    import threading

    sink = ListSink()
    writers: set[str] = set()
    write = sink.write

    def noting(frame, pose, annotated):
        writers.add(threading.current_thread().name)
        write(frame, pose, annotated)

    sink.write = noting
    session = Session(None, [sink], BrightenOverlay(), background=True, draw_here=True).__enter__()
    shown = []

    def on_step(frame, pose, fb):
        shown.append(float(session.last_annotated.mean()))  # drawn already
        return True

    result = session.run(((f, pose_of(f)) for f in frames(40)), on_step=on_step)
    assert shown == [float(i + 1) for i in range(40)] == [m for _, m in sink.rows]
    assert writers == {"formcheck-output"} and result.frames == 40


def test_end_session_from_a_hook_ends_as_partial_with_its_reason():
    from formcheck.session import EndSession

    sink = ListSink()
    session = Session(None, [sink]).__enter__()

    def on_step(frame, pose, fb):
        if frame.index == 9:
            raise EndSession("the window failed (gone)")
        return True

    result = session.run(((f, pose_of(f)) for f in frames(30)), on_step=on_step)
    assert result.ended_reason == "the window failed (gone)" and result.partial
    assert len(sink.rows) == 10 and sink.closed_partial is True


def test_the_steps_end_before_the_outputs_are_closed():
    # A live camera must stop reading when the user quits, not run on while the outputs are
    # written (it would take CPU from the writing and count frames nobody was going to see).
    order = []

    class OrderSink(ListSink):
        def close(self, partial: bool = False) -> None:
            order.append("outputs closed")

    def camera():
        try:
            for f in frames(50):
                yield f, pose_of(f)
        finally:
            order.append("camera stopped")

    session = Session(None, [OrderSink()], background=True).__enter__()
    result = session.run(camera(), on_step=lambda f, p, fb: f.index < 9)
    assert result.frames == 10 and order == ["camera stopped", "outputs closed"]
