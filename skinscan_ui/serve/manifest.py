"""One integrity manifest for everything the models ship: `weights/MANIFEST.json`, file -> sha256.

The network, its LiteRT export, its not-a-lesion guard, its similar-case index, its card and
`DEFAULT` all change what a user is told; any of them altered, truncated or deleted could turn a
cat photo into a referral or a melanoma into "Likely benign". A model is used only when each of
its files is present and matches the manifest; the tools that write these files rewrite it.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

NAME = "MANIFEST.json"


class IntegrityError(RuntimeError):
    """A shipped file is missing, altered or not in the manifest; the message names it."""


def read(folder: Path) -> dict[str, str] | None:
    """file name -> sha256, or None when the folder has no manifest (a user's own model folder)."""
    path = folder / NAME
    if not path.is_file():
        return None
    try:
        return dict(json.loads(path.read_text())["files"])
    except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
        raise IntegrityError(f"the integrity manifest {NAME} is malformed ({exc!r})") from None


def verify(folder: Path, names: list[str]) -> None:
    """Check a model's files: every one the manifest lists for it is there and matches; none is unlisted.

    `names` are the file names the model uses (its network or members, export, guard, index, card).
    """
    listed = read(folder)
    if listed is None:
        return
    for name in [*names, "DEFAULT"]:
        path = folder / name
        expected = listed.get(name)
        if expected is None:
            if path.is_file():
                raise IntegrityError(f"{name} is not in the integrity manifest: it was added or replaced by hand")
            continue
        if not path.is_file():
            raise IntegrityError(f"{name} is missing; restore it from the repository")
        if sha256(path) != expected:
            raise IntegrityError(f"{name} does not match the integrity manifest: it is corrupt or has been altered")


def sha256(path: Path) -> str:
    """Hex sha256 of a file, read in chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()
