"""Rendered exercise videos with exact ground truth (`formcheck synth`; the `synth` extra).

Never imported by the rest of formcheck. Importing this package is light; the heavy modules
(`body` imports torch and anny, `render` imports pyrender and sets PYOPENGL_PLATFORM=osmesa) are
imported only by the code that renders:

- `body`: the anny body posed by world-frame segment rotations, its skinning and keypoints;
- `posing`: lying poses from clinical quantities (the supine ones, and the trunk chain);
- `prone_posing`: the prone ones (a press-up on the floor; a plank, push-ups from the toes or knees);
- `kinematics`: the world frame, bone groups, rotations and two-joint solving both use;
- `script`: exercise sessions as timelines with exact events (numpy only);
- `render`: the camera presets and the off-screen scene;
- `session`: rendering one session to MP4 + truth JSON;
- `truth`: the truth schema and its validator (no dependencies);
- `agreement`: MediaPipe's detection rate and landmark error against the truth (core install);
- `contact`: contact sheets of a clip's labelled moments.
"""

# H.264 quality of rendered clips. Not the encoder's usual 23-30: a rendered body has no sensor
# noise, and at CRF 30 x264's dead zone leaves the first pixels of a slow, eased movement
# unencoded until the next keyframe (measured: a slow pelvic tilt release reached the video
# 0.4-1.3 s after the script started it, so slow holds read up to ~1 s long). At 12 each frame
# shows the body where the truth says it is, and a 30 s 640x360 clip stays ~200 KB.
DEFAULT_CRF = 12
