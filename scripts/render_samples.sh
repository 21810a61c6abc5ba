#!/usr/bin/env bash
# Regenerates samples/: the rendered clips formcheck ships, each with its truth JSON.
# Needs the synth extra: pip install -e '.[synth]' and apt-get install libosmesa6.
# Every clip is reproducible from its seed: same formcheck, anny and torch versions give the
# same poses and events (the H.264 bytes may differ between x264 builds).
#   scripts/render_samples.sh            # all samples
#   scripts/render_samples.sh pelvic     # only those whose name contains "pelvic"
set -euo pipefail
cd "$(dirname "$0")/.."
export PYOPENGL_PLATFORM=osmesa
only="${1:-}"
common=(--size 960x540 --fps 30 --camera side)

render() {  # name, then formcheck synth arguments
    local name="$1"; shift
    if [[ -n "$only" && "$name" != *"$only"* ]]; then return; fi
    echo "== samples/$name.mp4"
    formcheck synth "$@" "${common[@]}" --out "samples/$name.mp4"
}

# The README's main job: three tilts, the middle hold too short (1.5 s against 3 s prescribed).
render pelvic_tilt_side pelvic-tilt --reps 3 --hold 3.5,1.5,3.5 --tempo 1.0 --rest 0.6 --lead-in 2.5 --body woman --seed 1
# A fault: the second rep is a bridge (hips lifted), which must be flagged and never counted.
render pelvic_tilt_bridge_side pelvic-tilt --reps 3 --hold 3.5 --tempo 1.0 --rest 0.8 --fault bridge --fault-reps 2 --body average --seed 2
# Lower trunk rotation: knees to the left, then to the right, 3 s holds.
render trunk_rotation_side trunk-rotation --reps 1 --order left,right --hold 3 --tempo 2.0 --rest 0.8 --body man --seed 3
# Prone press-up: three reps, 2 s at the top, hips on the mat.
render press_up_side press-up --reps 3 --hold 2 --tempo 1.3 --rest 1.0 --body man --seed 4
# A fault: the hips lift off the mat in the second press-up.
render press_up_hips_lift_side press-up --reps 2 --hold 2 --tempo 1.3 --rest 1.0 --fault hips-lift --fault-reps 2 --body woman --seed 5
# A negative control: lying still in hook-lying; nothing should be counted.
render rest_side rest --duration 6 --body heavy --seed 6
