"""Sources: real timestamps, upright images, honest counts, one-line errors, newest-frame cameras.

Videos are generated per test with PyAV (tests/conftest.py `make_video`): tiny frames carrying
their own number and an orientation marker, so order, timing and rotation are checked on the
decoded pixels rather than on metadata alone.
"""

from __future__ import annotations

import threading
import time
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from conftest import marker_corner_of, numbered_image, read_number_from
from formcheck.errors import UserError
from formcheck.sources import (
    Camera,
    LatestFrame,
    PacedFile,
    Source,
    VideoFile,
    open_source,
    orientation_from_display_matrix,
)

# --------------------------------------------------------------------------------------------
# VideoFile: timing, orientation, counts
# --------------------------------------------------------------------------------------------


def test_variable_frame_rate_keeps_the_stored_frame_times(make_video):
    times = [0.0, 0.033, 0.1, 0.15, 0.151, 0.3, 0.31, 0.5, 0.9, 0.933]
    path = make_video("vfr.mp4", times=times)
    with VideoFile(path) as video:
        frames = list(video)
    assert [f.t for f in frames] == pytest.approx(times, abs=1e-6)
    assert [read_number_from(f.image) for f in frames] == list(range(len(times)))
    assert [f.index for f in frames] == list(range(len(times)))
    assert video.info.frame_count == len(times)
    assert video.ended_reason is None


@pytest.mark.parametrize("rotation", [90, 180, 270])
def test_rotated_file_comes_out_upright(make_video, rotation):
    # Upright portrait 48x64, stored turned so that the display matrix must be applied.
    path = make_video(f"rot{rotation}.mp4", n_frames=12, size=(48, 64), rotation=rotation)
    with av.open(str(path)) as raw:  # the file really is stored sideways / upside down
        stored = next(raw.decode(video=0)).to_ndarray(format="bgr24")
    assert marker_corner_of(stored) != "top-left"
    with VideoFile(path) as video:
        assert (video.info.width, video.info.height) == (48, 64)
        assert video.info.rotation == rotation
        frames = list(video)
    for frame in frames:
        assert frame.image.shape == (64, 48, 3)
        assert frame.image.dtype == np.uint8 and frame.image.flags.c_contiguous
        assert frame.size == (48, 64)
        assert marker_corner_of(frame.image) == "top-left"
    assert [read_number_from(f.image) for f in frames] == list(range(12))


def test_mirrored_display_matrix_is_undone(tmp_path):
    """A front camera's file: stored mirrored, with a display matrix that mirrors it back."""
    path = tmp_path / "mirror.mp4"
    size = (64, 48)
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=30)
        stream.width, stream.height, stream.pix_fmt = *size, "yuv420p"
        stream.set_display_rotation(0, hflip=True)
        for i in range(5):
            stored = np.ascontiguousarray(numbered_image(i, size)[:, ::-1])
            frame = av.VideoFrame.from_ndarray(stored, format="bgr24")
            frame.pts = i
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    with VideoFile(path) as video:
        frames = list(video)
        assert video.info.extra.get("mirrored") is True
    assert all(marker_corner_of(f.image) == "top-left" for f in frames)
    assert [read_number_from(f.image) for f in frames] == list(range(5))


def test_display_matrix_decoding_covers_the_eight_orientations():
    one = 1 << 16
    w = 1 << 30

    def matrix(a, b, c, d):
        return (a * one, b * one, 0, c * one, d * one, 0, 0, 0, w)

    assert orientation_from_display_matrix(matrix(1, 0, 0, 1)).rotation == 0
    assert orientation_from_display_matrix(matrix(0, 1, -1, 0)).rotation == 90
    assert orientation_from_display_matrix(matrix(-1, 0, 0, -1)).rotation == 180
    assert orientation_from_display_matrix(matrix(0, -1, 1, 0)).rotation == 270
    mirrored = orientation_from_display_matrix(matrix(-1, 0, 0, 1))
    assert (mirrored.rotation, mirrored.mirror) == (0, True)
    seen = set()
    for a, b, c, d in [(1, 0, 0, 1), (0, 1, -1, 0), (-1, 0, 0, -1), (0, -1, 1, 0)]:
        for flip in (1, -1):
            o = orientation_from_display_matrix(matrix(a * flip, b, c * flip, d))
            seen.add((o.rotation, o.mirror))
    assert len(seen) == 8
    assert orientation_from_display_matrix((0,) * 8 + (w,)) is None


@pytest.mark.parametrize("suffix", [".mp4", ".mkv"])  # mkv stores no frame count: packet count
def test_duration_and_frame_count_known_up_front_match_the_decoded(make_video, suffix):
    path = make_video("cfr" + suffix, n_frames=45, size=(160, 120), fps=30)
    with VideoFile(path) as video:
        info = video.info
        assert (info.width, info.height, info.fps) == (160, 120, 30.0)
        assert info.frame_count == 45
        assert info.duration == pytest.approx(1.5, abs=1 / 30)
        frames = list(video)
    assert len(frames) == info.frame_count
    assert frames[0].t == pytest.approx(0.0, abs=1e-9)
    assert frames[-1].t + 1 / 30 == pytest.approx(info.duration, abs=1 / 30)
    assert np.all(np.diff([f.t for f in frames]) > 0)
    assert info.extra["decoded_frames"] == 45
    assert info.extra["frame_count_from"] == ("container" if suffix == ".mp4" else "packet count")


def test_a_still_picture_stream_before_the_video_is_not_taken_for_it(tmp_path):
    """Downloads often carry cover art as a first 'video' stream of one frame."""
    path = tmp_path / "with_cover.mkv"
    with av.open(str(path), "w") as container:
        cover = container.add_stream("mjpeg", rate=1)
        cover.width, cover.height, cover.pix_fmt = 32, 32, "yuvj420p"
        video = container.add_stream("libx264", rate=30)
        video.width, video.height, video.pix_fmt = 64, 48, "yuv420p"
        still = av.VideoFrame.from_ndarray(np.zeros((32, 32, 3), np.uint8), format="bgr24")
        still.pts = 0
        for packet in [*cover.encode(still), *cover.encode()]:
            container.mux(packet)
        for i in range(8):
            frame = av.VideoFrame.from_ndarray(numbered_image(i, (64, 48)), format="bgr24")
            frame.pts = i
            for packet in video.encode(frame):
                container.mux(packet)
        for packet in video.encode():
            container.mux(packet)
    with VideoFile(path) as source:
        assert (source.info.width, source.info.height, source.info.frame_count) == (64, 48, 8)
        assert source.info.duration == pytest.approx(8 / 30, abs=1e-3)  # the video's, not the file's
        assert [read_number_from(f.image) for f in source] == list(range(8))


def test_iterating_again_starts_over_and_close_is_idempotent(make_video):
    path = make_video(n_frames=10)
    video = VideoFile(path)
    first = [f.t for f in video]
    partial = []
    for frame in video:
        partial.append(frame.t)
        if len(partial) == 3:
            break
    again = [f.t for f in video]
    video.close()
    video.close()
    assert first == again and partial == first[:3]


def _write_packets(path: Path, pts: list[int]) -> None:
    """An MJPEG Matroska file whose presentation times are exactly `pts` (ms), in file order.

    Muxers refuse decreasing decode times, but not presentation times that repeat or go back,
    which is what broken phone/screen recorders produce.
    """
    with av.open(str(path), "w") as container:
        stream = container.add_stream("mjpeg", rate=30)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuvj420p"
        packets = []
        for i in range(len(pts)):
            frame = av.VideoFrame.from_ndarray(numbered_image(i, (64, 48)), format="bgr24")
            frame.pts = i
            packets.extend(stream.encode(frame))
        packets.extend(stream.encode())
        for i, (packet, p) in enumerate(zip(packets, pts, strict=True)):
            packet.time_base = Fraction(1, 1000)
            packet.pts, packet.dts = p, i * 10
            container.mux(packet)


def test_duplicate_and_backwards_timestamps_are_dropped_and_counted(tmp_path):
    path = tmp_path / "broken_pts.mkv"
    _write_packets(path, [100, 133, 166, 166, 200, 150, 233, 266])
    with VideoFile(path) as video:
        frames = list(video)
    assert [read_number_from(f.image) for f in frames] == [0, 1, 2, 4, 6, 7]
    assert [f.t for f in frames] == pytest.approx([0.0, 0.033, 0.066, 0.1, 0.133, 0.166])
    assert [f.index for f in frames] == list(range(6))
    assert video.dropped == 2
    assert video.info.extra["timestamps_dropped"] == 2
    assert video.ended_reason is None  # every frame is accounted for: not a truncated file


# --------------------------------------------------------------------------------------------
# VideoFile: bad inputs
# --------------------------------------------------------------------------------------------


def _audio_only(path: Path) -> Path:
    with av.open(str(path), "w") as container:
        stream = container.add_stream("aac", rate=16000)
        frame = av.AudioFrame.from_ndarray(np.zeros((1, 1024), np.float32), format="fltp", layout="mono")
        frame.sample_rate, frame.pts = 16000, 0
        for packet in stream.encode(frame):
            container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def _header_only(path: Path) -> Path:
    """A recording that was started and never got a frame: a Matroska header, no clusters."""
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=30)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        container.start_encoding()
    return path


BAD_INPUTS = {
    "missing": (lambda tmp, mk: tmp / "nope.mp4", "not found"),
    "directory": (lambda tmp, mk: tmp, "is a directory"),
    "text named .mp4": (
        lambda tmp, mk: (tmp / "notes.mp4").write_text("not a video\n") and tmp / "notes.mp4",
        "not a video",
    ),
    "random bytes": (
        lambda tmp, mk: (tmp / "noise.mp4").write_bytes(np.random.default_rng(1).bytes(4096))
        and tmp / "noise.mp4",
        "not a video",
    ),
    "zero bytes": (lambda tmp, mk: (tmp / "zero.mp4").write_bytes(b"") or tmp / "zero.mp4", "empty"),
    "empty video": (lambda tmp, mk: _header_only(tmp / "empty.mkv"), "empty"),
    "audio only": (lambda tmp, mk: _audio_only(tmp / "voice.m4a"), "no video stream"),
    "truncated (index lost)": (
        lambda tmp, mk: _truncate(mk("whole.mp4", n_frames=40), tmp / "cut.mp4"),
        "truncated",
    ),
}


def _truncate(source: Path, target: Path, keep: float = 0.5) -> Path:
    data = source.read_bytes()
    target.write_bytes(data[: int(len(data) * keep)])
    return target


@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_bad_input_is_a_one_line_user_error(tmp_path, make_video, case):
    build, words = BAD_INPUTS[case]
    path = build(tmp_path, make_video)
    with pytest.raises(UserError) as caught:
        VideoFile(path)
    message = str(caught.value)
    assert "\n" not in message and message.strip() == message
    assert words in message
    assert str(path) in message  # names the file the user gave


def test_truncated_tail_keeps_the_frames_before_it(make_video, tmp_path):
    whole = make_video("whole.mp4", n_frames=60, size=(160, 120), faststart=True)
    cut = _truncate(whole, tmp_path / "cut.mp4", keep=0.6)
    with VideoFile(cut) as video:
        assert video.info.frame_count == 60  # the index (at the front) still promises 60
        frames = list(video)
    assert 0 < len(frames) < 60
    assert [read_number_from(f.image) for f in frames] == list(range(len(frames)))
    assert video.ended_reason is not None and "\n" not in video.ended_reason
    assert f"after {len(frames)} of 60 frames" in video.ended_reason
    assert video.info.extra["frames_missing"] == 60 - len(frames)


def test_garbage_mid_stream_stops_cleanly_and_keeps_earlier_frames(make_video, tmp_path):
    whole = make_video("whole.mp4", n_frames=60, size=(160, 120), faststart=True)
    data = bytearray(whole.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 2000] = np.random.default_rng(0).bytes(2000)
    damaged = tmp_path / "damaged.mp4"
    damaged.write_bytes(bytes(data))
    with VideoFile(damaged) as video:
        frames = list(video)  # must not raise
    assert 0 < len(frames) < 60
    assert np.all(np.diff([f.t for f in frames]) > 0)
    assert video.ended_reason is not None and "kept the frames before it" in video.ended_reason
    assert "decode_error" in video.info.extra or "frames_missing" in video.info.extra


# --------------------------------------------------------------------------------------------
# The newest-frame slot and Camera (fake capture)
# --------------------------------------------------------------------------------------------


def test_latest_frame_keeps_only_the_newest():
    slot = LatestFrame()
    image = np.zeros((2, 2, 3), np.uint8)
    for t in (0.0, 0.1, 0.2):
        slot.put(t, image)
    assert slot.take(lambda: None)[0] == 0.2
    assert slot.dropped == 2
    deadline = time.monotonic() + 0.05
    assert slot.take(lambda: deadline) is True  # nothing new: the deadline passes
    slot.put(0.3, image)
    slot.finish(None)
    assert slot.take(lambda: None)[0] == 0.3  # a pending frame outlives the end
    assert slot.take(lambda: None) is False


def test_latest_frame_counts_only_frames_the_consumer_skipped():
    # Frames replaced after the consumer's last take (it has stopped reading: a session writing
    # its outputs while the camera still runs) were not skipped by the analysis.
    slot = LatestFrame()
    image = np.zeros((2, 2, 3), np.uint8)
    slot.put(0.0, image)
    slot.put(0.1, image)
    assert slot.take(lambda: None)[0] == 0.1 and slot.dropped == 1
    for t in (0.2, 0.3, 0.4):
        slot.put(t, image)
    assert slot.dropped == 1  # the consumer has not come back: nothing skipped yet
    assert slot.take(lambda: None)[0] == 0.4 and slot.dropped == 3


class FakeCapture:
    """A stand-in for cv2.VideoCapture: numbered frames at `fps`, then stops as configured.

    `stop_after`: read() returns (False, None) from that frame on (an unplugged camera);
    `block_after`: read() blocks from that frame on until `release_block` is set (a hung driver).
    """

    def __init__(self, *, fps=100.0, size=(64, 48), opened=True, stop_after=None, block_after=None):
        self.fps, self.size, self.opened = fps, size, opened
        self.stop_after, self.block_after = stop_after, block_after
        self.count = 0
        self.released = threading.Event()
        self.release_block = threading.Event()

    def isOpened(self):  # noqa: N802
        return self.opened

    def get(self, prop_id):
        return self.fps

    def read(self):
        if self.stop_after is not None and self.count >= self.stop_after:
            return False, None
        if self.block_after is not None and self.count >= self.block_after:
            self.release_block.wait(10)
            return False, None
        time.sleep(1 / self.fps)
        image = numbered_image(self.count % 256, self.size)
        self.count += 1
        return True, image

    def release(self):
        self.released.set()


def test_camera_drops_stale_frames_instead_of_queueing():
    fake = FakeCapture(fps=200.0, stop_after=150)
    with Camera(0, capture_factory=lambda device: fake, stale_timeout=1.0) as camera:
        assert (camera.info.kind, camera.info.width, camera.info.height) == ("camera", 64, 48)
        seen = []
        for frame in camera:
            # Analysis 10x slower than the camera: by the time we look, newer frames exist.
            newest_before = fake.count - 1
            time.sleep(0.05)
            seen.append((frame.t, read_number_from(frame.image), frame.index, newest_before))
    numbers = [n for _, n, _, _ in seen]
    times = [t for t, _, _, _ in seen]
    assert camera.dropped > 50 and camera.dropped > len(seen)  # dropped, not queued
    assert len(seen) + camera.dropped == 150  # every frame read was delivered or dropped
    assert np.all(np.diff(times) > 0) and np.all(np.diff(numbers) > 0)
    assert [i for _, _, i, _ in seen] == list(range(len(seen)))
    # Each delivered frame was the newest one at delivery time (a few frames of slack for a
    # loaded machine):
    # a queue would hand out frame k long after frame k + 10 had been captured.
    assert all(n >= newest - 3 for _, n, _, newest in seen[1:])
    assert camera.ended_reason is not None and "stopped delivering frames" in camera.ended_reason
    assert fake.released.wait(2)


def test_camera_timestamps_follow_the_monotonic_clock():
    fake = FakeCapture(fps=50.0, stop_after=25)
    with Camera(0, capture_factory=lambda device: fake, stale_timeout=0.5) as camera:
        frames = list(camera)
    times = np.array([f.t for f in frames])
    assert times[0] == pytest.approx(0.0, abs=0.03)
    assert np.all(np.diff(times) > 0)
    # 50 fps read pace: about 0.02 s apart (generous bounds: the CI machine is shared)
    assert 0.015 < np.median(np.diff(times)) < 0.06


def test_camera_that_stops_delivering_ends_iteration_within_the_timeout():
    fake = FakeCapture(fps=100.0, stop_after=20)
    with Camera("0", capture_factory=lambda device: fake, stale_timeout=0.4) as camera:
        start = time.monotonic()
        frames = list(camera)
        waited = time.monotonic() - start
    assert len(frames) >= 1
    assert waited < 0.4 + 0.2 + 1.0  # frames + the timeout + slack, never a hang
    assert "camera 0 stopped delivering frames" in camera.ended_reason


def test_camera_whose_read_blocks_ends_iteration_and_close_does_not_hang():
    fake = FakeCapture(fps=100.0, block_after=10)
    try:
        camera = Camera(0, capture_factory=lambda device: fake, stale_timeout=0.3)
        start = time.monotonic()
        frames = list(camera)
        waited = time.monotonic() - start
        close_start = time.monotonic()
        camera.close()
        assert time.monotonic() - close_start < 1.5
    finally:
        fake.release_block.set()  # let the daemon reader thread finish
    assert 1 <= len(frames) <= 10
    assert waited < 0.1 + 0.3 + 1.0
    assert "no new frame for 0.3 s" in camera.ended_reason
    assert fake.released.wait(2)  # the reader released the device once the driver returned


def test_camera_that_will_not_open_is_a_user_error():
    fake = FakeCapture(opened=False)
    with pytest.raises(UserError, match=r"^camera 7 could not be opened") as caught:
        Camera(7, capture_factory=lambda device: fake)
    assert "\n" not in str(caught.value)
    assert fake.released.is_set()


def test_real_opencv_camera_index_without_a_device_is_a_user_error(capfd):
    with pytest.raises(UserError, match=r"^camera 63 could not be opened"):
        Camera(63)
    with pytest.raises(UserError, match=r"^camera rtsp://127.0.0.1:9/none could not be opened"):
        Camera("rtsp://127.0.0.1:9/none")
    out, err = capfd.readouterr()
    assert err == ""  # OpenCV's and FFmpeg's own complaints stay quiet: one line is ours


def test_camera_that_opens_but_never_delivers_is_a_user_error():
    fake = FakeCapture(stop_after=0)
    with pytest.raises(UserError, match="opened but delivered no frame"):
        Camera(0, capture_factory=lambda device: fake, stale_timeout=0.2, first_frame_timeout=1.0)


# --------------------------------------------------------------------------------------------
# PacedFile and open_source
# --------------------------------------------------------------------------------------------


def test_paced_file_releases_in_real_time_and_drops_for_a_slow_consumer(make_video):
    path = make_video("paced.mp4", n_frames=30, fps=30)  # 1 s of video
    with PacedFile(path) as paced:
        assert paced.info.frame_count == 30 and paced.info.kind == "file"
        start = time.monotonic()
        seen = []
        for frame in paced:
            seen.append((frame.t, read_number_from(frame.image)))
            time.sleep(0.1)  # analysis at 10 fps against a 30 fps file
        elapsed = time.monotonic() - start
    times = [t for t, _ in seen]
    numbers = [n for _, n in seen]
    assert 0.9 < elapsed < 2.0  # played at its own pace, not as fast as decoding allows
    assert paced.dropped > 10 and len(seen) + paced.dropped == 30
    assert len(seen) < 15
    assert np.all(np.diff(numbers) > 0)
    assert times == pytest.approx([n / 30 for n in numbers], abs=1e-6)  # the file's own times
    assert numbers[-1] == 29  # ends with the file, its last frame delivered
    assert paced.ended_reason is None


def test_paced_file_with_a_fast_consumer_gets_every_frame(make_video):
    path = make_video("paced.mp4", n_frames=8, fps=10)  # 0.1 s apart: room for a busy machine
    with PacedFile(path) as paced:
        numbers = [read_number_from(f.image) for f in paced]
    assert numbers == list(range(8)) and paced.dropped == 0


def test_open_source_picks_the_right_kind(make_video, tmp_path):
    path = make_video(n_frames=5)
    with open_source(str(path)) as source:
        assert isinstance(source, VideoFile) and isinstance(source, Source)
    with open_source(path, paced=True) as source:
        assert isinstance(source, PacedFile)
    fakes: list = []

    def factory(device):
        fakes.append(device)
        return FakeCapture(stop_after=3)

    for spec, device in [("0", 0), (0, 0), (" 2 ", 2), ("rtsp://cam.local/stream", "rtsp://cam.local/stream")]:
        with open_source(spec, capture_factory=factory, stale_timeout=0.2) as source:
            assert isinstance(source, Camera) and source.info.kind == "camera"
        assert fakes[-1] == device
    with pytest.raises(UserError, match="not found"):
        open_source(tmp_path / "missing.mp4")


# --------------------------------------------------------------------------------------------
# The real portrait phone clip
# --------------------------------------------------------------------------------------------


@pytest.mark.shared
def test_real_portrait_clip_info_matches_what_is_decoded(shared_dir):
    clip = shared_dir / "media" / "standing_squats.mp4"
    if not clip.is_file():
        pytest.skip(f"{clip} not found: real clips unavailable")
    with VideoFile(clip) as video:
        info = video.info
        assert (info.width, info.height) == (720, 1280)
        frames = list(video)
    assert video.ended_reason is None
    assert len(frames) == info.frame_count
    assert frames[0].image.shape == (1280, 720, 3)
    times = np.array([f.t for f in frames])
    assert times[0] == pytest.approx(0.0, abs=1e-6) and np.all(np.diff(times) > 0)
    assert info.duration == pytest.approx(times[-1] + 1 / info.fps, abs=1 / info.fps)


# --- a few frames by their times (the report's stills) ---------------------------------------


def test_frames_at_gives_the_frame_on_screen_at_each_time(make_video, read_number, marker_corner):
    from formcheck.sources.seek import frames_at

    clip = make_video("seek.mp4", n_frames=90, size=(96, 64), fps=30, rotation=90)
    times = [2.9, 0.0, 0.51, 0.5, 1.2, 5.0, -1.0, float("nan")]
    frames = frames_at(clip, times)
    got = [None if f is None else read_number(f.image) for f in frames]
    assert got == [87, 0, 15, 15, 36, None, None, None]
    assert frames[0].t == pytest.approx(87 / 30) and frames[0].index == 87
    assert frames[1].size == (96, 64) and marker_corner(frames[1].image) == "top-left"  # upright


def test_frames_at_keeps_variable_frame_times(make_video, read_number):
    from formcheck.sources.seek import frames_at

    clip = make_video("vfr.mp4", times=[0.0, 0.1, 0.5, 0.55, 3.0, 3.1])
    assert [read_number(f.image) for f in frames_at(clip, [0.3, 0.56, 2.99, 3.05])] == [1, 3, 3, 4]
