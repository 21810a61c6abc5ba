"""The pose model bundles: bad files get one clear line, the committed ones load and find people,
and the build recipe reproduces them from registry packages byte for byte."""

from __future__ import annotations

import hashlib
import shutil
import sys
import zipfile
from pathlib import Path

import pytest

from formcheck import cli, models
from formcheck.models import build, fetch, resolve
from formcheck.errors import UserError
from formcheck.files import file_sha256

REPO_MODELS = Path(__file__).resolve().parents[1] / "models"
FULL = REPO_MODELS / "pose_landmarker_full.task"
LITE = REPO_MODELS / "pose_landmarker_lite.task"


def _one_line_error(exc_info: pytest.ExceptionInfo[UserError], *needles: str) -> str:
    message = str(exc_info.value)
    assert "\n" not in message, message
    for needle in needles:
        assert needle in message, f"{needle!r} not in {message!r}"
    return message


# ------------------------------------------------------------------------------------------
# Bad model files
# ------------------------------------------------------------------------------------------


def _missing(path: Path) -> None:
    pass


def _directory(path: Path) -> None:
    path.mkdir()


def _empty(path: Path) -> None:
    path.write_bytes(b"")


def _truncated(path: Path) -> None:
    # An interrupted download: the first part of the real bundle, no zip directory at the end.
    with FULL.open("rb") as f:
        path.write_bytes(f.read(FULL.stat().st_size // 2))


def _html(path: Path) -> None:
    path.write_text(
        "<!DOCTYPE html>\n<html><head><title>404 Not Found</title></head>"
        "<body>The requested URL was not found.</body></html>\n"
    )


def _lfs_pointer(path: Path) -> None:
    path.write_text(
        "version https://git-lfs.github.com/spec/v1\n"
        "oid sha256:4eaa5eb7a98365221087693fcc286334cf0858e2eb6e15b506aa4a7ecdcec4ad\n"
        "size 9398198\n"
    )


def _other_zip(path: Path) -> None:
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("readme.txt", "not a model")


BAD_FILES = {
    "missing": (_missing, "does not exist"),
    "directory": (_directory, "is a directory"),
    "empty": (_empty, "is empty"),
    "truncated": (_truncated, "truncated"),
    "html": (_html, "HTML page"),
    "lfs-pointer": (_lfs_pointer, "git-LFS pointer"),
    "other-zip": (_other_zip, "not a pose bundle"),
}


@pytest.mark.parametrize("kind", sorted(BAD_FILES))
def test_bad_model_file_gives_one_line_naming_file_and_rebuild_command(
    kind: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    make, problem = BAD_FILES[kind]
    monkeypatch.setenv("FORMCHECK_MODELS_DIR", str(tmp_path))
    path = tmp_path / "pose_landmarker_full.task"
    make(path)
    with pytest.raises(UserError) as exc_info:
        models.check_model_file(path)
    _one_line_error(exc_info, "pose_landmarker_full.task", problem,
                    "rebuild it with: formcheck models build full")
    # --model full resolves to the same file and fails the same way.
    with pytest.raises(UserError) as exc_info:
        models.resolve_model("full")
    _one_line_error(exc_info, "pose_landmarker_full.task", problem, "formcheck models build full")


def test_bad_file_outside_models_dir_names_dest_in_rebuild_command(tmp_path: Path) -> None:
    path = tmp_path / "elsewhere" / "pose_landmarker_lite.task"
    path.parent.mkdir()
    _lfs_pointer(path)
    with pytest.raises(UserError) as exc_info:
        models.check_model_file(path)
    _one_line_error(exc_info, "formcheck models build lite --dest", "elsewhere")


def test_bad_file_with_a_foreign_name_says_what_to_use(tmp_path: Path) -> None:
    path = tmp_path / "my_model.task"
    _html(path)
    with pytest.raises(UserError) as exc_info:
        models.resolve_model(str(path))
    _one_line_error(exc_info, "my_model.task", "HTML page", "--model lite|full|heavy")


def test_unknown_model_name_lists_the_choices() -> None:
    with pytest.raises(UserError) as exc_info:
        models.resolve_model("medium")
    _one_line_error(exc_info, "'medium'", "lite", "full", "heavy", "path")


def test_heavy_not_built_says_how_to_build_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FORMCHECK_MODELS_DIR", str(tmp_path))
    with pytest.raises(UserError) as exc_info:
        models.resolve_model("heavy")
    _one_line_error(exc_info, "pose_landmarker_heavy.task", "does not exist",
                    "formcheck models build heavy")


def test_mediapipe_load_errors_become_one_line(tmp_path: Path) -> None:
    """MediaPipe's own messages (not made-up ones) are what explain_model_error maps."""
    pose_landmarker = pytest.importorskip("mediapipe.tasks.python.vision.pose_landmarker")
    from mediapipe.tasks.python.core.base_options import BaseOptions

    html = tmp_path / "pose_landmarker_full.task"
    _html(html)
    options = pose_landmarker.PoseLandmarkerOptions(base_options=BaseOptions(model_asset_path=str(html)))
    with pytest.raises(Exception) as raw:
        pose_landmarker.PoseLandmarker.create_from_options(options)
    assert "zip" in str(raw.value).lower()
    error = models.explain_model_error(html, raw.value)
    assert "\n" not in str(error)
    assert "HTML page" in str(error) and "formcheck models build full" in str(error)

    no_metadata = RuntimeError(
        "Input tensor has type float32: it requires specifying NormalizationOptions metadata "
        "to preprocess input images."
    )
    error = models.explain_model_error(FULL, no_metadata)
    assert "metadata" in str(error) and "formcheck models build full" in str(error)


def test_load_check_reports_a_bad_file_as_user_error(tmp_path: Path) -> None:
    path = tmp_path / "pose_landmarker_full.task"
    _truncated(path)
    with pytest.raises(UserError) as exc_info:
        build.load_check(path)
    _one_line_error(exc_info, "pose_landmarker_full.task", "truncated")


# ------------------------------------------------------------------------------------------
# The committed bundles
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name, path", [("full", FULL), ("lite", LITE)])
def test_committed_bundle_is_the_pinned_build(name: str, path: Path) -> None:
    facts = build.BUNDLES[name]
    assert path.stat().st_size == facts.build_size
    assert file_sha256(path) == facts.build_sha256
    with zipfile.ZipFile(path) as zf:
        infos = zf.infolist()
    assert [i.filename for i in infos] == list(models.BUNDLE_ENTRIES)
    for info in infos:
        assert info.compress_type == zipfile.ZIP_STORED
        # data offset = local header + 30 fixed bytes + name (no extra field): 4-byte aligned
        assert (info.header_offset + 30 + len(info.filename)) % 4 == 0


@pytest.mark.xfail(
    strict=True,
    reason="known gap: our metadata lacks ~324 bytes of text Google's carries (models/README.md); "
    "this starts passing, and must be un-marked, once the exact metadata is known",
)
def test_committed_full_bundle_is_googles() -> None:
    assert file_sha256(FULL) == build.BUNDLES["full"].google_sha256


def test_resolve_model_default_is_committed_full(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FORMCHECK_MODELS_DIR", raising=False)
    assert models.resolve_model() == FULL
    assert models.resolve_model("lite") == LITE
    assert models.resolve_model(str(FULL)) == FULL


@pytest.mark.parametrize("path", [FULL, LITE], ids=["full", "lite"])
def test_committed_bundle_loads_and_finds_the_person(path: Path, shared_dir: Path) -> None:
    av = pytest.importorskip("av")
    mp = pytest.importorskip("mediapipe")
    import numpy as np
    from mediapipe.tasks.python.core.base_options import BaseOptions
    from mediapipe.tasks.python.vision import pose_landmarker
    from mediapipe.tasks.python.vision.core.vision_task_running_mode import VisionTaskRunningMode

    build.load_check(path)  # create + close, the same check `models check` runs
    options = pose_landmarker.PoseLandmarkerOptions(
        base_options=BaseOptions(model_asset_path=str(path)),
        running_mode=VisionTaskRunningMode.VIDEO,
    )
    found = tried = 0
    with pose_landmarker.PoseLandmarker.create_from_options(options) as landmarker, av.open(
        str(shared_dir / "media" / "standing_squats.mp4")
    ) as container:
        for index, frame in enumerate(container.decode(video=0)):
            if index % 15:
                continue
            image = mp.Image(image_format=mp.ImageFormat.SRGB,
                             data=np.ascontiguousarray(frame.to_ndarray(format="rgb24")))
            result = landmarker.detect_for_video(image, int(round(frame.time * 1000)))
            tried += 1
            if result.pose_landmarks and len(result.pose_landmarks[0]) == 33:
                found += 1
            if tried == 8:
                break
    assert tried == 8
    assert found == tried


# ------------------------------------------------------------------------------------------
# Rebuilding from registry packages
# ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def inputs_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh download folder: the test must fetch the packages itself, as a user would."""
    return tmp_path_factory.mktemp("model-inputs")


@pytest.mark.parametrize("name, committed", [("full", FULL), ("lite", LITE)])
def test_rebuild_from_registry_packages_reproduces_committed_bundle(
    name: str, committed: Path, inputs_dir: Path, tmp_path: Path
) -> None:
    """Downloads the mediapipe 0.10.21 wheel (~35 MB) and, for lite, the npm tarball (~41 MB)."""
    pytest.importorskip("flatbuffers")
    if name == "lite" and shutil.which("npm") is None:
        pytest.skip("npm is not installed: the lite landmarker comes from the npm registry")
    try:
        built = build.build_model(name, tmp_path / "out", work_dir=inputs_dir)
    except fetch.RegistryUnreachable as exc:
        pytest.skip(f"registry unreachable, cannot download the model inputs: {exc}")
    assert built.name == committed.name
    assert built.read_bytes() == committed.read_bytes()
    # The downloads stay in the work dir, so a second build needs no network.
    assert (inputs_dir / fetch.PYPI_WHEEL).is_file()
    assert not list((tmp_path / "out").glob(".*"))  # no temp file left behind


def test_build_refuses_a_result_with_the_wrong_sha_and_names_flatbuffers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(build, "build_bundle_bytes", lambda name, work_dir=None: b"not the bundle")
    monkeypatch.setattr(build, "_flatbuffers_version", lambda: "25.12.19")
    with pytest.raises(UserError) as exc_info:
        build.build_model("full", tmp_path, work_dir=tmp_path)
    _one_line_error(exc_info, "pose_landmarker_full.task", "flatbuffers 25.12.19",
                    f"flatbuffers=={build.FLATBUFFERS_VERSION}", "build-models")
    assert list(tmp_path.iterdir()) == []  # nothing half-written


def test_build_into_unwritable_folder_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = FULL.read_bytes()
    monkeypatch.setattr(build, "build_bundle_bytes", lambda name, work_dir=None: data)
    blocker = tmp_path / "file"
    blocker.write_text("a file where the folder should be")
    with pytest.raises(UserError) as exc_info:
        build.build_model("full", blocker / "models", work_dir=tmp_path)
    _one_line_error(exc_info, "cannot write pose_landmarker_full.task")


def test_missing_npm_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fetch.shutil, "which", lambda name: None)
    with pytest.raises(UserError) as exc_info:
        fetch.fetch_npm_tarball(tmp_path)
    _one_line_error(exc_info, "npm is not installed")


def test_missing_pip_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "executable", str(tmp_path / "no-such-python"))
    with pytest.raises(UserError) as exc_info:
        fetch.fetch_wheel(tmp_path)
    _one_line_error(exc_info, "mediapipe==0.10.21", "is not installed")


def test_input_network_with_wrong_sha_stops_the_build(tmp_path: Path) -> None:
    # A cached wheel whose network was swapped: the build must not trust it.
    with zipfile.ZipFile(tmp_path / fetch.PYPI_WHEEL, "w") as zf:
        zf.writestr(fetch.DETECTOR.member, b"\x1c\x00\x00\x00TFL3 not the real detector")
    with pytest.raises(UserError) as exc_info:
        fetch.read_network(fetch.DETECTOR, tmp_path)
    _one_line_error(exc_info, "pose_detection.tflite", fetch.DETECTOR.sha256, "rebuild")


def test_aligned_zip_matches_mediapipe_layout() -> None:
    """Entries stored and aligned, padding written before each local header (AlignZipFile)."""
    data = build.bundle_bytes(b"A" * 10, b"B" * 7, (2023, 4, 28, 0, 45, 16))
    import io

    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert zf.read(resolve.DETECTOR_ENTRY) == b"A" * 10
        assert zf.read(resolve.LANDMARKER_ENTRY) == b"B" * 7
        for info in zf.infolist():
            start = info.header_offset + 30 + len(info.filename)
            assert start % 4 == 0
            assert info.date_time == (2023, 4, 28, 0, 45, 16)
            assert info.external_attr == 0o600 << 16
    # first header at offset 2: 30 + 20 name bytes would end at 50, two zero bytes pad it to 52
    assert data[:2] == b"\x00\x00" and data[2:4] == b"PK"
    assert hashlib.sha256(data).hexdigest() == hashlib.sha256(
        build.bundle_bytes(b"A" * 10, b"B" * 7, (2023, 4, 28, 0, 45, 16))
    ).hexdigest()


# ------------------------------------------------------------------------------------------
# The CLI
# ------------------------------------------------------------------------------------------


def test_cli_models_check_prints_sha_verdicts(capsys: pytest.CaptureFixture[str],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FORMCHECK_MODELS_DIR", raising=False)
    assert cli.main(["models", "check"]) == 0
    out = capsys.readouterr().out
    for name, path in (("full", FULL), ("lite", LITE)):
        line = next(line for line in out.splitlines() if line.startswith(f"{name}:"))
        assert file_sha256(path) in line
        assert "Google" in line and "loads in PoseLandmarker" in line
    assert "heavy:" in out


def test_cli_models_check_fails_on_a_broken_bundle(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shutil.copy(LITE, tmp_path / LITE.name)
    _lfs_pointer(tmp_path / FULL.name)
    assert cli.main(["models", "check", "--dir", str(tmp_path)]) == 1
    captured = capsys.readouterr()
    assert "git-LFS pointer" in captured.out and "formcheck models build full" in captured.out
    assert "lite:" in captured.out and "loads in PoseLandmarker" in captured.out
    assert captured.err.count("\n") == 1


def test_cli_models_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["models", "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert "build" in out and "check" in out


def test_a_run_does_not_import_the_build_code() -> None:
    """Only `formcheck models build|check` loads the rebuild code; a run needs resolve only."""
    import subprocess

    code = (
        "import sys\n"
        "import formcheck.cli, formcheck.pipeline, formcheck.pose, formcheck.pose_cache\n"
        "formcheck.cli.build_parser()\n"
        "from formcheck.models import resolve_model; resolve_model()\n"
        "loaded = sorted(m for m in sys.modules if m.startswith('formcheck.models.') "
        "and m != 'formcheck.models.resolve')\n"
        "print(loaded)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
