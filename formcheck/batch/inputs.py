"""What a batch analyzes: the videos named or found in folders, and a unique output name each.

Files are taken as given, whatever their suffix (the user named them; a bad one becomes a
failed row with its reason). Folders are searched, subfolders included, for the suffixes
cameras and phones write; hidden files and the batch's own output folder are skipped, so
`formcheck analyze videos/ --out videos/out` does not analyze its own annotated videos when
run again. Output names are the videos' names, made unique when two share one by prefixing
their folders' names (`a/clip.mp4`, `b/clip.mp4` -> `a_clip`, `b_clip`): stable from one run
to the next, which `--resume` needs.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from formcheck.errors import UserError

__all__ = ["VIDEO_SUFFIXES", "VideoInput", "find_videos", "unique_names", "batch_inputs"]

VIDEO_SUFFIXES = frozenset({
    ".mp4", ".m4v", ".mov", ".mkv", ".webm", ".avi", ".mpg", ".mpeg", ".ts", ".mts", ".m2ts",
    ".3gp", ".wmv", ".flv", ".ogv",
})


@dataclass(frozen=True)
class VideoInput:
    """One video of a batch: its path as given or found, and the stem of its outputs."""

    path: Path
    name: str


def _inside(path: Path, folder: Path | None) -> bool:
    if folder is None:
        return False
    try:
        path.resolve().relative_to(folder)
        return True
    except ValueError:
        return False


def _search(folder: Path, skip: Path | None) -> list[Path]:
    found = []
    for root, dirs, files in os.walk(folder, followlinks=False):
        base = Path(root)
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and not _inside(base / d, skip))
        for name in sorted(files):
            if not name.startswith(".") and Path(name).suffix.lower() in VIDEO_SUFFIXES:
                found.append(base / name)
    return found


def find_videos(paths: Iterable[str | os.PathLike[str]], *, skip: Path | None = None) -> list[Path]:
    """Every video named or found under the folders, in the order given (a folder's own videos
    sorted, then its subfolders'), each file once. A path that does not exist is kept: its row will say so. Raises UserError
    when there is nothing at all to analyze."""
    skip = skip.resolve() if skip is not None else None
    videos: list[Path] = []
    seen: set[Path] = set()
    empty: list[str] = []
    for given in paths:
        path = Path(given)
        if path.is_dir():
            found = _search(path, skip)
            if not found:
                empty.append(str(path))
        else:
            found = [path]
        for video in found:
            key = video.resolve()
            if key not in seen:
                seen.add(key)
                videos.append(video)
    if not videos:
        where = ", ".join(empty) or "the inputs"
        raise UserError(f"no videos found in {where} (looked for {', '.join(sorted(VIDEO_SUFFIXES))})")
    return videos


def unique_names(videos: Sequence[Path]) -> list[str]:
    """An output stem per video, unique within the batch (see the module docstring)."""
    depth = [0] * len(videos)

    def name(i: int) -> str:
        path = videos[i].resolve() if depth[i] else videos[i]
        parents = [p.name for p in path.parents][: depth[i]]
        return "_".join([*reversed([p for p in parents if p]), path.stem])

    names = [name(i) for i in range(len(videos))]
    for _ in range(64):  # each round adds one folder level to the names still shared
        counts: dict[str, list[int]] = {}
        for i, n in enumerate(names):
            counts.setdefault(n, []).append(i)
        clashes = [idx for idx in counts.values() if len(idx) > 1]
        if not clashes:
            return names
        grew = False
        for idx in clashes:
            for i in idx:
                before = names[i]
                depth[i] += 1
                names[i] = name(i)
                grew |= names[i] != before
        if not grew:
            break
    # Same names all the way up (e.g. one file given twice through different links): number them.
    final: list[str] = []
    used: dict[str, int] = {}
    for n in names:
        used[n] = used.get(n, 0) + 1
        final.append(n if used[n] == 1 else f"{n}-{used[n]}")
    return final


def batch_inputs(paths: Iterable[str | os.PathLike[str]], *, out_dir: Path | None = None) -> list[VideoInput]:
    """The batch's videos with their output names."""
    videos = find_videos(paths, skip=out_dir)
    return [VideoInput(path, name) for path, name in zip(videos, unique_names(videos))]
