"""Training checkpoints (`.keras`): never served or shipped in `weights/`, restorable from where each card says.

A card names its network's checkpoint by file name and sha256 (a single network: `file`, `sha256`;
an ensemble member: `keras`, `keras_sha256`) and, once the checkpoint has been published, where to
restore it from: `checkpoint_git`, the commit and path that hold it in this repository's history.
The file is looked for beside the card (a training run's output), then in the local checkpoint
cache (`.cache/checkpoints/<sha256>.keras`, where builds keep what they make), then restored from
git into that cache; it is always checked against its sha256.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from skinscan_ui.serve import paths
from skinscan_ui.serve.manifest import sha256
from skinscan_ui.serve.model_store import ModelError

CACHE = paths.CACHE_DIR / "checkpoints"


def cached(path: Path) -> Path:
    """Copy a checkpoint a build just wrote into the local cache, under its sha256; the cached path."""
    digest = sha256(path)
    target = CACHE / f"{digest}.keras"
    if not target.is_file():
        CACHE.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(f".tmp{os.getpid()}")
        tmp.write_bytes(path.read_bytes())
        tmp.replace(target)
    return target


def restore(folder: Path, name: str, expected: str, git: dict | None = None) -> Path:
    """The checkpoint `name` with sha256 `expected`: beside the card, in the cache, or restored from git."""
    for candidate in (folder / name, CACHE / f"{expected}.keras"):
        if candidate.is_file():
            if sha256(candidate) != expected:
                raise ModelError(f"checkpoint {paths.relative(candidate)} does not match the sha256 in its card")
            return candidate
    if not git:
        raise ModelError(
            f"checkpoint {name} (sha256 {expected[:12]}...) is neither beside its card nor in {paths.relative(CACHE)}, "
            "and its card records no commit to restore it from"
        )
    where = f"{git['commit']}:{git['path']}"
    proc = subprocess.run(["git", "-C", str(paths.ROOT), "show", where], capture_output=True, check=False)
    if proc.returncode != 0:
        reason = proc.stderr.decode(errors="replace").strip().splitlines()[-1:] or ["git failed"]
        raise ModelError(f"cannot restore checkpoint {name} from git ({where}): {reason[0]} (a shallow clone?)")
    CACHE.mkdir(parents=True, exist_ok=True)
    target = CACHE / f"{expected}.keras"
    tmp = target.with_suffix(f".tmp{os.getpid()}")
    tmp.write_bytes(proc.stdout)
    if sha256(tmp) != expected:
        tmp.unlink()
        raise ModelError(f"checkpoint {name} restored from {where} does not match the sha256 in its card")
    tmp.replace(target)
    return target
