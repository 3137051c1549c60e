"""A runtime's source tree as a version: the short commit of a git checkout that is not at a tag."""

from __future__ import annotations

import subprocess
from pathlib import Path


def git_commit(tree: Path) -> str | None:
    """The short commit of a git checkout that is not exactly at a tag; None otherwise (or not git)."""
    def git(*args):
        try:
            return subprocess.run(["git", "-C", str(tree), *args], capture_output=True, text=True, timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            return None

    top = git("rev-parse", "--show-toplevel")
    if top is None or top.returncode != 0 or Path(top.stdout.strip()).resolve() != Path(tree).resolve():
        return None  # not the top of a git checkout (a tree inside another repository is not its checkout)
    exact = git("describe", "--tags", "--exact-match", "HEAD")
    if exact is not None and exact.returncode == 0:
        return None
    head = git("rev-parse", "--short=7", "HEAD")
    if head is None or head.returncode != 0:
        return None
    dirty = git("status", "--porcelain", "--untracked-files=no")
    return head.stdout.strip() + ("-dirty" if dirty is not None and dirty.stdout.strip() else "")
