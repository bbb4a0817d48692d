"""What a hidden test is made of (points, what it asks the sandbox), and the checks that judge the answers.

A hidden test is a pytest function decorated with `@graded(points, asks)`.
`asks(rng)` returns what the student's code must compute, drawn from a
generator the grader seeds per submission; the sandbox computes it before the
tests run, and the test receives the answers (fixture `answers`) and judges
them here, in the grader's process, against torch or the contract's
properties. Every check asserts exact lengths and key sets. Failures say what
was computed, on which inputs, what was expected and what came back, plus a
diagnosis line when the numbers are those of a common mistake.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pytest

from autograder import diagnoses, expected
from autograder.diagnoses import close
from autograder.models import call, paths
from autograder.programs import Program
from autograder.sandbox.runner import Outcome

MAX_MESSAGES = 4


@dataclass(frozen=True)
class Ask:
    """One computation for the sandbox: a probe kind, its JSON spec, and the program behind it."""

    kind: str
    spec: dict = field(hash=False)
    program: Program | None = None
    label: str = ""  # how the feedback names it when there is no program


@dataclass(frozen=True)
class Graded:
    points: int
    asks: Callable[[random.Random], list[Ask]]
    hidden: bool
    given: bool


def graded(
    points: int, asks: Callable[[random.Random], list[Ask]], hidden: bool = False, given: bool = False
) -> Callable:
    """Declare a hidden test's points and what it asks the sandbox to compute (`asks(rng)`).

    `hidden=True` marks a test whose inputs and feedback students see only
    after grades are published. `given=True` marks a check of code the course
    gives (checked, not graded: it must carry 0 points).
    """
    if given and points:
        raise ValueError("a check of given code carries no points")

    def declare(fn: Callable) -> Callable:
        fn.graded = Graded(points, asks, hidden, given)
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


class Feedback:
    """Collects what is wrong; `finish()` fails the test with those messages."""

    def __init__(self) -> None:
        self.messages: list[str] = []

    def add(self, message: str, diagnosis: str | None = None) -> None:
        """A message, and the diagnosis line under it the first time that diagnosis is made."""
        said = diagnosis is None or any(m.endswith(f"\n  {diagnosis}") for m in self.messages)
        self.messages.append(message if said else f"{message}\n  {diagnosis}")

    def value(self, what: str, got: object, want: float, diagnosis: str | None = None) -> bool:
        if close(got, want):
            return True
        self.add(f"{what} should be {fmt(want)}, got {fmt(got)}", diagnosis)
        return False

    def keys(self, what: str, got: object, want: list[str]) -> bool:
        """`got` must be a dict with exactly the keys `want`."""
        if isinstance(got, dict) and set(got) == set(want) and len(got) == len(want):
            return True
        self.add(f"{what}: expected values for {', '.join(want[:6])}{'...' if len(want) > 6 else ''}, got {fmt(got)}")
        return False

    def length(self, what: str, got: object, n: int) -> bool:
        if isinstance(got, list) and len(got) == n:
            return True
        self.add(
            f"{what} should be a list of {n}, got " + (f"a list of {len(got)}" if isinstance(got, list) else fmt(got))
        )
        return False

    def ok(self, ask: Ask, outcome: Outcome) -> bool:
        """False (and a message) when the sandbox could not compute this ask."""
        if outcome.ok:
            return True
        if outcome.whole_part:  # said once: it is not about this input
            if outcome.error not in self.messages:
                self.add(outcome.error)
            return False
        where = ask.label or ask.program.describe()
        self.add(f"{where}: {outcome.error}")
        return False

    def computed(self, answers: Answers) -> Iterator[tuple[Ask, object]]:
        """(ask, value) for every ask the sandbox computed; a message for each it could not."""
        for ask, outcome in answers:
            if self.ok(ask, outcome):
                yield ask, outcome.value

    def finish(self) -> None:
        if self.messages:
            shown = self.messages[:MAX_MESSAGES]
            more = len(self.messages) - len(shown)
            if more:
                shown.append(f"... and {more} more")
            pytest.fail("\n".join(shown), pytrace=False)


# --- engine: one `_backward` alone ---------------------------------------------


def local(program: Program, rng: random.Random) -> Ask:
    """`out._backward()` alone on a one-step program, its inputs' grads starting non-zero, `out.grad` drawn."""
    start = {name: round(rng.choice((-1, 1)) * rng.uniform(0.2, 1.5), 3) for name, _ in program.leaves}
    out_grad = round(rng.choice((-1, 1)) * rng.uniform(0.3, 2.0), 3)
    label = f"`out = {program.formula()}` with {program.inputs()}, then `out._backward()`"
    return Ask("local", {**program.spec(), "start": start, "out_grad": out_grad}, program, label)


def check_local_backward(answers: Answers) -> None:
    """Each input's grad after `out._backward()` alone: its starting grad plus the local derivative times out.grad."""
    feedback = Feedback()
    for ask, got in feedback.computed(answers):
        program, spec = ask.program, ask.spec
        want = expected.local_backward(program, spec["start"], spec["out_grad"])
        (_, op, args) = program.steps[0]
        text = program.formula()
        leaves = [name for name, _ in program.leaves]
        if not isinstance(got, dict) or not feedback.keys(f"`out = {text}`", got.get("grad"), leaves):
            continue
        if not feedback.value(f"`out = {text}` with {program.inputs()}: out.data", got["data"], want["data"]):
            continue
        starts = ", ".join(f"{n}.grad={spec['start'][n]!r}" for n in leaves)
        what = f"`out = {text}` with {program.inputs()}, {starts} and out.grad={spec['out_grad']!r}, then `out._backward()` alone"  # noqa: E501
        for name, x in program.leaves:
            uses = sum(1 for a in args if a == name)
            mistakes = diagnoses.local_backward(
                op, x, want["data"], spec["start"][name], want["share"][name], spec["out_grad"], uses
            )
            grad = got["grad"][name]
            feedback.value(
                f"{what}: {name}.grad",
                grad,
                want["grad"][name],
                diagnoses.first_match(grad, want["grad"][name], mistakes),
            )
    feedback.finish()


# --- engine: `backward()` alone, and whole expressions -------------------------


def backward(program: Program) -> Ask:
    """The student's `backward()` over the grader's own `_backward`s and build order."""
    return Ask("backward", program.spec(), program)


def expr(program: Program) -> Ask:
    return Ask("expr", program.spec(), program)


def topo(program: Program) -> Ask:
    return Ask("topo", program.spec(), program)


def check_backward(answers: Answers) -> None:
    """Every node's grad after `root.backward()` (grader's rules, grader's order) against torch."""
    feedback = Feedback()
    for ask, got in feedback.computed(answers):
        program = ask.program
        want = expected.evaluate(program)
        names = list(program.edges())
        grads = got.get("grad") if isinstance(got, dict) else None
        if not feedback.keys(program.describe(), grads, names):
            continue
        steps = [name for name, _, _ in program.steps]
        calls = got.get("calls")
        if not isinstance(calls, dict) or sorted(calls) != sorted(steps):
            feedback.add(f"{program.describe()}: no count of `_backward` calls came back, got {fmt(calls)}")
            continue
        skipped = [(n, calls[n]) for n in steps if calls[n] != 1]
        if skipped:
            name, count = skipped[0]
            feedback.add(
                f"{program.describe()}: `backward()` should call every node's `_backward` once; "
                f"`{program.formula(name)}`'s was called {count} times ({len(skipped)} of {len(steps)} nodes are off)"
            )
            continue
        if diagnoses.same(grads, want["grad"]):
            continue
        wrong = next(n for n in names if not close(grads[n], want["grad"][n]))
        node = wrong if wrong in dict(program.leaves) else f"`{program.formula(wrong)}`"
        line = diagnoses.first_match(
            grads, want["grad"], diagnoses.backward_order(program, expected.local_derivatives(program))
        )
        feedback.value(
            f"{program.describe()}, every `_backward` and the order being the grader's: {node}.grad",
            grads[wrong],
            want["grad"][wrong],
            line,
        )
    feedback.finish()


def check_against_torch(answers: Answers) -> None:
    """Every node's data, and every grad after the student's own backward(), must match torch in float64."""
    feedback = Feedback()
    for ask, got in feedback.computed(answers):
        program = ask.program
        want = expected.evaluate(program)
        names = list(program.edges())
        if not isinstance(got, dict) or not feedback.keys(program.describe(), got.get("data"), names):
            continue
        if not feedback.keys(program.describe(), got.get("grad"), names):
            continue
        wrong_data = False
        for name, _, _ in program.steps:
            forward = f"`{program.formula(name)}` with {program.inputs()}"
            wrong_data |= not feedback.value(forward, got["data"][name], want["data"][name])
        if wrong_data:
            continue
        for name in names:
            node = name if name in dict(program.leaves) else f"`{program.formula(name)}`"
            feedback.value(f"{program.describe()}: {node}.grad", got["grad"][name], want["grad"][name])
    feedback.finish()


def check_topological_order(answers: Answers) -> None:
    """Every reachable node exactly once, each after its inputs, the root last; any such order."""
    feedback = Feedback()
    for ask, order in feedback.computed(answers):
        program = ask.program
        what = f"topological_sort({program.root}) on {describe_graph(program)}"
        if not isinstance(order, list) or not order:
            feedback.add(f"{what} should return a list of nodes, got {fmt(order)}")
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


# --- nn -------------------------------------------------------------------------


def model_ask(kind: str, spec: dict) -> Ask:
    model = spec["model"]
    inside = {"Neuron": "the test's weights", "Layer": "the grader's stand-in neurons"}.get(
        model["kind"], "the grader's stand-in layers"
    )
    return Ask(kind, spec, label=f"`{call(model)}` with {inside}")


def parameters_ask(model: dict, rng: random.Random) -> Ask:
    """`parameters()` of a model, and marks written through the returned Values (to see they are the model's own)."""
    n = len(paths(model["kind"], model["args"]))
    marks = [round(rng.uniform(2, 9), 4) for _ in range(n)]
    return model_ask("model_parameters", {"model": model, "paths": paths(model["kind"], model["args"]), "marks": marks})


def stand_in_outputs(model: dict, rng: random.Random) -> dict:
    """A model whose inner neurons (Layer) or layers (MLP) are the grader's stand-ins, with drawn outputs."""
    outputs = [[round(rng.uniform(-1, 1), 4) for _ in layer] for layer in model["layout"]]
    return {**model, "outputs": outputs}


def check_neuron_forward(answers: Answers) -> None:
    """A real neuron's output on each input, against torch."""
    feedback = Feedback()
    for ask, value in feedback.computed(answers):
        model, xs = ask.spec["model"], ask.spec["inputs"]
        if not feedback.length(ask.label, value, len(xs)):
            continue
        want = expected.neuron_forward(model, xs)
        linear = expected.neuron_forward({**model, "kwargs": {"nonlin": False}}, xs)
        no_bias_model = {**model, "weights": {**model["weights"], "b": 0.0}}
        mistakes = [
            (expected.neuron_forward({**model, "kwargs": {}}, xs), diagnoses.NONLIN_IGNORED),
            (linear, diagnoses.NO_TANH),
            (expected.neuron_forward(no_bias_model, xs), diagnoses.NO_BIAS),
        ]
        got = [answer.get("out") if isinstance(answer, dict) else None for answer in value]
        line = diagnoses.first_match(got, want, mistakes)
        for x, g, w in zip(xs, got, want, strict=True):
            if not feedback.value(f"`{call(model)}({fmt(x)})` with weights {fmt_weights(model)}", g, w, line):
                break
    feedback.finish()


def fmt_weights(model: dict) -> str:
    return ", ".join(f"{p}={x!r}" for p, x in model["weights"].items())


def check_container_forward(answers: Answers) -> None:
    """A Layer (or MLP) of the grader's stand-ins: each is given the right input; the outputs come back as the contract says."""  # noqa: E501
    feedback = Feedback()
    for ask, value in feedback.computed(answers):
        model, xs = ask.spec["model"], ask.spec["inputs"]
        if not feedback.length(ask.label, value, len(xs)):
            continue
        outputs, kind = model["outputs"], model["kind"]
        what_inner = "neuron" if kind == "Layer" else "layer"
        for x, answer in zip(xs, value, strict=True):
            what = f"`{call(model)}({fmt(x)})` with stand-in {what_inner}s that return {fmt(outputs)}"
            if kind == "Layer":
                want_in = [[x] for _ in outputs[0]]
                want_out = outputs[0][0] if len(outputs[0]) == 1 else outputs[0]
            else:
                seen = [x] + [o[0] if len(o) == 1 else o for o in outputs[:-1]]
                want_in = [[s] for s in seen]
                want_out = outputs[-1][0] if len(outputs[-1]) == 1 else outputs[-1]
            got_in = answer.get("received") if isinstance(answer, dict) else None
            got_out = answer.get("out") if isinstance(answer, dict) else None
            if not diagnoses.same(got_in, want_in):
                feedback.add(
                    f"{what}: each {what_inner} should be called once with {fmt(want_in)}; they got {fmt(got_in)}"
                )
            elif not diagnoses.same(got_out, want_out):
                hint = ""
                if isinstance(want_out, float) and isinstance(got_out, list):
                    hint = " (one neuron: return the Value itself, not a one-element list)"
                feedback.add(f"{what} should return {fmt(want_out)}, got {fmt(got_out)}{hint}")
    feedback.finish()


def check_parameters(answers: Answers) -> None:
    """`parameters()`: the model's own Values, each once, layer by layer, neuron by neuron, w then b."""
    feedback = Feedback()
    for ask, value in feedback.computed(answers):
        model, got = ask.spec["model"], value.get("paths") if isinstance(value, dict) else None
        want = ask.spec["paths"]
        what = f"`{call(model)}.parameters()`"
        if not isinstance(got, list):
            feedback.add(f"{what} should return a list, got {fmt(got)}")
            continue
        strangers = [p for p in got if p not in want]
        missing = [p for p in want if p not in got]
        if strangers:
            line = diagnoses.COPIES if any("copy" in p for p in strangers) else None
            feedback.add(f"{what} returned {strangers[0]} ({len(strangers)} such items)", line)
        elif len(got) != len(want):
            hint = f", e.g. missing {missing[0]}" if missing else ""
            line = diagnoses.NO_BIAS if missing and all(p.endswith("b") for p in missing) else None
            feedback.add(f"{what} should return {len(want)} Values, got {len(got)}{hint}", line)
        elif got != want:
            i = next(i for i, (g, w) in enumerate(zip(got, want, strict=True)) if g != w)
            feedback.add(
                f"{what}: item {i} should be {want[i]}, got {got[i]} "
                "(order: layer by layer, neuron by neuron, the weights then the bias)"
            )
    feedback.finish()


def check_parameters_are_the_models_own(answers: Answers) -> None:
    """Writing through each Value of `parameters()` changes the model itself; nothing else changes."""
    feedback = Feedback()
    for ask, got in feedback.computed(answers):
        model, spec = ask.spec["model"], ask.spec
        what = f"`{call(model)}.parameters()`"
        if not isinstance(got, dict) or not isinstance(got.get("paths"), list):
            feedback.add(f"{what}: no answer, got {fmt(got)}")
            continue
        if not feedback.keys(f"{what} before", got.get("before"), spec["paths"]):
            continue
        if not feedback.keys(f"{what} after", got.get("after"), spec["paths"]):
            continue
        if not diagnoses.same(got["before"], model["weights"]):
            feedback.add(f"{what}: the model's weights were changed before anything was written to them")
            continue
        strangers = [p for p in got["paths"] if p not in model["weights"]]
        marked = {p: spec["marks"][i] for i, p in enumerate(got["paths"]) if p in model["weights"]}
        want_after = {p: marked.get(p, model["weights"][p]) for p in spec["paths"]}
        if not got["paths"]:
            feedback.add(f"{what} returned no Values")
        elif strangers:
            feedback.add(
                f"{what} returned {strangers[0]} ({len(strangers)} such items): setting their `.data` "
                "does not change the model",
                diagnoses.COPIES if any("copy" in p for p in strangers) else None,
            )
        elif not diagnoses.same(got["after"], want_after):
            path = next(p for p in spec["paths"] if not close(got["after"][p], want_after[p]))
            feedback.add(
                f"after setting `.data` of each Value of {what}, {path} should be {fmt(want_after[path])}, "
                f"got {fmt(got['after'][path])}"
            )
    feedback.finish()


def zero_grad_ask(model: dict, rng: random.Random) -> Ask:
    all_paths = paths(model["kind"], model["args"])
    grads = [round(rng.choice((-1, 1)) * rng.uniform(0.5, 3), 3) for _ in all_paths]
    return model_ask("zero_grad", {"model": model, "paths": all_paths, "grads": grads})


def check_zero_grad(answers: Answers) -> None:
    """After `zero_grad()`, the grad of every weight and bias is 0 (each was non-zero before)."""
    feedback = Feedback()
    for ask, value in feedback.computed(answers):
        what = f"after `{call(ask.spec['model'])}.zero_grad()`"
        if not feedback.keys(what, value, ask.spec["paths"]):
            continue
        left = {p: g for p, g in value.items() if g != 0.0}
        if left:
            path, grad = next(iter(left.items()))
            feedback.add(f"{what}, {len(left)} of {len(value)} grads are not 0, e.g. {path}.grad = {fmt(grad)}")
    feedback.finish()
