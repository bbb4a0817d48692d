"""The lecture notebooks: nbgrader sources with visible self-checks, validated by nbgrader, runnable, released clean."""

import json
from concurrent.futures import ThreadPoolExecutor

import nbformat
import pytest

from coursekit.course import ASSIGNMENTS_DIR, STUDENT_REPOS
from coursekit.notebooks import (
    NOTEBOOKS_DIR,
    execute,
    is_exercise,
    nbgrader_validate,
    secret_lines,
    source_notebooks,
    student_layout,
)
from coursekit.validate import MARKERS, leaks

SOURCES = sorted(NOTEBOOKS_DIR.rglob("*.ipynb"))
RELEASED = sorted(ASSIGNMENTS_DIR.glob("*/notebooks/*.ipynb"))


def nbgrader_cells(path):
    return [c for c in nbformat.read(path, as_version=4).cells if "nbgrader" in c.metadata]


@pytest.fixture(scope="module")
def validations(tmp_path_factory):
    """`nbgrader validate` on the sources and `validate --invert` on the releases, both on the reference.

    Each runs in a layout of a student repository (notebooks/ beside the
    reference micrograd/); the two runs go side by side to save time.
    """
    root = tmp_path_factory.mktemp("validate")
    sources = student_layout(root / "sources", SOURCES)
    released = student_layout(root / "released", RELEASED)
    with ThreadPoolExecutor() as pool:
        plain = pool.submit(nbgrader_validate, sorted(sources.glob("*.ipynb")))
        inverted = pool.submit(nbgrader_validate, sorted(released.glob("*.ipynb")), True)
        return plain.result(), inverted.result()


@pytest.mark.parametrize("repo", STUDENT_REPOS, ids=lambda r: r.name)
def test_every_assignment_has_a_notebook_and_releases_it(repo):
    sources = source_notebooks(repo.name)
    assert sources, f"no notebook in solutions/notebooks/{repo.name}/"
    released = sorted(p.name for p in (ASSIGNMENTS_DIR / repo.name / "notebooks").glob("*.ipynb"))
    assert released == [p.name for p in sources]


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.name)
def test_source_notebook_has_exercises_with_visible_self_checks_and_no_points(path):
    # Nothing grades the notebooks: their checks are for the student to see, worth no points, none hidden.
    cells = nbgrader_cells(path)
    solutions = [c for c in cells if c.metadata.nbgrader["solution"]]
    tests = [c for c in cells if c.metadata.nbgrader["grade"]]
    assert solutions and tests
    for cell in cells:
        meta = cell.metadata.nbgrader
        assert meta["schema_version"] == 3
        assert {"grade", "solution", "locked", "grade_id"} <= set(meta), meta
    for cell in solutions:
        assert "### BEGIN SOLUTION" in cell.source and "### END SOLUTION" in cell.source
        assert not cell.metadata.nbgrader["grade"] and not cell.metadata.nbgrader["locked"]
    for cell in tests:
        assert cell.metadata.nbgrader["locked"] and cell.metadata.nbgrader["points"] == 0
    assert not any("HIDDEN TESTS" in c.source for c in nbformat.read(path, as_version=4).cells)
    # Markers belong in exercise cells only: anywhere else nbgrader would not act on them.
    for cell in nbformat.read(path, as_version=4).cells:
        if not is_exercise(cell):
            assert not any(m in cell.source for m in MARKERS), cell.source


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.name)
def test_source_notebook_promises_no_grading_and_reloads_the_students_modules(path):
    nb = nbformat.read(path, as_version=4)
    intro = " ".join(nb.cells[0].source.split())
    assert "when the notebook is graded" not in intro and "not graded" in intro
    first = next(c for c in nb.cells if c.cell_type == "code")
    assert "%load_ext autoreload" in first.source and "%autoreload 2" in first.source


def test_autoreload_picks_up_an_edited_module_without_a_restart(tmp_path):
    # The promise of the notebooks' first cell, kept by a real kernel: edit a module between two cells.
    (tmp_path / "micrograd").mkdir()
    (tmp_path / "micrograd" / "__init__.py").write_text("")
    module = tmp_path / "micrograd" / "probe.py"
    module.write_text("ANSWER = 1\n")
    first = next(c for c in nbformat.read(SOURCES[0], as_version=4).cells if c.cell_type == "code")
    cells = [
        first.source,
        "from micrograd import probe\nbefore = probe.ANSWER",
        f"import pathlib, time\ntime.sleep(1.1)\npathlib.Path({str(module)!r}).write_text('ANSWER = 2\\n')",
        "print(before, probe.ANSWER)",
    ]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    (tmp_path / "notebooks").mkdir()
    path = tmp_path / "notebooks" / "reload.ipynb"
    nbformat.write(nb, path)
    out = execute(path)
    assert out.cells[3].outputs[0]["text"].strip() == "1 2"


def test_grade_ids_are_unique_across_every_notebook():
    # Duplicate grade_ids break nbgrader's batch grading.
    ids = [c.metadata.nbgrader["grade_id"] for path in SOURCES for c in nbgrader_cells(path)]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.name)
def test_source_notebook_finds_the_package_from_the_notebooks_folder_and_has_no_outputs(path):
    nb = nbformat.read(path, as_version=4)
    first = next(c for c in nb.cells if c.cell_type == "code")
    assert 'sys.path.insert(0, os.path.abspath(".."))' in first.source
    assert all(not c.outputs for c in nb.cells if c.cell_type == "code")


def test_nbgrader_validate_passes_on_every_source_notebook(validations):
    plain, _ = validations
    assert plain == []


def test_nbgrader_validate_invert_passes_on_every_released_notebook(validations):
    # Every test cell fails on the student version: the stubs alone make it fail (the reference is there).
    _, inverted = validations
    assert inverted == []


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.name)
def test_source_notebook_runs_top_to_bottom_on_the_reference(path, tmp_path):
    folder = student_layout(tmp_path, [path])
    nb = execute(folder / path.name)
    assert all(c.execution_count for c in nb.cells if c.cell_type == "code")


@pytest.mark.parametrize("path", RELEASED, ids=lambda p: p.name)
def test_released_notebook_is_stubbed_cleared_and_has_no_hidden_tests(path):
    text = path.read_text()
    assert not any(marker in text for marker in MARKERS)
    nb = nbformat.reads(text, as_version=4)
    assert all(not c.outputs and c.execution_count is None for c in nb.cells if c.cell_type == "code")
    for cell in nbgrader_cells(path):
        if cell.metadata.nbgrader["solution"]:
            assert "raise NotImplementedError()" in cell.source
        if cell.metadata.nbgrader["grade"]:
            assert cell.metadata.nbgrader["checksum"] and cell.metadata.get("editable") is False
    repo = path.parent.parent
    assert leaks(repo, (path.relative_to(repo).as_posix(),)) == []


def test_notebook_secrets_are_the_answers():
    secret = secret_lines()
    assert "return (f(x + h) - f(x - h)) / (2 * h)" in secret  # an answer
    assert "assert count_parameters(2, [16, 16, 1]) == 337" not in secret  # a visible self-check
    assert "import math" not in secret  # public elsewhere in the notebooks


def test_leak_check_finds_a_notebook_answer_in_a_released_notebook(tmp_path):
    (tmp_path / "notebooks").mkdir()
    cell = nbformat.v4.new_code_cell("def partials(a, b, c):\n    return c, c, a + b\n")
    nb = nbformat.v4.new_notebook(cells=[cell])
    (tmp_path / "notebooks" / "x.ipynb").write_text(json.dumps(nb))
    assert leaks(tmp_path, ("notebooks/x.ipynb",))


def test_notebooks_need_no_torch_to_run(tmp_path):
    # Students have no PyTorch: the comparison cell must say so and go on, not crash.
    cell = next(c for p in SOURCES for c in nbformat.read(p, as_version=4).cells if "import torch" in c.source)
    assert "except ImportError" in cell.source
    blocked = "import sys\nsys.modules['torch'] = None  # `import torch` now raises ImportError\n"
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(blocked), nbformat.v4.new_code_cell(cell.source)])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = tmp_path / "torchless.ipynb"
    nbformat.write(nb, path)
    out = execute(path)
    assert "PyTorch is not installed" in out.cells[1].outputs[0]["text"]
