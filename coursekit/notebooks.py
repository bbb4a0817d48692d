"""The lecture notebooks: nbgrader's own `generate_assignment` makes the student versions.

`solutions/notebooks/<assignment>/*.ipynb` are nbgrader *source* notebooks:
exploration of the student's `micrograd` package, plus a few small exercises
(solution cells), each followed by a visible self-check (a locked test cell
worth 0 points: nothing grades the notebooks, and none of their checks is
hidden). The release copies them into a throw-away nbgrader course directory,
runs `generate_assignment` there (through nbgrader's Python API: one import for
every assignment instead of a process each), and puts the student versions
(outputs cleared, solutions stubbed, self-checks locked and checksummed) into
`assignments/<assignment>/notebooks/`.

Students run the notebooks from their repository's `notebooks/` folder, whose
parent holds `micrograd/`: `student_layout` builds that layout around any
`micrograd` package, so the same notebooks also run on the reference.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

from coursekit import cache
from coursekit.course import SOLUTION_PACKAGE, SOLUTIONS, STUDENT_REPOS
from coursekit.stubs import without_iri_format_checker

NOTEBOOKS_DIR = SOLUTIONS / "notebooks"
BIN = Path(sys.executable).parent
SKIP_TAG = "skip-execution"  # nbclient's own tag for cells it must not run

# Markers that open and close the regions students never see.
SECRET_REGIONS = {
    "### BEGIN SOLUTION": "### END SOLUTION",
    "### BEGIN HIDDEN TESTS": "### END HIDDEN TESTS",
}


def source_notebooks(assignment: str) -> list[Path]:
    """The nbgrader source notebooks of one assignment, in order."""
    return sorted((NOTEBOOKS_DIR / assignment).glob("*.ipynb"))


@contextlib.contextmanager
def _venv_on_path() -> Iterator[None]:
    # generate_assignment shells out to `alembic` (the gradebook's migrations),
    # a tool of this interpreter's venv, which may not be on PATH.
    old = os.environ.get("PATH", "")
    os.environ["PATH"] = f"{BIN}{os.pathsep}{old}"
    try:
        yield
    finally:
        os.environ["PATH"] = old


def normalise(text: str) -> str:
    """A released notebook in a canonical form, so that two releases are byte-identical.

    nbgrader already clears outputs; this also drops what a Jupyter session
    leaves in a source notebook (execution timings, the interpreter version),
    gives every cell a stable id and writes the JSON with sorted keys.
    """
    import nbformat

    nb = nbformat.reads(text, as_version=4)
    nb.metadata = {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    }
    for i, cell in enumerate(nb.cells):
        cell.metadata.pop("execution", None)
        cell.setdefault("id", f"cell-{i}")
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    nb.nbformat, nb.nbformat_minor = 4, 5
    return nbformat.writes(nb) + "\n"


def generate_assignments(assignments: list[str] | None = None) -> dict[str, dict[str, str]]:
    """Run nbgrader's `generate_assignment` on the source notebooks of each assignment.

    Returns assignment -> {"notebooks/<name>.ipynb": the student version}. An
    assignment whose source notebooks, nbgrader and this module are unchanged
    since a release made them is taken from the release's cache
    (`coursekit/cache.py`); nbgrader runs (and is imported) only for the others.
    """
    names = assignments if assignments is not None else [r.name for r in STUDENT_REPOS]
    keys = {name: _notebooks_key(name) for name in names}
    made: dict[str, dict[str, str]] = {}

    def make(name: str) -> dict[str, str]:
        if name not in made:  # the first miss runs nbgrader once, for every assignment not in the cache
            missing = [n for n in names if n not in made and (n == name or not cache.has("notebooks", keys[n]))]
            made.update(_generate(missing))
        return made[name]

    return {name: cache.cached("notebooks", keys[name], lambda name=name: make(name)) for name in names}


def _notebooks_key(assignment: str) -> str:
    return cache.key(
        cache.code_of(__file__), *(part for nb in source_notebooks(assignment) for part in (nb.name, nb.read_bytes()))
    )


def _generate(names: list[str]) -> dict[str, dict[str, str]]:
    """`generate_assignment` for each of `names`, in a throw-away nbgrader course directory.

    The course directory (and its gradebook, which is where nbgrader keeps the
    hidden tests) lives in a temporary folder and is thrown away.
    """
    without_iri_format_checker()
    from nbgrader.apps import NbGraderAPI
    from traitlets.config import Config

    released: dict[str, dict[str, str]] = {}
    with tempfile.TemporaryDirectory(prefix="nbgrader-course-") as tmp, _venv_on_path():
        course = Path(tmp)
        config = Config()
        config.CourseDirectory.root = str(course)
        api = NbGraderAPI(config=config)
        for name in names:
            sources = source_notebooks(name)
            if not sources:
                released[name] = {}
                continue
            (course / "source" / name).mkdir(parents=True)
            for nb in sources:
                shutil.copyfile(nb, course / "source" / name / nb.name)
            result = api.generate_assignment(name, force=True, create=True)
            if not result["success"]:
                raise RuntimeError(f"nbgrader generate_assignment {name} failed:\n{result['log']}")
            out = course / "release" / name
            released[name] = {f"notebooks/{nb.name}": normalise((out / nb.name).read_text()) for nb in sources}
    return released


def cell_sources(text: str) -> list[str]:
    """The source of every cell of a notebook (JSON text)."""
    nb = json.loads(text)
    if nb.get("nbformat") != 4:  # an older format: nbformat upgrades it (importing nbformat takes seconds)
        import nbformat

        return [cell.source for cell in nbformat.reads(text, as_version=4).cells]
    # nbformat 4 keeps a source as one string or as a list of lines, which nbformat joins.
    return [src if isinstance(src, str) else "".join(src) for src in (cell["source"] for cell in nb["cells"])]


def secret_lines() -> dict[str, str]:
    """Every line of a solution or hidden-test region of the source notebooks -> where it is.

    A line that also appears outside such regions (`import math`, a blank
    `return`) is public by design and left out.
    """
    secret: dict[str, str] = {}
    public: set[str] = set()
    for path in sorted(NOTEBOOKS_DIR.rglob("*.ipynb")):
        for number, source in enumerate(cell_sources(path.read_text()), start=1):
            end = None
            for line in source.splitlines():
                code = line.strip()
                if end is None and code in SECRET_REGIONS:
                    end = SECRET_REGIONS[code]
                elif code == end:
                    end = None
                elif end is not None:
                    if code and not code.startswith("#"):
                        secret[code] = f"{path.relative_to(NOTEBOOKS_DIR)}: cell {number}"
                else:
                    public.add(code)
    return {line: where for line, where in secret.items() if line not in public}


def student_layout(root: Path, notebooks: list[Path], package: Path = SOLUTION_PACKAGE) -> Path:
    """Lay out `root` as a student repository: `micrograd/` from `package`, and `notebooks/`.

    Returns the `notebooks/` folder: the notebooks' first cell puts its parent
    on `sys.path`, so they import this `micrograd`.
    """
    shutil.copytree(package, root / "micrograd", ignore=shutil.ignore_patterns("__pycache__"))
    folder = root / "notebooks"
    folder.mkdir(parents=True)
    for nb in notebooks:
        shutil.copyfile(nb, folder / nb.name)
    return folder


def is_exercise(cell: dict) -> bool:
    """Whether a cell is an nbgrader solution (answer) or grade (test) cell."""
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return bool(meta.get("solution") or meta.get("grade"))


# How long a kernel may take to start: on a busy 2-core CI machine it can pass nbclient's default of 60 s.
KERNEL_STARTUP_SECONDS = 300


def execute(path: Path, skip_exercises: bool = False, timeout: int = 120) -> dict:
    """Run a notebook top to bottom with a real kernel (nbclient), in its own folder.

    With `skip_exercises`, answer and test cells are not run (they stay as the
    student gets them: stubs, no output); every other cell must run without an
    error. Returns the executed notebook; raises on the first error.
    """
    import nbclient
    import nbformat
    from traitlets.config import Config

    nb = nbformat.read(path, as_version=4)
    skipped = [c for c in nb.cells if skip_exercises and c.cell_type == "code" and is_exercise(c)]
    for cell in skipped:
        cell.metadata.setdefault("tags", []).append(SKIP_TAG)
    client = nbclient.NotebookClient(
        nb,
        # CurveZMQ keys for the kernel's sockets: without them ipykernel warns about plain TCP.
        # (Configured, not passed as `km=`: nbclient shuts down only the kernels it made.)
        config=Config({"KernelManager": {"transport_encryption": "auto"}}),
        timeout=timeout,
        startup_timeout=KERNEL_STARTUP_SECONDS,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
        skip_cells_with_tag=SKIP_TAG,
    )
    with _venv_on_path():  # graphviz's `dot` and the venv's tools, as in a student's shell
        client.execute()
    for cell in skipped:
        cell.metadata.tags.remove(SKIP_TAG)
        if not cell.metadata.tags:
            del cell.metadata["tags"]
    return nb


def nbgrader_validate(paths: list[Path], invert: bool = False) -> list[str]:
    """Run the real `nbgrader validate [--invert]` on notebooks; return its complaints.

    nbgrader prints a verdict per notebook and exits 0 either way, so the
    verdicts are read: "Success!" once per notebook, or the whole output is
    returned as the problem.
    """
    if not paths:
        return []
    if invert:
        # The self-checks are worth 0 points (nothing grades the notebooks), and nbgrader's --invert counts
        # a failing 0-point cell as passed (score 0 == maximum 0). So it judges copies whose self-checks
        # are worth 1 point each, checksums renewed: the verdict is then whether every one of them fails.
        copies = [path.with_name(f"invert-{path.name}") for path in paths]
        for path, copy in zip(paths, copies):
            copy.write_text(_one_point_per_check(path.read_text()))
        try:
            return [p.replace("invert-", "") for p in nbgrader_validate_as_is(copies, invert=True)]
        finally:
            for copy in copies:
                copy.unlink()
    return nbgrader_validate_as_is(paths)


def _one_point_per_check(text: str) -> str:
    import nbformat
    from nbgrader.utils import compute_checksum, is_grade

    nb = nbformat.reads(text, as_version=4)
    for cell in nb.cells:
        if is_grade(cell):
            cell.metadata.nbgrader["points"] = 1
            cell.metadata.nbgrader["checksum"] = compute_checksum(cell)
    return nbformat.writes(nb)


def nbgrader_validate_as_is(paths: list[Path], invert: bool = False) -> list[str]:
    """`nbgrader validate [--invert]` on the notebooks exactly as they are; its complaints."""
    with tempfile.TemporaryDirectory(prefix="nbgrader-validate-") as tmp:
        proc = subprocess.run(
            [
                str(BIN / "nbgrader"),
                "validate",
                *(["--invert"] if invert else []),
                "--KernelManager.transport_encryption=auto",  # as in `execute`: no plain-TCP warning
                f"--ExecutePreprocessor.startup_timeout={KERNEL_STARTUP_SECONDS}",
                *map(str, paths),
            ],
            cwd=tmp,  # nbgrader looks for a config file and writes its log in the working directory
            capture_output=True,
            text=True,
            env={**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"},
            timeout=600,
        )
    verdict = "Success! The notebook does not pass any tests." if invert else "Success! Your notebook passes"
    if proc.returncode != 0 or proc.stdout.count(verdict) != len(paths):
        return [
            f"nbgrader validate{' --invert' if invert else ''} on {len(paths)} notebooks:\n{proc.stdout}{proc.stderr}"
        ]
    return []
