"""Dataset context: aggregate HAM10000 statistics, derived once from the metadata and committed.

Only counts are kept (never rows), so the file can ship with the app:
    python -m skinscan_ui.serve.context [--data DIR]
"""

from __future__ import annotations

import json
from pathlib import Path

from skinscan_ui.serve import paths

AGE_BINS = list(range(0, 95, 5))  # 0-4, 5-9, ... 85-89, 90+


class ContextError(RuntimeError):
    """The statistics file is missing or unreadable."""


def load(path: Path | None = None) -> dict:
    """The committed statistics; a clear error when the file is missing or broken."""
    path = path or paths.CONTEXT_JSON
    if not path.is_file():
        raise ContextError(
            f"dataset statistics file {paths.relative(path)} is missing "
            "(rebuild it with `python -m skinscan_ui.serve.context`)"
        )
    try:
        return json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise ContextError(f"dataset statistics file {paths.relative(path)} is not valid JSON ({exc})") from None
