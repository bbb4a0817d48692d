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
from autograder.programs import Program, graph_spec, random_topological_order
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


MAX_SHOWN = 400  # characters of one value shown in feedback


def fmt(x: object) -> str:
    """A number or a (nested) list of numbers for feedback, at most MAX_SHOWN characters."""
    if isinstance(x, float):
        text = repr(x)
        return text if len(text) <= 12 else f"{x:.8g}"
    if isinstance(x, list):
        parts, length = [], 0
        for v in x:
            parts.append(fmt(v))
            length += len(parts[-1]) + 2
            if length > MAX_SHOWN:
                break
        text = "[" + ", ".join(parts) + "]"
    else:
        text = repr(x)
    return text if len(text) <= MAX_SHOWN else text[:MAX_SHOWN] + "..."


class Feedback:
    """Collects what is wrong; `finish()` fails the test with those messages."""

    def __init__(self) -> None:
        self.messages: list[str] = []
        self.patterns: list[tuple[object, str | None]] = []  # (input, the mistake its wrong answer shows, if any)
        self.errors: list[tuple[str, int, int]] = []  # (an error from the sandbox, its message's index, how often)

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
        # The same error on every input (a stub's NotImplementedError) is said once, with how often.
        for i, (error, first, times) in enumerate(self.errors):
            if error == outcome.error:
                self.errors[i] = (error, first, times + 1)
                return False
        self.errors.append((outcome.error, len(self.messages), 1))
        self.add(f"{where}: {outcome.error}")
        return False

    def computed(self, answers: Answers) -> Iterator[tuple[Ask, object]]:
        """(ask, value) for every ask the sandbox computed; a message for each it could not."""
        for ask, outcome in answers:
            if self.ok(ask, outcome):
                yield ask, outcome.value

    def diagnose(self, cases: list[diagnoses.Case]) -> None:
        """Name the one mistake these numbers are, under the first message (see `diagnoses.diagnose`)."""
        line = diagnoses.diagnose(cases) if self.messages else None
        if line and not any(m.endswith(f"\n  {line}") for m in self.messages):
            self.messages[0] = f"{self.messages[0]}\n  {line}"

    def pattern(self, key: object, message: str, line: str | None) -> None:
        """A wrong answer whose shape is `line`'s mistake (or no known one): named when two or more inputs
        show it and every wrong input shows it."""
        self.add(message)
        self.patterns.append((key, line))

    def finish(self) -> None:
        for _, index, times in self.errors:
            if times > 1:
                self.messages[index] += f" (the same on {times - 1} more input{'s' if times > 2 else ''})"
        lines = {line for _, line in self.patterns}
        keys = {key for key, _ in self.patterns}
        if len(lines) == 1 and None not in lines and len(keys) >= 2:
            self.messages[0] = f"{self.messages[0]}\n  {lines.pop()}"
        if self.messages:
            shown = self.messages[:MAX_MESSAGES]
            more = len(self.messages) - len(shown)
            if more:
                shown.append(f"... and {more} more")
            pytest.fail("\n".join(shown), pytrace=False)


# --- engine: one `_backward` alone ---------------------------------------------


def local(program: Program, rng: random.Random, start_grads: bool = True) -> Ask:
    """`out._backward()` alone on a one-step program, called twice, its inputs' grads starting non-zero (or 0)."""
    start = {name: round(rng.choice((-1, 1)) * rng.uniform(0.2, 1.5), 3) for name, _ in program.leaves}
    if not start_grads:
        start = dict.fromkeys(start, 0.0)
    out_grads = [round(rng.choice((-1, 1)) * rng.uniform(0.3, 2.0), 3) for _ in range(2)]
    label = f"`out = {program.formula()}` with {program.inputs()}, then `out._backward()`"
    return Ask("local", {**program.spec(), "start": start, "out_grads": out_grads}, program, label)


def check_local_backward(answers: Answers) -> None:
    """Each input's grad after `out._backward()` alone: its starting grad plus the local derivative times out.grad.

    `_backward` is called twice (out.grad drawn anew each time): the second call adds again.
    """
    feedback = Feedback()
    cases = []
    for ask, got in feedback.computed(answers):
        program, spec = ask.program, ask.spec
        slopes = expected.local_backward(program, spec["start"], 1.0)
        text = program.formula()
        leaves = [name for name, _ in program.leaves]
        grads = got.get("grad") if isinstance(got, dict) else None
        if not feedback.length(f"`out = {text}`: the grads after each `_backward()` call", grads, 2):
            continue
        if not all(feedback.keys(f"`out = {text}`", g, leaves) for g in grads):
            continue
        if not feedback.value(f"`out = {text}` with {program.inputs()}: out.data", got.get("data"), slopes["data"]):
            continue
        starts = ", ".join(f"{n}.grad={spec['start'][n]!r}" for n in leaves)
        # Each call adds `share * out.grad` to what the grad holds, in floats, as the student's `+=` does: with
        # e**300 the starting grad is absorbed, and out.grads of -g then g must bring the grad to 0, not back.
        want_grads = dict(spec["start"])
        for n, out_grad in enumerate(spec["out_grads"]):
            nth = (
                "then `out._backward()` alone" if n == 0 else f"then out.grad={out_grad!r} and `out._backward()` again"
            )
            what = f"`out = {text}` with {program.inputs()}, {starts} and out.grad={spec['out_grads'][0]!r}, {nth}"
            wrong = False
            for name in leaves:
                want = want_grads[name] = want_grads[name] + slopes["share"][name] * out_grad
                mistakes = diagnoses.local_backward(
                    program.steps[0][1],
                    dict(program.leaves)[name],
                    slopes["data"],
                    spec["start"][name],
                    slopes["share"][name],
                    spec["out_grads"][: n + 1],
                    sum(1 for a in program.steps[0][2] if a == name),
                )
                cases.append((id(ask), grads[n][name], want, mistakes))
                wrong |= not feedback.value(f"{what}: {name}.grad", grads[n][name], want)
            if wrong:
                break
    feedback.diagnose(cases)
    feedback.finish()


# --- engine: `backward()` alone, and whole expressions -------------------------


def backward(program: Program, rng: random.Random) -> Ask:
    """The student's `backward()` alone, twice, on a graph of recorders, every node with a starting grad."""
    spec = graph_spec(program, rng)
    start = {name: round(rng.choice((-1, 1)) * rng.uniform(0.2, 1.5), 3) for name in program.edges()}
    order = random_topological_order(program, rng)
    return Ask("backward", {**spec, "start": start, "order": order, "rounds": 2}, program)


def expr(program: Program) -> Ask:
    return Ask("expr", program.spec(), program)


def topo(program: Program, rng: random.Random) -> Ask:
    return Ask("topo", graph_spec(program, rng), program)


def check_backward(answers: Answers) -> None:
    """Who `root.backward()` called, in which order, and the grads they saw, twice over, judged from the log.

    Every node's `_backward` is a recorder that only logs (its name, the grad its
    node holds when called). Right: the root's grad set to 1 first; every
    operation's `_backward` called exactly once (a leaf's at most once), each node
    before the nodes it was computed from; every other grad left as it was
    (accumulating is the `_backward`s' job, zeroing `zero_grad`'s). The second
    call must do the same again.
    """
    feedback = Feedback()
    for ask, got in feedback.computed(answers):
        program, spec = ask.program, ask.spec
        names = list(program.edges())
        what = program.describe()
        rounds = got.get("calls") if isinstance(got, dict) else None
        if not feedback.length(f"{what}: the calls of each `backward()`", rounds, spec["rounds"]):
            continue
        if not feedback.keys(what, got.get("grad"), names):
            continue
        for n, calls in enumerate(rounds):
            nth = "" if n == 0 else ", called a second time on the same graph"
            problem = backward_problem(program, spec, calls)
            if problem:
                message, line = problem
                feedback.pattern(id(ask), f"{what}{nth}: {message}", line)
                break
        else:
            start = spec["start"]
            want = {name: 1.0 if name == program.root else start[name] for name in names}
            if not diagnoses.same(got["grad"], want):
                wrong = next(n for n in names if not close(got["grad"][n], want[n]))
                root = got["grad"][program.root]
                line = None
                if wrong == program.root and close(root, start[wrong]):
                    line = diagnoses.NO_SEED
                elif wrong == program.root and close(root, start[wrong] + 2.0):
                    line = diagnoses.SEED_ADDS
                feedback.pattern(
                    id(ask),
                    f"{what}, twice: afterwards {wrong}.grad should be {fmt(want[wrong])}, "
                    f"got {fmt(got['grad'][wrong])}",
                    line,
                )
    feedback.finish()


def backward_problem(program: Program, spec: dict, calls: object) -> tuple[str, str | None] | None:
    """What is wrong with one `backward()`'s calls, and a diagnosis when it is a known mistake's pattern."""
    if not isinstance(calls, list) or not all(
        isinstance(c, list) and len(c) == 2 and isinstance(c[0], str) and isinstance(c[1], (int, float)) for c in calls
    ):
        return f"no log of `_backward` calls came back, got {fmt(calls)}", None
    edges, root = program.edges(), program.root
    reachable = program.reachable()  # once: a cached method hashes the whole program on every call
    operations = [name for name, _, _ in program.steps if name in reachable]
    order = [name for name, _ in calls]
    counts = Counter(order)
    strangers = [n for n in counts if n not in edges]
    if strangers:
        return f"a `_backward` of a node not in the graph was called: {strangers[0]}", None
    if operations and set(order) == {root} and len(operations) > 1:
        return (
            f"`backward()` should call every node's `_backward` once; only the root's was called, "
            f"not the other {len(operations) - 1}",
            diagnoses.ONLY_ROOT,
        )
    missing = [n for n in operations if counts[n] == 0]
    if missing:
        return (
            f"`backward()` should call every node's `_backward` once; {len(missing)} of {len(operations)} "
            f"were never called, e.g. `{program.formula(missing[0])}`'s",
            None,
        )
    twice = [n for n in counts if counts[n] > 1]
    if twice:
        return (
            f"`backward()` should call every node's `_backward` once; `{program.formula(twice[0])}`'s "
            f"was called {counts[twice[0]]} times",
            None,
        )
    position = {n: i for i, n in enumerate(order)}
    late = [(n, i) for n in order for i in edges[n] if i in position and position[i] < position[n]]
    if late:
        node, inp = late[0]
        reverse = all(position[i] < position[n] for n in order for i in edges[n] if i in position)
        return (
            f"`{program.formula(inp)}`'s `_backward` was called before `{program.formula(node)}`'s, which uses it: "
            "a node may pass its grad on only once every node computed from it has added its share "
            "(reverse topological order)",
            diagnoses.FORWARD_ORDER if reverse and len(operations) > 1 else None,
        )
    seen = dict(calls)
    start = spec["start"]
    if root in seen and not close(seen[root], 1.0):
        line = None
        if close(seen[root], start[root]):
            line = diagnoses.NO_SEED
        elif close(seen[root], start[root] + 1.0):
            line = diagnoses.SEED_ADDS
        return f"when the root's `_backward` ran, root.grad was {fmt(seen[root])}, not 1", line
    changed = [n for n in order if n != root and not close(seen[n], start[n])]
    if changed:
        n = changed[0]
        zeroed = all(close(seen[m], 0.0) for m in order if m != root)
        return (
            f"when `{program.formula(n)}`'s `_backward` ran, its grad was {fmt(seen[n])}, but it was "
            f"{fmt(start[n])} before `backward()` and no `_backward` had added to it",
            diagnoses.ZEROES if zeroed else None,
        )
    return None


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
        if not isinstance(order, list) or not order or not all(isinstance(n, str) for n in order):
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


def forward_ask(model: dict, xs: list[list[float]]) -> Ask:
    """The model called on each of `xs` in turn, the same object every time."""
    return model_ask("model_forward", {"model": model, "inputs": xs})


def parameters_ask(model: dict, rng: random.Random) -> Ask:
    """`parameters()` of a model, and marks written through the returned Values (to see they are the model's own).

    The paths the probe resolves (to name what came back) are sent shuffled: their
    order in the spec is not the order `parameters()` must return.
    """
    shuffled = paths(model["kind"], model["args"])
    rng.shuffle(shuffled)
    marks = [round(rng.uniform(2, 9), 4) for _ in shuffled]
    return model_ask("model_parameters", {"model": model, "paths": shuffled, "marks": marks})


def expected_paths(ask: Ask) -> list[str]:
    """The order `parameters()` must return: layer by layer, neuron by neuron, w then b (models.paths)."""
    return paths(ask.spec["model"]["kind"], ask.spec["model"]["args"])


def calls_of(feedback: Feedback, ask: Ask, value: object) -> list | None:
    """The answer's list of calls (one per input), each with `out` and `received`; None (and a message) if not."""
    xs = ask.spec["inputs"]
    calls = value.get("calls") if isinstance(value, dict) else None
    if not feedback.length(f"{ask.label}: the calls", calls, len(xs)):
        return None
    if not all(isinstance(c, dict) and "out" in c and isinstance(c.get("received"), list) for c in calls):
        feedback.add(f"{ask.label}: the calls came back without their outputs, got {fmt(calls)[:200]}")
        return None
    return calls


def check_neuron_forward(answers: Answers) -> None:
    """A real neuron's output on each input (the same neuron called again and again), against torch."""
    feedback = Feedback()
    cases = []
    for ask, value in feedback.computed(answers):
        model, xs = ask.spec["model"], ask.spec["inputs"]
        calls = calls_of(feedback, ask, value)
        if calls is None:
            continue
        want = expected.neuron_forward(model, xs)
        no_bias_model = {**model, "weights": {**model["weights"], "b": 0.0}}
        nonlin = model["kwargs"].get("nonlin", True)
        mistakes = [
            (expected.neuron_forward({**model, "kwargs": {"nonlin": not nonlin}}, xs), TANH_WRONG[nonlin]),
            (expected.neuron_forward(no_bias_model, xs), diagnoses.NO_BIAS),
        ]
        got = [c["out"] for c in calls]
        for i, (x, g, w) in enumerate(zip(xs, got, want, strict=True)):
            cases.append(((id(ask), i), g, w, [(m[i], line) for m, line in mistakes]))
            if not feedback.value(f"`{call(model)}({fmt(x)})` with weights {fmt_weights(model)}", g, w):
                break
    feedback.diagnose(cases)
    feedback.finish()


TANH_WRONG = {True: diagnoses.NO_TANH, False: diagnoses.TANH_WHEN_LINEAR}


def fmt_weights(model: dict) -> str:
    return ", ".join(f"{p}={x!r}" for p, x in model["weights"].items())


def construction_problem(model: dict, value: dict) -> str | None:
    """How the student's Layer or MLP built the grader's stand-ins, if it did not build them as the contract says."""
    kind, args, kwargs = model["kind"], model["args"], model["kwargs"]
    built, parts = value.get("built"), value.get("parts")
    if kind == "Layer":
        inner, want = "Neuron", [[args[0], kwargs] for _ in range(args[1])]
        attribute = "neurons"
    else:
        sizes = [args[0], *args[1]]
        inner, want = "Layer", [[sizes[k], sizes[k + 1]] for k in range(len(args[1]))]
        attribute = "layers"
    if not isinstance(built, list) or not isinstance(parts, list):
        return f"`{call(model)}` could not be inspected, got {fmt(value)[:200]}"
    if len(parts) != len(want) or any(not isinstance(p, int) or p < 0 for p in parts) or len(set(parts)) != len(parts):
        return (
            f"`{call(model)}.{attribute}` should hold the {len(want)} `{inner}`s it built, each once; "
            f"it holds {len(parts)} item(s)"
        )
    for position, index in enumerate(parts):
        entry = built[index] if index < len(built) else None
        got_args, got_kwargs = entry if isinstance(entry, list) and len(entry) == 2 else [None, None]
        if not isinstance(got_args, list) or not isinstance(got_kwargs, dict):
            return f"`{call(model)}` built a `{inner}` the grader could not read"
        named = ("nin", "nout")
        sizes_got = [*got_args[: len(named)]] + [got_kwargs[n] for n in named[len(got_args) :] if n in got_kwargs]
        extra = {k: v for k, v in got_kwargs.items() if k not in named}
        if kind == "Layer":
            ok = sizes_got[:1] == want[position][:1] and len(sizes_got) == 1 and extra == kwargs
            shown = f"Neuron({', '.join(map(repr, sizes_got))}{''.join(f', {k}={v!r}' for k, v in extra.items())})"
            need = f"Neuron({args[0]}{''.join(f', {k}={v!r}' for k, v in kwargs.items())})"
        else:
            ok = sizes_got == want[position] and extra in ({}, {"nonlin": True})
            shown = f"Layer({', '.join(map(repr, sizes_got))}{''.join(f', {k}={v!r}' for k, v in extra.items())})"
            need = f"Layer({want[position][0]}, {want[position][1]})"
        if not ok:
            return f"`{call(model)}` should build its {attribute}[{position}] as `{need}`; it built `{shown}`"
    return None


def check_container_forward(answers: Answers) -> None:
    """A Layer (or MLP) of the grader's stand-ins: built with the right sizes, each part called once with the
    right input on every call, the outputs returned as the contract says."""
    feedback = Feedback()
    for ask, value in feedback.computed(answers):
        model, xs = ask.spec["model"], ask.spec["inputs"]
        problem = construction_problem(model, value) if isinstance(value, dict) else "no answer"
        if problem:
            feedback.add(problem)
            continue
        calls = calls_of(feedback, ask, value)
        if calls is None:
            continue
        kind, parts = model["kind"], model["parts"]
        what_inner = "neuron" if kind == "Layer" else "layer"
        for c, (x, answer) in enumerate(zip(xs, calls, strict=True)):
            outs = [one(p["outputs"][c]) for p in parts]
            nth = "" if c == 0 else f" (call {c + 1} of the same {kind})"
            what = f"`{call(model)}({fmt(x)})`{nth} with stand-in {what_inner}s that return {fmt(outs)} on this call"
            if kind == "Layer":
                want_in = [[x] for _ in parts]
                want_out = outs[0] if len(outs) == 1 else outs
            else:
                want_in = [[s] for s in [x, *outs[:-1]]]
                want_out = outs[-1]
            got_in = [[] for _ in parts]
            for entry in answer["received"]:
                if (
                    isinstance(entry, list)
                    and len(entry) == 2
                    and isinstance(entry[0], int)
                    and 0 <= entry[0] < len(parts)
                ):
                    got_in[entry[0]].append(entry[1])
            if not diagnoses.same(got_in, want_in):
                feedback.add(
                    f"{what}: each {what_inner} should be called once with {fmt(want_in)}; they got {fmt(got_in)}"
                )
                break
            if not diagnoses.same(answer["out"], want_out):
                hint = ""
                if isinstance(want_out, float) and isinstance(answer["out"], list):
                    hint = " (one neuron: return the Value itself, not a one-element list)"
                feedback.add(f"{what} should return {fmt(want_out)}, got {fmt(answer['out'])}{hint}")
                break
    feedback.finish()


def one(output: object) -> object:
    """A stand-in layer's output as the contract returns it: the single number of a one-neuron layer."""
    return output[0] if isinstance(output, list) and len(output) == 1 else output


def check_parameters(answers: Answers) -> None:
    """`parameters()`: the model's own Values, each once, layer by layer, neuron by neuron, w then b."""
    feedback = Feedback()
    for ask, value in feedback.computed(answers):
        model, got = ask.spec["model"], value.get("paths") if isinstance(value, dict) else None
        want = expected_paths(ask)
        what = f"`{call(model)}.parameters()`"
        if not isinstance(got, list):
            feedback.add(f"{what} should return a list, got {fmt(got)}")
            continue
        strangers = [p for p in got if p not in want]
        missing = [p for p in want if p not in got]
        if strangers:
            feedback.pattern(
                id(ask), f"{what} returned {fmt(strangers[0])} ({len(strangers)} such items)", copies_line(ask, value)
            )
        elif len(got) != len(want):
            hint = f", e.g. missing {missing[0]}" if missing else ""
            no_bias = got == [p for p in want if not p.endswith("b")]
            feedback.pattern(
                id(ask),
                f"{what} should return {len(want)} Values, got {len(got)}{hint}",
                diagnoses.NO_BIAS if no_bias else None,
            )
        elif got != want:
            i = next(i for i, (g, w) in enumerate(zip(got, want, strict=True)) if g != w)
            feedback.add(
                f"{what}: item {i} should be {want[i]}, got {got[i]} "
                "(order: layer by layer, neuron by neuron, the weights then the bias)"
            )
    feedback.finish()


def copies_line(ask: Ask, value: dict) -> str | None:
    """COPIES when every returned item is a Value holding, in order, the data of the model's own Values."""
    data, want = value.get("data"), expected_paths(ask)
    weights = ask.spec["model"]["weights"]
    if (
        isinstance(data, list)
        and len(data) == len(want)
        and all(p == NOT_OWN for p in value["paths"])
        and diagnoses.same(data, [weights[p] for p in want])
    ):
        return diagnoses.COPIES
    return None


NOT_OWN = "<a Value that is not one of the model's>"


def check_parameters_are_the_models_own(answers: Answers) -> None:
    """`parameters()` returns the model's own Values, in order: writing through each changes the model itself."""
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
        weights = model["weights"]
        strangers = [p for p in got["paths"] if not isinstance(p, str) or p not in weights]
        marks = spec["marks"]
        marked = {
            p: marks[i] for i, p in enumerate(got["paths"]) if isinstance(p, str) and p in weights and i < len(marks)
        }
        want_after = {p: marked.get(p, model["weights"][p]) for p in spec["paths"]}
        if not got["paths"]:
            feedback.add(f"{what} returned no Values")
        elif strangers:
            feedback.pattern(
                id(ask),
                f"{what} returned {fmt(strangers[0])} ({len(strangers)} such items): setting their `.data` "
                "does not change the model",
                copies_line(ask, got),
            )
        elif got["paths"] != expected_paths(ask):
            # Their order too: naming what came back needs the model's paths in the sandbox (sent shuffled),
            # so the set of them alone could be answered from the spec; the contract's order cannot.
            feedback.add(
                f"{what} should return the model's {len(model['weights'])} Values in order (layer by layer, "
                f"neuron by neuron, w then b), got {fmt(got['paths'])}"
            )
        elif not diagnoses.same(got["after"], want_after):
            path = next(p for p in spec["paths"] if not close(got["after"][p], want_after[p]))
            feedback.add(
                f"after setting `.data` of each Value of {what}, {path} should be {fmt(want_after[path])}, "
                f"got {fmt(got['after'][path])}"
            )
    feedback.finish()


def zero_grad_ask(kind: str, rng: random.Random, *args: object) -> Ask:
    """`zero_grad()` twice on the student's own model, every weight's and bias's grad drawn non-zero before each call.

    The probe finds the Values by the contract's attributes (`layers`, `neurons`,
    `w`, `b`), whatever sizes the student's classes built.
    """
    order = paths(kind, args)
    rng.shuffle(order)
    spec = {"kind": kind, "args": list(args), "order": order}
    n = len(order)
    spec["grads"] = [[round(rng.choice((-1, 1)) * rng.uniform(0.5, 3), 3) for _ in range(n)] for _ in range(2)]
    return Ask("zero_grad", spec, label=f"`{kind}({', '.join(map(repr, args))}).zero_grad()`")


def check_zero_grad(answers: Answers) -> None:
    """After `zero_grad()`, the grad of every weight and bias is 0 (each was non-zero before), twice."""
    feedback = Feedback()
    for ask, value in feedback.computed(answers):
        if not feedback.length(ask.label, value, 2):
            continue
        drawn = ask.spec["grads"]
        for round_, answer in enumerate(value):
            what = f"after {ask.label}" + ("" if round_ == 0 else ", called a second time")
            grads = answer.get("after") if isinstance(answer, dict) else None
            before = answer.get("before") if isinstance(answer, dict) else None
            if isinstance(grads, dict) and grads:
                want = [drawn[round_][k % len(drawn[round_])] for k in range(len(grads))]
                if not diagnoses.same(before, want):
                    feedback.add(
                        f"before {ask.label}, each grad was set to {fmt(want)}, but reading them back gave "
                        f"{fmt(before)}: a Value's grad must hold what is written to it"
                    )
                    break
            if not isinstance(grads, dict) or not grads:
                feedback.add(f"{what}: no weight or bias was found through `layers`, `neurons`, `w` and `b`")
                break
            left = {p: g for p, g in grads.items() if g != 0.0}
            if left:
                path, grad = next(iter(left.items()))
                feedback.add(f"{what}, {len(left)} of {len(grads)} grads are not 0, e.g. {path}.grad = {fmt(grad)}")
                break
    feedback.finish()


# --- train: the loop, from the recorders' log ----------------------------------


def check_train_loop(answers: Answers) -> None:
    """Judge the log of `train` over recorders, step by step (see autograder/tests/train/test_train.py)."""
    feedback = Feedback()
    for ask, got in feedback.computed(answers):
        log = got.get("log") if isinstance(got, dict) else None
        if not isinstance(log, list) or not all(isinstance(e, list) and e and isinstance(e[0], str) for e in log):
            feedback.add(f"{ask.label}: no log came back, got {fmt(log)[:200]}")
            continue
        problem = loop_problem(ask.spec, log)
        if problem:
            message, line = problem
            feedback.pattern(id(ask), f"{ask.label}: {message}", line)
    feedback.finish()


def loop_problem(spec: dict, log: list) -> tuple[str, str | None] | None:
    """The first way the logged loop departs from the contract's, and a diagnosis when it is a known mistake's."""
    xs, ys, steps, n = spec["xs"], spec["ys"], spec["steps"], len(spec["params"])
    events = {kind: [i for i, e in enumerate(log) if e[0] == kind] for kind in ("call", "loss", "backward", "step")}
    if len(events["loss"]) != steps:
        return (
            f"`mse_loss` should be called once per step ({steps} times), it was called {len(events['loss'])} times",
            None,
        )
    if len(events["backward"]) != steps:
        return (
            f"`loss.backward()` should run once per step ({steps} times), it ran {len(events['backward'])} times",
            None,
        )
    if len(events["step"]) != steps:
        return (
            f"`sgd_step` should be called once per step ({steps} times), it was called {len(events['step'])} times",
            None,
        )
    calls = {e[1]: (i, e[2]) for i, e in enumerate(log) if e[0] == "call" and len(e) == 3 and isinstance(e[1], int)}
    before = -1  # where the previous step ended
    for k in range(steps):
        loss_at, backward_at, step_at = events["loss"][k], events["backward"][k], events["step"][k]
        what = f"step {k + 1}"
        if not before < loss_at < backward_at < step_at:
            return f"{what}: the loss, `backward()` and `sgd_step` should come in this order, once each", None
        loss, back, step = log[loss_at], log[backward_at], log[step_at]
        preds, targets = loss[2] if len(loss) > 2 else None, loss[3] if len(loss) > 3 else None
        if not isinstance(preds, list) or len(preds) != len(xs):
            return f"{what}: `mse_loss` should get one prediction per example ({len(xs)}), got {fmt(preds)}", None
        for i, p in enumerate(preds):
            made = calls.get(-p - 1) if isinstance(p, int) and p < 0 else None
            if made is None or not before < made[0] < loss_at:
                return f"{what}: prediction {i} given to `mse_loss` is not the model's output of this step", None
            if not diagnoses.same(made[1], xs[i]):
                return (
                    f"{what}: prediction {i} should be `model(xs[{i}])`, it was the model's output on {fmt(made[1])}",
                    None,
                )
        if not diagnoses.same(targets, ys):
            return f"{what}: `mse_loss` should get the targets ys = {fmt(ys)}, got {fmt(targets)}", None
        if len(back) < 3 or back[1] != k:
            return f"{what}: `backward()` should run on this step's loss", None
        if not diagnoses.same(back[2], [0.0] * n):
            piled = [spec["start"][i] + sum(g[i] for g in spec["grads"][:k]) for i in range(n)]
            after = [piled[i] + spec["grads"][k][i] for i in range(n)]
            line = None
            if diagnoses.same(back[2], piled) and len(step) > 2 and diagnoses.same(step[2], after):
                line = diagnoses.NO_ZERO_GRAD
            elif diagnoses.same(back[2], piled) and len(step) > 2 and diagnoses.same(step[2], [0.0] * n):
                line = diagnoses.ZERO_AFTER_BACKWARD
            return (
                f"{what}: when `loss.backward()` ran, the parameters' grads were {fmt(back[2])}, not 0: "
                "set them to zero (`model.zero_grad()`) before `backward()`",
                line,
            )
        if (
            len(step) < 4
            or not isinstance(step[1], list)
            or sorted(p for p in step[1] if isinstance(p, int)) != list(range(n))
            or len(step[1]) != n
        ):
            return f"{what}: `sgd_step` should get the model's {n} parameters (`model.parameters()`), each once", None
        if not diagnoses.same(step[2], spec["grads"][k]):
            return f"{what}: when `sgd_step` ran, the grads were {fmt(step[2])}, not those `backward()` left", None
        if not close(step[3], spec["lr"]):
            return f"{what}: `sgd_step` should get lr={spec['lr']!r}, got {fmt(step[3])}", None
        before = step_at
    return None
