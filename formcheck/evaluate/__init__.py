"""Accuracy against the truth: label files, metrics, the scorecard and its tables.

`labels` reads and checks label/truth files, `metrics` holds the yardsticks (counts, hold
matching, frame-level hips off the floor), `scorecard` runs the analyzers over the clips and
collects rows and summaries, `tables` draws them as text or Markdown. `formcheck eval` ties them
to the pose cache.
"""
