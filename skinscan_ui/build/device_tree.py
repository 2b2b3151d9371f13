"""Shrink what a device call carries to the pack alone, and put the checkout back afterwards.

    python -m skinscan_ui.build.device_tree slim      # before the call: only the ignored pack travels (carry it)
    python -m skinscan_ui.build.device_tree restore   # after it, whatever happened; safe to repeat

A device call sends the tracked files, the untracked files git does not ignore, and the ignored
paths it is told to carry: 64 MiB at most, and `weights/` alone is larger. `slim` points HEAD at an
unborn branch, empties the index and ignores every path through `.git/info/exclude`, so nothing but
the carried pack travels. It never touches a file of the working tree: uncommitted and staged work
stays as it is, and `restore` brings back the branch, the index (staging included) and the exclude
file from copies kept under `.git/`. `slim` refuses when the pack is over the limit, when it is
already slim, or when HEAD is not on a branch; a failure half-way restores at once.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from pathlib import Path

from skinscan_ui.serve import paths

LIMIT_MIB = 64
CALL_BRANCH = "refs/heads/skinscan-device-call"
EXCLUDE_ALL = "\n# skinscan device_tree: everything ignored during a device call\n/*\n"


class TreeError(RuntimeError):
    """The checkout cannot be slimmed as asked; the message says why."""


def _git(root: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True, text=True).stdout


def _git_dir(root: Path) -> Path:
    return (root / _git(root, "rev-parse", "--git-dir").strip()).resolve()


def _state_dir(root: Path) -> Path:
    return _git_dir(root) / "skinscan-device"


def size_mib(path: Path) -> float:
    files = [path] if path.is_file() else [f for f in path.rglob("*") if f.is_file()]
    return sum(f.stat().st_size for f in files) / 2**20


def travelling(root: Path) -> list[str]:
    """What a call would send besides the carried paths: tracked and untracked, not ignored."""
    listed = _git(root, "ls-files", "--cached", "--others", "--exclude-standard", "-z")
    return [p for p in listed.split("\0") if p]


def slim(root: Path, carry: list[Path], limit_mib: float = LIMIT_MIB) -> float:
    """Make the checkout send only `carry`; return the MiB that will travel."""
    state = _state_dir(root)
    if state.exists():
        raise TreeError(f"already slim ({state} exists): run `restore` first")
    missing = [str(c) for c in carry if not (root / c).exists()]
    if missing:
        raise TreeError(
            f"nothing to carry at {', '.join(missing)}: build the pack first (python -m skinscan_ui.build.gpu_pack)"
        )
    total = sum(size_mib(root / c) for c in carry)
    if total > limit_mib:
        raise TreeError(f"the carried paths are {total:.1f} MiB, over the call's {limit_mib} MiB")
    branch = subprocess.run(
        ["git", "-C", str(root), "symbolic-ref", "-q", "HEAD"], check=False, capture_output=True, text=True
    ).stdout.strip()
    if not branch:
        raise TreeError("HEAD is not on a branch: check one out first")
    git_dir = _git_dir(root)
    exclude = git_dir / "info" / "exclude"
    state.mkdir()
    try:
        index = git_dir / "index"
        if index.exists():
            shutil.copy2(index, state / "index")
        (state / "exclude").write_text(exclude.read_text() if exclude.exists() else "")
        (state / "state.json").write_text(json.dumps({"branch": branch, "had_exclude": exclude.exists()}))
        _git(root, "symbolic-ref", "HEAD", CALL_BRANCH)
        _git(root, "read-tree", "--empty")
        exclude.parent.mkdir(exist_ok=True)
        exclude.write_text((state / "exclude").read_text() + EXCLUDE_ALL)
        left = travelling(root)
        if left:
            raise TreeError(f"{len(left)} path(s) would still travel, e.g. {left[0]}")
    except BaseException:
        restore(root)
        raise
    return total


def restore(root: Path) -> bool:
    """Put back the branch, the index and the exclude file; False when there was nothing to restore."""
    state = _state_dir(root)
    if not (state / "state.json").exists():
        shutil.rmtree(state, ignore_errors=True)
        return False
    saved = json.loads((state / "state.json").read_text())
    git_dir = _git_dir(root)
    _git(root, "symbolic-ref", "HEAD", saved["branch"])
    if (state / "index").exists():
        shutil.copy2(state / "index", git_dir / "index")
    else:
        _git(root, "read-tree", saved["branch"])
    exclude = git_dir / "info" / "exclude"
    if saved["had_exclude"]:
        exclude.write_text((state / "exclude").read_text())
    else:
        exclude.unlink(missing_ok=True)
    shutil.rmtree(state)
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("action", choices=("slim", "restore"))
    parser.add_argument(
        "--carry", action="append", type=Path, help="ignored paths the call carries (default .gpu_pack)"
    )
    parser.add_argument("--root", type=Path, default=paths.ROOT)
    args = parser.parse_args(argv)
    try:
        if args.action == "slim":
            mib = slim(args.root, args.carry or [Path(".gpu_pack")])
            print(f"slim: only the carried paths travel ({mib:.1f} MiB); run `restore` after the call")
        else:
            print("restored" if restore(args.root) else "nothing to restore")
    except (TreeError, subprocess.CalledProcessError) as exc:
        print(f"error: {getattr(exc, 'stderr', None) or exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
