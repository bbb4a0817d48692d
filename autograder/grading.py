"""What a hidden test is made of: its points, what it asks the sandbox, and its feedback.

A hidden test is a pytest function decorated with `@graded(points, asks)`.
`asks` are computed by the student's code in the sandbox before the tests
run; the test receives the answers (fixture `answers`) and judges them here,
in the grader's process, against torch or the contract's properties. Failures
say what was computed, on which inputs, what was expected and what came back.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest

from autograder.programs import Program
from autograder.sandbox.runner import Outcome

REL_TOL = 1e-6
ABS_TOL = 1e-9
MAX_MESSAGES = 4


@dataclass(frozen=True)
class Ask:
    """One computation for the sandbox: a probe kind, its JSON spec, and the program behind it."""

    kind: str
    spec: dict = field(hash=False)
    program: Program | None = None
    label: str = ""  # how the feedback names it when there is no program


def expr(program: Program) -> Ask:
    return Ask("expr", program.spec(), program)


def topo(program: Program) -> Ask:
    return Ask("topo", program.spec(), program)


@dataclass(frozen=True)
class Graded:
    points: int
    asks: tuple[Ask, ...]
    hidden: bool


def graded(points: int, asks: list[Ask], hidden: bool = False) -> Callable:
    """Declare a hidden test's points and what it asks the sandbox to compute.

    `hidden=True` marks a test whose inputs and feedback students see only
    after grades are published.
    """

    def declare(fn: Callable) -> Callable:
        fn.graded = Graded(points, tuple(asks), hidden)
        return fn

    return declare


Answers = list[tuple[Ask, Outcome]]


def fmt(x: object) -> str:
    if isinstance(x, float):
        text = repr(x)
        return text if len(text) <= 12 else f"{x:.8g}"
    if isinstance(x, list):
        return "[" + ", ".join(fmt(v) for v in x) + "]"
    return repr(x)


def close(got: object, expected: float) -> bool:
    return (
        isinstance(got, (int, float))
        and not isinstance(got, bool)
        and math.isclose(float(got), expected, rel_tol=REL_TOL, abs_tol=ABS_TOL)
    )


class Feedback:
    """Collects what is wrong; `finish()` fails the test with those messages."""

    def __init__(self) -> None:
        self.messages: list[str] = []

    def add(self, message: str) -> None:
        self.messages.append(message)

    def value(self, what: str, got: object, expected: float) -> bool:
        if close(got, expected):
            return True
        self.add(f"{what} should be {fmt(expected)}, got {fmt(got)}")
        return False

    def ok(self, ask: Ask, outcome: Outcome) -> bool:
        """False (and a message) when the sandbox could not compute this ask."""
        if outcome.ok:
            return True
        if outcome.whole_part:  # said once: it is not about this input
            if outcome.error not in self.messages:
                self.add(outcome.error)
            return False
        where = ask.program.describe() if ask.program else ask.label
        self.add(f"{where}: {outcome.error}")
        return False

    def finish(self) -> None:
        if self.messages:
            shown = self.messages[:MAX_MESSAGES]
            more = len(self.messages) - len(shown)
            if more:
                shown.append(f"... and {more} more")
            pytest.fail("\n".join(shown), pytrace=False)


def check_against_torch(answers: Answers, compare_grads: bool = True) -> None:
    """Every node's data, and every grad after backward(), must match torch in float64."""
    from autograder import expected

    feedback = Feedback()
    for ask, outcome in answers:
        if not feedback.ok(ask, outcome):
            continue
        program, got = ask.program, outcome.value
        want = expected.evaluate(program)
        wrong_data = False
        for name, _, _ in program.steps:
            forward = f"`{program.formula(name)}` with {program.inputs()}"
            wrong_data |= not feedback.value(forward, got["data"].get(name), want["data"][name])
        if wrong_data or not compare_grads or not program.backward:
            continue
        for name in [n for n, _ in program.leaves] + [n for n, _, _ in program.steps]:
            node = name if name in dict(program.leaves) else f"`{program.formula(name)}`"
            feedback.value(f"{program.describe()}: {node}.grad", got["grad"].get(name), want["grad"][name])
    feedback.finish()


def check_topological_order(answers: Answers) -> None:
    """Every reachable node exactly once, each after its inputs, the root last; any such order."""
    feedback = Feedback()
    for ask, outcome in answers:
        if not feedback.ok(ask, outcome):
            continue
        program, order = ask.program, outcome.value
        what = f"topological_sort({program.root}) on {describe_graph(program)}"
        if not isinstance(order, list):
            feedback.add(f"{what} should return a list, got {fmt(order)}")
            continue
        edges = program.edges()
        strangers = [n for n in order if n not in edges]
        reachable = program.reachable()
        counts = Counter(order)
        duplicates = sorted(n for n, c in counts.items() if c > 1)
        missing = sorted(reachable - set(order))
        position = {n: i for i, n in enumerate(order)}
        late = [(n, i) for n in order if n in edges for i in edges[n] if i in position and position[i] > position[n]]
        if strangers:
            feedback.add(f"{what} returned objects that are not nodes of the graph: {strangers[:3]}")
        elif duplicates:
            feedback.add(f"{what} lists {', '.join(duplicates[:3])} more than once (keep a visited set)")
        elif missing:
            feedback.add(f"{what} leaves out {len(missing)} of {len(reachable)} nodes, e.g. {missing[:3]}")
        elif len(order) != len(reachable):
            feedback.add(f"{what} returned {len(order)} nodes, the graph has {len(reachable)}")
        elif late:
            node, inp = late[0]
            feedback.add(f"{what} puts {node} before its input {inp}: inputs must come first")
        elif order[-1] != program.root:
            feedback.add(f"{what} should end with the root {program.root}, ends with {order[-1]}")
    feedback.finish()


def describe_graph(program: Program) -> str:
    reachable = program.reachable()
    edges = sum(len(v) for n, v in program.edges().items() if n in reachable)
    return f"a graph of {len(reachable)} nodes and {edges} edges"


# --- nn -----------------------------------------------------------------------


def model_ask(kind: str, spec: dict) -> Ask:
    from autograder.models import call

    return Ask(kind, spec, label=f"`{call(spec['model'])}` with the test's weights")


def check_model_forward(answers: Answers) -> None:
    """Each output (a number, or a list for a layer of several neurons) against torch."""
    from autograder import expected
    from autograder.models import call

    feedback = Feedback()
    for ask, outcome in answers:
        if not feedback.ok(ask, outcome):
            continue
        model, xs = ask.spec["model"], ask.spec["inputs"]
        for x, got, want in zip(xs, outcome.value, expected.model_forward(model, xs)):
            what = f"`{call(model)}({fmt(x)})` with the test's weights"
            if isinstance(want, list):
                if not isinstance(got, list) or len(got) != len(want):
                    feedback.add(f"{what} should return a list of {len(want)} Values, got {fmt(got)}")
                    continue
                for i, (g, w) in enumerate(zip(got, want)):
                    feedback.value(f"{what}[{i}]", g, w)
            elif isinstance(got, list):
                feedback.add(f"{what} should return a single Value (one neuron), got a list of {len(got)}")
            else:
                feedback.value(what, got, want)
    feedback.finish()


def check_parameters(answers: Answers) -> None:
    """`parameters()`: the model's own Values, each once, layer by layer, neuron by neuron, w then b."""
    from autograder.models import call, paths

    feedback = Feedback()
    for ask, outcome in answers:
        if not feedback.ok(ask, outcome):
            continue
        model, got = ask.spec["model"], outcome.value
        want = paths(model["kind"], tuple(model["args"]))
        what = f"`{call(model)}.parameters()`"
        strangers = [p for p in got if p not in want]
        if strangers:
            feedback.add(f"{what} returned {strangers[0]} ({len(strangers)} such items)")
        elif len(got) != len(want):
            missing = [p for p in want if p not in got]
            hint = f", e.g. missing {missing[0]}" if missing else ""
            feedback.add(f"{what} should return {len(want)} Values, got {len(got)}{hint}")
        elif got != want:
            i = next(i for i, (g, w) in enumerate(zip(got, want)) if g != w)
            feedback.add(
                f"{what}: item {i} should be {want[i]}, got {got[i]} "
                "(order: layer by layer, neuron by neuron, the weights then the bias)"
            )
    feedback.finish()
