"""Where the project's files live, and where the user's data is (settable, never committed)."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]  # the repository: skinscan_ui/serve/paths.py
SPLIT_CSV = ROOT / "data" / "split.csv"
CONTEXT_JSON = ROOT / "data" / "context.json"
CACHE_DIR = Path(os.environ.get("SKINSCAN_CACHE", ROOT / ".cache"))


def weights_dir() -> Path:
    """Shipped models: $SKINSCAN_WEIGHTS (read on each call, so tests can point elsewhere) or weights/."""
    return Path(os.environ.get("SKINSCAN_WEIGHTS", ROOT / "weights"))


def data_dir(flag: str | None = None) -> Path:
    """The HAM10000 folder: a CLI flag, else $SKINSCAN_DATA, else ../shared beside the checkout."""
    if flag:
        return Path(flag)
    env = os.environ.get("SKINSCAN_DATA")
    return Path(env) if env else ROOT.parent / "shared" / "data" / "ham10000"


def imagenet_dir(flag: str | None = None) -> Path:
    """Pretrained backbones: a CLI flag, else $SKINSCAN_IMAGENET, else ../shared beside the checkout."""
    if flag:
        return Path(flag)
    env = os.environ.get("SKINSCAN_IMAGENET")
    return Path(env) if env else ROOT.parent / "shared" / "weights" / "imagenet"


def relative(path: Path) -> str:
    """A path relative to the repository when it is inside it (as model cards record it)."""
    try:
        return str(Path(path).resolve().relative_to(ROOT))
    except ValueError:
        return str(path)
