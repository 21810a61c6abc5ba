"""The overlay: draws on a copy, puts the skeleton where the person is, dims joints the model is
unsure of, keeps the panel's text inside the image at any size, and shows the hold ring only
while a hold is being timed."""

from __future__ import annotations

import numpy as np
import pytest

from formcheck.analyzers.base import Feedback
from formcheck.landmarks import NUM_LANDMARKS, PRESENCE, SKELETON, VISIBILITY, Landmark, PoseFrame
from formcheck.overlay import SAFETY_NOTE, HoldRingAnnotator, Overlay, PanelAnnotator, SkeletonAnnotator
from formcheck.overlay.draw import LEFT_COLOR, RIGHT_COLOR, RING_DONE, RING_FILL, RING_TRACK, ascii_text, fit_text
from formcheck.analyzers.registry import title_of

L = Landmark


def supine_pose(size: tuple[int, int] = (640, 360), confidence: float = 0.95) -> PoseFrame:
    """A person lying on their back, knees bent (the pelvic tilt position), seen from their left
    by a raised camera (the far, right side higher in the picture)."""
    pts = {
        L.NOSE: (0.17, 0.60), L.LEFT_EAR: (0.145, 0.65), L.RIGHT_EAR: (0.15, 0.51),
        L.LEFT_SHOULDER: (0.26, 0.71), L.RIGHT_SHOULDER: (0.265, 0.52),
        L.LEFT_ELBOW: (0.36, 0.75), L.RIGHT_ELBOW: (0.365, 0.54),
        L.LEFT_WRIST: (0.45, 0.755), L.RIGHT_WRIST: (0.455, 0.55),
        L.LEFT_HIP: (0.52, 0.72), L.RIGHT_HIP: (0.525, 0.53),
        L.LEFT_KNEE: (0.64, 0.45), L.RIGHT_KNEE: (0.7, 0.28),
        L.LEFT_ANKLE: (0.74, 0.73), L.RIGHT_ANKLE: (0.79, 0.54),
        L.LEFT_HEEL: (0.725, 0.755), L.RIGHT_HEEL: (0.775, 0.565),
        L.LEFT_FOOT_INDEX: (0.80, 0.76), L.RIGHT_FOOT_INDEX: (0.85, 0.57),
    }
    lm = np.zeros((NUM_LANDMARKS, 5), np.float32)
    lm[:, :2] = 0.5
    for k, (x, y) in pts.items():
        lm[k] = (x, y, 0.0, confidence, 0.99)
    return PoseFrame(t=0.0, image_size=size, landmarks=lm)


def _with(pose: PoseFrame, lm: Landmark, **cols: float) -> PoseFrame:
    arr = pose.landmarks.copy()
    for name, value in cols.items():
        arr[lm, {"visibility": VISIBILITY, "presence": PRESENCE}[name]] = value
    return PoseFrame(t=pose.t, image_size=pose.image_size, landmarks=arr)


def _at(image: np.ndarray, pose: PoseFrame, lm: Landmark) -> np.ndarray:
    h, w = image.shape[:2]
    x, y = pose.landmarks[lm, 0] * w, pose.landmarks[lm, 1] * h
    return image[int(round(y)), int(round(x))].astype(int)


def _close(a: np.ndarray, b: tuple[int, int, int], tol: int = 40) -> bool:
    return bool(np.abs(np.asarray(a, int) - np.asarray(b, int)).max() <= tol)


def _black(w: int = 640, h: int = 360) -> np.ndarray:
    return np.zeros((h, w, 3), np.uint8)


HOLD = Feedback(
    exercise="pelvic_tilt", state="holding", count=2, target=10, good=1,
    hold_elapsed=1.5, hold_target=3.0, cue="Hold... 2 of 3 s",
)


def test_overlay_draws_on_a_copy() -> None:
    image = np.full((360, 640, 3), 90, np.uint8)
    before = image.copy()
    out = Overlay().annotate(image, supine_pose(), HOLD, status="No person in view")
    assert np.array_equal(image, before), "the caller's frame must not change"
    assert out is not image and out.shape == image.shape and out.dtype == np.uint8
    assert not np.array_equal(out, before)


def test_nothing_to_draw_leaves_the_picture_as_it_was() -> None:
    image = np.full((360, 640, 3), 90, np.uint8)
    out = Overlay().annotate(image, PoseFrame.empty(0.0, (640, 360)), None, status=None)
    assert np.array_equal(out, image)


def test_skeleton_is_drawn_where_the_person_is_in_side_colours() -> None:
    pose = supine_pose()
    out = SkeletonAnnotator(legend=False).annotate(_black(), pose)
    for lm in (L.LEFT_HIP, L.LEFT_KNEE, L.LEFT_ANKLE):
        assert _close(_at(out, pose, lm), LEFT_COLOR), lm
    for lm in (L.RIGHT_HIP, L.RIGHT_KNEE, L.RIGHT_ANKLE):
        assert _close(_at(out, pose, lm), RIGHT_COLOR), lm
    # Mid-thigh is on a bone; the top of the image is far from the body.
    mid = (pose.pixel(L.LEFT_HIP)[0] + pose.pixel(L.LEFT_KNEE)[0]) / 2, (pose.pixel(L.LEFT_HIP)[1] + pose.pixel(L.LEFT_KNEE)[1]) / 2
    assert _close(out[int(round(mid[1])), int(round(mid[0]))], LEFT_COLOR, 60)
    assert out[:60].max() == 0


def test_skeleton_uses_the_image_size_not_the_pose_size() -> None:
    """Landmarks are normalized: a preview resized to half size still has the skeleton on it."""
    pose = supine_pose(size=(1280, 720))
    out = SkeletonAnnotator(legend=False).annotate(_black(640, 360), pose)
    assert _close(_at(out, pose, L.LEFT_KNEE), LEFT_COLOR)


@pytest.mark.parametrize("column", ["visibility", "presence"])
def test_low_confidence_joints_are_dimmed(column: str) -> None:
    sure = supine_pose()
    unsure = _with(sure, L.LEFT_KNEE, **{column: 0.2})
    a = SkeletonAnnotator(legend=False).annotate(_black(), sure)
    b = SkeletonAnnotator(legend=False).annotate(_black(), unsure)
    x, y = (int(round(v)) for v in sure.pixel(L.LEFT_KNEE))
    win_a = a[y - 6 : y + 7, x - 6 : x + 7].reshape(-1, 3).astype(int)
    win_b = b[y - 6 : y + 7, x - 6 : x + 7].reshape(-1, 3).astype(int)
    # Sure: a filled joint in full colour. Unsure: hollow (centre not filled) and faded.
    assert _close(a[y, x], LEFT_COLOR)
    assert not _close(b[y, x], LEFT_COLOR)
    brightest_a = win_a.max(axis=0)
    brightest_b = win_b.max(axis=0)
    assert brightest_b.max() < brightest_a.max() - 40, "faded colour"
    saturation = lambda px: int(px.max() - px.min())  # noqa: E731
    assert saturation(brightest_b) < saturation(brightest_a)
    assert win_b.sum() < win_a.sum() / 2, "thin dashed bones and a hollow joint draw less ink"


def test_threshold_is_configurable() -> None:
    pose = _with(supine_pose(), L.LEFT_KNEE, visibility=0.4)
    strict = SkeletonAnnotator(min_confidence=0.5, legend=False).annotate(_black(), pose)
    lenient = SkeletonAnnotator(min_confidence=0.3, legend=False).annotate(_black(), pose)
    assert not _close(_at(strict, pose, L.LEFT_KNEE), LEFT_COLOR)
    assert _close(_at(lenient, pose, L.LEFT_KNEE), LEFT_COLOR)


def test_no_person_draws_no_skeleton() -> None:
    out = SkeletonAnnotator().annotate(_black(), PoseFrame.empty(0.0, (640, 360)))
    assert out.max() == 0


def test_non_finite_landmarks_do_not_crash() -> None:
    pose = supine_pose()
    arr = pose.landmarks.copy()
    arr[L.LEFT_KNEE, 0] = np.nan
    arr[L.RIGHT_KNEE, 1] = np.inf
    SkeletonAnnotator().annotate(_black(), PoseFrame(0.0, (640, 360), arr))


def test_every_bone_endpoint_is_a_drawn_joint() -> None:
    pose = supine_pose()
    out = SkeletonAnnotator(legend=False).annotate(_black(), pose)
    for lm in {j for bone in SKELETON for j in bone}:
        assert _at(out, pose, lm).max() > 0, lm


LONG = Feedback(
    exercise="lower_trunk_rotation", state="unknown", count=12, target=10, good=7,
    hold_elapsed=12.0, hold_target=5.0,
    cue="Keep both shoulders on the floor while your knees go all the way over to the side",
    faults=("shoulder_lifted", "hips_off_floor", "rocking_too_fast"),
    cannot_judge="body not fully visible - move the camera back so your feet are in view",
    side="left",
)


@pytest.mark.parametrize("size", [(640, 360), (1920, 1080), (1280, 720), (720, 1280), (320, 240), (96, 64), (12, 8)])
@pytest.mark.parametrize("feedback", [HOLD, LONG, None])
def test_panel_text_fits_inside_the_image(size: tuple[int, int], feedback: Feedback | None) -> None:
    w, h = size
    image = _black(w, h)
    panel = PanelAnnotator()
    layout = panel.layout(image, feedback, status="Pose only - no exercise chosen")
    out = panel.annotate(image.copy(), feedback, status="Pose only - no exercise chosen")
    if layout is None:
        assert min(w, h) < 64 and out.max() == 0
        return
    x0, y0, x1, y1 = layout.box
    assert 0 <= x0 < x1 <= w and 0 <= y0 < y1 <= h
    assert sum(r.step for r in layout.rows) <= y1 - y0
    for row in layout.rows:
        assert layout.text_x + row.width <= x1, row.text
        assert row.text.isascii()
    # Nothing drawn outside the panel box.
    outside = out.copy()
    outside[y0:y1, x0:x1] = 0
    assert outside.max() == 0


def test_panel_says_what_matters_at_both_sizes() -> None:
    for w, h in ((640, 360), (1920, 1080)):
        rows = [r.text for r in PanelAnnotator().layout(_black(w, h), HOLD).rows]
        assert rows[0] == "Pelvic tilt"
        assert "Reps 2/10, 1 good" in rows
        assert "Hold 1.5 / 3 s" in rows
        assert "Hold... 2 of 3 s" in rows


def test_panel_long_lines_wrap_then_are_cut() -> None:
    longer = Feedback(**{**LONG.__dict__, "cue": " ".join([LONG.cue] * 3)})
    layout = PanelAnnotator().layout(_black(640, 360), longer)
    texts = [r.text for r in layout.rows]
    assert any(t.startswith("Cannot judge: body not fully visible") for t in texts)
    assert any(t.endswith("...") for t in texts), "the longest lines are cut, not run off"
    assert texts[0] == "Lower trunk rotation - left"
    assert any(t.startswith("Fault: shoulder lifted") for t in texts)


def test_panel_with_no_analyzer_shows_the_status_only() -> None:
    layout = PanelAnnotator().layout(_black(), None, status="No person in view")
    assert [r.text for r in layout.rows] == ["No person in view"]
    assert PanelAnnotator().layout(_black(), None, status=None) is None


def test_panel_cannot_judge_state() -> None:
    fb = Feedback(exercise="pelvic_tilt", state="cannot_judge", count=0, target=10, cannot_judge="not lying down")
    texts = [r.text for r in PanelAnnotator().layout(_black(1280, 720), fb).rows]
    assert "Cannot judge: not lying down" in texts


def test_panel_does_not_repeat_the_cannot_judge_reason_as_the_cue() -> None:
    fb = Feedback(
        exercise="pelvic_tilt", state="cannot_judge", count=0, target=10,
        cannot_judge="body not fully visible", cue="Cannot judge: body not fully visible",
    )
    texts = [r.text for r in PanelAnnotator().layout(_black(1280, 720), fb).rows]
    assert texts.count("Cannot judge: body not fully visible") == 1
    other = Feedback(**{**fb.__dict__, "cue": "Move the camera back"})
    assert "Move the camera back" in [r.text for r in PanelAnnotator().layout(_black(1280, 720), other).rows]


def _ring_region(image: np.ndarray) -> tuple[slice, slice]:
    h, w = image.shape[:2]
    return slice(0, h // 2), slice(w - w // 4, w)


def test_ring_only_with_a_hold_target() -> None:
    no_target = Feedback(exercise="press_up", state="up", count=1, target=10, hold_elapsed=None, hold_target=None)
    not_holding = Feedback(exercise="pelvic_tilt", state="neutral", count=1, target=10, hold_elapsed=None, hold_target=3.0)
    for fb in (no_target, not_holding, None):
        assert HoldRingAnnotator().annotate(_black(), fb).max() == 0
    out = HoldRingAnnotator().annotate(_black(), HOLD)
    rows, cols = _ring_region(out)
    assert out[rows, cols].max() > 0
    assert out[:, : 640 // 2].max() == 0, "the ring sits in the top-right corner"


def _ring_pixel(image: np.ndarray, clock: float) -> np.ndarray:
    """The ring's pixel at a clock position (0 = 12 o'clock, 3 = 3 o'clock)."""
    cx, cy, radius = HoldRingAnnotator().geometry(image)
    angle = np.radians(clock * 30 - 90)
    return image[int(round(cy + radius * np.sin(angle))), int(round(cx + radius * np.cos(angle)))].astype(int)


@pytest.mark.parametrize("size", [(640, 360), (1920, 1080)])
def test_ring_fills_clockwise_and_turns_green_at_the_target(size: tuple[int, int]) -> None:
    quarter = Feedback(exercise="pelvic_tilt", state="holding", count=0, target=10, hold_elapsed=0.75, hold_target=3.0)
    img = HoldRingAnnotator().annotate(_black(*size), quarter)
    assert _close(_ring_pixel(img, 1.5), RING_FILL)  # inside the first quarter: filled
    assert _close(_ring_pixel(img, 7.5), RING_TRACK, 50)  # not reached yet: the grey track

    met = Feedback(exercise="pelvic_tilt", state="holding", count=0, target=10, hold_elapsed=3.2, hold_target=3.0)
    img = HoldRingAnnotator().annotate(_black(*size), met)
    for clock in (1.5, 4.5, 7.5, 10.5):
        assert _close(_ring_pixel(img, clock), RING_DONE)


def test_safety_note_is_one_line_and_the_same_everywhere() -> None:
    from formcheck import report

    assert "not a diagnosis" in SAFETY_NOTE and "\n" not in SAFETY_NOTE
    assert report.SAFETY_NOTE is SAFETY_NOTE  # the overlay, the live window and the report


def test_text_helpers() -> None:
    assert title_of("pelvic_tilt") == title_of("pelvic-tilt") == "Pelvic tilt"  # the registry's
    assert title_of("press-up") == "Press-up" and title_of("side_plank") == "Side plank"
    assert ascii_text("Hold\u2026 2\u20133 s") == "Hold... 2-3 s"
    text, scale = fit_text("x" * 200, 100, 1.0, 2, 0.5)
    assert text.endswith("...") and scale == 0.5
    import cv2

    assert cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, 2)[0][0] <= 100


def test_panel_shows_the_count_per_side_against_the_per_side_target() -> None:
    fb = Feedback(exercise="trunk_rotation", state="holding", count=5, target=10, good=5,
                  side="left", by_side={"left": 3, "right": 2})
    texts = [line.text for line in PanelAnnotator().lines(fb)]
    assert texts[0] == "Lower trunk rotation - left"
    assert texts[1] == "Left 3/10  Right 2/10"
