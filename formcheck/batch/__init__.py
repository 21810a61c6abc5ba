"""Many videos at once: every core of this machine, or a Ray cluster when one is not enough.

One task is one whole video (the pose tracker keeps state across frames, so a video is never
split), analyzed in a worker process that holds its own pose model, by the same
`pipeline.analyze_file` a single run uses; results come back as plain data.

- `inputs`: the videos named or found in folders, and a unique output name each;
- `work`: one video in a worker (`analyze_video`), and what it sends back;
- `runner`: what a backend is; `pool` (local processes) and `ray_cluster` (Ray) are the two;
- `resume`: which videos already have complete outputs (input sha256, formcheck version);
- `summary`: `batch.csv` and `batch.html`, one row per video, linked to its report;
- `run`: a batch from start to end (`run_batch`), whatever stops it.
"""

from formcheck.batch.inputs import VIDEO_SUFFIXES, VideoInput, batch_inputs
from formcheck.batch.pool import ProcessPool
from formcheck.batch.run import BatchOutcome, run_batch
from formcheck.batch.runner import Runner, TaskFailed, available_cores
from formcheck.batch.work import AnalysisOptions

__all__ = ["VIDEO_SUFFIXES", "VideoInput", "batch_inputs", "ProcessPool", "BatchOutcome", "run_batch",
           "Runner", "TaskFailed", "available_cores", "AnalysisOptions"]
