"""The public tests teach: each common mistake, made in the reference, fails them with the right hint.

Every mistake is a small edit of a solution region of `solutions/micrograd/`
(the ones that cost students the most points). The edited package runs against
the released public tests of its assignment, as a student's would. A public test
adds a `Hint:` line only when the student's numbers are exactly a mistake's: each
mistake must get its own hint (every `Hint:` line names it), or, where the public
tests cannot tell it apart, no hint at all; correct alternatives pass.
"""

import ast
import re
import shutil
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pytest

from coursekit.course import ASSIGNMENTS_DIR, SOLUTION_PACKAGE, SOLUTIONS
from coursekit.stubs import solution_regions
from coursekit.validate import run_public_tests


@dataclass(frozen=True)
class Mistake:
    assignment: str
    module: str
    old: str
    new: str
    label: str
    hint: str | None = None  # what every `Hint:` line says (None: no hint may appear)


CHAIN = "forgets `* out.grad`"
ASSIGNS = "where it must add `self.grad += ...`"


MISTAKES = [
    # engine: the chain rule without `* out.grad`
    Mistake(
        "engine",
        "engine",
        "self.grad += out.grad\n            other.grad += out.grad",
        "self.grad += 1.0\n            other.grad += 1.0",
        "add: no * out.grad",
        hint=CHAIN,
    ),
    Mistake(
        "engine",
        "engine",
        "self.grad += other.data * out.grad\n            other.grad += self.data * out.grad",
        "self.grad += other.data\n            other.grad += self.data",
        "mul: no * out.grad",
        hint=CHAIN,
    ),
    Mistake(
        "engine",
        "engine",
        "self.grad += other * self.data ** (other - 1) * out.grad",
        "self.grad += other * self.data ** (other - 1)",
        "pow: no * out.grad",
        hint=CHAIN,
    ),
    Mistake(
        "engine",
        "engine",
        "self.grad += out.data * out.grad",
        "self.grad += out.data",
        "exp: no * out.grad",
        hint=CHAIN,
    ),
    Mistake(
        "engine",
        "engine",
        "self.grad += (1 - out.data**2) * out.grad",
        "self.grad += 1 - out.data**2",
        "tanh: no * out.grad",
        hint=CHAIN,
    ),
    Mistake(
        "engine",
        "engine",
        "self.grad += (1.0 if out.data > 0 else 0.0) * out.grad",
        "self.grad += 1.0 if out.data > 0 else 0.0",
        "relu: no * out.grad",
        hint=CHAIN,
    ),
    # engine: `=` for `+=`
    Mistake(
        "engine",
        "engine",
        "self.grad += out.grad\n            other.grad += out.grad",
        "self.grad = out.grad\n            other.grad = out.grad",
        "add: = for +=",
        hint=ASSIGNS,
    ),
    Mistake(
        "engine",
        "engine",
        "self.grad += other.data * out.grad\n            other.grad += self.data * out.grad",
        "self.grad = other.data * out.grad\n            other.grad = self.data * out.grad",
        "mul: = for +=",
        hint=ASSIGNS,
    ),
    Mistake(
        "engine",
        "engine",
        "self.grad += other * self.data",
        "self.grad = other * self.data",
        "pow: = for +=",
        hint=ASSIGNS,
    ),
    Mistake(
        "engine",
        "engine",
        "self.grad += out.data * out.grad",
        "self.grad = out.data * out.grad",
        "exp: = for +=",
        hint=ASSIGNS,
    ),
    Mistake(
        "engine",
        "engine",
        "self.grad += (1 - out.data**2)",
        "self.grad = (1 - out.data**2)",
        "tanh: = for +=",
        hint=ASSIGNS,
    ),
    Mistake("engine", "engine", "self.grad += (1.0 if", "self.grad = (1.0 if", "relu: = for +=", hint=ASSIGNS),
    # engine: other derivatives and backpropagation itself
    Mistake(
        "engine",
        "engine",
        "(1 - out.data**2) * out.grad",
        "(1 - self.data**2) * out.grad",
        "tanh: derivative at the input",
        hint="`1 - self.data**2`",
    ),
    Mistake(
        "engine",
        "engine",
        "reversed(topological_sort(self))",
        "topological_sort(self)",
        "backward: no reversed",
        hint="reversed(topological_sort(self))",
    ),
    Mistake(
        "engine",
        "engine",
        "        self.grad = 1.0\n        for node",
        "        for node",
        "backward: no seed of 1",
        hint="set its own grad to 1",
    ),
    Mistake(
        "engine",
        "engine",
        "        if id(node) in visited:\n            continue\n        visited.add(id(node))\n",
        "",
        "topological_sort: no visited set",
        hint="keep a set of visited nodes",
    ),
    # nn
    Mistake(
        "nn",
        "nn",
        "zip(self.w, x)), self.b)",
        "zip(self.w, x)), Value(0.0))",
        "Neuron: bias left out of the sum",
        hint="add the bias `b` to the weighted sum",
    ),
    Mistake(
        "nn",
        "nn",
        "return self.w + [self.b]",
        "return self.w",
        "Neuron: bias left out of parameters()",
        hint="return `self.w + [self.b]`",
    ),
    Mistake(
        "nn",
        "nn",
        "return self.w + [self.b]",
        "return [Value(p.data) for p in self.w + [self.b]]",
        "Neuron: parameters() as copies",
        hint="these are copies",
    ),
    Mistake(
        "nn",
        "nn",
        "return act.tanh() if self.nonlin else act",
        "return act.tanh()",
        "Neuron: tanh when linear",
        hint="with nonlin=False, return w.x + b itself",
    ),
    Mistake(
        "nn",
        "nn",
        "return outs[0] if len(outs) == 1 else outs",
        "return outs",
        "Layer: a list for one neuron",
        hint="return `outs[0]`",
    ),
    Mistake(
        "nn",
        "nn",
        "return [p for layer in self.layers for p in layer.parameters()]",
        "return self.layers[-1].parameters()",
        "MLP: parameters() of the last layer only",
        hint="not only of the last one",
    ),
    Mistake(
        "nn",
        "nn",
        "            p.grad = 0.0",
        "            p.data = 0.0",
        "zero_grad: clears data, not grad",
        hint="write `p.grad = 0.0`",
    ),
    # train
    Mistake(
        "train",
        "train",
        "sum(errors, Value(0.0)) * (1.0 / len(errors))",
        "sum(errors, Value(0.0))",
        "mse_loss: sum for mean",
        hint="the *sum* of the squared errors",
    ),
    Mistake(
        "train",
        "train",
        "p.data -= lr * p.grad",
        "p.data += lr * p.grad",
        "sgd_step: uphill",
        hint="a step *up* the gradient",
    ),
    Mistake(
        "train",
        "train",
        "        model.zero_grad()\n",
        "",
        "train: no zero_grad",
        hint="call model.zero_grad() before loss.backward()",
    ),
    Mistake(
        "train",
        "train",
        "losses.append(float(loss.data))",
        "losses.append(loss)",
        "train: losses as Values",
        hint="record `loss.data`",
    ),
    # mistakes students make that the first catalogue had not
    Mistake(
        "engine",
        "engine",
        "self.grad += (1 - out.data**2) * out.grad",
        "self.grad += (1 - out.data) * out.grad",
        "tanh: 1 - t",
        hint="`1 - t`",
    ),
    Mistake(
        "engine",
        "engine",
        "self.grad += other.data * out.grad\n            other.grad += self.data * out.grad",
        "self.grad += self.data * out.grad\n            other.grad += other.data * out.grad",
        "mul: own data for the other's",
        hint="its own input's data",
    ),
    Mistake(
        "engine",
        "engine",
        "self.grad += other * self.data ** (other - 1) * out.grad",
        "self.grad += self.data ** (other - 1) * out.grad",
        "pow: no factor n",
        hint="without `n *`",
    ),
    Mistake(
        "engine",
        "engine",
        "self.grad += out.data * out.grad",
        "self.grad += self.data * out.grad",
        "exp: derivative x",
        hint="e^x is `out.data`",
    ),
    Mistake(
        "nn",
        "nn",
        "return act.tanh() if self.nonlin else act",
        "return act if self.nonlin else act.tanh()",
        "Neuron: nonlin inverted",
        hint="tanh",
    ),
    Mistake(
        "train",
        "train",
        "* (1.0 / len(errors))",
        "* (1.0 / (len(errors) - 1))",
        "mse_loss: divides by n - 1",
        hint="division by n - 1",
    ),
    Mistake("train", "train", "p.data -= lr * p.grad", "p.data -= p.grad", "sgd_step: no lr", hint="without `lr`"),
]


def apply(mistake: Mistake, root):
    package = root / "micrograd"
    shutil.copytree(SOLUTION_PACKAGE, package, ignore=shutil.ignore_patterns("__pycache__"))
    path = package / f"{mistake.module}.py"
    source = path.read_text()
    assert source.count(mistake.old) == 1, f"{mistake.label}: the reference no longer has {mistake.old!r}"
    path.write_text(source.replace(mistake.old, mistake.new))
    return package


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Each mistake's public-test run, two at a time (each is a pytest subprocess)."""

    def run(mistake):
        package = apply(mistake, tmp_path_factory.mktemp("mistake"))
        return run_public_tests(ASSIGNMENTS_DIR / mistake.assignment, package=package)

    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(zip(MISTAKES, pool.map(run, MISTAKES)))


def hints(output: str) -> set[str]:
    """The `Hint:` lines of a pytest run (each failing test prints its message once, in full)."""
    return set(re.findall(r"^Hint: (.*)$", output, flags=re.MULTILINE))


@pytest.mark.parametrize("mistake", MISTAKES, ids=lambda m: m.label)
def test_the_public_tests_catch_the_mistake(mistake, runs):
    run = runs[mistake]
    assert run.passed, f"no public test ran:\n{run.output}"
    assert run.failed, f"every public test passes with the mistake {mistake.label!r}"


@pytest.mark.parametrize("mistake", MISTAKES, ids=lambda m: m.label)
def test_the_public_tests_name_the_right_mistake_or_none(mistake, runs):
    run = runs[mistake]
    said = hints(run.output)
    if mistake.hint is None:
        assert not said, f"{mistake.label}: hints where none may appear: {said}"
    else:
        assert said, f"{mistake.label}: no hint, expected one saying {mistake.hint!r}:\n{run.output}"
        wrong = {h for h in said if mistake.hint not in h}
        assert not wrong, f"{mistake.label}: hints that name another mistake: {wrong}"


def test_every_failure_says_what_was_expected_and_got(runs):
    # No bare `assert a == b`: every failing test's message says what it expected and what it got.
    for mistake, run in runs.items():
        bare = "AssertionError" in run.output or re.search(r"^E\s+assert ", run.output, flags=re.MULTILINE)
        assert not bare, (mistake.label, run.output)


# The reference's iterative topological sort, to be replaced by a recursive one.
TOPOLOGICAL_SORT = "".join(
    line + "\n"
    for region in solution_regions((SOLUTION_PACKAGE / "engine.py").read_text())
    if region.function == "topological_sort"
    for line in region.lines
)

# Correct code written another way: every public test passes, and no hint appears.
ALTERNATIVES = [
    Mistake("engine", "engine", "self.grad += out.grad\n", "self.grad = self.grad + out.grad\n", "add: grad = grad +"),
    Mistake(
        "engine",
        "engine",
        "self.grad += (1 - out.data**2) * out.grad",
        "self.grad += (1 - math.tanh(self.data) ** 2) * out.grad",
        "tanh: 1 - tanh(x)**2",
    ),
    Mistake(
        "engine",
        "engine",
        TOPOLOGICAL_SORT,
        "    order, seen = [], set()\n\n"
        "    def visit(v):\n"
        "        if id(v) not in seen:\n"
        "            seen.add(id(v))\n"
        "            for child in v._prev:\n"
        "                visit(child)\n"
        "            order.append(v)\n\n"
        "    visit(root)\n"
        "    return order\n",
        "topological_sort: recursive",
    ),
    Mistake(
        "train",
        "train",
        "sum(errors, Value(0.0)) * (1.0 / len(errors))",
        "sum(errors, Value(0.0)) / len(errors)",
        "mse_loss: / len",
    ),
]


@pytest.mark.parametrize("alternative", ALTERNATIVES, ids=lambda m: m.label)
def test_correct_alternatives_pass_without_a_hint(alternative, tmp_path):
    run = run_public_tests(ASSIGNMENTS_DIR / alternative.assignment, package=apply(alternative, tmp_path))
    assert run.passed and not run.failed, run.output
    assert not hints(run.output)


def test_the_mistakes_cover_the_list_of_the_issue():
    labels = " | ".join(m.label for m in MISTAKES)
    for needed in (
        "no * out.grad",
        "= for +=",
        "no reversed",
        "no visited set",
        "bias left out",
        "sum for mean",
        "no zero_grad",
    ):
        assert needed in labels, needed


def test_no_public_test_has_a_bare_assert():
    # A bare `assert x == y` tells a student neither the inputs nor which mistake: every check says both.
    for path in sorted((SOLUTIONS / "public_tests").glob("test_*.py")):
        asserts = [node.lineno for node in ast.walk(ast.parse(path.read_text())) if isinstance(node, ast.Assert)]
        assert asserts == [], f"{path.name}: bare assert on lines {asserts}"
