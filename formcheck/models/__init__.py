"""The offline pose model bundles: where they are and whether a file is one (`resolve`), and how
to rebuild them from registry packages (`build`, with `fetch` and `metadata`).

This package exports only what a run needs; the rebuild code is imported by
`formcheck models build|check` alone, never on an ordinary run.
"""

from formcheck.models.resolve import (
    BUNDLE_ENTRIES,
    DEFAULT_MODEL,
    MODEL_NAMES,
    bundle_filename,
    bundle_path,
    check_model_file,
    explain_model_error,
    models_dir,
    resolve_model,
)

__all__ = [
    "MODEL_NAMES",
    "DEFAULT_MODEL",
    "BUNDLE_ENTRIES",
    "models_dir",
    "bundle_filename",
    "bundle_path",
    "check_model_file",
    "resolve_model",
    "explain_model_error",
]
