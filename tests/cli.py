"""Run a SkinScan command line in a new process, as a user would from a shell."""

from __future__ import annotations

import subprocess
import sys


def run_cli(module: str, *args: str) -> subprocess.CompletedProcess[str]:
    """`python -m skinscan_ui.<module> ARGS` (module as `serve.predict`), exit code, stdout and stderr captured."""
    return subprocess.run(
        [sys.executable, "-m", f"skinscan_ui.{module}", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
