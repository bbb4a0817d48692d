"""The kernel bounds a sandbox's memory: a memory cgroup per sandbox (isolation.SandboxCgroup).

RLIMIT_AS does not count memfd or tmpfs pages; the cgroup does. These tests run a
memory attacker straight under the OS wall (no child.py: as if every in-process
defence were gone) and check the OOM killer stops it inside its own cgroup, at
its limit, and that the cgroup is gone afterwards.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path

import pytest

from autograder.sandbox import isolation

LIMIT = 128 << 20

ATTACKER = r"""
import os, sys
if sys.argv[1] == "memfd":
    fd = os.memfd_create("hoard")
else:
    fd = os.open(sys.argv[1], os.O_CREAT | os.O_RDWR)
block = b"x" * (1 << 20)
for i in range(1, 2049):
    os.write(fd, block)
    print(i, flush=True)
print("survived", flush=True)
"""


@pytest.fixture(scope="module")
def wall() -> isolation.Isolation:
    wall = isolation.current()
    if wall.cgroup is not None:
        pytest.skip(f"no memory cgroup on this machine: {wall.cgroup}")
    return wall


def run_attacker(wall: isolation.Isolation, target: str) -> tuple[subprocess.CompletedProcess, int | None, str]:
    sandbox = Path(tempfile.mkdtemp(prefix="micrograd-memtest-"))
    try:
        wall.prepare(sandbox)
        proc = subprocess.run(
            wall.command(sandbox, ["-I", "-S", "-c", ATTACKER, target], LIMIT, 16),
            cwd=wall.cwd(sandbox),
            env=dict(isolation.ENV),
            capture_output=True,
            text=True,
            timeout=120,
        )
        group = isolation._cgroups[isolation.cgroup_key(wall.uid)]
        peak, events = group.peak_bytes(), group.memory_events()
    finally:
        wall.cleanup()
        os.rmdir(sandbox)
    return proc, peak, events


def written_mib(proc: subprocess.CompletedProcess) -> int:
    lines = [line for line in proc.stdout.split() if line.isdigit()]
    return int(lines[-1]) if lines else 0


def test_a_memfd_hoarder_is_killed_at_the_sandbox_limit(wall: isolation.Isolation) -> None:
    proc, peak, events = run_attacker(wall, "memfd")
    assert "survived" not in proc.stdout
    assert proc.returncode != 0
    assert written_mib(proc) <= LIMIT >> 20  # it never held more than its limit
    assert written_mib(proc) >= 16  # and it did run: the limit, not something else, stopped it
    assert peak is None or peak <= LIMIT
    if wall.cgroup is None and "oom_kill " in events:
        assert any(line.startswith("oom_kill ") and int(line.split()[1]) >= 1 for line in events.splitlines())


def test_a_tmpfs_hoarder_is_bounded_too(wall: isolation.Isolation) -> None:
    # /tmp is the sandbox's private tmpfs (64 MiB in namespaces; the machine's /tmp at the uid level).
    proc, peak, _ = run_attacker(wall, "/tmp/hoard")
    assert "survived" not in proc.stdout
    assert written_mib(proc) <= LIMIT >> 20
    assert peak is None or peak <= LIMIT


def test_the_cgroup_is_removed_after_the_sandbox(wall: isolation.Isolation) -> None:
    run_attacker(wall, "memfd")
    key = isolation.cgroup_key(wall.uid)
    assert key not in isolation._cgroups
    leftovers = [p for p in isolation.CGROUP_FS.glob(f"*/{isolation.CGROUP_PARENT}/{key}")]
    leftovers += list(isolation.CGROUP_FS.glob(f"{isolation.CGROUP_PARENT}/{key}"))
    assert leftovers == []


def test_without_a_cgroup_the_results_say_so() -> None:
    wall = isolation.Isolation("namespaces", None, cgroup="the cgroup filesystem is not writable here")
    assert wall.memory_description().startswith("rlimits only (no memory cgroup: ")
    assert "cgroup" not in " ".join(wall.command(Path("/nonexistent"), ["-c", "pass"])[:3])


def test_a_cgroup_left_by_a_killed_grader_is_reset_to_the_new_limits(wall: isolation.Isolation) -> None:
    key = isolation.cgroup_key(wall.uid) + "-reuse"
    isolation.SandboxCgroup.make(key, 64 << 20, 8)  # as a killed worker leaves it
    group = isolation.SandboxCgroup.make(key, 512 << 20, 32)
    try:
        limit = "memory.max" if group.version == 2 else "memory.limit_in_bytes"
        assert int((group.folders[0] / limit).read_text()) == 512 << 20
    finally:
        group.remove()
    assert not group.folders[0].exists()


def test_the_cgroup_of_a_killed_grader_is_removed_by_the_next_one(wall: isolation.Isolation) -> None:
    uid = 61999  # a uid no grader uses: its "stale" cgroup is made here, then removed
    group = isolation.SandboxCgroup.make(isolation.cgroup_key(uid), 64 << 20, 8)
    isolation.remove_cgroup_of(uid)
    assert not any(folder.exists() for folder in group.folders)
