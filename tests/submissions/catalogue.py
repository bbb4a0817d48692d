"""Our own buggy and hostile submissions: each one shows that the grader catches something.

A submission is the reference solution with edits (each `old` text must occur
exactly once in the reference module, so a change to the reference that makes
an edit meaningless fails loudly), or with a module replaced whole.

For a buggy submission, `breaks` are the tests that must fail and `also` the
tests that may fail too because they exercise the same code (a wrong `*`
breaks `-a`, which the engine builds from `*`); every other test must pass. For
a hostile one, `expect` says what it may earn: nothing, or what the equivalent
honest submission `honest` earns.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from coursekit.course import ASSIGNMENTS_DIR, ROOT, SOLUTION_PACKAGE

# The units of each assignment: the tests that grade one piece of the student's own code.
ADD = ("test_add_backward",)
MUL = ("test_mul_backward",)
POW = ("test_pow_backward_int", "test_pow_backward_float", "test_pow_backward_negative")
TANH = ("test_tanh_backward", "test_tanh_backward_large_inputs")
BACKWARD = (
    "test_backward_seeds_the_root_with_one",
    "test_backward_calls_every_backward_in_reverse_topological_order",
    "test_backward_on_random_expression_graphs",
    "test_backward_through_a_500_operation_chain",
)
ORDER = BACKWARD[1:]
TOPOLOGY = (
    "test_topological_sort_chains",
    "test_topological_sort_diamonds",
    "test_topological_sort_shared_subexpressions",
    "test_topological_sort_random_dags",
)
# Checks of the code the course gives (0 points): any engine bug may show there, at no cost.
GIVEN = ("test_radd", "test_rmul", "test_neg", "test_sub", "test_rsub", "test_truediv", "test_rtruediv")
NEURON_FORWARD = ("test_neuron_forward", "test_linear_neuron_forward")
PARAMETERS = ("test_neuron_parameters", "test_layer_parameters", "test_mlp_parameters")
PARAMETERS += ("test_parameters_are_the_models_own_values",)
MSE = ("test_mse_loss_value", "test_mse_loss_gradient")
TRAIN = (
    "test_train_returns_one_float_per_step",
    "test_train_lowers_the_loss",
    "test_train_follows_the_reference_loss_curve",
)


@dataclass(frozen=True)
class Submission:
    name: str
    assignment: str
    edits: tuple[tuple[str, str, str], ...] = ()  # (module, old, new)
    replace: tuple[tuple[str, str], ...] = ()  # (module, whole new text; "" deletes the file)
    breaks: tuple[str, ...] = ()  # tests that must fail
    unit: tuple[str, ...] = ()  # the tests of the broken unit (default: `breaks`): points lost there are "own"
    also: tuple[str, ...] = ()  # tests of other units that may fail too, only with a `reason`
    reason: str = ""  # why this bug may cost points outside its own unit
    hostile: bool = False
    expect: str = "nothing"  # hostile: "nothing" or "honest" (the score of `honest`)
    honest: str = ""
    feedback: str = ""  # a text the failing tests' feedback must contain
    base: str = "reference"  # or "stub": built on the released stub, so it holds no solution line
    misdiagnoses: tuple[str, ...] = ()  # texts its feedback must never contain: diagnoses of other mistakes

    @property
    def own(self) -> tuple[str, ...]:
        return self.unit or self.breaks


def edit(assignment: str):
    """A maker of one-edit submissions of `assignment` (the module of the same name)."""

    def make(name: str, old: str, new: str, breaks: tuple[str, ...], **fields: object) -> Submission:
        return Submission(name, assignment, ((assignment, old, new),), breaks=breaks, **fields)

    return make


engine, nn, train = edit("engine"), edit("nn"), edit("train")

ADD_BACKWARD = "            self.grad += out.grad\n            other.grad += out.grad\n"
MUL_BACKWARD = "            self.grad += other.data * out.grad\n            other.grad += self.data * out.grad\n"
POW_BACKWARD = "            self.grad += other * self.data ** (other - 1) * out.grad\n"
TANH_BACKWARD = "            self.grad += (1 - out.data**2) * out.grad\n"
RELU_BACKWARD = "            self.grad += (1.0 if out.data > 0 else 0.0) * out.grad\n"

BUGGY = [
    # --- engine: one operator's backward ---------------------------------------------
    engine(
        "add_assigns_instead_of_accumulating",
        ADD_BACKWARD,
        "            self.grad = out.grad\n            other.grad = out.grad\n",
        breaks=ADD,
        feedback="looks like `self.grad = ...` where `+=` is needed",
    ),
    engine(
        "add_forgets_out_grad",
        ADD_BACKWARD,
        "            self.grad += 1.0\n            other.grad += 1.0\n",
        breaks=ADD,
        feedback="not multiplied by `out.grad`",
    ),
    engine(
        "mul_assigns_instead_of_accumulating",
        MUL_BACKWARD,
        "            self.grad = other.data * out.grad\n            other.grad = self.data * out.grad\n",
        breaks=MUL,
        feedback="where `+=` is needed",
    ),
    engine(
        "mul_forgets_out_grad",
        MUL_BACKWARD,
        "            self.grad += other.data\n            other.grad += self.data\n",
        breaks=MUL,
        feedback="not multiplied by `out.grad`",
    ),
    engine(
        "mul_uses_its_own_data",
        MUL_BACKWARD,
        "            self.grad += self.data * out.grad\n            other.grad += other.data * out.grad\n",
        breaks=MUL,
        feedback="a.grad should be",
    ),
    engine(
        "pow_keeps_the_exponent",
        POW_BACKWARD,
        "            self.grad += other * self.data**other * out.grad\n",
        breaks=POW,
    ),
    engine(
        "pow_drops_the_factor_n",
        POW_BACKWARD,
        "            self.grad += self.data ** (other - 1) * out.grad\n",
        breaks=POW,
    ),
    engine(
        "pow_forgets_out_grad",
        POW_BACKWARD,
        "            self.grad += other * self.data ** (other - 1)\n",
        breaks=POW,
        feedback="not multiplied by `out.grad`",
    ),
    engine(
        "exp_derivative_uses_the_input",
        "            self.grad += out.data * out.grad\n",
        "            self.grad += self.data * out.grad\n",
        breaks=("test_exp_backward",),
        feedback="exp's derivative is taken as the input",
    ),
    engine(
        "tanh_derivative_of_the_input",
        TANH_BACKWARD,
        "            self.grad += (1 - self.data**2) * out.grad\n",
        breaks=TANH,
        feedback="tanh's derivative is computed from the input",
    ),
    engine(
        "tanh_derivative_without_the_square",
        TANH_BACKWARD,
        "            self.grad += (1 - out.data) * out.grad\n",
        breaks=("test_tanh_backward",),
        unit=TANH,
        feedback="looks like `1 - t` where `1 - t**2` is needed",
    ),
    engine(
        "tanh_assigns_instead_of_accumulating",
        TANH_BACKWARD,
        "            self.grad = (1 - out.data**2) * out.grad\n",
        breaks=TANH,
        feedback="where `+=` is needed",
    ),
    engine(
        "tanh_forward_overflows",
        '        out = Value(math.tanh(self.data), (self,), "tanh")\n',
        "        t = (math.exp(2 * self.data) - 1) / (math.exp(2 * self.data) + 1)\n"
        '        out = Value(t, (self,), "tanh")\n',
        breaks=("test_tanh_backward_large_inputs",),
        unit=TANH,
        feedback="OverflowError",
    ),
    engine(
        "relu_gradient_one_at_zero",
        RELU_BACKWARD,
        "            self.grad += (1.0 if self.data >= 0 else 0.0) * out.grad\n",
        breaks=("test_relu_backward",),
        feedback="with a=0.0, a.grad=",
    ),
    engine(
        "relu_passes_every_gradient",
        RELU_BACKWARD,
        "            self.grad += out.grad\n",
        breaks=("test_relu_backward",),
    ),
    # --- engine: backward and the topological sort -----------------------------------
    engine(
        "backward_does_not_seed_the_root",
        "        self.grad = 1.0\n        for node",
        "        for node",
        breaks=BACKWARD,
        feedback="looks like the root's grad is not set to 1",
    ),
    engine(
        "backward_in_topological_not_reverse_order",
        "        for node in reversed(topological_sort(self)):\n",
        "        for node in topological_sort(self):\n",
        breaks=ORDER,
        unit=BACKWARD,
        feedback="not in reverse (`reversed(...)`)",
    ),
    engine(
        "backward_only_calls_the_roots_backward",
        "        for node in reversed(topological_sort(self)):\n            node._backward()\n",
        "        self._backward()\n",
        breaks=ORDER,
        unit=BACKWARD,
        feedback="should call every node's `_backward` once",
    ),
    engine(
        "topological_sort_without_a_visited_set",
        "    order: list[Value] = []\n    visited: set[int] = set()\n",
        "    order: list[Value] = []\n\n"
        "    def build(v: Value) -> None:\n"
        "        for child in v._prev:\n"
        "            build(child)\n"
        "        order.append(v)\n\n"
        "    build(root)\n    return order\n    visited: set[int] = set()\n",
        breaks=("test_topological_sort_diamonds", "test_topological_sort_shared_subexpressions"),
        unit=TOPOLOGY,
        feedback="more than once",
    ),
    engine(
        "topological_sort_root_first",
        "    return order\n    ### END SOLUTION",
        "    return order[::-1]\n    ### END SOLUTION",
        breaks=TOPOLOGY,
        feedback="inputs must come first",
    ),
    engine(
        "topological_sort_leaves_out_leaves",
        "        if inputs_done:\n            order.append(node)\n",
        "        if inputs_done:\n            if node._prev:\n                order.append(node)\n",
        breaks=TOPOLOGY,
        feedback="leaves out",
    ),
    # --- nn (graded on the reference engine) -----------------------------------------
    nn(
        "neuron_without_tanh",
        "        return act.tanh() if self.nonlin else act\n",
        "        return act\n",
        breaks=("test_neuron_forward",),
        unit=NEURON_FORWARD,
        feedback="looks like tanh is not applied",
    ),
    nn(
        "neuron_ignores_nonlin",
        "        return act.tanh() if self.nonlin else act\n",
        "        return act.tanh()\n",
        breaks=("test_linear_neuron_forward",),
        unit=NEURON_FORWARD,
        feedback="looks like tanh is applied although `nonlin=False`",
    ),
    nn(
        "neuron_forgets_the_bias",
        "        act = sum((wi * xi for wi, xi in zip(self.w, x)), self.b)\n",
        "        act = sum((wi * xi for wi, xi in zip(self.w, x)), Value(0.0))\n",
        breaks=NEURON_FORWARD,
        feedback="looks like the bias `b` is left out",
    ),
    nn(
        "neuron_parameters_without_the_bias",
        "        return self.w + [self.b]\n",
        "        return self.w\n",
        breaks=("test_neuron_parameters",),
        unit=PARAMETERS,
        feedback="looks like the bias `b` is left out",
    ),
    nn(
        "neuron_parameters_bias_first",
        "        return self.w + [self.b]\n",
        "        return [self.b] + self.w\n",
        breaks=("test_neuron_parameters",),
        unit=PARAMETERS,
        feedback="item 0 should be",
    ),
    nn(
        "layer_always_returns_a_list",
        "        return outs[0] if len(outs) == 1 else outs\n",
        "        return outs\n",
        breaks=("test_layer_of_one_neuron_returns_a_value",),
        unit=("test_layer_forward", "test_layer_of_one_neuron_returns_a_value"),
        feedback="not a one-element list",
    ),
    nn(
        "layer_parameters_of_the_first_neuron_only",
        "        return [p for n in self.neurons for p in n.parameters()]\n",
        "        return self.neurons[0].parameters()\n",
        breaks=("test_layer_parameters",),
        unit=PARAMETERS,
    ),
    nn(
        "mlp_parameters_are_copies",
        "        return [p for layer in self.layers for p in layer.parameters()]\n",
        "        return [Value(p.data) for layer in self.layers for p in layer.parameters()]\n",
        breaks=("test_parameters_are_the_models_own_values", "test_mlp_parameters"),
        unit=PARAMETERS,
        feedback="looks like copies",
    ),
    nn(
        "mlp_parameters_last_layer_first",
        "        return [p for layer in self.layers for p in layer.parameters()]\n",
        "        return [p for layer in reversed(self.layers) for p in layer.parameters()]\n",
        breaks=("test_mlp_parameters",),
        unit=PARAMETERS,
    ),
    nn(
        "mlp_forward_skips_the_last_layer",
        "        for layer in self.layers:\n            x = layer(x)\n",
        "        for layer in self.layers[:-1]:\n            x = layer(x)\n",
        breaks=("test_mlp_forward",),
    ),
    nn(
        "zero_grad_does_nothing",
        "        for p in self.parameters():\n            p.grad = 0.0\n",
        "        pass\n",
        breaks=("test_zero_grad",),
    ),
    # --- train (graded on the reference engine and nn) -------------------------------
    train(
        "mse_sums_instead_of_averaging",
        "    return sum(errors, Value(0.0)) * (1.0 / len(errors))\n",
        "    return sum(errors, Value(0.0))\n",
        breaks=MSE,
        feedback="looks like the sum of the squared errors, not their mean",
    ),
    train(
        "mse_returns_a_float",
        "    return sum(errors, Value(0.0)) * (1.0 / len(errors))\n",
        "    return (sum(errors, Value(0.0)) * (1.0 / len(errors))).data\n",
        breaks=MSE,
        feedback="not a Value",
    ),
    train(
        "sgd_climbs_the_gradient",
        "        p.data -= lr * p.grad\n",
        "        p.data += lr * p.grad\n",
        breaks=("test_sgd_step",),
        feedback="the step must go against the gradient",
    ),
    train(
        "sgd_ignores_the_learning_rate",
        "        p.data -= lr * p.grad\n",
        "        p.data -= p.grad\n",
        breaks=("test_sgd_step",),
    ),
    train(
        "train_without_zero_grad",
        "        model.zero_grad()\n",
        "",
        breaks=("test_train_follows_the_reference_loss_curve",),
        unit=TRAIN,
        feedback="looks like the gradients are not set to zero before `backward()`",
    ),
    train(
        "train_zero_grad_after_backward",
        "        model.zero_grad()\n        loss.backward()\n",
        "        loss.backward()\n        model.zero_grad()\n",
        breaks=("test_train_lowers_the_loss", "test_train_follows_the_reference_loss_curve"),
        unit=TRAIN,
    ),
    train(
        "train_returns_values_not_floats",
        "        losses.append(float(loss.data))\n",
        "        losses.append(loss)\n",
        breaks=("test_train_returns_one_float_per_step",),
        unit=TRAIN,
        feedback="should return floats",
    ),
    train(
        "train_one_step_short",
        "    for _ in range(steps):\n",
        "    for _ in range(steps - 1):\n",
        breaks=("test_train_returns_one_float_per_step", "test_train_follows_the_reference_loss_curve"),
        unit=TRAIN,
    ),
    train(
        "train_returns_a_made_up_curve",
        "    return losses\n",
        "    model.layers[0].neurons[0].w[0].data += 50.0\n    return [1.0 / (i + 1) for i in range(steps)]\n",
        breaks=("test_train_lowers_the_loss", "test_train_follows_the_reference_loss_curve"),
        unit=TRAIN,
    ),
]

# Bugs in the code the course gives (derived operators): checked, not graded. Each fails its
# 0-point check and costs nothing; the student never writes this code.
GIVEN_BUGS = [
    engine(
        "neg_does_nothing", "        return self * -1\n", "        return self * 1\n", breaks=("test_neg", "test_sub")
    ),
    engine("sub_adds", "        return self + (-other)\n", "        return self + other\n", breaks=("test_sub",)),
    engine(
        "rsub_subtracts_the_wrong_way",
        "        return other + (-self)\n",
        "        return self + (-other)\n",
        breaks=("test_rsub",),
    ),
    engine(
        "truediv_multiplies",
        "        return self * other**-1\n",
        "        return self * other\n",
        breaks=("test_truediv",),
    ),
    engine(
        "no_radd",
        "    def __radd__(self, other: float) -> Value:  # other + self\n        return self + other\n",
        "",
        breaks=("test_radd",),
        feedback="TypeError",
    ),
]


# Bugs of issue 14 and 16 that the earlier probes could not see: the construction side, a second call,
# finite differences, the wrong grad, work done when a node is built, and mistakes once misdiagnosed.
# `breaks` is left empty where which test catches them is the grader's choice: they must cost points,
# and only in their `unit`.
MLP = ("test_mlp_forward", "test_mlp_parameters")
OPERATORS = (*ADD, *MUL, *POW, "test_exp_backward", *TANH, "test_relu_backward")
H = "            h = 1e-6\n"
FINITE_DIFFERENCE_RULES = (
    (
        ADD_BACKWARD,
        H + "            self.grad += ((self.data + h + other.data) - (self.data - h + other.data)) / (2 * h)"
        " * out.grad\n            other.grad += ((self.data + other.data + h) - (self.data + other.data - h)) / (2 * h)"
        " * out.grad\n",
    ),
    (
        MUL_BACKWARD,
        H + "            self.grad += ((self.data + h) * other.data - (self.data - h) * other.data) / (2 * h)"
        " * out.grad\n            other.grad += (self.data * (other.data + h) - self.data * (other.data - h)) / (2 * h)"
        " * out.grad\n",
    ),
    (
        POW_BACKWARD,
        H + "            self.grad += ((self.data + h) ** other - (self.data - h) ** other) / (2 * h) * out.grad\n",
    ),
    (
        "            self.grad += out.data * out.grad\n",
        H + "            self.grad += (math.exp(self.data + h) - math.exp(self.data - h)) / (2 * h) * out.grad\n",
    ),
    (
        TANH_BACKWARD,
        H + "            self.grad += (math.tanh(self.data + h) - math.tanh(self.data - h)) / (2 * h) * out.grad\n",
    ),
    (
        RELU_BACKWARD,
        H + "            self.grad += (max(self.data + h, 0.0) - max(self.data - h, 0.0)) / (2 * h) * out.grad\n",
    ),
)
BUGGY += [
    nn(
        "mlp_gives_every_layer_nin_inputs",
        "        self.layers = [Layer(sizes[i], sizes[i + 1]) for i in range(len(nouts))]\n",
        "        self.layers = [Layer(nin, n) for n in nouts]\n",
        breaks=(),
        unit=(*MLP, *PARAMETERS),
    ),
    engine(
        "backward_seed_accumulates",
        "        self.grad = 1.0\n        for node",
        "        self.grad += 1.0\n        for node",
        breaks=(),
        unit=BACKWARD,
    ),
    engine(
        "backward_zeroes_every_grad_of_the_graph_first",
        "        self.grad = 1.0\n        for node in reversed(topological_sort(self)):\n"
        "            node._backward()\n",
        "        order = topological_sort(self)\n        for node in order:\n            node.grad = 0.0\n"
        "        self.grad = 1.0\n        for node in reversed(order):\n            node._backward()\n",
        breaks=(),
        unit=BACKWARD,
    ),
    Submission(
        "backwards_by_finite_differences",
        "engine",
        tuple(("engine", old, new) for old, new in FINITE_DIFFERENCE_RULES),
        breaks=OPERATORS,  # no point on any operator: the course teaches the chain rule, exact to ~1e-15
    ),
    engine(
        "mul_multiplies_by_the_inputs_grad",
        MUL_BACKWARD,
        "            self.grad += other.data * self.grad\n            other.grad += self.data * other.grad\n",
        breaks=MUL,
    ),
    engine(
        "tanh_multiplies_by_the_inputs_grad",
        TANH_BACKWARD,
        "            self.grad += (1 - out.data**2) * self.grad\n",
        breaks=(),
        unit=TANH,
    ),
    Submission(
        "mul_gradient_computed_when_the_node_is_built",  # out.grad is still 0 then: every grad stays 0
        "engine",
        (
            (
                "engine",
                '        out = Value(self.data * other.data, (self, other), "*")\n',
                '        out = Value(self.data * other.data, (self, other), "*")\n'
                "        da, db = other.data * out.grad, self.data * out.grad\n",
            ),
            ("engine", MUL_BACKWARD, "            self.grad += da\n            other.grad += db\n"),
        ),
        breaks=MUL,
    ),
    nn(
        "neuron_inverts_nonlin",
        "        return act.tanh() if self.nonlin else act\n",
        "        return act if self.nonlin else act.tanh()\n",
        breaks=NEURON_FORWARD,
        misdiagnoses=("`nonlin` is ignored",),
    ),
    Submission(
        "neuron_parameters_hold_other_neurons_values",  # a mutable default: one list shared by every neuron
        "nn",
        (
            (
                "nn",
                "    def parameters(self) -> list[Value]:\n"
                '        """Return the weights, then the bias: `w + [b]`."""\n',
                "    def parameters(self, acc: list = []) -> list[Value]:  # noqa: B006\n",
            ),
            ("nn", "        return self.w + [self.b]\n", "        acc.extend(self.w + [self.b])\n        return acc\n"),
        ),
        unit=PARAMETERS,
        misdiagnoses=("looks like copies",),
    ),
    nn(
        "zero_grad_zeroes_the_data",
        "        for p in self.parameters():\n            p.grad = 0.0\n",
        "        for p in self.parameters():\n            p.data = 0.0\n",
        breaks=("test_zero_grad",),
    ),
    train(
        "mse_divides_by_n_minus_one",
        "    return sum(errors, Value(0.0)) * (1.0 / len(errors))\n",
        "    return sum(errors, Value(0.0)) * (1.0 / (len(errors) - 1))\n",
        breaks=(),
        unit=MSE,
        misdiagnoses=("the sum of the squared errors",),
    ),
    train(
        "mse_squares_the_sum_of_the_errors",
        "    errors = [(yp - yt) ** 2 for yp, yt in zip(ypred, ys)]\n"
        "    return sum(errors, Value(0.0)) * (1.0 / len(errors))\n",
        "    ypred = list(ypred)\n    return (sum(ypred, Value(0.0)) - sum(ys)) ** 2 * (1.0 / len(ypred))\n",
        breaks=MSE,
    ),
    train(
        "train_steps_before_backward",
        "        model.zero_grad()\n        loss.backward()\n        sgd_step(model.parameters(), lr)\n",
        "        model.zero_grad()\n        sgd_step(model.parameters(), lr)\n        loss.backward()\n",
        breaks=(),
        unit=TRAIN,
    ),
]
NEW_BUGGY = BUGGY[-13:]

# A `backward()` that computes every gradient by central finite differences, on the released stub: no
# `_backward` written at all. It earns the topological sort's points only (FINITE_DIFFERENCES_EARNS).
FINITE_DIFFERENCES = Submission(
    "finite_difference_engine",
    "engine",
    edits=(
        (
            "engine",
            "    def backward(self) -> None:",
            "    def backward(self) -> None:\n"
            "        order = topological_sort(self)\n"
            "        place = {id(n): i for i, n in enumerate(order)}\n"
            "        rules = {'exp': math.exp, 'tanh': math.tanh, 'relu': lambda x: max(x, 0.0)}\n\n"
            "        def recompute(node, known):\n"
            "            xs = [known[id(c)] for c in sorted(node._prev, key=lambda c: place[id(c)])]\n"
            "            xs = xs * 2 if len(xs) == 1 and node._op in '+*' else xs\n"
            "            if node._op == '+':\n"
            "                return xs[0] + xs[1]\n"
            "            if node._op == '*':\n"
            "                return xs[0] * xs[1]\n"
            "            if node._op.startswith('**'):\n"
            "                return xs[0] ** float(node._op[2:])\n"
            "            return rules[node._op](xs[0])\n\n"
            "        def root_after_nudging(target, h):\n"
            "            known = {}\n"
            "            for n in order:\n"
            "                if n is target:\n"
            "                    known[id(n)] = n.data + h\n"
            "                elif n._prev and place[id(n)] > place[id(target)]:\n"
            "                    known[id(n)] = recompute(n, known)\n"
            "                else:\n"
            "                    known[id(n)] = n.data\n"
            "            return known[id(self)]\n\n"
            "        for n in order:\n"
            "            n.grad = (root_after_nudging(n, 1e-6) - root_after_nudging(n, -1e-6)) / 2e-6\n"
            "        return\n",
        ),
        (
            "engine",
            "    # YOUR CODE HERE\n    raise NotImplementedError()\n",
            "    order, seen = [], set()\n\n"
            "    def visit(v):\n"
            "        if id(v) not in seen:\n"
            "            seen.add(id(v))\n"
            "            for child in v._prev:\n"
            "                visit(child)\n"
            "            order.append(v)\n\n"
            "    visit(root)\n    return order\n",
        ),
    ),
    base="stub",
)
FINITE_DIFFERENCES_EARNS = TOPOLOGY

# Correct variants: different code, full marks (the grader accepts any correct order and style).
CORRECT = [
    Submission(
        "recursive_topological_sort",
        "engine",
        edits=(
            (
                "engine",
                "    order: list[Value] = []\n    visited: set[int] = set()\n",
                "    order: list[Value] = []\n    seen: set[int] = set()\n\n"
                "    def build(v: Value) -> None:\n"
                "        if id(v) not in seen:\n"
                "            seen.add(id(v))\n"
                "            for child in v._prev:\n"
                "                build(child)\n"
                "            order.append(v)\n\n"
                "    build(root)\n    return order\n    visited: set[int] = set()\n",
            ),
        ),
    ),
    # Operators of its own: `-` and `/` with their own `_backward`, and `log` and `sigmoid` besides.
    Submission(
        "engine_with_extra_operators",
        "engine",
        edits=(
            (
                "engine",
                "    def __sub__(self, other: Value | float) -> Value:  # self - other\n"
                "        return self + (-other)\n",
                "    def __sub__(self, other: Value | float) -> Value:\n"
                "        other = other if isinstance(other, Value) else Value(other)\n"
                "        out = Value(self.data - other.data, (self, other), '-')\n\n"
                "        def _backward() -> None:\n"
                "            self.grad += out.grad\n"
                "            other.grad -= out.grad\n\n"
                "        out._backward = _backward\n"
                "        return out\n\n"
                "    def log(self) -> Value:\n"
                "        out = Value(math.log(self.data), (self,), 'log')\n\n"
                "        def _backward() -> None:\n"
                "            self.grad += out.grad / self.data\n\n"
                "        out._backward = _backward\n"
                "        return out\n\n"
                "    def sigmoid(self) -> Value:\n"
                "        s = 1.0 / (1.0 + math.exp(-self.data))\n"
                "        out = Value(s, (self,), 'sigmoid')\n\n"
                "        def _backward() -> None:\n"
                "            self.grad += s * (1.0 - s) * out.grad\n\n"
                "        out._backward = _backward\n"
                "        return out\n",
            ),
            (
                "engine",
                "    def __truediv__(self, other: Value | float) -> Value:  # self / other\n"
                "        return self * other**-1\n",
                "    def __truediv__(self, other: Value | float) -> Value:\n"
                "        other = other if isinstance(other, Value) else Value(other)\n"
                "        out = Value(self.data / other.data, (self, other), '/')\n\n"
                "        def _backward() -> None:\n"
                "            self.grad += out.grad / other.data\n"
                "            other.grad -= out.grad * self.data / other.data**2\n\n"
                "        out._backward = _backward\n"
                "        return out\n",
            ),
        ),
    ),
    # Part isolation: bugs in the earlier modules cost nothing in a later assignment.
    Submission(
        "nn_on_a_broken_engine",
        "nn",
        edits=(("engine", MUL_BACKWARD, "            pass\n"),),
    ),
    Submission(
        "train_on_a_broken_engine_and_nn",
        "train",
        edits=(
            ("engine", MUL_BACKWARD, "            pass\n"),
            ("nn", "        return act.tanh() if self.nonlin else act\n", "        return act\n"),
        ),
    ),
]


# Honest twins of hostile submissions: what the hostile code would earn without its tricks.
BACKWARD_ZEROES = (
    "        self.grad = 1.0\n        for node in reversed(topological_sort(self)):\n            node._backward()\n",
    "        for node in topological_sort(self):\n            node.grad = 0.0\n",
)
TWINS = [
    engine("backward_sets_every_grad_to_zero", *BACKWARD_ZEROES, breaks=BACKWARD),
    engine("tanh_backward_raises", TANH_BACKWARD, "            raise ValueError('no')\n", breaks=TANH),
]


def hostile(
    name: str,
    prelude: str = "",
    edits: tuple[tuple[str, str], ...] = (),
    replace: str | None = None,
    honest: str = "",
    feedback: str = "",
    base: str = "reference",
) -> Submission:
    """An engine submission with `prelude` run at import (before the reference code) and `edits`."""
    all_edits = tuple(("engine", old, new) for old, new in edits)
    if prelude:
        all_edits = (("engine", "import math\n", "import math\n" + prelude), *all_edits)
    return Submission(
        name,
        "engine",
        all_edits,
        replace=(("engine", replace),) if replace is not None else (),
        hostile=True,
        expect="honest" if honest else "nothing",
        honest=honest,
        feedback=feedback,
        base=base,
    )


# `{REPO}` and `{FORGED}` are filled in by the test: the kit's own folder, and a path that must stay absent.
HOSTILE = [
    hostile("syntax_error", edits=(("class Value:", "class Value"),), feedback="SyntaxError"),
    hostile("missing_engine_py", replace="", feedback="micrograd/engine.py is missing"),
    hostile("sys_exit_at_import", prelude="import sys\nsys.exit(3)\n", feedback="SystemExit"),
    hostile("os_exit_at_import", prelude="import os\nos._exit(0)\n", feedback="ended the process"),
    hostile("hang_at_import", prelude="while True:\n    pass\n", feedback="did not finish within"),
    hostile(
        "huge_output_at_import", prelude="print('x' * (64 << 20))\n", feedback="more output than the grader allows"
    ),
    hostile("memory_bomb_at_import", prelude="hog = bytearray(16 << 30)\n", feedback="MemoryError"),
    hostile(
        "infinite_loop_in_tanh_backward",
        edits=((TANH_BACKWARD, "            while True:\n                pass\n"),),
        honest="tanh_backward_raises",
        feedback="timed out",
    ),
    hostile(
        "float_subclass_always_equal",
        prelude="class Sneaky(float):\n    def __eq__(self, other):\n        return True\n\n"
        "    __hash__ = float.__hash__\n\n",
        edits=((BACKWARD_ZEROES[0], BACKWARD_ZEROES[1].replace("0.0", "Sneaky(0.0)")),),
        honest="backward_sets_every_grad_to_zero",
    ),
    hostile(
        "monkeypatches_math_pytest_and_torch",
        prelude="math.isclose = lambda *a, **k: True\n"
        "for _name in ('pytest', 'torch', 'autograder.grading'):\n"
        "    try:\n"
        "        _m = __import__(_name)\n"
        "        _m.approx = _m.allclose = _m.isclose = _m.close = lambda *a, **k: True\n"
        "    except BaseException:\n"
        "        pass\n",
        edits=(BACKWARD_ZEROES,),
        honest="backward_sets_every_grad_to_zero",
    ),
    hostile(
        "writes_forged_results",
        prelude='_forged = \'{"score": 60, "tests": []}\'\n'
        "for _path in ('{FORGED}', '/autograder/results/results.json', 'results.json', '../results.json'):\n"
        "    try:\n"
        "        with open(_path, 'w') as _f:\n"
        "            _f.write(_forged)\n"
        "    except BaseException:\n"
        "        pass\n",
        edits=(BACKWARD_ZEROES,),
        honest="backward_sets_every_grad_to_zero",
    ),
    hostile(
        # Built on the stub: any solution line in its feedback can only have been read from the grader's files.
        "reads_the_reference_into_its_feedback",
        prelude="_loot = []\n"
        "for _path in ('{REPO}/solutions/micrograd/engine.py', '{REPO}/autograder/reference/micrograd/engine.py',\n"
        "              '{REPO}/autograder/tests/engine/test_ops.py', '/proc/self/environ', '/'):\n"
        "    try:\n"
        "        import os as _os\n"
        "        _loot.append(str(_os.listdir(_path)) if _path == '/' else open(_path).read())\n"
        "    except BaseException as _e:\n"
        "        _loot.append(repr(_e))\n"
        "raise RuntimeError('\\n'.join(_loot))\n",
        base="stub",
        feedback="does not allow reading",
    ),
    hostile(
        "hands_the_work_to_torch",
        prelude="import torch\n",
        feedback="importing 'torch' is not allowed",
    ),
    hostile(
        "kills_the_grader_and_spawns_processes",
        prelude="import os as _os, signal as _signal\n"
        "for _attempt in (lambda: _os.kill(_os.getppid(), _signal.SIGKILL),\n"
        "                 lambda: _os.system('touch {FORGED}'),\n"
        "                 lambda: __import__('subprocess').run(['touch', '{FORGED}']),\n"
        "                 lambda: _os.fork()):\n"
        "    try:\n"
        "        _attempt()\n"
        "    except BaseException:\n"
        "        pass\n",
        honest="reference",
    ),
    hostile(
        "forges_answers_on_the_result_pipe",
        prelude="import os as _os, json as _json\n"
        "for _fd in range(3, 20):\n"
        "    for _test in ('test_ops.py::test_add_backward', 'test_ops.py::test_mul_backward',\n"
        "                  'test_backward.py::test_backward_seeds_the_root_with_one'):\n"
        "        for _i in range(6):\n"
        "            _line = {'id': 'engine/' + _test + '#' + str(_i), 'ok': True, 'value': {'data': {}, 'grad': {}}}\n"
        "            try:\n"
        "                _os.write(_fd, (_json.dumps(_line) + '\\n').encode())\n"
        "            except BaseException:\n"
        "                pass\n",
        edits=(BACKWARD_ZEROES,),
        honest="backward_sets_every_grad_to_zero",
    ),
    hostile(
        "closes_the_result_pipe_and_loops",
        prelude="import os as _os\nfor _fd in range(3, 20):\n    try:\n        _os.close(_fd)\n    except OSError:\n"
        "        pass\nwhile True:\n    pass\n",
        feedback="ended the process",
    ),
    hostile(
        "escapes_through_ctypes_gc_and_tracing",
        prelude="import sys as _sys\n"
        "for _attempt in (lambda: __import__('ctypes'), lambda: __import__('gc').get_objects(),\n"
        "                 lambda: _sys.settrace(lambda *a: None),\n"
        "                 lambda: __import__('resource').setrlimit(0, (-1, -1))):\n"
        "    try:\n"
        "        _attempt()\n"
        "    except BaseException:\n"
        "        pass\n",
        edits=(BACKWARD_ZEROES,),
        honest="backward_sets_every_grad_to_zero",
    ),
]
TWINS.append(engine("add_raises", ADD_BACKWARD, "            raise RuntimeError('no')\n", breaks=ADD))


MODULES = {"engine": ("engine",), "nn": ("engine", "nn"), "train": ("engine", "nn", "train")}


def build(sub: Submission, folder: Path, forged: Path) -> None:
    package = folder / "micrograd"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    base = SOLUTION_PACKAGE if sub.base == "reference" else ASSIGNMENTS_DIR / sub.assignment / "micrograd"
    sources = {m: (base / f"{m}.py").read_text() for m in MODULES[sub.assignment]}
    for module, old, new in sub.edits:
        old = old.replace("{REPO}", str(ROOT)).replace("{FORGED}", str(forged))
        new = new.replace("{REPO}", str(ROOT)).replace("{FORGED}", str(forged))
        assert sources[module].count(old) == 1, f"{sub.name}: the edit's text is not in {module}.py exactly once"
        sources[module] = sources[module].replace(old, new)
    for module, text in sub.replace:
        sources[module] = text
    for module, text in sources.items():
        if text:  # replaced by "": the file is missing
            (package / f"{module}.py").write_text(text.replace("{REPO}", str(ROOT)).replace("{FORGED}", str(forged)))


def points_lost(results: dict, tests: set[str]) -> tuple[float, float]:
    """Points lost in `tests` (by short name, without `test_`) and elsewhere."""
    own = elsewhere = 0.0
    for t in results["tests"]:
        lost = t["max_score"] - t["score"]
        if t["name"].split(": ", 1)[1].replace(" ", "_") in tests:
            own += lost
        else:
            elsewhere += lost
    return own, elsewhere


def grade_folders(folders: dict[str, Path], out: Path, limits: object, jobs: int = 2) -> dict[str, dict]:
    """Grade every repository of each assignment's folder with `grade-all`: name -> results."""
    import json

    from autograder.batch import grade_all

    results = {}
    for assignment, folder in folders.items():
        if not folder.is_dir() or not any(folder.iterdir()):
            continue
        grade_all(folder, out / assignment, assignment=assignment, jobs=jobs, limits=limits, progress=False)
        for path in sorted((out / assignment / "results").glob("*.json")):
            results[path.stem] = json.loads(path.read_text())
    return results


def scores_by_test(results: dict) -> dict[str, float]:
    """Each test's score, by its short name (`add_backward`)."""
    return {t["name"].split(": ", 1)[1].replace(" ", "_"): t["score"] for t in results["tests"]}


def diagnoses_in(results: dict) -> list[str]:
    """Every diagnosis in a submission's results: the lines that name a mistake ("looks like ..."), or listed ones."""
    found = [str(d) for d in results.get("extra_data", {}).get("diagnoses", []) or []]
    for t in results["tests"]:
        found += [str(d) for d in t.get("diagnoses", []) or []]
        found += [line.strip() for line in str(t.get("output", "")).splitlines() if "looks like" in line.lower()]
    return found
