"""Memory figures of the OS wall: a memfd hoarder with and without a memory cgroup, and the grader's RSS.

    .venv/bin/python benchmarks/bench_memory_limits.py            # both parts
    .venv/bin/python benchmarks/bench_memory_limits.py --part attacker
    .venv/bin/python benchmarks/bench_memory_limits.py --part grader

attacker: a sandboxed process (bwrap, the sandbox uid, RLIMIT_AS = the sandbox's 1 GiB, as
child.py sets it) writes 2 GiB into a memfd, which RLIMIT_AS does not count. The machine's
MemAvailable is sampled every 10 ms; the figure is how far it fell. With the cgroup the kernel
stops the process at the limit; without it (MICROGRAD_NO_CGROUP=1) nothing does.

grader: `grade-all` over honest students beside hostile ones (a module flood, a sparse 2 GB
module, a memfd hoarder), sampling the resident memory of the parent and of each worker.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psutil  # noqa: E402

from autograder.sandbox import isolation  # noqa: E402

GIB = 1 << 30
HOARD = r"""
import os, resource, sys
resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))  # what child.py sets: memfd pages are not counted
fd = os.memfd_create("hoard")
block = b"x" * (1 << 20)
for i in range(int(sys.argv[1])):
    os.write(fd, block)
print("held", i + 1, "MiB", flush=True)
"""


def mem_available() -> int:
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no MemAvailable")


class Sampler:
    """The lowest value of `probe()` seen every 10 ms while it runs."""

    def __init__(self, probe) -> None:  # noqa: ANN001
        self.probe, self.low, self.high, self.running = probe, None, None, True
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while self.running:
            value = self.probe()
            self.low = value if self.low is None else min(self.low, value)
            self.high = value if self.high is None else max(self.high, value)
            time.sleep(0.01)

    def __enter__(self) -> Sampler:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.running = False
        self.thread.join()


def attacker(no_cgroup: bool) -> None:
    wall = isolation.detect()
    if no_cgroup:
        wall = isolation.Isolation(wall.level, wall.uid, cgroup="turned off for this figure")
    sandbox = Path(tempfile.mkdtemp(prefix="micrograd-bench-"))
    wall.prepare(sandbox)
    before = mem_available()
    start = time.perf_counter()
    with Sampler(mem_available) as sampler:
        proc = subprocess.run(
            wall.command(sandbox, ["-I", "-S", "-c", HOARD, "2048"], GIB, 64),
            cwd=wall.cwd(sandbox),
            env=dict(isolation.ENV),
            capture_output=True,
            text=True,
        )
    seconds = time.perf_counter() - start
    wall.cleanup()
    shutil.rmtree(sandbox, ignore_errors=True)
    fell = (before - sampler.low) / GIB
    how = "no cgroup (rlimits only)" if no_cgroup else wall.memory_description()
    outcome = proc.stdout.strip() or f"killed (exit {proc.returncode})"
    print(
        f"memfd hoarder, 2 GiB asked, limit 1 GiB, {how}: {outcome}; "
        f"MemAvailable fell by {fell:.2f} GiB; {seconds:.1f} s"
    )


def grader() -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
    from test_batch_hostile_inputs import honest, hostile

    from autograder.batch import grade_all

    work = Path(tempfile.mkdtemp(prefix="micrograd-bench-grader-"))
    honest(work / "subs")
    hostile(work / "subs")
    me = psutil.Process()

    def rss() -> tuple[int, int]:
        workers = 0
        for child in me.children(recursive=True):
            try:
                if "python" in child.name():
                    workers = max(workers, child.memory_info().rss)
            except psutil.Error:
                continue
        return me.memory_info().rss, workers

    peaks = [0, 0]

    def probe() -> int:
        parent, worker = rss()
        peaks[0], peaks[1] = max(peaks[0], parent), max(peaks[1], worker)
        return parent

    start = time.perf_counter()
    with Sampler(probe):
        grade_all(work / "subs", work / "out", jobs=2, progress=False)
    seconds = time.perf_counter() - start
    students = len(list((work / "out" / "feedback").iterdir()))
    print(
        f"grade-all, {students} students (honest beside a flood of 1010 modules, a sparse 2 GB module, memfd and "
        f"tmpfs hoarders, links, FIFOs): parent peak RSS {peaks[0] / 2**20:.0f} MiB, largest worker peak RSS "
        f"{peaks[1] / 2**20:.0f} MiB, {seconds:.0f} s"
    )
    shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--part", choices=("attacker", "grader", "all"), default="all")
    args = parser.parse_args()
    if args.part in ("attacker", "all"):
        attacker(no_cgroup=False)
        attacker(no_cgroup=True)
    if args.part in ("grader", "all"):
        grader()
    os.environ.pop("MICROGRAD_NO_CGROUP", None)


if __name__ == "__main__":
    main()
