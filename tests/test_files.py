"""formcheck.files: the one atomic writer every output uses, and the one file hasher."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from formcheck.errors import UserError
from formcheck.files import file_sha256, write_atomic, write_json_atomic

ABC_SHA256 = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def test_file_sha256(tmp_path: Path) -> None:
    p = tmp_path / "f.bin"
    p.write_bytes(b"abc")
    assert file_sha256(p) == ABC_SHA256
    with pytest.raises(UserError):
        file_sha256(tmp_path / "missing")


def test_cached_hash_follows_a_changed_file(tmp_path: Path) -> None:
    p = tmp_path / "model.task"
    p.write_bytes(b"abc")
    assert file_sha256(p, cache=True) == ABC_SHA256
    assert file_sha256(p, cache=True) == ABC_SHA256  # from the cache
    p.write_bytes(b"abcd")  # another size: hashed again
    assert file_sha256(p, cache=True) == file_sha256(p) != ABC_SHA256
    p.write_bytes(b"xyzw")  # same size, another modification time: hashed again
    st = p.stat()
    os.utime(p, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    assert file_sha256(p, cache=True) == file_sha256(p)
    with pytest.raises(UserError):
        file_sha256(tmp_path / "missing", cache=True)


def test_write_atomic_replaces_whole_or_not_at_all(tmp_path: Path) -> None:
    target = tmp_path / "out" / "data.bin"
    assert write_atomic(target, lambda f: f.write(b"first")) == target
    assert target.read_bytes() == b"first"

    def broken(f) -> None:  # noqa: ANN001
        f.write(b"half")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        write_atomic(target, broken)
    assert target.read_bytes() == b"first"  # the previous file, untouched
    assert _leftovers(target.parent) == []  # and no temp file left behind


def test_write_atomic_names_the_file_as_the_caller_does(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("a file where the folder should be")
    with pytest.raises(UserError) as exc_info:
        write_atomic(blocker / "sub" / "x.npz", lambda f: None, shown="recording x.npz")
    message = str(exc_info.value)
    assert message.startswith("cannot write recording x.npz: ") and "\n" not in message


def test_write_json_atomic_writes_plain_json(tmp_path: Path) -> None:
    import json

    import numpy as np

    path = write_json_atomic(tmp_path / "r.json", {"x": np.float32(0.5), "nan": float("nan"), "p": tmp_path})
    assert json.loads(path.read_text(encoding="utf-8")) == {"x": 0.5, "nan": None, "p": str(tmp_path)}
    assert path.read_text(encoding="utf-8").endswith("}\n")
