"""The public tests teach: each common mistake, made in the reference, fails at least one of them.

Every mistake is a small edit of a solution region of `solutions/micrograd/`
(the ones that cost students the most points). The edited package runs against
the released public tests of its assignment, as a student's would.
"""

import shutil
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pytest

from coursekit.course import ASSIGNMENTS_DIR, SOLUTION_PACKAGE
from coursekit.validate import run_public_tests


@dataclass(frozen=True)
class Mistake:
    assignment: str
    module: str
    old: str
    new: str
    label: str


MISTAKES = [
    # engine: the chain rule without `* out.grad`
    Mistake(
        "engine",
        "engine",
        "self.grad += out.grad\n            other.grad += out.grad",
        "self.grad += 1.0\n            other.grad += 1.0",
        "add: no * out.grad",
    ),
    Mistake(
        "engine",
        "engine",
        "self.grad += other.data * out.grad\n            other.grad += self.data * out.grad",
        "self.grad += other.data\n            other.grad += self.data",
        "mul: no * out.grad",
    ),
    Mistake(
        "engine",
        "engine",
        "self.grad += other * self.data ** (other - 1) * out.grad",
        "self.grad += other * self.data ** (other - 1)",
        "pow: no * out.grad",
    ),
    Mistake("engine", "engine", "self.grad += out.data * out.grad", "self.grad += out.data", "exp: no * out.grad"),
    Mistake(
        "engine",
        "engine",
        "self.grad += (1 - out.data**2) * out.grad",
        "self.grad += 1 - out.data**2",
        "tanh: no * out.grad",
    ),
    Mistake(
        "engine",
        "engine",
        "self.grad += (1.0 if out.data > 0 else 0.0) * out.grad",
        "self.grad += 1.0 if out.data > 0 else 0.0",
        "relu: no * out.grad",
    ),
    # engine: `=` for `+=`
    Mistake(
        "engine",
        "engine",
        "self.grad += out.grad\n            other.grad += out.grad",
        "self.grad = out.grad\n            other.grad = out.grad",
        "add: = for +=",
    ),
    Mistake(
        "engine",
        "engine",
        "self.grad += other.data * out.grad\n            other.grad += self.data * out.grad",
        "self.grad = other.data * out.grad\n            other.grad = self.data * out.grad",
        "mul: = for +=",
    ),
    Mistake("engine", "engine", "self.grad += other * self.data", "self.grad = other * self.data", "pow: = for +="),
    Mistake("engine", "engine", "self.grad += out.data * out.grad", "self.grad = out.data * out.grad", "exp: = for +="),
    Mistake("engine", "engine", "self.grad += (1 - out.data**2)", "self.grad = (1 - out.data**2)", "tanh: = for +="),
    Mistake("engine", "engine", "self.grad += (1.0 if", "self.grad = (1.0 if", "relu: = for +="),
    # engine: other derivatives and backpropagation itself
    Mistake(
        "engine",
        "engine",
        "(1 - out.data**2) * out.grad",
        "(1 - self.data**2) * out.grad",
        "tanh: derivative at the input",
    ),
    Mistake("engine", "engine", "reversed(topological_sort(self))", "topological_sort(self)", "backward: no reversed"),
    Mistake(
        "engine", "engine", "        self.grad = 1.0\n        for node", "        for node", "backward: no seed of 1"
    ),
    Mistake(
        "engine",
        "engine",
        "        if id(node) in visited:\n            continue\n        visited.add(id(node))\n",
        "",
        "topological_sort: no visited set",
    ),
    # nn
    Mistake("nn", "nn", "zip(self.w, x)), self.b)", "zip(self.w, x)), Value(0.0))", "Neuron: bias left out of the sum"),
    Mistake("nn", "nn", "return self.w + [self.b]", "return self.w", "Neuron: bias left out of parameters()"),
    Mistake(
        "nn",
        "nn",
        "return self.w + [self.b]",
        "return [Value(p.data) for p in self.w + [self.b]]",
        "Neuron: parameters() as copies",
    ),
    Mistake("nn", "nn", "return act.tanh() if self.nonlin else act", "return act.tanh()", "Neuron: tanh when linear"),
    Mistake("nn", "nn", "return outs[0] if len(outs) == 1 else outs", "return outs", "Layer: a list for one neuron"),
    Mistake(
        "nn",
        "nn",
        "return [p for layer in self.layers for p in layer.parameters()]",
        "return self.layers[-1].parameters()",
        "MLP: parameters() of the last layer only",
    ),
    Mistake("nn", "nn", "            p.grad = 0.0", "            p.data = 0.0", "zero_grad: clears data, not grad"),
    # train
    Mistake(
        "train",
        "train",
        "sum(errors, Value(0.0)) * (1.0 / len(errors))",
        "sum(errors, Value(0.0))",
        "mse_loss: sum for mean",
    ),
    Mistake("train", "train", "p.data -= lr * p.grad", "p.data += lr * p.grad", "sgd_step: uphill"),
    Mistake("train", "train", "        model.zero_grad()\n", "", "train: no zero_grad"),
    Mistake("train", "train", "losses.append(float(loss.data))", "losses.append(loss)", "train: losses as Values"),
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


@pytest.mark.parametrize("mistake", MISTAKES, ids=lambda m: m.label)
def test_the_public_tests_catch_the_mistake(mistake, runs):
    run = runs[mistake]
    assert run.passed, f"no public test ran:\n{run.output}"
    assert run.failed, f"every public test passes with the mistake {mistake.label!r}"


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
