#!/usr/bin/env bash
# Set up formcheck in ./.venv on a fresh machine with Python 3.11.
#   scripts/setup.sh          the tool (mediapipe, numpy, PyAV, matplotlib; models are in models/)
#   scripts/setup.sh --test   the tool + test tools + the `synth` renderer (torch CPU, anny,
#                             pyrender) and the OSMesa library it renders with (Debian package),
#                             Debian's chromium, which the report tests open pages in, Xvfb
#                             (the live window's test) and espeak-ng (the live voice)
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PYTHON:-python3.11}
command -v "$PY" >/dev/null || { echo "setup: $PY not found (formcheck needs Python 3.11+)" >&2; exit 1; }

extras=""
if [[ "${1:-}" == "--test" ]]; then
  extras="[test,synth]"
  if ! ldconfig -p 2>/dev/null | grep -q libOSMesa; then
    if [[ $(id -u) -eq 0 ]]; then SUDO=""; else SUDO="sudo"; fi
    echo "setup: installing libosmesa6 (software OpenGL for the renderer)"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq libosmesa6 >/dev/null
  fi
  if [[ ! -x /usr/bin/chromium ]]; then
    if [[ $(id -u) -eq 0 ]]; then SUDO=""; else SUDO="sudo"; fi
    echo "setup: installing chromium (the headless browser the report tests open pages in)"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
  fi
  if ! command -v Xvfb >/dev/null || ! command -v espeak-ng >/dev/null; then
    if [[ $(id -u) -eq 0 ]]; then SUDO=""; else SUDO="sudo"; fi
    echo "setup: installing xvfb and espeak-ng (the live window's test, the live voice)"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq xvfb espeak-ng >/dev/null
  fi
fi

[[ -x .venv/bin/python ]] || "$PY" -m venv .venv
# torch==2.13.0 first (the synth extra pins it) so pip takes the CPU build, not the CUDA one.
if [[ -n "$extras" ]]; then .venv/bin/pip install -q torch==2.13.0; fi
.venv/bin/pip install -q -e ".${extras}"
echo "setup: done (.venv)"
