"""The report of a session: the JSON document (`document`), and the pages made from it.

`build_report`, `REPORT_SCHEMA_VERSION` and `summary_lines` live in `document`.
"""

from formcheck.report.document import REPORT_SCHEMA_VERSION, build_report, summary_lines
from formcheck.safety import SAFETY_NOTE

__all__ = ["REPORT_SCHEMA_VERSION", "build_report", "summary_lines", "SAFETY_NOTE"]
