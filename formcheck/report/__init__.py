"""The report of a session: the JSON document, and the pages made from it alone.

- `document`: the JSON report (`build_report`, `REPORT_SCHEMA_VERSION`, `summary_lines`), written
  once per run by `pipeline._finish`; its fields are in docs/report-format.md;
- `load`: a report read back and checked (not a report, or a newer schema: one clear line);
- `sections`: one exercise's account in the page's words (verdicts, sides, range of motion);
- `session_page` (`NAME.report.html`), with `plots` (matplotlib, inline SVG), `stills` (a frame
  per rep from the video) and `page` (the self-contained HTML every page shares);
- `sessions` and `progress_page`: the reports under a folder, by date and exercise
  (`formcheck progress`).

Only `document` and `load` are imported with the package: the pages bring matplotlib in when
one is drawn.
"""

from formcheck.report.document import REPORT_SCHEMA_VERSION, build_report, summary_lines
from formcheck.report.load import check_report, exercises_of, read_report
from formcheck.safety import SAFETY_NOTE

__all__ = ["REPORT_SCHEMA_VERSION", "build_report", "summary_lines", "read_report", "check_report",
           "exercises_of", "SAFETY_NOTE"]
