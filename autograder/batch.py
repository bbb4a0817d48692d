"""`make grade-all`: grade a folder of student repositories on every core, rerunnable, under a watchdog.

Warm workers: each worker process imports pytest and torch once, then grades
submission after submission; every submission still runs in its own fresh
sandbox (sandbox/runner.py), so the isolation is the same as `make grade`.

The watchdog: the parent gives each submission a time budget. A worker that
dies (killed by anything), stops (SIGSTOP) or hangs is killed, that student
gets a grader-error row that says so, a fresh worker carries on with the
others, and the gradebook is always written.

Rerunnable: a student's results file is written (atomically) when their
grading is complete, and records the fingerprint of the files it graded. A
rerun regrades a repository whose files changed and every grader error, and
skips the rest (`--force` regrades everything). The gradebook and the feedback
files are rebuilt from all results files at the end.
"""

from __future__ import annotations

import collections
import csv
import io
import json
import multiprocessing
import os
import signal
import time
from dataclasses import dataclass
from multiprocessing.connection import wait
from pathlib import Path

from autograder import student_text
from autograder.assignments import ASSIGNMENTS, detect_assignment
from autograder.fingerprint import read_submission
from autograder.grade import DEFAULT_LIMITS, NO_ISOLATION, grade, grader_error_results
from autograder.grader_fingerprint import grader_fingerprint
from autograder.regrade_audit import RegradeAudit
from autograder.sandbox import isolation
from autograder.sandbox.runner import Limits

WARM_UP_SECONDS = 120.0  # importing torch on a loaded machine
MARGIN_SECONDS = 60.0  # a submission's budget beyond its sandbox's own limits (torch's expected values, pytest)


class GradeAllRefused(RuntimeError):
    """`grade-all` will not run as asked (the message says why and what to do)."""


def student_dirs(submissions: Path) -> list[Path]:
    """Every student repository: each real folder (not a link) directly under `submissions`, by name."""
    found = []
    for entry in os.scandir(submissions):
        try:
            if entry.is_dir(follow_symlinks=False) and not entry.name.startswith("."):
                found.append(Path(entry.path))
        except OSError:
            continue
    return sorted(found, key=lambda p: os.fsencode(p.name))


def write_atomically(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".part")
    tmp.write_text(text, encoding="utf-8", errors="replace")  # a lone surrogate never stops a writer
    os.replace(tmp, path)


def detected(student: Path) -> str | None:
    """The assignment one repository looks like (None: nothing gradable, or unreadable)."""
    try:
        return detect_assignment(student).name
    except (LookupError, OSError):
        return None


def class_assignment(found: dict[Path, str | None]) -> str | None:
    """The assignment most repositories are (ties: the later one); None when none is recognised.

    One odd repository never decides for the class, nor stops it: it is graded as the
    class's assignment, and its row says what it looked like (`odd_one_out`).
    """
    counts = collections.Counter(name for name in found.values() if name)
    if not counts:
        return None
    return max(counts, key=lambda name: (counts[name], ASSIGNMENTS[name].number))


def common_assignment(students: list[Path]) -> str:
    """The class's assignment, by majority (see `class_assignment`); refuses only a folder with none."""
    name = class_assignment({s: detected(s) for s in students})
    if name is None:
        raise GradeAllRefused("no repository here holds micrograd/engine.py, nn.py or train.py: pass --assignment")
    return name


def _unchanged(results_file: Path, assignment: str, files_print: str, grader: str) -> bool:
    """Whether an earlier, complete grading of these same files as this assignment, by this grader, stands."""
    try:
        previous = json.loads(results_file.read_text())
        extra = previous["extra_data"]
    except (OSError, ValueError, KeyError, TypeError):
        return False
    same_files = extra.get("fingerprint") == files_print and extra.get("assignment") == assignment
    return same_files and extra.get("grader") == grader and not extra.get("grader_error")


def odd_one_out(results: dict, graded_as: str, looks_like: str | None) -> dict:
    """Flag a repository of another assignment than the class's, graded as the class's."""
    if looks_like and looks_like != graded_as:
        results.setdefault("extra_data", {})["looks_like"] = looks_like
        results["output"] = (
            f"{results.get('output', '')}\nNote: this repository looks like assignment {looks_like}; "
            f"it was graded as {graded_as}, the assignment of the class."
        )
    return results


def grade_all(
    submissions: Path,
    out: Path,
    assignment: str | None = None,
    jobs: int | None = None,
    limits: Limits = DEFAULT_LIMITS,
    progress: bool = True,
    force: bool = False,
    allow_unisolated: bool = False,
    watchdog_seconds: float | None = None,
    scheduler: str | None = None,
    isolation_level: str | None = None,
) -> Path:
    """Grade every student repository under `submissions` into `out`; return the gradebook's path.

    Every per-student step (reading, fingerprinting, grading, the feedback file,
    the gradebook row) fails into that student's row, never the batch. With
    `scheduler` (a Dask scheduler's address), on that cluster at `isolation_level`
    (autograder/cluster.py).
    """
    if scheduler is None:
        wall = isolation.current()
        if wall.level == "none" and not allow_unisolated:
            raise GradeAllRefused(NO_ISOLATION)
    else:
        from autograder.cluster import required_level

        level = required_level(isolation_level, allow_unisolated)
    results_dir = out / "results"
    results_dir.mkdir(parents=True, exist_ok=True)
    students = student_dirs(submissions)
    looks = {s: detected(s) for s in students}
    name = assignment or common_assignment(students)
    grader = grader_fingerprint(name)  # once per run: everything that can change a grade of `name`
    audit = RegradeAudit(out, grader)
    todo, errors = [], 0
    for s in students:
        try:
            if force or not _unchanged(results_dir / f"{s.name}.json", name, read_submission(s).fingerprint, grader):
                todo.append(s)
        except Exception as exc:  # noqa: BLE001 - one student's files never stop the class
            reason = f"reading the submission failed: {type(exc).__name__}: {student_text.one_line(exc)}"
            results = audit.replace(s.name, _error_results(name, reason))
            write_atomically(results_dir / f"{s.name}.json", _dump(results))
            errors += 1
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(todo) or 1))
    budget = watchdog_seconds or limits.part_seconds + MARGIN_SECONDS
    workers = 0
    if todo:
        if scheduler is None:
            pool, workers = _Pool(jobs, limits, wall.level, budget), jobs
        else:
            from autograder.cluster import ClusterPool

            pool = ClusterPool(scheduler, limits, level, budget)
        bar = _progress_bar(len(students), len(students) - len(todo), progress)
        try:
            for student, results in pool.run([(s, name) for s in todo]):
                results = odd_one_out(results, name, looks.get(student))
                results.setdefault("extra_data", {}).setdefault("worker", "local")  # a cluster's names its worker
                errors += bool(results.get("extra_data", {}).get("grader_error"))
                results = audit.replace(student.name, results)  # stamps the grader; keeps what it replaces
                write_atomically(results_dir / f"{student.name}.json", _dump(results))
                bar.update(1)
        finally:
            bar.close()
            workers = len(pool.workers) if scheduler else workers
    gradebook = write_reports(out, [s.name for s in students])
    print(f"graded {len(todo)}, unchanged {len(students) - len(todo)}, errors {errors}, workers {workers}")
    regrade = audit.finish([s.name for s in students])
    if regrade:
        print(regrade)
    return gradebook


def _dump(results: dict) -> str:
    return json.dumps(results, indent=2) + "\n"  # ensure_ascii: a surrogate is written as an escape


def _error_results(name: str | None, reason: str) -> dict:
    return grader_error_results(name, reason, {}, time.perf_counter())


# -- the workers and their watchdog ------------------------------------------------------------


def _worker_main(conn: multiprocessing.connection.Connection, limits: Limits, level: str | None) -> None:
    """A warm worker: the expensive imports once, then one submission at a time until told to stop."""
    from autograder import expected

    isolation.configure(level)
    expected.torch()
    wall = isolation.current()
    conn.send(("ready", wall.uid))
    while True:
        job = conn.recv()
        if job is None:
            return
        submission, name = job
        try:
            results = grade(Path(submission), name, limits)
        except Exception as exc:  # a grader bug must not stop the batch: record it, go on
            reason = f"{type(exc).__name__}: {student_text.one_line(exc)}"
            results = grader_error_results(name, reason, {}, time.perf_counter())
        conn.send(("done", results))


@dataclass
class _Worker:
    process: multiprocessing.Process
    conn: multiprocessing.connection.Connection
    uid: int | None = None
    ready: bool = False
    job: tuple[Path, str] | None = None
    since: float = 0.0


class _Pool:
    """`jobs` warm workers; each submission gets `budget` seconds, or its worker is replaced."""

    def __init__(self, jobs: int, limits: Limits, level: str | None, budget: float) -> None:
        self.jobs, self.limits, self.level, self.budget = jobs, limits, level, budget
        self.context = multiprocessing.get_context("spawn")  # fresh interpreters: no state forked from here

    def _start(self) -> _Worker:
        parent, child = self.context.Pipe()
        process = self.context.Process(target=_worker_main, args=(child, self.limits, self.level), daemon=True)
        process.start()
        child.close()
        return _Worker(process, parent, since=time.monotonic())

    def _replace(self, worker: _Worker) -> _Worker:
        """Kill a worker (and whatever its sandbox left) and start a fresh one."""
        try:
            os.kill(worker.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        worker.process.join()
        worker.conn.close()
        if worker.uid is not None:
            isolation.kill_uid(worker.uid)
            isolation.remove_files_of(worker.uid)
            isolation.remove_cgroup_of(worker.uid)
        return self._start()

    def run(self, jobs: list[tuple[Path, str]]):  # noqa: ANN201 - yields (student, results)
        queue = collections.deque(jobs)
        workers = [self._start() for _ in range(min(self.jobs, len(jobs)))]
        try:
            while queue or any(w.job for w in workers):
                for w in workers:
                    if w.ready and w.job is None and queue:
                        w.job, w.since = queue.popleft(), time.monotonic()
                        w.conn.send((str(w.job[0]), w.job[1]))
                wait([w.conn for w in workers] + [w.process.sentinel for w in workers], timeout=0.5)
                for i, w in enumerate(workers):
                    outcome = self._check(w)
                    if outcome is None:
                        continue
                    failed, payload = outcome  # results, or why the worker failed
                    if w.job is not None:
                        student, name = w.job
                        yield student, self._error(name, payload) if failed else payload
                    if failed:
                        workers[i] = self._replace(w)
                    else:
                        w.job = None
        finally:
            for w in workers:
                try:
                    w.conn.send(None)
                except OSError:
                    pass
            for w in workers:
                w.process.join(timeout=5)
                if w.process.is_alive():
                    w.process.kill()
                    w.process.join()

    def _check(self, w: _Worker) -> tuple[bool, object] | None:
        """None while all is well; (False, results) for a finished job; (True, why) for a broken worker."""
        try:
            if w.conn.poll():
                kind, payload = w.conn.recv()
                if kind == "ready":
                    w.ready, w.uid = True, payload
                    return None
                return False, payload
        except (EOFError, OSError, ValueError):
            pass  # a dead worker's pipe: told below
        limit = self.budget if w.ready else WARM_UP_SECONDS
        if not w.process.is_alive():
            code = w.process.exitcode
            how = f"was killed by signal {-code}" if code and code < 0 else f"exited with status {code}"
            return True, f"the grading process {how} while grading this submission"
        if time.monotonic() - w.since > limit:
            return True, f"the grading process stopped answering (killed after {limit:.0f} s)"
        return None

    @staticmethod
    def _error(name: str, message: str) -> dict:
        return grader_error_results(name, message + "; it will be regraded on the next run", {}, time.perf_counter())


def _progress_bar(total: int, done: int, enabled: bool):  # noqa: ANN202 - a tqdm bar
    from tqdm import tqdm

    return tqdm(total=total, initial=done, unit="submission", disable=not enabled, desc="grading")


def _load(out: Path, student: str) -> dict:
    """One student's results file, or a grader-error result that says why it cannot be read."""
    try:
        results = json.loads((out / "results" / f"{student}.json").read_text(encoding="utf-8", errors="replace"))
        if not isinstance(results, dict) or not isinstance(results.get("tests"), list):
            raise ValueError("not a results object")
        for t in results["tests"]:
            float(t["score"]), float(t["max_score"]), str(t["name"])  # noqa: B018 - the fields the reports read
        float(results["score"])
        return results
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return _error_results(None, f"its results file cannot be read ({type(exc).__name__})")


def write_reports(out: Path, students: list[str]) -> Path:
    """The gradebook CSV (a row per student) and a feedback file per student, from the results files.

    Each student's row and feedback are made on their own: one that fails says so in
    its place, and every other row and feedback file is still written.
    """
    results = {s: _load(out, s) for s in students}
    columns: list[str] = []
    for r in results.values():
        for t in r["tests"]:
            if t["name"] not in columns:
                columns.append(t["name"])
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["student", "assignment", "total", "max", "isolation", "grader_error", "note", *columns])
    for student, r in results.items():
        try:
            row = _gradebook_row(student, r, columns)
        except Exception as exc:  # noqa: BLE001 - a row that cannot be made says so, the others are written
            row = [student_text.csv_cell(student_text.name(student)), "", "0", "0", "", "yes", f"row failed: {exc}"]
        writer.writerow([student_text.csv_cell(cell) for cell in row])
    gradebook = out / "gradebook.csv"
    write_atomically(gradebook, buffer.getvalue())
    feedback_dir = out / "feedback"
    feedback_dir.mkdir(exist_ok=True)
    for student, r in results.items():
        try:
            text = feedback_text(student, r)
        except Exception as exc:  # noqa: BLE001 - as above
            text = f"# Feedback for {student_text.name(student)}\n\nThe feedback could not be written: {exc}\n"
        write_atomically(feedback_dir / f"{student}.md", text)
    return gradebook


def _gradebook_row(student: str, r: dict, columns: list[str]) -> list[object]:
    scores = {t["name"]: t["score"] for t in r["tests"]}
    extra = r.get("extra_data", {}) if isinstance(r.get("extra_data"), dict) else {}
    note = f"looks like {extra['looks_like']}" if extra.get("looks_like") else ""
    return [
        student_text.name(student),
        extra.get("assignment") or "",
        f"{float(r['score']):g}",
        f"{float(extra.get('max_score', 0)):g}",
        extra.get("isolation") or "",
        "yes" if extra.get("grader_error") else "",
        note,
        *(f"{float(scores[c]):g}" if c in scores else "" for c in columns),
    ]


def feedback_text(student: str, results: dict) -> str:
    """What passed, what failed and why, for one student.

    Everything but the grader's own headings is shown inside code fences
    (`student_text.fence`), so text a student's code chose (an error message with
    a "## 60/60" heading or an `<img>`) is shown as characters, never as Markdown.
    """
    extra = results.get("extra_data", {})
    headline, *rest = student_text.clean(results.get("output", ""), 20_000, 2000).split("\n")
    lines = [f"# Feedback for {student_text.name(student)}", "", student_text.one_line(headline)]
    if rest:
        lines += ["", student_text.fence("\n".join(rest))]
    if not results["tests"]:  # the output's first line gives the score when there are tests
        lines += ["", f"Score: {float(results['score']):g} / {float(extra.get('max_score', 0)):g}"]
    failed = [t for t in results["tests"] if t["status"] != "passed"]
    passed = [t for t in results["tests"] if t["status"] == "passed"]
    if failed:
        lines += ["", "## What failed, and why", ""]
        for t in failed:
            lines.append(f"### {student_text.one_line(t['name'])} (0 / {float(t['max_score']):g})")
            lines += ["", student_text.fence(student_text.clean(t.get("output", ""), 8000, 2000)), ""]
    if passed:
        lines += ["", "## What passed", ""]
        for t in passed:
            points = f"{float(t['score']):g} / {float(t['max_score']):g}" if t["max_score"] else "checked, not graded"
            lines.append(f"- {student_text.one_line(t['name'])} ({points})")
    return "\n".join(lines) + "\n"
