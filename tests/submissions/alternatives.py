"""Correct submissions written differently from the reference: each must get full marks, no failing check, no diagnosis.

Every one is the reference with one way of writing a unit changed, to
something the student contract (`student_api.md`) allows: bound methods and
`functools.partial` as `_backward`, `__slots__`, a dataclass `Value`, a tuple
or frozenset `_prev`, other topological sorts, delegating `zero_grad`, map and
generator predictions, a grad behind a property, and so on. A grader that
assumes more than the contract (a closure, a set, a list, `len()`, attributes
it may assign) loses points here.
"""

from __future__ import annotations

from submissions.catalogue import ADD_BACKWARD, MUL_BACKWARD, TANH_BACKWARD, Submission


def op_block(out_line: str, body: str) -> str:
    """The reference's text of one operator, from its `out = Value(...)` line to `return out`."""
    return (
        f"        out = Value({out_line})\n\n        def _backward() -> None:\n            ### BEGIN SOLUTION\n"
        f"{body}            ### END SOLUTION\n\n        out._backward = _backward\n        return out\n"
    )


ADD_BLOCK = op_block('self.data + other.data, (self, other), "+"', ADD_BACKWARD)
MUL_BLOCK = op_block('self.data * other.data, (self, other), "*"', MUL_BACKWARD)
TANH_BLOCK = op_block('math.tanh(self.data), (self,), "tanh"', TANH_BACKWARD)
RELU_BLOCK = op_block(
    'self.data if self.data > 0 else 0.0, (self,), "relu"',
    "            self.grad += (1.0 if out.data > 0 else 0.0) * out.grad\n",
)
EXP_BLOCK = op_block('math.exp(self.data), (self,), "exp"', "            self.grad += out.data * out.grad\n")
POW_BLOCK = op_block(
    'self.data**other, (self,), f"**{other}"', "            self.grad += other * self.data ** (other - 1) * out.grad\n"
)
INIT = (
    "        self.data = data\n        self.grad = 0.0\n"
    "        self._backward: Callable[[], None] = _leaf_backward\n"
    "        self._prev = set(_children)\n        self._op = _op\n        self.label = label\n"
)
TOPOLOGY = (
    "    order: list[Value] = []\n    visited: set[int] = set()\n",
    "    return order\n    ### END SOLUTION",
)
ZERO_GRAD = "        for p in self.parameters():\n            p.grad = 0.0\n"
NEURON_CALL = (
    "        act = sum((wi * xi for wi, xi in zip(self.w, x)), self.b)\n"
    "        return act.tanh() if self.nonlin else act\n"
)
LAYER_CALL = "        outs = [n(x) for n in self.neurons]\n        return outs[0] if len(outs) == 1 else outs\n"
MLP_CALL = "        for layer in self.layers:\n            x = layer(x)\n        return x\n"
TRAIN_LOOP = (
    "        ypred = [model(x) for x in xs]\n        loss = mse_loss(ypred, ys)\n"
    "        model.zero_grad()\n        loss.backward()\n"
)
MSE_BODY = (
    "    errors = [(yp - yt) ** 2 for yp, yt in zip(ypred, ys)]\n"
    "    return sum(errors, Value(0.0)) * (1.0 / len(errors))\n"
)


def alternative(name: str, assignment: str, *edits: tuple[str, str, str]) -> Submission:
    return Submission(name, assignment, tuple(edits))


def sort_body(code: str) -> tuple[str, str, str]:
    """The topological sort's body replaced by `code` (the reference's lines after it never run)."""
    return ("engine", TOPOLOGY[0], code + "    visited: set[int] = set()\n")


ALTERNATIVES = [
    # --- engine: what `_backward` is -------------------------------------------------
    alternative(
        "backward_as_functools_partial",
        "engine",
        ("engine", "import math\n", "import functools\nimport math\n"),
        (
            "engine",
            ADD_BLOCK,
            '        out = Value(self.data + other.data, (self, other), "+")\n'
            "        out._backward = functools.partial(_add_back, self, other, out)\n        return out\n",
        ),
        (
            "engine",
            MUL_BLOCK,
            '        out = Value(self.data * other.data, (self, other), "*")\n'
            "        out._backward = functools.partial(_mul_back, self, other, out)\n        return out\n",
        ),
        (
            "engine",
            "def topological_sort(root: Value) -> list[Value]:\n",
            "def _add_back(a: Value, b: Value, out: Value) -> None:\n"
            "    a.grad += out.grad\n    b.grad += out.grad\n\n\n"
            "def _mul_back(a: Value, b: Value, out: Value) -> None:\n"
            "    a.grad += b.data * out.grad\n    b.grad += a.data * out.grad\n\n\n"
            "def topological_sort(root: Value) -> list[Value]:\n",
        ),
    ),
    alternative(
        "backward_as_bound_methods",
        "engine",
        (
            "engine",
            TANH_BLOCK,
            '        out = Value(math.tanh(self.data), (self,), "tanh")\n'
            "        out._backward = _Tanh(self, out).backward\n        return out\n",
        ),
        (
            "engine",
            EXP_BLOCK,
            '        out = Value(math.exp(self.data), (self,), "exp")\n'
            "        out._backward = _Exp(self, out).backward\n        return out\n",
        ),
        (
            "engine",
            "def topological_sort(root: Value) -> list[Value]:\n",
            "class _Tanh:\n    def __init__(self, x: Value, out: Value) -> None:\n        self.x, self.out = x, out\n\n"
            "    def backward(self) -> None:\n        self.x.grad += (1 - self.out.data**2) * self.out.grad\n\n\n"
            "class _Exp(_Tanh):\n    def backward(self) -> None:\n"
            "        self.x.grad += self.out.data * self.out.grad\n\n\n"
            "def topological_sort(root: Value) -> list[Value]:\n",
        ),
    ),
    alternative(
        "backward_as_a_callable_object",
        "engine",
        (
            "engine",
            POW_BLOCK,
            '        out = Value(self.data**other, (self,), f"**{other}")\n'
            "        out._backward = _PowRule(self, other, out)\n        return out\n",
        ),
        (
            "engine",
            "def topological_sort(root: Value) -> list[Value]:\n",
            "class _PowRule:\n    __slots__ = ('x', 'n', 'out')\n\n"
            "    def __init__(self, x: Value, n: float, out: Value) -> None:\n"
            "        self.x, self.n, self.out = x, n, out\n\n"
            "    def __call__(self) -> None:\n"
            "        self.x.grad += self.n * self.x.data ** (self.n - 1) * self.out.grad\n\n\n"
            "def topological_sort(root: Value) -> list[Value]:\n",
        ),
    ),
    # --- engine: what a Value is --------------------------------------------------------
    alternative(
        "value_with_slots",
        "engine",
        (
            "engine",
            "    def __init__(\n        self,\n        data: float,",
            "    __slots__ = ('data', 'grad', '_backward', '_prev', '_op', 'label')\n\n"
            "    def __init__(\n        self,\n        data: float,",
        ),
    ),
    alternative(
        "value_as_a_dataclass",
        "engine",
        ("engine", "import math\n", "import math\nfrom dataclasses import InitVar, dataclass, field\n"),
        ("engine", "class Value:\n", "@dataclass(eq=False, repr=False)\nclass Value:\n"),
        (
            "engine",
            "    def __init__(\n        self,\n        data: float,\n        _children: Iterable[Value] = (),\n"
            '        _op: str = "",\n        label: str = "",\n    ) -> None:\n' + INIT,
            "    data: float\n    _children: InitVar[Iterable[Value]] = ()\n"
            '    _op: str = ""\n    label: str = ""\n'
            "    grad: float = field(default=0.0, init=False)\n"
            "    _backward: Callable[[], None] = field(default_factory=lambda: lambda: None, init=False)\n"
            "    _prev: set = field(default_factory=set, init=False)\n\n"
            "    def __post_init__(self, _children: Iterable[Value]) -> None:\n"
            "        self._prev = set(_children)\n",
        ),
    ),
    alternative(
        "prev_as_a_tuple",
        "engine",
        ("engine", "        self._prev = set(_children)\n", "        self._prev = tuple(_children)\n"),
    ),
    alternative(
        "prev_as_a_frozenset",
        "engine",
        ("engine", "        self._prev = set(_children)\n", "        self._prev = frozenset(_children)\n"),
    ),
    alternative(
        "grad_behind_a_property",
        "engine",
        ("engine", "        self.grad = 0.0\n", "        self._g = 0.0\n"),
        (
            "engine",
            "    def __repr__(self) -> str:\n",
            "    @property\n    def grad(self) -> float:\n        return self._g\n\n"
            "    @grad.setter\n    def grad(self, value: float) -> None:\n        self._g = value\n\n"
            "    def __repr__(self) -> str:\n",
        ),
    ),
    # --- engine: how the local rules are written ----------------------------------------
    alternative(
        "tanh_uses_the_t_it_computed",  # as in the lecture: the local derivative from the forward's own t
        "engine",
        (
            "engine",
            TANH_BLOCK,
            '        t = math.tanh(self.data)\n        out = Value(t, (self,), "tanh")\n\n'
            "        def _backward() -> None:\n            self.grad += (1 - t * t) * out.grad\n\n"
            "        out._backward = _backward\n        return out\n",
        ),
    ),
    alternative(
        "relu_with_max_and_a_comparison",
        "engine",
        (
            "engine",
            RELU_BLOCK,
            '        out = Value(max(0.0, self.data), (self,), "relu")\n\n'
            "        def _backward() -> None:\n            self.grad += (self.data > 0) * out.grad\n\n"
            "        out._backward = _backward\n        return out\n",
        ),
    ),
    alternative(
        "exp_recomputes_math_exp",
        "engine",
        (
            "engine",
            "            self.grad += out.data * out.grad\n",
            "            self.grad += math.exp(self.data) * out.grad\n",
        ),
    ),
    alternative(
        "add_backward_in_a_loop",
        "engine",
        ("engine", ADD_BACKWARD, "            for v in (self, other):\n                v.grad += 1.0 * out.grad\n"),
    ),
    alternative(
        "mul_backward_with_locals",
        "engine",
        (
            "engine",
            MUL_BACKWARD,
            "            da, db = other.data, self.data\n            g = out.grad\n"
            "            self.grad = self.grad + da * g\n            other.grad = other.grad + db * g\n",
        ),
    ),
    # --- engine: backward() and the sort -----------------------------------------------
    alternative(
        "kahn_topological_sort",
        "engine",
        sort_body(
            "    nodes, stack, seen = [], [root], {id(root)}\n"
            "    while stack:\n        v = stack.pop()\n        nodes.append(v)\n"
            "        for c in v._prev:\n            if id(c) not in seen:\n"
            "                seen.add(id(c))\n                stack.append(c)\n"
            "    users = {id(v): 0 for v in nodes}\n"
            "    for v in nodes:\n        for c in set(map(id, v._prev)):\n            users[c] += 1\n"
            "    ready, reverse = [root], []\n"
            "    while ready:\n        v = ready.pop()\n        reverse.append(v)\n"
            "        for c in {id(c): c for c in v._prev}.values():\n"
            "            users[id(c)] -= 1\n            if users[id(c)] == 0:\n                ready.append(c)\n"
            "    return reverse[::-1]\n",
        ),
    ),
    alternative(
        "topological_sort_with_iterators_on_a_stack",
        "engine",
        sort_body(
            "    order, seen = [], {id(root)}\n    stack = [(root, iter(root._prev))]\n"
            "    while stack:\n        node, children = stack[-1]\n"
            "        for child in children:\n            if id(child) not in seen:\n"
            "                seen.add(id(child))\n                stack.append((child, iter(child._prev)))\n"
            "                break\n        else:\n            stack.pop()\n            order.append(node)\n"
            "    return order\n",
        ),
    ),
    alternative(
        "backward_through_helper_methods",
        "engine",
        (
            "engine",
            "        self.grad = 1.0\n        for node in reversed(topological_sort(self)):\n"
            "            node._backward()\n",
            "        self._seed()\n        for node in self._reverse_order():\n            node._propagate()\n\n"
            "    def _seed(self) -> None:\n        self.grad = 1.0\n\n"
            "    def _reverse_order(self) -> list[Value]:\n        return topological_sort(self)[::-1]\n\n"
            "    def _propagate(self) -> None:\n        self._backward()\n",
        ),
    ),
    # --- nn --------------------------------------------------------------------------
    alternative(
        "nn_with_slots",
        "nn",
        (
            "nn",
            '    """Something with parameters: the base of Neuron, Layer and MLP."""\n',
            '    """Something with parameters: the base of Neuron, Layer and MLP."""\n\n    __slots__ = ()\n',
        ),
        (
            "nn",
            "    def __init__(self, nin: int, nonlin: bool = True) -> None:\n",
            "    __slots__ = ('w', 'b', 'nonlin')\n\n    def __init__(self, nin: int, nonlin: bool = True) -> None:\n",
        ),
        (
            "nn",
            "    def __init__(self, nin: int, nout: int, **kwargs: bool) -> None:\n",
            "    __slots__ = ('neurons',)\n\n    def __init__(self, nin: int, nout: int, **kwargs: bool) -> None:\n",
        ),
        (
            "nn",
            "    def __init__(self, nin: int, nouts: list[int]) -> None:\n",
            "    __slots__ = ('layers',)\n\n    def __init__(self, nin: int, nouts: list[int]) -> None:\n",
        ),
    ),
    alternative(
        "zero_grad_delegates_to_the_parts",
        "nn",
        (
            "nn",
            "    def __call__(self, x: list[Value | float]) -> list[Value] | Value:\n"
            '        """Return the list of every neuron\'s output on `x`.\n',
            "    def zero_grad(self) -> None:\n        for n in self.neurons:\n            n.zero_grad()\n\n"
            "    def __call__(self, x: list[Value | float]) -> list[Value] | Value:\n"
            '        """Return the list of every neuron\'s output on `x`.\n',
        ),
        (
            "nn",
            "    def __call__(self, x: list[Value | float]) -> list[Value] | Value:\n"
            '        """Feed `x` through every layer in turn; return the last layer\'s output."""\n',
            "    def zero_grad(self) -> None:\n        for layer in self.layers:\n            layer.zero_grad()\n\n"
            "    def __call__(self, x: list[Value | float]) -> list[Value] | Value:\n"
            '        """Feed `x` through every layer in turn; return the last layer\'s output."""\n',
        ),
    ),
    alternative(
        "layer_and_mlp_with_map_reduce_and_chain",
        "nn",
        ("nn", "import random\n", "import functools\nimport itertools\nimport random\n"),
        (
            "nn",
            LAYER_CALL,
            "        outs = list(map(lambda n: n(x), self.neurons))\n"
            "        return outs[0] if len(outs) == 1 else outs\n",
        ),
        ("nn", MLP_CALL, "        return functools.reduce(lambda h, layer: layer(h), self.layers, x)\n"),
        (
            "nn",
            "        return [p for n in self.neurons for p in n.parameters()]\n",
            "        return list(itertools.chain.from_iterable(n.parameters() for n in self.neurons))\n",
        ),
        (
            "nn",
            "        return [p for layer in self.layers for p in layer.parameters()]\n",
            "        return sum((layer.parameters() for layer in self.layers), [])\n",
        ),
    ),
    alternative(
        "neuron_with_a_loop_and_values_for_inputs",
        "nn",
        (
            "nn",
            NEURON_CALL,
            "        act = Value(0.0) + self.b\n"
            "        for wi, xi in zip(self.w, x):\n"
            "            act = act + wi * (xi if isinstance(xi, Value) else Value(xi))\n"
            "        if not self.nonlin:\n            return act\n        return act.tanh()\n",
        ),
    ),
    alternative(
        "neuron_sums_from_zero_then_adds_the_bias",
        "nn",
        (
            "nn",
            NEURON_CALL,
            "        act = sum(xi * wi for wi, xi in zip(self.w, x)) + self.b\n"
            "        return act.tanh() if self.nonlin else act\n",
        ),
        ("nn", "        return self.w + [self.b]\n", "        return [*self.w, self.b]\n"),
    ),
    # --- train -------------------------------------------------------------------------
    alternative(
        "train_passes_map_predictions",
        "train",
        ("train", "        ypred = [model(x) for x in xs]\n", "        ypred = map(model, xs)\n"),
        (
            "train",
            MSE_BODY,
            "    pairs = list(zip(ypred, ys))\n"
            "    return sum(((yp - yt) ** 2 for yp, yt in pairs), Value(0.0)) / len(pairs)\n",
        ),
    ),
    alternative(
        "train_with_generators_and_zero_grad_first",
        "train",
        (
            "train",
            TRAIN_LOOP,
            "        model.zero_grad()\n"
            "        loss = mse_loss((model(x) for x in xs), iter(ys))\n        loss.backward()\n",
        ),
        (
            "train",
            MSE_BODY,
            "    total, n = Value(0.0), 0\n    for yp, yt in zip(ypred, ys):\n"
            "        diff = yp - yt\n        total = total + diff * diff\n        n += 1\n"
            "    return total * (1.0 / n)\n",
        ),
    ),
    alternative(
        "train_zeroes_grads_itself_and_steps_by_hand",
        "train",
        ("train", "        model.zero_grad()\n", "        for p in model.parameters():\n            p.grad = 0\n"),
        ("train", "        p.data -= lr * p.grad\n", "        p.data = p.data + (-lr) * p.grad\n"),
        ("train", "        losses.append(float(loss.data))\n", "        losses.append(loss.data + 0.0)\n"),
    ),
]
