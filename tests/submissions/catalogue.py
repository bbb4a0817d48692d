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

# Tests that run an expression through backward(): any wrong gradient shows there too.
WHOLE = ("test_backward_on_random_expression_graphs",)
CHAINS = ("test_backward_visits_nodes_in_reverse_topological_order", "test_backward_through_a_500_operation_chain")
EVERY_BACKWARD = (
    "test_backward_seeds_the_root_with_one",
    *CHAINS,
    *WHOLE,
    "test_add",
    "test_radd",
    "test_mul",
    "test_rmul",
    "test_pow_int",
    "test_pow_float",
    "test_pow_negative",
    "test_neg",
    "test_sub",
    "test_rsub",
    "test_truediv",
    "test_rtruediv",
    "test_exp",
    "test_tanh",
    "test_tanh_large_inputs",
    "test_relu",
)
TOPOLOGY = (
    "test_topological_sort_chains",
    "test_topological_sort_diamonds",
    "test_topological_sort_shared_subexpressions",
    "test_topological_sort_random_dags",
)
# Tests that use `*` somewhere in their expressions (to scale an interior node).
USES_MUL = (
    "test_add",
    "test_radd",
    "test_mul",
    "test_rmul",
    "test_pow_int",
    "test_pow_float",
    "test_pow_negative",
    "test_neg",
    "test_sub",
    "test_rsub",
    "test_truediv",
    "test_rtruediv",
    "test_relu",
    *CHAINS,
    *WHOLE,
)
USES_ADD = ("test_backward_seeds_the_root_with_one", "test_radd", "test_rmul", "test_sub", "test_rsub", "test_truediv")
USES_ADD += ("test_rtruediv", "test_exp", "test_tanh", "test_relu", "test_neg", *CHAINS, *WHOLE)
USES_POW = ("test_truediv", "test_rtruediv", *CHAINS, *WHOLE)
PARAMS = ("test_neuron_parameters", "test_layer_parameters", "test_mlp_parameters_count", "test_mlp_parameters_order")
FORWARD = ("test_neuron_forward", "test_linear_neuron_forward", "test_layer_forward", "test_mlp_forward")
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
    breaks: tuple[str, ...] = ()
    also: tuple[str, ...] = ()
    hostile: bool = False
    expect: str = "nothing"  # hostile: "nothing" or "honest" (the score of `honest`)
    honest: str = ""
    feedback: str = ""  # a text the failing tests' feedback must contain
    base: str = "reference"  # or "stub": built on the released stub, so it holds no solution line


def engine(name: str, old: str, new: str, breaks: tuple[str, ...], also: tuple[str, ...] = (), feedback: str = ""):
    return Submission(name, "engine", (("engine", old, new),), breaks=breaks, also=also, feedback=feedback)


def nn(name: str, old: str, new: str, breaks: tuple[str, ...], also: tuple[str, ...] = (), feedback: str = ""):
    return Submission(name, "nn", (("nn", old, new),), breaks=breaks, also=also, feedback=feedback)


def train(name: str, old: str, new: str, breaks: tuple[str, ...], also: tuple[str, ...] = (), feedback: str = ""):
    return Submission(name, "train", (("train", old, new),), breaks=breaks, also=also, feedback=feedback)


ADD_BACKWARD = "            self.grad += out.grad\n            other.grad += out.grad\n"
MUL_BACKWARD = "            self.grad += other.data * out.grad\n            other.grad += self.data * out.grad\n"

BUGGY = [
    # --- engine: one operator's backward ---------------------------------------------
    engine(
        "add_assigns_instead_of_accumulating",
        ADD_BACKWARD,
        "            self.grad = out.grad\n            other.grad = out.grad\n",
        breaks=("test_add",),
        also=USES_ADD,
        feedback="a.grad should be",
    ),
    engine(
        "add_forgets_out_grad",
        ADD_BACKWARD,
        "            self.grad += 1.0\n            other.grad += 1.0\n",
        breaks=("test_add",),
        also=USES_ADD,
    ),
    engine(
        "mul_assigns_instead_of_accumulating",
        MUL_BACKWARD,
        "            self.grad = other.data * out.grad\n            other.grad = self.data * out.grad\n",
        breaks=("test_mul",),
        also=USES_MUL,
    ),
    engine(
        "mul_forgets_out_grad",
        MUL_BACKWARD,
        "            self.grad += other.data\n            other.grad += self.data\n",
        breaks=("test_mul",),
        also=USES_MUL,
    ),
    engine(
        "mul_uses_its_own_data",
        MUL_BACKWARD,
        "            self.grad += self.data * out.grad\n            other.grad += other.data * out.grad\n",
        breaks=("test_mul",),
        also=USES_MUL,
        feedback="a.grad should be",
    ),
    engine(
        "pow_keeps_the_exponent",
        "            self.grad += other * self.data ** (other - 1) * out.grad\n",
        "            self.grad += other * self.data**other * out.grad\n",
        breaks=("test_pow_int", "test_pow_float", "test_pow_negative"),
        also=USES_POW,
    ),
    engine(
        "pow_drops_the_factor_n",
        "            self.grad += other * self.data ** (other - 1) * out.grad\n",
        "            self.grad += self.data ** (other - 1) * out.grad\n",
        breaks=("test_pow_int", "test_pow_float", "test_pow_negative"),
        also=USES_POW,
    ),
    engine(
        "exp_derivative_uses_the_input",
        "            self.grad += out.data * out.grad\n",
        "            self.grad += self.data * out.grad\n",
        breaks=("test_exp",),
        also=WHOLE,
    ),
    engine(
        "tanh_derivative_of_the_input",
        "            self.grad += (1 - out.data**2) * out.grad\n",
        "            self.grad += (1 - self.data**2) * out.grad\n",
        breaks=("test_tanh",),
        also=(*CHAINS, *WHOLE, "test_tanh_large_inputs"),
    ),
    engine(
        "tanh_derivative_without_the_square",
        "            self.grad += (1 - out.data**2) * out.grad\n",
        "            self.grad += (1 - out.data) * out.grad\n",
        breaks=("test_tanh",),
        also=(*CHAINS, *WHOLE, "test_tanh_large_inputs"),
    ),
    engine(
        "tanh_forward_overflows",
        '        out = Value(math.tanh(self.data), (self,), "tanh")\n',
        "        t = (math.exp(2 * self.data) - 1) / (math.exp(2 * self.data) + 1)\n"
        '        out = Value(t, (self,), "tanh")\n',
        breaks=("test_tanh_large_inputs",),
        feedback="OverflowError",
    ),
    engine(
        "relu_gradient_one_at_zero",
        "            self.grad += (1.0 if out.data > 0 else 0.0) * out.grad\n",
        "            self.grad += (1.0 if self.data >= 0 else 0.0) * out.grad\n",
        breaks=("test_relu",),
        feedback="`a.relu().backward()` with a=0.0: a.grad should be 0.0, got 1.0",
    ),
    engine(
        "relu_passes_every_gradient",
        "            self.grad += (1.0 if out.data > 0 else 0.0) * out.grad\n",
        "            self.grad += out.grad\n",
        breaks=("test_relu",),
        also=WHOLE,
    ),
    # --- engine: derived operators ---------------------------------------------------
    engine(
        "neg_does_nothing",
        "        return self * -1\n",
        "        return self * 1\n",
        breaks=("test_neg", "test_sub"),
        also=(*WHOLE, "test_rsub"),
    ),
    engine(
        "sub_adds",
        "        return self + (-other)\n",
        "        return self + other\n",
        breaks=("test_sub",),
        also=WHOLE,
    ),
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
        "rtruediv_divides_the_wrong_way",
        "        return other * self**-1\n",
        "        return self * other**-1\n",
        breaks=("test_rtruediv",),
    ),
    engine(
        "no_radd",
        "    def __radd__(self, other: float) -> Value:  # other + self\n        return self + other\n",
        "",
        breaks=("test_radd",),
        also=("test_rsub",),  # other - self is other + (-self): a number plus a Value
        feedback="TypeError",
    ),
    engine(
        "no_rmul",
        "    def __rmul__(self, other: float) -> Value:  # other * self\n        return self * other\n",
        "",
        breaks=("test_rmul",),
        also=("test_rsub", "test_rtruediv"),
    ),
    # --- engine: backward and the topological sort -----------------------------------
    engine(
        "backward_does_not_seed_the_root",
        "        self.grad = 1.0\n        for node",
        "        for node",
        breaks=("test_backward_seeds_the_root_with_one",),
        also=EVERY_BACKWARD,
        feedback="a.grad should be 1.0, got 0.0",
    ),
    engine(
        "backward_in_topological_not_reverse_order",
        "        for node in reversed(topological_sort(self)):\n",
        "        for node in topological_sort(self):\n",
        breaks=("test_backward_visits_nodes_in_reverse_topological_order",),
        also=EVERY_BACKWARD,
    ),
    engine(
        "backward_only_calls_the_roots_backward",
        "        for node in reversed(topological_sort(self)):\n            node._backward()\n",
        "        self._backward()\n",
        breaks=("test_backward_visits_nodes_in_reverse_topological_order", *WHOLE),
        also=EVERY_BACKWARD,
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
        also=(*TOPOLOGY, *EVERY_BACKWARD),
        feedback="more than once",
    ),
    engine(
        "topological_sort_root_first",
        "    return order\n    ### END SOLUTION",
        "    return order[::-1]\n    ### END SOLUTION",
        breaks=TOPOLOGY,
        also=EVERY_BACKWARD,
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
        also=("test_layer_forward", "test_layer_of_one_neuron_returns_a_value", "test_mlp_forward"),
    ),
    nn(
        "neuron_forgets_the_bias",
        "        act = sum((wi * xi for wi, xi in zip(self.w, x)), self.b)\n",
        "        act = sum((wi * xi for wi, xi in zip(self.w, x)), Value(0.0))\n",
        breaks=FORWARD,
        also=("test_layer_of_one_neuron_returns_a_value",),
    ),
    nn(
        "neuron_parameters_without_the_bias",
        "        return self.w + [self.b]\n",
        "        return self.w\n",
        breaks=PARAMS,
        also=("test_zero_grad", "test_parameters_are_the_models_own_values"),
        feedback="should return",
    ),
    nn(
        "neuron_parameters_bias_first",
        "        return self.w + [self.b]\n",
        "        return [self.b] + self.w\n",
        breaks=("test_neuron_parameters", "test_layer_parameters", "test_mlp_parameters_order"),
        feedback="item 0 should be",
    ),
    nn(
        "layer_always_returns_a_list",
        "        return outs[0] if len(outs) == 1 else outs\n",
        "        return outs\n",
        breaks=("test_layer_of_one_neuron_returns_a_value", "test_mlp_forward"),
        also=("test_parameters_are_the_models_own_values",),
    ),
    nn(
        "mlp_parameters_are_copies",
        "        return [p for layer in self.layers for p in layer.parameters()]\n",
        "        return [Value(p.data) for layer in self.layers for p in layer.parameters()]\n",
        breaks=("test_parameters_are_the_models_own_values", "test_mlp_parameters_order"),
        also=("test_zero_grad",),
        feedback="not copies",
    ),
    nn(
        "mlp_parameters_last_layer_first",
        "        return [p for layer in self.layers for p in layer.parameters()]\n",
        "        return [p for layer in reversed(self.layers) for p in layer.parameters()]\n",
        breaks=("test_mlp_parameters_order",),
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
        breaks=("test_mse_loss_value", "test_mse_loss_gradient", "test_train_follows_the_reference_loss_curve"),
        also=("test_train_lowers_the_loss",),
        feedback="should be",
    ),
    train(
        "mse_returns_a_float",
        "    return sum(errors, Value(0.0)) * (1.0 / len(errors))\n",
        "    return (sum(errors, Value(0.0)) * (1.0 / len(errors))).data\n",
        breaks=("test_mse_loss_value", "test_mse_loss_gradient", *TRAIN),
        feedback="not a Value",
    ),
    train(
        "sgd_climbs_the_gradient",
        "        p.data -= lr * p.grad\n",
        "        p.data += lr * p.grad\n",
        breaks=("test_sgd_step", "test_train_lowers_the_loss", "test_train_follows_the_reference_loss_curve"),
    ),
    train(
        "sgd_ignores_the_learning_rate",
        "        p.data -= lr * p.grad\n",
        "        p.data -= p.grad\n",
        breaks=("test_sgd_step", "test_train_follows_the_reference_loss_curve"),
        also=("test_train_lowers_the_loss",),
    ),
    train(
        "train_without_zero_grad",
        "        model.zero_grad()\n",
        "",
        breaks=("test_train_follows_the_reference_loss_curve",),
        also=("test_train_lowers_the_loss",),
        feedback="the loss of step 2",  # steps 0 and 1 use the first step's gradients either way
    ),
    train(
        "train_zero_grad_after_backward",
        "        model.zero_grad()\n        loss.backward()\n",
        "        loss.backward()\n        model.zero_grad()\n",
        breaks=("test_train_lowers_the_loss", "test_train_follows_the_reference_loss_curve"),
    ),
    train(
        "train_returns_values_not_floats",
        "        losses.append(float(loss.data))\n",
        "        losses.append(loss)\n",
        breaks=("test_train_returns_one_float_per_step",),
        feedback="should return floats",
    ),
    train(
        "train_one_step_short",
        "    for _ in range(steps):\n",
        "    for _ in range(steps - 1):\n",
        breaks=("test_train_returns_one_float_per_step", "test_train_follows_the_reference_loss_curve"),
    ),
]

# Correct variants: different code, full marks (the grader accepts any correct order and style).
CORRECT = [
    Submission(
        "recursive_topological_sort",
        "engine",
        replace=(),
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
TANH_BACKWARD = "            self.grad += (1 - out.data**2) * out.grad\n"
TWINS = [
    engine("backward_sets_every_grad_to_zero", *BACKWARD_ZEROES, breaks=EVERY_BACKWARD),
    engine(
        "tanh_backward_raises",
        TANH_BACKWARD,
        "            raise ValueError('no')\n",
        breaks=("test_tanh", "test_tanh_large_inputs"),
        also=(*CHAINS, *WHOLE),
    ),
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
        "    for _test in ('test_ops.py::test_add', 'test_ops.py::test_mul',\n"
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
TWINS.append(
    engine("add_raises", ADD_BACKWARD, "            raise RuntimeError('no')\n", breaks=("test_add",), also=USES_ADD)
)


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
