"""`make release` stops when points disagree or a solution region is graded by no test."""

import dataclasses
import shutil

from autograder.assignments import ASSIGNMENTS
from autograder.points import hidden_tests
from coursekit.course import SOLUTION_PACKAGE
from coursekit.coverage import coverage_problems, grading_key, points_problems, stub_one_region, stubbed_submissions
from coursekit.stubs import solution_regions

SOURCE = """def f(x):
    ### BEGIN SOLUTION
    return x + 1
    ### END SOLUTION


def g(x):
    ### BEGIN SOLUTION
    return x * 2
    ### END SOLUTION
"""


def test_stub_one_region_stubs_that_region_and_keeps_the_others():
    stubbed = stub_one_region(SOURCE, 1)
    assert "return x + 1" in stubbed and "return x * 2" not in stubbed
    assert stubbed.count("raise NotImplementedError()") == 1 and "SOLUTION" not in stubbed


def test_declared_maximums_are_the_sums_of_the_hidden_tests_points():
    assert points_problems() == []
    for a in ASSIGNMENTS.values():
        assert a.max_points == sum(t["points"] for t in hidden_tests(a.name))


def test_a_maximum_that_disagrees_with_the_tests_stops_the_release(monkeypatch):
    engine = ASSIGNMENTS["engine"]
    monkeypatch.setitem(ASSIGNMENTS, "engine", dataclasses.replace(engine, max_points=engine.max_points + 1))
    (problem,) = points_problems()
    assert f"max_points={engine.max_points + 1}" in problem and f"add up to {engine.max_points}" in problem


def test_every_solution_region_of_the_course_is_graded():
    assert coverage_problems() == []


def test_a_solution_region_without_a_graded_test_stops_the_release(tmp_path):
    # A new operator with its stub but no hidden test yet: the check names it.
    package = tmp_path / "micrograd"
    shutil.copytree(SOLUTION_PACKAGE, package, ignore=shutil.ignore_patterns("__pycache__"))
    engine = package / "engine.py"
    engine.write_text(
        engine.read_text()
        + '''

def sigmoid(v: Value) -> Value:
    """1 / (1 + exp(-v)), from operations that have their own backward rule."""
    ### BEGIN SOLUTION
    return 1 / (1 + (-v).exp())
    ### END SOLUTION
'''
    )
    problems = coverage_problems(package=package, assignments=["engine"])
    assert len(problems) == 1 and "sigmoid" in problems[0], problems
    assert len(solution_regions(engine.read_text())) > 1  # the other regions were all noticed


def test_a_cached_grading_verdict_is_keyed_by_the_whole_submission_and_the_whole_grader(tmp_path):
    region = stubbed_submissions(tmp_path, assignments=["engine"])[0]
    grader = ["tests/test_engine.py", b"the grader"]
    first = grading_key(region, grader)
    assert grading_key(region, grader) == first
    assert grading_key(region, ["tests/test_engine.py", b"an edited grader"]) != first
    (region.submission / "micrograd" / "nn.py").write_text("# any file of the submission\n")
    assert grading_key(region, grader) != first
