"""`make grade-all`: grade a folder of student repositories on every core, resumably.

Warm workers: each worker process imports pytest and torch once and computes
the expected answers once, then grades submission after submission; every
submission still runs in its own fresh sandbox process (sandbox/runner.py),
so the isolation is the same as `make grade`.

Resuming: a student's results file is written (atomically) when, and only
when, their grading is complete; a rerun skips every student who has one.
The gradebook and the feedback files are rebuilt from all results files at
the end, so an interrupted batch loses nothing but the submissions in flight.
"""

from __future__ import annotations

import csv
import io
import json
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

from autograder.grade import DEFAULT_LIMITS, grade
from autograder.sandbox.runner import Limits

_limits = DEFAULT_LIMITS


def _warm_up(limits: Limits) -> None:
    """Runs once in each worker: the expensive imports, before the first submission."""
    global _limits
    _limits = limits
    from autograder import expected

    expected.torch()


def _grade_one(submission: str, assignment: str | None) -> dict:
    try:
        return grade(Path(submission), assignment, _limits)
    except Exception as exc:  # a grader bug must not stop the batch: record it, go on
        return {
            "score": 0.0,
            "execution_time": 0.0,
            "output": f"The grader failed on this submission ({type(exc).__name__}: {exc}); regrade it after a fix.",
            "extra_data": {"assignment": assignment, "max_score": 0.0, "grader_error": True},
            "tests": [],
        }


def student_dirs(submissions: Path) -> list[Path]:
    """Every student repository: each folder directly under `submissions`, by name."""
    return sorted(p for p in submissions.iterdir() if p.is_dir() and not p.name.startswith("."))


def write_atomically(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".part")
    tmp.write_text(text)
    os.replace(tmp, path)


def grade_all(
    submissions: Path,
    out: Path,
    assignment: str | None = None,
    jobs: int | None = None,
    limits: Limits = DEFAULT_LIMITS,
    progress: bool = True,
) -> Path:
    """Grade every student repository under `submissions` into `out`; return the gradebook's path."""
    results_dir = out / "results"
    results_dir.mkdir(parents=True, exist_ok=True)
    students = student_dirs(submissions)
    todo = [s for s in students if not (results_dir / f"{s.name}.json").exists()]
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(todo) or 1))
    if todo:
        bar = _progress_bar(len(students), len(students) - len(todo), progress)
        context = multiprocessing.get_context("spawn")  # fresh interpreters: no state forked from here
        with ProcessPoolExecutor(jobs, mp_context=context, initializer=_warm_up, initargs=(limits,)) as pool:
            futures = {pool.submit(_grade_one, str(s), assignment): s for s in todo}
            try:
                for future in as_completed(futures):
                    student = futures[future]
                    write_atomically(results_dir / f"{student.name}.json", json.dumps(future.result(), indent=2) + "\n")
                    bar.update(1)
            except KeyboardInterrupt:
                for future in futures:
                    future.cancel()
                raise
            finally:
                bar.close()
    return write_reports(out, [s.name for s in students])


def _progress_bar(total: int, done: int, enabled: bool):  # noqa: ANN202 - a tqdm bar
    from tqdm import tqdm

    return tqdm(total=total, initial=done, unit="submission", disable=not enabled, desc="grading")


def write_reports(out: Path, students: list[str]) -> Path:
    """The gradebook CSV (a row per student) and a feedback file per student, from the results files."""
    results = {s: json.loads((out / "results" / f"{s}.json").read_text()) for s in students}
    columns: list[str] = []
    for r in results.values():
        for t in r["tests"]:
            if t["name"] not in columns:
                columns.append(t["name"])
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["student", "assignment", "total", "max", *columns])
    for student, r in results.items():
        scores = {t["name"]: t["score"] for t in r["tests"]}
        extra = r.get("extra_data", {})
        writer.writerow(
            [
                student,
                extra.get("assignment") or "",
                f"{r['score']:g}",
                f"{extra.get('max_score', 0):g}",
                *(f"{scores[c]:g}" if c in scores else "" for c in columns),
            ]
        )
    gradebook = out / "gradebook.csv"
    write_atomically(gradebook, buffer.getvalue())
    feedback_dir = out / "feedback"
    feedback_dir.mkdir(exist_ok=True)
    for student, r in results.items():
        write_atomically(feedback_dir / f"{student}.md", feedback_text(student, r))
    return gradebook


def feedback_text(student: str, results: dict) -> str:
    """What passed, what failed and why, for one student."""
    extra = results.get("extra_data", {})
    lines = [f"# Feedback for {student}", "", results["output"], ""]
    lines.append(f"Score: {results['score']:g} / {extra.get('max_score', 0):g}")
    failed = [t for t in results["tests"] if t["status"] != "passed"]
    passed = [t for t in results["tests"] if t["status"] == "passed"]
    if failed:
        lines += ["", "## What failed, and why", ""]
        for t in failed:
            lines.append(f"### {t['name']} (0 / {t['max_score']:g})")
            lines += ["", "```", t["output"], "```", ""]
    if passed:
        lines += ["", "## What passed", ""]
        lines += [f"- {t['name']} ({t['score']:g} / {t['max_score']:g})" for t in passed]
    return "\n".join(lines) + "\n"
