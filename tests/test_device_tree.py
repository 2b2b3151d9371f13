"""The checkout slimmed for a device call sends only the pack, and comes back exactly as it was."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from skinscan_ui.build.device_tree import TreeError, restore, slim, travelling


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True, text=True).stdout


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A checkout with a commit, a staged change, an unstaged change, an untracked file and an ignored pack."""
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.email", "t@example.com")
    git(root, "config", "user.name", "t")
    (root / ".gitignore").write_text("/.gpu_pack/\n")
    (root / "weights").mkdir()
    (root / "weights" / "big.bin").write_bytes(b"w" * 4096)
    (root / "app.py").write_text("print('v1')\n")
    (root / "staged.py").write_text("a = 1\n")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "first")
    (root / "staged.py").write_text("a = 2\n")
    git(root, "add", "staged.py")
    (root / "app.py").write_text("print('v2, not committed')\n")
    (root / "new.py").write_text("untracked = True\n")
    (root / ".gpu_pack").mkdir()
    (root / ".gpu_pack" / "data.bin").write_bytes(b"p" * 2048)
    return root


def snapshot(root: Path) -> tuple[str, str, str, str]:
    return (
        git(root, "symbolic-ref", "HEAD"),
        git(root, "diff", "--cached"),
        git(root, "diff"),
        git(root, "status", "--porcelain"),
    )


def test_slim_sends_only_the_pack_and_restore_gives_everything_back(repo):
    before = snapshot(repo)
    files = {p: p.read_bytes() for p in repo.rglob("*") if p.is_file() and ".git" not in p.parts}
    assert "weights/big.bin" in travelling(repo)

    mib = slim(repo, [Path(".gpu_pack")])
    assert mib == pytest.approx(2048 / 2**20)
    assert travelling(repo) == [], "nothing but the carried pack travels"
    assert {p: p.read_bytes() for p in files} == files, "slim touches no file of the working tree"

    assert restore(repo) is True
    assert snapshot(repo) == before, "branch, staged and unstaged work as they were"
    assert "weights/big.bin" in travelling(repo)
    assert restore(repo) is False, "a second restore does nothing"


def test_slim_refuses_a_pack_over_the_limit_and_leaves_the_checkout_alone(repo):
    before = snapshot(repo)
    with pytest.raises(TreeError, match="over the call's"):
        slim(repo, [Path(".gpu_pack")], limit_mib=0.001)
    with pytest.raises(TreeError, match="build the pack first"):
        slim(repo, [Path("no_such_pack")])
    assert snapshot(repo) == before


def test_slim_twice_is_refused_until_restored(repo):
    slim(repo, [Path(".gpu_pack")])
    with pytest.raises(TreeError, match="already slim"):
        slim(repo, [Path(".gpu_pack")])
    restore(repo)
    assert "app.py" in travelling(repo)
