"""The delivery bundles `make release` writes under `delivery/` (generated, not committed).

- `classroom/<assignment>/`: a GitHub Classroom template repository per
  assignment: the student repository plus `.github/workflows/classroom.yml`,
  which grades every push with the hidden grader and reports the points.
- `grader/`: the private grader repository that workflow checks out: the
  `autograder` package (hidden tests, reference modules) and its pinned
  requirements.
- `gradescope/<assignment>.zip`: a Gradescope autograder per assignment.

Everything is written from its sources with no timestamps (zip entries carry a
fixed date and fixed permissions, in sorted order), so two releases give
byte-identical files.
"""

from __future__ import annotations

import importlib.metadata
import io
import re
import shutil
import zipfile
from pathlib import Path

from packaging.markers import default_environment
from packaging.requirements import Requirement

from autograder.assignments import ASSIGNMENTS, Assignment
from coursekit.course import ASSIGNMENTS_DIR, AUTOGRADER_DIR, ROOT, SOLUTIONS
from coursekit.trees import write_tree
from coursekit.validate import MARKERS, solution_lines

DELIVERY_DIR = ROOT / "delivery"
WORKFLOW_PATH = ".github/workflows/classroom.yml"
PYTHON_VERSION = "3.11"
# The newest major version of each action (checked in their repositories: see the README's guide).
CHECKOUT = "actions/checkout@v7"
SETUP_PYTHON = "actions/setup-python@v7"
REPORTER = "classroom-resources/autograding-grading-reporter@v1"
# The reporter upper-cases this step id to find `<ID>_RESULTS`; it accepts letters and digits only.
GRADE_STEP = "autograder"
TORCH_CPU_INDEX = "https://download.pytorch.org/whl/cpu"
GRADER_NEEDS = ("torch", "pytest")
# Never part of a bundle: caches that running things in the tree leaves behind.
JUNK = {"__pycache__", ".pytest_cache", ".ipynb_checkpoints", ".hypothesis", ".ruff_cache"}
ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # the earliest date a zip entry can hold: no build time in the zip


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pinned_versions(requirements: Path = ROOT / "requirements.txt") -> dict[str, str]:
    """Every `name==version` pin of the kit's requirements: canonical name -> the pin as written."""
    pins = {}
    for line in requirements.read_text().splitlines():
        line = line.split("#")[0].strip()
        if "==" in line:
            pins[_canonical(line.split("==")[0])] = line
    return pins


def _dependencies(names: tuple[str, ...]) -> list[str]:
    """`names` and everything they need on the graders' platform (Linux, Python 3.11), from installed metadata."""
    target = {**default_environment(), "python_version": PYTHON_VERSION, "sys_platform": "linux", "extra": ""}
    seen: list[str] = []
    todo = [_canonical(n) for n in names]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.append(name)
        for text in importlib.metadata.requires(name) or []:
            req = Requirement(text)
            if req.marker is None or req.marker.evaluate(target):
                todo.append(_canonical(req.name))
    return sorted(seen)


def grader_requirements() -> str:
    """The grader's requirements file: torch (CPU build) and pytest, with what they need, pinned."""
    pins = pinned_versions()
    lines = [
        "# What the grader needs, pinned as in the course kit's requirements.txt (made by `make release`).",
        "# torch is the CPU build, from PyTorch's own index: a few hundred MB, where PyPI's Linux build",
        "# pulls in GBs of CUDA packages. pip finds the rest on PyPI.",
        f"--index-url {TORCH_CPU_INDEX}",
        "--extra-index-url https://pypi.org/simple",
    ]
    for name in _dependencies(GRADER_NEEDS):
        if name not in pins:
            continue  # not pinned by the kit (setuptools): pip picks a version that torch accepts
        pin = pins[name]
        lines.append(f"{pin}+cpu" if name == "torch" and "+" not in pin else pin)
    missing = [n for n in GRADER_NEEDS if _canonical(n) not in pins]
    if missing:
        raise ValueError(f"requirements.txt pins no version of {missing}: the grader's requirements need one")
    return "\n".join(lines) + "\n"


def grader_package(assignments: list[Assignment]) -> dict[str, bytes]:
    """The `autograder` package, holding only what grading `assignments` needs.

    Other assignments' hidden tests are left out, and so are the reference
    modules none of `assignments` runs on: they are solutions, and the engine
    assignment's grader carries no solution code at all.
    """
    names = {a.name for a in assignments}
    modules = {m for a in assignments for m in a.reference_modules}
    files = {}
    for path in sorted(AUTOGRADER_DIR.rglob("*")):
        relative = path.relative_to(AUTOGRADER_DIR)
        parts = relative.parts
        if not path.is_file() or JUNK & set(parts) or path.suffix == ".pyc":
            continue
        if parts[0] == "tests" and len(parts) > 2 and parts[1] in ASSIGNMENTS and parts[1] not in names:
            continue
        if parts[:2] == ("reference", "micrograd") and path.stem != "__init__" and path.stem not in modules:
            continue
        files[f"autograder/{relative.as_posix()}"] = path.read_bytes()
    return files


GRADER_README = """\
# micrograd course: the hidden grader, assignment @NUMBER@ (@NAME@)

The private grader repository of the course's GitHub Classroom assignments,
made by `make release` in the course kit (`delivery/grader/@NAME@/`): do not
edit it here, rebuild it. This tree is the branch `@NAME@`: every student
repository of that assignment checks it out in its workflow
(`.github/workflows/classroom.yml`), with the organisation's read-only
`GRADER_TOKEN`, and runs `python -m autograder grade <submission> --assignment @NAME@`.

What it holds, and why:

- `autograder/`: the grader (`python -m autograder`), with
  - `tests/@NAME@/`: the hidden tests of this assignment (why the repository is private);
  - `reference/micrograd/`: @REFERENCE@
- `requirements.txt`: what the grader needs, pinned: torch (the CPU build, from
  PyTorch's index) and pytest. `pip install -r requirements.txt`, Python 3.11.

A student who edits their workflow can read what it checks out, so each branch
holds only what its assignment needs: push the branch `@NAME@` when the
assignment opens, not before. The reference modules in it are the solutions of
earlier assignments, which have closed by then.
"""


def grader_repository(assignment: Assignment) -> dict[str, bytes]:
    """The branch `assignment.name` of the private grader repository: that assignment's grader only."""
    files = grader_package([assignment])
    modules = assignment.reference_modules
    reference = (
        "the reference modules this assignment's graded part runs on ("
        + ", ".join(f"`{m}.py`" for m in modules)
        + "), so that a bug in an earlier assignment costs points only there."
        if modules
        else "empty: this assignment runs on nothing but the student's own module."
    )
    readme = _fill(GRADER_README, {"NAME": assignment.name, "NUMBER": str(assignment.number), "REFERENCE": reference})
    files["README.md"] = readme.encode()
    files["requirements.txt"] = grader_requirements().encode()
    files[".gitignore"] = b"__pycache__/\n*.pyc\n"
    return files


WORKFLOW = r"""# GitHub Classroom autograding of assignment @NUMBER@ (@NAME@), made by `make release`
# (coursekit/bundles.py in the course kit). On every push it runs the course's hidden
# grader, kept in a private repository, on this repository and reports the points.
# Set up once, in the organisation (see the course kit's README):
#   variable GRADER_REPOSITORY: the grader repository, as owner/name;
#   secret GRADER_TOKEN: a fine-grained token that can read that repository.
name: Autograding Tests
on:
  push:
  repository_dispatch:
  workflow_dispatch:
permissions:
  checks: write
  actions: read
  contents: read
env:
  GRADER_REPOSITORY: ${{ vars.GRADER_REPOSITORY }}
jobs:
  run-autograding-tests:
    runs-on: ubuntu-latest
    if: github.actor != 'github-classroom[bot]'
    timeout-minutes: 20
    steps:
      - name: Check the course's settings
        env:
          GRADER_TOKEN: ${{ secrets.GRADER_TOKEN }}
        run: |
          if [ -z "$GRADER_REPOSITORY" ] || [ -z "$GRADER_TOKEN" ]; then
            echo "::error title=Autograding is not set up::The organisation needs the variable" \
              "GRADER_REPOSITORY and the secret GRADER_TOKEN: please tell your instructor."
            exit 1
          fi
      - name: Check out your code
        uses: @CHECKOUT@
        with:
          path: submission
          persist-credentials: false
      - name: Check out the grader
        uses: @CHECKOUT@
        with:
          repository: ${{ env.GRADER_REPOSITORY }}
          ref: @NAME@
          token: ${{ secrets.GRADER_TOKEN }}
          path: grader
          persist-credentials: false
      - name: Set up Python
        uses: @SETUP_PYTHON@
        with:
          python-version: "@PYTHON@"
          cache: pip
          cache-dependency-path: grader/requirements.txt
      - name: Install the grader's requirements (torch for CPU, pytest)
        run: python -m pip install -r grader/requirements.txt
      - name: Grade
        id: @STEP@
        working-directory: grader
        run: |
          python -m autograder grade "$GITHUB_WORKSPACE/submission" --assignment @NAME@ \
            --results "$RUNNER_TEMP/results.json" --quiet
          result=$(python -m autograder classroom-result "$RUNNER_TEMP/results.json" --summary "$GITHUB_STEP_SUMMARY")
          echo "result=$result" >> "$GITHUB_OUTPUT"
      - name: Autograding Reporter
        uses: @REPORTER@
        env:
          @STEP_UPPER@_RESULTS: ${{ steps.@STEP@.outputs.result }}
        with:
          runners: @STEP@
"""


def _fill(template: str, values: dict[str, str]) -> str:
    """`@KEY@` placeholders: `{}` and `$` belong to YAML expressions and shell scripts."""
    for key, value in values.items():
        template = template.replace(f"@{key}@", value)
    if re.search(r"@[A-Z_]+@", template):
        raise ValueError(f"unfilled placeholder: {re.search(r'@[A-Z_]+@', template).group()}")
    return template


def classroom_workflow(assignment: Assignment) -> str:
    """`.github/workflows/classroom.yml` of one assignment's template repository."""
    return _fill(
        WORKFLOW,
        {
            "NAME": assignment.name,
            "NUMBER": str(assignment.number),
            "CHECKOUT": CHECKOUT,
            "SETUP_PYTHON": SETUP_PYTHON,
            "REPORTER": REPORTER,
            "PYTHON": PYTHON_VERSION,
            "STEP": GRADE_STEP,
            "STEP_UPPER": GRADE_STEP.upper(),
        },
    )


def tree_bytes(root: Path) -> dict[str, bytes]:
    """Every file under `root` (caches left out): relative path -> bytes."""
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not JUNK & set(p.relative_to(root).parts) and p.suffix != ".pyc"
    }


def classroom_template(assignment: Assignment, assignments_dir: Path = ASSIGNMENTS_DIR) -> dict[str, bytes]:
    """A template repository: the released student repository, plus the Classroom workflow."""
    files = tree_bytes(assignments_dir / assignment.name)
    files[WORKFLOW_PATH] = classroom_workflow(assignment).encode()
    return files


SETUP_SH = r"""#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder's image (Ubuntu 22.04).
# The grader needs Python 3.11. The image's python3 (3.10) runs Gradescope's own harness, so
# it is left alone: the grader gets Ubuntu's python3.11 and a venv of its own.
set -euo pipefail
ROOT="${AUTOGRADER_ROOT:-/autograder}"
apt-get update
DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3.11 python3.11-venv
python3.11 -m venv "$ROOT/venv"
# torch is the CPU build, from PyTorch's index (see requirements.txt).
"$ROOT/venv/bin/python" -m pip install --no-cache-dir -r "$ROOT/source/requirements.txt"
# A missing piece fails the build here, not the first student's submission.
cd "$ROOT/source" && "$ROOT/venv/bin/python" -c "import torch, pytest, autograder.grade"
"""

RUN_AUTOGRADER = r"""#!/usr/bin/env bash
# Gradescope runs this for every submission of assignment @NUMBER@ (@NAME@): it grades
# /autograder/submission and writes /autograder/results/results.json. Made by `make release`
# (coursekit/bundles.py in the course kit). AUTOGRADER_ROOT replaces /autograder (for tests).
set -uo pipefail
ROOT="${AUTOGRADER_ROOT:-/autograder}"
RESULTS="$ROOT/results/results.json"
mkdir -p "$ROOT/results"

# A student who uploads files rather than their repository may send @MODULE@.py without its
# micrograd/ folder, or the repository inside a folder: grade what they meant.
SUBMISSION="$ROOT/submission"
if [ ! -f "$SUBMISSION/micrograd/@MODULE@.py" ]; then
  found=$(find "$SUBMISSION" -name @MODULE@.py -type f -not -path '*/.*' -printf '%d %p\n' 2>/dev/null \
    | sort -n | head -n 1 | cut -d' ' -f2-)
  if [ -n "$found" ] && [ "$(basename "$(dirname "$found")")" = micrograd ]; then
    SUBMISSION=$(dirname "$(dirname "$found")")
  elif [ -n "$found" ]; then
    SUBMISSION=$(mktemp -d)
    mkdir "$SUBMISSION/micrograd"
    cp "$(dirname "$found")"/*.py "$SUBMISSION/micrograd/"
  fi
fi

(cd "$ROOT/source" && "$ROOT/venv/bin/python" -m autograder grade "$SUBMISSION" --assignment @NAME@ \
  --results "$RESULTS")
status=$?
if [ "$status" -ne 0 ] || [ ! -s "$RESULTS" ]; then
  # The grader itself failed (not the student's code, which runs sandboxed): still leave results
  # that say so, rather than Gradescope's bare "the autograder failed to execute".
  message="The autograder could not grade this submission (it stopped with status $status)."
  message="$message This is not a problem with your code: please tell your instructor, who can regrade it."
  printf '{"score": 0, "output": "%s", "visibility": "visible", "stdout_visibility": "hidden", "tests": []}\n' \
    "$message" > "$RESULTS"
fi
exit 0
"""


def gradescope_files(assignment: Assignment) -> dict[str, bytes]:
    """The files of one assignment's Gradescope autograder zip."""
    values = {"NAME": assignment.name, "NUMBER": str(assignment.number), "MODULE": assignment.graded_module}
    files = grader_package([assignment])
    files["requirements.txt"] = grader_requirements().encode()
    files["setup.sh"] = SETUP_SH.encode()
    files["run_autograder"] = _fill(RUN_AUTOGRADER, values).encode()
    return files


EXECUTABLE = {"setup.sh", "run_autograder"}


def reproducible_zip(files: dict[str, bytes], executable: set[str] = EXECUTABLE) -> bytes:
    """A zip of `files`: sorted entries, a fixed date, fixed Unix permissions."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.create_system = 3  # Unix: unzip then honours the permissions below
            info.external_attr = (0o100755 if name in executable else 0o100644) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, files[name], compresslevel=9)
    return buffer.getvalue()


def solution_leaks(files: dict[str, bytes], allowed: set[str] = frozenset()) -> list[str]:
    """The files of a bundle, other than `allowed`, that hold something of solutions/.

    That is: a copy of one of its files, an nbgrader marker, or a solution line
    that the grader's own code never contains (`continue` or `loss.backward()`
    are in both, by design or by chance, and prove nothing).
    """
    grader_code = {
        line.strip()
        for p in AUTOGRADER_DIR.rglob("*.py")
        if "reference" not in p.relative_to(AUTOGRADER_DIR).parts
        for line in p.read_text().splitlines()
    }
    secret = set(solution_lines()) - grader_code
    copies = {p.read_bytes() for p in SOLUTIONS.rglob("*") if p.is_file() and not JUNK & set(p.parts)}
    found = []
    for path, data in sorted(files.items()):
        if path in allowed:
            continue
        text = data.decode(errors="replace")
        lines = {line.strip() for line in text.splitlines()}
        if data in copies or any(m in text for m in MARKERS) or lines & secret:
            found.append(path)
    return found


def write_bundles(delivery_dir: Path = DELIVERY_DIR, assignments_dir: Path = ASSIGNMENTS_DIR) -> None:
    """Write every bundle under `delivery_dir`, from the released `assignments_dir` and `autograder/`."""
    if delivery_dir.exists():
        shutil.rmtree(delivery_dir)
    assignments = sorted(ASSIGNMENTS.values(), key=lambda a: a.number)
    for a in assignments:
        write_tree(delivery_dir / "classroom" / a.name, classroom_template(a, assignments_dir))
    for a in assignments:
        write_tree(delivery_dir / "grader" / a.name, grader_repository(a))
    (delivery_dir / "gradescope").mkdir(parents=True)
    for a in assignments:
        (delivery_dir / "gradescope" / f"{a.name}.zip").write_bytes(reproducible_zip(gradescope_files(a)))
