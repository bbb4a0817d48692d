"""`make release` stops when points disagree or a solution region is graded by no test."""

import dataclasses
import shutil

from autograder.assignments import ASSIGNMENTS
from autograder.points import hidden_tests
from coursekit.course import SOLUTION_PACKAGE
from coursekit.coverage import coverage_problems, points_problems, stub_one_region
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
