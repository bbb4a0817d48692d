"""`grade-all` on one machine next to `grade-all --scheduler` on a Dask cluster of 2 single-thread workers.

Run: `.venv/bin/python benchmarks/bench_cluster.py [--count 1000]`. Figures are
printed, never asserted (the machine is shared and noisy); every ratio comes
from this one run.

1. `count` synthetic engine submissions: copies of the catalogue (reference,
   stub, every single-bug engine submission), each with its own comment, so
   every fingerprint differs and nothing is skipped as unchanged.
2. (a) `python -m autograder grade-all --jobs 2` on this machine;
   (b) the same folder with `--scheduler`: a `dask scheduler` and two
   `dask worker --nthreads 1` processes on 127.0.0.1, started (and registered)
   before the clock starts, cold (each imports torch on its first task, as (a)'s
   workers do).
3. The overhead of (b) over (a) per submission, the CPU the parent and the
   scheduler spend per submission (what bounds a run however many workers),
   and from these a projection, on paper, of a 100,000-submission regrade on
   k machines of c cores (one single-thread worker per core).
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

from submissions.catalogue import BUGGY, Submission, build  # noqa: E402

PY = str(ROOT / ".venv" / "bin" / "python")
DASK = str(ROOT / ".venv" / "bin" / "dask")
MOOC = 100_000


def synthetic_class(folder: Path, count: int) -> None:
    """`count` engine repositories cycling through reference, stub and the single-bug catalogue, each unique."""
    kinds = [Submission("reference", "engine"), None, *(s for s in BUGGY if s.assignment == "engine")]
    for i in range(count):
        target = folder / f"student-{i:05d}"
        kind = kinds[i % len(kinds)]
        if kind is None:
            shutil.copytree(ROOT / "assignments" / "engine", target)
        else:
            build(kind, target, folder / "unused")
        engine = target / "micrograd" / "engine.py"
        engine.write_text(engine.read_text() + f"\n# synthetic student {i}: a comment only, its own fingerprint\n")


def timed(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall seconds, and CPU seconds of the command and every child it waited for."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(argv, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return seconds, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_seconds(pid: int) -> float:
    times = psutil.Process(pid).cpu_times()
    return times.user + times.system


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=1000, help="synthetic submissions (default 1000)")
    args = parser.parse_args()
    n = args.count
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        subs = tmp / "subs"
        synthetic_class(subs, n)
        grade_all = [PY, "-m", "autograder", "grade-all", str(subs), "--assignment", "engine"]

        local, local_cpu = timed([*grade_all, "--out", str(tmp / "local"), "--jobs", "2"], env)

        address = f"tcp://127.0.0.1:{free_port()}"
        start = time.perf_counter()
        procs = [
            subprocess.Popen(
                [DASK, "scheduler", "--host", "127.0.0.1", "--port", address.rsplit(":", 1)[1], "--no-dashboard"],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        ]
        try:
            for i in range(2):
                worker = [DASK, "worker", address, "--nthreads", "1", "--host", "127.0.0.1", "--no-dashboard"]
                procs.append(
                    subprocess.Popen(
                        [*worker, "--name", f"w{i}"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
                    )
                )
            from distributed import Client

            with Client(address, timeout=60) as client:
                client.wait_for_workers(2, timeout=300)
            up = time.perf_counter() - start
            # Fixed costs, so that the per-submission CPU is the marginal one: the scheduler's idle ticks, and
            # the parent's start-up (imports, connecting) on a class of one.
            idle_before = cpu_seconds(procs[0].pid)
            time.sleep(5)
            idle_rate = (cpu_seconds(procs[0].pid) - idle_before) / 5
            one = tmp / "one"
            shutil.copytree(subs / "student-00000", one / "student-00000")
            _, parent_fixed = timed(
                [*grade_all[:4], str(one), *grade_all[5:], "--out", str(tmp / "1"), "--scheduler", address], env
            )
            scheduler_before = cpu_seconds(procs[0].pid)
            remote, parent_cpu = timed([*grade_all, "--out", str(tmp / "cluster"), "--scheduler", address], env)
            scheduler_cpu = cpu_seconds(procs[0].pid) - scheduler_before - idle_rate * remote
        finally:
            for proc in reversed(procs):
                proc.terminate()
            for proc in procs:
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
        same = sorted(p.read_text() for p in (tmp / "local").glob("gradebook.csv")) == sorted(
            p.read_text() for p in (tmp / "cluster").glob("gradebook.csv")
        )

    per_local, per_remote = local / n, remote / n
    print(f"{n} synthetic submissions, {os.cpu_count()} cores (load average now {os.getloadavg()[0]:.1f})")
    print(f"{'':40} {'wall s':>8} {'s/submission':>13} {'submissions/s':>14}")
    print(f"{'(a) grade-all, 2 local workers':40} {local:8.1f} {per_local:13.3f} {n / local:14.2f}")
    print(f"{'(b) grade-all --scheduler, 2 workers':40} {remote:8.1f} {per_remote:13.3f} {n / remote:14.2f}")
    print(f"cluster start (scheduler + 2 workers registered, not in (b)): {up:.1f} s")
    print(f"overhead of (b) over (a): {per_remote - per_local:+.3f} s per submission ({remote / local - 1:+.0%})")
    print(f"identical gradebooks: {same}")
    parent, sched = max(parent_cpu - parent_fixed, 0) / n, max(scheduler_cpu, 0) / n
    print(f"CPU per submission: (a) all processes {local_cpu / n * 1000:.0f} ms; (b) parent {parent * 1000:.1f} ms")
    print(f"  (after {parent_fixed:.1f} s of start-up), scheduler {sched * 1000:.1f} ms (beyond its idle")
    print(f"  {idle_rate * 1000:.0f} ms/s); the workers' CPU is not counted in (b)")

    per_worker = n / remote / 2  # submissions/s of one single-thread worker with a core of its own
    bound = 1 / max(parent, sched)  # the parent and the scheduler are one process each, whatever k and c
    print(f"\nprojection on paper, {MOOC:,} submissions, one single-thread worker per core at {per_worker:.2f}/s,")
    print(f"capped at {bound:.0f}/s by the parent or the scheduler (one process each), plus {up:.0f} s of start-up:")
    print(f"{'k machines x c cores':>22} {'workers':>8} {'submissions/s':>14} {'hours':>7}")
    for k, c in [(1, 2), (1, 16), (4, 16), (10, 32), (25, 32), (100, 32)]:
        rate = min(k * c * per_worker, bound)
        print(f"{f'{k} x {c}':>22} {k * c:8d} {rate:14.1f} {(MOOC / rate + up) / 3600:7.2f}")


if __name__ == "__main__":
    main()
