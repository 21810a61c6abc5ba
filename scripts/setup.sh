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

# Debian packages the tests need, installed with apt (as root, or with sudo) when missing: one
# `apt-get update` for all of them.
debian=()
why=()
need() {  # need CHECK-COMMAND PACKAGE... -- WHAT FOR
  local check=$1; shift
  local pkgs=()
  while [[ $1 != "--" ]]; do pkgs+=("$1"); shift; done
  shift
  if ! eval "$check" >/dev/null 2>&1; then debian+=("${pkgs[@]}"); why+=("$*"); fi
}

extras=""
if [[ "${1:-}" == "--test" ]]; then
  extras="[test,synth]"
  need "ldconfig -p | grep -q libOSMesa" libosmesa6 -- "software OpenGL for the renderer"
  need "test -x /usr/bin/chromium" chromium -- "the browser the report tests open pages in"
  need "command -v Xvfb" xvfb -- "the live window's test"
  need "command -v espeak-ng" espeak-ng -- "the live voice"
  if (( ${#debian[@]} )); then
    if [[ $(id -u) -eq 0 ]]; then SUDO=""; else SUDO="sudo"; fi
    echo "setup: installing ${debian[*]} ($(IFS=';'; echo "${why[*]}"))"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${debian[@]}" >/dev/null
  fi
fi

[[ -x .venv/bin/python ]] || "$PY" -m venv .venv
# torch==2.13.0 first (the synth extra pins it) so pip takes the CPU build, not the CUDA one.
if [[ -n "$extras" ]]; then .venv/bin/pip install -q torch==2.13.0; fi
.venv/bin/pip install -q -e ".${extras}"
echo "setup: done (.venv)"
