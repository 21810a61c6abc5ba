"""Rendered exercise videos with exact ground truth (`formcheck synth`; the `synth` extra).

Never imported by the rest of formcheck. Importing this package is light; the heavy modules
(`body` imports torch and anny, `render` imports pyrender and sets PYOPENGL_PLATFORM=osmesa) are
imported only by the code that renders:

- `body`: the anny body posed by world-frame segment rotations, its skinning and keypoints;
- `posing`: lying poses (supine hook-lying, prone) from clinical quantities, two-joint solving;
- `script`: exercise sessions as timelines with exact events (numpy only);
- `render`: the camera presets and the off-screen scene;
- `session`: rendering one session to MP4 + truth JSON;
- `truth`: the truth schema and its validator (no dependencies);
- `agreement`: MediaPipe's detection rate and landmark error against the truth (core install);
- `contact`: contact sheets of a clip's labelled moments.
"""
