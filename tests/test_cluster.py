"""`grade-all --scheduler`: a real `dask scheduler` and two `dask worker` processes on loopback.

A class of 13 repositories (the reference, the stub, ten single-bug
submissions of the catalogue, a hostile one that tries to kill every process
it can see) is graded on the cluster and on this machine: every result must
be the same. Then a forced regrade on the cluster, with one worker killed
while it grades: everyone is graded, nobody gets a grader error.
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil
import pytest
from submissions.catalogue import BUGGY, build
from submissions.hostile import ATTACKS, build_attack

from autograder import cluster
from autograder.batch import GradeAllRefused, grade_all
from autograder.fingerprint import submitted_modules
from autograder.grade import grade
from autograder.sandbox import isolation
from autograder.sandbox.runner import Limits
from coursekit.course import ASSIGNMENTS_DIR, ROOT, SOLUTION_PACKAGE

pytest.importorskip("distributed")
DASK = Path(sys.executable).parent / "dask"
HOSTILE = next(a for a in ATTACKS if a.name == "pidfd_and_proc_against_other_processes")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def class_of(folder, forged):
    """13 engine repositories: reference, stub, ten single-bug ones, a hostile one."""
    (folder / "reference" / "micrograd").mkdir(parents=True)
    shutil.copyfile(SOLUTION_PACKAGE / "engine.py", folder / "reference" / "micrograd" / "engine.py")
    shutil.copytree(ASSIGNMENTS_DIR / "engine", folder / "stub")
    for sub in [s for s in BUGGY if s.assignment == "engine"][:10]:
        build(sub, folder / sub.name, forged)
    build_attack(HOSTILE, folder / "hostile", forged, "NO_SECRET", ROOT, Path("/tmp"))
    return sorted(p.name for p in folder.iterdir())


class Cluster:
    """A scheduler and named workers on 127.0.0.1, each a process this test started (stopped by pid)."""

    def __init__(self, tmp):
        self.port = free_port()
        self.address = f"tcp://127.0.0.1:{self.port}"
        self.env = {**os.environ, "PYTHONPATH": str(ROOT)}
        self.logs = tmp
        self.procs = {}
        self._start("scheduler", [str(DASK), "scheduler", "--host", "127.0.0.1", "--port", str(self.port)])
        for name in ("w1", "w2"):
            self._start(name, [str(DASK), "worker", self.address, "--nthreads", "1", "--host", "127.0.0.1"])

    def _start(self, name, argv):
        argv += ["--no-dashboard"] + (["--name", name] if name != "scheduler" else [])
        log = open(self.logs / f"{name}.log", "w")  # noqa: SIM115 - closed with the process
        self.procs[name] = subprocess.Popen(argv, env=self.env, stdout=log, stderr=subprocess.STDOUT, cwd=self.logs)
        if name == "scheduler":
            time.sleep(1.0)  # workers retry anyway; this only saves their back-off

    def addresses(self):
        from distributed import Client

        with Client(self.address, timeout=60) as client:
            client.wait_for_workers(2, timeout=180)
            return {w["name"]: a for a, w in client.scheduler_info(n_workers=-1)["workers"].items()}

    def kill_tree(self, name):
        """SIGKILL a worker and every process under it (its nanny's child): the machine dies mid-task."""
        proc = psutil.Process(self.procs[name].pid)
        for p in [*proc.children(recursive=True), proc]:
            try:
                p.send_signal(signal.SIGKILL)
            except psutil.NoSuchProcess:
                pass
        self.procs[name].wait(timeout=30)

    def stop(self):
        tree = []
        for proc in self.procs.values():
            try:
                tree += psutil.Process(proc.pid).children(recursive=True)
            except psutil.NoSuchProcess:
                pass
        for proc in reversed(list(self.procs.values())):  # workers first, then the scheduler
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs.values():
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        for p in tree:  # anything a process we started left behind
            try:
                p.kill()
            except psutil.NoSuchProcess:
                pass


def judged(results):
    """What a grade is: the score, the maximum, and each test's name, score, status and feedback."""
    tests = [(t["name"], t["score"], t["status"], t["output"]) for t in results["tests"]]
    extra = results["extra_data"]
    return results["score"], extra["max_score"], extra["isolation"], extra.get("grader_error"), tests


def read_results(out):
    return {p.stem: json.loads(p.read_text()) for p in sorted((out / "results").glob("*.json"))}


def test_a_class_graded_on_a_cluster_gets_the_same_results_and_survives_a_killed_worker(tmp_path, capsys, monkeypatch):
    forged = tmp_path / "forged"
    students = class_of(tmp_path / "subs", forged)
    assert len(students) >= 12
    logs = tmp_path / "logs"
    logs.mkdir()
    started = time.monotonic()
    report = []  # printed at the end (capsys reads the summary lines)
    dask = Cluster(logs)
    try:
        local = tmp_path / "local"
        grade_all(tmp_path / "subs", local, assignment="engine", jobs=2, progress=False)
        addresses = dask.addresses()
        report.append(f"local grade-all done, cluster up: {time.monotonic() - started:.0f} s")

        out = tmp_path / "cluster"
        capsys.readouterr()
        grade_all(tmp_path / "subs", out, assignment="engine", scheduler=dask.address, progress=False)
        summary = capsys.readouterr().out
        assert "graded 13, unchanged 0, errors 0, workers 2" in summary
        mine, theirs = read_results(local), read_results(out)
        assert sorted(mine) == sorted(theirs) == students
        for student in students:
            assert judged(theirs[student]) == judged(mine[student]), student
            assert theirs[student]["extra_data"]["fingerprint"] == mine[student]["extra_data"]["fingerprint"]
            assert mine[student]["extra_data"]["worker"] == "local"
        by_worker = {
            a: sorted(s for s in students if theirs[s]["extra_data"]["worker"] == a) for a in addresses.values()
        }
        assert sorted(sum(by_worker.values(), [])) == students  # every result names one of the two workers
        assert (out / "gradebook.csv").read_text() == (local / "gradebook.csv").read_text()
        assert mine["reference"]["score"] == mine["reference"]["extra_data"]["max_score"] > 0
        assert mine["hostile"]["score"] == mine["reference"]["score"]  # it killed nothing, it earns its base
        assert not forged.exists()
        report.append(f"cluster run ({time.monotonic() - started:.0f} s): {summary.strip()}; by worker: {by_worker}")

        # Forced regrade; w1 is killed (with everything under it) while it grades a submission.
        killed = {}

        def kill_w1_when_busy():
            from distributed import Client

            with Client(dask.address, timeout=30) as client:
                deadline = time.monotonic() + 120
                while time.monotonic() < deadline:
                    done = sum(p.stat().st_mtime > kill_from for p in (out / "results").glob("*.json"))
                    busy = client.processing(workers=[addresses["w1"]]).get(addresses["w1"], [])
                    if done >= 2 and busy:
                        dask.kill_tree("w1")
                        killed.update(busy=len(busy), done=done)
                        return
                    time.sleep(0.05)

        kill_from = time.time()
        killer = threading.Thread(target=kill_w1_when_busy)
        killer.start()
        grade_all(tmp_path / "subs", out, assignment="engine", scheduler=dask.address, progress=False, force=True)
        killer.join()
        summary = capsys.readouterr().out
        assert killed, "w1 was never seen busy"
        assert "graded 13, unchanged 0, errors 0" in summary
        again = read_results(out)
        for student in students:
            assert judged(again[student]) == judged(mine[student]), student
        graded_by = {s: again[s]["extra_data"]["worker"] for s in students}
        assert set(graded_by.values()) <= set(addresses.values())
        late = [s for s in students if (out / "results" / f"{s}.json").stat().st_mtime > kill_from]
        assert sorted(late) == students  # the forced run rewrote everyone, the killed worker's task included
        report.append(f"forced rerun, w1 ({addresses['w1']}) killed holding {killed['busy']} task(s) after")
        report.append(f"  {killed['done']} results ({time.monotonic() - started:.0f} s): {summary.strip()}")
        report.append(f"  graded by: { {a: sum(w == a for w in graded_by.values()) for a in addresses.values()} }")

        # The parent's watchdog: a budget of 0.5 s per submission (no warm-up allowance) is overrun by every task
        # (two submissions whose import sleeps 30 s: a task that ends first would rightly not be an overrun).
        pair = tmp_path / "pair"
        for student in ("sleepy-a", "sleepy-b"):
            shutil.copytree(tmp_path / "subs" / "reference", pair / student)
            engine_py = pair / student / "micrograd" / "engine.py"
            engine_py.write_text(engine_py.read_text() + "\nimport time\n\ntime.sleep(30)\n")
        monkeypatch.setattr(cluster, "WARM_UP_SECONDS", 0.0)
        capsys.readouterr()
        grade_all(
            pair,
            tmp_path / "watchdog",
            assignment="engine",
            scheduler=dask.address,
            watchdog_seconds=0.5,
            progress=False,
        )
        summary = capsys.readouterr().out
        assert "graded 2, unchanged 0, errors 2" in summary
        for results in read_results(tmp_path / "watchdog").values():
            assert "took longer than 0.5 s; the worker was restarted" in results["output"]
            # w2, or w2 restarted by its nanny (a new address) after the first overrun
            assert results["extra_data"]["worker"].startswith("tcp://127.0.0.1:")
        report.append(f"watchdog at 0.5 s: {summary.splitlines()[0]}")

        # The scheduler goes away mid-run: a clear message, what was graded is kept, the next run grades the rest.
        fresh = tmp_path / "after-loss"

        def kill_the_scheduler_after_three_results():
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline and len(list((fresh / "results").glob("*.json"))) < 3:
                time.sleep(0.02)
            dask.procs["scheduler"].kill()

        monkeypatch.setattr(cluster, "CONNECT_SECONDS", 5.0)  # how long the client tries to reconnect
        killer = threading.Thread(target=kill_the_scheduler_after_three_results)
        killer.start()
        with pytest.raises(cluster.SchedulerLost, match="went away: .* what was graded is kept") as lost:
            grade_all(tmp_path / "subs", fresh, assignment="engine", scheduler=dask.address, progress=False)
        killer.join()
        kept = read_results(fresh)
        assert 3 <= len(kept) < len(students)
        assert all(judged(kept[s]) == judged(mine[s]) for s in kept)  # nothing half-done, no error rows
        capsys.readouterr()
        grade_all(tmp_path / "subs", fresh, assignment="engine", jobs=2, progress=False)  # here: the next run
        summary = capsys.readouterr().out
        assert f"graded {len(students) - len(kept)}, unchanged {len(kept)}, errors 0" in summary
        report.append(f"scheduler killed: {lost.value}\n  then locally: {summary.splitlines()[0]}")
    finally:
        dask.stop()
    for proc in dask.procs.values():
        assert proc.poll() is not None
    with capsys.disabled():
        print("\n" + "\n".join(report) + f"\nwhole test: {time.monotonic() - started:.0f} s")


def no_bubblewrap(level=None):
    raise isolation.IsolationUnavailable("bubblewrap (bwrap) is not installed")


def test_a_worker_that_cannot_isolate_refuses_and_names_itself(monkeypatch):
    monkeypatch.setattr(isolation, "_requested", None)  # grade_here configures this process: restored after
    monkeypatch.setattr(isolation, "detect", no_bubblewrap)
    files = {"engine.py": (SOLUTION_PACKAGE / "engine.py").read_bytes()}
    results = cluster.grade_here(files, "engine", Limits(), "namespaces", "tcp://10.0.0.7:4000")
    assert results["extra_data"]["grader_error"] and results["score"] == 0
    assert results["extra_data"]["worker"] == "tcp://10.0.0.7:4000"
    assert "tcp://10.0.0.7:4000 cannot isolate at level 'namespaces'" in results["output"]
    assert "bubblewrap (bwrap) is not installed" in results["output"]


def test_a_worker_grades_the_files_it_was_sent_as_a_local_grade_does(tmp_path, monkeypatch):
    monkeypatch.setattr(isolation, "_requested", None)
    repo = tmp_path / "ada"
    build(next(s for s in BUGGY if s.assignment == "engine"), repo, tmp_path / "forged")
    files = cluster.read_submission(repo)
    assert files.files == submitted_modules(repo) and files.refused is None
    level = isolation.current().level
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    here = cluster.grade_here(files, "engine", Limits(), level, "tcp://w:1", scratch=str(scratch))
    there = grade(repo, "engine")
    assert judged(here) == judged(there) and here["score"] < there["extra_data"]["max_score"]
    assert here["extra_data"]["worker"] == "tcp://w:1"
    assert not list(scratch.iterdir())  # the task's folder is gone


def test_a_cluster_run_refuses_no_isolation_unless_allowed_and_an_unreachable_scheduler(tmp_path, monkeypatch):
    with pytest.raises(GradeAllRefused, match="allow-unisolated"):
        cluster.required_level("none", allow_unisolated=False)
    assert cluster.required_level(None, allow_unisolated=False) == "namespaces"
    (tmp_path / "subs" / "ada" / "micrograd").mkdir(parents=True)
    shutil.copyfile(SOLUTION_PACKAGE / "engine.py", tmp_path / "subs" / "ada" / "micrograd" / "engine.py")
    address = f"tcp://127.0.0.1:{free_port()}"  # nothing listens there
    monkeypatch.setattr(cluster, "CONNECT_SECONDS", 2.0)
    with pytest.raises(GradeAllRefused, match="cannot reach the Dask scheduler"):
        grade_all(tmp_path / "subs", tmp_path / "out", assignment="engine", scheduler=address, progress=False)
