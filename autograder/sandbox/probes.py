# ruff: noqa: F821 - `probe` and `number` come from child.py, which runs this file's text with them.
"""What the sandbox can be asked to compute with the student's code (child side).

Run inside the sandbox by child.py, in a namespace of its own (with a snapshot
of the builtins) made before the student's code is imported, so: standard
library only, and every answer is plain numbers and names. Each probe kind takes the
imported modules and a JSON spec; the grader builds the specs
(`autograder/programs.py`, `autograder/models.py`) and judges the answers.

Each probe exercises one unit of the student's code and puts the grader's own
pieces around it: `local` calls one `_backward` alone, `backward` runs the
student's `backward()` over the grader's own local rules and build order, the
nn probes put stand-in neurons or layers inside the student's Layer or MLP,
and `train` runs the student's loop with the grader's loss and update.
"""


# --- engine -----------------------------------------------------------------


def build_steps(Value, spec):
    """The program's nodes, built with the student's Value: name -> node, in build order.

    Each step is an expression text of the grader's operator table (`a + b`,
    `n.tanh()`), evaluated with the nodes built so far as its only names.
    """
    env = {}
    for leaf in spec["leaves"]:
        env[leaf[0]] = Value(leaf[1])
    for name, _, text, _ in spec["steps"]:
        node = eval(text, {"__builtins__": {}}, dict(env))
        if not isinstance(node, Value):
            raise TypeError(f"`{text}` gave {type(node).__name__}, not a Value")
        env[name] = node
    return env


def node_numbers(env, field):
    return {name: number(getattr(v, field), f"{name}.{field}") for name, v in env.items()}


@probe("local")
def local(modules, spec):
    """One operator's `_backward` alone: inputs with starting grads, `out.grad` drawn, nothing else runs."""
    env = build_steps(modules["engine"].Value, spec)
    out = env.pop("out")
    for name, start in spec["start"].items():
        env[name].grad = start
    out.grad = spec["out_grad"]
    out._backward()
    return {"data": number(out.data, "out.data"), "grad": node_numbers(env, "grad")}


@probe("expr")
def expr(modules, spec):
    """A whole expression through the student's own `backward()` (the operators the course gives)."""
    env = build_steps(modules["engine"].Value, spec)
    env[spec["root"]].backward()
    return {"data": node_numbers(env, "data"), "grad": node_numbers(env, "grad")}


def local_rule(op, node, args):
    """The grader's own closure for one node, and its call counter: (input, local derivative) pairs, added in."""
    x = args[0]
    if op == "add":
        pairs = [(x, 1.0), (args[1], 1.0)]
    elif op == "mul":
        pairs = [(x, args[1].data), (args[1], x.data)]
    elif op == "pow":
        k = args[1]
        pairs = [(x, k * x.data ** (k - 1))]
    elif op == "exp":
        pairs = [(x, node.data)]
    elif op == "tanh":
        pairs = [(x, 1.0 - node.data * node.data)]
    else:  # relu
        pairs = [(x, 1.0 if node.data > 0 else 0.0)]

    def rule():
        calls[0] += 1
        for target, slope in pairs:
            target.grad = target.grad + slope * node.grad

    calls = [0]
    return rule, calls


@probe("backward")
def backward(modules, spec):
    """The student's `backward()` alone: every `_backward` is the grader's, and so is the node order.

    The probe built the graph, so its build order is a valid topological order:
    `topological_sort` returns it (restored afterwards), and a bug in the
    student's sort or in one of their `_backward`s costs nothing here.
    """
    engine = modules["engine"]
    env = build_steps(engine.Value, spec)
    calls = {}
    for name, op, _, names in spec["steps"]:
        args = [env[a] if isinstance(a, str) else a for a in names]
        env[name]._backward, calls[name] = local_rule(op, env[name], args)
    built = list(env.values())
    own_sort = engine.topological_sort
    engine.topological_sort = lambda root: list(built)
    try:
        env[spec["root"]].backward()
    finally:
        engine.topological_sort = own_sort
    return {"grad": node_numbers(env, "grad"), "calls": {name: count[0] for name, count in calls.items()}}


@probe("topo")
def topo(modules, spec):
    env = build_steps(modules["engine"].Value, spec)
    names = {id(v): name for name, v in env.items()}
    order = modules["engine"].topological_sort(env[spec["root"]])
    return [names.get(id(v), f"<{type(v).__name__} not built by the test>") for v in order]


# --- nn ---------------------------------------------------------------------


def at_path(obj, path):
    """The object at an attribute path such as `layers[0].neurons[2].w[1]`."""
    for part in path.replace("[", ".[").split("."):
        if part.startswith("["):
            obj = obj[int(part[1:-1])]
        elif part:
            obj = getattr(obj, part)
    return obj


def stand_ins(Value, spec):
    """The grader's stand-in neurons (and layers), holding the spec's weights, answering fixed outputs."""

    class StandIn:
        """A neuron or layer of the grader: `parameters()` is its own Values; a call records its input."""

        def __init__(self, values, outputs):
            self.values = values
            self.outputs = outputs
            self.received = []

        def parameters(self):
            return list(self.values)

        def __call__(self, x):
            self.received.append(x)
            made = [Value(y) for y in self.outputs]
            return made[0] if len(made) == 1 else made

    weights, layers = spec["weights"], []
    for k, layer in enumerate(spec["layout"]):
        neurons = []
        for j, (prefix, nin) in enumerate(layer):
            neuron = StandIn(
                [Value(weights[f"{prefix}w[{i}]"]) for i in range(nin)] + [Value(weights[f"{prefix}b"])], []
            )
            neuron.w, neuron.b, neuron.nonlin = neuron.values[:-1], neuron.values[-1], True
            neuron.outputs = [spec["outputs"][k][j]] if "outputs" in spec else [0.0]
            neurons.append(neuron)
        whole = StandIn([v for n in neurons for v in n.values], spec["outputs"][k] if "outputs" in spec else [0.0])
        whole.neurons = neurons
        layers.append(whole)
    return layers


def build_model(modules, spec):
    """The student's class with the spec's weights; its inner neurons or layers are the grader's stand-ins."""
    model = getattr(modules["nn"], spec["kind"])(*spec["args"], **spec["kwargs"])
    if spec["kind"] == "Neuron":
        for path, x in spec["weights"].items():
            at_path(model, path).data = x
        return model, []
    layers = stand_ins(modules["engine"].Value, spec)
    if spec["kind"] == "Layer":
        model.neurons = layers[0].neurons
        return model, layers[0].neurons
    model.layers = layers
    return model, layers


def output(out, what):
    if isinstance(out, list):
        return [number(v.data, f"{what}[{i}].data") for i, v in enumerate(out)]
    return number(out.data, f"{what}.data")


def received(x):
    """What a stand-in was given, as numbers: a list of inputs, or one Value."""
    if isinstance(x, list):
        return [number(getattr(v, "data", v), "an input") for v in x]
    return number(getattr(x, "data", x), "an input")


@probe("model_forward")
def model_forward(modules, spec):
    results = []
    for x in spec["inputs"]:
        model, inner = build_model(modules, spec["model"])
        results.append(
            {"out": output(model(x), "model(x)"), "received": [[received(r) for r in s.received] for s in inner]}
        )
    return results


@probe("model_parameters")
def model_parameters(modules, spec):
    """Which of the model's Values `parameters()` returns, by path, and whether writing to them reaches the model."""
    model, _ = build_model(modules, spec["model"])
    paths = spec["paths"]
    own = {id(at_path(model, p)): p for p in paths}
    params = model.parameters()
    if not isinstance(params, list):
        raise TypeError(f"parameters() returned {type(params).__name__}, not a list")
    Value = modules["engine"].Value
    names = [
        own.get(id(p), "<a copy, not one of the model's Values>" if isinstance(p, Value) else "<not a Value>")
        for p in params
    ]
    before = {p: number(at_path(model, p).data, p) for p in paths}
    for i, p in enumerate(params):
        if isinstance(p, Value):
            p.data = spec["marks"][i] if i < len(spec["marks"]) else -1.0
    after = {p: number(at_path(model, p).data, p) for p in paths}
    return {"paths": names, "before": before, "after": after}


@probe("zero_grad")
def zero_grad(modules, spec):
    """`zero_grad()` alone: `parameters()` is replaced by one returning the model's own Values."""
    model, _ = build_model(modules, spec["model"])
    values = [at_path(model, p) for p in spec["paths"]]
    model.parameters = lambda: list(values)
    for v, g in zip(values, spec["grads"]):
        v.grad = g
    model.zero_grad()
    return {p: number(v.grad, f"{p}.grad") for p, v in zip(spec["paths"], values)}


# --- train ------------------------------------------------------------------


@probe("mse")
def mse(modules, spec):
    Value = modules["engine"].Value
    ypred = [Value(y) for y in spec["ypred"]]
    loss = modules["train"].mse_loss(ypred, spec["ys"])
    if not isinstance(loss, Value):
        raise TypeError(f"mse_loss returned {type(loss).__name__}, not a Value")
    data = number(loss.data, "loss.data")
    loss.backward()
    return {"loss": data, "grad": [number(y.grad, f"ypred[{i}].grad") for i, y in enumerate(ypred)]}


@probe("sgd")
def sgd(modules, spec):
    Value = modules["engine"].Value
    params = []
    for data, grad in spec["params"]:
        p = Value(data)
        p.grad = grad
        params.append(p)
    modules["train"].sgd_step(params, spec["lr"])
    return {
        "data": [number(p.data, f"params[{i}].data") for i, p in enumerate(params)],
        "grad": [number(p.grad, f"params[{i}].grad") for i, p in enumerate(params)],
    }


def grader_loss(ypred, ys):
    """The grader's mean squared error, in place of the student's while `train` is judged."""
    if len(ypred) != len(ys):
        raise ValueError(f"train passed {len(ypred)} predictions to mse_loss for {len(ys)} targets")
    total = 0.0
    for guess, target in zip(ypred, ys):
        gap = guess + (-target)
        total = gap * gap + total
    return total * (1.0 / len(ys))


def grader_step(params, lr):
    """The grader's update, in place of the student's while `train` is judged."""
    for value in params:
        value.data = value.data - value.grad * lr


@probe("train")
def train(modules, spec):
    """The student's `train` with the grader's loss and update; then the trained model itself is measured."""
    student = modules["train"]
    model = modules["nn"].MLP(*spec["model"]["args"])
    for path, x in spec["model"]["weights"].items():
        at_path(model, path).data = x
    own = (student.mse_loss, student.sgd_step)
    student.mse_loss, student.sgd_step = grader_loss, grader_step
    try:
        losses = student.train(model, spec["xs"], spec["ys"], spec["steps"], spec["lr"])
    finally:
        student.mse_loss, student.sgd_step = own
    if not isinstance(losses, list):
        raise TypeError(f"train returned {type(losses).__name__}, not a list")
    values = []
    for i, loss in enumerate(losses):
        # A Value instead of a float loses the "floats" test only: its number still counts here.
        values.append(number(getattr(loss, "data", loss), f"losses[{i}]"))
    return {
        "types": [type(loss).__name__ for loss in losses],
        "losses": values,
        "weights": {p: number(at_path(model, p).data, p) for p in spec["model"]["weights"]},
        "predictions": [number(model(x).data, "model(x).data") for x in spec["xs"]],
    }
