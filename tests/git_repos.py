"""A student's repository as act sees a push of it: one commit of everything, with a GitHub remote."""

import subprocess
from pathlib import Path


def commit_everything(repository: Path, author: str, remote: str) -> None:
    """`git init` in `repository`, add `remote` as origin, and commit every file as `author`."""
    git = ["git", "-c", f"user.name={author}", "-c", f"user.email={author.lower()}@example.com"]
    subprocess.run([*git, "init", "-q", "-b", "main"], cwd=repository, check=True)
    subprocess.run([*git, "remote", "add", "origin", remote], cwd=repository, check=True)
    subprocess.run([*git, "add", "-A"], cwd=repository, check=True)
    subprocess.run([*git, "commit", "-q", "-m", "My engine"], cwd=repository, check=True)
