"""Pelvic tilt hold timing: main's signal and estimator against the experiment's variants.

Scores every pelvic tilt clip with exact or labelled holds (the rendered matrix, samples/,
tests/data/rendered/, the real clips in ../shared/media/labels) once per variant, holds matched
as `formcheck eval` matches them, and prints per variant: the share of rendered holds within
0.3 s (overall and per tempo / resolution / sensor-noise group), median and worst |error|,
counts still exact, and the real clips' holds and counts. How the variants work:
benchmarks/hold_signal/; what they measured: docs/analyzers/hold-timing.md.

    python benchmarks/hold_timing.py [--matrix DIR ...] [--masks DIR] [--variants a,b] [--json F]

Landmarks come from the pose cache. The mask variants need a mask pass per clip (minutes each:
benchmarks/hold_signal/mask_pass.py, run here for clips missing from --masks); without --masks
they are left out.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from formcheck.evaluate.labels import label_files, load_label  # noqa: E402
from formcheck.evaluate.scorecard import score_report  # noqa: E402
from formcheck.pipeline import analyze_poses  # noqa: E402
from formcheck.pose_cache import PoseCache  # noqa: E402
from hold_signal import mask_contour, mask_pass, one_euro  # noqa: E402
from hold_signal.variants import Clip, VariantTilt  # noqa: E402

ANALYZER = "pelvic_tilt"
VARIANTS = {  # name: (timing signal, estimator)
    "main": ("filtered", "crossings"),
    "main+fit": ("filtered", "fit"),
    "main+fit+1s": ("filtered", "fit+1s"),
    "raw": ("raw", "crossings"),
    "raw+fit": ("raw", "fit"),
    "raw+fit+1s": ("raw", "fit+1s"),
    "mask": ("mask", "crossings"),
    "mask+fit": ("mask", "fit"),
    "mask+fit+1s": ("mask", "fit+1s"),
    "mask/frame": ("mask/frame", "crossings"),
    "mask/frame+fit": ("mask/frame", "fit"),
    "combined+fit": ("combined", "fit"),
    "combined+fit+1s": ("combined", "fit+1s"),
}


def groups(truth_path: Path) -> dict[str, str]:
    """tempo / resolution / noise of a rendered clip, from the script and render in its truth."""
    gen = json.loads(truth_path.read_text()).get("generator", {})
    tempo = gen.get("script", {}).get("tempo", "normal")
    try:  # a number is the ramp's seconds
        sec = float(tempo)
        tempo = "slow" if sec >= 1.6 else "fast" if sec <= 0.8 else "normal"
    except (TypeError, ValueError):
        pass
    render = gen.get("render", {})
    cmd = gen.get("command") or ""
    return {"tempo": str(tempo),
            "resolution": "<=640x360" if int(render.get("width", 1280)) <= 640 else "larger",
            "noise": "sensor noise" if "--sensor-noise" in cmd or render.get("sensor_noise") else "clean"}


def clips(matrix: list[Path]) -> list[Path]:
    """Label files that expect pelvic tilt holds."""
    folders = [REPO / "samples", REPO / "tests" / "data" / "rendered", *matrix]
    real = REPO.parent / "shared" / "media" / "labels"
    if real.is_dir():
        folders.append(real)
    out = []
    for folder in folders:
        for path in label_files(folder):
            try:
                truth = load_label(path)
            except Exception:
                continue
            if ANALYZER in truth.expected and truth.clip_path.is_file():
                out.append(path)
    return out


def load_clip(path: Path, cache: PoseCache, masks: Path | None, ratio: float = one_euro.CIRCLE_OVER_FARTHEST
              ) -> tuple[Clip, object, np.ndarray]:
    truth = load_label(path)
    rec = cache.landmarks(truth.clip_path)
    poses = list(rec.poses())
    size = tuple(int(v) for v in rec.image_size[0])
    frames = [rec.landmarks[i, :, :3] if rec.detected[i] else None for i in range(len(rec))]
    raw = list(one_euro.unsmooth_track(rec.t, frames, size, ratio))  # type: ignore[arg-type]
    series: dict[str, np.ndarray] = {}
    if masks is not None:
        mp = mask_pass.mask_path(masks, truth.clip_path)
        if not mp.exists():
            mask_pass.run(truth.clip_path, mp)
        d = np.load(mp)
        sets = [(s.start, s.end) for s in truth.segments if s.kind in ("exercise", "closeup")] \
            or [(float(rec.t[0]), float(rec.t[-1]) + 1)]
        for name, per_frame in (("mask", False), ("mask/frame", True)):
            series[name] = mask_contour.mask_series(d["masks"], d["landmarks"], tuple(d["image_size"]),
                                                    int(d["factor"]), d["t"], sets, per_frame=per_frame)
    return Clip(poses, raw, series), truth, np.asarray(rec.t)


def score(paths: list[Path], variants: list[str], masks: Path | None,
          ratio: float = one_euro.CIRCLE_OVER_FARTHEST) -> list[dict]:
    cache = PoseCache(log=lambda m: print(m, file=sys.stderr))
    rows = []
    for path in paths:
        clip, truth, times = load_clip(path, cache, masks, ratio)
        for v in variants:
            signal, est = VARIANTS[v]
            if signal in ("mask", "mask/frame", "combined") and not clip.masks:
                continue
            report = analyze_poses(VariantTilt(clip, signal, est), clip.poses)
            row = score_report(truth, ANALYZER, report, times)  # type: ignore[arg-type]
            errors = [m.error for m in row.get("_hold_matches", []) if m.error is not None]
            rows.append({"clip": truth.name, "kind": truth.kind, "variant": v,  # type: ignore[attr-defined]
                         "exact": row["exact"], "pass": row["pass"], "count": row["reported_count"],
                         "expected": row["expected_count"], "errors": [round(e, 3) for e in errors],
                         "holds": row.get("holds", []),
                         **(groups(path) if truth.kind == "rendered" else {})})  # type: ignore[attr-defined]
        print(f"scored {path.name}", file=sys.stderr)
    return rows


def table(rows: list[dict], variants: list[str]) -> str:
    rendered = [r for r in rows if r["kind"] == "rendered"]
    keys = [("tempo", ("fast", "normal", "slow")), ("resolution", ("larger", "<=640x360")),
            ("noise", ("clean", "sensor noise"))]
    head = ["variant", "within 0.3 s", *[f"{k}={g}" for k, gs in keys for g in gs],
            "median |err|", "worst", "counts exact", "real holds (err s)", "real counts"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for v in variants:
        mine = [r for r in rendered if r["variant"] == v]
        if not mine:
            continue
        errs = np.abs([e for r in mine for e in r["errors"]])

        def share(sel: list[dict]) -> str:
            e = np.abs([x for r in sel for x in r["errors"]])
            return f"{int((e <= 0.3).sum())}/{len(e)}" if len(e) else "-"

        cells = [v, share(mine)]
        for k, gs in keys:
            cells += [share([r for r in mine if r.get(k) == g]) for g in gs]
        cells += [f"{np.median(errs):.2f}" if len(errs) else "-", f"{errs.max():.2f}" if len(errs) else "-",
                  f"{sum(r['exact'] for r in mine)}/{len(mine)}"]
        real = [r for r in rows if r["kind"] == "real" and r["variant"] == v]
        cells.append("; ".join(f"{r['clip']}: " + (", ".join(f"{e:+.2f}" for e in r["errors"]) or "none")
                               for r in real if r["errors"] or r["expected"]) or "-")
        cells.append("; ".join(f"{r['clip']} {r['count']}/{r['expected']}{'' if r['pass'] else ' FAIL'}"
                               for r in real) or "-")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def signal_check(paths: list[Path], masks: Path) -> str:
    """Is each signal there, and does it move with the truth? Per clip and signal: on rendered
    clips the lag (s) and correlation against the script's own tilt angle and the full-tilt
    change over the residual sd (SNR per frame); on real clips the labelled holds against the
    rests between them (d' = difference / sd, and the frame-to-frame jitter)."""
    from formcheck.analyzers.pelvic_tilt import FULL_TILT, tilt_features

    cache = PoseCache(log=lambda m: print(m, file=sys.stderr))
    lines = ["| clip | signal | lag s | corr | SNR / d' | jitter |", "|---|---|---|---|---|---|"]
    for path in paths:
        truth = load_label(path)
        hold_spans = truth.holds.get(ANALYZER, [])
        if not hold_spans:
            continue
        clip, _, t = load_clip(path, cache, masks)
        d = np.load(mask_pass.mask_path(masks, truth.clip_path))
        sets = [(s.start, s.end) for s in truth.segments if s.kind == "exercise"] or [(t[0], t[-1] + 1)]
        first = sets[0]
        seg = (t >= first[0]) & (t < first[1])
        side = max(("left", "right"), key=lambda k: float(np.nanmean(
            [p.landmarks[[11, 23, 25] if k == "left" else [12, 24, 26], 3].mean()
             for p in clip.poses if p.landmarks is not None])))

        def feats(pose: object) -> float:
            if pose is None or pose.landmarks is None:  # type: ignore[attr-defined]
                return np.nan
            f = tilt_features(pose, side)  # type: ignore[arg-type]
            return np.nan if not f else float(np.mean([f[k] / u for k, u in FULL_TILT.items()]))

        signals = {
            "landmarks (main)": np.array([feats(p) for p in clip.poses]),
            "landmarks unsmoothed": np.array([feats(clip.raw_pose(i)) for i in range(len(t))]),
            "mask: lumbar gap": -mask_contour.mask_series(
                d["masks"], d["landmarks"], tuple(d["image_size"]), int(d["factor"]), d["t"], [first],
                measure=mask_contour.lumbar_gap),
            "mask: belly contrast": mask_contour.mask_series(
                d["masks"], d["landmarks"], tuple(d["image_size"]), int(d["factor"]), d["t"], [first]),
            "mask: belly contrast, per-frame axis": mask_contour.mask_series(
                d["masks"], d["landmarks"], tuple(d["image_size"]), int(d["factor"]), d["t"], [first],
                per_frame=True),
        }
        data = json.loads(path.read_text())
        for name, sig in signals.items():
            sig = np.where(seg, sig, np.nan)
            jit = np.nanstd(np.diff(sig)) / np.sqrt(2)
            if truth.kind == "rendered":
                frames = data["per_frame"][: len(t)]
                tilt = np.array([f["pelvic_tilt_deg"] for f in frames])
                lifted = np.array([f.get("hip_lift_m", 0.0) > 0 for f in frames])  # bridges
                sig = np.where(np.pad(lifted, (0, len(sig) - len(lifted))), np.nan, sig)
                lag, corr, snr = _lagged_fit(sig[: len(tilt)], tilt, float(np.median(np.diff(t))))
                cells = [f"{lag:+.2f}", f"{corr:+.2f}", f"{snr:.1f}"]
            else:
                held = np.zeros(len(t), bool)
                for h in hold_spans:
                    held |= (t >= h.start + 0.4) & (t <= h.end - 0.4)
                gaps = [(a.end + 0.4, b.start - 0.4) for a, b in zip(hold_spans, hold_spans[1:])]
                rest = np.zeros(len(t), bool)
                for a, b in gaps:
                    rest |= (t >= a) & (t <= b)
                held, rest = held & seg, rest & seg
                diff = np.nanmean(sig[held]) - np.nanmean(sig[rest])
                sd = np.sqrt((np.nanvar(sig[held]) + np.nanvar(sig[rest])) / 2)
                cells = ["-", f"{diff:+.4f}", f"{abs(diff) / sd:.1f}"]
            lines.append(f"| {truth.name} | {name} | " + " | ".join(cells) + f" | {jit:.4f} |")
    return "\n".join(lines)


def _lagged_fit(sig: np.ndarray, tilt: np.ndarray, dt: float) -> tuple[float, float, float]:
    """(lag s, corr, SNR) of `sig` against `tilt` at the lag (-5..15 frames) that fits best."""
    best = (0.0, 0.0, 0.0)
    n = len(sig)
    for k in range(-5, 16):
        a = sig[max(0, k): n + min(0, k)]
        b = tilt[max(0, -k): n - max(0, k)]
        ok = np.isfinite(a)
        if ok.sum() < 20 or np.ptp(b[ok]) == 0:
            continue
        c = float(np.corrcoef(a[ok], b[ok])[0, 1])
        if abs(c) > abs(best[1]):
            p = np.polyfit(b[ok], a[ok], 1)
            res = float(np.std(a[ok] - np.polyval(p, b[ok])))
            best = (k * dt, c, abs(p[0]) * float(np.max(b)) / res)
    return best


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--matrix", type=Path, action="append", default=[], help="a rendered matrix folder")
    ap.add_argument("--masks", type=Path, default=None, help="folder of mask passes (made if missing)")
    ap.add_argument("--variants", default=",".join(VARIANTS))
    ap.add_argument("--json", type=Path, default=None, help="write every row here")
    ap.add_argument("--scale-ratio", type=float, default=one_euro.CIRCLE_OVER_FARTHEST,
                    help="body-circle radius over the farthest landmark, for undoing the filter")
    ap.add_argument("--signals", action="store_true",
                    help="only check each signal against the truth (needs --masks)")
    a = ap.parse_args(argv)
    variants = [v for v in a.variants.split(",") if v]
    unknown = set(variants) - set(VARIANTS)
    if unknown:
        ap.error(f"unknown variants: {', '.join(sorted(unknown))}")
    if a.signals:
        if a.masks is None:
            ap.error("--signals needs --masks")
        print(signal_check(clips(a.matrix), a.masks))
        return 0
    rows = score(clips(a.matrix), variants, a.masks, a.scale_ratio)
    if a.json:
        a.json.write_text(json.dumps(rows, indent=1))
    print(table(rows, variants))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
